/* test-charts-page.c — the Charts page over a real history, on a headless X display
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Run through run-xvfb.py. The recorder writes a real SQLite history (a
 * plain topic, a JSON topic and a text topic over the last hour); the page
 * reads it through BdHistory exactly as in the application. The checks look
 * at what a user would see: the cards and their titles, the toasts, the
 * chart's buckets and its accessible summary.
 *
 * With BD_CHARTS_SCREENSHOT=FILE.png set, the page with its data is also
 * written to FILE.png (to look at the drawing; not a check).
 */

#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include <adwaita.h>

#include "bd-alarm-engine.h"
#include "bd-chart.h"
#include "bd-chart-picker-dialog.h"
#include "bd-charts-page.h"
#include "bd-journal.h"
#include "bd-recorder.h"
#include "bd-test-gui.h"
#include "bd-test-journal.h"
#include "bd-test-alarms.h"
#include "bd-test-service.h"
#include "bd-test-util.h"

#define PLAIN_TOPIC "busan/factory/manufacture/temperature"
#define JSON_TOPIC  "busan/factory/manufacture/state"
#define TEXT_TOPIC  "busan/factory/manufacture/label"
#define WAIT_S      20

typedef struct
{
  char      *dir;
  BdHistory *history;
  double     plain_min;
  double     plain_max;
  double     plain_last;
  double     json_min;
  double     json_max;
} Fixture;

static void
tap (BdRecorder *recorder,
     const char *topic,
     const char *payload,
     gint64      time_us)
{
  g_autoptr(GBytes) bytes = g_bytes_new (payload, strlen (payload));
  g_autoptr(BdMessage) message = bd_message_new_full (topic, bytes, 0, FALSE, NULL, NULL, time_us);

  bd_recorder_tap (message, recorder);
}

/* An hour of readings every 5 s, with a five-minute silence in the middle. */
/* Each test starts from the defaults (the memory backend lives as long as
 * the process). */
static void
reset_settings (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);

  g_settings_reset (settings, "chart-series");
  g_settings_reset (settings, "chart-range");
}

static void
fixture_init (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BdRecorder) recorder = NULL;
  gint64 now_us = g_get_real_time ();

  reset_settings ();
  fixture->dir = bd_test_tmpdir_new ("charts");
  recorder = bd_recorder_new (fixture->dir, NULL);
  g_assert_true (bd_recorder_start (recorder, &error));
  g_assert_no_error (error);

  fixture->plain_min = INFINITY;
  fixture->plain_max = -INFINITY;
  fixture->json_min = INFINITY;
  fixture->json_max = -INFINITY;
  for (int i = 719; i >= 1; i--)
    {
      gint64 time_us = now_us - (gint64) i * 5 * G_USEC_PER_SEC;
      double temperature = 22.5 + 2.5 * sin (i / 48.0) + (i % 7) * 0.15;
      double humidity = 45 + 10 * cos (i / 80.0);
      double json_temperature = 30 + 3 * sin (i / 36.0);
      char number[G_ASCII_DTOSTR_BUF_SIZE];
      char number2[G_ASCII_DTOSTR_BUF_SIZE];
      g_autofree char *json = NULL;

      if (i > 320 && i < 380)
        continue;
      /* What the payload says is what the history has: round like it. */
      g_ascii_formatd (number, sizeof number, "%.2f", temperature);
      temperature = g_ascii_strtod (number, NULL);
      tap (recorder, PLAIN_TOPIC, number, time_us);
      fixture->plain_min = MIN (fixture->plain_min, temperature);
      fixture->plain_max = MAX (fixture->plain_max, temperature);
      fixture->plain_last = temperature;

      g_ascii_formatd (number, sizeof number, "%.2f", json_temperature);
      g_ascii_formatd (number2, sizeof number2, "%.1f", humidity);
      json = g_strdup_printf ("{\"temperature\": %s, \"humidity\": %s}", number, number2);
      tap (recorder, JSON_TOPIC, json, time_us);
      fixture->json_min = MIN (fixture->json_min, g_ascii_strtod (number, NULL));
      fixture->json_max = MAX (fixture->json_max, g_ascii_strtod (number, NULL));

      tap (recorder, TEXT_TOPIC, "line 3", time_us);
    }
  g_assert_true (bd_recorder_flush_sync (recorder, &error));
  g_assert_no_error (error);
  bd_recorder_close (recorder);

  fixture->history = bd_history_new (fixture->dir);
}

static void
fixture_clear (Fixture       *fixture,
               gconstpointer  data)
{
  g_clear_pointer (&fixture->history, bd_history_unref);
  g_clear_pointer (&fixture->dir, bd_test_tmpdir_free);
}

