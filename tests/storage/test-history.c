/* test-history.c — chart buckets, rollups against raw data, retention, async
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

#define MINUTE G_GINT64_CONSTANT (60000)
#define HOUR   G_GINT64_CONSTANT (3600000)
#define DAY    G_GINT64_CONSTANT (86400000)
/* a day boundary (UTC) in 2026 */
#define D0     (G_GINT64_CONSTANT (1795000000000) / DAY * DAY)

typedef struct
{
  gint64 time;
  guint  order;   /* tap order, which is the message id order */
  double value;
} Sample;

static int
compare_samples (gconstpointer a,
                 gconstpointer b)
{
  const Sample *x = a;
  const Sample *y = b;

  if (x->time != y->time)
    return x->time < y->time ? -1 : 1;
  return x->order < y->order ? -1 : x->order > y->order;
}

/* The oracle: buckets computed from the raw samples by the test itself. */
static BdHistoryBucket *
expected_buckets (GArray *samples,
                  gint64  from,
                  gint64  to,
                  guint   n)
{
  BdHistoryBucket *buckets = g_new0 (BdHistoryBucket, n);
  double *sums = g_new0 (double, n);

  for (guint i = 0; i < samples->len; i++)
    {
      const Sample *s = &g_array_index (samples, Sample, i);
      BdHistoryBucket *b;
      guint index;

      if (s->time < from || s->time >= to)
        continue;
      index = (guint) ((s->time - from) * n / (to - from));
      b = &buckets[index];
      if (b->count == 0)
        {
          b->min = b->max = b->first = s->value;
        }
      b->min = MIN (b->min, s->value);
      b->max = MAX (b->max, s->value);
      b->last = s->value;
      b->count++;
      sums[index] += s->value;
    }
  for (guint i = 0; i < n; i++)
    if (buckets[i].count > 0)
      buckets[i].avg = sums[i] / buckets[i].count;
  g_free (sums);
  return buckets;
}

static void
assert_buckets_equal (const BdHistorySeriesData *data,
                      const BdHistoryBucket     *expected)
{
  for (guint i = 0; i < data->n_buckets; i++)
    {
      const BdHistoryBucket *got = &data->buckets[i];
      const BdHistoryBucket *want = &expected[i];

      g_assert_cmpuint (got->count, ==, want->count);
      if (want->count == 0)
        {
          g_assert_true (isnan (got->min) && isnan (got->avg) && isnan (got->last));
          continue;
        }
      g_assert_cmpfloat (got->min, ==, want->min);
      g_assert_cmpfloat (got->max, ==, want->max);
      g_assert_cmpfloat (got->first, ==, want->first);
      g_assert_cmpfloat (got->last, ==, want->last);
      g_assert_cmpfloat_with_epsilon (got->avg, want->avg, 1e-9 * MAX (1.0, fabs (want->avg)));
    }
}

