/* bd-alarm-notifier.c — desktop notifications for raised alarms (libnotify)
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * libnotify talks to the notification server with synchronous D-Bus calls,
 * so it runs on the main thread (ARCHITECTURE.md, Threads) and sparingly: raises within
 * RATE_MS of the last notification are gathered into one summary shown when
 * the interval ends, so an excursion across forty topics is one bubble, not
 * forty; those are grouped per area (the alarm topic's parent), one
 * notification for each. Each notification offers Acknowledge, Open and
 * Shelve for an hour (libnotify actions, which the Flatpak's portal carries
 * too); an action acts on the alarm engine directly, so it works without
 * the window. Once a call fails (no server) the notifier stops trying until
 * a server owns the name again: a notification server that restarts is
 * used again.
 */

#include "config.h"

#include <glib/gi18n.h>
#include <libnotify/notify.h>
#include <string.h>

#include "bd-alarm-notifier.h"

#define RATE_MS 3000
#define SHELVE_S 3600
#define NOTIFICATIONS_NAME "org.freedesktop.Notifications"

struct _BdAlarmNotifier
{
  GObject             parent_instance;

  BdAlarmEngine      *engine;       /* weak */
  BdService          *service;      /* weak; for labels and units */
  gulong              transition_id;
  GHashTable         *shown;        /* BdAlarm* -> NotifyNotification* (owned refs) */
  GPtrArray          *held;         /* BdAlarm* raised while rate-limited */
  GPtrArray          *groups;       /* NotifyNotification* of grouped alarms, until closed */
  gint64              last_us;
  guint               flush_id;
  guint               watch_id;
  gboolean            broken;
};

G_DEFINE_FINAL_TYPE (BdAlarmNotifier, bd_alarm_notifier, G_TYPE_OBJECT)

