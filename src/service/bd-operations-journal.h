/* bd-operations-journal.h — what the operators' parts do, into the journal
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The journal (storage) records alarm transitions and relay commands; the
 * alarm engine and the relay controller know nothing of it. The service
 * wires them here, the same way for both, so that neither library depends
 * on storage and the window and --headless journal alike.
 */

#pragma once

#include "bd-alarm-engine.h"
#include "bd-journal.h"
#include "bd-relay-controller.h"

G_BEGIN_DECLS

/* Appends every transition of @alarms to @journal, for as long as @alarms
 * lives (it keeps a reference to @journal). */
void bd_operations_journal_follow_alarms (BdJournal         *journal,
                                          BdAlarmEngine     *alarms);
/* Appends every relay command @relays logs, with its outcome; an outcome
 * that is not a confirmation is also logged as a message. */
void bd_operations_journal_follow_relays (BdJournal         *journal,
                                          BdRelayController *relays);

/* What an operator did that is neither an alarm nor a relay: locking the
 * window, a settings change. */
#define BD_JOURNAL_KIND_OPERATOR "operator"

/* Appends @text (what was done), with who did it (the session's user) and
 * when (now), as a BD_JOURNAL_KIND_OPERATOR entry; @source_id names what
 * was changed (a settings key, a user), or NULL. Any thread. */
void bd_operations_journal_note          (BdJournal         *journal,
                                          const char        *source_id,
                                          const char        *text);
/* " — by USER": who, for an entry's text. */
char *bd_operations_journal_by_whom      (void);

G_END_DECLS
