/* bd-engine-private.h — the broker's internal model, shared by the engine's files
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Everything here belongs to the engine thread: no locks, except around the
 * stats snapshot that other threads read.
 *
 * Model
 * -----
 * A BdConnection is one TCP socket: its buffers, its keep-alive deadline and
 * the protocol version it negotiated. A BdSession is the MQTT session of one
 * client identifier (section 4.1): subscriptions, the outgoing in-flight window,
 * the queue of messages waiting for it, and the packet identifiers of incoming
 * QoS 2 messages not yet released. A session outlives its connection when the
 * client asked for a persistent one (Clean Session 0), so the two are separate
 * structs, linked both ways while connected.
 *
 * The network loop is one epoll instance inside one GSource of the engine's
 * GMainContext, so the cost of a loop turn follows the number of active sockets,
 * not of connected ones (5,000 idle clients must cost nothing). Sockets are
 * level-triggered: each readable socket gets one read per turn, which keeps a
 * flood from one publisher from starving the others. Outgoing bytes are appended
 * to each connection's buffer and written once at the end of the turn, so a
 * burst of messages to one subscriber leaves in one write().
 */

#pragma once

#include <gio/gio.h>

#include "bd-auth.h"
#include "bd-engine.h"
#include "bd-topic-tree.h"
#include "bd-trie.h"

G_BEGIN_DECLS

typedef struct _BdConnection BdConnection;
typedef struct _BdSession    BdSession;
typedef struct _BdListener   BdListener;
typedef struct _BdLinger     BdLinger;
typedef struct _BdStateSnapshot BdStateSnapshot;
typedef struct _BdShareGroup BdShareGroup;
typedef struct _BdStore      BdStore;
typedef struct _BdStoreWait  BdStoreWait;
typedef struct _BdTransport  BdTransport;
typedef struct _BdTlsContext BdTlsContext;
typedef struct _BdHandshaker BdHandshaker;

/* Time allowed for a transport's handshake (TLS, the WebSocket upgrade):
 * a client that starts one and goes quiet holds a socket and memory. */
#define BD_HANDSHAKE_TIMEOUT_US (10 * G_USEC_PER_SEC)

/* How one message goes to one session: what routing decided for it. */
typedef struct
{
  guint8         qos;       /* granted: min (published, subscribed) */
  gboolean       retain;
  const guint32 *sub_ids;   /* MQTT 5 subscription identifiers of the matching subscriptions */
  guint          n_sub_ids;
  BdShareGroup  *group;     /* set when delivered through a shared subscription */
} BdDelivery;

/* A shared subscription "$share/NAME/FILTER" [MQTT 5, 4.8.2]: each message
 * matching FILTER goes to one member, in turn. Ref-counted (g_rc_box), since
 * messages in flight to a member remember their group, so they can go to
 * another member if that member's session ends first. */
struct _BdShareGroup
{
  char      *key;       /* the whole "$share/NAME/FILTER" */
  const char *filter;   /* inside key */
  GPtrArray *members;   /* BdSession* */
  guint      next;      /* round robin */
  gboolean   dead;      /* no members left; removed from the engine */
};

/* First member of everything registered with epoll, so the event's pointer
 * tells what it points to. */
typedef enum
{
  BD_POLL_LISTENER = 1,
  BD_POLL_CONNECTION,
  BD_POLL_LINGER,
  BD_POLL_HANDSHAKER,
} BdPollKind;

/* What carries a connection's bytes (bd-transport.c): plain TCP, TLS, a
 * WebSocket. read and write return what recv() and send() would: a byte
 * count, 0 at the end of the stream, or -1 with errno (EAGAIN: not now;
 * EPROTO: the transport's own error, in @error). A small vtable, so that a
 * plain socket costs one indirect call. */
typedef struct
{
  const char *name;      /* for logs and $SYS: "mqtt", "mqtt+tls", ... */
  gssize (*read)     (BdTransport  *transport,
                      guint8       *buf,
                      gsize         len);
  gssize (*write)    (BdTransport  *transport,
                      const guint8 *buf,
                      gsize         len);
  /* No more output: the TLS close_notify, then the socket's SHUT_WR. */
  void   (*shutdown) (BdTransport  *transport);
  /* Frees the transport (not the socket: _bd_transport_close() closes it). */
  void   (*free)     (BdTransport  *transport);
} BdTransportClass;

struct _BdTransport
{
  const BdTransportClass *klass;
  int      fd;
  /* The epoll event a read or write that returned EAGAIN waits for:
   * EPOLLIN and EPOLLOUT, except while TLS must write to read on (a
   * handshake) or read to write on. */
  guint32  read_waits;
  guint32  write_waits;
  gboolean handshaking;  /* the transport's own handshake is not over yet */
  gboolean has_output;   /* bytes of its own to write (a WebSocket pong):
                          * write (NULL, 0) sends them */
  char    *error;        /* why the last call failed with EPROTO */
};

typedef enum
{
  BD_CONN_WAIT_CONNECT,  /* accepted, no CONNECT yet [MQTT-3.1.0-1] */
  BD_CONN_CONNECTED,     /* CONNACK sent with success */
  BD_CONN_CLOSED,        /* over; its socket closed or handed to a BdLinger */
} BdConnState;

