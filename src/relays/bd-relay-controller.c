/* bd-relay-controller.c — relay commands, confirmed by the devices' state topics
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The model, per relay:
 *
 *   idle ──set()──► pending(target) ──state == target──────► idle, "confirmed"
 *                        │  ├──────state == other───────────► idle, "contradicted" + error
 *                        │  └──────timeout──────────────────► idle, "timeout" + error
 *                        └──set() again: a new command replaces the pending one
 *
 * The relay's "state" is always what the state topic last said, pending or
 * not, so a switch shows the device's truth; someone else toggling the device
 * is reflected too. Only state messages created after the command was sent
 * decide it: one that was already on its way (or a retained snapshot read at
 * attach time) merely updates the state, otherwise the old state would count
 * as a contradiction. Messages older than the last one applied are ignored,
 * so a retained snapshot cannot overwrite a newer live state.
 *
 * Setpoints (bd-setpoint.h) go through the same machine with a number as
 * the target: confirmed when a report lies within the tolerance of the
 * target, contradicted by one that lies elsewhere, except between the value
 * before the command and the target (a positioner on its way reports where
 * it is). A setpoint with a rate limit sends at most that many commands a
 * second; a newer value waits for the interval and replaces an older one.
 *
 * Before anything is sent, the checks run (bd_relay_controller_add_check:
 * interlocks, an operator lock): a refusal is logged ("refused", with the
 * reason) and returned as BD_RELAY_ERROR_BLOCKED. A setpoint value outside
 * its range is refused the same way, before the checks.
 *
 * Threads: messages arrive on the engine thread (or a remote client's) in
 * bd_relay_controller_tap (). A BdMessageInbox checks the topic against the
 * set of state topics and queues the message; the controller's context gets
 * the queue in one batch when idle. The inbox is shared with the engine taps
 * and closed on dispose, so a tap that fires while the controller goes away
 * queues nothing and reaches no freed memory.
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "bd-message-inbox.h"
#include "bd-output-private.h"
#include "bd-payload.h"
#include "bd-relay-controller.h"
#include "bd-relay-private.h"
#include "bd-rerun.h"
#include "bd-setpoint-private.h"
#include "bd-settings-file.h"
#include "bd-tap-table.h"

#include <math.h>

/* ------------------------------------------------------------ controller */

typedef struct
{
  BdRelay    *relay;       /* exactly one of relay and setpoint */
  BdSetpoint *setpoint;
  GSource    *timeout;     /* while pending */
  gint64      sent_us;     /* when the pending command was sent */
  gint64      last_msg_us; /* time of the newest state message applied */
  char       *command;     /* the pending command's payload */
  BdRelaySource source;    /* who sent it */

  /* Setpoints only. */
  double      start_value; /* the value when the command was sent */
  gint64      last_send_mono_us;
  GSource    *rate;        /* sends the queued value once the rate allows */
  double      queued;
  BdRelaySource queued_source;
} Entry;

typedef struct
{
  guint                id;
  BdRelayCheckFunc     func;
  gpointer             data;
  GDestroyNotify       notify;
} Check;

struct _BdRelayController
{
  GObject             parent_instance;

  GMainContext       *context;
  BdMessageInbox     *inbox;
  GPtrArray          *entries;      /* Entry* of relays, in display order */
  GPtrArray          *setpoint_entries; /* Entry* of setpoints, in display order */
  GListStore         *setpoints;    /* the same setpoints, as a model */
  GArray             *checks;       /* Check */
  guint               last_check_id;
  GListStore         *log;          /* BdRelayLogEntry, newest first */

  BdRelayPublishFunc  publish;
  gpointer            publish_data;
  GDestroyNotify      publish_notify;

  BdEngine           *engine;
  GHashTable         *taps;         /* state topic -> tap id, while attached */

  char               *path;
  BdRerun             saves;
};

