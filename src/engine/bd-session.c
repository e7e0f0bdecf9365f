/* bd-session.c — MQTT sessions: the in-flight window and the message queue
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Outgoing QoS 1/2 messages of a session live in one of two places:
 *
 *   queue ──pump──► in-flight window (≤ max_inflight_messages) ──ack──► gone
 *
 * A message enters the window when it is sent with a fresh packet identifier
 * and leaves it with PUBACK (QoS 1) or PUBCOMP (QoS 2, after PUBREC/PUBREL).
 * While the window is full, or while the client is away, messages wait in the
 * queue (≤ max_queued_messages; beyond that they are dropped and counted).
 * Once anything waits in the queue, new messages queue behind it, so a
 * subscriber receives the messages of a topic in order [MQTT-4.6.0-5].
 * On reconnection the window is re-sent first, oldest first, with DUP set
 * (PUBREL for those already past PUBREC) [MQTT-4.4.0-1], then the queue.
 */

#include "config.h"

#include "bd-engine-private.h"

static void
outgoing_free (gpointer data)
{
  BdOutgoing *out = data;

  g_clear_pointer (&out->message, bd_message_unref);
  g_free (out);
}

static void
queued_free (BdQueued *queued)
{
  bd_message_unref (queued->message);
  g_free (queued);
}

static void
subscription_free (gpointer data)
{
  BdSubscription *sub = data;

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
  /* Keys are the subscription's own filter string. */
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
  _bd_engine_resume_waiting (engine, session);

  while ((queued = g_queue_pop_head (&session->queue)) != NULL)
    queued_free (queued);
  g_clear_pointer (&session->outgoing, g_hash_table_destroy);
  g_clear_pointer (&session->subscriptions, g_hash_table_destroy);
  g_clear_pointer (&session->incoming_qos2, g_hash_table_destroy);
  g_free (session->username);
  g_free (session->client_id);
  g_free (session);
}

void
_bd_session_unsubscribe_all (BdSession *session)
{
  GHashTableIter iter;
  const char *filter;

  if (session->subscriptions == NULL)
    return;
  g_hash_table_iter_init (&iter, session->subscriptions);
  while (g_hash_table_iter_next (&iter, (gpointer *) &filter, NULL))
    bd_trie_remove (session->engine->subs, filter, session);
  g_hash_table_remove_all (session->subscriptions);
}

void
_bd_engine_drop_session (BdEngine  *engine,
                         BdSession *session)
{
  g_hash_table_steal (engine->sessions, session->client_id);
  _bd_session_unsubscribe_all (session);
  _bd_session_free (session);
}

static gboolean
session_window_full (BdSession *session)
{
  guint max = session->engine->config->max_inflight_messages;

  return max > 0 && session_n_inflight (session) >= max;
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

static void
session_send_inflight (BdSession *session,
                       BdMessage *message,
                       guint8     qos,
                       gboolean   retain)
{
  BdOutgoing *out = g_new0 (BdOutgoing, 1);

  out->message = bd_message_ref (message);
  out->packet_id = session_next_packet_id (session);
  out->qos = qos;
  out->retain = retain;
  out->state = qos == 1 ? BD_OUT_WAIT_PUBACK : BD_OUT_WAIT_PUBREC;
  out->link.data = out;
  g_hash_table_insert (session_get_outgoing (session), GUINT_TO_POINTER (out->packet_id), out);
  g_queue_push_tail_link (&session->inflight_order, &out->link);
  session->engine->counters.inflight_messages++;

  _bd_connection_send_publish (session->conn, message, qos, retain, FALSE, out->packet_id);
}

static void
session_enqueue (BdSession *session,
                 BdMessage *message,
                 guint8     qos,
                 gboolean   retain)
{
  BdEngine *engine = session->engine;
  guint max = engine->config->max_queued_messages;
  BdQueued *queued;

  if (max > 0 && session->queue.length >= max)
    {
      engine->counters.publish_dropped++;
      g_debug ("Dropped a message for %s on “%s”: max_queued_messages (%u) reached",
               session->client_id, message->topic, max);
      return;
    }

  queued = g_new0 (BdQueued, 1);
  queued->message = bd_message_ref (message);
  queued->qos = qos;
  queued->retain = retain;
  g_queue_push_tail (&session->queue, queued);
  engine->counters.queued_messages++;
}

void
_bd_session_deliver (BdSession *session,
                     BdMessage *message,
                     guint8     qos,
                     gboolean   retain)
{
  BdEngine *engine = session->engine;

  if (session->conn == NULL)
    {
      /* Only QoS 1/2 wait for an absent client [MQTT-3.1.2-5], QoS 0 too if
       * the configuration asks for it (queue_qos0_messages). */
      if (qos > 0 || engine->config->queue_qos0_messages)
        session_enqueue (session, message, qos, retain);
      return;
    }

  if (qos == 0)
    {
      if (_bd_connection_can_take_qos0 (session->conn))
        _bd_connection_send_publish (session->conn, message, 0, retain, FALSE, 0);
      else
        engine->counters.publish_dropped++;
      return;
    }

  if (session->queue.length > 0 || session_window_full (session))
    session_enqueue (session, message, qos, retain);
  else
    session_send_inflight (session, message, qos, retain);
}

void
_bd_session_pump (BdSession *session)
{
  BdEngine *engine = session->engine;
  BdQueued *queued;

  while (session->conn != NULL && session->conn->state == BD_CONN_CONNECTED &&
         !session_window_full (session) &&
         (queued = g_queue_pop_head (&session->queue)) != NULL)
    {
      engine->counters.queued_messages--;
      /* Drained to the low-water mark: paused publishers may go on. */
      if (session->queue.length == _bd_session_queue_high (engine) / 2)
        {
          session->slow = FALSE;
          _bd_engine_resume_waiting (engine, session);
        }
      if (queued->qos == 0)
        _bd_connection_send_publish (session->conn, queued->message, 0, queued->retain, FALSE, 0);
      else
        session_send_inflight (session, queued->message, queued->qos, queued->retain);
      queued_free (queued);
    }
}

void
_bd_session_resume (BdSession *session)
{
  for (GList *l = session->inflight_order.head; l != NULL; l = l->next)
    {
      BdOutgoing *out = l->data;

      if (out->state == BD_OUT_WAIT_PUBCOMP)
        {
          guint8 pubrel[4] = { 0x62, 0x02, out->packet_id >> 8, out->packet_id & 0xff };

          _bd_connection_send (session->conn, pubrel, sizeof pubrel);
        }
      else
        {
          /* [MQTT-4.4.0-1] re-sent with DUP = 1 [MQTT-3.3.1-1]. */
          _bd_connection_send_publish (session->conn, out->message, out->qos, out->retain,
                                       TRUE, out->packet_id);
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
      break;

    case BD_MQTT_PUBREC:
      if (out->state != BD_OUT_WAIT_PUBREC)
        return FALSE;
      /* From here only the identifier matters: the message is delivered. */
      out->state = BD_OUT_WAIT_PUBCOMP;
      g_clear_pointer (&out->message, bd_message_unref);
      return TRUE;

    case BD_MQTT_PUBCOMP:
      if (out->state != BD_OUT_WAIT_PUBCOMP)
        return FALSE;
      break;

    default:
      g_assert_not_reached ();
    }

  g_queue_unlink (&session->inflight_order, &out->link);
  g_hash_table_remove (session->outgoing, GUINT_TO_POINTER (packet_id));
  session->engine->counters.inflight_messages--;
  _bd_session_pump (session);
  return TRUE;
}
