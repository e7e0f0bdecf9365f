/* bd-bench.c — MQTT broker load generator: one scenario, one line of JSON
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The model: one thread, one epoll set, every client connection a non-blocking
 * socket with a flat input and output buffer. A broker is expected to use
 * about one core; on a two-core machine the generator must therefore do all of
 * its work on the other one, so everything here is batched: a publisher
 * appends up to PUMP_BYTES of PUBLISH packets before one send(), a subscriber
 * reads up to READ_CHUNK bytes at a time and parses every complete packet in
 * them, and its acknowledgements leave in one send() per read.
 *
 * A run goes through four phases:
 *   CONNECT  open the sockets (at most MAX_OPENING waiting for CONNACK, so the
 *            broker's listen backlog never overflows), CONNECT, and SUBSCRIBE
 *            for subscribers; a SUBACK means the subscription is in place.
 *   RUN      publishers publish; QoS 1/2 publishers keep at most `window`
 *            messages unacknowledged (the 5.0 Receive Maximum lowers it).
 *   DRAIN    entered when every publisher is done; ends when every subscriber
 *            has every message, or when nothing has happened for --stall-ms.
 *   CLOSE    DISCONNECT everywhere and let the broker close first, so the
 *            client side keeps no TIME_WAIT sockets between runs.
 * Every phase is bounded by --timeout; no run waits for ever.
 *
 * Loss accounting: each payload carries (publisher index, sequence number,
 * CLOCK_MONOTONIC send time). Every subscriber keeps a bitmap over all
 * messages, so it counts unique deliveries, duplicates and (at the end) the
 * messages that never arrived.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bd-bench-mqtt.h"
#include "bd-bench-transport.h"

#define READ_CHUNK   (256 * 1024)
#define PUMP_BYTES   (64 * 1024)
#define MAX_OPENING  100
#define MAX_EVENTS   256
#define PAYLOAD_HDR  20 /* u32 publisher, u64 sequence, u64 send time */
#define KEEPALIVE    60
/* --persistent: a day, longer than any run */
#define SESSION_EXPIRY 86400
#define NS_PER_SEC   G_GINT64_CONSTANT (1000000000)
#define NS_PER_MS    G_GINT64_CONSTANT (1000000)

typedef enum
{
  KIND_STREAM,  /* publishers -> subscribers, as fast as allowed */
  KIND_LATENCY, /* one paced publisher, latency per message */
  KIND_IDLE,    /* connections that only CONNECT */
  KIND_STORM,   /* latency while new connections keep arriving, beside idle ones */
} Kind;

typedef struct
{
  const char *name;
  Kind        kind;
  int         qos;
  guint       publishers;
  guint       subscribers;
  guint64     messages; /* total published, all publishers together */
  guint       window;
  const char *summary;
} Scenario;

/* The default counts take roughly 3–5 s against Mosquitto 2.0 on a small machine. */
static const Scenario scenarios[] = {
  { "qos0", KIND_STREAM, 0, 1, 1, 1000000, 20, "1 -> 1, QoS 0" },
  { "qos1", KIND_STREAM, 1, 1, 1, 300000, 20, "1 -> 1, QoS 1" },
  { "qos2", KIND_STREAM, 2, 1, 1, 150000, 20, "1 -> 1, QoS 2" },
  { "fanin", KIND_STREAM, 0, 50, 1, 1000000, 20, "50 -> 1 on <prefix>/#, QoS 0" },
  { "fanin1", KIND_STREAM, 1, 50, 1, 200000, 20, "50 -> 1 on <prefix>/#, QoS 1" },
  { "fanout", KIND_STREAM, 0, 1, 50, 20000, 20, "1 -> 50 on one topic, QoS 0" },
  { "latency", KIND_LATENCY, 1, 1, 1, 0, 20, "paced QoS 1, publish -> receive time" },
  { "idle", KIND_IDLE, 0, 0, 0, 0, 0, "idle connections, broker RSS per connection" },
  { "inflight-loss", KIND_STREAM, 2, 1, 1, 50000, 1000, "1 -> 1 with a wide in-flight window" },
  { "storm", KIND_STORM, 1, 1, 1, 0, 20,
    "paced QoS 1 latency, --connections idle clients, new connections as fast as they go" },
};

typedef enum
{
  ROLE_PUB,
  ROLE_SUB,
  ROLE_IDLE,
  ROLE_CHURN, /* storm: connects, gets its CONNACK, resets, again */
} Role;

typedef enum
{
  CONN_NEW,         /* not opened yet */
  CONN_TCP,         /* connect() in progress */
  CONN_HANDSHAKE,   /* TLS handshake or WebSocket upgrade */
  CONN_CONNACK,     /* CONNECT sent */
  CONN_SUBACK,      /* SUBSCRIBE sent */
  CONN_READY,
  CONN_CLOSED,
} ConnState;

typedef enum
{
  PHASE_CONNECT,
  PHASE_RUN,
  PHASE_DRAIN,
  PHASE_DONE,
} Phase;

typedef struct _Bench Bench;

typedef struct
{
  Bench     *bench;
  int        fd;
  BdBenchTransport transport;
  guint      index; /* within its role */
  Role       role;
  ConnState  state;
  gboolean   want_out; /* EPOLLOUT is in the interest set */
  gboolean   eof;
  BdBenchBuf in;
  BdBenchBuf out;
  gint64     last_send;

  /* publisher */
  guint      window;
  guint      inflight;
  guint64    next_seq;
  guint64    acked;
  guint16    next_id;
  guint8    *id_state; /* per packet id: 0 free, 1 wants PUBACK/PUBREC, 2 wants PUBCOMP */
  gboolean   done;
  gboolean   ready; /* stopped only because of the per-turn byte budget */
  char      *topic;
  gsize      topic_len;

  /* subscriber */
  guint8    *seen; /* one bit per message */
  guint64    unique;
  gint64     first_rx;
  gint64     last_rx;
} Conn;

struct _Bench
{
  /* settings */
  const Scenario *sc;
  struct sockaddr_in addr;
  int        version; /* 4 or 5 */
  int        qos;
  guint      n_pubs;
  guint      n_subs;
  guint      n_idle;
  guint64    messages;
  guint64    per_pub;
  guint      window;
  gsize      payload_len;
  double     rate;       /* latency: messages per second */
  gint64     stall_ns;
  gint64     settle_ns;
  gint64     deadline;
  int        broker_pid;
  gboolean   persistent; /* persistent sessions with fixed client ids */

  int        epfd;
  Bench     *storm;      /* storm: the churn's own Bench, run by storm_thread */
  GThread   *storm_thread;
  gint       storm_stop;
  Conn      *churn;      /* storm: the connections that come and go */
  guint      n_churn;
  guint      churn_serial;
  guint64    churn_done; /* storm: CONNACKs received */
  guint64    churn_failed;
  gint64     t_churn_end;
  Conn      *conns;
  guint      n_conns;
  guint      next_open;
  guint      opening;
  guint      n_ready;
  guint      n_pubs_done;
  guint      n_closed_early;
  Phase      phase;
  char      *prefix;
  char      *filter;

