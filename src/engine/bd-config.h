/* bd-config.h — broker configuration, read from mosquitto.conf syntax
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Defaults are Mosquitto 2.0's wherever the standard leaves a choice, so an
 * existing mosquitto.conf behaves the same here. A line that is not understood
 * or cannot be accepted is an error "FILE:LINE: what is wrong" (BD_CONFIG_ERROR).
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define BD_CONFIG_ERROR (bd_config_error_quark ())
GQuark bd_config_error_quark (void);

typedef enum
{
  BD_CONFIG_ERROR_PARSE,    /* unknown directive, bad value, wrong argument count */
  BD_CONFIG_ERROR_IO,       /* cannot read the file (or an included one) */
} BdConfigError;

typedef enum
{
  BD_LISTENER_MQTT,
  BD_LISTENER_WEBSOCKETS,
} BdListenerProtocol;

/* The TLS options with a text value, in BdListenerConfig.tls[]. */
typedef enum
{
  BD_TLS_CAFILE,
  BD_TLS_CAPATH,
  BD_TLS_CERTFILE,
  BD_TLS_KEYFILE,
  BD_TLS_CRLFILE,
  BD_TLS_VERSION,        /* the lowest version allowed: tlsv1.1, tlsv1.2, tlsv1.3 */
  BD_TLS_CIPHERS,        /* TLS 1.2 and older, OpenSSL's cipher list syntax */
  BD_TLS_CIPHERS_TLS13,  /* TLS 1.3 cipher suites */
  BD_TLS_DHPARAMFILE,    /* Diffie-Hellman parameters for TLS 1.2's DHE cipher suites */
  BD_TLS_PSK_HINT,       /* TLS-PSK: the hint sent to clients; it makes a PSK listener */
  BD_TLS_N_OPTIONS
} BdTlsOption;

typedef enum
{
  BD_SOCKET_DOMAIN_ANY,                /* IPv4 and IPv6, as available */
  BD_SOCKET_DOMAIN_IPV4,
  BD_SOCKET_DOMAIN_IPV6,
} BdSocketDomain;

typedef struct
{
  guint16             port;            /* 0 = any free port (tests) */
  char               *bind_address;    /* NULL = every interface */
  /* 'listener 0 /PATH': a Unix domain socket at PATH (absolute) instead of
   * a TCP port; port, bind_address and bind_interface are then unused. */
  char               *unix_path;
  /* 'bind_interface NAME': only that network interface's addresses.
   * bd_broker_config_finish() gives such a listener, when it has no
   * bind_address, the interface's IPv4 address and adds a copy of it for
   * the IPv6 one (as many sockets as Mosquitto opens); the engine checks a
   * bind_address against the interface. */
  char               *bind_interface;
  char               *bind_interface_where; /* "FILE:LINE", for errors */
  /* 'mount_point PREFIX': the topics of this listener's clients live under
   * PREFIX (added going in, taken off going out); NULL = none. */
  char               *mount_point;
  BdListenerProtocol  protocol;
  guint               max_connections; /* 0 = unlimited (mosquitto: -1) */
  BdSocketDomain      socket_domain;   /* BD_SOCKET_DOMAIN_ANY */
  guint8              max_qos;         /* 2: highest QoS clients may use here */
  /* TLS, as Mosquitto 2.0's per-listener options: certfile and keyfile
   * make it a TLS listener. The paths and texts are as written; the engine
   * reads the files when it starts, and tls_where says where each option
   * was ("FILE:LINE"), for its errors. */
  char               *tls[BD_TLS_N_OPTIONS];
  char               *tls_where[BD_TLS_N_OPTIONS];
  gboolean            require_certificate;
  gboolean            use_identity_as_username;  /* user name = certificate's CN */
  gboolean            use_subject_as_username;   /* user name = certificate's subject */
  gboolean            use_username_as_clientid;  /* client id = user name */
  /* WebSockets */
  GPtrArray          *websockets_origins;        /* of char*; empty = any Origin */
  guint               websockets_headers_size;   /* 0 = 4096 bytes of upgrade request */
  /* Security settings of this listener. With per_listener_settings they come
   * from the directives inside the listener's block; otherwise
   * bd_broker_config_finish() copies the global ones here, so after finish()
   * these are always the effective values for clients of this listener. */
  char               *password_file;
  char               *acl_file;
  char               *psk_file;        /* TLS-PSK keys, IDENTITY:HEXKEY a line */
  gboolean            allow_anonymous;
  gboolean            allow_anonymous_set;
  gboolean            allow_zero_length_clientid; /* TRUE */
  char               *auto_id_prefix;  /* "auto-" after finish() */
  /* where the directive was, for error messages */
  char               *source_file;
  guint               source_line;
} BdListenerConfig;

