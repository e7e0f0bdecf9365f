/* test-overview-config.c — the overview's areas and tiles, and overview.ini
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The model without widgets: areas from the topic hierarchy, the order and
 * the operator's names surviving a save and a load through a real file, the
 * value text, broken groups skipped and named, and the demo plant's
 * defaults matching the topics the simulator publishes.
 */

#include "config.h"

#include <locale.h>
#include <math.h>
#include <string.h>

#include "bd-demo-plant.h"
#include "bd-overview-config.h"
#include "bd-test-util.h"

static void
test_areas_from_topics (void)
{
  g_autoptr(BdOverviewConfig) config = bd_overview_config_new ();
  BdOverviewAreaConfig *area = NULL;
  BdOverviewTileConfig *tile;
  g_autofree char *label = NULL;
  g_autofree char *json_label = NULL;
  g_autofree char *area_label = NULL;

  bd_overview_config_add_series (config, "plant/line_1/temperature");
  bd_overview_config_add_series (config, "plant/line_1/state#motor_speed");
  bd_overview_config_add_series (config, "plant/line_2/temperature");
  bd_overview_config_add_series (config, "toplevel");
  /* Adding again returns the same tile. */
  tile = bd_overview_config_add_series (config, "plant/line_1/temperature");

  g_assert_cmpuint (config->areas->len, ==, 3);
  g_assert_nonnull (bd_overview_config_find_tile (config, "plant/line_1/temperature", &area));
  g_assert_true (bd_overview_config_find_tile (config, "plant/line_1/temperature", NULL) == tile);
  g_assert_cmpstr (area->path, ==, "plant/line_1");
  g_assert_cmpuint (area->tiles->len, ==, 2);
  g_assert_nonnull (bd_overview_config_find_area (config, ""));

  label = bd_overview_tile_config_dup_label (tile);
  g_assert_cmpstr (label, ==, "temperature");
  json_label = bd_overview_tile_config_dup_label (g_ptr_array_index (area->tiles, 1));
  g_assert_cmpstr (json_label, ==, "motor speed");
  area_label = bd_overview_area_config_dup_label (area);
  g_assert_cmpstr (area_label, ==, "line 1");
}

static void
test_move (void)
{
  g_autoptr(BdOverviewConfig) config = bd_overview_config_new ();
  BdOverviewAreaConfig *area;

  bd_overview_config_add_series (config, "a/x/one");
  bd_overview_config_add_series (config, "a/x/two");
  bd_overview_config_add_series (config, "a/y/three");

  g_assert_true (bd_overview_config_move_tile (config, "a/x/two", -1));
  area = bd_overview_config_find_area (config, "a/x");
  g_assert_cmpstr (((BdOverviewTileConfig *) g_ptr_array_index (area->tiles, 0))->series, ==, "a/x/two");
  /* Already first: clamped, nothing moves. */
  g_assert_false (bd_overview_config_move_tile (config, "a/x/two", -1));
  g_assert_false (bd_overview_config_move_tile (config, "a/x/none", 1));
  g_assert_true (bd_overview_config_move_area (config, "a/y", -5));
  g_assert_cmpstr (((BdOverviewAreaConfig *) g_ptr_array_index (config->areas, 0))->path, ==, "a/y");
  g_assert_cmpuint (area->tiles->len, ==, 2);
}

static void
test_format_value (void)
{
  BdOverviewTileConfig tile = { .series = "a/b", .decimals = 1, .scale = 1.0, .unit = "°C" };
  g_autofree char *one = bd_overview_tile_config_format_value (&tile, 23.456);
  g_autofree char *scaled = NULL;
  g_autofree char *free_decimals = NULL;
  g_autofree char *whole = NULL;
  g_autofree char *nan = NULL;

  g_assert_cmpstr (one, ==, "23.5 °C");
  tile.scale = 0.001;
  tile.decimals = 2;
  tile.unit = "kW";
  scaled = bd_overview_tile_config_format_value (&tile, 1234.0);
  g_assert_cmpstr (scaled, ==, "1.23 kW");
  tile.scale = 1.0;
  tile.decimals = -1;
  tile.unit = NULL;
  free_decimals = bd_overview_tile_config_format_value (&tile, 0.125);
  g_assert_cmpstr (free_decimals, ==, "0.125");
  whole = bd_overview_tile_config_format_value (&tile, 620.0);
  g_assert_cmpstr (whole, ==, "620");
  nan = bd_overview_tile_config_format_value (&tile, NAN);
  g_assert_cmpstr (nan, ==, "—");
}

