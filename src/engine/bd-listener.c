/* bd-listener.c — listening sockets: binding them, accepting connections
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A listener turns an accepted socket into a BdConnection through
 * _bd_connection_new(); that hand-over is where transports other than plain
 * TCP (TLS, WebSocket) plug in. Everything runs on the engine thread.
 */

#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "bd-config-private.h"
#include "bd-engine-private.h"
#include "bd-topic.h"

#define LISTEN_BACKLOG 1024

void
_bd_listener_close (BdListener *listener)
{
  if (listener->fd >= 0)
    close (listener->fd);
  listener->fd = -1;
  /* The socket file goes with its socket, so no client finds a path that
   * nobody answers on. */
  if (listener->socket_path != NULL)
    unlink (listener->socket_path);
  g_clear_pointer (&listener->socket_path, g_free);
}

void
_bd_listener_free (BdListener *listener)
{
  _bd_listener_close (listener);
  g_clear_pointer (&listener->tls, _bd_tls_context_unref);
  g_free (listener->address);
  g_free (listener);
}

/* bind_interface: bd_broker_config_finish () gave the listener an address
 * of the interface when it had one; a bind_address written beside it must be
 * one of the interface's, as Mosquitto requires. */
static gboolean
check_interface (const BdListenerConfig  *config,
                 GInetAddress            *inet,
                 GError                 **error)
{
  g_autoptr(GPtrArray) addresses = NULL;

  if (config->bind_address == NULL)
    {
      g_set_error (error, BD_ENGINE_ERROR, BD_ENGINE_ERROR_CONFIG,
                   "%s: bind_interface: interface “%s” has no %s address to listen on",
                   config->bind_interface_where, config->bind_interface,
                   config->socket_domain == BD_SOCKET_DOMAIN_IPV4 ? "IPv4"
                   : config->socket_domain == BD_SOCKET_DOMAIN_IPV6 ? "IPv6" : "IPv4 or IPv6");
      return FALSE;
    }

  addresses = _bd_config_interface_addresses (config->bind_interface, BD_SOCKET_DOMAIN_ANY);
  for (guint i = 0; addresses != NULL && i < addresses->len; i++)
    if (g_inet_address_equal (g_ptr_array_index (addresses, i), inet))
      return TRUE;

  g_set_error (error, BD_ENGINE_ERROR, BD_ENGINE_ERROR_CONFIG,
               "%s: bind_interface: the listener's address “%s” is not one of interface “%s”",
               config->bind_interface_where, config->bind_address, config->bind_interface);
  return FALSE;
}

/* Named by the line that asked for the socket, as a configuration error. */
static gboolean G_GNUC_PRINTF (3, 4)
unix_socket_error (GError                 **error,
                   const BdListenerConfig  *config,
                   const char              *format,
                   ...)
{
  g_autofree char *why = NULL;
  va_list args;

  va_start (args, format);
  why = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, BD_ENGINE_ERROR, BD_ENGINE_ERROR_LISTEN,
               "%s:%u: listener: cannot listen on the Unix socket “%s”: %s",
               config->source_file != NULL ? config->source_file : "config", config->source_line,
               config->unix_path, why);
  return FALSE;
}

/* A socket file left by a broker that did not end cleanly is replaced, as
 * Mosquitto does; one a running program answers on, or a file that is not
 * a socket, is never removed. */
static gboolean
clear_stale_socket (const BdListenerConfig    *config,
                    const struct sockaddr_un  *addr,
                    GError                   **error)
{
  struct stat st;
  int probe;
  gboolean answered;

  if (lstat (addr->sun_path, &st) < 0)
    return errno == ENOENT || unix_socket_error (error, config, "%s", g_strerror (errno));
  if (!S_ISSOCK (st.st_mode))
    return unix_socket_error (error, config, "a file that is not a socket is in the way");

  probe = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  answered = probe >= 0 && connect (probe, (const struct sockaddr *) addr, sizeof *addr) == 0;
  if (probe >= 0)
    close (probe);
  if (answered)
    return unix_socket_error (error, config, "another program is listening on it");
  if (unlink (addr->sun_path) < 0 && errno != ENOENT)
    return unix_socket_error (error, config, "cannot remove the old socket: %s",
                              g_strerror (errno));
  return TRUE;
}

/* Never BD_ENGINE_ERROR_ADDRESS_IN_USE: that one makes the service try the
 * next port. */
