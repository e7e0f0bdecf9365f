/* test-service.c — the whole stack in one process: engine, history, alarms, relays
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * BdService started as --headless and the GUI start it, on 127.0.0.1 port 0,
 * with a temporary data directory and XDG directories of its own (a first
 * run, so the demo plant's rules and relays are set up and saved). A real
 * MQTT client on a loopback socket publishes; the history, the alarm engine,
 * the relay controller and the journal must each see it. No sleeps: every
 * wait iterates this thread's main context up to a deadline.
 */

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "bd-service.h"
#include "bd-test-journal.h"
#include "bd-test-service.h"
#include "bd-test-util.h"
#include "test-client.h"

#define WAIT_S 10

static BdTestTmpdir *tmp_dir;

static void
count_notify_cb (GObject    *object,
                 GParamSpec *pspec,
                 gpointer    user_data)
{
  (*(guint *) user_data)++;
}

static gboolean
history_has_message (gpointer data)
{
  BdService *service = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) messages = NULL;

  /* The message reaches the recorder's queue on the engine thread; a
   * flush commits what is queued so far. */
  g_assert_true (bd_recorder_flush_sync (bd_service_get_recorder (service), &error));
  g_assert_no_error (error);
  messages = bd_history_query_messages (bd_service_get_history (service),
                                        "busan/factory/assembly/temperature", 10, NULL, &error);
  g_assert_no_error (error);
  return messages != NULL && messages->len > 0;
}

typedef struct
{
  BdAlarmEngine *alarms;
  BdRelayController *relays;
} Operations;

static gboolean
operations_loaded (gpointer data)
{
  Operations *ops = data;
  g_autoptr(GPtrArray) rules = bd_alarm_engine_dup_rules (ops->alarms);

  return rules->len > 0 && bd_relay_controller_lookup (ops->relays, "assembly-fan") != NULL;
}

static gboolean
alarm_raised (gpointer data)
{
  return g_list_model_get_n_items (bd_alarm_engine_get_alarms (data)) > 0;
}

static gboolean
relay_confirmed (gpointer data)
{
  GListModel *log = bd_relay_controller_get_log (data);

  for (guint i = 0; i < g_list_model_get_n_items (log); i++)
    {
      g_autoptr(BdRelayLogEntry) entry = g_list_model_get_item (log, i);

      if (bd_relay_log_entry_get_outcome (entry) == BD_RELAY_OUTCOME_CONFIRMED)
        return TRUE;
    }
  return FALSE;
}

static gboolean
alarm_acknowledged (gpointer data)
{
  return bd_alarm_get_state (data) == BD_ALARM_STATE_ACKED;
}

