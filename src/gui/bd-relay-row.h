/* bd-relay-row.h — one relay on the Relays page: its switch, state and actions
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "bd-relay-controller.h"

G_BEGIN_DECLS

#define BD_TYPE_RELAY_ROW (bd_relay_row_get_type ())
G_DECLARE_FINAL_TYPE (BdRelayRow, bd_relay_row, BD, RELAY_ROW, GtkListBoxRow)

/* The row emits "edit" and "delete" (no arguments) for its buttons and
 * "toggle-failed" (a message) when a command cannot be sent. */
GtkWidget *bd_relay_row_new        (BdRelayController *controller,
                                    BdRelay           *relay);
BdRelay   *bd_relay_row_get_relay  (BdRelayRow        *self);
GtkSwitch *bd_relay_row_get_switch (BdRelayRow        *self);

G_END_DECLS
