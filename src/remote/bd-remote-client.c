/* bd-remote-client.c — an MQTT client that feeds taps from a remote broker
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The model: a BdRemoteClient is the session (taps, client id, QoS 1/2 state,
 * backoff); a Conn is one network connection. A session outlives its
 * connections, so every asynchronous operation holds a reference on its Conn,
 * never on the client: when the client stops or goes away it cancels the
 * Conn and clears the Conn's back-pointer, and late callbacks find
 * conn->client == NULL and simply drop their reference. The last reference
 * closes the stream.
 *
 *   DISCONNECTED --start--> CONNECTING --CONNACK ok--> CONNECTED
 *        ^                   |      ^                      |
 *        |                   | fail |                      | connection lost
 *        |                   v      | timer                v
 *       stop <----------- WAITING (backoff) <--------------+
 *                            |
 *                            +-- refused credentials / TLS trust --> FAILED
 *
 * Packets are decoded and encoded by the project's codec (bd-mqtt.h);
 * section numbers and [MQTT-x.x.x-y] statements are those of MQTT 3.1.1,
 * which MQTT 5 keeps for everything done here.
 */

#include "config.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "bd-remote-client.h"
#include "bd-remote-websocket.h"
#include "bd-topic.h"

#define DEFAULT_PORT          1883
#define DEFAULT_TLS_PORT      8883
/* RFC 6455 3: ws:// and wss:// URIs default to HTTP's ports. */
#define DEFAULT_WS_PORT       80
#define DEFAULT_WSS_PORT      443
#define DEFAULT_KEEP_ALIVE    60
#define DEFAULT_BACKOFF_MIN   1000
#define DEFAULT_BACKOFF_MAX   60000
#define CONNECT_TIMEOUT_S     15
#define MAX_OUTGOING_INFLIGHT 10000
#define READ_BUFFER_SIZE      16384
/* Reads of READ_BUFFER_SIZE in one turn of the loop, at most. */
#define READS_PER_WAKEUP      8
/* What an MQTT 5 session without clean start is asked to survive between
 * connections: a day, so an operator console that was off overnight still
 * gets its QoS 1/2 messages. */
#define SESSION_EXPIRY_S      86400

typedef struct _Conn Conn;

/* An outgoing QoS 1/2 message, kept until its PUBACK or PUBCOMP. */
typedef struct
{
  guint16    packet_id;
  BdMessage *message;
  gboolean   released;   /* PUBREC received, PUBREL sent (QoS 2) */
  BdRemotePublishFunc func;
  gpointer   func_data;
} OutMsg;

struct _BdRemoteClient
{
  GObject         parent_instance;

  BdRemoteConfig *config;
  GMainContext   *context;
  char           *client_id;

  BdRemoteState   state;
  char           *error_message;
  guint           retry_seconds;

  Conn           *conn;             /* the current connection, or NULL */
  guint           backoff_ms;       /* the next base delay */
  gint64          retry_deadline;   /* monotonic */
  GSource        *retry_source;

  GPtrArray      *taps;
  guint           next_tap_id;
  guint           dispatch_depth;
  gboolean        taps_dirty;

  GQueue          outgoing;         /* OutMsg*, in publishing order */
  GHashTable     *outgoing_by_id;   /* packet id -> OutMsg* */
  guint16         last_packet_id;
  GHashTable     *awaiting_pubrel;  /* incoming QoS 2 packet ids */

  GArray         *subscriptions;    /* BdMqttSubscription (filters owned); NULL: config->filter */
  GStrv           unsubscriptions;  /* sent before the subscriptions; NULL: none */
  char           *ca_bundle;        /* the gathered CAs of config->ca_path, while a handshake needs them */
  BdRemoteMessageFunc message_func; /* manual acknowledgement, see set_message_func () */
  gpointer        message_data;
  guint16         conn_generation;  /* in ack tokens: a token of a lost connection is stale */
  BdRemoteStreamFunc stream_func;
  gpointer        stream_data;
  gint64          rtt_us;

  gboolean           have_server_info;  /* see bd_remote_client_get_server_info () */
  BdRemoteServerInfo server_info;
};

struct _Conn
{
  int                ref_count;
  BdRemoteClient    *client;        /* NULL once detached */
  GCancellable      *cancellable;
  GIOStream         *stream;
  GSocket           *socket;        /* the TCP socket under stream (not a ref) */
  BdMqttVersion      version;
  gboolean           timed_out;
  gboolean           closing;       /* stop(): close once the DISCONNECT is out */
  gboolean           connected;     /* CONNACK accepted */
  GTlsCertificateFlags tls_errors;
  GSource           *timeout_source;
  GSource           *keep_alive_source;
  GSource           *read_source;     /* reading, for a stream that can be polled */
  gboolean           ping_outstanding;
  gint64             ping_sent_us;
  guint16            generation;
  GByteArray        *inbuf;
  GByteArray        *outbuf;        /* waiting for the write in progress */
  BdRemoteWebsocket *ws;            /* the WebSocket layer, or NULL */
  GByteArray        *rawbuf;        /* ready to write as it is (WebSocket handshake, control frames) */
  gboolean           writing;
  guint8             readbuf[READ_BUFFER_SIZE];
};

enum {
  PROP_0,
  PROP_STATE,
  PROP_ERROR_MESSAGE,
  PROP_RETRY_SECONDS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (BdRemoteClient, bd_remote_client, G_TYPE_OBJECT)

G_DEFINE_QUARK (bd-remote-error-quark, bd_remote_error)

G_DEFINE_ENUM_TYPE (BdRemoteState, bd_remote_state,
  G_DEFINE_ENUM_VALUE (BD_REMOTE_STATE_DISCONNECTED, "disconnected"),
  G_DEFINE_ENUM_VALUE (BD_REMOTE_STATE_CONNECTING, "connecting"),
  G_DEFINE_ENUM_VALUE (BD_REMOTE_STATE_CONNECTED, "connected"),
  G_DEFINE_ENUM_VALUE (BD_REMOTE_STATE_WAITING, "waiting"),
  G_DEFINE_ENUM_VALUE (BD_REMOTE_STATE_FAILED, "failed"))

static void start_attempt (BdRemoteClient *self);
static void conn_read (Conn *conn);
static void conn_flush (Conn *conn);
static void conn_send_connect (Conn *conn);

/* ---------------------------------------------------------------- config */

BdRemoteConfig *
bd_remote_config_new (void)
{
  BdRemoteConfig *config = g_new0 (BdRemoteConfig, 1);

  config->host = g_strdup ("localhost");
  config->version = BD_MQTT_V311;
  config->clean_session = TRUE;
  return config;
}

/* Every string a BdRemoteConfig owns, copied and freed from this one list:
 * a field left out of one of the two would be freed twice or leak. */
static const gsize config_strings[] = {
  G_STRUCT_OFFSET (BdRemoteConfig, host),
  G_STRUCT_OFFSET (BdRemoteConfig, ca_file),
  G_STRUCT_OFFSET (BdRemoteConfig, ca_path),
  G_STRUCT_OFFSET (BdRemoteConfig, bind_address),
  G_STRUCT_OFFSET (BdRemoteConfig, cert_file),
  G_STRUCT_OFFSET (BdRemoteConfig, key_file),
  G_STRUCT_OFFSET (BdRemoteConfig, username),
  G_STRUCT_OFFSET (BdRemoteConfig, password),
  G_STRUCT_OFFSET (BdRemoteConfig, client_id),
  G_STRUCT_OFFSET (BdRemoteConfig, filter),
  G_STRUCT_OFFSET (BdRemoteConfig, alpn),
  G_STRUCT_OFFSET (BdRemoteConfig, will_topic),
  G_STRUCT_OFFSET (BdRemoteConfig, will_payload),
  G_STRUCT_OFFSET (BdRemoteConfig, websocket_path),
};

BdRemoteConfig *
bd_remote_config_copy (const BdRemoteConfig *config)
{
  BdRemoteConfig *copy;

  g_return_val_if_fail (config != NULL, NULL);

  copy = g_memdup2 (config, sizeof *config);
  for (gsize i = 0; i < G_N_ELEMENTS (config_strings); i++)
    G_STRUCT_MEMBER (char *, copy, config_strings[i]) =
      g_strdup (G_STRUCT_MEMBER (char *, config, config_strings[i]));
  return copy;
}

void
bd_remote_config_free (BdRemoteConfig *config)
{
  if (config == NULL)
    return;
  if (config->password != NULL)
    memset (config->password, 0, strlen (config->password));
  for (gsize i = 0; i < G_N_ELEMENTS (config_strings); i++)
    g_free (G_STRUCT_MEMBER (char *, config, config_strings[i]));
  g_free (config);
}

/* ------------------------------------------------------------------ taps */

static void
dispatch_message (BdRemoteClient *self,
                  BdMessage      *message)
{
  const char *topic = bd_message_get_topic (message);

  /* A tap may remove taps, or drop the last reference to the client. */
  g_object_ref (self);
  self->dispatch_depth++;
  for (guint i = 0; i < self->taps->len; i++)
    {
      BdTap *tap = g_ptr_array_index (self->taps, i);

      if (tap->func != NULL && bd_topic_matches (tap->filter, topic))
        tap->func (message, tap->user_data);
    }
  self->dispatch_depth--;
  if (self->dispatch_depth == 0 && self->taps_dirty)
    {
      for (guint i = self->taps->len; i > 0; i--)
        if (((BdTap *) g_ptr_array_index (self->taps, i - 1))->func == NULL)
          g_ptr_array_remove_index (self->taps, i - 1);
      self->taps_dirty = FALSE;
    }
  g_object_unref (self);
}

/* ----------------------------------------------------------------- state */

static void
set_state (BdRemoteClient *self,
           BdRemoteState   state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
set_error_message (BdRemoteClient *self,
                   const char     *message)
{
  if (g_strcmp0 (self->error_message, message) == 0)
    return;
  g_free (self->error_message);
  self->error_message = g_strdup (message);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR_MESSAGE]);
}

