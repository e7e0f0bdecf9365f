/* bd-connections-dialog.c — choose, add, edit and delete broker connections
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The main page is a radio list: "Embedded broker" and one row per saved
 * profile, each with Edit and Delete buttons. Choosing a row activates it at
 * once through the BdConnectionManager. The editor is a sub-page working on a
 * copy of the profile; nothing is stored until Save, and the password goes
 * to the keyring (or this session's memory), never to the key file.
 */

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "bd-connection-row.h"
#include "bd-connections-dialog.h"
#include "bd-gui-util.h"

struct _BdConnectionsDialog
{
  AdwPreferencesWindow  parent_instance;

  BdConnectionManager  *manager;
  BdConnectionProfiles *profiles;
  GPtrArray            *profile_rows;   /* BdConnectionRow* of choices_group */
  gboolean              updating;       /* setting the radio buttons ourselves */

  BdConnectionProfile  *editing;        /* the editor's copy, or NULL */
  char                 *loaded_password;
  GCancellable         *cancellable;
  GtkFileChooserNative *chooser;
  GtkWidget            *editor_ref;     /* see init */

  /* Template children */
  AdwPreferencesGroup  *choices_group;
  GtkCheckButton       *embedded_check;
  GtkWidget            *keyring_group;
  GtkWidget            *editor;
  AdwWindowTitle       *editor_title;
  AdwEntryRow          *name_row;
  AdwEntryRow          *host_row;
  AdwEntryRow          *port_row;
  AdwComboRow          *version_row;
  AdwComboRow          *transport_row;      /* TCP, WebSocket */
  AdwEntryRow          *websocket_path_row; /* shown for WebSocket only */
  AdwEntryRow          *client_id_row;
  GtkSwitch            *clean_session_switch;
  GtkSwitch            *auto_connect_switch;
  AdwEntryRow          *username_row;
  AdwEntryRow          *password_row;
  GtkLabel             *password_note;
  GtkSwitch            *tls_switch;
  AdwActionRow         *ca_row;
  AdwActionRow         *cert_row;
  AdwActionRow         *key_row;
  GtkWidget            *ca_clear;
  GtkWidget            *ca_choose;
  GtkWidget            *cert_clear;
  GtkWidget            *cert_choose;
  GtkWidget            *key_clear;
  GtkWidget            *key_choose;
};

G_DEFINE_FINAL_TYPE (BdConnectionsDialog, bd_connections_dialog, ADW_TYPE_PREFERENCES_WINDOW)

static void
toast (BdConnectionsDialog *self,
       const char          *text)
{
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), adw_toast_new (text));
}

/* ------------------------------------------------------------- the list */

static void
sync_checks (BdConnectionsDialog *self)
{
  const char *active = bd_connection_manager_get_active_id (self->manager);

  self->updating = TRUE;
  gtk_check_button_set_active (self->embedded_check, active == NULL);
  for (guint i = 0; i < self->profile_rows->len; i++)
    {
      BdConnectionRow *row = g_ptr_array_index (self->profile_rows, i);

      bd_connection_row_set_active (row, g_strcmp0 (bd_connection_row_get_profile_id (row),
                                                    active) == 0);
    }
  self->updating = FALSE;
}

static void
on_embedded_toggled_cb (BdConnectionsDialog *self,
                        GtkCheckButton      *check)
{
  if (!self->updating && gtk_check_button_get_active (check))
    bd_connection_manager_activate (self->manager, NULL);
}

static void
on_profile_chosen_cb (BdConnectionsDialog *self,
                      BdConnectionRow     *row)
{
  if (!self->updating)
    bd_connection_manager_activate (self->manager, bd_connection_row_get_profile_id (row));
}

static void open_editor (BdConnectionsDialog       *self,
                         const BdConnectionProfile *profile,
                         gboolean                   is_new);

static void
on_edit_cb (BdConnectionsDialog *self,
            BdConnectionRow     *row)
{
  const BdConnectionProfile *profile =
    bd_connection_profiles_lookup (self->profiles, bd_connection_row_get_profile_id (row));

  if (profile != NULL)
    open_editor (self, profile, FALSE);
}