static void
test_start_stop (void)
{
  g_autofree char *data_dir = g_build_filename (tmp_dir, "data", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(BdService) service = NULL;
  g_autoptr(TestClient) client = NULL;
  g_autoptr(BdEngine) engine_property = NULL;
  g_autoptr(BdAlarmEngine) alarms_property = NULL;
  g_autofree char *relays_ini = NULL;
  g_autofree char *command = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  Operations ops;
  BdRelay *fan;
  g_autoptr(BdAlarm) alarm = NULL;
  g_autofree char *who = NULL;
  guint n_alarms = 0;
  guint n_relays = 0;
  guint n_journal = 0;
  guint16 port;

  service = bd_test_service_start (data_dir);

  /* The engine, the recorder and the history are there from the start;
   * the operations are not. */
  g_object_get (service, "engine", &engine_property, NULL);
  g_assert_true (engine_property == bd_service_get_engine (service));
  g_assert_nonnull (bd_service_get_recorder (service));
  g_assert_nonnull (bd_service_get_history (service));
  g_assert_null (bd_service_get_alarms (service));
  g_assert_null (bd_service_get_relays (service));
  g_assert_null (bd_service_get_journal (service));

  port = bd_engine_get_port (bd_service_get_engine (service), 0);
  g_assert_cmpuint (port, >, 0);

  g_signal_connect (service, "notify::alarms", G_CALLBACK (count_notify_cb), &n_alarms);
  g_signal_connect (service, "notify::relays", G_CALLBACK (count_notify_cb), &n_relays);
  g_signal_connect (service, "notify::journal", G_CALLBACK (count_notify_cb), &n_journal);
  bd_service_start_operations (service, TRUE, FALSE);
  g_assert_cmpuint (n_alarms, ==, 1);
  g_assert_cmpuint (n_relays, ==, 1);
  g_assert_cmpuint (n_journal, ==, 1);
  g_object_get (service, "alarms", &alarms_property, NULL);
  g_assert_true (alarms_property == bd_service_get_alarms (service));
  g_assert_nonnull (bd_service_get_journal (service));

  /* A first run: the demo plant's rules and relays, loaded on a worker. */
  ops.alarms = bd_service_get_alarms (service);
  ops.relays = bd_service_get_relays (service);
  bd_test_wait_until (operations_loaded, &ops, WAIT_S * 1000, "the demo rules and relays");

  /* A real client: what it publishes is recorded and raises the demo
   * temperature alarm (Hi 28 °C, after 2 s above it). */
  client = test_client_connect (port, "test-service", TRUE);
  test_client_subscribe (client, "busan/factory/+/+/set", 0);
  test_client_publish (client, "busan/factory/assembly/temperature", "35.5", 0, FALSE);
  bd_test_wait_until (history_has_message, service, WAIT_S * 1000, "the message in the history");
  bd_test_wait_until (alarm_raised, ops.alarms, WAIT_S * 1000, "the temperature alarm");

  /* The alarm in people's words: plain until the overview is loaded, then
   * with its tile's label and unit (the demo's, on a first run). */
  {
    g_autoptr(BdAlarm) raised = g_list_model_get_item (bd_alarm_engine_get_alarms (ops.alarms), 0);
    g_autoptr(GAsyncResult) result = NULL;
    g_autofree char *plain = NULL;
    g_autofree char *described = NULL;
    g_autofree char *value = NULL;
    guint n_changed = 0;

    g_assert_cmpstr (bd_alarm_get_topic (raised), ==, "busan/factory/assembly/temperature");
    plain = bd_service_describe_alarm (service, raised);
    g_assert_true (g_str_has_suffix (plain, " — busan/factory/assembly/temperature: 35.5"));
    g_signal_connect (service, "overview-changed", G_CALLBACK (count_notify_cb), &n_changed);
    bd_service_load_overview_async (service, NULL, bd_test_result_cb, &result);
    bd_test_wait_result (&result, WAIT_S * 1000, "the overview");
    g_assert_nonnull (bd_service_load_overview_finish (service, result, &error));
    g_assert_no_error (error);
    g_assert_true (bd_service_get_overview (service) != NULL);
    g_assert_cmpuint (n_changed, ==, 1);
    described = bd_service_describe_alarm (service, raised);
    g_assert_true (g_str_has_prefix (described, "Temperature "));
    g_assert_true (g_str_has_suffix (described,
                                     " — Temperature (busan/factory/assembly/temperature): 35.5 °C"));
    value = bd_service_format_alarm_value (service, raised);
    g_assert_cmpstr (value, ==, "35.5 °C");
    g_signal_handlers_disconnect_by_data (service, &n_changed);
  }

  /* The relay controller publishes its command through the engine; the
   * device's answer on the state topic confirms it. */
  fan = bd_relay_controller_lookup (ops.relays, "assembly-fan");
  g_assert_true (bd_relay_controller_set (ops.relays, fan, TRUE, &error));
  g_assert_no_error (error);
  command = test_client_read_publish (client, "busan/factory/assembly/fan/set");
  test_client_publish (client, "busan/factory/assembly/fan/state", command, 0, FALSE);
  bd_test_wait_until (relay_confirmed, ops.relays, WAIT_S * 1000, "the relay's confirmation");

  /* The operator acknowledges the alarm. */
  alarm = g_list_model_get_item (bd_alarm_engine_get_alarms (ops.alarms), 0);
  bd_alarm_engine_acknowledge (ops.alarms, alarm);
  bd_test_wait_until (alarm_acknowledged, alarm, WAIT_S * 1000, "the acknowledgement");

  /* Both write to the one journal the service wired up; what an operator
   * did says who did it. */
  who = g_strdup_printf ("by %s", g_get_user_name ());
  entries = bd_test_journal_entries (bd_service_get_journal (service), BD_JOURNAL_KIND_ALARM);
  g_assert_cmpuint (entries->len, >, 1);
  g_assert_true (bd_test_journal_has (entries, NULL, "acked", who));
  /* The alarm itself rose on its own. */
  g_assert_false (bd_test_journal_has (entries, NULL, "unack", who));
  g_clear_pointer (&entries, g_ptr_array_unref);
  entries = bd_test_journal_entries (bd_service_get_journal (service), BD_JOURNAL_KIND_RELAY);
  g_assert_cmpuint (entries->len, >, 0);
  g_assert_true (bd_test_journal_has (entries, NULL, NULL, who));

  /* The demo relays were saved to the (temporary) configuration folder. */
  relays_ini = g_build_filename (g_get_user_config_dir (), "brokerdesk", "relays.ini", NULL);
  g_clear_pointer (&client, test_client_free);
  bd_service_stop (service);
  /* Idempotent: the last unref stops it again. */
  g_clear_object (&service);
  g_assert_true (g_file_test (relays_ini, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (data_dir, G_FILE_TEST_IS_DIR));
}

static void
count_changed_cb (BdService *service,
                  gpointer   user_data)
{
  (*(guint *) user_data)++;
}

static gboolean
tick_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

static gboolean
bridge_connected (gpointer data)
{
  g_autoptr(BdBridgeStatus) status = bd_bridge_dup_status (data);

  return status->state == BD_BRIDGE_STATE_CONNECTED;
}

static BdBridgeConfig *
parse_bridge (const char *text)
{
  g_autoptr(BdBrokerConfig) config = bd_broker_config_new ();
  g_autoptr(GError) error = NULL;

  g_assert_true (bd_broker_config_parse (config, "bridge", text, &error));
  g_assert_no_error (error);
  return g_ptr_array_steal_index (config->bridges, 0);
}

/* What the Broker page does after saving a bridge's lines: one bridge
 * started, replaced by its new configuration, removed; the others and the
 * service untouched. The upstream is the service's own engine. */
static void
test_bridges (void)
{
  g_autofree char *data_dir = g_build_filename (tmp_dir, "bridges", NULL);
  g_autoptr(BdService) service = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BdBridgeConfig) first = NULL;
  g_autoptr(BdBridgeConfig) second = NULL;
  g_autofree char *text = NULL;
  GPtrArray *bridges;
  BdBridge *bridge;
  guint changed = 0;
  guint16 port;
  guint tick;

  service = bd_test_service_start (data_dir);
  bridges = bd_service_get_bridges (service);
  g_assert_cmpuint (bridges->len, ==, 0);
  g_signal_connect (service, "bridges-changed", G_CALLBACK (count_changed_cb), &changed);
  port = bd_engine_get_port (bd_service_get_engine (service), 0);
  /* A bridge signals nothing (its own thread owns its state): its status is
   * read as the Broker page does, polled, here every 20 ms. */
  tick = g_timeout_add (20, tick_cb, NULL);

  text = g_strdup_printf ("connection loop\naddress 127.0.0.1:%u\ntopic a/# out 0 \"\" up/\n", port);
  first = parse_bridge (text);
  bd_service_set_bridge (service, first);
  g_assert_cmpuint (changed, ==, 1);
  g_assert_cmpuint (bridges->len, ==, 1);
  bridge = g_ptr_array_index (bridges, 0);
  bd_test_wait_until (bridge_connected, bridge, WAIT_S * 1000, "the bridge connected");

  /* The same name again: replaced in place, and running. */
  g_clear_pointer (&text, g_free);
  text = g_strdup_printf ("connection loop\naddress 127.0.0.1:%u\ntopic b/# out 1 \"\" up/\n", port);
  second = parse_bridge (text);
  bd_service_set_bridge (service, second);
  g_assert_cmpuint (changed, ==, 2);
  g_assert_cmpuint (bridges->len, ==, 1);
  bridge = g_ptr_array_index (bridges, 0);
  g_assert_cmpstr (((BdBridgeTopic *) g_ptr_array_index (bd_bridge_get_config (bridge)->topics,
                                                          0))->pattern, ==, "b/#");
  bd_test_wait_until (bridge_connected, bridge, WAIT_S * 1000, "the new bridge connected");

  g_source_remove (tick);
  g_assert_true (bd_service_remove_bridge (service, "loop"));
  g_assert_cmpuint (changed, ==, 3);
  g_assert_cmpuint (bridges->len, ==, 0);
  g_assert_false (bd_service_remove_bridge (service, "loop"));
  g_assert_cmpuint (changed, ==, 3);
  bd_service_stop (service);
}

/* The window's export: the history of a real history.db written to a file,
 * each row with the label and unit the overview gives its topic. */
static void
test_export_history (void)
{
  g_autofree char *data_dir = g_build_filename (tmp_dir, "export-data", NULL);
  g_autofree char *path = g_build_filename (tmp_dir, "export.csv", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  BdExportOptions export = { BD_EXPORT_FORMAT_CSV, "plant/#", G_MININT64, G_MAXINT64, NULL, NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(BdService) service = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr(GBytes) bytes = g_bytes_new_static ("21.5", 4);
  g_autoptr(GBytes) other = g_bytes_new_static ("7", 1);
  /* Recent, whole seconds: retention keeps them, and the times read plainly. */
  gint64 t0_ms = g_get_real_time () / G_USEC_PER_SEC * 1000 - 60000;
  g_autoptr(BdMessage) reading = bd_message_new_full ("plant/t", bytes, 0, FALSE, NULL, NULL,
                                                      t0_ms * 1000);
  g_autoptr(BdMessage) plain = bd_message_new_full ("plant/x", other, 0, FALSE, NULL, NULL,
                                                    (t0_ms + 1000) * 1000);
  g_autofree char *time0 = NULL;
  g_autofree char *time1 = NULL;
  g_autofree char *expected = NULL;
  static const char ini[] = "[area plant]\n[tile plant/t]\nlabel=Tank\nunit=°C\n";
  g_autofree char *text = NULL;
  guint64 n_rows = 0;

  service = bd_test_service_start (data_dir);

  bd_recorder_tap (reading, bd_service_get_recorder (service));
  bd_recorder_tap (plain, bd_service_get_recorder (service));
  g_assert_true (bd_recorder_flush_sync (bd_service_get_recorder (service), &error));
  g_assert_no_error (error);
  bd_service_set_overview (service, bd_overview_config_from_data (ini, sizeof ini - 1, NULL, &error));
  g_assert_no_error (error);

  export.time_zone = utc;
  bd_service_export_history_async (service, file, &export, NULL, bd_test_result_cb, &result);
  bd_test_wait_result (&result, WAIT_S * 1000, "the export");
  g_assert_true (bd_service_export_history_finish (service, result, &n_rows, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_rows, ==, 2);
  g_assert_true (g_file_get_contents (path, &text, NULL, &error));
  time0 = bd_export_format_time (t0_ms, utc);
  time1 = bd_export_format_time (t0_ms + 1000, utc);
  expected = g_strdup_printf ("time,topic,value,payload,label,unit\r\n"
                              "%s,plant/t,21.5,21.5,Tank,°C\r\n"
                              "%s,plant/x,7,7,,\r\n", time0, time1);
  g_assert_cmpstr (text, ==, expected);

  bd_service_stop (service);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *config = NULL;
  g_autofree char *data = NULL;
  int status;

  /* Before anything asks GLib for them: it keeps the first answer. */
  tmp_dir = bd_test_tmpdir_new ("bd-service");
  config = g_build_filename (tmp_dir, "xdg-config", NULL);
  data = g_build_filename (tmp_dir, "xdg-data", NULL);
  g_setenv ("XDG_CONFIG_HOME", config, TRUE);
  g_setenv ("XDG_DATA_HOME", data, TRUE);

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/service/start-stop", test_start_stop);
  g_test_add_func ("/service/bridges", test_bridges);
  g_test_add_func ("/service/export-history", test_export_history);
  status = g_test_run ();

  bd_test_tmpdir_free (tmp_dir);
  return status;
}
