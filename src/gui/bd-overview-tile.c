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
 *
 * A tile out of its scrolled view draws nothing but its box. GTK 4.8's
 * cairo renderer walks every node of the window for each frame that
 * changes anything: with 500 tiles drawn, a frame in which a few visible
 * values changed took 13 ms of the main thread, nearly all of it tiles
 * nobody could see; culled, about 5 ms. The page tells the tiles when the
 * view moves (bd_overview_tile_update_view ()), so a tile coming into view
 * is drawn in the same frame.
 */

#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "bd-gui-util.h"
#include "bd-overview-tile.h"

struct _BdOverviewTile
{
  GtkFlowBoxChild       parent_instance;

  BdOverviewTileConfig  config;         /* a copy, strings owned */

  /* The tile draws its name, value and status line itself: 500 tiles of
   * boxes and labels were most of the page's first paint. Its children are
   * the menu button and, once needed, the alarm icon. */
  PangoLayout          *name_layout;
  PangoLayout          *value_layout;
  PangoLayout          *status_layout;  /* made with the first status */
  GtkImage             *alarm_image;    /* made with the first alarm */
  GtkButton            *menu_button;   /* shown unless on a wall screen */
  GtkPopover           *menu_popover;  /* made when first opened */
  BdOverviewTrend      *trend;          /* drawn by the tile */
  int                   trend_y;        /* where, from the allocation */
  gboolean              wall;
  int                   name_width;     /* the name's whole width, and its height */
  int                   name_height;
  guint                 name_serial;    /* the Pango context's when measured */
  int                   value_width;    /* the value's width the size was measured with */
  char                 *value_shape;    /* that value's shape (value_shape ()), or NULL */
  gboolean              culled;         /* the last snapshot was out of view: drew nothing */

  double                value;          /* NAN before the first */
  gint64                last_time_ms;
  gboolean              stale;
  char                 *alarm_text;     /* NULL when normal */
  const char           *alarm_class;
  char                 *accessible;     /* the accessible name last set */
};

G_DEFINE_FINAL_TYPE (BdOverviewTile, bd_overview_tile, GTK_TYPE_FLOW_BOX_CHILD)

/* The space between the header, the value, the trend and the status line,
 * and between the name, the alarm icon and the menu button. */
#define ROW_SPACING 4
#define HEADER_SPACING 6
/* The trend is drawn faint: the value is what the eye should find first. */
#define TREND_OPACITY 0.6

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

/* The alarm icon is made when first needed: most tiles never show it. It
 * stays a widget so that its colour comes from the theme's style sheet
 * (high contrast included). */
static void
ensure_alarm_image (BdOverviewTile *self)
{
  if (self->alarm_image != NULL)
    return;
  self->alarm_image = GTK_IMAGE (gtk_image_new ());
  gtk_widget_add_css_class (GTK_WIDGET (self->alarm_image), "tile-alarm-icon");
  /* The tile's accessible name says the same in words. */
  gtk_accessible_update_state (GTK_ACCESSIBLE (self->alarm_image),
                               GTK_ACCESSIBLE_STATE_HIDDEN, TRUE, -1);
  gtk_widget_insert_before (GTK_WIDGET (self->alarm_image), GTK_WIDGET (self),
                            GTK_WIDGET (self->menu_button));
}

/* The value's look: 1.8 times the tile's type, or 2.4 on a wall screen,
 * bold, with figures of one width so a changing value does not jitter. */
static void
update_value_attributes (BdOverviewTile *self)
{
  PangoAttrList *attrs = pango_attr_list_new ();

  pango_attr_list_insert (attrs, pango_attr_scale_new (self->wall ? 2.4 : 1.8));
  pango_attr_list_insert (attrs, pango_attr_weight_new (PANGO_WEIGHT_BOLD));
  pango_attr_list_insert (attrs, pango_attr_font_features_new ("tnum=1"));
  pango_layout_set_attributes (self->value_layout, attrs);
  pango_attr_list_unref (attrs);
}

static gboolean
set_layout_text (PangoLayout *layout,
                 const char  *text)
{
  if (g_strcmp0 (pango_layout_get_text (layout), text) == 0)
    return FALSE;
  pango_layout_set_text (layout, text, -1);
  return TRUE;
}

static int
layout_width (PangoLayout *layout)
{
  int width;

  pango_layout_get_pixel_size (layout, &width, NULL);
  return width;
}

/* @text with every digit a '0': in a font whose digits are all as wide,
 * values of the same shape are as wide as each other. */
