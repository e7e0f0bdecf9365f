/* test-client.c — a small blocking MQTT client for engine tests
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "bd-test-util.h"
#include "test-client.h"

struct _TestClient
{
  GSocketConnection *connection;
  GInputStream      *in;
  GOutputStream     *out;
  BdMqttVersion      version;
  guint16            next_id;
};

BdEngine *
test_engine_new (const char *config_text)
{
  g_autoptr(GError) error = NULL;
  BdBrokerConfig *config = bd_broker_config_new ();
  g_autofree char *text = g_strdup_printf ("listener 0 127.0.0.1\nallow_anonymous true\n%s\n",
                                           config_text ? config_text : "");

  g_assert_true (bd_broker_config_parse (config, "test.conf", text, &error));
  g_assert_no_error (error);
  bd_broker_config_finish (config);
  return bd_engine_new (config);
}

BdBrokerConfig *
test_config_parse (const char *text)
{
  g_autoptr(BdBrokerConfig) config = bd_broker_config_new ();
  g_autoptr(GError) error = NULL;
  gboolean ok;

  ok = bd_broker_config_parse (config, "test.conf", text, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
  return g_steal_pointer (&config);
}

void
test_config_assert_error (const char *text,
                          const char *message)
{
  g_autoptr(BdBrokerConfig) config = bd_broker_config_new ();
  g_autoptr(GError) error = NULL;

  g_assert_false (bd_broker_config_parse (config, "test.conf", text, &error));
  g_assert_error (error, BD_CONFIG_ERROR, BD_CONFIG_ERROR_PARSE);
  g_assert_cmpstr (error->message, ==, message);
}

void
test_config_assert_errors (const TestConfigError *cases,
                           gsize                  n_cases)
{
  for (gsize i = 0; i < n_cases; i++)
    {
      g_autofree char *escaped = g_strescape (cases[i].text, NULL);

      g_test_message ("case %" G_GSIZE_FORMAT ": %s", i, escaped);
      test_config_assert_error (cases[i].text, cases[i].message);
    }
}

BdMessage *
test_message_new (const char *topic,
                  const char *text,
                  gboolean    retain)
{
  g_autoptr(GBytes) payload = g_bytes_new (text, strlen (text));

  return bd_message_new (topic, payload, 0, retain, NULL);
}

void
test_message_collect_cb (BdMessage *message,
                         gpointer   messages)
{
  g_ptr_array_add (messages, bd_message_ref (message));
}

void
test_engine_publish_text (BdEngine   *engine,
                          const char *topic,
                          const char *text,
                          gboolean    retain)
{
  g_autoptr(BdMessage) message = test_message_new (topic, text, retain);

  bd_engine_publish (engine, message);
}

BdEngine *
test_engine_start (const char *config_text)
{
  g_autoptr(GError) error = NULL;
  BdEngine *engine = test_engine_new (config_text);

  g_assert_true (bd_engine_start (engine, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (bd_engine_get_port (engine, 0), >, 0);
  return engine;
}

GPtrArray *
test_engine_list_clients (BdEngine *engine)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *clients;

  bd_engine_list_clients_async (engine, NULL, bd_test_result_cb, &result);
  bd_test_wait_result (&result, 5000, "the list of clients");
  clients = bd_engine_list_clients_finish (result, &error);
  g_assert_no_error (error);
  return clients;
}

static void
read_exactly (GInputStream *in,
              guint8       *buf,
              gsize         len)
{
  g_autoptr(GError) error = NULL;
  gsize got = 0;

  g_assert_true (g_input_stream_read_all (in, buf, len, &got, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (got, ==, len);
}

void
test_read_packet (GInputStream  *in,
                  BdMqttVersion  version,
                  BdMqttPacket  *packet)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GByteArray) data = g_byte_array_new ();
  BdMqttFrame frame;
  guint8 byte;

  /* Byte by byte until the fixed header is complete, then the body. */
  for (;;)
    {
      BdMqttFrameStatus status;

      read_exactly (in, &byte, 1);
      g_byte_array_append (data, &byte, 1);
      status = bd_mqtt_frame_parse (data->data, data->len, &frame, &error);
      g_assert_no_error (error);
      if (status == BD_MQTT_FRAME_COMPLETE || frame.header_length > 0)
        break;
    }
  g_byte_array_set_size (data, frame.header_length + frame.remaining_length);
  if (frame.remaining_length > 0)
    read_exactly (in, data->data + frame.header_length, frame.remaining_length);
  /* The decoder also checks the fixed-header flags, e.g. PUBREL's 0010
   * [MQTT-3.6.1-1]. */
  g_assert_true (bd_mqtt_decode (version, &frame, data->data + frame.header_length,
                                 frame.remaining_length, packet, &error));
  g_assert_no_error (error);
}

void
test_client_read (TestClient   *client,
                  BdMqttPacket *packet)
{
  test_read_packet (client->in, client->version, packet);
}

