/* bd-settings-file.c — durable, atomic saving of a small settings file
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The steps are spelled out here rather than left to
 * g_file_set_contents_full (…, CONSISTENT | DURABLE), whose fsyncs depend on
 * the GLib version and whose folder sync fails silently: every step is
 * checked, and a failure before the rename removes the temporary file and
 * leaves the old one untouched.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "bd-settings-file.h"

static gboolean
fail (GError     **error,
      const char  *path,
      int          saved_errno)
{
  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
               "%s: %s", path, g_strerror (saved_errno));
  return FALSE;
}

/* Writes all of @contents at @offset, or at the file's position when
 * @offset is negative, through short writes and interruptions. */
static gboolean
write_all (int         fd,
           const void *contents,
           gsize       length,
           gint64      offset)
{
  const guint8 *p = contents;

  while (length > 0)
    {
      gsize chunk = MIN (length, (gsize) G_MAXSSIZE);
      gssize n = offset < 0 ? write (fd, p, chunk) : pwrite (fd, p, chunk, (off_t) offset);

      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          return FALSE;
        }
      p += n;
      length -= (gsize) n;
      if (offset >= 0)
        offset += n;
    }
  return TRUE;
}

gboolean
bd_settings_file_write_all (int         fd,
                            const void *contents,
                            gsize       length)
{
  return write_all (fd, contents, length, -1);
}

gboolean
bd_settings_file_write_all_at (int         fd,
                               const void *contents,
                               gsize       length,
                               guint64     offset)
{
  g_return_val_if_fail (offset <= G_MAXINT64, FALSE);

  return write_all (fd, contents, length, (gint64) offset);
}

/* Makes the rename durable. Some file systems cannot fsync a folder
 * (EINVAL); the file itself is on the disk by then, so that is no failure. */
static gboolean
sync_folder (const char  *dir,
             GError     **error)
{
  int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int saved_errno;

  if (fd < 0)
    return fail (error, dir, errno);
  if (fsync (fd) == 0 || errno == EINVAL)
    {
      close (fd);
      return TRUE;
    }
  saved_errno = errno;
  close (fd);
  return fail (error, dir, saved_errno);
}

gboolean
bd_settings_file_save (const char  *path,
                       const char  *contents,
                       gsize        length,
                       GError     **error)
{
  g_autofree char *dir = NULL;
  g_autofree char *tmp_path = NULL;
  int fd;
  int saved_errno;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (contents != NULL || length == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  dir = g_path_get_dirname (path);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      saved_errno = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   _("Cannot create the folder %s: %s"), dir, g_strerror (saved_errno));
      return FALSE;
    }

  /* Beside the target, so the rename never crosses file systems. */
  tmp_path = g_strconcat (path, ".XXXXXX", NULL);
  fd = g_mkstemp_full (tmp_path, O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0)
    return fail (error, path, errno);

  if (!bd_settings_file_write_all (fd, contents, length) || fsync (fd) != 0)
    {
      saved_errno = errno;
      close (fd);
      g_unlink (tmp_path);
      return fail (error, path, saved_errno);
    }
  /* close () can report a deferred write error (NFS): check it too. */
  if (close (fd) != 0)
    {
      saved_errno = errno;
      g_unlink (tmp_path);
      return fail (error, path, saved_errno);
    }
  if (g_rename (tmp_path, path) != 0)
    {
      saved_errno = errno;
      g_unlink (tmp_path);
      return fail (error, path, saved_errno);
    }
  return sync_folder (dir, error);
}

/* ---------------------------------------------------------- numbers */

gboolean
bd_settings_file_parse_number (const char *text,
                               double     *value)
{
  char *end = NULL;
  double number;

  g_return_val_if_fail (value != NULL, FALSE);

  if (text == NULL)
    return FALSE;
  number = g_ascii_strtod (text, &end);
  if (end == text)
    return FALSE;
  while (g_ascii_isspace (*end))
    end++;
  if (*end != '\0' || !isfinite (number))
    return FALSE;
  *value = number;
  return TRUE;
}

void
bd_settings_file_set_number (GKeyFile   *key_file,
                             const char *group,
                             const char *key,
                             double      value)
{
  char text[G_ASCII_DTOSTR_BUF_SIZE];

  if (isnan (value))
    return;
  g_ascii_formatd (text, sizeof text, "%.12g", value);
  g_key_file_set_value (key_file, group, key, text);
}

