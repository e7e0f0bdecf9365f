/* bd-connection-indicator.c — the header-bar button that shows the connection
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Always visible, so the operator knows whose messages the tree shows:
 * "Embedded broker", or the profile's name and its client's state. It
 * follows whichever client the manager has through a GSignalGroup, and
 * opens the Connections dialog when clicked.
 */

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "bd-connection-indicator.h"
#include "bd-connections-dialog.h"
#include "bd-gui-util.h"

struct _BdConnectionIndicator
{
  GtkButton            parent_instance;

  BdConnectionManager *manager;
  GSignalGroup        *client_signals;
  GtkLabel            *label;
  GtkImage            *icon;
  char                *accessible_name;   /* as last set */
};

G_DEFINE_FINAL_TYPE (BdConnectionIndicator, bd_connection_indicator, GTK_TYPE_BUTTON)

static const char * const state_classes[] = { "success", "warning", "error" };

/* The reason without the "host:port: " prefix the client puts first; the
 * tooltip keeps the whole message. */
static const char *
short_reason (BdRemoteClient *client)
{
  const char *message = bd_remote_client_get_error_message (client);
  const BdRemoteConfig *config = bd_remote_client_get_config (client);
  g_autofree char *prefix = NULL;

  if (message == NULL)
    return "";
  prefix = g_strdup_printf ("%s:%u: ", config->host,
                            config->port ? config->port : (config->use_tls ? 8883 : 1883));
  return g_str_has_prefix (message, prefix) ? message + strlen (prefix) : message;
}

static char *
describe (BdConnectionIndicator  *self,
          const char            **css_class,
          char                  **tooltip)
{
  const BdConnectionProfile *profile;
  BdRemoteClient *client;
  const char *name;

  *css_class = NULL;
  *tooltip = NULL;
  profile = self->manager ? bd_connection_manager_get_active_profile (self->manager) : NULL;
  if (profile == NULL)
    {
      *tooltip = g_strdup (_("Showing the embedded broker. Click to choose a connection."));
      return g_strdup (_("Embedded broker"));
    }

  name = profile->name[0] != '\0' ? profile->name : profile->host;
  client = bd_connection_manager_get_remote_client (self->manager);
  if (client == NULL)
    /* Translators: %s is a connection's name. */
    return g_strdup_printf (_("%s — Connecting…"), name);

  if (bd_remote_client_get_error_message (client) != NULL)
    *tooltip = g_strdup (bd_remote_client_get_error_message (client));

  switch (bd_remote_client_get_state (client))
    {
    case BD_REMOTE_STATE_DISCONNECTED:
      return g_strdup_printf (_("%s — Disconnected"), name);
    case BD_REMOTE_STATE_CONNECTING:
      return g_strdup_printf (_("%s — Connecting…"), name);
    case BD_REMOTE_STATE_CONNECTED:
      *css_class = "success";
      return g_strdup_printf (_("%s — Connected"), name);
    case BD_REMOTE_STATE_WAITING:
      {
        guint seconds = bd_remote_client_get_retry_seconds (client);

        *css_class = "warning";
        /* Translators: %s is a connection's name, %u a number of seconds. */
        return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s — Reconnecting in %u s",
                                             "%s — Reconnecting in %u s", seconds),
                                name, seconds);
      }
    case BD_REMOTE_STATE_FAILED:
      *css_class = "error";
      /* Translators: %s is a connection's name, then why it failed. */
      return g_strdup_printf (_("%s — Failed: %s"), name, short_reason (client));
    default:
      g_assert_not_reached ();
    }
}

static void
update (BdConnectionIndicator *self)
{
  g_autofree char *tooltip = NULL;
  g_autofree char *text = NULL;
  g_autofree char *accessible = NULL;
  const char *css_class;

  text = describe (self, &css_class, &tooltip);
  gtk_label_set_label (self->label, text);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self), tooltip ? tooltip : text);
  for (guint i = 0; i < G_N_ELEMENTS (state_classes); i++)
    gtk_widget_remove_css_class (GTK_WIDGET (self->label), state_classes[i]);
  if (css_class != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->label), css_class);

  /* GTK 4.8's AT-SPI bridge can announce a name change of an accessible it
   * has not registered yet, with a NULL object path (a critical, then a
   * crash in g_variant_new): so the name is only set on a mapped button,
   * and again when it is mapped. */
  if (!gtk_widget_get_mapped (GTK_WIDGET (self)))
    return;
  /* Translators: the accessible name of the header-bar button; %s is e.g.
   * "Embedded broker" or "Plant — Connected". */
  accessible = g_strdup_printf (_("Connection: %s"), text);
  if (g_strcmp0 (accessible, self->accessible_name) == 0)
    return;
  g_free (self->accessible_name);
  self->accessible_name = g_steal_pointer (&accessible);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  self->accessible_name, -1);
}

