/* test-automations.c — automations and interlocks against a real engine
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The whole chain: mosquitto_pub publishes a temperature into a real engine,
 * the alarm engine raises or clears, the automation engine acts through the
 * relay controller, whose command the engine routes. Devices' states are
 * published retained by mosquitto_pub as well.
 */

#include "config.h"

#include <math.h>
#include <string.h>

#include "bd-automation-engine.h"
#include "bd-test-alarms.h"
#include "bd-test-journal.h"
#include "bd-test-relays.h"
#include "bd-test-util.h"
#include "test-client.h"

typedef struct
{
  BdEngine           *engine;
  guint16             port;
  BdAlarmEngine      *alarms;
  BdRelayController  *relays;
  BdAutomationEngine *automations;
  BdTestTmpdir       *dir;
  BdJournal          *journal;
  BdRelay            *fan;
  BdRelay            *heater;
  GPtrArray          *acted;      /* "id outcome" */
  GPtrArray          *texts;      /* the texts of the same */
  guint               sent;       /* relay commands sent */
  BdRelaySource       last_source;
} Fixture;

static void
acted_cb (BdAutomationEngine *automations,
          const char         *id,
          const char         *outcome,
          const char         *text,
          Fixture            *fixture)
{
  g_ptr_array_add (fixture->acted, g_strdup_printf ("%s %s", id, outcome));
  g_ptr_array_add (fixture->texts, g_strdup (text));
}

static void
logged_cb (BdRelayController *relays,
           BdRelayLogEntry   *entry,
           Fixture           *fixture)
{
  if (bd_relay_log_entry_get_outcome (entry) == BD_RELAY_OUTCOME_SENT)
    fixture->sent++;
  fixture->last_source = bd_relay_log_entry_get_source (entry);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GPtrArray) rules = g_ptr_array_new_with_free_func ((GDestroyNotify) bd_alarm_rule_free);
  BdAlarmRule *rule = bd_test_alarm_rule_new ("temp", "Temperature", "plant/+/temperature", 28);
  g_autofree char *journal_path = NULL;

  fixture->engine = test_engine_start ("sys_interval 0");
  fixture->port = bd_engine_get_port (fixture->engine, 0);
  fixture->dir = bd_test_tmpdir_new ("automations");
  journal_path = g_build_filename (fixture->dir, "journal.db", NULL);
  fixture->journal = bd_journal_new (journal_path);
  fixture->acted = g_ptr_array_new_with_free_func (g_free);
  fixture->texts = g_ptr_array_new_with_free_func (g_free);

  rule->hihi = 31;
  rule->deadband = 0.5;
  g_ptr_array_add (rules, rule);
  fixture->alarms = bd_alarm_engine_new ();
  bd_alarm_engine_set_rules (fixture->alarms, rules);
  bd_alarm_engine_attach (fixture->alarms, fixture->engine);

  fixture->relays = bd_relay_controller_new ();
  g_signal_connect (fixture->relays, "command-logged", G_CALLBACK (logged_cb), fixture);
  bd_relay_controller_attach (fixture->relays, fixture->engine);
  fixture->fan = bd_relay_new ("fan", "Fan", "plant/a/fan/set", "plant/a/fan/state");
  fixture->heater = bd_relay_new ("heater", "Heater", "plant/a/heater/set", "plant/a/heater/state");
  g_assert_true (bd_relay_controller_add (fixture->relays, fixture->fan, NULL));
  g_assert_true (bd_relay_controller_add (fixture->relays, fixture->heater, NULL));

  fixture->automations = bd_automation_engine_new (fixture->alarms, fixture->relays);
  bd_automation_engine_set_journal (fixture->automations, fixture->journal);
  bd_automation_engine_attach (fixture->automations, fixture->engine);
  g_signal_connect (fixture->automations, "acted", G_CALLBACK (acted_cb), fixture);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  bd_automation_engine_detach (fixture->automations);
  bd_relay_controller_detach (fixture->relays);
  bd_alarm_engine_detach (fixture->alarms);
  bd_engine_stop (fixture->engine);
  g_clear_object (&fixture->automations);
  g_clear_object (&fixture->relays);
  g_clear_object (&fixture->alarms);
  g_clear_object (&fixture->fan);
  g_clear_object (&fixture->heater);
  g_clear_pointer (&fixture->journal, bd_journal_unref);
  g_clear_pointer (&fixture->engine, bd_engine_unref);
  g_clear_pointer (&fixture->dir, bd_test_tmpdir_free);
  g_ptr_array_unref (fixture->acted);
  g_ptr_array_unref (fixture->texts);
}