/* --------------------------------------------------------- key files */

GKeyFile *
bd_settings_file_parse_key_file (const char  *data,
                                 gssize       length,
                                 const char  *file_name,
                                 GError     **error)
{
  g_autoptr(GKeyFile) key_file = g_key_file_new ();

  g_return_val_if_fail (data != NULL, NULL);

  if (length < 0)
    length = strlen (data);
  if (!g_key_file_load_from_data (key_file, data, length, G_KEY_FILE_NONE, error))
    {
      g_prefix_error (error, "%s: ", file_name);
      return NULL;
    }
  return g_steal_pointer (&key_file);
}

void
bd_settings_file_take_warnings (GPtrArray  **messages,
                                char      ***warnings)
{
  g_autoptr(GPtrArray) taken = g_steal_pointer (messages);

  if (warnings == NULL)
    return;
  g_ptr_array_add (taken, NULL);
  *warnings = (char **) g_ptr_array_free (g_steal_pointer (&taken), FALSE);
}

/* ------------------------------------------------- on a worker thread */

typedef struct
{
  char                *path;
  char                *contents;
  gsize                length;
  guint64              number;
  BdSettingsFileParse  parse;
  GDestroyNotify       result_free;
} Job;

static void
job_free (gpointer data)
{
  Job *job = data;

  g_free (job->path);
  g_free (job->contents);
  g_free (job);
}

static GTask *
job_task_new (gpointer             source_object,
              const char          *path,
              gpointer             source_tag,
              GCancellable        *cancellable,
              GAsyncReadyCallback  callback,
              gpointer             user_data,
              Job                **job)
{
  GTask *task = g_task_new (source_object, cancellable, callback, user_data);

  *job = g_new0 (Job, 1);
  (*job)->path = g_strdup (path);
  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, *job, job_free);
  return task;
}

/* Per path, the number of the last save asked for and of the last one
 * written; the lock also keeps two writers of one path apart. */
static GMutex save_lock;
static GHashTable *saves_made;
static GHashTable *saves_written;

static guint64
path_number (GHashTable *numbers,
             const char *path)
{
  const guint64 *number = g_hash_table_lookup (numbers, path);

  return number != NULL ? *number : 0;
}

static void
set_path_number (GHashTable *numbers,
                 const char *path,
                 guint64     number)
{
  g_hash_table_insert (numbers, g_strdup (path), g_memdup2 (&number, sizeof number));
}

static void
save_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  Job *job = task_data;
  GError *error = NULL;

  g_mutex_lock (&save_lock);
  if (job->number > path_number (saves_written, job->path)
      && bd_settings_file_save (job->path, job->contents, job->length, &error))
    set_path_number (saves_written, job->path, job->number);
  g_mutex_unlock (&save_lock);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
bd_settings_file_save_async (gpointer             source_object,
                             const char          *path,
                             char                *contents,
                             gsize                length,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Job *job;

  g_return_if_fail (path != NULL);

  task = job_task_new (source_object, path, bd_settings_file_save_async,
                       cancellable, callback, user_data, &job);
  job->contents = contents;
  job->length = length;
  g_mutex_lock (&save_lock);
  if (saves_made == NULL)
    {
      saves_made = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      saves_written = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
    }
  job->number = path_number (saves_made, path) + 1;
  set_path_number (saves_made, path, job->number);
  g_mutex_unlock (&save_lock);
  g_task_run_in_thread (task, save_thread);
}

gboolean
bd_settings_file_save_finish (GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == bd_settings_file_save_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
load_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  Job *job = task_data;
  GError *error = NULL;
  gpointer result = job->parse (job->path, &error);

  if (result == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, result, job->result_free);
}

void
bd_settings_file_load_async (gpointer             source_object,
                             const char          *path,
                             BdSettingsFileParse  parse,
                             GDestroyNotify       result_free,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Job *job;

  g_return_if_fail (path != NULL);
  g_return_if_fail (parse != NULL);

  task = job_task_new (source_object, path, bd_settings_file_load_async,
                       cancellable, callback, user_data, &job);
  job->parse = parse;
  job->result_free = result_free;
  g_task_run_in_thread (task, load_thread);
}

gpointer
bd_settings_file_load_finish (GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == bd_settings_file_load_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

const char *
bd_settings_file_get_path (GAsyncResult *result)
{
  return ((Job *) g_task_get_task_data (G_TASK (result)))->path;
}
