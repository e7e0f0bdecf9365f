/* bd-alarm-row.c — one active alarm on the Alarms page
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The alarm engine changes an alarm's properties together, once per batch,
 * on this thread; the row redraws itself on each notification and leaves
 * what the buttons do to the page.
 */

#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "bd-alarm-row.h"
#include "bd-gui-util.h"

struct _BdAlarmRow
{
  AdwActionRow  parent_instance;

  GtkLabel     *priority_label;
  GtkWidget    *ack_button;
  GtkWidget    *shelve_button;

  BdAlarm      *alarm;
  BdService    *service;               /* for the overview's names, or NULL */
};

enum {
  PROP_0,
  PROP_ALARM,
  N_PROPS
};

enum {
  ACKNOWLEDGE,
  SHELVE,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (BdAlarmRow, bd_alarm_row, ADW_TYPE_ACTION_ROW)

static char *
format_value (double value)
{
  if (isnan (value))
    return g_strdup ("—");
  return g_strdup_printf ("%.6g", value);
}

static const char *
priority_css_class (BdAlarmPriority priority)
{
  switch (priority)
    {
    case BD_ALARM_PRIORITY_CRITICAL:
      return "error";
    case BD_ALARM_PRIORITY_HIGH:
      return "warning";
    case BD_ALARM_PRIORITY_MEDIUM:
      return "accent";
    case BD_ALARM_PRIORITY_LOW:
    default:
      return "dim-label";
    }
}

static void
update (BdAlarmRow *self)
{
  BdAlarm *alarm = self->alarm;
  GtkWidget *priority_label = GTK_WIDGET (self->priority_label);
  BdAlarmState state = bd_alarm_get_state (alarm);
  BdAlarmPriority priority = bd_alarm_get_priority (alarm);
  g_autofree char *title = NULL;
  g_autofree char *subtitle = NULL;
  g_autofree char *value = self->service != NULL ? bd_service_format_alarm_value (self->service, alarm)
                                                 : format_value (bd_alarm_get_value (alarm));
  g_autofree char *place = self->service != NULL ? bd_service_dup_alarm_place (self->service, alarm)
                                                 : g_strdup (bd_alarm_get_topic (alarm));
  g_autofree char *since = _bd_format_time (bd_alarm_get_since (alarm));
  g_autofree char *until = NULL;

  title = g_strdup_printf ("%s %s", bd_alarm_get_rule_name (alarm),
                           bd_alarm_level_to_label (bd_alarm_get_level (alarm)));
  if (state == BD_ALARM_STATE_SHELVED)
    {
      until = _bd_format_time (bd_alarm_get_shelved_until (alarm));
      /* TRANSLATORS: topic · value · "Shelved until 14:00:00" */
      subtitle = g_strdup_printf (_("%s · %s · shelved until %s"), place, value, until);
    }
  else
    /* TRANSLATORS: topic · value · state · since a time */
    subtitle = g_strdup_printf (_("%s · %s · %s since %s"), place, value,
                                bd_alarm_state_to_label (state), since);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self), subtitle);

  gtk_label_set_text (self->priority_label, bd_alarm_priority_to_label (priority));
  for (BdAlarmPriority p = BD_ALARM_PRIORITY_LOW; p <= BD_ALARM_PRIORITY_CRITICAL; p++)
    gtk_widget_remove_css_class (priority_label, priority_css_class (p));
  gtk_widget_add_css_class (priority_label, priority_css_class (priority));

  /* Unacknowledged alarms stand out until someone has seen them. */
  _bd_widget_set_css_class (GTK_WIDGET (self), "heading",
                            state == BD_ALARM_STATE_UNACK || state == BD_ALARM_STATE_RTN_UNACK);

  gtk_widget_set_visible (self->ack_button, state == BD_ALARM_STATE_UNACK ||
                                            state == BD_ALARM_STATE_RTN_UNACK);
  if (state == BD_ALARM_STATE_SHELVED)
    {
      gtk_button_set_icon_name (GTK_BUTTON (self->shelve_button), "view-reveal-symbolic");
      gtk_widget_set_tooltip_text (self->shelve_button, _("Unshelve"));
    }
  else
    {
      gtk_button_set_icon_name (GTK_BUTTON (self->shelve_button), "view-conceal-symbolic");
      gtk_widget_set_tooltip_text (self->shelve_button, _("Shelve for one hour"));
    }

  /* A screen reader going through the buttons hears which alarm each one
   * acts on, not "Acknowledge" once per row. */
  {
    /* TRANSLATORS: "Acknowledge Temperature HiHi on busan/factory/packaging/temperature" */
    g_autofree char *ack_label = g_strdup_printf (_("Acknowledge %s on %s"), title,
                                                  bd_alarm_get_topic (alarm));
    g_autofree char *shelve_label = state == BD_ALARM_STATE_SHELVED
      ? g_strdup_printf (_("Unshelve %s on %s"), title, bd_alarm_get_topic (alarm))
      : g_strdup_printf (_("Shelve %s on %s for one hour"), title, bd_alarm_get_topic (alarm));

    gtk_accessible_update_property (GTK_ACCESSIBLE (self->ack_button),
                                    GTK_ACCESSIBLE_PROPERTY_LABEL, ack_label, -1);
    gtk_accessible_update_property (GTK_ACCESSIBLE (self->shelve_button),
                                    GTK_ACCESSIBLE_PROPERTY_LABEL, shelve_label, -1);
  }
}

