/* bd-recorder.h — the history recorder: a tap, a bounded queue, one writer thread
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Wiring (see also bd-engine.h):
 *
 *   recorder = bd_recorder_new (data_dir, &config->history);
 *   if (!bd_recorder_start (recorder, &error))
 *     g_warning ("%s", error->message);   // the broker keeps running; recording is paused
 *   bd_engine_add_tap (engine, "#", bd_recorder_tap,
 *                      bd_recorder_ref (recorder), (GDestroyNotify) bd_recorder_unref);
 *   ...
 *   bd_engine_remove_tap (engine, tap_id);   // or bd_engine_stop ()
 *   bd_recorder_close (recorder);            // drains the queue and commits
 *   bd_recorder_unref (recorder);
 *
 * bd_recorder_tap() runs on the engine thread: it takes a reference and
 * pushes the message on a bounded queue, nothing else. When the queue is full,
 * or recording is paused by an error, the message is counted in `dropped`
 * (never lost silently). The writer thread owns the only writer connection,
 * commits in batches, and enforces retention between batches.
 *
 * Every function may be called from any thread.
 */

#pragma once

#include <gio/gio.h>

#include "bd-config.h"
#include "bd-message.h"
#include "bd-storage-error.h"

G_BEGIN_DECLS

typedef struct _BdRecorder BdRecorder;

typedef enum
{
  BD_RECORDER_STATUS_STOPPED,    /* not started yet, or closed */
  BD_RECORDER_STATUS_RECORDING,
  BD_RECORDER_STATUS_PAUSED,     /* an error stopped recording: see the status message */
  BD_RECORDER_STATUS_DISABLED,   /* history_enabled false: nothing is recorded */
} BdRecorderStatus;

typedef struct
{
  BdRecorderStatus status;
  guint64          recorded;          /* messages committed to the database */
  guint64          samples;           /* numeric samples committed */
  guint64          dropped;           /* lost: queue full, paused, or in a failed batch */
  guint64          filtered;          /* not recorded by choice (record/exclude filters) */
  guint64          expired;           /* messages removed by retention */
  guint            queue_depth;
  guint            queue_capacity;
  gint64           database_bytes;    /* used bytes at the last check, -1 if unknown */
} BdRecorderStats;

/* Wall clock in microseconds (as g_get_real_time ()); used for retention. */
typedef gint64 (*BdRecorderClockFunc) (gpointer user_data);

/* A boxed type (ref/unref), so a recorder can be a GObject property. */
#define BD_TYPE_RECORDER (bd_recorder_get_type ())
GType             bd_recorder_get_type        (void);

/* Copies what it needs of @config (NULL: record everything but $SYS, keep
 * forever). Nothing is opened until bd_recorder_start(). */
BdRecorder       *bd_recorder_new             (const char            *data_dir,
                                               const BdHistoryConfig *config);
BdRecorder       *bd_recorder_ref             (BdRecorder            *self);
void              bd_recorder_unref           (BdRecorder            *self);

/* Before bd_recorder_start(). */
void              bd_recorder_set_clock       (BdRecorder            *self,
                                               BdRecorderClockFunc    func,
                                               gpointer               user_data);
void              bd_recorder_set_queue_capacity (BdRecorder         *self,
                                               guint                  capacity);
/* Commit after @max_messages or @max_delay_ms, whichever comes first. */
void              bd_recorder_set_batch_limits (BdRecorder           *self,
                                               guint                  max_messages,
                                               guint                  max_delay_ms);
/* How long a lock held by another program is waited for (default 2000). */
void              bd_recorder_set_busy_timeout (BdRecorder           *self,
                                               guint                  timeout_ms);

/* Opens (creating or migrating) DATA_DIR/history.db on the writer thread and
 * waits for the result. On failure the recorder is PAUSED (messages are
 * counted as dropped) and retries now and then when the cause may go away
 * (lock, full disk, read-only); a damaged or too new file is never retried
 * nor written. Returns FALSE with the same message as the status. */
gboolean          bd_recorder_start           (BdRecorder            *self,
                                               GError               **error);

/* A BdTapFunc; @user_data is the BdRecorder. Cheap, never blocks. Messages
 * tapped before bd_recorder_start() wait in the queue. */
void              bd_recorder_tap             (BdMessage             *message,
                                               gpointer               user_data);

/* Commits everything queued before the call. FALSE if recording is paused
 * (the queued messages were dropped) or the recorder is not running. */
gboolean          bd_recorder_flush_sync      (BdRecorder            *self,
                                               GError               **error);
/* Flushes, stops the writer thread and closes the database. Messages tapped
 * afterwards are dropped. Idempotent; bd_recorder_unref() calls it. */
void              bd_recorder_close           (BdRecorder            *self);

/* After a pause: try to open and record again now (a "Retry" button). */
void              bd_recorder_resume          (BdRecorder            *self);

/* Runs a whole retention pass now (by age per filter, then by size) and
 * waits for it; the writer otherwise does this in small steps by itself. */
gboolean          bd_recorder_run_retention_sync (BdRecorder         *self,
                                               GError               **error);

void              bd_recorder_get_stats       (BdRecorder            *self,
                                               BdRecorderStats       *stats);
BdRecorderStatus  bd_recorder_get_status      (BdRecorder            *self);
/* One line for $SYS and the log: "recording", or the error that paused it. */
char             *bd_recorder_dup_status_message (BdRecorder         *self);
/* The error that paused recording, or NULL. */
GError           *bd_recorder_dup_error       (BdRecorder            *self);
const char       *bd_recorder_get_path        (BdRecorder            *self);
const char       *bd_recorder_status_to_string (BdRecorderStatus     status);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BdRecorder, bd_recorder_unref)

G_END_DECLS
