/* bd-topic.c — MQTT topic names and topic filters
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "bd-topic.h"
#include "bd-topic-private.h"

#define SHARE_PREFIX     "$share/"
#define SHARE_PREFIX_LEN (sizeof SHARE_PREFIX - 1)

/* Past this many children a level map builds a hash index. Measured with
 * bench/bench-trie.c (100,000 filters, F children per node; best of five runs
 * on a busy machine): the scan won at F = 2 and 4, the hash from F = 6 on.
 * Most nodes have few children and keep no table. */
#ifndef LEVEL_MAP_INDEX_MIN
#define LEVEL_MAP_INDEX_MIN 4
#endif

/* A plain (non-shared) filter. */
static gboolean
filter_is_valid_plain (const char *filter)
{
  const char *p = filter;

  if (*filter == '\0')
    return FALSE;  /* [MQTT-4.7.3-1] */

  for (;;)
    {
      const char *end = _bd_topic_level_end (p);
      gsize len = end - p;

      if (memchr (p, '#', len) != NULL)
        {
          /* '#' must be alone in its level and be the last level [MQTT-4.7.1-2]. */
          if (len != 1 || *end != '\0')
            return FALSE;
        }
      else if (memchr (p, '+', len) != NULL)
        {
          /* '+' must occupy an entire level [MQTT-4.7.1-3]. */
          if (len != 1)
            return FALSE;
        }

      if (*end == '\0')
        return TRUE;
      p = end + 1;
    }
}

/* Splits "$share/NAME/FILTER" (MQTT 5 §4.8.2). Returns FALSE when @filter is
 * not in the shared form, or is but its NAME or FILTER is invalid. */
static gboolean
parse_shared (const char  *filter,
              const char **name,
              gsize       *name_len,
              const char **inner)
{
  const char *p;
  const char *end;

  if (strncmp (filter, SHARE_PREFIX, SHARE_PREFIX_LEN) != 0)
    return FALSE;

  p = filter + SHARE_PREFIX_LEN;
  end = _bd_topic_level_end (p);

  /* The ShareName must be at least one character long and must not contain
   * '/', '+' or '#' [MQTT-4.8.2-1]; it is followed by a '/' and a Topic
   * Filter [MQTT-4.8.2-2]. */
  if (end == p || *end != '/')
    return FALSE;
  if (memchr (p, '+', end - p) != NULL || memchr (p, '#', end - p) != NULL)
    return FALSE;
  if (!filter_is_valid_plain (end + 1))
    return FALSE;

  *name = p;
  *name_len = end - p;
  *inner = end + 1;
  return TRUE;
}

gboolean
bd_topic_name_is_valid (const char *topic)
{
  g_return_val_if_fail (topic != NULL, FALSE);

  /* [MQTT-4.7.3-1] non-empty; [MQTT-3.3.2-2] no wildcard characters. */
  return *topic != '\0' && strpbrk (topic, "+#") == NULL;
}

gboolean
bd_topic_filter_is_valid (const char *filter)
{
  const char *name;
  const char *inner;
  gsize name_len;

  g_return_val_if_fail (filter != NULL, FALSE);

  /* Anything starting with "$share/" is meant as a shared subscription, so
   * it is valid only in that form: "$share/NAME" alone is not a filter. */
  if (strncmp (filter, SHARE_PREFIX, SHARE_PREFIX_LEN) == 0)
    return parse_shared (filter, &name, &name_len, &inner);

  return filter_is_valid_plain (filter);
}

gboolean
bd_topic_matches (const char *filter,
                  const char *topic)
{
  const char *f = filter;
  const char *t = topic;

  g_return_val_if_fail (filter != NULL, FALSE);
  g_return_val_if_fail (topic != NULL, FALSE);

  /* Wildcards in the first level do not match topics starting with '$',
   * so "#" does not see $SYS [MQTT-4.7.2-1]. */
  if ((*f == '+' || *f == '#') && *t == '$')
    return FALSE;

  for (;;)
    {
      const char *f_end = _bd_topic_level_end (f);
      const char *t_end;
      gsize f_len = f_end - f;

      /* '#' matches this level and every one below it [MQTT-4.7.1-2]. */
      if (_bd_topic_level_is (f, f_len, '#'))
        return TRUE;

      t_end = _bd_topic_level_end (t);
      if (!_bd_topic_level_is (f, f_len, '+') &&
          (f_len != (gsize) (t_end - t) || memcmp (f, t, f_len) != 0))
        return FALSE;

      if (*t_end == '\0')
        {
          if (*f_end == '\0')
            return TRUE;
          /* The topic ends here: "a/#" still matches "a", the parent level. */
          return strcmp (f_end + 1, "#") == 0;
        }
      if (*f_end == '\0')
        return FALSE;

      f = f_end + 1;
      t = t_end + 1;
    }
}