static void
on_ack_clicked_cb (BdAlarmRow *self)
{
  g_signal_emit (self, signals[ACKNOWLEDGE], 0);
}

static void
on_shelve_clicked_cb (BdAlarmRow *self)
{
  g_signal_emit (self, signals[SHELVE], 0);
}

static void
bd_alarm_row_constructed (GObject *object)
{
  BdAlarmRow *self = BD_ALARM_ROW (object);

  G_OBJECT_CLASS (bd_alarm_row_parent_class)->constructed (object);

  /* The engine changes an alarm's properties together, once per batch. */
  g_signal_connect_object (self->alarm, "notify", G_CALLBACK (update), self, G_CONNECT_SWAPPED);
  update (self);
}

static void
bd_alarm_row_dispose (GObject *object)
{
  BdAlarmRow *self = BD_ALARM_ROW (object);

  if (self->alarm != NULL)
    g_signal_handlers_disconnect_by_data (self->alarm, self);
  g_clear_object (&self->alarm);
  g_clear_object (&self->service);
  gtk_widget_dispose_template (GTK_WIDGET (self), BD_TYPE_ALARM_ROW);

  G_OBJECT_CLASS (bd_alarm_row_parent_class)->dispose (object);
}

static void
bd_alarm_row_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  BdAlarmRow *self = BD_ALARM_ROW (object);

  switch (prop_id)
    {
    case PROP_ALARM:
      g_value_set_object (value, self->alarm);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bd_alarm_row_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  BdAlarmRow *self = BD_ALARM_ROW (object);

  switch (prop_id)
    {
    case PROP_ALARM:
      self->alarm = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bd_alarm_row_class_init (BdAlarmRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = bd_alarm_row_constructed;
  object_class->dispose = bd_alarm_row_dispose;
  object_class->get_property = bd_alarm_row_get_property;
  object_class->set_property = bd_alarm_row_set_property;

  properties[PROP_ALARM] =
    g_param_spec_object ("alarm", NULL, NULL, BD_TYPE_ALARM,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[ACKNOWLEDGE] =
    g_signal_new ("acknowledge", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SHELVE] =
    g_signal_new ("shelve", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/brokerdesk/Brokerdesk/bd-alarm-row.ui");
  gtk_widget_class_bind_template_child (widget_class, BdAlarmRow, priority_label);
  gtk_widget_class_bind_template_child (widget_class, BdAlarmRow, ack_button);
  gtk_widget_class_bind_template_child (widget_class, BdAlarmRow, shelve_button);
  gtk_widget_class_bind_template_callback (widget_class, on_ack_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_shelve_clicked_cb);
}

static void
bd_alarm_row_init (BdAlarmRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
bd_alarm_row_new (BdAlarm *alarm)
{
  g_return_val_if_fail (BD_IS_ALARM (alarm), NULL);

  return g_object_new (BD_TYPE_ALARM_ROW, "alarm", alarm, NULL);
}

BdAlarm *
bd_alarm_row_get_alarm (BdAlarmRow *self)
{
  g_return_val_if_fail (BD_IS_ALARM_ROW (self), NULL);

  return self->alarm;
}

void
bd_alarm_row_set_service (BdAlarmRow *self,
                          BdService  *service)
{
  g_return_if_fail (BD_IS_ALARM_ROW (self));
  g_return_if_fail (service == NULL || BD_IS_SERVICE (service));

  /* Also with the same service: its overview may have changed. */
  g_set_object (&self->service, service);
  if (self->alarm != NULL)
    update (self);
}
