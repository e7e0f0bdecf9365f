/* bd-transport.c — what carries a connection's bytes: plain TCP
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A connection reads and writes through its BdTransport, never through the
 * socket, so sessions, the codec and routing never know whether a client
 * came over TCP, TLS or a WebSocket. Each transport says which epoll event
 * its blocked read or write waits for (a TLS handshake may need to write
 * before it can read on), and the connection watches for exactly that.
 * Everything runs on the engine thread.
 */

#include "config.h"

#include <errno.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bd-engine-private.h"

static gssize
tcp_read (BdTransport *transport,
          guint8      *buf,
          gsize        len)
{
  return recv (transport->fd, buf, len, 0);
}

static gssize
tcp_write (BdTransport  *transport,
           const guint8 *buf,
           gsize         len)
{
  return send (transport->fd, buf, len, MSG_NOSIGNAL);
}

static void
tcp_shutdown (BdTransport *transport)
{
  shutdown (transport->fd, SHUT_WR);
}

static void
tcp_free (BdTransport *transport)
{
  g_free (transport);
}

static const BdTransportClass tcp_class = {
  .name = "mqtt",
  .read = tcp_read,
  .write = tcp_write,
  .shutdown = tcp_shutdown,
  .free = tcp_free,
};

void
_bd_transport_init (BdTransport            *transport,
                    const BdTransportClass *klass,
                    int                     fd)
{
  transport->klass = klass;
  transport->fd = fd;
  transport->read_waits = EPOLLIN;
  transport->write_waits = EPOLLOUT;
}

BdTransport *
_bd_transport_new_tcp (int fd)
{
  BdTransport *transport = g_new0 (BdTransport, 1);

  _bd_transport_init (transport, &tcp_class, fd);
  return transport;
}

void
_bd_transport_close (BdTransport *transport)
{
  int fd = transport->fd;

  g_free (transport->error);
  transport->klass->free (transport);
  if (fd >= 0)
    close (fd);
}

void
_bd_transport_set_error (BdTransport *transport,
                         char        *message)
{
  g_free (transport->error);
  transport->error = message;
}

/* "mqtt", "mqtt+tls", "websockets" or "websockets+tls", as Mosquitto's
 * protocol option and the TLS options name a listener. */
const char *
_bd_transport_get_name (BdTransport *transport)
{
  return transport->klass->name;
}

/* The TLS version carrying @transport ("TLSv1.3"), directly or under a
 * WebSocket; NULL when it is not encrypted. */
const char *
_bd_transport_get_tls_version (BdTransport *transport)
{
  BdTransport *inner = _bd_websocket_transport_get_inner (transport);

  return _bd_tls_transport_get_version (inner != NULL ? inner : transport);
}

const char *
_bd_transport_strerror (BdTransport *transport,
                        int          err)
{
  if (err == EPROTO && transport->error != NULL)
    return transport->error;
  return g_strerror (err);
}
