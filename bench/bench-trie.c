/* bench-trie.c — how long bd_trie_match takes with 100,000 subscriptions
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Not a test: prints nanoseconds per match for two shapes of subscription set.
 *
 *   plant   100,000 subscriptions like a plant's dashboards and services:
 *           "plant/P/line/L/sensor/S" (P < 10, L < 100, S < 100) for 96 %,
 *           2 % with '+' for the line, 1.9 % for the sensor, 0.1 %
 *           "plant/P/#"; about 15 entries match each topic.
 *           Nodes have 10 or 100 children.
 *   fanout  with an argument F: every filter is F-ary, "0/3/1/..." up to
 *           100,000 filters, so every node has F children. Compare F values
 *           around the level map's index threshold (bd-topic.c).
 *
 * Usage: bench-trie [F]
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "bd-trie.h"

#define N_SUBSCRIPTIONS 100000
#define N_MATCHES       2000000

static void
count_cb (const char    *filter,
          gconstpointer  key,
          gpointer       value,
          gpointer       user_data)
{
  (*(guint64 *) user_data)++;
}

static void
run (BdTrie    *trie,
     GPtrArray *topics,
     const char *label)
{
  guint64 n_found = 0;
  gint64 start;
  gint64 elapsed;

  /* Warm up caches once, then time. */
  for (guint i = 0; i < topics->len; i++)
    bd_trie_match (trie, topics->pdata[i], count_cb, &n_found);

  n_found = 0;
  start = g_get_monotonic_time ();
  for (guint i = 0; i < N_MATCHES; i++)
    bd_trie_match (trie, topics->pdata[i % topics->len], count_cb, &n_found);
  elapsed = g_get_monotonic_time () - start;

  printf ("%-8s %u subscriptions, %u matches: %.0f ns per match, %.2f entries per match\n",
          label, bd_trie_get_size (trie), N_MATCHES,
          elapsed * 1000.0 / N_MATCHES, (double) n_found / N_MATCHES);
}

static void
bench_plant (void)
{
  g_autoptr(BdTrie) trie = bd_trie_new (NULL);
  g_autoptr(GPtrArray) topics = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  guint key = 0;

  while (bd_trie_get_size (trie) < N_SUBSCRIPTIONS)
    {
      guint p = g_rand_int_range (rand, 0, 10);
      guint l = g_rand_int_range (rand, 0, 100);
      guint s = g_rand_int_range (rand, 0, 100);
      guint shape = g_rand_int_range (rand, 0, 1000);
      g_autofree char *filter = NULL;

      if (shape < 960)
        filter = g_strdup_printf ("plant/%u/line/%u/sensor/%u", p, l, s);
      else if (shape < 980)
        filter = g_strdup_printf ("plant/%u/line/+/sensor/%u", p, s);
      else if (shape < 999)
        filter = g_strdup_printf ("plant/%u/line/%u/sensor/+", p, l);
      else
        filter = g_strdup_printf ("plant/%u/#", p);

      /* Distinct keys, as distinct sessions. */
      bd_trie_insert (trie, filter, GUINT_TO_POINTER (++key), NULL);
    }

  for (guint i = 0; i < 4096; i++)
    g_ptr_array_add (topics, g_strdup_printf ("plant/%u/line/%u/sensor/%u",
                                              g_rand_int_range (rand, 0, 10),
                                              g_rand_int_range (rand, 0, 100),
                                              g_rand_int_range (rand, 0, 100)));

  run (trie, topics, "plant");
}

static void
bench_fanout (guint fanout)
{
  g_autoptr(BdTrie) trie = bd_trie_new (NULL);
  g_autoptr(GPtrArray) topics = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  guint depth = 1;
  guint64 capacity = fanout;
  char label[32];

  while (capacity < N_SUBSCRIPTIONS)
    {
      capacity *= fanout;
      depth++;
    }

  for (guint n = 0; n < N_SUBSCRIPTIONS; n++)
    {
      g_autoptr(GString) filter = g_string_new (NULL);
      guint v = n;

      for (guint d = 0; d < depth; d++)
        {
          g_string_append_printf (filter, d ? "/%u" : "%u", v % fanout);
          v /= fanout;
        }
      bd_trie_insert (trie, filter->str, trie, NULL);
    }

  for (guint i = 0; i < 4096; i++)
    {
      GString *topic = g_string_new (NULL);
      guint v = g_rand_int_range (rand, 0, N_SUBSCRIPTIONS);

      for (guint d = 0; d < depth; d++)
        {
          g_string_append_printf (topic, d ? "/%u" : "%u", v % fanout);
          v /= fanout;
        }
      g_ptr_array_add (topics, g_string_free (topic, FALSE));
    }

  g_snprintf (label, sizeof label, "F=%u", fanout);
  run (trie, topics, label);
}

int
main (int   argc,
      char *argv[])
{
  if (argc > 1)
    bench_fanout (MAX (2, atoi (argv[1])));
  else
    bench_plant ();

  return 0;
}
