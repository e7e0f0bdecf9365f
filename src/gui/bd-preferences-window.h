/* bd-preferences-window.h — the Preferences window
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define BD_TYPE_PREFERENCES_WINDOW (bd_preferences_window_get_type ())
G_DECLARE_FINAL_TYPE (BdPreferencesWindow, bd_preferences_window, BD, PREFERENCES_WINDOW,
                      AdwPreferencesWindow)

/* Binds its rows to @settings (the io.github.brokerdesk.Brokerdesk schema). */
BdPreferencesWindow *bd_preferences_window_new (GSettings *settings);

G_END_DECLS
