/* bd-bridge-dialog.c — the dialog that adds or edits a bridge
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Built in code, as the relay dialog is: a plain form. The fields become
 * Mosquitto's configuration lines, and the configuration reader itself
 * checks them (its message is what the operator reads), so the dialog never
 * accepts what a headless start would refuse. What the dialog does not show
 * (keepalive_interval, restart_timeout, notifications, …) is kept from the
 * bridge as it was. Saved, the lines replace the bridge's block in the
 * configuration file (bd_bridge_file_save_async ()), and the service
 * restarts that bridge.
 *
 * The password is never shown back: editing a bridge leaves its field
 * empty, which keeps the password it had.
 *
 * "Test Connection" connects once to the first address with the dialog's
 * settings, as MQTT 5 first, and says what the upstream supports from its
 * CONNACK; when that fails it tries once more as MQTT 3.1.1 (3.1 if chosen),
 * so a server without MQTT 5 is named as such. It goes over the transport
 * chosen (TCP or WebSocket, either with TLS), as the bridge would.
 */

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "bd-bridge-dialog.h"
#include "bd-bridge-file.h"
#include "bd-bridge.h"
#include "bd-gui-util.h"
#include "bd-remote-client.h"

enum { FILE_CA, FILE_CERT, FILE_KEY, N_FILES };

typedef struct
{
  AdwExpanderRow *row;
  AdwEntryRow    *pattern;
  AdwComboRow    *direction;
  AdwComboRow    *qos;
  AdwEntryRow    *local_prefix;
  AdwEntryRow    *remote_prefix;
} TopicRows;

struct _BdBridgeDialog
{
  AdwWindow             parent_instance;

  BdService            *service;
  char                 *config_path;
  BdBridgeConfig       *original;       /* NULL: a new bridge */
  BdBridgeConfig       *pending;        /* what is being saved */

  AdwEntryRow          *name_row;
  AdwEntryRow          *addresses_row;
  AdwComboRow          *protocol_row;
  AdwComboRow          *transport_row;  /* TCP, WebSocket */
  AdwEntryRow          *ws_path_row;    /* only for WebSocket */
  AdwEntryRow          *clientid_row;
  AdwEntryRow          *username_row;
  AdwEntryRow          *password_row;
  GtkSwitch            *clean_switch;
  AdwPreferencesGroup  *topics_group;
  GPtrArray            *topics;         /* TopicRows* */
  AdwExpanderRow       *tls_row;
  AdwActionRow         *file_rows[N_FILES];
  char                 *files[N_FILES];
  GtkSwitch            *insecure_switch;
  AdwEntryRow          *alpn_row;
  AdwComboRow          *start_row;
  GtkSpinButton        *queue_spin;
  AdwActionRow         *test_row;
  GtkButton            *test_button;
  GtkButton            *save_button;
  GtkLabel             *problem_label;
  GtkWidget            *problem_group;
  GtkFileChooserNative *chooser;
  guint                 choosing;

  BdRemoteClient       *test_client;
  BdMqttVersion         test_fallback;  /* tried after MQTT 5 fails; 0: none */
};

G_DEFINE_FINAL_TYPE (BdBridgeDialog, bd_bridge_dialog, ADW_TYPE_WINDOW)

/* The protocol combo's items, in order. */
static const guint8 protocol_versions[] = { 5, 4, 3 };

static const char *
row_text (AdwEntryRow *row)
{
  return gtk_editable_get_text (GTK_EDITABLE (row));
}

static void
set_problem (BdBridgeDialog *self,
             const char     *problem)
{
  _bd_show_message (self->problem_label, self->problem_group, problem);
}

static AdwEntryRow *
entry_row (AdwPreferencesGroup *group,
           const char          *title)
{
  GtkWidget *row = adw_entry_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  if (group != NULL)
    adw_preferences_group_add (group, row);
  return ADW_ENTRY_ROW (row);
}

static AdwComboRow *
combo_row (const char         *title,
           const char * const *items)
{
  GtkWidget *row = adw_combo_row_new ();
  g_autoptr(GtkStringList) model = gtk_string_list_new ((const char **) items);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_combo_row_set_model (ADW_COMBO_ROW (row), G_LIST_MODEL (model));
  return ADW_COMBO_ROW (row);
}

/* ------------------------------------------------------------- topics */

static void
topic_title_cb (AdwEntryRow    *pattern,
                AdwExpanderRow *row)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (pattern));

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row),
                                 text[0] != '\0' ? text : _("New Topic"));
}

