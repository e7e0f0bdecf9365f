/* bd-charts-page.c — the Charts page: plots of numeric topic values and their history
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One card per series ("topic", or "topic#field" for a JSON member), each
 * with a BdChart fed by bucketed history queries (bd-history.h): about one
 * bucket per two pixels, so drawing a month costs what drawing a minute
 * does. The charts follow live data by asking again every few seconds (the
 * recorder commits about once a second); each card has at most one query in
 * flight, and the timer runs only while the page is mapped, so a hidden page
 * costs nothing. The bucket edges are aligned to multiples of the bucket
 * width, so successive answers agree on the buckets they share and the
 * chart does not shimmer as it moves.
 *
 * A chart also shows the alarm limits of the first rule watching its series
 * (the alarm engine's, followed as rules change) and, as markers, the alarm
 * transitions of its topic that the journal holds for the range: one
 * journal query per refresh for the whole page, on the journal's worker.
 *
 * Where the overview gives a series a label, unit, scale or decimals, the
 * card is titled by the label and its values (axis, summary, latest value,
 * limits) are the scaled ones with the unit, as on the Overview page.
 *
 * The list of series and the range persist in GSettings (chart-series,
 * chart-range).
 */

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "bd-chart.h"
#include "bd-chart-picker-dialog.h"
#include "bd-chart-scale.h"
#include "bd-gui-util.h"
#include "bd-charts-page.h"
#include "bd-settings.h"

/* GSettings keys of this page (see the schema file). */
#define BD_SETTINGS_CHART_SERIES "chart-series"
#define BD_SETTINGS_CHART_RANGE  "chart-range"

#define MAX_SERIES_PER_TOPIC 8
#define MAX_BUCKETS          1000
#define MIN_BUCKETS          30
/* Alarm transitions read per refresh, newest first: enough for every
 * chart's range unless an alarm chatters, and then the newest matter. */
#define MAX_JOURNAL_ENTRIES  2000

#define MINUTE_MS ((gint64) 60 * 1000)
#define HOUR_MS   (60 * MINUTE_MS)
#define DAY_MS    (24 * HOUR_MS)

typedef struct
{
  const char *id;            /* the chart-range value */
  const char *button;        /* the template's toggle button */
  gint64      span_ms;
  guint       refresh_s;     /* how often the charts ask again */
  const char *label;         /* names the range in a chart's summary */
} RangeInfo;

static const RangeInfo ranges[] = {
  { "5m",  "range_5m",  5 * MINUTE_MS, 2,   N_("last 5 minutes") },
  { "1h",  "range_1h",  HOUR_MS,       2,   N_("last hour") },
  { "24h", "range_24h", DAY_MS,        10,  N_("last 24 hours") },
  { "7d",  "range_7d",  7 * DAY_MS,    60,  N_("last 7 days") },
  { "30d", "range_30d", 30 * DAY_MS,   300, N_("last 30 days") },
};

typedef struct _ChartCard ChartCard;

struct _BdChartsPage
{
  AdwBin              parent_instance;

  GtkStack           *stack;
  GtkScrolledWindow  *scrolled_window;
  GtkBox             *cards_box;
  GtkLabel           *count_label;
  GtkToggleButton    *range_5m;
  GtkToggleButton    *range_1h;
  GtkToggleButton    *range_24h;
  GtkToggleButton    *range_7d;
  GtkToggleButton    *range_30d;

  GSettings          *settings;
  BdHistory          *history;
  BdService          *service;          /* for the overview's labels and units */
  BdAlarmEngine      *alarms;
  BdJournal          *journal;
  GCancellable       *journal_cancellable; /* the marker query in flight, or NULL */
  GPtrArray          *cards;           /* of ChartCard*, in display order */
  const RangeInfo    *range;
  guint               refresh_id;
  guint               scroll_tick_id;
  char               *scroll_target;
  guint               scroll_frames;
  GCancellable       *cancellable;     /* series look-ups of chart_topic () */
  AdwToast           *toast;           /* ours while the overlay shows or queues it */
  gboolean            loading;
};

struct _ChartCard
{
  BdChartsPage *page;                  /* NULL once the card is removed */
  char         *series;
  char         *title;                 /* "label (series)", or the series */
  char         *rule_id;               /* whose limits the chart shows, or NULL */
  GtkWidget    *widget;                /* owned by cards_box */
  BdChart      *chart;
  GtkLabel     *title_label;
  GtkLabel     *subtitle_label;
  GtkLabel     *value_label;
  GtkLabel     *error_label;
  GCancellable *cancellable;           /* the query in flight, or NULL */
};

G_DEFINE_FINAL_TYPE (BdChartsPage, bd_charts_page, ADW_TYPE_BIN)

static void query_card (BdChartsPage *self,
                        ChartCard    *card);
static void query_markers (BdChartsPage *self);

static ChartCard *
chart_card_ref (ChartCard *card)
{
  return g_atomic_rc_box_acquire (card);
}

