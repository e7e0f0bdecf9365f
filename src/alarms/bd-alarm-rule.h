/* bd-alarm-rule.h — alarm rules: limits on a topic's value, and alarms.ini
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A rule watches every topic that matches its filter (MQTT wildcards allowed)
 * and raises an alarm per matching topic when the value crosses a limit. A
 * rule is a plain struct: the owner builds or copies one, validates it and
 * hands a copy to the alarm engine, which never changes it afterwards.
 *
 * alarms.ini has one group per rule, the group name being the rule's stable
 * id:
 *
 *   [temperature-high]
 *   name=Temperature
 *   filter=busan/factory/+/temperature
 *   field=              (empty: the payload is a plain number; else a JSON path)
 *   hi=28
 *   hihi=31             (hihi, hi, lo, lolo: each optional)
 *   deadband=0.5
 *   on-delay=2          (seconds)
 *   off-delay=0
 *   priority=high       (low, medium, high, critical)
 *   stale=15            (seconds without a message; 0 = off)
 *   enabled=true
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define BD_ALARM_ERROR (bd_alarm_error_quark ())
GQuark bd_alarm_error_quark (void);

typedef enum
{
  BD_ALARM_ERROR_FAILED,
  BD_ALARM_ERROR_INVALID_RULE,  /* a rule's settings contradict each other */
  BD_ALARM_ERROR_DUPLICATE_ID,  /* a rule with that id exists already */
  BD_ALARM_ERROR_NOT_FOUND,     /* no rule with that id */
} BdAlarmError;

typedef enum
{
  BD_ALARM_PRIORITY_LOW,
  BD_ALARM_PRIORITY_MEDIUM,
  BD_ALARM_PRIORITY_HIGH,
  BD_ALARM_PRIORITY_CRITICAL,
} BdAlarmPriority;

#define BD_TYPE_ALARM_PRIORITY (bd_alarm_priority_get_type ())
GType bd_alarm_priority_get_type (void);

typedef struct
{
  char            *id;          /* stable, the alarms.ini group name */
  char            *name;        /* shown to people */
  char            *filter;      /* MQTT topic filter */
  char            *field;       /* "" = plain payload, else a JSON member or path */
  double           hihi;        /* NAN = unset */
  double           hi;
  double           lo;
  double           lolo;
  double           deadband;    /* >= 0: how far back past a limit before it clears */
  double           on_delay_s;  /* the condition must hold this long before raising */
  double           off_delay_s; /* ... and be gone this long before clearing */
  BdAlarmPriority  priority;
  double           stale_s;     /* 0 = off: raise STALE after this long without data */
  gboolean         enabled;
} BdAlarmRule;

#define BD_TYPE_ALARM_RULE (bd_alarm_rule_get_type ())
GType        bd_alarm_rule_get_type (void);

/* A disabled-limits rule with every limit unset. A NULL @id makes a random,
 * unique one. */
BdAlarmRule *bd_alarm_rule_new      (const char        *id);
BdAlarmRule *bd_alarm_rule_copy     (const BdAlarmRule *rule);
void         bd_alarm_rule_free     (BdAlarmRule       *rule);
gboolean     bd_alarm_rule_equal    (const BdAlarmRule *a,
                                     const BdAlarmRule *b);

/* Checks that the rule can be evaluated: a valid filter, at least one limit
 * or stale-data time, hi < hihi, lo > lolo, lo < hi (also lolo < hihi etc.),
 * a non-negative deadband and delays. The message says what is wrong in
 * words the rule editor can show as they are. */
gboolean     bd_alarm_rule_validate (const BdAlarmRule *rule,
                                     GError           **error);

const char  *bd_alarm_priority_to_string   (BdAlarmPriority  priority);
gboolean     bd_alarm_priority_from_string (const char      *text,
                                            BdAlarmPriority *priority);
/* Translated, for people: "Low", "Medium", "High", "Critical". */
const char  *bd_alarm_priority_to_label    (BdAlarmPriority  priority);

/* Rules from alarms.ini text. A rule that cannot be read or does not validate
 * is left out, and one GError per such rule goes to @problems (may be NULL;
 * an array of GError*, free with g_ptr_array_unref) naming @source_name, the
 * group and the key. Fails (NULL) only when the text is not a key file at all.
 * Returns an array of BdAlarmRule* in file order. */
GPtrArray   *bd_alarm_rules_from_data      (const char  *data,
                                            gsize        length,
                                            const char  *source_name,
                                            GPtrArray  **problems,
                                            GError     **error);
/* The same, reading @path (blocking: call from a worker thread). A missing
 * file fails with G_FILE_ERROR_NOENT. */
GPtrArray   *bd_alarm_rules_load_file      (const char  *path,
                                            GPtrArray  **problems,
                                            GError     **error);
/* alarms.ini text for @rules (BdAlarmRule*). */
char        *bd_alarm_rules_to_data        (GPtrArray   *rules,
                                            gsize       *length);
/* Writes atomically (blocking: call from a worker thread). */
gboolean     bd_alarm_rules_save_file      (GPtrArray   *rules,
                                            const char  *path,
                                            GError     **error);

/* Rules for the demo plant (src/demo): limits its excursions cross. */
GPtrArray   *bd_alarm_rules_new_demo       (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BdAlarmRule, bd_alarm_rule_free)

G_END_DECLS
