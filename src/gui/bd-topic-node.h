/* bd-topic-node.h — one level of the live topic tree, a GListModel of its children
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "bd-topic-outbox.h"

G_BEGIN_DECLS

#define BD_TYPE_TOPIC_NODE (bd_topic_node_get_type ())

G_DECLARE_FINAL_TYPE (BdTopicNode, bd_topic_node, BD, TOPIC_NODE, GObject)

/* Seconds without a message after which a topic's rate reads 0. */
#define BD_TOPIC_NODE_RATE_WINDOW_S 5

/* The longest last-value preview, in characters (an ellipsis included). */
#define BD_TOPIC_NODE_PREVIEW_CHARS 80

BdTopicNode *bd_topic_node_new_root             (void);

/* Main thread only. Adds the missing levels of every entry's topic and
 * updates the values of the nodes that received messages, then recomputes the
 * rates of recently active nodes. @now_us is the caller's clock (monotonic or
 * wall, as long as it is always the same one); @n may be 0 to let rates decay
 * when nothing arrives. Signals are emitted after the batch's levels exist:
 * one items-changed per contiguous run of new children per parent, and
 * items-changed (pos, 1, 1) on the parent of a leaf that gained children. */
void         bd_topic_node_apply_batch          (BdTopicNode       *root,
                                                 BdTopicBatchEntry *entries,
                                                 guint              n,
                                                 gint64             now_us);

/* Root only: the nodes that received their first message in the batches
 * applied since the last call, in order (new references). Lets a view keep
 * a flat list of topics without looking each message's topic up. */
GPtrArray   *bd_topic_node_steal_new_topics     (BdTopicNode       *root);

/* The node for @topic, or NULL; borrowed. */
BdTopicNode *bd_topic_node_lookup               (BdTopicNode       *root,
                                                 const char        *topic);

/* A GtkTreeListModelCreateModelFunc: a new reference to @item if it has
 * children, NULL otherwise. */
GListModel  *bd_topic_node_create_child_model   (gpointer           item,
                                                 gpointer           user_data);

const char  *bd_topic_node_get_name             (BdTopicNode       *self);
const char  *bd_topic_node_get_path             (BdTopicNode       *self);
gboolean     bd_topic_node_get_has_children     (BdTopicNode       *self);
const char  *bd_topic_node_get_last_value       (BdTopicNode       *self);
guint64      bd_topic_node_get_message_count    (BdTopicNode       *self);
double       bd_topic_node_get_rate             (BdTopicNode       *self);
gint64       bd_topic_node_get_last_time        (BdTopicNode       *self);
/* Whether the topic has a retained message on the broker, as far as the
 * messages seen tell (the last one had RETAIN set and a payload). */
gboolean     bd_topic_node_get_retained         (BdTopicNode       *self);
/* The newest message of this topic, or NULL (a level without messages);
 * borrowed. */
BdMessage   *bd_topic_node_get_latest           (BdTopicNode       *self);

/* The one-line preview used for last-value: UTF-8 text with control
 * characters shown as spaces, or hex bytes when the payload is binary;
 * at most BD_TOPIC_NODE_PREVIEW_CHARS characters. */
char        *bd_topic_node_format_preview       (const guint8      *data,
                                                 gsize              len);

G_END_DECLS
