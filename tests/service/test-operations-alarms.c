/* test-operations-alarms.c — a command its device does not confirm raises an alarm
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The relay controller and the alarm engine as the service wires them, on a
 * real in-process engine: a relay whose device never answers and a setpoint
 * whose device reports another value each raise an operations alarm; a later
 * command the device confirms returns it.
 */

#include "config.h"

#include <string.h>

#include "bd-operations-alarms.h"
#include "bd-test-alarms.h"
#include "bd-test-util.h"
#include "test-client.h"

typedef struct
{
  BdEngine          *engine;
  BdAlarmEngine     *alarms;
  BdRelayController *relays;
  guint              raises;
} Fixture;

static void
on_transition_cb (BdAlarmEngine *alarms,
                  BdAlarm       *alarm,
                  BdAlarmState   from_state,
                  BdAlarmLevel   from_level,
                  Fixture       *fixture)
{
  if (bd_alarm_transition_is_raise (from_state, from_level, bd_alarm_get_state (alarm),
                                    bd_alarm_get_level (alarm)))
    fixture->raises++;
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->engine = test_engine_start ("sys_interval 0");
  fixture->alarms = bd_alarm_engine_new ();
  bd_alarm_engine_attach (fixture->alarms, fixture->engine);
  g_signal_connect (fixture->alarms, "transition", G_CALLBACK (on_transition_cb), fixture);
  fixture->relays = bd_relay_controller_new ();
  bd_relay_controller_attach (fixture->relays, fixture->engine);
  bd_operations_alarms_follow_relays (fixture->alarms, fixture->relays);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  bd_relay_controller_detach (fixture->relays);
  bd_alarm_engine_detach (fixture->alarms);
  g_clear_object (&fixture->relays);
  g_clear_object (&fixture->alarms);
  bd_engine_stop (fixture->engine);
  g_clear_pointer (&fixture->engine, bd_engine_unref);
}

typedef struct
{
  BdAlarmEngine *alarms;
  const char    *rule_id;
  BdAlarmState   state;
} AlarmWait;

static gboolean
alarm_in_state (gpointer data)
{
  AlarmWait *wait = data;
  BdAlarm *alarm = bd_test_find_alarm (wait->alarms, wait->rule_id, NULL);

  return alarm != NULL && bd_alarm_get_state (alarm) == wait->state;
}

static gboolean
relay_not_pending (gpointer data)
{
  return !bd_relay_get_pending (data);
}

static gboolean
setpoint_not_pending (gpointer data)
{
  return !bd_setpoint_get_pending (data);
}

/* No device answers: the timeout raises the alarm, once; a later command
 * the device confirms returns it. */
static void
test_relay_timeout (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(BdRelay) relay = bd_relay_new ("pump", "Pump", "test/pump/set", "test/pump/state");
  AlarmWait wait = { fixture->alarms, "command:relay:pump", BD_ALARM_STATE_UNACK };
  BdAlarm *alarm;
  g_autofree char *described = NULL;

  bd_relay_set_timeout (relay, 300);
  g_assert_true (bd_relay_controller_add (fixture->relays, relay, NULL));
  g_assert_true (bd_relay_controller_set (fixture->relays, relay, TRUE, NULL));
  g_assert_null (bd_test_find_alarm (fixture->alarms, wait.rule_id, NULL));
  bd_test_wait_until (alarm_in_state, &wait, 5000, "the command alarm raised");

  alarm = bd_test_find_alarm (fixture->alarms, wait.rule_id, NULL);
  g_assert_cmpint (bd_alarm_get_priority (alarm), ==, BD_ALARM_PRIORITY_HIGH);
  g_assert_cmpstr (bd_alarm_get_topic (alarm), ==, "test/pump/set");
  described = bd_alarm_describe (alarm);
  g_assert_nonnull (strstr (described, "Pump"));
  g_assert_cmpuint (fixture->raises, ==, 1);
  /* Not a rule of alarms.ini: nothing to edit, nothing saved. */
  g_assert_null (bd_alarm_engine_dup_rule (fixture->alarms, wait.rule_id));

  /* A second unanswered command: the alarm is active already. */
  g_assert_true (bd_relay_controller_set (fixture->relays, relay, TRUE, NULL));
  bd_test_wait_until (relay_not_pending, relay, 5000, "the second command over");
  g_assert_cmpuint (fixture->raises, ==, 1);

  /* Now the device answers the next command. */
  g_assert_true (bd_relay_controller_set (fixture->relays, relay, TRUE, NULL));
  test_engine_publish_text (fixture->engine, "test/pump/state", "ON", TRUE);
  wait.state = BD_ALARM_STATE_RTN_UNACK;
  bd_test_wait_until (alarm_in_state, &wait, 5000, "the command alarm returned");
  g_assert_cmpint (bd_relay_get_state (relay), ==, BD_RELAY_STATE_ON);

  bd_alarm_engine_acknowledge (fixture->alarms,
                               bd_test_find_alarm (fixture->alarms, wait.rule_id, NULL));
  g_assert_null (bd_test_find_alarm (fixture->alarms, wait.rule_id, NULL));
}

