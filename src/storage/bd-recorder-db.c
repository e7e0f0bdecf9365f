/* bd-recorder-db.c — the recorder's database connection and its checkpointer
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Writer thread only, except the checkpointer, which runs on its own thread
 * and connection. Every failure inside a batch or a retention step ends in
 * _bd_recorder_db_fail ().
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

/* -------------------------------------------------------------------------- */
/* the database (writer thread)                                               */

void
_bd_recorder_db_close (BdRecorder *self)
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

void
_bd_recorder_db_stop_checkpointer (BdRecorder *self)
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

gboolean
_bd_recorder_db_apply_max_pages (BdRecorder *self,
                                 GError    **error)
{
  g_autofree char *sql = NULL;

  /* 0 restores SQLite's default limit (a huge number). */
  sql = g_strdup_printf ("PRAGMA max_page_count = %" G_GINT64_FORMAT,
                         self->max_pages > 0 ? self->max_pages : G_GINT64_CONSTANT (4294967294));
  return _bd_storage_exec (self->db, self->path, sql, error);
}

gboolean
_bd_recorder_db_open (BdRecorder *self,
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

  if (self->max_pages > 0 && !_bd_recorder_db_apply_max_pages (self, error))
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
    /* OR FAIL: a failing row fails the whole batch anyway (see _bd_recorder_db_fail ()),
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
  _bd_recorder_db_close (self);
  return FALSE;
}

/* Runs a prepared statement that returns nothing (or ignores it). */
int
_bd_recorder_db_step_done (sqlite3_stmt *stmt)
{
  int rc = sqlite3_step (stmt);

  sqlite3_reset (stmt);
  return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

void
_bd_recorder_db_set_error (BdRecorder *self,
                           GError    **error,
                           int         rc,
                           const char *what)
{
  _bd_storage_set_error (error, self->db, rc, self->path, what);
  self->retryable = rc != SQLITE_CORRUPT && (rc & 0xff) != SQLITE_CORRUPT &&
                    (rc & 0xff) != SQLITE_NOTADB;
}

/* Every failure inside a batch or a retention step ends here. */
void
_bd_recorder_db_fail (BdRecorder *self,
                      GError     *error)   /* transfer full */
{
  if (self->db != NULL && !sqlite3_get_autocommit (self->db))
    sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
  if (self->batch_count > 0)
    atomic_fetch_add (&self->dropped, self->batch_count);
  _bd_recorder_db_close (self);
  self->next_retry = g_get_monotonic_time () + RETRY_INTERVAL_US;
  _bd_recorder_set_paused (self, error);
}
