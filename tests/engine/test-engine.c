/* test-engine.c — the engine's in-process API: taps, publish, retained, stats
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A real engine on its own thread and a loopback port; a real socket client.
 * Wire-level conformance is tested with clients nobody here wrote
 * (tests/broker); this file covers what only in-process code can see.
 */

#include "config.h"

#include <glib/gstdio.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>

#include "bd-test-util.h"
#include "test-client.h"

typedef struct
{
  GAsyncQueue *queue;   /* BdMessage* received by the tap, on the engine thread */
  gint         notified;
} TapRecord;

static void
record_tap_cb (BdMessage *message,
               gpointer   user_data)
{
  TapRecord *record = user_data;

  /* Taps run on the engine thread and must not block: take a ref and queue. */
  g_async_queue_push (record->queue, bd_message_ref (message));
}

static void
record_notify_cb (gpointer user_data)
{
  TapRecord *record = user_data;

  g_atomic_int_inc (&record->notified);
}

static BdMessage *
record_pop (TapRecord *record)
{
  BdMessage *message = g_async_queue_timeout_pop (record->queue, 5 * G_USEC_PER_SEC);

  g_assert_nonnull (message);
  return message;
}

static void
assert_message (BdMessage  *message,
                const char *topic,
                const char *payload)
{
  gsize len;
  const guint8 *data = bd_message_get_payload (message, &len);

  g_assert_cmpstr (message->topic, ==, topic);
  g_assert_cmpmem (data, len, payload, strlen (payload));
}

static void
test_tap_sees_client_publish (void)
{
  g_autoptr(BdEngine) engine = test_engine_start (NULL);
  TapRecord record = { g_async_queue_new_full ((GDestroyNotify) bd_message_unref), 0 };
  g_autoptr(TestClient) client = NULL;
  g_autoptr(BdMessage) first = NULL;
  g_autoptr(BdMessage) second = NULL;
  guint tap;

  tap = bd_engine_add_tap (engine, "plant/+/temperature", record_tap_cb, &record, record_notify_cb);
  g_assert_cmpuint (tap, >, 0);

  client = test_client_connect (bd_engine_get_port (engine, 0), "sensor-1", TRUE);
  /* QoS 1: the PUBACK proves the broker routed the message before we look. */
  test_client_publish (client, "plant/line1/temperature", "21.5", 1, FALSE);
  test_client_publish (client, "plant/line1/humidity", "40", 1, FALSE);
  test_client_publish (client, "plant/line2/temperature", "22.0", 1, TRUE);

  first = record_pop (&record);
  assert_message (first, "plant/line1/temperature", "21.5");
  g_assert_cmpuint (first->qos, ==, 1);
  g_assert_false (first->retain);
  g_assert_cmpstr (first->publisher_id, ==, "sensor-1");

  /* The humidity reading does not match the tap's filter. */
  second = record_pop (&record);
  assert_message (second, "plant/line2/temperature", "22.0");
  g_assert_true (second->retain);

  bd_engine_remove_tap (engine, tap);
  bd_engine_stop (engine);
  g_assert_cmpint (g_atomic_int_get (&record.notified), ==, 1);
  g_assert_cmpint (g_async_queue_length (record.queue), ==, 0);
  g_async_queue_unref (record.queue);
}

static void
test_tap_dollar_topics (void)
{
  g_autoptr(BdEngine) engine = test_engine_start (NULL);
  TapRecord all = { g_async_queue_new_full ((GDestroyNotify) bd_message_unref), 0 };
  TapRecord sys = { g_async_queue_new_full ((GDestroyNotify) bd_message_unref), 0 };
  g_autoptr(BdMessage) from_all = NULL;
  g_autoptr(BdMessage) from_sys = NULL;
  g_autoptr(BdMessage) marker = bd_message_new ("plant/marker", NULL, 0, FALSE, NULL);
  g_autoptr(BdMessage) sys_message = bd_message_new ("$SYS/test", NULL, 0, FALSE, NULL);

  /* [MQTT-4.7.2-1]: "#" does not match topics starting with "$". */
  bd_engine_add_tap (engine, "#", record_tap_cb, &all, NULL);
  bd_engine_add_tap (engine, "$SYS/#", record_tap_cb, &sys, NULL);
  bd_engine_publish (engine, sys_message);
  bd_engine_publish (engine, marker);

  from_all = record_pop (&all);
  g_assert_cmpstr (from_all->topic, ==, "plant/marker");
  from_sys = record_pop (&sys);
  g_assert_cmpstr (from_sys->topic, ==, "$SYS/test");

  bd_engine_stop (engine);
  g_async_queue_unref (all.queue);
  g_async_queue_unref (sys.queue);
}

