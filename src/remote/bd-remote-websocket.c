/* bd-remote-websocket.c — the client side of MQTT over WebSocket (RFC 6455)
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "bd-remote-client.h"
#include "bd-remote-websocket.h"

/* An HTTP answer longer than this is not a WebSocket server's. */
#define RESPONSE_MAX   8192
/* Frames out at most this long, as the broker's own WebSocket side. */
#define OUT_FRAME_MAX  (256 * 1024)
/* Above the largest MQTT packet (256 MiB + 5). */
#define FRAME_MAX      ((guint64) 268435460)

BdRemoteWebsocket *
bd_remote_websocket_new (void)
{
  BdRemoteWebsocket *ws = g_new0 (BdRemoteWebsocket, 1);
  guint8 nonce[16];

  /* RFC 6455 4.1: a random 16-byte nonce, base64-encoded, per connection. */
  for (guint i = 0; i < sizeof nonce; i++)
    nonce[i] = g_random_int_range (0, 256);
  ws->key = g_base64_encode (nonce, sizeof nonce);
  /* Frames from a server are unmasked; a message may come in fragments. */
  bd_websocket_decoder_init (&ws->decoder, FALSE, TRUE, FRAME_MAX);
  return ws;
}

void
bd_remote_websocket_free (BdRemoteWebsocket *ws)
{
  if (ws == NULL)
    return;
  g_free (ws->key);
  g_clear_pointer (&ws->response, g_byte_array_unref);
  bd_websocket_decoder_clear (&ws->decoder);
  g_free (ws);
}

void
bd_remote_websocket_request (BdRemoteWebsocket *ws,
                             GByteArray        *out,
                             const char        *host,
                             guint16            port,
                             const char        *path)
{
  g_autofree char *request = NULL;
  gboolean ipv6 = strchr (host, ':') != NULL;

  /* [MQTT-6.0.0-4]: the client asks for the "mqtt" subprotocol. */
  request = g_strdup_printf ("GET %s HTTP/1.1\r\n"
                             "Host: %s%s%s:%u\r\n"
                             "Upgrade: websocket\r\n"
                             "Connection: Upgrade\r\n"
                             "Sec-WebSocket-Key: %s\r\n"
                             "Sec-WebSocket-Version: 13\r\n"
                             "Sec-WebSocket-Protocol: mqtt\r\n\r\n",
                             path != NULL && path[0] != '\0' ? path : "/mqtt",
                             ipv6 ? "[" : "", host, ipv6 ? "]" : "", port, ws->key);
  g_byte_array_append (out, (const guint8 *) request, strlen (request));
}

/* Checks the server's answer (the head, without its blank line). */
static gboolean
check_response (BdRemoteWebsocket  *ws,
                const char         *head,
                GError            **error)
{
  g_auto(GStrv) lines = g_strsplit (head, "\r\n", -1);
  g_autofree char *upgrade = bd_websocket_header_value (lines, "Upgrade");
  g_autofree char *connection = bd_websocket_header_value (lines, "Connection");
  g_autofree char *accept = bd_websocket_header_value (lines, "Sec-WebSocket-Accept");
  g_autofree char *protocol = bd_websocket_header_value (lines, "Sec-WebSocket-Protocol");
  g_autofree char *expected = bd_websocket_accept_key (ws->key);
  const char *status = lines[0];
  guint code = 0;

  /* A web server without WebSocket may well answer in HTTP/1.0. */
  if (!g_str_has_prefix (status, "HTTP/1.") || !g_ascii_isdigit (status[7]) || status[8] != ' ' ||
      sscanf (status + 9, "%3u", &code) != 1)
    {
      g_set_error (error, BD_REMOTE_ERROR, BD_REMOTE_ERROR_PROTOCOL,
                   "WebSocket upgrade failed: not an HTTP answer");
      return FALSE;
    }
  if (code != 101)
    {
      /* A 4xx (wrong path, no WebSocket there, forbidden) stays so until
       * the configuration changes; a 5xx may pass. */
      g_set_error (error, BD_REMOTE_ERROR,
                   code >= 400 && code < 500 ? BD_REMOTE_ERROR_REFUSED : BD_REMOTE_ERROR_PROTOCOL,
                   "WebSocket upgrade refused: HTTP %s", status + 9);
      return FALSE;
    }
  if (g_ascii_strcasecmp (upgrade ? upgrade : "", "websocket") != 0 ||
      !bd_websocket_list_has (connection, "upgrade"))
    {
      g_set_error (error, BD_REMOTE_ERROR, BD_REMOTE_ERROR_PROTOCOL,
                   "WebSocket upgrade failed: the 101 answer is not a WebSocket upgrade");
      return FALSE;
    }
  /* RFC 6455 4.1: a wrong Sec-WebSocket-Accept fails the connection. */
  if (g_strcmp0 (accept, expected) != 0)
    {
      g_set_error (error, BD_REMOTE_ERROR, BD_REMOTE_ERROR_PROTOCOL,
                   "WebSocket upgrade failed: wrong Sec-WebSocket-Accept");
      return FALSE;
    }
  if (g_strcmp0 (protocol, "mqtt") != 0)
    {
      g_set_error (error, BD_REMOTE_ERROR, BD_REMOTE_ERROR_PROTOCOL,
                   "WebSocket upgrade failed: the server did not take the mqtt subprotocol");
      return FALSE;
    }
  return TRUE;
}

