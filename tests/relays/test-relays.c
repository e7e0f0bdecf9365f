/* test-relays.c — relays.ini and the relay controller against a real engine
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Devices: the demo plant's simulated relays (answer after ~300 ms), a
 * device that never answers, the test itself publishing a contradicting or
 * external state, and mosquitto_sub checking what goes on the wire.
 */

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "bd-demo-plant.h"
#include "bd-relay-controller.h"
#include "bd-test-util.h"
#include "test-client.h"

/* ------------------------------------------------------------ helpers */

static gboolean
relay_not_pending (gpointer data)
{
  return !bd_relay_get_pending (data);
}

static gboolean
relay_is_on (gpointer data)
{
  return bd_relay_get_state (data) == BD_RELAY_STATE_ON;
}

static gboolean
relay_is_off (gpointer data)
{
  return bd_relay_get_state (data) == BD_RELAY_STATE_OFF;
}

static gboolean
all_known (gpointer data)
{
  GListModel *model = data;

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(BdRelay) relay = g_list_model_get_item (model, i);

      if (bd_relay_get_state (relay) == BD_RELAY_STATE_UNKNOWN)
        return FALSE;
    }
  return TRUE;
}

static BdRelayOutcome
log_outcome (BdRelayController *controller,
             guint              index)
{
  g_autoptr(BdRelayLogEntry) entry = g_list_model_get_item (bd_relay_controller_get_log (controller), index);

  g_assert_nonnull (entry);
  return bd_relay_log_entry_get_outcome (entry);
}

typedef struct
{
  guint            failed;
  BdRelayOutcome   outcome;
  GPtrArray       *logged;   /* BdRelayLogEntry */
} Events;

static void
command_failed_cb (BdRelayController *controller,
                   BdRelay           *relay,
                   BdRelayLogEntry   *entry,
                   Events            *events)
{
  events->failed++;
  events->outcome = bd_relay_log_entry_get_outcome (entry);
}

static void
command_logged_cb (BdRelayController *controller,
                   BdRelayLogEntry   *entry,
                   Events            *events)
{
  g_ptr_array_add (events->logged, g_object_ref (entry));
}

static gboolean
events_failed (gpointer data)
{
  return ((Events *) data)->failed > 0;
}

static BdRelayController *
controller_for (BdEngine *engine,
                Events   *events)
{
  BdRelayController *controller = bd_relay_controller_new ();

  events->logged = g_ptr_array_new_with_free_func (g_object_unref);
  g_signal_connect (controller, "command-failed", G_CALLBACK (command_failed_cb), events);
  g_signal_connect (controller, "command-logged", G_CALLBACK (command_logged_cb), events);
  bd_relay_controller_attach (controller, engine);
  return controller;
}

static void
publish_text (BdEngine   *engine,
              const char *topic,
              const char *text,
              gboolean    retain)
{
  g_autoptr(GBytes) payload = g_bytes_new (text, strlen (text));
  g_autoptr(BdMessage) message = bd_message_new (topic, payload, 0, retain, NULL);

  bd_engine_publish (engine, message);
}

/* ------------------------------------------------------------ relays.ini */

