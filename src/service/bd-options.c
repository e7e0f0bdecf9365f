/* bd-options.c — the command line: options, their values, their checks
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gio/gio.h>
#include <glib/gi18n.h>

#include "bd-options.h"

void
bd_options_clear (BdOptions *options)
{
  g_clear_pointer (&options->bind_address, g_free);
  g_clear_pointer (&options->config_file, g_free);
  g_clear_pointer (&options->data_dir, g_free);
  g_clear_pointer (&options->export_format, g_free);
  g_clear_pointer (&options->export_topic, g_free);
  g_clear_pointer (&options->export_from, g_free);
  g_clear_pointer (&options->export_to, g_free);
}

void
bd_options_copy (BdOptions       *dest,
                 const BdOptions *src)
{
  *dest = *src;
  dest->bind_address = g_strdup (src->bind_address);
  dest->config_file = g_strdup (src->config_file);
  dest->data_dir = g_strdup (src->data_dir);
  dest->export_format = g_strdup (src->export_format);
  dest->export_topic = g_strdup (src->export_topic);
  dest->export_from = g_strdup (src->export_from);
  dest->export_to = g_strdup (src->export_to);
}

char *
bd_options_dup_data_dir (const BdOptions *options)
{
  if (options->data_dir != NULL)
    return g_strdup (options->data_dir);
  return g_build_filename (g_get_user_data_dir (), "brokerdesk", NULL);
}

static gboolean
parse_port (const char *value,
            int        *port,
            GError    **error)
{
  guint64 n = 0;

  if (!g_ascii_string_to_unsigned (value, 10, 0, 65535, &n, NULL))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--port: “%s” is not a port number (0–65535)"), value);
      return FALSE;
    }
  *port = (int) n;
  return TRUE;
}

static gboolean
parse_bind (const char *value,
            GError    **error)
{
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string (value);

  /* A host name would need a DNS lookup at start-up; a listener wants an address. */
  if (address == NULL && g_strcmp0 (value, "localhost") != 0)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--bind: “%s” is not an IPv4 or IPv6 address"), value);
      return FALSE;
    }
  return TRUE;
}

gboolean
bd_options_parse (BdOptions   *options,
                  int         *argc,
                  char      ***argv,
                  GError     **error)
{
  g_autofree char *port = NULL;
  gboolean demo = FALSE;
  gboolean no_demo = FALSE;
  g_autoptr(GOptionContext) context = NULL;
  const GOptionEntry entries[] = {
    { "headless", 0, 0, G_OPTION_ARG_NONE, &options->headless,
      N_("Run the broker, recorder, alarms and relays without a window, until SIGINT or SIGTERM"), NULL },
    { "background", 0, 0, G_OPTION_ARG_NONE, &options->background,
      N_("Start the broker without opening the window (as at login); opening Brokerdesk again shows it"), NULL },
    { "port", 'p', 0, G_OPTION_ARG_STRING, &port,
      N_("Port of the default listener (default 1883)"), N_("PORT") },
    { "bind", 'b', 0, G_OPTION_ARG_STRING, &options->bind_address,
      N_("Address of the default listener (default 127.0.0.1)"), N_("ADDRESS") },
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &options->config_file,
      N_("Read broker settings from a mosquitto.conf-style FILE"), N_("FILE") },
    { "data-dir", 'd', 0, G_OPTION_ARG_FILENAME, &options->data_dir,
      N_("Keep history and broker state in DIR (default $XDG_DATA_HOME/brokerdesk)"), N_("DIR") },
    { "demo", 0, 0, G_OPTION_ARG_NONE, &demo,
      N_("Start the demo plant simulator"), NULL },
    { "no-demo", 0, 0, G_OPTION_ARG_NONE, &no_demo,
      N_("Do not start the demo plant simulator, even on first run"), NULL },
    { "export", 0, 0, G_OPTION_ARG_STRING, &options->export_format,
      N_("Write recorded history to standard output as csv or json, then exit"), N_("FORMAT") },
    { "topic", 0, 0, G_OPTION_ARG_STRING, &options->export_topic,
      N_("With --export: the topic filter to export (default #)"), N_("FILTER") },
    { "from", 0, 0, G_OPTION_ARG_STRING, &options->export_from,
      N_("With --export: start time, ISO 8601 or relative such as -2h"), N_("TIME") },
    { "to", 0, 0, G_OPTION_ARG_STRING, &options->export_to,
      N_("With --export: end time, ISO 8601 or relative such as -10m"), N_("TIME") },
    { "version", 0, 0, G_OPTION_ARG_NONE, &options->version,
      N_("Print the version and exit"), NULL },
    { NULL }
  };

  g_return_val_if_fail (options != NULL, FALSE);
  g_return_val_if_fail (argc != NULL && argv != NULL, FALSE);

  context = g_option_context_new (NULL);
  g_option_context_set_summary (context, _("An MQTT broker and operator console in one window."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  /* GTK's own options (--display ...) are not offered: the window is opened by
   * GApplication later, and GDK reads DISPLAY / WAYLAND_DISPLAY itself. */
  if (!g_option_context_parse (context, argc, argv, error))
    return FALSE;

  if (*argc > 1)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                   _("unexpected argument “%s”"), (*argv)[1]);
      return FALSE;
    }

  /* --version answers whatever else the command line holds. */
  if (options->version)
    return TRUE;

  if (port != NULL && !parse_port (port, &options->port, error))
    return FALSE;
  if (options->bind_address != NULL && !parse_bind (options->bind_address, error))
    return FALSE;
  if (demo && no_demo)
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                           _("--demo and --no-demo cannot be used together"));
      return FALSE;
    }
  options->demo = demo ? BD_DEMO_ON : no_demo ? BD_DEMO_OFF : BD_DEMO_DEFAULT;
  return TRUE;
}
