/* bd-application.c — the GTK application
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * BdApplication owns what lives as long as the process: the command-line
 * options, the settings and the embedded broker (BdEngine). Windows only
 * borrow them.
 * AdwApplication loads style.css, and GtkApplication loads gtk/help-overlay.ui
 * and the icons/ folder, from the resource base path derived from APP_ID
 * (/io/github/brokerdesk/Brokerdesk/), so none of them is loaded by hand here.
 */

#include "config.h"

#include <glib/gi18n.h>
#include <glib-unix.h>

#include "bd-application.h"
#include "bd-autostart.h"
#include "bd-bridge.h"
#include "bd-connection-manager.h"
#include "bd-gui-util.h"
#include "bd-alarm-notifier.h"
#include "bd-proposal-notifier.h"
#include "bd-service.h"
#include "bd-operations-journal.h"
#include "bd-operator-lock.h"
#include "bd-preferences-dialog.h"
#include "bd-rerun.h"
#include "bd-security.h"
#include "bd-security-page.h"
#include "bd-settings.h"
#include "bd-window.h"

struct _BdApplication
{
  AdwApplication  parent_instance;

  BdOptions       options;
  GSettings      *settings;

  BdOperatorLock *lock;
  BdService      *service;        /* engine + recorder; NULL while starting, or if it failed */
  char           *engine_error;   /* why it is not running */
  guint16         broker_port;    /* as bound; or, when it failed, as the file asked (0: unknown) */
  GCancellable   *cancellable;
  /* Weak: the preferences window is owned by GTK's toplevel list. */
  GtkWindow      *preferences;
  GtkWindow      *about;         /* weak, as preferences */
  /* Embedded broker or a saved remote one; from startup until shutdown. */
  BdConnectionManager *connections;
  /* Desktop notifications of the alarm engine's raises; with the service. */
  BdAlarmNotifier *alarm_notifier;
  BdProposalNotifier *proposal_notifier;
  /* The remote broker alarms and relays follow (NULL: the embedded one),
   * and their taps on it. */
  BdRemoteClient *operations_client;
  guint           alarm_tap;
  guint           relay_tap;

  /* The broker outlives the window: a hold from startup until quit (or
   * until the broker fails to start, when there is nothing to keep). */
  gboolean        held;
  gboolean        activated;      /* a first activation happened (--background skips its window) */
  gboolean        quitting;
  guint           sigterm_id;
  guint           sigint_id;
  /* The autostart entry: one change in flight, then the latest wish. */
  BdRerun         autostart;
};

enum {
  PROP_0,
  PROP_SERVICE,
  N_PROPS
};

