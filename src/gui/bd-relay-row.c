/* bd-relay-row.c — one relay on the Relays page: its switch, state and actions
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The switch uses GtkSwitch's delayed-state protocol: "active" is where the
 * operator put the handle, "state" is what the device confirmed. While a
 * command is pending the two differ and GTK draws the switch in between;
 * when the command fails, "active" goes back to the confirmed state, so the
 * switch never claims what the device did not say.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "bd-gui-util.h"
#include "bd-relay-row.h"
#include "bd-relay-switch.h"

struct _BdRelayRow
{
  GtkListBoxRow      parent_instance;

  BdRelayController *controller;   /* weak */
  BdRelay           *relay;

  GtkLabel          *name_label;
  GtkLabel          *topics_label;
  BdRelaySwitch      control;
  GtkButton         *edit_button;
  GtkButton         *delete_button;
};

enum {
  EDIT,
  DELETE,
  TOGGLE_FAILED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (BdRelayRow, bd_relay_row, GTK_TYPE_LIST_BOX_ROW)

static void
sync_row (BdRelayRow *self)
{
  BdRelayState state = bd_relay_get_state (self->relay);
  const char *busy = _bd_relay_switch_get_busy_status (self->relay);
  g_autofree char *status = NULL;

  _bd_output_labels_update (self->name_label, self->topics_label, BD_OUTPUT (self->relay));

  if (busy != NULL)
    status = g_strdup (busy);
  else
    {
      const char *word = state == BD_RELAY_STATE_ON ? _("On")
                       : state == BD_RELAY_STATE_OFF ? _("Off")
                       : _("State unknown: no message on the state topic yet");
      gint64 changed = bd_relay_get_last_change (self->relay);

      if (changed > 0 && state != BD_RELAY_STATE_UNKNOWN)
        {
          g_autofree char *when = _bd_format_time (changed);

          /* Translators: "On · since 14:03:12" */
          status = g_strdup_printf (_("%s · since %s"), word, when);
        }
      else
        status = g_strdup (word);
    }
  _bd_relay_switch_sync (&self->control, self->relay, status);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->control.status_label), status);

  {
    /* Translators: a button's accessible name, "Edit Fan, manufacture" */
    g_autofree char *edit = g_strdup_printf (_("Edit %s"), bd_relay_get_name (self->relay));
    /* Translators: a button's accessible name, "Delete Fan, manufacture" */
    g_autofree char *delete = g_strdup_printf (_("Delete %s"), bd_relay_get_name (self->relay));

    gtk_accessible_update_property (GTK_ACCESSIBLE (self->edit_button),
                                    GTK_ACCESSIBLE_PROPERTY_LABEL, edit, -1);
    gtk_accessible_update_property (GTK_ACCESSIBLE (self->delete_button),
                                    GTK_ACCESSIBLE_PROPERTY_LABEL, delete, -1);
  }
}

static void
relay_notify_cb (BdRelayRow *self)
{
  sync_row (self);
}

static gboolean
state_set_cb (BdRelayRow *self,
              gboolean    on,
              GtkSwitch  *toggle)
{
  g_autofree char *message = _bd_relay_switch_set (&self->control, self->controller,
                                                   self->relay, on);

  if (message != NULL)
    {
      g_signal_emit (self, signals[TOGGLE_FAILED], 0, message);
      sync_row (self);
    }
  /* TRUE: the "state" follows the device, not the click (see the top). */
  return TRUE;
}

static void
edit_clicked_cb (BdRelayRow *self)
{
  g_signal_emit (self, signals[EDIT], 0);
}

static void
delete_clicked_cb (BdRelayRow *self)
{
  g_signal_emit (self, signals[DELETE], 0);
}

static void
bd_relay_row_dispose (GObject *object)
{
  BdRelayRow *self = BD_RELAY_ROW (object);

  g_clear_weak_pointer (&self->controller);
  g_clear_object (&self->relay);

  G_OBJECT_CLASS (bd_relay_row_parent_class)->dispose (object);
}

static void
bd_relay_row_class_init (BdRelayRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = bd_relay_row_dispose;

  signals[EDIT] = g_signal_new ("edit", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[DELETE] = g_signal_new ("delete", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[TOGGLE_FAILED] = g_signal_new ("toggle-failed", G_TYPE_FROM_CLASS (klass),
                                         G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                         G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
bd_relay_row_init (BdRelayRow *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *labels = _bd_output_labels_new (&self->name_label, &self->topics_label,
                                             &self->control.status_label);

  /* The row itself is not a stop on the Tab path: its controls are. */
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (self), FALSE);
  gtk_list_box_row_set_selectable (GTK_LIST_BOX_ROW (self), FALSE);
  gtk_widget_set_focusable (GTK_WIDGET (self), FALSE);

  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_widget_set_margin_top (box, 8);
  gtk_widget_set_margin_bottom (box, 8);

  gtk_label_set_ellipsize (self->name_label, PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (GTK_WIDGET (self->control.status_label), "caption");
  gtk_box_append (GTK_BOX (box), labels);

  self->control.spinner = GTK_SPINNER (gtk_spinner_new ());
  gtk_widget_set_valign (GTK_WIDGET (self->control.spinner), GTK_ALIGN_CENTER);
  gtk_widget_set_visible (GTK_WIDGET (self->control.spinner), FALSE);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->control.spinner));

  self->control.toggle = GTK_SWITCH (gtk_switch_new ());
  gtk_widget_set_valign (GTK_WIDGET (self->control.toggle), GTK_ALIGN_CENTER);
  g_signal_connect_object (self->control.toggle, "state-set", G_CALLBACK (state_set_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->control.toggle));

  self->edit_button = GTK_BUTTON (gtk_button_new_from_icon_name ("document-edit-symbolic"));
  gtk_widget_set_valign (GTK_WIDGET (self->edit_button), GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (GTK_WIDGET (self->edit_button), "flat");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->edit_button), _("Edit Relay"));
  g_signal_connect_object (self->edit_button, "clicked", G_CALLBACK (edit_clicked_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->edit_button));

  self->delete_button = GTK_BUTTON (gtk_button_new_from_icon_name ("user-trash-symbolic"));
  gtk_widget_set_valign (GTK_WIDGET (self->delete_button), GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (GTK_WIDGET (self->delete_button), "flat");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->delete_button), _("Delete Relay"));
  g_signal_connect_object (self->delete_button, "clicked", G_CALLBACK (delete_clicked_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->delete_button));

  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (self), box);
}

GtkWidget *
bd_relay_row_new (BdRelayController *controller,
                  BdRelay           *relay)
{
  BdRelayRow *self;

  g_return_val_if_fail (BD_IS_RELAY (relay), NULL);

  self = g_object_new (BD_TYPE_RELAY_ROW, NULL);
  g_set_weak_pointer (&self->controller, controller);
  self->relay = g_object_ref (relay);
  /* Any property: name, topics, state, pending, error, last change. */
  g_signal_connect_object (relay, "notify", G_CALLBACK (relay_notify_cb), self, G_CONNECT_SWAPPED);
  sync_row (self);
  return GTK_WIDGET (self);
}

BdRelay *
bd_relay_row_get_relay (BdRelayRow *self)
{
  g_return_val_if_fail (BD_IS_RELAY_ROW (self), NULL);
  return self->relay;
}

GtkSwitch *
bd_relay_row_get_switch (BdRelayRow *self)
{
  g_return_val_if_fail (BD_IS_RELAY_ROW (self), NULL);
  return self->control.toggle;
}
