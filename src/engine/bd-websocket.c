/* bd-websocket.c — MQTT over WebSockets (RFC 6455) as a transport
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A WebSocket transport wraps another one (plain TCP or TLS): it answers the
 * HTTP/1.1 upgrade, then turns binary frames into the byte stream the
 * connection frames MQTT packets from, and MQTT output into binary frames.
 * Frames are decoded as they stream in, so an MQTT packet may span frames
 * and a frame may hold several packets [MQTT-6.0.0-2][MQTT-6.0.0-3]; the
 * frame path runs in the engine's loop like any other socket, with the same
 * backpressure and limits.
 *
 * The upgrade is parsed here rather than by libsoup: its server-side
 * handshake helpers work on a SoupServerMessage that only SoupServer makes,
 * and the request is one GET with five headers that matter.
 */

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>

#include "bd-engine-private.h"
#include "bd-websocket.h"

#define DEFAULT_HEADERS_MAX 4096
/* Above the largest MQTT packet (256 MiB + 5): one frame needs no more. */
#define FRAME_MAX        ((guint64) 268435460)
/* One outgoing frame at most this long, so the frame buffer stays bounded. */
#define OUT_FRAME_MAX    (256 * 1024)

typedef struct
{
  BdTransport       parent;
  BdTransport      *inner;
  const BdListenerConfig *config;
  gboolean          upgraded;
  gboolean          closed;         /* a close frame came: end of stream */
  GByteArray       *request;        /* the HTTP request while it arrives */

  BdWebsocketDecoder decoder;

  GByteArray       *out;            /* whole frames not written yet */
  gsize             out_sent;
} BdWsTransport;

static void
ws_sync_waits (BdWsTransport *self)
{
  self->parent.read_waits = self->inner->read_waits;
  self->parent.write_waits = self->inner->write_waits;
  self->parent.handshaking = self->inner->handshaking || !self->upgraded;
}

/* An inner transport's failure is the WebSocket's: its reason moves up. */
static void
ws_take_inner_error (BdWsTransport *self)
{
  if (errno == EPROTO && self->inner->error != NULL)
    {
      _bd_transport_set_error (&self->parent, g_steal_pointer (&self->inner->error));
      errno = EPROTO;
    }
}

/* Writes what waits in self->out. 0 when all is out, else -1 and errno. */
static int
ws_flush_out (BdWsTransport *self)
{
  while (self->out != NULL && self->out_sent < self->out->len)
    {
      gssize n = self->inner->klass->write (self->inner, self->out->data + self->out_sent,
                                            self->out->len - self->out_sent);

      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          ws_take_inner_error (self);
          ws_sync_waits (self);
          return -1;
        }
      self->out_sent += n;
    }
  if (self->out != NULL)
    g_byte_array_set_size (self->out, 0);
  self->out_sent = 0;
  self->parent.has_output = FALSE;
  ws_sync_waits (self);
  return 0;
}

static void
ws_queue_control (BdWsTransport     *self,
                  BdWebsocketOpcode  opcode,
                  const guint8  *payload,
                  gsize          len)
{
  if (self->out == NULL)
    self->out = g_byte_array_new ();
  bd_websocket_frame_append (self->out, TRUE, opcode, payload, len, NULL);
  self->parent.has_output = TRUE;
  /* At once if the socket takes it; else with the next output. */
  ws_flush_out (self);
}

/* Tells the client why (a close frame with @code), and fails the read. */
static gssize
ws_fail (BdWsTransport *self,
         guint16        code,
         char          *why)
{
  guint8 payload[2] = { code >> 8, code & 0xff };

  if (self->upgraded)
    ws_queue_control (self, BD_WEBSOCKET_OP_CLOSE, payload, sizeof payload);
  _bd_transport_set_error (&self->parent, why);
  errno = EPROTO;
  return -1;
}

/* ---------------------------------------------------------------- upgrade */