/* The one lookup every page uses for a series' label, unit and value. */
static void
test_series_lookup (void)
{
  g_autoptr(BdOverviewConfig) config = bd_overview_config_new ();
  BdOverviewTileConfig *tile = bd_overview_config_add_series (config, "plant/line/power");
  g_autoptr(BdOverviewTileConfig) copy = NULL;
  g_autofree char *label = NULL;
  g_autofree char *value = NULL;
  g_autofree char *none = NULL;

  bd_overview_config_add_series (config, "plant/line/state#speed");
  g_assert_null (bd_overview_config_dup_series_label (config, "plant/line/power"));
  g_assert_null (bd_overview_config_get_series_unit (config, "plant/line/power"));
  tile->label = g_strdup ("Line power");
  tile->unit = g_strdup ("kW");
  tile->scale = 0.001;
  tile->decimals = 1;

  label = bd_overview_config_dup_series_label (config, "plant/line/power");
  g_assert_cmpstr (label, ==, "Line power");
  g_assert_cmpstr (bd_overview_config_get_series_unit (config, "plant/line/power"), ==, "kW");
  value = bd_overview_config_format_series_value (config, "plant/line/power", 12345);
  g_assert_cmpstr (value, ==, "12.3 kW");
  /* A series without a tile, or no overview yet: nothing to say. */
  g_assert_null (bd_overview_config_dup_series_label (config, "plant/line/other"));
  none = bd_overview_config_format_series_value (config, "plant/line/other", 1);
  g_assert_null (none);
  g_assert_null (bd_overview_config_dup_series_label (NULL, "plant/line/power"));
  g_assert_null (bd_overview_config_get_series_unit (config, "plant/line/state#speed"));

  copy = bd_overview_tile_config_copy (tile);
  g_free (tile->unit);
  tile->unit = g_strdup ("W");
  g_assert_cmpstr (copy->unit, ==, "kW");
  g_assert_cmpstr (copy->label, ==, "Line power");
}

static void
test_save_and_load (void)
{
  g_autoptr(BdTestTmpdir) dir = bd_test_tmpdir_new ("bd-overview");
  g_autofree char *path = g_build_filename (dir, "sub", "overview.ini", NULL);
  g_autoptr(BdOverviewConfig) config = bd_overview_config_new ();
  g_autoptr(BdOverviewConfig) loaded = NULL;
  g_autoptr(GError) error = NULL;
  BdOverviewTileConfig *tile;
  BdOverviewAreaConfig *area;

  tile = bd_overview_config_add_series (config, "b/area/speed");
  tile->label = g_strdup ("Belt speed");
  tile->unit = g_strdup ("m/s");
  tile->decimals = 2;
  tile->scale = 0.5;
  tile->hidden = TRUE;
  bd_overview_config_add_series (config, "b/area/load");
  bd_overview_config_add_series (config, "a/area/[weird] topic");
  area = bd_overview_config_find_area (config, "a/area");
  area->label = g_strdup ("Annex");
  area->hidden = TRUE;

  g_assert_true (bd_overview_config_save_file (config, path, &error));
  g_assert_no_error (error);
  loaded = bd_overview_config_load_file (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (loaded);
  g_assert_false (loaded->is_new);

  g_assert_cmpuint (loaded->areas->len, ==, 2);
  /* The order is the file's, not sorted. */
  g_assert_cmpstr (((BdOverviewAreaConfig *) g_ptr_array_index (loaded->areas, 0))->path, ==, "b/area");
  tile = bd_overview_config_find_tile (loaded, "b/area/speed", &area);
  g_assert_nonnull (tile);
  g_assert_true (g_ptr_array_index (area->tiles, 0) == tile);
  g_assert_cmpstr (tile->label, ==, "Belt speed");
  g_assert_cmpstr (tile->unit, ==, "m/s");
  g_assert_cmpint (tile->decimals, ==, 2);
  g_assert_cmpfloat (tile->scale, ==, 0.5);
  g_assert_true (tile->hidden);
  tile = bd_overview_config_find_tile (loaded, "b/area/load", NULL);
  g_assert_nonnull (tile);
  g_assert_null (tile->label);
  g_assert_false (tile->hidden);
  g_assert_cmpint (tile->decimals, ==, -1);
  area = bd_overview_config_find_area (loaded, "a/area");
  g_assert_cmpstr (area->label, ==, "Annex");
  g_assert_true (area->hidden);
  g_assert_cmpuint (area->tiles->len, ==, 1);
}

static void
test_broken_groups (void)
{
  const char *text =
    "[tile orphan/x/y]\n"
    "[area p]\n"
    "[tile p/good]\nunit=V\n"
    "[tile p/bad]\ndecimals=many\n"
    "[tile q/elsewhere]\n"
    "[tile p/good]\nlabel=Good\n"
    "[something]\n";
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BdOverviewConfig) config = bd_overview_config_from_data (text, -1, &problems, &error);
  BdOverviewAreaConfig *area;

  g_assert_no_error (error);
  g_assert_nonnull (config);
  area = bd_overview_config_find_area (config, "p");
  g_assert_nonnull (area);
  g_assert_cmpuint (area->tiles->len, ==, 1);
  g_assert_cmpstr (((BdOverviewTileConfig *) g_ptr_array_index (area->tiles, 0))->unit, ==, "V");
  /* The orphan, the bad decimals, the one elsewhere and the unknown group
   * (GKeyFile itself merges a repeated group into the first). */
  g_assert_cmpuint (problems->len, ==, 4);
  for (guint i = 0; i < problems->len; i++)
    g_assert_nonnull (strstr (g_ptr_array_index (problems, i), "["));

  g_clear_error (&error);
  g_assert_null (bd_overview_config_from_data ("not a key file", -1, NULL, &error));
  g_assert_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_PARSE);
}

