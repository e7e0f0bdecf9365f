/* test-alarms-page.c — the Alarms page and the rule editor, on a headless X display
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Run through run-xvfb.py. A real alarm engine is fed messages directly;
 * the page is looked at through its template children and driven by
 * clicking its buttons, the editor by typing into its rows.
 */

#include "config.h"

#include <string.h>

#include <adwaita.h>
#include <glib/gstdio.h>

#include "bd-alarm-notifier.h"
#include "bd-alarm-rule-dialog.h"
#include "bd-alarms-page.h"
#include "bd-operations-journal.h"
#include "bd-test-gui.h"
#include "test-client.h"
#include "bd-test-alarms.h"
#include "bd-test-service.h"
#include "bd-test-util.h"

#define WAIT_S 10

static guint
n_rows (GtkWidget  *page,
        const char *id)
{
  return bd_test_list_box_n_rows (GTK_LIST_BOX (bd_test_child (page, id)));
}

static GtkWidget *
row_at (GtkWidget  *page,
        const char *id,
        guint       index)
{
  GtkListBox *list = bd_test_child (page, id);

  return GTK_WIDGET (gtk_list_box_get_row_at_index (list, index));
}

static gboolean
wake_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static void
wait_rows (GtkWidget  *page,
           const char *id,
           guint       n)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_S * G_USEC_PER_SEC;
  guint wake = g_timeout_add (50, wake_cb, NULL);

  while (n_rows (page, id) != n)
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("timed out waiting for %u rows in %s (%u now)", n, id, n_rows (page, id));
      g_main_context_iteration (NULL, TRUE);
    }
  g_source_remove (wake);
}

/* The entry row titled @title in @editor, or NULL. */
static GtkWidget *
find_entry (BdAlarmRuleDialog *editor,
            const char        *title)
{
  return bd_test_find_row (GTK_WIDGET (editor), ADW_TYPE_ENTRY_ROW, title);
}

static void
click (GtkWidget  *row,
       const char *tooltip)
{
  GtkWidget *button = bd_test_find_button (row, tooltip);

  if (button == NULL)
    g_error ("no button “%s”", tooltip);
  g_assert_true (gtk_widget_get_visible (button));
  g_signal_emit_by_name (button, "clicked");
}

static void
test_page (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BdTestTmpdir) dir = bd_test_tmpdir_new ("alarms-page");
  g_autofree char *journal_path = g_build_filename (dir, "journal.db", NULL);
  g_autoptr(BdJournal) journal = bd_journal_new (journal_path);
  g_autoptr(BdAlarmEngine) engine = bd_alarm_engine_new ();
  g_autoptr(BdAlarmRule) rule = bd_test_alarm_rule_new ("temp", "Temperature", "plant/+/temperature", 28);
  /* No session bus here: the notifier must stay quiet (no warning, which
   * would fail this test). */
  g_autoptr(BdAlarmNotifier) notifier = bd_alarm_notifier_new (engine);
  GtkWidget *window = gtk_window_new ();
  GtkWidget *page = bd_alarms_page_new ();
  GtkWidget *row;
  const char *title;

  gtk_window_set_child (GTK_WINDOW (window), page);
  gtk_window_present (GTK_WINDOW (window));

  /* Without an engine, the page says so. */
  g_assert_cmpstr (bd_test_visible_page (page, "stack"), ==,
                   "unavailable");

  /* As the service wires them. */
  bd_operations_journal_follow_alarms (journal, engine);
  g_assert_true (bd_alarm_engine_add_rule (engine, rule, &error));
  bd_alarms_page_set_journal (BD_ALARMS_PAGE (page), journal);
  bd_alarms_page_set_engine (BD_ALARMS_PAGE (page), engine);
  g_assert_cmpstr (bd_test_visible_page (page, "stack"), ==,
                   "alarms");
  g_assert_cmpuint (n_rows (page, "rules_list"), ==, 1);
  g_assert_cmpuint (n_rows (page, "alarms_list"), ==, 0);
  g_assert_false (gtk_widget_get_sensitive (bd_test_child (page, "ack_all_button")));

  bd_test_alarms_feed (engine, "plant/a/temperature", "29.5");
  wait_rows (page, "alarms_list", 1);
  row = row_at (page, "alarms_list", 0);
  title = adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row));
  g_assert_cmpstr (title, ==, "Temperature Hi");
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), "plant/a/temperature"));
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), "29.5"));
  g_assert_true (gtk_widget_get_sensitive (bd_test_child (page, "ack_all_button")));

  /* Acknowledge: the button goes away, the alarm stays while active. */
  click (row, "Acknowledge");
  g_assert_false (gtk_widget_get_visible (bd_test_find_button (row, "Acknowledge")));
  g_assert_false (gtk_widget_get_sensitive (bd_test_child (page, "ack_all_button")));

  /* Shelve and unshelve with the same button. */
  click (row, "Shelve for one hour");
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), "shelved until"));
  click (row, "Unshelve");
  g_assert_true (gtk_widget_get_visible (bd_test_find_button (row, "Acknowledge")));

  /* Returns, then Acknowledge All: gone. */
  bd_test_alarms_feed (engine, "plant/a/temperature", "20");
  {
    g_autoptr(BdAlarm) alarm = g_list_model_get_item (bd_alarm_engine_get_alarms (engine), 0);

    /* Bounded even if nothing wakes the main context: a blocking iteration
     * never came back to compare the clock with a deadline. */
    BD_TEST_WAIT_UNTIL (bd_alarm_get_state (alarm) == BD_ALARM_STATE_RTN_UNACK,
                        WAIT_S * 1000);
  }
  g_signal_emit_by_name (bd_test_child (page, "ack_all_button"), "clicked");
  wait_rows (page, "alarms_list", 0);

  /* The journal shows the transitions (raise, ack, shelve, unshelve,
   * return, ack). */
  wait_rows (page, "journal_list", 6);

  /* Delete the rule: gone from the list (the toast offers Undo). */
  click (row_at (page, "rules_list", 0), "Delete rule “Temperature”");
  g_assert_cmpuint (n_rows (page, "rules_list"), ==, 0);
  g_assert_null (bd_alarm_engine_dup_rule (engine, "temp"));

  gtk_window_destroy (GTK_WINDOW (window));
  g_clear_pointer (&journal, bd_journal_unref);
}

