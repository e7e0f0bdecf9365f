/* bd-window.h — the main window
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "bd-application.h"

G_BEGIN_DECLS

#define BD_TYPE_WINDOW (bd_window_get_type ())
G_DECLARE_FINAL_TYPE (BdWindow, bd_window, BD, WINDOW, AdwApplicationWindow)

BdWindow   *bd_window_new              (BdApplication *application);
/* Shows where the embedded broker listens, or why it does not. */
void        bd_window_update_broker_status (BdWindow  *self);
/* Takes ownership of @toast (as adw_toast_overlay_add_toast() does). */
void        bd_window_add_toast        (BdWindow      *self,
                                        AdwToast      *toast);
/* Page names: "topics", "charts", "alarms", "relays", "broker". */
const char *bd_window_get_visible_page (BdWindow      *self);
void        bd_window_set_visible_page (BdWindow      *self,
                                        const char    *name);
/* Where the embedded broker listens, for the pages that show it. */
void        bd_window_set_broker_address (BdWindow    *self,
                                          const char  *host,
                                          guint        port);

G_END_DECLS
