/* bd-handle-subscribe.c — SUBSCRIBE and UNSUBSCRIBE
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Adding and removing a session's subscriptions (plain and shared), and
 * sending the retained messages a new subscription matches. Runs on the
 * engine thread, called from the dispatch in bd-connection.c.
 */

#include "config.h"

#include "bd-engine-private.h"
#include "bd-topic.h"

/* ------------------------------------------------------------- SUBSCRIBE */

typedef struct
{
  BdSession *session;
  guint8     qos;               /* granted to the subscription */
  guint32    subscription_id;   /* 0 = none */
  gint64     now_us;
} RetainedDelivery;

/* What one filter of a SUBSCRIBE became, kept by value: a later copy of the
 * same filter in the packet replaces (and frees) the subscription made for
 * it [MQTT-3.8.4-3]. */
typedef struct
{
  gboolean accepted;
  gboolean shared;
  gboolean is_new;
  guint8   qos;
  guint32  subscription_id;
} SubscribeOutcome;

static void
deliver_retained_cb (const char *topic,
                     gpointer    value,
                     gpointer    user_data)
{
  RetainedDelivery *rd = user_data;
  BdMessage *message = value;
  BdDelivery delivery = { 0 };

  if (_bd_message_expired (message, rd->now_us))
    return;
  if (!_bd_session_may (rd->session, topic, BD_ACL_READ))
    return;
  /* check_retain_source: a publisher whose write access is gone can no
   * longer have its retained message handed out. */
  if (!_bd_route_retain_source_may (rd->session->engine, message))
    return;

  /* Sent because of a new subscription: RETAIN stays set [MQTT-3.3.1-8]. */
  delivery.qos = _bd_engine_out_qos (rd->session->engine, message->qos, rd->qos);
  delivery.retain = TRUE;
  delivery.sub_ids = rd->subscription_id ? &rd->subscription_id : NULL;
  delivery.n_sub_ids = rd->subscription_id ? 1 : 0;
  _bd_session_deliver (rd->session, message, &delivery);
}

/* A SUBSCRIBE or UNSUBSCRIBE naming something that is not a topic filter
 * ("a/#/b", "a/b#", "") is a protocol violation [MQTT-4.7.1-1]
 * [MQTT-4.7.3-1]: the connection is closed [MQTT-4.8.0-1], an MQTT 5 client
 * told so with DISCONNECT 0x82 [MQTT-4.13.1-1]. Both packets are judged
 * alike, so a filter refused in one is never answered in the other. FALSE
 * when the connection was closed. */
static gboolean
conn_check_filter (BdConnection *conn,
                   const char   *filter)
{
  char text[BD_LOG_TEXT_SIZE];
  g_autofree char *why = NULL;

  if (bd_topic_filter_is_valid (filter))
    return TRUE;

  why = g_strdup_printf ("invalid topic filter “%s”", _bd_log_text (text, filter));
  _bd_connection_protocol_error (conn, BD_MQTT_RC_PROTOCOL_ERROR, why);
  return FALSE;
}

/* mount_point: the filters of a SUBSCRIBE or UNSUBSCRIBE, already checked,
 * become the listener's prefix followed by them, so its clients subscribe
 * within their subtree only ($SYS included, as in Mosquitto). FALSE when
 * the connection was closed. */
static gboolean
conn_mount_filter (BdConnection  *conn,
                   char         **filter)
{
  char *mounted;

  if (conn->listener->config->mount_point == NULL)
    return TRUE;
  mounted = _bd_listener_mount (conn->listener, *filter);
  if (mounted == NULL)
    {
      _bd_connection_protocol_error (conn, BD_MQTT_RC_PROTOCOL_ERROR,
                                     "topic filter too long under the mount point");
      return FALSE;
    }
  g_free (*filter);
  *filter = mounted;
  return TRUE;
}

