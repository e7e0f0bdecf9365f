/* test-config-port.c — the first listener's port, one line of the shared file
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The window's Preferences write the broker's port and address ("Listen on
 * All Interfaces") into the configuration file --headless reads: only that
 * line may change, and the broker must then listen there, whoever starts
 * it.
 */

#include "config.h"

#include <glib/gstdio.h>

#include "bd-bridge-file.h"
#include "bd-broker-setup.h"
#include "bd-config.h"
#include "bd-security.h"
#include "bd-test-util.h"

#define WAIT_MS 10000

/* The broker's view of @text: its first listener. */
static void
assert_first_listener (const char *text,
                       guint16     port,
                       const char *bind_address,
                       gboolean    allow_anonymous)
{
  g_autoptr(BdBrokerConfig) config = bd_broker_config_new ();
  g_autoptr(GError) error = NULL;
  BdListenerConfig *first;

  bd_broker_config_parse (config, "test.conf", text, &error);
  g_assert_no_error (error);
  bd_broker_config_finish (config);
  first = g_ptr_array_index (config->listeners, 0);
  g_assert_cmpuint (first->port, ==, port);
  g_assert_cmpstr (first->bind_address, ==, bind_address);
  g_assert_cmpint (first->allow_anonymous, ==, allow_anonymous);
}

static char *
set_listener (const char           *text,
              guint16               port,
              BdSecurityInterfaces  interfaces)
{
  g_autoptr(GError) error = NULL;
  char *result = bd_security_config_set_port ("test.conf", text, port, interfaces, &error);

  g_assert_no_error (error);
  g_assert_nonnull (result);
  return result;
}

static char *
set_port (const char *text,
          guint16     port)
{
  return set_listener (text, port, BD_SECURITY_INTERFACES_KEEP);
}

/* The first 'listener' line changes, its address kept; the others, the
 * comments and the bridges stay. */
static void
test_listener_line (void)
{
  static const char *before =
    "# mine\n"
    "allow_anonymous true\n"
    "listener 1883 127.0.0.1\n"
    "max_connections 10\n"
    "\n"
    "listener 8883\n"
    "protocol websockets\n"
    "\n"
    "connection site\n"
    "address site.example:1883\n"
    "topic plant/# out 1\n";
  g_autofree char *text = set_port (before, 1884);
  g_autoptr(GString) expected = g_string_new (before);

  g_string_replace (expected, "listener 1883 127.0.0.1\n", "listener 1884 127.0.0.1\n", 1);
  g_assert_cmpstr (text, ==, expected->str);
  assert_first_listener (text, 1884, "127.0.0.1", TRUE);
}

/* Mosquitto's 'port' makes the default listener, which starts first. */
static void
test_port_line (void)
{
  g_autofree char *text = set_port ("listener 8883 127.0.0.1\n"
                                    "port 1883\n"
                                    "allow_anonymous true\n", 1999);

  g_assert_cmpstr (text, ==,
                   "listener 8883 127.0.0.1\n"
                   "port 1999\n"
                   "allow_anonymous true\n");
  assert_first_listener (text, 1999, NULL, TRUE);
}

/* Without a listener, one on loopback (as the broker had), before the
 * bridges, and anonymous clients still let in as they were. */
static void
test_no_listener (void)
{
  g_autofree char *bridged = set_port ("# bridges only\n"
                                       "connection site\n"
                                       "address site.example:1883\n"
                                       "topic plant/# out 1\n", 1884);
  g_autofree char *closed = set_port ("allow_anonymous false\n", 1885);
  g_autofree char *empty = set_port ("", 1886);
  guint16 port = 0;
  gboolean configured = TRUE;
  g_autoptr(GError) error = NULL;

  g_assert_cmpstr (bridged, ==,
                   "allow_anonymous true\n"
                   "# bridges only\n"
                   "listener 1884 127.0.0.1\n"
                   "\n"
                   "connection site\n"
                   "address site.example:1883\n"
                   "topic plant/# out 1\n");
  assert_first_listener (bridged, 1884, "127.0.0.1", TRUE);
  g_assert_cmpstr (closed, ==, "allow_anonymous false\n\nlistener 1885 127.0.0.1\n");
  assert_first_listener (closed, 1885, "127.0.0.1", FALSE);
  assert_first_listener (empty, 1886, "127.0.0.1", TRUE);

  g_assert_true (bd_security_config_read_port ("test.conf", "allow_anonymous true\n",
                                               &port, NULL, NULL, &configured, &error));
  g_assert_no_error (error);
  g_assert_false (configured);
  g_assert_cmpuint (port, ==, 1883);
  g_assert_true (bd_security_config_read_port ("test.conf", empty, &port, NULL, NULL, &configured,
                                               &error));
  g_assert_true (configured);
  g_assert_cmpuint (port, ==, 1886);
}

