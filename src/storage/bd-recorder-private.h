/* bd-recorder-private.h — test hooks of the recorder
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "bd-recorder.h"

G_BEGIN_DECLS

/* Opens the writer connection with SQLITE_OPEN_READONLY, which is what a
 * file the process may not write looks like to SQLite; chmod 0444 would not
 * do it for root, and CI runs as root. Before bd_recorder_start(). */
void _bd_recorder_set_force_read_only (BdRecorder *self,
                                       gboolean    read_only);
/* PRAGMA max_page_count on the writer connection (0 = SQLite's default), so
 * inserts fail with SQLITE_FULL as on a full disk. Applies now and on every
 * reopen. */
void _bd_recorder_set_max_page_count  (BdRecorder *self,
                                       gint64      max_pages);

G_END_DECLS
