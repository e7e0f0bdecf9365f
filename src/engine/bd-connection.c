/* bd-connection.c — one client socket: output, framing, flow control, dispatch
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Packets are decoded into structs by the codec first and only then acted on,
 * by the bd-handle-*.c file of their type: nothing here parses bytes except
 * the fixed header's framing. Everything runs on the engine thread.
 */

#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bd-engine-private.h"

/* A client that accepts no bytes for this long in its buffer loses QoS 0
 * messages (counted as dropped) rather than growing the broker without bound;
 * QoS 1/2 are bounded by the in-flight window and the queue instead. */
#define MAX_PENDING_QOS0_BYTES (8 * 1024 * 1024)
/* Time allowed between accepting a socket and its CONNECT. */
#define CONNECT_TIMEOUT_US     (20 * G_USEC_PER_SEC)
/* Longest a publisher waits for a subscriber that does not catch up; after
 * that the subscriber counts as slow and its queue limit applies again. */
#define MAX_PAUSE_US           (1 * G_USEC_PER_SEC)
/* How long, and for how many bytes, the socket of a connection the broker
 * ended waits for the client to close its side (see BdLinger). */
#define LINGER_TIMEOUT_US      (2 * G_USEC_PER_SEC)
#define LINGER_MAX_BYTES       (8 * 1024 * 1024)

static void conn_handle_packet (BdConnection *conn,
                                BdMqttPacket *packet);
static void conn_process       (BdConnection *conn,
                                const guint8 *data,
                                gsize         len);

/* For log lines; buf holds BD_LOG_TEXT_SIZE bytes. */
static const char *
conn_name (BdConnection *conn,
           char         *buf)
{
  if (conn->session != NULL)
    return _bd_log_text (buf, conn->session->client_id);
  return conn->peer;
}

/* ------------------------------------------------------------------ output */

void
_bd_connection_send (BdConnection *conn,
                     const guint8 *data,
                     gsize         len)
{
  if (conn->state == BD_CONN_CLOSED)
    return;
  if (conn->wbuf == NULL)
    conn->wbuf = g_byte_array_sized_new (MAX (len, 256));
  g_byte_array_append (conn->wbuf, data, len);
  _bd_engine_mark_dirty (conn->engine, conn);
}

/* @packet without its Reason String and User Properties, which are left out
 * when they would take it over the client's Maximum Packet Size
 * [MQTT-3.1.2-24][MQTT-3.2.2-19][MQTT-3.2.2-20][MQTT-3.4.2-2][MQTT-3.4.2-3]
 * [MQTT-3.14.2-3][MQTT-3.14.2-4] (the same for PUBREC, PUBREL, PUBCOMP,
 * SUBACK, UNSUBACK). A shallow copy into @trimmed: nothing to clear. */
static const BdMqttPacket *
packet_trim (const BdMqttPacket *packet,
             BdMqttPacket       *trimmed)
{
  BdMqttProperties *props;

  *trimmed = *packet;
  switch (trimmed->type)
    {
    case BD_MQTT_CONNACK:
      props = &trimmed->connack.properties;
      break;
    case BD_MQTT_PUBACK:
    case BD_MQTT_PUBREC:
    case BD_MQTT_PUBREL:
    case BD_MQTT_PUBCOMP:
      props = &trimmed->ack.properties;
      break;
    case BD_MQTT_SUBACK:
    case BD_MQTT_UNSUBACK:
      props = &trimmed->suback.properties;
      break;
    case BD_MQTT_DISCONNECT:
    case BD_MQTT_AUTH:
      props = &trimmed->disconnect.properties;
      break;
    default:
      return packet;
    }
  props->present &= ~(BD_MQTT_PROP_BIT (BD_MQTT_PROP_REASON_STRING) |
                      BD_MQTT_PROP_BIT (BD_MQTT_PROP_USER_PROPERTY));
  return trimmed;
}

void
_bd_connection_send_packet (BdConnection       *conn,
                            const BdMqttPacket *packet)
{
  g_autoptr(GError) error = NULL;
  BdMqttPacket trimmed;

  if (conn->state == BD_CONN_CLOSED)
    return;
  if (conn->client_max_packet > 0 &&
      bd_mqtt_encoded_size (conn->version, packet) > conn->client_max_packet)
    packet = packet_trim (packet, &trimmed);
  if (conn->wbuf == NULL)
    conn->wbuf = g_byte_array_sized_new (256);
  if (!bd_mqtt_encode (conn->version, packet, conn->wbuf, &error))
    {
      char name[BD_LOG_TEXT_SIZE];

      g_warning ("Cannot encode %s for %s: %s",
                 bd_mqtt_packet_type_name (packet->type), conn_name (conn, name), error->message);
      return;
    }
  _bd_engine_mark_dirty (conn->engine, conn);
}

