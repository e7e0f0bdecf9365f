/* bd-test-relays.c — what the relay tests wait for
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "bd-test-relays.h"

gboolean
bd_test_relay_is_on (gpointer data)
{
  return bd_relay_get_state (data) == BD_RELAY_STATE_ON;
}

gboolean
bd_test_relay_is_off (gpointer data)
{
  return bd_relay_get_state (data) == BD_RELAY_STATE_OFF;
}

gboolean
bd_test_relay_not_pending (gpointer data)
{
  return !bd_relay_get_pending (data);
}

gboolean
bd_test_setpoint_not_pending (gpointer data)
{
  return !bd_setpoint_get_pending (data);
}
