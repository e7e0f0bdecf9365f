/* test-codec.c — table-driven tests of the MQTT 3.1 / 3.1.1 / 5.0 codec
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Packets are written as hex strings where 'quoted' runs are ASCII, and the
 * remaining length is computed by the test, so each vector shows only what it
 * is about. Every decode runs on an exact-size heap copy of the body, so an
 * ASan build catches any read past the end.
 */

#include "config.h"

#include <string.h>

#include "bd-mqtt.h"

#define OK    BD_MQTT_RC_SUCCESS
#define MAL   BD_MQTT_RC_MALFORMED_PACKET
#define PE    BD_MQTT_RC_PROTOCOL_ERROR
#define UNSUP BD_MQTT_RC_UNSUPPORTED_PROTOCOL_VERSION
#define TNI   BD_MQTT_RC_TOPIC_NAME_INVALID

#define V31  BD_MQTT_V31
#define V311 BD_MQTT_V311
#define V5   BD_MQTT_V5

static const BdMqttVersion all_versions[] = { V31, V311, V5 };

/* ---------------------------------------------------------------------- */
/* Helpers                                                                */
/* ---------------------------------------------------------------------- */

/* "00 04 'MQTT' 05" -> bytes. Whitespace separates; quotes hold ASCII. */
static GByteArray *
hex (const char *str)
{
  GByteArray *out = g_byte_array_new ();
  const char *p = str;

  while (*p != '\0')
    {
      if (g_ascii_isspace (*p))
        {
          p++;
        }
      else if (*p == '\'')
        {
          const char *end = strchr (p + 1, '\'');

          g_assert_nonnull (end);
          g_byte_array_append (out, (const guint8 *) p + 1, end - p - 1);
          p = end + 1;
        }
      else
        {
          guint8 byte;

          g_assert_true (g_ascii_isxdigit (p[0]) && g_ascii_isxdigit (p[1]));
          byte = (g_ascii_xdigit_value (p[0]) << 4) | g_ascii_xdigit_value (p[1]);
          g_byte_array_append (out, &byte, 1);
          p += 2;
        }
    }

  return out;
}

static void
append_varint (GByteArray *out,
               guint32     value)
{
  do
    {
      guint8 byte = value & 0x7F;

      value >>= 7;
      if (value > 0)
        byte |= 0x80;
      g_byte_array_append (out, &byte, 1);
    }
  while (value > 0);
}

/* first byte + remaining length + body */
static GByteArray *
packet_bytes (guint8      first,
              GByteArray *body)
{
  GByteArray *out = g_byte_array_new ();

  g_byte_array_append (out, &first, 1);
  append_varint (out, body->len);
  g_byte_array_append (out, body->data, body->len);
  return out;
}

static GByteArray *
packet_hex (guint8      first,
            const char *body_hex)
{
  g_autoptr(GByteArray) body = hex (body_hex);

  return packet_bytes (first, body);
}

/* Frames and decodes one whole packet. The body is copied to a buffer of its
 * exact size so that ASan sees any overread. */
static gboolean
decode_all (BdMqttVersion  version,
            const guint8  *data,
            gsize          len,
            BdMqttPacket  *packet,
            GError       **error)
{
  BdMqttFrame frame;
  BdMqttFrameStatus status;
  g_autofree guint8 *body = NULL;
  gboolean ok;

  status = bd_mqtt_frame_parse (data, len, &frame, error);
  if (status == BD_MQTT_FRAME_ERROR)
    {
      memset (packet, 0, sizeof *packet);
      return FALSE;
    }
  g_assert_cmpint (status, ==, BD_MQTT_FRAME_COMPLETE);
  g_assert_cmpuint (frame.header_length + frame.remaining_length, ==, len);

  body = g_memdup2 (data + frame.header_length, frame.remaining_length);
  ok = bd_mqtt_decode (version, &frame, body, frame.remaining_length, packet, error);
  if (ok)
    g_assert_true (error == NULL || *error == NULL);
  else
    g_assert_true (error == NULL || *error != NULL);
  return ok;
}

static gboolean
packet_is_zero (const BdMqttPacket *packet)
{
  static const BdMqttPacket zero;

  return memcmp (packet, &zero, sizeof zero) == 0;
}

/* Decodes and checks the outcome: @expect 0 for success, else the error code. */
static void
check_decode (const char    *name,
              BdMqttVersion  version,
              GByteArray    *bytes,
              guint          expect)
{
  g_autoptr(GError) error = NULL;
  BdMqttPacket packet;
  gboolean ok;

  ok = decode_all (version, bytes->data, bytes->len, &packet, &error);
  if (expect == OK && !ok)
    g_error ("%s (v%d): expected success, got %s", name, version, error->message);
  if (expect != OK)
    {
      if (ok)
        g_error ("%s (v%d): expected error 0x%02x, decoded fine", name, version, expect);
      if (!g_error_matches (error, BD_CODEC_ERROR, (gint) expect))
        g_error ("%s (v%d): expected error 0x%02x, got 0x%02x: %s", name, version, expect,
                 error->code, error->message);
      /* A failed decode leaves the packet cleared (CONNECT aside) */
      if (packet.type != BD_MQTT_CONNECT)
        g_assert_true (packet_is_zero (&packet));
    }
  bd_mqtt_packet_clear (&packet);
  g_assert_true (packet_is_zero (&packet));
}

static GBytes *
bytes_hex (const char *str)
{
  GByteArray *array = hex (str);

  return g_byte_array_free_to_bytes (array);
}

static void
assert_bytes_equal (GBytes *a,
                    GBytes *b)
{
  if (a == NULL || b == NULL)
    {
      /* NULL and empty are the same on the wire */
      g_assert_cmpuint (a ? g_bytes_get_size (a) : 0, ==, b ? g_bytes_get_size (b) : 0);
      return;
    }
  g_assert_true (g_bytes_equal (a, b));
}

static void
assert_props_equal (const BdMqttProperties *a,
                    const BdMqttProperties *b)
{
  g_assert_cmphex (a->present, ==, b->present);
  g_assert_cmpuint (a->payload_format_indicator, ==, b->payload_format_indicator);
  g_assert_cmpuint (a->request_problem_information, ==, b->request_problem_information);
  g_assert_cmpuint (a->request_response_information, ==, b->request_response_information);
  g_assert_cmpuint (a->maximum_qos, ==, b->maximum_qos);
  g_assert_cmpuint (a->retain_available, ==, b->retain_available);
  g_assert_cmpuint (a->wildcard_subscription_available, ==, b->wildcard_subscription_available);
  g_assert_cmpuint (a->subscription_identifier_available, ==,
                    b->subscription_identifier_available);
  g_assert_cmpuint (a->shared_subscription_available, ==, b->shared_subscription_available);
  g_assert_cmpuint (a->server_keep_alive, ==, b->server_keep_alive);
  g_assert_cmpuint (a->receive_maximum, ==, b->receive_maximum);
  g_assert_cmpuint (a->topic_alias_maximum, ==, b->topic_alias_maximum);
  g_assert_cmpuint (a->topic_alias, ==, b->topic_alias);
  g_assert_cmpuint (a->message_expiry_interval, ==, b->message_expiry_interval);
  g_assert_cmpuint (a->session_expiry_interval, ==, b->session_expiry_interval);
  g_assert_cmpuint (a->will_delay_interval, ==, b->will_delay_interval);
  g_assert_cmpuint (a->maximum_packet_size, ==, b->maximum_packet_size);
  g_assert_cmpstr (a->content_type, ==, b->content_type);
  g_assert_cmpstr (a->response_topic, ==, b->response_topic);
  g_assert_cmpstr (a->assigned_client_identifier, ==, b->assigned_client_identifier);
  g_assert_cmpstr (a->authentication_method, ==, b->authentication_method);
  g_assert_cmpstr (a->response_information, ==, b->response_information);
  g_assert_cmpstr (a->server_reference, ==, b->server_reference);
  g_assert_cmpstr (a->reason_string, ==, b->reason_string);
  g_assert_true ((a->correlation_data == NULL) == (b->correlation_data == NULL));
  if (a->correlation_data)
    g_assert_true (g_bytes_equal (a->correlation_data, b->correlation_data));
  g_assert_true ((a->authentication_data == NULL) == (b->authentication_data == NULL));
  if (a->authentication_data)
    g_assert_true (g_bytes_equal (a->authentication_data, b->authentication_data));
  g_assert_cmpuint (a->n_subscription_identifiers, ==, b->n_subscription_identifiers);
  for (guint i = 0; i < a->n_subscription_identifiers; i++)
    g_assert_cmpuint (a->subscription_identifiers[i], ==, b->subscription_identifiers[i]);
  g_assert_cmpuint (a->n_user_properties, ==, b->n_user_properties);
  for (guint i = 0; i < a->n_user_properties; i++)
    {
      g_assert_cmpstr (a->user_properties[i].name, ==, b->user_properties[i].name);
      g_assert_cmpstr (a->user_properties[i].value, ==, b->user_properties[i].value);
    }
}

static void
assert_packet_equal (BdMqttVersion       version,
                     const BdMqttPacket *a,
                     const BdMqttPacket *b)
{
  g_assert_cmpint (a->type, ==, b->type);

  switch (a->type)
    {
    case BD_MQTT_CONNECT:
      g_assert_cmpint (b->connect.version, ==, version);
      g_assert_cmpuint (b->connect.protocol_level, ==, version);
      g_assert_cmpstr (b->connect.protocol_name, ==, version == V31 ? "MQIsdp" : "MQTT");
      g_assert_cmpint (a->connect.clean_start, ==, b->connect.clean_start);
      g_assert_cmpuint (a->connect.keep_alive, ==, b->connect.keep_alive);
      g_assert_cmpstr (a->connect.client_id, ==, b->connect.client_id);
      g_assert_cmpint (a->connect.has_will, ==, b->connect.has_will);
      g_assert_cmpuint (a->connect.will_qos, ==, b->connect.will_qos);
      g_assert_cmpint (a->connect.will_retain, ==, b->connect.will_retain);
      g_assert_cmpstr (a->connect.will_topic, ==, b->connect.will_topic);
      if (a->connect.has_will)
        assert_bytes_equal (a->connect.will_payload, b->connect.will_payload);
      assert_props_equal (&a->connect.will_properties, &b->connect.will_properties);
      g_assert_cmpint (a->connect.has_username, ==, b->connect.has_username);
      g_assert_cmpstr (a->connect.username, ==, b->connect.username);
      g_assert_cmpint (a->connect.has_password, ==, b->connect.has_password);
      if (a->connect.has_password)
        assert_bytes_equal (a->connect.password, b->connect.password);
      assert_props_equal (&a->connect.properties, &b->connect.properties);
      break;

    case BD_MQTT_CONNACK:
      g_assert_cmpint (a->connack.session_present, ==, b->connack.session_present);
      g_assert_cmpuint (a->connack.reason_code, ==, b->connack.reason_code);
      assert_props_equal (&a->connack.properties, &b->connack.properties);
      break;

    case BD_MQTT_PUBLISH:
      g_assert_cmpint (a->publish.dup, ==, b->publish.dup);
      g_assert_cmpuint (a->publish.qos, ==, b->publish.qos);
      g_assert_cmpint (a->publish.retain, ==, b->publish.retain);
      g_assert_cmpstr (a->publish.topic, ==, b->publish.topic);
      g_assert_cmpuint (a->publish.packet_id, ==, b->publish.packet_id);
      g_assert_nonnull (b->publish.payload);
      assert_bytes_equal (a->publish.payload, b->publish.payload);
      assert_props_equal (&a->publish.properties, &b->publish.properties);
      g_assert_cmpuint (b->flags, ==,
                        (a->publish.dup ? 8 : 0) | (a->publish.qos << 1) |
                        (a->publish.retain ? 1 : 0));
      break;

    case BD_MQTT_PUBACK:
    case BD_MQTT_PUBREC:
    case BD_MQTT_PUBREL:
    case BD_MQTT_PUBCOMP:
      g_assert_cmpuint (a->ack.packet_id, ==, b->ack.packet_id);
      g_assert_cmpuint (a->ack.reason_code, ==, b->ack.reason_code);
      assert_props_equal (&a->ack.properties, &b->ack.properties);
      break;

    case BD_MQTT_SUBSCRIBE:
      g_assert_cmpuint (a->subscribe.packet_id, ==, b->subscribe.packet_id);
      g_assert_cmpuint (a->subscribe.n_subscriptions, ==, b->subscribe.n_subscriptions);
      for (guint i = 0; i < a->subscribe.n_subscriptions; i++)
        {
          const BdMqttSubscription *x = &a->subscribe.subscriptions[i];
          const BdMqttSubscription *y = &b->subscribe.subscriptions[i];

          g_assert_cmpstr (x->filter, ==, y->filter);
          g_assert_cmpuint (x->qos, ==, y->qos);
          g_assert_cmpint (x->no_local, ==, y->no_local);
          g_assert_cmpint (x->retain_as_published, ==, y->retain_as_published);
          g_assert_cmpuint (x->retain_handling, ==, y->retain_handling);
        }
      assert_props_equal (&a->subscribe.properties, &b->subscribe.properties);
      break;

    case BD_MQTT_SUBACK:
    case BD_MQTT_UNSUBACK:
      g_assert_cmpuint (a->suback.packet_id, ==, b->suback.packet_id);
      g_assert_cmpmem (a->suback.reason_codes, a->suback.n_reason_codes,
                       b->suback.reason_codes, b->suback.n_reason_codes);
      assert_props_equal (&a->suback.properties, &b->suback.properties);
      break;

    case BD_MQTT_UNSUBSCRIBE:
      g_assert_cmpuint (a->unsubscribe.packet_id, ==, b->unsubscribe.packet_id);
      g_assert_cmpuint (a->unsubscribe.n_filters, ==, b->unsubscribe.n_filters);
      g_assert_true (g_strv_equal ((const char * const *) a->unsubscribe.filters,
                                   (const char * const *) b->unsubscribe.filters));
      assert_props_equal (&a->unsubscribe.properties, &b->unsubscribe.properties);
      break;

    case BD_MQTT_DISCONNECT:
    case BD_MQTT_AUTH:
      g_assert_cmpuint (a->disconnect.reason_code, ==, b->disconnect.reason_code);
      assert_props_equal (&a->disconnect.properties, &b->disconnect.properties);
      break;

    case BD_MQTT_PINGREQ:
    case BD_MQTT_PINGRESP:
      break;

    default:
      g_assert_not_reached ();
    }
}

