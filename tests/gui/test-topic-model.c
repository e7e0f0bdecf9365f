/* test-topic-model.c — the live topic tree's model and its outbox, without a display
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <gtk/gtk.h>

#include "bd-topic-node.h"
#include "bd-topic-outbox.h"
#include "bd-topic-search.h"

/* One batch entry per topic, like a flush would deliver; payloads are text. */
static void
apply (BdTopicNode  *root,
       gint64        now_us,
       const char   *first_topic,
       ...)
{
  g_autoptr(GArray) entries = g_array_new (FALSE, FALSE, sizeof (BdTopicBatchEntry));
  const char *topic = first_topic;
  va_list ap;

  va_start (ap, first_topic);
  while (topic != NULL)
    {
      const char *payload = va_arg (ap, const char *);
      g_autoptr(GBytes) bytes = g_bytes_new (payload, strlen (payload));
      BdTopicBatchEntry entry = {
        bd_message_new_full (topic, bytes, 0, FALSE, NULL, NULL, now_us), 1
      };

      g_array_append_val (entries, entry);
      topic = va_arg (ap, const char *);
    }
  va_end (ap);

  bd_topic_node_apply_batch (root, (BdTopicBatchEntry *) (gpointer) entries->data,
                             entries->len, now_us);
  for (guint i = 0; i < entries->len; i++)
    bd_message_unref (g_array_index (entries, BdTopicBatchEntry, i).latest);
}

/* "name name name" of a node's children, in model order. */
static char *
child_names (GListModel *model)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(BdTopicNode) child = g_list_model_get_item (model, i);

      g_string_append_printf (out, i == 0 ? "%s" : " %s", bd_topic_node_get_name (child));
    }
  return g_string_free (out, FALSE);
}

typedef struct
{
  GString *log;           /* "pos,removed,added[names];" per emission */
} ItemsLog;

static void
items_changed_cb (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  gpointer    user_data)
{
  ItemsLog *log = user_data;

  g_string_append_printf (log->log, "%u,%u,%u[", position, removed, added);
  for (guint i = 0; i < added; i++)
    {
      g_autoptr(BdTopicNode) child = g_list_model_get_item (model, position + i);

      g_assert_nonnull (child);
      g_string_append_printf (log->log, i == 0 ? "%s" : " %s", bd_topic_node_get_name (child));
    }
  /* Whatever a view saw before, plus this change, must be the model now:
   * nothing merged later in the batch may be visible yet. */
  g_string_append_printf (log->log, "]n=%u;", g_list_model_get_n_items (model));
}

static void
test_insert_sorted (void)
{
  g_autoptr(BdTopicNode) root = bd_topic_node_new_root ();
  g_autofree char *names = NULL;
  g_autofree char *b_names = NULL;
  BdTopicNode *b;
  BdTopicNode *z;

  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (root)) == BD_TYPE_TOPIC_NODE);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (root)), ==, 0);

  apply (root, 1000, "b/x", "1", "a", "2", "c/y/z", "3", "b/a", "4", "B", "5", NULL);

  names = child_names (G_LIST_MODEL (root));
  g_assert_cmpstr (names, ==, "B a b c");  /* byte order: capitals first */
  b = bd_topic_node_lookup (root, "b");
  b_names = child_names (G_LIST_MODEL (b));
  g_assert_cmpstr (b_names, ==, "a x");
  g_assert_true (bd_topic_node_get_has_children (b));
  g_assert_null (bd_topic_node_get_last_value (b));  /* no message of its own */
  g_assert_cmpuint (bd_topic_node_get_message_count (b), ==, 0);

  z = bd_topic_node_lookup (root, "c/y/z");
  g_assert_nonnull (z);
  g_assert_cmpstr (bd_topic_node_get_name (z), ==, "z");
  g_assert_cmpstr (bd_topic_node_get_path (z), ==, "c/y/z");
  g_assert_false (bd_topic_node_get_has_children (z));
  g_assert_cmpstr (bd_topic_node_get_last_value (z), ==, "3");
  g_assert_cmpstr (bd_topic_node_get_path (bd_topic_node_lookup (root, "c/y")), ==, "c/y");

  /* Out-of-range items are NULL, as GListModel requires. */
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (root), 4));
}

static void
test_runs (void)
{
  g_autoptr(BdTopicNode) root = bd_topic_node_new_root ();
  ItemsLog log = { g_string_new (NULL) };
  ItemsLog d_log = { g_string_new (NULL) };
  g_autofree char *names = NULL;
  BdTopicNode *d;

  apply (root, 1000, "b", "1", "d", "1", "f", "1", NULL);
  g_signal_connect (root, "items-changed", G_CALLBACK (items_changed_cb), &log);
  d = bd_topic_node_lookup (root, "d");
  g_signal_connect (d, "items-changed", G_CALLBACK (items_changed_cb), &d_log);

  /* Unsorted, with repeats, deeper levels under new nodes and an update of
   * an existing leaf: four runs at the root, one signal each. */
  apply (root, 2000,
         "h", "1", "c2", "1", "a/deep/er", "1", "e", "1", "c", "1", "g", "1",
         "d", "2", "a", "1", "h/x", "1", NULL);

  g_assert_cmpstr (log.log->str, ==,
                   "0,0,1[a]n=4;"
                   "2,0,2[c c2]n=6;"
                   "5,0,1[e]n=7;"
                   "7,0,2[g h]n=9;");
  names = child_names (G_LIST_MODEL (root));
  g_assert_cmpstr (names, ==, "a b c c2 d e f g h");
  /* d got a message, not children: nothing to say. */
  g_assert_cmpstr (d_log.log->str, ==, "");
  /* New nodes arrive complete. */
  g_assert_nonnull (bd_topic_node_lookup (root, "a/deep/er"));
  g_assert_true (bd_topic_node_get_has_children (bd_topic_node_lookup (root, "h")));

  /* A batch of nothing new says nothing. */
  g_string_truncate (log.log, 0);
  apply (root, 3000, "a/deep/er", "2", "c", "2", NULL);
  g_assert_cmpstr (log.log->str, ==, "");

  g_string_free (log.log, TRUE);
  g_string_free (d_log.log, TRUE);
}

