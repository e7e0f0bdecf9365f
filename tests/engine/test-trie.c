/* test-trie.c — the subscription trie
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "bd-test-util.h"
#include "bd-topic.h"
#include "bd-trie.h"
#include "bd-trie-private.h"

static guint n_destroyed;

static void
value_destroy (gpointer data)
{
  n_destroyed++;
  g_free (data);
}

/* Collects "filter|key" strings. */
static void
collect_cb (const char    *filter,
            gconstpointer  key,
            gpointer       value,
            gpointer       user_data)
{
  GPtrArray *out = user_data;

  g_ptr_array_add (out, g_strdup_printf ("%s|%p", filter, key));
}

static void
collect_filter_cb (const char    *filter,
                   gconstpointer  key,
                   gpointer       value,
                   gpointer       user_data)
{
  g_ptr_array_add (user_data, g_strdup (filter));
}

/* The filters of the matches, sorted and joined with ' '. */
static char *
match_filters (BdTrie     *trie,
               const char *topic)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func (g_free);

  bd_trie_match (trie, topic, collect_filter_cb, out);
  return bd_test_join_sorted (out);
}

#define assert_matches(trie, topic, expected) \
  G_STMT_START { \
    g_autofree char *_got = match_filters ((trie), (topic)); \
    g_assert_cmpstr (_got, ==, (expected)); \
  } G_STMT_END

static void
test_trie_insert_replace_remove (void)
{
  g_autoptr(BdTrie) trie = bd_trie_new (value_destroy);
  int k1;
  int k2;

  n_destroyed = 0;
  g_assert_cmpuint (bd_trie_get_size (trie), ==, 0);
  g_assert_null (bd_trie_lookup (trie, "a/b", &k1));

  g_assert_true (bd_trie_insert (trie, "a/b", &k1, g_strdup ("one")));
  g_assert_true (bd_trie_insert (trie, "a/b", &k2, g_strdup ("two")));
  g_assert_true (bd_trie_insert (trie, "a/+", &k1, g_strdup ("three")));
  g_assert_cmpuint (bd_trie_get_size (trie), ==, 3);
  g_assert_cmpstr (bd_trie_lookup (trie, "a/b", &k1), ==, "one");
  g_assert_cmpstr (bd_trie_lookup (trie, "a/b", &k2), ==, "two");
  g_assert_cmpstr (bd_trie_lookup (trie, "a/+", &k1), ==, "three");
  g_assert_null (bd_trie_lookup (trie, "a/+", &k2));
  g_assert_null (bd_trie_lookup (trie, "a", &k1));
  g_assert_null (bd_trie_lookup (trie, "a/b/c", &k1));
  g_assert_null (bd_trie_lookup (trie, "a/#", &k1));

  /* Same (filter, key): the value is replaced and the old one destroyed. */
  g_assert_false (bd_trie_insert (trie, "a/b", &k1, g_strdup ("four")));
  g_assert_cmpuint (n_destroyed, ==, 1);
  g_assert_cmpuint (bd_trie_get_size (trie), ==, 3);
  g_assert_cmpstr (bd_trie_lookup (trie, "a/b", &k1), ==, "four");

  /* Re-inserting the very same value must not destroy it. */
  g_assert_false (bd_trie_insert (trie, "a/b", &k1, bd_trie_lookup (trie, "a/b", &k1)));
  g_assert_cmpuint (n_destroyed, ==, 1);
  g_assert_cmpstr (bd_trie_lookup (trie, "a/b", &k1), ==, "four");

  g_assert_false (bd_trie_remove (trie, "a/b/c", &k1));
  g_assert_false (bd_trie_remove (trie, "a", &k1));
  g_assert_false (bd_trie_remove (trie, "a/+", &k2));
  g_assert_cmpuint (n_destroyed, ==, 1);

  g_assert_true (bd_trie_remove (trie, "a/b", &k1));
  g_assert_cmpuint (n_destroyed, ==, 2);
  g_assert_false (bd_trie_remove (trie, "a/b", &k1));
  g_assert_null (bd_trie_lookup (trie, "a/b", &k1));
  g_assert_cmpstr (bd_trie_lookup (trie, "a/b", &k2), ==, "two");
  g_assert_cmpuint (bd_trie_get_size (trie), ==, 2);

  /* The trie is freed with entries left: their values are destroyed. */
  g_clear_pointer (&trie, bd_trie_free);
  g_assert_cmpuint (n_destroyed, ==, 4);
}

