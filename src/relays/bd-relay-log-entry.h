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
  BD_RELAY_OUTCOME_REFUSED,       /* not sent: out of range, or a check (an interlock) blocked it */
} BdRelayOutcome;

/* Who asked for a command: checks (interlocks, an operator lock) may judge
 * them differently, and the journal says. */
typedef enum
{
  BD_RELAY_SOURCE_OPERATOR,       /* a switch, slider or entry in the window */
  BD_RELAY_SOURCE_AUTOMATION,     /* an automation acting on an alarm */
  BD_RELAY_SOURCE_PUBLISH,        /* a message typed into the window's publish panel */
} BdRelaySource;

#define BD_TYPE_RELAY_SOURCE (bd_relay_source_get_type ())
GType       bd_relay_source_get_type (void);
/* "operator", "automation", "publish" (not translated: for logs). */
const char *bd_relay_source_to_string (BdRelaySource source);

#define BD_TYPE_RELAY_OUTCOME (bd_relay_outcome_get_type ())
GType       bd_relay_outcome_get_type (void);
/* "sent", "confirmed", "timeout", "contradicted", "refused" (not translated: for logs). */
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
/* @kind: "relay" or "setpoint"; @detail: why a command was refused or
 * failed (may be NULL). */
BdRelayLogEntry *bd_relay_log_entry_new_full     (gint64          time_us,
                                                  const char     *kind,
                                                  const char     *relay_id,
                                                  const char     *relay_name,
                                                  const char     *topic,
                                                  const char     *payload,
                                                  BdRelayOutcome  outcome,
                                                  BdRelaySource   source,
                                                  const char     *detail);
/* "relay" or "setpoint": the same words as the journal's kinds. */
const char      *bd_relay_log_entry_get_kind     (BdRelayLogEntry *self);
BdRelaySource    bd_relay_log_entry_get_source   (BdRelayLogEntry *self);
const char      *bd_relay_log_entry_get_detail   (BdRelayLogEntry *self);
gint64           bd_relay_log_entry_get_time     (BdRelayLogEntry *self); /* g_get_real_time () */
const char      *bd_relay_log_entry_get_relay_id (BdRelayLogEntry *self);
const char      *bd_relay_log_entry_get_relay_name (BdRelayLogEntry *self);
/* The command topic for "sent" and "timeout", the state topic otherwise. */
const char      *bd_relay_log_entry_get_topic    (BdRelayLogEntry *self);
/* The payload published or received (invalid UTF-8 replaced). */
const char      *bd_relay_log_entry_get_payload  (BdRelayLogEntry *self);
BdRelayOutcome   bd_relay_log_entry_get_outcome  (BdRelayLogEntry *self);

G_END_DECLS
