/* bd-broker-page.c — the Broker page: status of the embedded broker
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * While the broker starts, or if it could not, the page is a status page
 * saying so. Once it runs: the listeners (bd-listeners-group.c) with a
 * command to watch them from a terminal, traffic figures, the stored state
 * (its mode, size, last commit and whether writing fails), and the clients
 * with their sessions, refreshed once a second from bd_engine_get_stats ()
 * (a snapshot, no waiting) and bd_engine_list_clients_async () (answered by
 * the engine thread).
 */

#include "config.h"

#include <glib/gi18n.h>

#include "bd-bridges-section.h"
#include "bd-broker-page.h"
#include "bd-certificates.h"
#include "bd-client-row.h"
#include "bd-gui-util.h"
#include "bd-listeners-group.h"

/* The traffic rows, in order: title, and which figure. */
typedef enum
{
  FIGURE_CLIENTS,
  FIGURE_RECEIVED,
  FIGURE_SENT,
  FIGURE_DROPPED,
  FIGURE_RETAINED,
  FIGURE_SUBSCRIPTIONS,
  N_FIGURES,
} Figure;

struct _BdBrokerPage
{
  AdwBin          parent_instance;

  GtkStack       *stack;
  AdwStatusPage  *status_page;
  AdwPreferencesGroup *warnings_group;
  BdListenersGroup *listeners_group;
  BdBridgesSection *bridges_section;
  AdwPreferencesGroup *traffic_group;
  GtkListBox     *clients_list;
  AdwActionRow   *store_mode_row;
  AdwActionRow   *store_status_row;
  GtkWidget      *store_status_icon;
  AdwActionRow   *store_size_row;
  AdwActionRow   *store_commit_row;
  GtkLabel       *figures[N_FIGURES];

  BdBrokerState   state;
  char           *address;
  char           *error;

  BdEngine       *engine;
  guint           refresh_id;
  GCancellable   *cancellable;
  gboolean        listing;      /* a client list request is on its way */
};

G_DEFINE_FINAL_TYPE (BdBrokerPage, bd_broker_page, ADW_TYPE_BIN)

static void
bd_broker_page_dispose (GObject *object)
{
  BdBrokerPage *self = BD_BROKER_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->refresh_id, g_source_remove);
  g_clear_pointer (&self->engine, bd_engine_unref);

  /* The status page is both a template child and AdwBin's child: detach it
   * from AdwBin first, or AdwBin's dispose would unparent it a second time. */
  adw_bin_set_child (ADW_BIN (object), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (object), BD_TYPE_BROKER_PAGE);

  G_OBJECT_CLASS (bd_broker_page_parent_class)->dispose (object);
}

static char *
format_count (guint64 value)
{
  /* Thousands separators in the user's locale. */
  return g_strdup_printf ("%'" G_GUINT64_FORMAT, value);
}

