/* bd-chart.c — a time chart of min/max/avg buckets from the history
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The chart never sees samples, only buckets (about one per two pixels), so
 * a frame costs the same for a minute as for a year. Each series draws, for
 * every run of buckets with data, a translucent band from min to max and
 * its average as a line; buckets without data (count 0, NAN values) leave
 * a gap instead of a line across the time nothing was heard, unless they
 * are only the spaces between samples sparser than the buckets
 * (bd_chart_join_distance ()).
 *
 * A chart may also carry its value's alarm limits, drawn as tinted bands
 * beyond each limit (HiHi/LoLo darker than Hi/Lo) with a dashed line at the
 * limit, and alarm transitions as markers: a vertical line topped by a filled
 * triangle for a raise and a hollow one for a return, so the kind reads
 * without colour too.
 *
 * Colours are looked up in the theme at every frame (Adwaita's named
 * colours), so the dark style and the accent colour follow without a signal.
 * The accessible label summarizes the data and changes only with the data;
 * the crosshair (pointer or Left/Right/Home/End) is drawn, and its value is
 * also given as the accessible description when it is moved by keyboard.
 */

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "bd-alarm-eval.h"
#include "bd-chart.h"
#include "bd-chart-scale.h"

#define PAD_TOP        10.0
#define PAD_RIGHT      12.0
#define LABEL_GAP       6.0
#define TICK_SPACING_Y 36.0    /* pixels between value ticks, at least */
#define TICK_SPACING_X 90.0    /* pixels between time ticks, at least */
#define MARKER_SIZE     7.0

enum { LIMIT_HIHI, LIMIT_HI, LIMIT_LO, LIMIT_LOLO, N_LIMITS };

static const BdAlarmLevel limit_levels[N_LIMITS] = {
  BD_ALARM_LEVEL_HIHI, BD_ALARM_LEVEL_HI, BD_ALARM_LEVEL_LO, BD_ALARM_LEVEL_LOLO,
};

typedef struct
{
  char            *name;
  gint64           from_ms;
  gint64           to_ms;
  BdHistoryBucket *buckets;
  guint            n_buckets;
  double           min;
  double           max;
  double           last;
  gboolean         has_data;
} ChartSeries;

/* Layout: the plot area inside the widget, after the axis labels. */
typedef struct
{
  double x0;
  double y0;
  double width;
  double height;
} PlotArea;

struct _BdChart
{
  GtkWidget  parent_instance;

  GPtrArray *series;        /* of ChartSeries* */
  char      *range_label;
  char      *unit;          /* NULL: none */
  char      *summary;
  int        cursor;        /* bucket of series 0, -1: no crosshair */
  double     limits[4];     /* hihi, hi, lo, lolo; NAN: unset */
  GArray    *markers;       /* of BdChartMarker, in time order */

  /* Where the last frame put the plot, for the pointer. */
  PlotArea   plot;
  gint64     plot_from_ms;
  gint64     plot_to_ms;
};

G_DEFINE_FINAL_TYPE (BdChart, bd_chart, GTK_TYPE_WIDGET)

static void
chart_series_free (gpointer data)
{
  ChartSeries *series = data;

  g_free (series->name);
  g_free (series->buckets);
  g_free (series);
}

/* The x range every series is drawn against: all of their ranges. */
static gboolean
time_range (BdChart *self,
            gint64  *from_ms,
            gint64  *to_ms)
{
  gint64 from = G_MAXINT64;
  gint64 to = G_MININT64;

  for (guint i = 0; i < self->series->len; i++)
    {
      ChartSeries *series = g_ptr_array_index (self->series, i);

      from = MIN (from, series->from_ms);
      to = MAX (to, series->to_ms);
    }
  if (self->series->len == 0 || to <= from)
    return FALSE;
  *from_ms = from;
  *to_ms = to;
  return TRUE;
}

static void
value_range (BdChart *self,
             double  *min,
             double  *max)
{
  *min = NAN;
  *max = NAN;
  for (guint i = 0; i < self->series->len; i++)
    {
      ChartSeries *series = g_ptr_array_index (self->series, i);

      if (!series->has_data)
        continue;
      *min = isnan (*min) ? series->min : MIN (*min, series->min);
      *max = isnan (*max) ? series->max : MAX (*max, series->max);
    }
  /* The limits stay in sight, so the distance to them shows. */
  if (isnan (*min))
    return;
  for (guint i = 0; i < N_LIMITS; i++)
    if (!isnan (self->limits[i]))
      {
        *min = MIN (*min, self->limits[i]);
        *max = MAX (*max, self->limits[i]);
      }
}

static gint64
utc_offset_ms (gint64 at_ms)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_local (at_ms / 1000);

  if (time == NULL)
    return 0;
  return g_date_time_get_utc_offset (time) / 1000;
}

static char *
format_time (gint64      time_ms,
             const char *format)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_local (time_ms / 1000);

  if (time == NULL)
    return g_strdup ("");
  return g_date_time_format (time, format);
}

/* A value for people: with the unit, where the chart has one. */
static char *
format_value (BdChart *self,
              double   value,
              guint    decimals)
{
  g_autofree char *number = bd_chart_format_value (value, decimals);

  if (self->unit == NULL)
    return g_steal_pointer (&number);
  return g_strdup_printf ("%s %s", number, self->unit);
}

