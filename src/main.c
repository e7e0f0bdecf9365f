/* main.c — parses the command line and runs the GUI, --headless or --export
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <stdlib.h>

#include "bd-headless.h"
#include "bd-log.h"
#include "bd-options.h"
#if HAVE_GUI
# include "gui/bd-application.h"
#endif

/* Exit status for a command line we cannot use (as sysexits' EX_USAGE is 64,
 * but 2 is what getopt-style tools and the shell builtins use). */
#define EXIT_USAGE 2

static int
run_gui (const BdOptions *options,
         const char      *argv0)
{
#if HAVE_GUI
  g_autoptr(BdApplication) app = NULL;
  g_autoptr(GError) error = NULL;
  char *app_argv[] = { (char *) argv0, NULL };

  if (!bd_application_check_settings_schema (&error))
    {
      g_printerr ("brokerdesk: %s\n", error->message);
      return EXIT_FAILURE;
    }
  /* The broker's log, as --headless writes it, whatever the window shows. */
  bd_log_install_writer ();
  app = bd_application_new (options);
  return g_application_run (G_APPLICATION (app), 1, app_argv);
#else
  return bd_headless_run (options);
#endif
}

int
main (int   argc,
      char *argv[])
{
  BdOptions options = BD_OPTIONS_INIT;
  g_autoptr(GError) error = NULL;
  int status;

  setlocale (LC_ALL, "");
  /* BROKERDESK_LOCALEDIR: catalogues of an uninstalled build (tests and
   * `meson devenv` point it at <build>/po). */
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("BROKERDESK_LOCALEDIR") != NULL
                                   ? g_getenv ("BROKERDESK_LOCALEDIR") : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  if (!bd_options_parse (&options, &argc, &argv, &error))
    {
      g_printerr ("brokerdesk: %s\n", error->message);
      bd_options_clear (&options);
      return EXIT_USAGE;
    }

  if (options.version)
    {
      g_print ("%s %s\n", PACKAGE_NAME, PACKAGE_VERSION);
      status = EXIT_SUCCESS;
    }
  else if (options.export_format != NULL)
    status = bd_headless_export (&options);
  else if (options.headless)
    status = bd_headless_run (&options);
  else
    status = run_gui (&options, argv[0]);

  bd_options_clear (&options);
  return status;
}