static gssize
ws_refuse (BdWsTransport *self,
           const char    *status,
           char          *why)
{
  g_autofree char *response = g_strdup_printf ("HTTP/1.1 %s\r\nConnection: close\r\n"
                                               "Content-Length: 0\r\n\r\n", status);

  /* Best effort: the connection ends with this read. */
  self->inner->klass->write (self->inner, (const guint8 *) response, strlen (response));
  _bd_transport_set_error (&self->parent, why);
  errno = EPROTO;
  return -1;
}

static gssize
ws_upgrade (BdWsTransport *self,
            const char    *request)
{
  g_auto(GStrv) lines = g_strsplit (request, "\r\n", -1);
  g_autofree char *upgrade = bd_websocket_header_value (lines, "Upgrade");
  g_autofree char *connection = bd_websocket_header_value (lines, "Connection");
  g_autofree char *key = bd_websocket_header_value (lines, "Sec-WebSocket-Key");
  g_autofree char *version = bd_websocket_header_value (lines, "Sec-WebSocket-Version");
  g_autofree char *protocols = bd_websocket_header_value (lines, "Sec-WebSocket-Protocol");
  g_autofree char *origin = bd_websocket_header_value (lines, "Origin");
  g_autofree char *accept = NULL;
  g_autofree char *response = NULL;
  const char *protocol;
  GPtrArray *origins = self->config->websockets_origins;
  gssize n;

  if (!g_str_has_prefix (lines[0], "GET ") || !g_str_has_suffix (lines[0], " HTTP/1.1"))
    return ws_refuse (self, "400 Bad Request",
                      g_strdup ("WebSocket upgrade refused: not an HTTP/1.1 GET request"));
  if (g_ascii_strcasecmp (upgrade ? upgrade : "", "websocket") != 0 ||
      !bd_websocket_list_has (connection, "upgrade") || key == NULL)
    return ws_refuse (self, "400 Bad Request",
                      g_strdup ("WebSocket upgrade refused: not a WebSocket upgrade request"));
  if (g_strcmp0 (version, "13") != 0)
    return ws_refuse (self, "426 Upgrade Required\r\nSec-WebSocket-Version: 13",
                      g_strdup ("WebSocket upgrade refused: version is not 13"));
  /* [MQTT-6.0.0-4]: the subprotocol is "mqtt"; "mqttv3.1" is what MQTT
   * 3.1 clients ask for. */
  if (bd_websocket_list_has (protocols, "mqtt"))
    protocol = "mqtt";
  else if (bd_websocket_list_has (protocols, "mqttv3.1"))
    protocol = "mqttv3.1";
  else
    return ws_refuse (self, "400 Bad Request",
                      g_strdup ("WebSocket upgrade refused: no mqtt subprotocol"));
  if (origins != NULL && origins->len > 0)
    {
      gboolean allowed = FALSE;

      for (guint i = 0; origin != NULL && i < origins->len; i++)
        allowed |= g_ascii_strcasecmp (origin, g_ptr_array_index (origins, i)) == 0;
      if (!allowed)
        return ws_refuse (self, "403 Forbidden",
                          g_strdup_printf ("WebSocket upgrade refused: origin “%s” is not in websockets_origin",
                                           origin ? origin : "(none)"));
    }

  accept = bd_websocket_accept_key (key);
  response = g_strdup_printf ("HTTP/1.1 101 Switching Protocols\r\n"
                              "Upgrade: websocket\r\n"
                              "Connection: Upgrade\r\n"
                              "Sec-WebSocket-Accept: %s\r\n"
                              "Sec-WebSocket-Protocol: %s\r\n\r\n", accept, protocol);
  self->upgraded = TRUE;
  if (self->out == NULL)
    self->out = g_byte_array_new ();
  g_byte_array_append (self->out, (const guint8 *) response, strlen (response));
  self->parent.has_output = TRUE;
  n = ws_flush_out (self);
  if (n < 0 && errno != EAGAIN)
    return -1;
  ws_sync_waits (self);
  return 0;
}