static guint
summary_decimals (BdChart *self)
{
  double min;
  double max;
  BdChartTicks ticks;

  value_range (self, &min, &max);
  bd_chart_compute_ticks (min, max, 5, &ticks);
  /* One digit more than whole-number ticks, unless the values are large. */
  if (ticks.decimals == 0 && ticks.step < 100)
    return 1;
  return ticks.decimals;
}

static void
update_summary (BdChart *self)
{
  g_autoptr(GString) text = g_string_new (NULL);
  guint decimals = summary_decimals (self);

  for (guint i = 0; i < self->series->len; i++)
    {
      ChartSeries *series = g_ptr_array_index (self->series, i);

      if (i > 0)
        g_string_append (text, "; ");
      if (self->range_label != NULL)
        g_string_append_printf (text, "%s, %s: ", series->name, self->range_label);
      else
        g_string_append_printf (text, "%s: ", series->name);
      if (series->has_data)
        {
          g_autofree char *min = format_value (self, series->min, decimals);
          g_autofree char *max = format_value (self, series->max, decimals);
          g_autofree char *last = format_value (self, series->last, decimals);

          /* TRANSLATORS: a chart's summary for screen readers */
          g_string_append_printf (text, _("min %s, max %s, last %s"), min, max, last);
        }
      else
        g_string_append (text, _("no data"));
    }
  if (self->series->len == 0)
    g_string_append (text, _("Empty chart"));
  for (guint i = 0, n = 0; i < N_LIMITS; i++)
    {
      g_autofree char *limit = NULL;

      if (isnan (self->limits[i]))
        continue;
      limit = format_value (self, self->limits[i], decimals);
      /* TRANSLATORS: starts the list of a chart's alarm limits, as in
       * "; alarm limits: HiHi 31.0, Hi 28.0" */
      g_string_append (text, n++ == 0 ? _("; alarm limits: ") : ", ");
      g_string_append_printf (text, "%s %s", bd_alarm_level_to_label (limit_levels[i]), limit);
    }

  if (g_strcmp0 (self->summary, text->str) == 0)
    return;
  g_free (self->summary);
  self->summary = g_string_free (g_steal_pointer (&text), FALSE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, self->summary,
                                  -1);
}

static ChartSeries *
first_series (BdChart *self)
{
  return self->series->len > 0 ? g_ptr_array_index (self->series, 0) : NULL;
}

/* The bucket of @series at @time_ms, -1 outside its range. */
static int
bucket_at_time (ChartSeries *series,
                gint64       time_ms)
{
  if (series->n_buckets == 0 || time_ms < series->from_ms || time_ms >= series->to_ms)
    return -1;
  return (int) ((double) (time_ms - series->from_ms) / (series->to_ms - series->from_ms)
                * series->n_buckets);
}

static gint64
bucket_start (ChartSeries *series,
              int          index)
{
  return series->from_ms + (gint64) ((double) (series->to_ms - series->from_ms)
                                     * index / series->n_buckets);
}

static gint64
bucket_centre (ChartSeries *series,
               int          index)
{
  return (bucket_start (series, index) + bucket_start (series, index + 1)) / 2;
}

static char *
format_cursor_time (ChartSeries *series,
                    int          index)
{
  gint64 width_ms = (series->to_ms - series->from_ms) / MAX (series->n_buckets, 1);
  gint64 start = series->buckets[index].start_ms;

  if (width_ms < 60 * 1000)
    return format_time (start, "%H:%M:%S");
  if (width_ms < 24 * 60 * 60 * 1000)
    return format_time (start, "%b %-d, %H:%M");
  return format_time (start, "%b %-d");
}

/* The crosshair's text: the time, then each series' average (and its range
 * when the bucket holds more than one value). */
