/* test-bridge-config.c — Mosquitto 2.0's bridge directives, read and written
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "bd-config.h"
#include "test-client.h"

static BdBridgeTopic *
topic_at (BdBridgeConfig *bridge,
          guint           index)
{
  g_assert_cmpuint (index, <, bridge->topics->len);
  return g_ptr_array_index (bridge->topics, index);
}

static void
test_defaults (void)
{
  g_autoptr(BdBrokerConfig) config = NULL;
  BdBridgeConfig *bridge;
  BdBridgeAddress *address;
  g_autofree char *remote_id = NULL;
  g_autofree char *local_id = NULL;
  g_autofree char *notification = NULL;
  g_autofree char *expected = NULL;

  config = test_config_parse ("connection up\naddress broker.site\ntopic #\n");
  g_assert_cmpuint (config->bridges->len, ==, 1);
  bridge = g_ptr_array_index (config->bridges, 0);
  g_assert_cmpstr (bridge->name, ==, "up");
  address = g_ptr_array_index (bridge->addresses, 0);
  g_assert_cmpstr (address->host, ==, "broker.site");
  g_assert_cmpuint (address->port, ==, 1883);
  /* Mosquitto 2.0's defaults. */
  g_assert_cmpint (topic_at (bridge, 0)->direction, ==, BD_BRIDGE_OUT);
  g_assert_cmpuint (topic_at (bridge, 0)->qos, ==, 0);
  g_assert_cmpuint (bridge->protocol_version, ==, 4);
  g_assert_false (bridge->cleansession);
  g_assert_true (bridge->try_private);
  g_assert_true (bridge->notifications);
  g_assert_true (bridge->outgoing_retain);
  g_assert_cmpuint (bridge->keepalive_interval, ==, 60);
  g_assert_cmpuint (bridge->restart_timeout_base, ==, 5);
  g_assert_cmpuint (bridge->restart_timeout_cap, ==, 30);
  g_assert_cmpint (bridge->start_type, ==, BD_BRIDGE_START_AUTOMATIC);
  remote_id = bd_bridge_config_dup_remote_clientid (bridge);
  expected = g_strdup_printf ("%s.up", g_get_host_name ());
  g_assert_cmpstr (remote_id, ==, expected);
  local_id = bd_bridge_config_dup_local_clientid (bridge);
  g_assert_true (g_str_has_prefix (local_id, "local."));
  g_assert_cmpstr (local_id + 6, ==, expected);
  notification = bd_bridge_config_dup_notification_topic (bridge);
  g_free (expected);
  expected = g_strdup_printf ("$SYS/broker/connection/%s.up/state", g_get_host_name ());
  g_assert_cmpstr (notification, ==, expected);
}

static void
test_topics (void)
{
  g_autoptr(BdBrokerConfig) config = NULL;
  BdBridgeConfig *bridge;
  BdBridgeTopic *topic;

  config = test_config_parse ("connection up\n"
                              "address 10.0.0.1:1884 10.0.0.2\n"
                              "round_robin true\n"
                              "topic sensors/# out 1 plant/ site/plant/\n"
                              "topic cmd/+ in 2 \"\" cloud/\n"
                              "topic \"\" both 1 local/exact remote/exact\n"
                              "topic a/b\n");
  bridge = g_ptr_array_index (config->bridges, 0);
  g_assert_cmpuint (bridge->addresses->len, ==, 2);
  g_assert_cmpuint (((BdBridgeAddress *) g_ptr_array_index (bridge->addresses, 0))->port, ==, 1884);
  g_assert_true (bridge->round_robin);

  topic = topic_at (bridge, 0);
  g_assert_cmpint (topic->direction, ==, BD_BRIDGE_OUT);
  g_assert_cmpuint (topic->qos, ==, 1);
  g_assert_cmpstr (topic->local_topic, ==, "plant/sensors/#");
  g_assert_cmpstr (topic->remote_topic, ==, "site/plant/sensors/#");

  topic = topic_at (bridge, 1);
  g_assert_cmpint (topic->direction, ==, BD_BRIDGE_IN);
  g_assert_null (topic->local_prefix);
  g_assert_cmpstr (topic->local_topic, ==, "cmd/+");
  g_assert_cmpstr (topic->remote_topic, ==, "cloud/cmd/+");

  /* An empty pattern: the prefixes are the topics. */
  topic = topic_at (bridge, 2);
  g_assert_cmpint (topic->direction, ==, BD_BRIDGE_BOTH);
  g_assert_cmpstr (topic->pattern, ==, "");
  g_assert_cmpstr (topic->local_topic, ==, "local/exact");
  g_assert_cmpstr (topic->remote_topic, ==, "remote/exact");

  topic = topic_at (bridge, 3);
  g_assert_cmpstr (topic->local_topic, ==, "a/b");
  g_assert_cmpstr (topic->remote_topic, ==, "a/b");
}

