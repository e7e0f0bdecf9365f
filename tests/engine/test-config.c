/* test-config.c — mosquitto.conf reader
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <syslog.h>

#include <glib/gstdio.h>

#include <pwd.h>
#include <unistd.h>

#include "bd-config.h"
#include "bd-test-util.h"
#include "test-client.h"

static BdBrokerConfig *
parse_finished (const char *text)
{
  BdBrokerConfig *config = test_config_parse (text);

  bd_broker_config_finish (config);
  return config;
}

static BdListenerConfig *
listener_at (BdBrokerConfig *config,
             guint           index)
{
  g_assert_cmpuint (index, <, config->listeners->len);
  return g_ptr_array_index (config->listeners, index);
}

static void
assert_strv (GPtrArray          *array,
             const char * const *expected)
{
  guint n = g_strv_length ((char **) expected);

  g_assert_cmpuint (array->len, ==, n);
  for (guint i = 0; i < n; i++)
    g_assert_cmpstr (g_ptr_array_index (array, i), ==, expected[i]);
}

/* Tests ------------------------------------------------------------------- */

static void
test_defaults (void)
{
  g_autoptr(BdBrokerConfig) config = bd_broker_config_new ();
  static const char * const stderr_only[] = { "stderr", NULL };
  BdListenerConfig *listener;

  /* Mosquitto 2.0.11's defaults. */
  g_assert_cmpuint (config->listeners->len, ==, 0);
  g_assert_false (config->listeners_from_file);
  g_assert_null (config->default_listener);
  g_assert_false (config->allow_anonymous_set);
  g_assert_true (config->allow_zero_length_clientid);
  g_assert_cmpstr (config->auto_id_prefix, ==, "auto-");
  g_assert_null (config->password_file);
  g_assert_null (config->acl_file);
  g_assert_false (config->per_listener_settings);
  g_assert_cmpuint (config->max_connections, ==, 0);
  g_assert_cmpuint (config->message_size_limit, ==, 0);
  g_assert_cmpuint (config->max_packet_size, ==, 0);
  g_assert_cmpuint (config->max_keepalive, ==, 65535);
  g_assert_cmpuint (config->max_inflight_messages, ==, 20);
  g_assert_cmpuint (config->max_inflight_bytes, ==, 0);
  g_assert_cmpuint (config->max_queued_messages, ==, 1000);
  g_assert_cmpuint (config->max_queued_bytes, ==, 0);
  g_assert_cmpuint (config->memory_limit, ==, 0);
  g_assert_false (config->queue_qos0_messages);
  g_assert_true (config->retain_available);
  g_assert_cmpuint (config->sys_interval, ==, 10);
  g_assert_false (config->upgrade_outgoing_qos);
  g_assert_true (config->check_retain_source);
  g_assert_false (config->set_tcp_nodelay);
  g_assert_false (config->persistence);
  g_assert_null (config->persistence_location);
  g_assert_cmpstr (config->persistence_file, ==, "mosquitto.db");
  g_assert_cmpuint (config->autosave_interval, ==, 1800);
  g_assert_cmpint (config->persistent_client_expiration, ==, 0);
  g_assert_cmpuint (config->log_types, ==, BD_LOG_TYPE_ERROR | BD_LOG_TYPE_WARNING
                                           | BD_LOG_TYPE_NOTICE | BD_LOG_TYPE_INFORMATION);
  assert_strv (config->log_dest, stderr_only);
  g_assert_true (config->log_timestamp);
  g_assert_null (config->log_timestamp_format);
  g_assert_true (config->connection_messages);
  g_assert_null (config->pid_file);
  g_assert_true (config->history.enabled);
  g_assert_cmpuint (config->history.record->len, ==, 0);
  g_assert_cmpuint (config->history.exclude->len, ==, 0);
  g_assert_cmpuint (config->history.retention->len, ==, 0);
  g_assert_cmpuint (config->history.json_paths->len, ==, 0);
  g_assert_cmpuint (config->history.max_size_bytes, ==, 0);

  /* No listener configured: Mosquitto 2.0's local-only mode. */
  bd_broker_config_finish (config);
  g_assert_cmpuint (config->listeners->len, ==, 1);
  listener = listener_at (config, 0);
  g_assert_cmpuint (listener->port, ==, 1883);
  g_assert_cmpstr (listener->bind_address, ==, "127.0.0.1");
  g_assert_cmpint (listener->protocol, ==, BD_LISTENER_MQTT);
  g_assert_cmpint (listener->socket_domain, ==, BD_SOCKET_DOMAIN_ANY);
  g_assert_cmpuint (listener->max_connections, ==, 0);
  g_assert_cmpuint (listener->max_qos, ==, 2);
  g_assert_true (config->allow_anonymous);
  g_assert_true (listener->allow_anonymous);
  g_assert_true (listener->allow_zero_length_clientid);
  g_assert_cmpstr (listener->auto_id_prefix, ==, "auto-");

  /* finish() can run twice without changing its answer. */
  bd_broker_config_finish (config);
  g_assert_cmpuint (config->listeners->len, ==, 1);
  g_assert_true (config->allow_anonymous);
}

static void
test_syntax (void)
{
  g_autoptr(BdBrokerConfig) config = NULL;

  /* Comments, blank lines, indentation, tabs between values, trailing
   * blanks and DOS line ends. */
  config = test_config_parse ("# a comment\n"
                              "\n"
                              "   \n"
                              "  # an indented comment\n"
                              "max_keepalive 100   \n"
                              "\tsys_interval\t\t30\r\n"
                              "listener  1884   127.0.0.1  \r\n"
                              "log_timestamp_format %Y-%m-%d %H:%M:%S  \n"
                              "password_file /etc/my broker/passwd");
  g_assert_cmpuint (config->max_keepalive, ==, 100);
  g_assert_cmpuint (config->sys_interval, ==, 30);
  g_assert_cmpuint (config->listeners->len, ==, 1);
  g_assert_cmpuint (listener_at (config, 0)->port, ==, 1884);
  g_assert_cmpstr (listener_at (config, 0)->bind_address, ==, "127.0.0.1");
  /* Free text and paths take the rest of the line. */
  g_assert_cmpstr (config->log_timestamp_format, ==, "%Y-%m-%d %H:%M:%S");
  g_assert_cmpstr (config->password_file, ==, "/etc/my broker/passwd");
}

