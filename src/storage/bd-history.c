/* bd-history.c — reading the recorded history: chart buckets, messages, topics
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Chart queries cost what the chart shows, not what the range holds: the
 * level (raw samples, 1-minute or 1-hour rollups, see bd-storage.c) is the
 * coarsest whose width fits in one bucket, so 30 days of 1 Hz data drawn as
 * 1000 buckets reads 43 200 minute rows instead of 2.6 million samples. Every
 * read is a range scan of a WITHOUT ROWID primary key (series_id, time), so
 * the rows come in time order from one run of leaf pages.
 */

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "bd-history.h"
#include "bd-storage-private.h"

#define MAX_BUCKETS     100000
#define MAX_IDLE        4
#define BUSY_TIMEOUT_MS 5000
/* Check for cancellation every this many rows. */
#define CANCEL_ROWS     4096

struct _BdHistory
{
  gint       ref_count;
  char      *path;
  GMutex     mutex;
  GPtrArray *idle;   /* of sqlite3*, each used by one query at a time */
};

BdHistory *
bd_history_new (const char *data_dir)
{
  BdHistory *self;

  g_return_val_if_fail (data_dir != NULL, NULL);

  self = g_new0 (BdHistory, 1);
  self->ref_count = 1;
  self->path = g_build_filename (data_dir, BD_HISTORY_DB_NAME, NULL);
  g_mutex_init (&self->mutex);
  self->idle = g_ptr_array_new ();
  return self;
}

G_DEFINE_BOXED_TYPE (BdHistory, bd_history, bd_history_ref, bd_history_unref)

BdHistory *
bd_history_ref (BdHistory *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_int_inc (&self->ref_count);
  return self;
}

void
bd_history_unref (BdHistory *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_int_dec_and_test (&self->ref_count))
    return;

  for (guint i = 0; i < self->idle->len; i++)
    sqlite3_close (g_ptr_array_index (self->idle, i));
  g_ptr_array_unref (self->idle);
  g_mutex_clear (&self->mutex);
  g_free (self->path);
  g_free (self);
}

const char *
bd_history_get_path (BdHistory *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->path;
}

static sqlite3 *
acquire (BdHistory *self,
         GError   **error)
{
  sqlite3 *db = NULL;

  g_mutex_lock (&self->mutex);
  if (self->idle->len > 0)
    db = g_ptr_array_steal_index_fast (self->idle, self->idle->len - 1);
  g_mutex_unlock (&self->mutex);

  if (db == NULL)
    db = _bd_storage_open (self->path, BD_STORAGE_OPEN_READER, BUSY_TIMEOUT_MS, error);
  return db;
}

/* @ok FALSE: the connection saw an error; close it rather than reuse it. */
static void
release (BdHistory *self,
         sqlite3   *db,
         gboolean   ok)
{
  if (db == NULL)
    return;

  g_mutex_lock (&self->mutex);
  if (ok && self->idle->len < MAX_IDLE)
    {
      g_ptr_array_add (self->idle, db);
      db = NULL;
    }
  g_mutex_unlock (&self->mutex);

  if (db != NULL)
    sqlite3_close (db);
}

static sqlite3_stmt *
prepare (BdHistory   *self,
         sqlite3     *db,
         const char  *sql,
         GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);

  if (rc != SQLITE_OK)
    {
      _bd_storage_set_error (error, db, rc, self->path, _("cannot read"));
      return NULL;
    }
  return stmt;
}

static gboolean
check_done (BdHistory  *self,
            sqlite3    *db,
            int         rc,
            GError    **error)
{
  if (rc == SQLITE_DONE)
    return TRUE;
  _bd_storage_set_error (error, db, rc, self->path, _("cannot read"));
  return FALSE;
}

typedef sqlite3_stmt *sqlite3_stmt_ptr;
G_DEFINE_AUTO_CLEANUP_FREE_FUNC (sqlite3_stmt_ptr, sqlite3_finalize, NULL)

/* The statements of a series query, each prepared on first use and reset
 * for the next series: a batch of 500 series prepares each once. */
