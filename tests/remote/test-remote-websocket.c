/* test-remote-websocket.c — the remote client's WebSocket layer, byte by byte
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The layer does no I/O, so these tests play the server: they answer the
 * upgrade request the layer wrote and feed it frames split at every kind of
 * boundary (fragments of one message, a ping between them, a payload far
 * larger than one read), and decode what the layer writes with the
 * broker's own frame decoder, as a Brokerdesk WebSocket listener does.
 * Last, the whole client over WebSocket to an engine's WebSocket listener,
 * as the console's remote mode uses it.
 */

#include "config.h"

#include <string.h>

#include "bd-remote-client.h"
#include "bd-remote-websocket.h"
#include "bd-test-util.h"
#include "remote-test-utils.h"
#include "test-client.h"

#define WAIT_MS REMOTE_TEST_WAIT_MS

/* The 101 answer a correct server gives to @ws's request. */
static char *
good_answer (BdRemoteWebsocket *ws)
{
  g_autoptr(GByteArray) request = g_byte_array_new ();
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  g_autofree char *key = NULL;
  g_autofree char *host = NULL;
  g_autofree char *accept = NULL;

  bd_remote_websocket_request (ws, request, "127.0.0.1", 8080, "/mqtt");
  text = g_strndup ((const char *) request->data, request->len);
  g_assert_true (g_str_has_prefix (text, "GET /mqtt HTTP/1.1\r\n"));
  g_assert_true (g_str_has_suffix (text, "\r\n\r\n"));
  lines = g_strsplit (text, "\r\n", -1);
  host = bd_websocket_header_value (lines, "Host");
  g_assert_cmpstr (host, ==, "127.0.0.1:8080");
  g_assert_true (g_strv_contains ((const char * const *) lines, "Sec-WebSocket-Protocol: mqtt"));
  g_assert_true (g_strv_contains ((const char * const *) lines, "Sec-WebSocket-Version: 13"));
  key = bd_websocket_header_value (lines, "Sec-WebSocket-Key");
  g_assert_cmpstr (key, ==, ws->key);
  accept = bd_websocket_accept_key (key);
  return g_strdup_printf ("HTTP/1.1 101 Switching Protocols\r\n"
                          "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                          "Sec-WebSocket-Accept: %s\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n",
                          accept);
}

static BdRemoteWebsocket *
upgraded (void)
{
  BdRemoteWebsocket *ws = bd_remote_websocket_new ();
  g_autofree char *answer = good_answer (ws);
  g_autoptr(GByteArray) payload = g_byte_array_new ();
  g_autoptr(GByteArray) reply = g_byte_array_new ();
  g_autoptr(GError) error = NULL;

  g_assert_true (bd_remote_websocket_feed (ws, (const guint8 *) answer, strlen (answer),
                                           payload, reply, &error));
  g_assert_no_error (error);
  g_assert_true (ws->upgraded);
  return ws;
}

/* Feeds @data to @ws in reads of 1 to @max_read bytes. */
static gboolean
feed_in_pieces (BdRemoteWebsocket  *ws,
                GByteArray         *data,
                guint               max_read,
                GByteArray         *payload,
                GByteArray         *reply,
                GError            **error)
{
  GRand *rand = g_rand_new_with_seed (max_read);
  gboolean ok = TRUE;

  for (gsize off = 0; ok && off < data->len;)
    {
      /* Not inside MIN (), which would draw twice. */
      gsize want = g_rand_int_range (rand, 1, max_read + 1);
      gsize n = MIN (data->len - off, want);

      ok = bd_remote_websocket_feed (ws, data->data + off, n, payload, reply, error);
      off += n;
    }
  g_rand_free (rand);
  return ok;
}

/* Decodes frames the client wrote, as a server: all must be masked. */
static GByteArray *
server_decode (GByteArray *frames,
               guint8     *last_opcode)
{
  BdWebsocketDecoder decoder;
  GByteArray *out = g_byte_array_new ();
  gsize off = 0;

  bd_websocket_decoder_init (&decoder, TRUE, FALSE, 0);
  while (off < frames->len)
    {
      g_autoptr(GError) error = NULL;
      guint start = out->len;
      gsize used;
      gsize got;
      BdWebsocketDecodeStatus status;

      g_byte_array_set_size (out, start + frames->len - off);
      status = bd_websocket_decode (&decoder, frames->data + off, frames->len - off, &used,
                                    out->data + start, &got, &error);
      g_assert_no_error (error);
      g_assert_cmpint (status, !=, BD_WEBSOCKET_DECODE_ERROR);
      g_byte_array_set_size (out, start + got);
      off += used;
      if (status == BD_WEBSOCKET_DECODE_CONTROL)
        {
          *last_opcode = decoder.opcode;
          g_byte_array_append (out, decoder.control->data, decoder.control->len);
        }
    }
  bd_websocket_decoder_clear (&decoder);
  return out;
}