static char *
value_shape (const char *text)
{
  char *shape = g_strdup (text);

  for (char *p = shape; *p != '\0'; p++)
    if (g_ascii_isdigit (*p))
      *p = '0';
  return shape;
}

/* Whether every digit is as wide as the others in the value's font (the
 * value asks for tabular figures, which most fonts have): shaped once per
 * font, and shared by the tiles, which all have the same. */
static gboolean
digits_tabular (BdOverviewTile *self)
{
  static GHashTable *fonts;    /* font and scale → tabular */
  PangoContext *context = pango_layout_get_context (self->value_layout);
  g_autofree char *font = pango_font_description_to_string (pango_context_get_font_description (context));
  g_autofree char *key = g_strdup_printf ("%s %d", font, self->wall);
  g_autoptr(PangoLayout) digits = NULL;
  gpointer known;
  gboolean tabular = TRUE;
  PangoRectangle zero;

  if (fonts == NULL)
    fonts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  if (g_hash_table_lookup_extended (fonts, key, NULL, &known))
    return GPOINTER_TO_INT (known);
  digits = pango_layout_copy (self->value_layout);
  pango_layout_set_text (digits, "0123456789", -1);
  pango_layout_index_to_pos (digits, 0, &zero);
  for (int i = 1; i < 10 && tabular; i++)
    {
      PangoRectangle digit;

      pango_layout_index_to_pos (digits, i, &digit);
      tabular = digit.width == zero.width;
    }
  g_hash_table_insert (fonts, g_steal_pointer (&key), GINT_TO_POINTER (tabular));
  return tabular;
}

static void
update_text (BdOverviewTile *self)
{
  g_autofree char *label = bd_overview_tile_dup_label (self);
  g_autofree char *value = isnan (self->value) ? g_strdup (_("No value yet"))
                                               : bd_overview_tile_format (self, self->value);
  g_autofree char *accessible = NULL;
  const char *status = NULL;
  gboolean resize = FALSE;
  gboolean redraw = FALSE;

  if (set_layout_text (self->name_layout, label))
    {
      /* Translators: the tile menu button's accessible name, "Menu of Temperature" */
      g_autofree char *menu = g_strdup_printf (_("Menu of %s"), label);

      gtk_accessible_update_property (GTK_ACCESSIBLE (self->menu_button),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, menu, -1);
      self->name_serial = 0;
      resize = TRUE;    /* a rename: the tile asks for the name's width */
    }
  if (set_layout_text (self->value_layout, value))
    {
      g_autofree char *shape = value_shape (value);

      /* A value that fits the measured width only needs drawing: a reading
       * a second on 500 tiles must not lay out the page again. Before the
       * first measure there is no width to keep, and shaping the text now,
       * in a font the tile may not have yet, would be done again. A value
       * of the measured one's shape fits without being shaped here at all:
       * a tile out of view never shapes its values, one in view when it is
       * drawn. */
      if (self->value_width == 0)
        resize = TRUE;
      else if (g_strcmp0 (shape, self->value_shape) == 0)
        redraw = TRUE;
      else if (layout_width (self->value_layout) > self->value_width)
        resize = TRUE;
      else
        redraw = TRUE;
    }

  if (self->alarm_text != NULL)
    status = self->alarm_text;
  else if (self->stale)
    status = _("Stale: no recent data");
  else if (self->config.hidden)
    status = _("Hidden");
  if (status != NULL && self->status_layout == NULL)
    {
      PangoAttrList *attrs = pango_attr_list_new ();

      self->status_layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), NULL);
      pango_layout_set_wrap (self->status_layout, PANGO_WRAP_WORD_CHAR);
      pango_attr_list_insert (attrs, pango_attr_scale_new (0.9));
      pango_attr_list_insert (attrs, pango_attr_weight_new (PANGO_WEIGHT_BOLD));
      pango_layout_set_attributes (self->status_layout, attrs);
      pango_attr_list_unref (attrs);
    }
  if (self->status_layout != NULL && set_layout_text (self->status_layout, status != NULL ? status : ""))
    resize = TRUE;    /* the status line comes, goes or wraps differently */

  if (resize)
    gtk_widget_queue_resize (GTK_WIDGET (self));
  else if (redraw)
    gtk_widget_queue_draw (GTK_WIDGET (self));

  /* Translators: a tile's accessible name: "Temperature, 23.4 °C, Hi · High priority" */
  accessible = status != NULL ? g_strdup_printf (_("%s, %s, %s"), label, value, status)
                              : g_strdup_printf (_("%s, %s"), label, value);
  if (g_strcmp0 (accessible, self->accessible) != 0)
    {
      gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, accessible,
                                      GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, self->config.series,
                                      -1);
      g_free (self->accessible);
      self->accessible = g_steal_pointer (&accessible);
    }
}