/* Reads the HTTP answer; sets *@used to the bytes of @data it took. */
static gboolean
feed_response (BdRemoteWebsocket  *ws,
               const guint8       *data,
               gsize               len,
               gsize              *used,
               GError            **error)
{
  const guint8 *end;
  gsize before;
  gsize head_len;
  g_autofree char *head = NULL;

  if (ws->response == NULL)
    ws->response = g_byte_array_new ();
  before = ws->response->len;
  g_byte_array_append (ws->response, data, len);
  *used = len;
  end = memmem (ws->response->data, ws->response->len, "\r\n\r\n", 4);
  if (end == NULL)
    {
      if (ws->response->len > RESPONSE_MAX)
        {
          g_set_error (error, BD_REMOTE_ERROR, BD_REMOTE_ERROR_PROTOCOL,
                       "WebSocket upgrade failed: HTTP answer over %u bytes", RESPONSE_MAX);
          return FALSE;
        }
      return TRUE;
    }
  head_len = end - ws->response->data + 4;
  head = g_strndup ((const char *) ws->response->data, head_len - 4);
  if (!check_response (ws, head, error))
    return FALSE;
  /* Frames may follow the answer in the same read. */
  *used = head_len - before;
  ws->upgraded = TRUE;
  g_clear_pointer (&ws->response, g_byte_array_unref);
  return TRUE;
}

/* Random masking key: RFC 6455 5.3 wants it unpredictable per frame. */
static void
new_mask (guint8 *mask)
{
  guint32 r = g_random_int ();

  memcpy (mask, &r, 4);
}

gboolean
bd_remote_websocket_feed (BdRemoteWebsocket  *ws,
                          const guint8       *data,
                          gsize               len,
                          GByteArray         *payload,
                          GByteArray         *reply,
                          GError            **error)
{
  gsize in = 0;

  if (!ws->upgraded)
    {
      if (!feed_response (ws, data, len, &in, error))
        return FALSE;
      if (!ws->upgraded)
        return TRUE;
    }

  while (in < len && !ws->closed)
    {
      g_autoptr(GError) local_error = NULL;
      BdWebsocketDecodeStatus status;
      guint start = payload->len;
      gsize used;
      gsize got;

      /* Decoded straight into @payload: grown to the most it can take. */
      g_byte_array_set_size (payload, start + (len - in));
      status = bd_websocket_decode (&ws->decoder, data + in, len - in, &used,
                                    payload->data + start, &got, &local_error);
      g_byte_array_set_size (payload, start + got);
      in += used;
      if (status == BD_WEBSOCKET_DECODE_ERROR)
        {
          guint8 code[2] = { local_error->code >> 8, local_error->code & 0xff };
          guint8 mask[4];

          new_mask (mask);
          bd_websocket_frame_append (reply, TRUE, BD_WEBSOCKET_OP_CLOSE, code, 2, mask);
          g_set_error (error, BD_REMOTE_ERROR, BD_REMOTE_ERROR_PROTOCOL,
                       "%s", local_error->message);
          return FALSE;
        }
      if (status == BD_WEBSOCKET_DECODE_CONTROL)
        {
          GByteArray *control = ws->decoder.control;
          guint8 mask[4];

          new_mask (mask);
          if (ws->decoder.opcode == BD_WEBSOCKET_OP_PING)
            bd_websocket_frame_append (reply, TRUE, BD_WEBSOCKET_OP_PONG, control->data,
                                       control->len, mask);
          else if (ws->decoder.opcode == BD_WEBSOCKET_OP_CLOSE)
            {
              ws->closed = TRUE;
              ws->close_code = control->len >= 2 ? (control->data[0] << 8) | control->data[1]
                                                 : 1005;
              /* RFC 6455 5.5.1: echo the status code. */
              bd_websocket_frame_append (reply, TRUE, BD_WEBSOCKET_OP_CLOSE, control->data,
                                         MIN (control->len, 2), mask);
            }
        }
    }
  return TRUE;
}

void
bd_remote_websocket_close (BdRemoteWebsocket *ws,
                           GByteArray        *out,
                           guint16            code)
{
  guint8 payload[2] = { code >> 8, code & 0xff };
  guint8 mask[4];

  new_mask (mask);
  bd_websocket_frame_append (out, TRUE, BD_WEBSOCKET_OP_CLOSE, payload, sizeof payload, mask);
}

void
bd_remote_websocket_frame (BdRemoteWebsocket *ws,
                           GByteArray        *out,
                           const guint8      *data,
                           gsize              len)
{
  for (gsize off = 0; off < len; off += OUT_FRAME_MAX)
    {
      guint8 mask[4];

      /* RFC 6455 5.1: every frame from a client is masked. */
      new_mask (mask);
      bd_websocket_frame_append (out, TRUE, BD_WEBSOCKET_OP_BINARY, data + off,
                                 MIN (len - off, OUT_FRAME_MAX), mask);
    }
}
