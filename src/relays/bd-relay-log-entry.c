/* bd-relay-log-entry.c — one line of the relay command log
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "bd-relay-log-entry.h"

struct _BdRelayLogEntry
{
  GObject         parent_instance;

  gint64          time_us;
  char           *relay_id;
  char           *relay_name;
  char           *topic;
  char           *payload;
  BdRelayOutcome  outcome;
  const char     *kind;       /* static */
  BdRelaySource   source;
  char           *detail;
};

G_DEFINE_FINAL_TYPE (BdRelayLogEntry, bd_relay_log_entry, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (BdRelayOutcome, bd_relay_outcome,
  G_DEFINE_ENUM_VALUE (BD_RELAY_OUTCOME_SENT, "sent"),
  G_DEFINE_ENUM_VALUE (BD_RELAY_OUTCOME_CONFIRMED, "confirmed"),
  G_DEFINE_ENUM_VALUE (BD_RELAY_OUTCOME_TIMEOUT, "timeout"),
  G_DEFINE_ENUM_VALUE (BD_RELAY_OUTCOME_CONTRADICTED, "contradicted"),
  G_DEFINE_ENUM_VALUE (BD_RELAY_OUTCOME_REFUSED, "refused"))

G_DEFINE_ENUM_TYPE (BdRelaySource, bd_relay_source,
  G_DEFINE_ENUM_VALUE (BD_RELAY_SOURCE_OPERATOR, "operator"),
  G_DEFINE_ENUM_VALUE (BD_RELAY_SOURCE_AUTOMATION, "automation"),
  G_DEFINE_ENUM_VALUE (BD_RELAY_SOURCE_PUBLISH, "publish"))

const char *
bd_relay_source_to_string (BdRelaySource source)
{
  switch (source)
    {
    case BD_RELAY_SOURCE_OPERATOR: return "operator";
    case BD_RELAY_SOURCE_AUTOMATION: return "automation";
    case BD_RELAY_SOURCE_PUBLISH: return "publish";
    default: return "unknown";
    }
}

const char *
bd_relay_outcome_to_string (BdRelayOutcome outcome)
{
  switch (outcome)
    {
    case BD_RELAY_OUTCOME_SENT: return "sent";
    case BD_RELAY_OUTCOME_CONFIRMED: return "confirmed";
    case BD_RELAY_OUTCOME_TIMEOUT: return "timeout";
    case BD_RELAY_OUTCOME_CONTRADICTED: return "contradicted";
    case BD_RELAY_OUTCOME_REFUSED: return "refused";
    default: return "unknown";
    }
}

static void
bd_relay_log_entry_finalize (GObject *object)
{
  BdRelayLogEntry *self = BD_RELAY_LOG_ENTRY (object);

  g_free (self->relay_id);
  g_free (self->relay_name);
  g_free (self->topic);
  g_free (self->payload);
  g_free (self->detail);

  G_OBJECT_CLASS (bd_relay_log_entry_parent_class)->finalize (object);
}

static void
bd_relay_log_entry_class_init (BdRelayLogEntryClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = bd_relay_log_entry_finalize;
}

static void
bd_relay_log_entry_init (BdRelayLogEntry *self)
{
}

BdRelayLogEntry *
bd_relay_log_entry_new (gint64          time_us,
                        const char     *relay_id,
                        const char     *relay_name,
                        const char     *topic,
                        const char     *payload,
                        BdRelayOutcome  outcome)
{
  return bd_relay_log_entry_new_full (time_us, "relay", relay_id, relay_name, topic, payload,
                                      outcome, BD_RELAY_SOURCE_OPERATOR, NULL);
}

BdRelayLogEntry *
bd_relay_log_entry_new_full (gint64          time_us,
                             const char     *kind,
                             const char     *relay_id,
                             const char     *relay_name,
                             const char     *topic,
                             const char     *payload,
                             BdRelayOutcome  outcome,
                             BdRelaySource   source,
                             const char     *detail)
{
  BdRelayLogEntry *self = g_object_new (BD_TYPE_RELAY_LOG_ENTRY, NULL);

  self->time_us = time_us;
  self->kind = g_strcmp0 (kind, "setpoint") == 0 ? "setpoint" : "relay";
  self->relay_id = g_strdup (relay_id);
  self->relay_name = g_strdup (relay_name);
  self->topic = g_strdup (topic);
  self->payload = g_utf8_make_valid (payload != NULL ? payload : "", -1);
  self->outcome = outcome;
  self->source = source;
  self->detail = g_strdup (detail);
  return self;
}

const char *
bd_relay_log_entry_get_kind (BdRelayLogEntry *self)
{
  g_return_val_if_fail (BD_IS_RELAY_LOG_ENTRY (self), NULL);
  return self->kind;
}

BdRelaySource
bd_relay_log_entry_get_source (BdRelayLogEntry *self)
{
  g_return_val_if_fail (BD_IS_RELAY_LOG_ENTRY (self), BD_RELAY_SOURCE_OPERATOR);
  return self->source;
}

const char *
bd_relay_log_entry_get_detail (BdRelayLogEntry *self)
{
  g_return_val_if_fail (BD_IS_RELAY_LOG_ENTRY (self), NULL);
  return self->detail;
}

gint64
bd_relay_log_entry_get_time (BdRelayLogEntry *self)
{
  g_return_val_if_fail (BD_IS_RELAY_LOG_ENTRY (self), 0);
  return self->time_us;
}

const char *
bd_relay_log_entry_get_relay_id (BdRelayLogEntry *self)
{
  g_return_val_if_fail (BD_IS_RELAY_LOG_ENTRY (self), NULL);
  return self->relay_id;
}

const char *
bd_relay_log_entry_get_relay_name (BdRelayLogEntry *self)
{
  g_return_val_if_fail (BD_IS_RELAY_LOG_ENTRY (self), NULL);
  return self->relay_name;
}

const char *
bd_relay_log_entry_get_topic (BdRelayLogEntry *self)
{
  g_return_val_if_fail (BD_IS_RELAY_LOG_ENTRY (self), NULL);
  return self->topic;
}

const char *
bd_relay_log_entry_get_payload (BdRelayLogEntry *self)
{
  g_return_val_if_fail (BD_IS_RELAY_LOG_ENTRY (self), NULL);
  return self->payload;
}

BdRelayOutcome
bd_relay_log_entry_get_outcome (BdRelayLogEntry *self)
{
  g_return_val_if_fail (BD_IS_RELAY_LOG_ENTRY (self), BD_RELAY_OUTCOME_SENT);
  return self->outcome;
}
