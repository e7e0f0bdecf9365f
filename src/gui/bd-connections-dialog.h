/* bd-connections-dialog.h — choose, add, edit and delete broker connections
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "bd-connection-manager.h"

G_BEGIN_DECLS

#define BD_TYPE_CONNECTIONS_DIALOG (bd_connections_dialog_get_type ())
G_DECLARE_FINAL_TYPE (BdConnectionsDialog, bd_connections_dialog, BD, CONNECTIONS_DIALOG,
                      AdwPreferencesWindow)

GtkWidget *bd_connections_dialog_new (BdConnectionManager *manager);

G_END_DECLS
