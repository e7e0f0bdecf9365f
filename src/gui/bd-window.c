/* bd-window.c — the main window
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The window is a header bar with a view switcher over an AdwViewStack of the
 * five pages (ui/bd-window.ui); a view switcher bar takes over at the bottom
 * when the window is too narrow for the switcher in the title. All of that
 * layout lives in the template, so moving to AdwNavigationSplitView and
 * breakpoints (libadwaita 1.4) touches that one file.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "bd-alarms-page.h"
#include "bd-broker-page.h"
#include "bd-charts-page.h"
#include "bd-frame-stats.h"
#include "bd-overview-page.h"
#include "bd-connection-indicator.h"
#include "bd-connection-manager.h"
#include "bd-relays-page.h"
#include "bd-settings.h"
#include "bd-topics-page.h"
#include "bd-publish-popover.h"
#include "bd-window.h"

struct _BdWindow
{
  AdwApplicationWindow  parent_instance;

  GSettings            *settings;

  /* Template children */
  AdwToastOverlay      *toast_overlay;
  AdwViewStack         *stack;
  AdwHeaderBar         *header_bar;
  AdwViewSwitcherBar   *switcher_bar;
  BdOverviewPage       *overview_page;
  BdTopicsPage         *topics_page;
  BdChartsPage         *charts_page;
  BdAlarmsPage         *alarms_page;
  BdRelaysPage         *relays_page;
  BdBrokerPage         *broker_page;
  BdPublishPopover     *publish_popover;
  GtkMenuButton        *publish_button;
  BdConnectionIndicator *connection_indicator;
};

G_DEFINE_FINAL_TYPE (BdWindow, bd_window, ADW_TYPE_APPLICATION_WINDOW)

/* In switcher order; Alt+0 … Alt+5 follow it (the Overview came first later
 * and took 0, so the other pages kept their keys). The names match the
 * last-page choices in the settings schema. */
static const char * const page_names[] = {
  "overview",
  "topics",
  "charts",
  "alarms",
  "relays",
  "broker",
};

static gboolean
is_page_name (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (page_names); i++)
    {
      if (g_strcmp0 (name, page_names[i]) == 0)
        return TRUE;
    }
  return FALSE;
}

void
bd_window_update_broker_status (BdWindow *self)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));
  const BdOptions *options;
  BdService *service;
  const char *host = "127.0.0.1";

  if (!BD_IS_APPLICATION (app))
    return;

  /* Until the engine reports the port it really bound, show the one it will
   * ask for. A wildcard --bind still serves local clients on 127.0.0.1, and
   * that is what a command to copy into a local terminal needs. */
  options = bd_application_get_options (BD_APPLICATION (app));
  if (options->bind_address != NULL &&
      g_strcmp0 (options->bind_address, "0.0.0.0") != 0 &&
      g_strcmp0 (options->bind_address, "::") != 0)
    host = options->bind_address;
  bd_window_set_broker_address (self, host,
                                bd_application_get_broker_port (BD_APPLICATION (app)));
  service = bd_application_get_service (BD_APPLICATION (app));
  if (service != NULL)
    {
      BdEngine *engine = bd_service_get_engine (service);
      BdHistory *history = bd_service_get_history (service);

      bd_broker_page_set_engine (self->broker_page, engine);
      bd_broker_page_set_service (self->broker_page, service, options->config_file);
      bd_broker_page_set_state (self->broker_page, BD_BROKER_RUNNING, NULL);
      bd_topics_page_set_history (self->topics_page, history);
      bd_charts_page_set_history (self->charts_page, history);
      bd_charts_page_set_journal (self->charts_page, bd_service_get_journal (service));
      bd_charts_page_set_service (self->charts_page, service);
      bd_alarms_page_set_journal (self->alarms_page, bd_service_get_journal (service));
      if (bd_service_get_alarms (service) != NULL)
        {
          bd_alarms_page_set_engine (self->alarms_page, bd_service_get_alarms (service));
          bd_charts_page_set_alarm_engine (self->charts_page, bd_service_get_alarms (service));
          bd_alarms_page_set_service (self->alarms_page, service);
        }
      if (bd_service_get_relays (service) != NULL)
        bd_relays_page_set_controller (self->relays_page, bd_service_get_relays (service));
      if (bd_service_get_automations (service) != NULL)
        bd_relays_page_set_automations (self->relays_page, bd_service_get_automations (service));
      bd_topics_page_set_engine (self->topics_page, engine);
      bd_topics_page_set_service (self->topics_page, service);
      bd_overview_page_set_service (self->overview_page, service);
      bd_publish_popover_set_engine (self->publish_popover, engine);
      bd_publish_popover_set_relays (self->publish_popover, bd_service_get_relays (service));
    }
  else if (bd_application_get_engine_error (BD_APPLICATION (app)) != NULL)
    bd_broker_page_set_state (self->broker_page, BD_BROKER_FAILED,
                              bd_application_get_engine_error (BD_APPLICATION (app)));
}

