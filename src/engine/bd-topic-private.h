/* bd-topic-private.h — level helpers shared by the subscription trie and the topic tree
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Both BdTrie and BdTopicTree are trees with one node per topic level. A
 * node's children are kept in a BdTopicLevelMap: a plain array searched
 * linearly while it is small (most nodes have a handful of children and a
 * scan of a few lengths plus one memcmp beats hashing), plus a hash index
 * over the (pointer, length) of the level name once it grows. Lookups take a
 * level as a pointer into the topic and a length, so walking a topic never
 * copies or allocates. The array also gives every child a stable position,
 * which lets the trees be walked without recursion through parent pointers.
 */

#pragma once

#include <string.h>

#include <glib.h>

G_BEGIN_DECLS

/* The first member of every node kept in a BdTopicLevelMap. */
typedef struct
{
  const char *name;  /* the level, not NUL-terminated when used as a probe */
  gsize       len;
  guint       pos;   /* index in the parent's map, maintained by the map */
} BdTopicLevel;

typedef struct
{
  BdTopicLevel **items;
  guint          len;
  guint          alloc;
  GHashTable    *index;  /* BdTopicLevel * -> itself, once len exceeds a few */
} BdTopicLevelMap;

void          _bd_topic_level_map_clear       (BdTopicLevelMap       *map);
void          _bd_topic_level_map_add         (BdTopicLevelMap       *map,
                                               BdTopicLevel          *level);
void          _bd_topic_level_map_remove      (BdTopicLevelMap       *map,
                                               BdTopicLevel          *level);
BdTopicLevel *_bd_topic_level_map_lookup_hash (const BdTopicLevelMap *map,
                                               const char            *name,
                                               gsize                  len);

static inline BdTopicLevel *
_bd_topic_level_map_lookup (const BdTopicLevelMap *map,
                            const char            *name,
                            gsize                  len)
{
  if (G_UNLIKELY (map->index != NULL))
    return _bd_topic_level_map_lookup_hash (map, name, len);

  for (guint i = 0; i < map->len; i++)
    {
      BdTopicLevel *level = map->items[i];

      if (level->len == len && memcmp (level->name, name, len) == 0)
        return level;
    }

  return NULL;
}

/* The end of the level starting at @p: the next '/' or the terminating NUL. */
static inline const char *
_bd_topic_level_end (const char *p)
{
  while (*p != '\0' && *p != '/')
    p++;
  return p;
}

static inline gboolean
_bd_topic_level_is (const char *level,
                    gsize       len,
                    char        c)
{
  return len == 1 && level[0] == c;
}

/* Both trees match without recursion, keeping the branches still to visit
 * on a stack that starts in @prealloc, an array on the caller's own stack.
 * Called when @stack is full (@len frames of @frame_size bytes, *@alloc
 * of them): returns a heap copy twice the size, freeing @stack unless it
 * is @prealloc. The caller frees the last one unless it is @prealloc. */
gpointer      _bd_topic_stack_grow            (gpointer               stack,
                                               gconstpointer          prealloc,
                                               guint                  len,
                                               guint                 *alloc,
                                               gsize                  frame_size);

G_END_DECLS
