/* bd-remote-client.h — an MQTT client that feeds taps from a remote broker
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * BdRemoteClient connects to another broker (MQTT 3.1.1 or 5, plain TCP or
 * TLS, either of them under WebSocket), subscribes to one topic filter and hands every PUBLISH it receives to
 * its taps, with the same BdTapFunc signature as the embedded engine's taps
 * (bd-engine.h), so the console does not care where messages come from.
 *
 * Threads: the client belongs to the thread-default main context of the thread
 * that created it. All I/O is asynchronous on that context, taps run there,
 * and every function must be called from that thread. In the GUI that is the
 * main thread: taps should only queue the message (the topic outbox does).
 *
 * Once started, the client keeps reconnecting with exponential backoff until
 * stopped, except after errors that retrying cannot fix (refused credentials,
 * an untrusted certificate, unreadable certificate files), which leave it in
 * BD_REMOTE_STATE_FAILED until bd_remote_client_start() is called again.
 */

#pragma once

#include <gio/gio.h>

#include "bd-engine.h"
#include "bd-message.h"

G_BEGIN_DECLS

#define BD_REMOTE_ERROR (bd_remote_error_quark ())
GQuark bd_remote_error_quark (void);

typedef enum
{
  BD_REMOTE_ERROR_REFUSED,      /* the broker's CONNACK or DISCONNECT refused us */
  BD_REMOTE_ERROR_PROTOCOL,     /* the broker broke the protocol */
  BD_REMOTE_ERROR_TLS,          /* certificates: files, trust, identity */
  BD_REMOTE_ERROR_TIMED_OUT,    /* connecting or PINGRESP took too long */
  BD_REMOTE_ERROR_CLOSED,       /* the broker closed the connection */
} BdRemoteError;

typedef enum
{
  BD_REMOTE_STATE_DISCONNECTED,
  BD_REMOTE_STATE_CONNECTING,
  BD_REMOTE_STATE_CONNECTED,
  BD_REMOTE_STATE_WAITING,      /* to reconnect, see the "retry-seconds" property */
  BD_REMOTE_STATE_FAILED,       /* gave up, see the "error-message" property */
} BdRemoteState;

#define BD_TYPE_REMOTE_STATE (bd_remote_state_get_type ())
GType bd_remote_state_get_type (void);

/* What to connect to. A plain struct so that profiles and tests can fill it
 * in; the client keeps its own copy. */
typedef struct
{
  char         *host;
  guint16       port;             /* 0: 1883, or 8883 with TLS; over WebSocket 80, or 443 */
  gboolean      use_tls;
  char         *ca_file;          /* PEM; NULL: the system's trusted CAs */
  char         *ca_path;          /* a directory of PEM CAs, trusted with ca_file; NULL: none */
  char         *bind_address;     /* the local IP address to connect from; NULL: any */
  char         *cert_file;        /* PEM client certificate, or NULL */
  char         *key_file;         /* its private key; NULL: in cert_file */
  char         *username;         /* NULL: none */
  char         *password;         /* NULL: none */
  char         *client_id;        /* NULL or "": generated once per client */
  BdMqttVersion version;          /* BD_MQTT_V311 or BD_MQTT_V5 */
  gboolean      clean_session;
  guint16       keep_alive;       /* seconds; 0: 60 */
  char         *filter;           /* subscription; NULL: "#" */
  guint         backoff_min_ms;   /* 0: 1000 */
  guint         backoff_max_ms;   /* 0: 60000 */
  /* For bridges (BD_MQTT_V31 is also accepted as @version: "MQIsdp"). */
  gboolean      try_private;      /* protocol level | 0x80: "I am a bridge" (Mosquitto's) */
  gboolean      insecure;         /* TLS: do not check the certificate against the host name */
  char         *alpn;             /* TLS: the ALPN protocol to offer, or NULL */
  char         *will_topic;       /* a retained QoS 1 will, or NULL */
  char         *will_payload;
  guint16       receive_maximum;  /* MQTT 5: told to the server; 0: not sent (65535) */
  gboolean      use_websockets;   /* MQTT over WebSocket (ws, or wss with TLS) */
  char         *websocket_path;   /* its HTTP path; NULL: "/mqtt" */
} BdRemoteConfig;

/* Instead of resolving @host, the client can take a ready stream (the
 * bridge's internal connection to the engine): called for each attempt on
 * the client's thread. */
typedef GIOStream *(*BdRemoteStreamFunc) (gpointer   user_data,
                                          GError   **error);

/* A message handed to a message func (bd_remote_client_set_message_func ())
 * is acknowledged only when bd_remote_client_ack () is called with @token. */
typedef void (*BdRemoteMessageFunc) (BdMessage *message,
                                     guint32    token,
                                     gpointer   user_data);

/* @delivered: the broker acknowledged the message (PUBACK, PUBCOMP; at
 * once for QoS 0 once written); FALSE when it was dropped unacknowledged
 * (bd_remote_client_drop_outgoing (), the client's end). */
typedef void (*BdRemotePublishFunc) (BdMessage *message,
                                     gboolean   delivered,
                                     gpointer   user_data);

BdRemoteConfig *bd_remote_config_new  (void);
BdRemoteConfig *bd_remote_config_copy (const BdRemoteConfig *config);
void            bd_remote_config_free (BdRemoteConfig       *config);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BdRemoteConfig, bd_remote_config_free)

