/* test-relays-page.c — the Relays page and its editor, on a headless X display
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Run through run-xvfb.py. A controller with a recording publish function
 * stands in for the broker, and the test plays the device by feeding state
 * messages to bd_relay_controller_tap (), so the page is seen going through
 * pending, confirmed and failed exactly as an operator would see it.
 */

#include "config.h"

#include <string.h>

#include <adwaita.h>

#include "bd-automation-dialog.h"
#include "bd-relay-dialog.h"
#include "bd-relay-row.h"
#include "bd-relays-page.h"
#include "bd-setpoint-row.h"
#include "bd-test-gui.h"
#include "bd-test-relays.h"
#include "bd-test-util.h"
#include "test-client.h"

static void
feed_state (BdRelayController *controller,
            const char        *topic,
            const char        *text)
{
  g_autoptr(BdMessage) message = test_message_new (topic, text, TRUE);

  bd_relay_controller_tap (message, controller);
}

static GtkWindow *
window_with (GtkWidget *page)
{
  GtkWidget *window = gtk_window_new ();
  GtkWidget *overlay = adw_toast_overlay_new ();

  adw_toast_overlay_set_child (ADW_TOAST_OVERLAY (overlay), page);
  gtk_window_set_child (GTK_WINDOW (window), overlay);
  gtk_window_present (GTK_WINDOW (window));
  return GTK_WINDOW (window);
}

static BdRelayDialog *
find_editor (void)
{
  g_autoptr(GList) toplevels = gtk_window_list_toplevels ();

  for (GList *l = toplevels; l != NULL; l = l->next)
    if (BD_IS_RELAY_DIALOG (l->data) && gtk_widget_get_visible (l->data))
      return l->data;
  return NULL;
}

/* The Undo button of the toast on screen (AdwToastOverlay 1.2 does not
 * list its toasts: the button is found as a person finds it, by its label). */
static gboolean
is_undo_button (GtkWidget     *widget,
                gconstpointer  data)
{
  return GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), "_Undo") == 0;
}

static GtkWidget *
find_undo_button (GtkWidget *root)
{
  return bd_test_find_widget (root, is_undo_button, NULL);
}

static void
test_empty (void)
{
  GtkWidget *page = bd_relays_page_new ();
  GtkWindow *window = window_with (page);
  g_autoptr(BdRelayController) controller = bd_relay_controller_new ();

  g_assert_cmpstr (bd_test_visible_page (page, "stack"), ==, "empty");
  /* No controller: nothing to add to. */
  g_assert_false (gtk_widget_activate_action (page, "relay.add", NULL) && find_editor () != NULL);

  bd_relays_page_set_controller (BD_RELAYS_PAGE (page), controller);
  g_assert_cmpstr (bd_test_visible_page (page, "stack"), ==, "empty");
  g_assert_true (gtk_widget_activate_action (page, "relay.add", NULL));
  g_assert_nonnull (find_editor ());
  /* An empty form says what is missing and cannot be saved. */
  g_assert_nonnull (bd_relay_dialog_get_problem (find_editor ()));
  g_assert_false (bd_relay_dialog_save (find_editor ()));
  gtk_window_destroy (GTK_WINDOW (find_editor ()));

  gtk_window_destroy (window);
}

