/* bd-mqtt-decode.c — MQTT 3.1 / 3.1.1 / 5.0 fixed header parsing and packet decoding
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The model: bd_mqtt_frame_parse() finds one packet in a stream buffer, and
 * bd_mqtt_decode() turns its body into a BdMqttPacket with a bounds-checked
 * reader (a pair of pointers). Every read checks the bytes left, so a
 * truncated field anywhere is Malformed and never reads past the body; after
 * the last field the reader must be exactly at the end, so trailing bytes are
 * Malformed too.
 *
 * Error codes follow MQTT 5 section 1.2: a packet that cannot be parsed is a
 * Malformed Packet (0x81); a packet that parses but carries something the
 * protocol does not allow is a Protocol Error (0x82). For 3.1 / 3.1.1 the
 * engine just closes the connection, whatever the code.
 *
 * PUBLISH is the hot path: it costs one allocation for the topic and one
 * GBytes for the payload (plus properties, in MQTT 5, when there are any).
 */

#include "config.h"

#include <stdarg.h>
#include <string.h>

#include "bd-mqtt-private.h"

#define W      BD_MQTT_CTX_BIT (BD_MQTT_PROP_CTX_WILL)
#define CONN   BD_MQTT_CTX_BIT (BD_MQTT_CONNECT)
#define CACK   BD_MQTT_CTX_BIT (BD_MQTT_CONNACK)
#define PUB    BD_MQTT_CTX_BIT (BD_MQTT_PUBLISH)
#define PACK   BD_MQTT_CTX_BIT (BD_MQTT_PUBACK)
#define PREC   BD_MQTT_CTX_BIT (BD_MQTT_PUBREC)
#define PREL   BD_MQTT_CTX_BIT (BD_MQTT_PUBREL)
#define PCOMP  BD_MQTT_CTX_BIT (BD_MQTT_PUBCOMP)
#define SUB    BD_MQTT_CTX_BIT (BD_MQTT_SUBSCRIBE)
#define SACK   BD_MQTT_CTX_BIT (BD_MQTT_SUBACK)
#define UNSUB  BD_MQTT_CTX_BIT (BD_MQTT_UNSUBSCRIBE)
#define UACK   BD_MQTT_CTX_BIT (BD_MQTT_UNSUBACK)
#define DISC   BD_MQTT_CTX_BIT (BD_MQTT_DISCONNECT)
#define AUTH   BD_MQTT_CTX_BIT (BD_MQTT_AUTH)

/* MQTT 5 section 2.2.2.2, table 2-4: the type of each property and the
 * packets (and Will Properties) that may carry it. */
const BdMqttPropInfo _bd_mqtt_prop_info[64] = {
  [BD_MQTT_PROP_PAYLOAD_FORMAT_INDICATOR]          = { BD_MQTT_PROP_TYPE_BYTE, PUB | W },
  [BD_MQTT_PROP_MESSAGE_EXPIRY_INTERVAL]           = { BD_MQTT_PROP_TYPE_U32, PUB | W },
  [BD_MQTT_PROP_CONTENT_TYPE]                      = { BD_MQTT_PROP_TYPE_UTF8, PUB | W },
  [BD_MQTT_PROP_RESPONSE_TOPIC]                    = { BD_MQTT_PROP_TYPE_UTF8, PUB | W },
  [BD_MQTT_PROP_CORRELATION_DATA]                  = { BD_MQTT_PROP_TYPE_BINARY, PUB | W },
  [BD_MQTT_PROP_SUBSCRIPTION_IDENTIFIER]           = { BD_MQTT_PROP_TYPE_VARINT, PUB | SUB },
  [BD_MQTT_PROP_SESSION_EXPIRY_INTERVAL]           = { BD_MQTT_PROP_TYPE_U32, CONN | CACK | DISC },
  [BD_MQTT_PROP_ASSIGNED_CLIENT_IDENTIFIER]        = { BD_MQTT_PROP_TYPE_UTF8, CACK },
  [BD_MQTT_PROP_SERVER_KEEP_ALIVE]                 = { BD_MQTT_PROP_TYPE_U16, CACK },
  [BD_MQTT_PROP_AUTHENTICATION_METHOD]             = { BD_MQTT_PROP_TYPE_UTF8, CONN | CACK | AUTH },
  [BD_MQTT_PROP_AUTHENTICATION_DATA]               = { BD_MQTT_PROP_TYPE_BINARY, CONN | CACK | AUTH },
  [BD_MQTT_PROP_REQUEST_PROBLEM_INFORMATION]       = { BD_MQTT_PROP_TYPE_BYTE, CONN },
  [BD_MQTT_PROP_WILL_DELAY_INTERVAL]               = { BD_MQTT_PROP_TYPE_U32, W },
  [BD_MQTT_PROP_REQUEST_RESPONSE_INFORMATION]      = { BD_MQTT_PROP_TYPE_BYTE, CONN },
  [BD_MQTT_PROP_RESPONSE_INFORMATION]              = { BD_MQTT_PROP_TYPE_UTF8, CACK },
  [BD_MQTT_PROP_SERVER_REFERENCE]                  = { BD_MQTT_PROP_TYPE_UTF8, CACK | DISC },
  [BD_MQTT_PROP_REASON_STRING]                     = { BD_MQTT_PROP_TYPE_UTF8,
                                                       CACK | PACK | PREC | PREL | PCOMP |
                                                       SACK | UACK | DISC | AUTH },
  [BD_MQTT_PROP_RECEIVE_MAXIMUM]                   = { BD_MQTT_PROP_TYPE_U16, CONN | CACK },
  [BD_MQTT_PROP_TOPIC_ALIAS_MAXIMUM]               = { BD_MQTT_PROP_TYPE_U16, CONN | CACK },
  [BD_MQTT_PROP_TOPIC_ALIAS]                       = { BD_MQTT_PROP_TYPE_U16, PUB },
  [BD_MQTT_PROP_MAXIMUM_QOS]                       = { BD_MQTT_PROP_TYPE_BYTE, CACK },
  [BD_MQTT_PROP_RETAIN_AVAILABLE]                  = { BD_MQTT_PROP_TYPE_BYTE, CACK },
  [BD_MQTT_PROP_USER_PROPERTY]                     = { BD_MQTT_PROP_TYPE_PAIR,
                                                       W | CONN | CACK | PUB | PACK | PREC |
                                                       PREL | PCOMP | SUB | SACK | UNSUB |
                                                       UACK | DISC | AUTH },
  [BD_MQTT_PROP_MAXIMUM_PACKET_SIZE]               = { BD_MQTT_PROP_TYPE_U32, CONN | CACK },
  [BD_MQTT_PROP_WILDCARD_SUBSCRIPTION_AVAILABLE]   = { BD_MQTT_PROP_TYPE_BYTE, CACK },
  [BD_MQTT_PROP_SUBSCRIPTION_IDENTIFIER_AVAILABLE] = { BD_MQTT_PROP_TYPE_BYTE, CACK },
  [BD_MQTT_PROP_SHARED_SUBSCRIPTION_AVAILABLE]     = { BD_MQTT_PROP_TYPE_BYTE, CACK },
};

guint64
_bd_mqtt_prop_allowed_mask (guint ctx)
{
  static guint64 masks[16];
  static gsize initialized = 0;

  g_assert (ctx < G_N_ELEMENTS (masks));

  if (g_once_init_enter (&initialized))
    {
      for (guint id = 0; id < G_N_ELEMENTS (_bd_mqtt_prop_info); id++)
        for (guint c = 0; c < G_N_ELEMENTS (masks); c++)
          if (_bd_mqtt_prop_info[id].allowed & BD_MQTT_CTX_BIT (c))
            masks[c] |= BD_MQTT_PROP_BIT (id);
      g_once_init_leave (&initialized, 1);
    }

  return masks[ctx];
}

