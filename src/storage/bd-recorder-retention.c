/* bd-recorder-retention.c — the recorder's retention, by age and by size
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Writer thread only, in small transactions between batches (the rules are
 * described in bd-recorder.c).
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

gboolean
_bd_recorder_retention_enabled (BdRecorder *self)
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

gboolean
_bd_recorder_retention_begin (BdRecorder *self,
                              GError    **error)
{
  sqlite3_stmt *stmt = NULL;
  gint64 now = _bd_recorder_now_ms (self);
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
          _bd_recorder_db_set_error (self, error, rc, _("cannot apply retention"));
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
      _bd_recorder_db_set_error (self, error, rc, _("cannot apply retention"));
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
      _bd_recorder_db_set_error (self, error, rc, _("cannot apply retention"));
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
          rc = _bd_recorder_db_step_done (del);
          if (rc != SQLITE_OK)
            {
              _bd_recorder_db_set_error (self, error, rc, _("cannot apply retention"));
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
          rc = _bd_recorder_db_step_done (dec);
          if (rc != SQLITE_OK)
            {
              _bd_recorder_db_set_error (self, error, rc, _("cannot apply retention"));
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
      rc = _bd_recorder_db_step_done (stmt);
      if (rc != SQLITE_OK)
        {
          _bd_recorder_db_set_error (self, error, rc, _("cannot apply retention"));
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
      _bd_recorder_db_set_error (self, error, sqlite3_errcode (self->db), _("cannot apply retention"));
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
          rc = _bd_recorder_db_step_done (stmt);
          if (rc != SQLITE_OK)
            {
              _bd_recorder_db_set_error (self, error, rc, _("cannot apply retention"));
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
          _bd_recorder_db_set_error (self, error, rc, _("cannot apply retention"));
          return FALSE;
        }
      if (free_pages > VACUUM_PAGES_STEP)
        return TRUE;
    }

  self->size_phase = FALSE;
  return TRUE;
}

/* One small transaction of retention work. */
gboolean
_bd_recorder_retention_step (BdRecorder *self,
                             GError    **error)
{
  guint budget = RETENTION_CHUNK;
  guint topics = 0;
  int rc;

  g_assert (!self->in_batch);

  rc = _bd_recorder_db_step_done (self->stmts[STMT_BEGIN]);
  if (rc != SQLITE_OK)
    {
      _bd_recorder_db_set_error (self, error, rc, _("cannot apply retention"));
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

  rc = _bd_recorder_db_step_done (self->stmts[STMT_COMMIT]);
  if (rc != SQLITE_OK)
    {
      _bd_recorder_db_set_error (self, error, rc, _("cannot apply retention"));
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

gboolean
_bd_recorder_retention_run_all (BdRecorder *self,
                                GError    **error)
{
  if (!_bd_recorder_retention_enabled (self))
    return TRUE;
  if (!_bd_recorder_retention_begin (self, error))
    return FALSE;
  while (self->pass_active)
    if (!_bd_recorder_retention_step (self, error))
      return FALSE;
  self->next_pass = g_get_monotonic_time () + RETENTION_INTERVAL_US;
  return TRUE;
}