static void
test_switch (void)
{
  GtkWidget *page = bd_relays_page_new ();
  GtkWindow *window = window_with (page);
  g_autoptr(BdRelayController) controller = bd_relay_controller_new ();
  g_autoptr(GPtrArray) sent = g_ptr_array_new_with_free_func ((GDestroyNotify) bd_message_unref);
  g_autoptr(BdRelay) relay = bd_relay_new ("fan", "Fan, manufacture", "f/set", "f/state");
  GtkListBoxRow *row;
  GtkSwitch *toggle;

  bd_relay_set_timeout (relay, 200);
  bd_relay_controller_set_publish_func (controller, test_message_collect_cb, sent, NULL);
  g_assert_true (bd_relay_controller_add (controller, relay, NULL));
  bd_relays_page_set_controller (BD_RELAYS_PAGE (page), controller);
  g_assert_cmpstr (bd_test_visible_page (page, "stack"), ==, "relays");

  row = gtk_list_box_get_row_at_index (GTK_LIST_BOX (bd_test_child (page, "relay_list")), 0);
  g_assert_true (BD_IS_RELAY_ROW (row));
  toggle = bd_relay_row_get_switch (BD_RELAY_ROW (row));
  g_assert_true (gtk_widget_get_focusable (GTK_WIDGET (toggle)));
  g_assert_false (gtk_switch_get_active (toggle));

  /* Space on the focused switch is its "activate": a command goes out and
   * the switch waits for the device. */
  gtk_widget_grab_focus (GTK_WIDGET (toggle));
  gtk_widget_activate (GTK_WIDGET (toggle));
  /* The switch toggles at the end of its animation. */
  BD_TEST_WAIT_UNTIL (sent->len >= 1, 5000);
  g_assert_cmpuint (sent->len, ==, 1);
  g_assert_cmpstr (bd_message_get_topic (g_ptr_array_index (sent, 0)), ==, "f/set");
  g_assert_true (bd_relay_get_pending (relay));
  g_assert_true (gtk_switch_get_active (toggle));
  g_assert_false (gtk_switch_get_state (toggle));

  feed_state (controller, "f/state", "ON");
  bd_test_wait_until (bd_test_relay_not_pending, relay, 5000, "not pending");
  g_assert_true (gtk_switch_get_active (toggle));
  g_assert_true (gtk_switch_get_state (toggle));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (bd_relay_controller_get_log (controller))), ==, 2);
  g_assert_nonnull (gtk_list_box_get_row_at_index (bd_test_child (page, "log_list"), 1));

  /* No answer: the switch goes back to what the device last confirmed. */
  gtk_switch_set_active (toggle, FALSE);
  g_assert_cmpuint (sent->len, ==, 2);
  g_assert_true (bd_relay_get_pending (relay));
  bd_test_wait_until (bd_test_relay_not_pending, relay, 5000, "not pending");
  g_assert_nonnull (bd_relay_get_last_error (relay));
  g_assert_true (gtk_switch_get_active (toggle));
  g_assert_true (gtk_switch_get_state (toggle));

  /* Someone else switches it off: the switch follows. */
  feed_state (controller, "f/state", "OFF");
  bd_test_wait_until (bd_test_relay_is_off, relay, 5000, "relay is off");
  g_assert_cmpint (bd_relay_get_state (relay), ==, BD_RELAY_STATE_OFF);
  g_assert_false (gtk_switch_get_active (toggle));

  /* Delete: gone from the page, the empty state is back. */
  g_signal_emit_by_name (row, "delete");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (controller)), ==, 0);
  g_assert_cmpstr (bd_test_visible_page (page, "stack"), ==, "empty");

  /* Undo in the toast: the same relay is back. */
  g_signal_emit_by_name (find_undo_button (GTK_WIDGET (window)), "clicked");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (controller)), ==, 1);
  g_assert_true (bd_relay_controller_lookup (controller, "fan") == relay);
  g_assert_cmpstr (bd_test_visible_page (page, "stack"), ==, "relays");

  gtk_window_destroy (window);
}

static void
test_add_for_topic (void)
{
  GtkWidget *page = bd_relays_page_new ();
  GtkWindow *window = window_with (page);
  g_autoptr(BdRelayController) controller = bd_relay_controller_new ();
  g_autoptr(BdRelay) draft = NULL;
  BdRelayDialog *editor;
  BdRelay *added;

  bd_relays_page_set_controller (BD_RELAYS_PAGE (page), controller);
  bd_relays_page_add_relay_for_topic (BD_RELAYS_PAGE (page), "busan/factory/assembly/fan/state");
  editor = find_editor ();
  g_assert_nonnull (editor);
  g_assert_null (bd_relay_dialog_get_problem (editor));
  g_assert_true (bd_relay_dialog_save (editor));
  added = bd_relay_controller_lookup (controller, "fan");
  g_assert_nonnull (added);
  g_assert_cmpstr (bd_relay_get_command_topic (added), ==, "busan/factory/assembly/fan/set");
  g_assert_cmpstr (bd_relay_get_state_topic (added), ==, "busan/factory/assembly/fan/state");
  g_assert_cmpstr (bd_test_visible_page (page, "stack"), ==, "relays");

  /* The drafting rule for the other shapes. */
  draft = bd_relay_dialog_draft_for_topic ("home/plug/set");
  g_assert_cmpstr (bd_relay_get_state_topic (draft), ==, "home/plug/state");
  g_assert_cmpstr (bd_relay_get_name (draft), ==, "plug");
  g_clear_object (&draft);
  draft = bd_relay_dialog_draft_for_topic ("stat/pump/POWER");
  g_assert_cmpstr (bd_relay_get_state_topic (draft), ==, "stat/pump/POWER");
  g_assert_cmpstr (bd_relay_get_command_topic (draft), ==, "stat/pump/POWER/set");

  /* A wildcard is refused with a message. */
  bd_relays_page_add_relay_for_topic (BD_RELAYS_PAGE (page), "a/+/b");
  editor = find_editor ();
  g_assert_nonnull (editor);
  g_assert_nonnull (bd_relay_dialog_get_problem (editor));
  g_assert_nonnull (strstr (bd_relay_dialog_get_problem (editor), "wildcard"));
  g_assert_false (bd_relay_dialog_save (editor));
  gtk_window_destroy (GTK_WINDOW (editor));

  gtk_window_destroy (window);
}