void
_bd_connection_send_ack (BdConnection     *conn,
                         BdMqttPacketType  type,
                         guint16           packet_id)
{
  if (conn->state == BD_CONN_CLOSED)
    return;
  if (conn->wbuf == NULL)
    conn->wbuf = g_byte_array_sized_new (256);
  /* The 4-byte form is valid for every version: MQTT 5 allows leaving out the
   * reason code when it is 0x00 and there are no properties (3.4.2.1). */
  bd_mqtt_encode_ack (type, packet_id, conn->wbuf);
  _bd_engine_mark_dirty (conn->engine, conn);
}

/* The properties of one MQTT 5 PUBLISH: the message's own, plus what belongs
 * to this delivery. A shallow copy on the stack: it owns nothing. */
static const char *
conn_v5_publish_props (BdConnection      *conn,
                       BdMessage         *message,
                       const char        *topic,
                       const BdDelivery  *delivery,
                       BdMqttProperties  *props)
{
  if (message->props != NULL)
    *props = *message->props;

  if (message->expiry_us != 0)
    {
      gint64 left = message->expiry_us - g_get_monotonic_time ();

      /* The received interval minus the whole seconds the message waited
       * [MQTT-3.3.2-6]: what is left, rounded up, so a message sent on at
       * once keeps its interval and one still delivered never says 0. */
      props->message_expiry_interval = (MAX (left, 0) + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC;
      BD_MQTT_PROP_SET (props, BD_MQTT_PROP_MESSAGE_EXPIRY_INTERVAL);
    }

  if (delivery->n_sub_ids > 0)
    {
      props->subscription_identifiers = (guint32 *) delivery->sub_ids;
      props->n_subscription_identifiers = delivery->n_sub_ids;
      BD_MQTT_PROP_SET (props, BD_MQTT_PROP_SUBSCRIPTION_IDENTIFIER);
    }

  /* Topic aliases towards the client, within its Topic Alias Maximum
   * [MQTT-3.3.2-8]: the first topics get one for the connection's life;
   * later sends of those topics leave the topic name empty. */
  if (conn->client_alias_max > 0)
    {
      guint16 alias;

      if (conn->alias_out == NULL)
        conn->alias_out = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      alias = GPOINTER_TO_UINT (g_hash_table_lookup (conn->alias_out, topic));
      if (alias != 0)
        topic = "";
      else if (conn->next_alias_out < conn->client_alias_max)
        {
          alias = ++conn->next_alias_out;
          g_hash_table_insert (conn->alias_out, g_strdup (topic), GUINT_TO_POINTER (alias));
        }
      if (alias != 0)
        {
          props->topic_alias = alias;
          BD_MQTT_PROP_SET (props, BD_MQTT_PROP_TOPIC_ALIAS);
        }
    }
  return topic;
}

gboolean
_bd_connection_send_publish (BdConnection     *conn,
                             BdMessage        *message,
                             const BdDelivery *delivery,
                             gboolean          dup,
                             guint16           packet_id)
{
  gsize payload_len;
  const guint8 *payload = g_bytes_get_data (message->payload, &payload_len);
  BdMqttProperties props = { 0 };
  const char *name = message->topic;
  const char *topic;
  guint before;
  gsize size;

  if (conn->state == BD_CONN_CLOSED)
    return FALSE;
  /* mount_point: the client sees topics without the prefix; one outside it
   * (a session that subscribed through another listener) is not its to see. */
  if (conn->listener->config->mount_point != NULL)
    {
      name = _bd_listener_unmount (conn->listener, name);
      if (name == NULL)
        {
          conn->engine->counters.publish_dropped++;
          return FALSE;
        }
    }
  topic = name;
  if (conn->wbuf == NULL)
    conn->wbuf = g_byte_array_sized_new (MAX (payload_len + 64, 256));

  if (conn->version == BD_MQTT_V5)
    topic = conn_v5_publish_props (conn, message, name, delivery, &props);

  before = conn->wbuf->len;
  size = bd_mqtt_encode_publish (conn->version, topic, strlen (topic),
                                 payload, payload_len, delivery->qos, delivery->retain, dup,
                                 packet_id, conn->version == BD_MQTT_V5 ? &props : NULL,
                                 conn->wbuf);
  if (size == 0 || (conn->client_max_packet > 0 && size > conn->client_max_packet))
    {
      /* Too large for this client [MQTT-3.1.2-25]: dropped for it alone.
       * An alias given out by this very packet was never seen: take it back. */
      g_byte_array_set_size (conn->wbuf, before);
      if (topic[0] != '\0' && BD_MQTT_PROP_HAS (&props, BD_MQTT_PROP_TOPIC_ALIAS))
        {
          g_hash_table_remove (conn->alias_out, name);
          conn->next_alias_out--;
        }
      conn->engine->counters.publish_dropped++;
      /* Per message: the log writer's cap on a line is enough for debug. */
      g_debug ("Dropped a message on “%s” for %s: %" G_GSIZE_FORMAT " bytes exceed its Maximum Packet Size",
               message->topic, conn->session ? conn->session->client_id : conn->peer, size);
      return FALSE;
    }
  conn->engine->counters.messages_sent++;
  conn->engine->counters.publish_sent++;
  conn->engine->counters.publish_bytes_sent += payload_len;
  _bd_engine_mark_dirty (conn->engine, conn);
  return TRUE;
}

gboolean
_bd_connection_can_take_qos0 (BdConnection *conn)
{
  return conn->wbuf == NULL || conn->wbuf->len - conn->wbuf_sent < MAX_PENDING_QOS0_BYTES;
}

/* Writes buf from *sent on as far as the transport takes it. Returns 0
 * when all is written, EAGAIN when the socket is full, else the error. */
static int
send_pending (BdEngine    *engine,
              BdTransport *transport,
              GByteArray  *buf,
              gsize       *sent)
{
  while (buf != NULL && *sent < buf->len)
    {
      gssize n = transport->klass->write (transport, buf->data + *sent, buf->len - *sent);

      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          return errno == EWOULDBLOCK ? EAGAIN : errno;
        }
      *sent += n;
      engine->counters.bytes_sent += n;
    }
  /* Then what the transport has to say itself (a pong, a close frame). */
  while (transport->has_output)
    {
      if (transport->klass->write (transport, NULL, 0) < 0)
        {
          if (errno == EINTR)
            continue;
          return errno == EWOULDBLOCK ? EAGAIN : errno;
        }
    }
  return 0;
}