static void
remove_topic_cb (GtkButton      *button,
                 BdBridgeDialog *self)
{
  AdwExpanderRow *row = g_object_get_data (G_OBJECT (button), "topic-row");

  for (guint i = 0; i < self->topics->len; i++)
    {
      TopicRows *topic = g_ptr_array_index (self->topics, i);

      if (topic->row == row)
        {
          adw_preferences_group_remove (self->topics_group, GTK_WIDGET (row));
          g_ptr_array_remove_index (self->topics, i);
          return;
        }
    }
}

static void
add_topic (BdBridgeDialog      *self,
           const BdBridgeTopic *topic)
{
  const char * const directions[] = {
    N_("Out: to the upstream"), N_("In: from the upstream"), N_("Both ways"), NULL,
  };
  const char * const qos[] = { "0", "1", "2", NULL };
  g_autoptr(GPtrArray) direction_items = g_ptr_array_new ();
  TopicRows *rows = g_new0 (TopicRows, 1);
  GtkWidget *remove;

  for (guint i = 0; directions[i] != NULL; i++)
    g_ptr_array_add (direction_items, (gpointer) _(directions[i]));
  g_ptr_array_add (direction_items, NULL);

  rows->row = ADW_EXPANDER_ROW (adw_expander_row_new ());
  rows->pattern = entry_row (NULL, _("Topic Pattern"));
  rows->direction = combo_row (_("Direction"), (const char * const *) direction_items->pdata);
  rows->qos = combo_row (_("Quality of Service"), qos);
  rows->local_prefix = entry_row (NULL, _("Local Prefix"));
  rows->remote_prefix = entry_row (NULL, _("Remote Prefix"));
  adw_expander_row_add_row (rows->row, GTK_WIDGET (rows->pattern));
  adw_expander_row_add_row (rows->row, GTK_WIDGET (rows->direction));
  adw_expander_row_add_row (rows->row, GTK_WIDGET (rows->qos));
  adw_expander_row_add_row (rows->row, GTK_WIDGET (rows->local_prefix));
  adw_expander_row_add_row (rows->row, GTK_WIDGET (rows->remote_prefix));

  remove = _bd_icon_button_new ("user-trash-symbolic", _("Remove this topic"));
  g_object_set_data (G_OBJECT (remove), "topic-row", rows->row);
  g_signal_connect (remove, "clicked", G_CALLBACK (remove_topic_cb), self);
  adw_expander_row_add_action (rows->row, remove);

  g_signal_connect (rows->pattern, "changed", G_CALLBACK (topic_title_cb), rows->row);
  if (topic != NULL)
    {
      gtk_editable_set_text (GTK_EDITABLE (rows->pattern), topic->pattern);
      adw_combo_row_set_selected (rows->direction, topic->direction == BD_BRIDGE_BOTH ? 2
                                                   : topic->direction == BD_BRIDGE_IN ? 1 : 0);
      adw_combo_row_set_selected (rows->qos, topic->qos);
      if (topic->local_prefix != NULL)
        gtk_editable_set_text (GTK_EDITABLE (rows->local_prefix), topic->local_prefix);
      if (topic->remote_prefix != NULL)
        gtk_editable_set_text (GTK_EDITABLE (rows->remote_prefix), topic->remote_prefix);
    }
  else
    adw_expander_row_set_expanded (rows->row, TRUE);
  topic_title_cb (rows->pattern, rows->row);
  adw_preferences_group_add (self->topics_group, GTK_WIDGET (rows->row));
  g_ptr_array_add (self->topics, rows);
}

static void
add_topic_cb (BdBridgeDialog *self)
{
  add_topic (self, NULL);
}

/* -------------------------------------------------------------- files */

static void
show_file (BdBridgeDialog *self,
           guint           which)
{
  adw_action_row_set_subtitle (self->file_rows[which],
                               self->files[which] != NULL ? self->files[which] : _("None"));
}

static void
on_chooser_response_cb (GtkNativeDialog *chooser,
                        int              response,
                        BdBridgeDialog  *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

      g_free (self->files[self->choosing]);
      self->files[self->choosing] = file != NULL ? g_file_get_path (file) : NULL;
      show_file (self, self->choosing);
    }
  g_clear_object (&self->chooser);
}

static void
choose_file_cb (GtkButton      *button,
                BdBridgeDialog *self)
{
  const char *title = adw_preferences_row_get_title (ADW_PREFERENCES_ROW (
                        gtk_widget_get_ancestor (GTK_WIDGET (button), ADW_TYPE_ACTION_ROW)));

  if (self->chooser != NULL)
    return;
  self->choosing = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (button), "which"));
  /* GtkFileChooserNative: the portal's dialog in the Flatpak (GTK 4.8 has
   * no GtkFileDialog). */
  self->chooser = gtk_file_chooser_native_new (title, GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_OPEN, NULL, NULL);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  g_signal_connect (self->chooser, "response", G_CALLBACK (on_chooser_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
clear_file_cb (GtkButton      *button,
               BdBridgeDialog *self)
{
  guint which = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (button), "which"));

  g_clear_pointer (&self->files[which], g_free);
  show_file (self, which);
}