/* Brokerdesk's own directives for the history recorder (not in Mosquitto):
 *   history_enabled true|false        (default true)
 *   history_record FILTER             (repeatable; none given = "#", i.e. all but $SYS)
 *   history_exclude FILTER            (repeatable)
 *   history_retention FILTER AGE      (AGE: 90s, 30m, 12h, 30d, 8w; per filter)
 *   history_max_size SIZE             (SIZE: 500M, 2G; whole database; 0 = unlimited)
 *   history_json_path FILTER PATH     (PATH: a.b.c or $.a.b[0].c; repeatable)
 */
typedef struct
{
  char   *filter;
  gint64  max_age_s;   /* 0 = keep forever */
} BdHistoryRetention;

typedef struct
{
  char *filter;
  char *path;
} BdHistoryJsonPath;

typedef struct
{
  gboolean   enabled;                 /* TRUE */
  GPtrArray *record;                  /* of char* filters; empty = all but $SYS */
  GPtrArray *exclude;                 /* of char* filters */
  GPtrArray *retention;               /* of BdHistoryRetention* */
  GPtrArray *json_paths;              /* of BdHistoryJsonPath* */
  guint64    max_size_bytes;          /* 0 = unlimited */
} BdHistoryConfig;

/* A bridge: Mosquitto 2.0's 'connection NAME' block. The lines after a
 * 'connection' line (up to the next one, or the end of that file) configure
 * it; see bd-bridge-config.c for the syntax and the checks. */
typedef enum
{
  BD_BRIDGE_OUT  = 1 << 0,            /* local -> remote (the default) */
  BD_BRIDGE_IN   = 1 << 1,            /* remote -> local */
  BD_BRIDGE_BOTH = BD_BRIDGE_OUT | BD_BRIDGE_IN,
} BdBridgeDirection;

typedef enum
{
  BD_BRIDGE_START_AUTOMATIC,          /* at start-up, and again after every loss */
  BD_BRIDGE_START_LAZY,               /* when `threshold` messages wait; down after `idle_timeout` */
  BD_BRIDGE_START_ONCE,               /* at start-up; not again once the link is lost */
} BdBridgeStartType;

/* 'topic PATTERN [in|out|both [QOS [LOCAL-PREFIX REMOTE-PREFIX]]]' */
typedef struct
{
  char              *pattern;         /* as written; "" only with both prefixes */
  BdBridgeDirection  direction;       /* BD_BRIDGE_OUT */
  guint8             qos;             /* 0 */
  char              *local_prefix;    /* NULL: none */
  char              *remote_prefix;   /* NULL: none */
  /* Derived: the filter (or, with an empty pattern, the topic) on each side,
   * local_prefix + pattern and remote_prefix + pattern, as Mosquitto does. */
  char              *local_topic;
  char              *remote_topic;
} BdBridgeTopic;

typedef struct
{
  char    *host;
  guint16  port;                      /* 1883 when not written */
} BdBridgeAddress;

