/* bd-alarm-rule.c — alarm rules: limits on a topic's value, and alarms.ini
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n.h>

#include "bd-alarm-rule.h"
#include "bd-payload.h"
#include "bd-settings-file.h"
#include "bd-topic.h"

G_DEFINE_QUARK (bd-alarm-error-quark, bd_alarm_error)

G_DEFINE_ENUM_TYPE (BdAlarmPriority, bd_alarm_priority,
  G_DEFINE_ENUM_VALUE (BD_ALARM_PRIORITY_LOW, "low"),
  G_DEFINE_ENUM_VALUE (BD_ALARM_PRIORITY_MEDIUM, "medium"),
  G_DEFINE_ENUM_VALUE (BD_ALARM_PRIORITY_HIGH, "high"),
  G_DEFINE_ENUM_VALUE (BD_ALARM_PRIORITY_CRITICAL, "critical"))

G_DEFINE_BOXED_TYPE (BdAlarmRule, bd_alarm_rule, bd_alarm_rule_copy, bd_alarm_rule_free)

static const char * const priority_names[] = { "low", "medium", "high", "critical" };

BdAlarmRule *
bd_alarm_rule_new (const char *id)
{
  BdAlarmRule *rule = g_new0 (BdAlarmRule, 1);

  rule->id = id != NULL ? g_strdup (id) : g_uuid_string_random ();
  rule->name = g_strdup ("");
  rule->filter = g_strdup ("");
  rule->field = g_strdup ("");
  rule->hihi = NAN;
  rule->hi = NAN;
  rule->lo = NAN;
  rule->lolo = NAN;
  rule->priority = BD_ALARM_PRIORITY_MEDIUM;
  rule->enabled = TRUE;
  return rule;
}

BdAlarmRule *
bd_alarm_rule_copy (const BdAlarmRule *rule)
{
  BdAlarmRule *copy;

  g_return_val_if_fail (rule != NULL, NULL);

  copy = g_memdup2 (rule, sizeof *rule);
  copy->id = g_strdup (rule->id);
  copy->name = g_strdup (rule->name != NULL ? rule->name : "");
  copy->filter = g_strdup (rule->filter != NULL ? rule->filter : "");
  copy->field = g_strdup (rule->field != NULL ? rule->field : "");
  return copy;
}

void
bd_alarm_rule_free (BdAlarmRule *rule)
{
  if (rule == NULL)
    return;
  g_free (rule->id);
  g_free (rule->name);
  g_free (rule->filter);
  g_free (rule->field);
  g_free (rule);
}

static gboolean
limit_equal (double a,
             double b)
{
  return (isnan (a) && isnan (b)) || a == b;
}

gboolean
bd_alarm_rule_equal (const BdAlarmRule *a,
                     const BdAlarmRule *b)
{
  return g_strcmp0 (a->id, b->id) == 0 &&
         g_strcmp0 (a->name, b->name) == 0 &&
         g_strcmp0 (a->filter, b->filter) == 0 &&
         g_strcmp0 (a->field, b->field) == 0 &&
         limit_equal (a->hihi, b->hihi) && limit_equal (a->hi, b->hi) &&
         limit_equal (a->lo, b->lo) && limit_equal (a->lolo, b->lolo) &&
         a->deadband == b->deadband && a->on_delay_s == b->on_delay_s &&
         a->off_delay_s == b->off_delay_s && a->priority == b->priority &&
         a->stale_s == b->stale_s && !a->enabled == !b->enabled;
}

const char *
bd_alarm_priority_to_string (BdAlarmPriority priority)
{
  g_return_val_if_fail (priority <= BD_ALARM_PRIORITY_CRITICAL, "medium");
  return priority_names[priority];
}

gboolean
bd_alarm_priority_from_string (const char      *text,
                               BdAlarmPriority *priority)
{
  for (guint i = 0; i < G_N_ELEMENTS (priority_names); i++)
    if (g_ascii_strcasecmp (text, priority_names[i]) == 0)
      {
        *priority = i;
        return TRUE;
      }
  return FALSE;
}

const char *
bd_alarm_priority_to_label (BdAlarmPriority priority)
{
  switch (priority)
    {
    case BD_ALARM_PRIORITY_LOW:
      return _("Low");
    case BD_ALARM_PRIORITY_MEDIUM:
      return _("Medium");
    case BD_ALARM_PRIORITY_HIGH:
      return _("High");
    case BD_ALARM_PRIORITY_CRITICAL:
      return _("Critical");
    default:
      return "?";
    }
}

static gboolean
invalid (GError    **error,
         const char *message)
{
  g_set_error_literal (error, BD_ALARM_ERROR, BD_ALARM_ERROR_INVALID_RULE, message);
  return FALSE;
}

gboolean
bd_alarm_rule_validate (const BdAlarmRule *rule,
                        GError           **error)
{
  const double limits[] = { rule->hihi, rule->hi, rule->lo, rule->lolo };
  double lowest_high = INFINITY;
  double highest_low = -INFINITY;

  g_return_val_if_fail (rule != NULL, FALSE);

  /* The id is a key file group name: no brackets, no line breaks. */
  if (rule->id == NULL || rule->id[0] == '\0' || strpbrk (rule->id, "[]\r\n") != NULL)
    return invalid (error, _("The rule id must not be empty or contain “[”, “]” or line breaks."));
  if (rule->filter == NULL || rule->filter[0] == '\0')
    return invalid (error, _("Enter the topic or topic filter to watch."));
  if (!bd_topic_filter_is_valid (rule->filter) ||
      bd_topic_filter_is_shared (rule->filter, NULL, NULL))
    return invalid (error, _("The topic filter is not valid: “+” and “#” must stand alone in "
                             "their level, and “#” only at the end."));
  if (rule->field != NULL && rule->field[0] != '\0')
    {
      g_autofree char *field = bd_payload_path_to_field (rule->field);

      if (field == NULL)
        return invalid (error, _("The JSON field is not a valid path (write it like "
                                 "“temperature” or “sensor.values[0]”)."));
    }
  for (guint i = 0; i < G_N_ELEMENTS (limits); i++)
    if (isinf (limits[i]))
      return invalid (error, _("A limit must be a finite number."));
  if (isnan (rule->hihi) && isnan (rule->hi) && isnan (rule->lo) && isnan (rule->lolo) &&
      !(rule->stale_s > 0))
    return invalid (error, _("Set at least one limit (HiHi, Hi, Lo, LoLo) or a stale-data time."));
  if (!isnan (rule->hi) && !isnan (rule->hihi) && !(rule->hi < rule->hihi))
    return invalid (error, _("The Hi limit must be below the HiHi limit."));
  if (!isnan (rule->lo) && !isnan (rule->lolo) && !(rule->lo > rule->lolo))
    return invalid (error, _("The Lo limit must be above the LoLo limit."));

  /* Every high limit above every low limit, or a value could be high and low
   * at once. */
  if (!isnan (rule->hi))
    lowest_high = rule->hi;
  else if (!isnan (rule->hihi))
    lowest_high = rule->hihi;
  if (!isnan (rule->lo))
    highest_low = rule->lo;
  else if (!isnan (rule->lolo))
    highest_low = rule->lolo;
  if (!(highest_low < lowest_high))
    return invalid (error, _("The low limits (Lo, LoLo) must be below the high limits (Hi, HiHi)."));

  if (!(rule->deadband >= 0) || isinf (rule->deadband))
    return invalid (error, _("The deadband must be zero or a positive number."));
  if (!(rule->on_delay_s >= 0) || !(rule->off_delay_s >= 0) ||
      isinf (rule->on_delay_s) || isinf (rule->off_delay_s))
    return invalid (error, _("The on- and off-delays must be zero or a positive number of seconds."));
  if (!(rule->stale_s >= 0) || isinf (rule->stale_s))
    return invalid (error, _("The stale-data time must be zero (off) or a positive number of seconds."));
  return TRUE;
}