static void
add_file_row (BdBridgeDialog *self,
              guint           which,
              const char     *title,
              const char     *choose_label,
              const char     *clear_label)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *choose = gtk_button_new_with_label (_("Choose…"));
  GtkWidget *clear = gtk_button_new_from_icon_name ("edit-clear-symbolic");

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  gtk_widget_set_valign (choose, GTK_ALIGN_CENTER);
  gtk_widget_set_valign (clear, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (clear, "flat");
  gtk_accessible_update_property (GTK_ACCESSIBLE (choose), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  choose_label, -1);
  _bd_set_accessible_label (clear, clear_label);
  g_object_set_data (G_OBJECT (choose), "which", GUINT_TO_POINTER (which));
  g_object_set_data (G_OBJECT (clear), "which", GUINT_TO_POINTER (which));
  g_signal_connect (choose, "clicked", G_CALLBACK (choose_file_cb), self);
  g_signal_connect (clear, "clicked", G_CALLBACK (clear_file_cb), self);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), choose);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), clear);
  adw_expander_row_add_row (self->tls_row, row);
  self->file_rows[which] = ADW_ACTION_ROW (row);
  show_file (self, which);
}

/* ---------------------------------------------------------- the lines */

/* The directives the dialog's fields write; the bridge's other lines are
 * kept as they were. */
static const char * const dialog_directives[] = {
  "connection", "address", "addresses", "topic", "remote_clientid", "remote_username",
  "remote_password", "cleansession", "bridge_protocol_version", "start_type",
  "bridge_cafile", "bridge_certfile", "bridge_keyfile", "bridge_insecure", "bridge_alpn",
  "bridge_queue_max_messages", "bridge_transport", "bridge_websocket_path",
};

static gboolean
is_dialog_directive (const char *line)
{
  g_autofree char *word = g_strndup (line, strcspn (line, " \t"));

  return g_strv_contains (dialog_directives, word);
}

/* Refuses what a configuration line cannot hold: a line break anywhere, a
 * blank in a one-word value. @what names the field; the value itself is
 * not repeated, it may be a password. */
static gboolean
check_value (const char  *value,
             gboolean     one_word,
             const char  *what,
             GError     **error)
{
  if (strpbrk (value, "\r\n") != NULL || (one_word && strpbrk (value, " \t") != NULL))
    {
      /* Translators: %s names a field, such as "User Name" */
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("%s must be one word, without spaces"), what);
      return FALSE;
    }
  return TRUE;
}

static gboolean
add_value (GString     *text,
           const char  *directive,
           const char  *value,
           gboolean     one_word,
           const char  *what,
           GError     **error)
{
  if (value == NULL || value[0] == '\0')
    return TRUE;
  if (!check_value (value, one_word, what, error))
    return FALSE;
  g_string_append_printf (text, "%s %s\n", directive, value);
  return TRUE;
}

static const char *
quoted (const char *value)
{
  return value[0] != '\0' ? value : "\"\"";
}

