/* bd-message-inbox.h — messages handed from any thread to one main context
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Taps run on the engine thread (or a remote client's), where nothing may
 * wait; the alarm engine, the relay controller and the demo plant's devices
 * act on their own main context. An inbox is the hand-over between the two:
 * bd_message_inbox_push () (any thread) queues a reference under a mutex and
 * the first push schedules one flush on the owner's context, which hands the
 * owner the whole batch. The inbox is reference counted so that taps may
 * outlive their owner by a moment; bd_message_inbox_close () (owner's
 * context) ends deliveries, so a flush never reaches a freed owner.
 */

#pragma once

#include <glib.h>

#include "bd-message.h"

G_BEGIN_DECLS

typedef struct _BdMessageInbox BdMessageInbox;

/* On the owner's context, with the batch (BdMessage*, oldest first). */
typedef void     (*BdMessageInboxFlushFunc)  (gpointer   owner,
                                              GPtrArray *messages);
/* On the pushing thread, under the inbox's lock: whether to queue @message.
 * @accept_data is what bd_message_inbox_set_accept () installed, @push_data
 * what the push passed. Keep it short: it runs once per message. */
typedef gboolean (*BdMessageInboxAcceptFunc) (BdMessage *message,
                                              gpointer   accept_data,
                                              gpointer   push_data);

/* Flushes on @context (NULL: the thread-default one) @delay_ms after the
 * first push of a batch (0: as soon as the context is idle). Beyond
 * @max_pending queued messages (0: no limit) pushes are dropped and counted,
 * and the first drop is logged, naming the inbox's owner by @name ("alarm
 * engine"). */
BdMessageInbox *bd_message_inbox_new        (GMainContext            *context,
                                             guint                    delay_ms,
                                             guint                    max_pending,
                                             const char              *name,
                                             BdMessageInboxFlushFunc  flush,
                                             gpointer                 owner);
BdMessageInbox *bd_message_inbox_ref        (BdMessageInbox          *inbox);
void            bd_message_inbox_unref      (BdMessageInbox          *inbox);

/* Replaces the filter (NULL accepts everything); the old data is freed with
 * its notify outside the lock. Any thread. */
void            bd_message_inbox_set_accept (BdMessageInbox          *inbox,
                                             BdMessageInboxAcceptFunc accept,
                                             gpointer                 accept_data,
                                             GDestroyNotify           accept_notify);
/* Any thread. Returns TRUE if @message was queued. */
gboolean        bd_message_inbox_push       (BdMessageInbox          *inbox,
                                             BdMessage               *message,
                                             gpointer                 push_data);
/* Drops what is queued (owner's context). */
void            bd_message_inbox_clear      (BdMessageInbox          *inbox);
/* No delivery after this (owner's context); pushes are ignored. */
void            bd_message_inbox_close      (BdMessageInbox          *inbox);
guint           bd_message_inbox_get_dropped (BdMessageInbox         *inbox);

/* A BdTapFunc over an inbox (@user_data): push with no push data. */
void            bd_message_inbox_tap        (BdMessage               *message,
                                             gpointer                 user_data);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BdMessageInbox, bd_message_inbox_unref)

G_END_DECLS
