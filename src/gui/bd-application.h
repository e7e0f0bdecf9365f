/* bd-application.h — the GTK application
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "bd-connection-manager.h"
#include "bd-options.h"
#include "bd-service.h"

G_BEGIN_DECLS

#define BD_TYPE_APPLICATION (bd_application_get_type ())
G_DECLARE_FINAL_TYPE (BdApplication, bd_application, BD, APPLICATION, AdwApplication)

/* Whether the settings schema is installed where GLib looks for it. Without
 * it g_settings_new () aborts the process, so this is asked before the
 * application starts; the error says how to run an uninstalled build. */
gboolean         bd_application_check_settings_schema (GError **error);

/* Copies what it needs from @options. */
BdApplication   *bd_application_new             (const BdOptions *options);
/* The copy of the command line the application was created with. */
const BdOptions *bd_application_get_options     (BdApplication   *self);
/* The application's settings; valid from startup until shutdown. */
GSettings       *bd_application_get_settings    (BdApplication   *self);
/* The port the embedded broker listens on once it runs (or, when it could
 * not start, the one the configuration file asked for); before that
 * --port if it was given, else the default. */
guint            bd_application_get_broker_port (BdApplication   *self);

/* The embedded broker with its history, alarms and relays (the "service"
 * property, notified when it starts): NULL while it starts, or when it could
 * not start, in which case bd_application_get_engine_error () says why.
 * Pages take their parts from it. */
BdService       *bd_application_get_service      (BdApplication *self);
const char      *bd_application_get_engine_error (BdApplication *self);

/* Which broker the console shows: see bd-connection-manager.h. Valid from
 * startup until shutdown; "active-connection-changed" (BdRemoteClient *or
 * NULL) is also emitted on the application itself. */
BdConnectionManager *bd_application_get_connection_manager (BdApplication *self);

G_END_DECLS
