/* test-remote-protocol.c — BdRemoteClient against a scripted broker
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * mosquitto behaves well, so some rules can only be checked with a broker
 * that does exactly what a test says: a QoS 2 PUBLISH sent twice before its
 * PUBREL, a connection dropped in the middle of an exchange, a PINGREQ left
 * unanswered, a refused subscription. The scripted broker runs on its own
 * thread with blocking sockets (each read bounded by a socket timeout) and
 * speaks through the project's codec; the client runs on the test's main
 * context, which waits on events with deadlines.
 */

#include "config.h"

#include <string.h>

#include "bd-remote-client.h"
#include "bd-test-util.h"
#include "remote-test-utils.h"
#include "test-client.h"

#define WAIT_MS 10000

typedef struct _Script Script;
typedef void (*ScriptFunc) (Script *script);

struct _Script
{
  GSocketListener *listener;
  guint16          port;
  ScriptFunc       func;
  GThread         *thread;
  gint             done;        /* atomic */
  gint             failed;      /* atomic: an assertion failed on the thread */
  guint16          ids[4];      /* packet ids the script saw, for the test */
};

/* --------------------------------------------------------------- waiting */


static gboolean
script_done (gpointer data)
{
  return g_atomic_int_get (&((Script *) data)->done);
}

/* ------------------------------------------------------- the broker side */

/* Reads and decodes one packet, as the broker of @version. */
static void
read_packet (GSocketConnection *conn,
             BdMqttVersion      version,
             BdMqttPacket      *packet)
{
  test_read_packet (g_io_stream_get_input_stream (G_IO_STREAM (conn)), version, packet);
}

static void
write_bytes (GSocketConnection *conn,
             GByteArray        *bytes)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)),
                                            bytes->data, bytes->len, NULL, NULL, &error));
  g_assert_no_error (error);
}

static void
write_packet (GSocketConnection *conn,
              BdMqttPacket      *packet)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autoptr(GError) error = NULL;

  g_assert_true (bd_mqtt_encode (BD_MQTT_V311, packet, out, &error));
  write_bytes (conn, out);
}

static void
write_ack (GSocketConnection *conn,
           BdMqttPacketType   type,
           guint16            id)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();

  bd_mqtt_encode_ack (type, id, out);
  write_bytes (conn, out);
}

static void
write_publish (GSocketConnection *conn,
               const char        *topic,
               const char        *payload,
               guint8             qos,
               gboolean           dup,
               guint16            id)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();

  g_assert_cmpuint (bd_mqtt_encode_publish (BD_MQTT_V311, topic, strlen (topic),
                                            (const guint8 *) payload, strlen (payload),
                                            qos, FALSE, dup, id, NULL, out), >, 0);
  write_bytes (conn, out);
}

static void
expect_ack (GSocketConnection *conn,
            BdMqttPacketType   type,
            guint16            id)
{
  BdMqttPacket packet = { 0 };

  read_packet (conn, BD_MQTT_V311, &packet);
  g_assert_cmpstr (bd_mqtt_packet_type_name (packet.type), ==, bd_mqtt_packet_type_name (type));
  g_assert_cmpuint (packet.ack.packet_id, ==, id);
  bd_mqtt_packet_clear (&packet);
}

static GSocketConnection *
accept_one (Script *script)
{
  g_autoptr(GError) error = NULL;
  GSocketConnection *conn = g_socket_listener_accept (script->listener, NULL, NULL, &error);

  g_assert_no_error (error);
  /* Every blocking read on the broker side is bounded. */
  g_socket_set_timeout (g_socket_connection_get_socket (conn), 10);
  return conn;
}

/* CONNECT -> CONNACK. Returns the CONNECT's clean-session flag. */
static gboolean
handshake (GSocketConnection *conn,
           gboolean           session_present)
{
  BdMqttPacket packet = { 0 };
  BdMqttPacket connack = { .type = BD_MQTT_CONNACK };
  gboolean clean;

  read_packet (conn, BD_MQTT_V311, &packet);
  g_assert_cmpint (packet.type, ==, BD_MQTT_CONNECT);
  g_assert_cmpint (packet.connect.version, ==, BD_MQTT_V311);
  g_assert_cmpstr (packet.connect.client_id, ==, "scripted");
  clean = packet.connect.clean_start;
  bd_mqtt_packet_clear (&packet);

  connack.connack.session_present = session_present;
  write_packet (conn, &connack);
  return clean;
}

