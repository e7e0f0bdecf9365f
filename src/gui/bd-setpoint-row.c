/* bd-setpoint-row.c — one setpoint on the Relays page: slider, entry, state
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The slider and the spin button share one adjustment: whichever the
 * operator moves sends the value (the controller's rate limit keeps a drag
 * from flooding the device). While a command is pending the adjustment shows
 * the target and a spinner turns; otherwise it shows what the device last
 * reported, so the control never claims a value the device did not confirm.
 */

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "bd-setpoint-row.h"
#include "bd-gui-util.h"

struct _BdSetpointRow
{
  GtkListBoxRow      parent_instance;

  BdRelayController *controller;   /* weak */
  BdSetpoint        *setpoint;

  GtkAdjustment     *adjustment;
  GtkLabel          *name_label;
  GtkLabel          *topics_label;
  GtkLabel          *status_label;
  GtkSpinner        *spinner;
  GtkScale          *scale;
  GtkSpinButton     *spin;
  GtkButton         *edit_button;
  GtkButton         *delete_button;

  gboolean           syncing;      /* our own changes to the adjustment */
};

enum {
  EDIT,
  DELETE,
  SET_FAILED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (BdSetpointRow, bd_setpoint_row, GTK_TYPE_LIST_BOX_ROW)

static void
sync_row (BdSetpointRow *self)
{
  BdSetpoint *setpoint = self->setpoint;
  gboolean pending = bd_setpoint_get_pending (setpoint);
  double value = bd_setpoint_get_value (setpoint);
  const char *error = bd_setpoint_get_last_error (setpoint);
  g_autofree char *status = NULL;
  double step = bd_setpoint_get_step (setpoint);
  double shown = pending ? bd_setpoint_get_target (setpoint) : value;

  _bd_output_labels_update (self->name_label, self->topics_label, BD_OUTPUT (setpoint));

  self->syncing = TRUE;
  gtk_adjustment_configure (self->adjustment,
                            isnan (shown) ? bd_setpoint_get_minimum (setpoint) : shown,
                            bd_setpoint_get_minimum (setpoint), bd_setpoint_get_maximum (setpoint),
                            step > 0 ? step : 0.1, step > 0 ? step * 10 : 1, 0);
  gtk_spin_button_set_digits (self->spin, step > 0 && step < 1 ? (guint) ceil (-log10 (step)) : 0);
  self->syncing = FALSE;

  gtk_spinner_set_spinning (self->spinner, pending);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), pending);

  if (pending)
    {
      g_autofree char *target = bd_setpoint_format_value (setpoint, bd_setpoint_get_target (setpoint));

      /* Translators: "Waiting for device… (40 %)" */
      status = g_strdup_printf (_("Waiting for device… (%s)"), target);
    }
  else if (error != NULL)
    status = g_strdup (error);
  else if (isnan (value))
    status = g_strdup (_("Value unknown: no message on the state topic yet"));
  else
    {
      g_autofree char *text = bd_setpoint_format_value (setpoint, value);

      /* Translators: a setpoint's confirmed value, "Confirmed: 40 %" */
      status = g_strdup_printf (_("Confirmed: %s"), text);
    }
  gtk_label_set_label (self->status_label, status);
  _bd_widget_set_css_class (GTK_WIDGET (self->status_label), "error", error != NULL && !pending);

  gtk_accessible_update_property (GTK_ACCESSIBLE (self->scale),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, bd_setpoint_get_name (setpoint),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, status,
                                  -1);
  {
    /* Translators: the accessible name of a setpoint's number entry, "Valve, packaging, value" */
    g_autofree char *entry_label = g_strdup_printf (_("%s, value"), bd_setpoint_get_name (setpoint));

    gtk_accessible_update_property (GTK_ACCESSIBLE (self->spin),
                                    GTK_ACCESSIBLE_PROPERTY_LABEL, entry_label,
                                    GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, status,
                                    -1);
  }
}

static void
value_changed_cb (BdSetpointRow *self)
{
  g_autoptr(GError) error = NULL;

  if (self->syncing || self->controller == NULL)
    return;
  if (!bd_relay_controller_set_value (self->controller, self->setpoint,
                                      gtk_adjustment_get_value (self->adjustment),
                                      BD_RELAY_SOURCE_OPERATOR, &error))
    {
      g_signal_emit (self, signals[SET_FAILED], 0, error->message);
      sync_row (self);
    }
}

static void
edit_clicked_cb (BdSetpointRow *self)
{
  g_signal_emit (self, signals[EDIT], 0);
}