static void
test_one_signal_for_many (void)
{
  g_autoptr(BdTopicNode) root = bd_topic_node_new_root ();
  g_autoptr(GArray) entries = g_array_new (FALSE, FALSE, sizeof (BdTopicBatchEntry));
  ItemsLog log = { g_string_new (NULL) };
  g_autoptr(GBytes) bytes = g_bytes_new_static ("x", 1);

  g_signal_connect (root, "items-changed", G_CALLBACK (items_changed_cb), &log);
  for (guint i = 0; i < 1000; i++)
    {
      g_autofree char *topic = g_strdup_printf ("t%04u/v", 999 - i);
      BdTopicBatchEntry entry = { bd_message_new (topic, bytes, 0, FALSE, NULL), 1 };

      g_array_append_val (entries, entry);
    }
  bd_topic_node_apply_batch (root, (BdTopicBatchEntry *) (gpointer) entries->data,
                             entries->len, 1);

  g_assert_true (g_str_has_prefix (log.log->str, "0,0,1000[t0000 t0001 "));
  g_assert_true (g_str_has_suffix (log.log->str, " t0999]n=1000;"));
  g_assert_null (strchr (strchr (log.log->str, ';') + 1, ';'));

  for (guint i = 0; i < entries->len; i++)
    bd_message_unref (g_array_index (entries, BdTopicBatchEntry, i).latest);
  g_string_free (log.log, TRUE);
}

static void
count_cb (gpointer user_data)
{
  (*(guint *) user_data)++;
}

/* A new top-level node that arrives with its subtree (the first demo plant
 * batch: busan/factory/...) must be expandable as soon as the tree sees it:
 * GTK asks for its child model when the parent announces it, and caches a
 * NULL answer for good. */
static void
test_new_subtree_expandable (void)
{
  g_autoptr(BdTopicNode) root = bd_topic_node_new_root ();
  g_autoptr(GtkTreeListModel) tree = NULL;
  g_autoptr(GtkTreeListRow) row = NULL;
  g_autoptr(GtkTreeListRow) child = NULL;

  tree = gtk_tree_list_model_new (G_LIST_MODEL (g_object_ref (root)), FALSE, FALSE,
                                  bd_topic_node_create_child_model, NULL, NULL);
  apply (root, 1000, "busan/factory/assembly/co2", "600", NULL);

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (tree)), ==, 1);
  row = gtk_tree_list_model_get_row (tree, 0);
  g_assert_true (gtk_tree_list_row_is_expandable (row));
  gtk_tree_list_row_set_expanded (row, TRUE);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (tree)), ==, 2);
  child = gtk_tree_list_model_get_row (tree, 1);
  g_assert_true (gtk_tree_list_row_is_expandable (child));
}

static void
test_leaf_gains_child (void)
{
  g_autoptr(BdTopicNode) root = bd_topic_node_new_root ();
  g_autoptr(GtkTreeListModel) tree = NULL;
  g_autoptr(GtkTreeListRow) row = NULL;
  ItemsLog log = { g_string_new (NULL) };
  ItemsLog b_log = { g_string_new (NULL) };
  guint has_children_notifies = 0;
  BdTopicNode *b;

  apply (root, 1000, "a", "1", "b", "1", "c", "1", NULL);
  b = bd_topic_node_lookup (root, "b");
  g_assert_null (bd_topic_node_create_child_model (b, NULL));

  /* What the Topics page builds; GtkTreeListModel needs no display. */
  tree = gtk_tree_list_model_new (G_LIST_MODEL (g_object_ref (root)), FALSE, FALSE,
                                  bd_topic_node_create_child_model, NULL, NULL);
  row = gtk_tree_list_model_get_row (tree, 1);
  g_assert_false (gtk_tree_list_row_is_expandable (row));
  g_clear_object (&row);

  g_signal_connect (root, "items-changed", G_CALLBACK (items_changed_cb), &log);
  g_signal_connect (b, "items-changed", G_CALLBACK (items_changed_cb), &b_log);
  g_signal_connect_swapped (b, "notify::has-children", G_CALLBACK (count_cb),
                            &has_children_notifies);

  apply (root, 2000, "b/y", "1", "b/x", "1", "aa", "1", NULL);

  /* The new sibling's run, then b replaced by itself so GTK asks again. */
  g_assert_cmpstr (log.log->str, ==, "1,0,1[aa]n=4;2,1,1[b]n=4;");
  g_assert_cmpstr (b_log.log->str, ==, "0,0,2[x y]n=2;");
  g_assert_cmpuint (has_children_notifies, ==, 1);
  g_assert_true (bd_topic_node_get_has_children (b));

  row = gtk_tree_list_model_get_row (tree, 2);
  g_assert_true (gtk_tree_list_row_get_item (row) == (gpointer) b);
  g_object_unref (b);  /* the ref get_item returned */
  g_assert_true (gtk_tree_list_row_is_expandable (row));
  gtk_tree_list_row_set_expanded (row, TRUE);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (tree)), ==, 6);

  /* An expanded node's new children reach the tree through its own signal. */
  apply (root, 3000, "b/w", "1", NULL);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (tree)), ==, 7);
  g_assert_cmpuint (has_children_notifies, ==, 1);

  g_string_free (log.log, TRUE);
  g_string_free (b_log.log, TRUE);
}

typedef struct
{
  GString *names;
} NotifyLog;

static void
notify_cb (GObject    *object,
           GParamSpec *pspec,
           gpointer    user_data)
{
  NotifyLog *log = user_data;

  if (strcmp (pspec->name, "rate") != 0)
    g_string_append_printf (log->names, "%s ", pspec->name);
}

static BdMessage *
message_new (const char *topic,
             const void *data,
             gsize       len,
             gboolean    retain,
             gint64      time_us)
{
  g_autoptr(GBytes) bytes = g_bytes_new (data, len);

  return bd_message_new_full (topic, bytes, 1, retain, NULL, NULL, time_us);
}

