/* bd-bridge.c — a bridge: the broker forwards to and from an upstream broker
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Two BdRemoteClients on the bridge's own thread:
 *
 *   engine ──internal connection── local client ──► remote client ──► upstream
 *          ◄─────────────────────────────────────────────────────────
 *
 * The local client is an MQTT 5 persistent session in the engine (clean
 * start off), subscribed to the 'out' topics with No Local, so messages the
 * bridge itself publishes locally (the 'in' direction) are not sent back up.
 * It is connected only while the upstream is: during an outage the engine
 * queues for the absent session exactly as for any persistent client, and
 * its durable store keeps the queue across restarts and crashes. A QoS 1/2
 * message from the engine is acknowledged (PUBACK, PUBREC) only when the
 * upstream has acknowledged its copy, so a message is in the engine's care
 * or the upstream's, never in neither. On a lost upstream the local
 * connection is closed and the remote client forgets what it had not got
 * acknowledged: the engine sends those again, first and in order
 * [MQTT-4.6.0-1].
 */

#include "config.h"

#include <string.h>

#include "bd-bridge.h"
#include "bd-remote-client.h"
#include "bd-topic.h"

/* Messages in flight from the engine to the bridge (the local session's
 * Receive Maximum): the window the upstream's acknowledgements move. */
#define LOCAL_RECEIVE_MAXIMUM 1000

/* start_type lazy: how often the depth of the local session's queue is
 * looked at (against threshold, and for idle_timeout). */
#define LAZY_CHECK_MS 250

struct _BdBridge
{
  GObject          parent_instance;

  BdEngine        *engine;
  BdBridgeConfig  *config;
  char            *local_id;
  char            *notification_topic;

  GThread         *thread;
  GMainContext    *context;
  GMainLoop       *loop;

  /* Owned by the bridge's thread. */
  BdRemoteClient  *local;
  BdRemoteClient  *remote;
  guint            address_index;
  gboolean         was_connected;
  gboolean         local_ready;     /* the local session and its subscriptions exist */
  gboolean         local_was_connected;
  guint            refused_backoff_s;
  char            *logged_failure;  /* the last failed attempt's reason in the log */
  GSource         *restart_source;
  GSource         *tick_source;
  GSource         *lazy_source;
  gint64           last_busy_us;    /* lazy: the last time something waited to go up */
  guint64          last_out;
  guint64          last_in;
  gint64           last_tick_us;
  guint            ticks;

  /* The status the GUI reads, under lock. */
  GMutex           lock;
  BdBridgeStatus   status;
};

G_DEFINE_FINAL_TYPE (BdBridge, bd_bridge, G_TYPE_OBJECT)

void
bd_bridge_status_free (BdBridgeStatus *status)
{
  if (status == NULL)
    return;
  g_free (status->name);
  g_free (status->address);
  g_free (status->reason);
  g_free (status);
}

/* ------------------------------------------------------------ topics */

/* The topic @topic has on the other side, by the first matching 'topic'
 * line of @direction, or NULL when none matches. */
static char *
map_topic (const BdBridgeConfig *config,
           const char           *topic,
           BdBridgeDirection     direction,
           guint8               *qos)
{
  for (guint i = 0; i < config->topics->len; i++)
    {
      const BdBridgeTopic *t = g_ptr_array_index (config->topics, i);
      const char *from_filter = direction == BD_BRIDGE_OUT ? t->local_topic : t->remote_topic;
      const char *from_prefix = direction == BD_BRIDGE_OUT ? t->local_prefix : t->remote_prefix;
      const char *to_prefix = direction == BD_BRIDGE_OUT ? t->remote_prefix : t->local_prefix;
      const char *rest = topic;

      if (!(t->direction & direction) || !bd_topic_matches (from_filter, topic))
        continue;
      *qos = t->qos;
      /* An empty pattern maps one topic to one topic. */
      if (t->pattern[0] == '\0')
        return g_strdup (direction == BD_BRIDGE_OUT ? t->remote_topic : t->local_topic);
      if (from_prefix != NULL && g_str_has_prefix (topic, from_prefix))
        rest = topic + strlen (from_prefix);
      return g_strconcat (to_prefix != NULL ? to_prefix : "", rest, NULL);
    }
  return NULL;
}