static void
delete_clicked_cb (BdSetpointRow *self)
{
  g_signal_emit (self, signals[DELETE], 0);
}

static void
bd_setpoint_row_dispose (GObject *object)
{
  BdSetpointRow *self = BD_SETPOINT_ROW (object);

  if (self->setpoint != NULL)
    g_signal_handlers_disconnect_by_data (self->setpoint, self);
  g_clear_object (&self->setpoint);
  g_clear_weak_pointer (&self->controller);

  G_OBJECT_CLASS (bd_setpoint_row_parent_class)->dispose (object);
}

static void
bd_setpoint_row_class_init (BdSetpointRowClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = bd_setpoint_row_dispose;

  signals[EDIT] = g_signal_new ("edit", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[DELETE] = g_signal_new ("delete", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SET_FAILED] = g_signal_new ("set-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                      0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
bd_setpoint_row_init (BdSetpointRow *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *header = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *labels = _bd_output_labels_new (&self->name_label, &self->topics_label,
                                             &self->status_label);
  GtkWidget *controls = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);

  gtk_widget_set_margin_top (box, 8);
  gtk_widget_set_margin_bottom (box, 8);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);

  self->adjustment = gtk_adjustment_new (0, 0, 100, 1, 10, 0);

  self->spinner = GTK_SPINNER (gtk_spinner_new ());
  gtk_widget_set_valign (GTK_WIDGET (self->spinner), GTK_ALIGN_CENTER);
  self->edit_button = GTK_BUTTON (_bd_icon_button_new ("document-edit-symbolic",
                                                       _("Edit Setpoint")));
  self->delete_button = GTK_BUTTON (_bd_icon_button_new ("user-trash-symbolic",
                                                         _("Delete Setpoint")));
  g_signal_connect_swapped (self->edit_button, "clicked", G_CALLBACK (edit_clicked_cb), self);
  g_signal_connect_swapped (self->delete_button, "clicked", G_CALLBACK (delete_clicked_cb), self);
  gtk_box_append (GTK_BOX (header), labels);
  gtk_box_append (GTK_BOX (header), GTK_WIDGET (self->spinner));
  gtk_box_append (GTK_BOX (header), GTK_WIDGET (self->edit_button));
  gtk_box_append (GTK_BOX (header), GTK_WIDGET (self->delete_button));

  self->scale = GTK_SCALE (gtk_scale_new (GTK_ORIENTATION_HORIZONTAL, self->adjustment));
  gtk_scale_set_draw_value (self->scale, FALSE);
  gtk_widget_set_hexpand (GTK_WIDGET (self->scale), TRUE);
  self->spin = GTK_SPIN_BUTTON (gtk_spin_button_new (self->adjustment, 1, 0));
  gtk_spin_button_set_numeric (self->spin, TRUE);
  gtk_widget_set_valign (GTK_WIDGET (self->spin), GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (controls), GTK_WIDGET (self->scale));
  gtk_box_append (GTK_BOX (controls), GTK_WIDGET (self->spin));

  gtk_box_append (GTK_BOX (box), header);
  gtk_box_append (GTK_BOX (box), controls);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (self), box);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (self), FALSE);

  g_signal_connect_swapped (self->adjustment, "value-changed", G_CALLBACK (value_changed_cb), self);
}

GtkWidget *
bd_setpoint_row_new (BdRelayController *controller,
                     BdSetpoint        *setpoint)
{
  BdSetpointRow *self = g_object_new (BD_TYPE_SETPOINT_ROW, NULL);

  g_set_weak_pointer (&self->controller, controller);
  self->setpoint = g_object_ref (setpoint);
  g_signal_connect_swapped (setpoint, "notify", G_CALLBACK (sync_row), self);
  sync_row (self);
  return GTK_WIDGET (self);
}

BdSetpoint *
bd_setpoint_row_get_setpoint (BdSetpointRow *self)
{
  g_return_val_if_fail (BD_IS_SETPOINT_ROW (self), NULL);
  return self->setpoint;
}

GtkScale *
bd_setpoint_row_get_scale (BdSetpointRow *self)
{
  g_return_val_if_fail (BD_IS_SETPOINT_ROW (self), NULL);
  return self->scale;
}

GtkSpinButton *
bd_setpoint_row_get_spin_button (BdSetpointRow *self)
{
  g_return_val_if_fail (BD_IS_SETPOINT_ROW (self), NULL);
  return self->spin;
}

const char *
bd_setpoint_row_get_status (BdSetpointRow *self)
{
  g_return_val_if_fail (BD_IS_SETPOINT_ROW (self), NULL);
  return gtk_label_get_label (self->status_label);
}