static BdHistorySeriesData *
query (BdHistory     *history,
       const char    *series,
       gint64         from,
       gint64         to,
       guint          n,
       BdHistoryLevel level)
{
  g_autoptr(GError) error = NULL;
  BdHistorySeriesData *data;

  data = bd_history_query_series (history, series, from, to, n, level, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (data);
  g_assert_cmpuint (data->n_buckets, ==, n);
  if (level != BD_HISTORY_LEVEL_AUTO)
    g_assert_cmpint (data->level, ==, level);
  return data;
}

/* Three days of irregular samples, some out of order and some sharing a
 * millisecond, recorded in many batches: every level agrees with the raw
 * data on aligned buckets. */
static void
test_rollups_match_raw (void)
{
  g_autoptr(BdTestTmpdir) dir = bd_test_tmpdir_new ("storage-test");
  g_autoptr(BdRecorder) recorder = NULL;
  g_autoptr(BdHistory) history = bd_history_new (dir);
  g_autoptr(GArray) samples = g_array_new (FALSE, FALSE, sizeof (Sample));
  g_autoptr(GError) error = NULL;
  GRand *rand = g_rand_new_with_seed (42);
  static const struct { guint n; BdHistoryLevel levels[4]; } cases[] = {
    { 72,   { BD_HISTORY_LEVEL_RAW, BD_HISTORY_LEVEL_MINUTE, BD_HISTORY_LEVEL_HOUR, BD_HISTORY_LEVEL_AUTO } },
    { 3,    { BD_HISTORY_LEVEL_RAW, BD_HISTORY_LEVEL_MINUTE, BD_HISTORY_LEVEL_HOUR, BD_HISTORY_LEVEL_AUTO } },
    { 288,  { BD_HISTORY_LEVEL_RAW, BD_HISTORY_LEVEL_MINUTE, BD_HISTORY_LEVEL_AUTO, 0 } },
    { 4320, { BD_HISTORY_LEVEL_RAW, BD_HISTORY_LEVEL_MINUTE, BD_HISTORY_LEVEL_AUTO, 0 } },
    { 8640, { BD_HISTORY_LEVEL_RAW, BD_HISTORY_LEVEL_AUTO, 0, 0 } },
  };
  gint64 t = D0;
  guint order = 0;

  recorder = bd_recorder_new (dir, NULL);
  bd_recorder_set_batch_limits (recorder, 997, 100);
  bd_recorder_start (recorder, &error);
  g_assert_no_error (error);

  while (t < D0 + 3 * DAY)
    {
      /* a run of up to 8 samples, tapped in reverse order now and then */
      guint run = g_rand_int_range (rand, 1, 9);
      gboolean reverse = g_rand_int_range (rand, 0, 5) == 0;
      Sample batch[8];

      for (guint i = 0; i < run; i++)
        {
          batch[i].time = t;
          batch[i].value = round (g_rand_double_range (rand, -100, 100) * 1000) / 1000;
          if (g_rand_int_range (rand, 0, 10) != 0)   /* sometimes the same millisecond */
            t += g_rand_int_range (rand, 1, 20000);
        }
      for (guint k = 0; k < run; k++)
        {
          Sample *s = &batch[reverse ? run - 1 - k : k];
          char text[G_ASCII_DTOSTR_BUF_SIZE];

          if (s->time >= D0 + 3 * DAY)
            continue;
          s->order = order++;
          g_array_append_val (samples, *s);
          g_ascii_dtostr (text, sizeof text, s->value);
          test_tap (recorder, "r/1", text, -1, s->time);
        }
    }
  g_rand_free (rand);
  test_recorder_flush (recorder);
  g_array_sort (samples, compare_samples);
  g_assert_cmpuint (samples->len, >, 20000);

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autofree BdHistoryBucket *expected = expected_buckets (samples, D0, D0 + 3 * DAY, cases[c].n);

      for (guint l = 0; l < 4 && (l == 0 || cases[c].levels[l] != 0); l++)
        {
          g_autoptr(BdHistorySeriesData) data = query (history, "r/1", D0, D0 + 3 * DAY,
                                                       cases[c].n, cases[c].levels[l]);

          assert_buckets_equal (data, expected);
        }
    }

  /* Unaligned: raw is exact; a rollup row counts where it starts, so the
   * totals are those of whole rollup buckets in the range. */
  {
    gint64 from = D0 + 12345;
    gint64 to = D0 + 2 * DAY + 777;
    g_autofree BdHistoryBucket *expected = expected_buckets (samples, from, to, 100);
    g_autoptr(BdHistorySeriesData) raw = query (history, "r/1", from, to, 100, BD_HISTORY_LEVEL_RAW);
    g_autoptr(BdHistorySeriesData) minute = query (history, "r/1", from, to, 100, BD_HISTORY_LEVEL_MINUTE);
    guint64 total = 0;
    guint64 want = 0;

    assert_buckets_equal (raw, expected);
    for (guint i = 0; i < 100; i++)
      total += minute->buckets[i].count;
    for (guint i = 0; i < samples->len; i++)
      {
        gint64 st = g_array_index (samples, Sample, i).time;

        if (st >= from / MINUTE * MINUTE && st / MINUTE * MINUTE < to)
          want++;
      }
    g_assert_cmpuint (total, ==, want);
    g_assert_cmpint (minute->buckets[0].start_ms, ==, from);
    g_assert_cmpint (minute->buckets[99].start_ms, ==, from + (to - from) * 99 / 100);
  }

  bd_recorder_close (recorder);
  g_clear_pointer (&history, bd_history_unref);
}

