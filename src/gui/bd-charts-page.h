/* bd-charts-page.h — the Charts page: plots of numeric topic values and their history
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define BD_TYPE_CHARTS_PAGE (bd_charts_page_get_type ())
G_DECLARE_FINAL_TYPE (BdChartsPage, bd_charts_page, BD, CHARTS_PAGE, AdwBin)

GtkWidget *bd_charts_page_new (void);

G_END_DECLS
