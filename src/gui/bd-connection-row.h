/* bd-connection-row.h — one saved broker connection in the Connections dialog
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "bd-connection-profiles.h"

G_BEGIN_DECLS

#define BD_TYPE_CONNECTION_ROW (bd_connection_row_get_type ())
G_DECLARE_FINAL_TYPE (BdConnectionRow, bd_connection_row, BD, CONNECTION_ROW, AdwActionRow)

/* A radio row for @profile, its check button in @group's group. The row
 * emits "chosen" when its check button becomes active, and "edit" and
 * "delete" (no arguments) for its buttons. */
GtkWidget  *bd_connection_row_new            (const BdConnectionProfile *profile,
                                              GtkCheckButton            *group);
const char *bd_connection_row_get_profile_id (BdConnectionRow           *self);
void        bd_connection_row_set_active     (BdConnectionRow           *self,
                                              gboolean                   active);

G_END_DECLS
