/* bd-overview-page.c — the Overview page: the plant's areas, tiles and relays
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The operator's "is the plant all right?" at a glance: one section per area
 * of overview.ini (bd-overview-config.h), each a flow of tiles and the
 * area's relays. Live values come through a topic outbox of the page's own,
 * tapped on the tiles' topics only, so other traffic costs the page nothing
 * and a busy tile costs one update per flush (about 33 ms), never one per
 * message. Trends start from the history of all the tiles at once (two
 * batched queries, run on workers while the tiles are built, each applied in
 * one main-loop turn); alarm states come from the alarm engine's list of
 * active alarms, and a one-second timer marks stale values and re-reads
 * acknowledgements.
 *
 * Tiles are kept by series across rebuilds (a rename, a move, showing hidden
 * tiles), so their values and trends survive; only their containers change.
 */

#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n.h>

#include "bd-frame-stats.h"
#include "bd-gui-util.h"
#include "bd-overview-page.h"
#include "bd-overview-relay.h"
#include "bd-payload.h"
#include "bd-topic-outbox.h"

/* Nothing for this long: the value is marked stale. */
#define STALE_MS (30 * 1000)

/* The older part of a trend's history: one point a minute (query_trends). */
#define TREND_HISTORY_BUCKET_MS (60 * 1000)

struct _BdOverviewPage
{
  AdwBin              parent_instance;

  /* Template children */
  GtkRevealer        *banner_revealer;
  GtkBox             *banner_box;
  GtkImage           *banner_icon;
  GtkLabel           *banner_label;
  GtkStack           *stack;
  GtkBox             *toolbar;
  GtkBox             *areas_box;

  BdService          *service;
  BdEngine           *engine;
  BdHistory          *history;
  BdAlarmEngine      *alarms;
  BdRelayController  *relays;
  GCancellable       *cancellable;      /* the load and the history queries */

  BdOverviewConfig   *config;           /* the service's */
  GHashTable         *tiles;            /* series → BdOverviewTile (ref) */
  GHashTable         *topic_tiles;      /* topic → GPtrArray of BdOverviewTile */
  GHashTable         *taps;             /* topic → tap id */
  GHashTable         *queried;          /* series whose history was asked for */
  guint               n_trend_queries;  /* in flight */
  BdTopicOutbox      *outbox;
  guint               timer_id;
  guint               rebuild_id;
  char               *banner_text;

  gboolean            wall;
  gboolean            saving;
  gboolean            show_hidden;
  double              wall_scale;
  GtkCssProvider     *wall_css;
};

enum {
  PROP_0,
  PROP_SHOW_HIDDEN,
  N_PROPS
};

enum {
  LOADED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (BdOverviewPage, bd_overview_page, ADW_TYPE_BIN)

static void rebuild (BdOverviewPage *self);

static gboolean
rebuild_cb (gpointer user_data)
{
  BdOverviewPage *self = user_data;

  self->rebuild_id = 0;
  rebuild (self);
  return G_SOURCE_REMOVE;
}

/* Changes that come in bursts (the relays of a loaded relays.ini arrive one
 * by one) rebuild once, in the next main-loop turn: replacing widgets while
 * an accessibility client reads them is what GTK 4.8 handles worst. */
static void
queue_rebuild (BdOverviewPage *self)
{
  if (self->rebuild_id == 0)
    self->rebuild_id = g_idle_add (rebuild_cb, self);
}

/* ------------------------------------------------------------- saving */

static void
save_and_rebuild (BdOverviewPage *self)
{
  /* Rebuilt here at once; the page's own "overview-changed" is not news. */
  self->saving = TRUE;
  _bd_save_overview (GTK_WIDGET (self), self->service);
  self->saving = FALSE;
  rebuild (self);
}

/* --------------------------------------------------------- live values */

typedef struct
{
  BdOverviewTile *tile;
  const char     *field;
  gint64          time_ms;
} FieldMatch;

static void
field_sample_cb (const char *field,
                 double      value,
                 gpointer    user_data)
{
  FieldMatch *match = user_data;

  if (g_str_equal (field, match->field))
    bd_overview_tile_set_value (match->tile, value, match->time_ms);
}

static void
outbox_flush_cb (BdTopicBatchEntry *entries,
                 guint              n_entries,
                 gpointer           user_data)
{
  BdOverviewPage *self = user_data;

  for (guint i = 0; i < n_entries; i++)
    {
      BdMessage *message = entries[i].latest;
      GPtrArray *tiles = g_hash_table_lookup (self->topic_tiles, message->topic);
      gsize len = 0;
      const guint8 *data;
      gint64 time_ms = message->time_us / 1000;

      if (tiles == NULL)
        continue;
      data = bd_message_get_payload (message, &len);
      for (guint j = 0; j < tiles->len; j++)
        {
          BdOverviewTile *tile = g_ptr_array_index (tiles, j);
          const char *hash = strchr (bd_overview_tile_get_series (tile), '#');
          double value;

          if (hash == NULL)
            {
              if (bd_payload_parse_plain (data, len, &value))
                bd_overview_tile_set_value (tile, value, time_ms);
            }
          else
            {
              FieldMatch match = { tile, hash + 1, time_ms };

              bd_payload_extract_samples (data, len, NULL, field_sample_cb, &match);
            }
        }
    }
}

static void
update_taps (BdOverviewPage *self)
{
  GHashTableIter iter;
  gpointer topic;

  if (self->engine == NULL || self->outbox == NULL)
    return;
  g_hash_table_iter_init (&iter, self->topic_tiles);
  while (g_hash_table_iter_next (&iter, &topic, NULL))
    {
      guint id;

      if (g_hash_table_contains (self->taps, topic))
        continue;
      /* One tap per topic: the engine matches taps in its trie, so the
       * page sees its tiles' topics and nothing of the other traffic. */
      id = bd_engine_add_tap (self->engine, topic, bd_topic_outbox_tap,
                              bd_topic_outbox_ref (self->outbox),
                              (GDestroyNotify) bd_topic_outbox_unref);
      g_hash_table_insert (self->taps, g_strdup (topic), GUINT_TO_POINTER (id));
    }
}

static void
remove_taps (BdOverviewPage *self)
{
  GHashTableIter iter;
  gpointer id;

  if (self->engine != NULL)
    {
      g_hash_table_iter_init (&iter, self->taps);
      while (g_hash_table_iter_next (&iter, NULL, &id))
        bd_engine_remove_tap (self->engine, GPOINTER_TO_UINT (id));
    }
  g_hash_table_remove_all (self->taps);
}

/* --------------------------------------------------------- trends */

typedef struct
{
  BdOverviewPage *page;     /* ref */
  GPtrArray      *series;   /* names, in the order of the answer */
} Query;

static void
query_free (Query *query)
{
  g_object_unref (query->page);
  g_ptr_array_unref (query->series);
  g_free (query);
}

static void
apply_history (BdOverviewPage            *self,
               const char                *series,
               const BdHistorySeriesData *data)
{
  BdOverviewTile *tile = g_hash_table_lookup (self->tiles, series);

  if (tile == NULL)
    return;
  bd_overview_trend_set_history (bd_overview_tile_get_trend (tile), data);
  /* Until live data comes, the last recorded value (its time decides
   * staleness, so an old one shows as stale), from whichever answer holds
   * the newest: the current minute's samples, or the older minutes'
   * rollups when the reading came before this minute began (a sensor that
   * reports every few minutes, or a topic tiled just after a minute turned). */
  for (guint i = data->n_buckets; i > 0; i--)
    if (data->buckets[i - 1].count > 0)
      {
        if (bd_overview_tile_get_last_time (tile) < data->buckets[i - 1].start_ms)
          bd_overview_tile_set_value (tile, data->buckets[i - 1].last,
                                      data->buckets[i - 1].start_ms);
        break;
      }
}

static void
history_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Query *query = user_data;
  BdOverviewPage *self = query->page;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) answers = bd_history_query_series_batch_finish (result, &error);

  /* Every trend in one main-loop turn: one layout and one frame for the
   * page, not one per tile. */
  for (guint i = 0; answers != NULL && i < answers->len && i < query->series->len; i++)
    apply_history (self, g_ptr_array_index (query->series, i), g_ptr_array_index (answers, i));
  if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("No trends: %s", error->message);
  /* The benchmark times the page's first paint up to the frame after this. */
  if (--self->n_trend_queries == 0 && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    bd_frame_stats_record_mark ("overview-trends");
  query_free (query);
}

