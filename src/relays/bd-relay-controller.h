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

G_BEGIN_DECLS

#define BD_RELAY_LOG_LENGTH 200

/* Called on the controller's thread; must not block (take a reference). */
typedef void (*BdRelayPublishFunc) (BdMessage *message,
                                    gpointer   user_data);

#define BD_TYPE_RELAY_CONTROLLER (bd_relay_controller_get_type ())
G_DECLARE_FINAL_TYPE (BdRelayController, bd_relay_controller, BD, RELAY_CONTROLLER, GObject)

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

/* The last BD_RELAY_LOG_LENGTH commands and outcomes, newest first
 * (a GListModel of BdRelayLogEntry). */
GListModel *bd_relay_controller_get_log          (BdRelayController  *self);

/* With a path, every add/replace/remove saves relays.ini there, on a worker
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
