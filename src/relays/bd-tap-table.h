/* bd-tap-table.h — engine taps kept in step with a set of topics
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The relay controller (state topics) and the automations (condition
 * topics) each follow a set of exact topics that changes with their
 * configuration: one engine tap per topic, feeding an inbox.
 */

#pragma once

#include "bd-engine.h"
#include "bd-message-inbox.h"

G_BEGIN_DECLS

/* @taps maps topic -> tap id (g_str_hash, keys owned). Removes the taps of
 * topics not in @wanted (a set of strings) and adds one feeding @inbox for
 * each new one. Returns the added topics (NULL-terminated), or NULL. */
GStrv bd_tap_table_sync  (GHashTable     *taps,
                          BdEngine       *engine,
                          GHashTable     *wanted,
                          BdMessageInbox *inbox);
/* Follows @wanted, a set of strings never changed afterwards (it is
 * referenced, not copied): @inbox accepts only messages on those topics,
 * whichever tap brings them (a remote client's "#" tap brings every
 * message), and with an @engine (may be NULL) @taps is synced as by
 * bd_tap_table_sync (), whose result this returns. */
GStrv bd_tap_table_follow (GHashTable     *taps,
                           BdEngine       *engine,
                           GHashTable     *wanted,
                           BdMessageInbox *inbox);
/* Removes every tap of @taps from @engine and empties it. */
void  bd_tap_table_clear (GHashTable     *taps,
                          BdEngine       *engine);

G_END_DECLS