enum {
  OPEN,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* An alarm in the operator's words: the overview's label and unit where
 * the service knows them. */
static char *
describe (BdAlarmNotifier *self,
          BdAlarm         *alarm)
{
  if (self->service != NULL)
    return bd_service_describe_alarm (self->service, alarm);
  return bd_alarm_describe (alarm);
}

/* What an action acts on: one alarm, or an area's. */
typedef struct
{
  BdAlarmNotifier *notifier;   /* weak */
  GPtrArray       *alarms;     /* BdAlarm* */
} ActionData;

static void
action_data_free (gpointer data)
{
  ActionData *action = data;

  g_clear_weak_pointer (&action->notifier);
  g_ptr_array_unref (action->alarms);
  g_free (action);
}

static ActionData *
action_data_new (BdAlarmNotifier *self,
                 GPtrArray       *alarms)
{
  ActionData *action = g_new0 (ActionData, 1);

  g_set_weak_pointer (&action->notifier, self);
  action->alarms = g_ptr_array_ref (alarms);
  return action;
}

static void
on_action_cb (NotifyNotification *notification,
              char               *name,
              gpointer            user_data)
{
  ActionData *action = user_data;
  BdAlarmNotifier *self = action->notifier;

  if (self == NULL || self->engine == NULL)
    return;
  for (guint i = 0; i < action->alarms->len; i++)
    {
      BdAlarm *alarm = g_ptr_array_index (action->alarms, i);

      if (g_strcmp0 (name, "acknowledge") == 0)
        bd_alarm_engine_acknowledge (self->engine, alarm);
      else if (g_strcmp0 (name, "shelve") == 0)
        bd_alarm_engine_shelve (self->engine, alarm, SHELVE_S);
    }
  /* "default" is a click on the notification itself. */
  if (g_strcmp0 (name, "open") == 0 || g_strcmp0 (name, "default") == 0)
    g_signal_emit (self, signals[OPEN], 0,
                   action->alarms->len == 1 ? g_ptr_array_index (action->alarms, 0) : NULL);
}

static void
add_actions (BdAlarmNotifier    *self,
             NotifyNotification *notification,
             GPtrArray          *alarms)
{
  gboolean many = alarms->len > 1;

  notify_notification_clear_actions (notification);
  notify_notification_add_action (notification, "acknowledge",
                                  many ? _("Acknowledge All") : _("Acknowledge"),
                                  on_action_cb, action_data_new (self, alarms), action_data_free);
  notify_notification_add_action (notification, "open", _("Open"),
                                  on_action_cb, action_data_new (self, alarms), action_data_free);
  notify_notification_add_action (notification, "default", _("Open"),
                                  on_action_cb, action_data_new (self, alarms), action_data_free);
  notify_notification_add_action (notification, "shelve",
                                  many ? _("Shelve All for 1 Hour") : _("Shelve for 1 Hour"),
                                  on_action_cb, action_data_new (self, alarms), action_data_free);
}

static NotifyUrgency
urgency_for (BdAlarmPriority priority)
{
  switch (priority)
    {
    case BD_ALARM_PRIORITY_CRITICAL:
      return NOTIFY_URGENCY_CRITICAL;
    case BD_ALARM_PRIORITY_LOW:
      return NOTIFY_URGENCY_LOW;
    case BD_ALARM_PRIORITY_MEDIUM:
    case BD_ALARM_PRIORITY_HIGH:
    default:
      return NOTIFY_URGENCY_NORMAL;
    }
}

static gboolean
show (BdAlarmNotifier    *self,
      NotifyNotification *notification)
{
  g_autoptr(GError) error = NULL;

  if (self->broken)
    return FALSE;
  if (!notify_notification_show (notification, &error))
    {
      /* Expected without a desktop session; not worth a warning. */
      g_debug ("No desktop notifications: %s", error->message);
      self->broken = TRUE;
      return FALSE;
    }
  self->last_us = g_get_monotonic_time ();
  return TRUE;
}

static void
withdraw (BdAlarmNotifier *self,
          BdAlarm         *alarm)
{
  NotifyNotification *notification = g_hash_table_lookup (self->shown, alarm);

  if (notification == NULL)
    return;
  if (!self->broken)
    notify_notification_close (notification, NULL);
  g_hash_table_remove (self->shown, alarm);
}

static void
notify_one (BdAlarmNotifier *self,
            BdAlarm         *alarm)
{
  g_autofree char *summary = NULL;
  g_autofree char *body = NULL;
  NotifyNotification *notification;

  /* TRANSLATORS: a notification's title: the rule's name and the level */
  summary = g_strdup_printf (_("Alarm: %s %s"), bd_alarm_get_rule_name (alarm),
                             bd_alarm_level_to_label (bd_alarm_get_level (alarm)));
  body = describe (self, alarm);

  notification = g_hash_table_lookup (self->shown, alarm);
  if (notification != NULL)
    notify_notification_update (notification, summary, body, "dialog-warning-symbolic");
  else
    {
      notification = notify_notification_new (summary, body, "dialog-warning-symbolic");
      notify_notification_set_app_name (notification, _("Brokerdesk"));
      g_hash_table_insert (self->shown, g_object_ref (alarm), notification);
    }
  notify_notification_set_urgency (notification, urgency_for (bd_alarm_get_priority (alarm)));
  notify_notification_set_category (notification, "device.error");
  {
    g_autoptr(GPtrArray) alarms = g_ptr_array_new_with_free_func (g_object_unref);

    g_ptr_array_add (alarms, g_object_ref (alarm));
    add_actions (self, notification, alarms);
  }
  show (self, notification);
}

/* The alarm topic without its last level ("busan/factory/assembly" for
 * ".../assembly/temperature"): what the plant calls an area. */
static char *
area_of (BdAlarm *alarm)
{
  const char *topic = bd_alarm_get_topic (alarm);
  const char *slash = topic != NULL ? strrchr (topic, '/') : NULL;

  return slash != NULL ? g_strndup (topic, slash - topic) : g_strdup (topic != NULL ? topic : "");
}

static void
on_group_closed_cb (NotifyNotification *notification,
                    BdAlarmNotifier    *self)
{
  g_ptr_array_remove (self->groups, notification);
}

static void
notify_group (BdAlarmNotifier *self,
              const char      *area,
              GPtrArray       *alarms)
{
  g_autofree char *summary = NULL;
  g_autoptr(GString) body = g_string_new (NULL);
  NotifyNotification *notification;

  /* Translators: a notification's title: how many alarms, in which area */
  summary = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u alarm raised in %s",
                                          "%u alarms raised in %s", alarms->len),
                             alarms->len, area);
  for (guint i = 0; i < alarms->len && i < 5; i++)
    {
      g_autofree char *line = describe (self, g_ptr_array_index (alarms, i));

      g_string_append_printf (body, "%s%s", i > 0 ? "\n" : "", line);
    }
  if (alarms->len > 5)
    g_string_append (body, "\n…");
  notification = notify_notification_new (summary, body->str, "dialog-warning-symbolic");
  notify_notification_set_app_name (notification, _("Brokerdesk"));
  notify_notification_set_urgency (notification, NOTIFY_URGENCY_NORMAL);
  notify_notification_set_category (notification, "device.error");
  add_actions (self, notification, alarms);
  /* Kept until closed: its actions arrive through it. */
  g_ptr_array_add (self->groups, notification);
  g_signal_connect_object (notification, "closed", G_CALLBACK (on_group_closed_cb), self, 0);
  show (self, notification);
}