static char *
cursor_text (BdChart *self,
             guint    decimals,
             gboolean with_names)
{
  ChartSeries *first = first_series (self);
  g_autoptr(GString) text = NULL;
  g_autofree char *time = NULL;
  gint64 at_ms;

  if (first == NULL || self->cursor < 0 || self->cursor >= (int) first->n_buckets)
    return NULL;
  time = format_cursor_time (first, self->cursor);
  text = g_string_new (time);
  at_ms = bucket_centre (first, self->cursor);
  for (guint i = 0; i < self->series->len; i++)
    {
      ChartSeries *series = g_ptr_array_index (self->series, i);
      int index = bucket_at_time (series, at_ms);
      const BdHistoryBucket *bucket;
      g_autofree char *avg = NULL;

      g_string_append_c (text, '\n');
      if (with_names)
        g_string_append_printf (text, "%s: ", series->name);
      if (index < 0 || series->buckets[index].count == 0)
        {
          g_string_append (text, _("no data"));
          continue;
        }
      bucket = &series->buckets[index];
      avg = format_value (self, bucket->avg, decimals);
      if (bucket->count > 1 && bucket->max > bucket->min)
        {
          g_autofree char *min = format_value (self, bucket->min, decimals);
          g_autofree char *max = format_value (self, bucket->max, decimals);

          /* TRANSLATORS: the average of a chart bucket and its range */
          g_string_append_printf (text, _("%s (%s to %s)"), avg, min, max);
        }
      else
        g_string_append (text, avg);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
set_cursor_internal (BdChart  *self,
                     int       index,
                     gboolean  by_keyboard)
{
  if (index == self->cursor)
    return;
  self->cursor = index;
  if (by_keyboard)
    {
      g_autofree char *text = cursor_text (self, summary_decimals (self), TRUE);

      /* For a screen reader: what the crosshair points at, once per key. */
      if (text != NULL)
        {
          g_strdelimit (text, "\n", ';');
          gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                          GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text,
                                          -1);
        }
      else
        gtk_accessible_reset_property (GTK_ACCESSIBLE (self),
                                       GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
lookup_color (GtkWidget  *widget,
              const char *name,
              GdkRGBA    *color,
              const char *fallback)
{
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  GtkStyleContext *context = gtk_widget_get_style_context (widget);

  if (!gtk_style_context_lookup_color (context, name, color))
    gdk_rgba_parse (color, fallback);
  G_GNUC_END_IGNORE_DEPRECATIONS
}

static void
series_color (GtkWidget *widget,
              guint      index,
              GdkRGBA   *color)
{
  /* Adwaita's palette, accent first; all readable on light and dark. */
  static const char *const names[] = { "accent_color", "green_4", "orange_3", "purple_2", "red_3" };
  static const char *const fallbacks[] = { "#3584e4", "#2ec27e", "#ff7800", "#c061cb", "#e01b24" };
  guint i = index % G_N_ELEMENTS (names);

  lookup_color (widget, names[i], color, fallbacks[i]);
}

/* Axis labels and the crosshair's text: a little smaller than the body
 * text, with tabular figures so numbers line up and do not jitter. */
static PangoLayout *
make_layout (GtkWidget  *widget,
             const char *text,
             double     *width,
             double     *height)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (widget, text);
  PangoAttrList *attrs = pango_attr_list_new ();
  int w;
  int h;

  pango_attr_list_insert (attrs, pango_attr_scale_new (0.9));
  pango_attr_list_insert (attrs, pango_attr_font_features_new ("tnum"));
  pango_layout_set_attributes (layout, attrs);
  pango_attr_list_unref (attrs);

  pango_layout_get_pixel_size (layout, &w, &h);
  if (width != NULL)
    *width = w;
  if (height != NULL)
    *height = h;
  return layout;
}

static void
draw_text (cairo_t     *cr,
           PangoLayout *layout,
           double       x,
           double       y)
{
  cairo_move_to (cr, x, y);
  pango_cairo_show_layout (cr, layout);
}

static void
draw_series (BdChart            *self,
             cairo_t            *cr,
             ChartSeries        *series,
             const GdkRGBA      *color,
             gint64              from_ms,
             gint64              to_ms,
             const BdChartTicks *ticks,
             const PlotArea     *area)
{
  g_autofree guint *starts = g_new (guint, MAX (series->n_buckets, 1));
  g_autofree guint *lengths = g_new (guint, MAX (series->n_buckets, 1));
  guint n_runs = bd_chart_data_runs (series->buckets, series->n_buckets,
                                     bd_chart_join_distance (series->buckets, series->n_buckets),
                                     starts, lengths);
  double sx0 = bd_chart_time_x (series->from_ms, from_ms, to_ms, area->x0, area->width);
  double sx1 = bd_chart_time_x (series->to_ms, from_ms, to_ms, area->x0, area->width);
  double bucket_width = (sx1 - sx0) / MAX (series->n_buckets, 1);

#define X(i) bd_chart_bucket_x ((i), series->n_buckets, sx0, sx1 - sx0)
#define Y(v) bd_chart_value_y ((v), ticks->first, ticks->last, area->y0, area->height)

  for (guint r = 0; r < n_runs; r++)
    {
      guint start = starts[r];
      guint end = starts[r] + lengths[r];   /* exclusive */

      /* The band: along the maxima, back along the minima. A run of one
       * bucket is as wide as the bucket, so it stays visible. */
      if (lengths[r] == 1)
        {
          double half = MAX (bucket_width / 2, 1.0);

          double top = Y (series->buckets[start].max);
          double bottom = Y (series->buckets[start].min);

          cairo_rectangle (cr, X (start) - half, top, 2 * half, MAX (bottom - top, 0));
        }
      else
        {
          cairo_move_to (cr, X (start), Y (series->buckets[start].max));
          for (guint i = start + 1; i < end; i++)
            if (series->buckets[i].count > 0)
              cairo_line_to (cr, X (i), Y (series->buckets[i].max));
          for (guint i = end; i-- > start;)
            if (series->buckets[i].count > 0)
              cairo_line_to (cr, X (i), Y (series->buckets[i].min));
          cairo_close_path (cr);
        }
      cairo_set_source_rgba (cr, color->red, color->green, color->blue, color->alpha * 0.25);
      cairo_fill (cr);

      /* The average. */
      if (lengths[r] == 1)
        {
          cairo_arc (cr, X (start), Y (series->buckets[start].avg), 2.0, 0, 2 * G_PI);
          cairo_set_source_rgba (cr, color->red, color->green, color->blue, color->alpha);
          cairo_fill (cr);
          continue;
        }
      cairo_move_to (cr, X (start), Y (series->buckets[start].avg));
      for (guint i = start + 1; i < end; i++)
        if (series->buckets[i].count > 0)
          cairo_line_to (cr, X (i), Y (series->buckets[i].avg));
      cairo_set_source_rgba (cr, color->red, color->green, color->blue, color->alpha);
      cairo_set_line_width (cr, 2.0);
      cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
      cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
      cairo_stroke (cr);
    }
#undef X
#undef Y
}

static void
rounded_rectangle (cairo_t *cr,
                   double   x,
                   double   y,
                   double   width,
                   double   height,
                   double   radius)
{
  cairo_new_sub_path (cr);
  cairo_arc (cr, x + width - radius, y + radius, radius, -G_PI / 2, 0);
  cairo_arc (cr, x + width - radius, y + height - radius, radius, 0, G_PI / 2);
  cairo_arc (cr, x + radius, y + height - radius, radius, G_PI / 2, G_PI);
  cairo_arc (cr, x + radius, y + radius, radius, G_PI, 3 * G_PI / 2);
  cairo_close_path (cr);
}

static void
draw_cursor (BdChart            *self,
             cairo_t            *cr,
             const GdkRGBA      *fg,
             gint64              from_ms,
             gint64              to_ms,
             const BdChartTicks *ticks,
             const PlotArea     *area,
             double              widget_width)
{
  GtkWidget *widget = GTK_WIDGET (self);
  ChartSeries *first = first_series (self);
  g_autofree char *text = NULL;
  g_autoptr(PangoLayout) layout = NULL;
  gint64 at_ms;
  double x;
  double text_width;
  double text_height;
  double box_x;
  GdkRGBA background;

  if (first == NULL || self->cursor < 0 || self->cursor >= (int) first->n_buckets)
    return;
  at_ms = bucket_centre (first, self->cursor);
  x = bd_chart_time_x (at_ms, from_ms, to_ms, area->x0, area->width);

  cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, fg->alpha * 0.5);
  cairo_set_line_width (cr, 1.0);
  cairo_move_to (cr, floor (x) + 0.5, area->y0);
  cairo_line_to (cr, floor (x) + 0.5, area->y0 + area->height);
  cairo_stroke (cr);

  for (guint i = 0; i < self->series->len; i++)
    {
      ChartSeries *series = g_ptr_array_index (self->series, i);
      int index = bucket_at_time (series, at_ms);
      GdkRGBA color;
      double y;

      if (index < 0 || series->buckets[index].count == 0)
        continue;
      series_color (widget, i, &color);
      y = bd_chart_value_y (series->buckets[index].avg, ticks->first, ticks->last,
                            area->y0, area->height);
      cairo_arc (cr, x, y, 4.0, 0, 2 * G_PI);
      gdk_cairo_set_source_rgba (cr, &color);
      cairo_fill_preserve (cr);
      lookup_color (widget, "window_bg_color", &background, "#ffffff");
      gdk_cairo_set_source_rgba (cr, &background);
      cairo_set_line_width (cr, 1.5);
      cairo_stroke (cr);
    }

  /* The values in a box beside the line, on the side with room. */
  text = cursor_text (self, summary_decimals (self), self->series->len > 1);
  layout = make_layout (widget, text, &text_width, &text_height);
  box_x = x + 8;
  if (box_x + text_width + 16 > widget_width)
    box_x = x - 8 - text_width - 16;
  lookup_color (widget, "popover_bg_color", &background, "#ffffff");
  rounded_rectangle (cr, box_x, area->y0, text_width + 16, text_height + 10, 6);
  gdk_cairo_set_source_rgba (cr, &background);
  cairo_fill_preserve (cr);
  cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, fg->alpha * 0.2);
  cairo_set_line_width (cr, 1.0);
  cairo_stroke (cr);
  gdk_cairo_set_source_rgba (cr, fg);
  draw_text (cr, layout, box_x + 8, area->y0 + 5);
}

/* Tints the plot beyond each limit: from Hi up to HiHi (or the top), from
 * HiHi up; the same downwards for Lo and LoLo. */
static void
draw_limits (BdChart            *self,
             cairo_t            *cr,
             const BdChartTicks *ticks,
             const PlotArea     *area)
{
  GdkRGBA warning;
  GdkRGBA error;
  double top = area->y0;
  double bottom = area->y0 + area->height;
  static const double dashes[] = { 4.0, 3.0 };

  lookup_color (GTK_WIDGET (self), "warning_color", &warning, "#ae7b03");
  lookup_color (GTK_WIDGET (self), "error_color", &error, "#c01c28");

#define Y(v) CLAMP (bd_chart_value_y ((v), ticks->first, ticks->last, area->y0, area->height), top, bottom)

  for (guint i = 0; i < N_LIMITS; i++)
    {
      double value = self->limits[i];
      gboolean upper = i == LIMIT_HIHI || i == LIMIT_HI;
      gboolean severe = i == LIMIT_HIHI || i == LIMIT_LOLO;
      const GdkRGBA *color = severe ? &error : &warning;
      double y;
      double end;

      if (isnan (value))
        continue;
      y = Y (value);
      /* A Hi band ends where the HiHi band starts. */
      if (i == LIMIT_HI && !isnan (self->limits[LIMIT_HIHI]))
        end = Y (self->limits[LIMIT_HIHI]);
      else if (i == LIMIT_LO && !isnan (self->limits[LIMIT_LOLO]))
        end = Y (self->limits[LIMIT_LOLO]);
      else
        end = upper ? top : bottom;

      cairo_rectangle (cr, area->x0, MIN (y, end), area->width, fabs (end - y));
      cairo_set_source_rgba (cr, color->red, color->green, color->blue, severe ? 0.16 : 0.09);
      cairo_fill (cr);

      cairo_save (cr);
      cairo_set_dash (cr, dashes, G_N_ELEMENTS (dashes), 0);
      cairo_set_line_width (cr, 1.0);
      cairo_move_to (cr, area->x0, floor (y) + 0.5);
      cairo_line_to (cr, area->x0 + area->width, floor (y) + 0.5);
      cairo_set_source_rgba (cr, color->red, color->green, color->blue, 0.8);
      cairo_stroke (cr);
      cairo_restore (cr);

      {
        double w;
        double h;
        g_autoptr(PangoLayout) layout = make_layout (GTK_WIDGET (self),
                                                     bd_alarm_level_to_label (limit_levels[i]),
                                                     &w, &h);

        cairo_set_source_rgba (cr, color->red, color->green, color->blue, 1.0);
        draw_text (cr, layout, area->x0 + area->width - w - 2,
                   upper ? MAX (y - h, top) : MIN (y, bottom - h));
      }
    }
#undef Y
}

static void
draw_markers (BdChart        *self,
              cairo_t        *cr,
              const GdkRGBA  *fg,
              gint64          from_ms,
              gint64          to_ms,
              const PlotArea *area)
{
  GdkRGBA error;

  lookup_color (GTK_WIDGET (self), "error_color", &error, "#c01c28");
  for (guint i = 0; i < self->markers->len; i++)
    {
      const BdChartMarker *marker = &g_array_index (self->markers, BdChartMarker, i);
      const GdkRGBA *color = marker->raise ? &error : fg;
      double x;

      if (marker->time_ms < from_ms || marker->time_ms > to_ms)
        continue;
      x = floor (bd_chart_time_x (marker->time_ms, from_ms, to_ms, area->x0, area->width)) + 0.5;
      cairo_set_line_width (cr, 1.0);
      cairo_set_source_rgba (cr, color->red, color->green, color->blue, color->alpha * 0.6);
      cairo_move_to (cr, x, area->y0);
      cairo_line_to (cr, x, area->y0 + area->height);
      cairo_stroke (cr);

      /* A triangle pointing down at the line: filled for a raise, hollow
       * for a return. */
      cairo_move_to (cr, x - MARKER_SIZE / 2, area->y0 - MARKER_SIZE + 2);
      cairo_line_to (cr, x + MARKER_SIZE / 2, area->y0 - MARKER_SIZE + 2);
      cairo_line_to (cr, x, area->y0 + 2);
      cairo_close_path (cr);
      cairo_set_source_rgba (cr, color->red, color->green, color->blue, color->alpha);
      if (marker->raise)
        cairo_fill (cr);
      else
        {
          cairo_set_line_width (cr, 1.5);
          cairo_stroke (cr);
        }
    }
}

static void
bd_chart_snapshot (GtkWidget   *widget,
                   GtkSnapshot *snapshot)
{
  BdChart *self = BD_CHART (widget);
  double width = gtk_widget_get_width (widget);
  double height = gtk_widget_get_height (widget);
  cairo_t *cr;
  GdkRGBA fg;
  BdChartTicks ticks;
  PlotArea area;
  double min;
  double max;
  double label_width = 0;
  double label_height = 0;
  gint64 from_ms;
  gint64 to_ms;
  gint64 offset_ms;
  gint64 step_ms;
  guint decimals;

  if (width <= 0 || height <= 0)
    return;

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  G_GNUC_END_IGNORE_DEPRECATIONS

  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));

  if (!time_range (self, &from_ms, &to_ms))
    {
      gint64 now = g_get_real_time () / 1000;

      from_ms = now - 60 * 60 * 1000;
      to_ms = now;
    }

  /* The value axis first: its widest label decides where the plot starts. */
  value_range (self, &min, &max);
  {
    g_autoptr(PangoLayout) probe = make_layout (widget, "0", NULL, &label_height);
    double plot_height = height - PAD_TOP - label_height - LABEL_GAP;

    bd_chart_compute_ticks (min, max, (guint) MAX (plot_height / TICK_SPACING_Y, 2) + 1, &ticks);
  }
  decimals = ticks.decimals;
  for (guint i = 0; i < ticks.n_ticks; i++)
    {
      g_autofree char *text = bd_chart_format_value (ticks.first + i * ticks.step, decimals);
      double w;
      g_autoptr(PangoLayout) layout = make_layout (widget, text, &w, NULL);

      label_width = MAX (label_width, w);
    }

  area.x0 = label_width + LABEL_GAP + 2;
  area.y0 = PAD_TOP;
  area.width = MAX (width - area.x0 - PAD_RIGHT, 1);
  area.height = MAX (height - PAD_TOP - label_height - LABEL_GAP, 1);
  self->plot = area;
  self->plot_from_ms = from_ms;
  self->plot_to_ms = to_ms;

  /* Grid and value labels. */
  cairo_set_line_width (cr, 1.0);
  for (guint i = 0; i < ticks.n_ticks; i++)
    {
      double value = ticks.first + i * ticks.step;
      double y = floor (bd_chart_value_y (value, ticks.first, ticks.last, area.y0, area.height)) + 0.5;
      g_autofree char *text = bd_chart_format_value (value, decimals);
      double w;
      double h;
      g_autoptr(PangoLayout) layout = make_layout (widget, text, &w, &h);

      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, fg.alpha * (i == 0 ? 0.3 : 0.1));
      cairo_move_to (cr, area.x0, y);
      cairo_line_to (cr, area.x0 + area.width, y);
      cairo_stroke (cr);
      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, fg.alpha * 0.6);
      draw_text (cr, layout, area.x0 - LABEL_GAP - w, CLAMP (y - h / 2, 0, height - h));
    }

  /* The unit, at the top of the value axis, inside the plot. */
  if (self->unit != NULL)
    {
      g_autoptr(PangoLayout) layout = make_layout (widget, self->unit, NULL, NULL);

      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, fg.alpha * 0.6);
      draw_text (cr, layout, area.x0 + 4, area.y0);
    }

  /* Time ticks, on local-time multiples of a round step. */
  offset_ms = utc_offset_ms (from_ms);
  step_ms = bd_chart_time_step (to_ms - from_ms, (guint) MAX (area.width / TICK_SPACING_X, 1));
  for (gint64 t = bd_chart_time_first_tick (from_ms, step_ms, offset_ms); t <= to_ms; t += step_ms)
    {
      double x = floor (bd_chart_time_x (t, from_ms, to_ms, area.x0, area.width)) + 0.5;
      g_autofree char *text = format_time (t, bd_chart_time_format (step_ms, t, offset_ms));
      double w;
      g_autoptr(PangoLayout) layout = make_layout (widget, text, &w, NULL);
      double text_x = CLAMP (x - w / 2, area.x0 - LABEL_GAP, width - w);

      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, fg.alpha * 0.1);
      cairo_move_to (cr, x, area.y0);
      cairo_line_to (cr, x, area.y0 + area.height + 3);
      cairo_stroke (cr);
      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, fg.alpha * 0.6);
      draw_text (cr, layout, text_x, area.y0 + area.height + LABEL_GAP - 2);
    }

  if (self->series->len > 0)
    draw_limits (self, cr, &ticks, &area);

  cairo_save (cr);
  cairo_rectangle (cr, area.x0, 0, area.width, height);
  cairo_clip (cr);
  for (guint i = 0; i < self->series->len; i++)
    {
      GdkRGBA color;

      series_color (widget, i, &color);
      draw_series (self, cr, g_ptr_array_index (self->series, i), &color,
                   from_ms, to_ms, &ticks, &area);
    }
  cairo_restore (cr);

  draw_markers (self, cr, &fg, from_ms, to_ms, &area);
  draw_cursor (self, cr, &fg, from_ms, to_ms, &ticks, &area, width);

  if (gtk_widget_has_visible_focus (widget))
    {
      GdkRGBA accent;

      lookup_color (widget, "accent_color", &accent, "#3584e4");
      cairo_set_source_rgba (cr, accent.red, accent.green, accent.blue, 0.5);
      cairo_set_line_width (cr, 2.0);
      rounded_rectangle (cr, 1, 1, width - 2, height - 2, 6);
      cairo_stroke (cr);
    }

  cairo_destroy (cr);
}