/* mosquitto_pub, to completion: a sensor or a device, retained. */
static void
pub (Fixture    *fixture,
     const char *topic,
     const char *text)
{
  bd_test_mosquitto_pub_message (fixture->port, topic, text, TRUE);
}

typedef struct
{
  Fixture *fixture;
  double   value;
} AlarmValue;

static gboolean
alarm_has_value (gpointer data)
{
  AlarmValue *wanted = data;
  GListModel *alarms = bd_alarm_engine_get_alarms (wanted->fixture->alarms);

  for (guint i = 0; i < g_list_model_get_n_items (alarms); i++)
    {
      g_autoptr(BdAlarm) alarm = g_list_model_get_item (alarms, i);

      if (bd_alarm_get_value (alarm) == wanted->value)
        return TRUE;
    }
  return FALSE;
}

/* Publishes a temperature and waits until the alarm engine has applied it
 * (its alarm shows the value), so what follows from it has happened. */
static void
temperature (Fixture *fixture,
             double   value)
{
  char text[G_ASCII_DTOSTR_BUF_SIZE];
  AlarmValue wanted = { fixture, value };

  g_ascii_formatd (text, sizeof text, "%g", value);
  pub (fixture, "plant/a/temperature", text);
  bd_test_wait_until (alarm_has_value, &wanted, 5000, "the alarm engine applied the value");
}

static gboolean
no_alarms (gpointer data)
{
  Fixture *fixture = data;

  return g_list_model_get_n_items (bd_alarm_engine_get_alarms (fixture->alarms)) == 0;
}

/* A return to normal: the alarm leaves the list once acknowledged. */
static void
cool_down (Fixture *fixture)
{
  temperature (fixture, 20);
  bd_alarm_engine_acknowledge_all (fixture->alarms);
  bd_test_wait_until (no_alarms, fixture, 5000, "no alarms");
}

static void
wait_acted (Fixture *fixture,
            guint    n)
{
  BD_TEST_WAIT_UNTIL (fixture->acted->len >= n, 5000);
}

static BdAutomation *
fan_on_when_hot (void)
{
  BdAutomation *automation = bd_automation_new ("fan-on");

  automation->name = g_strdup ("Fan on when hot");
  automation->alarm_rule = g_strdup ("temp");
  automation->level = BD_ALARM_LEVEL_HI;
  automation->target = g_strdup ("fan");
  automation->on = TRUE;
  return automation;
}

static void
set_one (Fixture      *fixture,
         BdAutomation *automation)
{
  g_autoptr(GPtrArray) automations = g_ptr_array_new_with_free_func ((GDestroyNotify) bd_automation_free);

  g_ptr_array_add (automations, automation);
  bd_automation_engine_set_automations (fixture->automations, automations);
}

/* ----------------------------------------------------------------- tests */

/* Many messages above the limit, and an escalation to HiHi, are one raise. */
static void
test_once_per_transition (Fixture       *fixture,
                          gconstpointer  data)
{
  BD_TEST_REQUIRE_PROGRAM ("mosquitto_pub");
  set_one (fixture, fan_on_when_hot ());

  temperature (fixture, 29);
  wait_acted (fixture, 1);
  temperature (fixture, 29.5);
  temperature (fixture, 30);
  temperature (fixture, 32);   /* HiHi: still "at least Hi" */
  g_assert_cmpuint (fixture->acted->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (fixture->acted, 0), ==, "fan-on acted");
  g_assert_cmpuint (fixture->sent, ==, 1);
  g_assert_cmpint (fixture->last_source, ==, BD_RELAY_SOURCE_AUTOMATION);
  g_assert_cmpint (bd_relay_get_target (fixture->fan), ==, BD_RELAY_STATE_ON);

  /* The device confirms: the outcome is the automation's too. */
  pub (fixture, "plant/a/fan/state", "ON");
  bd_test_wait_until (bd_test_relay_is_on, fixture->fan, 5000, "the fan on");
  BD_TEST_WAIT_UNTIL (!bd_relay_get_pending (fixture->fan), 5000);
  g_assert_cmpint (fixture->last_source, ==, BD_RELAY_SOURCE_AUTOMATION);

  /* Back to normal and up again: a new transition, a new action. */
  cool_down (fixture);
  temperature (fixture, 29);
  wait_acted (fixture, 2);
  g_assert_cmpuint (fixture->sent, ==, 2);
}

