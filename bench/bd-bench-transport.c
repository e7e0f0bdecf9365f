/* bd-bench-transport.c — bd-bench's client side of TLS and MQTT over WebSockets
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The same load, carried over TLS (OpenSSL, as mosquitto_pub and most device
 * libraries use) and/or RFC 6455 WebSocket frames, so that run-broker-bench
 * --tls and --websockets measure the brokers' transports and nothing else
 * changes. Everything is non-blocking, inside bd-bench's epoll loop. Each
 * send() of MQTT bytes becomes one binary frame with a zero mask key: a
 * client must mask, and any key is valid; zero saves the generator the XOR,
 * while the broker still unmasks every byte.
 */

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <openssl/err.h>

#include "bd-bench-transport.h"

#define TLS_RECORD 16384
#define WS_UPGRADE "GET /mqtt HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n" \
                   "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" \
                   "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n"

static SSL_CTX *tls_ctx;
static gboolean use_websockets;

gboolean
bd_bench_transport_setup (const char  *cafile,
                          gboolean     websockets,
                          GError     **error)
{
  use_websockets = websockets;
  if (cafile == NULL)
    return TRUE;
  tls_ctx = SSL_CTX_new (TLS_client_method ());
  if (tls_ctx == NULL || SSL_CTX_load_verify_file (tls_ctx, cafile) != 1)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "cannot use the CA file %s", cafile);
      return FALSE;
    }
  SSL_CTX_set_verify (tls_ctx, SSL_VERIFY_PEER, NULL);
  SSL_CTX_set_mode (tls_ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  /* Every connection a full handshake, as a fleet of devices starting up. */
  SSL_CTX_set_session_cache_mode (tls_ctx, SSL_SESS_CACHE_OFF);
  return TRUE;
}

gboolean
bd_bench_transport_wanted (void)
{
  return tls_ctx != NULL || use_websockets;
}

void
bd_bench_transport_clear (BdBenchTransport *t)
{
  g_clear_pointer (&t->ssl, SSL_free);
  bd_bench_buf_clear (&t->wire);
  bd_bench_buf_clear (&t->raw);
  t->step = 0;
  t->frame_left = 0;
  t->discard = FALSE;
}

/* The SSL call's result as send()/recv() would give it. */
static gssize
tls_result (BdBenchTransport *t,
            int               ret)
{
  switch (SSL_get_error (t->ssl, ret))
    {
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:
      errno = EAGAIN;
      return -1;
    case SSL_ERROR_ZERO_RETURN:
      return 0;
    case SSL_ERROR_SYSCALL:
      if (errno == 0)
        return 0;
      return -1;
    default:
      ERR_clear_error ();
      errno = EPROTO;
      return -1;
    }
}

static gssize
lower_send (BdBenchTransport *t,
            int               fd,
            const guint8     *data,
            gsize             len)
{
  int n;

  if (t->ssl == NULL)
    return send (fd, data, len, MSG_NOSIGNAL);
  errno = 0;
  n = SSL_write (t->ssl, data, (int) MIN (len, G_MAXINT));
  return n > 0 ? n : tls_result (t, n);
}

/* TLS: whole records while there is room for one, as the broker reads. */
static gssize
lower_recv (BdBenchTransport *t,
            int               fd,
            guint8           *buf,
            gsize             len)
{
  gsize got = 0;

  if (t->ssl == NULL)
    return recv (fd, buf, len, 0);
  while (got < len)
    {
      int n;

      errno = 0;
      n = SSL_read (t->ssl, buf + got, (int) MIN (len - got, G_MAXINT));
      if (n <= 0)
        {
          gssize r = tls_result (t, n);
          return got > 0 ? (gssize) got : r;
        }
      got += n;
      if (len - got < TLS_RECORD)
        break;
    }
  return got;
}

int
bd_bench_transport_handshake (BdBenchTransport *t,
                              int               fd,
                              guint32          *events,
                              const char      **why)
{
  if (t->step == 0)
    {
      if (tls_ctx != NULL)
        {
          int ret;

          if (t->ssl == NULL)
            {
              t->ssl = SSL_new (tls_ctx);
              SSL_set_fd (t->ssl, fd);
              /* The certificate is for the IP address the brokers listen on. */
              SSL_set1_host (t->ssl, "127.0.0.1");
              SSL_set_connect_state (t->ssl);
            }
          ret = SSL_do_handshake (t->ssl);
          if (ret != 1)
            {
              int err = SSL_get_error (t->ssl, ret);

              if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE)
                {
                  *events = err == SSL_ERROR_WANT_READ ? EPOLLIN : EPOLLOUT;
                  return 0;
                }
              ERR_clear_error ();
              *why = "TLS handshake failed";
              return -1;
            }
        }
      t->step = use_websockets ? 1 : 3;
      if (use_websockets)
        {
          bd_bench_buf_init (&t->wire, 256);
          bd_bench_buf_init (&t->raw, 4096);
          memcpy (bd_bench_buf_reserve (&t->wire, sizeof WS_UPGRADE), WS_UPGRADE,
                  sizeof WS_UPGRADE - 1);
          t->wire.len += sizeof WS_UPGRADE - 1;
        }
    }
  if (t->step == 1)
    {
      while (bd_bench_buf_pending (&t->wire) > 0)
        {
          gssize n = lower_send (t, fd, t->wire.data + t->wire.pos,
                                 bd_bench_buf_pending (&t->wire));

          if (n < 0 && errno == EAGAIN)
            {
              *events = EPOLLOUT;
              return 0;
            }
          if (n <= 0)
            {
              *why = "WebSocket upgrade request not sent";
              return -1;
            }
          t->wire.pos += n;
        }
      t->wire.pos = t->wire.len = 0;
      t->step = 2;
    }
  if (t->step == 2)
    {
      for (;;)
        {
          guint8 *p = bd_bench_buf_reserve (&t->raw, 1024);
          gssize n = lower_recv (t, fd, p, 1024);
          const guint8 *end;

          if (n < 0 && errno == EAGAIN)
            {
              *events = EPOLLIN;
              return 0;
            }
          if (n <= 0)
            {
              *why = "closed during the WebSocket upgrade";
              return -1;
            }
          t->raw.len += n;
          end = memmem (t->raw.data, t->raw.len, "\r\n\r\n", 4);
          if (end == NULL)
            continue;
          if (t->raw.len < 12 || memcmp (t->raw.data + 9, "101", 3) != 0)
            {
              *why = "WebSocket upgrade refused";
              return -1;
            }
          /* Frames that came with the response stay for recv(). */
          bd_bench_buf_consume (&t->raw, end + 4 - t->raw.data);
          break;
        }
      t->step = 3;
    }
  return 1;
}

