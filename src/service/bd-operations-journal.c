/* bd-operations-journal.c — alarm transitions and relay commands into the journal
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "bd-operations-journal.h"

static void
journal_unref_closure (gpointer  data,
                       GClosure *closure)
{
  bd_journal_unref (data);
}

char *
bd_operations_journal_by_whom (void)
{
  /* Translators: appended to a journal entry; %s is the user's login name. */
  return g_strdup_printf (_(" — by %s"), g_get_user_name ());
}

void
bd_operations_journal_note (BdJournal  *journal,
                            const char *source_id,
                            const char *text)
{
  g_autofree char *by = bd_operations_journal_by_whom ();
  g_autofree char *full = g_strconcat (text, by, NULL);

  g_return_if_fail (journal != NULL);

  bd_journal_append (journal, &(BdJournalEntry) {
                       .time_us = g_get_real_time (),
                       .kind = (char *) BD_JOURNAL_KIND_OPERATOR,
                       .source_id = (char *) source_id,
                       .value = NAN,
                       .text = full,
                     });
}

/* Transitions only an operator causes: an acknowledgement (of an active
 * alarm, or of one that returned), and shelving. Unshelving is left out:
 * a shelf also runs out by itself. */
static gboolean
is_operator_transition (BdAlarmState from,
                        BdAlarmState to)
{
  return (from == BD_ALARM_STATE_UNACK && to == BD_ALARM_STATE_ACKED) ||
         (from == BD_ALARM_STATE_RTN_UNACK && to == BD_ALARM_STATE_NORMAL) ||
         (from != BD_ALARM_STATE_SHELVED && to == BD_ALARM_STATE_SHELVED);
}

/* After the alarm engine updated @alarm: its value and "since" are the
 * transition's (the evaluator sets both when the state or level changes). */
static void
on_alarm_transition_cb (BdAlarmEngine *alarms,
                        BdAlarm       *alarm,
                        BdAlarmState   from_state,
                        BdAlarmLevel   from_level,
                        gpointer       user_data)
{
  BdJournal *journal = user_data;
  BdAlarmLevel level = bd_alarm_get_level (alarm);
  g_autofree char *text = bd_alarm_describe_transition (alarm, from_state, from_level);

  if (is_operator_transition (from_state, bd_alarm_get_state (alarm)))
    {
      g_autofree char *by = bd_operations_journal_by_whom ();
      char *with_who = g_strconcat (text, by, NULL);

      g_free (text);
      text = with_who;
    }

  bd_journal_append (journal, &(BdJournalEntry) {
                       .time_us = bd_alarm_get_since (alarm),
                       .kind = (char *) BD_JOURNAL_KIND_ALARM,
                       .source_id = (char *) bd_alarm_get_rule_id (alarm),
                       .topic = (char *) bd_alarm_get_topic (alarm),
                       /* A return names the level it returned from. */
                       .level = (char *) bd_alarm_level_to_string (level != BD_ALARM_LEVEL_NONE ?
                                                                   level : from_level),
                       .from_state = (char *) bd_alarm_state_to_string (from_state),
                       .to_state = (char *) bd_alarm_state_to_string (bd_alarm_get_state (alarm)),
                       .value = bd_alarm_get_value (alarm),
                       .text = text,
                     });
}

void
bd_operations_journal_follow_alarms (BdJournal     *journal,
                                     BdAlarmEngine *alarms)
{
  g_return_if_fail (journal != NULL);
  g_return_if_fail (BD_IS_ALARM_ENGINE (alarms));

  g_signal_connect_data (alarms, "transition", G_CALLBACK (on_alarm_transition_cb),
                         bd_journal_ref (journal), journal_unref_closure, 0);
}

static void
on_relay_command_logged_cb (BdRelayController *relays,
                            BdRelayLogEntry   *entry,
                            gpointer           user_data)
{
  BdJournal *journal = user_data;
  BdRelayOutcome outcome = bd_relay_log_entry_get_outcome (entry);
  const char *detail = bd_relay_log_entry_get_detail (entry);
  BdRelaySource source = bd_relay_log_entry_get_source (entry);
  gboolean unconfirmed = outcome == BD_RELAY_OUTCOME_TIMEOUT ||
                         outcome == BD_RELAY_OUTCOME_CONTRADICTED;
  /* The window's commands are a person's; an automation's are not. */
  g_autofree char *by = source == BD_RELAY_SOURCE_OPERATOR || source == BD_RELAY_SOURCE_PUBLISH
                        ? bd_operations_journal_by_whom () : g_strdup ("");
  g_autofree char *text = g_strdup_printf ("%s %s%s%s%s",
                                           bd_relay_log_entry_get_topic (entry),
                                           bd_relay_log_entry_get_payload (entry),
                                           detail != NULL ? ": " : "",
                                           detail != NULL ? detail : "",
                                           by);

  /* A refused command with the reason (which interlock), and who asked. */
  bd_journal_append (journal, &(BdJournalEntry) {
                       .time_us = bd_relay_log_entry_get_time (entry),
                       .kind = (char *) bd_relay_log_entry_get_kind (entry),
                       .source_id = (char *) bd_relay_log_entry_get_relay_id (entry),
                       .topic = (char *) bd_relay_log_entry_get_topic (entry),
                       .from_state = (char *) bd_relay_source_to_string (source),
                       .to_state = (char *) bd_relay_outcome_to_string (outcome),
                       .value = NAN,
                       .text = text,
                     });

  /* A device that does not answer is the plant's news, not a program error:
   * a message, so a headless server's log shows it without alarming anyone
   * about Brokerdesk itself; any other outcome is information. */
  g_log (G_LOG_DOMAIN, unconfirmed ? G_LOG_LEVEL_MESSAGE : G_LOG_LEVEL_INFO,
         unconfirmed ? "Relay “%s”: %s %s was not confirmed (%s)" : "Relay “%s”: %s %s %s",
         bd_relay_log_entry_get_relay_name (entry),
         bd_relay_log_entry_get_topic (entry),
         bd_relay_log_entry_get_payload (entry),
         bd_relay_outcome_to_string (outcome));
}

void
bd_operations_journal_follow_relays (BdJournal         *journal,
                                     BdRelayController *relays)
{
  g_return_if_fail (journal != NULL);
  g_return_if_fail (BD_IS_RELAY_CONTROLLER (relays));

  g_signal_connect_data (relays, "command-logged", G_CALLBACK (on_relay_command_logged_cb),
                         bd_journal_ref (journal), journal_unref_closure, 0);
}
