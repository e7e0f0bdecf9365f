/* bd-alarm-engine.c — evaluates alarm rules on the messages it is fed
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Threads. Messages arrive on the engine thread (taps) or a remote client's
 * thread (bd_alarm_engine_feed ()). The feeding thread only matches the topic
 * against a snapshot of the rules' filters and appends a reference to the
 * message to the inbox, under a mutex; the first append schedules one flush
 * on the owner's main context FLUSH_MS later. The flush evaluates the whole
 * batch there. Evaluating on the owner's context, rather than on a thread of
 * our own, is deliberate: an evaluation is a handful of comparisons, while
 * the alarm states, the GListModel, the signals and the operator's actions
 * (acknowledge, shelve) all live on that context, so the states need no lock
 * and the list is updated once per batch, never once per message. Messages
 * no rule watches never leave the feeding thread.
 *
 * Time. Evaluation uses the engine's clock (g_get_real_time () unless a test
 * sets another) at the flush, not the message's receipt time, so values,
 * timers and actions share one time line; a batch is at most FLUSH_MS late.
 * One timer on the owner's context fires at the earliest deadline of all
 * instances (on/off delays, stale data, shelves running out).
 */

#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n.h>

#include "bd-alarm-engine.h"
#include "bd-alarm-private.h"
#include "bd-message-inbox.h"
#include "bd-payload.h"
#include "bd-settings-file.h"
#include "bd-topic.h"

#define FLUSH_MS 50
#define INBOX_MAX 200000

/* A tap per distinct filter; all share the engine's inbox. */
typedef struct
{
  BdMessageInbox *inbox;
  char           *filter;
} TapData;

typedef struct
{
  char            *rule_id;
  char            *topic;
  BdAlarmInstance  state;
  BdAlarm         *alarm;
  gboolean         listed;         /* in the alarms list store */
  gboolean         warned_nan;     /* logged "not a number" since the last number */
} Instance;

struct _BdAlarmEngine
{
  GObject           parent_instance;

  GMainContext     *context;
  BdMessageInbox   *inbox;
  GPtrArray        *rules;         /* BdAlarmRule*, owned */
  GHashTable       *operations;    /* id -> BdAlarmRule*: operations alarms, never saved */
  GHashTable       *instances;     /* "rule-id\x1ftopic" -> Instance* */
  GListStore       *alarms;
  BdEngine         *engine;
  GArray           *tap_ids;
  GSource          *timer;
  char             *rules_path;
  GThreadPool      *saver;         /* one thread: saves happen in order */
  BdAlarmClockFunc  clock;
  gpointer          clock_data;
};

