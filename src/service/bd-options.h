/* bd-options.h — the parsed command line, shared by the GUI and --headless
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  BD_DEMO_DEFAULT, /* first run only (GUI); never in --headless */
  BD_DEMO_ON,
  BD_DEMO_OFF,
} BdDemoMode;

typedef struct
{
  gboolean   headless;
  gboolean   background;   /* --background: the broker without a window (GUI) */
  gboolean   version;      /* --version: print it and exit */
  int        port;         /* -1 = not given */
  char      *bind_address; /* NULL = not given */
  char      *config_file;
  char      *data_dir;     /* NULL = $XDG_DATA_HOME/brokerdesk */
  BdDemoMode demo;
  /* history export (see bd-export.h) */
  char      *export_format;
  char      *export_topic;
  char      *export_from;
  char      *export_to;
} BdOptions;

/* The options of nothing given: port -1, demo BD_DEMO_DEFAULT. */
#define BD_OPTIONS_INIT { .port = -1, .demo = BD_DEMO_DEFAULT }

/* Parses the command line into @options (initialized with BD_OPTIONS_INIT).
 * --help prints the help and exits the process, as GOption does. A command
 * line that cannot be used (an unknown option, a bad value, a stray
 * argument) fails with a one-line G_OPTION_ERROR message that names the
 * option; the caller prints it and exits with status 2. */
gboolean bd_options_parse        (BdOptions       *options,
                                  int             *argc,
                                  char          ***argv,
                                  GError         **error);
void     bd_options_clear        (BdOptions       *options);
/* A deep copy into @dest (not cleared first). */
void     bd_options_copy         (BdOptions       *dest,
                                  const BdOptions *src);
/* The data directory, with the default applied. */
char    *bd_options_dup_data_dir (const BdOptions *options);

G_END_DECLS
