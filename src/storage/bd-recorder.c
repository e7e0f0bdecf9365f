/* bd-recorder.c — the history recorder: a tap, a bounded queue, one writer thread
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The model:
 *
 *   engine thread ── bd_recorder_tap() ──► ring of copied records (bounded:
 *                                          `capacity` messages)
 *   writer thread ◄────────────────────────────┘
 *     reads the records in place; per message: topic and series ids from an
 *     in-memory cache, buffer the raw message row (its id assigned here) and
 *     the extracted sample rows, fold the samples into per-series 1-minute
 *     and 1-hour accumulators. Buffered rows go in BUFFER_ROWS_MAX at a time,
 *     64 per INSERT, samples sorted by key. A batch is one transaction and
 *     ends after `batch_max` messages or `batch_delay`, whichever comes first
 *     (under load, with a backlog queued or BIG_BATCH messages in the batch
 *     at the deadline, it grows to 5 x the delay); at its end the rest of the
 *     rows and the accumulators are written (rollup upserts, one per series
 *     and bucket), the per-topic summary (last value, count) is updated, then
 *     COMMIT. Between batches the writer runs retention in small steps.
 *   checkpointer thread: copies the WAL into the database file on its own
 *     connection, woken after big commits (see wal_hook_cb ()).
 *
 * Commands from other threads (flush, retention, resume, stop) go on a list
 * under `mutex`, followed by a command record in the ring: the writer sees
 * them after every message queued before them, which is what makes
 * bd_recorder_flush_sync() mean "everything tapped before this is committed".
 *
 * Performance (bench/run-history-bench, README): 200,000–270,000 messages
 * per second of writer CPU with 1000 numeric topics (was ~110,000). What it took, measured:
 * a checkpointer that actually checkpoints (the WAL had grown without bound),
 * bigger batches under load, rows inserted in bulk and samples in key order,
 * INSERT OR FAIL (no statement journal), and no allocation per message.
 *
 * Errors: any SQLite error inside a batch rolls the batch back (its messages
 * are counted as dropped), closes the connection and PAUSES recording with a
 * GError naming the file. While paused the tap counts messages as dropped
 * without queueing them. Locks, a full disk and a read-only file are retried
 * every RETRY_INTERVAL; a damaged or too new file is never retried (and never
 * written: see _bd_storage_open()).
 *
 * Retention (documented for users in the README):
 *  - by age, per topic: the LAST history_retention rule whose filter matches
 *    the topic applies (like later lines overriding earlier ones); none
 *    matching keeps the topic forever. Raw messages, their samples and the
 *    1-minute rollup buckets that end before the cutoff are deleted. The
 *    1-hour rollups are kept: they are 1/3600 of a 1 Hz series, and keep long
 *    charts drawing after the raw data expired.
 *  - by size (history_max_size), whole database: while the used pages exceed
 *    the limit, the oldest raw messages (and their samples) go first; when no
 *    raw message is left, the oldest 1-minute rollups, then the oldest 1-hour
 *    ones. Freed pages are given back to the file system with
 *    incremental_vacuum, a few at a time.
 * Each step deletes at most RETENTION_CHUNK rows in its own transaction so
 * ingest never waits long.
 */

#include "config.h"

#include <errno.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <errno.h>
#include <glib/gi18n.h>
#include <math.h>
#include <stdatomic.h>
#include <string.h>

#include "bd-recorder.h"
#include "bd-recorder-private.h"
#include "bd-sample.h"
#include "bd-storage-private.h"
#include "bd-topic.h"

#define DEFAULT_CAPACITY       65536
#define DEFAULT_BATCH_MAX      (1 << 20)
#define DEFAULT_BATCH_DELAY_MS 500
/* With at least this many messages queued at the deadline, the batch goes on
 * (up to batch_max messages or BATCH_STRETCH x the delay): one commit
 * dirties about one page per series and index, so bigger batches under
 * load cut the pages written per message. */
#define BACKLOG                4096
#define BATCH_STRETCH          5
/* A batch that reached this many messages by its deadline is stretched too:
 * at high rates it is the size of a commit, not the queue, that costs. */
#define BIG_BATCH              16384
/* Once a commit leaves this many frames (64 MiB) in the WAL, the writer
 * checkpoints what the checkpointer has not copied yet itself, so that its
 * next transaction starts the WAL over (see commit_batch ()). */
#define WAL_RESTART_FRAMES     16384
#define DEFAULT_BUSY_TIMEOUT   2000
#define RETRY_INTERVAL_US      (30 * G_USEC_PER_SEC)
#define RETENTION_INTERVAL_US  (10 * G_USEC_PER_SEC)
#define RETENTION_CHUNK        1000
/* At most this many messages between two looks at the batch deadline. */
#define RUN_MAX                8192
#define ROWS_PER_INSERT        64
/* Rows are buffered up to this many (or BUFFER_PAYLOAD_MAX bytes of
 * payload), then sorted and inserted: see flush_messages (). */
#define BUFFER_ROWS_MAX        16384
#define BUFFER_PAYLOAD_MAX     (8 << 20)
/* Past this many topics the cache is emptied after a commit (when it holds
 * no pending state) and refilled from the dictionary tables as topics come
 * back: memory stays bounded even when topic names never repeat. */
#define TOPIC_CACHE_MAX        200000
#define RETENTION_TOPICS_STEP  256
#define VACUUM_PAGES_STEP      256

enum { LEVEL_MINUTE, LEVEL_HOUR, N_LEVELS };
static const gint64 level_width[N_LEVELS] = { BD_ROLLUP_MINUTE_MS, BD_ROLLUP_HOUR_MS };

typedef struct
{
  gint64 bucket;
  gint64 n;       /* 0: empty */
  double sum;
  double min;
  double max;
  double first;
  gint64 tfirst;
  double last;
  gint64 tlast;
} Acc;

typedef struct
{
  char    *field;
  gint64   id;
  Acc      acc[N_LEVELS];
  gboolean dirty;   /* in dirty_series */
} SeriesInfo;

typedef struct
{
  char      *name;
  gint64     id;          /* 0 until first needed in a batch */
  gboolean   recorded;
  char     **json_paths;  /* the configured paths whose filter matches, or NULL */
  GPtrArray *series;      /* of SeriesInfo* */
  /* uncommitted summary */
  gboolean   dirty;
  guint      pending;
  gint64     last_time;
  /* A copy, not a reference: a reference per message, and the message's
   * payload freed here instead of on the engine thread, showed in profiles. */
  GByteArray *last_payload;
  gboolean   has_value;
  double     last_value;
} TopicInfo;

typedef struct
{
  char   *filter;
  gint64  max_age_s;
} Retention;

/* Rows buffered on the writer thread and inserted ROWS_PER_INSERT at a time
 * by one multi-row INSERT: a statement's start and end (cursors opened and
 * closed, memory freed) cost as much as a row's b-tree insert. */
typedef struct
{
  gint64 id;
  gint64 time;
  gint64 topic_id;
  guint  offset;    /* of the payload in payloads */
  guint  len;
  int    qos;
  int    retain;
} MessageRow;

typedef struct
{
  gint64 series_id;
  gint64 time;
  gint64 msg_id;
  double value;
} SampleRow;

typedef enum
{
  CMD_FLUSH,
  CMD_RETENTION,
  CMD_RESUME,
  CMD_STOP,
  CMD_MAX_PAGES,
} CommandType;

typedef struct
{
  CommandType  type;
  gint64       arg;
  gboolean     done;
  GError      *error;
} Command;

enum {
  STMT_BEGIN,
  STMT_COMMIT,
  STMT_ROLLBACK,
  STMT_FIND_TOPIC,
  STMT_ADD_TOPIC,
  STMT_FIND_SERIES,
  STMT_ADD_SERIES,
  STMT_ADD_MESSAGE,
  STMT_NEXT_MESSAGE_ID,
  STMT_ADD_SAMPLE,
  STMT_UPSERT_1M,
  STMT_UPSERT_1H,
  STMT_UPDATE_TOPIC,
  STMT_SERIES_OF_TOPIC,
  STMT_EXPIRE_TOPIC,
  STMT_EXPIRE_OLDEST,
  STMT_DELETE_SAMPLE,
  STMT_DECREMENT_TOPIC,
  STMT_EXPIRE_1M,
  STMT_OLDEST_1M,
  STMT_OLDEST_1H,
  N_STMTS
};

#define UPSERT_SQL(table) \
  "INSERT INTO " table " (series_id, bucket, n, vsum, vmin, vmax, vfirst, tfirst, vlast, tlast)" \
  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)" \
  " ON CONFLICT (series_id, bucket) DO UPDATE SET" \
  "  n = n + excluded.n," \
  "  vsum = vsum + excluded.vsum," \
  "  vmin = min (vmin, excluded.vmin)," \
  "  vmax = max (vmax, excluded.vmax)," \
  "  vfirst = CASE WHEN excluded.tfirst < tfirst THEN excluded.vfirst ELSE vfirst END," \
  "  tfirst = min (tfirst, excluded.tfirst)," \
  "  vlast = CASE WHEN excluded.tlast >= tlast THEN excluded.vlast ELSE vlast END," \
  "  tlast = max (tlast, excluded.tlast)"

static const char * const stmt_sql[N_STMTS] = {
  [STMT_BEGIN] = "BEGIN IMMEDIATE",
  [STMT_COMMIT] = "COMMIT",
  [STMT_ROLLBACK] = "ROLLBACK",
  [STMT_FIND_TOPIC] = "SELECT id FROM topics WHERE name = ?1",
  [STMT_ADD_TOPIC] = "INSERT INTO topics (name) VALUES (?1)",
  [STMT_FIND_SERIES] = "SELECT id FROM series WHERE topic_id = ?1 AND field = ?2",
  [STMT_ADD_SERIES] = "INSERT INTO series (topic_id, field) VALUES (?1, ?2)",
  [STMT_ADD_MESSAGE] = "INSERT INTO messages (id, time, topic_id, payload, qos, retain)"
                       " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
  [STMT_NEXT_MESSAGE_ID] = "SELECT coalesce (max (id), 0) + 1 FROM messages",
  [STMT_ADD_SAMPLE] = "INSERT INTO samples (series_id, time, msg_id, value) VALUES (?1, ?2, ?3, ?4)",
  [STMT_UPSERT_1M] = UPSERT_SQL ("rollup_1m"),
  [STMT_UPSERT_1H] = UPSERT_SQL ("rollup_1h"),
  [STMT_UPDATE_TOPIC] = "UPDATE topics SET last_time = ?2, last_payload = ?3, last_value = ?4,"
                        " message_count = message_count + ?5 WHERE id = ?1",
  [STMT_SERIES_OF_TOPIC] = "SELECT id FROM series WHERE topic_id = ?1",
  [STMT_EXPIRE_TOPIC] = "DELETE FROM messages WHERE id IN"
                        " (SELECT id FROM messages WHERE topic_id = ?1 AND time < ?2"
                        "  ORDER BY time LIMIT ?3)"
                        " RETURNING id, time, topic_id",
  [STMT_EXPIRE_OLDEST] = "DELETE FROM messages WHERE id IN"
                         " (SELECT id FROM messages ORDER BY id LIMIT ?1)"
                         " RETURNING id, time, topic_id",
  [STMT_DELETE_SAMPLE] = "DELETE FROM samples WHERE series_id = ?1 AND time = ?2 AND msg_id = ?3",
  [STMT_DECREMENT_TOPIC] = "UPDATE topics SET message_count = max (0, message_count - ?2)"
                           " WHERE id = ?1",
  [STMT_EXPIRE_1M] = "DELETE FROM rollup_1m WHERE series_id = ?1 AND bucket <= ?2",
  [STMT_OLDEST_1M] = "DELETE FROM rollup_1m WHERE (series_id, bucket) IN"
                     " (SELECT series_id, bucket FROM rollup_1m ORDER BY bucket LIMIT ?1)",
  [STMT_OLDEST_1H] = "DELETE FROM rollup_1h WHERE (series_id, bucket) IN"
                     " (SELECT series_id, bucket FROM rollup_1h ORDER BY bucket LIMIT ?1)",
};