enum {
  COMMAND_LOGGED,
  COMMAND_FAILED,
  SETPOINT_FAILED,
  SAVE_FAILED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (BdRelayController, bd_relay_controller, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

static GType
list_model_get_item_type (GListModel *model)
{
  return BD_TYPE_RELAY;
}

static guint
list_model_get_n_items (GListModel *model)
{
  return BD_RELAY_CONTROLLER (model)->entries->len;
}

static gpointer
list_model_get_item (GListModel *model,
                     guint       position)
{
  BdRelayController *self = BD_RELAY_CONTROLLER (model);
  Entry *entry;

  if (position >= self->entries->len)
    return NULL;
  entry = g_ptr_array_index (self->entries, position);
  return g_object_ref (entry->relay);
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = list_model_get_item_type;
  iface->get_n_items = list_model_get_n_items;
  iface->get_item = list_model_get_item;
}

static void
clear_source (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

static void
entry_cancel_timeout (Entry *entry)
{
  clear_source (&entry->timeout);
}

/* A relay or a setpoint: one machine serves both through what they share. */
static BdOutput *
entry_output (Entry *entry)
{
  return entry->relay != NULL ? BD_OUTPUT (entry->relay) : BD_OUTPUT (entry->setpoint);
}

static const char *
entry_id (Entry *entry)
{
  return bd_output_get_id (entry_output (entry));
}

static const char *
entry_command_topic (Entry *entry)
{
  return bd_output_get_command_topic (entry_output (entry));
}

static const char *
entry_state_topic (Entry *entry)
{
  return bd_output_get_state_topic (entry_output (entry));
}

static void
entry_free (gpointer data)
{
  Entry *entry = data;

  entry_cancel_timeout (entry);
  clear_source (&entry->rate);
  /* A removed relay may live on in an undo toast: not pending any more. */
  _bd_output_clear_target (entry_output (entry));
  g_clear_object (&entry->relay);
  g_clear_object (&entry->setpoint);
  g_free (entry->command);
  g_free (entry);
}

/* @object: a BdRelay or a BdSetpoint. */
static Entry *
find_in (GPtrArray *entries,
         gpointer   object,
         guint     *position)
{
  for (guint i = 0; i < entries->len; i++)
    {
      Entry *entry = g_ptr_array_index (entries, i);

      if (entry_output (entry) == object)
        {
          if (position != NULL)
            *position = i;
          return entry;
        }
    }
  return NULL;
}

static Entry *
find_id_in (GPtrArray  *entries,
            const char *id,
            guint      *position)
{
  for (guint i = 0; i < entries->len; i++)
    {
      Entry *entry = g_ptr_array_index (entries, i);

      if (g_strcmp0 (entry_id (entry), id) == 0)
        {
          if (position != NULL)
            *position = i;
          return entry;
        }
    }
  return NULL;
}

/* Relays and setpoints share relays.ini, whose groups are their ids. */
static gboolean
id_taken (BdRelayController *self,
          const char        *id)
{
  return find_id_in (self->entries, id, NULL) != NULL ||
         find_id_in (self->setpoint_entries, id, NULL) != NULL;
}

static char *
payload_text (BdMessage *message)
{
  gsize len;
  const guint8 *data = bd_message_get_payload (message, &len);

  return g_strndup ((const char *) data, len);
}

static void
log_command (BdRelayController *self,
             Entry             *entry,
             const char        *topic,
             const char        *payload,
             BdRelayOutcome     outcome,
             BdRelaySource      source,
             const char        *detail)
{
  g_autoptr(BdRelayLogEntry) log_entry =
    bd_relay_log_entry_new_full (g_get_real_time (), entry->relay != NULL ? "relay" : "setpoint",
                                 entry_id (entry), bd_output_get_name (entry_output (entry)), topic,
                                 payload, outcome, source, detail);
  gboolean failed = outcome == BD_RELAY_OUTCOME_TIMEOUT || outcome == BD_RELAY_OUTCOME_CONTRADICTED;
  guint n;

  g_list_store_insert (self->log, 0, log_entry);
  n = g_list_model_get_n_items (G_LIST_MODEL (self->log));
  if (n > BD_RELAY_LOG_LENGTH)
    g_list_store_splice (self->log, BD_RELAY_LOG_LENGTH, n - BD_RELAY_LOG_LENGTH, NULL, 0);

  g_debug ("%s %s: %s %s “%s”", bd_relay_log_entry_get_kind (log_entry), entry_id (entry),
           bd_relay_outcome_to_string (outcome), topic, bd_relay_log_entry_get_payload (log_entry));
  g_signal_emit (self, signals[COMMAND_LOGGED], 0, log_entry);
  if (failed && entry->relay != NULL)
    g_signal_emit (self, signals[COMMAND_FAILED], 0, entry->relay, log_entry);
  else if (failed)
    g_signal_emit (self, signals[SETPOINT_FAILED], 0, entry->setpoint, log_entry);
}

/* The end of a pending command, either way. */
static void
entry_settle (BdRelayController *self,
              Entry             *entry,
              const char        *topic,
              const char        *payload,
              BdRelayOutcome     outcome,
              const char        *error)
{
  entry_cancel_timeout (entry);
  _bd_output_clear_target (entry_output (entry));
  _bd_output_set_last_error (entry_output (entry), error);
  log_command (self, entry, topic, payload, outcome, entry->source, error);
}

static const char *
state_word (BdRelayState state)
{
  return state == BD_RELAY_STATE_ON ? _("on") : _("off");
}

/* Stores what a relay's state payload says; FALSE when it says nothing
 * usable (an empty payload makes the state unknown, anything else that is
 * neither on nor off is an error). */
static gboolean
read_relay_state (Entry      *entry,
                  const char *text,
                  gsize       len)
{
  BdRelayState state;

  if (len == 0)
    {
      _bd_relay_set_state (entry->relay, BD_RELAY_STATE_UNKNOWN, g_get_real_time ());
      return FALSE;
    }
  state = bd_relay_parse_state (entry->relay, (const guint8 *) text, len);
  if (state == BD_RELAY_STATE_UNKNOWN)
    {
      g_autofree char *valid = bd_payload_dup_line ((const guint8 *) text, len, 64);
      g_autofree char *error = g_strdup_printf (_("The state topic reported “%s”, which is neither on nor off"),
                                                valid);

      _bd_output_set_last_error (BD_OUTPUT (entry->relay), error);
      return FALSE;
    }
  _bd_relay_set_state (entry->relay, state, g_get_real_time ());
  return TRUE;
}

/* The same for a setpoint: the number in the payload becomes the value. */
static gboolean
read_setpoint_state (Entry      *entry,
                     const char *text,
                     gsize       len)
{
  double value;

  if (len == 0)
    {
      _bd_setpoint_set_value (entry->setpoint, NAN, g_get_real_time ());
      return FALSE;
    }
  if (!bd_setpoint_parse_payload (entry->setpoint, (const guint8 *) text, len, &value))
    {
      g_autofree char *valid = bd_payload_dup_line ((const guint8 *) text, len, 64);
      g_autofree char *error = g_strdup_printf (_("The state topic reported “%s”, which is not a number"),
                                                valid);

      _bd_output_set_last_error (BD_OUTPUT (entry->setpoint), error);
      return FALSE;
    }
  _bd_setpoint_set_value (entry->setpoint, value, g_get_real_time ());
  return TRUE;
}

/* What a relay's new state means for its pending command: CONFIRMED, or
 * CONTRADICTED with *@error saying how. */
static BdRelayOutcome
judge_relay (Entry  *entry,
             char  **error)
{
  BdRelayState state = bd_relay_get_state (entry->relay);
  BdRelayState target = bd_relay_get_target (entry->relay);

  if (state == target)
    return BD_RELAY_OUTCOME_CONFIRMED;
  /* Translators: "The device reported off instead of on" */
  *error = g_strdup_printf (_("The device reported %s instead of %s"), state_word (state),
                            state_word (target));
  return BD_RELAY_OUTCOME_CONTRADICTED;
}

/* The same for a setpoint's new value, which may also be on its way from
 * the value before the command to the target: SENT, still pending. */
static BdRelayOutcome
judge_setpoint (Entry  *entry,
                char  **error)
{
  BdSetpoint *setpoint = entry->setpoint;
  double value = bd_setpoint_get_value (setpoint);
  double target = bd_setpoint_get_target (setpoint);
  double start = entry->start_value;
  g_autofree char *got = NULL;
  g_autofree char *wanted = NULL;

  if (fabs (value - target) <= bd_setpoint_get_effective_tolerance (setpoint))
    return BD_RELAY_OUTCOME_CONFIRMED;
  if (!isnan (start) && ((start < target && value > start && value < target) ||
                         (start > target && value < start && value > target)))
    return BD_RELAY_OUTCOME_SENT;   /* on its way: the timeout still runs */
  got = bd_setpoint_format_value (setpoint, value);
  wanted = bd_setpoint_format_value (setpoint, target);
  /* Translators: "The device reported 20 % instead of 40 %" */
  *error = g_strdup_printf (_("The device reported %s instead of %s"), got, wanted);
  return BD_RELAY_OUTCOME_CONTRADICTED;
}

static void
apply_state (BdRelayController *self,
             Entry             *entry,
             BdMessage         *message)
{
  g_autofree char *text = payload_text (message);
  g_autofree char *error = NULL;
  gsize len = strlen (text);
  BdRelayOutcome outcome;

  if (message->time_us < entry->last_msg_us)
    return;
  entry->last_msg_us = message->time_us;

  /* An empty retained message deletes the retained state [MQTT-3.3.1-10]:
   * nobody knows the state any more, and reading it makes it unknown. */
  if (!(entry->relay != NULL ? read_relay_state (entry, text, len)
                             : read_setpoint_state (entry, text, len)))
    return;

  if (!bd_output_get_pending (entry_output (entry)) || message->time_us < entry->sent_us)
    return;

  outcome = entry->relay != NULL ? judge_relay (entry, &error) : judge_setpoint (entry, &error);
  if (outcome != BD_RELAY_OUTCOME_SENT)
    entry_settle (self, entry, message->topic, text, outcome, error);
}

static void
flush_states (gpointer   owner,
              GPtrArray *batch)
{
  BdRelayController *self = owner;

  for (guint m = 0; m < batch->len; m++)
    {
      BdMessage *message = g_ptr_array_index (batch, m);

      /* Entries may share a state topic (two views of one device). */
      for (guint i = 0; i < self->entries->len; i++)
        {
          Entry *entry = g_ptr_array_index (self->entries, i);

          if (g_strcmp0 (entry_state_topic (entry), message->topic) == 0)
            apply_state (self, entry, message);
        }
      for (guint i = 0; i < self->setpoint_entries->len; i++)
        {
          Entry *entry = g_ptr_array_index (self->setpoint_entries, i);

          if (g_strcmp0 (entry_state_topic (entry), message->topic) == 0)
            apply_state (self, entry, message);
        }
    }
}

/* ------------------------------------------------------------- taps */

/* The retained state messages go through the inbox like the tapped ones. */
static void
seeded_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(BdMessageInbox) inbox = user_data;
  g_autoptr(GPtrArray) retained = bd_engine_dup_retained_finish (result);

  for (guint m = 0; retained != NULL && m < retained->len; m++)
    bd_message_inbox_push (inbox, g_ptr_array_index (retained, m), NULL);
}

/* Takes @topics. */
static void
start_seed (BdRelayController *self,
            GStrv              topics)
{
  bd_engine_dup_retained_async (self->engine, (const char * const *) topics, seeded_cb,
                                bd_message_inbox_ref (self->inbox));
  g_strfreev (topics);
}

/* Brings the tap topic set and (while attached) the engine taps in line with
 * the relays' state topics. */
static void
sync_topics (BdRelayController *self)
{
  g_autoptr(GHashTable) wanted = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GStrv added;

  for (guint i = 0; i < self->entries->len; i++)
    g_hash_table_add (wanted, g_strdup (entry_state_topic (g_ptr_array_index (self->entries, i))));
  for (guint i = 0; i < self->setpoint_entries->len; i++)
    g_hash_table_add (wanted, g_strdup (entry_state_topic (g_ptr_array_index (self->setpoint_entries, i))));

  /* Only state topics are worth a trip to the controller's context. */
  added = bd_tap_table_follow (self->taps, self->engine, wanted, self->inbox);
  if (added != NULL)
    start_seed (self, added);
}

static void
seed_topics (BdRelayController *self,
             const char        *topic)
{
  char *topics[] = { (char *) topic, NULL };

  if (self->engine != NULL)
    start_seed (self, g_strdupv (topics));
}

/* ------------------------------------------------------------- saving */

/* The relays or the setpoints of @entries. */
static GPtrArray *
dup_objects (GPtrArray *entries)
{
  GPtrArray *objects = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < entries->len; i++)
    g_ptr_array_add (objects, g_object_ref (entry_output (g_ptr_array_index (entries, i))));
  return objects;
}

void
bd_relay_controller_save_async (BdRelayController   *self,
                                const char          *path,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GPtrArray) relays = NULL;
  g_autoptr(GPtrArray) setpoints = NULL;
  char *data;
  gsize len;