static void
wait_for_label (GtkWidget  *root,
                const char *text)
{
  BD_TEST_WAIT_FOR (bd_test_find_label (root, text, TRUE) != NULL,
                    WAIT_S * 1000, "label shown");
}

static guint
n_series (GtkWidget *page)
{
  g_auto(GStrv) series = bd_charts_page_dup_series (BD_CHARTS_PAGE (page));

  return g_strv_length (series);
}

static gboolean
chart_has_data (gpointer data)
{
  BdChart *chart = data;

  return bd_chart_get_n_series (chart) == 1 && bd_chart_get_series_stats (chart, 0, NULL, NULL, NULL);
}

static gboolean
chart_has_series (gpointer data)
{
  return bd_chart_get_n_series (data) == 1;
}

static BdChart *
wait_for_chart (GtkWidget  *page,
                const char *series)
{
  GtkWidget *chart = bd_charts_page_get_chart (BD_CHARTS_PAGE (page), series);

  g_assert_nonnull (chart);
  bd_test_wait_until (chart_has_data, chart, WAIT_S * 1000, "chart has data");
  return BD_CHART (chart);
}

/* Delivers a key press to the chart's key controller, as GTK would when it
 * has the focus; returns whether the chart handled it. */
static gboolean
press_key (BdChart *chart,
           guint    keyval)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (GTK_WIDGET (chart));

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);
      gboolean handled = FALSE;

      if (!GTK_IS_EVENT_CONTROLLER_KEY (controller))
        continue;
      g_signal_emit_by_name (controller, "key-pressed", keyval, 0, (GdkModifierType) 0, &handled);
      return handled;
    }
  g_assert_not_reached ();
}

static void
check_series (GtkWidget          *page,
              const char * const *expected)
{
  g_auto(GStrv) series = bd_charts_page_dup_series (BD_CHARTS_PAGE (page));
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_auto(GStrv) saved = g_settings_get_strv (settings, "chart-series");

  g_assert_cmpstrv (series, expected);
  g_assert_cmpstrv (saved, expected);
}

static void
save_screenshot (GtkWidget  *window,
                 const char *path)
{
  GtkNative *native = GTK_NATIVE (window);
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (window);
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  int width = gtk_widget_get_width (window);
  int height = gtk_widget_get_height (window);

  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (native), node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  g_assert_true (gdk_texture_save_to_png (texture, path));
}

/* Lets a widget draw a few frames. */
static gboolean
frames_drawn_at_least (gpointer data)
{
  gpointer *args = data;

  return *(guint *) args[0] >= GPOINTER_TO_UINT (args[1]);
}

static gboolean
count_frame_cb (GtkWidget     *widget,
                GdkFrameClock *clock,
                gpointer       data)
{
  guint *frames = data;

  (*frames)++;
  gtk_widget_queue_draw (widget);
  return G_SOURCE_CONTINUE;
}

static void
wait_frames (GtkWidget *widget,
             guint      n)
{
  guint frames = 0;
  guint tick = gtk_widget_add_tick_callback (widget, count_frame_cb, &frames, NULL);
  gpointer args[] = { &frames, GUINT_TO_POINTER (n) };

  bd_test_wait_until (frames_drawn_at_least, args, WAIT_S * 1000, "frames drawn at least");
  gtk_widget_remove_tick_callback (widget, tick);
}