/* Adds or replaces one subscription; returns its reason code. */
static guint8
conn_subscribe_one (BdConnection             *conn,
                    const BdMqttSubscription *req,
                    guint32                   subscription_id,
                    gboolean                 *is_new,
                    BdSubscription          **out)
{
  BdEngine *engine = conn->engine;
  BdSession *session = conn->session;
  const char *inner = NULL;
  gboolean shared = bd_topic_filter_is_shared (req->filter, NULL, &inner);
  BdSubscription *old;
  BdSubscription *sub;

  /* Only the filter after "$share/GROUP/" selects topics [MQTT-4.8.2-2]:
   * the ACL judges that, as it judges a plain subscription (and as
   * Mosquitto's ACL file does); delivery checks each message's topic. */
  if (!_bd_session_may (session, shared ? inner : req->filter, BD_ACL_SUBSCRIBE))
    {
      char id[BD_LOG_TEXT_SIZE];
      char filter[BD_LOG_TEXT_SIZE];

      g_info ("Denied SUBSCRIBE from %s to “%s” (ACL)",
              _bd_log_text (id, session->client_id), _bd_log_text (filter, req->filter));
      return conn->version == BD_MQTT_V5 ? BD_MQTT_RC_NOT_AUTHORIZED : 0x80;
    }

  sub = g_new0 (BdSubscription, 1);
  sub->filter = g_strdup (req->filter);
  sub->qos = MIN (req->qos, conn->listener->config->max_qos);
  /* A 3.x bridge (try_private) gets none of its own messages back, as from
   * Mosquitto: that is how two brokers bridge both ways without a loop. */
  sub->no_local = req->no_local || conn->is_bridge;
  sub->retain_as_published = req->retain_as_published;
  sub->retain_handling = req->retain_handling;
  sub->subscription_id = subscription_id;

  /* An identical filter replaces the existing subscription [MQTT-3.8.4-3]. */
  old = session->subscriptions ? g_hash_table_lookup (session->subscriptions, sub->filter) : NULL;
  *is_new = old == NULL;
  if (shared)
    {
      if (old != NULL)
        _bd_share_group_leave (engine, session, old);
      _bd_share_group_join (engine, session, sub);
    }
  else
    /* The trie takes the new pointer before the table frees the old one. */
    bd_trie_insert (engine->subs, sub->filter, session, sub);
  g_hash_table_replace (_bd_session_get_subscriptions (session), sub->filter, sub);
  _bd_store_sub_add (session, sub);
  {
    char id[BD_LOG_TEXT_SIZE];
    char filter[BD_LOG_TEXT_SIZE];

    g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_INFO, BD_LOG_TYPE_FIELD, "subscribe",
                      "MESSAGE", "Client %s subscribed to “%s” (QoS %u)",
                      _bd_log_text (id, session->client_id), _bd_log_text (filter, sub->filter),
                      sub->qos);
  }
  *out = sub;
  return sub->qos;
}