/* MQTT 5 reason codes each packet may carry: CONNACK [MQTT-3.2.2-8], PUBACK
 * [MQTT-3.4.2-1], PUBREC [MQTT-3.5.2-1], PUBREL [MQTT-3.6.2-1], PUBCOMP
 * [MQTT-3.7.2-1], SUBACK [MQTT-3.9.3-2], UNSUBACK [MQTT-3.11.3-2], DISCONNECT
 * [MQTT-3.14.2-1], AUTH [MQTT-3.15.2-1]. A code outside its list parses, but
 * is not allowed: a Protocol Error. */
static const guint8 connack_codes[] = {
  0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8A, 0x8C, 0x90, 0x95,
  0x97, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9F,
};
static const guint8 puback_codes[] = { 0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99 };
static const guint8 pubrel_codes[] = { 0x00, 0x92 };
static const guint8 suback_codes[] = {
  0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8F, 0x91, 0x97, 0x9E, 0xA1, 0xA2,
};
static const guint8 unsuback_codes[] = { 0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91 };
static const guint8 disconnect_codes[] = {
  0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8B, 0x8D, 0x8E, 0x8F, 0x90, 0x93, 0x94,
  0x95, 0x96, 0x97, 0x98, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9E, 0x9F, 0xA0, 0xA1, 0xA2,
};
static const guint8 auth_codes[] = { 0x00, 0x18, 0x19 };

typedef struct
{
  const guint8 *p;
  const guint8 *end;
} BdMqttReader;

#define READER_LEFT(r) ((gsize) ((r)->end - (r)->p))

static gboolean fail (GError    **error,
                      guint       code,
                      const char *format,
                      ...) G_GNUC_PRINTF (3, 4);

/* Always returns FALSE, so a check reads `return fail (...)`. Kept out of
 * line: errors are the cold path. (The readers below still say `return
 * FALSE` themselves, so the compiler sees that their outputs are set on
 * success.) */
static G_GNUC_NO_INLINE gboolean
fail (GError    **error,
      guint       code,
      const char *format,
      ...)
{
  va_list args;

  if (error == NULL)
    return FALSE;

  va_start (args, format);
  *error = g_error_new_valist (BD_CODEC_ERROR, code, format, args);
  va_end (args);

  return FALSE;
}

static G_GNUC_NO_INLINE void
truncated (GError    **error,
           const char *what)
{
  fail (error, BD_MQTT_RC_MALFORMED_PACKET, "%s is truncated", what);
}

static inline gboolean
read_u8 (BdMqttReader *r,
         guint8       *value,
         const char   *what,
         GError      **error)
{
  if (G_UNLIKELY (r->p == r->end))
    {
      truncated (error, what);
      return FALSE;
    }
  *value = *r->p++;
  return TRUE;
}

/* Two Byte Integer: big-endian [MQTT-1.5.2] */
static inline gboolean
read_u16 (BdMqttReader *r,
          guint16      *value,
          const char   *what,
          GError      **error)
{
  if (G_UNLIKELY (READER_LEFT (r) < 2))
    {
      truncated (error, what);
      return FALSE;
    }
  *value = (guint16) ((r->p[0] << 8) | r->p[1]);
  r->p += 2;
  return TRUE;
}

/* Four Byte Integer: big-endian [MQTT-1.5.3] */
static inline gboolean
read_u32 (BdMqttReader *r,
          guint32      *value,
          const char   *what,
          GError      **error)
{
  if (G_UNLIKELY (READER_LEFT (r) < 4))
    {
      truncated (error, what);
      return FALSE;
    }
  *value = ((guint32) r->p[0] << 24) | ((guint32) r->p[1] << 16) |
           ((guint32) r->p[2] << 8) | r->p[3];
  r->p += 4;
  return TRUE;
}

/* Variable Byte Integer, MQTT 5 section 1.5.5. Only MQTT 5 fields use it
 * besides the fixed header, so the MQTT 5 rules apply: at most four bytes,
 * and the minimum number of bytes [MQTT-1.5.5-1]. */
static gboolean
read_varint (BdMqttReader *r,
             guint32      *value,
             const char   *what,
             GError      **error)
{
  guint32 v = 0;

  for (guint i = 0; i < 4; i++)
    {
      guint8 byte;

      if (G_UNLIKELY (r->p == r->end))
        {
      truncated (error, what);
      return FALSE;
    }
      byte = *r->p++;
      v |= (guint32) (byte & 0x7F) << (7 * i);
      if ((byte & 0x80) == 0)
        {
          if (G_UNLIKELY (i > 0 && byte == 0))
            {
              fail (error, BD_MQTT_RC_MALFORMED_PACKET,
                    "%s is not encoded in the minimum number of bytes [MQTT-1.5.5-1]", what);
              return FALSE;
            }
          *value = v;
          return TRUE;
        }
    }

  fail (error, BD_MQTT_RC_MALFORMED_PACKET, "%s has more than four bytes [MQTT-1.5.5]", what);
  return FALSE;
}

/* Binary Data [MQTT-1.5.6]: a Two Byte Integer length, then that many bytes.
 * The protocol name is read this way too, to compare it byte for byte. */
static inline gboolean
read_binary (BdMqttReader  *r,
             const guint8 **data,
             gsize         *len,
             const char    *what,
             GError       **error)
{
  gsize n;

  if (G_UNLIKELY (READER_LEFT (r) < 2))
    {
      truncated (error, what);
      return FALSE;
    }
  n = ((gsize) r->p[0] << 8) | r->p[1];
  if (G_UNLIKELY (READER_LEFT (r) - 2 < n))
    {
      truncated (error, what);
      return FALSE;
    }
  *data = r->p + 2;
  *len = n;
  r->p += 2 + n;
  return TRUE;
}

/* UTF-8 Encoded String [MQTT-1.5.4]: like Binary Data, but the bytes must be
 * well-formed UTF-8 without surrogates [MQTT-1.5.4-1] and without U+0000
 * [MQTT-1.5.4-2]; 3.1.1 numbers these [MQTT-1.5.3-1] and [MQTT-1.5.3-2]. An
 * ill-formed string is a Malformed Packet in both versions. */
static inline gboolean
read_utf8 (BdMqttReader  *r,
           const guint8 **data,
           gsize         *len,
           const char    *what,
           GError       **error)
{
  if (!read_binary (r, data, len, what, error))
    return FALSE;
  if (G_UNLIKELY (!bd_mqtt_utf8_valid ((const char *) *data, *len)))
    {
      fail (error, BD_MQTT_RC_MALFORMED_PACKET,
            "%s is not a valid MQTT UTF-8 string [MQTT-1.5.3-1] [MQTT-1.5.3-2]", what);
      return FALSE;
    }
  return TRUE;
}

static inline char *
dup_string (const guint8 *data,
            gsize         len)
{
  char *str = g_malloc (len + 1);

  if (len > 0)
    memcpy (str, data, len);
  str[len] = '\0';
  return str;
}

static inline gboolean
read_utf8_dup (BdMqttReader *r,
               char        **str,
               const char   *what,
               GError      **error)
{
  const guint8 *data;
  gsize len;

  if (!read_utf8 (r, &data, &len, what, error))
    return FALSE;
  *str = dup_string (data, len);
  return TRUE;
}

