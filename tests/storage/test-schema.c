/* test-schema.c — schema versions and migrations of history.db
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <locale.h>
#include <string.h>

#include "bd-export.h"
#include "bd-history.h"
#include "bd-recorder.h"
#include "storage-test-utils.h"

static const char * const tables[] = {
  "topics", "series", "messages", "samples", "rollup_1m", "rollup_1h",
};

static void
assert_schema_v1 (const char *dir)
{
  sqlite3 *db = test_db_open (dir);

  g_assert_cmpint (test_db_int (db, "PRAGMA user_version"), ==, 1);
  g_assert_cmpint (test_db_int (db, "PRAGMA auto_vacuum"), ==, 2);   /* incremental */
  g_assert_cmpint (test_db_int (db, "SELECT count(*) FROM sqlite_schema WHERE name = 'samples'"
                                    " AND sql LIKE '%WITHOUT ROWID%'"), ==, 1);
  for (guint i = 0; i < G_N_ELEMENTS (tables); i++)
    {
      g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM sqlite_schema"
                                              " WHERE type = 'table' AND name = '%s'", tables[i]);

      g_assert_cmpint (test_db_int (db, sql), ==, 1);
    }
  sqlite3_close (db);
}

/* No file at all, and a zero-byte file (version 0): both become version 1. */
static void
test_create_and_empty (void)
{
  g_autoptr(BdTestTmpdir) dir = bd_test_tmpdir_new ("storage-test");
  g_autoptr(BdTestTmpdir) dir2 = bd_test_tmpdir_new ("storage-test");
  g_autofree char *nested = g_build_filename (dir, "not", "yet", NULL);
  g_autofree char *path2 = g_build_filename (dir2, "history.db", NULL);
  g_autoptr(GError) error = NULL;

  test_record_some (nested, 1);
  assert_schema_v1 (nested);

  g_file_set_contents (path2, "", 0, &error);
  g_assert_no_error (error);
  test_record_some (dir2, 1);
  assert_schema_v1 (dir2);

  /* Reopening a current file changes nothing and keeps the data. */
  test_record_some (dir2, 1);
  {
    sqlite3 *db = test_db_open (dir2);

    g_assert_cmpint (test_db_int (db, "SELECT count(*) FROM messages"), ==, 2);
    sqlite3_close (db);
  }

}

static void
make_db (const char *path,
         const char *sql)
{
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
}

/* A database file this Brokerdesk must not use: made with @sql, refused by
 * the recorder and the reader with @code, not touched, and, unless NULL,
 * named in the message by @message. */
typedef struct
{
  const char *sql;
  int         code;
  const char *message;
} RefusedDatabase;

/* Written by a newer Brokerdesk. */
static const RefusedDatabase future_version = {
  "CREATE TABLE future (a); INSERT INTO future VALUES (1); PRAGMA user_version = 7;",
  BD_STORAGE_ERROR_TOO_NEW, "version 7"
};

/* A SQLite file that is not ours (version 0 with tables): not migrated. */
static const RefusedDatabase foreign_database = {
  "CREATE TABLE customers (name TEXT); INSERT INTO customers VALUES ('x');",
  BD_STORAGE_ERROR_CORRUPT, NULL
};

static void
test_refused_database (gconstpointer data)
{
  const RefusedDatabase *database = data;
  g_autoptr(BdTestTmpdir) dir = bd_test_tmpdir_new ("storage-test");
  g_autofree char *path = g_build_filename (dir, "history.db", NULL);
  g_autoptr(GError) error = NULL;

  test_allow_pause_warnings ();
  make_db (path, database->sql);
  error = test_assert_refused (dir, database->code);
  if (database->message != NULL)
    g_assert_nonnull (strstr (error->message, database->message));
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/storage/schema/create-and-empty", test_create_and_empty);
  g_test_add_data_func ("/storage/schema/future-version", &future_version,
                        test_refused_database);
  g_test_add_data_func ("/storage/schema/foreign-database", &foreign_database,
                        test_refused_database);

  return g_test_run ();
}
