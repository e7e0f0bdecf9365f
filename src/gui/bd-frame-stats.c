/* bd-frame-stats.c — frame intervals and main-loop stalls, for the GUI benchmark
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Off unless BROKERDESK_FRAME_STATS=FILE is set (bench/run-gui-bench sets it).
 * Then, for the one window that attaches:
 *
 * - Frames: the time of every "after-paint" of the window's frame clock,
 *   both as the clock's own frame time and as CLOCK_MONOTONIC when the frame
 *   finished. The clock is kept running (gdk_frame_clock_begin_updating) as
 *   long as statistics are on. Without that an idle clock only ticks when
 *   something changed, and the intervals would measure how often rows change
 *   (the outbox's ~33 ms) rather than whether the main loop can serve a frame
 *   when one is due, which is what an animation or a keypress sees. Keeping it
 *   running costs an update phase per frame and paints nothing extra.
 * - Stalls: a G_PRIORITY_HIGH timer every 10 ms; how late it fires is how
 *   long the main loop was busy with something it could not interrupt.
 *   Each tick also logs the main thread's CPU time since the last one and,
 *   where the kernel keeps scheduler statistics, the time it spent ready to
 *   run but waiting for a core, so the lateness splits into the thread's
 *   own work, the waits for a CPU and the rest (blocked, e.g. on the X
 *   server).
 * - Batches: bd_frame_stats_record_batch() from the topic outbox, one per
 *   delivery to the topic tree.
 * - Visible rows: about 25 times a second, after a paint, the text of every
 *   mapped label with the "topic-value" style class that lies inside its list
 *   view's viewport, i.e. the last values the user can see right now. The
 *   benchmark compares them with what it published and when.
 *
 * FILE gets a JSON summary over the whole run, replaced every second (not
 * synced to the disk, see write_summary ()) and when the window is
 * unrealized (the app may be stopped by a signal, so quitting is not the
 * only chance). FILE.log gets one line per event, with
 * CLOCK_MONOTONIC microseconds, so a benchmark can cut out its own window:
 *   f WALL_US WALL_INTERVAL_US FRAME_TIME_INTERVAL_US
 *   s WALL_US LATENESS_US MAIN_THREAD_CPU_US_SINCE_LAST_TICK [RUN_QUEUE_WAIT_US_SINCE_LAST_TICK]
 *   b WALL_US DURATION_US N_ENTRIES
 *   v WALL_US TEXT
 *   m WALL_US NAME      (a moment: "window-mapped", "overview-trends", ...)
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "bd-frame-stats.h"

#define STALL_TIMER_MS      10
#define ROW_SAMPLE_US       (40 * 1000)
#define SUMMARY_US          (1000 * 1000)

typedef struct
{
  char          *path;
  int            summary_fd;
  FILE          *log;
  GdkFrameClock *clock;
  gulong         after_paint_id;
  guint          stall_timer_id;

  gint64         last_wall;
  gint64         last_frame_time;
  gint64         last_stall_tick;
  gint64         last_stall_cpu;
  int            schedstat_fd;     /* the main thread's, or -1 */
  gint64         last_stall_wait;
  gint64         last_row_sample;
  gint64         last_summary;

  GArray        *wall_intervals;   /* gint64 µs */
  GArray        *frame_intervals;  /* gint64 µs */
  GArray        *stalls;           /* gint64 µs */
  GArray        *batch_durations;  /* gint64 µs */
  guint64        batch_entries;
} FrameStats;

static FrameStats *stats;

gboolean
bd_frame_stats_enabled (void)
{
  static int enabled = -1;

  if (enabled < 0)
    {
      const char *path = g_getenv (BD_FRAME_STATS_ENV);

      enabled = path != NULL && *path != '\0';
    }
  return enabled;
}

static int
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a;
  gint64 y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

/* Appends "NAME":{"count":…,"p50":…,"p99":…,"max":…} in milliseconds. */
static void
append_distribution (GString    *out,
                     const char *name,
                     GArray     *values)
{
  g_autoptr(GArray) sorted = g_array_copy (values);
  double p50 = 0, p99 = 0, max = 0;

  g_array_sort (sorted, compare_gint64);
  if (sorted->len > 0)
    {
      /* Nearest rank: the smallest value with at least p% at or below it. */
      guint i50 = (guint) ((sorted->len * 50 + 99) / 100);
      guint i99 = (guint) ((sorted->len * 99 + 99) / 100);

      p50 = g_array_index (sorted, gint64, MAX (i50, 1) - 1) / 1000.0;
      p99 = g_array_index (sorted, gint64, MAX (i99, 1) - 1) / 1000.0;
      max = g_array_index (sorted, gint64, sorted->len - 1) / 1000.0;
    }
  g_string_append_printf (out, "\"%s\":{\"count\":%u,\"p50\":%.3f,\"p99\":%.3f,\"max\":%.3f}",
                          name, sorted->len, p50, p99, max);
}