/* The lines the fields say, before the reader has checked them. */
static char *
fields_text (BdBridgeDialog  *self,
             GError         **error)
{
  static const char * const directions[] = { "out", "in", "both" };
  static const char * const versions[] = { "mqttv50", "mqttv311", "mqttv31" };
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree char *name = g_strstrip (g_strdup (row_text (self->name_row)));
  g_auto(GStrv) addresses = g_strsplit_set (row_text (self->addresses_row), " ,;\t", -1);
  const char *password = row_text (self->password_row);
  guint version = adw_combo_row_get_selected (self->protocol_row);

  if (name[0] == '\0')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("Give the bridge a name"));
      return NULL;
    }
  if (!add_value (text, "connection", name, TRUE, _("The name"), error))
    return NULL;
  g_string_append (text, "address");
  for (guint i = 0; addresses[i] != NULL; i++)
    if (addresses[i][0] != '\0')
      g_string_append_printf (text, " %s", addresses[i]);
  g_string_append_c (text, '\n');
  if (g_str_equal (text->str + text->len - 8, "address\n"))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("Give at least one address, such as broker.example.com:1883"));
      return NULL;
    }
  for (guint i = 0; i < self->topics->len; i++)
    {
      TopicRows *topic = g_ptr_array_index (self->topics, i);
      const char *values[] = {
        row_text (topic->pattern), row_text (topic->local_prefix), row_text (topic->remote_prefix),
      };

      for (guint j = 0; j < G_N_ELEMENTS (values); j++)
        if (!check_value (values[j], TRUE, _("A topic"), error))
          return NULL;
      g_string_append_printf (text, "topic %s %s %u", quoted (values[0]),
                              directions[MIN (adw_combo_row_get_selected (topic->direction), 2)],
                              MIN (adw_combo_row_get_selected (topic->qos), 2));
      if (values[1][0] != '\0' || values[2][0] != '\0')
        g_string_append_printf (text, " %s %s", quoted (values[1]), quoted (values[2]));
      g_string_append_c (text, '\n');
    }
  if (!add_value (text, "remote_clientid", row_text (self->clientid_row), TRUE,
                  _("The client ID"), error) ||
      !add_value (text, "remote_username", row_text (self->username_row), TRUE,
                  _("The user name"), error))
    return NULL;
  if (password[0] != '\0')
    {
      if (!add_value (text, "remote_password", password, TRUE, _("The password"), error))
        return NULL;
    }
  else if (self->original != NULL && self->original->remote_password != NULL &&
           row_text (self->username_row)[0] != '\0')
    /* Left empty while editing: the password it had. */
    g_string_append_printf (text, "remote_password %s\n", self->original->remote_password);
  if (gtk_switch_get_active (self->clean_switch))
    g_string_append (text, "cleansession true\n");
  g_string_append_printf (text, "bridge_protocol_version %s\n", versions[MIN (version, 2)]);
  if (adw_combo_row_get_selected (self->transport_row) == 1)
    {
      g_autofree char *path = g_strstrip (g_strdup (row_text (self->ws_path_row)));

      g_string_append (text, "bridge_transport websockets\n");
      if (!add_value (text, "bridge_websocket_path", path, TRUE, _("The WebSocket path"), error))
        return NULL;
    }
  if (adw_combo_row_get_selected (self->start_row) == 1)
    g_string_append (text, "start_type once\n");
  else if (adw_combo_row_get_selected (self->start_row) == 2)
    g_string_append (text, "start_type lazy\n");
  if (adw_expander_row_get_enable_expansion (self->tls_row))
    {
      static const char * const directives[N_FILES] = {
        "bridge_cafile", "bridge_certfile", "bridge_keyfile",
      };

      for (guint i = 0; i < N_FILES; i++)
        if (!add_value (text, directives[i], self->files[i], FALSE, _("A file name"), error))
          return NULL;
      if (self->files[FILE_CA] == NULL)
        /* TLS needs a CA to check the upstream with; the reader would
         * complain about the other TLS lines instead. */
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       _("Encryption needs the certificate authority (CA) file the upstream’s "
                         "certificate is checked with"));
          return NULL;
        }
      if (gtk_switch_get_active (self->insecure_switch))
        g_string_append (text, "bridge_insecure true\n");
      if (!add_value (text, "bridge_alpn", row_text (self->alpn_row), TRUE, _("ALPN"), error))
        return NULL;
    }
  if (gtk_spin_button_get_value_as_int (self->queue_spin) > 0)
    g_string_append_printf (text, "bridge_queue_max_messages %d\n",
                            gtk_spin_button_get_value_as_int (self->queue_spin));

  /* What the dialog does not show, as it was. */
  if (self->original != NULL)
    {
      g_autofree char *old = bd_bridge_config_to_text (self->original);
      g_auto(GStrv) lines = g_strsplit (old, "\n", -1);

      for (guint i = 0; lines[i] != NULL; i++)
        if (lines[i][0] != '\0' && !is_dialog_directive (lines[i]))
          g_string_append_printf (text, "%s\n", lines[i]);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* The fields as a bridge, checked by the configuration reader. */
static BdBridgeConfig *
dup_config (BdBridgeDialog  *self,
            GError         **error)
{
  g_autofree char *text = fields_text (self, error);
  g_autoptr(BdBrokerConfig) config = NULL;
  g_autoptr(GError) local = NULL;
  BdBridgeConfig *bridge;

  if (text == NULL)
    return NULL;
  config = bd_broker_config_new ();
  if (!bd_broker_config_parse (config, "bridge", text, &local))
    {
      /* "bridge:LINE: message": the line of text nobody sees means
       * nothing; the message is the reader's. */
      const char *message = local->message;
      const char *colon = g_str_has_prefix (message, "bridge:") ? strstr (message + 7, ": ") : NULL;

      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           colon != NULL ? colon + 2 : message);
      return NULL;
    }
  bridge = g_ptr_array_steal_index (config->bridges, 0);
  if (self->service != NULL &&
      (self->original == NULL || !g_str_equal (self->original->name, bridge->name)))
    {
      GPtrArray *bridges = bd_service_get_bridges (self->service);

      for (guint i = 0; i < bridges->len; i++)
        if (g_str_equal (bd_bridge_get_name (g_ptr_array_index (bridges, i)), bridge->name))
          {
            /* Translators: %s is a bridge's name */
            g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                         _("There is a bridge called %s already"), bridge->name);
            bd_bridge_config_free (bridge);
            return NULL;
          }
    }
  return bridge;
}