static void
test_auto_level (void)
{
  g_autoptr(BdTestTmpdir) dir = bd_test_tmpdir_new ("storage-test");
  g_autoptr(BdRecorder) recorder = test_recorder_start (dir, NULL, test_clock);
  g_autoptr(BdHistory) history = bd_history_new (dir);
  static const struct { gint64 range; guint n; BdHistoryLevel level; } cases[] = {
    { 30 * DAY, 1000, BD_HISTORY_LEVEL_MINUTE },
    { DAY, 1000, BD_HISTORY_LEVEL_MINUTE },
    { HOUR, 1000, BD_HISTORY_LEVEL_RAW },
    { 365 * DAY, 1000, BD_HISTORY_LEVEL_HOUR },
    { 1000 * HOUR, 1000, BD_HISTORY_LEVEL_HOUR },
    { 1000 * MINUTE - 1, 1000, BD_HISTORY_LEVEL_RAW },
  };

  test_tap (recorder, "x", "1", -1, D0);
  bd_recorder_close (recorder);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(BdHistorySeriesData) data = query (history, "x", D0, D0 + cases[i].range,
                                                   cases[i].n, BD_HISTORY_LEVEL_AUTO);

      g_assert_cmpint (data->level, ==, cases[i].level);
    }

  /* An unknown series is empty, not an error. */
  {
    g_autoptr(BdHistorySeriesData) data = query (history, "nope#field", D0, D0 + DAY, 10,
                                                 BD_HISTORY_LEVEL_AUTO);

    for (guint i = 0; i < 10; i++)
      g_assert_cmpuint (data->buckets[i].count, ==, 0);
  }

  g_clear_pointer (&history, bd_history_unref);
}

static void
test_invalid_queries (void)
{
  g_autoptr(BdTestTmpdir) dir = bd_test_tmpdir_new ("storage-test");
  g_autoptr(BdHistory) history = bd_history_new (dir);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (dir, "history.db", NULL);
  BdHistorySeriesData *data;
  GPtrArray *list;

  data = bd_history_query_series (history, "x", D0, D0, 10, BD_HISTORY_LEVEL_AUTO, NULL, &error);
  g_assert_null (data);
  g_assert_error (error, BD_STORAGE_ERROR, BD_STORAGE_ERROR_INVALID);
  g_clear_error (&error);
  data = bd_history_query_series (history, "x", D0, D0 + 1, 0, BD_HISTORY_LEVEL_AUTO, NULL, &error);
  g_assert_error (error, BD_STORAGE_ERROR, BD_STORAGE_ERROR_INVALID);
  g_clear_error (&error);

  /* no database yet */
  list = bd_history_list_topics (history, NULL, &error);
  g_assert_null (list);
  g_assert_error (error, BD_STORAGE_ERROR, BD_STORAGE_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, path));
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));

  g_clear_pointer (&history, bd_history_unref);
}

static gint64
count_where (sqlite3    *db,
             const char *fmt,
             ...) G_GNUC_PRINTF (2, 3);

static gint64
count_where (sqlite3    *db,
             const char *fmt,
             ...)
{
  g_autofree char *sql = NULL;
  va_list args;

  va_start (args, fmt);
  sql = g_strdup_vprintf (fmt, args);
  va_end (args);
  return test_db_int (db, sql);
}

static void
assert_consistent (sqlite3 *db)
{
  /* no sample without its message, no message count out of step */
  g_assert_cmpint (test_db_int (db, "SELECT count(*) FROM samples s WHERE NOT EXISTS"
                                    " (SELECT 1 FROM messages m WHERE m.id = s.msg_id)"), ==, 0);
  g_assert_cmpint (test_db_int (db, "SELECT count(*) FROM topics t WHERE message_count !="
                                    " (SELECT count(*) FROM messages m WHERE m.topic_id = t.id)"), ==, 0);
}

/* Retention by age: the last matching rule wins; raw data, samples and
 * 1-minute rollups go, 1-hour rollups stay. */