static void
write_summary (void)
{
  g_autoptr(GString) out = g_string_new ("{");

  append_distribution (out, "frame_interval_ms", stats->wall_intervals);
  g_string_append_c (out, ',');
  append_distribution (out, "frame_time_interval_ms", stats->frame_intervals);
  g_string_append_c (out, ',');
  append_distribution (out, "stall_ms", stats->stalls);
  g_string_append_c (out, ',');
  append_distribution (out, "batch_apply_ms", stats->batch_durations);
  g_string_append_printf (out, ",\"frames\":%u,\"batches\":%u,\"batch_entries\":%" G_GUINT64_FORMAT "}\n",
                          stats->wall_intervals->len, stats->batch_durations->len,
                          stats->batch_entries);

  /* Overwritten in place, a few hundred bytes in the file's one block,
   * and not synced to the disk. g_file_set_contents () syncs a file that
   * exists and replaces it, whose old blocks the file system then frees
   * (with a discard on this machine's disk): once a second on the thread
   * this measures, and an off-CPU profile of the benchmark found the main
   * thread blocked in that fsync and discard, 10 ms in one stall: the
   * instrument adding to the stalls it counts. */
  if (stats->summary_fd < 0 ||
      pwrite (stats->summary_fd, out->str, out->len, 0) != (ssize_t) out->len ||
      ftruncate (stats->summary_fd, out->len) != 0)
    g_warning ("Frame statistics: cannot write %s: %s", stats->path, g_strerror (errno));
  if (stats->log != NULL)
    fflush (stats->log);
}

/* Is @label's row inside the visible part of its list view? */
static gboolean
label_in_viewport (GtkWidget *label)
{
  GtkWidget *view = gtk_widget_get_ancestor (label, GTK_TYPE_LIST_VIEW);
  graphene_rect_t bounds;

  if (view == NULL || !gtk_widget_compute_bounds (label, view, &bounds))
    return FALSE;
  /* A list view in a scrolled window is allocated the viewport; rows kept
   * around for scrolling lie outside it. */
  return bounds.origin.y + bounds.size.height > 0
         && bounds.origin.y < gtk_widget_get_height (view)
         && bounds.size.height > 0;
}

static void
sample_rows (GtkWidget *widget,
             gint64     now)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (!gtk_widget_get_mapped (child))
        continue;
      /* The Overview holds no topic rows: walking its 500 tiles 25 times a
       * second was first most of the main thread's work the Overview
       * benchmark measured, and still a twentieth of it when only the
       * tiles' flow boxes were walked: the instrument measuring itself. */
      if (g_strcmp0 (gtk_widget_get_css_name (child), "overviewpage") == 0)
        continue;
      if (GTK_IS_LABEL (child) && gtk_widget_has_css_class (child, "topic-value"))
        {
          if (label_in_viewport (child))
            fprintf (stats->log, "v %" G_GINT64_FORMAT " %s\n", now,
                     gtk_label_get_text (GTK_LABEL (child)));
          continue;
        }
      sample_rows (child, now);
    }
}

static void
on_after_paint_cb (GdkFrameClock *clock,
                   GtkWidget     *window)
{
  gint64 now = g_get_monotonic_time ();
  gint64 frame_time = gdk_frame_clock_get_frame_time (clock);

  if (stats->last_wall != 0)
    {
      gint64 wall_interval = now - stats->last_wall;
      gint64 frame_interval = frame_time - stats->last_frame_time;

      g_array_append_val (stats->wall_intervals, wall_interval);
      g_array_append_val (stats->frame_intervals, frame_interval);
      fprintf (stats->log, "f %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT "\n",
               now, wall_interval, frame_interval);
    }
  stats->last_wall = now;
  stats->last_frame_time = frame_time;

  /* After the paint, so the text sampled is the text just drawn. */
  if (now - stats->last_row_sample >= ROW_SAMPLE_US)
    {
      stats->last_row_sample = now;
      sample_rows (window, now);
    }
}

/* CPU time of the calling thread, in µs. */
static gint64
thread_cpu_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

/* The time the main thread has waited for a CPU while ready to run, in µs
 * (the second field of its schedstat), or -1 where the kernel does not say. */
static gint64
thread_wait_us (void)
{
  char buf[128];
  ssize_t n;
  char *end;
  guint64 wait_ns;

  if (stats->schedstat_fd < 0 || (n = pread (stats->schedstat_fd, buf, sizeof buf - 1, 0)) <= 0)
    return -1;
  buf[n] = '\0';
  g_ascii_strtoull (buf, &end, 10);
  wait_ns = g_ascii_strtoull (end, &end, 10);
  return (gint64) (wait_ns / 1000);
}