static void
on_profiles_saved_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(BdConnectionsDialog) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!bd_connection_profiles_save_finish (BD_CONNECTION_PROFILES (source), result, &error))
    {
      g_autofree char *text = g_strdup_printf (_("Could not save the connections: %s"),
                                               error->message);
      toast (self, text);
    }
}

/* Written on a worker: no disk on the GTK thread. */
static void
save_profiles (BdConnectionsDialog *self)
{
  bd_connection_profiles_save_async (self->profiles, NULL, on_profiles_saved_cb,
                                     g_object_ref (self));
}

static void
on_delete_response_cb (AdwMessageDialog    *dialog,
                       const char          *response,
                       BdConnectionsDialog *self)
{
  const char *id = g_object_get_data (G_OBJECT (dialog), "profile-id");

  if (g_strcmp0 (response, "delete") != 0)
    return;
  /* The manager goes back to the embedded broker if this one was shown. */
  if (bd_connection_profiles_remove (self->profiles, id))
    save_profiles (self);
}

static void
on_delete_cb (BdConnectionsDialog *self,
              BdConnectionRow     *row)
{
  const char *id = bd_connection_row_get_profile_id (row);
  const BdConnectionProfile *profile = bd_connection_profiles_lookup (self->profiles, id);
  GtkWidget *dialog;

  if (profile == NULL)
    return;
  /* Translators: %s is a connection's name. */
  dialog = adw_message_dialog_new (GTK_WINDOW (self), NULL, NULL);
  adw_message_dialog_format_heading (ADW_MESSAGE_DIALOG (dialog), _("Delete “%s”?"),
                                     profile->name);
  adw_message_dialog_set_body (ADW_MESSAGE_DIALOG (dialog),
                               _("The connection and its saved password will be removed."));
  _bd_message_dialog_add_choice (ADW_MESSAGE_DIALOG (dialog), "delete", _("_Delete"),
                                 ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "profile-id", g_strdup (id), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_delete_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
rebuild_rows (BdConnectionsDialog *self)
{
  for (guint i = 0; i < self->profile_rows->len; i++)
    adw_preferences_group_remove (self->choices_group, g_ptr_array_index (self->profile_rows, i));
  g_ptr_array_set_size (self->profile_rows, 0);

  for (guint i = 0; i < bd_connection_profiles_get_n_profiles (self->profiles); i++)
    {
      const BdConnectionProfile *profile = bd_connection_profiles_get_nth (self->profiles, i);
      GtkWidget *row = bd_connection_row_new (profile, self->embedded_check);

      g_signal_connect_object (row, "chosen", G_CALLBACK (on_profile_chosen_cb), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (row, "edit", G_CALLBACK (on_edit_cb), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (row, "delete", G_CALLBACK (on_delete_cb), self, G_CONNECT_SWAPPED);
      adw_preferences_group_add (self->choices_group, row);
      g_ptr_array_add (self->profile_rows, row);
    }
  sync_checks (self);
}

static void
update_keyring_note (BdConnectionsDialog *self)
{
  gboolean available = bd_connection_profiles_get_keyring_available (self->profiles);

  gtk_widget_set_visible (self->keyring_group, !available);
  gtk_label_set_label (self->password_note,
                       available ? _("The password is kept in your keyring.")
                                 : _("No keyring is available: the password is kept in memory "
                                     "for this session only."));
}

/* ------------------------------------------------------------- the editor */

static char **
file_slot (BdConnectionsDialog *self,
           GtkWidget           *button,
           AdwActionRow       **row)
{
  if (button == self->ca_clear || button == self->ca_choose)
    {
      *row = self->ca_row;
      return &self->editing->ca_file;
    }
  if (button == self->cert_clear || button == self->cert_choose)
    {
      *row = self->cert_row;
      return &self->editing->cert_file;
    }
  *row = self->key_row;
  return &self->editing->key_file;
}

static void
update_file_rows (BdConnectionsDialog *self)
{
  struct {
    AdwActionRow *row;
    GtkWidget    *clear;
    const char   *path;
    const char   *none;
  } rows[] = {
    { self->ca_row, self->ca_clear, self->editing->ca_file,
      _("None: the system’s certificate authorities") },
    { self->cert_row, self->cert_clear, self->editing->cert_file, _("None") },
    { self->key_row, self->key_clear, self->editing->key_file,
      _("None: the key is in the certificate file") },
  };
  gboolean tls = gtk_switch_get_active (self->tls_switch);

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      gboolean set = rows[i].path != NULL && rows[i].path[0] != '\0';

      adw_action_row_set_subtitle (rows[i].row, set ? rows[i].path : rows[i].none);
      gtk_widget_set_sensitive (GTK_WIDGET (rows[i].row), tls);
      gtk_widget_set_sensitive (rows[i].clear, set);
    }
}

static void
on_transport_changed_cb (BdConnectionsDialog *self)
{
  gtk_widget_set_visible (GTK_WIDGET (self->websocket_path_row),
                          adw_combo_row_get_selected (self->transport_row) == 1);
}

static void
on_tls_changed_cb (BdConnectionsDialog *self)
{
  if (self->editing != NULL)
    update_file_rows (self);
}

static void
on_file_clear_cb (BdConnectionsDialog *self,
                  GtkWidget           *button)
{
  AdwActionRow *row;
  char **slot;

  if (self->editing == NULL)
    return;
  slot = file_slot (self, button, &row);
  g_clear_pointer (slot, g_free);
  update_file_rows (self);
}

static void
on_chooser_response_cb (GtkNativeDialog     *native,
                        int                  response,
                        BdConnectionsDialog *self)
{
  GtkWidget *button = g_object_get_data (G_OBJECT (native), "button");

  if (response == GTK_RESPONSE_ACCEPT && self->editing != NULL)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (native));
      AdwActionRow *row;
      char **slot = file_slot (self, button, &row);

      if (file != NULL && g_file_peek_path (file) != NULL)
        {
          g_free (*slot);
          *slot = g_file_get_path (file);
        }
      update_file_rows (self);
    }
  g_clear_object (&self->chooser);
}

static void
on_file_choose_cb (BdConnectionsDialog *self,
                   GtkWidget           *button)
{
  g_autoptr(GtkFileFilter) pem = gtk_file_filter_new ();
  g_autoptr(GtkFileFilter) all = gtk_file_filter_new ();
  AdwActionRow *row;
  const char *title;
  char **slot;

  if (self->editing == NULL || self->chooser != NULL)
    return;
  slot = file_slot (self, button, &row);

  title = adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row));
  self->chooser = gtk_file_chooser_native_new (title, GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_OPEN,
                                               _("_Select"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  gtk_file_filter_set_name (pem, _("PEM files"));
  gtk_file_filter_add_pattern (pem, "*.pem");
  gtk_file_filter_add_pattern (pem, "*.crt");
  gtk_file_filter_add_pattern (pem, "*.cer");
  gtk_file_filter_add_pattern (pem, "*.key");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), pem);
  gtk_file_filter_set_name (all, _("All files"));
  gtk_file_filter_add_pattern (all, "*");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), all);
  if (*slot != NULL)
    {
      g_autoptr(GFile) current = g_file_new_for_path (*slot);
      gtk_file_chooser_set_file (GTK_FILE_CHOOSER (self->chooser), current, NULL);
    }
  g_object_set_data (G_OBJECT (self->chooser), "button", button);
  g_signal_connect (self->chooser, "response", G_CALLBACK (on_chooser_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
lookup_password_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      data)
{
  BdConnectionsDialog *self = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *password = NULL;

  password = bd_connection_profiles_lookup_password_finish (BD_CONNECTION_PROFILES (object),
                                                            result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;  /* self may be gone */
  update_keyring_note (self);
  if (password == NULL || self->editing == NULL)
    return;
  g_free (self->loaded_password);
  self->loaded_password = g_strdup (password);
  gtk_editable_set_text (GTK_EDITABLE (self->password_row), password);
}

static void
open_editor (BdConnectionsDialog       *self,
             const BdConnectionProfile *profile,
             gboolean                   is_new)
{
  g_autofree char *port = NULL;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->loaded_password, g_free);
  g_clear_pointer (&self->editing, bd_connection_profile_free);
  self->editing = bd_connection_profile_copy (profile);
  g_object_set_data (G_OBJECT (self->editor), "is-new", GINT_TO_POINTER (is_new));

  adw_window_title_set_title (self->editor_title,
                              is_new ? _("New Connection") : _("Edit Connection"));
  adw_window_title_set_subtitle (self->editor_title, is_new ? NULL : profile->name);
  gtk_editable_set_text (GTK_EDITABLE (self->name_row), profile->name ? profile->name : "");
  gtk_editable_set_text (GTK_EDITABLE (self->host_row), profile->host ? profile->host : "");
  port = profile->port ? g_strdup_printf ("%u", profile->port) : g_strdup ("");
  gtk_editable_set_text (GTK_EDITABLE (self->port_row), port);
  adw_combo_row_set_selected (self->version_row, profile->version == BD_MQTT_V5 ? 1 : 0);
  adw_combo_row_set_selected (self->transport_row, profile->use_websockets ? 1 : 0);
  gtk_editable_set_text (GTK_EDITABLE (self->websocket_path_row),
                         profile->websocket_path ? profile->websocket_path : "");
  on_transport_changed_cb (self);
  gtk_editable_set_text (GTK_EDITABLE (self->client_id_row),
                         profile->client_id ? profile->client_id : "");
  gtk_switch_set_active (self->clean_session_switch, profile->clean_session);
  gtk_switch_set_active (self->auto_connect_switch, profile->auto_connect);
  gtk_editable_set_text (GTK_EDITABLE (self->username_row),
                         profile->username ? profile->username : "");
  gtk_editable_set_text (GTK_EDITABLE (self->password_row), "");
  gtk_switch_set_active (self->tls_switch, profile->use_tls);
  update_file_rows (self);
  update_keyring_note (self);

  if (!is_new)
    {
      self->cancellable = g_cancellable_new ();
      bd_connection_profiles_lookup_password_async (self->profiles, profile->id,
                                                    self->cancellable, lookup_password_cb, self);
    }
  adw_preferences_window_present_subpage (ADW_PREFERENCES_WINDOW (self), self->editor);
  gtk_widget_grab_focus (GTK_WIDGET (self->name_row));
}

static void
close_editor (BdConnectionsDialog *self)
{
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->editing, bd_connection_profile_free);
  g_clear_pointer (&self->loaded_password, g_free);
  gtk_editable_set_text (GTK_EDITABLE (self->password_row), "");
  adw_preferences_window_close_subpage (ADW_PREFERENCES_WINDOW (self));
}

