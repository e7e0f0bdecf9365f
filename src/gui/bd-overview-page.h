/* bd-overview-page.h — the Overview page: the plant's areas, tiles and relays
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "bd-service.h"
#include "bd-overview-tile.h"

G_BEGIN_DECLS

#define BD_TYPE_OVERVIEW_PAGE (bd_overview_page_get_type ())
G_DECLARE_FINAL_TYPE (BdOverviewPage, bd_overview_page, BD, OVERVIEW_PAGE, AdwBin)

/* The page emits "loaded" (gboolean is_new) once overview.ini is read:
 * is_new when it was made now (a first run). */
GtkWidget        *bd_overview_page_new            (void);
/* Loads the overview through @service and follows its engine, history,
 * alarms and relays (NULL: the page stops following). */
void              bd_overview_page_set_service    (BdOverviewPage *self,
                                                   BdService      *service);
/* Wall-screen mode: larger type that scales with the width, no editing
 * controls; the banner of the most urgent alarm stays. */
void              bd_overview_page_set_wall_mode  (BdOverviewPage *self,
                                                   gboolean        wall);
gboolean          bd_overview_page_get_wall_mode  (BdOverviewPage *self);
/* The visible series, in display order (for the first charts and tests). */
GStrv             bd_overview_page_dup_series     (BdOverviewPage *self);
/* The tile of @series, shown or not, or NULL (for tests). */
BdOverviewTile   *bd_overview_page_get_tile       (BdOverviewPage *self,
                                                   const char     *series);
/* The overview as configured now (for tests); NULL before it is loaded. */
BdOverviewConfig *bd_overview_page_get_config    (BdOverviewPage *self);
/* The banner's text, or NULL when no alarm is active (for tests). */
const char       *bd_overview_page_get_banner     (BdOverviewPage *self);

G_END_DECLS
