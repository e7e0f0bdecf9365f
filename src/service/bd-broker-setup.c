/* bd-broker-setup.c — from command-line options to a configured engine
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bd-broker-setup.h"
#include "bd-security.h"

/* The users and permissions made in the window's Security page, once it has
 * written them: the same files for the window and --headless. */
static void
use_own_security_files (BdBrokerConfig *config)
{
  g_autofree char *passwords = bd_security_default_password_path ();
  g_autofree char *acl = bd_security_default_acl_path ();

  if (g_file_test (passwords, G_FILE_TEST_IS_REGULAR))
    config->password_file = g_steal_pointer (&passwords);
  if (g_file_test (acl, G_FILE_TEST_IS_REGULAR))
    config->acl_file = g_steal_pointer (&acl);
}

BdEngine *
bd_broker_setup (const BdOptions *options,
                 GError         **error)
{
  g_autoptr(BdBrokerConfig) config = bd_broker_config_new ();
  g_autofree char *data_dir = bd_options_dup_data_dir (options);
  BdListenerConfig *first;
  BdEngine *engine;

  if (options->config_file != NULL)
    {
      if (!bd_broker_config_load (config, options->config_file, error))
        return NULL;
    }
  else
    {
      g_autofree char *own = bd_security_default_config_path ();

      /* Without a mosquitto.conf, Brokerdesk's own defaults: the broker state
       * is kept in the data directory, so that a crash loses little, saved
       * every minute rather than Mosquitto's half hour. */
      config->persistence = TRUE;
      config->autosave_interval = 60;
      /* Then what the window's Security page keeps (anonymous access, the
       * listeners), in Mosquitto's format: the window and --headless start
       * from the same file. */
      if (g_file_test (own, G_FILE_TEST_IS_REGULAR) &&
          !bd_broker_config_load (config, own, error))
        return NULL;
      use_own_security_files (config);
    }
  bd_broker_config_finish (config);

  /* --port and --bind override the default (first) network listener. */
  first = NULL;
  for (guint i = 0; i < config->listeners->len && first == NULL; i++)
    if (((BdListenerConfig *) g_ptr_array_index (config->listeners, i))->unix_path == NULL)
      first = g_ptr_array_index (config->listeners, i);
  if (first == NULL && (options->port >= 0 || options->bind_address != NULL))
    g_warning ("--port and --bind are ignored: the configuration has Unix socket listeners only");
  if (first != NULL && options->port >= 0)
    first->port = options->port;
  if (first != NULL && options->bind_address != NULL)
    {
      g_free (first->bind_address);
      first->bind_address = g_strdup (options->bind_address);
    }

  for (guint i = 0; i < config->listeners->len; i++)
    {
      BdListenerConfig *listener = g_ptr_array_index (config->listeners, i);

      if (config->allow_anonymous && listener->unix_path == NULL &&
          !bd_security_address_is_loopback (listener->bind_address))
        g_warning ("Anonymous clients may connect to port %u from other machines "
                   "(allow_anonymous is true on a listener beyond loopback)", listener->port);
    }

  if (g_mkdir_with_parents (data_dir, 0700) < 0)
    {
      int saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   _("Cannot create the data directory %s: %s"), data_dir, g_strerror (saved));
      return NULL;
    }

  engine = bd_engine_new (g_steal_pointer (&config));
  bd_engine_set_data_dir (engine, data_dir);
  return engine;
}