enum {
  SIGNAL_TRANSITION,
  SIGNAL_RULES_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (BdAlarmEngine, bd_alarm_engine, G_TYPE_OBJECT)

static void reschedule_timer (BdAlarmEngine *self);
static void process_batch    (BdAlarmEngine *self,
                              GPtrArray     *messages);

/* Inbox (any thread) */

/* The inbox's filter, under its lock: @data is the enabled rules' distinct
 * filters (a snapshot, replaced whole), @push_data the filter of the tap that
 * delivered the message, or NULL when fed directly. A message matching
 * several rule filters reaches several taps; only the tap of the first
 * matching filter queues it, so each message is evaluated once. */
static gboolean
accept_rule_topic (BdMessage *message,
                   gpointer   data,
                   gpointer   push_data)
{
  GStrv filters = data;
  const char *topic = bd_message_get_topic (message);

  for (guint i = 0; filters != NULL && filters[i] != NULL; i++)
    if (bd_topic_matches (filters[i], topic))
      return push_data == NULL || strcmp (filters[i], push_data) == 0;
  return FALSE;
}

static void
flush_batch (gpointer   owner,
             GPtrArray *messages)
{
  process_batch (owner, messages);
}

static void
tap_data_free (TapData *data)
{
  bd_message_inbox_unref (data->inbox);
  g_free (data->filter);
  g_free (data);
}

static void
tap_cb (BdMessage *message,
        gpointer   user_data)
{
  TapData *data = user_data;

  bd_message_inbox_push (data->inbox, message, data->filter);
}

void
bd_alarm_engine_feed (BdMessage *message,
                      gpointer   user_data)
{
  BdAlarmEngine *self = user_data;

  g_return_if_fail (message != NULL);
  g_return_if_fail (BD_IS_ALARM_ENGINE (self));

  bd_message_inbox_push (self->inbox, message, NULL);
}

/* Owner context from here on. */

static gint64
now_us (BdAlarmEngine *self)
{
  return self->clock != NULL ? self->clock (self->clock_data) : g_get_real_time ();
}

static void
instance_free (Instance *instance)
{
  g_free (instance->rule_id);
  g_free (instance->topic);
  g_clear_object (&instance->alarm);
  g_free (instance);
}

static char *
instance_key (const char *rule_id,
              const char *topic)
{
  return g_strconcat (rule_id, "\x1f", topic, NULL);
}

static const BdAlarmRule *
find_rule (BdAlarmEngine *self,
           const char    *id,
           guint         *index)
{
  for (guint i = 0; i < self->rules->len; i++)
    {
      const BdAlarmRule *rule = g_ptr_array_index (self->rules, i);

      if (strcmp (rule->id, id) == 0)
        {
          if (index != NULL)
            *index = i;
          return rule;
        }
    }
  return NULL;
}

/* A rule of alarms.ini or of an operations alarm: what instances follow. */
static const BdAlarmRule *
find_any_rule (BdAlarmEngine *self,
               const char    *id)
{
  const BdAlarmRule *rule = find_rule (self, id, NULL);

  return rule != NULL ? rule : g_hash_table_lookup (self->operations, id);
}

/* find_rule () for the public calls that name a rule that must exist. */
static gboolean
find_existing_rule (BdAlarmEngine  *self,
                    const char     *id,
                    guint          *index,
                    GError        **error)
{
  if (find_rule (self, id, index) != NULL)
    return TRUE;
  g_set_error (error, BD_ALARM_ERROR, BD_ALARM_ERROR_NOT_FOUND,
               _("There is no alarm rule with the id “%s”."), id);
  return FALSE;
}

static void
unlist (BdAlarmEngine *self,
        Instance      *instance)
{
  guint position;

  if (!instance->listed)
    return;
  instance->listed = FALSE;
  if (g_list_store_find (self->alarms, instance->alarm, &position))
    g_list_store_remove (self->alarms, position);
}

char *
bd_alarm_describe_transition (BdAlarm      *alarm,
                              BdAlarmState  from_state,
                              BdAlarmLevel  from_level)
{
  g_autofree char *what = bd_alarm_describe (alarm);

  /* TRANSLATORS: an alarm, then its state change ("Normal → Unacknowledged") */
  return g_strdup_printf (_("%s (%s → %s)"), what, bd_alarm_state_to_label (from_state),
                          bd_alarm_state_to_label (bd_alarm_get_state (alarm)));
}

gboolean
bd_alarm_transition_is_raise (BdAlarmState from_state,
                              BdAlarmLevel from_level,
                              BdAlarmState to_state,
                              BdAlarmLevel to_level)
{
  if (to_state != BD_ALARM_STATE_UNACK)
    return FALSE;
  return from_state != BD_ALARM_STATE_UNACK || from_level != to_level;
}

/* One transition: the alarm object, the list, the signal. The
 * list gains new alarms through @added (one splice per batch). */
static void
apply_transition (BdAlarmEngine           *self,
                  Instance                *instance,
                  const BdAlarmRule       *rule,
                  const BdAlarmTransition *transition,
                  GPtrArray               *added)
{
  _bd_alarm_update (instance->alarm, rule, &instance->state);

  if (instance->state.state == BD_ALARM_STATE_NORMAL)
    unlist (self, instance);
  else if (!instance->listed)
    {
      instance->listed = TRUE;
      if (added != NULL)
        g_ptr_array_add (added, g_object_ref (instance->alarm));
      else
        g_list_store_append (self->alarms, instance->alarm);
    }

  g_signal_emit (self, signals[SIGNAL_TRANSITION], 0, instance->alarm,
                 transition->from_state, transition->from_level);
}

static void
splice_added (BdAlarmEngine *self,
              GPtrArray     *added)
{
  if (added->len > 0)
    g_list_store_splice (self->alarms, g_list_model_get_n_items (G_LIST_MODEL (self->alarms)),
                         0, added->pdata, added->len);
}

static gboolean
extract_value (const BdAlarmRule *rule,
               BdMessage         *message,
               double            *value)
{
  gsize length = 0;
  const guint8 *data = bd_message_get_payload (message, &length);

  return bd_payload_read_number (data, length, rule->field, value) && !isnan (*value);
}

static Instance *
ensure_instance (BdAlarmEngine     *self,
                 const BdAlarmRule *rule,
                 const char        *topic)
{
  g_autofree char *key = instance_key (rule->id, topic);
  Instance *instance = g_hash_table_lookup (self->instances, key);

  if (instance == NULL)
    {
      instance = g_new0 (Instance, 1);
      instance->rule_id = g_strdup (rule->id);
      instance->topic = g_strdup (topic);
      bd_alarm_instance_init (&instance->state);
      instance->alarm = _bd_alarm_new (rule, topic);
      g_hash_table_insert (self->instances, g_steal_pointer (&key), instance);
    }
  return instance;
}

static void
evaluate_message (BdAlarmEngine *self,
                  BdMessage     *message,
                  gboolean       only_new,
                  gint64         now,
                  GPtrArray     *added)
{
  const char *topic = bd_message_get_topic (message);

  /* A retained-clearing publish (empty payload) says nothing about the value. */
  if (g_bytes_get_size (message->payload) == 0)
    return;

  for (guint i = 0; i < self->rules->len; i++)
    {
      const BdAlarmRule *rule = g_ptr_array_index (self->rules, i);
      BdAlarmTransition transition;
      Instance *instance;
      double value = NAN;

      if (!rule->enabled || !bd_topic_matches (rule->filter, topic))
        continue;
      if (only_new)
        {
          g_autofree char *key = instance_key (rule->id, topic);

          if (g_hash_table_contains (self->instances, key))
            continue;
        }

      instance = ensure_instance (self, rule, topic);
      if (!extract_value (rule, message, &value))
        {
          /* Once per stretch of bad payloads, not once per message. */
          if (!instance->warned_nan)
            {
              g_autofree char *shown = NULL;
              gsize length = 0;
              const guint8 *data = bd_message_get_payload (message, &length);

              instance->warned_nan = TRUE;
              shown = bd_payload_dup_line (data, length, 40);
              if (rule->field[0] != '\0')
                g_message ("Alarm rule “%s”: the payload on %s has no number at “%s” (“%s”); ignored",
                           rule->name, topic, rule->field, shown);
              else
                g_message ("Alarm rule “%s”: the payload on %s is not a number (“%s”); ignored",
                           rule->name, topic, shown);
            }
          continue;
        }
      instance->warned_nan = FALSE;
      if (bd_alarm_eval_value (rule, &instance->state, value, now, &transition))
        apply_transition (self, instance, rule, &transition, added);
      else if (instance->listed)
        _bd_alarm_update (instance->alarm, rule, &instance->state);  /* the value moved */
    }
}

static void
process_batch (BdAlarmEngine *self,
               GPtrArray     *messages)
{
  g_autoptr(GPtrArray) added = g_ptr_array_new_with_free_func (g_object_unref);
  gint64 now = now_us (self);

  for (guint i = 0; i < messages->len; i++)
    evaluate_message (self, g_ptr_array_index (messages, i), FALSE, now, added);
  splice_added (self, added);
  reschedule_timer (self);
}

static void
tick_all (BdAlarmEngine *self)
{
  g_autoptr(GPtrArray) added = g_ptr_array_new_with_free_func (g_object_unref);
  gint64 now = now_us (self);
  GHashTableIter iter;
  Instance *instance;

  g_hash_table_iter_init (&iter, self->instances);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &instance))
    {
      const BdAlarmRule *rule = find_any_rule (self, instance->rule_id);
      BdAlarmTransition transition;

      if (rule != NULL && bd_alarm_eval_tick (rule, &instance->state, now, &transition))
        apply_transition (self, instance, rule, &transition, added);
    }
  splice_added (self, added);
}

