/* bd-trie.c — the subscription trie: which filters match a topic
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The model
 * ---------
 * One node per filter level, so a node stands for the filter made of the
 * levels on the path from the root to it. "a/+/c" and "a/#" share the node
 * "a"; the root stands for the empty list of levels. A node keeps its
 * children in three places: the '+' child, the '#' child (which, filters
 * being valid, never has children of its own) and a BdTopicLevelMap of the
 * literal levels keyed by name.
 *
 * The subscriptions live on the node of their filter, as a set of
 * (key, value) entries: a small array while there are few, a hash table keyed
 * by pointer once there are more, so 5,000 sessions on one filter cost O(1)
 * per insert and remove. A node with entries also holds its full filter
 * string, which is what bd_trie_match() reports; nodes without entries hold
 * only their level, so a deep filter costs memory linear in its length.
 *
 * Matching walks the topic's levels from the root. At a node, with the
 * topic's next level L still to match:
 *   - every entry of the '#' child matches (it covers L and all below),
 *   - the '+' child is followed with the level after L,
 *   - the literal child named L is followed with the level after L.
 * When the topic is used up at a node, the node's own entries match, and so
 * do those of its '#' child ("a/#" matches "a") [MQTT-4.7.1-2]. At the root,
 * a topic starting with '$' skips the '+' and '#' children [MQTT-4.7.2-1].
 * So the work is bounded by the topic's depth times the (at most two)
 * branches per level that exist in the trie, plus the matches reported; no
 * subscription that cannot match is ever looked at. The walk uses an explicit
 * stack of pending '+' branches (never more than the topic's depth) kept on
 * the C stack for ordinary topics, so it neither recurses nor allocates.
 *
 * Every path from a node to a valid filter's node is unique, so each entry is
 * reported at most once per match.
 *
 * Nodes with neither entries nor children are pruned on removal. Freeing is
 * iterative too: a client may subscribe to a filter thousands of levels deep.
 */

#include "config.h"

#include "bd-topic.h"
#include "bd-topic-private.h"
#include "bd-trie.h"
#include "bd-trie-private.h"

/* Entries kept in an array up to this many, then in a hash table. */
#define SMALL_ENTRIES_MAX 8

/* Pending '+' branches kept on the C stack by bd_trie_match(). */
#define MATCH_STACK_PREALLOC 32

typedef struct
{
  gconstpointer key;
  gpointer      value;
} BdTrieEntry;

typedef struct _BdTrieNode BdTrieNode;

struct _BdTrieNode
{
  BdTopicLevel     level;      /* first: the node is kept in its parent's map */
  BdTrieNode      *parent;
  BdTopicLevelMap  children;   /* literal levels */
  BdTrieNode      *plus;
  BdTrieNode      *hash;
  char            *filter;     /* the full filter, while n_entries > 0 */
  guint            n_entries;
  BdTrieEntry     *entries;    /* while table == NULL */
  GHashTable      *table;      /* key -> value, once n_entries > SMALL_ENTRIES_MAX */
  char             name[];
};

struct _BdTrie
{
  BdTrieNode     *root;
  guint           size;
  GDestroyNotify  value_destroy;
};

typedef struct
{
  BdTrieNode *node;
  const char *topic;  /* the next level to match, NULL when the topic is used up */
} BdTrieFrame;

static BdTrieNode *
bd_trie_node_new (BdTrieNode *parent,
                  const char *name,
                  gsize       len)
{
  BdTrieNode *node = g_malloc0 (sizeof (BdTrieNode) + len + 1);

  memcpy (node->name, name, len);
  node->level.name = node->name;
  node->level.len = len;
  node->parent = parent;

  return node;
}

