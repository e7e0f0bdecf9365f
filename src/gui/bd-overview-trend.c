/* bd-overview-trend.c — a tile's 15-minute trend line
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A ring of BD_OVERVIEW_TREND_BUCKETS buckets of ten seconds, indexed by the
 * bucket's number since the epoch, so history answers and live samples land
 * in the same place and old buckets fall out by themselves. Drawing costs
 * one path of at most 90 points whatever the message rate; the widget
 * redraws only when a sample changes a bucket's value. The line is recorded
 * once per change and the same node is drawn again after that: its tile is
 * drawn again for every new value, the line only when it changed. (A
 * texture would be cheaper to draw on paper, but GTK 4.8's cairo renderer
 * converts a texture's pixels each time it draws one, which for 500 tiles
 * cost more than the frames had.) The trend is no widget of its own: its
 * tile draws it, one widget, style node and accessible object less for each
 * of 500 tiles.
 */

#include "config.h"

#include <math.h>

#include "bd-overview-trend.h"

#define BUCKET_MS (BD_OVERVIEW_TREND_SPAN_MS / BD_OVERVIEW_TREND_BUCKETS)

struct _BdOverviewTrend
{
  GObject   parent_instance;

  GtkWidget *owner;                              /* draws the trend */

  gint64    numbers[BD_OVERVIEW_TREND_BUCKETS];  /* the bucket each slot holds; -1: none */
  double    values[BD_OVERVIEW_TREND_BUCKETS];
  gboolean  live[BD_OVERVIEW_TREND_BUCKETS];     /* set by a live sample */
  gint64    newest;                              /* the newest bucket's number */
  double    lo;
  double    hi;

  GskRenderNode *node;                           /* the line; NULL: to be drawn */
  gboolean  drawn;                               /* node is up to date (may be NULL) */
  int       node_width;
  int       node_height;
  GdkRGBA   node_color;
};

G_DEFINE_FINAL_TYPE (BdOverviewTrend, bd_overview_trend, G_TYPE_OBJECT)

static void
invalidate (BdOverviewTrend *self)
{
  self->drawn = FALSE;
  gtk_widget_queue_draw (self->owner);
}

static void
put (BdOverviewTrend *self,
     gint64           number,
     double           value,
     gboolean         live)
{
  guint slot = number % BD_OVERVIEW_TREND_BUCKETS;

  if (number < 0 || number <= self->newest - BD_OVERVIEW_TREND_BUCKETS)
    return;
  if (!live && self->numbers[slot] == number && self->live[slot])
    return;
  self->numbers[slot] = number;
  self->values[slot] = value;
  self->live[slot] = live;
  self->newest = MAX (self->newest, number);
}

static void
draw (BdOverviewTrend *self,
      cairo_t         *cr,
      int              width,
      int              height,
      const GdkRGBA   *color,
      double           min,
      double           max)
{
  gint64 first = self->newest - BD_OVERVIEW_TREND_BUCKETS + 1;
  gboolean started = FALSE;

  cairo_set_line_width (cr, 1.5);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);

  /* The limits that fall inside the drawn range, faint and dashed. */
  {
    double limits[2] = { self->lo, self->hi };
    const double dash[] = { 3.0, 3.0 };

    cairo_save (cr);
    cairo_set_dash (cr, dash, 2, 0);
    cairo_set_source_rgba (cr, color->red, color->green, color->blue, color->alpha * 0.4);
    for (guint i = 0; i < 2; i++)
      if (isfinite (limits[i]) && limits[i] >= min && limits[i] <= max)
        {
          double y = 1 + (height - 2) * (1 - (limits[i] - min) / (max - min));

          cairo_move_to (cr, 0, y);
          cairo_line_to (cr, width, y);
        }
    cairo_stroke (cr);
    cairo_restore (cr);
  }

  gdk_cairo_set_source_rgba (cr, color);
  for (gint64 n = first; n <= self->newest; n++)
    {
      guint slot = n % BD_OVERVIEW_TREND_BUCKETS;
      double x;
      double y;

      if (self->numbers[slot] != n || !isfinite (self->values[slot]))
        continue;   /* a gap joins its neighbours: a trend, not a record */
      x = (double) (n - first) * (width - 1) / (BD_OVERVIEW_TREND_BUCKETS - 1);
      y = 1 + (height - 2) * (1 - (self->values[slot] - min) / (max - min));
      if (started)
        cairo_line_to (cr, x, y);
      else
        cairo_move_to (cr, x, y);
      started = TRUE;
    }
  cairo_stroke (cr);
}

/* Records the line at @width × @height in @color, or no node when there is
 * nothing to draw. */
