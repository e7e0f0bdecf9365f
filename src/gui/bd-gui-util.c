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

void
_bd_set_accessible_label (GtkWidget  *widget,
                          const char *label)
{
  gtk_widget_set_tooltip_text (widget, label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (widget),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
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

GtkLabel *
_bd_error_label_new (void)
{
  GtkLabel *label = GTK_LABEL (gtk_label_new (NULL));

  gtk_label_set_wrap (label, TRUE);
  gtk_label_set_xalign (label, 0);
  gtk_widget_add_css_class (GTK_WIDGET (label), "error");
  return label;
}

void
_bd_show_message (GtkLabel   *label,
                  GtkWidget  *holder,
                  const char *message)
{
  gtk_label_set_text (label, message != NULL ? message : "");
  gtk_widget_set_visible (holder, message != NULL);
}

void
_bd_widget_set_css_class (GtkWidget  *widget,
                          const char *css_class,
                          gboolean    present)
{
  if (present)
    gtk_widget_add_css_class (widget, css_class);
  else
    gtk_widget_remove_css_class (widget, css_class);
}

GtkWidget *
_bd_icon_button_new (const char *icon_name,
                     const char *label)
{
  GtkWidget *button = gtk_button_new_from_icon_name (icon_name);

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "flat");
  _bd_set_accessible_label (button, label);
  return button;
}

GtkWidget *
_bd_output_labels_new (GtkLabel **name,
                       GtkLabel **topics,
                       GtkLabel **status)
{
  GtkWidget *labels = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);

  *name = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (*name, 0);
  gtk_widget_add_css_class (GTK_WIDGET (*name), "heading");
  *topics = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (*topics, 0);
  gtk_label_set_ellipsize (*topics, PANGO_ELLIPSIZE_MIDDLE);
  gtk_widget_add_css_class (GTK_WIDGET (*topics), "caption");
  gtk_widget_add_css_class (GTK_WIDGET (*topics), "dim-label");
  *status = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (*status, 0);
  gtk_label_set_wrap (*status, TRUE);
  gtk_box_append (GTK_BOX (labels), GTK_WIDGET (*name));
  gtk_box_append (GTK_BOX (labels), GTK_WIDGET (*topics));
  gtk_box_append (GTK_BOX (labels), GTK_WIDGET (*status));
  gtk_widget_set_hexpand (labels, TRUE);
  return labels;
}

void
_bd_output_labels_update (GtkLabel *name,
                          GtkLabel *topics,
                          BdOutput *output)
{
  g_autofree char *text = NULL;

  gtk_label_set_label (name, bd_output_get_name (output));
  /* Translators: a relay's command topic → its state topic */
  text = g_strdup_printf (_("%s → %s"), bd_output_get_command_topic (output),
                          bd_output_get_state_topic (output));
  gtk_label_set_label (topics, text);
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

/* Long enough for an accessibility client to have read the dialog's hiding. */
#define DIALOG_DESTROY_DELAY_S 5

static gboolean
destroy_dialog_cb (gpointer data)
{
  GtkWindow *dialog = data;

  gtk_window_destroy (dialog);
  return G_SOURCE_REMOVE;
}

static void
on_dialog_visible_cb (GtkWindow  *dialog,
                      GParamSpec *pspec,
                      gpointer    user_data)
{
  if (gtk_widget_get_visible (GTK_WIDGET (dialog)))
    return;
  g_signal_handlers_disconnect_by_func (dialog, on_dialog_visible_cb, user_data);
  g_timeout_add_seconds_full (G_PRIORITY_DEFAULT, DIALOG_DESTROY_DELAY_S, destroy_dialog_cb,
                              g_object_ref (dialog), g_object_unref);
}

void
_bd_present_dialog (GtkWidget *owner,
                    GtkWindow *dialog)
{
  GtkRoot *root = gtk_widget_get_root (owner);

  if (GTK_IS_WINDOW (root))
    {
      gtk_window_set_transient_for (dialog, GTK_WINDOW (root));
      /* Closing the main window takes its dialogs along, hidden or not. */
      gtk_window_set_destroy_with_parent (dialog, TRUE);
    }
  gtk_window_set_hide_on_close (dialog, TRUE);
  g_signal_connect (dialog, "notify::visible", G_CALLBACK (on_dialog_visible_cb), NULL);
  gtk_window_present (dialog);
}

void
_bd_message_dialog_add_choice (AdwMessageDialog      *dialog,
                               const char            *id,
                               const char            *label,
                               AdwResponseAppearance  appearance)
{
  g_return_if_fail (ADW_IS_MESSAGE_DIALOG (dialog));

  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), id, label, NULL);
  adw_message_dialog_set_response_appearance (dialog, id, appearance);
  adw_message_dialog_set_default_response (dialog, appearance == ADW_RESPONSE_DESTRUCTIVE
                                                   ? "cancel" : id);
}

