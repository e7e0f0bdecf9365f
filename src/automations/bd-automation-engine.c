/* bd-automation-engine.c — automations that answer alarms, and interlocks
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An automation matches a transition of an alarm of its rule (and topic):
 *
 *   raised        the alarm becomes active at the level (HI also counts HIHI,
 *                 LO counts LOLO), and was not active at it before: an
 *                 escalation from Hi to HiHi does not raise "Hi" again
 *   acknowledged  UNACK -> ACKED
 *   returned      active -> RTN_UNACK or NORMAL
 *   stale         the level becomes STALE
 *
 * With a delay the action waits; it is dropped when the alarm leaves that
 * state first (a raise that returns within the delay does nothing). When
 * it is due, the condition is checked, then the action is taken (mode on)
 * or proposed (mode ask). Every step is journaled as kind "automation".
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "bd-automation-engine.h"
#include "bd-message-inbox.h"
#include "bd-payload.h"
#include "bd-settings-file.h"
#include "bd-tap-table.h"

typedef struct
{
  BdAutomationEngine *self;   /* not a reference: dropped in dispose */
  BdAutomation       *automation;
  char               *rule_id;
  char               *topic;
  char               *reason;
  GSource            *source;
} Delayed;

struct _BdAutomationEngine
{
  GObject            parent_instance;

  GMainContext      *context;
  BdAlarmEngine     *alarms;
  BdRelayController *relays;
  BdJournal         *journal;
  BdEngine          *engine;
  BdMessageInbox    *inbox;
  GHashTable        *taps;          /* topic -> tap id, while attached */
  GHashTable        *values;        /* topic -> double*, the last value */
  guint              check_id;

  GPtrArray         *automations;   /* BdAutomation* */
  GPtrArray         *interlocks;    /* BdInterlock* */
  GPtrArray         *delayed;       /* Delayed* */
  GListStore        *proposals;

  char              *path;
  gboolean           saving;
  gboolean           save_again;
};

