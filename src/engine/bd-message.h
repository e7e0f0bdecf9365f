/* bd-message.h — an immutable MQTT application message that crosses threads
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A BdMessage is what the broker routes and what taps receive: an atomically
 * reference-counted box that nobody changes after bd_message_new*(), so the
 * engine thread, the recorder thread and the main thread can all hold it at
 * once without locks. No GObject per message.
 */

#pragma once

#include <glib.h>

#include "codec/bd-mqtt.h"

G_BEGIN_DECLS

typedef struct _BdMessage
{
  GRefString             *topic;
  GBytes                 *payload;       /* never NULL */
  gint64                  time_us;       /* wall clock at receipt, g_get_real_time () */
  gint64                  expiry_us;     /* monotonic deadline, 0 = never (MQTT 5 message expiry) */
  guint8                  qos;           /* as published */
  guint8                  retain : 1;    /* as published */
  guint8                  from_sys : 1;  /* made by the broker itself ($SYS, wills are not) */
  const BdMqttProperties *props;         /* NULL, or MQTT 5 properties to forward */
  const char             *publisher_id;  /* client id of the publisher, NULL for internal */
  /* Who else published it, kept on retained messages only (check_retain_source
   * checks the publisher's write access again when it is delivered later). */
  const char             *publisher_username; /* NULL for none */
  guint16                 publisher_listener; /* index of the listener it came in on */
} BdMessage;

/* Takes a reference on @payload (NULL means empty); copies @props (may be NULL;
 * the topic alias and subscription identifiers are not forwarded and are left out). */
BdMessage *bd_message_new      (const char             *topic,
                                GBytes                 *payload,
                                guint8                  qos,
                                gboolean                retain,
                                const BdMqttProperties *props);
BdMessage *bd_message_new_full (const char             *topic,
                                GBytes                 *payload,
                                guint8                  qos,
                                gboolean                retain,
                                const BdMqttProperties *props,
                                const char             *publisher_id,
                                gint64                  time_us);
BdMessage *bd_message_ref      (BdMessage              *message);
void       bd_message_unref    (BdMessage              *message);

/* A copy with another retain flag (and the same everything else). */
BdMessage *bd_message_copy_with_retain (BdMessage *message,
                                        gboolean   retain);

const char *bd_message_get_topic (const BdMessage *message);
const guint8 *bd_message_get_payload (const BdMessage *message,
                                      gsize           *len);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BdMessage, bd_message_unref)

G_END_DECLS
