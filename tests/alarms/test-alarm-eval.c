/* test-alarm-eval.c — the alarm state machine with scripted (time, value)
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * No clock: every step passes its time, so delays, stale data and shelving
 * are checked to the microsecond without waiting.
 */

#include "config.h"

#include <math.h>

#include "bd-alarm-eval.h"

#define S(x) ((gint64) ((x) * 1e6))
/* Times start at an arbitrary wall-clock-like origin. */
#define T0 S(1700000000)

typedef struct
{
  BdAlarmRule     *rule;
  BdAlarmInstance  st;
  BdAlarmTransition tr;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->rule = bd_alarm_rule_new ("t");
  g_free (f->rule->filter);
  f->rule->filter = g_strdup ("plant/+/temperature");
  f->rule->hihi = 31;
  f->rule->hi = 28;
  f->rule->lo = 10;
  f->rule->lolo = 5;
  f->rule->deadband = 0.5;
  bd_alarm_instance_init (&f->st);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  bd_alarm_rule_free (f->rule);
}

static gboolean
value (Fixture *f,
       double   v,
       gint64   t)
{
  return bd_alarm_eval_value (f->rule, &f->st, v, t, &f->tr);
}

static gboolean
tick (Fixture *f,
      gint64   t)
{
  return bd_alarm_eval_tick (f->rule, &f->st, t, &f->tr);
}

static gint64
next_deadline (Fixture *f)
{
  return bd_alarm_eval_next_deadline (f->rule, &f->st);
}

static void
assert_state (Fixture      *f,
              BdAlarmState  state,
              BdAlarmLevel  level)
{
  g_assert_cmpstr (bd_alarm_state_to_string (f->st.state), ==, bd_alarm_state_to_string (state));
  g_assert_cmpstr (bd_alarm_level_to_string (f->st.level), ==, bd_alarm_level_to_string (level));
}

static void
assert_transition (Fixture      *f,
                   BdAlarmState  from_state,
                   BdAlarmLevel  from_level,
                   BdAlarmState  to_state,
                   BdAlarmLevel  to_level)
{
  g_assert_cmpint (f->tr.from_state, ==, from_state);
  g_assert_cmpint (f->tr.from_level, ==, from_level);
  g_assert_cmpint (f->tr.to_state, ==, to_state);
  g_assert_cmpint (f->tr.to_level, ==, to_level);
}

static void
test_condition (Fixture       *f,
                gconstpointer  data)
{
  g_assert_cmpint (bd_alarm_eval_condition (f->rule, BD_ALARM_LEVEL_NONE, 20), ==, BD_ALARM_LEVEL_NONE);
  g_assert_cmpint (bd_alarm_eval_condition (f->rule, BD_ALARM_LEVEL_NONE, 28), ==, BD_ALARM_LEVEL_HI);
  g_assert_cmpint (bd_alarm_eval_condition (f->rule, BD_ALARM_LEVEL_NONE, 31), ==, BD_ALARM_LEVEL_HIHI);
  g_assert_cmpint (bd_alarm_eval_condition (f->rule, BD_ALARM_LEVEL_NONE, 10), ==, BD_ALARM_LEVEL_LO);
  g_assert_cmpint (bd_alarm_eval_condition (f->rule, BD_ALARM_LEVEL_NONE, 4), ==, BD_ALARM_LEVEL_LOLO);
  /* Deadband: HI holds until below 27.5, HIHI until below 30.5. */
  g_assert_cmpint (bd_alarm_eval_condition (f->rule, BD_ALARM_LEVEL_HI, 27.6), ==, BD_ALARM_LEVEL_HI);
  g_assert_cmpint (bd_alarm_eval_condition (f->rule, BD_ALARM_LEVEL_HI, 27.5), ==, BD_ALARM_LEVEL_NONE);
  g_assert_cmpint (bd_alarm_eval_condition (f->rule, BD_ALARM_LEVEL_HIHI, 30.6), ==, BD_ALARM_LEVEL_HIHI);
  g_assert_cmpint (bd_alarm_eval_condition (f->rule, BD_ALARM_LEVEL_HIHI, 30.4), ==, BD_ALARM_LEVEL_HI);
  g_assert_cmpint (bd_alarm_eval_condition (f->rule, BD_ALARM_LEVEL_HIHI, 27.6), ==, BD_ALARM_LEVEL_HI);
  g_assert_cmpint (bd_alarm_eval_condition (f->rule, BD_ALARM_LEVEL_HIHI, 20), ==, BD_ALARM_LEVEL_NONE);
  g_assert_cmpint (bd_alarm_eval_condition (f->rule, BD_ALARM_LEVEL_LO, 10.4), ==, BD_ALARM_LEVEL_LO);
  g_assert_cmpint (bd_alarm_eval_condition (f->rule, BD_ALARM_LEVEL_LO, 10.5), ==, BD_ALARM_LEVEL_NONE);
  g_assert_cmpint (bd_alarm_eval_condition (f->rule, BD_ALARM_LEVEL_LOLO, 5.4), ==, BD_ALARM_LEVEL_LOLO);
  g_assert_cmpint (bd_alarm_eval_condition (f->rule, BD_ALARM_LEVEL_LOLO, 5.6), ==, BD_ALARM_LEVEL_LO);
}

