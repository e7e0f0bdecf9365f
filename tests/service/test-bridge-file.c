/* test-bridge-file.c — a bridge's block replaced in a configuration file
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The Broker page writes a bridge into the file the broker and --headless
 * read: only that bridge's lines may change.
 */

#include "config.h"

#include <string.h>

#include "bd-bridge-file.h"
#include "bd-config.h"
#include "bd-security.h"
#include "bd-test-util.h"

#define WAIT_MS 10000

/* The file up to the cloud bridge's block. */
#define BEFORE_CLOUD                                                          \
  "# the plant's broker\n"                                                    \
  "listener 1883 127.0.0.1\n"                                                 \
  "\n"                                                                        \
  "connection site\n"                                                         \
  "address site.example:1883\n"                                               \
  "# what goes up\n"                                                          \
  "topic plant/# out 1\n"                                                     \
  "persistence true\n"                                                        \
  "remote_username plant\n"                                                   \
  "\n"

static const char *mosquitto_conf =
  BEFORE_CLOUD
  "connection cloud\n"
  "address cloud.example:8883\n"
  "topic cmd/# in 1\n"
  "log_type all\n";

/* Editing keeps every line that is not the bridge's, in place, comments
 * and other directives inside the block included. */
static void
test_replace (void)
{
  g_autofree char *text = NULL;

  text = bd_bridge_file_replace (mosquitto_conf, "site",
                                 "connection site\naddress 10.0.0.2:1884\ntopic plant/# both 2\n");
  g_assert_cmpstr (text, ==,
                   "# the plant's broker\n"
                   "listener 1883 127.0.0.1\n"
                   "\n"
                   "connection site\n"
                   "address 10.0.0.2:1884\n"
                   "topic plant/# both 2\n"
                   "# what goes up\n"
                   "persistence true\n"
                   "\n"
                   "connection cloud\n"
                   "address cloud.example:8883\n"
                   "topic cmd/# in 1\n"
                   "log_type all\n");
}

/* A new bridge goes at the end, after a blank line; removing one leaves the
 * rest as it was. */
static void
test_add_remove (void)
{
  g_autofree char *added = NULL;
  g_autofree char *removed = NULL;
  g_autofree char *empty = NULL;

  added = bd_bridge_file_replace (mosquitto_conf, "edge",
                                  "connection edge\naddress 127.0.0.1:1885\ntopic a/# out 0\n");
  g_assert_true (g_str_has_prefix (added, mosquitto_conf));
  g_assert_cmpstr (added + strlen (mosquitto_conf), ==,
                   "\nconnection edge\naddress 127.0.0.1:1885\ntopic a/# out 0\n");

  removed = bd_bridge_file_replace (mosquitto_conf, "cloud", NULL);
  /* The cloud block goes; the global directive after it stays. */
  g_assert_cmpstr (removed, ==, BEFORE_CLOUD "log_type all\n");

  empty = bd_bridge_file_replace ("", "edge", "connection edge\n");
  g_assert_cmpstr (empty, ==, "connection edge\n");
}

/* What bd_bridge_config_to_text () writes replaces the block and reads
 * back as the same bridge. */
static void
test_round_trip (void)
{
  g_autoptr(BdBrokerConfig) config = bd_broker_config_new ();
  g_autoptr(BdBrokerConfig) again = bd_broker_config_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *block = NULL;
  g_autofree char *text = NULL;
  g_autofree char *block_again = NULL;
  BdBridgeConfig *site;

  g_assert_true (bd_broker_config_parse (config, "mosquitto.conf", mosquitto_conf, &error));
  g_assert_no_error (error);
  site = g_ptr_array_index (config->bridges, 0);
  g_free (site->remote_clientid);
  site->remote_clientid = g_strdup ("plant-7");
  block = bd_bridge_config_to_text (site);
  text = bd_bridge_file_replace (mosquitto_conf, "site", block);
  g_assert_true (bd_broker_config_parse (again, "mosquitto.conf", text, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (again->bridges->len, ==, 2);
  block_again = bd_bridge_config_to_text (g_ptr_array_index (again->bridges, 0));
  g_assert_cmpstr (block_again, ==, block);
  g_assert_true (again->persistence);
}

/* The saver refuses a file the broker would stop on, and writes nothing. */
static void
test_save (void)
{
  g_autoptr(BdTestTmpdir) dir = bd_test_tmpdir_new ("bridge-file");
  g_autofree char *path = g_build_filename (dir, "mosquitto.conf", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) refused = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (path, mosquitto_conf, -1, NULL));
  bd_bridge_file_save_async (path, "edge", "connection edge\naddress 127.0.0.1:1885\n",
                             NULL, bd_test_result_cb, &refused);
  bd_test_wait_result (&refused, WAIT_MS, "the refused save");
  g_assert_false (bd_bridge_file_save_finish (refused, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "no topic"));
  g_clear_error (&error);
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, mosquitto_conf);
  g_clear_pointer (&contents, g_free);

  /* Not in the file (an included one, say): nothing to remove here. */
  g_clear_object (&refused);
  bd_bridge_file_save_async (path, "elsewhere", NULL, NULL, bd_test_result_cb, &refused);
  bd_test_wait_result (&refused, WAIT_MS, "the refused removal");
  g_assert_false (bd_bridge_file_save_finish (refused, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_clear_error (&error);

  bd_bridge_file_save_async (path, "cloud", NULL, NULL, bd_test_result_cb, &result);
  bd_test_wait_result (&result, WAIT_MS, "the save");
  g_assert_true (bd_bridge_file_save_finish (result, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_null (strstr (contents, "cloud"));
  g_assert_nonnull (strstr (contents, "connection site\n"));
}

/* The blocks a whole-file writer keeps. */
static void
test_blocks (void)
{
  g_autofree char *blocks = bd_bridge_file_dup_blocks (mosquitto_conf);

  g_assert_cmpstr (blocks, ==,
                   "connection site\n"
                   "address site.example:1883\n"
                   "topic plant/# out 1\n"
                   "remote_username plant\n"
                   "\n"
                   "connection cloud\n"
                   "address cloud.example:8883\n"
                   "topic cmd/# in 1\n");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/service/bridge-file/replace", test_replace);
  g_test_add_func ("/service/bridge-file/add-remove", test_add_remove);
  g_test_add_func ("/service/bridge-file/round-trip", test_round_trip);
  g_test_add_func ("/service/bridge-file/save", test_save);
  g_test_add_func ("/service/bridge-file/blocks", test_blocks);

  return g_test_run ();
}
