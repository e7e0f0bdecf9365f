/* bd-alarm.h — one alarm (a rule on one topic), as the Alarms page shows it
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Read-only for everyone but the alarm engine, which updates it on the main
 * context it was created on; act on it through bd_alarm_engine_acknowledge ()
 * and friends.
 */

#pragma once

#include <glib-object.h>

#include "bd-alarm-eval.h"
#include "bd-alarm-rule.h"

G_BEGIN_DECLS

#define BD_TYPE_ALARM (bd_alarm_get_type ())
G_DECLARE_FINAL_TYPE (BdAlarm, bd_alarm, BD, ALARM, GObject)

const char      *bd_alarm_get_rule_id        (BdAlarm *self);
const char      *bd_alarm_get_rule_name      (BdAlarm *self);
const char      *bd_alarm_get_topic          (BdAlarm *self);
BdAlarmState     bd_alarm_get_state          (BdAlarm *self);
BdAlarmLevel     bd_alarm_get_level          (BdAlarm *self);
BdAlarmPriority  bd_alarm_get_priority       (BdAlarm *self);
double           bd_alarm_get_value          (BdAlarm *self);  /* NAN before the first */
gint64           bd_alarm_get_since          (BdAlarm *self);  /* wall clock, µs */
gboolean         bd_alarm_get_acknowledged   (BdAlarm *self);
gint64           bd_alarm_get_shelved_until  (BdAlarm *self);  /* 0 unless shelved */

/* "Temperature HiHi on busan/factory/assembly/temperature: 31.4" */
char            *bd_alarm_describe           (BdAlarm *self);

G_END_DECLS