/* A contradicting report raises it as well; acknowledged while active, a
 * confirmation clears it from the list at once. Changing the rules of
 * alarms.ini leaves it be. */
static void
test_setpoint_contradicted (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(BdSetpoint) valve = bd_setpoint_new ("valve", "Valve", "test/valve/set",
                                                 "test/valve/state");
  AlarmWait wait = { fixture->alarms, "command:setpoint:valve", BD_ALARM_STATE_UNACK };
  g_autoptr(GPtrArray) no_rules = g_ptr_array_new ();

  g_assert_true (bd_relay_controller_add_setpoint (fixture->relays, valve, NULL));
  test_engine_publish_text (fixture->engine, "test/valve/state", "10", TRUE);
  BD_TEST_WAIT_UNTIL (bd_setpoint_get_value (valve) == 10, 5000);

  g_assert_true (bd_relay_controller_set_value (fixture->relays, valve, 40,
                                                BD_RELAY_SOURCE_OPERATOR, NULL));
  test_engine_publish_text (fixture->engine, "test/valve/state", "75", TRUE);
  bd_test_wait_until (alarm_in_state, &wait, 5000, "the command alarm raised");
  g_assert_cmpstr (bd_alarm_get_topic (bd_test_find_alarm (fixture->alarms, wait.rule_id, NULL)), ==,
                   "test/valve/set");

  bd_alarm_engine_set_rules (fixture->alarms, no_rules);
  g_assert_true (alarm_in_state (&wait));
  g_assert_cmpuint (fixture->raises, ==, 1);

  bd_alarm_engine_acknowledge (fixture->alarms,
                               bd_test_find_alarm (fixture->alarms, wait.rule_id, NULL));
  wait.state = BD_ALARM_STATE_ACKED;
  g_assert_true (alarm_in_state (&wait));

  g_assert_true (bd_relay_controller_set_value (fixture->relays, valve, 50,
                                                BD_RELAY_SOURCE_OPERATOR, NULL));
  test_engine_publish_text (fixture->engine, "test/valve/state", "50", TRUE);
  bd_test_wait_until (setpoint_not_pending, valve, 5000, "the command confirmed");
  g_assert_null (bd_setpoint_get_last_error (valve));
  g_assert_null (bd_test_find_alarm (fixture->alarms, wait.rule_id, NULL));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/service/operations-alarms/relay-timeout", Fixture, NULL,
              fixture_set_up, test_relay_timeout, fixture_tear_down);
  g_test_add ("/service/operations-alarms/setpoint-contradicted", Fixture, NULL,
              fixture_set_up, test_setpoint_contradicted, fixture_tear_down);
  return g_test_run ();
}
