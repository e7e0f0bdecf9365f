/* bd-automation.c — automations and interlocks: values, validation, automations.ini
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   [packaging-fan-on-hot]
 *   name=Fan on when packaging is hot
 *   mode=on                  (on, off, ask)
 *   when=raised              (raised, acknowledged, returned, stale)
 *   alarm-rule=demo-temperature
 *   alarm-topic=busan/factory/packaging/temperature   (optional)
 *   level=hi                 (optional: hihi, hi, lo, lolo)
 *   action=relay             (relay, setpoint, publish)
 *   target=packaging-fan     (relay or setpoint id)
 *   command=on               (relay: on or off; setpoint: a number)
 *   topic=…                  (publish)
 *   payload=…                (publish)
 *   retain=false             (publish)
 *   delay=0                  (seconds)
 *   if-relay=…  if-relay-state=on|off
 *   if-topic=…  if-above=…  if-below=…
 *   if-time=08:00-18:00
 *
 *   [packaging-heater-needs-fan]
 *   type=interlock
 *   target=packaging-heater
 *   blocks=on                (on, off, any)
 *   if-relay=packaging-fan   if-relay-state=off
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bd-automation.h"
#include "bd-settings-file.h"
#include "bd-topic.h"

G_DEFINE_QUARK (bd-automation-error-quark, bd_automation_error)

G_DEFINE_BOXED_TYPE (BdAutomation, bd_automation, bd_automation_copy, bd_automation_free)
G_DEFINE_BOXED_TYPE (BdInterlock, bd_interlock, bd_interlock_copy, bd_interlock_free)

static const char * const mode_names[] = { "off", "on", "ask", NULL };
static const char * const when_names[] = { "raised", "acknowledged", "returned", "stale", NULL };
static const char * const action_names[] = { "relay", "setpoint", "publish", NULL };
static const char * const blocks_names[] = { "any", "on", "off", NULL };
static const char * const level_names[] = { "none", "hihi", "hi", "lo", "lolo", "stale", NULL };

static int
name_index (const char * const *names,
            guint               n,
            const char         *text)
{
  for (guint i = 0; i < n; i++)
    if (g_strcmp0 (names[i], text) == 0)
      return i;
  return -1;
}

const char *
bd_automation_mode_to_string (BdAutomationMode mode)
{
  return mode < G_N_ELEMENTS (mode_names) - 1 ? mode_names[mode] : "?";
}

const char *
bd_automation_when_to_string (BdAutomationWhen when)
{
  return when < G_N_ELEMENTS (when_names) - 1 ? when_names[when] : "?";
}

const char *
bd_automation_action_to_string (BdAutomationAction action)
{
  return action < G_N_ELEMENTS (action_names) - 1 ? action_names[action] : "?";
}

const char *
bd_interlock_blocks_to_string (BdInterlockBlocks blocks)
{
  return blocks < G_N_ELEMENTS (blocks_names) - 1 ? blocks_names[blocks] : "?";
}

const char *
bd_automation_mode_to_label (BdAutomationMode mode)
{
  switch (mode)
    {
    case BD_AUTOMATION_MODE_OFF: return C_("automation mode", "Off");
    case BD_AUTOMATION_MODE_ON: return C_("automation mode", "On");
    case BD_AUTOMATION_MODE_ASK: return C_("automation mode", "Ask");
    default: return "?";
    }
}

const char *
bd_automation_when_to_label (BdAutomationWhen when)
{
  switch (when)
    {
    case BD_AUTOMATION_WHEN_RAISED: return _("raised");
    case BD_AUTOMATION_WHEN_ACKNOWLEDGED: return _("acknowledged");
    case BD_AUTOMATION_WHEN_RETURNED: return _("returned to normal");
    case BD_AUTOMATION_WHEN_STALE: return _("stale");
    default: return "?";
    }
}

/* ------------------------------------------------------------ conditions */

void
bd_condition_init (BdCondition *condition)
{
  memset (condition, 0, sizeof *condition);
  condition->above = NAN;
  condition->below = NAN;
  condition->from_minute = -1;
  condition->to_minute = -1;
}