char *
bd_bridge_dialog_dup_text (BdBridgeDialog  *self,
                           GError         **error)
{
  g_autoptr(BdBridgeConfig) bridge = NULL;

  g_return_val_if_fail (BD_IS_BRIDGE_DIALOG (self), NULL);

  bridge = dup_config (self, error);
  return bridge != NULL ? bd_bridge_config_to_text (bridge) : NULL;
}

/* -------------------------------------------------------------- saving */

static void
saved_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(BdBridgeDialog) self = user_data;
  g_autoptr(GError) error = NULL;

  gtk_widget_set_sensitive (GTK_WIDGET (self->save_button), TRUE);
  if (!bd_bridge_file_save_finish (result, &error))
    {
      /* Translators: %s is the reason */
      g_autofree char *text = g_strdup_printf (_("Not saved: %s"), error->message);

      set_problem (self, text);
      return;
    }
  if (self->service != NULL)
    {
      if (self->original != NULL && !g_str_equal (self->original->name, self->pending->name))
        bd_service_remove_bridge (self->service, self->original->name);
      bd_service_set_bridge (self->service, self->pending);
    }
  gtk_window_close (GTK_WINDOW (self));
}

static void
save_cb (BdBridgeDialog *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  g_clear_pointer (&self->pending, bd_bridge_config_free);
  self->pending = dup_config (self, &error);
  if (self->pending == NULL)
    {
      set_problem (self, error->message);
      return;
    }
  set_problem (self, NULL);
  text = bd_bridge_config_to_text (self->pending);
  gtk_widget_set_sensitive (GTK_WIDGET (self->save_button), FALSE);
  bd_bridge_file_save_async (self->config_path,
                             self->original != NULL ? self->original->name : self->pending->name,
                             text, NULL, saved_cb, g_object_ref (self));
}

/* ------------------------------------------------------------ the test */

static gboolean
stop_client_cb (gpointer user_data)
{
  bd_remote_client_stop (user_data);
  return G_SOURCE_REMOVE;
}

/* Lets go of the test's client: stopped and freed from the main loop, never
 * inside one of its own signals. */
static void
stop_test (BdBridgeDialog *self)
{
  if (self->test_client == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->test_client, self);
  g_idle_add_full (G_PRIORITY_DEFAULT, stop_client_cb, g_steal_pointer (&self->test_client),
                   g_object_unref);
}

static void
show_result (BdBridgeDialog *self,
             const char     *text)
{
  adw_action_row_set_subtitle (self->test_row, text);
  gtk_widget_set_sensitive (GTK_WIDGET (self->test_button), TRUE);
  /* Said aloud as well as shown. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->test_button),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text, -1);
}

static void start_test (BdBridgeDialog       *self,
                        const BdBridgeConfig *bridge,
                        BdMqttVersion         version);

static void
test_state_cb (BdRemoteClient *client,
               GParamSpec     *pspec,
               BdBridgeDialog *self)
{
  BdRemoteState state = bd_remote_client_get_state (client);
  BdRemoteServerInfo info;
  g_autofree char *text = NULL;

  if (state == BD_REMOTE_STATE_CONNECTED && bd_remote_client_get_server_info (client, &info))
    {
      g_autofree char *size = info.maximum_packet_size > 0
                              ? g_format_size (info.maximum_packet_size)
                              : g_strdup (_("no limit"));
      const char *protocol = info.version == BD_MQTT_V5 ? "MQTT 5"
                             : info.version == BD_MQTT_V311 ? _("MQTT 3.1.1 (not MQTT 5)")
                             : _("MQTT 3.1 (not MQTT 5)");

      /* Translators: what the upstream broker supports: a protocol, the
       * highest QoS, whether it keeps retained messages, the largest packet */
      text = g_strdup_printf (_("Connected: %s, maximum QoS %u, %s, maximum packet size %s"),
                              protocol, info.maximum_qos,
                              info.retain_available ? _("retained messages available")
                                                    : _("no retained messages"),
                              size);
    }
  else if (state == BD_REMOTE_STATE_WAITING || state == BD_REMOTE_STATE_FAILED)
    {
      const char *reason = bd_remote_client_get_error_message (client);
      g_autoptr(BdBridgeConfig) bridge = NULL;

      if (self->test_fallback != 0)
        {
          BdMqttVersion fallback = self->test_fallback;

          /* Maybe only MQTT 5 was refused: the protocol chosen next. */
          bridge = dup_config (self, NULL);
          self->test_fallback = 0;
          if (bridge != NULL)
            {
              stop_test (self);
              start_test (self, bridge, fallback);
              return;
            }
        }
      /* Translators: %s says why, such as "127.0.0.1:1883: connection refused" */
      text = g_strdup_printf (_("Could not connect: %s"), reason != NULL ? reason : "");
    }
  else
    return;
  show_result (self, text);
  stop_test (self);
}

