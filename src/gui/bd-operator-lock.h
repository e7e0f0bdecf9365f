/* bd-operator-lock.h — the window locked to viewing
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "bd-relay-controller.h"

G_BEGIN_DECLS

#define BD_TYPE_OPERATOR_LOCK (bd_operator_lock_get_type ())
G_DECLARE_FINAL_TYPE (BdOperatorLock, bd_operator_lock, BD, OPERATOR_LOCK, GObject)

/* The PIN's hash is the "operator-pin" key of @settings. */
BdOperatorLock *bd_operator_lock_new          (GSettings         *settings);
/* From now on, while locked, @relays refuses the window's commands (the
 * operator's switches and the publish panel); automations go on. */
void            bd_operator_lock_guard_relays (BdOperatorLock    *self,
                                               BdRelayController *relays);
gboolean        bd_operator_lock_has_pin      (BdOperatorLock    *self);
/* Hashes @pin (as mosquitto_passwd does) into the settings; an empty or
 * NULL @pin removes it, and with it the lock. */
gboolean        bd_operator_lock_set_pin      (BdOperatorLock    *self,
                                               const char        *pin,
                                               GError           **error);
gboolean        bd_operator_lock_get_locked   (BdOperatorLock    *self);
/* FALSE, and stays unlocked, without a PIN. */
gboolean        bd_operator_lock_lock         (BdOperatorLock    *self);
/* FALSE for a wrong PIN. */
gboolean        bd_operator_lock_unlock       (BdOperatorLock    *self,
                                               const char        *pin);

/* The lock the window's pages obey (the application's); weak. */
void            bd_operator_lock_set_default  (BdOperatorLock    *lock);
/* For an edit that needs unlocking (rules, retained messages): TRUE, with a
 * toast on @widget saying why, while the default lock is locked. */
gboolean        bd_operator_lock_refuses      (GtkWidget         *widget);

G_END_DECLS