static void
on_clients_listed_cb (GObject      *source_object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) clients = bd_engine_list_clients_finish (result, &error);
  BdBrokerPage *self;
  guint shown = 0;

  /* Cancelled: the page is gone. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = user_data;
  self->listing = FALSE;
  if (clients == NULL)
    return;

  _bd_list_box_remove_all (self->clients_list);

  for (guint i = 0; i < clients->len && shown < 200; i++, shown++)
    {
      GtkWidget *row = bd_client_row_new (g_ptr_array_index (clients, i));

      gtk_list_box_append (self->clients_list, row);
    }
  if (shown == 0)
    {
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("No clients connected"));
      gtk_list_box_append (self->clients_list, row);
    }
}

/* The Stored State rows, from the stats' snapshot of the store's figures. */
static void
update_store (BdBrokerPage        *self,
              const BdEngineStats *stats)
{
  gboolean kept = stats->store_mode != BD_STORE_MODE_NONE;
  const char *mode;
  const char *status;

  switch (stats->store_mode)
    {
    case BD_STORE_MODE_DURABLE:
      mode = _("Durable: a message is acknowledged once it is on disk");
      status = stats->store_failing
               ? _("Cannot write: the disk may be full. New QoS 1 and 2 messages are refused "
                   "until there is space again.")
               : _("Writing normally");
      break;

    case BD_STORE_MODE_SNAPSHOT:
      mode = _("Snapshots: changes since the last snapshot are lost if the broker stops abruptly");
      status = stats->store_failing
               ? _("The last snapshot could not be written: the disk may be full")
               : _("Writing normally");
      break;

    case BD_STORE_MODE_NONE:
    default:
      mode = _("Off: nothing is kept when the broker stops");
      status = NULL;
      break;
    }
  adw_action_row_set_subtitle (self->store_mode_row, mode);
  gtk_widget_set_visible (GTK_WIDGET (self->store_status_row), kept);
  gtk_widget_set_visible (GTK_WIDGET (self->store_size_row), kept);
  gtk_widget_set_visible (GTK_WIDGET (self->store_commit_row), kept);
  if (!kept)
    return;

  adw_action_row_set_subtitle (self->store_status_row, status);
  gtk_widget_set_visible (self->store_status_icon, stats->store_failing);

  if (stats->store_size > 0)
    {
      g_autofree char *size = g_format_size (stats->store_size);

      adw_action_row_set_subtitle (self->store_size_row, size);
    }
  else
    adw_action_row_set_subtitle (self->store_size_row, _("Nothing written yet"));

  if (stats->store_last_commit_us > 0)
    {
      g_autoptr(GDateTime) at = g_date_time_new_from_unix_local (stats->store_last_commit_us
                                                                  / G_USEC_PER_SEC);
      g_autofree char *time = g_date_time_format (at, "%H:%M:%S");
      g_autofree char *text = NULL;

      /* Translators: the last write of the broker's state to disk: a time
       * of day and how long it took, e.g. "14:02:31, took 1.2 ms" */
      text = g_strdup_printf (_("%s, took %.1f ms"), time,
                              stats->store_commit_latency_us / 1000.0);
      adw_action_row_set_subtitle (self->store_commit_row, text);
    }
  else
    adw_action_row_set_subtitle (self->store_commit_row, _("None yet"));
}

static gboolean
refresh_cb (gpointer user_data)
{
  BdBrokerPage *self = user_data;
  BdEngineStats stats;
  guint64 values[N_FIGURES];

  bd_engine_get_stats (self->engine, &stats);
  values[FIGURE_CLIENTS] = stats.clients_connected;
  values[FIGURE_RECEIVED] = stats.publish_received;
  values[FIGURE_SENT] = stats.publish_sent;
  values[FIGURE_DROPPED] = stats.publish_dropped;
  values[FIGURE_RETAINED] = stats.retained_messages;
  values[FIGURE_SUBSCRIPTIONS] = stats.subscriptions;
  for (guint i = 0; i < N_FIGURES; i++)
    {
      g_autofree char *text = format_count (values[i]);

      gtk_label_set_label (self->figures[i], text);
    }
  update_store (self, &stats);

  /* Only visible pages ask the engine for its clients. */
  if (!self->listing && gtk_widget_get_mapped (GTK_WIDGET (self)))
    {
      self->listing = TRUE;
      bd_engine_list_clients_async (self->engine, self->cancellable, on_clients_listed_cb, self);
    }
  return G_SOURCE_CONTINUE;
}

/* Whether only this machine can reach @bind_address (NULL: every interface). */
static gboolean
is_loopback (const char *bind_address)
{
  g_autoptr(GInetAddress) address = NULL;

  if (bind_address == NULL)
    return FALSE;
  if (g_ascii_strcasecmp (bind_address, "localhost") == 0)
    return TRUE;
  address = g_inet_address_new_from_string (bind_address);
  return address != NULL && g_inet_address_get_is_loopback (address);
}