/* Loops: with MQTT 5 on both sides, every copy a bridge makes names this
 * process in a User Property, which brokers forward unchanged
 * [MQTT-3.3.2-17]; a bridge does not forward a message that has passed
 * through its own process before. So two brokers bridged to each other both
 * ways stop a message after one round, while a chain (plant, site, cloud)
 * still forwards. With MQTT 3.1.1 upstream, try_private does the job for
 * Mosquitto, and No Local on the local subscriptions keeps a bridge from
 * sending back what it brought in. */
#define VIA_PROPERTY "brokerdesk-via"

static const char *
process_id (void)
{
  static gsize done;
  static char *id;

  if (g_once_init_enter (&done))
    {
      id = g_uuid_string_random ();
      g_once_init_leave (&done, 1);
    }
  return id;
}

static gboolean
passed_here (BdMessage *message)
{
  const BdMqttProperties *props = message->props;

  for (guint i = 0; props != NULL && i < props->n_user_properties; i++)
    if (g_str_equal (props->user_properties[i].name, VIA_PROPERTY) &&
        g_str_equal (props->user_properties[i].value, process_id ()))
      return TRUE;
  return FALSE;
}

static BdMessage *
message_with_topic (BdMessage  *message,
                    const char *topic,
                    guint8      qos,
                    gboolean    retain)
{
  BdMqttProperties props = { 0 };
  BdMessage *copy;

  if (message->props != NULL)
    bd_mqtt_properties_copy (&props, message->props);
  /* What belongs to the hop it came by, not to the message: a client's
   * PUBLISH carries no Subscription Identifier [MQTT-3.3.4-6], and no
   * alias was agreed on the next hop. */
  g_clear_pointer (&props.subscription_identifiers, g_free);
  props.n_subscription_identifiers = 0;
  props.present &= ~(BD_MQTT_PROP_BIT (BD_MQTT_PROP_SUBSCRIPTION_IDENTIFIER) |
                     BD_MQTT_PROP_BIT (BD_MQTT_PROP_TOPIC_ALIAS));
  bd_mqtt_properties_add_user_property (&props, VIA_PROPERTY, process_id ());
  /* The payload is shared, not copied (GBytes never changes), and the
   * message keeps the time it was received. */
  copy = bd_message_new_full (topic, message->payload, qos, retain, &props, NULL,
                              message->time_us);
  bd_mqtt_properties_clear (&props);
  return copy;
}

/* ------------------------------------------------------------ status */

static void
update_status (BdBridge *self)
{
  BdRemoteState state = bd_remote_client_get_state (self->remote);
  const char *error = bd_remote_client_get_error_message (self->remote);
  guint retry = bd_remote_client_get_retry_seconds (self->remote);

  g_mutex_lock (&self->lock);
  switch (state)
    {
    case BD_REMOTE_STATE_CONNECTED:
      self->status.state = BD_BRIDGE_STATE_CONNECTED;
      break;
    case BD_REMOTE_STATE_CONNECTING:
      self->status.state = BD_BRIDGE_STATE_CONNECTING;
      break;
    case BD_REMOTE_STATE_WAITING:
      self->status.state = BD_BRIDGE_STATE_BACKING_OFF;
      self->status.next_try_us = g_get_real_time () + (gint64) retry * G_USEC_PER_SEC;
      break;
    case BD_REMOTE_STATE_FAILED:
      self->status.state = BD_BRIDGE_STATE_REFUSED;
      break;
    case BD_REMOTE_STATE_DISCONNECTED:
    default:
      if (self->restart_source == NULL)
        /* Idle once its session exists to queue for it. */
        self->status.state = self->config->start_type == BD_BRIDGE_START_LAZY && self->local_ready
                             ? BD_BRIDGE_STATE_IDLE : BD_BRIDGE_STATE_STOPPED;
      break;
    }
  if (state == BD_REMOTE_STATE_CONNECTED || state == BD_REMOTE_STATE_CONNECTING)
    self->status.next_try_us = 0;
  if (state != BD_REMOTE_STATE_DISCONNECTED || self->restart_source == NULL)
    {
      g_free (self->status.reason);
      self->status.reason = state == BD_REMOTE_STATE_CONNECTED ? NULL : g_strdup (error);
    }
  self->status.rtt_us = bd_remote_client_get_rtt_us (self->remote);
  g_mutex_unlock (&self->lock);
}

