/* bd-session.c — MQTT sessions: the in-flight window, the queue, their end
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Outgoing QoS 1/2 messages of a session live in one of two places:
 *
 *   queue ──pump──► in-flight window ──ack──► gone
 *
 * A message enters the window when it is sent with a fresh packet identifier
 * and leaves it with PUBACK (QoS 1) or PUBCOMP (QoS 2, after PUBREC/PUBREL).
 * The window is max_inflight_messages, or less if an MQTT 5 client's Receive
 * Maximum says so [MQTT-3.3.4-7], and it is also full once the payloads in it
 * reach max_inflight_bytes (a single larger message still goes, alone). While
 * the window is full, or while the client is away, messages wait in the queue
 * (until it holds max_queued_messages, or its payloads max_queued_bytes,
 * whichever comes first; beyond that they are dropped and counted). Both byte
 * counts are payload sizes, as Mosquitto counts them, kept as running totals
 * so the check per message is one comparison. Once anything waits in the queue, new
 * messages queue behind it, so a subscriber receives the messages of a topic
 * in order [MQTT-4.6.0-5]. On reconnection the window is re-sent first,
 * oldest first, with DUP set (PUBREL for those already past PUBREC)
 * [MQTT-4.4.0-1], then the queue.
 *
 * A session ends when its connection does (expiry interval 0: Clean Session 1
 * in 3.1.1), or that many seconds later (MQTT 5 Session Expiry Interval), or
 * never (3.1.1 Clean Session 0, unless persistent_client_expiration). When it
 * ends, messages it got through a shared subscription and had not acknowledged
 * go to another member of the group, and a will still waiting for its delay
 * is published.
 */

#include "config.h"

#include <string.h>

#include "bd-engine-private.h"
#include "bd-topic.h"

/* ---------------------------------------------------------------- storage */

static void
outgoing_free (gpointer data)
{
  BdOutgoing *out = data;

  _bd_store_msg_forget (&out->wait);
  g_clear_pointer (&out->message, bd_message_unref);
  g_clear_pointer (&out->group, _bd_share_group_unref);
  g_free (out->sub_ids);
  g_free (out);
}

static void
queued_free (BdQueued *queued)
{
  _bd_store_msg_forget (&queued->wait);
  bd_message_unref (queued->message);
  g_clear_pointer (&queued->group, _bd_share_group_unref);
  g_free (queued->sub_ids);
  g_free (queued);
}

static void
subscription_free (gpointer data)
{
  BdSubscription *sub = data;

  g_assert (sub->group == NULL);
  g_free (sub->filter);
  g_free (sub);
}

BdSession *
_bd_session_new (BdEngine   *engine,
                 const char *client_id)
{
  BdSession *session = g_new0 (BdSession, 1);

  session->engine = engine;
  session->client_id = g_strdup (client_id);
  session->next_packet_id = 1;
  return session;
}

GHashTable *
_bd_session_get_subscriptions (BdSession *session)
{
  if (session->subscriptions == NULL)
    /* Keys are the subscription's own filter string. */
    session->subscriptions = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, subscription_free);
  return session->subscriptions;
}

static GHashTable *
session_get_outgoing (BdSession *session)
{
  if (session->outgoing == NULL)
    session->outgoing = g_hash_table_new_full (NULL, NULL, NULL, outgoing_free);
  return session->outgoing;
}

static guint
session_n_inflight (BdSession *session)
{
  return session->outgoing ? g_hash_table_size (session->outgoing) : 0;
}

/* Above this many queued messages for a connected client, publishers that
 * feed it are paused (TCP backpressure) instead of letting the queue hit
 * max_queued_messages and drop: see _bd_connection_pause (). */
guint
_bd_session_queue_high (BdEngine *engine)
{
  guint max = engine->config->max_queued_messages;

  return max > 0 ? MAX (max / 2, 1) : 1000;
}

