/* bd-bench-mqtt.c — minimal MQTT 3.1.1 / 5.0 client packets for bd-bench
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "bd-bench-mqtt.h"

void
bd_bench_buf_init (BdBenchBuf *buf,
                   gsize       cap)
{
  buf->data = g_malloc (cap);
  buf->pos = 0;
  buf->len = 0;
  buf->cap = cap;
}

void
bd_bench_buf_clear (BdBenchBuf *buf)
{
  g_clear_pointer (&buf->data, g_free);
  buf->pos = buf->len = buf->cap = 0;
}

guint8 *
bd_bench_buf_reserve (BdBenchBuf *buf,
                      gsize       n)
{
  if (buf->cap - buf->len >= n)
    return buf->data + buf->len;

  /* Written bytes at the front are dead: reclaim them before growing, so an
   * output buffer that is flushed regularly stays at its initial size. */
  if (buf->pos > 0)
    {
      memmove (buf->data, buf->data + buf->pos, buf->len - buf->pos);
      buf->len -= buf->pos;
      buf->pos = 0;
    }
  if (buf->cap - buf->len < n)
    {
      gsize cap = MAX (buf->cap, 4096);

      while (cap - buf->len < n)
        cap *= 2;
      buf->data = g_realloc (buf->data, cap);
      buf->cap = cap;
    }
  return buf->data + buf->len;
}

void
bd_bench_buf_consume (BdBenchBuf *buf,
                      gsize       n)
{
  g_assert (n <= buf->len);
  if (n < buf->len)
    memmove (buf->data, buf->data + n, buf->len - n);
  buf->len -= n;
}

/* Variable Byte Integer [MQTT 1.5.5 / 3.1.1 2.2.3]: 7 bits a byte, at most 4 bytes. */
static inline gsize
put_varint (guint8 *p,
            guint32 value)
{
  gsize n = 0;

  do
    {
      guint8 byte = value & 0x7f;

      value >>= 7;
      if (value > 0)
        byte |= 0x80;
      p[n++] = byte;
    }
  while (value > 0);
  return n;
}

/* Returns the number of bytes used, 0 if more input is needed, or -1 if the
 * fifth byte would be needed (malformed). */
static inline int
get_varint (const guint8 *p,
            gsize         len,
            guint32      *value)
{
  guint32 v = 0;

  for (int i = 0; i < 4; i++)
    {
      if ((gsize) i >= len)
        return 0;
      v |= (guint32) (p[i] & 0x7f) << (7 * i);
      if ((p[i] & 0x80) == 0)
        {
          *value = v;
          return i + 1;
        }
    }
  return -1;
}

static inline guint8 *
put_u16 (guint8 *p,
         guint16 v)
{
  p[0] = v >> 8;
  p[1] = v & 0xff;
  return p + 2;
}

static inline guint8 *
put_str (guint8     *p,
         const char *s,
         gsize       len)
{
  p = put_u16 (p, len);
  memcpy (p, s, len);
  return p + len;
}

/* Reserves room for a packet whose remaining length is @rl, writes the fixed
 * header and returns where the variable header starts. */
static inline guint8 *
begin_packet (BdBenchBuf *buf,
              guint8      first,
              gsize       rl)
{
  guint8 *p = bd_bench_buf_reserve (buf, 5 + rl);

  p[0] = first;
  return p + 1 + put_varint (p + 1, rl);
}

static inline void
end_packet (BdBenchBuf *buf,
            guint8     *end)
{
  buf->len = end - buf->data;
}

BdBenchParse
bd_bench_mqtt_next (const guint8  *data,
                    gsize          len,
                    BdBenchPacket *packet,
                    gsize         *consumed)
{
  guint32 rl = 0;
  int n;

  if (len < 2)
    return BD_BENCH_PARSE_MORE;
  n = get_varint (data + 1, len - 1, &rl);
  if (n < 0)
    return BD_BENCH_PARSE_MALFORMED;
  if (n == 0 || len < 1 + (gsize) n + rl)
    return BD_BENCH_PARSE_MORE;

  packet->type = data[0] >> 4;
  packet->flags = data[0] & 0x0f;
  packet->body = data + 1 + n;
  packet->body_len = rl;
  *consumed = 1 + n + rl;
  return BD_BENCH_PARSE_OK;
}

void
bd_bench_mqtt_write_connect (BdBenchBuf *buf,
                             int         version,
                             const char *client_id,
                             guint16     keepalive)
{
  /* Clean Session / Clean Start: every run starts from nothing, and no
   * state is left behind in the broker for the next one [MQTT-3.1.2-6]. */
  bd_bench_mqtt_write_connect_session (buf, version, client_id, keepalive, 0);
}

