/* bd-handle-connect.c — CONNECT and DISCONNECT: a session begins and ends
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Authentication, the client identifier, taking over or resuming a session,
 * CONNACK; and the client's DISCONNECT. Runs on the engine thread, called
 * from the dispatch in bd-connection.c.
 */

#include "config.h"

#include "bd-engine-private.h"

/* ---------------------------------------------------------------- CONNECT */

/* A will the broker cannot take refuses the connection: MQTT 5 with
 * @reason_code in the CONNACK; 3.1.1 has no return code for it, so the
 * connection is closed, as Mosquitto does. */
static void
refuse_will (BdConnection        *conn,
             const BdMqttConnect *c,
             guint8               reason_code,
             const char          *why)
{
  if (c->version == BD_MQTT_V5)
    _bd_connection_refuse_connect (conn, c->version, 0, reason_code, why);
  else
    _bd_connection_close (conn, why);
}

static char *
make_client_id (BdConnection *conn)
{
  g_autofree char *uuid = g_uuid_string_random ();

  return g_strconcat (conn->listener->config->auto_id_prefix, uuid, NULL);
}

static gboolean
conn_authenticate (BdConnection  *conn,
                   BdMqttConnect *c,
                   guint8        *v3_code,
                   guint8        *v5_code)
{
  BdAuth *auth = conn->listener->auth;
  const BdListenerConfig *config = conn->listener->config;
  gboolean anonymous = !c->has_username;

  /* As Mosquitto: on a TLS listener with use_identity_as_username (the
   * certificate's CN) or use_subject_as_username (its whole subject), the
   * certificate checked in the handshake names the user and stands in for
   * the password; the CONNECT's user name is ignored. */
  if (config->use_identity_as_username || config->use_subject_as_username)
    {
      char *name = _bd_tls_transport_dup_peer_name (conn->transport,
                                                    config->use_subject_as_username);

      if (name == NULL)
        {
          *v3_code = BD_MQTT3_CONNACK_NOT_AUTHORIZED;
          *v5_code = BD_MQTT_RC_NOT_AUTHORIZED;
          return FALSE;
        }
      g_free (c->username);
      c->username = name;
      c->has_username = TRUE;
      return TRUE;
    }

  if (!anonymous && auth != NULL && bd_auth_has_passwords (auth))
    {
      gsize len = 0;
      const guint8 *password = c->password ? g_bytes_get_data (c->password, &len) : NULL;

      if (!c->has_password || !bd_auth_check_password (auth, c->username, password, len))
        {
          *v3_code = BD_MQTT3_CONNACK_BAD_USER_NAME_OR_PASSWORD;
          *v5_code = BD_MQTT_RC_BAD_USER_NAME_OR_PASSWORD;
          return FALSE;
        }
      return TRUE;
    }

  /* With no password file a user name proves nothing: it is anonymous
   * access as far as allow_anonymous goes (Mosquitto 2.0). */
  if (!conn->listener->config->allow_anonymous)
    {
      *v3_code = BD_MQTT3_CONNACK_NOT_AUTHORIZED;
      *v5_code = BD_MQTT_RC_NOT_AUTHORIZED;
      return FALSE;
    }
  return TRUE;
}

/* Reads the MQTT 5 CONNECT properties that shape the connection. */
static void
conn_take_v5_limits (BdConnection  *conn,
                     BdMqttConnect *c)
{
  const BdMqttProperties *p = &c->properties;

  if (BD_MQTT_PROP_HAS (p, BD_MQTT_PROP_RECEIVE_MAXIMUM))
    conn->client_receive_max = p->receive_maximum;
  if (BD_MQTT_PROP_HAS (p, BD_MQTT_PROP_MAXIMUM_PACKET_SIZE))
    conn->client_max_packet = p->maximum_packet_size;
  if (BD_MQTT_PROP_HAS (p, BD_MQTT_PROP_TOPIC_ALIAS_MAXIMUM))
    conn->client_alias_max = p->topic_alias_maximum;
  if (c->has_will && BD_MQTT_PROP_HAS (&c->will_properties, BD_MQTT_PROP_WILL_DELAY_INTERVAL))
    conn->will_delay = c->will_properties.will_delay_interval;
}