typedef struct
{
  gint64 topic_id;
  gint64 cutoff_ms;
} AgeWork;

typedef struct
{
  gint64 id;
  gint64 time;
  gint64 topic_id;
} DeletedRow;

struct _BdRecorder
{
  gint                 ref_count;
  char                *data_dir;
  char                *path;

  /* configuration, read-only after bd_recorder_new() */
  gboolean             enabled;
  GPtrArray           *record;      /* of char* */
  GPtrArray           *exclude;     /* of char* */
  GArray              *retention;   /* of Retention */
  GPtrArray           *json_filters;
  GPtrArray           *json_paths;
  guint64              max_size_bytes;

  /* set before start */
  BdRecorderClockFunc  clock;
  gpointer             clock_data;
  guint                capacity;
  guint                batch_max;
  gint64               batch_delay_us;
  int                  busy_timeout_ms;
  gboolean             force_read_only;
  gint64               max_pages;   /* writer thread after start */

  /* The queue: a ring of records the tap copies messages into (see "the
   * queue" below), under ring_lock. depth (messages in the ring) is also
   * read without the lock, for the statistics. */
  GMutex               ring_lock;
  GCond                ring_cond;     /* data for the writer, room for a command */
  guint8              *ring;
  gsize                ring_size;
  gsize                ring_head;     /* where the next record goes */
  gsize                ring_tail;     /* the oldest record not released */
  gsize                ring_used;     /* bytes from tail to head, wrap waste included */
  guint                ring_slots;    /* the most messages the ring can hold */
  gint                 depth;
  /* The doorbell: inside a batch the writer dozes until the batch deadline
   * instead of waking for every message (a futex wake per message cost the
   * broker thread ~15 µs of latency); it is rung when the queue is a quarter
   * full or a command is waiting. Outside a batch any record wakes it. */
  int                  waiting;       /* WAIT_* */
  gboolean             bell_rung;
  guint                room_waiters;  /* commands waiting for room */
  gint                 accepting;   /* 0: count taps as dropped (paused, closed) */
  gint                 disabled;    /* 1: count taps as filtered */
  atomic_uint_fast64_t recorded;
  atomic_uint_fast64_t samples;
  atomic_uint_fast64_t dropped;
  atomic_uint_fast64_t filtered;
  atomic_uint_fast64_t expired;
  atomic_int_fast64_t  database_bytes;

  /* shared, under mutex */
  GMutex               mutex;
  GCond                cond;
  BdRecorderStatus     status;
  GError              *error;
  GQueue               commands;
  gboolean             started;
  gboolean             start_done;
  gboolean             closed;
  gboolean             exited;      /* the writer thread has ended */
  GThread             *thread;

  /* The checkpointer: copies the WAL into the database file (and fsyncs it)
   * on its own thread and connection, so the writer's commits never wait
   * for a checkpoint. Started and stopped by the writer thread. */
  GThread             *ckpt_thread;
  sqlite3             *ckpt_db;
  GMutex               ckpt_lock;
  GCond                ckpt_cond;
  gboolean             ckpt_stop;
  gboolean             ckpt_kick;     /* a commit left enough WAL to copy */
  gint                 wal_frames;    /* WAL size after the last commit, set by wal_hook_cb () */

  /* the writer thread only */
  sqlite3             *db;
  sqlite3_stmt        *stmts[N_STMTS];
  sqlite3_stmt        *add_messages;  /* ROWS_PER_INSERT rows */
  sqlite3_stmt        *add_samples;
  GArray              *message_rows;  /* of MessageRow, not yet inserted */
  GByteArray          *payloads;      /* their payloads */
  GArray              *sample_rows;   /* of SampleRow, not yet inserted */
  gint64               next_msg_id;   /* messages.id is assigned here */
  GHashTable          *topics;        /* name -> TopicInfo* */
  GPtrArray           *dirty_topics;
  GPtrArray           *dirty_series;
  gboolean             in_batch;
  guint                batch_count;
  guint                batch_samples;
  gint64               batch_deadline;
  gboolean             batch_stretched;
  gboolean             stopping;
  gboolean             retryable;
  gint64               next_retry;
  /* retention */
  gboolean             pass_active;
  GArray              *age_work;      /* of AgeWork */
  guint                age_cursor;
  gboolean             size_phase;
  gint64               next_pass;
};

/* How often the checkpointer runs (see checkpointer_thread ()). */
#define CHECKPOINT_INTERVAL_US (G_USEC_PER_SEC / 2)
#define CHECKPOINT_KICK_FRAMES 1024

/* Scheduling priority of the writer thread (see writer_thread ()). */
#define WRITER_NICE 5

enum { WAIT_NONE, WAIT_ANY, WAIT_BELL };

/* -------------------------------------------------------------------------- */
/* the queue                                                                  */
/*
 * A ring of bytes, preallocated. The tap copies each message into it (topic,
 * payload, time, QoS, retain: one memcpy, no allocation) and the writer
 * reads the records in place and releases them a run at a time. Before, the
 * queue held references to the engine's BdMessages: the engine allocated
 * them and the writer freed them (the message, its topic and payload and the
 * queue's list node), and that cross-thread free, with malloc's arena locks
 * contended by both threads, cost about a tenth of the writer's time.
 *
 * Capacity stays a count of messages: a message that is too big to copy, or
 * that would leave less room than a reference record for every slot still
 * free, is queued as a reference to the BdMessage instead (RECORD_REF), so
 * the ring holds `capacity` messages whatever their size. Commands are
 * records too, so they stay in order with the messages.
 */

enum { RECORD_WRAP = 1, RECORD_INLINE, RECORD_REF, RECORD_COMMAND };

typedef struct
{
  guint32 size;         /* of the whole record, a multiple of 8 */
  guint8  kind;         /* RECORD_* */
  guint8  qos;
  guint8  retain;
  guint8  reserved;
  gint64  time_us;
  guint32 topic_len;
  guint32 payload_len;
  /* RECORD_INLINE: topic, NUL, payload; RECORD_REF: a BdMessage * */
} Record;

G_STATIC_ASSERT (sizeof (Record) == 24);

#define RECORD_ALIGN(n)   (((n) + 7) & ~(gsize) 7)
#define SMALL_RECORD      RECORD_ALIGN (sizeof (Record) + sizeof (gpointer))
/* Bigger messages are queued by reference. */
#define INLINE_MAX        1024
/* Room for the wrap-around waste of one inline record. */
#define WRAP_RESERVE      RECORD_ALIGN (sizeof (Record) + INLINE_MAX + 1)
/* Ring bytes per message slot: the typical telemetry record is 48–96. */
#define RING_SLOT_BYTES   128

/* The message a record stands for, as record_message () reads it. */
typedef struct
{
  const char   *topic;
  const guint8 *payload;
  gsize         len;
  gint64        time_us;
  int           qos;
  int           retain;
} MessageView;

/* With ring_lock held. */
static void
ring_alloc (BdRecorder *self)
{
  if (self->ring != NULL)
    return;
  self->ring_size = RECORD_ALIGN ((gsize) self->capacity * RING_SLOT_BYTES + 2 * WRAP_RESERVE);
  self->ring = g_malloc (self->ring_size);
  self->ring_head = self->ring_tail = self->ring_used = 0;
  self->ring_slots = self->capacity;
}

/* With ring_lock held: reserves @size contiguous bytes, keeping @reserve
 * more free after them, and returns where they start, or NULL. */
static guint8 *
ring_reserve (BdRecorder *self,
              gsize       size,
              gsize       reserve)
{
  gsize waste = 0;
  guint8 *at;

  if (self->ring_size - self->ring_head < size)
    waste = self->ring_size - self->ring_head;
  if (self->ring_size - self->ring_used < waste + size + reserve)
    return NULL;
  if (waste > 0)
    {
      Record *wrap = (Record *) (self->ring + self->ring_head);

      /* waste is a multiple of 8, so size and kind fit */
      wrap->size = (guint32) waste;
      wrap->kind = RECORD_WRAP;
      self->ring_used += waste;
      self->ring_head = 0;
    }
  at = self->ring + self->ring_head;
  self->ring_head += size;
  if (self->ring_head == self->ring_size)
    self->ring_head = 0;
  self->ring_used += size;
  return at;
}

/* With ring_lock held, after a record was added. */
static void
ring_signal (BdRecorder *self,
             gboolean    urgent)
{
  /* Rung even when nobody waits: the writer checks it before it dozes. */
  if (urgent || (guint) g_atomic_int_get (&self->depth) >= self->capacity / 4)
    self->bell_rung = TRUE;
  if (self->waiting == WAIT_ANY || (self->waiting == WAIT_BELL && self->bell_rung))
    {
      self->waiting = WAIT_NONE;
      g_cond_broadcast (&self->ring_cond);
    }
}

/* The tap's half: FALSE when the queue is full. */
static gboolean
ring_push_message (BdRecorder *self,
                   BdMessage  *message)
{
  gsize topic_len = strlen (message->topic);
  gsize len;
  const guint8 *payload = bd_message_get_payload (message, &len);
  gsize size = RECORD_ALIGN (sizeof (Record) + topic_len + 1 + len);
  guint slots;
  Record *record = NULL;

  g_mutex_lock (&self->ring_lock);
  ring_alloc (self);
  slots = MIN (self->capacity, self->ring_slots);
  if G_UNLIKELY ((guint) self->depth >= slots)
    {
      g_mutex_unlock (&self->ring_lock);
      return FALSE;
    }
  /* Inline only while every other free slot keeps room for a reference. */
  if (topic_len + 1 + len <= INLINE_MAX)
    record = (Record *) ring_reserve (self, size,
                                      (gsize) (slots - (guint) self->depth - 1) * SMALL_RECORD +
                                      WRAP_RESERVE);
  if (record != NULL)
    {
      guint8 *p = (guint8 *) (record + 1);

      record->kind = RECORD_INLINE;
      memcpy (p, message->topic, topic_len + 1);
      if (len > 0)
        memcpy (p + topic_len + 1, payload, len);
    }
  else
    {
      BdMessage *ref = bd_message_ref (message);

      size = SMALL_RECORD;
      record = (Record *) ring_reserve (self, size, 0);
      g_assert (record != NULL);
      record->kind = RECORD_REF;
      memcpy (record + 1, &ref, sizeof ref);
    }
  record->size = (guint32) size;
  record->qos = message->qos;
  record->retain = message->retain;
  record->time_us = message->time_us;
  record->topic_len = (guint32) topic_len;
  record->payload_len = (guint32) MIN (len, G_MAXUINT32);
  g_atomic_int_inc (&self->depth);
  ring_signal (self, FALSE);
  g_mutex_unlock (&self->ring_lock);
  return TRUE;
}