/* Watches for what the connection waits for now: input unless flow
 * control paused it, room for output while some waits, each as the
 * transport's blocked read or write needs it. One epoll_ctl() only when
 * that changes. */
static void
conn_watch (BdConnection *conn)
{
  BdTransport *transport = conn->transport;
  guint32 events = (conn->paused_for == NULL ? transport->read_waits : 0) |
                   (conn->want_write ? transport->write_waits : 0);

  if (events != conn->events)
    {
      conn->events = events;
      _bd_engine_epoll_mod (conn->engine, conn->fd, conn, events);
    }
}

void
_bd_connection_flush (BdConnection *conn)
{
  BdEngine *engine = conn->engine;
  int err = send_pending (engine, conn->transport, conn->wbuf, &conn->wbuf_sent);

  if (err == EAGAIN)
    {
      conn->want_write = TRUE;
      conn_watch (conn);
      return;
    }
  if (err != 0)
    {
      _bd_connection_drop (conn, _bd_transport_strerror (conn->transport, err));
      return;
    }

  /* Everything is out: drop the buffer, so an idle client costs no buffer. */
  g_clear_pointer (&conn->wbuf, g_byte_array_unref);
  conn->wbuf_sent = 0;
  conn->want_write = FALSE;
  conn_watch (conn);
}

/* ---------------------------------------------------------------- linger */

static void
linger_free (BdLinger *linger)
{
  BdEngine *engine = linger->engine;

  epoll_ctl (engine->epfd, EPOLL_CTL_DEL, linger->fd, NULL);
  _bd_transport_close (linger->transport);
  g_queue_unlink (&engine->lingering, &linger->link);
  g_clear_pointer (&linger->wbuf, g_byte_array_unref);
  g_free (linger);
}

/* Writes what is left of the last packets, then shuts the sending side, so
 * the client reads them and then the end of the stream. FALSE when the
 * linger was freed. */
static gboolean
linger_flush (BdLinger *linger)
{
  BdEngine *engine = linger->engine;
  BdTransport *transport = linger->transport;
  int err = send_pending (engine, transport, linger->wbuf, &linger->wbuf_sent);

  if (err == EAGAIN)
    {
      _bd_engine_epoll_mod (engine, linger->fd, linger, EPOLLIN | transport->write_waits);
      return TRUE;
    }
  if (err != 0)
    {
      linger_free (linger);
      return FALSE;
    }
  if (linger->wbuf != NULL)
    _bd_engine_epoll_mod (engine, linger->fd, linger, EPOLLIN);
  g_clear_pointer (&linger->wbuf, g_byte_array_unref);
  transport->klass->shutdown (transport);
  return TRUE;
}