typedef struct
{
  char              *name;            /* 'connection NAME' */
  GPtrArray         *addresses;       /* of BdBridgeAddress*, in the order written */
  gboolean           round_robin;     /* FALSE: always try the first address first */
  GPtrArray         *topics;          /* of BdBridgeTopic* */
  char              *remote_clientid; /* NULL: "HOSTNAME.NAME", as Mosquitto */
  char              *remote_username;
  char              *remote_password; /* never logged */
  char              *local_clientid;  /* NULL: "local." + the remote client id */
  gboolean           cleansession;    /* FALSE */
  guint8             protocol_version;/* 3 (mqttv31), 4 (mqttv311, default), 5 (mqttv50) */
  gboolean           try_private;     /* TRUE */
  gboolean           notifications;   /* TRUE */
  gboolean           notifications_local_only; /* FALSE: the state goes upstream too */
  gboolean           attempt_unsubscribe; /* TRUE: outgoing-only topics unsubscribed at connect */
  char              *notification_topic; /* NULL: $SYS/broker/connection/REMOTE_CLIENTID/state */
  guint16            keepalive_interval; /* 60 s */
  guint              restart_timeout_base; /* 5 s; with cap 0 a constant delay */
  guint              restart_timeout_cap;  /* 30 s; 0 after 'restart_timeout N' */
  BdBridgeStartType  start_type;      /* automatic */
  guint              idle_timeout;    /* 60 s (lazy only): down after so long with nothing to send */
  guint              threshold;       /* 10 messages (lazy only): queued ones that start it */
  char              *cafile;          /* TLS to the upstream */
  char              *capath;          /* a directory of PEM CAs, trusted with cafile */
  char              *certfile;        /* with keyfile: a client certificate */
  char              *keyfile;
  gboolean           insecure;        /* FALSE: the host name is checked */
  char              *bind_address;    /* the local IP address to connect from; NULL: any */
  char              *alpn;            /* NULL: none */
  guint32            max_packet_size; /* 0: the protocol's maximum */
  gboolean           outgoing_retain; /* TRUE: forward the retain flag */
  /* Brokerdesk's own: MQTT over WebSocket to the upstream (wss with TLS). */
  gboolean           websockets;      /* 'bridge_transport websockets'; FALSE: tcp */
  char              *websocket_path;  /* NULL: /mqtt */
  /* Brokerdesk's own: the bound of the durable outbound queue (the bridge's
   * local session); the oldest message is dropped when it is full. 0: the
   * broker's max_queued_messages. */
  guint              queue_max_messages;
  /* the 'connection' line, for error messages */
  char              *source_file;
  guint              source_line;
} BdBridgeConfig;

BdBridgeConfig *bd_bridge_config_new   (const char           *name);
BdBridgeConfig *bd_bridge_config_copy  (const BdBridgeConfig *bridge);
void            bd_bridge_config_free  (BdBridgeConfig       *bridge);
/* The bridge as configuration lines ("connection NAME\n..."), only the
 * lines that differ from the defaults; parsing them gives the same bridge.
 * The GUI's bridge dialog writes these lines. */
char           *bd_bridge_config_to_text (const BdBridgeConfig *bridge);
/* The notification topic in use (the configured one or Mosquitto's default). */
char           *bd_bridge_config_dup_notification_topic (const BdBridgeConfig *bridge);
/* The client ids in use, with Mosquitto's defaults filled in. */
char           *bd_bridge_config_dup_remote_clientid    (const BdBridgeConfig *bridge);
char           *bd_bridge_config_dup_local_clientid     (const BdBridgeConfig *bridge);
/* Whether @name ("topic", "address", …) is a bridge directive: the lines a
 * bridge block is made of, for the writers that replace one in a file. */
gboolean        bd_bridge_config_is_directive           (const char           *name);