static gboolean
flush_cb (gpointer data)
{
  BdAlarmNotifier *self = data;
  g_autoptr(GPtrArray) held = g_steal_pointer (&self->held);

  self->flush_id = 0;
  self->held = g_ptr_array_new_with_free_func (g_object_unref);

  /* One notification per area; an area's single alarm is shown as itself. */
  while (held->len > 0)
    {
      BdAlarm *first = g_ptr_array_index (held, 0);
      g_autofree char *area = area_of (first);
      g_autoptr(GPtrArray) group = g_ptr_array_new_with_free_func (g_object_unref);

      for (guint i = 0; i < held->len;)
        {
          BdAlarm *alarm = g_ptr_array_index (held, i);
          g_autofree char *other = area_of (alarm);

          if (g_strcmp0 (area, other) == 0)
            g_ptr_array_add (group, g_ptr_array_steal_index (held, i));
          else
            i++;
        }
      if (group->len == 1)
        notify_one (self, g_ptr_array_index (group, 0));
      else
        notify_group (self, area, group);
    }
  return G_SOURCE_REMOVE;
}

static void
on_transition_cb (BdAlarmEngine   *engine,
                  BdAlarm         *alarm,
                  BdAlarmState     from_state,
                  BdAlarmLevel     from_level,
                  BdAlarmNotifier *self)
{
  BdAlarmState state = bd_alarm_get_state (alarm);
  gint64 since_last_ms;

  if (!bd_alarm_transition_is_raise (from_state, from_level, state, bd_alarm_get_level (alarm)))
    {
      /* Acknowledged, shelved or cleared: the bubble has done its job. */
      if (state != BD_ALARM_STATE_UNACK)
        withdraw (self, alarm);
      return;
    }
  if (self->broken)
    return;

  since_last_ms = (g_get_monotonic_time () - self->last_us) / 1000;
  if (self->flush_id == 0 && since_last_ms >= RATE_MS)
    {
      notify_one (self, alarm);
      return;
    }
  if (!g_ptr_array_find (self->held, alarm, NULL))
    g_ptr_array_add (self->held, g_object_ref (alarm));
  if (self->flush_id == 0)
    self->flush_id = g_timeout_add (MAX (0, RATE_MS - since_last_ms), flush_cb, self);
}

