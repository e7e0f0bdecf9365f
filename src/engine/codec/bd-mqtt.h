/* bd-mqtt.h — MQTT 3.1, 3.1.1 and 5.0 packets as plain structs, and their codec
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The codec is pure: functions over byte buffers, no sockets, no session state,
 * no clock. Decoding turns one complete control packet into a BdMqttPacket;
 * encoding appends one packet to a GByteArray. Every rule the standards state
 * about the *format* of a single packet is checked here (reserved flags, string
 * encoding, property types and multiplicity, packet identifiers that must not be
 * 0, ...); rules about *sequences* of packets (the first packet must be CONNECT,
 * a second CONNECT is a violation, ...) belong to the engine.
 *
 * One codec serves all three protocol levels: MQTT 5 fields (properties,
 * reason codes) are simply absent or zero for 3.1 / 3.1.1 (levels 3 and 4).
 *
 * Errors are in BD_CODEC_ERROR and their codes are MQTT 5 reason codes
 * (BD_MQTT_RC_MALFORMED_PACKET, BD_MQTT_RC_PROTOCOL_ERROR, ...), so the engine
 * can put the code straight into a CONNACK or DISCONNECT for an MQTT 5 client,
 * and just close the connection for an older one.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define BD_MQTT_MAX_REMAINING_LENGTH 268435455u /* 0xFF,0xFF,0xFF,0x7F [MQTT-2.2.3] */
#define BD_MQTT_MAX_VARINT           268435455u

#define BD_CODEC_ERROR (bd_codec_error_quark ())
GQuark bd_codec_error_quark (void);

typedef enum
{
  BD_MQTT_V31  = 3, /* "MQIsdp", level 3 */
  BD_MQTT_V311 = 4, /* "MQTT", level 4 */
  BD_MQTT_V5   = 5, /* "MQTT", level 5 */
} BdMqttVersion;

typedef enum
{
  BD_MQTT_CONNECT     = 1,
  BD_MQTT_CONNACK     = 2,
  BD_MQTT_PUBLISH     = 3,
  BD_MQTT_PUBACK      = 4,
  BD_MQTT_PUBREC      = 5,
  BD_MQTT_PUBREL      = 6,
  BD_MQTT_PUBCOMP     = 7,
  BD_MQTT_SUBSCRIBE   = 8,
  BD_MQTT_SUBACK      = 9,
  BD_MQTT_UNSUBSCRIBE = 10,
  BD_MQTT_UNSUBACK    = 11,
  BD_MQTT_PINGREQ     = 12,
  BD_MQTT_PINGRESP    = 13,
  BD_MQTT_DISCONNECT  = 14,
  BD_MQTT_AUTH        = 15, /* MQTT 5 only */
} BdMqttPacketType;

