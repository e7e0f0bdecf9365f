/* bd-store.c — durable broker state: the log, its writer thread, recovery
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * In durable mode (persistence on, persistence_mode durable: the default) a
 * PUBACK, PUBREC, PUBCOMP, PUBREL, SUBACK or CONNACK leaves only once what it
 * acknowledges is on disk. The store is two files: the snapshot (the state at
 * some record, written whole, see bd-persist.c) and the log (every change
 * since, in order, written over zeros kept ahead of it: see log_prewrite ()).
 * Recovery replays the log's records newer than the snapshot onto it.
 *
 *   engine thread                         writer thread
 *   change ─► record into store_buf (or store_soft_buf)
 *   end of turn ─► pending (lock) ──────► write the batch, fdatasync once
 *   held connections flushed ◄── idle ◄── committed seq
 *
 * The engine thread never touches the disk: a connection whose packet needs
 * a durable change gets hold_seq (the newest record so far) and its output
 * waits in its buffer until the writer has committed that record. Holding
 * the whole buffer keeps the order of everything sent to that client. Many
 * connections' records share one fsync (group commit); while one batch is
 * being written, the next one gathers.
 *
 * Provisional records. A message routed to a client that is connected is
 * sent at once or soon (from its queue), and its MSG_ADD only matters if
 * the client does not acknowledge it: once it does, the message has
 * arrived. So such a record may be provisional (BdOutgoing.wait,
 * BdQueued.wait): the publisher's held output waits for its commit *or*
 * for the subscriber's PUBACK/PUBREC, whichever comes first, and a record
 * acknowledged before the writer took it is taken out of the pending bytes
 * (a hole the writer skips) together with its MSG_DEL. A QoS 2 PUBLISH
 * whose routing made only provisional records gets a provisional QOS2_ADD
 * too: a publisher that got PUBREC never sends that PUBLISH again, so the
 * packet id only matters while a record of the message could be replayed.
 * Nothing is ever taken back from a batch the writer has taken, or from
 * before a snapshot waiting to be written (it holds the message).
 *
 * Whether a record is provisional, and for how long (provisional_deadline ()):
 * - A QoS 2 client with a queue is the bottleneck: acknowledging its
 *   publishers sooner would only lengthen the queue, while each record
 *   written costs a commit before that client's PUBREL (flow control holds
 *   its publishers to its pace anyway). Its records stay provisional for
 *   SOFT_WAIT_MAX_US: a connected client that stops answering delays its
 *   publishers no longer. (Its measured latency moves with the queue, too
 *   much to go by: with four times it, 50 -> 1 QoS 2 still wrote records
 *   now and then, and each cost the subscriber a commit.) At QoS 1 a
 *   written record costs the client nothing (the removal after its PUBACK
 *   is lazy), so the publisher does not wait for the queue.
 * - A QoS 1 client most of whose acknowledgements come after SOFT_WAIT_US
 *   (counted from the send; BdSession.late_acks) gets its records written
 *   at once, for good: its publisher then waits for one commit, not for
 *   that client. The usual such client is not slow but Nagle-bound:
 *   libmosquitto (mosquitto_sub) and others write each PUBACK on its own
 *   without TCP_NODELAY, so the second one waits for the broker's TCP ACK,
 *   which rides on the next PUBLISH, which waits for the publisher, whose
 *   PUBACK waited for this client: the chain broke only when SOFT_WAIT_US
 *   ran out, and mosquitto_pub -> mosquitto_sub -c went at 3,000-5,000
 *   msg/s (about 40,000 written at once, as Mosquitto's). Once marked, the
 *   client's acknowledgements come early, so the mark is never taken back.
 *   Only while the publisher has few messages waiting (a small window, held
 *   back by the latency of each): one with a large window is not, and
 *   writing every record would cost it more than the wait.
 * - Otherwise a record waits SOFT_WAIT_US: the acknowledgement of a
 *   client that keeps up comes well before (four times its latency was
 *   tried: a publisher with a large window then waited for slow
 *   acknowledgements instead of a commit).
 * A record is due no later than the first of its publisher's held ones
 * (BdStoreWait.deadline): the publisher's output waits for all of them, and
 * a publisher that keeps sending would otherwise wait for ever newer ones.
 * Every record keeps the guarantee whichever it is: an acknowledgement
 * leaves once what it acknowledges is on disk or acknowledged downstream.
 *
 * Two streams. Provisional records go into bytes of their own (soft, by
 * turn, each turn with its deadline); the others into pending, in order.
 * Once anything is due the writer takes all of pending with the
 * provisional turns up to the last one due, and writes them merged in
 * sequence order. So a provisional record may reach the disk after newer
 * records, which is sound only for records that cannot depend on it:
 * - what replaces a message at PUBREC (PUBREL_ADD) when the writer has
 *   already taken the message's record (store_cancel () says so) or it
 *   was never provisional, and the removal of a QoS 2 packet id whose
 *   QOS2_ADD is on disk, go at once (record_begin_unordered ()); a
 *   removal nothing waits for (after a PUBACK or PUBCOMP) goes lazily,
 *   with the next batch;
 * - every other record is a barrier (record_begin ()): the writer takes
 *   all provisional records with it, so nothing older comes after it.
 * Recovery is by sequence number and message id, not by position. Without
 * this, each QoS 2 PUBREC for a written message made a removal the PUBREL
 * waits for, whose batch took the provisional records of the messages
 * queued behind it, whose PUBRECs then waited for a commit again: one
 * fsync per window at 50 -> 1. committed_seq covers the records in order;
 * all_committed_seq also the provisional ones (a wait's soft_seq, and
 * _bd_store_hold (), compare with it).
 *
 * In-flight state (the packet id each message went out with, the PUBRELs
 * due) is kept so that both go out again with their ids after a restart;
 * its records cost no commit of their own (see _bd_store_msg_sent ()).
 *
 * When the log outgrows max (64 MiB, 2 × the last snapshot), the writer asks
 * the engine for a snapshot (references to immutable messages, cheap); it
 * encodes and writes it atomically, then starts a new log with only the
 * records after it. Records carry a sequence number and the snapshot says
 * which it includes, so a crash between the two steps replays nothing twice.
 *
 * When a write fails (a full disk) the batch is kept and retried every
 * second; meanwhile the engine refuses new QoS 1/2 messages it could not store
 * (MQTT 5: Quota exceeded; 3.1.1 has no way to say it: disconnect) and goes on
 * serving QoS 0.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "bd-engine-private.h"
#include "bd-settings-file.h"
#include "bd-store-log.h"
#include "bd-topic.h"

#define COMPACT_MIN_BYTES (64u * 1024 * 1024)
/* The log is kept this far ahead of its records in zeros written and
 * synced (see log_prewrite ()). */
#define LOG_PREWRITE_BYTES (4u * 1024 * 1024)
#define RETRY_US          G_USEC_PER_SEC
/* How long the writer leaves provisional records, so that the
 * acknowledgements that come meanwhile take them back: a subscriber on the
 * same host answers in well under SOFT_WAIT_US. A QoS 2 subscriber with a
 * queue gets SOFT_WAIT_MAX_US (a publisher whose subscriber is connected
 * but stopped answering waits this long). A turn due is taken up to
 * SOFT_SLACK_US late, with the turns due by then: one wake-up of the writer
 * for many turns. */
#define SOFT_WAIT_US      (2 * 1000)
#define SOFT_WAIT_MAX_US  (250 * 1000)
#define SOFT_SLACK_US     (1000)
/* A publisher with fewer provisional messages than this waiting for their
 * acknowledgement is held back by the latency of each (a client's window is
 * typically 20); one with more is not, and writing all its records would
 * cost more than it saves. */
#define LATENCY_BOUND_WINDOW 64
/* The share of late acknowledgements takes 1/LATE_ACK_WEIGHT of each. */
#define LATE_ACK_WEIGHT   64

struct _BdStore
{
  BdEngine   *engine;
  char       *snap_path;
  char       *log_path;
  int         fd;               /* the log; writer thread only */
  guint64     log_size;         /* writer thread: where the next record goes */
  guint64     log_end;          /* writer thread: the file's size, zeros after log_size */
  gboolean    no_prewrite;      /* writer thread: writing zeros ahead failed; until compaction */
  guint64     compact_bytes;
  GThread    *thread;

  GMutex      lock;             /* guards everything below */
  GCond       cond;
  GByteArray *pending;          /* records not yet taken by the writer, in order */
  guint64     pending_seq;      /* the last record submitted */
  gboolean    pending_hard;     /* a failed batch waits in front: write all at once */
  gboolean    pending_barrier;  /* take the provisional records too, all of them */
  gint64      pending_due;      /* monotonic: take pending by then (0: at once) */
  GByteArray *soft;             /* provisional records not yet taken, in order */
  gint64      soft_deadline;    /* monotonic: the earliest of the turns' deadlines */
  GArray     *turns;            /* PendingTurn: where each submit starts in soft */
  GArray     *holes;            /* Hole: records in soft taken back */
  BdStateSnapshot *snap;        /* compaction image, or NULL */
  gsize       soft_snap_at;     /* soft->len when it was taken */
  guint64     snap_seq;         /* the last record it includes */
  gboolean    want_compact;
  gboolean    quit;
  gboolean    notify_posted;
  guint64     committed_seq;    /* records up to here are on disk, but provisional ones */
  guint64     all_committed_seq;/* records up to here are on disk or taken back */
  gboolean    full;
  char       *error;            /* of the last failed write */
  gint64      last_commit_us;   /* wall clock */
  gint64      last_latency_us;
  guint64     size;             /* snapshot + log, bytes */
};

typedef struct
{
  guint64 turn;
  gsize   base;
  guint64 first_seq;    /* of its first provisional record */
  gint64  deadline;     /* monotonic: take it by then */
} PendingTurn;

typedef struct
{
  gsize offset;
  gsize len;
} Hole;

/* The provisional records one connection's held output waits for. */
struct _BdStoreWait
{
  BdConnection *conn;       /* whose output waits; NULL once released or gone */
  char         *client_id;  /* of its session, for the QoS 2 records */
  guint         ref_count;
  guint         n_soft;     /* provisional MSG_ADDs not acknowledged yet */
  gint64        deadline;   /* monotonic: of its first provisional record, or 0 */
  guint64       soft_seq;   /* the newest provisional record */
  GArray       *qos2;       /* WaitQos2: provisional QOS2_ADDs */
};

