/* bd-websocket-codec.h — RFC 6455 frames and handshake values, both sides
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The pure parts of WebSocket framing that the engine's server transport
 * (bd-websocket.c) and the remote client's WebSocket layer share: frame
 * headers, masking, a streaming frame decoder, the Sec-WebSocket-Accept
 * value and the few HTTP header helpers the upgrade needs. No sockets, no
 * clock, no randomness: the caller brings the mask and the key.
 *
 * Errors are in BD_WEBSOCKET_ERROR; their codes are the RFC 6455 close
 * status codes (1002 protocol error, 1003 unacceptable data, 1009 too big),
 * so a side can put the code straight into its close frame.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define BD_WEBSOCKET_ERROR (bd_websocket_error_quark ())
GQuark bd_websocket_error_quark (void);

#define BD_WEBSOCKET_GUID           "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
/* The longest frame header: 2 + 8 (64-bit length) + 4 (mask). */
#define BD_WEBSOCKET_HEADER_MAX     14

typedef enum
{
  BD_WEBSOCKET_OP_CONTINUATION = 0x0,
  BD_WEBSOCKET_OP_TEXT = 0x1,
  BD_WEBSOCKET_OP_BINARY = 0x2,
  BD_WEBSOCKET_OP_CLOSE = 0x8,
  BD_WEBSOCKET_OP_PING = 0x9,
  BD_WEBSOCKET_OP_PONG = 0xa,
} BdWebsocketOpcode;

/* Writes a frame header into @hdr (BD_WEBSOCKET_HEADER_MAX bytes) and
 * returns its length. @mask: the 4-byte masking key, or NULL for an
 * unmasked (server) frame. */
guint    bd_websocket_header_encode (guint8             *hdr,
                                     gboolean            fin,
                                     BdWebsocketOpcode   opcode,
                                     guint64             payload_len,
                                     const guint8       *mask);

/* XORs @len bytes at @data with @mask, @offset bytes into the payload. */
void     bd_websocket_mask          (guint8             *data,
                                     gsize               len,
                                     const guint8       *mask,
                                     guint64             offset);

/* Appends one whole frame: header, then @payload masked with @mask
 * (NULL: unmasked). */
void     bd_websocket_frame_append  (GByteArray         *out,
                                     gboolean            fin,
                                     BdWebsocketOpcode   opcode,
                                     const guint8       *payload,
                                     gsize               len,
                                     const guint8       *mask);

/* The Sec-WebSocket-Accept value for @key (RFC 6455 4.2.2). */
char    *bd_websocket_accept_key    (const char         *key);

/* The value of header @name in @lines (the lines after the request or
 * status line, which is lines[0]), stripped; NULL if absent. */
char    *bd_websocket_header_value  (char              **lines,
                                     const char         *name);
/* Whether the comma-separated @list holds @token, case-insensitively. */
gboolean bd_websocket_list_has      (const char         *list,
                                     const char         *token);

/* A streaming decoder: bytes go in as they arrive, the payload of binary
 * messages comes out as a byte stream (a message may span frames, a frame
 * may span reads), and control frames stop the decoding so the caller can
 * answer them. */
typedef struct
{
  /* policy, set by the caller */
  gboolean          masked;           /* frames must be masked (a server reading a client) */
  gboolean          fragments;        /* continuation frames accepted */
  guint64           frame_max;        /* 0: no limit */

  /* state */
  gboolean          in_payload;
  guint8            hdr[BD_WEBSOCKET_HEADER_MAX];
  guint             hdr_len;
  guint8            opcode;           /* of the frame being read */
  gboolean          fin;
  guint8            mask[4];
  guint64           remaining;
  guint64           offset;
  gboolean          in_message;       /* a binary message waits for its continuation */
  GByteArray       *control;          /* payload of the last control frame */
} BdWebsocketDecoder;

typedef enum
{
  BD_WEBSOCKET_DECODE_ERROR = -1,
  BD_WEBSOCKET_DECODE_MORE,           /* all input used */
  BD_WEBSOCKET_DECODE_CONTROL,        /* a control frame ended: see opcode, control */
} BdWebsocketDecodeStatus;

void     bd_websocket_decoder_init  (BdWebsocketDecoder *decoder,
                                     gboolean            masked,
                                     gboolean            fragments,
                                     guint64             frame_max);
void     bd_websocket_decoder_clear (BdWebsocketDecoder *decoder);

/* Decodes @in (@in_len bytes). The payload of binary frames is written to
 * @out, which may be @in itself (it never gets ahead of the input), and
 * its length to *@out_len; *@consumed says how much input was used. Stops
 * after each complete control frame (ping, pong, close), whose opcode and
 * payload are then in @decoder. */
BdWebsocketDecodeStatus
         bd_websocket_decode        (BdWebsocketDecoder *decoder,
                                     const guint8       *in,
                                     gsize               in_len,
                                     gsize              *consumed,
                                     guint8             *out,
                                     gsize              *out_len,
                                     GError            **error);

G_END_DECLS
