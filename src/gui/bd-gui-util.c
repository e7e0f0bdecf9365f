/* bd-gui-util.c — small helpers shared by the front end's widgets
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "bd-gui-util.h"

char *
_bd_format_host_port (const char *host,
                      guint       port)
{
  g_return_val_if_fail (host != NULL, NULL);

  /* An IPv6 literal has colons of its own, so it is bracketed as in a URI. */
  if (strchr (host, ':') != NULL)
    return g_strdup_printf ("[%s]:%u", host, port);
  return g_strdup_printf ("%s:%u", host, port);
}

gboolean
_bd_host_is_default (const char *host)
{
  /* mosquitto_pub and most clients connect to "localhost" unless told
   * otherwise, which resolves to one of these. */
  return g_strcmp0 (host, "127.0.0.1") == 0 ||
         g_strcmp0 (host, "localhost") == 0 ||
         g_strcmp0 (host, "::1") == 0;
}

void
_bd_list_box_remove_all (GtkListBox *list_box)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (list_box))) != NULL)
    gtk_list_box_remove (list_box, child);
}

char *
_bd_format_age (gint64 age_us)
{
  gint64 s = MAX (age_us, 0) / G_USEC_PER_SEC;

  /* Short units avoid plural forms and keep a column narrow. */
  if (s < 1)
    /* Translators: the age of a message received less than a second ago */
    return g_strdup (_("just now"));
  if (s < 60)
    /* Translators: the age of a message in seconds */
    return g_strdup_printf (_("%u s ago"), (guint) s);
  if (s < 3600)
    /* Translators: the age of a message in minutes */
    return g_strdup_printf (_("%u min ago"), (guint) (s / 60));
  if (s < 86400)
    /* Translators: the age of a message in hours */
    return g_strdup_printf (_("%u h ago"), (guint) (s / 3600));
  /* Translators: the age of a message in days */
  return g_strdup_printf (_("%u d ago"), (guint) (s / 86400));
}

char *
_bd_format_time (gint64 time_us)
{
  g_autoptr(GDateTime) time = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();

  if (time_us <= 0)
    return g_strdup ("");
  time = g_date_time_new_from_unix_local (time_us / G_USEC_PER_SEC);
  if (time == NULL)
    return g_strdup ("");
  /* Today's events need only the time; older ones their date too. */
  if (g_date_time_get_year (time) == g_date_time_get_year (now) &&
      g_date_time_get_day_of_year (time) == g_date_time_get_day_of_year (now))
    return g_date_time_format (time, "%X");
  return g_date_time_format (time, "%x %X");
}

gboolean
_bd_show_toast (GtkWidget *widget,
                AdwToast  *toast)
{
  GtkWidget *overlay = gtk_widget_get_ancestor (widget, ADW_TYPE_TOAST_OVERLAY);

  if (overlay == NULL)
    {
      g_debug ("No toast overlay for: %s", adw_toast_get_title (toast));
      g_object_unref (toast);
      return FALSE;
    }
  adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), toast);
  return TRUE;
}