static void
test_values (void)
{
  g_autoptr(BdTopicNode) root = bd_topic_node_new_root ();
  NotifyLog log = { g_string_new (NULL) };
  BdTopicBatchEntry entry;
  BdTopicNode *node;

  entry = (BdTopicBatchEntry) { message_new ("plant/temp", "21.5", 4, TRUE, 5000), 3 };
  bd_topic_node_apply_batch (root, &entry, 1, 5000);
  bd_message_unref (entry.latest);

  node = bd_topic_node_lookup (root, "plant/temp");
  g_assert_cmpstr (bd_topic_node_get_last_value (node), ==, "21.5");
  g_assert_cmpuint (bd_topic_node_get_message_count (node), ==, 3);
  g_assert_cmpint (bd_topic_node_get_last_time (node), ==, 5000);
  g_assert_true (bd_topic_node_get_retained (node));
  g_signal_connect (node, "notify", G_CALLBACK (notify_cb), &log);

  /* Same value, same time, same flag: only the count moves. */
  entry = (BdTopicBatchEntry) { message_new ("plant/temp", "21.5", 4, TRUE, 5000), 2 };
  bd_topic_node_apply_batch (root, &entry, 1, 5000);
  bd_message_unref (entry.latest);
  g_assert_cmpstr (log.names->str, ==, "message-count ");
  g_assert_cmpuint (bd_topic_node_get_message_count (node), ==, 5);

  g_string_truncate (log.names, 0);
  entry = (BdTopicBatchEntry) { message_new ("plant/temp", "22.0", 4, FALSE, 6000), 1 };
  bd_topic_node_apply_batch (root, &entry, 1, 6000);
  bd_message_unref (entry.latest);
  g_assert_cmpstr (log.names->str, ==, "last-value message-count last-time retained ");
  g_assert_cmpstr (bd_topic_node_get_last_value (node), ==, "22.0");
  g_assert_false (bd_topic_node_get_retained (node));
  g_assert_cmpint (bd_topic_node_get_latest (node)->time_us, ==, 6000);

  /* Retained again, then deleted: an empty retained message removes the
   * topic's retained message [MQTT-3.3.1-10], so the marker goes away. */
  entry = (BdTopicBatchEntry) { message_new ("plant/temp", "22.5", 4, TRUE, 6500), 1 };
  bd_topic_node_apply_batch (root, &entry, 1, 6500);
  bd_message_unref (entry.latest);
  g_assert_true (bd_topic_node_get_retained (node));
  entry = (BdTopicBatchEntry) { message_new ("plant/temp", "", 0, TRUE, 6600), 1 };
  bd_topic_node_apply_batch (root, &entry, 1, 6600);
  bd_message_unref (entry.latest);
  g_assert_false (bd_topic_node_get_retained (node));
  g_assert_cmpuint (g_bytes_get_size (bd_topic_node_get_latest (node)->payload), ==, 0);

  /* A message elsewhere, even a child, leaves this node quiet. */
  g_string_truncate (log.names, 0);
  entry = (BdTopicBatchEntry) { message_new ("plant/temp/unit", "C", 1, FALSE, 7000), 1 };
  bd_topic_node_apply_batch (root, &entry, 1, 7000);
  bd_message_unref (entry.latest);
  g_assert_cmpstr (log.names->str, ==, "has-children ");
  g_assert_cmpuint (bd_topic_node_get_message_count (node), ==, 8);

  g_string_free (log.names, TRUE);
}

static void
test_rate (void)
{
  g_autoptr(BdTopicNode) root = bd_topic_node_new_root ();
  const gint64 t0 = 100 * G_USEC_PER_SEC;
  guint notifies = 0;
  BdTopicBatchEntry entry;
  BdTopicNode *node;

  /* 10 messages a second for six seconds, in two batches a second. */
  for (guint half = 0; half < 12; half++)
    {
      gint64 now = t0 + half * G_USEC_PER_SEC / 2 + G_USEC_PER_SEC / 4;

      entry = (BdTopicBatchEntry) { message_new ("r", "1", 1, FALSE, now), 5 };
      bd_topic_node_apply_batch (root, &entry, 1, now);
      bd_message_unref (entry.latest);
    }
  node = bd_topic_node_lookup (root, "r");
  g_assert_cmpfloat_with_epsilon (bd_topic_node_get_rate (node), 10.0, 1.0);

  /* Quiet: an empty batch lets the rate decay to zero, with one notify. */
  g_signal_connect_swapped (node, "notify::rate", G_CALLBACK (count_cb), &notifies);
  bd_topic_node_apply_batch (root, NULL, 0, t0 + 20 * G_USEC_PER_SEC);
  g_assert_cmpfloat (bd_topic_node_get_rate (node), ==, 0.0);
  g_assert_cmpuint (notifies, ==, 1);
  bd_topic_node_apply_batch (root, NULL, 0, t0 + 21 * G_USEC_PER_SEC);
  g_assert_cmpuint (notifies, ==, 1);

  /* One message a second reads as 1.0/s at every phase of the second (a
   * partial second once made it 1.2/s just after each message), from the
   * first whole second on (not 0.2, 0.4, ... while the window fills). */
  for (guint sec = 0; sec < 8; sec++)
    {
      gint64 now = t0 + (30 + sec) * G_USEC_PER_SEC + G_USEC_PER_SEC / 10;

      entry = (BdTopicBatchEntry) { message_new ("one-hertz", "1", 1, FALSE, now), 1 };
      bd_topic_node_apply_batch (root, &entry, 1, now);
      bd_message_unref (entry.latest);
      node = bd_topic_node_lookup (root, "one-hertz");
      if (sec == 0)
        g_assert_cmpfloat (bd_topic_node_get_rate (node), ==, 0.0);
      else
        {
          g_assert_cmpfloat_with_epsilon (bd_topic_node_get_rate (node), 1.0, 0.001);
          bd_topic_node_apply_batch (root, NULL, 0, now + G_USEC_PER_SEC * 8 / 10);
          g_assert_cmpfloat_with_epsilon (bd_topic_node_get_rate (node), 1.0, 0.001);
        }
    }

  /* ... and when its messages straddle second boundaries (x.98 s, then
   * y.02 s), which per-second counting read as 0, 2, 0, 2. */
  for (guint sec = 0; sec < 10; sec++)
    {
      gint64 now = t0 + (50 + sec) * G_USEC_PER_SEC
                   + (sec % 2 ? -20 : 20) * G_TIME_SPAN_MILLISECOND;

      entry = (BdTopicBatchEntry) { message_new ("boundary", "1", 1, FALSE, now), 1 };
      bd_topic_node_apply_batch (root, &entry, 1, now);
      bd_message_unref (entry.latest);
      if (sec >= 2)
        g_assert_cmpfloat_with_epsilon (bd_topic_node_get_rate (bd_topic_node_lookup (root, "boundary")),
                                        1.0, 0.05);
    }
}

