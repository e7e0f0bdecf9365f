/* bd-mqtt-utf8.c — the MQTT rules for UTF-8 Encoded Strings
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "bd-mqtt.h"

gboolean
bd_mqtt_utf8_valid (const char *str,
                    gsize       len)
{
  gsize i;

  g_return_val_if_fail (str != NULL || len == 0, FALSE);

  /* The length prefix is a Two Byte Integer [MQTT-1.5.3] */
  if (len > G_MAXUINT16)
    return FALSE;
  if (len == 0)
    return TRUE;

  /* Most topics, client identifiers and property names are ASCII: check that
   * first, eight bytes at a time, with NUL as the only ASCII byte MQTT
   * forbids. A word has a zero byte iff (w - 0x01..01) & ~w & 0x80..80. */
  i = 0;
  for (; i + 8 <= len; i += 8)
    {
      guint64 w;

      memcpy (&w, str + i, 8);
      if ((w & G_GUINT64_CONSTANT (0x8080808080808080)) != 0)
        break;
      if (((w - G_GUINT64_CONSTANT (0x0101010101010101)) & ~w &
           G_GUINT64_CONSTANT (0x8080808080808080)) != 0)
        return FALSE; /* U+0000 [MQTT-1.5.3-2] */
    }

  for (; i < len; i++)
    {
      guchar c = (guchar) str[i];

      if (c == 0)
        return FALSE; /* U+0000 [MQTT-1.5.3-2] */
      if (c >= 0x80)
        {
          /* GLib rejects overlong forms, surrogates U+D800..U+DFFF, code
           * points above U+10FFFF and truncated sequences [MQTT-1.5.3-1].
           * With a positive max_len it also rejects NUL bytes, which covers
           * [MQTT-1.5.3-2] for the rest of the string. */
          return g_utf8_validate_len (str + i, len - i, NULL);
        }
    }

  return TRUE;
}