/* Encodes, checks encoded_size, decodes, compares, re-encodes: identical. */
static void
check_round_trip (BdMqttVersion       version,
                  const BdMqttPacket *packet)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autoptr(GByteArray) again = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  BdMqttPacket decoded;

  /* Append after existing bytes, to check the encoder appends. */
  g_byte_array_append (out, (const guint8 *) "xyz", 3);
  g_assert_true (bd_mqtt_encode (version, packet, out, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (out->data, 3, "xyz", 3);
  g_assert_cmpuint (out->len - 3, ==, bd_mqtt_encoded_size (version, packet));

  if (!decode_all (version, out->data + 3, out->len - 3, &decoded, &error))
    g_error ("round trip of %s (v%d): %s", bd_mqtt_packet_type_name (packet->type), version,
             error->message);
  assert_packet_equal (version, packet, &decoded);

  g_assert_true (bd_mqtt_encode (version, &decoded, again, &error));
  g_assert_cmpmem (out->data + 3, out->len - 3, again->data, again->len);
  bd_mqtt_packet_clear (&decoded);
}

/* The properties each context may carry, as in MQTT 5 table 2-4, written out
 * independently of the codec's own table. Context 0 is the Will. */
static const guint8 *
allowed_properties (guint ctx,
                    guint *n)
{
  static const guint8 will[] = { 0x01, 0x02, 0x03, 0x08, 0x09, 0x18, 0x26 };
  static const guint8 connect[] = { 0x11, 0x15, 0x16, 0x17, 0x19, 0x21, 0x22, 0x26, 0x27 };
  static const guint8 connack[] = { 0x11, 0x12, 0x13, 0x15, 0x16, 0x1A, 0x1C, 0x1F, 0x21, 0x22,
                                    0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2A };
  static const guint8 publish[] = { 0x01, 0x02, 0x03, 0x08, 0x09, 0x0B, 0x23, 0x26 };
  static const guint8 ack[] = { 0x1F, 0x26 };
  static const guint8 subscribe[] = { 0x0B, 0x26 };
  static const guint8 unsubscribe[] = { 0x26 };
  static const guint8 disconnect[] = { 0x11, 0x1C, 0x1F, 0x26 };
  static const guint8 auth[] = { 0x15, 0x16, 0x1F, 0x26 };

#define RET(a) do { *n = G_N_ELEMENTS (a); return a; } while (0)
  switch (ctx)
    {
    case 0: RET (will);
    case BD_MQTT_CONNECT: RET (connect);
    case BD_MQTT_CONNACK: RET (connack);
    case BD_MQTT_PUBLISH: RET (publish);
    case BD_MQTT_PUBACK: case BD_MQTT_PUBREC: case BD_MQTT_PUBREL: case BD_MQTT_PUBCOMP:
    case BD_MQTT_SUBACK: case BD_MQTT_UNSUBACK:
      RET (ack);
    case BD_MQTT_SUBSCRIBE: RET (subscribe);
    case BD_MQTT_UNSUBSCRIBE: RET (unsubscribe);
    case BD_MQTT_DISCONNECT: RET (disconnect);
    case BD_MQTT_AUTH: RET (auth);
    default: *n = 0; return NULL;
    }
#undef RET
}

static void
set_property (BdMqttProperties *props,
              guint8            id,
              gboolean          several)
{
  switch (id)
    {
    case 0x01: props->payload_format_indicator = 1; break;
    case 0x02: props->message_expiry_interval = 3600; break;
    case 0x03: props->content_type = g_strdup ("text/plain; charset=utf-8"); break;
    case 0x08: props->response_topic = g_strdup ("reply/é/here"); break;
    case 0x09: props->correlation_data = bytes_hex ("00 01 02 ff"); break;
    case 0x0B:
      bd_mqtt_properties_add_subscription_identifier (props, 268435455);
      if (several)
        bd_mqtt_properties_add_subscription_identifier (props, 1);
      if (several)
        bd_mqtt_properties_add_subscription_identifier (props, 200);
      break;
    case 0x11: props->session_expiry_interval = 0xFFFFFFFF; break;
    case 0x12: props->assigned_client_identifier = g_strdup ("auto-1234"); break;
    case 0x13: props->server_keep_alive = 30; break;
    case 0x15: props->authentication_method = g_strdup ("SCRAM-SHA-1"); break;
    case 0x16: props->authentication_data = bytes_hex ("de ad be ef 00"); break;
    case 0x17: props->request_problem_information = 0; break;
    case 0x18: props->will_delay_interval = 5; break;
    case 0x19: props->request_response_information = 1; break;
    case 0x1A: props->response_information = g_strdup ("resp/info"); break;
    case 0x1C: props->server_reference = g_strdup ("other.example:1883"); break;
    case 0x1F: props->reason_string = g_strdup ("because"); break;
    case 0x21: props->receive_maximum = 20; break;
    case 0x22: props->topic_alias_maximum = 10; break;
    case 0x23: props->topic_alias = 7; break;
    case 0x24: props->maximum_qos = 1; break;
    case 0x25: props->retain_available = 0; break;
    case 0x26:
      bd_mqtt_properties_add_user_property (props, "k", "v");
      bd_mqtt_properties_add_user_property (props, "k", "v2");
      bd_mqtt_properties_add_user_property (props, "ü", "");
      break;
    case 0x27: props->maximum_packet_size = 1048576; break;
    case 0x28: props->wildcard_subscription_available = 1; break;
    case 0x29: props->subscription_identifier_available = 0; break;
    case 0x2A: props->shared_subscription_available = 1; break;
    default: g_assert_not_reached ();
    }
  BD_MQTT_PROP_SET (props, id);
}

/* Every property @ctx may carry, with a non-default value. */
static void
fill_properties (BdMqttProperties *props,
                 guint             ctx)
{
  guint n;
  const guint8 *ids = allowed_properties (ctx, &n);

  for (guint i = 0; i < n; i++)
    set_property (props, ids[i], ctx == BD_MQTT_PUBLISH);
}

/* ---------------------------------------------------------------------- */
/* Packet builders for round trips                                        */
/* ---------------------------------------------------------------------- */

static void
make_connect (BdMqttPacket  *p,
              BdMqttVersion  version,
              gboolean       full)
{
  memset (p, 0, sizeof *p);
  p->type = BD_MQTT_CONNECT;
  p->connect.clean_start = !full;
  p->connect.keep_alive = full ? 65535 : 60;
  p->connect.client_id = g_strdup (full ? "client-é" : "");
  if (full)
    {
      p->connect.has_will = TRUE;
      p->connect.will_qos = 2;
      p->connect.will_retain = TRUE;
      p->connect.will_topic = g_strdup ("status/client/offline");
      p->connect.will_payload = bytes_hex ("00 ff 'gone'");
      p->connect.has_username = TRUE;
      p->connect.username = g_strdup ("user");
      p->connect.has_password = TRUE;
      p->connect.password = bytes_hex ("00 01 'secret' ff");
      if (version == V5)
        {
          fill_properties (&p->connect.properties, BD_MQTT_CONNECT);
          fill_properties (&p->connect.will_properties, 0);
        }
    }
}

static void
make_publish (BdMqttPacket  *p,
              BdMqttVersion  version,
              guint          variant)
{
  memset (p, 0, sizeof *p);
  p->type = BD_MQTT_PUBLISH;
  p->publish.qos = variant % 3;
  p->publish.retain = (variant & 1) != 0;
  p->publish.dup = p->publish.qos > 0 && (variant & 2) != 0;
  p->publish.packet_id = p->publish.qos > 0 ? 1 + variant * 1000 : 0;
  p->publish.topic = g_strdup (variant == 4 ? "a" : "sensors/hall/température");
  p->publish.payload = variant == 0 ? g_bytes_new (NULL, 0) : bytes_hex ("00 01 02 'payload' 00");
  if (version == V5 && variant >= 2)
    fill_properties (&p->publish.properties, BD_MQTT_PUBLISH);
  if (version == V5 && variant == 5)
    {
      /* MQTT 5: an empty topic with a Topic Alias */
      g_free (p->publish.topic);
      p->publish.topic = g_strdup ("");
    }
}

static void
make_ack (BdMqttPacket     *p,
          BdMqttPacketType  type,
          BdMqttVersion     version,
          guint             variant)
{
  memset (p, 0, sizeof *p);
  p->type = type;
  p->ack.packet_id = variant == 0 ? 1 : 65535;
  if (version == V5 && variant >= 1)
    p->ack.reason_code = type == BD_MQTT_PUBREL || type == BD_MQTT_PUBCOMP ? 0x92 : 0x10;
  if (version == V5 && variant >= 2)
    fill_properties (&p->ack.properties, type);
  if (version == V5 && variant == 3)
    p->ack.reason_code = 0;
}

static void
make_subscribe (BdMqttPacket  *p,
                BdMqttVersion  version)
{
  static const char * const filters[] = { "a/+/c", "#", "$SYS/broker/#", "" };

  memset (p, 0, sizeof *p);
  p->type = BD_MQTT_SUBSCRIBE;
  p->subscribe.packet_id = 42;
  p->subscribe.n_subscriptions = G_N_ELEMENTS (filters);
  p->subscribe.subscriptions = g_new0 (BdMqttSubscription, G_N_ELEMENTS (filters));
  for (guint i = 0; i < G_N_ELEMENTS (filters); i++)
    {
      BdMqttSubscription *s = &p->subscribe.subscriptions[i];

      s->filter = g_strdup (filters[i]);
      s->qos = i % 3;
      if (version == V5)
        {
          s->no_local = i & 1;
          s->retain_as_published = (i & 2) != 0;
          s->retain_handling = i % 3;
        }
    }
  if (version == V5)
    fill_properties (&p->subscribe.properties, BD_MQTT_SUBSCRIBE);
}

static void
make_suback (BdMqttPacket     *p,
             BdMqttPacketType  type,
             BdMqttVersion     version)
{
  static const guint8 suback3[] = { 0x00, 0x01, 0x02, 0x80 };
  static const guint8 suback5[] = { 0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8F, 0x91, 0x97, 0x9E,
                                    0xA1, 0xA2 };
  static const guint8 unsuback5[] = { 0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91 };

  memset (p, 0, sizeof *p);
  p->type = type;
  p->suback.packet_id = 7;
  if (type == BD_MQTT_SUBACK && version != V5)
    {
      p->suback.reason_codes = g_memdup2 (suback3, sizeof suback3);
      p->suback.n_reason_codes = sizeof suback3;
    }
  else if (type == BD_MQTT_SUBACK)
    {
      p->suback.reason_codes = g_memdup2 (suback5, sizeof suback5);
      p->suback.n_reason_codes = sizeof suback5;
    }
  else if (version == V5)
    {
      p->suback.reason_codes = g_memdup2 (unsuback5, sizeof unsuback5);
      p->suback.n_reason_codes = sizeof unsuback5;
    }
  if (version == V5)
    fill_properties (&p->suback.properties, type);
}

static void
make_unsubscribe (BdMqttPacket  *p,
                  BdMqttVersion  version)
{
  memset (p, 0, sizeof *p);
  p->type = BD_MQTT_UNSUBSCRIBE;
  p->unsubscribe.packet_id = 9;
  p->unsubscribe.filters = g_new0 (char *, 3);
  p->unsubscribe.filters[0] = g_strdup ("a/#");
  p->unsubscribe.filters[1] = g_strdup ("b/+/ü");
  p->unsubscribe.n_filters = 2;
  if (version == V5)
    fill_properties (&p->unsubscribe.properties, BD_MQTT_UNSUBSCRIBE);
}

static void
make_disconnect (BdMqttPacket     *p,
                 BdMqttPacketType  type,
                 BdMqttVersion     version,
                 guint             variant)
{
  memset (p, 0, sizeof *p);
  p->type = type;
  if (version == V5 && variant >= 1)
    p->disconnect.reason_code = type == BD_MQTT_AUTH ? 0x18 : 0x04;
  if (version == V5 && variant >= 2)
    fill_properties (&p->disconnect.properties, type);
}

static void
make_connack (BdMqttPacket  *p,
              BdMqttVersion  version,
              guint          variant)
{
  memset (p, 0, sizeof *p);
  p->type = BD_MQTT_CONNACK;
  p->connack.session_present = version != V31 && variant == 1;
  if (variant == 2)
    p->connack.reason_code = version == V5 ? BD_MQTT_RC_NOT_AUTHORIZED
                                           : BD_MQTT3_CONNACK_NOT_AUTHORIZED;
  if (version == V5 && variant >= 1)
    fill_properties (&p->connack.properties, BD_MQTT_CONNACK);
}

/* Example @variant of a packet of @type, from the builders above (a
 * variant a builder does not have gives its only form). */
static void
make_packet (BdMqttPacket     *p,
             BdMqttPacketType  type,
             BdMqttVersion     version,
             guint             variant)
{
  switch (type)
    {
    case BD_MQTT_CONNECT:
      make_connect (p, version, variant != 0);
      break;
    case BD_MQTT_CONNACK:
      make_connack (p, version, variant);
      break;
    case BD_MQTT_PUBLISH:
      make_publish (p, version, variant);
      break;
    case BD_MQTT_PUBACK:
    case BD_MQTT_PUBREC:
    case BD_MQTT_PUBREL:
    case BD_MQTT_PUBCOMP:
      make_ack (p, type, version, variant);
      break;
    case BD_MQTT_SUBSCRIBE:
      make_subscribe (p, version);
      break;
    case BD_MQTT_SUBACK:
    case BD_MQTT_UNSUBACK:
      make_suback (p, type, version);
      break;
    case BD_MQTT_UNSUBSCRIBE:
      make_unsubscribe (p, version);
      break;
    case BD_MQTT_DISCONNECT:
    case BD_MQTT_AUTH:
      make_disconnect (p, type, version, variant);
      break;
    default:
      /* PINGREQ and PINGRESP have no fields */
      memset (p, 0, sizeof *p);
      p->type = type;
      break;
    }
}

/* ---------------------------------------------------------------------- */
/* Fixed header                                                           */
/* ---------------------------------------------------------------------- */

static void
test_remaining_length (void)
{
  /* MQTT 5 section 1.5.5 / 3.1.1 table 2.4: the boundaries of each size */
  static const struct {
    guint32     value;
    const char *encoding;
  } cases[] = {
    { 0, "00" },
    { 127, "7f" },
    { 128, "80 01" },
    { 16383, "ff 7f" },
    { 16384, "80 80 01" },
    { 2097151, "ff ff 7f" },
    { 2097152, "80 80 80 01" },
    { 268435455, "ff ff ff 7f" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GByteArray) bytes = hex (cases[i].encoding);
      g_autoptr(GByteArray) expected = g_byte_array_new ();
      BdMqttFrame frame;
      BdMqttFrameStatus status;
      guint8 first = 0x30;

      append_varint (expected, cases[i].value);
      g_assert_cmpmem (expected->data, expected->len, bytes->data, bytes->len);

      g_byte_array_prepend (bytes, &first, 1);
      status = bd_mqtt_frame_parse (bytes->data, bytes->len, &frame, NULL);
      g_assert_cmpint (status, ==,
                       cases[i].value == 0 ? BD_MQTT_FRAME_COMPLETE : BD_MQTT_FRAME_INCOMPLETE);
      g_assert_cmpuint (frame.type, ==, BD_MQTT_PUBLISH);
      g_assert_cmpuint (frame.flags, ==, 0);
      g_assert_cmpuint (frame.remaining_length, ==, cases[i].value);
      g_assert_cmpuint (frame.header_length, ==, bytes->len);

      /* Every prefix of the header is INCOMPLETE with nothing known yet */
      for (guint cut = 0; cut < bytes->len; cut++)
        {
          status = bd_mqtt_frame_parse (bytes->data, cut, &frame, NULL);
          g_assert_cmpint (status, ==, BD_MQTT_FRAME_INCOMPLETE);
          g_assert_cmpuint (frame.header_length, ==, 0);
        }
    }
}

static void
test_remaining_length_encoded (void)
{
  /* The encoder's remaining length at the size boundaries it can reach
   * cheaply: a PUBLISH with topic "a" (3 bytes) and a payload. */
  static const guint32 lengths[] = { 3, 127, 128, 16383, 16384, 2097151, 2097152 };
  g_autofree guint8 *payload = g_malloc0 (2097152);

  for (guint i = 0; i < G_N_ELEMENTS (lengths); i++)
    {
      g_autoptr(GByteArray) out = g_byte_array_new ();
      g_autoptr(GByteArray) expected = g_byte_array_new ();
      BdMqttFrame frame;
      gsize size;

      size = bd_mqtt_encode_publish (V311, "a", 1, payload, lengths[i] - 3, 0, FALSE, FALSE, 0,
                                     NULL, out);
      g_assert_cmpuint (size, ==, out->len);
      append_varint (expected, lengths[i]);
      g_assert_cmpmem (out->data + 1, expected->len, expected->data, expected->len);
      g_assert_cmpint (bd_mqtt_frame_parse (out->data, out->len, &frame, NULL), ==,
                       BD_MQTT_FRAME_COMPLETE);
      g_assert_cmpuint (frame.remaining_length, ==, lengths[i]);
    }
}

static void
test_remaining_length_five_bytes (void)
{
  g_autoptr(GByteArray) five = hex ("30 ff ff ff ff 7f");
  g_autoptr(GByteArray) four_continued = hex ("30 80 80 80 80");
  g_autoptr(GError) error = NULL;
  BdMqttFrame frame;

  /* A fifth length byte is malformed [MQTT-2.2.3], even before it arrives */
  g_assert_cmpint (bd_mqtt_frame_parse (five->data, five->len, &frame, &error), ==,
                   BD_MQTT_FRAME_ERROR);
  g_assert_error (error, BD_CODEC_ERROR, MAL);
  g_clear_error (&error);
  g_assert_cmpint (bd_mqtt_frame_parse (four_continued->data, four_continued->len, &frame,
                                        &error), ==, BD_MQTT_FRAME_ERROR);
  g_assert_error (error, BD_CODEC_ERROR, MAL);
  g_clear_error (&error);
  /* ... but four bytes with the continuation bit wait for more */
  g_assert_cmpint (bd_mqtt_frame_parse (four_continued->data, 4, &frame, &error), ==,
                   BD_MQTT_FRAME_INCOMPLETE);
  g_assert_no_error (error);
}

static void
test_frame_type_zero (void)
{
  g_autoptr(GByteArray) bytes = hex ("00 00");
  g_autoptr(GError) error = NULL;
  BdMqttFrame frame;

  g_assert_cmpint (bd_mqtt_frame_parse (bytes->data, bytes->len, &frame, &error), ==,
                   BD_MQTT_FRAME_ERROR);
  g_assert_error (error, BD_CODEC_ERROR, MAL);
  g_clear_error (&error);
  /* Known from the first byte alone */
  g_assert_cmpint (bd_mqtt_frame_parse (bytes->data, 1, &frame, &error), ==,
                   BD_MQTT_FRAME_ERROR);
  g_assert_error (error, BD_CODEC_ERROR, MAL);
}

static void
test_frame_stream (void)
{
  /* Two packets back to back: the parser finds the first and its length */
  g_autoptr(GByteArray) stream = hex ("c0 00 30 05 00 01 'a' 'hi' d0");
  BdMqttFrame frame;

  g_assert_cmpint (bd_mqtt_frame_parse (stream->data, stream->len, &frame, NULL), ==,
                   BD_MQTT_FRAME_COMPLETE);
  g_assert_cmpuint (frame.type, ==, BD_MQTT_PINGREQ);
  g_assert_cmpuint (frame.header_length + frame.remaining_length, ==, 2);
  g_assert_cmpint (bd_mqtt_frame_parse (stream->data + 2, stream->len - 2, &frame, NULL), ==,
                   BD_MQTT_FRAME_COMPLETE);
  g_assert_cmpuint (frame.type, ==, BD_MQTT_PUBLISH);
  g_assert_cmpuint (frame.remaining_length, ==, 5);
  g_assert_cmpint (bd_mqtt_frame_parse (stream->data + 9, stream->len - 9, &frame, NULL), ==,
                   BD_MQTT_FRAME_INCOMPLETE);
  g_assert_cmpuint (frame.type, ==, BD_MQTT_PINGRESP);
  g_assert_cmpuint (frame.header_length, ==, 0);
}

static void
test_non_minimal_length (void)
{
  /* [MQTT-1.5.5-1] binds MQTT 5 only; 3.1.1 has no such rule */
  g_autoptr(GByteArray) ping = hex ("c0 80 00");
  g_autoptr(GByteArray) puback = hex ("40 82 00 00 01");

  check_decode ("non-minimal PINGREQ v5", V5, ping, MAL);
  check_decode ("non-minimal PINGREQ v3.1.1", V311, ping, OK);
  check_decode ("non-minimal PUBACK v5", V5, puback, MAL);
  check_decode ("non-minimal PUBACK v3.1.1", V311, puback, OK);
}

/* ---------------------------------------------------------------------- */
/* Decode vectors                                                         */
/* ---------------------------------------------------------------------- */

typedef struct
{
  const char   *name;
  BdMqttVersion version;
  guint8        first;
  const char   *body;
  guint         expect;
} DecodeCase;

#define CONNECT311 "00 04 'MQTT' 04"
#define CONNECT5   "00 04 'MQTT' 05"
#define CONNECT31  "00 06 'MQIsdp' 03"

static const DecodeCase decode_cases[] = {
  /* CONNECT */
  { "connect v3.1.1", V311, 0x10, CONNECT311 " 02 00 3c 00 01 'c'", OK },
  { "connect v5", V5, 0x10, CONNECT5 " 02 00 3c 00 00 01 'c'", OK },
  { "connect v3.1", V31, 0x10, CONNECT31 " 02 00 3c 00 01 'c'", OK },
  { "connect empty client id", V311, 0x10, CONNECT311 " 02 00 3c 00 00", OK },
  { "connect header flags", V311, 0x11, CONNECT311 " 02 00 3c 00 01 'c'", MAL },
  { "connect unknown name", V311, 0x10, "00 04 'MQTX' 04 02 00 3c 00 01 'c'", MAL },
  { "connect lower-case name", V311, 0x10, "00 04 'mqtt' 04 02 00 3c 00 01 'c'", MAL },
  { "connect MQTT level 3", V311, 0x10, "00 04 'MQTT' 03 02 00 3c 00 01 'c'", UNSUP },
  { "connect MQTT level 6", V311, 0x10, "00 04 'MQTT' 06 02 00 3c 00 01 'c'", UNSUP },
  { "connect MQIsdp level 4", V311, 0x10, "00 06 'MQIsdp' 04 02 00 3c 00 01 'c'", UNSUP },
  { "connect truncated name", V311, 0x10, "00 04 'MQ'", MAL },
  { "connect no level", V311, 0x10, "00 04 'MQTT'", MAL },
  { "connect no flags", V311, 0x10, CONNECT311, MAL },
  { "connect no keep alive", V311, 0x10, CONNECT311 " 02 00", MAL },
  { "connect no client id", V311, 0x10, CONNECT311 " 02 00 3c", MAL },
  { "connect reserved flag", V311, 0x10, CONNECT311 " 03 00 3c 00 01 'c'", MAL },
  { "connect reserved flag v5", V5, 0x10, CONNECT5 " 03 00 3c 00 00 01 'c'", MAL },
  { "connect will qos without will", V311, 0x10, CONNECT311 " 0a 00 3c 00 01 'c'", MAL },
  { "connect will retain without will", V311, 0x10, CONNECT311 " 22 00 3c 00 01 'c'", MAL },
  { "connect will qos 3", V311, 0x10,
    CONNECT311 " 1e 00 3c 00 01 'c' 00 01 't' 00 00", MAL },
  { "connect will qos 2 retain", V311, 0x10,
    CONNECT311 " 36 00 3c 00 01 'c' 00 01 't' 00 02 00 ff", OK },
  { "connect will v5", V5, 0x10,
    CONNECT5 " 36 00 3c 00 00 01 'c' 00 00 01 't' 00 02 00 ff", OK },
  { "connect will topic wildcard", V311, 0x10,
    CONNECT311 " 06 00 3c 00 01 'c' 00 03 'a/#' 00 00", MAL },
  { "connect will topic wildcard v5", V5, 0x10,
    CONNECT5 " 06 00 3c 00 00 01 'c' 00 00 03 'a/+' 00 00", TNI },
  { "connect will topic empty", V311, 0x10, CONNECT311 " 06 00 3c 00 01 'c' 00 00 00 00", MAL },
  { "connect will topic empty v5", V5, 0x10,
    CONNECT5 " 06 00 3c 00 00 01 'c' 00 00 00 00 00", TNI },
  { "connect will payload missing", V311, 0x10, CONNECT311 " 06 00 3c 00 01 'c' 00 01 't'", MAL },
  { "connect will payload binary", V311, 0x10,
    CONNECT311 " 06 00 3c 00 01 'c' 00 01 't' 00 03 00 c0 80", OK },
  { "connect password without user", V311, 0x10, CONNECT311 " 42 00 3c 00 01 'c' 00 01 'p'", MAL },
  { "connect password without user v5", V5, 0x10,
    CONNECT5 " 42 00 3c 00 00 01 'c' 00 01 'p'", OK },
  { "connect password without user v3.1", V31, 0x10,
    CONNECT31 " 42 00 3c 00 01 'c' 00 01 'p'", OK },
  { "connect user and password", V311, 0x10,
    CONNECT311 " c2 00 3c 00 01 'c' 00 01 'u' 00 03 00 ff 80", OK },
  { "connect user missing", V311, 0x10, CONNECT311 " 82 00 3c 00 01 'c'", MAL },
  { "connect password missing", V311, 0x10, CONNECT311 " c2 00 3c 00 01 'c' 00 01 'u'", MAL },
  { "connect user bad utf-8", V311, 0x10, CONNECT311 " 82 00 3c 00 01 'c' 00 02 c0 80", MAL },
  { "connect client id nul", V311, 0x10, CONNECT311 " 02 00 3c 00 01 00", MAL },
  { "connect trailing byte", V311, 0x10, CONNECT311 " 02 00 3c 00 01 'c' 00", MAL },
  { "connect v5 no properties", V5, 0x10, CONNECT5 " 02 00 3c", MAL },

  /* CONNACK */
  { "connack v3.1.1", V311, 0x20, "00 00", OK },
  { "connack session present", V311, 0x20, "01 00", OK },
  { "connack reserved flags", V311, 0x20, "02 00", MAL },
  { "connack refused with session", V311, 0x20, "01 05", PE },
  { "connack reserved code", V311, 0x20, "00 06", MAL },
  { "connack v3.1 reserved byte", V31, 0x20, "ff 02", OK },
  { "connack short", V311, 0x20, "00", MAL },
  { "connack long", V311, 0x20, "00 00 00", MAL },
  { "connack header flags", V311, 0x21, "00 00", MAL },
  { "connack v5", V5, 0x20, "00 00 00", OK },
  { "connack v5 unsupported version", V5, 0x20, "00 84 00", OK },
  { "connack v5 bad reason", V5, 0x20, "00 10 00", PE },
  { "connack v5 no properties", V5, 0x20, "00 00", MAL },

  /* PUBLISH */
  { "publish", V311, 0x30, "00 03 'a/b' 'hi'", OK },
  { "publish empty payload", V311, 0x30, "00 03 'a/b'", OK },
  { "publish retain", V311, 0x31, "00 01 'a'", OK },
  { "publish qos 1", V311, 0x32, "00 01 'a' 00 01 'x'", OK },
  { "publish qos 2 dup", V311, 0x3c, "00 01 'a' ff ff", OK },
  { "publish qos 3", V311, 0x36, "00 01 'a' 00 01", MAL },
  { "publish qos 3 v5", V5, 0x36, "00 01 'a' 00 01 00", MAL },
  { "publish dup qos 0", V311, 0x38, "00 01 'a'", MAL },
  { "publish packet id 0", V311, 0x32, "00 01 'a' 00 00", PE },
  { "publish packet id missing", V311, 0x32, "00 01 'a'", MAL },
  { "publish packet id truncated", V311, 0x32, "00 01 'a' 00", MAL },
  { "publish topic +", V311, 0x30, "00 03 'a/+'", MAL },
  { "publish topic #", V311, 0x30, "00 03 'a/#'", MAL },
  { "publish topic # v3.1", V31, 0x30, "00 01 '#'", MAL },
  { "publish topic + v5", V5, 0x30, "00 03 'a/+' 00", TNI },
  { "publish topic # v5", V5, 0x30, "00 01 '#' 00", TNI },
  { "publish topic empty", V311, 0x30, "00 00 'x'", MAL },
  { "publish topic empty v5", V5, 0x30, "00 00 00", PE },
  { "publish topic empty alias v5", V5, 0x30, "00 00 03 23 00 05 'x'", OK },
  { "publish topic truncated", V311, 0x30, "00 05 'ab'", MAL },
  { "publish topic length truncated", V311, 0x30, "00", MAL },
  { "publish empty", V311, 0x30, "", MAL },
  { "publish topic nul", V311, 0x30, "00 03 'a' 00 'b'", MAL },
  { "publish topic surrogate", V311, 0x30, "00 03 ed a0 80", MAL },
  { "publish topic overlong", V311, 0x30, "00 02 c0 af", MAL },
  { "publish topic utf-8", V311, 0x30, "00 03 e2 82 ac 'x'", OK },
  { "publish v5 no properties", V5, 0x30, "00 01 'a'", MAL },
  { "publish v5 property length past end", V5, 0x30, "00 01 'a' 05 01", MAL },
  { "publish v5 property length 5 bytes", V5, 0x30, "00 01 'a' ff ff ff ff 01", MAL },
  { "publish v5 payload", V5, 0x30, "00 01 'a' 00 'payload'", OK },

  /* PUBACK PUBREC PUBREL PUBCOMP */
  { "puback", V311, 0x40, "00 01", OK },
  { "puback id 0", V311, 0x40, "00 00", PE },
  { "puback short", V311, 0x40, "00", MAL },
  { "puback long", V311, 0x40, "00 01 00", MAL },
  { "puback flags", V311, 0x41, "00 01", MAL },
  { "pubrec", V311, 0x50, "12 34", OK },
  { "pubrel", V311, 0x62, "00 01", OK },
  { "pubrel flags 0", V311, 0x60, "00 01", MAL },
  { "pubrel dup v3.1", V31, 0x6a, "00 01", OK },
  { "pubrel dup v3.1.1", V311, 0x6a, "00 01", MAL },
  { "pubcomp", V311, 0x70, "00 01", OK },
  { "puback v5 short", V5, 0x40, "00 01", OK },
  { "puback v5 reason", V5, 0x40, "00 01 10", OK },
  { "puback v5 reason 0x92", V5, 0x40, "00 01 92", PE },
  { "pubrec v5 reason 0x99", V5, 0x50, "00 01 99", OK },
  { "pubrel v5 reason 0x92", V5, 0x62, "00 01 92", OK },
  { "pubrel v5 reason 0x10", V5, 0x62, "00 01 10", PE },
  { "pubcomp v5 reason 0x80", V5, 0x70, "00 01 80", PE },
  { "puback v5 empty properties", V5, 0x40, "00 01 00 00", OK },
  { "puback v5 reason string", V5, 0x40, "00 01 80 03 1f 00 00", OK },
  { "puback v5 property truncated", V5, 0x40, "00 01 00 02 1f 00", MAL },
  { "puback v5 trailing", V5, 0x40, "00 01 00 00 00", MAL },
  { "puback v5 id 0", V5, 0x40, "00 00 00", PE },

  /* SUBSCRIBE */
  { "subscribe", V311, 0x82, "00 01 00 03 'a/b' 01", OK },
  { "subscribe several", V311, 0x82, "00 01 00 01 'a' 00 00 01 'b' 01 00 01 'c' 02", OK },
  { "subscribe flags 0", V311, 0x80, "00 01 00 01 'a' 00", MAL },
  { "subscribe dup v3.1", V31, 0x8a, "00 01 00 01 'a' 00", OK },
  { "subscribe no filter", V311, 0x82, "00 01", PE },
  { "subscribe no filter v5", V5, 0x82, "00 01 00", PE },
  { "subscribe packet id 0", V311, 0x82, "00 00 00 01 'a' 00", PE },
  { "subscribe reserved qos bits", V311, 0x82, "00 01 00 01 'a' 04", MAL },
  { "subscribe qos 3", V311, 0x82, "00 01 00 01 'a' 03", MAL },
  { "subscribe qos 3 v3.1", V31, 0x82, "00 01 00 01 'a' 03", MAL },
  { "subscribe empty filter", V311, 0x82, "00 01 00 00 00", OK },
  { "subscribe misplaced wildcard", V311, 0x82, "00 01 00 05 'a/#/b' 00", OK },
  { "subscribe filter truncated", V311, 0x82, "00 01 00 05 'a'", MAL },
  { "subscribe options missing", V311, 0x82, "00 01 00 01 'a'", MAL },
  { "subscribe second options missing", V311, 0x82, "00 01 00 01 'a' 00 00 01 'b'", MAL },
  { "subscribe filter bad utf-8", V311, 0x82, "00 01 00 01 ff 00", MAL },
  { "subscribe v5 options", V5, 0x82, "00 01 00 00 01 'a' 2e", OK },
  { "subscribe v5 reserved bits", V5, 0x82, "00 01 00 00 01 'a' 40", MAL },
  { "subscribe v5 reserved bit 7", V5, 0x82, "00 01 00 00 01 'a' 80", MAL },
  { "subscribe v5 qos 3", V5, 0x82, "00 01 00 00 01 'a' 03", PE },
  { "subscribe v5 retain handling 3", V5, 0x82, "00 01 00 00 01 'a' 30", PE },

  /* SUBACK */
  { "suback", V311, 0x90, "00 01 00 01 02 80", OK },
  { "suback reserved code", V311, 0x90, "00 01 03", MAL },
  { "suback no code", V311, 0x90, "00 01", PE },
  { "suback v5", V5, 0x90, "00 01 00 00 8f a2", OK },
  { "suback v5 bad code", V5, 0x90, "00 01 00 11", PE },

  /* UNSUBSCRIBE */
  { "unsubscribe", V311, 0xa2, "00 01 00 01 'a'", OK },
  { "unsubscribe several", V311, 0xa2, "00 01 00 01 'a' 00 03 'b/#'", OK },
  { "unsubscribe flags 0", V311, 0xa0, "00 01 00 01 'a'", MAL },
  { "unsubscribe no filter", V311, 0xa2, "00 01", PE },
  { "unsubscribe packet id 0", V311, 0xa2, "00 00 00 01 'a'", PE },
  { "unsubscribe filter truncated", V311, 0xa2, "00 01 00 02 'a'", MAL },
  { "unsubscribe bad utf-8", V311, 0xa2, "00 01 00 02 e2 82", MAL },
  { "unsubscribe v5", V5, 0xa2, "00 01 00 00 01 'a'", OK },
  { "unsubscribe v5 no filter", V5, 0xa2, "00 01 00", PE },

  /* UNSUBACK */
  { "unsuback", V311, 0xb0, "00 01", OK },
  { "unsuback long", V311, 0xb0, "00 01 00", MAL },
  { "unsuback v5", V5, 0xb0, "00 01 00 00 11", OK },
  { "unsuback v5 no code", V5, 0xb0, "00 01 00", PE },
  { "unsuback v5 bad code", V5, 0xb0, "00 01 00 01", PE },

  /* PINGREQ PINGRESP */
  { "pingreq", V311, 0xc0, "", OK },
  { "pingreq flags", V311, 0xc1, "", MAL },
  { "pingreq body", V311, 0xc0, "00", MAL },
  { "pingresp", V5, 0xd0, "", OK },
  { "pingresp body", V5, 0xd0, "00", MAL },

  /* DISCONNECT */
  { "disconnect", V311, 0xe0, "", OK },
  { "disconnect body", V311, 0xe0, "00", MAL },
  { "disconnect flags", V311, 0xe2, "", MAL },
  { "disconnect v5 empty", V5, 0xe0, "", OK },
  { "disconnect v5 reason", V5, 0xe0, "04", OK },
  { "disconnect v5 reason 0x8e", V5, 0xe0, "8e", OK },
  { "disconnect v5 bad reason", V5, 0xe0, "03", PE },
  { "disconnect v5 empty properties", V5, 0xe0, "00 00", OK },
  { "disconnect v5 session expiry", V5, 0xe0, "00 05 11 00 00 00 0a", OK },
  { "disconnect v5 trailing", V5, 0xe0, "00 00 00", MAL },

  /* AUTH */
  { "auth v3.1.1", V311, 0xf0, "", MAL },
  { "auth v3.1", V31, 0xf0, "", MAL },
  { "auth v5", V5, 0xf0, "", OK },
  { "auth v5 continue", V5, 0xf0, "18 00", OK },
  { "auth v5 bad reason", V5, 0xf0, "05", PE },
  { "auth v5 flags", V5, 0xf1, "", MAL },
};

static void
test_decode_vectors (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (decode_cases); i++)
    {
      const DecodeCase *c = &decode_cases[i];
      g_autoptr(GByteArray) bytes = packet_hex (c->first, c->body);

      check_decode (c->name, c->version, bytes, c->expect);
    }
}

