/* bd-overview-tile.c — one sensor series on the Overview page
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * ISA-101 style: a tile in the normal state is grey, with no colour at all,
 * so that colour means one thing, an alarm. An alarm colours the tile by
 * priority and also shows the priority's own icon shape and its name in
 * words, so it reads without colour, in high contrast and to a screen
 * reader. Stale data (nothing came for a while) is greyed further and says
 * so. The value updates at most once per topic outbox flush, and the label
 * text only when the shown text changes.
 */

#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "bd-overview-tile.h"

struct _BdOverviewTile
{
  GtkFlowBoxChild       parent_instance;

  BdOverviewTileConfig  config;         /* a copy, strings owned */

  GtkBox               *box;
  GtkBox               *header;
  GtkLabel             *name_label;
  GtkImage             *alarm_image;    /* made with the first alarm */
  GtkMenuButton        *menu_button;
  GMenuModel           *menu;           /* shown by menu_button once opened */
  GtkLabel             *value_label;
  GtkLabel             *status_label;   /* made with the first status */
  BdOverviewTrend      *trend;

  double                value;          /* NAN before the first */
  gint64                last_time_ms;
  gboolean              stale;
  char                 *alarm_text;     /* NULL when normal */
  const char           *alarm_class;
};

G_DEFINE_FINAL_TYPE (BdOverviewTile, bd_overview_tile, GTK_TYPE_FLOW_BOX_CHILD)

static const char * const alarm_classes[] = {
  "alarm-low", "alarm-medium", "alarm-high", "alarm-critical",
};

/* Each priority its own shape, not only its own colour. */
static const char * const alarm_icons[] = {
  "dialog-information-symbolic",   /* low: a circle */
  "emblem-important-symbolic",     /* medium: a burst */
  "dialog-warning-symbolic",       /* high: a triangle */
  "dialog-error-symbolic",         /* critical: an octagon */
};

/* The alarm icon and the status line are made when first needed: most tiles
 * never show them, and 500 tiles' worth of hidden widgets (each with its
 * style and accessible object) added to the page's first paint. */
static void
ensure_alarm_image (BdOverviewTile *self)
{
  if (self->alarm_image != NULL)
    return;
  self->alarm_image = GTK_IMAGE (gtk_image_new ());
  gtk_widget_add_css_class (GTK_WIDGET (self->alarm_image), "tile-alarm-icon");
  /* The status label says the same in words. */
  gtk_accessible_update_state (GTK_ACCESSIBLE (self->alarm_image),
                               GTK_ACCESSIBLE_STATE_HIDDEN, TRUE, -1);
  gtk_box_insert_child_after (self->header, GTK_WIDGET (self->alarm_image),
                              GTK_WIDGET (self->name_label));
}

static void
ensure_status_label (BdOverviewTile *self)
{
  if (self->status_label != NULL)
    return;
  self->status_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->status_label, 0);
  gtk_label_set_wrap (self->status_label, TRUE);
  /* A wrapping label asks for its whole text's width; tiles share one
   * width per area, so an alarm's words would widen every tile of the
   * area. Asking for a few characters lets them wrap inside the tile. */
  gtk_label_set_max_width_chars (self->status_label, 10);
  gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "tile-status");
  gtk_box_append (self->box, GTK_WIDGET (self->status_label));
}

static void
update_text (BdOverviewTile *self)
{
  g_autofree char *label = bd_overview_tile_dup_label (self);
  g_autofree char *value = isnan (self->value) ? g_strdup (_("No value yet"))
                                               : bd_overview_tile_format (self, self->value);
  g_autofree char *accessible = NULL;
  const char *status = NULL;

  gtk_label_set_label (self->name_label, label);
  if (g_strcmp0 (gtk_label_get_label (self->value_label), value) != 0)
    gtk_label_set_label (self->value_label, value);

  if (self->alarm_text != NULL)
    status = self->alarm_text;
  else if (self->stale)
    status = _("Stale: no recent data");
  else if (self->config.hidden)
    status = _("Hidden");
  if (status != NULL)
    ensure_status_label (self);
  if (self->status_label != NULL)
    {
      gtk_label_set_label (self->status_label, status != NULL ? status : "");
      gtk_widget_set_visible (GTK_WIDGET (self->status_label), status != NULL);
    }

  /* Translators: a tile's accessible name: "Temperature, 23.4 °C, Hi · High priority" */
  accessible = status != NULL ? g_strdup_printf (_("%s, %s, %s"), label, value, status)
                              : g_strdup_printf (_("%s, %s"), label, value);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, accessible,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, self->config.series,
                                  -1);
  if (self->menu_button != NULL)
    {
      /* Translators: the tile menu button's accessible name, "Menu of Temperature" */
      g_autofree char *menu = g_strdup_printf (_("Menu of %s"), label);

      gtk_accessible_update_property (GTK_ACCESSIBLE (self->menu_button),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, menu, -1);
    }
}

