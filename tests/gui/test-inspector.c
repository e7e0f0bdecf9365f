/* test-inspector.c — the message inspector widget, on a headless X display
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Run through run-xvfb.py. The widget is driven through its public API and
 * looked at through its template children (gtk_widget_get_template_child),
 * so the checks see what a user would: the text in the payload view, the
 * toggles' state, the rows and the labels with their style classes.
 */

#include "config.h"

#include <string.h>

#include <adwaita.h>

#include "bd-inspector.h"
#include "bd-recorder.h"
#include "bd-test-gui.h"
#include "bd-test-util.h"
#include "bd-topic-row.h"

#define TOPIC "busan/factory/assembly/climate"

static char *
payload_text (GtkWidget *inspector)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (bd_test_child (inspector, "payload_view")));
  GtkTextIter start;
  GtkTextIter end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

static gboolean
toggle_active (GtkWidget  *inspector,
               const char *id)
{
  return gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (bd_test_child (inspector, id)));
}

static void
click_toggle (GtkWidget  *inspector,
              const char *id)
{
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (bd_test_child (inspector, id)), TRUE);
}

static BdMessage *
message_new (const char *topic,
             const char *payload,
             gint64      time_us,
             guint8      qos,
             gboolean    retain)
{
  g_autoptr(GBytes) bytes = g_bytes_new (payload, strlen (payload));

  return bd_message_new_full (topic, bytes, qos, retain, NULL, NULL, time_us);
}

static void
push (GtkWidget  *inspector,
      const char *payload,
      gint64      time_us)
{
  g_autoptr(BdMessage) message = message_new (TOPIC, payload, time_us, 0, FALSE);

  bd_inspector_push_message (BD_INSPECTOR (inspector), message);
}

static guint
n_rows (GtkWidget *inspector)
{
  return bd_test_list_box_n_rows (GTK_LIST_BOX (bd_test_child (inspector, "messages_list")));
}

static GtkWidget *
row_at (GtkWidget *inspector,
        guint      index)
{
  GtkListBoxRow *row = gtk_list_box_get_row_at_index (GTK_LIST_BOX (bd_test_child (inspector, "messages_list")),
                                                      index);

  g_assert_nonnull (row);
  return GTK_WIDGET (row);
}

static GtkWidget *
inspector_in_window (GtkWindow **out_window)
{
  GtkWidget *window = gtk_window_new ();
  GtkWidget *inspector = bd_inspector_new ();

  gtk_window_set_default_size (GTK_WINDOW (window), 480, 700);
  gtk_window_set_child (GTK_WINDOW (window), inspector);
  gtk_window_present (GTK_WINDOW (window));
  *out_window = GTK_WINDOW (window);
  return inspector;
}

static void
test_empty (void)
{
  GtkWindow *window;
  GtkWidget *inspector = inspector_in_window (&window);
  g_autoptr(BdMessage) message = message_new (TOPIC, "1", g_get_real_time (), 0, FALSE);

  g_assert_cmpstr (bd_test_visible_page (inspector, "stack"), ==, "empty");
  g_assert_null (bd_inspector_get_topic (BD_INSPECTOR (inspector)));

  /* Without a topic, pushed messages go nowhere. */
  bd_inspector_push_message (BD_INSPECTOR (inspector), message);
  g_assert_cmpuint (n_rows (inspector), ==, 0);

  bd_inspector_set_topic (BD_INSPECTOR (inspector), TOPIC, NULL);
  g_assert_cmpstr (bd_test_visible_page (inspector, "stack"), ==, "topic");
  g_assert_cmpstr (gtk_label_get_text (bd_test_child (inspector, "topic_label")), ==, TOPIC);
  g_assert_false (gtk_widget_get_sensitive (bd_test_child (inspector, "copy_button")));

  bd_inspector_set_topic (BD_INSPECTOR (inspector), NULL, NULL);
  g_assert_cmpstr (bd_test_visible_page (inspector, "stack"), ==, "empty");

  gtk_window_destroy (window);
}