enum {
  ACTED,
  PROPOSED,
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (BdAutomationEngine, bd_automation_engine, G_TYPE_OBJECT)

/* ------------------------------------------------------------- journal */

/* @outcome: "acted", "proposed", "confirmed", "dismissed", "skipped",
 * "blocked", "failed" (for logs and the journal). */
static void
record (BdAutomationEngine *self,
        const BdAutomation *automation,
        const char         *topic,
        const char         *outcome,
        const char         *text)
{
  if (self->journal != NULL)
    bd_journal_append (self->journal, &(BdJournalEntry) {
                         .time_us = g_get_real_time (),
                         .kind = (char *) BD_JOURNAL_KIND_AUTOMATION,
                         .source_id = automation->id,
                         .topic = (char *) topic,
                         .from_state = (char *) bd_automation_when_to_string (automation->when),
                         .to_state = (char *) outcome,
                         .value = NAN,
                         .text = (char *) text,
                       });
  g_info ("Automation “%s”: %s: %s", automation->name, outcome, text);
  g_signal_emit (self, signals[ACTED], 0, automation->id, outcome, text);
}

/* ------------------------------------------------------------- conditions */

static gboolean
relay_is_on (BdAutomationEngine *self,
             const char         *id)
{
  BdRelay *relay = bd_relay_controller_lookup (self->relays, id);

  return relay != NULL && bd_relay_get_state (relay) == BD_RELAY_STATE_ON;
}

gboolean
bd_automation_engine_condition_holds (BdAutomationEngine *self,
                                      const BdCondition  *condition)
{
  g_return_val_if_fail (BD_IS_AUTOMATION_ENGINE (self), FALSE);

  if (condition->relay != NULL && relay_is_on (self, condition->relay) != condition->relay_on)
    return FALSE;
  if (condition->topic != NULL)
    {
      double *value = g_hash_table_lookup (self->values, condition->topic);

      /* Nothing known yet is not a value above or below anything. */
      if (value == NULL ||
          (!isnan (condition->above) && !(*value > condition->above)) ||
          (!isnan (condition->below) && !(*value < condition->below)))
        return FALSE;
    }
  if (condition->from_minute >= 0)
    {
      g_autoptr(GDateTime) now = g_date_time_new_now_local ();
      int minute = g_date_time_get_hour (now) * 60 + g_date_time_get_minute (now);

      if (condition->from_minute <= condition->to_minute
          ? !(minute >= condition->from_minute && minute < condition->to_minute)
          : !(minute >= condition->from_minute || minute < condition->to_minute))
        return FALSE;
    }
  return TRUE;
}

/* ------------------------------------------------------------- interlocks */

static gboolean
interlock_check_cb (BdRelayController    *controller,
                    const BdRelayCommand *command,
                    gpointer              user_data,
                    GError              **error)
{
  BdAutomationEngine *self = user_data;
  const char *id = command->relay != NULL ? bd_relay_get_id (command->relay)
                                          : bd_setpoint_get_id (command->setpoint);
  gboolean on = command->relay != NULL ? command->on
                                       : command->value > bd_setpoint_get_minimum (command->setpoint);

  for (guint i = 0; i < self->interlocks->len; i++)
    {
      BdInterlock *interlock = g_ptr_array_index (self->interlocks, i);
      g_autofree char *why = NULL;

      if (g_strcmp0 (interlock->target, id) != 0 ||
          (interlock->blocks == BD_INTERLOCK_BLOCKS_ON && !on) ||
          (interlock->blocks == BD_INTERLOCK_BLOCKS_OFF && on) ||
          !bd_automation_engine_condition_holds (self, &interlock->condition))
        continue;
      why = bd_condition_describe (&interlock->condition);
      /* Translators: "Blocked by the interlock “Heater needs the fan”: packaging-fan is off" */
      g_set_error (error, BD_RELAY_ERROR, BD_RELAY_ERROR_BLOCKED,
                   _("Blocked by the interlock “%s”: %s"), interlock->name, why);
      return FALSE;
    }
  return TRUE;
}

/* ------------------------------------------------------------- actions */

static const char *
target_name (BdAutomationEngine *self,
             const BdAutomation *automation)
{
  if (automation->action == BD_AUTOMATION_ACTION_RELAY)
    {
      BdRelay *relay = bd_relay_controller_lookup (self->relays, automation->target);

      return relay != NULL ? bd_relay_get_name (relay) : NULL;
    }
  if (automation->action == BD_AUTOMATION_ACTION_SETPOINT)
    {
      BdSetpoint *setpoint = bd_relay_controller_lookup_setpoint (self->relays, automation->target);

      return setpoint != NULL ? bd_setpoint_get_name (setpoint) : NULL;
    }
  return NULL;
}

static gboolean
act (BdAutomationEngine  *self,
     const BdAutomation  *automation,
     GError             **error)
{
  switch (automation->action)
    {
    case BD_AUTOMATION_ACTION_RELAY:
      {
        BdRelay *relay = bd_relay_controller_lookup (self->relays, automation->target);

        if (relay == NULL)
          {
            g_set_error (error, BD_AUTOMATION_ERROR, BD_AUTOMATION_ERROR_NOT_FOUND,
                         _("No relay has the id “%s”"), automation->target);
            return FALSE;
          }
        return bd_relay_controller_command (self->relays, relay, automation->on,
                                            BD_RELAY_SOURCE_AUTOMATION, error);
      }
    case BD_AUTOMATION_ACTION_SETPOINT:
      {
        BdSetpoint *setpoint = bd_relay_controller_lookup_setpoint (self->relays, automation->target);

        if (setpoint == NULL)
          {
            g_set_error (error, BD_AUTOMATION_ERROR, BD_AUTOMATION_ERROR_NOT_FOUND,
                         _("No setpoint has the id “%s”"), automation->target);
            return FALSE;
          }
        return bd_relay_controller_set_value (self->relays, setpoint, automation->value,
                                              BD_RELAY_SOURCE_AUTOMATION, error);
      }
    case BD_AUTOMATION_ACTION_PUBLISH:
    default:
      {
        const char *text = automation->payload != NULL ? automation->payload : "";
        g_autoptr(GBytes) payload = NULL;
        g_autoptr(BdMessage) message = NULL;

        if (self->engine == NULL)
          {
            g_set_error_literal (error, BD_RELAY_ERROR, BD_RELAY_ERROR_NO_BROKER,
                                 _("Not connected to a broker"));
            return FALSE;
          }
        /* The same checks as the publish panel: a message to a relay's
         * command topic is a command. */
        if (!bd_relay_controller_check_publish (self->relays, automation->topic,
                                                (const guint8 *) text, strlen (text), error))
          return FALSE;
        payload = g_bytes_new (text, strlen (text));
        message = bd_message_new (automation->topic, payload, 1, automation->retain, NULL);
        bd_engine_publish (self->engine, message);
        return TRUE;
      }
    }
}

static char *
describe (BdAutomationEngine *self,
          const BdAutomation *automation)
{
  return bd_automation_describe_action (automation, target_name (self, automation));
}

/* The action is due: the condition decides, then the mode. */
static void
fire (BdAutomationEngine *self,
      const BdAutomation *automation,
      const char         *topic,
      const char         *reason)
{
  g_autofree char *action = describe (self, automation);
  g_autoptr(GError) error = NULL;

  if (!bd_automation_engine_condition_holds (self, &automation->condition))
    {
      g_autofree char *condition = bd_condition_describe (&automation->condition);
      /* Translators: "Switch Fan on: not done, the condition (… is on) does not hold" */
      g_autofree char *text = g_strdup_printf (_("%s: not done, the condition (%s) does not hold"),
                                               action, condition);

      record (self, automation, topic, "skipped", text);
      return;
    }

  if (automation->mode == BD_AUTOMATION_MODE_ASK)
    {
      g_autoptr(BdAutomationProposal) proposal = bd_automation_proposal_new (automation, action, reason, topic);
      g_autofree char *text = g_strdup_printf ("%s (%s)", action, reason);

      g_list_store_append (self->proposals, proposal);
      record (self, automation, topic, "proposed", text);
      g_signal_emit (self, signals[PROPOSED], 0, proposal);
      return;
    }

  if (act (self, automation, &error))
    {
      g_autofree char *text = g_strdup_printf ("%s (%s)", action, reason);

      record (self, automation, topic, "acted", text);
    }
  else
    {
      g_autofree char *text = g_strdup_printf ("%s: %s", action, error->message);

      record (self, automation, topic,
              g_error_matches (error, BD_RELAY_ERROR, BD_RELAY_ERROR_BLOCKED) ? "blocked" : "failed", text);
    }
}

static void
delayed_free (gpointer data)
{
  Delayed *delayed = data;

  if (delayed->source != NULL)
    {
      g_source_destroy (delayed->source);
      g_source_unref (delayed->source);
    }
  bd_automation_free (delayed->automation);
  g_free (delayed->rule_id);
  g_free (delayed->topic);
  g_free (delayed->reason);
  g_free (delayed);
}

static gboolean
delayed_cb (gpointer data)
{
  Delayed *delayed = data;
  BdAutomationEngine *self = delayed->self;

  /* Returning REMOVE destroys the source; the entry must not again. */
  g_clear_pointer (&delayed->source, g_source_unref);
  fire (self, delayed->automation, delayed->topic, delayed->reason);
  g_ptr_array_remove (self->delayed, delayed);
  return G_SOURCE_REMOVE;
}

/* ------------------------------------------------------------- transitions */

static gboolean
is_active (BdAlarmState state)
{
  return state == BD_ALARM_STATE_UNACK || state == BD_ALARM_STATE_ACKED;
}

static gboolean
level_matches (BdAlarmLevel wanted,
               BdAlarmLevel level)
{
  switch (wanted)
    {
    case BD_ALARM_LEVEL_NONE:
      return level != BD_ALARM_LEVEL_NONE && level != BD_ALARM_LEVEL_STALE;
    case BD_ALARM_LEVEL_HI:
      return level == BD_ALARM_LEVEL_HI || level == BD_ALARM_LEVEL_HIHI;
    case BD_ALARM_LEVEL_LO:
      return level == BD_ALARM_LEVEL_LO || level == BD_ALARM_LEVEL_LOLO;
    default:
      return level == wanted;
    }
}

/* Whether the alarm (state, level) is in the state @automation waits for. */
static gboolean
when_holds (const BdAutomation *automation,
            BdAlarmState        state,
            BdAlarmLevel        level)
{
  switch (automation->when)
    {
    case BD_AUTOMATION_WHEN_RAISED:
      return is_active (state) && level_matches (automation->level, level);
    case BD_AUTOMATION_WHEN_ACKNOWLEDGED:
      return state == BD_ALARM_STATE_ACKED && level_matches (automation->level, level);
    case BD_AUTOMATION_WHEN_RETURNED:
      return !is_active (state) && state != BD_ALARM_STATE_SHELVED;
    case BD_AUTOMATION_WHEN_STALE:
      return level == BD_ALARM_LEVEL_STALE && is_active (state);
    default:
      return FALSE;
    }
}

static gboolean
enters (const BdAutomation *automation,
        BdAlarmState        from_state,
        BdAlarmLevel        from_level,
        BdAlarmState        to_state,
        BdAlarmLevel        to_level)
{
  if (!when_holds (automation, to_state, to_level))
    return FALSE;
  switch (automation->when)
    {
    case BD_AUTOMATION_WHEN_RAISED:
    case BD_AUTOMATION_WHEN_STALE:
      return !when_holds (automation, from_state, from_level);
    case BD_AUTOMATION_WHEN_ACKNOWLEDGED:
      return from_state == BD_ALARM_STATE_UNACK;
    case BD_AUTOMATION_WHEN_RETURNED:
      /* From active at a level it watches (any, when none is set). */
      return is_active (from_state) &&
             (automation->level == BD_ALARM_LEVEL_NONE ? from_level != BD_ALARM_LEVEL_NONE
                                                      : level_matches (automation->level, from_level));
    default:
      return FALSE;
    }
}

static void
on_transition_cb (BdAlarmEngine *alarms,
                  BdAlarm       *alarm,
                  BdAlarmState   from_state,
                  BdAlarmLevel   from_level,
                  gpointer       user_data)
{
  BdAutomationEngine *self = user_data;
  const char *rule_id = bd_alarm_get_rule_id (alarm);
  const char *topic = bd_alarm_get_topic (alarm);
  BdAlarmState state = bd_alarm_get_state (alarm);
  BdAlarmLevel level = bd_alarm_get_level (alarm);
  g_autofree char *reason = NULL;

  /* Waiting actions of this alarm whose state has gone are dropped. */
  for (guint i = self->delayed->len; i-- > 0;)
    {
      Delayed *delayed = g_ptr_array_index (self->delayed, i);

      if (g_strcmp0 (delayed->rule_id, rule_id) == 0 && g_strcmp0 (delayed->topic, topic) == 0 &&
          !when_holds (delayed->automation, state, level))
        g_ptr_array_remove_index (self->delayed, i);
    }

  for (guint i = 0; i < self->automations->len; i++)
    {
      BdAutomation *automation = g_ptr_array_index (self->automations, i);

      if (automation->mode == BD_AUTOMATION_MODE_OFF ||
          g_strcmp0 (automation->alarm_rule, rule_id) != 0 ||
          (automation->alarm_topic != NULL && g_strcmp0 (automation->alarm_topic, topic) != 0) ||
          !enters (automation, from_state, from_level, state, level))
        continue;

      if (reason == NULL)
        reason = bd_alarm_describe_transition (alarm, from_state, from_level);
      if (automation->delay_ms == 0)
        {
          fire (self, automation, topic, reason);
          continue;
        }
      {
        Delayed *delayed = g_new0 (Delayed, 1);

        delayed->self = self;
        delayed->automation = bd_automation_copy (automation);
        delayed->rule_id = g_strdup (rule_id);
        delayed->topic = g_strdup (topic);
        delayed->reason = g_strdup (reason);
        delayed->source = g_timeout_source_new (automation->delay_ms);
        g_source_set_callback (delayed->source, delayed_cb, delayed, NULL);
        g_source_set_static_name (delayed->source, "[brokerdesk] automation delay");
        g_source_attach (delayed->source, self->context);
        g_ptr_array_add (self->delayed, delayed);
      }
    }
}

/* ------------------------------------------------------------- topics */

static void
flush_values (gpointer   owner,
              GPtrArray *batch)
{
  BdAutomationEngine *self = owner;

  for (guint i = 0; i < batch->len; i++)
    {
      BdMessage *message = g_ptr_array_index (batch, i);
      gsize len;
      const guint8 *data = bd_message_get_payload (message, &len);
      double value;

      if (bd_payload_parse_plain (data, len, &value))
        g_hash_table_insert (self->values, g_strdup (message->topic), g_memdup2 (&value, sizeof value));
      else
        g_hash_table_remove (self->values, message->topic);
    }
}

static void
add_condition_topic (GHashTable        *wanted,
                     const BdCondition *condition)
{
  if (condition->topic != NULL)
    g_hash_table_add (wanted, g_strdup (condition->topic));
}

/* Values come from live messages (and retained ones, which a new
 * subscriber of the engine's taps does not see: a condition on a topic is
 * unknown until its next message). */
static void
sync_topics (BdAutomationEngine *self)
{
  g_autoptr(GHashTable) wanted = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < self->automations->len; i++)
    add_condition_topic (wanted, &((BdAutomation *) g_ptr_array_index (self->automations, i))->condition);
  for (guint i = 0; i < self->interlocks->len; i++)
    add_condition_topic (wanted, &((BdInterlock *) g_ptr_array_index (self->interlocks, i))->condition);
  g_strfreev (bd_tap_table_follow (self->taps, self->engine, wanted, self->inbox));
}

