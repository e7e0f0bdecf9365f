/* bd-listener-settings.c — the Security page's network listeners
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The listeners other computers use, kept in Brokerdesk's own configuration
 * file beside the local one: MQTT over TLS, and MQTT over WebSockets for
 * browser dashboards (over TLS once there is a certificate). The
 * certificate is either files the operator chooses, or "a certificate for
 * this computer" made here with a local authority, whose certificate is
 * exported for the devices to trust. The group edits the page's BdSecurity
 * and says "changed"; the page writes the file. With --config the listeners
 * are the operator's file's, shown on the Broker page, and this group only
 * says where they are set.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "bd-certificates.h"
#include "bd-gui-util.h"
#include "bd-listener-settings.h"

#define DEFAULT_TLS_PORT        8883
#define DEFAULT_WEBSOCKETS_PORT 9001

struct _BdListenerSettings
{
  AdwPreferencesGroup  parent_instance;

  char                *data_dir;
  BdSecurity          *security;     /* borrowed from the page */
  GCancellable        *cancellable;
  guint                busy;         /* certificates being made or exported */
  guint                n_exported;
  gboolean             updating;     /* controls being set from the model */
  char                *error;

  AdwActionRow        *certificate_row;
  GtkWidget           *create_button;
  GtkWidget           *choose_button;
  AdwActionRow        *export_row;
  AdwActionRow        *tls_row;
  GtkSpinButton       *tls_port;
  GtkSwitch           *tls_switch;
  AdwActionRow        *websockets_row;
  GtkSpinButton       *websockets_port;
  GtkSwitch           *websockets_switch;
  GtkLabel            *error_label;
  GtkFileChooserNative *chooser;
  char                *chosen_certfile;
};

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (BdListenerSettings, bd_listener_settings, ADW_TYPE_PREFERENCES_GROUP)

static void
set_error (BdListenerSettings *self,
           const char         *error)
{
  g_free (self->error);
  self->error = g_strdup (error);
  _bd_show_message (self->error_label, GTK_WIDGET (self->error_label), error);
}

static char *
local_path (BdListenerSettings *self,
            const char         *name)
{
  g_autofree char *dir = bd_certificates_dup_local_dir (self->data_dir);

  return g_build_filename (dir, name, NULL);
}

/* Whether the certificate in use is the one made for this computer. */
static gboolean
uses_local_certificate (BdListenerSettings *self)
{
  g_autofree char *local = local_path (self, BD_CERTIFICATE_SERVER_CERT);

  return self->security != NULL && g_strcmp0 (self->security->certfile, local) == 0;
}

