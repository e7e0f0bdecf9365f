/* bd-test-service.h — the whole stack in the test's process
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "bd-service.h"

G_BEGIN_DECLS

/* A BdService on 127.0.0.1 port 0 keeping its data in @data_dir, started
 * without its operations (alarms, relays); fails the test on an error.
 * Stop it with bd_service_stop () before dropping it. */
BdService *bd_test_service_start (const char *data_dir);

G_END_DECLS
