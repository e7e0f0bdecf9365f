/* test-overview-page.c — the Overview page's tiles in and out of view
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A tile out of the page's scrolled view draws nothing but its box, and one
 * the view reaches again is drawn: checked on a real page over a real
 * service, in a real window under Xvfb, scrolled the way a scroll wheel or
 * the keyboard scrolls it (through the view's adjustment). A tile's value
 * that needs more room than the tile was measured with gets it.
 */

#include "config.h"

#include <adwaita.h>

#include "bd-overview-page.h"
#include "bd-test-gui.h"
#include "bd-test-service.h"
#include "bd-test-util.h"

#define N_TILES 60
#define WAIT_MS (20 * 1000)

static char *
series_name (guint i)
{
  return g_strdup_printf ("plant/line/s%u", i);
}

static BdOverviewTile *
get_tile (BdOverviewPage *page,
          guint           i)
{
  g_autofree char *series = series_name (i);

  return bd_overview_page_get_tile (page, series);
}

static void
test_culling (void)
{
  g_autoptr(BdTestTmpdir) data_dir = bd_test_tmpdir_new ("bd-overview-page");
  g_autofree char *path = bd_overview_config_dup_default_path ();
  g_autoptr(GError) error = NULL;
  BdOverviewConfig *config = bd_overview_config_new ();
  g_autoptr(BdService) service = NULL;
  GtkWidget *window = gtk_window_new ();
  GtkWidget *page = bd_overview_page_new ();
  BdOverviewTile *first;
  BdOverviewTile *last;
  GtkAdjustment *adjustment;

  /* One area of 60 tiles, many rows more than the window holds. */
  for (guint i = 0; i < N_TILES; i++)
    {
      g_autofree char *series = series_name (i);

      bd_overview_config_add_series (config, series);
    }
  g_assert_true (bd_overview_config_save_file (config, path, &error));
  g_assert_no_error (error);
  bd_overview_config_free (config);
  service = bd_test_service_start (data_dir);

  gtk_window_set_default_size (GTK_WINDOW (window), 800, 400);
  gtk_window_set_child (GTK_WINDOW (window), page);
  gtk_window_present (GTK_WINDOW (window));
  bd_overview_page_set_service (BD_OVERVIEW_PAGE (page), service);
  BD_TEST_WAIT_UNTIL (get_tile (BD_OVERVIEW_PAGE (page), N_TILES - 1) != NULL, WAIT_MS);
  first = get_tile (BD_OVERVIEW_PAGE (page), 0);
  last = get_tile (BD_OVERVIEW_PAGE (page), N_TILES - 1);

  /* Drawn once laid out: the first tile in view, the last one not. */
  BD_TEST_WAIT_UNTIL (!bd_overview_tile_get_drawn (last), WAIT_MS);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (last)));
  g_assert_true (bd_overview_tile_get_drawn (first));

  /* Scrolled to the end, the last tile is drawn. */
  adjustment = gtk_scrolled_window_get_vadjustment (
    GTK_SCROLLED_WINDOW (gtk_widget_get_ancestor (GTK_WIDGET (last), GTK_TYPE_SCROLLED_WINDOW)));
  g_assert_cmpfloat (gtk_adjustment_get_upper (adjustment), >,
                     2 * gtk_adjustment_get_page_size (adjustment));
  gtk_adjustment_set_value (adjustment,
                            gtk_adjustment_get_upper (adjustment) - gtk_adjustment_get_page_size (adjustment));
  BD_TEST_WAIT_UNTIL (bd_overview_tile_get_drawn (last), WAIT_MS);

  /* A first tile that changes while out of view draws nothing; back in
   * view, it is drawn again. */
  gtk_widget_queue_draw (GTK_WIDGET (first));
  BD_TEST_WAIT_UNTIL (!bd_overview_tile_get_drawn (first), WAIT_MS);
  gtk_adjustment_set_value (adjustment, 0);
  BD_TEST_WAIT_UNTIL (bd_overview_tile_get_drawn (first), WAIT_MS);

  gtk_window_destroy (GTK_WINDOW (window));
  bd_service_stop (service);
}

static int
min_width (BdOverviewTile *tile)
{
  int width;

  gtk_widget_measure (GTK_WIDGET (tile), GTK_ORIENTATION_HORIZONTAL, -1, &width, NULL, NULL, NULL);
  return width;
}

/* A new value of the same shape (other digits) keeps the tile's width; a
 * wider one makes the tile ask for more, and a narrower one of another
 * shape never for less than the value. */
static void
test_value_width (void)
{
  BdOverviewTileConfig config = {
    .series = (char *) "plant/line/t", .label = (char *) "T", .unit = (char *) "°C",
    .decimals = 1, .scale = 1,
  };
  GtkWidget *window = gtk_window_new ();
  GtkWidget *flow = gtk_flow_box_new ();
  BdOverviewTile *tile = bd_overview_tile_new (&config);
  int narrow;
  int wide;

  gtk_flow_box_append (GTK_FLOW_BOX (flow), GTK_WIDGET (tile));
  gtk_window_set_child (GTK_WINDOW (window), flow);
  gtk_window_present (GTK_WINDOW (window));

  bd_overview_tile_set_value (tile, 1.5, 1000);
  narrow = min_width (tile);
  bd_overview_tile_set_value (tile, 8.25, 2000);
  g_assert_cmpint (min_width (tile), ==, narrow);

  bd_overview_tile_set_value (tile, 1234567.5, 3000);
  wide = min_width (tile);
  g_assert_cmpint (wide, >, narrow);
  bd_overview_tile_set_value (tile, 7654321.5, 4000);
  g_assert_cmpint (min_width (tile), ==, wide);
  bd_overview_tile_set_value (tile, 42.5, 5000);
  g_assert_cmpint (min_width (tile), <=, wide);
  g_assert_cmpint (min_width (tile), >=, narrow);

  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(BdTestTmpdir) config_dir = bd_test_tmpdir_new ("bd-overview-config");

  /* overview.ini is read from the configuration folder: a fresh one. */
  g_setenv ("XDG_CONFIG_HOME", config_dir, TRUE);
  bd_test_gui_init (&argc, &argv);

  g_test_add_func ("/gui/overview/culling", test_culling);
  g_test_add_func ("/gui/overview/value-width", test_value_width);

  return g_test_run ();
}