void
_bd_session_free (BdSession *session)
{
  BdEngine *engine = session->engine;
  BdQueued *queued;

  engine->counters.inflight_messages -= session_n_inflight (session);
  engine->counters.queued_messages -= session->queue.length;

  /* Nobody waits for this session's queue any more. */
  _bd_connection_resume_waiting (engine, session);

  while ((queued = g_queue_pop_head (&session->queue)) != NULL)
    queued_free (queued);
  g_clear_pointer (&session->outgoing, g_hash_table_destroy);
  /* A stored session still freed with its subscriptions (the engine going
   * away) leaves its shared groups, whose member list points at it. */
  _bd_session_unsubscribe_all (session);
  g_clear_pointer (&session->subscriptions, g_hash_table_destroy);
  g_clear_pointer (&session->incoming_qos2, g_hash_table_destroy);
  g_clear_pointer (&session->route_sub_ids, g_array_unref);
  g_clear_pointer (&session->pending_will, bd_message_unref);
  g_free (session->username);
  g_free (session->client_id);
  g_free (session);
}

void
_bd_session_unsubscribe_all (BdSession *session)
{
  GHashTableIter iter;
  BdSubscription *sub;

  if (session->subscriptions == NULL)
    return;
  g_hash_table_iter_init (&iter, session->subscriptions);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &sub))
    {
      if (sub->group != NULL)
        _bd_share_group_leave (session->engine, session, sub);
      else
        bd_trie_remove (session->engine->subs, sub->filter, session);
    }
  g_hash_table_remove_all (session->subscriptions);
}

/* Shared-subscription messages the ending session holds go to the group's
 * other members (4.8.2: a message is delivered to one member; if that one
 * goes away before acknowledging, another gets it). */
static void
session_hand_over_shared (BdSession *session)
{
  g_autoptr(GPtrArray) messages = g_ptr_array_new_with_free_func ((GDestroyNotify) bd_message_unref);
  g_autoptr(GPtrArray) groups = g_ptr_array_new_with_free_func ((GDestroyNotify) _bd_share_group_unref);
  g_autoptr(GArray) qos = g_array_new (FALSE, FALSE, 1);

  for (GList *l = session->inflight_order.head; l != NULL; l = l->next)
    {
      BdOutgoing *out = l->data;

      if (out->group != NULL && out->message != NULL)
        {
          g_ptr_array_add (messages, bd_message_ref (out->message));
          g_ptr_array_add (groups, _bd_share_group_ref (out->group));
          g_array_append_val (qos, out->qos);
        }
    }
  for (GList *l = session->queue.head; l != NULL; l = l->next)
    {
      BdQueued *queued = l->data;

      if (queued->group != NULL)
        {
          g_ptr_array_add (messages, bd_message_ref (queued->message));
          g_ptr_array_add (groups, _bd_share_group_ref (queued->group));
          g_array_append_val (qos, queued->qos);
        }
    }
  if (messages->len == 0)
    return;

  /* Leave the groups first, so the messages cannot come back here. */
  _bd_session_unsubscribe_all (session);

  for (guint i = 0; i < messages->len; i++)
    {
      BdShareGroup *group = g_ptr_array_index (groups, i);
      BdSession *member;
      BdDelivery delivery = { .qos = g_array_index (qos, guint8, i), .group = group };

      if (group->dead || group->members->len == 0)
        continue;
      member = g_ptr_array_index (group->members, group->next++ % group->members->len);
      _bd_session_deliver (member, g_ptr_array_index (messages, i), &delivery);
    }
}

void
_bd_session_drop (BdEngine  *engine,
                  BdSession *session)
{
  g_autoptr(BdMessage) will = g_steal_pointer (&session->pending_will);

  g_hash_table_steal (engine->sessions, session->client_id);
  _bd_store_session_del (session);
  session_hand_over_shared (session);
  _bd_session_unsubscribe_all (session);
  _bd_session_free (session);

  /* A delayed will goes out when the session ends, whichever comes first
   * (3.1.3.2.2 of MQTT 5). */
  if (will != NULL)
    _bd_route_will (engine, will);
}

/* Called when a connection ends without DISCONNECT: the will (taken over)
 * goes out now, or after its MQTT 5 Will Delay Interval if the session
 * outlives the connection [MQTT-3.1.3-9]. */