static void
set_retry_seconds (BdRemoteClient *self,
                   guint           seconds)
{
  if (self->retry_seconds == seconds)
    return;
  self->retry_seconds = seconds;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RETRY_SECONDS]);
}

static guint16
effective_port (const BdRemoteConfig *config)
{
  if (config->port != 0)
    return config->port;
  if (config->use_websockets)
    return config->use_tls ? DEFAULT_WSS_PORT : DEFAULT_WS_PORT;
  return config->use_tls ? DEFAULT_TLS_PORT : DEFAULT_PORT;
}

static GSource *
attach_timeout (BdRemoteClient *self,
                guint           ms,
                GSourceFunc     func,
                gpointer        data,
                GDestroyNotify  notify)
{
  GSource *source = g_timeout_source_new (ms);

  g_source_set_callback (source, func, data, notify);
  g_source_attach (source, self->context);
  return source;
}

static void
clear_source (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

/* ------------------------------------------------------------ connection */

static Conn *
conn_ref (Conn *conn)
{
  conn->ref_count++;
  return conn;
}

static void
conn_unref (Conn *conn)
{
  if (--conn->ref_count > 0)
    return;

  g_assert (conn->client == NULL);
  clear_source (&conn->timeout_source);
  clear_source (&conn->keep_alive_source);
  /* Every operation holds a reference, so none is pending now and a
   * synchronous close cannot fail with G_IO_ERROR_PENDING. */
  if (conn->stream != NULL)
    g_io_stream_close (conn->stream, NULL, NULL);
  g_clear_object (&conn->stream);
  g_clear_object (&conn->cancellable);
  g_byte_array_unref (conn->inbuf);
  g_byte_array_unref (conn->outbuf);
  g_byte_array_unref (conn->rawbuf);
  bd_remote_websocket_free (conn->ws);
  g_free (conn);
}

/* Cuts the connection loose from the client. Any pending operation sees the
 * cancellation (or conn->client == NULL) and lets go of it. */
static void
detach_conn (BdRemoteClient *self)
{
  Conn *conn = g_steal_pointer (&self->conn);

  if (conn == NULL)
    return;
  conn->client = NULL;
  clear_source (&conn->timeout_source);
  clear_source (&conn->keep_alive_source);
  /* It holds a reference to the connection. */
  clear_source (&conn->read_source);
  if (!conn->closing)
    g_cancellable_cancel (conn->cancellable);
  conn_unref (conn);
}

static gboolean
retry_tick_cb (gpointer data)
{
  BdRemoteClient *self = data;
  gint64 left_us = self->retry_deadline - g_get_monotonic_time ();

  g_clear_pointer (&self->retry_source, g_source_unref);
  if (left_us <= 0)
    {
      set_retry_seconds (self, 0);
      start_attempt (self);
      return G_SOURCE_REMOVE;
    }

  set_retry_seconds (self, (guint) ((left_us + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC));
  /* Wake up on each whole second left, so the countdown the GUI shows is
   * exact without a timer per frame. */
  self->retry_source = attach_timeout (self,
                                       (guint) (((left_us - 1) % G_USEC_PER_SEC) / 1000) + 1,
                                       retry_tick_cb, self, NULL);
  return G_SOURCE_REMOVE;
}

static void
schedule_retry (BdRemoteClient *self)
{
  guint max_ms = self->config->backoff_max_ms ? self->config->backoff_max_ms : DEFAULT_BACKOFF_MAX;
  guint delay_ms;

  /* Jitter of ±25 % so that a fleet of consoles does not reconnect in step
   * after a broker restart. */
  delay_ms = (guint) (self->backoff_ms * g_random_double_range (0.75, 1.25));
  delay_ms = CLAMP (delay_ms, 1, max_ms);
  self->backoff_ms = MIN (self->backoff_ms * 2, max_ms);

  self->retry_deadline = g_get_monotonic_time () + (gint64) delay_ms * 1000;
  clear_source (&self->retry_source);
  /* The countdown first, so that whoever sees WAITING sees its seconds. */
  retry_tick_cb (self);
  set_state (self, BD_REMOTE_STATE_WAITING);
}

/* Ends the connection with a "host:port: reason" message. Fatal errors are
 * those a retry cannot fix without the user changing something. */
static void
conn_fail (Conn       *conn,
           gboolean    fatal,
           const char *reason)
{
  BdRemoteClient *self = conn->client;
  g_autofree char *message = NULL;

  if (self == NULL || self->conn != conn)
    return;

  message = g_strdup_printf ("%s:%u: %s", self->config->host,
                             effective_port (self->config), reason);
  g_debug ("%s", message);
  detach_conn (self);
  set_error_message (self, message);
  if (fatal)
    {
      set_retry_seconds (self, 0);
      set_state (self, BD_REMOTE_STATE_FAILED);
    }
  else
    schedule_retry (self);
}

static const char *
io_error_reason (const GError *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
    return "connection refused";
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    return "timed out";
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE))
    return "host unreachable";
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE))
    return "network unreachable";
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE))
    return "the broker closed the connection";
  if (g_error_matches (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND))
    return "host not found";
  return error->message;
}

/* Handles the error of an asynchronous operation. Returns TRUE when the
 * caller should stop (always, unless @error is NULL). */
static gboolean
conn_check_error (Conn         *conn,
                  const GError *error)
{
  if (error == NULL)
    return FALSE;
  if (conn->client == NULL)
    return TRUE;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      /* Our own connect timeout; a stop() detached the client already. */
      if (conn->timed_out)
        conn_fail (conn, FALSE, "timed out");
      return TRUE;
    }
  conn_fail (conn, FALSE, io_error_reason (error));
  return TRUE;
}

static void
write_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      data)
{
  Conn *conn = data;
  g_autoptr(GError) error = NULL;

  conn->writing = FALSE;
  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (object), result, NULL, &error))
    {
      conn_check_error (conn, error);
      conn_unref (conn);
      return;
    }
  if (conn->outbuf->len > 0 || conn->rawbuf->len > 0)
    conn_flush (conn);
  else if (conn->closing)
    g_cancellable_cancel (conn->cancellable); /* the DISCONNECT is out: let go */
  conn_unref (conn);
}

static void
conn_flush (Conn *conn)
{
  GOutputStream *out;
  GByteArray *data;

  if (conn->writing || (conn->outbuf->len == 0 && conn->rawbuf->len == 0))
    return;

  /* Writes are serialized: the buffer in flight must not move, so later
   * packets gather in a fresh outbuf until this write completes. */
  if (conn->ws != NULL)
    {
      /* Control frames first (never inside a message), then what MQTT
       * wrote since the last write, framed as one message. */
      data = g_steal_pointer (&conn->rawbuf);
      conn->rawbuf = g_byte_array_new ();
      bd_remote_websocket_frame (conn->ws, data, conn->outbuf->data, conn->outbuf->len);
      g_byte_array_set_size (conn->outbuf, 0);
    }
  else
    {
      data = g_steal_pointer (&conn->outbuf);
      conn->outbuf = g_byte_array_new ();
    }
  conn->writing = TRUE;
  out = g_io_stream_get_output_stream (conn->stream);
  g_object_set_data_full (G_OBJECT (out), "bd-remote-writing", data,
                          (GDestroyNotify) g_byte_array_unref);
  g_output_stream_write_all_async (out, data->data, data->len, G_PRIORITY_DEFAULT,
                                   conn->cancellable, write_cb, conn_ref (conn));
}

