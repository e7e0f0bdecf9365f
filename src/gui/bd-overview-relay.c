/* bd-overview-relay.c — a relay's switch in an area of the Overview page
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The same delayed-state protocol as the Relays page: the switch's "active"
 * is where the operator put the handle, its "state" what the device
 * confirmed on the state topic; while a command is pending the two differ,
 * a spinner turns and the status says so, and a failed command puts the
 * handle back. The overview only switches; editing stays on the Relays page.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "bd-gui-util.h"
#include "bd-overview-relay.h"
#include "bd-relay-switch.h"

struct _BdOverviewRelay
{
  GtkWidget          parent_instance;

  BdRelayController *controller;   /* weak */
  BdRelay           *relay;

  GtkLabel          *name_label;
  BdRelaySwitch      control;
};

G_DEFINE_FINAL_TYPE (BdOverviewRelay, bd_overview_relay, GTK_TYPE_WIDGET)

static void
sync_relay (BdOverviewRelay *self)
{
  BdRelayState state = bd_relay_get_state (self->relay);
  const char *status = _bd_relay_switch_get_busy_status (self->relay);

  gtk_label_set_label (self->name_label, bd_relay_get_name (self->relay));
  if (status == NULL)
    status = state == BD_RELAY_STATE_ON ? _("On, confirmed")
           : state == BD_RELAY_STATE_OFF ? _("Off, confirmed")
           : _("State unknown");
  _bd_relay_switch_sync (&self->control, self->relay, status);
}

static gboolean
state_set_cb (BdOverviewRelay *self,
              gboolean         on,
              GtkSwitch       *toggle)
{
  g_autofree char *message = _bd_relay_switch_set (&self->control, self->controller,
                                                   self->relay, on);

  if (message != NULL)
    {
      _bd_show_toast (GTK_WIDGET (self), adw_toast_new (message));
      sync_relay (self);
    }
  /* TRUE: the "state" follows the device, not the click. */
  return TRUE;
}

static void
bd_overview_relay_dispose (GObject *object)
{
  BdOverviewRelay *self = BD_OVERVIEW_RELAY (object);
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_weak_pointer (&self->controller);
  g_clear_object (&self->relay);

  G_OBJECT_CLASS (bd_overview_relay_parent_class)->dispose (object);
}

static void
bd_overview_relay_class_init (BdOverviewRelayClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bd_overview_relay_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "overviewrelay");
}

static void
bd_overview_relay_init (BdOverviewRelay *self)
{
  GtkWidget *labels = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);

  gtk_box_layout_set_spacing (GTK_BOX_LAYOUT (gtk_widget_get_layout_manager (GTK_WIDGET (self))), 8);
  gtk_widget_set_parent (labels, GTK_WIDGET (self));
  self->name_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->name_label, 0);
  gtk_box_append (GTK_BOX (labels), GTK_WIDGET (self->name_label));
  self->control.status_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->control.status_label, 0);
  gtk_widget_add_css_class (GTK_WIDGET (self->control.status_label), "dim-label");
  gtk_widget_add_css_class (GTK_WIDGET (self->control.status_label), "caption");
  gtk_box_append (GTK_BOX (labels), GTK_WIDGET (self->control.status_label));
  gtk_widget_set_hexpand (labels, TRUE);

  self->control.spinner = GTK_SPINNER (gtk_spinner_new ());
  gtk_widget_set_visible (GTK_WIDGET (self->control.spinner), FALSE);
  gtk_widget_set_parent (GTK_WIDGET (self->control.spinner), GTK_WIDGET (self));

  self->control.toggle = GTK_SWITCH (gtk_switch_new ());
  gtk_widget_set_valign (GTK_WIDGET (self->control.toggle), GTK_ALIGN_CENTER);
  gtk_widget_set_parent (GTK_WIDGET (self->control.toggle), GTK_WIDGET (self));
  g_signal_connect_object (self->control.toggle, "state-set", G_CALLBACK (state_set_cb), self,
                           G_CONNECT_SWAPPED);
}

GtkWidget *
bd_overview_relay_new (BdRelayController *controller,
                       BdRelay           *relay)
{
  BdOverviewRelay *self;

  g_return_val_if_fail (BD_IS_RELAY_CONTROLLER (controller), NULL);
  g_return_val_if_fail (BD_IS_RELAY (relay), NULL);

  self = g_object_new (BD_TYPE_OVERVIEW_RELAY, NULL);
  g_set_weak_pointer (&self->controller, controller);
  self->relay = g_object_ref (relay);
  /* Any property: name, state, pending, error. */
  g_signal_connect_object (relay, "notify", G_CALLBACK (sync_relay), self, G_CONNECT_SWAPPED);
  sync_relay (self);
  return GTK_WIDGET (self);
}

BdRelay *
bd_overview_relay_get_relay (BdOverviewRelay *self)
{
  g_return_val_if_fail (BD_IS_OVERVIEW_RELAY (self), NULL);

  return self->relay;
}
