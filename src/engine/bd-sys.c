/* bd-sys.c — the $SYS topics: the broker's own figures, and their guard
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The counters the engine keeps become retained messages under $SYS/broker
 * every sys_interval seconds, as in Mosquitto, and a snapshot for other
 * threads (bd_engine_get_stats()). Runs on the engine thread.
 */

#include "config.h"

#include <malloc.h>
#include <math.h>
#include <string.h>

#include "bd-engine-private.h"
#include "bd-sys.h"
#include "bd-topic.h"

/* ------------------------------------------------------------------ stats */

/* Mosquitto's load figures, $SYS/broker/load/NAME/{1,5,15}min: the
 * per-minute rate of each counter, exponentially smoothed over the window. */
static const struct
{
  const char *name;
  gsize       offset;  /* of the guint64 counter in BdEngineStats */
} loads[BD_SYS_N_LOADS] = {
  { "messages/received", G_STRUCT_OFFSET (BdEngineStats, messages_received) },
  { "messages/sent", G_STRUCT_OFFSET (BdEngineStats, messages_sent) },
  { "publish/dropped", G_STRUCT_OFFSET (BdEngineStats, publish_dropped) },
  { "publish/received", G_STRUCT_OFFSET (BdEngineStats, publish_received) },
  { "publish/sent", G_STRUCT_OFFSET (BdEngineStats, publish_sent) },
  { "bytes/received", G_STRUCT_OFFSET (BdEngineStats, bytes_received) },
  { "bytes/sent", G_STRUCT_OFFSET (BdEngineStats, bytes_sent) },
  { "sockets", G_STRUCT_OFFSET (BdEngineStats, sockets_accepted) },
  { "connections", G_STRUCT_OFFSET (BdEngineStats, clients_total) },
};
static const guint load_minutes[] = { 1, 5, 15 };

void
_bd_sys_update_rates (BdEngine *engine,
                      double    dt)
{
  for (guint i = 0; i < G_N_ELEMENTS (loads); i++)
    {
      guint64 now = G_STRUCT_MEMBER (guint64, &engine->counters, loads[i].offset);
      double per_minute = (now - engine->rate_prev[i]) * 60.0 / dt;

      for (guint w = 0; w < G_N_ELEMENTS (load_minutes); w++)
        {
          double decay = exp (-dt / (60.0 * load_minutes[w]));

          engine->rate_load[i][w] = engine->rate_load[i][w] * decay + per_minute * (1.0 - decay);
        }
      engine->rate_prev[i] = now;
    }
}

void
_bd_sys_snapshot_stats (BdEngine *engine)
{
  engine->counters.uptime_s = (g_get_monotonic_time () - engine->started_us) / G_USEC_PER_SEC;
  engine->counters.subscriptions = bd_trie_get_size (engine->subs);
  engine->counters.retained_messages = bd_topic_tree_get_size (engine->retained);
  engine->counters.store_mode = engine->store != NULL ? BD_STORE_MODE_DURABLE
                                : engine->config->persistence ? BD_STORE_MODE_SNAPSHOT
                                : BD_STORE_MODE_NONE;
  _bd_store_read_figures (engine, &engine->counters);

  g_mutex_lock (&engine->stats_lock);
  if (engine->store == NULL && engine->config->persistence)
    {
      /* The snapshot writer keeps its figures under this lock. */
      engine->counters.store_size = engine->saved_size;
      engine->counters.store_last_commit_us = engine->saved_at_us;
      engine->counters.store_commit_latency_us = engine->saved_latency_us;
      engine->counters.store_failing = engine->save_failed;
    }
  engine->stats = engine->counters;
  g_mutex_unlock (&engine->stats_lock);
}

/* -------------------------------------------------------------------- $SYS */

/* $SYS holds the broker's own figures: a client publishing there (a PUBLISH
 * or its will) is refused, or anyone could fake them for every dashboard,
 * as in Mosquitto. The one exception is Mosquitto's too: a bridge connecting
 * to this broker reports its state on $SYS/broker/connection/NAME/state. */
gboolean
_bd_sys_refuses_write (const char *client_id,
                       const char *topic)
{
  char who[BD_LOG_TEXT_SIZE];
  char what[BD_LOG_TEXT_SIZE];

  if (strncmp (topic, "$SYS", 4) != 0 || (topic[4] != '\0' && topic[4] != '/'))
    return FALSE;
  if (bd_topic_matches ("$SYS/broker/connection/+/state", topic))
    return FALSE;

  g_info ("Denied PUBLISH from %s to “%s”: $SYS belongs to the broker",
          _bd_log_text (who, client_id != NULL ? client_id : "(unknown)"),
          _bd_log_text (what, topic));
  return TRUE;
}

