/* bd-recorder-private.h — the recorder's internals, shared by its files, and its test hooks
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The recorder is split along its sections: bd-recorder.c (life cycle,
 * public API, status), -ring.c (the queue), -db.c (connection and
 * checkpointer), -batch.c (one transaction of messages and samples),
 * -retention.c and -writer.c (the writer thread). Everything here but the
 * two test hooks at the end is for those files only.
 */

#pragma once

#include <sqlite3.h>
#include <stdatomic.h>

#include "bd-recorder.h"
#include "bd-storage-private.h"

G_BEGIN_DECLS

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
 * next transaction starts the WAL over (see _bd_recorder_batch_commit ()). */
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

/* Scheduling priority of the writer thread (see _bd_recorder_writer_thread ()). */
#define WRITER_NICE 5

enum { WAIT_NONE, WAIT_ANY, WAIT_BELL };

/* A record of the queue (bd-recorder-ring.c). */
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

/* The message a record stands for, as _bd_recorder_batch_add_message () reads it. */
typedef struct
{
  const char   *topic;
  const guint8 *payload;
  gsize         len;
  gint64        time_us;
  int           qos;
  int           retain;
} MessageView;

/* bd-recorder.c */
gint64 _bd_recorder_now_ms (BdRecorder *self);
void _bd_recorder_set_paused (BdRecorder *self,
                              GError     *error);
void _bd_recorder_set_recording (BdRecorder *self);

/* bd-recorder-ring.c */
gboolean _bd_recorder_ring_push_message (BdRecorder *self,
                                         BdMessage  *message);
gboolean _bd_recorder_ring_push_command (BdRecorder *self);
gsize _bd_recorder_ring_available (BdRecorder *self);
void _bd_recorder_ring_release (BdRecorder *self,
                                gsize       bytes,
                                guint       messages,
                                gsize       new_tail);
Record *_bd_recorder_ring_record_at (BdRecorder *self,
                                     gsize      *pos,
                                     gsize      *bytes);
void _bd_recorder_ring_advance (BdRecorder *self,
                                Record     *record,
                                gsize      *pos,
                                gsize      *bytes);
void _bd_recorder_ring_wait (BdRecorder *self,
                             gint64      deadline,
                             gboolean    any);
void _bd_recorder_ring_view (MessageView *view,
                             Record      *record);
void _bd_recorder_ring_record_clear (Record *record);

/* bd-recorder-db.c */
void _bd_recorder_db_close (BdRecorder *self);
void _bd_recorder_db_stop_checkpointer (BdRecorder *self);
gboolean _bd_recorder_db_apply_max_pages (BdRecorder *self,
                                          GError    **error);
gboolean _bd_recorder_db_open (BdRecorder *self,
                               GError    **error);
int _bd_recorder_db_step_done (sqlite3_stmt *stmt);
void _bd_recorder_db_set_error (BdRecorder *self,
                                GError    **error,
                                int         rc,
                                const char *what);
void _bd_recorder_db_fail (BdRecorder *self,
                           GError     *error);

/* bd-recorder-batch.c */
void _bd_recorder_batch_topic_info_free (gpointer data);
gboolean _bd_recorder_batch_add_message (BdRecorder        *self,
                                         const MessageView *message,
                                         GError           **error);
gboolean _bd_recorder_batch_commit (BdRecorder *self,
                                    GError    **error);

/* bd-recorder-retention.c */
gboolean _bd_recorder_retention_enabled (BdRecorder *self);
gboolean _bd_recorder_retention_begin (BdRecorder *self,
                                       GError    **error);
gboolean _bd_recorder_retention_step (BdRecorder *self,
                                      GError    **error);
gboolean _bd_recorder_retention_run_all (BdRecorder *self,
                                         GError    **error);

/* bd-recorder-writer.c */
gpointer _bd_recorder_writer_thread (gpointer data);

/* test hooks */
/* Opens the writer connection with SQLITE_OPEN_READONLY, which is what a
 * file the process may not write looks like to SQLite; chmod 0444 would not
 * do it for root, and CI runs as root. Before bd_recorder_start(). */
void _bd_recorder_set_force_read_only (BdRecorder *self,
                                       gboolean    read_only);
/* PRAGMA max_page_count on the writer connection (0 = SQLite's default), so
 * inserts fail with SQLITE_FULL as on a full disk. Applies now and on every
 * reopen. */
void _bd_recorder_set_max_page_count  (BdRecorder *self,
                                       gint64      max_pages);

G_END_DECLS
