/* test-operator-lock.c — the window locked to viewing
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <adwaita.h>

#include "bd-alarm-rule-dialog.h"
#include "bd-alarms-page.h"
#include "bd-operator-lock.h"
#include "bd-relay-row.h"
#include "bd-relays-page.h"
#include "bd-settings.h"
#include "bd-test-gui.h"
#include "bd-test-util.h"
#include "test-client.h"

static void
toggle_failed_cb (BdRelayRow *row,
                  const char *message,
                  char      **out)
{
  g_free (*out);
  *out = g_strdup (message);
}

/* Locked, the Relays page's switch sends nothing, stays as the device
 * reported, and says why; the PIN unlocks it; an automation is not held. */
static void
test_relay_switch (void)
{
  g_autoptr(GSettings) settings = g_settings_new (BD_SETTINGS_SCHEMA_ID);
  g_autoptr(BdOperatorLock) lock = bd_operator_lock_new (settings);
  g_autoptr(BdRelayController) controller = bd_relay_controller_new ();
  g_autoptr(GPtrArray) sent = g_ptr_array_new_with_free_func ((GDestroyNotify) bd_message_unref);
  g_autoptr(BdRelay) relay = bd_relay_new ("fan", "Fan, manufacture", "f/set", "f/state");
  g_autoptr(GError) error = NULL;
  g_autofree char *hash = NULL;
  g_autofree char *why = NULL;
  GtkWidget *page = bd_relays_page_new ();
  GtkWidget *window = gtk_window_new ();
  GtkWidget *overlay = adw_toast_overlay_new ();
  GtkListBox *list;
  GtkListBoxRow *row;
  GtkSwitch *toggle;

  adw_toast_overlay_set_child (ADW_TOAST_OVERLAY (overlay), page);
  gtk_window_set_child (GTK_WINDOW (window), overlay);
  gtk_window_present (GTK_WINDOW (window));
  bd_relay_controller_set_publish_func (controller, test_message_collect_cb, sent, NULL);
  g_assert_true (bd_relay_controller_add (controller, relay, NULL));
  bd_operator_lock_guard_relays (lock, controller);
  bd_relays_page_set_controller (BD_RELAYS_PAGE (page), controller);
  list = GTK_LIST_BOX (bd_test_child (page, "relay_list"));
  row = gtk_list_box_get_row_at_index (list, 0);
  toggle = bd_relay_row_get_switch (BD_RELAY_ROW (row));
  g_signal_connect (row, "toggle-failed", G_CALLBACK (toggle_failed_cb), &why);

  /* No PIN, no lock. */
  g_assert_false (bd_operator_lock_lock (lock));
  g_assert_false (bd_operator_lock_get_locked (lock));

  g_assert_true (bd_operator_lock_set_pin (lock, "4711", &error));
  g_assert_no_error (error);
  /* Kept hashed, never as typed. */
  hash = g_settings_get_string (settings, BD_SETTINGS_OPERATOR_PIN);
  g_assert_true (g_str_has_prefix (hash, "$7$"));
  g_assert_null (strstr (hash, "4711"));
  g_assert_true (bd_operator_lock_lock (lock));

  gtk_switch_set_active (toggle, TRUE);
  g_assert_cmpuint (sent->len, ==, 0);
  g_assert_false (bd_relay_get_pending (relay));
  g_assert_false (gtk_switch_get_active (toggle));
  g_assert_nonnull (why);
  g_assert_nonnull (strstr (why, "locked to viewing"));

  /* An automation acts on alarms whoever sits at the window. */
  g_assert_true (bd_relay_controller_command (controller, relay, TRUE,
                                              BD_RELAY_SOURCE_AUTOMATION, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (sent->len, ==, 1);
  g_assert_true (bd_relay_controller_command (controller, relay, FALSE,
                                              BD_RELAY_SOURCE_AUTOMATION, &error));
  g_assert_cmpuint (sent->len, ==, 2);

  g_assert_false (bd_operator_lock_unlock (lock, "4712"));
  g_assert_true (bd_operator_lock_get_locked (lock));
  g_assert_true (bd_operator_lock_unlock (lock, "4711"));
  g_assert_false (bd_operator_lock_get_locked (lock));
  gtk_switch_set_active (toggle, TRUE);
  g_assert_cmpuint (sent->len, ==, 3);

  gtk_window_destroy (GTK_WINDOW (window));
}

static gboolean
rule_editor_shown (void)
{
  g_autoptr(GList) toplevels = gtk_window_list_toplevels ();

  for (GList *l = toplevels; l != NULL; l = l->next)
    if (BD_IS_ALARM_RULE_DIALOG (l->data) && gtk_widget_get_visible (l->data))
      return TRUE;
  return FALSE;
}

/* Locked, the Alarms page opens no rule editor (as the Topics page's "Add
 * Alarm" asks it to); unlocked it does. */
static void
test_rule_edits (void)
{
  g_autoptr(GSettings) settings = g_settings_new (BD_SETTINGS_SCHEMA_ID);
  g_autoptr(BdOperatorLock) lock = bd_operator_lock_new (settings);
  g_autoptr(BdAlarmEngine) engine = bd_alarm_engine_new ();
  GtkWidget *page = bd_alarms_page_new ();
  GtkWidget *window = gtk_window_new ();
  GtkWidget *overlay = adw_toast_overlay_new ();

  adw_toast_overlay_set_child (ADW_TOAST_OVERLAY (overlay), page);
  gtk_window_set_child (GTK_WINDOW (window), overlay);
  gtk_window_present (GTK_WINDOW (window));
  bd_alarms_page_set_engine (BD_ALARMS_PAGE (page), engine);
  bd_operator_lock_set_default (lock);

  g_assert_true (bd_operator_lock_set_pin (lock, "4711", NULL));
  g_assert_true (bd_operator_lock_lock (lock));
  bd_alarms_page_add_rule_for_topic (BD_ALARMS_PAGE (page), "plant/a/temperature");
  g_assert_false (rule_editor_shown ());

  g_assert_true (bd_operator_lock_unlock (lock, "4711"));
  bd_alarms_page_add_rule_for_topic (BD_ALARMS_PAGE (page), "plant/a/temperature");
  g_assert_true (rule_editor_shown ());

  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  /* The strings the checks compare are the English ones. */
  g_setenv ("LANGUAGE", "C", TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add_func ("/gui/operator-lock/relay-switch", test_relay_switch);
  g_test_add_func ("/gui/operator-lock/rule-edits", test_rule_edits);

  return g_test_run ();
}