static gboolean
bind_unix (BdEngine          *engine,
           BdListenerConfig  *config,
           BdListener       **out,
           GError           **error)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  BdListener *listener;
  int fd;

  if (strlen (config->unix_path) >= sizeof addr.sun_path)
    return unix_socket_error (error, config, "the path is longer than a socket's (%zu bytes)",
                              sizeof addr.sun_path - 1);
  strcpy (addr.sun_path, config->unix_path);
  if (!clear_stale_socket (config, &addr, error))
    return FALSE;

  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0 || bind (fd, (struct sockaddr *) &addr, sizeof addr) < 0 ||
      listen (fd, LISTEN_BACKLOG) < 0)
    {
      int saved = errno;

      if (fd >= 0)
        close (fd);
      return unix_socket_error (error, config, "%s", g_strerror (saved));
    }

  listener = g_new0 (BdListener, 1);
  listener->kind = BD_POLL_LISTENER;
  listener->engine = engine;
  listener->config = config;
  listener->fd = fd;
  listener->address = g_strdup (config->unix_path);
  listener->socket_path = g_strdup (config->unix_path);
  *out = listener;
  return TRUE;
}

gboolean
_bd_listener_bind (BdEngine         *engine,
                   BdListenerConfig *config,
                   BdListener      **out,
                   GError          **error)
{
  g_autoptr(GInetAddress) inet = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  struct sockaddr_storage native;
  socklen_t native_len;
  int fd;
  int one = 1;
  BdListener *listener;
  const char *host = config->bind_address;

  GSocketFamily family = config->socket_domain == BD_SOCKET_DOMAIN_IPV6 ? G_SOCKET_FAMILY_IPV6
                                                                        : G_SOCKET_FAMILY_IPV4;

  if (config->unix_path != NULL)
    return bind_unix (engine, config, out, error);
  if (config->bind_interface != NULL && host == NULL)
    return check_interface (config, NULL, error);
  if (host == NULL)
    {
      /* Every interface, IPv6 and IPv4 through one dual-stack socket, or
       * one of them with socket_domain. */
      inet = g_inet_address_new_any (config->socket_domain == BD_SOCKET_DOMAIN_IPV4
                                     ? G_SOCKET_FAMILY_IPV4 : G_SOCKET_FAMILY_IPV6);
    }
  else if (g_strcmp0 (host, "localhost") == 0)
    inet = g_inet_address_new_loopback (family);
  else
    inet = g_inet_address_new_from_string (host);

  if (inet == NULL)
    {
      g_set_error (error, BD_ENGINE_ERROR, BD_ENGINE_ERROR_LISTEN,
                   "Listener address “%s” is not an IP address", host);
      return FALSE;
    }
  if (config->socket_domain != BD_SOCKET_DOMAIN_ANY && g_inet_address_get_family (inet) != family)
    {
      g_set_error (error, BD_ENGINE_ERROR, BD_ENGINE_ERROR_CONFIG,
                   "%s:%u: listener %u: address “%s” is not %s, as socket_domain asks",
                   config->source_file ? config->source_file : "config", config->source_line,
                   config->port, host, family == G_SOCKET_FAMILY_IPV6 ? "IPv6" : "IPv4");
      return FALSE;
    }
  if (config->bind_interface != NULL && !check_interface (config, inet, error))
    return FALSE;

  address = g_inet_socket_address_new (inet, config->port);
  native_len = g_socket_address_get_native_size (address);
  if (!g_socket_address_to_native (address, &native, sizeof native, error))
    return FALSE;

  fd = socket (native.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0 && host == NULL && errno == EAFNOSUPPORT &&
      config->socket_domain == BD_SOCKET_DOMAIN_ANY)
    {
      /* No IPv6 on this machine: fall back to IPv4 any. */
      g_clear_object (&inet);
      g_clear_object (&address);
      inet = g_inet_address_new_any (G_SOCKET_FAMILY_IPV4);
      address = g_inet_socket_address_new (inet, config->port);
      native_len = g_socket_address_get_native_size (address);
      if (!g_socket_address_to_native (address, &native, sizeof native, error))
        return FALSE;
      fd = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    }
  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, BD_ENGINE_ERROR, BD_ENGINE_ERROR_LISTEN,
                   "Cannot create a socket for port %u: %s", config->port, g_strerror (saved));
      return FALSE;
    }

  setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (native.ss_family == AF_INET6 && host == NULL)
    {
      /* Dual stack, unless socket_domain ipv6 asked for IPv6 alone. */
      int v6only = config->socket_domain == BD_SOCKET_DOMAIN_IPV6;
      setsockopt (fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only);
    }

  if (bind (fd, (struct sockaddr *) &native, native_len) < 0 ||
      listen (fd, LISTEN_BACKLOG) < 0)
    {
      int saved = errno;
      g_autofree char *where = g_inet_address_to_string (inet);

      close (fd);
      g_set_error (error, BD_ENGINE_ERROR,
                   saved == EADDRINUSE ? BD_ENGINE_ERROR_ADDRESS_IN_USE : BD_ENGINE_ERROR_LISTEN,
                   "Cannot listen on %s port %u: %s",
                   where, config->port, g_strerror (saved));
      return FALSE;
    }

  listener = g_new0 (BdListener, 1);
  listener->kind = BD_POLL_LISTENER;
  listener->engine = engine;
  listener->config = config;
  listener->fd = fd;
  listener->address = g_inet_address_to_string (inet);

  native_len = sizeof native;
  if (getsockname (fd, (struct sockaddr *) &native, &native_len) == 0)
    {
      if (native.ss_family == AF_INET)
        listener->port = g_ntohs (((struct sockaddr_in *) &native)->sin_port);
      else
        listener->port = g_ntohs (((struct sockaddr_in6 *) &native)->sin6_port);
    }

  *out = listener;
  return TRUE;
}