static void
test_global_directives (void)
{
  g_autoptr(BdBrokerConfig) config = NULL;

  config = test_config_parse ("allow_zero_length_clientid false\n"
                              "auto_id_prefix gen-\n"
                              "password_file /etc/brokerdesk/passwd\n"
                              "acl_file /etc/brokerdesk/acl\n"
                              "max_connections 500\n"
                              "message_size_limit 1048576\n"
                              "max_packet_size 2097152\n"
                              "max_keepalive 120\n"
                              "max_inflight_messages 5\n"
                              "max_inflight_bytes 65536\n"
                              "max_queued_messages 0\n"
                              "max_queued_bytes 10000000000\n"
                              "memory_limit 10000000000\n"
                              "queue_qos0_messages true\n"
                              "retain_available false\n"
                              "sys_interval 0\n"
                              "upgrade_outgoing_qos true\n"
                              "check_retain_source false\n"
                              "set_tcp_nodelay true\n"
                              "persistence true\n"
                              "persistence_location /var/lib/brokerdesk/\n"
                              "persistence_file broker.db\n"
                              "autosave_interval 60\n"
                              "autosave_on_changes false\n"
                              "persistent_client_expiration 2d\n"
                              "log_timestamp false\n"
                              "log_timestamp_format %H:%M\n"
                              "connection_messages false\n"
                              "pid_file /run/brokerdesk.pid\n");

  g_assert_false (config->allow_zero_length_clientid);
  g_assert_cmpstr (config->auto_id_prefix, ==, "gen-");
  g_assert_cmpstr (config->password_file, ==, "/etc/brokerdesk/passwd");
  g_assert_cmpstr (config->acl_file, ==, "/etc/brokerdesk/acl");
  g_assert_cmpuint (config->max_connections, ==, 500);
  g_assert_cmpuint (config->message_size_limit, ==, 1048576);
  g_assert_cmpuint (config->max_packet_size, ==, 2097152);
  g_assert_cmpuint (config->max_keepalive, ==, 120);
  g_assert_cmpuint (config->max_inflight_messages, ==, 5);
  g_assert_cmpuint (config->max_inflight_bytes, ==, 65536);
  g_assert_cmpuint (config->max_queued_messages, ==, 0);
  g_assert_cmpuint (config->max_queued_bytes, ==, G_GUINT64_CONSTANT (10000000000));
  g_assert_cmpuint (config->memory_limit, ==, G_GUINT64_CONSTANT (10000000000));
  g_assert_true (config->queue_qos0_messages);
  g_assert_false (config->retain_available);
  g_assert_cmpuint (config->sys_interval, ==, 0);
  g_assert_true (config->upgrade_outgoing_qos);
  g_assert_false (config->check_retain_source);
  g_assert_true (config->set_tcp_nodelay);
  g_assert_true (config->persistence);
  g_assert_cmpstr (config->persistence_location, ==, "/var/lib/brokerdesk/");
  g_assert_cmpstr (config->persistence_file, ==, "broker.db");
  g_assert_cmpuint (config->autosave_interval, ==, 60);
  g_assert_cmpint (config->persistent_client_expiration, ==, 2 * 86400);
  g_assert_false (config->log_timestamp);
  g_assert_cmpstr (config->log_timestamp_format, ==, "%H:%M");
  g_assert_false (config->connection_messages);
  g_assert_cmpstr (config->pid_file, ==, "/run/brokerdesk.pid");

  /* None of these open a listener. */
  g_assert_false (config->listeners_from_file);
  g_assert_null (config->default_listener);

  /* Mosquitto's old name for persistence. */
  g_clear_pointer (&config, bd_broker_config_free);
  config = test_config_parse ("retained_persistence true");
  g_assert_true (config->persistence);

  /* persistence_mode: durable by default; the last line counts. */
  g_assert_false (config->persistence_snapshot);
  g_clear_pointer (&config, bd_broker_config_free);
  config = test_config_parse ("persistence_mode snapshot");
  g_assert_true (config->persistence_snapshot);
  g_clear_pointer (&config, bd_broker_config_free);
  config = test_config_parse ("persistence_mode snapshot\npersistence_mode durable");
  g_assert_false (config->persistence_snapshot);

  /* max_packet_size 0 is "no limit"; the limits at the edges are accepted. */
  g_clear_pointer (&config, bd_broker_config_free);
  config = test_config_parse ("max_packet_size 20\nmax_packet_size 0\nmessage_size_limit 268435455\n"
                              "max_keepalive 0\nmax_connections -1");
  g_assert_cmpuint (config->max_packet_size, ==, 0);
  g_assert_cmpuint (config->message_size_limit, ==, 268435455);
  /* max_keepalive 0 is "no limit", as in Mosquitto 2.0.12 and later. */
  g_assert_cmpuint (config->max_keepalive, ==, 65535);
  g_assert_cmpuint (config->max_connections, ==, 0);
}

static void
test_overrides (void)
{
  g_autoptr(BdBrokerConfig) config = NULL;

  config = test_config_parse ("max_keepalive 10\n"
                              "password_file /a\n"
                              "persistence true\n"
                              "max_connections 10\n"
                              "max_keepalive 20\n"
                              "password_file /b\n"
                              "persistence false\n"
                              "max_connections -1\n"
                              "listener 1883\n"
                              "max_qos 0\n"
                              "protocol mqtt\n"
                              "maximum_qos 1\n"
                              "port 1000\n"
                              "port 1001\n");
  g_assert_cmpuint (config->max_keepalive, ==, 20);
  g_assert_cmpuint (listener_at (config, 0)->max_qos, ==, 1);
  g_assert_cmpstr (config->password_file, ==, "/b");
  g_assert_false (config->persistence);
  g_assert_cmpuint (config->max_connections, ==, 0);
  g_assert_cmpint (listener_at (config, 0)->protocol, ==, BD_LISTENER_MQTT);
  g_assert_cmpuint (config->default_listener->port, ==, 1001);
}

/* bind_interface: the listener takes the interface's IPv4 address and a
 * copy of it, with all its settings, the IPv6 one (lo has ::1 wherever IPv6
 * is on); socket_domain keeps one of them; an unknown interface is refused
 * at its line. */
static void
test_bind_interface (void)
{
  g_autoptr(BdBrokerConfig) config = NULL;
  BdListenerConfig *v4;

  config = parse_finished ("listener 1884\n"
                           "bind_interface LO\n"
                           "max_qos 1\n"
                           "listener 1885\n");
  v4 = listener_at (config, 0);
  g_assert_cmpstr (v4->bind_address, ==, "127.0.0.1");
  g_assert_cmpstr (v4->bind_interface, ==, "LO");
  g_assert_cmpstr (v4->bind_interface_where, ==, "test.conf:2");
  if (config->listeners->len == 3)
    {
      BdListenerConfig *v6 = listener_at (config, 1);

      g_assert_cmpstr (v6->bind_address, ==, "::1");
      g_assert_cmpuint (v6->port, ==, 1884);
      g_assert_cmpuint (v6->max_qos, ==, 1);
      g_assert_cmpstr (v6->bind_interface_where, ==, "test.conf:2");
    }
  g_assert_null (listener_at (config, config->listeners->len - 1)->bind_address);
  g_assert_cmpuint (listener_at (config, config->listeners->len - 1)->port, ==, 1885);

  g_clear_pointer (&config, bd_broker_config_free);
  config = parse_finished ("listener 1884\nsocket_domain ipv4\nbind_interface lo\n");
  g_assert_cmpuint (config->listeners->len, ==, 1);
  g_assert_cmpstr (listener_at (config, 0)->bind_address, ==, "127.0.0.1");

  /* A bind_address stays as written: the engine checks it is lo's. */
  g_clear_pointer (&config, bd_broker_config_free);
  config = parse_finished ("listener 1884 127.0.0.1\nbind_interface lo\n");
  g_assert_cmpuint (config->listeners->len, ==, 1);
  g_assert_cmpstr (listener_at (config, 0)->bind_address, ==, "127.0.0.1");

  /* mount_point: per listener, kept by the copy made for IPv6. */
  g_clear_pointer (&config, bd_broker_config_free);
  config = parse_finished ("listener 1884\nmount_point site/\nbind_interface lo\nlistener 1885\n");
  g_assert_cmpstr (listener_at (config, 0)->mount_point, ==, "site/");
  g_assert_cmpstr (listener_at (config, config->listeners->len - 2)->mount_point, ==, "site/");
  g_assert_null (listener_at (config, config->listeners->len - 1)->mount_point);

  test_config_assert_error ("listener 1884\nbind_interface no-such-if0",
                            "test.conf:2: bind_interface: there is no network interface "
                            "“no-such-if0”");
  test_config_assert_error ("listener 1884\nbind_interface",
                            "test.conf:2: bind_interface: missing interface");
}

/* Two listeners may share a port on different addresses, as in Mosquitto,
 * however each gets its address: a bind_interface after the 'listener' line
 * counts. Only addresses that really overlap are refused, at the later
 * listener's line. */
static void
test_bind_interface_shared_port (void)
{
  g_autoptr(BdBrokerConfig) config = NULL;

  config = parse_finished ("listener 1883 192.0.2.1\nlistener 1883\nbind_interface lo\n");
  g_assert_cmpstr (listener_at (config, 0)->bind_address, ==, "192.0.2.1");
  g_assert_cmpstr (listener_at (config, 1)->bind_address, ==, "127.0.0.1");
  g_clear_pointer (&config, bd_broker_config_free);
  config = parse_finished ("listener 1883\nbind_interface lo\nlistener 1883 192.0.2.1\n");
  g_assert_cmpstr (listener_at (config, 0)->bind_address, ==, "127.0.0.1");
  g_assert_cmpstr (listener_at (config, config->listeners->len - 1)->bind_address, ==, "192.0.2.1");
  /* The default listener too. */
  g_clear_pointer (&config, bd_broker_config_free);
  config = parse_finished ("bind_interface lo\nport 1883\nlistener 1883 192.0.2.1\n");
  g_assert_cmpstr (listener_at (config, 0)->bind_address, ==, "127.0.0.1");

  test_config_assert_error ("listener 1883\nbind_interface lo\nlistener 1883\nbind_interface lo",
                            "test.conf:3: listener: port 1883 is already taken by the listener on "
                            "test.conf:1");
  test_config_assert_error ("listener 1883 127.0.0.1\nlistener 1883\nbind_interface lo",
                            "test.conf:2: listener: port 1883 is already taken by the listener on "
                            "test.conf:1");
  /* Every interface includes lo's addresses. */
  test_config_assert_error ("listener 1883\nbind_interface lo\nlistener 1883",
                            "test.conf:3: listener: port 1883 is already taken by the listener on "
                            "test.conf:1");
  test_config_assert_error ("port 1883\nbind_interface lo\nlistener 1883\nbind_address 127.0.0.1",
                            "test.conf:3: listener: port 1883 is already taken by the listener on "
                            "test.conf:1");
  /* A default listener without a 'port' line has port 1883. */
  test_config_assert_error ("bind_address 127.0.0.1\nlistener 1883 127.0.0.1",
                            "test.conf:2: listener: port 1883 is already taken by the listener on "
                            "test.conf:1");
  test_config_assert_error ("max_qos 1\nlistener 1883\nbind_interface lo",
                            "test.conf:2: listener: port 1883 is already taken by the listener on "
                            "test.conf:1");
  /* One address, written two ways. */
  test_config_assert_error ("listener 1883 ::1\nlistener 1883 0:0::1",
                            "test.conf:2: listener: port 1883 is already taken by the listener on "
                            "test.conf:1");
}

