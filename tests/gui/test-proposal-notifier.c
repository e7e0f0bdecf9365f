/* test-proposal-notifier.c — "ask" proposals in desktop notifications
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * On a private session bus, fake-notifications.py plays the desktop's
 * notification server: it records what libnotify sends and clicks actions
 * when told. A real alarm engine raises an alarm, an "ask" automation
 * proposes to switch a relay, and the proposal is answered once from the
 * notification and once as the window's prompt would.
 */

#include "config.h"

#include <string.h>

#include <libnotify/notify.h>

#include "bd-proposal-notifier.h"
#include "bd-test-alarms.h"
#include "bd-test-util.h"
#include "test-client.h"

typedef struct
{
  GTestDBus        *bus;
  GSubprocess      *server;
  GDataInputStream *server_out;
  char             *log_path;
} Server;

static char *
read_server_line (Server *server)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  char *line;

  g_data_input_stream_read_line_async (server->server_out, G_PRIORITY_DEFAULT, NULL,
                                       bd_test_result_cb, &result);
  bd_test_wait_result (&result, 10000, "a line from the notification server");
  line = g_data_input_stream_read_line_finish_utf8 (server->server_out, result, NULL, &error);
  g_assert_no_error (error);
  return line;
}

static void
server_start (Server     *server,
              const char *dir)
{
  const char *source_dir = g_getenv ("BROKERDESK_SOURCE_DIR");
  g_autofree char *script = NULL;
  g_autofree char *ready = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (source_dir);
  server->bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (server->bus);
  script = g_build_filename (source_dir, "tests", "gui", "fake-notifications.py", NULL);
  server->log_path = g_build_filename (dir, "notifications.jsonl", NULL);
  server->server = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE,
                                     &error, "/usr/bin/python3", script, server->log_path, NULL);
  g_assert_no_error (error);
  server->server_out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (server->server));
  ready = read_server_line (server);
  g_assert_cmpstr (ready, ==, "ready");
}

static void
server_stop (Server *server)
{
  g_subprocess_force_exit (server->server);
  g_subprocess_wait (server->server, NULL, NULL);
  g_clear_object (&server->server_out);
  g_clear_object (&server->server);
  g_test_dbus_down (server->bus);
  g_clear_object (&server->bus);
  g_clear_pointer (&server->log_path, g_free);
}

/* Clicks @key on notification @id, and waits until the server did. */
static void
server_invoke (Server     *server,
               guint       id,
               const char *key)
{
  g_autofree char *command = g_strdup_printf ("invoke %u %s\n", id, key);
  g_autofree char *reply = NULL;
  g_autoptr(GError) error = NULL;

  g_output_stream_write_all (g_subprocess_get_stdin_pipe (server->server), command,
                             strlen (command), NULL, NULL, &error);
  g_assert_no_error (error);
  reply = read_server_line (server);
  g_assert_cmpstr (reply, ==, "invoked");
}

/* The recorded calls (one JSON object a line), as one string. */
static char *
server_log (Server *server)
{
  char *contents = NULL;

  if (!g_file_get_contents (server->log_path, &contents, NULL, NULL))
    return g_strdup ("");
  return contents;
}

static gboolean
log_has (Server     *server,
         const char *text)
{
  g_autofree char *log = server_log (server);

  return strstr (log, text) != NULL;
}

static gboolean
has_proposal (gpointer data)
{
  return g_list_model_get_n_items (bd_automation_engine_get_proposals (data)) > 0;
}

