/* bd-websocket-codec.c — RFC 6455 frames and handshake values, both sides
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "bd-websocket-codec.h"

G_DEFINE_QUARK (bd-websocket-error-quark, bd_websocket_error)

guint
bd_websocket_header_encode (guint8            *hdr,
                            gboolean           fin,
                            BdWebsocketOpcode  opcode,
                            guint64            payload_len,
                            const guint8      *mask)
{
  guint n = 2;

  hdr[0] = (fin ? 0x80 : 0) | opcode;
  if (payload_len < 126)
    hdr[1] = payload_len;
  else if (payload_len <= G_MAXUINT16)
    {
      hdr[1] = 126;
      hdr[2] = payload_len >> 8;
      hdr[3] = payload_len;
      n = 4;
    }
  else
    {
      hdr[1] = 127;
      for (guint i = 0; i < 8; i++)
        hdr[2 + i] = payload_len >> (56 - 8 * i);
      n = 10;
    }
  if (mask != NULL)
    {
      hdr[1] |= 0x80;
      memcpy (hdr + n, mask, 4);
      n += 4;
    }
  return n;
}

void
bd_websocket_mask (guint8       *data,
                   gsize         len,
                   const guint8 *mask,
                   guint64       offset)
{
  for (gsize i = 0; i < len; i++)
    data[i] ^= mask[(offset + i) & 3];
}

void
bd_websocket_frame_append (GByteArray        *out,
                           gboolean           fin,
                           BdWebsocketOpcode  opcode,
                           const guint8      *payload,
                           gsize              len,
                           const guint8      *mask)
{
  guint8 hdr[BD_WEBSOCKET_HEADER_MAX];
  guint start;

  g_byte_array_append (out, hdr, bd_websocket_header_encode (hdr, fin, opcode, len, mask));
  start = out->len;
  if (len > 0)
    g_byte_array_append (out, payload, len);
  if (mask != NULL)
    bd_websocket_mask (out->data + start, len, mask, 0);
}

char *
bd_websocket_accept_key (const char *key)
{
  g_autoptr(GChecksum) sha1 = g_checksum_new (G_CHECKSUM_SHA1);
  guint8 digest[20];
  gsize digest_len = sizeof digest;

  g_checksum_update (sha1, (const guchar *) key, -1);
  g_checksum_update (sha1, (const guchar *) BD_WEBSOCKET_GUID, -1);
  g_checksum_get_digest (sha1, digest, &digest_len);
  return g_base64_encode (digest, digest_len);
}

char *
bd_websocket_header_value (char       **lines,
                           const char  *name)
{
  gsize len = strlen (name);

  for (guint i = 1; lines[0] != NULL && lines[i] != NULL; i++)
    if (g_ascii_strncasecmp (lines[i], name, len) == 0 && lines[i][len] == ':')
      return g_strstrip (g_strdup (lines[i] + len + 1));
  return NULL;
}

gboolean
bd_websocket_list_has (const char *list,
                       const char *token)
{
  g_auto(GStrv) items = NULL;

  if (list == NULL)
    return FALSE;
  items = g_strsplit (list, ",", -1);
  for (guint i = 0; items[i] != NULL; i++)
    if (g_ascii_strcasecmp (g_strstrip (items[i]), token) == 0)
      return TRUE;
  return FALSE;
}

/* ---------------------------------------------------------------- decoder */

void
bd_websocket_decoder_init (BdWebsocketDecoder *decoder,
                           gboolean            masked,
                           gboolean            fragments,
                           guint64             frame_max)
{
  memset (decoder, 0, sizeof *decoder);
  decoder->masked = masked;
  decoder->fragments = fragments;
  decoder->frame_max = frame_max;
  decoder->control = g_byte_array_new ();
}

void
bd_websocket_decoder_clear (BdWebsocketDecoder *decoder)
{
  g_clear_pointer (&decoder->control, g_byte_array_unref);
}

/* Bytes of a frame header whose first two bytes are @hdr. */
static guint
header_length (const guint8 *hdr)
{
  guint8 len = hdr[1] & 0x7f;

  return 2 + (len == 126 ? 2 : len == 127 ? 8 : 0) + (hdr[1] & 0x80 ? 4 : 0);
}

static gboolean
fail (GError     **error,
      guint        code,
      const char  *why)
{
  g_set_error_literal (error, BD_WEBSOCKET_ERROR, code, why);
  return FALSE;
}

/* The first two bytes of a header are in: what they say about masking and
 * the reserved bits. */
static gboolean
check_first_bytes (BdWebsocketDecoder  *d,
                   GError             **error)
{
  gboolean masked = (d->hdr[1] & 0x80) != 0;

  /* RFC 6455 5.1: a client masks every frame, a server none. */
  if (d->masked && !masked)
    return fail (error, 1002, "WebSocket: unmasked frame from the client");
  if (!d->masked && masked)
    return fail (error, 1002, "WebSocket: masked frame from the server");
  /* No extension was negotiated, so no reserved bit may be set. */
  if (d->hdr[0] & 0x70)
    return fail (error, 1002, "WebSocket: reserved bits set");
  return TRUE;
}