/* Queues a command record after everything tapped so far; waits for room if
 * needed. FALSE if the writer ended meanwhile. */
static gboolean
ring_push_command (BdRecorder *self)
{
  Record *record;

  g_mutex_lock (&self->ring_lock);
  ring_alloc (self);
  while ((record = (Record *) ring_reserve (self, SMALL_RECORD, 0)) == NULL)
    {
      gboolean exited;

      self->room_waiters++;
      g_cond_wait_until (&self->ring_cond, &self->ring_lock,
                         g_get_monotonic_time () + G_USEC_PER_SEC / 10);
      self->room_waiters--;
      g_mutex_lock (&self->mutex);
      exited = self->exited;
      g_mutex_unlock (&self->mutex);
      if (exited)
        {
          g_mutex_unlock (&self->ring_lock);
          return FALSE;
        }
    }
  memset (record, 0, SMALL_RECORD);
  record->size = SMALL_RECORD;
  record->kind = RECORD_COMMAND;
  ring_signal (self, TRUE);
  g_mutex_unlock (&self->ring_lock);
  return TRUE;
}

/* The writer's half: how many bytes of records are there to read, from
 * ring_tail on. They stay untouched until released. */
static gsize
ring_available (BdRecorder *self)
{
  gsize used;

  g_mutex_lock (&self->ring_lock);
  used = self->ring_used;
  g_mutex_unlock (&self->ring_lock);
  return used;
}

static void
ring_release (BdRecorder *self,
              gsize       bytes,
              guint       messages,
              gsize       new_tail)
{
  if (bytes == 0)
    return;
  g_mutex_lock (&self->ring_lock);
  self->ring_used -= bytes;
  self->ring_tail = new_tail;
  g_atomic_int_add (&self->depth, -(gint) messages);
  if (self->ring_used == 0)
    {
      /* Start over at the beginning: fewer wraps, and the same pages. */
      self->ring_head = self->ring_tail = 0;
    }
  if (self->room_waiters > 0)
    g_cond_broadcast (&self->ring_cond);
  g_mutex_unlock (&self->ring_lock);
}

/* The record at @pos, skipping a wrap marker; @pos is updated. */
static Record *
ring_record_at (BdRecorder *self,
                gsize      *pos,
                gsize      *bytes)
{
  Record *record = (Record *) (self->ring + *pos);

  if (record->kind == RECORD_WRAP)
    {
      *bytes += record->size;
      *pos = 0;
      record = (Record *) self->ring;
    }
  return record;
}

static void
ring_advance (BdRecorder *self,
              Record     *record,
              gsize      *pos,
              gsize      *bytes)
{
  *bytes += record->size;
  *pos += record->size;
  if (*pos == self->ring_size)
    *pos = 0;
}

/* Sleeps until @deadline, or until any record (@any) or the bell. */
static void
ring_wait (BdRecorder *self,
           gint64      deadline,
           gboolean    any)
{
  g_mutex_lock (&self->ring_lock);
  self->waiting = any ? WAIT_ANY : WAIT_BELL;
  while (!self->bell_rung && !(any && self->ring_used > 0))
    if (!g_cond_wait_until (&self->ring_cond, &self->ring_lock, deadline))
      break;
  self->waiting = WAIT_NONE;
  self->bell_rung = FALSE;
  g_mutex_unlock (&self->ring_lock);
}

static void
message_view_init (MessageView *view,
                   Record      *record)
{
  if (record->kind == RECORD_REF)
    {
      BdMessage *message;

      memcpy (&message, record + 1, sizeof message);
      view->topic = message->topic;
      view->payload = bd_message_get_payload (message, &view->len);
    }
  else
    {
      view->topic = (const char *) (record + 1);
      view->payload = (const guint8 *) (record + 1) + record->topic_len + 1;
      view->len = record->payload_len;
    }
  view->time_us = record->time_us;
  view->qos = record->qos;
  view->retain = record->retain;
}

static void
record_clear (Record *record)
{
  if (record->kind == RECORD_REF)
    {
      BdMessage *message;

      memcpy (&message, record + 1, sizeof message);
      bd_message_unref (message);
    }
}

static void
topic_info_free (gpointer data)
{
  TopicInfo *topic = data;

  g_free (topic->name);
  g_strfreev (topic->json_paths);
  g_clear_pointer (&topic->series, g_ptr_array_unref);
  g_clear_pointer (&topic->last_payload, g_byte_array_unref);
  g_free (topic);
}

static void
series_info_free (gpointer data)
{
  SeriesInfo *series = data;

  g_free (series->field);
  g_free (series);
}

static gint64
default_clock (gpointer user_data)
{
  return g_get_real_time ();
}

static gint64
now_ms (BdRecorder *self)
{
  return _bd_floor_div (self->clock (self->clock_data), 1000);
}

/* -------------------------------------------------------------------------- */
/* status                                                                     */

static void
set_paused (BdRecorder *self,
            GError     *error)   /* transfer full */
{
  g_autofree char *message = g_strdup (error->message);

  g_atomic_int_set (&self->accepting, 0);
  g_mutex_lock (&self->mutex);
  self->status = BD_RECORDER_STATUS_PAUSED;
  g_clear_error (&self->error);
  self->error = error;
  g_mutex_unlock (&self->mutex);

  /* The recorder is where a background error reaches its boundary: nobody
   * else will see it until the broker polls the status. */
  g_warning ("Recording paused: %s", message);
}

static void
set_recording (BdRecorder *self)
{
  gboolean was_paused;

  g_mutex_lock (&self->mutex);
  was_paused = self->status == BD_RECORDER_STATUS_PAUSED;
  self->status = BD_RECORDER_STATUS_RECORDING;
  g_clear_error (&self->error);
  g_mutex_unlock (&self->mutex);
  g_atomic_int_set (&self->accepting, 1);

  if (was_paused)
    g_message ("Recording resumed in “%s”", self->path);
}

/* -------------------------------------------------------------------------- */
/* the database (writer thread)                                               */

static void
close_db (BdRecorder *self)
{
  for (guint i = 0; i < N_STMTS; i++)
    g_clear_pointer (&self->stmts[i], sqlite3_finalize);
  g_clear_pointer (&self->add_messages, sqlite3_finalize);
  g_clear_pointer (&self->add_samples, sqlite3_finalize);
  g_clear_pointer (&self->db, sqlite3_close);
  g_array_set_size (self->message_rows, 0);
  g_byte_array_set_size (self->payloads, 0);
  g_array_set_size (self->sample_rows, 0);
  g_hash_table_remove_all (self->topics);
  g_ptr_array_set_size (self->dirty_topics, 0);
  g_ptr_array_set_size (self->dirty_series, 0);
  self->in_batch = FALSE;
  self->batch_count = 0;
  self->batch_samples = 0;
  self->pass_active = FALSE;
}