void
_bd_sys_publish (BdEngine   *engine,
                 const char *topic,
                 const char *value,
                 gboolean    force)
{
  const char *last = g_hash_table_lookup (engine->sys_last, topic);
  g_autoptr(BdMessage) message = NULL;
  g_autoptr(GBytes) payload = NULL;

  /* Like Mosquitto, publish a figure only when it changed, so a quiet broker
   * stays quiet; the values are retained, so late subscribers see them all. */
  if (!force && g_strcmp0 (last, value) == 0)
    return;
  g_hash_table_insert (engine->sys_last, g_strdup (topic), g_strdup (value));

  payload = g_bytes_new (value, strlen (value));
  message = bd_message_new (topic, payload, 0, TRUE, NULL);
  message->from_sys = TRUE;
  _bd_route_message (engine, message, NULL);
}

static void
sys_publish_u64 (BdEngine   *engine,
                 const char *topic,
                 guint64     value,
                 gboolean    force)
{
  char buf[32];

  g_snprintf (buf, sizeof buf, "%" G_GUINT64_FORMAT, value);
  _bd_sys_publish (engine, topic, buf, force);
}

static void
sys_publish_load (BdEngine   *engine,
                  const char *topic,
                  double      value,
                  gboolean    force)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_ascii_formatd (buf, sizeof buf, "%.2f", value);
  _bd_sys_publish (engine, topic, buf, force);
}

/* Brokerdesk's own (Mosquitto 2.0 counts clients, not how they came):
 * connected clients by transport and by TLS version, so an operator sees
 * whether the plant's devices really use the encrypted listeners. Counted
 * over the connections at each update rather than kept per connect and
 * close: sys_interval is seconds, and nothing on the hot path pays for it.
 * '+' cannot be in a topic name [MQTT-4.7.1-1]: "mqtt+tls" is "tls" here. */
static void
sys_publish_transports (BdEngine *engine,
                        gboolean  force)
{
  static const char * const transports[][2] = {
    { "mqtt", "$SYS/broker/clients/transport/mqtt" },
    { "mqtt+tls", "$SYS/broker/clients/transport/tls" },
    { "websockets", "$SYS/broker/clients/transport/websockets" },
    { "websockets+tls", "$SYS/broker/clients/transport/websockets-tls" },
  };
  static const char * const versions[] = { "TLSv1.1", "TLSv1.2", "TLSv1.3" };
  guint64 by_transport[G_N_ELEMENTS (transports)] = { 0, };
  guint64 by_version[G_N_ELEMENTS (versions)] = { 0, };
  char topic[64];

  for (GList *l = engine->connections.head; l != NULL; l = l->next)
    {
      BdConnection *conn = l->data;
      const char *name;
      const char *version;

      if (conn->state != BD_CONN_CONNECTED || conn->transport == NULL)
        continue;
      name = _bd_transport_get_name (conn->transport);
      version = _bd_transport_get_tls_version (conn->transport);
      for (guint i = 0; i < G_N_ELEMENTS (transports); i++)
        if (strcmp (name, transports[i][0]) == 0)
          by_transport[i]++;
      for (guint i = 0; version != NULL && i < G_N_ELEMENTS (versions); i++)
        if (strcmp (version, versions[i]) == 0)
          by_version[i]++;
    }

  for (guint i = 0; i < G_N_ELEMENTS (transports); i++)
    sys_publish_u64 (engine, transports[i][1], by_transport[i], force);
  for (guint i = 0; i < G_N_ELEMENTS (versions); i++)
    {
      g_snprintf (topic, sizeof topic, "$SYS/broker/clients/tls/%s", versions[i]);
      sys_publish_u64 (engine, topic, by_version[i], force);
    }
}

static void
add_retained_bytes (const char *topic,
                    gpointer    value,
                    gpointer    user_data)
{
  const BdMessage *message = value;

  *(guint64 *) user_data += g_bytes_get_size (message->payload);
}

/* Mosquitto's store/messages/bytes beside its count, and its
 * shared_subscriptions/count: counted at each update, over the sessions and
 * the retained messages, rather than kept on the hot path. */