static void
test_ini_round_trip (void)
{
  g_autoptr(GPtrArray) relays = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) loaded = NULL;
  g_auto(GStrv) warnings = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *data = NULL;
  BdRelay *relay = bd_relay_new ("pump-1", "Pump 1 / 펌프", "plant/pump/1/cmd", "plant/pump/1/status");
  BdRelay *copy;

  bd_relay_set_on_payload (relay, " start ");
  bd_relay_set_off_payload (relay, "stop");
  bd_relay_set_state_on (relay, "running");
  bd_relay_set_state_off (relay, "stopped");
  bd_relay_set_qos (relay, 2);
  bd_relay_set_retain_command (relay, TRUE);
  bd_relay_set_timeout (relay, 1500);
  g_ptr_array_add (relays, relay);
  g_ptr_array_add (relays, bd_relay_new ("lamp", "Lamp", "home/lamp/set", "home/lamp/state"));

  data = bd_relays_to_data (relays, NULL);
  loaded = bd_relays_load_from_data (data, -1, "relays.ini", &warnings, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (warnings), ==, 0);
  g_assert_cmpuint (loaded->len, ==, 2);

  copy = g_ptr_array_index (loaded, 0);
  g_assert_cmpstr (bd_relay_get_id (copy), ==, "pump-1");
  g_assert_cmpstr (bd_relay_get_name (copy), ==, "Pump 1 / 펌프");
  g_assert_cmpstr (bd_relay_get_command_topic (copy), ==, "plant/pump/1/cmd");
  g_assert_cmpstr (bd_relay_get_state_topic (copy), ==, "plant/pump/1/status");
  g_assert_cmpstr (bd_relay_get_on_payload (copy), ==, " start ");
  g_assert_cmpstr (bd_relay_get_off_payload (copy), ==, "stop");
  g_assert_cmpstr (bd_relay_get_state_on (copy), ==, "running");
  g_assert_cmpstr (bd_relay_get_state_off (copy), ==, "stopped");
  g_assert_cmpuint (bd_relay_get_qos (copy), ==, 2);
  g_assert_true (bd_relay_get_retain_command (copy));
  g_assert_cmpuint (bd_relay_get_timeout (copy), ==, 1500);

  copy = g_ptr_array_index (loaded, 1);
  g_assert_cmpstr (bd_relay_get_on_payload (copy), ==, "ON");
  g_assert_null (bd_relay_get_state_on (copy));
  g_assert_cmpuint (bd_relay_get_qos (copy), ==, 1);
  g_assert_false (bd_relay_get_retain_command (copy));
  g_assert_cmpuint (bd_relay_get_timeout (copy), ==, BD_RELAY_DEFAULT_TIMEOUT_MS);
}

static void
test_ini_broken (void)
{
  static const char data[] =
    "[good-1]\n"
    "command-topic=a/set\n"
    "state-topic=a/state\n"
    "[bad-qos]\n"
    "command-topic=b/set\n"
    "state-topic=b/state\n"
    "qos=3\n"
    "[bad-topic]\n"
    "command-topic=c/set\n"
    "state-topic=c/+/state\n"
    "[bad-timeout]\n"
    "command-topic=d/set\n"
    "state-topic=d/state\n"
    "timeout=soon\n"
    "[good-2]\n"
    "name=Second\n"
    "command-topic=e/set\n"
    "state-topic=e/state\n";
  g_autoptr(GPtrArray) loaded = NULL;
  g_auto(GStrv) warnings = NULL;
  g_autoptr(GError) error = NULL;

  loaded = bd_relays_load_from_data (data, -1, "relays.ini", &warnings, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (loaded->len, ==, 2);
  g_assert_cmpstr (bd_relay_get_id (g_ptr_array_index (loaded, 0)), ==, "good-1");
  g_assert_cmpstr (bd_relay_get_name (g_ptr_array_index (loaded, 0)), ==, "good-1");
  g_assert_cmpstr (bd_relay_get_name (g_ptr_array_index (loaded, 1)), ==, "Second");

  g_assert_cmpuint (g_strv_length (warnings), ==, 3);
  /* Each names the file, the group and the key. */
  g_assert_nonnull (strstr (warnings[0], "relays.ini"));
  g_assert_nonnull (strstr (warnings[0], "[bad-qos]"));
  g_assert_nonnull (strstr (warnings[0], "qos"));
  g_assert_nonnull (strstr (warnings[0], "3"));
  g_assert_nonnull (strstr (warnings[1], "[bad-topic]"));
  g_assert_nonnull (strstr (warnings[1], "state-topic"));
  g_assert_nonnull (strstr (warnings[2], "[bad-timeout]"));
  g_assert_nonnull (strstr (warnings[2], "timeout"));
  g_assert_nonnull (strstr (warnings[2], "soon"));

  /* A file that is not a key file at all is one error naming the file. */
  g_clear_pointer (&loaded, g_ptr_array_unref);
  loaded = bd_relays_load_from_data ("this is not\n[an ini", -1, "relays.ini", NULL, &error);
  g_assert_null (loaded);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "relays.ini"));
}

static void
load_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) warnings = NULL;

  g_assert_true (bd_relay_controller_load_finish (BD_RELAY_CONTROLLER (object), result, &warnings, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (warnings), ==, 0);
  *(gboolean *) user_data = TRUE;
}

static void
save_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (bd_relay_controller_save_finish (BD_RELAY_CONTROLLER (object), result, &error));
  g_assert_no_error (error);
  *(gboolean *) user_data = TRUE;
}

static gboolean
flag_set (gpointer data)
{
  return *(gboolean *) data;
}