static void
test_views (void)
{
  GtkWindow *window;
  GtkWidget *inspector = inspector_in_window (&window);
  gint64 now = g_get_real_time ();
  g_autoptr(BdMessage) latest = message_new (TOPIC, "{\"temperature\":21.3,\"unit\":\"C\"}", now, 1, TRUE);
  g_autofree char *json = NULL;
  g_autofree char *text = NULL;
  g_autofree char *hex = NULL;
  g_autofree char *plain = NULL;
  g_autofree char *invalid = NULL;
  static const guint8 bad[] = { 'o', 'k', 0xff };
  g_autoptr(GBytes) bad_bytes = g_bytes_new_static (bad, sizeof bad);
  g_autoptr(BdMessage) bad_message = bd_message_new_full (TOPIC, bad_bytes, 0, FALSE, NULL, NULL, now + 3000);

  bd_inspector_set_topic (BD_INSPECTOR (inspector), TOPIC, latest);

  /* Header: QoS, the retained marker, the time with milliseconds. */
  g_assert_cmpstr (gtk_label_get_text (bd_test_child (inspector, "qos_label")), ==, "QoS 1");
  g_assert_true (gtk_widget_get_visible (bd_test_child (inspector, "retain_label")));
  g_assert_true (g_regex_match_simple ("^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3}$",
                                       gtk_label_get_text (GTK_LABEL (bd_test_child (inspector, "time_label"))),
                                       0, 0));

  /* A JSON payload opens in the JSON view. */
  g_assert_true (toggle_active (inspector, "json_toggle"));
  g_assert_true (gtk_widget_get_sensitive (bd_test_child (inspector, "json_toggle")));
  json = payload_text (inspector);
  g_assert_cmpstr (json, ==, "{\n  \"temperature\": 21.3,\n  \"unit\": \"C\"\n}");

  click_toggle (inspector, "text_toggle");
  g_assert_false (toggle_active (inspector, "json_toggle"));
  text = payload_text (inspector);
  g_assert_cmpstr (text, ==, "{\"temperature\":21.3,\"unit\":\"C\"}");

  click_toggle (inspector, "hex_toggle");
  hex = payload_text (inspector);
  g_assert_true (g_str_has_prefix (hex, "00000000  7b 22 74 65 6d 70 65 72  61 74 75 72 65 22 3a 32  |{\"temperature\":2|\n"
                                        "00000010  31 2e 33 2c"));

  /* Back to JSON, then a payload that is not JSON: the toggle says why,
   * and the view falls back to text without forgetting the choice. */
  click_toggle (inspector, "json_toggle");
  push (inspector, "hello", now + 1000);
  g_assert_false (gtk_widget_get_sensitive (bd_test_child (inspector, "json_toggle")));
  g_assert_true (g_str_has_prefix (gtk_widget_get_tooltip_text (bd_test_child (inspector, "json_toggle")), "Not JSON: "));
  g_assert_cmpstr (gtk_widget_get_tooltip_text (bd_test_child (inspector, "view_box")), ==,
                   gtk_widget_get_tooltip_text (bd_test_child (inspector, "json_toggle")));
  g_assert_true (toggle_active (inspector, "text_toggle"));
  plain = payload_text (inspector);
  g_assert_cmpstr (plain, ==, "hello");
  g_assert_false (gtk_widget_get_visible (bd_test_child (inspector, "retain_label")));

  push (inspector, "{\"a\": [1]}", now + 2000);
  g_assert_true (toggle_active (inspector, "json_toggle"));
  g_assert_null (gtk_widget_get_tooltip_text (bd_test_child (inspector, "view_box")));

  /* Not UTF-8: marked, and shown with replacement characters. */
  bd_inspector_push_message (BD_INSPECTOR (inspector), bad_message);
  g_assert_true (gtk_widget_get_visible (bd_test_child (inspector, "notice_label")));
  g_assert_true (g_str_has_prefix (gtk_label_get_text (GTK_LABEL (bd_test_child (inspector, "notice_label"))),
                                   "Not valid UTF-8"));
  invalid = payload_text (inspector);
  g_assert_cmpstr (invalid, ==, "ok\xef\xbf\xbd");

  /* Every control has a name for screen readers. */
  g_assert_true (gtk_test_accessible_has_property (GTK_ACCESSIBLE (bd_test_child (inspector, "copy_button")),
                                                   GTK_ACCESSIBLE_PROPERTY_LABEL));
  g_assert_true (gtk_test_accessible_has_property (GTK_ACCESSIBLE (bd_test_child (inspector, "payload_view")),
                                                   GTK_ACCESSIBLE_PROPERTY_LABEL));
  g_assert_true (gtk_test_accessible_has_property (GTK_ACCESSIBLE (bd_test_child (inspector, "messages_list")),
                                                   GTK_ACCESSIBLE_PROPERTY_LABEL));
  g_assert_true (gtk_test_accessible_has_property (GTK_ACCESSIBLE (row_at (inspector, 0)),
                                                   GTK_ACCESSIBLE_PROPERTY_LABEL));
  /* (The check can fail: the stack has no name of its own.) */
  g_assert_false (gtk_test_accessible_has_property (bd_test_child (inspector, "stack"),
                                                    GTK_ACCESSIBLE_PROPERTY_LABEL));

  gtk_window_destroy (window);
}