static void
bd_trie_node_clear_entries (BdTrie     *trie,
                            BdTrieNode *node)
{
  if (trie->value_destroy != NULL)
    {
      if (node->table != NULL)
        {
          GHashTableIter iter;
          gpointer value;

          g_hash_table_iter_init (&iter, node->table);
          while (g_hash_table_iter_next (&iter, NULL, &value))
            trie->value_destroy (value);
        }
      else
        {
          for (guint i = 0; i < node->n_entries; i++)
            trie->value_destroy (node->entries[i].value);
        }
    }

  trie->size -= node->n_entries;
  node->n_entries = 0;
  g_clear_pointer (&node->table, g_hash_table_unref);
  g_clear_pointer (&node->entries, g_free);
  g_clear_pointer (&node->filter, g_free);
}

static inline gboolean
bd_trie_node_is_empty (BdTrieNode *node)
{
  return node->n_entries == 0 &&
         node->children.len == 0 &&
         node->plus == NULL &&
         node->hash == NULL;
}

static void
bd_trie_node_unlink (BdTrieNode *node)
{
  BdTrieNode *parent = node->parent;

  if (parent->plus == node)
    parent->plus = NULL;
  else if (parent->hash == node)
    parent->hash = NULL;
  else
    _bd_topic_level_map_remove (&parent->children, &node->level);
}

static BdTrieNode *
bd_trie_node_get_child (BdTrieNode *node,
                        const char *name,
                        gsize       len)
{
  if (_bd_topic_level_is (name, len, '+'))
    return node->plus;
  if (_bd_topic_level_is (name, len, '#'))
    return node->hash;
  return (BdTrieNode *) _bd_topic_level_map_lookup (&node->children, name, len);
}

static BdTrieNode *
bd_trie_node_ensure_child (BdTrieNode *node,
                           const char *name,
                           gsize       len)
{
  BdTrieNode *child = bd_trie_node_get_child (node, name, len);

  if (child != NULL)
    return child;

  child = bd_trie_node_new (node, name, len);
  if (_bd_topic_level_is (name, len, '+'))
    node->plus = child;
  else if (_bd_topic_level_is (name, len, '#'))
    node->hash = child;
  else
    _bd_topic_level_map_add (&node->children, &child->level);

  return child;
}

/* The node of @filter, or NULL when it does not exist. */
static BdTrieNode *
bd_trie_find (BdTrie     *trie,
              const char *filter)
{
  BdTrieNode *node = trie->root;
  const char *p = filter;

  for (;;)
    {
      const char *end = _bd_topic_level_end (p);

      node = bd_trie_node_get_child (node, p, end - p);
      if (node == NULL || *end == '\0')
        return node;
      p = end + 1;
    }
}

/* Frees nodes from @node upwards while they are empty. */
static void
bd_trie_prune (BdTrie     *trie,
               BdTrieNode *node)
{
  while (node != trie->root && bd_trie_node_is_empty (node))
    {
      BdTrieNode *parent = node->parent;

      bd_trie_node_unlink (node);
      _bd_topic_level_map_clear (&node->children);
      g_free (node);
      node = parent;
    }
}

/* Reports every entry of @node. */
static inline void
bd_trie_node_emit (BdTrieNode      *node,
                   BdTrieMatchFunc  func,
                   gpointer         user_data)
{
  if (G_LIKELY (node->table == NULL))
    {
      for (guint i = 0; i < node->n_entries; i++)
        func (node->filter, node->entries[i].key, node->entries[i].value, user_data);
    }
  else
    {
      GHashTableIter iter;
      gpointer key;
      gpointer value;

      g_hash_table_iter_init (&iter, node->table);
      while (g_hash_table_iter_next (&iter, &key, &value))
        func (node->filter, key, value, user_data);
    }
}

BdTrie *
bd_trie_new (GDestroyNotify value_destroy)
{
  BdTrie *trie = g_new0 (BdTrie, 1);

  trie->root = bd_trie_node_new (NULL, "", 0);
  trie->value_destroy = value_destroy;

  return trie;
}

