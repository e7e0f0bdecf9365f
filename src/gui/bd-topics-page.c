/* bd-topics-page.c — the Topics page: the live topic tree
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * For now the page is its empty state (ui/bd-topics-page.ui). It tells where
 * the broker listens and offers a command line to publish a first message,
 * because a console with no devices yet is the first thing a newcomer sees.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "bd-gui-util.h"
#include "bd-topics-page.h"

#define BD_DEFAULT_MQTT_PORT 1883

struct _BdTopicsPage
{
  AdwBin          parent_instance;

  AdwStatusPage  *status_page;
  GtkLabel       *command_label;
};

G_DEFINE_FINAL_TYPE (BdTopicsPage, bd_topics_page, ADW_TYPE_BIN)

static void
bd_topics_page_dispose (GObject *object)
{
  /* The status page is both a template child and AdwBin's child: detach it
   * from AdwBin first, or AdwBin's dispose would unparent it a second time. */
  adw_bin_set_child (ADW_BIN (object), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (object), BD_TYPE_TOPICS_PAGE);

  G_OBJECT_CLASS (bd_topics_page_parent_class)->dispose (object);
}

static void
bd_topics_page_class_init (BdTopicsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bd_topics_page_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/brokerdesk/Brokerdesk/bd-topics-page.ui");
  gtk_widget_class_bind_template_child (widget_class, BdTopicsPage, status_page);
  gtk_widget_class_bind_template_child (widget_class, BdTopicsPage, command_label);
}

static void
bd_topics_page_init (BdTopicsPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  bd_topics_page_set_address (self, "127.0.0.1", BD_DEFAULT_MQTT_PORT);
}

GtkWidget *
bd_topics_page_new (void)
{
  return g_object_new (BD_TYPE_TOPICS_PAGE, NULL);
}

void
bd_topics_page_set_address (BdTopicsPage *self,
                            const char   *host,
                            guint         port)
{
  g_autofree char *address = NULL;
  g_autofree char *description = NULL;
  g_autoptr(GString) command = NULL;

  g_return_if_fail (BD_IS_TOPICS_PAGE (self));
  g_return_if_fail (host != NULL);

  address = _bd_format_host_port (host, port);
  /* The description is Pango markup. */
  description = g_markup_printf_escaped (_("Topics appear here as devices publish to the "
                                           "broker on %s."),
                                         address);
  adw_status_page_set_description (self->status_page, description);

  /* Only the options that differ from mosquitto_pub's defaults, so the usual
   * case stays short enough to read and type. */
  command = g_string_new ("mosquitto_pub");
  if (!_bd_host_is_default (host))
    g_string_append_printf (command, " -h %s", host);
  if (port != BD_DEFAULT_MQTT_PORT)
    g_string_append_printf (command, " -p %u", port);
  g_string_append (command, " -t plant/line1/temperature -m 21.5");
  gtk_label_set_text (self->command_label, command->str);
}