void
_bd_session_end_will (BdSession *session,
                      BdMessage *will,
                      guint32    delay)
{
  g_autoptr(BdMessage) owned = will;

  if (delay == 0 || session->clean)
    {
      _bd_route_will (session->engine, will);
      return;
    }
  g_clear_pointer (&session->pending_will, bd_message_unref);
  session->pending_will = g_steal_pointer (&owned);
  session->will_at_us = g_get_monotonic_time () + MIN (delay, session->expiry_interval) * G_USEC_PER_SEC;
  _bd_store_will_set (session);
}

/* Session expiry and delayed wills, from the engine's tick. */
void
_bd_session_check_expiry (BdEngine *engine,
                          gint64    now_us)
{
  GHashTableIter iter;
  BdSession *session;
  gint64 v3_limit_us = engine->config->persistent_client_expiration * G_USEC_PER_SEC;
  g_autoptr(GPtrArray) ending = g_ptr_array_new ();

  g_hash_table_iter_init (&iter, engine->sessions);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &session))
    {
      gint64 idle_us;

      if (session->conn != NULL)
        continue;

      if (session->pending_will != NULL && now_us >= session->will_at_us)
        {
          g_autoptr(BdMessage) will = g_steal_pointer (&session->pending_will);

          _bd_store_will_clear (session);
          _bd_route_will (engine, will);
        }

      idle_us = now_us - session->disconnected_at;
      if (session->expiry_interval == G_MAXUINT32)
        {
          if (v3_limit_us > 0 && idle_us > v3_limit_us)
            g_ptr_array_add (ending, session);
        }
      else if (idle_us >= (gint64) session->expiry_interval * G_USEC_PER_SEC)
        g_ptr_array_add (ending, session);
    }

  for (guint i = 0; i < ending->len; i++)
    {
      session = g_ptr_array_index (ending, i);
      char id[BD_LOG_TEXT_SIZE];

      g_info ("Session of %s expired", _bd_log_text (id, session->client_id));
      engine->counters.clients_disconnected--;
      _bd_session_drop (engine, session);
    }
}

gboolean
_bd_session_may (BdSession   *session,
                 const char  *topic,
                 BdAclAccess  access)
{
  return session->auth == NULL || !bd_auth_has_acl (session->auth) ||
         bd_auth_acl_check (session->auth, session->client_id, session->username, topic, access);
}

/* --------------------------------------------------------------- delivery */

static guint
session_window (BdSession *session)
{
  guint max = session->engine->config->max_inflight_messages;

  /* A bridge's local session (an internal connection) gets the window it
   * asked for: its acknowledgements wait for the upstream's, so a window of
   * max_inflight_messages would bound the bridge by the upstream's round
   * trip. */
  if (session->conn != NULL && session->conn->listener->index == BD_LISTENER_INTERNAL)
    return session->conn->client_receive_max;
  if (max == 0)
    max = G_MAXUINT16;
  if (session->conn != NULL)
    max = MIN (max, session->conn->client_receive_max);
  return max;
}

static gboolean
session_window_full (BdSession *session)
{
  guint64 max_bytes = session->engine->config->max_inflight_bytes;

  return session_n_inflight (session) >= session_window (session) ||
         (max_bytes > 0 && session->inflight_bytes >= max_bytes);
}

static guint16
session_next_packet_id (BdSession *session)
{
  /* Identifiers in use are skipped; 0 is not an identifier [MQTT-2.3.1-1].
   * The window is at most 65535, so this terminates. */
  for (;;)
    {
      guint16 id = session->next_packet_id++;

      if (session->next_packet_id == 0)
        session->next_packet_id = 1;
      if (id != 0 && !g_hash_table_contains (session_get_outgoing (session), GUINT_TO_POINTER (id)))
        return id;
    }
}

