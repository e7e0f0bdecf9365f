/* bd-route.c — a message's way to the sessions and taps that want it
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Matches a published message against the subscription trie (plain and
 * shared subscriptions) and the taps, and hands it to each session once.
 * Wills go the same way. Runs on the engine thread.
 */

#include "config.h"

#include "bd-engine-private.h"

typedef struct
{
  BdEngine  *engine;
  BdMessage *message;
  BdSession *publisher;
  guint      delivered;
} RouteCall;

static void
route_match_cb (const char    *filter,
                gconstpointer  key,
                gpointer       value,
                gpointer       user_data)
{
  RouteCall *call = user_data;
  BdEngine *engine = call->engine;
  BdSession *session = (BdSession *) key;
  BdSubscription *sub = value;

  /* No Local: not to the publisher's own subscription [MQTT-3.8.3-3]. */
  if (sub->no_local && session == call->publisher)
    return;

  /* Overlapping subscriptions of one session: deliver once, at the highest
   * QoS granted among them [MQTT-3.3.5-1], with the identifiers of all of
   * them [MQTT-3.3.4-3]. */
  if (session->route_gen != engine->route_gen)
    {
      session->route_gen = engine->route_gen;
      session->route_qos = sub->qos;
      session->route_retain_as_published = sub->retain_as_published;
      if (session->route_sub_ids != NULL)
        g_array_set_size (session->route_sub_ids, 0);
      g_ptr_array_add (engine->route_targets, session);
    }
  else
    {
      session->route_qos = MAX (session->route_qos, sub->qos);
      session->route_retain_as_published |= sub->retain_as_published;
    }
  if (sub->subscription_id != 0)
    {
      if (session->route_sub_ids == NULL)
        session->route_sub_ids = g_array_new (FALSE, FALSE, sizeof (guint32));
      g_array_append_val (session->route_sub_ids, sub->subscription_id);
    }
}

static void
route_pause_publisher (BdEngine  *engine,
                       BdSession *target,
                       BdSession *publisher)
{
  /* A connected subscriber falling behind: stop reading from the publisher
   * until it catches up, rather than drop at the queue limit. */
  if (publisher != NULL && publisher->conn != NULL && target != publisher &&
      target->conn != NULL && !target->slow &&
      target->queue.length >= _bd_session_queue_high (engine))
    _bd_connection_pause (publisher->conn, target);
}

/* One message per shared subscription group, to its members in turn,
 * preferring those that are connected and have room [MQTT 5, 4.8.2]. */
static void
route_shared_cb (const char    *filter,
                 gconstpointer  key,
                 gpointer       value,
                 gpointer       user_data)
{
  RouteCall *call = user_data;
  BdShareGroup *group = value;
  BdSession *chosen = NULL;
  BdSubscription *sub;
  BdDelivery delivery = { 0 };
  guint n = group->members->len;

  for (guint i = 0; i < n && chosen == NULL; i++)
    {
      BdSession *member = g_ptr_array_index (group->members, (group->next + i) % n);

      if (member->conn != NULL && member->queue.length == 0)
        {
          chosen = member;
          group->next = (group->next + i + 1) % n;
        }
    }
  if (chosen == NULL)
    {
      chosen = g_ptr_array_index (group->members, group->next % n);
      group->next = (group->next + 1) % n;
    }

  if (!_bd_session_may (chosen, call->message->topic, BD_ACL_READ))
    return;
  sub = g_hash_table_lookup (chosen->subscriptions, group->key);
  delivery.qos = _bd_engine_out_qos (call->engine, call->message->qos, sub->qos);
  delivery.retain = call->message->retain && sub->retain_as_published;
  delivery.sub_ids = sub->subscription_id ? &sub->subscription_id : NULL;
  delivery.n_sub_ids = sub->subscription_id ? 1 : 0;
  delivery.group = group;
  _bd_session_deliver (chosen, call->message, &delivery);
  route_pause_publisher (call->engine, chosen, call->publisher);
  call->delivered++;
}

static void
tap_match_cb (const char    *filter,
              gconstpointer  key,
              gpointer       value,
              gpointer       user_data)
{
  BdTap *tap = value;

  tap->func (user_data, tap->user_data);
}

