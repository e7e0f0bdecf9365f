/* bench-history-ingest.c — sustained ingest through the recorder tap
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A producer thread plays the engine: it builds BdMessages (1000 topics,
 * plain numeric payloads, one sample each) and calls bd_recorder_tap() as
 * fast as the queue takes them (it yields when the queue is nearly full, so
 * nothing is dropped and the number measures the writer). Each run records
 * MESSAGES messages into a fresh database and reports committed samples per
 * second; RSS is sampled along the way to show memory stays flat.
 *
 * Usage: bench-history-ingest [MESSAGES_PER_RUN [RUNS]]   (default 3000000 3)
 */

#include "config.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bd-recorder.h"

#define N_TOPICS 1000

typedef struct
{
  BdRecorder *recorder;
  guint64     n;
} Producer;

/* "VmRSS", "RssAnon" (heap, stacks) or "RssFile" (mapped files: the
 * database pages SQLite reads through mmap, which the kernel may drop). */
static gint64
status_kib (const char *field)
{
  g_autofree char *status = NULL;
  g_auto(GStrv) lines = NULL;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1;
  lines = g_strsplit (status, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], field) && lines[i][strlen (field)] == ':')
      return g_ascii_strtoll (lines[i] + strlen (field) + 1, NULL, 10);
  return -1;
}

/* CPU seconds (user + system) of the thread named @name, from /proc: on a
 * shared machine this is steadier than the wall-clock rate. */
static double
thread_cpu_s (const char *name)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/task", 0, NULL);
  const char *tid;

  while (dir != NULL && (tid = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *comm_path = g_build_filename ("/proc/self/task", tid, "comm", NULL);
      g_autofree char *stat_path = g_build_filename ("/proc/self/task", tid, "stat", NULL);
      g_autofree char *comm = NULL;
      g_autofree char *stat = NULL;
      g_auto(GStrv) fields = NULL;
      const char *after;

      if (!g_file_get_contents (comm_path, &comm, NULL, NULL) ||
          strcmp (g_strstrip (comm), name) != 0 ||
          !g_file_get_contents (stat_path, &stat, NULL, NULL) ||
          (after = strrchr (stat, ')')) == NULL)
        continue;
      /* fields after "(comm)": state is [0], utime [11], stime [12] */
      fields = g_strsplit (after + 2, " ", -1);
      if (g_strv_length (fields) < 13)
        continue;
      return (g_ascii_strtod (fields[11], NULL) + g_ascii_strtod (fields[12], NULL)) /
             sysconf (_SC_CLK_TCK);
    }
  return -1;
}

static gint64
rss_kib (void)
{
  return status_kib ("VmRSS");
}

static gpointer
producer_thread (gpointer data)
{
  Producer *p = data;
  char topics[N_TOPICS][32];
  gint64 t0 = g_get_real_time ();

  for (guint i = 0; i < N_TOPICS; i++)
    g_snprintf (topics[i], sizeof topics[i], "bench/sensor/%u", i);

  for (guint64 i = 0; i < p->n; i++)
    {
      char payload[32];
      gsize len = g_snprintf (payload, sizeof payload, "%" G_GUINT64_FORMAT ".%u", i % 1000, (guint) (i % 10));
      g_autoptr(GBytes) bytes = g_bytes_new (payload, len);
      g_autoptr(BdMessage) message = NULL;
      BdRecorderStats stats;

      /* 1000 topics at 100 Hz each: 10 us of simulated time per message */
      message = bd_message_new_full (topics[i % N_TOPICS], bytes, 0, FALSE, NULL, NULL, t0 + (gint64) i * 10);

      if (i % 256 == 0)
        for (;;)
          {
            bd_recorder_get_stats (p->recorder, &stats);
            if (stats.queue_depth + 512 < stats.queue_capacity)
              break;
            g_usleep (200);
          }
      bd_recorder_tap (message, p->recorder);
    }
  return NULL;
}

