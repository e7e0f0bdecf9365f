/* bd-storage.c — opening the history database, its schema and migrations
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The schema (version 1), one file history.db in the data directory:
 *
 *   topics    (id, name UNIQUE, last_time, last_payload, last_value, message_count)
 *             the dictionary of recorded topics plus what the topic list shows,
 *             updated once per topic per batch (not per message).
 *   series    (id, topic_id, field, UNIQUE (topic_id, field))
 *             field "" is the topic's plain payload, else a JSON member or path.
 *   messages  (id INTEGER PRIMARY KEY, time, topic_id, payload, qos, retain)
 *             every recorded message; id is the insertion order.
 *             (topic_id, time) serves "last K messages of a topic" and age
 *             retention; (time) serves export by time range.
 *   samples   (series_id, time, msg_id, value) WITHOUT ROWID, key
 *             (series_id, time, msg_id): a chart range is one contiguous run
 *             of the b-tree and the value is in the leaf, so the range scan is
 *             covering without a second index. msg_id keeps two samples of the
 *             same millisecond apart and ties a sample to its message.
 *   rollup_1m, rollup_1h (series_id, bucket, n, vsum, vmin, vmax, vfirst,
 *             tfirst, vlast, tlast) WITHOUT ROWID, key (series_id, bucket):
 *             per-bucket aggregates, upserted in the same transaction as the
 *             samples. avg = vsum / n; tfirst/tlast make the first/last values
 *             mergeable when samples arrive out of order.
 *
 * Times are milliseconds since the Unix epoch (UTC).
 *
 * Versioning: PRAGMA user_version. 0 is an empty file (a file with tables but
 * version 0 is somebody else's database and is refused); a version above
 * BD_HISTORY_SCHEMA_VERSION was written by a newer Brokerdesk and is refused.
 * Both refusals happen before anything is written, so the file is unchanged.
 */

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>

#include "bd-storage-private.h"

G_DEFINE_QUARK (bd-storage-error-quark, bd_storage_error)

static gsize sqlite_configured;

/* Both rollup levels have one table shape; the macro expands to the very
 * text each table was created with, so the shipped migration is unchanged. */
#define ROLLUP_TABLE(name)                                                    \
  "CREATE TABLE " name " ("                                                   \
  "  series_id INTEGER NOT NULL,"                                             \
  "  bucket INTEGER NOT NULL,"                                                \
  "  n INTEGER NOT NULL,"                                                     \
  "  vsum REAL NOT NULL,"                                                     \
  "  vmin REAL NOT NULL,"                                                     \
  "  vmax REAL NOT NULL,"                                                     \
  "  vfirst REAL NOT NULL,"                                                   \
  "  tfirst INTEGER NOT NULL,"                                                \
  "  vlast REAL NOT NULL,"                                                    \
  "  tlast INTEGER NOT NULL,"                                                 \
  "  PRIMARY KEY (series_id, bucket)"                                         \
  ") WITHOUT ROWID;"

/* Migration i takes the database from version i to version i + 1. Add new
 * ones at the end; never edit one that has shipped. */
static const char * const migrations[] = {
  /* 0 -> 1 */
  "CREATE TABLE topics ("
  "  id INTEGER PRIMARY KEY,"
  "  name TEXT NOT NULL UNIQUE,"
  "  last_time INTEGER,"
  "  last_payload BLOB,"
  "  last_value REAL,"
  "  message_count INTEGER NOT NULL DEFAULT 0"
  ");"
  "CREATE TABLE series ("
  "  id INTEGER PRIMARY KEY,"
  "  topic_id INTEGER NOT NULL REFERENCES topics (id),"
  "  field TEXT NOT NULL,"
  "  UNIQUE (topic_id, field)"
  ");"
  "CREATE TABLE messages ("
  "  id INTEGER PRIMARY KEY,"
  "  time INTEGER NOT NULL,"
  "  topic_id INTEGER NOT NULL,"
  "  payload BLOB NOT NULL,"
  "  qos INTEGER NOT NULL,"
  "  retain INTEGER NOT NULL"
  ");"
  "CREATE INDEX messages_topic_time ON messages (topic_id, time);"
  "CREATE INDEX messages_time ON messages (time);"
  "CREATE TABLE samples ("
  "  series_id INTEGER NOT NULL,"
  "  time INTEGER NOT NULL,"
  "  msg_id INTEGER NOT NULL,"
  "  value REAL NOT NULL,"
  "  PRIMARY KEY (series_id, time, msg_id)"
  ") WITHOUT ROWID;"
  ROLLUP_TABLE ("rollup_1m")
  ROLLUP_TABLE ("rollup_1h"),
};

G_STATIC_ASSERT (G_N_ELEMENTS (migrations) == BD_HISTORY_SCHEMA_VERSION);