/* The slider sends (a key press on it moves it a step), the row shows
 * pending, then the value the device confirms. */
static void
test_setpoint (void)
{
  GtkWidget *page = bd_relays_page_new ();
  GtkWindow *window = window_with (page);
  g_autoptr(BdRelayController) controller = bd_relay_controller_new ();
  g_autoptr(GPtrArray) sent = g_ptr_array_new_with_free_func ((GDestroyNotify) bd_message_unref);
  g_autoptr(BdSetpoint) valve = bd_setpoint_new ("valve", "Valve, packaging", "v/set", "v/state");
  GtkListBoxRow *row;
  GtkScale *scale;
  gsize len;
  const char *payload;

  bd_setpoint_set_unit (valve, "%");
  bd_setpoint_set_step (valve, 5);
  bd_relay_controller_set_publish_func (controller, test_message_collect_cb, sent, NULL);
  g_assert_true (bd_relay_controller_add_setpoint (controller, valve, NULL));
  bd_relays_page_set_controller (BD_RELAYS_PAGE (page), controller);
  /* A page with only a setpoint is not empty. */
  g_assert_cmpstr (bd_test_visible_page (page, "stack"), ==, "relays");
  feed_state (controller, "v/state", "20");
  bd_test_wait_until (bd_test_setpoint_not_pending, valve, 5000, "the first value");
  BD_TEST_WAIT_UNTIL (bd_setpoint_get_value (valve) == 20, 5000);

  row = gtk_list_box_get_row_at_index (GTK_LIST_BOX (bd_test_child (page, "setpoint_list")), 0);
  g_assert_true (BD_IS_SETPOINT_ROW (row));
  g_assert_cmpstr (bd_setpoint_row_get_status (BD_SETPOINT_ROW (row)), ==, "Confirmed: 20 %");
  scale = bd_setpoint_row_get_scale (BD_SETPOINT_ROW (row));
  g_assert_true (gtk_widget_get_focusable (GTK_WIDGET (scale)));
  g_assert_cmpfloat (gtk_range_get_value (GTK_RANGE (scale)), ==, 20);

  /* Right arrow on the focused slider: one step up, sent at once. */
  gtk_widget_grab_focus (GTK_WIDGET (scale));
  g_signal_emit_by_name (scale, "move-slider", GTK_SCROLL_STEP_RIGHT);
  BD_TEST_WAIT_UNTIL (sent->len >= 1, 5000);
  g_assert_cmpstr (bd_message_get_topic (g_ptr_array_index (sent, 0)), ==, "v/set");
  payload = g_bytes_get_data (((BdMessage *) g_ptr_array_index (sent, 0))->payload, &len);
  g_assert_cmpmem (payload, len, "25", 2);
  g_assert_true (bd_setpoint_get_pending (valve));
  g_assert_cmpstr (bd_setpoint_row_get_status (BD_SETPOINT_ROW (row)), ==, "Waiting for device… (25 %)");
  g_assert_cmpfloat (gtk_range_get_value (GTK_RANGE (scale)), ==, 25);

  feed_state (controller, "v/state", "25");
  bd_test_wait_until (bd_test_setpoint_not_pending, valve, 5000, "confirmed");
  g_assert_cmpstr (bd_setpoint_row_get_status (BD_SETPOINT_ROW (row)), ==, "Confirmed: 25 %");
  g_assert_cmpfloat (gtk_spin_button_get_value (bd_setpoint_row_get_spin_button (BD_SETPOINT_ROW (row))), ==, 25);

  /* Delete, then Undo in the toast: the same setpoint is back. */
  g_signal_emit_by_name (row, "delete");
  g_assert_cmpuint (g_list_model_get_n_items (bd_relay_controller_get_setpoints (controller)), ==, 0);
  g_assert_cmpstr (bd_test_visible_page (page, "stack"), ==, "empty");
  g_signal_emit_by_name (find_undo_button (GTK_WIDGET (window)), "clicked");
  g_assert_true (bd_relay_controller_lookup_setpoint (controller, "valve") == valve);
  g_assert_cmpstr (bd_test_visible_page (page, "stack"), ==, "relays");

  gtk_window_destroy (window);
}

