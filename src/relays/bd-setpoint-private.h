/* bd-setpoint-private.h — what only the relay controller changes on a setpoint
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "bd-setpoint.h"

G_BEGIN_DECLS

/* Each notifies only on change; call on the controller's thread. */
void _bd_setpoint_set_value      (BdSetpoint *self,
                                  double      value,
                                  gint64      time_us);
void _bd_setpoint_set_target     (BdSetpoint *self,
                                  double      target);

G_END_DECLS
