/* bd-automation.h — automations (act on alarm transitions) and interlocks
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An automation says: *when* an alarm (of a rule, optionally on one topic,
 * optionally at a level) enters a state, *then* switch a relay, set a
 * setpoint or publish a message, after an optional delay and only while its
 * condition holds. Its mode is on, off, or ask (the operator confirms).
 *
 * An interlock blocks commands to a relay or setpoint (all of them, or only
 * "on" or only "off") while its condition holds, whoever sends them.
 *
 * A condition is a conjunction of what is set: a relay's confirmed state,
 * a topic's last value against limits, a daily time window. An unset
 * condition always holds.
 *
 * Both are plain structs, kept in automations.ini (one group each; an
 * interlock's group has type=interlock).
 */

#pragma once

#include <glib-object.h>

#include "bd-alarm-eval.h"

G_BEGIN_DECLS

#define BD_AUTOMATION_ERROR (bd_automation_error_quark ())
GQuark bd_automation_error_quark (void);

typedef enum
{
  BD_AUTOMATION_ERROR_INVALID,
  BD_AUTOMATION_ERROR_EXISTS,
  BD_AUTOMATION_ERROR_NOT_FOUND,
} BdAutomationError;

typedef enum
{
  BD_AUTOMATION_MODE_OFF,
  BD_AUTOMATION_MODE_ON,
  BD_AUTOMATION_MODE_ASK,
} BdAutomationMode;

typedef enum
{
  BD_AUTOMATION_WHEN_RAISED,
  BD_AUTOMATION_WHEN_ACKNOWLEDGED,
  BD_AUTOMATION_WHEN_RETURNED,
  BD_AUTOMATION_WHEN_STALE,
} BdAutomationWhen;

typedef enum
{
  BD_AUTOMATION_ACTION_RELAY,
  BD_AUTOMATION_ACTION_SETPOINT,
  BD_AUTOMATION_ACTION_PUBLISH,
} BdAutomationAction;

typedef enum
{
  BD_INTERLOCK_BLOCKS_ANY,
  BD_INTERLOCK_BLOCKS_ON,    /* a relay's "on"; a setpoint's value above its minimum */
  BD_INTERLOCK_BLOCKS_OFF,   /* a relay's "off"; a setpoint's minimum */
} BdInterlockBlocks;

typedef struct
{
  char     *relay;          /* NULL: no relay condition */
  gboolean  relay_on;       /* holds when the relay is confirmed on; when
                             * FALSE, holds unless it is confirmed on (an
                             * unknown relay is not running) */
  char     *topic;          /* NULL: no value condition */
  double    above;          /* NAN = unset: the last value must be > above */
  double    below;          /*              and < below */
  int       from_minute;    /* -1: no time window; else minutes after midnight, */
  int       to_minute;      /* local time; to < from wraps past midnight */
} BdCondition;

typedef struct
{
  char               *id;
  char               *name;
  BdAutomationMode    mode;
  BdAutomationWhen    when;
  char               *alarm_rule;   /* the alarm rule's id */
  char               *alarm_topic;  /* NULL: any topic of the rule */
  BdAlarmLevel        level;        /* NONE: any level; HI also matches HIHI, LO LOLO */
  BdAutomationAction  action;
  char               *target;       /* relay or setpoint id */
  gboolean            on;           /* relay */
  double              value;        /* setpoint */
  char               *topic;        /* publish */
  char               *payload;      /* publish */
  gboolean            retain;       /* publish */
  guint               delay_ms;
  BdCondition         condition;
} BdAutomation;

typedef struct
{
  char              *id;
  char              *name;
  char              *target;        /* relay or setpoint id */
  BdInterlockBlocks  blocks;
  BdCondition        condition;
} BdInterlock;

#define BD_TYPE_AUTOMATION (bd_automation_get_type ())
GType          bd_automation_get_type   (void);
BdAutomation  *bd_automation_new        (const char          *id);
BdAutomation  *bd_automation_copy       (const BdAutomation  *automation);
void           bd_automation_free       (BdAutomation        *automation);
gboolean       bd_automation_validate   (const BdAutomation  *automation,
                                         GError             **error);
/* "Switch Fan, packaging on", for people; @target_name may be NULL. */
char          *bd_automation_describe_action (const BdAutomation *automation,
                                              const char         *target_name);

#define BD_TYPE_INTERLOCK (bd_interlock_get_type ())
GType          bd_interlock_get_type    (void);
BdInterlock   *bd_interlock_new         (const char          *id);
BdInterlock   *bd_interlock_copy        (const BdInterlock   *interlock);
void           bd_interlock_free        (BdInterlock         *interlock);
gboolean       bd_interlock_validate    (const BdInterlock   *interlock,
                                         GError             **error);

void           bd_condition_init        (BdCondition         *condition);
void           bd_condition_clear       (BdCondition         *condition);
void           bd_condition_copy_into   (BdCondition         *dest,
                                         const BdCondition   *src);
gboolean       bd_condition_is_empty    (const BdCondition   *condition);
/* "Fan, packaging is off", "temperature above 28", "08:00–18:00", joined
 * with "and"; for people. */
char          *bd_condition_describe    (const BdCondition   *condition);

/* A daily window "08:00-18:00" (local time; the end before the start wraps
 * past midnight), as automations.ini and the editor write it. */
gboolean       bd_condition_parse_window  (const char        *text,
                                           int               *from_minute,
                                           int               *to_minute);
/* "08:00-18:00", or NULL without a window. */
char          *bd_condition_format_window (const BdCondition *condition);

/* For the file and logs (not translated). */
const char    *bd_automation_mode_to_string   (BdAutomationMode mode);
const char    *bd_automation_when_to_string   (BdAutomationWhen when);
const char    *bd_automation_action_to_string (BdAutomationAction action);
const char    *bd_interlock_blocks_to_string  (BdInterlockBlocks blocks);
/* Translated, for people. */
const char    *bd_automation_mode_to_label    (BdAutomationMode mode);
const char    *bd_automation_when_to_label    (BdAutomationWhen when);

/* automations.ini. Broken entries are skipped and described in *@warnings
 * (file, group, key). A missing file is no entries. Thread-safe. */
gboolean       bd_automations_load_from_data  (const char   *data,
                                               gssize        len,
                                               const char   *file_name,
                                               GPtrArray   **automations,
                                               GPtrArray   **interlocks,
                                               char       ***warnings,
                                               GError      **error);
gboolean       bd_automations_load            (const char   *path,
                                               GPtrArray   **automations,
                                               GPtrArray   **interlocks,
                                               char       ***warnings,
                                               GError      **error);
char          *bd_automations_to_data         (GPtrArray    *automations,
                                               GPtrArray    *interlocks,
                                               gsize        *len);
/* $XDG_CONFIG_HOME/brokerdesk/automations.ini */
char          *bd_automations_dup_default_path (void);

/* The demo plant's: packaging's fan starts when its temperature is Hi (on),
 * and asks to stop when it returns (ask); each heater is interlocked with
 * its area's fan. */
void           bd_automations_new_demo        (GPtrArray   **automations,
                                               GPtrArray   **interlocks);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BdAutomation, bd_automation_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BdInterlock, bd_interlock_free)

G_END_DECLS
