/* bd-topic-node.c — one level of the live topic tree, a GListModel of its children
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The model: every node is the GListModel of its children, sorted
 * by level name in byte order (strcmp), so a GtkTreeListModel over the root
 * shows the tree without a second copy of it. Nodes live on the main thread
 * and are never removed; MQTT topic names are never empty [MQTT-4.7.3-1], but
 * levels may be ("a//b", "/a"), and an empty level sorts first.
 *
 * Applying a batch happens in two phases so that views see few, valid signals:
 *
 * 1. Walk every entry's topic. A level that does not exist yet becomes a new
 *    node parked in its parent's `pending` list (hashed by name, so later
 *    entries in the batch find it), not in `children`: views still see the
 *    old state. Values are updated as the walk reaches each topic's node.
 * 2. For each touched parent, sort its pending nodes and merge them in, one
 *    contiguous run at a time, emitting items-changed (pos, 0, run) right
 *    after each run is inserted, in ascending order: at every emission the
 *    model is exactly the previous state plus that run, as GListModel
 *    requires. Nodes created in this batch emit nothing for their own
 *    children: nobody can have seen them yet.
 *    Then a leaf that gained its first children makes its parent emit
 *    items-changed (pos, 1, 1) for it, because GtkTreeListModel caches "not
 *    expandable" for a row until the row is removed and added again.
 */

#include "config.h"

#include <string.h>

#include <gtk/gtk.h>  /* only for the GtkTreeListModelCreateModelFunc check below */

#include "bd-topic-node.h"

typedef struct
{
  BdTopicNode *node;
  gboolean     was_leaf;        /* had no visible children before the batch */
} Touched;

struct _BdTopicNode
{
  GObject      parent_instance;

  char        *name;
  char        *path;
  GPtrArray   *children;        /* BdTopicNode, owned, sorted by name */

  char        *last_value;
  BdMessage   *latest;          /* the newest message seen, for the inspector */
  guint64      message_count;
  gint64       last_time;
  double       rate;
  gboolean     retained;

  /* Rate: a moving average of messages per second between batches. */
  double       rate_avg;          /* messages per second; 0: not known yet */
  gint64       rate_last_us;      /* when the last batch with messages came, 0: never */

  /* Only during bd_topic_node_apply_batch(). */
  GPtrArray   *pending;           /* new children not yet in `children` */
  GHashTable  *pending_by_name;   /* name -> node in `pending` */
  guint        fresh : 1;         /* created in the batch being applied */

  /* Only on the root: nodes whose rate may still be above zero, and when
   * their rates were last recomputed. */
  GHashTable  *active;            /* node -> owned ref */
  GPtrArray   *new_topics;        /* nodes whose first messages came since the last steal */
  gint64       rates_us;
};

/* How often the rates of quiet nodes are recomputed. A node that receives
 * messages gets its rate with them; this pass only lets rates decay, and a
 * flush may come in many slices (BD_TOPIC_OUTBOX_SLICE) whose time should
 * go to the messages, not to walking every active node again. */
#define RATE_DECAY_INTERVAL_US (250 * 1000)

enum {
  PROP_0,
  PROP_NAME,
  PROP_PATH,
  PROP_HAS_CHILDREN,
  PROP_LAST_VALUE,
  PROP_MESSAGE_COUNT,
  PROP_RATE,
  PROP_LAST_TIME,
  PROP_RETAINED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (BdTopicNode, bd_topic_node, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

/* The front end passes this function to gtk_tree_list_model_new(). */
static G_GNUC_UNUSED const GtkTreeListModelCreateModelFunc create_func_check =
  bd_topic_node_create_child_model;

static GType
list_model_get_item_type (GListModel *model)
{
  return BD_TYPE_TOPIC_NODE;
}

static guint
list_model_get_n_items (GListModel *model)
{
  return BD_TOPIC_NODE (model)->children->len;
}

static gpointer
list_model_get_item (GListModel *model,
                     guint       position)
{
  BdTopicNode *self = BD_TOPIC_NODE (model);

  if (position >= self->children->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->children, position));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = list_model_get_item_type;
  iface->get_n_items = list_model_get_n_items;
  iface->get_item = list_model_get_item;
}

/* strcmp() of @name against the @len bytes at @level. */
static int
compare_level (const char *name,
               const char *level,
               gsize       len)
{
  int cmp = strncmp (name, level, len);

  if (cmp != 0)
    return cmp;
  return name[len] == '\0' ? 0 : 1;
}

/* Binary search of the visible children; *position is where @level is or
 * would be inserted. */
static BdTopicNode *
find_child (BdTopicNode *self,
            const char  *level,
            gsize        len,
            guint       *position)
{
  guint lo = 0;
  guint hi = self->children->len;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      BdTopicNode *child = g_ptr_array_index (self->children, mid);
      int cmp = compare_level (child->name, level, len);

      if (cmp == 0)
        {
          if (position != NULL)
            *position = mid;
          return child;
        }
      if (cmp < 0)
        lo = mid + 1;
      else
        hi = mid;
    }