static void
test_ini_async (void)
{
  g_autofree char *dir = g_dir_make_tmp ("relays-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "sub", "relays.ini", NULL);
  g_autofree char *missing = g_build_filename (dir, "missing.ini", NULL);
  g_autoptr(BdRelayController) controller = bd_relay_controller_new ();
  g_autoptr(BdRelayController) again = bd_relay_controller_new ();
  g_autoptr(GPtrArray) demo = bd_relays_new_demo ();
  g_autoptr(GPtrArray) none = NULL;
  g_auto(GStrv) warnings = NULL;
  g_autoptr(GError) error = NULL;
  gboolean done = FALSE;

  /* No file yet: an empty list, not an error. */
  none = bd_relays_load (missing, &warnings, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (none->len, ==, 0);

  bd_relay_controller_set_relays (controller, demo);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (controller)), ==, 6);
  bd_relay_controller_save_async (controller, path, NULL, save_done_cb, &done);
  bd_test_wait_until (flag_set, &done, 5000, "saving relays.ini");

  done = FALSE;
  bd_relay_controller_load_async (again, path, NULL, load_done_cb, &done);
  bd_test_wait_until (flag_set, &done, 5000, "loading relays.ini");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (again)), ==, 6);
  g_assert_nonnull (bd_relay_controller_lookup (again, "packaging-heater"));

  g_assert_cmpint (g_remove (path), ==, 0);
  g_clear_pointer (&path, g_free);
  path = g_build_filename (dir, "sub", NULL);
  g_assert_cmpint (g_rmdir (path), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

static void
test_validate (void)
{
  g_autoptr(BdRelay) relay = bd_relay_new ("r", "R", "a/set", "a/state");
  g_autoptr(GError) error = NULL;

  g_assert_true (bd_relay_validate (relay, &error));
  g_assert_no_error (error);

  g_assert_false (bd_relay_validate_topic ("a/#", &error));
  g_assert_error (error, BD_RELAY_ERROR, BD_RELAY_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (bd_relay_validate_topic ("a/+/b", &error));
  g_clear_error (&error);
  g_assert_false (bd_relay_validate_topic ("", &error));
  g_clear_error (&error);

  bd_relay_set_state_topic (relay, "a/set");
  g_assert_false (bd_relay_validate (relay, &error));
  g_clear_error (&error);
  bd_relay_set_state_topic (relay, "a/+");
  g_assert_false (bd_relay_validate (relay, &error));
  g_assert_nonnull (strstr (error->message, "State topic"));
  g_clear_error (&error);
  bd_relay_set_state_topic (relay, "a/state");
  bd_relay_set_off_payload (relay, "ON");
  g_assert_false (bd_relay_validate (relay, &error));
  g_clear_error (&error);
  bd_relay_set_off_payload (relay, "");
  g_assert_false (bd_relay_validate (relay, &error));
  g_clear_error (&error);
}

static void
test_parse_state (void)
{
  g_autoptr(BdRelay) relay = bd_relay_new ("r", "R", "a/set", "a/state");
#define PARSE(s) bd_relay_parse_state (relay, (const guint8 *) (s), strlen (s))

  g_assert_cmpint (PARSE ("ON"), ==, BD_RELAY_STATE_ON);
  g_assert_cmpint (PARSE ("off"), ==, BD_RELAY_STATE_OFF);
  g_assert_cmpint (PARSE (" True\n"), ==, BD_RELAY_STATE_ON);
  g_assert_cmpint (PARSE ("0"), ==, BD_RELAY_STATE_OFF);
  g_assert_cmpint (PARSE ("maybe"), ==, BD_RELAY_STATE_UNKNOWN);
  g_assert_cmpint (PARSE (""), ==, BD_RELAY_STATE_UNKNOWN);

  /* An active-low board: the configured words win over the usual ones. */
  bd_relay_set_state_on (relay, "0");
  bd_relay_set_state_off (relay, "1");
  g_assert_cmpint (PARSE ("0"), ==, BD_RELAY_STATE_ON);
  g_assert_cmpint (PARSE ("1"), ==, BD_RELAY_STATE_OFF);
#undef PARSE
}

static void
test_unique_id (void)
{
  g_autoptr(BdRelayController) controller = bd_relay_controller_new ();
  g_autoptr(BdRelay) relay = bd_relay_new ("fan-hall-2", "x", "a/set", "a/state");
  g_autofree char *id1 = NULL;
  g_autofree char *id2 = NULL;
  g_autofree char *id3 = NULL;

  g_assert_true (bd_relay_controller_add (controller, relay, NULL));
  id1 = bd_relay_controller_dup_unique_id (controller, "Fan, hall 1");
  id2 = bd_relay_controller_dup_unique_id (controller, "Fan, hall 2");
  id3 = bd_relay_controller_dup_unique_id (controller, "  ,, ");
  g_assert_cmpstr (id1, ==, "fan-hall-1");
  g_assert_cmpstr (id2, ==, "fan-hall-2-2");
  g_assert_cmpstr (id3, ==, "relay");
}

/* ------------------------------------------------------- with an engine */

/* The demo plant's device: command → pending → confirmed, both ways. */
static void
test_confirmed (void)
{
  g_autoptr(BdEngine) engine = test_engine_start ("sys_interval 0");
  g_autoptr(BdDemoPlant) plant = bd_demo_plant_new (engine, 1);
  g_autoptr(GPtrArray) demo = bd_relays_new_demo ();
  Events events = { 0 };
  g_autoptr(BdRelayController) controller = NULL;
  g_autoptr(GError) error = NULL;
  BdRelay *fan;

  bd_demo_plant_start (plant);
  controller = controller_for (engine, &events);
  bd_relay_controller_set_relays (controller, demo);
  /* The initial states are retained: the controller reads them on attach
   * or sees them live, whichever comes first. */
  bd_test_wait_until (all_known, controller, 5000, "all known");

  fan = bd_relay_controller_lookup (controller, "manufacture-fan");
  g_assert_cmpint (bd_relay_get_state (fan), ==, BD_RELAY_STATE_OFF);
  g_assert_true (bd_relay_controller_set (controller, fan, TRUE, &error));
  g_assert_no_error (error);
  g_assert_true (bd_relay_get_pending (fan));
  g_assert_cmpint (bd_relay_get_target (fan), ==, BD_RELAY_STATE_ON);
  /* Still what the device said last. */
  g_assert_cmpint (bd_relay_get_state (fan), ==, BD_RELAY_STATE_OFF);
  g_assert_cmpint (log_outcome (controller, 0), ==, BD_RELAY_OUTCOME_SENT);

  bd_test_wait_until (relay_not_pending, fan, 5000, "relay not pending");
  g_assert_cmpint (bd_relay_get_state (fan), ==, BD_RELAY_STATE_ON);
  g_assert_null (bd_relay_get_last_error (fan));
  g_assert_cmpuint (events.failed, ==, 0);
  g_assert_cmpint (log_outcome (controller, 0), ==, BD_RELAY_OUTCOME_CONFIRMED);
  g_assert_cmpuint (events.logged->len, ==, 2);
  g_assert_cmpstr (bd_relay_log_entry_get_relay_id (g_ptr_array_index (events.logged, 0)), ==,
                   "manufacture-fan");
  g_assert_cmpstr (bd_relay_log_entry_get_topic (g_ptr_array_index (events.logged, 0)), ==,
                   "busan/factory/manufacture/fan/set");
  g_assert_cmpstr (bd_relay_log_entry_get_payload (g_ptr_array_index (events.logged, 0)), ==, "ON");
  g_assert_cmpstr (bd_relay_log_entry_get_topic (g_ptr_array_index (events.logged, 1)), ==,
                   "busan/factory/manufacture/fan/state");
  g_assert_cmpint (bd_relay_get_last_change (fan), >, 0);

  g_assert_true (bd_relay_controller_set (controller, fan, FALSE, NULL));
  bd_test_wait_until (relay_not_pending, fan, 5000, "relay not pending");
  g_assert_cmpint (bd_relay_get_state (fan), ==, BD_RELAY_STATE_OFF);
  g_assert_cmpuint (events.failed, ==, 0);
  g_assert_cmpuint (events.logged->len, ==, 4);

  bd_relay_controller_detach (controller);
  bd_demo_plant_stop (plant);
  bd_engine_stop (engine);
  g_ptr_array_unref (events.logged);
}

/* A device that never answers: the command fails within its timeout. */
static void
test_timeout (void)
{
  g_autoptr(BdEngine) engine = test_engine_start ("sys_interval 0");
  Events events = { 0 };
  g_autoptr(BdRelayController) controller = controller_for (engine, &events);
  g_autoptr(BdRelay) relay = bd_relay_new ("silent", "Silent", "test/silent/set", "test/silent/state");
  gint64 start;
  gint64 elapsed;

  bd_relay_set_timeout (relay, 300);
  g_assert_true (bd_relay_controller_add (controller, relay, NULL));
  start = g_get_monotonic_time ();
  g_assert_true (bd_relay_controller_set (controller, relay, TRUE, NULL));
  g_assert_true (bd_relay_get_pending (relay));
  bd_test_wait_until (events_failed, &events, 5000, "events failed");
  elapsed = g_get_monotonic_time () - start;

  g_assert_cmpint (elapsed, >=, 300 * 1000);
  g_assert_cmpint (elapsed, <, 3 * G_USEC_PER_SEC);
  g_assert_cmpint (events.outcome, ==, BD_RELAY_OUTCOME_TIMEOUT);
  g_assert_false (bd_relay_get_pending (relay));
  g_assert_cmpint (bd_relay_get_state (relay), ==, BD_RELAY_STATE_UNKNOWN);
  g_assert_nonnull (bd_relay_get_last_error (relay));
  g_assert_cmpint (log_outcome (controller, 0), ==, BD_RELAY_OUTCOME_TIMEOUT);
  g_assert_cmpint (log_outcome (controller, 1), ==, BD_RELAY_OUTCOME_SENT);

  /* A late answer still shows the device's truth, the error stays. */
  publish_text (engine, "test/silent/state", "ON", TRUE);
  bd_test_wait_until (relay_is_on, relay, 5000, "relay is on");
  g_assert_nonnull (bd_relay_get_last_error (relay));
  g_assert_cmpuint (events.failed, ==, 1);

  bd_engine_stop (engine);
  g_ptr_array_unref (events.logged);
}

static gboolean
relay_has_error (gpointer data)
{
  return bd_relay_get_last_error (data) != NULL;
}

/* A state that is neither on nor off is quoted in the error as one line of
 * what the device sent, and nothing more. */
static void
test_unknown_state (void)
{
  g_autoptr(BdEngine) engine = test_engine_start ("sys_interval 0");
  Events events = { 0 };
  g_autoptr(BdRelayController) controller = controller_for (engine, &events);
  g_autoptr(BdRelay) relay = bd_relay_new ("odd", "Odd", "test/odd/set", "test/odd/state");

  g_assert_true (bd_relay_controller_add (controller, relay, NULL));
  publish_text (engine, "test/odd/state", "maybe\r\n\x1b[2J", TRUE);
  bd_test_wait_until (relay_has_error, relay, 5000, "the relay's error");
  g_assert_cmpstr (bd_relay_get_last_error (relay), ==,
                   "The state topic reported “maybe \xef\xbf\xbd[2J”, which is neither on nor off");
  g_assert_cmpint (bd_relay_get_state (relay), ==, BD_RELAY_STATE_UNKNOWN);

  bd_engine_stop (engine);
  g_ptr_array_unref (events.logged);
}

/* The state topic reports the other state: the command fails at once. */
static void
test_contradicted (void)
{
  g_autoptr(BdEngine) engine = test_engine_start ("sys_interval 0");
  Events events = { 0 };
  g_autoptr(BdRelayController) controller = controller_for (engine, &events);
  g_autoptr(BdRelay) relay = bd_relay_new ("stuck", "Stuck", "test/stuck/set", "test/stuck/state");
  gint64 start;

  g_assert_true (bd_relay_controller_add (controller, relay, NULL));
  publish_text (engine, "test/stuck/state", "OFF", TRUE);
  bd_test_wait_until (relay_is_off, relay, 5000, "relay is off");

  start = g_get_monotonic_time ();
  g_assert_true (bd_relay_controller_set (controller, relay, TRUE, NULL));
  publish_text (engine, "test/stuck/state", "off", TRUE);
  bd_test_wait_until (events_failed, &events, 5000, "events failed");
  /* Long before the 5 s timeout. */
  g_assert_cmpint (g_get_monotonic_time () - start, <, 4 * G_USEC_PER_SEC);
  g_assert_cmpint (events.outcome, ==, BD_RELAY_OUTCOME_CONTRADICTED);
  g_assert_false (bd_relay_get_pending (relay));
  g_assert_cmpint (bd_relay_get_state (relay), ==, BD_RELAY_STATE_OFF);
  g_assert_nonnull (bd_relay_get_last_error (relay));

  /* The next good command clears the error. */
  g_assert_true (bd_relay_controller_set (controller, relay, TRUE, NULL));
  g_assert_null (bd_relay_get_last_error (relay));
  publish_text (engine, "test/stuck/state", "ON", TRUE);
  bd_test_wait_until (relay_not_pending, relay, 5000, "relay not pending");
  g_assert_cmpint (bd_relay_get_state (relay), ==, BD_RELAY_STATE_ON);
  g_assert_cmpuint (events.failed, ==, 1);

  bd_engine_stop (engine);
  g_ptr_array_unref (events.logged);
}

typedef struct
{
  gboolean  done;
  char     *out;
  GError   *error;
} Spawned;

static void
communicate_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  Spawned *spawned = user_data;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (object), result, &spawned->out, NULL,
                                        &spawned->error);
  spawned->done = TRUE;
}