typedef enum
{
  BD_OUT_WAIT_PUBACK,    /* QoS 1 sent */
  BD_OUT_WAIT_PUBREC,    /* QoS 2 sent */
  BD_OUT_WAIT_PUBCOMP,   /* QoS 2, PUBREL sent */
} BdOutState;

/* Where a record is while the writer has not taken it yet: the engine's
 * submit (turn) that handed it over, and its place in that turn's bytes. */
typedef struct
{
  guint64 turn;
  guint32 offset;
  guint32 len;
} BdStoreLoc;

/* One outgoing QoS 1/2 message in a session's in-flight window. */
typedef struct
{
  GList         link;       /* in session->inflight_order; data = self */
  BdMessage    *message;
  guint16       packet_id;
  guint8        qos;
  guint8        retain : 1; /* the RETAIN flag it was sent with */
  /* Sent from the queue while its MSG_ADD was provisional: its MSG_SENT
   * record is too, at sent_loc, taken back with it (see bd-store.c). */
  guint8        sent_soft : 1;
  /* Past PUBREC: a PUBREL_ADD record says the PUBREL is due; a provisional
   * one (its message's record was taken back) is at loc. */
  guint8        pubrel_stored : 1;
  guint8        pubrel_soft : 1;
  BdOutState    state;
  guint32       bytes;      /* payload size, counted against max_inflight_bytes */
  guint32      *sub_ids;    /* re-sent with the message */
  guint         n_sub_ids;
  BdShareGroup *group;      /* ref, or NULL */
  guint64       store_id;   /* its MSG_ADD record in the store, 0 for none */
  /* Routed to a connected client, its MSG_ADD is provisional: the
   * publisher whose acknowledgement waits for it (see bd-store.c) may go on
   * once the client acknowledges, and the record is then taken back if the
   * writer has not taken it yet. */
  BdStoreWait  *wait;       /* ref, or NULL */
  BdStoreLoc    loc;
  BdStoreLoc    sent_loc;
  gint64        sent_us;    /* monotonic: its acknowledgement's latency counts from here */
} BdOutgoing;

/* One message waiting for room in the window (or for the client to come back). */
typedef struct
{
  BdMessage    *message;
  guint8        qos;        /* granted: min (published, subscribed) */
  guint8        retain : 1;
  guint8        restored : 1; /* from the store: it may have been sent before */
  guint32      *sub_ids;
  guint         n_sub_ids;
  BdShareGroup *group;      /* ref, or NULL */
  guint64       store_id;   /* its MSG_ADD record in the store, 0 for none */
  BdStoreWait  *wait;       /* as in BdOutgoing, moved there when it is sent */
  BdStoreLoc    loc;
} BdQueued;

typedef struct
{
  char    *filter;       /* as subscribed (a "$share/g/" prefix kept) */
  guint8   qos;
  guint8   no_local : 1;
  guint8   retain_as_published : 1;
  guint8   retain_handling;
  guint32  subscription_id;    /* 0 = none */
  BdShareGroup *group;         /* for "$share/..." filters: a ref */
} BdSubscription;

struct _BdSession
{
  BdEngine     *engine;
  char         *client_id;
  BdConnection *conn;            /* NULL while the client is away */
  gboolean      clean;           /* ends with the connection (expiry_interval 0) */
  gboolean      stored;          /* in the store: its changes are recorded */
  guint32       expiry_interval; /* seconds after the connection ends; G_MAXUINT32 never */
  BdMessage    *pending_will;    /* MQTT 5 will waiting for its delay [MQTT-3.1.3-9] */
  gint64        will_at_us;      /* monotonic */
  BdMqttVersion version;         /* of the last connection */
  char         *username;
  BdAuth       *auth;            /* of the listener it last connected on (borrowed) */

  /* The three tables are made on first use: an idle client (most of the
   * 5,000 a gateway may hold open) needs none of them. */
  GHashTable   *subscriptions;   /* filter -> BdSubscription* (also in engine->subs trie) */

  GHashTable   *outgoing;        /* packet id -> BdOutgoing* */
  GQueue        inflight_order;  /* of BdOutgoing, oldest first (re-sent in order [MQTT-4.6.0-1]) */
  GQueue        queue;           /* of BdQueued* */
  guint64       inflight_bytes;  /* payload bytes in the window (max_inflight_bytes) */
  guint64       queued_bytes;    /* payload bytes in the queue (max_queued_bytes) */
  guint16       next_packet_id;

  GHashTable   *incoming_qos2;   /* packet ids with PUBREC sent, PUBREL not yet received */
  /* The share of its client's acknowledgements of QoS 1/2 messages that
   * came late (a moving average in thousandths, 0 before the first):
   * whether its records are provisional (bd-store.c). */
  gint64        late_acks;

  gint64        disconnected_at; /* monotonic, for persistent_client_expiration */

  /* dedup of overlapping subscriptions while routing one message */
  guint64       route_gen;
  guint8        route_qos;
  guint8        route_retain_as_published : 1;
  /* Most of its acknowledgements came late: its QoS 1 messages' records
   * are not provisional (bd-store.c). */
  guint8        slow_acks : 1;
  GArray       *route_sub_ids;   /* guint32, lazily */

  /* flow control: publishers paused because this session's queue is long */
  gboolean      slow;            /* a pause timed out: stop pausing for it until it drains */
};