typedef struct
{
  guint16    packet_id;
  guint64    seq;
  BdStoreLoc loc;
} WaitQos2;

static void
wait_unref (BdStoreWait *wait)
{
  if (--wait->ref_count > 0)
    return;
  g_clear_pointer (&wait->qos2, g_array_unref);
  g_free (wait->client_id);
  g_free (wait);
}

static void
store_free (BdStore *store)
{
  if (store->fd >= 0)
    {
      /* Stopped: the file ends where its records do. */
      if (store->log_end > store->log_size && ftruncate (store->fd, store->log_size) != 0)
        g_debug ("Cannot cut %s to its records: %s", store->log_path, g_strerror (errno));
      close (store->fd);
    }
  g_clear_pointer (&store->snap, _bd_state_snapshot_free);
  g_byte_array_unref (store->pending);
  g_byte_array_unref (store->soft);
  g_array_unref (store->turns);
  g_array_unref (store->holes);
  g_mutex_clear (&store->lock);
  g_cond_clear (&store->cond);
  g_free (store->error);
  g_free (store->snap_path);
  g_free (store->log_path);
  g_free (store);
}

static char *
dup_log_path (const char *snap_path)
{
  return g_strconcat (snap_path, ".log", NULL);
}

/* ------------------------------------------------------------- recording */

/* autosave_on_changes: every change to what a snapshot keeps (a persistent
 * session, its subscriptions and QoS 1/2 messages, a retained message) is
 * counted, in either mode; only the snapshot mode saves by the count
 * (_bd_persist_end_turn ()). @session: NULL for a retained message. */
static inline void
count_change (BdEngine  *engine,
              BdSession *session)
{
  if (session == NULL || !session->clean)
    engine->autosave_changes++;
}

gboolean
_bd_store_active (BdEngine *engine)
{
  return engine->store != NULL;
}

/* A record written at once that may go to disk before provisional
 * records older than it: the removal of a message whose record is already
 * taken, or of a QoS 2 packet id whose QOS2_ADD is (see the top of this
 * file). */
static gsize
record_begin_unordered (BdEngine *engine,
                        guint8    type)
{
  engine->store_hard_seq = engine->store_seq + 1;
  return bd_store_record_begin (engine->store_buf, ++engine->store_seq, type);
}

/* A record written at once, and only after every record older than it. */
static gsize
record_begin (BdEngine *engine,
              guint8    type)
{
  engine->store_turn_barrier = TRUE;
  return record_begin_unordered (engine, type);
}

/* A provisional record (see the top of this file): its acknowledgement need
 * not wait for it once its message is acknowledged. It goes into the
 * provisional bytes of the turn, written by @deadline at the latest. */
static gsize
record_begin_soft (BdEngine *engine,
                   guint8    type,
                   gint64    deadline)
{
  if (engine->store_soft_buf->len == 0)
    engine->store_turn_soft_first = engine->store_seq + 1;
  engine->store_turn_deadline = MIN (engine->store_turn_deadline, deadline);
  return bd_store_record_begin (engine->store_soft_buf, ++engine->store_seq, type);
}

/* A record nothing waits for (the removal of an acknowledged QoS 1
 * message whose record is taken): it goes with the next batch, or after
 * SOFT_WAIT_US, and never makes the writer write at once. Lost in a crash,
 * the message is delivered again, as QoS 1 allows. */
static gsize
record_begin_lazy (BdEngine *engine,
                   guint8    type)
{
  engine->store_turn_lazy = MIN (engine->store_turn_lazy, g_get_monotonic_time () + SOFT_WAIT_US);
  return bd_store_record_begin (engine->store_buf, ++engine->store_seq, type);
}

void
_bd_store_note_ack (BdSession *session,
                    gint64     sent_us)
{
  if (session->engine->store != NULL && sent_us > 0)
    {
      gboolean late = g_get_monotonic_time () - sent_us >= SOFT_WAIT_US;

      /* The share of its acknowledgements that came after SOFT_WAIT_US,
       * in thousandths, from 0, over about the last LATE_ACK_WEIGHT: one
       * stall of the whole window (a 40 ms delayed ACK now and then) is
       * not enough, a client late most of the time soon is. Marked for
       * good: once its records are written at once, its acknowledgements
       * come sooner (see the top of this file). */
      session->late_acks += ((late ? 1000 : 0) - session->late_acks) / LATE_ACK_WEIGHT;
      if (session->late_acks > 500)
        session->slow_acks = TRUE;
    }
}

/* Whether a message for @session's connected client gets a provisional
 * record, and until when the writer may leave it (0: not provisional); see
 * the top of this file. At QoS 2 a record written costs the client a
 * commit before its PUBREL too, so such records stay provisional. */
static gint64
provisional_deadline (BdSession *session,
                      guint8     qos)
{
  BdEngine *engine = session->engine;
  BdStoreWait *publisher = engine->store_pkt_conn->wait;

  gint64 deadline;

  if (qos == 2 && session->queue.length > 0)
    deadline = g_get_monotonic_time () + SOFT_WAIT_MAX_US;
  else if (qos == 1 && session->slow_acks &&
           (publisher == NULL || publisher->n_soft < LATENCY_BOUND_WINDOW))
    return 0;
  else
    deadline = g_get_monotonic_time () + SOFT_WAIT_US;
  /* Not after the first of the publisher's held records: its output waits
   * for all of them (or their acknowledgements). */
  return publisher != NULL && publisher->deadline != 0 ? MIN (deadline, publisher->deadline)
                                                       : deadline;
}

static void
record_locate (BdEngine   *engine,
               gsize       r,
               BdStoreLoc *loc)
{
  loc->turn = engine->store_turn;
  loc->offset = r;
  loc->len = engine->store_soft_buf->len - r;
}

/* The wait of the connection whose packet is being handled: provisional
 * records are made only there (routing a client's PUBLISH). */
static BdStoreWait *
packet_wait (BdEngine *engine)
{
  BdConnection *conn = engine->store_pkt_conn;

  if (conn->wait == NULL)
    {
      conn->wait = g_new0 (BdStoreWait, 1);
      conn->wait->ref_count = 1;
      conn->wait->conn = conn;
      conn->wait->client_id = g_strdup (conn->session ? conn->session->client_id : "");
    }
  return conn->wait;
}

typedef enum
{
  CANCEL_DONE,      /* taken back: as if never recorded */
  CANCEL_TAKEN,     /* the writer has it: a removal goes after it */
  CANCEL_PENDING,   /* still pending but held: a removal must not overtake it */
} CancelResult;

/* Takes a provisional record back from the pending bytes if the writer has
 * not taken it yet. Engine thread. */
static CancelResult
store_cancel (BdEngine         *engine,
              const BdStoreLoc *loc)
{
  BdStore *store = engine->store;
  CancelResult done = CANCEL_TAKEN;

  /* Still in this turn's own bytes: an acknowledgement comes in a later
   * turn than what it acknowledges, but be safe. */
  if (store == NULL || loc->turn >= engine->store_turn)
    return CANCEL_PENDING;
  g_mutex_lock (&store->lock);
  /* Turns are in order: a binary search (many gather while a write fails). */
  for (guint lo = 0, hi = store->turns->len; lo < hi;)
    {
      guint mid = lo + (hi - lo) / 2;
      PendingTurn *t = &g_array_index (store->turns, PendingTurn, mid);
      Hole hole = { t->base + loc->offset, loc->len };

      if (t->turn < loc->turn)
        lo = mid + 1;
      else if (t->turn > loc->turn)
        hi = mid;
      else
        {
          /* A snapshot waiting to be written holds what came before it. */
          if (store->snap == NULL || hole.offset >= store->soft_snap_at)
            {
              g_array_append_val (store->holes, hole);
              done = CANCEL_DONE;
            }
          else
            done = CANCEL_PENDING;
          break;
        }
    }
  g_mutex_unlock (&store->lock);
  return done;
}

static void store_release_check (BdEngine     *engine,
                                 BdConnection *conn);

/* Every provisional MSG_ADD of @wait was acknowledged: so are its QOS2_ADDs,
 * and its connection may go on. */
static void
wait_settle (BdEngine    *engine,
             BdStoreWait *wait)
{
  BdSession *session = NULL;

  if (wait->qos2 != NULL && wait->qos2->len > 0)
    session = g_hash_table_lookup (engine->sessions, wait->client_id);
  for (guint i = 0; wait->qos2 != NULL && i < wait->qos2->len; i++)
    {
      WaitQos2 *q = &g_array_index (wait->qos2, WaitQos2, i);
      gpointer key = GUINT_TO_POINTER (q->packet_id);
      gpointer value;

      /* Unrecorded only if the id still stands for this very record. */
      if (session != NULL && session->incoming_qos2 != NULL &&
          g_hash_table_lookup_extended (session->incoming_qos2, key, NULL, &value) &&
          value == GSIZE_TO_POINTER ((gsize) q->seq) && store_cancel (engine, &q->loc) == CANCEL_DONE)
        g_hash_table_insert (session->incoming_qos2, key, NULL);
    }
  if (wait->qos2 != NULL)
    g_array_set_size (wait->qos2, 0);
  if (wait->conn != NULL)
    store_release_check (engine, wait->conn);
}

static gboolean
session_recorded (BdSession *session)
{
  return session->engine->store != NULL && session->stored;
}

void
_bd_store_session_put (BdSession *session)
{
  BdEngine *engine = session->engine;
  gsize r;

  count_change (engine, session);
  if (engine->store == NULL)
    return;
  if (session->clean)
    {
      _bd_store_session_del (session);
      return;
    }
  session->stored = TRUE;
  r = record_begin (engine, BD_STORE_SESSION_PUT);
  bd_store_put_str (engine->store_buf, session->client_id);
  bd_store_put_str (engine->store_buf, session->username);
  bd_store_put_u32 (engine->store_buf, session->expiry_interval);
  bd_store_record_end (engine->store_buf, r);
}

static void
record_client_only (BdSession *session,
                    guint8     type)
{
  BdEngine *engine = session->engine;
  gsize r = record_begin (engine, type);

  bd_store_put_str (engine->store_buf, session->client_id);
  bd_store_record_end (engine->store_buf, r);
}

void
_bd_store_session_del (BdSession *session)
{
  if (!session_recorded (session))
    return;
  record_client_only (session, BD_STORE_SESSION_DEL);
  session->stored = FALSE;
}

