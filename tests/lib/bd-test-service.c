/* bd-test-service.c — the whole stack in the test's process
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "bd-test-service.h"

BdService *
bd_test_service_start (const char *data_dir)
{
  BdOptions options = BD_OPTIONS_INIT;
  g_autoptr(GError) error = NULL;
  BdService *service;

  options.port = 0;
  options.bind_address = g_strdup ("127.0.0.1");
  options.data_dir = g_strdup (data_dir);
  service = bd_service_start (&options, FALSE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (service);
  bd_options_clear (&options);
  return service;
}
