/* bd-listeners-group.h — the Broker page's listeners and their certificates
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "bd-engine.h"

G_BEGIN_DECLS

#define BD_TYPE_LISTENERS_GROUP (bd_listeners_group_get_type ())
G_DECLARE_FINAL_TYPE (BdListenersGroup, bd_listeners_group, BD, LISTENERS_GROUP,
                      AdwPreferencesGroup)

GtkWidget    *bd_listeners_group_new          (void);
/* Where the broker will listen, shown until it runs. */
void          bd_listeners_group_set_address  (BdListenersGroup *self,
                                               const char       *host,
                                               guint             port);
/* One row per listener of @engine (running), with its certificate. */
void          bd_listeners_group_set_engine   (BdListenersGroup *self,
                                               BdEngine         *engine);

/* For tests: whether the certificates have been read, the listener rows,
 * whether a row warns (an expiring or expired certificate), and the
 * command of the "Watch Every Topic" row and of a listener's row. */
gboolean      bd_listeners_group_is_loaded    (BdListenersGroup *self);
guint         bd_listeners_group_get_n_rows   (BdListenersGroup *self);
AdwActionRow *bd_listeners_group_get_row      (BdListenersGroup *self,
                                               guint             index);
gboolean      bd_listeners_group_row_warns    (BdListenersGroup *self,
                                               guint             index);
/* "Encrypted (TLS)" or "Not encrypted". */
const char   *bd_listeners_group_get_row_state (BdListenersGroup *self,
                                                guint             index);
const char   *bd_listeners_group_get_command  (BdListenersGroup *self);
char         *bd_listeners_group_dup_row_command (BdListenersGroup *self,
                                                  guint             index);

G_END_DECLS