enum {
  ACTIVE_CONNECTION_CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (BdApplication, bd_application, ADW_TYPE_APPLICATION)

static void
bd_application_release (BdApplication *self)
{
  if (!self->held)
    return;
  self->held = FALSE;
  g_application_release (G_APPLICATION (self));
}

/* Stops Brokerdesk, broker included. */
static void
bd_application_really_quit (BdApplication *self)
{
  g_autoptr(GPtrArray) closed = g_ptr_array_new ();
  gboolean again = TRUE;

  self->quitting = TRUE;
  /* Close the consoles rather than destroy them, so each gets its
   * close-request and saves its size and page. The list is read afresh after
   * each close, which destroys the windows that belong to that one (dialogs
   * kept hidden, preferences); the others go with the application. */
  while (again)
    {
      again = FALSE;
      for (const GList *l = gtk_application_get_windows (GTK_APPLICATION (self));
           l != NULL; l = l->next)
        {
          if (BD_IS_WINDOW (l->data) && !g_ptr_array_find (closed, l->data, NULL))
            {
              g_ptr_array_add (closed, l->data);
              gtk_window_close (GTK_WINDOW (l->data));
              again = TRUE;
              break;
            }
        }
    }
  bd_application_release (self);
  /* Windows kept hidden (preferences, about) would keep it alive. */
  g_application_quit (G_APPLICATION (self));
}

static void
on_quit_response_cb (AdwMessageDialog *dialog,
                     const char       *response,
                     BdApplication    *self)
{
  if (g_strcmp0 (response, "quit") == 0)
    bd_application_really_quit (self);
}

static GtkWindow *
bd_application_present_window (BdApplication *self)
{
  GtkWindow *window = NULL;

  for (const GList *l = gtk_application_get_windows (GTK_APPLICATION (self));
       l != NULL; l = l->next)
    {
      if (BD_IS_WINDOW (l->data))
        {
          window = l->data;
          break;
        }
    }
  if (window == NULL)
    window = GTK_WINDOW (bd_window_new (self));
  gtk_window_present (window);
  return window;
}

/* Open on a notification: the window of this instance, on its Alarms. */
static void
on_open_alarm_cb (BdApplication *self,
                  BdAlarm       *alarm)
{
  GtkWindow *window = bd_application_present_window (self);

  if (BD_IS_WINDOW (window))
    bd_window_set_visible_page (BD_WINDOW (window), "alarms");
}

/* What quitting would stop, in a sentence for each: the devices connected
 * (not counting the bridges' own internal connections) and the bridges that
 * forward to and from other brokers. NULL when there is nothing to lose. */
static char *
dup_quit_consequences (BdApplication *self,
                       GPtrArray     *clients)
{
  GPtrArray *bridges = bd_service_get_bridges (self->service);
  g_autoptr(GString) body = g_string_new (NULL);
  guint connected = 0;

  for (guint i = 0; clients != NULL && i < clients->len; i++)
    {
      const BdClientInfo *info = g_ptr_array_index (clients, i);

      if (info->connected && !info->internal)
        connected++;
    }
  if (connected > 0)
    g_string_append_printf (body,
                            g_dngettext (GETTEXT_PACKAGE,
                                         "%u device is connected to this broker. Quitting "
                                         "disconnects it, and it can neither publish nor "
                                         "receive until Brokerdesk runs again.",
                                         "%u devices are connected to this broker. Quitting "
                                         "disconnects them, and they can neither publish nor "
                                         "receive until Brokerdesk runs again.",
                                         connected),
                            connected);
  if (bridges != NULL && bridges->len > 0)
    {
      g_autoptr(GString) names = g_string_new (NULL);

      for (guint i = 0; i < bridges->len; i++)
        {
          if (i > 0)
            /* Translators: between the names of bridges in a list */
            g_string_append (names, _(", "));
          g_string_append_printf (names, _("“%s”"),
                                  bd_bridge_get_name (g_ptr_array_index (bridges, i)));
        }
      if (body->len > 0)
        g_string_append_c (body, ' ');
      g_string_append_printf (body,
                              g_dngettext (GETTEXT_PACKAGE,
                                           "Quitting stops the bridge %s: nothing goes to or "
                                           "comes from its broker until Brokerdesk runs again.",
                                           "Quitting stops the bridges %s: nothing goes to or "
                                           "comes from their brokers until Brokerdesk runs again.",
                                           bridges->len),
                              names->str);
    }
  if (body->len == 0)
    return NULL;
  g_string_append_c (body, ' ');
  g_string_append (body, _("Close the window instead to keep the broker running."));
  return g_string_free (g_steal_pointer (&body), FALSE);
}

/* Quitting disconnects every device of the plant and stops every bridge:
 * with any, the operator is asked, told how many devices and which bridges,
 * and reminded that closing the window keeps the broker running. */
static void
on_quit_clients_listed_cb (GObject      *source,
                           GAsyncResult *result,
                           gpointer      user_data)
{
  g_autoptr(BdApplication) self = user_data;
  g_autoptr(GPtrArray) clients = bd_engine_list_clients_finish (result, NULL);
  g_autofree char *body = NULL;
  GtkWindow *window;
  AdwMessageDialog *dialog;

  if (self->quitting)
    return;
  body = dup_quit_consequences (self, clients);
  if (body == NULL)
    {
      bd_application_really_quit (self);
      return;
    }

  window = bd_application_present_window (self);
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (window, _("Stop the Broker?"), body));
  _bd_message_dialog_add_choice (dialog, "quit", _("_Quit"), ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_quit_response_cb), self, 0);
  _bd_present_dialog (GTK_WIDGET (window), GTK_WINDOW (dialog));
}

static void
bd_application_quit_action (GSimpleAction *action,
                            GVariant      *parameter,
                            gpointer       user_data)
{
  BdApplication *self = user_data;

  if (self->service == NULL)
    {
      bd_application_really_quit (self);
      return;
    }
  bd_engine_list_clients_async (bd_service_get_engine (self->service), self->cancellable,
                                on_quit_clients_listed_cb, g_object_ref (self));
}

/* SIGTERM (a logout, a service manager) and SIGINT stop everything without
 * asking, as --headless does: there is nobody to ask. */
static gboolean
on_quit_signal_cb (gpointer user_data)
{
  BdApplication *self = user_data;

  bd_application_really_quit (self);
  return G_SOURCE_CONTINUE;
}

static void present_unlock_dialog (BdApplication *self);
static BdJournal *operations_journal (BdApplication *self);

static void
on_broker_port_saved_cb (BdApplication *self,
                         guint          port)
{
  BdJournal *journal = operations_journal (self);
  g_autofree char *text = NULL;

  if (journal == NULL)
    return;
  /* Translators: a journal entry */
  text = g_strdup_printf (_("Broker port changed to %u, from the next start"), port);
  bd_operations_journal_note (journal, NULL, text);
}

static void
on_broker_interfaces_saved_cb (BdApplication *self,
                               gboolean       all_interfaces)
{
  BdJournal *journal = operations_journal (self);

  if (journal == NULL)
    return;
  /* Translators: journal entries */
  bd_operations_journal_note (journal, NULL,
                              all_interfaces
                              ? _("Broker listens on all interfaces from the next start")
                              : _("Broker listens on this computer only from the next start"));
}

