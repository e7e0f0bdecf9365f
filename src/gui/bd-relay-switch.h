/* bd-relay-switch.h — the relay switch shared by the Relays and Overview pages
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "bd-relay-controller.h"

G_BEGIN_DECLS

/* A relay's switch, spinner and status label. */
typedef struct
{
  GtkSwitch  *toggle;
  GtkSpinner *spinner;
  GtkLabel   *status_label;
  gboolean    syncing;      /* our own changes to the switch */
} BdRelaySwitch;

/* Shows @relay in @self's widgets: the handle where the operator put it,
 * the switch's state what the device confirmed, the spinner while a
 * command is pending, and @status (marked as an error while the last
 * command failed) as the label and the switch's accessible description. */
void  _bd_relay_switch_sync (BdRelaySwitch *self,
                             BdRelay       *relay,
                             const char    *status);

/* The start of a status: "Waiting for device…" while pending, else the
 * last error; NULL when neither, for the caller's own wording. */
const char *_bd_relay_switch_get_busy_status (BdRelay *relay);

/* Handles the switch's "state-set" to @on: asks @controller (may be NULL)
 * to switch @relay. Returns NULL when the command went out, else a message
 * for the operator; the caller then syncs the switch back. */
char *_bd_relay_switch_set  (BdRelaySwitch     *self,
                             BdRelayController *controller,
                             BdRelay           *relay,
                             gboolean           on);

G_END_DECLS