/* MQTT 5 reason codes (section 2.4). Also the codes of BD_CODEC_ERROR. */
typedef enum
{
  BD_MQTT_RC_SUCCESS                                = 0x00, /* also Normal disconnection, Granted QoS 0 */
  BD_MQTT_RC_GRANTED_QOS_1                          = 0x01,
  BD_MQTT_RC_GRANTED_QOS_2                          = 0x02,
  BD_MQTT_RC_DISCONNECT_WITH_WILL                   = 0x04,
  BD_MQTT_RC_NO_MATCHING_SUBSCRIBERS                = 0x10,
  BD_MQTT_RC_NO_SUBSCRIPTION_EXISTED                = 0x11,
  BD_MQTT_RC_CONTINUE_AUTHENTICATION                = 0x18,
  BD_MQTT_RC_REAUTHENTICATE                         = 0x19,
  BD_MQTT_RC_UNSPECIFIED_ERROR                      = 0x80,
  BD_MQTT_RC_MALFORMED_PACKET                       = 0x81,
  BD_MQTT_RC_PROTOCOL_ERROR                         = 0x82,
  BD_MQTT_RC_IMPLEMENTATION_SPECIFIC_ERROR          = 0x83,
  BD_MQTT_RC_UNSUPPORTED_PROTOCOL_VERSION           = 0x84,
  BD_MQTT_RC_CLIENT_IDENTIFIER_NOT_VALID            = 0x85,
  BD_MQTT_RC_BAD_USER_NAME_OR_PASSWORD              = 0x86,
  BD_MQTT_RC_NOT_AUTHORIZED                         = 0x87,
  BD_MQTT_RC_SERVER_UNAVAILABLE                     = 0x88,
  BD_MQTT_RC_SERVER_BUSY                            = 0x89,
  BD_MQTT_RC_BANNED                                 = 0x8A,
  BD_MQTT_RC_SERVER_SHUTTING_DOWN                   = 0x8B,
  BD_MQTT_RC_BAD_AUTHENTICATION_METHOD              = 0x8C,
  BD_MQTT_RC_KEEP_ALIVE_TIMEOUT                     = 0x8D,
  BD_MQTT_RC_SESSION_TAKEN_OVER                     = 0x8E,
  BD_MQTT_RC_TOPIC_FILTER_INVALID                   = 0x8F,
  BD_MQTT_RC_TOPIC_NAME_INVALID                     = 0x90,
  BD_MQTT_RC_PACKET_IDENTIFIER_IN_USE               = 0x91,
  BD_MQTT_RC_PACKET_IDENTIFIER_NOT_FOUND            = 0x92,
  BD_MQTT_RC_RECEIVE_MAXIMUM_EXCEEDED               = 0x93,
  BD_MQTT_RC_TOPIC_ALIAS_INVALID                    = 0x94,
  BD_MQTT_RC_PACKET_TOO_LARGE                       = 0x95,
  BD_MQTT_RC_MESSAGE_RATE_TOO_HIGH                  = 0x96,
  BD_MQTT_RC_QUOTA_EXCEEDED                         = 0x97,
  BD_MQTT_RC_ADMINISTRATIVE_ACTION                  = 0x98,
  BD_MQTT_RC_PAYLOAD_FORMAT_INVALID                 = 0x99,
  BD_MQTT_RC_RETAIN_NOT_SUPPORTED                   = 0x9A,
  BD_MQTT_RC_QOS_NOT_SUPPORTED                      = 0x9B,
  BD_MQTT_RC_USE_ANOTHER_SERVER                     = 0x9C,
  BD_MQTT_RC_SERVER_MOVED                           = 0x9D,
  BD_MQTT_RC_SHARED_SUBSCRIPTIONS_NOT_SUPPORTED     = 0x9E,
  BD_MQTT_RC_CONNECTION_RATE_EXCEEDED               = 0x9F,
  BD_MQTT_RC_MAXIMUM_CONNECT_TIME                   = 0xA0,
  BD_MQTT_RC_SUBSCRIPTION_IDENTIFIERS_NOT_SUPPORTED = 0xA1,
  BD_MQTT_RC_WILDCARD_SUBSCRIPTIONS_NOT_SUPPORTED   = 0xA2,
} BdMqttReasonCode;

/* MQTT 3.1 / 3.1.1 CONNACK return codes (section 3.2.2.3 of 3.1.1). */
typedef enum
{
  BD_MQTT3_CONNACK_ACCEPTED                      = 0,
  BD_MQTT3_CONNACK_UNACCEPTABLE_PROTOCOL_VERSION = 1,
  BD_MQTT3_CONNACK_IDENTIFIER_REJECTED           = 2,
  BD_MQTT3_CONNACK_SERVER_UNAVAILABLE            = 3,
  BD_MQTT3_CONNACK_BAD_USER_NAME_OR_PASSWORD     = 4,
  BD_MQTT3_CONNACK_NOT_AUTHORIZED                = 5,
} BdMqtt3ConnackCode;

