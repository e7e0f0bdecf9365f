/* bd-client-row.h — one client in the Broker page's Clients list
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "bd-engine.h"

G_BEGIN_DECLS

/* "TLS 1.3", "WebSocket over TLS 1.2", "TCP"…: how @info's client is
 * connected, for people; NULL while it is away. */
char      *bd_client_info_dup_transport_label (const BdClientInfo *info);
/* An AdwActionRow: the client id, its address, MQTT version, transport and
 * session figures, and a lock icon saying whether the connection is
 * encrypted. */
GtkWidget *bd_client_row_new                 (const BdClientInfo *info);

G_END_DECLS