static void
bd_overview_tile_finalize (GObject *object)
{
  BdOverviewTile *self = BD_OVERVIEW_TILE (object);

  g_free (self->config.series);
  g_free (self->config.label);
  g_free (self->config.unit);
  g_free (self->alarm_text);
  g_clear_object (&self->menu);

  G_OBJECT_CLASS (bd_overview_tile_parent_class)->finalize (object);
}

static void
bd_overview_tile_class_init (BdOverviewTileClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = bd_overview_tile_finalize;
  gtk_widget_class_set_css_name (widget_class, "overviewtile");
}

/* The popover is made when the menu is first opened: a popover menu per
 * tile, made with the tile, cost most of the time 500 tiles took to build. */
static void
create_popup_cb (GtkMenuButton *button,
                 gpointer       user_data)
{
  BdOverviewTile *self = user_data;

  gtk_menu_button_set_menu_model (button, self->menu);
}

static void
bd_overview_tile_init (BdOverviewTile *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  GtkWidget *header = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);

  self->box = GTK_BOX (box);
  self->header = GTK_BOX (header);

  self->value = NAN;
  self->config.decimals = -1;
  self->config.scale = 1.0;

  self->name_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->name_label, 0);
  gtk_label_set_ellipsize (self->name_label, PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (GTK_WIDGET (self->name_label), TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self->name_label), "tile-name");
  gtk_box_append (GTK_BOX (header), GTK_WIDGET (self->name_label));

  self->menu_button = GTK_MENU_BUTTON (gtk_menu_button_new ());
  gtk_menu_button_set_icon_name (self->menu_button, "view-more-symbolic");
  gtk_widget_add_css_class (GTK_WIDGET (self->menu_button), "flat");
  gtk_widget_set_valign (GTK_WIDGET (self->menu_button), GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->menu_button), _("Tile Menu"));
  gtk_widget_set_visible (GTK_WIDGET (self->menu_button), FALSE);
  gtk_menu_button_set_create_popup_func (self->menu_button, create_popup_cb, self, NULL);
  gtk_box_append (GTK_BOX (header), GTK_WIDGET (self->menu_button));
  gtk_box_append (GTK_BOX (box), header);

  self->value_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->value_label, 0);
  gtk_widget_add_css_class (GTK_WIDGET (self->value_label), "tile-value");
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->value_label));

  self->trend = BD_OVERVIEW_TREND (bd_overview_trend_new ());
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->trend));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->trend),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Trend of the last 15 minutes"),
                                  -1);

  gtk_flow_box_child_set_child (GTK_FLOW_BOX_CHILD (self), box);
}

BdOverviewTile *
bd_overview_tile_new (const BdOverviewTileConfig *config)
{
  BdOverviewTile *self = g_object_new (BD_TYPE_OVERVIEW_TILE, NULL);

  bd_overview_tile_set_config (self, config);
  return self;
}

const char *
bd_overview_tile_get_series (BdOverviewTile *self)
{
  g_return_val_if_fail (BD_IS_OVERVIEW_TILE (self), NULL);

  return self->config.series;
}

void
bd_overview_tile_set_config (BdOverviewTile             *self,
                             const BdOverviewTileConfig *config)
{
  g_return_if_fail (BD_IS_OVERVIEW_TILE (self));
  g_return_if_fail (config != NULL);

  g_free (self->config.series);
  g_free (self->config.label);
  g_free (self->config.unit);
  self->config = *config;
  self->config.series = g_strdup (config->series);
  self->config.label = g_strdup (config->label);
  self->config.unit = g_strdup (config->unit);
  if (self->config.hidden)
    gtk_widget_add_css_class (GTK_WIDGET (self), "hidden-tile");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self), "hidden-tile");
  update_text (self);
}

