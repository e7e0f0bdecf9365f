/* bd-setpoint-row.h — one setpoint on the Relays page: slider, entry, state
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "bd-relay-controller.h"

G_BEGIN_DECLS

#define BD_TYPE_SETPOINT_ROW (bd_setpoint_row_get_type ())
G_DECLARE_FINAL_TYPE (BdSetpointRow, bd_setpoint_row, BD, SETPOINT_ROW, GtkListBoxRow)

/* Emits "edit" and "delete" for its buttons and "set-failed" (a message)
 * when a value cannot be sent (out of range, blocked by an interlock). */
GtkWidget  *bd_setpoint_row_new          (BdRelayController *controller,
                                          BdSetpoint        *setpoint);
BdSetpoint *bd_setpoint_row_get_setpoint (BdSetpointRow     *self);
GtkScale   *bd_setpoint_row_get_scale    (BdSetpointRow     *self);
GtkSpinButton *bd_setpoint_row_get_spin_button (BdSetpointRow *self);
/* The line under the name: the confirmed value, "Waiting for device…" or
 * the last error. */
const char *bd_setpoint_row_get_status   (BdSetpointRow     *self);

G_END_DECLS
