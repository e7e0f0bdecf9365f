/* test-client.h — a small blocking MQTT client for engine tests
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Talks to the engine over a real loopback socket with the project's codec.
 * Every read has a timeout, so a broken broker fails a test instead of
 * hanging it.
 */

#pragma once

#include <gio/gio.h>

#include "bd-engine.h"

G_BEGIN_DECLS

typedef struct _TestClient TestClient;

/* An engine on 127.0.0.1, port 0, with the given extra config text; not
 * started (add taps first), or started. */
BdEngine   *test_engine_new          (const char   *config_text);
BdEngine   *test_engine_start        (const char   *config_text);
/* The engine's sessions (BdClientInfo *), asked of its thread and waited
 * for; fails the test on an error. */
GPtrArray  *test_engine_list_clients (BdEngine     *engine);
/* @text read as the configuration file "test.conf" (not finished); fails
 * the test on an error. */
BdBrokerConfig *test_config_parse    (const char   *text);
/* Reading @text as "test.conf" fails with exactly @message. */
void        test_config_assert_error (const char   *text,
                                      const char   *message);
/* A table of texts and the exact error each must give. */
typedef struct
{
  const char *text;
  const char *message;
} TestConfigError;
void        test_config_assert_errors (const TestConfigError *cases,
                                       gsize                  n_cases);
/* A QoS 0 message on @topic whose payload is @text, as a tap or feed
 * receives it. */
BdMessage  *test_message_new         (const char   *topic,
                                      const char   *text,
                                      gboolean      retain);
/* A publish or tap function that keeps a reference to each message in the
 * GPtrArray @messages (made with bd_message_unref as its free function).
 * Not for taps on the engine thread: the array has no lock. */
void        test_message_collect_cb  (BdMessage    *message,
                                      gpointer      messages);
/* Publishes such a message through @engine, as a client would. */
void        test_engine_publish_text (BdEngine     *engine,
                                      const char   *topic,
                                      const char   *text,
                                      gboolean      retain);

/* A client of MQTT 3.1.1, connected to 127.0.0.1:@port; fails the test
 * unless the broker accepts it. */
TestClient *test_client_connect      (guint16       port,
                                      const char   *client_id,
                                      gboolean      clean);
/* The same with the protocol @version (MQTT 5 for reason codes in a
 * DISCONNECT from the broker) and, unless NULL, a user name and password. */
TestClient *test_client_connect_full (guint16        port,
                                      BdMqttVersion  version,
                                      const char    *client_id,
                                      gboolean       clean,
                                      const char    *username,
                                      const char    *password);
void        test_client_free         (TestClient   *client);
void        test_client_send         (TestClient   *client,
                                      BdMqttPacket *packet);
/* Reads and decodes one packet of @version from @in, as a broker or client
 * of that version would; fails the test on a read error or a bad packet. */
void        test_read_packet         (GInputStream  *in,
                                      BdMqttVersion  version,
                                      BdMqttPacket  *packet);
/* Reads the next packet (timeout 5 s); fails the test on timeout. */
void        test_client_read         (TestClient   *client,
                                      BdMqttPacket *packet);
/* Reads the next packet, which must be a PUBLISH on @topic; returns its
 * payload as a string. */
char       *test_client_read_publish (TestClient   *client,
                                      const char   *topic);
/* A PINGREQ answered: the connection is alive. */
void        test_client_assert_alive (TestClient   *client);
/* TRUE when the broker closed the connection within 5 s. */
gboolean    test_client_wait_closed  (TestClient   *client);
void        test_client_subscribe    (TestClient   *client,
                                      const char   *filter,
                                      guint8        qos);
void        test_client_publish      (TestClient   *client,
                                      const char   *topic,
                                      const char   *payload,
                                      guint8        qos,
                                      gboolean      retain);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestClient, test_client_free)

G_END_DECLS