void
bd_trie_free (BdTrie *trie)
{
  BdTrieNode *node;

  if (trie == NULL)
    return;

  /* Post-order without recursion: detach a child and descend into it until
   * reaching a node without children, free it, and go back to its parent. */
  node = trie->root;
  while (node != NULL)
    {
      BdTrieNode *child = NULL;

      if (node->plus != NULL)
        child = g_steal_pointer (&node->plus);
      else if (node->hash != NULL)
        child = g_steal_pointer (&node->hash);
      else if (node->children.len > 0)
        {
          child = (BdTrieNode *) node->children.items[node->children.len - 1];
          _bd_topic_level_map_remove (&node->children, &child->level);
        }

      if (child != NULL)
        {
          node = child;
        }
      else
        {
          BdTrieNode *parent = node->parent;

          bd_trie_node_clear_entries (trie, node);
          g_free (node);
          node = parent;
        }
    }

  g_free (trie);
}

gboolean
bd_trie_insert (BdTrie        *trie,
                const char    *filter,
                gconstpointer  key,
                gpointer       value)
{
  BdTrieNode *node;
  const char *p;

  g_return_val_if_fail (trie != NULL, FALSE);
  g_return_val_if_fail (filter != NULL, FALSE);
  g_return_val_if_fail (bd_topic_filter_is_valid (filter), FALSE);

  node = trie->root;
  p = filter;
  for (;;)
    {
      const char *end = _bd_topic_level_end (p);

      node = bd_trie_node_ensure_child (node, p, end - p);
      if (*end == '\0')
        break;
      p = end + 1;
    }

  if (node->table != NULL)
    {
      gpointer old_value;

      if (g_hash_table_lookup_extended (node->table, key, NULL, &old_value))
        {
          g_hash_table_insert (node->table, (gpointer) key, value);
          if (trie->value_destroy != NULL && old_value != value)
            trie->value_destroy (old_value);
          return FALSE;
        }

      g_hash_table_insert (node->table, (gpointer) key, value);
    }
  else
    {
      for (guint i = 0; i < node->n_entries; i++)
        {
          if (node->entries[i].key == key)
            {
              gpointer old_value = node->entries[i].value;

              node->entries[i].value = value;
              if (trie->value_destroy != NULL && old_value != value)
                trie->value_destroy (old_value);
              return FALSE;
            }
        }

      if (node->n_entries == SMALL_ENTRIES_MAX)
        {
          node->table = g_hash_table_new (g_direct_hash, g_direct_equal);
          for (guint i = 0; i < node->n_entries; i++)
            g_hash_table_insert (node->table,
                                 (gpointer) node->entries[i].key,
                                 node->entries[i].value);
          g_clear_pointer (&node->entries, g_free);
          g_hash_table_insert (node->table, (gpointer) key, value);
        }
      else
        {
          /* Grow 1, 2, 4, 8: most filters have a single subscriber. */
          if ((node->n_entries & (node->n_entries - 1)) == 0)
            node->entries = g_renew (BdTrieEntry, node->entries, MAX (1, node->n_entries * 2));
          node->entries[node->n_entries].key = key;
          node->entries[node->n_entries].value = value;
        }
    }

  if (node->n_entries++ == 0)
    node->filter = g_strdup (filter);
  trie->size++;

  return TRUE;
}

gpointer
bd_trie_lookup (BdTrie        *trie,
                const char    *filter,
                gconstpointer  key)
{
  BdTrieNode *node;

  g_return_val_if_fail (trie != NULL, NULL);
  g_return_val_if_fail (filter != NULL, NULL);

  node = bd_trie_find (trie, filter);
  if (node == NULL)
    return NULL;

  if (node->table != NULL)
    return g_hash_table_lookup (node->table, key);

  for (guint i = 0; i < node->n_entries; i++)
    if (node->entries[i].key == key)
      return node->entries[i].value;

  return NULL;
}