static void
update (BdListenerSettings *self)
{
  BdSecurity *security = self->security;
  BdSecurityListener *tls;
  BdSecurityListener *websockets;
  gboolean editable = security != NULL && security->config_is_own;

  if (security == NULL)
    return;
  self->updating = TRUE;
  if (!security->config_is_own)
    {
      g_autofree char *description = NULL;

      /* Translators: %s is the path of the broker's configuration file */
      description = g_strdup_printf (_("The listeners are set in %s; the Broker page shows "
                                       "them."), security->config_path);
      adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (self), description);
    }
  else
    {
      g_autofree char *description = NULL;

      /* Translators: %s is the path of Brokerdesk's configuration file */
      description = g_strdup_printf (_("Kept in %s, which the window and brokerdesk "
                                       "--headless both start from. Changes apply at once; "
                                       "clients of the listeners that stay are not "
                                       "disconnected."), security->config_path);
      adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (self), description);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->certificate_row), editable);
  gtk_widget_set_visible (GTK_WIDGET (self->tls_row), editable);
  gtk_widget_set_visible (GTK_WIDGET (self->websockets_row), editable);
  gtk_widget_set_visible (GTK_WIDGET (self->export_row), editable && uses_local_certificate (self));
  if (!editable)
    {
      self->updating = FALSE;
      return;
    }

  adw_action_row_set_subtitle (self->certificate_row,
                               security->certfile != NULL
                               ? security->certfile
                               : _("None yet: create one for this computer, or choose the "
                                   "files of your own."));
  gtk_widget_set_sensitive (self->create_button, self->busy == 0);
  gtk_widget_set_sensitive (self->choose_button, self->busy == 0);

  tls = bd_security_get_listener (security, BD_SECURITY_LISTENER_TLS);
  gtk_switch_set_active (self->tls_switch, tls != NULL);
  if (tls != NULL)
    gtk_spin_button_set_value (self->tls_port, tls->port);
  gtk_widget_set_sensitive (GTK_WIDGET (self->tls_switch), security->certfile != NULL);
  adw_action_row_set_subtitle (self->tls_row,
                               security->certfile != NULL
                               ? _("Encrypted, for devices on the network")
                               : _("Needs a certificate"));

  websockets = bd_security_get_listener (security, BD_SECURITY_LISTENER_WEBSOCKETS);
  gtk_switch_set_active (self->websockets_switch, websockets != NULL);
  if (websockets != NULL)
    gtk_spin_button_set_value (self->websockets_port, websockets->port);
  adw_action_row_set_subtitle (self->websockets_row,
                               security->certfile != NULL
                               ? _("For browser dashboards; encrypted with the certificate")
                               : _("For browser dashboards; not encrypted without a "
                                   "certificate"));
  self->updating = FALSE;
}

static void
changed (BdListenerSettings *self)
{
  update (self);
  g_signal_emit (self, signals[CHANGED], 0);
}

void
bd_listener_settings_show_error (BdListenerSettings *self,
                                 const char         *error)
{
  g_return_if_fail (BD_IS_LISTENER_SETTINGS (self));

  set_error (self, error);
}

gboolean
bd_listener_settings_set_listener (BdListenerSettings     *self,
                                   BdSecurityListenerKind  kind,
                                   gboolean                enabled,
                                   guint16                 port,
                                   GError                **error)
{
  g_return_val_if_fail (BD_IS_LISTENER_SETTINGS (self), FALSE);
  g_return_val_if_fail (self->security != NULL, FALSE);

  if (!bd_security_set_listener (self->security, kind, enabled, port, error))
    {
      update (self);
      return FALSE;
    }
  changed (self);
  return TRUE;
}

void
bd_listener_settings_set_certificate (BdListenerSettings *self,
                                      const char         *certfile,
                                      const char         *keyfile)
{
  g_return_if_fail (BD_IS_LISTENER_SETTINGS (self));
  g_return_if_fail (self->security != NULL);

  g_autoptr(GError) error = NULL;

  if (!bd_security_set_certificate (self->security, certfile, keyfile, &error))
    {
      set_error (self, error->message);
      return;
    }
  set_error (self, NULL);
  changed (self);
}

typedef struct
{
  BdListenerSettings *self;
  char               *certfile;
  char               *keyfile;
} UseFiles;

static void
on_pair_checked_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  UseFiles *use = user_data;
  g_autoptr(BdListenerSettings) self = use->self;
  g_autofree char *certfile = use->certfile;
  g_autofree char *keyfile = use->keyfile;
  g_autoptr(GError) error = NULL;

  g_free (use);
  self->busy--;
  if (!bd_certificates_check_pair_finish (result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          set_error (self, error->message);
          update (self);
        }
      return;
    }
  bd_listener_settings_set_certificate (self, certfile, keyfile);
}

void
bd_listener_settings_use_files (BdListenerSettings *self,
                                const char         *certfile,
                                const char         *keyfile)
{
  UseFiles *use;

  g_return_if_fail (BD_IS_LISTENER_SETTINGS (self));
  g_return_if_fail (certfile != NULL && keyfile != NULL);

  use = g_new0 (UseFiles, 1);
  use->self = g_object_ref (self);
  use->certfile = g_strdup (certfile);
  use->keyfile = g_strdup (keyfile);
  self->busy++;
  update (self);
  bd_certificates_check_pair_async (certfile, keyfile, self->cancellable, on_pair_checked_cb,
                                    use);
}