static void
add_warning (BdBrokerPage *self,
             const char   *title,
             const char   *subtitle)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *icon = gtk_image_new_from_icon_name ("dialog-warning-symbolic");

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_widget_add_css_class (icon, "warning");
  gtk_accessible_update_property (GTK_ACCESSIBLE (icon),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Warning"), -1);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
  adw_preferences_group_add (self->warnings_group, row);
  gtk_widget_set_visible (GTK_WIDGET (self->warnings_group), TRUE);
}

/* A warning for each listener that strangers could use: reachable from the
 * network and open to anonymous clients, or taking passwords in clear text.
 * The listeners themselves are BdListenersGroup's rows. The configuration
 * is read from the listeners running when the page gets its engine. */
static void
describe_listeners (BdBrokerPage *self)
{
  g_autoptr(GPtrArray) listeners = bd_engine_dup_listeners (self->engine);

  for (guint i = 0; i < listeners->len; i++)
    {
      BdListenerInfo *info = g_ptr_array_index (listeners, i);
      const BdListenerConfig *listener = info->config;
      const char *host = listener->bind_address != NULL ? listener->bind_address : "0.0.0.0";
      g_autofree char *address = _bd_format_host_port (host, info->port);
      gboolean tls = bd_certificates_listener_encrypts (listener);
      g_autofree char *title = NULL;
      g_autofree char *subtitle = NULL;

      /* A Unix socket is reached from this computer only. */
      if (listener->unix_path != NULL || is_loopback (listener->bind_address))
        continue;
      if (listener->allow_anonymous)
        {
          /* Translators: %s is an address such as 0.0.0.0:1883 */
          title = g_strdup_printf (_("Anyone on the network can connect to %s"), address);
          subtitle = g_strdup (_("Clients need no password there. Set a password file in the "
                                 "configuration, or listen on 127.0.0.1 only."));
          add_warning (self, title, subtitle);
        }
      else if (!tls)
        {
          title = g_strdup_printf (_("Passwords to %s travel unencrypted"), address);
          subtitle = g_strdup (_("Anyone on the network path can read them. Give this listener "
                                 "a certificate and key (TLS)."));
          add_warning (self, title, subtitle);
        }
    }
}

static void
bd_broker_page_finalize (GObject *object)
{
  BdBrokerPage *self = BD_BROKER_PAGE (object);

  g_free (self->address);
  g_free (self->error);

  G_OBJECT_CLASS (bd_broker_page_parent_class)->finalize (object);
}

static void
bd_broker_page_update (BdBrokerPage *self)
{
  g_autofree char *description = NULL;

  /* Descriptions are Pango markup. */
  switch (self->state)
    {
    case BD_BROKER_RUNNING:
      gtk_stack_set_visible_child_name (self->stack, self->engine ? "live" : "status");
      adw_status_page_set_title (self->status_page, _("Broker Running"));
      description = g_markup_printf_escaped (_("The embedded MQTT broker listens on %s. "
                                               "Its connected clients and message rates "
                                               "will appear here."),
                                             self->address);
      break;

    case BD_BROKER_FAILED:
      adw_status_page_set_title (self->status_page, _("Broker Not Running"));
      description = g_markup_printf_escaped (_("The embedded MQTT broker could not start: %s"),
                                             self->error);
      break;

    case BD_BROKER_STARTING:
    default:
      adw_status_page_set_title (self->status_page, _("Broker Starting"));
      description = g_markup_printf_escaped (_("The embedded MQTT broker is starting on %s."),
                                             self->address);
      break;
    }
  adw_status_page_set_description (self->status_page, description);
}