static void
test_retention_age (void)
{
  g_autoptr(BdTestTmpdir) dir = bd_test_tmpdir_new ("storage-test");
  g_autoptr(BdHistoryConfig) config = test_history_config_new ();
  g_autoptr(BdRecorder) recorder = NULL;
  g_autoptr(BdHistory) history = bd_history_new (dir);
  g_autoptr(GError) error = NULL;
  gint64 now = D0 + 3 * DAY;
  gint64 n_per_topic = 3 * DAY / MINUTE;
  BdRecorderStats stats;
  sqlite3 *db;

  test_history_config_add_retention (config, "#", 24 * 3600);
  test_history_config_add_retention (config, "fast/#", 3600);
  test_history_config_add_retention (config, "keep/#", 0);
  test_clock_now_us = now * 1000;
  recorder = test_recorder_start (dir, config, test_clock);

  for (gint64 t = D0; t < now; t += MINUTE)
    {
      test_tap (recorder, "fast/a", "1.5", -1, t);
      test_tap (recorder, "slow/a", "2.5", -1, t);
      test_tap (recorder, "keep/a", "3.5", -1, t);
      if ((t - D0) % (10 * MINUTE) == 0)
        test_tap (recorder, "slow/j", "{\"x\": 1, \"y\": 2}", -1, t + 30000);
    }
  g_assert_true (bd_recorder_run_retention_sync (recorder, &error));
  g_assert_no_error (error);

  db = test_db_open (dir);
  assert_consistent (db);
  g_assert_cmpint (count_where (db, "SELECT count(*) FROM messages m JOIN topics t ON t.id = m.topic_id"
                                    " WHERE t.name = 'fast/a'"), ==, HOUR / MINUTE);
  g_assert_cmpint (count_where (db, "SELECT min(time) FROM messages m JOIN topics t ON t.id = m.topic_id"
                                    " WHERE t.name = 'fast/a'"), ==, now - HOUR);
  g_assert_cmpint (count_where (db, "SELECT count(*) FROM messages m JOIN topics t ON t.id = m.topic_id"
                                    " WHERE t.name = 'slow/a'"), ==, DAY / MINUTE);
  g_assert_cmpint (count_where (db, "SELECT count(*) FROM messages m JOIN topics t ON t.id = m.topic_id"
                                    " WHERE t.name = 'keep/a'"), ==, n_per_topic);
  g_assert_cmpint (count_where (db, "SELECT count(*) FROM messages m JOIN topics t ON t.id = m.topic_id"
                                    " WHERE t.name = 'slow/j'"), ==, DAY / (10 * MINUTE));
  /* both JSON series lost their old samples with the messages */
  g_assert_cmpint (count_where (db, "SELECT count(*) FROM samples s JOIN series r ON r.id = s.series_id"
                                    " JOIN topics t ON t.id = r.topic_id WHERE t.name = 'slow/j'"),
                   ==, 2 * DAY / (10 * MINUTE));
  /* 1-minute rollups: only buckets that end after the cutoff are left */
  g_assert_cmpint (count_where (db, "SELECT count(*) FROM rollup_1m r JOIN series s ON s.id = r.series_id"
                                    " JOIN topics t ON t.id = s.topic_id WHERE t.name = 'fast/a'"
                                    " AND r.bucket + 60000 <= %" G_GINT64_FORMAT, now - HOUR), ==, 0);
  g_assert_cmpint (count_where (db, "SELECT sum(n) FROM rollup_1m r JOIN series s ON s.id = r.series_id"
                                    " JOIN topics t ON t.id = s.topic_id WHERE t.name = 'fast/a'"),
                   ==, HOUR / MINUTE);
  /* 1-hour rollups keep everything */
  g_assert_cmpint (count_where (db, "SELECT sum(n) FROM rollup_1h r JOIN series s ON s.id = r.series_id"
                                    " JOIN topics t ON t.id = s.topic_id WHERE t.name = 'fast/a'"),
                   ==, n_per_topic);
  sqlite3_close (db);

  bd_recorder_get_stats (recorder, &stats);
  g_assert_cmpuint (stats.expired, ==, (n_per_topic - HOUR / MINUTE) + (n_per_topic - DAY / MINUTE) +
                                       (3 * DAY - DAY) / (10 * MINUTE));

  /* A chart of the three days still draws from the hourly rollups. */
  {
    g_autoptr(BdHistorySeriesData) hourly = query (history, "fast/a", D0, now, 72, BD_HISTORY_LEVEL_AUTO);
    g_autoptr(BdHistorySeriesData) raw = query (history, "fast/a", D0, now, 72, BD_HISTORY_LEVEL_RAW);

    g_assert_cmpint (hourly->level, ==, BD_HISTORY_LEVEL_HOUR);
    for (guint i = 0; i < 72; i++)
      {
        g_assert_cmpuint (hourly->buckets[i].count, ==, 60);
        g_assert_cmpfloat (hourly->buckets[i].avg, ==, 1.5);
        g_assert_cmpuint (raw->buckets[i].count, ==, i == 71 ? 60 : 0);
      }
  }

  /* AUTO falls back to coarser rollups where retention removed the finer
   * level: 15-minute buckets (minute level) over three days still add up to
   * every sample, from hourly rows before the last hour. */
  {
    g_autoptr(BdHistorySeriesData) quarter = query (history, "fast/a", D0, now, 288, BD_HISTORY_LEVEL_AUTO);
    g_autoptr(BdHistorySeriesData) minute = query (history, "fast/a", D0, now, 288, BD_HISTORY_LEVEL_MINUTE);
    g_autoptr(BdHistorySeriesData) two_hours = query (history, "fast/a", now - 2 * HOUR, now, 1000,
                                                      BD_HISTORY_LEVEL_AUTO);
    guint64 total = 0;
    guint64 explicit_total = 0;

    g_assert_cmpint (quarter->level, ==, BD_HISTORY_LEVEL_MINUTE);
    for (guint i = 0; i < 288; i++)
      {
        total += quarter->buckets[i].count;
        explicit_total += minute->buckets[i].count;
        /* an hourly row lands in the quarter where its hour starts */
        if (i < 284)
          g_assert_cmpuint (quarter->buckets[i].count, ==, i % 4 == 0 ? 60 : 0);
        else
          g_assert_cmpuint (quarter->buckets[i].count, ==, 15);
      }
    g_assert_cmpuint (total, ==, n_per_topic);
    /* an explicit level does not fall back */
    g_assert_cmpuint (explicit_total, ==, HOUR / MINUTE);

    /* raw level for the last hour, the hour before from its hourly row */
    g_assert_cmpint (two_hours->level, ==, BD_HISTORY_LEVEL_RAW);
    total = 0;
    for (guint i = 0; i < 1000; i++)
      total += two_hours->buckets[i].count;
    g_assert_cmpuint (total, ==, 2 * HOUR / MINUTE);
    g_assert_cmpuint (two_hours->buckets[0].count, ==, 60);
    g_assert_cmpfloat (two_hours->buckets[0].avg, ==, 1.5);
  }

  /* Nothing more to do: a second pass deletes nothing. */
  g_assert_true (bd_recorder_run_retention_sync (recorder, &error));
  bd_recorder_get_stats (recorder, &stats);
  g_assert_cmpuint (stats.expired, ==, (n_per_topic - HOUR / MINUTE) + (n_per_topic - DAY / MINUTE) +
                                       (3 * DAY - DAY) / (10 * MINUTE));

  /* Time passes (injected clock): another hour of fast/a goes. */
  test_clock_now_us = (now + HOUR) * 1000;
  g_assert_true (bd_recorder_run_retention_sync (recorder, &error));
  db = test_db_open (dir);
  g_assert_cmpint (count_where (db, "SELECT count(*) FROM messages m JOIN topics t ON t.id = m.topic_id"
                                    " WHERE t.name = 'fast/a'"), ==, 0);
  assert_consistent (db);
  sqlite3_close (db);

  bd_recorder_close (recorder);
  g_clear_pointer (&history, bd_history_unref);
}