static inline gboolean
has_wildcard (const guint8 *data,
              gsize         len)
{
  return len > 0 && (memchr (data, '+', len) != NULL || memchr (data, '#', len) != NULL);
}

static void
add_user_property_take (BdMqttProperties *props,
                        char             *name,
                        char             *value)
{
  props->user_properties = g_renew (BdMqttUserProperty, props->user_properties,
                                    props->n_user_properties + 1);
  props->user_properties[props->n_user_properties].name = name;
  props->user_properties[props->n_user_properties].value = value;
  props->n_user_properties++;
}

static gboolean
check_boolean_property (guint32     value,
                        const char *name,
                        GError    **error)
{
  /* Each byte-valued property of MQTT 5 is a flag: "It is a Protocol Error to
   * include [it] more than once, or to have a value other than 0 or 1"
   * (sections 3.1.2.11.6, 3.1.2.11.7, 3.2.2.3.4, 3.2.2.3.5, 3.2.2.3.11 to
   * 3.2.2.3.13; the Payload Format Indicator of 3.3.2.3.2 has the same two
   * values). */
  if (value > 1)
    return fail (error, BD_MQTT_RC_PROTOCOL_ERROR, "%s is %u, not 0 or 1", name, value);
  return TRUE;
}

/*
 * Properties, MQTT 5 section 2.2.2: a Variable Byte Integer length, then
 * (identifier, value) pairs whose identifier is a Variable Byte Integer. An
 * unknown identifier cannot be parsed (its value has no known size), so it is
 * Malformed; a known property on a packet that may not carry it, or a second
 * copy of one that may appear once, is a Protocol Error (2.2.2.2 and each
 * property's clause: "It is a Protocol Error to include ... more than once").
 */
static gboolean
read_properties (BdMqttReader     *r,
                 guint             ctx,
                 BdMqttProperties *props,
                 GError          **error)
{
  BdMqttReader pr;
  guint32 length;

  if (!read_varint (r, &length, "property length", error))
    return FALSE;
  if (length > READER_LEFT (r))
    return fail (error, BD_MQTT_RC_MALFORMED_PACKET,
                 "property length %u is beyond the end of the packet", length);

  pr.p = r->p;
  pr.end = r->p + length;
  r->p = pr.end;

  while (pr.p < pr.end)
    {
      const BdMqttPropInfo *info;
      guint32 id;
      guint32 number = 0;
      const guint8 *data = NULL;
      gsize len = 0;
      const guint8 *data2 = NULL;
      gsize len2 = 0;

      if (!read_varint (&pr, &id, "property identifier", error))
        return FALSE;
      if (id >= G_N_ELEMENTS (_bd_mqtt_prop_info) ||
          _bd_mqtt_prop_info[id].type == BD_MQTT_PROP_TYPE_NONE)
        return fail (error, BD_MQTT_RC_MALFORMED_PACKET, "unknown property 0x%02x", id);

      info = &_bd_mqtt_prop_info[id];
      if ((info->allowed & BD_MQTT_CTX_BIT (ctx)) == 0)
        return fail (error, BD_MQTT_RC_PROTOCOL_ERROR, "property 0x%02x is not allowed %s",
                     id, ctx == BD_MQTT_PROP_CTX_WILL ? "in Will Properties" : "on this packet");

      /* User Property may repeat (2.2.2.2), and so may Subscription
       * Identifier on a PUBLISH (3.3.2.3.8), but not on a SUBSCRIBE (3.8.2.1.2). */
      if (BD_MQTT_PROP_HAS (props, id) &&
          id != BD_MQTT_PROP_USER_PROPERTY &&
          !(id == BD_MQTT_PROP_SUBSCRIPTION_IDENTIFIER && ctx == BD_MQTT_PUBLISH))
        return fail (error, BD_MQTT_RC_PROTOCOL_ERROR,
                     "property 0x%02x is included more than once", id);

      switch ((BdMqttPropType) info->type)
        {
        case BD_MQTT_PROP_TYPE_BYTE:
          {
            guint8 v;
            if (!read_u8 (&pr, &v, "property value", error))
              return FALSE;
            number = v;
          }
          break;

        case BD_MQTT_PROP_TYPE_U16:
          {
            guint16 v;
            if (!read_u16 (&pr, &v, "property value", error))
              return FALSE;
            number = v;
          }
          break;

        case BD_MQTT_PROP_TYPE_U32:
          if (!read_u32 (&pr, &number, "property value", error))
            return FALSE;
          break;

        case BD_MQTT_PROP_TYPE_VARINT:
          if (!read_varint (&pr, &number, "property value", error))
            return FALSE;
          break;

        case BD_MQTT_PROP_TYPE_UTF8:
          if (!read_utf8 (&pr, &data, &len, "property string", error))
            return FALSE;
          break;

        case BD_MQTT_PROP_TYPE_BINARY:
          if (!read_binary (&pr, &data, &len, "property binary data", error))
            return FALSE;
          break;

        case BD_MQTT_PROP_TYPE_PAIR:
          if (!read_utf8 (&pr, &data, &len, "user property name", error) ||
              !read_utf8 (&pr, &data2, &len2, "user property value", error))
            return FALSE;
          break;

        case BD_MQTT_PROP_TYPE_NONE:
        default:
          g_assert_not_reached ();
        }

      switch ((BdMqttPropertyId) id)
        {
        case BD_MQTT_PROP_PAYLOAD_FORMAT_INDICATOR:
          if (!check_boolean_property (number, "Payload Format Indicator", error))
            return FALSE;
          props->payload_format_indicator = (guint8) number;
          break;

        case BD_MQTT_PROP_MESSAGE_EXPIRY_INTERVAL:
          props->message_expiry_interval = number;
          break;

        case BD_MQTT_PROP_CONTENT_TYPE:
          props->content_type = dup_string (data, len);
          break;

        case BD_MQTT_PROP_RESPONSE_TOPIC:
          /* A Response Topic is a Topic Name: no wildcards [MQTT-3.3.2-14] */
          if (has_wildcard (data, len))
            return fail (error, BD_MQTT_RC_PROTOCOL_ERROR,
                         "Response Topic contains a wildcard [MQTT-3.3.2-14]");
          props->response_topic = dup_string (data, len);
          break;

        case BD_MQTT_PROP_CORRELATION_DATA:
          props->correlation_data = g_bytes_new (data, len);
          break;

        case BD_MQTT_PROP_SUBSCRIPTION_IDENTIFIER:
          /* 1 to 268,435,455; "It is a Protocol Error if the Subscription
           * Identifier has a value of 0" (3.3.2.3.8, 3.8.2.1.2). The upper
           * bound is the Variable Byte Integer's own. */
          if (number == 0)
            return fail (error, BD_MQTT_RC_PROTOCOL_ERROR, "Subscription Identifier is 0");
          bd_mqtt_properties_add_subscription_identifier (props, number);
          break;

        case BD_MQTT_PROP_SESSION_EXPIRY_INTERVAL:
          props->session_expiry_interval = number;
          break;

        case BD_MQTT_PROP_ASSIGNED_CLIENT_IDENTIFIER:
          props->assigned_client_identifier = dup_string (data, len);
          break;

        case BD_MQTT_PROP_SERVER_KEEP_ALIVE:
          props->server_keep_alive = (guint16) number;
          break;

        case BD_MQTT_PROP_AUTHENTICATION_METHOD:
          props->authentication_method = dup_string (data, len);
          break;

        case BD_MQTT_PROP_AUTHENTICATION_DATA:
          props->authentication_data = g_bytes_new (data, len);
          break;

        case BD_MQTT_PROP_REQUEST_PROBLEM_INFORMATION:
          if (!check_boolean_property (number, "Request Problem Information", error))
            return FALSE;
          props->request_problem_information = (guint8) number;
          break;

        case BD_MQTT_PROP_WILL_DELAY_INTERVAL:
          props->will_delay_interval = number;
          break;

        case BD_MQTT_PROP_REQUEST_RESPONSE_INFORMATION:
          if (!check_boolean_property (number, "Request Response Information", error))
            return FALSE;
          props->request_response_information = (guint8) number;
          break;

        case BD_MQTT_PROP_RESPONSE_INFORMATION:
          props->response_information = dup_string (data, len);
          break;

        case BD_MQTT_PROP_SERVER_REFERENCE:
          props->server_reference = dup_string (data, len);
          break;

        case BD_MQTT_PROP_REASON_STRING:
          props->reason_string = dup_string (data, len);
          break;

        case BD_MQTT_PROP_RECEIVE_MAXIMUM:
          /* "It is a Protocol Error to include the Receive Maximum value more
           * than once or for it to have the value 0" (3.1.2.11.3, 3.2.2.3.3) */
          if (number == 0)
            return fail (error, BD_MQTT_RC_PROTOCOL_ERROR, "Receive Maximum is 0");
          props->receive_maximum = (guint16) number;
          break;

        case BD_MQTT_PROP_TOPIC_ALIAS_MAXIMUM:
          props->topic_alias_maximum = (guint16) number;
          break;

        case BD_MQTT_PROP_TOPIC_ALIAS:
          /* "A Topic Alias of 0 is not permitted" [MQTT-3.3.2-8] */
          if (number == 0)
            return fail (error, BD_MQTT_RC_PROTOCOL_ERROR, "Topic Alias is 0 [MQTT-3.3.2-8]");
          props->topic_alias = (guint16) number;
          break;

        case BD_MQTT_PROP_MAXIMUM_QOS:
          if (!check_boolean_property (number, "Maximum QoS", error))
            return FALSE;
          props->maximum_qos = (guint8) number;
          break;

        case BD_MQTT_PROP_RETAIN_AVAILABLE:
          if (!check_boolean_property (number, "Retain Available", error))
            return FALSE;
          props->retain_available = (guint8) number;
          break;

        case BD_MQTT_PROP_USER_PROPERTY:
          add_user_property_take (props, dup_string (data, len), dup_string (data2, len2));
          break;

        case BD_MQTT_PROP_MAXIMUM_PACKET_SIZE:
          /* "It is a Protocol Error to include the Maximum Packet Size more
           * than once, or for the value to be set to zero" (3.1.2.11.4) */
          if (number == 0)
            return fail (error, BD_MQTT_RC_PROTOCOL_ERROR, "Maximum Packet Size is 0");
          props->maximum_packet_size = number;
          break;

        case BD_MQTT_PROP_WILDCARD_SUBSCRIPTION_AVAILABLE:
          if (!check_boolean_property (number, "Wildcard Subscription Available", error))
            return FALSE;
          props->wildcard_subscription_available = (guint8) number;
          break;

        case BD_MQTT_PROP_SUBSCRIPTION_IDENTIFIER_AVAILABLE:
          if (!check_boolean_property (number, "Subscription Identifier Available", error))
            return FALSE;
          props->subscription_identifier_available = (guint8) number;
          break;

        case BD_MQTT_PROP_SHARED_SUBSCRIPTION_AVAILABLE:
          if (!check_boolean_property (number, "Shared Subscription Available", error))
            return FALSE;
          props->shared_subscription_available = (guint8) number;
          break;

        default:
          g_assert_not_reached ();
        }

      BD_MQTT_PROP_SET (props, id);
    }

  return TRUE;
}