static void
chart_card_clear (ChartCard *card)
{
  g_free (card->series);
  g_free (card->title);
  g_free (card->rule_id);
  g_clear_object (&card->cancellable);
}

static void
chart_card_unref (ChartCard *card)
{
  g_atomic_rc_box_release_full (card, (GDestroyNotify) chart_card_clear);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChartCard, chart_card_unref)

/* The card leaves the page: its answer, if one is on its way, is dropped. */
static void
chart_card_detach (gpointer data)
{
  ChartCard *card = data;

  card->page = NULL;
  g_cancellable_cancel (card->cancellable);
  g_clear_object (&card->cancellable);
  chart_card_unref (card);
}

static ChartCard *
find_card (BdChartsPage *self,
           const char   *series,
           guint        *position)
{
  for (guint i = 0; i < self->cards->len; i++)
    {
      ChartCard *card = g_ptr_array_index (self->cards, i);

      if (g_str_equal (card->series, series))
        {
          if (position != NULL)
            *position = i;
          return card;
        }
    }
  return NULL;
}

static void
on_toast_dismissed_cb (AdwToast     *toast,
                       BdChartsPage *self)
{
  if (self->toast == toast)
    g_clear_object (&self->toast);
}

static void restore_removed (BdChartsPage *self);

static void
on_undo_clicked_cb (BdChartsPage *self)
{
  restore_removed (self);
}

/* Says @title in a toast; with @undo_series, the toast offers to put that
 * series back at @position.
 *
 * The page keeps one toast and changes its text rather than dismissing it
 * for the next: libadwaita 1.2 can crash when a toast is
 * dismissed while it is still animating, and two quick actions should not
 * queue two toasts anyway. */
static void
show_toast (BdChartsPage *self,
            const char   *title,
            const char   *undo_series,
            guint         position)
{
  /* The window's overlay (bd_window_add_toast () adds there too), found as
   * an ancestor so the page works in any window. */
  GtkWidget *overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);
  AdwToast *toast = self->toast;

  if (overlay == NULL)
    {
      g_debug ("No toast overlay for: %s", title);
      return;
    }
  if (toast == NULL)
    {
      toast = adw_toast_new (title);
      g_signal_connect_object (toast, "dismissed", G_CALLBACK (on_toast_dismissed_cb), self, 0);
      g_signal_connect_object (toast, "button-clicked", G_CALLBACK (on_undo_clicked_cb), self,
                               G_CONNECT_SWAPPED);
    }
  else
    adw_toast_set_title (toast, title);

  g_object_set_data_full (G_OBJECT (toast), "series", g_strdup (undo_series), g_free);
  g_object_set_data (G_OBJECT (toast), "position", GUINT_TO_POINTER (position));
  adw_toast_set_button_label (toast, undo_series != NULL ? _("_Undo") : NULL);

  if (self->toast == NULL)
    {
      self->toast = g_object_ref (toast);
      adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), toast);
    }
}

static void
save_series (BdChartsPage *self)
{
  g_auto(GStrv) names = NULL;

  if (self->loading)
    return;
  names = bd_charts_page_dup_series (self);
  g_settings_set_strv (self->settings, BD_SETTINGS_CHART_SERIES, (const char * const *) names);
}

static void
update_state (BdChartsPage *self)
{
  const char *page;

  if (self->history == NULL)
    page = "off";
  else if (self->cards->len == 0)
    page = "empty";
  else
    page = "charts";
  gtk_stack_set_visible_child_name (self->stack, page);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "charts.add", self->history != NULL);
}

static gboolean
refresh_cb (gpointer user_data)
{
  BdChartsPage *self = user_data;

  for (guint i = 0; i < self->cards->len; i++)
    query_card (self, g_ptr_array_index (self->cards, i));
  query_markers (self);
  return G_SOURCE_CONTINUE;
}

/* The timer runs only while there is something to show and someone to see it. */
static void
update_timer (BdChartsPage *self)
{
  gboolean wanted = self->history != NULL && self->cards->len > 0
                    && gtk_widget_get_mapped (GTK_WIDGET (self));
  g_autofree char *text = NULL;

  g_clear_handle_id (&self->refresh_id, g_source_remove);
  if (wanted)
    {
      self->refresh_id = g_timeout_add_seconds (self->range->refresh_s, refresh_cb, self);
      g_source_set_name_by_id (self->refresh_id, "[brokerdesk] charts refresh");
    }
  text = g_strdup_printf (ngettext ("Updated every %u second", "Updated every %u seconds",
                                    self->range->refresh_s),
                          self->range->refresh_s);
  gtk_label_set_label (self->count_label, text);
}

static BdOverviewConfig *
overview_of (ChartCard *card)
{
  if (card->page == NULL || card->page->service == NULL)
    return NULL;
  return bd_service_get_overview (card->page->service);
}