static gpointer
checkpointer_thread (gpointer data)
{
  BdRecorder *self = data;

  g_mutex_lock (&self->ckpt_lock);
  while (!self->ckpt_stop)
    {
      gint64 deadline = g_get_monotonic_time () + CHECKPOINT_INTERVAL_US;
      int rc;

      while (!self->ckpt_stop && !self->ckpt_kick &&
             g_cond_wait_until (&self->ckpt_cond, &self->ckpt_lock, deadline))
        ;
      if (self->ckpt_stop)
        break;
      self->ckpt_kick = FALSE;
      g_mutex_unlock (&self->ckpt_lock);

      /* PASSIVE never blocks the writer or readers; what it cannot copy yet
       * is copied next time. The WAL starts over once everything is in. */
      rc = sqlite3_wal_checkpoint_v2 (self->ckpt_db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
      if (rc != SQLITE_OK && rc != SQLITE_BUSY && rc != SQLITE_LOCKED)
        g_debug ("History database “%s”: checkpoint: %s", self->path, sqlite3_errmsg (self->ckpt_db));

      g_mutex_lock (&self->ckpt_lock);
    }
  g_mutex_unlock (&self->ckpt_lock);
  return NULL;
}

/* After every commit on the writer's connection: wakes the checkpointer
 * once a commit leaves CHECKPOINT_KICK_FRAMES in the WAL, instead of letting
 * the WAL pile up until its next timed round. */
static int
wal_hook_cb (gpointer    user_data,
             sqlite3    *db,
             const char *name,
             int         n_frames)
{
  BdRecorder *self = user_data;

  g_atomic_int_set (&self->wal_frames, n_frames);
  if (n_frames >= CHECKPOINT_KICK_FRAMES)
    {
      g_mutex_lock (&self->ckpt_lock);
      self->ckpt_kick = TRUE;
      g_cond_signal (&self->ckpt_cond);
      g_mutex_unlock (&self->ckpt_lock);
    }
  return SQLITE_OK;
}

/* Hands checkpoints to their own thread. If its connection cannot be opened
 * the writer keeps checkpointing itself (wal_autocheckpoint), as before. */
static void
start_checkpointer (BdRecorder *self)
{
  if (self->ckpt_thread == NULL)
    {
      sqlite3 *db = NULL;

      if (sqlite3_open_v2 (self->path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                           NULL) != SQLITE_OK)
        {
          g_debug ("History database “%s”: no checkpointer: %s", self->path,
                   db ? sqlite3_errmsg (db) : "out of memory");
          sqlite3_close (db);
          return;
        }
      sqlite3_busy_timeout (db, 100);
      /* A connection that has never read the database has not opened its
       * WAL, and sqlite3_wal_checkpoint_v2() on it quietly does nothing (it
       * returns SQLITE_OK): without this read the WAL grew without bound,
       * 2 GiB in 35 s at 100k msg/s, and the database file stayed empty. */
      if (sqlite3_exec (db, "SELECT count(*) FROM sqlite_schema", NULL, NULL, NULL) != SQLITE_OK)
        {
          g_debug ("History database “%s”: no checkpointer: %s", self->path, sqlite3_errmsg (db));
          sqlite3_close (db);
          return;
        }
      self->ckpt_db = db;
      self->ckpt_kick = FALSE;
      self->ckpt_stop = FALSE;
      self->ckpt_thread = g_thread_new ("bd-checkpoint", checkpointer_thread, self);
    }
  /* Replaces the automatic checkpoint (which is a wal_hook too). */
  sqlite3_wal_hook (self->db, wal_hook_cb, self);
}

static void
stop_checkpointer (BdRecorder *self)
{
  if (self->ckpt_thread == NULL)
    return;
  g_mutex_lock (&self->ckpt_lock);
  self->ckpt_stop = TRUE;
  g_cond_signal (&self->ckpt_cond);
  g_mutex_unlock (&self->ckpt_lock);
  g_thread_join (g_steal_pointer (&self->ckpt_thread));
  /* Closed before the writer's connection, so that one, the last, folds
   * the WAL back into the file on close. */
  g_clear_pointer (&self->ckpt_db, sqlite3_close);
}

static gboolean
apply_max_pages (BdRecorder *self,
                 GError    **error)
{
  g_autofree char *sql = NULL;

  /* 0 restores SQLite's default limit (a huge number). */
  sql = g_strdup_printf ("PRAGMA max_page_count = %" G_GINT64_FORMAT,
                         self->max_pages > 0 ? self->max_pages : G_GINT64_CONSTANT (4294967294));
  return _bd_storage_exec (self->db, self->path, sql, error);
}

static gboolean
open_db (BdRecorder *self,
         GError    **error)
{
  BdStorageOpenFlags flags = BD_STORAGE_OPEN_WRITER;
  int rc;

  g_assert (self->db == NULL);

  if (g_mkdir_with_parents (self->data_dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, BD_STORAGE_ERROR, BD_STORAGE_ERROR_IO,
                   _("History database “%s”: cannot create the directory: %s"),
                   self->path, g_strerror (saved_errno));
      self->retryable = TRUE;
      return FALSE;
    }

  if (self->force_read_only)
    flags |= BD_STORAGE_OPEN_FORCE_RO;

  self->db = _bd_storage_open (self->path, flags, self->busy_timeout_ms, error);
  if (self->db == NULL)
    goto fail;

  if (self->max_pages > 0 && !apply_max_pages (self, error))
    goto fail;

  for (guint i = 0; i < N_STMTS; i++)
    {
      rc = sqlite3_prepare_v3 (self->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
                               &self->stmts[i], NULL);
      if (rc != SQLITE_OK)
        {
          _bd_storage_set_error (error, self->db, rc, self->path, _("cannot prepare"));
          goto fail;
        }
    }

  {
    /* OR FAIL: a failing row fails the whole batch anyway (see fail ()),
     * so the statement need not undo its own earlier rows; with the
     * default ABORT, SQLite copies every page a multi-row INSERT touches
     * into a statement journal first, which cost a fifth of the writer. */
    g_autoptr(GString) messages =
      g_string_new ("INSERT OR FAIL INTO messages (id, time, topic_id, payload, qos, retain) VALUES ");
    g_autoptr(GString) samples =
      g_string_new ("INSERT OR FAIL INTO samples (series_id, time, msg_id, value) VALUES ");

    for (guint r = 0; r < ROWS_PER_INSERT; r++)
      {
        g_string_append (messages, r > 0 ? ",(?,?,?,?,?,?)" : "(?,?,?,?,?,?)");
        g_string_append (samples, r > 0 ? ",(?,?,?,?)" : "(?,?,?,?)");
      }
    rc = sqlite3_prepare_v3 (self->db, messages->str, -1, SQLITE_PREPARE_PERSISTENT,
                             &self->add_messages, NULL);
    if (rc == SQLITE_OK)
      rc = sqlite3_prepare_v3 (self->db, samples->str, -1, SQLITE_PREPARE_PERSISTENT,
                               &self->add_samples, NULL);
    if (rc != SQLITE_OK)
      {
        _bd_storage_set_error (error, self->db, rc, self->path, _("cannot prepare"));
        goto fail;
      }
  }

  /* Take the write lock once now, so a lock held by another program or a
   * read-only WAL shows at start, not at the first batch. */
  rc = sqlite3_exec (self->db, "BEGIN IMMEDIATE; ROLLBACK;", NULL, NULL, NULL);
  if (rc != SQLITE_OK)
    {
      _bd_storage_set_error (error, self->db, rc, self->path, _("cannot record"));
      goto fail;
    }

  atomic_store (&self->database_bytes, _bd_storage_used_bytes (self->db));
  start_checkpointer (self);
  return TRUE;

fail:
  {
    int code = (error != NULL && *error != NULL) ? (*error)->code : BD_STORAGE_ERROR_FAILED;

    self->retryable = code != BD_STORAGE_ERROR_CORRUPT && code != BD_STORAGE_ERROR_TOO_NEW;
  }
  close_db (self);
  return FALSE;
}

/* Runs a prepared statement that returns nothing (or ignores it). */
static int
step_done (sqlite3_stmt *stmt)
{
  int rc = sqlite3_step (stmt);

  sqlite3_reset (stmt);
  return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

static void
set_db_error (BdRecorder *self,
              GError    **error,
              int         rc,
              const char *what)
{
  _bd_storage_set_error (error, self->db, rc, self->path, what);
  self->retryable = rc != SQLITE_CORRUPT && (rc & 0xff) != SQLITE_CORRUPT &&
                    (rc & 0xff) != SQLITE_NOTADB;
}

/* Every failure inside a batch or a retention step ends here. */
static void
fail (BdRecorder *self,
      GError     *error)   /* transfer full */
{
  if (self->db != NULL && !sqlite3_get_autocommit (self->db))
    sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
  if (self->batch_count > 0)
    atomic_fetch_add (&self->dropped, self->batch_count);
  close_db (self);
  self->next_retry = g_get_monotonic_time () + RETRY_INTERVAL_US;
  set_paused (self, error);
}

static gboolean
begin_batch (BdRecorder *self,
             GError    **error)
{
  int rc;

  if (self->in_batch)
    return TRUE;
  rc = step_done (self->stmts[STMT_BEGIN]);
  if (rc != SQLITE_OK)
    {
      set_db_error (self, error, rc, _("cannot record"));
      return FALSE;
    }
  /* Ids are handed out here so that samples can name their message before
   * either is inserted; read inside the transaction, so another writer
   * between two batches cannot make them collide. */
  if (sqlite3_step (self->stmts[STMT_NEXT_MESSAGE_ID]) == SQLITE_ROW)
    self->next_msg_id = sqlite3_column_int64 (self->stmts[STMT_NEXT_MESSAGE_ID], 0);
  rc = sqlite3_reset (self->stmts[STMT_NEXT_MESSAGE_ID]);
  if (rc != SQLITE_OK)
    {
      set_db_error (self, error, rc, _("cannot record"));
      sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
      return FALSE;
    }
  self->in_batch = TRUE;
  self->batch_count = 0;
  self->batch_samples = 0;
  self->batch_deadline = g_get_monotonic_time () + self->batch_delay_us;
  self->batch_stretched = FALSE;
  return TRUE;
}

static gboolean
matches_any (GPtrArray  *filters,
             const char *topic)
{
  for (guint i = 0; i < filters->len; i++)
    if (bd_topic_matches (g_ptr_array_index (filters, i), topic))
      return TRUE;
  return FALSE;
}

static TopicInfo *
lookup_topic (BdRecorder *self,
              const char *name)
{
  TopicInfo *topic = g_hash_table_lookup (self->topics, name);
  GPtrArray *paths;

  if (topic != NULL)
    return topic;

  topic = g_new0 (TopicInfo, 1);
  topic->name = g_strdup (name);
  topic->series = g_ptr_array_new_with_free_func (series_info_free);
  /* An empty record list means "#", which leaves $SYS out [MQTT-4.7.2-1]. */
  if (self->record->len == 0)
    topic->recorded = bd_topic_matches ("#", name);
  else
    topic->recorded = matches_any (self->record, name);
  if (topic->recorded && matches_any (self->exclude, name))
    topic->recorded = FALSE;

  paths = g_ptr_array_new ();
  for (guint i = 0; i < self->json_filters->len; i++)
    if (bd_topic_matches (g_ptr_array_index (self->json_filters, i), name))
      g_ptr_array_add (paths, g_strdup (g_ptr_array_index (self->json_paths, i)));
  if (paths->len > 0)
    {
      g_ptr_array_add (paths, NULL);
      topic->json_paths = (char **) g_ptr_array_free (paths, FALSE);
    }
  else
    g_ptr_array_free (paths, TRUE);

  g_hash_table_insert (self->topics, topic->name, topic);
  return topic;
}

/* Finds or inserts a dictionary row: @find and @add take the same bindings. */
static gboolean
find_or_add (BdRecorder   *self,
             sqlite3_stmt *find,
             sqlite3_stmt *add,
             gint64        key_int,
             const char   *key_text,
             gint64       *id,
             GError      **error)
{
  int rc;

  for (int pass = 0; pass < 2; pass++)
    {
      sqlite3_stmt *stmt = pass == 0 ? find : add;
      int text_index = key_int != 0 ? 2 : 1;

      if (key_int != 0)
        sqlite3_bind_int64 (stmt, 1, key_int);
      sqlite3_bind_text (stmt, text_index, key_text, -1, SQLITE_STATIC);
      rc = sqlite3_step (stmt);
      if (pass == 0 && rc == SQLITE_ROW)
        {
          *id = sqlite3_column_int64 (stmt, 0);
          sqlite3_reset (stmt);
          return TRUE;
        }
      sqlite3_reset (stmt);
      if (rc != SQLITE_DONE)
        {
          set_db_error (self, error, rc, _("cannot record"));
          return FALSE;
        }
    }
  *id = sqlite3_last_insert_rowid (self->db);
  return TRUE;
}

static int
compare_sample_rows (gconstpointer a,
                     gconstpointer b)
{
  const SampleRow *x = a, *y = b;

  if (x->series_id != y->series_id)
    return x->series_id < y->series_id ? -1 : 1;
  if (x->time != y->time)
    return x->time < y->time ? -1 : 1;
  return x->msg_id < y->msg_id ? -1 : x->msg_id > y->msg_id;
}

/* Binds row @index of @rows as the @slot-th row of a statement. */
typedef void (*BindRowFunc) (BdRecorder   *self,
                             sqlite3_stmt *stmt,
                             int           slot,
                             GArray       *rows,
                             guint         index);

/* Inserts buffered @rows: ROWS_PER_INSERT per statement (@multi), the rest
 * one by one (@single). */
static gboolean
insert_rows (BdRecorder   *self,
             GArray       *rows,
             sqlite3_stmt *multi_stmt,
             sqlite3_stmt *single_stmt,
             BindRowFunc   bind_row,
             GError      **error)
{
  for (guint i = 0; i < rows->len;)
    {
      gboolean multi = rows->len - i >= ROWS_PER_INSERT;
      sqlite3_stmt *stmt = multi ? multi_stmt : single_stmt;
      guint n = multi ? ROWS_PER_INSERT : 1;
      int rc;

      for (guint r = 0; r < n; r++)
        bind_row (self, stmt, (int) r, rows, i + r);
      rc = step_done (stmt);
      if (rc != SQLITE_OK)
        {
          set_db_error (self, error, rc, _("cannot record"));
          return FALSE;
        }
      i += n;
    }
  g_array_set_size (rows, 0);
  return TRUE;
}

static void
bind_message_row (BdRecorder   *self,
                  sqlite3_stmt *stmt,
                  int           slot,
                  GArray       *rows,
                  guint         index)
{
  const MessageRow *row = &g_array_index (rows, MessageRow, index);
  int b = slot * 6;

  sqlite3_bind_int64 (stmt, b + 1, row->id);
  sqlite3_bind_int64 (stmt, b + 2, row->time);
  sqlite3_bind_int64 (stmt, b + 3, row->topic_id);
  /* payloads is not touched until the step is done */
  sqlite3_bind_blob (stmt, b + 4,
                     row->len > 0 ? (const void *) (self->payloads->data + row->offset)
                                  : (const void *) "",
                     (int) row->len, SQLITE_STATIC);
  sqlite3_bind_int (stmt, b + 5, row->qos);
  sqlite3_bind_int (stmt, b + 6, row->retain);
}

static void
bind_sample_row (BdRecorder   *self,
                 sqlite3_stmt *stmt,
                 int           slot,
                 GArray       *rows,
                 guint         index)
{
  const SampleRow *row = &g_array_index (rows, SampleRow, index);
  int b = slot * 4;

  sqlite3_bind_int64 (stmt, b + 1, row->series_id);
  sqlite3_bind_int64 (stmt, b + 2, row->time);
  sqlite3_bind_int64 (stmt, b + 3, row->msg_id);
  sqlite3_bind_double (stmt, b + 4, row->value);
}

/* The buffered messages, in arrival (id) order: appends to the table and,
 * nearly always, to the (time) index. (Sorting them by topic for the
 * (topic_id, time) index cost more in the table than it saved in the
 * index.) */
static gboolean
flush_messages (BdRecorder *self,
                GError    **error)
{
  if (!insert_rows (self, self->message_rows, self->add_messages,
                    self->stmts[STMT_ADD_MESSAGE], bind_message_row, error))
    return FALSE;
  g_byte_array_set_size (self->payloads, 0);
  return TRUE;
}

/* The buffered samples, sorted by key (series, time, message) first: in
 * arrival order consecutive samples belong to different series, each a
 * descent to another part of the b-tree; in key order a series' samples
 * follow one another into the same pages, which stay in the CPU's caches.
 * This is why rows are buffered by the thousand rather than inserted as
 * they come. */
static gboolean
flush_samples (BdRecorder *self,
               GError    **error)
{
  g_array_sort (self->sample_rows, compare_sample_rows);
  return insert_rows (self, self->sample_rows, self->add_samples,
                      self->stmts[STMT_ADD_SAMPLE], bind_sample_row, error);
}

static gboolean
flush_acc (BdRecorder *self,
           SeriesInfo *series,
           guint       level,
           GError    **error)
{
  sqlite3_stmt *stmt = self->stmts[level == LEVEL_MINUTE ? STMT_UPSERT_1M : STMT_UPSERT_1H];
  Acc *acc = &series->acc[level];
  int rc;

  if (acc->n == 0)
    return TRUE;
  sqlite3_bind_int64 (stmt, 1, series->id);
  sqlite3_bind_int64 (stmt, 2, acc->bucket);
  sqlite3_bind_int64 (stmt, 3, acc->n);
  sqlite3_bind_double (stmt, 4, acc->sum);
  sqlite3_bind_double (stmt, 5, acc->min);
  sqlite3_bind_double (stmt, 6, acc->max);
  sqlite3_bind_double (stmt, 7, acc->first);
  sqlite3_bind_int64 (stmt, 8, acc->tfirst);
  sqlite3_bind_double (stmt, 9, acc->last);
  sqlite3_bind_int64 (stmt, 10, acc->tlast);
  rc = step_done (stmt);
  if (rc != SQLITE_OK)
    {
      set_db_error (self, error, rc, _("cannot record"));
      return FALSE;
    }
  acc->n = 0;
  return TRUE;
}

/* Folds a sample into the series' accumulators; a sample in another bucket
 * than the accumulated one writes the accumulated bucket out first. Ties in
 * time keep the first-inserted as first and the last-inserted as last, as
 * the raw (time, msg_id) order does, and as the upsert does. */
static gboolean
accumulate (BdRecorder *self,
            SeriesInfo *series,
            gint64      time_ms,
            double      value,
            GError    **error)
{
  for (guint level = 0; level < N_LEVELS; level++)
    {
      Acc *acc = &series->acc[level];
      gint64 bucket = _bd_bucket_start (time_ms, level_width[level]);

      if (acc->n > 0 && acc->bucket != bucket && !flush_acc (self, series, level, error))
        return FALSE;

      if (acc->n == 0)
        {
          acc->bucket = bucket;
          acc->n = 1;
          acc->sum = acc->min = acc->max = acc->first = acc->last = value;
          acc->tfirst = acc->tlast = time_ms;
        }
      else
        {
          acc->n++;
          acc->sum += value;
          acc->min = MIN (acc->min, value);
          acc->max = MAX (acc->max, value);
          if (time_ms < acc->tfirst)
            {
              acc->first = value;
              acc->tfirst = time_ms;
            }
          if (time_ms >= acc->tlast)
            {
              acc->last = value;
              acc->tlast = time_ms;
            }
        }
    }

  if (!series->dirty)
    {
      series->dirty = TRUE;
      g_ptr_array_add (self->dirty_series, series);
    }
  return TRUE;
}

typedef struct
{
  BdRecorder *self;
  TopicInfo  *topic;
  gint64      time_ms;
  gint64      msg_id;
  GError     *error;
} SampleContext;

static void
on_sample_cb (const char *field,
              double      value,
              gpointer    user_data)
{
  SampleContext *ctx = user_data;
  BdRecorder *self = ctx->self;
  SeriesInfo *series = NULL;

  if (ctx->error != NULL)
    return;

  for (guint i = 0; i < ctx->topic->series->len; i++)
    {
      SeriesInfo *s = g_ptr_array_index (ctx->topic->series, i);

      if (strcmp (s->field, field) == 0)
        {
          series = s;
          break;
        }
    }
  if (series == NULL)
    {
      series = g_new0 (SeriesInfo, 1);
      series->field = g_strdup (field);
      g_ptr_array_add (ctx->topic->series, series);
      if (!find_or_add (self, self->stmts[STMT_FIND_SERIES], self->stmts[STMT_ADD_SERIES],
                        ctx->topic->id, field, &series->id, &ctx->error))
        return;
    }

  {
    SampleRow row = { series->id, ctx->time_ms, ctx->msg_id, value };

    g_array_append_val (self->sample_rows, row);
    if (self->sample_rows->len >= BUFFER_ROWS_MAX && !flush_samples (self, &ctx->error))
      return;
  }
  self->batch_samples++;

  if (field[0] == '\0')
    {
      ctx->topic->has_value = TRUE;
      ctx->topic->last_value = value;
    }

  accumulate (self, series, ctx->time_ms, value, &ctx->error);
}

static gboolean
record_message (BdRecorder        *self,
                const MessageView *message,
                GError           **error)
{
  TopicInfo *topic = lookup_topic (self, message->topic);
  SampleContext ctx = { self, topic, 0, 0, NULL };
  const guint8 *data;
  gsize len;

  if (!topic->recorded)
    {
      atomic_fetch_add (&self->filtered, 1);
      return TRUE;
    }

  if (!begin_batch (self, error))
    {
      atomic_fetch_add (&self->dropped, 1);
      return FALSE;
    }
  /* Counted in the batch before anything can fail, so that a failure
   * counts it as dropped with the rest of the batch. */
  self->batch_count++;

  if (topic->id == 0 &&
      !find_or_add (self, self->stmts[STMT_FIND_TOPIC], self->stmts[STMT_ADD_TOPIC],
                    0, topic->name, &topic->id, error))
    return FALSE;

  data = message->payload;
  len = message->len;
  ctx.time_ms = _bd_floor_div (message->time_us, 1000);

  if (len > G_MAXINT || self->payloads->len > G_MAXINT - len)
    {
      /* Only reachable with a payload near 2 GiB: insert what is buffered
       * first so the offsets stay small. */
      if (!flush_messages (self, error))
        return FALSE;
      if (len > G_MAXINT)
        {
          g_set_error (error, BD_STORAGE_ERROR, BD_STORAGE_ERROR_FAILED,
                       _("History database “%s”: a payload is too large to record"), self->path);
          return FALSE;
        }
    }
  {
    MessageRow row = { self->next_msg_id++, ctx.time_ms, topic->id, self->payloads->len,
                       (guint) len, message->qos, message->retain };

    g_array_append_val (self->message_rows, row);
    if (len > 0)
      g_byte_array_append (self->payloads, data, (guint) len);
    ctx.msg_id = row.id;
  }
  if ((self->message_rows->len >= BUFFER_ROWS_MAX || self->payloads->len >= BUFFER_PAYLOAD_MAX) &&
      !flush_messages (self, error))
    return FALSE;

  topic->has_value = FALSE;
  bd_sample_extract (data, len, (const char * const *) topic->json_paths, on_sample_cb, &ctx);
  if (ctx.error != NULL)
    {
      g_propagate_error (error, ctx.error);
      return FALSE;
    }

  topic->pending++;
  topic->last_time = ctx.time_ms;
  if (topic->last_payload == NULL)
    topic->last_payload = g_byte_array_new ();
  g_byte_array_set_size (topic->last_payload, 0);
  if (len > 0)
    g_byte_array_append (topic->last_payload, data, (guint) len);
  if (!topic->dirty)
    {
      topic->dirty = TRUE;
      g_ptr_array_add (self->dirty_topics, topic);
    }
  return TRUE;
}

static gboolean
commit_batch (BdRecorder *self,
              GError    **error)
{
  sqlite3_stmt *stmt = self->stmts[STMT_UPDATE_TOPIC];
  int rc;

  if (!self->in_batch)
    return TRUE;

  if (!flush_messages (self, error) || !flush_samples (self, error))
    return FALSE;

  for (guint i = 0; i < self->dirty_series->len; i++)
    {
      SeriesInfo *series = g_ptr_array_index (self->dirty_series, i);

      for (guint level = 0; level < N_LEVELS; level++)
        if (!flush_acc (self, series, level, error))
          return FALSE;
      series->dirty = FALSE;
    }
  g_ptr_array_set_size (self->dirty_series, 0);

  for (guint i = 0; i < self->dirty_topics->len; i++)
    {
      TopicInfo *topic = g_ptr_array_index (self->dirty_topics, i);
      gsize len = topic->last_payload->len;
      const guint8 *data = topic->last_payload->data;

      sqlite3_bind_int64 (stmt, 1, topic->id);
      sqlite3_bind_int64 (stmt, 2, topic->last_time);
      sqlite3_bind_blob64 (stmt, 3, len > 0 ? (const void *) data : (const void *) "", len, SQLITE_STATIC);
      if (topic->has_value)
        sqlite3_bind_double (stmt, 4, topic->last_value);
      else
        sqlite3_bind_null (stmt, 4);
      sqlite3_bind_int64 (stmt, 5, topic->pending);
      rc = step_done (stmt);
      sqlite3_clear_bindings (stmt);
      if (rc != SQLITE_OK)
        {
          set_db_error (self, error, rc, _("cannot record"));
          return FALSE;
        }
    }

  rc = step_done (self->stmts[STMT_COMMIT]);
  if (rc != SQLITE_OK)
    {
      set_db_error (self, error, rc, _("cannot record"));
      return FALSE;
    }

  for (guint i = 0; i < self->dirty_topics->len; i++)
    {
      TopicInfo *topic = g_ptr_array_index (self->dirty_topics, i);

      topic->dirty = FALSE;
      topic->pending = 0;
      /* Big payloads are not kept in the cache between batches. */
      if (topic->last_payload->len > 4096)
        g_clear_pointer (&topic->last_payload, g_byte_array_unref);
    }
  g_ptr_array_set_size (self->dirty_topics, 0);

  atomic_fetch_add (&self->recorded, self->batch_count);
  atomic_fetch_add (&self->samples, self->batch_samples);

  /* SQLite starts the WAL over only when a transaction begins with every
   * frame already copied into the database. Under steady load the next
   * batch begins right after this commit, while the checkpointer is still
   * copying it, so without this the WAL would grow for as long as the load
   * lasts. A PASSIVE checkpoint here copies only what the checkpointer has
   * not (and fails with BUSY, harmlessly, while it runs). */
  if (self->ckpt_thread != NULL &&
      g_atomic_int_get (&self->wal_frames) >= WAL_RESTART_FRAMES)
    {
      int log = -1, done = -1;

      if (sqlite3_wal_checkpoint_v2 (self->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done) == SQLITE_OK &&
          log == done)
        g_atomic_int_set (&self->wal_frames, 0);
    }
  atomic_store (&self->database_bytes, _bd_storage_used_bytes (self->db));
  if (g_hash_table_size (self->topics) > TOPIC_CACHE_MAX)
    g_hash_table_remove_all (self->topics);
  self->in_batch = FALSE;
  self->batch_count = 0;
  self->batch_samples = 0;
  return TRUE;
}

/* -------------------------------------------------------------------------- */
/* retention (writer thread)                                                  */

static gboolean
has_retention (BdRecorder *self)
{
  return self->retention->len > 0 || self->max_size_bytes > 0;
}

static gint64
topic_max_age_s (BdRecorder *self,
                 const char *topic)
{
  /* The last matching rule wins, as later configuration lines override. */
  for (guint i = self->retention->len; i > 0; i--)
    {
      const Retention *r = &g_array_index (self->retention, Retention, i - 1);

      if (bd_topic_matches (r->filter, topic))
        return r->max_age_s;
    }
  return 0;
}

static gboolean
retention_begin (BdRecorder *self,
                 GError    **error)
{
  sqlite3_stmt *stmt = NULL;
  gint64 now = now_ms (self);
  int rc;

  g_array_set_size (self->age_work, 0);
  self->age_cursor = 0;

  if (self->retention->len > 0)
    {
      rc = sqlite3_prepare_v2 (self->db, "SELECT id, name FROM topics ORDER BY id", -1, &stmt, NULL);
      while (rc == SQLITE_OK || rc == SQLITE_ROW)
        {
          if ((rc = sqlite3_step (stmt)) != SQLITE_ROW)
            break;

          gint64 age = topic_max_age_s (self, (const char *) sqlite3_column_text (stmt, 1));

          if (age > 0)
            {
              AgeWork work = { sqlite3_column_int64 (stmt, 0), now - age * 1000 };

              g_array_append_val (self->age_work, work);
            }
        }
      sqlite3_finalize (stmt);
      if (rc != SQLITE_DONE)
        {
          set_db_error (self, error, rc, _("cannot apply retention"));
          return FALSE;
        }
    }

  self->size_phase = self->max_size_bytes > 0;
  self->pass_active = TRUE;
  return TRUE;
}

static gboolean
series_of_topic (BdRecorder *self,
                 gint64      topic_id,
                 GArray     *ids,
                 GError    **error)
{
  sqlite3_stmt *stmt = self->stmts[STMT_SERIES_OF_TOPIC];
  int rc;

  g_array_set_size (ids, 0);
  sqlite3_bind_int64 (stmt, 1, topic_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);

      g_array_append_val (ids, id);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      set_db_error (self, error, rc, _("cannot apply retention"));
      return FALSE;
    }
  return TRUE;
}

/* Runs a DELETE ... RETURNING id, time, topic_id, then removes the samples of
 * the deleted messages and fixes the topics' message counts. */
static gboolean
delete_messages (BdRecorder   *self,
                 sqlite3_stmt *stmt,
                 guint        *n_deleted,
                 GError      **error)
{
  g_autoptr(GArray) rows = g_array_new (FALSE, FALSE, sizeof (DeletedRow));
  g_autoptr(GArray) series = g_array_new (FALSE, FALSE, sizeof (gint64));
  gint64 series_topic = 0;
  guint run = 0;
  int rc;

  /* All changes happen at the first step; RETURNING rows are buffered. */
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      DeletedRow row = {
        sqlite3_column_int64 (stmt, 0),
        sqlite3_column_int64 (stmt, 1),
        sqlite3_column_int64 (stmt, 2),
      };

      g_array_append_val (rows, row);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      set_db_error (self, error, rc, _("cannot apply retention"));
      return FALSE;
    }

  for (guint i = 0; i < rows->len; i++)
    {
      const DeletedRow *row = &g_array_index (rows, DeletedRow, i);
      sqlite3_stmt *del = self->stmts[STMT_DELETE_SAMPLE];

      if (row->topic_id != series_topic)
        {
          if (!series_of_topic (self, row->topic_id, series, error))
            return FALSE;
          series_topic = row->topic_id;
        }
      for (guint s = 0; s < series->len; s++)
        {
          sqlite3_bind_int64 (del, 1, g_array_index (series, gint64, s));
          sqlite3_bind_int64 (del, 2, row->time);
          sqlite3_bind_int64 (del, 3, row->id);
          rc = step_done (del);
          if (rc != SQLITE_OK)
            {
              set_db_error (self, error, rc, _("cannot apply retention"));
              return FALSE;
            }
        }

      /* Count runs of the same topic to update each topic once per run. */
      run++;
      if (i + 1 == rows->len || g_array_index (rows, DeletedRow, i + 1).topic_id != row->topic_id)
        {
          sqlite3_stmt *dec = self->stmts[STMT_DECREMENT_TOPIC];

          sqlite3_bind_int64 (dec, 1, row->topic_id);
          sqlite3_bind_int64 (dec, 2, run);
          rc = step_done (dec);
          if (rc != SQLITE_OK)
            {
              set_db_error (self, error, rc, _("cannot apply retention"));
              return FALSE;
            }
          run = 0;
        }
    }

  atomic_fetch_add (&self->expired, rows->len);
  *n_deleted = rows->len;
  return TRUE;
}

