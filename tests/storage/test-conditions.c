/* test-conditions.c — locked, read-only, corrupt and full databases
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each bad condition must give a BD_STORAGE_ERROR naming the file, pause
 * recording (taps counted as dropped, the broker unaffected) and leave what
 * is stored intact.
 */

#include "config.h"

#include <glib/gstdio.h>
#include <locale.h>
#include <string.h>
#include <unistd.h>

#include "bd-history.h"
#include "bd-recorder.h"
#include "bd-recorder-private.h"
#include "storage-test-utils.h"

static void
assert_intact (const char *dir,
               gint64      n_messages)
{
  sqlite3 *db = test_db_open (dir);

  g_assert_cmpint (test_db_int (db, "SELECT count(*) FROM messages"), ==, n_messages);
  {
    sqlite3_stmt *stmt = NULL;

    sqlite3_prepare_v2 (db, "PRAGMA integrity_check", -1, &stmt, NULL);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, "ok");
    sqlite3_finalize (stmt);
  }
  sqlite3_close (db);
}

/* Records @n messages in DIR/history.db, has another connection run
 * @lock_sql (which takes a lock and keeps it until the caller rolls back),
 * then starts @recorder, which must fail and pause with
 * BD_STORAGE_ERROR_LOCKED naming the file. Returns the other connection. */
static sqlite3 *
start_locked (const char  *dir,
              guint        n,
              const char  *lock_sql,
              BdRecorder **recorder,
              GError     **error)
{
  g_autofree char *path = g_build_filename (dir, "history.db", NULL);
  sqlite3 *other;

  test_allow_pause_warnings ();
  test_record_some (dir, n);

  other = test_db_open (dir);
  g_assert_cmpint (sqlite3_exec (other, lock_sql, NULL, NULL, NULL), ==, SQLITE_OK);

  *recorder = bd_recorder_new (dir, NULL);
  bd_recorder_set_busy_timeout (*recorder, 50);
  g_assert_false (bd_recorder_start (*recorder, error));
  test_assert_paused (*recorder, *error, BD_STORAGE_ERROR_LOCKED, path);
  return other;
}