static void
publish_state (BdBridge *self,
               gboolean  connected)
{
  g_autoptr(GBytes) payload = g_bytes_new_static (connected ? "1" : "0", 1);
  g_autoptr(BdMessage) message = NULL;

  if (!self->config->notifications)
    return;
  /* As Mosquitto: a retained 1 or 0 on the local broker; upstream, unless
   * notifications_local_only, the 1 here and the 0 by the will of the
   * bridge's connection. */
  message = bd_message_new (self->notification_topic, payload, 1, TRUE, NULL);
  bd_engine_publish (self->engine, message);
  if (connected && !self->config->notifications_local_only)
    bd_remote_client_publish (self->remote, message);
}

/* ------------------------------------------------------------ messages */

typedef struct
{
  BdBridge *bridge;
  guint32   token;
  gint      generation;
} Pending;

static void
upstream_done_cb (BdMessage *message,
                  gboolean   delivered,
                  gpointer   user_data)
{
  Pending *pending = user_data;
  BdBridge *self = pending->bridge;

  /* Acknowledged upstream: now the engine may let go of its copy. A message
   * dropped with a lost upstream stays the engine's, which sends it again. */
  if (delivered)
    {
      bd_remote_client_ack (self->local, pending->token);
      g_mutex_lock (&self->lock);
      self->status.out_total++;
      g_mutex_unlock (&self->lock);
    }
  g_free (pending);
}

static void
local_message_cb (BdMessage *message,
                  guint32    token,
                  gpointer   user_data)
{
  BdBridge *self = user_data;
  g_autoptr(BdMessage) copy = NULL;
  g_autofree char *topic = NULL;
  Pending *pending;
  guint8 qos = 0;

  self->last_busy_us = g_get_monotonic_time ();
  topic = map_topic (self->config, bd_message_get_topic (message), BD_BRIDGE_OUT, &qos);
  if (topic == NULL || passed_here (message))
    {
      bd_remote_client_ack (self->local, token);
      return;
    }
  /* bridge_max_packet_size: what the upstream would refuse is not sent (the
   * fixed header, topic, packet id and properties are counted roughly). */
  if (self->config->max_packet_size > 0)
    {
      gsize len;

      bd_message_get_payload (message, &len);
      if (len + strlen (topic) + 16 > self->config->max_packet_size)
        {
          g_message ("Bridge %s: a message on “%s” is larger than bridge_max_packet_size (%u): "
                     "not forwarded", self->config->name, topic, self->config->max_packet_size);
          bd_remote_client_ack (self->local, token);
          return;
        }
    }
  /* The engine delivered at most the subscription's QoS already. */
  copy = message_with_topic (message, topic, message->qos,
                             self->config->outgoing_retain && message->retain);
  pending = g_new0 (Pending, 1);
  pending->bridge = self;
  pending->token = token;
  if (!bd_remote_client_publish_full (self->remote, copy, upstream_done_cb, pending))
    {
      /* QoS 0 with the upstream gone, or no room: the engine keeps QoS 1/2. */
      g_free (pending);
      if (message->qos == 0)
        bd_remote_client_ack (self->local, token);
    }
}

static void
remote_message_cb (BdMessage *message,
                   gpointer   user_data)
{
  BdBridge *self = user_data;
  g_autoptr(BdMessage) copy = NULL;
  g_autofree char *topic = NULL;
  guint8 qos = 0;

  topic = map_topic (self->config, bd_message_get_topic (message), BD_BRIDGE_IN, &qos);
  if (topic == NULL || passed_here (message))
    return;
  /* Published by the local session, whose No Local subscriptions keep it
   * from going back up; the broker's own QoS rules apply from here. */
  copy = message_with_topic (message, topic, message->qos, message->retain);
  bd_remote_client_publish (self->local, copy);
  g_mutex_lock (&self->lock);
  self->status.in_total++;
  g_mutex_unlock (&self->lock);
}

/* ------------------------------------------------------------ connection */

static GIOStream *
connect_local_cb (gpointer   user_data,
                  GError   **error)
{
  BdBridge *self = user_data;

  return bd_engine_connect_internal (self->engine, self->config->name, error);
}

/* Runs @func on the bridge's thread soon: not from inside a client's own
 * notification, which must not see the client stopped under it. */
static void
run_soon (BdBridge    *self,
          GSourceFunc  func)
{
  GSource *idle = g_idle_source_new ();

  g_source_set_callback (idle, func, self, NULL);
  g_source_attach (idle, self->context);
  g_source_unref (idle);
}

static gboolean restart_cb (gpointer user_data);

/* The next attempt in @delay_s seconds, replacing any planned one; the
 * status says when. */
