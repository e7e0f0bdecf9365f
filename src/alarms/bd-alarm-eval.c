/* bd-alarm-eval.c — the alarm state machine, as pure functions of time
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The model, after ISA-18.2 (alarm states) in a laptop-sized form:
 *
 *  1. A value gives a raw condition: HIHI when value >= hihi, else HI when
 *     value >= hi, else LOLO when value <= lolo, else LO when value <= lo,
 *     else NONE (an unset limit never matches).
 *  2. Deadband: an active condition clears, or steps down from HIHI to HI,
 *     only once the value is back past the limit by the deadband (below
 *     hi - deadband to clear HI), so a value hovering at a limit does not
 *     chatter.
 *  3. Delays: a new or more severe condition must hold for on_delay_s before
 *     it counts (a raise); a less severe one or NONE must hold for
 *     off_delay_s (a clear). Until then it is "pending"; when the value goes
 *     back to the current condition, the pending one is forgotten. A raise
 *     that escalates while pending (HI then HIHI) keeps its start time: the
 *     limit has been crossed since then.
 *  4. Stale data: with stale_s > 0, no value for stale_s makes the condition
 *     STALE at once (stale_s is its own delay); the next value replaces it
 *     at once, without delays, since the data is back.
 *  5. The operator-facing state follows the condition:
 *       NORMAL/RTN_UNACK --raise--> UNACK
 *       UNACK --clear--> RTN_UNACK --ack--> NORMAL
 *       UNACK --ack--> ACKED --clear--> NORMAL
 *       ACKED --escalation (HI->HIHI, or another kind)--> UNACK (new news)
 *       ACKED/UNACK --step down (HIHI->HI)--> same state, level HI
 *       any --shelve--> SHELVED --unshelve or time--> UNACK if the condition
 *       is still active, else NORMAL. While shelved the condition is still
 *       followed, silently, so unshelving shows the truth.
 *
 * Every public function compares the visible (state, level) before and after,
 * and reports one transition when it changed, even if several steps ran in
 * one call (a shelf expiring into a raise).
 */

#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "bd-alarm-eval.h"

G_DEFINE_ENUM_TYPE (BdAlarmState, bd_alarm_state,
  G_DEFINE_ENUM_VALUE (BD_ALARM_STATE_NORMAL, "normal"),
  G_DEFINE_ENUM_VALUE (BD_ALARM_STATE_UNACK, "unack"),
  G_DEFINE_ENUM_VALUE (BD_ALARM_STATE_ACKED, "acked"),
  G_DEFINE_ENUM_VALUE (BD_ALARM_STATE_RTN_UNACK, "rtn-unack"),
  G_DEFINE_ENUM_VALUE (BD_ALARM_STATE_SHELVED, "shelved"))

G_DEFINE_ENUM_TYPE (BdAlarmLevel, bd_alarm_level,
  G_DEFINE_ENUM_VALUE (BD_ALARM_LEVEL_NONE, "none"),
  G_DEFINE_ENUM_VALUE (BD_ALARM_LEVEL_HIHI, "hihi"),
  G_DEFINE_ENUM_VALUE (BD_ALARM_LEVEL_HI, "hi"),
  G_DEFINE_ENUM_VALUE (BD_ALARM_LEVEL_LO, "lo"),
  G_DEFINE_ENUM_VALUE (BD_ALARM_LEVEL_LOLO, "lolo"),
  G_DEFINE_ENUM_VALUE (BD_ALARM_LEVEL_STALE, "stale"))

#define US_PER_S 1000000.0

static int
severity (BdAlarmLevel level)
{
  switch (level)
    {
    case BD_ALARM_LEVEL_HIHI:
    case BD_ALARM_LEVEL_LOLO:
      return 2;
    case BD_ALARM_LEVEL_HI:
    case BD_ALARM_LEVEL_LO:
    case BD_ALARM_LEVEL_STALE:
      return 1;
    case BD_ALARM_LEVEL_NONE:
    default:
      return 0;
    }
}

/* 1 high, -1 low, 2 stale, 0 none */
static int
side (BdAlarmLevel level)
{
  switch (level)
    {
    case BD_ALARM_LEVEL_HIHI:
    case BD_ALARM_LEVEL_HI:
      return 1;
    case BD_ALARM_LEVEL_LO:
    case BD_ALARM_LEVEL_LOLO:
      return -1;
    case BD_ALARM_LEVEL_STALE:
      return 2;
    case BD_ALARM_LEVEL_NONE:
    default:
      return 0;
    }
}