/* Another program holds the write lock; when it lets go, resume works. */
static void
test_locked (void)
{
  g_autoptr(BdTestTmpdir) dir = bd_test_tmpdir_new ("storage-test");
  g_autoptr(BdRecorder) recorder = NULL;
  g_autoptr(GError) error = NULL;
  sqlite3 *other;

  other = start_locked (dir, 10, "BEGIN EXCLUSIVE; INSERT INTO topics (name) VALUES ('x');",
                        &recorder, &error);
  g_assert_nonnull (strstr (error->message, "locked"));

  g_assert_cmpint (sqlite3_exec (other, "ROLLBACK", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (other);

  bd_recorder_resume (recorder);
  g_assert_cmpint (bd_recorder_get_status (recorder), ==, BD_RECORDER_STATUS_RECORDING);
  test_tap (recorder, "keep/me", "22", -1, TEST_T0 + 100);
  g_clear_error (&error);
  g_assert_true (bd_recorder_flush_sync (recorder, &error));
  g_assert_no_error (error);
  bd_recorder_close (recorder);

  assert_intact (dir, 11);
}

/* A rollback-journal database locked exclusively cannot even be read. */
static void
test_locked_exclusive (void)
{
  g_autoptr(BdTestTmpdir) dir = bd_test_tmpdir_new ("storage-test");
  g_autoptr(BdRecorder) recorder = NULL;
  g_autoptr(GError) error = NULL;
  sqlite3 *other;

  other = start_locked (dir, 3, "PRAGMA journal_mode = DELETE; PRAGMA locking_mode = EXCLUSIVE;"
                        " BEGIN EXCLUSIVE; INSERT INTO topics (name) VALUES ('x');",
                        &recorder, &error);
  bd_recorder_close (recorder);

  sqlite3_exec (other, "ROLLBACK", NULL, NULL, NULL);
  sqlite3_close (other);
  assert_intact (dir, 3);
}

/* Read-only: simulated with SQLITE_OPEN_READONLY (what SQLite falls back to
 * for a file it may not write), since chmod does not stop root. As a normal
 * user, chmod 0444 is tested as well. */
static void
test_read_only (void)
{
  g_autoptr(BdTestTmpdir) dir = bd_test_tmpdir_new ("storage-test");
  g_autofree char *path = g_build_filename (dir, "history.db", NULL);
  g_autoptr(BdRecorder) recorder = NULL;
  g_autoptr(GBytes) before = NULL;
  g_autoptr(GBytes) after = NULL;
  g_autoptr(GError) error = NULL;

  test_allow_pause_warnings ();
  test_record_some (dir, 5);
  before = test_file_bytes (path);

  recorder = bd_recorder_new (dir, NULL);
  _bd_recorder_set_force_read_only (recorder, TRUE);
  g_assert_false (bd_recorder_start (recorder, &error));
  test_assert_paused (recorder, error, BD_STORAGE_ERROR_READ_ONLY, path);
  g_assert_nonnull (strstr (error->message, "read-only"));
  bd_recorder_close (recorder);
  g_clear_pointer (&recorder, bd_recorder_unref);

  after = test_file_bytes (path);
  g_assert_true (g_bytes_equal (before, after));

  if (geteuid () != 0)
    {
      g_clear_error (&error);
      g_assert_cmpint (g_chmod (path, 0444), ==, 0);
      recorder = bd_recorder_new (dir, NULL);
      g_assert_false (bd_recorder_start (recorder, &error));
      test_assert_paused (recorder, error, BD_STORAGE_ERROR_READ_ONLY, path);
      bd_recorder_close (recorder);
      g_chmod (path, 0644);
    }
  else
    g_test_message ("running as root: chmod 0444 not tested (root ignores it)");

  assert_intact (dir, 5);
}

/* A file of garbage named history.db: refused by name, never written. */
static void
test_corrupt (void)
{
  g_autoptr(BdTestTmpdir) dir = bd_test_tmpdir_new ("storage-test");
  g_autofree char *path = g_build_filename (dir, "history.db", NULL);
  g_autoptr(GError) error = NULL;
  guint8 garbage[8192];
  GRand *rand = g_rand_new_with_seed (7);

  test_allow_pause_warnings ();
  for (gsize i = 0; i < sizeof garbage; i++)
    garbage[i] = (guint8) g_rand_int_range (rand, 0, 256);
  g_rand_free (rand);
  g_file_set_contents (path, (const char *) garbage, sizeof garbage, &error);
  g_assert_no_error (error);

  error = test_assert_refused (dir, BD_STORAGE_ERROR_CORRUPT);
  g_assert_nonnull (strstr (error->message, "left untouched"));
}

/* A full disk, simulated with PRAGMA max_page_count: the failing batch is
 * rolled back and counted, what was committed before stays, and recording
 * resumes once there is room. */
static void
test_full (void)
{
  g_autoptr(BdTestTmpdir) dir = bd_test_tmpdir_new ("storage-test");
  g_autofree char *path = g_build_filename (dir, "history.db", NULL);
  g_autoptr(BdRecorder) recorder = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *big = g_strnfill (2000, 'x');
  BdRecorderStats stats;
  gint64 pages;
  sqlite3 *db;
  guint tapped = 0;

  test_allow_pause_warnings ();
  test_record_some (dir, 20);
  db = test_db_open (dir);
  pages = test_db_int (db, "PRAGMA page_count");
  sqlite3_close (db);

  recorder = bd_recorder_new (dir, NULL);
  bd_recorder_set_batch_limits (recorder, 50, 1000);
  bd_recorder_start (recorder, &error);
  g_assert_no_error (error);
  _bd_recorder_set_max_page_count (recorder, pages + 20);

  /* ~2 KB each: the page limit is hit within a few batches. */
  for (int i = 0; i < 400; i++, tapped++)
    test_tap (recorder, "big", big, -1, TEST_T0 + 1000 + i);
  g_assert_false (bd_recorder_flush_sync (recorder, &error));
  g_assert_error (error, BD_STORAGE_ERROR, BD_STORAGE_ERROR_FULL);
  g_assert_nonnull (strstr (error->message, path));
  g_assert_nonnull (strstr (error->message, "full"));

  test_assert_paused (recorder, error, BD_STORAGE_ERROR_FULL, path);
  tapped++;
  bd_recorder_get_stats (recorder, &stats);
  g_assert_cmpuint (stats.dropped, >, 0);
  g_assert_cmpuint (stats.recorded + stats.dropped, ==, tapped);

  /* Everything committed is there and sound. */
  assert_intact (dir, 20 + (gint64) stats.recorded);

  /* Room again: resume records. */
  _bd_recorder_set_max_page_count (recorder, 0);
  bd_recorder_resume (recorder);
  g_assert_cmpint (bd_recorder_get_status (recorder), ==, BD_RECORDER_STATUS_RECORDING);
  test_tap (recorder, "big", "after", -1, TEST_T0 + 5000);
  g_clear_error (&error);
  g_assert_true (bd_recorder_flush_sync (recorder, &error));
  g_assert_no_error (error);
  bd_recorder_get_stats (recorder, &stats);
  bd_recorder_close (recorder);
  assert_intact (dir, 20 + (gint64) stats.recorded);
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/storage/conditions/locked", test_locked);
  g_test_add_func ("/storage/conditions/locked-exclusive", test_locked_exclusive);
  g_test_add_func ("/storage/conditions/read-only", test_read_only);
  g_test_add_func ("/storage/conditions/corrupt", test_corrupt);
  g_test_add_func ("/storage/conditions/full", test_full);

  return g_test_run ();
}
