/* bd-mqtt-encode.c — MQTT 3.1 / 3.1.1 / 5.0 packet encoding
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The model: one function per packet type writes the variable header and
 * payload into a sink. A sink without a buffer only counts, so the same code
 * yields bd_mqtt_encoded_size() and the exact size to reserve: bd_mqtt_encode()
 * runs it once to count (and to find fields too long to encode), grows the
 * GByteArray once, then runs it again to write. The two can never disagree.
 *
 * PUBLISH towards subscribers does not go through this: the hot path
 * bd_mqtt_encode_publish() computes its size directly and writes once.
 */

#include "config.h"

#include <string.h>

#include "bd-mqtt-private.h"

typedef struct
{
  guint8     *data;  /* NULL: count only */
  gsize       len;
  const char *error; /* why the packet cannot be encoded; set while counting */
  guint       code;  /* the BD_CODEC_ERROR code for it */
} BdMqttSink;

static void
sink_fail (BdMqttSink *s,
           guint       code,
           const char *message)
{
  if (s->error == NULL)
    {
      s->error = message;
      s->code = code;
    }
}

static inline void
sink_u8 (BdMqttSink *s,
         guint8      value)
{
  if (s->data != NULL)
    s->data[s->len] = value;
  s->len++;
}

static inline void
sink_u16 (BdMqttSink *s,
          guint16     value)
{
  if (s->data != NULL)
    {
      s->data[s->len] = value >> 8;
      s->data[s->len + 1] = value & 0xFF;
    }
  s->len += 2;
}

static inline void
sink_u32 (BdMqttSink *s,
          guint32     value)
{
  if (s->data != NULL)
    {
      s->data[s->len] = value >> 24;
      s->data[s->len + 1] = (value >> 16) & 0xFF;
      s->data[s->len + 2] = (value >> 8) & 0xFF;
      s->data[s->len + 3] = value & 0xFF;
    }
  s->len += 4;
}

static inline void
sink_bytes (BdMqttSink    *s,
            gconstpointer  data,
            gsize          len)
{
  if (s->data != NULL && len > 0)
    memcpy (s->data + s->len, data, len);
  s->len += len;
}

static inline guint8 *
put_varint (guint8  *p,
            guint32  value)
{
  do
    {
      guint8 byte = value & 0x7F;

      value >>= 7;
      if (value > 0)
        byte |= 0x80;
      *p++ = byte;
    }
  while (value > 0);

  return p;
}

/* Variable Byte Integer, minimal as [MQTT-1.5.5-1] requires */
static inline void
sink_varint (BdMqttSink *s,
             gsize       value)
{
  if (value > BD_MQTT_MAX_VARINT)
    {
      sink_fail (s, BD_MQTT_RC_PACKET_TOO_LARGE, "a variable byte integer is over 268435455");
      value = 0;
    }
  if (s->data != NULL)
    put_varint (s->data + s->len, (guint32) value);
  s->len += _bd_mqtt_varint_size ((guint32) value);
}

/* Binary Data and UTF-8 strings: Two Byte Integer length, then the bytes
 * (1.5.4, 1.5.6 of MQTT 5). NULL encodes as empty. */
static inline void
sink_binary (BdMqttSink    *s,
             gconstpointer  data,
             gsize          len)
{
  if (len > G_MAXUINT16)
    {
      sink_fail (s, BD_MQTT_RC_PACKET_TOO_LARGE, "a string or binary field is over 65535 bytes");
      len = 0;
    }
  sink_u16 (s, (guint16) len);
  sink_bytes (s, data, len);
}

static inline void
sink_string (BdMqttSink *s,
             const char *str)
{
  sink_binary (s, str, str != NULL ? strlen (str) : 0);
}

static inline void
sink_bytes_field (BdMqttSink *s,
                  GBytes     *bytes)
{
  gsize len = 0;
  gconstpointer data = bytes != NULL ? g_bytes_get_data (bytes, &len) : NULL;

  sink_binary (s, data, len);
}