static void
test_preview (void)
{
  static const guint8 binary[] = { 0x00, 0x01, 0x7f, 0xff };
  g_autoptr(BdTopicNode) root = bd_topic_node_new_root ();
  g_autofree guint8 *big = g_malloc (200);
  g_autofree char *long_text = NULL;
  g_autofree char *s = NULL;
  const char *text;
  BdTopicBatchEntry entry;

  s = bd_topic_node_format_preview (binary, sizeof binary);
  g_assert_cmpstr (s, ==, "00 01 7f ff");
  g_clear_pointer (&s, g_free);

  /* Control bytes make text binary; invalid UTF-8 too. */
  s = bd_topic_node_format_preview ((const guint8 *) "a\001b", 3);
  g_assert_cmpstr (s, ==, "61 01 62");
  g_clear_pointer (&s, g_free);
  s = bd_topic_node_format_preview ((const guint8 *) "\xc3(", 2);
  g_assert_cmpstr (s, ==, "c3 28");
  g_clear_pointer (&s, g_free);

  text = "21.5 °C\r\nok\t!";
  s = bd_topic_node_format_preview ((const guint8 *) text, strlen (text));
  g_assert_cmpstr (s, ==, "21.5 °C  ok !");
  g_clear_pointer (&s, g_free);

  s = bd_topic_node_format_preview (NULL, 0);
  g_assert_cmpstr (s, ==, "");
  g_clear_pointer (&s, g_free);

  for (guint i = 0; i < 200; i++)
    big[i] = i;
  s = bd_topic_node_format_preview (big, 200);
  g_assert_true (g_str_has_prefix (s, "00 01 02 03"));
  g_assert_true (g_str_has_suffix (s, "…"));
  g_assert_cmpuint (g_utf8_strlen (s, -1), <=, BD_TOPIC_NODE_PREVIEW_CHARS);
  g_clear_pointer (&s, g_free);

  /* Exactly the limit fits; one more character is cut with an ellipsis. */
  long_text = g_strnfill (BD_TOPIC_NODE_PREVIEW_CHARS, 'x');
  s = bd_topic_node_format_preview ((const guint8 *) long_text, strlen (long_text));
  g_assert_cmpstr (s, ==, long_text);
  g_clear_pointer (&s, g_free);
  g_free (long_text);
  long_text = g_strnfill (300, 'y');
  memcpy (long_text, "é", strlen ("é"));  /* a two-byte character first */
  s = bd_topic_node_format_preview ((const guint8 *) long_text, strlen (long_text));
  g_assert_cmpuint (g_utf8_strlen (s, -1), ==, BD_TOPIC_NODE_PREVIEW_CHARS);
  g_assert_true (g_str_has_prefix (s, "éyyy"));
  g_assert_true (g_str_has_suffix (s, "y…"));
  g_clear_pointer (&s, g_free);

  /* And through a batch. */
  entry = (BdTopicBatchEntry) { message_new ("bin", binary, sizeof binary, FALSE, 1), 1 };
  bd_topic_node_apply_batch (root, &entry, 1, 1);
  bd_message_unref (entry.latest);
  g_assert_cmpstr (bd_topic_node_get_last_value (bd_topic_node_lookup (root, "bin")), ==,
                   "00 01 7f ff");
}

static void
test_lookup (void)
{
  g_autoptr(BdTopicNode) root = bd_topic_node_new_root ();
  g_autoptr(GListModel) model = NULL;
  BdTopicNode *node;

  apply (root, 1, "/lead", "1", "a//b", "2", "ab/c", "3", NULL);

  g_assert_null (bd_topic_node_lookup (root, "a/b"));
  g_assert_null (bd_topic_node_lookup (root, "ab/c/d"));
  g_assert_null (bd_topic_node_lookup (root, "zz"));
  /* "a/" is a real level: "a" then "", on the way to "a//b". */
  g_assert_cmpstr (bd_topic_node_get_path (bd_topic_node_lookup (root, "a/")), ==, "a/");

  /* Empty levels are levels: "a//b" is a, "", b. */
  node = bd_topic_node_lookup (root, "a//b");
  g_assert_nonnull (node);
  g_assert_cmpstr (bd_topic_node_get_path (node), ==, "a//b");
  g_assert_cmpstr (bd_topic_node_get_last_value (node), ==, "2");
  node = bd_topic_node_lookup (root, "/lead");
  g_assert_cmpstr (bd_topic_node_get_path (node), ==, "/lead");
  g_assert_cmpstr (bd_topic_node_get_name (node), ==, "lead");
  /* The empty first level sorts first. */
  node = g_list_model_get_item (G_LIST_MODEL (root), 0);
  g_assert_cmpstr (bd_topic_node_get_name (node), ==, "");
  g_object_unref (node);
  /* "a" and "ab" are different levels, whatever strncmp thinks. */
  g_assert_cmpstr (bd_topic_node_get_path (bd_topic_node_lookup (root, "ab")), ==, "ab");
  g_assert_cmpstr (bd_topic_node_get_path (bd_topic_node_lookup (root, "a")), ==, "a");

  g_assert_null (bd_topic_node_create_child_model (bd_topic_node_lookup (root, "a//b"), NULL));
  node = bd_topic_node_lookup (root, "a");
  model = bd_topic_node_create_child_model (node, NULL);
  g_assert_true (model == (GListModel *) node);
}