static void
test_page (Fixture       *fixture,
           gconstpointer  data)
{
  GtkWidget *window = gtk_window_new ();
  GtkWidget *overlay = adw_toast_overlay_new ();
  GtkWidget *page = bd_charts_page_new ();
  BdChart *chart;
  double min;
  double max;
  double last;
  g_autofree char *summary = NULL;
  g_autofree char *expected_summary = NULL;
  const char *screenshot = g_getenv ("BD_CHARTS_SCREENSHOT");

  gtk_window_set_default_size (GTK_WINDOW (window), 900, 1000);
  adw_toast_overlay_set_child (ADW_TOAST_OVERLAY (overlay), page);
  gtk_window_set_child (GTK_WINDOW (window), overlay);
  gtk_window_present (GTK_WINDOW (window));

  /* Without a history the page says recording is off. */
  g_assert_cmpstr (bd_test_visible_page (page, "stack"), ==, "off");
  bd_charts_page_set_history (BD_CHARTS_PAGE (page), fixture->history);
  g_assert_cmpstr (bd_test_visible_page (page, "stack"), ==, "empty");

  /* A plain topic: one series, named after the topic. */
  bd_charts_page_chart_topic (BD_CHARTS_PAGE (page), PLAIN_TOPIC);
  BD_TEST_WAIT_FOR (n_series (page) == 1, WAIT_S * 1000, "series counted");
  check_series (page, (const char *[]) { PLAIN_TOPIC, NULL });
  g_assert_cmpstr (bd_test_visible_page (page, "stack"), ==, "charts");
  chart = wait_for_chart (page, PLAIN_TOPIC);
  g_assert_true (bd_chart_get_series_stats (chart, 0, &min, &max, &last));
  g_assert_cmpfloat_with_epsilon (min, fixture->plain_min, 1e-9);
  g_assert_cmpfloat_with_epsilon (max, fixture->plain_max, 1e-9);
  g_assert_cmpfloat_with_epsilon (last, fixture->plain_last, 1e-9);
  g_assert_cmpuint (bd_chart_get_n_buckets (chart, 0), >=, 30);
  g_assert_cmpuint (bd_chart_get_n_buckets (chart, 0), <=, 1000);
  expected_summary = g_strdup_printf (PLAIN_TOPIC ", last hour: min %.*f, max %.*f, last %.*f",
                                      bd_chart_get_value_decimals (chart), min,
                                      bd_chart_get_value_decimals (chart), max,
                                      bd_chart_get_value_decimals (chart), last);
  g_assert_cmpstr (bd_chart_get_summary (chart), ==, expected_summary);
  wait_for_label (page, PLAIN_TOPIC);

  /* The crosshair by keyboard: End, Left, Home, Escape; it only ever
   * stands on buckets with data. */
  {
    int end;
    int home;

    g_assert_cmpint (bd_chart_get_cursor (chart), ==, -1);
    g_assert_true (press_key (chart, GDK_KEY_End));
    end = bd_chart_get_cursor (chart);
    g_assert_cmpint (end, >, 0);
    g_assert_true (press_key (chart, GDK_KEY_Left));
    g_assert_cmpint (bd_chart_get_cursor (chart), <, end);
    g_assert_true (press_key (chart, GDK_KEY_Right));
    g_assert_cmpint (bd_chart_get_cursor (chart), ==, end);
    g_assert_true (press_key (chart, GDK_KEY_Right));
    g_assert_cmpint (bd_chart_get_cursor (chart), ==, end);
    g_assert_true (press_key (chart, GDK_KEY_Home));
    home = bd_chart_get_cursor (chart);
    g_assert_cmpint (home, >=, 0);
    g_assert_cmpint (home, <, end);
    g_assert_true (press_key (chart, GDK_KEY_Escape));
    g_assert_cmpint (bd_chart_get_cursor (chart), ==, -1);
    g_assert_false (press_key (chart, GDK_KEY_Escape));
    g_assert_false (press_key (chart, GDK_KEY_a));
    /* The setter snaps to data too. */
    bd_chart_set_cursor (chart, 0);
    g_assert_cmpint (bd_chart_get_cursor (chart), ==, home);
    bd_chart_set_cursor (chart, -1);
  }

  /* The pointer: the crosshair follows it over the plot and goes when it
   * leaves. The motion maps through the plot the last frame drew. */
  wait_frames (GTK_WIDGET (chart), 3);
  {
    g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (GTK_WIDGET (chart));
    double width = gtk_widget_get_width (GTK_WIDGET (chart));
    int right;

    for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
      {
        g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

        if (!GTK_IS_EVENT_CONTROLLER_MOTION (controller))
          continue;
        g_assert_cmpfloat (width, >, 100);
        g_signal_emit_by_name (controller, "motion", width - 20, 40.0);
        right = bd_chart_get_cursor (chart);
        g_assert_cmpint (right, >, 0);
        g_signal_emit_by_name (controller, "motion", width / 2, 40.0);
        g_assert_cmpint (bd_chart_get_cursor (chart), <, right);
        g_assert_cmpint (bd_chart_get_cursor (chart), >, 0);
        g_signal_emit_by_name (controller, "leave");
        g_assert_cmpint (bd_chart_get_cursor (chart), ==, -1);
      }
  }

  /* A JSON topic: a series per numeric member; text is not charted. */
  bd_charts_page_chart_topic (BD_CHARTS_PAGE (page), JSON_TOPIC);
  BD_TEST_WAIT_FOR (n_series (page) == 3, WAIT_S * 1000, "series counted");
  check_series (page, (const char *[]) { PLAIN_TOPIC, JSON_TOPIC "#humidity",
                                         JSON_TOPIC "#temperature", NULL });
  chart = wait_for_chart (page, JSON_TOPIC "#temperature");
  g_assert_true (bd_chart_get_series_stats (chart, 0, &min, &max, NULL));
  g_assert_cmpfloat_with_epsilon (min, fixture->json_min, 1e-9);
  g_assert_cmpfloat_with_epsilon (max, fixture->json_max, 1e-9);
  wait_for_chart (page, JSON_TOPIC "#humidity");
  /* The card shows the field under the topic. */
  wait_for_label (page, "temperature");
  wait_for_label (page, "humidity");

  /* Charting it again adds nothing, and says so. */
  bd_charts_page_chart_topic (BD_CHARTS_PAGE (page), PLAIN_TOPIC);
  wait_for_label (overlay, "“" PLAIN_TOPIC "” is already charted");
  g_assert_false (bd_charts_page_add_series (BD_CHARTS_PAGE (page), PLAIN_TOPIC));
  g_assert_cmpuint (n_series (page), ==, 3);

  /* A topic without numbers: a toast, no card. */
  bd_charts_page_chart_topic (BD_CHARTS_PAGE (page), TEXT_TOPIC);
  wait_for_label (overlay, "No numeric values recorded for “" TEXT_TOPIC "” yet");
  g_assert_cmpuint (n_series (page), ==, 3);

  if (screenshot != NULL)
    {
      wait_frames (window, 10);
      save_screenshot (window, screenshot);

      /* Dark, with the crosshair on the first chart. */
      {
        g_autofree char *dark = g_strconcat (screenshot, "-dark.png", NULL);
        BdChart *first = BD_CHART (bd_charts_page_get_chart (BD_CHARTS_PAGE (page), PLAIN_TOPIC));

        adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                            ADW_COLOR_SCHEME_FORCE_DARK);
        bd_chart_set_cursor (first, bd_chart_get_n_buckets (first, 0) * 2 / 3);
        wait_frames (window, 10);
        save_screenshot (window, dark);
        bd_chart_set_cursor (first, -1);
        adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                            ADW_COLOR_SCHEME_DEFAULT);
      }
    }

  /* Remove the middle card with its button, then undo. */
  chart = BD_CHART (bd_charts_page_get_chart (BD_CHARTS_PAGE (page), JSON_TOPIC "#humidity"));
  g_signal_emit_by_name (bd_test_find_type (gtk_widget_get_parent (GTK_WIDGET (chart)),
                                            GTK_TYPE_BUTTON),
                         "clicked");
  check_series (page, (const char *[]) { PLAIN_TOPIC, JSON_TOPIC "#temperature", NULL });
  g_assert_null (bd_charts_page_get_chart (BD_CHARTS_PAGE (page), JSON_TOPIC "#humidity"));
  wait_for_label (overlay, "Removed the chart of " JSON_TOPIC "#humidity");
  gtk_widget_activate_action (page, "charts.undo-remove", NULL);
  wait_for_label (overlay, "Restored the chart of " JSON_TOPIC "#humidity");
  check_series (page, (const char *[]) { PLAIN_TOPIC, JSON_TOPIC "#humidity",
                                         JSON_TOPIC "#temperature", NULL });
  wait_for_chart (page, JSON_TOPIC "#humidity");

  /* Another range: saved, and the charts ask again and say so. */
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (bd_test_child (page, "range_24h")), TRUE);
  {
    g_autoptr(GSettings) settings = g_settings_new (APP_ID);
    g_autofree char *range = g_settings_get_string (settings, "chart-range");

    g_assert_cmpstr (range, ==, "24h");
  }
  chart = wait_for_chart (page, PLAIN_TOPIC);
  g_assert_true (bd_chart_get_series_stats (chart, 0, &min, &max, NULL));
  g_assert_cmpfloat_with_epsilon (min, fixture->plain_min, 1e-9);
  g_assert_cmpfloat_with_epsilon (max, fixture->plain_max, 1e-9);
  summary = g_strdup (bd_chart_get_summary (chart));
  g_assert_true (g_str_has_prefix (summary, PLAIN_TOPIC ", last 24 hours: min "));

  /* Removing every card leaves the empty state; recording off wins over it. */
  for (guint n = 3; n > 0; n--)
    {
      g_auto(GStrv) series = bd_charts_page_dup_series (BD_CHARTS_PAGE (page));
      GtkWidget *card_chart = bd_charts_page_get_chart (BD_CHARTS_PAGE (page), series[0]);

      g_signal_emit_by_name (bd_test_find_type (gtk_widget_get_parent (card_chart), GTK_TYPE_BUTTON),
                             "clicked");
    }
  check_series (page, (const char *[]) { NULL });
  g_assert_cmpstr (bd_test_visible_page (page, "stack"), ==, "empty");
  bd_charts_page_set_history (BD_CHARTS_PAGE (page), NULL);
  g_assert_cmpstr (bd_test_visible_page (page, "stack"), ==, "off");

  gtk_window_destroy (GTK_WINDOW (window));
}

