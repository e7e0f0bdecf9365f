/* bd-relay-log-entry.h — one line of the relay command log
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum
{
  BD_RELAY_OUTCOME_SENT,          /* the command was published */
  BD_RELAY_OUTCOME_CONFIRMED,     /* the state topic reported the target state */
  BD_RELAY_OUTCOME_TIMEOUT,       /* no confirmation within the relay's timeout */
  BD_RELAY_OUTCOME_CONTRADICTED,  /* the state topic reported the other state */
} BdRelayOutcome;

#define BD_TYPE_RELAY_OUTCOME (bd_relay_outcome_get_type ())
GType       bd_relay_outcome_get_type (void);
/* "sent", "confirmed", "timeout", "contradicted" (not translated: for logs). */
const char *bd_relay_outcome_to_string (BdRelayOutcome outcome);

#define BD_TYPE_RELAY_LOG_ENTRY (bd_relay_log_entry_get_type ())
G_DECLARE_FINAL_TYPE (BdRelayLogEntry, bd_relay_log_entry, BD, RELAY_LOG_ENTRY, GObject)

/* Immutable; safe to hand to another thread. */
BdRelayLogEntry *bd_relay_log_entry_new          (gint64          time_us,
                                                  const char     *relay_id,
                                                  const char     *relay_name,
                                                  const char     *topic,
                                                  const char     *payload,
                                                  BdRelayOutcome  outcome);
gint64           bd_relay_log_entry_get_time     (BdRelayLogEntry *self); /* g_get_real_time () */
const char      *bd_relay_log_entry_get_relay_id (BdRelayLogEntry *self);
const char      *bd_relay_log_entry_get_relay_name (BdRelayLogEntry *self);
/* The command topic for "sent" and "timeout", the state topic otherwise. */
const char      *bd_relay_log_entry_get_topic    (BdRelayLogEntry *self);
/* The payload published or received (invalid UTF-8 replaced). */
const char      *bd_relay_log_entry_get_payload  (BdRelayLogEntry *self);
BdRelayOutcome   bd_relay_log_entry_get_outcome  (BdRelayLogEntry *self);

G_END_DECLS