/* MQTT's strings are at most 65,535 bytes [MQTT-1.5.3]. */
#define MQTT_STRING_MAX 65535

char *
_bd_listener_mount (const BdListener *listener,
                    const char       *text)
{
  const char *mount = listener->config->mount_point;
  const char *inner = NULL;
  gsize len;

  if (mount == NULL)
    return g_strdup (text);
  len = strlen (mount) + strlen (text);
  if (len > MQTT_STRING_MAX)
    return NULL;
  /* "$share/GROUP/FILTER" [MQTT-4.8.2-1]: the prefix goes on the filter;
   * the group name stays the client's. */
  if (bd_topic_filter_is_shared (text, NULL, &inner))
    return g_strdup_printf ("%.*s%s%s", (int) (inner - text), text, mount, inner);
  return g_strconcat (mount, text, NULL);
}

const char *
_bd_listener_unmount (const BdListener *listener,
                      const char       *topic)
{
  const char *mount = listener->config->mount_point;
  gsize len;

  if (mount == NULL)
    return topic;
  len = strlen (mount);
  /* The prefix alone would leave an empty topic, which no client may get. */
  if (strncmp (topic, mount, len) != 0 || topic[len] == '\0')
    return NULL;
  return topic + len;
}

void
_bd_listener_log_listening (BdListener *listener)
{
  const char *protocol;

  if (listener->config->protocol == BD_LISTENER_WEBSOCKETS)
    protocol = listener->tls != NULL ? "websockets+tls" : "websockets";
  else
    protocol = listener->tls != NULL ? "mqtt+tls" : "mqtt";
  /* Tests and scripts wait for this line, and read the port from it when
   * the configuration asked for port 0. */
  if (listener->config->unix_path != NULL)
    g_message ("Listening on the Unix socket %s (%s)", listener->address, protocol);
  else if (strchr (listener->address, ':') != NULL)
    g_message ("Listening on [%s]:%u (%s)", listener->address, listener->port, protocol);
  else
    g_message ("Listening on %s:%u (%s)", listener->address, listener->port, protocol);
}

/* ------------------------------------------------------------------ accept */

static char *
peer_to_string (const BdListener              *listener,
                const struct sockaddr_storage *ss)
{
  char host[64] = "";
  guint16 port = 0;

  if (ss->ss_family == AF_INET)
    {
      const struct sockaddr_in *sin = (const struct sockaddr_in *) ss;

      inet_ntop (AF_INET, &sin->sin_addr, host, sizeof host);
      port = g_ntohs (sin->sin_port);
      return g_strdup_printf ("%s:%u", host, port);
    }
  if (ss->ss_family == AF_INET6)
    {
      const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *) ss;

      inet_ntop (AF_INET6, &sin6->sin6_addr, host, sizeof host);
      port = g_ntohs (sin6->sin6_port);
      /* Dual-stack sockets report IPv4 peers as ::ffff:a.b.c.d */
      if (g_str_has_prefix (host, "::ffff:") && strchr (host + 7, ':') == NULL)
        return g_strdup_printf ("%s:%u", host + 7, port);
      return g_strdup_printf ("[%s]:%u", host, port);
    }
  /* A client of a Unix socket has no address of its own: the socket's. */
  if (ss->ss_family == AF_UNIX && listener->config->unix_path != NULL)
    return g_strconcat ("unix:", listener->config->unix_path, NULL);
  return g_strdup ("unknown");
}