static void
test_diff_markers (void)
{
  GtkWindow *window;
  GtkWidget *inspector = inspector_in_window (&window);
  gint64 now = g_get_real_time ();
  GtkLabel *label;

  bd_inspector_set_topic (BD_INSPECTOR (inspector), TOPIC, NULL);
  push (inspector, "{\"temperature\": 21.5, \"battery\": 90, \"fw\": \"1.0\"}", now);
  push (inspector, "{\"temperature\": 21.7, \"battery\": 90, \"alarm\": true}", now + 1000);
  g_assert_cmpuint (n_rows (inspector), ==, 2);

  /* Newest first; the change, the addition and the removal each say so in
   * words, with the path in bold and a colour class on top. */
  label = bd_test_find_label (row_at (inspector, 0), "temperature: 21.5 → 21.7", FALSE);
  g_assert_nonnull (label);
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (label), "accent"));
  g_assert_nonnull (strstr (gtk_label_get_label (label), "<b>temperature</b>"));
  label = bd_test_find_label (row_at (inspector, 0), "added alarm: true", FALSE);
  g_assert_nonnull (label);
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (label), "success"));
  label = bd_test_find_label (row_at (inspector, 0), "removed fw (was \"1.0\")", FALSE);
  g_assert_nonnull (label);
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (label), "error"));
  g_assert_null (bd_test_find_label (row_at (inspector, 0), "battery: 90 → 90", FALSE));
  /* The oldest message has nothing to compare with. */
  g_assert_null (bd_test_find_label (row_at (inspector, 1), "unchanged", FALSE));

  /* Plain values: bold when changed, "unchanged" in words otherwise. */
  bd_inspector_set_topic (BD_INSPECTOR (inspector), TOPIC "/plain", NULL);
  g_assert_cmpuint (n_rows (inspector), ==, 0);
  {
    g_autoptr(BdMessage) a = message_new (TOPIC "/plain", "21.5", now, 0, FALSE);
    g_autoptr(BdMessage) b = message_new (TOPIC "/plain", "21.7", now + 1000, 0, FALSE);
    g_autoptr(BdMessage) c = message_new (TOPIC "/plain", "21.7", now + 2000, 0, FALSE);
    g_autoptr(BdMessage) other = message_new (TOPIC, "99", now + 3000, 0, FALSE);

    bd_inspector_push_message (BD_INSPECTOR (inspector), a);
    bd_inspector_push_message (BD_INSPECTOR (inspector), b);
    bd_inspector_push_message (BD_INSPECTOR (inspector), c);
    /* Another topic's message and a repeat are ignored. */
    bd_inspector_push_message (BD_INSPECTOR (inspector), other);
    bd_inspector_push_message (BD_INSPECTOR (inspector), c);
  }
  g_assert_cmpuint (n_rows (inspector), ==, 3);
  g_assert_nonnull (bd_test_find_label (row_at (inspector, 0), "unchanged", FALSE));
  label = bd_test_find_label (row_at (inspector, 1), "21.7", FALSE);
  g_assert_nonnull (label);
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (label), "inspector-changed"));
  g_assert_null (bd_test_find_label (row_at (inspector, 1), "unchanged", FALSE));

  gtk_window_destroy (window);
}

