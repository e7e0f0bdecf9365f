/* bd-relays-ini.c — relays.ini: load, save, and the demo plant's relays
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One key-file group per relay, named by its id:
 *
 *   [manufacture-fan]
 *   name=Fan, manufacture
 *   command-topic=busan/factory/manufacture/fan/set
 *   state-topic=busan/factory/manufacture/fan/state
 *   on-payload=ON            (default ON)
 *   off-payload=OFF          (default OFF)
 *   state-on=ON              (default: on-payload)
 *   state-off=OFF            (default: off-payload)
 *   qos=1                    (0, 1 or 2; default 1)
 *   retain-command=false
 *   timeout=5                (seconds, may have a fraction; default 5)
 *
 * A setpoint is a group with type=setpoint (ids are unique across both):
 *
 *   [manufacture-valve]
 *   type=setpoint
 *   name=Valve, manufacture
 *   command-topic=busan/factory/manufacture/valve/set
 *   state-topic=busan/factory/manufacture/valve/state
 *   unit=%
 *   minimum=0                (default 0)
 *   maximum=100              (default 100)
 *   step=1                   (0: any value; default 1)
 *   rate-limit=2             (commands per second, 0: no limit; default 0)
 *   tolerance=0.5            (default: half the step)
 *   json-path=value          (default: a plain number)
 *   qos, retain-command, timeout as for relays
 *
 * Someone editing the file by hand makes mistakes; one broken relay must not
 * cost the others, so each group loads on its own and a warning names the
 * file, the group and the key.
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "bd-relay.h"
#include "bd-setpoint.h"
#include "bd-settings-file.h"

/* Reads @key into *@value; FALSE with a warning when present but unusable. */
static gboolean
read_string (GKeyFile    *key_file,
             const char  *group,
             const char  *key,
             char       **value,
             GError     **error)
{
  g_autoptr(GError) local_error = NULL;

  *value = g_key_file_get_string (key_file, group, key, &local_error);
  if (local_error != NULL && !g_error_matches (local_error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}

static void
add_warning (GPtrArray  *warnings,
             const char *file_name,
             const char *group,
             const char *key,
             const char *message)
{
  if (key != NULL)
    /* Translators: "relays.ini: relay [fan], key “qos”: “3” is not 0, 1 or 2" */
    g_ptr_array_add (warnings, g_strdup_printf (_("%s: relay [%s], key “%s”: %s"),
                                                file_name, group, key, message));
  else
    g_ptr_array_add (warnings, g_strdup_printf (_("%s: relay [%s]: %s"),
                                                file_name, group, message));
}

/* The string properties named by @keys (NULL-terminated), by the same names. */
static gboolean
read_strings (GKeyFile           *key_file,
              const char         *group,
              const char         *file_name,
              GPtrArray          *warnings,
              const char * const *keys,
              gpointer            object)
{
  g_autoptr(GError) error = NULL;

  for (guint i = 0; keys[i] != NULL; i++)
    {
      g_autofree char *value = NULL;

      if (!read_string (key_file, group, keys[i], &value, &error))
        {
          add_warning (warnings, file_name, group, keys[i], error->message);
          return FALSE;
        }
      if (value != NULL)
        g_object_set (object, keys[i], value, NULL);
    }
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (object), "name") != NULL)
    {
      g_autofree char *name = NULL;

      g_object_get (object, "name", &name, NULL);
      if (name == NULL)
        g_object_set (object, "name", group, NULL);
    }
  return TRUE;
}

/* qos, retain-command and timeout: relays and setpoints have the same
 * properties by the same names. */