  g_return_if_fail (BD_IS_RELAY_CONTROLLER (self));
  g_return_if_fail (path != NULL || self->path != NULL);

  /* Serialised here, on the owner thread, so the worker never touches a
   * relay object the owner may be changing. */
  relays = dup_objects (self->entries);
  setpoints = dup_objects (self->setpoint_entries);
  data = bd_relays_to_data_full (relays, setpoints, &len);
  bd_settings_file_save_async (self, path != NULL ? path : self->path, data, len,
                               cancellable, callback, user_data);
}

gboolean
bd_relay_controller_save_finish (BdRelayController  *self,
                                 GAsyncResult       *result,
                                 GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return bd_settings_file_save_finish (result, error);
}

static void autosave (BdRelayController *self);

static void
autosave_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  BdRelayController *self = BD_RELAY_CONTROLLER (object);
  g_autoptr(GError) error = NULL;

  if (!bd_relay_controller_save_finish (self, result, &error))
    {
      g_warning ("Cannot save the relays: %s", error->message);
      g_signal_emit (self, signals[SAVE_FAILED], 0, error->message);
    }
  if (bd_rerun_end (&self->saves))
    autosave (self);
}

static void
autosave (BdRelayController *self)
{
  if (self->path != NULL && bd_rerun_begin (&self->saves))
    bd_relay_controller_save_async (self, NULL, NULL, autosave_cb, NULL);
}

/* ------------------------------------------------------------- loading */

typedef struct
{
  GPtrArray *relays;
  GPtrArray *setpoints;
  GStrv      warnings;
} LoadResult;

static void
load_result_free (gpointer data)
{
  LoadResult *result = data;

  g_clear_pointer (&result->relays, g_ptr_array_unref);
  g_clear_pointer (&result->setpoints, g_ptr_array_unref);
  g_strfreev (result->warnings);
  g_free (result);
}

static gpointer
load_file (const char  *path,
           GError     **error)
{
  LoadResult *result = g_new0 (LoadResult, 1);

  if (!bd_relays_load_all (path, &result->relays, &result->setpoints, &result->warnings, error))
    {
      load_result_free (result);
      return NULL;
    }
  return result;
}

void
bd_relay_controller_load_async (BdRelayController   *self,
                                const char          *path,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_return_if_fail (BD_IS_RELAY_CONTROLLER (self));
  g_return_if_fail (path != NULL || self->path != NULL);

  bd_settings_file_load_async (self, path != NULL ? path : self->path, load_file,
                               load_result_free, cancellable, callback, user_data);
}