/* NORMAL -> UNACK -> ACKED -> NORMAL */
static void
test_raise_ack_return (Fixture       *f,
                       gconstpointer  data)
{
  g_assert_false (value (f, 20, T0));
  assert_state (f, BD_ALARM_STATE_NORMAL, BD_ALARM_LEVEL_NONE);

  g_assert_true (value (f, 29, T0 + S(1)));
  assert_transition (f, BD_ALARM_STATE_NORMAL, BD_ALARM_LEVEL_NONE,
                     BD_ALARM_STATE_UNACK, BD_ALARM_LEVEL_HI);
  g_assert_cmpfloat (f->tr.value, ==, 29);
  g_assert_cmpint (f->tr.time_us, ==, T0 + S(1));
  g_assert_cmpint (f->st.since_us, ==, T0 + S(1));

  /* Still high: no transition, value followed. */
  g_assert_false (value (f, 29.5, T0 + S(2)));
  g_assert_cmpfloat (f->st.value, ==, 29.5);

  g_assert_true (bd_alarm_eval_acknowledge (f->rule, &f->st, T0 + S(3), &f->tr));
  assert_transition (f, BD_ALARM_STATE_UNACK, BD_ALARM_LEVEL_HI,
                     BD_ALARM_STATE_ACKED, BD_ALARM_LEVEL_HI);
  /* Acknowledging twice is nothing. */
  g_assert_false (bd_alarm_eval_acknowledge (f->rule, &f->st, T0 + S(3), &f->tr));

  g_assert_true (value (f, 20, T0 + S(4)));
  assert_transition (f, BD_ALARM_STATE_ACKED, BD_ALARM_LEVEL_HI,
                     BD_ALARM_STATE_NORMAL, BD_ALARM_LEVEL_NONE);
}

/* NORMAL -> UNACK -> RTN_UNACK -> NORMAL (on ack); RTN_UNACK -> UNACK on a new raise */
static void
test_return_unacknowledged (Fixture       *f,
                            gconstpointer  data)
{
  g_assert_true (value (f, 4, T0));
  assert_transition (f, BD_ALARM_STATE_NORMAL, BD_ALARM_LEVEL_NONE,
                     BD_ALARM_STATE_UNACK, BD_ALARM_LEVEL_LOLO);

  g_assert_true (value (f, 20, T0 + S(1)));
  assert_transition (f, BD_ALARM_STATE_UNACK, BD_ALARM_LEVEL_LOLO,
                     BD_ALARM_STATE_RTN_UNACK, BD_ALARM_LEVEL_LOLO);

  /* Back in alarm before anyone acknowledged: UNACK again. */
  g_assert_true (value (f, 9, T0 + S(2)));
  assert_transition (f, BD_ALARM_STATE_RTN_UNACK, BD_ALARM_LEVEL_LOLO,
                     BD_ALARM_STATE_UNACK, BD_ALARM_LEVEL_LO);

  g_assert_true (value (f, 20, T0 + S(3)));
  assert_state (f, BD_ALARM_STATE_RTN_UNACK, BD_ALARM_LEVEL_LO);
  g_assert_true (bd_alarm_eval_acknowledge (f->rule, &f->st, T0 + S(4), &f->tr));
  assert_transition (f, BD_ALARM_STATE_RTN_UNACK, BD_ALARM_LEVEL_LO,
                     BD_ALARM_STATE_NORMAL, BD_ALARM_LEVEL_NONE);
  g_assert_false (bd_alarm_eval_acknowledge (f->rule, &f->st, T0 + S(5), &f->tr));
}

static void
test_deadband (Fixture       *f,
               gconstpointer  data)
{
  g_assert_true (value (f, 28.0, T0));
  assert_state (f, BD_ALARM_STATE_UNACK, BD_ALARM_LEVEL_HI);
  /* Below the limit but inside the deadband: still active. */
  g_assert_false (value (f, 27.9, T0 + S(1)));
  g_assert_false (value (f, 27.6, T0 + S(2)));
  g_assert_false (value (f, 28.1, T0 + S(3)));
  assert_state (f, BD_ALARM_STATE_UNACK, BD_ALARM_LEVEL_HI);
  /* hi - deadband = 27.5 clears. */
  g_assert_true (value (f, 27.5, T0 + S(4)));
  assert_state (f, BD_ALARM_STATE_RTN_UNACK, BD_ALARM_LEVEL_HI);
}

