/* bd-topic-tree-private.h — BdTopicTree internals for tests
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "bd-topic-tree.h"

G_BEGIN_DECLS

/* The number of nodes, root included: lets tests check that removal prunes. */
guint _bd_topic_tree_count_nodes (BdTopicTree *tree);

G_END_DECLS