static void
bd_application_preferences_action (GSimpleAction *action,
                                   GVariant      *parameter,
                                   gpointer       user_data)
{
  BdApplication *self = user_data;
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));

  /* The broker's and the window's settings are not for a locked window. */
  if (bd_operator_lock_get_locked (self->lock))
    {
      present_unlock_dialog (self);
      return;
    }
  if (self->preferences == NULL)
    {
      BdPreferencesDialog *window = bd_preferences_dialog_new (self->settings,
                                                               self->options.config_file);

      g_set_weak_pointer (&self->preferences, GTK_WINDOW (window));
      /* The application outlives its windows. */
      g_signal_connect_swapped (window, "broker-port-saved",
                                G_CALLBACK (on_broker_port_saved_cb), self);
      g_signal_connect_swapped (window, "broker-interfaces-saved",
                                G_CALLBACK (on_broker_interfaces_saved_cb), self);
      /* The embedded broker's users and permissions. */
      if (self->service != NULL && bd_service_get_engine (self->service) != NULL)
        {
          g_autofree char *data_dir = bd_options_dup_data_dir (&self->options);
          GtkWidget *security = bd_security_page_new (bd_service_get_engine (self->service),
                                                      self->options.config_file, data_dir);

          bd_security_page_set_operator_lock (BD_SECURITY_PAGE (security), self->lock);
          if (operations_journal (self) != NULL)
            bd_security_page_set_journal (BD_SECURITY_PAGE (security), operations_journal (self));

          adw_preferences_window_add (ADW_PREFERENCES_WINDOW (window),
                                      ADW_PREFERENCES_PAGE (security));
        }
      gtk_window_set_application (self->preferences, GTK_APPLICATION (self));
      /* Closing the main window must not leave the application running with
       * only its preferences open. */
      gtk_window_set_destroy_with_parent (self->preferences, TRUE);
      /* Hidden, not destroyed, on close: GTK 4.8 answers an accessibility
       * client's query about a widget being destroyed with an invalid D-Bus
       * reply and crashes (g_variant_new_object_path on a NULL path), so
       * windows that come and go are kept. */
      gtk_window_set_hide_on_close (self->preferences, TRUE);
    }
  /* The preferences window itself is in the application's window list. */
  if (parent != self->preferences)
    gtk_window_set_transient_for (self->preferences, parent);
  gtk_window_present (self->preferences);
}

static void
bd_application_about_action (GSimpleAction *action,
                             GVariant      *parameter,
                             gpointer       user_data)
{
  BdApplication *self = user_data;
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  const char *developers[] = { "The Brokerdesk authors", NULL };
  GtkWidget *about;

  /* Kept once made, for the reason given in the preferences action. */
  if (self->about != NULL)
    {
      gtk_window_set_transient_for (self->about, parent);
      gtk_window_present (self->about);
      return;
    }

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", parent,
                        "modal", TRUE,
                        "application-icon", APP_ID,
                        "application-name", _("Brokerdesk"),
                        "comments", _("An MQTT broker and operator console in one window: "
                                      "live topics, charts, alarms and relays, with a "
                                      "history of everything it saw."),
                        "version", PACKAGE_VERSION,
                        "developer-name", "The Brokerdesk authors",
                        "developers", developers,
                        "copyright", "© 2026 The Brokerdesk authors",
                        "license-type", GTK_LICENSE_GPL_3_0,
                        "website", "https://github.com/brokerdesk/brokerdesk",
                        "issue-url", "https://github.com/brokerdesk/brokerdesk/issues",
                        /* Translators: put your names here, one a line, with
                         * e-mail addresses in <> if you like. */
                        "translator-credits", _("translator-credits"),
                        "hide-on-close", TRUE,
                        NULL);
  g_set_weak_pointer (&self->about, GTK_WINDOW (about));
  gtk_window_set_destroy_with_parent (self->about, TRUE);
  gtk_window_present (GTK_WINDOW (about));
}

static void on_demo_plant_changed_cb (BdApplication *self,
                                      const char    *key,
                                      GSettings     *settings);

/* The main menu's "Demo Plant" check item: its state is whether the plant
 * runs (which --demo/--no-demo may decide against the preference); choosing
 * it sets the preference, which then decides. */
static void
bd_application_demo_plant_change_state (GSimpleAction *action,
                                        GVariant      *value,
                                        gpointer       user_data)
{
  BdApplication *self = BD_APPLICATION (user_data);
  gboolean on = g_variant_get_boolean (value);

  if (g_settings_get_boolean (self->settings, BD_SETTINGS_DEMO_PLANT) != on)
    g_settings_set_boolean (self->settings, BD_SETTINGS_DEMO_PLANT, on);
  else
    on_demo_plant_changed_cb (self, BD_SETTINGS_DEMO_PLANT, self->settings);
}

/* Over @parent, or on its own with the window closed (the broker runs on). */
static void
present_over (GtkWindow *parent,
              GtkWidget *dialog)
{
  if (parent != NULL)
    _bd_present_dialog (GTK_WIDGET (parent), GTK_WINDOW (dialog));
  else
    gtk_window_present (GTK_WINDOW (dialog));
}