gboolean
bd_topic_filter_is_shared (const char  *filter,
                           char       **share_name,
                           const char **inner_filter)
{
  const char *name = NULL;
  const char *inner = NULL;
  gsize name_len = 0;
  gboolean shared;

  g_return_val_if_fail (filter != NULL, FALSE);

  shared = parse_shared (filter, &name, &name_len, &inner);

  if (share_name != NULL)
    *share_name = shared ? g_strndup (name, name_len) : NULL;
  if (inner_filter != NULL)
    *inner_filter = shared ? inner : NULL;

  return shared;
}

gboolean
bd_topic_filter_has_wildcards (const char *filter)
{
  g_return_val_if_fail (filter != NULL, FALSE);

  return strpbrk (filter, "+#") != NULL;
}

/* Level maps (bd-topic-private.h) */

static guint
level_hash (gconstpointer data)
{
  const BdTopicLevel *level = data;
  guint32 h = 2166136261u;  /* FNV-1a */

  for (gsize i = 0; i < level->len; i++)
    {
      h ^= (guint8) level->name[i];
      h *= 16777619u;
    }

  return h;
}

static gboolean
level_equal (gconstpointer a,
             gconstpointer b)
{
  const BdTopicLevel *la = a;
  const BdTopicLevel *lb = b;

  return la->len == lb->len && memcmp (la->name, lb->name, la->len) == 0;
}

void
_bd_topic_level_map_clear (BdTopicLevelMap *map)
{
  g_clear_pointer (&map->index, g_hash_table_unref);
  g_clear_pointer (&map->items, g_free);
  map->len = 0;
  map->alloc = 0;
}

void
_bd_topic_level_map_add (BdTopicLevelMap *map,
                         BdTopicLevel    *level)
{
  if (map->len == map->alloc)
    {
      map->alloc = MAX (2, map->alloc * 2);
      map->items = g_renew (BdTopicLevel *, map->items, map->alloc);
    }

  level->pos = map->len;
  map->items[map->len++] = level;

  if (map->index != NULL)
    {
      g_hash_table_add (map->index, level);
    }
  else if (map->len > LEVEL_MAP_INDEX_MIN)
    {
      map->index = g_hash_table_new (level_hash, level_equal);
      for (guint i = 0; i < map->len; i++)
        g_hash_table_add (map->index, map->items[i]);
    }
}

void
_bd_topic_level_map_remove (BdTopicLevelMap *map,
                            BdTopicLevel    *level)
{
  guint pos = level->pos;

  g_assert (pos < map->len && map->items[pos] == level);

  /* Move the last child into the hole: O(1), and only that child's
   * position changes. */
  map->len--;
  if (pos != map->len)
    {
      map->items[pos] = map->items[map->len];
      map->items[pos]->pos = pos;
    }

  if (map->index != NULL)
    g_hash_table_remove (map->index, level);

  if (map->len == 0)
    _bd_topic_level_map_clear (map);
}

BdTopicLevel *
_bd_topic_level_map_lookup_hash (const BdTopicLevelMap *map,
                                 const char            *name,
                                 gsize                  len)
{
  BdTopicLevel probe = { name, len, 0 };

  return g_hash_table_lookup (map->index, &probe);
}

gpointer
_bd_topic_stack_grow (gpointer       stack,
                      gconstpointer  prealloc,
                      guint          len,
                      guint         *alloc,
                      gsize          frame_size)
{
  gpointer bigger = g_malloc_n (*alloc * 2, frame_size);

  memcpy (bigger, stack, len * frame_size);
  if (stack != prealloc)
    g_free (stack);
  *alloc *= 2;
  return bigger;
}