static void
conn_send_packet (Conn         *conn,
                  BdMqttPacket *packet)
{
  g_autoptr(GError) error = NULL;

  if (!bd_mqtt_encode (conn->version, packet, conn->outbuf, &error))
    g_critical ("cannot encode %s: %s", bd_mqtt_packet_type_name (packet->type), error->message);
  conn_flush (conn);
}

static void
conn_send_ack (Conn             *conn,
               BdMqttPacketType  type,
               guint16           packet_id)
{
  /* bd_mqtt_encode_ack sets PUBREL's reserved flags 0010 [MQTT-3.6.1-1]. */
  bd_mqtt_encode_ack (type, packet_id, conn->outbuf);
  conn_flush (conn);
}

static void
conn_send_publish (Conn    *conn,
                   OutMsg  *out,
                   BdMessage *message,
                   gboolean dup)
{
  gsize len;
  const guint8 *payload = bd_message_get_payload (message, &len);
  const char *topic = bd_message_get_topic (message);

  if (bd_mqtt_encode_publish (conn->version, topic, strlen (topic), payload, len,
                              message->qos, message->retain, dup,
                              out != NULL ? out->packet_id : 0,
                              conn->version == BD_MQTT_V5 ? message->props : NULL,
                              conn->outbuf) == 0)
    g_debug ("message on %s too large to publish", topic);
  conn_flush (conn);
}

static guint16
next_packet_id (BdRemoteClient *self)
{
  /* A currently unused, non-zero identifier [MQTT-2.3.1-1] [MQTT-2.3.1-2];
   * the caller made sure fewer than 65535 are in use. */
  do
    self->last_packet_id = self->last_packet_id == G_MAXUINT16 ? 1 : self->last_packet_id + 1;
  while (g_hash_table_contains (self->outgoing_by_id, GUINT_TO_POINTER (self->last_packet_id)));
  return self->last_packet_id;
}

/* Tells the publisher what became of @out, once. */
static void
out_msg_complete (OutMsg   *out,
                  gboolean  delivered)
{
  BdRemotePublishFunc func = out->func;

  out->func = NULL;
  if (func != NULL)
    func (out->message, delivered, out->func_data);
}

static gboolean
keep_alive_cb (gpointer data)
{
  Conn *conn = data;
  BdMqttPacket ping = { .type = BD_MQTT_PINGREQ };

  /* No PINGRESP within a whole keep-alive period: the broker or the path to
   * it is gone even if TCP has not noticed. */
  if (conn->ping_outstanding)
    {
      conn_fail (conn, FALSE, "no answer to PINGREQ (timed out)");
      return G_SOURCE_REMOVE;
    }
  /* The client must send something within each keep-alive period
   * [MQTT-3.1.2-23]; a PINGREQ every period is the simplest way to be sure. */
  conn->ping_outstanding = TRUE;
  conn->ping_sent_us = g_get_monotonic_time ();
  conn_send_packet (conn, &ping);
  return G_SOURCE_CONTINUE;
}

static const char *
connack_reason (BdMqttVersion version,
                guint8        code)
{
  if (version != BD_MQTT_V5)
    {
      switch (code)
        {
        case BD_MQTT3_CONNACK_UNACCEPTABLE_PROTOCOL_VERSION:
          return "unacceptable protocol version";
        case BD_MQTT3_CONNACK_IDENTIFIER_REJECTED:
          return "client identifier rejected";
        case BD_MQTT3_CONNACK_SERVER_UNAVAILABLE:
          return "server unavailable";
        case BD_MQTT3_CONNACK_BAD_USER_NAME_OR_PASSWORD:
          return "bad user name or password";
        case BD_MQTT3_CONNACK_NOT_AUTHORIZED:
          return "not authorized";
        default:
          return "refused";
        }
    }
  switch (code)
    {
    case BD_MQTT_RC_BAD_USER_NAME_OR_PASSWORD:
      return "bad user name or password";
    case BD_MQTT_RC_NOT_AUTHORIZED:
      return "not authorized";
    default:
      return bd_mqtt_reason_code_name (code);
    }
}

static gboolean
connack_is_fatal (BdMqttVersion version,
                  guint8        code)
{
  /* Retrying with the same credentials or protocol cannot help; server
   * unavailable / busy can. */
  if (version != BD_MQTT_V5)
    return code != BD_MQTT3_CONNACK_SERVER_UNAVAILABLE;
  switch (code)
    {
    case BD_MQTT_RC_SERVER_UNAVAILABLE:
    case BD_MQTT_RC_SERVER_BUSY:
    case BD_MQTT_RC_CONNECTION_RATE_EXCEEDED:
    case BD_MQTT_RC_QUOTA_EXCEEDED:
    case BD_MQTT_RC_UNSPECIFIED_ERROR:
    case BD_MQTT_RC_IMPLEMENTATION_SPECIFIC_ERROR:
    case BD_MQTT_RC_SERVER_SHUTTING_DOWN:
      return FALSE;
    default:
      return TRUE;
    }
}

/* What the server supports, from its CONNACK's properties (absent ones
 * mean the protocol's default [MQTT-3.2.2.3]). */
static void
remember_server_info (BdRemoteClient *self,
                      BdMqttVersion   version,
                      BdMqttConnack  *connack)
{
  BdRemoteServerInfo *info = &self->server_info;
  const BdMqttProperties *props = &connack->properties;

  memset (info, 0, sizeof *info);
  info->version = version;
  info->maximum_qos = 2;
  info->retain_available = TRUE;
  info->wildcard_subscriptions = TRUE;
  info->shared_subscriptions = version == BD_MQTT_V5;
  if (version == BD_MQTT_V5)
    {
      if (BD_MQTT_PROP_HAS (props, BD_MQTT_PROP_MAXIMUM_QOS))
        info->maximum_qos = props->maximum_qos;
      if (BD_MQTT_PROP_HAS (props, BD_MQTT_PROP_RETAIN_AVAILABLE))
        info->retain_available = props->retain_available != 0;
      if (BD_MQTT_PROP_HAS (props, BD_MQTT_PROP_MAXIMUM_PACKET_SIZE))
        info->maximum_packet_size = props->maximum_packet_size;
      if (BD_MQTT_PROP_HAS (props, BD_MQTT_PROP_RECEIVE_MAXIMUM))
        info->receive_maximum = props->receive_maximum;
      if (BD_MQTT_PROP_HAS (props, BD_MQTT_PROP_WILDCARD_SUBSCRIPTION_AVAILABLE))
        info->wildcard_subscriptions = props->wildcard_subscription_available != 0;
      if (BD_MQTT_PROP_HAS (props, BD_MQTT_PROP_SHARED_SUBSCRIPTION_AVAILABLE))
        info->shared_subscriptions = props->shared_subscription_available != 0;
    }
  self->have_server_info = TRUE;
}

