/* bd-charts-page.h — the Charts page: plots of numeric topic values and their history
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "bd-alarm-engine.h"
#include "bd-history.h"
#include "bd-journal.h"
#include "bd-service.h"

G_BEGIN_DECLS

#define BD_TYPE_CHARTS_PAGE (bd_charts_page_get_type ())
G_DECLARE_FINAL_TYPE (BdChartsPage, bd_charts_page, BD, CHARTS_PAGE, AdwBin)

GtkWidget  *bd_charts_page_new          (void);

/* Where the charts read from; NULL: recording is off, and the page says so. */
void        bd_charts_page_set_history  (BdChartsPage *self,
                                         BdHistory    *history);
/* Whose overview gives each chart its label, unit, scale and decimals
 * (bd_service_get_overview ()), followed as it changes; NULL: none. */
void        bd_charts_page_set_service  (BdChartsPage *self,
                                         BdService    *service);
/* Whose rules give each chart its alarm limits (NULL: none), followed as
 * they change. */
void        bd_charts_page_set_alarm_engine (BdChartsPage  *self,
                                             BdAlarmEngine *alarms);
/* Where each chart's alarm transitions are read from, at every refresh
 * (NULL: no markers). */
void        bd_charts_page_set_journal  (BdChartsPage *self,
                                         BdJournal    *journal);
/* Charts every numeric series recorded for @topic (up to 8: the topic itself
 * for plain values, "topic#field" for each member of JSON objects), skipping
 * those already charted, and scrolls to the first. Looks them up in the
 * history asynchronously; a toast says when there is none yet. */
void        bd_charts_page_chart_topic  (BdChartsPage *self,
                                         const char   *topic);
/* Charts one series ("topic" or "topic#field"); FALSE if it already is. */
gboolean    bd_charts_page_add_series   (BdChartsPage *self,
                                         const char   *series);

/* The charted series in order (for tests and the window). */
GStrv       bd_charts_page_dup_series   (BdChartsPage *self);
/* The card's chart of @series, or NULL (for tests). */
GtkWidget  *bd_charts_page_get_chart    (BdChartsPage *self,
                                         const char   *series);

G_END_DECLS
