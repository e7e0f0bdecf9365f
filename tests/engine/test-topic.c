/* test-topic.c — topic name and filter rules
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The vectors are the examples of MQTT 3.1.1 §4.7 (identical in MQTT 5 §4.7)
 * and the shared subscription rules of MQTT 5 §4.8.2.
 */

#include "config.h"

#include "bd-topic.h"

typedef struct
{
  const char *filter;
  const char *topic;
  gboolean    matches;
} MatchVector;

static void
check_matches (const MatchVector *vectors,
               gsize              n_vectors)
{
  for (gsize i = 0; i < n_vectors; i++)
    {
      gboolean got = bd_topic_matches (vectors[i].filter, vectors[i].topic);

      if (got != vectors[i].matches)
        g_error ("bd_topic_matches (\"%s\", \"%s\") = %d, expected %d",
                 vectors[i].filter, vectors[i].topic, got, vectors[i].matches);
    }
}

static void
test_topic_name_valid (void)
{
  /* [MQTT-4.7.3-1] at least one character; [MQTT-3.3.2-2] no wildcards. */
  g_assert_false (bd_topic_name_is_valid (""));
  g_assert_false (bd_topic_name_is_valid ("+"));
  g_assert_false (bd_topic_name_is_valid ("#"));
  g_assert_false (bd_topic_name_is_valid ("sport/+"));
  g_assert_false (bd_topic_name_is_valid ("sport/#"));
  g_assert_false (bd_topic_name_is_valid ("sport+"));
  g_assert_false (bd_topic_name_is_valid ("a#b"));

  /* §4.7.3: "/" is valid, as are spaces and empty levels. */
  g_assert_true (bd_topic_name_is_valid ("/"));
  g_assert_true (bd_topic_name_is_valid ("a"));
  g_assert_true (bd_topic_name_is_valid ("Accounts payable"));
  g_assert_true (bd_topic_name_is_valid ("a//b"));
  g_assert_true (bd_topic_name_is_valid ("/a"));
  g_assert_true (bd_topic_name_is_valid ("a/"));
  g_assert_true (bd_topic_name_is_valid ("$SYS/broker/uptime"));
  g_assert_true (bd_topic_name_is_valid ("sport/tennis/player1"));
  g_assert_true (bd_topic_name_is_valid ("caf\xc3\xa9/\xe2\x82\xac"));
}

static void
test_topic_filter_valid (void)
{
  const char *valid[] = {
    /* §4.7.1.2 */
    "sport/tennis/player1/#", "sport/#", "#", "sport/tennis/#",
    /* §4.7.1.3 */
    "+", "+/tennis/#", "sport/+/player1", "sport/+", "+/+", "/+",
    /* Plain filters, empty levels, '$' */
    "sport", "/", "//", "a//b", "/#", "+/", "$SYS/#", "$SYS/monitor/+",
    "a/+/+/#", "$share", "$sharex/a", "$SHARE/g/x",
  };
  const char *invalid[] = {
    "",                                             /* [MQTT-4.7.3-1] */
    "sport/tennis#", "sport/tennis/#/ranking",       /* §4.7.1.2 */
    "#/a", "a/#/b", "##", "a/##", "#a", "a/b#",      /* [MQTT-4.7.1-2] */
    "sport+", "+a", "a+", "a/++", "++", "a/+b/c",    /* [MQTT-4.7.1-3] */
    "+#", "#+",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (valid); i++)
    if (!bd_topic_filter_is_valid (valid[i]))
      g_error ("\"%s\" should be a valid filter", valid[i]);

  for (gsize i = 0; i < G_N_ELEMENTS (invalid); i++)
    if (bd_topic_filter_is_valid (invalid[i]))
      g_error ("\"%s\" should be an invalid filter", invalid[i]);
}

