/* bd-autostart.h — starting Brokerdesk in the background at login
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The option an autostarted Brokerdesk runs with: the broker, no window. */
#define BD_AUTOSTART_OPTION "--background"

/* Asks for Brokerdesk to be started at login with BD_AUTOSTART_OPTION, or not
 * any more. On the host that is a desktop entry in
 * $XDG_CONFIG_HOME/autostart (written or removed on a worker thread); in the
 * Flatpak sandbox, which cannot write there, the Background portal's
 * RequestBackground. Failures are logged: nothing else depends on them. */
void      bd_autostart_set_async  (gboolean             enabled,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data);
gboolean  bd_autostart_set_finish (GAsyncResult        *result,
                                   GError             **error);

/* The desktop entry written on the host, for @exec_path (the program). */
char     *bd_autostart_dup_desktop_entry (const char *exec_path);

G_END_DECLS