static void
start_trend_query (BdOverviewPage *self,
                   GPtrArray      *series,
                   gint64          from_ms,
                   gint64          to_ms,
                   guint           n_buckets)
{
  Query *query = g_new0 (Query, 1);

  query->page = g_object_ref (self);
  query->series = g_ptr_array_ref (series);
  self->n_trend_queries++;
  g_ptr_array_add (series, NULL);
  bd_history_query_series_batch_async (self->history, (const char * const *) series->pdata,
                                       from_ms, to_ms, n_buckets, BD_HISTORY_LEVEL_AUTO,
                                       self->cancellable, history_cb, query);
  /* The terminator is not a series of the answer. */
  g_ptr_array_set_size (series, series->len - 1);
}

/* Two queries on workers, each for every series of the configuration not
 * asked for yet: the trend's older part one point a minute from the 1-minute
 * rollups (14 rows a series rather than 840 samples: for 500 tiles at most
 * 37,000 rows with the current minute's, instead of 450,000, whose reading on
 * a busy two-core machine took the core the main thread needed to build the
 * tiles), and the current minute's raw samples in the trend's own buckets,
 * which also give the latest value and its time. Started as soon as the
 * configuration is read, so that the workers read while the main thread
 * builds the tiles; live values fill the finer buckets in. */
static void
query_trends (BdOverviewPage *self)
{
  gint64 now_ms = g_get_real_time () / 1000;
  gint64 bucket_ms = BD_OVERVIEW_TREND_SPAN_MS / BD_OVERVIEW_TREND_BUCKETS;
  /* Aligned to the trend's buckets, so history and live agree. */
  gint64 to_ms = (now_ms / bucket_ms + 1) * bucket_ms;
  gint64 minute_ms = (to_ms - 1) / TREND_HISTORY_BUCKET_MS * TREND_HISTORY_BUCKET_MS;
  g_autoptr(GPtrArray) series = NULL;

  if (self->history == NULL || self->config == NULL)
    return;
  series = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < self->config->areas->len; i++)
    {
      BdOverviewAreaConfig *area = g_ptr_array_index (self->config->areas, i);

      for (guint j = 0; j < area->tiles->len; j++)
        {
          BdOverviewTileConfig *tile = g_ptr_array_index (area->tiles, j);

          if (g_hash_table_add (self->queried, g_strdup (tile->series)))
            g_ptr_array_add (series, g_strdup (tile->series));
        }
    }
  if (series->len == 0)
    return;
  /* Whole minutes up to the current one, each bucket one rollup row... */
  start_trend_query (self, series,
                     minute_ms - BD_OVERVIEW_TREND_SPAN_MS + TREND_HISTORY_BUCKET_MS, minute_ms,
                     BD_OVERVIEW_TREND_SPAN_MS / TREND_HISTORY_BUCKET_MS - 1);
  /* ...and the current minute's samples. */
  start_trend_query (self, series, minute_ms, to_ms, (to_ms - minute_ms) / bucket_ms);
}

