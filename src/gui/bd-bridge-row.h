/* bd-bridge-row.h — one bridge on the Broker page
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "bd-bridge.h"

G_BEGIN_DECLS

#define BD_TYPE_BRIDGE_ROW (bd_bridge_row_get_type ())
G_DECLARE_FINAL_TYPE (BdBridgeRow, bd_bridge_row, BD, BRIDGE_ROW, AdwExpanderRow)

/* Its Edit and Remove buttons activate "bridge.edit" and "bridge.remove"
 * with @name. */
GtkWidget  *bd_bridge_row_new            (const char           *name);
const char *bd_bridge_row_get_name       (BdBridgeRow          *self);
void        bd_bridge_row_update         (BdBridgeRow          *self,
                                          const BdBridgeStatus *status);
/* The state line ("Connected to …", "Refused by …"), as shown. */
const char *bd_bridge_row_get_state_text (BdBridgeRow          *self);

G_END_DECLS
