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
#include <math.h>
#include <string.h>

#include "bd-demo-plant.h"
#include "bd-relay-controller.h"
#include "bd-relay-private.h"
#include "bd-setpoint-private.h"
#include "bd-test-relays.h"
#include "bd-test-util.h"
#include "test-client.h"

/* ------------------------------------------------------------ helpers */

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

/* ------------------------------------------------------------ relays.ini */

/* Every setting a relay has beyond its id, name and topics, none left at
 * its default (the payload's blanks are kept as they are). */
static void
set_relay_settings (BdRelay *relay)
{
  bd_relay_set_on_payload (relay, " start ");
  bd_relay_set_off_payload (relay, "stop");
  bd_relay_set_state_on (relay, "running");
  bd_relay_set_state_off (relay, "stopped");
  bd_relay_set_qos (relay, 2);
  bd_relay_set_retain_command (relay, TRUE);
  bd_relay_set_timeout (relay, 1500);
}

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

  set_relay_settings (relay);
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

/* Every setting (read-write property) of @copy is that of @original, and
 * none is left at its default in @original, so each comparison counts. */
static void
assert_same_settings (gpointer original,
                      gpointer copy)
{
  g_autofree GParamSpec **pspecs = NULL;
  guint n;

  pspecs = g_object_class_list_properties (G_OBJECT_GET_CLASS (original), &n);
  for (guint i = 0; i < n; i++)
    {
      g_auto(GValue) a = G_VALUE_INIT;
      g_auto(GValue) b = G_VALUE_INIT;

      if ((pspecs[i]->flags & G_PARAM_READWRITE) != G_PARAM_READWRITE)
        continue;
      g_value_init (&a, pspecs[i]->value_type);
      g_value_init (&b, pspecs[i]->value_type);
      g_object_get_property (original, pspecs[i]->name, &a);
      g_object_get_property (copy, pspecs[i]->name, &b);
      if (g_param_value_defaults (pspecs[i], &a))
        g_error ("%s: the test leaves “%s” at its default", G_OBJECT_TYPE_NAME (original), pspecs[i]->name);
      if (g_param_values_cmp (pspecs[i], &a, &b) != 0)
        g_error ("%s: the copy's “%s” differs", G_OBJECT_TYPE_NAME (original), pspecs[i]->name);
    }
}

/* A copy has every setting of the original and none of its state. */
static void
test_copy (void)
{
  g_autoptr(BdRelay) relay = bd_relay_new ("pump", "Pump", "p/set", "p/state");
  g_autoptr(BdSetpoint) setpoint = bd_setpoint_new ("valve", "Valve", "v/set", "v/state");
  g_autoptr(BdRelay) relay_copy = NULL;
  g_autoptr(BdSetpoint) setpoint_copy = NULL;

  set_relay_settings (relay);
  _bd_relay_set_state (relay, BD_RELAY_STATE_ON, 42);
  _bd_relay_set_target (relay, BD_RELAY_STATE_OFF);

  relay_copy = bd_relay_copy (relay);
  assert_same_settings (relay, relay_copy);
  g_assert_cmpstr (bd_relay_get_state_off (relay_copy), ==, "stopped");
  g_assert_cmpint (bd_relay_get_state (relay_copy), ==, BD_RELAY_STATE_UNKNOWN);
  g_assert_cmpint (bd_relay_get_target (relay_copy), ==, BD_RELAY_STATE_UNKNOWN);
  g_assert_false (bd_relay_get_pending (relay_copy));
  g_assert_cmpint (bd_relay_get_last_change (relay_copy), ==, 0);

  bd_setpoint_set_unit (setpoint, "%");
  bd_setpoint_set_json_path (setpoint, "$.out.level");
  bd_setpoint_set_minimum (setpoint, -10);
  bd_setpoint_set_maximum (setpoint, 10);
  bd_setpoint_set_step (setpoint, 0.5);
  bd_setpoint_set_rate_limit (setpoint, 2);
  bd_setpoint_set_tolerance (setpoint, 0.25);
  bd_setpoint_set_qos (setpoint, 0);
  bd_setpoint_set_retain_command (setpoint, TRUE);
  bd_setpoint_set_timeout (setpoint, 2500);
  _bd_setpoint_set_value (setpoint, 3, 42);
  _bd_setpoint_set_target (setpoint, 4);

  setpoint_copy = bd_setpoint_copy (setpoint);
  assert_same_settings (setpoint, setpoint_copy);
  g_assert_cmpfloat (bd_setpoint_get_tolerance (setpoint_copy), ==, 0.25);
  g_assert_true (isnan (bd_setpoint_get_value (setpoint_copy)));
  g_assert_true (isnan (bd_setpoint_get_target (setpoint_copy)));
  g_assert_false (bd_setpoint_get_pending (setpoint_copy));
  g_assert_cmpint (bd_setpoint_get_last_change (setpoint_copy), ==, 0);
}

/* Records "name" per notification, and "name@last-change" for the state. */
static void
record_notify_cb (GObject    *object,
                  GParamSpec *pspec,
                  gpointer    user_data)
{
  GString *log = user_data;
  gint64 last_change = 0;

  if (log->len > 0)
    g_string_append_c (log, ' ');
  g_string_append (log, pspec->name);
  if (g_str_equal (pspec->name, "state") || g_str_equal (pspec->name, "value"))
    {
      g_object_get (object, "last-change", &last_change, NULL);
      g_string_append_printf (log, "@%" G_GINT64_FORMAT, last_change);
    }
}

static char *
take_log (GString *log)
{
  char *text = g_strdup (log->str);

  g_string_truncate (log, 0);
  return text;
}

/* The state machine's notifications: only on change, the state with its
 * time already set, "pending" only when it flips. */
