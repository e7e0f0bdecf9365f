/* test-chart-scale.c — the chart's arithmetic: nice ticks, time ticks, mapping, gaps
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Pure functions, no display: what the axes say and where a bucket lands
 * decides whether a chart tells the truth, so each case names its numbers.
 */

#include "config.h"

#include <math.h>

#include "bd-chart-scale.h"

#define MINUTE_MS ((gint64) 60 * 1000)
#define HOUR_MS   (60 * MINUTE_MS)
#define DAY_MS    (24 * HOUR_MS)

static void
test_nice_number (void)
{
  g_assert_cmpfloat (bd_chart_nice_number (0.3, FALSE), ==, 0.5);
  g_assert_cmpfloat (bd_chart_nice_number (1.0, FALSE), ==, 1.0);
  g_assert_cmpfloat (bd_chart_nice_number (2.3, FALSE), ==, 2.5);
  g_assert_cmpfloat (bd_chart_nice_number (7, FALSE), ==, 10);
  g_assert_cmpfloat_with_epsilon (bd_chart_nice_number (0.3 / 0.1, FALSE), 5, 1e-9);
  g_assert_cmpfloat (bd_chart_nice_number (1.2, TRUE), ==, 1);
  g_assert_cmpfloat (bd_chart_nice_number (1.8, TRUE), ==, 2);
  g_assert_cmpfloat (bd_chart_nice_number (3, TRUE), ==, 2.5);
  g_assert_cmpfloat (bd_chart_nice_number (400, TRUE), ==, 500);
  g_assert_cmpfloat (bd_chart_nice_number (8, TRUE), ==, 10);
  /* Nonsense in, something harmless out. */
  g_assert_cmpfloat (bd_chart_nice_number (0, TRUE), ==, 1);
  g_assert_cmpfloat (bd_chart_nice_number (NAN, TRUE), ==, 1);
}

