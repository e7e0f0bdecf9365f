/* test-message-inbox.c — the hand-over of messages to an owner's context
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "bd-message-inbox.h"
#include "bd-test-util.h"

typedef struct
{
  GPtrArray *seen;     /* topics, in delivery order */
  guint      batches;
} Owner;

static void
flush (gpointer   owner,
       GPtrArray *messages)
{
  Owner *o = owner;

  o->batches++;
  for (guint i = 0; i < messages->len; i++)
    g_ptr_array_add (o->seen, g_strdup (bd_message_get_topic (g_ptr_array_index (messages, i))));
}

static BdMessage *
message (const char *topic)
{
  return bd_message_new (topic, NULL, 0, FALSE, NULL);
}

static gpointer
push_thread (gpointer data)
{
  for (guint i = 0; i < 1000; i++)
    {
      g_autofree char *topic = g_strdup_printf ("t/%u", i);
      g_autoptr(BdMessage) m = message (topic);

      bd_message_inbox_push (data, m, NULL);
    }
  return NULL;
}

/* Pushed from another thread, delivered on the owner's context, in order,
 * in batches rather than one call per message. */
static void
test_other_thread (void)
{
  Owner o = { g_ptr_array_new_with_free_func (g_free), 0 };
  g_autoptr(BdMessageInbox) inbox = bd_message_inbox_new (NULL, 0, 0, "test", flush, &o);
  GThread *thread = g_thread_new ("pusher", push_thread, inbox);

  g_thread_join (thread);
  BD_TEST_WAIT_UNTIL (o.seen->len >= 1000, 5000);
  g_assert_cmpuint (o.seen->len, ==, 1000);
  for (guint i = 0; i < 1000; i++)
    {
      g_autofree char *topic = g_strdup_printf ("t/%u", i);

      g_assert_cmpstr (g_ptr_array_index (o.seen, i), ==, topic);
    }
  g_assert_cmpuint (o.batches, <, 1000);
  bd_message_inbox_close (inbox);
  g_ptr_array_unref (o.seen);
}

static gboolean
accept_prefix (BdMessage *m,
               gpointer   data,
               gpointer   push_data)
{
  return g_str_has_prefix (bd_message_get_topic (m), data) &&
         (push_data == NULL || g_str_equal (push_data, "yes"));
}

/* The filter runs at push time and can be replaced; a full inbox drops,
 * counts and logs once; a closed one delivers nothing. */
static void
test_accept_drop_close (void)
{
  Owner o = { g_ptr_array_new_with_free_func (g_free), 0 };
  g_autoptr(BdMessageInbox) inbox = bd_message_inbox_new (NULL, 0, 3, "test owner", flush, &o);
  g_autoptr(BdMessage) a = message ("a/1");
  g_autoptr(BdMessage) b = message ("b/1");

  bd_message_inbox_set_accept (inbox, accept_prefix, g_strdup ("a/"), g_free);
  g_assert_true (bd_message_inbox_push (inbox, a, NULL));
  g_assert_false (bd_message_inbox_push (inbox, b, NULL));
  g_assert_false (bd_message_inbox_push (inbox, a, "no"));
  g_assert_true (bd_message_inbox_push (inbox, a, "yes"));
  bd_message_inbox_set_accept (inbox, NULL, NULL, NULL);
  g_assert_true (bd_message_inbox_push (inbox, b, NULL));

  g_test_expect_message ("Brokerdesk-Engine", G_LOG_LEVEL_WARNING,
                         "The test owner is behind by 3 messages*");
  g_assert_false (bd_message_inbox_push (inbox, b, NULL));
  g_assert_false (bd_message_inbox_push (inbox, b, NULL));
  g_test_assert_expected_messages ();
  g_assert_cmpuint (bd_message_inbox_get_dropped (inbox), ==, 2);

  BD_TEST_WAIT_UNTIL (o.seen->len >= 3, 5000);
  g_assert_cmpuint (o.seen->len, ==, 3);
  g_assert_cmpstr (g_ptr_array_index (o.seen, 2), ==, "b/1");

  /* Queued, then closed before the flush: never delivered. */
  g_assert_true (bd_message_inbox_push (inbox, a, NULL));
  bd_message_inbox_close (inbox);
  g_assert_false (bd_message_inbox_push (inbox, a, NULL));
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (o.seen->len, ==, 3);
  g_ptr_array_unref (o.seen);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/message-inbox/other-thread", test_other_thread);
  g_test_add_func ("/engine/message-inbox/accept-drop-close", test_accept_drop_close);
  return g_test_run ();
}
