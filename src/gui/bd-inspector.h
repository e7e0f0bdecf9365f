/* bd-inspector.h — the message inspector for one topic
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "bd-history.h"
#include "bd-overview-config.h"
#include "bd-message.h"

G_BEGIN_DECLS

#define BD_TYPE_INSPECTOR (bd_inspector_get_type ())
G_DECLARE_FINAL_TYPE (BdInspector, bd_inspector, BD, INSPECTOR, AdwBin)

GtkWidget *bd_inspector_new          (void);
/* Where earlier messages come from when a topic is selected; may be NULL.
 * Takes effect from the next bd_inspector_set_topic (). */
void       bd_inspector_set_history  (BdInspector *self,
                                      BdHistory   *history);
/* Shows @topic with @latest (may be NULL), then completes the list of last
 * messages from the history. A NULL @topic shows "Select a Topic". The same
 * topic again only adds @latest, like bd_inspector_push_message (). */
void       bd_inspector_set_topic    (BdInspector *self,
                                      const char  *topic,
                                      BdMessage   *latest);
/* A new message of the current topic (others are ignored). Meant for the
 * topic page's batches: one call per batch, a few dozen a second at most. */
void       bd_inspector_push_message (BdInspector *self,
                                      BdMessage   *message);
/* The current topic, or NULL. */
const char *bd_inspector_get_topic   (BdInspector *self);
/* The overview's tile of the current topic (copied; NULL: none): its label
 * and the shown value with the tile's unit, scale and decimals. */
void        bd_inspector_set_tile    (BdInspector                *self,
                                      const BdOverviewTileConfig *tile);
/* That line's text, or NULL when hidden (for tests). */
const char *bd_inspector_get_reading (BdInspector                *self);

G_END_DECLS