/* A network interface other than the loopback one with an IPv4 address,
 * or NULL. */
static char *
find_other_interface (void)
{
  struct ifaddrs *list = NULL;
  char *name = NULL;

  if (getifaddrs (&list) < 0)
    return NULL;
  for (struct ifaddrs *ifa = list; ifa != NULL && name == NULL; ifa = ifa->ifa_next)
    if (ifa->ifa_addr != NULL && ifa->ifa_addr->sa_family == AF_INET &&
        !(ifa->ifa_flags & IFF_LOOPBACK))
      name = g_strdup (ifa->ifa_name);
  freeifaddrs (list);
  return name;
}

/* Two listeners on one port, each on its own interface. */
static void
test_bind_interface_two_interfaces (void)
{
  g_autofree char *other = find_other_interface ();
  g_autofree char *text = NULL;
  g_autoptr(BdBrokerConfig) config = NULL;

  if (other == NULL)
    {
      g_test_skip ("no network interface but the loopback one has an IPv4 address");
      return;
    }
  text = g_strdup_printf ("listener 1883\nbind_interface lo\nlistener 1883\nbind_interface %s\n",
                          other);
  config = parse_finished (text);
  g_assert_cmpstr (listener_at (config, 0)->bind_address, ==, "127.0.0.1");
}

static void
test_listeners (void)
{
  g_autoptr(BdBrokerConfig) config = NULL;
  BdListenerConfig *plain;
  BdListenerConfig *tls;
  BdListenerConfig *ws;

  config = parse_finished ("max_connections 100\n"
                           "listener 1883\n"
                           "max_connections 50\n"
                           "listener 8883 0.0.0.0\n"
                           "max_qos 1\n"
                           "socket_domain ipv4\n"
                           "listener 9001 ::1\n"
                           "protocol mqtt\n"
                           "socket_domain ipv6\n"
                           "max_qos 0\n"
                           "max_connections -1\n");

  g_assert_true (config->listeners_from_file);
  g_assert_null (config->default_listener);
  g_assert_cmpuint (config->listeners->len, ==, 3);
  /* Outside a listener block, max_connections limits the whole broker. */
  g_assert_cmpuint (config->max_connections, ==, 100);

  plain = listener_at (config, 0);
  g_assert_cmpuint (plain->port, ==, 1883);
  g_assert_null (plain->bind_address);
  g_assert_cmpuint (plain->max_connections, ==, 50);
  g_assert_cmpuint (plain->max_qos, ==, 2);
  g_assert_cmpstr (plain->source_file, ==, "test.conf");
  g_assert_cmpuint (plain->source_line, ==, 2);

  tls = listener_at (config, 1);
  g_assert_cmpuint (tls->port, ==, 8883);
  g_assert_cmpstr (tls->bind_address, ==, "0.0.0.0");
  g_assert_cmpuint (tls->max_qos, ==, 1);
  g_assert_cmpint (tls->socket_domain, ==, BD_SOCKET_DOMAIN_IPV4);
  g_assert_cmpuint (tls->max_connections, ==, 0);
  g_assert_cmpuint (tls->source_line, ==, 4);

  ws = listener_at (config, 2);
  g_assert_cmpuint (ws->port, ==, 9001);
  g_assert_cmpstr (ws->bind_address, ==, "::1");
  g_assert_cmpint (ws->protocol, ==, BD_LISTENER_MQTT);
  g_assert_cmpuint (ws->max_qos, ==, 0);
  g_assert_cmpint (ws->socket_domain, ==, BD_SOCKET_DOMAIN_IPV6);
  g_assert_cmpuint (ws->max_connections, ==, 0);

  /* Listeners were configured: anonymous access must be asked for. */
  g_assert_false (config->allow_anonymous);

  /* Port 0 (any free port, for tests) and "localhost" are accepted. */
  g_clear_pointer (&config, bd_broker_config_free);
  config = test_config_parse ("listener 0 localhost");
  g_assert_cmpuint (listener_at (config, 0)->port, ==, 0);
  g_assert_cmpstr (listener_at (config, 0)->bind_address, ==, "localhost");
  g_assert_null (listener_at (config, 0)->unix_path);

  /* Port 0 and a path: a Unix socket, as in Mosquitto 2.0. */
  g_clear_pointer (&config, bd_broker_config_free);
  config = test_config_parse ("listener 0 /run/brokerdesk/mqtt.sock");
  g_assert_cmpstr (listener_at (config, 0)->unix_path, ==, "/run/brokerdesk/mqtt.sock");
  g_assert_null (listener_at (config, 0)->bind_address);
}

static void
test_default_listener (void)
{
  g_autoptr(BdBrokerConfig) config = NULL;
  BdListenerConfig *listener;

  /* port and bind_address (deprecated) make the default listener, which
   * comes first whatever the order of the lines. */
  config = test_config_parse ("listener 8883\n"
                              "port 1884\n"
                              "bind_address 127.0.0.1\n");
  g_assert_nonnull (config->default_listener);
  g_assert_cmpuint (config->listeners->len, ==, 1);
  bd_broker_config_finish (config);
  g_assert_null (config->default_listener);
  g_assert_cmpuint (config->listeners->len, ==, 2);
  listener = listener_at (config, 0);
  g_assert_cmpuint (listener->port, ==, 1884);
  g_assert_cmpstr (listener->bind_address, ==, "127.0.0.1");
  g_assert_cmpuint (listener->source_line, ==, 2);
  g_assert_cmpuint (listener_at (config, 1)->port, ==, 8883);
  g_assert_false (config->allow_anonymous);

  /* Listener options before any listener line belong to it too; its port
   * defaults to 1883 on every interface. */
  g_clear_pointer (&config, bd_broker_config_free);
  config = parse_finished ("max_qos 1\n"
                           "socket_domain ipv4\n"
                           "listener 1885\n"
                           "max_qos 0\n");
  g_assert_cmpuint (config->listeners->len, ==, 2);
  listener = listener_at (config, 0);
  g_assert_cmpuint (listener->port, ==, 1883);
  g_assert_null (listener->bind_address);
  g_assert_cmpuint (listener->max_qos, ==, 1);
  g_assert_cmpint (listener->socket_domain, ==, BD_SOCKET_DOMAIN_IPV4);
  g_assert_cmpuint (listener_at (config, 1)->max_qos, ==, 0);
  g_assert_cmpint (listener_at (config, 1)->socket_domain, ==, BD_SOCKET_DOMAIN_ANY);

  /* "port" alone: every interface, no anonymous access (Mosquitto 2.0). */
  g_clear_pointer (&config, bd_broker_config_free);
  config = parse_finished ("port 1883");
  g_assert_cmpuint (config->listeners->len, ==, 1);
  g_assert_null (listener_at (config, 0)->bind_address);
  g_assert_false (config->allow_anonymous);
}