static void
sys_publish_store_and_shares (BdEngine *engine,
                              gboolean  force)
{
  GHashTableIter iter;
  BdSession *session;
  guint64 bytes = 0;
  guint64 shared = 0;

  bd_topic_tree_foreach (engine->retained, add_retained_bytes, &bytes);
  g_hash_table_iter_init (&iter, engine->sessions);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &session))
    {
      GHashTableIter subs;
      BdSubscription *sub;

      bytes += session->queued_bytes + session->inflight_bytes;
      if (session->subscriptions == NULL)
        continue;
      g_hash_table_iter_init (&subs, session->subscriptions);
      while (g_hash_table_iter_next (&subs, NULL, (gpointer *) &sub))
        if (sub->group != NULL)
          shared++;
    }
  sys_publish_u64 (engine, "$SYS/broker/store/messages/bytes", bytes, force);
  sys_publish_u64 (engine, "$SYS/broker/shared_subscriptions/count", shared, force);
}

#ifdef __SANITIZE_ADDRESS__
/* AddressSanitizer's allocator replaces glibc's, whose figures are then 0. */
size_t __sanitizer_get_current_allocated_bytes (void);
#endif

/* Mosquitto counts its own allocations; glibc's figures for the process
 * are the nearest thing: the bytes in use, and the most of them seen at an
 * update. mallinfo2 () walks every free chunk of every arena, so its cost
 * grows with a fragmented heap (microseconds idle, milliseconds with many
 * free chunks): memory_limit spaces its reads by that cost (bd-engine.c). */
void
_bd_sys_measure_heap (BdEngine *engine)
{
#ifdef __SANITIZE_ADDRESS__
  engine->counters.heap_current = __sanitizer_get_current_allocated_bytes ();
#else
  struct mallinfo2 info = mallinfo2 ();

  engine->counters.heap_current = info.uordblks + info.hblkhd;
#endif
  engine->counters.heap_maximum = MAX (engine->counters.heap_maximum,
                                       engine->counters.heap_current);
}

void
_bd_sys_publish_all (BdEngine *engine,
                     gboolean  force)
{
  const BdEngineStats *c = &engine->counters;
  char buf[64];

  _bd_sys_measure_heap (engine);
  _bd_sys_snapshot_stats (engine);

  g_snprintf (buf, sizeof buf, "%" G_GINT64_FORMAT " seconds", c->uptime_s);
  _bd_sys_publish (engine, "$SYS/broker/uptime", buf, force);
  sys_publish_u64 (engine, "$SYS/broker/clients/connected", c->clients_connected, force);
  sys_publish_u64 (engine, "$SYS/broker/clients/active", c->clients_connected, force);
  sys_publish_u64 (engine, "$SYS/broker/clients/disconnected", c->clients_disconnected, force);
  sys_publish_u64 (engine, "$SYS/broker/clients/inactive", c->clients_disconnected, force);
  sys_publish_u64 (engine, "$SYS/broker/clients/total",
                   c->clients_connected + c->clients_disconnected, force);
  sys_publish_u64 (engine, "$SYS/broker/clients/maximum", c->clients_maximum, force);
  sys_publish_u64 (engine, "$SYS/broker/clients/expired", c->clients_expired, force);
  sys_publish_transports (engine, force);
  sys_publish_u64 (engine, "$SYS/broker/messages/received", c->messages_received, force);
  sys_publish_u64 (engine, "$SYS/broker/messages/sent", c->messages_sent, force);
  sys_publish_u64 (engine, "$SYS/broker/messages/stored",
                   c->retained_messages + c->queued_messages + c->inflight_messages, force);
  sys_publish_u64 (engine, "$SYS/broker/store/messages/count",
                   c->retained_messages + c->queued_messages + c->inflight_messages, force);
  sys_publish_u64 (engine, "$SYS/broker/publish/messages/received", c->publish_received, force);
  sys_publish_u64 (engine, "$SYS/broker/publish/messages/sent", c->publish_sent, force);
  sys_publish_u64 (engine, "$SYS/broker/publish/messages/dropped", c->publish_dropped, force);
  sys_publish_u64 (engine, "$SYS/broker/publish/bytes/received", c->publish_bytes_received, force);
  sys_publish_u64 (engine, "$SYS/broker/publish/bytes/sent", c->publish_bytes_sent, force);
  sys_publish_u64 (engine, "$SYS/broker/heap/current", c->heap_current, force);
  sys_publish_u64 (engine, "$SYS/broker/heap/maximum", c->heap_maximum, force);
  sys_publish_u64 (engine, "$SYS/broker/bytes/received", c->bytes_received, force);
  sys_publish_u64 (engine, "$SYS/broker/bytes/sent", c->bytes_sent, force);
  sys_publish_u64 (engine, "$SYS/broker/subscriptions/count", c->subscriptions, force);
  sys_publish_store_and_shares (engine, force);
  /* Brokerdesk's own: what the configured limits turned away. */
  sys_publish_u64 (engine, "$SYS/broker/connections/refused", c->connections_refused, force);
  sys_publish_u64 (engine, "$SYS/broker/packets/too_large", c->packets_too_large, force);
  sys_publish_u64 (engine, "$SYS/broker/retained messages/count", c->retained_messages, force);
  for (guint i = 0; i < G_N_ELEMENTS (loads); i++)
    for (guint w = 0; w < G_N_ELEMENTS (load_minutes); w++)
      {
        g_snprintf (buf, sizeof buf, "$SYS/broker/load/%s/%umin", loads[i].name, load_minutes[w]);
        sys_publish_load (engine, buf, engine->rate_load[i][w], force);
      }
  _bd_store_publish_sys (engine, force);
}