/* A raise: news the operator has not seen (a new condition, a more severe
 * one, or another kind); otherwise a step down or a clear. */
static gboolean
is_raise (BdAlarmLevel from,
          BdAlarmLevel to)
{
  if (to == BD_ALARM_LEVEL_NONE)
    return FALSE;
  return from == BD_ALARM_LEVEL_NONE || side (from) != side (to) || severity (to) > severity (from);
}

static gint64
seconds_to_us (double seconds)
{
  return (gint64) (seconds * US_PER_S);
}

void
bd_alarm_instance_init (BdAlarmInstance *instance)
{
  *instance = (BdAlarmInstance) {
    .state = BD_ALARM_STATE_NORMAL,
    .level = BD_ALARM_LEVEL_NONE,
    .value = NAN,
    .condition = BD_ALARM_LEVEL_NONE,
  };
}

BdAlarmLevel
bd_alarm_eval_condition (const BdAlarmRule *rule,
                         BdAlarmLevel       current,
                         double             value)
{
  BdAlarmLevel raw = BD_ALARM_LEVEL_NONE;
  double db = rule->deadband;

  if (isnan (value))
    return current;

  if (!isnan (rule->hihi) && value >= rule->hihi)
    raw = BD_ALARM_LEVEL_HIHI;
  else if (!isnan (rule->hi) && value >= rule->hi)
    raw = BD_ALARM_LEVEL_HI;
  else if (!isnan (rule->lolo) && value <= rule->lolo)
    raw = BD_ALARM_LEVEL_LOLO;
  else if (!isnan (rule->lo) && value <= rule->lo)
    raw = BD_ALARM_LEVEL_LO;

  /* Deadband: stay at the current level until the value is back past its
   * limit by more than the deadband. */
  if (current == BD_ALARM_LEVEL_HIHI && raw != BD_ALARM_LEVEL_HIHI && value > rule->hihi - db)
    return BD_ALARM_LEVEL_HIHI;
  if ((current == BD_ALARM_LEVEL_HIHI || current == BD_ALARM_LEVEL_HI) &&
      raw == BD_ALARM_LEVEL_NONE && !isnan (rule->hi) && value > rule->hi - db)
    return BD_ALARM_LEVEL_HI;
  if (current == BD_ALARM_LEVEL_LOLO && raw != BD_ALARM_LEVEL_LOLO && value < rule->lolo + db)
    return BD_ALARM_LEVEL_LOLO;
  if ((current == BD_ALARM_LEVEL_LOLO || current == BD_ALARM_LEVEL_LO) &&
      raw == BD_ALARM_LEVEL_NONE && !isnan (rule->lo) && value < rule->lo + db)
    return BD_ALARM_LEVEL_LO;
  return raw;
}

/* The condition changed (after its delay): move the visible state. */
static void
set_condition (BdAlarmInstance *instance,
               BdAlarmLevel     condition)
{
  BdAlarmLevel old = instance->condition;

  instance->condition = condition;
  instance->has_pending = FALSE;

  if (instance->state == BD_ALARM_STATE_SHELVED)
    return;

  if (condition == BD_ALARM_LEVEL_NONE)
    {
      if (instance->state == BD_ALARM_STATE_UNACK)
        instance->state = BD_ALARM_STATE_RTN_UNACK;  /* level stays: what returned */
      else if (instance->state == BD_ALARM_STATE_ACKED)
        {
          instance->state = BD_ALARM_STATE_NORMAL;
          instance->level = BD_ALARM_LEVEL_NONE;
        }
      return;
    }

  switch (instance->state)
    {
    case BD_ALARM_STATE_NORMAL:
    case BD_ALARM_STATE_RTN_UNACK:
      instance->state = BD_ALARM_STATE_UNACK;
      break;
    case BD_ALARM_STATE_ACKED:
      if (is_raise (old, condition))
        instance->state = BD_ALARM_STATE_UNACK;
      break;
    case BD_ALARM_STATE_UNACK:
    case BD_ALARM_STATE_SHELVED:
    default:
      break;
    }
  instance->level = condition;
}