static void
test_allow_anonymous (void)
{
  static const struct
  {
    const char *text;
    gboolean    allow_anonymous;
    gboolean    local_only;
  } cases[] = {
    { "", TRUE, TRUE },
    { "allow_anonymous false", FALSE, TRUE },
    { "allow_anonymous true", TRUE, TRUE },
    { "password_file /p", TRUE, TRUE },
    { "listener 1883", FALSE, FALSE },
    { "listener 1883\nallow_anonymous true", TRUE, FALSE },
    { "allow_anonymous true\nlistener 1883", TRUE, FALSE },
    { "listener 1883\nallow_anonymous false", FALSE, FALSE },
    { "port 1883", FALSE, FALSE },
    { "bind_address 127.0.0.1", FALSE, FALSE },
    { "port 1883\nallow_anonymous true", TRUE, FALSE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(BdBrokerConfig) config = parse_finished (cases[i].text);

      g_test_message ("case %" G_GSIZE_FORMAT ": %s", i, cases[i].text);
      g_assert_cmpint (config->allow_anonymous, ==, cases[i].allow_anonymous);
      g_assert_cmpint (config->listeners_from_file, ==, !cases[i].local_only);
      for (guint j = 0; j < config->listeners->len; j++)
        g_assert_cmpint (listener_at (config, j)->allow_anonymous, ==, cases[i].allow_anonymous);
      if (cases[i].local_only)
        g_assert_cmpstr (listener_at (config, 0)->bind_address, ==, "127.0.0.1");
    }
}

static void
test_per_listener_settings (void)
{
  g_autoptr(BdBrokerConfig) config = NULL;
  BdListenerConfig *a;
  BdListenerConfig *b;

  config = parse_finished ("per_listener_settings true\n"
                           "listener 1883\n"
                           "allow_anonymous true\n"
                           "auto_id_prefix a-\n"
                           "listener 1884\n"
                           "password_file /p\n"
                           "acl_file /acl\n"
                           "allow_zero_length_clientid false\n");
  g_assert_true (config->per_listener_settings);
  a = listener_at (config, 0);
  b = listener_at (config, 1);
  g_assert_true (a->allow_anonymous);
  g_assert_true (a->allow_anonymous_set);
  g_assert_cmpstr (a->auto_id_prefix, ==, "a-");
  g_assert_null (a->password_file);
  g_assert_true (a->allow_zero_length_clientid);
  g_assert_false (b->allow_anonymous);
  g_assert_false (b->allow_anonymous_set);
  g_assert_cmpstr (b->auto_id_prefix, ==, "auto-");
  g_assert_cmpstr (b->password_file, ==, "/p");
  g_assert_cmpstr (b->acl_file, ==, "/acl");
  g_assert_false (b->allow_zero_length_clientid);
  /* The global values are untouched. */
  g_assert_null (config->password_file);
  g_assert_cmpstr (config->auto_id_prefix, ==, "auto-");

  /* Without it, finish() gives every listener the global settings. */
  g_clear_pointer (&config, bd_broker_config_free);
  config = parse_finished ("listener 1883\n"
                           "password_file /p\n"
                           "listener 1884\n"
                           "allow_anonymous true\n"
                           "auto_id_prefix x-\n");
  for (guint i = 0; i < 2; i++)
    {
      BdListenerConfig *listener = listener_at (config, i);

      g_assert_cmpstr (listener->password_file, ==, "/p");
      g_assert_true (listener->allow_anonymous);
      g_assert_cmpstr (listener->auto_id_prefix, ==, "x-");
    }

  /* Security options before per_listener_settings would land in the wrong
   * place, as Mosquitto also refuses. */
  test_config_assert_error ("password_file /p\nper_listener_settings true",
                            "test.conf:2: per_listener_settings: must come before password_file, "
                            "acl_file, allow_anonymous, allow_zero_length_clientid and auto_id_prefix");
  g_clear_pointer (&config, bd_broker_config_free);
  config = test_config_parse ("per_listener_settings false\npassword_file /p\nper_listener_settings false");
  g_assert_false (config->per_listener_settings);
}

static void
test_logging (void)
{
  g_autoptr(BdBrokerConfig) config = NULL;
  static const char * const files[] = { "file /var/log/broker log.txt", "syslog", NULL };
  static const char * const stdout_syslog[] = { "stdout", "syslog", NULL };
  static const char * const topic_stderr[] = { "topic", "stderr", NULL };

  /* The first log_type line replaces the default; later ones add. */
  config = test_config_parse ("log_type error\nlog_type subscribe unsubscribe\nlog_type websockets");
  g_assert_cmpuint (config->log_types, ==, BD_LOG_TYPE_ERROR | BD_LOG_TYPE_SUBSCRIBE
                                           | BD_LOG_TYPE_UNSUBSCRIBE | BD_LOG_TYPE_WEBSOCKETS);
  g_clear_pointer (&config, bd_broker_config_free);
  config = test_config_parse ("log_type all");
  g_assert_cmpuint (config->log_types, ==, BD_LOG_TYPE_ALL);
  /* Mosquitto's "internal" lines come only from its debug builds; Brokerdesk
   * has none. As a first line it still replaces the default, as there. */
  g_clear_pointer (&config, bd_broker_config_free);
  config = test_config_parse ("log_type internal\nlog_type error");
  g_assert_cmpuint (config->log_types, ==, BD_LOG_TYPE_ERROR);
  g_clear_pointer (&config, bd_broker_config_free);
  config = test_config_parse ("log_type all\nlog_type none\nlog_type debug\nlog_type notice information "
                              "warning");
  g_assert_cmpuint (config->log_types, ==, BD_LOG_TYPE_DEBUG | BD_LOG_TYPE_NOTICE
                                           | BD_LOG_TYPE_INFORMATION | BD_LOG_TYPE_WARNING);

  /* log_dest likewise; "file" takes the rest of the line. */
  g_clear_pointer (&config, bd_broker_config_free);
  config = test_config_parse ("log_dest file /var/log/broker log.txt\nlog_dest syslog\nlog_dest syslog");
  assert_strv (config->log_dest, files);
  g_clear_pointer (&config, bd_broker_config_free);
  config = test_config_parse ("log_dest none");
  g_assert_cmpuint (config->log_dest->len, ==, 0);
  g_clear_pointer (&config, bd_broker_config_free);
  config = test_config_parse ("log_dest stderr\nlog_dest none\nlog_dest stdout\nlog_dest syslog");
  assert_strv (config->log_dest, stdout_syslog);
  /* autosave_on_changes: false unless set; accepted in either mode, and
   * before or after persistence_mode; a later false takes it back. */
  g_clear_pointer (&config, bd_broker_config_free);
  config = test_config_parse ("persistence true");
  g_assert_false (config->autosave_on_changes);
  g_clear_pointer (&config, bd_broker_config_free);
  config = test_config_parse ("persistence true\nautosave_on_changes true\nautosave_interval 10");
  g_assert_false (config->persistence_snapshot);
  g_assert_true (config->autosave_on_changes);
  g_assert_cmpuint (config->autosave_interval, ==, 10);
  g_clear_pointer (&config, bd_broker_config_free);
  config = test_config_parse ("persistence true\npersistence_mode snapshot\nautosave_on_changes true");
  g_assert_true (config->persistence_snapshot);
  g_assert_true (config->autosave_on_changes);
  g_clear_pointer (&config, bd_broker_config_free);
  config = test_config_parse ("autosave_on_changes true\npersistence true\npersistence_mode snapshot");
  g_assert_true (config->persistence_snapshot);
  g_assert_true (config->autosave_on_changes);
  g_clear_pointer (&config, bd_broker_config_free);
  config = test_config_parse ("persistence true\npersistence_mode snapshot\n"
                              "autosave_on_changes true\nautosave_on_changes false");
  g_assert_true (config->persistence_snapshot);
  g_assert_false (config->autosave_on_changes);

  /* log_facility N: syslog's local N; LOG_DAEMON without it. */
  g_clear_pointer (&config, bd_broker_config_free);
  config = test_config_parse ("log_dest syslog");
  g_assert_cmpint (config->log_facility, ==, LOG_DAEMON);
  g_clear_pointer (&config, bd_broker_config_free);
  config = test_config_parse ("log_facility 0\nlog_facility 7");
  g_assert_cmpint (config->log_facility, ==, LOG_LOCAL7);
  g_clear_pointer (&config, bd_broker_config_free);
  config = test_config_parse ("log_facility 2");
  g_assert_cmpint (config->log_facility, ==, LOG_LOCAL2);
  g_clear_pointer (&config, bd_broker_config_free);
  config = test_config_parse ("allow_duplicate_messages true\nallow_duplicate_messages false");
  g_assert_nonnull (config);

  /* topic: published under $SYS/broker/log (bd-log.c). */
  g_clear_pointer (&config, bd_broker_config_free);
  config = test_config_parse ("log_dest topic\nlog_dest stderr");
  assert_strv (config->log_dest, topic_stderr);

  test_config_assert_error ("log_dest file /a\nlog_dest file /b",
                            "test.conf:2: log_dest: only one file destination is allowed");
  test_config_assert_error ("log_dest file", "test.conf:1: log_dest: file: missing path");
  test_config_assert_error ("log_dest dlt",
                            "test.conf:1: log_dest: “dlt” is not supported by Brokerdesk (stderr, "
                            "stdout, syslog, topic, file PATH or none)");
  test_config_assert_error ("log_dest topic extra",
                            "test.conf:1: log_dest: unexpected extra value “extra”");
  test_config_assert_error ("log_dest console",
                            "test.conf:1: log_dest: “console” is not stderr, stdout, syslog, topic, "
                            "none or file PATH");
  test_config_assert_error ("log_dest stderr stdout",
                            "test.conf:1: log_dest: unexpected extra value “stdout”");
  test_config_assert_error ("log_type error verbose",
                            "test.conf:1: log_type: “verbose” is not one of debug, error, warning, "
                            "notice, information, internal, subscribe, unsubscribe, websockets, all or none");
}

static void
test_durations (void)
{
  static const struct
  {
    const char *text;
    gint64      seconds;
  } cases[] = {
    { "1h", 3600 },
    { "2d", 2 * 86400 },
    { "1w", 7 * 86400 },
    { "1m", 30 * 86400 },   /* a month, as in Mosquitto */
    { "1y", 365 * 86400 },
    { "36h", 36 * 3600 },
  };
  static const char * const bad[] = { "0d", "5", "5s", "h", "-1d", "1.5d", "99999999999999999y" };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = g_strdup_printf ("persistent_client_expiration %s", cases[i].text);
      g_autoptr(BdBrokerConfig) config = test_config_parse (text);

      g_assert_cmpint (config->persistent_client_expiration, ==, cases[i].seconds);
    }

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *text = g_strdup_printf ("persistent_client_expiration %s", bad[i]);
      g_autofree char *message = NULL;

      message = g_strdup_printf ("test.conf:1: persistent_client_expiration: “%s” is not a "
                                 "duration like 1h, 2d, 1w, 1m (month) or 1y", bad[i]);
      test_config_assert_error (text, message);
    }
}