/* A message (NULL: only a PUBREL due) enters the window with @packet_id. */
static BdOutgoing *
outgoing_add (BdSession *session,
              BdMessage *message,
              guint8     qos,
              gboolean   retain,
              guint16    packet_id)
{
  BdOutgoing *out = g_new0 (BdOutgoing, 1);

  out->message = message != NULL ? bd_message_ref (message) : NULL;
  out->packet_id = packet_id;
  out->qos = qos;
  out->retain = retain;
  out->state = message == NULL ? BD_OUT_WAIT_PUBCOMP
               : qos == 1 ? BD_OUT_WAIT_PUBACK : BD_OUT_WAIT_PUBREC;
  out->bytes = message != NULL ? (guint32) g_bytes_get_size (message->payload) : 0;
  session->inflight_bytes += out->bytes;
  out->link.data = out;
  g_hash_table_insert (session_get_outgoing (session), GUINT_TO_POINTER (packet_id), out);
  g_queue_push_tail_link (&session->inflight_order, &out->link);
  session->engine->counters.inflight_messages++;
  return out;
}

/* @from: the queue entry it comes from (its record moves along), or NULL. */
static void
session_send_inflight (BdSession        *session,
                       BdMessage        *message,
                       const BdDelivery *delivery,
                       BdQueued         *from)
{
  BdOutgoing *out;
  guint16 packet_id = session_next_packet_id (session);
  guint64 store_id = from != NULL ? from->store_id : 0;

  /* A message larger than the client's Maximum Packet Size is dropped for
   * that client, as if it had been delivered [MQTT-3.1.2-25]. One restored
   * to the queue may have been sent before the broker stopped (its packet
   * id not recorded yet): DUP says it might be a re-delivery
   * [MQTT-3.3.1-1]. */
  if (!_bd_connection_send_publish (session->conn, message, delivery,
                                    from != NULL && from->restored, packet_id))
    {
      if (from != NULL)
        _bd_store_msg_done (session, store_id, &from->wait, &from->loc);
      return;
    }
  out = outgoing_add (session, message, delivery->qos, delivery->retain, packet_id);
  /* From the send, not the routing: time in the queue says how busy the
   * client is, not how soon it answers. */
  out->sent_us = g_get_monotonic_time ();
  out->sub_ids = g_memdup2 (delivery->sub_ids, delivery->n_sub_ids * sizeof (guint32));
  out->n_sub_ids = delivery->n_sub_ids;
  out->group = delivery->group ? _bd_share_group_ref (delivery->group) : NULL;
  /* Sent to a connected client: its record is provisional (see
   * bd-store.c), and carries the packet id. One from the queue was
   * recorded before it had an id: the id is recorded now. */
  if (from == NULL)
    out->store_id = _bd_store_msg_add (session, message, delivery->qos, delivery->retain,
                                       packet_id, &out->wait, &out->loc);
  else
    {
      out->store_id = store_id;
      out->wait = g_steal_pointer (&from->wait);
      out->loc = from->loc;
      _bd_store_msg_sent (session, out);
    }
}

/* After a restored window entry: new ids follow the restored ones. */
static void
session_restored_id (BdSession *session,
                     guint16    packet_id)
{
  session->next_packet_id = packet_id == G_MAXUINT16 ? 1 : packet_id + 1;
}

gboolean
_bd_session_restore_inflight (BdSession *session,
                              BdMessage *message,
                              guint8     qos,
                              gboolean   retain,
                              guint16    packet_id,
                              guint64    store_id)
{
  BdOutgoing *out;

  if (packet_id == 0 || qos == 0 ||
      g_hash_table_contains (session_get_outgoing (session), GUINT_TO_POINTER (packet_id)))
    return FALSE;
  out = outgoing_add (session, message, qos, retain, packet_id);
  out->store_id = store_id;
  session_restored_id (session, packet_id);
  return TRUE;
}

gboolean
_bd_session_restore_pubrel (BdSession *session,
                            guint16    packet_id)
{
  BdOutgoing *out;

  if (packet_id == 0 ||
      g_hash_table_contains (session_get_outgoing (session), GUINT_TO_POINTER (packet_id)))
    return FALSE;
  out = outgoing_add (session, NULL, 2, FALSE, packet_id);
  out->pubrel_stored = TRUE;
  session_restored_id (session, packet_id);
  return TRUE;
}

