/* bd-settings.h — GSettings schema id and key names
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One place for every key of data/io.github.brokerdesk.Brokerdesk.gschema.xml,
 * so a typo is a compile error instead of a run-time abort in GSettings.
 */

#pragma once

#include "config.h"

/* The schema id is the application id (see the schema file). */
#define BD_SETTINGS_SCHEMA_ID            APP_ID

/* Window state, restored when the main window is created. */
#define BD_SETTINGS_WINDOW_WIDTH         "window-width"
#define BD_SETTINGS_WINDOW_HEIGHT        "window-height"
#define BD_SETTINGS_WINDOW_MAXIMIZED     "window-maximized"
#define BD_SETTINGS_LAST_PAGE            "last-page"

/* The embedded broker's default listener. broker-port is no longer read:
 * the port is the configuration file's, which --headless reads too; a
 * value an earlier version saved is moved there once (bd-application.c). */
#define BD_SETTINGS_BROKER_PORT          "broker-port"
#define BD_SETTINGS_BROKER_LISTEN_ALL    "broker-listen-all"

/* The demo plant simulator that feeds the embedded broker. */
#define BD_SETTINGS_DEMO_PLANT           "demo-plant"
#define BD_SETTINGS_RUN_AT_LOGIN         "run-at-login"
#define BD_SETTINGS_OPERATOR_PIN         "operator-pin"