static inline gboolean
check_reason_code (const guint8 *codes,
                   gsize         n_codes,
                   guint8        code,
                   GError      **error)
{
  if (G_UNLIKELY (memchr (codes, code, n_codes) == NULL))
    return fail (error, BD_MQTT_RC_PROTOCOL_ERROR,
                 "reason code 0x%02x is not allowed on this packet", code);
  return TRUE;
}

static inline gboolean
check_packet_id (guint16  packet_id,
                 GError **error)
{
  /* Packets that carry a Packet Identifier carry a non-zero one [MQTT-2.3.1-1];
   * an acknowledgement repeats the identifier of a packet that had one. */
  if (G_UNLIKELY (packet_id == 0))
    return fail (error, BD_MQTT_RC_PROTOCOL_ERROR, "packet identifier is 0 [MQTT-2.3.1-1]");
  return TRUE;
}

/* A valid Topic Name for a PUBLISH or a Will (which becomes a PUBLISH): no
 * wildcards [MQTT-3.3.2-2]. MQTT 5 names the error Topic Name
 * invalid (0x90, usable in CONNACK and DISCONNECT); before 5 the packet is
 * simply malformed. Zero-length topics are handled by the callers. */
static inline gboolean
check_topic_name (BdMqttVersion version,
                  const guint8 *data,
                  gsize         len,
                  const char   *what,
                  GError      **error)
{
  if (G_UNLIKELY (has_wildcard (data, len)))
    return fail (error,
                 version == BD_MQTT_V5 ? BD_MQTT_RC_TOPIC_NAME_INVALID
                                       : BD_MQTT_RC_MALFORMED_PACKET,
                 "%s contains a wildcard character [MQTT-3.3.2-2]", what);
  return TRUE;
}

/* A Variable Byte Integer in MQTT 5 must be minimal [MQTT-1.5.5-1]. The fixed
 * header's remaining length is checked here, once the version is known
 * (3.1.1 has no such rule, and a lenient reading costs nothing there). */
static inline gboolean
check_minimal_header (const BdMqttFrame *frame,
                      GError           **error)
{
  if (G_UNLIKELY (frame->header_length > 1 &&
                  frame->header_length - 1u > _bd_mqtt_varint_size (frame->remaining_length)))
    return fail (error, BD_MQTT_RC_MALFORMED_PACKET,
                 "remaining length is not encoded in the minimum number of bytes "
                 "[MQTT-1.5.5-1]");
  return TRUE;
}

