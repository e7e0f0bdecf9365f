/* bd-overview-tile.h — one sensor series on the Overview page
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "bd-alarm.h"
#include "bd-overview-config.h"
#include "bd-overview-trend.h"

G_BEGIN_DECLS

#define BD_TYPE_OVERVIEW_TILE (bd_overview_tile_get_type ())
G_DECLARE_FINAL_TYPE (BdOverviewTile, bd_overview_tile, BD, OVERVIEW_TILE, GtkFlowBoxChild)

BdOverviewTile  *bd_overview_tile_new        (const BdOverviewTileConfig *config);
const char      *bd_overview_tile_get_series (BdOverviewTile             *self);
/* Label, unit, decimals, scale and hidden, copied from @config. */
void             bd_overview_tile_set_config (BdOverviewTile             *self,
                                              const BdOverviewTileConfig *config);
/* A reading (unscaled, as published) at wall-clock @time_ms. */
void             bd_overview_tile_set_value  (BdOverviewTile             *self,
                                              double                      value,
                                              gint64                      time_ms);
/* The tile's active alarm, or NULL when normal. */
void             bd_overview_tile_set_alarm  (BdOverviewTile             *self,
                                              BdAlarm                    *alarm);
/* Marks the value stale when nothing came for @stale_ms before @now_ms. */
void             bd_overview_tile_check_stale (BdOverviewTile            *self,
                                               gint64                     now_ms,
                                               gint64                     stale_ms);
gboolean         bd_overview_tile_get_stale  (BdOverviewTile             *self);
gint64           bd_overview_tile_get_last_time (BdOverviewTile          *self);
/* Whether the tile has its menu (not on a wall screen). */
void             bd_overview_tile_set_has_menu (BdOverviewTile           *self,
                                                gboolean                  has_menu);
/* Wall-screen type: a larger value. */
void             bd_overview_tile_set_wall   (BdOverviewTile             *self,
                                              gboolean                    wall);
/* "23.4 °C" for @value as this tile shows it. */
char            *bd_overview_tile_format     (BdOverviewTile             *self,
                                              double                      value);
char            *bd_overview_tile_dup_label  (BdOverviewTile             *self);
BdOverviewTrend *bd_overview_tile_get_trend  (BdOverviewTile             *self);
/* The view the tile scrolls in moved or changed: a tile that drew nothing
 * while out of view is drawn again if it came into view. */
void             bd_overview_tile_update_view (BdOverviewTile            *self);
/* Whether the last snapshot drew the tile's contents (it was in view). */
gboolean         bd_overview_tile_get_drawn  (BdOverviewTile             *self);

G_END_DECLS