static gboolean
expire_minute_rollups (BdRecorder *self,
                       gint64      topic_id,
                       gint64      cutoff_ms,
                       GError    **error)
{
  g_autoptr(GArray) series = g_array_new (FALSE, FALSE, sizeof (gint64));
  sqlite3_stmt *stmt = self->stmts[STMT_EXPIRE_1M];

  if (!series_of_topic (self, topic_id, series, error))
    return FALSE;
  for (guint s = 0; s < series->len; s++)
    {
      int rc;

      /* Only buckets that end at or before the cutoff. */
      sqlite3_bind_int64 (stmt, 1, g_array_index (series, gint64, s));
      sqlite3_bind_int64 (stmt, 2, cutoff_ms - BD_ROLLUP_MINUTE_MS);
      rc = step_done (stmt);
      if (rc != SQLITE_OK)
        {
          set_db_error (self, error, rc, _("cannot apply retention"));
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
size_step (BdRecorder *self,
           GError    **error)
{
  gint64 used = _bd_storage_used_bytes (self->db);
  gint64 free_pages = 0;
  guint n = 0;
  int rc;

  if (used < 0)
    {
      set_db_error (self, error, sqlite3_errcode (self->db), _("cannot apply retention"));
      return FALSE;
    }

  if ((guint64) used > self->max_size_bytes)
    {
      sqlite3_stmt *stmt = self->stmts[STMT_EXPIRE_OLDEST];

      sqlite3_bind_int (stmt, 1, RETENTION_CHUNK);
      if (!delete_messages (self, stmt, &n, error))
        return FALSE;
      for (int level = 0; n == 0 && level < N_LEVELS; level++)
        {
          stmt = self->stmts[level == LEVEL_MINUTE ? STMT_OLDEST_1M : STMT_OLDEST_1H];
          sqlite3_bind_int (stmt, 1, RETENTION_CHUNK);
          rc = step_done (stmt);
          if (rc != SQLITE_OK)
            {
              set_db_error (self, error, rc, _("cannot apply retention"));
              return FALSE;
            }
          n = sqlite3_changes (self->db);
        }
      /* Nothing left to delete: what is left is the dictionaries. */
      if (n > 0)
        return TRUE;
    }

  /* Under the limit: give freed pages back to the file system, a few at a time. */
  {
    sqlite3_stmt *stmt = NULL;

    rc = sqlite3_prepare_v2 (self->db, "PRAGMA freelist_count", -1, &stmt, NULL);
    if (rc == SQLITE_OK && sqlite3_step (stmt) == SQLITE_ROW)
      free_pages = sqlite3_column_int64 (stmt, 0);
    sqlite3_finalize (stmt);
  }
  if (free_pages > 0)
    {
      g_autofree char *sql = g_strdup_printf ("PRAGMA incremental_vacuum (%d)", VACUUM_PAGES_STEP);

      rc = sqlite3_exec (self->db, sql, NULL, NULL, NULL);
      if (rc != SQLITE_OK)
        {
          set_db_error (self, error, rc, _("cannot apply retention"));
          return FALSE;
        }
      if (free_pages > VACUUM_PAGES_STEP)
        return TRUE;
    }

  self->size_phase = FALSE;
  return TRUE;
}

/* One small transaction of retention work. */
static gboolean
retention_step (BdRecorder *self,
                GError    **error)
{
  guint budget = RETENTION_CHUNK;
  guint topics = 0;
  int rc;

  g_assert (!self->in_batch);

  rc = step_done (self->stmts[STMT_BEGIN]);
  if (rc != SQLITE_OK)
    {
      set_db_error (self, error, rc, _("cannot apply retention"));
      return FALSE;
    }

  while (self->age_cursor < self->age_work->len && budget > 0 && topics < RETENTION_TOPICS_STEP)
    {
      const AgeWork *work = &g_array_index (self->age_work, AgeWork, self->age_cursor);
      sqlite3_stmt *stmt = self->stmts[STMT_EXPIRE_TOPIC];
      guint n = 0;

      sqlite3_bind_int64 (stmt, 1, work->topic_id);
      sqlite3_bind_int64 (stmt, 2, work->cutoff_ms);
      sqlite3_bind_int (stmt, 3, budget);
      if (!delete_messages (self, stmt, &n, error))
        goto fail;
      budget -= n;
      topics++;
      if (budget > 0)
        {
          /* This topic is done. */
          if (!expire_minute_rollups (self, work->topic_id, work->cutoff_ms, error))
            goto fail;
          self->age_cursor++;
        }
    }

  if (self->age_cursor >= self->age_work->len && budget > 0 && self->size_phase &&
      !size_step (self, error))
    goto fail;

  rc = step_done (self->stmts[STMT_COMMIT]);
  if (rc != SQLITE_OK)
    {
      set_db_error (self, error, rc, _("cannot apply retention"));
      goto fail;
    }

  atomic_store (&self->database_bytes, _bd_storage_used_bytes (self->db));
  if (self->age_cursor >= self->age_work->len && !self->size_phase)
    self->pass_active = FALSE;
  return TRUE;

fail:
  sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
  return FALSE;
}

static gboolean
retention_run_all (BdRecorder *self,
                   GError    **error)
{
  if (!has_retention (self))
    return TRUE;
  if (!retention_begin (self, error))
    return FALSE;
  while (self->pass_active)
    if (!retention_step (self, error))
      return FALSE;
  self->next_pass = g_get_monotonic_time () + RETENTION_INTERVAL_US;
  return TRUE;
}

/* -------------------------------------------------------------------------- */
/* the writer thread                                                          */

static GError *
paused_error (BdRecorder *self)
{
  GError *error = NULL;

  g_mutex_lock (&self->mutex);
  if (self->error != NULL)
    error = g_error_copy (self->error);
  else if (self->status != BD_RECORDER_STATUS_RECORDING)
    error = g_error_new (BD_STORAGE_ERROR, BD_STORAGE_ERROR_CLOSED,
                         _("History database “%s”: the recorder is not running"), self->path);
  g_mutex_unlock (&self->mutex);
  return error;
}

static void
try_open (BdRecorder *self)
{
  GError *error = NULL;

  if (open_db (self, &error))
    set_recording (self);
  else
    {
      self->next_retry = g_get_monotonic_time () + RETRY_INTERVAL_US;
      set_paused (self, error);
    }
}

static void
run_command (BdRecorder *self,
             Command    *command)
{
  GError *error = NULL;

  switch (command->type)
    {
    case CMD_FLUSH:
    case CMD_STOP:
      if (self->db != NULL && !commit_batch (self, &error))
        fail (self, error);
      if (command->type == CMD_STOP)
        self->stopping = TRUE;
      else if (self->db == NULL)
        command->error = paused_error (self);
      break;

    case CMD_RETENTION:
      if (self->db != NULL && !commit_batch (self, &error))
        fail (self, g_steal_pointer (&error));
      if (self->db != NULL && !retention_run_all (self, &error))
        {
          command->error = g_error_copy (error);
          fail (self, error);
        }
      else if (self->db == NULL)
        command->error = paused_error (self);
      break;

    case CMD_RESUME:
      if (self->db == NULL)
        try_open (self);
      break;

    case CMD_MAX_PAGES:
      self->max_pages = command->arg;
      if (self->db != NULL && !apply_max_pages (self, &error))
        fail (self, error);
      break;

    default:
      g_assert_not_reached ();
    }
}

/* Exactly one command per sentinel: the list's head was queued before this
 * sentinel was pushed, so every message tapped before that command was
 * queued is already handled. (Running the whole list here would let a flush
 * queued meanwhile overtake its own messages.) */
static void
run_one_command (BdRecorder *self)
{
  Command *command;

  g_mutex_lock (&self->mutex);
  command = g_queue_pop_head (&self->commands);
  g_mutex_unlock (&self->mutex);
  g_assert (command != NULL);

  run_command (self, command);

  g_mutex_lock (&self->mutex);
  command->done = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->mutex);
}

static void
handle_record (BdRecorder *self,
               Record     *record)
{
  GError *error = NULL;

  if (record->kind == RECORD_COMMAND)
    {
      run_one_command (self);
      return;
    }

  if (g_atomic_int_get (&self->disabled))
    atomic_fetch_add (&self->filtered, 1);
  else if (self->db == NULL || self->stopping)
    atomic_fetch_add (&self->dropped, 1);
  else
    {
      MessageView view;

      message_view_init (&view, record);
      if (!record_message (self, &view, &error))
        fail (self, error);
    }
  record_clear (record);
}

static void
writer_iterate (BdRecorder *self)
{
  gint64 now = g_get_monotonic_time ();
  gint64 timeout;
  gsize avail;

  if (self->in_batch)
    timeout = self->batch_deadline - now;
  else if (self->db != NULL && self->pass_active)
    timeout = 0;
  else if (self->db != NULL && has_retention (self))
    timeout = self->next_pass - now;
  else if (self->db == NULL && self->retryable)
    timeout = self->next_retry - now;
  else
    timeout = G_USEC_PER_SEC;

  avail = ring_available (self);
  if (timeout > 0 && self->in_batch &&
      (guint) g_atomic_int_get (&self->depth) < self->capacity / 4)
    {
      /* Mid-batch with room to spare: nothing gains from waking sooner. */
      ring_wait (self, self->batch_deadline, FALSE);
      avail = ring_available (self);
    }
  else if (timeout > 0 && avail == 0)
    {
      ring_wait (self, now + timeout, TRUE);
      avail = ring_available (self);
    }

  if (avail > 0)
    {
      gsize pos = self->ring_tail;
      gsize bytes = 0;
      guint messages = 0;
      guint n = 0;

      /* Read what is there in place, without the lock (the tap only writes
       * past it), and release it in one go: the tap only ever waits for a
       * record's memcpy, never for SQL. A command ends the run, so that the
       * commit and retention checks below get their turn after each one. */
      while (bytes < avail)
        {
          Record *record = ring_record_at (self, &pos, &bytes);
          gboolean command = record->kind == RECORD_COMMAND;

          if (bytes >= avail)
            break;   /* only a wrap marker was left */
          if (command)
            {
              /* The messages before a command leave the queue before it
               * runs: whoever waits for it sees them gone. */
              ring_release (self, bytes, messages, pos);
              avail -= bytes;
              bytes = 0;
              messages = 0;
            }
          handle_record (self, record);
          ring_advance (self, record, &pos, &bytes);
          if (!command)
            messages++;
          n++;
          if (command || self->stopping || n >= RUN_MAX ||
              (self->in_batch && self->batch_count >= self->batch_max))
            break;
        }
      ring_release (self, bytes, messages, pos);
    }

  if (self->stopping)
    return;

  now = g_get_monotonic_time ();
  if (self->in_batch && !self->batch_stretched && now >= self->batch_deadline &&
      (g_atomic_int_get (&self->depth) >= BACKLOG || self->batch_count >= BIG_BATCH))
    {
      /* Under load: once, the batch goes on to BATCH_STRETCH x the delay.
       * (Moving the deadline, rather than testing the end of the stretch
       * apart, also keeps the writer dozing, not spinning, meanwhile.) */
      self->batch_stretched = TRUE;
      self->batch_deadline += (BATCH_STRETCH - 1) * self->batch_delay_us;
    }
  if (self->in_batch &&
      (self->batch_count >= self->batch_max || now >= self->batch_deadline))
    {
      GError *error = NULL;

      if (!commit_batch (self, &error))
        fail (self, error);
    }

  if (self->db != NULL && !self->in_batch && has_retention (self))
    {
      GError *error = NULL;

      if (!self->pass_active && now >= self->next_pass)
        {
          self->next_pass = now + RETENTION_INTERVAL_US;
          if (!retention_begin (self, &error))
            fail (self, g_steal_pointer (&error));
        }
      if (self->db != NULL && self->pass_active && !retention_step (self, &error))
        fail (self, error);
    }

  if (self->db == NULL && self->retryable && g_get_monotonic_time () >= self->next_retry)
    try_open (self);
}

static gpointer
writer_thread (gpointer data)
{
  BdRecorder *self = data;
  GError *error = NULL;
  gboolean ok;

  /* Recording is background work: when the cores are busy, the broker
   * thread (message latency) goes first. SCHED_BATCH keeps the writer's
   * wake-ups from preempting it, and nice lowers its share; on Linux both
   * apply to the calling thread alone. Batches absorb the delay. */
  {
    struct sched_param param = { 0 };
    pid_t tid = (pid_t) syscall (SYS_gettid);

    if (sched_setscheduler (tid, SCHED_BATCH, &param) != 0 ||
        setpriority (PRIO_PROCESS, (id_t) tid, WRITER_NICE) != 0)
      g_debug ("Cannot lower the history writer's priority: %s", g_strerror (errno));
  }

  ok = open_db (self, &error);
  self->next_pass = g_get_monotonic_time ();

  if (!ok)
    {
      self->next_retry = g_get_monotonic_time () + RETRY_INTERVAL_US;
      set_paused (self, error);
    }

  g_mutex_lock (&self->mutex);
  self->start_done = TRUE;
  if (ok)
    self->status = BD_RECORDER_STATUS_RECORDING;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->mutex);

  while (!self->stopping)
    writer_iterate (self);

  stop_checkpointer (self);
  close_db (self);

  /* A command sent while STOP ran would wait forever: answer it. */
  g_mutex_lock (&self->mutex);
  self->exited = TRUE;
  for (Command *command; (command = g_queue_pop_head (&self->commands)) != NULL;)
    {
      command->error = g_error_new (BD_STORAGE_ERROR, BD_STORAGE_ERROR_CLOSED,
                                    _("History database “%s”: the recorder is not running"),
                                    self->path);
      command->done = TRUE;
    }
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->mutex);
  return NULL;
}