static void
test_notify (void)
{
  g_autoptr(BdRelay) relay = bd_relay_new ("r", "R", "r/set", "r/state");
  g_autoptr(BdSetpoint) setpoint = bd_setpoint_new ("s", "S", "s/set", "s/state");
  g_autoptr(GString) log = g_string_new (NULL);
#define ASSERT_LOG(expected)                    \
  G_STMT_START {                                \
    g_autofree char *text = take_log (log);     \
    g_assert_cmpstr (text, ==, expected);       \
  } G_STMT_END

  g_signal_connect (relay, "notify", G_CALLBACK (record_notify_cb), log);
  _bd_relay_set_state (relay, BD_RELAY_STATE_ON, 42);
  ASSERT_LOG ("state@42 last-change");
  _bd_relay_set_state (relay, BD_RELAY_STATE_ON, 43);
  ASSERT_LOG ("");
  _bd_relay_set_target (relay, BD_RELAY_STATE_OFF);
  ASSERT_LOG ("target pending");
  g_assert_true (bd_relay_get_pending (relay));
  _bd_relay_set_target (relay, BD_RELAY_STATE_ON);
  ASSERT_LOG ("target");
  _bd_relay_set_target (relay, BD_RELAY_STATE_UNKNOWN);
  ASSERT_LOG ("target pending");
  g_assert_false (bd_relay_get_pending (relay));
  bd_relay_set_name (relay, "R");
  bd_relay_set_qos (relay, 1);
  ASSERT_LOG ("");
  bd_relay_set_name (relay, "Renamed");
  bd_relay_set_timeout (relay, 100);
  ASSERT_LOG ("name timeout");

  g_signal_connect (setpoint, "notify", G_CALLBACK (record_notify_cb), log);
  _bd_setpoint_set_value (setpoint, NAN, 7);
  ASSERT_LOG ("");
  _bd_setpoint_set_value (setpoint, 40, 7);
  ASSERT_LOG ("value@7 last-change");
  _bd_setpoint_set_value (setpoint, NAN, 8);
  ASSERT_LOG ("value@8 last-change");
  _bd_setpoint_set_target (setpoint, 40);
  ASSERT_LOG ("target pending");
  _bd_setpoint_set_target (setpoint, 50);
  ASSERT_LOG ("target");
  _bd_setpoint_set_target (setpoint, NAN);
  ASSERT_LOG ("target pending");
  _bd_setpoint_set_target (setpoint, NAN);
  ASSERT_LOG ("");
  bd_setpoint_set_step (setpoint, 1);
  ASSERT_LOG ("");
  bd_setpoint_set_step (setpoint, 2);
  bd_setpoint_set_state_topic (setpoint, "s/state2");
  ASSERT_LOG ("step state-topic");
#undef ASSERT_LOG
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

static void
setpoint_failed_cb (BdRelayController *controller,
                    BdSetpoint        *setpoint,
                    BdRelayLogEntry   *entry,
                    Events            *events)
{
  events->failed++;
  events->outcome = bd_relay_log_entry_get_outcome (entry);
}

static BdRelayController *
setpoint_controller_for (BdEngine *engine,
                         Events   *events)
{
  BdRelayController *controller = controller_for (engine, events);

  g_signal_connect (controller, "setpoint-failed", G_CALLBACK (setpoint_failed_cb), events);
  return controller;
}

/* An engine with a relay controller attached, the controller's failures
 * and log counted in events; freeing it stops the engine. */
typedef struct
{
  BdEngine          *engine;
  BdRelayController *controller;
  Events             events;
} Bench;

static Bench *
bench_new (void)
{
  Bench *bench = g_new0 (Bench, 1);

  bench->engine = test_engine_start ("sys_interval 0");
  bench->controller = setpoint_controller_for (bench->engine, &bench->events);
  return bench;
}

static void
bench_free (Bench *bench)
{
  bd_engine_stop (bench->engine);
  g_ptr_array_unref (bench->events.logged);
  g_object_unref (bench->controller);
  bd_engine_unref (bench->engine);
  g_free (bench);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Bench, bench_free)

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

  bd_test_wait_until (bd_test_relay_not_pending, fan, 5000, "relay not pending");
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
  bd_test_wait_until (bd_test_relay_not_pending, fan, 5000, "relay not pending");
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
  g_autoptr(Bench) bench = bench_new ();
  g_autoptr(BdRelay) relay = bd_relay_new ("silent", "Silent", "test/silent/set", "test/silent/state");
  gint64 start;
  gint64 elapsed;

  bd_relay_set_timeout (relay, 300);
  g_assert_true (bd_relay_controller_add (bench->controller, relay, NULL));
  start = g_get_monotonic_time ();
  g_assert_true (bd_relay_controller_set (bench->controller, relay, TRUE, NULL));
  g_assert_true (bd_relay_get_pending (relay));
  bd_test_wait_until (events_failed, &bench->events, 5000, "events failed");
  elapsed = g_get_monotonic_time () - start;

  g_assert_cmpint (elapsed, >=, 300 * 1000);
  g_assert_cmpint (elapsed, <, 3 * G_USEC_PER_SEC);
  g_assert_cmpint (bench->events.outcome, ==, BD_RELAY_OUTCOME_TIMEOUT);
  g_assert_false (bd_relay_get_pending (relay));
  g_assert_cmpint (bd_relay_get_state (relay), ==, BD_RELAY_STATE_UNKNOWN);
  g_assert_nonnull (bd_relay_get_last_error (relay));
  g_assert_cmpint (log_outcome (bench->controller, 0), ==, BD_RELAY_OUTCOME_TIMEOUT);
  g_assert_cmpint (log_outcome (bench->controller, 1), ==, BD_RELAY_OUTCOME_SENT);

  /* A late answer still shows the device's truth, the error stays. */
  test_engine_publish_text (bench->engine, "test/silent/state", "ON", TRUE);
  bd_test_wait_until (bd_test_relay_is_on, relay, 5000, "relay is on");
  g_assert_nonnull (bd_relay_get_last_error (relay));
  g_assert_cmpuint (bench->events.failed, ==, 1);
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
  g_autoptr(Bench) bench = bench_new ();
  g_autoptr(BdRelay) relay = bd_relay_new ("odd", "Odd", "test/odd/set", "test/odd/state");

  g_assert_true (bd_relay_controller_add (bench->controller, relay, NULL));
  test_engine_publish_text (bench->engine, "test/odd/state", "maybe\r\n\x1b[2J", TRUE);
  bd_test_wait_until (relay_has_error, relay, 5000, "the relay's error");
  g_assert_cmpstr (bd_relay_get_last_error (relay), ==,
                   "The state topic reported “maybe \xef\xbf\xbd[2J”, which is neither on nor off");
  g_assert_cmpint (bd_relay_get_state (relay), ==, BD_RELAY_STATE_UNKNOWN);
}