typedef struct
{
  gboolean fired;
} Flag;

static gboolean
flag_cb (gpointer data)
{
  ((Flag *) data)->fired = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
flag_fired (gpointer data)
{
  return ((Flag *) data)->fired;
}

/* The action waits for its delay; a raise that returns first does nothing. */
static void
test_delay (Fixture       *fixture,
            gconstpointer  data)
{
  BdAutomation *automation = fan_on_when_hot ();
  gint64 start;
  Flag flag = { 0 };

  BD_TEST_REQUIRE_PROGRAM ("mosquitto_pub");
  automation->delay_ms = 400;
  set_one (fixture, automation);

  start = g_get_monotonic_time ();
  temperature (fixture, 29);
  g_assert_cmpuint (fixture->acted->len, ==, 0);
  wait_acted (fixture, 1);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 400 * 1000);
  g_assert_cmpuint (fixture->sent, ==, 1);

  /* Raised and returned within the delay: dropped. Nothing can be awaited
   * for "nothing happened", so wait out twice the delay. */
  cool_down (fixture);
  temperature (fixture, 29);
  cool_down (fixture);
  g_timeout_add (800, flag_cb, &flag);
  bd_test_wait_until (flag_fired, &flag, 5000, "twice the delay");
  g_assert_cmpuint (fixture->acted->len, ==, 1);
  g_assert_cmpuint (fixture->sent, ==, 1);
}

/* Only while the condition holds: here, while the heater runs. */
static void
test_condition (Fixture       *fixture,
                gconstpointer  data)
{
  BdAutomation *automation = fan_on_when_hot ();

  BD_TEST_REQUIRE_PROGRAM ("mosquitto_pub");
  automation->condition.relay = g_strdup ("heater");
  automation->condition.relay_on = TRUE;
  set_one (fixture, automation);
  pub (fixture, "plant/a/heater/state", "OFF");
  bd_test_wait_until (bd_test_relay_is_off, fixture->heater, 5000, "the heater off");

  temperature (fixture, 29);
  wait_acted (fixture, 1);
  g_assert_cmpstr (g_ptr_array_index (fixture->acted, 0), ==, "fan-on skipped");
  g_assert_nonnull (strstr (g_ptr_array_index (fixture->texts, 0), "heater is on"));
  g_assert_cmpuint (fixture->sent, ==, 0);

  cool_down (fixture);
  pub (fixture, "plant/a/heater/state", "ON");
  bd_test_wait_until (bd_test_relay_is_on, fixture->heater, 5000, "the heater on");
  temperature (fixture, 29);
  wait_acted (fixture, 2);
  g_assert_cmpstr (g_ptr_array_index (fixture->acted, 1), ==, "fan-on acted");
  g_assert_cmpuint (fixture->sent, ==, 1);
}

/* A topic's value and a time window as conditions. */
static void
test_condition_value_and_time (Fixture       *fixture,
                               gconstpointer  data)
{
  BdAutomation *automation = fan_on_when_hot ();
  g_autoptr(BdAutomation) kept = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  int minute = g_date_time_get_hour (now) * 60 + g_date_time_get_minute (now);
  BdCondition window;

  BD_TEST_REQUIRE_PROGRAM ("mosquitto_pub");
  automation->condition.topic = g_strdup ("plant/a/humidity");
  automation->condition.above = 50;
  kept = bd_automation_copy (automation);
  set_one (fixture, automation);

  /* Unknown is not above anything. */
  temperature (fixture, 29);
  wait_acted (fixture, 1);
  g_assert_cmpstr (g_ptr_array_index (fixture->acted, 0), ==, "fan-on skipped");
  cool_down (fixture);
  pub (fixture, "plant/a/humidity", "61.5");
  BD_TEST_WAIT_UNTIL (bd_automation_engine_condition_holds (fixture->automations,
                                                            &kept->condition), 5000);
  temperature (fixture, 29);
  wait_acted (fixture, 2);
  g_assert_cmpstr (g_ptr_array_index (fixture->acted, 1), ==, "fan-on acted");

  /* A window around now holds, one that ended a minute ago does not (and
   * one that wraps past midnight is read as such). */
  bd_condition_init (&window);
  window.from_minute = (minute + 24 * 60 - 1) % (24 * 60);
  window.to_minute = (minute + 2) % (24 * 60);
  g_assert_true (bd_automation_engine_condition_holds (fixture->automations, &window));
  window.from_minute = (minute + 2) % (24 * 60);
  window.to_minute = (minute + 24 * 60 - 1) % (24 * 60);
  g_assert_false (bd_automation_engine_condition_holds (fixture->automations, &window));
}