static void
on_add_clicked_cb (BdConnectionsDialog *self)
{
  g_autoptr(BdConnectionProfile) profile = bd_connection_profile_new ();

  open_editor (self, profile, TRUE);
}

static void
on_cancel_clicked_cb (BdConnectionsDialog *self)
{
  close_editor (self);
}

typedef struct
{
  BdConnectionManager *manager;
  char                *id;
  gboolean             reconnect;
} StoreData;

static void
store_data_free (StoreData *data)
{
  g_object_unref (data->manager);
  g_free (data->id);
  g_free (data);
}

static void
store_password_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  StoreData *data = user_data;

  bd_connection_profiles_store_password_finish (BD_CONNECTION_PROFILES (object), result, NULL);
  /* Only now: the new password must be what the reconnection reads. */
  if (data->reconnect && g_strcmp0 (bd_connection_manager_get_active_id (data->manager),
                                    data->id) == 0)
    bd_connection_manager_activate (data->manager, data->id);
  store_data_free (data);
}

static char *
dup_entry (AdwEntryRow *row)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));

  return text[0] != '\0' ? g_steal_pointer (&text) : NULL;
}

static void
on_save_clicked_cb (BdConnectionsDialog *self)
{
  BdConnectionProfile *profile = self->editing;
  g_autofree char *host = dup_entry (self->host_row);
  g_autofree char *port_text = dup_entry (self->port_row);
  g_autofree char *websocket_path = dup_entry (self->websocket_path_row);
  gboolean websockets = adw_combo_row_get_selected (self->transport_row) == 1;
  const char *password = gtk_editable_get_text (GTK_EDITABLE (self->password_row));
  guint64 port = 0;
  StoreData *data;

  if (profile == NULL)
    return;
  if (host == NULL)
    {
      toast (self, _("Enter the broker’s host name or address."));
      gtk_widget_grab_focus (GTK_WIDGET (self->host_row));
      return;
    }
  if (port_text != NULL &&
      !g_ascii_string_to_unsigned (port_text, 10, 1, G_MAXUINT16, &port, NULL))
    {
      toast (self, _("The port must be a number from 1 to 65535."));
      gtk_widget_grab_focus (GTK_WIDGET (self->port_row));
      return;
    }
  /* The target of the upgrade's GET: an absolute path. */
  if (websockets && websocket_path != NULL &&
      (websocket_path[0] != '/' || strpbrk (websocket_path, " \t") != NULL))
    {
      toast (self, _("The WebSocket path must start with “/” and have no spaces."));
      gtk_widget_grab_focus (GTK_WIDGET (self->websocket_path_row));
      return;
    }

  g_free (profile->name);
  profile->name = dup_entry (self->name_row);
  if (profile->name == NULL)
    profile->name = g_strdup (host);
  g_free (profile->host);
  profile->host = g_steal_pointer (&host);
  profile->port = port;
  profile->version = adw_combo_row_get_selected (self->version_row) == 1 ? BD_MQTT_V5
                                                                         : BD_MQTT_V311;
  g_free (profile->client_id);
  profile->client_id = dup_entry (self->client_id_row);
  profile->clean_session = gtk_switch_get_active (self->clean_session_switch);
  profile->auto_connect = gtk_switch_get_active (self->auto_connect_switch);
  g_free (profile->username);
  profile->username = dup_entry (self->username_row);
  profile->use_tls = gtk_switch_get_active (self->tls_switch);
  profile->use_websockets = websockets;
  g_free (profile->websocket_path);
  profile->websocket_path = g_steal_pointer (&websocket_path);

  bd_connection_profiles_put (self->profiles, profile);
  save_profiles (self);

  /* The keyring is touched only when the password changed. */
  data = g_new0 (StoreData, 1);
  data->manager = g_object_ref (self->manager);
  data->id = g_strdup (profile->id);
  data->reconnect = g_strcmp0 (bd_connection_manager_get_active_id (self->manager),
                               profile->id) == 0;
  if (g_strcmp0 (password, self->loaded_password ? self->loaded_password : "") != 0)
    bd_connection_profiles_store_password_async (self->profiles, profile->id, password, NULL,
                                                 store_password_cb, data);
  else
    {
      if (data->reconnect)
        bd_connection_manager_activate (self->manager, data->id);
      store_data_free (data);
    }
  close_editor (self);
}