/* --------------------------------------------------------- alarms */

static int
alarm_urgency (BdAlarm *alarm)
{
  BdAlarmState state = bd_alarm_get_state (alarm);
  int rank;

  switch (state)
    {
    case BD_ALARM_STATE_UNACK:
      rank = 3;
      break;
    case BD_ALARM_STATE_ACKED:
      rank = 2;
      break;
    case BD_ALARM_STATE_RTN_UNACK:
      rank = 1;
      break;
    case BD_ALARM_STATE_NORMAL:
    case BD_ALARM_STATE_SHELVED:
    default:
      return -1;
    }
  /* Active before returned, then priority, then unacknowledged first. */
  return (state == BD_ALARM_STATE_RTN_UNACK ? 0 : 100) + 10 * bd_alarm_get_priority (alarm) + rank;
}

static char *
alarm_series (BdOverviewPage *self,
              BdAlarm        *alarm)
{
  return bd_service_dup_alarm_series (self->service, alarm);
}

static void
set_banner (BdOverviewPage *self,
            BdAlarm        *alarm)
{
  g_autofree char *text = NULL;

  if (alarm != NULL)
    {
      g_autofree char *series = alarm_series (self, alarm);
      BdOverviewTile *tile = g_hash_table_lookup (self->tiles, series);
      const char *priority = bd_alarm_priority_to_label (bd_alarm_get_priority (alarm));
      const char *level = bd_alarm_level_to_label (bd_alarm_get_level (alarm));

      if (tile != NULL)
        {
          g_autofree char *label = bd_overview_tile_dup_label (tile);
          g_autofree char *value = bd_overview_tile_format (tile, bd_alarm_get_value (alarm));
          g_autofree char *area_path = bd_overview_series_dup_area (series);
          BdOverviewAreaConfig *area = bd_overview_config_find_area (self->config, area_path);
          g_autofree char *area_label = area != NULL ? bd_overview_area_config_dup_label (area)
                                                     : g_strdup (area_path);

          /* Translators: the alarm banner: "High priority: Temperature Hi in Packaging: 32.1 °C (Unacknowledged)" */
          text = g_strdup_printf (_("%s priority: %s %s in %s: %s (%s)"), priority, label, level,
                                  area_label, value,
                                  bd_alarm_state_to_label (bd_alarm_get_state (alarm)));
        }
      else
        {
          g_autofree char *described = bd_alarm_describe (alarm);

          /* Translators: the alarm banner for an alarm without a tile: "High priority: …" */
          text = g_strdup_printf (_("%s priority: %s"), priority, described);
        }
    }
  if (g_strcmp0 (text, self->banner_text) == 0)
    return;
  g_free (self->banner_text);
  self->banner_text = g_steal_pointer (&text);
  if (self->banner_text != NULL)
    {
      static const char * const icons[] = {
        "dialog-information-symbolic", "emblem-important-symbolic",
        "dialog-warning-symbolic", "dialog-error-symbolic",
      };
      static const char * const classes[] = {
        "alarm-low", "alarm-medium", "alarm-high", "alarm-critical",
      };
      guint priority = MIN ((guint) bd_alarm_get_priority (alarm), G_N_ELEMENTS (icons) - 1);

      gtk_label_set_label (self->banner_label, self->banner_text);
      gtk_image_set_from_icon_name (self->banner_icon, icons[priority]);
      for (guint i = 0; i < G_N_ELEMENTS (classes); i++)
        gtk_widget_remove_css_class (GTK_WIDGET (self->banner_box), classes[i]);
      gtk_widget_add_css_class (GTK_WIDGET (self->banner_box), classes[priority]);
      /* An alarm is news a screen reader announces (the banner is a live region
       * by role). */
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->banner_box),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, self->banner_text, -1);
    }
  gtk_revealer_set_reveal_child (self->banner_revealer, self->banner_text != NULL);
}

static void
refresh_alarms (BdOverviewPage *self)
{
  g_autoptr(GHashTable) by_series = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  BdAlarm *most_urgent = NULL;
  int most_urgency = -1;
  GHashTableIter iter;
  gpointer series;
  gpointer tile;

  if (self->alarms != NULL)
    {
      GListModel *model = bd_alarm_engine_get_alarms (self->alarms);
      guint n = g_list_model_get_n_items (model);

      for (guint i = 0; i < n; i++)
        {
          g_autoptr(BdAlarm) alarm = g_list_model_get_item (model, i);
          int urgency = alarm_urgency (alarm);
          BdAlarm *other;
          char *key;

          if (urgency < 0)
            continue;
          key = alarm_series (self, alarm);
          other = g_hash_table_lookup (by_series, key);
          if (other == NULL || alarm_urgency (other) < urgency)
            g_hash_table_replace (by_series, key, alarm);
          else
            g_free (key);
          if (urgency > most_urgency ||
              (urgency == most_urgency && bd_alarm_get_since (alarm) > bd_alarm_get_since (most_urgent)))
            {
              most_urgent = alarm;
              most_urgency = urgency;
            }
        }
    }
  /* The alarms are owned by the engine's list, which this loop does not
   * change: borrowed pointers are safe until it returns. */
  g_hash_table_iter_init (&iter, self->tiles);
  while (g_hash_table_iter_next (&iter, &series, &tile))
    bd_overview_tile_set_alarm (tile, g_hash_table_lookup (by_series, series));
  set_banner (self, most_urgent);
}

static void
on_alarms_changed_cb (BdOverviewPage *self)
{
  refresh_alarms (self);
}

