/* bd-operations-alarms.h — commands that their device did not confirm, as alarms
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The relay controller knows nothing of alarms and the alarm engine nothing
 * of relays: the service wires the controller's command outcomes into
 * operations alarms here, so the window and --headless raise them alike.
 */

#pragma once

#include "bd-alarm-engine.h"
#include "bd-relay-controller.h"

G_BEGIN_DECLS

/* For as long as both live: a relay or setpoint command that times out or
 * is contradicted raises the alarm "command:KIND:ID" in @alarms; the next
 * command to that relay or setpoint its device confirms returns it. */
void  bd_operations_alarms_follow_relays (BdAlarmEngine     *alarms,
                                          BdRelayController *relays);

/* The id of the operations alarm of a relay or setpoint (@kind "relay" or
 * "setpoint"). */
char *bd_operations_alarms_dup_command_id (const char *kind,
                                           const char *id);

G_END_DECLS