static void
session_enqueue (BdSession        *session,
                 BdMessage        *message,
                 const BdDelivery *delivery)
{
  BdEngine *engine = session->engine;
  guint max = engine->config->max_queued_messages;
  guint64 max_bytes = engine->config->max_queued_bytes;
  BdBridgeQueue *bridge = engine->bridge_queues != NULL
                          ? g_hash_table_lookup (engine->bridge_queues, session->client_id)
                          : NULL;
  BdQueued *queued;

  /* A bridge's queue keeps the newest: what the upstream wants after an
   * outage is the present, and its bound is counted per bridge. */
  if (bridge != NULL && bridge->max > 0 && session->queue.length >= bridge->max)
    {
      BdQueued *oldest = g_queue_pop_head (&session->queue);

      engine->counters.queued_messages--;
      engine->counters.publish_dropped++;
      session->queued_bytes -= g_bytes_get_size (oldest->message->payload);
      _bd_store_msg_del (session, oldest->store_id);
      queued_free (oldest);
      bridge->dropped++;
      /* Said at the first drop and every thousandth, not once a message. */
      if (bridge->dropped == 1 || bridge->dropped % 1000 == 0)
        g_warning ("Bridge %s: its queue is full (%u messages), the oldest dropped "
                   "(%" G_GUINT64_FORMAT " so far)", bridge->name, bridge->max, bridge->dropped);
    }
  if (bridge != NULL)
    {
      max = 0;
      max_bytes = 0;
    }

  /* As in Mosquitto, a message is queued while the queue is below both
   * limits, so the one that crosses max_queued_bytes still gets in. */
  if ((max > 0 && session->queue.length >= max) ||
      (max_bytes > 0 && session->queued_bytes >= max_bytes))
    {
      engine->counters.publish_dropped++;
      g_debug ("Dropped a message for %s on “%s”: %s reached",
               session->client_id, message->topic,
               max > 0 && session->queue.length >= max ? "max_queued_messages" : "max_queued_bytes");
      return;
    }

  queued = g_new0 (BdQueued, 1);
  queued->message = bd_message_ref (message);
  queued->qos = delivery->qos;
  queued->retain = delivery->retain;
  queued->sub_ids = g_memdup2 (delivery->sub_ids, delivery->n_sub_ids * sizeof (guint32));
  queued->n_sub_ids = delivery->n_sub_ids;
  queued->group = delivery->group ? _bd_share_group_ref (delivery->group) : NULL;
  queued->store_id = _bd_store_msg_add (session, message, delivery->qos, delivery->retain, 0,
                                        &queued->wait, &queued->loc);
  queued->restored = engine->store_restore_id != 0;
  g_queue_push_tail (&session->queue, queued);
  session->queued_bytes += g_bytes_get_size (message->payload);
  engine->counters.queued_messages++;
}

gboolean
_bd_message_expired (BdMessage *message,
                     gint64     now_us)
{
  return message->expiry_us != 0 && now_us >= message->expiry_us;
}

void
_bd_session_deliver (BdSession        *session,
                     BdMessage        *message,
                     const BdDelivery *delivery)
{
  BdEngine *engine = session->engine;

  BD_ENGINE_ASSERT_THREAD (engine);

  if (session->conn == NULL)
    {
      /* Only QoS 1/2 wait for an absent client [MQTT-3.1.2-5], QoS 0 too if
       * the configuration asks for it (queue_qos0_messages). */
      if (delivery->qos > 0 || engine->config->queue_qos0_messages)
        session_enqueue (session, message, delivery);
      return;
    }

  if (delivery->qos == 0)
    {
      if (_bd_connection_can_take_qos0 (session->conn))
        _bd_connection_send_publish (session->conn, message, delivery, FALSE, 0);
      else
        engine->counters.publish_dropped++;
      return;
    }

  if (session->queue.length > 0 || session_window_full (session))
    session_enqueue (session, message, delivery);
  else
    session_send_inflight (session, message, delivery, NULL);
}

static void
delivery_from_queued (BdDelivery     *delivery,
                      const BdQueued *queued)
{
  delivery->qos = queued->qos;
  delivery->retain = queued->retain;
  delivery->sub_ids = queued->sub_ids;
  delivery->n_sub_ids = queued->n_sub_ids;
  delivery->group = queued->group;
}