static void
start_test (BdBridgeDialog       *self,
            const BdBridgeConfig *bridge,
            BdMqttVersion         version)
{
  g_autoptr(BdRemoteConfig) config = bd_bridge_dup_remote_config (bridge, 0);
  g_autofree char *client_id = bd_bridge_config_dup_remote_clientid (bridge);

  config->version = version;
  /* A client id of its own and a clean session: the test must neither
   * take over the running bridge's session upstream nor leave one. */
  config->client_id = g_strconcat (client_id, ".test", NULL);
  config->clean_session = TRUE;
  config->backoff_min_ms = 60000;
  config->backoff_max_ms = 60000;
  self->test_client = bd_remote_client_new (config);
  /* Connected at the CONNACK: nothing to subscribe. */
  bd_remote_client_set_subscriptions (self->test_client, NULL, 0);
  g_signal_connect (self->test_client, "notify::state", G_CALLBACK (test_state_cb), self);
  bd_remote_client_start (self->test_client);
}

static void
test_cb (BdBridgeDialog *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BdBridgeConfig) bridge = dup_config (self, &error);
  g_autofree char *text = NULL;

  if (bridge == NULL)
    {
      set_problem (self, error->message);
      return;
    }
  set_problem (self, NULL);
  stop_test (self);
  gtk_widget_set_sensitive (GTK_WIDGET (self->test_button), FALSE);
  /* Translators: %s is an address */
  text = g_strdup_printf (_("Connecting to %s…"),
                          ((BdBridgeAddress *) g_ptr_array_index (bridge->addresses, 0))->host);
  adw_action_row_set_subtitle (self->test_row, text);
  /* A server without MQTT 5 is then asked in 3.1.1 (or the 3.1 chosen), so
   * the answer can say "not MQTT 5" rather than only that it failed. */
  self->test_fallback = bridge->protocol_version == 3 ? BD_MQTT_V31 : BD_MQTT_V311;
  start_test (self, bridge, BD_MQTT_V5);
}

/* The path is a WebSocket's only. */
static void
transport_cb (AdwComboRow    *row,
              GParamSpec     *pspec,
              BdBridgeDialog *self)
{
  gtk_widget_set_visible (GTK_WIDGET (self->ws_path_row),
                          adw_combo_row_get_selected (row) == 1);
}

/* ------------------------------------------------------------- GObject */

static void
bd_bridge_dialog_dispose (GObject *object)
{
  BdBridgeDialog *self = BD_BRIDGE_DIALOG (object);

  stop_test (self);
  _bd_clear_file_chooser (&self->chooser);
  g_clear_object (&self->service);

  G_OBJECT_CLASS (bd_bridge_dialog_parent_class)->dispose (object);
}

static void
bd_bridge_dialog_finalize (GObject *object)
{
  BdBridgeDialog *self = BD_BRIDGE_DIALOG (object);

  g_free (self->config_path);
  bd_bridge_config_free (self->original);
  bd_bridge_config_free (self->pending);
  g_ptr_array_unref (self->topics);
  for (guint i = 0; i < N_FILES; i++)
    g_free (self->files[i]);

  G_OBJECT_CLASS (bd_bridge_dialog_parent_class)->finalize (object);
}