/* The name's whole width is measured once for its text and font, not in
 * every measure: setting the layout's width back and forth would shape the
 * text again each time. */
static void
ensure_name_size (BdOverviewTile *self)
{
  guint serial = pango_context_get_serial (pango_layout_get_context (self->name_layout));

  if (serial == self->name_serial && self->name_serial != 0)
    return;
  pango_layout_set_width (self->name_layout, -1);
  pango_layout_get_pixel_size (self->name_layout, &self->name_width, &self->name_height);
  self->name_serial = serial;
}

/* Whether the tile lies at least partly inside the visible part of the
 * scrolled view it is in (always, outside one). Measured against the
 * viewport's child and the scroll adjustments rather than the window, so
 * that the answer is right as soon as the adjustment moves, before the
 * viewport has moved its child. */
static gboolean
in_view (BdOverviewTile *self)
{
  GtkWidget *viewport = gtk_widget_get_ancestor (GTK_WIDGET (self), GTK_TYPE_VIEWPORT);
  GtkWidget *content;
  GtkAdjustment *hadjustment;
  GtkAdjustment *vadjustment;
  graphene_rect_t bounds;

  if (viewport == NULL || (content = gtk_viewport_get_child (GTK_VIEWPORT (viewport))) == NULL ||
      !gtk_widget_compute_bounds (GTK_WIDGET (self), content, &bounds))
    return TRUE;
  hadjustment = gtk_scrollable_get_hadjustment (GTK_SCROLLABLE (viewport));
  vadjustment = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (viewport));
  if (vadjustment != NULL &&
      (bounds.origin.y >= gtk_adjustment_get_value (vadjustment) + gtk_adjustment_get_page_size (vadjustment) ||
       bounds.origin.y + bounds.size.height <= gtk_adjustment_get_value (vadjustment)))
    return FALSE;
  if (hadjustment != NULL &&
      (bounds.origin.x >= gtk_adjustment_get_value (hadjustment) + gtk_adjustment_get_page_size (hadjustment) ||
       bounds.origin.x + bounds.size.width <= gtk_adjustment_get_value (hadjustment)))
    return FALSE;
  return TRUE;
}

static gboolean
shows_status (BdOverviewTile *self)
{
  return self->status_layout != NULL && *pango_layout_get_text (self->status_layout) != '\0';
}

static gboolean
child_shown (GtkWidget *child)
{
  return child != NULL && gtk_widget_get_visible (child);
}

static int
header_height (BdOverviewTile *self)
{
  int height;

  ensure_name_size (self);
  height = self->name_height;
  if (child_shown (GTK_WIDGET (self->menu_button)))
    {
      int button;

      gtk_widget_measure (GTK_WIDGET (self->menu_button), GTK_ORIENTATION_VERTICAL, -1,
                          NULL, &button, NULL, NULL);
      height = MAX (height, button);
    }
  if (child_shown (GTK_WIDGET (self->alarm_image)))
    {
      int icon;

      gtk_widget_measure (GTK_WIDGET (self->alarm_image), GTK_ORIENTATION_VERTICAL, -1,
                          NULL, &icon, NULL, NULL);
      height = MAX (height, icon);
    }
  return height;
}

/* The width the header's icon and menu button take, spacing included. */
static int
header_controls_width (BdOverviewTile *self,
                       gboolean        natural)
{
  GtkWidget *controls[] = { GTK_WIDGET (self->alarm_image), GTK_WIDGET (self->menu_button) };
  int width = 0;

  for (guint i = 0; i < G_N_ELEMENTS (controls); i++)
    if (child_shown (controls[i]))
      {
        int min;
        int nat;

        gtk_widget_measure (controls[i], GTK_ORIENTATION_HORIZONTAL, -1, &min, &nat, NULL, NULL);
        width += HEADER_SPACING + (natural ? nat : min);
      }
  return width;
}

static int
trend_height (BdOverviewTile *self)
{
  return self->wall ? BD_OVERVIEW_TREND_WALL_HEIGHT : BD_OVERVIEW_TREND_HEIGHT;
}