static void
test_upgrade_byte_by_byte_with_a_frame_after (void)
{
  g_autoptr(BdRemoteWebsocket) ws = bd_remote_websocket_new ();
  g_autofree char *answer = good_answer (ws);
  g_autoptr(GByteArray) input = g_byte_array_new ();
  g_autoptr(GByteArray) payload = g_byte_array_new ();
  g_autoptr(GByteArray) reply = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  static const guint8 connack[] = { 0x20, 0x02, 0x00, 0x00 };

  /* The server's first frame may come in the same read as the answer. */
  g_byte_array_append (input, (const guint8 *) answer, strlen (answer));
  bd_websocket_frame_append (input, TRUE, BD_WEBSOCKET_OP_BINARY, connack, sizeof connack, NULL);
  g_assert_true (feed_in_pieces (ws, input, 1, payload, reply, &error));
  g_assert_no_error (error);
  g_assert_true (ws->upgraded);
  g_assert_cmpmem (payload->data, payload->len, connack, sizeof connack);
  g_assert_cmpuint (reply->len, ==, 0);
}

static void
test_refused_upgrade_names_the_status (void)
{
  g_autoptr(BdRemoteWebsocket) ws = bd_remote_websocket_new ();
  g_autoptr(GByteArray) payload = g_byte_array_new ();
  g_autoptr(GByteArray) reply = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  const char *answer = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";

  g_assert_false (bd_remote_websocket_feed (ws, (const guint8 *) answer, strlen (answer),
                                            payload, reply, &error));
  g_assert_error (error, BD_REMOTE_ERROR, BD_REMOTE_ERROR_REFUSED);
  g_assert_cmpstr (error->message, ==, "WebSocket upgrade refused: HTTP 404 Not Found");
  g_clear_error (&error);

  /* A 5xx may pass: not refused, so the client keeps trying. */
  g_clear_pointer (&ws, bd_remote_websocket_free);
  ws = bd_remote_websocket_new ();
  answer = "HTTP/1.1 503 Service Unavailable\r\n\r\n";
  g_assert_false (bd_remote_websocket_feed (ws, (const guint8 *) answer, strlen (answer),
                                            payload, reply, &error));
  g_assert_error (error, BD_REMOTE_ERROR, BD_REMOTE_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (error->message, "HTTP 503 Service Unavailable"));
}

static void
test_wrong_accept_or_subprotocol_fails (void)
{
  static const char * const answers[] = {
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n",
    NULL,  /* the right Accept, no subprotocol: filled in below */
  };

  for (gsize i = 0; i < G_N_ELEMENTS (answers); i++)
    {
      g_autoptr(BdRemoteWebsocket) ws = bd_remote_websocket_new ();
      g_autoptr(GByteArray) payload = g_byte_array_new ();
      g_autoptr(GByteArray) reply = g_byte_array_new ();
      g_autoptr(GError) error = NULL;
      g_autofree char *accept = bd_websocket_accept_key (ws->key);
      g_autofree char *answer = answers[i] != NULL ? g_strdup (answers[i])
        : g_strdup_printf ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                           "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", accept);

      g_assert_false (bd_remote_websocket_feed (ws, (const guint8 *) answer, strlen (answer),
                                                payload, reply, &error));
      g_assert_error (error, BD_REMOTE_ERROR, BD_REMOTE_ERROR_PROTOCOL);
      g_assert_nonnull (strstr (error->message, i == 0 ? "Sec-WebSocket-Accept" : "subprotocol"));
    }
}

