/* bench-history-query.c — bucketed chart queries over 30 days of 1 Hz data
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Builds (once, cached in $TMPDIR/bd-bench-history-query-v1) a history of one
 * series sampled every second for 30 days (2 592 000 samples), written
 * through the recorder tap like live data, then times
 * bd_history_query_series() for 30 days and for 24 hours into 1000 buckets
 * (level AUTO), and a few other shapes for comparison. Each shape runs RUNS
 * times after one warm-up; the median and the maximum are printed.
 *
 * Usage: bench-history-query [RUNS]   (default 20)
 *        BD_BENCH_REBUILD=1 bench-history-query   to rebuild the cache
 */

#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <stdlib.h>

#include "bd-history.h"
#include "bd-recorder.h"

#define DAY_MS  G_GINT64_CONSTANT (86400000)
#define N_DAYS  30
/* the end of the recorded range: 2026-11-30T00:00:00Z */
#define END_MS  G_GINT64_CONSTANT (1795996800000)
#define START_MS (END_MS - N_DAYS * DAY_MS)
#define SERIES  "bench/boiler/temperature"

static void
build (const char *dir)
{
  g_autoptr(BdRecorder) recorder = bd_recorder_new (dir, NULL);
  g_autoptr(GError) error = NULL;
  gint64 n = N_DAYS * DAY_MS / 1000;
  gint64 start = g_get_monotonic_time ();
  BdRecorderStats stats;

  g_print ("building %" G_GINT64_FORMAT " samples in %s ...\n", n, dir);
  bd_recorder_start (recorder, &error);
  g_assert_no_error (error);
  for (gint64 i = 0; i < n; i++)
    {
      char payload[32];
      /* a daily wave plus a fast ripple, in °C */
      double value = 60 + 15 * sin (i * 2 * G_PI / 86400) + 0.5 * sin (i * 0.37);
      gsize len = g_snprintf (payload, sizeof payload, "%.2f °C", value);
      g_autoptr(GBytes) bytes = g_bytes_new (payload, len);
      g_autoptr(BdMessage) message = bd_message_new_full (SERIES, bytes, 0, FALSE, NULL, NULL,
                                                          (START_MS + i * 1000) * 1000);

      if (i % 256 == 0)
        for (;;)
          {
            bd_recorder_get_stats (recorder, &stats);
            if (stats.queue_depth + 512 < stats.queue_capacity)
              break;
            g_usleep (200);
          }
      bd_recorder_tap (message, recorder);
    }
  bd_recorder_close (recorder);
  bd_recorder_get_stats (recorder, &stats);
  g_assert_cmpuint (stats.recorded, ==, (guint64) n);
  g_print ("built in %.1f s (%.0f samples/s, %" G_GUINT64_FORMAT " dropped)\n",
           (g_get_monotonic_time () - start) / 1e6,
           n / ((g_get_monotonic_time () - start) / 1e6), stats.dropped);
}

static int
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a;
  gint64 y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

static void
time_query (BdHistory      *history,
            const char     *label,
            gint64          from,
            gint64          to,
            guint           n_buckets,
            BdHistoryLevel  level,
            guint           runs)
{
  g_autofree gint64 *times = g_new0 (gint64, runs);
  BdHistoryLevel used = level;
  guint64 total = 0;
  static const char * const names[] = { "auto", "raw", "1-minute", "1-hour" };

  for (guint r = 0; r <= runs; r++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(BdHistorySeriesData) data = NULL;
      gint64 start = g_get_monotonic_time ();

      data = bd_history_query_series (history, SERIES, from, to, n_buckets, level, NULL, &error);
      g_assert_no_error (error);
      if (r == 0)
        {
          /* warm-up: opens the pooled connection and warms the page cache */
          used = data->level;
          for (guint i = 0; i < data->n_buckets; i++)
            total += data->buckets[i].count;
          continue;
        }
      times[r - 1] = g_get_monotonic_time () - start;
    }
  qsort (times, runs, sizeof (gint64), compare_gint64);
  g_print ("%-34s level %-8s samples %8" G_GUINT64_FORMAT "  median %7.2f ms  max %7.2f ms\n",
           label, names[used], total, times[runs / 2] / 1000.0, times[runs - 1] / 1000.0);
}

int
main (int   argc,
      char *argv[])
{
  guint runs = argc > 1 ? (guint) g_ascii_strtoull (argv[1], NULL, 10) : 20;
  g_autofree char *dir = g_build_filename (g_get_tmp_dir (), "bd-bench-history-query-v1", NULL);
  g_autofree char *db = g_build_filename (dir, "history.db", NULL);
  g_autofree char *done = g_build_filename (dir, "complete", NULL);
  g_autoptr(BdHistory) history = NULL;

  if (g_getenv ("BD_BENCH_REBUILD") != NULL || !g_file_test (done, G_FILE_TEST_EXISTS))
    {
      g_autofree char *wal = g_strconcat (db, "-wal", NULL);
      g_autofree char *shm = g_strconcat (db, "-shm", NULL);

      g_mkdir_with_parents (dir, 0700);
      g_unlink (db);
      g_unlink (wal);
      g_unlink (shm);
      g_unlink (done);
      build (dir);
      g_file_set_contents (done, "", 0, NULL);
    }
  else
    g_print ("using the cached history in %s\n", dir);

  history = bd_history_new (dir);
  g_print ("%u runs each, 1000 buckets unless said:\n", runs);
  time_query (history, "30 days", START_MS, END_MS, 1000, BD_HISTORY_LEVEL_AUTO, runs);
  time_query (history, "24 hours", END_MS - DAY_MS, END_MS, 1000, BD_HISTORY_LEVEL_AUTO, runs);
  time_query (history, "1 hour", END_MS - DAY_MS / 24, END_MS, 1000, BD_HISTORY_LEVEL_AUTO, runs);
  time_query (history, "30 days, 200 buckets", START_MS, END_MS, 200, BD_HISTORY_LEVEL_AUTO, runs);
  time_query (history, "30 days from 1-hour rollups", START_MS, END_MS, 720, BD_HISTORY_LEVEL_HOUR, runs);
  time_query (history, "24 hours from raw samples", END_MS - DAY_MS, END_MS, 1000, BD_HISTORY_LEVEL_RAW, runs);
  time_query (history, "30 days from raw samples (no rollup)", START_MS, END_MS, 1000,
              BD_HISTORY_LEVEL_RAW, MIN (runs, 5));
  return 0;
}