static void
test_demo (void)
{
  g_autoptr(BdOverviewConfig) config = bd_overview_config_new_demo ();

  g_assert_true (config->is_new);
  g_assert_cmpuint (config->areas->len, ==, g_strv_length ((char **) bd_demo_plant_areas));
  for (guint a = 0; bd_demo_plant_areas[a] != NULL; a++)
    for (guint s = 0; bd_demo_plant_sensors[s] != NULL; s++)
      {
        g_autofree char *series = g_strdup_printf ("busan/factory/%s/%s", bd_demo_plant_areas[a],
                                                   bd_demo_plant_sensors[s]);
        BdOverviewTileConfig *tile = bd_overview_config_find_tile (config, series, NULL);

        g_assert_nonnull (tile);
        g_assert_nonnull (tile->unit);
        g_assert_nonnull (tile->label);
        g_assert_cmpint (tile->decimals, >=, 0);
      }
}

static void
saved_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (bd_overview_config_save_finish (result, &error));
  g_assert_no_error (error);
  (*(guint *) user_data)++;
}

/* Saves made in a row reach the disk newest last, whatever order the
 * workers run in. */
static void
test_save_async_order (void)
{
  g_autoptr(BdTestTmpdir) dir = bd_test_tmpdir_new ("bd-overview-async");
  g_autofree char *path = g_build_filename (dir, "overview.ini", NULL);
  g_autoptr(BdOverviewConfig) config = bd_overview_config_new ();
  g_autoptr(BdOverviewConfig) loaded = NULL;
  g_autoptr(GError) error = NULL;
  guint done = 0;
  const guint n = 20;

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *series = g_strdup_printf ("a/b/s%u", i);

      bd_overview_config_add_series (config, series);
      bd_overview_config_save_async (config, path, NULL, saved_cb, &done);
    }
  BD_TEST_WAIT_UNTIL (done == n, 10000);
  loaded = bd_overview_config_load_file (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (((BdOverviewAreaConfig *) g_ptr_array_index (loaded->areas, 0))->tiles->len, ==, n);
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/service/overview/areas-from-topics", test_areas_from_topics);
  g_test_add_func ("/service/overview/move", test_move);
  g_test_add_func ("/service/overview/format-value", test_format_value);
  g_test_add_func ("/service/overview/series-lookup", test_series_lookup);
  g_test_add_func ("/service/overview/save-and-load", test_save_and_load);
  g_test_add_func ("/service/overview/broken-groups", test_broken_groups);
  g_test_add_func ("/service/overview/demo", test_demo);
  g_test_add_func ("/service/overview/save-async-order", test_save_async_order);

  return g_test_run ();
}