/* MQTT 5 property identifiers (section 2.2.2.2). */
typedef enum
{
  BD_MQTT_PROP_PAYLOAD_FORMAT_INDICATOR          = 0x01, /* byte */
  BD_MQTT_PROP_MESSAGE_EXPIRY_INTERVAL           = 0x02, /* four byte integer */
  BD_MQTT_PROP_CONTENT_TYPE                      = 0x03, /* UTF-8 string */
  BD_MQTT_PROP_RESPONSE_TOPIC                    = 0x08, /* UTF-8 string */
  BD_MQTT_PROP_CORRELATION_DATA                  = 0x09, /* binary data */
  BD_MQTT_PROP_SUBSCRIPTION_IDENTIFIER           = 0x0B, /* variable byte integer */
  BD_MQTT_PROP_SESSION_EXPIRY_INTERVAL           = 0x11, /* four byte integer */
  BD_MQTT_PROP_ASSIGNED_CLIENT_IDENTIFIER        = 0x12, /* UTF-8 string */
  BD_MQTT_PROP_SERVER_KEEP_ALIVE                 = 0x13, /* two byte integer */
  BD_MQTT_PROP_AUTHENTICATION_METHOD             = 0x15, /* UTF-8 string */
  BD_MQTT_PROP_AUTHENTICATION_DATA               = 0x16, /* binary data */
  BD_MQTT_PROP_REQUEST_PROBLEM_INFORMATION       = 0x17, /* byte */
  BD_MQTT_PROP_WILL_DELAY_INTERVAL               = 0x18, /* four byte integer */
  BD_MQTT_PROP_REQUEST_RESPONSE_INFORMATION      = 0x19, /* byte */
  BD_MQTT_PROP_RESPONSE_INFORMATION              = 0x1A, /* UTF-8 string */
  BD_MQTT_PROP_SERVER_REFERENCE                  = 0x1C, /* UTF-8 string */
  BD_MQTT_PROP_REASON_STRING                     = 0x1F, /* UTF-8 string */
  BD_MQTT_PROP_RECEIVE_MAXIMUM                   = 0x21, /* two byte integer */
  BD_MQTT_PROP_TOPIC_ALIAS_MAXIMUM               = 0x22, /* two byte integer */
  BD_MQTT_PROP_TOPIC_ALIAS                       = 0x23, /* two byte integer */
  BD_MQTT_PROP_MAXIMUM_QOS                       = 0x24, /* byte */
  BD_MQTT_PROP_RETAIN_AVAILABLE                  = 0x25, /* byte */
  BD_MQTT_PROP_USER_PROPERTY                     = 0x26, /* UTF-8 string pair, may repeat */
  BD_MQTT_PROP_MAXIMUM_PACKET_SIZE               = 0x27, /* four byte integer */
  BD_MQTT_PROP_WILDCARD_SUBSCRIPTION_AVAILABLE   = 0x28, /* byte */
  BD_MQTT_PROP_SUBSCRIPTION_IDENTIFIER_AVAILABLE = 0x29, /* byte */
  BD_MQTT_PROP_SHARED_SUBSCRIPTION_AVAILABLE     = 0x2A, /* byte */
} BdMqttPropertyId;

typedef struct
{
  char *name;
  char *value;
} BdMqttUserProperty;

/*
 * The MQTT 5 properties of one packet. `present` has bit (1 << id) set for each
 * property that was on the wire (or is to be encoded); fields of absent
 * properties are zero/NULL. Which properties a packet type may carry is checked
 * by the decoder (a property not allowed on that packet is a Protocol Error,
 * 0x82; a repeated property other than User Property and, on PUBLISH only,
 * Subscription Identifier is a Protocol Error; an unknown id is Malformed,
 * 0x81).
 *
 * Strings are NUL-terminated copies (MQTT strings cannot contain U+0000 so
 * that is lossless); binary data is GBytes.
 */
