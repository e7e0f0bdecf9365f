/* bd-setpoint-dialog.h — the dialog that adds or edits a setpoint
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "bd-relay-controller.h"

G_BEGIN_DECLS

#define BD_TYPE_SETPOINT_DIALOG (bd_setpoint_dialog_get_type ())
G_DECLARE_FINAL_TYPE (BdSetpointDialog, bd_setpoint_dialog, BD, SETPOINT_DIALOG, AdwMessageDialog)

/* @draft fills the fields; @editing_id NULL adds, otherwise Save replaces
 * the setpoint with that id. Save is enabled only while the fields
 * describe a valid setpoint; the body says what is wrong. */
BdSetpointDialog *bd_setpoint_dialog_new          (BdRelayController *controller,
                                                   BdSetpoint        *draft,
                                                   const char        *editing_id);
/* The setpoint the fields describe, or NULL and the first problem. */
BdSetpoint       *bd_setpoint_dialog_dup_setpoint (BdSetpointDialog  *self,
                                                   GError           **error);

G_END_DECLS