static void
handle_connack (Conn          *conn,
                BdMqttConnack *connack)
{
  BdRemoteClient *self = conn->client;
  BdMqttSubscription sub = { 0 };
  BdMqttPacket subscribe = { .type = BD_MQTT_SUBSCRIBE };
  guint keep_alive = self->config->keep_alive ? self->config->keep_alive : DEFAULT_KEEP_ALIVE;

  /* A v5 CONNACK uses reason codes >= 0x80 for refusals; a 3.1.1 one any
   * non-zero return code. Either way the server closes the connection. */
  if ((conn->version == BD_MQTT_V5 && connack->reason_code >= 0x80) ||
      (conn->version != BD_MQTT_V5 && connack->reason_code != 0))
    {
      conn_fail (conn, connack_is_fatal (conn->version, connack->reason_code),
                 connack_reason (conn->version, connack->reason_code));
      return;
    }

  conn->connected = TRUE;
  remember_server_info (self, conn->version, connack);
  self->backoff_ms = self->config->backoff_min_ms ? self->config->backoff_min_ms
                                                  : DEFAULT_BACKOFF_MIN;
  set_error_message (self, NULL);
  set_retry_seconds (self, 0);

  /* The server's Server Keep Alive replaces ours [MQTT-3.2.2-21] (MQTT 5). */
  if (BD_MQTT_PROP_HAS (&connack->properties, BD_MQTT_PROP_SERVER_KEEP_ALIVE))
    keep_alive = connack->properties.server_keep_alive;
  if (keep_alive > 0)
    conn->keep_alive_source = attach_timeout (self, keep_alive * 1000, keep_alive_cb, conn, NULL);

  if (self->unsubscriptions != NULL && self->unsubscriptions[0] != NULL)
    {
      BdMqttPacket unsubscribe = { .type = BD_MQTT_UNSUBSCRIBE };

      unsubscribe.unsubscribe.packet_id = next_packet_id (self);
      unsubscribe.unsubscribe.filters = self->unsubscriptions;
      unsubscribe.unsubscribe.n_filters = g_strv_length (self->unsubscriptions);
      conn_send_packet (conn, &unsubscribe);
    }
  if (self->subscriptions == NULL)
    {
      sub.filter = self->config->filter ? self->config->filter : "#";
      sub.qos = 2;
      subscribe.subscribe.subscriptions = &sub;
      subscribe.subscribe.n_subscriptions = 1;
    }
  else
    {
      subscribe.subscribe.subscriptions = (BdMqttSubscription *) (gpointer) self->subscriptions->data;
      subscribe.subscribe.n_subscriptions = self->subscriptions->len;
    }
  if (subscribe.subscribe.n_subscriptions > 0)
    {
      subscribe.subscribe.packet_id = next_packet_id (self);
      conn_send_packet (conn, &subscribe);
    }
  else
    {
      /* Nothing to subscribe: connected now. */
      clear_source (&conn->timeout_source);
      set_state (self, BD_REMOTE_STATE_CONNECTED);
    }

  /* Without a session on the server the old packet identifiers mean nothing:
   * QoS 2 messages we were receiving are gone, and unacknowledged messages we
   * sent are sent again as new ones. With a session, unacknowledged PUBLISH
   * and PUBREL packets are re-sent with their original identifiers
   * [MQTT-4.4.0-1], PUBLISH with DUP set [MQTT-3.3.1-1]. */
  if (!connack->session_present)
    g_hash_table_remove_all (self->awaiting_pubrel);
  for (GList *l = self->outgoing.head; l != NULL;)
    {
      OutMsg *out = l->data;
      GList *next = l->next;

      if (!connack->session_present && out->released)
        {
          /* The broker had the message already; only PUBCOMP was missing. */
          out_msg_complete (out, TRUE);
          g_hash_table_remove (self->outgoing_by_id, GUINT_TO_POINTER (out->packet_id));
          g_queue_delete_link (&self->outgoing, l);
        }
      else if (out->released)
        conn_send_ack (conn, BD_MQTT_PUBREL, out->packet_id);
      else
        conn_send_publish (conn, out, out->message, connack->session_present);
      l = next;
    }
  /* CONNECTED waits for the SUBACK: only then does "Connected" mean that
   * messages arrive, and the connect deadline covers the subscription too. */
}

static void
handle_publish (Conn          *conn,
                BdMqttPublish *publish)
{
  BdRemoteClient *self = conn->client;
  g_autoptr(BdMessage) message = NULL;

  if (publish->topic == NULL || publish->topic[0] == '\0')
    {
      /* We never allow Topic Aliases (no Topic Alias Maximum in CONNECT),
       * so an empty topic cannot be resolved. */
      conn_fail (conn, FALSE, "protocol error: PUBLISH without a topic");
      return;
    }

  message = bd_message_new (publish->topic, publish->payload, publish->qos, publish->retain,
                            conn->version == BD_MQTT_V5 ? &publish->properties : NULL);

  if (self->message_func != NULL)
    {
      /* The owner acknowledges (bd_remote_client_ack ()) once the message
       * is safe, which for QoS 2 is the PUBREC [MQTT-4.3.3-2]. A QoS 2
       * message re-sent before that is handed over again: the owner has
       * not taken it yet. */
      guint32 token = ((guint32) conn->generation << 18) | ((guint32) publish->qos << 16) |
                      publish->packet_id;

      if (publish->qos == 2 &&
          g_hash_table_contains (self->awaiting_pubrel, GUINT_TO_POINTER (publish->packet_id)))
        {
          conn_send_ack (conn, BD_MQTT_PUBREC, publish->packet_id);
          return;
        }

      dispatch_message (self, message);
      if (conn->client != NULL)
        self->message_func (message, token, self->message_data);
      return;
    }

  switch (publish->qos)
    {
    case 0:
      dispatch_message (self, message);
      break;
    case 1:
      /* Accept ownership, then PUBACK with the same identifier [MQTT-4.3.2-2]. */
      dispatch_message (self, message);
      if (conn->client != NULL)
        conn_send_ack (conn, BD_MQTT_PUBACK, publish->packet_id);
      break;
    case 2:
      /* PUBREC with the same identifier, and until the PUBREL arrives a
       * PUBLISH with that identifier is acknowledged again but not delivered
       * twice [MQTT-4.3.3-2]. */
      if (!g_hash_table_contains (self->awaiting_pubrel, GUINT_TO_POINTER (publish->packet_id)))
        {
          g_hash_table_add (self->awaiting_pubrel, GUINT_TO_POINTER (publish->packet_id));
          dispatch_message (self, message);
        }
      if (conn->client != NULL)
        conn_send_ack (conn, BD_MQTT_PUBREC, publish->packet_id);
      break;
    default:
      g_assert_not_reached ();
    }
}

static void
handle_ack (Conn             *conn,
            BdMqttPacketType  type,
            BdMqttAck        *ack)
{
  BdRemoteClient *self = conn->client;
  OutMsg *out;

  if (type == BD_MQTT_PUBREL)
    {
      /* Answer every PUBREL with a PUBCOMP of the same identifier, even one
       * we have forgotten (the broker may be re-sending after a reconnect)
       * [MQTT-4.3.3-2]. */
      g_hash_table_remove (self->awaiting_pubrel, GUINT_TO_POINTER (ack->packet_id));
      conn_send_ack (conn, BD_MQTT_PUBCOMP, ack->packet_id);
      return;
    }

  out = g_hash_table_lookup (self->outgoing_by_id, GUINT_TO_POINTER (ack->packet_id));
  if (out == NULL)
    return;  /* late or duplicate acknowledgement: nothing to do */

  switch (type)
    {
    case BD_MQTT_PUBACK:
    case BD_MQTT_PUBCOMP:
      /* The message is no longer ours once acknowledged [MQTT-4.3.2-1]
       * [MQTT-4.3.3-1]. */
      g_queue_remove (&self->outgoing, out);
      out_msg_complete (out, TRUE);
      g_hash_table_remove (self->outgoing_by_id, GUINT_TO_POINTER (ack->packet_id));
      break;
    case BD_MQTT_PUBREC:
      /* A PUBREC is answered by a PUBREL, and the PUBLISH is not sent again
       * from then on [MQTT-4.3.3-1]. In MQTT 5 a PUBREC with a failure
       * reason code ends the exchange instead. */
      if (conn->version == BD_MQTT_V5 && ack->reason_code >= 0x80)
        {
          g_queue_remove (&self->outgoing, out);
          out_msg_complete (out, FALSE);
          g_hash_table_remove (self->outgoing_by_id, GUINT_TO_POINTER (ack->packet_id));
          break;
        }
      out->released = TRUE;
      conn_send_ack (conn, BD_MQTT_PUBREL, ack->packet_id);
      break;
    default:
      g_assert_not_reached ();
    }
}

static void
handle_packet (Conn         *conn,
               BdMqttPacket *packet)
{
  if (!conn->connected && packet->type != BD_MQTT_CONNACK)
    {
      /* The first packet from the server must be a CONNACK [MQTT-3.2.0-1]. */
      conn_fail (conn, FALSE, "protocol error: the broker did not start with CONNACK");
      return;
    }

  switch (packet->type)
    {
    case BD_MQTT_CONNACK:
      if (conn->connected)
        conn_fail (conn, FALSE, "protocol error: a second CONNACK");
      else
        handle_connack (conn, &packet->connack);
      break;
    case BD_MQTT_PUBLISH:
      handle_publish (conn, &packet->publish);
      break;
    case BD_MQTT_PUBACK:
    case BD_MQTT_PUBREC:
    case BD_MQTT_PUBREL:
    case BD_MQTT_PUBCOMP:
      handle_ack (conn, packet->type, &packet->ack);
      break;
    case BD_MQTT_SUBACK:
      for (guint i = 0; i < packet->suback.n_reason_codes; i++)
        if (packet->suback.reason_codes[i] >= 0x80)
          {
            const char *filter = conn->client->config->filter;
            guint8 code = packet->suback.reason_codes[i];
            g_autofree char *reason = g_strdup_printf ("subscription to %s refused (%s)",
                                                       filter ? filter : "#",
                                                       bd_mqtt_reason_code_name (code));
            /* Connected but deaf: nothing to wait for, so say so. */
            conn_fail (conn, TRUE, reason);
            return;
          }
      clear_source (&conn->timeout_source);
      set_state (conn->client, BD_REMOTE_STATE_CONNECTED);
      break;
    case BD_MQTT_PINGRESP:
      if (conn->ping_outstanding)
        conn->client->rtt_us = g_get_monotonic_time () - conn->ping_sent_us;
      conn->ping_outstanding = FALSE;
      break;
    case BD_MQTT_DISCONNECT:
      {
        /* MQTT 5 only: the server tells us why it is closing. */
        guint8 code = packet->disconnect.reason_code;
        g_autofree char *reason = g_strdup_printf ("disconnected by the broker (%s)",
                                                   bd_mqtt_reason_code_name (code));
        conn_fail (conn, FALSE, reason);
      }
      break;
    case BD_MQTT_UNSUBACK:
    case BD_MQTT_AUTH:
      break;
    default:
      {
        g_autofree char *reason = g_strdup_printf ("protocol error: unexpected %s",
                                                   bd_mqtt_packet_type_name (packet->type));
        conn_fail (conn, FALSE, reason);
      }
      break;
    }
}

