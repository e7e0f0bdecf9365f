/* bd-handle-publish.c — PUBLISH from a client, and the QoS 1/2 acknowledgements
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An incoming PUBLISH is checked (topic, ACL, limits, topic alias), routed,
 * and acknowledged; PUBACK, PUBREC, PUBREL and PUBCOMP advance the QoS 1/2
 * exchanges of both directions (4.3). Runs on the engine thread, called from
 * the dispatch in bd-connection.c.
 */

#include "config.h"

#include "bd-engine-private.h"

/* ---------------------------------------------------------------- PUBLISH */

static void
conn_send_ack_rc (BdConnection     *conn,
                  BdMqttPacketType  type,
                  guint16           packet_id,
                  guint8            reason_code)
{
  BdMqttPacket ack = { .type = type };

  /* Reason codes exist in MQTT 5 only; 3.x acknowledges either way. */
  if (reason_code == 0 || conn->version != BD_MQTT_V5)
    {
      _bd_connection_send_ack (conn, type, packet_id);
      return;
    }
  ack.ack.packet_id = packet_id;
  ack.ack.reason_code = reason_code;
  _bd_connection_send_packet (conn, &ack);
}

/* MQTT 5 Topic Alias [3.3.2.3.4]: fills in or remembers the topic. FALSE
 * when the connection was closed. */
static gboolean
conn_resolve_alias (BdConnection  *conn,
                    BdMqttPublish *p)
{
  guint16 max = conn->engine->config->max_topic_alias;
  guint16 alias = p->properties.topic_alias;

  if (!BD_MQTT_PROP_HAS (&p->properties, BD_MQTT_PROP_TOPIC_ALIAS))
    return TRUE;

  /* [MQTT-3.3.2-9][MQTT-3.3.2-10]: 0 and above our maximum are errors. */
  if (alias == 0 || alias > max)
    {
      _bd_connection_protocol_error (conn, BD_MQTT_RC_TOPIC_ALIAS_INVALID, "Topic Alias out of range");
      return FALSE;
    }
  if (conn->alias_in == NULL)
    conn->alias_in = g_new0 (char *, (gsize) max + 2);

  if (p->topic[0] != '\0')
    {
      /* [MQTT-3.3.2-12]: a topic with an alias sets (or replaces) it. */
      g_free (conn->alias_in[alias]);
      conn->alias_in[alias] = g_strdup (p->topic);
      return TRUE;
    }
  if (conn->alias_in[alias] == NULL)
    {
      _bd_connection_protocol_error (conn, BD_MQTT_RC_PROTOCOL_ERROR, "Topic Alias not set yet");
      return FALSE;
    }
  g_free (p->topic);
  p->topic = g_strdup (conn->alias_in[alias]);
  return TRUE;
}

