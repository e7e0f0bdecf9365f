/* bd-service.h — the broker as Brokerdesk runs it: engine, history, alarms, relays
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Shared by --headless and the GUI, so both start, record and stop the same
 * way. Its parts are read-only properties ("engine", "history", "recorder",
 * "alarms", "relays", "automations", "journal"): the GUI's pages read or
 * bind them, and "alarms", "relays", "automations" and "journal" are notified when
 * bd_service_start_operations () creates them.
 */

#pragma once

#include "bd-bridge.h"
#include "bd-engine.h"
#include "bd-export.h"
#include "bd-options.h"
#include "bd-alarm-engine.h"
#include "bd-automation-engine.h"
#include "bd-journal.h"
#include "bd-relay-controller.h"
#include "bd-history.h"
#include "bd-overview-config.h"
#include "bd-recorder.h"

G_BEGIN_DECLS

#define BD_TYPE_SERVICE (bd_service_get_type ())
G_DECLARE_FINAL_TYPE (BdService, bd_service, BD, SERVICE, GObject)

/* Reads the configuration, starts the engine and the history recorder.
 * Disk work: call it off the GTK thread; the object then moves to the
 * thread that runs it. A recorder that cannot open its
 * database is not fatal: recording pauses, the reason is logged and shown
 * in $SYS/broker/history/status_message, and the broker runs on.
 * @may_move: if the port is busy, take the next free one (up to 20). */
BdService  *bd_service_start          (const BdOptions *options,
                                       gboolean         may_move,
                                       GError         **error);
BdEngine   *bd_service_get_engine     (BdService       *service);
/* The bridges of the configuration ('connection' blocks), as BdBridge*, in
 * file order; empty when none. They run from bd_service_start () until
 * bd_service_stop (); the array and the bridges are the service's. Read a
 * bridge's state with bd_bridge_dup_status () (any thread). */
GPtrArray  *bd_service_get_bridges    (BdService       *service);
/* Starts the bridge @config (copied) in place of the running bridge of that
 * name, or as a new one: what the Broker page does once it has saved the
 * bridge's lines. Emits "bridges-changed". */
void        bd_service_set_bridge     (BdService            *service,
                                       const BdBridgeConfig *config);
/* Stops and forgets the bridge @name; FALSE when there is none. What its
 * local session holds stays in the engine. Emits "bridges-changed". */
gboolean    bd_service_remove_bridge  (BdService       *service,
                                       const char      *name);
BdRecorder *bd_service_get_recorder   (BdService       *service);
/* For queries of what was recorded (any thread); NULL when the
 * configuration turned recording off. */
BdHistory  *bd_service_get_history    (BdService       *service);
/* Publishes the recorder's figures under $SYS/broker/history/ every
 * sys_interval, from the calling thread's main context. */
void        bd_service_watch          (BdService       *service);
/* Starts or stops the demo plant (bd-demo-plant.h), which publishes from
 * the calling thread's main context. */
void        bd_service_set_demo       (BdService       *service,
                                       gboolean         running);
/* Starts the alarm engine and the relay controller on the calling thread's
 * main context (the GTK thread in the GUI): they read alarms.ini and
 * relays.ini from the configuration directory on a worker, and follow the
 * topics their rules and relays name. On a first run (no such file yet)
 * with @demo, they start with the demo plant's rules and relays and save
 * them. Alarm transitions and relay commands go to DATA_DIR/journal.db;
 * @log_alarms also logs every alarm transition (the notifier of --headless). */
void        bd_service_start_operations (BdService     *service,
                                         gboolean       demo,
                                         gboolean       log_alarms);
/* Reads overview.ini on a worker. On a first run with the demo plant (see
 * bd_service_start_operations ()) there is none yet: the demo's areas and
 * tiles are saved there and returned; without the demo, an empty overview
 * (is_new set). */
void        bd_service_load_overview_async  (BdService           *service,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
/* The service keeps what was read (see bd_service_get_overview ()) and
 * returns it; it stays the service's. */
BdOverviewConfig *bd_service_load_overview_finish (BdService     *service,
                                                   GAsyncResult  *result,
                                                   GError       **error);
/* The overview every page looks labels, units and formats up in
 * (bd_overview_config_dup_series_label () and friends): NULL until loaded.
 * It belongs to the service; look things up when needed rather than keep
 * pointers into it. */
BdOverviewConfig *bd_service_get_overview         (BdService     *service);
/* Replaces it (the service takes @config) and emits "overview-changed". */
void              bd_service_set_overview         (BdService     *service,
                                                   BdOverviewConfig *config);
/* Says the overview was edited in place: emits "overview-changed", so that
 * every place showing labels and units shows the new ones. */
void              bd_service_overview_changed     (BdService     *service);
/* After an edit: emits "overview-changed", then saves the overview to
 * overview.ini on a worker (saves reach the disk in the order made). */
void              bd_service_save_overview_async  (BdService           *service,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
gboolean          bd_service_save_overview_finish (BdService     *service,
                                                   GAsyncResult  *result,
                                                   GError       **error);
/* Writes the recorded history to @file (replaced when done) as
 * bd_export_write () does, on a worker, with the series' labels and units of
 * the overview (what `brokerdesk --export` writes, from the window).
 * @options->series is ignored: the overview's are used. */
void              bd_service_export_history_async  (BdService              *service,
                                                    GFile                  *file,
                                                    const BdExportOptions  *options,
                                                    GCancellable           *cancellable,
                                                    GAsyncReadyCallback     callback,
                                                    gpointer                user_data);
gboolean          bd_service_export_history_finish (BdService              *service,
                                                    GAsyncResult           *result,
                                                    guint64                *n_rows,
                                                    GError                **error);
/* The series ("topic" or "topic#field") @alarm watches: its topic and its
 * rule's field. */
char             *bd_service_dup_alarm_series     (BdService     *service,
                                                   BdAlarm       *alarm);
/* @alarm's value as the overview shows its series ("29.1 °C"), or plain
 * ("29.1"; "—" for none). */
char             *bd_service_format_alarm_value   (BdService     *service,
                                                   BdAlarm       *alarm);
/* Where @alarm is, for people: "Line temperature (busan/…/temperature)"
 * when the overview labels its series, else the topic. */
char             *bd_service_dup_alarm_place      (BdService     *service,
                                                   BdAlarm       *alarm);
/* One line for a notification or a log: "Temperature Hi — Line temperature
 * (busan/…/temperature): 29.1 °C", with the overview's label and unit
 * where it has them; otherwise bd_alarm_describe (). */
char             *bd_service_describe_alarm       (BdService     *service,
                                                   BdAlarm       *alarm);

/* NULL before bd_service_start_operations(). */
BdRelayController *bd_service_get_relays (BdService    *service);
BdAlarmEngine     *bd_service_get_alarms (BdService    *service);
BdJournal         *bd_service_get_journal (BdService   *service);
/* Automations and interlocks (automations.ini), fed by the alarm engine's
 * transitions and judging the relay controller's commands; evaluated on an
 * "automations" thread of their own. */
BdAutomationEngine *bd_service_get_automations (BdService *service);
/* Stops the engine (clients disconnected, state saved), then flushes and
 * closes the history. Idempotent; the last unref calls it. */
void        bd_service_stop           (BdService       *service);

G_END_DECLS