/* SUBSCRIBE (to "#" at QoS 2) -> SUBACK with @granted. */
static void
subscribe (GSocketConnection *conn,
           guint8             granted)
{
  BdMqttPacket packet = { 0 };
  BdMqttPacket suback = { .type = BD_MQTT_SUBACK };

  read_packet (conn, BD_MQTT_V311, &packet);
  g_assert_cmpint (packet.type, ==, BD_MQTT_SUBSCRIBE);
  g_assert_cmpuint (packet.subscribe.n_subscriptions, ==, 1);
  g_assert_cmpstr (packet.subscribe.subscriptions[0].filter, ==, "#");
  g_assert_cmpuint (packet.subscribe.subscriptions[0].qos, ==, 2);
  suback.suback.packet_id = packet.subscribe.packet_id;
  suback.suback.reason_codes = &granted;
  suback.suback.n_reason_codes = 1;
  write_packet (conn, &suback);
  bd_mqtt_packet_clear (&packet);
}

static gpointer
script_thread (gpointer data)
{
  Script *script = data;

  script->func (script);
  g_atomic_int_set (&script->done, 1);
  g_main_context_wakeup (NULL);
  return NULL;
}

static Script *
script_start (ScriptFunc func)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  Script *script = g_new0 (Script, 1);

  script->listener = g_socket_listener_new ();
  g_assert_true (g_socket_listener_add_address (script->listener, address,
                                                G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                                NULL, &bound, &error));
  g_assert_no_error (error);
  script->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  script->func = func;
  script->thread = g_thread_new ("scripted-broker", script_thread, script);
  return script;
}

static void
script_finish (Script *script)
{
  bd_test_wait_until (script_done, script, WAIT_MS, "the broker's script");
  g_thread_join (script->thread);
  g_socket_listener_close (script->listener);
  g_object_unref (script->listener);
  g_free (script);
}

static BdRemoteClient *
client_for (Script  *script,
            guint16  keep_alive,
            gboolean clean_session)
{
  g_autoptr(BdRemoteConfig) config = bd_remote_config_new ();

  g_free (config->host);
  config->host = g_strdup ("127.0.0.1");
  config->port = script->port;
  config->client_id = g_strdup ("scripted");
  config->keep_alive = keep_alive;
  config->clean_session = clean_session;
  config->backoff_min_ms = 50;
  config->backoff_max_ms = 200;
  return bd_remote_client_new (config);
}

static void
received_cb (BdMessage *message,
             gpointer   data)
{
  g_ptr_array_add (data, bd_message_ref (message));
}

/* ------------------------------------------------------------------ tests */

static void
script_receive (Script *script)
{
  g_autoptr(GSocketConnection) conn = accept_one (script);
  BdMqttPacket packet = { 0 };

  handshake (conn, FALSE);
  subscribe (conn, 2);

  /* QoS 2, then the same packet again (DUP) before the PUBREL: a PUBREC
   * each time, one delivery [MQTT-4.3.3-2]. */
  write_publish (conn, "plant/q2", "once", 2, FALSE, 7);
  expect_ack (conn, BD_MQTT_PUBREC, 7);
  write_publish (conn, "plant/q2", "once", 2, TRUE, 7);
  expect_ack (conn, BD_MQTT_PUBREC, 7);
  write_ack (conn, BD_MQTT_PUBREL, 7);
  expect_ack (conn, BD_MQTT_PUBCOMP, 7);
  /* After the PUBREL the identifier is free: a new message with it counts. */
  write_publish (conn, "plant/q2", "twice", 2, FALSE, 7);
  expect_ack (conn, BD_MQTT_PUBREC, 7);
  write_ack (conn, BD_MQTT_PUBREL, 7);
  expect_ack (conn, BD_MQTT_PUBCOMP, 7);

  /* QoS 1: PUBACK with the same identifier [MQTT-4.3.2-2]. */
  write_publish (conn, "plant/q1", "acked", 1, FALSE, 9);
  expect_ack (conn, BD_MQTT_PUBACK, 9);

  /* Nothing else to send within the 1 s keep-alive: a PINGREQ
   * [MQTT-3.1.2-23]. */
  read_packet (conn, BD_MQTT_V311, &packet);
  g_assert_cmpint (packet.type, ==, BD_MQTT_PINGREQ);
  bd_mqtt_packet_clear (&packet);
  packet.type = BD_MQTT_PINGRESP;
  write_packet (conn, &packet);
}