/* The overview's scale of @card's series: its values are charted scaled. */
static double
card_scale (ChartCard *card)
{
  BdOverviewConfig *config = overview_of (card);
  BdOverviewTileConfig *tile = config != NULL ? bd_overview_config_find_tile (config, card->series, NULL)
                                              : NULL;

  return tile != NULL && isfinite (tile->scale) && tile->scale != 0 ? tile->scale : 1.0;
}

static void
update_value_label (ChartCard *card)
{
  double last;
  g_autofree char *text = NULL;

  if (bd_chart_get_n_series (card->chart) > 0
      && bd_chart_get_series_stats (card->chart, 0, NULL, NULL, &last))
    {
      double scale = card_scale (card);

      /* The chart holds scaled values; the overview formats raw ones. */
      text = bd_overview_config_format_series_value (overview_of (card), card->series, last / scale);
      if (text == NULL)
        text = bd_chart_format_value (last, bd_chart_get_value_decimals (card->chart));
      gtk_widget_set_tooltip_text (GTK_WIDGET (card->value_label), _("Latest value"));
    }
  else
    {
      text = g_strdup ("—");
      gtk_widget_set_tooltip_text (GTK_WIDGET (card->value_label), _("No values in this range"));
    }
  gtk_label_set_label (card->value_label, text);
}

static void
scale_data (BdHistorySeriesData *data,
            double               scale)
{
  if (scale == 1.0)
    return;
  for (guint i = 0; i < data->n_buckets; i++)
    {
      BdHistoryBucket *bucket = &data->buckets[i];
      double min = bucket->min * scale;
      double max = bucket->max * scale;

      bucket->min = MIN (min, max);
      bucket->max = MAX (min, max);
      bucket->avg *= scale;
      bucket->first *= scale;
      bucket->last *= scale;
    }
}

static void
on_query_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(ChartCard) card = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(BdHistorySeriesData) data = bd_history_query_series_finish (result, &error);

  /* Whoever cancelled the query has already forgotten it. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&card->cancellable);
  if (card->page == NULL)
    return;

  if (data == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("Could not read the history: %s"), error->message);

      gtk_label_set_label (card->error_label, text);
      gtk_widget_set_visible (GTK_WIDGET (card->error_label), TRUE);
      return;
    }
  gtk_widget_set_visible (GTK_WIDGET (card->error_label), FALSE);
  scale_data (data, card_scale (card));
  bd_chart_set_series (card->chart, 0, card->title, data);
  update_value_label (card);
}

static void
query_card (BdChartsPage *self,
            ChartCard    *card)
{
  int width;
  guint n_buckets;
  gint64 bucket_ms;
  gint64 now_ms;
  gint64 to_ms;

  if (self->history == NULL || card->cancellable != NULL)
    return;

  /* About one bucket per two pixels: the band and the line then look
   * continuous, and more buckets would not show more. */
  width = gtk_widget_get_width (GTK_WIDGET (card->chart));
  n_buckets = width > 0 ? (guint) width / 2 : 300;
  n_buckets = CLAMP (n_buckets, MIN_BUCKETS, MAX_BUCKETS);
  bucket_ms = MAX (self->range->span_ms / n_buckets, 1);
  now_ms = g_get_real_time () / 1000;
  to_ms = (now_ms / bucket_ms + 1) * bucket_ms;

  card->cancellable = g_cancellable_new ();
  bd_history_query_series_async (self->history, card->series,
                                 to_ms - (gint64) n_buckets * bucket_ms, to_ms, n_buckets,
                                 BD_HISTORY_LEVEL_AUTO, card->cancellable,
                                 on_query_cb, chart_card_ref (card));
}

static void
requery_all (BdChartsPage *self)
{
  for (guint i = 0; i < self->cards->len; i++)
    {
      ChartCard *card = g_ptr_array_index (self->cards, i);

      g_cancellable_cancel (card->cancellable);
      g_clear_object (&card->cancellable);
      query_card (self, card);
    }
  g_cancellable_cancel (self->journal_cancellable);
  g_clear_object (&self->journal_cancellable);
  query_markers (self);
}

/* The limits of the rule watching @card's series. */
static void
update_limits (BdChartsPage *self,
               ChartCard    *card)
{
  g_auto(GStrv) parts = g_strsplit (card->series, "#", 2);
  g_autoptr(BdAlarmRule) rule = NULL;

  if (self->alarms != NULL)
    rule = bd_alarm_engine_dup_rule_for (self->alarms, parts[0], parts[1]);
  g_free (card->rule_id);
  card->rule_id = rule != NULL ? g_strdup (rule->id) : NULL;
  if (rule != NULL)
    {
      double scale = card_scale (card);

      bd_chart_set_limits (card->chart, rule->hihi * scale, rule->hi * scale,
                           rule->lo * scale, rule->lolo * scale);
    }
  else
    bd_chart_set_limits (card->chart, NAN, NAN, NAN, NAN);
}