static void
test_limit_and_pin (void)
{
  GtkWindow *window;
  GtkWidget *inspector = inspector_in_window (&window);
  gint64 now = g_get_real_time ();
  g_autofree char *shown = NULL;
  g_autofree char *latest = NULL;

  bd_inspector_set_topic (BD_INSPECTOR (inspector), TOPIC, NULL);
  for (guint i = 0; i < 150; i++)
    {
      g_autofree char *payload = g_strdup_printf ("%u", i);

      push (inspector, payload, now + i * 1000);
    }
  g_assert_cmpuint (n_rows (inspector), ==, 100);
  g_assert_nonnull (bd_test_find_label (row_at (inspector, 0), "149", FALSE));
  g_assert_nonnull (bd_test_find_label (row_at (inspector, 99), "50", FALSE));

  /* Activating an older row pins it while new messages arrive. */
  g_signal_emit_by_name (row_at (inspector, 3), "activate");
  shown = payload_text (inspector);
  g_assert_cmpstr (shown, ==, "146");
  g_assert_true (gtk_widget_get_visible (bd_test_child (inspector, "pinned_box")));
  push (inspector, "150", now + 150 * 1000);
  g_clear_pointer (&shown, g_free);
  shown = payload_text (inspector);
  g_assert_cmpstr (shown, ==, "146");

  g_signal_emit_by_name (bd_test_child (inspector, "latest_button"), "clicked");
  g_assert_false (gtk_widget_get_visible (bd_test_child (inspector, "pinned_box")));
  latest = payload_text (inspector);
  g_assert_cmpstr (latest, ==, "150");

  gtk_window_destroy (window);
}