static void
restart_in (BdBridge *self,
            guint     delay_s)
{
  if (self->restart_source != NULL)
    {
      g_source_destroy (self->restart_source);
      g_clear_pointer (&self->restart_source, g_source_unref);
    }
  self->restart_source = g_timeout_source_new_seconds (delay_s);
  g_source_set_callback (self->restart_source, restart_cb, self, NULL);
  g_source_attach (self->restart_source, self->context);
  g_mutex_lock (&self->lock);
  self->status.next_try_us = g_get_real_time () + (gint64) delay_s * G_USEC_PER_SEC;
  g_mutex_unlock (&self->lock);
}

static gboolean
restart_cb (gpointer user_data)
{
  BdBridge *self = user_data;

  g_clear_pointer (&self->restart_source, g_source_unref);
  bd_remote_client_start (self->remote);
  return G_SOURCE_REMOVE;
}

static BdRemoteClient *make_remote_client (BdBridge *self);

/* Several addresses: a failed attempt moves on to the next one, after the
 * same delay. A lost connection starts again from the first address, or
 * with round_robin from the next, as Mosquitto does. */
static gboolean
next_address_cb (gpointer user_data)
{
  BdBridge *self = user_data;
  guint delay_s = MAX (bd_remote_client_get_retry_seconds (self->remote), 1);

  g_signal_handlers_disconnect_by_data (self->remote, self);
  bd_remote_client_stop (self->remote);
  g_clear_object (&self->remote);
  self->address_index = (self->address_index + 1) % self->config->addresses->len;
  self->remote = make_remote_client (self);
  restart_in (self, delay_s);
  g_mutex_lock (&self->lock);
  self->status.state = BD_BRIDGE_STATE_BACKING_OFF;
  g_mutex_unlock (&self->lock);
  return G_SOURCE_REMOVE;
}

/* An attempt that failed, once per reason: an upstream that stays away
 * for hours must not fill the log with a line per try, but the operator
 * of a headless broker must see that the bridge is not up, and why. */
static void
log_failed_attempt (BdBridge *self)
{
  const char *reason = bd_remote_client_get_error_message (self->remote);

  if (reason == NULL || g_strcmp0 (reason, self->logged_failure) == 0)
    return;
  g_free (self->logged_failure);
  self->logged_failure = g_strdup (reason);
  g_warning ("Bridge %s cannot connect: %s; trying again in %u s (further attempts are "
             "logged when the reason changes)", self->config->name, reason,
             bd_remote_client_get_retry_seconds (self->remote));
}

static void
remote_state_cb (GObject    *object,
                 GParamSpec *pspec,
                 gpointer    user_data)
{
  BdBridge *self = user_data;
  BdRemoteState state = bd_remote_client_get_state (self->remote);
  gboolean was_connected = self->was_connected;

  if (state == BD_REMOTE_STATE_CONNECTED && !self->was_connected)
    {
      const BdBridgeAddress *address = g_ptr_array_index (self->config->addresses,
                                                          self->address_index);

      self->was_connected = TRUE;
      self->refused_backoff_s = 0;
      g_clear_pointer (&self->logged_failure, g_free);
      self->last_busy_us = g_get_monotonic_time ();
      g_message ("Bridge %s connected to %s:%u", self->config->name, address->host, address->port);
      bd_remote_client_start (self->local);
      publish_state (self, TRUE);
    }
  else if (state != BD_REMOTE_STATE_CONNECTED && self->was_connected)
    {
      self->was_connected = FALSE;
      g_message ("Bridge %s disconnected: %s", self->config->name,
                 bd_remote_client_get_error_message (self->remote)
                 ? bd_remote_client_get_error_message (self->remote) : "stopped");
      /* The engine keeps, and sends again, what the upstream did not
       * acknowledge. */
      bd_remote_client_stop (self->local);
      bd_remote_client_drop_outgoing (self->remote);
      publish_state (self, FALSE);
      if (self->config->start_type == BD_BRIDGE_START_ONCE && state == BD_REMOTE_STATE_WAITING)
        bd_remote_client_stop (self->remote);
    }

  if (state == BD_REMOTE_STATE_WAITING && !was_connected)
    log_failed_attempt (self);

  if (state == BD_REMOTE_STATE_WAITING && self->config->addresses->len > 1 &&
      (!was_connected || self->config->round_robin || self->address_index != 0))
    {
      /* A lost connection without round_robin goes back to the first. */
      if (was_connected && !self->config->round_robin)
        self->address_index = self->config->addresses->len - 1;
      update_status (self);
      run_soon (self, next_address_cb);
      return;
    }

  if (state == BD_REMOTE_STATE_FAILED && self->restart_source == NULL)
    {
      guint base = self->config->restart_timeout_base;
      guint cap = self->config->restart_timeout_cap ? self->config->restart_timeout_cap : base;

      /* Refused (credentials, certificates): the operator may fix the
       * upstream's side, so try again, backing off as for any failure. */
      self->refused_backoff_s = self->refused_backoff_s == 0 ? base
                                : MIN (self->refused_backoff_s * 2, cap);
      g_warning ("Bridge %s refused: %s; trying again in %u s", self->config->name,
                 bd_remote_client_get_error_message (self->remote), self->refused_backoff_s);
      update_status (self);
      restart_in (self, self->refused_backoff_s);
      return;
    }
  update_status (self);
}

