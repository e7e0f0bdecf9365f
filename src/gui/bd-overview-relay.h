/* bd-overview-relay.h — a relay's switch in an area of the Overview page
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "bd-relay-controller.h"

G_BEGIN_DECLS

#define BD_TYPE_OVERVIEW_RELAY (bd_overview_relay_get_type ())
G_DECLARE_FINAL_TYPE (BdOverviewRelay, bd_overview_relay, BD, OVERVIEW_RELAY, GtkWidget)

GtkWidget *bd_overview_relay_new       (BdRelayController *controller,
                                        BdRelay           *relay);
BdRelay   *bd_overview_relay_get_relay (BdOverviewRelay   *self);

G_END_DECLS
