/* test-recorder.c — the recorder: tap, queue, batches, filters, persistence
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <locale.h>
#include <math.h>
#include <string.h>

#include "bd-history.h"
#include "bd-recorder.h"
#include "storage-test-utils.h"

#define T0 G_GINT64_CONSTANT (1795000000000)   /* 2026-11-18, in ms */

static BdHistoryTopic *
find_topic (GPtrArray  *topics,
            const char *name)
{
  for (guint i = 0; i < topics->len; i++)
    {
      BdHistoryTopic *topic = g_ptr_array_index (topics, i);

      if (strcmp (topic->topic, name) == 0)
        return topic;
    }
  return NULL;
}

static void
test_record_basic (void)
{
  g_autoptr(BdTestTmpdir) dir = bd_test_tmpdir_new ("storage-test");
  g_autoptr(BdRecorder) recorder = test_recorder_start (dir, NULL, NULL);
  g_autoptr(BdHistory) history = bd_history_new (dir);
  g_autoptr(GPtrArray) topics = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *status = NULL;
  BdRecorderStats stats;
  BdHistoryTopic *topic;
  BdHistoryMessage *message;

  for (int i = 0; i < 100; i++)
    {
      g_autofree char *value = g_strdup_printf ("%d.5 °C", i);

      test_tap (recorder, "plant/boiler/temp", value, -1, T0 + i * 1000);
    }
  test_tap (recorder, "plant/boiler/state", "running", -1, T0);
  test_tap (recorder, "plant/pump", "ON", -1, T0 + 5);
  test_tap (recorder, "plant/pump", "OFF", -1, T0 + 6);
  test_recorder_flush (recorder);

  bd_recorder_get_stats (recorder, &stats);
  g_assert_cmpuint (stats.recorded, ==, 103);
  g_assert_cmpuint (stats.samples, ==, 102);
  g_assert_cmpuint (stats.dropped, ==, 0);
  g_assert_cmpuint (stats.filtered, ==, 0);
  g_assert_cmpuint (stats.queue_depth, ==, 0);
  g_assert_cmpint (stats.database_bytes, >, 0);
  status = bd_recorder_dup_status_message (recorder);
  g_assert_cmpstr (status, ==, "recording");
  g_assert_null (bd_recorder_dup_error (recorder));

  topics = bd_history_list_topics (history, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (topics->len, ==, 3);
  /* sorted by name */
  g_assert_cmpstr (((BdHistoryTopic *) g_ptr_array_index (topics, 0))->topic, ==, "plant/boiler/state");
  topic = find_topic (topics, "plant/boiler/temp");
  g_assert_nonnull (topic);
  g_assert_cmpuint (topic->message_count, ==, 100);
  g_assert_cmpint (topic->last_time_ms, ==, T0 + 99 * 1000);
  g_assert_true (topic->has_last_value);
  g_assert_cmpfloat (topic->last_value, ==, 99.5);
  topic = find_topic (topics, "plant/boiler/state");
  g_assert_false (topic->has_last_value);
  g_assert_cmpmem (g_bytes_get_data (topic->last_payload, NULL), g_bytes_get_size (topic->last_payload),
                   "running", 7);
  topic = find_topic (topics, "plant/pump");
  g_assert_cmpfloat (topic->last_value, ==, 0);

  messages = bd_history_query_messages (history, "plant/boiler/temp", 3, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (messages->len, ==, 3);
  message = g_ptr_array_index (messages, 0);
  g_assert_cmpint (message->time_ms, ==, T0 + 99 * 1000);
  g_assert_cmpmem (g_bytes_get_data (message->payload, NULL), g_bytes_get_size (message->payload),
                   "99.5 °C", strlen ("99.5 °C"));
  g_assert_cmpuint (message->qos, ==, 1);
  g_assert_false (message->retain);
  g_assert_cmpint (((BdHistoryMessage *) g_ptr_array_index (messages, 2))->time_ms, ==, T0 + 97 * 1000);

  g_clear_pointer (&messages, g_ptr_array_unref);
  messages = bd_history_query_messages (history, "no/such/topic", 10, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (messages->len, ==, 0);

  bd_recorder_close (recorder);
  g_assert_cmpint (bd_recorder_get_status (recorder), ==, BD_RECORDER_STATUS_STOPPED);
  g_clear_pointer (&history, bd_history_unref);
}

static void
test_record_json (void)
{
  g_autoptr(BdTestTmpdir) dir = bd_test_tmpdir_new ("storage-test");
  g_autoptr(BdHistoryConfig) config = test_history_config_new ();
  g_autoptr(BdRecorder) recorder = NULL;
  g_autoptr(BdHistory) history = bd_history_new (dir);
  g_autoptr(GPtrArray) series = NULL;
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(BdHistorySeriesData) data = NULL;
  g_autoptr(GError) error = NULL;
  static const char * const expected[] = { "dev/1#a.b", "dev/1#on", "dev/1#t", "dev/1#x" };

  test_history_config_add_json_path (config, "dev/#", "$.a.b");
  test_history_config_add_json_path (config, "other/#", "$.x");
  recorder = test_recorder_start (dir, config, NULL);

  test_tap (recorder, "dev/1", "{\"t\": 20.5, \"on\": true, \"a\": {\"b\": 5}, \"x\": 1}", -1, T0);
  test_tap (recorder, "dev/1", "{\"t\": 21.5, \"on\": false, \"a\": {\"b\": 6}}", -1, T0 + 1000);
  test_tap (recorder, "dev/2", "42", -1, T0);
  test_recorder_flush (recorder);

  series = bd_history_list_series (history, "dev/1", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (series->len, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < series->len; i++)
    g_assert_cmpstr (((BdHistorySeries *) g_ptr_array_index (series, i))->name, ==, expected[i]);
  g_assert_cmpstr (((BdHistorySeries *) g_ptr_array_index (series, 0))->field, ==, "a.b");
  g_assert_cmpstr (((BdHistorySeries *) g_ptr_array_index (series, 0))->topic, ==, "dev/1");

  all = bd_history_list_series (history, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 5);
  g_assert_cmpstr (((BdHistorySeries *) g_ptr_array_index (all, 4))->name, ==, "dev/2");
  g_assert_cmpstr (((BdHistorySeries *) g_ptr_array_index (all, 4))->field, ==, "");

  data = bd_history_query_series (history, "dev/1#a.b", T0, T0 + 2000, 2,
                                  BD_HISTORY_LEVEL_AUTO, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (data->level, ==, BD_HISTORY_LEVEL_RAW);
  g_assert_cmpuint (data->buckets[0].count, ==, 1);
  g_assert_cmpfloat (data->buckets[0].avg, ==, 5);
  g_assert_cmpfloat (data->buckets[1].last, ==, 6);
}

static void
test_record_filters (void)
{
  g_autoptr(BdTestTmpdir) dir = bd_test_tmpdir_new ("storage-test");
  g_autoptr(BdHistoryConfig) config = test_history_config_new ();
  g_autoptr(BdRecorder) recorder = NULL;
  g_autoptr(BdHistory) history = bd_history_new (dir);
  g_autoptr(GPtrArray) topics = NULL;
  g_autoptr(GError) error = NULL;
  BdRecorderStats stats;

  g_ptr_array_add (config->record, g_strdup ("plant/#"));
  g_ptr_array_add (config->record, g_strdup ("$SYS/broker/uptime"));
  g_ptr_array_add (config->exclude, g_strdup ("plant/debug/#"));
  g_ptr_array_add (config->exclude, g_strdup ("plant/+/raw"));
  recorder = test_recorder_start (dir, config, NULL);

  test_tap (recorder, "plant/a", "1", -1, T0);
  test_tap (recorder, "plant", "1", -1, T0);            /* "plant/#" matches its parent */
  test_tap (recorder, "plant/debug/x", "1", -1, T0);
  test_tap (recorder, "plant/debug", "1", -1, T0);
  test_tap (recorder, "plant/b/raw", "1", -1, T0);
  test_tap (recorder, "plant/b/raw/x", "1", -1, T0);
  test_tap (recorder, "office/a", "1", -1, T0);
  test_tap (recorder, "$SYS/broker/uptime", "1", -1, T0);
  test_tap (recorder, "$SYS/broker/load", "1", -1, T0);
  test_recorder_flush (recorder);

  bd_recorder_get_stats (recorder, &stats);
  g_assert_cmpuint (stats.recorded, ==, 4);
  g_assert_cmpuint (stats.filtered, ==, 5);
  g_assert_cmpuint (stats.dropped, ==, 0);

  topics = bd_history_list_topics (history, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (topics->len, ==, 4);
  g_assert_nonnull (find_topic (topics, "$SYS/broker/uptime"));
  g_assert_nonnull (find_topic (topics, "plant"));
  g_assert_nonnull (find_topic (topics, "plant/a"));
  g_assert_nonnull (find_topic (topics, "plant/b/raw/x"));
}

static void
test_record_default_skips_sys (void)
{
  g_autoptr(BdTestTmpdir) dir = bd_test_tmpdir_new ("storage-test");
  g_autoptr(BdRecorder) recorder = test_recorder_start (dir, NULL, NULL);
  BdRecorderStats stats;

  test_tap (recorder, "$SYS/broker/clients/connected", "3", -1, T0);
  test_tap (recorder, "a", "3", -1, T0);
  test_recorder_flush (recorder);
  bd_recorder_get_stats (recorder, &stats);
  g_assert_cmpuint (stats.recorded, ==, 1);
  g_assert_cmpuint (stats.filtered, ==, 1);
}

/* Taps before start wait in the queue; past its capacity they are counted. */
static void
test_queue_full (void)
{
  g_autoptr(BdTestTmpdir) dir = bd_test_tmpdir_new ("storage-test");
  g_autoptr(BdRecorder) recorder = bd_recorder_new (dir, NULL);
  g_autoptr(GError) error = NULL;
  BdRecorderStats stats;

  bd_recorder_set_queue_capacity (recorder, 10);
  for (int i = 0; i < 15; i++)
    test_tap (recorder, "q", "1", -1, T0 + i);

  bd_recorder_get_stats (recorder, &stats);
  g_assert_cmpuint (stats.queue_depth, ==, 10);
  g_assert_cmpuint (stats.queue_capacity, ==, 10);
  g_assert_cmpuint (stats.dropped, ==, 5);
  g_assert_cmpint (stats.status, ==, BD_RECORDER_STATUS_STOPPED);

  bd_recorder_start (recorder, &error);
  g_assert_no_error (error);
  test_recorder_flush (recorder);
  bd_recorder_get_stats (recorder, &stats);
  g_assert_cmpuint (stats.recorded, ==, 10);
  g_assert_cmpuint (stats.dropped, ==, 5);
  g_assert_cmpuint (stats.queue_depth, ==, 0);
}

static void
test_disabled (void)
{
  g_autoptr(BdTestTmpdir) dir = bd_test_tmpdir_new ("storage-test");
  g_autoptr(BdHistoryConfig) config = test_history_config_new ();
  g_autoptr(BdRecorder) recorder = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (dir, "history.db", NULL);
  BdRecorderStats stats;

  config->enabled = FALSE;
  recorder = bd_recorder_new (dir, config);
  test_tap (recorder, "a", "1", -1, T0);
  g_assert_true (bd_recorder_start (recorder, &error));
  g_assert_no_error (error);
  test_tap (recorder, "a", "1", -1, T0);
  g_assert_true (bd_recorder_flush_sync (recorder, &error));
  bd_recorder_get_stats (recorder, &stats);
  g_assert_cmpint (stats.status, ==, BD_RECORDER_STATUS_DISABLED);
  g_assert_cmpuint (stats.recorded, ==, 0);
  g_assert_cmpuint (stats.filtered, ==, 2);
  g_assert_cmpuint (stats.dropped, ==, 0);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  bd_recorder_close (recorder);
  g_assert_cmpint (bd_recorder_get_status (recorder), ==, BD_RECORDER_STATUS_DISABLED);
}

/* close() drains what is queued and commits it; later taps are counted. */
static void
test_close_drains (void)
{
  g_autoptr(BdTestTmpdir) dir = bd_test_tmpdir_new ("storage-test");
  g_autoptr(BdRecorder) recorder = NULL;
  g_autoptr(GError) error = NULL;
  sqlite3 *db;
  BdRecorderStats stats;

  recorder = bd_recorder_new (dir, NULL);
  /* a long batch delay: only close() can commit these */
  bd_recorder_set_batch_limits (recorder, 1000000, 3600 * 1000);
  bd_recorder_start (recorder, &error);
  g_assert_no_error (error);
  for (int i = 0; i < 5000; i++)
    test_tap (recorder, "d", "1", -1, T0 + i);
  bd_recorder_close (recorder);
  test_tap (recorder, "d", "1", -1, T0);
  bd_recorder_close (recorder);   /* idempotent */

  bd_recorder_get_stats (recorder, &stats);
  g_assert_cmpuint (stats.recorded, ==, 5000);
  g_assert_cmpuint (stats.dropped, ==, 1);
  g_assert_false (bd_recorder_flush_sync (recorder, &error));
  g_assert_error (error, BD_STORAGE_ERROR, BD_STORAGE_ERROR_CLOSED);

  db = test_db_open (dir);
  g_assert_cmpint (test_db_int (db, "SELECT count(*) FROM messages"), ==, 5000);
  sqlite3_close (db);
}

/* Close, reopen, record more: ids are reused, nothing is duplicated. */
static void
test_persistence (void)
{
  g_autoptr(BdTestTmpdir) dir = bd_test_tmpdir_new ("storage-test");
  g_autoptr(BdHistory) history = NULL;
  g_autoptr(GPtrArray) topics = NULL;
  g_autoptr(BdHistorySeriesData) data = NULL;
  g_autoptr(GError) error = NULL;
  sqlite3 *db;

  for (int run = 0; run < 3; run++)
    {
      g_autoptr(BdRecorder) recorder = test_recorder_start (dir, NULL, NULL);

      for (int i = 0; i < 10; i++)
        {
          g_autofree char *value = g_strdup_printf ("%d", run * 10 + i);

          test_tap (recorder, "p/x", value, -1, T0 + (run * 10 + i) * 1000);
          test_tap (recorder, "p/json", "{\"a\": 1, \"b\": 2}", -1, T0 + (run * 10 + i) * 1000);
        }
      bd_recorder_close (recorder);
    }

  db = test_db_open (dir);
  g_assert_cmpint (test_db_int (db, "SELECT count(*) FROM topics"), ==, 2);
  g_assert_cmpint (test_db_int (db, "SELECT count(*) FROM series"), ==, 3);
  g_assert_cmpint (test_db_int (db, "SELECT count(*) FROM messages"), ==, 60);
  g_assert_cmpint (test_db_int (db, "SELECT count(*) FROM samples"), ==, 90);
  g_assert_cmpint (test_db_int (db, "PRAGMA user_version"), ==, 1);
  sqlite3_close (db);

  history = bd_history_new (dir);
  topics = bd_history_list_topics (history, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (topics->len, ==, 2);
  g_assert_cmpuint (((BdHistoryTopic *) g_ptr_array_index (topics, 1))->message_count, ==, 30);
  g_assert_cmpfloat (((BdHistoryTopic *) g_ptr_array_index (topics, 1))->last_value, ==, 29);

  /* The minute bucket spans all three runs: the upserts merged. */
  data = bd_history_query_series (history, "p/x", T0, T0 + 30000, 1,
                                  BD_HISTORY_LEVEL_MINUTE, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (data->buckets[0].count, >=, 1);

  g_clear_pointer (&history, bd_history_unref);
}

typedef struct
{
  BdRecorder *recorder;
  guint       n;
} TapThread;

static gpointer
tap_thread (gpointer data)
{
  TapThread *t = data;

  for (guint i = 0; i < t->n; i++)
    {
      char value[32];

      g_snprintf (value, sizeof value, "%u", i);
      test_tap (t->recorder, (i % 2) ? "thread/a" : "thread/b", value, -1, T0 + i);
    }
  return NULL;
}

/* The engine taps from its own thread: every message is recorded or counted. */
static void
test_tap_from_thread (void)
{
  g_autoptr(BdTestTmpdir) dir = bd_test_tmpdir_new ("storage-test");
  g_autoptr(BdRecorder) recorder = bd_recorder_new (dir, NULL);
  g_autoptr(GError) error = NULL;
  TapThread t = { recorder, 50000 };
  GThread *thread;
  BdRecorderStats stats;
  sqlite3 *db;

  bd_recorder_set_queue_capacity (recorder, 1000);
  bd_recorder_set_batch_limits (recorder, 500, 10);
  bd_recorder_start (recorder, &error);
  g_assert_no_error (error);

  thread = g_thread_new ("engine", tap_thread, &t);
  for (int i = 0; i < 20; i++)
    {
      bd_recorder_get_stats (recorder, &stats);
      g_assert_cmpuint (stats.queue_depth, <=, 1000);
      test_recorder_flush (recorder);
    }
  g_thread_join (thread);
  test_recorder_flush (recorder);

  bd_recorder_get_stats (recorder, &stats);
  g_assert_cmpuint (stats.recorded + stats.dropped, ==, t.n);
  g_assert_cmpuint (stats.queue_depth, ==, 0);

  db = test_db_open (dir);
  g_assert_cmpint (test_db_int (db, "SELECT count(*) FROM messages"), ==, (gint64) stats.recorded);
  g_assert_cmpint (test_db_int (db, "SELECT sum(message_count) FROM topics"), ==, (gint64) stats.recorded);
  sqlite3_close (db);
}

/* Small batches: many commits, nothing lost, rollups merged over batches. */
static void
test_small_batches (void)
{
  g_autoptr(BdTestTmpdir) dir = bd_test_tmpdir_new ("storage-test");
  g_autoptr(BdRecorder) recorder = bd_recorder_new (dir, NULL);
  g_autoptr(GError) error = NULL;
  sqlite3 *db;

  bd_recorder_set_batch_limits (recorder, 7, 100);
  bd_recorder_start (recorder, &error);
  g_assert_no_error (error);
  for (int i = 0; i < 1000; i++)
    test_tap (recorder, "s", "2", -1, T0 + i * 10);
  test_recorder_flush (recorder);

  db = test_db_open (dir);
  g_assert_cmpint (test_db_int (db, "SELECT sum(n) FROM rollup_1m"), ==, 1000);
  g_assert_cmpint (test_db_int (db, "SELECT sum(n) FROM rollup_1h"), ==, 1000);
  g_assert_cmpint (test_db_int (db, "SELECT sum(vsum) FROM rollup_1m"), ==, 2000);
  sqlite3_close (db);
}

static void
test_payload_kinds (void)
{
  g_autoptr(BdTestTmpdir) dir = bd_test_tmpdir_new ("storage-test");
  g_autoptr(BdRecorder) recorder = test_recorder_start (dir, NULL, NULL);
  g_autoptr(BdHistory) history = bd_history_new (dir);
  g_autoptr(GPtrArray) messages = NULL;
  g_autoptr(GError) error = NULL;
  static const char binary[] = "\xff\x00\xfe\x01";
  BdHistoryMessage *message;
  BdRecorderStats stats;

  test_tap (recorder, "k", "", 0, T0);
  test_tap (recorder, "k", binary, sizeof binary - 1, T0 + 1);
  test_tap (recorder, "k", "{not json", -1, T0 + 2);
  test_recorder_flush (recorder);
  bd_recorder_get_stats (recorder, &stats);
  g_assert_cmpuint (stats.recorded, ==, 3);
  g_assert_cmpuint (stats.samples, ==, 0);

  messages = bd_history_query_messages (history, "k", 10, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (messages->len, ==, 3);
  message = g_ptr_array_index (messages, 1);
  g_assert_cmpmem (g_bytes_get_data (message->payload, NULL), g_bytes_get_size (message->payload),
                   binary, sizeof binary - 1);
  message = g_ptr_array_index (messages, 2);
  g_assert_cmpuint (g_bytes_get_size (message->payload), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/storage/recorder/basic", test_record_basic);
  g_test_add_func ("/storage/recorder/json", test_record_json);
  g_test_add_func ("/storage/recorder/filters", test_record_filters);
  g_test_add_func ("/storage/recorder/default-skips-sys", test_record_default_skips_sys);
  g_test_add_func ("/storage/recorder/queue-full", test_queue_full);
  g_test_add_func ("/storage/recorder/disabled", test_disabled);
  g_test_add_func ("/storage/recorder/close-drains", test_close_drains);
  g_test_add_func ("/storage/recorder/persistence", test_persistence);
  g_test_add_func ("/storage/recorder/tap-from-thread", test_tap_from_thread);
  g_test_add_func ("/storage/recorder/small-batches", test_small_batches);
  g_test_add_func ("/storage/recorder/payload-kinds", test_payload_kinds);

  return g_test_run ();
}
