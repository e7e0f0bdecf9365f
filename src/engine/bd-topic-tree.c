/* bd-topic-tree.c — values stored by topic name, found by topic filter
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The model
 * ---------
 * One node per topic level, children in a BdTopicLevelMap keyed by level
 * name; the root stands for no level at all and never holds a value. A node
 * with a value also holds its full topic name, so callbacks get the name
 * without it being rebuilt, while nodes without a value hold only their level
 * (a topic thousands of levels deep costs memory linear in its length).
 *
 * Matching walks the filter from the root:
 *   - a literal level is one child lookup, so leading literal levels cost
 *     nothing but their lookups;
 *   - '+' visits every child, each with the rest of the filter;
 *   - '#' reports the node itself (its parent level, [MQTT-4.7.1-2]) and
 *     every node below it.
 * At the root, '+' and '#' skip children whose name starts with '$'
 * [MQTT-4.7.2-1]. Nothing is recursive: pending '+' levels sit on an explicit
 * stack (one frame per '+' in the filter) and a '#' subtree is walked in
 * pre-order through parent pointers and the children's positions, so a
 * pathological topic or filter depth cannot overflow the C stack.
 */

#include "config.h"

#include "bd-topic-private.h"
#include "bd-topic-tree.h"
#include "bd-topic-tree-private.h"

#define MATCH_STACK_PREALLOC 16

typedef struct _BdTopicTreeNode BdTopicTreeNode;

struct _BdTopicTreeNode
{
  BdTopicLevel     level;     /* first: the node is kept in its parent's map */
  BdTopicTreeNode *parent;
  BdTopicLevelMap  children;
  char            *topic;     /* the full topic name, while value != NULL */
  gpointer         value;
  char             name[];
};

struct _BdTopicTree
{
  BdTopicTreeNode *root;
  guint            size;
  GDestroyNotify   value_destroy;
};

typedef struct
{
  BdTopicTreeNode *node;  /* whose children a '+' level goes through */
  const char      *next;  /* the filter after that '+', NULL if it was the last level */
  guint            index; /* the next child to visit */
} BdTopicTreeFrame;

static BdTopicTreeNode *
bd_topic_tree_node_new (BdTopicTreeNode *parent,
                        const char      *name,
                        gsize            len)
{
  BdTopicTreeNode *node = g_malloc0 (sizeof (BdTopicTreeNode) + len + 1);

  memcpy (node->name, name, len);
  node->level.name = node->name;
  node->level.len = len;
  node->parent = parent;

  return node;
}

static inline BdTopicTreeNode *
bd_topic_tree_node_get_child (BdTopicTreeNode *node,
                              const char      *name,
                              gsize            len)
{
  return (BdTopicTreeNode *) _bd_topic_level_map_lookup (&node->children, name, len);
}

static inline BdTopicTreeNode *
bd_topic_tree_node_nth_child (BdTopicTreeNode *node,
                              guint            n)
{
  return (BdTopicTreeNode *) node->children.items[n];
}

static BdTopicTreeNode *
bd_topic_tree_find (BdTopicTree *tree,
                    const char  *topic)
{
  BdTopicTreeNode *node = tree->root;
  const char *p = topic;

  for (;;)
    {
      const char *end = _bd_topic_level_end (p);

      node = bd_topic_tree_node_get_child (node, p, end - p);
      if (node == NULL || *end == '\0')
        return node;
      p = end + 1;
    }
}

/* Reports, in pre-order, every value strictly below @top. With
 * @skip_dollar, children of @top whose name starts with '$' are left out
 * together with their subtrees. */
