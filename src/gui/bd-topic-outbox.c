/* bd-topic-outbox.c — engine-thread messages, coalesced per topic for the main thread
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The engine calls the tap once per routed message on its own thread. The tap
 * keeps only the newest message per topic plus a count, so a topic publishing
 * at 1 kHz costs the main thread one entry per flush. The first append after
 * a flush attaches one timeout source to the main context; the flush swaps in
 * an empty table under the mutex and hands the old one to the flush function
 * outside it, so the engine never waits for the GUI.
 *
 * Lock order: the outbox mutex may be held while attaching or destroying a
 * source (which takes the GMainContext's lock); the context never calls back
 * into us with its own lock held, so this cannot deadlock.
 */

#include "config.h"

#include "bd-topic-outbox.h"

struct _BdTopicOutbox
{
  gatomicrefcount         ref_count;
  GMainContext           *main_context;
  BdTopicOutboxFlushFunc  func;
  gpointer                user_data;

  GMutex                  mutex;
  /* Everything below is guarded by the mutex. */
  GArray                 *entries;       /* BdTopicBatchEntry */
  GHashTable             *index;         /* GRefString topic -> entry index + 1 */
  GSource                *flush_source;  /* non-NULL while a flush is pending */
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

static gboolean
flush_cb (gpointer data)
{
  BdTopicOutbox *self = data;
  GArray *entries;
  GHashTable *index;
  gboolean closed;

  g_mutex_lock (&self->mutex);
  entries = g_steal_pointer (&self->entries);
  index = g_steal_pointer (&self->index);
  self->entries = entries_new ();
  self->index = index_new ();
  /* The context still holds the source while it dispatches it. */
  g_clear_pointer (&self->flush_source, g_source_unref);
  closed = self->closed;
  g_mutex_unlock (&self->mutex);

  g_hash_table_unref (index);
  if (!closed && entries->len > 0)
    self->func ((BdTopicBatchEntry *) (gpointer) entries->data, entries->len, self->user_data);
  entries_free (entries);

  return G_SOURCE_REMOVE;
}

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

  /* A pending source holds a reference, so none is left here. */
  g_assert (self->flush_source == NULL);
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

  if (self->flush_source == NULL)
    {
      /* The interval counts from this first append, so a message waits at
       * most one interval however busy the broker is. */
      self->flush_source = g_timeout_source_new (BD_TOPIC_OUTBOX_INTERVAL_MS);
      g_source_set_priority (self->flush_source, G_PRIORITY_DEFAULT);
      g_source_set_static_name (self->flush_source, "[brokerdesk] topic outbox flush");
      g_source_set_callback (self->flush_source, flush_cb, bd_topic_outbox_ref (self),
                             (GDestroyNotify) bd_topic_outbox_unref);
      g_source_attach (self->flush_source, self->main_context);
    }

  g_mutex_unlock (&self->mutex);

  /* Dropping the older message may free it; do that outside the lock. */
  if (replaced != NULL)
    bd_message_unref (replaced);
}

void
bd_topic_outbox_free (BdTopicOutbox *self)
{
  GSource *source;

  if (self == NULL)
    return;

  g_mutex_lock (&self->mutex);
  self->closed = TRUE;
  source = g_steal_pointer (&self->flush_source);
  g_mutex_unlock (&self->mutex);

  /* Destroying the source drops its reference through the notify; on the
   * context's own thread this also guarantees it will not dispatch. */
  if (source != NULL)
    {
      g_source_destroy (source);
      g_source_unref (source);
    }

  bd_topic_outbox_unref (self);
}