/* The CONNECT example of MQTT 3.1.1 section 3.1.2.10 (variable header
 * 00 04 'MQTT' 04 CE 00 0A) with a payload, and the MQTT 5 example of
 * 3.1.2.11 (... 05 C2 00 0A 05 11 00 00 00 0A). */
static void
test_connect_examples (void)
{
  g_autoptr(GByteArray) v311 = packet_hex (0x10, "00 04 'MQTT' 04 ce 00 0a"
                                                 " 00 03 'cid' 00 05 'w/top' 00 03 'bye'"
                                                 " 00 04 'user' 00 04 'pass'");
  g_autoptr(GByteArray) v5 = packet_hex (0x10, "00 04 'MQTT' 05 c2 00 0a 05 11 00 00 00 0a"
                                               " 00 03 'cid' 00 04 'user' 00 04 'pass'");
  g_autoptr(GError) error = NULL;
  BdMqttPacket p;

  g_assert_true (decode_all (V311, v311->data, v311->len, &p, &error));
  g_assert_no_error (error);
  g_assert_cmpint (p.type, ==, BD_MQTT_CONNECT);
  g_assert_cmpint (p.connect.version, ==, V311);
  g_assert_cmpstr (p.connect.protocol_name, ==, "MQTT");
  g_assert_cmpuint (p.connect.protocol_level, ==, 4);
  g_assert_true (p.connect.clean_start);
  g_assert_cmpuint (p.connect.keep_alive, ==, 10);
  g_assert_cmpstr (p.connect.client_id, ==, "cid");
  g_assert_true (p.connect.has_will);
  g_assert_cmpuint (p.connect.will_qos, ==, 1);
  g_assert_false (p.connect.will_retain);
  g_assert_cmpstr (p.connect.will_topic, ==, "w/top");
  g_assert_cmpmem (g_bytes_get_data (p.connect.will_payload, NULL),
                   g_bytes_get_size (p.connect.will_payload), "bye", 3);
  g_assert_true (p.connect.has_username);
  g_assert_cmpstr (p.connect.username, ==, "user");
  g_assert_true (p.connect.has_password);
  g_assert_cmpmem (g_bytes_get_data (p.connect.password, NULL),
                   g_bytes_get_size (p.connect.password), "pass", 4);
  g_assert_cmphex (p.connect.properties.present, ==, 0);
  bd_mqtt_packet_clear (&p);

  /* The version argument is ignored for CONNECT */
  g_assert_true (decode_all (V311, v5->data, v5->len, &p, &error));
  g_assert_no_error (error);
  g_assert_cmpint (p.connect.version, ==, V5);
  g_assert_cmpuint (p.connect.protocol_level, ==, 5);
  g_assert_true (p.connect.clean_start);
  g_assert_false (p.connect.has_will);
  g_assert_cmphex (p.connect.properties.present, ==,
                   BD_MQTT_PROP_BIT (BD_MQTT_PROP_SESSION_EXPIRY_INTERVAL));
  g_assert_cmpuint (p.connect.properties.session_expiry_interval, ==, 10);
  g_assert_cmpstr (p.connect.username, ==, "user");
  bd_mqtt_packet_clear (&p);
}