static gboolean
spawned_done (gpointer data)
{
  return ((Spawned *) data)->done;
}

/* Runs mosquitto_pub to completion: an external client toggling the device. */
static void
run_pub (guint16     port,
         const char *topic,
         const char *text)
{
  g_autofree char *port_text = g_strdup_printf ("%u", port);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) process =
    g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error, "mosquitto_pub",
                      "-h", "127.0.0.1", "-p", port_text, "-q", "1", "-r",
                      "-t", topic, "-m", text, NULL);
  Spawned spawned = { 0 };

  g_assert_no_error (error);
  g_subprocess_communicate_utf8_async (process, NULL, NULL, communicate_cb, &spawned);
  bd_test_wait_until (spawned_done, &spawned, 10000, "mosquitto_pub");
  g_assert_no_error (spawned.error);
  g_assert_true (g_subprocess_get_successful (process));
  g_free (spawned.out);
}

/* Someone else switches the device: the relay shows it, no command involved. */
static void
test_external (void)
{
  g_autoptr(BdEngine) engine = NULL;
  Events events = { 0 };
  g_autoptr(BdRelayController) controller = NULL;
  g_autoptr(BdRelay) relay = bd_relay_new ("ext", "External", "test/ext/set", "test/ext/state");
  guint16 port;

  BD_TEST_REQUIRE_PROGRAM ("mosquitto_pub");
  BD_TEST_REQUIRE_PROGRAM ("mosquitto_sub");
  engine = test_engine_start ("sys_interval 0");
  port = bd_engine_get_port (engine, 0);
  controller = controller_for (engine, &events);
  g_assert_true (bd_relay_controller_add (controller, relay, NULL));

  run_pub (port, "test/ext/state", "ON");
  bd_test_wait_until (relay_is_on, relay, 5000, "relay is on");
  run_pub (port, "test/ext/state", "false");
  bd_test_wait_until (relay_is_off, relay, 5000, "relay is off");
  g_assert_false (bd_relay_get_pending (relay));
  g_assert_cmpuint (events.logged->len, ==, 0);

  /* A relay added later reads the retained state at once. */
  publish_text (engine, "test/ext2/state", "1", TRUE);
  {
    g_autoptr(BdRelay) later = bd_relay_new ("ext2", "Later", "test/ext2/set", "test/ext2/state");

    g_assert_true (bd_relay_controller_add (controller, later, NULL));
    bd_test_wait_until (relay_is_on, later, 5000, "relay is on");
  }

  bd_engine_stop (engine);
  g_ptr_array_unref (events.logged);
}