/* ------------------------------------------------------------- saving */

void
bd_automation_engine_save_async (BdAutomationEngine  *self,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  char *data;
  gsize len;

  g_return_if_fail (BD_IS_AUTOMATION_ENGINE (self));
  g_return_if_fail (self->path != NULL);

  data = bd_automations_to_data (self->automations, self->interlocks, &len);
  bd_settings_file_save_async (self, self->path, data, len, cancellable, callback, user_data);
}

gboolean
bd_automation_engine_save_finish (BdAutomationEngine  *self,
                                  GAsyncResult        *result,
                                  GError             **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return bd_settings_file_save_finish (result, error);
}

static void autosave (BdAutomationEngine *self);

static void
autosave_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  BdAutomationEngine *self = BD_AUTOMATION_ENGINE (object);
  g_autoptr(GError) error = NULL;

  self->saving = FALSE;
  if (!bd_automation_engine_save_finish (self, result, &error))
    g_warning ("Cannot save the automations: %s", error->message);
  if (self->save_again)
    autosave (self);
}

/* One save at a time, so an older snapshot never lands after a newer one. */
static void
autosave (BdAutomationEngine *self)
{
  if (self->path == NULL)
    return;
  if (self->saving)
    {
      self->save_again = TRUE;
      return;
    }
  self->saving = TRUE;
  self->save_again = FALSE;
  bd_automation_engine_save_async (self, NULL, autosave_cb, NULL);
}

