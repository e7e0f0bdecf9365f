/* bd-bridge-row.c — one bridge on the Broker page
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The bridge's name, its state in one sentence (connected, connecting,
 * waiting for the next try and why, refused and why) with an icon that says
 * it at a glance, and below it the round trip, the rates, what waits for
 * the upstream and what was dropped. Fed a status snapshot
 * (bd_bridge_dup_status ()) by the Bridges section once a second.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "bd-bridge-row.h"
#include "bd-gui-util.h"

struct _BdBridgeRow
{
  AdwExpanderRow  parent_instance;

  GtkImage       *state_icon;
  GtkButton      *edit_button;
  GtkButton      *remove_button;
  AdwActionRow   *rtt_row;
  AdwActionRow   *rate_row;
  AdwActionRow   *queue_row;
  AdwActionRow   *dropped_row;

  char           *name;
  char           *state_text;
};

G_DEFINE_FINAL_TYPE (BdBridgeRow, bd_bridge_row, ADW_TYPE_EXPANDER_ROW)

static char *
state_text (const BdBridgeStatus *status)
{
  g_autofree char *next = NULL;
  const char *address = status->address != NULL ? status->address : "";
  const char *reason = status->reason != NULL ? status->reason : "";

  if (status->next_try_us > 0)
    next = _bd_format_time (status->next_try_us);
  switch (status->state)
    {
    case BD_BRIDGE_STATE_CONNECTED:
      /* Translators: %s is an address such as broker.example:1883 */
      return g_strdup_printf (_("Connected to %s"), address);
    case BD_BRIDGE_STATE_CONNECTING:
      return g_strdup_printf (_("Connecting to %s…"), address);
    case BD_BRIDGE_STATE_BACKING_OFF:
      if (next != NULL)
        /* Translators: a time of day, then why the last try failed */
        return g_strdup_printf (_("Next try at %s: %s"), next, reason);
      return g_strdup_printf (_("Waiting to try again: %s"), reason);
    case BD_BRIDGE_STATE_REFUSED:
      if (next != NULL)
        /* Translators: an address, why it refused, a time of day */
        return g_strdup_printf (_("Refused by %s: %s. Next try at %s"), address, reason, next);
      return g_strdup_printf (_("Refused by %s: %s"), address, reason);
    case BD_BRIDGE_STATE_IDLE:
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                           "Idle: connects when %u message waits",
                                           "Idle: connects when %u messages wait",
                                           status->threshold),
                              status->threshold);
    case BD_BRIDGE_STATE_STOPPED:
    default:
      return g_strdup (_("Stopped"));
    }
}

static void
set_state_icon (BdBridgeRow   *self,
                BdBridgeState  state)
{
  static const char * const classes[] = { "success", "warning", "error" };
  const char *icon;
  const char *css = NULL;
  const char *label;

  switch (state)
    {
    case BD_BRIDGE_STATE_CONNECTED:
      icon = "emblem-ok-symbolic", css = "success", label = _("Connected");
      break;
    case BD_BRIDGE_STATE_CONNECTING:
      icon = "network-transmit-receive-symbolic", label = _("Connecting");
      break;
    case BD_BRIDGE_STATE_BACKING_OFF:
      icon = "dialog-warning-symbolic", css = "warning", label = _("Not connected");
      break;
    case BD_BRIDGE_STATE_REFUSED:
      icon = "dialog-error-symbolic", css = "error", label = _("Refused");
      break;
    case BD_BRIDGE_STATE_IDLE:
      icon = "media-playback-pause-symbolic", label = _("Idle");
      break;
    case BD_BRIDGE_STATE_STOPPED:
    default:
      icon = "media-playback-stop-symbolic", label = _("Stopped");
      break;
    }
  gtk_image_set_from_icon_name (self->state_icon, icon);
  for (guint i = 0; i < G_N_ELEMENTS (classes); i++)
    gtk_widget_remove_css_class (GTK_WIDGET (self->state_icon), classes[i]);
  if (css != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->state_icon), css);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->state_icon),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
}

static void
set_subtitle (AdwActionRow *row,
              const char   *text)
{
  /* Only on change: the row is announced again on every change. */
  if (g_strcmp0 (adw_action_row_get_subtitle (row), text) != 0)
    adw_action_row_set_subtitle (row, text);
}

static void
bd_bridge_row_finalize (GObject *object)
{
  BdBridgeRow *self = BD_BRIDGE_ROW (object);

  g_free (self->name);
  g_free (self->state_text);

  G_OBJECT_CLASS (bd_bridge_row_parent_class)->finalize (object);
}

static void
bd_bridge_row_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), BD_TYPE_BRIDGE_ROW);

  G_OBJECT_CLASS (bd_bridge_row_parent_class)->dispose (object);
}