/* Takes over the socket of a connection that is over (see BdLinger). */
static void
conn_linger (BdConnection *conn)
{
  BdEngine *engine = conn->engine;
  BdLinger *linger = g_new0 (BdLinger, 1);

  linger->kind = BD_POLL_LINGER;
  linger->engine = engine;
  linger->fd = conn->fd;
  linger->transport = _bd_transport_move (g_steal_pointer (&conn->transport), &linger->tcp);
  linger->deadline_us = g_get_monotonic_time () + LINGER_TIMEOUT_US;
  linger->link.data = linger;
  /* Output still waiting for the store acknowledges what is not on disk
   * yet: it is dropped, the client will send again. */
  if (conn->wbuf != NULL && conn->wbuf_sent < conn->wbuf->len && _bd_store_may_flush (conn))
    {
      linger->wbuf = g_steal_pointer (&conn->wbuf);
      linger->wbuf_sent = conn->wbuf_sent;
    }
  conn->fd = -1;
  g_queue_push_tail_link (&engine->lingering, &linger->link);
  /* Read again even if flow control had stopped reading it. */
  _bd_engine_epoll_mod (engine, linger->fd, linger,
                        EPOLLIN | (linger->wbuf != NULL ? linger->transport->write_waits : 0));
  linger_flush (linger);
}

void
_bd_connection_linger_on_ready (BdLinger *linger,
                                guint32   events)
{
  BdEngine *engine = linger->engine;
  ssize_t n;

  if ((events & (EPOLLOUT | EPOLLIN)) && linger->wbuf != NULL && !linger_flush (linger))
    return;
  if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
    return;

  /* Input is only dropped here: the socket itself, past any TLS. */
  n = recv (linger->fd, engine->read_buf, 64 * 1024, 0);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
    return;
  if (n > 0)
    linger->discarded += n;
  if (n <= 0 || linger->discarded > LINGER_MAX_BYTES)
    linger_free (linger);
}

void
_bd_connection_check_lingering (BdEngine *engine,
                                gint64    now_us)
{
  /* All wait equally long: the oldest are first. */
  while (engine->lingering.head != NULL)
    {
      BdLinger *linger = engine->lingering.head->data;

      if (linger->deadline_us > now_us)
        break;
      linger_free (linger);
    }
}

/* --------------------------------------------------------------- lifetime */

/* Ends the connection. peer_gone: the client closed or the socket failed,
 * so the socket is closed at once; otherwise the broker ends it and the
 * socket lingers to deliver what is queued (a DISCONNECT, a refusing
 * CONNACK). Either way the connection stops counting against
 * max_connections here, and the session is free for a new connection. */
static void
conn_end (BdConnection *conn,
          const char   *reason,
          gboolean      peer_gone)
{
  BdEngine *engine = conn->engine;
  BdSession *session = conn->session;
  g_autoptr(BdMessage) will = g_steal_pointer (&conn->will);
  gboolean was_connected = conn->session != NULL;

  if (conn->state == BD_CONN_CLOSED)
    return;

  /* connection_messages false silences the coming and going of clients,
   * reasons included, as in Mosquitto. */
  if (reason != NULL && conn->engine->config->connection_messages)
    {
      char name[BD_LOG_TEXT_SIZE];

      g_message ("Client %s disconnected: %s", conn_name (conn, name), reason);
    }

  if (conn->paused_for != NULL)
    {
      conn->paused_for = NULL;
      g_ptr_array_remove_fast (engine->paused, conn);
    }

  /* Nothing was said to a client still in its TLS handshake: its socket
   * closes at once, once the handshake thread has let go of it. */
  if (conn->away)
    {
      _bd_handshaker_cancel (engine, conn);
      conn->away = FALSE;
      peer_gone = TRUE;
    }
  conn->state = BD_CONN_CLOSED;
  if (peer_gone)
    {
      epoll_ctl (engine->epfd, EPOLL_CTL_DEL, conn->fd, NULL);
      g_clear_pointer (&conn->transport, _bd_transport_close);
      conn->fd = -1;
    }
  else
    conn_linger (conn);
  conn->listener->n_connections--;
  g_queue_unlink (&engine->connections, &conn->link);

  /* The will goes out when the connection is gone for any reason but a
   * DISCONNECT [MQTT-3.1.2-8][MQTT-3.1.2-10]: at once if the session ends
   * with the connection (after it, so its own subscriptions no longer see
   * it), else when its MQTT 5 Will Delay Interval is over [MQTT-3.1.3-9]. */
  if (will != NULL && (!was_connected || conn->clean_disconnect))
    g_clear_pointer (&will, bd_message_unref);

  if (session != NULL)
    {
      session->conn = NULL;
      conn->session = NULL;
      engine->counters.clients_connected--;
      if (session->clean)
        _bd_session_drop (engine, session);
      else
        {
          session->disconnected_at = g_get_monotonic_time ();
          engine->counters.clients_disconnected++;
          if (will != NULL)
            _bd_session_end_will (session, g_steal_pointer (&will), conn->will_delay);
        }
    }

  if (will != NULL)
    _bd_route_will (engine, will);

  _bd_engine_doom (engine, conn);
}