/* Key file reading: each helper names the source, group and key in its error,
 * so a broken line in alarms.ini is easy to find. */

static gboolean
read_double (GKeyFile   *keyfile,
             const char *source_name,
             const char *group,
             const char *key,
             double      fallback,
             double     *value,
             GError    **error)
{
  g_autofree char *text = g_key_file_get_value (keyfile, group, key, NULL);

  if (text == NULL || g_strstrip (text)[0] == '\0')
    {
      *value = fallback;
      return TRUE;
    }
  if (!bd_settings_file_parse_number (text, value))
    {
      g_set_error (error, BD_ALARM_ERROR, BD_ALARM_ERROR_INVALID_RULE,
                   _("%s: rule [%s], key “%s”: “%s” is not a number"),
                   source_name, group, key, text);
      return FALSE;
    }
  return TRUE;
}

static BdAlarmRule *
rule_from_group (GKeyFile   *keyfile,
                 const char *source_name,
                 const char *group,
                 GError    **error)
{
  g_autoptr(BdAlarmRule) rule = bd_alarm_rule_new (group);
  g_autoptr(GError) local_error = NULL;
  g_autofree char *priority = NULL;
  g_autofree char *enabled = NULL;

  g_free (rule->name);
  rule->name = g_key_file_get_string (keyfile, group, "name", NULL);
  if (rule->name == NULL)
    rule->name = g_strdup (group);

  g_free (rule->filter);
  rule->filter = g_key_file_get_string (keyfile, group, "filter", NULL);
  if (rule->filter == NULL)
    {
      g_set_error (error, BD_ALARM_ERROR, BD_ALARM_ERROR_INVALID_RULE,
                   _("%s: rule [%s], key “%s”: missing"), source_name, group, "filter");
      return NULL;
    }
  g_free (rule->field);
  rule->field = g_key_file_get_string (keyfile, group, "field", NULL);
  if (rule->field == NULL)
    rule->field = g_strdup ("");

  if (!read_double (keyfile, source_name, group, "hihi", NAN, &rule->hihi, error) ||
      !read_double (keyfile, source_name, group, "hi", NAN, &rule->hi, error) ||
      !read_double (keyfile, source_name, group, "lo", NAN, &rule->lo, error) ||
      !read_double (keyfile, source_name, group, "lolo", NAN, &rule->lolo, error) ||
      !read_double (keyfile, source_name, group, "deadband", 0, &rule->deadband, error) ||
      !read_double (keyfile, source_name, group, "on-delay", 0, &rule->on_delay_s, error) ||
      !read_double (keyfile, source_name, group, "off-delay", 0, &rule->off_delay_s, error) ||
      !read_double (keyfile, source_name, group, "stale", 0, &rule->stale_s, error))
    return NULL;

  priority = g_key_file_get_string (keyfile, group, "priority", NULL);
  if (priority != NULL && !bd_alarm_priority_from_string (g_strstrip (priority), &rule->priority))
    {
      g_set_error (error, BD_ALARM_ERROR, BD_ALARM_ERROR_INVALID_RULE,
                   _("%s: rule [%s], key “%s”: “%s” is not one of low, medium, high, critical"),
                   source_name, group, "priority", priority);
      return NULL;
    }

  enabled = g_key_file_get_value (keyfile, group, "enabled", NULL);
  if (enabled != NULL)
    {
      rule->enabled = g_key_file_get_boolean (keyfile, group, "enabled", &local_error);
      if (local_error != NULL)
        {
          g_set_error (error, BD_ALARM_ERROR, BD_ALARM_ERROR_INVALID_RULE,
                       _("%s: rule [%s], key “%s”: “%s” is not true or false"),
                       source_name, group, "enabled", enabled);
          return NULL;
        }
    }

  if (!bd_alarm_rule_validate (rule, &local_error))
    {
      g_set_error (error, BD_ALARM_ERROR, BD_ALARM_ERROR_INVALID_RULE,
                   _("%s: rule [%s]: %s"), source_name, group, local_error->message);
      return NULL;
    }
  return g_steal_pointer (&rule);
}

