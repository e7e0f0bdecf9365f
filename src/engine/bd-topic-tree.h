/* bd-topic-tree.h — values stored by topic name, found by topic filter
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A map from topic name to value, stored one level per node so that all the
 * topics matching a filter are found by walking the filter rather than by
 * testing every topic. The broker keeps retained messages in one: on
 * SUBSCRIBE it sends every retained message whose topic matches the filter
 * [MQTT-3.3.1-6]. Not thread-safe: it belongs to the engine thread.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _BdTopicTree BdTopicTree;

/* @topic is the full topic name, owned by the tree. The function must not
 * modify the tree. */
typedef void (*BdTopicTreeFunc) (const char *topic,
                                 gpointer    value,
                                 gpointer    user_data);

/* @value_destroy (may be NULL) is called on values that are replaced,
 * removed, or still present when the tree is freed. */
BdTopicTree *bd_topic_tree_new      (GDestroyNotify   value_destroy);
void         bd_topic_tree_free     (BdTopicTree     *tree);

/* Stores @value for @topic, destroying the value it replaces. A NULL @value
 * removes @topic, like bd_topic_tree_remove(). */
void         bd_topic_tree_set      (BdTopicTree     *tree,
                                     const char      *topic,
                                     gpointer         value);

/* The value stored for @topic, or NULL. */
gpointer     bd_topic_tree_lookup   (BdTopicTree     *tree,
                                     const char      *topic);

/* Removes @topic and destroys its value; FALSE if it was absent. */
gboolean     bd_topic_tree_remove   (BdTopicTree     *tree,
                                     const char      *topic);

/* Calls @func for every stored topic that matches @filter, with the '$'
 * rule [MQTT-4.7.2-1] applied, in no particular order. The cost is that of
 * the nodes visited below the filter's leading literal levels, not of the
 * whole tree. @filter is a plain filter (no "$share/NAME/" prefix). */
void         bd_topic_tree_match    (BdTopicTree     *tree,
                                     const char      *filter,
                                     BdTopicTreeFunc  func,
                                     gpointer         user_data);

/* Calls @func for every stored topic, in no particular order. */
void         bd_topic_tree_foreach  (BdTopicTree     *tree,
                                     BdTopicTreeFunc  func,
                                     gpointer         user_data);

/* The number of stored topics. */
guint        bd_topic_tree_get_size (BdTopicTree     *tree);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BdTopicTree, bd_topic_tree_free)

G_END_DECLS