static void
test_errors (void)
{
  static const TestConfigError cases[] = {
    { "topic # out", "test.conf:1: “topic” before any “connection” line" },
    { "address h", "test.conf:1: “address” before any “connection” line" },
    { "connection up\naddress h\ntopic # out 3",
      "test.conf:3: topic: QoS: “3” is not a number from 0 to 2" },
    { "connection up\naddress h\ntopic # sideways",
      "test.conf:3: topic: direction “sideways” is not in, out or both" },
    { "connection up\naddress h\ntopic # out 1 local/",
      "test.conf:3: topic: a local prefix needs a remote prefix after it (\"\" for none)" },
    { "connection up\naddress h\ntopic # out 1 lo/+/ re/",
      "test.conf:3: topic: the local prefix “lo/+/” is not a valid topic (no + or #)" },
    { "connection up\naddress h\ntopic \"\" out 1 \"\" re/",
      "test.conf:3: topic: an empty pattern needs both a local and a remote prefix" },
    { "connection up\naddress h\ntopic a/#/b",
      "test.conf:3: topic: “a/#/b” is not a valid topic filter" },
    { "connection up\naddress h:99999\ntopic #",
      "test.conf:2: address: “99999” is not a number from 1 to 65535" },
    { "connection up\naddress h\ntopic #\nconnection up\naddress h\ntopic #",
      "test.conf:4: connection: “up” is configured already at test.conf:1" },
    { "connection up\ntopic #\n", "test.conf:1: connection “up”: no address" },
    { "connection up\naddress h\n", "test.conf:1: connection “up”: no topic" },
    { "connection up\naddress h\nconnection two\naddress h\ntopic #",
      "test.conf:3: connection “up”: no topic (the block at test.conf:1)" },
    { "connection up\naddress h\ntopic #\nbridge_cafile /ca.pem\nbridge_certfile /c.pem",
      "test.conf:1: connection “up”: bridge_certfile and bridge_keyfile go together" },
    { "connection up\naddress h\ntopic #\nbridge_insecure true",
      "test.conf:1: connection “up”: bridge_insecure needs bridge_cafile or bridge_capath "
      "(they turn TLS on)" },
    { "connection up\naddress h\ntopic #\nbridge_protocol_version mqttv5",
      "test.conf:4: bridge_protocol_version: “mqttv5” is not mqttv31, mqttv311 or mqttv50" },
    { "connection up\naddress h\ntopic #\nstart_type sometimes",
      "test.conf:4: start_type: “sometimes” is not automatic, lazy or once" },
    { "connection up\naddress h\ntopic #\nrestart_timeout 30 5",
      "test.conf:4: restart_timeout: the cap 5 is below the base 30" },
    { "connection up\naddress h\ntopic #\nremote_password secret",
      "test.conf:1: connection “up”: remote_password without remote_username" },
    { "connection up\naddress h\ntopic #\ncleansession maybe",
      "test.conf:4: cleansession: “maybe” is not true or false" },
    { "connection up\naddress h\ntopic #\nbridge_bind_address eth0",
      "test.conf:4: bridge_bind_address: “eth0” is not an IP address" },
    { "connection a/b", "test.conf:1: connection: the name “a/b” must not contain /, + or #" },
    { "connection up\naddress h\ntopic #\nbridge_transport http",
      "test.conf:4: bridge_transport: “http” is not tcp or websockets" },
    { "connection up\naddress h\ntopic #\nbridge_transport websockets\nbridge_websocket_path mqtt",
      "test.conf:5: bridge_websocket_path: “mqtt” does not start with “/”" },
    { "connection up\naddress h\ntopic #\nbridge_websocket_path /mqtt",
      "test.conf:1: connection “up”: bridge_websocket_path needs bridge_transport websockets" },
    { "connection up\naddress h\ntopic #\nbridge_transport websockets tcp",
      "test.conf:4: bridge_transport: unexpected extra value “tcp”" },
  };

  test_config_assert_errors (cases, G_N_ELEMENTS (cases));
}

/* The password is an error's subject only by name, never by value. */
static void
test_password_not_in_errors (void)
{
  g_autoptr(BdBrokerConfig) config = bd_broker_config_new ();
  g_autoptr(GError) error = NULL;

  g_assert_false (bd_broker_config_parse (config, "test.conf",
                                          "connection up\naddress h\ntopic #\n"
                                          "remote_password s3cr3t extra\n", &error));
  g_assert_nonnull (error);
  g_assert_null (strstr (error->message, "s3cr3t"));
}