typedef struct
{
  GPtrArray *listeners;               /* of BdListenerConfig*, in file order */
  gboolean   listeners_from_file;     /* a 'listener' line or a default listener was configured */
  /* The default listener ('port', 'bind_address', and listener options given
   * before any 'listener' line, as in Mosquitto) while the file is read;
   * bd_broker_config_finish() moves it to listeners[0]. NULL afterwards. */
  BdListenerConfig *default_listener;

  gboolean   allow_anonymous;         /* default: TRUE only with no configured listener */
  gboolean   allow_anonymous_set;
  gboolean   allow_zero_length_clientid; /* TRUE */
  char      *auto_id_prefix;          /* "auto-" */
  char      *clientid_prefixes;       /* NULL, or what every client id must start with */
  char      *password_file;
  char      *acl_file;
  char      *psk_file;
  gboolean   per_listener_settings;   /* FALSE */

  guint      max_connections;         /* whole broker (outside a listener block); 0 = unlimited */
  guint32    message_size_limit;      /* 0 = the protocol's maximum */
  guint32    max_packet_size;         /* 0 = the protocol's maximum */
  guint16    max_keepalive;           /* 65535 = no limit ("max_keepalive 0" too) */
  guint16    max_inflight_messages;   /* 20; 0 = unlimited; the Receive Maximum told to MQTT 5 clients */
  guint16    max_topic_alias;         /* 10: Topic Alias Maximum told to MQTT 5 clients */
  guint64    max_inflight_bytes;      /* 0 = unlimited; payload bytes in flight per client */
  guint      max_queued_messages;     /* 1000; 0 = unlimited */
  guint64    max_queued_bytes;        /* 0 = unlimited; payload bytes queued per client */
  guint64    memory_limit;            /* 0 = no limit; heap bytes, checked per engine turn */
  gboolean   queue_qos0_messages;     /* FALSE */
  gboolean   retain_available;        /* TRUE */
  guint      sys_interval;            /* 10 s; 0 disables $SYS */
  gboolean   upgrade_outgoing_qos;    /* FALSE */
  gboolean   check_retain_source;     /* TRUE: recheck a retained message's publisher on delivery */
  gboolean   set_tcp_nodelay;         /* FALSE */

  gboolean   persistence;             /* FALSE */
  char      *persistence_location;    /* directory; NULL = the data dir */
  char      *persistence_file;        /* "mosquitto.db" */
  gboolean   persistence_snapshot;    /* persistence_mode snapshot: no log, no waiting for the disk */
  guint      autosave_interval;       /* 1800 s; with autosave_on_changes, a number of changes */
  gboolean   autosave_on_changes;     /* FALSE: save every autosave_interval changes, not seconds */

  gint64     persistent_client_expiration; /* seconds, 0 = never */
  guint      log_types;               /* bitmask of BD_LOG_TYPE_*, default error|warning|notice|information */
  GPtrArray *log_dest;                /* of char*: "stderr", "stdout", "syslog", "topic",
                                       * "file PATH"; default {"stderr"}; empty after
                                       * "log_dest none" */
  int        log_facility;            /* syslog's: LOG_DAEMON, or LOG_LOCAL0 to 7 ('log_facility 0'…'7') */
  gboolean   log_timestamp;           /* TRUE */
  char      *log_timestamp_format;    /* strftime format; NULL = ISO 8601 local time */
  gboolean   connection_messages;     /* stored; TRUE */
  char      *pid_file;                /* written at start, removed at stop; NULL */

  BdHistoryConfig history;
  GPtrArray *bridges;                 /* of BdBridgeConfig*, in file order */
} BdBrokerConfig;

typedef enum
{
  BD_LOG_TYPE_DEBUG       = 1 << 0,
  BD_LOG_TYPE_ERROR       = 1 << 1,
  BD_LOG_TYPE_WARNING     = 1 << 2,
  BD_LOG_TYPE_NOTICE      = 1 << 3,
  BD_LOG_TYPE_INFORMATION = 1 << 4,
  BD_LOG_TYPE_SUBSCRIBE   = 1 << 5,
  BD_LOG_TYPE_UNSUBSCRIBE = 1 << 6,
  BD_LOG_TYPE_WEBSOCKETS  = 1 << 7,
  BD_LOG_TYPE_ALL         = 0xff,
} BdLogType;

/* A structured log field naming a log type other than the level's
 * ("subscribe", "unsubscribe"): the log writer filters on it (log_type). */
#define BD_LOG_TYPE_FIELD "BROKERDESK_LOG_TYPE"

BdBrokerConfig   *bd_broker_config_new     (void);
void              bd_broker_config_free    (BdBrokerConfig   *config);
BdListenerConfig *bd_listener_config_new   (guint16           port,
                                            const char       *bind_address);
void              bd_listener_config_free  (BdListenerConfig *listener);

/* Reads @path into @config (later lines override earlier ones, include_dir is
 * followed). Fails with "PATH:LINE: message". */
gboolean bd_broker_config_load  (BdBrokerConfig  *config,
                                 const char      *path,
                                 GError         **error);
/* Same, from a string; @name is used in messages in place of the path. */
gboolean bd_broker_config_parse (BdBrokerConfig  *config,
                                 const char      *name,
                                 const char      *text,
                                 GError         **error);

/* After loading: adds the default listener (127.0.0.1:1883) when the file
 * configured none, and settles allow_anonymous as Mosquitto 2.0 does. */
void     bd_broker_config_finish (BdBrokerConfig *config);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BdBrokerConfig, bd_broker_config_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BdListenerConfig, bd_listener_config_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BdBridgeConfig, bd_bridge_config_free)

G_END_DECLS
