/* test-bridge-dialog.c — the bridge dialog's fields become configuration lines
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The lines the dialog would save, read from its fields as an operator
 * fills them in: checked by the configuration reader, the lines it does
 * not show kept, and a password neither shown back nor repeated in a
 * message.
 */

#include "config.h"

#include <string.h>

#include "bd-bridge-dialog.h"
#include "bd-test-gui.h"
#include "bd-test-util.h"
#include "test-client.h"

static void
set_text (BdBridgeDialog *dialog,
          const char     *title,
          const char     *text)
{
  GtkEditable *entry = bd_test_find_row (GTK_WIDGET (dialog), ADW_TYPE_ENTRY_ROW, title);

  g_assert_nonnull (entry);
  gtk_editable_set_text (entry, text);
}

static const char *
get_text (BdBridgeDialog *dialog,
          const char     *title)
{
  GtkEditable *entry = bd_test_find_row (GTK_WIDGET (dialog), ADW_TYPE_ENTRY_ROW, title);

  g_assert_nonnull (entry);
  return gtk_editable_get_text (entry);
}

/* A new bridge: the fields as lines, in bd_bridge_config_to_text ()'s
 * form; the reader's own message for a bad topic. */
static void
test_new (void)
{
  BdBridgeDialog *dialog = bd_bridge_dialog_new (NULL, "/nonexistent/brokerdesk.conf", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  g_object_ref_sink (dialog);
  set_text (dialog, "Name", "edge");
  set_text (dialog, "Addresses (host:port, several separated by spaces)",
            "a.example, b.example:1884");
  set_text (dialog, "Topic Pattern", "line/#");
  set_text (dialog, "Local Prefix", "plant/");
  text = bd_bridge_dialog_dup_text (dialog, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (text, ==,
                   "connection edge\n"
                   "address a.example:1883 b.example:1884\n"
                   "topic line/# out 0 plant/ \"\"\n"
                   "bridge_protocol_version mqttv50\n");
  g_clear_pointer (&text, g_free);

  set_text (dialog, "Topic Pattern", "line/#/x");
  text = bd_bridge_dialog_dup_text (dialog, &error);
  g_assert_null (text);
  g_assert_cmpstr (error->message, ==, "topic: “plant/line/#/x” is not a valid topic filter");
  g_clear_error (&error);

  set_text (dialog, "Topic Pattern", "line/#");
  set_text (dialog, "Password", "two words");
  text = bd_bridge_dialog_dup_text (dialog, &error);
  g_assert_null (text);
  g_assert_null (strstr (error->message, "two"));
  g_assert_null (strstr (error->message, "words"));

  gtk_window_destroy (GTK_WINDOW (dialog));
  g_object_unref (dialog);
}

/* Editing: what the dialog does not show is kept, and so is the password
 * while its field is left empty; the field never shows it. */
static void
test_edit (void)
{
  g_autoptr(BdBrokerConfig) config = bd_broker_config_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  BdBridgeDialog *dialog;

  g_assert_true (bd_broker_config_parse (config, "test.conf",
                                         "connection site\n"
                                         "address 10.0.0.2:8883\n"
                                         "topic plant/# both 1\n"
                                         "remote_username plant\n"
                                         "remote_password s3cret\n"
                                         "keepalive_interval 30\n"
                                         "try_private false\n", &error));
  g_assert_no_error (error);
  dialog = bd_bridge_dialog_new (NULL, "/nonexistent/brokerdesk.conf",
                                 g_ptr_array_index (config->bridges, 0));
  g_object_ref_sink (dialog);
  g_assert_cmpstr (get_text (dialog, "Password (empty: unchanged)"), ==, "");
  g_assert_cmpstr (get_text (dialog, "User Name"), ==, "plant");

  set_text (dialog, "Client ID (empty: this computer’s name and the bridge’s)", "plant-7");
  text = bd_bridge_dialog_dup_text (dialog, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (text, ==,
                   "connection site\n"
                   "address 10.0.0.2:8883\n"
                   "topic plant/# both 1\n"
                   "remote_clientid plant-7\n"
                   "remote_username plant\n"
                   "remote_password s3cret\n"
                   "try_private false\n"
                   "keepalive_interval 30\n");

  gtk_window_destroy (GTK_WINDOW (dialog));
  g_object_unref (dialog);
}

/* An MQTT 3.1.1 server that knows no MQTT 5: it answers a CONNECT of
 * protocol level 5 with the 3.1.1 refusal "unacceptable protocol version"
 * [MQTT-3.1.2-2] and accepts level 4. Serves two connections. */
static gint old_server_finished;

static gboolean
server_done (gpointer data)
{
  return g_atomic_int_get (&old_server_finished);
}

static gpointer
old_server_thread (gpointer data)
{
  GSocket *listener = data;

  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(GSocket) client = g_socket_accept (listener, NULL, NULL);
      guint8 buffer[512];
      gssize n;

      g_assert_nonnull (client);
      /* Type, a one-byte remaining length, "\0\4MQTT", then the level. */
      n = g_socket_receive (client, (char *) buffer, sizeof buffer, NULL, NULL);
      g_assert_cmpint (n, >, 8);
      {
        const guint8 connack[] = { 0x20, 0x02, 0x00, buffer[8] == 4 ? 0x00 : 0x01 };

        g_socket_send (client, (const char *) connack, sizeof connack, NULL, NULL);
      }
      if (buffer[8] == 4)
        /* Until the client's DISCONNECT or close. */
        while (g_socket_receive (client, (char *) buffer, sizeof buffer, NULL, NULL) > 0)
          ;
      g_socket_close (client, NULL);
    }
  g_atomic_int_set (&old_server_finished, TRUE);
  /* Wakes the test's main loop to see it. */
  g_main_context_wakeup (NULL);
  return NULL;
}

static gboolean
tested (gpointer data)
{
  const char *subtitle = adw_action_row_get_subtitle (data);

  return subtitle != NULL && (g_str_has_prefix (subtitle, "Connected: ") ||
                              g_str_has_prefix (subtitle, "Could not connect: "));
}

/* Test Connection against a server without MQTT 5: asked in MQTT 5 first,
 * then in 3.1.1, and the answer says so. */
static void
test_old_server (void)
{
  g_autoptr(GSocket) listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                              G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *address = NULL;
  BdBridgeDialog *dialog;
  AdwActionRow *row;
  GtkWidget *button;
  GThread *server;

  g_assert_true (g_socket_bind (listener, any, TRUE, &error));
  g_assert_true (g_socket_listen (listener, &error));
  g_assert_no_error (error);
  bound = g_socket_get_local_address (listener, &error);
  address = g_strdup_printf ("127.0.0.1:%u",
                             g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  server = g_thread_new ("old-server", old_server_thread, listener);

  dialog = bd_bridge_dialog_new (NULL, "/nonexistent/brokerdesk.conf", NULL);
  g_object_ref_sink (dialog);
  set_text (dialog, "Name", "old");
  set_text (dialog, "Addresses (host:port, several separated by spaces)", address);
  set_text (dialog, "Topic Pattern", "a/#");
  row = bd_test_find_row (GTK_WIDGET (dialog), ADW_TYPE_ACTION_ROW, "What the Upstream Supports");
  g_assert_nonnull (row);
  /* The button's label's parent is the button. */
  button = gtk_widget_get_parent (GTK_WIDGET (bd_test_find_label (GTK_WIDGET (row),
                                                                  "Test Connection", FALSE)));
  g_assert_true (GTK_IS_BUTTON (button));
  g_signal_emit_by_name (button, "clicked");
  bd_test_wait_until (tested, row, 10000, "the test's answer");
  g_assert_cmpstr (adw_action_row_get_subtitle (row), ==,
                   "Connected: MQTT 3.1.1 (not MQTT 5), maximum QoS 2, retained messages "
                   "available, maximum packet size no limit");

  /* The test's client goes from the main loop: the server sees it close. */
  bd_test_wait_until (server_done, NULL, 10000, "the test's client to close");
  g_thread_join (server);
  gtk_window_destroy (GTK_WINDOW (dialog));
  g_object_unref (dialog);
}

/* WebSocket: the path row shows only for it, both lines are written, and
 * Test Connection goes over WebSocket, to an engine's WebSocket listener
 * (its second: the test engine has a plain one first). */
static void
test_websocket (void)
{
  g_autoptr(BdEngine) upstream = test_engine_start ("listener 0 127.0.0.1\n"
                                                    "protocol websockets\n"
                                                    "allow_anonymous true\n");
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *address = g_strdup_printf ("127.0.0.1:%u", bd_engine_get_port (upstream, 1));
  BdBridgeDialog *dialog = bd_bridge_dialog_new (NULL, "/nonexistent/brokerdesk.conf", NULL);
  AdwComboRow *transport;
  GtkWidget *path;
  AdwActionRow *row;
  GtkWidget *button;

  g_object_ref_sink (dialog);
  set_text (dialog, "Name", "cloud");
  set_text (dialog, "Addresses (host:port, several separated by spaces)", address);
  set_text (dialog, "Topic Pattern", "a/#");
  transport = bd_test_find_row (GTK_WIDGET (dialog), ADW_TYPE_COMBO_ROW, "Transport");
  g_assert_nonnull (transport);
  path = bd_test_find_row (GTK_WIDGET (dialog), ADW_TYPE_ENTRY_ROW, "WebSocket Path (empty: /mqtt)");
  g_assert_false (gtk_widget_get_visible (path));
  adw_combo_row_set_selected (transport, 1);
  g_assert_true (gtk_widget_get_visible (path));
  set_text (dialog, "WebSocket Path (empty: /mqtt)", "ws");
  text = bd_bridge_dialog_dup_text (dialog, &error);
  g_assert_null (text);
  g_assert_cmpstr (error->message, ==, "bridge_websocket_path: “ws” does not start with “/”");
  g_clear_error (&error);
  set_text (dialog, "WebSocket Path (empty: /mqtt)", "/mqtt");
  text = bd_bridge_dialog_dup_text (dialog, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_suffix (text, "bridge_transport websockets\n"
                                         "bridge_websocket_path /mqtt\n"));

  row = bd_test_find_row (GTK_WIDGET (dialog), ADW_TYPE_ACTION_ROW, "What the Upstream Supports");
  button = gtk_widget_get_parent (GTK_WIDGET (bd_test_find_label (GTK_WIDGET (row),
                                                                  "Test Connection", FALSE)));
  g_signal_emit_by_name (button, "clicked");
  bd_test_wait_until (tested, row, 10000, "the test's answer");
  g_assert_cmpstr (adw_action_row_get_subtitle (row), ==,
                   "Connected: MQTT 5, maximum QoS 2, retained messages available, "
                   "maximum packet size no limit");

  /* Back to TCP: the path goes, and no WebSocket line is written. */
  adw_combo_row_set_selected (transport, 0);
  g_assert_false (gtk_widget_get_visible (path));
  g_clear_pointer (&text, g_free);
  text = bd_bridge_dialog_dup_text (dialog, &error);
  g_assert_no_error (error);
  g_assert_null (strstr (text, "websocket"));

  gtk_window_destroy (GTK_WINDOW (dialog));
  g_object_unref (dialog);
  bd_engine_stop (upstream);
}

int
main (int   argc,
      char *argv[])
{
  bd_test_gui_init (&argc, &argv);

  g_test_add_func ("/bridge-dialog/new", test_new);
  g_test_add_func ("/bridge-dialog/edit", test_edit);
  g_test_add_func ("/bridge-dialog/old-server", test_old_server);
  g_test_add_func ("/bridge-dialog/websocket", test_websocket);

  return g_test_run ();
}