static gboolean
last_is (BdChart *chart,
         double   value)
{
  double last;

  return bd_chart_get_series_stats (chart, 0, NULL, NULL, &last) && last == value;
}

/* The list and the range come back from the settings, and a query that is
 * still running when the page goes away is dropped quietly. */
static void
test_restore (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  GtkWidget *window = gtk_window_new ();
  GtkWidget *page;
  BdChart *chart;

  g_settings_set_strv (settings, "chart-series",
                       (const char *[]) { JSON_TOPIC "#temperature", "no/such/topic", NULL });
  g_settings_set_string (settings, "chart-range", "5m");
  page = bd_charts_page_new ();
  gtk_window_set_child (GTK_WINDOW (window), page);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (gtk_toggle_button_get_active (bd_test_child (page, "range_5m")));
  g_assert_cmpuint (n_series (page), ==, 2);

  bd_charts_page_set_history (BD_CHARTS_PAGE (page), fixture->history);
  chart = wait_for_chart (page, JSON_TOPIC "#temperature");
  g_assert_true (g_str_has_prefix (bd_chart_get_summary (chart),
                                   JSON_TOPIC "#temperature, last 5 minutes: min "));
  /* A series with no data draws an empty chart and says so. */
  chart = BD_CHART (bd_charts_page_get_chart (BD_CHARTS_PAGE (page), "no/such/topic"));
  bd_test_wait_until (chart_has_series, chart, WAIT_S * 1000, "chart has series");
  g_assert_false (bd_chart_get_series_stats (chart, 0, NULL, NULL, NULL));
  g_assert_cmpstr (bd_chart_get_summary (chart), ==, "no/such/topic, last 5 minutes: no data");

  /* The charts follow live data: a value recorded now shows up at the
   * next refresh (every 2 s for this range). */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(BdRecorder) recorder = bd_recorder_new (fixture->dir, NULL);
    BdChart *temperature;

    g_assert_true (bd_recorder_start (recorder, &error));
    g_assert_no_error (error);
    tap (recorder, JSON_TOPIC, "{\"temperature\": 99.5}", g_get_real_time ());
    g_assert_true (bd_recorder_flush_sync (recorder, &error));
    g_assert_no_error (error);
    bd_recorder_close (recorder);

    temperature = BD_CHART (bd_charts_page_get_chart (BD_CHARTS_PAGE (page), JSON_TOPIC "#temperature"));
    BD_TEST_WAIT_FOR (last_is (temperature, 99.5), WAIT_S * 1000, "last is");
  }

  /* Gone with queries in flight. */
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (bd_test_child (page, "range_30d")), TRUE);
  gtk_window_destroy (GTK_WINDOW (window));
  for (guint i = 0; i < 50 && g_main_context_pending (NULL); i++)
    g_main_context_iteration (NULL, FALSE);
}