void
bd_bench_mqtt_write_connect_session (BdBenchBuf *buf,
                                     int         version,
                                     const char *client_id,
                                     guint16     keepalive,
                                     guint32     session_expiry)
{
  gsize id_len = strlen (client_id);
  /* 5.0 properties: none, or the Session Expiry Interval (0x11, four bytes) */
  gsize props_len = version == 5 && session_expiry > 0 ? 5 : 0;
  /* "MQTT" name (6) + level + flags + keep alive (2) [+ properties] + client id */
  gsize rl = 10 + (version == 5 ? 1 + props_len : 0) + 2 + id_len;
  guint8 *p = begin_packet (buf, BD_BENCH_CONNECT << 4, rl);

  p = put_str (p, "MQTT", 4);
  *p++ = version;
  *p++ = session_expiry > 0 ? 0x00 : 0x02;
  p = put_u16 (p, keepalive);
  if (version == 5)
    {
      /* Without properties: Receive Maximum 65535, no topic aliases. */
      *p++ = props_len;
      if (props_len > 0)
        {
          *p++ = 0x11;
          p = put_u16 (p, session_expiry >> 16);
          p = put_u16 (p, session_expiry & 0xffff);
        }
    }
  p = put_str (p, client_id, id_len);
  end_packet (buf, p);
}

void
bd_bench_mqtt_write_subscribe (BdBenchBuf *buf,
                               int         version,
                               guint16     packet_id,
                               const char *filter,
                               int         qos)
{
  gsize filter_len = strlen (filter);
  gsize rl = 2 + (version == 5 ? 1 : 0) + 2 + filter_len + 1;
  /* Bits 3,2,1,0 of SUBSCRIBE's fixed header are reserved as 0,0,1,0 [MQTT-3.8.1-1]. */
  guint8 *p = begin_packet (buf, (BD_BENCH_SUBSCRIBE << 4) | 0x02, rl);

  p = put_u16 (p, packet_id);
  if (version == 5)
    *p++ = 0;
  p = put_str (p, filter, filter_len);
  *p++ = qos; /* 5.0: No Local, Retain As Published and Retain Handling all 0 */
  end_packet (buf, p);
}

void
bd_bench_mqtt_write_publish (BdBenchBuf   *buf,
                             int           version,
                             const char   *topic,
                             gsize         topic_len,
                             int           qos,
                             guint16       packet_id,
                             const guint8 *payload,
                             gsize         payload_len)
{
  gsize rl = 2 + topic_len + (qos > 0 ? 2 : 0) + (version == 5 ? 1 : 0) + payload_len;
  guint8 *p = begin_packet (buf, (BD_BENCH_PUBLISH << 4) | (qos << 1), rl);

  p = put_str (p, topic, topic_len);
  if (qos > 0)
    p = put_u16 (p, packet_id);
  if (version == 5)
    *p++ = 0;
  memcpy (p, payload, payload_len);
  end_packet (buf, p + payload_len);
}

void
bd_bench_mqtt_write_ack (BdBenchBuf *buf,
                         guint       type,
                         guint16     packet_id)
{
  guint8 *p = bd_bench_buf_reserve (buf, 4);

  /* PUBREL's reserved flags are 0,0,1,0 [MQTT-3.6.1-1]; the others' are 0. */
  p[0] = (type << 4) | (type == BD_BENCH_PUBREL ? 0x02 : 0);
  p[1] = 2;
  put_u16 (p + 2, packet_id);
  buf->len += 4;
}

void
bd_bench_mqtt_write_pingreq (BdBenchBuf *buf)
{
  guint8 *p = bd_bench_buf_reserve (buf, 2);

  p[0] = BD_BENCH_PINGREQ << 4;
  p[1] = 0;
  buf->len += 2;
}

void
bd_bench_mqtt_write_disconnect (BdBenchBuf *buf)
{
  guint8 *p = bd_bench_buf_reserve (buf, 2);

  /* In 5.0 a remaining length of 0 means reason 0x00, Normal disconnection,
   * so the broker discards the will [MQTT-3.14.2-1]. */
  p[0] = BD_BENCH_DISCONNECT << 4;
  p[1] = 0;
  buf->len += 2;
}

/* Size of the value of 5.0 property @id [MQTT 2.2.2.2], or -1 for variable
 * sizes handled by the caller: -2 = UTF-8 string or binary data (u16 length),
 * -3 = string pair, -4 = variable byte integer; -5 = unknown identifier. */
static int
property_size (guint id)
{
  switch (id)
    {
    case 0x01: case 0x17: case 0x19: case 0x24: case 0x25: case 0x28: case 0x29: case 0x2a:
      return 1;
    case 0x13: case 0x21: case 0x22: case 0x23:
      return 2;
    case 0x02: case 0x11: case 0x18: case 0x27:
      return 4;
    case 0x03: case 0x08: case 0x09: case 0x12: case 0x15: case 0x16: case 0x1a: case 0x1c:
    case 0x1f:
      return -2;
    case 0x26:
      return -3;
    case 0x0b:
      return -4;
    default:
      return -5;
    }
}

