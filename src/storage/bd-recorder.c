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
 *     connection, woken after big commits (see wal_hook_cb () in
 *     bd-recorder-db.c).
 *
 * The parts live in their own files: the queue in bd-recorder-ring.c, the
 * connection and the checkpointer in bd-recorder-db.c, one batch in
 * bd-recorder-batch.c, retention in bd-recorder-retention.c and the writer's
 * loop in bd-recorder-writer.c; this file keeps the life cycle, the tap and
 * the API for other threads.
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

#include <glib/gi18n.h>
#include <math.h>
#include <stdatomic.h>
#include <string.h>

#include "bd-recorder.h"
#include "bd-recorder-private.h"
#include "bd-payload.h"
#include "bd-storage-private.h"
#include "bd-topic.h"

static gint64
default_clock (gpointer user_data)
{
  return g_get_real_time ();
}

gint64
_bd_recorder_now_ms (BdRecorder *self)
{
  return _bd_floor_div (self->clock (self->clock_data), 1000);
}

/* -------------------------------------------------------------------------- */
/* status                                                                     */

void
_bd_recorder_set_paused (BdRecorder *self,
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

void
_bd_recorder_set_recording (BdRecorder *self)
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

  self->topics = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, _bd_recorder_batch_topic_info_free);
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
  gsize avail = _bd_recorder_ring_available (self);
  gsize pos = self->ring_tail;
  gsize bytes = 0;
  guint messages = 0;

  while (bytes < avail)
    {
      Record *record = _bd_recorder_ring_record_at (self, &pos, &bytes);

      if (bytes >= avail)
        break;
      if (record->kind != RECORD_COMMAND)
        {
          if (g_atomic_int_get (&self->disabled))
            atomic_fetch_add (&self->filtered, 1);
          else
            atomic_fetch_add (&self->dropped, 1);
          _bd_recorder_ring_record_clear (record);
          messages++;
        }
      _bd_recorder_ring_advance (self, record, &pos, &bytes);
    }
  _bd_recorder_ring_release (self, bytes, messages, pos);
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

  if (!_bd_recorder_ring_push_command (self))
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

  self->thread = g_thread_new ("bd-recorder", _bd_recorder_writer_thread, self);
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
  if G_UNLIKELY (!_bd_recorder_ring_push_message (self, message))
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
