/* bd-remote-websocket.h — the client side of MQTT over WebSocket (RFC 6455)
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The byte layer BdRemoteClient puts between its MQTT codec and the TCP or
 * TLS stream when the configuration asks for WebSockets: the HTTP/1.1
 * upgrade request and the check of its 101 answer, then masked binary
 * frames out and unframed bytes in (pings answered, a close noticed). It
 * does no I/O itself, so a test can feed it any sequence of bytes; the
 * frame format is the engine's (bd-websocket-codec.h), shared with the
 * broker's WebSocket listeners.
 */

#pragma once

#include <glib.h>

#include "bd-websocket.h"

G_BEGIN_DECLS

typedef struct
{
  char              *key;           /* the Sec-WebSocket-Key sent */
  gboolean           upgraded;      /* the 101 came and was right */
  gboolean           closed;        /* the server sent a close frame */
  guint16            close_code;    /* its status code, 1005 if it had none */
  GByteArray        *response;      /* the HTTP response while it arrives */
  BdWebsocketDecoder decoder;
} BdRemoteWebsocket;

BdRemoteWebsocket *bd_remote_websocket_new     (void);
void               bd_remote_websocket_free    (BdRemoteWebsocket *ws);

/* Appends the upgrade request for ws://@host:@port@path to @out. */
void               bd_remote_websocket_request (BdRemoteWebsocket *ws,
                                                GByteArray        *out,
                                                const char        *host,
                                                guint16            port,
                                                const char        *path);

/* Takes @len bytes read from the server: first the HTTP answer, then
 * frames. Binary payload is appended to @payload, answers the client owes
 * (a pong, the echo of a close) to @reply, whole frames to write as they
 * are. Fails (in BD_REMOTE_ERROR) when the server refuses the upgrade,
 * which then names the HTTP status, or breaks RFC 6455; REFUSED for a 4xx
 * answer that trying again will not change. */
gboolean           bd_remote_websocket_feed    (BdRemoteWebsocket *ws,
                                                const guint8      *data,
                                                gsize              len,
                                                GByteArray        *payload,
                                                GByteArray        *reply,
                                                GError           **error);

/* Appends @len bytes of MQTT output to @out as masked binary frames. */
void               bd_remote_websocket_frame   (BdRemoteWebsocket *ws,
                                                GByteArray        *out,
                                                const guint8      *data,
                                                gsize              len);

/* Appends a close frame with status @code (RFC 6455 7.1.2: the client
 * starts the closing handshake). */
void               bd_remote_websocket_close   (BdRemoteWebsocket *ws,
                                                GByteArray        *out,
                                                guint16            code);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BdRemoteWebsocket, bd_remote_websocket_free)

G_END_DECLS
