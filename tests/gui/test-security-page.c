/* test-security-page.c — the Security page against a running broker
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The page's controls are driven through the functions they call; what they
 * do is checked from outside, with mosquitto_pub and mosquitto_sub against
 * the engine, and with Debian's mosquitto reading the files the page wrote.
 */

#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include <adwaita.h>

#include "bd-broker-setup.h"
#include "bd-certificates.h"
#include "bd-operations-journal.h"
#include "bd-security-page.h"
#include "bd-test-journal.h"
#include "bd-test-util.h"
#include "test-client.h"

typedef struct
{
  BdTestTmpdir *dir;
  char         *passwords;
  char         *acl;
  BdEngine     *engine;
  guint16       port;
  GtkWidget    *window;
  BdSecurityPage *page;
  BdJournal    *journal;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *config = NULL;
  g_autofree char *journal_path = NULL;

  f->dir = bd_test_tmpdir_new ("security-page");
  f->passwords = g_build_filename (f->dir, "passwords", NULL);
  f->acl = g_build_filename (f->dir, "acl", NULL);
  /* As an installation configured for it: the files exist, the password
   * file holds nobody yet, every user has its own subtree. */
  g_file_set_contents (f->passwords, "", -1, &error);
  g_assert_no_error (error);
  g_file_set_contents (f->acl, "pattern readwrite plant/%u/#\n", -1, &error);
  g_assert_no_error (error);
  config = g_strdup_printf ("allow_anonymous false\npassword_file %s\nacl_file %s\n",
                            f->passwords, f->acl);
  f->engine = test_engine_start (config);
  f->port = bd_engine_get_port (f->engine, 0);

  f->window = gtk_window_new ();
  f->page = BD_SECURITY_PAGE (bd_security_page_new (f->engine, NULL, f->dir));
  journal_path = g_build_filename (f->dir, "journal.db", NULL);
  f->journal = bd_journal_new (journal_path);
  bd_security_page_set_journal (f->page, f->journal);
  gtk_window_set_child (GTK_WINDOW (f->window), GTK_WIDGET (f->page));
  gtk_window_present (GTK_WINDOW (f->window));
  BD_TEST_WAIT_UNTIL (bd_security_page_is_idle (f->page), 5000);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  gtk_window_destroy (GTK_WINDOW (f->window));
  bd_journal_unref (f->journal);
  bd_engine_stop (f->engine);
  bd_engine_unref (f->engine);
  g_free (f->passwords);
  g_free (f->acl);
  bd_test_tmpdir_free (f->dir);
}

/* Waits until @count (the page's applied or saved counter) reaches @n with
 * the page idle, and checks it reported no error. */
static void
wait_counted (Fixture *f,
              guint  (*count) (BdSecurityPage *page),
              guint    n)
{
  BD_TEST_WAIT_UNTIL (count (f->page) >= n && bd_security_page_is_idle (f->page), 10000);
  g_assert_null (bd_security_page_get_error (f->page));
}

static void
wait_applied (Fixture *f,
              guint    n)
{
  wait_counted (f, bd_security_page_get_n_applied, n);
}

/* The clients connected, asked of the engine thread (an answer to wait
 * for, where its statistics would have to be polled). */
static guint
n_connected (BdEngine *engine)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) clients = NULL;
  g_autoptr(GError) error = NULL;
  guint n = 0;

  bd_engine_list_clients_async (engine, NULL, bd_test_result_cb, &result);
  bd_test_wait_result (&result, 5000, "the client list");
  clients = bd_engine_list_clients_finish (result, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < clients->len; i++)
    n += ((BdClientInfo *) g_ptr_array_index (clients, i))->connected;
  return n;
}

/* Until @n clients are connected, each check a round trip to the engine. */
static void
wait_connected (BdEngine *engine,
                guint     n)
{
  BdTestDeadline *deadline = bd_test_deadline_new (10000);
  guint now;

  while ((now = n_connected (engine)) != n && !bd_test_deadline_passed (deadline))
    ;
  bd_test_deadline_free (deadline);
  g_assert_cmpuint (now, ==, n);
}

/* A user added in the window connects at once; removed (after the
 * confirmation), it is refused and its connected client is disconnected,
 * while another user's client stays. */
