/* bd-connection-manager.h — which broker the console shows, and its client
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The console shows either the embedded broker (the default) or one saved
 * profile's remote broker. The manager owns the BdRemoteClient of the active
 * profile, fetches its password from the keyring, and announces every switch
 * with "active-connection-changed" (the client, or NULL for the embedded
 * broker), so the topic tree can move its tap from the engine to the client.
 *
 * No widgets here. Main thread only; the client runs on the main context.
 */

#pragma once

#include <gio/gio.h>

#include "bd-connection-profiles.h"
#include "bd-remote-client.h"

G_BEGIN_DECLS

#define BD_TYPE_CONNECTION_MANAGER (bd_connection_manager_get_type ())
G_DECLARE_FINAL_TYPE (BdConnectionManager, bd_connection_manager, BD, CONNECTION_MANAGER, GObject)

BdConnectionManager  *bd_connection_manager_new              (BdConnectionProfiles *profiles);
BdConnectionProfiles *bd_connection_manager_get_profiles     (BdConnectionManager  *self);

/* Activates the auto-connect profile, if there is one. */
void                  bd_connection_manager_start            (BdConnectionManager  *self);
/* Back to the embedded broker, disconnecting any remote client. */
void                  bd_connection_manager_stop             (BdConnectionManager  *self);

/* NULL: the embedded broker. Otherwise a profile id; activating the active
 * profile again reconnects with its current settings and password. */
void                  bd_connection_manager_activate         (BdConnectionManager  *self,
                                                              const char           *profile_id);
/* The active profile's id, or NULL for the embedded broker. */
const char           *bd_connection_manager_get_active_id    (BdConnectionManager  *self);
/* The active profile (a copy taken on activation), or NULL. */
const BdConnectionProfile *bd_connection_manager_get_active_profile (BdConnectionManager *self);
/* The active remote client, or NULL (embedded, or still reading the keyring). */
BdRemoteClient       *bd_connection_manager_get_remote_client (BdConnectionManager *self);

G_END_DECLS
