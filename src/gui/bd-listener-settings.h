/* bd-listener-settings.h — the Security page's network listeners
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "bd-security.h"

G_BEGIN_DECLS

#define BD_TYPE_LISTENER_SETTINGS (bd_listener_settings_get_type ())
G_DECLARE_FINAL_TYPE (BdListenerSettings, bd_listener_settings, BD, LISTENER_SETTINGS,
                      AdwPreferencesGroup)

/* @data_dir: where "a certificate for this computer" is kept. */
GtkWidget *bd_listener_settings_new             (const char         *data_dir);
/* Edits @security's listeners from now on (borrowed: the caller keeps it
 * alive while the group has it). "changed" is emitted after each edit. */
void       bd_listener_settings_set_security    (BdListenerSettings *self,
                                                 BdSecurity         *security);

/* What the controls do, also for tests. */
gboolean   bd_listener_settings_set_listener    (BdListenerSettings     *self,
                                                 BdSecurityListenerKind  kind,
                                                 gboolean                enabled,
                                                 guint16                 port,
                                                 GError                **error);
void       bd_listener_settings_set_certificate (BdListenerSettings *self,
                                                 const char         *certfile,
                                                 const char         *keyfile);
/* Checks on a worker that @certfile and @keyfile go together and have not
 * expired (a pair that does not would stop the broker's next start), then
 * uses them; otherwise get_error says why. What the file chooser does. */
void       bd_listener_settings_use_files       (BdListenerSettings *self,
                                                 const char         *certfile,
                                                 const char         *keyfile);
/* Makes the local authority (once) and a certificate for this computer on
 * a worker, then uses it. */
void       bd_listener_settings_create_certificate (BdListenerSettings *self);
/* Copies the local authority's certificate to @destination on a worker. */
void       bd_listener_settings_export_ca       (BdListenerSettings *self,
                                                 GFile              *destination);
/* No certificate being made or exported. */
/* Shows @error (NULL: none) under the listeners, as for the group's own. */
void       bd_listener_settings_show_error      (BdListenerSettings *self,
                                                 const char         *error);
gboolean   bd_listener_settings_is_idle         (BdListenerSettings *self);
const char *bd_listener_settings_get_error      (BdListenerSettings *self);
/* The number of exports done. */
guint      bd_listener_settings_get_n_exported  (BdListenerSettings *self);

G_END_DECLS
