/* bd-journal.c — the event journal: alarm transitions, relay commands, ...
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Threads: callers push copies of entries (and flush markers) into an
 * unbounded-in-type, capped-in-practice GAsyncQueue; the writer thread pops
 * one, drains whatever else is queued (up to BATCH_MAX), and commits them in
 * one transaction, so a burst of transitions costs one fsync, not one each.
 */

#include "config.h"

#include <errno.h>
#include <math.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "bd-journal.h"
#include "bd-storage-error.h"
#include "bd-storage-private.h"

#define BATCH_MAX 512
/* Beyond this many queued entries the writer is hopelessly behind (a stuck
 * disk); dropping is better than growing without bound. */
#define QUEUE_MAX 100000
/* Retention: an alarm that chatters once a second writes 31 million rows a
 * year; a control-room PC must not fill its disk with them. Ages count back
 * from the newest entry, not the clock, so a clock set wrong once does not
 * empty the journal. */
#define DEFAULT_MAX_AGE_S (366 * 24 * 3600)
#define DEFAULT_MAX_ENTRIES 1000000

G_DEFINE_BOXED_TYPE (BdJournalEntry, bd_journal_entry, bd_journal_entry_copy, bd_journal_entry_free)

typedef enum
{
  ITEM_ENTRY,
  ITEM_FLUSH,
  ITEM_STOP,
} ItemKind;

typedef struct
{
  ItemKind        kind;
  BdJournalEntry *entry;
  GTask          *task;
} Item;

struct _BdJournal
{
  gatomicrefcount  ref_count;
  char            *path;
  GAsyncQueue     *queue;
  GThread         *thread;
  /* Set by the writer thread when the file is unusable; read by anyone. */
  GMutex           mutex;
  char            *error_message;
  guint            dropped;
  gint64           max_age_s;     /* under mutex; 0 = no limit */
  gint64           max_entries;   /* under mutex; 0 = no limit */
};

BdJournalEntry *
bd_journal_entry_new (void)
{
  BdJournalEntry *entry = g_new0 (BdJournalEntry, 1);

  entry->kind = g_strdup ("");
  entry->value = NAN;
  return entry;
}

BdJournalEntry *
bd_journal_entry_copy (const BdJournalEntry *entry)
{
  BdJournalEntry *copy = g_new0 (BdJournalEntry, 1);

  copy->time_us = entry->time_us;
  copy->kind = g_strdup (entry->kind != NULL ? entry->kind : "");
  copy->source_id = g_strdup (entry->source_id);
  copy->topic = g_strdup (entry->topic);
  copy->level = g_strdup (entry->level);
  copy->from_state = g_strdup (entry->from_state);
  copy->to_state = g_strdup (entry->to_state);
  copy->value = entry->value;
  copy->text = g_strdup (entry->text);
  return copy;
}

void
bd_journal_entry_free (BdJournalEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->kind);
  g_free (entry->source_id);
  g_free (entry->topic);
  g_free (entry->level);
  g_free (entry->from_state);
  g_free (entry->to_state);
  g_free (entry->text);
  g_free (entry);
}

static void
item_free (Item *item)
{
  bd_journal_entry_free (item->entry);
  g_clear_object (&item->task);
  g_free (item);
}

static const char schema_sql[] =
  "CREATE TABLE IF NOT EXISTS journal ("
  "  id INTEGER PRIMARY KEY,"
  "  time_us INTEGER NOT NULL,"
  "  kind TEXT NOT NULL,"
  "  source_id TEXT,"
  "  topic TEXT,"
  "  level TEXT,"
  "  from_state TEXT,"
  "  to_state TEXT,"
  "  value REAL,"
  "  text TEXT);"
  "CREATE INDEX IF NOT EXISTS journal_kind_time ON journal (kind, time_us);"
  "CREATE INDEX IF NOT EXISTS journal_time ON journal (time_us);";

static void
set_failed (BdJournal  *journal,
            const char *reason)
{
  gboolean first;

  g_mutex_lock (&journal->mutex);
  first = journal->error_message == NULL;
  if (first)
    journal->error_message = g_strdup_printf (_("The journal %s cannot be written: %s"),
                                              journal->path, reason);
  g_mutex_unlock (&journal->mutex);

  /* Once, not per entry; alarms keep working without their journal. */
  if (first)
    g_warning ("%s; alarm and relay events are not journaled", journal->error_message);
}

