/* bd-message.c — an immutable MQTT application message that crosses threads
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "bd-message.h"

/* The box holds the message followed by its own copy of the properties and the
 * publisher id, so one allocation (plus topic and payload) serves a message. */
typedef struct
{
  BdMessage        message;
  BdMqttProperties props;
} BdMessageBox;

static void
bd_message_clear (BdMessage *message)
{
  BdMessageBox *box = (BdMessageBox *) message;

  g_ref_string_release (message->topic);
  g_bytes_unref (message->payload);
  g_free ((char *) message->publisher_id);
  g_free ((char *) message->publisher_username);
  if (message->props != NULL)
    bd_mqtt_properties_clear (&box->props);
}

BdMessage *
bd_message_new_full (const char             *topic,
                     GBytes                 *payload,
                     guint8                  qos,
                     gboolean                retain,
                     const BdMqttProperties *props,
                     const char             *publisher_id,
                     gint64                  time_us)
{
  BdMessageBox *box;

  g_return_val_if_fail (topic != NULL, NULL);
  g_return_val_if_fail (qos <= 2, NULL);

  box = g_atomic_rc_box_new0 (BdMessageBox);
  box->message.topic = g_ref_string_new (topic);
  box->message.payload = payload ? g_bytes_ref (payload) : g_bytes_new_static ("", 0);
  box->message.qos = qos;
  box->message.retain = retain ? 1 : 0;
  box->message.time_us = time_us;
  box->message.publisher_id = g_strdup (publisher_id);

  if (props != NULL && props->present != 0)
    {
      bd_mqtt_properties_copy (&box->props, props);
      /* Per-hop properties are not part of the application message
       * [MQTT-3.3.2-7] (topic alias), [MQTT-3.8.2.1.2] (subscription ids). */
      box->props.present &= ~(BD_MQTT_PROP_BIT (BD_MQTT_PROP_TOPIC_ALIAS) |
                              BD_MQTT_PROP_BIT (BD_MQTT_PROP_SUBSCRIPTION_IDENTIFIER));
      box->props.topic_alias = 0;
      g_clear_pointer (&box->props.subscription_identifiers, g_free);
      box->props.n_subscription_identifiers = 0;
      if (box->props.present != 0)
        box->message.props = &box->props;
      else
        bd_mqtt_properties_clear (&box->props);
    }

  return &box->message;
}

BdMessage *
bd_message_new (const char             *topic,
                GBytes                 *payload,
                guint8                  qos,
                gboolean                retain,
                const BdMqttProperties *props)
{
  return bd_message_new_full (topic, payload, qos, retain, props, NULL, g_get_real_time ());
}

BdMessage *
bd_message_ref (BdMessage *message)
{
  return g_atomic_rc_box_acquire (message);
}

void
bd_message_unref (BdMessage *message)
{
  g_atomic_rc_box_release_full (message, (GDestroyNotify) bd_message_clear);
}

BdMessage *
bd_message_copy_with_retain (BdMessage *message,
                             gboolean   retain)
{
  BdMessage *copy;

  if (!!message->retain == !!retain)
    return bd_message_ref (message);

  copy = bd_message_new_full (message->topic, message->payload, message->qos, retain,
                              message->props, message->publisher_id, message->time_us);
  copy->expiry_us = message->expiry_us;
  copy->from_sys = message->from_sys;
  copy->publisher_username = g_strdup (message->publisher_username);
  copy->publisher_listener = message->publisher_listener;
  return copy;
}

const char *
bd_message_get_topic (const BdMessage *message)
{
  return message->topic;
}

const guint8 *
bd_message_get_payload (const BdMessage *message,
                        gsize           *len)
{
  return g_bytes_get_data (message->payload, len);
}
