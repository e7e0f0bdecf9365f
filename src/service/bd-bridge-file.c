/* bd-bridge-file.c — bridges in the configuration file the window shares
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A bridge block, as the configuration reader sees it (bd-bridge-config.c):
 * a 'connection NAME' line and the bridge directives after it up to the next
 * 'connection' line or the end of the file. Other directives may sit in
 * between and keep their meaning, so they are left where they are.
 */

#include "config.h"

#include <string.h>

#include "bd-bridge-file.h"
#include "bd-config.h"
#include "bd-settings-file.h"

/* The directive of @line (its first word), or FALSE for a blank line or a
 * comment. *@value: the first value, if any. */
static gboolean
line_directive (const char  *line,
                char       **directive,
                char       **value)
{
  g_auto(GStrv) words = NULL;
  g_autofree char *stripped = g_strstrip (g_strdup (line));

  *directive = NULL;
  *value = NULL;
  if (stripped[0] == '\0' || stripped[0] == '#')
    return FALSE;
  words = g_strsplit_set (stripped, " \t", 3);
  *directive = g_strdup (words[0]);
  if (words[1] != NULL)
    *value = g_strstrip (g_strdup (words[1]));
  return TRUE;
}

/* Calls @func for every line of @text with whether it belongs to a bridge
 * block (and that block's name). */
typedef void (*LineFunc) (const char *line,
                          const char *bridge,
                          gboolean    is_connection,
                          gpointer    user_data);

static void
foreach_line (const char *text,
              LineFunc    func,
              gpointer    user_data)
{
  g_auto(GStrv) lines = g_strsplit (text != NULL ? text : "", "\n", -1);
  g_autofree char *bridge = NULL;
  guint n = g_strv_length (lines);

  /* A final newline gives a last empty piece that is not a line. */
  if (n > 0 && lines[n - 1][0] == '\0')
    n--;
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *directive = NULL;
      g_autofree char *value = NULL;

      if (!line_directive (lines[i], &directive, &value))
        func (lines[i], NULL, FALSE, user_data);
      else if (g_str_equal (directive, "connection"))
        {
          g_free (bridge);
          bridge = g_strdup (value != NULL ? value : "");
          func (lines[i], bridge, TRUE, user_data);
        }
      else if (bridge != NULL && bd_bridge_config_is_directive (directive))
        func (lines[i], bridge, FALSE, user_data);
      else
        func (lines[i], NULL, FALSE, user_data);
    }
}

typedef struct
{
  GString    *out;
  const char *name;
  const char *block;
  gboolean    found;
} Replace;

static void
append_block (GString    *out,
              const char *block)
{
  g_string_append (out, block);
  if (block[0] != '\0' && !g_str_has_suffix (block, "\n"))
    g_string_append_c (out, '\n');
}

static void
replace_line_cb (const char *line,
                 const char *bridge,
                 gboolean    is_connection,
                 gpointer    user_data)
{
  Replace *replace = user_data;

  if (bridge == NULL || !g_str_equal (bridge, replace->name))
    {
      g_string_append (replace->out, line);
      g_string_append_c (replace->out, '\n');
      return;
    }
  /* The bridge's own lines go; the new block takes the place of its
   * 'connection' line (once: a second block of that name, an error to the
   * reader anyway, simply goes). */
  if (is_connection && !replace->found && replace->block != NULL)
    append_block (replace->out, replace->block);
  if (is_connection)
    replace->found = TRUE;
}

char *
bd_bridge_file_replace (const char *text,
                        const char *name,
                        const char *block)
{
  Replace replace = { g_string_new (NULL), name, block, FALSE };

  g_return_val_if_fail (name != NULL, NULL);

  foreach_line (text, replace_line_cb, &replace);
  if (!replace.found && block != NULL)
    {
      /* A blank line between the file's last line and the new block. */
      if (replace.out->len > 0 && !g_str_has_suffix (replace.out->str, "\n\n"))
        g_string_append_c (replace.out, '\n');
      append_block (replace.out, block);
    }
  return g_string_free (replace.out, FALSE);
}

typedef struct
{
  GString  *out;
  gboolean  any;
} Blocks;

static void
block_line_cb (const char *line,
               const char *bridge,
               gboolean    is_connection,
               gpointer    user_data)
{
  Blocks *blocks = user_data;

  if (bridge == NULL)
    return;
  if (is_connection && blocks->any)
    g_string_append_c (blocks->out, '\n');
  blocks->any = TRUE;
  g_string_append (blocks->out, line);
  g_string_append_c (blocks->out, '\n');
}

