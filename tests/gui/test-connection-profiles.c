/* test-connection-profiles.c — saved connection profiles, without widgets
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The session bus is pointed at nothing, so libsecret fails the way it does
 * on a machine without a keyring: passwords must then live in memory only,
 * and never in the key file.
 */

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "bd-connection-profiles.h"
#include "bd-test-util.h"

typedef struct
{
  BdTestTmpdir *dir;
  char         *path;
} Fixture;

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  fixture->dir = bd_test_tmpdir_new ("profiles");
  /* A folder that does not exist yet: save() must create it. */
  fixture->path = g_build_filename (fixture->dir, "brokerdesk", "connections.ini", NULL);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  g_free (fixture->path);
  bd_test_tmpdir_free (fixture->dir);
}

static void
count_cb (guint *count)
{
  (*count)++;
}

/* Bounded: libsecret fails fast without a bus; the deadline is a guard. */
#define wait_result(slot) bd_test_wait_result ((slot), 10000, #slot)

static void
test_round_trip (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BdConnectionProfiles) profiles = bd_connection_profiles_new (fixture->path);
  g_autoptr(BdConnectionProfiles) loaded = bd_connection_profiles_new (fixture->path);
  g_autoptr(BdConnectionProfile) plant = bd_connection_profile_new ();
  g_autoptr(BdConnectionProfile) lab = bd_connection_profile_new ();
  const BdConnectionProfile *got;
  guint changed = 0;

  /* No file yet: no profiles, not an error. */
  g_assert_true (bd_connection_profiles_load (profiles, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (bd_connection_profiles_get_n_profiles (profiles), ==, 0);
  g_assert_null (bd_connection_profiles_get_auto_connect (profiles));

  g_signal_connect_swapped (profiles, "changed", G_CALLBACK (count_cb), &changed);

  g_free (plant->name);
  plant->name = g_strdup ("Plant");
  g_free (plant->host);
  plant->host = g_strdup ("broker.plant.example");
  plant->port = 8883;
  plant->use_tls = TRUE;
  plant->ca_file = g_strdup ("/etc/plant/ca.pem");
  plant->cert_file = g_strdup ("/etc/plant/console.pem");
  plant->key_file = g_strdup ("/etc/plant/console.key");
  plant->username = g_strdup ("operator");
  plant->client_id = g_strdup ("console-1");
  plant->version = BD_MQTT_V5;
  plant->clean_session = FALSE;
  plant->auto_connect = TRUE;
  plant->use_websockets = TRUE;
  plant->websocket_path = g_strdup ("/ws");
  bd_connection_profiles_put (profiles, plant);

  g_free (lab->name);
  lab->name = g_strdup ("Lab");
  bd_connection_profiles_put (profiles, lab);
  g_assert_cmpuint (changed, ==, 2);

  /* Sorted by name. */
  g_assert_cmpuint (bd_connection_profiles_get_n_profiles (profiles), ==, 2);
  g_assert_cmpstr (bd_connection_profiles_get_nth (profiles, 0)->name, ==, "Lab");
  g_assert_cmpstr (bd_connection_profiles_get_nth (profiles, 1)->name, ==, "Plant");

  g_assert_true (bd_connection_profiles_save (profiles, &error));
  g_assert_no_error (error);

  g_assert_true (bd_connection_profiles_load (loaded, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (bd_connection_profiles_get_n_profiles (loaded), ==, 2);
  got = bd_connection_profiles_lookup (loaded, plant->id);
  g_assert_nonnull (got);
  g_assert_cmpstr (got->name, ==, "Plant");
  g_assert_cmpstr (got->host, ==, "broker.plant.example");
  g_assert_cmpuint (got->port, ==, 8883);
  g_assert_true (got->use_tls);
  g_assert_cmpstr (got->ca_file, ==, "/etc/plant/ca.pem");
  g_assert_cmpstr (got->cert_file, ==, "/etc/plant/console.pem");
  g_assert_cmpstr (got->key_file, ==, "/etc/plant/console.key");
  g_assert_cmpstr (got->username, ==, "operator");
  g_assert_cmpstr (got->client_id, ==, "console-1");
  g_assert_cmpint (got->version, ==, BD_MQTT_V5);
  g_assert_false (got->clean_session);
  g_assert_true (got->auto_connect);
  g_assert_true (got->use_websockets);
  g_assert_cmpstr (got->websocket_path, ==, "/ws");
  g_assert_true (bd_connection_profiles_get_auto_connect (loaded) == got);

  got = bd_connection_profiles_lookup (loaded, lab->id);
  g_assert_cmpstr (got->host, ==, "localhost");
  g_assert_cmpuint (got->port, ==, 0);
  g_assert_false (got->use_tls);
  g_assert_null (got->username);
  g_assert_cmpint (got->version, ==, BD_MQTT_V311);
  g_assert_true (got->clean_session);
  g_assert_false (got->auto_connect);
  g_assert_false (got->use_websockets);

  /* Auto-connect belongs to one profile at a time. */
  lab->auto_connect = TRUE;
  bd_connection_profiles_put (loaded, lab);
  g_assert_cmpstr (bd_connection_profiles_get_auto_connect (loaded)->id, ==, lab->id);
  g_assert_false (bd_connection_profiles_lookup (loaded, plant->id)->auto_connect);

  /* Rename keeps the id. */
  g_free (lab->name);
  lab->name = g_strdup ("A lab");
  bd_connection_profiles_put (loaded, lab);
  g_assert_cmpuint (bd_connection_profiles_get_n_profiles (loaded), ==, 2);
  g_assert_cmpstr (bd_connection_profiles_get_nth (loaded, 0)->id, ==, lab->id);

  g_assert_true (bd_connection_profiles_remove (loaded, plant->id));
  g_assert_false (bd_connection_profiles_remove (loaded, plant->id));
  g_assert_true (bd_connection_profiles_save (loaded, &error));
  g_assert_true (bd_connection_profiles_load (profiles, &error));
  g_assert_cmpuint (bd_connection_profiles_get_n_profiles (profiles), ==, 1);
  g_assert_cmpstr (bd_connection_profiles_get_nth (profiles, 0)->name, ==, "A lab");
}

static void
test_password_without_keyring (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BdConnectionProfiles) profiles = bd_connection_profiles_new (fixture->path);
  g_autoptr(BdConnectionProfile) profile = bd_connection_profile_new ();
  g_autoptr(GAsyncResult) stored = NULL;
  g_autoptr(GAsyncResult) found = NULL;
  g_autoptr(GAsyncResult) cleared = NULL;
  g_autoptr(GAsyncResult) missing = NULL;
  g_autofree char *password = NULL;
  g_autofree char *none = NULL;
  g_autofree char *contents = NULL;

  g_free (profile->name);
  profile->name = g_strdup ("Secret plant");
  profile->username = g_strdup ("operator");
  bd_connection_profiles_put (profiles, profile);
  g_assert_true (bd_connection_profiles_get_keyring_available (profiles));

  bd_connection_profiles_store_password_async (profiles, profile->id, "hunter2-very-secret",
                                               NULL, bd_test_result_cb, &stored);
  g_assert_true (bd_connection_profiles_store_password_finish (profiles, wait_result (&stored),
                                                               &error));
  g_assert_no_error (error);
  /* No Secret Service: the UI must be able to say "this session only". */
  g_assert_false (bd_connection_profiles_get_keyring_available (profiles));

  bd_connection_profiles_lookup_password_async (profiles, profile->id, NULL, bd_test_result_cb,
                                                &found);
  password = bd_connection_profiles_lookup_password_finish (profiles, wait_result (&found),
                                                            &error);
  g_assert_no_error (error);
  g_assert_cmpstr (password, ==, "hunter2-very-secret");

  g_assert_true (bd_connection_profiles_save (profiles, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (fixture->path, &contents, NULL, &error));
  g_assert_nonnull (strstr (contents, "operator"));
  g_assert_null (strstr (contents, "hunter2"));

  /* An empty password forgets it. */
  bd_connection_profiles_store_password_async (profiles, profile->id, "", NULL, bd_test_result_cb,
                                               &cleared);
  g_assert_true (bd_connection_profiles_store_password_finish (profiles, wait_result (&cleared),
                                                               &error));
  bd_connection_profiles_lookup_password_async (profiles, profile->id, NULL, bd_test_result_cb,
                                                &missing);
  none = bd_connection_profiles_lookup_password_finish (profiles, wait_result (&missing), &error);
  g_assert_no_error (error);
  g_assert_null (none);
}

static void
test_to_config (void)
{
  g_autoptr(BdConnectionProfile) profile = bd_connection_profile_new ();
  g_autoptr(BdRemoteConfig) config = NULL;

  profile->port = 1884;
  profile->ca_file = g_strdup ("/ca.pem");
  profile->username = g_strdup ("");
  profile->client_id = g_strdup ("");
  profile->version = BD_MQTT_V5;
  profile->clean_session = FALSE;

  /* TLS off: its files are kept in the profile but not used. */
  config = bd_connection_profile_to_config (profile, "pw");
  g_assert_cmpstr (config->host, ==, "localhost");
  g_assert_cmpuint (config->port, ==, 1884);
  g_assert_false (config->use_tls);
  g_assert_null (config->ca_file);
  g_assert_null (config->username);
  g_assert_null (config->client_id);
  g_assert_cmpstr (config->password, ==, "pw");
  g_assert_cmpint (config->version, ==, BD_MQTT_V5);
  g_assert_false (config->clean_session);
  g_clear_pointer (&config, bd_remote_config_free);

  profile->use_tls = TRUE;
  config = bd_connection_profile_to_config (profile, NULL);
  g_assert_true (config->use_tls);
  g_assert_cmpstr (config->ca_file, ==, "/ca.pem");
  g_assert_null (config->password);
  g_assert_false (config->use_websockets);
  g_clear_pointer (&config, bd_remote_config_free);

  /* WebSocket (wss here, with TLS on): an empty path is the default. */
  profile->use_websockets = TRUE;
  profile->websocket_path = g_strdup ("");
  config = bd_connection_profile_to_config (profile, NULL);
  g_assert_true (config->use_websockets);
  g_assert_null (config->websocket_path);
  g_clear_pointer (&config, bd_remote_config_free);
  g_free (profile->websocket_path);
  profile->websocket_path = g_strdup ("/mqtt/ws");
  config = bd_connection_profile_to_config (profile, NULL);
  g_assert_cmpstr (config->websocket_path, ==, "/mqtt/ws");
}

/* The GTK thread's way: the file is read and written on a worker, and the
 * results land on the main context. */
static void
test_async (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BdConnectionProfiles) profiles = bd_connection_profiles_new (fixture->path);
  g_autoptr(BdConnectionProfiles) loaded = bd_connection_profiles_new (fixture->path);
  g_autoptr(BdConnectionProfile) plant = bd_connection_profile_new ();
  g_autoptr(GAsyncResult) saved = NULL;
  g_autoptr(GAsyncResult) read = NULL;
  guint changed = 0;

  g_free (plant->name);
  plant->name = g_strdup ("Plant");
  plant->auto_connect = TRUE;
  bd_connection_profiles_put (profiles, plant);

  bd_connection_profiles_save_async (profiles, NULL, bd_test_result_cb, &saved);
  /* Later edits do not reach the write already under way. */
  bd_connection_profiles_remove (profiles, plant->id);
  g_assert_true (bd_connection_profiles_save_finish (profiles, wait_result (&saved), &error));
  g_assert_no_error (error);

  g_signal_connect_swapped (loaded, "changed", G_CALLBACK (count_cb), &changed);
  bd_connection_profiles_load_async (loaded, NULL, bd_test_result_cb, &read);
  g_assert_cmpuint (changed, ==, 0);
  g_assert_true (bd_connection_profiles_load_finish (loaded, wait_result (&read), &error));
  g_assert_no_error (error);
  g_assert_cmpuint (changed, ==, 1);
  g_assert_cmpuint (bd_connection_profiles_get_n_profiles (loaded), ==, 1);
  g_assert_cmpstr (bd_connection_profiles_get_nth (loaded, 0)->name, ==, "Plant");
  g_assert_true (bd_connection_profiles_get_auto_connect (loaded) != NULL);
}

int
main (int   argc,
      char *argv[])
{
  /* Like a machine without a keyring daemon (see the file comment). */
  g_setenv ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus", TRUE);
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/gui/profiles/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("round-trip", test_round_trip);
  ADD ("password-without-keyring", test_password_without_keyring);
  ADD ("async", test_async);
#undef ADD
  g_test_add_func ("/gui/profiles/to-config", test_to_config);
  return g_test_run ();
}