/* ---------------------------------------------------------------- GObject */

static void
bd_connections_dialog_dispose (GObject *object)
{
  BdConnectionsDialog *self = BD_CONNECTIONS_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  _bd_clear_file_chooser (&self->chooser);
  g_clear_object (&self->editor_ref);
  gtk_widget_dispose_template (GTK_WIDGET (self), BD_TYPE_CONNECTIONS_DIALOG);
  g_clear_object (&self->profiles);
  g_clear_object (&self->manager);

  G_OBJECT_CLASS (bd_connections_dialog_parent_class)->dispose (object);
}

static void
bd_connections_dialog_finalize (GObject *object)
{
  BdConnectionsDialog *self = BD_CONNECTIONS_DIALOG (object);

  g_ptr_array_unref (self->profile_rows);
  bd_connection_profile_free (self->editing);
  g_free (self->loaded_password);

  G_OBJECT_CLASS (bd_connections_dialog_parent_class)->finalize (object);
}

static void
bd_connections_dialog_class_init (BdConnectionsDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bd_connections_dialog_dispose;
  object_class->finalize = bd_connections_dialog_finalize;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/brokerdesk/Brokerdesk/"
                                                             "bd-connections-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, BdConnectionsDialog, choices_group);
  gtk_widget_class_bind_template_child (widget_class, BdConnectionsDialog, embedded_check);
  gtk_widget_class_bind_template_child (widget_class, BdConnectionsDialog, keyring_group);
  gtk_widget_class_bind_template_child (widget_class, BdConnectionsDialog, editor);
  gtk_widget_class_bind_template_child (widget_class, BdConnectionsDialog, editor_title);
  gtk_widget_class_bind_template_child (widget_class, BdConnectionsDialog, name_row);
  gtk_widget_class_bind_template_child (widget_class, BdConnectionsDialog, host_row);
  gtk_widget_class_bind_template_child (widget_class, BdConnectionsDialog, port_row);
  gtk_widget_class_bind_template_child (widget_class, BdConnectionsDialog, version_row);
  gtk_widget_class_bind_template_child (widget_class, BdConnectionsDialog, transport_row);
  gtk_widget_class_bind_template_child (widget_class, BdConnectionsDialog, websocket_path_row);
  gtk_widget_class_bind_template_child (widget_class, BdConnectionsDialog, client_id_row);
  gtk_widget_class_bind_template_child (widget_class, BdConnectionsDialog, clean_session_switch);
  gtk_widget_class_bind_template_child (widget_class, BdConnectionsDialog, auto_connect_switch);
  gtk_widget_class_bind_template_child (widget_class, BdConnectionsDialog, username_row);
  gtk_widget_class_bind_template_child (widget_class, BdConnectionsDialog, password_row);
  gtk_widget_class_bind_template_child (widget_class, BdConnectionsDialog, password_note);
  gtk_widget_class_bind_template_child (widget_class, BdConnectionsDialog, tls_switch);
  gtk_widget_class_bind_template_child (widget_class, BdConnectionsDialog, ca_row);
  gtk_widget_class_bind_template_child (widget_class, BdConnectionsDialog, cert_row);
  gtk_widget_class_bind_template_child (widget_class, BdConnectionsDialog, key_row);
  gtk_widget_class_bind_template_child (widget_class, BdConnectionsDialog, ca_clear);
  gtk_widget_class_bind_template_child (widget_class, BdConnectionsDialog, ca_choose);
  gtk_widget_class_bind_template_child (widget_class, BdConnectionsDialog, cert_clear);
  gtk_widget_class_bind_template_child (widget_class, BdConnectionsDialog, cert_choose);
  gtk_widget_class_bind_template_child (widget_class, BdConnectionsDialog, key_clear);
  gtk_widget_class_bind_template_child (widget_class, BdConnectionsDialog, key_choose);
  gtk_widget_class_bind_template_callback (widget_class, on_add_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_embedded_toggled_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_cancel_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_save_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_tls_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_transport_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_file_clear_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_file_choose_cb);
}

static void
bd_connections_dialog_init (BdConnectionsDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  /* "editor" is outside the template's tree (a sub-page shown on demand):
   * hold a reference of our own rather than count on the template's. */
  self->editor_ref = g_object_ref (self->editor);
  self->profile_rows = g_ptr_array_new ();
}

GtkWidget *
bd_connections_dialog_new (BdConnectionManager *manager)
{
  BdConnectionsDialog *self;

  g_return_val_if_fail (BD_IS_CONNECTION_MANAGER (manager), NULL);

  self = g_object_new (BD_TYPE_CONNECTIONS_DIALOG, NULL);
  self->manager = g_object_ref (manager);
  self->profiles = g_object_ref (bd_connection_manager_get_profiles (manager));
  g_signal_connect_object (self->profiles, "changed", G_CALLBACK (rebuild_rows), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->profiles, "notify::keyring-available",
                           G_CALLBACK (update_keyring_note), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (manager, "notify::active-id", G_CALLBACK (sync_checks), self,
                           G_CONNECT_SWAPPED);
  rebuild_rows (self);
  update_keyring_note (self);
  return GTK_WIDGET (self);
}