/* Reads the HTTP request; 1 once upgraded, else what ws_read returns. */
static gssize
ws_read_request (BdWsTransport *self,
                 guint8        *buf,
                 gsize          len)
{
  guint max = self->config->websockets_headers_size > 0 ? self->config->websockets_headers_size
                                                        : DEFAULT_HEADERS_MAX;
  gssize n = self->inner->klass->read (self->inner, buf, len);
  const guint8 *end;
  gsize head_len;
  g_autofree char *request = NULL;

  ws_sync_waits (self);
  if (n < 0)
    ws_take_inner_error (self);
  if (n <= 0)
    return n;
  if (self->request == NULL)
    self->request = g_byte_array_new ();
  g_byte_array_append (self->request, buf, n);

  end = memmem (self->request->data, self->request->len, "\r\n\r\n", 4);
  if (end == NULL)
    {
      if (self->request->len > max)
        return ws_refuse (self, "431 Request Header Fields Too Large",
                          g_strdup_printf ("WebSocket upgrade refused: request headers over %u bytes",
                                           max));
      errno = EAGAIN;
      return -1;
    }
  head_len = end - self->request->data + 4;
  if (head_len > max)
    return ws_refuse (self, "431 Request Header Fields Too Large",
                      g_strdup_printf ("WebSocket upgrade refused: request headers over %u bytes", max));
  request = g_strndup ((const char *) self->request->data, head_len - 4);
  if (ws_upgrade (self, request) < 0)
    return -1;
  /* A client may not send frames before the 101 response; nothing else
   * is kept. */
  if (self->request->len > head_len)
    {
      g_byte_array_remove_range (self->request, 0, head_len);
      return 1;
    }
  g_clear_pointer (&self->request, g_byte_array_unref);
  return 1;
}

/* ----------------------------------------------------------------- frames */

/* A control frame came in whole: a ping is answered, a close ends the
 * stream after its echo. */
static void
ws_end_control (BdWsTransport *self)
{
  GByteArray *control = self->decoder.control;

  if (self->decoder.opcode == BD_WEBSOCKET_OP_PING)
    ws_queue_control (self, BD_WEBSOCKET_OP_PONG, control->data, control->len);
  else if (self->decoder.opcode == BD_WEBSOCKET_OP_CLOSE)
    {
      guint8 code[2] = { 0x03, 0xe8 };  /* 1000: normal closure */

      if (control->len >= 2)
        memcpy (code, control->data, 2);
      ws_queue_control (self, BD_WEBSOCKET_OP_CLOSE, code, sizeof code);
      self->closed = TRUE;
    }
}

/* Decodes in place: the payload of the @n input bytes at @buf goes to the
 * start of @buf (it is never longer than its frames). Returns the payload
 * bytes, or -1 after ws_fail(). */
static gssize
ws_decode (BdWsTransport *self,
           guint8        *buf,
           gsize          n)
{
  gsize in = 0;
  gsize out = 0;

  while (in < n && !self->closed)
    {
      g_autoptr(GError) error = NULL;
      BdWebsocketDecodeStatus status;
      gsize used;
      gsize got;

      status = bd_websocket_decode (&self->decoder, buf + in, n - in, &used, buf + out, &got,
                                    &error);
      in += used;
      out += got;
      if (status == BD_WEBSOCKET_DECODE_ERROR)
        return ws_fail (self, error->code, g_strdup (error->message));
      if (status == BD_WEBSOCKET_DECODE_CONTROL)
        ws_end_control (self);
    }
  return out;
}

static gssize
ws_read (BdTransport *transport,
         guint8      *buf,
         gsize        len)
{
  BdWsTransport *self = (BdWsTransport *) transport;
  gssize n;
  gssize out;

  if (self->closed)
    return 0;
  if (!self->upgraded)
    {
      n = ws_read_request (self, buf, len);
      if (n <= 0)
        return n;
      if (self->request == NULL)
        {
          errno = EAGAIN;
          return -1;
        }
      /* Frames that came with the request. */
      n = MIN (self->request->len, len);
      memcpy (buf, self->request->data, n);
      g_clear_pointer (&self->request, g_byte_array_unref);
    }
  else
    {
      n = self->inner->klass->read (self->inner, buf, len);
      ws_sync_waits (self);
      if (n < 0)
        ws_take_inner_error (self);
      if (n <= 0)
        return n;
    }

  out = ws_decode (self, buf, n);
  if (out == 0 && !self->closed)
    {
      errno = EAGAIN;
      return -1;
    }
  return out;
}