gboolean
bd_relay_controller_load_finish (BdRelayController   *self,
                                 GAsyncResult        *result,
                                 char              ***warnings,
                                 GError             **error)
{
  LoadResult *loaded;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  loaded = bd_settings_file_load_finish (result, error);
  if (loaded == NULL)
    return FALSE;
  bd_relay_controller_set_relays (self, loaded->relays);
  bd_relay_controller_set_setpoints (self, loaded->setpoints);
  if (warnings != NULL)
    *warnings = g_steal_pointer (&loaded->warnings);
  load_result_free (loaded);
  return TRUE;
}

/* ------------------------------------------------------------- object */

static void
check_clear (gpointer data)
{
  Check *check = data;

  if (check->notify != NULL)
    check->notify (check->data);
}

static void
bd_relay_controller_dispose (GObject *object)
{
  BdRelayController *self = BD_RELAY_CONTROLLER (object);

  bd_relay_controller_detach (self);
  /* Remote taps may still call in: accept nothing more. */
  if (self->inbox != NULL)
    bd_message_inbox_close (self->inbox);
  if (self->entries != NULL)
    g_ptr_array_set_size (self->entries, 0);
  if (self->setpoint_entries != NULL)
    g_ptr_array_set_size (self->setpoint_entries, 0);
  if (self->checks != NULL)
    g_array_set_size (self->checks, 0);
  if (self->publish_notify != NULL)
    self->publish_notify (self->publish_data);
  self->publish = NULL;
  self->publish_notify = NULL;
  self->publish_data = NULL;

  G_OBJECT_CLASS (bd_relay_controller_parent_class)->dispose (object);
}

static void
bd_relay_controller_finalize (GObject *object)
{
  BdRelayController *self = BD_RELAY_CONTROLLER (object);

  g_clear_pointer (&self->inbox, bd_message_inbox_unref);
  g_ptr_array_unref (self->entries);
  g_ptr_array_unref (self->setpoint_entries);
  g_object_unref (self->setpoints);
  g_array_unref (self->checks);
  g_object_unref (self->log);
  g_hash_table_unref (self->taps);
  g_main_context_unref (self->context);
  g_free (self->path);

  G_OBJECT_CLASS (bd_relay_controller_parent_class)->finalize (object);
}