/* The state topic reports the other state: the command fails at once. */
static void
test_contradicted (void)
{
  g_autoptr(Bench) bench = bench_new ();
  g_autoptr(BdRelay) relay = bd_relay_new ("stuck", "Stuck", "test/stuck/set", "test/stuck/state");
  gint64 start;

  g_assert_true (bd_relay_controller_add (bench->controller, relay, NULL));
  test_engine_publish_text (bench->engine, "test/stuck/state", "OFF", TRUE);
  bd_test_wait_until (bd_test_relay_is_off, relay, 5000, "relay is off");

  start = g_get_monotonic_time ();
  g_assert_true (bd_relay_controller_set (bench->controller, relay, TRUE, NULL));
  test_engine_publish_text (bench->engine, "test/stuck/state", "off", TRUE);
  bd_test_wait_until (events_failed, &bench->events, 5000, "events failed");
  /* Long before the 5 s timeout. */
  g_assert_cmpint (g_get_monotonic_time () - start, <, 4 * G_USEC_PER_SEC);
  g_assert_cmpint (bench->events.outcome, ==, BD_RELAY_OUTCOME_CONTRADICTED);
  g_assert_false (bd_relay_get_pending (relay));
  g_assert_cmpint (bd_relay_get_state (relay), ==, BD_RELAY_STATE_OFF);
  g_assert_nonnull (bd_relay_get_last_error (relay));

  /* The next good command clears the error. */
  g_assert_true (bd_relay_controller_set (bench->controller, relay, TRUE, NULL));
  g_assert_null (bd_relay_get_last_error (relay));
  test_engine_publish_text (bench->engine, "test/stuck/state", "ON", TRUE);
  bd_test_wait_until (bd_test_relay_not_pending, relay, 5000, "relay not pending");
  g_assert_cmpint (bd_relay_get_state (relay), ==, BD_RELAY_STATE_ON);
  g_assert_cmpuint (bench->events.failed, ==, 1);
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
run_pub (BdEngine   *engine,
         const char *topic,
         const char *text)
{
  bd_test_mosquitto_pub_message (bd_engine_get_port (engine, 0), topic, text, TRUE);
}

/* Someone else switches the device: the relay shows it, no command involved. */
static void
test_external (void)
{
  g_autoptr(Bench) bench = NULL;
  g_autoptr(BdRelay) relay = bd_relay_new ("ext", "External", "test/ext/set", "test/ext/state");

  BD_TEST_REQUIRE_PROGRAM ("mosquitto_pub");
  BD_TEST_REQUIRE_PROGRAM ("mosquitto_sub");
  bench = bench_new ();
  g_assert_true (bd_relay_controller_add (bench->controller, relay, NULL));

  run_pub (bench->engine, "test/ext/state", "ON");
  bd_test_wait_until (bd_test_relay_is_on, relay, 5000, "relay is on");
  run_pub (bench->engine, "test/ext/state", "false");
  bd_test_wait_until (bd_test_relay_is_off, relay, 5000, "relay is off");
  g_assert_false (bd_relay_get_pending (relay));
  g_assert_cmpuint (bench->events.logged->len, ==, 0);

  /* A relay added later reads the retained state at once. */
  test_engine_publish_text (bench->engine, "test/ext2/state", "1", TRUE);
  {
    g_autoptr(BdRelay) later = bd_relay_new ("ext2", "Later", "test/ext2/set", "test/ext2/state");

    g_assert_true (bd_relay_controller_add (bench->controller, later, NULL));
    bd_test_wait_until (bd_test_relay_is_on, later, 5000, "relay is on");
  }
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

/* mosquitto_sub for the first message on @topic ("topic|qos|retain|payload"),
 * subscribed once this returns. */
static GSubprocess *
start_sub (BdEngine   *engine,
           const char *topic,
           Spawned    *spawned)
{
  g_autofree char *port_text = g_strdup_printf ("%u", bd_engine_get_port (engine, 0));
  g_autoptr(GError) error = NULL;
  GSubprocess *process;

  /* MQTT 5 with retain-as-published, so a live subscriber sees the retain
   * flag as sent [MQTT-3.3.1-12]; QoS 2 so the delivery keeps the
   * command's QoS [MQTT-3.8.4-8]. */
  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, "mosquitto_sub",
                              "-h", "127.0.0.1", "-p", port_text, "-V", "mqttv5",
                              "--retain-as-published", "-q", "2", "-C", "1", "-W", "10",
                              "-F", "%t|%q|%r|%p", "-t", topic, NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8_async (process, NULL, NULL, communicate_cb, spawned);
  wait_subscribed (engine);
  return process;
}

/* The one line of start_sub's mosquitto_sub is @expected. */
static void
assert_sub_saw (Spawned    *spawned,
                const char *expected)
{
  bd_test_wait_until (spawned_done, spawned, 15000, "mosquitto_sub");
  g_assert_no_error (spawned->error);
  g_assert_nonnull (spawned->out);
  g_strchomp (spawned->out);
  g_assert_cmpstr (spawned->out, ==, expected);
  g_clear_pointer (&spawned->out, g_free);
}

/* mosquitto_sub sees the exact command: topic, payload, QoS and retain. */
static void
check_wire (BdEngine   *engine,
            BdRelayController *controller,
            BdRelay    *relay,
            const char *expected)
{
  Spawned spawned = { 0 };
  g_autoptr(GSubprocess) process = start_sub (engine, bd_relay_get_command_topic (relay), &spawned);

  g_assert_true (bd_relay_controller_set (controller, relay, TRUE, NULL));
  assert_sub_saw (&spawned, expected);
}

static void
test_wire (void)
{
  g_autoptr(Bench) bench = NULL;
  g_autoptr(BdRelay) plain = bd_relay_new ("plain", "Plain", "test/plain/set", "test/plain/state");
  g_autoptr(BdRelay) custom = bd_relay_new ("custom", "Custom", "test/custom/cmd", "test/custom/state");

  BD_TEST_REQUIRE_PROGRAM ("mosquitto_pub");
  BD_TEST_REQUIRE_PROGRAM ("mosquitto_sub");
  bench = bench_new ();
  bd_relay_set_on_payload (custom, "{\"state\": \"on\"}");
  bd_relay_set_qos (custom, 2);
  bd_relay_set_retain_command (custom, TRUE);
  bd_relay_set_qos (plain, 0);
  g_assert_true (bd_relay_controller_add (bench->controller, plain, NULL));
  g_assert_true (bd_relay_controller_add (bench->controller, custom, NULL));

  check_wire (bench->engine, bench->controller, plain, "test/plain/set|0|0|ON");
  check_wire (bench->engine, bench->controller, custom, "test/custom/cmd|2|1|{\"state\": \"on\"}");
}

static void
count_cb (BdMessage *message,
          gpointer   user_data)
{
  g_atomic_int_inc ((guint *) user_data);
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

static void
count_items_changed_cb (GListModel *model,
                        guint       position,
                        guint       removed,
                        guint       added,
                        gpointer    user_data)
{
  guint *count = user_data;

  (*count)++;
}

/* Setpoints follow the relays' rules: ids unique across both kinds, replace
 * and remove by id, the setpoint model in step with the controller, and a
 * removed setpoint no longer pending. */
static void
test_setpoint_rules (void)
{
  g_autoptr(BdRelayController) controller = bd_relay_controller_new ();
  GListModel *model = bd_relay_controller_get_setpoints (controller);
  g_autoptr(BdRelay) relay = bd_relay_new ("r", "R", "r/set", "r/state");
  g_autoptr(BdSetpoint) a = bd_setpoint_new ("a", "A", "a/set", "a/state");
  g_autoptr(BdSetpoint) b = bd_setpoint_new ("b", "B", "b/set", "b/state");
  g_autoptr(BdSetpoint) taken = bd_setpoint_new ("r", "R too", "t/set", "t/state");
  g_autoptr(BdSetpoint) edited = bd_setpoint_new ("a", "A edited", "a/set", "a/state2");
  g_autoptr(BdSetpoint) removed = NULL;
  g_autoptr(BdSetpoint) item = NULL;
  g_autoptr(GPtrArray) loaded = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) topics = NULL;
  guint published = 0;
  guint changes = 0;
  guint position = 99;

  g_signal_connect (model, "items-changed", G_CALLBACK (count_items_changed_cb), &changes);
  g_assert_true (bd_relay_controller_add (controller, relay, NULL));
  g_assert_true (bd_relay_controller_add_setpoint (controller, a, NULL));
  g_assert_false (bd_relay_controller_add_setpoint (controller, a, &error));
  g_assert_error (error, BD_RELAY_ERROR, BD_RELAY_ERROR_EXISTS);
  g_clear_error (&error);
  g_assert_false (bd_relay_controller_add_setpoint (controller, taken, &error));
  g_assert_error (error, BD_RELAY_ERROR, BD_RELAY_ERROR_EXISTS);
  g_clear_error (&error);
  g_assert_true (bd_relay_controller_add_setpoint (controller, b, NULL));
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 2);
  g_assert_cmpuint (changes, ==, 2);

  g_assert_false (bd_relay_controller_replace_setpoint (controller, "nope", edited, &error));
  g_assert_error (error, BD_RELAY_ERROR, BD_RELAY_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_true (bd_relay_controller_replace_setpoint (controller, "a", edited, NULL));
  g_assert_true (bd_relay_controller_lookup_setpoint (controller, "a") == edited);
  item = g_list_model_get_item (model, 0);
  g_assert_true (item == edited);
  g_clear_object (&item);
  g_assert_cmpuint (changes, ==, 3);
  topics = bd_relay_controller_dup_state_topics (controller);
  g_assert_cmpstrv (topics, ((const char * const []) { "a/state2", "b/state", "r/state", NULL }));

  bd_relay_controller_set_publish_func (controller, count_cb, &published, NULL);
  g_assert_true (bd_relay_controller_set_value (controller, b, 40, BD_RELAY_SOURCE_OPERATOR, NULL));
  g_assert_true (bd_setpoint_get_pending (b));
  removed = bd_relay_controller_remove_setpoint (controller, "b", &position);
  g_assert_true (removed == b);
  g_assert_cmpuint (position, ==, 1);
  g_assert_false (bd_setpoint_get_pending (b));
  g_assert_null (bd_relay_controller_remove_setpoint (controller, "b", NULL));
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 1);
  g_assert_cmpuint (changes, ==, 4);

  /* Loading replaces them all. */
  g_ptr_array_add (loaded, b);
  bd_relay_controller_set_setpoints (controller, loaded);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 1);
  item = g_list_model_get_item (model, 0);
  g_assert_true (item == b);
  g_assert_null (bd_relay_controller_lookup_setpoint (controller, "a"));
  g_assert_cmpuint (published, ==, 1);
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
  bd_test_wait_until (bd_test_relay_is_on, relay, 5000, "relay is on");

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

/* ------------------------------------------------------------ setpoints */

static gboolean
setpoint_has_value (gpointer data)
{
  return !isnan (bd_setpoint_get_value (data));
}

static BdSetpoint *
valve_new (const char *id)
{
  g_autofree char *command = g_strdup_printf ("test/%s/set", id);
  g_autofree char *state = g_strdup_printf ("test/%s/state", id);
  BdSetpoint *setpoint = bd_setpoint_new (id, "Valve", command, state);

  bd_setpoint_set_unit (setpoint, "%");
  bd_setpoint_set_json_path (setpoint, "value");
  return setpoint;
}

static void
test_setpoint_ini (void)
{
  g_autoptr(GPtrArray) relays = bd_relays_new_demo ();
  g_autoptr(GPtrArray) setpoints = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) loaded_relays = NULL;
  g_autoptr(GPtrArray) loaded = NULL;
  g_auto(GStrv) warnings = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *data = NULL;
  BdSetpoint *setpoint = bd_setpoint_new ("dimmer", "Dimmer / 조광기", "p/dim/set", "p/dim/state");
  BdSetpoint *copy;

  bd_setpoint_set_unit (setpoint, "V");
  bd_setpoint_set_minimum (setpoint, -2.5);
  bd_setpoint_set_maximum (setpoint, 10);
  bd_setpoint_set_step (setpoint, 0.1);
  bd_setpoint_set_rate_limit (setpoint, 2);
  bd_setpoint_set_tolerance (setpoint, 0.05);
  bd_setpoint_set_json_path (setpoint, "$.out.level");
  bd_setpoint_set_timeout (setpoint, 1500);
  g_ptr_array_add (setpoints, setpoint);

  data = bd_relays_to_data_full (relays, setpoints, NULL);
  g_assert_true (bd_relays_load_all_from_data (data, -1, "relays.ini", &loaded_relays, &loaded,
                                               &warnings, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (warnings), ==, 0);
  g_assert_cmpuint (loaded_relays->len, ==, relays->len);
  g_assert_cmpuint (loaded->len, ==, 1);
  copy = g_ptr_array_index (loaded, 0);
  g_assert_cmpstr (bd_setpoint_get_id (copy), ==, "dimmer");
  g_assert_cmpstr (bd_setpoint_get_name (copy), ==, "Dimmer / 조광기");
  g_assert_cmpstr (bd_setpoint_get_unit (copy), ==, "V");
  g_assert_cmpstr (bd_setpoint_get_json_path (copy), ==, "$.out.level");
  g_assert_cmpfloat (bd_setpoint_get_minimum (copy), ==, -2.5);
  g_assert_cmpfloat (bd_setpoint_get_maximum (copy), ==, 10);
  g_assert_cmpfloat (bd_setpoint_get_step (copy), ==, 0.1);
  g_assert_cmpfloat (bd_setpoint_get_rate_limit (copy), ==, 2);
  g_assert_cmpfloat (bd_setpoint_get_tolerance (copy), ==, 0.05);
  g_assert_cmpuint (bd_setpoint_get_timeout (copy), ==, 1500);
  /* Older readers of relays.ini (bd_relays_load_from_data) see only relays. */
  {
    g_autoptr(GPtrArray) only = bd_relays_load_from_data (data, -1, "relays.ini", NULL, NULL);

    g_assert_cmpuint (only->len, ==, relays->len);
  }

  /* A broken setpoint is skipped and named; the rest load. */
  g_clear_pointer (&warnings, g_strfreev);
  g_clear_pointer (&loaded, g_ptr_array_unref);
  g_clear_pointer (&loaded_relays, g_ptr_array_unref);
  g_assert_true (bd_relays_load_all_from_data ("[a]\ntype=setpoint\ncommand-topic=a/set\nstate-topic=a/state\n"
                                               "minimum=10\nmaximum=5\n"
                                               "[b]\ntype=setpoint\ncommand-topic=b/set\nstate-topic=b/state\n"
                                               "step=fast\n"
                                               "[c]\ntype=setpoint\ncommand-topic=c/set\nstate-topic=c/state\n",
                                               -1, "relays.ini", &loaded_relays, &loaded, &warnings, &error));
  g_assert_cmpuint (loaded->len, ==, 1);
  g_assert_cmpuint (loaded_relays->len, ==, 0);
  g_assert_cmpuint (g_strv_length (warnings), ==, 2);
  g_assert_nonnull (strstr (warnings[0], "[a]"));
  g_assert_nonnull (strstr (warnings[1], "“step”"));
}

static void
test_setpoint_values (void)
{
  g_autoptr(BdSetpoint) setpoint = valve_new ("v");
  g_autoptr(GError) error = NULL;
  g_autofree char *plain = NULL;
  g_autofree char *json = NULL;
  double value;

  bd_setpoint_set_step (setpoint, 0.5);
  g_assert_true (bd_setpoint_round (setpoint, 40.3, &value, &error));
  g_assert_cmpfloat (value, ==, 40.5);
  g_assert_false (bd_setpoint_round (setpoint, 100.2, &value, &error));
  g_assert_error (error, BD_RELAY_ERROR, BD_RELAY_ERROR_OUT_OF_RANGE);
  g_clear_error (&error);
  g_assert_false (bd_setpoint_round (setpoint, NAN, &value, &error));
  g_clear_error (&error);

  json = bd_setpoint_format_payload (setpoint, 4.5);
  g_assert_cmpstr (json, ==, "{\"value\":4.5}");
  bd_setpoint_set_json_path (setpoint, "$.out.level");
  g_clear_pointer (&json, g_free);
  json = bd_setpoint_format_payload (setpoint, 4.5);
  g_assert_cmpstr (json, ==, "{\"out\":{\"level\":4.5}}");
  g_assert_true (bd_setpoint_parse_payload (setpoint, (const guint8 *) "{\"out\": {\"level\": 7}}", 21, &value));
  g_assert_cmpfloat (value, ==, 7);
  g_assert_false (bd_setpoint_parse_payload (setpoint, (const guint8 *) "7", 1, &value));

  bd_setpoint_set_json_path (setpoint, NULL);
  plain = bd_setpoint_format_payload (setpoint, 0.1 + 0.2);
  g_assert_cmpstr (plain, ==, "0.3");
  g_assert_true (bd_setpoint_parse_payload (setpoint, (const guint8 *) "41.5 %", 6, &value));
  g_assert_cmpfloat (value, ==, 41.5);

  bd_setpoint_set_json_path (setpoint, "a[0]");
  g_assert_false (bd_setpoint_validate (setpoint, NULL));
}

/* Adds @setpoint to the bench's controller, and returns once mosquitto_pub
 * has reported @state for it and the setpoint has taken the value. */
static void
add_reported_setpoint (Bench      *bench,
                       BdSetpoint *setpoint,
                       const char *state)
{
  g_assert_true (bd_relay_controller_add_setpoint (bench->controller, setpoint, NULL));
  run_pub (bench->engine, bd_setpoint_get_state_topic (setpoint), state);
  bd_test_wait_until (setpoint_has_value, setpoint, 5000, "the setpoint's value");
}

/* A command seen by mosquitto_sub, answered by mosquitto_pub: pending, then
 * confirmed within the tolerance; the log has both. */
static void
test_setpoint_confirmed (void)
{
  g_autoptr(Bench) bench = NULL;
  g_autoptr(BdSetpoint) valve = valve_new ("valve");
  g_autoptr(GSubprocess) sub = NULL;
  g_autoptr(GError) error = NULL;
  Spawned spawned = { 0 };

  BD_TEST_REQUIRE_PROGRAM ("mosquitto_pub");
  BD_TEST_REQUIRE_PROGRAM ("mosquitto_sub");
  bench = bench_new ();
  add_reported_setpoint (bench, valve, "{\"value\": 0}");
  g_assert_cmpfloat (bd_setpoint_get_value (valve), ==, 0);

  sub = start_sub (bench->engine, "test/valve/set", &spawned);
  g_assert_true (bd_relay_controller_set_value (bench->controller, valve, 40.2, BD_RELAY_SOURCE_OPERATOR, &error));
  g_assert_no_error (error);
  g_assert_true (bd_setpoint_get_pending (valve));
  g_assert_cmpfloat (bd_setpoint_get_target (valve), ==, 40);
  assert_sub_saw (&spawned, "test/valve/set|1|0|{\"value\":40}");

  /* On its way: not a contradiction. */
  run_pub (bench->engine, "test/valve/state", "{\"value\": 20}");
  g_assert_true (bd_setpoint_get_pending (valve));
  run_pub (bench->engine, "test/valve/state", "{\"value\": 40.4}");
  bd_test_wait_until (bd_test_setpoint_not_pending, valve, 5000, "the valve confirmed");
  g_assert_cmpfloat (bd_setpoint_get_value (valve), ==, 40.4);
  g_assert_null (bd_setpoint_get_last_error (valve));
  g_assert_cmpuint (bench->events.failed, ==, 0);
  g_assert_cmpuint (bench->events.logged->len, ==, 2);
  g_assert_cmpstr (bd_relay_log_entry_get_kind (g_ptr_array_index (bench->events.logged, 0)), ==, "setpoint");
  g_assert_cmpint (bd_relay_log_entry_get_outcome (g_ptr_array_index (bench->events.logged, 0)), ==, BD_RELAY_OUTCOME_SENT);
  g_assert_cmpint (bd_relay_log_entry_get_outcome (g_ptr_array_index (bench->events.logged, 1)), ==, BD_RELAY_OUTCOME_CONFIRMED);
}

/* A report beyond the target, not on the way from the old value, fails the
 * command and says what the device reported. */
static void
test_setpoint_contradicted (void)
{
  g_autoptr(Bench) bench = NULL;
  g_autoptr(BdSetpoint) valve = valve_new ("valve");

  BD_TEST_REQUIRE_PROGRAM ("mosquitto_pub");
  bench = bench_new ();
  add_reported_setpoint (bench, valve, "{\"value\": 10}");

  g_assert_true (bd_relay_controller_set_value (bench->controller, valve, 40, BD_RELAY_SOURCE_OPERATOR, NULL));
  run_pub (bench->engine, "test/valve/state", "{\"value\": 75}");
  bd_test_wait_until (events_failed, &bench->events, 5000, "the command failed");
  g_assert_cmpint (bench->events.outcome, ==, BD_RELAY_OUTCOME_CONTRADICTED);
  g_assert_false (bd_setpoint_get_pending (valve));
  g_assert_cmpfloat (bd_setpoint_get_value (valve), ==, 75);
  g_assert_nonnull (strstr (bd_setpoint_get_last_error (valve), "75 %"));
  g_assert_nonnull (strstr (bd_setpoint_get_last_error (valve), "40 %"));
}

static void
test_setpoint_timeout (void)
{
  g_autoptr(Bench) bench = bench_new ();
  g_autoptr(BdSetpoint) valve = valve_new ("silent");
  gint64 start;

  bd_setpoint_set_timeout (valve, 300);
  g_assert_true (bd_relay_controller_add_setpoint (bench->controller, valve, NULL));
  start = g_get_monotonic_time ();
  g_assert_true (bd_relay_controller_set_value (bench->controller, valve, 55, BD_RELAY_SOURCE_OPERATOR, NULL));
  bd_test_wait_until (events_failed, &bench->events, 5000, "the command failed");
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 300 * 1000);
  g_assert_cmpint (bench->events.outcome, ==, BD_RELAY_OUTCOME_TIMEOUT);
  g_assert_false (bd_setpoint_get_pending (valve));
  g_assert_nonnull (bd_setpoint_get_last_error (valve));
  g_assert_cmpstr (bd_relay_log_entry_get_payload (g_ptr_array_index (bench->events.logged, 1)), ==, "{\"value\":55}");
}

