/* test-alarm-notifier.c — alarm notifications and their actions
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * On a private session bus, against fake-notifications.py (a notification
 * server that logs each call and clicks an action when told), with a real
 * alarm engine: the notifier's libnotify calls and the server's
 * ActionInvoked signal go over D-Bus as with GNOME Shell.
 */

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>
#include <libnotify/notify.h>

#include "bd-alarm-notifier.h"
#include "bd-test-alarms.h"
#include "bd-test-util.h"

#define WAIT_MS 10000

typedef struct
{
  GSubprocess   *process;
  GOutputStream *input;
  char          *log;
} Server;

static void
server_start (Server     *server,
              const char *log)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *line = NULL;
  g_autofree char *script = g_build_filename (g_getenv ("BROKERDESK_SOURCE_DIR"), "tests", "gui",
                                              "fake-notifications.py", NULL);

  server->log = g_strdup (log);
  server->process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE,
                                      &error, "/usr/bin/python3", script, log, NULL);
  g_assert_no_error (error);
  server->input = g_subprocess_get_stdin_pipe (server->process);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (server->process));
  line = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (line, ==, "ready");
}

static void
server_stop (Server *server)
{
  g_subprocess_force_exit (server->process);
  g_subprocess_wait (server->process, NULL, NULL);
  g_clear_object (&server->process);
  g_clear_pointer (&server->log, g_free);
}

static void
server_invoke (Server     *server,
               gint64      id,
               const char *action)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *line = g_strdup_printf ("invoke %" G_GINT64_FORMAT " %s\n", id, action);

  g_output_stream_write_all (server->input, line, strlen (line), NULL, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_flush (server->input, NULL, &error);
  g_assert_no_error (error);
}

/* The Notify calls logged so far (JsonObject*). */
static GPtrArray *
notified (Server *server)
{
  GPtrArray *calls = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;

  if (!g_file_get_contents (server->log, &text, NULL, NULL))
    return calls;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(JsonNode) node = json_from_string (lines[i], NULL);

      if (node != NULL && JSON_NODE_HOLDS_OBJECT (node) &&
          g_strcmp0 (json_object_get_string_member (json_node_get_object (node), "call"),
                     "Notify") == 0)
        g_ptr_array_add (calls, json_object_ref (json_node_get_object (node)));
    }
  return calls;
}

static gboolean
has_action (JsonObject *call,
            const char *key)
{
  JsonArray *actions = json_object_get_array_member (call, "actions");

  /* KEY, LABEL, KEY, LABEL, ... */
  for (guint i = 0; i + 1 < json_array_get_length (actions); i += 2)
    if (g_strcmp0 (json_array_get_string_element (actions, i), key) == 0)
      return TRUE;
  return FALSE;
}

static guint
n_notified (Server *server)
{
  g_autoptr(GPtrArray) calls = notified (server);

  return calls->len;
}


static void
opened_cb (BdAlarmNotifier *notifier,
           BdAlarm         *alarm,
           guint           *n_opened)
{
  (*n_opened)++;
}

