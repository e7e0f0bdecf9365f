/* bd-bridge-dialog.h — the dialog that adds or edits a bridge
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "bd-service.h"

G_BEGIN_DECLS

#define BD_TYPE_BRIDGE_DIALOG (bd_bridge_dialog_get_type ())
G_DECLARE_FINAL_TYPE (BdBridgeDialog, bd_bridge_dialog, BD, BRIDGE_DIALOG, AdwWindow)

/* Edits @config (copied), or a new bridge when NULL. Save writes its lines
 * into @config_path and has @service restart the bridge. */
BdBridgeDialog *bd_bridge_dialog_new      (BdService            *service,
                                           const char           *config_path,
                                           const BdBridgeConfig *config);
/* The bridge's lines as the dialog's fields say, checked by the
 * configuration reader, or NULL with its message. */
char           *bd_bridge_dialog_dup_text (BdBridgeDialog       *self,
                                           GError              **error);

G_END_DECLS
