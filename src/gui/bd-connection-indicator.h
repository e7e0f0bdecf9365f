/* bd-connection-indicator.h — the header-bar button that shows the connection
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "bd-connection-manager.h"

G_BEGIN_DECLS

#define BD_TYPE_CONNECTION_INDICATOR (bd_connection_indicator_get_type ())
G_DECLARE_FINAL_TYPE (BdConnectionIndicator, bd_connection_indicator, BD, CONNECTION_INDICATOR,
                      GtkButton)

GtkWidget *bd_connection_indicator_new         (void);
/* @manager may be NULL (the button then says "Embedded broker" and is inert). */
void       bd_connection_indicator_set_manager (BdConnectionIndicator *self,
                                                BdConnectionManager   *manager);
/* What the button shows, e.g. "Plant — Reconnecting in 8 s" (for tests). */
char      *bd_connection_indicator_dup_text    (BdConnectionIndicator *self);

G_END_DECLS
