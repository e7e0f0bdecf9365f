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
 *
 * Threads. The object belongs to its owner's thread (the main thread), where
 * the alarm engine, the relay controller, the proposals model and the
 * signals live. Rules are evaluated on a thread of their own, "automations",
 * with its own main context (the worker below), so a busy window neither
 * delays an automation nor pays for one:
 *
 *   owner ──► worker   alarm transitions (copied into plain structs, with
 *                      the text that describes them), the definitions as
 *                      set, and word that a relay changed, through a
 *                      BdHandoff; condition topics' messages through a
 *                      BdMessageInbox straight from the engine's taps
 *   worker ──► owner   actions to take, proposals, and what was skipped or
 *                      proposed (for the "acted" signal), through a
 *                      BdHandoff, in batches; the relay controller and the
 *                      engine then act on the owner's thread as before
 *
 * The worker journals what it decides alone (skipped, proposed); the owner
 * journals what needs the relay controller's answer (acted, blocked,
 * failed) and the operator's (confirmed, dismissed): the journal queues
 * entries from any thread.
 *
 * Interlocks must answer the relay controller's check at once, on the
 * owner's thread, with the interlock's name. The worker evaluates them and
 * publishes the result as an immutable snapshot (per interlock: target,
 * direction, blocking or not, the message) under the shared lock; the check
 * only reads it. Values and time windows change the snapshot whenever the
 * worker learns of them; relay states and interlock edits come from the
 * owner's thread, so each carries a generation number and the check waits
 * (bounded) until the snapshot covers every generation handed over: a
 * command right after a relay's confirmation is judged by that
 * confirmation, never by the snapshot before it.
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "bd-automation-engine.h"
#include "bd-handoff.h"
#include "bd-message-inbox.h"
#include "bd-payload.h"
#include "bd-rerun.h"
#include "bd-settings-file.h"
#include "bd-tap-table.h"

/* How long a check waits for the worker to catch up with a change it was
 * handed; it answers in microseconds unless something is badly wrong. */
#define SNAPSHOT_WAIT_US (2 * G_USEC_PER_SEC)

/* Evaluation runs only on the automations thread (debug builds check). */
#define BD_AUTOMATION_ASSERT_THREAD(worker) \
  g_assert (g_main_context_is_owner ((worker)->context))

/* A relay or setpoint as conditions and descriptions need it. */
typedef struct
{
  char     *name;
  gboolean  setpoint;
  gboolean  on;        /* a relay confirmed on */
} Target;

/* One interlock as the relay controller's check reads it. */
typedef struct
{
  char              *target;
  BdInterlockBlocks  blocks;
  gboolean           active;    /* its condition holds: it blocks */
  char              *message;
} InterlockState;

typedef struct _Worker Worker;

typedef struct
{
  Worker       *worker;
  BdAutomation *automation;
  char         *rule_id;
  char         *topic;
  char         *reason;
  GSource      *source;
} Delayed;

struct _Worker
{
  /* The automations thread's own. */
  GMainContext   *context;
  GMainLoop      *loop;
  GThread        *thread;
  BdHandoff      *in;            /* from the owner */
  BdHandoff      *out;           /* to the owner */
  BdMessageInbox *inbox;         /* condition topics' messages */
  BdJournal      *journal;
  GPtrArray      *automations;   /* BdAutomation* */
  GPtrArray      *interlocks;    /* BdInterlock* */
  GPtrArray      *delayed;       /* Delayed* */
  GSource        *window_timer;  /* re-evaluates interlocks with a time window */
  guint64         applied;       /* the newest generation handed over and applied */

  /* Shared, under lock. */
  GMutex          lock;
  GCond           published;
  GHashTable     *values;        /* topic -> double*, the last value (written by the worker) */
  GHashTable     *targets;       /* id -> Target* (written by the owner) */
  guint64         generation;    /* of the owner's changes (relays, interlocks) */
  guint64         snapshot_generation;
  GPtrArray      *snapshot;      /* InterlockState*, replaced whole */
};

typedef enum
{
  IN_TRANSITION,
  IN_AUTOMATIONS,
  IN_INTERLOCKS,
  IN_JOURNAL,
  IN_TARGETS,
  IN_QUIT,
} InKind;

/* Owner -> worker. */
typedef struct
{
  InKind        kind;
  guint64       generation;   /* IN_INTERLOCKS, IN_TARGETS */
  char         *rule_id;
  char         *topic;
  char         *reason;
  BdAlarmState  from_state;
  BdAlarmLevel  from_level;
  BdAlarmState  state;
  BdAlarmLevel  level;
  GPtrArray    *entries;      /* IN_AUTOMATIONS, IN_INTERLOCKS: copies */
  BdJournal    *journal;
} InItem;

typedef enum
{
  OUT_RECORDED,
  OUT_PROPOSAL,
  OUT_ACT,
} OutKind;

