/* bd-bridge.h — a bridge: the broker forwards to and from an upstream broker
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One BdBridge per 'connection' block of the configuration (BdBridgeConfig,
 * bd-config.h). It runs on its own thread with its own GMainContext, so
 * bridging never waits for the GUI:
 *
 *  - its local side is a persistent session in the engine, reached through
 *    an internal connection (bd_engine_connect_internal ()): its
 *    subscriptions are the 'out' topics, so the engine's durable store keeps
 *    what waits for the upstream, across outages and restarts, and a local
 *    message is acknowledged only once the upstream has acknowledged it;
 *  - its remote side is a BdRemoteClient to the upstream ('in' topics are
 *    subscribed there and published locally with the configured QoS).
 *
 * Everything here may be called from any thread. The GUI reads
 * bd_bridge_dup_status () (say once a second) to show a bridge; nothing is
 * signalled, because the bridge's own thread owns its state.
 */

#pragma once

#include <glib-object.h>

#include "bd-config.h"
#include "bd-engine.h"
#include "bd-remote-client.h"

G_BEGIN_DECLS

typedef enum
{
  BD_BRIDGE_STATE_STOPPED,      /* not started or stopped; start_type once after its loss */
  BD_BRIDGE_STATE_CONNECTING,
  BD_BRIDGE_STATE_CONNECTED,
  BD_BRIDGE_STATE_BACKING_OFF,  /* waiting to try again: next_try_us, reason */
  BD_BRIDGE_STATE_REFUSED,      /* the upstream refused us (reason); still retried with backoff */
  BD_BRIDGE_STATE_IDLE,         /* start_type lazy: down until `threshold` messages wait */
} BdBridgeState;

/* What the Broker page shows of one bridge: a snapshot, the caller's to free. */
typedef struct
{
  char          *name;              /* the connection's name */
  char          *address;           /* "host:port" in use or last tried */
  BdBridgeState  state;
  char          *reason;            /* why backing off or refused; NULL when connected */
  gint64         next_try_us;       /* wall clock (g_get_real_time ()) of the next attempt, 0 if none */
  gint64         rtt_us;            /* last PINGREQ to PINGRESP round trip; -1 unknown */
  double         out_per_s;         /* messages sent upstream, per second (last few seconds) */
  double         in_per_s;          /* messages received from upstream, per second */
  guint64        out_total;
  guint64        in_total;
  guint          queue_depth;       /* messages waiting for the upstream (queued + in flight) */
  gint64         oldest_queued_us;  /* wall clock when the oldest waiting message arrived; 0: none */
  guint64        dropped;           /* dropped because the queue was full (oldest first) */
  guint          threshold;         /* start_type lazy: the waiting messages that start it; else 0 */
} BdBridgeStatus;

void            bd_bridge_status_free (BdBridgeStatus *status);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BdBridgeStatus, bd_bridge_status_free)

#define BD_TYPE_BRIDGE (bd_bridge_get_type ())
G_DECLARE_FINAL_TYPE (BdBridge, bd_bridge, BD, BRIDGE, GObject)

/* Copies @config. The engine must outlive the bridge's running. */
BdBridge             *bd_bridge_new         (BdEngine             *engine,
                                             const BdBridgeConfig *config);
const BdBridgeConfig *bd_bridge_get_config  (BdBridge             *self);
const char           *bd_bridge_get_name    (BdBridge             *self);
/* Starts the bridge's thread (idempotent). The engine must be running. */
void                  bd_bridge_start       (BdBridge             *self);
/* Disconnects both sides and joins the thread (idempotent). What is
 * queued stays in the engine's session for the next start. */
void                  bd_bridge_stop        (BdBridge             *self);
BdBridgeStatus       *bd_bridge_dup_status  (BdBridge             *self);

/* How the bridge @config reaches its upstream at address @index: host,
 * port, credentials, TLS and transport, in a new client configuration
 * (the rest left at bd_remote_config_new ()'s values). The bridge and the
 * dialog's Test Connection both start from it, so a test goes the way the
 * bridge would. */
BdRemoteConfig       *bd_bridge_dup_remote_config (const BdBridgeConfig *config,
                                                   guint                 index);

G_END_DECLS