/* The writer applies retention by itself, in steps between batches. */
static void
test_retention_background (void)
{
  g_autoptr(BdTestTmpdir) dir = bd_test_tmpdir_new ("storage-test");
  g_autoptr(BdHistoryConfig) config = test_history_config_new ();
  g_autoptr(BdRecorder) recorder = NULL;
  gint64 now = D0 + DAY;
  BdRecorderStats stats;
  sqlite3 *db;

  /* Record 5000 old messages without retention. */
  test_clock_now_us = now * 1000;
  recorder = test_recorder_start (dir, NULL, test_clock);
  for (int i = 0; i < 5000; i++)
    test_tap (recorder, "bg/a", "1", -1, D0 + i);
  bd_recorder_close (recorder);
  g_clear_pointer (&recorder, bd_recorder_unref);

  test_history_config_add_retention (config, "bg/#", 3600);
  recorder = test_recorder_start (dir, config, test_clock);
  /* A pass starts with the writer; each flush lets it take a step (at most
   * 1000 rows), so a bounded number of them sees it through. */
  for (int i = 0; i < 1000; i++)
    {
      bd_recorder_flush_sync (recorder, NULL);
      bd_recorder_get_stats (recorder, &stats);
      if (stats.expired == 5000)
        break;
    }
  g_assert_cmpuint (stats.expired, ==, 5000);
  bd_recorder_close (recorder);

  db = test_db_open (dir);
  g_assert_cmpint (test_db_int (db, "SELECT count(*) FROM messages"), ==, 0);
  assert_consistent (db);
  sqlite3_close (db);
}

