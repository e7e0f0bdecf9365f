/* bd-relays-page.h — the Relays page: relay switches confirmed by their state topics
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define BD_TYPE_RELAYS_PAGE (bd_relays_page_get_type ())
G_DECLARE_FINAL_TYPE (BdRelaysPage, bd_relays_page, BD, RELAYS_PAGE, AdwBin)

GtkWidget *bd_relays_page_new (void);

G_END_DECLS