typedef struct
{
  gboolean done;
  gboolean subscribed;
} ClientsQuery;

static void
clients_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  ClientsQuery *query = user_data;
  g_autoptr(GPtrArray) clients = bd_engine_list_clients_finish (result, NULL);

  for (guint i = 0; clients != NULL && i < clients->len; i++)
    {
      BdClientInfo *info = g_ptr_array_index (clients, i);

      if (info->connected && info->subscriptions > 0)
        query->subscribed = TRUE;
    }
  query->done = TRUE;
}

static gboolean
query_done (gpointer data)
{
  return ((ClientsQuery *) data)->done;
}

/* The engine's statistics are snapshots; its session list is current. Asks
 * until a client has subscribed (each answer is an event, not a sleep). */
static void
wait_subscribed (BdEngine *engine)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < deadline)
    {
      ClientsQuery query = { 0 };

      bd_engine_list_clients_async (engine, NULL, clients_cb, &query);
      bd_test_wait_until (query_done, &query, 5000, "the session list");
      if (query.subscribed)
        return;
      /* Give mosquitto_sub's process a turn before asking again. */
      g_usleep (10 * 1000);
    }
  g_assert_not_reached ();
}

/* mosquitto_sub sees the exact command: topic, payload, QoS and retain. */
static void
check_wire (BdEngine   *engine,
            BdRelayController *controller,
            BdRelay    *relay,
            const char *expected)
{
  g_autofree char *port_text = g_strdup_printf ("%u", bd_engine_get_port (engine, 0));
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) process = NULL;
  Spawned spawned = { 0 };

  /* MQTT 5 with retain-as-published, so a live subscriber sees the retain
   * flag as sent [MQTT-3.3.1-12]; QoS 2 so the delivery keeps the
   * command's QoS [MQTT-3.8.4-8]. */
  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, "mosquitto_sub",
                              "-h", "127.0.0.1", "-p", port_text, "-V", "mqttv5",
                              "--retain-as-published", "-q", "2", "-C", "1", "-W", "10",
                              "-F", "%t|%q|%r|%p",
                              "-t", bd_relay_get_command_topic (relay), NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8_async (process, NULL, NULL, communicate_cb, &spawned);
  wait_subscribed (engine);

  g_assert_true (bd_relay_controller_set (controller, relay, TRUE, NULL));
  bd_test_wait_until (spawned_done, &spawned, 15000, "mosquitto_sub");
  g_assert_no_error (spawned.error);
  g_assert_nonnull (spawned.out);
  g_strchomp (spawned.out);
  g_assert_cmpstr (spawned.out, ==, expected);
  g_free (spawned.out);
}