void
_bd_session_pump (BdSession *session)
{
  BdEngine *engine = session->engine;
  BdQueued *queued;
  gint64 now = 0;

  while (session->conn != NULL && session->conn->state == BD_CONN_CONNECTED &&
         !session_window_full (session) &&
         (queued = g_queue_pop_head (&session->queue)) != NULL)
    {
      BdDelivery delivery;

      engine->counters.queued_messages--;
      session->queued_bytes -= g_bytes_get_size (queued->message->payload);
      /* Drained to the low-water mark: paused publishers may go on. */
      if (session->queue.length == _bd_session_queue_high (engine) / 2)
        {
          session->slow = FALSE;
          _bd_connection_resume_waiting (engine, session);
        }

      if (queued->message->expiry_us != 0)
        {
          if (now == 0)
            now = g_get_monotonic_time ();
          /* Expired while it waited: not delivered [MQTT-3.3.2-5]. */
          if (_bd_message_expired (queued->message, now))
            {
              _bd_store_msg_del (session, queued->store_id);
              queued_free (queued);
              continue;
            }
        }

      delivery_from_queued (&delivery, queued);
      if (queued->qos == 0)
        _bd_connection_send_publish (session->conn, queued->message, &delivery, FALSE, 0);
      else
        session_send_inflight (session, queued->message, &delivery, queued);
      queued_free (queued);
    }
}

void
_bd_session_resume (BdSession *session)
{
  for (GList *l = session->inflight_order.head; l != NULL; l = l->next)
    {
      BdOutgoing *out = l->data;

      /* Its acknowledgement's latency counts from here, not from before
       * the client was away. */
      out->sent_us = g_get_monotonic_time ();
      if (out->state == BD_OUT_WAIT_PUBCOMP)
        {
          guint8 pubrel[4] = { 0x62, 0x02, out->packet_id >> 8, out->packet_id & 0xff };

          _bd_connection_send (session->conn, pubrel, sizeof pubrel);
        }
      else
        {
          BdDelivery delivery = {
            .qos = out->qos, .retain = out->retain,
            .sub_ids = out->sub_ids, .n_sub_ids = out->n_sub_ids,
          };

          /* [MQTT-4.4.0-1] re-sent with DUP = 1 [MQTT-3.3.1-1]. */
          _bd_connection_send_publish (session->conn, out->message, &delivery, TRUE, out->packet_id);
        }
    }
  _bd_session_pump (session);
}

gboolean
_bd_session_ack (BdSession        *session,
                 BdMqttPacketType  type,
                 guint16           packet_id)
{
  BdOutgoing *out;

  if (session->outgoing == NULL)
    return FALSE;
  out = g_hash_table_lookup (session->outgoing, GUINT_TO_POINTER (packet_id));
  if (out == NULL)
    return FALSE;

  switch (type)
    {
    case BD_MQTT_PUBACK:
      if (out->state != BD_OUT_WAIT_PUBACK)
        return FALSE;
      _bd_store_note_ack (session, out->sent_us);
      _bd_store_msg_puback (session, out);
      break;

    case BD_MQTT_PUBREC:
      if (out->state != BD_OUT_WAIT_PUBREC)
        return FALSE;
      /* From here only the identifier matters: the message is delivered.
       * The store replaces it by the PUBREL due; the PUBREL that answers
       * waits until the store forgets the message, so that it is never
       * delivered twice. */
      out->state = BD_OUT_WAIT_PUBCOMP;
      _bd_store_note_ack (session, out->sent_us);
      _bd_store_msg_pubrec (session, out);
      g_clear_pointer (&out->message, bd_message_unref);
      g_clear_pointer (&out->group, _bd_share_group_unref);
      return TRUE;

    case BD_MQTT_PUBCOMP:
      if (out->state != BD_OUT_WAIT_PUBCOMP)
        return FALSE;
      _bd_store_pubrel_done (session, out);
      break;

    default:
      g_assert_not_reached ();
    }

  g_queue_unlink (&session->inflight_order, &out->link);
  session->inflight_bytes -= out->bytes;
  g_hash_table_remove (session->outgoing, GUINT_TO_POINTER (packet_id));
  session->engine->counters.inflight_messages--;
  _bd_session_pump (session);
  return TRUE;
}
