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

G_END_DECLS
