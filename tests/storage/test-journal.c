/* test-journal.c — the journal with a real SQLite file
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include "bd-journal.h"
#include "bd-storage-error.h"
#include "bd-test-journal.h"
#include "bd-test-util.h"

static void
append (BdJournal  *journal,
        gint64      time_us,
        const char *kind,
        const char *source,
        double      value)
{
  g_autoptr(BdJournalEntry) entry = bd_journal_entry_new ();

  entry->time_us = time_us;
  g_free (entry->kind);
  entry->kind = g_strdup (kind);
  entry->source_id = g_strdup (source);
  entry->topic = g_strdup ("plant/a/temperature");
  entry->level = g_strdup ("hi");
  entry->from_state = g_strdup ("normal");
  entry->to_state = g_strdup ("unack");
  entry->value = value;
  entry->text = g_strdup_printf ("%s %g", source, value);
  bd_journal_append (journal, entry);
}

static void
test_round_trip (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BdTestTmpdir) dir = bd_test_tmpdir_new ("journal");
  g_autofree char *path = g_build_filename (dir, "journal.db", NULL);
  g_autoptr(BdJournal) journal = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  BdJournalEntry *e;

  /* No file yet: an empty answer, not an error. */
  journal = bd_journal_new (path);
  for (guint i = 0; i < 50; i++)
    append (journal, 1000 + i, i % 2 == 0 ? "alarm" : "relay", i % 2 == 0 ? "rule" : "k3", i);
  append (journal, 2000, "alarm", "nan", NAN);
  g_assert_true (bd_test_journal_flush (journal, &error));
  g_assert_no_error (error);

  entries = bd_test_journal_query (journal, NULL, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (entries->len, ==, 10);
  e = g_ptr_array_index (entries, 0);  /* newest first */
  g_assert_cmpint (e->time_us, ==, 2000);
  g_assert_true (isnan (e->value));
  e = g_ptr_array_index (entries, 1);
  g_assert_cmpint (e->time_us, ==, 1049);
  g_assert_cmpstr (e->kind, ==, "relay");
  g_assert_cmpstr (e->source_id, ==, "k3");
  g_assert_cmpfloat (e->value, ==, 49);
  g_assert_cmpstr (e->text, ==, "k3 49");
  g_clear_pointer (&entries, g_ptr_array_unref);

  entries = bd_test_journal_query (journal, "alarm", 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (entries->len, ==, 26);
  for (guint i = 0; i < entries->len; i++)
    g_assert_cmpstr (((BdJournalEntry *) g_ptr_array_index (entries, i))->kind, ==, "alarm");
  e = g_ptr_array_index (entries, 25);
  g_assert_cmpint (e->time_us, ==, 1000);
  g_assert_cmpstr (e->topic, ==, "plant/a/temperature");
  g_assert_cmpstr (e->level, ==, "hi");
  g_assert_cmpstr (e->from_state, ==, "normal");
  g_assert_cmpstr (e->to_state, ==, "unack");
  g_clear_pointer (&entries, g_ptr_array_unref);

  /* It survives a restart. */
  g_clear_pointer (&journal, bd_journal_unref);
  journal = bd_journal_new (path);
  append (journal, 3000, "alarm", "after", 1);
  g_assert_true (bd_test_journal_flush (journal, &error));
  entries = bd_test_journal_query (journal, "alarm", 100, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (entries->len, ==, 27);

  g_clear_pointer (&journal, bd_journal_unref);
}

/* Retention by count and by age (counted back from the newest entry). */
static void
test_retention (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BdTestTmpdir) dir = bd_test_tmpdir_new ("journal");
  g_autofree char *path = g_build_filename (dir, "journal.db", NULL);
  g_autoptr(BdJournal) journal = bd_journal_new (path);
  g_autoptr(GPtrArray) entries = NULL;

  bd_journal_set_retention (journal, 100, 10);
  /* From 1 s: a time of 0 means "now" to bd_journal_append (). */
  for (guint i = 0; i < 30; i++)
    append (journal, (i + 1) * G_USEC_PER_SEC, "alarm", "rule", i);
  g_assert_true (bd_test_journal_flush (journal, &error));
  entries = bd_test_journal_query (journal, NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (entries->len, ==, 10);
  g_assert_cmpfloat (((BdJournalEntry *) g_ptr_array_index (entries, 0))->value, ==, 29);
  g_assert_cmpfloat (((BdJournalEntry *) g_ptr_array_index (entries, 9))->value, ==, 20);
  g_clear_pointer (&entries, g_ptr_array_unref);

  /* 1,000 s later: everything more than 100 s older goes. */
  append (journal, 1000 * G_USEC_PER_SEC, "relay", "k3", 1);
  append (journal, 950 * G_USEC_PER_SEC, "relay", "k3", 2);
  g_assert_true (bd_test_journal_flush (journal, &error));
  entries = bd_test_journal_query (journal, NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (entries->len, ==, 2);
  g_clear_pointer (&entries, g_ptr_array_unref);

  g_clear_pointer (&journal, bd_journal_unref);
}

static void
test_missing_file (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BdTestTmpdir) dir = bd_test_tmpdir_new ("journal");
  g_autofree char *path = g_build_filename (dir, "none", "journal.db", NULL);
  g_autoptr(GPtrArray) entries = NULL;
  BdJournal *journal = bd_journal_new (path);

  /* Queried before the writer created it (or after): never an error. */
  entries = bd_test_journal_query (journal, NULL, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (entries->len, ==, 0);
  bd_journal_unref (journal);
}

/* A file that is not a database: a clear error naming it; appending still
 * works (entries are dropped), nothing crashes, the file is left alone. */
static void
test_corrupt_file (void)
{
  static const char garbage[] = "this is not a SQLite database, it is a text file, long enough "
                                "to have a header of a hundred bytes or so..........................";
  g_autoptr(GError) error = NULL;
  g_autoptr(BdTestTmpdir) dir = bd_test_tmpdir_new ("journal");
  g_autofree char *path = g_build_filename (dir, "journal.db", NULL);
  g_autofree char *after = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  BdJournal *journal;

  g_assert_true (g_file_set_contents (path, garbage, -1, &error));

  g_test_expect_message ("Brokerdesk-Storage", G_LOG_LEVEL_WARNING, "*journal.db*cannot be written*");
  journal = bd_journal_new (path);
  append (journal, 1, "alarm", "x", 1);
  g_assert_false (bd_test_journal_flush (journal, &error));
  g_test_assert_expected_messages ();
  g_assert_error (error, BD_STORAGE_ERROR, BD_STORAGE_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, path));
  g_clear_error (&error);

  append (journal, 2, "alarm", "x", 2);
  g_assert_false (bd_test_journal_flush (journal, &error));
  g_clear_error (&error);

  entries = bd_test_journal_query (journal, NULL, 10, &error);
  g_assert_null (entries);
  g_assert_error (error, BD_STORAGE_ERROR, BD_STORAGE_ERROR_CORRUPT);
  g_assert_nonnull (strstr (error->message, path));
  bd_journal_unref (journal);

  g_assert_true (g_file_get_contents (path, &after, NULL, NULL));
  g_assert_cmpstr (after, ==, garbage);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/storage/journal/round-trip", test_round_trip);
  g_test_add_func ("/storage/journal/retention", test_retention);
  g_test_add_func ("/storage/journal/missing-file", test_missing_file);
  g_test_add_func ("/storage/journal/corrupt-file", test_corrupt_file);

  return g_test_run ();
}