static gboolean
timeout_cb (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

static void
test_history (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BdTestTmpdir) dir = bd_test_tmpdir_new ("inspector");
  g_autoptr(BdRecorder) recorder = NULL;
  g_autoptr(BdHistory) history = NULL;
  g_autoptr(BdMessage) old1 = NULL;
  g_autoptr(BdMessage) old2 = NULL;
  g_autoptr(BdMessage) latest = NULL;
  g_autoptr(BdMessage) other = NULL;
  gint64 now = g_get_real_time ();
  gboolean timed_out = FALSE;
  guint timeout_id;
  GtkWindow *window;
  GtkWidget *inspector;
  GtkLabel *history_label;

  old1 = message_new (TOPIC, "{\"t\": 1}", now - 3000000, 0, FALSE);
  old2 = message_new (TOPIC, "{\"t\": 2}", now - 2000000, 0, FALSE);
  latest = message_new (TOPIC, "{\"t\": 3}", now - 1000000, 1, TRUE);
  other = message_new ("elsewhere", "{\"t\": 9}", now - 1500000, 0, FALSE);

  recorder = bd_recorder_new (dir, NULL);
  g_assert_true (bd_recorder_start (recorder, &error));
  g_assert_no_error (error);
  bd_recorder_tap (old1, recorder);
  bd_recorder_tap (old2, recorder);
  bd_recorder_tap (other, recorder);
  bd_recorder_tap (latest, recorder);
  g_assert_true (bd_recorder_flush_sync (recorder, &error));
  g_assert_no_error (error);
  bd_recorder_close (recorder);

  inspector = inspector_in_window (&window);
  history = bd_history_new (dir);
  bd_inspector_set_history (BD_INSPECTOR (inspector), history);
  /* The latest is in memory and in the history: listed once. */
  bd_inspector_set_topic (BD_INSPECTOR (inspector), TOPIC, latest);
  g_assert_cmpuint (n_rows (inspector), ==, 1);
  history_label = GTK_LABEL (bd_test_child (inspector, "history_label"));
  g_assert_cmpstr (gtk_label_get_text (history_label), ==, "Reading the history…");
  /* A message that arrives while the query runs is kept too. */
  push (inspector, "{\"t\": 4}", now);

  timeout_id = g_timeout_add_seconds (20, timeout_cb, &timed_out);
  while (!timed_out && g_str_equal (gtk_label_get_text (history_label), "Reading the history…"))
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (timed_out);
  g_source_remove (timeout_id);

  g_assert_cmpstr (gtk_label_get_text (history_label), ==, "2 from the history");
  g_assert_cmpuint (n_rows (inspector), ==, 4);
  g_assert_nonnull (bd_test_find_label (row_at (inspector, 0), "t: 3 → 4", FALSE));
  g_assert_nonnull (bd_test_find_label (row_at (inspector, 1), "t: 2 → 3", FALSE));
  g_assert_nonnull (bd_test_find_label (row_at (inspector, 1), "retained", FALSE));
  g_assert_nonnull (bd_test_find_label (row_at (inspector, 2), "t: 1 → 2", FALSE));
  g_assert_nonnull (bd_test_find_label (row_at (inspector, 3), "{\"t\": 1}", FALSE));

  /* Changing topic while a query runs cancels it quietly. */
  bd_inspector_set_topic (BD_INSPECTOR (inspector), "elsewhere", NULL);
  bd_inspector_set_topic (BD_INSPECTOR (inspector), TOPIC "/none", NULL);
  timed_out = FALSE;
  history_label = GTK_LABEL (bd_test_child (inspector, "history_label"));
  timeout_id = g_timeout_add_seconds (20, timeout_cb, &timed_out);
  while (!timed_out && g_str_equal (gtk_label_get_text (history_label), "Reading the history…"))
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (timed_out);
  g_source_remove (timeout_id);
  g_assert_cmpstr (gtk_label_get_text (history_label), ==, "0 from the history");
  g_assert_cmpuint (n_rows (inspector), ==, 0);

  gtk_window_destroy (window);
  g_clear_pointer (&history, bd_history_unref);
}

/* The overview's label and unit of a topic: the inspector's reading line. */
static void
test_overview_tile (void)
{
  GtkWidget *window = gtk_window_new ();
  GtkWidget *inspector = bd_inspector_new ();
  gint64 now = g_get_real_time ();
  g_autoptr(BdMessage) latest = message_new (TOPIC "/power", "12345", now, 0, FALSE);
  g_autoptr(BdMessage) newer = message_new (TOPIC "/power", "2000", now + 1000, 0, FALSE);
  BdOverviewTileConfig tile = { .series = TOPIC "/power", .label = "Line power", .unit = "kW",
                                .decimals = 2, .scale = 0.001 };

  gtk_window_set_child (GTK_WINDOW (window), inspector);
  gtk_window_present (GTK_WINDOW (window));
  bd_inspector_set_topic (BD_INSPECTOR (inspector), TOPIC "/power", latest);
  g_assert_null (bd_inspector_get_reading (BD_INSPECTOR (inspector)));

  bd_inspector_set_tile (BD_INSPECTOR (inspector), &tile);
  g_assert_cmpstr (bd_inspector_get_reading (BD_INSPECTOR (inspector)), ==, "Line power: 12.35 kW");
  /* The raw payload stays as it came. */
  {
    g_autofree char *text = payload_text (inspector);

    g_assert_cmpstr (text, ==, "12345");
  }
  bd_inspector_push_message (BD_INSPECTOR (inspector), newer);
  g_assert_cmpstr (bd_inspector_get_reading (BD_INSPECTOR (inspector)), ==, "Line power: 2.00 kW");

  bd_inspector_set_tile (BD_INSPECTOR (inspector), NULL);
  g_assert_null (bd_inspector_get_reading (BD_INSPECTOR (inspector)));
  gtk_window_destroy (GTK_WINDOW (window));
}