/* A tap added before the engine starts is in place before the engine routes
 * anything: the history recorder's tap used to go in only after the listener
 * was open, and a client that published at once (QoS 0, pipelined behind its
 * CONNECT, which 3.1.4 allows) lost thousands of readings from the history. */
static void
test_tap_before_start (void)
{
  g_autoptr(BdEngine) engine = test_engine_new ("sys_interval 10");
  TapRecord sys = { g_async_queue_new_full ((GDestroyNotify) bd_message_unref), 0 };
  TapRecord plant = { g_async_queue_new_full ((GDestroyNotify) bd_message_unref), 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(TestClient) client = NULL;
  g_autoptr(BdMessage) version = NULL;
  g_autoptr(BdMessage) first = NULL;
  g_autoptr(BdMessage) second = NULL;

  g_assert_cmpuint (bd_engine_add_tap (engine, "$SYS/broker/version", record_tap_cb, &sys, record_notify_cb), >, 0);
  g_assert_cmpuint (bd_engine_add_tap (engine, "plant/#", record_tap_cb, &plant, record_notify_cb), >, 0);
  g_assert_true (bd_engine_start (engine, &error));
  g_assert_no_error (error);

  /* The engine routes $SYS/broker/version on this thread, before its own
   * thread runs: the very first message it routes. A tap still queued for
   * the engine thread misses it; no waiting here. */
  g_assert_cmpint (g_async_queue_length (sys.queue), ==, 1);
  version = g_async_queue_pop (sys.queue);
  g_assert_cmpstr (version->topic, ==, "$SYS/broker/version");

  client = test_client_connect (bd_engine_get_port (engine, 0), "sensor-1", TRUE);
  test_client_publish (client, "plant/line1/temperature", "21.5", 0, FALSE);
  /* Handled in order: the PUBACK proves both were routed. */
  test_client_publish (client, "plant/line2/temperature", "22.0", 1, FALSE);
  first = record_pop (&plant);
  assert_message (first, "plant/line1/temperature", "21.5");
  second = record_pop (&plant);
  assert_message (second, "plant/line2/temperature", "22.0");

  /* Removed with the engine, once each. */
  g_clear_pointer (&client, test_client_free);
  bd_engine_stop (engine);
  g_clear_pointer (&engine, bd_engine_unref);
  g_assert_cmpint (g_atomic_int_get (&sys.notified), ==, 1);
  g_assert_cmpint (g_atomic_int_get (&plant.notified), ==, 1);
  g_async_queue_unref (sys.queue);
  g_async_queue_unref (plant.queue);
}

#define SPLIT_COUNT 2000

typedef struct
{
  guint16 port;
} SplitPublisher;

/* CONNECT and SPLIT_COUNT PUBLISH packets (QoS 1 and 0 in turn), written in
 * pieces of awkward sizes, so the engine sees packets cut in their fixed
 * header, their topic length, their packet id and their payload. */
static gpointer
split_publisher_thread (gpointer data)
{
  SplitPublisher *publisher = data;
  static const gsize pieces[] = { 1, 2, 3, 5, 7, 11, 13, 64, 1, 1, 29 };
  g_autoptr(GSocketClient) socket_client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GByteArray) data_out = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  BdMqttPacket connect = { .type = BD_MQTT_CONNECT };
  GOutputStream *out;
  GSocket *socket;
  gsize offset = 0;

  connection = g_socket_client_connect_to_host (socket_client, "127.0.0.1", publisher->port, NULL, &error);
  g_assert_no_error (error);
  socket = g_socket_connection_get_socket (connection);
  g_socket_set_timeout (socket, 10);
  /* Each piece its own segment. */
  g_assert_true (g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, 1, &error));
  out = g_io_stream_get_output_stream (G_IO_STREAM (connection));

  connect.connect.version = BD_MQTT_V311;
  connect.connect.protocol_name = (char *) "MQTT";
  connect.connect.protocol_level = 4;
  connect.connect.clean_start = TRUE;
  connect.connect.keep_alive = 60;
  connect.connect.client_id = (char *) "split-publisher";
  g_assert_true (bd_mqtt_encode (BD_MQTT_V311, &connect, data_out, &error));
  for (guint i = 0; i < SPLIT_COUNT; i++)
    {
      BdMqttPacket packet = { .type = BD_MQTT_PUBLISH };
      g_autofree char *topic = g_strdup_printf ("plant/line%03u/temperature", i % 7);
      g_autofree char *text = g_strdup_printf ("%u", i);
      g_autoptr(GBytes) payload = g_bytes_new (text, strlen (text));

      packet.publish.topic = topic;
      packet.publish.payload = payload;
      packet.publish.qos = i % 2 == 0 ? 1 : 0;
      packet.publish.packet_id = packet.publish.qos > 0 ? (guint16) (i + 1) : 0;
      g_assert_true (bd_mqtt_encode (BD_MQTT_V311, &packet, data_out, &error));
    }

  /* Pipelined behind the CONNECT, as 3.1.4 allows. The PUBACKs are left
   * unread: a few kilobytes. */
  for (guint k = 0; offset < data_out->len; k++)
    {
      gsize n = MIN (pieces[k % G_N_ELEMENTS (pieces)], data_out->len - offset);

      g_assert_true (g_output_stream_write_all (out, data_out->data + offset, n, NULL, NULL, &error));
      g_assert_no_error (error);
      offset += n;
    }
  /* Left open for the test to close once it has seen everything: a close
   * with unread PUBACKs resets the connection, and the kernel drops what
   * the engine had not read yet. */
  return g_steal_pointer (&connection);
}

