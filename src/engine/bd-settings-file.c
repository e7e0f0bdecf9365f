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

static gboolean
write_all (int         fd,
           const char *contents,
           gsize       length)
{
  while (length > 0)
    {
      gssize n = write (fd, contents, MIN (length, (gsize) G_MAXSSIZE));

      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          return FALSE;
        }
      contents += n;
      length -= (gsize) n;
    }
  return TRUE;
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

  if (!write_all (fd, contents, length) || fsync (fd) != 0)
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