  if (position != NULL)
    *position = lo;
  return NULL;
}

static int
compare_nodes (gconstpointer a,
               gconstpointer b)
{
  const BdTopicNode *node_a = *(BdTopicNode * const *) a;
  const BdTopicNode *node_b = *(BdTopicNode * const *) b;

  return strcmp (node_a->name, node_b->name);
}

static BdTopicNode *
topic_node_new (char *name,
                char *path)
{
  BdTopicNode *self = g_object_new (BD_TYPE_TOPIC_NODE, NULL);

  self->name = name;
  self->path = path;
  return self;
}

/* A GString keeps at least 64 bytes, rounded up to a power of two; a node
 * keeps its preview for as long as it lives, so copy it to its exact size
 * (100,000 topics: about 10 MB less). */
static char *
shrink (GString *out)
{
  char *exact = g_strndup (out->str, out->len);

  g_string_free (out, TRUE);
  return exact;
}

char *
bd_topic_node_format_preview (const guint8 *data,
                              gsize         len)
{
  const gsize max_chars = BD_TOPIC_NODE_PREVIEW_CHARS;
  gboolean text;
  GString *out;

  g_return_val_if_fail (data != NULL || len == 0, NULL);

  /* With an explicit length, g_utf8_validate() also rejects NUL bytes. */
  text = g_utf8_validate ((const char *) data, len, NULL);
  for (gsize i = 0; text && i < len; i++)
    if (data[i] < 0x20 && data[i] != '\t' && data[i] != '\n' && data[i] != '\r')
      text = FALSE;

  if (text)
    {
      const char *p = (const char *) data;
      const char *end = p + len;
      gsize chars = 0;

      out = g_string_sized_new (MIN (len, max_chars * 2) + 4);
      while (p < end)
        {
          const char *next = g_utf8_next_char (p);

          if (chars == max_chars - 1 && next < end)
            {
              g_string_append (out, "…");
              break;
            }
          /* One line per row: line breaks and tabs become spaces. */
          if (*p == '\n' || *p == '\r' || *p == '\t')
            g_string_append_c (out, ' ');
          else
            g_string_append_len (out, p, next - p);
          chars++;
          p = next;
        }
      return shrink (out);
    }

  /* Binary: "de ad be ef …", three characters a byte. */
  out = g_string_sized_new (max_chars + 4);
  for (gsize i = 0; i < len; i++)
    {
      if (out->len + 3 > max_chars - 1 && i + 1 < len)
        {
          g_string_append (out, "…");
          break;
        }
      g_string_append_printf (out, i == 0 ? "%02x" : " %02x", data[i]);
    }
  return shrink (out);
}

/* How much a new interval moves the average: about the last three count. */
#define RATE_SMOOTHING 0.3

/* Counts @count messages that arrived at @now_us. What is smoothed is the
 * time per message between consecutive batches, and the rate is its
 * inverse: counting per calendar second misjudged a 1 Hz topic whose
 * messages fall near the second boundaries (0, 2, 1, 1 ... read as 0.8/s or
 * 1.2/s), and averaging rates rather than intervals overstates a jittery
 * one (the mean of 1/x exceeds 1/mean of x). */