static void
test_wire (void)
{
  g_autoptr(BdEngine) engine = NULL;
  Events events = { 0 };
  g_autoptr(BdRelayController) controller = NULL;
  g_autoptr(BdRelay) plain = bd_relay_new ("plain", "Plain", "test/plain/set", "test/plain/state");
  g_autoptr(BdRelay) custom = bd_relay_new ("custom", "Custom", "test/custom/cmd", "test/custom/state");

  BD_TEST_REQUIRE_PROGRAM ("mosquitto_pub");
  BD_TEST_REQUIRE_PROGRAM ("mosquitto_sub");
  engine = test_engine_start ("sys_interval 0");
  controller = controller_for (engine, &events);
  bd_relay_set_on_payload (custom, "{\"state\": \"on\"}");
  bd_relay_set_qos (custom, 2);
  bd_relay_set_retain_command (custom, TRUE);
  bd_relay_set_qos (plain, 0);
  g_assert_true (bd_relay_controller_add (controller, plain, NULL));
  g_assert_true (bd_relay_controller_add (controller, custom, NULL));

  check_wire (engine, controller, plain, "test/plain/set|0|0|ON");
  check_wire (engine, controller, custom, "test/custom/cmd|2|1|{\"state\": \"on\"}");

  bd_engine_stop (engine);
  g_ptr_array_unref (events.logged);
}