/* ------------------------------------------------------------- loading */

typedef struct
{
  GPtrArray *automations;
  GPtrArray *interlocks;
  GStrv      warnings;
} LoadResult;

static void
load_result_free (gpointer data)
{
  LoadResult *result = data;

  g_clear_pointer (&result->automations, g_ptr_array_unref);
  g_clear_pointer (&result->interlocks, g_ptr_array_unref);
  g_strfreev (result->warnings);
  g_free (result);
}

static gpointer
load_file (const char  *path,
           GError     **error)
{
  LoadResult *result = g_new0 (LoadResult, 1);

  if (!bd_automations_load (path, &result->automations, &result->interlocks,
                            &result->warnings, error))
    {
      load_result_free (result);
      return NULL;
    }
  return result;
}

void
bd_automation_engine_load_async (BdAutomationEngine  *self,
                                 const char          *path,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_return_if_fail (BD_IS_AUTOMATION_ENGINE (self));
  g_return_if_fail (path != NULL);

  bd_settings_file_load_async (self, path, load_file, load_result_free,
                               cancellable, callback, user_data);
}

gboolean
bd_automation_engine_load_finish (BdAutomationEngine  *self,
                                  GAsyncResult        *result,
                                  char              ***warnings,
                                  GError             **error)
{
  LoadResult *loaded;
  g_autofree char *path = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  loaded = bd_settings_file_load_finish (result, error);
  if (loaded == NULL)
    return FALSE;
  /* Loading is no change to save back. */
  path = g_steal_pointer (&self->path);
  bd_automation_engine_set_automations (self, loaded->automations);
  bd_automation_engine_set_interlocks (self, loaded->interlocks);
  self->path = g_steal_pointer (&path);
  for (guint i = 0; loaded->warnings != NULL && loaded->warnings[i] != NULL; i++)
    g_warning ("%s", loaded->warnings[i]);
  if (warnings != NULL)
    *warnings = g_steal_pointer (&loaded->warnings);
  load_result_free (loaded);
  return TRUE;
}

