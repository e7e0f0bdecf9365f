/* bd-broker-setup.h — from command-line options to a configured engine
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Shared by --headless and the GUI, so both read the same configuration the
 * same way: one configuration serves both.
 */

#pragma once

#include "bd-engine.h"
#include "bd-options.h"

G_BEGIN_DECLS

/* Reads --config (if any), applies --port/--bind to the default listener and
 * the data directory. Does not start the engine. Errors name FILE:LINE. */
BdEngine *bd_broker_setup (const BdOptions *options,
                           GError         **error);

G_END_DECLS
