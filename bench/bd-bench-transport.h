/* bd-bench-transport.h — bd-bench's client side of TLS and MQTT over WebSockets
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>
#include <openssl/ssl.h>

#include "bd-bench-mqtt.h"

G_BEGIN_DECLS

/* How every connection of a run reaches the broker: TLS (verified against a
 * CA file) and/or WebSocket framing, or neither (plain TCP, no cost). */
gboolean bd_bench_transport_setup (const char  *cafile,
                                   gboolean     websockets,
                                   GError     **error);
/* Whether connections need a handshake after connect(). */
gboolean bd_bench_transport_wanted (void);

typedef struct
{
  SSL        *ssl;
  int         step;       /* handshake: 0 TLS, 1 upgrade request, 2 its response, 3 done */
  BdBenchBuf  wire;       /* WebSocket: a frame still to be written */
  BdBenchBuf  raw;        /* WebSocket: bytes read, not yet unframed */
  guint64     frame_left; /* payload bytes of the current incoming frame */
  gboolean    discard;    /* the current incoming frame is a control frame */
} BdBenchTransport;

void     bd_bench_transport_clear     (BdBenchTransport *t);
/* One step of the TLS handshake and the WebSocket upgrade: 1 done, 0 wait
 * for *events (EPOLLIN/EPOLLOUT), -1 failed (*why says why). */
int      bd_bench_transport_handshake (BdBenchTransport *t,
                                       int               fd,
                                       guint32          *events,
                                       const char      **why);
/* Like send(): the bytes of @data taken (framed and written, or kept in the
 * transport, see _pending), -1 with errno (EAGAIN: wait for EPOLLOUT). */
gssize   bd_bench_transport_send      (BdBenchTransport *t,
                                       int               fd,
                                       const guint8     *data,
                                       gsize             len);
gboolean bd_bench_transport_pending   (BdBenchTransport *t);
/* Like recv(): MQTT bytes, 0 at the end, -1 with errno. */
gssize   bd_bench_transport_recv      (BdBenchTransport *t,
                                       int               fd,
                                       guint8           *buf,
                                       gsize             len);

G_END_DECLS