static void
test_actions (void)
{
  g_autoptr(GTestDBus) bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_autoptr(GError) error = NULL;
  g_autoptr(BdTestTmpdir) dir = bd_test_tmpdir_new ("alarm-notifier");
  g_autofree char *log = g_build_filename (dir, "notifications.jsonl", NULL);
  g_autofree char *log2 = g_build_filename (dir, "notifications-2.jsonl", NULL);
  g_autoptr(BdAlarmEngine) engine = bd_alarm_engine_new ();
  BdAlarmRule *rule = bd_test_alarm_rule_new ("temp", "Temperature", "plant/+/+", 28);
  g_autoptr(BdAlarmNotifier) notifier = NULL;
  g_autoptr(GPtrArray) calls = NULL;
  JsonObject *call;
  BdAlarm *alarm;
  Server server = { 0 };
  guint n_opened = 0;

  g_test_dbus_up (bus);
  server_start (&server, log);

  g_assert_true (bd_alarm_engine_add_rule (engine, rule, &error));
  g_assert_no_error (error);
  bd_alarm_rule_free (rule);
  notifier = bd_alarm_notifier_new (engine);
  g_signal_connect (notifier, "open", G_CALLBACK (opened_cb), &n_opened);

  /* One alarm, one notification with its actions. */
  bd_test_alarms_feed (engine, "plant/a/t1", "30");
  BD_TEST_WAIT_UNTIL (n_notified (&server) == 1, WAIT_MS);
  calls = notified (&server);
  call = g_ptr_array_index (calls, 0);
  g_assert_true (has_action (call, "acknowledge"));
  g_assert_true (has_action (call, "open"));
  g_assert_true (has_action (call, "shelve"));
  alarm = bd_test_find_alarm (engine, NULL, "plant/a/t1");
  g_assert_nonnull (alarm);
  g_assert_cmpint (bd_alarm_get_state (alarm), ==, BD_ALARM_STATE_UNACK);

  /* The server's ActionInvoked acknowledges the alarm; Open asks for the
   * window. */
  server_invoke (&server, json_object_get_int_member (call, "id"), "open");
  BD_TEST_WAIT_UNTIL (n_opened == 1, WAIT_MS);
  g_assert_cmpint (bd_alarm_get_state (alarm), ==, BD_ALARM_STATE_UNACK);
  server_invoke (&server, json_object_get_int_member (call, "id"), "acknowledge");
  BD_TEST_WAIT_UNTIL (bd_alarm_get_state (alarm) == BD_ALARM_STATE_ACKED, WAIT_MS);
  g_clear_pointer (&calls, g_ptr_array_unref);

  /* Many at once: one notification per area, after the rate limit. */
  bd_test_alarms_feed (engine, "plant/b/t1", "30");
  bd_test_alarms_feed (engine, "plant/b/t2", "31");
  bd_test_alarms_feed (engine, "plant/b/t3", "32");
  bd_test_alarms_feed (engine, "plant/c/t1", "33");
  BD_TEST_WAIT_UNTIL (n_notified (&server) == 3, WAIT_MS);
  calls = notified (&server);
  call = g_ptr_array_index (calls, 1);
  g_assert_cmpstr (json_object_get_string_member (call, "summary"), ==,
                   "3 alarms raised in plant/b");
  g_assert_cmpstr (json_object_get_string_member (g_ptr_array_index (calls, 2), "summary"), ==,
                   "Alarm: Temperature Hi");
  /* Shelve the area's alarms from its one notification. */
  server_invoke (&server, json_object_get_int_member (call, "id"), "shelve");
  BD_TEST_WAIT_UNTIL (bd_alarm_get_state (bd_test_find_alarm (engine, NULL, "plant/b/t3")) ==
                      BD_ALARM_STATE_SHELVED, WAIT_MS);
  g_assert_cmpint (bd_alarm_get_state (bd_test_find_alarm (engine, NULL, "plant/b/t1")), ==,
                   BD_ALARM_STATE_SHELVED);
  g_assert_cmpint (bd_alarm_get_state (bd_test_find_alarm (engine, NULL, "plant/c/t1")), ==,
                   BD_ALARM_STATE_UNACK);

  /* The server goes away (a failed call), then a new one starts: it is
   * used again. */
  server_stop (&server);
  g_assert_true (bd_alarm_notifier_is_connected (notifier));
  bd_test_alarms_feed (engine, "plant/d/t1", "30");
  BD_TEST_WAIT_UNTIL (!bd_alarm_notifier_is_connected (notifier), WAIT_MS);
  server_start (&server, log2);
  BD_TEST_WAIT_UNTIL (bd_alarm_notifier_is_connected (notifier), WAIT_MS);
  bd_test_alarms_feed (engine, "plant/e/t1", "30");
  BD_TEST_WAIT_UNTIL (n_notified (&server) == 1, WAIT_MS);
  g_clear_pointer (&calls, g_ptr_array_unref);
  calls = notified (&server);
  g_assert_nonnull (strstr (json_object_get_string_member (g_ptr_array_index (calls, 0), "body"),
                            "plant/e/t1"));

  server_stop (&server);
  g_clear_object (&notifier);
  /* libnotify keeps its connection until told: _down () waits for it. */
  notify_uninit ();
  g_test_dbus_down (bus);
}

int
main (int   argc,
      char *argv[])
{
  /* The strings the checks compare are the English ones. */
  g_setenv ("LANGUAGE", "C", TRUE);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/gui/alarm-notifier/actions", test_actions);

  return g_test_run ();
}