void
bd_condition_clear (BdCondition *condition)
{
  g_clear_pointer (&condition->relay, g_free);
  g_clear_pointer (&condition->topic, g_free);
}

void
bd_condition_copy_into (BdCondition       *dest,
                        const BdCondition *src)
{
  *dest = *src;
  dest->relay = g_strdup (src->relay);
  dest->topic = g_strdup (src->topic);
}

gboolean
bd_condition_is_empty (const BdCondition *condition)
{
  return condition->relay == NULL && condition->topic == NULL && condition->from_minute < 0;
}

char *
bd_condition_describe (const BdCondition *condition)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);

  if (condition->relay != NULL)
    g_ptr_array_add (parts, g_strdup_printf (condition->relay_on ? _("%s is on") : _("%s is off"),
                                             condition->relay));
  if (condition->topic != NULL && !isnan (condition->above))
    g_ptr_array_add (parts, g_strdup_printf (_("%s above %g"), condition->topic, condition->above));
  if (condition->topic != NULL && !isnan (condition->below))
    g_ptr_array_add (parts, g_strdup_printf (_("%s below %g"), condition->topic, condition->below));
  if (condition->from_minute >= 0)
    /* Translators: a daily time window, "between 08:00 and 18:00" */
    g_ptr_array_add (parts, g_strdup_printf (_("between %02d:%02d and %02d:%02d"),
                                             condition->from_minute / 60, condition->from_minute % 60,
                                             condition->to_minute / 60, condition->to_minute % 60));
  if (parts->len == 0)
    return g_strdup (_("always"));
  g_ptr_array_add (parts, NULL);
  /* Translators: joins the parts of a condition */
  return g_strjoinv (_(" and "), (char **) parts->pdata);
}

static gboolean
condition_validate (const BdCondition  *condition,
                    GError            **error)
{
  if (condition->topic != NULL && isnan (condition->above) && isnan (condition->below))
    {
      g_set_error_literal (error, BD_AUTOMATION_ERROR, BD_AUTOMATION_ERROR_INVALID,
                           _("A topic condition needs a limit above or below"));
      return FALSE;
    }
  if (condition->topic != NULL && !bd_topic_name_is_valid (condition->topic))
    {
      g_set_error_literal (error, BD_AUTOMATION_ERROR, BD_AUTOMATION_ERROR_INVALID,
                           _("The condition's topic is not a valid topic name"));
      return FALSE;
    }
  if (condition->from_minute >= 24 * 60 || condition->to_minute >= 24 * 60 ||
      (condition->from_minute < 0) != (condition->to_minute < 0))
    {
      g_set_error_literal (error, BD_AUTOMATION_ERROR, BD_AUTOMATION_ERROR_INVALID,
                           _("The time window must be like 08:00-18:00"));
      return FALSE;
    }
  return TRUE;
}

/* ------------------------------------------------------------ structs */

static gboolean
check_id_and_name (const char  *id,
                   const char  *name,
                   GError     **error)
{
  if (id == NULL || *id == '\0' || strpbrk (id, "[]\n\r") != NULL)
    {
      g_set_error_literal (error, BD_AUTOMATION_ERROR, BD_AUTOMATION_ERROR_INVALID,
                           _("It needs an id without brackets or line breaks"));
      return FALSE;
    }
  if (name == NULL || *name == '\0')
    {
      g_set_error_literal (error, BD_AUTOMATION_ERROR, BD_AUTOMATION_ERROR_INVALID,
                           _("It needs a name"));
      return FALSE;
    }
  return TRUE;
}

BdAutomation *
bd_automation_new (const char *id)
{
  BdAutomation *automation = g_new0 (BdAutomation, 1);

  automation->id = g_strdup (id);
  automation->mode = BD_AUTOMATION_MODE_ON;
  automation->on = TRUE;
  bd_condition_init (&automation->condition);
  return automation;
}