/* Ask: nothing happens until the operator confirms; a dismissal does
 * nothing either. Everything is in the journal. */
static void
test_ask (Fixture       *fixture,
          gconstpointer  data)
{
  BdAutomation *automation = fan_on_when_hot ();
  GListModel *proposals = bd_automation_engine_get_proposals (fixture->automations);
  g_autoptr(BdAutomationProposal) proposal = NULL;

  BD_TEST_REQUIRE_PROGRAM ("mosquitto_pub");
  automation->mode = BD_AUTOMATION_MODE_ASK;
  set_one (fixture, automation);

  temperature (fixture, 29);
  BD_TEST_WAIT_UNTIL (g_list_model_get_n_items (proposals) == 1, 5000);
  g_assert_cmpuint (fixture->sent, ==, 0);
  proposal = g_list_model_get_item (proposals, 0);
  g_assert_cmpstr (bd_automation_proposal_get_action (proposal), ==, "Switch Fan on");
  g_assert_cmpstr (bd_automation_proposal_get_alarm_topic (proposal), ==, "plant/a/temperature");
  g_assert_true (bd_automation_engine_confirm (fixture->automations, proposal, NULL));
  g_assert_cmpuint (g_list_model_get_n_items (proposals), ==, 0);
  g_assert_cmpuint (fixture->sent, ==, 1);
  /* A second confirmation (the window and the notification) does nothing. */
  g_assert_true (bd_automation_engine_confirm (fixture->automations, proposal, NULL));
  g_assert_cmpuint (fixture->sent, ==, 1);
  g_clear_object (&proposal);

  cool_down (fixture);
  temperature (fixture, 29);
  BD_TEST_WAIT_UNTIL (g_list_model_get_n_items (proposals) == 1, 5000);
  proposal = g_list_model_get_item (proposals, 0);
  bd_automation_engine_dismiss (fixture->automations, proposal);
  g_assert_cmpuint (g_list_model_get_n_items (proposals), ==, 0);
  g_assert_cmpuint (fixture->sent, ==, 1);

  g_assert_cmpuint (fixture->acted->len, ==, 4);
  g_assert_cmpstr (g_ptr_array_index (fixture->acted, 0), ==, "fan-on proposed");
  g_assert_cmpstr (g_ptr_array_index (fixture->acted, 1), ==, "fan-on confirmed");
  g_assert_cmpstr (g_ptr_array_index (fixture->acted, 2), ==, "fan-on proposed");
  g_assert_cmpstr (g_ptr_array_index (fixture->acted, 3), ==, "fan-on dismissed");

  {
    g_autoptr(GPtrArray) entries = bd_test_journal_entries (fixture->journal,
                                                            BD_JOURNAL_KIND_AUTOMATION);
    static const char * const outcomes[] = { "dismissed", "proposed", "confirmed", "proposed" };

    g_assert_cmpuint (entries->len, ==, 4);
    for (guint i = 0; i < 4; i++)
      {
        BdJournalEntry *entry = g_ptr_array_index (entries, i);

        g_assert_cmpstr (entry->to_state, ==, outcomes[i]);
        g_assert_cmpstr (entry->source_id, ==, "fan-on");
        g_assert_cmpstr (entry->from_state, ==, "raised");
        g_assert_cmpstr (entry->topic, ==, "plant/a/temperature");
      }
  }
}

/* The heater cannot be switched on while the fan is off. */
static void
heater_needs_fan (Fixture *fixture)
{
  g_autoptr(GPtrArray) interlocks = g_ptr_array_new_with_free_func ((GDestroyNotify) bd_interlock_free);
  BdInterlock *interlock = bd_interlock_new ("heater-needs-fan");

  interlock->name = g_strdup ("Heater needs the fan");
  interlock->target = g_strdup ("heater");
  interlock->blocks = BD_INTERLOCK_BLOCKS_ON;
  interlock->condition.relay = g_strdup ("fan");
  interlock->condition.relay_on = FALSE;
  g_ptr_array_add (interlocks, interlock);
  bd_automation_engine_set_interlocks (fixture->automations, interlocks);
}

