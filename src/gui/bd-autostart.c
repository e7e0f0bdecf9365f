/* bd-autostart.c — starting Brokerdesk in the background at login
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A control-room PC must have its broker back after a reboot without anybody
 * opening a window, so the preference is on by default. The XDG Autostart
 * specification's desktop entry does it on the host; in the sandbox the
 * Background portal writes the same entry on our behalf.
 */

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <errno.h>
#include <string.h>

#include "bd-autostart.h"

#define PORTAL_BUS_NAME    "org.freedesktop.portal.Desktop"
#define PORTAL_OBJECT_PATH "/org/freedesktop/portal/desktop"
#define PORTAL_BACKGROUND  "org.freedesktop.portal.Background"
/* The portal's call waits for the user's answer; it is not waited for here
 * beyond the method reply. */
#define PORTAL_TIMEOUT_MS  (30 * 1000)

static char *
autostart_path (void)
{
  g_autofree char *name = g_strconcat (APP_ID, ".desktop", NULL);

  return g_build_filename (g_get_user_config_dir (), "autostart", name, NULL);
}

char *
bd_autostart_dup_desktop_entry (const char *exec_path)
{
  g_autofree char *quoted = NULL;

  g_return_val_if_fail (exec_path != NULL, NULL);

  /* The Exec key's quoting: a path with reserved characters in double
   * quotes, where '"', '`', '$' and '\' are escaped. */
  if (strpbrk (exec_path, " \t\n\"'\\><~|&;$*?#()`") != NULL)
    {
      GString *s = g_string_new ("\"");

      for (const char *p = exec_path; *p != '\0'; p++)
        {
          if (strchr ("\"`$\\", *p) != NULL)
            g_string_append_c (s, '\\');
          g_string_append_c (s, *p);
        }
      g_string_append_c (s, '"');
      quoted = g_string_free (s, FALSE);
    }
  else
    quoted = g_strdup (exec_path);

  return g_strdup_printf ("[Desktop Entry]\n"
                          "Type=Application\n"
                          "Name=Brokerdesk\n"
                          "Comment=The MQTT broker, started at login without its window\n"
                          "Exec=%s " BD_AUTOSTART_OPTION "\n"
                          "Icon=" APP_ID "\n"
                          "Terminal=false\n"
                          "NoDisplay=true\n"
                          "X-GNOME-Autostart-enabled=true\n",
                          quoted);
}

static gboolean
in_flatpak (void)
{
  return g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS);
}

static gboolean
request_background (gboolean       enabled,
                    GCancellable  *cancellable,
                    GError       **error)
{
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, cancellable, error);
  g_autoptr(GVariant) reply = NULL;
  GVariantBuilder options;
  const char *commandline[] = { "brokerdesk", BD_AUTOSTART_OPTION, NULL };

  if (bus == NULL)
    return FALSE;
  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&options, "{sv}", "reason",
                         g_variant_new_string (_("Keep the MQTT broker running for your "
                                                 "devices when the window is closed, and "
                                                 "start it at login")));
  g_variant_builder_add (&options, "{sv}", "autostart", g_variant_new_boolean (enabled));
  g_variant_builder_add (&options, "{sv}", "commandline",
                         g_variant_new_strv (commandline, -1));
  /* The parent window's identifier is empty: the request may come with no
   * window open (an instance started in the background). */
  reply = g_dbus_connection_call_sync (bus, PORTAL_BUS_NAME, PORTAL_OBJECT_PATH,
                                       PORTAL_BACKGROUND, "RequestBackground",
                                       g_variant_new ("(sa{sv})", "", &options),
                                       G_VARIANT_TYPE ("(o)"), G_DBUS_CALL_FLAGS_NONE,
                                       PORTAL_TIMEOUT_MS, cancellable, error);
  return reply != NULL;
}

static gboolean
write_entry (gboolean       enabled,
             GError       **error)
{
  g_autofree char *path = autostart_path ();
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *exec_path = NULL;
  g_autofree char *entry = NULL;
  g_autofree char *current = NULL;

  if (!enabled)
    {
      if (g_unlink (path) < 0 && errno != ENOENT)
        {
          int saved = errno;
          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                       "%s: %s", path, g_strerror (saved));
          return FALSE;
        }
      return TRUE;
    }

  /* The program that runs now, so that a build run from its tree starts
   * itself, and an installed one the installed program. */
  exec_path = g_file_read_link ("/proc/self/exe", NULL);
  if (exec_path == NULL)
    exec_path = g_strdup ("brokerdesk");
  entry = bd_autostart_dup_desktop_entry (exec_path);
  if (g_file_get_contents (path, &current, NULL, NULL) && g_strcmp0 (current, entry) == 0)
    return TRUE;
  if (g_mkdir_with_parents (dir, 0700) < 0)
    {
      int saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   "%s: %s", dir, g_strerror (saved));
      return FALSE;
    }
  return g_file_set_contents_full (path, entry, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0644, error);
}

static void
set_thread (GTask        *task,
            gpointer      source_object,
            gpointer      task_data,
            GCancellable *cancellable)
{
  gboolean enabled = GPOINTER_TO_INT (task_data);
  GError *error = NULL;
  gboolean ok;

  if (in_flatpak ())
    ok = request_background (enabled, cancellable, &error);
  else
    ok = write_entry (enabled, &error);
  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
bd_autostart_set_async (gboolean             enabled,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, bd_autostart_set_async);
  g_task_set_task_data (task, GINT_TO_POINTER (enabled != FALSE), NULL);
  /* One change at a time, in order: a quick off-on must end on. */
  g_task_set_return_on_cancel (task, FALSE);
  g_task_run_in_thread (task, set_thread);
}

gboolean
bd_autostart_set_finish (GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
