/* bd-relays-page.c — the Relays page: relay switches confirmed by their state topics
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * For now the page is its empty state (ui/bd-relays-page.ui), which says what
 * will appear here; the views come with the engine integration.
 */

#include "config.h"

#include "bd-relays-page.h"

struct _BdRelaysPage
{
  AdwBin          parent_instance;

  AdwStatusPage  *status_page;
};

G_DEFINE_FINAL_TYPE (BdRelaysPage, bd_relays_page, ADW_TYPE_BIN)

static void
bd_relays_page_dispose (GObject *object)
{
  /* The status page is both a template child and AdwBin's child: detach it
   * from AdwBin first, or AdwBin's dispose would unparent it a second time. */
  adw_bin_set_child (ADW_BIN (object), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (object), BD_TYPE_RELAYS_PAGE);

  G_OBJECT_CLASS (bd_relays_page_parent_class)->dispose (object);
}

static void
bd_relays_page_class_init (BdRelaysPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bd_relays_page_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/brokerdesk/Brokerdesk/bd-relays-page.ui");
  gtk_widget_class_bind_template_child (widget_class, BdRelaysPage, status_page);
}

static void
bd_relays_page_init (BdRelaysPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
bd_relays_page_new (void)
{
  return g_object_new (BD_TYPE_RELAYS_PAGE, NULL);
}