typedef enum
{
  STMT_FIND,
  STMT_HORIZON_RAW,
  STMT_HORIZON_MINUTE,
  STMT_FILL_RAW,
  STMT_FILL_MINUTE,
  STMT_FILL_HOUR,
  N_STMTS
} StmtId;

static const char * const stmt_sql[N_STMTS] = {
  [STMT_FIND] =
    "SELECT s.id FROM series s JOIN topics t ON t.id = s.topic_id"
    " WHERE t.name = ?1 AND s.field = ?2",
  [STMT_HORIZON_RAW] =
    "SELECT time FROM samples WHERE series_id = ?1 ORDER BY time LIMIT 1",
  [STMT_HORIZON_MINUTE] =
    "SELECT bucket FROM rollup_1m WHERE series_id = ?1 ORDER BY bucket LIMIT 1",
  [STMT_FILL_RAW] =
    "SELECT time, value FROM samples"
    " WHERE series_id = ?1 AND time >= ?2 AND time < ?3",
  [STMT_FILL_MINUTE] =
    "SELECT bucket, n, vsum, vmin, vmax, vfirst, vlast FROM rollup_1m"
    " WHERE series_id = ?1 AND bucket >= ?2 AND bucket < ?3",
  [STMT_FILL_HOUR] =
    "SELECT bucket, n, vsum, vmin, vmax, vfirst, vlast FROM rollup_1h"
    " WHERE series_id = ?1 AND bucket >= ?2 AND bucket < ?3",
};

typedef struct
{
  sqlite3_stmt *stmts[N_STMTS];
} StmtCache;

static void
stmt_cache_clear (StmtCache *cache)
{
  for (guint i = 0; i < N_STMTS; i++)
    g_clear_pointer (&cache->stmts[i], sqlite3_finalize);
}

/* check_done () for a cached statement, which is then reset (after the
 * error message is taken) so that it holds no read lock. */
static gboolean
done_and_reset (BdHistory     *self,
                sqlite3       *db,
                sqlite3_stmt  *stmt,
                int            rc,
                GError       **error)
{
  gboolean ok = check_done (self, db, rc, error);

  sqlite3_reset (stmt);
  return ok;
}

/* The statement @id, ready to bind: prepared once, then reset. */
static sqlite3_stmt *
stmt_get (BdHistory   *self,
          sqlite3     *db,
          StmtCache   *cache,
          StmtId       id,
          GError     **error)
{
  if (cache->stmts[id] == NULL)
    cache->stmts[id] = prepare (self, db, stmt_sql[id], error);
  else
    {
      sqlite3_reset (cache->stmts[id]);
      sqlite3_clear_bindings (cache->stmts[id]);
    }
  return cache->stmts[id];
}

/* -------------------------------------------------------------------------- */
/* series buckets                                                             */

void
bd_history_series_data_free (BdHistorySeriesData *data)
{
  if (data == NULL)
    return;
  g_free (data->buckets);
  g_free (data);
}

static BdHistoryLevel
choose_level (gint64 from_ms,
              gint64 to_ms,
              guint  n_buckets)
{
  gint64 width = (to_ms - from_ms) / n_buckets;

  if (width >= BD_ROLLUP_HOUR_MS)
    return BD_HISTORY_LEVEL_HOUR;
  if (width >= BD_ROLLUP_MINUTE_MS)
    return BD_HISTORY_LEVEL_MINUTE;
  return BD_HISTORY_LEVEL_RAW;
}

static guint
bucket_index (const BdHistorySeriesData *data,
              gint64                     time_ms)
{
  gint64 range = data->to_ms - data->from_ms;
  gint64 offset = time_ms - data->from_ms;
  gint64 index;

  if (offset <= 0)
    return 0;
  if (offset >= range)
    return data->n_buckets - 1;
  if (range <= G_MAXINT64 / data->n_buckets)
    index = offset * data->n_buckets / range;
  else
    index = (gint64) ((double) offset / (double) range * data->n_buckets);
  return (guint) CLAMP (index, 0, (gint64) data->n_buckets - 1);
}