/* -------------------------------------------------------------------------- */
/* public                                                                     */

BdRecorder *
bd_recorder_new (const char            *data_dir,
                 const BdHistoryConfig *config)
{
  BdRecorder *self;

  g_return_val_if_fail (data_dir != NULL, NULL);

  self = g_new0 (BdRecorder, 1);
  self->ref_count = 1;
  self->data_dir = g_strdup (data_dir);
  self->path = g_build_filename (data_dir, BD_HISTORY_DB_NAME, NULL);
  self->enabled = TRUE;
  self->record = g_ptr_array_new_with_free_func (g_free);
  self->exclude = g_ptr_array_new_with_free_func (g_free);
  self->retention = g_array_new (FALSE, FALSE, sizeof (Retention));
  self->json_filters = g_ptr_array_new_with_free_func (g_free);
  self->json_paths = g_ptr_array_new_with_free_func (g_free);

  if (config != NULL)
    {
      self->enabled = config->enabled;
      for (guint i = 0; config->record != NULL && i < config->record->len; i++)
        g_ptr_array_add (self->record, g_strdup (g_ptr_array_index (config->record, i)));
      for (guint i = 0; config->exclude != NULL && i < config->exclude->len; i++)
        g_ptr_array_add (self->exclude, g_strdup (g_ptr_array_index (config->exclude, i)));
      for (guint i = 0; config->retention != NULL && i < config->retention->len; i++)
        {
          const BdHistoryRetention *r = g_ptr_array_index (config->retention, i);
          Retention copy = { g_strdup (r->filter), r->max_age_s };

          g_array_append_val (self->retention, copy);
        }
      for (guint i = 0; config->json_paths != NULL && i < config->json_paths->len; i++)
        {
          const BdHistoryJsonPath *p = g_ptr_array_index (config->json_paths, i);

          g_ptr_array_add (self->json_filters, g_strdup (p->filter));
          g_ptr_array_add (self->json_paths, g_strdup (p->path));
        }
      self->max_size_bytes = config->max_size_bytes;
    }

  self->clock = default_clock;
  self->capacity = DEFAULT_CAPACITY;
  self->batch_max = DEFAULT_BATCH_MAX;
  self->batch_delay_us = DEFAULT_BATCH_DELAY_MS * 1000;
  self->busy_timeout_ms = DEFAULT_BUSY_TIMEOUT;

  /* Messages tapped before start wait in the queue. */
  self->accepting = 1;
  self->disabled = self->enabled ? 0 : 1;
  atomic_init (&self->recorded, 0);
  atomic_init (&self->samples, 0);
  atomic_init (&self->dropped, 0);
  atomic_init (&self->filtered, 0);
  atomic_init (&self->expired, 0);
  atomic_init (&self->database_bytes, -1);

  g_mutex_init (&self->mutex);
  g_cond_init (&self->cond);
  g_mutex_init (&self->ckpt_lock);
  g_cond_init (&self->ckpt_cond);
  g_mutex_init (&self->ring_lock);
  g_cond_init (&self->ring_cond);
  g_queue_init (&self->commands);
  self->status = BD_RECORDER_STATUS_STOPPED;

  self->topics = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, topic_info_free);
  self->dirty_topics = g_ptr_array_new ();
  self->dirty_series = g_ptr_array_new ();
  self->message_rows = g_array_new (FALSE, FALSE, sizeof (MessageRow));
  self->payloads = g_byte_array_new ();
  self->sample_rows = g_array_new (FALSE, FALSE, sizeof (SampleRow));
  self->age_work = g_array_new (FALSE, FALSE, sizeof (AgeWork));

  return self;
}

