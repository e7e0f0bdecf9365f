/* bd-engine.h — the embedded MQTT broker and its in-process tap API
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The engine runs on its own thread with its own GMainContext. Every function
 * here may be called from any thread unless it says otherwise.
 *
 * Taps: the console, the recorder, the alarm engine and the relay controller
 * see messages through taps, not through sockets. A tap is a topic filter and a
 * callback. The callback runs ON THE ENGINE THREAD for every message the broker
 * routes whose topic matches the filter (retained-clearing publishes included,
 * $SYS only when the filter names it, as for a client [MQTT-4.7.2-1]). It must
 * be cheap and must not block: take a reference and queue the message to your
 * own thread (the recorder's bounded queue, the GUI's coalescing outbox).
 * Messages are immutable (bd-message.h) and safe to keep on any thread.
 *
 * In remote mode an MQTT client feeds the same BdTapFunc signature, so code
 * above this interface does not care where messages come from.
 */

#pragma once

#include <gio/gio.h>

#include "bd-config.h"
#include "bd-message.h"

G_BEGIN_DECLS

#define BD_ENGINE_ERROR (bd_engine_error_quark ())
GQuark bd_engine_error_quark (void);

typedef enum
{
  BD_ENGINE_ERROR_LISTEN,     /* a listener could not bind */
  BD_ENGINE_ERROR_ADDRESS_IN_USE, /* ... because another program has its port */
  BD_ENGINE_ERROR_CONFIG,     /* the configuration cannot be used (password file, ...) */
  BD_ENGINE_ERROR_STOPPED,    /* the engine is not running */
} BdEngineError;

typedef void (*BdTapFunc) (BdMessage *message,
                           gpointer   user_data);

/* A tap as the engine keeps it, and the remote client, which feeds taps of
 * its own with messages from another broker. */
typedef struct
{
  guint           id;
  char           *filter;
  BdTapFunc       func;
  gpointer        user_data;
  GDestroyNotify  notify;
} BdTap;

/* With a copy of @filter and no id yet. Freeing it calls @notify. */
BdTap      *bd_tap_new             (const char     *filter,
                                    BdTapFunc       func,
                                    gpointer        user_data,
                                    GDestroyNotify  notify);
void        bd_tap_free            (BdTap          *tap);

typedef struct _BdEngine BdEngine;

/* A boxed type (ref/unref), so an engine can be a GObject property. */
#define BD_TYPE_ENGINE (bd_engine_get_type ())
GType       bd_engine_get_type     (void);

/* Takes ownership of @config. */
BdEngine   *bd_engine_new          (BdBrokerConfig *config);
BdEngine   *bd_engine_ref          (BdEngine       *engine);
void        bd_engine_unref        (BdEngine       *engine);

/* Binds every listener (synchronously, so a port conflict is reported here),
 * then starts the engine thread. */
gboolean    bd_engine_start        (BdEngine       *engine,
                                    GError        **error);
/* Disconnects clients (wills are published as on network loss), saves
 * persistent state, joins the thread. Idempotent. */
void        bd_engine_stop         (BdEngine       *engine);

const BdBrokerConfig *bd_engine_get_config (BdEngine *engine);

/* One listener as the engine runs it. */
typedef struct
{
  const BdListenerConfig *config;  /* immutable; valid as long as the engine */
  guint16                 port;    /* as bound (the config may say 0) */
  char                   *address; /* as bound: "127.0.0.1", "::" */
  gboolean                tls;
} BdListenerInfo;

/* The running listeners, in order: an immutable snapshot (of BdListenerInfo*)
 * taken from any thread; bd_engine_apply_listeners_async() replaces it with a
 * new one rather than changing it. Free with g_ptr_array_unref(). */
GPtrArray  *bd_engine_dup_listeners (BdEngine      *engine);

/* The port a listener actually bound (useful when the config said 0), from
 * the current snapshot. */
guint16     bd_engine_get_port     (BdEngine       *engine,
                                    guint           listener_index);
guint       bd_engine_get_n_listeners (BdEngine    *engine);

/* Makes @listener_configs (a GPtrArray of BdListenerConfig* that frees its
 * elements; taken over) the running listeners without a restart. Compared
 * with the running ones by port, address and socket domain: a listener that
 * stays keeps its socket and its clients (those of a listener whose protocol
 * or TLS changed are disconnected, MQTT 5 reason 0x8B Server shutting down);
 * a TLS listener takes its certificate files as read now; new listeners are
 * bound, all of them before anything changes, so a port that cannot be bound
 * fails the whole call with BD_ENGINE_ERROR_ADDRESS_IN_USE or
 * BD_ENGINE_ERROR_LISTEN, the address and port in its message, and leaves
 * every listener as it was; removed listeners are closed and their clients
 * disconnected as on a server shutdown. Files are read on a worker; @callback
 * runs in the caller's thread-default main context. */