static void
bd_topic_tree_emit_below (BdTopicTreeNode *top,
                          gboolean         skip_dollar,
                          BdTopicTreeFunc  func,
                          gpointer         user_data)
{
  BdTopicTreeNode *node;

  if (top->children.len == 0)
    return;

  node = bd_topic_tree_node_nth_child (top, 0);
  for (;;)
    {
      if (!skip_dollar || node->parent != top || node->name[0] != '$')
        {
          if (node->value != NULL)
            func (node->topic, node->value, user_data);
          if (node->children.len > 0)
            {
              node = bd_topic_tree_node_nth_child (node, 0);
              continue;
            }
        }

      /* Next in pre-order: the next sibling of this node or of its nearest
       * ancestor that has one, without leaving @top's subtree. */
      while (node != top)
        {
          BdTopicTreeNode *parent = node->parent;

          if (node->level.pos + 1 < parent->children.len)
            {
              node = bd_topic_tree_node_nth_child (parent, node->level.pos + 1);
              break;
            }
          node = parent;
        }

      if (node == top)
        return;
    }
}

BdTopicTree *
bd_topic_tree_new (GDestroyNotify value_destroy)
{
  BdTopicTree *tree = g_new0 (BdTopicTree, 1);

  tree->root = bd_topic_tree_node_new (NULL, "", 0);
  tree->value_destroy = value_destroy;

  return tree;
}

void
bd_topic_tree_free (BdTopicTree *tree)
{
  BdTopicTreeNode *node;

  if (tree == NULL)
    return;

  /* Post-order without recursion: detach the last child and descend into it
   * until a node has no children, free that one, go back to its parent. */
  node = tree->root;
  while (node != NULL)
    {
      if (node->children.len > 0)
        {
          BdTopicTreeNode *child = bd_topic_tree_node_nth_child (node, node->children.len - 1);

          _bd_topic_level_map_remove (&node->children, &child->level);
          node = child;
        }
      else
        {
          BdTopicTreeNode *parent = node->parent;

          if (node->value != NULL && tree->value_destroy != NULL)
            tree->value_destroy (node->value);
          g_free (node->topic);
          g_free (node);
          node = parent;
        }
    }

  g_free (tree);
}

void
bd_topic_tree_set (BdTopicTree *tree,
                   const char  *topic,
                   gpointer     value)
{
  BdTopicTreeNode *node;
  const char *p;
  gpointer old_value;

  g_return_if_fail (tree != NULL);
  g_return_if_fail (topic != NULL);

  if (value == NULL)
    {
      bd_topic_tree_remove (tree, topic);
      return;
    }

  node = tree->root;
  p = topic;
  for (;;)
    {
      const char *end = _bd_topic_level_end (p);
      BdTopicTreeNode *child = bd_topic_tree_node_get_child (node, p, end - p);

      if (child == NULL)
        {
          child = bd_topic_tree_node_new (node, p, end - p);
          _bd_topic_level_map_add (&node->children, &child->level);
        }
      node = child;

      if (*end == '\0')
        break;
      p = end + 1;
    }

  old_value = node->value;
  node->value = value;

  if (old_value == NULL)
    {
      node->topic = g_strdup (topic);
      tree->size++;
    }
  else if (old_value != value && tree->value_destroy != NULL)
    {
      tree->value_destroy (old_value);
    }
}

gpointer
bd_topic_tree_lookup (BdTopicTree *tree,
                      const char  *topic)
{
  BdTopicTreeNode *node;

  g_return_val_if_fail (tree != NULL, NULL);
  g_return_val_if_fail (topic != NULL, NULL);

  node = bd_topic_tree_find (tree, topic);

  return node != NULL ? node->value : NULL;
}

gboolean
bd_topic_tree_remove (BdTopicTree *tree,
                      const char  *topic)
{
  BdTopicTreeNode *node;
  gpointer value;

  g_return_val_if_fail (tree != NULL, FALSE);
  g_return_val_if_fail (topic != NULL, FALSE);

  node = bd_topic_tree_find (tree, topic);
  if (node == NULL || node->value == NULL)
    return FALSE;

  value = g_steal_pointer (&node->value);
  g_clear_pointer (&node->topic, g_free);
  tree->size--;

  /* Prune the nodes left with neither a value nor children. */
  while (node != tree->root && node->value == NULL && node->children.len == 0)
    {
      BdTopicTreeNode *parent = node->parent;

      _bd_topic_level_map_remove (&parent->children, &node->level);
      g_free (node);
      node = parent;
    }

  /* Destroyed last, once the tree is consistent again. */
  if (tree->value_destroy != NULL)
    tree->value_destroy (value);

  return TRUE;
}