static guint64
payload_index (GBytes *payload)
{
  gsize len;
  const char *data = g_bytes_get_data (payload, &len);
  g_autofree char *text = g_strndup (data, len);
  guint64 index = G_MAXUINT64;

  g_assert_true (g_ascii_string_to_unsigned (text, 10, 0, SPLIT_COUNT - 1, &index, NULL));
  return index;
}

/* No PUBLISH is lost between the socket and the taps: packets split at every
 * kind of boundary, while a slow QoS 1 subscriber makes the engine stop
 * reading the publisher and resume (its flow control), each one reaches the
 * tap once, in the order sent [MQTT-4.6.0-6], and the subscriber gets every
 * one [MQTT-4.3.2-1 at least once for QoS 1]. */
static void
test_tap_split_reads_with_backpressure (void)
{
  g_autoptr(BdEngine) engine = test_engine_new ("sys_interval 0\nmax_queued_messages 20\nmax_inflight_messages 5");
  TapRecord record = { g_async_queue_new_full ((GDestroyNotify) bd_message_unref), 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(TestClient) sub = NULL;
  g_autofree gboolean *seen = g_new0 (gboolean, SPLIT_COUNT);
  SplitPublisher publisher = { 0 };
  g_autoptr(GSocketConnection) publisher_connection = NULL;
  GThread *thread;
  guint received = 0;

  bd_engine_add_tap (engine, "plant/#", record_tap_cb, &record, NULL);
  g_assert_true (bd_engine_start (engine, &error));
  g_assert_no_error (error);
  publisher.port = bd_engine_get_port (engine, 0);

  sub = test_client_connect (publisher.port, "slow-subscriber", TRUE);
  test_client_subscribe (sub, "plant/#", 1);
  thread = g_thread_new ("split-publisher", split_publisher_thread, &publisher);

  while (received < SPLIT_COUNT)
    {
      BdMqttPacket packet;
      guint64 index;

      test_client_read (sub, &packet);
      g_assert_cmpint (packet.type, ==, BD_MQTT_PUBLISH);
      index = payload_index (packet.publish.payload);
      g_assert_false (seen[index]);
      seen[index] = TRUE;
      received++;
      if (packet.publish.qos == 1)
        {
          BdMqttPacket ack = { .type = BD_MQTT_PUBACK };

          ack.ack.packet_id = packet.publish.packet_id;
          test_client_send (sub, &ack);
        }
      bd_mqtt_packet_clear (&packet);
    }
  publisher_connection = g_thread_join (thread);

  for (guint i = 0; i < SPLIT_COUNT; i++)
    {
      g_autoptr(BdMessage) message = record_pop (&record);
      gsize len;
      const guint8 *data = bd_message_get_payload (message, &len);
      g_autoptr(GBytes) payload = g_bytes_new (data, len);

      g_assert_cmpuint (payload_index (payload), ==, i);
    }
  g_assert_cmpint (g_async_queue_length (record.queue), ==, 0);

  g_clear_pointer (&sub, test_client_free);
  bd_engine_stop (engine);
  g_async_queue_unref (record.queue);
}

static void
test_publish_reaches_subscriber (void)
{
  g_autoptr(BdEngine) engine = test_engine_start (NULL);
  g_autoptr(TestClient) client = test_client_connect (bd_engine_get_port (engine, 0), "console", TRUE);
  g_autoptr(GBytes) payload = g_bytes_new_static ("ON", 2);
  g_autoptr(BdMessage) message = bd_message_new ("plant/relay/k3/set", payload, 1, FALSE, NULL);
  BdMqttPacket packet;

  test_client_subscribe (client, "plant/relay/+/set", 1);
  bd_engine_publish (engine, message);

  test_client_read (client, &packet);
  g_assert_cmpint (packet.type, ==, BD_MQTT_PUBLISH);
  g_assert_cmpstr (packet.publish.topic, ==, "plant/relay/k3/set");
  g_assert_cmpuint (packet.publish.qos, ==, 1);
  g_assert_cmpmem (g_bytes_get_data (packet.publish.payload, NULL),
                   g_bytes_get_size (packet.publish.payload), "ON", 2);
  bd_mqtt_packet_clear (&packet);
}

static void
test_retained_copy (void)
{
  g_autoptr(BdEngine) engine = test_engine_start ("sys_interval 0");
  g_autoptr(GBytes) on = g_bytes_new_static ("ON", 2);
  g_autoptr(BdMessage) a = bd_message_new ("plant/b/state", on, 0, TRUE, NULL);
  g_autoptr(BdMessage) b = bd_message_new ("plant/a/state", on, 1, TRUE, NULL);
  g_autoptr(BdMessage) clear = bd_message_new ("plant/b/state", NULL, 0, TRUE, NULL);
  g_autoptr(GPtrArray) both = NULL;
  g_autoptr(GPtrArray) one = NULL;

  bd_engine_publish (engine, a);
  bd_engine_publish (engine, b);
  /* Calls to the engine are handled in order, so the copy sees both. */
  both = bd_engine_dup_retained (engine, "plant/#");
  g_assert_cmpuint (both->len, ==, 2);
  g_assert_cmpstr (((BdMessage *) both->pdata[0])->topic, ==, "plant/a/state");
  g_assert_cmpstr (((BdMessage *) both->pdata[1])->topic, ==, "plant/b/state");

  /* An empty retained message clears the topic [MQTT-3.3.1-10]. */
  bd_engine_publish (engine, clear);
  one = bd_engine_dup_retained (engine, "plant/#");
  g_assert_cmpuint (one->len, ==, 1);
  g_assert_cmpstr (((BdMessage *) one->pdata[0])->topic, ==, "plant/a/state");
}

static void
test_listen_conflict (void)
{
  g_autoptr(BdEngine) first = test_engine_start (NULL);
  g_autofree char *text = g_strdup_printf ("listener %u 127.0.0.1\n", bd_engine_get_port (first, 0));
  g_autoptr(BdBrokerConfig) config = bd_broker_config_new ();
  g_autoptr(BdEngine) second = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (bd_broker_config_parse (config, "test.conf", text, &error));
  bd_broker_config_finish (config);
  second = bd_engine_new (g_steal_pointer (&config));
  g_assert_false (bd_engine_start (second, &error));
  g_assert_error (error, BD_ENGINE_ERROR, BD_ENGINE_ERROR_ADDRESS_IN_USE);
  g_assert_nonnull (strstr (error->message, "Address already in use"));
}

/* The stored state's figures other threads read (the Broker page), in each
 * persistence mode: none, snapshot (written by the autosave) and durable
 * (committed by the store's writer). */
static gboolean
keep_polling_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/* Starts an engine with @config_text in @mode, changes its stored state and
 * checks the figures once the change is written. */
static void
check_store_figures (const char  *config_text,
                     BdStoreMode  mode)
{
  gint64 before = g_get_real_time ();
  g_autoptr(BdEngine) engine = test_engine_start (config_text);
  g_autoptr(TestClient) client = test_client_connect (bd_engine_get_port (engine, 0),
                                                      "store-stats", TRUE);
  BdEngineStats stats;
  /* The figures change on other threads, with nothing to wake this one:
   * look again every 20 ms. */
  guint poll_id = g_timeout_add (20, keep_polling_cb, NULL);

  bd_engine_get_stats (engine, &stats);
  g_assert_cmpint (stats.store_mode, ==, mode);

  /* A retained message is stored state in every mode that keeps any. */
  test_client_publish (client, "plant/line1/setpoint", "21", 1, TRUE);
  BD_TEST_WAIT_UNTIL ((bd_engine_get_stats (engine, &stats), stats.store_last_commit_us > 0),
                      10000);
  g_source_remove (poll_id);
  g_assert_cmpint (stats.store_mode, ==, mode);
  g_assert_cmpuint (stats.store_size, >, 0);
  g_assert_cmpint (stats.store_last_commit_us, >=, before);
  g_assert_cmpint (stats.store_commit_latency_us, >=, 0);
  g_assert_false (stats.store_failing);
  bd_engine_stop (engine);
}

static void
test_stats_store (void)
{
  g_autoptr(BdTestTmpdir) dir = bd_test_tmpdir_new ("store-stats");
  g_autofree char *snapshot_conf = g_strdup_printf ("persistence true\n"
                                                    "persistence_mode snapshot\n"
                                                    "autosave_interval 1\n"
                                                    "persistence_location %s/snapshot/\n", dir);
  g_autofree char *durable_conf = g_strdup_printf ("persistence true\n"
                                                   "persistence_location %s/durable/\n", dir);
  g_autofree char *snapshot_dir = g_build_filename (dir, "snapshot", NULL);
  g_autofree char *durable_dir = g_build_filename (dir, "durable", NULL);

  g_assert_cmpint (g_mkdir (snapshot_dir, 0700), ==, 0);
  g_assert_cmpint (g_mkdir (durable_dir, 0700), ==, 0);

  {
    g_autoptr(BdEngine) engine = test_engine_start (NULL);
    BdEngineStats stats;

    bd_engine_get_stats (engine, &stats);
    g_assert_cmpint (stats.store_mode, ==, BD_STORE_MODE_NONE);
    g_assert_cmpint (stats.store_last_commit_us, ==, 0);
    bd_engine_stop (engine);
  }
  check_store_figures (snapshot_conf, BD_STORE_MODE_SNAPSHOT);
  check_store_figures (durable_conf, BD_STORE_MODE_DURABLE);
}

/* The Clients list's snapshot says how each client is connected: a raw
 * client over TCP and mosquitto_sub over TLS (a certificate made here with
 * openssl, checked by mosquitto_sub against itself). */
static const BdClientInfo *
find_client (GPtrArray  *clients,
             const char *client_id)
{
  for (guint i = 0; clients != NULL && i < clients->len; i++)
    {
      const BdClientInfo *info = g_ptr_array_index (clients, i);

      if (g_strcmp0 (info->client_id, client_id) == 0 && info->connected)
        return info;
    }
  return NULL;
}

static gboolean
lists_client (BdEngine   *engine,
              const char *client_id)
{
  g_autoptr(GPtrArray) clients = test_engine_list_clients (engine);

  return find_client (clients, client_id) != NULL;
}

static void
test_list_clients_transport (void)
{
  g_autoptr(BdTestTmpdir) dir = NULL;
  g_autofree char *cert = NULL;
  g_autofree char *key = NULL;
  g_autofree char *text = NULL;
  g_autofree char *port = NULL;
  g_autoptr(BdEngine) engine = NULL;
  g_autoptr(TestClient) plain = NULL;
  g_autoptr(GSubprocess) sub = NULL;
  g_autoptr(GPtrArray) clients = NULL;
  g_autoptr(GError) error = NULL;
  const BdClientInfo *info;

  BD_TEST_REQUIRE_PROGRAM ("openssl");
  BD_TEST_REQUIRE_PROGRAM ("mosquitto_sub");
  dir = bd_test_tmpdir_new ("clients-tls");
  cert = g_build_filename (dir, "server.pem", NULL);
  key = g_build_filename (dir, "server.key", NULL);
  bd_test_make_certificate (cert, key, 2, "/CN=127.0.0.1", "IP:127.0.0.1");
  /* After the plain listener test_engine_start() puts first. */
  text = g_strdup_printf ("sys_interval 0\nlistener 0 127.0.0.1\ncertfile %s\nkeyfile %s\n",
                          cert, key);
  engine = test_engine_start (text);
  plain = test_client_connect (bd_engine_get_port (engine, 0), "over-tcp", TRUE);
  port = g_strdup_printf ("%u", bd_engine_get_port (engine, 1));
  sub = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                          &error, "mosquitto_sub", "-h", "127.0.0.1", "-p", port,
                          "--cafile", cert, "-t", "plant/#", "-i", "over-tls", NULL);
  g_assert_no_error (error);

  BD_TEST_WAIT_UNTIL (lists_client (engine, "over-tls"), 10000);
  clients = test_engine_list_clients (engine);
  info = find_client (clients, "over-tls");
  g_assert_nonnull (info);
  g_assert_cmpstr (info->transport, ==, "mqtt+tls");
  g_assert_cmpstr (info->tls_version, ==, "TLSv1.3");
  info = find_client (clients, "over-tcp");
  g_assert_nonnull (info);
  g_assert_cmpstr (info->transport, ==, "mqtt");
  g_assert_null (info->tls_version);

  g_subprocess_force_exit (sub);
  g_assert_true (g_subprocess_wait (sub, NULL, NULL));
}

