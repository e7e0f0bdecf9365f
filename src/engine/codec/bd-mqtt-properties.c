/* bd-mqtt-properties.c — ownership of MQTT 5 property sets
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "bd-mqtt.h"

G_DEFINE_QUARK (bd-codec-error-quark, bd_codec_error)

void
bd_mqtt_properties_clear (BdMqttProperties *props)
{
  g_free (props->content_type);
  g_free (props->response_topic);
  g_free (props->assigned_client_identifier);
  g_free (props->authentication_method);
  g_free (props->response_information);
  g_free (props->server_reference);
  g_free (props->reason_string);
  g_clear_pointer (&props->correlation_data, g_bytes_unref);
  g_clear_pointer (&props->authentication_data, g_bytes_unref);
  g_free (props->subscription_identifiers);
  for (guint i = 0; i < props->n_user_properties; i++)
    {
      g_free (props->user_properties[i].name);
      g_free (props->user_properties[i].value);
    }
  g_free (props->user_properties);
  memset (props, 0, sizeof *props);
}

void
bd_mqtt_properties_copy (BdMqttProperties       *dest,
                         const BdMqttProperties *src)
{
  /* Scalars first, then deep copies of everything owned. */
  *dest = *src;
  dest->content_type = g_strdup (src->content_type);
  dest->response_topic = g_strdup (src->response_topic);
  dest->assigned_client_identifier = g_strdup (src->assigned_client_identifier);
  dest->authentication_method = g_strdup (src->authentication_method);
  dest->response_information = g_strdup (src->response_information);
  dest->server_reference = g_strdup (src->server_reference);
  dest->reason_string = g_strdup (src->reason_string);
  dest->correlation_data = src->correlation_data ? g_bytes_ref (src->correlation_data) : NULL;
  dest->authentication_data = src->authentication_data ? g_bytes_ref (src->authentication_data) : NULL;
  dest->subscription_identifiers =
    g_memdup2 (src->subscription_identifiers,
               src->n_subscription_identifiers * sizeof (guint32));
  dest->user_properties = NULL;
  if (src->n_user_properties > 0)
    {
      dest->user_properties = g_new (BdMqttUserProperty, src->n_user_properties);
      for (guint i = 0; i < src->n_user_properties; i++)
        {
          dest->user_properties[i].name = g_strdup (src->user_properties[i].name);
          dest->user_properties[i].value = g_strdup (src->user_properties[i].value);
        }
    }
}

void
bd_mqtt_properties_add_user_property (BdMqttProperties *props,
                                      const char       *name,
                                      const char       *value)
{
  props->user_properties = g_renew (BdMqttUserProperty, props->user_properties,
                                    props->n_user_properties + 1);
  props->user_properties[props->n_user_properties].name = g_strdup (name);
  props->user_properties[props->n_user_properties].value = g_strdup (value);
  props->n_user_properties++;
  BD_MQTT_PROP_SET (props, BD_MQTT_PROP_USER_PROPERTY);
}

void
bd_mqtt_properties_add_subscription_identifier (BdMqttProperties *props,
                                                guint32           id)
{
  props->subscription_identifiers = g_renew (guint32, props->subscription_identifiers,
                                             props->n_subscription_identifiers + 1);
  props->subscription_identifiers[props->n_subscription_identifiers++] = id;
  BD_MQTT_PROP_SET (props, BD_MQTT_PROP_SUBSCRIPTION_IDENTIFIER);
}