static gboolean
timer_cb (gpointer data)
{
  BdAlarmEngine *self = data;

  g_clear_pointer (&self->timer, g_source_unref);
  tick_all (self);
  reschedule_timer (self);
  return G_SOURCE_REMOVE;
}

static void
reschedule_timer (BdAlarmEngine *self)
{
  gint64 deadline = G_MAXINT64;
  GHashTableIter iter;
  Instance *instance;
  gint64 delay_ms;

  /* O(instances) per batch: fine for the hundreds of (rule, topic) pairs a
   * console watches; a heap of deadlines would be the next step. */
  g_hash_table_iter_init (&iter, self->instances);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &instance))
    {
      const BdAlarmRule *rule = find_any_rule (self, instance->rule_id);

      if (rule != NULL)
        deadline = MIN (deadline, bd_alarm_eval_next_deadline (rule, &instance->state));
    }

  if (self->timer != NULL)
    {
      g_source_destroy (self->timer);
      g_clear_pointer (&self->timer, g_source_unref);
    }
  if (deadline == G_MAXINT64)
    return;

  /* Round up: firing a millisecond early would find nothing due. */
  delay_ms = MAX (0, (deadline - now_us (self) + 999) / 1000);
  self->timer = g_timeout_source_new ((guint) MIN (delay_ms, G_MAXUINT));
  g_source_set_static_name (self->timer, "[brokerdesk] alarm timer");
  g_source_set_callback (self->timer, timer_cb, self, NULL);
  g_source_attach (self->timer, self->context);
}

/* Rules */

static GStrv
enabled_filters (BdAlarmEngine *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < self->rules->len; i++)
    {
      const BdAlarmRule *rule = g_ptr_array_index (self->rules, i);

      if (rule->enabled && g_hash_table_add (seen, rule->filter))
        g_strv_builder_add (builder, rule->filter);
    }
  return g_strv_builder_end (builder);
}

static void
remove_taps (BdAlarmEngine *self)
{
  if (self->engine == NULL)
    return;
  for (guint i = 0; i < self->tap_ids->len; i++)
    bd_engine_remove_tap (self->engine, g_array_index (self->tap_ids, guint, i));
  g_array_set_size (self->tap_ids, 0);
}