/* ------------------------------------------------------------- object */

static void
bd_automation_engine_dispose (GObject *object)
{
  BdAutomationEngine *self = BD_AUTOMATION_ENGINE (object);

  bd_automation_engine_detach (self);
  if (self->inbox != NULL)
    bd_message_inbox_close (self->inbox);
  if (self->delayed != NULL)
    g_ptr_array_set_size (self->delayed, 0);
  if (self->alarms != NULL)
    g_signal_handlers_disconnect_by_data (self->alarms, self);
  if (self->relays != NULL && self->check_id != 0)
    bd_relay_controller_remove_check (self->relays, self->check_id);
  self->check_id = 0;
  g_clear_object (&self->alarms);
  g_clear_object (&self->relays);
  g_clear_pointer (&self->journal, bd_journal_unref);

  G_OBJECT_CLASS (bd_automation_engine_parent_class)->dispose (object);
}

static void
bd_automation_engine_finalize (GObject *object)
{
  BdAutomationEngine *self = BD_AUTOMATION_ENGINE (object);

  g_clear_pointer (&self->inbox, bd_message_inbox_unref);
  g_hash_table_unref (self->taps);
  g_hash_table_unref (self->values);
  g_ptr_array_unref (self->automations);
  g_ptr_array_unref (self->interlocks);
  g_ptr_array_unref (self->delayed);
  g_object_unref (self->proposals);
  g_main_context_unref (self->context);
  g_free (self->path);

  G_OBJECT_CLASS (bd_automation_engine_parent_class)->finalize (object);
}