/* Frames @len bytes of MQTT output (at most OUT_FRAME_MAX) once what is
 * queued before has gone; NULL @buf only flushes. */
static gssize
ws_write (BdTransport  *transport,
          const guint8 *buf,
          gsize         len)
{
  BdWsTransport *self = (BdWsTransport *) transport;

  if (ws_flush_out (self) < 0)
    return -1;
  if (buf == NULL || len == 0)
    return 0;

  len = MIN (len, OUT_FRAME_MAX);
  if (self->out == NULL)
    self->out = g_byte_array_sized_new (len + 10);
  bd_websocket_frame_append (self->out, TRUE, BD_WEBSOCKET_OP_BINARY, buf, len, NULL);
  self->parent.has_output = TRUE;
  /* The bytes are ours now: a full socket only delays them. */
  if (ws_flush_out (self) < 0 && errno != EAGAIN)
    return -1;
  return len;
}

static void
ws_shutdown (BdTransport *transport)
{
  BdWsTransport *self = (BdWsTransport *) transport;

  ws_flush_out (self);
  self->inner->klass->shutdown (self->inner);
}

static void
ws_free (BdTransport *transport)
{
  BdWsTransport *self = (BdWsTransport *) transport;

  /* The socket is closed once, by _bd_transport_close() on the outer one. */
  g_free (self->inner->error);
  self->inner->klass->free (self->inner);
  g_clear_pointer (&self->request, g_byte_array_unref);
  bd_websocket_decoder_clear (&self->decoder);
  g_clear_pointer (&self->out, g_byte_array_unref);
  g_free (self);
}

static const char *
ws_name (BdTransport *inner)
{
  return _bd_tls_transport_get_version (inner) != NULL ? "websockets+tls" : "websockets";
}

static const BdTransportClass ws_class = {
  .name = "websockets",
  .read = ws_read,
  .write = ws_write,
  .shutdown = ws_shutdown,
  .free = ws_free,
};

static const BdTransportClass wss_class = {
  .name = "websockets+tls",
  .read = ws_read,
  .write = ws_write,
  .shutdown = ws_shutdown,
  .free = ws_free,
};

BdTransport *
_bd_websocket_transport_new (BdTransport            *inner,
                             const BdListenerConfig *config)
{
  BdWsTransport *self = g_new0 (BdWsTransport, 1);

  _bd_transport_init (&self->parent, g_str_equal (ws_name (inner), "websockets") ? &ws_class
                                                                                 : &wss_class,
                      inner->fd);
  self->inner = inner;
  self->config = config;
  /* Masked frames from the client, bounded by the largest packet. A
   * fragmented message is accepted (RFC 6455 5.4: an intermediary may
   * split any message): MQTT is a byte stream over the frames, so a
   * fragment's bytes are the stream's like a whole frame's. */
  bd_websocket_decoder_init (&self->decoder, TRUE, TRUE, FRAME_MAX);
  ws_sync_waits (self);
  /* With Nagle, a WebSocket client's latency p99 was 13 ms and its worst
   * case 40-60 ms (the client's delayed ACK), against 2.5-5 ms without
   * (bd-bench latency --websockets). */
  _bd_transport_set_nodelay (inner->fd);
  return &self->parent;
}

/* The transport under a WebSocket one, or @transport itself. */
BdTransport *
_bd_websocket_transport_get_inner (BdTransport *transport)
{
  if (transport != NULL && (transport->klass == &ws_class || transport->klass == &wss_class))
    return ((BdWsTransport *) transport)->inner;
  return transport;
}
