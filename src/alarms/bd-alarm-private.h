/* bd-alarm-private.h — what the alarm engine changes in a BdAlarm
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "bd-alarm.h"

G_BEGIN_DECLS

BdAlarm *_bd_alarm_new    (const BdAlarmRule     *rule,
                           const char            *topic);
/* Copies the instance's state and the rule's name and priority; notifies only
 * the properties that changed. Main context only. */
void     _bd_alarm_update (BdAlarm               *self,
                           const BdAlarmRule     *rule,
                           const BdAlarmInstance *instance);

G_END_DECLS