void
_bd_connection_close (BdConnection *conn,
                      const char   *reason)
{
  conn_end (conn, reason, FALSE);
}

void
_bd_connection_drop (BdConnection *conn,
                     const char   *reason)
{
  conn_end (conn, reason, TRUE);
}

void
_bd_connection_free (BdConnection *conn)
{
  g_assert (conn->state == BD_CONN_CLOSED);

  g_clear_pointer (&conn->rbuf, g_byte_array_unref);
  g_clear_pointer (&conn->wbuf, g_byte_array_unref);
  g_clear_pointer (&conn->will, bd_message_unref);
  g_clear_pointer (&conn->alias_out, g_hash_table_destroy);
  if (conn->alias_in != NULL)
    {
      /* Not a strv: slot 0 (no alias) is always NULL. */
      for (guint i = 0; i <= conn->engine->config->max_topic_alias; i++)
        g_free (conn->alias_in[i]);
      g_free (conn->alias_in);
    }
  g_free (conn->peer);
  g_free (conn);
}

/* Takes over @fd, accepted by @listener, its @transport (NULL: plain TCP,
 * kept inside the connection) and @peer. NULL when it could not be watched
 * (the socket is closed then). */
BdConnection *
_bd_connection_new (BdListener  *listener,
                    int          fd,
                    BdTransport *transport,
                    char        *peer)
{
  BdEngine *engine = listener->engine;
  BdConnection *conn;
  BdTransport *tls;

  conn = g_new0 (BdConnection, 1);
  conn->kind = BD_POLL_CONNECTION;
  conn->engine = engine;
  conn->listener = listener;
  if (transport == NULL)
    {
      _bd_transport_init_tcp (&conn->tcp, fd);
      transport = &conn->tcp;
    }
  conn->fd = transport->fd;
  conn->transport = transport;
  conn->events = transport->read_waits;
  conn->peer = peer;
  conn->state = BD_CONN_WAIT_CONNECT;
  conn->version = BD_MQTT_V311;
  conn->client_receive_max = G_MAXUINT16;
  conn->accepted_us = g_get_monotonic_time ();
  conn->last_packet_us = conn->accepted_us;
  conn->link.data = conn;
  listener->n_connections++;
  g_queue_push_tail_link (&engine->connections, &conn->link);

  /* The CPU-heavy TLS handshake runs on its own thread (bd-handshaker.c),
   * so that a storm of them does not delay the connected clients. */
  tls = _bd_tls_transport_find (transport);
  if (tls != NULL && tls->handshaking && _bd_handshaker_add (engine, conn))
    {
      conn->away = TRUE;
      return conn;
    }
  if (!_bd_engine_epoll_add (engine, conn->fd, conn, conn->events))
    {
      _bd_connection_drop (conn, g_strerror (errno));
      return NULL;
    }
  return conn;
}

void
_bd_connection_check_keepalives (BdEngine *engine,
                                 gint64    now_us)
{
  GList *l = engine->connections.head;

  while (l != NULL)
    {
      BdConnection *conn = l->data;

      l = l->next;
      /* The handshake thread times out those it holds. */
      if (conn->away)
        continue;
      if (conn->transport->handshaking && now_us - conn->accepted_us > BD_HANDSHAKE_TIMEOUT_US)
        _bd_connection_drop (conn, "handshake not completed in time");
      else if (conn->state == BD_CONN_WAIT_CONNECT &&
               now_us - conn->accepted_us > CONNECT_TIMEOUT_US)
        _bd_connection_close (conn, "no CONNECT received in time");
      else if (conn->state == BD_CONN_CONNECTED && conn->keep_alive > 0 &&
               now_us - conn->last_packet_us > conn->keep_alive * (G_USEC_PER_SEC * 3 / 2))
        {
          /* As if the network had failed, so the will is published
           * [MQTT-3.1.2-24]. */
          _bd_connection_disconnect (conn, BD_MQTT_RC_KEEP_ALIVE_TIMEOUT, "keep-alive timeout");
        }
    }
}

/* ----------------------------------------------------------- flow control */

/*
 * Flow control without loss. MQTT 3.1.1 has no receive maximum, and a broker
 * that acknowledges a publisher at once lets it run ahead of any subscriber
 * that acknowledges more slowly; the subscriber's queue then reaches
 * max_queued_messages and messages are dropped. So when routing leaves a
 * connected subscriber's queue above the high-water mark, the publisher's
 * socket is not read until that queue drains to half of it: TCP carries the
 * backpressure to the publisher. A subscriber that does not drain within
 * MAX_PAUSE_US is marked slow and no longer pauses anyone (its queue limit
 * applies as usual), so one stuck client cannot stall a plant.
 */