struct _BdConnection
{
  BdPollKind    kind;
  BdEngine     *engine;
  BdListener   *listener;
  int           fd;              /* transport->fd, for epoll */
  BdTransport  *transport;       /* &tcp, or TLS or WebSocket on the heap */
  BdTransport   tcp;             /* plain TCP, embedded (no allocation of its own) */
  guint32       events;          /* epoll interest now */
  char         *peer;            /* "127.0.0.1:50000" for logs */
  BdConnState   state;
  BdMqttVersion version;
  BdSession    *session;
  guint16       keep_alive;      /* seconds, 0 = none */
  gint64        last_packet_us;  /* monotonic */
  gint64        accepted_us;

  GByteArray   *rbuf;            /* a partial packet carried over; NULL when empty */
  GByteArray   *wbuf;            /* bytes not written yet; NULL when empty */
  gsize         wbuf_sent;       /* bytes of wbuf already written */
  /* Flags in one word: an idle client's connection is most of its memory. */
  guint         want_write : 1;  /* EPOLLOUT is armed */
  guint         dirty : 1;       /* in engine->dirty: wbuf needs a write this turn */
  guint         clean_disconnect : 1; /* DISCONNECT received: no will [MQTT-3.1.2-10] */
  guint         resumed : 1;     /* in engine->resumed: process rbuf at the end of the turn */
  guint         held : 1;        /* in engine->held (bd-store.c) */
  guint         is_bridge : 1;   /* CONNECT's level had Mosquitto's bridge bit */
  guint         away : 1;        /* its TLS handshake is with engine->handshaker */
  BdSession    *paused_for;      /* not reading: this session's queue is too long */
  gint64        paused_at;       /* monotonic */

  /* the will, kept until the connection ends */
  BdMessage    *will;
  guint32       will_delay;      /* MQTT 5 Will Delay Interval, seconds */

  /* MQTT 5: what the client's CONNECT allows us */
  guint16       client_receive_max;  /* 65535 when not given */
  guint32       client_max_packet;   /* 0 = the protocol's maximum */
  guint16       client_alias_max;    /* topic aliases we may send */
  guint16       next_alias_out;
  GHashTable   *alias_out;           /* topic -> alias, lazily */
  char        **alias_in;            /* [alias] = topic, lazily, max_topic_alias + 1 */

  /* Output waits until the store has this record on disk: what the
   * connection's acknowledgements promise must be durable first. */
  guint64       hold_seq;
  gboolean      hold_all;        /* hold_seq covers provisional records too */
  BdStoreWait  *wait;            /* provisional records the held output also waits for */

  GList         link;            /* in engine->connections */
};

/* The socket of a connection the broker ended, after the connection itself
 * is gone (no session, not counted against max_connections). A socket closed
 * with unread input is reset by the kernel, and a client still writing then
 * gets a reset instead of the DISCONNECT or CONNACK that told it why. So what
 * was queued is written, the sending side shut down, and input read and
 * dropped until the client closes too, LINGER_MAX_BYTES have come or
 * LINGER_TIMEOUT_US has passed. */
struct _BdLinger
{
  BdPollKind  kind;
  BdEngine   *engine;
  int         fd;
  BdTransport *transport;        /* &tcp for plain TCP */
  BdTransport tcp;
  GByteArray *wbuf;              /* the last packets, NULL once written */
  gsize       wbuf_sent;
  gsize       discarded;         /* bytes read and dropped */
  gint64      deadline_us;       /* monotonic */
  GList       link;              /* in engine->lingering, oldest first */
};

struct _BdListener
{
  BdPollKind        kind;
  BdEngine         *engine;
  BdListenerConfig *config;
  int               fd;
  guint16           port;        /* as bound */
  char             *address;     /* as bound, for logs */
  char             *socket_path; /* of a Unix socket it made, removed when it closes */
  guint             n_connections;
  BdAuth           *auth;        /* password file / ACL of this listener, NULL for none */
  BdTlsContext     *tls;         /* certificates of a TLS listener, else NULL */
  guint16           index;       /* in engine->listeners; BD_LISTENER_INTERNAL for the internal one */
};

typedef struct
{
  char    *name;       /* the bridge's connection name, for the log */
  guint    max;        /* 0: unbounded */
  guint64  dropped;    /* engine thread */
} BdBridgeQueue;

/* The index of the listener that internal connections (bridges, see
 * bd_engine_connect_internal ()) come through: trusted, without password
 * or ACL, not counted as a listener. */
#define BD_LISTENER_INTERNAL G_MAXUINT16

/* The counters with a $SYS/broker/load figure (bd-sys.c). */
#define BD_SYS_N_LOADS 9

struct _BdEngine
{
  gatomicrefcount  ref_count;
  BdBrokerConfig  *config;
  char            *data_dir;
  GPtrArray       *auths;         /* BdAuth* owned; listeners point into it */
  BdListener      *internal;      /* made with the first internal connection */
  /* The bridges' local sessions: client id -> BdBridgeQueue*, their bound
   * (oldest dropped first), from config->bridges; NULL without bridges. */
  GHashTable      *bridge_queues;