void
bd_topic_tree_match (BdTopicTree     *tree,
                     const char      *filter,
                     BdTopicTreeFunc  func,
                     gpointer         user_data)
{
  BdTopicTreeFrame prealloc[MATCH_STACK_PREALLOC];
  BdTopicTreeFrame *stack = prealloc;
  guint stack_alloc = G_N_ELEMENTS (prealloc);
  guint stack_len = 0;
  BdTopicTreeNode *node;
  const char *f;

  g_return_if_fail (tree != NULL);
  g_return_if_fail (filter != NULL);
  g_return_if_fail (func != NULL);

  node = tree->root;
  f = filter;

  for (;;)
    {
      /* Follow literal levels down from @node until the filter ends, a
       * wildcard level is reached or the tree has no such child. */
      while (node != NULL)
        {
          const char *end;
          gsize len;

          if (f == NULL)
            {
              if (node->value != NULL)
                func (node->topic, node->value, user_data);
              break;
            }

          end = _bd_topic_level_end (f);
          len = end - f;

          if (_bd_topic_level_is (f, len, '#'))
            {
              /* "a/#" matches "a" too [MQTT-4.7.1-2]; the root has no value. */
              if (node->value != NULL)
                func (node->topic, node->value, user_data);
              bd_topic_tree_emit_below (node, node == tree->root, func, user_data);
              break;
            }

          if (_bd_topic_level_is (f, len, '+'))
            {
              if (node->children.len > 0)
                {
                  if (G_UNLIKELY (stack_len == stack_alloc))
                    stack = _bd_topic_stack_grow (stack, prealloc, stack_len, &stack_alloc,
                                                  sizeof *stack);
                  stack[stack_len].node = node;
                  stack[stack_len].next = *end == '\0' ? NULL : end + 1;
                  stack[stack_len].index = 0;
                  stack_len++;
                }
              break;
            }

          node = bd_topic_tree_node_get_child (node, f, len);
          f = *end == '\0' ? NULL : end + 1;
        }

      /* Resume the innermost '+' level that still has children to visit. */
      node = NULL;
      while (stack_len > 0 && node == NULL)
        {
          BdTopicTreeFrame *frame = &stack[stack_len - 1];

          if (frame->index == frame->node->children.len)
            {
              stack_len--;
              continue;
            }

          node = bd_topic_tree_node_nth_child (frame->node, frame->index++);
          f = frame->next;

          /* [MQTT-4.7.2-1]: a '+' first level does not match '$' topics. */
          if (frame->node == tree->root && node->name[0] == '$')
            node = NULL;
        }

      if (node == NULL)
        break;
    }

  if (stack != prealloc)
    g_free (stack);
}

void
bd_topic_tree_foreach (BdTopicTree     *tree,
                       BdTopicTreeFunc  func,
                       gpointer         user_data)
{
  g_return_if_fail (tree != NULL);
  g_return_if_fail (func != NULL);

  bd_topic_tree_emit_below (tree->root, FALSE, func, user_data);
}

guint
bd_topic_tree_get_size (BdTopicTree *tree)
{
  g_return_val_if_fail (tree != NULL, 0);

  return tree->size;
}

guint
_bd_topic_tree_count_nodes (BdTopicTree *tree)
{
  g_autoptr(GPtrArray) pending = g_ptr_array_new ();
  guint n = 0;

  g_return_val_if_fail (tree != NULL, 0);

  g_ptr_array_add (pending, tree->root);
  while (pending->len > 0)
    {
      BdTopicTreeNode *node = g_ptr_array_steal_index_fast (pending, pending->len - 1);

      n++;
      for (guint i = 0; i < node->children.len; i++)
        g_ptr_array_add (pending, node->children.items[i]);
    }

  return n;
}
