/* bd-relay-switch.c — the relay switch shared by the Relays and Overview pages
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * GtkSwitch's delayed-state protocol: "active" is where the operator put
 * the handle, "state" is what the device confirmed. While a command is
 * pending the two differ and GTK draws the switch in between; when the
 * command fails, "active" goes back to the confirmed state, so the switch
 * never claims what the device did not say.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "bd-relay-switch.h"
#include "bd-gui-util.h"

void
_bd_relay_switch_sync (BdRelaySwitch *self,
                       BdRelay       *relay,
                       const char    *status)
{
  BdRelayState state = bd_relay_get_state (relay);
  gboolean pending = bd_relay_get_pending (relay);

  self->syncing = TRUE;
  gtk_switch_set_active (self->toggle, pending ? bd_relay_get_target (relay) == BD_RELAY_STATE_ON
                                               : state == BD_RELAY_STATE_ON);
  gtk_switch_set_state (self->toggle, state == BD_RELAY_STATE_ON);
  self->syncing = FALSE;
  gtk_spinner_set_spinning (self->spinner, pending);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), pending);

  gtk_label_set_label (self->status_label, status);
  _bd_widget_set_css_class (GTK_WIDGET (self->status_label), "error",
                            bd_relay_get_last_error (relay) != NULL && !pending);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->toggle),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, bd_relay_get_name (relay),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, status,
                                  -1);
}

const char *
_bd_relay_switch_get_busy_status (BdRelay *relay)
{
  if (bd_relay_get_pending (relay))
    return _("Waiting for device…");
  return bd_relay_get_last_error (relay);
}

char *
_bd_relay_switch_set (BdRelaySwitch     *self,
                      BdRelayController *controller,
                      BdRelay           *relay,
                      gboolean           on)
{
  g_autoptr(GError) error = NULL;

  if (self->syncing)
    return NULL;
  if (controller != NULL && bd_relay_controller_set (controller, relay, on, &error))
    return NULL;
  /* Translators: "Cannot switch Fan, manufacture: Not connected to a broker" */
  return g_strdup_printf (_("Cannot switch %s: %s"), bd_relay_get_name (relay),
                          error != NULL ? error->message : _("no relay controller"));
}
