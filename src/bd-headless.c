/* bd-headless.c — running without a window
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>

#include "bd-headless.h"

static gboolean
on_quit_signal_cb (gpointer user_data)
{
  GMainLoop *loop = user_data;

  g_message ("Received a termination signal, shutting down");
  g_main_loop_quit (loop);
  return G_SOURCE_CONTINUE;
}

int
bd_headless_run (const BdOptions *options)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  guint sigint_id;
  guint sigterm_id;

  sigint_id = g_unix_signal_add (SIGINT, on_quit_signal_cb, loop);
  sigterm_id = g_unix_signal_add (SIGTERM, on_quit_signal_cb, loop);
  g_main_loop_run (loop);
  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);
  return 0;
}

int
bd_headless_export (const BdOptions *options)
{
  g_printerr (_("brokerdesk: --export: no history recorder in this build\n"));
  return 1;
}