static void
conn_process_input (Conn *conn)
{
  gsize offset = 0;

  while (conn->client != NULL)
    {
      g_autoptr(GError) error = NULL;
      BdMqttPacket packet = { 0 };
      BdMqttFrame frame;
      BdMqttFrameStatus status;

      status = bd_mqtt_frame_parse (conn->inbuf->data + offset, conn->inbuf->len - offset,
                                    &frame, &error);
      if (status == BD_MQTT_FRAME_INCOMPLETE)
        break;
      if (status == BD_MQTT_FRAME_ERROR ||
          !bd_mqtt_decode (conn->version, &frame, conn->inbuf->data + offset + frame.header_length,
                           frame.remaining_length, &packet, &error))
        {
          g_autofree char *reason = g_strdup_printf ("malformed packet from the broker: %s",
                                                     error->message);
          bd_mqtt_packet_clear (&packet);
          conn_fail (conn, FALSE, reason);
          return;
        }
      offset += frame.header_length + frame.remaining_length;
      handle_packet (conn, &packet);
      bd_mqtt_packet_clear (&packet);
    }
  if (offset > 0)
    g_byte_array_remove_range (conn->inbuf, 0, offset);
}

/* @n bytes came under WebSocket: the upgrade's answer, then frames. */
static void
conn_ws_input (Conn  *conn,
               gsize  n)
{
  g_autoptr(GError) error = NULL;
  gboolean was_upgraded = conn->ws->upgraded;
  gboolean ok;

  ok = bd_remote_websocket_feed (conn->ws, conn->readbuf, n, conn->inbuf, conn->rawbuf, &error);
  if (conn->rawbuf->len > 0)
    conn_flush (conn);
  if (!ok)
    {
      /* A 4xx answer (a wrong path, say) is refused like bad credentials:
       * the same request gets the same answer. */
      conn_fail (conn, g_error_matches (error, BD_REMOTE_ERROR, BD_REMOTE_ERROR_REFUSED),
                 error->message);
      return;
    }
  if (!was_upgraded && conn->ws->upgraded)
    conn_send_connect (conn);
  conn_process_input (conn);
  if (conn->client != NULL && conn->ws->closed)
    {
      g_autofree char *reason = g_strdup_printf ("the broker closed the WebSocket (status %u)",
                                                 conn->ws->close_code);

      conn_fail (conn, FALSE, reason);
    }
}

/* What a read brought: @n bytes in conn->readbuf. */
static void
conn_input (Conn  *conn,
            gssize n)
{
  /* Acknowledge what came at once rather than after the kernel's delayed
   * ACK: brokers that leave Nagle on (Mosquitto by default) write each
   * PUBACK on its own, and all after the first wait for this ACK. A bridge
   * whose acknowledgements waited so held its publishers' PUBACKs (in
   * durable mode they wait for the bridge or the disk). Linux clears the
   * flag again by itself, so it is set after every read. */
  if (conn->socket != NULL)
    g_socket_set_option (conn->socket, IPPROTO_TCP, TCP_QUICKACK, 1, NULL);
  if (conn->client != NULL && conn->ws != NULL)
    conn_ws_input (conn, n);
  else if (conn->client != NULL)
    {
      g_byte_array_append (conn->inbuf, conn->readbuf, n);
      conn_process_input (conn);
    }
}

/* The end of a read that failed or found the end of the stream; FALSE
 * when the connection is over. */
static gboolean
conn_read_done (Conn         *conn,
                gssize        n,
                const GError *error)
{
  if (conn_check_error (conn, error))
    return FALSE;
  if (n == 0)
    {
      conn_fail (conn, FALSE, "the broker closed the connection");
      return FALSE;
    }
  conn_input (conn, n);
  return conn->client != NULL;
}

static void
read_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      data)
{
  Conn *conn = data;
  g_autoptr(GError) error = NULL;
  gssize n;

  n = g_input_stream_read_finish (G_INPUT_STREAM (object), result, &error);
  if (conn_read_done (conn, n, error))
    conn_read (conn);
  conn_unref (conn);
}

static gboolean
read_ready_cb (GObject  *pollable,
               gpointer  data)
{
  Conn *conn = data;
  gboolean more = TRUE;

  conn_ref (conn);
  /* A few reads at most before the loop's other sources get their turn. */
  for (guint i = 0; i < READS_PER_WAKEUP && more; i++)
    {
      g_autoptr(GError) error = NULL;
      gssize n = g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (pollable),
                                                           conn->readbuf, sizeof conn->readbuf,
                                                           conn->cancellable, &error);

      if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        break;
      more = conn_read_done (conn, n, error);
    }
  conn_unref (conn);
  return more ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

/* Reads for as long as the connection lasts. A stream that can be polled
 * gets one source for the connection's whole life: an asynchronous read
 * per wake-up made and dropped a socket source and a GTask each time, and
 * GLib wakes its own loop for every descriptor added and removed, so a
 * bridge that read one acknowledgement at a time spent most of its thread
 * on that machinery. Other streams read asynchronously. */
static void
conn_read (Conn *conn)
{
  GInputStream *in = g_io_stream_get_input_stream (conn->stream);

  if (conn->read_source != NULL)
    return;
  if (G_IS_POLLABLE_INPUT_STREAM (in) &&
      g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (in)))
    {
      /* With the cancellable, a cancel (the connect timeout) wakes it up
       * and its read reports the cancellation. detach_conn () ends it. */
      conn->read_source = g_pollable_input_stream_create_source (G_POLLABLE_INPUT_STREAM (in),
                                                                 conn->cancellable);
      g_source_set_callback (conn->read_source, G_SOURCE_FUNC (read_ready_cb),
                             conn_ref (conn), (GDestroyNotify) conn_unref);
      g_source_attach (conn->read_source, conn->client->context);
      return;
    }
  g_input_stream_read_async (in, conn->readbuf, sizeof conn->readbuf, G_PRIORITY_DEFAULT,
                             conn->cancellable, read_cb, conn_ref (conn));
}

static void
conn_send_connect (Conn *conn)
{
  BdRemoteClient *self = conn->client;
  const BdRemoteConfig *config = self->config;
  BdMqttPacket packet = { .type = BD_MQTT_CONNECT };
  BdMqttConnect *connect = &packet.connect;
  g_autoptr(GBytes) password = NULL;
  g_autoptr(GBytes) will_payload = NULL;

  connect->version = conn->version;
  connect->bridge = config->try_private;
  connect->clean_start = config->clean_session;
  if (config->will_topic != NULL)
    {
      will_payload = g_bytes_new (config->will_payload ? config->will_payload : "",
                                  config->will_payload ? strlen (config->will_payload) : 0);
      connect->has_will = TRUE;
      connect->will_topic = config->will_topic;
      connect->will_payload = will_payload;
      connect->will_qos = 1;
      connect->will_retain = TRUE;
    }
  if (conn->version == BD_MQTT_V5 && config->receive_maximum > 0)
    {
      BD_MQTT_PROP_SET (&connect->properties, BD_MQTT_PROP_RECEIVE_MAXIMUM);
      connect->properties.receive_maximum = config->receive_maximum;
    }
  connect->keep_alive = config->keep_alive ? config->keep_alive : DEFAULT_KEEP_ALIVE;
  connect->client_id = self->client_id;
  if (config->username != NULL && config->username[0] != '\0')
    {
      connect->has_username = TRUE;
      connect->username = config->username;
    }
  /* 3.1.1 allows a password only with a user name [MQTT-3.1.2-22]. */
  if (config->password != NULL && (connect->has_username || conn->version == BD_MQTT_V5))
    {
      password = g_bytes_new (config->password, strlen (config->password));
      connect->has_password = TRUE;
      connect->password = password;
    }
  if (conn->version == BD_MQTT_V5 && !config->clean_session)
    {
      /* Without a Session Expiry Interval the session would end with the
       * network connection, which is not what "clean session off" means. */
      BD_MQTT_PROP_SET (&connect->properties, BD_MQTT_PROP_SESSION_EXPIRY_INTERVAL);
      connect->properties.session_expiry_interval = SESSION_EXPIRY_S;
    }

  /* The packet borrows every string: nothing to clear. */
  conn_send_packet (conn, &packet);
}

