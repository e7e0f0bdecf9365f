/* bd-connection-row.c — one saved broker connection in the Connections dialog
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A radio row: its check button shares the "Embedded broker" row's group,
 * so exactly one broker is shown. What choosing, editing and deleting do is
 * the dialog's business; the row only says which profile it stands for.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "bd-connection-row.h"

struct _BdConnectionRow
{
  AdwActionRow    parent_instance;

  GtkCheckButton *check;
  GtkWidget      *edit_button;
  GtkWidget      *delete_button;

  char           *profile_id;
};

enum {
  PROP_0,
  PROP_PROFILE_ID,
  N_PROPS
};

enum {
  CHOSEN,
  EDIT,
  DELETE,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (BdConnectionRow, bd_connection_row, ADW_TYPE_ACTION_ROW)

static void
on_check_toggled_cb (BdConnectionRow *self,
                     GtkCheckButton  *check)
{
  if (gtk_check_button_get_active (check))
    g_signal_emit (self, signals[CHOSEN], 0);
}

static void
on_edit_clicked_cb (BdConnectionRow *self)
{
  g_signal_emit (self, signals[EDIT], 0);
}

static void
on_delete_clicked_cb (BdConnectionRow *self)
{
  g_signal_emit (self, signals[DELETE], 0);
}

static void
bd_connection_row_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), BD_TYPE_CONNECTION_ROW);

  G_OBJECT_CLASS (bd_connection_row_parent_class)->dispose (object);
}

static void
bd_connection_row_finalize (GObject *object)
{
  BdConnectionRow *self = BD_CONNECTION_ROW (object);

  g_free (self->profile_id);

  G_OBJECT_CLASS (bd_connection_row_parent_class)->finalize (object);
}

static void
bd_connection_row_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  BdConnectionRow *self = BD_CONNECTION_ROW (object);

  switch (prop_id)
    {
    case PROP_PROFILE_ID:
      g_value_set_string (value, self->profile_id);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bd_connection_row_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  BdConnectionRow *self = BD_CONNECTION_ROW (object);

  switch (prop_id)
    {
    case PROP_PROFILE_ID:
      self->profile_id = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bd_connection_row_class_init (BdConnectionRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bd_connection_row_dispose;
  object_class->finalize = bd_connection_row_finalize;
  object_class->get_property = bd_connection_row_get_property;
  object_class->set_property = bd_connection_row_set_property;

  properties[PROP_PROFILE_ID] =
    g_param_spec_string ("profile-id", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[CHOSEN] =
    g_signal_new ("chosen", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[EDIT] =
    g_signal_new ("edit", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[DELETE] =
    g_signal_new ("delete", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/brokerdesk/Brokerdesk/"
                                                             "bd-connection-row.ui");
  gtk_widget_class_bind_template_child (widget_class, BdConnectionRow, check);
  gtk_widget_class_bind_template_child (widget_class, BdConnectionRow, edit_button);
  gtk_widget_class_bind_template_child (widget_class, BdConnectionRow, delete_button);
  gtk_widget_class_bind_template_callback (widget_class, on_check_toggled_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_edit_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_delete_clicked_cb);
}

static void
bd_connection_row_init (BdConnectionRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
bd_connection_row_new (const BdConnectionProfile *profile,
                       GtkCheckButton            *group)
{
  BdConnectionRow *self;
  g_autofree char *subtitle = NULL;
  g_autofree char *edit = NULL;
  g_autofree char *delete = NULL;
  guint port;

  g_return_val_if_fail (profile != NULL, NULL);
  g_return_val_if_fail (group == NULL || GTK_IS_CHECK_BUTTON (group), NULL);

  self = g_object_new (BD_TYPE_CONNECTION_ROW, "profile-id", profile->id, NULL);
  port = profile->port ? profile->port : (profile->use_tls ? 8883 : 1883);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self), profile->name);
  subtitle = profile->use_tls ? g_strdup_printf (_("%s:%u, TLS"), profile->host, port)
                              : g_strdup_printf ("%s:%u", profile->host, port);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self), subtitle);
  gtk_check_button_set_group (self->check, group);

  /* Translators: accessible names; %s is a connection's name. */
  edit = g_strdup_printf (_("Edit the connection %s"), profile->name);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->edit_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, edit, -1);
  delete = g_strdup_printf (_("Delete the connection %s"), profile->name);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->delete_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, delete, -1);
  return GTK_WIDGET (self);
}

const char *
bd_connection_row_get_profile_id (BdConnectionRow *self)
{
  g_return_val_if_fail (BD_IS_CONNECTION_ROW (self), NULL);

  return self->profile_id;
}

void
bd_connection_row_set_active (BdConnectionRow *self,
                              gboolean         active)
{
  g_return_if_fail (BD_IS_CONNECTION_ROW (self));

  gtk_check_button_set_active (self->check, active);
}