static void
count_cb (BdMessage *message,
          gpointer   user_data)
{
  (*(guint *) user_data)++;
}

/* Relays can be replaced and removed; the log keeps 200 entries. */
static void
test_rules (void)
{
  g_autoptr(BdRelayController) controller = bd_relay_controller_new ();
  g_autoptr(BdRelay) a = bd_relay_new ("a", "A", "a/set", "a/state");
  g_autoptr(BdRelay) b = bd_relay_new ("b", "B", "b/set", "b/state");
  g_autoptr(BdRelay) dup = bd_relay_new ("a", "A again", "x/set", "x/state");
  g_autoptr(BdRelay) removed = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) topics = NULL;
  guint published = 0;
  guint position = 99;

  g_assert_true (bd_relay_controller_add (controller, a, NULL));
  g_assert_false (bd_relay_controller_add (controller, dup, &error));
  g_assert_error (error, BD_RELAY_ERROR, BD_RELAY_ERROR_EXISTS);
  g_clear_error (&error);
  g_assert_true (bd_relay_controller_add (controller, b, NULL));

  /* Nothing to publish to yet. */
  g_assert_false (bd_relay_controller_set (controller, a, TRUE, &error));
  g_assert_error (error, BD_RELAY_ERROR, BD_RELAY_ERROR_NO_BROKER);
  g_clear_error (&error);
  g_assert_false (bd_relay_get_pending (a));

  topics = bd_relay_controller_dup_state_topics (controller);
  g_assert_cmpuint (g_strv_length (topics), ==, 2);
  g_assert_cmpstr (topics[0], ==, "a/state");

  g_assert_true (bd_relay_controller_replace (controller, "a", dup, NULL));
  g_assert_true (bd_relay_controller_lookup (controller, "a") == dup);
  removed = bd_relay_controller_remove (controller, "a", &position);
  g_assert_true (removed == dup);
  g_assert_cmpuint (position, ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (controller)), ==, 1);
  /* Undo. */
  g_assert_true (bd_relay_controller_insert (controller, position, removed, NULL));
  g_assert_true (bd_relay_controller_lookup (controller, "a") == dup);

  /* A counting publisher: every command goes out, the log is capped. */
  bd_relay_controller_set_publish_func (controller, count_cb, &published, NULL);
  for (guint i = 0; i < BD_RELAY_LOG_LENGTH + 50; i++)
    g_assert_true (bd_relay_controller_set (controller, b, i % 2 == 0, NULL));
  g_assert_cmpuint (published, ==, BD_RELAY_LOG_LENGTH + 50);
  g_assert_cmpuint (g_list_model_get_n_items (bd_relay_controller_get_log (controller)), ==,
                    BD_RELAY_LOG_LENGTH);
  g_assert_true (bd_relay_get_pending (b));
  g_assert_cmpint (bd_relay_get_target (b), ==, BD_RELAY_STATE_OFF);

  /* A removed relay is no longer pending (an undo toast may hold it). */
  g_clear_object (&removed);
  removed = bd_relay_controller_remove (controller, "b", NULL);
  g_assert_false (bd_relay_get_pending (removed));
}