  GThread         *thread;
  GThread         *owner;         /* the engine thread while it runs, else NULL */
  GMainContext    *context;
  GMainLoop       *loop;
  GSource         *epoll_source;
  GSource         *tick_source;
  int              epfd;
  BdHandshaker    *handshaker;    /* TLS handshakes' thread; NULL until the first */
  gboolean         running;
  GMutex           start_lock;
  GCond            start_cond;

  GPtrArray       *listeners;     /* of BdListener*; only the engine thread, once it runs */
  /* What other threads see of the listeners: an immutable array of
   * BdListenerInfo*, replaced whole (under listeners_lock) whenever the
   * engine's listeners change. */
  GPtrArray       *listener_infos;
  GMutex           listeners_lock;
  /* Listener configurations given by bd_engine_apply_listeners_async() and
   * listeners closed at run time: kept until the engine is freed, so that
   * snapshots, connections being freed and sessions may still point at them. */
  GPtrArray       *applied_configs; /* of GPtrArray* of BdListenerConfig* */
  GPtrArray       *retired_listeners; /* of BdListener*, their sockets closed */
  GQueue           connections;   /* of BdConnection (via link) */
  GQueue           lingering;     /* of BdLinger (via link), oldest first */
  GPtrArray       *dirty;         /* BdConnection* with bytes to write this turn */
  GPtrArray       *doomed;        /* BdConnection* to free at the end of the turn */
  GPtrArray       *paused;        /* BdConnection* not read from (flow control) */
  GPtrArray       *resumed;       /* BdConnection* to process buffered input for */
  guint8          *read_buf;      /* one shared read buffer; partial packets are copied out */

  GHashTable      *sessions;      /* client id -> BdSession* */
  BdTrie          *subs;          /* filter x session -> BdSubscription* (borrowed) */
  BdTrie          *shared;        /* inner filter x group -> BdShareGroup* (borrowed) */
  GHashTable      *share_groups;  /* "$share/NAME/FILTER" -> BdShareGroup* (ref) */
  BdTopicTree     *retained;      /* topic -> BdMessage* */
  BdTrie          *taps;          /* filter x tap -> BdTap* (owned) */
  GHashTable      *tap_ids;       /* tap id -> BdTap* (borrowed) */
  guint            next_tap_id;
  GMutex           taps_lock;     /* guards next_tap_id only */

  guint64          route_gen;
  GPtrArray       *route_targets; /* scratch: BdSession* matched by the current message */
  GByteArray      *scratch;       /* scratch encoder buffer */

  guint            auto_id_counter;
  gint64           started_us;    /* monotonic */
  gint64           started_real_us;

  /* counters, engine thread only */
  BdEngineStats    counters;
  guint64          connections_total;
  guint            quarter_ticks;  /* the tick runs every 250 ms */
  /* memory_limit (see _bd_engine_memory_denies ()) */
  gint64           heap_next_read; /* monotonic: when to read the heap again */
  gboolean         heap_over_logged; /* this episode over the limit was logged */
  guint            sys_tick;
  GHashTable      *sys_last;      /* $SYS topic -> last published string */
  /* $SYS/broker/load: the counters at the last update, and their smoothed
   * per-minute rates over 1, 5 and 15 minutes (bd-sys.c) */
  guint64          rate_prev[BD_SYS_N_LOADS];
  double           rate_load[BD_SYS_N_LOADS][3];

  /* persistence (bd-persist.c) */
  guint            autosave_tick;
  guint            autosave_changes; /* since the last save (bd-store.c counts them) */
  GMutex           save_lock;     /* one writer at a time, newest snapshot wins */
  guint64          save_seq;      /* of the last snapshot taken (engine thread) */
  guint64          saved_seq;     /* of the last snapshot written (under save_lock) */
  /* the last snapshot written, for the stats: under stats_lock */
  guint64          saved_size;
  gint64           saved_at_us;   /* wall clock */
  gint64           saved_latency_us;
  gboolean         save_failed;

  /* the durable store (bd-store.c); store is NULL in snapshot mode */
  BdStore         *store;
  GByteArray      *store_buf;     /* records of this turn, handed to the writer at its end */
  GByteArray      *store_soft_buf;/* its provisional records (bd-store.c) */
  gboolean         store_turn_barrier; /* it has a record that must follow all older ones */
  guint64          store_turn_soft_first; /* seq of its first provisional record */
  gint64           store_turn_lazy;    /* monotonic: when its records nothing waits for are due */
  guint64          store_seq;     /* of the last record made */
  guint64          store_hard_seq;/* of the last record that is not provisional */
  guint64          store_turn;    /* submits to the writer so far */
  BdConnection    *store_pkt_conn;/* whose packet is being handled, or NULL */
  guint64          store_pkt_seq; /* store_seq when that packet came */
  guint            store_pkt_soft;/* provisional records it made */
  gint64           store_turn_deadline; /* monotonic: when the writer must take this turn's records */
  guint64          store_durable_seq; /* records up to here on disk, but provisional ones */
  guint64          store_all_durable_seq; /* records up to here on disk or taken back */
  guint64          store_next_id; /* for queued messages */
  guint64          store_base_seq;/* what the snapshot read at start-up covers */
  guint64          store_restore_id; /* while restoring: the id of the message delivered */
  gboolean         store_full;    /* the last write failed: QoS 1/2 refused */
  gboolean         store_migrate; /* the state came from the old format */
  GPtrArray       *held;          /* BdConnection* whose output waits for the disk */