static void
on_rules_changed_cb (BdChartsPage *self)
{
  for (guint i = 0; i < self->cards->len; i++)
    update_limits (self, g_ptr_array_index (self->cards, i));
}

static gboolean
state_is_active (const char *state)
{
  return g_strcmp0 (state, "unack") == 0 || g_strcmp0 (state, "acked") == 0;
}

/* The transitions of @entries (newest first) that @card shows as markers:
 * of its topic and rule, in its range; a raise is a step into an alarm or
 * up a level (both unacknowledged), a return a step out of one. */
static void
set_card_markers (BdChartsPage *self,
                  ChartCard    *card,
                  GPtrArray    *entries)
{
  g_autoptr(GArray) markers = g_array_new (FALSE, FALSE, sizeof (BdChartMarker));
  g_autofree char *topic = g_strdup (card->series);
  gint64 from_ms = g_get_real_time () / 1000 - self->range->span_ms;

  char *hash = strchr (topic, '#');

  if (hash != NULL)
    *hash = '\0';
  for (guint i = entries->len; i-- > 0;)
    {
      const BdJournalEntry *entry = g_ptr_array_index (entries, i);
      BdChartMarker marker = { .time_ms = entry->time_us / 1000 };

      if (g_strcmp0 (entry->topic, topic) != 0 || marker.time_ms < from_ms
          || (card->rule_id != NULL && g_strcmp0 (entry->source_id, card->rule_id) != 0))
        continue;
      if (g_strcmp0 (entry->to_state, "unack") == 0)
        marker.raise = TRUE;
      else if (!(state_is_active (entry->from_state) && !state_is_active (entry->to_state)))
        continue;
      g_array_append_val (markers, marker);
    }
  bd_chart_set_markers (card->chart, (const BdChartMarker *) markers->data, markers->len);
}

static void
on_markers_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(BdChartsPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = bd_journal_query_finish ((BdJournal *) source, result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->journal_cancellable);
  /* A damaged journal costs the markers, not the charts. */
  if (entries == NULL)
    {
      g_debug ("No alarm markers: %s", error->message);
      return;
    }
  for (guint i = 0; i < self->cards->len; i++)
    set_card_markers (self, g_ptr_array_index (self->cards, i), entries);
}

static void
query_markers (BdChartsPage *self)
{
  if (self->journal == NULL || self->journal_cancellable != NULL || self->cards->len == 0)
    return;
  self->journal_cancellable = g_cancellable_new ();
  bd_journal_query_async (self->journal, BD_JOURNAL_KIND_ALARM, MAX_JOURNAL_ENTRIES,
                          self->journal_cancellable, on_markers_cb, g_object_ref (self));
}

static gboolean
scroll_tick_cb (GtkWidget     *widget,
                GdkFrameClock *frame_clock,
                gpointer       user_data)
{
  BdChartsPage *self = user_data;
  ChartCard *card = find_card (self, self->scroll_target, NULL);
  GtkWidget *child = gtk_scrolled_window_get_child (self->scrolled_window);
  GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (self->scrolled_window);
  graphene_point_t point;

  /* A new card has no allocation until the frame after it was added. */
  if (card != NULL && gtk_widget_get_height (card->widget) == 0 && ++self->scroll_frames < 30)
    return G_SOURCE_CONTINUE;
  if (card != NULL && child != NULL
      && gtk_widget_compute_point (card->widget, child, &GRAPHENE_POINT_INIT (0, 0), &point))
    gtk_adjustment_clamp_page (adjustment, MAX (point.y - 12, 0),
                               point.y + gtk_widget_get_height (card->widget) + 12);
  g_clear_pointer (&self->scroll_target, g_free);
  self->scroll_tick_id = 0;
  return G_SOURCE_REMOVE;
}

static void
scroll_to_series (BdChartsPage *self,
                  const char   *series)
{
  g_free (self->scroll_target);
  self->scroll_target = g_strdup (series);
  self->scroll_frames = 0;
  /* A tick callback runs only while the page is shown, which is when the
   * card gets its place: the page may be hidden when a topic is charted. */
  if (self->scroll_tick_id == 0)
    self->scroll_tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self->scrolled_window),
                                                         scroll_tick_cb, self, NULL);
}

static void remove_card (BdChartsPage *self,
                         ChartCard    *card);

/* The card's title, subtitle and unit: the overview's label over the
 * series, or the topic over the JSON member. */
