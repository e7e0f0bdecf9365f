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
 * Someone editing the file by hand makes mistakes; one broken relay must not
 * cost the others, so each group loads on its own and a warning names the
 * file, the group and the key.
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "bd-relay.h"

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

static BdRelay *
load_relay (GKeyFile    *key_file,
            const char  *group,
            const char  *file_name,
            GPtrArray   *warnings)
{
  static const char * const string_keys[] = {
    "name", "command-topic", "state-topic", "on-payload", "off-payload", "state-on", "state-off",
  };
  g_autoptr(BdRelay) relay = bd_relay_new (group, NULL, NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *qos = NULL;
  g_autofree char *retain = NULL;
  g_autofree char *timeout = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (string_keys); i++)
    {
      g_autofree char *value = NULL;

      if (!read_string (key_file, group, string_keys[i], &value, &error))
        {
          add_warning (warnings, file_name, group, string_keys[i], error->message);
          return NULL;
        }
      if (value != NULL)
        g_object_set (relay, string_keys[i], value, NULL);
    }
  if (bd_relay_get_name (relay) == NULL)
    bd_relay_set_name (relay, group);

  if (!read_string (key_file, group, "qos", &qos, &error))
    {
      add_warning (warnings, file_name, group, "qos", error->message);
      return NULL;
    }
  if (qos != NULL)
    {
      g_strstrip (qos);
      if (strlen (qos) != 1 || qos[0] < '0' || qos[0] > '2')
        {
          g_autofree char *message = g_strdup_printf (_("“%s” is not 0, 1 or 2"), qos);

          add_warning (warnings, file_name, group, "qos", message);
          return NULL;
        }
      bd_relay_set_qos (relay, qos[0] - '0');
    }

  if (!read_string (key_file, group, "retain-command", &retain, &error))
    {
      add_warning (warnings, file_name, group, "retain-command", error->message);
      return NULL;
    }
  if (retain != NULL)
    {
      g_strstrip (retain);
      if (g_str_equal (retain, "true"))
        bd_relay_set_retain_command (relay, TRUE);
      else if (g_str_equal (retain, "false"))
        bd_relay_set_retain_command (relay, FALSE);
      else
        {
          g_autofree char *message = g_strdup_printf (_("“%s” is not true or false"), retain);

          add_warning (warnings, file_name, group, "retain-command", message);
          return NULL;
        }
    }

  if (!read_string (key_file, group, "timeout", &timeout, &error))
    {
      add_warning (warnings, file_name, group, "timeout", error->message);
      return NULL;
    }
  if (timeout != NULL)
    {
      char *end = NULL;
      double seconds;

      g_strstrip (timeout);
      seconds = g_ascii_strtod (timeout, &end);
      /* An hour is already longer than anyone waits for a relay. */
      if (end == timeout || *end != '\0' || !(seconds >= 0.05 && seconds <= 3600))
        {
          g_autofree char *message =
            g_strdup_printf (_("“%s” is not a number of seconds between 0.05 and 3600"), timeout);

          add_warning (warnings, file_name, group, "timeout", message);
          return NULL;
        }
      bd_relay_set_timeout (relay, (guint) (seconds * 1000 + 0.5));
    }

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

GPtrArray *
bd_relays_load_from_data (const char   *data,
                          gssize        len,
                          const char   *file_name,
                          char       ***warnings,
                          GError      **error)
{
  g_autoptr(GKeyFile) key_file = g_key_file_new ();
  g_autoptr(GPtrArray) relays = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) messages = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) groups = NULL;

  g_return_val_if_fail (data != NULL, NULL);

  if (file_name == NULL)
    file_name = "relays.ini";
  if (len < 0)
    len = strlen (data);
  if (!g_key_file_load_from_data (key_file, data, len, G_KEY_FILE_NONE, error))
    {
      g_prefix_error (error, "%s: ", file_name);
      return NULL;
    }

  groups = g_key_file_get_groups (key_file, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      BdRelay *relay = load_relay (key_file, groups[i], file_name, messages);

      if (relay != NULL)
        g_ptr_array_add (relays, relay);
    }

  if (warnings != NULL)
    {
      g_ptr_array_add (messages, NULL);
      *warnings = (char **) g_ptr_array_free (g_steal_pointer (&messages), FALSE);
    }
  return g_steal_pointer (&relays);
}

GPtrArray *
bd_relays_load (const char   *path,
                char       ***warnings,
                GError      **error)
{
  g_autofree char *data = NULL;
  g_autofree char *file_name = NULL;
  g_autoptr(GError) local_error = NULL;
  gsize len = 0;

  g_return_val_if_fail (path != NULL, NULL);

  if (!g_file_get_contents (path, &data, &len, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        {
          if (warnings != NULL)
            *warnings = g_new0 (char *, 1);
          return g_ptr_array_new_with_free_func (g_object_unref);
        }
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  file_name = g_path_get_basename (path);
  return bd_relays_load_from_data (data, len, file_name, warnings, error);
}

char *
bd_relays_to_data (GPtrArray *relays,
                   gsize     *len)
{
  g_autoptr(GKeyFile) key_file = g_key_file_new ();

  g_return_val_if_fail (relays != NULL, NULL);

  g_key_file_set_comment (key_file, NULL, NULL,
                          " Brokerdesk relays: one group per relay, named by its id.", NULL);
  for (guint i = 0; i < relays->len; i++)
    {
      BdRelay *relay = g_ptr_array_index (relays, i);
      const char *group = bd_relay_get_id (relay);
      char timeout[G_ASCII_DTOSTR_BUF_SIZE];

      g_key_file_set_string (key_file, group, "name", bd_relay_get_name (relay));
      g_key_file_set_string (key_file, group, "command-topic", bd_relay_get_command_topic (relay));
      g_key_file_set_string (key_file, group, "state-topic", bd_relay_get_state_topic (relay));
      g_key_file_set_string (key_file, group, "on-payload", bd_relay_get_on_payload (relay));
      g_key_file_set_string (key_file, group, "off-payload", bd_relay_get_off_payload (relay));
      if (bd_relay_get_state_on (relay) != NULL)
        g_key_file_set_string (key_file, group, "state-on", bd_relay_get_state_on (relay));
      if (bd_relay_get_state_off (relay) != NULL)
        g_key_file_set_string (key_file, group, "state-off", bd_relay_get_state_off (relay));
      g_key_file_set_integer (key_file, group, "qos", bd_relay_get_qos (relay));
      g_key_file_set_boolean (key_file, group, "retain-command", bd_relay_get_retain_command (relay));
      /* Locale-independent: "0,5" would not read back. */
      g_ascii_formatd (timeout, sizeof timeout, "%g", bd_relay_get_timeout (relay) / 1000.0);
      g_key_file_set_value (key_file, group, "timeout", timeout);
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
