/* bd-topic-row.h — one topic in the Topics page's tree or filtered list
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "bd-overview-config.h"
#include "bd-topic-node.h"

G_BEGIN_DECLS

#define BD_TYPE_TOPIC_ROW (bd_topic_row_get_type ())
G_DECLARE_FINAL_TYPE (BdTopicRow, bd_topic_row, BD, TOPIC_ROW, GtkBox)

/* @show_path: name the row by the whole topic (a flat list, where no parent
 * shows the levels above) rather than by its last level (the tree). The row
 * emits "value-changed" when the bound node's value changes; it then shows
 * the value highlighted until bd_topic_row_fade () says it is over. */
GtkWidget   *bd_topic_row_new        (gboolean     show_path);
BdTopicNode *bd_topic_row_get_node   (BdTopicRow  *self);
/* Follows @node until unbound: rows bind on a list item's bind and unbind
 * on its unbind, so only the rows on screen pay for updates. */
void         bd_topic_row_bind       (BdTopicRow  *self,
                                      BdTopicNode *node);
void         bd_topic_row_unbind     (BdTopicRow  *self);
/* The overview's tile of the row's topic (copied; NULL: none): its label
 * beside the name, numbers in the value formatted as the tile shows them. */
void         bd_topic_row_set_tile   (BdTopicRow                 *self,
                                      const BdOverviewTileConfig *tile);
/* The "1 s ago" label at @now_us (wall-clock time). */
void         bd_topic_row_update_age (BdTopicRow  *self,
                                      gint64       now_us);
/* Ends a highlight that ran out by @now_us (monotonic time); TRUE while
 * the value is still highlighted. */
gboolean     bd_topic_row_fade       (BdTopicRow  *self,
                                      gint64       now_us);

G_END_DECLS
