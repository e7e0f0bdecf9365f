/* remote-test-util.c — waiting on the main context in the remote-client tests
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "remote-test-util.h"

static gboolean
deadline_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

void
wait_until (CondFunc    cond,
            gpointer    data,
            guint       ms,
            const char *what)
{
  gboolean expired = FALSE;
  GSource *source = g_timeout_source_new (ms);

  g_source_set_callback (source, deadline_cb, &expired, NULL);
  g_source_attach (source, g_main_context_get_thread_default ());
  while (!cond (data) && !expired)
    g_main_context_iteration (g_main_context_get_thread_default (), TRUE);
  g_source_destroy (source);
  g_source_unref (source);
  if (!cond (data))
    g_error ("timed out waiting for %s", what);
}