static void
test_users (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *sub = NULL;
  g_autofree char *port = g_strdup_printf ("%u", f->port);
  g_autoptr(GSubprocess) alice_sub = NULL;
  g_autoptr(GSubprocess) bob_sub = NULL;
  GtkWidget *dialog;
  GStatBuf st;
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GPtrArray) texts = NULL;
  g_autofree char *by = NULL;
  g_autofree char *added = NULL;
  g_autofree char *removed = NULL;

  BD_TEST_REQUIRE_PROGRAM ("mosquitto_pub");
  BD_TEST_REQUIRE_PROGRAM ("mosquitto_sub");
  sub = bd_test_find_program ("mosquitto_sub");

  g_assert_false (bd_test_mosquitto_pub (f->port, "alice", "s3cret pw"));
  g_assert_true (bd_security_page_set_user (f->page, "alice", "s3cret pw", &error));
  g_assert_no_error (error);
  g_assert_true (bd_security_page_set_user (f->page, "bob", "hunter2", &error));
  g_assert_no_error (error);
  wait_applied (f, 2);
  g_assert_true (bd_test_mosquitto_pub (f->port, "alice", "s3cret pw"));
  g_assert_false (bd_test_mosquitto_pub (f->port, "alice", "wrong"));
  g_assert_cmpint (g_stat (f->passwords, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  /* A new name must fit Mosquitto's "name:hash" lines. */
  g_assert_false (bd_security_page_set_user (f->page, "a:b", "x", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  alice_sub = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                                &error, sub, "-h", "127.0.0.1", "-p", port, "-V", "5",
                                "-u", "alice", "-P", "s3cret pw", "-t", "plant/alice/#", NULL);
  g_assert_no_error (error);
  bob_sub = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                              &error, sub, "-h", "127.0.0.1", "-p", port, "-V", "5",
                              "-u", "bob", "-P", "hunter2", "-t", "plant/bob/#", NULL);
  g_assert_no_error (error);
  wait_connected (f->engine, 2);

  /* Cancelled, nothing happens. */
  dialog = bd_security_page_confirm_remove_user (f->page, "alice");
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_assert_true (bd_security_page_is_idle (f->page));

  dialog = bd_security_page_confirm_remove_user (f->page, "alice");
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "remove");
  wait_applied (f, 3);
  wait_connected (f->engine, 1);
  g_assert_false (bd_test_mosquitto_pub (f->port, "alice", "s3cret pw"));
  g_assert_true (bd_test_mosquitto_pub (f->port, "bob", "hunter2"));
  g_assert_cmpuint (n_connected (f->engine), ==, 1);

  /* Each change is journaled with who made it. */
  by = bd_operations_journal_by_whom ();
  entries = bd_test_journal_entries (f->journal, BD_JOURNAL_KIND_OPERATOR);
  texts = g_ptr_array_new ();
  for (guint i = 0; i < entries->len; i++)
    g_ptr_array_add (texts, ((BdJournalEntry *) g_ptr_array_index (entries, i))->text);
  added = g_strconcat ("Broker user alice added", by, NULL);
  removed = g_strconcat ("Broker user alice removed", by, NULL);
  g_assert_true (g_ptr_array_find_with_equal_func (texts, added, g_str_equal, NULL));
  g_assert_true (g_ptr_array_find_with_equal_func (texts, removed, g_str_equal, NULL));
  g_assert_cmpuint (entries->len, ==, 3);

  g_subprocess_force_exit (alice_sub);
  g_subprocess_force_exit (bob_sub);
  g_subprocess_wait (alice_sub, NULL, NULL);
  g_subprocess_wait (bob_sub, NULL, NULL);
}

/* The password file the window wrote is Mosquitto's: Debian's mosquitto
 * accepts its users. */
static void
test_mosquitto_reads_passwords (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) broker = NULL;
  g_autofree char *conf = NULL;
  guint16 port;

  BD_TEST_REQUIRE_PROGRAM ("mosquitto_pub");
  g_assert_true (bd_security_page_set_user (f->page, "sensor-7", "t0p $ecret", &error));
  g_assert_no_error (error);
  wait_applied (f, 1);

  conf = g_strdup_printf ("allow_anonymous false\npassword_file %s\n", f->passwords);
  broker = bd_test_start_mosquitto (f->dir, conf, &port);
  if (broker == NULL)
    {
      g_test_skip ("mosquitto is not installed");
      return;
    }
  g_assert_true (bd_test_mosquitto_pub (port, "sensor-7", "t0p $ecret"));
  g_assert_false (bd_test_mosquitto_pub (port, "sensor-7", "t0p $ecreT"));
  g_subprocess_force_exit (broker);
  g_subprocess_wait (broker, NULL, NULL);
}