/* The properties of @props that @ctx may carry, without their length. */
static void
sink_properties_content (BdMqttSink             *s,
                         const BdMqttProperties *props,
                         guint                   ctx)
{
  guint64 present = props->present & _bd_mqtt_prop_allowed_mask (ctx);

  /* Visit the set bits only, lowest identifier first */
  for (; present != 0; present &= present - 1)
    {
      guint id = (guint) __builtin_ctzll (present);

      switch (_bd_mqtt_prop_info[id].type)
        {
        case BD_MQTT_PROP_TYPE_PAIR:
          /* Order matters: User Properties are forwarded in the order
           * received (3.3.2.3.7) */
          for (guint i = 0; i < props->n_user_properties; i++)
            {
              sink_u8 (s, id);
              sink_string (s, props->user_properties[i].name);
              sink_string (s, props->user_properties[i].value);
            }
          continue;

        case BD_MQTT_PROP_TYPE_VARINT:
          {
            /* Subscription Identifier: possibly several on a PUBLISH, at
             * most one on a SUBSCRIBE (3.8.2.1.2) */
            guint n = props->n_subscription_identifiers;

            if (ctx != BD_MQTT_PUBLISH)
              n = MIN (n, 1);
            for (guint i = 0; i < n; i++)
              {
                sink_u8 (s, id);
                sink_varint (s, props->subscription_identifiers[i]);
              }
          }
          continue;

        default:
          break;
        }

      sink_u8 (s, id);
      switch ((BdMqttPropertyId) id)
        {
        case BD_MQTT_PROP_PAYLOAD_FORMAT_INDICATOR:
          sink_u8 (s, props->payload_format_indicator);
          break;
        case BD_MQTT_PROP_MESSAGE_EXPIRY_INTERVAL:
          sink_u32 (s, props->message_expiry_interval);
          break;
        case BD_MQTT_PROP_CONTENT_TYPE:
          sink_string (s, props->content_type);
          break;
        case BD_MQTT_PROP_RESPONSE_TOPIC:
          sink_string (s, props->response_topic);
          break;
        case BD_MQTT_PROP_CORRELATION_DATA:
          sink_bytes_field (s, props->correlation_data);
          break;
        case BD_MQTT_PROP_SESSION_EXPIRY_INTERVAL:
          sink_u32 (s, props->session_expiry_interval);
          break;
        case BD_MQTT_PROP_ASSIGNED_CLIENT_IDENTIFIER:
          sink_string (s, props->assigned_client_identifier);
          break;
        case BD_MQTT_PROP_SERVER_KEEP_ALIVE:
          sink_u16 (s, props->server_keep_alive);
          break;
        case BD_MQTT_PROP_AUTHENTICATION_METHOD:
          sink_string (s, props->authentication_method);
          break;
        case BD_MQTT_PROP_AUTHENTICATION_DATA:
          sink_bytes_field (s, props->authentication_data);
          break;
        case BD_MQTT_PROP_REQUEST_PROBLEM_INFORMATION:
          sink_u8 (s, props->request_problem_information);
          break;
        case BD_MQTT_PROP_WILL_DELAY_INTERVAL:
          sink_u32 (s, props->will_delay_interval);
          break;
        case BD_MQTT_PROP_REQUEST_RESPONSE_INFORMATION:
          sink_u8 (s, props->request_response_information);
          break;
        case BD_MQTT_PROP_RESPONSE_INFORMATION:
          sink_string (s, props->response_information);
          break;
        case BD_MQTT_PROP_SERVER_REFERENCE:
          sink_string (s, props->server_reference);
          break;
        case BD_MQTT_PROP_REASON_STRING:
          sink_string (s, props->reason_string);
          break;
        case BD_MQTT_PROP_RECEIVE_MAXIMUM:
          sink_u16 (s, props->receive_maximum);
          break;
        case BD_MQTT_PROP_TOPIC_ALIAS_MAXIMUM:
          sink_u16 (s, props->topic_alias_maximum);
          break;
        case BD_MQTT_PROP_TOPIC_ALIAS:
          sink_u16 (s, props->topic_alias);
          break;
        case BD_MQTT_PROP_MAXIMUM_QOS:
          sink_u8 (s, props->maximum_qos);
          break;
        case BD_MQTT_PROP_RETAIN_AVAILABLE:
          sink_u8 (s, props->retain_available);
          break;
        case BD_MQTT_PROP_MAXIMUM_PACKET_SIZE:
          sink_u32 (s, props->maximum_packet_size);
          break;
        case BD_MQTT_PROP_WILDCARD_SUBSCRIPTION_AVAILABLE:
          sink_u8 (s, props->wildcard_subscription_available);
          break;
        case BD_MQTT_PROP_SUBSCRIPTION_IDENTIFIER_AVAILABLE:
          sink_u8 (s, props->subscription_identifier_available);
          break;
        case BD_MQTT_PROP_SHARED_SUBSCRIPTION_AVAILABLE:
          sink_u8 (s, props->shared_subscription_available);
          break;
        case BD_MQTT_PROP_SUBSCRIPTION_IDENTIFIER:
        case BD_MQTT_PROP_USER_PROPERTY:
        default:
          g_assert_not_reached ();
        }
    }
}

