/* bd-preferences-dialog.c — the Preferences dialog
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every control but the port and "Listen on All Interfaces" is bound to its
 * key with g_settings_bind, so the window has no state of its own: the
 * engine and the other windows watch the settings. The port and the
 * interfaces are the first listener line of the configuration file the
 * window and --headless share (Brokerdesk's own brokerdesk.conf), read and
 * written on workers, so that both listen where that file says.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "bd-preferences-dialog.h"
#include "bd-rerun.h"
#include "bd-security.h"
#include "bd-settings.h"

struct _BdPreferencesDialog
{
  AdwPreferencesWindow  parent_instance;

  GSettings            *settings;
  char                 *config_file;  /* --config's: the listener is that file's */
  GCancellable         *cancellable;
  /* One save of the listener in flight, then the latest values. */
  BdRerun               save;
  guint16               saving_port;
  gboolean              saving_all;
  /* What the file has, as last read or written. */
  guint16               saved_port;
  gboolean              saved_all;
  gboolean              anonymous;    /* the first listener lets anonymous clients in */
  char                 *listen_all_subtitle;  /* the row's own */

  /* Template children */
  AdwActionRow         *port_row;
  GtkSpinButton        *port_spin;
  AdwActionRow         *listen_all_row;
  GtkSwitch            *listen_all_switch;
  GtkSwitch            *demo_plant_switch;
  GtkSwitch            *run_at_login_switch;
};

enum {
  PROP_0,
  PROP_SETTINGS,
  PROP_CONFIG_FILE,
  N_PROPS
};

enum {
  BROKER_PORT_SAVED,
  BROKER_INTERFACES_SAVED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (BdPreferencesDialog, bd_preferences_dialog, ADW_TYPE_PREFERENCES_WINDOW)

/* Subtitles are markup; file names and messages are text. */
static void
set_subtitle (AdwActionRow *row,
              const char   *text)
{
  g_autofree char *escaped = g_markup_escape_text (text, -1);

  adw_action_row_set_subtitle (row, escaped);
}

static void save_port (BdPreferencesDialog *self);

/* The broker set-up's warning, here too: every interface with anonymous
 * access lets anyone on the network read and send every message. */
static void
update_listen_all_subtitle (BdPreferencesDialog *self)
{
  g_autofree char *warning = NULL;

  if (!self->saved_all || !self->anonymous)
    {
      adw_action_row_set_subtitle (self->listen_all_row, self->listen_all_subtitle);
      return;
    }
  warning = g_strdup_printf (_("Port %u accepts clients from other computers without "
                               "a user name: anyone on the network can read and send "
                               "every message. Add users and turn off anonymous "
                               "access."), self->saved_port);
  set_subtitle (self->listen_all_row, warning);
}

/* The file's reads and writes hold no reference to the dialog: one taken
 * would make the last unref, after the window was destroyed with its
 * parent, run the window's dispose against the parent already gone. Its
 * dispose cancels them instead, so a callback that is not cancelled has the
 * dialog alive; a cancelled one must not touch it. */
static void
on_port_saved_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  BdPreferencesDialog *self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean saved = bd_security_save_own_port_finish (result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (!saved)
    {
      g_autofree char *escaped = g_markup_escape_text (error->message, -1);

      adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), adw_toast_new (escaped));
    }
  else
    {
      if (self->saving_port != self->saved_port)
        g_signal_emit (self, signals[BROKER_PORT_SAVED], 0, (guint) self->saving_port);
      if (self->saving_all != self->saved_all)
        g_signal_emit (self, signals[BROKER_INTERFACES_SAVED], 0, self->saving_all);
      self->saved_port = self->saving_port;
      self->saved_all = self->saving_all;
      update_listen_all_subtitle (self);
    }
  if (bd_rerun_end (&self->save))
    save_port (self);
}

static void
save_port (BdPreferencesDialog *self)
{
  if (!bd_rerun_begin (&self->save))
    return;
  self->saving_port = (guint16) gtk_spin_button_get_value_as_int (self->port_spin);
  self->saving_all = gtk_switch_get_active (self->listen_all_switch);
  bd_security_save_own_port_async (self->saving_port,
                                   self->saving_all ? BD_SECURITY_INTERFACES_ALL
                                                    : BD_SECURITY_INTERFACES_LOOPBACK,
                                   self->cancellable, on_port_saved_cb, self);
}

