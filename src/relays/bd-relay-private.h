/* bd-relay-private.h — what only the relay controller changes on a relay
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "bd-relay.h"

G_BEGIN_DECLS

/* Each notifies only on change; call on the controller's thread. */
void _bd_relay_set_state      (BdRelay      *self,
                               BdRelayState  state,
                               gint64        time_us);
void _bd_relay_set_target     (BdRelay      *self,
                               BdRelayState  target);

G_END_DECLS