static gint64
bucket_start (const BdHistorySeriesData *data,
              guint                      index)
{
  gint64 range = data->to_ms - data->from_ms;

  if (range <= G_MAXINT64 / data->n_buckets)
    return data->from_ms + range * index / data->n_buckets;
  return data->from_ms + (gint64) ((double) range * index / data->n_buckets);
}

/* Folds one aggregate (a sample is an aggregate of one) into a bucket; rows
 * arrive in time order, so the first row sets first and every row sets last. */
static inline void
fold (BdHistoryBucket *bucket,
      double          *sum,
      gint64           n,
      double           vsum,
      double           vmin,
      double           vmax,
      double           vfirst,
      double           vlast)
{
  if (bucket->count == 0)
    {
      bucket->min = vmin;
      bucket->max = vmax;
      bucket->first = vfirst;
    }
  else
    {
      bucket->min = MIN (bucket->min, vmin);
      bucket->max = MAX (bucket->max, vmax);
    }
  bucket->last = vlast;
  bucket->count += n;
  *sum += vsum;
}

static gboolean
find_series (BdHistory   *self,
             sqlite3     *db,
             StmtCache   *cache,
             const char  *name,
             gint64      *series_id,
             GError     **error)
{
  const char *hash = strchr (name, '#');
  g_autofree char *topic = hash ? g_strndup (name, hash - name) : g_strdup (name);
  const char *field = hash ? hash + 1 : "";
  sqlite3_stmt *stmt = stmt_get (self, db, cache, STMT_FIND, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, topic, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, field, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      *series_id = sqlite3_column_int64 (stmt, 0);
      sqlite3_reset (stmt);
      return TRUE;
    }
  *series_id = 0;
  return done_and_reset (self, db, stmt, rc, error);
}

static gint64
level_width (BdHistoryLevel level)
{
  return level == BD_HISTORY_LEVEL_HOUR ? BD_ROLLUP_HOUR_MS
       : level == BD_HISTORY_LEVEL_MINUTE ? BD_ROLLUP_MINUTE_MS
       : 1;
}

/* The oldest time @level still holds for the series (retention removes raw
 * samples and minute rollups before hour rollups), or G_MAXINT64 if none:
 * one descent of the primary key. */
static gboolean
level_horizon (BdHistory       *self,
               sqlite3         *db,
               StmtCache       *cache,
               gint64           series_id,
               BdHistoryLevel   level,
               gint64          *horizon,
               GError         **error)
{
  sqlite3_stmt *stmt = stmt_get (self, db, cache,
                                 level == BD_HISTORY_LEVEL_RAW ? STMT_HORIZON_RAW
                                                               : STMT_HORIZON_MINUTE,
                                 error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, series_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      *horizon = sqlite3_column_int64 (stmt, 0);
      sqlite3_reset (stmt);
      return TRUE;
    }
  *horizon = G_MAXINT64;
  return done_and_reset (self, db, stmt, rc, error);
}

/* Folds the rows of @level with times in [from_ms, to_ms) into the buckets;
 * a rollup row counts when it starts in the range, or when it holds
 * data->from_ms (the chart's first bucket). */