static void
bd_chart_measure (GtkWidget      *widget,
                  GtkOrientation  orientation,
                  int             for_size,
                  int            *minimum,
                  int            *natural,
                  int            *minimum_baseline,
                  int            *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 200;
      *natural = 480;
    }
  else
    {
      *minimum = 140;
      *natural = 180;
    }
}

static void
bd_chart_css_changed (GtkWidget         *widget,
                      GtkCssStyleChange *change)
{
  GTK_WIDGET_CLASS (bd_chart_parent_class)->css_changed (widget, change);
  /* Colours and fonts are read while drawing: a theme change is a redraw. */
  gtk_widget_queue_draw (widget);
}

static void
on_motion_cb (GtkEventControllerMotion *controller,
              double                    x,
              double                    y,
              BdChart                  *self)
{
  ChartSeries *first = first_series (self);
  gint64 at_ms;
  int index;

  if (first == NULL || first->n_buckets == 0 || self->plot_to_ms <= self->plot_from_ms)
    return;
  at_ms = self->plot_from_ms + (gint64) ((x - self->plot.x0) / self->plot.width
                                         * (self->plot_to_ms - self->plot_from_ms));
  index = bucket_at_time (first, CLAMP (at_ms, first->from_ms, first->to_ms - 1));
  set_cursor_internal (self, bd_chart_nearest_with_data (first->buckets, first->n_buckets, index),
                       FALSE);
}

