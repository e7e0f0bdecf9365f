/* bd-test-relays.h — what the relay tests wait for
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "bd-relay.h"
#include "bd-setpoint.h"

G_BEGIN_DECLS

/* Conditions for bd_test_wait_until () on the BdRelay or BdSetpoint @data. */
gboolean bd_test_relay_is_on          (gpointer data);
gboolean bd_test_relay_is_off         (gpointer data);
gboolean bd_test_relay_not_pending    (gpointer data);
gboolean bd_test_setpoint_not_pending (gpointer data);

G_END_DECLS