static gboolean
timer_cb (gpointer user_data)
{
  BdOverviewPage *self = user_data;
  gint64 now_ms = g_get_real_time () / 1000;
  GHashTableIter iter;
  gpointer tile;

  g_hash_table_iter_init (&iter, self->tiles);
  while (g_hash_table_iter_next (&iter, NULL, &tile))
    bd_overview_tile_check_stale (tile, now_ms, STALE_MS);
  /* Acknowledgements and shelving change an alarm in place. */
  refresh_alarms (self);
  return G_SOURCE_CONTINUE;
}

/* --------------------------------------------------------- building */

static GMenuModel *
area_menu (BdOverviewAreaConfig *area)
{
  GMenu *menu = g_menu_new ();

  _bd_menu_append_item (menu, _("_Rename Area…"), "overview.rename-area",
                        g_variant_new_string (area->path));
  _bd_menu_append_item (menu, _("Move _Up"), "overview.move-area",
                        g_variant_new ("(si)", area->path, -1));
  _bd_menu_append_item (menu, _("Move _Down"), "overview.move-area",
                        g_variant_new ("(si)", area->path, 1));
  _bd_menu_append_item (menu, area->hidden ? _("_Show Area") : _("_Hide Area"),
                        "overview.toggle-area-hidden", g_variant_new_string (area->path));
  return G_MENU_MODEL (menu);
}

static void
on_tile_activated_cb (BdOverviewPage  *self,
                      GtkFlowBoxChild *child,
                      GtkFlowBox      *flow_box)
{
  g_autofree char *topic = NULL;

  if (!BD_IS_OVERVIEW_TILE (child))
    return;
  topic = bd_overview_series_dup_topic (bd_overview_tile_get_series (BD_OVERVIEW_TILE (child)));
  gtk_widget_activate_action (GTK_WIDGET (self), "win.chart-topic", "s", topic);
}

static gboolean
relay_in_area (BdRelay    *relay,
               const char *path)
{
  const char *state = bd_relay_get_state_topic (relay);
  gsize len = strlen (path);

  /* busan/factory/assembly/fan/state belongs to busan/factory/assembly. */
  return len > 0 && g_str_has_prefix (state, path) && state[len] == '/';
}

static GtkWidget *
build_area (BdOverviewPage       *self,
            BdOverviewAreaConfig *area)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *header = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *title;
  GtkWidget *flow;
  g_autofree char *label = bd_overview_area_config_dup_label (area);

  gtk_widget_add_css_class (box, "overview-area");
  if (area->hidden)
    gtk_widget_add_css_class (box, "hidden-area");
  title = gtk_label_new (label);
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_widget_set_hexpand (title, TRUE);
  gtk_widget_add_css_class (title, "area-title");
  gtk_accessible_update_property (GTK_ACCESSIBLE (title), GTK_ACCESSIBLE_PROPERTY_LEVEL, 2, -1);
  gtk_box_append (GTK_BOX (header), title);
  if (!self->wall)
    {
      g_autoptr(GMenuModel) menu = area_menu (area);
      GtkWidget *button = gtk_menu_button_new ();
      /* Translators: an area menu button's accessible name: "Menu of Assembly" */
      g_autofree char *name = g_strdup_printf (_("Menu of %s"), label);

      gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (button), "view-more-symbolic");
      gtk_menu_button_set_menu_model (GTK_MENU_BUTTON (button), menu);
      gtk_widget_add_css_class (button, "flat");
      gtk_widget_set_tooltip_text (button, _("Area Menu"));
      gtk_accessible_update_property (GTK_ACCESSIBLE (button),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
      gtk_box_append (GTK_BOX (header), button);
    }
  gtk_box_append (GTK_BOX (box), header);

  flow = gtk_flow_box_new ();
  gtk_flow_box_set_selection_mode (GTK_FLOW_BOX (flow), GTK_SELECTION_NONE);
  gtk_flow_box_set_homogeneous (GTK_FLOW_BOX (flow), TRUE);
  gtk_flow_box_set_activate_on_single_click (GTK_FLOW_BOX (flow), TRUE);
  gtk_flow_box_set_min_children_per_line (GTK_FLOW_BOX (flow), 1);
  gtk_flow_box_set_max_children_per_line (GTK_FLOW_BOX (flow), 12);
  gtk_flow_box_set_column_spacing (GTK_FLOW_BOX (flow), 12);
  gtk_flow_box_set_row_spacing (GTK_FLOW_BOX (flow), 12);
  gtk_accessible_update_property (GTK_ACCESSIBLE (flow), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  g_signal_connect_object (flow, "child-activated", G_CALLBACK (on_tile_activated_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_box_append (GTK_BOX (box), flow);

  for (guint i = 0; i < area->tiles->len; i++)
    {
      BdOverviewTileConfig *config = g_ptr_array_index (area->tiles, i);
      BdOverviewTile *tile = g_hash_table_lookup (self->tiles, config->series);
      g_autofree char *topic = bd_overview_series_dup_topic (config->series);
      GPtrArray *by_topic;

      if (tile == NULL)
        {
          tile = g_object_ref_sink (bd_overview_tile_new (config));
          g_hash_table_insert (self->tiles, g_strdup (config->series), tile);
        }
      else
        bd_overview_tile_set_config (tile, config);
      by_topic = g_hash_table_lookup (self->topic_tiles, topic);
      if (by_topic == NULL)
        {
          by_topic = g_ptr_array_new ();
          g_hash_table_insert (self->topic_tiles, g_strdup (topic), by_topic);
        }
      g_ptr_array_add (by_topic, tile);
      bd_overview_tile_set_wall (tile, self->wall);
      bd_overview_tile_set_has_menu (tile, !self->wall);
      if (config->hidden && !self->show_hidden)
        continue;
      gtk_flow_box_append (GTK_FLOW_BOX (flow), GTK_WIDGET (tile));
    }

  if (self->relays != NULL)
    {
      GListModel *model = G_LIST_MODEL (self->relays);
      GtkWidget *relays = gtk_flow_box_new ();
      guint n_relays = 0;

      gtk_flow_box_set_selection_mode (GTK_FLOW_BOX (relays), GTK_SELECTION_NONE);
      gtk_flow_box_set_max_children_per_line (GTK_FLOW_BOX (relays), 6);
      gtk_flow_box_set_column_spacing (GTK_FLOW_BOX (relays), 24);
      gtk_widget_add_css_class (relays, "overview-relays");
      for (guint i = 0; i < g_list_model_get_n_items (model); i++)
        {
          g_autoptr(BdRelay) relay = g_list_model_get_item (model, i);

          if (!relay_in_area (relay, area->path))
            continue;
          gtk_flow_box_append (GTK_FLOW_BOX (relays), bd_overview_relay_new (self->relays, relay));
          n_relays++;
        }
      if (n_relays > 0)
        {
          /* Translators: the accessible name of an area's relays: "Relays of Assembly" */
          g_autofree char *name = g_strdup_printf (_("Relays of %s"), label);

          gtk_accessible_update_property (GTK_ACCESSIBLE (relays),
                                          GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
          gtk_box_append (GTK_BOX (box), relays);
        }
      else
        g_object_ref_sink (relays), g_object_unref (relays);
    }
  return box;
}

static void
rebuild (BdOverviewPage *self)
{
  GHashTableIter iter;
  gpointer tile;
  GtkWidget *child;
  guint shown = 0;

  g_clear_handle_id (&self->rebuild_id, g_source_remove);

  /* Out of their old flow boxes first: those go with their areas. */
  g_hash_table_iter_init (&iter, self->tiles);
  while (g_hash_table_iter_next (&iter, NULL, &tile))
    {
      GtkWidget *parent = gtk_widget_get_parent (tile);

      if (GTK_IS_FLOW_BOX (parent))
        gtk_flow_box_remove (GTK_FLOW_BOX (parent), tile);
    }
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->areas_box))) != NULL)
    gtk_box_remove (self->areas_box, child);
  g_hash_table_remove_all (self->topic_tiles);

  if (self->config != NULL)
    for (guint i = 0; i < self->config->areas->len; i++)
      {
        BdOverviewAreaConfig *area = g_ptr_array_index (self->config->areas, i);
        GtkWidget *widget = build_area (self, area);

        /* A hidden area's tiles still follow their topics, so showing it
         * again shows current values. */
        if (area->hidden && !self->show_hidden)
          {
            g_object_ref_sink (widget);
            g_object_unref (widget);
            continue;
          }
        gtk_box_append (self->areas_box, widget);
        shown++;
      }
  gtk_stack_set_visible_child_name (self->stack, shown > 0 || self->show_hidden ? "areas" : "empty");
  update_taps (self);
  /* The benchmark splits the first paint: tiles built, then their trends. */
  if (shown > 0)
    bd_frame_stats_record_mark ("overview-built");
  query_trends (self);
  refresh_alarms (self);
}