/* A short notice over the active window. */
static void
tell (BdApplication *self,
      const char    *heading,
      const char    *body)
{
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  GtkWidget *dialog = adw_message_dialog_new (parent, heading, body);

  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  present_over (parent, dialog);
}

static void
on_unlock_response_cb (AdwMessageDialog *dialog,
                       const char       *response,
                       BdApplication    *self)
{
  GtkEditable *entry = g_object_get_data (G_OBJECT (dialog), "pin-entry");

  if (g_strcmp0 (response, "unlock") != 0)
    return;
  if (!bd_operator_lock_unlock (self->lock, gtk_editable_get_text (entry)))
    tell (self, _("Wrong PIN"), _("The window stays locked to viewing."));
}

static void
present_unlock_dialog (BdApplication *self)
{
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  GtkWidget *dialog = adw_message_dialog_new (parent, _("Unlock the Window?"),
                                              _("Enter the operator PIN to send commands and "
                                                "change rules and settings again."));
  GtkWidget *entry = gtk_password_entry_new ();

  gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Operator PIN"), -1);
  g_object_set (entry, "activates-default", TRUE, NULL);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), entry);
  _bd_message_dialog_add_choice (ADW_MESSAGE_DIALOG (dialog), "unlock", _("_Unlock"),
                                 ADW_RESPONSE_SUGGESTED);
  g_object_set_data (G_OBJECT (dialog), "pin-entry", entry);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_unlock_response_cb), self, 0);
  present_over (parent, dialog);
}

/* The action's state follows the lock; asking for a change locks at once
 * (with a PIN set) or asks for the PIN to unlock. */
static void
bd_application_locked_change_state (GSimpleAction *action,
                                    GVariant      *value,
                                    gpointer       user_data)
{
  BdApplication *self = user_data;

  if (!g_variant_get_boolean (value))
    present_unlock_dialog (self);
  else if (!bd_operator_lock_lock (self->lock))
    tell (self, _("No Operator PIN"),
          _("Set an operator PIN in Preferences, on the Security page, to lock the window to "
            "viewing."));
  /* The toggle button shows the state, not the click. */
  g_simple_action_set_state (action, g_variant_new_boolean (bd_operator_lock_get_locked (self->lock)));
}

/* Journals what the operator changed, with who and when; NULL @journal
 * before the operations start (nothing to change yet then). */
static BdJournal *
operations_journal (BdApplication *self)
{
  return self->service != NULL ? bd_service_get_journal (self->service) : NULL;
}

static void
on_setting_changed_cb (BdApplication *self,
                       const char    *key,
                       GSettings     *settings)
{
  /* Not the broker-port and broker-listen-all keys: the port and the
   * interfaces are kept in the configuration file (on_broker_port_saved_cb
   * (), on_broker_interfaces_saved_cb ()). */
  static const char * const journaled[] = {
    BD_SETTINGS_DEMO_PLANT, BD_SETTINGS_RUN_AT_LOGIN,
  };
  BdJournal *journal = operations_journal (self);
  g_autoptr(GVariant) value = NULL;
  g_autofree char *shown = NULL;
  g_autofree char *text = NULL;

  if (journal == NULL)
    return;
  if (g_strcmp0 (key, BD_SETTINGS_OPERATOR_PIN) == 0)
    {
      bd_operations_journal_note (journal, key, _("Operator PIN changed"));
      return;
    }
  if (!g_strv_contains (journaled, key))
    return;
  value = g_settings_get_value (settings, key);
  shown = g_variant_print (value, FALSE);
  /* Translators: a journal entry; a settings key and its new value. */
  text = g_strdup_printf (_("Setting %s changed to %s"), key, shown);
  bd_operations_journal_note (journal, key, text);
}

static void
on_lock_changed_cb (BdApplication *self)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), "locked");
  BdJournal *journal = operations_journal (self);

  if (journal != NULL)
    bd_operations_journal_note (journal, NULL,
                                bd_operator_lock_get_locked (self->lock)
                                ? _("Window locked to viewing") : _("Window unlocked"));

  g_simple_action_set_state (G_SIMPLE_ACTION (action),
                             g_variant_new_boolean (bd_operator_lock_get_locked (self->lock)));
}

static const GActionEntry app_actions[] = {
  { "locked", NULL, NULL, "false", bd_application_locked_change_state },
  { "quit", bd_application_quit_action },
  { "preferences", bd_application_preferences_action },
  { "about", bd_application_about_action },
  { "demo-plant", NULL, NULL, "false", bd_application_demo_plant_change_state },
};

static void
update_windows (BdApplication *self)
{
  for (const GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL; l = l->next)
    if (BD_IS_WINDOW (l->data))
      bd_window_update_broker_status (l->data);
}

/* --demo and --no-demo win over the preference, which is on by default so
 * that a first run shows a live plant. */