static void
update_names (ChartCard *card)
{
  BdOverviewConfig *config = overview_of (card);
  g_autofree char *label = bd_overview_config_dup_series_label (config, card->series);
  g_auto(GStrv) parts = g_strsplit (card->series, "#", 2);
  const char *subtitle;

  g_free (card->title);
  if (label != NULL)
    {
      /* Several areas may have a "Temperature": the series tells which. */
      card->title = g_strdup_printf ("%s (%s)", label, card->series);
      subtitle = card->series;
    }
  else
    {
      card->title = g_strdup (card->series);
      subtitle = parts[1];
    }
  gtk_label_set_label (card->title_label, label != NULL ? label : parts[0]);
  gtk_widget_set_tooltip_text (GTK_WIDGET (card->title_label), card->series);
  gtk_label_set_label (card->subtitle_label, subtitle);
  gtk_widget_set_visible (GTK_WIDGET (card->subtitle_label), subtitle != NULL && subtitle[0] != '\0');
  /* A group named after the series, so a screen reader says which chart. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (card->widget),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, card->title,
                                  -1);
  bd_chart_set_unit (card->chart, bd_overview_config_get_series_unit (config, card->series));
}

static void
on_remove_clicked_cb (GtkButton *button,
                      gpointer   user_data)
{
  ChartCard *card = user_data;

  if (card->page != NULL)
    remove_card (card->page, card);
}

static ChartCard *
add_card (BdChartsPage *self,
          const char   *series,
          guint         position)
{
  ChartCard *card = g_atomic_rc_box_new0 (ChartCard);
  g_autofree char *remove_label = g_strdup_printf (_("Remove the chart of %s"), series);
  GtkWidget *header = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *titles = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *title = gtk_label_new (NULL);
  GtkWidget *subtitle = gtk_label_new (NULL);
  GtkWidget *remove_button = gtk_button_new_from_icon_name ("user-trash-symbolic");
  GtkWidget *sibling = NULL;

  card->page = self;
  card->series = g_strdup (series);

  /* A group named after the series, so a screen reader says which chart. */
  card->widget = g_object_new (GTK_TYPE_BOX,
                               "orientation", GTK_ORIENTATION_VERTICAL,
                               "spacing", 6,
                               "accessible-role", GTK_ACCESSIBLE_ROLE_GROUP,
                               NULL);
  gtk_widget_add_css_class (card->widget, "card");

  gtk_widget_set_margin_top (header, 12);
  gtk_widget_set_margin_start (header, 12);
  gtk_widget_set_margin_end (header, 12);

  gtk_widget_set_hexpand (titles, TRUE);
  gtk_widget_set_valign (titles, GTK_ALIGN_CENTER);
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_label_set_ellipsize (GTK_LABEL (title), PANGO_ELLIPSIZE_MIDDLE);
  gtk_widget_add_css_class (title, "heading");
  gtk_box_append (GTK_BOX (titles), title);
  gtk_label_set_xalign (GTK_LABEL (subtitle), 0);
  gtk_label_set_ellipsize (GTK_LABEL (subtitle), PANGO_ELLIPSIZE_MIDDLE);
  gtk_widget_add_css_class (subtitle, "caption");
  gtk_widget_add_css_class (subtitle, "dim-label");
  gtk_box_append (GTK_BOX (titles), subtitle);
  gtk_box_append (GTK_BOX (header), titles);
  card->title_label = GTK_LABEL (title);
  card->subtitle_label = GTK_LABEL (subtitle);

  card->value_label = GTK_LABEL (gtk_label_new ("—"));
  gtk_widget_set_valign (GTK_WIDGET (card->value_label), GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (GTK_WIDGET (card->value_label), "title-3");
  gtk_widget_add_css_class (GTK_WIDGET (card->value_label), "numeric");
  gtk_box_append (GTK_BOX (header), GTK_WIDGET (card->value_label));

  gtk_widget_set_valign (remove_button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (remove_button, "flat");
  gtk_widget_add_css_class (remove_button, "circular");
  gtk_widget_set_tooltip_text (remove_button, _("Remove Chart"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (remove_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, remove_label,
                                  -1);
  g_signal_connect (remove_button, "clicked", G_CALLBACK (on_remove_clicked_cb), card);
  gtk_box_append (GTK_BOX (header), remove_button);
  gtk_box_append (GTK_BOX (card->widget), header);

  card->error_label = _bd_error_label_new ();
  gtk_widget_set_margin_start (GTK_WIDGET (card->error_label), 12);
  gtk_widget_set_margin_end (GTK_WIDGET (card->error_label), 12);
  gtk_widget_set_visible (GTK_WIDGET (card->error_label), FALSE);
  gtk_box_append (GTK_BOX (card->widget), GTK_WIDGET (card->error_label));

  card->chart = BD_CHART (bd_chart_new ());
  gtk_widget_set_size_request (GTK_WIDGET (card->chart), -1, 180);
  gtk_widget_set_margin_start (GTK_WIDGET (card->chart), 6);
  gtk_widget_set_margin_end (GTK_WIDGET (card->chart), 6);
  gtk_widget_set_margin_bottom (GTK_WIDGET (card->chart), 6);
  bd_chart_set_range_label (card->chart, _(self->range->label));
  gtk_box_append (GTK_BOX (card->widget), GTK_WIDGET (card->chart));
  update_names (card);

  position = MIN (position, self->cards->len);
  if (position > 0)
    sibling = ((ChartCard *) g_ptr_array_index (self->cards, position - 1))->widget;
  gtk_box_insert_child_after (self->cards_box, card->widget, sibling);
  g_ptr_array_insert (self->cards, position, card);

  update_limits (self, card);
  update_state (self);
  update_timer (self);
  query_card (self, card);
  query_markers (self);
  return card;
}

/* Undo: the series the toast names goes back where it was. */
static void
restore_removed (BdChartsPage *self)
{
  g_autofree char *series = NULL;
  g_autofree char *title = NULL;
  guint position;

  if (self->toast == NULL)
    return;
  series = g_strdup (g_object_get_data (G_OBJECT (self->toast), "series"));
  position = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (self->toast), "position"));
  if (series == NULL || find_card (self, series, NULL) != NULL)
    return;
  add_card (self, series, position);
  save_series (self);
  scroll_to_series (self, series);
  /* Says what happened, and the button goes: there is nothing to undo now. */
  title = g_strdup_printf (_("Restored the chart of %s"), series);
  show_toast (self, title, NULL, 0);
}

static void
remove_card (BdChartsPage *self,
             ChartCard    *card)
{
  g_autofree char *title = g_strdup_printf (_("Removed the chart of %s"), card->series);
  g_autofree char *series = g_strdup (card->series);
  guint position = 0;

  find_card (self, card->series, &position);
  gtk_box_remove (self->cards_box, card->widget);
  /* This drops the page's reference to the card. */
  g_ptr_array_remove_index (self->cards, position);

  save_series (self);
  update_state (self);
  update_timer (self);
  show_toast (self, title, series, position);
}

static void
undo_remove_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  restore_removed (BD_CHARTS_PAGE (widget));
}

static void
on_series_chosen_cb (BdChartsPage *self,
                     const char   *series)
{
  bd_charts_page_add_series (self, series);
  scroll_to_series (self, series);
}

static void
add_action (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  BdChartsPage *self = BD_CHARTS_PAGE (widget);
  g_auto(GStrv) charted = NULL;
  GtkWidget *picker;

  if (self->history == NULL)
    return;
  charted = bd_charts_page_dup_series (self);
  picker = bd_chart_picker_dialog_new (self->history, (const char * const *) charted);
  g_signal_connect_object (picker, "series-chosen", G_CALLBACK (on_series_chosen_cb), self,
                           G_CONNECT_SWAPPED);
  _bd_present_dialog (widget, GTK_WINDOW (picker));
}

static void
set_range (BdChartsPage    *self,
           const RangeInfo *range)
{
  if (self->range == range)
    return;
  self->range = range;
  if (!self->loading)
    g_settings_set_string (self->settings, BD_SETTINGS_CHART_RANGE, range->id);
  for (guint i = 0; i < self->cards->len; i++)
    {
      ChartCard *card = g_ptr_array_index (self->cards, i);

      /* The old range's buckets would sit under the new range's name. */
      bd_chart_clear (card->chart);
      bd_chart_set_range_label (card->chart, _(range->label));
      update_value_label (card);
    }
  update_timer (self);
  requery_all (self);
}

static void
on_range_toggled_cb (GtkToggleButton *button,
                     BdChartsPage    *self)
{
  if (!gtk_toggle_button_get_active (button))
    return;
  for (guint i = 0; i < G_N_ELEMENTS (ranges); i++)
    if (gtk_widget_get_template_child (GTK_WIDGET (self), BD_TYPE_CHARTS_PAGE,
                                       ranges[i].button) == G_OBJECT (button))
      set_range (self, &ranges[i]);
}

typedef struct
{
  BdChartsPage *self;
  char         *topic;
} ChartTopicData;

static void
chart_topic_data_free (ChartTopicData *data)
{
  g_object_unref (data->self);
  g_free (data->topic);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChartTopicData, chart_topic_data_free)

static void
on_list_series_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(ChartTopicData) data = user_data;
  BdChartsPage *self = data->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) series = bd_history_list_series_finish (result, &error);
  const char *first = NULL;
  guint n_found = 0;
  guint n_added = 0;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (series == NULL)
    {
      g_autofree char *title = g_strdup_printf (_("Could not read the history: %s"), error->message);

      show_toast (self, title, NULL, 0);
      return;
    }

  for (guint i = 0; i < series->len; i++)
    {
      BdHistorySeries *item = g_ptr_array_index (series, i);

      if (!g_str_equal (item->topic, data->topic))
        continue;
      if (++n_found > MAX_SERIES_PER_TOPIC)
        continue;
      if (first == NULL)
        first = item->name;
      if (bd_charts_page_add_series (self, item->name))
        n_added++;
    }

  if (n_found == 0)
    {
      g_autofree char *title = g_strdup_printf (_("No numeric values recorded for “%s” yet"),
                                                data->topic);

      show_toast (self, title, NULL, 0);
      return;
    }
  if (n_added == 0)
    {
      g_autofree char *title = g_strdup_printf (_("“%s” is already charted"), data->topic);

      show_toast (self, title, NULL, 0);
    }
  else if (n_found > MAX_SERIES_PER_TOPIC)
    {
      g_autofree char *title = g_strdup_printf (_("Charted %u of the %u series of “%s”"),
                                                MAX_SERIES_PER_TOPIC, n_found, data->topic);

      show_toast (self, title, NULL, 0);
    }
  scroll_to_series (self, first);
}

