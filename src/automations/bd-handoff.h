/* bd-handoff.h — items handed from any thread to one main context, in batches
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What a BdMessageInbox does for messages, for any item: bd_handoff_push ()
 * (any thread) queues the item under a mutex, the first push of a batch
 * attaches one idle source to the owner's context, and its dispatch hands
 * the owner the whole batch, oldest first. The source is attached rather
 * than invoked, so the items are always handled by the thread that runs
 * the context, never by a pusher that happens to be able to acquire it.
 * bd_handoff_close () (on the owner's context) ends deliveries: pending and
 * later items are freed unhandled, so no flush reaches a freed owner.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _BdHandoff BdHandoff;

/* On the owner's context, with the batch (the items, oldest first; they are
 * freed with the batch). */
typedef void (*BdHandoffFlushFunc) (gpointer   owner,
                                    GPtrArray *items);

BdHandoff *bd_handoff_new   (GMainContext       *context,
                             const char         *name,
                             GDestroyNotify      item_free,
                             BdHandoffFlushFunc  flush,
                             gpointer            owner);
BdHandoff *bd_handoff_ref   (BdHandoff          *handoff);
void       bd_handoff_unref (BdHandoff          *handoff);
/* Any thread; takes @item (freed at once when the hand-off is closed). */
void       bd_handoff_push  (BdHandoff          *handoff,
                             gpointer            item);
/* On the owner's context: nothing more is delivered. */
void       bd_handoff_close (BdHandoff          *handoff);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BdHandoff, bd_handoff_unref)

G_END_DECLS