static void
test_connect_unsupported (void)
{
  static const struct {
    const char   *body;
    guint         expect;
    BdMqttVersion version;
    guint8        level;
    const char   *name;
  } cases[] = {
    { "00 04 'MQTT' 03 02 00 3c 00 01 'c'", UNSUP, V311, 3, "MQTT" },
    { "00 04 'MQTT' 06 02 00 3c 00 01 'c'", UNSUP, V311, 6, "MQTT" },
    { "00 04 'MQTT' ff", UNSUP, V311, 255, "MQTT" },
    { "00 06 'MQIsdp' 04 02 00 3c 00 01 'c'", UNSUP, V31, 4, "MQIsdp" },
    { "00 04 'MQTX' 04 02 00 3c 00 01 'c'", MAL, 0, 0, NULL },
    /* Known version, later error: version and level kept, nothing else */
    { "00 04 'MQTT' 05 02 00 3c 02 11 00", MAL, V5, 5, NULL },
    { "00 04 'MQTT' 05 02 00 3c 03 21 00 00 00 01 'c'", PE, V5, 5, NULL },
    { "00 04 'MQTT' 04 03 00 3c 00 01 'c'", MAL, V311, 4, NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GByteArray) bytes = packet_hex (0x10, cases[i].body);
      g_autoptr(GError) error = NULL;
      BdMqttPacket p;

      g_assert_false (decode_all (V5, bytes->data, bytes->len, &p, &error));
      g_assert_error (error, BD_CODEC_ERROR, (gint) cases[i].expect);
      if (cases[i].version == 0)
        {
          g_assert_true (packet_is_zero (&p));
          continue;
        }
      g_assert_cmpint (p.type, ==, BD_MQTT_CONNECT);
      g_assert_cmpint (p.connect.version, ==, cases[i].version);
      g_assert_cmpuint (p.connect.protocol_level, ==, cases[i].level);
      g_assert_cmpstr (p.connect.protocol_name, ==, cases[i].name);
      g_assert_null (p.connect.client_id);
      g_assert_cmphex (p.connect.properties.present, ==, 0);
      bd_mqtt_packet_clear (&p);
      g_assert_true (packet_is_zero (&p));
    }
}