typedef struct
{
  guint64             present;
  guint8              payload_format_indicator;
  guint8              request_problem_information;
  guint8              request_response_information;
  guint8              maximum_qos;
  guint8              retain_available;
  guint8              wildcard_subscription_available;
  guint8              subscription_identifier_available;
  guint8              shared_subscription_available;
  guint16             server_keep_alive;
  guint16             receive_maximum;
  guint16             topic_alias_maximum;
  guint16             topic_alias;
  guint32             message_expiry_interval;
  guint32             session_expiry_interval;
  guint32             will_delay_interval;
  guint32             maximum_packet_size;
  char               *content_type;
  char               *response_topic;
  char               *assigned_client_identifier;
  char               *authentication_method;
  char               *response_information;
  char               *server_reference;
  char               *reason_string;
  GBytes             *correlation_data;
  GBytes             *authentication_data;
  /* Subscription Identifier: one on SUBSCRIBE, possibly several on PUBLISH */
  guint32            *subscription_identifiers;
  guint               n_subscription_identifiers;
  BdMqttUserProperty *user_properties;
  guint               n_user_properties;
} BdMqttProperties;

#define BD_MQTT_PROP_BIT(id)        (G_GUINT64_CONSTANT (1) << (id))
#define BD_MQTT_PROP_HAS(props, id) (((props)->present & BD_MQTT_PROP_BIT (id)) != 0)
#define BD_MQTT_PROP_SET(props, id) ((props)->present |= BD_MQTT_PROP_BIT (id))

void     bd_mqtt_properties_clear (BdMqttProperties       *props);
void     bd_mqtt_properties_copy  (BdMqttProperties       *dest,
                                   const BdMqttProperties *src);
void     bd_mqtt_properties_add_user_property (BdMqttProperties *props,
                                               const char       *name,
                                               const char       *value);
void     bd_mqtt_properties_add_subscription_identifier (BdMqttProperties *props,
                                                         guint32           id);
/* The properties a PUBLISH (or, with @will, a CONNECT's will) may carry,
 * encoded as in the packet (Property Length first): how a message's
 * properties are stored. encode returns FALSE, appending nothing, when
 * they cannot be encoded; decode checks them as a packet's would be. */
gboolean bd_mqtt_properties_encode (const BdMqttProperties *props,
                                    gboolean                will,
                                    GByteArray             *out);
gboolean bd_mqtt_properties_decode (const guint8           *data,
                                    gsize                   len,
                                    gboolean                will,
                                    BdMqttProperties       *props,
                                    GError                **error);

typedef struct
{
  BdMqttVersion    version;         /* from protocol name + level */
  char            *protocol_name;   /* "MQTT" or "MQIsdp" as received */
  guint8           protocol_level;  /* as received: 3, 4 or 5 */
  gboolean         bridge;          /* level | 0x80 (3.1, 3.1.1): Mosquitto's bridge mark */
  gboolean         clean_start;     /* Clean Session in 3.1.1 */
  guint16          keep_alive;
  char            *client_id;       /* "" when zero length */
  gboolean         has_will;
  guint8           will_qos;
  gboolean         will_retain;
  char            *will_topic;
  GBytes          *will_payload;
  BdMqttProperties will_properties;
  gboolean         has_username;
  char            *username;
  gboolean         has_password;
  GBytes          *password;        /* binary data */
  BdMqttProperties properties;
} BdMqttConnect;

typedef struct
{
  gboolean         session_present;
  guint8           reason_code;     /* v5 reason code, or BdMqtt3ConnackCode for 3.x */
  BdMqttProperties properties;
} BdMqttConnack;

typedef struct
{
  gboolean         dup;
  guint8           qos;
  gboolean         retain;
  char            *topic;           /* may be "" in MQTT 5 when a Topic Alias is used */
  guint16          packet_id;       /* 0 for QoS 0 */
  GBytes          *payload;         /* never NULL; may be empty */
  BdMqttProperties properties;
} BdMqttPublish;

