/* bd-charts-page.c — the Charts page: plots of numeric topic values and their history
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * For now the page is its empty state (ui/bd-charts-page.ui), which says what
 * will appear here; the views come with the engine integration.
 */

#include "config.h"

#include "bd-charts-page.h"

struct _BdChartsPage
{
  AdwBin          parent_instance;

  AdwStatusPage  *status_page;
};

G_DEFINE_FINAL_TYPE (BdChartsPage, bd_charts_page, ADW_TYPE_BIN)

static void
bd_charts_page_dispose (GObject *object)
{
  /* The status page is both a template child and AdwBin's child: detach it
   * from AdwBin first, or AdwBin's dispose would unparent it a second time. */
  adw_bin_set_child (ADW_BIN (object), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (object), BD_TYPE_CHARTS_PAGE);

  G_OBJECT_CLASS (bd_charts_page_parent_class)->dispose (object);
}

static void
bd_charts_page_class_init (BdChartsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bd_charts_page_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/brokerdesk/Brokerdesk/bd-charts-page.ui");
  gtk_widget_class_bind_template_child (widget_class, BdChartsPage, status_page);
}

static void
bd_charts_page_init (BdChartsPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
bd_charts_page_new (void)
{
  return g_object_new (BD_TYPE_CHARTS_PAGE, NULL);
}