/* Nothing reaches the broker for a value outside the range; the refusal
 * is logged with its reason. */
static void
test_setpoint_out_of_range (void)
{
  g_autoptr(Bench) bench = bench_new ();
  g_autoptr(BdSetpoint) valve = valve_new ("valve");
  g_autoptr(GError) error = NULL;
  guint published = 0;
  guint tap;

  tap = bd_engine_add_tap (bench->engine, "test/#", count_cb, &published, NULL);
  g_assert_true (bd_relay_controller_add_setpoint (bench->controller, valve, NULL));
  g_assert_false (bd_relay_controller_set_value (bench->controller, valve, 100.5, BD_RELAY_SOURCE_OPERATOR, &error));
  g_assert_error (error, BD_RELAY_ERROR, BD_RELAY_ERROR_OUT_OF_RANGE);
  g_clear_error (&error);
  g_assert_false (bd_relay_controller_set_value (bench->controller, valve, -1, BD_RELAY_SOURCE_AUTOMATION, &error));
  g_assert_false (bd_setpoint_get_pending (valve));
  g_assert_cmpuint (bench->events.logged->len, ==, 2);
  g_assert_cmpint (bd_relay_log_entry_get_outcome (g_ptr_array_index (bench->events.logged, 1)), ==, BD_RELAY_OUTCOME_REFUSED);
  g_assert_cmpint (bd_relay_log_entry_get_source (g_ptr_array_index (bench->events.logged, 1)), ==, BD_RELAY_SOURCE_AUTOMATION);
  g_assert_nonnull (bd_relay_log_entry_get_detail (g_ptr_array_index (bench->events.logged, 1)));

  /* The same from the publish panel. */
  g_clear_error (&error);
  g_assert_false (bd_relay_controller_check_publish (bench->controller, "test/valve/set", (const guint8 *) "{\"value\": 120}",
                                                     14, &error));
  g_assert_error (error, BD_RELAY_ERROR, BD_RELAY_ERROR_OUT_OF_RANGE);
  g_assert_true (bd_relay_controller_check_publish (bench->controller, "test/valve/set", (const guint8 *) "{\"value\": 12}",
                                                    13, NULL));
  g_assert_true (bd_relay_controller_check_publish (bench->controller, "test/other", (const guint8 *) "x", 1, NULL));

  /* A valid command goes out, and is the first thing the tap saw. */
  g_assert_true (bd_relay_controller_set_value (bench->controller, valve, 30, BD_RELAY_SOURCE_OPERATOR, NULL));
  BD_TEST_WAIT_UNTIL (g_atomic_int_get (&published) == 1, 5000);
  bd_engine_remove_tap (bench->engine, tap);
}

