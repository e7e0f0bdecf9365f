/* gui-test-service.h — a service for GUI tests that need one
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "bd-service.h"

/* A BdService on 127.0.0.1 port 0 keeping its data in @data_dir, without
 * operations (alarms, relays): for pages that take labels and units from
 * its overview. Stop it with bd_service_stop () before dropping it. */
static inline BdService *
gui_test_service_new (const char *data_dir)
{
  BdOptions options = BD_OPTIONS_INIT;
  g_autoptr(GError) error = NULL;
  BdService *service;

  options.port = 0;
  options.bind_address = g_strdup ("127.0.0.1");
  options.data_dir = g_strdup (data_dir);
  service = bd_service_start (&options, FALSE, &error);
  g_assert_no_error (error);
  bd_options_clear (&options);
  return service;
}
