/* bd-alarm-row.h — one active alarm on the Alarms page
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "bd-alarm-engine.h"
#include "bd-service.h"

G_BEGIN_DECLS

#define BD_TYPE_ALARM_ROW (bd_alarm_row_get_type ())
G_DECLARE_FINAL_TYPE (BdAlarmRow, bd_alarm_row, BD, ALARM_ROW, AdwActionRow)

/* The row follows @alarm for its whole life and emits "acknowledge" and
 * "shelve" (no arguments) for its buttons; "shelve" on a shelved alarm
 * means unshelve. */
GtkWidget *bd_alarm_row_new       (BdAlarm    *alarm);
BdAlarm   *bd_alarm_row_get_alarm (BdAlarmRow *self);
/* Names the place and the value with the overview's label and unit of the
 * alarm's series (NULL: the topic and the plain value); call again when the
 * overview changed. */
void       bd_alarm_row_set_service (BdAlarmRow *self,
                                     BdService  *service);

G_END_DECLS
