/* test-alarm-engine.c — the alarm engine fed directly and by a real broker
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Waits are bounded main-loop iterations until a condition holds, never
 * sleeps: the engine flushes its inbox on this thread's main context.
 */

#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include "bd-alarm-engine.h"
#include "bd-operations-journal.h"
#include "bd-test-journal.h"
#include "bd-test-alarms.h"
#include "bd-test-util.h"
#include "test-client.h"

#define WAIT_MS 10000

typedef struct
{
  GListModel   *alarms;
  guint         n;
  BdAlarmState  state;
} AlarmsWait;

static gboolean
alarms_are (gpointer data)
{
  AlarmsWait *w = data;
  g_autoptr(BdAlarm) first = NULL;

  if (g_list_model_get_n_items (w->alarms) != w->n)
    return FALSE;
  if (w->n == 0)
    return TRUE;
  first = g_list_model_get_item (w->alarms, 0);
  return bd_alarm_get_state (first) == w->state;
}

static void
wait_alarms (BdAlarmEngine *engine,
             guint          n,
             BdAlarmState   state)
{
  AlarmsWait w = { bd_alarm_engine_get_alarms (engine), n, state };
  g_autofree char *what = g_strdup_printf ("%u alarm(s), the first %s", n,
                                           bd_alarm_state_to_string (state));

  bd_test_wait_until (alarms_are, &w, WAIT_MS, what);
}

static BdAlarmRule *
temperature_rule (void)
{
  BdAlarmRule *rule = bd_test_alarm_rule_new ("temp", "Temperature", "plant/+/temperature", 28);

  rule->hihi = 31;
  rule->deadband = 0.5;
  rule->priority = BD_ALARM_PRIORITY_HIGH;
  return rule;
}

static void
transition_cb (BdAlarmEngine *engine,
               BdAlarm       *alarm,
               BdAlarmState   from_state,
               BdAlarmLevel   from_level,
               gpointer       user_data)
{
  GPtrArray *log = user_data;

  g_ptr_array_add (log, g_strdup_printf ("%s %s:%s->%s:%s", bd_alarm_get_topic (alarm),
                                         bd_alarm_state_to_string (from_state),
                                         bd_alarm_level_to_string (from_level),
                                         bd_alarm_state_to_string (bd_alarm_get_state (alarm)),
                                         bd_alarm_level_to_string (bd_alarm_get_level (alarm))));
}

static void
wait_log (GPtrArray *log,
          guint      n)
{
  BD_TEST_WAIT_UNTIL (log->len >= n, WAIT_MS);
}

/* Fed directly: raise, escalate, acknowledge, return, shelve, rule changes,
 * and a payload that is not a number. */