static gboolean
decode_connect (BdMqttReader      *r,
                const BdMqttFrame *frame,
                BdMqttConnect     *c,
                GError           **error)
{
  const guint8 *name;
  gsize name_len;
  guint8 level;
  guint8 flags;
  gboolean username_flag;
  gboolean password_flag;

  if (!read_binary (r, &name, &name_len, "protocol name", error) ||
      !read_u8 (r, &level, "protocol level", error))
    return FALSE;

  /* "MQTT" for 3.1.1 and 5, "MQIsdp" for 3.1. Any other name is not MQTT
   * at all: close without a CONNACK [MQTT-3.1.2-1]. */
  if (name_len == 4 && memcmp (name, "MQTT", 4) == 0)
    {
      /* A level we do not speak (3, or above 5) is answered with the
       * 3.1.1 CONNACK 0x01, unacceptable protocol level [MQTT-3.1.2-2]:
       * its two-byte form is the one every "MQTT" client can read. */
      c->version = level == 5 ? BD_MQTT_V5 : BD_MQTT_V311;
    }
  else if (name_len == 6 && memcmp (name, "MQIsdp", 6) == 0)
    c->version = BD_MQTT_V31;
  else
    return fail (error, BD_MQTT_RC_MALFORMED_PACKET,
                 "unknown protocol name [MQTT-3.1.2-1]");

  /* Mosquitto's bridges (try_private) set the level's top bit, on 3.1 and
   * 3.1.1 only: a bridge, which then gets none of its own messages back. */
  if ((level & 0x80) != 0 && c->version != BD_MQTT_V5 && (guint) (level & 0x7f) == (guint) c->version)
    {
      c->bridge = TRUE;
      level &= 0x7f;
    }
  c->protocol_level = level;
  c->protocol_name = dup_string (name, name_len);
  if ((guint) level != (guint) c->version)
    return fail (error, BD_MQTT_RC_UNSUPPORTED_PROTOCOL_VERSION,
                 "unsupported protocol level %u [MQTT-3.1.2-2]", level);

  if (c->version == BD_MQTT_V5 && !check_minimal_header (frame, error))
    return FALSE;

  if (!read_u8 (r, &flags, "connect flags", error))
    return FALSE;

  /* The reserved flag must be 0 [MQTT-3.1.2-3] */
  if (flags & 0x01)
    return fail (error, BD_MQTT_RC_MALFORMED_PACKET,
                 "reserved connect flag is set [MQTT-3.1.2-3]");

  c->clean_start = (flags & 0x02) != 0;
  c->has_will = (flags & 0x04) != 0;
  c->will_qos = (flags >> 3) & 0x03;
  c->will_retain = (flags & 0x20) != 0;
  password_flag = (flags & 0x40) != 0;
  username_flag = (flags & 0x80) != 0;

  if (c->has_will)
    {
      /* Will QoS 3 is malformed [MQTT-3.1.2-14] (3.1.1) [MQTT-3.1.2-12] (5) */
      if (c->will_qos == 3)
        return fail (error, BD_MQTT_RC_MALFORMED_PACKET, "Will QoS is 3 [MQTT-3.1.2-14]");
    }
  else if (c->will_qos != 0 || c->will_retain)
    {
      /* Without a Will, Will QoS and Will Retain are 0 [MQTT-3.1.2-11]
       * [MQTT-3.1.2-13] [MQTT-3.1.2-15] (3.1.1 numbering) */
      return fail (error, BD_MQTT_RC_MALFORMED_PACKET,
                   "Will QoS or Will Retain set without a Will [MQTT-3.1.2-13] [MQTT-3.1.2-15]");
    }

  /* 3.1.1 forbids a password without a user name [MQTT-3.1.2-22]. MQTT 5
   * allows it (3.1.2.9); 3.1 clients are known to send it, so allow it. */
  if (c->version == BD_MQTT_V311 && password_flag && !username_flag)
    return fail (error, BD_MQTT_RC_MALFORMED_PACKET,
                 "password flag without user name flag [MQTT-3.1.2-22]");

  if (!read_u16 (r, &c->keep_alive, "keep alive", error))
    return FALSE;

  if (c->version == BD_MQTT_V5)
    {
      if (!read_properties (r, BD_MQTT_CONNECT, &c->properties, error))
        return FALSE;
      /* "It is a Protocol Error to include Authentication Data if there is
       * no Authentication Method" (3.1.2.11.10) */
      if (BD_MQTT_PROP_HAS (&c->properties, BD_MQTT_PROP_AUTHENTICATION_DATA) &&
          !BD_MQTT_PROP_HAS (&c->properties, BD_MQTT_PROP_AUTHENTICATION_METHOD))
        return fail (error, BD_MQTT_RC_PROTOCOL_ERROR,
                     "Authentication Data without Authentication Method");
    }

  /* Payload order: Client Identifier, Will Properties, Will Topic, Will
   * Payload, User Name, Password [MQTT-3.1.3-1] */
  if (!read_utf8_dup (r, &c->client_id, "client identifier", error))
    return FALSE;

  if (c->has_will)
    {
      const guint8 *topic;
      gsize topic_len;
      const guint8 *payload;
      gsize payload_len;

      if (c->version == BD_MQTT_V5 &&
          !read_properties (r, BD_MQTT_PROP_CTX_WILL, &c->will_properties, error))
        return FALSE;
      if (!read_utf8 (r, &topic, &topic_len, "will topic", error) ||
          !check_topic_name (c->version, topic, topic_len, "will topic", error))
        return FALSE;
      /* Topic Names are at least one character long [MQTT-4.7.3-1] */
      if (topic_len == 0)
        return fail (error,
                     c->version == BD_MQTT_V5 ? BD_MQTT_RC_TOPIC_NAME_INVALID
                                              : BD_MQTT_RC_MALFORMED_PACKET,
                     "will topic is empty [MQTT-4.7.3-1]");
      c->will_topic = dup_string (topic, topic_len);

      if (!read_binary (r, &payload, &payload_len, "will payload", error))
        return FALSE;
      c->will_payload = g_bytes_new (payload, payload_len);
    }

  if (username_flag)
    {
      c->has_username = TRUE;
      if (!read_utf8_dup (r, &c->username, "user name", error))
        return FALSE;
    }

  if (password_flag)
    {
      const guint8 *password;
      gsize password_len;

      c->has_password = TRUE;
      if (!read_binary (r, &password, &password_len, "password", error))
        return FALSE;
      c->password = g_bytes_new (password, password_len);
    }

  return TRUE;
}

static gboolean
decode_connack (BdMqttVersion  version,
                BdMqttReader  *r,
                BdMqttConnack *c,
                GError       **error)
{
  guint8 ack_flags;

  if (!read_u8 (r, &ack_flags, "connect acknowledge flags", error) ||
      !read_u8 (r, &c->reason_code, "return code", error))
    return FALSE;

  /* 3.1 has a reserved byte (Topic Name Compression) and no Session Present. */
  if (version == BD_MQTT_V31)
    ack_flags = 0;

  /* Bits 7-1 are reserved and set to 0 [MQTT-3.2.2-1] (5) */
  if (ack_flags & 0xFE)
    return fail (error, BD_MQTT_RC_MALFORMED_PACKET,
                 "reserved connect acknowledge flags are set");
  c->session_present = ack_flags & 0x01;

  if (version == BD_MQTT_V5)
    {
      if (!check_reason_code (connack_codes, sizeof connack_codes, c->reason_code, error) ||
          !read_properties (r, BD_MQTT_CONNACK, &c->properties, error))
        return FALSE;
    }
  else if (c->reason_code > BD_MQTT3_CONNACK_NOT_AUTHORIZED)
    {
      /* 3.1.1 table 3.1: return codes 6-255 are reserved */
      return fail (error, BD_MQTT_RC_MALFORMED_PACKET, "reserved return code %u",
                   c->reason_code);
    }

  /* A refused connection has no session: Session Present is 0
   * [MQTT-3.2.2-4] (3.1.1) [MQTT-3.2.2-6] (5) */
  if (c->reason_code != 0 && c->session_present)
    return fail (error, BD_MQTT_RC_PROTOCOL_ERROR,
                 "Session Present set with a non-zero return code [MQTT-3.2.2-4]");

  return TRUE;
}

