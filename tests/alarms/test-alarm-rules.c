/* test-alarm-rules.c — rule validation and alarms.ini
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include "bd-alarm-rule.h"
#include "bd-test-util.h"

static BdAlarmRule *
make_rule (void)
{
  BdAlarmRule *rule = bd_alarm_rule_new ("r1");

  g_free (rule->filter);
  rule->filter = g_strdup ("plant/+/temperature");
  rule->hi = 28;
  rule->hihi = 31;
  return rule;
}

static void
assert_invalid (BdAlarmRule *rule,
                const char  *fragment)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (bd_alarm_rule_validate (rule, &error));
  g_assert_error (error, BD_ALARM_ERROR, BD_ALARM_ERROR_INVALID_RULE);
  if (strstr (error->message, fragment) == NULL)
    g_error ("“%s” does not mention “%s”", error->message, fragment);
}

static void
test_validate (void)
{
  g_autoptr(BdAlarmRule) rule = make_rule ();
  g_autoptr(GError) error = NULL;

  g_assert_true (bd_alarm_rule_validate (rule, &error));
  g_assert_no_error (error);

  rule->hi = 32;
  assert_invalid (rule, "Hi limit must be below the HiHi");
  rule->hi = 28;

  rule->lo = 5;
  rule->lolo = 6;
  assert_invalid (rule, "Lo limit must be above the LoLo");
  rule->lolo = 2;
  g_assert_true (bd_alarm_rule_validate (rule, NULL));

  rule->lo = 29;
  assert_invalid (rule, "low limits");
  rule->lo = NAN;
  rule->lolo = NAN;

  g_free (rule->filter);
  rule->filter = g_strdup ("plant/#/x");
  assert_invalid (rule, "filter is not valid");
  g_free (rule->filter);
  rule->filter = g_strdup ("");
  assert_invalid (rule, "topic");
  g_free (rule->filter);
  rule->filter = g_strdup ("plant/#");

  rule->deadband = -1;
  assert_invalid (rule, "deadband");
  rule->deadband = 0;
  rule->on_delay_s = -2;
  assert_invalid (rule, "delays");
  rule->on_delay_s = 0;

  g_free (rule->field);
  rule->field = g_strdup ("a[");
  assert_invalid (rule, "JSON field");
  g_free (rule->field);
  rule->field = g_strdup ("sensor.values[0]");
  g_assert_true (bd_alarm_rule_validate (rule, NULL));

  rule->hi = rule->hihi = NAN;
  assert_invalid (rule, "at least one limit");
  rule->stale_s = 60;
  g_assert_true (bd_alarm_rule_validate (rule, NULL));
}

static void
test_round_trip (void)
{
  g_autoptr(GPtrArray) rules = bd_alarm_rules_new_demo ();
  g_autoptr(GPtrArray) loaded = NULL;
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BdTestTmpdir) dir = bd_test_tmpdir_new ("alarm-rules");
  g_autofree char *path = NULL;

  path = g_build_filename (dir, "sub", "alarms.ini", NULL);

  g_assert_cmpuint (rules->len, >=, 3);
  for (guint i = 0; i < rules->len; i++)
    g_assert_true (bd_alarm_rule_validate (g_ptr_array_index (rules, i), NULL));

  g_assert_true (bd_alarm_rules_save_file (rules, path, &error));
  g_assert_no_error (error);
  loaded = bd_alarm_rules_load_file (path, &problems, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (problems->len, ==, 0);
  g_assert_cmpuint (loaded->len, ==, rules->len);
  for (guint i = 0; i < rules->len; i++)
    g_assert_true (bd_alarm_rule_equal (g_ptr_array_index (rules, i),
                                        g_ptr_array_index (loaded, i)));

  g_unlink (path);
  g_clear_pointer (&loaded, g_ptr_array_unref);
  loaded = bd_alarm_rules_load_file (path, NULL, &error);
  g_assert_null (loaded);
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
}

/* One broken rule is skipped with an error naming the file, the group and
 * the key; the rules around it load. */
static void
test_broken_rule (void)
{
  static const char text[] =
    "[good-one]\n"
    "name=Good\n"
    "filter=a/b\n"
    "hi=10\n"
    "\n"
    "[bad-number]\n"
    "filter=a/c\n"
    "hi=ten\n"
    "\n"
    "[bad-limits]\n"
    "filter=a/d\n"
    "hi=10\n"
    "hihi=5\n"
    "\n"
    "[bad-priority]\n"
    "filter=a/e\n"
    "hi=1\n"
    "priority=urgent\n"
    "\n"
    "[good-two]\n"
    "filter=a/+\n"
    "lo=-5\n"
    "priority=critical\n"
    "enabled=false\n";
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rules = bd_alarm_rules_from_data (text, sizeof text - 1, "/x/alarms.ini",
                                                         &problems, &error);
  const BdAlarmRule *r;
  GError *problem;

  g_assert_no_error (error);
  g_assert_cmpuint (rules->len, ==, 2);
  r = g_ptr_array_index (rules, 0);
  g_assert_cmpstr (r->id, ==, "good-one");
  g_assert_cmpstr (r->name, ==, "Good");
  g_assert_cmpfloat (r->hi, ==, 10);
  g_assert_true (isnan (r->hihi));
  g_assert_true (r->enabled);
  r = g_ptr_array_index (rules, 1);
  g_assert_cmpstr (r->id, ==, "good-two");
  g_assert_cmpstr (r->name, ==, "good-two");
  g_assert_cmpint (r->priority, ==, BD_ALARM_PRIORITY_CRITICAL);
  g_assert_false (r->enabled);

  g_assert_cmpuint (problems->len, ==, 3);
  problem = g_ptr_array_index (problems, 0);
  g_assert_error (problem, BD_ALARM_ERROR, BD_ALARM_ERROR_INVALID_RULE);
  g_assert_nonnull (strstr (problem->message, "/x/alarms.ini"));
  g_assert_nonnull (strstr (problem->message, "[bad-number]"));
  g_assert_nonnull (strstr (problem->message, "“hi”"));
  g_assert_nonnull (strstr (problem->message, "“ten”"));
  problem = g_ptr_array_index (problems, 1);
  g_assert_nonnull (strstr (problem->message, "[bad-limits]"));
  g_assert_nonnull (strstr (problem->message, "HiHi"));
  problem = g_ptr_array_index (problems, 2);
  g_assert_nonnull (strstr (problem->message, "[bad-priority]"));
  g_assert_nonnull (strstr (problem->message, "“priority”"));

  /* Not a key file at all: an error naming the source, nothing loaded. */
  g_clear_pointer (&rules, g_ptr_array_unref);
  rules = bd_alarm_rules_from_data ("just text\n", 10, "/x/alarms.ini", NULL, &error);
  g_assert_null (rules);
  g_assert_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_PARSE);
  g_assert_nonnull (strstr (error->message, "/x/alarms.ini"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/alarms/rules/validate", test_validate);
  g_test_add_func ("/alarms/rules/round-trip", test_round_trip);
  g_test_add_func ("/alarms/rules/broken-rule", test_broken_rule);

  return g_test_run ();
}
