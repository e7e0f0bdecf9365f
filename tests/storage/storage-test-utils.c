/* storage-test-utils.c — helpers shared by the history tests
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "bd-history.h"
#include "storage-test-utils.h"

gint64 test_clock_now_us;

static void
retention_free (gpointer data)
{
  BdHistoryRetention *r = data;

  g_free (r->filter);
  g_free (r);
}

static void
json_path_free (gpointer data)
{
  BdHistoryJsonPath *p = data;

  g_free (p->filter);
  g_free (p->path);
  g_free (p);
}

BdHistoryConfig *
test_history_config_new (void)
{
  BdHistoryConfig *config = g_new0 (BdHistoryConfig, 1);

  config->enabled = TRUE;
  config->record = g_ptr_array_new_with_free_func (g_free);
  config->exclude = g_ptr_array_new_with_free_func (g_free);
  config->retention = g_ptr_array_new_with_free_func (retention_free);
  config->json_paths = g_ptr_array_new_with_free_func (json_path_free);
  return config;
}

void
test_history_config_free (BdHistoryConfig *config)
{
  g_ptr_array_unref (config->record);
  g_ptr_array_unref (config->exclude);
  g_ptr_array_unref (config->retention);
  g_ptr_array_unref (config->json_paths);
  g_free (config);
}

void
test_history_config_add_retention (BdHistoryConfig *config,
                                   const char      *filter,
                                   gint64           max_age_s)
{
  BdHistoryRetention *r = g_new0 (BdHistoryRetention, 1);

  r->filter = g_strdup (filter);
  r->max_age_s = max_age_s;
  g_ptr_array_add (config->retention, r);
}

void
test_history_config_add_json_path (BdHistoryConfig *config,
                                   const char      *filter,
                                   const char      *path)
{
  BdHistoryJsonPath *p = g_new0 (BdHistoryJsonPath, 1);

  p->filter = g_strdup (filter);
  p->path = g_strdup (path);
  g_ptr_array_add (config->json_paths, p);
}

gint64
test_clock (gpointer user_data)
{
  return test_clock_now_us;
}

void
test_tap (BdRecorder *recorder,
          const char *topic,
          const char *payload,
          gssize      len,
          gint64      time_ms)
{
  g_autoptr(GBytes) bytes = g_bytes_new (payload, len < 0 ? strlen (payload) : (gsize) len);
  g_autoptr(BdMessage) message = NULL;

  message = bd_message_new_full (topic, bytes, 1, FALSE, NULL, NULL, time_ms * 1000);
  bd_recorder_tap (message, recorder);
}

sqlite3 *
test_db_open (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, "history.db", NULL);
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  return db;
}

gint64
test_db_int (sqlite3    *db,
             const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  gint64 value = -1;
  int rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);

  if (rc != SQLITE_OK)
    g_error ("%s: %s", sql, sqlite3_errmsg (db));
  if (sqlite3_step (stmt) == SQLITE_ROW)
    value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return value;
}

GBytes *
test_file_bytes (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *contents = NULL;
  gsize len = 0;

  g_file_get_contents (path, &contents, &len, &error);
  g_assert_no_error (error);
  return g_bytes_new_take (contents, len);
}

static gboolean
fatal_handler (const char     *log_domain,
               GLogLevelFlags  log_level,
               const char     *message,
               gpointer        user_data)
{
  if (g_strcmp0 (log_domain, "Brokerdesk-Storage") == 0 &&
      (log_level & G_LOG_LEVEL_WARNING) != 0 &&
      strstr (message, "Recording paused") != NULL)
    return FALSE;
  return TRUE;
}

void
test_allow_pause_warnings (void)
{
  /* The warnings come from the writer thread; GTest makes every warning
   * fatal, so narrow that to criticals for this test program. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  g_test_log_set_fatal_handler (fatal_handler, NULL);
}

BdRecorder *
test_recorder_start (const char          *dir,
                     BdHistoryConfig     *config,
                     BdRecorderClockFunc  clock)
{
  g_autoptr(GError) error = NULL;
  BdRecorder *recorder = bd_recorder_new (dir, config);

  bd_recorder_set_clock (recorder, clock, NULL);
  bd_recorder_start (recorder, &error);
  g_assert_no_error (error);
  g_assert_cmpint (bd_recorder_get_status (recorder), ==, BD_RECORDER_STATUS_RECORDING);
  return recorder;
}

void
test_recorder_flush (BdRecorder *recorder)
{
  g_autoptr(GError) error = NULL;

  bd_recorder_flush_sync (recorder, &error);
  g_assert_no_error (error);
}

void
test_record_some (const char *dir,
                  guint       n)
{
  g_autoptr(BdRecorder) recorder = test_recorder_start (dir, NULL, NULL);

  for (guint i = 0; i < n; i++)
    test_tap (recorder, "keep/me", "21.5", -1, TEST_T0 + i);
  bd_recorder_close (recorder);
}

void
test_assert_paused (BdRecorder *recorder,
                    GError     *error,
                    int         code,
                    const char *path)
{
  g_autofree char *status = NULL;
  g_autoptr(GError) copy = NULL;
  BdRecorderStats before;
  BdRecorderStats after;

  g_assert_error (error, BD_STORAGE_ERROR, code);
  g_assert_nonnull (strstr (error->message, path));
  g_assert_cmpint (bd_recorder_get_status (recorder), ==, BD_RECORDER_STATUS_PAUSED);
  status = bd_recorder_dup_status_message (recorder);
  g_assert_true (g_str_has_prefix (status, "paused: History database “"));
  g_assert_nonnull (strstr (status, path));
  copy = bd_recorder_dup_error (recorder);
  g_assert_error (copy, BD_STORAGE_ERROR, code);

  bd_recorder_get_stats (recorder, &before);
  test_tap (recorder, "new", "1", -1, TEST_T0);
  bd_recorder_get_stats (recorder, &after);
  g_assert_cmpuint (after.dropped, ==, before.dropped + 1);
  g_assert_cmpuint (after.queue_depth, ==, 0);
}

GError *
test_assert_refused (const char *dir,
                     int         code)
{
  g_autofree char *path = g_build_filename (dir, "history.db", NULL);
  g_autoptr(GBytes) before = test_file_bytes (path);
  g_autoptr(GBytes) after = NULL;
  g_autoptr(BdRecorder) recorder = bd_recorder_new (dir, NULL);
  g_autoptr(BdHistory) history = NULL;
  g_autoptr(GPtrArray) topics = NULL;
  g_autoptr(GError) read_error = NULL;
  GError *error = NULL;

  g_assert_false (bd_recorder_start (recorder, &error));
  test_assert_paused (recorder, error, code, path);
  bd_recorder_resume (recorder);   /* still refused */
  g_assert_cmpint (bd_recorder_get_status (recorder), ==, BD_RECORDER_STATUS_PAUSED);
  bd_recorder_close (recorder);

  /* Readers refuse it too. */
  history = bd_history_new (dir);
  topics = bd_history_list_topics (history, NULL, &read_error);
  g_assert_null (topics);
  g_assert_error (read_error, BD_STORAGE_ERROR, code);
  g_assert_nonnull (strstr (read_error->message, path));

  after = test_file_bytes (path);
  g_assert_true (g_bytes_equal (before, after));
  return error;
}
