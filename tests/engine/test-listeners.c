/* test-listeners.c — changing the listeners of a running engine
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Real clients on real loopback sockets: a listener that stays keeps its
 * clients, a new one accepts them, a removed one disconnects them as a
 * server shutdown does and refuses new ones, and a port that cannot be bound
 * changes nothing.
 */

#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bd-auth.h"
#include "bd-auth-reload.h"
#include "bd-test-util.h"
#include "test-client.h"

/* An MQTT 5 client, so that the broker's DISCONNECT carries a reason code. */
static TestClient *
client5_connect (guint16     port,
                 const char *client_id)
{
  return test_client_connect_full (port, BD_MQTT_V5, client_id, TRUE, NULL, NULL);
}

/* Nothing listens on 127.0.0.1:@port. */
static void
assert_refused (guint16 port)
{
  g_autoptr(GSocketClient) socket_client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;

  connection = g_socket_client_connect_to_host (socket_client, "127.0.0.1", port, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
}

/* A loopback port nobody listens on now, held by a socket the caller closes
 * (or keeps, to have a port in use). */
static int
take_port (guint16 *port)
{
  struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  socklen_t len = sizeof sin;
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (bind (fd, (struct sockaddr *) &sin, sizeof sin), ==, 0);
  g_assert_cmpint (listen (fd, 4), ==, 0);
  g_assert_cmpint (getsockname (fd, (struct sockaddr *) &sin, &len), ==, 0);
  *port = ntohs (sin.sin_port);
  return fd;
}

static GPtrArray *
configs_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) bd_listener_config_free);
}

static void
add_config (GPtrArray *configs,
            guint16    port)
{
  BdListenerConfig *config = bd_listener_config_new (port, "127.0.0.1");

  config->allow_anonymous = TRUE;
  config->allow_anonymous_set = TRUE;
  config->allow_zero_length_clientid = TRUE;
  config->auto_id_prefix = g_strdup ("auto-");
  g_ptr_array_add (configs, config);
}

static gboolean
apply (BdEngine  *engine,
       GPtrArray *configs,
       GError   **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  bd_engine_apply_listeners_async (engine, configs, NULL, bd_test_result_cb, &result);
  bd_test_wait_result (&result, 10000, "the listeners applied");
  return bd_engine_apply_listeners_finish (result, error);
}

static guint16
port_of (GPtrArray *infos,
         guint      index)
{
  return ((BdListenerInfo *) g_ptr_array_index (infos, index))->port;
}

static void
test_apply_keeps_adds_removes (void)
{
  g_autoptr(BdEngine) engine = NULL;
  g_autoptr(GPtrArray) configs = configs_new ();
  g_autoptr(GPtrArray) before = NULL;
  g_autoptr(GPtrArray) after = NULL;
  g_autoptr(TestClient) on_a = NULL;
  g_autoptr(TestClient) on_c = NULL;
  g_autoptr(TestClient) on_b = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  BdMqttPacket packet = { 0 };
  guint16 a, b, c;

  /* Fixed ports for B and C, free a moment ago. */
  close (take_port (&b));
  close (take_port (&c));
  text = g_strdup_printf ("listener %u 127.0.0.1\n", c);
  engine = test_engine_start (text);
  g_assert_cmpuint (bd_engine_get_n_listeners (engine), ==, 2);
  a = bd_engine_get_port (engine, 0);
  g_assert_cmpuint (bd_engine_get_port (engine, 1), ==, c);
  before = bd_engine_dup_listeners (engine);

  on_a = client5_connect (a, "on-a");
  on_c = client5_connect (c, "on-c");

  /* A stays (port 0 as at the start), B comes, C goes. */
  add_config (configs, 0);
  add_config (configs, b);
  g_assert_true (apply (engine, g_steal_pointer (&configs), &error));
  g_assert_no_error (error);

  after = bd_engine_dup_listeners (engine);
  g_assert_cmpuint (after->len, ==, 2);
  g_assert_cmpuint (port_of (after, 0), ==, a);
  g_assert_cmpuint (port_of (after, 1), ==, b);
  g_assert_cmpuint (bd_engine_get_n_listeners (engine), ==, 2);
  g_assert_cmpuint (bd_engine_get_port (engine, 1), ==, b);
  /* The snapshot taken before is unchanged. */
  g_assert_cmpuint (before->len, ==, 2);
  g_assert_cmpuint (port_of (before, 1), ==, c);

  /* C's client is told the server is going away [MQTT-3.14.2-1], then
   * closed; C refuses new clients. */
  test_client_read (on_c, &packet);
  g_assert_cmpint (packet.type, ==, BD_MQTT_DISCONNECT);
  g_assert_cmpuint (packet.disconnect.reason_code, ==, BD_MQTT_RC_SERVER_SHUTTING_DOWN);
  bd_mqtt_packet_clear (&packet);
  g_assert_true (test_client_wait_closed (on_c));
  assert_refused (c);

  /* A's client never noticed; B takes clients. */
  test_client_assert_alive (on_a);
  on_b = client5_connect (b, "on-b");
  test_client_assert_alive (on_b);
  test_client_assert_alive (on_a);
}