static void
test_escalation (Fixture       *f,
                 gconstpointer  data)
{
  g_assert_true (value (f, 29, T0));
  g_assert_true (bd_alarm_eval_acknowledge (f->rule, &f->st, T0 + S(1), NULL));
  assert_state (f, BD_ALARM_STATE_ACKED, BD_ALARM_LEVEL_HI);

  /* Hi -> HiHi is news: unacknowledged again. */
  g_assert_true (value (f, 31.5, T0 + S(2)));
  assert_transition (f, BD_ALARM_STATE_ACKED, BD_ALARM_LEVEL_HI,
                     BD_ALARM_STATE_UNACK, BD_ALARM_LEVEL_HIHI);

  /* In the HiHi deadband: stays HiHi. */
  g_assert_false (value (f, 30.6, T0 + S(3)));
  g_assert_true (bd_alarm_eval_acknowledge (f->rule, &f->st, T0 + S(4), NULL));

  /* HiHi -> Hi steps down and stays acknowledged. */
  g_assert_true (value (f, 30.0, T0 + S(5)));
  assert_transition (f, BD_ALARM_STATE_ACKED, BD_ALARM_LEVEL_HIHI,
                     BD_ALARM_STATE_ACKED, BD_ALARM_LEVEL_HI);

  /* Escalation while unacknowledged: level only. */
  bd_alarm_instance_init (&f->st);
  g_assert_true (value (f, 29, T0 + S(10)));
  g_assert_true (value (f, 32, T0 + S(11)));
  assert_transition (f, BD_ALARM_STATE_UNACK, BD_ALARM_LEVEL_HI,
                     BD_ALARM_STATE_UNACK, BD_ALARM_LEVEL_HIHI);
}

static void
test_on_delay (Fixture       *f,
               gconstpointer  data)
{
  f->rule->on_delay_s = 5;

  g_assert_false (value (f, 29, T0));
  assert_state (f, BD_ALARM_STATE_NORMAL, BD_ALARM_LEVEL_NONE);
  g_assert_cmpint (next_deadline (f), ==, T0 + S(5));
  g_assert_false (tick (f, T0 + S(5) - 1));

  /* A dip back below the limit restarts the delay. */
  g_assert_false (value (f, 20, T0 + S(3)));
  g_assert_cmpint (next_deadline (f), ==, G_MAXINT64);
  g_assert_false (value (f, 29, T0 + S(4)));
  g_assert_false (tick (f, T0 + S(8)));
  g_assert_true (tick (f, T0 + S(9)));
  assert_transition (f, BD_ALARM_STATE_NORMAL, BD_ALARM_LEVEL_NONE,
                     BD_ALARM_STATE_UNACK, BD_ALARM_LEVEL_HI);
  g_assert_cmpint (f->st.since_us, ==, T0 + S(9));

  /* An escalation while a raise is pending keeps the pending start. */
  bd_alarm_instance_init (&f->st);
  g_assert_false (value (f, 29, T0 + S(20)));
  g_assert_false (value (f, 32, T0 + S(23)));
  g_assert_true (value (f, 32, T0 + S(25)));
  assert_transition (f, BD_ALARM_STATE_NORMAL, BD_ALARM_LEVEL_NONE,
                     BD_ALARM_STATE_UNACK, BD_ALARM_LEVEL_HIHI);
}

static void
test_off_delay (Fixture       *f,
                gconstpointer  data)
{
  f->rule->off_delay_s = 10;

  g_assert_true (value (f, 29, T0));  /* no on-delay: at once */
  g_assert_false (value (f, 20, T0 + S(1)));
  assert_state (f, BD_ALARM_STATE_UNACK, BD_ALARM_LEVEL_HI);
  g_assert_cmpint (next_deadline (f), ==, T0 + S(11));
  g_assert_false (tick (f, T0 + S(10)));
  g_assert_true (tick (f, T0 + S(11)));
  assert_transition (f, BD_ALARM_STATE_UNACK, BD_ALARM_LEVEL_HI,
                     BD_ALARM_STATE_RTN_UNACK, BD_ALARM_LEVEL_HI);
}