  GMutex           stats_lock;
  BdEngineStats    stats;         /* snapshot for other threads */
};

/* The engine's internal entry points (packet dispatch, accept, routing,
 * delivery, the sources and the calls from other threads) run on the engine
 * thread while it runs. Before bd_engine_start() starts the thread and after
 * bd_engine_stop() has joined it, the calling thread has the engine to itself
 * (loading the saved state, the $SYS version, tests driving internals), so
 * there is nothing to check then. Compiled out with G_DISABLE_ASSERT, as in
 * release builds. */
#define BD_ENGINE_ASSERT_THREAD(engine) \
  g_assert ((engine)->owner == NULL || (engine)->owner == g_thread_self ())

/* The QoS a message goes out with to a subscription of QoS @subscribed: the
 * lower of the two (section 3.8.4), or with upgrade_outgoing_qos (Mosquitto's
 * deliberate deviation from the standard) always the subscription's. */
static inline guint8
_bd_engine_out_qos (const BdEngine *engine,
                    guint8          published,
                    guint8          subscribed)
{
  return engine->config->upgrade_outgoing_qos ? subscribed : MIN (published, subscribed);
}

/* bd-listener.c */
gboolean  _bd_listener_bind             (BdEngine         *engine,
                                         BdListenerConfig *config,
                                         BdListener      **out,
                                         GError          **error);
/* Closes its socket (and removes a Unix socket's file); the struct stays. */
void      _bd_listener_close            (BdListener   *listener);
void      _bd_listener_free             (BdListener   *listener);
/* Takes over @fd, one end of a socket pair, as an internal connection. */
void      _bd_listener_adopt_internal   (BdEngine     *engine,
                                         int           fd,
                                         const char   *name);
void      _bd_listener_accept           (BdEngine     *engine,
                                         BdListener   *listener);
void      _bd_listener_log_listening    (BdListener   *listener);
/* mount_point: the topic name or filter @text of a client of @listener in
 * the broker's tree (a shared subscription's filter after its
 * "$share/GROUP/"); NULL when that would be longer than MQTT allows. Without
 * a mount point, a copy of @text. */
char       *_bd_listener_mount          (const BdListener *listener,
                                         const char       *text);
/* The topic as a client of @listener sees it: @topic past the listener's
 * mount point, or NULL when it is outside it. */
const char *_bd_listener_unmount        (const BdListener *listener,
                                         const char       *topic);

/* bd-engine.c */
void      _bd_engine_publish_listeners  (BdEngine     *engine);

/* bd-transport.c */
void         _bd_transport_init         (BdTransport            *transport,
                                         const BdTransportClass *klass,
                                         int                     fd);
void         _bd_transport_init_tcp     (BdTransport  *transport,
                                         int           fd);
BdTransport *_bd_transport_move         (BdTransport  *transport,
                                         BdTransport  *dest);
BdTransport *_bd_transport_new_tcp      (int           fd);
/* Frees @transport and closes its socket. */
void         _bd_transport_close        (BdTransport  *transport);
/* Takes @message: why the transport failed (read/write returned EPROTO). */
void         _bd_transport_set_error    (BdTransport  *transport,
                                         char         *message);
const char  *_bd_transport_strerror     (BdTransport  *transport,
                                         int           err);
const char  *_bd_transport_get_name     (BdTransport  *transport);
void         _bd_transport_set_nodelay  (int           fd);
const char  *_bd_transport_get_tls_version (BdTransport *transport);

/* bd-tls.c */
/* Any TLS option on @config (which then needs certfile and keyfile). */
gboolean      _bd_tls_listener_wants_tls    (const BdListenerConfig *config);
/* Reads @config's certificates and keys; "FILE:LINE: option: what is wrong". */
BdTlsContext *_bd_tls_context_new           (const BdListenerConfig *config,
                                             GError                **error);
BdTlsContext *_bd_tls_context_ref           (BdTlsContext *tls);
void          _bd_tls_context_unref         (BdTlsContext *tls);
const char   *_bd_tls_context_get_subject   (BdTlsContext *tls);
const char   *_bd_tls_context_get_issuer    (BdTlsContext *tls);
gint64        _bd_tls_context_get_not_after (BdTlsContext *tls);
/* A server-side TLS transport on @fd; NULL (logged) when OpenSSL fails. */
BdTransport  *_bd_tls_transport_new         (BdTlsContext *tls,
                                             int           fd);
const char   *_bd_tls_transport_get_version (BdTransport  *transport);
BdTransport  *_bd_tls_transport_find        (BdTransport  *transport);
gssize        _bd_tls_transport_handshake   (BdTransport  *transport);
/* The client certificate's CN, or its whole subject; NULL without one. */
char         *_bd_tls_transport_dup_peer_name (BdTransport *transport,
                                               gboolean     whole_subject);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BdTlsContext, _bd_tls_context_unref)

/* bd-websocket.c */
/* A WebSocket server transport over @inner (TCP or TLS), which it owns. */
BdTransport  *_bd_websocket_transport_new   (BdTransport            *inner,
                                             const BdListenerConfig *config);
BdTransport  *_bd_websocket_transport_get_inner (BdTransport        *transport);

/* bd-connection.c */
/* Takes over @fd, accepted by @listener, its @transport (NULL: plain TCP)
 * and @peer. */