static gboolean
update_demo (BdApplication *self)
{
  GAction *action;
  gboolean on;

  if (self->service == NULL)
    return FALSE;
  if (self->options.demo == BD_DEMO_DEFAULT)
    on = g_settings_get_boolean (self->settings, BD_SETTINGS_DEMO_PLANT);
  else
    on = self->options.demo == BD_DEMO_ON;
  bd_service_set_demo (self->service, on);
  action = g_action_map_lookup_action (G_ACTION_MAP (self), "demo-plant");
  if (action != NULL)
    g_simple_action_set_state (G_SIMPLE_ACTION (action), g_variant_new_boolean (on));
  return on;
}

static void
on_demo_plant_changed_cb (BdApplication *self,
                          const char    *key,
                          GSettings     *settings)
{
  /* The preference speaks for itself once the user touches it. */
  self->options.demo = BD_DEMO_DEFAULT;
  update_demo (self);
}

typedef struct
{
  BdOptions options;
  gboolean  may_move;       /* nothing chose the port: the next free one will do */
  guint16   port;           /* the port Brokerdesk's own file asks for, or 0 */
  guint16   old_port;       /* the broker-port preference to carry into the file, or 0 */
  gboolean  old_listen_all; /* broker-listen-all was on: carry it into the file */
  gboolean  old_port_done;  /* they were carried, or the file had a listener: reset the keys */
} StartData;

static void
start_data_free (gpointer data)
{
  StartData *start = data;

  bd_options_clear (&start->options);
  g_free (start);
}

/* The port and the interfaces used to be the broker-port and
 * broker-listen-all preferences, which only the window read. Carried once
 * into the configuration file the window and --headless share, when that
 * file has no listener yet; from then on the file says. */
static void
carry_old_port (StartData *start)
{
  g_autoptr(GError) error = NULL;
  gboolean written = FALSE;

  if (start->old_port == 0 && !start->old_listen_all)
    return;
  if (!bd_security_write_own_port (start->old_port,
                                   start->old_listen_all ? BD_SECURITY_INTERFACES_ALL
                                                         : BD_SECURITY_INTERFACES_KEEP,
                                   TRUE, &written, &error))
    {
      /* Kept, to try again at the next start. */
      g_warning ("The broker-port (%u) and broker-listen-all (%s) preferences were not moved "
                 "into the configuration file: %s", start->old_port,
                 start->old_listen_all ? "true" : "false", error->message);
      return;
    }
  if (!written)
    g_message ("The broker-port (%u) and broker-listen-all (%s) preferences are no longer "
               "used: the configuration file sets the broker's listener", start->old_port,
               start->old_listen_all ? "true" : "false");
  else
    g_message ("The broker-port (%u) and broker-listen-all (%s) preferences were moved into "
               "the configuration file", start->old_port,
               start->old_listen_all ? "true" : "false");
  start->old_port_done = TRUE;
}

/* --port and --config decide the port; otherwise Brokerdesk's own
 * configuration file does, as for --headless. Only when nothing chose it
 * (no listener in the file either) may the broker move to the next free
 * port: a port someone wrote down is kept, or the start fails and says why. */
static void
choose_port (StartData *start)
{
  gboolean configured;
  guint16 port;

  start->may_move = FALSE;
  if (start->options.port >= 0 || start->options.config_file != NULL)
    return;
  /* A file that does not parse fails the start itself, with FILE:LINE. */
  if (!bd_security_read_own_port (&port, NULL, NULL, &configured, NULL))
    return;
  start->port = port;
  if (!configured)
    {
      start->options.port = port;
      start->may_move = TRUE;
    }
}

/* A port the file asks for and another program holds: the error says where
 * the port is set, and where to change it. */
static void
explain_taken_port (StartData  *start,
                    GError    **error)
{
  g_autofree char *path = NULL;
  GError *explained;

  if (start->may_move || start->port == 0 ||
      !g_error_matches (*error, BD_ENGINE_ERROR, BD_ENGINE_ERROR_ADDRESS_IN_USE))
    return;
  path = bd_security_default_config_path ();
  /* Translators: the first %s says which port could not be opened and why;
   * the second is a file name. */
  explained = g_error_new (BD_ENGINE_ERROR, BD_ENGINE_ERROR_ADDRESS_IN_USE,
                           _("%s. The port is set in %s: choose another one in Preferences, "
                             "or stop the program that uses it."),
                           (*error)->message, path);
  g_clear_error (error);
  g_propagate_error (error, explained);
}

/* Runs on a worker thread: reading the configuration, creating the data
 * directory, loading the saved broker state and opening the history are disk
 * work, which the GTK thread must not wait for. */
static void
start_broker_thread (GTask        *task,
                     gpointer      source_object,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  StartData *start = task_data;
  GError *error = NULL;
  BdService *service;

  carry_old_port (start);
  choose_port (start);
  service = bd_service_start (&start->options, start->may_move, &error);
  if (service == NULL)
    {
      explain_taken_port (start, &error);
      g_task_return_error (task, error);
    }
  else
    g_task_return_pointer (task, service, g_object_unref);
}

