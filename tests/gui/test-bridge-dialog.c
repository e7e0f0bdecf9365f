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

/* The entry row titled @title under @widget, or NULL. */
static GtkEditable *
find_entry (GtkWidget  *widget,
            const char *title)
{
  if (ADW_IS_ENTRY_ROW (widget) &&
      g_str_equal (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), title))
    return GTK_EDITABLE (widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkEditable *found = find_entry (child, title);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
set_text (BdBridgeDialog *dialog,
          const char     *title,
          const char     *text)
{
  GtkEditable *entry = find_entry (GTK_WIDGET (dialog), title);

  g_assert_nonnull (entry);
  gtk_editable_set_text (entry, text);
}

static const char *
get_text (BdBridgeDialog *dialog,
          const char     *title)
{
  GtkEditable *entry = find_entry (GTK_WIDGET (dialog), title);

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

int
main (int   argc,
      char *argv[])
{
  bd_test_gui_init (&argc, &argv);

  g_test_add_func ("/bridge-dialog/new", test_new);
  g_test_add_func ("/bridge-dialog/edit", test_edit);

  return g_test_run ();
}