static void
test_publish_fields (void)
{
  g_autoptr(GByteArray) bytes = packet_hex (0x3b, "00 03 'a/b' 12 34 'hello'");
  g_autoptr(GByteArray) empty = packet_hex (0x30, "00 01 'a'");
  BdMqttPacket p;

  g_assert_true (decode_all (V311, bytes->data, bytes->len, &p, NULL));
  g_assert_true (p.publish.dup);
  g_assert_cmpuint (p.publish.qos, ==, 1);
  g_assert_true (p.publish.retain);
  g_assert_cmpuint (p.flags, ==, 0xb);
  g_assert_cmpstr (p.publish.topic, ==, "a/b");
  g_assert_cmpuint (p.publish.packet_id, ==, 0x1234);
  g_assert_cmpmem (g_bytes_get_data (p.publish.payload, NULL),
                   g_bytes_get_size (p.publish.payload), "hello", 5);
  bd_mqtt_packet_clear (&p);

  g_assert_true (decode_all (V311, empty->data, empty->len, &p, NULL));
  g_assert_nonnull (p.publish.payload);
  g_assert_cmpuint (g_bytes_get_size (p.publish.payload), ==, 0);
  g_assert_cmpuint (p.publish.packet_id, ==, 0);
  bd_mqtt_packet_clear (&p);
}

static void
test_subscribe_fields (void)
{
  g_autoptr(GByteArray) bytes = packet_hex (0x82, "00 0a 02 0b 07 00 03 'a/+' 2e 00 01 '#' 15");
  BdMqttPacket p;

  g_assert_true (decode_all (V5, bytes->data, bytes->len, &p, NULL));
  g_assert_cmpuint (p.subscribe.packet_id, ==, 10);
  g_assert_cmpuint (p.subscribe.properties.n_subscription_identifiers, ==, 1);
  g_assert_cmpuint (p.subscribe.properties.subscription_identifiers[0], ==, 7);
  g_assert_cmpuint (p.subscribe.n_subscriptions, ==, 2);
  g_assert_cmpstr (p.subscribe.subscriptions[0].filter, ==, "a/+");
  g_assert_cmpuint (p.subscribe.subscriptions[0].qos, ==, 2);
  g_assert_true (p.subscribe.subscriptions[0].no_local);
  g_assert_true (p.subscribe.subscriptions[0].retain_as_published);
  g_assert_cmpuint (p.subscribe.subscriptions[0].retain_handling, ==, 2);
  g_assert_cmpstr (p.subscribe.subscriptions[1].filter, ==, "#");
  g_assert_cmpuint (p.subscribe.subscriptions[1].qos, ==, 1);
  g_assert_true (p.subscribe.subscriptions[1].no_local);
  g_assert_false (p.subscribe.subscriptions[1].retain_as_published);
  g_assert_cmpuint (p.subscribe.subscriptions[1].retain_handling, ==, 1);
  bd_mqtt_packet_clear (&p);
}

/* ---------------------------------------------------------------------- */
/* Properties                                                             */
/* ---------------------------------------------------------------------- */

typedef enum
{
  IN_PUBLISH,
  IN_CONNECT,
  IN_WILL,
  IN_CONNACK,
  IN_PUBACK,
  IN_SUBSCRIBE,
  IN_UNSUBSCRIBE,
  IN_SUBACK,
  IN_DISCONNECT,
  IN_AUTH,
} Carrier;

/* A minimal valid v5 packet of the carrier's type around @props. */
static GByteArray *
packet_with_properties (Carrier     carrier,
                        const char *props_hex)
{
  g_autoptr(GByteArray) props = hex (props_hex);
  g_autoptr(GByteArray) body = g_byte_array_new ();
  g_autoptr(GByteArray) plen = g_byte_array_new ();
  static const struct {
    guint8      first;
    const char *before;
    const char *after;
  } carriers[] = {
    [IN_PUBLISH] = { 0x30, "00 01 't'", "" },
    [IN_CONNECT] = { 0x10, CONNECT5 " 02 00 3c", "00 01 'c'" },
    [IN_WILL] = { 0x10, CONNECT5 " 06 00 3c 00 00 01 'c'", "00 01 't' 00 00" },
    [IN_CONNACK] = { 0x20, "00 00", "" },
    [IN_PUBACK] = { 0x40, "00 01 00", "" },
    [IN_SUBSCRIBE] = { 0x82, "00 01", "00 01 'a' 00" },
    [IN_UNSUBSCRIBE] = { 0xa2, "00 01", "00 01 'a'" },
    [IN_SUBACK] = { 0x90, "00 01", "00" },
    [IN_DISCONNECT] = { 0xe0, "00", "" },
    [IN_AUTH] = { 0xf0, "00", "" },
  };
  g_autoptr(GByteArray) before = hex (carriers[carrier].before);
  g_autoptr(GByteArray) after = hex (carriers[carrier].after);

  append_varint (plen, props->len);
  g_byte_array_append (body, before->data, before->len);
  g_byte_array_append (body, plen->data, plen->len);
  g_byte_array_append (body, props->data, props->len);
  g_byte_array_append (body, after->data, after->len);
  return packet_bytes (carriers[carrier].first, body);
}

typedef struct
{
  const char *name;
  Carrier     carrier;
  const char *props;
  guint       expect;
} PropertyCase;

static const PropertyCase property_cases[] = {
  /* Every property type, allowed, on some packet */
  { "byte", IN_PUBLISH, "01 01", OK },
  { "four byte integer", IN_PUBLISH, "02 00 00 00 0a", OK },
  { "utf-8 string", IN_PUBLISH, "03 00 01 'x'", OK },
  { "response topic", IN_PUBLISH, "08 00 03 'a/b'", OK },
  { "binary data", IN_PUBLISH, "09 00 02 00 ff", OK },
  { "variable byte integer", IN_PUBLISH, "0b 01", OK },
  { "variable byte integer max", IN_PUBLISH, "0b ff ff ff 7f", OK },
  { "several subscription ids on publish", IN_PUBLISH, "0b 01 0b 02 0b 80 01", OK },
  { "two byte integer", IN_PUBLISH, "23 00 01", OK },
  { "string pair", IN_PUBLISH, "26 00 01 'a' 00 01 'b'", OK },
  { "repeated user property", IN_PUBLISH, "26 00 01 'a' 00 01 'b' 26 00 01 'a' 00 01 'c'", OK },
  { "empty user property", IN_PUBLISH, "26 00 00 00 00", OK },
  { "all connect properties", IN_CONNECT,
    "11 00 00 00 0a 21 00 0a 27 00 00 10 00 22 00 05 17 01 19 01 26 00 01 'k' 00 01 'v'"
    " 15 00 01 'm' 16 00 01 01", OK },
  { "all will properties", IN_WILL,
    "18 00 00 00 0a 01 01 02 00 00 00 0a 03 00 01 't' 08 00 01 'r' 09 00 01 01"
    " 26 00 01 'k' 00 01 'v'", OK },
  { "all connack properties", IN_CONNACK,
    "11 00 00 00 0a 21 00 0a 24 01 25 01 27 00 00 10 00 12 00 01 'c' 22 00 05 1f 00 01 'r'"
    " 26 00 01 'k' 00 01 'v' 28 01 29 01 2a 01 13 00 3c 1a 00 01 'i' 1c 00 01 's'"
    " 15 00 01 'm' 16 00 01 01", OK },
  { "connack zeros", IN_CONNACK, "24 00 25 00 28 00 29 00 2a 00 13 00 00 22 00 00", OK },
  { "puback properties", IN_PUBACK, "1f 00 01 'r' 26 00 01 'k' 00 01 'v'", OK },
  { "subscribe properties", IN_SUBSCRIBE, "0b 05 26 00 01 'k' 00 01 'v'", OK },
  { "unsubscribe properties", IN_UNSUBSCRIBE, "26 00 01 'k' 00 01 'v'", OK },
  { "suback properties", IN_SUBACK, "1f 00 00 26 00 01 'k' 00 01 'v'", OK },
  { "disconnect properties", IN_DISCONNECT,
    "11 00 00 00 00 1f 00 01 'r' 1c 00 01 's' 26 00 01 'k' 00 01 'v'", OK },
  { "auth properties", IN_AUTH, "15 00 01 'm' 16 00 01 01 1f 00 01 'r'", OK },

  /* Unknown identifiers: Malformed */
  { "unknown 0x00", IN_PUBLISH, "00 00", MAL },
  { "unknown 0x04", IN_PUBLISH, "04 00", MAL },
  { "unknown 0x2b", IN_PUBLISH, "2b 00", MAL },
  { "unknown 0x7f", IN_PUBLISH, "7f", MAL },
  { "unknown 0x80 (two bytes)", IN_PUBLISH, "80 01 00", MAL },
  { "non-minimal identifier", IN_PUBLISH, "81 00 01", MAL },
  { "identifier truncated", IN_PUBLISH, "81", MAL },

  /* Not allowed on the packet: Protocol Error */
  { "session expiry on publish", IN_PUBLISH, "11 00 00 00 01", PE },
  { "reason string on publish", IN_PUBLISH, "1f 00 00", PE },
  { "will delay on publish", IN_PUBLISH, "18 00 00 00 01", PE },
  { "authentication method on publish", IN_PUBLISH, "15 00 01 'a'", PE },
  { "topic alias on connect", IN_CONNECT, "23 00 01", PE },
  { "will delay in connect properties", IN_CONNECT, "18 00 00 00 01", PE },
  { "payload format in connect properties", IN_CONNECT, "01 00", PE },
  { "topic alias in will properties", IN_WILL, "23 00 01", PE },
  { "session expiry in will properties", IN_WILL, "11 00 00 00 01", PE },
  { "subscription id on connack", IN_CONNACK, "0b 01", PE },
  { "topic alias maximum on puback", IN_PUBACK, "22 00 01", PE },
  { "topic alias on subscribe", IN_SUBSCRIBE, "23 00 01", PE },
  { "subscription id on unsubscribe", IN_UNSUBSCRIBE, "0b 01", PE },
  { "subscription id on suback", IN_SUBACK, "0b 01", PE },
  { "receive maximum on disconnect", IN_DISCONNECT, "21 00 05", PE },
  { "session expiry on auth", IN_AUTH, "11 00 00 00 01", PE },

  /* Included twice: Protocol Error */
  { "payload format twice", IN_PUBLISH, "01 00 01 01", PE },
  { "topic alias twice", IN_PUBLISH, "23 00 01 23 00 02", PE },
  { "correlation data twice", IN_PUBLISH, "09 00 00 09 00 00", PE },
  { "session expiry twice", IN_CONNECT, "11 00 00 00 01 11 00 00 00 02", PE },
  { "receive maximum twice", IN_CONNECT, "21 00 01 21 00 01", PE },
  { "will delay twice", IN_WILL, "18 00 00 00 01 18 00 00 00 01", PE },
  { "subscription id twice on subscribe", IN_SUBSCRIBE, "0b 05 0b 06", PE },
  { "reason string twice", IN_CONNACK, "1f 00 01 'a' 1f 00 01 'b'", PE },
  { "maximum qos twice", IN_CONNACK, "24 00 24 00", PE },
  { "server reference twice", IN_DISCONNECT, "1c 00 00 1c 00 00", PE },
  { "authentication method twice", IN_AUTH, "15 00 01 'm' 15 00 01 'm'", PE },

  /* Values */
  { "payload format 2", IN_PUBLISH, "01 02", PE },
  { "payload format 2 in will", IN_WILL, "01 02", PE },
  { "request problem information 2", IN_CONNECT, "17 02", PE },
  { "request response information 2", IN_CONNECT, "19 02", PE },
  { "maximum qos 2", IN_CONNACK, "24 02", PE },
  { "retain available 2", IN_CONNACK, "25 02", PE },
  { "wildcard available 2", IN_CONNACK, "28 02", PE },
  { "subscription id available 2", IN_CONNACK, "29 02", PE },
  { "shared available 2", IN_CONNACK, "2a 02", PE },
  { "receive maximum 0", IN_CONNECT, "21 00 00", PE },
  { "receive maximum 0 in connack", IN_CONNACK, "21 00 00", PE },
  { "maximum packet size 0", IN_CONNECT, "27 00 00 00 00", PE },
  { "subscription id 0 on subscribe", IN_SUBSCRIBE, "0b 00", PE },
  { "subscription id 0 on publish", IN_PUBLISH, "0b 00", PE },
  { "subscription id 5 bytes", IN_PUBLISH, "0b ff ff ff ff 01", MAL },
  { "subscription id non-minimal", IN_PUBLISH, "0b 80 00", MAL },
  { "topic alias 0", IN_PUBLISH, "23 00 00", PE },
  { "response topic wildcard", IN_PUBLISH, "08 00 03 'a/#'", PE },
  { "response topic wildcard in will", IN_WILL, "08 00 01 '+'", PE },
  { "authentication data without method", IN_CONNECT, "16 00 01 01", PE },

  /* Truncated values and bad strings: Malformed */
  { "byte missing", IN_PUBLISH, "01", MAL },
  { "two byte integer truncated", IN_PUBLISH, "23 00", MAL },
  { "four byte integer truncated", IN_PUBLISH, "02 00 00 00", MAL },
  { "variable byte integer truncated", IN_PUBLISH, "0b 80", MAL },
  { "string truncated", IN_PUBLISH, "03 00 05 'ab'", MAL },
  { "string length truncated", IN_PUBLISH, "03 00", MAL },
  { "binary truncated", IN_PUBLISH, "09 00 02 00", MAL },
  { "user property value missing", IN_PUBLISH, "26 00 01 'a'", MAL },
  { "string overlong", IN_PUBLISH, "03 00 02 c0 80", MAL },
  { "string surrogate", IN_PUBLISH, "03 00 03 ed a0 80", MAL },
  { "string nul", IN_PUBLISH, "03 00 01 00", MAL },
  { "user property nul", IN_PUBLISH, "26 00 01 'a' 00 01 00", MAL },
  { "user property name bad", IN_PUBLISH, "26 00 01 ff 00 01 'a'", MAL },
  { "reason string bad", IN_PUBACK, "1f 00 02 e2 82", MAL },
  { "correlation data any bytes", IN_PUBLISH, "09 00 03 00 c0 ff", OK },
};