static void
bd_bridge_dialog_class_init (BdBridgeDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bd_bridge_dialog_dispose;
  object_class->finalize = bd_bridge_dialog_finalize;
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
bd_bridge_dialog_init (BdBridgeDialog *self)
{
  const char * const protocols[] = { "MQTT 5", "MQTT 3.1.1", "MQTT 3.1", NULL };
  const char * transports[] = { N_("TCP"), N_("WebSocket"), NULL };
  const char * start_types[] = { N_("Automatic: at start and after every loss"),
                                 N_("Once: at start only"),
                                 N_("Lazy: when messages wait, until idle"), NULL };
  GtkWidget *save_button;
  AdwPreferencesPage *page;
  AdwPreferencesGroup *group;
  GtkWidget *row;
  GtkWidget *button;

  self->topics = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; start_types[i] != NULL; i++)
    start_types[i] = _(start_types[i]);
  for (guint i = 0; transports[i] != NULL; i++)
    transports[i] = _(transports[i]);

  page = _bd_editor_window_fill (ADW_WINDOW (self), 560, 720, NULL, &save_button);
  self->save_button = GTK_BUTTON (save_button);
  g_signal_connect_swapped (self->save_button, "clicked", G_CALLBACK (save_cb), self);

  /* What is wrong, above the fields. */
  group = _bd_add_preferences_group (page, NULL, NULL);
  self->problem_label = _bd_error_label_new ();
  adw_preferences_group_add (group, GTK_WIDGET (self->problem_label));
  self->problem_group = GTK_WIDGET (group);
  gtk_widget_set_visible (self->problem_group, FALSE);

  /* The upstream. */
  group = _bd_add_preferences_group (page, _("Upstream Broker"), NULL);
  self->name_row = entry_row (group, _("Name"));
  self->addresses_row = entry_row (group, _("Addresses (host:port, several separated by spaces)"));
  self->protocol_row = combo_row (_("Protocol"), protocols);
  adw_preferences_group_add (group, GTK_WIDGET (self->protocol_row));
  /* MQTT over WebSocket: for an upstream reachable only through an HTTPS
   * port (cloud brokers); with encryption on, it is wss. */
  self->transport_row = combo_row (_("Transport"), transports);
  adw_preferences_group_add (group, GTK_WIDGET (self->transport_row));
  self->ws_path_row = entry_row (group, _("WebSocket Path (empty: /mqtt)"));
  gtk_widget_set_visible (GTK_WIDGET (self->ws_path_row), FALSE);
  g_signal_connect (self->transport_row, "notify::selected", G_CALLBACK (transport_cb), self);
  self->clientid_row = entry_row (group,
                                  _("Client ID (empty: this computer’s name and the bridge’s)"));
  self->username_row = entry_row (group, _("User Name"));
  self->password_row = ADW_ENTRY_ROW (adw_password_entry_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->password_row), _("Password"));
  adw_preferences_group_add (group, GTK_WIDGET (self->password_row));
  row = _bd_switch_row_new (_("Clean Session"),
                            _("Off: the upstream keeps the bridge’s subscriptions and "
                              "messages while it is away"),
                            &self->clean_switch);
  adw_preferences_group_add (group, row);

  /* Its test. */
  group = _bd_add_preferences_group (page, NULL, NULL);
  self->test_row = ADW_ACTION_ROW (adw_action_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->test_row),
                                 _("What the Upstream Supports"));
  adw_action_row_set_subtitle (self->test_row, _("Not tested yet"));
  self->test_button = GTK_BUTTON (gtk_button_new_with_label (_("Test Connection")));
  gtk_widget_set_valign (GTK_WIDGET (self->test_button), GTK_ALIGN_CENTER);
  g_signal_connect_swapped (self->test_button, "clicked", G_CALLBACK (test_cb), self);
  adw_action_row_add_suffix (self->test_row, GTK_WIDGET (self->test_button));
  adw_preferences_group_add (group, GTK_WIDGET (self->test_row));

  /* The topics. */
  self->topics_group = _bd_add_preferences_group (page,
                                                  _("Topics"),
                                                  _("Prefixes are put before the pattern on each "
                                                    "side, to place the topics elsewhere "
                                                    "upstream."));
  button = _bd_icon_button_new ("list-add-symbolic", _("Add Topic"));
  g_signal_connect_swapped (button, "clicked", G_CALLBACK (add_topic_cb), self);
  adw_preferences_group_set_header_suffix (self->topics_group, button);

  /* Encryption. */
  group = _bd_add_preferences_group (page, NULL, NULL);
  self->tls_row = ADW_EXPANDER_ROW (adw_expander_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->tls_row), _("Encryption (TLS)"));
  adw_expander_row_set_show_enable_switch (self->tls_row, TRUE);
  adw_expander_row_set_enable_expansion (self->tls_row, FALSE);
  add_file_row (self, FILE_CA, _("Certificate Authority (CA) File"),
                _("Choose the CA file"), _("Clear the CA file"));
  add_file_row (self, FILE_CERT, _("Client Certificate"),
                _("Choose the client certificate"), _("Clear the client certificate"));
  add_file_row (self, FILE_KEY, _("Client Key"),
                _("Choose the client key"), _("Clear the client key"));
  row = _bd_switch_row_new (_("Skip the Host Name Check"),
                            _("Insecure: anyone with a certificate from this CA could pose "
                              "as the upstream"),
                            &self->insecure_switch);
  adw_expander_row_add_row (self->tls_row, row);
  self->alpn_row = entry_row (NULL, _("ALPN Protocol (AWS IoT on port 443: x-amzn-mqtt-ca)"));
  adw_expander_row_add_row (self->tls_row, GTK_WIDGET (self->alpn_row));
  adw_preferences_group_add (group, GTK_WIDGET (self->tls_row));

  /* Running. */
  group = _bd_add_preferences_group (page, _("Running"), NULL);
  self->start_row = combo_row (_("Start"), start_types);
  adw_preferences_group_add (group, GTK_WIDGET (self->start_row));
  row = adw_action_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Messages Kept for the Upstream"));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row),
                               _("When full, the oldest go first; 0: the broker’s own limit"));
  self->queue_spin = GTK_SPIN_BUTTON (gtk_spin_button_new_with_range (0, G_MAXINT32, 1000));
  gtk_widget_set_valign (GTK_WIDGET (self->queue_spin), GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->queue_spin), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Messages Kept for the Upstream"), -1);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), GTK_WIDGET (self->queue_spin));
  adw_preferences_group_add (group, row);
}

