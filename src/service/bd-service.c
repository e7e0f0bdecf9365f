/* bd-service.c — the broker as Brokerdesk runs it: engine, history, alarms, relays
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "bd-broker-setup.h"
#include "bd-demo-plant.h"
#include "bd-log.h"
#include "bd-service.h"
#include "bd-operations-alarms.h"
#include "bd-operations-journal.h"
#include "bd-export.h"
#include "bd-history.h"
#include "bd-overview-config.h"

struct _BdService
{
  GObject     parent_instance;

  BdEngine   *engine;
  GPtrArray  *bridges;     /* BdBridge*, one per 'connection' of the configuration */
  BdRecorder *recorder;
  BdHistory  *history;     /* NULL when recording is off */
  guint       taps[2];
  guint       watch_id;
  BdDemoPlant *demo;
  BdRelayController *relays;
  BdAlarmEngine *alarms;
  BdAutomationEngine *automations;
  BdJournal    *journal;
  BdOverviewConfig *overview;  /* NULL until loaded */
  char         *data_dir;
  GCancellable *cancellable;   /* loads started by the service */
  gboolean     first_run;      /* no relays.ini yet: the demo's relays may go there */
  gboolean     demo_first_run; /* ... and the demo runs: its defaults are saved */
};

enum {
  PROP_0,
  PROP_ENGINE,
  PROP_HISTORY,
  PROP_RECORDER,
  PROP_ALARMS,
  PROP_RELAYS,
  PROP_JOURNAL,
  PROP_AUTOMATIONS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_OVERVIEW_CHANGED,
  SIGNAL_BRIDGES_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (BdService, bd_service, G_TYPE_OBJECT)

static gboolean
records_dollar_topics (const BdHistoryConfig *history)
{
  for (guint i = 0; i < history->record->len; i++)
    if (((const char *) g_ptr_array_index (history->record, i))[0] == '$')
      return TRUE;
  return FALSE;
}

/* Opens the history (once) and taps @engine for it. Runs before the engine
 * starts: a tap added once it listens misses what clients publish in between,
 * and opening the database takes a while on a busy machine (up to 70 ms was
 * seen: 7,000 messages at 100,000 msg/s, neither recorded nor dropped). */
static void
service_tap_engine (BdService       *service,
                    BdEngine        *engine,
                    const BdOptions *options)
{
  const BdHistoryConfig *history = &bd_engine_get_config (engine)->history;

  if (service->recorder == NULL)
    {
      g_autoptr(GError) recorder_error = NULL;
      g_autofree char *data_dir = bd_options_dup_data_dir (options);

      service->recorder = bd_recorder_new (data_dir, history);
      if (!bd_recorder_start (service->recorder, &recorder_error))
        g_warning ("History recording is paused: %s", recorder_error->message);
      /* Opens nothing until the first query. */
      if (history->enabled)
        service->history = bd_history_new (data_dir);
    }

  /* "#" never matches $SYS [MQTT-4.7.2-1]; a configuration that records
   * $SYS figures gets a second tap for them. The recorder applies the
   * record/exclude filters itself. */
  service->taps[0] = bd_engine_add_tap (engine, "#", bd_recorder_tap,
                                        bd_recorder_ref (service->recorder),
                                        (GDestroyNotify) bd_recorder_unref);
  if (records_dollar_topics (history))
    service->taps[1] = bd_engine_add_tap (engine, "$SYS/#", bd_recorder_tap,
                                          bd_recorder_ref (service->recorder),
                                          (GDestroyNotify) bd_recorder_unref);
}

static BdEngine *
start_engine (BdService       *service,
              const BdOptions *options,
              gboolean         may_move,
              GError         **error)
{
  BdOptions attempt = *options;

  /* 127.0.0.1:1883, or the next free port (the window shows which). */
  for (guint i = 0; i < 20; i++)
    {
      g_autoptr(GError) local_error = NULL;
      g_autoptr(BdEngine) engine = bd_broker_setup (&attempt, &local_error);

      /* The log options apply before the first listener says where it
       * listens. */
      if (engine != NULL && !bd_log_configure (bd_engine_get_config (engine), error))
        return NULL;
      if (engine != NULL)
        {
          /* Taps go in before the listeners open; a refused attempt frees
           * them with its engine. */
          service_tap_engine (service, engine, options);
          if (bd_engine_start (engine, &local_error))
            {
              /* For 'log_dest topic'. */
              bd_log_set_engine (engine);
              return g_steal_pointer (&engine);
            }
        }
      if (!may_move || attempt.port < 0 || attempt.port >= 65535 ||
          !g_error_matches (local_error, BD_ENGINE_ERROR, BD_ENGINE_ERROR_ADDRESS_IN_USE))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      g_info ("Port %d is in use, trying %d", attempt.port, attempt.port + 1);
      attempt.port++;
    }
  g_set_error (error, BD_ENGINE_ERROR, BD_ENGINE_ERROR_ADDRESS_IN_USE,
               _("No free port from %d to %d"), options->port, attempt.port - 1);
  return NULL;
}

static void
bd_service_dispose (GObject *object)
{
  BdService *self = BD_SERVICE (object);

  bd_service_stop (self);
  g_clear_pointer (&self->engine, bd_engine_unref);
  g_clear_pointer (&self->recorder, bd_recorder_unref);
  g_clear_pointer (&self->history, bd_history_unref);
  g_clear_object (&self->relays);
  g_clear_object (&self->automations);
  g_clear_object (&self->alarms);
  /* Commits what is queued and joins its writer thread. */
  g_clear_pointer (&self->journal, bd_journal_unref);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (bd_service_parent_class)->dispose (object);
}

static void
bd_service_finalize (GObject *object)
{
  BdService *self = BD_SERVICE (object);

  g_free (self->data_dir);
  g_ptr_array_unref (self->bridges);
  bd_overview_config_free (self->overview);

  G_OBJECT_CLASS (bd_service_parent_class)->finalize (object);
}

static void
bd_service_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  BdService *self = BD_SERVICE (object);