static gboolean
refuse_heater_cb (BdRelayController    *controller,
                  const BdRelayCommand *command,
                  gpointer              user_data,
                  GError              **error)
{
  guint *calls = user_data;

  (*calls)++;
  if (command->relay != NULL && command->on)
    {
      g_set_error (error, BD_RELAY_ERROR, BD_RELAY_ERROR_BLOCKED, "Blocked by the test (%s)",
                   bd_relay_source_to_string (command->source));
      return FALSE;
    }
  return TRUE;
}

/* The checks see every command, from every source, before it is sent. */
static void
test_checks (void)
{
  g_autoptr(Bench) bench = bench_new ();
  g_autoptr(BdRelay) relay = bd_relay_new ("heater", "Heater", "test/heater/set", "test/heater/state");
  g_autoptr(GError) error = NULL;
  guint calls = 0;
  guint id;

  g_assert_true (bd_relay_controller_add (bench->controller, relay, NULL));
  id = bd_relay_controller_add_check (bench->controller, refuse_heater_cb, &calls, NULL);
  g_assert_false (bd_relay_controller_set (bench->controller, relay, TRUE, &error));
  g_assert_error (error, BD_RELAY_ERROR, BD_RELAY_ERROR_BLOCKED);
  g_assert_cmpstr (error->message, ==, "Blocked by the test (operator)");
  g_assert_false (bd_relay_get_pending (relay));
  g_clear_error (&error);
  g_assert_false (bd_relay_controller_command (bench->controller, relay, TRUE, BD_RELAY_SOURCE_AUTOMATION, &error));
  g_assert_cmpstr (error->message, ==, "Blocked by the test (automation)");
  g_clear_error (&error);
  g_assert_false (bd_relay_controller_check_publish (bench->controller, "test/heater/set", (const guint8 *) "ON", 2, &error));
  g_assert_cmpstr (error->message, ==, "Blocked by the test (publish)");
  g_assert_true (bd_relay_controller_check_publish (bench->controller, "test/heater/set", (const guint8 *) "OFF", 3, NULL));
  g_assert_true (bd_relay_controller_set (bench->controller, relay, FALSE, NULL));
  g_assert_cmpuint (calls, ==, 5);
  g_assert_cmpuint (bench->events.logged->len, ==, 4);
  g_assert_cmpint (bd_relay_log_entry_get_outcome (g_ptr_array_index (bench->events.logged, 2)), ==, BD_RELAY_OUTCOME_REFUSED);
  g_assert_cmpstr (bd_relay_log_entry_get_detail (g_ptr_array_index (bench->events.logged, 2)), ==,
                   "Blocked by the test (publish)");

  bd_relay_controller_remove_check (bench->controller, id);
  g_assert_true (bd_relay_controller_set (bench->controller, relay, TRUE, NULL));
  g_assert_cmpuint (calls, ==, 5);
}

