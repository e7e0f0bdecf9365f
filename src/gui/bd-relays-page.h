/* bd-relays-page.h — the Relays page: relay switches confirmed by their state topics
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "bd-automation-engine.h"
#include "bd-relay-controller.h"

G_BEGIN_DECLS

#define BD_TYPE_RELAYS_PAGE (bd_relays_page_get_type ())
G_DECLARE_FINAL_TYPE (BdRelaysPage, bd_relays_page, BD, RELAYS_PAGE, AdwBin)

GtkWidget *bd_relays_page_new                 (void);
/* The page shows and edits @controller's relays (NULL: none; "Add Relay…"
 * is disabled). Takes a reference. */
void       bd_relays_page_set_controller      (BdRelaysPage      *self,
                                               BdRelayController *controller);
BdRelayController *bd_relays_page_get_controller (BdRelaysPage   *self);
/* Lists the automations and interlocks (an automation's mode can be
 * switched here) and prompts for what "ask" automations propose. */
void       bd_relays_page_set_automations     (BdRelaysPage       *self,
                                               BdAutomationEngine *automations);
/* Opens the relay editor prefilled for @topic: ".../x/state" becomes the
 * state topic with ".../x/set" as command topic, ".../x/set" the reverse,
 * and any other topic the state topic with topic + "/set" as the command
 * topic (a topic seen in the tree is one a device publishes). */
void       bd_relays_page_add_relay_for_topic (BdRelaysPage      *self,
                                               const char        *topic);

G_END_DECLS