BdAutomation *
bd_automation_copy (const BdAutomation *automation)
{
  BdAutomation *copy = g_new0 (BdAutomation, 1);

  *copy = *automation;
  copy->id = g_strdup (automation->id);
  copy->name = g_strdup (automation->name);
  copy->alarm_rule = g_strdup (automation->alarm_rule);
  copy->alarm_topic = g_strdup (automation->alarm_topic);
  copy->target = g_strdup (automation->target);
  copy->topic = g_strdup (automation->topic);
  copy->payload = g_strdup (automation->payload);
  bd_condition_copy_into (&copy->condition, &automation->condition);
  return copy;
}

void
bd_automation_free (BdAutomation *automation)
{
  if (automation == NULL)
    return;
  g_free (automation->id);
  g_free (automation->name);
  g_free (automation->alarm_rule);
  g_free (automation->alarm_topic);
  g_free (automation->target);
  g_free (automation->topic);
  g_free (automation->payload);
  bd_condition_clear (&automation->condition);
  g_free (automation);
}

gboolean
bd_automation_validate (const BdAutomation  *automation,
                        GError             **error)
{
  if (!check_id_and_name (automation->id, automation->name, error))
    return FALSE;
  if (automation->alarm_rule == NULL || *automation->alarm_rule == '\0')
    {
      g_set_error_literal (error, BD_AUTOMATION_ERROR, BD_AUTOMATION_ERROR_INVALID,
                           _("The automation needs the alarm rule it answers"));
      return FALSE;
    }
  if (automation->action == BD_AUTOMATION_ACTION_PUBLISH)
    {
      if (automation->topic == NULL || !bd_topic_name_is_valid (automation->topic))
        {
          g_set_error_literal (error, BD_AUTOMATION_ERROR, BD_AUTOMATION_ERROR_INVALID,
                               _("The message needs a topic without wildcards"));
          return FALSE;
        }
    }
  else if (automation->target == NULL || *automation->target == '\0')
    {
      g_set_error_literal (error, BD_AUTOMATION_ERROR, BD_AUTOMATION_ERROR_INVALID,
                           _("The automation needs the relay or setpoint it commands"));
      return FALSE;
    }
  if (automation->action == BD_AUTOMATION_ACTION_SETPOINT && !isfinite (automation->value))
    {
      g_set_error_literal (error, BD_AUTOMATION_ERROR, BD_AUTOMATION_ERROR_INVALID,
                           _("The setpoint value must be a number"));
      return FALSE;
    }
  return condition_validate (&automation->condition, error);
}

char *
bd_automation_describe_action (const BdAutomation *automation,
                               const char         *target_name)
{
  const char *target = target_name != NULL ? target_name : automation->target;

  switch (automation->action)
    {
    case BD_AUTOMATION_ACTION_RELAY:
      return g_strdup_printf (automation->on ? _("Switch %s on") : _("Switch %s off"), target);
    case BD_AUTOMATION_ACTION_SETPOINT:
      /* Translators: "Set Valve, packaging to 40" */
      return g_strdup_printf (_("Set %s to %g"), target, automation->value);
    case BD_AUTOMATION_ACTION_PUBLISH:
    default:
      /* Translators: "Publish “ON” to plant/siren" */
      return g_strdup_printf (_("Publish “%s” to %s"), automation->payload != NULL ? automation->payload : "",
                              automation->topic);
    }
}

BdInterlock *
bd_interlock_new (const char *id)
{
  BdInterlock *interlock = g_new0 (BdInterlock, 1);

  interlock->id = g_strdup (id);
  interlock->blocks = BD_INTERLOCK_BLOCKS_ON;
  bd_condition_init (&interlock->condition);
  return interlock;
}

BdInterlock *
bd_interlock_copy (const BdInterlock *interlock)
{
  BdInterlock *copy = g_new0 (BdInterlock, 1);

  *copy = *interlock;
  copy->id = g_strdup (interlock->id);
  copy->name = g_strdup (interlock->name);
  copy->target = g_strdup (interlock->target);
  bd_condition_copy_into (&copy->condition, &interlock->condition);
  return copy;
}

void
bd_interlock_free (BdInterlock *interlock)
{
  if (interlock == NULL)
    return;
  g_free (interlock->id);
  g_free (interlock->name);
  g_free (interlock->target);
  bd_condition_clear (&interlock->condition);
  g_free (interlock);
}