static gboolean
reads_all_interfaces (const char *text)
{
  g_autoptr(GError) error = NULL;
  guint16 port;
  gboolean all_interfaces = FALSE;
  gboolean configured;

  g_assert_true (bd_security_config_read_port ("test.conf", text, &port, &all_interfaces, NULL,
                                               &configured, &error));
  g_assert_no_error (error);
  return all_interfaces;
}

/* Every interface is a 'listener' line without an address, as Mosquitto
 * means it; this computer only is 127.0.0.1. The port and the other
 * listeners stay. */
static void
test_interfaces_listener_line (void)
{
  static const char *before =
    "allow_anonymous true\n"
    "listener 1884 127.0.0.1\n"
    "\n"
    "listener 8883 127.0.0.1\n";
  g_autofree char *all = set_listener (before, 0, BD_SECURITY_INTERFACES_ALL);
  g_autofree char *back = set_listener (all, 0, BD_SECURITY_INTERFACES_LOOPBACK);
  g_autofree char *again = set_listener (back, 0, BD_SECURITY_INTERFACES_LOOPBACK);
  g_autofree char *lan = set_listener ("listener 1883 192.0.2.7\n", 0,
                                       BD_SECURITY_INTERFACES_ALL);

  g_assert_cmpstr (all, ==,
                   "allow_anonymous true\n"
                   "listener 1884\n"
                   "\n"
                   "listener 8883 127.0.0.1\n");
  assert_first_listener (all, 1884, NULL, TRUE);
  g_assert_true (reads_all_interfaces (all));
  g_assert_cmpstr (back, ==, before);
  g_assert_false (reads_all_interfaces (back));
  g_assert_cmpstr (again, ==, before);
  /* An address of this machine beyond loopback is more than this
   * computer already: kept. */
  g_assert_cmpstr (lan, ==, "listener 1883 192.0.2.7\n");
  g_assert_true (reads_all_interfaces (lan));
  g_assert_false (reads_all_interfaces (""));
}

/* Mosquitto's default listener takes every interface until a
 * 'bind_address' line says otherwise. */
static void
test_interfaces_port_line (void)
{
  static const char *before = "port 1883\nallow_anonymous true\n";
  g_autofree char *loopback = set_listener (before, 0, BD_SECURITY_INTERFACES_LOOPBACK);
  g_autofree char *all = set_listener (loopback, 1999, BD_SECURITY_INTERFACES_ALL);
  g_autofree char *bound = set_listener ("bind_address 127.0.0.1\nmax_connections 5\n", 0,
                                         BD_SECURITY_INTERFACES_ALL);

  g_assert_cmpstr (loopback, ==, "port 1883\nbind_address 127.0.0.1\nallow_anonymous true\n");
  assert_first_listener (loopback, 1883, "127.0.0.1", TRUE);
  g_assert_cmpstr (all, ==, "port 1999\nallow_anonymous true\n");
  assert_first_listener (all, 1999, NULL, TRUE);
  g_assert_cmpstr (bound, ==, "port 1883\nmax_connections 5\n");
  assert_first_listener (bound, 1883, NULL, FALSE);
}

/* Without a listener, every interface is a new 'listener 1883' line, with
 * anonymous access as it was. */
static void
test_interfaces_no_listener (void)
{
  g_autofree char *closed = set_listener ("allow_anonymous false\n", 0,
                                          BD_SECURITY_INTERFACES_ALL);
  g_autofree char *kept = set_listener ("allow_anonymous false\n", 0,
                                        BD_SECURITY_INTERFACES_KEEP);

  g_assert_cmpstr (closed, ==, "allow_anonymous false\n\nlistener 1883\n");
  assert_first_listener (closed, 1883, NULL, FALSE);
  g_assert_cmpstr (kept, ==, "allow_anonymous false\n\nlistener 1883 127.0.0.1\n");
}

