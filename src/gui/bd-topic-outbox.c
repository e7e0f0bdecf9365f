/* bd-topic-outbox.c — engine-thread messages, coalesced per topic for the main thread
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The engine calls the tap once per routed message on its own thread. The tap
 * keeps only the newest message per topic plus a count, so a topic publishing
 * at 1 kHz costs the main thread one entry per flush. The first append after
 * a flush sets the ready time of the outbox's one source to one interval
 * later; the flush swaps in an empty table under the mutex and hands the old
 * one to the flush function outside it, so the engine never waits for the GUI.
 *
 * A flush is delivered in slices (BD_TOPIC_OUTBOX_SLICE entries, at most
 * BD_TOPIC_OUTBOX_BUDGET_US of them per main-loop turn): when the budget runs
 * out the source makes itself ready again at once, and its priority, below
 * GDK's redraw, lets a due frame paint in between. While slices remain, the
 * next flush waits (its messages keep coalescing per topic), which bounds the
 * work queued for the main thread by the number of topics, however fast the
 * broker goes.
 *
 * A held outbox (its page is not shown) keeps coalescing but does not
 * flush: a hidden page costs no main-thread work per message, and since each
 * topic keeps its newest message and count, what it shows once released is
 * what it would have shown, with at most one entry per topic to apply.
 *
 * All ready-time decisions are taken under the outbox mutex, so a tap on the
 * engine thread and a dispatch on the main thread cannot undo each other's.
 * Lock order: the outbox mutex may be held while setting the source's ready
 * time or destroying it (which takes the GMainContext's lock); the context
 * never calls back into us with its own lock held, so this cannot deadlock.
 */

#include "config.h"

#include "bd-frame-stats.h"
#include "bd-topic-outbox.h"

/* Below GDK_PRIORITY_REDRAW (G_PRIORITY_HIGH_IDLE + 20), which this file
 * cannot name without GDK, and above the default idle priority. */
#define FLUSH_PRIORITY (G_PRIORITY_HIGH_IDLE + 30)

typedef struct
{
  GSource        source;
  BdTopicOutbox *outbox;   /* not a reference: bd_topic_outbox_free() destroys us */
} FlushSource;

struct _BdTopicOutbox
{
  gatomicrefcount         ref_count;
  GMainContext           *main_context;
  BdTopicOutboxFlushFunc  func;
  gpointer                user_data;
  GSource                *source;        /* FlushSource, attached until freed */

  /* Main thread only: the flush being delivered, and how far. */
  GArray                 *delivering;    /* BdTopicBatchEntry, or NULL */
  guint                   delivered;
  gboolean                stopped;       /* bd_topic_outbox_free() was called */

  GMutex                  mutex;
  /* Everything below is guarded by the mutex. */
  GArray                 *entries;       /* BdTopicBatchEntry */
  GHashTable             *index;         /* GRefString topic -> entry index + 1 */
  gboolean                scheduled;     /* entries is non-empty and due at due_us */
  gint64                  due_us;
  gboolean                busy;          /* delivering != NULL */
  gboolean                held;          /* coalesce, but do not flush */
  gboolean                closed;
};

static GArray *
entries_new (void)
{
  return g_array_new (FALSE, FALSE, sizeof (BdTopicBatchEntry));
}

static GHashTable *
index_new (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal,
                                (GDestroyNotify) g_ref_string_release, NULL);
}

static void
entries_free (GArray *entries)
{
  for (guint i = 0; i < entries->len; i++)
    bd_message_unref (g_array_index (entries, BdTopicBatchEntry, i).latest);
  g_array_unref (entries);
}

/* Delivers slices of the current flush until the turn's budget is spent.
 * Returns TRUE when the whole flush has been delivered. */
static gboolean
deliver (BdTopicOutbox *self)
{
  gint64 start = g_get_monotonic_time ();
  BdTopicBatchEntry *entries = (BdTopicBatchEntry *) (gpointer) self->delivering->data;

  while (self->delivered < self->delivering->len)
    {
      guint n = MIN (self->delivering->len - self->delivered, BD_TOPIC_OUTBOX_SLICE);
      gint64 before = g_get_monotonic_time ();
      gint64 after;

      self->func (entries + self->delivered, n, self->user_data);
      after = g_get_monotonic_time ();
      bd_frame_stats_record_batch (after - before, n);
      self->delivered += n;

      /* The flush function may have freed the outbox (closing a window). */
      if (self->stopped)
        return TRUE;
      if (after - start >= BD_TOPIC_OUTBOX_BUDGET_US)
        break;
    }
  return self->delivered == self->delivering->len;
}