guint
_bd_route_message (BdEngine  *engine,
                   BdMessage *message,
                   BdSession *publisher)
{
  const char *topic = message->topic;
  RouteCall call = { engine, message, publisher, 0 };

  BD_ENGINE_ASSERT_THREAD (engine);

  if (message->retain)
    {
      /* A retained message with an empty payload clears the topic's retained
       * message and is not itself stored [MQTT-3.3.1-10][MQTT-3.3.1-11]. */
      if (g_bytes_get_size (message->payload) == 0)
        bd_topic_tree_remove (engine->retained, topic);
      else
        bd_topic_tree_set (engine->retained, topic, bd_message_ref (message));
      _bd_store_retain (engine, message);
    }

  engine->route_gen++;
  g_ptr_array_set_size (engine->route_targets, 0);
  bd_trie_match (engine->subs, topic, route_match_cb, &call);

  for (guint i = 0; i < engine->route_targets->len; i++)
    {
      BdSession *session = g_ptr_array_index (engine->route_targets, i);
      BdDelivery delivery = { 0 };

      if (!_bd_session_may (session, topic, BD_ACL_READ))
        continue;

      delivery.qos = _bd_engine_out_qos (engine, message->qos, session->route_qos);
      /* Forwarded because of a subscription: RETAIN is cleared
       * [MQTT-3.3.1-9], unless an MQTT 5 subscriber asked for it as published
       * [MQTT-3.3.1-13]. */
      delivery.retain = message->retain && session->route_retain_as_published;
      if (session->route_sub_ids != NULL && session->route_sub_ids->len > 0)
        {
          delivery.sub_ids = (const guint32 *) session->route_sub_ids->data;
          delivery.n_sub_ids = session->route_sub_ids->len;
        }
      _bd_session_deliver (session, message, &delivery);
      route_pause_publisher (engine, session, publisher);
      call.delivered++;
    }

  if (bd_trie_get_size (engine->shared) > 0)
    bd_trie_match (engine->shared, topic, route_shared_cb, &call);

  bd_trie_match (engine->taps, topic, tap_match_cb, message);
  return call.delivered;
}

void
_bd_route_will (BdEngine  *engine,
                BdMessage *will)
{
  if (_bd_sys_refuses_write (will->publisher_id, will->topic))
    return;

  /* Its Message Expiry Interval counts from now, when it is published. */
  if (will->props != NULL &&
      BD_MQTT_PROP_HAS (will->props, BD_MQTT_PROP_MESSAGE_EXPIRY_INTERVAL))
    will->expiry_us = g_get_monotonic_time () +
                      (gint64) will->props->message_expiry_interval * G_USEC_PER_SEC;
  engine->counters.publish_received++;
  _bd_route_message (engine, will, NULL);
}

/* ------------------------------------------------------- retain sources */

void
_bd_route_set_retain_source (BdMessage    *message,
                             BdConnection *conn)
{
  if (!message->retain || !conn->engine->config->check_retain_source)
    return;
  g_free ((char *) message->publisher_username);
  message->publisher_username = g_strdup (conn->session->username);
  message->publisher_listener = conn->listener->index;
}

gboolean
_bd_route_retain_source_may (BdEngine  *engine,
                             BdMessage *message)
{
  BdListener *listener;

  /* The broker's own messages, and those restored from a state file older
   * than the sources in it, have no publisher to check. */
  if (!engine->config->check_retain_source || message->publisher_id == NULL ||
      engine->listeners->len == 0 || message->publisher_listener == BD_LISTENER_INTERNAL)
    return TRUE;

  /* A state file from before a listener was removed: the first one's ACL. */
  listener = g_ptr_array_index (engine->listeners,
                                message->publisher_listener < engine->listeners->len
                                ? message->publisher_listener : 0);
  return listener->auth == NULL || !bd_auth_has_acl (listener->auth) ||
         bd_auth_acl_check (listener->auth, message->publisher_id, message->publisher_username,
                            message->topic, BD_ACL_WRITE);
}