char *
bd_bridge_file_dup_blocks (const char *text)
{
  Blocks blocks = { g_string_new (NULL), FALSE };

  foreach_line (text, block_line_cb, &blocks);
  return g_string_free (blocks.out, FALSE);
}

typedef struct
{
  const char *name;
  gboolean    found;
} Find;

static void
find_line_cb (const char *line,
              const char *bridge,
              gboolean    is_connection,
              gpointer    user_data)
{
  Find *find = user_data;

  if (is_connection && g_str_equal (bridge, find->name))
    find->found = TRUE;
}

/* ------------------------------------------------------------- saving */

static GMutex edit_lock;

gboolean
bd_bridge_file_edit (const char        *path,
                     BdBridgeFileEdit   edit,
                     gpointer           user_data,
                     GError           **error)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&edit_lock);
  g_autofree char *old = NULL;
  g_autofree char *text = NULL;
  GError *local = NULL;

  g_return_val_if_fail (path != NULL, FALSE);

  if (!g_file_get_contents (path, &old, NULL, &local))
    {
      if (!g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        {
          g_propagate_error (error, local);
          return FALSE;
        }
      g_clear_error (&local);
      old = g_strdup ("");
    }
  text = edit (old, user_data, error);
  if (text == NULL)
    return FALSE;
  return bd_settings_file_save (path, text, strlen (text), error);
}

typedef struct
{
  char *path;
  char *old_name;
  char *block;
} Save;

static void
save_free (gpointer data)
{
  Save *save = data;

  g_free (save->path);
  g_free (save->old_name);
  g_free (save->block);
  g_free (save);
}

static char *
save_edit (const char  *old_text,
           gpointer     user_data,
           GError     **error)
{
  Save *save = user_data;
  g_autofree char *text = NULL;
  g_autoptr(BdBrokerConfig) config = bd_broker_config_new ();
  Find find = { save->old_name, FALSE };

  /* A bridge read from an included file is not this file's to remove. */
  foreach_line (old_text, find_line_cb, &find);
  if (save->block == NULL && !find.found)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "%s has no “connection %s” line", save->path, save->old_name);
      return NULL;
    }
  text = bd_bridge_file_replace (old_text, save->old_name, save->block);

  /* What the broker would read at its next start: refuse to write a file
   * it would stop on. */
  if (!bd_broker_config_parse (config, save->path, text, error))
    return NULL;
  return g_steal_pointer (&text);
}

typedef struct
{
  char             *path;
  BdBridgeFileEdit  edit;
  gpointer          data;
  GDestroyNotify    data_free;
} Edit;

static void
edit_free (gpointer data)
{
  Edit *edit = data;

  g_free (edit->path);
  if (edit->data_free != NULL)
    edit->data_free (edit->data);
  g_free (edit);
}

static void
edit_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  Edit *edit = task_data;
  GError *error = NULL;

  if (!bd_bridge_file_edit (edit->path, edit->edit, edit->data, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
bd_bridge_file_edit_async (const char          *path,
                           BdBridgeFileEdit     edit,
                           gpointer             edit_data,
                           GDestroyNotify       edit_data_free,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  Edit *job = g_new0 (Edit, 1);

  g_return_if_fail (path != NULL && edit != NULL);

  job->path = g_strdup (path);
  job->edit = edit;
  job->data = edit_data;
  job->data_free = edit_data_free;
  g_task_set_source_tag (task, bd_bridge_file_edit_async);
  g_task_set_task_data (task, job, edit_free);
  g_task_run_in_thread (task, edit_thread);
}

gboolean
bd_bridge_file_edit_finish (GAsyncResult  *result,
                            GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
bd_bridge_file_save_async (const char          *path,
                           const char          *old_name,
                           const char          *block,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  Save *save;

  g_return_if_fail (path != NULL && old_name != NULL);

  save = g_new0 (Save, 1);
  save->path = g_strdup (path);
  save->old_name = g_strdup (old_name);
  save->block = g_strdup (block);
  bd_bridge_file_edit_async (path, save_edit, save, save_free, cancellable, callback, user_data);
}

gboolean
bd_bridge_file_save_finish (GAsyncResult  *result,
                            GError       **error)
{
  return bd_bridge_file_edit_finish (result, error);
}
