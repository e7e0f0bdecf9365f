/* bd-alarms-page.h — the Alarms page: alarms raised by limits on topic values
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "bd-alarm-engine.h"
#include "bd-service.h"
#include "bd-journal.h"

G_BEGIN_DECLS

#define BD_TYPE_ALARMS_PAGE (bd_alarms_page_get_type ())
G_DECLARE_FINAL_TYPE (BdAlarmsPage, bd_alarms_page, BD, ALARMS_PAGE, AdwBin)

GtkWidget     *bd_alarms_page_new                (void);

/* Shows @engine's alarms and rules (NULL: the page says alarms are
 * unavailable). */
void           bd_alarms_page_set_engine         (BdAlarmsPage  *self,
                                                  BdAlarmEngine *engine);
/* Where the page reads the alarm journal from (may be NULL): the service
 * writes every transition there. */
void           bd_alarms_page_set_journal        (BdAlarmsPage  *self,
                                                  BdJournal     *journal);
BdAlarmEngine *bd_alarms_page_get_engine         (BdAlarmsPage  *self);
/* Whose overview names the alarms' places and values (labels, units);
 * NULL: topics and plain values. */
void           bd_alarms_page_set_service        (BdAlarmsPage  *self,
                                                  BdService     *service);

/* Opens the rule editor for a new rule watching @topic. */
void           bd_alarms_page_add_rule_for_topic (BdAlarmsPage  *self,
                                                  const char    *topic);

G_END_DECLS