static void
test_stale (Fixture       *f,
            gconstpointer  data)
{
  f->rule->stale_s = 30;

  g_assert_false (value (f, 20, T0));
  g_assert_cmpint (next_deadline (f), ==, T0 + S(30));
  g_assert_false (tick (f, T0 + S(29)));
  g_assert_true (tick (f, T0 + S(30)));
  assert_transition (f, BD_ALARM_STATE_NORMAL, BD_ALARM_LEVEL_NONE,
                     BD_ALARM_STATE_UNACK, BD_ALARM_LEVEL_STALE);
  /* No further deadline while stale. */
  g_assert_cmpint (next_deadline (f), ==, G_MAXINT64);

  /* Fresh data ends it at once. */
  g_assert_true (value (f, 20, T0 + S(40)));
  assert_transition (f, BD_ALARM_STATE_UNACK, BD_ALARM_LEVEL_STALE,
                     BD_ALARM_STATE_RTN_UNACK, BD_ALARM_LEVEL_STALE);

  /* Stale while in Hi (acknowledged) is news; data in Hi comes back as Hi. */
  bd_alarm_instance_init (&f->st);
  g_assert_true (value (f, 29, T0 + S(100)));
  bd_alarm_eval_acknowledge (f->rule, &f->st, T0 + S(101), NULL);
  g_assert_true (tick (f, T0 + S(130)));
  assert_transition (f, BD_ALARM_STATE_ACKED, BD_ALARM_LEVEL_HI,
                     BD_ALARM_STATE_UNACK, BD_ALARM_LEVEL_STALE);
  g_assert_true (value (f, 29, T0 + S(131)));
  assert_state (f, BD_ALARM_STATE_UNACK, BD_ALARM_LEVEL_HI);
}

static void
test_shelve (Fixture       *f,
             gconstpointer  data)
{
  g_assert_true (value (f, 29, T0));
  g_assert_true (bd_alarm_eval_shelve (f->rule, &f->st, T0 + S(3600), T0 + S(1), &f->tr));
  assert_transition (f, BD_ALARM_STATE_UNACK, BD_ALARM_LEVEL_HI,
                     BD_ALARM_STATE_SHELVED, BD_ALARM_LEVEL_HI);
  g_assert_cmpint (next_deadline (f), ==, T0 + S(3600));

  /* Shelved: clearing and raising again are followed silently. */
  g_assert_false (value (f, 20, T0 + S(2)));
  g_assert_false (value (f, 32, T0 + S(3)));
  assert_state (f, BD_ALARM_STATE_SHELVED, BD_ALARM_LEVEL_HI);
  g_assert_cmpint (f->st.condition, ==, BD_ALARM_LEVEL_HIHI);

  /* The shelf runs out with the condition active: UNACK at its level. */
  g_assert_false (tick (f, T0 + S(3599)));
  g_assert_true (tick (f, T0 + S(3600)));
  assert_transition (f, BD_ALARM_STATE_SHELVED, BD_ALARM_LEVEL_HI,
                     BD_ALARM_STATE_UNACK, BD_ALARM_LEVEL_HIHI);

  /* Manual unshelve with the condition gone: NORMAL. */
  g_assert_true (bd_alarm_eval_shelve (f->rule, &f->st, T0 + S(9000), T0 + S(4000), NULL));
  g_assert_false (value (f, 20, T0 + S(4001)));
  g_assert_true (bd_alarm_eval_unshelve (f->rule, &f->st, T0 + S(4002), &f->tr));
  assert_transition (f, BD_ALARM_STATE_SHELVED, BD_ALARM_LEVEL_HIHI,
                     BD_ALARM_STATE_NORMAL, BD_ALARM_LEVEL_NONE);
  g_assert_false (bd_alarm_eval_unshelve (f->rule, &f->st, T0 + S(4003), &f->tr));

  /* Shelving a normal alarm ahead of work, and a value after expiry. */
  g_assert_true (bd_alarm_eval_shelve (f->rule, &f->st, T0 + S(5000), T0 + S(4500), NULL));
  g_assert_false (bd_alarm_eval_shelve (f->rule, &f->st, T0 + S(4400), T0 + S(4500), NULL));
  g_assert_true (value (f, 29, T0 + S(5001)));
  assert_transition (f, BD_ALARM_STATE_SHELVED, BD_ALARM_LEVEL_NONE,
                     BD_ALARM_STATE_UNACK, BD_ALARM_LEVEL_HI);
}

static void
test_unset_limits (Fixture       *f,
                   gconstpointer  data)
{
  f->rule->hihi = NAN;
  f->rule->lo = NAN;
  f->rule->lolo = NAN;
  g_assert_false (value (f, -1000, T0));
  g_assert_true (value (f, 1000, T0 + 1));
  assert_state (f, BD_ALARM_STATE_UNACK, BD_ALARM_LEVEL_HI);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/alarms/eval/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("condition", test_condition);
  ADD ("raise-ack-return", test_raise_ack_return);
  ADD ("return-unacknowledged", test_return_unacknowledged);
  ADD ("deadband", test_deadband);
  ADD ("escalation", test_escalation);
  ADD ("on-delay", test_on_delay);
  ADD ("off-delay", test_off_delay);
  ADD ("stale", test_stale);
  ADD ("shelve", test_shelve);
  ADD ("unset-limits", test_unset_limits);
#undef ADD

  return g_test_run ();
}