void
_bd_store_sub_add (BdSession      *session,
                   BdSubscription *sub)
{
  BdEngine *engine = session->engine;
  gsize r;

  count_change (engine, session);
  if (!session_recorded (session))
    return;
  r = record_begin (engine, BD_STORE_SUB_ADD);
  bd_store_put_str (engine->store_buf, session->client_id);
  bd_store_put_str (engine->store_buf, sub->filter);
  bd_store_put_u8 (engine->store_buf, sub->qos);
  bd_store_put_u8 (engine->store_buf,
                   sub->no_local | sub->retain_as_published << 1 | sub->retain_handling << 2);
  bd_store_put_u32 (engine->store_buf, sub->subscription_id);
  bd_store_record_end (engine->store_buf, r);
}

void
_bd_store_sub_del (BdSession  *session,
                   const char *filter)
{
  BdEngine *engine = session->engine;
  gsize r;

  count_change (engine, session);
  if (!session_recorded (session))
    return;
  r = record_begin (engine, BD_STORE_SUB_DEL);
  bd_store_put_str (engine->store_buf, session->client_id);
  bd_store_put_str (engine->store_buf, filter);
  bd_store_record_end (engine->store_buf, r);
}

void
_bd_store_put_message (GByteArray *buf,
                       BdMessage  *message)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (message->payload, &len);

  bd_store_put_str (buf, message->topic);
  bd_store_put_bytes (buf, data, len);
}

void
_bd_store_put_message_extra (GByteArray *buf,
                             BdMessage  *message,
                             gboolean    will)
{
  gsize at = buf->len;

  /* A bytes field (bd_store_put_bytes ()) encoded in place: its length,
   * then the properties straight into the record (encode appends nothing
   * when they cannot be encoded). */
  bd_store_put_u32 (buf, 0);
  if (message->props != NULL && message->props->present != 0)
    bd_mqtt_properties_encode (message->props, will, buf);
  bd_store_write_le (buf->data + at, buf->len - at - 4, 4);
  bd_store_put_u64 (buf, (guint64) message->time_us);
}

guint64
_bd_store_msg_add (BdSession    *session,
                   BdMessage    *message,
                   guint8        qos,
                   gboolean      retain,
                   guint16       packet_id,
                   BdStoreWait **wait,
                   BdStoreLoc   *loc)
{
  BdEngine *engine = session->engine;
  GByteArray *buf;
  gint64 deadline;
  guint64 id;
  gsize r;

  /* Restoring: the message keeps the id it had. */
  if (engine->store_restore_id != 0)
    return engine->store_restore_id;
  if (qos > 0)
    count_change (engine, session);
  /* Only QoS 1/2 wait for a client that is away [MQTT-3.1.2-5]; a QoS 0
   * message queued by queue_qos0_messages was never acknowledged. */
  if (!session->stored || session->clean || qos == 0)
    return 0;
  id = engine->store_next_id++;
  if (engine->store == NULL)
    return id;
  if (wait != NULL && session->conn != NULL && engine->store_pkt_conn != NULL &&
      (deadline = provisional_deadline (session, qos)) != 0)
    {
      buf = engine->store_soft_buf;
      r = record_begin_soft (engine, BD_STORE_MSG_ADD, deadline);
    }
  else
    {
      wait = NULL;
      buf = engine->store_buf;
      r = record_begin (engine, BD_STORE_MSG_ADD);
    }
  bd_store_put_str (buf, session->client_id);
  bd_store_put_u64 (buf, id);
  _bd_store_put_message (buf, message);
  bd_store_put_u8 (buf, qos);
  bd_store_put_u8 (buf, retain ? 1 : 0);
  _bd_store_put_message_extra (buf, message, FALSE);
  bd_store_put_u16 (buf, packet_id);
  bd_store_record_end (buf, r);
  if (wait != NULL)
    {
      BdStoreWait *w = packet_wait (engine);

      if (w->deadline == 0)
        w->deadline = deadline;
      w->n_soft++;
      w->soft_seq = engine->store_seq;
      w->ref_count++;
      *wait = w;
      record_locate (engine, r, loc);
      engine->store_pkt_soft++;
    }
  return id;
}

void
_bd_store_msg_forget (BdStoreWait **wait)
{
  g_clear_pointer (wait, wait_unref);
}

/* @lazy: its MSG_ADD is taken or was never provisional, and nothing
 * waits for the removal; else it goes after every older record. (At
 * PUBREC a PUBREL_ADD stands in for it: see _bd_store_msg_pubrec ().) */
static void
record_msg_del (BdSession *session,
                guint64    store_id,
                gboolean   lazy)
{
  BdEngine *engine = session->engine;
  gsize r;

  if (store_id == 0 || !session_recorded (session))
    return;
  r = lazy ? record_begin_lazy (engine, BD_STORE_MSG_DEL) : record_begin (engine, BD_STORE_MSG_DEL);
  bd_store_put_str (engine->store_buf, session->client_id);
  bd_store_put_u64 (engine->store_buf, store_id);
  bd_store_record_end (engine->store_buf, r);
}

/* One provisional MSG_ADD of @wait is acknowledged or dropped. */
static void
wait_done_one (BdEngine    *engine,
               BdStoreWait *wait)
{
  if (wait == NULL)
    return;
  if (--wait->n_soft == 0)
    wait_settle (engine, wait);
  wait_unref (wait);
}

void
_bd_store_msg_done (BdSession        *session,
                    guint64           store_id,
                    BdStoreWait     **wait_p,
                    const BdStoreLoc *loc)
{
  BdEngine *engine = session->engine;
  BdStoreWait *wait = g_steal_pointer (wait_p);
  CancelResult cancel = wait != NULL ? store_cancel (engine, loc) : CANCEL_TAKEN;

  /* Taken back: as if it had never been stored. Otherwise the removal
   * goes after the record: lazily when the writer has the record already
   * or it was never provisional. */
  if (cancel != CANCEL_DONE)
    record_msg_del (session, store_id, cancel == CANCEL_TAKEN);
  wait_done_one (engine, wait);
}

/* A client id and a packet id: QOS2_ADD, QOS2_DEL, PUBREL_DEL. */
static void
record_qos2 (BdSession  *session,
             GByteArray *buf,
             gsize       r,
             guint16     packet_id)
{
  bd_store_put_str (buf, session->client_id);
  bd_store_put_u16 (buf, packet_id);
  bd_store_record_end (buf, r);
}

/* In-flight state (see bd-store-log.h): the packet id a message went out
 * with, and the PUBRELs due, so that both are re-sent with their ids after
 * a restart [MQTT-4.4.0-1]. None of it makes anything wait but the PUBREL
 * that replaces a message on disk:
 * - a message sent at once carries its packet id in its MSG_ADD;
 * - one sent from the queue gets a MSG_SENT: lazy, or, if its MSG_ADD is
 *   provisional, provisional too and taken back with it (if the writer
 *   has not taken it yet, the acknowledgement makes it moot);
 * - PUBREC replaces the message by PUBREL_ADD. If the message's record is
 *   on disk (or will be), the PUBREL waits for the PUBREL_ADD: a crash
 *   must not leave the message to be sent again after the client was told
 *   to release its id. If the record was taken back, nothing can send the
 *   message again: the PUBREL goes at once and its PUBREL_ADD is
 *   provisional for SOFT_WAIT_MAX_US, taken back at PUBCOMP: a client that
 *   keeps up adds nothing to write. Lost in a crash, it
 *   was about a PUBREL that had gone out (or was about to) in the turn
 *   of the PUBREC;
 * - PUBCOMP removes it lazily: a PUBREL re-sent for an id the client has
 *   completed is answered with PUBCOMP [MQTT-4.3.3-2] and does no harm. */
static gsize
record_begin_aside (BdEngine *engine,
                    guint8    type)
{
  return record_begin_soft (engine, type, g_get_monotonic_time () + SOFT_WAIT_MAX_US);
}

void
_bd_store_msg_sent (BdSession  *session,
                    BdOutgoing *out)
{
  BdEngine *engine = session->engine;
  GByteArray *buf;
  gsize r;

  if (out->store_id == 0 || !session_recorded (session))
    return;
  if (out->wait != NULL)
    {
      buf = engine->store_soft_buf;
      r = record_begin_aside (engine, BD_STORE_MSG_SENT);
    }
  else
    {
      /* Lost in a crash, the message goes out again with a new id (and
       * DUP), as it did before in-flight state was kept. */
      buf = engine->store_buf;
      r = record_begin_lazy (engine, BD_STORE_MSG_SENT);
    }
  bd_store_put_str (buf, session->client_id);
  bd_store_put_u64 (buf, out->store_id);
  bd_store_put_u16 (buf, out->packet_id);
  bd_store_record_end (buf, r);
  if (out->wait != NULL)
    {
      record_locate (engine, r, &out->sent_loc);
      out->sent_soft = TRUE;
    }
}

/* The message is acknowledged: its MSG_SENT no longer matters (one the
 * writer took already names a message that is gone, and is skipped). */
static void
sent_forget (BdEngine   *engine,
             BdOutgoing *out)
{
  if (out->sent_soft)
    store_cancel (engine, &out->sent_loc);
  out->sent_soft = FALSE;
}

void
_bd_store_msg_puback (BdSession  *session,
                      BdOutgoing *out)
{
  sent_forget (session->engine, out);
  /* Nothing answers a PUBACK: its removal need not be written at once. */
  _bd_store_msg_done (session, out->store_id, &out->wait, &out->loc);
}

static void
record_pubrel_add (BdSession  *session,
                   GByteArray *buf,
                   gsize       r,
                   guint64     store_id,
                   guint16     packet_id)
{
  bd_store_put_str (buf, session->client_id);
  bd_store_put_u64 (buf, store_id);
  bd_store_put_u16 (buf, packet_id);
  bd_store_record_end (buf, r);
}