#define BD_TYPE_REMOTE_CLIENT (bd_remote_client_get_type ())
G_DECLARE_FINAL_TYPE (BdRemoteClient, bd_remote_client, BD, REMOTE_CLIENT, GObject)

BdRemoteClient       *bd_remote_client_new               (const BdRemoteConfig *config);
const BdRemoteConfig *bd_remote_client_get_config        (BdRemoteClient *self);

/* Connects (again), resetting the backoff. Does nothing while connecting or
 * connected. */
void                  bd_remote_client_start             (BdRemoteClient *self);
/* Sends DISCONNECT when connected, closes, stops reconnecting. */
void                  bd_remote_client_stop              (BdRemoteClient *self);

BdRemoteState         bd_remote_client_get_state         (BdRemoteClient *self);
/* The last error, "host:port: reason", or NULL; kept while WAITING so the
 * GUI can say why it is waiting. */
const char           *bd_remote_client_get_error_message (BdRemoteClient *self);
/* Seconds left before the next attempt while WAITING (notified each second). */
guint                 bd_remote_client_get_retry_seconds (BdRemoteClient *self);
/* The client id in use (generated when the config had none). */
const char           *bd_remote_client_get_client_id     (BdRemoteClient *self);

/* Same contract as bd_engine_add_tap(), except that @func runs on the
 * client's main context. Returns an id > 0. */
guint                 bd_remote_client_add_tap           (BdRemoteClient *self,
                                                          const char     *filter,
                                                          BdTapFunc       func,
                                                          gpointer        user_data,
                                                          GDestroyNotify  notify);
void                  bd_remote_client_remove_tap        (BdRemoteClient *self,
                                                          guint           tap_id);

/* Publishes @message (takes a reference) to the remote broker. QoS 1 and 2
 * messages are kept until acknowledged and sent again after a reconnection;
 * while not connected, QoS 0 messages are dropped and FALSE is returned. */
gboolean              bd_remote_client_publish           (BdRemoteClient *self,
                                                          BdMessage      *message);
/* Same, and @func runs (on the client's thread) once the broker has
 * acknowledged the message, or it was dropped. Never runs inside this call. */
gboolean              bd_remote_client_publish_full      (BdRemoteClient      *self,
                                                          BdMessage           *message,
                                                          BdRemotePublishFunc  func,
                                                          gpointer             user_data);
/* Forgets every unacknowledged outgoing message, each func told FALSE:
 * for a bridge whose local session sends them again. */
void                  bd_remote_client_drop_outgoing     (BdRemoteClient *self);
guint                 bd_remote_client_get_n_outgoing    (BdRemoteClient *self);

/* Subscriptions made after each CONNACK, in place of config->filter; with
 * bd_remote_client_set_subscriptions (self, NULL, 0) none is made and the
 * client is CONNECTED at the CONNACK. Call before start. */
void                  bd_remote_client_set_subscriptions (BdRemoteClient           *self,
                                                          const BdMqttSubscription *subscriptions,
                                                          guint                     n_subscriptions);
/* Filters unsubscribed from after each CONNACK, before the subscriptions:
 * those a kept session on the server may still hold from an earlier
 * configuration (a bridge's outgoing topics). NULL or empty: none. Call
 * before start. */
void                  bd_remote_client_set_unsubscriptions (BdRemoteClient     *self,
                                                            const char * const *filters);
/* Every PUBLISH received goes to @func (in addition to the taps), and
 * QoS 1 and 2 ones are acknowledged (PUBACK, PUBREC) only by
 * bd_remote_client_ack (). Tokens of a lost connection are ignored. */
void                  bd_remote_client_set_message_func  (BdRemoteClient      *self,
                                                          BdRemoteMessageFunc  func,
                                                          gpointer             user_data);
void                  bd_remote_client_ack               (BdRemoteClient *self,
                                                          guint32         token);
/* See BdRemoteStreamFunc. Call before start. */
void                  bd_remote_client_set_stream_func   (BdRemoteClient     *self,
                                                          BdRemoteStreamFunc  func,
                                                          gpointer            user_data);
/* The last PINGREQ's round trip in microseconds, -1 before the first. */
gint64                bd_remote_client_get_rtt_us        (BdRemoteClient *self);

/* ------------------------------------------------------------------------
 * What the server said it supports, for the bridge dialog's "Test
 * Connection": read from the last accepted CONNACK. An MQTT 3.1.1 or 3.1
 * server says nothing, so it gets that protocol's limits.
 */
typedef struct
{
  BdMqttVersion version;              /* the protocol the CONNACK answered */
  guint8        maximum_qos;          /* 0-2; 2 unless a v5 server said less */
  gboolean      retain_available;     /* TRUE unless a v5 server said 0 */
  guint32       maximum_packet_size;  /* 0: no limit given */
  guint16       receive_maximum;      /* 0: not given (65535) */
  gboolean      wildcard_subscriptions;
  gboolean      shared_subscriptions;
} BdRemoteServerInfo;

/* FALSE until a CONNACK was accepted; then fills @info with the server's
 * answer (kept after the connection ends). */
gboolean              bd_remote_client_get_server_info   (BdRemoteClient     *self,
                                                          BdRemoteServerInfo *info);

G_END_DECLS