static void
on_broker_port_changed_cb (BdWindow   *self,
                           const char *key,
                           GSettings  *settings)
{
  bd_window_update_broker_status (self);
}

/* Ctrl+F from anywhere in the window: the Topics page and its filter. */
static void
bd_window_find_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  BdWindow *self = BD_WINDOW (widget);

  adw_view_stack_set_visible_child_name (self->stack, "topics");
  bd_topics_page_focus_filter (self->topics_page);
}

/* Opens the publish panel on a topic (the topic tree's "Publish Here…"). */
static void
bd_window_publish_to_action (GtkWidget  *widget,
                             const char *action_name,
                             GVariant   *parameter)
{
  BdWindow *self = BD_WINDOW (widget);

  bd_publish_popover_set_topic (self->publish_popover, g_variant_get_string (parameter, NULL));
  gtk_menu_button_popup (self->publish_button);
}

/* The topic menu's "Chart It", "Add Alarm…" and "Add Relay…": the page that
 * owns the feature, with the topic. */
static void
bd_window_chart_topic_action (GtkWidget  *widget,
                              const char *action_name,
                              GVariant   *parameter)
{
  BdWindow *self = BD_WINDOW (widget);

  adw_view_stack_set_visible_child_name (self->stack, "charts");
  bd_charts_page_chart_topic (self->charts_page, g_variant_get_string (parameter, NULL));
}

static void
bd_window_add_alarm_action (GtkWidget  *widget,
                            const char *action_name,
                            GVariant   *parameter)
{
  BdWindow *self = BD_WINDOW (widget);

  adw_view_stack_set_visible_child_name (self->stack, "alarms");
  bd_alarms_page_add_rule_for_topic (self->alarms_page, g_variant_get_string (parameter, NULL));
}

static void
bd_window_add_relay_action (GtkWidget  *widget,
                            const char *action_name,
                            GVariant   *parameter)
{
  BdWindow *self = BD_WINDOW (widget);

  adw_view_stack_set_visible_child_name (self->stack, "relays");
  bd_relays_page_add_relay_for_topic (self->relays_page, g_variant_get_string (parameter, NULL));
}

/* A tile's "Show Topic": the topic tree, filtered to it. */
static void
bd_window_show_topic_action (GtkWidget  *widget,
                             const char *action_name,
                             GVariant   *parameter)
{
  BdWindow *self = BD_WINDOW (widget);

  adw_view_stack_set_visible_child_name (self->stack, "topics");
  bd_topics_page_show_topic (self->topics_page, g_variant_get_string (parameter, NULL));
}

/* --- exporting the history ------------------------------------------------ */

static void
export_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(BdWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  guint64 n_rows = 0;

  if (!bd_service_export_history_finish (BD_SERVICE (source), result, &n_rows, &error))
    /* Translators: a toast, with the reason */
    text = g_strdup_printf (_("The history cannot be exported: %s"), error->message);
  else
    {
      g_autofree char *number = g_strdup_printf ("%'" G_GUINT64_FORMAT, n_rows);

      /* Translators: a toast, with a number: "1,234 messages exported" */
      text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s message exported",
                                           "%s messages exported",
                                           (gulong) MIN (n_rows, G_MAXULONG)),
                              number);
    }
  bd_window_add_toast (self, adw_toast_new (text));
}