static gboolean
read_command_keys (GKeyFile    *key_file,
                   const char  *group,
                   const char  *file_name,
                   GPtrArray   *warnings,
                   gpointer     object)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *qos = NULL;
  g_autofree char *retain = NULL;
  g_autofree char *timeout = NULL;

  if (!read_string (key_file, group, "qos", &qos, &error))
    {
      add_warning (warnings, file_name, group, "qos", error->message);
      return FALSE;
    }
  if (qos != NULL)
    {
      g_strstrip (qos);
      if (strlen (qos) != 1 || qos[0] < '0' || qos[0] > '2')
        {
          g_autofree char *message = g_strdup_printf (_("“%s” is not 0, 1 or 2"), qos);

          add_warning (warnings, file_name, group, "qos", message);
          return FALSE;
        }
      g_object_set (object, "qos", (guint) (qos[0] - '0'), NULL);
    }

  if (!read_string (key_file, group, "retain-command", &retain, &error))
    {
      add_warning (warnings, file_name, group, "retain-command", error->message);
      return FALSE;
    }
  if (retain != NULL)
    {
      g_strstrip (retain);
      if (g_str_equal (retain, "true"))
        g_object_set (object, "retain-command", TRUE, NULL);
      else if (g_str_equal (retain, "false"))
        g_object_set (object, "retain-command", FALSE, NULL);
      else
        {
          g_autofree char *message = g_strdup_printf (_("“%s” is not true or false"), retain);

          add_warning (warnings, file_name, group, "retain-command", message);
          return FALSE;
        }
    }

  if (!read_string (key_file, group, "timeout", &timeout, &error))
    {
      add_warning (warnings, file_name, group, "timeout", error->message);
      return FALSE;
    }
  if (timeout != NULL)
    {
      double seconds;

      g_strstrip (timeout);
      /* An hour is already longer than anyone waits for a relay. */
      if (!bd_settings_file_parse_number (timeout, &seconds) || !(seconds >= 0.05 && seconds <= 3600))
        {
          g_autofree char *message =
            g_strdup_printf (_("“%s” is not a number of seconds between 0.05 and 3600"), timeout);

          add_warning (warnings, file_name, group, "timeout", message);
          return FALSE;
        }
      g_object_set (object, "timeout", (guint) (seconds * 1000 + 0.5), NULL);
    }
  return TRUE;
}

static BdRelay *
load_relay (GKeyFile    *key_file,
            const char  *group,
            const char  *file_name,
            GPtrArray   *warnings)
{
  static const char * const string_keys[] = {
    "name", "command-topic", "state-topic", "on-payload", "off-payload", "state-on", "state-off", NULL,
  };
  g_autoptr(BdRelay) relay = bd_relay_new (group, NULL, NULL, NULL);
  g_autoptr(GError) error = NULL;

  if (!read_strings (key_file, group, file_name, warnings, string_keys, relay) ||
      !read_command_keys (key_file, group, file_name, warnings, relay))
    return NULL;

  if (!bd_relay_validate (relay, &error))
    {
      const char *key = NULL;

      /* Name the key when the check concerns one. */
      if (!bd_relay_validate_topic (bd_relay_get_command_topic (relay), NULL))
        key = "command-topic";
      else if (!bd_relay_validate_topic (bd_relay_get_state_topic (relay), NULL))
        key = "state-topic";
      add_warning (warnings, file_name, group, key, error->message);
      return NULL;
    }
  return g_steal_pointer (&relay);
}

static BdSetpoint *
load_setpoint (GKeyFile    *key_file,
               const char  *group,
               const char  *file_name,
               GPtrArray   *warnings)
{
  static const char * const string_keys[] = {
    "name", "command-topic", "state-topic", "unit", "json-path", NULL,
  };
  static const char * const number_keys[] = {
    "minimum", "maximum", "step", "rate-limit", "tolerance",
  };
  g_autoptr(BdSetpoint) setpoint = bd_setpoint_new (group, NULL, NULL, NULL);
  g_autoptr(GError) error = NULL;

  if (!read_strings (key_file, group, file_name, warnings, string_keys, setpoint) ||
      !read_command_keys (key_file, group, file_name, warnings, setpoint))
    return NULL;

  for (guint i = 0; i < G_N_ELEMENTS (number_keys); i++)
    {
      g_autofree char *text = NULL;
      double value;

      if (!read_string (key_file, group, number_keys[i], &text, &error))
        {
          add_warning (warnings, file_name, group, number_keys[i], error->message);
          return NULL;
        }
      if (text == NULL)
        continue;
      g_strstrip (text);
      /* Only the minimum and maximum may be negative. */
      if (!bd_settings_file_parse_number (text, &value) || (i >= 2 && value < 0))
        {
          g_autofree char *message = g_strdup_printf (_("“%s” is not a usable number"), text);

          add_warning (warnings, file_name, group, number_keys[i], message);
          return NULL;
        }
      g_object_set (setpoint, number_keys[i], value, NULL);
    }

  if (!bd_setpoint_validate (setpoint, &error))
    {
      add_warning (warnings, file_name, group, NULL, error->message);
      return NULL;
    }
  return g_steal_pointer (&setpoint);
}

static gboolean
is_setpoint_group (GKeyFile   *key_file,
                   const char *group)
{
  g_autofree char *type = g_key_file_get_string (key_file, group, "type", NULL);

  return type != NULL && g_str_equal (g_strstrip (type), "setpoint");
}

