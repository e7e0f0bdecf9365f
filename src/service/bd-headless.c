/* bd-headless.c — running without a window
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gio/gunixoutputstream.h>
#include <glib-unix.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <unistd.h>

#include "bd-auth-reload.h"
#include "bd-broker-setup.h"
#include "bd-service.h"
#include "bd-headless.h"
#include "bd-log.h"
#include "bd-export.h"

static gboolean
on_quit_signal_cb (gpointer user_data)
{
  GMainLoop *loop = user_data;

  g_message ("Received a termination signal, shutting down");
  g_main_loop_quit (loop);
  return G_SOURCE_CONTINUE;
}

static void
on_auth_reloaded_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  int disconnected = bd_engine_reload_auth_finish (result, &error);

  if (disconnected < 0)
    g_warning ("The password and ACL files were not reloaded, the previous ones stay: %s",
               error->message);
  else
    g_message ("Reloaded the password and ACL files (%d client%s disconnected)",
               disconnected, disconnected == 1 ? "" : "s");
}

/* SIGHUP reads the password and ACL files again, as Mosquitto does, so that
 * users can be added or removed without dropping the clients still allowed;
 * and the TLS listeners' certificates, so a renewed one is used without a
 * restart. */
static gboolean
on_reload_signal_cb (gpointer user_data)
{
  BdService *service = *(BdService **) user_data;

  /* Dispatched by the main loop, which runs once the service started. */
  if (service == NULL)
    return G_SOURCE_CONTINUE;
  g_message ("Received SIGHUP, reloading the password, ACL and certificate files");
  bd_engine_reload_auth_async (bd_service_get_engine (service), NULL, on_auth_reloaded_cb, NULL);
  return G_SOURCE_CONTINUE;
}

int
bd_headless_run (const BdOptions *options)
{
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(BdService) service = NULL;
  g_autoptr(GError) error = NULL;
  guint sigint_id;
  guint sigterm_id;
  guint sighup_id;

  bd_log_install_writer ();

  /* Signals first, so a SIGTERM that arrives while starting is not lost. */
  loop = g_main_loop_new (NULL, FALSE);
  sigint_id = g_unix_signal_add (SIGINT, on_quit_signal_cb, loop);
  sigterm_id = g_unix_signal_add (SIGTERM, on_quit_signal_cb, loop);
  /* SIGHUP too: its default action ends the process, and a reload asked
   * for just as the broker says it listens must not stop it. */
  sighup_id = g_unix_signal_add (SIGHUP, on_reload_signal_cb, &service);

  service = bd_service_start (options, FALSE, &error);
  if (service == NULL)
    {
      g_printerr ("brokerdesk: %s\n", error->message);
      g_source_remove (sigint_id);
      g_source_remove (sigterm_id);
      g_source_remove (sighup_id);
      return 1;
    }
  bd_service_watch (service);
  /* Headless runs are servers: the demo plant only when asked for. */
  bd_service_set_demo (service, options->demo == BD_DEMO_ON);
  /* Without a desktop the log is the alarm notifier. */
  bd_service_start_operations (service, options->demo == BD_DEMO_ON, TRUE);

  g_main_loop_run (loop);

  g_source_remove (sighup_id);
  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);
  bd_service_stop (service);
  g_message ("Stopped");
  return 0;
}

int
bd_headless_export (const BdOptions *options)
{
  g_autoptr(GOutputStream) output = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *data_dir = NULL;
  g_autoptr(GHashTable) series = NULL;
  BdExportOptions export = {
    .filter = options->export_topic != NULL ? options->export_topic : "#",
    .from_ms = G_MININT64,
    .to_ms = G_MAXINT64,
  };
  gint64 now_ms = g_get_real_time () / 1000;

  /* A command line we cannot use is exit status 2, like the other options;
   * a history we cannot read is 1. */
  if (!bd_export_parse_format (options->export_format, &export.format, &error) ||
      !bd_export_check_filter (export.filter, &error))
    {
      g_printerr ("brokerdesk: --export: %s\n", error->message);
      return 2;
    }
  if (options->export_from != NULL &&
      !bd_export_parse_time (options->export_from, now_ms, &export.from_ms, &error))
    {
      g_printerr ("brokerdesk: --from: %s\n", error->message);
      return 2;
    }
  if (options->export_to != NULL &&
      !bd_export_parse_time (options->export_to, now_ms, &export.to_ms, &error))
    {
      g_printerr ("brokerdesk: --to: %s\n", error->message);
      return 2;
    }

  /* Labels and units as the operator set them on the Overview. */
  {
    g_autofree char *path = bd_overview_config_dup_default_path ();
    g_autoptr(BdOverviewConfig) overview = bd_overview_config_load_file (path, &error);

    if (overview == NULL && !g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
      /* Translators: a warning of `brokerdesk --export`, with the reason */
      g_printerr (_("brokerdesk: --export: without labels and units: %s\n"), error->message);
    g_clear_error (&error);
    series = bd_overview_config_dup_export_series (overview);
    export.series = series;
  }

  data_dir = bd_options_dup_data_dir (options);
  output = g_unix_output_stream_new (STDOUT_FILENO, FALSE);
  if (!bd_export_write (data_dir, &export, output, NULL, NULL, &error))
    {
      g_printerr ("brokerdesk: %s\n", error->message);
      return 1;
    }
  return 0;
}