int
_bd_storage_error_code (int rc)
{
  switch (rc & 0xff)
    {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return BD_STORAGE_ERROR_LOCKED;
    case SQLITE_READONLY:
    case SQLITE_PERM:
      return BD_STORAGE_ERROR_READ_ONLY;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return BD_STORAGE_ERROR_CORRUPT;
    case SQLITE_FULL:
      return BD_STORAGE_ERROR_FULL;
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
      return BD_STORAGE_ERROR_IO;
    default:
      return BD_STORAGE_ERROR_FAILED;
    }
}

static const char *
explain (int rc)
{
  switch (rc & 0xff)
    {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return _("it is locked by another program");
    case SQLITE_READONLY:
    case SQLITE_PERM:
      return _("it is read-only");
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return _("it is not a SQLite database or it is damaged; it was left untouched");
    case SQLITE_FULL:
      return _("the disk is full");
    case SQLITE_IOERR:
      return _("input/output error");
    case SQLITE_CANTOPEN:
      return _("it cannot be opened");
    default:
      return NULL;
    }
}

void
_bd_storage_set_error (GError    **error,
                       sqlite3    *db,
                       int         rc,
                       const char *path,
                       const char *what)
{
  const char *why = explain (rc);
  const char *detail = db != NULL ? sqlite3_errmsg (db) : sqlite3_errstr (rc);

  if (why != NULL)
    g_set_error (error, BD_STORAGE_ERROR, _bd_storage_error_code (rc),
                 _("History database “%s”: %s: %s (%s)"), path, what, why, detail);
  else
    g_set_error (error, BD_STORAGE_ERROR, _bd_storage_error_code (rc),
                 _("History database “%s”: %s: %s"), path, what, detail);
}

gboolean
_bd_storage_exec (sqlite3    *db,
                  const char *path,
                  const char *sql,
                  GError    **error)
{
  int rc = sqlite3_exec (db, sql, NULL, NULL, NULL);

  if (rc != SQLITE_OK)
    {
      _bd_storage_set_error (error, db, rc, path, _("cannot update"));
      return FALSE;
    }
  return TRUE;
}

static gboolean
query_int (sqlite3    *db,
           const char *path,
           const char *sql,
           gint64     *value,
           GError    **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    {
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        {
          *value = sqlite3_column_int64 (stmt, 0);
          rc = SQLITE_OK;
        }
      else if (rc == SQLITE_DONE)
        {
          *value = 0;
          rc = SQLITE_OK;
        }
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_OK)
    {
      _bd_storage_set_error (error, db, rc, path, _("cannot read"));
      return FALSE;
    }
  return TRUE;
}

gint64
_bd_storage_used_bytes (sqlite3 *db)
{
  gint64 pages = 0;
  gint64 free_pages = 0;
  gint64 page_size = 0;

  if (!query_int (db, "", "PRAGMA page_count", &pages, NULL) ||
      !query_int (db, "", "PRAGMA freelist_count", &free_pages, NULL) ||
      !query_int (db, "", "PRAGMA page_size", &page_size, NULL))
    return -1;
  return (pages - free_pages) * page_size;
}