typedef struct
{
  BdEngine *engine;    /* the only reference, dropped by the tap */
  gint      dropped;
  gint      notified;
} LastRef;

static void
drop_engine_tap_cb (BdMessage *message,
                    gpointer   user_data)
{
  LastRef *last = user_data;

  if (g_atomic_int_compare_and_exchange (&last->dropped, 0, 1))
    bd_engine_unref (last->engine);
}

static void
last_ref_notify_cb (gpointer user_data)
{
  g_atomic_int_inc (&((LastRef *) user_data)->notified);
}

static gboolean
last_ref_gone (gpointer user_data)
{
  return g_atomic_int_get (&((LastRef *) user_data)->notified) == 1;
}

/* An asynchronous call's task can hold the last reference and let go of it
 * on the engine thread, after its caller dropped its own. The engine then
 * goes down all the same; the engine thread could not join itself. */
static void
test_last_unref_on_engine_thread (void)
{
  LastRef last = { test_engine_start (NULL), 0, 0 };
  g_autoptr(TestClient) client = NULL;

  bd_engine_add_tap (last.engine, "plant/#", drop_engine_tap_cb, &last, last_ref_notify_cb);
  client = test_client_connect (bd_engine_get_port (last.engine, 0), "last-ref", TRUE);
  test_client_publish (client, "plant/line1/temperature", "21.5", 0, FALSE);
  /* The tap is removed, with its notification, as the engine is freed. */
  BD_TEST_WAIT_UNTIL (last_ref_gone (&last), 10000);
  g_assert_cmpint (g_atomic_int_get (&last.dropped), ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/tap/client-publish", test_tap_sees_client_publish);
  g_test_add_func ("/engine/tap/dollar-topics", test_tap_dollar_topics);
  g_test_add_func ("/engine/tap/before-start", test_tap_before_start);
  g_test_add_func ("/engine/tap/split-reads-backpressure", test_tap_split_reads_with_backpressure);
  g_test_add_func ("/engine/publish/reaches-subscriber", test_publish_reaches_subscriber);
  g_test_add_func ("/engine/retained/copy", test_retained_copy);
  g_test_add_func ("/engine/listen/conflict", test_listen_conflict);
  g_test_add_func ("/engine/clients/transport", test_list_clients_transport);
  g_test_add_func ("/engine/stats/store", test_stats_store);
  g_test_add_func ("/engine/unref/on-engine-thread", test_last_unref_on_engine_thread);

  return g_test_run ();
}