/* The stream is up (TCP, TLS): asks for the WebSocket upgrade, or sends
 * CONNECT at once; then reads. */
static void
conn_begin (Conn *conn)
{
  const BdRemoteConfig *config = conn->client->config;

  if (config->use_websockets && conn->ws == NULL)
    {
      conn->ws = bd_remote_websocket_new ();
      bd_remote_websocket_request (conn->ws, conn->rawbuf, config->host,
                                   effective_port (config), config->websocket_path);
      conn_flush (conn);
    }
  else
    conn_send_connect (conn);
  conn_read (conn);
}

static const char *
tls_flags_reason (GTlsCertificateFlags flags)
{
  if (flags & G_TLS_CERTIFICATE_UNKNOWN_CA)
    return "certificate not trusted (issued by an unknown certificate authority)";
  if (flags & G_TLS_CERTIFICATE_BAD_IDENTITY)
    return "certificate does not match the host name";
  if (flags & G_TLS_CERTIFICATE_EXPIRED)
    return "certificate expired";
  if (flags & G_TLS_CERTIFICATE_NOT_ACTIVATED)
    return "certificate not yet valid";
  if (flags & G_TLS_CERTIFICATE_REVOKED)
    return "certificate revoked";
  if (flags & G_TLS_CERTIFICATE_INSECURE)
    return "certificate uses an insecure algorithm";
  return "certificate not trusted";
}

static gboolean
accept_certificate_cb (GTlsConnection       *tls,
                       GTlsCertificate      *peer_cert,
                       GTlsCertificateFlags  errors,
                       gpointer              data)
{
  Conn *conn = data;

  /* Never accept a certificate that failed validation; remember why, so the
   * handshake error can say it. */
  conn->tls_errors = errors;
  /* bridge_insecure: the chain is still checked, the host name is not. */
  return conn->client != NULL && conn->client->config->insecure &&
         errors == G_TLS_CERTIFICATE_BAD_IDENTITY;
}

static void
drop_ca_bundle (BdRemoteClient *self)
{
  if (self->ca_bundle != NULL)
    g_unlink (self->ca_bundle);
  g_clear_pointer (&self->ca_bundle, g_free);
}

static void
handshake_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      data)
{
  Conn *conn = data;
  g_autoptr(GError) error = NULL;

  gboolean done = g_tls_connection_handshake_finish (G_TLS_CONNECTION (object), result, &error);

  if (conn->client != NULL)
    drop_ca_bundle (conn->client);
  if (!done && conn->client != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      const BdRemoteConfig *config = conn->client->config;
      g_autofree char *reason = NULL;
      gboolean fatal = TRUE;

      if (conn->tls_errors != 0)
        {
          if (config->ca_path != NULL)
            reason = g_strdup_printf ("%s (checked against the CAs in %s)",
                                      tls_flags_reason (conn->tls_errors), config->ca_path);
          else if (config->ca_file != NULL)
            reason = g_strdup_printf ("%s (checked against CA file %s)",
                                      tls_flags_reason (conn->tls_errors), config->ca_file);
          else
            reason = g_strdup_printf ("%s (checked against the system's trusted CAs)",
                                      tls_flags_reason (conn->tls_errors));
        }
      else if (g_error_matches (error, G_TLS_ERROR, G_TLS_ERROR_CERTIFICATE_REQUIRED))
        reason = g_strdup ("the broker requires a client certificate");
      else
        {
          /* Anything else (a broker restarting mid-handshake, say) may go
           * away by itself. */
          reason = g_strdup_printf ("TLS handshake failed: %s", error->message);
          fatal = g_error_matches (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE) ||
                  g_error_matches (error, G_TLS_ERROR, G_TLS_ERROR_NOT_TLS);
        }
      conn_fail (conn, fatal, reason);
      conn_unref (conn);
      return;
    }
  if (!conn_check_error (conn, error))
    conn_begin (conn);
  conn_unref (conn);
}

/* Sets up TLS over @base. On failure the message names the file at fault. */

/* The CAs a connection trusts: ca_file, and every PEM certificate in the
 * ca_path directory (Mosquitto's bridge_capath, which OpenSSL reads by its
 * hashed names; GIO takes one file, so the certificates are gathered into a
 * private temporary one, there for the handshake only). */
static GTlsDatabase *
ca_database_new (BdRemoteClient  *self,
                 char           **reason)
{
  const BdRemoteConfig *config = self->config;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) pem = NULL;
  g_autoptr(GDir) dir = NULL;
  g_autofree char *bundle = NULL;
  GTlsDatabase *database;
  const char *name;
  int fd;

  if (config->ca_path == NULL || config->ca_path[0] == '\0')
    {
      database = g_tls_file_database_new (config->ca_file, &error);
      if (database == NULL)
        *reason = g_strdup_printf ("cannot read CA file %s: %s", config->ca_file, error->message);
      return database;
    }

  pem = g_string_new (NULL);
  if (config->ca_file != NULL && config->ca_file[0] != '\0')
    {
      g_autofree char *text = NULL;

      if (!g_file_get_contents (config->ca_file, &text, NULL, &error))
        {
          *reason = g_strdup_printf ("cannot read CA file %s: %s", config->ca_file,
                                     error->message);
          return NULL;
        }
      g_string_append_printf (pem, "%s\n", text);
    }
  dir = g_dir_open (config->ca_path, 0, &error);
  if (dir == NULL)
    {
      *reason = g_strdup_printf ("cannot read CA directory %s: %s", config->ca_path,
                                 error->message);
      return NULL;
    }
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (config->ca_path, name, NULL);
      g_autofree char *text = NULL;

      /* Not a readable file, or no certificate in it: not a CA here. */
      if (g_file_test (path, G_FILE_TEST_IS_REGULAR) &&
          g_file_get_contents (path, &text, NULL, NULL) &&
          strstr (text, "-----BEGIN CERTIFICATE-----") != NULL)
        g_string_append_printf (pem, "%s\n", text);
    }
  if (pem->len == 0)
    {
      *reason = g_strdup_printf ("no PEM certificate in CA directory %s", config->ca_path);
      return NULL;
    }

  fd = g_file_open_tmp ("brokerdesk-ca-XXXXXX.pem", &bundle, &error);
  if (fd < 0 || !g_file_set_contents_full (bundle, pem->str, pem->len,
                                           G_FILE_SET_CONTENTS_NONE, 0600, &error))
    {
      *reason = g_strdup_printf ("cannot gather the CAs of %s: %s", config->ca_path,
                                 error->message);
      if (fd >= 0)
        {
          close (fd);
          g_unlink (bundle);
        }
      return NULL;
    }
  close (fd);
  database = g_tls_file_database_new (bundle, &error);
  if (database == NULL)
    {
      g_unlink (bundle);
      *reason = g_strdup_printf ("cannot use the CAs of %s: %s", config->ca_path, error->message);
      return NULL;
    }
  /* The database reads the file when it verifies: it goes once the
   * handshake is over (drop_ca_bundle ()). */
  drop_ca_bundle (self);
  self->ca_bundle = g_steal_pointer (&bundle);
  return database;
}

static gboolean
conn_start_tls (Conn               *conn,
                GSocketConnection  *base,
                char              **reason)
{
  const BdRemoteConfig *config = conn->client->config;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketConnectable) identity = NULL;
  g_autoptr(GIOStream) tls = NULL;

  identity = g_network_address_new (config->host, effective_port (config));
  tls = g_tls_client_connection_new (G_IO_STREAM (base), identity, &error);
  if (tls == NULL)
    {
      *reason = g_strdup_printf ("TLS is not available: %s", error->message);
      return FALSE;
    }

  if ((config->ca_file != NULL && config->ca_file[0] != '\0') ||
      (config->ca_path != NULL && config->ca_path[0] != '\0'))
    {
      g_autoptr(GTlsDatabase) database = ca_database_new (conn->client, reason);

      if (database == NULL)
        return FALSE;
      g_tls_connection_set_database (G_TLS_CONNECTION (tls), database);
    }

  if (config->cert_file != NULL && config->cert_file[0] != '\0')
    {
      g_autoptr(GTlsCertificate) cert = NULL;

      if (config->key_file != NULL && config->key_file[0] != '\0')
        cert = g_tls_certificate_new_from_files (config->cert_file, config->key_file, &error);
      else
        cert = g_tls_certificate_new_from_file (config->cert_file, &error);
      if (cert == NULL)
        {
          *reason = g_strdup_printf ("cannot load client certificate %s%s%s: %s",
                                     config->cert_file,
                                     config->key_file ? " with key " : "",
                                     config->key_file ? config->key_file : "",
                                     error->message);
          return FALSE;
        }
      g_tls_connection_set_certificate (G_TLS_CONNECTION (tls), cert);
    }

  if (config->alpn != NULL && config->alpn[0] != '\0')
    {
      const char * const protocols[] = { config->alpn, NULL };

      g_tls_connection_set_advertised_protocols (G_TLS_CONNECTION (tls), protocols);
    }
  g_signal_connect (tls, "accept-certificate", G_CALLBACK (accept_certificate_cb), conn);
  g_clear_object (&conn->stream);
  conn->stream = g_object_ref (tls);
  g_tls_connection_handshake_async (G_TLS_CONNECTION (tls), G_PRIORITY_DEFAULT,
                                    conn->cancellable, handshake_cb, conn_ref (conn));
  return TRUE;
}

