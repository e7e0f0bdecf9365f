/* bd-handoff.c — items handed from any thread to one main context, in batches
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "bd-handoff.h"

struct _BdHandoff
{
  gatomicrefcount     ref_count;
  GMutex              lock;
  GPtrArray          *pending;     /* under lock */
  GSource            *source;      /* a flush is scheduled (under lock) */
  GMainContext       *context;
  char               *source_name; /* for GLib's source list in a debugger */
  GDestroyNotify      item_free;
  BdHandoffFlushFunc  flush;
  gpointer            owner;       /* NULL once closed (under lock) */
};

static GPtrArray *
new_batch (BdHandoff *handoff)
{
  return g_ptr_array_new_with_free_func (handoff->item_free);
}

BdHandoff *
bd_handoff_new (GMainContext       *context,
                const char         *name,
                GDestroyNotify      item_free,
                BdHandoffFlushFunc  flush,
                gpointer            owner)
{
  BdHandoff *handoff = g_new0 (BdHandoff, 1);

  g_return_val_if_fail (context != NULL, NULL);
  g_return_val_if_fail (flush != NULL, NULL);

  g_atomic_ref_count_init (&handoff->ref_count);
  g_mutex_init (&handoff->lock);
  handoff->context = g_main_context_ref (context);
  handoff->source_name = g_strdup_printf ("[brokerdesk] %s", name);
  handoff->item_free = item_free;
  handoff->flush = flush;
  handoff->owner = owner;
  handoff->pending = new_batch (handoff);
  return handoff;
}

BdHandoff *
bd_handoff_ref (BdHandoff *handoff)
{
  g_atomic_ref_count_inc (&handoff->ref_count);
  return handoff;
}

void
bd_handoff_unref (BdHandoff *handoff)
{
  if (!g_atomic_ref_count_dec (&handoff->ref_count))
    return;
  /* A scheduled flush holds a reference: none is left here. */
  g_ptr_array_unref (handoff->pending);
  g_main_context_unref (handoff->context);
  g_mutex_clear (&handoff->lock);
  g_free (handoff->source_name);
  g_free (handoff);
}

static gboolean
flush_cb (gpointer data)
{
  BdHandoff *handoff = data;
  g_autoptr(GPtrArray) batch = NULL;
  gpointer owner;

  g_mutex_lock (&handoff->lock);
  batch = g_steal_pointer (&handoff->pending);
  handoff->pending = new_batch (handoff);
  g_clear_pointer (&handoff->source, g_source_unref);
  owner = handoff->owner;
  g_mutex_unlock (&handoff->lock);

  /* Closing happens on this context too, so @owner cannot go away between
   * the unlock and the call. */
  if (owner != NULL && batch->len > 0)
    handoff->flush (owner, batch);
  return G_SOURCE_REMOVE;
}

void
bd_handoff_push (BdHandoff *handoff,
                 gpointer   item)
{
  g_mutex_lock (&handoff->lock);
  if (handoff->owner == NULL)
    {
      g_mutex_unlock (&handoff->lock);
      if (handoff->item_free != NULL)
        handoff->item_free (item);
      return;
    }
  g_ptr_array_add (handoff->pending, item);
  if (handoff->source == NULL)
    {
      handoff->source = g_idle_source_new ();
      g_source_set_priority (handoff->source, G_PRIORITY_DEFAULT);
      g_source_set_callback (handoff->source, flush_cb, bd_handoff_ref (handoff),
                             (GDestroyNotify) bd_handoff_unref);
      g_source_set_name (handoff->source, handoff->source_name);
      g_source_attach (handoff->source, handoff->context);
    }
  g_mutex_unlock (&handoff->lock);
}

void
bd_handoff_close (BdHandoff *handoff)
{
  g_autoptr(GPtrArray) dropped = NULL;
  GSource *source;

  g_mutex_lock (&handoff->lock);
  handoff->owner = NULL;
  dropped = g_steal_pointer (&handoff->pending);
  handoff->pending = new_batch (handoff);
  source = g_steal_pointer (&handoff->source);
  g_mutex_unlock (&handoff->lock);

  /* Outside the lock: the source's notify drops a reference, and the items'
   * free functions may do anything. */
  if (source != NULL)
    {
      g_source_destroy (source);
      g_source_unref (source);
    }
}