static void
rate_count (BdTopicNode *self,
            guint        count,
            gint64       now_us)
{
  if (self->rate_last_us != 0 && now_us > self->rate_last_us && count > 0)
    {
      double interval = (double) (now_us - self->rate_last_us) / G_USEC_PER_SEC / count;
      double average = self->rate_avg > 0 ? 1.0 / self->rate_avg : interval;

      average += RATE_SMOOTHING * (interval - average);
      self->rate_avg = 1.0 / average;
    }
  if (now_us > self->rate_last_us)
    self->rate_last_us = now_us;
}

/* Updates the rate property for @now_us; returns TRUE while it is above
 * zero. A topic that falls quiet shows at most one message per the time
 * since its last, and nothing after BD_TOPIC_NODE_RATE_WINDOW_S. */
static gboolean
rate_update (BdTopicNode *self,
             gint64       now_us,
             gboolean     notify)
{
  double quiet_s = (double) (now_us - self->rate_last_us) / G_USEC_PER_SEC;
  double rate = self->rate_avg;

  if (self->rate_last_us == 0 || quiet_s >= BD_TOPIC_NODE_RATE_WINDOW_S)
    rate = 0.0;
  else if (quiet_s > 0 && rate * quiet_s > 1.0)
    rate = 1.0 / quiet_s;
  /* Two decimals are all a row shows; this also keeps notifies rarer. */
  rate = (double) (gint64) (rate * 100.0 + 0.5) / 100.0;
  if (self->rate_avg > 0 && rate == 0.0 && quiet_s < BD_TOPIC_NODE_RATE_WINDOW_S)
    rate = 0.01;

  if (rate != self->rate)
    {
      self->rate = rate;
      if (notify)
        g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RATE]);
    }
  return rate > 0 || (self->rate_last_us != 0 && quiet_s < BD_TOPIC_NODE_RATE_WINDOW_S);
}

static void
update_values (BdTopicNode       *self,
               BdTopicNode       *root,
               BdTopicBatchEntry *entry,
               gint64             now_us)
{
  const BdMessage *message = entry->latest;
  g_autofree char *preview = NULL;
  gsize len = 0;
  const guint8 *data;
  gboolean notify = !self->fresh;
  GObject *object = G_OBJECT (self);

  data = g_bytes_get_data (message->payload, &len);
  preview = bd_topic_node_format_preview (data, len);

  if (self->last_value == NULL || strcmp (self->last_value, preview) != 0)
    {
      g_free (self->last_value);
      self->last_value = g_steal_pointer (&preview);
      if (notify)
        g_object_notify_by_pspec (object, properties[PROP_LAST_VALUE]);
    }

  if (entry->count > 0)
    {
      if (self->message_count == 0)
        g_ptr_array_add (root->new_topics, g_object_ref (self));
      self->message_count += entry->count;
      if (notify)
        g_object_notify_by_pspec (object, properties[PROP_MESSAGE_COUNT]);
    }

  if (self->last_time != message->time_us)
    {
      self->last_time = message->time_us;
      if (notify)
        g_object_notify_by_pspec (object, properties[PROP_LAST_TIME]);
    }

  if (self->latest != message)
    {
      g_clear_pointer (&self->latest, bd_message_unref);
      self->latest = bd_message_ref (entry->latest);
    }

  /* A retained message with an empty payload deletes the topic's retained
   * message [MQTT-3.3.1-10]: the topic has none afterwards. */
  if (self->retained != (message->retain && len > 0))
    {
      self->retained = message->retain && len > 0;
      if (notify)
        g_object_notify_by_pspec (object, properties[PROP_RETAINED]);
    }

  rate_count (self, entry->count, now_us);
  rate_update (self, now_us, notify);
  if (!g_hash_table_contains (root->active, self))
    g_hash_table_add (root->active, g_object_ref (self));
}

