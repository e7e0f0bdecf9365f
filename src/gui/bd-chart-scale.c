/* bd-chart-scale.c — the arithmetic of a chart: nice ticks and pixel mapping
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Nice numbers after Heckbert ("Nice numbers for graph labels", Graphics
 * Gems, 1990), with 2.5 added so a range of 10 gets five ticks, not three.
 */

#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "bd-chart-scale.h"

#define SECOND_MS ((gint64) 1000)
#define MINUTE_MS (60 * SECOND_MS)
#define HOUR_MS   (60 * MINUTE_MS)
#define DAY_MS    (24 * HOUR_MS)

double
bd_chart_nice_number (double   x,
                      gboolean round)
{
  double exponent;
  double fraction;
  double nice;

  if (!(x > 0) || !isfinite (x))
    return 1;

  exponent = floor (log10 (x));
  fraction = x / pow (10, exponent);
  if (round)
    {
      if (fraction < 1.5)
        nice = 1;
      else if (fraction < 2.25)
        nice = 2;
      else if (fraction < 3.5)
        nice = 2.5;
      else if (fraction < 7.5)
        nice = 5;
      else
        nice = 10;
    }
  else
    {
      /* A small tolerance: 0.3 / 0.1 is 2.9999999999999996. */
      if (fraction <= 1 + 1e-9)
        nice = 1;
      else if (fraction <= 2 + 1e-9)
        nice = 2;
      else if (fraction <= 2.5 + 1e-9)
        nice = 2.5;
      else if (fraction <= 5 + 1e-9)
        nice = 5;
      else
        nice = 10;
    }
  return nice * pow (10, exponent);
}

guint
bd_chart_step_decimals (double step)
{
  if (!(step > 0) || !isfinite (step))
    return 0;
  for (guint decimals = 0; decimals < 6; decimals++)
    {
      double scaled = step * pow (10, decimals);

      if (fabs (scaled - nearbyint (scaled)) < 1e-6 * MAX (1, scaled))
        return decimals;
    }
  return 6;
}

void
bd_chart_compute_ticks (double        min,
                        double        max,
                        guint         max_ticks,
                        BdChartTicks *ticks)
{
  double step;

  g_return_if_fail (ticks != NULL);

  if (isnan (min) || isnan (max) || !isfinite (min) || !isfinite (max))
    {
      min = 0;
      max = 1;
    }
  if (min > max)
    {
      double tmp = min;

      min = max;
      max = tmp;
    }
  if (min == max)
    {
      /* A constant: put it in the middle of a small range around it. */
      double pad = fabs (min) > 0 ? fabs (min) * 0.05 : 0.5;

      min -= pad;
      max += pad;
    }
  max_ticks = MAX (max_ticks, 2);

  /* The smallest nice step that needs no more than max_ticks - 1 intervals
   * over the data (one more may come from rounding the ends outwards). */
  step = bd_chart_nice_number ((max - min) / (max_ticks - 1), FALSE);
  ticks->first = floor (min / step + 1e-9) * step;
  ticks->last = ceil (max / step - 1e-9) * step;
  /* Rounding can leave fewer than two ticks around tiny ranges. */
  if (ticks->last <= ticks->first)
    ticks->last = ticks->first + step;
  ticks->step = step;
  ticks->n_ticks = (guint) nearbyint ((ticks->last - ticks->first) / step) + 1;
  ticks->decimals = bd_chart_step_decimals (step);
}

char *
bd_chart_format_value (double value,
                       guint  decimals)
{
  g_autofree char *text = NULL;

  if (isnan (value))
    return g_strdup ("—");
  /* -0.0 prints as "-0.0", which reads as a sign of something. */
  if (fabs (value) < 0.5 * pow (10, -(double) decimals))
    value = 0;
  text = g_strdup_printf ("%.*f", (int) decimals, value);
  if (text[0] == '-')
    return g_strconcat ("−", text + 1, NULL);
  return g_steal_pointer (&text);
}

gint64
bd_chart_time_step (gint64 span_ms,
                    guint  max_ticks)
{
  static const gint64 steps[] = {
    SECOND_MS, 2 * SECOND_MS, 5 * SECOND_MS, 10 * SECOND_MS, 15 * SECOND_MS, 30 * SECOND_MS,
    MINUTE_MS, 2 * MINUTE_MS, 5 * MINUTE_MS, 10 * MINUTE_MS, 15 * MINUTE_MS, 30 * MINUTE_MS,
    HOUR_MS, 2 * HOUR_MS, 3 * HOUR_MS, 6 * HOUR_MS, 12 * HOUR_MS,
    DAY_MS, 2 * DAY_MS, 7 * DAY_MS, 14 * DAY_MS, 30 * DAY_MS,
  };
  gint64 wanted;

  max_ticks = MAX (max_ticks, 1);
  wanted = MAX (span_ms, 1) / max_ticks;
  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    if (steps[i] >= wanted)
      return steps[i];
  return steps[G_N_ELEMENTS (steps) - 1];
}