/* ------------------------------------------------------------- log_dest topic */

/* Mosquitto's log messages expire after 20 s: a late subscriber gets the
 * recent lines, not an hour of them. */
#define LOG_MESSAGE_EXPIRY_S 20
/* Lines handed to the engine and not yet delivered, for all engines: more
 * than this and the engine is not keeping up, so further lines are dropped. */
#define LOG_PENDING_MAX      1024

static gint log_pending;
static _Thread_local gboolean log_publishing;

/* The engine is borrowed: the source lives in the engine's context, runs
 * only while the engine's thread does, and is destroyed with the context
 * when the engine is freed. A reference would keep the engine alive through
 * a source that no loop runs any more once it has stopped. */
typedef struct
{
  BdEngine  *engine;
  BdMessage *message;
} LogCall;

static gboolean
log_publish_cb (gpointer data)
{
  LogCall *call = data;

  BD_ENGINE_ASSERT_THREAD (call->engine);

  if (call->engine->running)
    {
      log_publishing = TRUE;
      _bd_route_message (call->engine, call->message, NULL);
      _bd_engine_end_turn (call->engine);
      log_publishing = FALSE;
    }
  return G_SOURCE_REMOVE;
}

static void
log_call_free (gpointer data)
{
  LogCall *call = data;

  g_atomic_int_dec_and_test (&log_pending);
  bd_message_unref (call->message);
  g_free (call);
}

void
bd_engine_publish_log (BdEngine   *engine,
                       const char *topic,
                       const char *text)
{
  BdMqttProperties props = { 0, };
  g_autoptr(GBytes) payload = NULL;
  GSource *source;
  LogCall *call;

  g_return_if_fail (engine != NULL);
  g_return_if_fail (bd_topic_name_is_valid (topic));
  g_return_if_fail (text != NULL);

  if (g_atomic_int_add (&log_pending, 1) >= LOG_PENDING_MAX)
    {
      g_atomic_int_add (&log_pending, -1);
      return;
    }

  payload = g_bytes_new (text, strlen (text));
  props.present = BD_MQTT_PROP_BIT (BD_MQTT_PROP_MESSAGE_EXPIRY_INTERVAL);
  props.message_expiry_interval = LOG_MESSAGE_EXPIRY_S;
  call = g_new0 (LogCall, 1);
  call->engine = engine;
  call->message = bd_message_new (topic, payload, 2, FALSE, &props);
  call->message->from_sys = TRUE;
  call->message->expiry_us = g_get_monotonic_time () + LOG_MESSAGE_EXPIRY_S * G_USEC_PER_SEC;

  /* A source of its own rather than g_main_context_invoke (), which would
   * route at once were it ever called on the engine thread, in the middle of
   * whatever that thread was logging about. */
  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, log_publish_cb, call, log_call_free);
  g_source_set_static_name (source, "[brokerdesk] log line");
  g_source_attach (source, engine->context);
  g_source_unref (source);
}

gboolean
bd_engine_is_publishing_log (void)
{
  return log_publishing;
}
