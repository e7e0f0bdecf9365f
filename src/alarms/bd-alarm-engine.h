/* bd-alarm-engine.h — evaluates alarm rules on the messages it is fed
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The alarm engine belongs to the thread whose thread-default main context
 * was current when it was created (the GTK main thread, or the --headless
 * loop): its list of alarms, its signals and its actions live there. Only
 * bd_alarm_engine_feed () may be called from other threads.
 */

#pragma once

#include <gio/gio.h>

#include "bd-alarm.h"
#include "bd-alarm-eval.h"
#include "bd-alarm-rule.h"
#include "bd-engine.h"

G_BEGIN_DECLS

#define BD_TYPE_ALARM_ENGINE (bd_alarm_engine_get_type ())
G_DECLARE_FINAL_TYPE (BdAlarmEngine, bd_alarm_engine, BD, ALARM_ENGINE, GObject)

BdAlarmEngine *bd_alarm_engine_new             (void);

/* A BdTapFunc: @user_data is the BdAlarmEngine. Safe on any thread and cheap
 * (a topic match against the rules' filters and a queue append); the owner
 * keeps the engine alive while anything may still call it. */
void           bd_alarm_engine_feed            (BdMessage      *message,
                                                gpointer        user_data);

/* Adds one tap per distinct filter of the enabled rules to @engine, and keeps
 * them in step with rule changes until _detach () (or dispose). */
void           bd_alarm_engine_attach          (BdAlarmEngine  *self,
                                                BdEngine       *engine);
void           bd_alarm_engine_detach          (BdAlarmEngine  *self);


/* The alarms that are not NORMAL (BdAlarm items), updated on the owner's
 * main context in batches. */
GListModel    *bd_alarm_engine_get_alarms      (BdAlarmEngine  *self);

void           bd_alarm_engine_acknowledge     (BdAlarmEngine  *self,
                                                BdAlarm        *alarm);
void           bd_alarm_engine_acknowledge_all (BdAlarmEngine  *self);
void           bd_alarm_engine_shelve          (BdAlarmEngine  *self,
                                                BdAlarm        *alarm,
                                                guint           duration_s);
void           bd_alarm_engine_unshelve        (BdAlarmEngine  *self,
                                                BdAlarm        *alarm);

/* Operations alarms: raised and returned by the caller rather than by a
 * topic's values, for events such as a command its device never confirmed.
 * @id names the alarm (stable, not a rule id of alarms.ini: these are never
 * saved nor listed among the rules), @name is what operators read, @topic the
 * topic the event concerns. Raising an active alarm again changes nothing;
 * returning one that is not active does nothing. They are acknowledged,
 * shelved, journaled and notified like any other alarm. */
void           bd_alarm_engine_raise_operation (BdAlarmEngine  *self,
                                                const char     *id,
                                                const char     *name,
                                                const char     *topic,
                                                BdAlarmPriority priority);
void           bd_alarm_engine_return_operation (BdAlarmEngine *self,
                                                 const char    *id);

/* Rules. set_rules () copies @rules (BdAlarmRule*), leaving out (with a
 * warning) rules that do not validate or repeat an id. Changes are saved to the rules file (if one is set) on a worker
 * thread, in order, and emit "rules-changed". */
GPtrArray     *bd_alarm_engine_dup_rules       (BdAlarmEngine  *self);  /* BdAlarmRule* copies */
BdAlarmRule   *bd_alarm_engine_dup_rule        (BdAlarmEngine  *self,
                                                const char     *id);
/* The first enabled rule with a limit watching @field ("" or NULL: the
 * plain payload) of @topic, or NULL: whose limits a chart of it shows. */
BdAlarmRule   *bd_alarm_engine_dup_rule_for    (BdAlarmEngine  *self,
                                                const char     *topic,
                                                const char     *field);
void           bd_alarm_engine_set_rules       (BdAlarmEngine  *self,
                                                GPtrArray      *rules);
gboolean       bd_alarm_engine_add_rule        (BdAlarmEngine  *self,
                                                const BdAlarmRule *rule,
                                                GError        **error);
gboolean       bd_alarm_engine_replace_rule    (BdAlarmEngine  *self,
                                                const BdAlarmRule *rule,
                                                GError        **error);
gboolean       bd_alarm_engine_remove_rule     (BdAlarmEngine  *self,
                                                const char     *id,
                                                GError        **error);

/* Where rule changes are saved (alarms.ini); NULL = nowhere. */
void           bd_alarm_engine_set_rules_path  (BdAlarmEngine  *self,
                                                const char     *path);
const char    *bd_alarm_engine_get_rules_path  (BdAlarmEngine  *self);

/* Reads @path on a worker thread, then sets the rules and the rules path.
 * Broken rules are skipped, logged as warnings and returned in @problems
 * (GError*, may be NULL). A missing file fails with G_FILE_ERROR_NOENT and
 * still sets the rules path, so the caller can set default rules (for
 * instance bd_alarm_rules_new_demo ()) that are then saved there. */
void           bd_alarm_engine_load_rules_async  (BdAlarmEngine       *self,
                                                  const char          *path,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
gboolean       bd_alarm_engine_load_rules_finish (BdAlarmEngine       *self,
                                                  GAsyncResult        *result,
                                                  GPtrArray          **problems,
                                                  GError             **error);

/* Completes once every rule change made before the call is on disk. */
void           bd_alarm_engine_save_rules_async  (BdAlarmEngine       *self,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
gboolean       bd_alarm_engine_save_rules_finish (BdAlarmEngine       *self,
                                                  GAsyncResult        *result,
                                                  GError             **error);

/* For tests: the wall clock the engine uses for timers and actions
 * (g_get_real_time () by default). Message times come from the messages. */
typedef gint64 (*BdAlarmClockFunc) (gpointer user_data);
void           bd_alarm_engine_set_clock       (BdAlarmEngine    *self,
                                                BdAlarmClockFunc  clock,
                                                gpointer          user_data);

/* A "transition" handler for the log (headless mode): g_warning for a raise,
 * g_message otherwise. Connect with g_signal_connect (engine, "transition",
 * G_CALLBACK (bd_alarm_log_transition), NULL). */
void           bd_alarm_log_transition         (BdAlarmEngine  *self,
                                                BdAlarm        *alarm,
                                                BdAlarmState    from_state,
                                                BdAlarmLevel    from_level,
                                                gpointer        user_data);

/* One line for a transition: "Temperature Hi — busan/...: 29.1 (Normal → Unacknowledged)". */
char          *bd_alarm_describe_transition    (BdAlarm        *alarm,
                                                BdAlarmState    from_state,
                                                BdAlarmLevel    from_level);

/* TRUE when @to is news an operator should see (a raise or escalation). */
gboolean       bd_alarm_transition_is_raise    (BdAlarmState    from_state,
                                                BdAlarmLevel    from_level,
                                                BdAlarmState    to_state,
                                                BdAlarmLevel    to_level);

G_END_DECLS
