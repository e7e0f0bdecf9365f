/* bd-broker-page.c — the Broker page: status of the embedded broker
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * For now the page is its empty state (ui/bd-broker-page.ui): the engine is
 * not started by the application yet, so it says where the broker will listen
 * and what this page will show once it runs.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "bd-broker-page.h"
#include "bd-gui-util.h"

struct _BdBrokerPage
{
  AdwBin          parent_instance;

  AdwStatusPage  *status_page;
};

G_DEFINE_FINAL_TYPE (BdBrokerPage, bd_broker_page, ADW_TYPE_BIN)

static void
bd_broker_page_dispose (GObject *object)
{
  /* The status page is both a template child and AdwBin's child: detach it
   * from AdwBin first, or AdwBin's dispose would unparent it a second time. */
  adw_bin_set_child (ADW_BIN (object), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (object), BD_TYPE_BROKER_PAGE);

  G_OBJECT_CLASS (bd_broker_page_parent_class)->dispose (object);
}

static void
bd_broker_page_class_init (BdBrokerPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bd_broker_page_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/brokerdesk/Brokerdesk/bd-broker-page.ui");
  gtk_widget_class_bind_template_child (widget_class, BdBrokerPage, status_page);
}

static void
bd_broker_page_init (BdBrokerPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  bd_broker_page_set_address (self, "127.0.0.1", 1883);
}

GtkWidget *
bd_broker_page_new (void)
{
  return g_object_new (BD_TYPE_BROKER_PAGE, NULL);
}

void
bd_broker_page_set_address (BdBrokerPage *self,
                            const char   *host,
                            guint         port)
{
  g_autofree char *address = NULL;
  g_autofree char *description = NULL;

  g_return_if_fail (BD_IS_BROKER_PAGE (self));
  g_return_if_fail (host != NULL);

  address = _bd_format_host_port (host, port);
  /* The description is Pango markup. */
  description = g_markup_printf_escaped (_("When it runs, the embedded MQTT broker listens "
                                           "on %s, and its listeners, connected clients and "
                                           "message rates appear here."),
                                         address);
  adw_status_page_set_description (self->status_page, description);
}