static GtkWidget *
find_picker (void)
{
  return GTK_WIDGET (bd_test_find_window (BD_TYPE_CHART_PICKER_DIALOG));
}

static gboolean
picker_shown (gpointer data)
{
  return find_picker () != NULL;
}

static gboolean
picker_gone (gpointer data)
{
  return find_picker () == NULL;
}

static gboolean
rows_listed (gpointer data)
{
  return bd_test_list_box_n_rows (data) > 0;
}

/* Add Chart…: the recorded series in a searchable list; Enter in the search
 * charts the first match. */
static void
test_picker (Fixture       *fixture,
             gconstpointer  data)
{
  GtkWidget *window = gtk_window_new ();
  GtkWidget *page = bd_charts_page_new ();
  GtkWidget *picker;
  GtkListBox *list_box;
  GtkWidget *search_entry;

  gtk_window_set_child (GTK_WINDOW (window), page);
  gtk_window_present (GTK_WINDOW (window));
  /* Without a history there is nothing to pick from. */
  g_assert_false (gtk_widget_activate_action (page, "charts.add", NULL)
                  && find_picker () != NULL);

  bd_charts_page_set_history (BD_CHARTS_PAGE (page), fixture->history);
  g_assert_cmpstr (bd_test_visible_page (page, "stack"), ==, "empty");
  g_assert_true (bd_charts_page_add_series (BD_CHARTS_PAGE (page), PLAIN_TOPIC));
  g_assert_true (gtk_widget_activate_action (page, "charts.add", NULL));
  bd_test_wait_until (picker_shown, NULL, WAIT_S * 1000, "picker shown");
  picker = find_picker ();
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (picker)) == GTK_WINDOW (window));
  list_box = GTK_LIST_BOX (bd_test_find_type (picker, GTK_TYPE_LIST_BOX));
  bd_test_wait_until (rows_listed, list_box, WAIT_S * 1000, "rows listed");
  /* The plain topic and the JSON members; the text topic has no series. */
  g_assert_cmpuint (bd_test_list_box_n_rows (list_box), ==, 3);
  g_assert_nonnull (bd_test_find_label (picker, "Charted", TRUE));

  search_entry = bd_test_find_type (picker, GTK_TYPE_SEARCH_ENTRY);
  gtk_editable_set_text (GTK_EDITABLE (search_entry), "HUMID");
  g_signal_emit_by_name (search_entry, "activate");
  bd_test_wait_until (picker_gone, NULL, WAIT_S * 1000, "picker gone");
  check_series (page, (const char *[]) { PLAIN_TOPIC, JSON_TOPIC "#humidity", NULL });

  gtk_window_destroy (GTK_WINDOW (window));
}