static void
update_node (BdOverviewTrend *self,
             int              width,
             int              height,
             const GdkRGBA   *color)
{
  double min = INFINITY;
  double max = -INFINITY;
  gint64 first = self->newest - BD_OVERVIEW_TREND_BUCKETS + 1;
  cairo_t *cr;

  g_clear_pointer (&self->node, gsk_render_node_unref);
  self->drawn = TRUE;
  self->node_width = width;
  self->node_height = height;
  self->node_color = *color;

  /* Nothing yet: the newest bucket is still the initial 0. */
  if (width <= 2 || height <= 2 || self->newest < BD_OVERVIEW_TREND_BUCKETS)
    return;
  for (guint i = 0; i < BD_OVERVIEW_TREND_BUCKETS; i++)
    if (self->numbers[i] >= first && isfinite (self->values[i]))
      {
        min = MIN (min, self->values[i]);
        max = MAX (max, self->values[i]);
      }
  if (!isfinite (min))
    return;
  /* A flat line sits in the middle rather than on an edge. */
  if (max - min < 1e-9)
    {
      min -= 1;
      max += 1;
    }

  self->node = gsk_cairo_node_new (&GRAPHENE_RECT_INIT (0, 0, width, height));
  cr = gsk_cairo_node_get_draw_context (self->node);
  draw (self, cr, width, height, color, min, max);
  cairo_destroy (cr);
}

static void
bd_overview_trend_finalize (GObject *object)
{
  BdOverviewTrend *self = BD_OVERVIEW_TREND (object);

  g_clear_pointer (&self->node, gsk_render_node_unref);

  G_OBJECT_CLASS (bd_overview_trend_parent_class)->finalize (object);
}

static void
bd_overview_trend_class_init (BdOverviewTrendClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = bd_overview_trend_finalize;
}

static void
bd_overview_trend_init (BdOverviewTrend *self)
{
  for (guint i = 0; i < BD_OVERVIEW_TREND_BUCKETS; i++)
    self->numbers[i] = -1;
  self->lo = NAN;
  self->hi = NAN;
}

BdOverviewTrend *
bd_overview_trend_new (GtkWidget *owner)
{
  BdOverviewTrend *self = g_object_new (BD_TYPE_OVERVIEW_TREND, NULL);

  g_return_val_if_fail (GTK_IS_WIDGET (owner), self);

  self->owner = owner;
  return self;
}

void
bd_overview_trend_snapshot (BdOverviewTrend *self,
                            GtkSnapshot     *snapshot,
                            int              width,
                            int              height,
                            const GdkRGBA   *color)
{
  g_return_if_fail (BD_IS_OVERVIEW_TREND (self));

  if (!self->drawn || width != self->node_width || height != self->node_height ||
      !gdk_rgba_equal (color, &self->node_color))
    update_node (self, width, height, color);
  if (self->node != NULL)
    gtk_snapshot_append_node (snapshot, self->node);
}

void
bd_overview_trend_set_history (BdOverviewTrend           *self,
                               const BdHistorySeriesData *data)
{
  gint64 now_ms = g_get_real_time () / 1000;

  g_return_if_fail (BD_IS_OVERVIEW_TREND (self));
  g_return_if_fail (data != NULL);

  for (guint i = 0; i < data->n_buckets; i++)
    if (data->buckets[i].count > 0)
      {
        /* A bucket wider than the trend's (a minute of history) ends with
         * its last value: drawn where it ends, or now for the current one. */
        gint64 end_ms = i + 1 < data->n_buckets ? data->buckets[i + 1].start_ms : data->to_ms;

        put (self, MIN (end_ms - 1, now_ms) / BUCKET_MS, data->buckets[i].last, FALSE);
      }
  invalidate (self);
}

void
bd_overview_trend_add (BdOverviewTrend *self,
                       gint64           time_ms,
                       double           value)
{
  gint64 number = MAX (time_ms, 0) / BUCKET_MS;
  guint slot = number % BD_OVERVIEW_TREND_BUCKETS;

  g_return_if_fail (BD_IS_OVERVIEW_TREND (self));

  if (self->numbers[slot] == number && self->values[slot] == value)
    return;
  put (self, number, value, TRUE);
  invalidate (self);
}

void
bd_overview_trend_set_limits (BdOverviewTrend *self,
                              double           lo,
                              double           hi)
{
  g_return_if_fail (BD_IS_OVERVIEW_TREND (self));

  if ((self->lo == lo || (isnan (self->lo) && isnan (lo))) &&
      (self->hi == hi || (isnan (self->hi) && isnan (hi))))
    return;
  self->lo = lo;
  self->hi = hi;
  invalidate (self);
}

guint
bd_overview_trend_get_n_points (BdOverviewTrend *self)
{
  guint n = 0;

  g_return_val_if_fail (BD_IS_OVERVIEW_TREND (self), 0);

  for (guint i = 0; i < BD_OVERVIEW_TREND_BUCKETS; i++)
    if (self->numbers[i] > self->newest - BD_OVERVIEW_TREND_BUCKETS && self->numbers[i] >= 0)
      n++;
  return n;
}