/* PUBACK, PUBREC, PUBREL, PUBCOMP */
typedef struct
{
  guint16          packet_id;
  guint8           reason_code;     /* 0 when absent (always absent for 3.x) */
  BdMqttProperties properties;
} BdMqttAck;

typedef struct
{
  char    *filter;
  guint8   qos;                     /* maximum QoS requested */
  gboolean no_local;                /* v5 */
  gboolean retain_as_published;     /* v5 */
  guint8   retain_handling;         /* v5: 0, 1 or 2 */
} BdMqttSubscription;

typedef struct
{
  guint16             packet_id;
  BdMqttSubscription *subscriptions;
  guint               n_subscriptions;  /* >= 1 [MQTT-3.8.3-3] */
  BdMqttProperties    properties;
} BdMqttSubscribe;

/* SUBACK and UNSUBACK (an UNSUBACK has no reason codes in 3.x) */
typedef struct
{
  guint16          packet_id;
  guint8          *reason_codes;    /* granted QoS 0/1/2 or 0x80 in 3.1.1 */
  guint            n_reason_codes;
  BdMqttProperties properties;
} BdMqttSuback;

typedef struct
{
  guint16          packet_id;
  char           **filters;         /* NULL-terminated */
  guint            n_filters;       /* >= 1 [MQTT-3.10.3-2] */
  BdMqttProperties properties;
} BdMqttUnsubscribe;

/* DISCONNECT and AUTH */
typedef struct
{
  guint8           reason_code;     /* 0 when absent */
  BdMqttProperties properties;
} BdMqttDisconnect;

typedef struct
{
  BdMqttPacketType type;
  guint8           flags;           /* the low nibble of the first byte, as received */
  union {
    BdMqttConnect     connect;
    BdMqttConnack     connack;
    BdMqttPublish     publish;
    BdMqttAck         ack;          /* PUBACK, PUBREC, PUBREL, PUBCOMP */
    BdMqttSubscribe   subscribe;
    BdMqttSuback      suback;       /* SUBACK, UNSUBACK */
    BdMqttUnsubscribe unsubscribe;
    BdMqttDisconnect  disconnect;   /* DISCONNECT, AUTH */
  };
} BdMqttPacket;

void bd_mqtt_packet_clear (BdMqttPacket *packet);

typedef enum
{
  BD_MQTT_FRAME_COMPLETE,   /* a whole packet is in the buffer */
  BD_MQTT_FRAME_INCOMPLETE, /* more bytes are needed */
  BD_MQTT_FRAME_ERROR,      /* malformed fixed header; error is set */
} BdMqttFrameStatus;

typedef struct
{
  BdMqttPacketType type;
  guint8           flags;
  guint32          remaining_length;
  guint8           header_length;   /* 2..5: first byte + length bytes */
} BdMqttFrame;

/*
 * Looks at the start of @data for a fixed header. COMPLETE means
 * frame->header_length + frame->remaining_length bytes are available.
 * INCOMPLETE is also returned when the header itself is not complete yet; in
 * that case frame->remaining_length is set if already known, so a caller can
 * reject an oversized packet before it arrives (and frame->header_length is 0
 * if the length is not known yet).
 * ERROR: a fifth length byte [MQTT-2.2.3], or packet type 0.
 */
BdMqttFrameStatus bd_mqtt_frame_parse (const guint8 *data,
                                       gsize         len,
                                       BdMqttFrame  *frame,
                                       GError      **error);

