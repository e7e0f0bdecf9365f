/* test-bd-bench-mqtt.c — the load generator's own packet writers and readers
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * bd-bench deliberately does not share the broker's codec, so its few packets
 * get their own checks here: exact bytes for what it writes, and the 5.0
 * property walking for what it reads.
 */

#include "config.h"

#include <string.h>

#include "bd-bench-mqtt.h"

static void
assert_bytes (const BdBenchBuf *buf,
              const guint8     *expected,
              gsize             len)
{
  g_assert_cmpmem (buf->data + buf->pos, buf->len - buf->pos, expected, len);
}

static void
test_connect (void)
{
  /* [MQTT-3.1.2-*]: name "MQTT", level, flags (Clean Session), keep alive, client id */
  static const guint8 v4[] = { 0x10, 14, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x02, 0, 60,
                               0, 2, 'c', '1' };
  static const guint8 v5[] = { 0x10, 15, 0, 4, 'M', 'Q', 'T', 'T', 5, 0x02, 0, 60,
                               0, 0, 2, 'c', '1' };
  BdBenchBuf buf;

  bd_bench_buf_init (&buf, 16);
  bd_bench_mqtt_write_connect (&buf, 4, "c1", 60);
  assert_bytes (&buf, v4, sizeof v4);
  buf.len = 0;
  bd_bench_mqtt_write_connect (&buf, 5, "c1", 60);
  assert_bytes (&buf, v5, sizeof v5);
  bd_bench_buf_clear (&buf);
}

static void
test_connect_session (void)
{
  /* A persistent session: Clean Session 0 [MQTT-3.1.2-4]; in 5.0 Clean Start 0
   * and a Session Expiry Interval (0x11, four-byte integer) [MQTT-3.1.2-23]. */
  static const guint8 v4[] = { 0x10, 14, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x00, 0, 60,
                               0, 2, 'c', '1' };
  static const guint8 v5[] = { 0x10, 20, 0, 4, 'M', 'Q', 'T', 'T', 5, 0x00, 0, 60,
                               5, 0x11, 0x00, 0x01, 0x51, 0x80, 0, 2, 'c', '1' };
  BdBenchBuf buf;

  bd_bench_buf_init (&buf, 16);
  bd_bench_mqtt_write_connect_session (&buf, 4, "c1", 60, 86400);
  assert_bytes (&buf, v4, sizeof v4);
  buf.len = 0;
  bd_bench_mqtt_write_connect_session (&buf, 5, "c1", 60, 86400);
  assert_bytes (&buf, v5, sizeof v5);
  bd_bench_buf_clear (&buf);
}

static void
test_subscribe_and_acks (void)
{
  /* SUBSCRIBE's fixed header flags are 0010 [MQTT-3.8.1-1], PUBREL's too [MQTT-3.6.1-1]. */
  static const guint8 sub4[] = { 0x82, 8, 0, 1, 0, 3, 'a', '/', '#', 1 };
  static const guint8 sub5[] = { 0x82, 9, 0, 1, 0, 0, 3, 'a', '/', '#', 2 };
  static const guint8 acks[] = { 0x40, 2, 0x12, 0x34, 0x50, 2, 0, 1, 0x62, 2, 0, 1,
                                 0x70, 2, 0xff, 0xff, 0xc0, 0, 0xe0, 0 };
  BdBenchBuf buf;

  bd_bench_buf_init (&buf, 4);
  bd_bench_mqtt_write_subscribe (&buf, 4, 1, "a/#", 1);
  assert_bytes (&buf, sub4, sizeof sub4);
  buf.len = 0;
  bd_bench_mqtt_write_subscribe (&buf, 5, 1, "a/#", 2);
  assert_bytes (&buf, sub5, sizeof sub5);
  buf.len = 0;
  bd_bench_mqtt_write_ack (&buf, BD_BENCH_PUBACK, 0x1234);
  bd_bench_mqtt_write_ack (&buf, BD_BENCH_PUBREC, 1);
  bd_bench_mqtt_write_ack (&buf, BD_BENCH_PUBREL, 1);
  bd_bench_mqtt_write_ack (&buf, BD_BENCH_PUBCOMP, 0xffff);
  bd_bench_mqtt_write_pingreq (&buf);
  bd_bench_mqtt_write_disconnect (&buf);
  assert_bytes (&buf, acks, sizeof acks);
  bd_bench_buf_clear (&buf);
}

static void
test_publish_round_trip (void)
{
  guint8 payload[300];
  BdBenchBuf buf;

  memset (payload, 0xab, sizeof payload);
  bd_bench_buf_init (&buf, 8);
  for (int version = 4; version <= 5; version++)
    for (int qos = 0; qos <= 2; qos++)
      {
        BdBenchPacket packet;
        BdBenchPublish pub;
        gsize used = 0;

        buf.len = buf.pos = 0;
        bd_bench_mqtt_write_publish (&buf, version, "t/x", 3, qos, qos ? 77 : 0,
                                     payload, sizeof payload);
        /* 300 bytes of payload need a two-byte remaining length */
        g_assert_cmpuint (buf.data[2] & 0x80, ==, 0);
        g_assert_cmpuint (buf.data[1] & 0x80, ==, 0x80);
        g_assert_cmpint (bd_bench_mqtt_next (buf.data, buf.len, &packet, &used), ==,
                         BD_BENCH_PARSE_OK);
        g_assert_cmpuint (used, ==, buf.len);
        g_assert_cmpuint (packet.type, ==, BD_BENCH_PUBLISH);
        g_assert_true (bd_bench_mqtt_read_publish (&packet, version, &pub));
        g_assert_cmpuint (pub.qos, ==, (guint) qos);
        g_assert_cmpuint (pub.packet_id, ==, qos ? 77 : 0);
        g_assert_cmpmem (pub.topic, pub.topic_len, "t/x", 3);
        g_assert_cmpmem (pub.payload, pub.payload_len, payload, sizeof payload);

        /* every proper prefix is incomplete, never malformed */
        for (gsize n = 0; n < buf.len; n++)
          g_assert_cmpint (bd_bench_mqtt_next (buf.data, n, &packet, &used), ==,
                           BD_BENCH_PARSE_MORE);
      }
  bd_bench_buf_clear (&buf);
}