gint64
bd_chart_time_first_tick (gint64 from_ms,
                          gint64 step_ms,
                          gint64 utc_offset_ms)
{
  gint64 local = from_ms + utc_offset_ms;
  gint64 align = step_ms;
  gint64 first;

  g_return_val_if_fail (step_ms > 0, from_ms);

  /* Weeks and months start on a local midnight, not on a multiple of 7 days
   * since 1970 (a Thursday). */
  if (step_ms > DAY_MS)
    align = DAY_MS;
  first = local - (((local % align) + align) % align);
  if (first < local)
    first += align;
  return first - utc_offset_ms;
}

const char *
bd_chart_time_format (gint64 step_ms,
                      gint64 tick_ms,
                      gint64 utc_offset_ms)
{
  gint64 local = tick_ms + utc_offset_ms;
  gboolean midnight = ((local % DAY_MS) + DAY_MS) % DAY_MS == 0;

  if (step_ms >= DAY_MS || (midnight && step_ms >= HOUR_MS))
    return "%b %-d";
  if (step_ms < MINUTE_MS)
    return "%H:%M:%S";
  return "%H:%M";
}

double
bd_chart_time_x (gint64 time_ms,
                 gint64 from_ms,
                 gint64 to_ms,
                 double x0,
                 double width)
{
  if (to_ms <= from_ms)
    return x0;
  return x0 + (double) (time_ms - from_ms) / (double) (to_ms - from_ms) * width;
}

double
bd_chart_bucket_x (guint  index,
                   guint  n_buckets,
                   double x0,
                   double width)
{
  if (n_buckets == 0)
    return x0;
  return x0 + (index + 0.5) * width / n_buckets;
}

int
bd_chart_bucket_at_x (double x,
                      guint  n_buckets,
                      double x0,
                      double width)
{
  double index;

  if (n_buckets == 0 || !(width > 0))
    return -1;
  index = floor ((x - x0) * n_buckets / width);
  return (int) CLAMP (index, 0, (double) n_buckets - 1);
}

double
bd_chart_value_y (double value,
                  double min,
                  double max,
                  double y0,
                  double height)
{
  if (!(max > min))
    return y0 + height / 2;
  return y0 + height - (value - min) / (max - min) * height;
}

int
bd_chart_nearest_with_data (const BdHistoryBucket *buckets,
                            guint                  n_buckets,
                            int                    index)
{
  if (n_buckets == 0)
    return -1;
  index = CLAMP (index, 0, (int) n_buckets - 1);
  for (int d = 0; d < (int) n_buckets; d++)
    {
      /* Ties go to the later bucket: the newer value is the likelier question. */
      if (index + d < (int) n_buckets && buckets[index + d].count > 0)
        return index + d;
      if (index - d >= 0 && buckets[index - d].count > 0)
        return index - d;
    }
  return -1;
}

int
bd_chart_step_with_data (const BdHistoryBucket *buckets,
                         guint                  n_buckets,
                         int                    index,
                         int                    direction)
{
  g_return_val_if_fail (direction == 1 || direction == -1, index);

  for (int i = index + direction; i >= 0 && i < (int) n_buckets; i += direction)
    if (buckets[i].count > 0)
      return i;
  return index;
}

static int
compare_guint (gconstpointer a,
               gconstpointer b)
{
  guint x = *(const guint *) a;
  guint y = *(const guint *) b;

  return x < y ? -1 : x > y;
}

guint
bd_chart_join_distance (const BdHistoryBucket *buckets,
                        guint                  n_buckets)
{
  g_autofree guint *spacings = g_new (guint, MAX (n_buckets, 1));
  guint n_spacings = 0;
  int previous = -1;
  guint usual;

  for (guint i = 0; i < n_buckets; i++)
    {
      if (buckets[i].count == 0)
        continue;
      if (previous >= 0)
        spacings[n_spacings++] = i - previous;
      previous = i;
    }
  if (n_spacings == 0)
    return 1;

  /* The 75th percentile: the data's rhythm, even when a few real gaps (a
   * quarter of the spacings at most) are among them. */
  qsort (spacings, n_spacings, sizeof (guint), compare_guint);
  usual = spacings[(n_spacings * 3) / 4];
  return usual <= 1 ? 1 : 2 * usual;
}

guint
bd_chart_data_runs (const BdHistoryBucket *buckets,
                    guint                  n_buckets,
                    guint                  join_distance,
                    guint                 *starts,
                    guint                 *lengths)
{
  guint n_runs = 0;
  guint i = 0;

  join_distance = MAX (join_distance, 1);
  while (i < n_buckets)
    {
      guint start;
      guint last;

      while (i < n_buckets && buckets[i].count == 0)
        i++;
      if (i == n_buckets)
        break;
      start = last = i;
      for (i = i + 1; i < n_buckets && i - last <= join_distance; i++)
        if (buckets[i].count > 0)
          last = i;
      i = last + 1;
      if (starts != NULL)
        starts[n_runs] = start;
      if (lengths != NULL)
        lengths[n_runs] = last - start + 1;
      n_runs++;
    }
  return n_runs;
}