gboolean
bd_interlock_validate (const BdInterlock  *interlock,
                       GError            **error)
{
  if (!check_id_and_name (interlock->id, interlock->name, error))
    return FALSE;
  if (interlock->target == NULL || *interlock->target == '\0')
    {
      g_set_error_literal (error, BD_AUTOMATION_ERROR, BD_AUTOMATION_ERROR_INVALID,
                           _("The interlock needs the relay or setpoint it blocks"));
      return FALSE;
    }
  /* An interlock that always holds would block for ever: say so. */
  if (bd_condition_is_empty (&interlock->condition))
    {
      g_set_error_literal (error, BD_AUTOMATION_ERROR, BD_AUTOMATION_ERROR_INVALID,
                           _("The interlock needs a condition"));
      return FALSE;
    }
  return condition_validate (&interlock->condition, error);
}

/* ------------------------------------------------------------ the file */

static void
add_warning (GPtrArray  *warnings,
             const char *file_name,
             const char *group,
             const char *key,
             const char *message)
{
  if (key != NULL)
    /* Translators: "automations.ini: [fan-on], key “when”: “hot” is not …" */
    g_ptr_array_add (warnings, g_strdup_printf (_("%s: [%s], key “%s”: %s"), file_name, group, key, message));
  else
    g_ptr_array_add (warnings, g_strdup_printf (_("%s: [%s]: %s"), file_name, group, message));
}

typedef struct
{
  GKeyFile   *key_file;
  const char *group;
  const char *file_name;
  GPtrArray  *warnings;
  gboolean    failed;
} Reader;

static char *
read_text (Reader     *reader,
           const char *key)
{
  char *value;

  if (reader->failed)
    return NULL;
  value = g_key_file_get_string (reader->key_file, reader->group, key, NULL);
  if (value != NULL)
    g_strstrip (value);
  return value;
}

static int
read_choice (Reader             *reader,
             const char         *key,
             const char * const *names,
             guint               n,
             int                 fallback)
{
  g_autofree char *text = read_text (reader, key);
  int index;

  if (text == NULL)
    return fallback;
  index = name_index (names, n, text);
  if (index < 0)
    {
      g_autofree char *choices = g_strjoinv (", ", (char **) names);
      /* Translators: "“hot” is not one of: raised, acknowledged, …" */
      g_autofree char *message = g_strdup_printf (_("“%s” is not one of: %s"), text, choices);

      add_warning (reader->warnings, reader->file_name, reader->group, key, message);
      reader->failed = TRUE;
      return fallback;
    }
  return index;
}

static double
read_number (Reader     *reader,
             const char *key,
             double      fallback)
{
  g_autofree char *text = read_text (reader, key);
  double value;

  if (text == NULL)
    return fallback;
  if (!bd_settings_file_parse_number (text, &value))
    {
      g_autofree char *message = g_strdup_printf (_("“%s” is not a number"), text);

      add_warning (reader->warnings, reader->file_name, reader->group, key, message);
      reader->failed = TRUE;
      return fallback;
    }
  return value;
}

static gboolean
parse_clock (const char *text,
             int        *minute)
{
  guint h;
  guint m;
  char tail;

  if (sscanf (text, "%u:%u%c", &h, &m, &tail) != 2 || h > 23 || m > 59)
    return FALSE;
  *minute = h * 60 + m;
  return TRUE;
}

gboolean
bd_condition_parse_window (const char *text,
                           int        *from_minute,
                           int        *to_minute)
{
  g_auto(GStrv) ends = g_strsplit (text, "-", 2);
  int from, to;

  if (g_strv_length (ends) != 2 ||
      !parse_clock (g_strstrip (ends[0]), &from) ||
      !parse_clock (g_strstrip (ends[1]), &to))
    return FALSE;
  *from_minute = from;
  *to_minute = to;
  return TRUE;
}

char *
bd_condition_format_window (const BdCondition *condition)
{
  if (condition->from_minute < 0)
    return NULL;
  return g_strdup_printf ("%02d:%02d-%02d:%02d",
                          condition->from_minute / 60, condition->from_minute % 60,
                          condition->to_minute / 60, condition->to_minute % 60);
}