char *
test_client_read_publish (TestClient *client,
                          const char *topic)
{
  BdMqttPacket packet = { 0 };
  char *payload;

  test_client_read (client, &packet);
  g_assert_cmpint (packet.type, ==, BD_MQTT_PUBLISH);
  g_assert_cmpstr (packet.publish.topic, ==, topic);
  payload = g_strndup (g_bytes_get_data (packet.publish.payload, NULL),
                       g_bytes_get_size (packet.publish.payload));
  bd_mqtt_packet_clear (&packet);
  return payload;
}

void
test_client_send (TestClient   *client,
                  BdMqttPacket *packet)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GByteArray) data = g_byte_array_new ();

  g_assert_true (bd_mqtt_encode (client->version, packet, data, &error));
  g_assert_true (g_output_stream_write_all (client->out, data->data, data->len, NULL, NULL, &error));
  g_assert_no_error (error);
}

TestClient *
test_client_connect_full (guint16        port,
                          BdMqttVersion  version,
                          const char    *client_id,
                          gboolean       clean,
                          const char    *username,
                          const char    *password)
{
  g_autoptr(GSocketClient) socket_client = g_socket_client_new ();
  g_autoptr(GError) error = NULL;
  TestClient *client = g_new0 (TestClient, 1);
  BdMqttPacket packet = { .type = BD_MQTT_CONNECT };

  client->connection = g_socket_client_connect_to_host (socket_client, "127.0.0.1", port, NULL, &error);
  g_assert_no_error (error);
  g_socket_set_timeout (g_socket_connection_get_socket (client->connection), 5);
  client->in = g_io_stream_get_input_stream (G_IO_STREAM (client->connection));
  client->out = g_io_stream_get_output_stream (G_IO_STREAM (client->connection));
  client->version = version;
  client->next_id = 1;

  packet.connect.version = version;
  packet.connect.protocol_name = (char *) "MQTT";
  packet.connect.protocol_level = version == BD_MQTT_V5 ? 5 : 4;
  packet.connect.clean_start = clean;
  packet.connect.keep_alive = 60;
  packet.connect.client_id = (char *) client_id;
  packet.connect.has_username = username != NULL;
  packet.connect.username = (char *) username;
  packet.connect.has_password = password != NULL;
  if (password != NULL)
    packet.connect.password = g_bytes_new_static (password, strlen (password));
  test_client_send (client, &packet);
  g_clear_pointer (&packet.connect.password, g_bytes_unref);

  test_client_read (client, &packet);
  g_assert_cmpint (packet.type, ==, BD_MQTT_CONNACK);
  g_assert_cmpuint (packet.connack.reason_code, ==, 0);
  bd_mqtt_packet_clear (&packet);
  return client;
}

TestClient *
test_client_connect (guint16     port,
                     const char *client_id,
                     gboolean    clean)
{
  return test_client_connect_full (port, BD_MQTT_V311, client_id, clean, NULL, NULL);
}

void
test_client_free (TestClient *client)
{
  g_io_stream_close (G_IO_STREAM (client->connection), NULL, NULL);
  g_object_unref (client->connection);
  g_free (client);
}

void
test_client_assert_alive (TestClient *client)
{
  BdMqttPacket packet = { .type = BD_MQTT_PINGREQ };

  test_client_send (client, &packet);
  test_client_read (client, &packet);
  g_assert_cmpint (packet.type, ==, BD_MQTT_PINGRESP);
}

gboolean
test_client_wait_closed (TestClient *client)
{
  guint8 byte;
  gssize n = g_input_stream_read (client->in, &byte, 1, NULL, NULL);

  return n <= 0;
}

void
test_client_subscribe (TestClient *client,
                       const char *filter,
                       guint8      qos)
{
  BdMqttSubscription sub = { .filter = (char *) filter, .qos = qos };
  BdMqttPacket packet = { .type = BD_MQTT_SUBSCRIBE };
  guint16 id = client->next_id++;

  packet.flags = 0x2;
  packet.subscribe.packet_id = id;
  packet.subscribe.subscriptions = &sub;
  packet.subscribe.n_subscriptions = 1;
  test_client_send (client, &packet);

  test_client_read (client, &packet);
  g_assert_cmpint (packet.type, ==, BD_MQTT_SUBACK);
  g_assert_cmpuint (packet.suback.packet_id, ==, id);
  g_assert_cmpuint (packet.suback.n_reason_codes, ==, 1);
  g_assert_cmpuint (packet.suback.reason_codes[0], ==, qos);
  bd_mqtt_packet_clear (&packet);
}

void
test_client_publish (TestClient *client,
                     const char *topic,
                     const char *payload,
                     guint8      qos,
                     gboolean    retain)
{
  BdMqttPacket packet = { .type = BD_MQTT_PUBLISH };
  g_autoptr(GBytes) bytes = g_bytes_new (payload, strlen (payload));

  packet.publish.topic = (char *) topic;
  packet.publish.payload = bytes;
  packet.publish.qos = qos;
  packet.publish.retain = retain;
  packet.publish.packet_id = qos > 0 ? client->next_id++ : 0;
  test_client_send (client, &packet);

  if (qos == 1)
    {
      test_client_read (client, &packet);
      g_assert_cmpint (packet.type, ==, BD_MQTT_PUBACK);
      bd_mqtt_packet_clear (&packet);
    }
  g_assert_cmpint (qos, <, 2);
}