static void
test_round_trip (void)
{
  static const char * const texts[] = {
    "connection minimal\naddress h\ntopic #\n",
    "connection full\n"
    "address a.example:1884 b.example:8883\n"
    "round_robin true\n"
    "topic sensors/# out 1 plant/ site/plant/\n"
    "topic cmd/+ in 2 \"\" cloud/\n"
    "topic \"\" both 0 local/exact remote/exact\n"
    "remote_clientid plant-7\n"
    "remote_username plant\n"
    "remote_password pw\n"
    "local_clientid bridge-local\n"
    "cleansession true\n"
    "bridge_protocol_version mqttv50\n"
    "try_private false\n"
    "notifications false\n"
    "notifications_local_only true\n"
    "bridge_attempt_unsubscribe false\n"
    "notification_topic plant/bridge/state\n"
    "keepalive_interval 30\n"
    "restart_timeout 10\n"
    "start_type lazy\n"
    "idle_timeout 120\n"
    "threshold 50\n"
    "bridge_cafile /etc/ssl/ca with space.pem\n"
    "bridge_capath /etc/ssl/certs\n"
    "bridge_certfile /c.pem\n"
    "bridge_keyfile /k.pem\n"
    "bridge_insecure true\n"
    "bridge_bind_address 192.168.1.10\n"
    "bridge_alpn x-amzn-mqtt-ca\n"
    "bridge_max_packet_size 65536\n"
    "bridge_outgoing_retain false\n"
    "bridge_queue_max_messages 100000\n"
    "bridge_transport websockets\n"
    "bridge_websocket_path /ws/mqtt?tenant=plant-7\n",
    "connection ws\naddress h:8080\ntopic #\nbridge_transport websockets\n",
    "connection backoff\naddress h\ntopic # in\nrestart_timeout 2 60\n"
    "bridge_protocol_version mqttv31\n",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autoptr(BdBrokerConfig) first = test_config_parse (texts[i]);
      g_autoptr(BdBrokerConfig) second = NULL;
      g_autoptr(BdBridgeConfig) copy = NULL;
      g_autofree char *written = NULL;
      g_autofree char *rewritten = NULL;
      g_autofree char *copied = NULL;

      written = bd_bridge_config_to_text (g_ptr_array_index (first->bridges, 0));
      second = test_config_parse (written);
      g_assert_cmpuint (second->bridges->len, ==, 1);
      rewritten = bd_bridge_config_to_text (g_ptr_array_index (second->bridges, 0));
      g_assert_cmpstr (written, ==, rewritten);
      copy = bd_bridge_config_copy (g_ptr_array_index (second->bridges, 0));
      copied = bd_bridge_config_to_text (copy);
      g_assert_cmpstr (copied, ==, written);
    }

  /* Every option of the full example survives: compare a few by value. */
  {
    g_autoptr(BdBrokerConfig) config = test_config_parse (texts[1]);
    BdBridgeConfig *bridge = g_ptr_array_index (config->bridges, 0);
    g_autofree char *written = bd_bridge_config_to_text (bridge);
    g_autoptr(BdBrokerConfig) again = test_config_parse (written);
    BdBridgeConfig *back = g_ptr_array_index (again->bridges, 0);

    g_assert_cmpstr (back->cafile, ==, "/etc/ssl/ca with space.pem");
    g_assert_cmpuint (back->protocol_version, ==, 5);
    g_assert_cmpuint (back->restart_timeout_base, ==, 10);
    g_assert_cmpuint (back->restart_timeout_cap, ==, 0);
    g_assert_cmpuint (back->queue_max_messages, ==, 100000);
    g_assert_cmpstr (back->alpn, ==, "x-amzn-mqtt-ca");
    g_assert_true (back->websockets);
    g_assert_cmpstr (back->websocket_path, ==, "/ws/mqtt?tenant=plant-7");
    g_assert_false (back->outgoing_retain);
    g_assert_cmpint (back->start_type, ==, BD_BRIDGE_START_LAZY);
    g_assert_cmpuint (back->idle_timeout, ==, 120);
    g_assert_cmpuint (back->threshold, ==, 50);
    g_assert_cmpstr (topic_at (back, 2)->remote_topic, ==, "remote/exact");
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/bridge/config/defaults", test_defaults);
  g_test_add_func ("/bridge/config/topics", test_topics);
  g_test_add_func ("/bridge/config/errors", test_errors);
  g_test_add_func ("/bridge/config/password-not-in-errors", test_password_not_in_errors);
  g_test_add_func ("/bridge/config/round-trip", test_round_trip);
  return g_test_run ();
}