/* A frame's header is complete: checks it and starts its payload. */
static gboolean
start_frame (BdWebsocketDecoder  *d,
             GError             **error)
{
  guint need = header_length (d->hdr);
  gboolean fin = (d->hdr[0] & 0x80) != 0;
  guint8 opcode = d->hdr[0] & 0x0f;
  guint64 len = d->hdr[1] & 0x7f;

  if (len == 126)
    len = (d->hdr[2] << 8) | d->hdr[3];
  else if (len == 127)
    {
      len = 0;
      for (guint i = 0; i < 8; i++)
        len = (len << 8) | d->hdr[2 + i];
      /* RFC 6455 5.2: the most significant bit must be 0. */
      if (len >> 63)
        return fail (error, 1002, "WebSocket: frame length of 2^63 or more");
    }
  if (d->hdr[1] & 0x80)
    memcpy (d->mask, d->hdr + need - 4, 4);

  if (opcode >= BD_WEBSOCKET_OP_CLOSE)
    {
      /* RFC 6455 5.5: control frames are short and never fragmented, and
       * may come between the fragments of a message. */
      if (!fin || len > 125)
        return fail (error, 1002, "WebSocket: fragmented or long control frame");
      if (opcode > BD_WEBSOCKET_OP_PONG)
        return fail (error, 1002, "WebSocket: unknown control opcode");
      g_byte_array_set_size (d->control, 0);
    }
  else if (!d->fragments && (!fin || opcode == BD_WEBSOCKET_OP_CONTINUATION))
    return fail (error, 1003, "WebSocket: fragmented frames are not supported");
  else if (opcode == BD_WEBSOCKET_OP_TEXT)
    /* [MQTT-6.0.0-1]: MQTT goes in binary frames only. */
    return fail (error, 1003, "WebSocket: text frame (MQTT needs binary frames)");
  else if (opcode == BD_WEBSOCKET_OP_CONTINUATION && !d->in_message)
    return fail (error, 1002, "WebSocket: continuation frame without a message");
  else if (opcode == BD_WEBSOCKET_OP_BINARY && d->in_message)
    return fail (error, 1002, "WebSocket: new message before the last one ended");
  else if (opcode != BD_WEBSOCKET_OP_BINARY && opcode != BD_WEBSOCKET_OP_CONTINUATION)
    return fail (error, 1002, "WebSocket: unknown opcode");
  else if (d->frame_max > 0 && len > d->frame_max)
    {
      g_set_error (error, BD_WEBSOCKET_ERROR, 1009,
                   "WebSocket: frame of %" G_GUINT64_FORMAT " bytes is too large", len);
      return FALSE;
    }

  if (opcode < BD_WEBSOCKET_OP_CLOSE)
    d->in_message = !fin;
  d->opcode = opcode;
  d->fin = fin;
  d->remaining = len;
  d->offset = 0;
  d->hdr_len = 0;
  d->in_payload = TRUE;
  return TRUE;
}

BdWebsocketDecodeStatus
bd_websocket_decode (BdWebsocketDecoder  *d,
                     const guint8        *in,
                     gsize                in_len,
                     gsize               *consumed,
                     guint8              *out,
                     gsize               *out_len,
                     GError             **error)
{
  BdWebsocketDecodeStatus status = BD_WEBSOCKET_DECODE_MORE;
  gboolean masked;
  gsize i = 0;
  gsize o = 0;

  while (i < in_len)
    {
      if (!d->in_payload)
        {
          d->hdr[d->hdr_len++] = in[i++];
          if (d->hdr_len == 2 && !check_first_bytes (d, error))
            {
              status = BD_WEBSOCKET_DECODE_ERROR;
              break;
            }
          if (d->hdr_len < 2 || d->hdr_len < header_length (d->hdr))
            continue;
          if (!start_frame (d, error))
            {
              status = BD_WEBSOCKET_DECODE_ERROR;
              break;
            }
        }
      else
        {
          gsize take = MIN (d->remaining, in_len - i);
          guint8 *dest;

          masked = (d->hdr[1] & 0x80) != 0;
          if (d->opcode >= BD_WEBSOCKET_OP_CLOSE)
            {
              g_byte_array_append (d->control, in + i, take);
              dest = d->control->data + d->control->len - take;
            }
          else
            {
              /* @out may be @in, never ahead of it. */
              memmove (out + o, in + i, take);
              dest = out + o;
              o += take;
            }
          if (masked)
            bd_websocket_mask (dest, take, d->mask, d->offset);
          i += take;
          d->offset += take;
          d->remaining -= take;
        }
      if (d->in_payload && d->remaining == 0)
        {
          d->in_payload = FALSE;
          if (d->opcode >= BD_WEBSOCKET_OP_CLOSE)
            {
              status = BD_WEBSOCKET_DECODE_CONTROL;
              break;
            }
        }
    }
  *consumed = i;
  *out_len = o;
  return status;
}