static void
test_trie_prune (void)
{
  g_autoptr(BdTrie) trie = bd_trie_new (NULL);
  const char *filters[] = { "a/b/c/d", "a/b", "a/+/c", "a/#", "#", "+", "/", "a//b", "x/y/z" };
  int key;

  g_assert_cmpuint (_bd_trie_count_nodes (trie), ==, 1);

  for (gsize i = 0; i < G_N_ELEMENTS (filters); i++)
    g_assert_true (bd_trie_insert (trie, filters[i], &key, GINT_TO_POINTER (1)));
  g_assert_cmpuint (bd_trie_get_size (trie), ==, G_N_ELEMENTS (filters));
  /* root, a, a/b, a/b/c, a/b/c/d, a/+, a/+/c, a/#, #, +, "", "/"'s second "",
   * a/"", a//b, x, x/y, x/y/z */
  g_assert_cmpuint (_bd_trie_count_nodes (trie), ==, 17);

  /* Removing a leaf prunes only the nodes nothing else needs. */
  g_assert_true (bd_trie_remove (trie, "a/b/c/d", &key));
  g_assert_cmpuint (_bd_trie_count_nodes (trie), ==, 15);
  g_assert_true (bd_trie_remove (trie, "x/y/z", &key));
  g_assert_cmpuint (_bd_trie_count_nodes (trie), ==, 12);
  /* a/b keeps its node while it has an entry... */
  g_assert_true (bd_trie_remove (trie, "a/+/c", &key));
  g_assert_cmpuint (_bd_trie_count_nodes (trie), ==, 10);
  assert_matches (trie, "a/b", "# a/# a/b");

  for (gsize i = 0; i < G_N_ELEMENTS (filters); i++)
    bd_trie_remove (trie, filters[i], &key);
  g_assert_cmpuint (bd_trie_get_size (trie), ==, 0);
  g_assert_cmpuint (_bd_trie_count_nodes (trie), ==, 1);

  /* Removing an inner filter keeps the nodes below it. */
  bd_trie_insert (trie, "a/b/c", &key, GINT_TO_POINTER (1));
  bd_trie_insert (trie, "a/b", &key, GINT_TO_POINTER (1));
  g_assert_true (bd_trie_remove (trie, "a/b", &key));
  g_assert_cmpuint (_bd_trie_count_nodes (trie), ==, 4);
  assert_matches (trie, "a/b/c", "a/b/c");
  assert_matches (trie, "a/b", "");
}

static void
test_trie_invalid_filter (void)
{
  g_autoptr(BdTrie) trie = bd_trie_new (NULL);
  int key;

  if (g_test_undefined ())
    {
      g_test_expect_message ("Brokerdesk-Engine", G_LOG_LEVEL_CRITICAL, "*filter_is_valid*");
      g_assert_false (bd_trie_insert (trie, "a/#/b", &key, GINT_TO_POINTER (1)));
      g_test_assert_expected_messages ();
      g_assert_cmpuint (bd_trie_get_size (trie), ==, 0);
    }
}