GPtrArray *
bd_alarm_rules_from_data (const char  *data,
                          gsize        length,
                          const char  *source_name,
                          GPtrArray  **problems,
                          GError     **error)
{
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autoptr(GPtrArray) rules = g_ptr_array_new_with_free_func ((GDestroyNotify) bd_alarm_rule_free);
  g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
  g_auto(GStrv) groups = NULL;

  g_return_val_if_fail (data != NULL || length == 0, NULL);

  if (source_name == NULL)
    source_name = "alarms.ini";
  if (!g_key_file_load_from_data (keyfile, data != NULL ? data : "", length,
                                  G_KEY_FILE_NONE, error))
    {
      g_prefix_error (error, "%s: ", source_name);
      return NULL;
    }

  groups = g_key_file_get_groups (keyfile, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      GError *rule_error = NULL;
      BdAlarmRule *rule = rule_from_group (keyfile, source_name, groups[i], &rule_error);

      if (rule != NULL)
        g_ptr_array_add (rules, rule);
      else
        g_ptr_array_add (found, rule_error);
    }

  if (problems != NULL)
    *problems = g_steal_pointer (&found);
  return g_steal_pointer (&rules);
}

GPtrArray *
bd_alarm_rules_load_file (const char  *path,
                          GPtrArray  **problems,
                          GError     **error)
{
  g_autofree char *data = NULL;
  gsize length = 0;

  g_return_val_if_fail (path != NULL, NULL);

  if (!g_file_get_contents (path, &data, &length, error))
    return NULL;
  return bd_alarm_rules_from_data (data, length, path, problems, error);
}