/* A Unix socket listener removed while the broker runs takes its socket
 * file with it at once, not when the engine ends. */
static void
test_apply_removes_unix_socket (void)
{
  g_autoptr(BdTestTmpdir) dir = bd_test_tmpdir_new ("listeners");
  g_autofree char *path = g_build_filename (dir, "broker.sock", NULL);
  g_autofree char *text = g_strdup_printf ("listener 0 %s\n", path);
  g_autoptr(BdEngine) engine = test_engine_start (text);
  g_autoptr(GPtrArray) configs = configs_new ();
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (bd_engine_get_n_listeners (engine), ==, 2);
  g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));

  add_config (configs, 0);
  g_assert_true (apply (engine, g_steal_pointer (&configs), &error));
  g_assert_no_error (error);
  g_assert_cmpuint (bd_engine_get_n_listeners (engine), ==, 1);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
}

static void
test_apply_port_in_use_changes_nothing (void)
{
  g_autoptr(BdEngine) engine = test_engine_start (NULL);
  g_autoptr(GPtrArray) configs = configs_new ();
  g_autoptr(TestClient) on_a = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *where = NULL;
  guint16 a = bd_engine_get_port (engine, 0);
  guint16 free_port, busy;
  int busy_fd;

  close (take_port (&free_port));
  busy_fd = take_port (&busy);
  on_a = client5_connect (a, "on-a");

  /* A removed and a free port added, but the third is taken: nothing may
   * happen, not even the free one. */
  add_config (configs, free_port);
  add_config (configs, busy);
  g_assert_false (apply (engine, g_steal_pointer (&configs), &error));
  g_assert_error (error, BD_ENGINE_ERROR, BD_ENGINE_ERROR_ADDRESS_IN_USE);
  where = g_strdup_printf ("127.0.0.1 port %u", busy);
  g_assert_nonnull (strstr (error->message, where));

  g_assert_cmpuint (bd_engine_get_n_listeners (engine), ==, 1);
  g_assert_cmpuint (bd_engine_get_port (engine, 0), ==, a);
  test_client_assert_alive (on_a);
  assert_refused (free_port);
  close (busy_fd);
}

static BdListenerConfig *
tls_config (guint16     port,
            const char *cert,
            const char *key)
{
  BdListenerConfig *config;
  g_autoptr(GPtrArray) one = configs_new ();

  add_config (one, port);
  config = g_ptr_array_steal_index (one, 0);
  config->tls[BD_TLS_CERTFILE] = g_strdup (cert);
  config->tls[BD_TLS_KEYFILE] = g_strdup (key);
  return config;
}

/* Applies the harness's plain listener and a TLS one on @port serving
 * @cert and @key. */
static void
apply_with_tls (BdEngine   *engine,
                guint16     port,
                const char *cert,
                const char *key)
{
  g_autoptr(GPtrArray) configs = configs_new ();
  g_autoptr(GError) error = NULL;

  add_config (configs, 0);
  g_ptr_array_add (configs, tls_config (port, cert, key));
  g_assert_true (apply (engine, g_steal_pointer (&configs), &error));
  g_assert_no_error (error);
}

