/* bd-relay-dialog.h — the dialog that adds or edits a relay
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "bd-relay-controller.h"

G_BEGIN_DECLS

#define BD_TYPE_RELAY_DIALOG (bd_relay_dialog_get_type ())
G_DECLARE_FINAL_TYPE (BdRelayDialog, bd_relay_dialog, BD, RELAY_DIALOG, AdwWindow)

/* @draft fills the fields (it is not changed); @editing_id NULL adds a new
 * relay, otherwise Save replaces the relay with that id. Emits "saved" (the
 * new BdRelay) and closes when the controller accepted the relay. */
BdRelayDialog *bd_relay_dialog_new        (BdRelayController *controller,
                                           BdRelay           *draft,
                                           const char        *editing_id);
/* The relay the fields describe, or NULL and the first problem. */
BdRelay       *bd_relay_dialog_dup_relay  (BdRelayDialog     *self,
                                           GError           **error);
/* Presses Save (for tests and the keyboard: Ctrl+S / Enter in a field). */
gboolean       bd_relay_dialog_save       (BdRelayDialog     *self);
/* The problem shown under the fields, NULL when there is none. */
const char    *bd_relay_dialog_get_problem (BdRelayDialog    *self);

/* Proposes a relay for a topic seen in the tree (see the .c for the rule). */
BdRelay       *bd_relay_dialog_draft_for_topic (const char   *topic);

G_END_DECLS
