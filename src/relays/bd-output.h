/* bd-output.h — what relays and setpoints have in common
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A BdOutput is a device output driven over MQTT: an id and a name, a
 * command topic the controller publishes to, a state topic the device
 * confirms on, the QoS and retain flag of the commands and how long a
 * command may wait for its confirmation. While a command waits it is
 * "pending"; a timeout or a contradicting report leaves "last-error".
 * BdRelay (on/off) and BdSetpoint (a number) are the two kinds: each adds
 * its payloads, its state and the target of a pending command.
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define BD_OUTPUT_DEFAULT_TIMEOUT_MS 5000

#define BD_TYPE_OUTPUT (bd_output_get_type ())
G_DECLARE_DERIVABLE_TYPE (BdOutput, bd_output, BD, OUTPUT, GObject)

struct _BdOutputClass
{
  GObjectClass parent_class;

  /* Whether the target of a command is set, that is, not yet confirmed. */
  gboolean (*get_pending)  (BdOutput *self);
  /* Forgets the target: the command is over, either way. */
  void     (*clear_target) (BdOutput *self);
  /* Whether the configuration can be used; the error names the field. */
  gboolean (*validate)     (BdOutput *self,
                            GError  **error);
};

/* A new output of the same kind and configuration (every read-write
 * property), with no state: the editor works on a copy. */
BdOutput    *bd_output_copy               (BdOutput    *self);

const char  *bd_output_get_id             (BdOutput    *self);
void         bd_output_set_id             (BdOutput    *self,
                                           const char  *id);
const char  *bd_output_get_name           (BdOutput    *self);
void         bd_output_set_name           (BdOutput    *self,
                                           const char  *name);
const char  *bd_output_get_command_topic  (BdOutput    *self);
void         bd_output_set_command_topic  (BdOutput    *self,
                                           const char  *topic);
const char  *bd_output_get_state_topic    (BdOutput    *self);
void         bd_output_set_state_topic    (BdOutput    *self,
                                           const char  *topic);
guint        bd_output_get_qos            (BdOutput    *self);
void         bd_output_set_qos            (BdOutput    *self,
                                           guint        qos);
gboolean     bd_output_get_retain_command (BdOutput    *self);
void         bd_output_set_retain_command (BdOutput    *self,
                                           gboolean     retain);
guint        bd_output_get_timeout        (BdOutput    *self);   /* milliseconds */
void         bd_output_set_timeout        (BdOutput    *self,
                                           guint        timeout_ms);

gboolean     bd_output_get_pending        (BdOutput    *self);
const char  *bd_output_get_last_error     (BdOutput    *self);
/* Wall-clock time (g_get_real_time) of the last state change, 0 if none. */
gint64       bd_output_get_last_change    (BdOutput    *self);

/* bd_relay_validate () or bd_setpoint_validate (), as the kind is. */
gboolean     bd_output_validate           (BdOutput    *self,
                                           GError     **error);

G_END_DECLS
