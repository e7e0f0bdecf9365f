/* bd-share-group.c — shared subscriptions: the groups and their members
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A group is made by its first member's "$share/NAME/FILTER" subscription
 * and removed with its last (see BdShareGroup in bd-engine-private.h);
 * routing picks a member in turn (bd-route.c). Runs on the engine thread.
 */

#include "config.h"

#include "bd-engine-private.h"
#include "bd-topic.h"

BdShareGroup *
_bd_share_group_ref (BdShareGroup *group)
{
  return g_rc_box_acquire (group);
}

static void
share_group_clear (BdShareGroup *group)
{
  g_ptr_array_unref (group->members);
  g_free (group->key);
}

void
_bd_share_group_unref (BdShareGroup *group)
{
  g_rc_box_release_full (group, (GDestroyNotify) share_group_clear);
}

void
_bd_share_group_join (BdEngine       *engine,
                      BdSession      *session,
                      BdSubscription *sub)
{
  BdShareGroup *group = g_hash_table_lookup (engine->share_groups, sub->filter);

  if (group == NULL)
    {
      const char *inner = NULL;

      group = g_rc_box_new0 (BdShareGroup);
      group->key = g_strdup (sub->filter);
      bd_topic_filter_is_shared (group->key, NULL, &inner);
      group->filter = inner;
      group->members = g_ptr_array_new ();
      g_hash_table_insert (engine->share_groups, group->key, group);
      bd_trie_insert (engine->shared, group->filter, group, group);
    }
  if (!g_ptr_array_find (group->members, session, NULL))
    g_ptr_array_add (group->members, session);
  sub->group = _bd_share_group_ref (group);
}

void
_bd_share_group_leave (BdEngine       *engine,
                       BdSession      *session,
                       BdSubscription *sub)
{
  BdShareGroup *group = sub->group;

  if (group == NULL)
    return;
  g_ptr_array_remove (group->members, session);
  if (group->members->len == 0 && !group->dead)
    {
      group->dead = TRUE;
      bd_trie_remove (engine->shared, group->filter, group);
      g_hash_table_remove (engine->share_groups, group->key);
    }
  g_clear_pointer (&sub->group, _bd_share_group_unref);
}