static gboolean
at_max_connections (BdEngine   *engine,
                    BdListener *listener)
{
  guint max_global = engine->config->max_connections;
  guint max_listener = listener->config->max_connections;

  return (max_global > 0 && engine->connections.length >= max_global) ||
         (max_listener > 0 && listener->n_connections >= max_listener);
}

void
_bd_listener_adopt_internal (BdEngine   *engine,
                             int         fd,
                             const char *name)
{
  BdConnection *conn;

  BD_ENGINE_ASSERT_THREAD (engine);

  if (engine->internal == NULL)
    {
      BdListenerConfig *config = bd_listener_config_new (0, NULL);

      /* In-process parts of Brokerdesk, not clients of a listener: no
       * password, no ACL, no connection limit. */
      config->allow_anonymous = TRUE;
      config->allow_anonymous_set = TRUE;
      config->auto_id_prefix = g_strdup ("internal-");
      engine->internal = g_new0 (BdListener, 1);
      engine->internal->kind = BD_POLL_LISTENER;
      engine->internal->engine = engine;
      engine->internal->config = config;
      engine->internal->fd = -1;
      engine->internal->address = g_strdup ("internal");
      engine->internal->index = BD_LISTENER_INTERNAL;
    }
  /* A socket pair needs no transport of its own: plain TCP's calls serve. */
  conn = _bd_connection_new (engine->internal, fd, NULL, g_strdup_printf ("internal:%s", name));
  if (conn != NULL)
    g_debug ("New internal connection for %s", name);
}

void
_bd_listener_accept (BdEngine   *engine,
                     BdListener *listener)
{
  BD_ENGINE_ASSERT_THREAD (engine);

  for (;;)
    {
      struct sockaddr_storage ss;
      socklen_t ss_len = sizeof ss;
      BdConnection *conn;
      BdTransport *transport;
      guint max_global = engine->config->max_connections;
      guint max_listener = listener->config->max_connections;
      int fd;

      fd = accept4 (listener->fd, (struct sockaddr *) &ss, &ss_len, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0)
        {
          if (errno == EINTR)
            continue;
          if (errno != EAGAIN && errno != EWOULDBLOCK)
            g_warning ("Cannot accept a connection on port %u: %s",
                       listener->port, g_strerror (errno));
          return;
        }
      engine->counters.sockets_accepted++;

      /* The accept queue holds connections that came after the events
       * being handled, and so may the closes that made room for them:
       * handle those closes before refusing anyone. */
      if (at_max_connections (engine, listener))
        _bd_engine_poll_connections (engine);
      if (at_max_connections (engine, listener))
        {
          g_autofree char *peer = peer_to_string (listener, &ss);

          /* Refused before CONNECT, as Mosquitto does at max_connections. */
          g_message ("Refusing connection from %s: max_connections (%u) reached",
                     peer, max_listener > 0 ? max_listener : max_global);
          engine->counters.connections_refused++;
          close (fd);
          continue;
        }

      if (engine->config->set_tcp_nodelay && listener->config->unix_path == NULL)
        {
          int one = 1;
          setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        }

      /* The hand-over: from here on the socket is the transport's. Plain
       * TCP needs none on the heap: the connection keeps it inside. */
      transport = NULL;
      if (listener->tls != NULL)
        {
          transport = _bd_tls_transport_new (listener->tls, fd);
          if (transport == NULL)
            {
              close (fd);
              continue;
            }
        }
      if (listener->config->protocol == BD_LISTENER_WEBSOCKETS)
        transport = _bd_websocket_transport_new (transport != NULL ? transport
                                                                   : _bd_transport_new_tcp (fd),
                                                 listener->config);
      conn = _bd_connection_new (listener, fd, transport, peer_to_string (listener, &ss));
      if (conn == NULL)
        continue;
      g_debug ("New connection from %s on port %u", conn->peer, listener->port);
    }
}
