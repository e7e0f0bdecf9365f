/* bd-publish-popover.h — publish a message as the broker
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "bd-engine.h"
#include "bd-relay-controller.h"
#include "bd-remote-client.h"

G_BEGIN_DECLS

#define BD_TYPE_PUBLISH_POPOVER (bd_publish_popover_get_type ())
G_DECLARE_FINAL_TYPE (BdPublishPopover, bd_publish_popover, BD, PUBLISH_POPOVER, GtkPopover)

GtkWidget *bd_publish_popover_new        (void);
/* Without an engine the Publish button stays insensitive. */
/* Messages to a relay's or setpoint's command topic are judged as its
 * commands (range, interlocks) before they are sent. */
void       bd_publish_popover_set_relays (BdPublishPopover  *self,
                                          BdRelayController *relays);
void       bd_publish_popover_set_engine (BdPublishPopover *self,
                                          BdEngine         *engine);

/* Fills in the topic; the next time the panel opens, the payload has the
 * focus. */
void       bd_publish_popover_set_topic  (BdPublishPopover *self,
                                          const char       *topic);

/* Publishes to a remote broker instead of the embedded one; NULL returns
 * to the embedded broker. */
void       bd_publish_popover_set_remote (BdPublishPopover *self,
                                          BdRemoteClient   *remote);

G_END_DECLS
