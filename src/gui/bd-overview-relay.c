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

struct _BdOverviewRelay
{
  GtkWidget          parent_instance;

  BdRelayController *controller;   /* weak */
  BdRelay           *relay;

  GtkLabel          *name_label;
  GtkLabel          *status_label;
  GtkSpinner        *spinner;
  GtkSwitch         *toggle;
  gboolean           syncing;      /* our own changes to the switch */
};

G_DEFINE_FINAL_TYPE (BdOverviewRelay, bd_overview_relay, GTK_TYPE_WIDGET)

static void
sync_relay (BdOverviewRelay *self)
{
  BdRelayState state = bd_relay_get_state (self->relay);
  gboolean pending = bd_relay_get_pending (self->relay);
  const char *error = bd_relay_get_last_error (self->relay);
  const char *status;

  gtk_label_set_label (self->name_label, bd_relay_get_name (self->relay));
  self->syncing = TRUE;
  gtk_switch_set_active (self->toggle, pending ? bd_relay_get_target (self->relay) == BD_RELAY_STATE_ON
                                               : state == BD_RELAY_STATE_ON);
  gtk_switch_set_state (self->toggle, state == BD_RELAY_STATE_ON);
  self->syncing = FALSE;
  gtk_spinner_set_spinning (self->spinner, pending);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), pending);

  if (pending)
    status = _("Waiting for device…");
  else if (error != NULL)
    status = error;
  else if (state == BD_RELAY_STATE_ON)
    status = _("On, confirmed");
  else if (state == BD_RELAY_STATE_OFF)
    status = _("Off, confirmed");
  else
    status = _("State unknown");
  gtk_label_set_label (self->status_label, status);
  if (error != NULL && !pending)
    gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), "error");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->toggle),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, bd_relay_get_name (self->relay),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, status,
                                  -1);
}

static gboolean
state_set_cb (BdOverviewRelay *self,
              gboolean         on,
              GtkSwitch       *toggle)
{
  g_autoptr(GError) error = NULL;

  if (self->syncing)
    return TRUE;
  if (self->controller == NULL ||
      !bd_relay_controller_set (self->controller, self->relay, on, &error))
    {
      /* Translators: "Cannot switch Fan, manufacture: Not connected to a broker" */
      g_autofree char *message = g_strdup_printf (_("Cannot switch %s: %s"),
                                                  bd_relay_get_name (self->relay),
                                                  error != NULL ? error->message
                                                                : _("no relay controller"));

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
  self->status_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->status_label, 0);
  gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "dim-label");
  gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "caption");
  gtk_box_append (GTK_BOX (labels), GTK_WIDGET (self->status_label));
  gtk_widget_set_hexpand (labels, TRUE);

  self->spinner = GTK_SPINNER (gtk_spinner_new ());
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), FALSE);
  gtk_widget_set_parent (GTK_WIDGET (self->spinner), GTK_WIDGET (self));

  self->toggle = GTK_SWITCH (gtk_switch_new ());
  gtk_widget_set_valign (GTK_WIDGET (self->toggle), GTK_ALIGN_CENTER);
  gtk_widget_set_parent (GTK_WIDGET (self->toggle), GTK_WIDGET (self));
  g_signal_connect_object (self->toggle, "state-set", G_CALLBACK (state_set_cb), self,
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