void
_bd_handle_subscribe (BdConnection *conn,
                      BdMqttPacket *packet)
{
  BdEngine *engine = conn->engine;
  BdSession *session = conn->session;
  BdMqttSubscribe *s = &packet->subscribe;
  BdMqttPacket suback = { .type = BD_MQTT_SUBACK };
  g_autofree guint8 *codes = g_new0 (guint8, s->n_subscriptions);
  g_autofree SubscribeOutcome *done = g_new0 (SubscribeOutcome, s->n_subscriptions);
  guint32 subscription_id = 0;

  if (BD_MQTT_PROP_HAS (&s->properties, BD_MQTT_PROP_SUBSCRIPTION_IDENTIFIER) &&
      s->properties.n_subscription_identifiers > 0)
    subscription_id = s->properties.subscription_identifiers[0];

  /* All filters first: a refused packet subscribes to nothing. */
  for (guint i = 0; i < s->n_subscriptions; i++)
    {
      BdMqttSubscription *req = &s->subscriptions[i];

      if (!conn_check_filter (conn, req->filter))
        return;
      if (req->no_local && bd_topic_filter_is_shared (req->filter, NULL, NULL))
        {
          /* [MQTT-3.8.3-4] */
          _bd_connection_protocol_error (conn, BD_MQTT_RC_PROTOCOL_ERROR, "No Local on a shared subscription");
          return;
        }
    }
  for (guint i = 0; i < s->n_subscriptions; i++)
    if (!conn_mount_filter (conn, &s->subscriptions[i].filter))
      return;

  /* As if each filter came in a SUBSCRIBE of its own, one SUBACK for all
   * [MQTT-3.8.4-4]; the same filter twice is subscribed twice. */
  for (guint i = 0; i < s->n_subscriptions; i++)
    {
      BdSubscription *sub = NULL;

      codes[i] = conn_subscribe_one (conn, &s->subscriptions[i], subscription_id,
                                     &done[i].is_new, &sub);
      if (sub != NULL)
        {
          done[i].accepted = TRUE;
          done[i].shared = sub->group != NULL;
          done[i].qos = sub->qos;
          done[i].subscription_id = sub->subscription_id;
        }
    }

  suback.suback.packet_id = s->packet_id;
  suback.suback.reason_codes = codes;
  suback.suback.n_reason_codes = s->n_subscriptions;
  _bd_connection_send_packet (conn, &suback);

  /* Retained messages after the SUBACK, for every accepted filter, also when
   * it replaced an identical one [MQTT-3.3.1-6][MQTT-3.8.4-3], as MQTT 5's
   * Retain Handling allows [MQTT-3.3.1-9..11]; never for a shared
   * subscription (4.8.2). */
  for (guint i = 0; i < s->n_subscriptions; i++)
    {
      BdMqttSubscription *req = &s->subscriptions[i];
      RetainedDelivery rd = { session, done[i].qos, done[i].subscription_id,
                              g_get_monotonic_time () };

      if (!done[i].accepted || done[i].shared)
        continue;
      if (req->retain_handling == 2 || (req->retain_handling == 1 && !done[i].is_new))
        continue;
      bd_topic_tree_match (engine->retained, req->filter, deliver_retained_cb, &rd);
    }
}

void
_bd_handle_unsubscribe (BdConnection *conn,
                        BdMqttPacket *packet)
{
  BdEngine *engine = conn->engine;
  BdSession *session = conn->session;
  BdMqttUnsubscribe *u = &packet->unsubscribe;
  BdMqttPacket unsuback = { .type = BD_MQTT_UNSUBACK };
  g_autofree guint8 *codes = g_new0 (guint8, u->n_filters);

  /* All filters first: a refused packet unsubscribes from nothing. */
  for (guint i = 0; i < u->n_filters; i++)
    if (!conn_check_filter (conn, u->filters[i]))
      return;
  for (guint i = 0; i < u->n_filters; i++)
    if (!conn_mount_filter (conn, &u->filters[i]))
      return;

  for (guint i = 0; i < u->n_filters; i++)
    {
      const char *filter = u->filters[i];
      BdSubscription *sub = session->subscriptions
                            ? g_hash_table_lookup (session->subscriptions, filter) : NULL;

      if (sub != NULL)
        {
          if (sub->group != NULL)
            _bd_share_group_leave (engine, session, sub);
          else
            bd_trie_remove (engine->subs, filter, session);
          _bd_store_sub_del (session, filter);
          g_hash_table_remove (session->subscriptions, filter);
          codes[i] = BD_MQTT_RC_SUCCESS;
          {
            char id[BD_LOG_TEXT_SIZE];
            char text[BD_LOG_TEXT_SIZE];

            g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_INFO, BD_LOG_TYPE_FIELD, "unsubscribe",
                              "MESSAGE", "Client %s unsubscribed from “%s”",
                              _bd_log_text (id, session->client_id), _bd_log_text (text, filter));
          }
        }
      else
        codes[i] = BD_MQTT_RC_NO_SUBSCRIPTION_EXISTED;
    }

  /* UNSUBACK even when nothing matched [MQTT-3.10.4-5]. */
  unsuback.suback.packet_id = u->packet_id;
  unsuback.suback.reason_codes = codes;
  unsuback.suback.n_reason_codes = u->n_filters;
  _bd_connection_send_packet (conn, &unsuback);
}