static BdAlarmRuleDialog *
find_editor (void)
{
  return BD_ALARM_RULE_DIALOG (bd_test_find_window (BD_TYPE_ALARM_RULE_DIALOG));
}

static void
type (BdAlarmRuleDialog *editor,
      const char        *title,
      const char        *text)
{
  GtkWidget *row = find_entry (editor, title);

  if (row == NULL)
    g_error ("no row “%s”", title);
  gtk_editable_set_text (GTK_EDITABLE (row), text);
}

static void
test_editor (void)
{
  g_autoptr(BdAlarmEngine) engine = bd_alarm_engine_new ();
  GtkWidget *window = gtk_window_new ();
  GtkWidget *page = bd_alarms_page_new ();
  BdAlarmRuleDialog *editor;
  g_autoptr(BdAlarmRule) rule = NULL;
  g_autoptr(GPtrArray) rules = NULL;

  gtk_window_set_child (GTK_WINDOW (window), page);
  gtk_window_present (GTK_WINDOW (window));
  bd_alarms_page_set_engine (BD_ALARMS_PAGE (page), engine);

  bd_alarms_page_add_rule_for_topic (BD_ALARMS_PAGE (page), "plant/hall/co2");
  editor = find_editor ();
  g_assert_nonnull (editor);
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (editor)) == GTK_WINDOW (window));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (find_entry (editor, "Topic or Topic Filter"))),
                   ==, "plant/hall/co2");

  /* No limit yet. */
  g_assert_false (bd_alarm_rule_dialog_save (editor));
  g_assert_nonnull (strstr (bd_alarm_rule_dialog_get_error (editor), "at least one limit"));

  /* Not a number: the field is named. */
  type (editor, "Hi Limit", "lots");
  g_assert_false (bd_alarm_rule_dialog_save (editor));
  g_assert_nonnull (strstr (bd_alarm_rule_dialog_get_error (editor), "Hi Limit"));
  g_assert_nonnull (strstr (bd_alarm_rule_dialog_get_error (editor), "“lots”"));

  /* Contradicting limits. */
  type (editor, "Hi Limit", "1000");
  type (editor, "HiHi Limit", "900");
  g_assert_false (bd_alarm_rule_dialog_save (editor));
  g_assert_nonnull (strstr (bd_alarm_rule_dialog_get_error (editor), "HiHi"));

  /* A bad filter. */
  type (editor, "HiHi Limit", "1400,5");
  type (editor, "Topic or Topic Filter", "plant/#/co2");
  g_assert_false (bd_alarm_rule_dialog_save (editor));
  g_assert_nonnull (strstr (bd_alarm_rule_dialog_get_error (editor), "filter"));
  rules = bd_alarm_engine_dup_rules (engine);
  g_assert_cmpuint (rules->len, ==, 0);
  g_clear_pointer (&rules, g_ptr_array_unref);

  type (editor, "Topic or Topic Filter", "plant/+/co2");
  g_assert_true (bd_alarm_rule_dialog_save (editor));
  rules = bd_alarm_engine_dup_rules (engine);
  g_assert_cmpuint (rules->len, ==, 1);
  rule = bd_alarm_rule_copy (g_ptr_array_index (rules, 0));
  g_assert_cmpstr (rule->name, ==, "co2");
  g_assert_cmpstr (rule->filter, ==, "plant/+/co2");
  g_assert_cmpfloat (rule->hi, ==, 1000);
  g_assert_cmpfloat (rule->hihi, ==, 1400.5);
  g_assert_cmpuint (n_rows (page, "rules_list"), ==, 1);

  /* Edit from the list: same id, replaced. */
  click (row_at (page, "rules_list", 0), "Edit rule “co2”");
  editor = find_editor ();
  g_assert_nonnull (editor);
  type (editor, "Name", "CO₂ hall");
  g_assert_true (bd_alarm_rule_dialog_save (editor));
  g_clear_pointer (&rules, g_ptr_array_unref);
  rules = bd_alarm_engine_dup_rules (engine);
  g_assert_cmpuint (rules->len, ==, 1);
  g_assert_cmpstr (((BdAlarmRule *) g_ptr_array_index (rules, 0))->id, ==, rule->id);
  g_assert_cmpstr (((BdAlarmRule *) g_ptr_array_index (rules, 0))->name, ==, "CO₂ hall");

  gtk_window_destroy (GTK_WINDOW (window));
}

