/* bd-alarms-page.h — the Alarms page: alarms raised by limits on topic values
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define BD_TYPE_ALARMS_PAGE (bd_alarms_page_get_type ())
G_DECLARE_FINAL_TYPE (BdAlarmsPage, bd_alarms_page, BD, ALARMS_PAGE, AdwBin)

GtkWidget *bd_alarms_page_new (void);

G_END_DECLS