/* Reads the version and checks the file is ours, writing nothing. */
static gboolean
check_version (sqlite3    *db,
               const char *path,
               gint64     *version,
               GError    **error)
{
  gint64 n_tables = 0;

  if (!query_int (db, path, "PRAGMA user_version", version, error))
    return FALSE;

  if (*version > BD_HISTORY_SCHEMA_VERSION)
    {
      g_set_error (error, BD_STORAGE_ERROR, BD_STORAGE_ERROR_TOO_NEW,
                   /* user_version is a 32-bit integer in SQLite: %d holds it,
                    * and keeps the message translatable (no format macro). */
                   _("History database “%s” has schema version %d, newer than this "
                     "Brokerdesk understands (%d); it was left untouched"),
                   path, (int) *version, BD_HISTORY_SCHEMA_VERSION);
      return FALSE;
    }

  if (*version == 0)
    {
      if (!query_int (db, path, "SELECT count(*) FROM sqlite_schema", &n_tables, error))
        return FALSE;
      if (n_tables > 0)
        {
          g_set_error (error, BD_STORAGE_ERROR, BD_STORAGE_ERROR_CORRUPT,
                       _("History database “%s” is a SQLite database but not a Brokerdesk "
                         "history; it was left untouched"), path);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
migrate (sqlite3    *db,
         const char *path,
         gint64      version,
         GError    **error)
{
  g_autofree char *set_version = NULL;
  int rc;

  if (version == BD_HISTORY_SCHEMA_VERSION)
    return TRUE;

  /* auto_vacuum must be chosen before the first table exists. INCREMENTAL
   * lets retention give pages back to the file system in small steps. */
  if (version == 0 &&
      !_bd_storage_exec (db, path, "PRAGMA auto_vacuum = INCREMENTAL", error))
    return FALSE;

  rc = sqlite3_exec (db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
  if (rc != SQLITE_OK)
    {
      _bd_storage_set_error (error, db, rc, path, _("cannot upgrade the schema"));
      return FALSE;
    }

  /* Another process may have migrated while we waited for the lock. */
  if (!query_int (db, path, "PRAGMA user_version", &version, error))
    goto fail;
  if (version > BD_HISTORY_SCHEMA_VERSION)
    {
      sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
      return check_version (db, path, &version, error);
    }

  for (gint64 v = version; v < BD_HISTORY_SCHEMA_VERSION; v++)
    {
      rc = sqlite3_exec (db, migrations[v], NULL, NULL, NULL);
      if (rc != SQLITE_OK)
        {
          _bd_storage_set_error (error, db, rc, path, _("cannot upgrade the schema"));
          goto fail;
        }
    }

  set_version = g_strdup_printf ("PRAGMA user_version = %d", BD_HISTORY_SCHEMA_VERSION);
  rc = sqlite3_exec (db, set_version, NULL, NULL, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_exec (db, "COMMIT", NULL, NULL, NULL);
  if (rc != SQLITE_OK)
    {
      _bd_storage_set_error (error, db, rc, path, _("cannot upgrade the schema"));
      goto fail;
    }
  return TRUE;

fail:
  sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
  return FALSE;
}

sqlite3 *
_bd_storage_open (const char         *path,
                  BdStorageOpenFlags  flags,
                  int                 busy_timeout_ms,
                  GError            **error)
{
  sqlite3 *db = NULL;
  gboolean reader = (flags & BD_STORAGE_OPEN_READER) != 0;
  int open_flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
  gint64 version = 0;
  int rc;

  g_return_val_if_fail (path != NULL, NULL);

  /* SQLite's memory statistics take a process-wide mutex on every
   * allocation and free: several per statement, a few percent of the
   * recorder's time (and contended with readers). Nothing reads them. This
   * must run before SQLite is initialised, i.e. before the first open; if
   * something else initialised it already, the call fails harmlessly. */
  if (g_once_init_enter (&sqlite_configured))
    {
      sqlite3_config (SQLITE_CONFIG_MEMSTATUS, 0);
      g_once_init_leave (&sqlite_configured, 1);
    }

  if (reader && !g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, BD_STORAGE_ERROR, BD_STORAGE_ERROR_NOT_FOUND,
                   _("History database “%s” does not exist (nothing was recorded "
                     "with this data directory)"), path);
      return NULL;
    }

  if (reader || (flags & BD_STORAGE_OPEN_FORCE_RO) != 0)
    open_flags |= SQLITE_OPEN_READONLY;
  else
    open_flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;

  rc = sqlite3_open_v2 (path, &db, open_flags, NULL);
  if (rc != SQLITE_OK)
    {
      _bd_storage_set_error (error, db, rc, path, _("cannot open"));
      sqlite3_close (db);
      return NULL;
    }
  sqlite3_extended_result_codes (db, 1);
  sqlite3_busy_timeout (db, busy_timeout_ms);

  /* Read before writing anything: a damaged or foreign file fails here. */
  if (!check_version (db, path, &version, error))
    goto fail;

  if (reader)
    {
      if (version != BD_HISTORY_SCHEMA_VERSION)
        {
          g_set_error (error, BD_STORAGE_ERROR, BD_STORAGE_ERROR_NOT_FOUND,
                       _("History database “%s” is empty (nothing was recorded yet)"), path);
          goto fail;
        }
      /* Readers never write; query_only makes that a rule. */
      sqlite3_exec (db, "PRAGMA query_only = 1", NULL, NULL, NULL);
      return db;
    }

  /* sqlite3_open_v2 quietly falls back to read-only when the file cannot be
   * written; say so now rather than at the first batch. */
  if (sqlite3_db_readonly (db, "main") == 1)
    {
      _bd_storage_set_error (error, db, SQLITE_READONLY, path, _("cannot record"));
      goto fail;
    }

  if (!migrate (db, path, version, error))
    goto fail;

  /* WAL: readers (charts, export) never block the writer and the writer
   * never blocks them. NORMAL: a commit is durable once the WAL is synced at
   * checkpoint; a power cut can lose the last batches but never corrupts.
   * Each batch touches about one page per series in every per-series b-tree,
   * so the hot set is large: a 64 MiB page cache plus reads through mmap
   * (file-backed, reclaimable memory, not heap) and fewer, larger
   * checkpoints took ingest from ~75k to ~115k samples/s (bench/history). */
  if (!_bd_storage_exec (db, path,
                         "PRAGMA journal_mode = WAL;"
                         "PRAGMA synchronous = NORMAL;"
                         "PRAGMA journal_size_limit = 67108864;"
                         "PRAGMA temp_store = MEMORY;"
                         "PRAGMA cache_size = -65536;"
                         "PRAGMA mmap_size = 268435456;"
                         "PRAGMA wal_autocheckpoint = 8192;",
                         error))
    goto fail;

  return db;

fail:
  sqlite3_close (db);
  return NULL;
}