char *
bd_alarm_rules_to_data (GPtrArray *rules,
                        gsize     *length)
{
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();

  g_return_val_if_fail (rules != NULL, NULL);

  for (guint i = 0; i < rules->len; i++)
    {
      const BdAlarmRule *rule = g_ptr_array_index (rules, i);

      g_key_file_set_string (keyfile, rule->id, "name", rule->name);
      g_key_file_set_string (keyfile, rule->id, "filter", rule->filter);
      g_key_file_set_string (keyfile, rule->id, "field", rule->field);
      bd_settings_file_set_number (keyfile, rule->id, "hihi", rule->hihi);
      bd_settings_file_set_number (keyfile, rule->id, "hi", rule->hi);
      bd_settings_file_set_number (keyfile, rule->id, "lo", rule->lo);
      bd_settings_file_set_number (keyfile, rule->id, "lolo", rule->lolo);
      bd_settings_file_set_number (keyfile, rule->id, "deadband", rule->deadband);
      bd_settings_file_set_number (keyfile, rule->id, "on-delay", rule->on_delay_s);
      bd_settings_file_set_number (keyfile, rule->id, "off-delay", rule->off_delay_s);
      g_key_file_set_string (keyfile, rule->id, "priority",
                             bd_alarm_priority_to_string (rule->priority));
      bd_settings_file_set_number (keyfile, rule->id, "stale", rule->stale_s);
      g_key_file_set_boolean (keyfile, rule->id, "enabled", rule->enabled);
    }
  return g_key_file_to_data (keyfile, length, NULL);
}

gboolean
bd_alarm_rules_save_file (GPtrArray   *rules,
                          const char  *path,
                          GError     **error)
{
  g_autofree char *data = NULL;
  gsize length = 0;

  g_return_val_if_fail (rules != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  data = bd_alarm_rules_to_data (rules, &length);
  return bd_settings_file_save (path, data, length, error);
}

static BdAlarmRule *
demo_rule (const char      *id,
           const char      *name,
           const char      *sensor,
           double           hihi,
           double           hi,
           double           lo,
           double           lolo,
           double           deadband,
           double           on_delay_s,
           BdAlarmPriority  priority,
           double           stale_s)
{
  BdAlarmRule *rule = bd_alarm_rule_new (id);

  g_free (rule->name);
  rule->name = g_strdup (name);
  g_free (rule->filter);
  rule->filter = g_strdup_printf ("busan/factory/+/%s", sensor);
  rule->hihi = hihi;
  rule->hi = hi;
  rule->lo = lo;
  rule->lolo = lolo;
  rule->deadband = deadband;
  rule->on_delay_s = on_delay_s;
  rule->priority = priority;
  rule->stale_s = stale_s;
  return rule;
}

GPtrArray *
bd_alarm_rules_new_demo (void)
{
  GPtrArray *rules = g_ptr_array_new_with_free_func ((GDestroyNotify) bd_alarm_rule_free);

  /* The demo plant (src/demo/bd-demo-plant.c) drifts around its base values
   * and now and then makes a half-minute excursion: temperature +9 °C from
   * about 23 °C, humidity +25 %RH from about 45 %, barometer -12 hPa from about
   * 1013 hPa, CO2 +900 ppm from about 620 ppm. The Hi limits sit above the
   * normal drift and below every excursion; HiHi is crossed by most
   * temperature excursions. The deadbands are wider than the noise, so an
   * excursion raises and clears once instead of chattering. */
  /* Named in the user's language: once saved they are the user's rules. */
  g_ptr_array_add (rules, demo_rule ("demo-temperature", _("Temperature"), "temperature",
                                     31.0, 28.0, NAN, NAN, 0.5, 2, BD_ALARM_PRIORITY_HIGH, 15));
  g_ptr_array_add (rules, demo_rule ("demo-humidity", _("Humidity"), "humidity",
                                     NAN, 60.0, 30.0, NAN, 2.0, 2, BD_ALARM_PRIORITY_MEDIUM, 0));
  g_ptr_array_add (rules, demo_rule ("demo-barometer", _("Air pressure"), "barometer",
                                     NAN, NAN, 1004.0, 998.0, 1.0, 2, BD_ALARM_PRIORITY_LOW, 0));
  g_ptr_array_add (rules, demo_rule ("demo-co2", C_("carbon dioxide", "CO₂"), "co2",
                                     1400.0, 1000.0, NAN, NAN, 50.0, 2, BD_ALARM_PRIORITY_HIGH, 0));
  return rules;
}