static void
bd_relay_controller_class_init (BdRelayControllerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = bd_relay_controller_dispose;
  object_class->finalize = bd_relay_controller_finalize;

  /* Every command and outcome, for the journal. */
  signals[COMMAND_LOGGED] =
    g_signal_new ("command-logged", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, BD_TYPE_RELAY_LOG_ENTRY);
  /* A timeout or contradiction; the relay's last-error says what happened. */
  signals[COMMAND_FAILED] =
    g_signal_new ("command-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, BD_TYPE_RELAY, BD_TYPE_RELAY_LOG_ENTRY);
  /* The same for a setpoint. */
  signals[SETPOINT_FAILED] =
    g_signal_new ("setpoint-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, BD_TYPE_SETPOINT, BD_TYPE_RELAY_LOG_ENTRY);
  signals[SAVE_FAILED] =
    g_signal_new ("save-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
bd_relay_controller_init (BdRelayController *self)
{
  g_autoptr(GHashTable) none = g_hash_table_new (g_str_hash, g_str_equal);

  self->context = g_main_context_ref_thread_default ();
  self->entries = g_ptr_array_new_with_free_func (entry_free);
  self->setpoint_entries = g_ptr_array_new_with_free_func (entry_free);
  self->setpoints = g_list_store_new (BD_TYPE_SETPOINT);
  self->checks = g_array_new (FALSE, TRUE, sizeof (Check));
  g_array_set_clear_func (self->checks, check_clear);
  self->log = g_list_store_new (BD_TYPE_RELAY_LOG_ENTRY);
  self->taps = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  self->inbox = bd_message_inbox_new (self->context, 0, 0, "relay controller",
                                      flush_states, self);
  bd_tap_table_follow (self->taps, NULL, none, self->inbox);
}

/* ------------------------------------------------------------- public */

BdRelayController *
bd_relay_controller_new (void)
{
  return g_object_new (BD_TYPE_RELAY_CONTROLLER, NULL);
}

void
bd_relay_controller_set_publish_func (BdRelayController  *self,
                                      BdRelayPublishFunc  func,
                                      gpointer            user_data,
                                      GDestroyNotify      notify)
{
  g_return_if_fail (BD_IS_RELAY_CONTROLLER (self));

  if (self->publish_notify != NULL)
    self->publish_notify (self->publish_data);
  self->publish = func;
  self->publish_data = user_data;
  self->publish_notify = notify;
}

void
bd_relay_controller_tap (BdMessage *message,
                         gpointer   controller)
{
  BdRelayController *self = controller;

  g_return_if_fail (message != NULL);
  g_return_if_fail (self != NULL);

  bd_message_inbox_push (self->inbox, message, NULL);
}

static void
engine_publish_cb (BdMessage *message,
                   gpointer   user_data)
{
  bd_engine_publish (user_data, message);
}

void
bd_relay_controller_attach (BdRelayController *self,
                            BdEngine          *engine)
{
  g_return_if_fail (BD_IS_RELAY_CONTROLLER (self));
  g_return_if_fail (engine != NULL);

  bd_relay_controller_detach (self);
  self->engine = bd_engine_ref (engine);
  bd_relay_controller_set_publish_func (self, engine_publish_cb, bd_engine_ref (engine),
                                        (GDestroyNotify) bd_engine_unref);
  sync_topics (self);
}

void
bd_relay_controller_detach (BdRelayController *self)
{
  g_return_if_fail (BD_IS_RELAY_CONTROLLER (self));

  if (self->engine == NULL)
    return;
  bd_tap_table_clear (self->taps, self->engine);
  if (self->publish == engine_publish_cb)
    bd_relay_controller_set_publish_func (self, NULL, NULL, NULL);
  g_clear_pointer (&self->engine, bd_engine_unref);
}

/* g_ptr_array_sort () passes pointers to the elements. */
static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

char **
bd_relay_controller_dup_state_topics (BdRelayController *self)
{
  g_autoptr(GPtrArray) topics = g_ptr_array_new ();

  g_return_val_if_fail (BD_IS_RELAY_CONTROLLER (self), NULL);

  for (guint k = 0; k < 2; k++)
    {
      GPtrArray *entries = k == 0 ? self->entries : self->setpoint_entries;

      for (guint i = 0; i < entries->len; i++)
        {
          const char *topic = entry_state_topic (g_ptr_array_index (entries, i));
          gboolean seen = FALSE;

          for (guint j = 0; j < topics->len && !seen; j++)
            seen = g_str_equal (g_ptr_array_index (topics, j), topic);
          if (!seen)
            g_ptr_array_add (topics, g_strdup (topic));
        }
    }
  g_ptr_array_sort (topics, compare_strings);
  g_ptr_array_add (topics, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&topics), FALSE);
}

static Entry *
entry_new (BdOutput *output)
{
  Entry *entry = g_new0 (Entry, 1);

  if (BD_IS_RELAY (output))
    entry->relay = g_object_ref (BD_RELAY (output));
  else
    entry->setpoint = g_object_ref (BD_SETPOINT (output));
  entry->start_value = NAN;
  return entry;
}

/* Relays and setpoints are kept apart, each in its own list. */
static GPtrArray *
entries_of (BdRelayController *self,
            BdOutput          *output)
{
  return BD_IS_RELAY (output) ? self->entries : self->setpoint_entries;
}

/* Tells the list model of @entries (the controller itself for the relays,
 * a store for the setpoints) that @removed items at @position became the
 * @added entries there. */
static void
entries_changed (BdRelayController *self,
                 GPtrArray         *entries,
                 guint              position,
                 guint              removed,
                 guint              added)
{
  g_autoptr(GPtrArray) objects = NULL;

  if (entries == self->entries)
    {
      g_list_model_items_changed (G_LIST_MODEL (self), position, removed, added);
      return;
    }
  objects = g_ptr_array_new ();
  for (guint i = position; i < position + added; i++)
    g_ptr_array_add (objects, entry_output (g_ptr_array_index (entries, i)));
  g_list_store_splice (self->setpoints, position, removed, objects->pdata, added);
}

static gboolean
check_new (BdRelayController  *self,
           BdOutput           *output,
           const char         *replacing,
           GError            **error)
{
  const char *id = bd_output_get_id (output);

  if (!bd_output_validate (output, error))
    return FALSE;
  if (find_in (entries_of (self, output), output, NULL) == NULL &&
      (g_strcmp0 (id, replacing) == 0 || !id_taken (self, id)))
    return TRUE;
  if (BD_IS_RELAY (output))
    g_set_error (error, BD_RELAY_ERROR, BD_RELAY_ERROR_EXISTS,
                 _("Another relay already has the id “%s”"), id);
  else
    g_set_error (error, BD_RELAY_ERROR, BD_RELAY_ERROR_EXISTS,
                 _("Another relay or setpoint already has the id “%s”"), id);
  return FALSE;
}

static gboolean
insert_entry (BdRelayController  *self,
              guint               position,
              BdOutput           *output,
              GError            **error)
{
  GPtrArray *entries = entries_of (self, output);

  if (!check_new (self, output, NULL, error))
    return FALSE;
  position = MIN (position, entries->len);
  g_ptr_array_insert (entries, position, entry_new (output));
  sync_topics (self);
  entries_changed (self, entries, position, 0, 1);
  autosave (self);
  return TRUE;
}

/* Whether a relay replacing @old still reads the same device the same way. */
static gboolean
same_relay_device (BdRelay *old,
                   BdRelay *relay)
{
  return g_strcmp0 (bd_relay_get_state_topic (old), bd_relay_get_state_topic (relay)) == 0 &&
         g_strcmp0 (bd_relay_get_state_on (old), bd_relay_get_state_on (relay)) == 0 &&
         g_strcmp0 (bd_relay_get_state_off (old), bd_relay_get_state_off (relay)) == 0 &&
         g_strcmp0 (bd_relay_get_on_payload (old), bd_relay_get_on_payload (relay)) == 0 &&
         g_strcmp0 (bd_relay_get_off_payload (old), bd_relay_get_off_payload (relay)) == 0;
}

static gboolean
replace_entry (BdRelayController  *self,
               const char         *id,
               BdOutput           *output,
               GError            **error)
{
  GPtrArray *entries = entries_of (self, output);
  gboolean reseed = TRUE;
  guint position;
  Entry *old;
  Entry *entry;

  old = find_id_in (entries, id, &position);
  if (old == NULL && BD_IS_RELAY (output))
    g_set_error (error, BD_RELAY_ERROR, BD_RELAY_ERROR_NOT_FOUND,
                 _("No relay has the id “%s”"), id);
  else if (old == NULL)
    g_set_error (error, BD_RELAY_ERROR, BD_RELAY_ERROR_NOT_FOUND,
                 _("No setpoint has the id “%s”"), id);
  if (old == NULL || !check_new (self, output, id, error))
    return FALSE;
  /* A relay's state carries over when the device and its words are the
   * same; otherwise (and always for a setpoint) it is read again from the
   * retained state (when attached to the engine) or arrives with the
   * device's next report. */
  entry = entry_new (output);
  if (old->relay != NULL && same_relay_device (old->relay, entry->relay))
    {
      /* Same device, same words: what it last said still holds. */
      _bd_relay_set_state (entry->relay, bd_relay_get_state (old->relay),
                           bd_relay_get_last_change (old->relay));
      entry->last_msg_us = old->last_msg_us;
      reseed = FALSE;
    }
  g_ptr_array_index (entries, position) = entry;
  entry_free (old);
  sync_topics (self);
  if (reseed)
    seed_topics (self, bd_output_get_state_topic (output));
  entries_changed (self, entries, position, 1, 1);
  autosave (self);
  return TRUE;
}

/* Returns the removed relay or setpoint, a reference. */
static gpointer
remove_entry (BdRelayController *self,
              GPtrArray         *entries,
              const char        *id,
              guint             *position)
{
  gpointer object;
  Entry *entry;
  guint pos;

  entry = find_id_in (entries, id, &pos);
  if (entry == NULL)
    return NULL;
  object = g_object_ref (entry_output (entry));
  g_ptr_array_remove_index (entries, pos);
  sync_topics (self);
  entries_changed (self, entries, pos, 1, 0);
  autosave (self);
  if (position != NULL)
    *position = pos;
  return object;
}

/* Replaces all of @entries by @outputs (of the same kind); an output the
 * checks refuse is skipped with a warning. Not saved: this is how a file
 * is loaded. */
static void
set_entries (BdRelayController *self,
             GPtrArray         *entries,
             GPtrArray         *outputs)
{
  guint removed = entries->len;

  g_ptr_array_set_size (entries, 0);
  for (guint i = 0; i < outputs->len; i++)
    {
      BdOutput *output = g_ptr_array_index (outputs, i);
      g_autoptr(GError) error = NULL;

      if (!check_new (self, output, NULL, &error))
        {
          g_warning ("%s %s skipped: %s", BD_IS_RELAY (output) ? "Relay" : "Setpoint",
                     bd_output_get_id (output), error->message);
          continue;
        }
      g_ptr_array_add (entries, entry_new (output));
    }
  sync_topics (self);
  entries_changed (self, entries, 0, removed, entries->len);
}

gboolean
bd_relay_controller_insert (BdRelayController  *self,
                            guint               position,
                            BdRelay            *relay,
                            GError            **error)
{
  g_return_val_if_fail (BD_IS_RELAY_CONTROLLER (self), FALSE);
  g_return_val_if_fail (BD_IS_RELAY (relay), FALSE);

  return insert_entry (self, position, BD_OUTPUT (relay), error);
}

gboolean
bd_relay_controller_add (BdRelayController  *self,
                         BdRelay            *relay,
                         GError            **error)
{
  g_return_val_if_fail (BD_IS_RELAY_CONTROLLER (self), FALSE);

  return bd_relay_controller_insert (self, self->entries->len, relay, error);
}

gboolean
bd_relay_controller_replace (BdRelayController  *self,
                             const char         *id,
                             BdRelay            *relay,
                             GError            **error)
{
  g_return_val_if_fail (BD_IS_RELAY_CONTROLLER (self), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);
  g_return_val_if_fail (BD_IS_RELAY (relay), FALSE);

  return replace_entry (self, id, BD_OUTPUT (relay), error);
}

BdRelay *
bd_relay_controller_remove (BdRelayController *self,
                            const char        *id,
                            guint             *position)
{
  g_return_val_if_fail (BD_IS_RELAY_CONTROLLER (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  return remove_entry (self, self->entries, id, position);
}

void
bd_relay_controller_set_relays (BdRelayController *self,
                                GPtrArray         *relays)
{
  g_return_if_fail (BD_IS_RELAY_CONTROLLER (self));
  g_return_if_fail (relays != NULL);

  set_entries (self, self->entries, relays);
}

BdRelay *
bd_relay_controller_lookup (BdRelayController *self,
                            const char        *id)
{
  Entry *entry;

  g_return_val_if_fail (BD_IS_RELAY_CONTROLLER (self), NULL);

  entry = find_id_in (self->entries, id, NULL);
  return entry != NULL ? entry->relay : NULL;
}

char *
bd_relay_controller_dup_unique_id (BdRelayController *self,
                                   const char        *name)
{
  g_autoptr(GString) base = g_string_new (NULL);
  char *id;

  g_return_val_if_fail (BD_IS_RELAY_CONTROLLER (self), NULL);

  /* Letters and digits (any script: ids name key-file groups, which are
   * UTF-8), the rest collapses into single dashes. */
  for (const char *p = name != NULL ? name : ""; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isalnum (c))
        g_string_append_unichar (base, g_unichar_tolower (c));
      else if (base->len > 0 && base->str[base->len - 1] != '-')
        g_string_append_c (base, '-');
    }
  while (base->len > 0 && base->str[base->len - 1] == '-')
    g_string_truncate (base, base->len - 1);
  if (base->len == 0)
    g_string_assign (base, "relay");

  id = g_strdup (base->str);
  for (guint n = 2; id_taken (self, id); n++)
    {
      g_free (id);
      id = g_strdup_printf ("%s-%u", base->str, n);
    }
  return id;
}

typedef struct
{
  GWeakRef  controller;
  gpointer  object;        /* the BdRelay or BdSetpoint, a reference */
} TimeoutData;

static void
timeout_data_free (gpointer data)
{
  TimeoutData *timeout = data;

  g_weak_ref_clear (&timeout->controller);
  g_object_unref (timeout->object);
  g_free (timeout);
}

static Entry *
find_any (BdRelayController *self,
          gpointer           object)
{
  Entry *entry = find_in (self->entries, object, NULL);

  return entry != NULL ? entry : find_in (self->setpoint_entries, object, NULL);
}

static gboolean
timeout_cb (gpointer data)
{
  TimeoutData *timeout = data;
  g_autoptr(BdRelayController) self = g_weak_ref_get (&timeout->controller);
  g_autofree char *error = NULL;
  Entry *entry;

  if (self == NULL)
    return G_SOURCE_REMOVE;
  entry = find_any (self, timeout->object);
  if (entry == NULL)
    return G_SOURCE_REMOVE;

  g_clear_pointer (&entry->timeout, g_source_unref);
  error = g_strdup_printf (_("No confirmation from the device within %g s"),
                           bd_output_get_timeout (entry_output (entry)) / 1000.0);
  entry_settle (self, entry, entry_command_topic (entry), entry->command,
                BD_RELAY_OUTCOME_TIMEOUT, error);
  return G_SOURCE_REMOVE;
}

/* Runs the checks; a refusal is logged and returned as BLOCKED. */
static gboolean
run_checks (BdRelayController  *self,
            Entry              *entry,
            const BdRelayCommand *command,
            const char         *payload,
            GError            **error)
{
  for (guint i = 0; i < self->checks->len; i++)
    {
      Check *check = &g_array_index (self->checks, Check, i);
      g_autoptr(GError) local_error = NULL;

      if (check->func (self, command, check->data, &local_error))
        continue;
      if (local_error == NULL)
        g_set_error_literal (&local_error, BD_RELAY_ERROR, BD_RELAY_ERROR_BLOCKED,
                             _("The command was refused"));
      log_command (self, entry, entry_command_topic (entry), payload, BD_RELAY_OUTCOME_REFUSED,
                   command->source, local_error->message);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}

/* Publishes @text on the entry's command topic; the caller has set the
 * target. The command is pending from here until confirmed or failed. */
static void
entry_send (BdRelayController *self,
            Entry             *entry,
            const char        *text,
            guint              qos,
            gboolean           retain,
            BdRelaySource      source)
{
  g_autoptr(GBytes) payload = g_bytes_new (text, strlen (text));
  g_autoptr(BdMessage) message = bd_message_new (entry_command_topic (entry), payload, qos, retain, NULL);
  TimeoutData *timeout;

  entry_cancel_timeout (entry);
  g_free (entry->command);
  entry->command = g_strdup (text);
  entry->source = source;
  /* State messages created from now on decide the command (see the top). */
  entry->sent_us = message->time_us;
  _bd_output_set_last_error (entry_output (entry), NULL);

  timeout = g_new0 (TimeoutData, 1);
  g_weak_ref_init (&timeout->controller, self);
  timeout->object = g_object_ref (entry_output (entry));
  entry->timeout = g_timeout_source_new (bd_output_get_timeout (entry_output (entry)));
  g_source_set_callback (entry->timeout, timeout_cb, timeout, timeout_data_free);
  g_source_set_static_name (entry->timeout, "[brokerdesk] command timeout");
  g_source_attach (entry->timeout, self->context);

  log_command (self, entry, message->topic, text, BD_RELAY_OUTCOME_SENT, source, NULL);
  self->publish (message, self->publish_data);
}

/* The entry of @output, ready for a command: still in the controller, with
 * a broker to publish to. */
static Entry *
command_entry (BdRelayController  *self,
               BdOutput           *output,
               GError            **error)
{
  Entry *entry = find_in (entries_of (self, output), output, NULL);

  if (entry == NULL && BD_IS_RELAY (output))
    g_set_error (error, BD_RELAY_ERROR, BD_RELAY_ERROR_NOT_FOUND,
                 _("The relay “%s” was removed"), bd_output_get_name (output));
  else if (entry == NULL)
    g_set_error (error, BD_RELAY_ERROR, BD_RELAY_ERROR_NOT_FOUND,
                 _("The setpoint “%s” was removed"), bd_output_get_name (output));
  else if (self->publish == NULL)
    g_set_error_literal (error, BD_RELAY_ERROR, BD_RELAY_ERROR_NO_BROKER,
                         _("Not connected to a broker"));
  else
    return entry;
  return NULL;
}

gboolean
bd_relay_controller_command (BdRelayController  *self,
                             BdRelay            *relay,
                             gboolean            on,
                             BdRelaySource       source,
                             GError            **error)
{
  BdRelayCommand command = { 0 };
  Entry *entry;
  const char *text;

  g_return_val_if_fail (BD_IS_RELAY_CONTROLLER (self), FALSE);
  g_return_val_if_fail (BD_IS_RELAY (relay), FALSE);

  entry = command_entry (self, BD_OUTPUT (relay), error);
  if (entry == NULL)
    return FALSE;

  text = on ? bd_relay_get_on_payload (relay) : bd_relay_get_off_payload (relay);
  command.source = source;
  command.relay = relay;
  command.on = on;
  command.value = on ? 1 : 0;
  if (!run_checks (self, entry, &command, text, error))
    return FALSE;

  _bd_relay_set_target (relay, on ? BD_RELAY_STATE_ON : BD_RELAY_STATE_OFF);
  entry_send (self, entry, text, bd_relay_get_qos (relay), bd_relay_get_retain_command (relay), source);
  return TRUE;
}

gboolean
bd_relay_controller_set (BdRelayController  *self,
                         BdRelay            *relay,
                         gboolean            on,
                         GError            **error)
{
  return bd_relay_controller_command (self, relay, on, BD_RELAY_SOURCE_OPERATOR, error);
}

/* ------------------------------------------------------------- setpoints */

static void
setpoint_send (BdRelayController *self,
               Entry             *entry,
               double             value,
               BdRelaySource      source)
{
  BdSetpoint *setpoint = entry->setpoint;
  g_autofree char *text = bd_setpoint_format_payload (setpoint, value);

  entry->start_value = bd_setpoint_get_value (setpoint);
  entry->last_send_mono_us = g_get_monotonic_time ();
  _bd_setpoint_set_target (setpoint, value);
  entry_send (self, entry, text, bd_setpoint_get_qos (setpoint),
              bd_setpoint_get_retain_command (setpoint), source);
}

static gboolean
rate_cb (gpointer data)
{
  TimeoutData *rate = data;
  g_autoptr(BdRelayController) self = g_weak_ref_get (&rate->controller);
  Entry *entry;

  if (self == NULL)
    return G_SOURCE_REMOVE;
  entry = find_in (self->setpoint_entries, rate->object, NULL);
  if (entry == NULL)
    return G_SOURCE_REMOVE;
  g_clear_pointer (&entry->rate, g_source_unref);
  if (self->publish != NULL)
    setpoint_send (self, entry, entry->queued, entry->queued_source);
  return G_SOURCE_REMOVE;
}

gboolean
bd_relay_controller_set_value (BdRelayController  *self,
                               BdSetpoint         *setpoint,
                               double              value,
                               BdRelaySource       source,
                               GError            **error)
{
  BdRelayCommand command = { 0 };
  g_autofree char *text = NULL;
  double rounded;
  double rate_limit;
  gint64 wait_us = 0;
  Entry *entry;

  g_return_val_if_fail (BD_IS_RELAY_CONTROLLER (self), FALSE);
  g_return_val_if_fail (BD_IS_SETPOINT (setpoint), FALSE);

  entry = command_entry (self, BD_OUTPUT (setpoint), error);
  if (entry == NULL)
    return FALSE;

  if (!bd_setpoint_round (setpoint, value, &rounded, error))
    {
      char number[G_ASCII_DTOSTR_BUF_SIZE];

      g_ascii_formatd (number, sizeof number, "%g", value);
      log_command (self, entry, bd_setpoint_get_command_topic (setpoint), number,
                   BD_RELAY_OUTCOME_REFUSED, source, (*error)->message);
      return FALSE;
    }
  text = bd_setpoint_format_payload (setpoint, rounded);
  command.source = source;
  command.setpoint = setpoint;
  command.value = rounded;
  command.on = rounded != 0;
  if (!run_checks (self, entry, &command, text, error))
    return FALSE;

  rate_limit = bd_setpoint_get_rate_limit (setpoint);
  if (rate_limit > 0 && entry->last_send_mono_us != 0)
    wait_us = entry->last_send_mono_us + (gint64) (G_USEC_PER_SEC / rate_limit) - g_get_monotonic_time ();
  if (wait_us <= 0 && entry->rate == NULL)
    {
      setpoint_send (self, entry, rounded, source);
      return TRUE;
    }

  /* Too soon after the last command: this value waits, and replaces any
   * value already waiting. Pending from now on, so the control shows it. */
  entry->queued = rounded;
  entry->queued_source = source;
  _bd_setpoint_set_target (setpoint, rounded);
  if (entry->rate == NULL)
    {
      TimeoutData *rate = g_new0 (TimeoutData, 1);

      g_weak_ref_init (&rate->controller, self);
      rate->object = g_object_ref (setpoint);
      entry->rate = g_timeout_source_new (MAX (wait_us, 0) / 1000 + 1);
      g_source_set_callback (entry->rate, rate_cb, rate, timeout_data_free);
      g_source_set_static_name (entry->rate, "[brokerdesk] setpoint rate limit");
      g_source_attach (entry->rate, self->context);
    }
  return TRUE;
}

GListModel *
bd_relay_controller_get_setpoints (BdRelayController *self)
{
  g_return_val_if_fail (BD_IS_RELAY_CONTROLLER (self), NULL);
  return G_LIST_MODEL (self->setpoints);
}

BdSetpoint *
bd_relay_controller_lookup_setpoint (BdRelayController *self,
                                     const char        *id)
{
  Entry *entry;

  g_return_val_if_fail (BD_IS_RELAY_CONTROLLER (self), NULL);

  entry = find_id_in (self->setpoint_entries, id, NULL);
  return entry != NULL ? entry->setpoint : NULL;
}

gboolean
bd_relay_controller_add_setpoint (BdRelayController  *self,
                                  BdSetpoint         *setpoint,
                                  GError            **error)
{
  g_return_val_if_fail (BD_IS_RELAY_CONTROLLER (self), FALSE);
  g_return_val_if_fail (BD_IS_SETPOINT (setpoint), FALSE);

  return insert_entry (self, G_MAXUINT, BD_OUTPUT (setpoint), error);
}

gboolean
bd_relay_controller_replace_setpoint (BdRelayController  *self,
                                      const char         *id,
                                      BdSetpoint         *setpoint,
                                      GError            **error)
{
  g_return_val_if_fail (BD_IS_RELAY_CONTROLLER (self), FALSE);
  g_return_val_if_fail (BD_IS_SETPOINT (setpoint), FALSE);

  return replace_entry (self, id, BD_OUTPUT (setpoint), error);
}

BdSetpoint *
bd_relay_controller_remove_setpoint (BdRelayController *self,
                                     const char        *id,
                                     guint             *position)
{
  g_return_val_if_fail (BD_IS_RELAY_CONTROLLER (self), NULL);

  return remove_entry (self, self->setpoint_entries, id, position);
}

void
bd_relay_controller_set_setpoints (BdRelayController *self,
                                   GPtrArray         *setpoints)
{
  g_return_if_fail (BD_IS_RELAY_CONTROLLER (self));
  g_return_if_fail (setpoints != NULL);

  set_entries (self, self->setpoint_entries, setpoints);
}

/* ------------------------------------------------------------- checks */

guint
bd_relay_controller_add_check (BdRelayController *self,
                               BdRelayCheckFunc   func,
                               gpointer           user_data,
                               GDestroyNotify     notify)
{
  Check check = { 0 };

  g_return_val_if_fail (BD_IS_RELAY_CONTROLLER (self), 0);
  g_return_val_if_fail (func != NULL, 0);

  check.id = ++self->last_check_id;
  check.func = func;
  check.data = user_data;
  check.notify = notify;
  g_array_append_val (self->checks, check);
  return check.id;
}

void
bd_relay_controller_remove_check (BdRelayController *self,
                                  guint              id)
{
  g_return_if_fail (BD_IS_RELAY_CONTROLLER (self));

  for (guint i = 0; i < self->checks->len; i++)
    if (g_array_index (self->checks, Check, i).id == id)
      {
        g_array_remove_index (self->checks, i);
        return;
      }
}

gboolean
bd_relay_controller_check_publish (BdRelayController  *self,
                                   const char         *topic,
                                   const guint8       *payload,
                                   gsize               len,
                                   GError            **error)
{
  g_return_val_if_fail (BD_IS_RELAY_CONTROLLER (self), FALSE);
  g_return_val_if_fail (topic != NULL, FALSE);

  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *entry = g_ptr_array_index (self->entries, i);
      BdRelay *relay = entry->relay;
      BdRelayCommand command = { 0 };
      g_autofree char *text = NULL;

      if (g_strcmp0 (bd_relay_get_command_topic (relay), topic) != 0)
        continue;
      text = g_strndup ((const char *) payload, len);
      command.source = BD_RELAY_SOURCE_PUBLISH;
      command.relay = relay;
      /* The relay's own payloads first, then the usual words; a payload
       * that says neither is judged as "on", the stricter case for an
       * interlock that keeps a device off. */
      if (g_strcmp0 (text, bd_relay_get_off_payload (relay)) == 0)
        command.on = FALSE;
      else if (g_strcmp0 (text, bd_relay_get_on_payload (relay)) == 0)
        command.on = TRUE;
      else
        command.on = bd_relay_parse_state (relay, payload, len) != BD_RELAY_STATE_OFF;
      command.value = command.on ? 1 : 0;
      if (!run_checks (self, entry, &command, text, error))
        return FALSE;
    }
  for (guint i = 0; i < self->setpoint_entries->len; i++)
    {
      Entry *entry = g_ptr_array_index (self->setpoint_entries, i);
      BdSetpoint *setpoint = entry->setpoint;
      BdRelayCommand command = { 0 };
      g_autofree char *text = NULL;
      double value;

      if (g_strcmp0 (bd_setpoint_get_command_topic (setpoint), topic) != 0)
        continue;
      text = g_strndup ((const char *) payload, len);
      if (!bd_setpoint_parse_payload (setpoint, payload, len, &value) ||
          !bd_setpoint_round (setpoint, value, NULL, NULL))
        {
          g_autofree char *low = bd_setpoint_format_value (setpoint, bd_setpoint_get_minimum (setpoint));
          g_autofree char *high = bd_setpoint_format_value (setpoint, bd_setpoint_get_maximum (setpoint));

          g_set_error (error, BD_RELAY_ERROR, BD_RELAY_ERROR_OUT_OF_RANGE,
                       _("“%s” is a command for the setpoint “%s”, which takes a number from %s to %s"),
                       text, bd_setpoint_get_name (setpoint), low, high);
          log_command (self, entry, topic, text, BD_RELAY_OUTCOME_REFUSED, BD_RELAY_SOURCE_PUBLISH,
                       (*error)->message);
          return FALSE;
        }
      command.source = BD_RELAY_SOURCE_PUBLISH;
      command.setpoint = setpoint;
      command.value = value;
      command.on = value != 0;
      if (!run_checks (self, entry, &command, text, error))
        return FALSE;
    }
  return TRUE;
}

GListModel *
bd_relay_controller_get_log (BdRelayController *self)
{
  g_return_val_if_fail (BD_IS_RELAY_CONTROLLER (self), NULL);
  return G_LIST_MODEL (self->log);
}

void
bd_relay_controller_set_path (BdRelayController *self,
                              const char        *path)
{
  g_return_if_fail (BD_IS_RELAY_CONTROLLER (self));

  g_free (self->path);
  self->path = g_strdup (path);
}

const char *
bd_relay_controller_get_path (BdRelayController *self)
{
  g_return_val_if_fail (BD_IS_RELAY_CONTROLLER (self), NULL);
  return self->path;
}