  switch (prop_id)
    {
    case PROP_ENGINE:
      g_value_set_boxed (value, self->engine);
      break;
    case PROP_HISTORY:
      g_value_set_boxed (value, self->history);
      break;
    case PROP_RECORDER:
      g_value_set_boxed (value, self->recorder);
      break;
    case PROP_ALARMS:
      g_value_set_object (value, self->alarms);
      break;
    case PROP_RELAYS:
      g_value_set_object (value, self->relays);
      break;
    case PROP_JOURNAL:
      g_value_set_boxed (value, self->journal);
      break;
    case PROP_AUTOMATIONS:
      g_value_set_object (value, self->automations);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* A part is read-only: the service makes it and notifies when it does. */
static GParamSpec *
part_param_spec (const char *name,
                 GType       type)
{
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  if (G_TYPE_IS_BOXED (type))
    return g_param_spec_boxed (name, NULL, NULL, type, flags);
  return g_param_spec_object (name, NULL, NULL, type, flags);
}

static void
bd_service_class_init (BdServiceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = bd_service_dispose;
  object_class->finalize = bd_service_finalize;
  object_class->get_property = bd_service_get_property;

  /* The engine, history and recorder exist from bd_service_start () on
   * (history stays NULL when recording is off); the alarm engine, the relay
   * controller and the journal from bd_service_start_operations () on. */
  properties[PROP_ENGINE] = part_param_spec ("engine", BD_TYPE_ENGINE);
  properties[PROP_HISTORY] = part_param_spec ("history", BD_TYPE_HISTORY);
  properties[PROP_RECORDER] = part_param_spec ("recorder", BD_TYPE_RECORDER);
  properties[PROP_ALARMS] = part_param_spec ("alarms", BD_TYPE_ALARM_ENGINE);
  properties[PROP_RELAYS] = part_param_spec ("relays", BD_TYPE_RELAY_CONTROLLER);
  properties[PROP_JOURNAL] = part_param_spec ("journal", BD_TYPE_JOURNAL);
  properties[PROP_AUTOMATIONS] = part_param_spec ("automations", BD_TYPE_AUTOMATION_ENGINE);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * BdService::overview-changed:
   *
   * Emitted when the overview (labels, units, tiles) was loaded, replaced
   * or edited.
   */
  signals[SIGNAL_OVERVIEW_CHANGED] =
    g_signal_new ("overview-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);

  /**
   * BdService::bridges-changed:
   *
   * Emitted when a bridge was added, replaced or removed
   * (bd_service_set_bridge (), bd_service_remove_bridge ()).
   */
  signals[SIGNAL_BRIDGES_CHANGED] =
    g_signal_new ("bridges-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
bd_service_init (BdService *self)
{
  self->bridges = g_ptr_array_new_with_free_func (g_object_unref);
}

BdService *
bd_service_start (const BdOptions *options,
                  gboolean         may_move,
                  GError         **error)
{
  g_autoptr(BdService) service = g_object_new (BD_TYPE_SERVICE, NULL);

  g_autofree char *relays_path = bd_relays_dup_default_path ();

  service->engine = start_engine (service, options, may_move, error);
  if (service->engine == NULL)
    return NULL;
  service->data_dir = bd_options_dup_data_dir (options);
  /* Bridges run on their own threads: the window and --headless alike. */
  {
    const BdBrokerConfig *config = bd_engine_get_config (service->engine);

    for (guint i = 0; i < config->bridges->len; i++)
      {
        BdBridge *bridge = bd_bridge_new (service->engine, g_ptr_array_index (config->bridges, i));

        g_ptr_array_add (service->bridges, bridge);
        bd_bridge_start (bridge);
      }
  }
  /* Asked here, on the thread that may touch the disk, not in the GUI. */
  service->first_run = !g_file_test (relays_path, G_FILE_TEST_EXISTS);
  return g_steal_pointer (&service);
}

BdHistory *
bd_service_get_history (BdService *service)
{
  g_return_val_if_fail (BD_IS_SERVICE (service), NULL);

  return service->history;
}

GPtrArray *
bd_service_get_bridges (BdService *service)
{
  g_return_val_if_fail (BD_IS_SERVICE (service), NULL);

  return service->bridges;
}

static gint
find_bridge (BdService  *service,
             const char *name)
{
  for (guint i = 0; i < service->bridges->len; i++)
    if (g_str_equal (bd_bridge_get_name (g_ptr_array_index (service->bridges, i)), name))
      return (gint) i;
  return -1;
}

/* Stopping joins the bridge's thread, which only closes its connections
 * (no disk, no waiting for the network): short enough for the caller's
 * thread. */
gboolean
bd_service_remove_bridge (BdService  *service,
                          const char *name)
{
  gint index;

  g_return_val_if_fail (BD_IS_SERVICE (service), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  index = find_bridge (service, name);
  if (index < 0)
    return FALSE;
  bd_bridge_stop (g_ptr_array_index (service->bridges, index));
  g_ptr_array_remove_index (service->bridges, (guint) index);
  g_signal_emit (service, signals[SIGNAL_BRIDGES_CHANGED], 0);
  return TRUE;
}

void
bd_service_set_bridge (BdService            *service,
                       const BdBridgeConfig *config)
{
  BdBridge *bridge;
  gint index;

  g_return_if_fail (BD_IS_SERVICE (service));
  g_return_if_fail (config != NULL && config->addresses->len > 0);
  g_return_if_fail (service->engine != NULL);

  bridge = bd_bridge_new (service->engine, config);
  index = find_bridge (service, config->name);
  if (index >= 0)
    {
      /* The old one lets go of its local session first: the new one takes
       * it over, with what waits for the upstream. */
      BdBridge *old = g_ptr_array_index (service->bridges, index);

      bd_bridge_stop (old);
      g_ptr_array_index (service->bridges, index) = bridge;
      g_object_unref (old);
    }
  else
    g_ptr_array_add (service->bridges, bridge);
  bd_bridge_start (bridge);
  g_signal_emit (service, signals[SIGNAL_BRIDGES_CHANGED], 0);
}

BdEngine *
bd_service_get_engine (BdService *service)
{
  g_return_val_if_fail (BD_IS_SERVICE (service), NULL);

  return service->engine;
}

BdRecorder *
bd_service_get_recorder (BdService *service)
{
  g_return_val_if_fail (BD_IS_SERVICE (service), NULL);

  return service->recorder;
}

static void
publish_text (BdEngine   *engine,
              const char *topic,
              const char *text)
{
  g_autoptr(GBytes) payload = g_bytes_new (text, strlen (text));
  g_autoptr(BdMessage) message = bd_message_new (topic, payload, 0, TRUE, NULL);

  message->from_sys = TRUE;
  bd_engine_publish (engine, message);
}

static void
publish_u64 (BdEngine   *engine,
             const char *topic,
             guint64     value)
{
  char text[32];

  g_snprintf (text, sizeof text, "%" G_GUINT64_FORMAT, value);
  publish_text (engine, topic, text);
}

static gboolean
publish_history_status_cb (gpointer user_data)
{
  BdService *service = user_data;
  BdRecorderStats stats;
  g_autofree char *message = bd_recorder_dup_status_message (service->recorder);

  /* Like the broker's own $SYS figures: retained, so a console that
   * subscribes later sees why recording is paused. */
  bd_recorder_get_stats (service->recorder, &stats);
  publish_text (service->engine, "$SYS/broker/history/status",
                bd_recorder_status_to_string (stats.status));
  publish_text (service->engine, "$SYS/broker/history/status_message", message ? message : "");
  publish_u64 (service->engine, "$SYS/broker/history/recorded", stats.recorded);
  publish_u64 (service->engine, "$SYS/broker/history/dropped", stats.dropped);
  publish_u64 (service->engine, "$SYS/broker/history/queue_depth", stats.queue_depth);
  publish_u64 (service->engine, "$SYS/broker/history/database_bytes", stats.database_bytes);
  return G_SOURCE_CONTINUE;
}

void
bd_service_watch (BdService *service)
{
  guint interval = bd_engine_get_config (service->engine)->sys_interval;

  g_return_if_fail (service->watch_id == 0);

  if (interval == 0)
    return;
  publish_history_status_cb (service);
  service->watch_id = g_timeout_add_seconds (interval, publish_history_status_cb, service);
}

void
bd_service_set_demo (BdService *service,
                     gboolean   running)
{
  if (running && service->demo == NULL)
    {
      g_message ("Starting the demo plant (busan/factory/#)");
      service->demo = bd_demo_plant_new (service->engine, (guint32) g_get_real_time ());
      bd_demo_plant_start (service->demo);
    }
  else if (!running && service->demo != NULL)
    {
      g_message ("Stopping the demo plant");
      g_clear_pointer (&service->demo, bd_demo_plant_free);
    }
}

typedef struct
{
  BdService *service;
  gboolean   demo;
} LoadData;

static void
relays_loaded_cb (GObject      *source_object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autofree LoadData *load = user_data;
  BdRelayController *relays = BD_RELAY_CONTROLLER (source_object);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) warnings = NULL;

  if (!bd_relay_controller_load_finish (relays, result, &warnings, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("Relays are not loaded: %s", error->message);
      return;   /* cancelled: the service is gone */
    }
  /* A broken relay is skipped, named with its file, group and key. */
  for (guint i = 0; warnings != NULL && warnings[i] != NULL; i++)
    g_warning ("%s", warnings[i]);
  if (load->demo && load->service->first_run)
    {
      g_autoptr(GPtrArray) demo = bd_relays_new_demo ();

      /* On a first run the demo plant's relays are alive at once.
       * Saved, so deleting them later is not undone by the next start. */
      g_autoptr(GPtrArray) valves = bd_setpoints_new_demo ();

      bd_relay_controller_set_relays (relays, demo);
      bd_relay_controller_set_setpoints (relays, valves);
      bd_relay_controller_save_async (relays, NULL, load->service->cancellable, NULL, NULL);
    }
}

/* Whether the demo's content goes in place of a settings file that is not
 * there (a first run with the demo). A load that failed otherwise is
 * warned about as @what's; a cancelled one means the service is gone. */
static gboolean
wants_demo (LoadData     *load,
            gboolean      loaded,
            const GError *error,
            const char   *what)
{
  if (loaded || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return FALSE;
  if (g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    return load->demo;
  g_warning ("%s are not loaded: %s", what, error->message);
  return FALSE;
}

static void
alarm_rules_loaded_cb (GObject      *source_object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autofree LoadData *load = user_data;
  BdAlarmEngine *alarms = BD_ALARM_ENGINE (source_object);
  g_autoptr(GError) error = NULL;
  gboolean loaded;

  /* Broken rules are skipped and logged by the engine, each named with its
   * file, group and key; the others load. */
  loaded = bd_alarm_engine_load_rules_finish (alarms, result, NULL, &error);
  if (wants_demo (load, loaded, error, "Alarm rules"))
    {
      /* The demo plant's rules (saved to the rules file), so the plant's
       * excursions raise alarms a newcomer can acknowledge. */
      g_autoptr(GPtrArray) demo = bd_alarm_rules_new_demo ();

      bd_alarm_engine_set_rules (alarms, demo);
    }
}

static void
automations_loaded_cb (GObject      *source_object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autofree LoadData *load = user_data;
  BdAutomationEngine *automations = BD_AUTOMATION_ENGINE (source_object);
  g_autoptr(GError) error = NULL;
  gboolean loaded;

  /* Broken entries are skipped and logged, each named with its group. */
  loaded = bd_automation_engine_load_finish (automations, result, NULL, &error);
  if (wants_demo (load, loaded, error, "Automations"))
    {
      /* The demo plant's automation and interlocks, saved. */
      g_autoptr(GPtrArray) demo = NULL;
      g_autoptr(GPtrArray) interlocks = NULL;

      bd_automations_new_demo (&demo, &interlocks);
      bd_automation_engine_set_automations (automations, demo);
      bd_automation_engine_set_interlocks (automations, interlocks);
    }
}

static LoadData *
load_data_new (BdService *service,
               gboolean   demo)
{
  LoadData *load = g_new0 (LoadData, 1);

  load->service = service;
  load->demo = demo;
  return load;
}

void
bd_service_start_operations (BdService *service,
                             gboolean   demo,
                             gboolean   log_alarms)
{
  g_autofree char *relays_path = bd_relays_dup_default_path ();
  g_autofree char *rules_path = g_build_filename (g_get_user_config_dir (), "brokerdesk",
                                                  "alarms.ini", NULL);
  g_autofree char *journal_path = g_build_filename (service->data_dir, "journal.db", NULL);
  g_autofree char *automations_path = bd_automations_dup_default_path ();

  g_return_if_fail (service->relays == NULL);

  service->demo_first_run = demo && service->first_run;
  service->cancellable = g_cancellable_new ();
  /* Opened by its own writer thread; an unusable file is a warning, and
   * alarms and relays work on without it. */
  service->journal = bd_journal_new (journal_path);

  service->alarms = bd_alarm_engine_new ();
  bd_operations_journal_follow_alarms (service->journal, service->alarms);
  if (log_alarms)
    g_signal_connect (service->alarms, "transition", G_CALLBACK (bd_alarm_log_transition), NULL);
  bd_alarm_engine_attach (service->alarms, service->engine);
  bd_alarm_engine_set_rules_path (service->alarms, rules_path);
  bd_alarm_engine_load_rules_async (service->alarms, rules_path, service->cancellable,
                                    alarm_rules_loaded_cb, load_data_new (service, demo));
  service->relays = bd_relay_controller_new ();
  bd_operations_journal_follow_relays (service->journal, service->relays);
  bd_operations_alarms_follow_relays (service->alarms, service->relays);
  bd_relay_controller_attach (service->relays, service->engine);

  bd_relay_controller_load_async (service->relays, relays_path, service->cancellable,
                                  relays_loaded_cb, load_data_new (service, demo));
  /* Later edits save themselves there. */
  bd_relay_controller_set_path (service->relays, relays_path);

  /* Owned here, beside the alarm engine and the relay controller, whose
   * transitions it follows and whose commands its interlocks judge; it
   * evaluates them on its own "automations" thread, so the window never
   * does. */
  service->automations = bd_automation_engine_new (service->alarms, service->relays);
  bd_automation_engine_set_journal (service->automations, service->journal);
  bd_automation_engine_attach (service->automations, service->engine);
  bd_automation_engine_set_path (service->automations, automations_path);
  bd_automation_engine_load_async (service->automations, automations_path, service->cancellable,
                                   automations_loaded_cb, load_data_new (service, demo));

  g_object_notify_by_pspec (G_OBJECT (service), properties[PROP_JOURNAL]);
  g_object_notify_by_pspec (G_OBJECT (service), properties[PROP_ALARMS]);
  g_object_notify_by_pspec (G_OBJECT (service), properties[PROP_RELAYS]);
  g_object_notify_by_pspec (G_OBJECT (service), properties[PROP_AUTOMATIONS]);
}

BdAutomationEngine *
bd_service_get_automations (BdService *service)
{
  g_return_val_if_fail (BD_IS_SERVICE (service), NULL);

  return service->automations;
}

static void
load_overview_thread (GTask        *task,
                      gpointer      source_object,
                      gpointer      task_data,
                      GCancellable *cancellable)
{
  gboolean demo_first_run = GPOINTER_TO_INT (task_data);
  g_autofree char *path = bd_overview_config_dup_default_path ();
  g_autoptr(GError) error = NULL;
  BdOverviewConfig *config = bd_overview_config_load_file (path, &error);

  if (config != NULL)
    {
      g_task_return_pointer (task, config, (GDestroyNotify) bd_overview_config_free);
      return;
    }
  if (!g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (demo_first_run)
    {
      g_autoptr(GError) save_error = NULL;

      /* Like the demo's rules and relays: on a first run the plant's
       * overview is there at once, and saved, so what the operator hides
       * or renames later is not undone by the next start. */
      config = bd_overview_config_new_demo ();
      if (!bd_overview_config_save_file (config, path, &save_error))
        g_warning ("The overview is not saved: %s", save_error->message);
    }
  else
    {
      config = bd_overview_config_new ();
      config->is_new = TRUE;
    }
  g_task_return_pointer (task, config, (GDestroyNotify) bd_overview_config_free);
}

void
bd_service_load_overview_async (BdService           *service,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (service, cancellable, callback, user_data);

  g_return_if_fail (BD_IS_SERVICE (service));

  g_task_set_source_tag (task, bd_service_load_overview_async);
  g_task_set_task_data (task, GINT_TO_POINTER (service->demo_first_run), NULL);
  g_task_run_in_thread (task, load_overview_thread);
}

BdOverviewConfig *
bd_service_load_overview_finish (BdService     *service,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  BdOverviewConfig *config;

  g_return_val_if_fail (g_task_is_valid (result, service), NULL);

  config = g_task_propagate_pointer (G_TASK (result), error);
  if (config == NULL)
    return NULL;
  bd_service_set_overview (service, config);
  return config;
}

BdOverviewConfig *
bd_service_get_overview (BdService *service)
{
  g_return_val_if_fail (BD_IS_SERVICE (service), NULL);

  return service->overview;
}

void
bd_service_set_overview (BdService        *service,
                         BdOverviewConfig *config)
{
  g_return_if_fail (BD_IS_SERVICE (service));

  if (config != service->overview)
    {
      bd_overview_config_free (service->overview);
      service->overview = config;
    }
  bd_service_overview_changed (service);
}

void
bd_service_overview_changed (BdService *service)
{
  g_return_if_fail (BD_IS_SERVICE (service));

  g_signal_emit (service, signals[SIGNAL_OVERVIEW_CHANGED], 0);
}

static void
overview_saved_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (bd_overview_config_save_finish (result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
bd_service_save_overview_async (BdService           *service,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (service, cancellable, callback, user_data);
  g_autofree char *path = bd_overview_config_dup_default_path ();

  g_return_if_fail (BD_IS_SERVICE (service));
  g_return_if_fail (service->overview != NULL);

  g_task_set_source_tag (task, bd_service_save_overview_async);
  service->overview->is_new = FALSE;
  bd_service_overview_changed (service);
  bd_overview_config_save_async (service->overview, path, cancellable, overview_saved_cb,
                                 g_steal_pointer (&task));
}

gboolean
bd_service_save_overview_finish (BdService     *service,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, service), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

typedef struct
{
  GFile           *file;
  char            *data_dir;
  BdExportOptions *options;
  guint64          n_rows;
} HistoryExport;

static void
history_export_free (gpointer data)
{
  HistoryExport *export = data;

  g_object_unref (export->file);
  g_free (export->data_dir);
  bd_export_options_free (export->options);
  g_free (export);
}

static void
history_export_thread (GTask        *task,
                       gpointer      source_object,
                       gpointer      task_data,
                       GCancellable *cancellable)
{
  HistoryExport *export = task_data;
  g_autoptr(GFileOutputStream) stream = NULL;
  GError *error = NULL;

  /* Written beside the file and renamed over it when closed: an export
   * that fails leaves what was there. */
  stream = g_file_replace (export->file, NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION,
                           cancellable, &error);
  if (stream == NULL ||
      !bd_export_write (export->data_dir, export->options, G_OUTPUT_STREAM (stream),
                        &export->n_rows, cancellable, &error))
    {
      if (stream != NULL)
        {
          g_autoptr(GCancellable) abandon = g_cancellable_new ();

          /* A cancelled close discards the temporary file. */
          g_cancellable_cancel (abandon);
          g_output_stream_close (G_OUTPUT_STREAM (stream), abandon, NULL);
        }
      g_task_return_error (task, error);
      return;
    }
  if (!g_output_stream_close (G_OUTPUT_STREAM (stream), cancellable, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
bd_service_export_history_async (BdService              *service,
                                 GFile                  *file,
                                 const BdExportOptions  *options,
                                 GCancellable           *cancellable,
                                 GAsyncReadyCallback     callback,
                                 gpointer                user_data)
{
  g_autoptr(GTask) task = NULL;
  HistoryExport *export;

  g_return_if_fail (BD_IS_SERVICE (service));
  g_return_if_fail (G_IS_FILE (file));
  g_return_if_fail (options != NULL);

  task = g_task_new (service, cancellable, callback, user_data);
  g_task_set_source_tag (task, bd_service_export_history_async);
  if (service->history == NULL)
    {
      g_task_return_new_error (task, BD_STORAGE_ERROR, BD_STORAGE_ERROR_NOT_FOUND,
                               _("History recording is off"));
      return;
    }
  export = g_new0 (HistoryExport, 1);
  export->file = g_object_ref (file);
  export->data_dir = g_strdup (service->data_dir);
  export->options = bd_export_options_copy (options);
  /* Made here, on the thread that owns the overview; the worker only
   * reads it. */
  g_clear_pointer (&export->options->series, g_hash_table_unref);
  export->options->series = bd_overview_config_dup_export_series (service->overview);
  g_task_set_task_data (task, export, history_export_free);
  g_task_run_in_thread (task, history_export_thread);
}

gboolean
bd_service_export_history_finish (BdService     *service,
                                  GAsyncResult  *result,
                                  guint64       *n_rows,
                                  GError       **error)
{
  HistoryExport *export;

  g_return_val_if_fail (g_task_is_valid (result, service), FALSE);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;
  export = g_task_get_task_data (G_TASK (result));
  if (n_rows != NULL)
    *n_rows = export->n_rows;
  return TRUE;
}

char *
bd_service_dup_alarm_series (BdService *service,
                             BdAlarm   *alarm)
{
  g_autoptr(BdAlarmRule) rule = NULL;

  g_return_val_if_fail (BD_IS_SERVICE (service), NULL);
  g_return_val_if_fail (BD_IS_ALARM (alarm), NULL);

  if (service->alarms != NULL)
    rule = bd_alarm_engine_dup_rule (service->alarms, bd_alarm_get_rule_id (alarm));
  if (rule != NULL && rule->field != NULL && rule->field[0] != '\0')
    return g_strdup_printf ("%s#%s", bd_alarm_get_topic (alarm), rule->field);
  return g_strdup (bd_alarm_get_topic (alarm));
}

char *
bd_service_format_alarm_value (BdService *service,
                               BdAlarm   *alarm)
{
  g_autofree char *series = bd_service_dup_alarm_series (service, alarm);
  double value = bd_alarm_get_value (alarm);
  char *text;

  if (isnan (value))
    return g_strdup ("—");
  text = bd_overview_config_format_series_value (service->overview, series, value);
  return text != NULL ? text : g_strdup_printf ("%.6g", value);
}

char *
bd_service_dup_alarm_place (BdService *service,
                            BdAlarm   *alarm)
{
  g_autofree char *series = bd_service_dup_alarm_series (service, alarm);
  g_autofree char *label = bd_overview_config_dup_series_label (service->overview, series);

  if (label == NULL)
    return g_strdup (bd_alarm_get_topic (alarm));
  return g_strdup_printf ("%s (%s)", label, bd_alarm_get_topic (alarm));
}

char *
bd_service_describe_alarm (BdService *service,
                           BdAlarm   *alarm)
{
  g_autofree char *series = NULL;
  g_autofree char *place = NULL;
  g_autoptr(GString) text = NULL;
  const char *name;

  g_return_val_if_fail (BD_IS_SERVICE (service), NULL);
  g_return_val_if_fail (BD_IS_ALARM (alarm), NULL);

  series = bd_service_dup_alarm_series (service, alarm);
  if (service->overview == NULL || bd_overview_config_find_tile (service->overview, series, NULL) == NULL)
    return bd_alarm_describe (alarm);

  /* As bd_alarm_describe (), with the overview's names and unit. */
  name = bd_alarm_get_rule_name (alarm);
  text = g_string_new (name != NULL && name[0] != '\0' ? name : bd_alarm_get_rule_id (alarm));
  if (bd_alarm_get_level (alarm) != BD_ALARM_LEVEL_NONE)
    g_string_append_printf (text, " %s", bd_alarm_level_to_label (bd_alarm_get_level (alarm)));
  place = bd_service_dup_alarm_place (service, alarm);
  g_string_append_printf (text, " — %s", place);
  if (!isnan (bd_alarm_get_value (alarm)))
    {
      g_autofree char *value = bd_service_format_alarm_value (service, alarm);

      g_string_append_printf (text, ": %s", value);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

BdRelayController *
bd_service_get_relays (BdService *service)
{
  g_return_val_if_fail (BD_IS_SERVICE (service), NULL);

  return service->relays;
}

BdAlarmEngine *
bd_service_get_alarms (BdService *service)
{
  g_return_val_if_fail (BD_IS_SERVICE (service), NULL);

  return service->alarms;
}

BdJournal *
bd_service_get_journal (BdService *service)
{
  g_return_val_if_fail (BD_IS_SERVICE (service), NULL);

  return service->journal;
}

void
bd_service_stop (BdService *service)
{
  g_return_if_fail (BD_IS_SERVICE (service));

  if (service->cancellable != NULL)
    g_cancellable_cancel (service->cancellable);
  if (service->relays != NULL)
    {
      /* Its taps go before the engine stops; the page may keep the object. */
      bd_relay_controller_detach (service->relays);
      g_signal_handlers_disconnect_by_data (service->relays, service);
    }
  if (service->automations != NULL)
    bd_automation_engine_detach (service->automations);
  if (service->alarms != NULL)
    bd_alarm_engine_detach (service->alarms);
  g_clear_pointer (&service->demo, bd_demo_plant_free);
  g_clear_handle_id (&service->watch_id, g_source_remove);
  /* Before the engine: a bridge's local session is left as the engine
   * stores it, with what waits for the upstream. */
  for (guint i = 0; i < service->bridges->len; i++)
    bd_bridge_stop (g_ptr_array_index (service->bridges, i));
  if (service->engine != NULL)
    {
      for (guint i = 0; i < G_N_ELEMENTS (service->taps); i++)
        if (service->taps[i] != 0)
          bd_engine_remove_tap (service->engine, service->taps[i]);
      memset (service->taps, 0, sizeof service->taps);
      bd_log_set_engine (NULL);
      /* Joins the engine thread: no tap runs after this. */
      bd_engine_stop (service->engine);
    }
  if (service->recorder != NULL)
    {
      /* Everything queued is written before the process ends. */
      bd_recorder_close (service->recorder);
    }
}