  gint64     t_run;
  gint64     t_pub_done;
  gint64     t_first_rx;
  gint64     t_last_rx;
  gint64     last_progress;
  gint64     last_ping_check;

  guint64    unique;
  guint64    duplicates;
  guint64    foreign;
  guint64    rejected;     /* 5.0 PUBACK/PUBREC reason >= 0x80 */
  guint64    unexpected;   /* acks for ids not in flight, unknown packets */
  guint      granted_qos;
  guint      disconnect_reason; /* 5.0 DISCONNECT from the server, 0 = none */
  gboolean   stalled;
  gboolean   timed_out;
  char      *error;

  GArray    *latencies; /* gint64 ns */
  guint64    rss_before_kb;
  guint64    rss_after_kb;
  double     gen_cpu;
  double     broker_cpu;
};

static inline gint64
now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (gint64) ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
}

static void
bench_fail (Bench      *b,
            const char *format,
            ...) G_GNUC_PRINTF (2, 3);

static void
bench_fail (Bench      *b,
            const char *format,
            ...)
{
  va_list args;

  if (b->error == NULL)
    {
      va_start (args, format);
      b->error = g_strdup_vprintf (format, args);
      va_end (args);
    }
  b->phase = PHASE_DONE;
}

static void
conn_set_out (Conn    *c,
              gboolean want)
{
  struct epoll_event ev = { .events = EPOLLIN | (want ? EPOLLOUT : 0), .data.ptr = c };

  if (c->want_out == want || c->fd < 0)
    return;
  c->want_out = want;
  epoll_ctl (c->bench->epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

static void
conn_close (Conn *c)
{
  if (c->fd >= 0)
    {
      close (c->fd);
      c->fd = -1;
    }
  bd_bench_transport_clear (&c->transport);
  c->want_out = FALSE;
  if (c->state != CONN_CLOSED)
    {
      if (c->role != ROLE_CHURN && c->state >= CONN_TCP && c->state <= CONN_SUBACK)
        c->bench->opening--;
      c->state = CONN_CLOSED;
    }
}

/* A connection the broker dropped while the run still needed it. */
static void
conn_lost (Conn       *c,
           const char *why)
{
  Bench *b = c->bench;

  if (c->role == ROLE_CHURN)
    {
      /* A storm's connection that fails is counted, not fatal: how many the
       * broker drops under the storm is a result. */
      if (b->phase == PHASE_RUN)
        b->churn_failed++;
      conn_close (c);
      return;
    }
  if (b->phase == PHASE_CONNECT)
    bench_fail (b, "connection %s%u %s during setup",
                c->role == ROLE_PUB ? "pub" : c->role == ROLE_SUB ? "sub" : "idle",
                c->index, why);
  else if (b->phase != PHASE_DONE)
    b->n_closed_early++;
  conn_close (c);
}

static void
conn_flush (Conn   *c,
            gint64  now)
{
  while (bd_bench_buf_pending (&c->out) > 0 || bd_bench_transport_pending (&c->transport))
    {
      ssize_t n = bd_bench_transport_send (&c->transport, c->fd, c->out.data + c->out.pos,
                                           bd_bench_buf_pending (&c->out));

      if (n > 0)
        {
          c->out.pos += n;
          c->last_send = now;
        }
      else if (n == 0 && bd_bench_buf_pending (&c->out) == 0)
        continue;
      else if (n < 0 && errno == EINTR)
        continue;
      else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        {
          conn_set_out (c, TRUE);
          return;
        }
      else
        {
          conn_lost (c, g_strerror (errno));
          return;
        }
    }
  c->out.pos = c->out.len = 0;
  conn_set_out (c, FALSE);
}

static guint16
conn_alloc_id (Conn *c)
{
  guint16 id = c->next_id;

  /* The window is below 65535, so a free identifier always exists; in-order
   * acknowledgements make this scan one step long in practice. */
  for (;;)
    {
      if (id == 0)
        id = 1;
      if (c->id_state[id] == 0)
        break;
      id++;
    }
  c->next_id = id + 1;
  return id;
}

static void
pub_check_done (Bench  *b,
                Conn   *c,
                gint64  now)
{
  if (c->done || c->next_seq < b->per_pub)
    return;
  if (b->qos == 0 ? bd_bench_buf_pending (&c->out) > 0 : c->inflight > 0)
    return;
  c->done = TRUE;
  if (++b->n_pubs_done == b->n_pubs)
    {
      b->t_pub_done = now;
      if (b->phase == PHASE_RUN)
        b->phase = PHASE_DRAIN;
    }
}

static inline gint64
latency_due (Bench  *b,
             guint64 seq)
{
  return b->t_run + (gint64) ((double) seq * NS_PER_SEC / b->rate);
}

/* Appends as many PUBLISH packets as the window, the pacing and one turn's
 * byte budget allow, then sends them in one go. */
static void
pub_pump (Bench  *b,
          Conn   *c,
          gint64  now)
{
  guint8 payload[4096];

  c->ready = FALSE;
  if (c->state != CONN_READY || c->done || c->want_out)
    return;

  memset (payload + PAYLOAD_HDR, 'x', b->payload_len - PAYLOAD_HDR);
  while (c->next_seq < b->per_pub)
    {
      guint16 id = 0;
      guint32 index = c->index;
      gint64 sent;

      if (bd_bench_buf_pending (&c->out) >= PUMP_BYTES)
        {
          c->ready = TRUE;
          break;
        }
      if (b->qos > 0 && c->inflight >= c->window)
        break;
      if (b->latencies != NULL && latency_due (b, c->next_seq) > now)
        break;

      if (b->qos > 0)
        {
          id = conn_alloc_id (c);
          c->id_state[id] = 1;
          c->inflight++;
        }
      /* Stamped as late as possible: the latency includes our own send path. */
      sent = b->latencies != NULL ? now_ns () : now;
      memcpy (payload, &index, 4);
      memcpy (payload + 4, &c->next_seq, 8);
      memcpy (payload + 12, &sent, 8);
      bd_bench_mqtt_write_publish (&c->out, b->version, c->topic, c->topic_len, b->qos, id,
                                   payload, b->payload_len);
      c->next_seq++;
    }
  if (bd_bench_buf_pending (&c->out) > 0)
    {
      conn_flush (c, now);
      if (b->qos == 0)
        b->last_progress = now;
    }
  pub_check_done (b, c, now);
}

static void
sub_deliver (Bench          *b,
             Conn           *c,
             BdBenchPublish *pub,
             gint64          now)
{
  guint32 index;
  guint64 seq;
  guint64 bit;

  if (pub->payload_len < PAYLOAD_HDR)
    {
      b->foreign++;
      return;
    }
  memcpy (&index, pub->payload, 4);
  memcpy (&seq, pub->payload + 4, 8);
  if (index >= b->n_pubs || seq >= b->per_pub)
    {
      b->foreign++;
      return;
    }
  bit = (guint64) index * b->per_pub + seq;
  if (c->seen[bit >> 3] & (1u << (bit & 7)))
    {
      b->duplicates++;
      return;
    }
  c->seen[bit >> 3] |= 1u << (bit & 7);
  c->unique++;
  b->unique++;
  if (c->first_rx == 0)
    c->first_rx = now;
  c->last_rx = now;
  b->last_progress = now;

  if (b->latencies != NULL)
    {
      gint64 sent;
      gint64 latency;

      memcpy (&sent, pub->payload + 12, 8);
      latency = now - sent;
      g_array_append_val (b->latencies, latency);
    }
}

static void
pub_acked (Bench   *b,
           Conn    *c,
           guint16  id,
           gint64   now)
{
  c->id_state[id] = 0;
  c->inflight--;
  c->acked++;
  b->last_progress = now;
  pub_check_done (b, c, now);
}

static void
conn_connected (Bench               *b,
                Conn                *c,
                const BdBenchPacket *packet,
                gint64               now)
{
  BdBenchConnack ack;

  if (c->state != CONN_CONNACK || !bd_bench_mqtt_read_connack (packet, b->version, &ack))
    {
      bench_fail (b, "malformed or unexpected CONNACK");
      return;
    }
  if (ack.reason != 0)
    {
      bench_fail (b, "CONNACK refused the connection: reason 0x%02x", ack.reason);
      return;
    }
  if (c->role == ROLE_CHURN)
    {
      /* Reset, not closed: thousands of TIME_WAIT sockets would run out of
       * ports; the broker sees a client that went away. */
      struct linger lin = { .l_onoff = 1, .l_linger = 0 };

      if (b->phase == PHASE_RUN)
        b->churn_done++;
      setsockopt (c->fd, SOL_SOCKET, SO_LINGER, &lin, sizeof lin);
      conn_close (c);
      return;
    }
  if (c->role == ROLE_PUB)
    {
      /* A 5.0 publisher must not have more unacknowledged QoS 1/2 messages
       * than the server's Receive Maximum [MQTT-3.3.4-7]. */
      c->window = MIN (b->window, ack.receive_maximum);
      if ((guint) b->qos > ack.maximum_qos)
        {
          bench_fail (b, "the broker's Maximum QoS is %u", ack.maximum_qos);
          return;
        }
    }
  if (c->role == ROLE_SUB)
    {
      bd_bench_mqtt_write_subscribe (&c->out, b->version, 1, b->filter, b->qos);
      c->state = CONN_SUBACK;
      conn_flush (c, now);
      return;
    }
  c->state = CONN_READY;
  b->opening--;
  b->n_ready++;
}

static void
conn_handle (Bench               *b,
             Conn                *c,
             const BdBenchPacket *packet,
             gint64               now)
{
  BdBenchPublish pub;
  guint16 id;
  guint reason;

  switch (packet->type)
    {
    case BD_BENCH_CONNACK:
      conn_connected (b, c, packet, now);
      break;

    case BD_BENCH_SUBACK:
      if (c->state != CONN_SUBACK || !bd_bench_mqtt_read_ack (packet, b->version, &id, &reason))
        {
          bench_fail (b, "malformed or unexpected SUBACK");
          break;
        }
      if (reason >= 0x80)
        {
          bench_fail (b, "SUBACK refused the subscription: reason 0x%02x", reason);
          break;
        }
      b->granted_qos = MIN (b->granted_qos, reason);
      c->state = CONN_READY;
      b->opening--;
      b->n_ready++;
      break;

    case BD_BENCH_PUBLISH:
      if (!bd_bench_mqtt_read_publish (packet, b->version, &pub))
        {
          bench_fail (b, "malformed PUBLISH");
          break;
        }
      sub_deliver (b, c, &pub, now);
      if (pub.qos == 1)
        bd_bench_mqtt_write_ack (&c->out, BD_BENCH_PUBACK, pub.packet_id);
      else if (pub.qos == 2)
        bd_bench_mqtt_write_ack (&c->out, BD_BENCH_PUBREC, pub.packet_id);
      break;

    case BD_BENCH_PUBREL:
      if (!bd_bench_mqtt_read_ack (packet, b->version, &id, &reason))
        {
          bench_fail (b, "malformed PUBREL");
          break;
        }
      bd_bench_mqtt_write_ack (&c->out, BD_BENCH_PUBCOMP, id);
      break;

    case BD_BENCH_PUBACK:
    case BD_BENCH_PUBREC:
    case BD_BENCH_PUBCOMP:
      if (!bd_bench_mqtt_read_ack (packet, b->version, &id, &reason))
        {
          bench_fail (b, "malformed acknowledgement");
          break;
        }
      if (c->role != ROLE_PUB
          || c->id_state[id] != (packet->type == BD_BENCH_PUBCOMP ? 2 : 1)
          || (packet->type == BD_BENCH_PUBACK) != (b->qos == 1))
        {
          b->unexpected++;
          break;
        }
      if (reason >= 0x80)
        {
          /* A 5.0 refusal ends the flow: the message is not delivered. */
          b->rejected++;
          pub_acked (b, c, id, now);
          c->acked--;
        }
      else if (packet->type == BD_BENCH_PUBREC)
        {
          c->id_state[id] = 2;
          bd_bench_mqtt_write_ack (&c->out, BD_BENCH_PUBREL, id);
          b->last_progress = now;
        }
      else
        pub_acked (b, c, id, now);
      break;

    case BD_BENCH_PINGRESP:
      break;

    case BD_BENCH_DISCONNECT:
      if (packet->body_len > 0)
        b->disconnect_reason = packet->body[0];
      else
        b->disconnect_reason = 0x100; /* "normal", but unasked for */
      break;

    default:
      b->unexpected++;
      break;
    }
}

static void
conn_read (Bench  *b,
           Conn   *c,
           gint64  now)
{
  /* A few reads per wake-up at most, so one busy socket cannot starve the rest. */
  for (int round = 0; round < 4 && c->fd >= 0; round++)
    {
      /* Idle connections only ever receive a CONNACK: 5,000 of them must not
       * each grow a READ_CHUNK buffer. */
      guint8 *p = bd_bench_buf_reserve (&c->in, c->role >= ROLE_IDLE ? 64 : READ_CHUNK);
      gsize room = c->in.cap - c->in.len;
      ssize_t n = bd_bench_transport_recv (&c->transport, c->fd, p, room);
      gsize off = 0;
      BdBenchPacket packet;
      gsize used;
      BdBenchParse r;

      if (n == 0)
        {
          c->eof = TRUE;
          if (b->phase != PHASE_DONE)
            conn_lost (c, "was closed by the broker");
          else
            conn_close (c);
          return;
        }
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          if (errno != EAGAIN && errno != EWOULDBLOCK)
            conn_lost (c, g_strerror (errno));
          break;
        }
      c->in.len += n;
      /* One clock reading per read(): every packet in it arrived together. */
      now = now_ns ();
      while ((r = bd_bench_mqtt_next (c->in.data + off, c->in.len - off, &packet, &used))
             == BD_BENCH_PARSE_OK)
        {
          conn_handle (b, c, &packet, now);
          off += used;
        }
      if (r == BD_BENCH_PARSE_MALFORMED)
        {
          bench_fail (b, "malformed packet header from the broker");
          return;
        }
      bd_bench_buf_consume (&c->in, off);
      if ((gsize) n < room)
        break;
    }
  if (c->fd >= 0 && bd_bench_buf_pending (&c->out) > 0 && !c->want_out)
    conn_flush (c, now);
}

static void
conn_open (Bench *b,
           Conn  *c)
{
  struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT, .data.ptr = c };
  int one = 1;
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

  if (fd < 0)
    {
      bench_fail (b, "socket(): %s", g_strerror (errno));
      return;
    }
  /* MQTT packets are small and latency matters; batching is done by us. */
  setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (connect (fd, (struct sockaddr *) &b->addr, sizeof b->addr) < 0 && errno != EINPROGRESS)
    {
      bench_fail (b, "connect(): %s", g_strerror (errno));
      close (fd);
      return;
    }
  c->fd = fd;
  c->state = CONN_TCP;
  c->want_out = TRUE;
  if (c->role != ROLE_CHURN)
    b->opening++;
  epoll_ctl (b->epfd, EPOLL_CTL_ADD, fd, &ev);
}