BdConnection *_bd_connection_new        (BdListener   *listener,
                                         int           fd,
                                         BdTransport  *transport,
                                         char         *peer);
void      _bd_connection_on_ready       (BdConnection *conn,
                                         guint32       events);
/* @conn back from the handshake thread: its handshake is done, or failed
 * for @reason. */
void      _bd_connection_handshake_done (BdConnection *conn,
                                         const char   *reason);

/* bd-handshaker.c */
gboolean  _bd_handshaker_add            (BdEngine     *engine,
                                         BdConnection *conn);
void      _bd_handshaker_cancel         (BdEngine     *engine,
                                         BdConnection *conn);
void      _bd_handshaker_on_ready       (BdHandshaker *self);
void      _bd_handshaker_free           (BdHandshaker *self);
void      _bd_connection_send           (BdConnection *conn,
                                         const guint8 *data,
                                         gsize         len);
void      _bd_connection_send_packet    (BdConnection       *conn,
                                         const BdMqttPacket *packet);
void      _bd_connection_send_ack       (BdConnection     *conn,
                                         BdMqttPacketType  type,
                                         guint16           packet_id);
gboolean  _bd_connection_send_publish   (BdConnection     *conn,
                                         BdMessage        *message,
                                         const BdDelivery *delivery,
                                         gboolean          dup,
                                         guint16           packet_id);
gboolean  _bd_connection_can_take_qos0  (BdConnection *conn);
/* Closes the connection, telling an MQTT 5 client why with DISCONNECT. */
void      _bd_connection_disconnect     (BdConnection *conn,
                                         guint8        reason_code,
                                         const char   *reason);
void      _bd_connection_close          (BdConnection *conn,
                                         const char   *reason);
/* Ends the connection when there is nothing more to say to the client. */
void      _bd_connection_drop           (BdConnection *conn,
                                         const char   *reason);
/* A protocol violation: see _bd_connection_disconnect(). */
void      _bd_connection_protocol_error (BdConnection *conn,
                                         guint8        reason_code,
                                         const char   *message);
/* Refuses a CONNECT with CONNACK @v3_code or @v5_code, as @version asks. */
void      _bd_connection_refuse_connect (BdConnection *conn,
                                         BdMqttVersion version,
                                         guint8        v3_code,
                                         guint8        v5_code,
                                         const char   *why);
void      _bd_connection_flush          (BdConnection *conn);
void      _bd_connection_free           (BdConnection *conn);
void      _bd_connection_check_keepalives (BdEngine     *engine,
                                           gint64        now_us);
void      _bd_connection_linger_on_ready (BdLinger     *linger,
                                          guint32       events);
/* Closes lingering sockets past their time, or all of them with now_us = G_MAXINT64. */
void      _bd_connection_check_lingering (BdEngine     *engine,
                                          gint64        now_us);

/* bd-connection.c: flow control */
void       _bd_connection_pause         (BdConnection *conn,
                                         BdSession    *for_session);
void       _bd_connection_resume_waiting (BdEngine     *engine,
                                          BdSession    *session);
void       _bd_connection_check_paused  (BdEngine     *engine,
                                         gint64        now_us);
void       _bd_connection_process_pending (BdConnection *conn);

/* bd-handle-connect.c */
void       _bd_handle_connect           (BdConnection *conn,
                                         BdMqttPacket *packet);
void       _bd_handle_disconnect        (BdConnection *conn,
                                         BdMqttPacket *packet);

/* bd-handle-publish.c */
void       _bd_handle_publish           (BdConnection *conn,
                                         BdMqttPacket *packet);
void       _bd_handle_puback            (BdConnection *conn,
                                         BdMqttPacket *packet);
void       _bd_handle_pubrec            (BdConnection *conn,
                                         BdMqttPacket *packet);
void       _bd_handle_pubrel            (BdConnection *conn,
                                         BdMqttPacket *packet);
void       _bd_handle_pubcomp           (BdConnection *conn,
                                         BdMqttPacket *packet);

/* bd-handle-subscribe.c */
void       _bd_handle_subscribe         (BdConnection *conn,
                                         BdMqttPacket *packet);
void       _bd_handle_unsubscribe       (BdConnection *conn,
                                         BdMqttPacket *packet);

/* bd-route.c */
/* Returns the number of sessions the message went to. */
guint      _bd_route_message            (BdEngine     *engine,
                                         BdMessage    *message,
                                         BdSession    *publisher);
/* Publishes a will: sets its expiry from now (it waited until now). */
void       _bd_route_will               (BdEngine     *engine,
                                         BdMessage    *will);
/* check_retain_source: may @message (retained) still be delivered, i.e. may
 * the client that published it still write to its topic? */
gboolean   _bd_route_retain_source_may  (BdEngine     *engine,
                                         BdMessage    *message);
/* Remembers who published @message, if it is retained and check_retain_source
 * is on. */
void       _bd_route_set_retain_source  (BdMessage    *message,
                                         BdConnection *conn);

/* bd-sys.c */
/* Updates the 1-minute load figures, @dt seconds after the last update. */
void       _bd_sys_update_rates         (BdEngine     *engine,
                                         double        dt);
