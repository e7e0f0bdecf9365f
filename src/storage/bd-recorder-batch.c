/* bd-recorder-batch.c — the recorder's batches: messages and samples into one transaction
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Writer thread only: the topic and series cache, buffered rows inserted in
 * bulk, the 1-minute and 1-hour rollup accumulators, and the commit.
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

static const gint64 level_width[N_LEVELS] = { BD_ROLLUP_MINUTE_MS, BD_ROLLUP_HOUR_MS };

void
_bd_recorder_batch_topic_info_free (gpointer data)
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

static gboolean
begin_batch (BdRecorder *self,
             GError    **error)
{
  int rc;

  if (self->in_batch)
    return TRUE;
  rc = _bd_recorder_db_step_done (self->stmts[STMT_BEGIN]);
  if (rc != SQLITE_OK)
    {
      _bd_recorder_db_set_error (self, error, rc, _("cannot record"));
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
      _bd_recorder_db_set_error (self, error, rc, _("cannot record"));
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
          _bd_recorder_db_set_error (self, error, rc, _("cannot record"));
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
      rc = _bd_recorder_db_step_done (stmt);
      if (rc != SQLITE_OK)
        {
          _bd_recorder_db_set_error (self, error, rc, _("cannot record"));
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
  rc = _bd_recorder_db_step_done (stmt);
  if (rc != SQLITE_OK)
    {
      _bd_recorder_db_set_error (self, error, rc, _("cannot record"));
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

gboolean
_bd_recorder_batch_add_message (BdRecorder        *self,
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
  bd_payload_extract_samples (data, len, (const char * const *) topic->json_paths, on_sample_cb,
                              &ctx);
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

gboolean
_bd_recorder_batch_commit (BdRecorder *self,
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
      rc = _bd_recorder_db_step_done (stmt);
      sqlite3_clear_bindings (stmt);
      if (rc != SQLITE_OK)
        {
          _bd_recorder_db_set_error (self, error, rc, _("cannot record"));
          return FALSE;
        }
    }

  rc = _bd_recorder_db_step_done (self->stmts[STMT_COMMIT]);
  if (rc != SQLITE_OK)
    {
      _bd_recorder_db_set_error (self, error, rc, _("cannot record"));
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
