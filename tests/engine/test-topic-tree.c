/* test-topic-tree.c — topics stored by name, found by filter (retained messages)
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "bd-test-util.h"
#include "bd-topic.h"
#include "bd-topic-tree.h"
#include "bd-topic-tree-private.h"

static guint n_destroyed;

static void
value_destroy (gpointer data)
{
  n_destroyed++;
  g_free (data);
}

/* Checks that the value is the topic itself (as the tests store it) and
 * collects the topic. */
static void
collect_cb (const char *topic,
            gpointer    value,
            gpointer    user_data)
{
  g_assert_cmpstr (topic, ==, value);
  g_ptr_array_add (user_data, g_strdup (topic));
}

static char *
match_topics (BdTopicTree *tree,
              const char  *filter)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func (g_free);

  bd_topic_tree_match (tree, filter, collect_cb, out);

  return bd_test_join_sorted (out);
}

#define assert_matches(tree, filter, expected) \
  G_STMT_START { \
    g_autofree char *_got = match_topics ((tree), (filter)); \
    g_test_message ("%s", (filter)); \
    g_assert_cmpstr (_got, ==, (expected)); \
  } G_STMT_END

static void
store (BdTopicTree *tree,
       const char  *topic)
{
  bd_topic_tree_set (tree, topic, g_strdup (topic));
}

static void
test_topic_tree_set_lookup_remove (void)
{
  g_autoptr(BdTopicTree) tree = bd_topic_tree_new (value_destroy);

  n_destroyed = 0;
  g_assert_cmpuint (bd_topic_tree_get_size (tree), ==, 0);
  g_assert_null (bd_topic_tree_lookup (tree, "a"));

  bd_topic_tree_set (tree, "a/b", g_strdup ("one"));
  bd_topic_tree_set (tree, "a", g_strdup ("two"));
  bd_topic_tree_set (tree, "a/b/c", g_strdup ("three"));
  g_assert_cmpuint (bd_topic_tree_get_size (tree), ==, 3);
  g_assert_cmpstr (bd_topic_tree_lookup (tree, "a/b"), ==, "one");
  g_assert_cmpstr (bd_topic_tree_lookup (tree, "a"), ==, "two");
  g_assert_cmpstr (bd_topic_tree_lookup (tree, "a/b/c"), ==, "three");
  g_assert_null (bd_topic_tree_lookup (tree, "a/b/c/d"));
  g_assert_null (bd_topic_tree_lookup (tree, "a/"));
  g_assert_null (bd_topic_tree_lookup (tree, "b"));
  /* Filters are not special to lookup: no topic is named "a/+". */
  g_assert_null (bd_topic_tree_lookup (tree, "a/+"));

  /* Replacing destroys the old value, once. */
  bd_topic_tree_set (tree, "a/b", g_strdup ("four"));
  g_assert_cmpuint (n_destroyed, ==, 1);
  g_assert_cmpuint (bd_topic_tree_get_size (tree), ==, 3);
  g_assert_cmpstr (bd_topic_tree_lookup (tree, "a/b"), ==, "four");
  bd_topic_tree_set (tree, "a/b", bd_topic_tree_lookup (tree, "a/b"));
  g_assert_cmpuint (n_destroyed, ==, 1);

  g_assert_false (bd_topic_tree_remove (tree, "a/b/c/d"));
  g_assert_false (bd_topic_tree_remove (tree, "x"));
  g_assert_true (bd_topic_tree_remove (tree, "a/b"));
  g_assert_cmpuint (n_destroyed, ==, 2);
  g_assert_false (bd_topic_tree_remove (tree, "a/b"));
  g_assert_cmpstr (bd_topic_tree_lookup (tree, "a/b/c"), ==, "three");
  g_assert_cmpuint (bd_topic_tree_get_size (tree), ==, 2);

  /* A NULL value removes (a retained message with an empty payload). */
  bd_topic_tree_set (tree, "a", NULL);
  g_assert_cmpuint (n_destroyed, ==, 3);
  g_assert_null (bd_topic_tree_lookup (tree, "a"));
  g_assert_cmpuint (bd_topic_tree_get_size (tree), ==, 1);
  bd_topic_tree_set (tree, "never/stored", NULL);
  g_assert_cmpuint (bd_topic_tree_get_size (tree), ==, 1);

  g_clear_pointer (&tree, bd_topic_tree_free);
  g_assert_cmpuint (n_destroyed, ==, 4);
}