void
_bd_connection_pause (BdConnection *conn,
                      BdSession    *for_session)
{
  if (conn->paused_for != NULL || conn->state != BD_CONN_CONNECTED)
    return;

  conn->paused_for = for_session;
  conn->paused_at = g_get_monotonic_time ();
  g_ptr_array_add (conn->engine->paused, conn);
  conn_watch (conn);
}

static void
conn_resume (BdConnection *conn)
{
  BdEngine *engine = conn->engine;

  conn->paused_for = NULL;
  /* The silence was ours, not the client's. */
  conn->last_packet_us = g_get_monotonic_time ();
  conn_watch (conn);
  if (conn->rbuf != NULL && !conn->resumed)
    {
      /* Complete packets may wait in rbuf with nothing more to read: handle
       * them at the end of this turn, outside whatever resumed us. */
      conn->resumed = TRUE;
      g_ptr_array_add (engine->resumed, conn);
    }
}

void
_bd_connection_resume_waiting (BdEngine  *engine,
                               BdSession *session)
{
  for (guint i = 0; i < engine->paused->len;)
    {
      BdConnection *conn = g_ptr_array_index (engine->paused, i);

      if (conn->paused_for == session)
        {
          g_ptr_array_remove_index_fast (engine->paused, i);
          conn_resume (conn);
        }
      else
        i++;
    }
}

void
_bd_connection_check_paused (BdEngine *engine,
                             gint64    now_us)
{
  for (guint i = 0; i < engine->paused->len; i++)
    {
      BdConnection *conn = g_ptr_array_index (engine->paused, i);

      if (now_us - conn->paused_at > MAX_PAUSE_US)
        {
          BdSession *slow = conn->paused_for;
          char id[BD_LOG_TEXT_SIZE];

          g_info ("Client %s does not keep up; no longer holding publishers back for it",
                  _bd_log_text (id, slow->client_id));
          slow->slow = TRUE;
          _bd_connection_resume_waiting (engine, slow);
          i = (guint) -1; /* the array changed: start over */
        }
    }
}

void
_bd_connection_process_pending (BdConnection *conn)
{
  conn->resumed = FALSE;
  if (conn->state != BD_CONN_CLOSED && conn->rbuf != NULL && conn->paused_for == NULL)
    conn_process (conn, conn->rbuf->data, conn->rbuf->len);
}

/* ---------------------------------------------------------- protocol errors */

/* A protocol violation: MQTT 5 clients are told why with DISCONNECT
 * (4.13.1), older ones just lose the connection (4.8 of 3.1.1). The will is
 * published [MQTT-3.1.2-8]. */
void
_bd_connection_disconnect (BdConnection *conn,
                           guint8        reason_code,
                           const char   *reason)
{
  if (conn->state == BD_CONN_CONNECTED && conn->version == BD_MQTT_V5)
    {
      BdMqttPacket packet = { .type = BD_MQTT_DISCONNECT };

      packet.disconnect.reason_code = reason_code;
      /* A Reason String is allowed on DISCONNECT even when the client turned
       * problem information off [MQTT-3.1.2-29]. Borrowed: nothing to clear. */
      if (reason != NULL)
        {
          packet.disconnect.properties.reason_string = (char *) reason;
          BD_MQTT_PROP_SET (&packet.disconnect.properties, BD_MQTT_PROP_REASON_STRING);
        }
      /* Written by the socket's linger, before it shuts the sending side. */
      _bd_connection_send_packet (conn, &packet);
    }
  _bd_connection_close (conn, reason);
}

void
_bd_connection_protocol_error (BdConnection *conn,
                               guint8        reason_code,
                               const char   *message)
{
  _bd_connection_disconnect (conn, reason_code, message);
}

void
_bd_connection_refuse_connect (BdConnection *conn,
                               BdMqttVersion version,
                               guint8        v3_code,
                               guint8        v5_code,
                               const char   *why)
{
  BdMqttPacket packet = { .type = BD_MQTT_CONNACK };

  conn->version = version;
  /* Session present must be 0 with a refusal [MQTT-3.2.2-4]. */
  packet.connack.session_present = FALSE;
  packet.connack.reason_code = version == BD_MQTT_V5 ? v5_code : v3_code;
  if (version == BD_MQTT_V5)
    {
      /* A Reason String is allowed on CONNACK whatever the client asked for
       * in Request Problem Information [MQTT-3.1.2-29]. */
      packet.connack.properties.reason_string = (char *) why;
      BD_MQTT_PROP_SET (&packet.connack.properties, BD_MQTT_PROP_REASON_STRING);
    }
  _bd_connection_send_packet (conn, &packet);
  g_message ("Refused connection from %s: %s", conn->peer, why);
  _bd_connection_close (conn, NULL);
}

/* ------------------------------------------------------------------ input */