static void
bd_broker_page_class_init (BdBrokerPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bd_broker_page_dispose;
  object_class->finalize = bd_broker_page_finalize;

  g_type_ensure (BD_TYPE_LISTENERS_GROUP);
  g_type_ensure (BD_TYPE_BRIDGES_SECTION);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/brokerdesk/Brokerdesk/bd-broker-page.ui");
  gtk_widget_class_bind_template_child (widget_class, BdBrokerPage, stack);
  gtk_widget_class_bind_template_child (widget_class, BdBrokerPage, status_page);
  gtk_widget_class_bind_template_child (widget_class, BdBrokerPage, warnings_group);
  gtk_widget_class_bind_template_child (widget_class, BdBrokerPage, listeners_group);
  gtk_widget_class_bind_template_child (widget_class, BdBrokerPage, bridges_section);
  gtk_widget_class_bind_template_child (widget_class, BdBrokerPage, traffic_group);
  gtk_widget_class_bind_template_child (widget_class, BdBrokerPage, clients_list);
  gtk_widget_class_bind_template_child (widget_class, BdBrokerPage, store_mode_row);
  gtk_widget_class_bind_template_child (widget_class, BdBrokerPage, store_status_row);
  gtk_widget_class_bind_template_child (widget_class, BdBrokerPage, store_status_icon);
  gtk_widget_class_bind_template_child (widget_class, BdBrokerPage, store_size_row);
  gtk_widget_class_bind_template_child (widget_class, BdBrokerPage, store_commit_row);
}

static void
bd_broker_page_init (BdBrokerPage *self)
{
  const char *titles[N_FIGURES] = {
    N_("Connected Clients"),
    N_("Messages Received"),
    N_("Messages Sent"),
    N_("Messages Dropped"),
    N_("Retained Messages"),
    N_("Subscriptions"),
  };

  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();

  for (guint i = 0; i < N_FIGURES; i++)
    {
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *label = gtk_label_new ("0");

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _(titles[i]));
      gtk_widget_add_css_class (label, "numeric");
      /* The row reads as "title, value" to a screen reader. No LABELLED_BY
       * relation: GTK 4.8 serializes its target's object path, which is
       * NULL (a critical) while the page is unmapped. */
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), label);
      adw_preferences_group_add (self->traffic_group, row);
      self->figures[i] = GTK_LABEL (label);
    }
  bd_broker_page_set_address (self, "127.0.0.1", 1883);
}

GtkWidget *
bd_broker_page_new (void)
{
  return g_object_new (BD_TYPE_BROKER_PAGE, NULL);
}

void
bd_broker_page_set_address (BdBrokerPage *self,
                            const char   *host,
                            guint         port)
{
  g_return_if_fail (BD_IS_BROKER_PAGE (self));
  g_return_if_fail (host != NULL);

  g_free (self->address);
  self->address = _bd_format_host_port (host, port);
  bd_listeners_group_set_address (self->listeners_group, host, port);
  bd_broker_page_update (self);
}

void
bd_broker_page_set_state (BdBrokerPage  *self,
                          BdBrokerState  state,
                          const char    *error)
{
  g_return_if_fail (BD_IS_BROKER_PAGE (self));

  self->state = state;
  g_free (self->error);
  self->error = g_strdup (error);
  bd_broker_page_update (self);
}

void
bd_broker_page_set_engine (BdBrokerPage *self,
                           BdEngine     *engine)
{
  g_return_if_fail (BD_IS_BROKER_PAGE (self));

  if (self->engine != NULL)
    return;
  self->engine = bd_engine_ref (engine);
  bd_listeners_group_set_engine (self->listeners_group, engine);
  describe_listeners (self);
  refresh_cb (self);
  self->refresh_id = g_timeout_add_seconds (1, refresh_cb, self);
  bd_broker_page_update (self);
}

void
bd_broker_page_set_service (BdBrokerPage *self,
                            BdService    *service,
                            const char   *config_path)
{
  g_return_if_fail (BD_IS_BROKER_PAGE (self));

  bd_bridges_section_set_service (self->bridges_section, service, config_path);
}