gboolean
bd_relays_load_all_from_data (const char   *data,
                              gssize        len,
                              const char   *file_name,
                              GPtrArray   **out_relays,
                              GPtrArray   **out_setpoints,
                              char       ***warnings,
                              GError      **error)
{
  g_autoptr(GKeyFile) key_file = NULL;
  g_autoptr(GPtrArray) relays = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) setpoints = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) messages = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) groups = NULL;

  g_return_val_if_fail (data != NULL, FALSE);

  if (file_name == NULL)
    file_name = "relays.ini";
  key_file = bd_settings_file_parse_key_file (data, len, file_name, error);
  if (key_file == NULL)
    return FALSE;

  groups = g_key_file_get_groups (key_file, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      gpointer object;

      if (is_setpoint_group (key_file, groups[i]))
        {
          if ((object = load_setpoint (key_file, groups[i], file_name, messages)) != NULL)
            g_ptr_array_add (setpoints, object);
        }
      else if ((object = load_relay (key_file, groups[i], file_name, messages)) != NULL)
        g_ptr_array_add (relays, object);
    }

  bd_settings_file_take_warnings (&messages, warnings);
  if (out_relays != NULL)
    *out_relays = g_steal_pointer (&relays);
  if (out_setpoints != NULL)
    *out_setpoints = g_steal_pointer (&setpoints);
  return TRUE;
}

GPtrArray *
bd_relays_load_from_data (const char   *data,
                          gssize        len,
                          const char   *file_name,
                          char       ***warnings,
                          GError      **error)
{
  GPtrArray *relays = NULL;

  if (!bd_relays_load_all_from_data (data, len, file_name, &relays, NULL, warnings, error))
    return NULL;
  return relays;
}