static gsize
properties_length (const BdMqttProperties *props,
                   guint                   ctx,
                   const char            **error)
{
  BdMqttSink count = { NULL, 0, NULL, 0 };

  if (props != NULL && props->present != 0)
    sink_properties_content (&count, props, ctx);
  if (count.error != NULL && error != NULL && *error == NULL)
    *error = count.error;
  return count.len;
}

/* properties_length(), failing @s when the properties cannot be encoded. */
static gsize
sink_properties_length (BdMqttSink             *s,
                        const BdMqttProperties *props,
                        guint                   ctx)
{
  const char *error = NULL;
  gsize length = properties_length (props, ctx, &error);

  if (error != NULL)
    sink_fail (s, BD_MQTT_RC_PACKET_TOO_LARGE, error);
  return length;
}

/* Property Length, then the properties (2.2.2.1). @props may be NULL. */
static void
sink_properties (BdMqttSink             *s,
                 const BdMqttProperties *props,
                 guint                   ctx)
{
  gsize length = sink_properties_length (s, props, ctx);

  sink_varint (s, length);
  if (length > 0)
    sink_properties_content (s, props, ctx);
}

/* What SUBSCRIBE, SUBACK, UNSUBSCRIBE and UNSUBACK open with: the packet
 * identifier, then in MQTT 5 the properties. */
static void
sink_id_and_properties (BdMqttSink             *s,
                        BdMqttVersion           version,
                        guint16                 packet_id,
                        const BdMqttProperties *props,
                        guint                   ctx)
{
  sink_u16 (s, packet_id);
  if (version == BD_MQTT_V5)
    sink_properties (s, props, ctx);
}

/* The short forms of MQTT 5 acknowledgements (3.4.2.1, 3.14.2.1, 3.15.2.1):
 * the properties go only when there are some, the reason code only when it
 * is not 0 or properties follow. */
static void
sink_reason_and_properties (BdMqttSink             *s,
                            guint8                  reason_code,
                            const BdMqttProperties *props,
                            guint                   ctx)
{
  gsize length = sink_properties_length (s, props, ctx);

  if (length == 0 && reason_code == 0)
    return;
  sink_u8 (s, reason_code);
  if (length > 0)
    {
      sink_varint (s, length);
      sink_properties_content (s, props, ctx);
    }
}

static void
sink_connect (BdMqttSink          *s,
              BdMqttVersion        version,
              const BdMqttConnect *c)
{
  guint8 flags = 0;

  /* The protocol name and level follow the version we encode for, not the
   * fields of @c (3.1.2.1, 3.1.2.2). */
  if (version == BD_MQTT_V31)
    sink_binary (s, "MQIsdp", 6);
  else
    sink_binary (s, "MQTT", 4);
  /* A bridge may say so in the top bit of the level (Mosquitto's
   * try_private), so the server does not send its messages back to it. */
  sink_u8 (s, (guint8) version | (c->bridge ? 0x80 : 0));

  if (c->clean_start)
    flags |= 0x02;
  if (c->has_will)
    flags |= 0x04 | ((c->will_qos & 0x03) << 3) | (c->will_retain ? 0x20 : 0);
  if (c->has_password)
    flags |= 0x40;
  if (c->has_username)
    flags |= 0x80;
  sink_u8 (s, flags);
  sink_u16 (s, c->keep_alive);

  if (version == BD_MQTT_V5)
    sink_properties (s, &c->properties, BD_MQTT_CONNECT);

  sink_string (s, c->client_id);
  if (c->has_will)
    {
      if (version == BD_MQTT_V5)
        sink_properties (s, &c->will_properties, BD_MQTT_PROP_CTX_WILL);
      sink_string (s, c->will_topic);
      sink_bytes_field (s, c->will_payload);
    }
  if (c->has_username)
    sink_string (s, c->username);
  if (c->has_password)
    sink_bytes_field (s, c->password);
}