static void
publish_sys (BdBridge   *self,
             const char *leaf,
             guint64     value)
{
  g_autofree char *topic = g_strdup_printf ("$SYS/broker/connection/%s/%s",
                                            self->config->name, leaf);
  g_autofree char *text = g_strdup_printf ("%" G_GUINT64_FORMAT, value);
  g_autoptr(GBytes) payload = g_bytes_new (text, strlen (text));
  g_autoptr(BdMessage) message = bd_message_new (topic, payload, 0, TRUE, NULL);

  message->from_sys = TRUE;
  bd_engine_publish (self->engine, message);
}

static gboolean
park_local_cb (gpointer user_data)
{
  BdBridge *self = user_data;

  if (bd_remote_client_get_state (self->remote) != BD_REMOTE_STATE_CONNECTED)
    bd_remote_client_stop (self->local);
  return G_SOURCE_REMOVE;
}

/* The local session has to exist, subscribed, before the upstream is ever
 * reached: otherwise what is published before the first connection would
 * match no session and be lost. So the local side connects first, once;
 * then it waits (disconnected, queueing) for the upstream. */
static void
local_state_cb (GObject    *object,
                GParamSpec *pspec,
                gpointer    user_data)
{
  BdBridge *self = user_data;
  BdRemoteState state = bd_remote_client_get_state (self->local);

  /* The engine sends again, first and in order, what it had given the
   * lost local connection: forget the copies, or they would go up twice. */
  if (state != BD_REMOTE_STATE_CONNECTED && self->local_was_connected)
    bd_remote_client_drop_outgoing (self->remote);
  self->local_was_connected = state == BD_REMOTE_STATE_CONNECTED;

  if (self->local_ready || state != BD_REMOTE_STATE_CONNECTED)
    return;
  self->local_ready = TRUE;
  run_soon (self, park_local_cb);
  /* A lazy bridge waits for its threshold (lazy_check_cb). */
  if (self->config->start_type != BD_BRIDGE_START_LAZY)
    bd_remote_client_start (self->remote);
  update_status (self);
}

/* start_type lazy, as Mosquitto: the bridge connects when `threshold`
 * messages wait for it in its local session (the engine's count, which
 * survives restarts with the session), and disconnects after `idle_timeout`
 * seconds with nothing to send. A connection lost meanwhile is tried again
 * with the usual backoff, since what waits for it still does. */