static void
test_ticks (void)
{
  BdChartTicks ticks;

  /* Temperatures between 22.1 and 24.9: half degrees. */
  bd_chart_compute_ticks (22.1, 24.9, 8, &ticks);
  g_assert_cmpfloat_with_epsilon (ticks.step, 0.5, 1e-12);
  g_assert_cmpfloat_with_epsilon (ticks.first, 22.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (ticks.last, 25.0, 1e-9);
  g_assert_cmpuint (ticks.n_ticks, ==, 7);
  g_assert_cmpuint (ticks.decimals, ==, 1);

  /* Fewer ticks allowed: whole degrees. */
  bd_chart_compute_ticks (22.1, 24.9, 6, &ticks);
  g_assert_cmpfloat (ticks.step, ==, 1);
  g_assert_cmpuint (ticks.n_ticks, ==, 4);
  g_assert_cmpuint (ticks.decimals, ==, 0);

  /* CO2 from 412 to 1180 ppm: 768 over 4 intervals is 192, so 200s. */
  bd_chart_compute_ticks (412, 1180, 5, &ticks);
  g_assert_cmpfloat (ticks.step, ==, 200);
  g_assert_cmpfloat (ticks.first, ==, 400);
  g_assert_cmpfloat (ticks.last, ==, 1200);
  g_assert_cmpuint (ticks.n_ticks, ==, 5);
  g_assert_cmpuint (ticks.decimals, ==, 0);

  /* Negative values keep their sign, the ticks enclose the data. */
  bd_chart_compute_ticks (-7.5, 3.2, 6, &ticks);
  g_assert_cmpfloat (ticks.first, ==, -7.5);
  g_assert_cmpfloat (ticks.last, ==, 5);
  g_assert_cmpfloat (ticks.step, ==, 2.5);
  g_assert_cmpuint (ticks.decimals, ==, 1);

  /* A constant value is centred in a small range around it. */
  bd_chart_compute_ticks (21, 21, 5, &ticks);
  g_assert_cmpfloat (ticks.first, <, 21);
  g_assert_cmpfloat (ticks.last, >, 21);
  g_assert_cmpuint (ticks.n_ticks, >=, 2);

  /* Zero as a constant (a switch that stays off). */
  bd_chart_compute_ticks (0, 0, 5, &ticks);
  g_assert_cmpfloat (ticks.first, <, 0);
  g_assert_cmpfloat (ticks.last, >, 0);

  /* No data: a plain 0…1 axis. */
  bd_chart_compute_ticks (NAN, NAN, 5, &ticks);
  g_assert_cmpfloat (ticks.first, ==, 0);
  g_assert_cmpfloat (ticks.last, ==, 1);

  /* Reversed bounds are swapped. */
  bd_chart_compute_ticks (10, 0, 3, &ticks);
  g_assert_cmpfloat (ticks.first, ==, 0);
  g_assert_cmpfloat (ticks.last, ==, 10);
}

static void
test_format_value (void)
{
  g_autofree char *a = bd_chart_format_value (23.44, 1);
  g_autofree char *b = bd_chart_format_value (-1.5, 1);
  g_autofree char *c = bd_chart_format_value (-0.01, 1);
  g_autofree char *d = bd_chart_format_value (NAN, 1);
  g_autofree char *e = bd_chart_format_value (1013.25, 0);

  g_assert_cmpstr (a, ==, "23.4");
  g_assert_cmpstr (b, ==, "−1.5");
  g_assert_cmpstr (c, ==, "0.0");
  g_assert_cmpstr (d, ==, "—");
  g_assert_cmpstr (e, ==, "1013");

  g_assert_cmpuint (bd_chart_step_decimals (0.25), ==, 2);
  g_assert_cmpuint (bd_chart_step_decimals (0.5), ==, 1);
  g_assert_cmpuint (bd_chart_step_decimals (200), ==, 0);
}

static void
test_time_ticks (void)
{
  /* 2026-11-25 14:07:30 UTC. */
  gint64 from = (gint64) 1795615650 * 1000;
  gint64 step;
  gint64 first;

  /* 5 minutes in about 6 ticks: every minute. */
  step = bd_chart_time_step (5 * MINUTE_MS, 6);
  g_assert_cmpint (step, ==, MINUTE_MS);
  /* An hour: every 10 minutes. */
  g_assert_cmpint (bd_chart_time_step (HOUR_MS, 6), ==, 10 * MINUTE_MS);
  /* A day: every 6 hours at 4 ticks, 3 hours at 8. */
  g_assert_cmpint (bd_chart_time_step (DAY_MS, 4), ==, 6 * HOUR_MS);
  g_assert_cmpint (bd_chart_time_step (DAY_MS, 8), ==, 3 * HOUR_MS);
  /* 30 days at 6 ticks: weekly. */
  g_assert_cmpint (bd_chart_time_step (30 * DAY_MS, 6), ==, 7 * DAY_MS);

  /* Ticks fall on round local times: 14:10 in UTC… */
  first = bd_chart_time_first_tick (from, 10 * MINUTE_MS, 0);
  g_assert_cmpint (first, ==, from + 150 * 1000);
  /* …and 6-hour ticks on 18:00 local at UTC+9 (09:00 UTC next multiple). */
  first = bd_chart_time_first_tick (from, 6 * HOUR_MS, 9 * HOUR_MS);
  g_assert_cmpint ((first + 9 * HOUR_MS) % (6 * HOUR_MS), ==, 0);
  g_assert_cmpint (first, >=, from);
  g_assert_cmpint (first - from, <, 6 * HOUR_MS);
  /* Weekly ticks start on a local midnight. */
  first = bd_chart_time_first_tick (from, 7 * DAY_MS, 9 * HOUR_MS);
  g_assert_cmpint ((first + 9 * HOUR_MS) % DAY_MS, ==, 0);
  g_assert_cmpint (first - from, <, DAY_MS);
  /* A tick already on the grid is its own first tick. */
  g_assert_cmpint (bd_chart_time_first_tick (from + 150 * 1000, 10 * MINUTE_MS, 0), ==,
                   from + 150 * 1000);

  g_assert_cmpstr (bd_chart_time_format (10 * 1000, from, 0), ==, "%H:%M:%S");
  g_assert_cmpstr (bd_chart_time_format (10 * MINUTE_MS, from, 0), ==, "%H:%M");
  g_assert_cmpstr (bd_chart_time_format (DAY_MS, from, 0), ==, "%b %-d");
  /* Local midnight on an hourly axis shows the date. */
  g_assert_cmpstr (bd_chart_time_format (3 * HOUR_MS, 15 * HOUR_MS, 9 * HOUR_MS), ==, "%b %-d");
}

static void
test_mapping (void)
{
  /* 100 buckets over 200 pixels from x = 50: two pixels each. */
  g_assert_cmpfloat (bd_chart_bucket_x (0, 100, 50, 200), ==, 51);
  g_assert_cmpfloat (bd_chart_bucket_x (99, 100, 50, 200), ==, 249);
  g_assert_cmpint (bd_chart_bucket_at_x (51, 100, 50, 200), ==, 0);
  g_assert_cmpint (bd_chart_bucket_at_x (52.5, 100, 50, 200), ==, 1);
  g_assert_cmpint (bd_chart_bucket_at_x (10, 100, 50, 200), ==, 0);
  g_assert_cmpint (bd_chart_bucket_at_x (1000, 100, 50, 200), ==, 99);
  g_assert_cmpint (bd_chart_bucket_at_x (60, 0, 50, 200), ==, -1);
  /* Round trip for every bucket. */
  for (guint i = 0; i < 100; i++)
    g_assert_cmpint (bd_chart_bucket_at_x (bd_chart_bucket_x (i, 100, 50, 200), 100, 50, 200), ==, i);

  /* Values: min at the bottom, max at the top. */
  g_assert_cmpfloat (bd_chart_value_y (20, 20, 30, 10, 100), ==, 110);
  g_assert_cmpfloat (bd_chart_value_y (30, 20, 30, 10, 100), ==, 10);
  g_assert_cmpfloat (bd_chart_value_y (25, 20, 30, 10, 100), ==, 60);
  /* An empty range puts everything in the middle, not at infinity. */
  g_assert_cmpfloat (bd_chart_value_y (25, 25, 25, 10, 100), ==, 60);

  g_assert_cmpfloat (bd_chart_time_x (1500, 1000, 2000, 0, 100), ==, 50);
  g_assert_cmpfloat (bd_chart_time_x (1000, 1000, 1000, 7, 100), ==, 7);
}

static void
set_bucket (BdHistoryBucket *bucket,
            guint64          count,
            double           value)
{
  bucket->count = count;
  bucket->min = count > 0 ? value - 1 : NAN;
  bucket->max = count > 0 ? value + 1 : NAN;
  bucket->avg = count > 0 ? value : NAN;
  bucket->first = bucket->avg;
  bucket->last = bucket->avg;
}

static void
test_join_distance (void)
{
  BdHistoryBucket buckets[200] = { 0 };

  /* Data in every bucket: any empty one is a gap. */
  for (guint i = 0; i < 200; i++)
    set_bucket (&buckets[i], 1, i);
  g_assert_cmpuint (bd_chart_join_distance (buckets, 200), ==, 1);

  /* 1 Hz data in 0.7 s buckets: every third bucket or so is empty. */
  for (guint i = 0; i < 200; i++)
    set_bucket (&buckets[i], (i % 3) != 2, i);
  g_assert_cmpuint (bd_chart_join_distance (buckets, 200), ==, 4);

  /* A sample every 5 buckets, with one long silence: the silence stays a
   * gap, the spaces between samples do not. */
  for (guint i = 0; i < 200; i++)
    set_bucket (&buckets[i], (i % 5) == 0 && (i < 80 || i > 140), i);
  g_assert_cmpuint (bd_chart_join_distance (buckets, 200), ==, 10);
  g_assert_cmpuint (bd_chart_data_runs (buckets, 200, 10, NULL, NULL), ==, 2);

  /* One bucket with data: nothing to measure. */
  for (guint i = 0; i < 200; i++)
    set_bucket (&buckets[i], i == 50, i);
  g_assert_cmpuint (bd_chart_join_distance (buckets, 200), ==, 1);
}

static void
test_gaps (void)
{
  BdHistoryBucket buckets[10] = { 0 };
  guint starts[10];
  guint lengths[10];
  guint n_runs;

  /* Data in 1-3, 5, 8-9; gaps at 0, 4, 6 and 7. */
  for (guint i = 0; i < G_N_ELEMENTS (buckets); i++)
    set_bucket (&buckets[i], 0, 0);
  set_bucket (&buckets[1], 3, 20);
  set_bucket (&buckets[2], 1, 21);
  set_bucket (&buckets[3], 5, 22);
  set_bucket (&buckets[5], 2, 23);
  set_bucket (&buckets[8], 1, 24);
  set_bucket (&buckets[9], 4, 25);

  /* Strictly: every empty bucket is a gap. */
  n_runs = bd_chart_data_runs (buckets, 10, 1, starts, lengths);
  g_assert_cmpuint (n_runs, ==, 3);
  g_assert_cmpuint (starts[0], ==, 1);
  g_assert_cmpuint (lengths[0], ==, 3);
  g_assert_cmpuint (starts[1], ==, 5);
  g_assert_cmpuint (lengths[1], ==, 1);
  g_assert_cmpuint (starts[2], ==, 8);
  g_assert_cmpuint (lengths[2], ==, 2);
  g_assert_cmpuint (bd_chart_data_runs (buckets, 10, 1, NULL, NULL), ==, 3);
  g_assert_cmpuint (bd_chart_data_runs (buckets, 0, 1, NULL, NULL), ==, 0);
  /* Steps of two join 1-3 and 5; 5 to 8 is three: still a gap. */
  n_runs = bd_chart_data_runs (buckets, 10, 2, starts, lengths);
  g_assert_cmpuint (n_runs, ==, 2);
  g_assert_cmpuint (starts[0], ==, 1);
  g_assert_cmpuint (lengths[0], ==, 5);
  g_assert_cmpuint (starts[1], ==, 8);
  g_assert_cmpuint (lengths[1], ==, 2);
  /* Steps of three: one run from the first bucket with data to the last. */
  n_runs = bd_chart_data_runs (buckets, 10, 3, starts, lengths);
  g_assert_cmpuint (n_runs, ==, 1);
  g_assert_cmpuint (starts[0], ==, 1);
  g_assert_cmpuint (lengths[0], ==, 9);

  /* The crosshair snaps to data: from a gap to the nearest bucket with
   * some, the later one on a tie. */
  g_assert_cmpint (bd_chart_nearest_with_data (buckets, 10, 0), ==, 1);
  g_assert_cmpint (bd_chart_nearest_with_data (buckets, 10, 4), ==, 5);
  g_assert_cmpint (bd_chart_nearest_with_data (buckets, 10, 6), ==, 5);
  g_assert_cmpint (bd_chart_nearest_with_data (buckets, 10, 7), ==, 8);
  g_assert_cmpint (bd_chart_nearest_with_data (buckets, 10, 99), ==, 9);

  /* Keyboard steps skip gaps and stop at the ends. */
  g_assert_cmpint (bd_chart_step_with_data (buckets, 10, 3, 1), ==, 5);
  g_assert_cmpint (bd_chart_step_with_data (buckets, 10, 5, 1), ==, 8);
  g_assert_cmpint (bd_chart_step_with_data (buckets, 10, 9, 1), ==, 9);
  g_assert_cmpint (bd_chart_step_with_data (buckets, 10, 5, -1), ==, 3);
  g_assert_cmpint (bd_chart_step_with_data (buckets, 10, 1, -1), ==, 1);
  g_assert_cmpint (bd_chart_step_with_data (buckets, 10, -1, 1), ==, 1);    /* Home */
  g_assert_cmpint (bd_chart_step_with_data (buckets, 10, 10, -1), ==, 9);   /* End */

  /* No data at all: nothing to snap to. */
  for (guint i = 0; i < G_N_ELEMENTS (buckets); i++)
    set_bucket (&buckets[i], 0, 0);
  g_assert_cmpint (bd_chart_nearest_with_data (buckets, 10, 4), ==, -1);
  g_assert_cmpuint (bd_chart_data_runs (buckets, 10, 4, starts, lengths), ==, 0);
  g_assert_cmpuint (bd_chart_join_distance (buckets, 10), ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/gui/chart-scale/nice-number", test_nice_number);
  g_test_add_func ("/gui/chart-scale/ticks", test_ticks);
  g_test_add_func ("/gui/chart-scale/format-value", test_format_value);
  g_test_add_func ("/gui/chart-scale/time-ticks", test_time_ticks);
  g_test_add_func ("/gui/chart-scale/mapping", test_mapping);
  g_test_add_func ("/gui/chart-scale/gaps", test_gaps);
  g_test_add_func ("/gui/chart-scale/join-distance", test_join_distance);

  return g_test_run ();
}