/* Walks a property block, reporting the two CONNACK properties a publisher
 * must obey; unknown identifiers make the packet malformed [MQTT-2.2.2]. */
static gboolean
read_properties (const guint8 *p,
                 gsize         len,
                 guint        *receive_maximum,
                 guint        *maximum_qos)
{
  gsize i = 0;

  while (i < len)
    {
      guint id = p[i++];
      int size = property_size (id);

      if (size > 0)
        {
          if (len - i < (gsize) size)
            return FALSE;
          if (id == 0x21 && receive_maximum != NULL)
            *receive_maximum = (p[i] << 8) | p[i + 1];
          else if (id == 0x24 && maximum_qos != NULL)
            *maximum_qos = p[i];
          i += size;
        }
      else if (size == -2 || size == -3)
        {
          for (int k = 0; k < (size == -3 ? 2 : 1); k++)
            {
              gsize l;

              if (len - i < 2)
                return FALSE;
              l = (p[i] << 8) | p[i + 1];
              if (len - i - 2 < l)
                return FALSE;
              i += 2 + l;
            }
        }
      else if (size == -4)
        {
          guint32 v;
          int n = get_varint (p + i, len - i, &v);

          if (n <= 0)
            return FALSE;
          i += n;
        }
      else
        return FALSE;
    }
  return TRUE;
}

/* Skips the property length and block at @p, returning the bytes used or 0. */
static gsize
skip_properties (const guint8 *p,
                 gsize         len,
                 guint        *receive_maximum,
                 guint        *maximum_qos)
{
  guint32 plen;
  int n = get_varint (p, len, &plen);

  if (n <= 0 || len - n < plen)
    return 0;
  if ((receive_maximum != NULL || maximum_qos != NULL)
      && !read_properties (p + n, plen, receive_maximum, maximum_qos))
    return 0;
  return n + plen;
}

gboolean
bd_bench_mqtt_read_connack (const BdBenchPacket *packet,
                            int                  version,
                            BdBenchConnack      *out)
{
  const guint8 *p = packet->body;
  gsize len = packet->body_len;

  out->receive_maximum = 65535;
  out->maximum_qos = 2;
  if (len < 2)
    return FALSE;
  out->session_present = p[0] & 1;
  out->reason = p[1];
  if (version == 5 && len > 2)
    {
      /* [MQTT-3.2.2-x] Receive Maximum absent means 65535; Maximum QoS absent means 2. */
      if (skip_properties (p + 2, len - 2, &out->receive_maximum, &out->maximum_qos) == 0)
        return FALSE;
      if (out->receive_maximum == 0)
        return FALSE; /* a value of 0 is a protocol error [MQTT 3.2.2.3.3] */
    }
  return TRUE;
}

gboolean
bd_bench_mqtt_read_publish (const BdBenchPacket *packet,
                            int                  version,
                            BdBenchPublish      *out)
{
  const guint8 *p = packet->body;
  const guint8 *end = p + packet->body_len;
  gsize tlen;

  out->qos = (packet->flags >> 1) & 3;
  out->dup = (packet->flags & 0x08) != 0;
  if (out->qos == 3 || end - p < 2)
    return FALSE;
  tlen = (p[0] << 8) | p[1];
  p += 2;
  if ((gsize) (end - p) < tlen)
    return FALSE;
  out->topic = p;
  out->topic_len = tlen;
  p += tlen;
  out->packet_id = 0;
  if (out->qos > 0)
    {
      if (end - p < 2)
        return FALSE;
      out->packet_id = (p[0] << 8) | p[1];
      p += 2;
    }
  if (version == 5)
    {
      gsize n = skip_properties (p, end - p, NULL, NULL);

      if (n == 0)
        return FALSE;
      p += n;
    }
  out->payload = p;
  out->payload_len = end - p;
  return TRUE;
}

gboolean
bd_bench_mqtt_read_ack (const BdBenchPacket *packet,
                        int                  version,
                        guint16             *packet_id,
                        guint               *reason)
{
  const guint8 *p = packet->body;
  gsize len = packet->body_len;

  if (len < 2)
    return FALSE;
  *packet_id = (p[0] << 8) | p[1];
  *reason = 0;
  if (packet->type == BD_BENCH_SUBACK)
    {
      gsize off = 2;

      if (version == 5)
        {
          gsize n = skip_properties (p + 2, len - 2, NULL, NULL);

          if (n == 0)
            return FALSE;
          off += n;
        }
      if (len <= off)
        return FALSE;
      *reason = p[off];
    }
  else if (len > 2)
    *reason = p[2];
  return TRUE;
}