static void
test_properties (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (property_cases); i++)
    {
      const PropertyCase *c = &property_cases[i];
      g_autoptr(GByteArray) bytes = packet_with_properties (c->carrier, c->props);

      check_decode (c->name, V5, bytes, c->expect);
    }
}

static void
test_properties_values (void)
{
  g_autoptr(GByteArray) bytes =
    packet_with_properties (IN_PUBLISH, "01 01 02 00 01 00 00 03 00 02 'ct' 08 00 03 'r/t'"
                                        " 09 00 02 00 ff 0b 80 01 0b 02 23 01 00"
                                        " 26 00 01 'a' 00 01 'b' 26 00 01 'a' 00 01 'c'");
  BdMqttPacket p;
  const BdMqttProperties *props;

  g_assert_true (decode_all (V5, bytes->data, bytes->len, &p, NULL));
  props = &p.publish.properties;
  g_assert_cmphex (props->present, ==,
                   BD_MQTT_PROP_BIT (0x01) | BD_MQTT_PROP_BIT (0x02) | BD_MQTT_PROP_BIT (0x03) |
                   BD_MQTT_PROP_BIT (0x08) | BD_MQTT_PROP_BIT (0x09) | BD_MQTT_PROP_BIT (0x0B) |
                   BD_MQTT_PROP_BIT (0x23) | BD_MQTT_PROP_BIT (0x26));
  g_assert_cmpuint (props->payload_format_indicator, ==, 1);
  g_assert_cmpuint (props->message_expiry_interval, ==, 65536);
  g_assert_cmpstr (props->content_type, ==, "ct");
  g_assert_cmpstr (props->response_topic, ==, "r/t");
  g_assert_cmpmem (g_bytes_get_data (props->correlation_data, NULL),
                   g_bytes_get_size (props->correlation_data), "\x00\xff", 2);
  g_assert_cmpuint (props->n_subscription_identifiers, ==, 2);
  g_assert_cmpuint (props->subscription_identifiers[0], ==, 128);
  g_assert_cmpuint (props->subscription_identifiers[1], ==, 2);
  g_assert_cmpuint (props->topic_alias, ==, 256);
  g_assert_cmpuint (props->n_user_properties, ==, 2);
  g_assert_cmpstr (props->user_properties[0].name, ==, "a");
  g_assert_cmpstr (props->user_properties[0].value, ==, "b");
  g_assert_cmpstr (props->user_properties[1].value, ==, "c");
  bd_mqtt_packet_clear (&p);
}

/* Every property, in every context: allowed ones decode, others are a
 * Protocol Error. Cross-checks the codec's table against the spec's. */
static void
test_properties_matrix (void)
{
  static const struct {
    Carrier carrier;
    guint   ctx;
  } carriers[] = {
    { IN_PUBLISH, BD_MQTT_PUBLISH }, { IN_CONNECT, BD_MQTT_CONNECT }, { IN_WILL, 0 },
    { IN_CONNACK, BD_MQTT_CONNACK }, { IN_PUBACK, BD_MQTT_PUBACK },
    { IN_SUBSCRIBE, BD_MQTT_SUBSCRIBE }, { IN_UNSUBSCRIBE, BD_MQTT_UNSUBSCRIBE },
    { IN_SUBACK, BD_MQTT_SUBACK }, { IN_DISCONNECT, BD_MQTT_DISCONNECT },
    { IN_AUTH, BD_MQTT_AUTH },
  };
  /* A valid value of each property type, by identifier */
  static const struct {
    guint8      id;
    const char *value;
  } values[] = {
    { 0x01, "01" }, { 0x02, "00 00 00 01" }, { 0x03, "00 01 'x'" }, { 0x08, "00 01 'x'" },
    { 0x09, "00 01 00" }, { 0x0B, "01" }, { 0x11, "00 00 00 01" }, { 0x12, "00 01 'x'" },
    { 0x13, "00 01" }, { 0x15, "00 01 'x'" }, { 0x16, "00 01 00" }, { 0x17, "01" },
    { 0x18, "00 00 00 01" }, { 0x19, "01" }, { 0x1A, "00 01 'x'" }, { 0x1C, "00 01 'x'" },
    { 0x1F, "00 01 'x'" }, { 0x21, "00 01" }, { 0x22, "00 01" }, { 0x23, "00 01" },
    { 0x24, "01" }, { 0x25, "01" }, { 0x26, "00 01 'x' 00 01 'y'" }, { 0x27, "00 00 00 01" },
    { 0x28, "01" }, { 0x29, "01" }, { 0x2A, "01" },
  };

  for (guint c = 0; c < G_N_ELEMENTS (carriers); c++)
    {
      guint n;
      const guint8 *allowed = allowed_properties (carriers[c].ctx, &n);

      for (guint v = 0; v < G_N_ELEMENTS (values); v++)
        {
          /* Authentication Data needs an Authentication Method on a CONNECT */
          g_autofree char *props =
            g_strdup_printf ("%s%02x %s",
                             carriers[c].carrier == IN_CONNECT && values[v].id == 0x16
                               ? "15 00 01 'm' " : "",
                             values[v].id, values[v].value);
          g_autofree char *name = g_strdup_printf ("property 0x%02x in carrier %u",
                                                   values[v].id, carriers[c].carrier);
          g_autoptr(GByteArray) bytes = packet_with_properties (carriers[c].carrier, props);
          gboolean ok = memchr (allowed, values[v].id, n) != NULL;

          check_decode (name, V5, bytes, ok ? OK : PE);
        }
    }
}

/* ---------------------------------------------------------------------- */
/* Round trips                                                            */
/* ---------------------------------------------------------------------- */

static void
test_round_trip (void)
{
  /* Every packet type, with as many variants as its builder has. */
  static const struct
  {
    BdMqttPacketType type;
    guint            n_variants;
  } packets[] = {
    { BD_MQTT_CONNECT, 2 },
    { BD_MQTT_CONNACK, 3 },
    { BD_MQTT_PUBLISH, 6 },
    { BD_MQTT_PUBACK, 4 },
    { BD_MQTT_PUBREC, 4 },
    { BD_MQTT_PUBREL, 4 },
    { BD_MQTT_PUBCOMP, 4 },
    { BD_MQTT_SUBSCRIBE, 1 },
    { BD_MQTT_SUBACK, 1 },
    { BD_MQTT_UNSUBSCRIBE, 1 },
    { BD_MQTT_UNSUBACK, 1 },
    { BD_MQTT_PINGREQ, 1 },
    { BD_MQTT_PINGRESP, 1 },
    { BD_MQTT_DISCONNECT, 3 },
    { BD_MQTT_AUTH, 3 },
  };

  for (guint v = 0; v < G_N_ELEMENTS (all_versions); v++)
    {
      BdMqttVersion version = all_versions[v];

      for (guint i = 0; i < G_N_ELEMENTS (packets); i++)
        {
          if (packets[i].type == BD_MQTT_AUTH && version != V5)
            continue;

          for (guint variant = 0; variant < packets[i].n_variants; variant++)
            {
              BdMqttPacket p;

              make_packet (&p, packets[i].type, version, variant);
              check_round_trip (version, &p);
              bd_mqtt_packet_clear (&p);
            }
        }
    }
}

static void
check_encoding (BdMqttVersion       version,
                const BdMqttPacket *packet,
                const char         *expected_hex)
{
  g_autoptr(GByteArray) expected = hex (expected_hex);
  g_autoptr(GByteArray) out = g_byte_array_new ();

  g_assert_true (bd_mqtt_encode (version, packet, out, NULL));
  g_assert_cmpmem (out->data, out->len, expected->data, expected->len);
  g_assert_cmpuint (bd_mqtt_encoded_size (version, packet), ==, expected->len);
}

static void
test_encode_forms (void)
{
  BdMqttPacket p;

  /* CONNACK: two bytes before 5; 3.1 has no Session Present */
  make_connack (&p, V311, 1);
  check_encoding (V311, &p, "20 02 01 00");
  check_encoding (V31, &p, "20 02 00 00");
  check_encoding (V5, &p, "20 03 01 00 00");
  bd_mqtt_packet_clear (&p);

  /* Acks: short forms of MQTT 5 (3.4.2.1) */
  make_ack (&p, BD_MQTT_PUBACK, V5, 0);
  check_encoding (V5, &p, "40 02 00 01");
  check_encoding (V311, &p, "40 02 00 01");
  p.ack.reason_code = 0x10;
  check_encoding (V5, &p, "40 03 00 01 10");
  check_encoding (V311, &p, "40 02 00 01");
  bd_mqtt_properties_add_user_property (&p.ack.properties, "a", "b");
  check_encoding (V5, &p, "40 0b 00 01 10 07 26 00 01 'a' 00 01 'b'");
  p.ack.reason_code = 0;
  check_encoding (V5, &p, "40 0b 00 01 00 07 26 00 01 'a' 00 01 'b'");
  bd_mqtt_packet_clear (&p);

  make_ack (&p, BD_MQTT_PUBREL, V311, 0);
  check_encoding (V311, &p, "62 02 00 01");
  bd_mqtt_packet_clear (&p);

  /* UNSUBACK: packet identifier only before 5 */
  make_suback (&p, BD_MQTT_UNSUBACK, V311);
  check_encoding (V311, &p, "b0 02 00 07");
  bd_mqtt_packet_clear (&p);

  /* DISCONNECT / AUTH of 5: empty when reason 0 and no properties */
  make_disconnect (&p, BD_MQTT_DISCONNECT, V5, 0);
  check_encoding (V5, &p, "e0 00");
  check_encoding (V311, &p, "e0 00");
  p.disconnect.reason_code = 0x04;
  check_encoding (V5, &p, "e0 01 04");
  check_encoding (V311, &p, "e0 00");
  p.type = BD_MQTT_AUTH;
  p.disconnect.reason_code = 0x18;
  check_encoding (V5, &p, "f0 01 18");
  bd_mqtt_packet_clear (&p);

  /* SUBSCRIBE / UNSUBSCRIBE / PUBREL carry flags 0b0010 */
  memset (&p, 0, sizeof p);
  p.type = BD_MQTT_SUBSCRIBE;
  p.subscribe.packet_id = 1;
  p.subscribe.n_subscriptions = 1;
  p.subscribe.subscriptions = g_new0 (BdMqttSubscription, 1);
  p.subscribe.subscriptions[0].filter = g_strdup ("a");
  p.subscribe.subscriptions[0].qos = 1;
  p.subscribe.subscriptions[0].no_local = TRUE;
  check_encoding (V311, &p, "82 06 00 01 00 01 'a' 01");
  check_encoding (V5, &p, "82 07 00 01 00 00 01 'a' 05");
  bd_mqtt_packet_clear (&p);

  /* CONNECT: name and level from the version */
  make_connect (&p, V311, FALSE);
  check_encoding (V311, &p, "10 0c 00 04 'MQTT' 04 02 00 3c 00 00");
  check_encoding (V31, &p, "10 0e 00 06 'MQIsdp' 03 02 00 3c 00 00");
  check_encoding (V5, &p, "10 0d 00 04 'MQTT' 05 02 00 3c 00 00 00");
  bd_mqtt_packet_clear (&p);

  /* PINGREQ */
  memset (&p, 0, sizeof p);
  p.type = BD_MQTT_PINGREQ;
  check_encoding (V5, &p, "c0 00");
}