static gboolean
fill_level (BdHistory           *self,
            sqlite3             *db,
            StmtCache           *cache,
            gint64               series_id,
            BdHistorySeriesData *data,
            BdHistoryLevel       level,
            gint64               from_ms,
            gint64               to_ms,
            double              *sums,
            GCancellable        *cancellable,
            GError             **error)
{
  gboolean raw = level == BD_HISTORY_LEVEL_RAW;
  sqlite3_stmt *stmt = stmt_get (self, db, cache,
                                 raw ? STMT_FILL_RAW
                                 : level == BD_HISTORY_LEVEL_HOUR ? STMT_FILL_HOUR
                                 : STMT_FILL_MINUTE,
                                 error);
  guint rows = 0;
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, series_id);
  /* The rollup bucket holding the chart's start begins before it. */
  sqlite3_bind_int64 (stmt, 2, from_ms == data->from_ms
                               ? _bd_bucket_start (from_ms, level_width (level))
                               : from_ms);
  sqlite3_bind_int64 (stmt, 3, to_ms);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 time_ms = sqlite3_column_int64 (stmt, 0);
      BdHistoryBucket *bucket;
      guint index = bucket_index (data, time_ms);

      bucket = &data->buckets[index];
      if (raw)
        {
          double v = sqlite3_column_double (stmt, 1);

          fold (bucket, &sums[index], 1, v, v, v, v, v);
        }
      else
        fold (bucket, &sums[index],
              sqlite3_column_int64 (stmt, 1),
              sqlite3_column_double (stmt, 2),
              sqlite3_column_double (stmt, 3),
              sqlite3_column_double (stmt, 4),
              sqlite3_column_double (stmt, 5),
              sqlite3_column_double (stmt, 6));

      if (++rows % CANCEL_ROWS == 0 && g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          sqlite3_reset (stmt);
          return FALSE;
        }
    }
  return done_and_reset (self, db, stmt, rc, error);
}

static gboolean
fill_buckets (BdHistory           *self,
              sqlite3             *db,
              StmtCache           *cache,
              gint64               series_id,
              BdHistorySeriesData *data,
              gboolean             fall_back,
              GCancellable        *cancellable,
              GError             **error)
{
  g_autofree double *sums = g_new0 (double, data->n_buckets);
  BdHistoryLevel levels[3] = { data->level };
  gint64 ends[3] = { data->to_ms };
  guint n_levels = 1;
  gint64 bound = data->to_ms;   /* where the finer levels' data begins */

  /* With fall_back (AUTO), the part of the range that retention already
   * removed from a level is read from the next coarser one, using only the
   * coarser rows that end before the finer data starts (no double count):
   * a week's chart still draws after raw data older than a day expired. */
  while (fall_back && levels[n_levels - 1] != BD_HISTORY_LEVEL_HOUR)
    {
      BdHistoryLevel finer = levels[n_levels - 1];
      BdHistoryLevel coarser = finer == BD_HISTORY_LEVEL_RAW ? BD_HISTORY_LEVEL_MINUTE
                                                             : BD_HISTORY_LEVEL_HOUR;
      gint64 horizon = G_MAXINT64;
      gint64 end;

      if (!level_horizon (self, db, cache, series_id, finer, &horizon, error))
        return FALSE;
      bound = MIN (bound, horizon);
      if (bound <= data->from_ms)
        break;
      /* coarser rows starting before `end` end at or before `bound` */
      end = bound - level_width (coarser) + 1;
      if (end <= _bd_bucket_start (data->from_ms, level_width (coarser)))
        break;
      levels[n_levels] = coarser;
      ends[n_levels] = end;
      n_levels++;
    }

  /* Oldest data first, so that the fold sees rows in time order. */
  for (guint i = n_levels; i > 0; i--)
    if (!fill_level (self, db, cache, series_id, data, levels[i - 1], data->from_ms,
                     ends[i - 1], sums, cancellable, error))
      return FALSE;

  for (guint i = 0; i < data->n_buckets; i++)
    {
      BdHistoryBucket *bucket = &data->buckets[i];

      if (bucket->count > 0)
        bucket->avg = sums[i] / (double) bucket->count;
    }
  return TRUE;
}

static gboolean
check_series_range (gint64    from_ms,
                    gint64    to_ms,
                    guint     n_buckets,
                    GError  **error)
{
  if (to_ms <= from_ms || n_buckets == 0 || n_buckets > MAX_BUCKETS)
    {
      g_set_error (error, BD_STORAGE_ERROR, BD_STORAGE_ERROR_INVALID,
                   _("History query: the range must not be empty and the buckets must "
                     "number 1 to %d"), MAX_BUCKETS);
      return FALSE;
    }
  return TRUE;
}

