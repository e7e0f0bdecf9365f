/* bd-preferences-dialog.h — the Preferences dialog
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define BD_TYPE_PREFERENCES_DIALOG (bd_preferences_dialog_get_type ())
G_DECLARE_FINAL_TYPE (BdPreferencesDialog, bd_preferences_dialog, BD, PREFERENCES_DIALOG,
                      AdwPreferencesWindow)

/* Binds its rows to @settings (the io.github.brokerdesk.Brokerdesk schema),
 * but the port, which is Brokerdesk's own configuration file's; with
 * @config_file (--config's), that file's listeners decide and the port row
 * only says so. */
BdPreferencesDialog *bd_preferences_dialog_new (GSettings  *settings,
                                                const char *config_file);

G_END_DECLS
