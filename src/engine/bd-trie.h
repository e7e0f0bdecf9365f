/* bd-trie.h — the subscription trie: which filters match a topic
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A set of (filter, key) entries, each with a value. The key is compared by
 * pointer (typically the subscribing session), so a session subscribes at
 * most once to a filter [MQTT-3.8.4-3]. The trie takes filters as given: the
 * engine strips a "$share/NAME/" prefix before inserting. Not thread-safe: it
 * belongs to the engine thread.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _BdTrie BdTrie;

/* Called by bd_trie_match() for each matching entry. @filter is the entry's
 * filter, owned by the trie. It must not modify the trie. */
typedef void (*BdTrieMatchFunc) (const char    *filter,
                                 gconstpointer  key,
                                 gpointer       value,
                                 gpointer       user_data);

/* @value_destroy (may be NULL) is called on values that are replaced,
 * removed, or still present when the trie is freed. */
BdTrie  *bd_trie_new      (GDestroyNotify   value_destroy);
void     bd_trie_free     (BdTrie          *trie);

/* Adds (@filter, @key) -> @value and returns TRUE, or, when that entry exists,
 * destroys its old value, stores @value and returns FALSE. @filter must be a
 * valid topic filter (bd_topic_filter_is_valid()). */
gboolean bd_trie_insert   (BdTrie          *trie,
                           const char      *filter,
                           gconstpointer    key,
                           gpointer         value);

/* The value of (@filter, @key), or NULL. */
gpointer bd_trie_lookup   (BdTrie          *trie,
                           const char      *filter,
                           gconstpointer    key);

/* Removes (@filter, @key) and destroys its value; FALSE if it was absent. */
gboolean bd_trie_remove   (BdTrie          *trie,
                           const char      *filter,
                           gconstpointer    key);

/* Calls @func once for each entry whose filter matches @topic, with the
 * '$' rule [MQTT-4.7.2-1] applied, in no particular order. @func must not
 * insert into or remove from @trie. Does not allocate unless @topic is more
 * than 32 levels deep. */
void     bd_trie_match    (BdTrie          *trie,
                           const char      *topic,
                           BdTrieMatchFunc  func,
                           gpointer         user_data);

/* The number of (filter, key) entries. */
guint    bd_trie_get_size (BdTrie          *trie);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BdTrie, bd_trie_free)

G_END_DECLS