/* The heater cannot be switched on while the fan is off, whoever asks; the
 * refusal names the interlock. */
static void
test_interlock (Fixture       *fixture,
                gconstpointer  data)
{
  BdAutomation *automation = fan_on_when_hot ();
  g_autoptr(GError) error = NULL;

  BD_TEST_REQUIRE_PROGRAM ("mosquitto_pub");
  heater_needs_fan (fixture);
  g_free (automation->target);
  automation->target = g_strdup ("heater");
  set_one (fixture, automation);
  pub (fixture, "plant/a/fan/state", "OFF");
  bd_test_wait_until (bd_test_relay_is_off, fixture->fan, 5000, "the fan off");

  /* An operator. */
  g_assert_false (bd_relay_controller_set (fixture->relays, fixture->heater, TRUE, &error));
  g_assert_error (error, BD_RELAY_ERROR, BD_RELAY_ERROR_BLOCKED);
  g_assert_nonnull (strstr (error->message, "“Heater needs the fan”"));
  g_assert_nonnull (strstr (error->message, "fan is off"));
  g_clear_error (&error);
  /* The publish panel. */
  g_assert_false (bd_relay_controller_check_publish (fixture->relays, "plant/a/heater/set",
                                                     (const guint8 *) "ON", 2, &error));
  g_assert_nonnull (strstr (error->message, "“Heater needs the fan”"));
  g_clear_error (&error);
  /* An automation. */
  temperature (fixture, 29);
  wait_acted (fixture, 1);
  g_assert_cmpstr (g_ptr_array_index (fixture->acted, 0), ==, "fan-on blocked");
  g_assert_nonnull (strstr (g_ptr_array_index (fixture->texts, 0), "“Heater needs the fan”"));
  g_assert_cmpuint (fixture->sent, ==, 0);
  /* Switching off is not blocked. */
  g_assert_true (bd_relay_controller_set (fixture->relays, fixture->heater, FALSE, NULL));
  g_assert_cmpuint (fixture->sent, ==, 1);

  /* With the fan running, the heater may go on. */
  pub (fixture, "plant/a/fan/state", "ON");
  bd_test_wait_until (bd_test_relay_is_on, fixture->fan, 5000, "the fan on");
  g_assert_true (bd_relay_controller_set (fixture->relays, fixture->heater, TRUE, NULL));
  g_assert_cmpuint (fixture->sent, ==, 2);
}

typedef struct
{
  Fixture  *fixture;
  guint     calls;
  gboolean  allowed;
  GError   *error;
} AtOnce;

/* In the very dispatch that applies the fan's new state: the heater's
 * command is judged by that state, not by the interlocks' judgement of the
 * state before. */
static void
fan_changed_cb (BdRelay    *fan,
                GParamSpec *pspec,
                AtOnce     *at_once)
{
  g_clear_error (&at_once->error);
  at_once->allowed = bd_relay_controller_set (at_once->fixture->relays, at_once->fixture->heater,
                                              TRUE, &at_once->error);
  at_once->calls++;
}

static gboolean
calls_at_least (gpointer data)
{
  return ((AtOnce *) data)->calls >= 1;
}

static void
test_interlock_follows_relay_at_once (Fixture       *fixture,
                                      gconstpointer  data)
{
  AtOnce at_once = { fixture };

  BD_TEST_REQUIRE_PROGRAM ("mosquitto_pub");
  heater_needs_fan (fixture);
  pub (fixture, "plant/a/fan/state", "OFF");
  bd_test_wait_until (bd_test_relay_is_off, fixture->fan, 5000, "the fan off");

  g_signal_connect (fixture->fan, "notify::state", G_CALLBACK (fan_changed_cb), &at_once);
  pub (fixture, "plant/a/fan/state", "ON");
  bd_test_wait_until (calls_at_least, &at_once, 5000, "the fan's new state");
  g_assert_no_error (at_once.error);
  g_assert_true (at_once.allowed);

  at_once.calls = 0;
  pub (fixture, "plant/a/fan/state", "OFF");
  bd_test_wait_until (calls_at_least, &at_once, 5000, "the fan's new state");
  g_assert_false (at_once.allowed);
  g_assert_error (at_once.error, BD_RELAY_ERROR, BD_RELAY_ERROR_BLOCKED);
  g_assert_nonnull (strstr (at_once.error->message, "“Heater needs the fan”"));
  g_signal_handlers_disconnect_by_data (fixture->fan, &at_once);
  g_clear_error (&at_once.error);
}