static gboolean
is_error_label (GtkWidget     *widget,
                gconstpointer  data)
{
  return GTK_IS_LABEL (widget) && gtk_widget_has_css_class (widget, "error")
         && gtk_widget_get_visible (widget);
}

static GtkLabel *
find_error_label (GtkWidget *widget)
{
  return (GtkLabel *) bd_test_find_widget (widget, is_error_label, NULL);
}

static gboolean
error_shown (gpointer data)
{
  return find_error_label (data) != NULL;
}

/* A history that cannot be read: the card says why, nothing crashes, and
 * the other parts of the page keep working. */
static void
test_error (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BdTestTmpdir) dir = bd_test_tmpdir_new ("charts");
  g_autofree char *path = NULL;
  g_autoptr(BdHistory) history = NULL;
  GtkWidget *window = gtk_window_new ();
  GtkWidget *page = bd_charts_page_new ();
  GtkLabel *label;

  reset_settings ();
  path = g_build_filename (dir, "history.db", NULL);
  g_assert_true (g_file_set_contents (path, "this is not an SQLite database, not at all. "
                                      "this is not an SQLite database, not at all.", -1, &error));
  g_assert_no_error (error);
  history = bd_history_new (dir);

  gtk_window_set_child (GTK_WINDOW (window), page);
  gtk_window_present (GTK_WINDOW (window));
  bd_charts_page_set_history (BD_CHARTS_PAGE (page), history);
  g_assert_true (bd_charts_page_add_series (BD_CHARTS_PAGE (page), PLAIN_TOPIC));
  bd_test_wait_until (error_shown, page, WAIT_S * 1000, "error shown");
  label = find_error_label (page);
  g_assert_true (g_str_has_prefix (gtk_label_get_text (label), "Could not read the history: "));
  g_assert_cmpuint (n_series (page), ==, 1);

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
append_transition (BdJournal  *journal,
                   const char *rule_id,
                   const char *topic,
                   gint64      time_us,
                   const char *from_state,
                   const char *to_state)
{
  bd_journal_append (journal, &(BdJournalEntry) {
                       .time_us = time_us,
                       .kind = (char *) BD_JOURNAL_KIND_ALARM,
                       .source_id = (char *) rule_id,
                       .topic = (char *) topic,
                       .level = (char *) "hi",
                       .from_state = (char *) from_state,
                       .to_state = (char *) to_state,
                       .value = 28.5,
                     });
}

static gboolean
chart_has_markers (gpointer data)
{
  guint n = 0;

  bd_chart_get_markers (data, &n);
  return n > 0;
}

/* A rule named after its @id, on @field of the messages on @filter; its
 * limits are the test's to set. */
static BdAlarmRule *
make_rule (const char *id,
           const char *filter,
           const char *field)
{
  BdAlarmRule *rule = bd_test_alarm_rule_new (id, id, filter, NAN);

  g_free (rule->field);
  rule->field = g_strdup (field);
  return rule;
}

/* A chart shows the limits of the rule watching its series and, as markers,
 * the alarm transitions of that rule on its topic in its range. */
