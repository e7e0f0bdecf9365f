/* bd-preferences-dialog.c — the Preferences dialog
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every control is bound to its key with g_settings_bind, so the window has no
 * state of its own: the engine and the other windows watch the settings.
 */

#include "config.h"

#include "bd-preferences-dialog.h"
#include "bd-settings.h"

struct _BdPreferencesDialog
{
  AdwPreferencesWindow  parent_instance;

  GSettings            *settings;

  /* Template children */
  GtkSpinButton        *port_spin;
  GtkSwitch            *listen_all_switch;
  GtkSwitch            *demo_plant_switch;
  GtkSwitch            *run_at_login_switch;
};

enum {
  PROP_0,
  PROP_SETTINGS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (BdPreferencesDialog, bd_preferences_dialog, ADW_TYPE_PREFERENCES_WINDOW)

static void
bd_preferences_dialog_constructed (GObject *object)
{
  BdPreferencesDialog *self = BD_PREFERENCES_DIALOG (object);

  G_OBJECT_CLASS (bd_preferences_dialog_parent_class)->constructed (object);

  /* GSettings maps the "i" key to the spin button's double "value". */
  g_settings_bind (self->settings, BD_SETTINGS_BROKER_PORT,
                   self->port_spin, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, BD_SETTINGS_BROKER_LISTEN_ALL,
                   self->listen_all_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, BD_SETTINGS_DEMO_PLANT,
                   self->demo_plant_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, BD_SETTINGS_RUN_AT_LOGIN,
                   self->run_at_login_switch, "active", G_SETTINGS_BIND_DEFAULT);
}

static void
bd_preferences_dialog_dispose (GObject *object)
{
  BdPreferencesDialog *self = BD_PREFERENCES_DIALOG (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), BD_TYPE_PREFERENCES_DIALOG);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (bd_preferences_dialog_parent_class)->dispose (object);
}

static void
bd_preferences_dialog_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  BdPreferencesDialog *self = BD_PREFERENCES_DIALOG (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      self->settings = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bd_preferences_dialog_class_init (BdPreferencesDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = bd_preferences_dialog_constructed;
  object_class->dispose = bd_preferences_dialog_dispose;
  object_class->set_property = bd_preferences_dialog_set_property;

  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL,
                         G_TYPE_SETTINGS,
                         (G_PARAM_WRITABLE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/brokerdesk/Brokerdesk/bd-preferences-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, BdPreferencesDialog, port_spin);
  gtk_widget_class_bind_template_child (widget_class, BdPreferencesDialog, listen_all_switch);
  gtk_widget_class_bind_template_child (widget_class, BdPreferencesDialog, demo_plant_switch);
  gtk_widget_class_bind_template_child (widget_class, BdPreferencesDialog, run_at_login_switch);
}

static void
bd_preferences_dialog_init (BdPreferencesDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

BdPreferencesDialog *
bd_preferences_dialog_new (GSettings *settings)
{
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  return g_object_new (BD_TYPE_PREFERENCES_DIALOG,
                       "settings", settings,
                       NULL);
}