static void conn_send_connect (Bench  *b,
                               Conn   *c,
                               gint64  now);

/* One step of the TLS handshake and WebSocket upgrade; CONNECT once done. */
static void
conn_handshake (Bench  *b,
                Conn   *c,
                gint64  now)
{
  guint32 events = 0;
  const char *why = NULL;
  int r = bd_bench_transport_handshake (&c->transport, c->fd, &events, &why);

  if (r < 0)
    {
      if (c->role == ROLE_CHURN)
        conn_lost (c, why);
      else
        bench_fail (b, "%s", why);
      return;
    }
  if (r == 0)
    {
      struct epoll_event ev = { .events = events, .data.ptr = c };

      c->want_out = (events & EPOLLOUT) != 0;
      epoll_ctl (b->epfd, EPOLL_CTL_MOD, c->fd, &ev);
      return;
    }
  conn_set_out (c, FALSE);
  conn_send_connect (b, c, now);
}

static void
conn_tcp_ready (Bench  *b,
                Conn   *c,
                gint64  now)
{
  int err = 0;
  socklen_t len = sizeof err;

  getsockopt (c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
  if (err != 0)
    {
      if (c->role == ROLE_CHURN)
        conn_lost (c, g_strerror (err));
      else
        bench_fail (b, "connect(): %s", g_strerror (err));
      return;
    }
  if (bd_bench_transport_wanted ())
    {
      c->state = CONN_HANDSHAKE;
      conn_handshake (b, c, now);
      return;
    }
  conn_send_connect (b, c, now);
}

static void
conn_send_connect (Bench  *b,
                   Conn   *c,
                   gint64  now)
{
  char client_id[64];

  /* Persistent sessions keep the same client ids from run to run, so that a
   * broker holds one session per connection however many runs it sees. */
  if (b->persistent)
    g_snprintf (client_id, sizeof client_id, "bdb-%c%u",
                c->role == ROLE_PUB ? 'p' : c->role == ROLE_SUB ? 's' : 'i', c->index);
  else if (c->role == ROLE_CHURN)
    g_snprintf (client_id, sizeof client_id, "bdb%d-c%u", (int) getpid (), b->churn_serial++);
  else
    g_snprintf (client_id, sizeof client_id, "bdb%d-%c%u", (int) getpid (),
                c->role == ROLE_PUB ? 'p' : c->role == ROLE_SUB ? 's' : 'i', c->index);
  bd_bench_mqtt_write_connect_session (&c->out, b->version, client_id,
                                       c->role == ROLE_IDLE ? 600 : KEEPALIVE,
                                       b->persistent ? SESSION_EXPIRY : 0);
  c->state = CONN_CONNACK;
  conn_flush (c, now);
}

static void
bench_dispatch (Bench              *b,
                struct epoll_event *events,
                int                 n,
                gint64              now)
{
  for (int i = 0; i < n; i++)
    {
      Conn *c = events[i].data.ptr;

      if (c->fd < 0)
        continue;
      if (c->state == CONN_TCP)
        {
          if (events[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
            conn_tcp_ready (b, c, now);
          continue;
        }
      if (c->state == CONN_HANDSHAKE)
        {
          conn_handshake (b, c, now);
          continue;
        }
      if (events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP))
        conn_read (b, c, now);
      if (c->fd >= 0 && (events[i].events & EPOLLOUT))
        conn_flush (c, now);
    }
}

/* The anonymous part of @pid's RSS (heap, stacks) in kB, or 0. Not VmRSS:
 * that also counts file-backed pages, and the first connections map the
 * broker's and its libraries' code for their path (about 200 kB, or nothing
 * when fault-around had mapped it already), which made the figure per
 * connection jump between runs by 200 bytes at 1,000 connections. */
static guint64
read_rss_kb (int pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", pid);
  g_autofree char *text = NULL;
  const char *line;

  if (pid <= 0 || !g_file_get_contents (path, &text, NULL, NULL))
    return 0;
  line = strstr (text, "\nRssAnon:");
  if (line == NULL)
    return 0;
  return g_ascii_strtoull (line + 9, NULL, 10);
}

/* utime + stime of @pid in clock ticks, or -1. */
static gint64
read_cpu_ticks (int pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", pid);
  g_autofree char *text = NULL;
  g_auto(GStrv) fields = NULL;
  const char *rest;

  if (pid <= 0 || !g_file_get_contents (path, &text, NULL, NULL))
    return -1;
  /* The command name is in parentheses and may hold spaces: start after it. */
  rest = strrchr (text, ')');
  if (rest == NULL)
    return -1;
  fields = g_strsplit (rest + 2, " ", 0);
  if (g_strv_length (fields) < 13)
    return -1;
  /* Fields 14 and 15 of stat(5); "state" (field 3) is fields[0] here. */
  return g_ascii_strtoll (fields[11], NULL, 10) + g_ascii_strtoll (fields[12], NULL, 10);
}

static double
self_cpu_seconds (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6
         + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static void
bench_ping_idle_conns (Bench  *b,
                       gint64  now)
{
  /* Only QoS 0 subscribers and paced publishers can be silent for long;
   * a PINGREQ at half the keep alive keeps the broker from dropping them
   * [MQTT-3.1.2-24]. Checked once a second. */
  if (now - b->last_ping_check < NS_PER_SEC)
    return;
  b->last_ping_check = now;
  for (guint i = 0; i < b->n_conns; i++)
    {
      Conn *c = &b->conns[i];

      if (c->state == CONN_READY && c->role != ROLE_IDLE
          && now - c->last_send > KEEPALIVE / 2 * NS_PER_SEC)
        {
          bd_bench_mqtt_write_pingreq (&c->out);
          if (!c->want_out)
            conn_flush (c, now);
        }
    }
}

static void bench_storm_start (Bench  *b,
                               gint64  now);

static void
bench_start_run (Bench  *b,
                 gint64  now)
{
  b->phase = PHASE_RUN;
  b->t_run = now;
  b->last_progress = now;
  bench_storm_start (b, now);
  if (b->sc->kind == KIND_IDLE)
    {
      /* Give the broker a moment to finish any work it defers after CONNACK. */
      b->deadline = MIN (b->deadline, now + b->settle_ns);
    }
}

static int
bench_loop_timeout (Bench  *b,
                    gint64  now,
                    gboolean busy)
{
  gint64 wake = now + 50 * NS_PER_MS;

  if (busy)
    return 0;
  if (b->phase == PHASE_RUN && b->latencies != NULL && b->n_pubs > 0)
    {
      Conn *c = &b->conns[0];

      if (!c->done && c->next_seq < b->per_pub && c->inflight < c->window)
        wake = MIN (wake, latency_due (b, c->next_seq));
    }
  wake = MIN (wake, b->deadline);
  if (wake <= now)
    return 0;
  return (int) ((wake - now + NS_PER_MS - 1) / NS_PER_MS);
}

/* The storm's new connections come from a thread of their own, with its
 * own epoll set: the generator's side of each TLS handshake then does not
 * delay the latency pair it measures, which the broker's side would be
 * blamed for. */
static gpointer
storm_thread_run (gpointer data)
{
  Bench *s = data;
  struct epoll_event events[MAX_EVENTS];

  while (!g_atomic_int_get (&s->storm_stop) && now_ns () < s->deadline)
    {
      int n;

      for (guint i = 0; i < s->n_churn; i++)
        if (s->churn[i].state == CONN_NEW || s->churn[i].state == CONN_CLOSED)
          conn_open (s, &s->churn[i]);
      n = epoll_wait (s->epfd, events, MAX_EVENTS, 10);
      if (n > 0)
        bench_dispatch (s, events, n, now_ns ());
    }
  s->t_churn_end = now_ns ();
  s->phase = PHASE_DONE;
  for (guint i = 0; i < s->n_churn; i++)
    {
      struct linger lin = { .l_onoff = 1, .l_linger = 0 };

      if (s->churn[i].fd >= 0)
        setsockopt (s->churn[i].fd, SOL_SOCKET, SO_LINGER, &lin, sizeof lin);
      conn_close (&s->churn[i]);
    }
  return NULL;
}

static void
bench_storm_start (Bench  *b,
                   gint64  now)
{
  if (b->storm == NULL)
    return;
  b->storm->t_run = now;
  b->storm->phase = PHASE_RUN;
  b->storm->deadline = b->deadline;
  b->storm_thread = g_thread_new ("storm", storm_thread_run, b->storm);
}

static void
bench_storm_stop (Bench *b)
{
  if (b->storm_thread == NULL)
    return;
  g_atomic_int_set (&b->storm->storm_stop, 1);
  g_thread_join (g_steal_pointer (&b->storm_thread));
}

static void
bench_run (Bench *b)
{
  struct epoll_event events[MAX_EVENTS];
  double cpu0 = 0;
  gint64 broker0 = -1;

  while (b->phase != PHASE_DONE)
    {
      gint64 now = now_ns ();
      gboolean busy = FALSE;
      int n;

      if (b->phase == PHASE_CONNECT)
        {
          while (b->opening < MAX_OPENING && b->next_open < b->n_conns
                 && b->phase == PHASE_CONNECT)
            conn_open (b, &b->conns[b->next_open++]);
          if (b->n_ready == b->n_conns)
            {
              bench_start_run (b, now);
              cpu0 = self_cpu_seconds ();
              broker0 = read_cpu_ticks (b->broker_pid);
            }
        }
      if (b->phase == PHASE_RUN)
        for (guint i = 0; i < b->n_pubs; i++)
          {
            pub_pump (b, &b->conns[i], now);
            busy |= b->conns[i].ready;
          }
      if (b->phase >= PHASE_DRAIN)
        bench_storm_stop (b);

      if (b->phase == PHASE_DRAIN && b->unique == b->messages * b->n_subs)
        break;
      if (b->phase == PHASE_RUN || b->phase == PHASE_DRAIN)
        {
          if (b->sc->kind != KIND_IDLE && now - b->last_progress > b->stall_ns)
            {
              b->stalled = TRUE;
              break;
            }
          if (b->n_subs > 0 && b->n_closed_early > 0)
            {
              /* Lost connections cannot recover within a run: stop here. */
              break;
            }
        }
      if (now >= b->deadline)
        {
          if (b->sc->kind == KIND_IDLE && b->phase == PHASE_RUN)
            break;
          if (b->phase == PHASE_CONNECT)
            bench_fail (b, "timed out connecting (%u of %u ready)", b->n_ready, b->n_conns);
          b->timed_out = TRUE;
          break;
        }
      bench_ping_idle_conns (b, now);

      n = epoll_wait (b->epfd, events, MAX_EVENTS, bench_loop_timeout (b, now, busy));
      if (n < 0 && errno != EINTR)
        {
          bench_fail (b, "epoll_wait(): %s", g_strerror (errno));
          break;
        }
      if (n > 0)
        bench_dispatch (b, events, n, now_ns ());
    }

  bench_storm_stop (b);
  if (b->t_run > 0)
    {
      /* Up to the last progress: a run that ends by stalling spends its last
       * --stall-ms waiting, and neither process works then. */
      gint64 end = b->sc->kind == KIND_IDLE || !b->stalled ? now_ns () : b->last_progress;
      double wall = (double) (end - b->t_run) / NS_PER_SEC;
      gint64 broker1 = read_cpu_ticks (b->broker_pid);

      if (wall > 0)
        {
          b->gen_cpu = (self_cpu_seconds () - cpu0) / wall;
          if (broker0 >= 0 && broker1 >= 0)
            b->broker_cpu = (double) (broker1 - broker0) / sysconf (_SC_CLK_TCK) / wall;
        }
    }
  if (b->sc->kind == KIND_IDLE)
    b->rss_after_kb = read_rss_kb (b->broker_pid);
}

/* Sends DISCONNECT everywhere and waits (bounded) for the broker to close each
 * connection: the side that closes first keeps the TIME_WAIT entry, and 5,000
 * of them per run on our side would exhaust the ephemeral ports over a few
 * rounds. Whatever is still open after the grace period is reset. */
static void
bench_close (Bench *b)
{
  struct epoll_event events[MAX_EVENTS];
  gint64 now = now_ns ();
  gint64 until = now + 2 * NS_PER_SEC;

  b->phase = PHASE_DONE;
  for (guint i = 0; i < b->n_conns; i++)
    {
      Conn *c = &b->conns[i];

      if (c->fd < 0)
        continue;
      if (c->state == CONN_TCP || c->state == CONN_HANDSHAKE)
        {
          conn_close (c);
          continue;
        }
      c->out.pos = c->out.len = 0;
      bd_bench_mqtt_write_disconnect (&c->out);
      conn_flush (c, now);
    }
  while ((now = now_ns ()) < until)
    {
      guint open = 0;
      int n;

      for (guint i = 0; i < b->n_conns; i++)
        open += b->conns[i].fd >= 0;
      if (open == 0)
        break;
      n = epoll_wait (b->epfd, events, MAX_EVENTS, (int) ((until - now) / NS_PER_MS) + 1);
      for (int i = 0; i < n; i++)
        {
          Conn *c = events[i].data.ptr;

          if (c->fd >= 0 && (events[i].events & EPOLLOUT))
            conn_flush (c, now);
          if (c->fd < 0)
            continue;
          /* Anything still arriving is drained unparsed. */
          for (;;)
            {
              guint8 sink[16384];
              ssize_t r = recv (c->fd, sink, sizeof sink, 0);

              if (r > 0)
                continue;
              if (r < 0 && errno == EINTR)
                continue;
              if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
                conn_close (c);
              break;
            }
        }
    }
  for (guint i = 0; i < b->n_conns; i++)
    {
      Conn *c = &b->conns[i];
      struct linger lin = { .l_onoff = 1, .l_linger = 0 };

      if (c->fd >= 0)
        setsockopt (c->fd, SOL_SOCKET, SO_LINGER, &lin, sizeof lin);
      conn_close (c);
    }
}

static int
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a;
  gint64 y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

static double
percentile_us (GArray *values,
               double  p)
{
  gsize rank;

  if (values->len == 0)
    return 0;
  /* Nearest rank: the smallest value with at least p of the samples at or below it. */
  rank = (gsize) ceil (p * values->len);
  rank = CLAMP (rank, 1, values->len);
  return g_array_index (values, gint64, rank - 1) / 1000.0;
}

static void
json_num (GString    *s,
          const char *key,
          double      value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append_printf (s, ",\"%s\":%s", key,
                          g_ascii_formatd (buf, sizeof buf, "%.6g", value));
}

static void
json_int (GString    *s,
          const char *key,
          gint64      value)
{
  g_string_append_printf (s, ",\"%s\":%" G_GINT64_FORMAT, key, value);
}

static char *
bench_report (Bench *b)
{
  GString *s = g_string_new (NULL);

  g_string_append_printf (s, "{\"scenario\":\"%s\",\"mqtt\":%d", b->sc->name,
                          b->version == 5 ? 5 : 3);
  if (b->sc->kind == KIND_IDLE)
    {
      json_int (s, "connections", b->n_ready);
      json_int (s, "rss_before_kb", b->rss_before_kb);
      json_int (s, "rss_after_kb", b->rss_after_kb);
      if (b->n_ready > 0 && b->rss_after_kb > 0)
        json_num (s, "bytes_per_conn",
                  ((double) b->rss_after_kb - (double) b->rss_before_kb) * 1024.0 / b->n_ready);
    }
  else
    {
      guint64 expected = b->messages * b->n_subs;
      guint64 published = 0;
      guint64 acked = 0;
      guint64 unacked = 0;
      double span = (double) (b->t_last_rx - b->t_first_rx) / NS_PER_SEC;
      double pub_span = (double) ((b->t_pub_done ? b->t_pub_done : now_ns ()) - b->t_run)
                        / NS_PER_SEC;
      guint window = b->window;

      for (guint i = 0; i < b->n_pubs; i++)
        {
          published += b->conns[i].next_seq;
          acked += b->conns[i].acked;
          unacked += b->conns[i].inflight;
          window = MIN (window, b->conns[i].window);
        }
      json_int (s, "qos", b->qos);
      json_int (s, "publishers", b->n_pubs);
      json_int (s, "subscribers", b->n_subs);
      json_int (s, "payload", b->payload_len);
      json_int (s, "messages", b->messages);
      if (b->qos > 0)
        {
          json_int (s, "inflight", b->window);
          json_int (s, "window", window);
        }
      json_int (s, "published", published);
      if (b->qos > 0)
        {
          json_int (s, "acked", acked);
          json_int (s, "unacked", unacked);
        }
      json_int (s, "expected", expected);
      json_int (s, "received", b->unique);
      json_int (s, "lost", expected - b->unique);
      json_int (s, "duplicates", b->duplicates);
      json_num (s, "rate", span > 0 && b->unique > 1 ? (b->unique - 1) / span : 0);
      json_num (s, "seconds", span);
      json_num (s, "pub_rate", pub_span > 0 ? published / pub_span : 0);
      if (b->storm != NULL)
        {
          Bench *st = b->storm;
          double churn_span = st->t_churn_end > st->t_run
                              ? (double) (st->t_churn_end - st->t_run) / NS_PER_SEC : 0;

          json_int (s, "idle_connections", b->n_idle);
          json_int (s, "new_connections", st->churn_done);
          json_int (s, "new_failed", st->churn_failed);
          json_num (s, "conn_rate", churn_span > 0 ? st->churn_done / churn_span : 0);
        }
      if (b->latencies != NULL)
        {
          double sum = 0;

          g_array_sort (b->latencies, compare_gint64);
          for (guint i = 0; i < b->latencies->len; i++)
            sum += g_array_index (b->latencies, gint64, i);
          json_num (s, "p50_us", percentile_us (b->latencies, 0.50));
          json_num (s, "p99_us", percentile_us (b->latencies, 0.99));
          json_num (s, "max_us", percentile_us (b->latencies, 1.0));
          json_num (s, "mean_us", b->latencies->len ? sum / b->latencies->len / 1000.0 : 0);
        }
      if (b->foreign > 0)
        json_int (s, "foreign", b->foreign);
      if (b->rejected > 0)
        json_int (s, "rejected", b->rejected);
      if (b->unexpected > 0)
        json_int (s, "unexpected", b->unexpected);
      if (b->granted_qos < (guint) b->qos)
        json_int (s, "granted_qos", b->granted_qos);
      if (b->n_closed_early > 0)
        json_int (s, "closed_by_broker", b->n_closed_early);
      if (b->disconnect_reason != 0)
        json_int (s, "disconnect_reason", b->disconnect_reason & 0xff);
      g_string_append_printf (s, ",\"stalled\":%s", b->stalled ? "true" : "false");
      if (b->broker_pid > 0)
        json_num (s, "broker_cpu", b->broker_cpu);
    }
  g_string_append_printf (s, ",\"timed_out\":%s", b->timed_out ? "true" : "false");
  json_num (s, "gen_cpu", b->gen_cpu);
  if (b->error != NULL)
    {
      g_autofree char *escaped = g_strescape (b->error, NULL);

      g_string_append_printf (s, ",\"error\":\"%s\"", escaped);
    }
  g_string_append_c (s, '}');
  return g_string_free (s, FALSE);
}

static void
raise_nofile (guint needed)
{
  struct rlimit rl;

  if (getrlimit (RLIMIT_NOFILE, &rl) != 0)
    return;
  if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < needed + 64)
    {
      rl.rlim_cur = rl.rlim_max == RLIM_INFINITY ? needed + 64 : MIN (rl.rlim_max, needed + 64);
      setrlimit (RLIMIT_NOFILE, &rl);
    }
}

static const Scenario *
find_scenario (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (scenarios); i++)
    if (g_strcmp0 (scenarios[i].name, name) == 0)
      return &scenarios[i];
  return NULL;
}

static void
bench_setup (Bench *b)
{
  guint64 seen_bytes;

  b->n_conns = b->n_pubs + b->n_subs + b->n_idle;
  b->conns = g_new0 (Conn, b->n_conns);
  b->prefix = g_strdup_printf ("bench/%d-%08x", (int) getpid (), g_random_int ());
  b->filter = b->n_pubs > 1 ? g_strdup_printf ("%s/#", b->prefix)
                            : g_strdup_printf ("%s/0", b->prefix);
  b->per_pub = b->n_pubs > 0 ? (b->messages + b->n_pubs - 1) / b->n_pubs : 0;
  b->messages = b->per_pub * b->n_pubs;
  b->granted_qos = 2;
  seen_bytes = (b->messages + 7) / 8 + 1;

  if (b->n_churn > 0)
    {
      b->storm = g_new0 (Bench, 1);
      b->storm->sc = b->sc;
      b->storm->addr = b->addr;
      b->storm->version = b->version;
      b->storm->n_churn = b->n_churn;
      b->storm->epfd = epoll_create1 (EPOLL_CLOEXEC);
      b->storm->churn = g_new0 (Conn, b->n_churn);
    }
  for (guint i = 0; i < b->n_churn; i++)
    {
      Conn *c = &b->storm->churn[i];

      c->bench = b->storm;
      c->fd = -1;
      c->state = CONN_NEW;
      c->role = ROLE_CHURN;
      c->index = i;
      bd_bench_buf_init (&c->in, 256);
      bd_bench_buf_init (&c->out, 256);
    }
  for (guint i = 0; i < b->n_conns; i++)
    {
      Conn *c = &b->conns[i];

      c->bench = b;
      c->fd = -1;
      c->state = CONN_NEW;
      if (i < b->n_pubs)
        {
          c->role = ROLE_PUB;
          c->index = i;
          c->window = b->window;
          c->id_state = g_malloc0 (65536);
          c->next_id = 1;
          c->topic = g_strdup_printf ("%s/%u", b->prefix, i);
          c->topic_len = strlen (c->topic);
          bd_bench_buf_init (&c->in, READ_CHUNK);
          bd_bench_buf_init (&c->out, 2 * PUMP_BYTES);
        }
      else if (i < b->n_pubs + b->n_subs)
        {
          c->role = ROLE_SUB;
          c->index = i - b->n_pubs;
          c->seen = g_malloc0 (seen_bytes);
          bd_bench_buf_init (&c->in, READ_CHUNK);
          bd_bench_buf_init (&c->out, 16384);
        }
      else
        {
          /* Idle connections get small buffers: 5,000 of them must stay cheap. */
          c->role = ROLE_IDLE;
          c->index = i - b->n_pubs - b->n_subs;
          bd_bench_buf_init (&c->in, 256);
          bd_bench_buf_init (&c->out, 256);
        }
    }
}

static void
bench_finish_stats (Bench *b)
{
  for (guint i = b->n_pubs; i < b->n_pubs + b->n_subs; i++)
    {
      Conn *c = &b->conns[i];

      if (c->first_rx != 0 && (b->t_first_rx == 0 || c->first_rx < b->t_first_rx))
        b->t_first_rx = c->first_rx;
      b->t_last_rx = MAX (b->t_last_rx, c->last_rx);
    }
}

static void
bench_free (Bench *b)
{
  for (guint i = 0; i < b->n_conns; i++)
    {
      Conn *c = &b->conns[i];

      bd_bench_buf_clear (&c->in);
      bd_bench_buf_clear (&c->out);
      g_free (c->id_state);
      g_free (c->topic);
      g_free (c->seen);
    }
  if (b->storm != NULL)
    {
      for (guint i = 0; i < b->storm->n_churn; i++)
        {
          bd_bench_buf_clear (&b->storm->churn[i].in);
          bd_bench_buf_clear (&b->storm->churn[i].out);
        }
      g_free (b->storm->churn);
      g_free (b->storm->error);
      close (b->storm->epfd);
      g_free (b->storm);
    }
  g_free (b->conns);
  g_free (b->prefix);
  g_free (b->filter);
  g_free (b->error);
  if (b->latencies != NULL)
    g_array_unref (b->latencies);
  if (b->epfd >= 0)
    close (b->epfd);
}

static void
list_scenarios (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (scenarios); i++)
    g_print ("%-14s %s\n", scenarios[i].name, scenarios[i].summary);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *host = NULL;
  g_autofree char *scenario = NULL;
  g_autofree char *mqtt = NULL;
  int port = 0;
  gint64 messages = -1;
  int inflight = -1;
  int qos = -1;
  int publishers = -1;
  int subscribers = -1;
  int connections = 5000;
  int payload = 64;
  double rate = 1000;
  double duration = 10;
  double timeout = 120;
  int stall_ms = 3000;
  int settle_ms = 1000;
  int pid = 0;
  gboolean list = FALSE;
  gboolean persistent = FALSE;
  g_autofree char *cafile = NULL;
  gboolean websockets = FALSE;
  int storm = 16;
  Bench bench = { .epfd = -1 };
  Bench *b = &bench;
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *report = NULL;
  const GOptionEntry entries[] = {
    { "host", 'h', 0, G_OPTION_ARG_STRING, &host, "Broker address: a 127.x.x.x loopback address (default 127.0.0.1)", "ADDR" },
    { "port", 'p', 0, G_OPTION_ARG_INT, &port, "Broker port (required)", "PORT" },
    { "scenario", 's', 0, G_OPTION_ARG_STRING, &scenario, "Scenario to run (see --list)", "NAME" },
    { "mqtt", 'm', 0, G_OPTION_ARG_STRING, &mqtt, "Protocol: 3 (3.1.1, default) or 5", "3|5" },
    { "messages", 'n', 0, G_OPTION_ARG_INT64, &messages, "Messages published in total", "N" },
    { "inflight", 'w', 0, G_OPTION_ARG_INT, &inflight, "Unacknowledged QoS 1/2 messages per publisher", "W" },
    { "qos", 'q', 0, G_OPTION_ARG_INT, &qos, "Override the scenario's QoS", "0|1|2" },
    { "publishers", 0, 0, G_OPTION_ARG_INT, &publishers, "Override the number of publishers", "N" },
    { "subscribers", 0, 0, G_OPTION_ARG_INT, &subscribers, "Override the number of subscribers", "N" },
    { "payload", 0, 0, G_OPTION_ARG_INT, &payload, "Payload bytes (20-4096, default 64)", "BYTES" },
    { "rate", 0, 0, G_OPTION_ARG_DOUBLE, &rate, "latency: messages per second (default 1000)", "R" },
    { "duration", 0, 0, G_OPTION_ARG_DOUBLE, &duration, "latency: seconds (default 10)", "S" },
    { "connections", 0, 0, G_OPTION_ARG_INT, &connections, "idle: connections (default 5000)", "N" },
    { "pid", 0, 0, G_OPTION_ARG_INT, &pid, "Broker process id, for its RSS and CPU time", "PID" },
    { "settle-ms", 0, 0, G_OPTION_ARG_INT, &settle_ms, "idle: wait before reading RSS (default 1000)", "MS" },
    { "stall-ms", 0, 0, G_OPTION_ARG_INT, &stall_ms, "End a run after this long without progress (default 3000)", "MS" },
    { "timeout", 't', 0, G_OPTION_ARG_DOUBLE, &timeout, "Hard limit for the whole run in seconds (default 120)", "S" },
    { "persistent", 0, 0, G_OPTION_ARG_NONE, &persistent, "Persistent sessions (Clean Session 0, or a session expiry in MQTT 5) with fixed client ids; with --subscribers 0 the messages queue for an offline subscriber's session", NULL },
    { "tls", 0, 0, G_OPTION_ARG_FILENAME, &cafile, "Connect over TLS, checking the broker's certificate (for 127.0.0.1) against this CA file", "CAFILE" },
    { "websockets", 0, 0, G_OPTION_ARG_NONE, &websockets, "MQTT over WebSockets (RFC 6455, subprotocol mqtt), over TLS with --tls", NULL },
    { "storm", 0, 0, G_OPTION_ARG_INT, &storm, "storm: connections being opened at any time (default 16)", "N" },
    { "list", 'l', 0, G_OPTION_ARG_NONE, &list, "List the scenarios", NULL },
    { NULL }
  };

  context = g_option_context_new ("- MQTT broker load generator");
  g_option_context_set_help_enabled (context, TRUE);
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("bd-bench: %s\n", error->message);
      return 2;
    }
  if (list)
    {
      list_scenarios ();
      return 0;
    }
  b->sc = find_scenario (scenario != NULL ? scenario : "qos0");
  if (b->sc == NULL)
    {
      g_printerr ("bd-bench: unknown scenario “%s”; --list shows them\n", scenario);
      return 2;
    }
  if (port <= 0 || port > 65535)
    {
      g_printerr ("bd-bench: --port is required\n");
      return 2;
    }
  b->addr.sin_family = AF_INET;
  b->addr.sin_port = htons (port);
  if (inet_pton (AF_INET, host != NULL ? host : "127.0.0.1", &b->addr.sin_addr) != 1
      || (ntohl (b->addr.sin_addr.s_addr) >> 24) != 127)
    {
      /* A load generator aimed at someone else's host is a denial of service. */
      g_printerr ("bd-bench: --host must be an IPv4 loopback address (127.x.x.x)\n");
      return 2;
    }
  if (mqtt == NULL || g_str_equal (mqtt, "3") || g_str_equal (mqtt, "4")
      || g_str_equal (mqtt, "3.1.1"))
    b->version = 4;
  else if (g_str_equal (mqtt, "5") || g_str_equal (mqtt, "5.0"))
    b->version = 5;
  else
    {
      g_printerr ("bd-bench: --mqtt must be 3 or 5\n");
      return 2;
    }
  if (payload < PAYLOAD_HDR || payload > 4096 || (qos != -1 && (qos < 0 || qos > 2))
      || (inflight != -1 && (inflight < 1 || inflight > 65000)) || rate <= 0 || duration <= 0
      || connections < 1 || connections > 100000 || messages == 0 || messages > G_MAXINT32
      || timeout <= 0 || stall_ms <= 0 || settle_ms < 0)
    {
      g_printerr ("bd-bench: an option is out of range; see --help\n");
      return 2;
    }

  b->qos = qos >= 0 ? qos : b->sc->qos;
  b->window = inflight > 0 ? (guint) inflight : b->sc->window;
  b->payload_len = payload;
  b->rate = rate;
  b->stall_ns = stall_ms * NS_PER_MS;
  b->settle_ns = settle_ms * NS_PER_MS;
  b->broker_pid = pid;
  b->n_pubs = publishers >= 0 ? (guint) publishers : b->sc->publishers;
  b->n_subs = subscribers >= 0 ? (guint) subscribers : b->sc->subscribers;
  if (b->sc->kind == KIND_IDLE)
    b->n_idle = connections;
  else if (b->sc->kind == KIND_LATENCY || b->sc->kind == KIND_STORM)
    {
      if (b->sc->kind == KIND_STORM)
        {
          b->n_idle = connections;
          b->n_churn = CLAMP (storm, 1, 1000);
          b->n_subs = 1;
        }
      b->n_pubs = 1;
      b->messages = messages > 0 ? (guint64) messages : (guint64) (rate * duration);
      b->latencies = g_array_sized_new (FALSE, FALSE, sizeof (gint64), b->messages);
    }
  else
    b->messages = messages > 0 ? (guint64) messages : b->sc->messages;
  b->persistent = persistent;
  /* No subscriber: only with persistent sessions, where the messages go to
   * the queue of a subscriber that is away (made beforehand, e.g. with
   * `mosquitto_sub -c -E`); the run ends when all are acknowledged. */
  if (b->sc->kind != KIND_IDLE
      && (b->n_pubs == 0 || (b->n_subs == 0 && (!persistent || b->sc->kind != KIND_STREAM))
          || b->n_pubs > 10000 || b->n_subs > 10000))
    {
      g_printerr ("bd-bench: publishers must be 1–10000, subscribers 1–10000 "
                  "(0 with --persistent)\n");
      return 2;
    }

  signal (SIGPIPE, SIG_IGN);
  if (!bd_bench_transport_setup (cafile, websockets, &error))
    {
      g_printerr ("bd-bench: %s\n", error->message);
      return 2;
    }
  raise_nofile (b->n_pubs + b->n_subs + b->n_idle + b->n_churn);
  b->epfd = epoll_create1 (EPOLL_CLOEXEC);
  bench_setup (b);
  b->deadline = now_ns () + (gint64) (timeout * NS_PER_SEC);
  if (b->sc->kind == KIND_IDLE)
    b->rss_before_kb = read_rss_kb (pid);

  bench_run (b);
  bench_finish_stats (b);
  bench_close (b);

  report = bench_report (b);
  g_print ("%s\n", report);
  {
    int status = b->error != NULL ? 1 : 0;

    bench_free (b);
    return status;
  }
}