static gboolean
count_is (gpointer data)
{
  return g_atomic_int_get ((guint *) data) >= 2;
}

/* With a rate limit, values in quick succession send the first at once and
 * only the newest of the rest when the interval has passed. */
static void
test_setpoint_rate_limit (void)
{
  g_autoptr(Bench) bench = bench_new ();
  g_autoptr(BdSetpoint) valve = valve_new ("valve");
  guint published = 0;
  gint64 start;
  guint tap;

  bd_setpoint_set_rate_limit (valve, 4);   /* one command per 250 ms */
  tap = bd_engine_add_tap (bench->engine, "test/valve/set", count_cb, &published, NULL);
  g_assert_true (bd_relay_controller_add_setpoint (bench->controller, valve, NULL));
  start = g_get_monotonic_time ();
  for (guint v = 10; v <= 50; v += 10)
    g_assert_true (bd_relay_controller_set_value (bench->controller, valve, v, BD_RELAY_SOURCE_OPERATOR, NULL));
  g_assert_cmpfloat (bd_setpoint_get_target (valve), ==, 50);
  bd_test_wait_until (count_is, &published, 5000, "two commands");
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 240 * 1000);
  g_assert_cmpuint (bench->events.logged->len, ==, 2);
  g_assert_cmpstr (bd_relay_log_entry_get_payload (g_ptr_array_index (bench->events.logged, 0)), ==, "{\"value\":10}");
  g_assert_cmpstr (bd_relay_log_entry_get_payload (g_ptr_array_index (bench->events.logged, 1)), ==, "{\"value\":50}");

  bd_engine_remove_tap (bench->engine, tap);
}

