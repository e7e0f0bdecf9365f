/* bd-relay-controller.h — relay commands, confirmed by the devices' state topics
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The controller is a GListModel of BdRelay. It belongs to the thread whose
 * thread-default GMainContext was current when it was created (the main
 * thread in the GUI and in --headless); call everything there, except
 * bd_relay_controller_tap (), which any thread may call.
 *
 * Commands leave through a BdRelayPublishFunc the owner sets, so the same
 * controller drives the embedded engine (bd_relay_controller_attach) or a
 * remote broker (set a publish function and feed bd_relay_controller_tap from
 * the remote client, subscribed to bd_relay_controller_dup_state_topics ()).
 */

#pragma once

#include <gio/gio.h>

#include "bd-engine.h"
#include "bd-message.h"
#include "bd-relay.h"
#include "bd-relay-log-entry.h"
#include "bd-setpoint.h"

G_BEGIN_DECLS

#define BD_RELAY_LOG_LENGTH 200

/* Called on the controller's thread; must not block (take a reference). */
typedef void (*BdRelayPublishFunc) (BdMessage *message,
                                    gpointer   user_data);

#define BD_TYPE_RELAY_CONTROLLER (bd_relay_controller_get_type ())
G_DECLARE_FINAL_TYPE (BdRelayController, bd_relay_controller, BD, RELAY_CONTROLLER, GObject)

/* A command about to be sent, as the checks see it. */
typedef struct
{
  BdRelaySource  source;
  BdRelay       *relay;     /* one of relay and setpoint */
  BdSetpoint    *setpoint;
  gboolean       on;        /* a relay's target (for a setpoint: value != 0) */
  double         value;     /* a setpoint's target, rounded (for a relay: 1 or 0) */
} BdRelayCommand;

/* The one place a command is judged before it is sent: interlocks, an
 * operator lock. Return FALSE and set @error (BD_RELAY_ERROR_BLOCKED, a
 * message saying who blocked it and why) to refuse. Runs on the
 * controller's thread and must answer at once: it may wait only briefly
 * for state another thread is about to publish (the automations thread's
 * interlock verdicts), never on the disk or the network. */
typedef gboolean (*BdRelayCheckFunc) (BdRelayController    *controller,
                                      const BdRelayCommand *command,
                                      gpointer              user_data,
                                      GError              **error);

BdRelayController *bd_relay_controller_new              (void);

void        bd_relay_controller_set_publish_func (BdRelayController  *self,
                                                  BdRelayPublishFunc  func,
                                                  gpointer            user_data,
                                                  GDestroyNotify      notify);

/* A BdTapFunc: @controller is the BdRelayController. Safe on any thread; it
 * only queues messages on a relay's state topic for the controller's thread.
 * The caller keeps the controller alive while it may call this. */
void        bd_relay_controller_tap              (BdMessage          *message,
                                                  gpointer            controller);

/* Taps the engine for every state topic (kept in sync as relays change),
 * reads their retained states, and publishes commands with
 * bd_engine_publish (). Replaces a previous attachment and publish func. */
void        bd_relay_controller_attach           (BdRelayController  *self,
                                                  BdEngine           *engine);
void        bd_relay_controller_detach           (BdRelayController  *self);

/* The state topics a remote client must subscribe to, sorted. */
char      **bd_relay_controller_dup_state_topics (BdRelayController  *self);

/* Rules. Each fails for an invalid relay or a duplicate id. The controller
 * takes a reference on @relay and owns its state from then on. */
gboolean    bd_relay_controller_add              (BdRelayController  *self,
                                                  BdRelay            *relay,
                                                  GError            **error);
gboolean    bd_relay_controller_insert           (BdRelayController  *self,
                                                  guint               position,
                                                  BdRelay            *relay,
                                                  GError            **error);
/* Puts @relay in the place of the relay with @id (the id may change). */
gboolean    bd_relay_controller_replace          (BdRelayController  *self,
                                                  const char         *id,
                                                  BdRelay            *relay,
                                                  GError            **error);
/* Returns the removed relay (for undo) and its position, or NULL. */
BdRelay    *bd_relay_controller_remove           (BdRelayController  *self,
                                                  const char         *id,
                                                  guint              *position);
/* Replaces every relay (after a load); invalid ones and duplicates are skipped. */
void        bd_relay_controller_set_relays       (BdRelayController  *self,
                                                  GPtrArray          *relays);
BdRelay    *bd_relay_controller_lookup           (BdRelayController  *self,
                                                  const char         *id);
/* An unused id made from @name ("Fan, hall 2" -> "fan-hall-2", "fan-hall-2-2"…). */
char       *bd_relay_controller_dup_unique_id    (BdRelayController  *self,
                                                  const char         *name);

