/* bd-settings-file.h — durable, atomic saving of a small settings file
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * alarms.ini, relays.ini, connections.ini and the broker's state are all
 * rewritten whole. A crash or a full disk in the middle must leave either
 * the old file or the new one, never a truncated mix, and "saved" must mean
 * on the disk, not in the page cache.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Replaces @path with @length bytes of @contents: creates its folder (mode
 * 0700) if needed, writes a temporary file beside it with mode 0600 (these
 * files may hold user names and topics the user keeps private), fsyncs it,
 * renames it over @path and fsyncs the folder so the rename itself is
 * durable. Blocks on the disk: never call it on the main or engine thread.
 * On failure @error names the file or folder and @path is left as it was. */
gboolean bd_settings_file_save (const char  *path,
                                const char  *contents,
                                gsize        length,
                                GError     **error);

G_END_DECLS