/* Retention by size: oldest first until the used pages fit, then the file
 * shrinks (incremental vacuum). */
static void
test_retention_size (void)
{
  g_autoptr(BdTestTmpdir) dir = bd_test_tmpdir_new ("storage-test");
  g_autoptr(BdHistoryConfig) config = test_history_config_new ();
  g_autoptr(BdRecorder) recorder = NULL;
  g_autoptr(GError) error = NULL;
  const guint64 limit = 256 * 1024;
  const int n = 40000;
  BdRecorderStats stats;
  sqlite3 *db;
  gint64 page_size;

  config->max_size_bytes = limit;
  test_clock_now_us = (D0 + DAY) * 1000;
  recorder = bd_recorder_new (dir, config);
  bd_recorder_set_clock (recorder, test_clock, NULL);
  bd_recorder_start (recorder, &error);
  g_assert_no_error (error);

  for (int i = 0; i < n; i++)
    {
      char topic[32];
      char value[64];

      g_snprintf (topic, sizeof topic, "size/%d", i % 50);
      g_snprintf (value, sizeof value, "%d.25 units-of-something", i);
      test_tap (recorder, topic, value, -1, D0 + i * 100);
    }
  g_assert_true (bd_recorder_run_retention_sync (recorder, &error));
  g_assert_no_error (error);
  bd_recorder_get_stats (recorder, &stats);
  g_assert_cmpuint (stats.recorded, ==, n);
  g_assert_cmpuint (stats.expired, >, 0);
  g_assert_cmpint (stats.database_bytes, <=, (gint64) limit);
  bd_recorder_close (recorder);

  db = test_db_open (dir);
  page_size = test_db_int (db, "PRAGMA page_size");
  g_assert_cmpint ((test_db_int (db, "PRAGMA page_count") - test_db_int (db, "PRAGMA freelist_count"))
                   * page_size, <=, (gint64) limit);
  /* the file itself shrank: freed pages went back to the file system */
  g_assert_cmpint (test_db_int (db, "PRAGMA freelist_count"), ==, 0);
  g_assert_cmpint (test_db_int (db, "PRAGMA page_count") * page_size, <=, (gint64) limit);
  /* the newest message is kept, the oldest are gone */
  g_assert_cmpint (test_db_int (db, "SELECT max(time) FROM messages"), ==, D0 + (n - 1) * 100);
  g_assert_cmpint (test_db_int (db, "SELECT min(id) FROM messages"), >, 1);
  g_assert_cmpint (test_db_int (db, "SELECT count(*) FROM messages"), ==, n - (gint64) stats.expired);
  assert_consistent (db);
  sqlite3_close (db);
}

/* The thread that runs the tests: an _async call answers on it. */
static GThread *main_thread;

/* Keeps the result for bd_test_wait_result (), having checked that the
 * answer came on the caller's thread. */
static void
on_main_thread_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_assert_true (g_thread_self () == main_thread);
  bd_test_result_cb (source, result, user_data);
}