static void
test_bench_batch (void)
{
  g_autoptr(BdTopicNode) root = bd_topic_node_new_root ();
  g_autoptr(GArray) entries = g_array_new (FALSE, FALSE, sizeof (BdTopicBatchEntry));
  g_autoptr(GBytes) bytes = g_bytes_new_static ("23.25", 5);
  BdTopicNode *node;
  gint64 start;
  gint64 first_us;
  gint64 second_us;

  for (guint i = 0; i < 10000; i++)
    {
      g_autofree char *topic = g_strdup_printf ("plant/line%u/machine%u/sensor%u",
                                                i % 10, (i / 10) % 100, i);
      BdTopicBatchEntry entry = { bd_message_new (topic, bytes, 0, FALSE, NULL), 1 };

      g_array_append_val (entries, entry);
    }

  start = g_get_monotonic_time ();
  bd_topic_node_apply_batch (root, (BdTopicBatchEntry *) (gpointer) entries->data,
                             entries->len, 1);
  first_us = g_get_monotonic_time () - start;
  start = g_get_monotonic_time ();
  bd_topic_node_apply_batch (root, (BdTopicBatchEntry *) (gpointer) entries->data,
                             entries->len, 2);
  second_us = g_get_monotonic_time () - start;

  g_test_message ("10,000 topics: first batch (inserting) %.1f ms, second (updating) %.1f ms",
                  first_us / 1000.0, second_us / 1000.0);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (bd_topic_node_lookup (root, "plant"))),
                    ==, 10);
  node = bd_topic_node_lookup (root, "plant/line3/machine7/sensor73");
  g_assert_cmpuint (bd_topic_node_get_message_count (node), ==, 2);

  for (guint i = 0; i < entries->len; i++)
    bd_message_unref (g_array_index (entries, BdTopicBatchEntry, i).latest);
}

/* The outbox. */

#define N_TOPICS 100
#define N_MESSAGES 10000

typedef struct
{
  GMainLoop    *loop;
  BdTopicNode  *root;
  guint         n_flushes;
  guint         n_entries;
  guint64       n_counted;
  guint         counts[N_TOPICS];
  char         *latest[N_TOPICS];
  gint64        first_flush_us;
  GThread      *main_thread;
  /* For a tapping thread that waits for a flush. */
  GMutex        mutex;
  GCond         cond;
} FlushState;

/* A zeroed @state for outboxes flushing on this thread. */
static void
flush_state_init (FlushState *state)
{
  *state = (FlushState) { 0 };
  state->main_thread = g_thread_self ();
  g_mutex_init (&state->mutex);
  g_cond_init (&state->cond);
}

static void
flush_state_clear (FlushState *state)
{
  for (guint i = 0; i < N_TOPICS; i++)
    g_clear_pointer (&state->latest[i], g_free);
  g_mutex_clear (&state->mutex);
  g_cond_clear (&state->cond);
}

static void
flush_cb (BdTopicBatchEntry *entries,
          guint              n_entries,
          gpointer           user_data)
{
  FlushState *state = user_data;

  g_assert_true (g_thread_self () == state->main_thread);
  g_mutex_lock (&state->mutex);
  if (state->n_flushes++ == 0)
    state->first_flush_us = g_get_monotonic_time ();
  g_cond_broadcast (&state->cond);
  g_mutex_unlock (&state->mutex);
  state->n_entries += n_entries;

  for (guint i = 0; i < n_entries; i++)
    {
      guint topic = 0;
      gsize len;
      const guint8 *data = bd_message_get_payload (entries[i].latest, &len);

      g_assert_cmpint (sscanf (entries[i].latest->topic, "t/%u", &topic), ==, 1);
      g_assert_cmpuint (topic, <, N_TOPICS);
      state->counts[topic] += entries[i].count;
      state->n_counted += entries[i].count;
      g_free (state->latest[topic]);
      state->latest[topic] = g_strndup ((const char *) data, len);
    }

  if (state->root != NULL)
    bd_topic_node_apply_batch (state->root, entries, n_entries, g_get_monotonic_time ());
  if (state->n_counted == N_MESSAGES && state->loop != NULL)
    g_main_loop_quit (state->loop);
}

typedef struct
{
  BdTopicOutbox *outbox;
  BdMessage    **messages;
  gint64         start_us;
  gint64         end_us;
  FlushState    *wait_for_flush;  /* non-NULL: pause halfway until a flush ran */
} TapThread;

static gpointer
tap_thread (gpointer data)
{
  TapThread *t = data;

  t->start_us = g_get_monotonic_time ();
  for (guint i = 0; i < N_MESSAGES; i++)
    {
      if (i == N_MESSAGES / 2 && t->wait_for_flush != NULL)
        {
          FlushState *state = t->wait_for_flush;

          g_mutex_lock (&state->mutex);
          while (state->n_flushes == 0)
            g_cond_wait (&state->cond, &state->mutex);
          g_mutex_unlock (&state->mutex);
        }
      bd_topic_outbox_tap (t->messages[i], t->outbox);
    }
  t->end_us = g_get_monotonic_time ();
  return NULL;
}

static gboolean
timeout_cb (gpointer user_data)
{
  g_error ("timed out waiting for the outbox to flush");
  return G_SOURCE_REMOVE;
}