/* An alarm's row names the place and the value with the overview's label
 * and unit of its series, and follows renames. */
static void
test_overview_names (void)
{
  g_autoptr(BdTestTmpdir) data_dir = bd_test_tmpdir_new ("bd-alarms-service");
  g_autoptr(GError) error = NULL;
  g_autoptr(BdService) service = NULL;
  g_autoptr(BdAlarmEngine) engine = bd_alarm_engine_new ();
  g_autoptr(BdAlarmRule) rule = bd_test_alarm_rule_new ("temp", "Temperature", "plant/+/temperature", 28);
  BdOverviewConfig *config = bd_overview_config_new ();
  BdOverviewTileConfig *tile = bd_overview_config_add_series (config, "plant/a/temperature");
  GtkWidget *window = gtk_window_new ();
  GtkWidget *page = bd_alarms_page_new ();
  GtkWidget *row;
  const char *subtitle;

  service = bd_test_service_start (data_dir);
  tile->label = g_strdup ("Oven A");
  tile->unit = g_strdup ("°C");
  tile->decimals = 2;
  bd_service_set_overview (service, config);

  gtk_window_set_child (GTK_WINDOW (window), page);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (bd_alarm_engine_add_rule (engine, rule, &error));
  g_assert_no_error (error);
  bd_alarms_page_set_engine (BD_ALARMS_PAGE (page), engine);
  bd_alarms_page_set_service (BD_ALARMS_PAGE (page), service);

  bd_test_alarms_feed (engine, "plant/a/temperature", "29.5");
  wait_rows (page, "alarms_list", 1);
  row = row_at (page, "alarms_list", 0);
  subtitle = adw_action_row_get_subtitle (ADW_ACTION_ROW (row));
  g_assert_true (g_str_has_prefix (subtitle, "Oven A (plant/a/temperature) · 29.50 °C · "));

  g_free (tile->label);
  tile->label = g_strdup ("Oven North");
  bd_service_overview_changed (service);
  subtitle = adw_action_row_get_subtitle (ADW_ACTION_ROW (row));
  g_assert_true (g_str_has_prefix (subtitle, "Oven North (plant/a/temperature) · 29.50 °C · "));

  gtk_window_destroy (GTK_WINDOW (window));
  bd_service_stop (service);
}

int
main (int   argc,
      char *argv[])
{
  bd_test_gui_init (&argc, &argv);

  g_test_add_func ("/gui/alarms-page/page", test_page);
  g_test_add_func ("/gui/alarms-page/editor", test_editor);
  g_test_add_func ("/gui/alarms-page/overview-names", test_overview_names);

  return g_test_run ();
}
