/* bd-alarm-notifier.h — desktop notifications for raised alarms (libnotify)
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "bd-alarm-engine.h"
#include "bd-service.h"

G_BEGIN_DECLS

#define BD_TYPE_ALARM_NOTIFIER (bd_alarm_notifier_get_type ())
G_DECLARE_FINAL_TYPE (BdAlarmNotifier, bd_alarm_notifier, BD, ALARM_NOTIFIER, GObject)

/* Shows a notification for every raise (new alarm or escalation) of
 * @engine, rate-limited, and withdraws it when the alarm is acknowledged or
 * clears. Main thread only. Without a notification server (a bare X server,
 * a CI machine) it logs one g_debug and stays quiet, until a server
 * appears. A notification's Acknowledge and Shelve act on @engine; its Open
 * emits "open" (the alarm, or NULL for an area's group) for the
 * application to show the window. */
BdAlarmNotifier *bd_alarm_notifier_new (BdAlarmEngine *engine);
/* FALSE after a call to the notification server failed, until one owns
 * the name again. */
gboolean         bd_alarm_notifier_is_connected (BdAlarmNotifier *self);
/* Notifications then name a series by its overview label and unit. */
void             bd_alarm_notifier_set_service  (BdAlarmNotifier *self,
                                                 BdService       *service);

G_END_DECLS