static gboolean
on_stall_tick_cb (gpointer user_data)
{
  gint64 now = g_get_monotonic_time ();
  gint64 late = now - stats->last_stall_tick - STALL_TIMER_MS * 1000;
  gint64 cpu = thread_cpu_us ();
  gint64 wait = thread_wait_us ();

  /* GLib schedules the next tick from this dispatch, so lateness does not
   * accumulate across ticks. */
  late = MAX (late, 0);
  g_array_append_val (stats->stalls, late);
  /* The main thread's CPU time over the same span tells a loop that was
   * busy from one that waited (for the renderer, or for a CPU on a loaded
   * machine). */
  if (wait >= 0)
    fprintf (stats->log, "s %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT
             " %" G_GINT64_FORMAT "\n",
             now, late, cpu - stats->last_stall_cpu, wait - stats->last_stall_wait);
  else
    fprintf (stats->log, "s %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT "\n",
             now, late, cpu - stats->last_stall_cpu);
  stats->last_stall_tick = now;
  stats->last_stall_cpu = cpu;
  stats->last_stall_wait = wait;

  if (now - stats->last_summary >= SUMMARY_US)
    {
      stats->last_summary = now;
      write_summary ();
    }
  return G_SOURCE_CONTINUE;
}

static void
on_realize_cb (GtkWidget *window,
               gpointer   user_data)
{
  g_autofree char *log_path = NULL;

  if (stats->clock != NULL)
    return;

  log_path = g_strconcat (stats->path, ".log", NULL);
  stats->log = fopen (log_path, "w");
  if (stats->log == NULL)
    {
      g_warning ("Frame statistics: cannot write %s: %s", log_path, g_strerror (errno));
      return;
    }

  stats->clock = g_object_ref (gtk_widget_get_frame_clock (window));
  stats->after_paint_id = g_signal_connect (stats->clock, "after-paint",
                                            G_CALLBACK (on_after_paint_cb), window);
  gdk_frame_clock_begin_updating (stats->clock);
  /* Opened on the main thread: thread-self is the thread that opens it. */
  stats->schedstat_fd = open ("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
  stats->last_stall_tick = g_get_monotonic_time ();
  stats->last_stall_cpu = thread_cpu_us ();
  stats->last_stall_wait = thread_wait_us ();
  stats->last_summary = stats->last_stall_tick;
  stats->stall_timer_id = g_timeout_add_full (G_PRIORITY_HIGH, STALL_TIMER_MS,
                                              on_stall_tick_cb, NULL, NULL);
}

static void
on_unrealize_cb (GtkWidget *window,
                 gpointer   user_data)
{
  if (stats->clock == NULL)
    return;

  write_summary ();
  g_clear_handle_id (&stats->stall_timer_id, g_source_remove);
  g_clear_signal_handler (&stats->after_paint_id, stats->clock);
  gdk_frame_clock_end_updating (stats->clock);
  g_clear_object (&stats->clock);
  g_clear_pointer (&stats->log, fclose);
  if (stats->schedstat_fd >= 0)
    close (stats->schedstat_fd);
  stats->schedstat_fd = -1;
}

void
bd_frame_stats_attach (GtkWidget *window)
{
  g_return_if_fail (GTK_IS_WINDOW (window));

  if (!bd_frame_stats_enabled () || stats != NULL)
    return;

  /* Lives until exit: the last summary is written on unrealize. */
  stats = g_new0 (FrameStats, 1);
  stats->path = g_strdup (g_getenv (BD_FRAME_STATS_ENV));
  stats->summary_fd = open (stats->path, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
  stats->schedstat_fd = -1;
  stats->wall_intervals = g_array_new (FALSE, FALSE, sizeof (gint64));
  stats->frame_intervals = g_array_new (FALSE, FALSE, sizeof (gint64));
  stats->stalls = g_array_new (FALSE, FALSE, sizeof (gint64));
  stats->batch_durations = g_array_new (FALSE, FALSE, sizeof (gint64));

  g_signal_connect (window, "realize", G_CALLBACK (on_realize_cb), NULL);
  g_signal_connect (window, "unrealize", G_CALLBACK (on_unrealize_cb), NULL);
  g_signal_connect_swapped (window, "map", G_CALLBACK (bd_frame_stats_record_mark),
                            (gpointer) "window-mapped");
}

void
bd_frame_stats_record_mark (const char *name)
{
  if (stats == NULL || stats->log == NULL)
    return;

  fprintf (stats->log, "m %" G_GINT64_FORMAT " %s\n", g_get_monotonic_time (), name);
}

void
bd_frame_stats_record_batch (gint64 duration_us,
                             guint  n_entries)
{
  if (stats == NULL || stats->log == NULL)
    return;

  g_array_append_val (stats->batch_durations, duration_us);
  stats->batch_entries += n_entries;
  fprintf (stats->log, "b %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %u\n",
           g_get_monotonic_time (), duration_us, n_entries);
}
