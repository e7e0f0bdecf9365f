/* bd-chart.h — a time chart of min/max/avg buckets from the history
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "bd-history.h"

G_BEGIN_DECLS

#define BD_TYPE_CHART (bd_chart_get_type ())
G_DECLARE_FINAL_TYPE (BdChart, bd_chart, BD, CHART, GtkWidget)

GtkWidget  *bd_chart_new              (void);

/* Replaces series @index with a copy of @data's buckets, or appends it when
 * @index is the number of series. @name is what the accessible summary and
 * the crosshair call it. */
void        bd_chart_set_series       (BdChart                   *self,
                                       guint                      index,
                                       const char                *name,
                                       const BdHistorySeriesData *data);
void        bd_chart_clear            (BdChart                   *self);
guint       bd_chart_get_n_series     (BdChart                   *self);
guint       bd_chart_get_n_buckets    (BdChart                   *self,
                                       guint                      index);
/* The smallest min, largest max and the newest last value of the buckets
 * with data; FALSE (and NANs) when series @index has none. */
gboolean    bd_chart_get_series_stats (BdChart                   *self,
                                       guint                      index,
                                       double                    *min,
                                       double                    *max,
                                       double                    *last);
/* Digits after the point the chart shows values with (from the axis). */
guint       bd_chart_get_value_decimals (BdChart                 *self);

/* Names the range in the accessible summary ("last hour"). */
void        bd_chart_set_range_label  (BdChart                   *self,
                                       const char                *range_label);
/* The accessible label: "topic, last hour: min 22.1, max 24.9, last 23.4". */
const char *bd_chart_get_summary      (BdChart                   *self);

/* The values' unit ("°C"; NULL or "": none): at the top of the value axis,
 * in the summary and the crosshair. */
void        bd_chart_set_unit         (BdChart                   *self,
                                       const char                *unit);

/* Alarm limits of the charted value (NAN: unset), drawn as bands beyond
 * them and named in the accessible summary. */
void        bd_chart_set_limits       (BdChart                   *self,
                                       double                     hihi,
                                       double                     hi,
                                       double                     lo,
                                       double                     lolo);
/* FALSE (and NANs) when no limit is set. */
gboolean    bd_chart_get_limits       (BdChart                   *self,
                                       double                    *hihi,
                                       double                    *hi,
                                       double                    *lo,
                                       double                    *lolo);

/* An alarm transition at a time: a raise (into an alarm, or up a level) or
 * a return to normal. */
typedef struct
{
  gint64   time_ms;
  gboolean raise;
} BdChartMarker;

/* Replaces the markers (copied); those outside the time range are not drawn. */
void        bd_chart_set_markers      (BdChart                   *self,
                                       const BdChartMarker       *markers,
                                       guint                      n_markers);
const BdChartMarker *bd_chart_get_markers (BdChart               *self,
                                           guint                 *n_markers);

/* The bucket of series 0 under the crosshair, -1 when it is hidden. The
 * setter moves it to the nearest bucket with data. */
int         bd_chart_get_cursor       (BdChart                   *self);
void        bd_chart_set_cursor       (BdChart                   *self,
                                       int                        index);

G_END_DECLS