static void
test_proposals (void)
{
  g_autoptr(BdTestTmpdir) dir = bd_test_tmpdir_new ("proposal-notifier");
  Server server = { 0 };
  g_autoptr(BdAlarmEngine) alarms = bd_alarm_engine_new ();
  g_autoptr(BdRelayController) relays = bd_relay_controller_new ();
  g_autoptr(BdAutomationEngine) automations = NULL;
  g_autoptr(BdProposalNotifier) notifier = NULL;
  g_autoptr(GPtrArray) sent = g_ptr_array_new_with_free_func ((GDestroyNotify) bd_message_unref);
  g_autoptr(GPtrArray) rules = g_ptr_array_new_with_free_func ((GDestroyNotify) bd_alarm_rule_free);
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) bd_automation_free);
  g_autoptr(BdRelay) fan = bd_relay_new ("fan", "Fan", "plant/fan/set", "plant/fan/state");
  g_autoptr(BdAutomationProposal) proposal = NULL;
  g_autofree char *log = NULL;
  BdAlarmRule *rule = bd_test_alarm_rule_new ("hot", "Hot", "plant/temperature", 30);
  BdAutomation *automation = bd_automation_new ("fan-when-hot");

  server_start (&server, dir);

  g_ptr_array_add (rules, rule);
  bd_alarm_engine_set_rules (alarms, rules);
  bd_relay_controller_set_publish_func (relays, test_message_collect_cb, sent, NULL);
  g_assert_true (bd_relay_controller_add (relays, fan, NULL));
  automations = bd_automation_engine_new (alarms, relays);
  automation->name = g_strdup ("Fan when hot");
  automation->mode = BD_AUTOMATION_MODE_ASK;
  automation->alarm_rule = g_strdup ("hot");
  automation->target = g_strdup ("fan");
  automation->on = TRUE;
  g_ptr_array_add (list, automation);
  bd_automation_engine_set_automations (automations, list);
  notifier = bd_proposal_notifier_new (automations);

  /* 1. Raised: proposed, and in a notification with Confirm and Dismiss. */
  bd_test_alarms_feed (alarms, "plant/temperature", "35");
  bd_test_wait_until (has_proposal, automations, 5000, "a proposal");
  BD_TEST_WAIT_FOR (log_has (&server, "\"summary\": \"Fan when hot\""),
                    5000, "the proposal's notification");
  log = server_log (&server);
  g_assert_nonnull (strstr (log, "\"id\": 1"));
  g_assert_nonnull (strstr (log, "\"confirm\", \"Confirm\""));
  g_assert_nonnull (strstr (log, "\"dismiss\", \"Dismiss\""));
  g_assert_cmpuint (sent->len, ==, 0);

  /* Confirm, clicked on the notification: the relay is switched, the
   * proposal is gone and so is its notification. */
  server_invoke (&server, 1, "confirm");
  BD_TEST_WAIT_UNTIL (sent->len >= 1, 5000);
  g_assert_cmpstr (bd_message_get_topic (g_ptr_array_index (sent, 0)), ==, "plant/fan/set");
  g_assert_cmpuint (g_list_model_get_n_items (bd_automation_engine_get_proposals (automations)), ==, 0);
  BD_TEST_WAIT_FOR (log_has (&server, "{\"call\": \"CloseNotification\", \"id\": 1}"),
                    5000, "the notification withdrawn");

  /* 2. Raised again: answered in the window, the notification goes. */
  bd_alarm_engine_acknowledge_all (alarms);
  bd_test_alarms_feed (alarms, "plant/temperature", "20");
  bd_test_alarms_feed (alarms, "plant/temperature", "36");
  bd_test_wait_until (has_proposal, automations, 5000, "a second proposal");
  BD_TEST_WAIT_FOR (log_has (&server, "\"id\": 2"),
                    5000, "the second notification");
  proposal = g_list_model_get_item (bd_automation_engine_get_proposals (automations), 0);
  bd_automation_engine_dismiss (automations, proposal);
  BD_TEST_WAIT_FOR (log_has (&server, "{\"call\": \"CloseNotification\", \"id\": 2}"),
                    5000, "the second notification withdrawn");
  g_assert_cmpuint (sent->len, ==, 1);

  g_clear_object (&notifier);
  /* libnotify keeps its connection to the bus until then. */
  notify_uninit ();
  server_stop (&server);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/gui/proposal-notifier/answer", test_proposals);

  return g_test_run ();
}
