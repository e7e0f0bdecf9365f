/* bd-journal.h — the event journal: alarm transitions, relay commands, ...
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One SQLite database (DATA_DIR/journal.db, WAL) with one table of events.
 * A writer thread owns the only writing connection and commits in batches;
 * bd_journal_append () only copies the entry into its queue, so it is safe
 * and cheap on any thread (never on disk). Queries run on worker threads,
 * each with its own read-only connection.
 *
 * When the file cannot be opened or written (read-only, not a database,
 * disk full) the journal logs one warning naming the file and drops entries;
 * everything that appends keeps working.
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define BD_JOURNAL_KIND_ALARM "alarm"
#define BD_JOURNAL_KIND_RELAY "relay"
#define BD_JOURNAL_KIND_SETPOINT "setpoint"
#define BD_JOURNAL_KIND_AUTOMATION "automation"

typedef struct
{
  gint64  time_us;     /* wall clock, g_get_real_time () */
  char   *kind;        /* "alarm", "relay", ... never NULL */
  char   *source_id;   /* the rule id for alarms, the relay, setpoint or automation id; may be NULL */
  char   *topic;       /* may be NULL */
  char   *level;       /* "hi", "hihi", ... or NULL */
  char   *from_state;  /* may be NULL */
  char   *to_state;    /* may be NULL */
  double  value;       /* NAN = none */
  char   *text;        /* for people; may be NULL */
} BdJournalEntry;

#define BD_TYPE_JOURNAL_ENTRY (bd_journal_entry_get_type ())
GType           bd_journal_entry_get_type (void);
BdJournalEntry *bd_journal_entry_new      (void);   /* value NAN, strings NULL, kind "" */
BdJournalEntry *bd_journal_entry_copy     (const BdJournalEntry *entry);
void            bd_journal_entry_free     (BdJournalEntry       *entry);

typedef struct _BdJournal BdJournal;

/* A boxed type (ref/unref), so a journal can be a GObject property. */
#define BD_TYPE_JOURNAL (bd_journal_get_type ())
GType       bd_journal_get_type     (void);

/* Starts the writer thread, which opens (or creates) @path. Never fails here:
 * an unusable file is reported by a warning and by bd_journal_flush_finish (). */
BdJournal  *bd_journal_new          (const char            *path);
BdJournal  *bd_journal_ref          (BdJournal             *journal);
/* The last unref commits what is queued and joins the writer thread. */
void        bd_journal_unref        (BdJournal             *journal);
const char *bd_journal_get_path     (BdJournal             *journal);
/* Each commit removes entries older than @max_age_s before the newest one,
 * and all but the newest @max_entries (0: no limit). Defaults: a year and
 * a day, and 1,000,000 entries. Any thread; applies from the next commit. */
void        bd_journal_set_retention (BdJournal            *journal,
                                      gint64                max_age_s,
                                      gint64                max_entries);

/* Thread-safe, never blocks on disk: copies @entry into the writer's queue. */
void        bd_journal_append       (BdJournal             *journal,
                                     const BdJournalEntry  *entry);

/* Completes, in the caller's thread-default main context, once everything
 * appended before the call is committed; fails with BD_STORAGE_ERROR
 * when the journal cannot be written. */
void        bd_journal_flush_async  (BdJournal             *journal,
                                     GCancellable          *cancellable,
                                     GAsyncReadyCallback    callback,
                                     gpointer               user_data);
gboolean    bd_journal_flush_finish (BdJournal             *journal,
                                     GAsyncResult          *result,
                                     GError               **error);

/* The newest @limit entries (0 = 100) of @kind (NULL = all kinds), newest
 * first, as BdJournalEntry*. A journal file that does not exist yet gives an
 * empty array; a damaged one fails with BD_STORAGE_ERROR naming it. */
void        bd_journal_query_async  (BdJournal             *journal,
                                     const char            *kind,
                                     guint                  limit,
                                     GCancellable          *cancellable,
                                     GAsyncReadyCallback    callback,
                                     gpointer               user_data);
GPtrArray  *bd_journal_query_finish (BdJournal             *journal,
                                     GAsyncResult          *result,
                                     GError               **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BdJournalEntry, bd_journal_entry_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BdJournal, bd_journal_unref)

G_END_DECLS