static void
run_outbox_coalesce (gboolean across_flushes)
{
  FlushState state;
  TapThread t = { 0 };
  g_autoptr(GThread) thread = NULL;
  g_autoptr(BdTopicNode) root = bd_topic_node_new_root ();
  guint timeout_id;
  guint max_flushes;

  flush_state_init (&state);
  state.loop = g_main_loop_new (NULL, FALSE);
  state.root = root;
  t.outbox = bd_topic_outbox_new (NULL, flush_cb, &state);

  /* Made beforehand, so the thread measures taps rather than allocation. */
  t.messages = g_new (BdMessage *, N_MESSAGES);
  for (guint i = 0; i < N_MESSAGES; i++)
    {
      g_autofree char *topic = g_strdup_printf ("t/%u", i % N_TOPICS);
      g_autofree char *payload = g_strdup_printf ("%u", i);
      g_autoptr(GBytes) bytes = g_bytes_new (payload, strlen (payload));

      t.messages[i] = bd_message_new (topic, bytes, 0, FALSE, NULL);
    }

  if (across_flushes)
    t.wait_for_flush = &state;
  timeout_id = g_timeout_add_seconds (20, timeout_cb, NULL);
  thread = g_thread_new ("test-taps", tap_thread, &t);
  g_main_loop_run (state.loop);
  g_thread_join (g_steal_pointer (&thread));
  g_source_remove (timeout_id);

  /* Every message counted once, the latest payload per topic kept, and
   * one flush per interval the taps spanned (plus one for the remainder). */
  max_flushes = 2 + (guint) ((t.end_us - t.start_us) / (BD_TOPIC_OUTBOX_INTERVAL_MS * 1000));
  g_test_message ("%u taps took %.1f ms, %u flushes, %u entries", N_MESSAGES,
                  (t.end_us - t.start_us) / 1000.0, state.n_flushes, state.n_entries);
  if (across_flushes)
    {
      /* The pause lasted one interval at least; what matters is the split. */
      g_assert_cmpuint (state.n_flushes, >=, 2);
    }
  else
    {
      g_assert_cmpuint (state.n_flushes, >=, 1);
      g_assert_cmpuint (state.n_flushes, <=, max_flushes);
    }
  g_assert_cmpuint (state.n_entries, <=, state.n_flushes * N_TOPICS);
  g_assert_cmpuint (state.n_counted, ==, N_MESSAGES);
  /* The flush waits an interval after the first tap. */
  g_assert_cmpint (state.first_flush_us - t.start_us, >=, (BD_TOPIC_OUTBOX_INTERVAL_MS - 1) * 1000);
  for (guint i = 0; i < N_TOPICS; i++)
    {
      g_autofree char *expected = g_strdup_printf ("%u", N_MESSAGES - N_TOPICS + i);
      g_autofree char *topic = g_strdup_printf ("t/%u", i);

      g_assert_cmpuint (state.counts[i], ==, N_MESSAGES / N_TOPICS);
      g_assert_cmpstr (state.latest[i], ==, expected);
      g_assert_cmpuint (bd_topic_node_get_message_count (bd_topic_node_lookup (root, topic)),
                        ==, N_MESSAGES / N_TOPICS);
      g_assert_cmpstr (bd_topic_node_get_last_value (bd_topic_node_lookup (root, topic)),
                       ==, expected);
    }

  bd_topic_outbox_free (t.outbox);
  for (guint i = 0; i < N_MESSAGES; i++)
    bd_message_unref (t.messages[i]);
  g_free (t.messages);
  g_main_loop_unref (state.loop);
  flush_state_clear (&state);
}

static void
test_outbox_coalesce (void)
{
  run_outbox_coalesce (FALSE);
}

/* Taps on both sides of a flush: the swap loses and repeats nothing. */
static void
test_outbox_across_flushes (void)
{
  run_outbox_coalesce (TRUE);
}