static void
test_alarms (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BdAlarmEngine) alarms = bd_alarm_engine_new ();
  g_autoptr(BdAlarmRule) plain_rule = make_rule ("temperature", "busan/factory/+/temperature", "");
  g_autoptr(BdAlarmRule) json_rule = make_rule ("state-temperature", JSON_TOPIC, "temperature");
  g_autoptr(BdAlarmRule) other_rule = make_rule ("humidity", JSON_TOPIC, "humidity");
  g_autofree char *journal_path = g_build_filename (fixture->dir, "journal.db", NULL);
  g_autoptr(BdJournal) journal = bd_journal_new (journal_path);
  gint64 now_us = g_get_real_time ();
  gint64 minute_us = 60 * G_USEC_PER_SEC;
  GtkWidget *window = gtk_window_new ();
  GtkWidget *page = bd_charts_page_new ();
  BdChart *chart;
  BdChart *json_chart;
  const BdChartMarker *markers;
  guint n_markers = 0;
  double hihi;
  double hi;
  double lo;
  double lolo;

  plain_rule->hi = 28;
  plain_rule->hihi = 31;
  json_rule->lo = 20;
  other_rule->hi = 90;
  g_assert_true (bd_alarm_engine_add_rule (alarms, plain_rule, &error));
  g_assert_true (bd_alarm_engine_add_rule (alarms, other_rule, &error));
  g_assert_true (bd_alarm_engine_add_rule (alarms, json_rule, &error));
  g_assert_no_error (error);

  /* In the last hour: raised, acknowledged (no marker), returned; another
   * topic's and another rule's alarms, and one two hours ago, are not this
   * chart's. */
  append_transition (journal, "temperature", PLAIN_TOPIC, now_us - 120 * minute_us, "normal", "unack");
  append_transition (journal, "temperature", PLAIN_TOPIC, now_us - 20 * minute_us, "normal", "unack");
  append_transition (journal, "temperature", PLAIN_TOPIC, now_us - 19 * minute_us, "unack", "acked");
  append_transition (journal, "temperature", PLAIN_TOPIC, now_us - 15 * minute_us, "acked", "normal");
  append_transition (journal, "temperature", "busan/factory/assembly/temperature",
                     now_us - 10 * minute_us, "normal", "unack");
  append_transition (journal, "humidity", JSON_TOPIC, now_us - 10 * minute_us, "normal", "unack");
  append_transition (journal, "state-temperature", JSON_TOPIC, now_us - 5 * minute_us,
                     "normal", "unack");
  g_assert_true (bd_test_journal_flush (journal, &error));
  g_assert_no_error (error);

  gtk_window_set_child (GTK_WINDOW (window), page);
  gtk_window_present (GTK_WINDOW (window));
  bd_charts_page_set_history (BD_CHARTS_PAGE (page), fixture->history);
  g_assert_true (bd_charts_page_add_series (BD_CHARTS_PAGE (page), PLAIN_TOPIC));
  g_assert_true (bd_charts_page_add_series (BD_CHARTS_PAGE (page), JSON_TOPIC "#temperature"));
  chart = wait_for_chart (page, PLAIN_TOPIC);
  json_chart = wait_for_chart (page, JSON_TOPIC "#temperature");
  g_assert_false (bd_chart_get_limits (chart, &hihi, &hi, &lo, &lolo));
  g_assert_null (strstr (bd_chart_get_summary (chart), "alarm limits"));

  bd_charts_page_set_alarm_engine (BD_CHARTS_PAGE (page), alarms);
  bd_charts_page_set_journal (BD_CHARTS_PAGE (page), journal);

  g_assert_true (bd_chart_get_limits (chart, &hihi, &hi, &lo, &lolo));
  g_assert_cmpfloat (hihi, ==, 31);
  g_assert_cmpfloat (hi, ==, 28);
  g_assert_true (isnan (lo) && isnan (lolo));
  g_assert_nonnull (strstr (bd_chart_get_summary (chart), "; alarm limits: HiHi 31.0, Hi 28.0"));
  /* The JSON member's rule, not the other member's. */
  g_assert_true (bd_chart_get_limits (json_chart, &hihi, &hi, &lo, &lolo));
  g_assert_true (isnan (hihi) && isnan (hi) && isnan (lolo));
  g_assert_cmpfloat (lo, ==, 20);
  g_assert_nonnull (strstr (bd_chart_get_summary (json_chart), "; alarm limits: Lo 20.0"));

  bd_test_wait_until (chart_has_markers, chart, WAIT_S * 1000, "chart has markers");
  markers = bd_chart_get_markers (chart, &n_markers);
  g_assert_cmpuint (n_markers, ==, 2);
  g_assert_cmpint (markers[0].time_ms, ==, (now_us - 20 * minute_us) / 1000);
  g_assert_true (markers[0].raise);
  g_assert_cmpint (markers[1].time_ms, ==, (now_us - 15 * minute_us) / 1000);
  g_assert_false (markers[1].raise);
  bd_test_wait_until (chart_has_markers, json_chart, WAIT_S * 1000, "JSON chart has markers");
  markers = bd_chart_get_markers (json_chart, &n_markers);
  g_assert_cmpuint (n_markers, ==, 1);
  g_assert_cmpint (markers[0].time_ms, ==, (now_us - 5 * minute_us) / 1000);

  if (g_getenv ("BD_CHARTS_SCREENSHOT") != NULL)
    {
      wait_frames (window, 40);
      save_screenshot (window, g_getenv ("BD_CHARTS_SCREENSHOT"));
    }

  /* The limits follow the rules. */
  g_assert_true (bd_alarm_engine_remove_rule (alarms, "temperature", &error));
  g_assert_no_error (error);
  g_assert_false (bd_chart_get_limits (chart, NULL, NULL, NULL, NULL));
  g_assert_null (strstr (bd_chart_get_summary (chart), "alarm limits"));

  gtk_window_destroy (GTK_WINDOW (window));
}