static gboolean
decode_publish (BdMqttVersion      version,
                const BdMqttFrame *frame,
                BdMqttReader      *r,
                BdMqttPublish     *p,
                GError           **error)
{
  const guint8 *topic;
  gsize topic_len;
  gsize payload_len;

  p->retain = (frame->flags & 0x01) != 0;
  p->qos = (frame->flags >> 1) & 0x03;
  p->dup = (frame->flags & 0x08) != 0;

  /* "A PUBLISH Packet MUST NOT have both QoS bits set to 1" [MQTT-3.3.1-4] */
  if (G_UNLIKELY (p->qos == 3))
    return fail (error, BD_MQTT_RC_MALFORMED_PACKET, "QoS is 3 [MQTT-3.3.1-4]");
  /* "The DUP flag MUST be set to 0 for all QoS 0 messages" [MQTT-3.3.1-2] */
  if (G_UNLIKELY (p->dup && p->qos == 0))
    return fail (error, BD_MQTT_RC_MALFORMED_PACKET, "DUP set on a QoS 0 message [MQTT-3.3.1-2]");

  if (!read_utf8 (r, &topic, &topic_len, "topic name", error) ||
      !check_topic_name (version, topic, topic_len, "topic name", error))
    return FALSE;

  /* Topic Names are at least one character long [MQTT-4.7.3-1], except
   * that MQTT 5 sends an empty name with a Topic Alias (checked below). */
  if (G_UNLIKELY (topic_len == 0 && version != BD_MQTT_V5))
    return fail (error, BD_MQTT_RC_MALFORMED_PACKET, "topic name is empty [MQTT-4.7.3-1]");

  if (p->qos > 0)
    {
      if (!read_u16 (r, &p->packet_id, "packet identifier", error) ||
          !check_packet_id (p->packet_id, error))
        return FALSE;
    }

  if (version == BD_MQTT_V5)
    {
      if (!read_properties (r, BD_MQTT_PUBLISH, &p->properties, error))
        return FALSE;
      /* "It is a Protocol Error if the Topic Name is zero length and there
       * is no Topic Alias" (3.3.2.1) */
      if (topic_len == 0 &&
          !BD_MQTT_PROP_HAS (&p->properties, BD_MQTT_PROP_TOPIC_ALIAS))
        return fail (error, BD_MQTT_RC_PROTOCOL_ERROR,
                     "empty topic name without a Topic Alias");
    }

  /* The payload is the rest of the packet, possibly empty (3.3.3). */
  payload_len = READER_LEFT (r);
  p->topic = dup_string (topic, topic_len);
  p->payload = g_bytes_new (payload_len > 0 ? r->p : NULL, payload_len);
  r->p = r->end;

  return TRUE;
}

static gboolean
decode_ack (BdMqttVersion      version,
            const BdMqttFrame *frame,
            BdMqttReader      *r,
            BdMqttAck         *a,
            GError           **error)
{
  if (!read_u16 (r, &a->packet_id, "packet identifier", error) ||
      !check_packet_id (a->packet_id, error))
    return FALSE;

  /* MQTT 5 (3.4.2.1 and the like): with a Remaining Length of 2 the reason
   * code is 0x00; with less than 4 there is no Property Length. Before 5
   * the packet ends here, and the caller rejects trailing bytes. */
  if (version == BD_MQTT_V5 && r->p < r->end)
    {
      gboolean is_pub = frame->type == BD_MQTT_PUBACK || frame->type == BD_MQTT_PUBREC;

      if (!read_u8 (r, &a->reason_code, "reason code", error))
        return FALSE;
      if (!check_reason_code (is_pub ? puback_codes : pubrel_codes,
                              is_pub ? sizeof puback_codes : sizeof pubrel_codes,
                              a->reason_code, error))
        return FALSE;
      if (r->p < r->end &&
          !read_properties (r, frame->type, &a->properties, error))
        return FALSE;
    }

  return TRUE;
}

/* What SUBSCRIBE, SUBACK, UNSUBSCRIBE and UNSUBACK open with: the packet
 * identifier, then in MQTT 5 the properties. */
static gboolean
read_id_and_properties (BdMqttVersion      version,
                        BdMqttReader      *r,
                        BdMqttPacketType   type,
                        guint16           *packet_id,
                        BdMqttProperties  *properties,
                        GError           **error)
{
  if (!read_u16 (r, packet_id, "packet identifier", error) ||
      !check_packet_id (*packet_id, error))
    return FALSE;

  return version != BD_MQTT_V5 || read_properties (r, type, properties, error);
}

/* How many topic filters (each with its options byte: @with_options) the
 * rest of @r holds, so that their array is allocated once. */
static gboolean
count_filters (const BdMqttReader  *r,
               gboolean             with_options,
               guint               *n,
               GError             **error)
{
  BdMqttReader scan = *r;

  *n = 0;
  while (scan.p < scan.end)
    {
      const guint8 *filter;
      gsize filter_len;
      guint8 options;

      if (!read_binary (&scan, &filter, &filter_len, "topic filter", error) ||
          (with_options && !read_u8 (&scan, &options, "subscription options", error)))
        return FALSE;
      (*n)++;
    }

  return TRUE;
}

static gboolean
decode_subscribe (BdMqttVersion    version,
                  BdMqttReader    *r,
                  BdMqttSubscribe *s,
                  GError         **error)
{
  guint n;

  if (!read_id_and_properties (version, r, BD_MQTT_SUBSCRIBE, &s->packet_id, &s->properties,
                               error) ||
      !count_filters (r, TRUE, &n, error))
    return FALSE;

  /* "The payload of a SUBSCRIBE packet MUST contain at least one Topic
   * Filter / QoS pair" [MQTT-3.8.3-3] (3.1.1) [MQTT-3.8.3-2] (5) */
  if (n == 0)
    return fail (error, BD_MQTT_RC_PROTOCOL_ERROR, "no topic filter [MQTT-3.8.3-3]");

  s->subscriptions = g_new0 (BdMqttSubscription, n);
  while (r->p < r->end)
    {
      BdMqttSubscription *sub = &s->subscriptions[s->n_subscriptions];
      const guint8 *filter;
      gsize filter_len;
      guint8 options;

      /* Wildcard placement, empty filters and $share are the engine's to
       * judge, with the topic rules it matches by, for SUBSCRIBE and
       * UNSUBSCRIBE alike. */
      if (!read_utf8 (r, &filter, &filter_len, "topic filter", error) ||
          !read_u8 (r, &options, "subscription options", error))
        return FALSE;

      sub->qos = options & 0x03;
      if (version == BD_MQTT_V5)
        {
          /* 3.8.3.1: reserved bits 6-7 are 0 [MQTT-3.8.3-5]; "It is a
           * Protocol Error if the Maximum QoS field has the value 3", and
           * "to send a Retain Handling value of 3" */
          if (options & 0xC0)
            return fail (error, BD_MQTT_RC_MALFORMED_PACKET,
                         "reserved subscription option bits are set [MQTT-3.8.3-5]");
          if (sub->qos == 3)
            return fail (error, BD_MQTT_RC_PROTOCOL_ERROR, "requested QoS is 3");
          sub->no_local = (options & 0x04) != 0;
          sub->retain_as_published = (options & 0x08) != 0;
          sub->retain_handling = (options >> 4) & 0x03;
          if (sub->retain_handling == 3)
            return fail (error, BD_MQTT_RC_PROTOCOL_ERROR, "Retain Handling is 3");
        }
      else if ((options & 0xFC) != 0 || sub->qos == 3)
        {
          /* The upper 6 bits are reserved and QoS is 0, 1 or 2 [MQTT-3-8.3-4] */
          return fail (error, BD_MQTT_RC_MALFORMED_PACKET,
                       "invalid requested QoS byte 0x%02x [MQTT-3-8.3-4]", options);
        }

      sub->filter = dup_string (filter, filter_len);
      s->n_subscriptions++;
    }

  return TRUE;
}

