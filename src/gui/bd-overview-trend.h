/* bd-overview-trend.h — a tile's 15-minute trend line
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "bd-history.h"

G_BEGIN_DECLS

/* What the trend covers, and in how many steps. */
#define BD_OVERVIEW_TREND_SPAN_MS  (15 * 60 * 1000)
#define BD_OVERVIEW_TREND_BUCKETS  90

#define BD_TYPE_OVERVIEW_TREND (bd_overview_trend_get_type ())
/* The trend's size in a tile: at least this wide; this high, or taller on
 * a wall screen. */
#define BD_OVERVIEW_TREND_MIN_WIDTH      60
#define BD_OVERVIEW_TREND_NATURAL_WIDTH  160
#define BD_OVERVIEW_TREND_HEIGHT         32
#define BD_OVERVIEW_TREND_WALL_HEIGHT    48

G_DECLARE_FINAL_TYPE (BdOverviewTrend, bd_overview_trend, BD, OVERVIEW_TREND, GObject)

/* A trend drawn by @owner (not a reference), which is redrawn when the
 * trend changes. */
BdOverviewTrend *bd_overview_trend_new   (GtkWidget                 *owner);
/* Appends the line, @width × @height in @color, at the origin. */
void       bd_overview_trend_snapshot    (BdOverviewTrend           *self,
                                          GtkSnapshot               *snapshot,
                                          int                        width,
                                          int                        height,
                                          const GdkRGBA             *color);
/* Fills the buckets the history has (live samples already added win). */
void       bd_overview_trend_set_history (BdOverviewTrend           *self,
                                          const BdHistorySeriesData *data);
/* A live sample at wall-clock @time_ms; the newest in a bucket wins. */
void       bd_overview_trend_add         (BdOverviewTrend           *self,
                                          gint64                     time_ms,
                                          double                     value);
/* Alarm limits drawn as faint lines (NAN: none). */
void       bd_overview_trend_set_limits  (BdOverviewTrend           *self,
                                          double                     lo,
                                          double                     hi);
/* How many buckets hold a value (for tests). */
guint      bd_overview_trend_get_n_points (BdOverviewTrend          *self);

G_END_DECLS
