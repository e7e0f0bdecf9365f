/* test-listeners-group.c — the Broker page's listeners and certificates
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A running engine with a plain listener, a TLS listener whose certificate
 * openssl made for 3 days, a TLS listener with a certificate Brokerdesk
 * made, and a WebSocket listener: the rows say what each is, show the
 * certificates' subject, issuer and expiry, warn about the one expiring,
 * and the TLS command names the authority to verify with, which
 * mosquitto_sub accepts.
 */

#include "config.h"

#include <string.h>

#include <adwaita.h>

#include "bd-certificates.h"
#include "bd-listeners-group.h"
#include "bd-test-gui.h"
#include "bd-test-util.h"
#include "test-client.h"

static void
make_local_certificate (const char *data_dir)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  bd_certificates_create_local_async (data_dir, NULL, bd_test_result_cb, &result);
  bd_test_wait_result (&result, 10000, "the certificate made");
  g_assert_true (bd_certificates_create_local_finish (result, &error));
  g_assert_no_error (error);
}

static const char *
row_title (BdListenersGroup *group,
           guint             index)
{
  return adw_preferences_row_get_title (ADW_PREFERENCES_ROW (bd_listeners_group_get_row (group,
                                                                                         index)));
}

static const char *
row_subtitle (BdListenersGroup *group,
              guint             index)
{
  return adw_action_row_get_subtitle (bd_listeners_group_get_row (group, index));
}

/* Runs @command (a shell command line the page shows) with -C 1 -W 10
 * added: TRUE when it received the retained message. */