static void
test_trie_match_spec (void)
{
  g_autoptr(BdTrie) trie = bd_trie_new (NULL);
  const char *filters[] = {
    "sport/tennis/player1/#", "sport/#", "#", "sport/tennis/#", "sport/tennis/+", "sport/+",
    "+", "+/+", "/+", "+/tennis/#", "sport/+/player1", "$SYS/#", "$SYS/monitor/+",
    "+/monitor/Clients", "/finance", "sport", "sport/",
  };
  const struct {
    const char *topic;
    const char *expected;
  } vectors[] = {
    { "sport/tennis/player1",
      "# +/tennis/# sport/# sport/+/player1 sport/tennis/# sport/tennis/+ "
      "sport/tennis/player1/#" },
    { "sport/tennis/player1/ranking", "# +/tennis/# sport/# sport/tennis/# sport/tennis/player1/#" },
    { "sport/tennis/player1/score/wimbledon",
      "# +/tennis/# sport/# sport/tennis/# sport/tennis/player1/#" },
    { "sport", "# + sport sport/#" },
    { "sport/", "# +/+ sport/ sport/# sport/+" },
    { "sport/tennis", "# +/+ +/tennis/# sport/# sport/+ sport/tennis/#" },
    { "/finance", "# +/+ /+ /finance" },
    { "$SYS/monitor/Clients", "$SYS/# $SYS/monitor/+" },
    { "$SYS", "$SYS/#" },
    { "$SYS/x", "$SYS/#" },
    { "other/monitor/Clients", "# +/monitor/Clients" },
    { "a/b/c/d", "#" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (filters); i++)
    bd_trie_insert (trie, filters[i], trie, (gpointer) filters[i]);

  for (gsize i = 0; i < G_N_ELEMENTS (vectors); i++)
    {
      g_autofree char *got = match_filters (trie, vectors[i].topic);

      g_test_message ("%s", vectors[i].topic);
      g_assert_cmpstr (got, ==, vectors[i].expected);
    }
}

static void
test_trie_match_empty_levels (void)
{
  g_autoptr(BdTrie) trie = bd_trie_new (NULL);
  const char *filters[] = { "a//b", "a/+/b", "+/+/+", "/", "/+", "+/", "//", "/#", "a/", "a" };
  const struct {
    const char *topic;
    const char *expected;
  } vectors[] = {
    { "a//b", "+/+/+ a/+/b a//b" },
    { "/", "+/ / /# /+" },
    { "//", "+/+/+ /# //" },
    { "a/", "+/ a/" },
    { "a", "a" },
    { "/a", "/# /+" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (filters); i++)
    bd_trie_insert (trie, filters[i], trie, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (vectors); i++)
    {
      g_autofree char *got = match_filters (trie, vectors[i].topic);

      g_test_message ("%s", vectors[i].topic);
      g_assert_cmpstr (got, ==, vectors[i].expected);
    }
}

static void
count_cb (const char    *filter,
          gconstpointer  key,
          gpointer       value,
          gpointer       user_data)
{
  guint *count = user_data;

  g_assert_cmpuint (GPOINTER_TO_UINT (key), ==, GPOINTER_TO_UINT (value));
  (*count)++;
}

static void
test_trie_many_keys (void)
{
  g_autoptr(BdTrie) trie = bd_trie_new (NULL);
  const guint n = 5000;
  guint count;

  /* 5,000 sessions on one filter, and a few on a second one. */
  for (guint i = 1; i <= n; i++)
    g_assert_true (bd_trie_insert (trie, "plant/+/temp", GUINT_TO_POINTER (i), GUINT_TO_POINTER (i)));
  for (guint i = 1; i <= 3; i++)
    g_assert_true (bd_trie_insert (trie, "plant/#", GUINT_TO_POINTER (i), GUINT_TO_POINTER (i)));
  for (guint i = 1; i <= n; i++)
    g_assert_false (bd_trie_insert (trie, "plant/+/temp", GUINT_TO_POINTER (i), GUINT_TO_POINTER (i)));
  g_assert_cmpuint (bd_trie_get_size (trie), ==, n + 3);

  for (guint i = 1; i <= n; i++)
    g_assert_cmpuint (GPOINTER_TO_UINT (bd_trie_lookup (trie, "plant/+/temp", GUINT_TO_POINTER (i))),
                      ==, i);

  count = 0;
  bd_trie_match (trie, "plant/7/temp", count_cb, &count);
  g_assert_cmpuint (count, ==, n + 3);

  for (guint i = 2; i <= n; i += 2)
    g_assert_true (bd_trie_remove (trie, "plant/+/temp", GUINT_TO_POINTER (i)));
  g_assert_false (bd_trie_remove (trie, "plant/+/temp", GUINT_TO_POINTER (2)));
  g_assert_null (bd_trie_lookup (trie, "plant/+/temp", GUINT_TO_POINTER (2)));
  g_assert_cmpuint (bd_trie_get_size (trie), ==, n / 2 + 3);

  count = 0;
  bd_trie_match (trie, "plant/7/temp", count_cb, &count);
  g_assert_cmpuint (count, ==, n / 2 + 3);

  for (guint i = 1; i <= n; i += 2)
    g_assert_true (bd_trie_remove (trie, "plant/+/temp", GUINT_TO_POINTER (i)));
  g_assert_cmpuint (bd_trie_get_size (trie), ==, 3);
  g_assert_cmpuint (_bd_trie_count_nodes (trie), ==, 3);

  count = 0;
  bd_trie_match (trie, "plant/7/temp", count_cb, &count);
  g_assert_cmpuint (count, ==, 3);
}

static void
test_trie_many_children (void)
{
  g_autoptr(BdTrie) trie = bd_trie_new (NULL);
  const guint n = 1000;

  /* Enough siblings for the level map to switch to its hash index. */
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *filter = g_strdup_printf ("dev/%u/state", i);

      g_assert_true (bd_trie_insert (trie, filter, trie, GUINT_TO_POINTER (i + 1)));
    }

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *topic = g_strdup_printf ("dev/%u/state", i);
      g_autofree char *got = match_filters (trie, topic);

      g_assert_cmpstr (got, ==, topic);
    }

  for (guint i = 0; i < n; i += 3)
    {
      g_autofree char *filter = g_strdup_printf ("dev/%u/state", i);

      g_assert_true (bd_trie_remove (trie, filter, trie));
    }

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *topic = g_strdup_printf ("dev/%u/state", i);
      g_autofree char *got = match_filters (trie, topic);

      g_assert_cmpstr (got, ==, i % 3 == 0 ? "" : topic);
      g_assert_cmpuint (GPOINTER_TO_UINT (bd_trie_lookup (trie, topic, trie)), ==,
                        i % 3 == 0 ? 0 : i + 1);
    }

  g_assert_cmpuint (_bd_trie_count_nodes (trie), ==, 2 + 2 * (n - (n + 2) / 3));
}