void
_bd_handle_publish (BdConnection *conn,
                    BdMqttPacket *packet)
{
  BdEngine *engine = conn->engine;
  BdSession *session = conn->session;
  BdMqttPublish *p = &packet->publish;
  const BdBrokerConfig *config = engine->config;
  g_autoptr(BdMessage) message = NULL;
  gboolean deliver = TRUE;
  gboolean record_qos2 = FALSE;
  guint8 reason = BD_MQTT_RC_SUCCESS;

  if (conn->version == BD_MQTT_V5)
    {
      if (!conn_resolve_alias (conn, p))
        return;
      /* [MQTT-3.3.4-6]: subscription identifiers go from server to client. */
      if (BD_MQTT_PROP_HAS (&p->properties, BD_MQTT_PROP_SUBSCRIPTION_IDENTIFIER))
        {
          _bd_connection_protocol_error (conn, BD_MQTT_RC_PROTOCOL_ERROR,
                                         "PUBLISH from a client with a Subscription Identifier");
          return;
        }
    }

  if (p->topic[0] == '\0')
    {
      _bd_connection_protocol_error (conn, BD_MQTT_RC_TOPIC_NAME_INVALID, "PUBLISH without a topic");
      return;
    }
  if (conn->listener->config->mount_point != NULL)
    {
      /* mount_point: the client's topics live under the listener's prefix;
       * the ACL and $SYS checks below judge the topic as it is there. */
      char *mounted = _bd_listener_mount (conn->listener, p->topic);

      if (mounted == NULL)
        {
          _bd_connection_protocol_error (conn, BD_MQTT_RC_TOPIC_NAME_INVALID,
                                         "topic too long under the mount point");
          return;
        }
      g_free (p->topic);
      p->topic = mounted;
    }
  if (p->qos > conn->listener->config->max_qos)
    {
      _bd_connection_protocol_error (conn, BD_MQTT_RC_QOS_NOT_SUPPORTED, "PUBLISH above max_qos");
      return;
    }
  if (p->retain && !config->retain_available)
    {
      _bd_connection_protocol_error (conn, BD_MQTT_RC_RETAIN_NOT_SUPPORTED, "retained PUBLISH but retain_available is false");
      return;
    }

  if (p->qos == 2 && conn->version == BD_MQTT_V5 && config->max_inflight_messages > 0 &&
      session->incoming_qos2 != NULL &&
      !g_hash_table_contains (session->incoming_qos2, GUINT_TO_POINTER (p->packet_id)) &&
      g_hash_table_size (session->incoming_qos2) >= config->max_inflight_messages)
    {
      /* More unacknowledged QoS 2 than the Receive Maximum we announced
       * [MQTT-3.3.4-9]. (QoS 1 is acknowledged at once.) */
      _bd_connection_protocol_error (conn, BD_MQTT_RC_RECEIVE_MAXIMUM_EXCEEDED, "Receive Maximum exceeded");
      return;
    }

  engine->counters.publish_received++;
  engine->counters.publish_bytes_received += g_bytes_get_size (p->payload);

  /* memory_limit: as in Mosquitto, whose allocation for the message fails,
   * the message is dropped and its publisher disconnected (MQTT 5: Quota
   * exceeded). */
  if (_bd_engine_memory_denies (engine, g_bytes_get_size (p->payload)))
    {
      engine->counters.publish_dropped++;
      _bd_connection_disconnect (conn, BD_MQTT_RC_QUOTA_EXCEEDED, "memory_limit reached");
      return;
    }

  if (config->message_size_limit > 0 &&
      g_bytes_get_size (p->payload) > config->message_size_limit)
    {
      char id[BD_LOG_TEXT_SIZE];
      char topic[BD_LOG_TEXT_SIZE];

      g_info ("Dropped PUBLISH from %s on “%s”: payload of %" G_GSIZE_FORMAT " bytes exceeds message_size_limit",
              _bd_log_text (id, session->client_id), _bd_log_text (topic, p->topic),
              g_bytes_get_size (p->payload));
      engine->counters.publish_dropped++;
      deliver = FALSE;
      reason = BD_MQTT_RC_PACKET_TOO_LARGE;
    }
  else if (_bd_sys_refuses_write (session->client_id, p->topic))
    {
      /* Acknowledged all the same, so the client does not wait for ever;
       * neither routed, nor retained, nor seen by taps. */
      deliver = FALSE;
      reason = BD_MQTT_RC_NOT_AUTHORIZED;
    }
  else if (!_bd_session_may (session, p->topic, BD_ACL_WRITE))
    {
      char id[BD_LOG_TEXT_SIZE];
      char topic[BD_LOG_TEXT_SIZE];

      g_info ("Denied PUBLISH from %s on “%s” (ACL)",
              _bd_log_text (id, session->client_id), _bd_log_text (topic, p->topic));
      deliver = FALSE;
      reason = BD_MQTT_RC_NOT_AUTHORIZED;
    }
  else if (conn->version == BD_MQTT_V5 && p->properties.payload_format_indicator == 1 &&
           !g_utf8_validate_len (g_bytes_get_data (p->payload, NULL),
                                 g_bytes_get_size (p->payload), NULL))
    {
      /* [MQTT-3.3.2-4 / 5.4.9]: said to be UTF-8, but is not. */
      if (p->qos == 0)
        {
          _bd_connection_protocol_error (conn, BD_MQTT_RC_PAYLOAD_FORMAT_INVALID,
                                         "payload is not UTF-8 as its Payload Format Indicator says");
          return;
        }
      deliver = FALSE;
      reason = BD_MQTT_RC_PAYLOAD_FORMAT_INVALID;
    }

  if (p->qos > 0 && deliver && engine->store_full &&
      !(p->qos == 2 && session->incoming_qos2 != NULL &&
        g_hash_table_contains (session->incoming_qos2, GUINT_TO_POINTER (p->packet_id))))
    {
      /* The store cannot take it, and acknowledging it would promise that
       * it survives a crash. MQTT 5 says so with Quota exceeded; 3.x can
       * only hang up (the client sends it again later). */
      engine->counters.publish_dropped++;
      if (conn->version != BD_MQTT_V5)
        {
          _bd_connection_close (conn, "QoS 1/2 message refused: the broker store is full");
          return;
        }
      deliver = FALSE;
      reason = BD_MQTT_RC_QUOTA_EXCEEDED;
      if (p->qos == 1)
        conn_send_ack_rc (conn, BD_MQTT_PUBACK, p->packet_id, reason);
      else
        conn_send_ack_rc (conn, BD_MQTT_PUBREC, p->packet_id, reason);
      return;
    }

  if (p->qos == 2)
    {
      gpointer key = GUINT_TO_POINTER (p->packet_id);

      /* Exactly once, delivering on receipt of PUBLISH ("Method B" of
       * 4.3.3): a PUBLISH whose id awaits PUBREL is a re-send, acknowledged
       * again but not delivered again [MQTT-4.3.3-2]. A refused message
       * holds no identifier (4.3.3: a PUBREC reason >= 0x80 ends the flow). */
      if (session->incoming_qos2 == NULL)
        session->incoming_qos2 = g_hash_table_new (NULL, NULL);
      if (g_hash_table_contains (session->incoming_qos2, key))
        {
          deliver = FALSE;
          /* Its first PUBREC may still wait for the disk (on a connection
           * since closed): this one waits as long. */
          _bd_store_hold (conn);
        }
      else if (reason < 0x80 || conn->version != BD_MQTT_V5)
        record_qos2 = TRUE;
    }

  if (deliver)
    {
      message = bd_message_new_full (p->topic, p->payload, p->qos, p->retain,
                                     conn->version == BD_MQTT_V5 ? &p->properties : NULL,
                                     session->client_id, g_get_real_time ());
      _bd_route_set_retain_source (message, conn);
      if (message->props != NULL &&
          BD_MQTT_PROP_HAS (message->props, BD_MQTT_PROP_MESSAGE_EXPIRY_INTERVAL))
        message->expiry_us = g_get_monotonic_time () +
                             (gint64) message->props->message_expiry_interval * G_USEC_PER_SEC;
      if (_bd_route_message (engine, message, session) == 0)
        reason = BD_MQTT_RC_NO_MATCHING_SUBSCRIBERS;
    }
  /* After routing: whether the id must be recorded depends on what routing
   * recorded (see bd-store.c). */
  if (record_qos2)
    _bd_store_qos2_add (session, p->packet_id);

  /* [MQTT-4.3.2-2] PUBACK for QoS 1, [MQTT-4.3.3-2] PUBREC for QoS 2. */
  if (p->qos == 1)
    conn_send_ack_rc (conn, BD_MQTT_PUBACK, p->packet_id, reason);
  else if (p->qos == 2)
    conn_send_ack_rc (conn, BD_MQTT_PUBREC, p->packet_id, reason);
}