static BdHistorySeriesData *
series_data_new (gint64          from_ms,
                 gint64          to_ms,
                 guint           n_buckets,
                 BdHistoryLevel  level)
{
  BdHistorySeriesData *data = g_new0 (BdHistorySeriesData, 1);

  data->from_ms = from_ms;
  data->to_ms = to_ms;
  data->n_buckets = n_buckets;
  data->level = level == BD_HISTORY_LEVEL_AUTO ? choose_level (from_ms, to_ms, n_buckets) : level;
  data->buckets = g_new0 (BdHistoryBucket, n_buckets);
  for (guint i = 0; i < n_buckets; i++)
    {
      BdHistoryBucket *bucket = &data->buckets[i];

      bucket->start_ms = bucket_start (data, i);
      bucket->min = bucket->max = bucket->avg = bucket->first = bucket->last = NAN;
    }
  return data;
}

/* Every series of @names on one connection, in one read transaction: one
 * snapshot of the database for all of them, each statement prepared once. */
static GPtrArray *
query_series_batch (BdHistory          *self,
                    const char * const *names,
                    gint64              from_ms,
                    gint64              to_ms,
                    guint               n_buckets,
                    BdHistoryLevel      level,
                    GCancellable       *cancellable,
                    GError            **error)
{
  g_autoptr(GPtrArray) results = NULL;
  StmtCache cache = { { NULL } };
  GError *local_error = NULL;
  gboolean in_transaction = FALSE;
  gboolean ok = TRUE;
  gboolean sound;
  sqlite3 *db;
  int rc;

  if (!check_series_range (from_ms, to_ms, n_buckets, error))
    return NULL;
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;

  db = acquire (self, error);
  if (db == NULL)
    return NULL;

  results = g_ptr_array_new_with_free_func ((GDestroyNotify) bd_history_series_data_free);
  rc = sqlite3_exec (db, "BEGIN", NULL, NULL, NULL);
  if (rc != SQLITE_OK)
    {
      _bd_storage_set_error (&local_error, db, rc, self->path, _("cannot read"));
      ok = FALSE;
    }
  else
    in_transaction = TRUE;

  for (guint i = 0; ok && names[i] != NULL; i++)
    {
      BdHistorySeriesData *data = series_data_new (from_ms, to_ms, n_buckets, level);
      gint64 series_id = 0;

      g_ptr_array_add (results, data);
      ok = find_series (self, db, &cache, names[i], &series_id, &local_error);
      if (ok && series_id != 0)
        ok = fill_buckets (self, db, &cache, series_id, data, level == BD_HISTORY_LEVEL_AUTO,
                           cancellable, &local_error);
      if (ok && g_cancellable_set_error_if_cancelled (cancellable, &local_error))
        ok = FALSE;
    }

  stmt_cache_clear (&cache);
  /* A read transaction: ending it changes nothing, and lets the
   * checkpointer move past this snapshot. A connection that cannot end
   * it is not reused. */
  sound = ok || g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  if (in_transaction && (rc = sqlite3_exec (db, ok ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL)) != SQLITE_OK)
    {
      if (ok)
        _bd_storage_set_error (&local_error, db, rc, self->path, _("cannot read"));
      ok = sound = FALSE;
    }
  release (self, db, sound);

  if (!ok)
    {
      g_propagate_error (error, local_error);
      return NULL;
    }
  return g_steal_pointer (&results);
}