static void
read_condition (Reader      *reader,
                BdCondition *condition)
{
  static const char * const states[] = { "off", "on", NULL };
  g_autofree char *window = NULL;

  condition->relay = read_text (reader, "if-relay");
  condition->relay_on = read_choice (reader, "if-relay-state", states, 2, 1) == 1;
  condition->topic = read_text (reader, "if-topic");
  condition->above = read_number (reader, "if-above", NAN);
  condition->below = read_number (reader, "if-below", NAN);
  window = read_text (reader, "if-time");
  if (window != NULL)
    {
      if (!bd_condition_parse_window (window, &condition->from_minute, &condition->to_minute))
        {
          add_warning (reader->warnings, reader->file_name, reader->group, "if-time",
                       _("The time window must be like 08:00-18:00"));
          reader->failed = TRUE;
        }
    }
}

static BdAutomation *
load_automation (Reader *reader)
{
  g_autoptr(BdAutomation) automation = bd_automation_new (reader->group);
  g_autoptr(GError) error = NULL;
  g_autofree char *command = NULL;
  g_autofree char *level = NULL;
  g_autofree char *retain = NULL;

  automation->name = read_text (reader, "name");
  if (automation->name == NULL)
    automation->name = g_strdup (reader->group);
  automation->mode = read_choice (reader, "mode", mode_names, G_N_ELEMENTS (mode_names) - 1, BD_AUTOMATION_MODE_ON);
  automation->when = read_choice (reader, "when", when_names, G_N_ELEMENTS (when_names) - 1, BD_AUTOMATION_WHEN_RAISED);
  automation->alarm_rule = read_text (reader, "alarm-rule");
  automation->alarm_topic = read_text (reader, "alarm-topic");
  automation->level = read_choice (reader, "level", level_names, G_N_ELEMENTS (level_names) - 1, BD_ALARM_LEVEL_NONE);
  automation->action = read_choice (reader, "action", action_names, G_N_ELEMENTS (action_names) - 1,
                                    BD_AUTOMATION_ACTION_RELAY);
  automation->target = read_text (reader, "target");
  automation->topic = read_text (reader, "topic");
  automation->payload = read_text (reader, "payload");
  retain = read_text (reader, "retain");
  automation->retain = g_strcmp0 (retain, "true") == 0;
  automation->delay_ms = (guint) (CLAMP (read_number (reader, "delay", 0), 0, 86400) * 1000 + 0.5);
  command = read_text (reader, "command");
  if (automation->action == BD_AUTOMATION_ACTION_RELAY && command != NULL)
    automation->on = g_ascii_strcasecmp (command, "off") != 0;
  else if (automation->action == BD_AUTOMATION_ACTION_SETPOINT)
    automation->value = read_number (reader, "command", NAN);
  read_condition (reader, &automation->condition);
  if (reader->failed)
    return NULL;
  if (!bd_automation_validate (automation, &error))
    {
      add_warning (reader->warnings, reader->file_name, reader->group, NULL, error->message);
      return NULL;
    }
  return g_steal_pointer (&automation);
}

static BdInterlock *
load_interlock (Reader *reader)
{
  g_autoptr(BdInterlock) interlock = bd_interlock_new (reader->group);
  g_autoptr(GError) error = NULL;

  interlock->name = read_text (reader, "name");
  if (interlock->name == NULL)
    interlock->name = g_strdup (reader->group);
  interlock->target = read_text (reader, "target");
  interlock->blocks = read_choice (reader, "blocks", blocks_names, G_N_ELEMENTS (blocks_names) - 1,
                                   BD_INTERLOCK_BLOCKS_ON);
  read_condition (reader, &interlock->condition);
  if (reader->failed)
    return NULL;
  if (!bd_interlock_validate (interlock, &error))
    {
      add_warning (reader->warnings, reader->file_name, reader->group, NULL, error->message);
      return NULL;
    }
  return g_steal_pointer (&interlock);
}

