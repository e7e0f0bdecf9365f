/* bd-chart-scale.h — the arithmetic of a chart: nice ticks and pixel mapping
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Pure functions without widgets, so the tests check them without a display.
 */

#pragma once

#include <glib.h>

#include "bd-history.h"

G_BEGIN_DECLS

/* A value axis: ticks at first, first + step, … up to last (both
 * multiples of step and enclosing the data). */
typedef struct
{
  double first;
  double last;
  double step;
  guint  n_ticks;
  guint  decimals;   /* digits after the point that show a tick exactly */
} BdChartTicks;

/* 1, 2, 2.5 or 5 times a power of ten: the nice number nearest @x
 * (@round) or the smallest nice number not below @x. */
double    bd_chart_nice_number        (double        x,
                                       gboolean      round);
/* At most about @max_ticks nice ticks over [@min, @max]. NAN bounds (no
 * data) give 0…1; equal bounds are widened around the value. */
void      bd_chart_compute_ticks      (double        min,
                                       double        max,
                                       guint         max_ticks,
                                       BdChartTicks *ticks);
/* Digits after the point that show @step exactly (0 to 6). */
guint     bd_chart_step_decimals      (double        step);
/* "23.4" with @decimals digits, "−1.5" with a real minus sign. */
char     *bd_chart_format_value       (double        value,
                                       guint         decimals);

/* The time between two time-axis ticks (1 s … 30 d) so that about
 * @max_ticks of them fit in @span_ms. */
gint64    bd_chart_time_step          (gint64        span_ms,
                                       guint         max_ticks);
/* The first tick at or after @from_ms, on a multiple of @step_ms in local
 * time (@utc_offset_ms east of UTC), so ticks fall on 14:00, 14:15, …
 * and day ticks on local midnight. */
gint64    bd_chart_time_first_tick    (gint64        from_ms,
                                       gint64        step_ms,
                                       gint64        utc_offset_ms);
/* A g_date_time_format() format for a tick at @tick_ms: seconds for steps
 * under a minute, hours and minutes below a day, the date for day steps
 * and for the local midnight tick of a shorter step. */
const char *bd_chart_time_format      (gint64        step_ms,
                                       gint64        tick_ms,
                                       gint64        utc_offset_ms);

/* @time_ms on an axis from @from_ms (at x0) to @to_ms (at x0 + width). */
double    bd_chart_time_x             (gint64        time_ms,
                                       gint64        from_ms,
                                       gint64        to_ms,
                                       double        x0,
                                       double        width);
/* Bucket @index of @n_buckets over [x0, x0 + width): the x of its centre. */
double    bd_chart_bucket_x           (guint         index,
                                       guint         n_buckets,
                                       double        x0,
                                       double        width);
/* The bucket under @x (clamped to 0 … n_buckets - 1), -1 if there is none. */
int       bd_chart_bucket_at_x        (double        x,
                                       guint         n_buckets,
                                       double        x0,
                                       double        width);
/* @value between @min (at y0 + height) and @max (at y0): y grows downwards. */
double    bd_chart_value_y            (double        value,
                                       double        min,
                                       double        max,
                                       double        y0,
                                       double        height);
/* The bucket nearest @index that has data (count > 0), -1 if none has. */
int       bd_chart_nearest_with_data  (const BdHistoryBucket *buckets,
                                       guint                  n_buckets,
                                       int                    index);
/* The next bucket with data from @index in @direction (+1 or -1),
 * or @index itself if there is none that way. */
int       bd_chart_step_with_data     (const BdHistoryBucket *buckets,
                                       guint                  n_buckets,
                                       int                    index,
                                       int                    direction);
/* How far apart (in buckets) two buckets with data may be and still be
 * joined by the line: 1 (every empty bucket is a gap) when the data fills
 * the buckets, about twice the usual spacing when the data is sparser than
 * the buckets (a sample every 20 s in 4-second buckets), so only a silence
 * longer than the data's own rhythm shows as a gap. */
guint     bd_chart_join_distance      (const BdHistoryBucket *buckets,
                                       guint                  n_buckets);
/* Runs of buckets drawn as one band and one line each: from a bucket with
 * data to the last one reached in steps of at most @join_distance buckets
 * (the empty buckets inside are skipped). Returns the number of runs and
 * fills @starts and @lengths (each n_buckets long at most, may be NULL);
 * a run starts and ends with a bucket that has data. */
guint     bd_chart_data_runs          (const BdHistoryBucket *buckets,
                                       guint                  n_buckets,
                                       guint                  join_distance,
                                       guint                 *starts,
                                       guint                 *lengths);

G_END_DECLS