/* ------------------------------------------------------------------- acks */

void
_bd_handle_puback (BdConnection *conn,
                   BdMqttPacket *packet)
{
  _bd_session_ack (conn->session, packet->type, packet->ack.packet_id);
}

void
_bd_handle_pubrec (BdConnection *conn,
                   BdMqttPacket *packet)
{
  BdSession *session = conn->session;

  if (conn->version == BD_MQTT_V5 && packet->ack.reason_code >= 0x80)
    {
      /* A refusal ends the exchange [MQTT-4.3.3]: no PUBREL, and the
       * identifier and its Receive Maximum slot are free again, as
       * after PUBCOMP (4.9). The message is dropped. */
      if (_bd_session_ack (session, BD_MQTT_PUBREC, packet->ack.packet_id))
        _bd_session_ack (session, BD_MQTT_PUBCOMP, packet->ack.packet_id);
      return;
    }
  _bd_session_ack (session, packet->type, packet->ack.packet_id);
  /* [MQTT-4.3.3-?] PUBREL answers PUBREC, also for an id we no longer know. */
  _bd_connection_send_ack (conn, BD_MQTT_PUBREL, packet->ack.packet_id);
}

void
_bd_handle_pubrel (BdConnection *conn,
                   BdMqttPacket *packet)
{
  BdSession *session = conn->session;

  /* Release the id; PUBCOMP even if it was unknown, e.g. after a
   * reconnect (4.3.3). */
  _bd_store_qos2_del (session, packet->ack.packet_id);
  _bd_connection_send_ack (conn, BD_MQTT_PUBCOMP, packet->ack.packet_id);
}

void
_bd_handle_pubcomp (BdConnection *conn,
                    BdMqttPacket *packet)
{
  _bd_session_ack (conn->session, packet->type, packet->ack.packet_id);
}
