/* bd-relay.h — one relay: a command topic, a state topic and their payloads
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A BdRelay is an output (bd-output.h: id, name, topics, QoS, timeout) with
 * on and off payloads, plus the state the controller last saw confirmed on
 * the state topic. Only the BdRelayController changes the state properties;
 * they notify on the thread that owns the controller (the main thread in
 * the GUI).
 */

#pragma once

#include "bd-output.h"

G_BEGIN_DECLS

#define BD_RELAY_ERROR (bd_relay_error_quark ())
GQuark bd_relay_error_quark (void);

typedef enum
{
  BD_RELAY_ERROR_INVALID,   /* a field cannot be used (message names the field) */
  BD_RELAY_ERROR_EXISTS,    /* another relay has this id */
  BD_RELAY_ERROR_NOT_FOUND, /* no relay has this id */
  BD_RELAY_ERROR_NO_BROKER, /* nothing to publish commands to */
  BD_RELAY_ERROR_OUT_OF_RANGE, /* a setpoint value outside its range */
  BD_RELAY_ERROR_BLOCKED,   /* a check (an interlock, a lock) refused the command */
} BdRelayError;

typedef enum
{
  BD_RELAY_STATE_UNKNOWN,
  BD_RELAY_STATE_OFF,
  BD_RELAY_STATE_ON,
} BdRelayState;

#define BD_TYPE_RELAY_STATE (bd_relay_state_get_type ())
GType bd_relay_state_get_type (void);

#define BD_RELAY_DEFAULT_TIMEOUT_MS BD_OUTPUT_DEFAULT_TIMEOUT_MS

#define BD_TYPE_RELAY (bd_relay_get_type ())
G_DECLARE_FINAL_TYPE (BdRelay, bd_relay, BD, RELAY, BdOutput)

BdRelay      *bd_relay_new                 (const char   *id,
                                            const char   *name,
                                            const char   *command_topic,
                                            const char   *state_topic);
/* A new relay with the same configuration and an unknown state (the editor
 * works on a copy, so a cancelled edit changes nothing). */
BdRelay      *bd_relay_copy                (BdRelay      *self);

const char   *bd_relay_get_id              (BdRelay      *self);
void          bd_relay_set_id              (BdRelay      *self,
                                            const char   *id);
const char   *bd_relay_get_name            (BdRelay      *self);
void          bd_relay_set_name            (BdRelay      *self,
                                            const char   *name);
const char   *bd_relay_get_command_topic   (BdRelay      *self);
void          bd_relay_set_command_topic   (BdRelay      *self,
                                            const char   *topic);
const char   *bd_relay_get_state_topic     (BdRelay      *self);
void          bd_relay_set_state_topic     (BdRelay      *self,
                                            const char   *topic);
const char   *bd_relay_get_on_payload      (BdRelay      *self);
void          bd_relay_set_on_payload      (BdRelay      *self,
                                            const char   *payload);
const char   *bd_relay_get_off_payload     (BdRelay      *self);
void          bd_relay_set_off_payload     (BdRelay      *self,
                                            const char   *payload);
/* NULL means "the same as the command payload". */
const char   *bd_relay_get_state_on        (BdRelay      *self);
void          bd_relay_set_state_on        (BdRelay      *self,
                                            const char   *payload);
const char   *bd_relay_get_state_off       (BdRelay      *self);
void          bd_relay_set_state_off       (BdRelay      *self,
                                            const char   *payload);
guint         bd_relay_get_qos             (BdRelay      *self);
void          bd_relay_set_qos             (BdRelay      *self,
                                            guint         qos);
gboolean      bd_relay_get_retain_command  (BdRelay      *self);
void          bd_relay_set_retain_command  (BdRelay      *self,
                                            gboolean      retain);
guint         bd_relay_get_timeout         (BdRelay      *self);   /* milliseconds */
void          bd_relay_set_timeout         (BdRelay      *self,
                                            guint         timeout_ms);

BdRelayState  bd_relay_get_state           (BdRelay      *self);
gboolean      bd_relay_get_pending         (BdRelay      *self);
/* The state a pending command asks for; UNKNOWN when nothing is pending. */
BdRelayState  bd_relay_get_target          (BdRelay      *self);
const char   *bd_relay_get_last_error      (BdRelay      *self);
/* Wall-clock time (g_get_real_time) of the last state change, 0 if none. */
gint64        bd_relay_get_last_change     (BdRelay      *self);

/* What a state payload means: the configured state payloads first, then the
 * usual spellings (ON/OFF, true/false, 1/0, any case, surrounding blanks
 * ignored). UNKNOWN when it means neither. */
BdRelayState  bd_relay_parse_state         (BdRelay      *self,
                                            const guint8 *payload,
                                            gsize         len);

/* The message is translated and names the field; usable by an editor. */
gboolean      bd_relay_validate_topic      (const char   *topic,
                                            GError      **error);
gboolean      bd_relay_validate            (BdRelay      *self,
                                            GError      **error);

/* relays.ini: one group per relay, named by its id. A broken entry is skipped
 * and described in *@warnings (file, group and key); the others load. A
 * missing file is an empty list. NULL and @error only when the file as a
 * whole cannot be read or parsed. Thread-safe (use from a worker). */
GPtrArray    *bd_relays_load               (const char   *path,
                                            char       ***warnings,
                                            GError      **error);
GPtrArray    *bd_relays_load_from_data     (const char   *data,
                                            gssize        len,
                                            const char   *file_name,
                                            char       ***warnings,
                                            GError      **error);
char         *bd_relays_to_data            (GPtrArray    *relays,
                                            gsize        *len);
/* The same file with setpoints too: a group with "type=setpoint" is a
 * setpoint (bd-setpoint.h), the others are relays. *@relays and
 * *@setpoints are set on success. */
gboolean      bd_relays_load_all           (const char   *path,
                                            GPtrArray   **relays,
                                            GPtrArray   **setpoints,
                                            char       ***warnings,
                                            GError      **error);
gboolean      bd_relays_load_all_from_data (const char   *data,
                                            gssize        len,
                                            const char   *file_name,
                                            GPtrArray   **relays,
                                            GPtrArray   **setpoints,
                                            char       ***warnings,
                                            GError      **error);
char         *bd_relays_to_data_full       (GPtrArray    *relays,
                                            GPtrArray    *setpoints,
                                            gsize        *len);
/* $XDG_CONFIG_HOME/brokerdesk/relays.ini */
char         *bd_relays_dup_default_path   (void);

/* The relays of the demo plant (src/demo): a fan and a heater per area. */
GPtrArray    *bd_relays_new_demo           (void);
/* The demo plant's setpoints: a valve (0–100 %) per area (BdSetpoint*). */
GPtrArray    *bd_setpoints_new_demo        (void);

G_END_DECLS