static GtkSizeRequestMode
bd_overview_tile_get_request_mode (GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

static void
bd_overview_tile_measure (GtkWidget      *widget,
                          GtkOrientation  orientation,
                          int             for_size,
                          int            *minimum,
                          int            *natural,
                          int            *minimum_baseline,
                          int            *natural_baseline)
{
  BdOverviewTile *self = BD_OVERVIEW_TILE (widget);

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      /* The name is ellipsized; the value is always shown whole. */
      ensure_name_size (self);
      self->value_width = layout_width (self->value_layout);
      g_free (self->value_shape);
      self->value_shape = digits_tabular (self) ? value_shape (pango_layout_get_text (self->value_layout))
                                                : NULL;
      *minimum = MAX (MAX (header_controls_width (self, FALSE), self->value_width),
                      BD_OVERVIEW_TREND_MIN_WIDTH);
      *natural = MAX (MAX (self->name_width + header_controls_width (self, TRUE), self->value_width),
                      BD_OVERVIEW_TREND_NATURAL_WIDTH);
      return;
    }

  {
    int value_height;
    int height;

    pango_layout_get_pixel_size (self->value_layout, NULL, &value_height);
    height = header_height (self) + ROW_SPACING + value_height + ROW_SPACING + trend_height (self);
    *minimum = height;
    *natural = height;
    if (shows_status (self))
      {
        int status_height;

        pango_layout_set_width (self->status_layout,
                                for_size >= 0 ? for_size * PANGO_SCALE : -1);
        pango_layout_get_pixel_size (self->status_layout, NULL, &status_height);
        *minimum += ROW_SPACING + status_height;
        *natural += ROW_SPACING + status_height;
      }
  }
}

/* Places a shown @child of the header at its natural size, centred in the
 * header's @height, ending at *@x, and moves *@x before it. */
static void
allocate_header_control (GtkWidget *child,
                         int        height,
                         int       *x)
{
  int child_width;
  int child_height;

  if (!child_shown (child))
    return;
  gtk_widget_measure (child, GTK_ORIENTATION_HORIZONTAL, -1, NULL, &child_width, NULL, NULL);
  gtk_widget_measure (child, GTK_ORIENTATION_VERTICAL, child_width, NULL, &child_height, NULL, NULL);
  *x -= child_width;
  gtk_widget_size_allocate (child,
                            &(GtkAllocation) { *x, (height - child_height) / 2,
                                               child_width, child_height }, -1);
  *x -= HEADER_SPACING;
}

static void
bd_overview_tile_size_allocate (GtkWidget *widget,
                                int        width,
                                int        height,
                                int        baseline)
{
  BdOverviewTile *self = BD_OVERVIEW_TILE (widget);
  int header = header_height (self);
  int value_height;
  int x = width;

  /* The header: the name, then the alarm icon and the menu button at the end. */
  allocate_header_control (GTK_WIDGET (self->menu_button), header, &x);
  allocate_header_control (GTK_WIDGET (self->alarm_image), header, &x);
  pango_layout_set_width (self->name_layout, MAX (x, 0) * PANGO_SCALE);

  pango_layout_get_pixel_size (self->value_layout, NULL, &value_height);
  self->trend_y = header + ROW_SPACING + value_height + ROW_SPACING;
  if (self->status_layout != NULL)
    pango_layout_set_width (self->status_layout, width * PANGO_SCALE);
  if (self->menu_popover != NULL)
    gtk_popover_present (self->menu_popover);
}