/* Copies the counters to the snapshot other threads read. */
void       _bd_sys_snapshot_stats       (BdEngine     *engine);
/* Publishes one $SYS figure, retained, if it changed or with @force. */
void       _bd_sys_publish              (BdEngine     *engine,
                                         const char   *topic,
                                         const char   *value,
                                         gboolean      force);
/* Reads the bytes the allocator has handed out into the counters
 * (heap_current, heap_maximum). */
void       _bd_sys_measure_heap         (BdEngine     *engine);
/* Publishes the $SYS figures that changed, or all of them with @force. */
void       _bd_sys_publish_all          (BdEngine     *engine,
                                         gboolean      force);
/* TRUE (and logged) when a client may not publish to @topic in $SYS. */
gboolean   _bd_sys_refuses_write        (const char   *client_id,
                                         const char   *topic);

/* bd-share-group.c */
BdShareGroup *_bd_share_group_ref       (BdShareGroup   *group);
void       _bd_share_group_unref        (BdShareGroup   *group);
/* Adds @session to the group of @sub (a "$share/" filter), made if need be. */
void       _bd_share_group_join         (BdEngine       *engine,
                                         BdSession      *session,
                                         BdSubscription *sub);
/* Takes @session out of the group of @sub; the group goes with its last member. */
void       _bd_share_group_leave        (BdEngine       *engine,
                                         BdSession      *session,
                                         BdSubscription *sub);

/* bd-session.c */
GHashTable *_bd_session_get_subscriptions (BdSession  *session);
guint      _bd_session_queue_high       (BdEngine     *engine);
BdSession *_bd_session_new              (BdEngine     *engine,
                                         const char   *client_id);
void       _bd_session_free             (BdSession    *session);
void       _bd_session_deliver          (BdSession        *session,
                                         BdMessage        *message,
                                         const BdDelivery *delivery);
void       _bd_session_end_will         (BdSession    *session,
                                         BdMessage    *will,
                                         guint32       delay);
void       _bd_session_check_expiry     (BdEngine     *engine,
                                         gint64        now_us);
void       _bd_session_resume           (BdSession    *session);
void       _bd_session_pump             (BdSession    *session);
gboolean   _bd_session_ack              (BdSession    *session,
                                         BdMqttPacketType type,
                                         guint16       packet_id);
void       _bd_session_unsubscribe_all  (BdSession    *session);
void       _bd_session_drop             (BdEngine     *engine,
                                         BdSession    *session);
gboolean   _bd_session_may              (BdSession    *session,
                                         const char   *topic,
                                         BdAclAccess   access);
gboolean   _bd_message_expired          (BdMessage    *message,
                                         gint64        now_us);
/* Restoring a stored session: a message in flight with @packet_id, or a
 * PUBREL due for it; re-sent when the client comes back [MQTT-4.4.0-1].
 * FALSE when the id is 0 or already in use. */
gboolean   _bd_session_restore_inflight (BdSession    *session,
                                         BdMessage    *message,
                                         guint8        qos,
                                         gboolean      retain,
                                         guint16       packet_id,
                                         guint64       store_id);
gboolean   _bd_session_restore_pubrel   (BdSession    *session,
                                         guint16       packet_id);

/* bd-persist.c */
char            *_bd_engine_dup_state_path (BdEngine        *engine);
gboolean         _bd_persist_load_old      (BdEngine        *engine,
                                            const char      *path,
                                            GBytes          *bytes);
/* A stored session as read from a file (NULL if it cannot be restored). */
BdSession       *_bd_persist_restore_session (BdEngine      *engine,
                                              const char    *client_id,
                                              const char    *username,
                                              guint32        expiry);
void             _bd_persist_restore_sub   (BdSession       *session,
                                            const char      *filter,
                                            guint8           qos,
                                            guint8           options,
                                            guint32          subscription_id);
BdStateSnapshot *_bd_engine_snapshot_state (BdEngine        *engine);
gboolean         _bd_state_snapshot_write  (BdStateSnapshot *snap,
                                            GError         **error);
void             _bd_state_snapshot_free   (BdStateSnapshot *snap);
void             _bd_engine_save_state     (BdEngine        *engine,
                                            gboolean         wait);
void             _bd_persist_end_turn      (BdEngine        *engine);

/* bd-store.c */
/* Recording changes: each is a no-op unless the store runs and the session
 * is stored, but for counting the change for autosave_on_changes. */
gboolean   _bd_store_active             (BdEngine     *engine);
void       _bd_store_session_put        (BdSession    *session);
void       _bd_store_session_del        (BdSession    *session);
void       _bd_store_sub_add            (BdSession    *session,
                                         BdSubscription *sub);
void       _bd_store_sub_del            (BdSession    *session,
                                         const char   *filter);
/* Returns the message's id in the store, 0 when it is not stored. @wait
 * and @loc (of a BdOutgoing or BdQueued) are set when the record is
 * provisional (see bd-store.c). */
guint64    _bd_store_msg_add            (BdSession    *session,
                                         BdMessage    *message,
                                         guint8        qos,
                                         gboolean      retain,
                                         guint16       packet_id,
                                         BdStoreWait **wait,
                                         BdStoreLoc   *loc);
void       _bd_store_msg_del            (BdSession    *session,
                                         guint64       store_id);
/* The message is acknowledged by its client (PUBACK), or dropped for it
 * as if delivered: its record goes. */
