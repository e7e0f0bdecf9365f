/* bd-overview-config.h — the plant overview's areas and tiles, and overview.ini
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the operator's Overview page shows: areas (a topic level such as
 * busan/factory/assembly), each with tiles, one per series ("topic" or
 * "topic#field") with its label, unit, decimals and scale. Order, labels and
 * hiding are the operator's; they are saved in overview.ini beside
 * alarms.ini and relays.ini. Plain data, no GTK: the service writes the demo
 * plant's defaults on a first run, and the GUI edits and saves the rest.
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct
{
  char     *series;    /* "topic" or "topic#field" */
  char     *label;     /* NULL: the series' last level (or its field) */
  char     *unit;      /* NULL: none */
  int       decimals;  /* -1: as many as the value needs, up to three */
  double    scale;     /* shown value = value × scale */
  gboolean  hidden;
} BdOverviewTileConfig;

typedef struct
{
  char      *path;     /* a topic, the tiles' parent level; "" for top-level topics */
  char      *label;    /* NULL: the last level of @path */
  gboolean   hidden;
  GPtrArray *tiles;    /* BdOverviewTileConfig*, in display order */
} BdOverviewAreaConfig;

typedef struct
{
  GPtrArray *areas;    /* BdOverviewAreaConfig*, in display order */
  gboolean   is_new;   /* made now (first run), not read from a file */
} BdOverviewConfig;

BdOverviewConfig *bd_overview_config_new          (void);
void              bd_overview_config_free         (BdOverviewConfig  *config);

/* The area @series belongs to: its topic without the last level. */
char             *bd_overview_series_dup_area     (const char        *series);
/* The topic part of @series ("a/b#x" -> "a/b"). */
char             *bd_overview_series_dup_topic    (const char        *series);

BdOverviewTileConfig   *bd_overview_config_find_tile    (BdOverviewConfig  *config,
                                                   const char        *series,
                                                   BdOverviewAreaConfig   **area);
BdOverviewAreaConfig   *bd_overview_config_find_area    (BdOverviewConfig  *config,
                                                   const char        *path);
/* Appends a tile for @series to its area (made, last, if needed); returns the
 * existing tile if there is one. */
BdOverviewTileConfig   *bd_overview_config_add_series   (BdOverviewConfig  *config,
                                                   const char        *series);
/* Moves a tile within its area, or an area, by @delta places (clamped);
 * FALSE if it did not move. */
gboolean          bd_overview_config_move_tile    (BdOverviewConfig  *config,
                                                   const char        *series,
                                                   int                delta);
gboolean          bd_overview_config_move_area    (BdOverviewConfig  *config,
                                                   const char        *path,
                                                   int                delta);

/* Labels for people: the configured one, or the last level of the topic
 * (the field for a JSON member), with "_" as spaces. */
char             *bd_overview_tile_config_dup_label      (const BdOverviewTileConfig *tile);
char             *bd_overview_area_config_dup_label      (const BdOverviewAreaConfig *area);
/* "23.4 °C": @value scaled, with the tile's decimals and unit, in the
 * user's locale. */
char             *bd_overview_tile_config_format_value   (const BdOverviewTileConfig *tile,
                                                   double                value);

/* For every place that names or shows a series (the tree, the inspector,
 * charts, alarms, notifications): the label the operator gave @series, its
 * unit, and a value of it formatted as its tile shows it ("23.4 °C"). NULL
 * when @config is NULL, @series has no tile, or no such setting. */
char             *bd_overview_config_dup_series_label    (BdOverviewConfig  *config,
                                                          const char        *series);
const char       *bd_overview_config_get_series_unit     (BdOverviewConfig  *config,
                                                          const char        *series);
char             *bd_overview_config_format_series_value (BdOverviewConfig  *config,
                                                          const char        *series,
                                                          double             value);
/* For bd_export_write (): topic → BdExportSeries for every plain series
 * with a label, a unit or a scale, as the functions above give them. */
GHashTable       *bd_overview_config_dup_export_series   (BdOverviewConfig  *config);
BdOverviewTileConfig *bd_overview_tile_config_copy      (const BdOverviewTileConfig *tile);
void              bd_overview_tile_config_free          (BdOverviewTileConfig       *tile);

/* overview.ini: one group "area PATH" per area, followed by one group
 * "tile SERIES" per tile of that area, in display order. A tile group
 * before any area group, or with a key of the wrong type, is skipped and
 * named in @problems (strings; may be NULL). */
BdOverviewConfig *bd_overview_config_from_data    (const char        *data,
                                                   gsize              length,
                                                   GPtrArray        **problems,
                                                   GError           **error);
char             *bd_overview_config_to_data      (BdOverviewConfig  *config,
                                                   gsize             *length);
/* $XDG_CONFIG_HOME/brokerdesk/overview.ini */
char             *bd_overview_config_dup_default_path (void);

/* Blocking (call from a worker thread). A missing file is G_FILE_ERROR_NOENT. */
BdOverviewConfig *bd_overview_config_load_file    (const char        *path,
                                                   GError           **error);
/* Writes atomically (bd_settings_file_save); blocking. */
gboolean          bd_overview_config_save_file    (BdOverviewConfig  *config,
                                                   const char        *path,
                                                   GError           **error);

/* Saves @config's current contents to @path on a worker thread. Saves made
 * one after another reach the disk in the order they were made. */
void              bd_overview_config_save_async   (BdOverviewConfig  *config,
                                                   const char        *path,
                                                   GCancellable      *cancellable,
                                                   GAsyncReadyCallback callback,
                                                   gpointer           user_data);
gboolean          bd_overview_config_save_finish  (GAsyncResult      *result,
                                                   GError           **error);

/* The demo plant's three areas with their four sensors each (src/demo). */
BdOverviewConfig *bd_overview_config_new_demo     (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BdOverviewConfig, bd_overview_config_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BdOverviewTileConfig, bd_overview_tile_config_free)

G_END_DECLS