static void
test_async (void)
{
  g_autoptr(BdTestTmpdir) dir = bd_test_tmpdir_new ("storage-test");
  g_autoptr(BdRecorder) recorder = test_recorder_start (dir, NULL, test_clock);
  g_autoptr(BdHistory) history = bd_history_new (dir);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) series_result = NULL;
  g_autoptr(GAsyncResult) topics_result = NULL;
  g_autoptr(GAsyncResult) messages_result = NULL;
  g_autoptr(GAsyncResult) series_list_result = NULL;
  g_autoptr(GAsyncResult) cancelled_result = NULL;
  g_autoptr(BdHistorySeriesData) data = NULL;
  g_autoptr(BdHistorySeriesData) cancelled_data = NULL;
  g_autoptr(GPtrArray) topics = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  g_autoptr(GPtrArray) series = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) cancelled = NULL;

  for (int i = 0; i < 100; i++)
    test_tap (recorder, "async/a", i % 2 ? "ON" : "OFF", -1, D0 + i * 1000);
  bd_recorder_flush_sync (recorder, NULL);

  main_thread = g_thread_self ();
  bd_history_query_series_async (history, "async/a", D0, D0 + 100000, 10, BD_HISTORY_LEVEL_AUTO,
                                 NULL, on_main_thread_cb, &series_result);
  bd_history_list_topics_async (history, NULL, on_main_thread_cb, &topics_result);
  bd_history_query_messages_async (history, "async/a", 5, NULL, on_main_thread_cb, &messages_result);
  bd_history_list_series_async (history, NULL, NULL, on_main_thread_cb, &series_list_result);
  g_cancellable_cancel (cancellable);
  bd_history_query_series_async (history, "async/a", D0, D0 + 100000, 10, BD_HISTORY_LEVEL_AUTO,
                                 cancellable, on_main_thread_cb, &cancelled_result);

  data = bd_history_query_series_finish (bd_test_wait_result (&series_result, 10000, "the series"),
                                         &error);
  g_assert_no_error (error);
  topics = bd_history_list_topics_finish (bd_test_wait_result (&topics_result, 10000, "the topics"),
                                          &error);
  g_assert_no_error (error);
  messages = bd_history_query_messages_finish (bd_test_wait_result (&messages_result, 10000,
                                                                    "the messages"),
                                               &error);
  g_assert_no_error (error);
  series = bd_history_list_series_finish (bd_test_wait_result (&series_list_result, 10000,
                                                               "the series list"),
                                          &error);
  g_assert_no_error (error);
  cancelled_data = bd_history_query_series_finish (bd_test_wait_result (&cancelled_result, 10000,
                                                                        "the cancelled query"),
                                                   &cancelled);
  g_assert_null (cancelled_data);

  g_assert_cmpint (data->level, ==, BD_HISTORY_LEVEL_RAW);
  for (guint i = 0; i < 10; i++)
    {
      g_assert_cmpuint (data->buckets[i].count, ==, 10);
      g_assert_cmpfloat (data->buckets[i].avg, ==, 0.5);
      g_assert_cmpfloat (data->buckets[i].first, ==, 0);
      g_assert_cmpfloat (data->buckets[i].last, ==, 1);
    }
  g_assert_cmpuint (topics->len, ==, 1);
  g_assert_cmpuint (((BdHistoryTopic *) g_ptr_array_index (topics, 0))->message_count, ==, 100);
  g_assert_cmpuint (messages->len, ==, 5);
  g_assert_cmpuint (series->len, ==, 1);
  g_assert_error (cancelled, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  bd_recorder_close (recorder);
  g_clear_pointer (&history, bd_history_unref);
}

/* Many series at once (the Overview's trends): each answer is the one its
 * own query gives, in the order asked, an unknown series is empty, and the
 * async form answers on the caller's thread. */