static void
conn_send_connack (BdConnection  *conn,
                   BdMqttConnect *c,
                   gboolean       session_present,
                   const char    *assigned_id,
                   guint16        server_keep_alive)
{
  const BdBrokerConfig *config = conn->engine->config;
  BdMqttPacket connack = { .type = BD_MQTT_CONNACK };
  BdMqttProperties *p = &connack.connack.properties;

  connack.connack.session_present = session_present;
  connack.connack.reason_code = 0;

  /* MQTT 5: tell the truth about this broker (3.2.2.3). Absent properties
   * mean the standard's defaults, which hold for the rest. */
  if (c->version == BD_MQTT_V5)
    {
      if (assigned_id != NULL)
        {
          p->assigned_client_identifier = (char *) assigned_id;
          BD_MQTT_PROP_SET (p, BD_MQTT_PROP_ASSIGNED_CLIENT_IDENTIFIER);
        }
      if (config->max_inflight_messages > 0 && config->max_inflight_messages < G_MAXUINT16)
        {
          p->receive_maximum = config->max_inflight_messages;
          BD_MQTT_PROP_SET (p, BD_MQTT_PROP_RECEIVE_MAXIMUM);
        }
      if (!config->retain_available)
        {
          p->retain_available = 0;
          BD_MQTT_PROP_SET (p, BD_MQTT_PROP_RETAIN_AVAILABLE);
        }
      if (conn->listener->config->max_qos < 2)
        {
          p->maximum_qos = conn->listener->config->max_qos;
          BD_MQTT_PROP_SET (p, BD_MQTT_PROP_MAXIMUM_QOS);
        }
      if (config->max_packet_size > 0)
        {
          p->maximum_packet_size = config->max_packet_size;
          BD_MQTT_PROP_SET (p, BD_MQTT_PROP_MAXIMUM_PACKET_SIZE);
        }
      if (config->max_topic_alias > 0)
        {
          p->topic_alias_maximum = config->max_topic_alias;
          BD_MQTT_PROP_SET (p, BD_MQTT_PROP_TOPIC_ALIAS_MAXIMUM);
        }
      if (server_keep_alive > 0)
        {
          p->server_keep_alive = server_keep_alive;
          BD_MQTT_PROP_SET (p, BD_MQTT_PROP_SERVER_KEEP_ALIVE);
        }
    }
  /* Borrowed strings: nothing to clear. */
  _bd_connection_send_packet (conn, &connack);
}