static void
remote_publish_cb (BdMessage *message,
                   gpointer   user_data)
{
  /* A QoS 0 command while disconnected is dropped here; the relay then
   * fails visibly on its timeout, which is what the operator must see. */
  bd_remote_client_publish (BD_REMOTE_CLIENT (user_data), message);
}

static void
unroute_operations (BdApplication *self)
{
  if (self->operations_client == NULL)
    return;
  bd_remote_client_remove_tap (self->operations_client, self->alarm_tap);
  bd_remote_client_remove_tap (self->operations_client, self->relay_tap);
  self->alarm_tap = self->relay_tap = 0;
  g_clear_object (&self->operations_client);
}

/* In remote mode an MQTT client feeds the same tap interface. The
 * alarm engine and the relay controller follow the connection the console
 * shows: an operator looking at a remote plant acknowledges its alarms and
 * switches its relays. The embedded broker keeps running either way. */
static void
route_operations (BdApplication *self)
{
  BdRemoteClient *client;
  BdAlarmEngine *alarms;
  BdRelayController *relays;

  if (self->service == NULL || self->connections == NULL)
    return;
  client = bd_connection_manager_get_remote_client (self->connections);
  alarms = bd_service_get_alarms (self->service);
  relays = bd_service_get_relays (self->service);
  /* The service attached both to the embedded broker when it started. */
  if (client == self->operations_client)
    return;

  unroute_operations (self);
  if (client == NULL)
    {
      BdEngine *engine = bd_service_get_engine (self->service);

      bd_alarm_engine_attach (alarms, engine);
      bd_relay_controller_attach (relays, engine);
      return;
    }
  bd_alarm_engine_detach (alarms);
  bd_relay_controller_detach (relays);
  self->operations_client = g_object_ref (client);
  /* Both filter what they receive themselves; the remote client already
   * subscribes to "#" for the topic tree. */
  self->alarm_tap = bd_remote_client_add_tap (client, "#", bd_alarm_engine_feed,
                                              g_object_ref (alarms), g_object_unref);
  self->relay_tap = bd_remote_client_add_tap (client, "#", bd_relay_controller_tap,
                                              g_object_ref (relays), g_object_unref);
  bd_relay_controller_set_publish_func (relays, remote_publish_cb, g_object_ref (client),
                                        g_object_unref);
}


/* The port the window names: the first listener's that has one (a Unix
 * socket listener has none). */
static guint16
first_network_port (BdEngine *engine)
{
  g_autoptr(GPtrArray) listeners = bd_engine_dup_listeners (engine);

  for (guint i = 0; i < listeners->len; i++)
    {
      BdListenerInfo *info = g_ptr_array_index (listeners, i);

      if (info->config->unix_path == NULL)
        return info->port;
    }
  return 0;
}

static void
start_broker_cb (GObject      *source_object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(BdApplication) self = user_data;
  g_autoptr(GError) error = NULL;
  StartData *start = g_task_get_task_data (G_TASK (result));
  BdService *service = g_task_propagate_pointer (G_TASK (result), &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  /* Before the operations' journal exists: this is no operator's change. */
  if (start->old_port_done)
    {
      g_settings_reset (self->settings, BD_SETTINGS_BROKER_PORT);
      g_settings_reset (self->settings, BD_SETTINGS_BROKER_LISTEN_ALL);
    }

  if (service == NULL)
    {
      g_warning ("The embedded broker did not start: %s", error->message);
      self->engine_error = g_strdup (error->message);
      self->broker_port = start->port;
      /* Nothing to keep running: the window (if any) decides from now on. */
      bd_application_release (self);
    }
  else
    {
      self->service = service;
      self->broker_port = first_network_port (bd_service_get_engine (service));
      bd_service_watch (service);
      bd_service_start_operations (service, update_demo (self), FALSE);
      bd_operator_lock_guard_relays (self->lock, bd_service_get_relays (service));
      self->alarm_notifier = bd_alarm_notifier_new (bd_service_get_alarms (service));
      bd_alarm_notifier_set_service (self->alarm_notifier, service);
      self->proposal_notifier = bd_proposal_notifier_new (bd_service_get_automations (service));
      g_signal_connect_object (self->alarm_notifier, "open",
                               G_CALLBACK (on_open_alarm_cb), self, G_CONNECT_SWAPPED);
      /* A "connect on start" profile may be active already. */
      route_operations (self);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SERVICE]);
    }
  update_windows (self);
}