static void
on_leave_cb (GtkEventControllerMotion *controller,
             BdChart                  *self)
{
  if (!gtk_widget_has_focus (GTK_WIDGET (self)))
    set_cursor_internal (self, -1, FALSE);
}

static gboolean
on_key_pressed_cb (GtkEventControllerKey *controller,
                   guint                  keyval,
                   guint                  keycode,
                   GdkModifierType        state,
                   BdChart               *self)
{
  ChartSeries *first = first_series (self);
  int index;

  if (first == NULL || first->n_buckets == 0)
    return FALSE;
  if ((state & (GDK_CONTROL_MASK | GDK_ALT_MASK | GDK_SHIFT_MASK)) != 0)
    return FALSE;

  switch (keyval)
    {
    case GDK_KEY_Left:
    case GDK_KEY_KP_Left:
      index = self->cursor < 0 ? (int) first->n_buckets : self->cursor;
      index = bd_chart_step_with_data (first->buckets, first->n_buckets, index, -1);
      break;
    case GDK_KEY_Right:
    case GDK_KEY_KP_Right:
      index = self->cursor < 0 ? -1 : self->cursor;
      index = bd_chart_step_with_data (first->buckets, first->n_buckets, index, 1);
      break;
    case GDK_KEY_Home:
    case GDK_KEY_KP_Home:
      index = bd_chart_step_with_data (first->buckets, first->n_buckets, -1, 1);
      break;
    case GDK_KEY_End:
    case GDK_KEY_KP_End:
      index = bd_chart_step_with_data (first->buckets, first->n_buckets, first->n_buckets, -1);
      break;
    case GDK_KEY_Escape:
      if (self->cursor < 0)
        return FALSE;
      index = -1;
      break;
    default:
      return FALSE;
    }
  /* Stepping off either end (or no data at all) leaves it where it was. */
  if (index >= (int) first->n_buckets)
    index = self->cursor;
  set_cursor_internal (self, index, TRUE);
  return TRUE;
}