static gboolean
decode_suback (BdMqttVersion      version,
               const BdMqttFrame *frame,
               BdMqttReader      *r,
               BdMqttSuback      *s,
               GError           **error)
{
  gsize n;

  if (!read_id_and_properties (version, r, frame->type, &s->packet_id, &s->properties, error))
    return FALSE;

  /* A 3.x UNSUBACK is the packet identifier alone (3.11.2 of 3.1.1). */
  if (frame->type == BD_MQTT_UNSUBACK && version != BD_MQTT_V5)
    return TRUE;

  /* One reason code per topic filter of the request, which had at least one */
  n = READER_LEFT (r);
  if (n == 0)
    return fail (error, BD_MQTT_RC_PROTOCOL_ERROR, "no reason code");

  for (gsize i = 0; i < n; i++)
    {
      guint8 code = r->p[i];

      if (version == BD_MQTT_V5)
        {
          gboolean ok = frame->type == BD_MQTT_SUBACK
                      ? check_reason_code (suback_codes, sizeof suback_codes, code, error)
                      : check_reason_code (unsuback_codes, sizeof unsuback_codes, code, error);
          if (!ok)
            return FALSE;
        }
      else if (code > 2 && code != 0x80)
        {
          /* "SUBACK return codes other than 0x00, 0x01, 0x02 and 0x80 are
           * reserved and MUST NOT be used" [MQTT-3.9.3-2] */
          return fail (error, BD_MQTT_RC_MALFORMED_PACKET,
                       "reserved return code 0x%02x [MQTT-3.9.3-2]", code);
        }
    }

  s->reason_codes = g_memdup2 (r->p, n);
  s->n_reason_codes = (guint) n;
  r->p = r->end;

  return TRUE;
}

static gboolean
decode_unsubscribe (BdMqttVersion      version,
                    BdMqttReader      *r,
                    BdMqttUnsubscribe *u,
                    GError           **error)
{
  guint n;

  if (!read_id_and_properties (version, r, BD_MQTT_UNSUBSCRIBE, &u->packet_id, &u->properties,
                               error) ||
      !count_filters (r, FALSE, &n, error))
    return FALSE;

  /* "The Payload of an UNSUBSCRIBE packet MUST contain at least one Topic
   * Filter" [MQTT-3.10.3-2] */
  if (n == 0)
    return fail (error, BD_MQTT_RC_PROTOCOL_ERROR, "no topic filter [MQTT-3.10.3-2]");

  u->filters = g_new0 (char *, n + 1);
  while (r->p < r->end)
    {
      if (!read_utf8_dup (r, &u->filters[u->n_filters], "topic filter", error))
        return FALSE;
      u->n_filters++;
    }

  return TRUE;
}

/* DISCONNECT and AUTH of MQTT 5: with a Remaining Length of 0 the reason code
 * is 0x00; with less than 2 there is no Property Length (3.14.2.1, 3.15.2.1). */
static gboolean
decode_disconnect (const BdMqttFrame *frame,
                   BdMqttReader      *r,
                   BdMqttDisconnect  *d,
                   GError           **error)
{
  gboolean is_auth = frame->type == BD_MQTT_AUTH;

  if (r->p == r->end)
    return TRUE;

  if (!read_u8 (r, &d->reason_code, "reason code", error) ||
      !check_reason_code (is_auth ? auth_codes : disconnect_codes,
                          is_auth ? sizeof auth_codes : sizeof disconnect_codes,
                          d->reason_code, error))
    return FALSE;

  if (r->p < r->end &&
      !read_properties (r, frame->type, &d->properties, error))
    return FALSE;

  return TRUE;
}

BdMqttFrameStatus
bd_mqtt_frame_parse (const guint8 *data,
                     gsize         len,
                     BdMqttFrame  *frame,
                     GError      **error)
{
  guint32 value = 0;

  g_return_val_if_fail (data != NULL || len == 0, BD_MQTT_FRAME_ERROR);
  g_return_val_if_fail (frame != NULL, BD_MQTT_FRAME_ERROR);
  g_return_val_if_fail (error == NULL || *error == NULL, BD_MQTT_FRAME_ERROR);

  frame->header_length = 0;
  frame->remaining_length = 0;
  if (len == 0)
    {
      frame->type = 0;
      frame->flags = 0;
      return BD_MQTT_FRAME_INCOMPLETE;
    }

  frame->type = data[0] >> 4;
  frame->flags = data[0] & 0x0F;

  /* Packet type 0 is reserved (2.2.1) */
  if (G_UNLIKELY (frame->type == 0))
    {
      fail (error, BD_MQTT_RC_MALFORMED_PACKET, "reserved packet type 0");
      return BD_MQTT_FRAME_ERROR;
    }

  /* Remaining Length: a Variable Byte Integer of at most four bytes
   * [MQTT-2.2.3] (1.5.5 of MQTT 5) */
  for (guint i = 1; i <= 4; i++)
    {
      guint8 byte;

      if (i >= len)
        return BD_MQTT_FRAME_INCOMPLETE;

      byte = data[i];
      value |= (guint32) (byte & 0x7F) << (7 * (i - 1));
      if ((byte & 0x80) == 0)
        {
          frame->header_length = (guint8) (i + 1);
          frame->remaining_length = value;
          return len - frame->header_length >= value ? BD_MQTT_FRAME_COMPLETE
                                                     : BD_MQTT_FRAME_INCOMPLETE;
        }
    }

  fail (error, BD_MQTT_RC_MALFORMED_PACKET,
        "remaining length has more than four bytes [MQTT-2.2.3]");
  return BD_MQTT_FRAME_ERROR;
}