/* Worker -> owner. */
typedef struct
{
  OutKind               kind;
  char                 *id;           /* OUT_RECORDED */
  char                 *outcome;
  char                 *text;
  BdAutomationProposal *proposal;     /* OUT_PROPOSAL */
  BdAutomation         *automation;   /* OUT_ACT */
  char                 *topic;
  char                 *action;
  char                 *reason;
} OutItem;

struct _BdAutomationEngine
{
  GObject            parent_instance;

  GMainContext      *context;
  BdAlarmEngine     *alarms;
  BdRelayController *relays;
  BdJournal         *journal;
  BdEngine          *engine;
  GHashTable        *taps;          /* topic -> tap id, while attached */
  guint              check_id;
  GPtrArray         *watched;       /* relays and setpoints whose "notify" is followed */

  GPtrArray         *automations;   /* BdAutomation*: as set, for dup and saving */
  GPtrArray         *interlocks;    /* BdInterlock* */
  GListStore        *proposals;

  Worker            *worker;
  BdHandoff         *out;           /* the worker's items, on this context */

  char              *path;
  BdRerun            saves;
};

enum {
  ACTED,
  PROPOSED,
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (BdAutomationEngine, bd_automation_engine, G_TYPE_OBJECT)

static void
target_free (gpointer data)
{
  Target *target = data;

  g_free (target->name);
  g_free (target);
}

static void
interlock_state_free (gpointer data)
{
  InterlockState *state = data;

  g_free (state->target);
  g_free (state->message);
  g_free (state);
}

static void
in_item_free (gpointer data)
{
  InItem *item = data;

  g_free (item->rule_id);
  g_free (item->topic);
  g_free (item->reason);
  g_clear_pointer (&item->entries, g_ptr_array_unref);
  g_clear_pointer (&item->journal, bd_journal_unref);
  g_free (item);
}

static InItem *
in_item_new (InKind kind)
{
  InItem *item = g_new0 (InItem, 1);

  item->kind = kind;
  return item;
}

static void
out_item_free (gpointer data)
{
  OutItem *item = data;

  g_free (item->id);
  g_free (item->outcome);
  g_free (item->text);
  g_clear_object (&item->proposal);
  g_clear_pointer (&item->automation, bd_automation_free);
  g_free (item->topic);
  g_free (item->action);
  g_free (item->reason);
  g_free (item);
}

static OutItem *
out_item_new (OutKind kind)
{
  OutItem *item = g_new0 (OutItem, 1);

  item->kind = kind;
  return item;
}

/* ------------------------------------------------------------- journal */

/* @outcome: "acted", "proposed", "confirmed", "dismissed", "skipped",
 * "blocked", "failed" (for logs and the journal). Any thread. */
static void
journal_step (BdJournal          *journal,
              const BdAutomation *automation,
              const char         *topic,
              const char         *outcome,
              const char         *text)
{
  if (journal != NULL)
    bd_journal_append (journal, &(BdJournalEntry) {
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
}

/* A step taken on the owner's thread. */
static void
record (BdAutomationEngine *self,
        const BdAutomation *automation,
        const char         *topic,
        const char         *outcome,
        const char         *text)
{
  journal_step (self->journal, automation, topic, outcome, text);
  g_signal_emit (self, signals[ACTED], 0, automation->id, outcome, text);
}

/* ------------------------------------------------------------- conditions */

/* Under the worker's lock: relays' states, topics' values, the local time. */
static gboolean
condition_holds_locked (Worker            *worker,
                        const BdCondition *condition)
{
  if (condition->relay != NULL)
    {
      Target *target = g_hash_table_lookup (worker->targets, condition->relay);
      gboolean on = target != NULL && !target->setpoint && target->on;

      if (on != condition->relay_on)
        return FALSE;
    }
  if (condition->topic != NULL)
    {
      double *value = g_hash_table_lookup (worker->values, condition->topic);

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

static gboolean
condition_holds (Worker            *worker,
                 const BdCondition *condition)
{
  gboolean holds;

  g_mutex_lock (&worker->lock);
  holds = condition_holds_locked (worker, condition);
  g_mutex_unlock (&worker->lock);
  return holds;
}

gboolean
bd_automation_engine_condition_holds (BdAutomationEngine *self,
                                      const BdCondition  *condition)
{
  g_return_val_if_fail (BD_IS_AUTOMATION_ENGINE (self), FALSE);

  return condition_holds (self->worker, condition);
}

/* The name of the relay (or setpoint) @id, for people; NULL if unknown. */
static char *
dup_target_name (Worker     *worker,
                 const char *id,
                 gboolean    setpoint)
{
  Target *target;
  char *name = NULL;

  g_mutex_lock (&worker->lock);
  target = id != NULL ? g_hash_table_lookup (worker->targets, id) : NULL;
  if (target != NULL && target->setpoint == setpoint)
    name = g_strdup (target->name);
  g_mutex_unlock (&worker->lock);
  return name;
}

/* ------------------------------------------------------------- interlocks (worker) */

static void publish_interlocks (Worker *worker);

static gboolean
window_timer_cb (gpointer data)
{
  Worker *worker = data;

  g_clear_pointer (&worker->window_timer, g_source_unref);
  publish_interlocks (worker);
  return G_SOURCE_REMOVE;
}

/* Interlocks with a time window are judged again as each minute starts. */
static void
schedule_window_timer (Worker *worker)
{
  gboolean windows = FALSE;
  gint64 ms_into_minute;

  if (worker->window_timer != NULL)
    {
      g_source_destroy (worker->window_timer);
      g_clear_pointer (&worker->window_timer, g_source_unref);
    }
  for (guint i = 0; i < worker->interlocks->len && !windows; i++)
    windows = ((BdInterlock *) g_ptr_array_index (worker->interlocks, i))->condition.from_minute >= 0;
  if (!windows)
    return;
  ms_into_minute = (g_get_real_time () / 1000) % 60000;
  worker->window_timer = g_timeout_source_new (60000 - ms_into_minute + 1);
  g_source_set_callback (worker->window_timer, window_timer_cb, worker, NULL);
  g_source_set_static_name (worker->window_timer, "[brokerdesk] interlock time windows");
  g_source_attach (worker->window_timer, worker->context);
}

/* Judges every interlock now and publishes the result for the relay
 * controller's check. */
static void
publish_interlocks (Worker *worker)
{
  g_autoptr(GPtrArray) states = g_ptr_array_new_with_free_func (interlock_state_free);
  g_autoptr(GPtrArray) old = NULL;

  BD_AUTOMATION_ASSERT_THREAD (worker);

  for (guint i = 0; i < worker->interlocks->len; i++)
    {
      const BdInterlock *interlock = g_ptr_array_index (worker->interlocks, i);
      InterlockState *state = g_new0 (InterlockState, 1);
      g_autofree char *why = bd_condition_describe (&interlock->condition);

      state->target = g_strdup (interlock->target);
      state->blocks = interlock->blocks;
      /* Translators: "Blocked by the interlock “Heater needs the fan”: packaging-fan is off" */
      state->message = g_strdup_printf (_("Blocked by the interlock “%s”: %s"), interlock->name, why);
      g_ptr_array_add (states, state);
    }

  g_mutex_lock (&worker->lock);
  for (guint i = 0; i < states->len; i++)
    ((InterlockState *) g_ptr_array_index (states, i))->active =
      condition_holds_locked (worker, &((BdInterlock *) g_ptr_array_index (worker->interlocks, i))->condition);
  old = g_steal_pointer (&worker->snapshot);
  worker->snapshot = g_steal_pointer (&states);
  worker->snapshot_generation = worker->applied;
  g_cond_broadcast (&worker->published);
  g_mutex_unlock (&worker->lock);

  schedule_window_timer (worker);
}

/* The relay controller's check (owner's thread): reads the snapshot. */
static gboolean
interlock_check_cb (BdRelayController    *controller,
                    const BdRelayCommand *command,
                    gpointer              user_data,
                    GError              **error)
{
  BdAutomationEngine *self = user_data;
  Worker *worker = self->worker;
  const char *id = command->relay != NULL ? bd_relay_get_id (command->relay)
                                          : bd_setpoint_get_id (command->setpoint);
  gboolean on = command->relay != NULL ? command->on
                                       : command->value > bd_setpoint_get_minimum (command->setpoint);
  gint64 deadline = g_get_monotonic_time () + SNAPSHOT_WAIT_US;
  gboolean allowed = TRUE;

  g_mutex_lock (&worker->lock);
  while (worker->snapshot_generation < worker->generation)
    if (!g_cond_wait_until (&worker->published, &worker->lock, deadline))
      {
        g_warning ("The interlocks were not judged again within %d s; the last judgement applies",
                   (int) (SNAPSHOT_WAIT_US / G_USEC_PER_SEC));
        break;
      }
  for (guint i = 0; worker->snapshot != NULL && i < worker->snapshot->len && allowed; i++)
    {
      const InterlockState *state = g_ptr_array_index (worker->snapshot, i);

      if (!state->active || g_strcmp0 (state->target, id) != 0 ||
          (state->blocks == BD_INTERLOCK_BLOCKS_ON && !on) ||
          (state->blocks == BD_INTERLOCK_BLOCKS_OFF && on))
        continue;
      g_set_error_literal (error, BD_RELAY_ERROR, BD_RELAY_ERROR_BLOCKED, state->message);
      allowed = FALSE;
    }
  g_mutex_unlock (&worker->lock);
  return allowed;
}

/* ------------------------------------------------------------- firing (worker) */

static char *
describe (Worker             *worker,
          const BdAutomation *automation)
{
  g_autofree char *name = NULL;

  if (automation->action != BD_AUTOMATION_ACTION_PUBLISH)
    name = dup_target_name (worker, automation->target,
                            automation->action == BD_AUTOMATION_ACTION_SETPOINT);
  return bd_automation_describe_action (automation, name);
}

/* A step the worker decides alone: journaled here, signalled by the owner. */
static void
worker_record (Worker             *worker,
               const BdAutomation *automation,
               const char         *topic,
               const char         *outcome,
               const char         *text)
{
  OutItem *item = out_item_new (OUT_RECORDED);

  journal_step (worker->journal, automation, topic, outcome, text);
  item->id = g_strdup (automation->id);
  item->outcome = g_strdup (outcome);
  item->text = g_strdup (text);
  bd_handoff_push (worker->out, item);
}

/* The action is due: the condition decides, then the mode. */
static void
fire (Worker             *worker,
      const BdAutomation *automation,
      const char         *topic,
      const char         *reason)
{
  g_autofree char *action = describe (worker, automation);

  BD_AUTOMATION_ASSERT_THREAD (worker);

  if (!condition_holds (worker, &automation->condition))
    {
      g_autofree char *condition = bd_condition_describe (&automation->condition);
      /* Translators: "Switch Fan on: not done, the condition (… is on) does not hold" */
      g_autofree char *text = g_strdup_printf (_("%s: not done, the condition (%s) does not hold"),
                                               action, condition);

      worker_record (worker, automation, topic, "skipped", text);
      return;
    }

  if (automation->mode == BD_AUTOMATION_MODE_ASK)
    {
      OutItem *item = out_item_new (OUT_PROPOSAL);
      g_autofree char *text = g_strdup_printf ("%s (%s)", action, reason);

      /* Immutable, so it may be made here and read there. */
      item->proposal = bd_automation_proposal_new (automation, action, reason, topic);
      worker_record (worker, automation, topic, "proposed", text);
      bd_handoff_push (worker->out, item);
      return;
    }

  /* The relay controller and the engine live on the owner's thread: the
   * action is taken there, and its outcome journaled there. */
  {
    OutItem *item = out_item_new (OUT_ACT);

    item->automation = bd_automation_copy (automation);
    item->topic = g_strdup (topic);
    item->action = g_steal_pointer (&action);
    item->reason = g_strdup (reason);
    bd_handoff_push (worker->out, item);
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
  Worker *worker = delayed->worker;

  /* Returning REMOVE destroys the source; the entry must not again. */
  g_clear_pointer (&delayed->source, g_source_unref);
  fire (worker, delayed->automation, delayed->topic, delayed->reason);
  g_ptr_array_remove (worker->delayed, delayed);
  return G_SOURCE_REMOVE;
}

/* ------------------------------------------------------------- transitions (worker) */

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
transition (Worker       *worker,
            const InItem *item)
{
  BD_AUTOMATION_ASSERT_THREAD (worker);

  /* Waiting actions of this alarm whose state has gone are dropped. */
  for (guint i = worker->delayed->len; i-- > 0;)
    {
      Delayed *delayed = g_ptr_array_index (worker->delayed, i);

      if (g_strcmp0 (delayed->rule_id, item->rule_id) == 0 && g_strcmp0 (delayed->topic, item->topic) == 0 &&
          !when_holds (delayed->automation, item->state, item->level))
        g_ptr_array_remove_index (worker->delayed, i);
    }

  for (guint i = 0; i < worker->automations->len; i++)
    {
      BdAutomation *automation = g_ptr_array_index (worker->automations, i);
      Delayed *delayed;

      if (automation->mode == BD_AUTOMATION_MODE_OFF ||
          g_strcmp0 (automation->alarm_rule, item->rule_id) != 0 ||
          (automation->alarm_topic != NULL && g_strcmp0 (automation->alarm_topic, item->topic) != 0) ||
          !enters (automation, item->from_state, item->from_level, item->state, item->level))
        continue;

      if (automation->delay_ms == 0)
        {
          fire (worker, automation, item->topic, item->reason);
          continue;
        }
      delayed = g_new0 (Delayed, 1);
      delayed->worker = worker;
      delayed->automation = bd_automation_copy (automation);
      delayed->rule_id = g_strdup (item->rule_id);
      delayed->topic = g_strdup (item->topic);
      delayed->reason = g_strdup (item->reason);
      delayed->source = g_timeout_source_new (automation->delay_ms);
      g_source_set_callback (delayed->source, delayed_cb, delayed, NULL);
      g_source_set_static_name (delayed->source, "[brokerdesk] automation delay");
      g_source_attach (delayed->source, worker->context);
      g_ptr_array_add (worker->delayed, delayed);
    }
}

/* ------------------------------------------------------------- the worker */

/* The condition topics' messages, straight from the engine's taps. */
static void
flush_values (gpointer   owner,
              GPtrArray *batch)
{
  Worker *worker = owner;

  BD_AUTOMATION_ASSERT_THREAD (worker);

  g_mutex_lock (&worker->lock);
  for (guint i = 0; i < batch->len; i++)
    {
      BdMessage *message = g_ptr_array_index (batch, i);
      gsize len;
      const guint8 *data = bd_message_get_payload (message, &len);
      double value;

      if (bd_payload_parse_plain (data, len, &value))
        g_hash_table_insert (worker->values, g_strdup (message->topic), g_memdup2 (&value, sizeof value));
      else
        g_hash_table_remove (worker->values, message->topic);
    }
  g_mutex_unlock (&worker->lock);
  publish_interlocks (worker);
}

static void
flush_in (gpointer   owner,
          GPtrArray *items)
{
  Worker *worker = owner;
  gboolean republish = FALSE;

  BD_AUTOMATION_ASSERT_THREAD (worker);

  for (guint i = 0; i < items->len; i++)
    {
      InItem *item = g_ptr_array_index (items, i);

      worker->applied = MAX (worker->applied, item->generation);
      switch (item->kind)
        {
        case IN_TRANSITION:
          transition (worker, item);
          break;
        case IN_AUTOMATIONS:
          g_ptr_array_unref (worker->automations);
          worker->automations = g_steal_pointer (&item->entries);
          /* An edited automation must not act on its old terms. */
          g_ptr_array_set_size (worker->delayed, 0);
          break;
        case IN_INTERLOCKS:
          g_ptr_array_unref (worker->interlocks);
          worker->interlocks = g_steal_pointer (&item->entries);
          republish = TRUE;
          break;
        case IN_JOURNAL:
          g_clear_pointer (&worker->journal, bd_journal_unref);
          worker->journal = g_steal_pointer (&item->journal);
          break;
        case IN_TARGETS:
          republish = TRUE;
          break;
        case IN_QUIT:
        default:
          /* Last: nothing of this thread's may run after the loop ends. */
          bd_message_inbox_close (worker->inbox);
          bd_handoff_close (worker->in);
          g_ptr_array_set_size (worker->delayed, 0);
          if (worker->window_timer != NULL)
            {
              g_source_destroy (worker->window_timer);
              g_clear_pointer (&worker->window_timer, g_source_unref);
            }
          g_main_loop_quit (worker->loop);
          return;
        }
    }
  /* Once a batch, however many changes it held. */
  if (republish)
    publish_interlocks (worker);
}

static gpointer
worker_thread (gpointer data)
{
  Worker *worker = data;

  g_main_context_push_thread_default (worker->context);
  g_main_loop_run (worker->loop);
  g_main_context_pop_thread_default (worker->context);
  return NULL;
}

static Worker *
worker_start (BdHandoff *out)
{
  Worker *worker = g_new0 (Worker, 1);

  worker->context = g_main_context_new ();
  worker->loop = g_main_loop_new (worker->context, FALSE);
  worker->in = bd_handoff_new (worker->context, "automations", in_item_free, flush_in, worker);
  worker->out = bd_handoff_ref (out);
  worker->inbox = bd_message_inbox_new (worker->context, 0, 0, "automations", flush_values, worker);
  worker->automations = g_ptr_array_new_with_free_func ((GDestroyNotify) bd_automation_free);
  worker->interlocks = g_ptr_array_new_with_free_func ((GDestroyNotify) bd_interlock_free);
  worker->delayed = g_ptr_array_new_with_free_func (delayed_free);
  g_mutex_init (&worker->lock);
  g_cond_init (&worker->published);
  worker->values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  worker->targets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, target_free);
  worker->snapshot = g_ptr_array_new_with_free_func (interlock_state_free);
  worker->thread = g_thread_new ("automations", worker_thread, worker);
  return worker;
}

/* Ends the thread (after what was handed over before) and frees it all. */
static void
worker_stop (Worker *worker)
{
  bd_handoff_push (worker->in, in_item_new (IN_QUIT));
  g_thread_join (worker->thread);

  bd_handoff_unref (worker->in);
  bd_handoff_unref (worker->out);
  bd_message_inbox_unref (worker->inbox);
  g_clear_pointer (&worker->journal, bd_journal_unref);
  g_ptr_array_unref (worker->automations);
  g_ptr_array_unref (worker->interlocks);
  g_ptr_array_unref (worker->delayed);
  g_hash_table_unref (worker->values);
  g_hash_table_unref (worker->targets);
  g_ptr_array_unref (worker->snapshot);
  g_mutex_clear (&worker->lock);
  g_cond_clear (&worker->published);
  g_main_loop_unref (worker->loop);
  g_main_context_unref (worker->context);
  g_free (worker);
}

/* ------------------------------------------------------------- actions (owner) */

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

/* Acts, and journals the outcome: what the checks said, or that it was done. */
static gboolean
act_and_record (BdAutomationEngine  *self,
                const BdAutomation  *automation,
                const char          *topic,
                const char          *action,
                const char          *done_outcome,
                const char          *done_text,
                GError             **error)
{
  g_autoptr(GError) local_error = NULL;

  if (!act (self, automation, &local_error))
    {
      g_autofree char *text = g_strdup_printf ("%s: %s", action, local_error->message);

      record (self, automation, topic,
              g_error_matches (local_error, BD_RELAY_ERROR, BD_RELAY_ERROR_BLOCKED) ? "blocked" : "failed",
              text);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  record (self, automation, topic, done_outcome, done_text);
  return TRUE;
}

/* What the worker hands back, in batches. */
static void
flush_out (gpointer   owner,
           GPtrArray *items)
{
  BdAutomationEngine *self = owner;
  g_autoptr(GPtrArray) proposals = g_ptr_array_new ();

  for (guint i = 0; i < items->len; i++)
    {
      OutItem *item = g_ptr_array_index (items, i);

      switch (item->kind)
        {
        case OUT_RECORDED:
          g_signal_emit (self, signals[ACTED], 0, item->id, item->outcome, item->text);
          break;
        case OUT_PROPOSAL:
          g_ptr_array_add (proposals, item->proposal);
          break;
        case OUT_ACT:
        default:
          {
            g_autofree char *text = g_strdup_printf ("%s (%s)", item->action, item->reason);

            act_and_record (self, item->automation, item->topic, item->action, "acted", text, NULL);
          }
          break;
        }
    }
  if (proposals->len == 0)
    return;
  /* One change of the model per batch. */
  g_list_store_splice (self->proposals, g_list_model_get_n_items (G_LIST_MODEL (self->proposals)), 0,
                       proposals->pdata, proposals->len);
  for (guint i = 0; i < proposals->len; i++)
    g_signal_emit (self, signals[PROPOSED], 0, g_ptr_array_index (proposals, i));
}

/* ------------------------------------------------------------- relays (owner) */

static gboolean
target_equal (const Target *x,
              const Target *y)
{
  return x != NULL && y != NULL && x->setpoint == y->setpoint && x->on == y->on &&
         g_strcmp0 (x->name, y->name) == 0;
}

static gboolean
targets_equal (GHashTable *a,
               GHashTable *b)
{
  GHashTableIter iter;
  gpointer key;
  gpointer value;

  if (g_hash_table_size (a) != g_hash_table_size (b))
    return FALSE;
  g_hash_table_iter_init (&iter, a);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (!target_equal (value, g_hash_table_lookup (b, key)))
      return FALSE;
  return TRUE;
}

/* A relay's or setpoint's id, and what conditions and descriptions need. */
static Target *
target_new (GObject     *object,
            const char **id)
{
  Target *target = g_new0 (Target, 1);

  if (BD_IS_RELAY (object))
    {
      *id = bd_relay_get_id (BD_RELAY (object));
      target->name = g_strdup (bd_relay_get_name (BD_RELAY (object)));
      target->on = bd_relay_get_state (BD_RELAY (object)) == BD_RELAY_STATE_ON;
    }
  else
    {
      *id = bd_setpoint_get_id (BD_SETPOINT (object));
      target->name = g_strdup (bd_setpoint_get_name (BD_SETPOINT (object)));
      target->setpoint = TRUE;
    }
  return target;
}

/* Under the lock, after a change of the targets: the worker is told, and
 * checks wait for the snapshot that follows. */
static void
hand_over_targets_locked (Worker *worker)
{
  InItem *item = in_item_new (IN_TARGETS);

  item->generation = ++worker->generation;
  bd_handoff_push (worker->in, item);
}

static void
add_targets (GHashTable *targets,
             GListModel *model)
{
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(GObject) object = g_list_model_get_item (model, i);
      const char *id;
      Target *target = target_new (object, &id);

      g_hash_table_insert (targets, g_strdup (id), target);
    }
}

/* Every relay and setpoint the controller has now (after it changed its
 * lists, when they are whole). */
static void
update_targets (BdAutomationEngine *self)
{
  g_autoptr(GHashTable) targets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, target_free);
  Worker *worker = self->worker;

  add_targets (targets, G_LIST_MODEL (self->relays));
  add_targets (targets, bd_relay_controller_get_setpoints (self->relays));

  g_mutex_lock (&worker->lock);
  if (!targets_equal (targets, worker->targets))
    {
      g_hash_table_unref (worker->targets);
      worker->targets = g_steal_pointer (&targets);
      hand_over_targets_locked (worker);
    }
  g_mutex_unlock (&worker->lock);
}

/* One relay or setpoint changed (its state, its name). Only this object is
 * read: the controller may be in the middle of changing its lists (a
 * removed relay stops being pending as it goes). */
static void
target_notify_cb (GObject    *object,
                  GParamSpec *pspec,
                  gpointer    user_data)
{
  BdAutomationEngine *self = user_data;
  Worker *worker = self->worker;
  const char *id;
  Target *target = target_new (object, &id);

  g_mutex_lock (&worker->lock);
  if (target_equal (target, g_hash_table_lookup (worker->targets, id)))
    target_free (target);
  else
    {
      g_hash_table_insert (worker->targets, g_strdup (id), target);
      hand_over_targets_locked (worker);
    }
  g_mutex_unlock (&worker->lock);
}

static void
unwatch (BdAutomationEngine *self)
{
  for (guint i = 0; i < self->watched->len; i++)
    g_signal_handlers_disconnect_by_data (g_ptr_array_index (self->watched, i), self);
  g_ptr_array_set_size (self->watched, 0);
}

static void
watch_model (BdAutomationEngine *self,
             GListModel         *model)
{
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      GObject *object = g_list_model_get_item (model, i);

      g_signal_connect (object, "notify", G_CALLBACK (target_notify_cb), self);
      g_ptr_array_add (self->watched, object);
    }
}

/* Follows every relay and setpoint the controller has now. */
static void
rewatch (BdAutomationEngine *self)
{
  unwatch (self);
  watch_model (self, G_LIST_MODEL (self->relays));
  watch_model (self, bd_relay_controller_get_setpoints (self->relays));
  update_targets (self);
}

/* ------------------------------------------------------------- transitions (owner) */

/* Copies what the worker needs: the alarm object stays on this thread. */
static void
on_transition_cb (BdAlarmEngine *alarms,
                  BdAlarm       *alarm,
                  BdAlarmState   from_state,
                  BdAlarmLevel   from_level,
                  gpointer       user_data)
{
  BdAutomationEngine *self = user_data;
  InItem *item = in_item_new (IN_TRANSITION);

  item->rule_id = g_strdup (bd_alarm_get_rule_id (alarm));
  item->topic = g_strdup (bd_alarm_get_topic (alarm));
  item->from_state = from_state;
  item->from_level = from_level;
  item->state = bd_alarm_get_state (alarm);
  item->level = bd_alarm_get_level (alarm);
  item->reason = bd_alarm_describe_transition (alarm, from_state, from_level);
  bd_handoff_push (self->worker->in, item);
}

/* ------------------------------------------------------------- topics */

static void
add_condition_topic (GHashTable        *wanted,
                     const BdCondition *condition)
{
  if (condition->topic != NULL)
    g_hash_table_add (wanted, g_strdup (condition->topic));
}

/* Values come from live messages (and retained ones, which a new
 * subscriber of the engine's taps does not see: a condition on a topic is
 * unknown until its next message). The taps push into the worker's inbox. */
static void
sync_topics (BdAutomationEngine *self)
{
  g_autoptr(GHashTable) wanted = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < self->automations->len; i++)
    add_condition_topic (wanted, &((BdAutomation *) g_ptr_array_index (self->automations, i))->condition);
  for (guint i = 0; i < self->interlocks->len; i++)
    add_condition_topic (wanted, &((BdInterlock *) g_ptr_array_index (self->interlocks, i))->condition);
  g_strfreev (bd_tap_table_follow (self->taps, self->engine, wanted, self->worker->inbox));
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

  if (!bd_automation_engine_save_finish (self, result, &error))
    g_warning ("Cannot save the automations: %s", error->message);
  if (bd_rerun_end (&self->saves))
    autosave (self);
}

static void
autosave (BdAutomationEngine *self)
{
  if (self->path != NULL && bd_rerun_begin (&self->saves))
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
  if (self->alarms != NULL)
    g_signal_handlers_disconnect_by_data (self->alarms, self);
  if (self->relays != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->relays, self);
      g_signal_handlers_disconnect_by_data (bd_relay_controller_get_setpoints (self->relays), self);
      if (self->check_id != 0)
        bd_relay_controller_remove_check (self->relays, self->check_id);
    }
  self->check_id = 0;
  if (self->watched != NULL)
    unwatch (self);
  /* Nothing reaches the worker any more: it ends, then what it handed
   * back is dropped. */
  g_clear_pointer (&self->worker, worker_stop);
  if (self->out != NULL)
    bd_handoff_close (self->out);
  g_clear_object (&self->alarms);
  g_clear_object (&self->relays);
  g_clear_pointer (&self->journal, bd_journal_unref);

  G_OBJECT_CLASS (bd_automation_engine_parent_class)->dispose (object);
}

static void
bd_automation_engine_finalize (GObject *object)
{
  BdAutomationEngine *self = BD_AUTOMATION_ENGINE (object);

  g_clear_pointer (&self->out, bd_handoff_unref);
  g_hash_table_unref (self->taps);
  g_ptr_array_unref (self->watched);
  g_ptr_array_unref (self->automations);
  g_ptr_array_unref (self->interlocks);
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
  self->watched = g_ptr_array_new_with_free_func (g_object_unref);
  self->automations = g_ptr_array_new_with_free_func ((GDestroyNotify) bd_automation_free);
  self->interlocks = g_ptr_array_new_with_free_func ((GDestroyNotify) bd_interlock_free);
  self->proposals = g_list_store_new (BD_TYPE_AUTOMATION_PROPOSAL);
  self->out = bd_handoff_new (self->context, "automation outcomes", out_item_free, flush_out, self);
  self->worker = worker_start (self->out);
  bd_tap_table_follow (self->taps, NULL, none, self->worker->inbox);
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
  g_signal_connect_swapped (relays, "items-changed", G_CALLBACK (rewatch), self);
  g_signal_connect_swapped (bd_relay_controller_get_setpoints (relays), "items-changed",
                            G_CALLBACK (rewatch), self);
  rewatch (self);
  self->check_id = bd_relay_controller_add_check (relays, interlock_check_cb, self, NULL);
  return self;
}

void
bd_automation_engine_set_journal (BdAutomationEngine *self,
                                  BdJournal          *journal)
{
  InItem *item;

  g_return_if_fail (BD_IS_AUTOMATION_ENGINE (self));

  g_clear_pointer (&self->journal, bd_journal_unref);
  if (journal != NULL)
    self->journal = bd_journal_ref (journal);
  item = in_item_new (IN_JOURNAL);
  item->journal = journal != NULL ? bd_journal_ref (journal) : NULL;
  bd_handoff_push (self->worker->in, item);
}

void
bd_automation_engine_feed (BdMessage *message,
                           gpointer   user_data)
{
  BdAutomationEngine *self = user_data;

  bd_message_inbox_push (self->worker->inbox, message, NULL);
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

static GPtrArray *
copy_automations (GPtrArray *automations)
{
  GPtrArray *copy = g_ptr_array_new_with_free_func ((GDestroyNotify) bd_automation_free);

  for (guint i = 0; i < automations->len; i++)
    g_ptr_array_add (copy, bd_automation_copy (g_ptr_array_index (automations, i)));
  return copy;
}

static GPtrArray *
copy_interlocks (GPtrArray *interlocks)
{
  GPtrArray *copy = g_ptr_array_new_with_free_func ((GDestroyNotify) bd_interlock_free);

  for (guint i = 0; i < interlocks->len; i++)
    g_ptr_array_add (copy, bd_interlock_copy (g_ptr_array_index (interlocks, i)));
  return copy;
}

GPtrArray *
bd_automation_engine_dup_automations (BdAutomationEngine *self)
{
  return copy_automations (self->automations);
}

GPtrArray *
bd_automation_engine_dup_interlocks (BdAutomationEngine *self)
{
  return copy_interlocks (self->interlocks);
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
  InItem *item;

  g_return_if_fail (BD_IS_AUTOMATION_ENGINE (self));

  g_ptr_array_set_size (self->automations, 0);
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
  item = in_item_new (IN_AUTOMATIONS);
  item->entries = copy_automations (self->automations);
  bd_handoff_push (self->worker->in, item);
  sync_topics (self);
  autosave (self);
  g_signal_emit (self, signals[CHANGED], 0);
}

void
bd_automation_engine_set_interlocks (BdAutomationEngine *self,
                                     GPtrArray          *interlocks)
{
  InItem *item;

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
  item = in_item_new (IN_INTERLOCKS);
  item->entries = copy_interlocks (self->interlocks);
  /* From here on, commands wait for the worker's judgement of these. */
  g_mutex_lock (&self->worker->lock);
  item->generation = ++self->worker->generation;
  g_mutex_unlock (&self->worker->lock);
  bd_handoff_push (self->worker->in, item);
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

  g_return_val_if_fail (BD_IS_AUTOMATION_ENGINE (self), FALSE);
  g_return_val_if_fail (BD_IS_AUTOMATION_PROPOSAL (proposal), FALSE);

  held = g_object_ref (proposal);
  if (!take_proposal (self, proposal))
    return TRUE;   /* confirmed or dismissed already (a window and a notification) */
  /* The operator answers here, where the relay controller is: the command
   * and the checks' verdict are known before this returns. */
  return act_and_record (self, bd_automation_proposal_get_automation (proposal),
                         bd_automation_proposal_get_alarm_topic (proposal),
                         bd_automation_proposal_get_action (proposal), "confirmed",
                         bd_automation_proposal_get_action (proposal), error);
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