static void
on_listener_control_cb (BdListenerSettings *self)
{
  gboolean tls = gtk_switch_get_active (self->tls_switch);
  gboolean websockets = gtk_switch_get_active (self->websockets_switch);
  guint16 tls_port = gtk_spin_button_get_value_as_int (self->tls_port);
  guint16 websockets_port = gtk_spin_button_get_value_as_int (self->websockets_port);
  g_autoptr(GError) error = NULL;

  if (self->updating || self->security == NULL)
    return;
  /* Both read before either is applied: applying updates the controls. */
  if (!bd_security_set_listener (self->security, BD_SECURITY_LISTENER_TLS, tls, tls_port,
                                 &error) ||
      !bd_security_set_listener (self->security, BD_SECURITY_LISTENER_WEBSOCKETS, websockets,
                                 websockets_port, &error))
    set_error (self, error->message);
  else
    set_error (self, NULL);
  changed (self);
}

static void
on_created_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(BdListenerSettings) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *cert = NULL;
  g_autofree char *key = NULL;

  self->busy--;
  if (!bd_certificates_create_local_finish (result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          set_error (self, error->message);
          update (self);
        }
      return;
    }
  cert = local_path (self, BD_CERTIFICATE_SERVER_CERT);
  key = local_path (self, BD_CERTIFICATE_SERVER_KEY);
  bd_listener_settings_set_certificate (self, cert, key);
  _bd_show_toast (GTK_WIDGET (self), adw_toast_new (_("Certificate created for this computer")));
}

void
bd_listener_settings_create_certificate (BdListenerSettings *self)
{
  g_return_if_fail (BD_IS_LISTENER_SETTINGS (self));

  self->busy++;
  update (self);
  bd_certificates_create_local_async (self->data_dir, self->cancellable, on_created_cb,
                                      g_object_ref (self));
}

static void
on_exported_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(BdListenerSettings) self = user_data;
  g_autoptr(GError) error = NULL;

  self->busy--;
  if (!g_file_copy_finish (G_FILE (source), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        set_error (self, error->message);
    }
  else
    {
      set_error (self, NULL);
      self->n_exported++;
      _bd_show_toast (GTK_WIDGET (self), adw_toast_new (_("CA certificate exported")));
    }
  update (self);
}

void
bd_listener_settings_export_ca (BdListenerSettings *self,
                                GFile              *destination)
{
  g_autofree char *path = NULL;
  g_autoptr(GFile) ca = NULL;

  g_return_if_fail (BD_IS_LISTENER_SETTINGS (self));
  g_return_if_fail (G_IS_FILE (destination));

  path = local_path (self, BD_CERTIFICATE_CA_CERT);
  ca = g_file_new_for_path (path);
  self->busy++;
  /* GIO copies on its own worker: no disk on the main thread. */
  g_file_copy_async (ca, destination, G_FILE_COPY_OVERWRITE, G_PRIORITY_DEFAULT,
                     self->cancellable, NULL, NULL, on_exported_cb, g_object_ref (self));
}

static void
on_export_response_cb (GtkNativeDialog    *chooser,
                       int                 response,
                       BdListenerSettings *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

      if (file != NULL)
        bd_listener_settings_export_ca (self, file);
    }
  g_clear_object (&self->chooser);
}

static GtkWindow *
parent_window (BdListenerSettings *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  return GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL;
}

