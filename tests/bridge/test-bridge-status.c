/* test-bridge-status.c — what the Broker page reads of a bridge
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Two engines in the process, one the other's upstream, and a BdBridge
 * between them; the test reads bd_bridge_dup_status () as the GUI would.
 */

#include "config.h"

#include <string.h>

#include "bd-bridge.h"
#include "bd-test-util.h"
#include "test-client.h"

static gint upstream_seen;

static void
count_cb (BdMessage *message,
          gpointer   user_data)
{
  g_atomic_int_inc (&upstream_seen);
}

/* An engine as the upstream, counting what arrives on up/#. */
static BdEngine *
counted_upstream (void)
{
  g_autoptr(GError) error = NULL;
  BdEngine *upstream = test_engine_new (NULL);

  g_atomic_int_set (&upstream_seen, 0);
  bd_engine_add_tap (upstream, "up/#", count_cb, NULL, NULL);
  g_assert_true (bd_engine_start (upstream, &error));
  g_assert_no_error (error);
  return upstream;
}

static BdBridge *
bridge_with (guint16      port,
             const char  *extra,
             BdEngine   **local_out)
{
  g_autofree char *text = g_strdup_printf ("connection up\n"
                                           "address 127.0.0.1:%u\n"
                                           "remote_clientid status-test\n"
                                           "restart_timeout 1 2\n"
                                           "topic s/# out 1 \"\" up/\n%s", port, extra);
  BdEngine *local = test_engine_start (text);
  const BdBrokerConfig *config = bd_engine_get_config (local);
  BdBridge *bridge = bd_bridge_new (local, g_ptr_array_index (config->bridges, 0));

  bd_bridge_start (bridge);
  *local_out = local;
  return bridge;
}

static BdBridge *
bridge_to (guint16     port,
           BdEngine  **local_out)
{
  return bridge_with (port, "", local_out);
}

/* The status is read, not signalled (the GUI reads it now and then): wake
 * the waits of this thread every 10 ms to read it again. */
static gboolean
tick_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static BdBridgeState
state_of (BdBridge *bridge)
{
  g_autoptr(BdBridgeStatus) status = bd_bridge_dup_status (bridge);

  return status->state;
}

static guint64
out_total (BdBridge *bridge)
{
  g_autoptr(BdBridgeStatus) status = bd_bridge_dup_status (bridge);

  return status->out_total;
}

/* The connected sessions of @engine whose connection is internal, or
 * (with @internal FALSE) from a device. */
static guint
n_connected (BdEngine *engine,
             gboolean  internal)
{
  g_autoptr(GPtrArray) clients = test_engine_list_clients (engine);
  guint n = 0;

  for (guint i = 0; i < clients->len; i++)
    {
      const BdClientInfo *info = g_ptr_array_index (clients, i);

      if (info->connected && info->internal == internal)
        n++;
    }
  return n;
}