/* Phase 1 for one topic: the node for it, creating missing levels as pending. */
static BdTopicNode *
ensure_topic (BdTopicNode *root,
              const char  *topic,
              GArray      *touched)
{
  BdTopicNode *node = root;
  const char *level = topic;

  for (;;)
    {
      const char *slash = strchr (level, '/');
      gsize len = slash != NULL ? (gsize) (slash - level) : strlen (level);
      BdTopicNode *child = find_child (node, level, len, NULL);

      if (child == NULL && node->pending_by_name != NULL)
        {
          g_autofree char *name = g_strndup (level, len);

          child = g_hash_table_lookup (node->pending_by_name, name);
        }

      if (child == NULL)
        {
          child = topic_node_new (g_strndup (level, len),
                                  g_strndup (topic, (level - topic) + len));
          child->fresh = TRUE;

          if (node->pending == NULL)
            {
              Touched t = { node, node->children->len == 0 };

              node->pending = g_ptr_array_new_with_free_func (g_object_unref);
              node->pending_by_name = g_hash_table_new (g_str_hash, g_str_equal);
              g_array_append_val (touched, t);
            }
          g_ptr_array_add (node->pending, child);
          g_hash_table_insert (node->pending_by_name, child->name, child);
        }

      if (slash == NULL)
        return child;
      node = child;
      level = slash + 1;
    }
}

/* Phase 2 for one parent: merge its pending children run by run. */
static void
merge_pending (BdTopicNode *self)
{
  GPtrArray *pending = g_steal_pointer (&self->pending);
  gboolean had_children = self->children->len > 0;
  gboolean emit = !self->fresh;
  guint pos = 0;
  guint i = 0;

  g_clear_pointer (&self->pending_by_name, g_hash_table_unref);
  g_ptr_array_sort (pending, compare_nodes);

  while (i < pending->len)
    {
      BdTopicNode *first = g_ptr_array_index (pending, i);
      guint old_len = self->children->len;
      guint run = 1;
      guint next_old;

      /* Where the run starts, and the next visible child after it: the run
       * is every pending node that sorts before that child. */
      for (; pos < old_len; pos++)
        if (strcmp (((BdTopicNode *) g_ptr_array_index (self->children, pos))->name,
                    first->name) > 0)
          break;
      next_old = pos;
      while (i + run < pending->len
             && (next_old == old_len
                 || strcmp (((BdTopicNode *) g_ptr_array_index (pending, i + run))->name,
                            ((BdTopicNode *) g_ptr_array_index (self->children,
                                                                next_old))->name) < 0))
        run++;

      /* Open a gap of @run slots at @pos and move the run in (refs move too). */
      g_ptr_array_set_size (self->children, old_len + run);
      memmove (&self->children->pdata[pos + run], &self->children->pdata[pos],
               (old_len - pos) * sizeof (gpointer));
      for (guint k = 0; k < run; k++)
        {
          self->children->pdata[pos + k] = pending->pdata[i + k];
          pending->pdata[i + k] = NULL;
        }

      if (emit)
        g_list_model_items_changed (G_LIST_MODEL (self), pos, 0, run);

      pos += run;
      i += run;
    }

  /* Every pending node moved into `children`, reference and all. */
  g_ptr_array_set_free_func (pending, NULL);
  g_ptr_array_unref (pending);

  if (!had_children && self->children->len > 0 && emit)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HAS_CHILDREN]);
}

/* The parent of @node, found by walking its path from the root. */
static BdTopicNode *
find_parent (BdTopicNode *root,
             BdTopicNode *node,
             guint       *position)
{
  BdTopicNode *parent = root;
  const char *level = node->path;

  for (;;)
    {
      const char *slash = strchr (level, '/');
      gsize len = slash != NULL ? (gsize) (slash - level) : strlen (level);
      BdTopicNode *child = find_child (parent, level, len, position);

      g_assert (child != NULL);
      if (child == node)
        return parent;
      parent = child;
      level = slash + 1;
    }
}

static void
bd_topic_node_dispose (GObject *object)
{
  BdTopicNode *self = (BdTopicNode *) object;

  g_ptr_array_set_size (self->children, 0);
  g_clear_pointer (&self->active, g_hash_table_unref);
  g_clear_pointer (&self->new_topics, g_ptr_array_unref);

  G_OBJECT_CLASS (bd_topic_node_parent_class)->dispose (object);
}