static void
on_export_clicked_cb (BdListenerSettings *self)
{
  /* GtkFileChooserNative: the portal's dialog in the Flatpak (GTK 4.8 has
   * no GtkFileDialog). */
  g_clear_object (&self->chooser);
  self->chooser = gtk_file_chooser_native_new (_("Export CA Certificate"), parent_window (self),
                                               GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"),
                                               NULL);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->chooser), "brokerdesk-ca.crt");
  g_signal_connect (self->chooser, "response", G_CALLBACK (on_export_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void choose_file (BdListenerSettings *self,
                         gboolean            key);

static void
on_choose_response_cb (GtkNativeDialog    *chooser,
                       int                 response,
                       BdListenerSettings *self)
{
  g_autoptr(GFile) file = NULL;
  g_autofree char *path = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  if (file != NULL)
    path = g_file_get_path (file);
  if (path == NULL)
    {
      g_clear_pointer (&self->chosen_certfile, g_free);
      return;
    }
  /* First the certificate, then its key. */
  if (self->chosen_certfile == NULL)
    {
      self->chosen_certfile = g_steal_pointer (&path);
      choose_file (self, TRUE);
      return;
    }
  bd_listener_settings_use_files (self, self->chosen_certfile, path);
  g_clear_pointer (&self->chosen_certfile, g_free);
}

static void
choose_file (BdListenerSettings *self,
             gboolean            key)
{
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, key ? _("PEM keys") : _("PEM certificates"));
  gtk_file_filter_add_pattern (filter, "*.pem");
  gtk_file_filter_add_pattern (filter, key ? "*.key" : "*.crt");
  g_clear_object (&self->chooser);
  self->chooser = gtk_file_chooser_native_new (key ? _("Choose the Certificate’s Key")
                                                   : _("Choose the Server Certificate"),
                                               parent_window (self),
                                               GTK_FILE_CHOOSER_ACTION_OPEN, _("_Choose"), NULL);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), filter);
  g_signal_connect (self->chooser, "response", G_CALLBACK (on_choose_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
on_choose_clicked_cb (BdListenerSettings *self)
{
  g_clear_pointer (&self->chosen_certfile, g_free);
  choose_file (self, FALSE);
}

static GtkWidget *
text_button (const char *label,
             const char *accessible,
             GCallback   callback,
             gpointer    self)
{
  GtkWidget *button = gtk_button_new_with_mnemonic (label);

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, accessible, -1);
  g_signal_connect_swapped (button, "clicked", callback, self);
  return button;
}

/* A listener's row: a port and a switch. */
static AdwActionRow *
listener_row (BdListenerSettings  *self,
              const char          *title,
              guint16              port,
              GtkSpinButton      **spin_out,
              GtkSwitch          **switch_out)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *spin = gtk_spin_button_new_with_range (1, 65535, 1);
  GtkWidget *toggle = gtk_switch_new ();
  g_autofree char *port_label = NULL;

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin), port);
  gtk_widget_set_valign (spin, GTK_ALIGN_CENTER);
  /* Translators: the accessible name of a listener's port, e.g.
   * "Port of MQTT over TLS on the Network" */
  port_label = g_strdup_printf (_("Port of %s"), title);
  _bd_set_accessible_label (spin, port_label);
  gtk_widget_set_valign (toggle, GTK_ALIGN_CENTER);
  _bd_set_accessible_label (toggle, title);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), spin);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), toggle);
  g_signal_connect_swapped (spin, "value-changed", G_CALLBACK (on_listener_control_cb), self);
  g_signal_connect_swapped (toggle, "notify::active", G_CALLBACK (on_listener_control_cb), self);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (self), row);
  *spin_out = GTK_SPIN_BUTTON (spin);
  *switch_out = GTK_SWITCH (toggle);
  return ADW_ACTION_ROW (row);
}

