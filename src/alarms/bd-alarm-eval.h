/* bd-alarm-eval.h — the alarm state machine, as pure functions of time
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One BdAlarmInstance per (rule, topic). Nothing here reads a clock: every
 * call gets the time, so tests script (time, value) sequences and the engine
 * passes the message's and its timer's times. See bd-alarm-eval.c for the
 * model (ISA-18.2 style states, deadband, delays, shelving, stale data).
 */

#pragma once

#include "bd-alarm-rule.h"

G_BEGIN_DECLS

typedef enum
{
  BD_ALARM_STATE_NORMAL,     /* no condition, nothing to acknowledge */
  BD_ALARM_STATE_UNACK,      /* active, not acknowledged */
  BD_ALARM_STATE_ACKED,      /* active, acknowledged */
  BD_ALARM_STATE_RTN_UNACK,  /* returned to normal, not acknowledged yet */
  BD_ALARM_STATE_SHELVED,    /* suppressed by an operator until a time */
} BdAlarmState;

typedef enum
{
  BD_ALARM_LEVEL_NONE,
  BD_ALARM_LEVEL_HIHI,
  BD_ALARM_LEVEL_HI,
  BD_ALARM_LEVEL_LO,
  BD_ALARM_LEVEL_LOLO,
  BD_ALARM_LEVEL_STALE,      /* no message for stale_s seconds */
} BdAlarmLevel;

#define BD_TYPE_ALARM_STATE (bd_alarm_state_get_type ())
GType bd_alarm_state_get_type (void);
#define BD_TYPE_ALARM_LEVEL (bd_alarm_level_get_type ())
GType bd_alarm_level_get_type (void);

typedef struct
{
  BdAlarmState state;
  BdAlarmLevel level;          /* shown level: the active one, or the one that
                                * returned for RTN_UNACK; NONE when NORMAL */
  gint64       since_us;       /* when state or level last changed */
  double       value;          /* last value, NAN before the first */
  gint64       value_us;       /* when the last value came, 0 before the first */

  /* The condition after delays and deadband: what the state follows. */
  BdAlarmLevel condition;
  /* A different condition seen but not yet held for its delay. */
  BdAlarmLevel pending;
  gint64       pending_since_us;
  gboolean     has_pending;
  gint64       shelved_until_us;
} BdAlarmInstance;

typedef struct
{
  BdAlarmState from_state;
  BdAlarmState to_state;
  BdAlarmLevel from_level;
  BdAlarmLevel to_level;
  double       value;
  gint64       time_us;
} BdAlarmTransition;

void     bd_alarm_instance_init     (BdAlarmInstance   *instance);

/* Each returns TRUE and fills @transition (may be NULL) when the state or the
 * shown level changed. */
gboolean bd_alarm_eval_value        (const BdAlarmRule *rule,
                                     BdAlarmInstance   *instance,
                                     double             value,
                                     gint64             now_us,
                                     BdAlarmTransition *transition);
/* Time passed without a value: on/off delays, stale data, shelving ends. */
gboolean bd_alarm_eval_tick         (const BdAlarmRule *rule,
                                     BdAlarmInstance   *instance,
                                     gint64             now_us,
                                     BdAlarmTransition *transition);
/* UNACK -> ACKED, RTN_UNACK -> NORMAL; other states: nothing. */
gboolean bd_alarm_eval_acknowledge  (const BdAlarmRule *rule,
                                     BdAlarmInstance   *instance,
                                     gint64             now_us,
                                     BdAlarmTransition *transition);
/* Any state -> SHELVED until @until_us (the condition is still followed). */
gboolean bd_alarm_eval_shelve       (const BdAlarmRule *rule,
                                     BdAlarmInstance   *instance,
                                     gint64             until_us,
                                     gint64             now_us,
                                     BdAlarmTransition *transition);
/* SHELVED -> UNACK when the condition is active, else NORMAL. */
gboolean bd_alarm_eval_unshelve     (const BdAlarmRule *rule,
                                     BdAlarmInstance   *instance,
                                     gint64             now_us,
                                     BdAlarmTransition *transition);

/* The earliest time a tick could change something (a delay running out, the
 * data going stale, a shelf expiring); G_MAXINT64 when nothing is due. */
gint64   bd_alarm_eval_next_deadline (const BdAlarmRule     *rule,
                                      const BdAlarmInstance *instance);

/* The condition a value meets, with the deadband applied relative to the
 * current condition @current (a pure helper, exposed for tests). */
BdAlarmLevel bd_alarm_eval_condition (const BdAlarmRule *rule,
                                      BdAlarmLevel       current,
                                      double             value);

const char *bd_alarm_state_to_string (BdAlarmState state);  /* "normal", "unack", ... */
const char *bd_alarm_level_to_string (BdAlarmLevel level);  /* "none", "hihi", ... */
/* Translated, for people. */
const char *bd_alarm_state_to_label  (BdAlarmState state);
const char *bd_alarm_level_to_label  (BdAlarmLevel level);

G_END_DECLS