void
_bd_add_save_responses (AdwMessageDialog *dialog)
{
  _bd_message_dialog_add_choice (dialog, "save", _("_Save"), ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_close_response (dialog, "cancel");
}

static void
overview_saved_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GtkWidget) widget = user_data;
  g_autoptr(GError) error = NULL;

  if (!bd_service_save_overview_finish (BD_SERVICE (source), result, &error))
    {
      /* Translators: a toast, with the reason */
      g_autofree char *text = g_strdup_printf (_("The overview is not saved: %s"), error->message);

      _bd_show_toast (widget, adw_toast_new (text));
    }
}

void
_bd_menu_append_item (GMenu      *menu,
                      const char *label,
                      const char *action,
                      GVariant   *target)
{
  g_autoptr(GMenuItem) item = g_menu_item_new (label, NULL);

  g_menu_item_set_action_and_target_value (item, action, target);
  g_menu_append_item (menu, item);
}

void
_bd_save_overview (GtkWidget *widget,
                   BdService *service)
{
  g_return_if_fail (GTK_IS_WIDGET (widget));
  g_return_if_fail (BD_IS_SERVICE (service));

  bd_service_save_overview_async (service, NULL, overview_saved_cb, g_object_ref (widget));
}

void
_bd_follow_object (gpointer     self,
                   gpointer    *slot,
                   gpointer     object,
                   const char  *signal,
                   GCallback    callback)
{
  g_return_if_fail (G_IS_OBJECT (self));
  g_return_if_fail (object == NULL || G_IS_OBJECT (object));

  if (*slot == object)
    return;
  if (*slot != NULL)
    g_signal_handlers_disconnect_by_data (*slot, self);
  g_set_object ((GObject **) slot, object);
  if (object != NULL)
    g_signal_connect_swapped (object, signal, callback, self);
  ((void (*) (gpointer)) callback) (self);
}

void
_bd_clear_file_chooser (GtkFileChooserNative **chooser)
{
  g_return_if_fail (chooser != NULL);

  if (*chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (*chooser));
  g_clear_object (chooser);
}

AdwPreferencesGroup *
_bd_add_preferences_group (AdwPreferencesPage *page,
                           const char         *title,
                           const char         *description)
{
  AdwPreferencesGroup *group;

  g_return_val_if_fail (ADW_IS_PREFERENCES_PAGE (page), NULL);

  group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  if (title != NULL)
    adw_preferences_group_set_title (group, title);
  if (description != NULL)
    adw_preferences_group_set_description (group, description);
  adw_preferences_page_add (page, group);
  return group;
}

GtkWidget *
_bd_switch_row_new (const char  *title,
                    const char  *subtitle,
                    GtkSwitch  **switch_out)
{
  GtkWidget *row;
  GtkWidget *toggle;

  g_return_val_if_fail (title != NULL, NULL);
  g_return_val_if_fail (switch_out != NULL, NULL);

  row = adw_action_row_new ();
  toggle = gtk_switch_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  if (subtitle != NULL)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_widget_set_valign (toggle, GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (toggle), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  title, -1);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), toggle);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), toggle);
  *switch_out = GTK_SWITCH (toggle);
  return row;
}

static GtkWidget *
editor_header_new (GtkWindow  *window,
                   GtkWidget **save_button)
{
  GtkWidget *header = adw_header_bar_new ();
  GtkWidget *cancel = gtk_button_new_with_mnemonic (_("_Cancel"));

  *save_button = gtk_button_new_with_mnemonic (_("_Save"));
  adw_header_bar_set_show_end_title_buttons (ADW_HEADER_BAR (header), FALSE);
  adw_header_bar_set_show_start_title_buttons (ADW_HEADER_BAR (header), FALSE);
  g_signal_connect_swapped (cancel, "clicked", G_CALLBACK (gtk_window_close), window);
  adw_header_bar_pack_start (ADW_HEADER_BAR (header), cancel);
  gtk_widget_add_css_class (*save_button, "suggested-action");
  adw_header_bar_pack_end (ADW_HEADER_BAR (header), *save_button);
  return header;
}

AdwPreferencesPage *
_bd_editor_window_fill (AdwWindow  *window,
                        int         width,
                        int         height,
                        GtkWidget  *notice,
                        GtkWidget **save_button)
{
  GtkWidget *box;
  GtkWidget *page;

  g_return_val_if_fail (ADW_IS_WINDOW (window), NULL);
  g_return_val_if_fail (save_button != NULL, NULL);

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  page = adw_preferences_page_new ();
  gtk_window_set_default_size (GTK_WINDOW (window), width, height);
  gtk_window_set_modal (GTK_WINDOW (window), TRUE);
  gtk_box_append (GTK_BOX (box), editor_header_new (GTK_WINDOW (window), save_button));
  if (notice != NULL)
    gtk_box_append (GTK_BOX (box), notice);
  gtk_widget_set_vexpand (page, TRUE);
  gtk_box_append (GTK_BOX (box), page);
  adw_window_set_content (window, box);
  return ADW_PREFERENCES_PAGE (page);
}
