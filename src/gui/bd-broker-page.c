/* bd-broker-page.c — the Broker page: status of the embedded broker
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * For now the page is a status page: whether the embedded broker runs, where
 * it listens (with a command to try it), or why it could not start. Listeners,
 * clients and live $SYS figures come with the operator console.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "bd-broker-page.h"
#include "bd-gui-util.h"

struct _BdBrokerPage
{
  AdwBin          parent_instance;

  AdwStatusPage  *status_page;
  BdBrokerState   state;
  char           *address;
  char           *error;
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
bd_broker_page_finalize (GObject *object)
{
  BdBrokerPage *self = BD_BROKER_PAGE (object);

  g_free (self->address);
  g_free (self->error);

  G_OBJECT_CLASS (bd_broker_page_parent_class)->finalize (object);
}

static void
bd_broker_page_update (BdBrokerPage *self)
{
  g_autofree char *description = NULL;

  /* Descriptions are Pango markup. */
  switch (self->state)
    {
    case BD_BROKER_RUNNING:
      adw_status_page_set_title (self->status_page, _("Broker Running"));
      description = g_markup_printf_escaped (_("The embedded MQTT broker listens on %s. "
                                               "Its connected clients and message rates "
                                               "will appear here."),
                                             self->address);
      break;

    case BD_BROKER_FAILED:
      adw_status_page_set_title (self->status_page, _("Broker Not Running"));
      description = g_markup_printf_escaped (_("The embedded MQTT broker could not start: %s"),
                                             self->error);
      break;

    case BD_BROKER_STARTING:
    default:
      adw_status_page_set_title (self->status_page, _("Broker Starting"));
      description = g_markup_printf_escaped (_("The embedded MQTT broker is starting on %s."),
                                             self->address);
      break;
    }
  adw_status_page_set_description (self->status_page, description);
}

static void
bd_broker_page_class_init (BdBrokerPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bd_broker_page_dispose;
  object_class->finalize = bd_broker_page_finalize;

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
  g_return_if_fail (BD_IS_BROKER_PAGE (self));
  g_return_if_fail (host != NULL);

  g_free (self->address);
  self->address = _bd_format_host_port (host, port);
  bd_broker_page_update (self);
}

void
bd_broker_page_set_state (BdBrokerPage  *self,
                          BdBrokerState  state,
                          const char    *error)
{
  g_return_if_fail (BD_IS_BROKER_PAGE (self));

  self->state = state;
  g_free (self->error);
  self->error = g_strdup (error);
  bd_broker_page_update (self);
}
