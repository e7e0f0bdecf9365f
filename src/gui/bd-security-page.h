/* bd-security-page.h — the broker's users, passwords and topic permissions
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "bd-engine.h"
#include "bd-journal.h"
#include "bd-listener-settings.h"
#include "bd-operator-lock.h"
#include "bd-security.h"

G_BEGIN_DECLS

#define BD_TYPE_SECURITY_PAGE (bd_security_page_get_type ())
G_DECLARE_FINAL_TYPE (BdSecurityPage, bd_security_page, BD, SECURITY_PAGE, AdwPreferencesPage)

/* @config_path: the configuration file the broker started from (--config),
 * or NULL for Brokerdesk's own; @data_dir: where a certificate made for
 * this computer is kept. */
GtkWidget  *bd_security_page_new                 (BdEngine       *engine,
                                                  const char     *config_path,
                                                  const char     *data_dir);

/* Adds the operator PIN to the page; while @lock is locked the page shows
 * everything but changes nothing. */
void        bd_security_page_set_operator_lock   (BdSecurityPage *self,
                                                  BdOperatorLock *lock);

/* Every change made on the page goes into @journal, with who and when. */
void        bd_security_page_set_journal         (BdSecurityPage *self,
                                                  BdJournal      *journal);

/* What the page's controls do, for the controls and for tests. Each change
 * is saved and applied on its own (bd_security_page_get_n_applied counts
 * the changes saved and applied, or failed: see get_error). */
gboolean    bd_security_page_set_user            (BdSecurityPage *self,
                                                  const char     *name,
                                                  const char     *password,
                                                  GError        **error);
/* Asks first; the returned dialog (owned by GTK) removes the user on its
 * "remove" response. */
GtkWidget  *bd_security_page_confirm_remove_user (BdSecurityPage *self,
                                                  const char     *name);
gboolean    bd_security_page_add_rule            (BdSecurityPage    *self,
                                                  BdSecurityRuleKind kind,
                                                  const char        *user,
                                                  BdSecurityAccess   access,
                                                  const char        *filter,
                                                  GError           **error);
void        bd_security_page_set_allow_anonymous (BdSecurityPage *self,
                                                  gboolean        allow);

/* The network listeners' group (bd-listener-settings.h). */
BdListenerSettings *bd_security_page_get_listener_settings (BdSecurityPage *self);
/* The times the configuration file was written (anonymous access, the
 * listeners), or failed to be: see get_error. */
guint       bd_security_page_get_n_saved         (BdSecurityPage *self);

/* TRUE once the files are read and no change is being saved. */
gboolean    bd_security_page_is_idle             (BdSecurityPage *self);
guint       bd_security_page_get_n_applied       (BdSecurityPage *self);
/* How many listener changes have reached the engine (or failed to). */
guint       bd_security_page_get_n_listeners_applied (BdSecurityPage *self);
/* The last failure to save or apply, NULL after a success. */
const char *bd_security_page_get_error           (BdSecurityPage *self);
/* What is unsafe about the listeners, as the page shows it; NULL if nothing. */
const char *bd_security_page_get_warning         (BdSecurityPage *self);
/* Where the users are stored and whether changes apply at once. */
const char *bd_security_page_get_status          (BdSecurityPage *self);

G_END_DECLS