static BdAutomationDialog *
find_automation_dialog (void)
{
  g_autoptr(GList) toplevels = gtk_window_list_toplevels ();

  for (GList *l = toplevels; l != NULL; l = l->next)
    if (BD_IS_AUTOMATION_DIALOG (l->data) && gtk_widget_get_visible (l->data))
      return l->data;
  return NULL;
}

/* The first widget under @root whose accessible name (for a row: its
 * title; for a button: its tooltip, which the page sets to the same) is
 * @name, as a screen reader finds it. */
static gboolean
is_named (GtkWidget     *widget,
          gconstpointer  name)
{
  return (ADW_IS_PREFERENCES_ROW (widget) &&
          g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), name) == 0)
         || (GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_widget_get_tooltip_text (widget), name) == 0);
}

static GtkWidget *
find_named (GtkWidget  *root,
            const char *name)
{
  return bd_test_find_widget (root, is_named, name);
}

static void
type_into (GtkWidget  *root,
           const char *field,
           const char *text)
{
  GtkWidget *row = find_named (root, field);

  g_assert_nonnull (row);
  g_assert_true (gtk_widget_get_visible (row));
  gtk_editable_set_text (GTK_EDITABLE (row), text);
}

static gboolean
save_enabled (BdAutomationDialog *dialog)
{
  return adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog), "save");
}

/* An automation made through the dialog, as an operator would: Save stays
 * off with the reason shown until the fields make sense, then the entry is
 * in automations.ini; the row's Delete takes it out again. */