static void
test_receive (void)
{
  Script *script = script_start (script_receive);
  g_autoptr(BdRemoteClient) client = client_for (script, 1, TRUE);
  g_autoptr(GPtrArray) received = NULL;
  gsize len;

  received = g_ptr_array_new_with_free_func ((GDestroyNotify) bd_message_unref);
  bd_remote_client_add_tap (client, "plant/#", received_cb, received, NULL);
  bd_remote_client_start (client);
  script_finish (script);

  g_assert_cmpuint (received->len, ==, 3);
  g_assert_cmpmem (bd_message_get_payload (g_ptr_array_index (received, 0), &len), len, "once", 4);
  g_assert_cmpmem (bd_message_get_payload (g_ptr_array_index (received, 1), &len), len, "twice", 5);
  g_assert_cmpmem (bd_message_get_payload (g_ptr_array_index (received, 2), &len), len, "acked", 5);
  g_assert_cmpuint (((BdMessage *) g_ptr_array_index (received, 2))->qos, ==, 1);
  bd_remote_client_stop (client);
}

static void
script_resend (Script *script)
{
  g_autoptr(GSocketConnection) first = accept_one (script);
  g_autoptr(GSocketConnection) second = NULL;
  BdMqttPacket packet = { 0 };
  guint16 q1_id;
  guint16 q2_id;

  g_assert_false (handshake (first, FALSE));
  subscribe (first, 2);

  /* The QoS 1 message is left unacknowledged; the QoS 2 one gets as far
   * as PUBREL. Then the connection drops. */
  read_packet (first, BD_MQTT_V311, &packet);
  g_assert_cmpint (packet.type, ==, BD_MQTT_PUBLISH);
  g_assert_cmpuint (packet.publish.qos, ==, 1);
  g_assert_false (packet.publish.dup);
  q1_id = packet.publish.packet_id;
  bd_mqtt_packet_clear (&packet);
  read_packet (first, BD_MQTT_V311, &packet);
  g_assert_cmpint (packet.type, ==, BD_MQTT_PUBLISH);
  g_assert_cmpuint (packet.publish.qos, ==, 2);
  q2_id = packet.publish.packet_id;
  g_assert_cmpuint (q1_id, !=, q2_id);
  bd_mqtt_packet_clear (&packet);
  write_ack (first, BD_MQTT_PUBREC, q2_id);
  /* A PUBREC is answered with a PUBREL [MQTT-4.3.3-1]. */
  expect_ack (first, BD_MQTT_PUBREL, q2_id);
  g_io_stream_close (G_IO_STREAM (first), NULL, NULL);

  /* The session is still there: the PUBLISH again with DUP and its
   * original identifier, the PUBREL again [MQTT-4.4.0-1] [MQTT-3.3.1-1]. */
  second = accept_one (script);
  g_assert_false (handshake (second, TRUE));
  subscribe (second, 2);
  read_packet (second, BD_MQTT_V311, &packet);
  g_assert_cmpint (packet.type, ==, BD_MQTT_PUBLISH);
  g_assert_cmpuint (packet.publish.packet_id, ==, q1_id);
  g_assert_true (packet.publish.dup);
  g_assert_cmpmem (g_bytes_get_data (packet.publish.payload, NULL),
                   g_bytes_get_size (packet.publish.payload), "at least once", 13);
  bd_mqtt_packet_clear (&packet);
  expect_ack (second, BD_MQTT_PUBREL, q2_id);
  write_ack (second, BD_MQTT_PUBACK, q1_id);
  write_ack (second, BD_MQTT_PUBCOMP, q2_id);

  /* Acknowledged: nothing more is re-sent on the next connection. */
  g_io_stream_close (G_IO_STREAM (second), NULL, NULL);
  g_clear_object (&second);
  second = accept_one (script);
  handshake (second, TRUE);
  subscribe (second, 2);
  write_publish (second, "end", "marker", 1, FALSE, 1);
  /* The next packet is the marker's PUBACK, not a re-sent message. */
  expect_ack (second, BD_MQTT_PUBACK, 1);
  script->ids[0] = q1_id;
}