static void
test_history (void)
{
  g_autoptr(BdBrokerConfig) config = NULL;
  static const char * const record[] = { "sensors/#", "plant/+/temp", NULL };
  static const char * const exclude[] = { "sensors/debug/#", NULL };
  BdHistoryRetention *retention;
  BdHistoryJsonPath *json_path;

  config = test_config_parse ("history_enabled false\n"
                              "history_record sensors/#\n"
                              "history_record plant/+/temp\n"
                              "history_record sensors/#\n"
                              "history_exclude sensors/debug/#\n"
                              "history_retention # 30d\n"
                              "history_retention sensors/# 90s\n"
                              "history_retention plant/# 12h\n"
                              "history_retention # 8w\n"
                              "history_retention logs/# 0\n"
                              "history_retention fast/# 30m\n"
                              "history_max_size 500M\n"
                              "history_json_path plant/+/state temperature\n"
                              "history_json_path plant/+/state $.humidity.values[0]\n"
                              "history_json_path plant/+/state temperature\n"
                              "history_json_path arrays $[2].v\n");
  g_assert_false (config->history.enabled);
  assert_strv (config->history.record, record);
  assert_strv (config->history.exclude, exclude);

  /* One age per filter: the later "#" line replaced the first. */
  g_assert_cmpuint (config->history.retention->len, ==, 5);
  retention = g_ptr_array_index (config->history.retention, 0);
  g_assert_cmpstr (retention->filter, ==, "#");
  g_assert_cmpint (retention->max_age_s, ==, 8 * 7 * 86400);
  retention = g_ptr_array_index (config->history.retention, 1);
  g_assert_cmpstr (retention->filter, ==, "sensors/#");
  g_assert_cmpint (retention->max_age_s, ==, 90);
  retention = g_ptr_array_index (config->history.retention, 2);
  g_assert_cmpint (retention->max_age_s, ==, 12 * 3600);
  retention = g_ptr_array_index (config->history.retention, 3);
  g_assert_cmpint (retention->max_age_s, ==, 0);
  retention = g_ptr_array_index (config->history.retention, 4);
  g_assert_cmpint (retention->max_age_s, ==, 30 * 60);   /* minutes here */

  g_assert_cmpuint (config->history.max_size_bytes, ==, G_GUINT64_CONSTANT (500) << 20);

  g_assert_cmpuint (config->history.json_paths->len, ==, 3);
  json_path = g_ptr_array_index (config->history.json_paths, 0);
  g_assert_cmpstr (json_path->filter, ==, "plant/+/state");
  g_assert_cmpstr (json_path->path, ==, "temperature");
  json_path = g_ptr_array_index (config->history.json_paths, 1);
  g_assert_cmpstr (json_path->path, ==, "$.humidity.values[0]");
  json_path = g_ptr_array_index (config->history.json_paths, 2);
  g_assert_cmpstr (json_path->path, ==, "$[2].v");

  g_clear_pointer (&config, bd_broker_config_free);
  config = test_config_parse ("history_max_size 2G\nhistory_max_size 2g\n");
  g_assert_cmpuint (config->history.max_size_bytes, ==, G_GUINT64_CONSTANT (2) << 30);
  g_clear_pointer (&config, bd_broker_config_free);
  config = test_config_parse ("history_max_size 0");
  g_assert_cmpuint (config->history.max_size_bytes, ==, 0);
}

/* One max_topic_alias for the broker: before the listeners, or inside the
 * block of the only one (where Mosquitto's per-listener value means the same). */
static void
test_max_topic_alias (void)
{
  g_autoptr(BdBrokerConfig) config = NULL;

  config = test_config_parse ("max_topic_alias 3\nlistener 1883\nlistener 1884");
  g_assert_cmpuint (config->max_topic_alias, ==, 3);
  g_clear_pointer (&config, bd_broker_config_free);
  /* One port on two addresses, and port 0 (any free port) twice, is fine. */
  config = test_config_parse ("max_topic_alias 3\nlistener 1883 127.0.0.1\nlistener 1883 ::1\n"
                              "listener 0\nlistener 0");
  g_assert_cmpuint (config->max_topic_alias, ==, 3);
  g_clear_pointer (&config, bd_broker_config_free);
  config = test_config_parse ("listener 1883\nmax_topic_alias 4\nmax_topic_alias 5");
  g_assert_cmpuint (config->max_topic_alias, ==, 5);
}

/* An identifier made of the prefix and a UUID must fit in an MQTT string
 * [MQTT-1.5.4-1]: a longer prefix would leave MQTT 5 clients with no CONNACK. */
static void
test_auto_id_prefix_length (void)
{
  g_autofree char *longest = g_strnfill (65535 - 36, 'p');
  g_autofree char *text = g_strdup_printf ("auto_id_prefix %s", longest);
  g_autoptr(BdBrokerConfig) config = test_config_parse (text);

  g_assert_cmpstr (config->auto_id_prefix, ==, longest);
  g_clear_pointer (&text, g_free);
  text = g_strdup_printf ("\nauto_id_prefix %sp", longest);
  test_config_assert_error (text, "test.conf:2: auto_id_prefix: longer than 65499 bytes, "
                            "too long for a client identifier with 36 characters added");
}

