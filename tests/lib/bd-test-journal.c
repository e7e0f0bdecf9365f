/* bd-test-journal.c — waiting for the journal's writer in tests
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "bd-test-journal.h"
#include "bd-test-util.h"

/* Bounded: a journal that never answers fails the test, not the CI job. */
#define JOURNAL_WAIT_MS 10000

gboolean
bd_test_journal_flush (BdJournal  *journal,
                       GError    **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  bd_journal_flush_async (journal, NULL, bd_test_result_cb, &result);
  bd_test_wait_result (&result, JOURNAL_WAIT_MS, "the journal flush");
  return bd_journal_flush_finish (journal, result, error);
}

GPtrArray *
bd_test_journal_query (BdJournal   *journal,
                       const char  *kind,
                       guint        limit,
                       GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  bd_journal_query_async (journal, kind, limit, NULL, bd_test_result_cb, &result);
  bd_test_wait_result (&result, JOURNAL_WAIT_MS, "the journal query");
  return bd_journal_query_finish (journal, result, error);
}

GPtrArray *
bd_test_journal_entries (BdJournal  *journal,
                         const char *kind)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *entries;

  g_assert_true (bd_test_journal_flush (journal, &error));
  g_assert_no_error (error);
  entries = bd_test_journal_query (journal, kind, 100, &error);
  g_assert_no_error (error);
  return entries;
}

gboolean
bd_test_journal_has (GPtrArray  *entries,
                     const char *source_id,
                     const char *to_state,
                     const char *text)
{
  for (guint i = 0; i < entries->len; i++)
    {
      BdJournalEntry *entry = g_ptr_array_index (entries, i);

      if ((source_id == NULL || g_strcmp0 (entry->source_id, source_id) == 0) &&
          (to_state == NULL || g_strcmp0 (entry->to_state, to_state) == 0) &&
          (text == NULL || (entry->text != NULL && strstr (entry->text, text) != NULL)))
        return TRUE;
    }
  return FALSE;
}