static void
sink_body (BdMqttSink         *s,
           BdMqttVersion       version,
           const BdMqttPacket *packet)
{
  switch (packet->type)
    {
    case BD_MQTT_CONNECT:
      sink_connect (s, version, &packet->connect);
      break;

    case BD_MQTT_CONNACK:
      /* 3.1 has an unused byte where 3.1.1 put Session Present (3.2.2.1) */
      sink_u8 (s, version != BD_MQTT_V31 && packet->connack.session_present ? 1 : 0);
      sink_u8 (s, packet->connack.reason_code);
      if (version == BD_MQTT_V5)
        sink_properties (s, &packet->connack.properties, BD_MQTT_CONNACK);
      break;

    case BD_MQTT_PUBLISH:
      {
        const BdMqttPublish *p = &packet->publish;
        gsize payload_len = 0;
        gconstpointer payload = p->payload != NULL ? g_bytes_get_data (p->payload, &payload_len)
                                                   : NULL;

        sink_string (s, p->topic);
        if (p->qos > 0)
          sink_u16 (s, p->packet_id);
        if (version == BD_MQTT_V5)
          sink_properties (s, &p->properties, BD_MQTT_PUBLISH);
        sink_bytes (s, payload, payload_len);
      }
      break;

    case BD_MQTT_PUBACK:
    case BD_MQTT_PUBREC:
    case BD_MQTT_PUBREL:
    case BD_MQTT_PUBCOMP:
      sink_u16 (s, packet->ack.packet_id);
      if (version == BD_MQTT_V5)
        sink_reason_and_properties (s, packet->ack.reason_code, &packet->ack.properties,
                                    packet->type);
      break;

    case BD_MQTT_SUBSCRIBE:
      sink_id_and_properties (s, version, packet->subscribe.packet_id,
                              &packet->subscribe.properties, BD_MQTT_SUBSCRIBE);
      for (guint i = 0; i < packet->subscribe.n_subscriptions; i++)
        {
          const BdMqttSubscription *sub = &packet->subscribe.subscriptions[i];
          guint8 options = sub->qos & 0x03;

          /* Subscription Options (3.8.3.1); 3.x has the requested QoS alone */
          if (version == BD_MQTT_V5)
            options |= (sub->no_local ? 0x04 : 0) | (sub->retain_as_published ? 0x08 : 0) |
                       ((sub->retain_handling & 0x03) << 4);
          sink_string (s, sub->filter);
          sink_u8 (s, options);
        }
      break;

    case BD_MQTT_SUBACK:
    case BD_MQTT_UNSUBACK:
      sink_id_and_properties (s, version, packet->suback.packet_id,
                              &packet->suback.properties, packet->type);
      /* A 3.x UNSUBACK has the packet identifier only (3.11 of 3.1.1) */
      if (packet->type == BD_MQTT_UNSUBACK && version != BD_MQTT_V5)
        break;
      sink_bytes (s, packet->suback.reason_codes, packet->suback.n_reason_codes);
      break;

    case BD_MQTT_UNSUBSCRIBE:
      sink_id_and_properties (s, version, packet->unsubscribe.packet_id,
                              &packet->unsubscribe.properties, BD_MQTT_UNSUBSCRIBE);
      for (guint i = 0; i < packet->unsubscribe.n_filters; i++)
        sink_string (s, packet->unsubscribe.filters[i]);
      break;

    case BD_MQTT_PINGREQ:
    case BD_MQTT_PINGRESP:
      break;

    case BD_MQTT_DISCONNECT:
      if (version == BD_MQTT_V5)
        sink_reason_and_properties (s, packet->disconnect.reason_code,
                                    &packet->disconnect.properties, BD_MQTT_DISCONNECT);
      break;

    case BD_MQTT_AUTH:
      if (version != BD_MQTT_V5)
        sink_fail (s, BD_MQTT_RC_PROTOCOL_ERROR, "AUTH exists in MQTT 5 only");
      else
        sink_reason_and_properties (s, packet->disconnect.reason_code,
                                    &packet->disconnect.properties, BD_MQTT_AUTH);
      break;

    default:
      g_assert_not_reached ();
    }
}