static gboolean
quit_cb (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

static void
test_outbox_free_pending (void)
{
  FlushState state;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(BdMessage) message = message_new ("t/1", "x", 1, FALSE, 1);
  BdTopicOutbox *outbox;
  BdTopicOutbox *engine_ref;

  flush_state_init (&state);
  outbox = bd_topic_outbox_new (NULL, flush_cb, &state);
  /* The engine's reference, dropped by the tap's notify after removal. */
  engine_ref = bd_topic_outbox_ref (outbox);

  bd_topic_outbox_tap (message, outbox);
  bd_topic_outbox_free (outbox);
  /* A tap still in flight in the engine after free is dropped. */
  bd_topic_outbox_tap (message, engine_ref);

  /* Nothing can announce a flush that must not happen, so wait out three
   * intervals: the flush function must not have run. */
  g_timeout_add (3 * BD_TOPIC_OUTBOX_INTERVAL_MS, quit_cb, loop);
  g_main_loop_run (loop);
  g_assert_cmpuint (state.n_flushes, ==, 0);

  bd_topic_outbox_unref (engine_ref);
  flush_state_clear (&state);
}

static void
test_outbox_second_flush (void)
{
  FlushState state;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(BdMessage) a = message_new ("t/1", "a", 1, FALSE, 1);
  g_autoptr(BdMessage) b = message_new ("t/2", "b", 1, FALSE, 2);
  g_autoptr(BdTopicOutbox) outbox = NULL;
  guint timeout_id = g_timeout_add_seconds (20, timeout_cb, NULL);

  flush_state_init (&state);
  state.loop = loop;
  outbox = bd_topic_outbox_new (NULL, flush_cb, &state);

  /* After a flush the outbox is empty and the next tap schedules anew. */
  bd_topic_outbox_tap (a, outbox);
  while (state.n_flushes < 1)
    g_main_context_iteration (NULL, TRUE);
  bd_topic_outbox_tap (b, outbox);
  bd_topic_outbox_tap (b, outbox);
  while (state.n_flushes < 2)
    g_main_context_iteration (NULL, TRUE);

  g_assert_cmpuint (state.n_entries, ==, 2);
  g_assert_cmpuint (state.counts[1], ==, 1);
  g_assert_cmpuint (state.counts[2], ==, 2);
  g_source_remove (timeout_id);
  flush_state_clear (&state);
}

/* A held outbox (its page hidden) coalesces but never flushes; released, it
 * flushes at once each topic's newest message with every message counted. */
static gboolean
set_flag_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
test_outbox_held (void)
{
  FlushState state;
  g_autoptr(BdMessage) a1 = message_new ("t/1", "a1", 2, FALSE, 1);
  g_autoptr(BdMessage) a2 = message_new ("t/1", "a2", 2, FALSE, 2);
  g_autoptr(BdMessage) b = message_new ("t/2", "b", 1, FALSE, 3);
  g_autoptr(BdTopicOutbox) outbox = NULL;
  gboolean waited = FALSE;
  guint timeout_id = g_timeout_add_seconds (20, timeout_cb, NULL);

  flush_state_init (&state);
  outbox = bd_topic_outbox_new (NULL, flush_cb, &state);
  bd_topic_outbox_set_held (outbox, TRUE);

  bd_topic_outbox_tap (a1, outbox);
  bd_topic_outbox_tap (b, outbox);
  bd_topic_outbox_tap (a2, outbox);
  /* Five flush intervals: an outbox that is not held flushes after one. */
  g_timeout_add (5 * BD_TOPIC_OUTBOX_INTERVAL_MS, set_flag_cb, &waited);
  while (!waited)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (state.n_flushes, ==, 0);

  /* At once, not an interval after the release: the flush is ready then,
   * so iterations that never block deliver it. Measured with the clock
   * instead ("within one 33 ms interval"), it failed whenever a loaded
   * machine preempted the test for longer than that. */
  bd_topic_outbox_set_held (outbox, FALSE);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (state.n_flushes, ==, 1);
  g_assert_cmpuint (state.n_entries, ==, 2);
  g_assert_cmpuint (state.counts[1], ==, 2);
  g_assert_cmpuint (state.counts[2], ==, 1);
  g_assert_cmpstr (state.latest[1], ==, "a2");
  g_assert_cmpstr (state.latest[2], ==, "b");

  /* Released, it flushes as before. */
  bd_topic_outbox_tap (b, outbox);
  while (state.n_flushes < 2)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (state.counts[2], ==, 2);

  g_source_remove (timeout_id);
  flush_state_clear (&state);
}

/* The flat list's feed: each topic once, when its first message arrives,
 * in order; levels without messages of their own never. */
static void
test_new_topics (void)
{
  g_autoptr(BdTopicNode) root = bd_topic_node_new_root ();
  g_autoptr(GPtrArray) first = NULL;
  g_autoptr(GPtrArray) second = NULL;
  BdTopicBatchEntry entries[3];

  entries[0] = (BdTopicBatchEntry) { message_new ("a/b/c", "1", 1, FALSE, 1), 1 };
  entries[1] = (BdTopicBatchEntry) { message_new ("a/x", "2", 1, FALSE, 1), 2 };
  entries[2] = (BdTopicBatchEntry) { message_new ("a/b", "3", 1, FALSE, 1), 1 };
  bd_topic_node_apply_batch (root, entries, 3, 1);
  first = bd_topic_node_steal_new_topics (root);
  g_assert_cmpuint (first->len, ==, 3);
  g_assert_cmpstr (bd_topic_node_get_path (first->pdata[0]), ==, "a/b/c");
  g_assert_cmpstr (bd_topic_node_get_path (first->pdata[1]), ==, "a/x");
  g_assert_cmpstr (bd_topic_node_get_path (first->pdata[2]), ==, "a/b");

  bd_topic_node_apply_batch (root, entries, 3, 2);
  second = bd_topic_node_steal_new_topics (root);
  g_assert_cmpuint (second->len, ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (entries); i++)
    bd_message_unref (entries[i].latest);
}

/* The filter entry: text is a case-insensitive substring; with a wildcard
 * it is a topic filter matched as a subscription is [MQTT-4.7.1-2,
 * MQTT-4.7.1-3]; a broken filter is searched as text. */
static void
test_search (void)
{
  static const struct {
    const char        *text;
    BdTopicSearchKind  kind;
    const char        *topic;
    gboolean           matches;
  } cases[] = {
    { "temp", BD_TOPIC_SEARCH_TEXT, "busan/factory/assembly/temperature", TRUE },
    { "TEMP", BD_TOPIC_SEARCH_TEXT, "busan/factory/assembly/Temperature", TRUE },
    { "y/as", BD_TOPIC_SEARCH_TEXT, "busan/factory/assembly/co2", TRUE },
    { "humid", BD_TOPIC_SEARCH_TEXT, "busan/factory/assembly/co2", FALSE },
    { "busan/+/+/temperature", BD_TOPIC_SEARCH_FILTER, "busan/factory/assembly/temperature", TRUE },
    { "busan/+/+/temperature", BD_TOPIC_SEARCH_FILTER, "busan/factory/assembly/temperature/unit", FALSE },
    { "busan/+/+/temperature", BD_TOPIC_SEARCH_FILTER, "busan/factory/temperature", FALSE },
    { "busan/#", BD_TOPIC_SEARCH_FILTER, "busan", TRUE },               /* the parent too */
    { "busan/#", BD_TOPIC_SEARCH_FILTER, "busanx/a", FALSE },
    { "#", BD_TOPIC_SEARCH_FILTER, "$SYS/broker/uptime", FALSE },        /* [MQTT-4.7.2-1] */
    { "+/broker/uptime", BD_TOPIC_SEARCH_FILTER, "$SYS/broker/uptime", FALSE },
    { "$SYS/#", BD_TOPIC_SEARCH_FILTER, "$SYS/broker/uptime", TRUE },
    { "a/#/b", BD_TOPIC_SEARCH_INVALID, "x/a/#/b/y", TRUE },
    { "a/#/b", BD_TOPIC_SEARCH_INVALID, "a/c/b", FALSE },
    { "te+", BD_TOPIC_SEARCH_INVALID, "site+1/te+mp", TRUE },
  };

  g_assert_null (bd_topic_search_new (""));
  g_assert_null (bd_topic_search_new (NULL));
  g_assert_true (bd_topic_search_matches (NULL, "anything"));

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(BdTopicSearch) search = bd_topic_search_new (cases[i].text);

      g_test_message ("%s ~ %s", cases[i].text, cases[i].topic);
      g_assert_cmpint (bd_topic_search_get_kind (search), ==, cases[i].kind);
      g_assert_cmpint (bd_topic_search_matches (search, cases[i].topic), ==, cases[i].matches);
    }
}

/* Slicing: a flush larger than BD_TOPIC_OUTBOX_SLICE arrives as consecutive
 * slices, in order, and stops once the turn's budget is spent so that a
 * source at GDK's redraw priority runs between slices. */

#define SLICE_TOPICS (3 * BD_TOPIC_OUTBOX_SLICE + 7)