void
_bd_store_msg_pubrec (BdSession  *session,
                      BdOutgoing *out)
{
  BdEngine *engine = session->engine;
  BdStoreWait *wait = g_steal_pointer (&out->wait);
  CancelResult cancel = wait != NULL ? store_cancel (engine, &out->loc) : CANCEL_TAKEN;
  gsize r;

  sent_forget (engine, out);
  if (out->store_id != 0 && session_recorded (session))
    {
      if (cancel == CANCEL_DONE)
        {
          r = record_begin_aside (engine, BD_STORE_PUBREL_ADD);
          record_pubrel_add (session, engine->store_soft_buf, r, 0, out->packet_id);
          record_locate (engine, r, &out->loc);
          out->pubrel_soft = TRUE;
        }
      else
        {
          /* After its MSG_ADD; at once if the writer has that already. */
          r = cancel == CANCEL_PENDING ? record_begin (engine, BD_STORE_PUBREL_ADD)
              : record_begin_unordered (engine, BD_STORE_PUBREL_ADD);
          record_pubrel_add (session, engine->store_buf, r, out->store_id, out->packet_id);
        }
      out->pubrel_stored = TRUE;
    }
  out->store_id = 0;
  wait_done_one (engine, wait);
}

void
_bd_store_pubrel_done (BdSession  *session,
                       BdOutgoing *out)
{
  BdEngine *engine = session->engine;
  CancelResult cancel;
  gsize r;

  if (!out->pubrel_stored)
    return;
  cancel = out->pubrel_soft ? store_cancel (engine, &out->loc) : CANCEL_TAKEN;
  out->pubrel_stored = FALSE;
  out->pubrel_soft = FALSE;
  if (cancel == CANCEL_DONE || !session_recorded (session))
    return;
  r = cancel == CANCEL_PENDING ? record_begin (engine, BD_STORE_PUBREL_DEL)
      : record_begin_lazy (engine, BD_STORE_PUBREL_DEL);
  record_qos2 (session, engine->store_buf, r, out->packet_id);
}

void
_bd_store_msg_del (BdSession *session,
                   guint64    store_id)
{
  record_msg_del (session, store_id, FALSE);
}

/* The value of a packet id in incoming_qos2 is the seq of its QOS2_ADD
 * record (non-NULL), or NULL when none is on disk or pending. */
void
_bd_store_qos2_add (BdSession *session,
                    guint16    packet_id)
{
  BdEngine *engine = session->engine;
  gpointer key = GUINT_TO_POINTER (packet_id);
  gboolean made_hard;
  gsize r;

  if (session->incoming_qos2 == NULL)
    session->incoming_qos2 = g_hash_table_new (NULL, NULL);
  made_hard = engine->store_pkt_conn == NULL || engine->store_hard_seq > engine->store_pkt_seq;
  /* Only a record of the message that could be replayed after a crash
   * needs the id, so that the PUBLISH sent again is not routed again
   * [MQTT-4.3.3-2]. Recorded after those records: a torn tail may then
   * repeat a message, never lose one. */
  if (!session_recorded (session) || (!made_hard && engine->store_pkt_soft == 0))
    {
      g_hash_table_insert (session->incoming_qos2, key, NULL);
      return;
    }
  if (made_hard)
    {
      r = record_begin (engine, BD_STORE_QOS2_ADD);
      record_qos2 (session, engine->store_buf, r, packet_id);
    }
  else
    {
      /* With the message's records: taken back with them. */
      r = record_begin_soft (engine, BD_STORE_QOS2_ADD, engine->store_turn_deadline);
      record_qos2 (session, engine->store_soft_buf, r, packet_id);
    }
  g_hash_table_insert (session->incoming_qos2, key, GSIZE_TO_POINTER ((gsize) engine->store_seq));
  if (!made_hard)
    {
      BdStoreWait *wait = packet_wait (engine);
      WaitQos2 q = { packet_id, engine->store_seq };

      record_locate (engine, r, &q.loc);
      if (wait->qos2 == NULL)
        wait->qos2 = g_array_new (FALSE, FALSE, sizeof (WaitQos2));
      g_array_append_val (wait->qos2, q);
      wait->soft_seq = engine->store_seq;
    }
}

gboolean
_bd_store_qos2_del (BdSession *session,
                    guint16    packet_id)
{
  gpointer key = GUINT_TO_POINTER (packet_id);
  gpointer value;

  if (session->incoming_qos2 == NULL ||
      !g_hash_table_lookup_extended (session->incoming_qos2, key, NULL, &value))
    return FALSE;
  g_hash_table_remove (session->incoming_qos2, key);
  if (value != NULL && session_recorded (session))
    {
      BdEngine *engine = session->engine;
      /* Its QOS2_ADD on disk: the removal may go before provisional
       * records older than it. */
      gsize r = GPOINTER_TO_SIZE (value) <= engine->store_all_durable_seq
                ? record_begin_unordered (engine, BD_STORE_QOS2_DEL)
                : record_begin (engine, BD_STORE_QOS2_DEL);

      record_qos2 (session, engine->store_buf, r, packet_id);
    }
  return TRUE;
}

void
_bd_store_will_set (BdSession *session)
{
  BdEngine *engine = session->engine;
  BdMessage *will = session->pending_will;
  gsize r;

  if (!session_recorded (session) || will == NULL)
    return;
  r = record_begin (engine, BD_STORE_WILL_SET);
  bd_store_put_str (engine->store_buf, session->client_id);
  /* Wall clock: the monotonic clock starts again with the process. */
  bd_store_put_u64 (engine->store_buf,
                    (guint64) (g_get_real_time () + (session->will_at_us - g_get_monotonic_time ())));
  _bd_store_put_message (engine->store_buf, will);
  bd_store_put_u8 (engine->store_buf, will->qos);
  bd_store_put_u8 (engine->store_buf, will->retain);
  _bd_store_put_message_extra (engine->store_buf, will, TRUE);
  bd_store_record_end (engine->store_buf, r);
}

void
_bd_store_will_clear (BdSession *session)
{
  if (session_recorded (session))
    record_client_only (session, BD_STORE_WILL_CLEAR);
}

void
_bd_store_retain (BdEngine  *engine,
                  BdMessage *message)
{
  gsize r;

  /* $SYS figures are made afresh by the new process. */
  if (message->from_sys)
    return;
  count_change (engine, NULL);
  if (engine->store == NULL)
    return;
  if (g_bytes_get_size (message->payload) == 0)
    {
      r = record_begin (engine, BD_STORE_RETAIN_CLEAR);
      bd_store_put_str (engine->store_buf, message->topic);
    }
  else
    {
      r = record_begin (engine, BD_STORE_RETAIN_SET);
      _bd_store_put_message (engine->store_buf, message);
      bd_store_put_u8 (engine->store_buf, message->qos);
      bd_store_put_str (engine->store_buf, message->publisher_id);
      bd_store_put_str (engine->store_buf, message->publisher_username);
      bd_store_put_u16 (engine->store_buf, message->publisher_listener);
      _bd_store_put_message_extra (engine->store_buf, message, FALSE);
    }
  bd_store_record_end (engine->store_buf, r);
}

/* ------------------------------------------------------- holding output */

static void
store_hold_until (BdConnection *conn,
                  guint64       seq)
{
  BdEngine *engine = conn->engine;

  if (conn->state == BD_CONN_CLOSED)
    return;
  conn->hold_seq = MAX (conn->hold_seq, seq);
  if (!conn->held)
    {
      conn->held = TRUE;
      g_ptr_array_add (engine->held, conn);
    }
}

void
_bd_store_hold (BdConnection *conn)
{
  BdEngine *engine = conn->engine;

  if (engine->store == NULL || engine->store_seq <= engine->store_all_durable_seq)
    return;
  /* Every record so far, provisional ones too: the writer takes them all
   * with the next batch. */
  engine->store_turn_barrier = TRUE;
  conn->hold_all = TRUE;
  store_hold_until (conn, engine->store_seq);
}

void
_bd_store_packet_begin (BdConnection *conn)
{
  BdEngine *engine = conn->engine;

  engine->store_pkt_conn = conn;
  engine->store_pkt_seq = engine->store_seq;
  engine->store_pkt_soft = 0;
}

/* The answer waits until the changes the packet made are on disk (its
 * provisional ones: or acknowledged); once anything waits, all that follows
 * waits behind it, in order. */
void
_bd_store_packet_end (BdConnection *conn,
                      gboolean      hold)
{
  BdEngine *engine = conn->engine;
  guint64 seq = engine->store_pkt_seq;

  engine->store_pkt_conn = NULL;
  if (engine->store == NULL || !hold || engine->store_seq == seq)
    return;
  if (engine->store_hard_seq > seq)
    store_hold_until (conn, engine->store_hard_seq);
  else if (engine->store_pkt_soft > 0)
    store_hold_until (conn, 0);
  if (conn->held)
    store_release_check (engine, conn);
}

/* Lets @conn's output go if what it waits for is on disk or acknowledged. */
static void
store_release_check (BdEngine     *engine,
                     BdConnection *conn)
{
  BdStoreWait *wait = conn->wait;

  if (!conn->held ||
      conn->hold_seq > (conn->hold_all ? engine->store_all_durable_seq : engine->store_durable_seq))
    return;
  if (wait != NULL && wait->n_soft > 0 && wait->soft_seq > engine->store_all_durable_seq)
    return;
  /* Called while this connection's own packet is handled (an
   * acknowledgement of a message it sent itself): the packet's end looks
   * again. */
  if (engine->store_pkt_conn == conn)
    return;
  conn->held = FALSE;
  conn->hold_all = FALSE;
  g_ptr_array_remove_fast (engine->held, conn);
  if (wait != NULL)
    {
      wait->conn = NULL;
      g_clear_pointer (&conn->wait, wait_unref);
    }
  _bd_engine_mark_dirty (engine, conn);
}

gboolean
_bd_store_may_flush (BdConnection *conn)
{
  return !conn->held;
}

void
_bd_store_forget_connection (BdConnection *conn)
{
  if (conn->held)
    {
      conn->held = FALSE;
      g_ptr_array_remove_fast (conn->engine->held, conn);
    }
  if (conn->wait != NULL)
    {
      conn->wait->conn = NULL;
      g_clear_pointer (&conn->wait, wait_unref);
    }
}