gboolean
bd_relays_load_all (const char   *path,
                    GPtrArray   **relays,
                    GPtrArray   **setpoints,
                    char       ***warnings,
                    GError      **error)
{
  g_autofree char *data = NULL;
  g_autofree char *file_name = NULL;
  g_autoptr(GError) local_error = NULL;
  gsize len = 0;

  g_return_val_if_fail (path != NULL, FALSE);

  if (!g_file_get_contents (path, &data, &len, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        {
          if (warnings != NULL)
            *warnings = g_new0 (char *, 1);
          if (relays != NULL)
            *relays = g_ptr_array_new_with_free_func (g_object_unref);
          if (setpoints != NULL)
            *setpoints = g_ptr_array_new_with_free_func (g_object_unref);
          return TRUE;
        }
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  file_name = g_path_get_basename (path);
  return bd_relays_load_all_from_data (data, len, file_name, relays, setpoints, warnings, error);
}

GPtrArray *
bd_relays_load (const char   *path,
                char       ***warnings,
                GError      **error)
{
  GPtrArray *relays = NULL;

  if (!bd_relays_load_all (path, &relays, NULL, warnings, error))
    return NULL;
  return relays;
}

char *
bd_relays_to_data (GPtrArray *relays,
                   gsize     *len)
{
  return bd_relays_to_data_full (relays, NULL, len);
}

/* The keys every output has, in the group named by its id: first its name
 * and topics, last how commands are sent (read_command_keys () reads them). */
static void
write_names (GKeyFile *key_file,
             BdOutput *output)
{
  const char *group = bd_output_get_id (output);

  g_key_file_set_string (key_file, group, "name", bd_output_get_name (output));
  g_key_file_set_string (key_file, group, "command-topic", bd_output_get_command_topic (output));
  g_key_file_set_string (key_file, group, "state-topic", bd_output_get_state_topic (output));
}

static void
write_command_keys (GKeyFile *key_file,
                    BdOutput *output)
{
  const char *group = bd_output_get_id (output);

  g_key_file_set_integer (key_file, group, "qos", bd_output_get_qos (output));
  g_key_file_set_boolean (key_file, group, "retain-command", bd_output_get_retain_command (output));
  bd_settings_file_set_number (key_file, group, "timeout", bd_output_get_timeout (output) / 1000.0);
}

char *
bd_relays_to_data_full (GPtrArray *relays,
                        GPtrArray *setpoints,
                        gsize     *len)
{
  g_autoptr(GKeyFile) key_file = g_key_file_new ();

  g_return_val_if_fail (relays != NULL, NULL);

  g_key_file_set_comment (key_file, NULL, NULL,
                          " Brokerdesk relays and setpoints: one group per relay or setpoint, named by its id.", NULL);
  for (guint i = 0; i < relays->len; i++)
    {
      BdRelay *relay = g_ptr_array_index (relays, i);
      const char *group = bd_relay_get_id (relay);

      write_names (key_file, BD_OUTPUT (relay));
      g_key_file_set_string (key_file, group, "on-payload", bd_relay_get_on_payload (relay));
      g_key_file_set_string (key_file, group, "off-payload", bd_relay_get_off_payload (relay));
      if (bd_relay_get_state_on (relay) != NULL)
        g_key_file_set_string (key_file, group, "state-on", bd_relay_get_state_on (relay));
      if (bd_relay_get_state_off (relay) != NULL)
        g_key_file_set_string (key_file, group, "state-off", bd_relay_get_state_off (relay));
      write_command_keys (key_file, BD_OUTPUT (relay));
    }
  for (guint i = 0; setpoints != NULL && i < setpoints->len; i++)
    {
      BdSetpoint *setpoint = g_ptr_array_index (setpoints, i);
      const char *group = bd_setpoint_get_id (setpoint);

      g_key_file_set_string (key_file, group, "type", "setpoint");
      write_names (key_file, BD_OUTPUT (setpoint));
      if (bd_setpoint_get_unit (setpoint) != NULL)
        g_key_file_set_string (key_file, group, "unit", bd_setpoint_get_unit (setpoint));
      if (bd_setpoint_get_json_path (setpoint) != NULL)
        g_key_file_set_string (key_file, group, "json-path", bd_setpoint_get_json_path (setpoint));
      bd_settings_file_set_number (key_file, group, "minimum", bd_setpoint_get_minimum (setpoint));
      bd_settings_file_set_number (key_file, group, "maximum", bd_setpoint_get_maximum (setpoint));
      bd_settings_file_set_number (key_file, group, "step", bd_setpoint_get_step (setpoint));
      bd_settings_file_set_number (key_file, group, "rate-limit", bd_setpoint_get_rate_limit (setpoint));
      if (bd_setpoint_get_tolerance (setpoint) >= 0)
        bd_settings_file_set_number (key_file, group, "tolerance", bd_setpoint_get_tolerance (setpoint));
      write_command_keys (key_file, BD_OUTPUT (setpoint));
    }
  return g_key_file_to_data (key_file, len, NULL);
}

char *
bd_relays_dup_default_path (void)
{
  return g_build_filename (g_get_user_config_dir (), "brokerdesk", "relays.ini", NULL);
}

GPtrArray *
bd_relays_new_demo (void)
{
  /* Must match the simulated devices in src/demo/bd-demo-plant.c. */
  static const char * const areas[] = { "manufacture", "assembly", "packaging" };
  static const struct { const char *id; const char *label; } devices[] = {
    { "fan", N_("Fan") },
    { "heater", N_("Heater") },
  };
  GPtrArray *relays = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint a = 0; a < G_N_ELEMENTS (areas); a++)
    for (guint d = 0; d < G_N_ELEMENTS (devices); d++)
      {
        g_autofree char *id = g_strdup_printf ("%s-%s", areas[a], devices[d].id);
        /* Translators: a relay's name, "Fan, manufacture" */
        g_autofree char *name = g_strdup_printf (_("%s, %s"), _(devices[d].label), areas[a]);
        g_autofree char *command = g_strdup_printf ("busan/factory/%s/%s/set", areas[a], devices[d].id);
        g_autofree char *state = g_strdup_printf ("busan/factory/%s/%s/state", areas[a], devices[d].id);

        g_ptr_array_add (relays, bd_relay_new (id, name, command, state));
      }
  return relays;
}

GPtrArray *
bd_setpoints_new_demo (void)
{
  /* Must match the simulated valves in src/demo/bd-demo-plant.c. */
  static const char * const areas[] = { "manufacture", "assembly", "packaging" };
  GPtrArray *setpoints = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint a = 0; a < G_N_ELEMENTS (areas); a++)
    {
      g_autofree char *id = g_strdup_printf ("%s-valve", areas[a]);
      /* Translators: a setpoint's name, "Valve, manufacture" */
      g_autofree char *name = g_strdup_printf (_("%s, %s"), _("Valve"), areas[a]);
      g_autofree char *command = g_strdup_printf ("busan/factory/%s/valve/set", areas[a]);
      g_autofree char *state = g_strdup_printf ("busan/factory/%s/valve/state", areas[a]);
      BdSetpoint *setpoint = bd_setpoint_new (id, name, command, state);

      bd_setpoint_set_unit (setpoint, "%");
      bd_setpoint_set_step (setpoint, 1);
      /* A slider dragged across sends a few positions, not hundreds. */
      bd_setpoint_set_rate_limit (setpoint, 4);
      g_ptr_array_add (setpoints, setpoint);
    }
  return setpoints;
}