static void
bd_automation_engine_class_init (BdAutomationEngineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = bd_automation_engine_dispose;
  object_class->finalize = bd_automation_engine_finalize;

  /* (automation id, outcome, text): every step, as journaled. */
  signals[ACTED] =
    g_signal_new ("acted", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING);
  /* An "ask" automation proposes an action (also in the proposals model). */
  signals[PROPOSED] =
    g_signal_new ("proposed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, BD_TYPE_AUTOMATION_PROPOSAL);
  /* The automations or interlocks were set. */
  signals[CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
bd_automation_engine_init (BdAutomationEngine *self)
{
  g_autoptr(GHashTable) none = g_hash_table_new (g_str_hash, g_str_equal);

  self->context = g_main_context_ref_thread_default ();
  self->taps = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->automations = g_ptr_array_new_with_free_func ((GDestroyNotify) bd_automation_free);
  self->interlocks = g_ptr_array_new_with_free_func ((GDestroyNotify) bd_interlock_free);
  self->delayed = g_ptr_array_new_with_free_func (delayed_free);
  self->proposals = g_list_store_new (BD_TYPE_AUTOMATION_PROPOSAL);
  self->inbox = bd_message_inbox_new (self->context, 0, 0, "automations", flush_values, self);
  bd_tap_table_follow (self->taps, NULL, none, self->inbox);
}

/* ------------------------------------------------------------- public */

BdAutomationEngine *
bd_automation_engine_new (BdAlarmEngine     *alarms,
                          BdRelayController *relays)
{
  BdAutomationEngine *self;

  g_return_val_if_fail (BD_IS_ALARM_ENGINE (alarms), NULL);
  g_return_val_if_fail (BD_IS_RELAY_CONTROLLER (relays), NULL);

  self = g_object_new (BD_TYPE_AUTOMATION_ENGINE, NULL);
  self->alarms = g_object_ref (alarms);
  self->relays = g_object_ref (relays);
  g_signal_connect (alarms, "transition", G_CALLBACK (on_transition_cb), self);
  self->check_id = bd_relay_controller_add_check (relays, interlock_check_cb, self, NULL);
  return self;
}

void
bd_automation_engine_set_journal (BdAutomationEngine *self,
                                  BdJournal          *journal)
{
  g_return_if_fail (BD_IS_AUTOMATION_ENGINE (self));

  g_clear_pointer (&self->journal, bd_journal_unref);
  if (journal != NULL)
    self->journal = bd_journal_ref (journal);
}

void
bd_automation_engine_feed (BdMessage *message,
                           gpointer   user_data)
{
  BdAutomationEngine *self = user_data;

  bd_message_inbox_push (self->inbox, message, NULL);
}

void
bd_automation_engine_attach (BdAutomationEngine *self,
                             BdEngine           *engine)
{
  g_return_if_fail (BD_IS_AUTOMATION_ENGINE (self));

  bd_automation_engine_detach (self);
  self->engine = bd_engine_ref (engine);
  sync_topics (self);
}

void
bd_automation_engine_detach (BdAutomationEngine *self)
{
  g_return_if_fail (BD_IS_AUTOMATION_ENGINE (self));

  if (self->engine == NULL)
    return;
  bd_tap_table_clear (self->taps, self->engine);
  g_clear_pointer (&self->engine, bd_engine_unref);
}

GPtrArray *
bd_automation_engine_dup_automations (BdAutomationEngine *self)
{
  GPtrArray *copy = g_ptr_array_new_with_free_func ((GDestroyNotify) bd_automation_free);

  for (guint i = 0; i < self->automations->len; i++)
    g_ptr_array_add (copy, bd_automation_copy (g_ptr_array_index (self->automations, i)));
  return copy;
}

GPtrArray *
bd_automation_engine_dup_interlocks (BdAutomationEngine *self)
{
  GPtrArray *copy = g_ptr_array_new_with_free_func ((GDestroyNotify) bd_interlock_free);

  for (guint i = 0; i < self->interlocks->len; i++)
    g_ptr_array_add (copy, bd_interlock_copy (g_ptr_array_index (self->interlocks, i)));
  return copy;
}

static gboolean
id_in (GPtrArray  *entries,
       const char *id)
{
  /* Both structs start with the id. */
  for (guint i = 0; i < entries->len; i++)
    if (g_strcmp0 (*(char **) g_ptr_array_index (entries, i), id) == 0)
      return TRUE;
  return FALSE;
}

void
bd_automation_engine_set_automations (BdAutomationEngine *self,
                                      GPtrArray          *automations)
{
  g_return_if_fail (BD_IS_AUTOMATION_ENGINE (self));

  g_ptr_array_set_size (self->automations, 0);
  /* An edited automation must not act on its old terms. */
  g_ptr_array_set_size (self->delayed, 0);
  for (guint i = 0; automations != NULL && i < automations->len; i++)
    {
      const BdAutomation *automation = g_ptr_array_index (automations, i);
      g_autoptr(GError) error = NULL;

      if (!bd_automation_validate (automation, &error) || id_in (self->automations, automation->id))
        {
          g_warning ("Automation %s skipped: %s", automation->id,
                     error != NULL ? error->message : "the id is taken");
          continue;
        }
      g_ptr_array_add (self->automations, bd_automation_copy (automation));
    }
  sync_topics (self);
  autosave (self);
  g_signal_emit (self, signals[CHANGED], 0);
}

void
bd_automation_engine_set_interlocks (BdAutomationEngine *self,
                                     GPtrArray          *interlocks)
{
  g_return_if_fail (BD_IS_AUTOMATION_ENGINE (self));

  g_ptr_array_set_size (self->interlocks, 0);
  for (guint i = 0; interlocks != NULL && i < interlocks->len; i++)
    {
      const BdInterlock *interlock = g_ptr_array_index (interlocks, i);
      g_autoptr(GError) error = NULL;

      if (!bd_interlock_validate (interlock, &error) || id_in (self->interlocks, interlock->id))
        {
          g_warning ("Interlock %s skipped: %s", interlock->id,
                     error != NULL ? error->message : "the id is taken");
          continue;
        }
      g_ptr_array_add (self->interlocks, bd_interlock_copy (interlock));
    }
  sync_topics (self);
  autosave (self);
  g_signal_emit (self, signals[CHANGED], 0);
}

void
bd_automation_engine_set_path (BdAutomationEngine *self,
                               const char         *path)
{
  g_return_if_fail (BD_IS_AUTOMATION_ENGINE (self));

  g_free (self->path);
  self->path = g_strdup (path);
}

GListModel *
bd_automation_engine_get_proposals (BdAutomationEngine *self)
{
  g_return_val_if_fail (BD_IS_AUTOMATION_ENGINE (self), NULL);
  return G_LIST_MODEL (self->proposals);
}

static gboolean
take_proposal (BdAutomationEngine   *self,
               BdAutomationProposal *proposal)
{
  guint position;

  if (!g_list_store_find (self->proposals, proposal, &position))
    return FALSE;
  g_list_store_remove (self->proposals, position);
  return TRUE;
}

gboolean
bd_automation_engine_confirm (BdAutomationEngine    *self,
                              BdAutomationProposal  *proposal,
                              GError               **error)
{
  g_autoptr(BdAutomationProposal) held = NULL;
  const BdAutomation *automation;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (BD_IS_AUTOMATION_ENGINE (self), FALSE);
  g_return_val_if_fail (BD_IS_AUTOMATION_PROPOSAL (proposal), FALSE);

  held = g_object_ref (proposal);
  if (!take_proposal (self, proposal))
    return TRUE;   /* confirmed or dismissed already (a window and a notification) */
  automation = bd_automation_proposal_get_automation (proposal);
  if (!act (self, automation, &local_error))
    {
      g_autofree char *text = g_strdup_printf ("%s: %s", bd_automation_proposal_get_action (proposal),
                                               local_error->message);

      record (self, automation, bd_automation_proposal_get_alarm_topic (proposal),
              g_error_matches (local_error, BD_RELAY_ERROR, BD_RELAY_ERROR_BLOCKED) ? "blocked" : "failed",
              text);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  record (self, automation, bd_automation_proposal_get_alarm_topic (proposal), "confirmed",
          bd_automation_proposal_get_action (proposal));
  return TRUE;
}

void
bd_automation_engine_dismiss (BdAutomationEngine   *self,
                              BdAutomationProposal *proposal)
{
  g_autoptr(BdAutomationProposal) held = NULL;

  g_return_if_fail (BD_IS_AUTOMATION_ENGINE (self));
  g_return_if_fail (BD_IS_AUTOMATION_PROPOSAL (proposal));

  held = g_object_ref (proposal);
  if (!take_proposal (self, proposal))
    return;
  record (self, bd_automation_proposal_get_automation (proposal),
          bd_automation_proposal_get_alarm_topic (proposal), "dismissed",
          bd_automation_proposal_get_action (proposal));
}