/* One series, whose maximum is @expected. */
static gboolean
max_is (BdChart *chart,
        double   expected)
{
  double max;

  return bd_chart_get_n_series (chart) == 1
         && bd_chart_get_series_stats (chart, 0, NULL, &max, NULL)
         && fabs (max - expected) < 1e-6;
}

/* The overview's label, unit and scale of a series, through the service,
 * are the chart's: title, summary, axis values, latest value and limits. */
static void
test_overview_names (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(BdTestTmpdir) data_dir = bd_test_tmpdir_new ("bd-charts-service");
  g_autoptr(GError) error = NULL;
  g_autoptr(BdService) service = NULL;
  g_autoptr(BdAlarmEngine) alarms = bd_alarm_engine_new ();
  g_autoptr(BdAlarmRule) rule = make_rule ("temperature", PLAIN_TOPIC, "");
  BdOverviewConfig *config = bd_overview_config_new ();
  BdOverviewTileConfig *tile;
  GtkWidget *window = gtk_window_new ();
  GtkWidget *page = bd_charts_page_new ();
  BdChart *chart;
  g_autofree char *value = NULL;
  double hi;

  service = bd_test_service_start (data_dir);

  tile = bd_overview_config_add_series (config, PLAIN_TOPIC);
  tile->label = g_strdup ("Line temperature");
  tile->unit = g_strdup ("°F");
  tile->decimals = 1;
  tile->scale = 10;
  bd_service_set_overview (service, config);
  rule->hi = 28;
  g_assert_true (bd_alarm_engine_add_rule (alarms, rule, &error));
  g_assert_no_error (error);

  gtk_window_set_child (GTK_WINDOW (window), page);
  gtk_window_present (GTK_WINDOW (window));
  bd_charts_page_set_history (BD_CHARTS_PAGE (page), fixture->history);
  bd_charts_page_set_alarm_engine (BD_CHARTS_PAGE (page), alarms);
  g_assert_true (bd_charts_page_add_series (BD_CHARTS_PAGE (page), PLAIN_TOPIC));
  g_assert_true (bd_charts_page_add_series (BD_CHARTS_PAGE (page), JSON_TOPIC "#temperature"));
  chart = wait_for_chart (page, PLAIN_TOPIC);
  g_assert_true (g_str_has_prefix (bd_chart_get_summary (chart), PLAIN_TOPIC ", last hour: min "));
  g_assert_null (strstr (bd_chart_get_summary (chart), "°F"));

  bd_charts_page_set_service (BD_CHARTS_PAGE (page), service);
  wait_for_label (window, "Line temperature");
  /* The series stays in sight under its label. */
  g_assert_nonnull (bd_test_find_label (window, PLAIN_TOPIC, TRUE));
  BD_TEST_WAIT_FOR (max_is (chart, fixture->plain_max * 10), WAIT_S * 1000,
                    "scaled values charted");
  g_assert_true (g_str_has_prefix (bd_chart_get_summary (chart),
                                   "Line temperature (" PLAIN_TOPIC "), last hour: min "));
  g_assert_nonnull (strstr (bd_chart_get_summary (chart), " °F, max "));
  g_assert_nonnull (strstr (bd_chart_get_summary (chart), "; alarm limits: Hi 280.0 °F"));
  g_assert_true (bd_chart_get_limits (chart, NULL, &hi, NULL, NULL));
  g_assert_cmpfloat (hi, ==, 280);
  value = g_strdup_printf ("%.1f °F", fixture->plain_last * 10);
  wait_for_label (window, value);
  /* A series the overview does not name keeps its topic and field. */
  wait_for_label (window, JSON_TOPIC);

  /* Renamed on the Overview: renamed here. */
  g_free (tile->label);
  tile->label = g_strdup ("Oven temperature");
  bd_service_overview_changed (service);
  wait_for_label (window, "Oven temperature");

  gtk_window_destroy (GTK_WINDOW (window));
  bd_service_stop (service);
}

int
main (int   argc,
      char *argv[])
{
  bd_test_gui_init (&argc, &argv);

#define ADD(path, func) \
  g_test_add ("/gui/charts/" path, Fixture, NULL, fixture_init, func, fixture_clear)
  ADD ("page", test_page);
  g_test_add_func ("/gui/charts/error", test_error);
  ADD ("picker", test_picker);
  ADD ("restore", test_restore);
  ADD ("alarms", test_alarms);
  ADD ("overview-names", test_overview_names);
#undef ADD

  return g_test_run ();
}