static void
test_encode_filters_properties (void)
{
  /* Properties the packet type may not carry are left out */
  BdMqttPacket p;
  BdMqttPacket d;
  g_autoptr(GByteArray) out = g_byte_array_new ();
  static const guint8 all_ids[] = {
    0x01, 0x02, 0x03, 0x08, 0x09, 0x0B, 0x11, 0x12, 0x13, 0x15, 0x16, 0x17, 0x18, 0x19,
    0x1A, 0x1C, 0x1F, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2A,
  };

  make_ack (&p, BD_MQTT_PUBACK, V5, 1);
  for (guint i = 0; i < G_N_ELEMENTS (all_ids); i++)
    set_property (&p.ack.properties, all_ids[i], TRUE);

  g_assert_true (bd_mqtt_encode (V5, &p, out, NULL));
  g_assert_cmpuint (out->len, ==, bd_mqtt_encoded_size (V5, &p));
  g_assert_true (decode_all (V5, out->data, out->len, &d, NULL));
  g_assert_cmphex (d.ack.properties.present, ==,
                   BD_MQTT_PROP_BIT (0x1F) | BD_MQTT_PROP_BIT (0x26));
  g_assert_cmpstr (d.ack.properties.reason_string, ==, "because");
  g_assert_cmpuint (d.ack.properties.n_user_properties, ==, 3);
  bd_mqtt_packet_clear (&d);
  bd_mqtt_packet_clear (&p);

  /* A SUBSCRIBE carries one Subscription Identifier at most */
  make_subscribe (&p, V5);
  bd_mqtt_properties_add_subscription_identifier (&p.subscribe.properties, 99);
  g_byte_array_set_size (out, 0);
  g_assert_true (bd_mqtt_encode (V5, &p, out, NULL));
  g_assert_true (decode_all (V5, out->data, out->len, &d, NULL));
  g_assert_cmpuint (d.subscribe.properties.n_subscription_identifiers, ==, 1);
  bd_mqtt_packet_clear (&d);
  bd_mqtt_packet_clear (&p);
}

static void
test_encode_publish (void)
{
  for (guint v = 0; v < G_N_ELEMENTS (all_versions); v++)
    for (guint variant = 0; variant < 6; variant++)
      {
        BdMqttVersion version = all_versions[v];
        g_autoptr(GByteArray) a = g_byte_array_new ();
        g_autoptr(GByteArray) b = g_byte_array_new ();
        BdMqttPacket p;
        gsize payload_len;
        const guint8 *payload;
        gsize size;

        make_publish (&p, version, variant);
        payload = g_bytes_get_data (p.publish.payload, &payload_len);
        g_assert_true (bd_mqtt_encode (version, &p, a, NULL));
        g_byte_array_append (b, (const guint8 *) "x", 1);
        size = bd_mqtt_encode_publish (version, p.publish.topic, strlen (p.publish.topic),
                                       payload, payload_len, p.publish.qos, p.publish.retain,
                                       p.publish.dup, p.publish.packet_id,
                                       &p.publish.properties, b);
        g_assert_cmpuint (size, ==, b->len - 1);
        g_assert_cmpmem (a->data, a->len, b->data + 1, b->len - 1);
        bd_mqtt_packet_clear (&p);
      }

  /* NULL properties in MQTT 5: a zero Property Length */
  {
    g_autoptr(GByteArray) out = g_byte_array_new ();
    g_autoptr(GByteArray) expected = hex ("30 06 00 01 'a' 00 'hi'");

    g_assert_cmpuint (bd_mqtt_encode_publish (V5, "a", 1, (const guint8 *) "hi", 2, 0, FALSE,
                                              FALSE, 0, NULL, out), ==, 8);
    g_assert_cmpmem (out->data, out->len, expected->data, expected->len);
  }
}

static void
test_encode_ack (void)
{
  static const struct {
    BdMqttPacketType type;
    const char      *expected;
  } cases[] = {
    { BD_MQTT_PUBACK, "40 02 12 34" },
    { BD_MQTT_PUBREC, "50 02 12 34" },
    { BD_MQTT_PUBREL, "62 02 12 34" },
    { BD_MQTT_PUBCOMP, "70 02 12 34" },
    { BD_MQTT_UNSUBACK, "b0 02 12 34" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GByteArray) out = g_byte_array_new ();
      g_autoptr(GByteArray) expected = hex (cases[i].expected);

      bd_mqtt_encode_ack (cases[i].type, 0x1234, out);
      g_assert_cmpmem (out->data, out->len, expected->data, expected->len);
      check_decode ("encode_ack", V311, out, OK);
    }
}

static void
test_encode_limits (void)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *long_topic = g_malloc (65537);
  static guint8 small[16];
  BdMqttPacket p;

  memset (long_topic, 'a', 65536);
  long_topic[65536] = '\0';

  /* A 65536-byte string cannot be encoded */
  memset (&p, 0, sizeof p);
  p.type = BD_MQTT_PUBLISH;
  p.publish.topic = long_topic;
  g_byte_array_append (out, (const guint8 *) "z", 1);
  g_assert_false (bd_mqtt_encode (V311, &p, out, &error));
  g_assert_error (error, BD_CODEC_ERROR, BD_MQTT_RC_PACKET_TOO_LARGE);
  g_clear_error (&error);
  g_assert_cmpuint (out->len, ==, 1);
  g_assert_cmpuint (bd_mqtt_encoded_size (V311, &p), ==, 0);
  g_assert_cmpuint (bd_mqtt_encode_publish (V311, long_topic, 65536, NULL, 0, 0, FALSE, FALSE,
                                            0, NULL, out), ==, 0);
  g_assert_cmpuint (out->len, ==, 1);

  /* 65535 bytes can */
  long_topic[65535] = '\0';
  g_assert_true (bd_mqtt_encode (V311, &p, out, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (out->len, ==, 1 + 1 + 3 + 2 + 65535);
  {
    g_autoptr(GByteArray) packet = g_byte_array_new ();

    g_byte_array_append (packet, out->data + 1, out->len - 1);
    check_decode ("longest topic", V311, packet, OK);
  }

  /* Too long in a property or user property */
  p.publish.topic = (char *) "t";
  p.publish.properties.content_type = long_topic;
  long_topic[65535] = 'a';
  BD_MQTT_PROP_SET (&p.publish.properties, BD_MQTT_PROP_CONTENT_TYPE);
  g_assert_true (bd_mqtt_encode (V311, &p, out, NULL)); /* 3.1.1: no properties */
  g_assert_false (bd_mqtt_encode (V5, &p, out, &error));
  g_assert_error (error, BD_CODEC_ERROR, BD_MQTT_RC_PACKET_TOO_LARGE);
  g_clear_error (&error);
  g_assert_cmpuint (bd_mqtt_encoded_size (V5, &p), ==, 0);
  g_assert_cmpuint (bd_mqtt_encode_publish (V5, "t", 1, NULL, 0, 0, FALSE, FALSE, 0,
                                            &p.publish.properties, out), ==, 0);

  /* Remaining length: the counting pass never touches payload bytes, so a
   * GBytes that claims a huge size tests the limit without allocating it. */
  memset (&p.publish.properties, 0, sizeof p.publish.properties);
  p.publish.payload = g_bytes_new_static (small, BD_MQTT_MAX_REMAINING_LENGTH - 3);
  g_assert_cmpuint (bd_mqtt_encoded_size (V311, &p), ==, 1 + 4 + BD_MQTT_MAX_REMAINING_LENGTH);
  g_assert_cmpuint (bd_mqtt_encoded_size (V5, &p), ==, 0); /* + property length */
  g_assert_false (bd_mqtt_encode (V5, &p, out, &error));
  g_assert_error (error, BD_CODEC_ERROR, BD_MQTT_RC_PACKET_TOO_LARGE);
  g_clear_error (&error);
  g_bytes_unref (p.publish.payload);
  p.publish.payload = g_bytes_new_static (small, BD_MQTT_MAX_REMAINING_LENGTH - 2);
  g_assert_cmpuint (bd_mqtt_encoded_size (V311, &p), ==, 0);
  g_assert_false (bd_mqtt_encode (V311, &p, out, &error));
  g_assert_error (error, BD_CODEC_ERROR, BD_MQTT_RC_PACKET_TOO_LARGE);
  g_clear_error (&error);
  g_bytes_unref (p.publish.payload);
  g_assert_cmpuint (bd_mqtt_encode_publish (V311, "a", 1, small, BD_MQTT_MAX_REMAINING_LENGTH - 2,
                                            0, FALSE, FALSE, 0, NULL, out), ==, 0);

  /* AUTH does not exist before 5 */
  memset (&p, 0, sizeof p);
  p.type = BD_MQTT_AUTH;
  g_assert_false (bd_mqtt_encode (V311, &p, out, &error));
  g_assert_error (error, BD_CODEC_ERROR, BD_MQTT_RC_PROTOCOL_ERROR);
  g_assert_cmpuint (bd_mqtt_encoded_size (V311, &p), ==, 0);
}

/* ---------------------------------------------------------------------- */
/* Truncation, reserved flags, UTF-8                                      */
/* ---------------------------------------------------------------------- */

static void
check_truncations (BdMqttVersion       version,
                   const BdMqttPacket *packet,
                   gboolean            every_cut_fails)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();
  BdMqttFrame frame;

  g_assert_true (bd_mqtt_encode (version, packet, out, NULL));
  g_assert_cmpint (bd_mqtt_frame_parse (out->data, out->len, &frame, NULL), ==,
                   BD_MQTT_FRAME_COMPLETE);

  /* A stream cut anywhere is just incomplete */
  for (guint cut = 0; cut < out->len; cut++)
    {
      g_autofree guint8 *copy = g_memdup2 (out->data, cut);
      BdMqttFrame f;

      g_assert_cmpint (bd_mqtt_frame_parse (copy, cut, &f, NULL), ==, BD_MQTT_FRAME_INCOMPLETE);
    }

  /* A body cut anywhere (as if the remaining length said so) fails cleanly
   * or, where the cut falls between fields, decodes a shorter packet. */
  for (guint cut = 0; cut < frame.remaining_length; cut++)
    {
      g_autofree guint8 *body = g_memdup2 (out->data + frame.header_length, cut);
      g_autoptr(GError) error = NULL;
      BdMqttFrame f = frame;
      BdMqttPacket p;
      gboolean ok;

      f.remaining_length = cut;
      f.header_length = cut < 128 ? 2 : cut < 16384 ? 3 : 4;
      ok = bd_mqtt_decode (version, &f, body, cut, &p, &error);
      if (ok)
        {
          g_assert_no_error (error);
          if (every_cut_fails)
            g_error ("%s cut at %u decoded", bd_mqtt_packet_type_name (packet->type), cut);
        }
      else
        {
          g_assert_nonnull (error);
          g_assert_true (error->domain == BD_CODEC_ERROR);
        }
      bd_mqtt_packet_clear (&p);
    }
}

static void
test_truncated (void)
{
  static const struct
  {
    BdMqttPacketType type;
    guint            variant;
    gboolean         every_cut_fails;
  } packets[] = {
    /* A CONNECT ends with its password: every cut fails */
    { BD_MQTT_CONNECT, 1, TRUE },
    { BD_MQTT_PUBLISH, 3, FALSE },
    { BD_MQTT_SUBSCRIBE, 0, FALSE },
    { BD_MQTT_UNSUBSCRIBE, 0, FALSE },
    { BD_MQTT_CONNACK, 1, TRUE },
    { BD_MQTT_PUBREC, 2, FALSE },
    { BD_MQTT_SUBACK, 0, FALSE },
    { BD_MQTT_DISCONNECT, 2, FALSE },
  };

  for (guint v = 0; v < G_N_ELEMENTS (all_versions); v++)
    for (guint i = 0; i < G_N_ELEMENTS (packets); i++)
      {
        BdMqttPacket p;

        make_packet (&p, packets[i].type, all_versions[v], packets[i].variant);
        check_truncations (all_versions[v], &p, packets[i].every_cut_fails);
        bd_mqtt_packet_clear (&p);
      }
}