/* Subscribes with mosquitto_sub, MQTT 5; TRUE when the broker granted it. */
static gboolean
subscribe_granted (guint16     port,
                   const char *user,
                   const char *password,
                   const char *filter)
{
  g_autofree char *sub = bd_test_find_program ("mosquitto_sub");
  g_autofree char *port_text = g_strdup_printf ("%u", port);
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  /* -E: exit once the subscription is answered. */
  const char *argv[] = { sub, "-h", "127.0.0.1", "-p", port_text, "-V", "5", "-u", user,
                         "-P", password, "-t", filter, "-E", NULL };
  int status;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, &err,
                &status, &error);
  g_assert_no_error (error);
  return g_spawn_check_wait_status (status, NULL) && strstr (err, "denied") == NULL;
}

/* A permission made in the window: reading a subtree, and nothing else
 * beyond what the file gave already. */
static void
test_acl (Fixture       *f,
          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  BD_TEST_REQUIRE_PROGRAM ("mosquitto_sub");
  g_assert_true (bd_security_page_set_user (f->page, "alice", "pw", &error));
  g_assert_no_error (error);
  wait_applied (f, 1);
  g_assert_true (subscribe_granted (f->port, "alice", "pw", "plant/alice/#"));
  g_assert_false (subscribe_granted (f->port, "alice", "pw", "public/news"));

  g_assert_true (bd_security_page_add_rule (f->page, BD_SECURITY_RULE_USER, "alice",
                                            BD_SECURITY_READ, "public/#", &error));
  g_assert_no_error (error);
  wait_applied (f, 2);
  g_assert_true (subscribe_granted (f->port, "alice", "pw", "public/news"));
  g_assert_false (subscribe_granted (f->port, "alice", "pw", "secret/#"));

  /* The file's own rule is kept, the new one under its user. */
  g_file_get_contents (f->acl, &text, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (text, ==, "pattern readwrite plant/%u/#\n\nuser alice\ntopic read public/#\n");
}

/* Anonymous access switched in the window applies at once, and the page
 * says what is unsafe only for a listener other computers can reach. */
static void
test_anonymous (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(BdBrokerConfig) config = bd_broker_config_new ();
  g_autofree char *warning = NULL;
  g_autoptr(TestClient) client = NULL;

  g_assert_null (bd_security_page_get_warning (f->page));
  bd_security_page_set_allow_anonymous (f->page, TRUE);
  /* Applied on the engine thread before the next CONNECT. */
  wait_applied (f, 1);
  client = test_client_connect (f->port, "anonymous-1", TRUE);
  wait_connected (f->engine, 1);

  bd_security_page_set_allow_anonymous (f->page, FALSE);
  wait_applied (f, 2);
  g_assert_true (test_client_wait_closed (client));
  wait_connected (f->engine, 0);

  bd_broker_config_parse (config, "test", "listener 1883 0.0.0.0\nallow_anonymous true\n", NULL);
  bd_broker_config_finish (config);
  warning = bd_security_dup_warnings (config, TRUE);
  g_assert_nonnull (strstr (warning, "without a user name"));
  g_assert_nonnull (strstr (warning, "without TLS"));
  g_clear_pointer (&warning, g_free);
  warning = bd_security_dup_warnings (config, FALSE);
  g_assert_null (strstr (warning, "without a user name"));
}

static void
wait_saved (Fixture *f,
            guint    n)
{
  wait_counted (f, bd_security_page_get_n_saved, n);
}

/* A loopback port nobody listens on now. */
static guint16
free_port (void)
{
  g_autoptr(GSocket) probe = NULL;
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;

  probe = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_bind (probe, any, FALSE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (probe, &error);
  g_assert_no_error (error);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

/* The broker the next start makes: Brokerdesk's own configuration file,
 * read by bd_broker_setup () as the window and --headless both do. */
static BdEngine *
next_start (Fixture *f)
{
  BdOptions options = BD_OPTIONS_INIT;
  g_autoptr(GError) error = NULL;
  BdEngine *engine;

  options.port = 0;
  options.data_dir = g_strdup (f->dir);
  engine = bd_broker_setup (&options, &error);
  g_assert_no_error (error);
  bd_options_clear (&options);
  return engine;
}

static gboolean
first_listener_allows_anonymous (BdEngine *engine)
{
  const BdListenerConfig *first = g_ptr_array_index (bd_engine_get_config (engine)->listeners, 0);

  return first->allow_anonymous;
}

/* Anonymous access survives a restart; a certificate created in the window
 * serves a TLS listener switched on in the window, checked with
 * mosquitto_sub and the CA certificate the window exported. */
static void
test_listeners (Fixture       *f,
                gconstpointer  data)
{
  BdListenerSettings *group = bd_security_page_get_listener_settings (f->page);
  g_autofree char *own = bd_security_default_config_path ();
  g_autofree char *exported_path = g_build_filename (f->dir, "exported-ca.crt", NULL);
  g_autoptr(GFile) exported = g_file_new_for_path (exported_path);
  g_autoptr(BdEngine) engine = NULL;
  g_autoptr(BdMessage) message = NULL;
  g_autoptr(GError) error = NULL;
  guint16 port = free_port ();
  guint n_applied;
  g_autofree char *in_use = NULL;
  const BdListenerConfig *tls;
  g_autofree char *got = NULL;
  g_autofree char *one_cert = g_build_filename (f->dir, "one.crt", NULL);
  g_autofree char *one_key = g_build_filename (f->dir, "one.key", NULL);
  g_autofree char *two_cert = g_build_filename (f->dir, "two.crt", NULL);
  g_autofree char *two_key = g_build_filename (f->dir, "two.key", NULL);

  BD_TEST_REQUIRE_PROGRAM ("mosquitto_sub");
  BD_TEST_REQUIRE_PROGRAM ("mosquitto_pub");
  BD_TEST_REQUIRE_PROGRAM ("openssl");
  g_remove (own);

  /* Nothing kept yet: the next start lets anonymous clients in (no
   * listener configured, as Mosquitto 2.0). */
  engine = next_start (f);
  g_assert_true (first_listener_allows_anonymous (engine));
  g_clear_pointer (&engine, bd_engine_unref);

  bd_security_page_set_allow_anonymous (f->page, TRUE);
  bd_security_page_set_allow_anonymous (f->page, FALSE);
  wait_saved (f, 2);
  engine = next_start (f);
  g_assert_false (first_listener_allows_anonymous (engine));
  g_clear_pointer (&engine, bd_engine_unref);

  /* TLS needs a certificate first. */
  g_assert_false (bd_listener_settings_set_listener (group, BD_SECURITY_LISTENER_TLS, TRUE, port,
                                                     &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* A key of another certificate would stop the next start: refused. */
  bd_test_make_certificate (one_cert, one_key, 30, "/CN=one", NULL);
  bd_test_make_certificate (two_cert, two_key, 30, "/CN=two", NULL);
  bd_listener_settings_use_files (group, one_cert, two_key);
  BD_TEST_WAIT_UNTIL (bd_listener_settings_is_idle (group), 10000);
  g_assert_nonnull (strstr (bd_listener_settings_get_error (group), "does not match"));
  g_assert_cmpuint (bd_security_page_get_n_saved (f->page), ==, 2);
  bd_listener_settings_use_files (group, two_cert, two_key);
  wait_saved (f, 3);
  g_assert_null (bd_listener_settings_get_error (group));

  bd_listener_settings_create_certificate (group);
  wait_saved (f, 4);
  g_assert_null (bd_listener_settings_get_error (group));
  g_assert_true (bd_listener_settings_set_listener (group, BD_SECURITY_LISTENER_TLS, TRUE, port,
                                                    &error));
  g_assert_no_error (error);
  wait_saved (f, 5);
  /* Anonymous clients off, and TLS on the network: nothing to warn about. */
  g_assert_null (bd_security_page_get_warning (f->page));

  bd_listener_settings_export_ca (group, exported);
  BD_TEST_WAIT_UNTIL (bd_listener_settings_get_n_exported (group) == 1, 10000);
  g_assert_null (bd_listener_settings_get_error (group));

  /* Anonymous clients on the network are unsafe, and the page says so. */
  n_applied = bd_security_page_get_n_applied (f->page);
  bd_security_page_set_allow_anonymous (f->page, TRUE);
  wait_saved (f, 6);
  g_assert_nonnull (strstr (bd_security_page_get_warning (f->page), "without a user name"));

  /* The running broker serves the TLS listener without a restart, beside
   * its first listener. */
  BD_TEST_WAIT_UNTIL (bd_security_page_get_n_applied (f->page) > n_applied &&
                      bd_security_page_is_idle (f->page), 10000);
  g_assert_null (bd_listener_settings_get_error (group));
  g_assert_cmpuint (bd_engine_get_n_listeners (f->engine), ==, 2);
  g_assert_cmpuint (bd_engine_get_port (f->engine, 0), ==, f->port);
  g_assert_cmpuint (bd_engine_get_port (f->engine, 1), ==, port);
  /* A TLS handshake with the exported CA and a CONNACK that accepts: this
   * engine's ACL lets anonymous clients use no topic, so publishing, which
   * a refused topic does not fail, is the check. */
  {
    g_autofree char *pub = bd_test_find_program ("mosquitto_pub");
    g_autofree char *port_text = g_strdup_printf ("%u", port);
    const char *argv[] = { pub, "-h", "127.0.0.1", "-p", port_text, "--cafile", exported_path,
                           "-t", "secure/live", "-m", "live", NULL };
    int status;

    g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL, &status,
                  &error);
    g_assert_no_error (error);
    g_assert_true (g_spawn_check_wait_status (status, NULL));
  }

  /* A port the broker cannot open (its own first listener has it, on
   * 127.0.0.1) is said under the listeners, and nothing changes. */
  n_applied = bd_security_page_get_n_listeners_applied (f->page);
  g_assert_true (bd_listener_settings_set_listener (group, BD_SECURITY_LISTENER_WEBSOCKETS, TRUE,
                                                    f->port, &error));
  g_assert_no_error (error);
  BD_TEST_WAIT_UNTIL (bd_security_page_get_n_listeners_applied (f->page) > n_applied &&
                      bd_security_page_is_idle (f->page), 10000);
  in_use = g_strdup_printf ("port %u", f->port);
  g_assert_nonnull (bd_listener_settings_get_error (group));
  g_assert_nonnull (strstr (bd_listener_settings_get_error (group), in_use));
  g_assert_cmpuint (bd_engine_get_n_listeners (f->engine), ==, 2);
  g_assert_cmpuint (bd_engine_get_port (f->engine, 1), ==, port);
  n_applied = bd_security_page_get_n_listeners_applied (f->page);
  g_assert_true (bd_listener_settings_set_listener (group, BD_SECURITY_LISTENER_WEBSOCKETS, FALSE,
                                                    0, &error));
  g_assert_no_error (error);
  BD_TEST_WAIT_UNTIL (bd_security_page_get_n_listeners_applied (f->page) > n_applied &&
                      bd_security_page_is_idle (f->page), 10000);
  g_assert_null (bd_listener_settings_get_error (group));
  wait_saved (f, 8);

  /* The next start below takes the same port. */
  bd_engine_stop (f->engine);

  /* --headless says so too, in its log. */
  g_test_expect_message ("Brokerdesk-Service", G_LOG_LEVEL_WARNING,
                         "Anonymous clients may connect to port*");
  engine = next_start (f);
  g_test_assert_expected_messages ();
  g_assert_cmpuint (bd_engine_get_config (engine)->listeners->len, ==, 2);
  tls = g_ptr_array_index (bd_engine_get_config (engine)->listeners, 1);
  g_assert_cmpuint (tls->port, ==, port);
  g_assert_null (tls->bind_address);
  g_assert_true (tls->allow_anonymous);
  g_assert_true (bd_engine_start (engine, &error));
  g_assert_no_error (error);
  message = test_message_new ("secure/check", "ok", TRUE);
  bd_engine_publish (engine, message);
  got = bd_test_tls_subscribe ("127.0.0.1", port, exported_path, "secure/check");
  g_assert_cmpstr (got, ==, "ok");
  g_clear_pointer (&got, g_free);
  got = bd_test_tls_subscribe ("localhost", port, exported_path, "secure/check");
  g_assert_cmpstr (got, ==, "ok");
  bd_engine_stop (engine);
  g_remove (own);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(BdTestTmpdir) config_home = NULL;

  /* The strings the checks compare are the English ones. */
  g_setenv ("LANGUAGE", "C", TRUE);
  /* The page writes Brokerdesk's own configuration file: in a folder of
   * this test's, not the one other tests share. Set before GLib reads it. */
  config_home = bd_test_tmpdir_new ("security-page-config");
  g_setenv ("XDG_CONFIG_HOME", config_home, TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

#define ADD(path, func) \
  g_test_add ("/gui/security-page/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("users", test_users);
  ADD ("mosquitto-reads-passwords", test_mosquitto_reads_passwords);
  ADD ("acl", test_acl);
  ADD ("anonymous", test_anonymous);
  ADD ("listeners", test_listeners);
#undef ADD

  return g_test_run ();
}