static gboolean
flush_source_dispatch (GSource     *source,
                       GSourceFunc  callback,
                       gpointer     user_data)
{
  BdTopicOutbox *self = ((FlushSource *) source)->outbox;
  GHashTable *index = NULL;
  gboolean done;

  g_mutex_lock (&self->mutex);
  /* Held: a flush already being delivered is finished, no new one starts. */
  if (self->closed || (self->held && self->delivering == NULL))
    {
      g_source_set_ready_time (source, -1);
      g_mutex_unlock (&self->mutex);
      return G_SOURCE_CONTINUE;
    }
  if (self->delivering == NULL)
    {
      self->delivering = g_steal_pointer (&self->entries);
      self->delivered = 0;
      index = g_steal_pointer (&self->index);
      self->entries = entries_new ();
      self->index = index_new ();
      self->scheduled = FALSE;
      self->busy = TRUE;
    }
  /* Not ready again until decided below. */
  g_source_set_ready_time (source, -1);
  g_mutex_unlock (&self->mutex);

  if (index != NULL)
    g_hash_table_unref (index);

  /* The flush function may call bd_topic_outbox_free(); keep self alive. */
  bd_topic_outbox_ref (self);
  done = deliver (self);
  if (done)
    g_clear_pointer (&self->delivering, entries_free);
  if (self->stopped)
    {
      bd_topic_outbox_unref (self);
      return G_SOURCE_REMOVE;
    }

  g_mutex_lock (&self->mutex);
  if (!done)
    g_source_set_ready_time (source, 0);
  else
    {
      self->busy = FALSE;
      /* Messages that came during a long delivery are due when their
       * interval ends, which may already have passed. */
      if (self->scheduled && !self->held)
        g_source_set_ready_time (source, self->due_us);
    }
  g_mutex_unlock (&self->mutex);
  bd_topic_outbox_unref (self);

  return G_SOURCE_CONTINUE;
}

static GSourceFuncs flush_source_funcs = {
  .dispatch = flush_source_dispatch,
};

BdTopicOutbox *
bd_topic_outbox_new (GMainContext           *main_context,
                     BdTopicOutboxFlushFunc  func,
                     gpointer                user_data)
{
  BdTopicOutbox *self;

  g_return_val_if_fail (func != NULL, NULL);

  self = g_new0 (BdTopicOutbox, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->main_context = main_context != NULL ? g_main_context_ref (main_context)
                                            : g_main_context_ref_thread_default ();
  self->func = func;
  self->user_data = user_data;
  g_mutex_init (&self->mutex);
  self->entries = entries_new ();
  self->index = index_new ();

  self->source = g_source_new (&flush_source_funcs, sizeof (FlushSource));
  ((FlushSource *) self->source)->outbox = self;
  g_source_set_priority (self->source, FLUSH_PRIORITY);
  g_source_set_static_name (self->source, "[brokerdesk] topic outbox flush");
  g_source_attach (self->source, self->main_context);

  return self;
}

BdTopicOutbox *
bd_topic_outbox_ref (BdTopicOutbox *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
bd_topic_outbox_unref (BdTopicOutbox *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  /* Normally bd_topic_outbox_free() destroyed the source already. */
  if (self->source != NULL)
    {
      g_source_destroy (self->source);
      g_clear_pointer (&self->source, g_source_unref);
    }
  g_clear_pointer (&self->delivering, entries_free);
  entries_free (self->entries);
  g_hash_table_unref (self->index);
  g_mutex_clear (&self->mutex);
  g_main_context_unref (self->main_context);
  g_free (self);
}

void
bd_topic_outbox_tap (BdMessage *message,
                     gpointer   outbox)
{
  BdTopicOutbox *self = outbox;
  BdMessage *replaced = NULL;
  gpointer found;

  g_mutex_lock (&self->mutex);

  if (self->closed)
    {
      g_mutex_unlock (&self->mutex);
      return;
    }

  found = g_hash_table_lookup (self->index, message->topic);
  if (found != NULL)
    {
      BdTopicBatchEntry *entry = &g_array_index (self->entries, BdTopicBatchEntry,
                                                 GPOINTER_TO_UINT (found) - 1);

      replaced = entry->latest;
      entry->latest = bd_message_ref (message);
      entry->count++;
    }
  else
    {
      BdTopicBatchEntry entry = { bd_message_ref (message), 1 };

      g_array_append_val (self->entries, entry);
      g_hash_table_insert (self->index, g_ref_string_acquire (message->topic),
                           GUINT_TO_POINTER (self->entries->len));
    }

  if (!self->scheduled)
    {
      /* The interval counts from this first append, so a message waits at
       * most one interval however busy the broker is (plus the rest of a
       * delivery still in progress, which sets the ready time when done). */
      self->scheduled = TRUE;
      self->due_us = g_get_monotonic_time () + BD_TOPIC_OUTBOX_INTERVAL_MS * 1000;
      if (!self->busy && !self->held)
        g_source_set_ready_time (self->source, self->due_us);
    }

  g_mutex_unlock (&self->mutex);

  /* Dropping the older message may free it; do that outside the lock. */
  if (replaced != NULL)
    bd_message_unref (replaced);
}

void
bd_topic_outbox_set_held (BdTopicOutbox *self,
                          gboolean       held)
{
  g_return_if_fail (self != NULL);

  g_mutex_lock (&self->mutex);
  if (self->held != held)
    {
      self->held = held;
      /* What was held is due at once; a delivery in progress sets the
       * ready time itself when it ends. */
      if (!held && self->scheduled && !self->busy && self->source != NULL)
        g_source_set_ready_time (self->source, 0);
    }
  g_mutex_unlock (&self->mutex);
}

void
bd_topic_outbox_free (BdTopicOutbox *self)
{
  GSource *source;

  if (self == NULL)
    return;

  g_mutex_lock (&self->mutex);
  self->closed = TRUE;
  source = g_steal_pointer (&self->source);
  g_mutex_unlock (&self->mutex);

  /* On the context's own thread, destroying the source guarantees that it
   * will not dispatch again; a tap that still arrives sees `closed`. */
  if (source != NULL)
    {
      g_source_destroy (source);
      g_source_unref (source);
    }
  self->stopped = TRUE;

  bd_topic_outbox_unref (self);
}
