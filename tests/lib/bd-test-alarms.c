/* bd-test-alarms.c — feeding the alarm engine and finding its alarms in tests
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "bd-test-alarms.h"
#include "test-client.h"

BdAlarmRule *
bd_test_alarm_rule_new (const char *id,
                        const char *name,
                        const char *filter,
                        double      hi)
{
  BdAlarmRule *rule = bd_alarm_rule_new (id);

  g_free (rule->name);
  rule->name = g_strdup (name);
  g_free (rule->filter);
  rule->filter = g_strdup (filter);
  rule->hi = hi;
  return rule;
}

void
bd_test_alarms_feed (BdAlarmEngine *alarms,
                     const char    *topic,
                     const char    *text)
{
  g_autoptr(BdMessage) message = test_message_new (topic, text, FALSE);

  bd_alarm_engine_feed (message, alarms);
}

BdAlarm *
bd_test_find_alarm (BdAlarmEngine *alarms,
                    const char    *rule_id,
                    const char    *topic)
{
  GListModel *model = bd_alarm_engine_get_alarms (alarms);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(BdAlarm) alarm = g_list_model_get_item (model, i);

      if ((rule_id == NULL || g_strcmp0 (bd_alarm_get_rule_id (alarm), rule_id) == 0) &&
          (topic == NULL || g_strcmp0 (bd_alarm_get_topic (alarm), topic) == 0))
        return alarm;
    }
  return NULL;
}