/* --------------------------------------------------------- actions */

static void
toggle_tile_hidden_action (GtkWidget  *widget,
                           const char *action_name,
                           GVariant   *parameter)
{
  BdOverviewPage *self = BD_OVERVIEW_PAGE (widget);
  BdOverviewTileConfig *tile;

  if (self->config == NULL ||
      (tile = bd_overview_config_find_tile (self->config, g_variant_get_string (parameter, NULL),
                                            NULL)) == NULL)
    return;
  tile->hidden = !tile->hidden;
  save_and_rebuild (self);
}

static void
toggle_area_hidden_action (GtkWidget  *widget,
                           const char *action_name,
                           GVariant   *parameter)
{
  BdOverviewPage *self = BD_OVERVIEW_PAGE (widget);
  BdOverviewAreaConfig *area;

  if (self->config == NULL ||
      (area = bd_overview_config_find_area (self->config, g_variant_get_string (parameter, NULL))) == NULL)
    return;
  area->hidden = !area->hidden;
  save_and_rebuild (self);
}

static void
move_tile_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  BdOverviewPage *self = BD_OVERVIEW_PAGE (widget);
  const char *series;
  int delta;

  g_variant_get (parameter, "(&si)", &series, &delta);
  if (self->config != NULL && bd_overview_config_move_tile (self->config, series, delta))
    save_and_rebuild (self);
}

static void
move_area_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  BdOverviewPage *self = BD_OVERVIEW_PAGE (widget);
  const char *path;
  int delta;

  g_variant_get (parameter, "(&si)", &path, &delta);
  if (self->config != NULL && bd_overview_config_move_area (self->config, path, delta))
    save_and_rebuild (self);
}

static GtkWidget *
entry_row (GtkWidget  *group,
           const char *title,
           const char *text)
{
  GtkWidget *row = adw_entry_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  gtk_editable_set_text (GTK_EDITABLE (row), text != NULL ? text : "");
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
  return row;
}

static char *
dup_entry (GtkWidget *row)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));

  return text[0] != '\0' ? g_steal_pointer (&text) : NULL;
}

