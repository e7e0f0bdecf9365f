/* test-security.c — the Security page's model over Mosquitto's files
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "bd-auth-reload.h"
#include "bd-security.h"
#include "bd-test-util.h"
#include "test-client.h"

#define WAIT_MS 10000

static BdSecurity *
load (BdEngine *engine)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  BdSecurity *security;

  bd_security_load_async (engine, NULL, NULL, bd_test_result_cb, &result);
  bd_test_wait_result (&result, WAIT_MS, "the files read");
  security = bd_security_load_finish (result, &error);
  g_assert_no_error (error);
  return security;
}

static int
apply (BdSecurity *security,
       BdEngine   *engine)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  int disconnected;

  bd_security_apply_async (security, engine, NULL, bd_test_result_cb, &result);
  bd_test_wait_result (&result, WAIT_MS, "the files written and applied");
  disconnected = bd_security_apply_finish (result, &error);
  g_assert_no_error (error);
  return disconnected;
}

/* Files written by mosquitto_passwd and by hand are read, kept as they were
 * where untouched, and written back in Mosquitto's formats. */
static void
test_round_trip (void)
{
  g_autoptr(BdTestTmpdir) dir = bd_test_tmpdir_new ("security");
  g_autofree char *passwords = g_build_filename (dir, "passwords", NULL);
  g_autofree char *acl = g_build_filename (dir, "acl", NULL);
  g_autofree char *config = NULL;
  g_autofree char *text = NULL;
  g_autoptr(BdEngine) engine = NULL;
  g_autoptr(BdSecurity) security = NULL;
  g_autoptr(GError) error = NULL;
  const char *kept = "ops:$6$c2FsdHNhbHQ=$JQ0l6LTK7WqQf9ZJ6l2s1J8FJcQXx2O0c0HnGmJd0Q6o1vQkC4LXv3N4Q3n2oZ7v8bM5cLwQm1dP6yXr9hT2gA==";

  text = g_strdup_printf ("# made by hand\n%s\n", kept);
  g_file_set_contents (passwords, text, -1, &error);
  g_assert_no_error (error);
  g_file_set_contents (acl, "topic read $SYS/#\n\nuser ops\ntopic plant/#\ntopic deny plant/secret\n"
                            "pattern write devices/%c/out\n", -1, &error);
  g_assert_no_error (error);
  config = g_strdup_printf ("allow_anonymous false\npassword_file %s\nacl_file %s\n",
                            passwords, acl);
  engine = test_engine_start (config);
  security = load (engine);
  g_assert_true (security->password_live);
  g_assert_true (security->acl_live);
  g_assert_false (security->allow_anonymous);
  g_assert_cmpuint (security->users->len, ==, 1);
  g_assert_true (bd_security_has_user (security, "ops"));
  g_assert_false (bd_security_has_user (security, "op"));
  g_assert_cmpuint (security->rules->len, ==, 4);

  g_assert_true (bd_security_set_user (security, "sensor-7", "pw", &error));
  g_assert_no_error (error);
  g_assert_false (bd_security_set_user (security, " padded", "pw", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (bd_security_add_rule (security, BD_SECURITY_RULE_USER, "ops",
                                        BD_SECURITY_READ, "a\nb", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_true (bd_security_add_rule (security, BD_SECURITY_RULE_USER, "sensor-7",
                                       BD_SECURITY_WRITE, "plant/%u/#", &error));
  g_assert_cmpint (apply (security, engine), ==, 0);

  g_clear_pointer (&text, g_free);
  g_file_get_contents (passwords, &text, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (text, kept));
  g_assert_nonnull (strstr (text, "\nsensor-7:$7$101$"));
  g_clear_pointer (&text, g_free);
  g_file_get_contents (acl, &text, NULL, &error);
  g_assert_cmpstr (text, ==,
                   "topic read $SYS/#\n"
                   "pattern write devices/%c/out\n"
                   "\nuser ops\ntopic readwrite plant/#\ntopic deny plant/secret\n"
                   "\nuser sensor-7\ntopic write plant/%u/#\n");

  /* Removing a user removes its rules. */
  g_assert_true (bd_security_remove_user (security, "ops"));
  g_assert_false (bd_security_remove_user (security, "ops"));
  g_assert_cmpuint (security->rules->len, ==, 3);
  bd_engine_stop (engine);
}

static int
set_allow_anonymous (BdEngine *engine,
                     gboolean  allow)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  int disconnected;

  bd_engine_set_allow_anonymous_async (engine, allow, NULL, bd_test_result_cb, &result);
  bd_test_wait_result (&result, WAIT_MS, "anonymous access switched");
  disconnected = bd_engine_set_allow_anonymous_finish (result, &error);
  g_assert_no_error (error);
  return disconnected;
}

/* Sends an MQTT 3.1.1 CONNECT without a user name; the CONNACK's return
 * code. */
static int
test_client_connect_raw (guint16 port)
{
  static const guint8 connect[] = {
    0x10, 0x0f, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x02, 0x00, 0x3c,
    0x00, 0x03, 'a', 'n', 'y',
  };
  g_autoptr(GSocketClient) socket_client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  guint8 connack[4];
  gsize got = 0;

  g_socket_client_set_timeout (socket_client, 5);
  connection = g_socket_client_connect_to_host (socket_client, "127.0.0.1", port, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                             connect, sizeof connect, NULL, NULL, &error);
  g_assert_no_error (error);
  g_input_stream_read_all (g_io_stream_get_input_stream (G_IO_STREAM (connection)),
                           connack, sizeof connack, &got, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (got, ==, sizeof connack);
  g_assert_cmpint (connack[0], ==, 0x20);
  return connack[3];
}

/* Anonymous access switched at run time: the anonymous client connected is
 * disconnected, a new one refused, then let in again. */
static void
test_anonymous (void)
{
  g_autoptr(BdEngine) engine = test_engine_start ("allow_anonymous true\n");
  guint16 port = bd_engine_get_port (engine, 0);
  g_autoptr(TestClient) client = test_client_connect (port, "anonymous-1", TRUE);
  g_autoptr(TestClient) client2 = NULL;
  int again;

  g_assert_cmpint (set_allow_anonymous (engine, FALSE), ==, 1);
  g_assert_true (test_client_wait_closed (client));
  /* A new one is refused (CONNACK "not authorized", 5). */
  again = test_client_connect_raw (port);
  g_assert_cmpint (again, ==, 5);

  g_assert_cmpint (set_allow_anonymous (engine, TRUE), ==, 0);
  client2 = test_client_connect (port, "anonymous-2", TRUE);
  test_client_subscribe (client2, "a/b", 0);
  bd_engine_stop (engine);
}

/* Only listeners other computers reach are flagged. */
static void
test_warnings (void)
{
  g_autoptr(BdBrokerConfig) local = bd_broker_config_new ();
  g_autoptr(BdBrokerConfig) open = bd_broker_config_new ();
  g_autofree char *none = NULL;
  g_autofree char *both = NULL;
  g_autofree char *tls_only = NULL;

  g_assert_true (bd_broker_config_parse (local, "local", "listener 1883 127.0.0.1\n", NULL));
  bd_broker_config_finish (local);
  none = bd_security_dup_warnings (local, TRUE);
  g_assert_null (none);

  g_assert_true (bd_broker_config_parse (open, "open", "listener 1883\n", NULL));
  bd_broker_config_finish (open);
  both = bd_security_dup_warnings (open, TRUE);
  g_assert_nonnull (strstr (both, "without a user name"));
  g_assert_nonnull (strstr (both, "without TLS"));
  tls_only = bd_security_dup_warnings (open, FALSE);
  g_assert_null (strstr (tls_only, "without a user name"));
  g_assert_nonnull (strstr (tls_only, "without TLS"));
  g_assert_true (bd_security_address_is_loopback ("::1"));
  g_assert_true (bd_security_address_is_loopback ("localhost"));
  g_assert_false (bd_security_address_is_loopback (NULL));
  g_assert_false (bd_security_address_is_loopback ("192.168.1.10"));
}

int
main (int   argc,
      char *argv[])
{
  g_setenv ("LANGUAGE", "C", TRUE);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/service/security/round-trip", test_round_trip);
  g_test_add_func ("/service/security/anonymous", test_anonymous);
  g_test_add_func ("/service/security/warnings", test_warnings);

  return g_test_run ();
}