gboolean
bd_mqtt_decode (BdMqttVersion       version,
                const BdMqttFrame  *frame,
                const guint8       *body,
                gsize               body_len,
                BdMqttPacket       *packet,
                GError            **error)
{
  /* Reserved flag bits of each type (2.2.2, table 2-2): 0b0010 for PUBREL
   * [MQTT-3.6.1-1], SUBSCRIBE [MQTT-3.8.1-1] and UNSUBSCRIBE
   * [MQTT-3.10.1-1], 0b0000 for the others [MQTT-2.2.2-1]; PUBLISH has its
   * own flags. */
  static const guint8 reserved_flags[16] = {
    [BD_MQTT_PUBREL] = 0x2,
    [BD_MQTT_SUBSCRIBE] = 0x2,
    [BD_MQTT_UNSUBSCRIBE] = 0x2,
  };
  GError *local_error = NULL;
  BdMqttReader r;
  gboolean ok = FALSE;

  g_return_val_if_fail (frame != NULL, FALSE);
  g_return_val_if_fail (body != NULL || body_len == 0, FALSE);
  g_return_val_if_fail (body_len == frame->remaining_length, FALSE);
  g_return_val_if_fail (packet != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  g_return_val_if_fail (frame->type == BD_MQTT_CONNECT ||
                        version == BD_MQTT_V31 || version == BD_MQTT_V311 ||
                        version == BD_MQTT_V5, FALSE);

  memset (packet, 0, sizeof *packet);
  packet->type = frame->type;
  packet->flags = frame->flags;

  r.p = body;
  r.end = body + body_len;

  if (G_UNLIKELY (frame->type == 0 || frame->type > BD_MQTT_AUTH))
    {
      fail (&local_error, BD_MQTT_RC_MALFORMED_PACKET, "reserved packet type %u", frame->type);
      goto failed;
    }

  if (frame->type != BD_MQTT_PUBLISH &&
      G_UNLIKELY (frame->flags != reserved_flags[frame->type]))
    {
      /* MQTT 3.1 sent PUBREL, SUBSCRIBE and UNSUBSCRIBE with QoS 1 and set
       * DUP on a retransmission, so accept that bit there. */
      if (!(version == BD_MQTT_V31 && frame->type != BD_MQTT_CONNECT &&
            reserved_flags[frame->type] == 0x2 && frame->flags == 0xA))
        {
          fail (&local_error, BD_MQTT_RC_MALFORMED_PACKET,
                "reserved flags 0x%x in the fixed header [MQTT-2.2.2-2]", frame->flags);
          goto failed;
        }
    }

  if (frame->type != BD_MQTT_CONNECT && version == BD_MQTT_V5 &&
      !check_minimal_header (frame, &local_error))
    goto failed;

  switch ((BdMqttPacketType) frame->type)
    {
    case BD_MQTT_CONNECT:
      ok = decode_connect (&r, frame, &packet->connect, &local_error);
      break;

    case BD_MQTT_CONNACK:
      ok = decode_connack (version, &r, &packet->connack, &local_error);
      break;

    case BD_MQTT_PUBLISH:
      ok = decode_publish (version, frame, &r, &packet->publish, &local_error);
      break;

    case BD_MQTT_PUBACK:
    case BD_MQTT_PUBREC:
    case BD_MQTT_PUBREL:
    case BD_MQTT_PUBCOMP:
      ok = decode_ack (version, frame, &r, &packet->ack, &local_error);
      break;

    case BD_MQTT_SUBSCRIBE:
      ok = decode_subscribe (version, &r, &packet->subscribe, &local_error);
      break;

    case BD_MQTT_SUBACK:
    case BD_MQTT_UNSUBACK:
      ok = decode_suback (version, frame, &r, &packet->suback, &local_error);
      break;

    case BD_MQTT_UNSUBSCRIBE:
      ok = decode_unsubscribe (version, &r, &packet->unsubscribe, &local_error);
      break;

    case BD_MQTT_PINGREQ:
    case BD_MQTT_PINGRESP:
      /* No variable header, no payload; the Remaining Length is 0 (3.12,
       * 3.13): any body is caught as trailing bytes below. */
      ok = TRUE;
      break;

    case BD_MQTT_DISCONNECT:
      /* 3.x: Remaining Length 0 (3.14 of 3.1.1) */
      ok = version != BD_MQTT_V5 ||
           decode_disconnect (frame, &r, &packet->disconnect, &local_error);
      break;

    case BD_MQTT_AUTH:
      /* AUTH exists in MQTT 5 only; before, type 15 is reserved (2.2.1 of 3.1.1) */
      if (version != BD_MQTT_V5)
        fail (&local_error, BD_MQTT_RC_MALFORMED_PACKET, "AUTH before MQTT 5");
      else
        ok = decode_disconnect (frame, &r, &packet->disconnect, &local_error);
      break;

    default:
      g_assert_not_reached ();
    }

  /* The Remaining Length counts exactly the variable header and payload
   * (2.2.3): bytes after the last field make the packet malformed. */
  if (ok && G_UNLIKELY (r.p != r.end))
    {
      ok = fail (&local_error, BD_MQTT_RC_MALFORMED_PACKET,
                 "%" G_GSIZE_FORMAT " unexpected bytes after the last field",
                 (gsize) (r.end - r.p));
    }

  if (G_LIKELY (ok))
    return TRUE;

failed:
  {
    /* A failed CONNECT keeps its version, so the engine can answer an MQTT 5
     * client with a CONNACK reason code; an unsupported level also keeps the
     * protocol name (see bd-mqtt.h). */
    BdMqttVersion connect_version = 0;
    guint8 connect_level = 0;
    char *connect_name = NULL;

    if (packet->type == BD_MQTT_CONNECT)
      {
        connect_version = packet->connect.version;
        connect_level = packet->connect.protocol_level;
        if (g_error_matches (local_error, BD_CODEC_ERROR,
                             BD_MQTT_RC_UNSUPPORTED_PROTOCOL_VERSION))
          connect_name = g_steal_pointer (&packet->connect.protocol_name);
      }

    bd_mqtt_packet_clear (packet);

    if (connect_version != 0)
      {
        packet->type = BD_MQTT_CONNECT;
        packet->connect.version = connect_version;
        packet->connect.protocol_level = connect_level;
        packet->connect.protocol_name = connect_name;
      }
  }

  g_propagate_prefixed_error (error, local_error, "%s: ",
                              bd_mqtt_packet_type_name (frame->type));
  return FALSE;
}

void
bd_mqtt_packet_clear (BdMqttPacket *packet)
{
  g_return_if_fail (packet != NULL);

  switch (packet->type)
    {
    case BD_MQTT_CONNECT:
      g_free (packet->connect.protocol_name);
      g_free (packet->connect.client_id);
      g_free (packet->connect.will_topic);
      g_clear_pointer (&packet->connect.will_payload, g_bytes_unref);
      bd_mqtt_properties_clear (&packet->connect.will_properties);
      g_free (packet->connect.username);
      g_clear_pointer (&packet->connect.password, g_bytes_unref);
      bd_mqtt_properties_clear (&packet->connect.properties);
      break;

    case BD_MQTT_CONNACK:
      bd_mqtt_properties_clear (&packet->connack.properties);
      break;

    case BD_MQTT_PUBLISH:
      g_free (packet->publish.topic);
      g_clear_pointer (&packet->publish.payload, g_bytes_unref);
      bd_mqtt_properties_clear (&packet->publish.properties);
      break;

    case BD_MQTT_PUBACK:
    case BD_MQTT_PUBREC:
    case BD_MQTT_PUBREL:
    case BD_MQTT_PUBCOMP:
      bd_mqtt_properties_clear (&packet->ack.properties);
      break;

    case BD_MQTT_SUBSCRIBE:
      for (guint i = 0; i < packet->subscribe.n_subscriptions; i++)
        g_free (packet->subscribe.subscriptions[i].filter);
      g_free (packet->subscribe.subscriptions);
      bd_mqtt_properties_clear (&packet->subscribe.properties);
      break;

    case BD_MQTT_SUBACK:
    case BD_MQTT_UNSUBACK:
      g_free (packet->suback.reason_codes);
      bd_mqtt_properties_clear (&packet->suback.properties);
      break;

    case BD_MQTT_UNSUBSCRIBE:
      g_strfreev (packet->unsubscribe.filters);
      bd_mqtt_properties_clear (&packet->unsubscribe.properties);
      break;

    case BD_MQTT_DISCONNECT:
    case BD_MQTT_AUTH:
      bd_mqtt_properties_clear (&packet->disconnect.properties);
      break;

    case BD_MQTT_PINGREQ:
    case BD_MQTT_PINGRESP:
    default:
      break;
    }

  memset (packet, 0, sizeof *packet);
}

gboolean
bd_mqtt_properties_decode (const guint8      *data,
                           gsize              len,
                           gboolean           will,
                           BdMqttProperties  *props,
                           GError           **error)
{
  BdMqttReader r = { data, data + len };

  g_return_val_if_fail (props != NULL, FALSE);

  memset (props, 0, sizeof *props);
  if (!read_properties (&r, will ? BD_MQTT_PROP_CTX_WILL : BD_MQTT_PUBLISH, props, error))
    {
      bd_mqtt_properties_clear (props);
      return FALSE;
    }
  if (r.p != r.end)
    {
      bd_mqtt_properties_clear (props);
      return fail (error, BD_MQTT_RC_MALFORMED_PACKET, "%" G_GSIZE_FORMAT
                   " bytes after the properties", (gsize) (r.end - r.p));
    }
  return TRUE;
}