static void
conn_process (BdConnection *conn,
              const guint8 *data,
              gsize         len)
{
  BdEngine *engine = conn->engine;
  guint32 max_packet = engine->config->max_packet_size;
  gsize offset = 0;

  while (offset < len && conn->paused_for == NULL &&
         (conn->state == BD_CONN_WAIT_CONNECT || conn->state == BD_CONN_CONNECTED))
    {
      g_autoptr(GError) error = NULL;
      BdMqttFrame frame = { 0 };
      BdMqttPacket packet;
      BdMqttFrameStatus status;
      gsize total;

      /* [MQTT-3.1.0-1]: the first packet must be CONNECT; judge by the first
       * byte, so bytes of another protocol (an HTTP request) are refused at
       * once instead of waiting for a "packet" they will never complete.
       * A TLS record starts with 0x16, which would pass for a CONNECT with
       * bad flags: name it, it is a common mistake. */
      if (conn->state == BD_CONN_WAIT_CONNECT && data[offset] == 0x16)
        {
          _bd_connection_close (conn, "TLS handshake on a listener without TLS");
          return;
        }
      if (conn->state == BD_CONN_WAIT_CONNECT && (data[offset] >> 4) != BD_MQTT_CONNECT)
        {
          g_autofree char *why = g_strdup_printf ("%s before CONNECT",
                                                  bd_mqtt_packet_type_name (data[offset] >> 4));
          _bd_connection_close (conn, why);
          return;
        }

      status = bd_mqtt_frame_parse (data + offset, len - offset, &frame, &error);
      if (status == BD_MQTT_FRAME_ERROR)
        {
          _bd_connection_protocol_error (conn, BD_MQTT_RC_MALFORMED_PACKET, error->message);
          return;
        }

      if (frame.header_length > 0 && max_packet > 0 &&
          frame.header_length + (gsize) frame.remaining_length > max_packet)
        {
          g_autofree char *why = g_strdup_printf ("%s of %" G_GSIZE_FORMAT " bytes exceeds max_packet_size",
                                                  bd_mqtt_packet_type_name (frame.type),
                                                  frame.header_length + (gsize) frame.remaining_length);
          engine->counters.packets_too_large++;
          _bd_connection_protocol_error (conn, BD_MQTT_RC_PACKET_TOO_LARGE, why);
          return;
        }

      if (status == BD_MQTT_FRAME_INCOMPLETE)
        break;

      total = frame.header_length + (gsize) frame.remaining_length;
      engine->counters.messages_received++;
      conn->last_packet_us = g_get_monotonic_time ();

      if (!bd_mqtt_decode (conn->version, &frame, data + offset + frame.header_length,
                           frame.remaining_length, &packet, &error))
        {
          /* A refused CONNECT keeps what identifies it (its version) for the
           * CONNACK; that may own memory too. */
          bd_mqtt_packet_clear (&packet);
          if (frame.type == BD_MQTT_CONNECT && conn->state == BD_CONN_WAIT_CONNECT)
            {
              if (error->code == BD_MQTT_RC_UNSUPPORTED_PROTOCOL_VERSION)
                /* [MQTT-3.1.2-2]: return code 0x01, then close. */
                _bd_connection_refuse_connect (conn, BD_MQTT_V311, BD_MQTT3_CONNACK_UNACCEPTABLE_PROTOCOL_VERSION,
                                               BD_MQTT_RC_UNSUPPORTED_PROTOCOL_VERSION, error->message);
              else
                _bd_connection_close (conn, error->message);
              return;
            }
          /* The decoder's message already starts with the packet's name. */
          _bd_connection_protocol_error (conn, error->code, error->message);
          return;
        }

      conn_handle_packet (conn, &packet);
      bd_mqtt_packet_clear (&packet);
      offset += total;
    }

  /* Keep the start of a packet that has not fully arrived. */
  if (conn->state == BD_CONN_WAIT_CONNECT || conn->state == BD_CONN_CONNECTED)
    {
      if (offset < len)
        {
          if (conn->rbuf == NULL)
            conn->rbuf = g_byte_array_sized_new (len - offset);
          if (data != conn->rbuf->data)
            {
              g_byte_array_set_size (conn->rbuf, 0);
              g_byte_array_append (conn->rbuf, data + offset, len - offset);
            }
          else
            g_byte_array_remove_range (conn->rbuf, 0, offset);
        }
      else
        g_clear_pointer (&conn->rbuf, g_byte_array_unref);
    }
}