static void
test_errors (void)
{
  static const TestConfigError cases[] = {
    { "foo bar", "test.conf:1: unknown directive “foo”" },
    { "\n\n# x\nmax_qos 3", "test.conf:4: max_qos: “3” is not 0, 1 or 2" },
    { "listener", "test.conf:1: listener: missing port" },
    { "listener 65536", "test.conf:1: listener: “65536” is not a port number from 0 to 65535" },
    { "listener -1", "test.conf:1: listener: “-1” is not a port number from 0 to 65535" },
    { "listener 1883 example.com",
      "test.conf:1: listener: “example.com” is not an IP address or “localhost”" },
    { "listener 1883 127.0.0.1 extra",
      "test.conf:1: listener: unexpected extra value “extra”" },
    { "port x", "test.conf:1: port: “x” is not a port number from 0 to 65535" },
    { "bind_address 300.1.1.1",
      "test.conf:1: bind_address: “300.1.1.1” is not an IP address or “localhost”" },
    { "allow_anonymous yes", "test.conf:1: allow_anonymous: “yes” is not true or false" },
    { "allow_anonymous True", "test.conf:1: allow_anonymous: “True” is not true or false" },
    { "persistence 1", "test.conf:1: persistence: “1” is not true or false" },
    { "persistence", "test.conf:1: persistence: missing value" },
    { "persistence true false", "test.conf:1: persistence: unexpected extra value “false”" },
    { "password_file", "test.conf:1: password_file: missing path" },
    { "max_keepalive 65536",
      "test.conf:1: max_keepalive: “65536” is not a whole number from 0 to 65535" },
    { "max_keepalive -1",
      "test.conf:1: max_keepalive: “-1” is not a whole number from 0 to 65535" },
    { "max_inflight_messages 1e3",
      "test.conf:1: max_inflight_messages: “1e3” is not a whole number from 0 to 65535" },
    { "sys_interval 10s",
      "test.conf:1: sys_interval: “10s” is not a whole number from 0 to 65535" },
    { "message_size_limit 268435456",
      "test.conf:1: message_size_limit: “268435456” is not a whole number from 0 to 268435455" },
    { "max_packet_size 19",
      "test.conf:1: max_packet_size: “19” is not 0 (no limit) or a number of bytes from 20 "
      "to 268435460" },
    { "max_connections -2",
      "test.conf:1: max_connections: “-2” is not -1 (unlimited) or a number of connections" },
    { "listener 1883\nprotocol mqtts", "test.conf:2: protocol: “mqtts” is not mqtt or websockets" },
    { "listener 1883\nsocket_domain ipv5",
      "test.conf:2: socket_domain: “ipv5” is not ipv4 or ipv6" },
    { "persistence_mode fast",
      "test.conf:1: persistence_mode: “fast” is not durable or snapshot" },
    { "persistence_mode", "test.conf:1: persistence_mode: missing durable|snapshot" },
    { "persistence_mode durable snapshot",
      "test.conf:1: persistence_mode: unexpected extra value “snapshot”" },
    { "listener 1883\nmaximum_qos 3", "test.conf:2: maximum_qos: “3” is not 0, 1 or 2" },
    { "listener 9001\nprotocol websockets\nwebsockets_headers_size 10",
      "test.conf:3: websockets_headers_size: “10” is not a size in bytes from 256 to 65536" },
    { "autosave_on_changes 1", "test.conf:1: autosave_on_changes: “1” is not true or false" },
    { "log_facility 8", "test.conf:1: log_facility: “8” is not 0 to 7 (syslog's local0 to local7)" },
    { "log_facility -1", "test.conf:1: log_facility: “-1” is not 0 to 7 (syslog's local0 to local7)" },
    { "log_facility", "test.conf:1: log_facility: missing value" },
    { "allow_duplicate_messages yes",
      "test.conf:1: allow_duplicate_messages: “yes” is not true or false" },
    { "check_retain_source yes", "test.conf:1: check_retain_source: “yes” is not true or false" },
    { "user", "test.conf:1: user: missing user name" },
    { "history_record a/#/b", "test.conf:1: history_record: “a/#/b” is not a valid topic filter" },
    { "history_exclude a+", "test.conf:1: history_exclude: “a+” is not a valid topic filter" },
    { "history_retention #", "test.conf:1: history_retention: missing age" },
    { "history_retention # 3y",
      "test.conf:1: history_retention: “3y” is not an age like 90s, 30m, 12h, 30d or 8w "
      "(0 = forever)" },
    { "history_retention # 1d extra",
      "test.conf:1: history_retention: unexpected extra value “extra”" },
    { "history_max_size 5P",
      "test.conf:1: history_max_size: “5P” is not a size like 500M or 2G (0 = unlimited)" },
    { "history_json_path a/b", "test.conf:1: history_json_path: missing JSON path" },
    { "history_json_path a/b x..y",
      "test.conf:1: history_json_path: “x..y” is not a JSON path like a.b.c or $.a.b[0].c" },
    { "history_json_path a/b x[a]",
      "test.conf:1: history_json_path: “x[a]” is not a JSON path like a.b.c or $.a.b[0].c" },
    { "history_enabled on", "test.conf:1: history_enabled: “on” is not true or false" },
    { "include_dir", "test.conf:1: include_dir: missing directory" },
    { "max_qos\xff 1", "test.conf:1: not valid UTF-8 text" },
  };

  test_config_assert_errors (cases, G_N_ELEMENTS (cases));
}

/* Mosquitto 2.0: TLS options belong to the listener they follow (the
 * default listener before any 'listener' line), each remembered with its
 * line for the errors the engine raises when it reads the files. */
static void
test_tls_options (void)
{
  g_autoptr(BdBrokerConfig) config = NULL;
  BdListenerConfig *plain;
  BdListenerConfig *tls;

  config = parse_finished ("listener 1883\n"
                           "listener 8883\n"
                           "cafile /etc/ca dir/ca.pem\n"
                           "capath /etc/ssl/certs\n"
                           "certfile /etc/server.pem\n"
                           "keyfile /etc/server.key\n"
                           "crlfile /etc/crl.pem\n"
                           "tls_version tlsv1.3\n"
                           "ciphers ECDHE-RSA-AES256-GCM-SHA384\n"
                           "ciphers_tls1.3 TLS_AES_256_GCM_SHA384\n"
                           "require_certificate true\n"
                           "use_identity_as_username true\n"
                           "use_subject_as_username false\n");
  g_assert_cmpuint (config->listeners->len, ==, 2);
  plain = g_ptr_array_index (config->listeners, 0);
  tls = g_ptr_array_index (config->listeners, 1);
  for (guint i = 0; i < BD_TLS_N_OPTIONS; i++)
    g_assert_null (plain->tls[i]);
  g_assert_false (plain->require_certificate);

  g_assert_cmpstr (tls->tls[BD_TLS_CAFILE], ==, "/etc/ca dir/ca.pem");
  g_assert_cmpstr (tls->tls_where[BD_TLS_CAFILE], ==, "test.conf:3");
  g_assert_cmpstr (tls->tls[BD_TLS_CAPATH], ==, "/etc/ssl/certs");
  g_assert_cmpstr (tls->tls[BD_TLS_CERTFILE], ==, "/etc/server.pem");
  g_assert_cmpstr (tls->tls[BD_TLS_KEYFILE], ==, "/etc/server.key");
  g_assert_cmpstr (tls->tls_where[BD_TLS_KEYFILE], ==, "test.conf:6");
  g_assert_cmpstr (tls->tls[BD_TLS_CRLFILE], ==, "/etc/crl.pem");
  g_assert_cmpstr (tls->tls[BD_TLS_VERSION], ==, "tlsv1.3");
  g_assert_cmpstr (tls->tls[BD_TLS_CIPHERS], ==, "ECDHE-RSA-AES256-GCM-SHA384");
  g_assert_cmpstr (tls->tls[BD_TLS_CIPHERS_TLS13], ==, "TLS_AES_256_GCM_SHA384");
  g_assert_true (tls->require_certificate);
  g_assert_true (tls->use_identity_as_username);
  g_assert_false (tls->use_subject_as_username);
  g_clear_pointer (&config, bd_broker_config_free);

  /* Before any listener line: the default listener's. */
  config = parse_finished ("port 8883\ncertfile /s.pem\nkeyfile /s.key\n");
  tls = g_ptr_array_index (config->listeners, 0);
  g_assert_cmpuint (tls->port, ==, 8883);
  g_assert_cmpstr (tls->tls[BD_TLS_CERTFILE], ==, "/s.pem");
  g_clear_pointer (&config, bd_broker_config_free);

  /* WebSocket listeners, with their origins (repeatable). */
  config = parse_finished ("listener 9001\nprotocol websockets\n"
                           "websockets_origin https://hmi.plant\n"
                           "websockets_origin http://localhost:1880\n"
                           "websockets_headers_size 8192\n");
  tls = g_ptr_array_index (config->listeners, 0);
  g_assert_cmpint (tls->protocol, ==, BD_LISTENER_WEBSOCKETS);
  g_assert_cmpuint (tls->websockets_origins->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (tls->websockets_origins, 1), ==, "http://localhost:1880");
  g_assert_cmpuint (tls->websockets_headers_size, ==, 8192);
}