typedef struct
{
  BdTopicOutbox *outbox;
  guint          n_calls;
  guint          n_entries;
  guint          next_topic;        /* topics arrive as s/0, s/1, ... */
  gboolean       slow;              /* each call takes half the budget */
  guint          entries_at_redraw; /* entries delivered when the "frame" ran */
  gboolean       redraw_ran;
  BdMessage     *late;              /* tapped during the first slice */
  gboolean       late_seen;
  guint          entries_before_late;
} SliceState;

static void
slice_flush_cb (BdTopicBatchEntry *entries,
                guint              n_entries,
                gpointer           user_data)
{
  SliceState *state = user_data;

  g_assert_cmpuint (n_entries, >, 0);
  g_assert_cmpuint (n_entries, <=, BD_TOPIC_OUTBOX_SLICE);
  for (guint i = 0; i < n_entries; i++)
    {
      g_autofree char *expected = g_strdup_printf ("s/%u", state->next_topic);

      if (entries[i].latest == state->late)
        {
          /* The message tapped during delivery waits for the next flush. */
          g_assert_cmpuint (state->n_entries + i, ==, SLICE_TOPICS);
          state->late_seen = TRUE;
          continue;
        }
      g_assert_cmpstr (entries[i].latest->topic, ==, expected);
      state->next_topic++;
    }
  if (state->n_calls++ == 0 && state->late != NULL)
    bd_topic_outbox_tap (state->late, state->outbox);
  state->n_entries += n_entries;
  if (state->slow)
    g_usleep (BD_TOPIC_OUTBOX_BUDGET_US / 2 + 500);
}

static gboolean
redraw_cb (gpointer user_data)
{
  SliceState *state = user_data;

  state->redraw_ran = TRUE;
  state->entries_at_redraw = state->n_entries;
  return G_SOURCE_REMOVE;
}

static void
run_slices (SliceState *state)
{
  g_autoptr(BdTopicOutbox) outbox = NULL;
  g_autoptr(GPtrArray) messages = g_ptr_array_new_with_free_func ((GDestroyNotify) bd_message_unref);
  guint timeout_id = g_timeout_add_seconds (20, timeout_cb, NULL);

  outbox = bd_topic_outbox_new (NULL, slice_flush_cb, state);
  state->outbox = outbox;
  for (guint i = 0; i < SLICE_TOPICS; i++)
    {
      g_autofree char *topic = g_strdup_printf ("s/%u", i);

      g_ptr_array_add (messages, message_new (topic, "v", 1, FALSE, i));
      bd_topic_outbox_tap (g_ptr_array_index (messages, i), outbox);
    }

  /* The first slice is delivered in the first dispatch; queue a "frame" then. */
  while (state->n_calls == 0)
    g_main_context_iteration (NULL, TRUE);
  g_idle_add_full (G_PRIORITY_HIGH_IDLE + 20, redraw_cb, state, NULL);
  while (state->n_entries < SLICE_TOPICS + (state->late != NULL ? 1 : 0))
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (timeout_id);
}

static void
test_outbox_slices (void)
{
  SliceState state = { 0 };

  run_slices (&state);
  g_assert_cmpuint (state.n_entries, ==, SLICE_TOPICS);
  g_assert_cmpuint (state.n_calls, ==, 4);
  g_assert_cmpuint (state.next_topic, ==, SLICE_TOPICS);
}

static void
test_outbox_slices_yield (void)
{
  SliceState state = { 0 };

  /* Two slow slices exhaust the budget (one, on a busy machine): the
   * "frame" runs between slices, before the rest. */
  state.slow = TRUE;
  run_slices (&state);
  g_assert_true (state.redraw_ran);
  g_assert_cmpuint (state.entries_at_redraw, >=, BD_TOPIC_OUTBOX_SLICE);
  g_assert_cmpuint (state.entries_at_redraw, <=, 2 * BD_TOPIC_OUTBOX_SLICE);
  g_assert_cmpuint (state.n_entries, ==, SLICE_TOPICS);
}

static void
test_outbox_slices_late (void)
{
  SliceState state = { 0 };
  g_autoptr(BdMessage) late = message_new ("s/0", "late", 4, FALSE, 0);

  /* A message for a topic of the flush being delivered, tapped during its
   * first slice, comes after the flush's last slice, not merged into it. */
  state.late = late;
  run_slices (&state);
  g_assert_true (state.late_seen);
  g_assert_cmpuint (state.n_entries, ==, SLICE_TOPICS + 1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/gui/topic-node/insert-sorted", test_insert_sorted);
  g_test_add_func ("/gui/topic-node/runs", test_runs);
  g_test_add_func ("/gui/topic-node/one-signal-for-many", test_one_signal_for_many);
  g_test_add_func ("/gui/topic-node/leaf-gains-child", test_leaf_gains_child);
  g_test_add_func ("/gui/topic-node/new-subtree-expandable", test_new_subtree_expandable);
  g_test_add_func ("/gui/topic-node/values", test_values);
  g_test_add_func ("/gui/topic-node/rate", test_rate);
  g_test_add_func ("/gui/topic-node/preview", test_preview);
  g_test_add_func ("/gui/topic-node/lookup", test_lookup);
  g_test_add_func ("/gui/topic-node/bench-10000", test_bench_batch);
  g_test_add_func ("/gui/topic-node/new-topics", test_new_topics);
  g_test_add_func ("/gui/topic-search/kinds-and-matches", test_search);
  g_test_add_func ("/gui/topic-outbox/coalesce", test_outbox_coalesce);
  g_test_add_func ("/gui/topic-outbox/across-flushes", test_outbox_across_flushes);
  g_test_add_func ("/gui/topic-outbox/free-pending", test_outbox_free_pending);
  g_test_add_func ("/gui/topic-outbox/second-flush", test_outbox_second_flush);
  g_test_add_func ("/gui/topic-outbox/held", test_outbox_held);
  g_test_add_func ("/gui/topic-outbox/slices", test_outbox_slices);
  g_test_add_func ("/gui/topic-outbox/slices-yield", test_outbox_slices_yield);
  g_test_add_func ("/gui/topic-outbox/slices-late", test_outbox_slices_late);

  return g_test_run ();
}
