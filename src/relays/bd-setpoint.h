/* bd-setpoint.h — one setpoint: an analog output driven by a number
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Like a relay (bd-relay.h), a setpoint is an output (bd-output.h: id, name,
 * command and state topics, QoS, timeout) with its own configuration (unit,
 * range, step, rate limit, tolerance, payload shape) plus what the controller
 * last saw confirmed on the state topic. Valve positioners, dimmers, fan speeds, 0–10 V and 4–20 mA outputs
 * of I/O gateways take one. Only the BdRelayController changes the state
 * properties ("value", "target", "pending", "last-error", "last-change").
 */

#pragma once

#include "bd-output.h"

G_BEGIN_DECLS

#define BD_SETPOINT_DEFAULT_TIMEOUT_MS BD_OUTPUT_DEFAULT_TIMEOUT_MS

#define BD_TYPE_SETPOINT (bd_setpoint_get_type ())
G_DECLARE_FINAL_TYPE (BdSetpoint, bd_setpoint, BD, SETPOINT, BdOutput)

BdSetpoint  *bd_setpoint_new                (const char  *id,
                                             const char  *name,
                                             const char  *command_topic,
                                             const char  *state_topic);
/* The same configuration, no state (the editor works on a copy). */
BdSetpoint  *bd_setpoint_copy               (BdSetpoint  *self);

const char  *bd_setpoint_get_id             (BdSetpoint  *self);
void         bd_setpoint_set_id             (BdSetpoint  *self,
                                             const char  *id);
const char  *bd_setpoint_get_name           (BdSetpoint  *self);
void         bd_setpoint_set_name           (BdSetpoint  *self,
                                             const char  *name);
const char  *bd_setpoint_get_command_topic  (BdSetpoint  *self);
void         bd_setpoint_set_command_topic  (BdSetpoint  *self,
                                             const char  *topic);
const char  *bd_setpoint_get_state_topic    (BdSetpoint  *self);
void         bd_setpoint_set_state_topic    (BdSetpoint  *self,
                                             const char  *topic);
/* "%", "°C", "V"… or NULL. */
const char  *bd_setpoint_get_unit           (BdSetpoint  *self);
void         bd_setpoint_set_unit           (BdSetpoint  *self,
                                             const char  *unit);
/* NULL: the payload is a plain number both ways. A path ("value",
 * "$.out.level"): commands are a JSON object with the number there
 * ({"value": 4.2}), and the state is read from that field. */
const char  *bd_setpoint_get_json_path      (BdSetpoint  *self);
void         bd_setpoint_set_json_path      (BdSetpoint  *self,
                                             const char  *path);
double       bd_setpoint_get_minimum        (BdSetpoint  *self);
void         bd_setpoint_set_minimum        (BdSetpoint  *self,
                                             double       minimum);
double       bd_setpoint_get_maximum        (BdSetpoint  *self);
void         bd_setpoint_set_maximum        (BdSetpoint  *self,
                                             double       maximum);
/* Values are rounded to minimum + n × step; 0 = no rounding. */
double       bd_setpoint_get_step           (BdSetpoint  *self);
void         bd_setpoint_set_step           (BdSetpoint  *self,
                                             double       step);
/* The most commands per second (0 = no limit): a slider being dragged sends
 * the newest value once the interval has passed, not every value. */
double       bd_setpoint_get_rate_limit     (BdSetpoint  *self);
void         bd_setpoint_set_rate_limit     (BdSetpoint  *self,
                                             double       per_second);
/* How far a reported value may be from the target and still confirm it;
 * a negative value (the default) means half a step (or 1e-6 without one). */
double       bd_setpoint_get_tolerance      (BdSetpoint  *self);
void         bd_setpoint_set_tolerance      (BdSetpoint  *self,
                                             double       tolerance);
double       bd_setpoint_get_effective_tolerance (BdSetpoint *self);
guint        bd_setpoint_get_qos            (BdSetpoint  *self);
void         bd_setpoint_set_qos            (BdSetpoint  *self,
                                             guint        qos);
gboolean     bd_setpoint_get_retain_command (BdSetpoint  *self);
void         bd_setpoint_set_retain_command (BdSetpoint  *self,
                                             gboolean     retain);
guint        bd_setpoint_get_timeout        (BdSetpoint  *self);   /* milliseconds */
void         bd_setpoint_set_timeout        (BdSetpoint  *self,
                                             guint        timeout_ms);

/* What the state topic last said; NAN when unknown. */
double       bd_setpoint_get_value          (BdSetpoint  *self);
gboolean     bd_setpoint_get_pending        (BdSetpoint  *self);
/* The value a pending command asks for; NAN when nothing is pending. */
double       bd_setpoint_get_target         (BdSetpoint  *self);
const char  *bd_setpoint_get_last_error     (BdSetpoint  *self);
gint64       bd_setpoint_get_last_change    (BdSetpoint  *self);

/* @value rounded to the step; FALSE with BD_RELAY_ERROR_OUT_OF_RANGE when
 * it is outside [minimum, maximum] or not a finite number. */
gboolean     bd_setpoint_round              (BdSetpoint  *self,
                                             double       value,
                                             double      *rounded,
                                             GError     **error);
/* The command payload for @value: a plain number, or the JSON object. */
char        *bd_setpoint_format_payload     (BdSetpoint  *self,
                                             double       value);
/* "42 %" for labels. */
char        *bd_setpoint_format_value       (BdSetpoint  *self,
                                             double       value);
/* The number a state (or command) payload carries; FALSE when none. */
gboolean     bd_setpoint_parse_payload      (BdSetpoint  *self,
                                             const guint8 *payload,
                                             gsize        len,
                                             double      *value);
gboolean     bd_setpoint_validate           (BdSetpoint  *self,
                                             GError     **error);

G_END_DECLS