BdBridgeDialog *
bd_bridge_dialog_new (BdService            *service,
                      const char           *config_path,
                      const BdBridgeConfig *config)
{
  BdBridgeDialog *self = g_object_new (BD_TYPE_BRIDGE_DIALOG, NULL);

  g_return_val_if_fail (config_path != NULL, NULL);

  self->service = service != NULL ? g_object_ref (service) : NULL;
  self->config_path = g_strdup (config_path);
  gtk_window_set_title (GTK_WINDOW (self), config != NULL ? _("Edit Bridge") : _("Add Bridge"));
  if (config == NULL)
    {
      add_topic (self, NULL);
      return self;
    }

  self->original = bd_bridge_config_copy (config);
  gtk_editable_set_text (GTK_EDITABLE (self->name_row), config->name);
  {
    g_autoptr(GString) addresses = g_string_new (NULL);

    for (guint i = 0; i < config->addresses->len; i++)
      {
        const BdBridgeAddress *address = g_ptr_array_index (config->addresses, i);

        g_string_append_printf (addresses, "%s%s:%u", i > 0 ? " " : "", address->host,
                                address->port);
      }
    gtk_editable_set_text (GTK_EDITABLE (self->addresses_row), addresses->str);
  }
  for (guint i = 0; i < G_N_ELEMENTS (protocol_versions); i++)
    if (protocol_versions[i] == config->protocol_version)
      adw_combo_row_set_selected (self->protocol_row, i);
  adw_combo_row_set_selected (self->transport_row, config->websockets ? 1 : 0);
  if (config->websocket_path != NULL)
    gtk_editable_set_text (GTK_EDITABLE (self->ws_path_row), config->websocket_path);
  if (config->remote_clientid != NULL)
    gtk_editable_set_text (GTK_EDITABLE (self->clientid_row), config->remote_clientid);
  if (config->remote_username != NULL)
    gtk_editable_set_text (GTK_EDITABLE (self->username_row), config->remote_username);
  if (config->remote_password != NULL)
    adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->password_row),
                                   _("Password (empty: unchanged)"));
  gtk_switch_set_active (self->clean_switch, config->cleansession);
  for (guint i = 0; i < config->topics->len; i++)
    add_topic (self, g_ptr_array_index (config->topics, i));
  adw_expander_row_set_enable_expansion (self->tls_row,
                                         config->cafile != NULL || config->capath != NULL);
  self->files[FILE_CA] = g_strdup (config->cafile);
  self->files[FILE_CERT] = g_strdup (config->certfile);
  self->files[FILE_KEY] = g_strdup (config->keyfile);
  for (guint i = 0; i < N_FILES; i++)
    show_file (self, i);
  gtk_switch_set_active (self->insecure_switch, config->insecure);
  if (config->alpn != NULL)
    gtk_editable_set_text (GTK_EDITABLE (self->alpn_row), config->alpn);
  adw_combo_row_set_selected (self->start_row, config->start_type == BD_BRIDGE_START_ONCE ? 1
                                               : config->start_type == BD_BRIDGE_START_LAZY ? 2 : 0);
  gtk_spin_button_set_value (self->queue_spin, config->queue_max_messages);
  return self;
}
