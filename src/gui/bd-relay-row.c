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

#include "bd-relay-row.h"

struct _BdRelayRow
{
  GtkListBoxRow      parent_instance;

  BdRelayController *controller;   /* weak */
  BdRelay           *relay;

  GtkLabel          *name_label;
  GtkLabel          *topics_label;
  GtkLabel          *status_label;
  GtkSpinner        *spinner;
  GtkSwitch         *toggle;
  GtkButton         *edit_button;
  GtkButton         *delete_button;

  gboolean           syncing;      /* our own changes to the switch */
};

enum {
  EDIT,
  DELETE,
  TOGGLE_FAILED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (BdRelayRow, bd_relay_row, GTK_TYPE_LIST_BOX_ROW)

static char *
format_time (gint64 time_us)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_local (time_us / G_USEC_PER_SEC);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();

  if (time == NULL)
    return g_strdup ("");
  /* Today: the time is enough; otherwise the date too. */
  if (g_date_time_get_year (time) == g_date_time_get_year (now) &&
      g_date_time_get_day_of_year (time) == g_date_time_get_day_of_year (now))
    return g_date_time_format (time, "%X");
  return g_date_time_format (time, "%x %X");
}

static void
sync_row (BdRelayRow *self)
{
  BdRelayState state = bd_relay_get_state (self->relay);
  gboolean pending = bd_relay_get_pending (self->relay);
  const char *error = bd_relay_get_last_error (self->relay);
  gboolean confirmed_on = state == BD_RELAY_STATE_ON;
  g_autofree char *topics = NULL;
  g_autofree char *status = NULL;
  g_autofree char *switch_label = NULL;

  gtk_label_set_label (self->name_label, bd_relay_get_name (self->relay));
  /* Translators: a relay's command topic → its state topic */
  topics = g_strdup_printf (_("%s → %s"), bd_relay_get_command_topic (self->relay),
                            bd_relay_get_state_topic (self->relay));
  gtk_label_set_label (self->topics_label, topics);

  self->syncing = TRUE;
  gtk_switch_set_active (self->toggle, pending ? bd_relay_get_target (self->relay) == BD_RELAY_STATE_ON
                                               : confirmed_on);
  gtk_switch_set_state (self->toggle, confirmed_on);
  self->syncing = FALSE;

  gtk_spinner_set_spinning (self->spinner, pending);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), pending);

  if (pending)
    status = g_strdup (_("Waiting for device…"));
  else if (error != NULL)
    status = g_strdup (error);
  else
    {
      const char *word = state == BD_RELAY_STATE_ON ? _("On")
                       : state == BD_RELAY_STATE_OFF ? _("Off")
                       : _("State unknown: no message on the state topic yet");
      gint64 changed = bd_relay_get_last_change (self->relay);

      if (changed > 0 && state != BD_RELAY_STATE_UNKNOWN)
        {
          g_autofree char *when = format_time (changed);

          /* Translators: "On · since 14:03:12" */
          status = g_strdup_printf (_("%s · since %s"), word, when);
        }
      else
        status = g_strdup (word);
    }
  gtk_label_set_label (self->status_label, status);
  if (error != NULL && !pending)
    gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), "error");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->status_label), status);

  switch_label = g_strdup (bd_relay_get_name (self->relay));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->toggle),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, switch_label,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, status,
                                  -1);
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
  g_autoptr(GError) error = NULL;

  if (self->syncing)
    return TRUE;
  if (self->controller == NULL ||
      !bd_relay_controller_set (self->controller, self->relay, on, &error))
    {
      g_autofree char *message =
        /* Translators: "Cannot switch Fan, manufacture: Not connected to a broker" */
        g_strdup_printf (_("Cannot switch %s: %s"), bd_relay_get_name (self->relay),
                         error != NULL ? error->message : _("no relay controller"));

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
  GtkWidget *labels = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);

  /* The row itself is not a stop on the Tab path: its controls are. */
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (self), FALSE);
  gtk_list_box_row_set_selectable (GTK_LIST_BOX_ROW (self), FALSE);
  gtk_widget_set_focusable (GTK_WIDGET (self), FALSE);

  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_widget_set_margin_top (box, 8);
  gtk_widget_set_margin_bottom (box, 8);

  self->name_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->name_label, 0);
  gtk_label_set_ellipsize (self->name_label, PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (GTK_WIDGET (self->name_label), "heading");
  self->topics_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->topics_label, 0);
  gtk_label_set_ellipsize (self->topics_label, PANGO_ELLIPSIZE_MIDDLE);
  gtk_label_set_selectable (self->topics_label, FALSE);
  gtk_widget_add_css_class (GTK_WIDGET (self->topics_label), "caption");
  gtk_widget_add_css_class (GTK_WIDGET (self->topics_label), "dim-label");
  self->status_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->status_label, 0);
  gtk_label_set_wrap (self->status_label, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "caption");
  gtk_box_append (GTK_BOX (labels), GTK_WIDGET (self->name_label));
  gtk_box_append (GTK_BOX (labels), GTK_WIDGET (self->topics_label));
  gtk_box_append (GTK_BOX (labels), GTK_WIDGET (self->status_label));
  gtk_widget_set_hexpand (labels, TRUE);
  gtk_box_append (GTK_BOX (box), labels);

  self->spinner = GTK_SPINNER (gtk_spinner_new ());
  gtk_widget_set_valign (GTK_WIDGET (self->spinner), GTK_ALIGN_CENTER);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), FALSE);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->spinner));

  self->toggle = GTK_SWITCH (gtk_switch_new ());
  gtk_widget_set_valign (GTK_WIDGET (self->toggle), GTK_ALIGN_CENTER);
  g_signal_connect_object (self->toggle, "state-set", G_CALLBACK (state_set_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->toggle));

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
  return self->toggle;
}
