/* bd-auth-reload.h — reading the password and ACL files again at run time
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "bd-engine.h"

G_BEGIN_DECLS

/* Reads every listener's password_file and acl_file again (on a worker
 * thread: no disk on the engine thread), then puts them in place on the
 * engine thread, where clients that stay allowed keep their connections and
 * a connected client whose user name the new password file no longer holds
 * is disconnected at once (NOT_AUTHORIZED to an MQTT 5 client). The new ACL
 * applies from the next packet: reads are checked per delivery. If a file
 * cannot be read or parsed, nothing changes and the error names FILE:LINE.
 * Every TLS listener's certificate files are read again as well (new
 * handshakes use them; connected clients stay): a listener whose new files
 * cannot be used keeps its previous certificate, logged with FILE:LINE, and
 * that is no error of the reload.
 * @callback runs in the caller's thread-default main context. */
void      bd_engine_reload_auth_async  (BdEngine            *engine,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data);
/* The number of clients disconnected, or -1 with @error. */
int       bd_engine_reload_auth_finish (GAsyncResult        *result,
                                        GError             **error);

/* Lets clients without a user name in, or not, on every listener from now
 * on (allow_anonymous). Turning it off disconnects the anonymous clients
 * connected (NOT_AUTHORIZED to an MQTT 5 client); the others stay. Applied
 * on the engine thread; @callback (may be NULL) runs in the caller's
 * thread-default main context once it is. */
void      bd_engine_set_allow_anonymous_async  (BdEngine            *engine,
                                                gboolean             allow,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
/* The number of clients disconnected, or -1 with @error. */
int       bd_engine_set_allow_anonymous_finish (GAsyncResult        *result,
                                                GError             **error);

G_END_DECLS