G_DEFINE_BOXED_TYPE (BdRecorder, bd_recorder, bd_recorder_ref, bd_recorder_unref)

BdRecorder *
bd_recorder_ref (BdRecorder *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_int_inc (&self->ref_count);
  return self;
}

/* Counts what is left in the queue (not the writer's: it has ended or never
 * started) and empties it. */
static void
drain_queue (BdRecorder *self)
{
  gsize avail = ring_available (self);
  gsize pos = self->ring_tail;
  gsize bytes = 0;
  guint messages = 0;

  while (bytes < avail)
    {
      Record *record = ring_record_at (self, &pos, &bytes);

      if (bytes >= avail)
        break;
      if (record->kind != RECORD_COMMAND)
        {
          if (g_atomic_int_get (&self->disabled))
            atomic_fetch_add (&self->filtered, 1);
          else
            atomic_fetch_add (&self->dropped, 1);
          record_clear (record);
          messages++;
        }
      ring_advance (self, record, &pos, &bytes);
    }
  ring_release (self, bytes, messages, pos);
}

void
bd_recorder_unref (BdRecorder *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_int_dec_and_test (&self->ref_count))
    return;

  bd_recorder_close (self);
  drain_queue (self);
  g_free (self->ring);
  g_clear_error (&self->error);
  g_mutex_clear (&self->mutex);
  g_cond_clear (&self->cond);
  g_mutex_clear (&self->ckpt_lock);
  g_cond_clear (&self->ckpt_cond);
  g_mutex_clear (&self->ring_lock);
  g_cond_clear (&self->ring_cond);
  g_hash_table_unref (self->topics);
  g_ptr_array_unref (self->dirty_topics);
  g_ptr_array_unref (self->dirty_series);
  g_array_unref (self->message_rows);
  g_byte_array_unref (self->payloads);
  g_array_unref (self->sample_rows);
  g_array_unref (self->age_work);
  for (guint i = 0; i < self->retention->len; i++)
    g_free (g_array_index (self->retention, Retention, i).filter);
  g_array_unref (self->retention);
  g_ptr_array_unref (self->record);
  g_ptr_array_unref (self->exclude);
  g_ptr_array_unref (self->json_filters);
  g_ptr_array_unref (self->json_paths);
  g_free (self->data_dir);
  g_free (self->path);
  g_free (self);
}

