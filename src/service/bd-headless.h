/* bd-headless.h — running without a window
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "bd-options.h"

G_BEGIN_DECLS

/* Runs the engine until SIGINT or SIGTERM; returns the process exit status. */
int bd_headless_run    (const BdOptions *options);
/* Writes recorded history to standard output; returns the exit status. */
int bd_headless_export (const BdOptions *options);

G_END_DECLS