void
bd_overview_tile_set_value (BdOverviewTile *self,
                            double          value,
                            gint64          time_ms)
{
  g_return_if_fail (BD_IS_OVERVIEW_TILE (self));

  bd_overview_trend_add (self->trend, time_ms, value * self->config.scale);
  if (time_ms < self->last_time_ms)
    return;    /* a history answer older than a live value */
  self->last_time_ms = time_ms;
  if (self->value == value && !self->stale)
    return;
  self->value = value;
  if (self->stale)
    {
      self->stale = FALSE;
      gtk_widget_remove_css_class (GTK_WIDGET (self), "stale");
    }
  update_text (self);
}

void
bd_overview_tile_set_alarm (BdOverviewTile *self,
                            BdAlarm        *alarm)
{
  g_autofree char *text = NULL;
  const char *klass = NULL;

  g_return_if_fail (BD_IS_OVERVIEW_TILE (self));

  if (alarm != NULL)
    {
      BdAlarmPriority priority = bd_alarm_get_priority (alarm);
      BdAlarmState state = bd_alarm_get_state (alarm);

      klass = alarm_classes[CLAMP (priority, 0, (int) G_N_ELEMENTS (alarm_classes) - 1)];
      /* Translators: a tile's alarm: "Hi · High priority · Unacknowledged" */
      text = g_strdup_printf (_("%s · %s priority · %s"),
                              bd_alarm_level_to_label (bd_alarm_get_level (alarm)),
                              bd_alarm_priority_to_label (priority),
                              bd_alarm_state_to_label (state));
      ensure_alarm_image (self);
      gtk_image_set_from_icon_name (self->alarm_image,
                                    alarm_icons[CLAMP (priority, 0, (int) G_N_ELEMENTS (alarm_icons) - 1)]);
      if (state == BD_ALARM_STATE_UNACK || state == BD_ALARM_STATE_RTN_UNACK)
        gtk_widget_add_css_class (GTK_WIDGET (self), "unacknowledged");
      else
        gtk_widget_remove_css_class (GTK_WIDGET (self), "unacknowledged");
    }
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self), "unacknowledged");

  if (g_strcmp0 (text, self->alarm_text) == 0 && klass == self->alarm_class)
    return;
  if (self->alarm_class != NULL)
    gtk_widget_remove_css_class (GTK_WIDGET (self), self->alarm_class);
  self->alarm_class = klass;
  if (klass != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self), klass);
  if (self->alarm_image != NULL)
    gtk_widget_set_visible (GTK_WIDGET (self->alarm_image), alarm != NULL);
  g_free (self->alarm_text);
  self->alarm_text = g_steal_pointer (&text);
  update_text (self);
}

void
bd_overview_tile_check_stale (BdOverviewTile *self,
                              gint64          now_ms,
                              gint64          stale_ms)
{
  gboolean stale;

  g_return_if_fail (BD_IS_OVERVIEW_TILE (self));

  stale = self->last_time_ms > 0 && now_ms - self->last_time_ms > stale_ms;
  if (stale == self->stale)
    return;
  self->stale = stale;
  if (stale)
    gtk_widget_add_css_class (GTK_WIDGET (self), "stale");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self), "stale");
  update_text (self);
}

gboolean
bd_overview_tile_get_stale (BdOverviewTile *self)
{
  g_return_val_if_fail (BD_IS_OVERVIEW_TILE (self), FALSE);

  return self->stale;
}

gint64
bd_overview_tile_get_last_time (BdOverviewTile *self)
{
  g_return_val_if_fail (BD_IS_OVERVIEW_TILE (self), 0);

  return self->last_time_ms;
}

void
bd_overview_tile_set_menu (BdOverviewTile *self,
                           GMenuModel     *menu)
{
  g_return_if_fail (BD_IS_OVERVIEW_TILE (self));

  g_set_object (&self->menu, menu);
  if (gtk_menu_button_get_menu_model (self->menu_button) != NULL)
    gtk_menu_button_set_menu_model (self->menu_button, menu);
  gtk_widget_set_visible (GTK_WIDGET (self->menu_button), menu != NULL);
}

char *
bd_overview_tile_format (BdOverviewTile *self,
                         double          value)
{
  g_return_val_if_fail (BD_IS_OVERVIEW_TILE (self), NULL);

  return bd_overview_tile_config_format_value (&self->config, value);
}

char *
bd_overview_tile_dup_label (BdOverviewTile *self)
{
  g_return_val_if_fail (BD_IS_OVERVIEW_TILE (self), NULL);

  return bd_overview_tile_config_dup_label (&self->config);
}

BdOverviewTrend *
bd_overview_tile_get_trend (BdOverviewTile *self)
{
  g_return_val_if_fail (BD_IS_OVERVIEW_TILE (self), NULL);

  return self->trend;
}