static void
seeded_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  GWeakRef *weak = user_data;
  g_autoptr(BdAlarmEngine) self = g_weak_ref_get (weak);
  g_autoptr(GPtrArray) messages = bd_engine_dup_retained_finish (result);
  g_autoptr(GPtrArray) added = NULL;
  gint64 now;

  g_weak_ref_clear (weak);
  g_free (weak);
  /* Gone meanwhile: the seed does not keep the alarm engine alive. */
  if (self == NULL)
    return;
  added = g_ptr_array_new_with_free_func (g_object_unref);
  now = now_us (self);

  /* Only for (rule, topic) pairs nothing has been seen on yet: a message
   * that came through a tap meanwhile is as new as the retained one or
   * newer, and an instance's value must never go back to an older one. */
  for (guint i = 0; messages != NULL && i < messages->len; i++)
    evaluate_message (self, g_ptr_array_index (messages, i), TRUE, now, added);
  splice_added (self, added);
  reschedule_timer (self);
}

/* A sensor that publishes its value retained, and rarely, must not wait for
 * its next change to be judged by a rule that was loaded, added or edited
 * after the value came (the rules load while the broker already runs): the
 * retained values matching the rules are evaluated as if they just came. */
static void
seed_from_retained (BdAlarmEngine *self,
                    GStrv          filters)
{
  GWeakRef *weak;

  if (self->engine == NULL || filters[0] == NULL)
    return;
  weak = g_new0 (GWeakRef, 1);
  g_weak_ref_init (weak, self);
  bd_engine_dup_retained_async (self->engine, (const char * const *) filters, seeded_cb, weak);
}

static void
update_filters (BdAlarmEngine *self)
{
  g_auto(GStrv) filters = enabled_filters (self);

  bd_message_inbox_set_accept (self->inbox, accept_rule_topic, g_strdupv (filters),
                               (GDestroyNotify) g_strfreev);

  if (self->engine != NULL)
    {
      remove_taps (self);
      for (guint i = 0; filters[i] != NULL; i++)
        {
          TapData *data = g_new0 (TapData, 1);
          guint id;

          data->inbox = bd_message_inbox_ref (self->inbox);
          data->filter = g_strdup (filters[i]);
          id = bd_engine_add_tap (self->engine, filters[i], tap_cb, data,
                                  (GDestroyNotify) tap_data_free);
          g_array_append_val (self->tap_ids, id);
        }
      seed_from_retained (self, filters);
    }
}

typedef struct
{
  char   *path;
  char   *data;
  gsize   length;
  GTask  *task;   /* NULL for the saves rule changes make */
} SaveJob;

static void
save_job_free (SaveJob *job)
{
  g_free (job->path);
  g_free (job->data);
  g_clear_object (&job->task);
  g_free (job);
}

static void
saver_func (gpointer data,
            gpointer user_data)
{
  SaveJob *job = data;
  g_autoptr(GError) error = NULL;

  if (job->path != NULL && job->data != NULL)
    {
      if (!bd_settings_file_save (job->path, job->data, job->length, &error))
        {
          /* Handled here for automatic saves (logged once per failure);
           * an explicit save_rules_async () reports it to its caller. */
          if (job->task == NULL)
            g_warning ("Cannot save the alarm rules: %s", error->message);
        }
    }

  if (job->task != NULL)
    {
      if (error != NULL)
        g_task_return_error (job->task, g_steal_pointer (&error));
      else
        g_task_return_boolean (job->task, TRUE);
    }
  save_job_free (job);
}

static void
queue_save (BdAlarmEngine *self,
            GTask         *task)
{
  SaveJob *job = g_new0 (SaveJob, 1);

  /* The text is made here, on the owner's thread, so the saver never reads
   * the rules; the disk write happens on the saver thread. */
  job->path = g_strdup (self->rules_path);
  if (job->path != NULL)
    job->data = bd_alarm_rules_to_data (self->rules, &job->length);
  job->task = task != NULL ? g_object_ref (task) : NULL;
  g_thread_pool_push (self->saver, job, NULL);
}

/* After the rules changed: drop the alarms of rules that are gone, disabled
 * or no longer match, start over for rules whose settings changed (with the
 * last value, so a changed limit takes effect at once), and refresh taps. */
static void
rules_changed (BdAlarmEngine *self,
               GPtrArray     *old_rules,
               gboolean       save)
{
  g_autoptr(GPtrArray) added = g_ptr_array_new_with_free_func (g_object_unref);
  gint64 now = now_us (self);
  GHashTableIter iter;
  Instance *instance;

  g_hash_table_iter_init (&iter, self->instances);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &instance))
    {
      const BdAlarmRule *rule = find_rule (self, instance->rule_id, NULL);
      const BdAlarmRule *old_rule = NULL;
      BdAlarmTransition transition;
      double last_value;

      /* Operations alarms follow their caller, not the rules. */
      if (g_hash_table_contains (self->operations, instance->rule_id))
        continue;

      for (guint i = 0; old_rules != NULL && i < old_rules->len; i++)
        if (strcmp (((BdAlarmRule *) g_ptr_array_index (old_rules, i))->id, instance->rule_id) == 0)
          old_rule = g_ptr_array_index (old_rules, i);

      if (rule == NULL || !rule->enabled || !bd_topic_matches (rule->filter, instance->topic))
        {
          unlist (self, instance);
          g_hash_table_iter_remove (&iter);
          continue;
        }
      if (old_rule != NULL && bd_alarm_rule_equal (old_rule, rule))
        continue;

      last_value = instance->state.value;
      unlist (self, instance);
      bd_alarm_instance_init (&instance->state);
      _bd_alarm_update (instance->alarm, rule, &instance->state);
      if (!isnan (last_value) &&
          bd_alarm_eval_value (rule, &instance->state, last_value, now, &transition))
        apply_transition (self, instance, rule, &transition, added);
    }
  splice_added (self, added);

  update_filters (self);
  reschedule_timer (self);
  if (save)
    queue_save (self, NULL);
  g_signal_emit (self, signals[SIGNAL_RULES_CHANGED], 0);
}