gboolean
bd_automations_load_from_data (const char   *data,
                               gssize        len,
                               const char   *file_name,
                               GPtrArray   **automations,
                               GPtrArray   **interlocks,
                               char       ***warnings,
                               GError      **error)
{
  g_autoptr(GKeyFile) key_file = NULL;
  g_autoptr(GPtrArray) loaded = g_ptr_array_new_with_free_func ((GDestroyNotify) bd_automation_free);
  g_autoptr(GPtrArray) locks = g_ptr_array_new_with_free_func ((GDestroyNotify) bd_interlock_free);
  g_autoptr(GPtrArray) messages = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) groups = NULL;

  if (file_name == NULL)
    file_name = "automations.ini";
  key_file = bd_settings_file_parse_key_file (data, len, file_name, error);
  if (key_file == NULL)
    return FALSE;
  groups = g_key_file_get_groups (key_file, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      Reader reader = { key_file, groups[i], file_name, messages, FALSE };
      g_autofree char *type = read_text (&reader, "type");

      if (g_strcmp0 (type, "interlock") == 0)
        {
          BdInterlock *interlock = load_interlock (&reader);

          if (interlock != NULL)
            g_ptr_array_add (locks, interlock);
        }
      else
        {
          BdAutomation *automation = load_automation (&reader);

          if (automation != NULL)
            g_ptr_array_add (loaded, automation);
        }
    }
  bd_settings_file_take_warnings (&messages, warnings);
  if (automations != NULL)
    *automations = g_steal_pointer (&loaded);
  if (interlocks != NULL)
    *interlocks = g_steal_pointer (&locks);
  return TRUE;
}

gboolean
bd_automations_load (const char   *path,
                     GPtrArray   **automations,
                     GPtrArray   **interlocks,
                     char       ***warnings,
                     GError      **error)
{
  g_autofree char *data = NULL;
  g_autofree char *file_name = g_path_get_basename (path);
  gsize len = 0;

  if (!g_file_get_contents (path, &data, &len, error))
    return FALSE;
  return bd_automations_load_from_data (data, len, file_name, automations, interlocks, warnings, error);
}

static void
set_optional (GKeyFile   *key_file,
              const char *group,
              const char *key,
              const char *value)
{
  if (value != NULL)
    g_key_file_set_string (key_file, group, key, value);
}

static void
write_condition (GKeyFile          *key_file,
                 const char        *group,
                 const BdCondition *condition)
{
  if (condition->relay != NULL)
    {
      g_key_file_set_string (key_file, group, "if-relay", condition->relay);
      g_key_file_set_string (key_file, group, "if-relay-state", condition->relay_on ? "on" : "off");
    }
  set_optional (key_file, group, "if-topic", condition->topic);
  bd_settings_file_set_number (key_file, group, "if-above", condition->above);
  bd_settings_file_set_number (key_file, group, "if-below", condition->below);
  if (condition->from_minute >= 0)
    {
      g_autofree char *window = bd_condition_format_window (condition);

      g_key_file_set_string (key_file, group, "if-time", window);
    }
}