static void
export_response_cb (GtkNativeDialog *chooser,
                    int              response,
                    BdWindow        *self)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));
  BdService *service = BD_IS_APPLICATION (app) ? bd_application_get_service (BD_APPLICATION (app))
                                               : NULL;

  if (response == GTK_RESPONSE_ACCEPT && service != NULL)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_autofree char *name = g_file_get_basename (file);
      g_autofree char *folded = g_utf8_casefold (name, -1);
      /* What the name asks for; CSV otherwise, which spreadsheets open. */
      BdExportOptions options = {
        .format = g_str_has_suffix (folded, ".json") ? BD_EXPORT_FORMAT_JSON : BD_EXPORT_FORMAT_CSV,
        .filter = "#",
        .from_ms = G_MININT64,
        .to_ms = G_MAXINT64,
      };

      bd_service_export_history_async (service, file, &options, NULL, export_done_cb,
                                       g_object_ref (self));
    }
  gtk_native_dialog_destroy (chooser);
  g_object_unref (chooser);
}

/* Every recorded message as CSV or JSON, named as the Overview names its
 * series: what `brokerdesk --export` writes. */
static void
bd_window_export_history_action (GtkWidget  *widget,
                                 const char *action_name,
                                 GVariant   *parameter)
{
  BdWindow *self = BD_WINDOW (widget);
  GtkFileChooserNative *chooser;

  chooser = gtk_file_chooser_native_new (_("Export History"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_SAVE,
                                         _("_Export"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), "history.csv");
  g_signal_connect (chooser, "response", G_CALLBACK (export_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* F11: the window full screen with the Overview as a wall screen. */
static void
bd_window_wall_screen_action (GtkWidget  *widget,
                              const char *action_name,
                              GVariant   *parameter)
{
  GtkWindow *window = GTK_WINDOW (widget);

  if (gtk_window_is_fullscreen (window))
    gtk_window_unfullscreen (window);
  else
    gtk_window_fullscreen (window);
}

static void
on_fullscreened_cb (BdWindow *self)
{
  gboolean wall = gtk_window_is_fullscreen (GTK_WINDOW (self));

  /* No editing controls and no page switching on the wall: the header
   * bar goes; F11 (or Escape) brings it back. */
  gtk_widget_set_visible (GTK_WIDGET (self->header_bar), !wall);
  gtk_widget_set_visible (GTK_WIDGET (self->switcher_bar), !wall);
  if (wall)
    adw_view_stack_set_visible_child_name (self->stack, "overview");
  bd_overview_page_set_wall_mode (self->overview_page, wall);
}

static void
bd_window_leave_wall_screen_action (GtkWidget  *widget,
                                    const char *action_name,
                                    GVariant   *parameter)
{
  gtk_window_unfullscreen (GTK_WINDOW (widget));
}

/* On a first run the Charts page starts with a chart per area (its first
 * tile), rather than "No Charts Yet". */
static void
on_overview_loaded_cb (BdWindow       *self,
                       gboolean        is_new,
                       BdOverviewPage *page)
{
  g_auto(GStrv) charted = NULL;
  BdOverviewConfig *config = bd_overview_page_get_config (page);

  if (!is_new || config == NULL)
    return;
  charted = bd_charts_page_dup_series (self->charts_page);
  if (charted != NULL && charted[0] != NULL)
    return;
  for (guint i = 0; i < config->areas->len; i++)
    {
      BdOverviewAreaConfig *area = g_ptr_array_index (config->areas, i);

      if (area->tiles->len > 0)
        bd_charts_page_add_series (self->charts_page,
                                   ((BdOverviewTileConfig *) g_ptr_array_index (area->tiles, 0))->series);
    }
}

static void
bd_window_show_page_action (GtkWidget  *widget,
                            const char *action_name,
                            GVariant   *parameter)
{
  bd_window_set_visible_page (BD_WINDOW (widget), g_variant_get_string (parameter, NULL));
}

static void
bd_window_save_state (BdWindow *self)
{
  const char *page = adw_view_stack_get_visible_child_name (self->stack);
  gboolean maximized = gtk_window_is_maximized (GTK_WINDOW (self));

  /* One write to the backend for all keys. */
  g_settings_delay (self->settings);
  g_settings_set_boolean (self->settings, BD_SETTINGS_WINDOW_MAXIMIZED, maximized);
  /* A maximized window keeps the size it had before, so un-maximizing after
   * the next start goes back to it. */
  if (!maximized)
    {
      int width = 0;
      int height = 0;

      gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
      if (width > 0 && height > 0)
        {
          g_settings_set_int (self->settings, BD_SETTINGS_WINDOW_WIDTH, width);
          g_settings_set_int (self->settings, BD_SETTINGS_WINDOW_HEIGHT, height);
        }
    }
  if (is_page_name (page))
    g_settings_set_string (self->settings, BD_SETTINGS_LAST_PAGE, page);
  g_settings_apply (self->settings);
}

static void
bd_window_restore_state (BdWindow *self)
{
  g_autofree char *page = NULL;

  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, BD_SETTINGS_WINDOW_WIDTH),
                               g_settings_get_int (self->settings, BD_SETTINGS_WINDOW_HEIGHT));
  if (g_settings_get_boolean (self->settings, BD_SETTINGS_WINDOW_MAXIMIZED))
    gtk_window_maximize (GTK_WINDOW (self));

  page = g_settings_get_string (self->settings, BD_SETTINGS_LAST_PAGE);
  bd_window_set_visible_page (self, page);
}

static gboolean
bd_window_close_request (GtkWindow *window)
{
  BdWindow *self = BD_WINDOW (window);

  /* Saved here rather than on every resize: close-request also runs for
   * app.quit, which closes each window instead of quitting outright. */
  bd_window_save_state (self);

  return GTK_WINDOW_CLASS (bd_window_parent_class)->close_request (window);
}

static void
bd_window_dispose (GObject *object)
{
  BdWindow *self = BD_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), BD_TYPE_WINDOW);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (bd_window_parent_class)->dispose (object);
}

