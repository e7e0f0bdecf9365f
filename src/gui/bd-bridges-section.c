/* bd-bridges-section.c — the Broker page's bridges
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One BdBridgeRow per bridge the service runs, refreshed once a second from
 * bd_bridge_dup_status () (a snapshot taken under the bridge's lock: the
 * bridge's thread is never waited for, and nothing here runs per message).
 * Adding, editing (BdBridgeDialog) and removing a bridge write its lines
 * into the configuration file the broker started from, and the service then
 * restarts just that bridge.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "bd-bridge-dialog.h"
#include "bd-bridge-file.h"
#include "bd-bridge-row.h"
#include "bd-bridges-section.h"
#include "bd-gui-util.h"
#include "bd-security.h"

struct _BdBridgesSection
{
  AdwPreferencesGroup  parent_instance;

  GtkButton           *add_button;
  AdwActionRow        *empty_row;

  BdService           *service;
  char                *config_path;
  GPtrArray           *rows;          /* BdBridgeRow*, in the service's order */
  guint                refresh_id;
  GCancellable        *cancellable;
};

G_DEFINE_FINAL_TYPE (BdBridgesSection, bd_bridges_section, ADW_TYPE_PREFERENCES_GROUP)

static BdBridge *
find_bridge (BdBridgesSection *self,
             const char       *name)
{
  GPtrArray *bridges = bd_service_get_bridges (self->service);

  for (guint i = 0; i < bridges->len; i++)
    if (g_str_equal (bd_bridge_get_name (g_ptr_array_index (bridges, i)), name))
      return g_ptr_array_index (bridges, i);
  return NULL;
}

static gboolean
refresh_cb (gpointer user_data)
{
  BdBridgesSection *self = user_data;
  GPtrArray *bridges = bd_service_get_bridges (self->service);

  for (guint i = 0; i < bridges->len && i < self->rows->len; i++)
    {
      g_autoptr(BdBridgeStatus) status = bd_bridge_dup_status (g_ptr_array_index (bridges, i));

      bd_bridge_row_update (g_ptr_array_index (self->rows, i), status);
    }
  return G_SOURCE_CONTINUE;
}

static void
rebuild (BdBridgesSection *self)
{
  GPtrArray *bridges = bd_service_get_bridges (self->service);

  for (guint i = 0; i < self->rows->len; i++)
    adw_preferences_group_remove (ADW_PREFERENCES_GROUP (self), g_ptr_array_index (self->rows, i));
  g_ptr_array_set_size (self->rows, 0);
  for (guint i = 0; i < bridges->len; i++)
    {
      GtkWidget *row = bd_bridge_row_new (bd_bridge_get_name (g_ptr_array_index (bridges, i)));

      adw_preferences_group_add (ADW_PREFERENCES_GROUP (self), row);
      g_ptr_array_add (self->rows, row);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->empty_row), bridges->len == 0);
  gtk_widget_set_visible (GTK_WIDGET (self->add_button), bridges->len > 0);
  refresh_cb (self);
}

static void
open_dialog (BdBridgesSection     *self,
             const BdBridgeConfig *config)
{
  GtkWindow *dialog = GTK_WINDOW (bd_bridge_dialog_new (self->service, self->config_path, config));

  _bd_present_dialog (GTK_WIDGET (self), dialog);
}

static void
add_action (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  open_dialog (BD_BRIDGES_SECTION (widget), NULL);
}

static void
edit_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  BdBridgesSection *self = BD_BRIDGES_SECTION (widget);
  BdBridge *bridge = find_bridge (self, g_variant_get_string (parameter, NULL));

  if (bridge != NULL)
    open_dialog (self, bd_bridge_get_config (bridge));
}

typedef struct
{
  BdBridgesSection *self;
  char             *name;
} Removal;

static void
removal_free (Removal *removal)
{
  g_object_unref (removal->self);
  g_free (removal->name);
  g_free (removal);
}

static void
removed_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Removal *removal = user_data;
  BdBridgesSection *self = removal->self;
  g_autoptr(GError) error = NULL;

  if (!bd_bridge_file_save_finish (result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          /* Translators: a toast; the bridge's name, then the reason */
          g_autofree char *text = g_strdup_printf (_("The bridge %s is not removed: %s"),
                                                   removal->name, error->message);

          _bd_show_toast (GTK_WIDGET (self), adw_toast_new (text));
        }
    }
  else if (self->service != NULL)
    bd_service_remove_bridge (self->service, removal->name);
  removal_free (removal);
}