static void
bd_application_start_broker (BdApplication *self)
{
  StartData *start = g_new0 (StartData, 1);
  g_autoptr(GTask) task = NULL;
  g_autoptr(GVariant) old_port = g_settings_get_user_value (self->settings,
                                                            BD_SETTINGS_BROKER_PORT);
  g_autoptr(GVariant) default_port = g_settings_get_default_value (self->settings,
                                                                   BD_SETTINGS_BROKER_PORT);

  bd_options_copy (&start->options, &self->options);
  /* The port and address are decided on the worker (choose_port ()): it
   * reads the file. */
  if (old_port != NULL && !g_variant_equal (old_port, default_port))
    start->old_port = (guint16) g_variant_get_int32 (old_port);
  start->old_listen_all = g_settings_get_boolean (self->settings, BD_SETTINGS_BROKER_LISTEN_ALL);

  self->cancellable = g_cancellable_new ();
  task = g_task_new (NULL, self->cancellable, start_broker_cb, g_object_ref (self));
  g_task_set_source_tag (task, bd_application_start_broker);
  g_task_set_task_data (task, start, start_data_free);
  g_task_run_in_thread (task, start_broker_thread);
}

static void
on_active_connection_changed_cb (BdApplication  *self,
                                 BdRemoteClient *client)
{
  route_operations (self);
  g_signal_emit (self, signals[ACTIVE_CONNECTION_CHANGED], 0, client);
}

/* Saved connections: the one marked "connect on start", if any, replaces the
 * embedded broker in the console (the embedded broker keeps running). */
static void
on_profiles_loaded_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(BdApplication) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!bd_connection_profiles_load_finish (BD_CONNECTION_PROFILES (source), result, &error))
    g_warning ("Saved connections not loaded: %s", error->message);
  /* Not after shutdown began. */
  if (self->connections != NULL)
    bd_connection_manager_start (self->connections);
}

static void
bd_application_start_connections (BdApplication *self)
{
  g_autoptr(BdConnectionProfiles) profiles = bd_connection_profiles_new (NULL);

  self->connections = bd_connection_manager_new (profiles);
  g_signal_connect_object (self->connections, "active-connection-changed",
                           G_CALLBACK (on_active_connection_changed_cb), self,
                           G_CONNECT_SWAPPED);
  /* Read on a worker (no disk on the GTK thread); the manager connects the
   * "connect on start" profile once they are in. */
  bd_connection_profiles_load_async (profiles, NULL, on_profiles_loaded_cb, g_object_ref (self));
}

static void update_autostart (BdApplication *self);

static void
on_autostart_set_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(BdApplication) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!bd_autostart_set_finish (result, &error))
    g_warning ("Starting at login not changed: %s", error->message);
  if (bd_rerun_end (&self->autostart))
    update_autostart (self);
}

/* Run at every start as well as on change: the entry then names the program
 * that runs now, also after it moved. */
static void
update_autostart (BdApplication *self)
{
  if (self->settings == NULL)
    return;
  if (bd_rerun_begin (&self->autostart))
    bd_autostart_set_async (g_settings_get_boolean (self->settings, BD_SETTINGS_RUN_AT_LOGIN),
                            NULL, on_autostart_set_cb, g_object_ref (self));
}

static void
bd_application_startup (GApplication *app)
{
  BdApplication *self = BD_APPLICATION (app);
  static const char *quit_accels[] = { "<Primary>q", NULL };
  static const char *preferences_accels[] = { "<Primary>comma", NULL };

  /* Chained up first: it initializes GTK and libadwaita (style manager,
   * style.css), which everything below may need. */
  G_APPLICATION_CLASS (bd_application_parent_class)->startup (app);

  self->settings = g_settings_new (BD_SETTINGS_SCHEMA_ID);
  self->lock = bd_operator_lock_new (self->settings);
  bd_operator_lock_set_default (self->lock);

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions,
                                   G_N_ELEMENTS (app_actions), self);
  g_signal_connect_object (self->lock, "notify::locked", G_CALLBACK (on_lock_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings, "changed", G_CALLBACK (on_setting_changed_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.preferences",
                                         preferences_accels);

  /* Windows without an icon of their own (About, Preferences) use this. */
  gtk_window_set_default_icon_name (APP_ID);

  g_signal_connect_object (self->settings, "changed::" BD_SETTINGS_DEMO_PLANT,
                           G_CALLBACK (on_demo_plant_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings, "changed::" BD_SETTINGS_RUN_AT_LOGIN,
                           G_CALLBACK (update_autostart), self, G_CONNECT_SWAPPED);
  update_autostart (self);

  /* The broker serves the plant's devices whether a window is open or not:
   * closing the last window must not stop it. */
  g_application_hold (app);
  self->held = TRUE;
  self->sigterm_id = g_unix_signal_add (SIGTERM, on_quit_signal_cb, self);
  self->sigint_id = g_unix_signal_add (SIGINT, on_quit_signal_cb, self);
  bd_application_start_broker (self);
  bd_application_start_connections (self);
}

static void
bd_application_activate (GApplication *app)
{
  BdApplication *self = BD_APPLICATION (app);
  gboolean first = !self->activated;

  self->activated = TRUE;
  /* Started at login: the broker only. Any later activation (a second
   * launch, a notification) shows the window of this instance rather than
   * opening another console on the same broker. */
  if (first && self->options.background)
    return;
  bd_application_present_window (self);
}

static void
bd_application_shutdown (GApplication *app)
{
  BdApplication *self = BD_APPLICATION (app);

  g_clear_handle_id (&self->sigterm_id, g_source_remove);
  g_clear_handle_id (&self->sigint_id, g_source_remove);
  /* Disconnects clients and saves the broker state; the engine thread is
   * joined, so nothing of it runs after this. */
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  /* Sends the remote broker a DISCONNECT, so it does not publish our will. */
  if (self->connections != NULL)
    bd_connection_manager_stop (self->connections);
  g_clear_object (&self->connections);
  /* Also flushes the history: nothing recorded is lost on close. */
  unroute_operations (self);
  g_clear_object (&self->alarm_notifier);
  g_clear_object (&self->proposal_notifier);
  if (self->service != NULL)
    {
      g_clear_object (&self->service);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SERVICE]);
    }
  g_clear_object (&self->settings);

  G_APPLICATION_CLASS (bd_application_parent_class)->shutdown (app);
}