void
_bd_store_submit (BdEngine *engine)
{
  BdStore *store = engine->store;
  gboolean hard;
  gboolean wake = FALSE;

  if (store == NULL ||
      (engine->store_buf->len == 0 && engine->store_soft_buf->len == 0 &&
       !engine->store_turn_barrier))
    return;
  g_mutex_lock (&store->lock);
  /* The writer sleeps until the earliest deadline: tell it of an earlier
   * one, or of a record to take at once. */
  hard = engine->store_hard_seq > store->pending_seq;
  if (engine->store_buf->len > 0)
    {
      gint64 due = hard ? 0 : engine->store_turn_lazy;

      if (due < store->pending_due)
        {
          store->pending_due = due;
          wake = TRUE;
        }
      g_byte_array_append (store->pending, engine->store_buf->data, engine->store_buf->len);
    }
  if (engine->store_turn_barrier && !store->pending_barrier)
    {
      store->pending_barrier = TRUE;
      wake = TRUE;
    }
  if (engine->store_soft_buf->len > 0)
    {
      PendingTurn turn = {
        engine->store_turn, store->soft->len, engine->store_turn_soft_first,
        engine->store_turn_deadline,
      };

      g_array_append_val (store->turns, turn);
      if (turn.deadline < store->soft_deadline)
        {
          store->soft_deadline = turn.deadline;
          wake = TRUE;
        }
      g_byte_array_append (store->soft, engine->store_soft_buf->data, engine->store_soft_buf->len);
    }
  store->pending_seq = engine->store_seq;
  if (wake)
    g_cond_signal (&store->cond);
  g_mutex_unlock (&store->lock);
  g_byte_array_set_size (engine->store_buf, 0);
  g_byte_array_set_size (engine->store_soft_buf, 0);
  engine->store_turn_barrier = FALSE;
  engine->store_turn_deadline = G_MAXINT64;
  engine->store_turn_lazy = G_MAXINT64;
  engine->store_turn++;
}

/* Engine thread: the writer committed, or its state changed. */
static gboolean
store_notify_cb (gpointer data)
{
  BdEngine *engine = data;
  BdStore *store = engine->store;
  guint64 committed;
  gboolean full;
  g_autofree char *error = NULL;

  g_mutex_lock (&store->lock);
  store->notify_posted = FALSE;
  committed = store->committed_seq;
  engine->store_all_durable_seq = store->all_committed_seq;
  full = store->full;
  error = g_strdup (store->error);
  g_mutex_unlock (&store->lock);

  if (full != engine->store_full)
    {
      engine->store_full = full;
      if (full)
        g_warning ("Cannot write the broker store %s: %s; refusing QoS 1 and 2 messages until it can",
                   store->log_path, error ? error : "unknown error");
      else
        g_message ("The broker store %s is writable again; accepting QoS 1 and 2 messages",
                   store->log_path);
    }

  engine->store_durable_seq = committed;
  /* Backwards: a released connection leaves the array. */
  for (guint i = engine->held->len; i > 0; i--)
    store_release_check (engine, g_ptr_array_index (engine->held, i - 1));
  _bd_engine_end_turn (engine);
  return G_SOURCE_REMOVE;
}

/* Writer thread, with the lock held. */
static void
store_post_notify (BdStore *store)
{
  GSource *source;

  if (store->notify_posted)
    return;
  store->notify_posted = TRUE;
  /* Not g_main_context_invoke (): once the engine's loop has stopped it
   * would run the callback here, on this thread. */
  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_HIGH);
  g_source_set_callback (source, store_notify_cb, store->engine, NULL);
  g_source_set_static_name (source, "[brokerdesk] store commit");
  g_source_attach (source, store->engine->context);
  g_source_unref (source);
}

/* ---------------------------------------------------------------- writer */