/* The demo plant's valve answers its setpoint: pending, then confirmed. */
static void
test_setpoint_demo (void)
{
  g_autoptr(BdEngine) engine = test_engine_start ("sys_interval 0");
  g_autoptr(BdDemoPlant) plant = bd_demo_plant_new (engine, 1);
  g_autoptr(GPtrArray) valves = bd_setpoints_new_demo ();
  Events events = { 0 };
  g_autoptr(BdRelayController) controller = NULL;
  BdSetpoint *valve;

  bd_demo_plant_start (plant);
  controller = setpoint_controller_for (engine, &events);
  bd_relay_controller_set_setpoints (controller, valves);
  g_assert_cmpuint (g_list_model_get_n_items (bd_relay_controller_get_setpoints (controller)), ==, 3);
  valve = bd_relay_controller_lookup_setpoint (controller, "assembly-valve");
  bd_test_wait_until (setpoint_has_value, valve, 5000, "the valve's retained position");
  g_assert_cmpfloat (bd_setpoint_get_value (valve), ==, 0);

  g_assert_true (bd_relay_controller_set_value (controller, valve, 40, BD_RELAY_SOURCE_OPERATOR, NULL));
  g_assert_true (bd_setpoint_get_pending (valve));
  bd_test_wait_until (bd_test_setpoint_not_pending, valve, 5000, "the valve confirmed");
  g_assert_cmpfloat (bd_setpoint_get_value (valve), ==, 40);
  g_assert_cmpuint (events.failed, ==, 0);

  bd_relay_controller_detach (controller);
  bd_demo_plant_stop (plant);
  bd_engine_stop (engine);
  g_ptr_array_unref (events.logged);
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
  g_test_add_func ("/relays/relay/copy", test_copy);
  g_test_add_func ("/relays/relay/notify", test_notify);
  g_test_add_func ("/relays/controller/unique-id", test_unique_id);
  g_test_add_func ("/relays/controller/rules", test_rules);
  g_test_add_func ("/relays/controller/replace", test_replace);
  g_test_add_func ("/relays/controller/confirmed", test_confirmed);
  g_test_add_func ("/relays/controller/timeout", test_timeout);
  g_test_add_func ("/relays/controller/contradicted", test_contradicted);
  g_test_add_func ("/relays/controller/unknown-state", test_unknown_state);
  g_test_add_func ("/relays/controller/external", test_external);
  g_test_add_func ("/relays/controller/wire", test_wire);
  g_test_add_func ("/relays/controller/checks", test_checks);
  g_test_add_func ("/relays/setpoint/ini", test_setpoint_ini);
  g_test_add_func ("/relays/setpoint/rules", test_setpoint_rules);
  g_test_add_func ("/relays/setpoint/values", test_setpoint_values);
  g_test_add_func ("/relays/setpoint/confirmed", test_setpoint_confirmed);
  g_test_add_func ("/relays/setpoint/contradicted", test_setpoint_contradicted);
  g_test_add_func ("/relays/setpoint/timeout", test_setpoint_timeout);
  g_test_add_func ("/relays/setpoint/out-of-range", test_setpoint_out_of_range);
  g_test_add_func ("/relays/setpoint/rate-limit", test_setpoint_rate_limit);
  g_test_add_func ("/relays/setpoint/demo", test_setpoint_demo);

  return g_test_run ();
}