/* What the main thread saw while an alarm transition was evaluated. */
typedef struct
{
  Fixture   *fixture;
  gboolean   blocked;
  gboolean   probe_journaled;
  gboolean   fan_acted_journaled;
  guint      sent;
  guint      acted;
} Blocked;

static gboolean
probe_journaled (gpointer data)
{
  Blocked *blocked = data;
  g_autoptr(GPtrArray) entries = bd_test_journal_entries (blocked->fixture->journal,
                                                          BD_JOURNAL_KIND_AUTOMATION);

  blocked->fan_acted_journaled = bd_test_journal_has (entries, "fan-on", "acted", NULL);
  return bd_test_journal_has (entries, "probe", "skipped", NULL);
}

/* Connected after the automation engine, so the transition has been handed
 * over: the main thread now stays in this dispatch, its context unserved,
 * and waits on a context of its own for the automations thread's verdict. */
static void
block_main_cb (BdAlarmEngine *alarms,
               BdAlarm       *alarm,
               BdAlarmState   from_state,
               BdAlarmLevel   from_level,
               Blocked       *blocked)
{
  g_autoptr(GMainContext) own = g_main_context_new ();

  if (blocked->blocked)
    return;
  blocked->blocked = TRUE;
  g_assert_true (g_main_context_is_owner (g_main_context_default ()));
  g_main_context_push_thread_default (own);
  bd_test_wait_until (probe_journaled, blocked, 5000, "the transition evaluated off the main thread");
  blocked->probe_journaled = TRUE;
  blocked->sent = blocked->fixture->sent;
  blocked->acted = blocked->fixture->acted->len;
  g_main_context_pop_thread_default (own);
}

/* Rules are evaluated on the automations thread: while the main context is
 * blocked, a condition's value is taken in, and an alarm transition is
 * matched, its condition judged and its action decided; once the main
 * context runs again, the relay is switched through the real engine, with
 * nothing left to evaluate there (debug builds also assert the thread at
 * every evaluation). */
static void
test_off_main_thread (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(GPtrArray) automations = g_ptr_array_new_with_free_func ((GDestroyNotify) bd_automation_free);
  BdAutomation *fan_on = fan_on_when_hot ();
  BdAutomation *probe = fan_on_when_hot ();
  g_autoptr(BdAutomation) kept = NULL;
  g_autoptr(TestClient) device = NULL;
  g_autofree char *command = NULL;
  Blocked blocked = { fixture };

  BD_TEST_REQUIRE_PROGRAM ("mosquitto_pub");
  fan_on->condition.topic = g_strdup ("plant/a/humidity");
  fan_on->condition.above = 50;
  kept = bd_automation_copy (fan_on);
  /* Evaluated after fan-on for the same transition, and journaled by the
   * automations thread itself: skipped, the fan is not on. */
  g_free (probe->id);
  probe->id = g_strdup ("probe");
  g_free (probe->target);
  probe->target = g_strdup ("heater");
  probe->condition.relay = g_strdup ("fan");
  probe->condition.relay_on = TRUE;
  g_ptr_array_add (automations, fan_on);
  g_ptr_array_add (automations, probe);
  bd_automation_engine_set_automations (fixture->automations, automations);
  device = test_client_connect (fixture->port, "fan-device", TRUE);
  test_client_subscribe (device, "plant/a/fan/set", 0);

  /* The main context unserved: the value still reaches the condition. */
  {
    g_autoptr(GMainContext) own = g_main_context_new ();

    g_main_context_push_thread_default (own);
    pub (fixture, "plant/a/humidity", "61.5");
    BD_TEST_WAIT_UNTIL (bd_automation_engine_condition_holds (fixture->automations,
                                                              &kept->condition), 5000);
    g_main_context_pop_thread_default (own);
  }

  g_signal_connect (fixture->alarms, "transition", G_CALLBACK (block_main_cb), &blocked);
  temperature (fixture, 29);
  g_assert_true (blocked.probe_journaled);
  /* Decided while the main thread was stuck: nothing had happened there. */
  g_assert_false (blocked.fan_acted_journaled);
  g_assert_cmpuint (blocked.sent, ==, 0);
  g_assert_cmpuint (blocked.acted, ==, 0);

  /* Served again, the main context only carries the decision out. */
  wait_acted (fixture, 2);
  g_assert_cmpstr (g_ptr_array_index (fixture->acted, 0), ==, "fan-on acted");
  g_assert_cmpstr (g_ptr_array_index (fixture->acted, 1), ==, "probe skipped");
  g_assert_cmpuint (fixture->sent, ==, 1);
  command = test_client_read_publish (device, "plant/a/fan/set");
  g_assert_cmpstr (command, ==, bd_relay_get_on_payload (fixture->fan));
  g_signal_handlers_disconnect_by_data (fixture->alarms, &blocked);
}