static void
test_automation_dialog (void)
{
  g_autoptr(BdTestTmpdir) dir = bd_test_tmpdir_new ("automations");
  g_autofree char *path = g_build_filename (dir, "automations.ini", NULL);
  g_autoptr(BdAlarmEngine) alarms = bd_alarm_engine_new ();
  g_autoptr(BdRelayController) controller = bd_relay_controller_new ();
  g_autoptr(BdAutomationEngine) engine = bd_automation_engine_new (alarms, controller);
  GtkWidget *page = bd_relays_page_new ();
  GtkWindow *window = window_with (page);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) automations = NULL;
  g_autofree char *contents = NULL;
  BdAutomationDialog *dialog;
  const BdAutomation *saved;
  GtkWidget *button;

  bd_automation_engine_set_path (engine, path);
  bd_relays_page_set_automations (BD_RELAYS_PAGE (page), engine);
  g_assert_true (gtk_widget_activate_action (page, "relay.add-automation", NULL));
  dialog = find_automation_dialog ();
  g_assert_nonnull (dialog);
  g_assert_false (save_enabled (dialog));
  g_assert_nonnull (bd_automation_dialog_get_problem (dialog));

  type_into (GTK_WIDGET (dialog), "Name", "Fan on when hot");
  g_assert_false (save_enabled (dialog));
  g_assert_nonnull (strstr (bd_automation_dialog_get_problem (dialog), "alarm rule"));
  type_into (GTK_WIDGET (dialog), "Alarm Rule (id)", "temperature-hi");
  type_into (GTK_WIDGET (dialog), "Relay or Setpoint (id)", "packaging-fan");
  type_into (GTK_WIDGET (dialog), "Delay (seconds)", "soon");
  g_assert_false (save_enabled (dialog));
  g_assert_cmpstr (bd_automation_dialog_get_problem (dialog), ==,
                   "Delay (seconds): “soon” is not a number");
  type_into (GTK_WIDGET (dialog), "Delay (seconds)", "2.5");
  /* Publishing shows its own rows and needs a topic. */
  adw_combo_row_set_selected (ADW_COMBO_ROW (find_named (GTK_WIDGET (dialog), "Action")),
                              BD_AUTOMATION_ACTION_PUBLISH);
  g_assert_false (gtk_widget_get_visible (find_named (GTK_WIDGET (dialog), "Relay or Setpoint (id)")));
  g_assert_false (save_enabled (dialog));
  adw_combo_row_set_selected (ADW_COMBO_ROW (find_named (GTK_WIDGET (dialog), "Action")),
                              BD_AUTOMATION_ACTION_RELAY);
  type_into (GTK_WIDGET (dialog), "Only Between (like 08:00-18:00)", "07:30-19:00");
  g_assert_true (save_enabled (dialog));
  g_assert_null (bd_automation_dialog_get_problem (dialog));

  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "save");
  bd_automation_engine_save_async (engine, NULL, bd_test_result_cb, &result);
  bd_test_wait_result (&result, 5000, "automations.ini saved");
  g_assert_true (bd_automation_engine_save_finish (engine, result, &error));
  g_assert_no_error (error);

  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_nonnull (strstr (contents, "[fan-on-when-hot]"));
  g_assert_true (bd_automations_load (path, &automations, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (automations->len, ==, 1);
  saved = g_ptr_array_index (automations, 0);
  g_assert_cmpstr (saved->name, ==, "Fan on when hot");
  g_assert_cmpstr (saved->alarm_rule, ==, "temperature-hi");
  g_assert_cmpint (saved->action, ==, BD_AUTOMATION_ACTION_RELAY);
  g_assert_cmpstr (saved->target, ==, "packaging-fan");
  g_assert_true (saved->on);
  g_assert_cmpuint (saved->delay_ms, ==, 2500);
  g_assert_cmpint (saved->condition.from_minute, ==, 7 * 60 + 30);
  g_assert_cmpint (saved->condition.to_minute, ==, 19 * 60);

  /* Its row, with an accessible Delete. */
  button = find_named (bd_test_child (page, "automation_list"),
                       "Delete automation Fan on when hot");
  g_assert_nonnull (button);
  g_signal_emit_by_name (button, "clicked");
  g_clear_pointer (&automations, g_ptr_array_unref);
  automations = bd_automation_engine_dup_automations (engine);
  g_assert_cmpuint (automations->len, ==, 0);

  /* An interlock needs its condition before Save is allowed. */
  g_assert_true (gtk_widget_activate_action (page, "relay.add-interlock", NULL));
  dialog = find_automation_dialog ();
  g_assert_nonnull (dialog);
  g_assert_false (gtk_widget_get_visible (find_named (GTK_WIDGET (dialog), "Alarm Rule (id)")));
  type_into (GTK_WIDGET (dialog), "Name", "Heater needs its fan");
  type_into (GTK_WIDGET (dialog), "Relay or Setpoint (id)", "packaging-heater");
  g_assert_false (save_enabled (dialog));
  g_assert_cmpstr (bd_automation_dialog_get_problem (dialog), ==, "The interlock needs a condition");
  type_into (GTK_WIDGET (dialog), "Only While Relay (id, empty: any)", "packaging-fan");
  adw_combo_row_set_selected (ADW_COMBO_ROW (find_named (GTK_WIDGET (dialog), "That Relay Is")), 1);
  adw_combo_row_set_selected (ADW_COMBO_ROW (find_named (GTK_WIDGET (dialog), "Blocks")),
                              BD_INTERLOCK_BLOCKS_ON);
  g_assert_true (save_enabled (dialog));
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "save");
  {
    g_autoptr(GPtrArray) interlocks = bd_automation_engine_dup_interlocks (engine);
    const BdInterlock *interlock;

    g_assert_cmpuint (interlocks->len, ==, 1);
    interlock = g_ptr_array_index (interlocks, 0);
    g_assert_cmpstr (interlock->id, ==, "heater-needs-its-fan");
    g_assert_cmpstr (interlock->target, ==, "packaging-heater");
    g_assert_cmpint (interlock->blocks, ==, BD_INTERLOCK_BLOCKS_ON);
    g_assert_cmpstr (interlock->condition.relay, ==, "packaging-fan");
    g_assert_false (interlock->condition.relay_on);
  }
  g_assert_nonnull (find_named (bd_test_child (page, "automation_list"), "Edit interlock Heater needs its fan"));

  gtk_window_destroy (window);
}

int
main (int   argc,
      char *argv[])
{
  bd_test_gui_init (&argc, &argv);

  g_test_add_func ("/gui/relays-page/empty", test_empty);
  g_test_add_func ("/gui/relays-page/switch", test_switch);
  g_test_add_func ("/gui/relays-page/setpoint", test_setpoint);
  g_test_add_func ("/gui/relays-page/add-for-topic", test_add_for_topic);
  g_test_add_func ("/gui/relays-page/automation-dialog", test_automation_dialog);

  return g_test_run ();
}
