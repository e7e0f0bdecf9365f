/* bd-bench-mqtt.h — the few MQTT 3.1.1 / 5.0 client packets the load generator needs
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * This is deliberately *not* the broker's codec (src/engine/codec): a benchmark
 * that shares the broker's encoder and decoder would share its bugs, and would
 * agree with the broker about anything it gets wrong. Only what a client sends
 * and receives in the scenarios is here, written for speed: packets are
 * appended to a flat byte buffer, and received bytes are split into packets
 * without copying.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

enum
{
  BD_BENCH_CONNECT    = 1,
  BD_BENCH_CONNACK    = 2,
  BD_BENCH_PUBLISH    = 3,
  BD_BENCH_PUBACK     = 4,
  BD_BENCH_PUBREC     = 5,
  BD_BENCH_PUBREL     = 6,
  BD_BENCH_PUBCOMP    = 7,
  BD_BENCH_SUBSCRIBE  = 8,
  BD_BENCH_SUBACK     = 9,
  BD_BENCH_PINGREQ    = 12,
  BD_BENCH_PINGRESP   = 13,
  BD_BENCH_DISCONNECT = 14,
  BD_BENCH_AUTH       = 15,
};

/* A growable byte buffer. For output, [pos, len) is still to be written; for
 * input, [0, len) has been read and not yet parsed. */
typedef struct
{
  guint8 *data;
  gsize   pos;
  gsize   len;
  gsize   cap;
} BdBenchBuf;

void    bd_bench_buf_init    (BdBenchBuf *buf,
                              gsize       cap);
void    bd_bench_buf_clear   (BdBenchBuf *buf);
/* Room for at least @n more bytes at data + len (compacting or growing). */
guint8 *bd_bench_buf_reserve (BdBenchBuf *buf,
                              gsize       n);
/* Drops [0, n) of the input buffer and moves the rest to the front. */
void    bd_bench_buf_consume (BdBenchBuf *buf,
                              gsize       n);

static inline gsize
bd_bench_buf_pending (const BdBenchBuf *buf)
{
  return buf->len - buf->pos;
}

/* One control packet in a receive buffer; body points into that buffer. */
typedef struct
{
  guint         type;  /* BD_BENCH_CONNECT … */
  guint         flags; /* low nibble of the first byte */
  const guint8 *body;
  gsize         body_len;
} BdBenchPacket;

typedef enum
{
  BD_BENCH_PARSE_MORE = 0,
  BD_BENCH_PARSE_OK = 1,
  BD_BENCH_PARSE_MALFORMED = -1,
} BdBenchParse;

/* Splits the next packet off data[0, len); *consumed is its full size. */
BdBenchParse bd_bench_mqtt_next (const guint8  *data,
                                 gsize          len,
                                 BdBenchPacket *packet,
                                 gsize         *consumed);

/* Writers: each appends one complete packet to @buf. @version is 4 (3.1.1) or 5. */
void bd_bench_mqtt_write_connect    (BdBenchBuf   *buf,
                                     int           version,
                                     const char   *client_id,
                                     guint16       keepalive);
/* A CONNECT for a persistent session when @session_expiry > 0: Clean Session
 * 0 in 3.1.1, Clean Start 0 and a Session Expiry Interval in 5.0. */
void bd_bench_mqtt_write_connect_session (BdBenchBuf *buf,
                                          int         version,
                                          const char *client_id,
                                          guint16     keepalive,
                                          guint32     session_expiry);
void bd_bench_mqtt_write_subscribe  (BdBenchBuf   *buf,
                                     int           version,
                                     guint16       packet_id,
                                     const char   *filter,
                                     int           qos);
void bd_bench_mqtt_write_publish    (BdBenchBuf   *buf,
                                     int           version,
                                     const char   *topic,
                                     gsize         topic_len,
                                     int           qos,
                                     guint16       packet_id,
                                     const guint8 *payload,
                                     gsize         payload_len);
/* PUBACK, PUBREC, PUBREL or PUBCOMP with reason "success": the two-byte form
 * is valid in both versions ([MQTT-3.4.2-1] in 5.0 lets the reason code and
 * properties be omitted when the code is 0x00). */
void bd_bench_mqtt_write_ack        (BdBenchBuf   *buf,
                                     guint         type,
                                     guint16       packet_id);
void bd_bench_mqtt_write_pingreq    (BdBenchBuf   *buf);
void bd_bench_mqtt_write_disconnect (BdBenchBuf   *buf);

/* Readers: decode the body of a packet already split by bd_bench_mqtt_next().
 * They return FALSE on a malformed body. */
typedef struct
{
  guint   reason;          /* 3.1.1 return code or 5.0 reason code */
  gboolean session_present;
  guint   receive_maximum; /* 5.0 property 0x21; 65535 when absent */
  guint   maximum_qos;     /* 5.0 property 0x24; 2 when absent */
} BdBenchConnack;

typedef struct
{
  const guint8 *topic;
  gsize         topic_len;
  guint         qos;
  gboolean      dup;
  guint16       packet_id;
  const guint8 *payload;
  gsize         payload_len;
} BdBenchPublish;

gboolean bd_bench_mqtt_read_connack (const BdBenchPacket *packet,
                                     int                  version,
                                     BdBenchConnack      *out);
gboolean bd_bench_mqtt_read_publish (const BdBenchPacket *packet,
                                     int                  version,
                                     BdBenchPublish      *out);
/* PUBACK/PUBREC/PUBREL/PUBCOMP, and the packet id plus first reason code of SUBACK. */
gboolean bd_bench_mqtt_read_ack     (const BdBenchPacket *packet,
                                     int                  version,
                                     guint16             *packet_id,
                                     guint               *reason);

G_END_DECLS