void        bd_engine_apply_listeners_async  (BdEngine            *engine,
                                              GPtrArray           *listener_configs,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
gboolean    bd_engine_apply_listeners_finish (GAsyncResult        *result,
                                              GError             **error);

/* Data directory for persistence (retained messages, persistent sessions).
 * NULL keeps everything in memory. Call before bd_engine_start(). */
void        bd_engine_set_data_dir (BdEngine       *engine,
                                    const char     *data_dir);

/* Returns a tap id > 0. @notify runs when the tap is removed (on any thread).
 * Added from another thread while the engine runs, the tap takes effect on
 * the engine thread shortly after; added before bd_engine_start() (from the
 * thread that starts it), it is in place at once and sees every message the
 * engine routes, the first client's first PUBLISH included. */
guint       bd_engine_add_tap      (BdEngine       *engine,
                                    const char     *filter,
                                    BdTapFunc       func,
                                    gpointer        user_data,
                                    GDestroyNotify  notify);
void        bd_engine_remove_tap   (BdEngine       *engine,
                                    guint           tap_id);

/* Publishes as the broker itself (the console's publish panel, the demo plant,
 * relay commands). Delivered to subscribers and taps like a client's PUBLISH.
 * Takes a reference. */
void        bd_engine_publish      (BdEngine       *engine,
                                    BdMessage      *message);

/* A connection to the broker from inside the process (a bridge's local
 * side): the caller speaks MQTT on the returned stream, on any thread's
 * context. It is trusted: no password file, no ACL, no listener limit, and
 * it is not one of the listeners. @name is for the log. */
GIOStream  *bd_engine_connect_internal (BdEngine   *engine,
                                        const char *name,
                                        GError    **error);

/* Copies of the retained messages matching @filter, sorted by topic. Blocks the
 * calling thread (not the engine) until the engine answers. */
GPtrArray  *bd_engine_dup_retained (BdEngine       *engine,
                                    const char     *filter);
/* The same for each of @filters (a message matching several comes once per
 * filter), on a worker thread, so the caller's own thread never waits for
 * the engine; @callback runs on the caller's thread-default context. */
void        bd_engine_dup_retained_async  (BdEngine            *engine,
                                           const char * const  *filters,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
GPtrArray  *bd_engine_dup_retained_finish (GAsyncResult        *result);

/* How the broker keeps its state across restarts. */
typedef enum
{
  BD_STORE_MODE_NONE,      /* persistence off: nothing is kept */
  BD_STORE_MODE_SNAPSHOT,  /* a snapshot now and then, and at shutdown */
  BD_STORE_MODE_DURABLE,   /* a log: nothing acknowledged is lost */
} BdStoreMode;

typedef struct
{
  gint64  uptime_s;
  guint   clients_connected;
  guint   clients_disconnected;  /* persistent sessions without a connection */
  guint   clients_maximum;
  guint64 clients_total;
  guint64 sockets_accepted;      /* network connections accepted, CONNECT or not */
  guint64 messages_received;
  guint64 messages_sent;
  guint64 publish_received;
  guint64 publish_sent;
  guint64 publish_dropped;
  guint64 publish_bytes_received; /* payload bytes of the clients' PUBLISH packets */
  guint64 publish_bytes_sent;     /* payload bytes of the PUBLISH packets sent */
  guint64 clients_expired;        /* sessions ended by their expiry while away */
  guint64 heap_current;           /* bytes the allocator has handed out, at the last $SYS update */
  guint64 heap_maximum;           /* the most of those seen */
  guint64 bytes_received;
  guint64 bytes_sent;
  guint   subscriptions;
  guint   retained_messages;
  guint   inflight_messages;
  guint   queued_messages;
  guint64 connections_refused;   /* max_connections reached */
  guint64 packets_too_large;     /* max_packet_size exceeded: connection closed */
  /* The stored state: its mode; its size in bytes (snapshot and log); the
   * last commit (durable: an fsync of the log; snapshot: a snapshot written),
   * wall clock, 0 before the first; how long it took; and whether the last
   * write failed (a full disk: in durable mode QoS 1/2 messages are refused). */
  BdStoreMode store_mode;
  guint64 store_size;
  gint64  store_last_commit_us;
  gint64  store_commit_latency_us;
  gboolean store_failing;
} BdEngineStats;

void        bd_engine_get_stats    (BdEngine       *engine,
                                    BdEngineStats  *stats);

/* One MQTT session as the Broker page shows it. */
typedef struct
{
  char    *client_id;
  char    *address;        /* "127.0.0.1:50000", NULL while away */
  guint8   protocol_level; /* 3, 4 or 5 (of the last connection) */
  gboolean connected;
  gboolean internal;       /* connected from inside the process (a bridge), not a device */
  guint    subscriptions;
  guint    queued;
  guint    inflight;
  /* How the client is connected (NULL while away): "mqtt", "mqtt+tls",
   * "websockets" or "websockets+tls"; the TLS version ("TLSv1.3"), NULL
   * without TLS. */
  char    *transport;
  char    *tls_version;
} BdClientInfo;

void        bd_client_info_free    (BdClientInfo   *info);

/* What waits in one session (a bridge's local session, say). */
typedef struct
{
  guint   queued;
  guint   inflight;
  gint64  oldest_us;   /* wall clock the oldest waiting message arrived; 0: none */
  guint64 dropped;     /* a bridge's: dropped from a full queue, oldest first */
} BdSessionQueueInfo;

/* Blocks the calling thread (not the engine) until the engine answers;
 * FALSE (and zeros) when there is no such session or the engine is not
 * running. */
gboolean    bd_engine_get_session_queue   (BdEngine           *engine,
                                           const char         *client_id,
                                           BdSessionQueueInfo *info);

/* A snapshot of the sessions, sorted by client id, taken on the engine
 * thread; @callback runs in the caller's thread-default main context. */
void        bd_engine_list_clients_async  (BdEngine            *engine,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
GPtrArray  *bd_engine_list_clients_finish (GAsyncResult        *result,
                                           GError             **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BdEngine, bd_engine_unref)

G_END_DECLS
