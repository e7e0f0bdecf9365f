/* bd-test-journal.h — waiting for the journal's writer in tests
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "bd-journal.h"

G_BEGIN_DECLS

/* bd_journal_flush_async() and _query_async(), waited for (bounded). */
gboolean   bd_test_journal_flush   (BdJournal   *journal,
                                    GError     **error);
GPtrArray *bd_test_journal_query   (BdJournal   *journal,
                                    const char  *kind,
                                    guint        limit,
                                    GError     **error);

/* What the journal holds of @kind (NULL: every kind) once everything
 * appended so far is written: the last 100 entries. Asserts no error. */
GPtrArray *bd_test_journal_entries (BdJournal   *journal,
                                    const char  *kind);

/* TRUE when one of @entries (BdJournalEntry) is from @source_id, goes to
 * @to_state and has @text in its text; NULL matches any. */
gboolean   bd_test_journal_has     (GPtrArray   *entries,
                                    const char  *source_id,
                                    const char  *to_state,
                                    const char  *text);

G_END_DECLS