/* A first listener from an included file is not this file's to change. */
static void
test_included (void)
{
  g_autoptr(BdTestTmpdir) dir = bd_test_tmpdir_new ("config-port");
  g_autofree char *included = g_build_filename (dir, "listeners.conf", NULL);
  g_autofree char *text = NULL;
  g_autofree char *result = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (included, "listener 1883 127.0.0.1\n", -1, NULL));
  text = g_strdup_printf ("include_dir %s\nlistener 8883 127.0.0.1\n", dir);
  result = bd_security_config_set_port ("test.conf", text, 1884, BD_SECURITY_INTERFACES_KEEP,
                                        &error);
  g_assert_null (result);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  g_clear_error (&error);
  g_assert_true (g_file_set_contents (included, "bind_address 127.0.0.1\n", -1, NULL));
  g_clear_pointer (&text, g_free);
  text = g_strdup_printf ("port 1883\ninclude_dir %s\n", dir);
  result = bd_security_config_set_port ("test.conf", text, 0, BD_SECURITY_INTERFACES_ALL,
                                        &error);
  g_assert_null (result);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
}

static void
write_own (const char *text)
{
  g_autofree char *path = bd_security_default_config_path ();
  g_autofree char *dir = g_path_get_dirname (path);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
}

static char *
read_own (void)
{
  g_autofree char *path = bd_security_default_config_path ();
  char *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  return text;
}

/* The first listener's port --headless's set-up gives, and its address in
 * *@address (may be NULL). */
static guint16
setup_listener (const BdOptions  *options,
                char            **address)
{
  g_autoptr(GError) error = NULL;
  BdEngine *engine = bd_broker_setup (options, &error);
  const BdListenerConfig *first;
  guint16 port;

  g_assert_no_error (error);
  first = g_ptr_array_index (bd_engine_get_config (engine)->listeners, 0);
  port = first->port;
  if (address != NULL)
    *address = g_strdup (first->bind_address);
  bd_engine_unref (engine);
  return port;
}

static guint16
setup_port (const BdOptions *options)
{
  return setup_listener (options, NULL);
}

/* What the Preferences save is what --headless's set-up uses; --port
 * still wins. */
static void
test_own_file (void)
{
  BdOptions options = BD_OPTIONS_INIT;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  guint16 port = 0;

  write_own ("allow_anonymous true\nlistener 1999 127.0.0.1\n");
  g_assert_cmpuint (setup_port (&options), ==, 1999);

  bd_security_save_own_port_async (2001, BD_SECURITY_INTERFACES_KEEP, NULL, bd_test_result_cb,
                                   &result);
  bd_test_wait_result (&result, WAIT_MS, "the port to be saved");
  g_assert_true (bd_security_save_own_port_finish (result, &error));
  g_assert_no_error (error);
  text = read_own ();
  g_assert_cmpstr (text, ==, "allow_anonymous true\nlistener 2001 127.0.0.1\n");
  g_assert_cmpuint (setup_port (&options), ==, 2001);
  g_clear_object (&result);
  bd_security_load_own_port_async (NULL, bd_test_result_cb, &result);
  bd_test_wait_result (&result, WAIT_MS, "the port to be read");
  g_assert_true (bd_security_load_own_port_finish (result, &port, NULL, NULL, &error));
  g_assert_cmpuint (port, ==, 2001);

  options.port = 2002;
  g_assert_cmpuint (setup_port (&options), ==, 2002);
}

/* "Listen on All Interfaces" saved is what --headless's set-up uses;
 * --bind still wins. */
static void
test_own_file_interfaces (void)
{
  BdOptions options = BD_OPTIONS_INIT;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *address = NULL;
  g_autofree char *bound = NULL;
  guint16 port = 0;
  gboolean all_interfaces = FALSE;

  write_own ("allow_anonymous false\nlistener 1999 127.0.0.1\n");
  bd_security_save_own_port_async (1999, BD_SECURITY_INTERFACES_ALL, NULL, bd_test_result_cb,
                                   &result);
  bd_test_wait_result (&result, WAIT_MS, "the listener to be saved");
  g_assert_true (bd_security_save_own_port_finish (result, &error));
  g_assert_no_error (error);
  text = read_own ();
  g_assert_cmpstr (text, ==, "allow_anonymous false\nlistener 1999\n");
  g_assert_cmpuint (setup_listener (&options, &address), ==, 1999);
  g_assert_null (address);
  g_clear_object (&result);
  bd_security_load_own_port_async (NULL, bd_test_result_cb, &result);
  bd_test_wait_result (&result, WAIT_MS, "the listener to be read");
  g_assert_true (bd_security_load_own_port_finish (result, &port, &all_interfaces, NULL, &error));
  g_assert_cmpuint (port, ==, 1999);
  g_assert_true (all_interfaces);

  options.bind_address = g_strdup ("127.0.0.1");
  setup_listener (&options, &bound);
  g_assert_cmpstr (bound, ==, "127.0.0.1");
  bd_options_clear (&options);
}