static void
bd_overview_tile_snapshot (GtkWidget   *widget,
                           GtkSnapshot *snapshot)
{
  BdOverviewTile *self = BD_OVERVIEW_TILE (widget);
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  GtkStyleContext *style = gtk_widget_get_style_context (widget);
  G_GNUC_END_IGNORE_DEPRECATIONS
  GdkRGBA color;
  GdkRGBA value_color;
  int header;
  int value_height;

  /* Out of view: the box (drawn by GTK before this) and nothing else. */
  self->culled = !in_view (self);
  if (self->culled)
    return;

  header = header_height (self);
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (style, &color);
  G_GNUC_END_IGNORE_DEPRECATIONS
  value_color = color;
  /* A stale value is greyed further. */
  if (self->stale)
    value_color.alpha *= 0.5;

  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (0, (header - self->name_height) / 2));
  gtk_snapshot_append_layout (snapshot, self->name_layout, &color);
  gtk_snapshot_restore (snapshot);

  pango_layout_get_pixel_size (self->value_layout, NULL, &value_height);
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (0, header + ROW_SPACING));
  gtk_snapshot_append_layout (snapshot, self->value_layout, &value_color);
  gtk_snapshot_restore (snapshot);

  if (shows_status (self))
    {
      gtk_snapshot_save (snapshot);
      gtk_snapshot_translate (snapshot,
                              &GRAPHENE_POINT_INIT (0, header + ROW_SPACING + value_height + ROW_SPACING
                                                       + trend_height (self) + ROW_SPACING));
      gtk_snapshot_append_layout (snapshot, self->status_layout, &color);
      gtk_snapshot_restore (snapshot);
    }

  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (0, self->trend_y));
  gtk_snapshot_push_opacity (snapshot, TREND_OPACITY);
  bd_overview_trend_snapshot (self->trend, snapshot,
                              gtk_widget_get_width (widget), trend_height (self), &color);
  gtk_snapshot_pop (snapshot);
  gtk_snapshot_restore (snapshot);

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    gtk_widget_snapshot_child (widget, child, snapshot);
}

static void
bd_overview_tile_dispose (GObject *object)
{
  BdOverviewTile *self = BD_OVERVIEW_TILE (object);

  /* The menu button is the flow box child's own child, unparented by it. */
  g_clear_pointer ((GtkWidget **) &self->alarm_image, gtk_widget_unparent);
  /* Its parent, the menu button, does not know of it. */
  g_clear_pointer ((GtkWidget **) &self->menu_popover, gtk_widget_unparent);

  G_OBJECT_CLASS (bd_overview_tile_parent_class)->dispose (object);
}

static void
bd_overview_tile_finalize (GObject *object)
{
  BdOverviewTile *self = BD_OVERVIEW_TILE (object);

  g_free (self->config.series);
  g_free (self->config.label);
  g_free (self->config.unit);
  g_free (self->alarm_text);
  g_free (self->accessible);
  g_free (self->value_shape);
  g_clear_object (&self->name_layout);
  g_clear_object (&self->value_layout);
  g_clear_object (&self->status_layout);
  g_clear_object (&self->trend);

  G_OBJECT_CLASS (bd_overview_tile_parent_class)->finalize (object);
}

static void
bd_overview_tile_class_init (BdOverviewTileClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bd_overview_tile_dispose;
  object_class->finalize = bd_overview_tile_finalize;
  widget_class->get_request_mode = bd_overview_tile_get_request_mode;
  widget_class->measure = bd_overview_tile_measure;
  widget_class->size_allocate = bd_overview_tile_size_allocate;
  widget_class->snapshot = bd_overview_tile_snapshot;
  gtk_widget_class_set_css_name (widget_class, "overviewtile");
}

/* The window's and the Overview page's actions for this tile's series. */
static GMenuModel *
create_menu (BdOverviewTile *self)
{
  const char *series = self->config.series;
  g_autofree char *topic = bd_overview_series_dup_topic (series);
  GMenu *menu = g_menu_new ();
  g_autoptr(GMenu) go = g_menu_new ();
  g_autoptr(GMenu) edit = g_menu_new ();

  _bd_menu_append_item (go, _("Open _Chart"), "win.chart-topic", g_variant_new_string (topic));
  _bd_menu_append_item (go, _("Show _Topic"), "win.show-topic", g_variant_new_string (topic));
  _bd_menu_append_item (go, _("_Alarm Rule…"), "win.add-alarm", g_variant_new_string (topic));
  _bd_menu_append_item (go, _("_Relays"), "win.show-page", g_variant_new_string ("relays"));
  _bd_menu_append_item (edit, _("_Edit Tile…"), "overview.edit-tile",
                        g_variant_new_string (series));
  _bd_menu_append_item (edit, _("Move _Earlier"), "overview.move-tile",
                        g_variant_new ("(si)", series, -1));
  _bd_menu_append_item (edit, _("Move _Later"), "overview.move-tile",
                        g_variant_new ("(si)", series, 1));
  _bd_menu_append_item (edit, self->config.hidden ? _("_Show Tile") : _("_Hide Tile"),
                        "overview.toggle-tile-hidden", g_variant_new_string (series));
  g_menu_append_section (menu, NULL, G_MENU_MODEL (go));
  g_menu_append_section (menu, NULL, G_MENU_MODEL (edit));
  return G_MENU_MODEL (menu);
}