static void
bd_listener_settings_dispose (GObject *object)
{
  BdListenerSettings *self = BD_LISTENER_SETTINGS (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  _bd_clear_file_chooser (&self->chooser);
  self->security = NULL;

  G_OBJECT_CLASS (bd_listener_settings_parent_class)->dispose (object);
}

static void
bd_listener_settings_finalize (GObject *object)
{
  BdListenerSettings *self = BD_LISTENER_SETTINGS (object);

  g_free (self->data_dir);
  g_free (self->error);
  g_free (self->chosen_certfile);

  G_OBJECT_CLASS (bd_listener_settings_parent_class)->finalize (object);
}

static void
bd_listener_settings_class_init (BdListenerSettingsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = bd_listener_settings_dispose;
  object_class->finalize = bd_listener_settings_finalize;

  /* After each edit of the listeners or the certificate. */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
bd_listener_settings_init (BdListenerSettings *self)
{
  GtkWidget *button;

  self->cancellable = g_cancellable_new ();
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (self), _("Network Listeners"));

  self->certificate_row = ADW_ACTION_ROW (adw_action_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->certificate_row),
                                 _("Server Certificate"));
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (self->certificate_row), FALSE);
  self->create_button = text_button (_("C_reate for This Computer"),
                                     _("Create a certificate for this computer"),
                                     G_CALLBACK (bd_listener_settings_create_certificate), self);
  adw_action_row_add_suffix (self->certificate_row, self->create_button);
  self->choose_button = gtk_button_new_from_icon_name ("document-open-symbolic");
  gtk_widget_set_valign (self->choose_button, GTK_ALIGN_CENTER);
  _bd_set_accessible_label (self->choose_button, _("Choose certificate files"));
  g_signal_connect_swapped (self->choose_button, "clicked", G_CALLBACK (on_choose_clicked_cb),
                            self);
  adw_action_row_add_suffix (self->certificate_row, self->choose_button);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (self), GTK_WIDGET (self->certificate_row));

  self->export_row = ADW_ACTION_ROW (adw_action_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->export_row),
                                 _("Certificate Authority for Devices"));
  adw_action_row_set_subtitle (self->export_row,
                               _("Devices that trust it accept this broker: give them its "
                                 "certificate (mosquitto_sub --cafile, or the device’s CA "
                                 "setting)."));
  button = text_button (_("_Export…"), _("Export CA certificate"),
                        G_CALLBACK (on_export_clicked_cb), self);
  adw_action_row_add_suffix (self->export_row, button);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (self), GTK_WIDGET (self->export_row));

  self->tls_row = listener_row (self, _("MQTT over TLS on the Network"), DEFAULT_TLS_PORT,
                                &self->tls_port, &self->tls_switch);
  self->websockets_row = listener_row (self, _("MQTT over WebSockets"), DEFAULT_WEBSOCKETS_PORT,
                                       &self->websockets_port, &self->websockets_switch);

  self->error_label = _bd_error_label_new ();
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), FALSE);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (self), GTK_WIDGET (self->error_label));
}

GtkWidget *
bd_listener_settings_new (const char *data_dir)
{
  BdListenerSettings *self;

  g_return_val_if_fail (data_dir != NULL, NULL);

  self = g_object_new (BD_TYPE_LISTENER_SETTINGS, NULL);
  self->data_dir = g_strdup (data_dir);
  return GTK_WIDGET (self);
}

void
bd_listener_settings_set_security (BdListenerSettings *self,
                                   BdSecurity         *security)
{
  g_return_if_fail (BD_IS_LISTENER_SETTINGS (self));

  self->security = security;
  update (self);
}

gboolean
bd_listener_settings_is_idle (BdListenerSettings *self)
{
  g_return_val_if_fail (BD_IS_LISTENER_SETTINGS (self), FALSE);

  return self->busy == 0;
}

const char *
bd_listener_settings_get_error (BdListenerSettings *self)
{
  g_return_val_if_fail (BD_IS_LISTENER_SETTINGS (self), NULL);

  return self->error;
}

guint
bd_listener_settings_get_n_exported (BdListenerSettings *self)
{
  g_return_val_if_fail (BD_IS_LISTENER_SETTINGS (self), 0);

  return self->n_exported;
}