static void
edit_tile_response_cb (AdwMessageDialog *dialog,
                       const char       *response,
                       BdOverviewPage   *self)
{
  const char *series = g_object_get_data (G_OBJECT (dialog), "series");
  BdOverviewTileConfig *tile;
  g_autofree char *scale_text = NULL;
  double scale = 1.0;

  if (!g_str_equal (response, "save") || self->config == NULL ||
      (tile = bd_overview_config_find_tile (self->config, series, NULL)) == NULL)
    return;
  scale_text = dup_entry (g_object_get_data (G_OBJECT (dialog), "scale"));
  if (scale_text != NULL)
    {
      char *end = NULL;

      /* The user's locale first ("0,5"), then the C locale ("0.5"). */
      scale = g_strtod (scale_text, &end);
      if (end == NULL || *end != '\0' || !isfinite (scale) || scale == 0)
        {
          _bd_show_toast (GTK_WIDGET (self), adw_toast_new (_("The scale must be a number other than 0")));
          return;
        }
    }
  g_free (tile->label);
  tile->label = dup_entry (g_object_get_data (G_OBJECT (dialog), "label"));
  g_free (tile->unit);
  tile->unit = dup_entry (g_object_get_data (G_OBJECT (dialog), "unit"));
  tile->decimals = gtk_spin_button_get_value_as_int (g_object_get_data (G_OBJECT (dialog), "decimals"));
  tile->scale = scale;
  save_and_rebuild (self);
}

static void
edit_tile_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  BdOverviewPage *self = BD_OVERVIEW_PAGE (widget);
  const char *series = g_variant_get_string (parameter, NULL);
  BdOverviewTileConfig *tile;
  GtkWidget *dialog;
  GtkWidget *group;
  GtkWidget *row;
  GtkWidget *spin;
  char scale_text[G_ASCII_DTOSTR_BUF_SIZE];
  g_autofree char *label = NULL;

  if (self->config == NULL || (tile = bd_overview_config_find_tile (self->config, series, NULL)) == NULL)
    return;
  label = bd_overview_tile_config_dup_label (tile);
  dialog = adw_message_dialog_new (NULL, _("Edit Tile"), series);
  _bd_add_save_responses (ADW_MESSAGE_DIALOG (dialog));

  group = adw_preferences_group_new ();
  g_object_set_data (G_OBJECT (dialog), "label", entry_row (group, _("Label"), tile->label));
  g_object_set_data (G_OBJECT (dialog), "unit", entry_row (group, _("Unit"), tile->unit));
  g_snprintf (scale_text, sizeof scale_text, "%g", tile->scale);
  g_object_set_data (G_OBJECT (dialog), "scale", entry_row (group, _("Scale (shown = value × scale)"),
                                                             scale_text));
  row = adw_action_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Decimals"));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), _("−1: as many as the value has"));
  spin = gtk_spin_button_new_with_range (-1, 9, 1);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin), tile->decimals);
  gtk_widget_set_valign (spin, GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (spin), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Decimals"), -1);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), spin);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
  g_object_set_data (G_OBJECT (dialog), "decimals", spin);
  g_object_set_data_full (G_OBJECT (dialog), "series", g_strdup (series), g_free);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), group);
  g_signal_connect_object (dialog, "response", G_CALLBACK (edit_tile_response_cb), self, 0);
  _bd_present_dialog (GTK_WIDGET (self), GTK_WINDOW (dialog));
}

static void
rename_area_response_cb (AdwMessageDialog *dialog,
                         const char       *response,
                         BdOverviewPage   *self)
{
  BdOverviewAreaConfig *area;

  if (!g_str_equal (response, "save") || self->config == NULL ||
      (area = bd_overview_config_find_area (self->config,
                                            g_object_get_data (G_OBJECT (dialog), "path"))) == NULL)
    return;
  g_free (area->label);
  area->label = dup_entry (g_object_get_data (G_OBJECT (dialog), "label"));
  save_and_rebuild (self);
}

static void
rename_area_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  BdOverviewPage *self = BD_OVERVIEW_PAGE (widget);
  const char *path = g_variant_get_string (parameter, NULL);
  BdOverviewAreaConfig *area;
  GtkWidget *dialog;
  GtkWidget *group;

  if (self->config == NULL || (area = bd_overview_config_find_area (self->config, path)) == NULL)
    return;
  dialog = adw_message_dialog_new (NULL, _("Rename Area"), path);
  _bd_message_dialog_add_choice (ADW_MESSAGE_DIALOG (dialog), "save", _("_Rename"),
                                 ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  group = adw_preferences_group_new ();
  g_object_set_data (G_OBJECT (dialog), "label", entry_row (group, _("Label"), area->label));
  g_object_set_data_full (G_OBJECT (dialog), "path", g_strdup (path), g_free);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), group);
  g_signal_connect_object (dialog, "response", G_CALLBACK (rename_area_response_cb), self, 0);
  _bd_present_dialog (GTK_WIDGET (self), GTK_WINDOW (dialog));
}

/* --------------------------------------------------------- the view */

/* Tiles out of view draw nothing (bd-overview-tile.c); when the view moves
 * (a scroll, a resize, a relayout) those that came into view are drawn in
 * the same frame. */
static void
update_view (BdOverviewPage *self)
{
  GHashTableIter iter;
  gpointer tile;

  g_hash_table_iter_init (&iter, self->tiles);
  while (g_hash_table_iter_next (&iter, NULL, &tile))
    bd_overview_tile_update_view (tile);
}

/* --------------------------------------------------------- wall screen */

/* On a wall screen the type grows with the width, so a 4K panel across a
 * room reads like a laptop at arm's length. */