static gboolean
command_works (const char *command)
{
  g_autofree char *full = g_strdup_printf ("%s -C 1 -W 10", command);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  g_spawn_command_line_sync (full, &out, &err, &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    {
      g_test_message ("%s: %s", full, err);
      return FALSE;
    }
  return strstr (out, "listeners/check hello") != NULL;
}

static void
test_listeners (void)
{
  g_autoptr(BdTestTmpdir) dir = bd_test_tmpdir_new ("listeners-group");
  g_autofree char *soon_cert = g_build_filename (dir, "soon.crt", NULL);
  g_autofree char *soon_key = g_build_filename (dir, "soon.key", NULL);
  g_autofree char *local = bd_certificates_dup_local_dir (dir);
  g_autofree char *local_cert = g_build_filename (local, BD_CERTIFICATE_SERVER_CERT, NULL);
  g_autofree char *local_key = g_build_filename (local, BD_CERTIFICATE_SERVER_KEY, NULL);
  g_autofree char *local_ca = g_build_filename (local, BD_CERTIFICATE_CA_CERT, NULL);
  g_autofree char *config = NULL;
  g_autofree char *command = NULL;
  g_autofree char *expected = NULL;
  g_autoptr(BdEngine) engine = NULL;
  g_autoptr(BdMessage) message = NULL;
  GtkWidget *window;
  BdListenersGroup *group;

  BD_TEST_REQUIRE_PROGRAM ("openssl");
  BD_TEST_REQUIRE_PROGRAM ("mosquitto_sub");

  bd_test_make_certificate (soon_cert, soon_key, 3, "/O=Plant/CN=soon.example",
                            "DNS:soon.example,IP:127.0.0.1");
  make_local_certificate (dir);
  config = g_strdup_printf ("listener 0 127.0.0.1\ncertfile %s\nkeyfile %s\n"
                            "listener 0 127.0.0.1\ncertfile %s\nkeyfile %s\n"
                            "listener 0 127.0.0.1\nprotocol websockets\n",
                            soon_cert, soon_key, local_cert, local_key);
  engine = test_engine_start (config);
  message = test_message_new ("listeners/check", "hello", TRUE);
  bd_engine_publish (engine, message);

  window = gtk_window_new ();
  group = BD_LISTENERS_GROUP (bd_listeners_group_new ());
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (group));
  bd_listeners_group_set_address (group, "127.0.0.1", 1883);
  gtk_window_present (GTK_WINDOW (window));
  bd_listeners_group_set_engine (group, engine);
  BD_TEST_WAIT_UNTIL (bd_listeners_group_is_loaded (group), 10000);

  g_assert_cmpuint (bd_listeners_group_get_n_rows (group), ==, 4);

  /* The harness's plain listener. */
  g_assert_cmpstr (row_title (group, 0), ==, "MQTT");
  expected = g_strdup_printf ("127.0.0.1:%u", bd_engine_get_port (engine, 0));
  g_assert_cmpstr (row_subtitle (group, 0), ==, expected);
  g_assert_cmpstr (bd_listeners_group_get_row_state (group, 0), ==, "Not encrypted");
  g_assert_false (bd_listeners_group_row_warns (group, 0));
  g_clear_pointer (&expected, g_free);

  /* The certificate of 3 days: subject, issuer (itself), expiry, warned. */
  g_assert_cmpstr (row_title (group, 1), ==, "MQTT over TLS");
  g_assert_cmpstr (bd_listeners_group_get_row_state (group, 1), ==, "Encrypted (TLS)");
  g_assert_nonnull (strstr (row_subtitle (group, 1), "Certificate: CN=soon.example,O=Plant"));
  g_assert_nonnull (strstr (row_subtitle (group, 1), "Issued by: CN=soon.example,O=Plant"));
  g_assert_nonnull (strstr (row_subtitle (group, 1), "in 3 days: renew the certificate"));
  g_assert_true (bd_listeners_group_row_warns (group, 1));

  /* Brokerdesk's own certificate, signed by its authority, valid for long. */
  g_assert_cmpstr (row_title (group, 2), ==, "MQTT over TLS");
  g_assert_nonnull (strstr (row_subtitle (group, 2), "Issued by: CN=Brokerdesk CA on"));
  g_assert_nonnull (strstr (row_subtitle (group, 2), "Expires on 20"));
  g_assert_null (strstr (row_subtitle (group, 2), "renew"));
  g_assert_false (bd_listeners_group_row_warns (group, 2));

  g_assert_cmpstr (row_title (group, 3), ==, "MQTT over WebSockets");
  /* mosquitto_sub speaks no WebSocket: no command to copy there. */
  g_assert_null (bd_listeners_group_dup_row_command (group, 3));

  /* The page's command watches the first listener; a TLS listener's names
   * the authority that signed its certificate, and works as shown. */
  expected = g_strdup_printf ("mosquitto_sub -h 127.0.0.1 -p %u -t '#' -v",
                              bd_engine_get_port (engine, 0));
  g_assert_cmpstr (bd_listeners_group_get_command (group), ==, expected);
  g_assert_true (command_works (bd_listeners_group_get_command (group)));
  g_clear_pointer (&expected, g_free);
  command = bd_listeners_group_dup_row_command (group, 2);
  expected = g_strdup_printf ("mosquitto_sub -h 127.0.0.1 -p %u --cafile %s -t '#' -v",
                              bd_engine_get_port (engine, 2), local_ca);
  g_assert_cmpstr (command, ==, expected);
  g_assert_true (command_works (command));
  g_clear_pointer (&command, g_free);
  /* A self-signed certificate verifies itself. */
  command = bd_listeners_group_dup_row_command (group, 1);
  g_assert_nonnull (strstr (command, "--cafile"));
  g_assert_true (command_works (command));

  /* The listeners changed while the broker runs (the Security page does
   * it): shown again, the group has rows for the listeners running now. */
  {
    g_autoptr(GPtrArray) configs =
      g_ptr_array_new_with_free_func ((GDestroyNotify) bd_listener_config_free);
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GError) error = NULL;
    BdListenerConfig *plain = bd_listener_config_new (0, "127.0.0.1");

    plain->allow_anonymous = TRUE;
    plain->auto_id_prefix = g_strdup ("auto-");
    g_ptr_array_add (configs, plain);
    bd_engine_apply_listeners_async (engine, g_steal_pointer (&configs), NULL, bd_test_result_cb,
                                     &result);
    bd_test_wait_result (&result, 10000, "the listeners applied");
    g_assert_true (bd_engine_apply_listeners_finish (result, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (bd_listeners_group_get_n_rows (group), ==, 4);
    gtk_widget_set_visible (GTK_WIDGET (group), FALSE);
    gtk_widget_set_visible (GTK_WIDGET (group), TRUE);
    BD_TEST_WAIT_UNTIL (bd_listeners_group_get_n_rows (group) == 1 &&
                        bd_listeners_group_is_loaded (group), 10000);
    g_assert_cmpstr (row_title (group, 0), ==, "MQTT");
  }

  gtk_window_destroy (GTK_WINDOW (window));
  bd_engine_stop (engine);
}

int
main (int   argc,
      char *argv[])
{
  bd_test_gui_init (&argc, &argv);

  g_test_add_func ("/gui/listeners-group/rows", test_listeners);

  return g_test_run ();
}
