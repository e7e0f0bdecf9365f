/* bd-alarm.c — one alarm (a rule on one topic), as the Alarms page shows it
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <math.h>

#include "bd-alarm-private.h"

struct _BdAlarm
{
  GObject          parent_instance;

  char            *rule_id;
  char            *rule_name;
  char            *topic;
  BdAlarmState     state;
  BdAlarmLevel     level;
  BdAlarmPriority  priority;
  double           value;
  gint64           since_us;
  gint64           shelved_until_us;
};

enum {
  PROP_0,
  PROP_RULE_ID,
  PROP_RULE_NAME,
  PROP_TOPIC,
  PROP_STATE,
  PROP_LEVEL,
  PROP_PRIORITY,
  PROP_VALUE,
  PROP_SINCE,
  PROP_ACKNOWLEDGED,
  PROP_SHELVED_UNTIL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (BdAlarm, bd_alarm, G_TYPE_OBJECT)

static void
bd_alarm_finalize (GObject *object)
{
  BdAlarm *self = BD_ALARM (object);

  g_free (self->rule_id);
  g_free (self->rule_name);
  g_free (self->topic);

  G_OBJECT_CLASS (bd_alarm_parent_class)->finalize (object);
}

static void
bd_alarm_get_property (GObject    *object,
                       guint       prop_id,
                       GValue     *value,
                       GParamSpec *pspec)
{
  BdAlarm *self = BD_ALARM (object);

  switch (prop_id)
    {
    case PROP_RULE_ID:
      g_value_set_string (value, self->rule_id);
      break;
    case PROP_RULE_NAME:
      g_value_set_string (value, self->rule_name);
      break;
    case PROP_TOPIC:
      g_value_set_string (value, self->topic);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_LEVEL:
      g_value_set_enum (value, self->level);
      break;
    case PROP_PRIORITY:
      g_value_set_enum (value, self->priority);
      break;
    case PROP_VALUE:
      g_value_set_double (value, self->value);
      break;
    case PROP_SINCE:
      g_value_set_int64 (value, self->since_us);
      break;
    case PROP_ACKNOWLEDGED:
      g_value_set_boolean (value, bd_alarm_get_acknowledged (self));
      break;
    case PROP_SHELVED_UNTIL:
      g_value_set_int64 (value, self->shelved_until_us);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bd_alarm_class_init (BdAlarmClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->finalize = bd_alarm_finalize;
  object_class->get_property = bd_alarm_get_property;

  properties[PROP_RULE_ID] = g_param_spec_string ("rule-id", NULL, NULL, NULL, flags);
  properties[PROP_RULE_NAME] = g_param_spec_string ("rule-name", NULL, NULL, NULL, flags);
  properties[PROP_TOPIC] = g_param_spec_string ("topic", NULL, NULL, NULL, flags);
  properties[PROP_STATE] = g_param_spec_enum ("state", NULL, NULL, BD_TYPE_ALARM_STATE,
                                              BD_ALARM_STATE_NORMAL, flags);
  properties[PROP_LEVEL] = g_param_spec_enum ("level", NULL, NULL, BD_TYPE_ALARM_LEVEL,
                                              BD_ALARM_LEVEL_NONE, flags);
  properties[PROP_PRIORITY] = g_param_spec_enum ("priority", NULL, NULL, BD_TYPE_ALARM_PRIORITY,
                                                 BD_ALARM_PRIORITY_MEDIUM, flags);
  properties[PROP_VALUE] = g_param_spec_double ("value", NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE,
                                                0, flags);
  properties[PROP_SINCE] = g_param_spec_int64 ("since", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_ACKNOWLEDGED] = g_param_spec_boolean ("acknowledged", NULL, NULL, FALSE, flags);
  properties[PROP_SHELVED_UNTIL] = g_param_spec_int64 ("shelved-until", NULL, NULL,
                                                       0, G_MAXINT64, 0, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
bd_alarm_init (BdAlarm *self)
{
  self->value = NAN;
}

BdAlarm *
_bd_alarm_new (const BdAlarmRule *rule,
               const char        *topic)
{
  BdAlarm *self = g_object_new (BD_TYPE_ALARM, NULL);

  self->rule_id = g_strdup (rule->id);
  self->rule_name = g_strdup (rule->name);
  self->priority = rule->priority;
  self->topic = g_strdup (topic);
  return self;
}

void
_bd_alarm_update (BdAlarm               *self,
                  const BdAlarmRule     *rule,
                  const BdAlarmInstance *instance)
{
  gboolean was_acked = bd_alarm_get_acknowledged (self);

  g_object_freeze_notify (G_OBJECT (self));
  if (g_strcmp0 (self->rule_name, rule->name) != 0)
    {
      g_free (self->rule_name);
      self->rule_name = g_strdup (rule->name);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RULE_NAME]);
    }
  if (self->priority != rule->priority)
    {
      self->priority = rule->priority;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PRIORITY]);
    }
  if (self->state != instance->state)
    {
      self->state = instance->state;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
    }
  if (self->level != instance->level)
    {
      self->level = instance->level;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LEVEL]);
    }
  if (!(self->value == instance->value || (isnan (self->value) && isnan (instance->value))))
    {
      self->value = instance->value;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VALUE]);
    }
  if (self->since_us != instance->since_us)
    {
      self->since_us = instance->since_us;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SINCE]);
    }
  if (self->shelved_until_us != instance->shelved_until_us)
    {
      self->shelved_until_us = instance->shelved_until_us;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHELVED_UNTIL]);
    }
  if (was_acked != bd_alarm_get_acknowledged (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ACKNOWLEDGED]);
  g_object_thaw_notify (G_OBJECT (self));
}

const char *
bd_alarm_get_rule_id (BdAlarm *self)
{
  g_return_val_if_fail (BD_IS_ALARM (self), NULL);
  return self->rule_id;
}

const char *
bd_alarm_get_rule_name (BdAlarm *self)
{
  g_return_val_if_fail (BD_IS_ALARM (self), NULL);
  return self->rule_name;
}

const char *
bd_alarm_get_topic (BdAlarm *self)
{
  g_return_val_if_fail (BD_IS_ALARM (self), NULL);
  return self->topic;
}

BdAlarmState
bd_alarm_get_state (BdAlarm *self)
{
  g_return_val_if_fail (BD_IS_ALARM (self), BD_ALARM_STATE_NORMAL);
  return self->state;
}

BdAlarmLevel
bd_alarm_get_level (BdAlarm *self)
{
  g_return_val_if_fail (BD_IS_ALARM (self), BD_ALARM_LEVEL_NONE);
  return self->level;
}

BdAlarmPriority
bd_alarm_get_priority (BdAlarm *self)
{
  g_return_val_if_fail (BD_IS_ALARM (self), BD_ALARM_PRIORITY_MEDIUM);
  return self->priority;
}

double
bd_alarm_get_value (BdAlarm *self)
{
  g_return_val_if_fail (BD_IS_ALARM (self), NAN);
  return self->value;
}

gint64
bd_alarm_get_since (BdAlarm *self)
{
  g_return_val_if_fail (BD_IS_ALARM (self), 0);
  return self->since_us;
}

gboolean
bd_alarm_get_acknowledged (BdAlarm *self)
{
  g_return_val_if_fail (BD_IS_ALARM (self), FALSE);
  /* Only an active alarm waits for acknowledgement; NORMAL has nothing to
   * acknowledge, RTN_UNACK and UNACK do. */
  return self->state == BD_ALARM_STATE_ACKED || self->state == BD_ALARM_STATE_NORMAL;
}

gint64
bd_alarm_get_shelved_until (BdAlarm *self)
{
  g_return_val_if_fail (BD_IS_ALARM (self), 0);
  return self->shelved_until_us;
}

char *
bd_alarm_describe (BdAlarm *self)
{
  g_autoptr(GString) text = g_string_new (NULL);
  char number[G_ASCII_DTOSTR_BUF_SIZE];

  g_return_val_if_fail (BD_IS_ALARM (self), NULL);

  g_string_append (text, self->rule_name != NULL && self->rule_name[0] != '\0' ?
                         self->rule_name : self->rule_id);
  if (self->level != BD_ALARM_LEVEL_NONE)
    g_string_append_printf (text, " %s", bd_alarm_level_to_label (self->level));
  g_string_append_printf (text, " — %s", self->topic);
  if (!isnan (self->value))
    g_string_append_printf (text, ": %s", g_ascii_formatd (number, sizeof number, "%.6g",
                                                           self->value));
  return g_string_free (g_steal_pointer (&text), FALSE);
}