static void
test_topic_tree_prune (void)
{
  g_autoptr(BdTopicTree) tree = bd_topic_tree_new (g_free);

  g_assert_cmpuint (_bd_topic_tree_count_nodes (tree), ==, 1);

  store (tree, "a/b/c/d");
  store (tree, "a/b");
  store (tree, "a/x");
  store (tree, "/");
  /* root, a, a/b, a/b/c, a/b/c/d, a/x, "", "/" */
  g_assert_cmpuint (_bd_topic_tree_count_nodes (tree), ==, 8);

  bd_topic_tree_remove (tree, "a/b/c/d");
  g_assert_cmpuint (_bd_topic_tree_count_nodes (tree), ==, 6);
  bd_topic_tree_remove (tree, "a/b");
  g_assert_cmpuint (_bd_topic_tree_count_nodes (tree), ==, 5);
  bd_topic_tree_remove (tree, "/");
  g_assert_cmpuint (_bd_topic_tree_count_nodes (tree), ==, 3);

  /* An inner topic keeps the nodes below it. */
  store (tree, "a/x/y");
  bd_topic_tree_remove (tree, "a/x");
  g_assert_cmpuint (_bd_topic_tree_count_nodes (tree), ==, 4);
  assert_matches (tree, "a/#", "a/x/y");

  bd_topic_tree_remove (tree, "a/x/y");
  g_assert_cmpuint (_bd_topic_tree_count_nodes (tree), ==, 1);
  g_assert_cmpuint (bd_topic_tree_get_size (tree), ==, 0);
}

static void
test_topic_tree_match_spec (void)
{
  g_autoptr(BdTopicTree) tree = bd_topic_tree_new (g_free);
  const char *topics[] = {
    "sport", "sport/", "sport/tennis", "sport/tennis/player1", "sport/tennis/player2",
    "sport/tennis/player1/ranking", "sport/tennis/player1/score/wimbledon", "sport/golf/player1",
    "/finance", "finance", "$SYS", "$SYS/monitor/Clients", "$SYS/broker/uptime", "sports",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (topics); i++)
    store (tree, topics[i]);
  g_assert_cmpuint (bd_topic_tree_get_size (tree), ==, G_N_ELEMENTS (topics));

  /* MQTT 3.1.1 §4.7.1.2 */
  assert_matches (tree, "sport/tennis/player1/#",
                  "sport/tennis/player1 sport/tennis/player1/ranking "
                  "sport/tennis/player1/score/wimbledon");
  assert_matches (tree, "sport/#",
                  "sport sport/ sport/golf/player1 sport/tennis sport/tennis/player1 "
                  "sport/tennis/player1/ranking sport/tennis/player1/score/wimbledon "
                  "sport/tennis/player2");
  assert_matches (tree, "#",
                  "/finance finance sport sport/ sport/golf/player1 sport/tennis "
                  "sport/tennis/player1 sport/tennis/player1/ranking "
                  "sport/tennis/player1/score/wimbledon sport/tennis/player2 sports");

  /* §4.7.1.3 */
  assert_matches (tree, "sport/tennis/+", "sport/tennis/player1 sport/tennis/player2");
  assert_matches (tree, "sport/+", "sport/ sport/tennis");
  assert_matches (tree, "+", "finance sport sports");
  assert_matches (tree, "+/+", "/finance sport/ sport/tennis");
  assert_matches (tree, "/+", "/finance");
  assert_matches (tree, "+/tennis/#",
                  "sport/tennis sport/tennis/player1 sport/tennis/player1/ranking "
                  "sport/tennis/player1/score/wimbledon sport/tennis/player2");
  assert_matches (tree, "sport/+/player1", "sport/golf/player1 sport/tennis/player1");
  assert_matches (tree, "+/+/player1/#",
                  "sport/golf/player1 sport/tennis/player1 sport/tennis/player1/ranking "
                  "sport/tennis/player1/score/wimbledon");

  /* §4.7.2 [MQTT-4.7.2-1] */
  assert_matches (tree, "$SYS/#", "$SYS $SYS/broker/uptime $SYS/monitor/Clients");
  assert_matches (tree, "$SYS/monitor/+", "$SYS/monitor/Clients");
  assert_matches (tree, "+/monitor/Clients", "");
  assert_matches (tree, "$SYS", "$SYS");

  /* Literal filters, and misses. */
  assert_matches (tree, "sport/tennis", "sport/tennis");
  assert_matches (tree, "sport/tennis/player3", "");
  assert_matches (tree, "nothing/#", "");
  assert_matches (tree, "nothing/+", "");
  assert_matches (tree, "SPORT/#", "");
}