static void
test_remaining_length (void)
{
  /* The largest four-byte Variable Byte Integer, then a fifth byte [MQTT-1.5.5-1]. */
  static const guint8 four[] = { 0x30, 0xff, 0xff, 0xff, 0x7f };
  static const guint8 five[] = { 0x30, 0xff, 0xff, 0xff, 0xff, 0x01 };
  BdBenchPacket packet;
  gsize used;

  g_assert_cmpint (bd_bench_mqtt_next (four, sizeof four, &packet, &used), ==,
                   BD_BENCH_PARSE_MORE);
  g_assert_cmpint (bd_bench_mqtt_next (five, sizeof five, &packet, &used), ==,
                   BD_BENCH_PARSE_MALFORMED);
}

static void
test_connack_properties (void)
{
  /* Receive Maximum 20, Maximum QoS 1, a Reason String and a User Property
   * that must be skipped, Topic Alias Maximum. */
  static const guint8 body[] = { 0x00, 0x00, 20,
                                 0x21, 0, 20,
                                 0x24, 1,
                                 0x1f, 0, 2, 'h', 'i',
                                 0x26, 0, 1, 'k', 0, 1, 'v',
                                 0x22, 0, 10 };
  static const guint8 unknown[] = { 0x00, 0x00, 2, 0x7f, 0 };
  static const guint8 v4[] = { 0x01, 0x05 };
  BdBenchPacket packet = { BD_BENCH_CONNACK, 0, body, sizeof body };
  BdBenchConnack ack;

  g_assert_true (bd_bench_mqtt_read_connack (&packet, 5, &ack));
  g_assert_cmpuint (ack.reason, ==, 0);
  g_assert_cmpuint (ack.receive_maximum, ==, 20);
  g_assert_cmpuint (ack.maximum_qos, ==, 1);

  packet.body = unknown;
  packet.body_len = sizeof unknown;
  g_assert_false (bd_bench_mqtt_read_connack (&packet, 5, &ack));

  packet.body = v4;
  packet.body_len = sizeof v4;
  g_assert_true (bd_bench_mqtt_read_connack (&packet, 4, &ack));
  g_assert_true (ack.session_present);
  g_assert_cmpuint (ack.reason, ==, 5);
  g_assert_cmpuint (ack.receive_maximum, ==, 65535);
}

static void
test_read_acks (void)
{
  static const guint8 suback5[] = { 0, 9, 5, 0x1f, 0, 2, 'n', 'o', 0x80 };
  static const guint8 suback4[] = { 0, 9, 1 };
  static const guint8 pubrec5[] = { 0, 3, 0x97, 0 };
  BdBenchPacket packet = { BD_BENCH_SUBACK, 0, suback5, sizeof suback5 };
  guint16 id;
  guint reason;

  g_assert_true (bd_bench_mqtt_read_ack (&packet, 5, &id, &reason));
  g_assert_cmpuint (id, ==, 9);
  g_assert_cmpuint (reason, ==, 0x80);

  packet.body = suback4;
  packet.body_len = sizeof suback4;
  g_assert_true (bd_bench_mqtt_read_ack (&packet, 4, &id, &reason));
  g_assert_cmpuint (reason, ==, 1);

  packet.type = BD_BENCH_PUBREC;
  packet.body = pubrec5;
  packet.body_len = sizeof pubrec5;
  g_assert_true (bd_bench_mqtt_read_ack (&packet, 5, &id, &reason));
  g_assert_cmpuint (id, ==, 3);
  g_assert_cmpuint (reason, ==, 0x97); /* Quota exceeded */

  packet.body_len = 1;
  g_assert_false (bd_bench_mqtt_read_ack (&packet, 5, &id, &reason));
}

static void
test_buffer_compaction (void)
{
  BdBenchBuf buf;
  guint8 *p;

  bd_bench_buf_init (&buf, 16);
  p = bd_bench_buf_reserve (&buf, 12);
  memset (p, 'a', 12);
  buf.len = 12;
  buf.pos = 10; /* ten bytes already sent */
  p = bd_bench_buf_reserve (&buf, 12);
  /* the sent bytes were reclaimed instead of growing the buffer */
  g_assert_cmpuint (buf.cap, ==, 16);
  g_assert_cmpuint (buf.pos, ==, 0);
  g_assert_cmpuint (buf.len, ==, 2);
  g_assert_true (p == buf.data + 2);
  bd_bench_buf_consume (&buf, 1);
  g_assert_cmpuint (buf.len, ==, 1);
  bd_bench_buf_clear (&buf);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/bench/mqtt/connect", test_connect);
  g_test_add_func ("/bench/mqtt/connect-session", test_connect_session);
  g_test_add_func ("/bench/mqtt/subscribe-and-acks", test_subscribe_and_acks);
  g_test_add_func ("/bench/mqtt/publish-round-trip", test_publish_round_trip);
  g_test_add_func ("/bench/mqtt/remaining-length", test_remaining_length);
  g_test_add_func ("/bench/mqtt/connack-properties", test_connack_properties);
  g_test_add_func ("/bench/mqtt/read-acks", test_read_acks);
  g_test_add_func ("/bench/mqtt/buffer-compaction", test_buffer_compaction);
  return g_test_run ();
}