BdHistorySeriesData *
bd_history_query_series (BdHistory       *self,
                         const char      *series,
                         gint64           from_ms,
                         gint64           to_ms,
                         guint            n_buckets,
                         BdHistoryLevel   level,
                         GCancellable    *cancellable,
                         GError         **error)
{
  const char *names[] = { series, NULL };
  g_autoptr(GPtrArray) results = NULL;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (series != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  results = query_series_batch (self, names, from_ms, to_ms, n_buckets, level,
                                cancellable, error);
  if (results == NULL)
    return NULL;
  return g_ptr_array_steal_index (results, 0);
}

GPtrArray *
bd_history_query_series_batch (BdHistory          *self,
                               const char * const *series,
                               gint64              from_ms,
                               gint64              to_ms,
                               guint               n_buckets,
                               BdHistoryLevel      level,
                               GCancellable       *cancellable,
                               GError            **error)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (series != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return query_series_batch (self, series, from_ms, to_ms, n_buckets, level,
                             cancellable, error);
}

/* -------------------------------------------------------------------------- */
/* messages, topics, series                                                   */

void
bd_history_message_free (BdHistoryMessage *message)
{
  if (message == NULL)
    return;
  g_bytes_unref (message->payload);
  g_free (message);
}

static GBytes *
column_bytes (sqlite3_stmt *stmt,
              int           column)
{
  const void *blob = sqlite3_column_blob (stmt, column);
  int len = sqlite3_column_bytes (stmt, column);

  return g_bytes_new (blob, len > 0 ? (gsize) len : 0);
}

typedef gpointer (*RowFunc) (sqlite3_stmt *stmt);

/* The list queries: @sql with ?1 bound to @text (left NULL when @text is NULL)
 * and ?2 to @number when the statement has a ?2, one item per row made by
 * @row_func and freed by @free_func. */
static GPtrArray *
query_rows (BdHistory      *self,
            const char     *sql,
            const char     *text,
            gint64          number,
            RowFunc         row_func,
            GDestroyNotify  free_func,
            GCancellable   *cancellable,
            GError        **error)
{
  g_autoptr(GPtrArray) items = NULL;
  g_auto(sqlite3_stmt_ptr) stmt = NULL;
  GError *local_error = NULL;
  sqlite3 *db;
  gboolean ok = FALSE;
  guint rows = 0;
  int rc;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  db = acquire (self, error);
  if (db == NULL)
    return NULL;

  items = g_ptr_array_new_with_free_func (free_func);
  stmt = prepare (self, db, sql, &local_error);
  if (stmt != NULL)
    {
      if (text != NULL)
        sqlite3_bind_text (stmt, 1, text, -1, SQLITE_STATIC);
      if (sqlite3_bind_parameter_count (stmt) >= 2)
        sqlite3_bind_int64 (stmt, 2, number);
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          g_ptr_array_add (items, row_func (stmt));
          if (++rows % CANCEL_ROWS == 0 && g_cancellable_is_cancelled (cancellable))
            break;
        }
      if (!g_cancellable_set_error_if_cancelled (cancellable, &local_error))
        ok = check_done (self, db, rc, &local_error);
    }
  g_clear_pointer (&stmt, sqlite3_finalize);
  /* A cancelled read leaves the connection sound: keep it. */
  release (self, db, ok || g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
  if (!ok)
    {
      g_propagate_error (error, local_error);
      return NULL;
    }
  return g_steal_pointer (&items);
}

static gpointer
message_from_row (sqlite3_stmt *stmt)
{
  BdHistoryMessage *message = g_new0 (BdHistoryMessage, 1);

  message->time_ms = sqlite3_column_int64 (stmt, 0);
  message->payload = column_bytes (stmt, 1);
  message->qos = (guint8) sqlite3_column_int (stmt, 2);
  message->retain = sqlite3_column_int (stmt, 3) != 0;
  return message;
}

GPtrArray *
bd_history_query_messages (BdHistory    *self,
                           const char   *topic,
                           guint         limit,
                           GCancellable *cancellable,
                           GError      **error)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (topic != NULL, NULL);

  /* (topic_id, time) index read backwards; the rowid breaks time ties in
   * insertion order. */
  return query_rows (self,
                     "SELECT m.time, m.payload, m.qos, m.retain FROM messages m"
                     " WHERE m.topic_id = (SELECT id FROM topics WHERE name = ?1)"
                     " ORDER BY m.time DESC, m.id DESC LIMIT ?2",
                     topic, limit, message_from_row,
                     (GDestroyNotify) bd_history_message_free, cancellable, error);
}