/* mosquitto_sub, trusting @cert, reads the retained "tls/check" ("ok") from
 * the TLS listener on @port. */
static void
assert_tls_check (guint16     port,
                  const char *cert)
{
  g_autofree char *got = bd_test_tls_subscribe ("127.0.0.1", port, cert, "tls/check");

  g_assert_cmpstr (got, ==, "ok");
}

/* A TLS listener given other certificate files keeps its socket and its
 * clients, and new handshakes show the new certificate. */
static void
test_apply_tls_certificate_changes (void)
{
  g_autoptr(BdTestTmpdir) dir = bd_test_tmpdir_new ("listeners-tls");
  g_autofree char *one_cert = g_build_filename (dir, "one.crt", NULL);
  g_autofree char *one_key = g_build_filename (dir, "one.key", NULL);
  g_autofree char *two_cert = g_build_filename (dir, "two.crt", NULL);
  g_autofree char *two_key = g_build_filename (dir, "two.key", NULL);
  g_autoptr(BdEngine) engine = test_engine_start (NULL);
  g_autoptr(BdMessage) message = test_message_new ("tls/check", "ok", TRUE);
  g_autoptr(TestClient) on_a = NULL;
  guint16 a = bd_engine_get_port (engine, 0);
  guint16 port;

  BD_TEST_REQUIRE_PROGRAM ("mosquitto_sub");
  BD_TEST_REQUIRE_PROGRAM ("openssl");
  bd_test_make_certificate (one_cert, one_key, 30, "/CN=one", "IP:127.0.0.1");
  bd_test_make_certificate (two_cert, two_key, 30, "/CN=two", "IP:127.0.0.1");
  close (take_port (&port));
  bd_engine_publish (engine, message);
  on_a = client5_connect (a, "on-a");

  apply_with_tls (engine, port, one_cert, one_key);
  assert_tls_check (port, one_cert);

  apply_with_tls (engine, port, two_cert, two_key);
  assert_tls_check (port, two_cert);
  /* The old certificate no longer verifies. */
  g_assert_null (bd_test_tls_subscribe ("127.0.0.1", port, one_cert, "tls/check"));
  g_assert_cmpuint (bd_engine_get_port (engine, 0), ==, a);
  test_client_assert_alive (on_a);
}

/* A TLS listener removed while handshakes on it are under way (on the
 * handshake thread) ends them: their sockets close, and the engine goes on. */
static void
test_apply_removes_tls_listener_mid_handshake (void)
{
  g_autoptr(BdTestTmpdir) dir = bd_test_tmpdir_new ("listeners-tls-gone");
  g_autofree char *cert = g_build_filename (dir, "server.crt", NULL);
  g_autofree char *key = g_build_filename (dir, "server.key", NULL);
  g_autoptr(BdEngine) engine = test_engine_start (NULL);
  g_autoptr(BdMessage) message = test_message_new ("tls/check", "ok", TRUE);
  g_autoptr(GPtrArray) configs = configs_new ();
  g_autoptr(TestClient) on_a = NULL;
  g_autoptr(GError) error = NULL;
  /* The start of a TLS record of 80 bytes: the handshake waits for the rest. */
  static const guint8 half_hello[] = { 0x16, 0x03, 0x01, 0x00, 0x50, 0x01, 0x00 };
  struct timeval bound = { .tv_sec = 10 };
  struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  int stuck[3];
  guint16 port;

  BD_TEST_REQUIRE_PROGRAM ("mosquitto_sub");
  BD_TEST_REQUIRE_PROGRAM ("openssl");
  bd_test_make_certificate (cert, key, 30, "/CN=server", "IP:127.0.0.1");
  close (take_port (&port));
  bd_engine_publish (engine, message);
  on_a = client5_connect (bd_engine_get_port (engine, 0), "on-a");

  apply_with_tls (engine, port, cert, key);

  sin.sin_port = htons (port);
  for (guint i = 0; i < G_N_ELEMENTS (stuck); i++)
    {
      stuck[i] = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      g_assert_cmpint (connect (stuck[i], (struct sockaddr *) &sin, sizeof sin), ==, 0);
      g_assert_cmpint (send (stuck[i], half_hello, sizeof half_hello, MSG_NOSIGNAL), ==,
                       sizeof half_hello);
      g_assert_cmpint (setsockopt (stuck[i], SOL_SOCKET, SO_RCVTIMEO, &bound, sizeof bound), ==, 0);
    }
  /* Accepted after them: once it is served, they have been accepted too. */
  assert_tls_check (port, cert);

  add_config (configs, 0);
  g_assert_true (apply (engine, g_steal_pointer (&configs), &error));
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (stuck); i++)
    {
      guint8 byte;
      gssize n = recv (stuck[i], &byte, 1, 0);

      /* The end of the stream (or a reset), not the receive bound. */
      g_assert_true (n == 0 || (n < 0 && errno == ECONNRESET));
      close (stuck[i]);
    }
  assert_refused (port);
  test_client_assert_alive (on_a);
}