static void
test_trie_deep (void)
{
  g_autoptr(BdTrie) trie = bd_trie_new (NULL);
  g_autoptr(GString) deep = g_string_new ("a");
  g_autoptr(GString) huge = g_string_new ("x");
  g_autofree char *got = NULL;
  int key;

  /* Filters a, a/+, a/a, a/a/+, ...: every node on the topic's path has a
   * '+' child, so the match keeps 100 pending branches, more than the
   * preallocated stack holds. */
  for (guint i = 0; i < 100; i++)
    {
      g_autofree char *plus = g_strconcat (deep->str, "/+", NULL);

      bd_trie_insert (trie, deep->str, &key, NULL);
      bd_trie_insert (trie, plus, &key, NULL);
      if (i < 99)
        g_string_append (deep, "/a");
    }
  g_assert_cmpuint (bd_trie_get_size (trie), ==, 200);

  got = match_filters (trie, deep->str);
  g_assert_cmpuint (strlen (got), ==, 2 * strlen (deep->str) + 1);
  g_clear_pointer (&got, g_free);

  g_string_append (deep, "/z");
  got = match_filters (trie, deep->str);
  g_assert_cmpuint (strlen (got), ==, strlen (deep->str));

  /* A filter 20,000 levels deep is inserted, matched, and freed without
   * recursing. */
  for (guint i = 0; i < 20000; i++)
    g_string_append (huge, "/+");
  g_assert_true (bd_trie_insert (trie, huge->str, &key, NULL));
  g_assert_true (bd_trie_insert (trie, "#", &key, NULL));
  g_string_replace (huge, "+", "y", 0);
  g_clear_pointer (&got, g_free);
  got = match_filters (trie, huge->str);
  g_assert_cmpuint (strlen (got), ==, 2 + strlen (huge->str));
  g_assert_true (bd_trie_remove (trie, "#", &key));
}

