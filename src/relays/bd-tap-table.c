/* bd-tap-table.c — engine taps kept in step with a set of topics
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "bd-tap-table.h"

GStrv
bd_tap_table_sync (GHashTable     *taps,
                   BdEngine       *engine,
                   GHashTable     *wanted,
                   BdMessageInbox *inbox)
{
  g_autoptr(GPtrArray) added = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  gpointer key;
  gpointer value;

  g_hash_table_iter_init (&iter, taps);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (!g_hash_table_contains (wanted, key))
      {
        bd_engine_remove_tap (engine, GPOINTER_TO_UINT (value));
        g_hash_table_iter_remove (&iter);
      }

  g_hash_table_iter_init (&iter, wanted);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (!g_hash_table_contains (taps, key))
      {
        guint id = bd_engine_add_tap (engine, key, bd_message_inbox_tap, bd_message_inbox_ref (inbox),
                                      (GDestroyNotify) bd_message_inbox_unref);

        g_hash_table_insert (taps, g_strdup (key), GUINT_TO_POINTER (id));
        g_ptr_array_add (added, g_strdup (key));
      }

  if (added->len == 0)
    return NULL;
  g_ptr_array_add (added, NULL);
  return (GStrv) g_ptr_array_free (g_steal_pointer (&added), FALSE);
}

/* On the feeding thread: @data is the immutable set of wanted topics. */
static gboolean
accept_wanted (BdMessage *message,
               gpointer   data,
               gpointer   push_data)
{
  return g_hash_table_contains (data, message->topic);
}

GStrv
bd_tap_table_follow (GHashTable     *taps,
                     BdEngine       *engine,
                     GHashTable     *wanted,
                     BdMessageInbox *inbox)
{
  bd_message_inbox_set_accept (inbox, accept_wanted, g_hash_table_ref (wanted),
                               (GDestroyNotify) g_hash_table_unref);
  if (engine == NULL)
    return NULL;
  return bd_tap_table_sync (taps, engine, wanted, inbox);
}

void
bd_tap_table_clear (GHashTable *taps,
                    BdEngine   *engine)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, taps);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    bd_engine_remove_tap (engine, GPOINTER_TO_UINT (value));
  g_hash_table_remove_all (taps);
}