static GtkLabel *
row_label (GtkWidget  *row,
           const char *id)
{
  return GTK_LABEL (bd_test_child (row, id));
}

/* A topic's row in the tree: the overview's label beside the name, the
 * value scaled and with its unit, following new values and tile edits. */
static void
test_topic_row_tile (void)
{
  g_autoptr(BdTopicNode) root = bd_topic_node_new_root ();
  GtkWidget *row = g_object_ref_sink (bd_topic_row_new (FALSE));
  BdOverviewTileConfig tile = { .series = TOPIC "/power", .label = "Line power", .unit = "kW",
                                .decimals = 1, .scale = 0.001 };
  BdTopicBatchEntry entry = { message_new (TOPIC "/power", "12345", 5000, 0, FALSE), 1 };
  BdTopicNode *node;

  bd_topic_node_apply_batch (root, &entry, 1, 5000);
  bd_message_unref (entry.latest);
  node = bd_topic_node_lookup (root, TOPIC "/power");
  bd_topic_row_bind (BD_TOPIC_ROW (row), node);
  g_assert_cmpstr (gtk_label_get_text (row_label (row, "value")), ==, "12345");
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (row_label (row, "label"))));

  bd_topic_row_set_tile (BD_TOPIC_ROW (row), &tile);
  g_assert_cmpstr (gtk_label_get_text (row_label (row, "name")), ==, "power");
  g_assert_cmpstr (gtk_label_get_text (row_label (row, "label")), ==, "Line power");
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (row_label (row, "label"))));
  g_assert_cmpstr (gtk_label_get_text (row_label (row, "value")), ==, "12.3 kW");

  entry = (BdTopicBatchEntry) { message_new (TOPIC "/power", "980", 6000, 0, FALSE), 1 };
  bd_topic_node_apply_batch (root, &entry, 1, 6000);
  bd_message_unref (entry.latest);
  g_assert_cmpstr (gtk_label_get_text (row_label (row, "value")), ==, "1.0 kW");
  /* Text is shown as it came, even with a tile. */
  entry = (BdTopicBatchEntry) { message_new (TOPIC "/power", "offline", 7000, 0, FALSE), 1 };
  bd_topic_node_apply_batch (root, &entry, 1, 7000);
  bd_message_unref (entry.latest);
  g_assert_cmpstr (gtk_label_get_text (row_label (row, "value")), ==, "offline");

  bd_topic_row_set_tile (BD_TOPIC_ROW (row), NULL);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (row_label (row, "label"))));
  bd_topic_row_unbind (BD_TOPIC_ROW (row));
  g_object_unref (row);
}

int
main (int   argc,
      char *argv[])
{
  bd_test_gui_init (&argc, &argv);

  g_test_add_func ("/gui/inspector/empty", test_empty);
  g_test_add_func ("/gui/inspector/views", test_views);
  g_test_add_func ("/gui/inspector/diff-markers", test_diff_markers);
  g_test_add_func ("/gui/inspector/limit-and-pin", test_limit_and_pin);
  g_test_add_func ("/gui/inspector/history", test_history);
  g_test_add_func ("/gui/inspector/overview-tile", test_overview_tile);
  g_test_add_func ("/gui/topic-row/overview-tile", test_topic_row_tile);

  return g_test_run ();
}
