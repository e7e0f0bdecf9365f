/* fuzz-decode.c — libFuzzer target for the MQTT fixed header parser and decoder
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The input is a byte stream as a client could send it. For each protocol
 * version it is cut into packets with bd_mqtt_frame_parse() and each packet is
 * decoded. Whatever decodes must re-encode, the encoding must be as long as
 * bd_mqtt_encoded_size() says, it must decode again, and encoding that must
 * give the same bytes: the encoder's output is a fixed point of the codec.
 * Any failure of those, any GLib critical or warning, any sanitizer report or
 * leak is a crash.
 */

#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bd-mqtt.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void G_GNUC_NORETURN
fuzz_fail (const char *what,
           GError     *error)
{
  g_printerr ("fuzz-decode: %s%s%s\n", what, error ? ": " : "", error ? error->message : "");
  abort ();
}

static void
check_round_trip (BdMqttVersion       version,
                  const BdMqttPacket *packet)
{
  g_autoptr(GByteArray) first = g_byte_array_new ();
  g_autoptr(GByteArray) second = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  BdMqttPacket again;
  BdMqttFrame frame;

  /* A CONNECT carries its own version */
  if (packet->type == BD_MQTT_CONNECT)
    version = packet->connect.version;

  if (!bd_mqtt_encode (version, packet, first, &error))
    fuzz_fail ("a decoded packet does not encode", error);
  if (first->len != bd_mqtt_encoded_size (version, packet))
    fuzz_fail ("bd_mqtt_encoded_size() disagrees with bd_mqtt_encode()", NULL);

  if (bd_mqtt_frame_parse (first->data, first->len, &frame, &error) != BD_MQTT_FRAME_COMPLETE ||
      frame.header_length + frame.remaining_length != first->len)
    fuzz_fail ("an encoded packet does not frame", error);
  if (frame.type != packet->type)
    fuzz_fail ("the encoded packet type changed", NULL);

  if (!bd_mqtt_decode (version, &frame, first->data + frame.header_length,
                       frame.remaining_length, &again, &error))
    fuzz_fail ("an encoded packet does not decode", error);

  if (!bd_mqtt_encode (version, &again, second, &error))
    fuzz_fail ("a re-decoded packet does not encode", error);
  if (first->len != second->len || memcmp (first->data, second->data, first->len) != 0)
    fuzz_fail ("encode (decode (encode (p))) differs from encode (p)", NULL);

  bd_mqtt_packet_clear (&again);
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  /* A critical is a bug here: a g_return_if_fail() reached from the wire */
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static const BdMqttVersion versions[] = { BD_MQTT_V31, BD_MQTT_V311, BD_MQTT_V5 };
  gboolean utf8_expected;

  /* The codec's UTF-8 check (with its word-at-a-time ASCII scan) against
   * GLib's plus the two MQTT rules: no U+0000, at most 65535 bytes. */
  utf8_expected = size <= G_MAXUINT16 && (size == 0 || memchr (data, 0, size) == NULL) &&
                  g_utf8_validate_len ((const char *) data, size, NULL);
  if (bd_mqtt_utf8_valid ((const char *) data, size) != utf8_expected)
    fuzz_fail ("bd_mqtt_utf8_valid() disagrees with g_utf8_validate_len()", NULL);

  for (guint v = 0; v < G_N_ELEMENTS (versions); v++)
    {
      const guint8 *p = data;
      gsize left = size;

      /* A stream may hold several packets; stop at the first that is
       * incomplete or whose fixed header is bad. */
      while (left > 0)
        {
          g_autoptr(GError) error = NULL;
          BdMqttFrameStatus status;
          BdMqttFrame frame;
          BdMqttPacket packet;
          gsize total;
          guint8 *body;

          status = bd_mqtt_frame_parse (p, left, &frame, &error);
          if (status == BD_MQTT_FRAME_ERROR)
            {
              if (error == NULL)
                fuzz_fail ("FRAME_ERROR without an error", NULL);
              break;
            }
          if (error != NULL)
            fuzz_fail ("an error set without FRAME_ERROR", error);
          if (status == BD_MQTT_FRAME_INCOMPLETE)
            break;

          /* An exact-size copy, so ASan sees any read past the body */
          total = frame.header_length + (gsize) frame.remaining_length;
          body = g_memdup2 (p + frame.header_length, frame.remaining_length);

          if (bd_mqtt_decode (versions[v], &frame, body, frame.remaining_length, &packet,
                              &error))
            {
              if (error != NULL)
                fuzz_fail ("an error set on success", error);
              check_round_trip (versions[v], &packet);
            }
          else if (error == NULL || error->domain != BD_CODEC_ERROR)
            {
              fuzz_fail ("a failed decode without a codec error", error);
            }

          bd_mqtt_packet_clear (&packet);
          g_free (body);
          p += total;
          left -= total;
        }
    }

  return 0;
}