static void
load_settings (BdChartsPage *self)
{
  g_autofree char *range_id = g_settings_get_string (self->settings, BD_SETTINGS_CHART_RANGE);
  g_auto(GStrv) names = g_settings_get_strv (self->settings, BD_SETTINGS_CHART_SERIES);
  const RangeInfo *range = &ranges[1];

  self->loading = TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (ranges); i++)
    if (g_str_equal (ranges[i].id, range_id))
      range = &ranges[i];
  self->range = range;
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (gtk_widget_get_template_child (GTK_WIDGET (self),
                                                                                  BD_TYPE_CHARTS_PAGE,
                                                                                  range->button)),
                                TRUE);
  for (guint i = 0; names[i] != NULL; i++)
    bd_charts_page_add_series (self, names[i]);
  self->loading = FALSE;
}

static void
bd_charts_page_map (GtkWidget *widget)
{
  BdChartsPage *self = BD_CHARTS_PAGE (widget);

  GTK_WIDGET_CLASS (bd_charts_page_parent_class)->map (widget);
  update_timer (self);
  /* Catch up at once: the data moved on while the page was hidden. */
  refresh_cb (self);
}

static void
bd_charts_page_unmap (GtkWidget *widget)
{
  BdChartsPage *self = BD_CHARTS_PAGE (widget);

  g_clear_handle_id (&self->refresh_id, g_source_remove);
  GTK_WIDGET_CLASS (bd_charts_page_parent_class)->unmap (widget);
}