static double
run_once (guint64 n,
          guint   run)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("bd-bench-ingest-XXXXXX", &error);
  g_autofree char *db = NULL;
  g_autofree char *wal = NULL;
  g_autofree char *shm = NULL;
  g_autoptr(BdRecorder) recorder = NULL;
  Producer producer;
  GThread *thread;
  BdRecorderStats stats;
  gint64 start;
  gint64 elapsed;
  gint64 rss_start;
  gint64 rss_mid = -1;
  double rate;
  double writer_cpu;
  guint64 next_report = n / 4;

  g_assert_no_error (error);
  recorder = bd_recorder_new (dir, NULL);
  bd_recorder_start (recorder, &error);
  g_assert_no_error (error);

  rss_start = status_kib ("RssAnon");
  producer.recorder = recorder;
  producer.n = n;
  start = g_get_monotonic_time ();
  thread = g_thread_new ("engine", producer_thread, &producer);

  /* Sample RSS as the run goes (not every message: reading stats is cheap,
   * but this thread is not the one measured). */
  for (;;)
    {
      bd_recorder_get_stats (recorder, &stats);
      if (stats.recorded + stats.dropped >= n)
        break;
      if (stats.recorded >= next_report)
        {
          g_print ("  run %u: %3.0f%% recorded, RSS %" G_GINT64_FORMAT " KiB (anon %"
                   G_GINT64_FORMAT ", file %" G_GINT64_FORMAT ")\n",
                   run, 100.0 * stats.recorded / n, rss_kib (),
                   status_kib ("RssAnon"), status_kib ("RssFile"));
          if (rss_mid < 0)
            rss_mid = status_kib ("RssAnon");
          next_report += n / 4;
        }
      g_usleep (20000);
    }
  g_thread_join (thread);
  bd_recorder_flush_sync (recorder, NULL);
  elapsed = g_get_monotonic_time () - start;
  writer_cpu = thread_cpu_s ("bd-recorder");
  bd_recorder_get_stats (recorder, &stats);
  rate = stats.samples / (elapsed / 1e6);

  g_print ("run %u: %" G_GUINT64_FORMAT " messages, %" G_GUINT64_FORMAT " samples, %"
           G_GUINT64_FORMAT " dropped in %.2f s = %.0f samples/s; anon RSS start %" G_GINT64_FORMAT
           " KiB, at 25%% %" G_GINT64_FORMAT " KiB, end %" G_GINT64_FORMAT " KiB; file RSS end %"
           G_GINT64_FORMAT " KiB; db %.1f MiB; writer thread %.1f CPU s = %.0f samples per CPU s\n",
           run, stats.recorded, stats.samples, stats.dropped, elapsed / 1e6, rate,
           rss_start, rss_mid, status_kib ("RssAnon"), status_kib ("RssFile"),
           stats.database_bytes / 1048576.0, writer_cpu, stats.samples / writer_cpu);

  bd_recorder_close (recorder);
  db = g_build_filename (dir, "history.db", NULL);
  wal = g_strconcat (db, "-wal", NULL);
  shm = g_strconcat (db, "-shm", NULL);
  g_unlink (db);
  g_unlink (wal);
  g_unlink (shm);
  g_rmdir (dir);
  return rate;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a;
  double y = *(const double *) b;

  return x < y ? -1 : x > y;
}

int
main (int   argc,
      char *argv[])
{
  guint64 n = argc > 1 ? g_ascii_strtoull (argv[1], NULL, 10) : 3000000;
  guint runs = argc > 2 ? (guint) g_ascii_strtoull (argv[2], NULL, 10) : 3;
  g_autofree double *rates = g_new0 (double, runs);

  g_print ("history ingest: %u runs of %" G_GUINT64_FORMAT " messages over %d topics\n",
           runs, n, N_TOPICS);
  for (guint r = 0; r < runs; r++)
    rates[r] = run_once (n, r + 1);
  qsort (rates, runs, sizeof (double), compare_doubles);
  g_print ("median: %.0f samples/s\n", rates[runs / 2]);
  return 0;
}