static void
test_topic_tree_match_empty_levels (void)
{
  g_autoptr(BdTopicTree) tree = bd_topic_tree_new (g_free);
  const char *topics[] = { "a//b", "/", "//", "a/", "a", "/a" };

  for (gsize i = 0; i < G_N_ELEMENTS (topics); i++)
    store (tree, topics[i]);

  assert_matches (tree, "a//b", "a//b");
  assert_matches (tree, "a/+/b", "a//b");
  assert_matches (tree, "+/+/+", "// a//b");
  assert_matches (tree, "/", "/");
  assert_matches (tree, "/+", "/ /a");
  assert_matches (tree, "+/", "/ a/");
  assert_matches (tree, "/#", "/ // /a");
  assert_matches (tree, "a/#", "a a/ a//b");
  assert_matches (tree, "+", "a");
  assert_matches (tree, "a/+", "a/");
}

static void
test_topic_tree_foreach (void)
{
  g_autoptr(BdTopicTree) tree = bd_topic_tree_new (g_free);
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *got = NULL;

  bd_topic_tree_foreach (tree, collect_cb, out);
  g_assert_cmpuint (out->len, ==, 0);

  store (tree, "$SYS/x");
  store (tree, "a/b/c");
  store (tree, "a");
  store (tree, "b");
  store (tree, "/");

  /* Unlike "#", foreach includes '$' topics. */
  bd_topic_tree_foreach (tree, collect_cb, out);
  got = bd_test_join_sorted (out);
  g_assert_cmpstr (got, ==, "$SYS/x / a a/b/c b");
}

static void
test_topic_tree_many_children (void)
{
  g_autoptr(BdTopicTree) tree = bd_topic_tree_new (g_free);
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func (g_free);
  const guint n = 1000;

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *topic = g_strdup_printf ("dev/%u/state", i);

      store (tree, topic);
    }
  for (guint i = 0; i < n; i += 2)
    {
      g_autofree char *topic = g_strdup_printf ("dev/%u/state", i);

      g_assert_true (bd_topic_tree_remove (tree, topic));
    }

  bd_topic_tree_match (tree, "dev/+/state", collect_cb, out);
  g_assert_cmpuint (out->len, ==, n / 2);
  g_ptr_array_set_size (out, 0);
  bd_topic_tree_match (tree, "dev/#", collect_cb, out);
  g_assert_cmpuint (out->len, ==, n / 2);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *topic = g_strdup_printf ("dev/%u/state", i);

      if (i % 2 == 0)
        g_assert_null (bd_topic_tree_lookup (tree, topic));
      else
        g_assert_cmpstr (bd_topic_tree_lookup (tree, topic), ==, topic);
    }
}