static GPtrArray *
copy_rules (GPtrArray *rules)
{
  GPtrArray *copy = g_ptr_array_new_full (rules != NULL ? rules->len : 0,
                                          (GDestroyNotify) bd_alarm_rule_free);

  for (guint i = 0; rules != NULL && i < rules->len; i++)
    g_ptr_array_add (copy, bd_alarm_rule_copy (g_ptr_array_index (rules, i)));
  return copy;
}

static void
set_rules_internal (BdAlarmEngine *self,
                    GPtrArray     *rules,
                    gboolean       save)
{
  g_autoptr(GPtrArray) old = g_steal_pointer (&self->rules);

  self->rules = copy_rules (rules);
  rules_changed (self, old, save);
}

/* One rule edited: the rule at @index is replaced by a copy of @rule, or
 * removed when @rule is NULL; @index past the last rule adds @rule. */
static void
change_rule (BdAlarmEngine     *self,
             guint              index,
             const BdAlarmRule *rule)
{
  g_autoptr(GPtrArray) rules = copy_rules (self->rules);

  if (index < rules->len)
    g_ptr_array_remove_index (rules, index);
  if (rule != NULL)
    g_ptr_array_insert (rules, index, bd_alarm_rule_copy (rule));
  set_rules_internal (self, rules, TRUE);
}

/* GObject */

static void
bd_alarm_engine_dispose (GObject *object)
{
  BdAlarmEngine *self = BD_ALARM_ENGINE (object);

  bd_alarm_engine_detach (self);
  if (self->timer != NULL)
    {
      g_source_destroy (self->timer);
      g_clear_pointer (&self->timer, g_source_unref);
    }
  /* Remote taps may still feed it: nothing reaches a disposed engine. */
  bd_message_inbox_close (self->inbox);

  g_hash_table_remove_all (self->instances);
  if (self->alarms != NULL)
    g_list_store_remove_all (self->alarms);

  G_OBJECT_CLASS (bd_alarm_engine_parent_class)->dispose (object);
}

