/* test-certificates.c — "a certificate for this computer", and the
 * configuration file the Security page keeps
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The certificate Brokerdesk makes is checked by a client nobody here wrote:
 * mosquitto_sub with --cafile and the exported authority, against the
 * engine's TLS listener, by address and by name.
 */

#include "config.h"

#include <string.h>
#include <sys/stat.h>
#include <glib/gstdio.h>

#include "bd-broker-setup.h"
#include "bd-certificates.h"
#include "bd-bridge-file.h"
#include "bd-security.h"
#include "bd-test-util.h"
#include "test-client.h"

#define WAIT_MS 10000

static void
create_local (const char *data_dir)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  bd_certificates_create_local_async (data_dir, NULL, bd_test_result_cb, &result);
  bd_test_wait_result (&result, WAIT_MS, "the certificate made");
  g_assert_true (bd_certificates_create_local_finish (result, &error));
  g_assert_no_error (error);
}

static guint
file_mode (const char *path)
{
  GStatBuf st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  return st.st_mode & 0777;
}

static void
test_local_certificate_serves_tls (void)
{
  g_autoptr(BdTestTmpdir) dir = bd_test_tmpdir_new ("certificates");
  g_autofree char *certs = bd_certificates_dup_local_dir (dir);
  g_autofree char *ca = g_build_filename (certs, BD_CERTIFICATE_CA_CERT, NULL);
  g_autofree char *ca_key = g_build_filename (certs, BD_CERTIFICATE_CA_KEY, NULL);
  g_autofree char *cert = g_build_filename (certs, BD_CERTIFICATE_SERVER_CERT, NULL);
  g_autofree char *key = g_build_filename (certs, BD_CERTIFICATE_SERVER_KEY, NULL);
  g_autofree char *config = NULL;
  g_autofree char *first_ca = NULL;
  g_autofree char *second_ca = NULL;
  g_autofree char *first_cert = NULL;
  g_autofree char *second_cert = NULL;
  g_autofree char *got = NULL;
  g_autofree char *expected_cn = NULL;
  g_autoptr(BdCertificateInfo) info = NULL;
  g_autoptr(BdEngine) engine = NULL;
  g_autoptr(GBytes) payload = g_bytes_new_static ("hello", 5);
  g_autoptr(BdMessage) message = bd_message_new ("tls/check", payload, 0, TRUE, NULL);
  g_autoptr(GError) error = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  BD_TEST_REQUIRE_PROGRAM ("mosquitto_sub");

  create_local (dir);
  /* Keys are for this user only. */
  g_assert_cmpuint (file_mode (key), ==, 0600);
  g_assert_cmpuint (file_mode (ca_key), ==, 0600);

  info = bd_certificate_info_read (cert, &error);
  g_assert_no_error (error);
  expected_cn = g_strdup_printf ("CN=%s", g_get_host_name ());
  g_assert_true (g_str_has_prefix (info->subject, expected_cn));
  g_assert_nonnull (strstr (info->issuer, "Brokerdesk CA on"));
  g_assert_cmpint (info->not_after, >, now + 800 * 24 * 3600);
  g_assert_cmpint (bd_certificate_info_get_state (info, now, NULL), ==, BD_CERTIFICATE_VALID);

  /* Listener 1: the harness's plain one comes first. */
  config = g_strdup_printf ("listener 0 127.0.0.1\ncertfile %s\nkeyfile %s\n", cert, key);
  engine = test_engine_start (config);
  bd_engine_publish (engine, message);

  /* --insecure off: the name (or address) is checked against the
   * certificate's alternative names, the chain against the exported CA. */
  got = bd_test_tls_subscribe ("127.0.0.1", bd_engine_get_port (engine, 1), ca, "tls/check");
  g_assert_cmpstr (got, ==, "hello");
  g_clear_pointer (&got, g_free);
  got = bd_test_tls_subscribe ("localhost", bd_engine_get_port (engine, 1), ca, "tls/check");
  g_assert_cmpstr (got, ==, "hello");
  bd_engine_stop (engine);

  /* A new server certificate, from the same authority: devices that were
   * given the CA keep trusting the broker. */
  g_file_get_contents (ca, &first_ca, NULL, &error);
  g_file_get_contents (cert, &first_cert, NULL, &error);
  create_local (dir);
  g_file_get_contents (ca, &second_ca, NULL, &error);
  g_file_get_contents (cert, &second_cert, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (first_ca, ==, second_ca);
  g_assert_cmpstr (first_cert, !=, second_cert);
}

/* A certificate made by openssl, expiring in 3 days: warned about. */
static void
test_expiring_state (void)
{
  g_autoptr(BdTestTmpdir) dir = bd_test_tmpdir_new ("certificates");
  g_autofree char *cert = g_build_filename (dir, "soon.crt", NULL);
  g_autofree char *key = g_build_filename (dir, "soon.key", NULL);
  g_autoptr(BdCertificateInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  gint64 now;
  int days = -1;

  BD_TEST_REQUIRE_PROGRAM ("openssl");
  bd_test_make_certificate (cert, key, 3, "/CN=soon.example", NULL);
  /* After openssl: its certificate's 3 days started before this. */
  now = g_get_real_time () / G_USEC_PER_SEC;
  info = bd_certificate_info_read (cert, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (info->subject, ==, "CN=soon.example");
  g_assert_cmpint (bd_certificate_info_get_state (info, now, &days), ==, BD_CERTIFICATE_EXPIRING);
  g_assert_cmpint (days, ==, 3);
  g_assert_cmpint (bd_certificate_info_get_state (info, now - 12 * 24 * 3600, NULL), ==,
                   BD_CERTIFICATE_VALID);
  g_assert_cmpint (bd_certificate_info_get_state (info, now + 4 * 24 * 3600, &days), ==,
                   BD_CERTIFICATE_EXPIRED);
  g_assert_cmpint (days, ==, 0);

  /* A certificate and its own key go together; another's key does not. */
  g_assert_true (bd_certificate_check_pair (cert, key, &error));
  g_assert_no_error (error);
  {
    g_autofree char *other_cert = g_build_filename (dir, "other.crt", NULL);
    g_autofree char *other_key = g_build_filename (dir, "other.key", NULL);

    bd_test_make_certificate (other_cert, other_key, 3, "/CN=other", NULL);
    g_assert_false (bd_certificate_check_pair (cert, other_key, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
    g_clear_error (&error);
  }

  /* Not a certificate: an error naming the file. */
  g_assert_null (bd_certificate_info_read (key, &error));
  g_assert_nonnull (strstr (error->message, key));
}

static void
test_allow_anonymous_lines (void)
{
  const struct { const char *in; gboolean allow; const char *out; } cases[] = {
    { "", FALSE, "allow_anonymous false\n" },
    { "listener 1883\n", TRUE, "allow_anonymous true\nlistener 1883\n" },
    { "allow_anonymous true\nlistener 1883\n  allow_anonymous true\n", FALSE,
      "allow_anonymous false\nlistener 1883\nallow_anonymous false\n" },
    /* A longer directive's name is not the same directive. */
    { "allow_anonymous_x 1\n# allow_anonymous true\n", FALSE,
      "allow_anonymous false\nallow_anonymous_x 1\n# allow_anonymous true\n" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = bd_security_config_set_allow_anonymous (cases[i].in, cases[i].allow);

      g_assert_cmpstr (out, ==, cases[i].out);
    }
}

static BdSecurity *
load (BdEngine   *engine,
      const char *config_path)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  BdSecurity *security;

  bd_security_load_async (engine, config_path, NULL, bd_test_result_cb, &result);
  bd_test_wait_result (&result, WAIT_MS, "the files read");
  security = bd_security_load_finish (result, &error);
  g_assert_no_error (error);
  return security;
}

static void
save_config (BdSecurity *security)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  bd_security_save_config_async (security, NULL, bd_test_result_cb, &result);
  bd_test_wait_result (&result, WAIT_MS, "the configuration saved");
  g_assert_true (bd_security_save_config_finish (result, &error));
  g_assert_no_error (error);
}

/* What the window keeps in its own file, the next start (the window's or
 * --headless's, both through bd_broker_setup) uses: anonymous access and
 * the listeners. */
static void
test_own_config_survives_restart (void)
{
  g_autoptr(BdTestTmpdir) dir = bd_test_tmpdir_new ("certificates");
  g_autofree char *own = bd_security_default_config_path ();
  BdOptions options = BD_OPTIONS_INIT;
  g_autoptr(BdEngine) engine = NULL;
  g_autoptr(BdEngine) again = NULL;
  g_autoptr(BdSecurity) security = NULL;
  g_autoptr(GError) error = NULL;
  const BdBrokerConfig *config;
  const BdListenerConfig *listener;

  g_remove (own);
  options.data_dir = g_strdup (dir);
  options.bind_address = g_strdup ("127.0.0.1");
  options.port = 0;
  engine = bd_broker_setup (&options, &error);
  g_assert_no_error (error);
  /* Nothing kept yet: one local listener, anonymous clients welcome. */
  g_assert_true (bd_engine_get_config (engine)->allow_anonymous);
  g_assert_true (bd_engine_start (engine, &error));
  g_assert_no_error (error);

  security = load (engine, NULL);
  g_assert_true (security->config_is_own);
  g_assert_cmpstr (security->config_path, ==, own);
  g_assert_cmpuint (security->listeners->len, ==, 1);
  security->allow_anonymous = FALSE;
  g_ptr_array_add (security->listeners,
                   bd_security_listener_new (BD_LISTENER_WEBSOCKETS, 0, "127.0.0.1", NULL, NULL));
  /* A bridge the Broker page saved meanwhile: the whole file written
   * after it keeps it. */
  {
    g_autoptr(GAsyncResult) result = NULL;

    bd_bridge_file_save_async (own, "site", "connection site\naddress 127.0.0.1:1\n"
                               "topic plant/# out 1\n", NULL, bd_test_result_cb, &result);
    bd_test_wait_result (&result, WAIT_MS, "the bridge saved");
    g_assert_true (bd_bridge_file_save_finish (result, &error));
    g_assert_no_error (error);
  }
  save_config (security);
  bd_engine_stop (engine);

  again = bd_broker_setup (&options, &error);
  g_assert_no_error (error);
  config = bd_engine_get_config (again);
  g_assert_cmpuint (config->listeners->len, ==, 2);
  listener = g_ptr_array_index (config->listeners, 0);
  g_assert_false (listener->allow_anonymous);
  listener = g_ptr_array_index (config->listeners, 1);
  g_assert_cmpint (listener->protocol, ==, BD_LISTENER_WEBSOCKETS);
  g_assert_false (listener->allow_anonymous);
  g_assert_cmpuint (config->bridges->len, ==, 1);
  g_assert_cmpstr (((BdBridgeConfig *) g_ptr_array_index (config->bridges, 0))->name, ==, "site");
  g_assert_true (bd_engine_start (again, &error));
  g_assert_no_error (error);
  bd_engine_stop (again);

  g_remove (own);
  bd_options_clear (&options);
}

/* What the page warns about is what the next start will have: the first
 * listener as the broker runs (the window's "all interfaces" preference
 * binds it to 0.0.0.0), the others as the file will say. */
static void
test_listener_warnings (void)
{
  g_autoptr(BdEngine) engine = test_engine_start (NULL);
  g_autoptr(BdBrokerConfig) running = bd_broker_config_new ();
  g_autoptr(BdSecurity) security = load (engine, NULL);
  g_autofree char *warnings = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (bd_broker_config_parse (running, "running", "listener 1883 0.0.0.0\n", NULL));
  bd_broker_config_finish (running);
  security->allow_anonymous = FALSE;
  warnings = bd_security_dup_listener_warnings (security, running);
  g_assert_nonnull (warnings);
  g_assert_nonnull (strstr (warnings, "Port 1883 is open to other computers without TLS"));
  g_clear_pointer (&warnings, g_free);

  /* A local first listener; WebSockets on the network without a
   * certificate: unencrypted, and said so with what to do. */
  g_clear_pointer (&running, bd_broker_config_free);
  running = bd_broker_config_new ();
  g_assert_true (bd_broker_config_parse (running, "running", "listener 1883 127.0.0.1\n", NULL));
  bd_broker_config_finish (running);
  g_assert_null (bd_security_dup_listener_warnings (security, running));
  g_assert_true (bd_security_set_listener (security, BD_SECURITY_LISTENER_WEBSOCKETS, TRUE, 9001,
                                           &error));
  g_assert_no_error (error);
  warnings = bd_security_dup_listener_warnings (security, running);
  g_assert_nonnull (warnings);
  g_assert_nonnull (strstr (warnings, "Port 9001 is open to other computers without TLS"));
  g_clear_pointer (&warnings, g_free);
  /* With anonymous clients allowed, that too. */
  security->allow_anonymous = TRUE;
  warnings = bd_security_dup_listener_warnings (security, running);
  g_assert_nonnull (warnings);
  g_assert_nonnull (strstr (warnings, "Port 9001 accepts clients from other computers without a "
                                      "user name"));
  g_clear_pointer (&warnings, g_free);
  /* A certificate makes it TLS: only the anonymous warning stays. */
  g_assert_false (bd_security_set_certificate (security, "/a\nlistener 1", "/b", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_true (bd_security_set_certificate (security, "/nonexistent/server.crt",
                                              "/nonexistent/server.key", &error));
  g_assert_no_error (error);
  warnings = bd_security_dup_listener_warnings (security, running);
  g_assert_nonnull (warnings);
  g_assert_null (strstr (warnings, "without TLS"));
  g_assert_nonnull (strstr (warnings, "without a user name"));
  bd_engine_stop (engine);
}

/* With --config, the operator's file keeps everything but its
 * allow_anonymous lines. */
static void
test_foreign_config_keeps_the_rest (void)
{
  g_autoptr(BdTestTmpdir) dir = bd_test_tmpdir_new ("certificates");
  g_autofree char *path = g_build_filename (dir, "mosquitto.conf", NULL);
  g_autofree char *text = NULL;
  g_autoptr(BdEngine) engine = NULL;
  g_autoptr(BdSecurity) security = NULL;
  g_autoptr(GError) error = NULL;
  const char *original = "# plant broker\nlistener 0 127.0.0.1\nallow_anonymous true\n";
  const char *expected = "# plant broker\nlistener 0 127.0.0.1\nallow_anonymous false\n";

  g_file_set_contents (path, original, -1, &error);
  g_assert_no_error (error);
  engine = test_engine_start (original);
  security = load (engine, path);
  g_assert_false (security->config_is_own);
  g_assert_null (security->listeners);
  security->allow_anonymous = FALSE;
  save_config (security);
  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (text, ==, expected);
  bd_engine_stop (engine);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(BdTestTmpdir) config_home = NULL;

  g_test_init (&argc, &argv, NULL);
  /* Brokerdesk's own configuration file is written here: a folder of this
   * test's, not the one the other tests share. Set before GLib reads it. */
  config_home = bd_test_tmpdir_new ("certificates-config");
  g_setenv ("XDG_CONFIG_HOME", config_home, TRUE);

  g_test_add_func ("/service/certificates/local-serves-tls", test_local_certificate_serves_tls);
  g_test_add_func ("/service/certificates/expiring", test_expiring_state);
  g_test_add_func ("/service/config/allow-anonymous-lines", test_allow_anonymous_lines);
  g_test_add_func ("/service/config/own-survives-restart", test_own_config_survives_restart);
  g_test_add_func ("/service/config/foreign-keeps-the-rest", test_foreign_config_keeps_the_rest);
  g_test_add_func ("/service/config/listener-warnings", test_listener_warnings);
  return g_test_run ();
}