static void
connect_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      data)
{
  Conn *conn = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketConnection) base = NULL;

  base = g_socket_client_connect_to_host_finish (G_SOCKET_CLIENT (object), result, &error);
  if (conn_check_error (conn, error))
    {
      conn_unref (conn);
      return;
    }
  if (conn->client == NULL)
    {
      conn_unref (conn);
      return;
    }

  /* Small packets (acks, PINGREQ) should not wait for Nagle. */
  g_socket_set_option (g_socket_connection_get_socket (base), IPPROTO_TCP, TCP_NODELAY, 1, NULL);
  conn->stream = G_IO_STREAM (g_object_ref (base));
  conn->socket = g_socket_connection_get_socket (base);

  if (conn->client->config->use_tls)
    {
      g_autofree char *reason = NULL;

      if (!conn_start_tls (conn, base, &reason))
        conn_fail (conn, TRUE, reason);
    }
  else
    conn_begin (conn);
  conn_unref (conn);
}

static gboolean
connect_timeout_cb (gpointer data)
{
  Conn *conn = data;

  g_clear_pointer (&conn->timeout_source, g_source_unref);
  conn->timed_out = TRUE;
  g_cancellable_cancel (conn->cancellable);
  return G_SOURCE_REMOVE;
}

static void
start_attempt (BdRemoteClient *self)
{
  g_autoptr(GSocketClient) socket_client = NULL;
  Conn *conn;

  g_assert (self->conn == NULL);

  clear_source (&self->retry_source);
  conn = g_new0 (Conn, 1);
  conn->ref_count = 1;
  conn->client = self;
  conn->cancellable = g_cancellable_new ();
  conn->version = self->config->version == BD_MQTT_V5 || self->config->version == BD_MQTT_V31
                  ? self->config->version : BD_MQTT_V311;
  conn->generation = ++self->conn_generation & 0x3fff;
  conn->inbuf = g_byte_array_new ();
  conn->outbuf = g_byte_array_new ();
  conn->rawbuf = g_byte_array_new ();
  self->conn = conn;

  set_state (self, BD_REMOTE_STATE_CONNECTING);

  /* One deadline for resolving, TCP, TLS and CONNACK together; a socket
   * timeout would also cut idle but healthy connections. */
  conn->timeout_source = attach_timeout (self, CONNECT_TIMEOUT_S * 1000, connect_timeout_cb,
                                         conn, NULL);
  if (self->stream_func != NULL)
    {
      g_autoptr(GError) error = NULL;
      GIOStream *stream = self->stream_func (self->stream_data, &error);

      if (stream == NULL)
        {
          conn_fail (conn, FALSE, error->message);
          return;
        }
      conn->stream = stream;
      conn_send_connect (conn);
      conn_read (conn);
      return;
    }
  socket_client = g_socket_client_new ();
  if (self->config->bind_address != NULL)
    {
      g_autoptr(GInetAddress) inet = g_inet_address_new_from_string (self->config->bind_address);
      g_autoptr(GSocketAddress) local = NULL;

      if (inet == NULL)
        {
          g_autofree char *reason = g_strdup_printf ("“%s” is not an IP address to connect from",
                                                     self->config->bind_address);

          conn_fail (conn, TRUE, reason);
          return;
        }
      local = g_inet_socket_address_new (inet, 0);
      g_socket_client_set_local_address (socket_client, local);
    }
  g_socket_client_connect_to_host_async (socket_client, self->config->host,
                                         effective_port (self->config), conn->cancellable,
                                         connect_cb, conn_ref (conn));
}

/* ----------------------------------------------------------------- GObject */

static void
out_msg_free (gpointer data)
{
  OutMsg *out = data;

  out_msg_complete (out, FALSE);
  g_clear_pointer (&out->message, bd_message_unref);
  g_free (out);
}

static void
bd_remote_client_dispose (GObject *object)
{
  BdRemoteClient *self = BD_REMOTE_CLIENT (object);

  detach_conn (self);
  clear_source (&self->retry_source);
  if (self->taps != NULL && self->dispatch_depth == 0)
    g_ptr_array_set_size (self->taps, 0);

  G_OBJECT_CLASS (bd_remote_client_parent_class)->dispose (object);
}

static void
bd_remote_client_finalize (GObject *object)
{
  BdRemoteClient *self = BD_REMOTE_CLIENT (object);

  g_queue_clear (&self->outgoing);
  g_hash_table_destroy (self->outgoing_by_id);
  g_hash_table_destroy (self->awaiting_pubrel);
  g_ptr_array_unref (self->taps);
  if (self->subscriptions != NULL)
    {
      for (guint i = 0; i < self->subscriptions->len; i++)
        g_free (g_array_index (self->subscriptions, BdMqttSubscription, i).filter);
      g_array_unref (self->subscriptions);
    }
  g_strfreev (self->unsubscriptions);
  drop_ca_bundle (self);
  g_free (self->error_message);
  g_free (self->client_id);
  bd_remote_config_free (self->config);
  g_main_context_unref (self->context);

  G_OBJECT_CLASS (bd_remote_client_parent_class)->finalize (object);
}