static void
on_port_loaded_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  BdPreferencesDialog *self = user_data;
  g_autoptr(GError) error = NULL;
  guint16 port;
  gboolean all_interfaces;
  gboolean anonymous;

  if (!bd_security_load_own_port_finish (result, &port, &all_interfaces, &anonymous, &error))
    {
      /* The broker could not start from this file either: say why. */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        set_subtitle (self->port_row, error->message);
      return;
    }
  self->saved_port = port;
  self->saved_all = all_interfaces;
  self->anonymous = anonymous;
  update_listen_all_subtitle (self);
  g_signal_handlers_block_by_func (self->port_spin, save_port, self);
  g_signal_handlers_block_by_func (self->listen_all_switch, save_port, self);
  gtk_spin_button_set_value (self->port_spin, port);
  gtk_switch_set_active (self->listen_all_switch, all_interfaces);
  g_signal_handlers_unblock_by_func (self->listen_all_switch, save_port, self);
  g_signal_handlers_unblock_by_func (self->port_spin, save_port, self);
  gtk_widget_set_sensitive (GTK_WIDGET (self->port_spin), TRUE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->listen_all_switch), TRUE);
}

static void
bd_preferences_dialog_constructed (GObject *object)
{
  BdPreferencesDialog *self = BD_PREFERENCES_DIALOG (object);

  G_OBJECT_CLASS (bd_preferences_dialog_parent_class)->constructed (object);

  /* Insensitive until the file says its port and address. The
   * broker-port and broker-listen-all keys are no longer read: the
   * application carried them into the file once. */
  gtk_widget_set_sensitive (GTK_WIDGET (self->port_spin), FALSE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->listen_all_switch), FALSE);
  self->listen_all_subtitle = g_strdup (adw_action_row_get_subtitle (self->listen_all_row));
  if (self->config_file != NULL)
    {
      /* A hand-written configuration file is the operator's to edit; the
       * rows would only show a port and address this window does not
       * know. */
      g_autofree char *subtitle =
        g_strdup_printf (_("Set by the listeners of %s, the --config file."), self->config_file);

      set_subtitle (self->port_row, subtitle);
      set_subtitle (self->listen_all_row, subtitle);
      gtk_widget_set_visible (GTK_WIDGET (self->port_spin), FALSE);
    }
  else
    {
      g_signal_connect_swapped (self->port_spin, "value-changed", G_CALLBACK (save_port), self);
      g_signal_connect_swapped (self->listen_all_switch, "notify::active",
                                G_CALLBACK (save_port), self);
      bd_security_load_own_port_async (self->cancellable, on_port_loaded_cb, self);
    }
  g_settings_bind (self->settings, BD_SETTINGS_DEMO_PLANT,
                   self->demo_plant_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, BD_SETTINGS_RUN_AT_LOGIN,
                   self->run_at_login_switch, "active", G_SETTINGS_BIND_DEFAULT);
}

static void
bd_preferences_dialog_dispose (GObject *object)
{
  BdPreferencesDialog *self = BD_PREFERENCES_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), BD_TYPE_PREFERENCES_DIALOG);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (bd_preferences_dialog_parent_class)->dispose (object);
}

static void
bd_preferences_dialog_finalize (GObject *object)
{
  BdPreferencesDialog *self = BD_PREFERENCES_DIALOG (object);

  g_free (self->config_file);
  g_free (self->listen_all_subtitle);

  G_OBJECT_CLASS (bd_preferences_dialog_parent_class)->finalize (object);
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

    case PROP_CONFIG_FILE:
      self->config_file = g_value_dup_string (value);
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
  object_class->finalize = bd_preferences_dialog_finalize;
  object_class->set_property = bd_preferences_dialog_set_property;

  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL,
                         G_TYPE_SETTINGS,
                         (G_PARAM_WRITABLE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  properties[PROP_CONFIG_FILE] =
    g_param_spec_string ("config-file", NULL, NULL, NULL,
                         (G_PARAM_WRITABLE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* (guint port): the port row's value is in the configuration file; the
   * broker listens there from its next start. */
  signals[BROKER_PORT_SAVED] =
    g_signal_new ("broker-port-saved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
  /* (gboolean all_interfaces): "Listen on All Interfaces" is in the
   * configuration file; the broker listens so from its next start. */
  signals[BROKER_INTERFACES_SAVED] =
    g_signal_new ("broker-interfaces-saved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_BOOLEAN);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/brokerdesk/Brokerdesk/bd-preferences-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, BdPreferencesDialog, port_row);
  gtk_widget_class_bind_template_child (widget_class, BdPreferencesDialog, port_spin);
  gtk_widget_class_bind_template_child (widget_class, BdPreferencesDialog, listen_all_row);
  gtk_widget_class_bind_template_child (widget_class, BdPreferencesDialog, listen_all_switch);
  gtk_widget_class_bind_template_child (widget_class, BdPreferencesDialog, demo_plant_switch);
  gtk_widget_class_bind_template_child (widget_class, BdPreferencesDialog, run_at_login_switch);
}

static void
bd_preferences_dialog_init (BdPreferencesDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
}

BdPreferencesDialog *
bd_preferences_dialog_new (GSettings  *settings,
                           const char *config_file)
{
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  return g_object_new (BD_TYPE_PREFERENCES_DIALOG,
                       "settings", settings,
                       "config-file", config_file,
                       NULL);
}