static void
bd_bridge_row_class_init (BdBridgeRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bd_bridge_row_dispose;
  object_class->finalize = bd_bridge_row_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/brokerdesk/Brokerdesk/bd-bridge-row.ui");
  gtk_widget_class_bind_template_child (widget_class, BdBridgeRow, state_icon);
  gtk_widget_class_bind_template_child (widget_class, BdBridgeRow, edit_button);
  gtk_widget_class_bind_template_child (widget_class, BdBridgeRow, remove_button);
  gtk_widget_class_bind_template_child (widget_class, BdBridgeRow, rtt_row);
  gtk_widget_class_bind_template_child (widget_class, BdBridgeRow, rate_row);
  gtk_widget_class_bind_template_child (widget_class, BdBridgeRow, queue_row);
  gtk_widget_class_bind_template_child (widget_class, BdBridgeRow, dropped_row);
}

static void
bd_bridge_row_init (BdBridgeRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
bd_bridge_row_new (const char *name)
{
  BdBridgeRow *self;
  g_autofree char *edit = NULL;
  g_autofree char *remove = NULL;

  g_return_val_if_fail (name != NULL, NULL);

  self = g_object_new (BD_TYPE_BRIDGE_ROW, NULL);
  self->name = g_strdup (name);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self), name);
  gtk_actionable_set_action_target (GTK_ACTIONABLE (self->edit_button), "s", name);
  gtk_actionable_set_action_target (GTK_ACTIONABLE (self->remove_button), "s", name);
  /* Translators: a button's accessible name; %s is the bridge's name */
  edit = g_strdup_printf (_("Edit the bridge %s"), name);
  /* Translators: a button's accessible name; %s is the bridge's name */
  remove = g_strdup_printf (_("Remove the bridge %s"), name);
  _bd_set_accessible_label (GTK_WIDGET (self->edit_button), edit);
  _bd_set_accessible_label (GTK_WIDGET (self->remove_button), remove);
  return GTK_WIDGET (self);
}

const char *
bd_bridge_row_get_name (BdBridgeRow *self)
{
  g_return_val_if_fail (BD_IS_BRIDGE_ROW (self), NULL);

  return self->name;
}

const char *
bd_bridge_row_get_state_text (BdBridgeRow *self)
{
  g_return_val_if_fail (BD_IS_BRIDGE_ROW (self), NULL);

  return self->state_text;
}

void
bd_bridge_row_update (BdBridgeRow          *self,
                      const BdBridgeStatus *status)
{
  g_autofree char *text = NULL;
  g_autofree char *rtt = NULL;
  g_autofree char *rate = NULL;
  g_autofree char *queue = NULL;
  g_autofree char *dropped = NULL;
  g_autofree char *count = NULL;

  g_return_if_fail (BD_IS_BRIDGE_ROW (self));
  g_return_if_fail (status != NULL);

  text = state_text (status);
  if (g_strcmp0 (text, self->state_text) != 0)
    {
      g_free (self->state_text);
      self->state_text = g_steal_pointer (&text);
      adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (self), self->state_text);
      set_state_icon (self, status->state);
    }

  if (status->rtt_us >= 0 && status->state == BD_BRIDGE_STATE_CONNECTED)
    /* Translators: a round trip in milliseconds */
    rtt = g_strdup_printf (_("%.1f ms"), status->rtt_us / 1000.0);
  else
    rtt = g_strdup (_("Not measured yet"));
  set_subtitle (self->rtt_row, rtt);

  /* Translators: messages per second sent to and received from the upstream */
  rate = g_strdup_printf (_("%.1f out · %.1f in"), status->out_per_s, status->in_per_s);
  set_subtitle (self->rate_row, rate);

  if (status->queue_depth == 0)
    queue = g_strdup (_("Nothing"));
  else if (status->oldest_queued_us > 0)
    {
      g_autofree char *age = _bd_format_age (g_get_real_time () - status->oldest_queued_us);

      /* Translators: how many messages wait, then how old the oldest is
       * ("5 s ago") */
      queue = g_strdup_printf (ngettext ("%u message, the oldest from %s",
                                         "%u messages, the oldest from %s",
                                         status->queue_depth), status->queue_depth, age);
    }
  else
    queue = g_strdup_printf (ngettext ("%u message", "%u messages", status->queue_depth),
                             status->queue_depth);
  set_subtitle (self->queue_row, queue);

  count = g_strdup_printf ("%" G_GUINT64_FORMAT, status->dropped);
  /* Translators: how many messages were dropped because the bridge's
   * queue was full */
  dropped = g_strdup_printf (_("%s (the oldest go first when the queue is full)"), count);
  set_subtitle (self->dropped_row, dropped);
}