static void
bd_remote_client_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  BdRemoteClient *self = BD_REMOTE_CLIENT (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_ERROR_MESSAGE:
      g_value_set_string (value, self->error_message);
      break;
    case PROP_RETRY_SECONDS:
      g_value_set_uint (value, self->retry_seconds);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bd_remote_client_class_init (BdRemoteClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = bd_remote_client_dispose;
  object_class->finalize = bd_remote_client_finalize;
  object_class->get_property = bd_remote_client_get_property;

  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, BD_TYPE_REMOTE_STATE, BD_REMOTE_STATE_DISCONNECTED,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_ERROR_MESSAGE] =
    g_param_spec_string ("error-message", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_RETRY_SECONDS] =
    g_param_spec_uint ("retry-seconds", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
bd_remote_client_init (BdRemoteClient *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->taps = g_ptr_array_new_with_free_func ((GDestroyNotify) bd_tap_free);
  self->next_tap_id = 1;
  g_queue_init (&self->outgoing);
  self->outgoing_by_id = g_hash_table_new_full (NULL, NULL, NULL, out_msg_free);
  self->awaiting_pubrel = g_hash_table_new (NULL, NULL);
  self->rtt_us = -1;
}

/* ------------------------------------------------------------------ public */

BdRemoteClient *
bd_remote_client_new (const BdRemoteConfig *config)
{
  BdRemoteClient *self;

  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (config->host != NULL && config->host[0] != '\0', NULL);

  self = g_object_new (BD_TYPE_REMOTE_CLIENT, NULL);
  self->config = bd_remote_config_copy (config);
  if (config->client_id != NULL && config->client_id[0] != '\0')
    self->client_id = g_strdup (config->client_id);
  else
    {
      /* 1 to 23 characters from [0-9a-zA-Z], which every server must accept
       * [MQTT-3.1.3-5]; generated once, so a persistent session is found
       * again after a reconnection. */
      self->client_id = g_strdup_printf ("brokerdesk%06x%06x",
                                         g_random_int_range (0, 0x1000000),
                                         g_random_int_range (0, 0x1000000));
    }
  self->backoff_ms = config->backoff_min_ms ? config->backoff_min_ms : DEFAULT_BACKOFF_MIN;
  return self;
}

const BdRemoteConfig *
bd_remote_client_get_config (BdRemoteClient *self)
{
  g_return_val_if_fail (BD_IS_REMOTE_CLIENT (self), NULL);
  return self->config;
}

void
bd_remote_client_start (BdRemoteClient *self)
{
  g_return_if_fail (BD_IS_REMOTE_CLIENT (self));

  if (self->conn != NULL)
    return;
  self->backoff_ms = self->config->backoff_min_ms ? self->config->backoff_min_ms
                                                  : DEFAULT_BACKOFF_MIN;
  set_retry_seconds (self, 0);
  start_attempt (self);
}

void
bd_remote_client_stop (BdRemoteClient *self)
{
  Conn *conn;

  g_return_if_fail (BD_IS_REMOTE_CLIENT (self));

  clear_source (&self->retry_source);
  conn = self->conn;
  if (conn != NULL && conn->connected)
    {
      BdMqttPacket disconnect = { .type = BD_MQTT_DISCONNECT };

      /* A DISCONNECT tells the broker not to publish our will; the
       * connection closes once it has been written. */
      conn_send_packet (conn, &disconnect);
      if (conn->ws != NULL)
        {
          /* Then the WebSocket's close frame, after the DISCONNECT (which
           * may still wait in outbuf). */
          bd_remote_websocket_frame (conn->ws, conn->rawbuf, conn->outbuf->data,
                                     conn->outbuf->len);
          g_byte_array_set_size (conn->outbuf, 0);
          bd_remote_websocket_close (conn->ws, conn->rawbuf, 1000);
          conn_flush (conn);
        }
      if (conn->writing)
        conn->closing = TRUE;
    }
  detach_conn (self);
  set_retry_seconds (self, 0);
  set_error_message (self, NULL);
  set_state (self, BD_REMOTE_STATE_DISCONNECTED);
}

BdRemoteState
bd_remote_client_get_state (BdRemoteClient *self)
{
  g_return_val_if_fail (BD_IS_REMOTE_CLIENT (self), BD_REMOTE_STATE_DISCONNECTED);
  return self->state;
}

const char *
bd_remote_client_get_error_message (BdRemoteClient *self)
{
  g_return_val_if_fail (BD_IS_REMOTE_CLIENT (self), NULL);
  return self->error_message;
}

guint
bd_remote_client_get_retry_seconds (BdRemoteClient *self)
{
  g_return_val_if_fail (BD_IS_REMOTE_CLIENT (self), 0);
  return self->retry_seconds;
}

const char *
bd_remote_client_get_client_id (BdRemoteClient *self)
{
  g_return_val_if_fail (BD_IS_REMOTE_CLIENT (self), NULL);
  return self->client_id;
}

guint
bd_remote_client_add_tap (BdRemoteClient *self,
                          const char     *filter,
                          BdTapFunc       func,
                          gpointer        user_data,
                          GDestroyNotify  notify)
{
  BdTap *tap;

  g_return_val_if_fail (BD_IS_REMOTE_CLIENT (self), 0);
  g_return_val_if_fail (filter != NULL && bd_topic_filter_is_valid (filter), 0);
  g_return_val_if_fail (func != NULL, 0);

  tap = bd_tap_new (filter, func, user_data, notify);
  tap->id = self->next_tap_id++;
  g_ptr_array_add (self->taps, tap);
  return tap->id;
}

void
bd_remote_client_remove_tap (BdRemoteClient *self,
                             guint           tap_id)
{
  g_return_if_fail (BD_IS_REMOTE_CLIENT (self));

  for (guint i = 0; i < self->taps->len; i++)
    {
      BdTap *tap = g_ptr_array_index (self->taps, i);

      if (tap->id != tap_id || tap->func == NULL)
        continue;
      if (self->dispatch_depth > 0)
        {
          /* Inside a tap: the array is being walked, compact it later.
           * Until then the tap stays, without its function. */
          tap->func = NULL;
          self->taps_dirty = TRUE;
        }
      else
        g_ptr_array_remove_index (self->taps, i);
      return;
    }
}

gboolean
bd_remote_client_publish (BdRemoteClient *self,
                          BdMessage      *message)
{
  return bd_remote_client_publish_full (self, message, NULL, NULL);
}

gboolean
bd_remote_client_publish_full (BdRemoteClient      *self,
                               BdMessage           *message,
                               BdRemotePublishFunc  func,
                               gpointer             user_data)
{
  gboolean connected;
  OutMsg *out;

  g_return_val_if_fail (BD_IS_REMOTE_CLIENT (self), FALSE);
  g_return_val_if_fail (message != NULL, FALSE);

  connected = self->conn != NULL && self->conn->connected;
  if (message->qos == 0)
    {
      if (!connected)
        return FALSE;
      conn_send_publish (self->conn, NULL, message, FALSE);
      if (func != NULL)
        func (message, TRUE, user_data);
      return TRUE;
    }

  if (g_hash_table_size (self->outgoing_by_id) >= MAX_OUTGOING_INFLIGHT)
    return FALSE;

  /* Unacknowledged until PUBACK / PUBCOMP [MQTT-4.3.2-1] [MQTT-4.3.3-1];
   * queued while disconnected and sent by handle_connack(). */
  out = g_new0 (OutMsg, 1);
  out->packet_id = next_packet_id (self);
  out->message = bd_message_ref (message);
  out->func = func;
  out->func_data = user_data;
  g_hash_table_insert (self->outgoing_by_id, GUINT_TO_POINTER (out->packet_id), out);
  g_queue_push_tail (&self->outgoing, out);
  if (connected)
    conn_send_publish (self->conn, out, message, FALSE);
  return TRUE;
}

void
bd_remote_client_drop_outgoing (BdRemoteClient *self)
{
  g_return_if_fail (BD_IS_REMOTE_CLIENT (self));

  /* out_msg_free () tells each publisher. */
  g_queue_clear (&self->outgoing);
  g_hash_table_remove_all (self->outgoing_by_id);
}

guint
bd_remote_client_get_n_outgoing (BdRemoteClient *self)
{
  g_return_val_if_fail (BD_IS_REMOTE_CLIENT (self), 0);
  return g_hash_table_size (self->outgoing_by_id);
}

void
bd_remote_client_set_subscriptions (BdRemoteClient           *self,
                                    const BdMqttSubscription *subscriptions,
                                    guint                     n_subscriptions)
{
  g_return_if_fail (BD_IS_REMOTE_CLIENT (self));

  if (self->subscriptions == NULL)
    self->subscriptions = g_array_new (FALSE, TRUE, sizeof (BdMqttSubscription));
  for (guint i = 0; i < self->subscriptions->len; i++)
    g_free (g_array_index (self->subscriptions, BdMqttSubscription, i).filter);
  g_array_set_size (self->subscriptions, 0);
  for (guint i = 0; i < n_subscriptions; i++)
    {
      BdMqttSubscription sub = subscriptions[i];

      sub.filter = g_strdup (subscriptions[i].filter);
      g_array_append_val (self->subscriptions, sub);
    }
}

void
bd_remote_client_set_unsubscriptions (BdRemoteClient     *self,
                                      const char * const *filters)
{
  g_return_if_fail (BD_IS_REMOTE_CLIENT (self));

  g_strfreev (self->unsubscriptions);
  self->unsubscriptions = g_strdupv ((char **) filters);
}

void
bd_remote_client_set_message_func (BdRemoteClient      *self,
                                   BdRemoteMessageFunc  func,
                                   gpointer             user_data)
{
  g_return_if_fail (BD_IS_REMOTE_CLIENT (self));

  self->message_func = func;
  self->message_data = user_data;
}

void
bd_remote_client_ack (BdRemoteClient *self,
                      guint32         token)
{
  guint16 packet_id = token & 0xffff;
  guint qos = (token >> 16) & 0x3;
  Conn *conn;

  g_return_if_fail (BD_IS_REMOTE_CLIENT (self));

  conn = self->conn;
  /* QoS 0 needs no answer; a token of an earlier connection means that the
   * server will send the message again on the new one. */
  if (qos == 0 || conn == NULL || !conn->connected || (token >> 18) != conn->generation)
    return;
  if (qos == 1)
    conn_send_ack (conn, BD_MQTT_PUBACK, packet_id);
  else
    {
      g_hash_table_add (self->awaiting_pubrel, GUINT_TO_POINTER (packet_id));
      conn_send_ack (conn, BD_MQTT_PUBREC, packet_id);
    }
}

void
bd_remote_client_set_stream_func (BdRemoteClient     *self,
                                  BdRemoteStreamFunc  func,
                                  gpointer            user_data)
{
  g_return_if_fail (BD_IS_REMOTE_CLIENT (self));

  self->stream_func = func;
  self->stream_data = user_data;
}

gint64
bd_remote_client_get_rtt_us (BdRemoteClient *self)
{
  g_return_val_if_fail (BD_IS_REMOTE_CLIENT (self), -1);
  return self->rtt_us;
}

/* ------------------------------------------------------------------------
 * The server's capabilities, for the bridge dialog's test.
 */

gboolean
bd_remote_client_get_server_info (BdRemoteClient     *self,
                                  BdRemoteServerInfo *info)
{
  g_return_val_if_fail (BD_IS_REMOTE_CLIENT (self), FALSE);
  g_return_val_if_fail (info != NULL, FALSE);

  if (!self->have_server_info)
    return FALSE;
  *info = self->server_info;
  return TRUE;
}