static void
bd_window_class_init (BdWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = bd_window_dispose;
  window_class->close_request = bd_window_close_request;

  g_type_ensure (BD_TYPE_OVERVIEW_PAGE);
  g_type_ensure (BD_TYPE_TOPICS_PAGE);
  g_type_ensure (BD_TYPE_PUBLISH_POPOVER);
  g_type_ensure (BD_TYPE_CHARTS_PAGE);
  g_type_ensure (BD_TYPE_ALARMS_PAGE);
  g_type_ensure (BD_TYPE_RELAYS_PAGE);
  g_type_ensure (BD_TYPE_BROKER_PAGE);
  g_type_ensure (BD_TYPE_CONNECTION_INDICATOR);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/brokerdesk/Brokerdesk/bd-window.ui");
  gtk_widget_class_bind_template_child (widget_class, BdWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, BdWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, BdWindow, header_bar);
  gtk_widget_class_bind_template_child (widget_class, BdWindow, switcher_bar);
  gtk_widget_class_bind_template_child (widget_class, BdWindow, overview_page);
  gtk_widget_class_bind_template_child (widget_class, BdWindow, topics_page);
  gtk_widget_class_bind_template_child (widget_class, BdWindow, charts_page);
  gtk_widget_class_bind_template_child (widget_class, BdWindow, alarms_page);
  gtk_widget_class_bind_template_child (widget_class, BdWindow, relays_page);
  gtk_widget_class_bind_template_child (widget_class, BdWindow, broker_page);
  gtk_widget_class_bind_template_child (widget_class, BdWindow, publish_popover);
  gtk_widget_class_bind_template_child (widget_class, BdWindow, publish_button);
  gtk_widget_class_bind_template_child (widget_class, BdWindow, connection_indicator);

  gtk_widget_class_install_action (widget_class, "win.show-page", "s",
                                   bd_window_show_page_action);
  gtk_widget_class_install_action (widget_class, "win.publish-to", "s",
                                   bd_window_publish_to_action);
  gtk_widget_class_install_action (widget_class, "win.find", NULL, bd_window_find_action);
  gtk_widget_class_install_action (widget_class, "win.chart-topic", "s",
                                   bd_window_chart_topic_action);
  gtk_widget_class_install_action (widget_class, "win.add-alarm", "s",
                                   bd_window_add_alarm_action);
  gtk_widget_class_install_action (widget_class, "win.add-relay", "s",
                                   bd_window_add_relay_action);
  gtk_widget_class_install_action (widget_class, "win.show-topic", "s",
                                   bd_window_show_topic_action);
  gtk_widget_class_install_action (widget_class, "win.export-history", NULL,
                                   bd_window_export_history_action);
  gtk_widget_class_install_action (widget_class, "win.wall-screen", NULL,
                                   bd_window_wall_screen_action);
  gtk_widget_class_install_action (widget_class, "win.leave-wall-screen", NULL,
                                   bd_window_leave_wall_screen_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK,
                                       "win.find", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F11, 0, "win.wall-screen", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0,
                                       "win.leave-wall-screen", NULL);

  /* Alt+digit as in GNOME's tabbed apps; listed in ui/help-overlay.ui. */
  for (guint i = 0; i < G_N_ELEMENTS (page_names); i++)
    gtk_widget_class_add_binding_action (widget_class, GDK_KEY_0 + i, GDK_ALT_MASK,
                                         "win.show-page", "s", page_names[i]);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_w, GDK_CONTROL_MASK,
                                       "window.close", NULL);
}