static void
test_unsupported (void)
{
  static const TestConfigError cases[] = {
    { "connection up\naddress 10.0.0.1\ntopic #\nbridge_psk 0123",
      "test.conf:4: “bridge_psk”: not supported by Brokerdesk's bridges" },
    { "connection up\naddress 10.0.0.1\ntopic #\nlocal_username u",
      "test.conf:4: “local_username”: not needed: a bridge reaches the local broker by an internal connection" },
    { "plugin /usr/lib/dynsec.so", "test.conf:1: “plugin”: plugins are not supported" },
    { "auth_plugin /x.so", "test.conf:1: “auth_plugin”: plugins are not supported" },
    { "auth_opt_db_host x", "test.conf:1: “auth_opt_db_host”: plugins are not supported" },
    { "plugin_opt_config_file x",
      "test.conf:1: “plugin_opt_config_file”: plugins are not supported" },
    { "tls_keyform engine", "test.conf:1: “tls_keyform”: not supported by Brokerdesk (PEM files only)" },
    { "tls_engine pkcs11", "test.conf:1: “tls_engine”: not supported by Brokerdesk (PEM files only)" },
    { "listener 8883\ntls_version tlsv1.0",
      "test.conf:2: tls_version: “tlsv1.0” is not tlsv1.1, tlsv1.2 or tlsv1.3" },
    { "listener 8883\nrequire_certificate yes",
      "test.conf:2: require_certificate: “yes” is not true or false" },
    { "listener 1883\nmount_point a/#",
      "test.conf:2: mount_point: “a/#” is not a topic name (no + or #)" },
    { "listener 1883\nmount_point +/", "test.conf:2: mount_point: “+/” is not a topic name (no + or #)" },
    { "websockets_log_level 255",
      "test.conf:1: “websockets_log_level”: libwebsockets' log level: Brokerdesk does not use libwebsockets" },
    { "http_dir /srv/www",
      "test.conf:1: “http_dir”: serving files over HTTP is not supported" },
    /* A plain number of bytes, as Mosquitto reads it. */
    { "memory_limit -1",
      "test.conf:1: memory_limit: “-1” is not a whole number from 0 to 9223372036854775807" },
    { "memory_limit 64M",
      "test.conf:1: memory_limit: “64M” is not a whole number from 0 to 9223372036854775807" },
    { "check_retain_source_x true", "test.conf:1: unknown directive “check_retain_source_x”" },
    /* Named even without a value: it is the directive that is refused. */
    { "bridge_psk", "test.conf:1: “bridge_psk”: not supported by Brokerdesk's bridges" },
    /* Two listeners on one port and address cannot both listen. */
    { "listener 1883\n\nlistener 1883",
      "test.conf:3: listener: port 1883 is already taken by the listener on test.conf:1" },
    { "listener 1883 127.0.0.1\nlistener 1883",
      "test.conf:2: listener: port 1883 is already taken by the listener on test.conf:1" },
    { "port 1883\nlistener 1883 ::1",
      "test.conf:2: listener: port 1883 is already taken by the listener on test.conf:1" },
    { "listener 1883 127.0.0.1\nport 1883",
      "test.conf:2: port: port 1883 is already taken by the listener on test.conf:1" },
    /* Mosquitto 2.0 reads it and only warns that it is gone. */
    { "retry_interval 20",
      "test.conf:1: “retry_interval”: removed in Mosquitto 2.0, which ignores it; delete the line" },
    /* Port 0 with a path is a Unix socket, as in Mosquitto: an absolute
     * one, one listener each, and no network interface. */
    { "listener 0 run/mqtt.sock",
      "test.conf:1: listener: the Unix socket “run/mqtt.sock” needs an absolute path" },
    { "listener 0 /run/b.sock\nlistener 1883\nlistener 0 /run/b.sock",
      "test.conf:3: listener: the Unix socket “/run/b.sock” is already the listener's on test.conf:1" },
    { "listener 0 /run/b.sock\nbind_interface lo",
      "test.conf:2: bind_interface: the listener on the Unix socket “/run/b.sock” has no network interface" },
    /* max_topic_alias is per listener in Mosquitto, one value in Brokerdesk:
     * inside one of several listeners' blocks it would change the others. */
    { "listener 1883\nlistener 1884\nmax_topic_alias 0",
      "test.conf:3: max_topic_alias: Brokerdesk applies one value to every listener, "
      "Mosquitto only to this listener's block; with several listeners, write it before "
      "the first “listener” line" },
    { "port 1883\nlistener 1884\nmax_topic_alias 0",
      "test.conf:3: max_topic_alias: Brokerdesk applies one value to every listener, "
      "Mosquitto only to this listener's block; with several listeners, write it before "
      "the first “listener” line" },
    { "listener 1883\nmax_topic_alias 0\n\nlistener 1884",
      "test.conf:4: listener: max_topic_alias on test.conf:2 applies to every listener "
      "in Brokerdesk, only to its own listener's block in Mosquitto; with several "
      "listeners, write it before the first “listener” line" },
  };

  test_config_assert_errors (cases, G_N_ELEMENTS (cases));
}

static void
test_include_dir (void)
{
  static const char * const order[] = {
    "00", "01", "A", "a", "B", "b", "from-sub", NULL
  };
  static const char * const names[] = { "b", "A", "01", "a", "B", "00" };
  g_autoptr(BdBrokerConfig) config = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *root = NULL;
  g_autofree char *conf_d = NULL;
  g_autofree char *sub_d = NULL;
  g_autofree char *main_conf = NULL;
  g_autofree char *message = NULL;
  g_autofree char *bad = NULL;

  root = bd_test_tmpdir_new ("config");
  conf_d = g_build_filename (root, "conf.d", NULL);
  sub_d = g_build_filename (root, "sub.d", NULL);
  g_assert_cmpint (g_mkdir (conf_d, 0700), ==, 0);
  g_assert_cmpint (g_mkdir (sub_d, 0700), ==, 0);

  /* Each file records its name in a repeatable and an overriding directive. */
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *file = g_strdup_printf ("%s.conf", names[i]);
      g_autofree char *text = g_strdup_printf ("history_record %s\nauto_id_prefix %s\n",
                                               names[i], names[i]);

      g_free (bd_test_write_file (conf_d, file, text));
    }
  g_free (bd_test_write_file (conf_d, "README", "this is not a configuration file\n"));
  g_free (bd_test_write_file (conf_d, "x.conf.dpkg-old", "bogus\n"));
  g_free (bd_test_write_file (conf_d, ".hidden.conf", "bogus\n"));
  g_free (bd_test_write_file (sub_d, "z.conf", "history_record from-sub\nlistener 1884\n"));

  /* A relative include_dir is taken from the including file's directory. */
  main_conf = bd_test_write_file (root, "main.conf",
                                  "auto_id_prefix main\n"
                                  "include_dir conf.d\n"
                                  "max_keepalive 7\n"
                                  "include_dir sub.d\n");
  config = bd_broker_config_new ();
  g_assert_true (bd_broker_config_load (config, main_conf, &error));
  g_assert_no_error (error);
  assert_strv (config->history.record, order);
  /* Later files override earlier ones: b.conf was the last of conf.d. */
  g_assert_cmpstr (config->auto_id_prefix, ==, "b");
  g_assert_cmpuint (config->max_keepalive, ==, 7);
  g_assert_cmpuint (config->listeners->len, ==, 1);
  g_assert_cmpuint (listener_at (config, 0)->port, ==, 1884);
  g_assert_true (g_str_has_suffix (listener_at (config, 0)->source_file, "z.conf"));
  g_clear_pointer (&config, bd_broker_config_free);

  /* An error in an included file names that file and its line. */
  bad = bd_test_write_file (conf_d, "c.conf", "# fine\nbogus 1\n");
  config = bd_broker_config_new ();
  g_assert_false (bd_broker_config_load (config, main_conf, &error));
  g_assert_error (error, BD_CONFIG_ERROR, BD_CONFIG_ERROR_PARSE);
  message = g_strdup_printf ("%s:2: unknown directive “bogus”", bad);
  g_assert_cmpstr (error->message, ==, message);
  g_clear_error (&error);
  g_clear_pointer (&config, bd_broker_config_free);
  g_clear_pointer (&message, g_free);

  /* Only the main file may include. */
  g_free (bd_test_write_file (conf_d, "c.conf", "include_dir /tmp\n"));
  config = bd_broker_config_new ();
  g_assert_false (bd_broker_config_load (config, main_conf, &error));
  message = g_strdup_printf ("%s:1: include_dir: only allowed in the main configuration file",
                             bad);
  g_assert_cmpstr (error->message, ==, message);
  g_clear_error (&error);
  g_clear_pointer (&config, bd_broker_config_free);
  g_clear_pointer (&message, g_free);
  g_unlink (bad);

  /* A missing directory is an I/O error at the include_dir line. */
  g_free (bd_test_write_file (root, "main.conf", "\ninclude_dir missing.d\n"));
  config = bd_broker_config_new ();
  g_assert_false (bd_broker_config_load (config, main_conf, &error));
  g_assert_error (error, BD_CONFIG_ERROR, BD_CONFIG_ERROR_IO);
  message = g_strdup_printf ("%s:2: include_dir: ", main_conf);
  g_assert_true (g_str_has_prefix (error->message, message));
  g_clear_error (&error);
  g_clear_pointer (&config, bd_broker_config_free);

  bd_test_tmpdir_free (g_steal_pointer (&root));
}