static void
bd_topic_node_finalize (GObject *object)
{
  BdTopicNode *self = (BdTopicNode *) object;

  g_ptr_array_unref (self->children);
  g_clear_pointer (&self->pending, g_ptr_array_unref);
  g_clear_pointer (&self->pending_by_name, g_hash_table_unref);
  g_free (self->name);
  g_free (self->path);
  g_free (self->last_value);
  g_clear_pointer (&self->latest, bd_message_unref);

  G_OBJECT_CLASS (bd_topic_node_parent_class)->finalize (object);
}

static void
bd_topic_node_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  BdTopicNode *self = BD_TOPIC_NODE (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_PATH:
      g_value_set_string (value, self->path);
      break;
    case PROP_HAS_CHILDREN:
      g_value_set_boolean (value, self->children->len > 0);
      break;
    case PROP_LAST_VALUE:
      g_value_set_string (value, self->last_value);
      break;
    case PROP_MESSAGE_COUNT:
      g_value_set_uint64 (value, self->message_count);
      break;
    case PROP_RATE:
      g_value_set_double (value, self->rate);
      break;
    case PROP_LAST_TIME:
      g_value_set_int64 (value, self->last_time);
      break;
    case PROP_RETAINED:
      g_value_set_boolean (value, self->retained);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bd_topic_node_class_init (BdTopicNodeClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->dispose = bd_topic_node_dispose;
  object_class->finalize = bd_topic_node_finalize;
  object_class->get_property = bd_topic_node_get_property;

  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, "This topic level", NULL, flags);
  properties[PROP_PATH] =
    g_param_spec_string ("path", NULL, "The full topic up to this level", NULL, flags);
  properties[PROP_HAS_CHILDREN] =
    g_param_spec_boolean ("has-children", NULL, "Whether deeper levels exist", FALSE, flags);
  properties[PROP_LAST_VALUE] =
    g_param_spec_string ("last-value", NULL, "Preview of the last payload on this topic",
                         NULL, flags);
  properties[PROP_MESSAGE_COUNT] =
    g_param_spec_uint64 ("message-count", NULL, "Messages on this very topic",
                         0, G_MAXUINT64, 0, flags);
  properties[PROP_RATE] =
    g_param_spec_double ("rate", NULL, "Messages per second on this topic, recently",
                         0.0, G_MAXDOUBLE, 0.0, flags);
  properties[PROP_LAST_TIME] =
    g_param_spec_int64 ("last-time", NULL, "Receipt time of the last message, in µs",
                        0, G_MAXINT64, 0, flags);
  properties[PROP_RETAINED] =
    g_param_spec_boolean ("retained", NULL, "Whether the last message had RETAIN set",
                          FALSE, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
bd_topic_node_init (BdTopicNode *self)
{
  self->children = g_ptr_array_new_with_free_func (g_object_unref);
}

BdTopicNode *
bd_topic_node_new_root (void)
{
  BdTopicNode *self = topic_node_new (g_strdup (""), g_strdup (""));

  self->active = g_hash_table_new_full (NULL, NULL, g_object_unref, NULL);
  self->new_topics = g_ptr_array_new_with_free_func (g_object_unref);
  return self;
}

void
bd_topic_node_apply_batch (BdTopicNode       *root,
                           BdTopicBatchEntry *entries,
                           guint              n,
                           gint64             now_us)
{
  g_autoptr(GArray) touched = NULL;
  GHashTableIter iter;
  gpointer key;

  g_return_if_fail (BD_IS_TOPIC_NODE (root));
  g_return_if_fail (root->active != NULL);
  g_return_if_fail (entries != NULL || n == 0);

  touched = g_array_new (FALSE, FALSE, sizeof (Touched));

  for (guint i = 0; i < n; i++)
    {
      BdTopicNode *node = ensure_topic (root, entries[i].latest->topic, touched);

      update_values (node, root, &entries[i], now_us);
    }

  /* Parents were touched before their new children: merge in reverse, so a
   * node's new children are in place before its parent announces it. GTK
   * asks for the node's child model at that very moment and caches a NULL
   * ("not expandable") answer. */
  for (guint i = touched->len; i-- > 0;)
    merge_pending (g_array_index (touched, Touched, i).node);

  for (guint i = 0; i < touched->len; i++)
    {
      Touched *t = &g_array_index (touched, Touched, i);
      BdTopicNode *parent;
      guint position = 0;

      if (!t->was_leaf || t->node->fresh || t->node == root)
        continue;
      parent = find_parent (root, t->node, &position);
      g_list_model_items_changed (G_LIST_MODEL (parent), position, 1, 1);
    }

  for (guint i = 0; i < touched->len; i++)
    {
      BdTopicNode *node = g_array_index (touched, Touched, i).node;

      for (guint k = 0; k < node->children->len; k++)
        ((BdTopicNode *) g_ptr_array_index (node->children, k))->fresh = FALSE;
    }

  /* A clock that steps back recomputes at once. */
  if (now_us - root->rates_us < RATE_DECAY_INTERVAL_US && now_us >= root->rates_us)
    return;
  root->rates_us = now_us;
  g_hash_table_iter_init (&iter, root->active);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (!rate_update (key, now_us, TRUE))
      g_hash_table_iter_remove (&iter);
}

BdTopicNode *
bd_topic_node_lookup (BdTopicNode *root,
                      const char  *topic)
{
  BdTopicNode *node = root;
  const char *level = topic;

  g_return_val_if_fail (BD_IS_TOPIC_NODE (root), NULL);
  g_return_val_if_fail (topic != NULL, NULL);

  while (node != NULL)
    {
      const char *slash = strchr (level, '/');
      gsize len = slash != NULL ? (gsize) (slash - level) : strlen (level);

      node = find_child (node, level, len, NULL);
      if (slash == NULL)
        break;
      level = slash + 1;
    }
  return node;
}

GListModel *
bd_topic_node_create_child_model (gpointer item,
                                  gpointer user_data)
{
  BdTopicNode *self = item;

  g_return_val_if_fail (BD_IS_TOPIC_NODE (self), NULL);

  if (self->children->len == 0)
    return NULL;
  return G_LIST_MODEL (g_object_ref (self));
}

const char *
bd_topic_node_get_name (BdTopicNode *self)
{
  g_return_val_if_fail (BD_IS_TOPIC_NODE (self), NULL);
  return self->name;
}

const char *
bd_topic_node_get_path (BdTopicNode *self)
{
  g_return_val_if_fail (BD_IS_TOPIC_NODE (self), NULL);
  return self->path;
}

gboolean
bd_topic_node_get_has_children (BdTopicNode *self)
{
  g_return_val_if_fail (BD_IS_TOPIC_NODE (self), FALSE);
  return self->children->len > 0;
}

const char *
bd_topic_node_get_last_value (BdTopicNode *self)
{
  g_return_val_if_fail (BD_IS_TOPIC_NODE (self), NULL);
  return self->last_value;
}

guint64
bd_topic_node_get_message_count (BdTopicNode *self)
{
  g_return_val_if_fail (BD_IS_TOPIC_NODE (self), 0);
  return self->message_count;
}

double
bd_topic_node_get_rate (BdTopicNode *self)
{
  g_return_val_if_fail (BD_IS_TOPIC_NODE (self), 0.0);
  return self->rate;
}

gint64
bd_topic_node_get_last_time (BdTopicNode *self)
{
  g_return_val_if_fail (BD_IS_TOPIC_NODE (self), 0);
  return self->last_time;
}

BdMessage *
bd_topic_node_get_latest (BdTopicNode *self)
{
  g_return_val_if_fail (BD_IS_TOPIC_NODE (self), NULL);
  return self->latest;
}

gboolean
bd_topic_node_get_retained (BdTopicNode *self)
{
  g_return_val_if_fail (BD_IS_TOPIC_NODE (self), FALSE);
  return self->retained;
}

GPtrArray *
bd_topic_node_steal_new_topics (BdTopicNode *root)
{
  GPtrArray *topics;

  g_return_val_if_fail (BD_IS_TOPIC_NODE (root), NULL);
  g_return_val_if_fail (root->new_topics != NULL, NULL);

  topics = g_steal_pointer (&root->new_topics);
  root->new_topics = g_ptr_array_new_with_free_func (g_object_unref);
  return topics;
}