static int
open_log (const char *path)
{
  return g_open (path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
}

/* Writer thread: makes room for @len bytes of records by writing zeros
 * ahead of them and syncing the file once (LOG_PREWRITE_BYTES at a time).
 * An append changes the file's size, so its fdatasync () must also commit
 * the file system's journal, which on ext4 waits for the journal's own
 * thread: with both cores busy that made a commit 300-360 us instead of
 * 70-80 us for a write over blocks already written (measured here with
 * two busy loops running). Recovery stops at a tail of zeros (see
 * bd_store_scan ()). If the zeros cannot be written (a full disk), the
 * records are appended as before. */
static void
log_prewrite (BdStore *store,
              gsize    len)
{
  static const guint8 zeros[64 * 1024];
  guint64 target;

  if (store->log_size + len <= store->log_end || store->no_prewrite)
    return;
  target = store->log_size + len + LOG_PREWRITE_BYTES;
  while (store->log_end < target)
    {
      gsize n = (gsize) MIN (sizeof zeros, target - store->log_end);

      if (!bd_settings_file_write_all_at (store->fd, zeros, n, store->log_end))
        break;
      store->log_end += n;
    }
  if (store->log_end < target || fdatasync (store->fd) != 0)
    {
      g_debug ("Cannot write zeros ahead in %s: %s; appending", store->log_path,
               g_strerror (errno));
      store->no_prewrite = TRUE;
      if (ftruncate (store->fd, store->log_size) == 0)
        store->log_end = store->log_size;
    }
}

/* Writer thread: the snapshot, then a log of the records after it. */
static void
store_compact (BdStore         *store,
               BdStateSnapshot *snap,
               const guint8    *after,
               gsize            after_len)
{
  g_autoptr(GByteArray) log = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();
  guint64 snap_size;
  int fd;

  if (!_bd_state_snapshot_write (snap, &error))
    {
      g_warning ("%s", error->message);
      return;
    }
  {
    GStatBuf st;

    snap_size = g_stat (store->snap_path, &st) == 0 ? (guint64) st.st_size : 0;
  }

  g_byte_array_append (log, (const guint8 *) BD_STORE_MAGIC, BD_STORE_MAGIC_LEN);
  g_byte_array_append (log, after, after_len);
  if (!bd_settings_file_save (store->log_path, (const char *) log->data, log->len, &error))
    {
      /* The old log still holds everything: its records up to the snapshot
       * are skipped when it is read. */
      g_warning ("Cannot start a new broker log: %s", error->message);
      return;
    }
  fd = open_log (store->log_path);
  if (fd < 0)
    {
      g_warning ("Cannot open %s: %s", store->log_path, g_strerror (errno));
      return;
    }
  close (store->fd);
  store->fd = fd;
  store->log_size = store->log_end = log->len;
  store->no_prewrite = FALSE;
  store->compact_bytes = MAX (COMPACT_MIN_BYTES, 2 * snap_size);
  g_mutex_lock (&store->lock);
  store->size = snap_size + store->log_size;
  g_mutex_unlock (&store->lock);
  g_message ("Compacted the broker store: %" G_GUINT64_FORMAT " bytes of snapshot in %.0f ms",
             snap_size, (g_get_monotonic_time () - start) / 1000.0);
}

static int
compare_holes (gconstpointer a,
               gconstpointer b)
{
  const Hole *ha = a;
  const Hole *hb = b;

  return ha->offset < hb->offset ? -1 : ha->offset > hb->offset;
}

/* Writer thread: closes the holes of records taken back (sorted, apart). */
static void
batch_close_holes (GByteArray *batch,
                   GArray     *holes)
{
  gsize to;

  if (holes->len == 0)
    return;
  g_array_sort (holes, compare_holes);
  to = g_array_index (holes, Hole, 0).offset;
  for (guint i = 0; i < holes->len; i++)
    {
      const Hole *h = &g_array_index (holes, Hole, i);
      gsize from = h->offset + h->len;
      gsize end = i + 1 < holes->len ? g_array_index (holes, Hole, i + 1).offset : batch->len;

      memmove (batch->data + to, batch->data + from, end - from);
      to += end - from;
    }
  g_byte_array_set_size (batch, to);
  g_array_set_size (holes, 0);
}

/* Writer thread, with the lock held: moves the first @n_turns turns of
 * the provisional records and their holes into @batch and @holes. */
static void
take_turns (BdStore    *store,
            GByteArray *batch,
            GArray     *holes,
            guint       n_turns)
{
  gsize cut = n_turns < store->turns->len
              ? g_array_index (store->turns, PendingTurn, n_turns).base : store->soft->len;

  g_byte_array_append (batch, store->soft->data, cut);
  g_byte_array_remove_range (store->soft, 0, cut);
  g_array_remove_range (store->turns, 0, n_turns);
  store->soft_deadline = G_MAXINT64;
  for (guint i = 0; i < store->turns->len; i++)
    {
      PendingTurn *t = &g_array_index (store->turns, PendingTurn, i);

      t->base -= cut;
      store->soft_deadline = MIN (store->soft_deadline, t->deadline);
    }
  for (guint i = 0; i < store->holes->len;)
    {
      Hole *h = &g_array_index (store->holes, Hole, i);

      if (h->offset < cut)
        {
          g_array_append_val (holes, *h);
          g_array_remove_index_fast (store->holes, i);
        }
      else
        {
          h->offset -= cut;
          i++;
        }
    }
  if (store->snap != NULL)
    store->soft_snap_at -= MIN (store->soft_snap_at, cut);
}

static gsize
record_size (const guint8 *p)
{
  return BD_STORE_HEADER_LEN + (gsize) bd_store_read_le (p, 4);
}

static guint64
record_seq (const guint8 *p)
{
  return bd_store_read_le (p + 8, 8);
}

/* Writer thread: the records of @a and @b (each in order) into @out, in
 * the order of their sequence numbers. */
static void
merge_records (GByteArray       *out,
               const GByteArray *a,
               const GByteArray *b)
{
  gsize i = 0;
  gsize j = 0;

  while (i < a->len && j < b->len)
    {
      gboolean from_a = record_seq (a->data + i) < record_seq (b->data + j);
      const guint8 *p = from_a ? a->data + i : b->data + j;
      gsize len = record_size (p);

      g_byte_array_append (out, p, len);
      if (from_a)
        i += len;
      else
        j += len;
    }
  g_byte_array_append (out, a->data + i, a->len - i);
  g_byte_array_append (out, b->data + j, b->len - j);
}

static gpointer
store_thread_func (gpointer data)
{
  BdStore *store = data;
  g_autoptr(GByteArray) batch = g_byte_array_new ();
  g_autoptr(GByteArray) hard = g_byte_array_new ();
  g_autoptr(GByteArray) soft = g_byte_array_new ();
  g_autoptr(GArray) holes = g_array_new (FALSE, FALSE, sizeof (Hole));

  g_mutex_lock (&store->lock);
  for (;;)
    {
      BdStateSnapshot *snap;
      guint64 snap_seq;
      guint64 seq;
      guint64 all_seq;
      guint n_turns;
      gint64 start;
      gboolean ok;
      int err = 0;

      while (!store->quit && store->pending->len == 0 && store->soft->len == 0 &&
             store->snap == NULL && !store->pending_barrier)
        g_cond_wait (&store->cond, &store->lock);
      if (store->pending->len == 0 && store->soft->len == 0 && store->snap == NULL)
        {
          /* A barrier with nothing left before it. */
          store->pending_barrier = FALSE;
          if (store->quit)
            break;
          continue;
        }

      if (store->quit || store->snap != NULL || store->pending_hard || store->pending_barrier)
        n_turns = store->turns->len;
      else
        {
          /* The records in order once one is due, with the provisional
           * ones up to the last turn that is due (see the top of this
           * file); the turns after it wait on. */
          gint64 now = g_get_monotonic_time ();

          for (n_turns = store->turns->len; n_turns > 0; n_turns--)
            if (g_array_index (store->turns, PendingTurn, n_turns - 1).deadline <= now)
              break;
          if (n_turns == 0 && (store->pending->len == 0 || store->pending_due > now))
            {
              g_cond_wait_until (&store->cond, &store->lock,
                                 MIN (store->pending_due,
                                      store->soft_deadline == G_MAXINT64
                                      ? G_MAXINT64 : store->soft_deadline + SOFT_SLACK_US));
              continue;
            }
        }

      /* Take them: one write, one fsync. From here nothing in it is taken
       * back. */
      {
        GByteArray *tmp = hard;

        hard = store->pending;
        store->pending = tmp;
      }
      if (n_turns > 0)
        take_turns (store, soft, holes, n_turns);
      seq = store->pending_seq;
      all_seq = store->turns->len > 0
                ? g_array_index (store->turns, PendingTurn, 0).first_seq - 1 : seq;
      store->pending_due = G_MAXINT64;
      store->pending_hard = FALSE;
      store->pending_barrier = FALSE;
      snap = g_steal_pointer (&store->snap);
      snap_seq = store->snap_seq;
      g_mutex_unlock (&store->lock);

      batch_close_holes (soft, holes);
      merge_records (batch, hard, soft);
      g_byte_array_set_size (hard, 0);
      g_byte_array_set_size (soft, 0);
      start = g_get_monotonic_time ();
      /* Everything in it was taken back: nothing to write. */
      if (batch->len == 0 && snap == NULL)
        ok = TRUE;
      else
        {
          log_prewrite (store, batch->len);
          ok = bd_settings_file_write_all_at (store->fd, batch->data, batch->len,
                                              store->log_size) &&
               fdatasync (store->fd) == 0;
        }
      if (!ok)
        {
          err = errno;
          /* Cut what part of the batch got in, so the log stays whole. */
          if (ftruncate (store->fd, store->log_size) != 0)
            g_debug ("Cannot cut %s back: %s", store->log_path, g_strerror (errno));
          else
            store->log_end = store->log_size;
        }
      else
        {
          store->log_size += batch->len;
          if (snap != NULL)
            {
              /* The new log starts with the records the snapshot does not
               * include. */
              gsize after = 0;

              while (after < batch->len && record_seq (batch->data + after) <= snap_seq)
                after += record_size (batch->data + after);
              store_compact (store, snap, batch->data + after, batch->len - after);
            }
        }
      g_clear_pointer (&snap, _bd_state_snapshot_free);

      g_mutex_lock (&store->lock);
      if (ok)
        {
          store->committed_seq = seq;
          store->all_committed_seq = all_seq;
          store->full = FALSE;
          store->last_commit_us = g_get_real_time ();
          store->last_latency_us = g_get_monotonic_time () - start;
          store->size += batch->len;
          if (store->log_size > store->compact_bytes)
            store->want_compact = TRUE;
          g_byte_array_set_size (batch, 0);
        }
      else
        {
          gboolean was_full = store->full;

          /* Kept for the next try, in front of what came meanwhile. */
          g_byte_array_prepend (store->pending, batch->data, batch->len);
          store->pending_hard = TRUE;
          g_byte_array_set_size (batch, 0);
          store->full = TRUE;
          g_free (store->error);
          store->error = g_strdup (g_strerror (err));
          if (!was_full)
            store_post_notify (store);
          if (store->quit)
            {
              g_warning ("Stopping with %u bytes of broker state not written to %s: %s",
                         store->pending->len + store->soft->len, store->log_path, store->error);
              break;
            }
          g_cond_wait_until (&store->cond, &store->lock, g_get_monotonic_time () + RETRY_US);
          continue;
        }
      store_post_notify (store);
    }
  g_mutex_unlock (&store->lock);
  return NULL;
}

/* ---------------------------------------------------------------- engine */

void
_bd_store_start (BdEngine *engine)
{
  g_autofree char *path = NULL;
  BdStore *store;
  GStatBuf st;

  if (!engine->config->persistence || engine->config->persistence_snapshot)
    return;
  path = _bd_engine_dup_state_path (engine);
  if (path == NULL)
    return;

  store = g_new0 (BdStore, 1);
  store->engine = engine;
  store->snap_path = g_steal_pointer (&path);
  store->log_path = dup_log_path (store->snap_path);
  store->pending = g_byte_array_new ();
  store->soft = g_byte_array_new ();
  store->turns = g_array_new (FALSE, FALSE, sizeof (PendingTurn));
  store->holes = g_array_new (FALSE, FALSE, sizeof (Hole));
  store->compact_bytes = COMPACT_MIN_BYTES;
  g_mutex_init (&store->lock);
  g_cond_init (&store->cond);
  store->committed_seq = store->all_committed_seq = engine->store_seq;
  store->pending_due = store->soft_deadline = G_MAXINT64;
  engine->store_all_durable_seq = engine->store_durable_seq;
  engine->store_turn_lazy = G_MAXINT64;
  engine->store_turn_deadline = G_MAXINT64;

  /* _bd_store_load () left the log whole (or absent). */
  store->fd = open_log (store->log_path);
  if (store->fd < 0 || fstat (store->fd, &st) != 0)
    {
      g_warning ("Cannot open the broker log %s: %s; keeping state in snapshots only",
                 store->log_path, g_strerror (errno));
      store_free (store);
      return;
    }
  store->log_size = store->log_end = st.st_size;
  if (store->log_size == 0)
    {
      if (!bd_settings_file_write_all (store->fd, BD_STORE_MAGIC, BD_STORE_MAGIC_LEN) ||
          fdatasync (store->fd) != 0)
        {
          g_warning ("Cannot write the broker log %s: %s; keeping state in snapshots only",
                     store->log_path, g_strerror (errno));
          store_free (store);
          return;
        }
      store->log_size = store->log_end = BD_STORE_MAGIC_LEN;
    }
  store->size = store->log_size;
  if (g_stat (store->snap_path, &st) == 0)
    {
      store->size += st.st_size;
      store->compact_bytes = MAX (COMPACT_MIN_BYTES, 2 * (guint64) st.st_size);
    }
  {
    /* For tests: compaction after a few kilobytes, not megabytes. */
    const char *env = g_getenv ("BROKERDESK_STORE_COMPACT_BYTES");

    if (env != NULL && g_ascii_strtoull (env, NULL, 10) > 0)
      store->compact_bytes = g_ascii_strtoull (env, NULL, 10);
  }

  engine->store_buf = g_byte_array_new ();
  engine->store_soft_buf = g_byte_array_new ();
  engine->held = g_ptr_array_new ();
  engine->store = store;
  store->thread = g_thread_new ("bd-store", store_thread_func, store);
}

void
_bd_store_tick (BdEngine *engine)
{
  BdStore *store = engine->store;
  BdStateSnapshot *snap;

  if (store == NULL)
    return;
  g_mutex_lock (&store->lock);
  if (!store->want_compact || store->snap != NULL)
    {
      g_mutex_unlock (&store->lock);
      return;
    }
  store->want_compact = FALSE;
  g_mutex_unlock (&store->lock);

  /* The records so far first, so the snapshot sits right after them. */
  _bd_store_submit (engine);
  snap = _bd_engine_snapshot_state (engine);
  if (snap == NULL)
    return;
  g_mutex_lock (&store->lock);
  store->snap = snap;
  store->soft_snap_at = store->soft->len;
  store->snap_seq = engine->store_seq;
  g_cond_signal (&store->cond);
  g_mutex_unlock (&store->lock);
}

/* After the engine thread has stopped: the writer finishes its queue, then
 * a snapshot of the final state makes the next start-up fast. */
void
_bd_store_stop (BdEngine *engine)
{
  BdStore *store = engine->store;
  BdStateSnapshot *snap;
  g_autoptr(GError) error = NULL;

  if (store == NULL)
    return;

  _bd_store_submit (engine);
  g_mutex_lock (&store->lock);
  store->quit = TRUE;
  g_cond_signal (&store->cond);
  g_mutex_unlock (&store->lock);
  g_thread_join (store->thread);

  if (store->pending->len == 0 && store->soft->len == 0)
    {
      snap = _bd_engine_snapshot_state (engine);
      if (snap != NULL)
        store_compact (store, snap, NULL, 0);
      g_clear_pointer (&snap, _bd_state_snapshot_free);
    }

  engine->store = NULL;
  g_clear_pointer (&engine->store_buf, g_byte_array_unref);
  g_clear_pointer (&engine->store_soft_buf, g_byte_array_unref);
  g_clear_pointer (&engine->held, g_ptr_array_unref);
  store_free (store);
}

void
_bd_store_read_figures (BdEngine      *engine,
                        BdEngineStats *stats)
{
  BdStore *store = engine->store;

  if (store == NULL)
    return;
  g_mutex_lock (&store->lock);
  stats->store_size = store->size;
  stats->store_last_commit_us = store->last_commit_us;
  stats->store_commit_latency_us = store->last_latency_us;
  g_mutex_unlock (&store->lock);
  stats->store_failing = engine->store_full;
}

/* After _bd_sys_snapshot_stats (), which read the store's figures. */
void
_bd_store_publish_sys (BdEngine *engine,
                       gboolean  force)
{
  const BdEngineStats *c = &engine->counters;
  char buf[64];

  if (engine->store == NULL)
    return;

  g_snprintf (buf, sizeof buf, "%" G_GUINT64_FORMAT, c->store_size);
  _bd_sys_publish (engine, "$SYS/broker/store/size", buf, force);
  if (c->store_last_commit_us > 0)
    {
      g_autoptr(GDateTime) at = g_date_time_new_from_unix_utc (c->store_last_commit_us / G_USEC_PER_SEC);
      g_autofree char *text = g_date_time_format_iso8601 (at);

      _bd_sys_publish (engine, "$SYS/broker/store/last_commit", text, force);
      g_ascii_formatd (buf, sizeof buf, "%.3f", c->store_commit_latency_us / 1000.0);
      _bd_sys_publish (engine, "$SYS/broker/store/commit_latency_ms", buf, force);
    }
  _bd_sys_publish (engine, "$SYS/broker/store/status", c->store_failing ? "full" : "ok", force);
}

/* -------------------------------------------------------------- recovery */

typedef struct
{
  guint64  id;          /* key of msgs */
  char    *topic;
  GBytes  *payload;
  guint8   qos;
  gboolean retain;
  gint64   at;          /* wills: when, wall clock */
  BdMqttProperties props;
  gint64   time_us;     /* received, wall clock; 0 if not recorded */
  guint16  packet_id;   /* sent with it, not acknowledged; 0 if not */
} RecMessage;

typedef struct
{
  char       *filter;
  guint8      qos;
  guint8      options;
  guint32     subscription_id;
} RecSub;

typedef struct
{
  char       *client_id;
  char       *username;
  guint32     expiry;
  GHashTable *subs;     /* filter -> RecSub* */
  GHashTable *msgs;     /* &id -> RecMessage* */
  GHashTable *qos2;     /* packet ids */
  GHashTable *pubrels;  /* packet ids: PUBREL due */
  RecMessage *will;
} RecSession;

typedef struct
{
  GHashTable *retained; /* topic -> BdMessage* */
  GHashTable *sessions; /* client id -> RecSession* */
  guint64     base_seq; /* records up to here are in the snapshot */
  guint64     max_seq;
  guint64     next_id;
  gboolean    in_log;
  guint       n_bad;    /* records that made no sense */
} Model;

static void
rec_message_free (gpointer data)
{
  RecMessage *m = data;

  g_free (m->topic);
  g_bytes_unref (m->payload);
  bd_mqtt_properties_clear (&m->props);
  g_free (m);
}

static void
rec_sub_free (gpointer data)
{
  RecSub *sub = data;

  g_free (sub->filter);
  g_free (sub);
}

static void
rec_session_free (gpointer data)
{
  RecSession *s = data;

  g_hash_table_unref (s->subs);
  g_hash_table_unref (s->msgs);
  g_hash_table_unref (s->qos2);
  g_hash_table_unref (s->pubrels);
  g_clear_pointer (&s->will, rec_message_free);
  g_free (s->client_id);
  g_free (s->username);
  g_free (s);
}

static RecMessage *
read_message (BdStoreReader *r)
{
  RecMessage *m = g_new0 (RecMessage, 1);
  const guint8 *data;
  gsize len;

  m->topic = bd_store_get_str (r);
  data = bd_store_get_bytes (r, &len);
  m->payload = g_bytes_new (data, len);
  return m;
}

/* The last fields of RETAIN_SET, MSG_ADD and WILL_SET, if the record has
 * them. Properties that do not decode (they were encoded by this code, and
 * the record's checksum matched) are left out rather than the message. */
static void
read_message_extra (BdStoreReader *r,
                    RecMessage    *m,
                    gboolean       will)
{
  const guint8 *data;
  gsize len;

  if (!r->ok || r->p == r->end)
    return;
  data = bd_store_get_bytes (r, &len);
  m->time_us = (gint64) bd_store_get_u64 (r);
  if (r->ok && len > 0 && !bd_mqtt_properties_decode (data, len, will, &m->props, NULL))
    g_debug ("Stored properties of a message on %s do not decode; restored without them",
             m->topic);
}

/* A restored message with the properties and receipt time it was stored
 * with, and what is left of its Message Expiry Interval counted from then
 * [MQTT-3.3.2-5]; NULL once that has run out. */
static BdMessage *
rec_message_restore (RecMessage *m,
                     guint8      qos,
                     gboolean    retain,
                     const char *publisher_id)
{
  gint64 now = g_get_real_time ();
  BdMessage *message = bd_message_new_full (m->topic, m->payload, qos, retain, &m->props,
                                            publisher_id, m->time_us > 0 ? m->time_us : now);

  if (message->props != NULL &&
      BD_MQTT_PROP_HAS (message->props, BD_MQTT_PROP_MESSAGE_EXPIRY_INTERVAL))
    {
      gint64 left = (gint64) message->props->message_expiry_interval * G_USEC_PER_SEC -
                    MAX (0, now - message->time_us);

      if (left <= 0)
        {
          bd_message_unref (message);
          return NULL;
        }
      message->expiry_us = g_get_monotonic_time () + left;
    }
  return message;
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RecMessage, rec_message_free)

static RecSession *
model_session (Model      *model,
               const char *client_id)
{
  return client_id ? g_hash_table_lookup (model->sessions, client_id) : NULL;
}

static void
model_apply (guint64       seq,
             guint8        type,
             const guint8 *body,
             gsize         len,
             gpointer      user_data)
{
  Model *model = user_data;
  BdStoreReader r;
  g_autofree char *client_id = NULL;
  RecSession *s;

  if (model->in_log && seq <= model->base_seq)
    return;
  model->max_seq = MAX (model->max_seq, seq);
  bd_store_reader_init (&r, body, len);

  switch (type)
    {
    case BD_STORE_META:
      model->base_seq = bd_store_get_u64 (&r);
      model->max_seq = MAX (model->max_seq, model->base_seq);
      model->next_id = MAX (model->next_id, bd_store_get_u64 (&r));
      break;

    case BD_STORE_RETAIN_SET:
      {
        g_autoptr(RecMessage) m = read_message (&r);
        guint8 qos = bd_store_get_u8 (&r);
        g_autofree char *publisher = bd_store_get_str (&r);
        g_autofree char *user = bd_store_get_str (&r);
        guint16 listener = bd_store_get_u16 (&r);
        BdMessage *message;

        read_message_extra (&r, m, FALSE);
        if (!r.ok || qos > 2 || !bd_topic_name_is_valid (m->topic))
          break;
        message = rec_message_restore (m, qos, TRUE, publisher[0] ? publisher : NULL);
        if (message == NULL)
          {
            /* Expired while the broker was down [MQTT-3.3.2-5]. */
            g_hash_table_remove (model->retained, m->topic);
            break;
          }
        message->publisher_username = user[0] ? g_strdup (user) : NULL;
        message->publisher_listener = listener;
        g_hash_table_replace (model->retained, g_strdup (m->topic), message);
      }
      break;

    case BD_STORE_RETAIN_CLEAR:
      {
        g_autofree char *topic = bd_store_get_str (&r);

        if (r.ok)
          g_hash_table_remove (model->retained, topic);
      }
      break;

    case BD_STORE_SESSION_PUT:
      {
        g_autofree char *user = NULL;
        guint32 expiry;

        client_id = bd_store_get_str (&r);
        user = bd_store_get_str (&r);
        expiry = bd_store_get_u32 (&r);
        if (!r.ok)
          break;
        s = model_session (model, client_id);
        if (s == NULL)
          {
            s = g_new0 (RecSession, 1);
            s->client_id = g_strdup (client_id);
            s->subs = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, rec_sub_free);
            s->msgs = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, rec_message_free);
            s->qos2 = g_hash_table_new (NULL, NULL);
            s->pubrels = g_hash_table_new (NULL, NULL);
            g_hash_table_insert (model->sessions, s->client_id, s);
          }
        g_free (s->username);
        s->username = g_steal_pointer (&user);
        s->expiry = expiry;
      }
      break;

    case BD_STORE_SESSION_DEL:
      client_id = bd_store_get_str (&r);
      if (r.ok)
        g_hash_table_remove (model->sessions, client_id);
      break;

    case BD_STORE_SUB_ADD:
      {
        RecSub *sub = g_new0 (RecSub, 1);

        client_id = bd_store_get_str (&r);
        sub->filter = bd_store_get_str (&r);
        sub->qos = bd_store_get_u8 (&r);
        sub->options = bd_store_get_u8 (&r);
        sub->subscription_id = bd_store_get_u32 (&r);
        s = model_session (model, client_id);
        if (!r.ok || s == NULL)
          {
            rec_sub_free (sub);
            model->n_bad++;
            break;
          }
        g_hash_table_replace (s->subs, sub->filter, sub);
      }
      break;

    case BD_STORE_SUB_DEL:
      {
        g_autofree char *filter = NULL;

        client_id = bd_store_get_str (&r);
        filter = bd_store_get_str (&r);
        s = model_session (model, client_id);
        if (r.ok && s != NULL)
          g_hash_table_remove (s->subs, filter);
      }
      break;

    case BD_STORE_MSG_ADD:
      {
        guint64 id;
        RecMessage *m;

        client_id = bd_store_get_str (&r);
        id = bd_store_get_u64 (&r);
        m = read_message (&r);
        m->id = id;
        m->qos = bd_store_get_u8 (&r);
        m->retain = bd_store_get_u8 (&r) != 0;
        read_message_extra (&r, m, FALSE);
        /* Written before in-flight state was kept: not sent. */
        if (r.ok && r.p < r.end)
          m->packet_id = bd_store_get_u16 (&r);
        s = model_session (model, client_id);
        if (!r.ok || s == NULL || id == 0 || m->qos > 2)
          {
            rec_message_free (m);
            model->n_bad++;
            break;
          }
        model->next_id = MAX (model->next_id, id + 1);
        g_hash_table_replace (s->msgs, &m->id, m);
      }
      break;

    case BD_STORE_MSG_DEL:
      {
        guint64 id;

        client_id = bd_store_get_str (&r);
        id = bd_store_get_u64 (&r);
        s = model_session (model, client_id);
        if (r.ok && s != NULL)
          g_hash_table_remove (s->msgs, &id);
      }
      break;

    case BD_STORE_MSG_SENT:
    case BD_STORE_PUBREL_ADD:
      {
        guint64 id;
        guint16 packet_id;
        RecMessage *m;

        client_id = bd_store_get_str (&r);
        id = bd_store_get_u64 (&r);
        packet_id = bd_store_get_u16 (&r);
        s = model_session (model, client_id);
        if (!r.ok || s == NULL || packet_id == 0)
          break;
        /* A message acknowledged meanwhile (its MSG_DEL, or its
         * MSG_ADD taken back) has nothing to record. */
        m = id != 0 ? g_hash_table_lookup (s->msgs, &id) : NULL;
        if (type == BD_STORE_MSG_SENT)
          {
            if (m != NULL)
              m->packet_id = packet_id;
            break;
          }
        if (m != NULL)
          g_hash_table_remove (s->msgs, &id);
        g_hash_table_add (s->pubrels, GUINT_TO_POINTER (packet_id));
      }
      break;

    case BD_STORE_PUBREL_DEL:
    case BD_STORE_QOS2_ADD:
    case BD_STORE_QOS2_DEL:
      {
        guint16 id;

        client_id = bd_store_get_str (&r);
        id = bd_store_get_u16 (&r);
        s = model_session (model, client_id);
        if (!r.ok || s == NULL || id == 0)
          break;
        if (type == BD_STORE_QOS2_ADD)
          g_hash_table_add (s->qos2, GUINT_TO_POINTER (id));
        else if (type == BD_STORE_QOS2_DEL)
          g_hash_table_remove (s->qos2, GUINT_TO_POINTER (id));
        else
          g_hash_table_remove (s->pubrels, GUINT_TO_POINTER (id));
      }
      break;

    case BD_STORE_WILL_SET:
      {
        gint64 at;
        RecMessage *m;

        client_id = bd_store_get_str (&r);
        at = (gint64) bd_store_get_u64 (&r);
        m = read_message (&r);
        m->at = at;
        m->qos = bd_store_get_u8 (&r);
        m->retain = bd_store_get_u8 (&r) != 0;
        read_message_extra (&r, m, TRUE);
        s = model_session (model, client_id);
        if (!r.ok || s == NULL || m->qos > 2)
          {
            rec_message_free (m);
            break;
          }
        g_clear_pointer (&s->will, rec_message_free);
        s->will = m;
      }
      break;

    case BD_STORE_WILL_CLEAR:
      client_id = bd_store_get_str (&r);
      s = model_session (model, client_id);
      if (r.ok && s != NULL)
        g_clear_pointer (&s->will, rec_message_free);
      break;

    default:
      /* A newer version's record: skipped, not fatal. */
      model->n_bad++;
      break;
    }
}