static void
test_fragments_with_a_ping_between (void)
{
  g_autoptr(BdRemoteWebsocket) ws = upgraded ();
  g_autoptr(GByteArray) input = g_byte_array_new ();
  g_autoptr(GByteArray) payload = g_byte_array_new ();
  g_autoptr(GByteArray) reply = g_byte_array_new ();
  g_autoptr(GByteArray) answered = NULL;
  g_autoptr(GError) error = NULL;
  static const guint8 publish[] = { 0x30, 0x07, 0x00, 0x01, 't', 'h', 'e', 'l', 'o' };
  guint8 opcode = 0;

  /* One MQTT packet in three fragments, a ping between the second and the
   * third (RFC 6455 5.4: control frames may interleave). */
  bd_websocket_frame_append (input, FALSE, BD_WEBSOCKET_OP_BINARY, publish, 3, NULL);
  bd_websocket_frame_append (input, FALSE, BD_WEBSOCKET_OP_CONTINUATION, publish + 3, 2, NULL);
  bd_websocket_frame_append (input, TRUE, BD_WEBSOCKET_OP_PING, (const guint8 *) "hb", 2, NULL);
  bd_websocket_frame_append (input, TRUE, BD_WEBSOCKET_OP_CONTINUATION, publish + 5,
                             sizeof publish - 5, NULL);
  g_assert_true (feed_in_pieces (ws, input, 3, payload, reply, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (payload->data, payload->len, publish, sizeof publish);

  /* The pong carries the ping's payload, masked like every client frame. */
  g_assert_cmpuint (reply->len, ==, 2 + 4 + 2);
  g_assert_cmpuint (reply->data[1] & 0x80, ==, 0x80);
  answered = server_decode (reply, &opcode);
  g_assert_cmpuint (opcode, ==, BD_WEBSOCKET_OP_PONG);
  g_assert_cmpmem (answered->data, answered->len, "hb", 2);
}

static void
test_large_payload_across_frames_and_reads (void)
{
  g_autoptr(BdRemoteWebsocket) ws = upgraded ();
  g_autoptr(GByteArray) big = g_byte_array_sized_new (100 * 1000);
  g_autoptr(GByteArray) input = g_byte_array_new ();
  g_autoptr(GByteArray) payload = g_byte_array_new ();
  g_autoptr(GByteArray) reply = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  gsize sizes[] = { 100, 125, 126, 65535, 65536, 0 };
  gsize off = 0;

  g_byte_array_set_size (big, 100 * 1000);
  for (guint i = 0; i < big->len; i++)
    big->data[i] = (i * 7 + i / 251) & 0xff;
  /* Frames of every length encoding (7-bit, 16-bit, 64-bit), the last one
   * taking the rest, a ping in the middle of the stream. */
  for (guint i = 0; off < big->len; i++)
    {
      gsize n = sizes[i] != 0 ? MIN (sizes[i], big->len - off) : big->len - off;

      bd_websocket_frame_append (input, TRUE, BD_WEBSOCKET_OP_BINARY, big->data + off, n, NULL);
      off += n;
      if (i == 2)
        bd_websocket_frame_append (input, TRUE, BD_WEBSOCKET_OP_PING, NULL, 0, NULL);
    }
  g_assert_true (feed_in_pieces (ws, input, 16384, payload, reply, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (payload->data, payload->len, big->data, big->len);
  g_assert_cmpuint (reply->len, ==, 2 + 4);  /* one empty pong */
}

static void
test_client_frames_are_masked (void)
{
  g_autoptr(BdRemoteWebsocket) ws = upgraded ();
  g_autoptr(GByteArray) data = g_byte_array_new ();
  g_autoptr(GByteArray) frames = g_byte_array_new ();
  g_autoptr(GByteArray) back = NULL;
  guint8 opcode = 0;

  g_byte_array_set_size (data, 600 * 1000);
  for (guint i = 0; i < data->len; i++)
    data->data[i] = i & 0xff;
  bd_remote_websocket_frame (ws, frames, data->data, data->len);
  /* Masked: the payload does not appear as it is. */
  g_assert_cmpuint (frames->data[1] & 0x80, ==, 0x80);
  g_assert_null (memmem (frames->data, frames->len, data->data + 1000, 64));
  back = server_decode (frames, &opcode);
  g_assert_cmpmem (back->data, back->len, data->data, data->len);

  /* The closing handshake's first frame: masked too, status 1000. */
  g_byte_array_set_size (frames, 0);
  g_clear_pointer (&back, g_byte_array_unref);
  bd_remote_websocket_close (ws, frames, 1000);
  back = server_decode (frames, &opcode);
  g_assert_cmpuint (opcode, ==, BD_WEBSOCKET_OP_CLOSE);
  g_assert_cmpmem (back->data, back->len, "\x03\xe8", 2);
}

static void
test_close_and_bad_frames (void)
{
  g_autoptr(BdRemoteWebsocket) ws = upgraded ();
  g_autoptr(GByteArray) input = g_byte_array_new ();
  g_autoptr(GByteArray) payload = g_byte_array_new ();
  g_autoptr(GByteArray) reply = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  static const guint8 going_away[] = { 0x03, 0xe9, 'b', 'y', 'e' };
  static const guint8 mask[] = { 1, 2, 3, 4 };
  guint8 opcode = 0;
  g_autoptr(GByteArray) echoed = NULL;

  bd_websocket_frame_append (input, TRUE, BD_WEBSOCKET_OP_CLOSE, going_away, sizeof going_away,
                             NULL);
  g_assert_true (bd_remote_websocket_feed (ws, input->data, input->len, payload, reply, &error));
  g_assert_true (ws->closed);
  g_assert_cmpuint (ws->close_code, ==, 1001);
  echoed = server_decode (reply, &opcode);
  g_assert_cmpuint (opcode, ==, BD_WEBSOCKET_OP_CLOSE);
  g_assert_cmpmem (echoed->data, echoed->len, going_away, 2);

  /* A server never masks (RFC 6455 5.1), and MQTT never goes in text. */
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(BdRemoteWebsocket) other = upgraded ();

      g_byte_array_set_size (input, 0);
      g_byte_array_set_size (reply, 0);
      g_clear_error (&error);
      bd_websocket_frame_append (input, TRUE, i == 0 ? BD_WEBSOCKET_OP_BINARY : BD_WEBSOCKET_OP_TEXT,
                                 (const guint8 *) "x", 1, i == 0 ? mask : NULL);
      g_assert_false (bd_remote_websocket_feed (other, input->data, input->len, payload, reply,
                                                &error));
      g_assert_error (error, BD_REMOTE_ERROR, BD_REMOTE_ERROR_PROTOCOL);
      g_assert_nonnull (strstr (error->message, i == 0 ? "masked frame" : "text frame"));
      /* It says why in a close frame before it goes. */
      g_assert_cmpuint (reply->len, ==, 2 + 4 + 2);
    }
}

/* Whatever a server sends after the upgrade, the layer either decodes it
 * or fails with a reason, within what was fed: random bytes, and random
 * frame headers before random payloads. */
static void
test_random_input (void)
{
  GRand *rand = g_rand_new_with_seed (6455);

  for (guint round = 0; round < 2000; round++)
    {
      g_autoptr(BdRemoteWebsocket) ws = upgraded ();
      g_autoptr(GByteArray) input = g_byte_array_new ();
      g_autoptr(GByteArray) payload = g_byte_array_new ();
      g_autoptr(GByteArray) reply = g_byte_array_new ();
      g_autoptr(GError) error = NULL;
      guint n = g_rand_int_range (rand, 1, 300);

      for (guint i = 0; i < n; i++)
        g_byte_array_append (input, (guint8[]) { g_rand_int_range (rand, 0, 256) }, 1);
      /* Half the rounds: a plausible header (FIN, binary or control, a
       * short length) so that decoding gets past the first bytes. */
      if (round % 2 == 0 && input->len >= 2)
        {
          input->data[0] = 0x80 | (input->data[0] & 0x0b);
          input->data[1] &= 0x7f;
        }
      if (!feed_in_pieces (ws, input, 1 + round % 17, payload, reply, &error))
        g_assert_error (error, BD_REMOTE_ERROR, BD_REMOTE_ERROR_PROTOCOL);
      else
        g_assert_no_error (error);
      g_assert_cmpuint (payload->len, <=, input->len);
    }
  g_rand_free (rand);
}

/* ------------------------------------------------- against an engine */

static void
received_cb (BdMessage *message,
             gpointer   user_data)
{
  g_ptr_array_add (user_data, bd_message_ref (message));
}

static gboolean
has_messages (gpointer data)
{
  return ((GPtrArray *) data)->len > 0;
}

static gint upstream_count;

static void
upstream_cb (BdMessage *message,
             gpointer   user_data)
{
  g_atomic_int_inc (&upstream_count);
}

static gboolean
upstream_got_one (gpointer data)
{
  return g_atomic_int_get (&upstream_count) > 0;
}

static void
delivered_cb (BdMessage *message,
              gboolean   delivered,
              gpointer   user_data)
{
  *(int *) user_data = delivered ? 1 : -1;
}

static gboolean
int_set (gpointer data)
{
  return *(int *) data != 0;
}

/* The console's way: a tap fed over WebSocket (a 100 kB retained message,
 * many frames), a QoS 1 publish acknowledged, and a clean stop. */
static void
test_client_over_engine_websocket (void)
{
  g_autoptr(BdEngine) engine = test_engine_new ("listener 0 127.0.0.1\n"
                                                "protocol websockets\n"
                                                "allow_anonymous true\n");
  g_autoptr(GError) error = NULL;
  g_autoptr(BdRemoteConfig) config = bd_remote_config_new ();
  g_autoptr(BdRemoteClient) client = NULL;
  g_autoptr(GPtrArray) received = g_ptr_array_new_with_free_func ((GDestroyNotify) bd_message_unref);
  g_autoptr(GByteArray) big = g_byte_array_new ();
  g_autoptr(GBytes) payload = NULL;
  g_autoptr(BdMessage) retained = NULL;
  gsize len;
  const guint8 *data;
  int delivered = 0;

  g_atomic_int_set (&upstream_count, 0);
  bd_engine_add_tap (engine, "up/#", upstream_cb, NULL, NULL);
  g_assert_true (bd_engine_start (engine, &error));
  g_assert_no_error (error);
  g_byte_array_set_size (big, 100 * 1000);
  for (guint i = 0; i < big->len; i++)
    big->data[i] = (i * 13) & 0xff;
  payload = g_bytes_new (big->data, big->len);
  retained = bd_message_new ("ws/big", payload, 1, TRUE, NULL);
  bd_engine_publish (engine, retained);

  g_free (config->host);
  config->host = g_strdup ("127.0.0.1");
  /* The second listener: the test engine has a plain one first. */
  config->port = bd_engine_get_port (engine, 1);
  config->version = BD_MQTT_V5;
  config->filter = g_strdup ("ws/#");
  config->use_websockets = TRUE;
  client = bd_remote_client_new (config);
  bd_remote_client_add_tap (client, "#", received_cb, received, NULL);
  bd_remote_client_start (client);
  remote_test_wait_for_state (client, BD_REMOTE_STATE_CONNECTED);

  bd_test_wait_until (has_messages, received, WAIT_MS, "the retained message");
  data = bd_message_get_payload (g_ptr_array_index (received, 0), &len);
  g_assert_cmpmem (data, len, big->data, big->len);

  {
    g_autoptr(GBytes) seven = g_bytes_new_static ("7", 1);
    g_autoptr(BdMessage) up = bd_message_new ("up/reading", seven, 1, FALSE, NULL);

    g_assert_true (bd_remote_client_publish_full (client, up, delivered_cb, &delivered));
  }
  bd_test_wait_until (int_set, &delivered, WAIT_MS, "the PUBACK");
  g_assert_cmpint (delivered, ==, 1);
  bd_test_wait_until (upstream_got_one, NULL, WAIT_MS, "the message in the engine");

  bd_remote_client_stop (client);
  g_assert_cmpint (bd_remote_client_get_state (client), ==, BD_REMOTE_STATE_DISCONNECTED);
  bd_engine_stop (engine);
}

static gboolean
has_error (gpointer data)
{
  return bd_remote_client_get_error_message (data) != NULL;
}

/* Without a port, WebSocket goes to HTTP's: 80 (443 with TLS). */
static void
test_default_port (void)
{
  g_autoptr(BdRemoteConfig) config = bd_remote_config_new ();
  g_autoptr(BdRemoteClient) client = NULL;

  g_free (config->host);
  config->host = g_strdup ("127.0.0.1");
  config->use_websockets = TRUE;
  config->backoff_min_ms = 60000;
  client = bd_remote_client_new (config);
  bd_remote_client_start (client);
  /* Whatever the answer there (most likely none), the message names where. */
  bd_test_wait_until (has_error, client, WAIT_MS, "the attempt on port 80");
  g_assert_true (g_str_has_prefix (bd_remote_client_get_error_message (client), "127.0.0.1:80: "));
  bd_remote_client_stop (client);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/remote/websocket/upgrade-byte-by-byte", test_upgrade_byte_by_byte_with_a_frame_after);
  g_test_add_func ("/remote/websocket/refused-upgrade", test_refused_upgrade_names_the_status);
  g_test_add_func ("/remote/websocket/wrong-accept-or-subprotocol", test_wrong_accept_or_subprotocol_fails);
  g_test_add_func ("/remote/websocket/fragments-with-ping", test_fragments_with_a_ping_between);
  g_test_add_func ("/remote/websocket/large-payload", test_large_payload_across_frames_and_reads);
  g_test_add_func ("/remote/websocket/client-frames-masked", test_client_frames_are_masked);
  g_test_add_func ("/remote/websocket/close-and-bad-frames", test_close_and_bad_frames);
  g_test_add_func ("/remote/websocket/random-input", test_random_input);
  g_test_add_func ("/remote/websocket/client-over-engine", test_client_over_engine_websocket);
  g_test_add_func ("/remote/websocket/default-port", test_default_port);
  return g_test_run ();
}