void
bd_history_topic_free (BdHistoryTopic *topic)
{
  if (topic == NULL)
    return;
  g_free (topic->topic);
  g_clear_pointer (&topic->last_payload, g_bytes_unref);
  g_free (topic);
}

static gpointer
topic_from_row (sqlite3_stmt *stmt)
{
  BdHistoryTopic *topic = g_new0 (BdHistoryTopic, 1);

  topic->topic = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  topic->last_time_ms = sqlite3_column_int64 (stmt, 1);
  topic->last_payload = column_bytes (stmt, 2);
  topic->has_last_value = sqlite3_column_type (stmt, 3) != SQLITE_NULL;
  topic->last_value = topic->has_last_value ? sqlite3_column_double (stmt, 3) : NAN;
  topic->message_count = (guint64) sqlite3_column_int64 (stmt, 4);
  return topic;
}

GPtrArray *
bd_history_list_topics (BdHistory    *self,
                        GCancellable *cancellable,
                        GError      **error)
{
  g_return_val_if_fail (self != NULL, NULL);

  return query_rows (self,
                     "SELECT name, last_time, last_payload, last_value, message_count"
                     " FROM topics ORDER BY name",
                     NULL, 0, topic_from_row,
                     (GDestroyNotify) bd_history_topic_free, cancellable, error);
}

void
bd_history_series_free (BdHistorySeries *series)
{
  if (series == NULL)
    return;
  g_free (series->name);
  g_free (series->topic);
  g_free (series->field);
  g_free (series);
}

static gpointer
series_from_row (sqlite3_stmt *stmt)
{
  BdHistorySeries *series = g_new0 (BdHistorySeries, 1);

  series->topic = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  series->field = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
  series->name = series->field[0] != '\0'
    ? g_strconcat (series->topic, "#", series->field, NULL)
    : g_strdup (series->topic);
  return series;
}

GPtrArray *
bd_history_list_series (BdHistory    *self,
                        const char   *topic,
                        GCancellable *cancellable,
                        GError      **error)
{
  g_return_val_if_fail (self != NULL, NULL);

  return query_rows (self,
                     "SELECT t.name, s.field FROM series s JOIN topics t ON t.id = s.topic_id"
                     " WHERE ?1 IS NULL OR t.name = ?1 ORDER BY t.name, s.field",
                     topic, 0, series_from_row,
                     (GDestroyNotify) bd_history_series_free, cancellable, error);
}

/* -------------------------------------------------------------------------- */
/* async: each query runs in a GTask thread with its own connection           */

typedef enum
{
  QUERY_SERIES,
  QUERY_MESSAGES,
  QUERY_TOPICS,
  QUERY_SERIES_LIST,
  QUERY_SERIES_BATCH,
} QueryKind;

typedef struct
{
  BdHistory      *history;
  QueryKind       kind;
  char           *name;
  char          **names;
  gint64          from_ms;
  gint64          to_ms;
  guint           n;
  BdHistoryLevel  level;
} Query;

static Query *
query_new (QueryKind   kind,
           const char *name,
           guint       n)
{
  Query *query = g_new0 (Query, 1);

  query->kind = kind;
  query->name = g_strdup (name);
  query->n = n;
  return query;
}

static void
query_free (gpointer data)
{
  Query *query = data;

  bd_history_unref (query->history);
  g_free (query->name);
  g_strfreev (query->names);
  g_free (query);
}

static void
query_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  Query *query = task_data;
  GError *error = NULL;
  gpointer result = NULL;
  GDestroyNotify free_func = (GDestroyNotify) g_ptr_array_unref;

  switch (query->kind)
    {
    case QUERY_SERIES:
      result = bd_history_query_series (query->history, query->name, query->from_ms,
                                        query->to_ms, query->n, query->level,
                                        cancellable, &error);
      free_func = (GDestroyNotify) bd_history_series_data_free;
      break;
    case QUERY_MESSAGES:
      result = bd_history_query_messages (query->history, query->name, query->n,
                                          cancellable, &error);
      break;
    case QUERY_TOPICS:
      result = bd_history_list_topics (query->history, cancellable, &error);
      break;
    case QUERY_SERIES_LIST:
      result = bd_history_list_series (query->history, query->name, cancellable, &error);
      break;
    case QUERY_SERIES_BATCH:
      result = bd_history_query_series_batch (query->history, (const char * const *) query->names,
                                              query->from_ms, query->to_ms, query->n,
                                              query->level, cancellable, &error);
      break;
    default:
      g_assert_not_reached ();
    }

  if (result == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, result, free_func);
}