/* An old preference (@port, 0: none; @interfaces) goes into a file
 * without a listener only, as @carried. */
static void
assert_carried_once (guint16               port,
                     BdSecurityInterfaces  interfaces,
                     const char           *carried)
{
  static const char *configured = "allow_anonymous true\nlistener 1999 127.0.0.1\n";
  g_autoptr(GError) error = NULL;
  g_autofree char *kept = NULL;
  g_autofree char *text = NULL;
  gboolean written = TRUE;

  write_own (configured);
  g_assert_true (bd_security_write_own_port (port, interfaces, TRUE, &written, &error));
  g_assert_no_error (error);
  g_assert_false (written);
  kept = read_own ();
  g_assert_cmpstr (kept, ==, configured);

  write_own ("allow_anonymous false\n");
  g_assert_true (bd_security_write_own_port (port, interfaces, TRUE, &written, &error));
  g_assert_true (written);
  text = read_own ();
  g_assert_cmpstr (text, ==, carried);
}

/* broker-port, broker-listen-all, and both. */
static void
test_carry_once (void)
{
  assert_carried_once (1884, BD_SECURITY_INTERFACES_KEEP,
                       "allow_anonymous false\n\nlistener 1884 127.0.0.1\n");
  assert_carried_once (0, BD_SECURITY_INTERFACES_ALL, "allow_anonymous false\n\nlistener 1883\n");
  assert_carried_once (1884, BD_SECURITY_INTERFACES_ALL,
                       "allow_anonymous false\n\nlistener 1884\n");
}

/* The Security page writes the own file whole, from what it read when it
 * opened: the port the Preferences wrote since then stays. */
static void
test_security_keeps_port (void)
{
  g_autoptr(BdSecurity) security = g_new0 (BdSecurity, 1);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  security->config_is_own = TRUE;
  security->config_path = bd_security_default_config_path ();
  security->allow_anonymous = FALSE;
  security->users = g_ptr_array_new_with_free_func (g_free);
  security->rules = g_ptr_array_new ();
  security->listeners = g_ptr_array_new_with_free_func ((GDestroyNotify) bd_security_listener_free);
  g_ptr_array_add (security->listeners,
                   bd_security_listener_new (BD_LISTENER_MQTT, 1883, "127.0.0.1", NULL, NULL));
  write_own ("allow_anonymous true\nlistener 2003 127.0.0.1\n");

  bd_security_save_config_async (security, NULL, bd_test_result_cb, &result);
  bd_test_wait_result (&result, WAIT_MS, "the configuration to be saved");
  g_assert_true (bd_security_save_config_finish (result, &error));
  g_assert_no_error (error);
  text = read_own ();
  assert_first_listener (text, 2003, "127.0.0.1", FALSE);

  /* And every interface, as the Preferences wrote it. */
  write_own ("allow_anonymous true\nlistener 2004\n");
  g_clear_object (&result);
  bd_security_save_config_async (security, NULL, bd_test_result_cb, &result);
  bd_test_wait_result (&result, WAIT_MS, "the configuration to be saved");
  g_assert_true (bd_security_save_config_finish (result, &error));
  g_clear_pointer (&text, g_free);
  text = read_own ();
  assert_first_listener (text, 2004, NULL, FALSE);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(BdTestTmpdir) home = bd_test_tmpdir_new ("config-port-home");
  g_autofree char *config = g_build_filename (home, "config", NULL);
  g_autofree char *data = g_build_filename (home, "data", NULL);
  int status;

  /* Before anything asks GLib for the folders. */
  g_setenv ("XDG_CONFIG_HOME", config, TRUE);
  g_setenv ("XDG_DATA_HOME", data, TRUE);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/service/config-port/listener-line", test_listener_line);
  g_test_add_func ("/service/config-port/port-line", test_port_line);
  g_test_add_func ("/service/config-port/no-listener", test_no_listener);
  g_test_add_func ("/service/config-port/interfaces-listener-line",
                   test_interfaces_listener_line);
  g_test_add_func ("/service/config-port/interfaces-port-line", test_interfaces_port_line);
  g_test_add_func ("/service/config-port/interfaces-no-listener", test_interfaces_no_listener);
  g_test_add_func ("/service/config-port/included", test_included);
  g_test_add_func ("/service/config-port/own-file", test_own_file);
  g_test_add_func ("/service/config-port/own-file-interfaces", test_own_file_interfaces);
  g_test_add_func ("/service/config-port/carry-once", test_carry_once);
  g_test_add_func ("/service/config-port/security-keeps-port", test_security_keeps_port);
  status = g_test_run ();
  return status;
}