static void
bd_alarm_engine_finalize (GObject *object)
{
  BdAlarmEngine *self = BD_ALARM_ENGINE (object);

  /* Waits for pending saves: rule changes are not lost at exit. */
  g_thread_pool_free (self->saver, FALSE, TRUE);
  bd_message_inbox_unref (self->inbox);
  g_clear_pointer (&self->rules, g_ptr_array_unref);
  g_clear_pointer (&self->operations, g_hash_table_unref);
  g_clear_pointer (&self->instances, g_hash_table_unref);
  g_clear_object (&self->alarms);
  g_clear_pointer (&self->tap_ids, g_array_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_free (self->rules_path);

  G_OBJECT_CLASS (bd_alarm_engine_parent_class)->finalize (object);
}

static void
bd_alarm_engine_class_init (BdAlarmEngineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = bd_alarm_engine_dispose;
  object_class->finalize = bd_alarm_engine_finalize;

  /**
   * BdAlarmEngine::transition:
   * @alarm: the alarm, already in its new state and level
   * @from_state: the state before
   * @from_level: the level before
   *
   * Emitted on the owner's main context after every transition, once the
   * alarms list is updated (the journal and the notifiers connect here).
   */
  signals[SIGNAL_TRANSITION] =
    g_signal_new ("transition", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 3,
                  BD_TYPE_ALARM, BD_TYPE_ALARM_STATE, BD_TYPE_ALARM_LEVEL);

  /**
   * BdAlarmEngine::rules-changed:
   *
   * Emitted when rules were set, added, replaced or removed.
   */
  signals[SIGNAL_RULES_CHANGED] =
    g_signal_new ("rules-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
bd_alarm_engine_init (BdAlarmEngine *self)
{
  self->context = g_main_context_ref_thread_default ();
  /* A backlog of INBOX_MAX means the owner's main loop is stuck: dropping
   * (counted, and logged once) beats growing without bound. */
  self->inbox = bd_message_inbox_new (self->context, FLUSH_MS, INBOX_MAX, "alarm engine",
                                      flush_batch, self);

  self->rules = g_ptr_array_new_with_free_func ((GDestroyNotify) bd_alarm_rule_free);
  self->operations = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                            (GDestroyNotify) bd_alarm_rule_free);
  self->instances = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                           (GDestroyNotify) instance_free);
  self->alarms = g_list_store_new (BD_TYPE_ALARM);
  self->tap_ids = g_array_new (FALSE, FALSE, sizeof (guint));
  self->saver = g_thread_pool_new (saver_func, NULL, 1, FALSE, NULL);
}

/* Public API */

BdAlarmEngine *
bd_alarm_engine_new (void)
{
  return g_object_new (BD_TYPE_ALARM_ENGINE, NULL);
}

void
bd_alarm_engine_attach (BdAlarmEngine *self,
                        BdEngine      *engine)
{
  g_return_if_fail (BD_IS_ALARM_ENGINE (self));
  g_return_if_fail (engine != NULL);

  bd_alarm_engine_detach (self);
  self->engine = bd_engine_ref (engine);
  update_filters (self);
}

void
bd_alarm_engine_detach (BdAlarmEngine *self)
{
  g_return_if_fail (BD_IS_ALARM_ENGINE (self));

  remove_taps (self);
  g_clear_pointer (&self->engine, bd_engine_unref);
}

GListModel *
bd_alarm_engine_get_alarms (BdAlarmEngine *self)
{
  g_return_val_if_fail (BD_IS_ALARM_ENGINE (self), NULL);
  return G_LIST_MODEL (self->alarms);
}

static Instance *
instance_for_alarm (BdAlarmEngine      *self,
                    BdAlarm            *alarm,
                    const BdAlarmRule **rule)
{
  g_autofree char *key = instance_key (bd_alarm_get_rule_id (alarm), bd_alarm_get_topic (alarm));
  Instance *instance = g_hash_table_lookup (self->instances, key);

  if (instance == NULL || instance->alarm != alarm)
    return NULL;
  *rule = find_any_rule (self, instance->rule_id);
  return *rule != NULL ? instance : NULL;
}

typedef enum { ACTION_ACK, ACTION_SHELVE, ACTION_UNSHELVE } Action;

static void
run_action (BdAlarmEngine *self,
            BdAlarm       *alarm,
            Action         action,
            guint          duration_s)
{
  const BdAlarmRule *rule = NULL;
  Instance *instance = instance_for_alarm (self, alarm, &rule);
  BdAlarmTransition transition;
  gint64 now = now_us (self);
  gboolean changed = FALSE;

  if (instance == NULL)
    return;  /* gone meanwhile (rule removed): nothing to do */

  switch (action)
    {
    case ACTION_ACK:
      changed = bd_alarm_eval_acknowledge (rule, &instance->state, now, &transition);
      break;
    case ACTION_SHELVE:
      changed = bd_alarm_eval_shelve (rule, &instance->state,
                                      now + (gint64) duration_s * G_USEC_PER_SEC, now,
                                      &transition);
      if (!changed)
        _bd_alarm_update (instance->alarm, rule, &instance->state);  /* a new end time */
      break;
    case ACTION_UNSHELVE:
      changed = bd_alarm_eval_unshelve (rule, &instance->state, now, &transition);
      break;
    default:
      g_assert_not_reached ();
    }
  if (changed)
    apply_transition (self, instance, rule, &transition, NULL);
  reschedule_timer (self);
}

void
bd_alarm_engine_acknowledge (BdAlarmEngine *self,
                             BdAlarm       *alarm)
{
  g_return_if_fail (BD_IS_ALARM_ENGINE (self));
  g_return_if_fail (BD_IS_ALARM (alarm));

  run_action (self, alarm, ACTION_ACK, 0);
}

void
bd_alarm_engine_acknowledge_all (BdAlarmEngine *self)
{
  g_autoptr(GPtrArray) alarms = g_ptr_array_new_with_free_func (g_object_unref);
  guint n;

  g_return_if_fail (BD_IS_ALARM_ENGINE (self));

  /* A copy: acknowledging RTN_UNACK alarms removes them from the list. */
  n = g_list_model_get_n_items (G_LIST_MODEL (self->alarms));
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (alarms, g_list_model_get_item (G_LIST_MODEL (self->alarms), i));
  for (guint i = 0; i < alarms->len; i++)
    run_action (self, g_ptr_array_index (alarms, i), ACTION_ACK, 0);
}

void
bd_alarm_engine_shelve (BdAlarmEngine *self,
                        BdAlarm       *alarm,
                        guint          duration_s)
{
  g_return_if_fail (BD_IS_ALARM_ENGINE (self));
  g_return_if_fail (BD_IS_ALARM (alarm));
  g_return_if_fail (duration_s > 0);

  run_action (self, alarm, ACTION_SHELVE, duration_s);
}

void
bd_alarm_engine_unshelve (BdAlarmEngine *self,
                          BdAlarm       *alarm)
{
  g_return_if_fail (BD_IS_ALARM_ENGINE (self));
  g_return_if_fail (BD_IS_ALARM (alarm));

  run_action (self, alarm, ACTION_UNSHELVE, 0);
}

/* An operations alarm is a rule of its own with a Hi limit of 0.5, fed 1
 * when the event happens and 0 when it is over: the state machine,
 * acknowledgement and shelving are the ones every alarm has. */
static void
feed_operation (BdAlarmEngine     *self,
                const BdAlarmRule *rule,
                double             value)
{
  Instance *instance = ensure_instance (self, rule, rule->filter);
  BdAlarmTransition transition;

  if (bd_alarm_eval_value (rule, &instance->state, value, now_us (self), &transition))
    {
      /* The 1 or 0 is bookkeeping; the name says what happened. */
      instance->state.value = NAN;
      apply_transition (self, instance, rule, &transition, NULL);
    }
  reschedule_timer (self);
}

void
bd_alarm_engine_raise_operation (BdAlarmEngine   *self,
                                 const char      *id,
                                 const char      *name,
                                 const char      *topic,
                                 BdAlarmPriority  priority)
{
  BdAlarmRule *rule;

  g_return_if_fail (BD_IS_ALARM_ENGINE (self));
  g_return_if_fail (id != NULL && name != NULL && topic != NULL);

  rule = g_hash_table_lookup (self->operations, id);
  if (rule != NULL && (strcmp (rule->filter, topic) != 0 || rule->priority != priority))
    {
      /* Another topic is another instance: the old one goes with its rule. */
      g_autofree char *key = instance_key (id, rule->filter);
      Instance *instance = g_hash_table_lookup (self->instances, key);

      if (instance != NULL)
        unlist (self, instance);
      g_hash_table_remove (self->instances, key);
      g_hash_table_remove (self->operations, id);
      rule = NULL;
    }
  if (rule == NULL)
    {
      rule = bd_alarm_rule_new (id);
      g_free (rule->filter);
      rule->filter = g_strdup (topic);
      rule->hi = 0.5;
      rule->priority = priority;
      g_hash_table_insert (self->operations, rule->id, rule);
    }
  g_free (rule->name);
  rule->name = g_strdup (name);
  feed_operation (self, rule, 1);
}

void
bd_alarm_engine_return_operation (BdAlarmEngine *self,
                                  const char    *id)
{
  const BdAlarmRule *rule;

  g_return_if_fail (BD_IS_ALARM_ENGINE (self));
  g_return_if_fail (id != NULL);

  rule = g_hash_table_lookup (self->operations, id);
  if (rule != NULL)
    feed_operation (self, rule, 0);
}

GPtrArray *
bd_alarm_engine_dup_rules (BdAlarmEngine *self)
{
  g_return_val_if_fail (BD_IS_ALARM_ENGINE (self), NULL);
  return copy_rules (self->rules);
}

BdAlarmRule *
bd_alarm_engine_dup_rule (BdAlarmEngine *self,
                          const char    *id)
{
  const BdAlarmRule *rule;

  g_return_val_if_fail (BD_IS_ALARM_ENGINE (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  rule = find_rule (self, id, NULL);
  return rule != NULL ? bd_alarm_rule_copy (rule) : NULL;
}

BdAlarmRule *
bd_alarm_engine_dup_rule_for (BdAlarmEngine *self,
                              const char    *topic,
                              const char    *field)
{
  g_return_val_if_fail (BD_IS_ALARM_ENGINE (self), NULL);
  g_return_val_if_fail (topic != NULL, NULL);

  for (guint i = 0; i < self->rules->len; i++)
    {
      const BdAlarmRule *rule = g_ptr_array_index (self->rules, i);

      if (rule->enabled && g_strcmp0 (rule->field, field != NULL ? field : "") == 0
          && !(isnan (rule->hihi) && isnan (rule->hi) && isnan (rule->lo) && isnan (rule->lolo))
          && bd_topic_matches (rule->filter, topic))
        return bd_alarm_rule_copy (rule);
    }
  return NULL;
}

void
bd_alarm_engine_set_rules (BdAlarmEngine *self,
                           GPtrArray     *rules)
{
  g_autoptr(GPtrArray) valid = g_ptr_array_new ();
  g_autoptr(GHashTable) ids = g_hash_table_new (g_str_hash, g_str_equal);

  g_return_if_fail (BD_IS_ALARM_ENGINE (self));

  /* The evaluator relies on valid rules and unique ids. */
  for (guint i = 0; rules != NULL && i < rules->len; i++)
    {
      BdAlarmRule *rule = g_ptr_array_index (rules, i);
      g_autoptr(GError) error = NULL;

      if (!bd_alarm_rule_validate (rule, &error))
        g_warning ("Alarm rule [%s] skipped: %s", rule->id, error->message);
      else if (!g_hash_table_add (ids, rule->id))
        g_warning ("Alarm rule [%s] skipped: the id is used twice", rule->id);
      else
        g_ptr_array_add (valid, rule);
    }
  set_rules_internal (self, valid, TRUE);
}

gboolean
bd_alarm_engine_add_rule (BdAlarmEngine      *self,
                          const BdAlarmRule  *rule,
                          GError            **error)
{
  g_return_val_if_fail (BD_IS_ALARM_ENGINE (self), FALSE);
  g_return_val_if_fail (rule != NULL, FALSE);

  if (!bd_alarm_rule_validate (rule, error))
    return FALSE;
  if (find_any_rule (self, rule->id) != NULL)
    {
      g_set_error (error, BD_ALARM_ERROR, BD_ALARM_ERROR_DUPLICATE_ID,
                   _("There is already an alarm rule with the id “%s”."), rule->id);
      return FALSE;
    }
  change_rule (self, self->rules->len, rule);
  return TRUE;
}

gboolean
bd_alarm_engine_replace_rule (BdAlarmEngine      *self,
                              const BdAlarmRule  *rule,
                              GError            **error)
{
  guint index;

  g_return_val_if_fail (BD_IS_ALARM_ENGINE (self), FALSE);
  g_return_val_if_fail (rule != NULL, FALSE);

  if (!bd_alarm_rule_validate (rule, error))
    return FALSE;
  if (!find_existing_rule (self, rule->id, &index, error))
    return FALSE;
  change_rule (self, index, rule);
  return TRUE;
}

gboolean
bd_alarm_engine_remove_rule (BdAlarmEngine  *self,
                             const char     *id,
                             GError        **error)
{
  guint index;

  g_return_val_if_fail (BD_IS_ALARM_ENGINE (self), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);

  if (!find_existing_rule (self, id, &index, error))
    return FALSE;
  change_rule (self, index, NULL);
  return TRUE;
}

void
bd_alarm_engine_set_rules_path (BdAlarmEngine *self,
                                const char    *path)
{
  g_return_if_fail (BD_IS_ALARM_ENGINE (self));

  if (g_strcmp0 (self->rules_path, path) == 0)
    return;
  g_free (self->rules_path);
  self->rules_path = g_strdup (path);
}

const char *
bd_alarm_engine_get_rules_path (BdAlarmEngine *self)
{
  g_return_val_if_fail (BD_IS_ALARM_ENGINE (self), NULL);
  return self->rules_path;
}

typedef struct
{
  GPtrArray *rules;
  GPtrArray *problems;
} LoadResult;

static void
load_result_free (LoadResult *result)
{
  g_clear_pointer (&result->rules, g_ptr_array_unref);
  g_clear_pointer (&result->problems, g_ptr_array_unref);
  g_free (result);
}

static gpointer
load_file (const char  *path,
           GError     **error)
{
  LoadResult *result = g_new0 (LoadResult, 1);

  result->rules = bd_alarm_rules_load_file (path, &result->problems, error);
  if (result->rules == NULL)
    {
      load_result_free (result);
      return NULL;
    }
  return result;
}

void
bd_alarm_engine_load_rules_async (BdAlarmEngine       *self,
                                  const char          *path,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_return_if_fail (BD_IS_ALARM_ENGINE (self));
  g_return_if_fail (path != NULL);

  bd_settings_file_load_async (self, path, load_file, (GDestroyNotify) load_result_free,
                               cancellable, callback, user_data);
}

gboolean
bd_alarm_engine_load_rules_finish (BdAlarmEngine  *self,
                                   GAsyncResult   *result,
                                   GPtrArray     **problems,
                                   GError        **error)
{
  LoadResult *loaded;

  g_return_val_if_fail (BD_IS_ALARM_ENGINE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  bd_alarm_engine_set_rules_path (self, bd_settings_file_get_path (result));
  loaded = bd_settings_file_load_finish (result, error);
  if (loaded == NULL)
    return FALSE;

  for (guint i = 0; loaded->problems != NULL && i < loaded->problems->len; i++)
    g_warning ("%s; the rule was skipped",
               ((GError *) g_ptr_array_index (loaded->problems, i))->message);

  /* Not saved back: the file is what was just read, comments included. */
  set_rules_internal (self, loaded->rules, FALSE);
  if (problems != NULL)
    *problems = g_steal_pointer (&loaded->problems);
  load_result_free (loaded);
  return TRUE;
}

void
bd_alarm_engine_save_rules_async (BdAlarmEngine       *self,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (BD_IS_ALARM_ENGINE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, bd_alarm_engine_save_rules_async);
  queue_save (self, task);
}

gboolean
bd_alarm_engine_save_rules_finish (BdAlarmEngine  *self,
                                   GAsyncResult   *result,
                                   GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
bd_alarm_engine_set_clock (BdAlarmEngine    *self,
                           BdAlarmClockFunc  clock,
                           gpointer          user_data)
{
  g_return_if_fail (BD_IS_ALARM_ENGINE (self));

  self->clock = clock;
  self->clock_data = user_data;
}

void
bd_alarm_log_transition (BdAlarmEngine *self,
                         BdAlarm       *alarm,
                         BdAlarmState   from_state,
                         BdAlarmLevel   from_level,
                         gpointer       user_data)
{
  g_autofree char *text = bd_alarm_describe_transition (alarm, from_state, from_level);

  if (bd_alarm_transition_is_raise (from_state, from_level, bd_alarm_get_state (alarm),
                                    bd_alarm_get_level (alarm)))
    g_warning ("Alarm: %s", text);
  else
    g_message ("Alarm: %s", text);
}