static void
bd_charts_page_dispose (GObject *object)
{
  BdChartsPage *self = BD_CHARTS_PAGE (object);

  g_clear_handle_id (&self->refresh_id, g_source_remove);
  if (self->scroll_tick_id != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self->scrolled_window), self->scroll_tick_id);
      self->scroll_tick_id = 0;
    }
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_cancellable_cancel (self->journal_cancellable);
  g_clear_object (&self->journal_cancellable);
  if (self->alarms != NULL)
    g_signal_handlers_disconnect_by_data (self->alarms, self);
  g_clear_object (&self->alarms);
  if (self->service != NULL)
    g_signal_handlers_disconnect_by_data (self->service, self);
  g_clear_object (&self->service);
  g_clear_pointer (&self->journal, bd_journal_unref);
  if (self->cards != NULL)
    g_ptr_array_set_size (self->cards, 0);
  g_clear_object (&self->toast);
  g_clear_pointer (&self->history, bd_history_unref);
  g_clear_object (&self->settings);

  /* The stack is both a template child and AdwBin's child: detach it from
   * AdwBin first, or AdwBin's dispose would unparent it a second time. */
  adw_bin_set_child (ADW_BIN (object), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (object), BD_TYPE_CHARTS_PAGE);

  G_OBJECT_CLASS (bd_charts_page_parent_class)->dispose (object);
}

static void
bd_charts_page_finalize (GObject *object)
{
  BdChartsPage *self = BD_CHARTS_PAGE (object);

  g_clear_pointer (&self->cards, g_ptr_array_unref);
  g_free (self->scroll_target);

  G_OBJECT_CLASS (bd_charts_page_parent_class)->finalize (object);
}

static void
bd_charts_page_class_init (BdChartsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bd_charts_page_dispose;
  object_class->finalize = bd_charts_page_finalize;
  widget_class->map = bd_charts_page_map;
  widget_class->unmap = bd_charts_page_unmap;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/brokerdesk/Brokerdesk/bd-charts-page.ui");
  gtk_widget_class_bind_template_child (widget_class, BdChartsPage, stack);
  gtk_widget_class_bind_template_child (widget_class, BdChartsPage, scrolled_window);
  gtk_widget_class_bind_template_child (widget_class, BdChartsPage, cards_box);
  gtk_widget_class_bind_template_child (widget_class, BdChartsPage, count_label);
  gtk_widget_class_bind_template_child (widget_class, BdChartsPage, range_5m);
  gtk_widget_class_bind_template_child (widget_class, BdChartsPage, range_1h);
  gtk_widget_class_bind_template_child (widget_class, BdChartsPage, range_24h);
  gtk_widget_class_bind_template_child (widget_class, BdChartsPage, range_7d);
  gtk_widget_class_bind_template_child (widget_class, BdChartsPage, range_30d);

  gtk_widget_class_install_action (widget_class, "charts.add", NULL, add_action);
  gtk_widget_class_install_action (widget_class, "charts.undo-remove", NULL, undo_remove_action);

  g_type_ensure (BD_TYPE_CHART);
}