static void
run_query (BdHistory           *self,
           Query               *query,
           gpointer             tag,
           GCancellable        *cancellable,
           GAsyncReadyCallback  callback,
           gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  query->history = bd_history_ref (self);
  g_task_set_source_tag (task, tag);
  g_task_set_task_data (task, query, query_free);
  g_task_run_in_thread (task, query_thread);
}

static gpointer
finish_query (GAsyncResult *result,
              gpointer      tag,
              GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tag, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* A series query (one series or a batch) over [from_ms, to_ms). */
static Query *
series_query_new (QueryKind            kind,
                  const char          *name,
                  const char * const  *names,
                  gint64               from_ms,
                  gint64               to_ms,
                  guint                n_buckets,
                  BdHistoryLevel       level)
{
  Query *query = query_new (kind, name, n_buckets);

  query->names = g_strdupv ((char **) names);
  query->from_ms = from_ms;
  query->to_ms = to_ms;
  query->level = level;
  return query;
}

void
bd_history_query_series_async (BdHistory           *self,
                               const char          *series,
                               gint64               from_ms,
                               gint64               to_ms,
                               guint                n_buckets,
                               BdHistoryLevel       level,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (series != NULL);

  run_query (self, series_query_new (QUERY_SERIES, series, NULL, from_ms, to_ms, n_buckets, level),
             bd_history_query_series_async, cancellable, callback, user_data);
}

BdHistorySeriesData *
bd_history_query_series_finish (GAsyncResult *result,
                                GError      **error)
{
  return finish_query (result, bd_history_query_series_async, error);
}

void
bd_history_query_series_batch_async (BdHistory           *self,
                                     const char * const  *series,
                                     gint64               from_ms,
                                     gint64               to_ms,
                                     guint                n_buckets,
                                     BdHistoryLevel       level,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (series != NULL);

  run_query (self, series_query_new (QUERY_SERIES_BATCH, NULL, series, from_ms, to_ms, n_buckets,
                                     level),
             bd_history_query_series_batch_async, cancellable, callback, user_data);
}

GPtrArray *
bd_history_query_series_batch_finish (GAsyncResult *result,
                                      GError      **error)
{
  return finish_query (result, bd_history_query_series_batch_async, error);
}

void
bd_history_query_messages_async (BdHistory           *self,
                                 const char          *topic,
                                 guint                limit,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (topic != NULL);

  run_query (self, query_new (QUERY_MESSAGES, topic, limit),
             bd_history_query_messages_async, cancellable, callback, user_data);
}

GPtrArray *
bd_history_query_messages_finish (GAsyncResult *result,
                                  GError      **error)
{
  return finish_query (result, bd_history_query_messages_async, error);
}

void
bd_history_list_topics_async (BdHistory           *self,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_return_if_fail (self != NULL);

  run_query (self, query_new (QUERY_TOPICS, NULL, 0),
             bd_history_list_topics_async, cancellable, callback, user_data);
}

GPtrArray *
bd_history_list_topics_finish (GAsyncResult *result,
                               GError      **error)
{
  return finish_query (result, bd_history_list_topics_async, error);
}

void
bd_history_list_series_async (BdHistory           *self,
                              const char          *topic,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_return_if_fail (self != NULL);

  run_query (self, query_new (QUERY_SERIES_LIST, topic, 0),
             bd_history_list_series_async, cancellable, callback, user_data);
}

GPtrArray *
bd_history_list_series_finish (GAsyncResult *result,
                               GError      **error)
{
  return finish_query (result, bd_history_list_series_async, error);
}