static void
test_connected_then_backing_off (void)
{
  g_autoptr(BdEngine) upstream = counted_upstream ();
  g_autoptr(BdEngine) local = NULL;
  g_autoptr(BdBridge) bridge = NULL;
  g_autoptr(BdBridgeStatus) status = NULL;
  g_autoptr(BdMessage) message = NULL;
  g_autoptr(TestClient) device = NULL;
  g_autofree char *address = NULL;
  guint16 port;

  port = bd_engine_get_port (upstream, 0);
  bridge = bridge_to (port, &local);
  g_assert_cmpstr (bd_bridge_get_name (bridge), ==, "up");

  BD_TEST_WAIT_UNTIL (state_of (bridge) == BD_BRIDGE_STATE_CONNECTED, 10000);
  status = bd_bridge_dup_status (bridge);
  address = g_strdup_printf ("127.0.0.1:%u", port);
  g_assert_cmpstr (status->address, ==, address);
  g_assert_null (status->reason);
  g_clear_pointer (&status, bd_bridge_status_free);

  /* The bridge's own connection to its broker is internal, not a device
   * (the quit confirmation counts devices). */
  device = test_client_connect (bd_engine_get_port (local, 0), "device", TRUE);
  BD_TEST_WAIT_UNTIL (n_connected (local, TRUE) == 1, 10000);
  g_assert_cmpuint (n_connected (local, FALSE), ==, 1);

  /* Forwarded, with the remote prefix, and counted once acknowledged (the
   * bridge's session exists from its start, so nothing is missed while its
   * local side comes back). */
  message = test_message_new ("s/x", "1", FALSE);
  message->qos = 1;
  bd_engine_publish (local, message);
  BD_TEST_WAIT_UNTIL (out_total (bridge) >= 1, 10000);
  g_assert_cmpint (g_atomic_int_get (&upstream_seen), >=, 1);

  /* The upstream goes: backing off, with the reason and the next try. */
  bd_engine_stop (upstream);
  BD_TEST_WAIT_UNTIL (state_of (bridge) == BD_BRIDGE_STATE_BACKING_OFF, 10000);
  status = bd_bridge_dup_status (bridge);
  g_assert_nonnull (status->reason);
  g_assert_cmpint (status->next_try_us, >, g_get_real_time () - G_USEC_PER_SEC);

  bd_bridge_stop (bridge);
  g_clear_pointer (&status, bd_bridge_status_free);
  status = bd_bridge_dup_status (bridge);
  g_assert_cmpint (status->state, ==, BD_BRIDGE_STATE_STOPPED);
  bd_engine_stop (local);
}

static void
test_refused (void)
{
  g_autoptr(BdEngine) upstream = test_engine_start ("allow_anonymous false");
  g_autoptr(BdEngine) local = NULL;
  g_autoptr(BdBridge) bridge = NULL;
  g_autoptr(BdBridgeStatus) status = NULL;

  bridge = bridge_to (bd_engine_get_port (upstream, 0), &local);
  BD_TEST_WAIT_UNTIL (state_of (bridge) == BD_BRIDGE_STATE_REFUSED, 10000);
  status = bd_bridge_dup_status (bridge);
  g_assert_nonnull (strstr (status->reason, "not authorized"));
  g_assert_cmpint (status->next_try_us, >, 0);
  bd_bridge_stop (bridge);
  bd_engine_stop (local);
}

/* start_type lazy: idle (and saying at what it connects) below the
 * threshold, connected at it. */
static void
test_lazy_idle_until_threshold (void)
{
  g_autoptr(BdEngine) upstream = counted_upstream ();
  g_autoptr(BdEngine) local = NULL;
  g_autoptr(BdBridge) bridge = NULL;
  g_autoptr(BdBridgeStatus) status = NULL;

  bridge = bridge_with (bd_engine_get_port (upstream, 0), "start_type lazy\nthreshold 3\n",
                        &local);
  BD_TEST_WAIT_UNTIL (state_of (bridge) == BD_BRIDGE_STATE_IDLE, 10000);
  status = bd_bridge_dup_status (bridge);
  g_assert_cmpuint (status->threshold, ==, 3);

  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(BdMessage) message = test_message_new ("s/x", "1", FALSE);

      message->qos = 1;
      bd_engine_publish (local, message);
    }
  BD_TEST_WAIT_UNTIL (out_total (bridge) == 3, 10000);
  g_assert_cmpint (state_of (bridge), ==, BD_BRIDGE_STATE_CONNECTED);
  g_assert_cmpint (g_atomic_int_get (&upstream_seen), ==, 3);
  bd_bridge_stop (bridge);
  bd_engine_stop (local);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_timeout_add (10, tick_cb, NULL);
  /* A refused bridge logs a warning at each attempt: that is what the
   * refusal test makes happen. Criticals stay fatal. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  g_test_add_func ("/bridge/status/connected-then-backing-off", test_connected_then_backing_off);
  g_test_add_func ("/bridge/status/refused", test_refused);
  g_test_add_func ("/bridge/status/lazy", test_lazy_idle_until_threshold);
  return g_test_run ();
}