static void
bd_charts_page_init (BdChartsPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cards = g_ptr_array_new_with_free_func (chart_card_detach);
  self->cancellable = g_cancellable_new ();
  self->settings = g_settings_new (BD_SETTINGS_SCHEMA_ID);

  load_settings (self);
  for (guint i = 0; i < G_N_ELEMENTS (ranges); i++)
    g_signal_connect (gtk_widget_get_template_child (GTK_WIDGET (self), BD_TYPE_CHARTS_PAGE,
                                                     ranges[i].button),
                      "toggled", G_CALLBACK (on_range_toggled_cb), self);
  update_state (self);
  update_timer (self);
}

GtkWidget *
bd_charts_page_new (void)
{
  return g_object_new (BD_TYPE_CHARTS_PAGE, NULL);
}

void
bd_charts_page_set_history (BdChartsPage *self,
                            BdHistory    *history)
{
  g_return_if_fail (BD_IS_CHARTS_PAGE (self));

  if (history == self->history)
    return;
  g_clear_pointer (&self->history, bd_history_unref);
  if (history != NULL)
    self->history = bd_history_ref (history);
  update_state (self);
  update_timer (self);
  requery_all (self);
}

void
bd_charts_page_chart_topic (BdChartsPage *self,
                            const char   *topic)
{
  ChartTopicData *data;

  g_return_if_fail (BD_IS_CHARTS_PAGE (self));
  g_return_if_fail (topic != NULL);

  if (self->history == NULL)
    {
      show_toast (self, _("History recording is off: there is nothing to chart"), NULL, 0);
      return;
    }
  data = g_new0 (ChartTopicData, 1);
  data->self = g_object_ref (self);
  data->topic = g_strdup (topic);
  bd_history_list_series_async (self->history, topic, self->cancellable, on_list_series_cb, data);
}

gboolean
bd_charts_page_add_series (BdChartsPage *self,
                           const char   *series)
{
  g_return_val_if_fail (BD_IS_CHARTS_PAGE (self), FALSE);
  g_return_val_if_fail (series != NULL && series[0] != '\0', FALSE);

  if (find_card (self, series, NULL) != NULL)
    return FALSE;
  add_card (self, series, self->cards->len);
  save_series (self);
  return TRUE;
}

GStrv
bd_charts_page_dup_series (BdChartsPage *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_return_val_if_fail (BD_IS_CHARTS_PAGE (self), NULL);

  for (guint i = 0; i < self->cards->len; i++)
    g_strv_builder_add (builder, ((ChartCard *) g_ptr_array_index (self->cards, i))->series);
  return g_strv_builder_end (builder);
}

GtkWidget *
bd_charts_page_get_chart (BdChartsPage *self,
                          const char   *series)
{
  ChartCard *card;

  g_return_val_if_fail (BD_IS_CHARTS_PAGE (self), NULL);
  g_return_val_if_fail (series != NULL, NULL);

  card = find_card (self, series, NULL);
  return card != NULL ? GTK_WIDGET (card->chart) : NULL;
}

void
bd_charts_page_set_alarm_engine (BdChartsPage  *self,
                                 BdAlarmEngine *alarms)
{
  g_return_if_fail (BD_IS_CHARTS_PAGE (self));
  g_return_if_fail (alarms == NULL || BD_IS_ALARM_ENGINE (alarms));

  _bd_follow_object (self, (gpointer *) &self->alarms, alarms, "rules-changed",
                     G_CALLBACK (on_rules_changed_cb));
}

void
bd_charts_page_set_journal (BdChartsPage *self,
                            BdJournal    *journal)
{
  g_return_if_fail (BD_IS_CHARTS_PAGE (self));

  if (journal == self->journal)
    return;
  g_cancellable_cancel (self->journal_cancellable);
  g_clear_object (&self->journal_cancellable);
  g_clear_pointer (&self->journal, bd_journal_unref);
  if (journal != NULL)
    self->journal = bd_journal_ref (journal);
  for (guint i = 0; journal == NULL && i < self->cards->len; i++)
    bd_chart_set_markers (((ChartCard *) g_ptr_array_index (self->cards, i))->chart, NULL, 0);
  query_markers (self);
}

static void
on_overview_changed_cb (BdChartsPage *self)
{
  for (guint i = 0; i < self->cards->len; i++)
    {
      ChartCard *card = g_ptr_array_index (self->cards, i);

      update_names (card);
      update_limits (self, card);
      /* The charted values are scaled: the old ones are not. */
      bd_chart_clear (card->chart);
      update_value_label (card);
    }
  requery_all (self);
}

void
bd_charts_page_set_service (BdChartsPage *self,
                            BdService    *service)
{
  g_return_if_fail (BD_IS_CHARTS_PAGE (self));
  g_return_if_fail (service == NULL || BD_IS_SERVICE (service));

  _bd_follow_object (self, (gpointer *) &self->service, service, "overview-changed",
                     G_CALLBACK (on_overview_changed_cb));
}