static void
bd_overview_page_size_allocate (GtkWidget *widget,
                                int        width,
                                int        height,
                                int        baseline)
{
  BdOverviewPage *self = BD_OVERVIEW_PAGE (widget);

  if (self->wall)
    {
      double scale = CLAMP (width / 1000.0, 1.0, 4.0);

      /* Steps of a tenth, so a resize by a few pixels restyles nothing. */
      scale = round (scale * 10) / 10;
      if (scale != self->wall_scale)
        {
          g_autofree char *css = NULL;
          char number[G_ASCII_DTOSTR_BUF_SIZE];

          self->wall_scale = scale;
          g_ascii_formatd (number, sizeof number, "%.1f", scale * 100);
          css = g_strdup_printf ("overviewpage.wall { font-size: %s%%; }", number);
          gtk_css_provider_load_from_data (self->wall_css, css, -1);
        }
    }
  GTK_WIDGET_CLASS (bd_overview_page_parent_class)->size_allocate (widget, width, height, baseline);
  /* Every tile has its place now: a relayout may have moved some into view. */
  update_view (self);
}

/* --------------------------------------------------------- loading */

static void
load_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(BdOverviewPage) self = user_data;
  g_autoptr(GError) error = NULL;
  BdOverviewConfig *config = bd_service_load_overview_finish (BD_SERVICE (source), result, &error);

  if (config == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      {
        /* Translators: a toast, with the reason */
        g_autofree char *text = g_strdup_printf (_("The overview cannot be read: %s"), error->message);

        _bd_show_toast (GTK_WIDGET (self), adw_toast_new (text));
      }
      config = bd_overview_config_new ();
      self->saving = TRUE;
      bd_service_set_overview (BD_SERVICE (source), config);
      self->saving = FALSE;
    }
  bd_frame_stats_record_mark ("overview-loaded");
  self->config = config;
  /* The worker reads the trends while this thread builds the tiles. */
  query_trends (self);
  rebuild (self);
  g_signal_emit (self, signals[LOADED], 0, config->is_new);
}

static void
on_overview_changed_cb (BdOverviewPage *self)
{
  if (self->saving || self->config == NULL)
    return;
  self->config = bd_service_get_overview (self->service);
  queue_rebuild (self);
}

static void
clear_service (BdOverviewPage *self)
{
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  remove_taps (self);
  g_clear_pointer (&self->outbox, bd_topic_outbox_free);
  if (self->alarms != NULL)
    g_signal_handlers_disconnect_by_data (bd_alarm_engine_get_alarms (self->alarms), self);
  if (self->relays != NULL)
    g_signal_handlers_disconnect_by_data (self->relays, self);
  g_clear_object (&self->alarms);
  g_clear_object (&self->relays);
  g_clear_pointer (&self->history, bd_history_unref);
  g_clear_pointer (&self->engine, bd_engine_unref);
  if (self->service != NULL)
    g_signal_handlers_disconnect_by_data (self->service, self);
  self->config = NULL;
  g_clear_object (&self->service);
  g_clear_handle_id (&self->timer_id, g_source_remove);
  g_clear_handle_id (&self->rebuild_id, g_source_remove);
}

static void
bd_overview_page_dispose (GObject *object)
{
  BdOverviewPage *self = BD_OVERVIEW_PAGE (object);

  clear_service (self);
  if (self->wall_css != NULL)
    gtk_style_context_remove_provider_for_display (gdk_display_get_default (),
                                                   GTK_STYLE_PROVIDER (self->wall_css));
  g_clear_object (&self->wall_css);
  g_clear_pointer (&self->tiles, g_hash_table_unref);
  g_clear_pointer (&self->topic_tiles, g_hash_table_unref);
  g_clear_pointer (&self->taps, g_hash_table_unref);
  g_clear_pointer (&self->queried, g_hash_table_unref);
  g_clear_pointer (&self->banner_text, g_free);
  gtk_widget_dispose_template (GTK_WIDGET (self), BD_TYPE_OVERVIEW_PAGE);

  G_OBJECT_CLASS (bd_overview_page_parent_class)->dispose (object);
}

