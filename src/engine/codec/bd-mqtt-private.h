/* bd-mqtt-private.h — tables and helpers shared by the codec's own files
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "bd-mqtt.h"

G_BEGIN_DECLS

/* The wire type of an MQTT 5 property value (section 2.2.2.2). */
typedef enum
{
  BD_MQTT_PROP_TYPE_NONE = 0, /* not a property identifier */
  BD_MQTT_PROP_TYPE_BYTE,
  BD_MQTT_PROP_TYPE_U16,
  BD_MQTT_PROP_TYPE_U32,
  BD_MQTT_PROP_TYPE_VARINT,
  BD_MQTT_PROP_TYPE_UTF8,
  BD_MQTT_PROP_TYPE_BINARY,
  BD_MQTT_PROP_TYPE_PAIR,
} BdMqttPropType;

/* Property contexts are packet types (1..15); the Will Properties of a CONNECT
 * have their own context 0, since packet type 0 does not exist. */
#define BD_MQTT_PROP_CTX_WILL 0u
#define BD_MQTT_CTX_BIT(ctx)  (1u << (ctx))

typedef struct
{
  guint8  type;    /* BdMqttPropType */
  guint16 allowed; /* BD_MQTT_CTX_BIT of each context that may carry it */
} BdMqttPropInfo;

/* Indexed by property identifier; identifiers 0x2B..0x3F are NONE. */
extern const BdMqttPropInfo _bd_mqtt_prop_info[64];

/* Mask of the `present` bits a context may carry, for the encoder. */
guint64 _bd_mqtt_prop_allowed_mask (guint ctx);

static inline guint
_bd_mqtt_varint_size (guint32 value)
{
  return value < 128u ? 1 : value < 16384u ? 2 : value < 2097152u ? 3 : 4;
}

G_END_DECLS