void
_bd_handle_connect (BdConnection  *conn,
                    BdMqttPacket  *packet)
{
  BdEngine *engine = conn->engine;
  const BdBrokerConfig *config = engine->config;
  BdMqttConnect *c = &packet->connect;
  g_autofree char *assigned_id = NULL;
  const char *client_id = c->client_id;
  BdSession *session;
  gboolean session_present = FALSE;
  guint16 server_keep_alive = 0;
  guint32 expiry;
  guint8 v3_code = 0;
  guint8 v5_code = 0;

  conn->version = c->version;
  conn->is_bridge = c->bridge;
  /* Before any CONNACK: the client's Maximum Packet Size bounds a refusing
   * one too [MQTT-3.1.2-24]. */
  if (c->version == BD_MQTT_V5)
    conn_take_v5_limits (conn, c);

  if (client_id[0] == '\0')
    {
      /* [MQTT-3.1.3-7][MQTT-3.1.3-8]: a zero-byte client id needs Clean Session
       * 1 in 3.1.1; 3.1 requires 1–23 characters; MQTT 5 allows it always
       * [MQTT-3.1.3-6] and is told the id it got. */
      if (c->version == BD_MQTT_V31 ||
          (c->version == BD_MQTT_V311 && !c->clean_start) ||
          !conn->listener->config->allow_zero_length_clientid)
        {
          _bd_connection_refuse_connect (conn, c->version, BD_MQTT3_CONNACK_IDENTIFIER_REJECTED,
                                         BD_MQTT_RC_CLIENT_IDENTIFIER_NOT_VALID,
                                         "zero-length client identifier not allowed");
          return;
        }
      assigned_id = make_client_id (conn);
      client_id = assigned_id;
    }

  /* clientid_prefixes: only clients whose id starts so may connect, as
   * Mosquitto 2.0 does (before authentication, with the id assigned to an
   * empty one). */
  if (config->clientid_prefixes != NULL && !g_str_has_prefix (client_id, config->clientid_prefixes))
    {
      _bd_connection_refuse_connect (conn, c->version, BD_MQTT3_CONNACK_NOT_AUTHORIZED,
                                     BD_MQTT_RC_NOT_AUTHORIZED,
                                     "client identifier without the clientid_prefixes prefix");
      return;
    }

  if (config->max_keepalive < 65535 &&
      (c->keep_alive > config->max_keepalive || c->keep_alive == 0))
    {
      if (c->version != BD_MQTT_V5)
        {
          /* 3.x has no way to tell the client another keep-alive: refuse, as
           * Mosquitto does with "identifier rejected". */
          _bd_connection_refuse_connect (conn, c->version, BD_MQTT3_CONNACK_IDENTIFIER_REJECTED,
                                         BD_MQTT_RC_CLIENT_IDENTIFIER_NOT_VALID,
                                         "keep-alive above max_keepalive");
          return;
        }
      /* MQTT 5: the Server Keep Alive in CONNACK wins [MQTT-3.2.2-21]. */
      server_keep_alive = config->max_keepalive;
    }

  if (c->version == BD_MQTT_V5 &&
      BD_MQTT_PROP_HAS (&c->properties, BD_MQTT_PROP_AUTHENTICATION_METHOD))
    {
      /* No enhanced authentication methods are offered [MQTT-4.12.0-1]. */
      _bd_connection_refuse_connect (conn, c->version, 0, BD_MQTT_RC_BAD_AUTHENTICATION_METHOD,
                                     "unsupported authentication method");
      return;
    }

  if (c->has_will && config->message_size_limit > 0 &&
      g_bytes_get_size (c->will_payload) > config->message_size_limit)
    {
      /* The will could never be published; refuse now, as Mosquitto does,
       * rather than accept a session whose will will be dropped. */
      refuse_will (conn, c, BD_MQTT_RC_PACKET_TOO_LARGE, "will payload exceeds message_size_limit");
      return;
    }

  if (c->has_will && conn->listener->config->mount_point != NULL)
    {
      /* mount_point: the will is published under the listener's prefix, as
       * the client's own PUBLISH would be. */
      char *mounted = _bd_listener_mount (conn->listener, c->will_topic);

      if (mounted == NULL)
        {
          refuse_will (conn, c, BD_MQTT_RC_TOPIC_NAME_INVALID,
                       "will topic too long under the mount point");
          return;
        }
      g_free (c->will_topic);
      c->will_topic = mounted;
    }

  if (c->has_will &&
      (c->will_qos > conn->listener->config->max_qos ||
       (c->will_retain && !config->retain_available)))
    {
      gboolean qos = c->will_qos > conn->listener->config->max_qos;
      const char *why = qos ? "will QoS above max_qos"
                            : "retained will but retain_available is false";

      /* A will the server could not publish as asked refuses the connection
       * [MQTT-3.2.2-12][MQTT-3.2.2-13], as the same PUBLISH would be
       * refused. */
      refuse_will (conn, c,
                   qos ? BD_MQTT_RC_QOS_NOT_SUPPORTED : BD_MQTT_RC_RETAIN_NOT_SUPPORTED, why);
      return;
    }

  if (c->has_will && c->version == BD_MQTT_V5 &&
      c->will_properties.payload_format_indicator == 1 &&
      !g_utf8_validate_len (g_bytes_get_data (c->will_payload, NULL),
                            g_bytes_get_size (c->will_payload), NULL))
    {
      /* [MQTT-3.1.3-11]: a will said to be UTF-8 must be. */
      _bd_connection_refuse_connect (conn, c->version, 0, BD_MQTT_RC_PAYLOAD_FORMAT_INVALID,
                                     "will payload is not UTF-8 as its Payload Format Indicator says");
      return;
    }

  if (!conn_authenticate (conn, c, &v3_code, &v5_code))
    {
      _bd_connection_refuse_connect (conn, c->version, v3_code, v5_code,
                                     v3_code == BD_MQTT3_CONNACK_BAD_USER_NAME_OR_PASSWORD
                                     ? "bad user name or password" : "not authorized");
      return;
    }

  /* use_username_as_clientid: the session is the user's, whatever id the
   * client sent, so one client cannot take over another's session; no user
   * name, no connection (Mosquitto 2.0). An id the broker assigned is told
   * as this one [MQTT-3.2.2-16]. */
  if (conn->listener->config->use_username_as_clientid)
    {
      if (!c->has_username || c->username == NULL)
        {
          _bd_connection_refuse_connect (conn, c->version, BD_MQTT3_CONNACK_NOT_AUTHORIZED,
                                         BD_MQTT_RC_NOT_AUTHORIZED,
                                         "no user name to use as client identifier");
          return;
        }
      if (assigned_id != NULL)
        {
          g_free (assigned_id);
          assigned_id = g_strdup (c->username);
          client_id = assigned_id;
        }
      else
        client_id = c->username;
    }

  /* How long the session outlives this connection: 3.1.1's Clean Session
   * says "not at all" or "for ever", MQTT 5 says how many seconds
   * [MQTT-3.1.2-23]. */
  if (c->version == BD_MQTT_V5)
    expiry = BD_MQTT_PROP_HAS (&c->properties, BD_MQTT_PROP_SESSION_EXPIRY_INTERVAL)
             ? c->properties.session_expiry_interval : 0;
  else
    expiry = c->clean_start ? 0 : G_MAXUINT32;

  session = g_hash_table_lookup (engine->sessions, client_id);
  /* memory_limit: past it, Mosquitto cannot allocate for a new client and
   * drops its connection; Brokerdesk refuses it with a reason.
   * A client resuming a kept session is let in: taking its queued messages
   * is what brings the heap back under the limit. */
  if ((session == NULL || c->clean_start || session->clean) &&
      _bd_engine_memory_denies (engine, 0))
    {
      _bd_connection_refuse_connect (conn, c->version, BD_MQTT3_CONNACK_SERVER_UNAVAILABLE,
                                     BD_MQTT_RC_QUOTA_EXCEEDED, "memory_limit reached");
      return;
    }
  if (session != NULL && session->conn != NULL)
    {
      BdConnection *old = session->conn;
      g_autoptr(BdMessage) will = g_steal_pointer (&old->will);
      char id[BD_LOG_TEXT_SIZE];

      /* [MQTT-3.1.4-2]: the existing client is disconnected (MQTT 5: with
       * 0x8E, Session taken over). Detach it first so closing it does not end
       * the session we are taking over. */
      session->conn = NULL;
      old->session = NULL;
      session->disconnected_at = g_get_monotonic_time ();
      engine->counters.clients_connected--;
      engine->counters.clients_disconnected++;
      if (config->connection_messages)
        g_message ("Client %s already connected, closing old connection",
                   _bd_log_text (id, client_id));
      _bd_connection_disconnect (old, BD_MQTT_RC_SESSION_TAKEN_OVER,
                                 "another connection took over the session");
      /* Its will still goes out: the old network connection ended without
       * DISCONNECT; with a delay, the new connection may cancel it below. */
      if (will != NULL && !old->clean_disconnect)
        _bd_session_end_will (session, g_steal_pointer (&will), old->will_delay);
    }

  if (session != NULL && session->pending_will != NULL)
    {
      /* A new connection for this Client Identifier, before the Will Delay
       * Interval has passed: the will is not sent [MQTT-3.1.2-8], also when
       * Clean Start 1 ends the session below [MQTT-3.1.3-9]. */
      _bd_store_will_clear (session);
      g_clear_pointer (&session->pending_will, bd_message_unref);
    }

  if (session != NULL && (c->clean_start || session->clean))
    {
      /* Clean Session / Clean Start 1 discards any previous session
       * [MQTT-3.1.2-6][MQTT-3.1.2-4 of MQTT 5]. */
      engine->counters.clients_disconnected--;
      _bd_session_drop (engine, session);
      session = NULL;
    }

  if (session == NULL)
    {
      session = _bd_session_new (engine, client_id);
      g_hash_table_insert (engine->sessions, session->client_id, session);
    }
  else
    {
      /* [MQTT-3.2.2-2]: resuming a stored session. */
      session_present = TRUE;
      engine->counters.clients_disconnected--;
    }

  session->expiry_interval = expiry;
  session->clean = expiry == 0;
  session->conn = conn;
  session->version = c->version;
  g_free (session->username);
  session->username = g_strdup (c->username);
  session->auth = conn->listener->auth;
  /* Recorded before CONNACK, which waits for it to be on disk. */
  _bd_store_session_put (session);
  conn->session = session;
  conn->keep_alive = server_keep_alive > 0 ? server_keep_alive : c->keep_alive;
  conn->state = BD_CONN_CONNECTED;

  if (c->has_will && !_bd_session_may (session, c->will_topic, BD_ACL_WRITE))
    {
      char id[BD_LOG_TEXT_SIZE];
      char topic[BD_LOG_TEXT_SIZE];

      /* A will is a PUBLISH on the client's behalf: the ACL that would
       * refuse the client's own PUBLISH refuses its will, which is
       * dropped (Mosquitto drops it when it would be sent). */
      g_info ("Dropped the will of %s on “%s” (ACL)",
              _bd_log_text (id, client_id), _bd_log_text (topic, c->will_topic));
    }
  else if (c->has_will)
    {
      conn->will = bd_message_new_full (c->will_topic, c->will_payload, c->will_qos,
                                        c->will_retain,
                                        c->version == BD_MQTT_V5 ? &c->will_properties : NULL,
                                        client_id, g_get_real_time ());
      _bd_route_set_retain_source (conn->will, conn);
    }

  engine->counters.clients_connected++;
  engine->counters.clients_maximum = MAX (engine->counters.clients_maximum,
                                          engine->counters.clients_connected);
  engine->counters.clients_total++;

  conn_send_connack (conn, c, session_present, assigned_id, server_keep_alive);

  if (config->connection_messages)
  {
    char id[BD_LOG_TEXT_SIZE];
    char user[BD_LOG_TEXT_SIZE];

    g_message ("New client connected from %s as %s (p%d, c%d, k%u%s%s%s)",
               conn->peer, _bd_log_text (id, client_id), c->protocol_level,
               c->clean_start ? 1 : 0, conn->keep_alive, c->has_username ? ", u'" : "",
               c->has_username ? _bd_log_text (user, c->username) : "",
               c->has_username ? "'" : "");
  }

  if (session_present)
    _bd_session_resume (session);
}