static void
test_topic_filter_shared (void)
{
  const struct {
    const char *filter;
    const char *name;   /* NULL: not a (valid) shared subscription */
    const char *inner;
  } vectors[] = {
    { "$share/g/a/b", "g", "a/b" },
    { "$share/group/#", "group", "#" },
    { "$share/g/+/x", "g", "+/x" },
    { "$share/g//", "g", "/" },
    { "$share/g/$SYS/#", "g", "$SYS/#" },
    { "$share/consumer1/sport/tennis/+", "consumer1", "sport/tennis/+" },
    /* [MQTT-4.8.2-1]: ShareName at least one character, no '/', '+', '#'. */
    { "$share//x", NULL, NULL },
    { "$share/g+/x", NULL, NULL },
    { "$share/+/x", NULL, NULL },
    { "$share/#/x", NULL, NULL },
    { "$share/g#/x", NULL, NULL },
    /* [MQTT-4.8.2-2]: followed by '/' and a valid Topic Filter. */
    { "$share/g", NULL, NULL },
    { "$share/", NULL, NULL },
    { "$share/g/", NULL, NULL },
    { "$share/g/a#", NULL, NULL },
    { "$share/g/#/a", NULL, NULL },
    { "$share/g/a+", NULL, NULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (vectors); i++)
    {
      g_autofree char *name = NULL;
      const char *inner = (const char *) 0x1;
      gboolean shared = bd_topic_filter_is_shared (vectors[i].filter, &name, &inner);

      g_test_message ("%s", vectors[i].filter);
      g_assert_cmpint (shared, ==, vectors[i].name != NULL);
      g_assert_cmpstr (name, ==, vectors[i].name);
      g_assert_cmpstr (inner, ==, vectors[i].inner);
      g_assert_cmpint (bd_topic_filter_is_valid (vectors[i].filter), ==, shared);
      if (shared)
        {
          /* The inner filter points into the given string. */
          g_assert_true (inner > vectors[i].filter);
          g_assert_true (inner < vectors[i].filter + strlen (vectors[i].filter));
        }
    }

  /* Out parameters are optional. */
  g_assert_true (bd_topic_filter_is_shared ("$share/g/a", NULL, NULL));
  g_assert_false (bd_topic_filter_is_shared ("a/b", NULL, NULL));

  /* Plain filters are not shared, even when they look alike. */
  g_assert_false (bd_topic_filter_is_shared ("$share", NULL, NULL));
  g_assert_false (bd_topic_filter_is_shared ("$sharex/g/a", NULL, NULL));
  g_assert_false (bd_topic_filter_is_shared ("share/g/a", NULL, NULL));
  g_assert_false (bd_topic_filter_is_shared ("$SHARE/g/a", NULL, NULL));
}

static void
test_topic_filter_has_wildcards (void)
{
  g_assert_true (bd_topic_filter_has_wildcards ("#"));
  g_assert_true (bd_topic_filter_has_wildcards ("+"));
  g_assert_true (bd_topic_filter_has_wildcards ("a/+/b"));
  g_assert_true (bd_topic_filter_has_wildcards ("a/#"));
  g_assert_true (bd_topic_filter_has_wildcards ("$share/g/a/+"));
  g_assert_false (bd_topic_filter_has_wildcards ("a/b"));
  g_assert_false (bd_topic_filter_has_wildcards ("/"));
  g_assert_false (bd_topic_filter_has_wildcards ("$SYS/x"));
  g_assert_false (bd_topic_filter_has_wildcards ("$share/g/a"));
}

static void
test_topic_match_multi_level (void)
{
  /* MQTT 3.1.1 §4.7.1.2 */
  static const MatchVector vectors[] = {
    { "sport/tennis/player1/#", "sport/tennis/player1", TRUE },
    { "sport/tennis/player1/#", "sport/tennis/player1/ranking", TRUE },
    { "sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon", TRUE },
    { "sport/tennis/player1/#", "sport/tennis/player2", FALSE },
    { "sport/tennis/player1/#", "sport/tennis", FALSE },
    { "sport/#", "sport", TRUE },
    { "sport/#", "sport/tennis", TRUE },
    { "sport/#", "sport/", TRUE },
    { "sport/#", "sports", FALSE },
    { "sport/#", "spor", FALSE },
    { "#", "sport", TRUE },
    { "#", "sport/tennis/player1", TRUE },
    { "#", "/", TRUE },
    { "#", "/finance", TRUE },
    { "sport/tennis/#", "sport/tennis", TRUE },
    { "sport/tennis/#", "sport/tennis/player1/ranking", TRUE },
    { "sport/tennis/#", "sport/tenniss", FALSE },
  };

  check_matches (vectors, G_N_ELEMENTS (vectors));
}

static void
test_topic_match_single_level (void)
{
  /* MQTT 3.1.1 §4.7.1.3 */
  static const MatchVector vectors[] = {
    { "sport/tennis/+", "sport/tennis/player1", TRUE },
    { "sport/tennis/+", "sport/tennis/player2", TRUE },
    { "sport/tennis/+", "sport/tennis/player1/ranking", FALSE },
    { "sport/tennis/+", "sport/tennis", FALSE },
    { "sport/+", "sport", FALSE },
    { "sport/+", "sport/", TRUE },
    { "+", "sport", TRUE },
    { "+", "sport/", FALSE },
    { "+", "/finance", FALSE },
    { "+/+", "/finance", TRUE },
    { "/+", "/finance", TRUE },
    { "/+", "finance", FALSE },
    { "+/tennis/#", "sport/tennis/player1", TRUE },
    { "+/tennis/#", "sport/tennis", TRUE },
    { "+/tennis/#", "sport/golf", FALSE },
    { "sport/+/player1", "sport/tennis/player1", TRUE },
    { "sport/+/player1", "sport/golf/player1", TRUE },
    { "sport/+/player1", "sport/tennis/player2", FALSE },
    { "sport/+/player1", "sport//player1", TRUE },
    { "+/+/#", "a/b", TRUE },
    { "+/+/#", "a", FALSE },
  };

  check_matches (vectors, G_N_ELEMENTS (vectors));
}

static void
test_topic_match_dollar (void)
{
  /* MQTT 3.1.1 §4.7.2 [MQTT-4.7.2-1] */
  static const MatchVector vectors[] = {
    { "#", "$SYS/monitor/Clients", FALSE },
    { "#", "$SYS", FALSE },
    { "+", "$SYS", FALSE },
    { "+/monitor/Clients", "$SYS/monitor/Clients", FALSE },
    { "+/#", "$SYS/x", FALSE },
    { "+/x", "$SYS/x", FALSE },
    { "$SYS/#", "$SYS/monitor/Clients", TRUE },
    { "$SYS/#", "$SYS", TRUE },
    { "$SYS/monitor/+", "$SYS/monitor/Clients", TRUE },
    { "$SYS/+/Clients", "$SYS/monitor/Clients", TRUE },
    { "$SYS", "$SYS", TRUE },
    /* Only the first level is special. */
    { "a/+", "a/$SYS", TRUE },
    { "a/#", "a/$SYS/x", TRUE },
    { "#", "a$", TRUE },
    { "+", "a$b", TRUE },
  };

  check_matches (vectors, G_N_ELEMENTS (vectors));
}

static void
test_topic_match_empty_levels (void)
{
  static const MatchVector vectors[] = {
    { "a//b", "a//b", TRUE },
    { "a/+/b", "a//b", TRUE },
    { "a/b", "a//b", FALSE },
    { "+/+/+", "a//b", TRUE },
    { "a/#", "a//b", TRUE },
    { "/a", "/a", TRUE },
    { "+/a", "/a", TRUE },
    { "/#", "/a", TRUE },
    { "/#", "/", TRUE },
    { "a", "/a", FALSE },
    { "a/", "a/", TRUE },
    { "a/+", "a/", TRUE },
    { "a/", "a", FALSE },
    { "a", "a/", FALSE },
    { "/", "/", TRUE },
    { "+/+", "/", TRUE },
    { "+", "/", FALSE },
    { "//", "//", TRUE },
    { "/", "//", FALSE },
    { "+//+", "a//", TRUE },
  };

  check_matches (vectors, G_N_ELEMENTS (vectors));
}

static void
test_topic_match_literal (void)
{
  /* §4.7.3: names are case-sensitive and compared byte for byte. */
  static const MatchVector vectors[] = {
    { "ACCOUNTS", "Accounts", FALSE },
    { "Accounts", "Accounts", TRUE },
    { "Accounts payable", "Accounts payable", TRUE },
    { "a/b", "a/bc", FALSE },
    { "a/bc", "a/b", FALSE },
    { "a/b", "a/b/c", FALSE },
    { "a/b/c", "a/b", FALSE },
    { "a/b/c", "a/b/c", TRUE },
  };

  check_matches (vectors, G_N_ELEMENTS (vectors));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/topic/name-valid", test_topic_name_valid);
  g_test_add_func ("/engine/topic/filter-valid", test_topic_filter_valid);
  g_test_add_func ("/engine/topic/filter-shared", test_topic_filter_shared);
  g_test_add_func ("/engine/topic/filter-has-wildcards", test_topic_filter_has_wildcards);
  g_test_add_func ("/engine/topic/match-multi-level", test_topic_match_multi_level);
  g_test_add_func ("/engine/topic/match-single-level", test_topic_match_single_level);
  g_test_add_func ("/engine/topic/match-dollar", test_topic_match_dollar);
  g_test_add_func ("/engine/topic/match-empty-levels", test_topic_match_empty_levels);
  g_test_add_func ("/engine/topic/match-literal", test_topic_match_literal);

  return g_test_run ();
}