/* Randomized: bd_trie_match against bd_topic_matches over every entry. */

static guint
check_against_brute_force (BdTrie     *trie,
                           GHashTable *entries,
                           const char *topic)
{
  g_autoptr(GPtrArray) got = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) expected = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *topic_name = NULL;
  GHashTableIter iter;
  gpointer entry;

  bd_trie_match (trie, topic, collect_cb, got);

  g_hash_table_iter_init (&iter, entries);
  while (g_hash_table_iter_next (&iter, &entry, NULL))
    {
      const char *bar = strrchr (entry, '|');
      g_autofree char *filter = g_strndup (entry, bar - (char *) entry);

      if (bd_topic_matches (filter, topic))
        g_ptr_array_add (expected, g_strdup (entry));
    }

  topic_name = g_strdup_printf ("topic \"%s\"", topic);
  bd_test_assert_same_strings (topic_name, got, expected);
  return got->len;
}

static void
test_trie_random (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (20260101);
  g_autoptr(BdTrie) trie = bd_trie_new (g_free);
  /* "filter|key" -> itself, the reference model */
  g_autoptr(GHashTable) entries = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint n_matches = 0;

  for (guint round = 0; round < 6; round++)
    {
      /* Insert a batch of random (filter, key) entries... */
      for (guint i = 0; i < 400; i++)
        {
          g_autofree char *filter = bd_test_random_topic (rand, TRUE);
          gpointer key = GUINT_TO_POINTER (g_rand_int_range (rand, 1, 4));
          char *entry = g_strdup_printf ("%s|%p", filter, key);
          gboolean is_new = !g_hash_table_contains (entries, entry);

          g_assert_true (bd_topic_filter_is_valid (filter));
          g_assert_cmpint (bd_trie_insert (trie, filter, key, g_strdup (entry)), ==, is_new);
          g_hash_table_add (entries, entry);
        }
      g_assert_cmpuint (bd_trie_get_size (trie), ==, g_hash_table_size (entries));

      for (guint i = 0; i < 300; i++)
        {
          g_autofree char *topic = bd_test_random_topic (rand, FALSE);

          n_matches += check_against_brute_force (trie, entries, topic);
        }

      /* ...then remove about half of them, and some that are absent. */
      for (guint i = 0; i < 300; i++)
        {
          g_autofree char *filter = bd_test_random_topic (rand, TRUE);
          gpointer key = GUINT_TO_POINTER (g_rand_int_range (rand, 1, 4));
          g_autofree char *entry = g_strdup_printf ("%s|%p", filter, key);

          g_assert_cmpint (bd_trie_remove (trie, filter, key), ==,
                           g_hash_table_remove (entries, entry));
        }
      g_assert_cmpuint (bd_trie_get_size (trie), ==, g_hash_table_size (entries));

      for (guint i = 0; i < 300; i++)
        {
          g_autofree char *topic = bd_test_random_topic (rand, FALSE);

          n_matches += check_against_brute_force (trie, entries, topic);
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

  g_test_add_func ("/engine/trie/insert-replace-remove", test_trie_insert_replace_remove);
  g_test_add_func ("/engine/trie/prune", test_trie_prune);
  g_test_add_func ("/engine/trie/invalid-filter", test_trie_invalid_filter);
  g_test_add_func ("/engine/trie/match-spec", test_trie_match_spec);
  g_test_add_func ("/engine/trie/match-empty-levels", test_trie_match_empty_levels);
  g_test_add_func ("/engine/trie/many-keys", test_trie_many_keys);
  g_test_add_func ("/engine/trie/many-children", test_trie_many_children);
  g_test_add_func ("/engine/trie/deep", test_trie_deep);
  g_test_add_func ("/engine/trie/random", test_trie_random);

  return g_test_run ();
}