static void
fail_task (BdJournal *journal,
           GTask     *task)
{
  g_mutex_lock (&journal->mutex);
  g_task_return_new_error (task, BD_STORAGE_ERROR, BD_STORAGE_ERROR_FAILED, "%s",
                           journal->error_message);
  g_mutex_unlock (&journal->mutex);
}

static sqlite3 *
open_writer (BdJournal *journal)
{
  g_autofree char *dir = g_path_get_dirname (journal->path);
  sqlite3 *db = NULL;
  char *errmsg = NULL;
  int rc;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      set_failed (journal, g_strerror (errno));
      return NULL;
    }

  rc = sqlite3_open_v2 (journal->path, &db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK)
    {
      set_failed (journal, db != NULL ? sqlite3_errmsg (db) : sqlite3_errstr (rc));
      sqlite3_close (db);
      return NULL;
    }
  sqlite3_busy_timeout (db, 5000);
  /* WAL: readers (the Alarms page's queries) never wait for the writer.
   * A damaged file fails here or at the schema with SQLITE_NOTADB. */
  if (sqlite3_exec (db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", NULL, NULL,
                    &errmsg) != SQLITE_OK ||
      sqlite3_exec (db, schema_sql, NULL, NULL, &errmsg) != SQLITE_OK)
    {
      set_failed (journal, errmsg != NULL ? errmsg : sqlite3_errmsg (db));
      sqlite3_free (errmsg);
      sqlite3_close (db);
      return NULL;
    }
  return db;
}