static void
unshelve (BdAlarmInstance *instance)
{
  instance->shelved_until_us = 0;
  if (instance->condition != BD_ALARM_LEVEL_NONE)
    {
      instance->state = BD_ALARM_STATE_UNACK;
      instance->level = instance->condition;
    }
  else
    {
      instance->state = BD_ALARM_STATE_NORMAL;
      instance->level = BD_ALARM_LEVEL_NONE;
    }
}

/* When the pending condition, held since pending_since_us, takes over. */
static gint64
pending_deadline (const BdAlarmRule     *rule,
                  const BdAlarmInstance *instance)
{
  double delay_s = is_raise (instance->condition, instance->pending) ?
                   rule->on_delay_s : rule->off_delay_s;

  return instance->pending_since_us + seconds_to_us (delay_s);
}

/* Whether a value that stops coming would make @instance stale. */
static gboolean
may_go_stale (const BdAlarmRule     *rule,
              const BdAlarmInstance *instance)
{
  return rule->stale_s > 0 && instance->value_us > 0 &&
         instance->condition != BD_ALARM_LEVEL_STALE;
}

/* Time-driven steps shared by values and ticks. */
static void
run_timers (const BdAlarmRule *rule,
            BdAlarmInstance   *instance,
            gint64             now_us)
{
  if (instance->state == BD_ALARM_STATE_SHELVED && now_us >= instance->shelved_until_us)
    unshelve (instance);

  if (instance->has_pending && now_us >= pending_deadline (rule, instance))
    set_condition (instance, instance->pending);

  if (may_go_stale (rule, instance) &&
      now_us - instance->value_us >= seconds_to_us (rule->stale_s))
    set_condition (instance, BD_ALARM_LEVEL_STALE);
}

static gboolean
finish (BdAlarmInstance   *instance,
        BdAlarmState       old_state,
        BdAlarmLevel       old_level,
        gint64             now_us,
        BdAlarmTransition *transition)
{
  if (instance->state == old_state && instance->level == old_level)
    return FALSE;

  instance->since_us = now_us;
  if (transition != NULL)
    *transition = (BdAlarmTransition) {
      .from_state = old_state,
      .to_state = instance->state,
      .from_level = old_level,
      .to_level = instance->level,
      .value = instance->value,
      .time_us = now_us,
    };
  return TRUE;
}

gboolean
bd_alarm_eval_value (const BdAlarmRule *rule,
                     BdAlarmInstance   *instance,
                     double             value,
                     gint64             now_us,
                     BdAlarmTransition *transition)
{
  BdAlarmState old_state = instance->state;
  BdAlarmLevel old_level = instance->level;
  BdAlarmLevel target;

  g_return_val_if_fail (rule != NULL && instance != NULL, FALSE);

  /* A shelf that expired before this value came ends first. Stale is not
   * checked: this value is the fresh data. */
  if (instance->state == BD_ALARM_STATE_SHELVED && now_us >= instance->shelved_until_us)
    unshelve (instance);

  instance->value = value;
  instance->value_us = now_us;
  target = bd_alarm_eval_condition (rule, instance->condition, value);

  if (instance->condition == BD_ALARM_LEVEL_STALE)
    {
      /* The data is back: what it says counts at once. */
      set_condition (instance, target);
    }
  else if (target == instance->condition)
    {
      instance->has_pending = FALSE;
    }
  else
    {
      gboolean raise = is_raise (instance->condition, target);

      if (!instance->has_pending ||
          !(instance->pending == target ||
            (raise && is_raise (instance->condition, instance->pending) &&
             side (instance->pending) == side (target))))
        instance->pending_since_us = now_us;
      instance->pending = target;
      instance->has_pending = TRUE;
      run_timers (rule, instance, now_us);
    }

  return finish (instance, old_state, old_level, now_us, transition);
}

gboolean
bd_alarm_eval_tick (const BdAlarmRule *rule,
                    BdAlarmInstance   *instance,
                    gint64             now_us,
                    BdAlarmTransition *transition)
{
  BdAlarmState old_state = instance->state;
  BdAlarmLevel old_level = instance->level;

  g_return_val_if_fail (rule != NULL && instance != NULL, FALSE);

  run_timers (rule, instance, now_us);
  return finish (instance, old_state, old_level, now_us, transition);
}