/* An edit that keeps the device keeps what it said; another device starts
 * unknown. Messages come through bd_relay_controller_tap (), as in remote
 * mode, from another thread. */
static gpointer
feed_thread (gpointer data)
{
  g_autoptr(GBytes) payload = g_bytes_new_static ("ON", 2);
  g_autoptr(BdMessage) message = bd_message_new ("r/state", payload, 0, TRUE, NULL);
  g_autoptr(BdMessage) other = bd_message_new ("elsewhere", payload, 0, TRUE, NULL);

  bd_relay_controller_tap (other, data);
  bd_relay_controller_tap (message, data);
  return NULL;
}

static void
test_replace (void)
{
  g_autoptr(BdRelayController) controller = bd_relay_controller_new ();
  g_autoptr(BdRelay) relay = bd_relay_new ("r", "R", "r/set", "r/state");
  g_autoptr(BdRelay) renamed = NULL;
  g_autoptr(BdRelay) moved = NULL;
  GThread *thread;

  g_assert_true (bd_relay_controller_add (controller, relay, NULL));
  thread = g_thread_new ("feed", feed_thread, controller);
  g_thread_join (thread);
  bd_test_wait_until (relay_is_on, relay, 5000, "relay is on");

  renamed = bd_relay_copy (relay);
  bd_relay_set_name (renamed, "Renamed");
  g_assert_cmpint (bd_relay_get_state (renamed), ==, BD_RELAY_STATE_UNKNOWN);
  g_assert_true (bd_relay_controller_replace (controller, "r", renamed, NULL));
  g_assert_cmpint (bd_relay_get_state (renamed), ==, BD_RELAY_STATE_ON);
  g_assert_cmpint (bd_relay_get_last_change (renamed), ==, bd_relay_get_last_change (relay));

  moved = bd_relay_copy (renamed);
  bd_relay_set_state_topic (moved, "r/state2");
  g_assert_true (bd_relay_controller_replace (controller, "r", moved, NULL));
  g_assert_cmpint (bd_relay_get_state (moved), ==, BD_RELAY_STATE_UNKNOWN);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (controller)), ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/relays/ini/round-trip", test_ini_round_trip);
  g_test_add_func ("/relays/ini/broken", test_ini_broken);
  g_test_add_func ("/relays/ini/async", test_ini_async);
  g_test_add_func ("/relays/relay/validate", test_validate);
  g_test_add_func ("/relays/relay/parse-state", test_parse_state);
  g_test_add_func ("/relays/controller/unique-id", test_unique_id);
  g_test_add_func ("/relays/controller/rules", test_rules);
  g_test_add_func ("/relays/controller/replace", test_replace);
  g_test_add_func ("/relays/controller/confirmed", test_confirmed);
  g_test_add_func ("/relays/controller/timeout", test_timeout);
  g_test_add_func ("/relays/controller/contradicted", test_contradicted);
  g_test_add_func ("/relays/controller/unknown-state", test_unknown_state);
  g_test_add_func ("/relays/controller/external", test_external);
  g_test_add_func ("/relays/controller/wire", test_wire);

  return g_test_run ();
}