/* Publishes the on or off command; the relay is pending until its state topic
 * reports the target (outcome "confirmed"), reports the other state
 * ("contradicted") or the relay's timeout passes ("timeout"); the last two
 * set the relay's last-error and emit "command-failed". A new command
 * replaces a pending one. Fails when there is nothing to publish to or
 * @relay is not one of the controller's. */
gboolean    bd_relay_controller_set              (BdRelayController  *self,
                                                  BdRelay            *relay,
                                                  gboolean            on,
                                                  GError            **error);

/* The same with who asked for it (checks may judge sources differently);
 * _set () is an operator's command. A refused command fails with
 * BD_RELAY_ERROR_BLOCKED and is logged as "refused". */
gboolean    bd_relay_controller_command          (BdRelayController  *self,
                                                  BdRelay            *relay,
                                                  gboolean            on,
                                                  BdRelaySource       source,
                                                  GError            **error);

/* Setpoints: a GListModel of BdSetpoint beside the relays (ids are unique
 * across both: they share relays.ini). Same rules as the relays'. */
GListModel *bd_relay_controller_get_setpoints    (BdRelayController  *self);
BdSetpoint *bd_relay_controller_lookup_setpoint  (BdRelayController  *self,
                                                  const char         *id);
gboolean    bd_relay_controller_add_setpoint     (BdRelayController  *self,
                                                  BdSetpoint         *setpoint,
                                                  GError            **error);
gboolean    bd_relay_controller_replace_setpoint (BdRelayController  *self,
                                                  const char         *id,
                                                  BdSetpoint         *setpoint,
                                                  GError            **error);
BdSetpoint *bd_relay_controller_remove_setpoint  (BdRelayController  *self,
                                                  const char         *id,
                                                  guint              *position);
void        bd_relay_controller_set_setpoints    (BdRelayController  *self,
                                                  GPtrArray          *setpoints);
/* Rounds @value to the step and publishes it; pending until the state
 * topic reports it within the tolerance, failed on a report elsewhere
 * (except on the way from the old value) or after the timeout. A value
 * outside the range fails with BD_RELAY_ERROR_OUT_OF_RANGE and nothing is
 * sent. Within the rate limit of the last command, the value waits (and is
 * already the target); a newer value replaces it. */
gboolean    bd_relay_controller_set_value        (BdRelayController  *self,
                                                  BdSetpoint         *setpoint,
                                                  double              value,
                                                  BdRelaySource       source,
                                                  GError            **error);

/* Checks run, in the order added, before every command. Returns an id for
 * _remove_check (); @notify frees @user_data when removed or disposed. */
guint       bd_relay_controller_add_check        (BdRelayController  *self,
                                                  BdRelayCheckFunc    func,
                                                  gpointer            user_data,
                                                  GDestroyNotify      notify);
void        bd_relay_controller_remove_check     (BdRelayController  *self,
                                                  guint               id);
/* For a message typed by hand (the window's publish panel): when @topic is
 * the command topic of relays or setpoints, judges the payload as their
 * command (range and checks, source "publish"); FALSE with the reason
 * (logged as "refused") when it must not be published. */
gboolean    bd_relay_controller_check_publish    (BdRelayController  *self,
                                                  const char         *topic,
                                                  const guint8       *payload,
                                                  gsize               len,
                                                  GError            **error);

/* The last BD_RELAY_LOG_LENGTH commands and outcomes, newest first
 * (a GListModel of BdRelayLogEntry). */
GListModel *bd_relay_controller_get_log          (BdRelayController  *self);

/* With a path, every add/replace/remove (of relays and setpoints) saves relays.ini there, on a worker
 * thread; failures are reported by "save-failed". NULL turns it off. */
void        bd_relay_controller_set_path         (BdRelayController  *self,
                                                  const char         *path);
const char *bd_relay_controller_get_path         (BdRelayController  *self);

/* Reads @path (NULL: the controller's path) on a worker thread and replaces
 * the relays. *@warnings (may be NULL) lists the skipped entries. */
void        bd_relay_controller_load_async       (BdRelayController  *self,
                                                  const char         *path,
                                                  GCancellable       *cancellable,
                                                  GAsyncReadyCallback callback,
                                                  gpointer            user_data);
gboolean    bd_relay_controller_load_finish      (BdRelayController  *self,
                                                  GAsyncResult       *result,
                                                  char             ***warnings,
                                                  GError            **error);
/* Writes the relays to @path (NULL: the controller's path) on a worker thread. */
void        bd_relay_controller_save_async       (BdRelayController  *self,
                                                  const char         *path,
                                                  GCancellable       *cancellable,
                                                  GAsyncReadyCallback callback,
                                                  gpointer            user_data);
gboolean    bd_relay_controller_save_finish      (BdRelayController  *self,
                                                  GAsyncResult       *result,
                                                  GError            **error);

G_END_DECLS