static void
bd_overview_page_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  BdOverviewPage *self = BD_OVERVIEW_PAGE (object);

  switch (prop_id)
    {
    case PROP_SHOW_HIDDEN:
      g_value_set_boolean (value, self->show_hidden);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bd_overview_page_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  BdOverviewPage *self = BD_OVERVIEW_PAGE (object);

  switch (prop_id)
    {
    case PROP_SHOW_HIDDEN:
      if (self->show_hidden != g_value_get_boolean (value))
        {
          self->show_hidden = g_value_get_boolean (value);
          rebuild (self);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bd_overview_page_class_init (BdOverviewPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bd_overview_page_dispose;
  object_class->get_property = bd_overview_page_get_property;
  object_class->set_property = bd_overview_page_set_property;
  widget_class->size_allocate = bd_overview_page_size_allocate;

  properties[PROP_SHOW_HIDDEN] =
    g_param_spec_boolean ("show-hidden", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[LOADED] = g_signal_new ("loaded", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_BOOLEAN);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/brokerdesk/Brokerdesk/bd-overview-page.ui");
  gtk_widget_class_set_css_name (widget_class, "overviewpage");
  gtk_widget_class_bind_template_child (widget_class, BdOverviewPage, banner_revealer);
  gtk_widget_class_bind_template_child (widget_class, BdOverviewPage, banner_box);
  gtk_widget_class_bind_template_child (widget_class, BdOverviewPage, banner_icon);
  gtk_widget_class_bind_template_child (widget_class, BdOverviewPage, banner_label);
  gtk_widget_class_bind_template_child (widget_class, BdOverviewPage, stack);
  gtk_widget_class_bind_template_child (widget_class, BdOverviewPage, toolbar);
  gtk_widget_class_bind_template_child (widget_class, BdOverviewPage, areas_box);

  gtk_widget_class_install_property_action (widget_class, "overview.show-hidden", "show-hidden");
  gtk_widget_class_install_action (widget_class, "overview.edit-tile", "s", edit_tile_action);
  gtk_widget_class_install_action (widget_class, "overview.move-tile", "(si)", move_tile_action);
  gtk_widget_class_install_action (widget_class, "overview.toggle-tile-hidden", "s",
                                   toggle_tile_hidden_action);
  gtk_widget_class_install_action (widget_class, "overview.rename-area", "s", rename_area_action);
  gtk_widget_class_install_action (widget_class, "overview.move-area", "(si)", move_area_action);
  gtk_widget_class_install_action (widget_class, "overview.toggle-area-hidden", "s",
                                   toggle_area_hidden_action);
}

static void
bd_overview_page_init (BdOverviewPage *self)
{
  GtkWidget *viewport;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->tiles = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->topic_tiles = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                             (GDestroyNotify) g_ptr_array_unref);
  self->taps = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->queried = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->wall_css = gtk_css_provider_new ();
  gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                              GTK_STYLE_PROVIDER (self->wall_css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION + 1);
  gtk_stack_set_visible_child_name (self->stack, "empty");
  /* The scrolled window put the areas in a viewport; scrolling moves only
   * that, without allocating the page. */
  viewport = gtk_widget_get_ancestor (GTK_WIDGET (self->areas_box), GTK_TYPE_VIEWPORT);
  if (viewport != NULL)
    g_signal_connect_object (gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (viewport)),
                             "value-changed", G_CALLBACK (update_view), self, G_CONNECT_SWAPPED);
}

GtkWidget *
bd_overview_page_new (void)
{
  return g_object_new (BD_TYPE_OVERVIEW_PAGE, NULL);
}

void
bd_overview_page_set_service (BdOverviewPage *self,
                              BdService      *service)
{
  g_return_if_fail (BD_IS_OVERVIEW_PAGE (self));
  g_return_if_fail (service == NULL || BD_IS_SERVICE (service));

  if (self->service == service)
    return;
  clear_service (self);
  g_hash_table_remove_all (self->queried);
  if (service == NULL)
    return;

  self->service = g_object_ref (service);
  self->cancellable = g_cancellable_new ();
  self->engine = bd_engine_ref (bd_service_get_engine (service));
  if (bd_service_get_history (service) != NULL)
    self->history = bd_history_ref (bd_service_get_history (service));
  self->outbox = bd_topic_outbox_new (NULL, outbox_flush_cb, self);
  if (bd_service_get_alarms (service) != NULL)
    {
      self->alarms = g_object_ref (bd_service_get_alarms (service));
      g_signal_connect_object (bd_alarm_engine_get_alarms (self->alarms), "items-changed",
                               G_CALLBACK (on_alarms_changed_cb), self, G_CONNECT_SWAPPED);
    }
  if (bd_service_get_relays (service) != NULL)
    {
      self->relays = g_object_ref (bd_service_get_relays (service));
      /* Relays are few and seldom change: their areas are rebuilt. */
      g_signal_connect_object (self->relays, "items-changed", G_CALLBACK (queue_rebuild), self,
                               G_CONNECT_SWAPPED);
    }
  /* Another page may add a tile ("Add to Overview" in the topic menu). */
  g_signal_connect_swapped (service, "overview-changed", G_CALLBACK (on_overview_changed_cb), self);
  self->timer_id = g_timeout_add_seconds (1, timer_cb, self);
  bd_service_load_overview_async (service, self->cancellable, load_cb, g_object_ref (self));
}

void
bd_overview_page_set_wall_mode (BdOverviewPage *self,
                                gboolean        wall)
{
  g_return_if_fail (BD_IS_OVERVIEW_PAGE (self));

  wall = !!wall;
  if (self->wall == wall)
    return;
  self->wall = wall;
  self->wall_scale = 0;
  gtk_widget_set_visible (GTK_WIDGET (self->toolbar), !wall);
  if (wall)
    gtk_widget_add_css_class (GTK_WIDGET (self), "wall");
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self), "wall");
      gtk_css_provider_load_from_data (self->wall_css, "", -1);
    }
  /* No editing on a wall: hidden stays hidden, and the menus go. */
  if (wall && self->show_hidden)
    g_object_set (self, "show-hidden", FALSE, NULL);
  else
    rebuild (self);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

gboolean
bd_overview_page_get_wall_mode (BdOverviewPage *self)
{
  g_return_val_if_fail (BD_IS_OVERVIEW_PAGE (self), FALSE);

  return self->wall;
}

GStrv
bd_overview_page_dup_series (BdOverviewPage *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_return_val_if_fail (BD_IS_OVERVIEW_PAGE (self), NULL);

  for (guint i = 0; self->config != NULL && i < self->config->areas->len; i++)
    {
      BdOverviewAreaConfig *area = g_ptr_array_index (self->config->areas, i);

      if (area->hidden)
        continue;
      for (guint j = 0; j < area->tiles->len; j++)
        {
          BdOverviewTileConfig *tile = g_ptr_array_index (area->tiles, j);

          if (!tile->hidden)
            g_strv_builder_add (builder, tile->series);
        }
    }
  return g_strv_builder_end (builder);
}

BdOverviewTile *
bd_overview_page_get_tile (BdOverviewPage *self,
                           const char     *series)
{
  g_return_val_if_fail (BD_IS_OVERVIEW_PAGE (self), NULL);

  return g_hash_table_lookup (self->tiles, series);
}

BdOverviewConfig *
bd_overview_page_get_config (BdOverviewPage *self)
{
  g_return_val_if_fail (BD_IS_OVERVIEW_PAGE (self), NULL);

  return self->config;
}

const char *
bd_overview_page_get_banner (BdOverviewPage *self)
{
  g_return_val_if_fail (BD_IS_OVERVIEW_PAGE (self), NULL);

  return self->banner_text;
}