/* The menu and its popover are made when the menu is first opened: a
 * popover menu per tile, made with the tile, cost most of the time 500
 * tiles took to build, and their menu models a tenth of what remained.
 * The button is a plain button rather than a GtkMenuButton, which is a
 * button inside a button: one widget and one style node less per tile. */
static void
menu_clicked_cb (BdOverviewTile *self)
{
  if (self->menu_popover == NULL)
    {
      g_autoptr(GMenuModel) menu = create_menu (self);

      self->menu_popover = GTK_POPOVER (gtk_popover_menu_new_from_model (menu));
      gtk_widget_set_parent (GTK_WIDGET (self->menu_popover), GTK_WIDGET (self->menu_button));
      gtk_popover_set_position (self->menu_popover, GTK_POS_BOTTOM);
    }
  gtk_popover_popup (self->menu_popover);
}

static void
bd_overview_tile_init (BdOverviewTile *self)
{
  self->value = NAN;
  self->config.decimals = -1;
  self->config.scale = 1.0;

  /* Measured and allocated by the tile itself (above), not by the flow box
   * child's layout of one child. */
  gtk_widget_set_layout_manager (GTK_WIDGET (self), NULL);

  self->name_layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), NULL);
  pango_layout_set_ellipsize (self->name_layout, PANGO_ELLIPSIZE_END);
  self->value_layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), NULL);
  update_value_attributes (self);

  /* The menu button is the flow box child's child, so the flow box moves
   * the keyboard focus into it as it did into the tile's contents. */
  self->menu_button = GTK_BUTTON (gtk_button_new_from_icon_name ("view-more-symbolic"));
  gtk_widget_add_css_class (GTK_WIDGET (self->menu_button), "flat");
  /* Hidden before its tooltip is set: on a shown widget that asks the
   * display where the pointer is, a round trip to the X server per tile. */
  gtk_widget_set_visible (GTK_WIDGET (self->menu_button), FALSE);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->menu_button), _("Tile Menu"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->menu_button),
                                  GTK_ACCESSIBLE_PROPERTY_HAS_POPUP, TRUE, -1);
  g_signal_connect_swapped (self->menu_button, "clicked", G_CALLBACK (menu_clicked_cb), self);
  gtk_flow_box_child_set_child (GTK_FLOW_BOX_CHILD (self), GTK_WIDGET (self->menu_button));

  self->trend = bd_overview_trend_new (GTK_WIDGET (self));
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
  _bd_widget_set_css_class (GTK_WIDGET (self), "hidden-tile", self->config.hidden);
  /* A menu already opened follows the series and its hidden state. */
  if (self->menu_popover != NULL)
    {
      g_autoptr(GMenuModel) menu = create_menu (self);

      gtk_popover_menu_set_menu_model (GTK_POPOVER_MENU (self->menu_popover), menu);
    }
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
      _bd_widget_set_css_class (GTK_WIDGET (self), "unacknowledged",
                                state == BD_ALARM_STATE_UNACK || state == BD_ALARM_STATE_RTN_UNACK);
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
  _bd_widget_set_css_class (GTK_WIDGET (self), "stale", stale);
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
bd_overview_tile_set_has_menu (BdOverviewTile *self,
                               gboolean        has_menu)
{
  g_return_if_fail (BD_IS_OVERVIEW_TILE (self));

  gtk_widget_set_visible (GTK_WIDGET (self->menu_button), has_menu);
}

void
bd_overview_tile_set_wall (BdOverviewTile *self,
                           gboolean        wall)
{
  g_return_if_fail (BD_IS_OVERVIEW_TILE (self));

  wall = !!wall;
  if (self->wall == wall)
    return;
  self->wall = wall;
  update_value_attributes (self);
  gtk_widget_queue_resize (GTK_WIDGET (self));
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

void
bd_overview_tile_update_view (BdOverviewTile *self)
{
  g_return_if_fail (BD_IS_OVERVIEW_TILE (self));

  if (self->culled && in_view (self))
    gtk_widget_queue_draw (GTK_WIDGET (self));
}

gboolean
bd_overview_tile_get_drawn (BdOverviewTile *self)
{
  g_return_val_if_fail (BD_IS_OVERVIEW_TILE (self), FALSE);

  return !self->culled;
}

BdOverviewTrend *
bd_overview_tile_get_trend (BdOverviewTile *self)
{
  g_return_val_if_fail (BD_IS_OVERVIEW_TILE (self), NULL);

  return self->trend;
}
