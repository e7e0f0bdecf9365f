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

#include "bd-relay-dialog.h"
#include "bd-relay-row.h"
#include "bd-relays-page.h"
#include "bd-setpoint-row.h"
#include "bd-test-gui.h"
#include "bd-test-relays.h"
#include "bd-test-util.h"
#include "test-client.h"

static GtkWidget *
child (GtkWidget  *page,
       const char *id)
{
  GObject *object = gtk_widget_get_template_child (page, BD_TYPE_RELAYS_PAGE, id);

  g_assert_nonnull (object);
  return GTK_WIDGET (object);
}

static gboolean
sent_one (gpointer data)
{
  return ((GPtrArray *) data)->len >= 1;
}

static void
record_cb (BdMessage *message,
           gpointer   user_data)
{
  g_ptr_array_add (user_data, bd_message_ref (message));
}

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

static void
test_empty (void)
{
  GtkWidget *page = bd_relays_page_new ();
  GtkWindow *window = window_with (page);
  g_autoptr(BdRelayController) controller = bd_relay_controller_new ();

  g_assert_cmpstr (gtk_stack_get_visible_child_name (GTK_STACK (child (page, "stack"))), ==, "empty");
  /* No controller: nothing to add to. */
  g_assert_false (gtk_widget_activate_action (page, "relay.add", NULL) && find_editor () != NULL);

  bd_relays_page_set_controller (BD_RELAYS_PAGE (page), controller);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (GTK_STACK (child (page, "stack"))), ==, "empty");
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
  bd_relay_controller_set_publish_func (controller, record_cb, sent, NULL);
  g_assert_true (bd_relay_controller_add (controller, relay, NULL));
  bd_relays_page_set_controller (BD_RELAYS_PAGE (page), controller);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (GTK_STACK (child (page, "stack"))), ==, "relays");

  row = gtk_list_box_get_row_at_index (GTK_LIST_BOX (child (page, "relay_list")), 0);
  g_assert_true (BD_IS_RELAY_ROW (row));
  toggle = bd_relay_row_get_switch (BD_RELAY_ROW (row));
  g_assert_true (gtk_widget_get_focusable (GTK_WIDGET (toggle)));
  g_assert_false (gtk_switch_get_active (toggle));

  /* Space on the focused switch is its "activate": a command goes out and
   * the switch waits for the device. */
  gtk_widget_grab_focus (GTK_WIDGET (toggle));
  gtk_widget_activate (GTK_WIDGET (toggle));
  /* The switch toggles at the end of its animation. */
  bd_test_wait_until (sent_one, sent, 5000, "sent one");
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
  g_assert_nonnull (gtk_list_box_get_row_at_index (GTK_LIST_BOX (child (page, "log_list")), 1));

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
  g_assert_cmpstr (gtk_stack_get_visible_child_name (GTK_STACK (child (page, "stack"))), ==, "empty");

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
  g_assert_cmpstr (gtk_stack_get_visible_child_name (GTK_STACK (child (page, "stack"))), ==, "relays");

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
  bd_relay_controller_set_publish_func (controller, record_cb, sent, NULL);
  g_assert_true (bd_relay_controller_add_setpoint (controller, valve, NULL));
  bd_relays_page_set_controller (BD_RELAYS_PAGE (page), controller);
  /* A page with only a setpoint is not empty. */
  g_assert_cmpstr (gtk_stack_get_visible_child_name (GTK_STACK (child (page, "stack"))), ==, "relays");
  feed_state (controller, "v/state", "20");
  bd_test_wait_until (bd_test_setpoint_not_pending, valve, 5000, "the first value");
  BD_TEST_WAIT_UNTIL (bd_setpoint_get_value (valve) == 20, 5000);

  row = gtk_list_box_get_row_at_index (GTK_LIST_BOX (child (page, "setpoint_list")), 0);
  g_assert_true (BD_IS_SETPOINT_ROW (row));
  g_assert_cmpstr (bd_setpoint_row_get_status (BD_SETPOINT_ROW (row)), ==, "Confirmed: 20 %");
  scale = bd_setpoint_row_get_scale (BD_SETPOINT_ROW (row));
  g_assert_true (gtk_widget_get_focusable (GTK_WIDGET (scale)));
  g_assert_cmpfloat (gtk_range_get_value (GTK_RANGE (scale)), ==, 20);

  /* Right arrow on the focused slider: one step up, sent at once. */
  gtk_widget_grab_focus (GTK_WIDGET (scale));
  g_signal_emit_by_name (scale, "move-slider", GTK_SCROLL_STEP_RIGHT);
  bd_test_wait_until (sent_one, sent, 5000, "sent one");
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

  return g_test_run ();
}