gboolean
bd_trie_remove (BdTrie        *trie,
                const char    *filter,
                gconstpointer  key)
{
  BdTrieNode *node;
  gpointer value = NULL;
  gboolean found = FALSE;

  g_return_val_if_fail (trie != NULL, FALSE);
  g_return_val_if_fail (filter != NULL, FALSE);

  node = bd_trie_find (trie, filter);
  if (node == NULL || node->n_entries == 0)
    return FALSE;

  if (node->table != NULL)
    {
      found = g_hash_table_lookup_extended (node->table, key, NULL, &value);
      if (found)
        g_hash_table_remove (node->table, key);
    }
  else
    {
      for (guint i = 0; i < node->n_entries; i++)
        {
          if (node->entries[i].key == key)
            {
              value = node->entries[i].value;
              /* Order does not matter: move the last entry into the hole. */
              node->entries[i] = node->entries[node->n_entries - 1];
              found = TRUE;
              break;
            }
        }
    }

  if (!found)
    return FALSE;

  node->n_entries--;
  trie->size--;

  /* Destroy the value last, once the trie is consistent again, in case the
   * destroy function looks at it. */
  if (node->n_entries == 0)
    {
      g_clear_pointer (&node->table, g_hash_table_unref);
      g_clear_pointer (&node->entries, g_free);
      g_clear_pointer (&node->filter, g_free);
      bd_trie_prune (trie, node);
    }

  if (trie->value_destroy != NULL)
    trie->value_destroy (value);

  return TRUE;
}

void
bd_trie_match (BdTrie          *trie,
               const char      *topic,
               BdTrieMatchFunc  func,
               gpointer         user_data)
{
  BdTrieFrame prealloc[MATCH_STACK_PREALLOC];
  BdTrieFrame *stack = prealloc;
  guint stack_alloc = G_N_ELEMENTS (prealloc);
  guint stack_len = 0;
  BdTrieNode *node;
  const char *p;

  g_return_if_fail (trie != NULL);
  g_return_if_fail (topic != NULL);
  g_return_if_fail (func != NULL);

  node = trie->root;
  p = topic;

  for (;;)
    {
      BdTrieNode *next_node = NULL;

      if (p == NULL)
        {
          /* The topic is used up here: this filter matches, and so does
           * "filter/#" [MQTT-4.7.1-2]. */
          bd_trie_node_emit (node, func, user_data);
          if (node->hash != NULL)
            bd_trie_node_emit (node->hash, func, user_data);
        }
      else
        {
          const char *end = _bd_topic_level_end (p);
          const char *next = *end == '\0' ? NULL : end + 1;

          /* [MQTT-4.7.2-1]: no wildcard in the first level matches '$'. */
          if (node != trie->root || *p != '$')
            {
              if (node->hash != NULL)
                bd_trie_node_emit (node->hash, func, user_data);

              if (node->plus != NULL)
                {
                  /* Only topics deeper than the preallocated stack grow it:
                   * it holds at most one pending branch per level. */
                  if (G_UNLIKELY (stack_len == stack_alloc))
                    stack = _bd_topic_stack_grow (stack, prealloc, stack_len, &stack_alloc,
                                                  sizeof *stack);
                  stack[stack_len].node = node->plus;
                  stack[stack_len].topic = next;
                  stack_len++;
                }
            }

          next_node = (BdTrieNode *) _bd_topic_level_map_lookup (&node->children, p, end - p);
          p = next;
        }

      if (next_node != NULL)
        {
          node = next_node;
        }
      else if (stack_len > 0)
        {
          stack_len--;
          node = stack[stack_len].node;
          p = stack[stack_len].topic;
        }
      else
        {
          break;
        }
    }

  if (stack != prealloc)
    g_free (stack);
}

guint
bd_trie_get_size (BdTrie *trie)
{
  g_return_val_if_fail (trie != NULL, 0);

  return trie->size;
}

guint
_bd_trie_count_nodes (BdTrie *trie)
{
  g_autoptr(GPtrArray) pending = g_ptr_array_new ();
  guint n = 0;

  g_return_val_if_fail (trie != NULL, 0);

  g_ptr_array_add (pending, trie->root);
  while (pending->len > 0)
    {
      BdTrieNode *node = g_ptr_array_steal_index_fast (pending, pending->len - 1);

      n++;
      if (node->plus != NULL)
        g_ptr_array_add (pending, node->plus);
      if (node->hash != NULL)
        g_ptr_array_add (pending, node->hash);
      for (guint i = 0; i < node->children.len; i++)
        g_ptr_array_add (pending, node->children.items[i]);
    }

  return n;
}