static gboolean
lazy_check_cb (gpointer user_data)
{
  BdBridge *self = user_data;
  BdRemoteState state = bd_remote_client_get_state (self->remote);
  gint64 now = g_get_monotonic_time ();
  BdSessionQueueInfo queue;
  guint64 waiting;

  if (!self->local_ready || self->restart_source != NULL)
    return G_SOURCE_CONTINUE;
  if (state != BD_REMOTE_STATE_DISCONNECTED && state != BD_REMOTE_STATE_CONNECTED)
    return G_SOURCE_CONTINUE;
  bd_engine_get_session_queue (self->engine, self->local_id, &queue);
  waiting = queue.queued + queue.inflight + bd_remote_client_get_n_outgoing (self->remote);

  if (state == BD_REMOTE_STATE_DISCONNECTED && waiting >= self->config->threshold)
    {
      g_message ("Bridge %s: %" G_GUINT64_FORMAT " messages queued (threshold %u), connecting",
                 self->config->name, waiting, self->config->threshold);
      bd_remote_client_start (self->remote);
      update_status (self);
    }
  else if (state == BD_REMOTE_STATE_CONNECTED)
    {
      if (waiting > 0)
        self->last_busy_us = now;
      else if (self->config->idle_timeout > 0 &&
               now - self->last_busy_us >= (gint64) self->config->idle_timeout * G_USEC_PER_SEC)
        {
          g_message ("Bridge %s: idle for %u s, disconnecting (start_type lazy)",
                     self->config->name, self->config->idle_timeout);
          /* remote_state_cb parks the local session again. */
          bd_remote_client_stop (self->remote);
        }
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
tick_cb (gpointer user_data)
{
  BdBridge *self = user_data;
  gint64 now = g_get_monotonic_time ();
  double seconds = (now - self->last_tick_us) / (double) G_USEC_PER_SEC;
  guint sys_interval = bd_engine_get_config (self->engine)->sys_interval;
  BdSessionQueueInfo queue;

  /* What waits for the upstream is in the engine's session (queued, or in
   * flight to the bridge), plus what the upstream has not acknowledged. */
  bd_engine_get_session_queue (self->engine, self->local_id, &queue);
  update_status (self);
  g_mutex_lock (&self->lock);
  if (seconds > 0)
    {
      self->status.out_per_s = (self->status.out_total - self->last_out) / seconds;
      self->status.in_per_s = (self->status.in_total - self->last_in) / seconds;
    }
  self->last_out = self->status.out_total;
  self->last_in = self->status.in_total;
  self->status.queue_depth = queue.queued + queue.inflight;
  self->status.oldest_queued_us = queue.oldest_us;
  self->status.dropped = queue.dropped;
  g_mutex_unlock (&self->lock);
  self->last_tick_us = now;
  if (sys_interval > 0 && ++self->ticks % sys_interval == 0)
    {
      publish_sys (self, "queue/messages", queue.queued + queue.inflight);
      publish_sys (self, "queue/dropped", queue.dropped);
      publish_sys (self, "messages/sent", self->status.out_total);
      publish_sys (self, "messages/received", self->status.in_total);
    }
  return G_SOURCE_CONTINUE;
}

/* The local client subscribes to the 'out' topics on this side, the remote
 * one to the 'in' topics upstream; No Local on both, so that neither gets
 * back what the bridge itself published there. */
static void
subscribe_topics (BdRemoteClient       *client,
                  const BdBridgeConfig *config,
                  BdBridgeDirection     direction)
{
  g_autoptr(GArray) subs = g_array_new (FALSE, TRUE, sizeof (BdMqttSubscription));

  for (guint i = 0; i < config->topics->len; i++)
    {
      const BdBridgeTopic *t = g_ptr_array_index (config->topics, i);
      BdMqttSubscription sub = { 0 };

      if (!(t->direction & direction))
        continue;
      sub.filter = direction == BD_BRIDGE_OUT ? t->local_topic : t->remote_topic;
      sub.qos = t->qos;
      sub.no_local = TRUE;
      /* Retained messages keep their flag: bridge_outgoing_retain decides. */
      sub.retain_as_published = TRUE;
      g_array_append_val (subs, sub);
    }
  bd_remote_client_set_subscriptions (client, (BdMqttSubscription *) (gpointer) subs->data,
                                      subs->len);
}

/* As Mosquitto, unless bridge_attempt_unsubscribe is false: a topic that
 * only goes out is unsubscribed from upstream at each connection, in case a
 * kept session there still holds it from when the topic came in. */
static void
unsubscribe_outgoing (BdRemoteClient       *client,
                      const BdBridgeConfig *config)
{
  g_autoptr(GStrvBuilder) filters = g_strv_builder_new ();
  g_auto(GStrv) list = NULL;

  for (guint i = 0; config->attempt_unsubscribe && i < config->topics->len; i++)
    {
      const BdBridgeTopic *t = g_ptr_array_index (config->topics, i);

      if (!(t->direction & BD_BRIDGE_IN))
        g_strv_builder_add (filters, t->remote_topic);
    }
  list = g_strv_builder_end (filters);
  bd_remote_client_set_unsubscriptions (client, (const char * const *) list);
}

static BdRemoteClient *
make_local_client (BdBridge *self)
{
  g_autoptr(BdRemoteConfig) config = bd_remote_config_new ();
  BdRemoteClient *client;

  g_free (config->host);
  config->host = g_strdup ("internal");
  config->version = BD_MQTT_V5;
  config->clean_session = FALSE;
  config->client_id = g_strdup (self->local_id);
  config->keep_alive = 60;
  config->backoff_min_ms = 100;
  config->backoff_max_ms = 1000;
  config->receive_maximum = LOCAL_RECEIVE_MAXIMUM;
  client = bd_remote_client_new (config);
  subscribe_topics (client, self->config, BD_BRIDGE_OUT);
  bd_remote_client_set_stream_func (client, connect_local_cb, self);
  bd_remote_client_set_message_func (client, local_message_cb, self);
  return client;
}

static BdRemoteClient *
make_remote_client (BdBridge *self)
{
  const BdBridgeConfig *bc = self->config;
  const BdBridgeAddress *address = g_ptr_array_index (bc->addresses, self->address_index);
  g_autoptr(BdRemoteConfig) config = bd_bridge_dup_remote_config (bc, self->address_index);
  BdRemoteClient *client;

  config->version = bc->protocol_version == 5 ? BD_MQTT_V5
                    : bc->protocol_version == 3 ? BD_MQTT_V31 : BD_MQTT_V311;
  /* MQTT 5 has No Local for what try_private does in 3.x. */
  config->try_private = bc->try_private && bc->protocol_version != 5;
  config->clean_session = bc->cleansession;
  config->client_id = bd_bridge_config_dup_remote_clientid (bc);
  config->keep_alive = bc->keepalive_interval;
  config->backoff_min_ms = bc->restart_timeout_base * 1000;
  config->backoff_max_ms = (bc->restart_timeout_cap ? bc->restart_timeout_cap
                                                    : bc->restart_timeout_base) * 1000;
  if (bc->notifications && !bc->notifications_local_only)
    {
      config->will_topic = g_strdup (self->notification_topic);
      config->will_payload = g_strdup ("0");
    }
  client = bd_remote_client_new (config);
  subscribe_topics (client, bc, BD_BRIDGE_IN);
  unsubscribe_outgoing (client, bc);
  bd_remote_client_add_tap (client, "#", remote_message_cb, self, NULL);
  g_signal_connect (client, "notify::state", G_CALLBACK (remote_state_cb), self);
  g_mutex_lock (&self->lock);
  g_free (self->status.address);
  self->status.address = g_strdup_printf ("%s:%u", address->host, address->port);
  g_mutex_unlock (&self->lock);
  return client;
}

static gboolean
stop_cb (gpointer user_data)
{
  BdBridge *self = user_data;

  if (self->restart_source != NULL)
    {
      g_source_destroy (self->restart_source);
      g_clear_pointer (&self->restart_source, g_source_unref);
    }
  g_signal_handlers_disconnect_by_data (self->remote, self);
  g_signal_handlers_disconnect_by_data (self->local, self);
  if (self->was_connected)
    publish_state (self, FALSE);
  bd_remote_client_stop (self->local);
  bd_remote_client_stop (self->remote);
  g_main_loop_quit (self->loop);
  return G_SOURCE_REMOVE;
}

static gpointer
bridge_thread (gpointer data)
{
  BdBridge *self = data;

  g_main_context_push_thread_default (self->context);
  self->local = make_local_client (self);
  self->remote = make_remote_client (self);
  self->last_tick_us = g_get_monotonic_time ();
  self->tick_source = g_timeout_source_new_seconds (1);
  g_source_set_callback (self->tick_source, tick_cb, self, NULL);
  g_source_attach (self->tick_source, self->context);
  if (self->config->start_type == BD_BRIDGE_START_LAZY)
    {
      self->lazy_source = g_timeout_source_new (LAZY_CHECK_MS);
      g_source_set_callback (self->lazy_source, lazy_check_cb, self, NULL);
      g_source_attach (self->lazy_source, self->context);
    }

  if (self->config->notifications)
    publish_state (self, FALSE);
  g_signal_connect (self->local, "notify::state", G_CALLBACK (local_state_cb), self);
  bd_remote_client_start (self->local);
  update_status (self);
  g_main_loop_run (self->loop);

  g_source_destroy (self->tick_source);
  g_clear_pointer (&self->tick_source, g_source_unref);
  if (self->lazy_source != NULL)
    {
      g_source_destroy (self->lazy_source);
      g_clear_pointer (&self->lazy_source, g_source_unref);
    }
  g_clear_object (&self->remote);
  g_clear_object (&self->local);
  /* Let the closes run. */
  while (g_main_context_iteration (self->context, FALSE))
    ;
  g_main_context_pop_thread_default (self->context);
  return NULL;
}

/* ------------------------------------------------------------ GObject */

static void
bd_bridge_finalize (GObject *object)
{
  BdBridge *self = BD_BRIDGE (object);

  bd_bridge_stop (self);
  g_main_loop_unref (self->loop);
  g_main_context_unref (self->context);
  bd_engine_unref (self->engine);
  bd_bridge_config_free (self->config);
  g_free (self->local_id);
  g_free (self->notification_topic);
  g_free (self->logged_failure);
  g_free (self->status.name);
  g_free (self->status.address);
  g_free (self->status.reason);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (bd_bridge_parent_class)->finalize (object);
}

static void
bd_bridge_class_init (BdBridgeClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = bd_bridge_finalize;
}

static void
bd_bridge_init (BdBridge *self)
{
  g_mutex_init (&self->lock);
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->status.rtt_us = -1;
}

BdBridge *
bd_bridge_new (BdEngine             *engine,
               const BdBridgeConfig *config)
{
  BdBridge *self;

  g_return_val_if_fail (engine != NULL, NULL);
  g_return_val_if_fail (config != NULL && config->addresses->len > 0, NULL);

  self = g_object_new (BD_TYPE_BRIDGE, NULL);
  self->engine = bd_engine_ref (engine);
  self->config = bd_bridge_config_copy (config);
  self->local_id = bd_bridge_config_dup_local_clientid (config);
  self->notification_topic = bd_bridge_config_dup_notification_topic (config);
  self->status.name = g_strdup (config->name);
  if (config->start_type == BD_BRIDGE_START_LAZY)
    self->status.threshold = config->threshold;
  return self;
}

const BdBridgeConfig *
bd_bridge_get_config (BdBridge *self)
{
  g_return_val_if_fail (BD_IS_BRIDGE (self), NULL);
  return self->config;
}

const char *
bd_bridge_get_name (BdBridge *self)
{
  g_return_val_if_fail (BD_IS_BRIDGE (self), NULL);
  return self->config->name;
}

void
bd_bridge_start (BdBridge *self)
{
  g_autofree char *thread_name = NULL;

  g_return_if_fail (BD_IS_BRIDGE (self));

  if (self->thread != NULL)
    return;
  thread_name = g_strdup_printf ("bd-bridge");
  self->thread = g_thread_new (thread_name, bridge_thread, self);
}

void
bd_bridge_stop (BdBridge *self)
{
  g_return_if_fail (BD_IS_BRIDGE (self));

  if (self->thread == NULL)
    return;
  g_main_context_invoke (self->context, stop_cb, self);
  g_thread_join (self->thread);
  self->thread = NULL;
  g_mutex_lock (&self->lock);
  self->status.state = BD_BRIDGE_STATE_STOPPED;
  g_mutex_unlock (&self->lock);
}

BdBridgeStatus *
bd_bridge_dup_status (BdBridge *self)
{
  BdBridgeStatus *status;

  g_return_val_if_fail (BD_IS_BRIDGE (self), NULL);

  g_mutex_lock (&self->lock);
  status = g_memdup2 (&self->status, sizeof self->status);
  status->name = g_strdup (self->status.name);
  status->address = g_strdup (self->status.address);
  status->reason = g_strdup (self->status.reason);
  g_mutex_unlock (&self->lock);
  return status;
}

BdRemoteConfig *
bd_bridge_dup_remote_config (const BdBridgeConfig *config,
                             guint                 index)
{
  const BdBridgeAddress *address;
  BdRemoteConfig *remote;

  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (index < config->addresses->len, NULL);

  address = g_ptr_array_index (config->addresses, index);
  remote = bd_remote_config_new ();
  g_free (remote->host);
  remote->host = g_strdup (address->host);
  remote->port = address->port;
  remote->username = g_strdup (config->remote_username);
  remote->password = g_strdup (config->remote_password);
  remote->use_tls = config->cafile != NULL || config->capath != NULL;
  remote->ca_file = g_strdup (config->cafile);
  remote->ca_path = g_strdup (config->capath);
  remote->bind_address = g_strdup (config->bind_address);
  remote->cert_file = g_strdup (config->certfile);
  remote->key_file = g_strdup (config->keyfile);
  remote->insecure = config->insecure;
  remote->alpn = g_strdup (config->alpn);
  /* With TLS on, this is wss. */
  remote->use_websockets = config->websockets;
  remote->websocket_path = g_strdup (config->websocket_path);
  return remote;
}
