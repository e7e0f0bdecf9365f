/* bd-test-alarms.h — feeding the alarm engine and finding its alarms in tests
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "bd-alarm-engine.h"

G_BEGIN_DECLS

/* A rule @id named @name on the topics of @filter, raising at @hi (NAN:
 * no Hi limit); the other fields are bd_alarm_rule_new ()'s. */
BdAlarmRule *bd_test_alarm_rule_new (const char *id,
                                     const char *name,
                                     const char *filter,
                                     double      hi);

/* Feeds @alarms a QoS 0 message on @topic whose payload is @text, as the
 * engine's tap would, on the calling thread. */
void     bd_test_alarms_feed (BdAlarmEngine *alarms,
                              const char    *topic,
                              const char    *text);

/* The listed alarm of the rule @rule_id on @topic (either NULL: any), or
 * NULL; the list keeps the reference. */
BdAlarm *bd_test_find_alarm  (BdAlarmEngine *alarms,
                              const char    *rule_id,
                              const char    *topic);

G_END_DECLS