static void
test_batch (void)
{
  g_autoptr(BdTestTmpdir) dir = bd_test_tmpdir_new ("storage-test");
  g_autoptr(BdRecorder) recorder = test_recorder_start (dir, NULL, test_clock);
  g_autoptr(BdHistory) history = bd_history_new (dir);
  g_autoptr(GPtrArray) batch = NULL;
  g_autoptr(GPtrArray) async = NULL;
  g_autoptr(GAsyncResult) async_result = NULL;
  g_autoptr(GError) error = NULL;
  const char * const names[] = { "b/2", "nope", "b/json#t", "b/1", NULL };
  gint64 from = D0 + 5 * MINUTE;
  gint64 to = D0 + 20 * MINUTE;

  /* 25 minutes at 1 Hz, so that the range starts and ends inside the data. */
  for (gint64 i = 0; i < 25 * 60; i++)
    {
      g_autofree char *a = g_strdup_printf ("%" G_GINT64_FORMAT, i);
      g_autofree char *b = g_strdup_printf ("%" G_GINT64_FORMAT, 2 * i + 1);
      g_autofree char *j = g_strdup_printf ("{\"t\": %" G_GINT64_FORMAT "}", 3 * i);

      test_tap (recorder, "b/1", a, -1, D0 + i * 1000);
      test_tap (recorder, "b/2", b, -1, D0 + i * 1000);
      test_tap (recorder, "b/json", j, -1, D0 + i * 1000 + 500);
    }
  test_recorder_flush (recorder);

  batch = bd_history_query_series_batch (history, names, from, to, 90, BD_HISTORY_LEVEL_AUTO,
                                         NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (batch->len, ==, 4);
  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autoptr(BdHistorySeriesData) one = query (history, names[i], from, to, 90,
                                                  BD_HISTORY_LEVEL_AUTO);
      BdHistorySeriesData *got = g_ptr_array_index (batch, i);

      g_assert_cmpint (got->level, ==, BD_HISTORY_LEVEL_RAW);
      g_assert_cmpuint (got->n_buckets, ==, 90);
      assert_buckets_equal (got, one->buckets);
    }
  /* Spot checks against the data itself: bucket 0 holds seconds 300..309. */
  g_assert_cmpuint (((BdHistorySeriesData *) batch->pdata[3])->buckets[0].count, ==, 10);
  g_assert_cmpfloat (((BdHistorySeriesData *) batch->pdata[3])->buckets[0].last, ==, 309);
  g_assert_cmpfloat (((BdHistorySeriesData *) batch->pdata[0])->buckets[89].last, ==, 2 * 1199 + 1);
  g_assert_cmpfloat (((BdHistorySeriesData *) batch->pdata[2])->buckets[0].first, ==, 900);
  g_assert_cmpuint (((BdHistorySeriesData *) batch->pdata[1])->buckets[0].count, ==, 0);

  main_thread = g_thread_self ();
  bd_history_query_series_batch_async (history, names, from, to, 90, BD_HISTORY_LEVEL_AUTO,
                                       NULL, on_main_thread_cb, &async_result);
  async = bd_history_query_series_batch_finish (bd_test_wait_result (&async_result, 10000,
                                                                     "the batch"),
                                                &error);
  g_assert_no_error (error);
  g_assert_cmpuint (async->len, ==, 4);
  for (guint i = 0; i < async->len; i++)
    assert_buckets_equal (g_ptr_array_index (async, i),
                          ((BdHistorySeriesData *) g_ptr_array_index (batch, i))->buckets);

  bd_recorder_close (recorder);
  g_clear_pointer (&history, bd_history_unref);
}

typedef struct
{
  BdHistory *history;
  guint      errors;
} ReaderThread;

static gpointer
reader_thread (gpointer data)
{
  ReaderThread *r = data;

  for (int i = 0; i < 200; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(BdHistorySeriesData) buckets = NULL;

      buckets = bd_history_query_series (r->history, "conc/a", D0, D0 + HOUR, 100,
                                         BD_HISTORY_LEVEL_AUTO, NULL, &error);
      if (buckets == NULL)
        r->errors++;
    }
  return NULL;
}

/* Readers on worker threads while the writer commits: no error, no block. */
static void
test_concurrent_readers (void)
{
  g_autoptr(BdTestTmpdir) dir = bd_test_tmpdir_new ("storage-test");
  g_autoptr(BdRecorder) recorder = test_recorder_start (dir, NULL, test_clock);
  g_autoptr(BdHistory) history = bd_history_new (dir);
  ReaderThread readers[2] = { { history, 0 }, { history, 0 } };
  GThread *threads[2];

  test_tap (recorder, "conc/a", "1", -1, D0);
  bd_recorder_flush_sync (recorder, NULL);

  for (int i = 0; i < 2; i++)
    threads[i] = g_thread_new ("reader", reader_thread, &readers[i]);
  for (int i = 0; i < 20000; i++)
    {
      test_tap (recorder, "conc/a", "2", -1, D0 + i);
      if (i % 1000 == 0)
        bd_recorder_flush_sync (recorder, NULL);
    }
  for (int i = 0; i < 2; i++)
    g_thread_join (threads[i]);
  g_assert_cmpuint (readers[0].errors + readers[1].errors, ==, 0);

  bd_recorder_close (recorder);
  g_clear_pointer (&history, bd_history_unref);
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/storage/history/rollups-match-raw", test_rollups_match_raw);
  g_test_add_func ("/storage/history/auto-level", test_auto_level);
  g_test_add_func ("/storage/history/invalid-queries", test_invalid_queries);
  g_test_add_func ("/storage/history/retention-age", test_retention_age);
  g_test_add_func ("/storage/history/retention-background", test_retention_background);
  g_test_add_func ("/storage/history/retention-size", test_retention_size);
  g_test_add_func ("/storage/history/async", test_async);
  g_test_add_func ("/storage/history/batch", test_batch);
  g_test_add_func ("/storage/history/concurrent-readers", test_concurrent_readers);

  return g_test_run ();
}