static void
test_ini (void)
{
  g_autoptr(GPtrArray) automations = NULL;
  g_autoptr(GPtrArray) interlocks = NULL;
  g_autoptr(GPtrArray) loaded = NULL;
  g_autoptr(GPtrArray) loaded_locks = NULL;
  g_auto(GStrv) warnings = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *data = NULL;
  BdAutomation *a;

  bd_automations_new_demo (&automations, &interlocks);
  a = g_ptr_array_index (automations, 0);
  a->delay_ms = 1500;
  a->condition.from_minute = 8 * 60;
  a->condition.to_minute = 18 * 60 + 30;
  a->condition.topic = g_strdup ("x/y");
  a->condition.below = 3.5;
  data = bd_automations_to_data (automations, interlocks, NULL);
  g_assert_true (bd_automations_load_from_data (data, -1, NULL, &loaded, &loaded_locks, &warnings, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (warnings), ==, 0);
  g_assert_cmpuint (loaded->len, ==, automations->len);
  g_assert_cmpuint (loaded_locks->len, ==, 3);
  a = g_ptr_array_index (loaded, 0);
  g_assert_cmpstr (a->id, ==, "packaging-fan-on-hot");
  g_assert_cmpint (a->level, ==, BD_ALARM_LEVEL_HI);
  g_assert_cmpuint (a->delay_ms, ==, 1500);
  g_assert_cmpint (a->condition.from_minute, ==, 480);
  g_assert_cmpint (a->condition.to_minute, ==, 1110);
  g_assert_cmpfloat (a->condition.below, ==, 3.5);
  a = g_ptr_array_index (loaded, 1);
  g_assert_cmpint (a->mode, ==, BD_AUTOMATION_MODE_ASK);
  g_assert_cmpint (a->when, ==, BD_AUTOMATION_WHEN_RETURNED);
  g_assert_false (a->on);
  g_assert_cmpstr (((BdInterlock *) g_ptr_array_index (loaded_locks, 2))->condition.relay, ==, "packaging-fan");

  /* Broken entries are named and skipped. */
  g_clear_pointer (&loaded, g_ptr_array_unref);
  g_clear_pointer (&loaded_locks, g_ptr_array_unref);
  g_clear_pointer (&warnings, g_strfreev);
  g_assert_true (bd_automations_load_from_data ("[a]\nwhen=hot\nalarm-rule=r\ntarget=x\n"
                                                "[b]\ntype=interlock\ntarget=x\n"
                                                "[c]\nalarm-rule=r\ntarget=x\nif-time=8-9\n"
                                                "[d]\nalarm-rule=r\naction=setpoint\ntarget=v\ncommand=40\n",
                                                -1, NULL, &loaded, &loaded_locks, &warnings, &error));
  g_assert_cmpuint (loaded->len, ==, 1);
  g_assert_cmpuint (loaded_locks->len, ==, 0);
  g_assert_cmpuint (g_strv_length (warnings), ==, 3);
  g_assert_nonnull (strstr (warnings[0], "“when”"));
  g_assert_nonnull (strstr (warnings[2], "“if-time”"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/automations/ini", test_ini);
#define ADD(path, func) \
  g_test_add ("/automations/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("once-per-transition", test_once_per_transition);
  ADD ("delay", test_delay);
  ADD ("condition", test_condition);
  ADD ("condition-value-and-time", test_condition_value_and_time);
  ADD ("ask", test_ask);
  ADD ("interlock", test_interlock);
  ADD ("interlock-follows-relay-at-once", test_interlock_follows_relay_at_once);
  ADD ("off-main-thread", test_off_main_thread);
#undef ADD

  return g_test_run ();
}