static void
on_remove_response_cb (AdwMessageDialog *dialog,
                       const char       *response,
                       gpointer          user_data)
{
  Removal *removal = user_data;

  if (!g_str_equal (response, "remove"))
    {
      removal_free (removal);
      return;
    }
  bd_bridge_file_save_async (removal->self->config_path, removal->name, NULL,
                             removal->self->cancellable, removed_cb, removal);
}

static void
remove_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  BdBridgesSection *self = BD_BRIDGES_SECTION (widget);
  const char *name = g_variant_get_string (parameter, NULL);
  GtkWidget *dialog;
  Removal *removal;
  g_autofree char *heading = NULL;
  g_autofree char *body = NULL;

  /* Translators: a question; %s is the bridge's name */
  heading = g_strdup_printf (_("Remove the Bridge “%s”?"), name);
  /* Translators: %s is the configuration file */
  body = g_strdup_printf (_("It stops, and its lines are removed from %s. Messages still "
                            "waiting for the upstream are not sent."), self->config_path);
  dialog = adw_message_dialog_new (NULL, heading, body);
  _bd_message_dialog_add_choice (ADW_MESSAGE_DIALOG (dialog), "remove", _("_Remove"),
                                 ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  removal = g_new0 (Removal, 1);
  removal->self = g_object_ref (self);
  removal->name = g_strdup (name);
  g_signal_connect (dialog, "response", G_CALLBACK (on_remove_response_cb), removal);
  _bd_present_dialog (widget, GTK_WINDOW (dialog));
}

static void
bd_bridges_section_dispose (GObject *object)
{
  BdBridgesSection *self = BD_BRIDGES_SECTION (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->refresh_id, g_source_remove);
  if (self->service != NULL)
    g_signal_handlers_disconnect_by_data (self->service, self);
  g_clear_object (&self->service);
  gtk_widget_dispose_template (GTK_WIDGET (object), BD_TYPE_BRIDGES_SECTION);

  G_OBJECT_CLASS (bd_bridges_section_parent_class)->dispose (object);
}

static void
bd_bridges_section_finalize (GObject *object)
{
  BdBridgesSection *self = BD_BRIDGES_SECTION (object);

  g_free (self->config_path);
  g_ptr_array_unref (self->rows);

  G_OBJECT_CLASS (bd_bridges_section_parent_class)->finalize (object);
}

static void
bd_bridges_section_class_init (BdBridgesSectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bd_bridges_section_dispose;
  object_class->finalize = bd_bridges_section_finalize;

  gtk_widget_class_set_template_from_resource (
    widget_class, "/io/github/brokerdesk/Brokerdesk/bd-bridges-section.ui");
  gtk_widget_class_bind_template_child (widget_class, BdBridgesSection, add_button);
  gtk_widget_class_bind_template_child (widget_class, BdBridgesSection, empty_row);

  gtk_widget_class_install_action (widget_class, "bridge.add", NULL, add_action);
  gtk_widget_class_install_action (widget_class, "bridge.edit", "s", edit_action);
  gtk_widget_class_install_action (widget_class, "bridge.remove", "s", remove_action);
}

static void
bd_bridges_section_init (BdBridgesSection *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->rows = g_ptr_array_new ();
  self->cancellable = g_cancellable_new ();
  /* Nothing to edit until there is a service. */
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "bridge.add", FALSE);
}

GtkWidget *
bd_bridges_section_new (void)
{
  return g_object_new (BD_TYPE_BRIDGES_SECTION, NULL);
}

void
bd_bridges_section_set_service (BdBridgesSection *self,
                                BdService        *service,
                                const char       *config_path)
{
  g_return_if_fail (BD_IS_BRIDGES_SECTION (self));
  g_return_if_fail (BD_IS_SERVICE (service));

  if (self->service != NULL)
    return;
  self->service = g_object_ref (service);
  self->config_path = config_path != NULL ? g_strdup (config_path)
                                          : bd_security_default_config_path ();
  g_signal_connect_swapped (service, "bridges-changed", G_CALLBACK (rebuild), self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "bridge.add", TRUE);
  rebuild (self);
  self->refresh_id = g_timeout_add_seconds (1, refresh_cb, self);
}