static void
test_feed (void)
{
  g_autoptr(BdAlarmEngine) engine = bd_alarm_engine_new ();
  g_autoptr(BdAlarmRule) rule = temperature_rule ();
  g_autoptr(GPtrArray) log = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autoptr(BdAlarm) alarm = NULL;
  GListModel *alarms = bd_alarm_engine_get_alarms (engine);

  g_signal_connect (engine, "transition", G_CALLBACK (transition_cb), log);
  g_assert_true (bd_alarm_engine_add_rule (engine, rule, &error));
  g_assert_no_error (error);
  g_assert_false (bd_alarm_engine_add_rule (engine, rule, &error));
  g_assert_error (error, BD_ALARM_ERROR, BD_ALARM_ERROR_DUPLICATE_ID);
  g_clear_error (&error);

  bd_test_alarms_feed (engine, "plant/a/temperature", "20.5");
  bd_test_alarms_feed (engine, "plant/b/humidity", "99");        /* no rule */
  bd_test_alarms_feed (engine, "plant/b/temperature", "29.0 °C");
  wait_alarms (engine, 1, BD_ALARM_STATE_UNACK);
  alarm = g_list_model_get_item (alarms, 0);
  g_assert_cmpstr (bd_alarm_get_topic (alarm), ==, "plant/b/temperature");
  g_assert_cmpstr (bd_alarm_get_rule_id (alarm), ==, "temp");
  g_assert_cmpstr (bd_alarm_get_rule_name (alarm), ==, "Temperature");
  g_assert_cmpint (bd_alarm_get_level (alarm), ==, BD_ALARM_LEVEL_HI);
  g_assert_cmpint (bd_alarm_get_priority (alarm), ==, BD_ALARM_PRIORITY_HIGH);
  g_assert_cmpfloat (bd_alarm_get_value (alarm), ==, 29.0);
  g_assert_false (bd_alarm_get_acknowledged (alarm));
  g_assert_cmpint (bd_alarm_get_since (alarm), >, 0);
  g_assert_cmpuint (log->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (log, 0), ==, "plant/b/temperature normal:none->unack:hi");

  bd_alarm_engine_acknowledge (engine, alarm);
  g_assert_cmpint (bd_alarm_get_state (alarm), ==, BD_ALARM_STATE_ACKED);
  g_assert_true (bd_alarm_get_acknowledged (alarm));

  bd_test_alarms_feed (engine, "plant/b/temperature", "32");
  wait_log (log, 3);
  g_assert_cmpstr (g_ptr_array_index (log, 2), ==, "plant/b/temperature acked:hi->unack:hihi");

  /* Not a number: ignored (logged once), the alarm keeps its value. */
  g_test_expect_message ("Brokerdesk-Alarms", G_LOG_LEVEL_MESSAGE, "*plant/b/temperature*not a number*");
  bd_test_alarms_feed (engine, "plant/b/temperature", "broken");
  bd_test_alarms_feed (engine, "plant/b/temperature", "29");  /* below HiHi - deadband: steps down to Hi */
  wait_log (log, 4);
  g_test_assert_expected_messages ();
  g_assert_cmpstr (g_ptr_array_index (log, 3), ==, "plant/b/temperature unack:hihi->unack:hi");

  bd_test_alarms_feed (engine, "plant/b/temperature", "20");
  wait_alarms (engine, 1, BD_ALARM_STATE_RTN_UNACK);
  bd_alarm_engine_acknowledge_all (engine);
  g_assert_cmpuint (g_list_model_get_n_items (alarms), ==, 0);
  g_assert_cmpint (bd_alarm_get_state (alarm), ==, BD_ALARM_STATE_NORMAL);

  /* Shelve for an hour, then unshelve. */
  bd_test_alarms_feed (engine, "plant/a/temperature", "29");
  wait_alarms (engine, 1, BD_ALARM_STATE_UNACK);
  g_clear_object (&alarm);
  alarm = g_list_model_get_item (alarms, 0);
  bd_alarm_engine_shelve (engine, alarm, 3600);
  g_assert_cmpint (bd_alarm_get_state (alarm), ==, BD_ALARM_STATE_SHELVED);
  g_assert_cmpint (bd_alarm_get_shelved_until (alarm), >, g_get_real_time () + (gint64) 3500 * G_USEC_PER_SEC);
  bd_alarm_engine_unshelve (engine, alarm);
  g_assert_cmpint (bd_alarm_get_state (alarm), ==, BD_ALARM_STATE_UNACK);

  /* A changed limit takes effect on the last value at once. */
  rule->hi = 30;
  g_assert_true (bd_alarm_engine_replace_rule (engine, rule, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (alarms), ==, 0);
  rule->hi = 28.5;
  g_assert_true (bd_alarm_engine_replace_rule (engine, rule, &error));
  g_assert_cmpuint (g_list_model_get_n_items (alarms), ==, 1);

  /* An invalid rule is refused with the validation message. */
  rule->hi = 40;
  g_assert_false (bd_alarm_engine_replace_rule (engine, rule, &error));
  g_assert_error (error, BD_ALARM_ERROR, BD_ALARM_ERROR_INVALID_RULE);
  g_clear_error (&error);

  g_assert_true (bd_alarm_engine_remove_rule (engine, "temp", &error));
  g_assert_cmpuint (g_list_model_get_n_items (alarms), ==, 0);
  g_assert_false (bd_alarm_engine_remove_rule (engine, "temp", &error));
  g_assert_error (error, BD_ALARM_ERROR, BD_ALARM_ERROR_NOT_FOUND);
}

/* The headless notifier: a warning for a raise, a message otherwise. */
static void
test_log (void)
{
  g_autoptr(BdAlarmEngine) engine = bd_alarm_engine_new ();
  g_autoptr(BdAlarmRule) rule = temperature_rule ();
  g_autoptr(GPtrArray) log = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(BdAlarm) alarm = NULL;

  g_assert_true (bd_alarm_engine_add_rule (engine, rule, NULL));
  g_signal_connect (engine, "transition", G_CALLBACK (bd_alarm_log_transition), NULL);
  g_signal_connect (engine, "transition", G_CALLBACK (transition_cb), log);

  g_test_expect_message ("Brokerdesk-Alarms", G_LOG_LEVEL_WARNING,
                         "Alarm: Temperature Hi — plant/a/temperature: 29.5 (Normal → Unacknowledged)");
  bd_test_alarms_feed (engine, "plant/a/temperature", "29.5");
  wait_log (log, 1);
  g_test_assert_expected_messages ();

  alarm = g_list_model_get_item (bd_alarm_engine_get_alarms (engine), 0);
  g_test_expect_message ("Brokerdesk-Alarms", G_LOG_LEVEL_MESSAGE,
                         "Alarm: Temperature Hi — *(Unacknowledged → Acknowledged)");
  bd_alarm_engine_acknowledge (engine, alarm);
  g_test_assert_expected_messages ();
}

/* A JSON field and the stale-data timer (real time, a short stale_s). */
static void
test_json_and_stale (void)
{
  g_autoptr(BdAlarmEngine) engine = bd_alarm_engine_new ();
  g_autoptr(BdAlarmRule) rule = temperature_rule ();
  g_autoptr(GError) error = NULL;
  g_autoptr(BdAlarm) alarm = NULL;

  g_free (rule->filter);
  rule->filter = g_strdup ("plant/+/state");
  g_free (rule->field);
  rule->field = g_strdup ("temperature");
  rule->stale_s = 1.0;
  g_assert_true (bd_alarm_engine_add_rule (engine, rule, &error));

  bd_test_alarms_feed (engine, "plant/a/state", "{\"humidity\": 40, \"temperature\": 29.5}");
  wait_alarms (engine, 1, BD_ALARM_STATE_UNACK);
  alarm = g_list_model_get_item (bd_alarm_engine_get_alarms (engine), 0);
  g_assert_cmpfloat (bd_alarm_get_value (alarm), ==, 29.5);
  g_assert_cmpint (bd_alarm_get_level (alarm), ==, BD_ALARM_LEVEL_HI);

  /* No more data: STALE after 1 s, through the engine's own timer. */
  bd_alarm_engine_acknowledge (engine, alarm);
  wait_alarms (engine, 1, BD_ALARM_STATE_UNACK);
  g_assert_cmpint (bd_alarm_get_level (alarm), ==, BD_ALARM_LEVEL_STALE);
}

/* alarms.ini: load with a broken rule, save after a change. */
static void
test_rules_file (void)
{
  static const char text[] =
    "[ok]\nfilter=a/+\nhi=1\n\n[broken]\nfilter=a/b\nlo=zero\n";
  g_autoptr(BdAlarmEngine) engine = bd_alarm_engine_new ();
  g_autoptr(GError) error = NULL;
  BdTestTmpdir *dir = bd_test_tmpdir_new ("alarm-engine");
  g_autofree char *path = g_build_filename (dir, "alarms.ini", NULL);
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GPtrArray) rules = NULL;
  g_autoptr(GPtrArray) reloaded = NULL;
  GAsyncResult *result = NULL;

  /* Missing: NOENT, and the path is kept for saving defaults. */
  bd_alarm_engine_load_rules_async (engine, path, NULL, bd_test_result_cb, &result);
  bd_test_wait_result (&result, WAIT_MS, "loading");
  g_assert_false (bd_alarm_engine_load_rules_finish (engine, result, NULL, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_assert_cmpstr (bd_alarm_engine_get_rules_path (engine), ==, path);
  g_clear_error (&error);
  g_clear_object (&result);

  g_assert_true (g_file_set_contents (path, text, -1, &error));
  g_test_expect_message ("Brokerdesk-Alarms", G_LOG_LEVEL_WARNING, "*alarms.ini: rule [broken], key “lo”*");
  bd_alarm_engine_load_rules_async (engine, path, NULL, bd_test_result_cb, &result);
  bd_test_wait_result (&result, WAIT_MS, "loading");
  g_assert_true (bd_alarm_engine_load_rules_finish (engine, result, &problems, &error));
  g_test_assert_expected_messages ();
  g_assert_no_error (error);
  g_clear_object (&result);
  g_assert_cmpuint (problems->len, ==, 1);
  rules = bd_alarm_engine_dup_rules (engine);
  g_assert_cmpuint (rules->len, ==, 1);
  g_assert_cmpstr (((BdAlarmRule *) g_ptr_array_index (rules, 0))->id, ==, "ok");

  /* A change is saved (on the saver thread). */
  g_assert_true (bd_alarm_engine_remove_rule (engine, "ok", &error));
  bd_alarm_engine_set_rules (engine, bd_alarm_rules_new_demo ());
  bd_alarm_engine_save_rules_async (engine, NULL, bd_test_result_cb, &result);
  bd_test_wait_result (&result, WAIT_MS, "saving");
  g_assert_true (bd_alarm_engine_save_rules_finish (engine, result, &error));
  g_assert_no_error (error);
  g_clear_object (&result);

  reloaded = bd_alarm_rules_load_file (path, NULL, &error);
  g_assert_no_error (error);
  g_clear_pointer (&rules, g_ptr_array_unref);
  rules = bd_alarm_rules_new_demo ();
  g_assert_cmpuint (reloaded->len, ==, rules->len);
  for (guint i = 0; i < rules->len; i++)
    g_assert_true (bd_alarm_rule_equal (g_ptr_array_index (rules, i),
                                        g_ptr_array_index (reloaded, i)));

  g_clear_object (&engine);
  bd_test_tmpdir_free (dir);
}

/* End to end: a real engine, taps added by attach, mosquitto_pub over
 * loopback, the alarm in the list and every transition in the journal. */
static void
test_broker (void)
{
  g_autoptr(GError) error = NULL;
  BdTestTmpdir *dir = NULL;
  g_autofree char *journal_path = NULL;
  g_autoptr(BdEngine) broker = NULL;
  g_autoptr(BdAlarmEngine) engine = NULL;
  g_autoptr(BdAlarmRule) rule = temperature_rule ();
  g_autoptr(BdJournal) journal = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(BdAlarm) alarm = NULL;
  BdJournalEntry *e;
  guint16 port;

  BD_TEST_REQUIRE_PROGRAM ("mosquitto_pub");

  dir = bd_test_tmpdir_new ("alarm-engine");
  journal_path = g_build_filename (dir, "journal.db", NULL);
  journal = bd_journal_new (journal_path);

  engine = bd_alarm_engine_new ();
  /* As the service wires them. */
  bd_operations_journal_follow_alarms (journal, engine);
  g_assert_true (bd_alarm_engine_add_rule (engine, rule, &error));

  /* Taps before start: in place for the very first PUBLISH. */
  broker = test_engine_new ("sys_interval 0");
  bd_alarm_engine_attach (engine, broker);
  g_assert_true (bd_engine_start (broker, &error));
  g_assert_no_error (error);
  port = bd_engine_get_port (broker, 0);

  bd_test_mosquitto_pub_message (port, "plant/hall/temperature", "31.5", FALSE);
  wait_alarms (engine, 1, BD_ALARM_STATE_UNACK);
  alarm = g_list_model_get_item (bd_alarm_engine_get_alarms (engine), 0);
  g_assert_cmpstr (bd_alarm_get_topic (alarm), ==, "plant/hall/temperature");
  g_assert_cmpint (bd_alarm_get_level (alarm), ==, BD_ALARM_LEVEL_HIHI);
  g_assert_cmpfloat (bd_alarm_get_value (alarm), ==, 31.5);

  bd_test_mosquitto_pub_message (port, "plant/hall/temperature", "21", FALSE);
  wait_alarms (engine, 1, BD_ALARM_STATE_RTN_UNACK);
  bd_alarm_engine_acknowledge (engine, alarm);
  g_assert_cmpuint (g_list_model_get_n_items (bd_alarm_engine_get_alarms (engine)), ==, 0);

  entries = bd_test_journal_entries (journal, BD_JOURNAL_KIND_ALARM);
  g_assert_cmpuint (entries->len, ==, 3);
  /* Newest first. */
  e = g_ptr_array_index (entries, 0);
  g_assert_cmpstr (e->from_state, ==, "rtn-unack");
  g_assert_cmpstr (e->to_state, ==, "normal");
  e = g_ptr_array_index (entries, 1);
  g_assert_cmpstr (e->from_state, ==, "unack");
  g_assert_cmpstr (e->to_state, ==, "rtn-unack");
  g_assert_cmpfloat (e->value, ==, 21);
  e = g_ptr_array_index (entries, 2);
  g_assert_cmpstr (e->kind, ==, "alarm");
  g_assert_cmpstr (e->source_id, ==, "temp");
  g_assert_cmpstr (e->topic, ==, "plant/hall/temperature");
  g_assert_cmpstr (e->level, ==, "hihi");
  g_assert_cmpstr (e->from_state, ==, "normal");
  g_assert_cmpstr (e->to_state, ==, "unack");
  g_assert_cmpfloat (e->value, ==, 31.5);
  g_assert_nonnull (strstr (e->text, "Temperature"));

  bd_alarm_engine_detach (engine);
  bd_engine_stop (broker);
  g_clear_object (&engine);
  g_clear_pointer (&journal, bd_journal_unref);
  bd_test_tmpdir_free (dir);
}

/* Which rule's limits a chart of a series shows: the first enabled rule
 * with a limit watching that field of that topic. */
static void
test_rule_for (void)
{
  g_autoptr(BdAlarmEngine) engine = bd_alarm_engine_new ();
  g_autoptr(BdAlarmRule) temperature = temperature_rule ();
  g_autoptr(BdAlarmRule) stale_only = bd_alarm_rule_new ("stale");
  g_autoptr(BdAlarmRule) json = bd_alarm_rule_new ("json");
  g_autoptr(BdAlarmRule) found = NULL;
  g_autoptr(GError) error = NULL;

  g_free (stale_only->filter);
  stale_only->filter = g_strdup ("plant/#");
  stale_only->stale_s = 10;
  g_free (json->filter);
  json->filter = g_strdup ("plant/a/state");
  g_free (json->field);
  json->field = g_strdup ("speed");
  json->lo = 5;
  g_assert_true (bd_alarm_engine_add_rule (engine, stale_only, &error));
  g_assert_true (bd_alarm_engine_add_rule (engine, temperature, &error));
  g_assert_true (bd_alarm_engine_add_rule (engine, json, &error));
  g_assert_no_error (error);

  /* A stale-data rule has no limits to draw: the next one is taken. */
  found = bd_alarm_engine_dup_rule_for (engine, "plant/a/temperature", NULL);
  g_assert_nonnull (found);
  g_assert_cmpstr (found->id, ==, "temp");
  g_clear_pointer (&found, bd_alarm_rule_free);
  found = bd_alarm_engine_dup_rule_for (engine, "plant/a/state", "speed");
  g_assert_cmpstr (found != NULL ? found->id : NULL, ==, "json");
  g_clear_pointer (&found, bd_alarm_rule_free);
  g_assert_null (bd_alarm_engine_dup_rule_for (engine, "plant/a/state", NULL));
  g_assert_null (bd_alarm_engine_dup_rule_for (engine, "plant/a/state", "other"));
  g_assert_null (bd_alarm_engine_dup_rule_for (engine, "other/a/temperature", ""));

  /* A disabled rule is not one. */
  temperature->enabled = FALSE;
  g_assert_true (bd_alarm_engine_replace_rule (engine, temperature, &error));
  g_assert_no_error (error);
  g_assert_null (bd_alarm_engine_dup_rule_for (engine, "plant/a/temperature", ""));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/alarms/engine/feed", test_feed);
  g_test_add_func ("/alarms/engine/log", test_log);
  g_test_add_func ("/alarms/engine/json-and-stale", test_json_and_stale);
  g_test_add_func ("/alarms/engine/rules-file", test_rules_file);
  g_test_add_func ("/alarms/engine/broker", test_broker);
  g_test_add_func ("/alarms/engine/rule-for", test_rule_for);

  return g_test_run ();
}