static void
test_load (void)
{
  static const char nul_text[] = "max_qos 1\nmax_qos\0 2\n";
  g_autoptr(BdBrokerConfig) config = bd_broker_config_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *root = NULL;
  g_autofree char *path = NULL;
  g_autofree char *message = NULL;

  /* A file that cannot be read is an I/O error. */
  g_assert_false (bd_broker_config_load (config, "/nonexistent/brokerdesk.conf", &error));
  g_assert_error (error, BD_CONFIG_ERROR, BD_CONFIG_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "/nonexistent/brokerdesk.conf"));
  g_clear_error (&error);

  root = bd_test_tmpdir_new ("config");
  path = g_build_filename (root, "brokerdesk.conf", NULL);

  /* Messages name the path as given. */
  g_file_set_contents (path, "listener 1883\n\nmax_qos 3\n", -1, &error);
  g_assert_no_error (error);
  g_assert_false (bd_broker_config_load (config, path, &error));
  message = g_strdup_printf ("%s:3: max_qos: “3” is not 0, 1 or 2", path);
  g_assert_error (error, BD_CONFIG_ERROR, BD_CONFIG_ERROR_PARSE);
  g_assert_cmpstr (error->message, ==, message);
  g_clear_error (&error);
  g_clear_pointer (&message, g_free);

  /* Binary junk stops at its line. */
  g_file_set_contents (path, nul_text, sizeof nul_text - 1, &error);
  g_assert_no_error (error);
  g_assert_false (bd_broker_config_load (config, path, &error));
  message = g_strdup_printf ("%s:2: contains a NUL byte", path);
  g_assert_cmpstr (error->message, ==, message);
  g_clear_error (&error);
  g_clear_pointer (&message, g_free);

  /* A password or ACL file in effect that cannot be read stops the load at
   * its line; one a later line replaced does not matter. */
  {
    static const struct
    {
      const char *before;
      const char *name;
      guint       line;
    } cases[] = {
      { "\n", "password_file", 2 },
      { "per_listener_settings true\nlistener 1883\n", "acl_file", 3 },
    };

    for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
      {
        g_autofree char *text = g_strdup_printf ("%s%s %s/missing\n", cases[i].before,
                                                 cases[i].name, root);
        g_autoptr(BdBrokerConfig) other = bd_broker_config_new ();

        g_file_set_contents (path, text, -1, &error);
        g_assert_no_error (error);
        g_assert_false (bd_broker_config_load (other, path, &error));
        message = g_strdup_printf ("%s:%u: %s: cannot read “%s/missing”: ", path,
                                   cases[i].line, cases[i].name, root);
        g_assert_error (error, BD_CONFIG_ERROR, BD_CONFIG_ERROR_IO);
        g_assert_true (g_str_has_prefix (error->message, message));
        g_clear_error (&error);
        g_clear_pointer (&message, g_free);
      }
  }
  {
    g_autofree char *text = g_strdup_printf ("password_file %s/missing\npassword_file %s\n",
                                             root, path);
    g_autoptr(BdBrokerConfig) other = bd_broker_config_new ();

    g_file_set_contents (path, text, -1, &error);
    g_assert_no_error (error);
    g_assert_true (bd_broker_config_load (other, path, &error));
    g_assert_no_error (error);
  }

  /* A persistence_location that does not exist stops the load at its line
   * (the durable store could not open its log there); without persistence
   * it is not used. */
  {
    g_autofree char *text = g_strdup_printf ("persistence true\npersistence_location %s/gone/\n",
                                             root);
    g_autoptr(BdBrokerConfig) other = bd_broker_config_new ();

    g_file_set_contents (path, text, -1, &error);
    g_assert_no_error (error);
    g_assert_false (bd_broker_config_load (other, path, &error));
    message = g_strdup_printf ("%s:2: persistence_location: the directory “%s/gone/” does not "
                               "exist", path, root);
    g_assert_error (error, BD_CONFIG_ERROR, BD_CONFIG_ERROR_IO);
    g_assert_cmpstr (error->message, ==, message);
    g_clear_error (&error);
    g_clear_pointer (&message, g_free);
  }
  {
    g_autofree char *text = g_strdup_printf ("persistence_location %s/gone/\n", root);
    g_autoptr(BdBrokerConfig) other = bd_broker_config_new ();

    g_file_set_contents (path, text, -1, &error);
    g_assert_no_error (error);
    g_assert_true (bd_broker_config_load (other, path, &error));
    g_assert_no_error (error);
  }

  g_unlink (path);
  g_rmdir (root);
}

/* Debian's own file (pid_file, persistence, persistence_location, log_dest
 * file, include_dir) must load as it is. */
static void
test_debian_mosquitto_conf (void)
{
  const char *path = "/etc/mosquitto/mosquitto.conf";
  g_autoptr(BdBrokerConfig) config = NULL;
  g_autoptr(GError) error = NULL;

  BD_TEST_REQUIRE_FILE (path, "mosquitto is not installed");

  config = bd_broker_config_new ();
  if (!bd_broker_config_load (config, path, &error)
      && g_error_matches (error, BD_CONFIG_ERROR, BD_CONFIG_ERROR_IO))
    {
      g_test_skip (error->message);
      return;
    }
  g_assert_no_error (error);
  bd_broker_config_finish (config);
  g_assert_true (config->persistence);
  g_assert_nonnull (config->persistence_location);
  g_assert_nonnull (config->pid_file);
  g_assert_cmpuint (config->listeners->len, >=, 1);
}

/* 'user' only means something to a broker started as root, which Mosquitto
 * would then run as that user; Brokerdesk never switches. */
static void
test_user (void)
{
  if (geteuid () == 0)
    test_config_assert_error ("\nuser mosquitto",
                              "test.conf:2: user: Brokerdesk does not switch to another user; "
                              "start it as “mosquitto” instead of root");
  else
    {
      g_autoptr(BdBrokerConfig) config = test_config_parse ("user mosquitto");

      g_assert_nonnull (config);
    }

  /* The user Brokerdesk already runs as needs no switch ("user root" as root). */
  {
    struct passwd *self = getpwuid (geteuid ());
    g_autofree char *line = NULL;
    g_autoptr(BdBrokerConfig) config = NULL;

    g_assert_nonnull (self);
    line = g_strdup_printf ("user %s", self->pw_name);
    config = test_config_parse (line);
    g_assert_nonnull (config);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/config/user", test_user);

  g_test_add_func ("/engine/config/defaults", test_defaults);
  g_test_add_func ("/engine/config/syntax", test_syntax);
  g_test_add_func ("/engine/config/global-directives", test_global_directives);
  g_test_add_func ("/engine/config/overrides", test_overrides);
  g_test_add_func ("/engine/config/listeners", test_listeners);
  g_test_add_func ("/engine/config/bind-interface", test_bind_interface);
  g_test_add_func ("/engine/config/bind-interface-shared-port", test_bind_interface_shared_port);
  g_test_add_func ("/engine/config/bind-interface-two-interfaces", test_bind_interface_two_interfaces);
  g_test_add_func ("/engine/config/default-listener", test_default_listener);
  g_test_add_func ("/engine/config/allow-anonymous", test_allow_anonymous);
  g_test_add_func ("/engine/config/per-listener-settings", test_per_listener_settings);
  g_test_add_func ("/engine/config/max-topic-alias", test_max_topic_alias);
  g_test_add_func ("/engine/config/auto-id-prefix-length", test_auto_id_prefix_length);
  g_test_add_func ("/engine/config/logging", test_logging);
  g_test_add_func ("/engine/config/durations", test_durations);
  g_test_add_func ("/engine/config/history", test_history);
  g_test_add_func ("/engine/config/errors", test_errors);
  g_test_add_func ("/engine/config/tls-options", test_tls_options);
  g_test_add_func ("/engine/config/unsupported", test_unsupported);
  g_test_add_func ("/engine/config/include-dir", test_include_dir);
  g_test_add_func ("/engine/config/load", test_load);
  g_test_add_func ("/engine/config/debian-mosquitto-conf", test_debian_mosquitto_conf);

  return g_test_run ();
}