/*
 * Decodes the packet whose fixed header is @frame and whose variable header
 * and payload are @body (frame->remaining_length bytes). @version is the
 * connection's negotiated version; it is ignored for CONNECT (which carries its
 * own). @body_len must equal frame->remaining_length. On failure @packet is
 * left cleared, except for CONNECT (below); calling bd_mqtt_packet_clear() on
 * it is always safe.
 *
 * CONNECT with an unknown protocol name fails with
 * BD_MQTT_RC_MALFORMED_PACKET (close, no CONNACK); a known name with an
 * unsupported level fails with BD_MQTT_RC_UNSUPPORTED_PROTOCOL_VERSION and
 * still fills packet->connect.version/protocol_level/protocol_name (so the
 * caller must bd_mqtt_packet_clear() it) so the engine can send the right
 * CONNACK [MQTT-3.1.2-2]: version is BD_MQTT_V311 for "MQTT" with a level
 * other than 4 or 5, BD_MQTT_V31 for "MQIsdp" with a level other than 3.
 * Any other CONNECT failure after the protocol level keeps packet->type,
 * connect.version and connect.protocol_level (nothing allocated), so the
 * engine knows whether to answer an MQTT 5 client with a CONNACK carrying
 * the error's reason code.
 */
gboolean bd_mqtt_decode (BdMqttVersion       version,
                         const BdMqttFrame  *frame,
                         const guint8       *body,
                         gsize               body_len,
                         BdMqttPacket       *packet,
                         GError            **error);

/*
 * Appends the encoding of @packet to @out for protocol @version.
 * Fields not representable in @version (properties, reason codes of 3.x) are
 * silently left out, and so are properties the packet type may not carry
 * (table 2-4 of MQTT 5). packet->flags is ignored: the fixed header flags come
 * from the fields. A CONNECT's protocol name and level come from @version.
 * `present` decides which properties are written; a NULL string or GBytes of
 * a present property is written empty. Returns FALSE, appending nothing, only
 * for programmer errors that would produce an invalid packet (remaining length
 * over the maximum, strings over 65535: BD_MQTT_RC_PACKET_TOO_LARGE; AUTH
 * below MQTT 5: BD_MQTT_RC_PROTOCOL_ERROR).
 */
gboolean bd_mqtt_encode (BdMqttVersion       version,
                         const BdMqttPacket *packet,
                         GByteArray         *out,
                         GError            **error);

/*
 * The hot path: encodes a PUBLISH without building a BdMqttPacket. @props may
 * be NULL; it is ignored below MQTT 5. Returns the packet's total size, or 0
 * (appending nothing) if it cannot be encoded: topic over 65535 bytes or
 * remaining length over BD_MQTT_MAX_REMAINING_LENGTH (e.g. a large payload
 * forwarded with a longer topic or more properties).
 */
gsize bd_mqtt_encode_publish (BdMqttVersion           version,
                              const char             *topic,
                              gsize                   topic_len,
                              const guint8           *payload,
                              gsize                   payload_len,
                              guint8                  qos,
                              gboolean                retain,
                              gboolean                dup,
                              guint16                 packet_id,
                              const BdMqttProperties *props,
                              GByteArray             *out);

/* Encodes a 4-byte ack-like packet (PUBACK/PUBREC/PUBREL/PUBCOMP with
 * reason 0, no properties; UNSUBACK of 3.x). */
void bd_mqtt_encode_ack (BdMqttPacketType type,
                         guint16          packet_id,
                         GByteArray      *out);

/* Size of a packet's encoding, for the Maximum Packet Size checks of MQTT 5:
 * exactly what bd_mqtt_encode() would append, or 0 if it would fail. */
gsize bd_mqtt_encoded_size (BdMqttVersion version,
                            const BdMqttPacket *packet);

/*
 * MQTT UTF-8 Encoded String rules: well-formed UTF-8 without surrogates
 * [MQTT-1.5.3-1] and without U+0000 [MQTT-1.5.3-2], at most 65535 bytes.
 */
gboolean bd_mqtt_utf8_valid (const char *str,
                             gsize       len);

const char *bd_mqtt_packet_type_name (BdMqttPacketType type);
const char *bd_mqtt_reason_code_name (guint8 reason_code);

G_END_DECLS