static void
test_reserved_flags (void)
{
  for (guint v = 0; v < G_N_ELEMENTS (all_versions); v++)
    {
      BdMqttVersion version = all_versions[v];

      for (BdMqttPacketType type = BD_MQTT_CONNECT; type <= BD_MQTT_AUTH; type++)
        {
          g_autoptr(GByteArray) out = g_byte_array_new ();
          guint8 expected = (type == BD_MQTT_PUBREL || type == BD_MQTT_SUBSCRIBE ||
                             type == BD_MQTT_UNSUBSCRIBE) ? 0x2 : 0x0;
          BdMqttPacket p;

          if (type == BD_MQTT_PUBLISH || (type == BD_MQTT_AUTH && version != V5))
            continue;

          make_packet (&p, type, version, 0);
          g_assert_true (bd_mqtt_encode (version, &p, out, NULL));
          bd_mqtt_packet_clear (&p);
          g_assert_cmpuint (out->data[0] & 0x0F, ==, expected);

          for (guint flags = 0; flags < 16; flags++)
            {
              g_autofree char *name = g_strdup_printf ("%s flags 0x%x",
                                                       bd_mqtt_packet_type_name (type), flags);
              /* MQTT 3.1 set DUP on retransmitted PUBREL/SUBSCRIBE/UNSUBSCRIBE */
              gboolean ok = flags == expected ||
                            (version == V31 && expected == 0x2 && flags == 0xA);

              out->data[0] = (type << 4) | flags;
              check_decode (name, version, out, ok ? OK : MAL);
            }
        }
    }
}

static void
test_publish_flags (void)
{
  /* All sixteen PUBLISH flag combinations */
  for (guint flags = 0; flags < 16; flags++)
    {
      guint qos = (flags >> 1) & 3;
      gboolean dup = (flags & 8) != 0;
      g_autoptr(GByteArray) bytes = packet_hex (0x30 | flags, qos > 0 ? "00 01 'a' 00 05"
                                                                      : "00 01 'a'");
      g_autofree char *name = g_strdup_printf ("publish flags 0x%x", flags);

      check_decode (name, V311, bytes, qos == 3 || (dup && qos == 0) ? MAL : OK);
    }
}

static const struct {
  const char *name;
  const char *bytes;
  gboolean    valid;
} utf8_cases[] = {
  { "ascii", "'hello/world'", TRUE },
  { "empty", "", TRUE },
  { "two bytes", "c3 a9", TRUE },
  { "three bytes", "e2 82 ac", TRUE },
  { "four bytes", "f0 9d 84 9e", TRUE },
  { "U+FEFF kept", "ef bb bf 'a'", TRUE },
  { "U+10FFFF", "f4 8f bf bf", TRUE },
  { "U+FFFF noncharacter", "ef bf bf", TRUE },
  { "U+0001 control", "01", TRUE },
  { "U+0000", "00", FALSE },
  { "U+0000 inside", "'a' 00 'b'", FALSE },
  { "U+0000 after non-ascii", "c3 a9 00", FALSE },
  { "overlong nul", "c0 80", FALSE },
  { "overlong slash", "c0 af", FALSE },
  { "overlong c1", "c1 bf", FALSE },
  { "overlong three bytes", "e0 80 af", FALSE },
  { "overlong four bytes", "f0 80 80 af", FALSE },
  { "surrogate D800", "ed a0 80", FALSE },
  { "surrogate DFFF", "ed bf bf", FALSE },
  { "surrogate pair", "ed a0 bd ed b2 a9", FALSE },
  { "over U+10FFFF", "f4 90 80 80", FALSE },
  { "five bytes", "f8 88 80 80 80", FALSE },
  { "lone continuation", "80", FALSE },
  { "truncated two", "c3", FALSE },
  { "truncated three", "e2 82", FALSE },
  { "truncated four", "f0 9d 84", FALSE },
  { "truncated then ascii", "e2 82 'a'", FALSE },
  { "byte fe", "fe", FALSE },
  { "byte ff", "ff", FALSE },
  /* Longer than a word, for the eight-bytes-at-a-time ASCII scan */
  { "ascii 16", "'0123456789abcdef'", TRUE },
  { "ascii 23", "'0123456789abcdefghijklm'", TRUE },
  { "nul at byte 7", "'abcdefg' 00 'hijk'", FALSE },
  { "nul in second word", "'abcdefgh' 'ij' 00 'klmnop'", FALSE },
  { "nul in tail", "'abcdefgh' 'ij' 00", FALSE },
  { "nul after non-ascii word", "'abcdefg' c3 a9 'hijklmn' 00 'x'", FALSE },
  { "non-ascii in second word", "'abcdefgh' 'ij' c3 a9 'klmn'", TRUE },
  { "high byte at byte 7", "'abcdefg' 80 'hijk'", FALSE },
  { "surrogate after a word", "'abcdefgh' ed a0 80", FALSE },
  { "overlong after a word", "'abcdefghijklmnop' c0 80", FALSE },
};

static void
test_utf8 (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (utf8_cases); i++)
    {
      g_autoptr(GByteArray) s = hex (utf8_cases[i].bytes);
      g_autofree char *copy = g_memdup2 (s->data, s->len);
      g_autofree char *topic_body = NULL;
      g_autofree char *sub_body = NULL;
      g_autoptr(GByteArray) topic_packet = NULL;
      g_autoptr(GByteArray) sub_packet = NULL;
      g_autoptr(GByteArray) user_packet = NULL;
      g_autoptr(GString) quoted = g_string_new (NULL);

      if (bd_mqtt_utf8_valid (copy, s->len) != utf8_cases[i].valid)
        g_error ("utf-8 %s: expected %s", utf8_cases[i].name,
                 utf8_cases[i].valid ? "valid" : "invalid");

      /* The same string as a topic name, a topic filter and a user property */
      for (guint b = 0; b < s->len; b++)
        g_string_append_printf (quoted, " %02x", s->data[b]);
      if (s->len == 0)
        continue;
      topic_body = g_strdup_printf ("%02x %02x %s", s->len >> 8, s->len & 0xFF, quoted->str);
      topic_packet = packet_hex (0x30, topic_body);
      check_decode (utf8_cases[i].name, V311, topic_packet, utf8_cases[i].valid ? OK : MAL);
      sub_body = g_strdup_printf ("00 01 %02x %02x %s 00", s->len >> 8, s->len & 0xFF,
                                  quoted->str);
      sub_packet = packet_hex (0x82, sub_body);
      check_decode (utf8_cases[i].name, V311, sub_packet, utf8_cases[i].valid ? OK : MAL);
      {
        g_autofree char *props = g_strdup_printf ("26 00 01 'k' %02x %02x %s", s->len >> 8,
                                                  s->len & 0xFF, quoted->str);
        user_packet = packet_with_properties (IN_PUBLISH, props);
        check_decode (utf8_cases[i].name, V5, user_packet, utf8_cases[i].valid ? OK : MAL);
      }
    }

  /* Length limit and NULL */
  {
    g_autofree char *big = g_malloc (65536);

    memset (big, 'a', 65536);
    g_assert_true (bd_mqtt_utf8_valid (big, 65535));
    g_assert_false (bd_mqtt_utf8_valid (big, 65536));
    g_assert_true (bd_mqtt_utf8_valid (NULL, 0));
  }
}

static void
test_names (void)
{
  g_assert_cmpstr (bd_mqtt_packet_type_name (BD_MQTT_CONNECT), ==, "CONNECT");
  g_assert_cmpstr (bd_mqtt_packet_type_name (BD_MQTT_PUBLISH), ==, "PUBLISH");
  g_assert_cmpstr (bd_mqtt_packet_type_name (BD_MQTT_AUTH), ==, "AUTH");
  g_assert_cmpstr (bd_mqtt_packet_type_name (0), ==, "RESERVED");
  g_assert_cmpstr (bd_mqtt_packet_type_name (16), ==, "RESERVED");
  for (BdMqttPacketType t = BD_MQTT_CONNECT; t <= BD_MQTT_AUTH; t++)
    g_assert_cmpstr (bd_mqtt_packet_type_name (t), !=, "RESERVED");

  g_assert_cmpstr (bd_mqtt_reason_code_name (0x00), ==, "Success");
  g_assert_cmpstr (bd_mqtt_reason_code_name (0x81), ==, "Malformed Packet");
  g_assert_cmpstr (bd_mqtt_reason_code_name (0x82), ==, "Protocol Error");
  g_assert_cmpstr (bd_mqtt_reason_code_name (0xA2), ==, "Wildcard Subscriptions not supported");
  g_assert_cmpstr (bd_mqtt_reason_code_name (0x03), ==, "Unknown reason code");
}

static void
test_error_messages (void)
{
  /* Errors name the packet and cite the rule */
  g_autoptr(GByteArray) bytes = packet_hex (0x38, "00 01 'a'");
  g_autoptr(GError) error = NULL;
  BdMqttPacket p;

  g_assert_false (decode_all (V311, bytes->data, bytes->len, &p, &error));
  g_assert_nonnull (strstr (error->message, "PUBLISH"));
  g_assert_nonnull (strstr (error->message, "[MQTT-3.3.1-2]"));

  /* NULL error is allowed */
  g_assert_false (decode_all (V311, bytes->data, bytes->len, &p, NULL));
  g_assert_true (packet_is_zero (&p));
}

/* How the durable store keeps a message's properties: encoded and decoded
 * alone, every property a PUBLISH (or a will) may carry comes back; what
 * such a packet may not carry is left out, and bytes after them are
 * refused. */
static void
test_properties_alone (void)
{
  for (int will = 0; will <= 1; will++)
    {
      BdMqttProperties props = { 0 };
      BdMqttProperties back;
      g_autoptr(GByteArray) out = g_byte_array_new ();
      g_autoptr(GError) error = NULL;

      fill_properties (&props, will ? 0 : BD_MQTT_PUBLISH);
      g_assert_true (bd_mqtt_properties_encode (&props, will, out));
      g_assert_true (bd_mqtt_properties_decode (out->data, out->len, will, &back, &error));
      g_assert_no_error (error);
      assert_props_equal (&props, &back);
      bd_mqtt_properties_clear (&back);

      g_byte_array_append (out, (const guint8 *) "", 1);
      g_assert_false (bd_mqtt_properties_decode (out->data, out->len, will, &back, &error));
      g_assert_nonnull (error);
      g_clear_error (&error);
      bd_mqtt_properties_clear (&props);
    }

  {
    BdMqttProperties props = { 0 };
    BdMqttProperties back;
    g_autoptr(GByteArray) out = g_byte_array_new ();

    /* A Session Expiry Interval is no PUBLISH property: not written. */
    props.session_expiry_interval = 60;
    BD_MQTT_PROP_SET (&props, BD_MQTT_PROP_SESSION_EXPIRY_INTERVAL);
    props.content_type = g_strdup ("text/plain");
    BD_MQTT_PROP_SET (&props, BD_MQTT_PROP_CONTENT_TYPE);
    g_assert_true (bd_mqtt_properties_encode (&props, FALSE, out));
    g_assert_true (bd_mqtt_properties_decode (out->data, out->len, FALSE, &back, NULL));
    g_assert_false (BD_MQTT_PROP_HAS (&back, BD_MQTT_PROP_SESSION_EXPIRY_INTERVAL));
    g_assert_cmpstr (back.content_type, ==, "text/plain");
    bd_mqtt_properties_clear (&back);
    bd_mqtt_properties_clear (&props);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/codec/frame/remaining-length", test_remaining_length);
  g_test_add_func ("/codec/frame/remaining-length-encoded", test_remaining_length_encoded);
  g_test_add_func ("/codec/frame/five-byte-length", test_remaining_length_five_bytes);
  g_test_add_func ("/codec/frame/type-zero", test_frame_type_zero);
  g_test_add_func ("/codec/frame/stream", test_frame_stream);
  g_test_add_func ("/codec/frame/non-minimal-length", test_non_minimal_length);
  g_test_add_func ("/codec/decode/vectors", test_decode_vectors);
  g_test_add_func ("/codec/connect/examples", test_connect_examples);
  g_test_add_func ("/codec/connect/unsupported", test_connect_unsupported);
  g_test_add_func ("/codec/publish/fields", test_publish_fields);
  g_test_add_func ("/codec/publish/flags", test_publish_flags);
  g_test_add_func ("/codec/subscribe/fields", test_subscribe_fields);
  g_test_add_func ("/codec/properties/cases", test_properties);
  g_test_add_func ("/codec/properties/values", test_properties_values);
  g_test_add_func ("/codec/properties/matrix", test_properties_matrix);
  g_test_add_func ("/codec/round-trip", test_round_trip);
  g_test_add_func ("/codec/encode/forms", test_encode_forms);
  g_test_add_func ("/codec/encode/filters-properties", test_encode_filters_properties);
  g_test_add_func ("/codec/encode/publish", test_encode_publish);
  g_test_add_func ("/codec/encode/ack", test_encode_ack);
  g_test_add_func ("/codec/encode/limits", test_encode_limits);
  g_test_add_func ("/codec/decode/truncated", test_truncated);
  g_test_add_func ("/codec/decode/reserved-flags", test_reserved_flags);
  g_test_add_func ("/codec/utf8", test_utf8);
  g_test_add_func ("/codec/names", test_names);
  g_test_add_func ("/codec/errors", test_error_messages);
  g_test_add_func ("/codec/properties-alone", test_properties_alone);

  return g_test_run ();
}