static void
on_manager_changed_cb (BdConnectionIndicator *self)
{
  g_signal_group_set_target (self->client_signals,
                             bd_connection_manager_get_remote_client (self->manager));
  update (self);
}

static void
on_clicked_cb (BdConnectionIndicator *self)
{
  if (self->manager == NULL)
    return;
  _bd_present_dialog (GTK_WIDGET (self), GTK_WINDOW (bd_connections_dialog_new (self->manager)));
}

static void
bd_connection_indicator_dispose (GObject *object)
{
  BdConnectionIndicator *self = BD_CONNECTION_INDICATOR (object);

  if (self->client_signals != NULL)
    g_signal_group_set_target (self->client_signals, NULL);
  g_clear_object (&self->client_signals);
  g_clear_object (&self->manager);

  G_OBJECT_CLASS (bd_connection_indicator_parent_class)->dispose (object);
}

static void
bd_connection_indicator_finalize (GObject *object)
{
  BdConnectionIndicator *self = BD_CONNECTION_INDICATOR (object);

  g_free (self->accessible_name);

  G_OBJECT_CLASS (bd_connection_indicator_parent_class)->finalize (object);
}

static void
bd_connection_indicator_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (bd_connection_indicator_parent_class)->map (widget);
  update (BD_CONNECTION_INDICATOR (widget));
}

static void
bd_connection_indicator_class_init (BdConnectionIndicatorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bd_connection_indicator_dispose;
  object_class->finalize = bd_connection_indicator_finalize;
  widget_class->map = bd_connection_indicator_map;
}

static void
bd_connection_indicator_init (BdConnectionIndicator *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);

  self->icon = GTK_IMAGE (gtk_image_new_from_icon_name ("network-server-symbolic"));
  self->label = GTK_LABEL (gtk_label_new (NULL));
  /* Long failure reasons stay in the tooltip, not across the header bar. */
  gtk_label_set_ellipsize (self->label, PANGO_ELLIPSIZE_END);
  gtk_label_set_max_width_chars (self->label, 36);
  /* Room for "Embedded broker" in every language we ship; longer states
   * (a profile name and "Reconnecting in 8 s") ellipsize, the tooltip has all. */
  gtk_label_set_width_chars (self->label, 17);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->icon));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->label));
  gtk_button_set_child (GTK_BUTTON (self), box);
  gtk_widget_add_css_class (GTK_WIDGET (self), "flat");

  self->client_signals = g_signal_group_new (BD_TYPE_REMOTE_CLIENT);
  g_signal_group_connect_swapped (self->client_signals, "notify::state",
                                  G_CALLBACK (update), self);
  g_signal_group_connect_swapped (self->client_signals, "notify::error-message",
                                  G_CALLBACK (update), self);
  g_signal_group_connect_swapped (self->client_signals, "notify::retry-seconds",
                                  G_CALLBACK (update), self);
  g_signal_connect (self, "clicked", G_CALLBACK (on_clicked_cb), NULL);
  update (self);
}

GtkWidget *
bd_connection_indicator_new (void)
{
  return g_object_new (BD_TYPE_CONNECTION_INDICATOR, NULL);
}

void
bd_connection_indicator_set_manager (BdConnectionIndicator *self,
                                     BdConnectionManager   *manager)
{
  g_return_if_fail (BD_IS_CONNECTION_INDICATOR (self));
  g_return_if_fail (manager == NULL || BD_IS_CONNECTION_MANAGER (manager));

  if (self->manager == manager)
    return;
  if (self->manager != NULL)
    g_signal_handlers_disconnect_by_data (self->manager, self);
  g_set_object (&self->manager, manager);
  if (manager != NULL)
    {
      g_signal_connect_object (manager, "notify::active-id", G_CALLBACK (on_manager_changed_cb),
                               self, G_CONNECT_SWAPPED);
      g_signal_connect_object (manager, "notify::remote-client",
                               G_CALLBACK (on_manager_changed_cb), self, G_CONNECT_SWAPPED);
    }
  g_signal_group_set_target (self->client_signals,
                             manager ? bd_connection_manager_get_remote_client (manager) : NULL);
  update (self);
}

char *
bd_connection_indicator_dup_text (BdConnectionIndicator *self)
{
  g_return_val_if_fail (BD_IS_CONNECTION_INDICATOR (self), NULL);
  return g_strdup (gtk_label_get_label (self->label));
}
