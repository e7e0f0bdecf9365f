/* bd-message-inbox.c — messages handed from any thread to one main context
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "bd-message-inbox.h"

struct _BdMessageInbox
{
  gatomicrefcount          ref_count;
  GMutex                   lock;
  GPtrArray               *pending;       /* BdMessage*, under lock */
  GSource                 *flush_source;  /* a flush is scheduled (under lock) */
  GMainContext            *context;
  guint                    delay_ms;
  guint                    max_pending;
  guint                    dropped;       /* under lock */
  char                    *name;
  char                    *source_name;   /* for GLib's source list in a debugger */
  BdMessageInboxFlushFunc  flush;
  gpointer                 owner;         /* NULL once closed (under lock) */
  BdMessageInboxAcceptFunc accept;        /* under lock */
  gpointer                 accept_data;
  GDestroyNotify           accept_notify;
};

BdMessageInbox *
bd_message_inbox_new (GMainContext            *context,
                      guint                    delay_ms,
                      guint                    max_pending,
                      const char              *name,
                      BdMessageInboxFlushFunc  flush,
                      gpointer                 owner)
{
  BdMessageInbox *inbox = g_new0 (BdMessageInbox, 1);

  g_return_val_if_fail (flush != NULL, NULL);

  g_atomic_ref_count_init (&inbox->ref_count);
  g_mutex_init (&inbox->lock);
  inbox->pending = g_ptr_array_new_with_free_func ((GDestroyNotify) bd_message_unref);
  inbox->context = context != NULL ? g_main_context_ref (context)
                                   : g_main_context_ref_thread_default ();
  inbox->delay_ms = delay_ms;
  inbox->max_pending = max_pending;
  inbox->name = g_strdup (name);
  inbox->source_name = g_strdup_printf ("[brokerdesk] %s inbox", name);
  inbox->flush = flush;
  inbox->owner = owner;
  return inbox;
}

BdMessageInbox *
bd_message_inbox_ref (BdMessageInbox *inbox)
{
  g_atomic_ref_count_inc (&inbox->ref_count);
  return inbox;
}

void
bd_message_inbox_unref (BdMessageInbox *inbox)
{
  if (!g_atomic_ref_count_dec (&inbox->ref_count))
    return;
  /* A scheduled flush holds a reference: none is left here. */
  g_ptr_array_unref (inbox->pending);
  if (inbox->accept_notify != NULL)
    inbox->accept_notify (inbox->accept_data);
  g_main_context_unref (inbox->context);
  g_mutex_clear (&inbox->lock);
  g_free (inbox->name);
  g_free (inbox->source_name);
  g_free (inbox);
}

void
bd_message_inbox_set_accept (BdMessageInbox          *inbox,
                             BdMessageInboxAcceptFunc accept,
                             gpointer                 accept_data,
                             GDestroyNotify           accept_notify)
{
  gpointer old_data;
  GDestroyNotify old_notify;

  g_mutex_lock (&inbox->lock);
  old_data = inbox->accept_data;
  old_notify = inbox->accept_notify;
  inbox->accept = accept;
  inbox->accept_data = accept_data;
  inbox->accept_notify = accept_notify;
  g_mutex_unlock (&inbox->lock);

  if (old_notify != NULL)
    old_notify (old_data);
}

static gboolean
flush_cb (gpointer data)
{
  BdMessageInbox *inbox = data;
  g_autoptr(GPtrArray) batch = NULL;
  gpointer owner;

  g_mutex_lock (&inbox->lock);
  batch = g_steal_pointer (&inbox->pending);
  inbox->pending = g_ptr_array_new_with_free_func ((GDestroyNotify) bd_message_unref);
  g_clear_pointer (&inbox->flush_source, g_source_unref);
  owner = inbox->owner;
  g_mutex_unlock (&inbox->lock);

  /* Closing happens on this context too, so @owner cannot go away between
   * the unlock and the call. */
  if (owner != NULL && batch->len > 0)
    inbox->flush (owner, batch);
  return G_SOURCE_REMOVE;
}

gboolean
bd_message_inbox_push (BdMessageInbox *inbox,
                       BdMessage      *message,
                       gpointer        push_data)
{
  g_mutex_lock (&inbox->lock);
  if (inbox->owner == NULL ||
      (inbox->accept != NULL && !inbox->accept (message, inbox->accept_data, push_data)))
    {
      g_mutex_unlock (&inbox->lock);
      return FALSE;
    }
  if (inbox->max_pending > 0 && inbox->pending->len >= inbox->max_pending)
    {
      /* The owner's main loop is stuck: dropping beats growing without
       * bound; the count tells how much was lost. */
      if (inbox->dropped++ == 0)
        g_warning ("The %s is behind by %u messages; dropping messages",
                   inbox->name, inbox->max_pending);
      g_mutex_unlock (&inbox->lock);
      return FALSE;
    }
  g_ptr_array_add (inbox->pending, bd_message_ref (message));
  if (inbox->flush_source == NULL)
    {
      inbox->flush_source = inbox->delay_ms > 0 ? g_timeout_source_new (inbox->delay_ms)
                                                : g_idle_source_new ();
      g_source_set_priority (inbox->flush_source, G_PRIORITY_DEFAULT);
      g_source_set_callback (inbox->flush_source, flush_cb, bd_message_inbox_ref (inbox),
                             (GDestroyNotify) bd_message_inbox_unref);
      g_source_set_name (inbox->flush_source, inbox->source_name);
      g_source_attach (inbox->flush_source, inbox->context);
    }
  g_mutex_unlock (&inbox->lock);
  return TRUE;
}

static void
clear_locked (BdMessageInbox *inbox)
{
  if (inbox->flush_source != NULL)
    {
      g_source_destroy (inbox->flush_source);
      g_clear_pointer (&inbox->flush_source, g_source_unref);
    }
  g_ptr_array_set_size (inbox->pending, 0);
}

void
bd_message_inbox_clear (BdMessageInbox *inbox)
{
  g_mutex_lock (&inbox->lock);
  clear_locked (inbox);
  g_mutex_unlock (&inbox->lock);
}

void
bd_message_inbox_close (BdMessageInbox *inbox)
{
  g_mutex_lock (&inbox->lock);
  inbox->owner = NULL;
  clear_locked (inbox);
  g_mutex_unlock (&inbox->lock);
}

guint
bd_message_inbox_get_dropped (BdMessageInbox *inbox)
{
  guint dropped;

  g_mutex_lock (&inbox->lock);
  dropped = inbox->dropped;
  g_mutex_unlock (&inbox->lock);
  return dropped;
}

void
bd_message_inbox_tap (BdMessage *message,
                      gpointer   user_data)
{
  bd_message_inbox_push (user_data, message, NULL);
}