static void
test_resend (void)
{
  Script *script = script_start (script_resend);
  g_autoptr(BdRemoteClient) client = client_for (script, 60, FALSE);
  g_autoptr(GBytes) p1 = g_bytes_new_static ("at least once", 13);
  g_autoptr(GBytes) p2 = g_bytes_new_static ("exactly once", 12);
  g_autoptr(BdMessage) m1 = bd_message_new ("out/q1", p1, 1, FALSE, NULL);
  g_autoptr(BdMessage) m2 = bd_message_new ("out/q2", p2, 2, FALSE, NULL);

  bd_remote_client_start (client);
  remote_test_wait_for_state (client, BD_REMOTE_STATE_CONNECTED);
  g_assert_true (bd_remote_client_publish (client, m1));
  g_assert_true (bd_remote_client_publish (client, m2));
  script_finish (script);
  bd_remote_client_stop (client);
}

static void
script_silent (Script *script)
{
  g_autoptr(GSocketConnection) conn = accept_one (script);
  BdMqttPacket packet = { 0 };

  handshake (conn, FALSE);
  subscribe (conn, 0);
  read_packet (conn, BD_MQTT_V311, &packet);
  g_assert_cmpint (packet.type, ==, BD_MQTT_PINGREQ);
  /* No PINGRESP; the client must give up on this connection by itself,
   * which the read below sees as the end of the stream. */
  {
    GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (conn));
    guint8 byte;

    g_assert_cmpint (g_input_stream_read (in, &byte, 1, NULL, NULL), ==, 0);
  }
}

static void
test_ping_timeout (void)
{
  Script *script = script_start (script_silent);
  g_autoptr(BdRemoteClient) client = client_for (script, 1, TRUE);

  bd_remote_client_start (client);
  remote_test_wait_for_state (client, BD_REMOTE_STATE_CONNECTED);
  remote_test_wait_for_state (client, BD_REMOTE_STATE_WAITING);
  g_assert_nonnull (strstr (bd_remote_client_get_error_message (client), "PINGREQ"));
  script_finish (script);
  bd_remote_client_stop (client);
}

static void
script_refuse (Script *script)
{
  g_autoptr(GSocketConnection) conn = accept_one (script);

  handshake (conn, FALSE);
  subscribe (conn, 0x80);
}

static void
test_subscription_refused (void)
{
  Script *script = script_start (script_refuse);
  g_autoptr(BdRemoteClient) client = client_for (script, 60, TRUE);
  g_autofree char *expected = NULL;

  bd_remote_client_start (client);
  script_finish (script);
  remote_test_wait_for_state (client, BD_REMOTE_STATE_FAILED);
  expected = g_strdup_printf ("127.0.0.1:%u: subscription to # refused",
                              bd_remote_client_get_config (client)->port);
  g_assert_true (g_str_has_prefix (bd_remote_client_get_error_message (client), expected));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/remote/protocol/receive-qos", test_receive);
  g_test_add_func ("/remote/protocol/resend-after-reconnect", test_resend);
  g_test_add_func ("/remote/protocol/ping-timeout", test_ping_timeout);
  g_test_add_func ("/remote/protocol/subscription-refused", test_subscription_refused);
  return g_test_run ();
}