void       _bd_store_msg_done           (BdSession    *session,
                                         guint64       store_id,
                                         BdStoreWait **wait,
                                         const BdStoreLoc *loc);
/* A queued message went out as @out: its packet id is recorded, lazily. */
void       _bd_store_msg_sent           (BdSession    *session,
                                         BdOutgoing   *out);
/* PUBACK of @out: its records go. */
void       _bd_store_msg_puback         (BdSession    *session,
                                         BdOutgoing   *out);
/* PUBREC of @out: its message's record goes, and a PUBREL is due for its
 * packet id; the PUBREL waits until that is on disk if the message was. */
void       _bd_store_msg_pubrec         (BdSession    *session,
                                         BdOutgoing   *out);
/* PUBCOMP of @out: the PUBREL is no longer due. */
void       _bd_store_pubrel_done        (BdSession    *session,
                                         BdOutgoing   *out);
/* A QoS 1/2 message sent at @sent_us (monotonic) was acknowledged. */
void       _bd_store_note_ack           (BdSession    *session,
                                         gint64        sent_us);
/* Forgets a provisional record's wait (its message is freed). */
void       _bd_store_msg_forget         (BdStoreWait **wait);
/* After routing an incoming QoS 2 PUBLISH: remembers its packet id in
 * session->incoming_qos2, recorded when what routing recorded needs it. */
void       _bd_store_qos2_add           (BdSession    *session,
                                         guint16       packet_id);
/* PUBREL: forgets the packet id (FALSE when it was unknown). */
gboolean   _bd_store_qos2_del           (BdSession    *session,
                                         guint16       packet_id);
/* Around the handling of each packet from a client. */
void       _bd_store_packet_begin       (BdConnection *conn);
void       _bd_store_packet_end         (BdConnection *conn,
                                         gboolean      hold);
void       _bd_store_will_set           (BdSession    *session);
void       _bd_store_will_clear         (BdSession    *session);
void       _bd_store_retain             (BdEngine     *engine,
                                         BdMessage    *message);
/* Holds @conn's output until what the store has been told so far is on disk. */
void       _bd_store_hold               (BdConnection *conn);
/* End of a turn: hands this turn's records to the writer; FALSE when @conn's
 * output must wait. */
void       _bd_store_submit             (BdEngine     *engine);
gboolean   _bd_store_may_flush          (BdConnection *conn);
void       _bd_store_forget_connection  (BdConnection *conn);
/* Reads the store (or the old snapshot file) into the engine: before start. */
void       _bd_store_load               (BdEngine     *engine);
/* Starts the writer thread (durable mode); stops it, after the last batch. */
void       _bd_store_start              (BdEngine     *engine);
void       _bd_store_stop               (BdEngine     *engine);
/* From the tick: compaction when the writer asks for it. */
void       _bd_store_tick               (BdEngine     *engine);
/* The store's figures for the stats (durable mode; the engine thread). */
void       _bd_store_read_figures       (BdEngine      *engine,
                                         BdEngineStats *stats);
/* $SYS/broker/store/...: size, last commit, its latency, status. */
void       _bd_store_publish_sys        (BdEngine     *engine,
                                         gboolean      force);
/* A message's topic and payload as record fields (any thread). */
void       _bd_store_put_message        (GByteArray   *buf,
                                         BdMessage    *message);
/* Its MQTT 5 properties (a will's, with @will) and receipt time, the last
 * fields of a RETAIN_SET, MSG_ADD or WILL_SET record (any thread). */
void       _bd_store_put_message_extra  (GByteArray   *buf,
                                         BdMessage    *message,
                                         gboolean      will);
/* Encodes a snapshot as store records (any thread). */
void       _bd_state_snapshot_encode    (BdStateSnapshot *snap,
                                         GByteArray      *buf);

/* bd-engine.c */
/* Writes what the turn produced and frees what it closed. */
void       _bd_engine_end_turn          (BdEngine     *engine);
/* Client-supplied text (client ids, user names, topics) as it goes into a
 * log line: the first BD_LOG_TEXT_MAX bytes, then "…", control characters
 * escaped. A 64 KiB client id must not make a 64 KiB line, nor a newline in
 * one a line of its own. buf holds BD_LOG_TEXT_SIZE bytes; returns buf. */
#define BD_LOG_TEXT_MAX  120
#define BD_LOG_TEXT_SIZE (BD_LOG_TEXT_MAX * 4 + sizeof "…")
const char *_bd_log_text                (char         *buf,
                                         const char   *text);
/* Handles the connections that are ready now (not the listeners). */
void       _bd_engine_poll_connections  (BdEngine     *engine);
void       _bd_engine_mark_dirty        (BdEngine     *engine,
                                         BdConnection *conn);
void       _bd_engine_doom              (BdEngine     *engine,
                                         BdConnection *conn);
/* memory_limit: TRUE (logged once per episode) when the heap and @extra
 * more bytes would pass it; FALSE when there is no limit. */
gboolean   _bd_engine_memory_denies     (BdEngine     *engine,
                                         guint64       extra);
gboolean   _bd_engine_epoll_add         (BdEngine     *engine,
                                         int           fd,
                                         gpointer      ptr,
                                         guint32       events);
void       _bd_engine_epoll_mod         (BdEngine     *engine,
                                         int           fd,
                                         gpointer      ptr,
                                         guint32       events);

G_END_DECLS
