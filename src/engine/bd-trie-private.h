/* bd-trie-private.h — BdTrie internals for tests
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "bd-trie.h"

G_BEGIN_DECLS

/* The number of nodes, root included: lets tests check that removal prunes. */
guint _bd_trie_count_nodes (BdTrie *trie);

G_END_DECLS