gboolean
bd_alarm_eval_acknowledge (const BdAlarmRule *rule,
                           BdAlarmInstance   *instance,
                           gint64             now_us,
                           BdAlarmTransition *transition)
{
  BdAlarmState old_state = instance->state;
  BdAlarmLevel old_level = instance->level;

  g_return_val_if_fail (instance != NULL, FALSE);

  if (instance->state == BD_ALARM_STATE_UNACK)
    instance->state = BD_ALARM_STATE_ACKED;
  else if (instance->state == BD_ALARM_STATE_RTN_UNACK)
    {
      instance->state = BD_ALARM_STATE_NORMAL;
      instance->level = BD_ALARM_LEVEL_NONE;
    }
  return finish (instance, old_state, old_level, now_us, transition);
}

gboolean
bd_alarm_eval_shelve (const BdAlarmRule *rule,
                      BdAlarmInstance   *instance,
                      gint64             until_us,
                      gint64             now_us,
                      BdAlarmTransition *transition)
{
  BdAlarmState old_state = instance->state;
  BdAlarmLevel old_level = instance->level;

  g_return_val_if_fail (instance != NULL, FALSE);

  if (until_us <= now_us)
    return FALSE;
  instance->state = BD_ALARM_STATE_SHELVED;
  instance->shelved_until_us = until_us;
  /* Shelved, the level shown is the condition's, so the list still says
   * what is hidden. */
  instance->level = instance->condition;
  if (finish (instance, old_state, old_level, now_us, transition))
    return TRUE;
  /* Shelving again only moves the end time: not a transition. */
  return FALSE;
}

gboolean
bd_alarm_eval_unshelve (const BdAlarmRule *rule,
                        BdAlarmInstance   *instance,
                        gint64             now_us,
                        BdAlarmTransition *transition)
{
  BdAlarmState old_state = instance->state;
  BdAlarmLevel old_level = instance->level;

  g_return_val_if_fail (instance != NULL, FALSE);

  if (instance->state != BD_ALARM_STATE_SHELVED)
    return FALSE;
  unshelve (instance);
  return finish (instance, old_state, old_level, now_us, transition);
}

gint64
bd_alarm_eval_next_deadline (const BdAlarmRule     *rule,
                             const BdAlarmInstance *instance)
{
  gint64 deadline = G_MAXINT64;

  if (instance->state == BD_ALARM_STATE_SHELVED)
    deadline = MIN (deadline, instance->shelved_until_us);
  if (instance->has_pending)
    deadline = MIN (deadline, pending_deadline (rule, instance));
  if (may_go_stale (rule, instance))
    deadline = MIN (deadline, instance->value_us + seconds_to_us (rule->stale_s));
  return deadline;
}

static const char * const state_names[] = { "normal", "unack", "acked", "rtn-unack", "shelved" };
static const char * const level_names[] = { "none", "hihi", "hi", "lo", "lolo", "stale" };

const char *
bd_alarm_state_to_string (BdAlarmState state)
{
  g_return_val_if_fail (state < G_N_ELEMENTS (state_names), "?");
  return state_names[state];
}

const char *
bd_alarm_level_to_string (BdAlarmLevel level)
{
  g_return_val_if_fail (level < G_N_ELEMENTS (level_names), "?");
  return level_names[level];
}

const char *
bd_alarm_state_to_label (BdAlarmState state)
{
  switch (state)
    {
    case BD_ALARM_STATE_NORMAL:
      return _("Normal");
    case BD_ALARM_STATE_UNACK:
      return _("Unacknowledged");
    case BD_ALARM_STATE_ACKED:
      return _("Acknowledged");
    case BD_ALARM_STATE_RTN_UNACK:
      return _("Returned, unacknowledged");
    case BD_ALARM_STATE_SHELVED:
      return _("Shelved");
    default:
      return "?";
    }
}

const char *
bd_alarm_level_to_label (BdAlarmLevel level)
{
  switch (level)
    {
    case BD_ALARM_LEVEL_NONE:
      return "";
    case BD_ALARM_LEVEL_HIHI:
      return C_("alarm level", "HiHi");
    case BD_ALARM_LEVEL_HI:
      return C_("alarm level", "Hi");
    case BD_ALARM_LEVEL_LO:
      return C_("alarm level", "Lo");
    case BD_ALARM_LEVEL_LOLO:
      return C_("alarm level", "LoLo");
    case BD_ALARM_LEVEL_STALE:
      return C_("alarm level", "Stale");
    default:
      return "?";
    }
}
