/* fuzz-topic.c — libFuzzer target for topic rules, the trie and the topic tree
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The input is a filter and a topic separated by the first NUL or newline
 * (no separator: the whole input is both). Validation must not crash on
 * anything; when both strings are valid, a trie holding just that filter and
 * a topic tree holding just that topic must agree with bd_topic_matches().
 */

#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bd-topic.h"
#include "bd-topic-tree.h"
#include "bd-trie.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

static void
count_trie_cb (const char    *filter,
               gconstpointer  key,
               gpointer       value,
               gpointer       user_data)
{
  guint *count = user_data;

  if (key != (gconstpointer) count || value != (gpointer) count)
    abort ();
  (*count)++;
}

static void
count_tree_cb (const char *topic,
               gpointer    value,
               gpointer    user_data)
{
  guint *count = user_data;

  if (value != (gpointer) count)
    abort ();
  (*count)++;
}

static void
check_pair (const char *filter,
            const char *topic)
{
  g_autoptr(BdTrie) trie = NULL;
  g_autoptr(BdTopicTree) tree = NULL;
  g_autofree char *share_name = NULL;
  const char *inner = NULL;
  const char *plain = filter;
  gboolean filter_valid = bd_topic_filter_is_valid (filter);
  gboolean topic_valid = bd_topic_name_is_valid (topic);
  gboolean expected;
  guint trie_count = 0;
  guint tree_count = 0;

  (void) bd_topic_filter_has_wildcards (filter);

  /* A shared filter is valid exactly when it parses, and the engine matches
   * on its inner filter. */
  if (bd_topic_filter_is_shared (filter, &share_name, &inner))
    {
      if (!filter_valid || share_name == NULL || share_name[0] == '\0' ||
          inner < filter || inner > filter + strlen (filter))
        abort ();
      plain = inner;
    }

  /* Matching must not crash on invalid strings either. */
  expected = bd_topic_matches (plain, topic);

  if (!filter_valid || !topic_valid || !bd_topic_filter_is_valid (plain))
    return;

  trie = bd_trie_new (NULL);
  if (!bd_trie_insert (trie, plain, &trie_count, &trie_count))
    abort ();
  bd_trie_match (trie, topic, count_trie_cb, &trie_count);
  if (trie_count != (expected ? 1 : 0))
    {
      fprintf (stderr, "trie: filter \"%s\" topic \"%s\": %u matches, bd_topic_matches %d\n",
               plain, topic, trie_count, expected);
      abort ();
    }
  if (!bd_trie_remove (trie, plain, &trie_count) || bd_trie_get_size (trie) != 0)
    abort ();

  tree = bd_topic_tree_new (NULL);
  bd_topic_tree_set (tree, topic, &tree_count);
  bd_topic_tree_match (tree, plain, count_tree_cb, &tree_count);
  if (tree_count != (expected ? 1 : 0))
    {
      fprintf (stderr, "tree: filter \"%s\" topic \"%s\": %u matches, bd_topic_matches %d\n",
               plain, topic, tree_count, expected);
      abort ();
    }
  if (bd_topic_tree_lookup (tree, topic) != &tree_count)
    abort ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *filter = NULL;
  g_autofree char *topic = NULL;
  size_t split = 0;

  while (split < size && data[split] != '\0' && data[split] != '\n')
    split++;

  filter = g_strndup ((const char *) data, split);
  if (split < size)
    {
      /* Stop the topic at a later NUL too: C strings cannot hold one. */
      topic = g_strndup ((const char *) data + split + 1, size - split - 1);
    }
  else
    {
      topic = g_strdup (filter);
    }

  check_pair (filter, topic);

  return 0;
}