char *
bd_automations_to_data (GPtrArray *automations,
                        GPtrArray *interlocks,
                        gsize     *len)
{
  g_autoptr(GKeyFile) key_file = g_key_file_new ();

  g_key_file_set_comment (key_file, NULL, NULL,
                          " Brokerdesk automations and interlocks: one group each, named by its id.", NULL);
  for (guint i = 0; automations != NULL && i < automations->len; i++)
    {
      const BdAutomation *a = g_ptr_array_index (automations, i);

      g_key_file_set_string (key_file, a->id, "name", a->name);
      g_key_file_set_string (key_file, a->id, "mode", bd_automation_mode_to_string (a->mode));
      g_key_file_set_string (key_file, a->id, "when", bd_automation_when_to_string (a->when));
      g_key_file_set_string (key_file, a->id, "alarm-rule", a->alarm_rule);
      set_optional (key_file, a->id, "alarm-topic", a->alarm_topic);
      if (a->level != BD_ALARM_LEVEL_NONE)
        g_key_file_set_string (key_file, a->id, "level", level_names[a->level]);
      g_key_file_set_string (key_file, a->id, "action", bd_automation_action_to_string (a->action));
      set_optional (key_file, a->id, "target", a->target);
      if (a->action == BD_AUTOMATION_ACTION_RELAY)
        g_key_file_set_string (key_file, a->id, "command", a->on ? "on" : "off");
      else if (a->action == BD_AUTOMATION_ACTION_SETPOINT)
        bd_settings_file_set_number (key_file, a->id, "command", a->value);
      set_optional (key_file, a->id, "topic", a->topic);
      set_optional (key_file, a->id, "payload", a->payload);
      if (a->action == BD_AUTOMATION_ACTION_PUBLISH)
        g_key_file_set_boolean (key_file, a->id, "retain", a->retain);
      bd_settings_file_set_number (key_file, a->id, "delay", a->delay_ms / 1000.0);
      write_condition (key_file, a->id, &a->condition);
    }
  for (guint i = 0; interlocks != NULL && i < interlocks->len; i++)
    {
      const BdInterlock *l = g_ptr_array_index (interlocks, i);

      g_key_file_set_string (key_file, l->id, "type", "interlock");
      g_key_file_set_string (key_file, l->id, "name", l->name);
      g_key_file_set_string (key_file, l->id, "target", l->target);
      g_key_file_set_string (key_file, l->id, "blocks", bd_interlock_blocks_to_string (l->blocks));
      write_condition (key_file, l->id, &l->condition);
    }
  return g_key_file_to_data (key_file, len, NULL);
}

char *
bd_automations_dup_default_path (void)
{
  return g_build_filename (g_get_user_config_dir (), "brokerdesk", "automations.ini", NULL);
}

void
bd_automations_new_demo (GPtrArray **automations,
                         GPtrArray **interlocks)
{
  /* Must match the demo's relays (bd_relays_new_demo) and alarm rules
   * (bd_alarm_rules_new_demo). Packaging is the area whose temperature
   * is certain to rise soon after the start. */
  static const char * const areas[] = { "manufacture", "assembly", "packaging" };
  BdAutomation *automation;

  *automations = g_ptr_array_new_with_free_func ((GDestroyNotify) bd_automation_free);
  *interlocks = g_ptr_array_new_with_free_func ((GDestroyNotify) bd_interlock_free);

  automation = bd_automation_new ("packaging-fan-on-hot");
  automation->name = g_strdup (_("Fan on when packaging is hot"));
  automation->alarm_rule = g_strdup ("demo-temperature");
  automation->alarm_topic = g_strdup ("busan/factory/packaging/temperature");
  automation->level = BD_ALARM_LEVEL_HI;
  automation->target = g_strdup ("packaging-fan");
  automation->on = TRUE;
  g_ptr_array_add (*automations, automation);

  automation = bd_automation_new ("packaging-fan-off-cool");
  automation->name = g_strdup (_("Fan off when packaging is back to normal"));
  automation->mode = BD_AUTOMATION_MODE_ASK;
  automation->when = BD_AUTOMATION_WHEN_RETURNED;
  automation->alarm_rule = g_strdup ("demo-temperature");
  automation->alarm_topic = g_strdup ("busan/factory/packaging/temperature");
  automation->target = g_strdup ("packaging-fan");
  automation->on = FALSE;
  g_ptr_array_add (*automations, automation);

  for (guint a = 0; a < G_N_ELEMENTS (areas); a++)
    {
      BdInterlock *interlock = bd_interlock_new (NULL);

      interlock->id = g_strdup_printf ("%s-heater-needs-fan", areas[a]);
      /* Translators: "Heater needs the fan, packaging" */
      interlock->name = g_strdup_printf (_("Heater needs the fan, %s"), areas[a]);
      interlock->target = g_strdup_printf ("%s-heater", areas[a]);
      interlock->blocks = BD_INTERLOCK_BLOCKS_ON;
      interlock->condition.relay = g_strdup_printf ("%s-fan", areas[a]);
      interlock->condition.relay_on = FALSE;
      g_ptr_array_add (*interlocks, interlock);
    }
}
