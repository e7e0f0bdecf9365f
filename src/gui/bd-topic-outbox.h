/* bd-topic-outbox.h — engine-thread messages, coalesced per topic for the main thread
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "bd-message.h"

G_BEGIN_DECLS

/* Milliseconds between the first message after a flush and that flush:
 * about two frames, so the tree updates smoothly while a busy broker costs
 * one main-loop turn per interval, not one per message. */
#define BD_TOPIC_OUTBOX_INTERVAL_MS 33

/* A flush hands its entries over in slices of at most this many, and stops
 * for the rest of a main-loop turn once BD_TOPIC_OUTBOX_BUDGET_US have passed
 * in one turn: the rest follows in the next turns, after any frame that is
 * due, so a burst of new topics (the first 100,000 at once) never freezes the
 * window. Until the last slice is delivered, new messages coalesce in the
 * next flush's table. */
#define BD_TOPIC_OUTBOX_SLICE       512
#define BD_TOPIC_OUTBOX_BUDGET_US   8000

/* One topic's messages since the last flush: the newest one and how many
 * arrived (count >= 1). */
typedef struct
{
  BdMessage *latest;
  guint      count;
} BdTopicBatchEntry;

/* Runs on the outbox's main context with the entries in order of each topic's
 * first message since the previous flush; a large flush arrives as several
 * calls with consecutive slices, in order, possibly over several main-loop
 * turns. The entries are borrowed for the duration of the call; take a ref on
 * a message to keep it. */
typedef void (*BdTopicOutboxFlushFunc) (BdTopicBatchEntry *entries,
                                        guint              n_entries,
                                        gpointer           user_data);

typedef struct _BdTopicOutbox BdTopicOutbox;

/* @main_context: where @func runs; NULL means the caller's thread-default
 * context. The outbox is reference counted so that the engine can hold it. */
BdTopicOutbox *bd_topic_outbox_new   (GMainContext           *main_context,
                                      BdTopicOutboxFlushFunc  func,
                                      gpointer                user_data);
BdTopicOutbox *bd_topic_outbox_ref   (BdTopicOutbox          *outbox);
void           bd_topic_outbox_unref (BdTopicOutbox          *outbox);

/* A BdTapFunc: call it from any thread with the outbox as user data. It only
 * holds the outbox's mutex for a hash lookup and an append. */
void           bd_topic_outbox_tap   (BdMessage              *message,
                                      gpointer                outbox);

/* While @held, the outbox keeps coalescing (the newest message and the count
 * of each topic, so nothing a flush would have reported is lost, and the
 * memory is bounded by the number of topics) but does not flush; when
 * released, what it holds is flushed at once. For a page that is not shown.
 * Call it on the thread that runs the outbox's main context. */
void           bd_topic_outbox_set_held (BdTopicOutbox       *outbox,
                                         gboolean             held);

/* Stops the outbox and drops the caller's reference. Call it on the thread
 * that runs @main_context: once it returns, the flush function never runs
 * again, even if a flush was pending. Taps that still arrive (the engine
 * removes taps asynchronously) are dropped; give the engine its own reference
 * with bd_topic_outbox_ref() and bd_topic_outbox_unref() as the tap's notify. */
void           bd_topic_outbox_free  (BdTopicOutbox          *outbox);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BdTopicOutbox, bd_topic_outbox_free)

G_END_DECLS