void
bd_recorder_set_clock (BdRecorder          *self,
                       BdRecorderClockFunc  func,
                       gpointer             user_data)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (!self->started);

  self->clock = func != NULL ? func : default_clock;
  self->clock_data = user_data;
}

void
bd_recorder_set_queue_capacity (BdRecorder *self,
                                guint       capacity)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (capacity > 0 && capacity <= G_MAXINT / 2);

  g_mutex_lock (&self->ring_lock);
  self->capacity = capacity;
  /* The ring is sized for the capacity when first used; an empty one is
   * sized again, a busy one keeps its size (and at most ring_slots). */
  if (self->ring != NULL && self->ring_used == 0)
    g_clear_pointer (&self->ring, g_free);
  g_mutex_unlock (&self->ring_lock);
}

void
bd_recorder_set_batch_limits (BdRecorder *self,
                              guint       max_messages,
                              guint       max_delay_ms)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (!self->started);
  g_return_if_fail (max_messages > 0);

  self->batch_max = max_messages;
  self->batch_delay_us = (gint64) max_delay_ms * 1000;
}

void
bd_recorder_set_busy_timeout (BdRecorder *self,
                              guint       timeout_ms)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (!self->started);

  self->busy_timeout_ms = (int) MIN (timeout_ms, G_MAXINT);
}

void
_bd_recorder_set_force_read_only (BdRecorder *self,
                                  gboolean    read_only)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (!self->started);

  self->force_read_only = read_only;
}

/* Queues @command for the writer and waits until it ran. FALSE if there is
 * no writer thread. */
static gboolean
send_command (BdRecorder *self,
              Command    *command)
{
  g_mutex_lock (&self->mutex);
  if (self->thread == NULL || self->exited)
    {
      g_mutex_unlock (&self->mutex);
      return FALSE;
    }
  g_queue_push_tail (&self->commands, command);
  g_mutex_unlock (&self->mutex);

  if (!ring_push_command (self))
    {
      /* The writer ended before it could see the command. */
      gboolean answered;

      g_mutex_lock (&self->mutex);
      answered = command->done;
      if (!answered)
        {
          g_queue_remove (&self->commands, command);
          command->done = TRUE;
        }
      g_mutex_unlock (&self->mutex);
      if (!answered)
        return FALSE;
    }

  g_mutex_lock (&self->mutex);
  while (!command->done)
    g_cond_wait (&self->cond, &self->mutex);
  g_mutex_unlock (&self->mutex);
  return TRUE;
}

void
_bd_recorder_set_max_page_count (BdRecorder *self,
                                 gint64      max_pages)
{
  Command command = { CMD_MAX_PAGES, max_pages, FALSE, NULL };

  g_return_if_fail (self != NULL);

  if (!send_command (self, &command))
    self->max_pages = max_pages;
  g_clear_error (&command.error);
}

gboolean
bd_recorder_start (BdRecorder *self,
                   GError    **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  g_mutex_lock (&self->mutex);
  if (self->started || self->closed)
    {
      g_mutex_unlock (&self->mutex);
      g_return_val_if_reached (FALSE);
    }
  self->started = TRUE;

  if (!self->enabled)
    {
      self->status = BD_RECORDER_STATUS_DISABLED;
      g_mutex_unlock (&self->mutex);
      drain_queue (self);
      return TRUE;
    }

  self->thread = g_thread_new ("bd-recorder", writer_thread, self);
  while (!self->start_done)
    g_cond_wait (&self->cond, &self->mutex);
  if (self->status != BD_RECORDER_STATUS_RECORDING)
    {
      g_assert (self->error != NULL);
      if (error != NULL)
        *error = g_error_copy (self->error);
      g_mutex_unlock (&self->mutex);
      return FALSE;
    }
  g_mutex_unlock (&self->mutex);
  return TRUE;
}

void
bd_recorder_tap (BdMessage *message,
                 gpointer   user_data)
{
  BdRecorder *self = user_data;

  if G_UNLIKELY (g_atomic_int_get (&self->disabled))
    {
      atomic_fetch_add_explicit (&self->filtered, 1, memory_order_relaxed);
      return;
    }
  if G_UNLIKELY (!g_atomic_int_get (&self->accepting))
    {
      atomic_fetch_add_explicit (&self->dropped, 1, memory_order_relaxed);
      return;
    }
  if G_UNLIKELY (!ring_push_message (self, message))
    atomic_fetch_add_explicit (&self->dropped, 1, memory_order_relaxed);
}

/* Runs @type on the writer thread and waits for it, with its error. */
static gboolean
run_command_sync (BdRecorder  *self,
                  CommandType  type,
                  GError     **error)
{
  Command command = { type, 0, FALSE, NULL };

  if (g_atomic_int_get (&self->disabled))
    return TRUE;
  if (!send_command (self, &command))
    {
      g_set_error (error, BD_STORAGE_ERROR, BD_STORAGE_ERROR_CLOSED,
                   _("History database “%s”: the recorder is not running"), self->path);
      return FALSE;
    }
  if (command.error != NULL)
    {
      g_propagate_error (error, command.error);
      return FALSE;
    }
  return TRUE;
}

gboolean
bd_recorder_flush_sync (BdRecorder *self,
                        GError    **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return run_command_sync (self, CMD_FLUSH, error);
}

gboolean
bd_recorder_run_retention_sync (BdRecorder *self,
                                GError    **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return run_command_sync (self, CMD_RETENTION, error);
}

void
bd_recorder_resume (BdRecorder *self)
{
  Command command = { CMD_RESUME, 0, FALSE, NULL };

  g_return_if_fail (self != NULL);

  send_command (self, &command);
  g_clear_error (&command.error);
}

void
bd_recorder_close (BdRecorder *self)
{
  Command command = { CMD_STOP, 0, FALSE, NULL };
  GThread *thread;

  g_return_if_fail (self != NULL);

  g_mutex_lock (&self->mutex);
  if (self->closed)
    {
      g_mutex_unlock (&self->mutex);
      return;
    }
  self->closed = TRUE;
  g_mutex_unlock (&self->mutex);

  /* New taps are dropped; what is queued already is committed by STOP,
   * which comes after it in the queue. */
  g_atomic_int_set (&self->accepting, 0);
  send_command (self, &command);
  g_clear_error (&command.error);

  g_mutex_lock (&self->mutex);
  thread = g_steal_pointer (&self->thread);
  g_mutex_unlock (&self->mutex);
  if (thread != NULL)
    g_thread_join (thread);

  drain_queue (self);

  g_mutex_lock (&self->mutex);
  if (self->status != BD_RECORDER_STATUS_DISABLED)
    self->status = BD_RECORDER_STATUS_STOPPED;
  g_mutex_unlock (&self->mutex);
}

void
bd_recorder_get_stats (BdRecorder      *self,
                       BdRecorderStats *stats)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (stats != NULL);

  stats->status = bd_recorder_get_status (self);
  stats->recorded = atomic_load (&self->recorded);
  stats->samples = atomic_load (&self->samples);
  stats->dropped = atomic_load (&self->dropped);
  stats->filtered = atomic_load (&self->filtered);
  stats->expired = atomic_load (&self->expired);
  stats->queue_depth = (guint) MAX (g_atomic_int_get (&self->depth), 0);
  stats->queue_capacity = self->capacity;
  stats->database_bytes = atomic_load (&self->database_bytes);
}

BdRecorderStatus
bd_recorder_get_status (BdRecorder *self)
{
  BdRecorderStatus status;

  g_return_val_if_fail (self != NULL, BD_RECORDER_STATUS_STOPPED);

  g_mutex_lock (&self->mutex);
  status = self->status;
  g_mutex_unlock (&self->mutex);
  return status;
}

const char *
bd_recorder_status_to_string (BdRecorderStatus status)
{
  switch (status)
    {
    case BD_RECORDER_STATUS_STOPPED:
      return "stopped";
    case BD_RECORDER_STATUS_RECORDING:
      return "recording";
    case BD_RECORDER_STATUS_PAUSED:
      return "paused";
    case BD_RECORDER_STATUS_DISABLED:
      return "disabled";
    default:
      return "unknown";
    }
}

char *
bd_recorder_dup_status_message (BdRecorder *self)
{
  char *message;

  g_return_val_if_fail (self != NULL, NULL);

  g_mutex_lock (&self->mutex);
  if (self->status == BD_RECORDER_STATUS_PAUSED && self->error != NULL)
    message = g_strdup_printf ("paused: %s", self->error->message);
  else
    message = g_strdup (bd_recorder_status_to_string (self->status));
  g_mutex_unlock (&self->mutex);
  return message;
}

GError *
bd_recorder_dup_error (BdRecorder *self)
{
  GError *error = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  g_mutex_lock (&self->mutex);
  if (self->error != NULL)
    error = g_error_copy (self->error);
  g_mutex_unlock (&self->mutex);
  return error;
}

const char *
bd_recorder_get_path (BdRecorder *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->path;
}