void
_bd_connection_on_ready (BdConnection *conn,
                         guint32       events)
{
  BdEngine *engine = conn->engine;
  BdTransport *transport = conn->transport;
  gssize n;

  if (conn->state == BD_CONN_CLOSED)
    return;

  if (conn->want_write && (events & transport->write_waits) && _bd_store_may_flush (conn))
    _bd_connection_flush (conn);
  else if (conn->want_write && (events & transport->write_waits))
    {
      /* Released by the store's commit, which flushes it again. */
      conn->want_write = FALSE;
      conn_watch (conn);
    }

  if (!(events & (transport->read_waits | EPOLLHUP | EPOLLERR)) || conn->state == BD_CONN_CLOSED)
    return;

  /* One read per turn (level-triggered), see bd-engine-private.h. */
  n = transport->klass->read (transport, engine->read_buf, 64 * 1024);
  if (n == 0)
    {
      _bd_connection_drop (conn, conn->clean_disconnect ? NULL
                                 : transport->handshaking ? "connection closed during the handshake"
                                 : "connection closed by the client");
      return;
    }
  if (n < 0)
    {
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
        _bd_connection_drop (conn, _bd_transport_strerror (transport, errno));
      else
        {
          conn_watch (conn);
          if (transport->has_output)
            _bd_engine_mark_dirty (engine, conn);
        }
      return;
    }
  if (transport->read_waits != EPOLLIN)
    conn_watch (conn);
  if (transport->has_output)
    _bd_engine_mark_dirty (engine, conn);
  engine->counters.bytes_received += n;

  if (conn->rbuf != NULL)
    {
      g_byte_array_append (conn->rbuf, engine->read_buf, n);
      conn_process (conn, conn->rbuf->data, conn->rbuf->len);
    }
  else
    conn_process (conn, engine->read_buf, n);
}

void
_bd_connection_handshake_done (BdConnection *conn,
                               const char   *reason)
{
  conn->away = FALSE;
  if (reason != NULL)
    {
      _bd_connection_drop (conn, reason);
      return;
    }
  if (!_bd_engine_epoll_add (conn->engine, conn->fd, conn, conn->events))
    {
      _bd_connection_drop (conn, g_strerror (errno));
      return;
    }
  /* OpenSSL may hold a record read with the handshake's last one, which
   * the socket would not announce again. */
  _bd_connection_on_ready (conn, conn->events);
}

/* ------------------------------------------------------------- dispatch */

static void conn_dispatch (BdConnection *conn,
                           BdMqttPacket *packet);

static void
conn_handle_packet (BdConnection *conn,
                    BdMqttPacket *packet)
{
  _bd_store_packet_begin (conn);
  conn_dispatch (conn, packet);
  /* The answer waits until the changes the packet made are durable (see
   * bd-store.c). A PUBACK from the client is answered by nothing: its
   * removal need not wait. */
  _bd_store_packet_end (conn, packet->type != BD_MQTT_PUBACK);
}

static void
conn_dispatch (BdConnection *conn,
               BdMqttPacket *packet)
{
  BD_ENGINE_ASSERT_THREAD (conn->engine);

  if (packet->type == BD_MQTT_CONNECT)
    {
      if (conn->state != BD_CONN_WAIT_CONNECT)
        {
          /* [MQTT-3.1.0-2]: a second CONNECT is a protocol violation. */
          _bd_connection_protocol_error (conn, BD_MQTT_RC_PROTOCOL_ERROR, "second CONNECT");
          return;
        }
      _bd_handle_connect (conn, packet);
      return;
    }

  switch (packet->type)
    {
    case BD_MQTT_PUBLISH:
      _bd_handle_publish (conn, packet);
      break;

    case BD_MQTT_PUBACK:
      _bd_handle_puback (conn, packet);
      break;

    case BD_MQTT_PUBREC:
      _bd_handle_pubrec (conn, packet);
      break;

    case BD_MQTT_PUBREL:
      _bd_handle_pubrel (conn, packet);
      break;

    case BD_MQTT_PUBCOMP:
      _bd_handle_pubcomp (conn, packet);
      break;

    case BD_MQTT_SUBSCRIBE:
      _bd_handle_subscribe (conn, packet);
      break;

    case BD_MQTT_UNSUBSCRIBE:
      _bd_handle_unsubscribe (conn, packet);
      break;

    case BD_MQTT_PINGREQ:
      {
        static const guint8 pingresp[2] = { 0xd0, 0x00 };

        /* [MQTT-3.12.4-1] */
        _bd_connection_send (conn, pingresp, sizeof pingresp);
      }
      break;

    case BD_MQTT_DISCONNECT:
      _bd_handle_disconnect (conn, packet);
      break;

    case BD_MQTT_CONNACK:
    case BD_MQTT_SUBACK:
    case BD_MQTT_UNSUBACK:
    case BD_MQTT_PINGRESP:
    case BD_MQTT_AUTH:
    default:
      {
        g_autofree char *why = g_strdup_printf ("unexpected %s from a client",
                                                bd_mqtt_packet_type_name (packet->type));
        _bd_connection_protocol_error (conn, BD_MQTT_RC_PROTOCOL_ERROR, why);
      }
      break;
    }
}