/* A listener that stays keeps the password file's BdAuth its sessions
 * borrow, so that a user removed later is still disconnected at once. */
static void
test_apply_keeps_auth (void)
{
  g_autoptr(BdTestTmpdir) dir = bd_test_tmpdir_new ("listeners-auth");
  g_autofree char *passwords = g_build_filename (dir, "passwords", NULL);
  g_autofree char *hash = NULL;
  g_autofree char *text = NULL;
  g_autofree char *config_text = NULL;
  g_autoptr(BdEngine) engine = NULL;
  g_autoptr(GPtrArray) configs = configs_new ();
  g_autoptr(TestClient) ops = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  BdMqttPacket packet = { 0 };
  guint16 b;

  hash = bd_auth_hash_password ("pw", &error);
  g_assert_no_error (error);
  text = g_strdup_printf ("ops:%s\nother:%s\n", hash, hash);
  g_assert_true (g_file_set_contents (passwords, text, -1, &error));
  config_text = g_strdup_printf ("allow_anonymous false\npassword_file %s\n", passwords);
  engine = test_engine_start (config_text);
  ops = test_client_connect_full (bd_engine_get_port (engine, 0), BD_MQTT_V5, "ops-client", TRUE,
                                  "ops", "pw");

  close (take_port (&b));
  add_config (configs, 0);
  add_config (configs, b);
  for (guint i = 0; i < configs->len; i++)
    {
      BdListenerConfig *config = g_ptr_array_index (configs, i);

      config->allow_anonymous = FALSE;
      config->password_file = g_strdup (passwords);
    }
  g_assert_true (apply (engine, g_steal_pointer (&configs), &error));
  g_assert_no_error (error);
  test_client_assert_alive (ops);

  g_clear_pointer (&text, g_free);
  text = g_strdup_printf ("other:%s\n", hash);
  g_assert_true (g_file_set_contents (passwords, text, -1, &error));
  bd_engine_reload_auth_async (engine, NULL, bd_test_result_cb, &result);
  bd_test_wait_result (&result, 10000, "the password file read again");
  g_assert_cmpint (bd_engine_reload_auth_finish (result, &error), ==, 1);
  g_assert_no_error (error);
  test_client_read (ops, &packet);
  g_assert_cmpint (packet.type, ==, BD_MQTT_DISCONNECT);
  g_assert_cmpuint (packet.disconnect.reason_code, ==, BD_MQTT_RC_NOT_AUTHORIZED);
  bd_mqtt_packet_clear (&packet);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/listeners/apply/keeps-adds-removes", test_apply_keeps_adds_removes);
  g_test_add_func ("/listeners/apply/removes-unix-socket", test_apply_removes_unix_socket);
  g_test_add_func ("/listeners/apply/port-in-use-changes-nothing",
                   test_apply_port_in_use_changes_nothing);
  g_test_add_func ("/listeners/apply/tls-certificate-changes", test_apply_tls_certificate_changes);
  g_test_add_func ("/listeners/apply/removes-tls-listener-mid-handshake",
                   test_apply_removes_tls_listener_mid_handshake);
  g_test_add_func ("/listeners/apply/keeps-auth", test_apply_keeps_auth);

  return g_test_run ();
}