static void
bd_window_init (BdWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

#if DEVELOPMENT_BUILD
  gtk_widget_add_css_class (GTK_WIDGET (self), "devel");
#endif

  self->settings = g_settings_new (BD_SETTINGS_SCHEMA_ID);
  g_signal_connect_object (self->settings, "changed::" BD_SETTINGS_BROKER_PORT,
                           G_CALLBACK (on_broker_port_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect (self, "notify::fullscreened", G_CALLBACK (on_fullscreened_cb), NULL);
  g_signal_connect_object (self->overview_page, "loaded", G_CALLBACK (on_overview_loaded_cb), self,
                           G_CONNECT_SWAPPED);
  bd_window_restore_state (self);
  bd_frame_stats_attach (GTK_WIDGET (self));
}

/* The topic tree and the publish panel follow the connection the user chose
 * (the Connections dialog): the embedded broker, or a remote one. */
static void
on_active_connection_changed_cb (BdWindow       *self,
                                 BdRemoteClient *client)
{
  bd_topics_page_set_remote (self->topics_page, client);
  bd_publish_popover_set_remote (self->publish_popover, client);
}

BdWindow *
bd_window_new (BdApplication *application)
{
  BdWindow *self;

  g_return_val_if_fail (BD_IS_APPLICATION (application), NULL);

  self = g_object_new (BD_TYPE_WINDOW,
                       "application", application,
                       NULL);
  /* Needs the application, which GtkWindow sets only after construction. */
  bd_window_update_broker_status (self);
  bd_connection_indicator_set_manager (self->connection_indicator,
                                       bd_application_get_connection_manager (application));
  /* A "connect on start" profile may be active before the window exists. */
  on_active_connection_changed_cb (self, bd_connection_manager_get_remote_client (
                                     bd_application_get_connection_manager (application)));
  g_signal_connect_object (application, "active-connection-changed",
                           G_CALLBACK (on_active_connection_changed_cb), self,
                           G_CONNECT_SWAPPED);
  return self;
}

void
bd_window_add_toast (BdWindow *self,
                     AdwToast *toast)
{
  g_return_if_fail (BD_IS_WINDOW (self));
  g_return_if_fail (ADW_IS_TOAST (toast));

  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

const char *
bd_window_get_visible_page (BdWindow *self)
{
  g_return_val_if_fail (BD_IS_WINDOW (self), NULL);

  return adw_view_stack_get_visible_child_name (self->stack);
}

void
bd_window_set_visible_page (BdWindow   *self,
                            const char *name)
{
  g_return_if_fail (BD_IS_WINDOW (self));

  if (!is_page_name (name))
    {
      g_warning ("No page named “%s”", name);
      return;
    }
  adw_view_stack_set_visible_child_name (self->stack, name);
}

void
bd_window_set_broker_address (BdWindow   *self,
                              const char *host,
                              guint       port)
{
  g_return_if_fail (BD_IS_WINDOW (self));
  g_return_if_fail (host != NULL);

  bd_topics_page_set_address (self->topics_page, host, port);
  bd_broker_page_set_address (self->broker_page, host, port);
}