static void
bd_alarm_notifier_dispose (GObject *object)
{
  BdAlarmNotifier *self = BD_ALARM_NOTIFIER (object);

  if (self->engine != NULL)
    {
      g_clear_signal_handler (&self->transition_id, self->engine);
      g_clear_weak_pointer (&self->engine);
    }
  g_clear_weak_pointer (&self->service);
  g_clear_handle_id (&self->flush_id, g_source_remove);
  if (self->watch_id != 0)
    g_clear_handle_id (&self->watch_id, g_bus_unwatch_name);
  if (self->shown != NULL)
    g_hash_table_remove_all (self->shown);
  if (self->groups != NULL)
    g_ptr_array_set_size (self->groups, 0);
  if (self->held != NULL)
    g_ptr_array_set_size (self->held, 0);

  G_OBJECT_CLASS (bd_alarm_notifier_parent_class)->dispose (object);
}

static void
bd_alarm_notifier_finalize (GObject *object)
{
  BdAlarmNotifier *self = BD_ALARM_NOTIFIER (object);

  g_clear_pointer (&self->shown, g_hash_table_unref);
  g_clear_pointer (&self->held, g_ptr_array_unref);
  g_clear_pointer (&self->groups, g_ptr_array_unref);

  G_OBJECT_CLASS (bd_alarm_notifier_parent_class)->finalize (object);
}

static void
bd_alarm_notifier_class_init (BdAlarmNotifierClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = bd_alarm_notifier_dispose;
  object_class->finalize = bd_alarm_notifier_finalize;

  /* Open was chosen on a notification: the alarm, or NULL for a group. */
  signals[OPEN] = g_signal_new ("open", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                NULL, NULL, NULL, G_TYPE_NONE, 1, BD_TYPE_ALARM);
}

static void
bd_alarm_notifier_init (BdAlarmNotifier *self)
{
  self->shown = g_hash_table_new_full (NULL, NULL, g_object_unref, g_object_unref);
  self->held = g_ptr_array_new_with_free_func (g_object_unref);
  self->groups = g_ptr_array_new_with_free_func (g_object_unref);
  self->last_us = G_MININT64 / 2;
}

/* A server that (re)starts after a failed call is used again. */
static void
on_server_appeared_cb (GDBusConnection *connection,
                       const char      *name,
                       const char      *owner,
                       gpointer         user_data)
{
  BdAlarmNotifier *self = user_data;

  if (self->broken)
    g_debug ("A notification server is back: notifying again");
  self->broken = FALSE;
}

BdAlarmNotifier *
bd_alarm_notifier_new (BdAlarmEngine *engine)
{
  BdAlarmNotifier *self;

  g_return_val_if_fail (BD_IS_ALARM_ENGINE (engine), NULL);

  /* Once per process; the name is what servers group notifications by. */
  if (!notify_is_initted () && !notify_init ("Brokerdesk"))
    g_debug ("libnotify could not be initialised; no desktop notifications");

  self = g_object_new (BD_TYPE_ALARM_NOTIFIER, NULL);
  self->broken = !notify_is_initted ();
  if (notify_is_initted ())
    self->watch_id = g_bus_watch_name (G_BUS_TYPE_SESSION, NOTIFICATIONS_NAME,
                                       G_BUS_NAME_WATCHER_FLAGS_NONE,
                                       on_server_appeared_cb, NULL, self, NULL);
  g_set_weak_pointer (&self->engine, engine);
  self->transition_id = g_signal_connect (engine, "transition",
                                          G_CALLBACK (on_transition_cb), self);
  return self;
}

gboolean
bd_alarm_notifier_is_connected (BdAlarmNotifier *self)
{
  g_return_val_if_fail (BD_IS_ALARM_NOTIFIER (self), FALSE);

  return !self->broken;
}

void
bd_alarm_notifier_set_service (BdAlarmNotifier *self,
                               BdService       *service)
{
  g_return_if_fail (BD_IS_ALARM_NOTIFIER (self));

  g_set_weak_pointer (&self->service, service);
}