static void
bd_application_dispose (GObject *object)
{
  BdApplication *self = BD_APPLICATION (object);

  g_clear_weak_pointer (&self->preferences);
  g_clear_object (&self->settings);
  g_clear_object (&self->lock);

  G_OBJECT_CLASS (bd_application_parent_class)->dispose (object);
}

static void
bd_application_finalize (GObject *object)
{
  BdApplication *self = BD_APPLICATION (object);

  bd_options_clear (&self->options);
  g_free (self->engine_error);

  G_OBJECT_CLASS (bd_application_parent_class)->finalize (object);
}

static void
bd_application_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  BdApplication *self = BD_APPLICATION (object);

  switch (prop_id)
    {
    case PROP_SERVICE:
      g_value_set_object (value, self->service);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bd_application_class_init (BdApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = bd_application_dispose;
  object_class->finalize = bd_application_finalize;
  object_class->get_property = bd_application_get_property;

  /* The embedded broker's service, once it runs (NULL before, after
   * shutdown, or when it failed to start). */
  properties[PROP_SERVICE] =
    g_param_spec_object ("service", NULL, NULL, BD_TYPE_SERVICE,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  app_class->startup = bd_application_startup;
  app_class->activate = bd_application_activate;
  app_class->shutdown = bd_application_shutdown;

  /* (BdRemoteClient *client): the console now shows @client's broker, or the
   * embedded one when NULL. Emitted before the client starts connecting, so
   * a tap added in a handler misses nothing. */
  signals[ACTIVE_CONNECTION_CHANGED] =
    g_signal_new ("active-connection-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, BD_TYPE_REMOTE_CLIENT);
}

static void
bd_application_init (BdApplication *self)
{
  self->options.port = -1;
  self->options.demo = BD_DEMO_DEFAULT;
}

gboolean
bd_application_check_settings_schema (GError **error)
{
  /* NULL when no schema at all is installed (GSETTINGS_SCHEMA_DIR and
   * XDG_DATA_DIRS point nowhere useful). */
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, BD_SETTINGS_SCHEMA_ID, TRUE);
  if (schema != NULL)
    return TRUE;

  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
               _("The settings schema %s is not installed. Install Brokerdesk, "
                 "run an uninstalled build with “meson devenv -C BUILDDIR brokerdesk”, "
                 "or set GSETTINGS_SCHEMA_DIR to the directory of its compiled schema "
                 "(BUILDDIR/data); “--headless” needs no schema"),
               BD_SETTINGS_SCHEMA_ID);
  return FALSE;
}

BdApplication *
bd_application_new (const BdOptions *options)
{
  BdApplication *self;

  g_return_val_if_fail (options != NULL, NULL);

  self = g_object_new (BD_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       NULL);
  bd_options_copy (&self->options, options);
  return self;
}

const BdOptions *
bd_application_get_options (BdApplication *self)
{
  g_return_val_if_fail (BD_IS_APPLICATION (self), NULL);

  return &self->options;
}

GSettings *
bd_application_get_settings (BdApplication *self)
{
  g_return_val_if_fail (BD_IS_APPLICATION (self), NULL);

  return self->settings;
}

guint
bd_application_get_broker_port (BdApplication *self)
{
  g_return_val_if_fail (BD_IS_APPLICATION (self), 0);

  /* --port 0 asks the engine for any free port, which is known only once it
   * listens; until then --port, or the default, is the best guess to show. */
  if (self->service != NULL || self->broker_port != 0)
    return self->broker_port;
  if (self->options.port > 0)
    return (guint) self->options.port;
  return 1883;
}

BdService *
bd_application_get_service (BdApplication *self)
{
  g_return_val_if_fail (BD_IS_APPLICATION (self), NULL);

  return self->service;
}

const char *
bd_application_get_engine_error (BdApplication *self)
{
  g_return_val_if_fail (BD_IS_APPLICATION (self), NULL);

  return self->engine_error;
}

BdConnectionManager *
bd_application_get_connection_manager (BdApplication *self)
{
  g_return_val_if_fail (BD_IS_APPLICATION (self), NULL);

  return self->connections;
}