static guint8
fixed_header_byte (const BdMqttPacket *packet)
{
  switch (packet->type)
    {
    case BD_MQTT_PUBLISH:
      return (BD_MQTT_PUBLISH << 4) | (packet->publish.dup ? 0x08 : 0) |
             ((packet->publish.qos & 0x03) << 1) | (packet->publish.retain ? 0x01 : 0);

    case BD_MQTT_PUBREL:
    case BD_MQTT_SUBSCRIBE:
    case BD_MQTT_UNSUBSCRIBE:
      /* [MQTT-3.6.1-1] [MQTT-3.8.1-1] [MQTT-3.10.1-1] */
      return (packet->type << 4) | 0x02;

    default:
      return packet->type << 4;
    }
}

/* Counts @packet's body; returns FALSE (and the reason) if it cannot be
 * encoded at all. */
static gboolean
count_body (BdMqttVersion       version,
            const BdMqttPacket *packet,
            gsize              *body_len,
            GError            **error)
{
  BdMqttSink count = { NULL, 0, NULL, 0 };

  sink_body (&count, version, packet);
  if (count.len > BD_MQTT_MAX_REMAINING_LENGTH)
    sink_fail (&count, BD_MQTT_RC_PACKET_TOO_LARGE,
               "the remaining length is over 268435455 [MQTT-2.2.3]");
  if (count.error != NULL)
    {
      g_set_error (error, BD_CODEC_ERROR, count.code,
                   "cannot encode %s: %s", bd_mqtt_packet_type_name (packet->type),
                   count.error);
      return FALSE;
    }

  *body_len = count.len;
  return TRUE;
}

gboolean
bd_mqtt_encode (BdMqttVersion       version,
                const BdMqttPacket *packet,
                GByteArray         *out,
                GError            **error)
{
  BdMqttSink sink;
  gsize body_len;
  gsize total;
  guint old_len;

  g_return_val_if_fail (version == BD_MQTT_V31 || version == BD_MQTT_V311 ||
                        version == BD_MQTT_V5, FALSE);
  g_return_val_if_fail (packet != NULL, FALSE);
  g_return_val_if_fail (packet->type >= BD_MQTT_CONNECT && packet->type <= BD_MQTT_AUTH, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!count_body (version, packet, &body_len, error))
    return FALSE;

  /* Reserve once, then write in place. */
  total = 1 + _bd_mqtt_varint_size ((guint32) body_len) + body_len;
  old_len = out->len;
  g_byte_array_set_size (out, old_len + total);

  sink.data = out->data + old_len;
  sink.data[0] = fixed_header_byte (packet);
  sink.len = put_varint (sink.data + 1, (guint32) body_len) - sink.data;
  sink.error = NULL;
  sink.code = 0;
  sink_body (&sink, version, packet);
  g_assert (sink.len == total);

  return TRUE;
}

gsize
bd_mqtt_encoded_size (BdMqttVersion       version,
                      const BdMqttPacket *packet)
{
  gsize body_len;

  g_return_val_if_fail (version == BD_MQTT_V31 || version == BD_MQTT_V311 ||
                        version == BD_MQTT_V5, 0);
  g_return_val_if_fail (packet != NULL, 0);
  g_return_val_if_fail (packet->type >= BD_MQTT_CONNECT && packet->type <= BD_MQTT_AUTH, 0);

  if (!count_body (version, packet, &body_len, NULL))
    return 0;

  return 1 + _bd_mqtt_varint_size ((guint32) body_len) + body_len;
}