static int
compare_ids (gconstpointer a,
             gconstpointer b)
{
  const RecMessage *ma = *(RecMessage * const *) a;
  const RecMessage *mb = *(RecMessage * const *) b;

  return ma->id < mb->id ? -1 : ma->id > mb->id;
}

static int
compare_packet_ids (gconstpointer a,
                    gconstpointer b)
{
  return (int) *(const guint16 *) a - (int) *(const guint16 *) b;
}

static void
model_to_engine (Model    *model,
                 BdEngine *engine)
{
  GHashTableIter iter;
  gpointer key;
  gpointer value;
  guint64 n_messages = 0;

  g_hash_table_iter_init (&iter, model->retained);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      bd_topic_tree_set (engine->retained, key, value);
      g_hash_table_iter_steal (&iter);
      g_free (key);
    }

  g_hash_table_iter_init (&iter, model->sessions);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      RecSession *s = value;
      BdSession *session = _bd_persist_restore_session (engine, s->client_id,
                                                        s->username ? s->username : "", s->expiry);
      g_autoptr(GPtrArray) msgs = NULL;
      GHashTableIter j;
      gpointer item;

      if (session == NULL)
        continue;

      g_hash_table_iter_init (&j, s->subs);
      while (g_hash_table_iter_next (&j, NULL, &item))
        {
          RecSub *sub = item;

          _bd_persist_restore_sub (session, sub->filter, sub->qos, sub->options, sub->subscription_id);
        }

      if (g_hash_table_size (s->qos2) > 0)
        {
          session->incoming_qos2 = g_hash_table_new (NULL, NULL);
          g_hash_table_iter_init (&j, s->qos2);
          while (g_hash_table_iter_next (&j, &item, NULL))
            g_hash_table_add (session->incoming_qos2, item);
        }

      /* The PUBRELs due, then the messages in flight, go out again with
       * their packet ids when the client is back [MQTT-4.4.0-1]. */
      if (g_hash_table_size (s->pubrels) > 0)
        {
          g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (guint16));

          g_hash_table_iter_init (&j, s->pubrels);
          while (g_hash_table_iter_next (&j, &item, NULL))
            {
              guint16 id = GPOINTER_TO_UINT (item);

              g_array_append_val (ids, id);
            }
          g_array_sort (ids, compare_packet_ids);
          for (guint i = 0; i < ids->len; i++)
            _bd_session_restore_pubrel (session, g_array_index (ids, guint16, i));
        }

      /* Ids grow with time: their order is the order of arrival. */
      msgs = g_ptr_array_sized_new (g_hash_table_size (s->msgs));
      g_hash_table_iter_init (&j, s->msgs);
      while (g_hash_table_iter_next (&j, NULL, &item))
        g_ptr_array_add (msgs, item);
      g_ptr_array_sort (msgs, compare_ids);
      for (guint i = 0; i < msgs->len; i++)
        {
          RecMessage *m = g_ptr_array_index (msgs, i);
          g_autoptr(BdMessage) message = NULL;
          BdDelivery delivery = { .qos = m->qos, .retain = m->retain };

          if (!bd_topic_name_is_valid (m->topic))
            continue;
          message = rec_message_restore (m, m->qos, FALSE, NULL);
          if (message == NULL)
            continue;
          n_messages++;
          if (m->packet_id != 0 && m->qos > 0 &&
              _bd_session_restore_inflight (session, message, m->qos, m->retain, m->packet_id,
                                            m->id))
            continue;
          engine->store_restore_id = m->id;
          _bd_session_deliver (session, message, &delivery);
          engine->store_restore_id = 0;
        }

      if (s->will != NULL && bd_topic_name_is_valid (s->will->topic))
        {
          gint64 left = MAX (0, s->will->at - g_get_real_time ());

          /* Its expiry counts from when it is published (see bd-route.c). */
          session->pending_will = bd_message_new_full (s->will->topic, s->will->payload,
                                                       s->will->qos, s->will->retain,
                                                       &s->will->props, NULL,
                                                       g_get_real_time ());
          session->will_at_us = g_get_monotonic_time () + left;
        }
    }

  g_message ("Restored %u retained messages, %u persistent sessions and %" G_GUINT64_FORMAT
             " queued messages",
             bd_topic_tree_get_size (engine->retained),
             g_hash_table_size (model->sessions), n_messages);
}