gboolean
bd_bench_transport_pending (BdBenchTransport *t)
{
  return use_websockets && bd_bench_buf_pending (&t->wire) > 0;
}

static int
flush_wire (BdBenchTransport *t,
            int               fd)
{
  while (bd_bench_buf_pending (&t->wire) > 0)
    {
      gssize n = lower_send (t, fd, t->wire.data + t->wire.pos, bd_bench_buf_pending (&t->wire));

      if (n <= 0)
        return n == 0 ? (errno = EPIPE, -1) : -1;
      t->wire.pos += n;
    }
  t->wire.pos = t->wire.len = 0;
  return 0;
}

gssize
bd_bench_transport_send (BdBenchTransport *t,
                         int               fd,
                         const guint8     *data,
                         gsize             len)
{
  guint8 *p;
  gsize hdr;

  if (!use_websockets)
    return lower_send (t, fd, data, len);
  if (flush_wire (t, fd) < 0)
    return -1;
  if (len == 0)
    return 0;

  /* FIN + binary, masked with a zero key. */
  p = bd_bench_buf_reserve (&t->wire, len + 14);
  p[0] = 0x82;
  if (len < 126)
    {
      p[1] = 0x80 | len;
      hdr = 2;
    }
  else if (len < 65536)
    {
      p[1] = 0x80 | 126;
      p[2] = len >> 8;
      p[3] = len & 0xff;
      hdr = 4;
    }
  else
    {
      p[1] = 0x80 | 127;
      for (int i = 0; i < 8; i++)
        p[2 + i] = ((guint64) len >> (56 - 8 * i)) & 0xff;
      hdr = 10;
    }
  memset (p + hdr, 0, 4);
  memcpy (p + hdr + 4, data, len);
  t->wire.len += hdr + 4 + len;
  if (flush_wire (t, fd) < 0 && errno != EAGAIN)
    return -1;
  return len;
}

gssize
bd_bench_transport_recv (BdBenchTransport *t,
                         int               fd,
                         guint8           *buf,
                         gsize             len)
{
  gsize got = 0;
  gsize off = 0;

  if (!use_websockets)
    return lower_recv (t, fd, buf, len);

  for (;;)
    {
      /* Unframe what is there: server frames are not masked. */
      while (got < len && off < t->raw.len)
        {
          const guint8 *p = t->raw.data + off;
          gsize avail = t->raw.len - off;

          if (t->frame_left == 0)
            {
              guint64 n;
              gsize hdr = 2;

              if (avail < 2)
                break;
              n = p[1] & 0x7f;
              if (n == 126)
                hdr = 4;
              else if (n == 127)
                hdr = 10;
              if (avail < hdr)
                break;
              if (n == 126)
                n = (p[2] << 8) | p[3];
              else if (n == 127)
                {
                  n = 0;
                  for (int i = 0; i < 8; i++)
                    n = (n << 8) | p[2 + i];
                }
              if ((p[0] & 0x0f) == 0x8)
                {
                  /* Close: the end of the stream. */
                  bd_bench_buf_consume (&t->raw, t->raw.len);
                  return got > 0 ? (gssize) got : 0;
                }
              t->discard = (p[0] & 0x08) != 0;
              t->frame_left = n;
              off += hdr;
              continue;
            }
          {
            gsize take = MIN (t->frame_left, avail);

            if (!t->discard)
              {
                take = MIN (take, len - got);
                memcpy (buf + got, p, take);
                got += take;
              }
            off += take;
            t->frame_left -= take;
          }
        }
      bd_bench_buf_consume (&t->raw, off);
      off = 0;
      if (got > 0)
        return got;

      {
        guint8 *p = bd_bench_buf_reserve (&t->raw, 65536);
        gssize n = lower_recv (t, fd, p, 65536);

        if (n <= 0)
          return n;
        t->raw.len += n;
      }
    }
}