static void
test_topic_tree_deep (void)
{
  g_autoptr(BdTopicTree) tree = bd_topic_tree_new (g_free);
  g_autoptr(GString) topic = g_string_new ("x");
  g_autoptr(GString) filter = g_string_new ("x");
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func (g_free);

  /* 20,000 levels: stored, matched through 20,000 '+' levels and by '#',
   * and freed, all without recursing. */
  for (guint i = 0; i < 20000; i++)
    {
      g_string_append (topic, "/y");
      g_string_append (filter, "/+");
    }
  store (tree, topic->str);
  store (tree, "x/y");

  bd_topic_tree_match (tree, filter->str, collect_cb, out);
  g_assert_cmpuint (out->len, ==, 1);
  g_assert_cmpstr (out->pdata[0], ==, topic->str);

  g_ptr_array_set_size (out, 0);
  bd_topic_tree_match (tree, "#", collect_cb, out);
  g_assert_cmpuint (out->len, ==, 2);
}

/* Randomized: bd_topic_tree_match against bd_topic_matches over every topic. */

static guint
check_against_brute_force (BdTopicTree *tree,
                           GHashTable  *topics,
                           const char  *filter)
{
  g_autoptr(GPtrArray) got = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) expected = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *filter_name = NULL;
  GHashTableIter iter;
  gpointer topic;

  bd_topic_tree_match (tree, filter, collect_cb, got);

  g_hash_table_iter_init (&iter, topics);
  while (g_hash_table_iter_next (&iter, &topic, NULL))
    if (bd_topic_matches (filter, topic))
      g_ptr_array_add (expected, g_strdup (topic));

  filter_name = g_strdup_printf ("filter \"%s\"", filter);
  bd_test_assert_same_strings (filter_name, got, expected);
  return got->len;
}

static void
test_topic_tree_random (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (20260102);
  g_autoptr(BdTopicTree) tree = bd_topic_tree_new (g_free);
  g_autoptr(GHashTable) topics = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint n_matches = 0;

  for (guint round = 0; round < 6; round++)
    {
      for (guint i = 0; i < 300; i++)
        {
          char *topic = bd_test_random_topic (rand, FALSE);

          g_assert_true (bd_topic_name_is_valid (topic));
          store (tree, topic);
          g_hash_table_add (topics, topic);
        }
      g_assert_cmpuint (bd_topic_tree_get_size (tree), ==, g_hash_table_size (topics));

      for (guint i = 0; i < 300; i++)
        {
          g_autofree char *filter = bd_test_random_topic (rand, TRUE);

          n_matches += check_against_brute_force (tree, topics, filter);
        }

      for (guint i = 0; i < 200; i++)
        {
          g_autofree char *topic = bd_test_random_topic (rand, FALSE);

          g_assert_cmpint (bd_topic_tree_remove (tree, topic), ==,
                           g_hash_table_remove (topics, topic));
        }
      g_assert_cmpuint (bd_topic_tree_get_size (tree), ==, g_hash_table_size (topics));

      for (guint i = 0; i < 300; i++)
        {
          g_autofree char *filter = bd_test_random_topic (rand, TRUE);

          n_matches += check_against_brute_force (tree, topics, filter);
        }
    }

  /* The draws are meant to match often; make sure they did. */
  g_test_message ("%u matches checked", n_matches);
  g_assert_cmpuint (n_matches, >, 5000);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/topic-tree/set-lookup-remove", test_topic_tree_set_lookup_remove);
  g_test_add_func ("/engine/topic-tree/prune", test_topic_tree_prune);
  g_test_add_func ("/engine/topic-tree/match-spec", test_topic_tree_match_spec);
  g_test_add_func ("/engine/topic-tree/match-empty-levels", test_topic_tree_match_empty_levels);
  g_test_add_func ("/engine/topic-tree/foreach", test_topic_tree_foreach);
  g_test_add_func ("/engine/topic-tree/many-children", test_topic_tree_many_children);
  g_test_add_func ("/engine/topic-tree/deep", test_topic_tree_deep);
  g_test_add_func ("/engine/topic-tree/random", test_topic_tree_random);

  return g_test_run ();
}