static void
on_focus_leave_cb (GtkEventControllerFocus *controller,
                   BdChart                 *self)
{
  set_cursor_internal (self, -1, FALSE);
}

static void
bd_chart_finalize (GObject *object)
{
  BdChart *self = BD_CHART (object);

  g_ptr_array_unref (self->series);
  g_array_unref (self->markers);
  g_free (self->range_label);
  g_free (self->unit);
  g_free (self->summary);

  G_OBJECT_CLASS (bd_chart_parent_class)->finalize (object);
}

static void
bd_chart_class_init (BdChartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = bd_chart_finalize;

  widget_class->snapshot = bd_chart_snapshot;
  widget_class->measure = bd_chart_measure;
  widget_class->css_changed = bd_chart_css_changed;

  gtk_widget_class_set_css_name (widget_class, "chart");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
bd_chart_init (BdChart *self)
{
  GtkEventController *controller;

  self->series = g_ptr_array_new_with_free_func (chart_series_free);
  self->cursor = -1;
  self->markers = g_array_new (FALSE, FALSE, sizeof (BdChartMarker));
  for (guint i = 0; i < N_LIMITS; i++)
    self->limits[i] = NAN;

  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_focus_on_click (GTK_WIDGET (self), TRUE);

  controller = gtk_event_controller_motion_new ();
  g_signal_connect (controller, "motion", G_CALLBACK (on_motion_cb), self);
  g_signal_connect (controller, "leave", G_CALLBACK (on_leave_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  controller = gtk_event_controller_key_new ();
  g_signal_connect (controller, "key-pressed", G_CALLBACK (on_key_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  controller = gtk_event_controller_focus_new ();
  g_signal_connect (controller, "leave", G_CALLBACK (on_focus_leave_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  update_summary (self);
}

GtkWidget *
bd_chart_new (void)
{
  return g_object_new (BD_TYPE_CHART, NULL);
}

void
bd_chart_set_series (BdChart                   *self,
                     guint                      index,
                     const char                *name,
                     const BdHistorySeriesData *data)
{
  ChartSeries *series;

  g_return_if_fail (BD_IS_CHART (self));
  g_return_if_fail (index <= self->series->len);
  g_return_if_fail (name != NULL);
  g_return_if_fail (data != NULL);

  series = g_new0 (ChartSeries, 1);
  series->name = g_strdup (name);
  series->from_ms = data->from_ms;
  series->to_ms = data->to_ms;
  series->n_buckets = data->n_buckets;
  series->buckets = g_memdup2 (data->buckets, sizeof (BdHistoryBucket) * data->n_buckets);
  series->min = NAN;
  series->max = NAN;
  series->last = NAN;
  for (guint i = 0; i < series->n_buckets; i++)
    {
      const BdHistoryBucket *bucket = &series->buckets[i];

      if (bucket->count == 0)
        continue;
      series->min = series->has_data ? MIN (series->min, bucket->min) : bucket->min;
      series->max = series->has_data ? MAX (series->max, bucket->max) : bucket->max;
      series->last = bucket->last;
      series->has_data = TRUE;
    }

  if (index == self->series->len)
    g_ptr_array_add (self->series, series);
  else
    {
      chart_series_free (self->series->pdata[index]);
      self->series->pdata[index] = series;
    }

  /* The crosshair stays where it is on the screen while the data moves
   * under it, but only on a bucket that has data. */
  if (index == 0 && self->cursor >= 0)
    self->cursor = bd_chart_nearest_with_data (series->buckets, series->n_buckets,
                                               MIN (self->cursor, (int) series->n_buckets - 1));

  update_summary (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
bd_chart_clear (BdChart *self)
{
  g_return_if_fail (BD_IS_CHART (self));

  g_ptr_array_set_size (self->series, 0);
  self->cursor = -1;
  update_summary (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

guint
bd_chart_get_n_series (BdChart *self)
{
  g_return_val_if_fail (BD_IS_CHART (self), 0);

  return self->series->len;
}

guint
bd_chart_get_n_buckets (BdChart *self,
                        guint    index)
{
  g_return_val_if_fail (BD_IS_CHART (self), 0);
  g_return_val_if_fail (index < self->series->len, 0);

  return ((ChartSeries *) g_ptr_array_index (self->series, index))->n_buckets;
}

gboolean
bd_chart_get_series_stats (BdChart *self,
                           guint    index,
                           double  *min,
                           double  *max,
                           double  *last)
{
  ChartSeries *series;

  g_return_val_if_fail (BD_IS_CHART (self), FALSE);
  g_return_val_if_fail (index < self->series->len, FALSE);

  series = g_ptr_array_index (self->series, index);
  if (min != NULL)
    *min = series->min;
  if (max != NULL)
    *max = series->max;
  if (last != NULL)
    *last = series->last;
  return series->has_data;
}

guint
bd_chart_get_value_decimals (BdChart *self)
{
  g_return_val_if_fail (BD_IS_CHART (self), 0);

  return summary_decimals (self);
}

void
bd_chart_set_range_label (BdChart    *self,
                          const char *range_label)
{
  g_return_if_fail (BD_IS_CHART (self));

  if (g_strcmp0 (self->range_label, range_label) == 0)
    return;
  g_free (self->range_label);
  self->range_label = g_strdup (range_label);
  update_summary (self);
}

const char *
bd_chart_get_summary (BdChart *self)
{
  g_return_val_if_fail (BD_IS_CHART (self), NULL);

  return self->summary;
}

int
bd_chart_get_cursor (BdChart *self)
{
  g_return_val_if_fail (BD_IS_CHART (self), -1);

  return self->cursor;
}

void
bd_chart_set_cursor (BdChart *self,
                     int      index)
{
  ChartSeries *first;

  g_return_if_fail (BD_IS_CHART (self));

  first = first_series (self);
  if (index < 0 || first == NULL)
    {
      set_cursor_internal (self, -1, FALSE);
      return;
    }
  set_cursor_internal (self, bd_chart_nearest_with_data (first->buckets, first->n_buckets, index),
                       FALSE);
}

void
bd_chart_set_limits (BdChart *self,
                     double   hihi,
                     double   hi,
                     double   lo,
                     double   lolo)
{
  const double limits[N_LIMITS] = { hihi, hi, lo, lolo };
  gboolean changed = FALSE;

  g_return_if_fail (BD_IS_CHART (self));

  for (guint i = 0; i < N_LIMITS; i++)
    if (!(self->limits[i] == limits[i] || (isnan (self->limits[i]) && isnan (limits[i]))))
      {
        self->limits[i] = limits[i];
        changed = TRUE;
      }
  if (!changed)
    return;
  update_summary (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gboolean
bd_chart_get_limits (BdChart *self,
                     double  *hihi,
                     double  *hi,
                     double  *lo,
                     double  *lolo)
{
  double *out[N_LIMITS] = { hihi, hi, lo, lolo };
  gboolean any = FALSE;

  g_return_val_if_fail (BD_IS_CHART (self), FALSE);

  for (guint i = 0; i < N_LIMITS; i++)
    {
      if (out[i] != NULL)
        *out[i] = self->limits[i];
      any = any || !isnan (self->limits[i]);
    }
  return any;
}

void
bd_chart_set_markers (BdChart             *self,
                      const BdChartMarker *markers,
                      guint                n_markers)
{
  g_return_if_fail (BD_IS_CHART (self));
  g_return_if_fail (markers != NULL || n_markers == 0);

  if (n_markers == self->markers->len)
    {
      guint i;

      for (i = 0; i < n_markers; i++)
        {
          const BdChartMarker *old = &g_array_index (self->markers, BdChartMarker, i);

          if (old->time_ms != markers[i].time_ms || !old->raise != !markers[i].raise)
            break;
        }
      if (i == n_markers)
        return;
    }
  g_array_set_size (self->markers, 0);
  g_array_append_vals (self->markers, markers, n_markers);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

const BdChartMarker *
bd_chart_get_markers (BdChart *self,
                      guint   *n_markers)
{
  g_return_val_if_fail (BD_IS_CHART (self), NULL);

  if (n_markers != NULL)
    *n_markers = self->markers->len;
  return (const BdChartMarker *) self->markers->data;
}

void
bd_chart_set_unit (BdChart    *self,
                   const char *unit)
{
  g_return_if_fail (BD_IS_CHART (self));

  if (unit != NULL && unit[0] == '\0')
    unit = NULL;
  if (g_strcmp0 (self->unit, unit) == 0)
    return;
  g_free (self->unit);
  self->unit = g_strdup (unit);
  update_summary (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}
