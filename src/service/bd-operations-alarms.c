/* bd-operations-alarms.c — commands that their device did not confirm, as alarms
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "bd-operations-alarms.h"

char *
bd_operations_alarms_dup_command_id (const char *kind,
                                     const char *id)
{
  return g_strconcat ("command:", kind, ":", id, NULL);
}

/* One topic per relay or setpoint whatever the outcome (a timeout is logged
 * on the command topic, a contradiction on the state topic), so that both
 * are the one alarm: the command topic, which is what failed. */
static const char *
command_topic (BdRelayController *relays,
               BdRelayLogEntry   *entry)
{
  const char *id = bd_relay_log_entry_get_relay_id (entry);

  if (strcmp (bd_relay_log_entry_get_kind (entry), "setpoint") == 0)
    {
      BdSetpoint *setpoint = bd_relay_controller_lookup_setpoint (relays, id);

      if (setpoint != NULL)
        return bd_setpoint_get_command_topic (setpoint);
    }
  else
    {
      BdRelay *relay = bd_relay_controller_lookup (relays, id);

      if (relay != NULL)
        return bd_relay_get_command_topic (relay);
    }
  return bd_relay_log_entry_get_topic (entry);
}

static void
on_command_logged_cb (BdRelayController *relays,
                      BdRelayLogEntry   *entry,
                      BdAlarmEngine     *alarms)
{
  g_autofree char *id = bd_operations_alarms_dup_command_id (bd_relay_log_entry_get_kind (entry),
                                                             bd_relay_log_entry_get_relay_id (entry));

  switch (bd_relay_log_entry_get_outcome (entry))
    {
    case BD_RELAY_OUTCOME_TIMEOUT:
    case BD_RELAY_OUTCOME_CONTRADICTED:
      {
        /* TRANSLATORS: %s is a relay's or setpoint's name */
        g_autofree char *name = g_strdup_printf (_("%s: command not confirmed"),
                                                 bd_relay_log_entry_get_relay_name (entry));

        /* High: the plant is not in the state someone (or an automation)
         * asked for, and nothing else says so once the row is scrolled away. */
        bd_alarm_engine_raise_operation (alarms, id, name, command_topic (relays, entry),
                                         BD_ALARM_PRIORITY_HIGH);
      }
      break;
    case BD_RELAY_OUTCOME_CONFIRMED:
      bd_alarm_engine_return_operation (alarms, id);
      break;
    case BD_RELAY_OUTCOME_SENT:
    case BD_RELAY_OUTCOME_REFUSED:
    default:
      /* A refusal never reached the device: the operator saw why at once. */
      break;
    }
}

void
bd_operations_alarms_follow_relays (BdAlarmEngine     *alarms,
                                    BdRelayController *relays)
{
  g_return_if_fail (BD_IS_ALARM_ENGINE (alarms));
  g_return_if_fail (BD_IS_RELAY_CONTROLLER (relays));

  g_signal_connect_object (relays, "command-logged", G_CALLBACK (on_command_logged_cb),
                           alarms, 0);
}