static void
bind_text (sqlite3_stmt *stmt,
           int           index,
           const char   *text)
{
  if (text != NULL)
    sqlite3_bind_text (stmt, index, text, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (stmt, index);
}

/* In the batch's transaction: both deletes walk an index, so a journal
 * within its limits costs two lookups per batch. */
static gboolean
prune (BdJournal *journal,
       sqlite3   *db)
{
  gint64 max_age_s;
  gint64 max_entries;
  g_autofree char *sql = NULL;

  g_mutex_lock (&journal->mutex);
  max_age_s = journal->max_age_s;
  max_entries = journal->max_entries;
  g_mutex_unlock (&journal->mutex);

  sql = g_strdup_printf ("DELETE FROM journal WHERE %" G_GINT64_FORMAT " > 0 AND time_us < "
                         "(SELECT max(time_us) FROM journal) - %" G_GINT64_FORMAT ";"
                         "DELETE FROM journal WHERE %" G_GINT64_FORMAT " > 0 AND id <= "
                         "(SELECT max(id) FROM journal) - %" G_GINT64_FORMAT ";",
                         max_age_s, max_age_s * G_USEC_PER_SEC, max_entries, max_entries);
  if (sqlite3_exec (db, sql, NULL, NULL, NULL) != SQLITE_OK)
    {
      set_failed (journal, sqlite3_errmsg (db));
      return FALSE;
    }
  return TRUE;
}

static gboolean
write_batch (BdJournal    *journal,
             sqlite3      *db,
             sqlite3_stmt *insert,
             GPtrArray    *items)
{
  gboolean ok = TRUE;

  if (sqlite3_exec (db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
    {
      set_failed (journal, sqlite3_errmsg (db));
      return FALSE;
    }
  for (guint i = 0; i < items->len && ok; i++)
    {
      Item *item = g_ptr_array_index (items, i);
      const BdJournalEntry *e = item->entry;

      if (item->kind != ITEM_ENTRY)
        continue;
      sqlite3_reset (insert);
      sqlite3_bind_int64 (insert, 1, e->time_us);
      bind_text (insert, 2, e->kind != NULL ? e->kind : "");
      bind_text (insert, 3, e->source_id);
      bind_text (insert, 4, e->topic);
      bind_text (insert, 5, e->level);
      bind_text (insert, 6, e->from_state);
      bind_text (insert, 7, e->to_state);
      if (isnan (e->value))
        sqlite3_bind_null (insert, 8);
      else
        sqlite3_bind_double (insert, 8, e->value);
      bind_text (insert, 9, e->text);
      if (sqlite3_step (insert) != SQLITE_DONE)
        {
          set_failed (journal, sqlite3_errmsg (db));
          ok = FALSE;
        }
    }
  if (ok)
    ok = prune (journal, db);
  if (!ok || sqlite3_exec (db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
    {
      if (ok)
        set_failed (journal, sqlite3_errmsg (db));
      sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
      return FALSE;
    }
  return TRUE;
}

static gpointer
writer_thread (gpointer data)
{
  BdJournal *journal = data;
  sqlite3 *db = open_writer (journal);
  sqlite3_stmt *insert = NULL;
  gboolean running = TRUE;

  if (db != NULL &&
      sqlite3_prepare_v2 (db,
                          "INSERT INTO journal (time_us, kind, source_id, topic, level, "
                          "from_state, to_state, value, text) VALUES (?,?,?,?,?,?,?,?,?)",
                          -1, &insert, NULL) != SQLITE_OK)
    {
      set_failed (journal, sqlite3_errmsg (db));
      g_clear_pointer (&db, sqlite3_close);
    }

  while (running)
    {
      g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func ((GDestroyNotify) item_free);
      gboolean ok = db != NULL;
      Item *item = g_async_queue_pop (journal->queue);

      g_ptr_array_add (items, item);
      while (items->len < BATCH_MAX && (item = g_async_queue_try_pop (journal->queue)) != NULL)
        g_ptr_array_add (items, item);

      if (ok)
        ok = write_batch (journal, db, insert, items);

      for (guint i = 0; i < items->len; i++)
        {
          item = g_ptr_array_index (items, i);
          if (item->kind == ITEM_FLUSH)
            {
              if (ok)
                g_task_return_boolean (item->task, TRUE);
              else
                fail_task (journal, item->task);
            }
          else if (item->kind == ITEM_STOP)
            running = FALSE;
        }
    }

  sqlite3_finalize (insert);
  if (db != NULL)
    sqlite3_close (db);
  return NULL;
}

BdJournal *
bd_journal_new (const char *path)
{
  BdJournal *journal;

  g_return_val_if_fail (path != NULL, NULL);

  journal = g_new0 (BdJournal, 1);
  g_atomic_ref_count_init (&journal->ref_count);
  journal->path = g_strdup (path);
  journal->queue = g_async_queue_new ();
  g_mutex_init (&journal->mutex);
  journal->max_age_s = DEFAULT_MAX_AGE_S;
  journal->max_entries = DEFAULT_MAX_ENTRIES;
  journal->thread = g_thread_new ("bd-journal", writer_thread, journal);
  return journal;
}

G_DEFINE_BOXED_TYPE (BdJournal, bd_journal, bd_journal_ref, bd_journal_unref)

BdJournal *
bd_journal_ref (BdJournal *journal)
{
  g_return_val_if_fail (journal != NULL, NULL);
  g_atomic_ref_count_inc (&journal->ref_count);
  return journal;
}

void
bd_journal_unref (BdJournal *journal)
{
  Item *stop;

  g_return_if_fail (journal != NULL);
  if (!g_atomic_ref_count_dec (&journal->ref_count))
    return;

  stop = g_new0 (Item, 1);
  stop->kind = ITEM_STOP;
  g_async_queue_push (journal->queue, stop);
  g_thread_join (journal->thread);

  g_async_queue_unref (journal->queue);
  g_mutex_clear (&journal->mutex);
  g_free (journal->error_message);
  g_free (journal->path);
  g_free (journal);
}

void
bd_journal_set_retention (BdJournal *journal,
                          gint64     max_age_s,
                          gint64     max_entries)
{
  g_return_if_fail (journal != NULL);
  g_return_if_fail (max_age_s >= 0 && max_entries >= 0);

  g_mutex_lock (&journal->mutex);
  journal->max_age_s = max_age_s;
  journal->max_entries = max_entries;
  g_mutex_unlock (&journal->mutex);
}

const char *
bd_journal_get_path (BdJournal *journal)
{
  g_return_val_if_fail (journal != NULL, NULL);
  return journal->path;
}

void
bd_journal_append (BdJournal            *journal,
                   const BdJournalEntry *entry)
{
  Item *item;

  g_return_if_fail (journal != NULL);
  g_return_if_fail (entry != NULL);

  if (g_async_queue_length (journal->queue) > QUEUE_MAX)
    {
      g_mutex_lock (&journal->mutex);
      if (journal->dropped++ == 0)
        g_warning ("The journal %s is too far behind; dropping entries", journal->path);
      g_mutex_unlock (&journal->mutex);
      return;
    }

  item = g_new0 (Item, 1);
  item->kind = ITEM_ENTRY;
  item->entry = bd_journal_entry_copy (entry);
  if (item->entry->time_us == 0)
    item->entry->time_us = g_get_real_time ();
  g_async_queue_push (journal->queue, item);
}

void
bd_journal_flush_async (BdJournal           *journal,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Item *item;

  g_return_if_fail (journal != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, bd_journal_flush_async);
  item = g_new0 (Item, 1);
  item->kind = ITEM_FLUSH;
  item->task = g_steal_pointer (&task);
  g_async_queue_push (journal->queue, item);
}

gboolean
bd_journal_flush_finish (BdJournal     *journal,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

typedef struct
{
  char  *path;
  char  *kind;
  guint  limit;
} QueryData;

static void
query_data_free (QueryData *data)
{
  g_free (data->path);
  g_free (data->kind);
  g_free (data);
}

static char *
dup_column (sqlite3_stmt *stmt,
            int           column)
{
  const char *text = (const char *) sqlite3_column_text (stmt, column);

  return g_strdup (text);
}

static void
query_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  QueryData *data = task_data;
  g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func ((GDestroyNotify) bd_journal_entry_free);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (!g_file_test (data->path, G_FILE_TEST_EXISTS))
    {
      g_task_return_pointer (task, g_steal_pointer (&entries), (GDestroyNotify) g_ptr_array_unref);
      return;
    }

  rc = sqlite3_open_v2 (data->path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_busy_timeout (db, 5000);
      /* The writer may have created the file but not its table yet: that is
       * an empty journal, not an error. A damaged file fails here. */
      rc = sqlite3_prepare_v2 (db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND "
                                   "name = 'journal'", -1, &stmt, NULL);
      if (rc == SQLITE_OK)
        {
          rc = sqlite3_step (stmt);
          g_clear_pointer (&stmt, sqlite3_finalize);
          if (rc == SQLITE_DONE)
            {
              sqlite3_close (db);
              g_task_return_pointer (task, g_steal_pointer (&entries),
                                     (GDestroyNotify) g_ptr_array_unref);
              return;
            }
          rc = rc == SQLITE_ROW ? SQLITE_OK : rc;
        }
    }
  if (rc == SQLITE_OK)
    {
      rc = sqlite3_prepare_v2 (db,
                               "SELECT time_us, kind, source_id, topic, level, from_state, "
                               "to_state, value, text FROM journal "
                               "WHERE (?1 IS NULL OR kind = ?1) "
                               "ORDER BY time_us DESC, id DESC LIMIT ?2",
                               -1, &stmt, NULL);
    }
  if (rc == SQLITE_OK)
    {
      bind_text (stmt, 1, data->kind);
      sqlite3_bind_int (stmt, 2, data->limit);
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          BdJournalEntry *e = g_new0 (BdJournalEntry, 1);

          e->time_us = sqlite3_column_int64 (stmt, 0);
          e->kind = dup_column (stmt, 1);
          e->source_id = dup_column (stmt, 2);
          e->topic = dup_column (stmt, 3);
          e->level = dup_column (stmt, 4);
          e->from_state = dup_column (stmt, 5);
          e->to_state = dup_column (stmt, 6);
          e->value = sqlite3_column_type (stmt, 7) == SQLITE_NULL ? NAN :
                     sqlite3_column_double (stmt, 7);
          e->text = dup_column (stmt, 8);
          g_ptr_array_add (entries, e);
        }
      if (rc == SQLITE_DONE)
        rc = SQLITE_OK;
    }

  if (rc != SQLITE_OK)
    g_task_return_new_error (task, BD_STORAGE_ERROR, _bd_storage_error_code (rc),
                             _("The journal %s cannot be read: %s"), data->path,
                             db != NULL ? sqlite3_errmsg (db) : sqlite3_errstr (rc));
  else
    g_task_return_pointer (task, g_steal_pointer (&entries), (GDestroyNotify) g_ptr_array_unref);

  sqlite3_finalize (stmt);
  sqlite3_close (db);
}

void
bd_journal_query_async (BdJournal           *journal,
                        const char          *kind,
                        guint                limit,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  QueryData *data;

  g_return_if_fail (journal != NULL);

  data = g_new0 (QueryData, 1);
  data->path = g_strdup (journal->path);
  data->kind = g_strdup (kind);
  data->limit = limit > 0 ? limit : 100;

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, bd_journal_query_async);
  g_task_set_task_data (task, data, (GDestroyNotify) query_data_free);
  g_task_run_in_thread (task, query_thread);
}

GPtrArray *
bd_journal_query_finish (BdJournal     *journal,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