/* Reads one store file into the model. A damaged tail is cut off, named with
 * its offset; @cut says to truncate the file there (the log, which is
 * appended to next). */
static void
model_read_file (Model      *model,
                 const char *path,
                 gboolean    cut)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GMappedFile) file = g_mapped_file_new (path, FALSE, &error);
  const guint8 *data;
  gsize len;
  gsize good;
  const char *why;

  if (file == NULL)
    {
      if (!g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        g_warning ("%s: %s; its records are not restored", path, error->message);
      return;
    }
  data = (const guint8 *) g_mapped_file_get_contents (file);
  len = g_mapped_file_get_length (file);
  if (len == 0)
    return;
  good = bd_store_scan (data, len, model_apply, model, &why);
  if (why == NULL)
    {
      /* The zeros a running broker writes ahead of its records: records
       * go after the last one again. */
      if (cut && good < len)
        {
          g_clear_pointer (&file, g_mapped_file_unref);
          if (truncate (path, good) != 0)
            g_warning ("Cannot cut %s: %s", path, g_strerror (errno));
        }
      return;
    }

  g_warning ("%s: %s at byte %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT
             "; restored what comes before it and cut off the rest",
             path, why, good, len);
  if (cut)
    {
      g_clear_pointer (&file, g_mapped_file_unref);
      if (good < BD_STORE_MAGIC_LEN)
        {
          if (!g_file_set_contents (path, BD_STORE_MAGIC, BD_STORE_MAGIC_LEN, &error))
            g_warning ("%s", error->message);
        }
      else if (truncate (path, good) != 0)
        g_warning ("Cannot cut %s: %s", path, g_strerror (errno));
    }
}

/* Before the engine thread starts (as loading always did). */
void
_bd_store_load (BdEngine *engine)
{
  g_autofree char *path = _bd_engine_dup_state_path (engine);
  g_autofree char *log_path = NULL;
  g_autoptr(GMappedFile) file = NULL;
  g_autoptr(GError) error = NULL;
  Model model = { 0 };

  if (engine->store_next_id == 0)
    engine->store_next_id = 1;
  if (path == NULL)
    return;
  log_path = dup_log_path (path);

  /* The snapshot: the older GVariant format is read once and migrated. */
  file = g_mapped_file_new (path, FALSE, &error);
  if (file == NULL && !g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    g_warning ("%s: %s; starting with no stored state", path, error->message);
  if (file != NULL && g_mapped_file_get_length (file) > 0 &&
      (g_mapped_file_get_length (file) < BD_STORE_MAGIC_LEN ||
       memcmp (g_mapped_file_get_contents (file), BD_STORE_MAGIC, BD_STORE_MAGIC_LEN) != 0))
    {
      g_autoptr(GBytes) bytes = g_mapped_file_get_bytes (file);

      g_clear_pointer (&file, g_mapped_file_unref);
      if (_bd_persist_load_old (engine, path, bytes))
        engine->store_migrate = TRUE;
    }
  g_clear_pointer (&file, g_mapped_file_unref);

  model.retained = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                          (GDestroyNotify) bd_message_unref);
  model.sessions = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, rec_session_free);
  model.next_id = 1;
  if (!engine->store_migrate)
    model_read_file (&model, path, FALSE);
  model.in_log = TRUE;
  model_read_file (&model, log_path, TRUE);
  if (model.n_bad > 0)
    g_warning ("%s: skipped %u records that did not fit the state before them", log_path, model.n_bad);

  model_to_engine (&model, engine);
  engine->store_seq = engine->store_durable_seq = model.max_seq;
  engine->store_base_seq = model.base_seq;
  engine->store_next_id = MAX (engine->store_next_id, model.next_id);
  g_hash_table_unref (model.retained);
  g_hash_table_unref (model.sessions);

  if (engine->store_migrate)
    {
      BdStateSnapshot *snap = _bd_engine_snapshot_state (engine);

      if (snap != NULL)
        {
          if (!_bd_state_snapshot_write (snap, &error))
            g_warning ("%s", error->message);
          else
            g_message ("Migrated %s to the store format", path);
          _bd_state_snapshot_free (snap);
        }
    }
}