/* ------------------------------------------------------------- DISCONNECT */

void
_bd_handle_disconnect (BdConnection *conn,
                       BdMqttPacket *packet)
{
  BdSession *session = conn->session;
  const BdMqttProperties *p = &packet->disconnect.properties;
  char id[BD_LOG_TEXT_SIZE];

  if (conn->version == BD_MQTT_V5 &&
      BD_MQTT_PROP_HAS (p, BD_MQTT_PROP_SESSION_EXPIRY_INTERVAL))
    {
      /* [MQTT-3.14.2-2]: a session that was to end with the connection
       * cannot be kept alive at the last moment. */
      if (session->expiry_interval == 0 && p->session_expiry_interval != 0)
        {
          _bd_connection_protocol_error (conn, BD_MQTT_RC_PROTOCOL_ERROR,
                                         "DISCONNECT sets a Session Expiry Interval after 0");
          return;
        }
      session->expiry_interval = p->session_expiry_interval;
      session->clean = session->expiry_interval == 0;
      _bd_store_session_put (session);
    }

  /* The will is discarded [MQTT-3.1.2-10], unless an MQTT 5 client asks for
   * it with reason 0x04 [MQTT-3.14.4-3]. */
  conn->clean_disconnect = !(conn->version == BD_MQTT_V5 &&
                             packet->disconnect.reason_code == BD_MQTT_RC_DISCONNECT_WITH_WILL);
  if (conn->engine->config->connection_messages)
    g_message ("Client %s disconnected", _bd_log_text (id, session->client_id));
  /* The client is done sending [MQTT-3.14.4-1]: nothing to wait for. */
  _bd_connection_drop (conn, NULL);
}