gsize
bd_mqtt_encode_publish (BdMqttVersion           version,
                        const char             *topic,
                        gsize                   topic_len,
                        const guint8           *payload,
                        gsize                   payload_len,
                        guint8                  qos,
                        gboolean                retain,
                        gboolean                dup,
                        guint16                 packet_id,
                        const BdMqttProperties *props,
                        GByteArray             *out)
{
  gsize props_len = 0;
  gsize body_len;
  gsize total;
  guint8 *p;

  g_return_val_if_fail (topic != NULL || topic_len == 0, 0);
  g_return_val_if_fail (payload != NULL || payload_len == 0, 0);
  g_return_val_if_fail (qos <= 2, 0);
  g_return_val_if_fail (out != NULL, 0);

  if (G_UNLIKELY (topic_len > G_MAXUINT16))
    return 0;

  body_len = 2 + topic_len + (qos > 0 ? 2 : 0) + payload_len;
  if (version == BD_MQTT_V5)
    {
      const char *error = NULL;

      if (props != NULL && props->present != 0)
        props_len = properties_length (props, BD_MQTT_PUBLISH, &error);
      if (G_UNLIKELY (error != NULL || props_len > BD_MQTT_MAX_VARINT))
        return 0;
      body_len += _bd_mqtt_varint_size ((guint32) props_len) + props_len;
    }

  /* [MQTT-2.2.3]: nothing longer than 268435455 bytes can be framed */
  if (G_UNLIKELY (body_len > BD_MQTT_MAX_REMAINING_LENGTH))
    return 0;

  total = 1 + _bd_mqtt_varint_size ((guint32) body_len) + body_len;
  g_byte_array_set_size (out, out->len + total);
  p = out->data + out->len - total;

  *p++ = (BD_MQTT_PUBLISH << 4) | (dup ? 0x08 : 0) | (qos << 1) | (retain ? 0x01 : 0);
  p = put_varint (p, (guint32) body_len);
  *p++ = topic_len >> 8;
  *p++ = topic_len & 0xFF;
  if (topic_len > 0)
    memcpy (p, topic, topic_len);
  p += topic_len;
  if (qos > 0)
    {
      *p++ = packet_id >> 8;
      *p++ = packet_id & 0xFF;
    }
  if (version == BD_MQTT_V5)
    {
      p = put_varint (p, (guint32) props_len);
      if (props_len > 0)
        {
          BdMqttSink sink = { p, 0, NULL, 0 };

          sink_properties_content (&sink, props, BD_MQTT_PUBLISH);
          p += sink.len;
        }
    }
  if (payload_len > 0)
    memcpy (p, payload, payload_len);
  p += payload_len;

  g_assert (p == out->data + out->len);

  return total;
}

void
bd_mqtt_encode_ack (BdMqttPacketType type,
                    guint16          packet_id,
                    GByteArray      *out)
{
  guint8 *p;

  g_return_if_fail ((type >= BD_MQTT_PUBACK && type <= BD_MQTT_PUBCOMP) ||
                    type == BD_MQTT_UNSUBACK);
  g_return_if_fail (out != NULL);

  g_byte_array_set_size (out, out->len + 4);
  p = out->data + out->len - 4;
  p[0] = (type << 4) | (type == BD_MQTT_PUBREL ? 0x02 : 0); /* [MQTT-3.6.1-1] */
  p[1] = 2;
  p[2] = packet_id >> 8;
  p[3] = packet_id & 0xFF;
}

gboolean
bd_mqtt_properties_encode (const BdMqttProperties *props,
                           gboolean                will,
                           GByteArray             *out)
{
  guint ctx = will ? BD_MQTT_PROP_CTX_WILL : BD_MQTT_PUBLISH;
  BdMqttSink sink = { NULL, 0, NULL, 0 };
  gsize start = out->len;

  g_return_val_if_fail (out != NULL, FALSE);

  sink_properties (&sink, props, ctx);
  if (sink.error != NULL)
    return FALSE;
  g_byte_array_set_size (out, start + sink.len);
  sink = (BdMqttSink) { out->data + start, 0, NULL, 0 };
  sink_properties (&sink, props, ctx);
  g_assert (start + sink.len == out->len);
  return TRUE;
}
