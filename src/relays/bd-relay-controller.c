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
#include "bd-payload.h"
#include "bd-relay-controller.h"
#include "bd-relay-private.h"
#include "bd-settings-file.h"

/* The tap's filter, on the feeding thread: a remote client's "#" tap
 * brings every message, and only state topics are worth a trip to the
 * controller's context. @data is an immutable set, replaced whole. */
static gboolean
accept_state_topic (BdMessage *message,
                    gpointer   data,
                    gpointer   push_data)
{
  return g_hash_table_contains (data, message->topic);
}

/* ------------------------------------------------------------ controller */

typedef struct
{
  BdRelay *relay;
  GSource *timeout;        /* while pending */
  gint64   sent_us;        /* when the pending command was sent */
  gint64   last_msg_us;    /* time of the newest state message applied */
  char    *command;        /* the pending command's payload */
} Entry;

struct _BdRelayController
{
  GObject             parent_instance;

  GMainContext       *context;
  BdMessageInbox     *inbox;
  GPtrArray          *entries;      /* Entry*, in display order */
  GListStore         *log;          /* BdRelayLogEntry, newest first */

  BdRelayPublishFunc  publish;
  gpointer            publish_data;
  GDestroyNotify      publish_notify;

  BdEngine           *engine;
  GHashTable         *taps;         /* state topic -> tap id, while attached */

  char               *path;
  gboolean            saving;
  gboolean            save_again;
};

enum {
  COMMAND_LOGGED,
  COMMAND_FAILED,
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
entry_cancel_timeout (Entry *entry)
{
  if (entry->timeout != NULL)
    {
      g_source_destroy (entry->timeout);
      g_clear_pointer (&entry->timeout, g_source_unref);
    }
}

static void
entry_free (gpointer data)
{
  Entry *entry = data;

  entry_cancel_timeout (entry);
  /* A removed relay may live on in an undo toast: not pending any more. */
  _bd_relay_set_target (entry->relay, BD_RELAY_STATE_UNKNOWN);
  g_object_unref (entry->relay);
  g_free (entry->command);
  g_free (entry);
}

static Entry *
find_entry (BdRelayController *self,
            BdRelay           *relay,
            guint             *position)
{
  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *entry = g_ptr_array_index (self->entries, i);

      if (entry->relay == relay)
        {
          if (position != NULL)
            *position = i;
          return entry;
        }
    }
  return NULL;
}

static Entry *
find_entry_by_id (BdRelayController *self,
                  const char        *id,
                  guint             *position)
{
  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *entry = g_ptr_array_index (self->entries, i);

      if (g_strcmp0 (bd_relay_get_id (entry->relay), id) == 0)
        {
          if (position != NULL)
            *position = i;
          return entry;
        }
    }
  return NULL;
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
             BdRelay           *relay,
             const char        *topic,
             const char        *payload,
             BdRelayOutcome     outcome,
             gboolean           failed)
{
  g_autoptr(BdRelayLogEntry) log_entry =
    bd_relay_log_entry_new (g_get_real_time (), bd_relay_get_id (relay), bd_relay_get_name (relay),
                            topic, payload, outcome);
  guint n;

  g_list_store_insert (self->log, 0, log_entry);
  n = g_list_model_get_n_items (G_LIST_MODEL (self->log));
  if (n > BD_RELAY_LOG_LENGTH)
    g_list_store_splice (self->log, BD_RELAY_LOG_LENGTH, n - BD_RELAY_LOG_LENGTH, NULL, 0);

  g_debug ("relay %s: %s %s “%s”", bd_relay_get_id (relay), bd_relay_outcome_to_string (outcome),
           topic, bd_relay_log_entry_get_payload (log_entry));
  g_signal_emit (self, signals[COMMAND_LOGGED], 0, log_entry);
  if (failed)
    g_signal_emit (self, signals[COMMAND_FAILED], 0, relay, log_entry);
}

static const char *
state_word (BdRelayState state)
{
  return state == BD_RELAY_STATE_ON ? _("on") : _("off");
}

static void
apply_state (BdRelayController *self,
             Entry             *entry,
             BdMessage         *message)
{
  BdRelay *relay = entry->relay;
  g_autofree char *text = payload_text (message);
  gsize len = strlen (text);
  BdRelayState state;

  if (message->time_us < entry->last_msg_us)
    return;
  entry->last_msg_us = message->time_us;

  /* An empty retained message deletes the retained state [MQTT-3.3.1-10]:
   * nobody knows the state any more. */
  if (len == 0)
    {
      _bd_relay_set_state (relay, BD_RELAY_STATE_UNKNOWN, g_get_real_time ());
      return;
    }

  state = bd_relay_parse_state (relay, (const guint8 *) text, len);
  if (state == BD_RELAY_STATE_UNKNOWN)
    {
      g_autofree char *valid = bd_payload_dup_line ((const guint8 *) text, len, 64);
      g_autofree char *error = g_strdup_printf (_("The state topic reported “%s”, which is neither on nor off"),
                                                valid);

      _bd_relay_set_last_error (relay, error);
      return;
    }

  _bd_relay_set_state (relay, state, g_get_real_time ());

  if (!bd_relay_get_pending (relay) || message->time_us < entry->sent_us)
    return;

  entry_cancel_timeout (entry);
  if (state == bd_relay_get_target (relay))
    {
      _bd_relay_set_target (relay, BD_RELAY_STATE_UNKNOWN);
      _bd_relay_set_last_error (relay, NULL);
      log_command (self, relay, message->topic, text, BD_RELAY_OUTCOME_CONFIRMED, FALSE);
    }
  else
    {
      g_autofree char *error =
        /* Translators: "The device reported off instead of on" */
        g_strdup_printf (_("The device reported %s instead of %s"), state_word (state),
                         state_word (bd_relay_get_target (relay)));

      _bd_relay_set_target (relay, BD_RELAY_STATE_UNKNOWN);
      _bd_relay_set_last_error (relay, error);
      log_command (self, relay, message->topic, text, BD_RELAY_OUTCOME_CONTRADICTED, TRUE);
    }
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

          if (g_strcmp0 (bd_relay_get_state_topic (entry->relay), message->topic) == 0)
            apply_state (self, entry, message);
        }
    }
}

/* ------------------------------------------------------------- taps */

typedef struct
{
  BdEngine       *engine;
  BdMessageInbox *inbox;
  GStrv           topics;
} SeedData;

static void
seed_data_free (gpointer data)
{
  SeedData *seed = data;

  bd_engine_unref (seed->engine);
  bd_message_inbox_unref (seed->inbox);
  g_strfreev (seed->topics);
  g_free (seed);
}

/* A worker: bd_engine_dup_retained () waits for the engine thread, and the
 * controller's thread must not. */
static void
seed_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  SeedData *seed = task_data;

  for (guint i = 0; seed->topics[i] != NULL; i++)
    {
      g_autoptr(GPtrArray) retained = bd_engine_dup_retained (seed->engine, seed->topics[i]);

      for (guint m = 0; retained != NULL && m < retained->len; m++)
        bd_message_inbox_push (seed->inbox, g_ptr_array_index (retained, m), NULL);
    }
  g_task_return_boolean (task, TRUE);
}

/* Takes @topics. */
static void
start_seed (BdRelayController *self,
            GStrv              topics)
{
  g_autoptr(GTask) task = g_task_new (NULL, NULL, NULL, NULL);
  SeedData *seed = g_new0 (SeedData, 1);

  seed->engine = bd_engine_ref (self->engine);
  seed->inbox = bd_message_inbox_ref (self->inbox);
  seed->topics = topics;
  g_task_set_source_tag (task, start_seed);
  g_task_set_task_data (task, seed, seed_data_free);
  g_task_run_in_thread (task, seed_thread);
}

/* Brings the tap topic set and (while attached) the engine taps in line with
 * the relays' state topics. */
static void
sync_topics (BdRelayController *self)
{
  g_autoptr(GHashTable) wanted = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) added = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  gpointer key;
  gpointer value;

  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *entry = g_ptr_array_index (self->entries, i);

      g_hash_table_add (wanted, g_strdup (bd_relay_get_state_topic (entry->relay)));
    }

  bd_message_inbox_set_accept (self->inbox, accept_state_topic, g_hash_table_ref (wanted),
                               (GDestroyNotify) g_hash_table_unref);

  if (self->engine == NULL)
    return;

  g_hash_table_iter_init (&iter, self->taps);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (!g_hash_table_contains (wanted, key))
      {
        bd_engine_remove_tap (self->engine, GPOINTER_TO_UINT (value));
        g_hash_table_iter_remove (&iter);
      }

  g_hash_table_iter_init (&iter, wanted);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (!g_hash_table_contains (self->taps, key))
      {
        guint id = bd_engine_add_tap (self->engine, key, bd_message_inbox_tap,
                                      bd_message_inbox_ref (self->inbox),
                                      (GDestroyNotify) bd_message_inbox_unref);

        g_hash_table_insert (self->taps, g_strdup (key), GUINT_TO_POINTER (id));
        g_ptr_array_add (added, g_strdup (key));
      }

  if (added->len > 0)
    {
      g_ptr_array_add (added, NULL);
      start_seed (self, (GStrv) g_ptr_array_free (g_steal_pointer (&added), FALSE));
    }
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

typedef struct
{
  char  *path;
  char  *data;
  gsize  len;
} SaveData;

static void
save_data_free (gpointer data)
{
  SaveData *save = data;

  g_free (save->path);
  g_free (save->data);
  g_free (save);
}

static void
save_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  SaveData *save = task_data;
  GError *error = NULL;

  if (!bd_settings_file_save (save->path, save->data, save->len, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

static GPtrArray *
dup_relays (BdRelayController *self)
{
  GPtrArray *relays = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *entry = g_ptr_array_index (self->entries, i);

      g_ptr_array_add (relays, g_object_ref (entry->relay));
    }
  return relays;
}

void
bd_relay_controller_save_async (BdRelayController   *self,
                                const char          *path,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GPtrArray) relays = NULL;
  SaveData *save;

  g_return_if_fail (BD_IS_RELAY_CONTROLLER (self));
  g_return_if_fail (path != NULL || self->path != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, bd_relay_controller_save_async);
  /* Serialised here, on the owner thread, so the worker never touches a
   * relay object the owner may be changing. */
  relays = dup_relays (self);
  save = g_new0 (SaveData, 1);
  save->path = g_strdup (path != NULL ? path : self->path);
  save->data = bd_relays_to_data (relays, &save->len);
  g_task_set_task_data (task, save, save_data_free);
  g_task_run_in_thread (task, save_thread);
}

gboolean
bd_relay_controller_save_finish (BdRelayController  *self,
                                 GAsyncResult       *result,
                                 GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void autosave (BdRelayController *self);

static void
autosave_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  BdRelayController *self = BD_RELAY_CONTROLLER (object);
  g_autoptr(GError) error = NULL;

  self->saving = FALSE;
  if (!bd_relay_controller_save_finish (self, result, &error))
    {
      g_warning ("Cannot save the relays: %s", error->message);
      g_signal_emit (self, signals[SAVE_FAILED], 0, error->message);
    }
  if (self->save_again)
    autosave (self);
}

/* One save at a time, so an older snapshot never lands after a newer one. */
static void
autosave (BdRelayController *self)
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
  bd_relay_controller_save_async (self, NULL, NULL, autosave_cb, NULL);
}

/* ------------------------------------------------------------- loading */

typedef struct
{
  GPtrArray *relays;
  GStrv      warnings;
} LoadResult;

static void
load_result_free (gpointer data)
{
  LoadResult *result = data;

  g_clear_pointer (&result->relays, g_ptr_array_unref);
  g_strfreev (result->warnings);
  g_free (result);
}

static void
load_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  const char *path = task_data;
  LoadResult *result = g_new0 (LoadResult, 1);
  GError *error = NULL;

  result->relays = bd_relays_load (path, &result->warnings, &error);
  if (result->relays == NULL)
    {
      load_result_free (result);
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, result, load_result_free);
}

void
bd_relay_controller_load_async (BdRelayController   *self,
                                const char          *path,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (BD_IS_RELAY_CONTROLLER (self));
  g_return_if_fail (path != NULL || self->path != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, bd_relay_controller_load_async);
  g_task_set_task_data (task, g_strdup (path != NULL ? path : self->path), g_free);
  g_task_run_in_thread (task, load_thread);
}

gboolean
bd_relay_controller_load_finish (BdRelayController   *self,
                                 GAsyncResult        *result,
                                 char              ***warnings,
                                 GError             **error)
{
  LoadResult *loaded;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  loaded = g_task_propagate_pointer (G_TASK (result), error);
  if (loaded == NULL)
    return FALSE;
  bd_relay_controller_set_relays (self, loaded->relays);
  if (warnings != NULL)
    *warnings = g_steal_pointer (&loaded->warnings);
  load_result_free (loaded);
  return TRUE;
}

/* ------------------------------------------------------------- object */

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
  signals[SAVE_FAILED] =
    g_signal_new ("save-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
bd_relay_controller_init (BdRelayController *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->entries = g_ptr_array_new_with_free_func (entry_free);
  self->log = g_list_store_new (BD_TYPE_RELAY_LOG_ENTRY);
  self->taps = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  self->inbox = bd_message_inbox_new (self->context, 0, 0, "relay controller",
                                      flush_states, self);
  bd_message_inbox_set_accept (self->inbox, accept_state_topic,
                               g_hash_table_new (g_str_hash, g_str_equal),
                               (GDestroyNotify) g_hash_table_unref);
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
  GHashTableIter iter;
  gpointer value;

  g_return_if_fail (BD_IS_RELAY_CONTROLLER (self));

  if (self->engine == NULL)
    return;
  g_hash_table_iter_init (&iter, self->taps);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    bd_engine_remove_tap (self->engine, GPOINTER_TO_UINT (value));
  g_hash_table_remove_all (self->taps);
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

  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *entry = g_ptr_array_index (self->entries, i);
      const char *topic = bd_relay_get_state_topic (entry->relay);
      gboolean seen = FALSE;

      for (guint j = 0; j < topics->len && !seen; j++)
        seen = g_str_equal (g_ptr_array_index (topics, j), topic);
      if (!seen)
        g_ptr_array_add (topics, g_strdup (topic));
    }
  g_ptr_array_sort (topics, compare_strings);
  g_ptr_array_add (topics, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&topics), FALSE);
}

static Entry *
entry_new (BdRelay *relay)
{
  Entry *entry = g_new0 (Entry, 1);

  entry->relay = g_object_ref (relay);
  return entry;
}

static gboolean
check_new_relay (BdRelayController  *self,
                 BdRelay            *relay,
                 const char         *replacing,
                 GError            **error)
{
  if (!bd_relay_validate (relay, error))
    return FALSE;
  if (find_entry (self, relay, NULL) != NULL ||
      (g_strcmp0 (bd_relay_get_id (relay), replacing) != 0 &&
       find_entry_by_id (self, bd_relay_get_id (relay), NULL) != NULL))
    {
      g_set_error (error, BD_RELAY_ERROR, BD_RELAY_ERROR_EXISTS,
                   _("Another relay already has the id “%s”"), bd_relay_get_id (relay));
      return FALSE;
    }
  return TRUE;
}

gboolean
bd_relay_controller_insert (BdRelayController  *self,
                            guint               position,
                            BdRelay            *relay,
                            GError            **error)
{
  g_return_val_if_fail (BD_IS_RELAY_CONTROLLER (self), FALSE);
  g_return_val_if_fail (BD_IS_RELAY (relay), FALSE);

  if (!check_new_relay (self, relay, NULL, error))
    return FALSE;
  position = MIN (position, self->entries->len);
  g_ptr_array_insert (self->entries, position, entry_new (relay));
  sync_topics (self);
  g_list_model_items_changed (G_LIST_MODEL (self), position, 0, 1);
  autosave (self);
  return TRUE;
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
  guint position;
  gboolean reseed = TRUE;
  Entry *old;
  Entry *entry;

  g_return_val_if_fail (BD_IS_RELAY_CONTROLLER (self), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);
  g_return_val_if_fail (BD_IS_RELAY (relay), FALSE);

  if (find_entry_by_id (self, id, &position) == NULL)
    {
      g_set_error (error, BD_RELAY_ERROR, BD_RELAY_ERROR_NOT_FOUND,
                   _("No relay has the id “%s”"), id);
      return FALSE;
    }
  if (!check_new_relay (self, relay, id, error))
    return FALSE;
  /* The state carries over when the device and its words are the same;
   * otherwise it is read again from the retained state (when attached to
   * the engine) or arrives with the device's next report. */
  old = g_ptr_array_index (self->entries, position);
  entry = entry_new (relay);
  if (g_strcmp0 (bd_relay_get_state_topic (old->relay), bd_relay_get_state_topic (relay)) == 0 &&
      g_strcmp0 (bd_relay_get_state_on (old->relay), bd_relay_get_state_on (relay)) == 0 &&
      g_strcmp0 (bd_relay_get_state_off (old->relay), bd_relay_get_state_off (relay)) == 0 &&
      g_strcmp0 (bd_relay_get_on_payload (old->relay), bd_relay_get_on_payload (relay)) == 0 &&
      g_strcmp0 (bd_relay_get_off_payload (old->relay), bd_relay_get_off_payload (relay)) == 0)
    {
      /* Same device, same words: what it last said still holds. */
      _bd_relay_set_state (relay, bd_relay_get_state (old->relay), bd_relay_get_last_change (old->relay));
      entry->last_msg_us = old->last_msg_us;
      reseed = FALSE;
    }
  g_ptr_array_index (self->entries, position) = entry;
  entry_free (old);
  sync_topics (self);
  if (reseed)
    seed_topics (self, bd_relay_get_state_topic (relay));
  g_list_model_items_changed (G_LIST_MODEL (self), position, 1, 1);
  autosave (self);
  return TRUE;
}

BdRelay *
bd_relay_controller_remove (BdRelayController *self,
                            const char        *id,
                            guint             *position)
{
  g_autoptr(BdRelay) relay = NULL;
  Entry *entry;
  guint pos;

  g_return_val_if_fail (BD_IS_RELAY_CONTROLLER (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  entry = find_entry_by_id (self, id, &pos);
  if (entry == NULL)
    return NULL;
  relay = g_object_ref (entry->relay);
  g_ptr_array_remove_index (self->entries, pos);
  sync_topics (self);
  g_list_model_items_changed (G_LIST_MODEL (self), pos, 1, 0);
  autosave (self);
  if (position != NULL)
    *position = pos;
  return g_steal_pointer (&relay);
}

void
bd_relay_controller_set_relays (BdRelayController *self,
                                GPtrArray         *relays)
{
  guint removed;

  g_return_if_fail (BD_IS_RELAY_CONTROLLER (self));
  g_return_if_fail (relays != NULL);

  removed = self->entries->len;
  g_ptr_array_set_size (self->entries, 0);
  for (guint i = 0; i < relays->len; i++)
    {
      BdRelay *relay = g_ptr_array_index (relays, i);
      g_autoptr(GError) error = NULL;

      if (!check_new_relay (self, relay, NULL, &error))
        {
          g_warning ("Relay %s skipped: %s", bd_relay_get_id (relay), error->message);
          continue;
        }
      g_ptr_array_add (self->entries, entry_new (relay));
    }
  sync_topics (self);
  g_list_model_items_changed (G_LIST_MODEL (self), 0, removed, self->entries->len);
}

BdRelay *
bd_relay_controller_lookup (BdRelayController *self,
                            const char        *id)
{
  Entry *entry;

  g_return_val_if_fail (BD_IS_RELAY_CONTROLLER (self), NULL);

  entry = find_entry_by_id (self, id, NULL);
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
  for (guint n = 2; find_entry_by_id (self, id, NULL) != NULL; n++)
    {
      g_free (id);
      id = g_strdup_printf ("%s-%u", base->str, n);
    }
  return id;
}

typedef struct
{
  GWeakRef  controller;
  BdRelay  *relay;
} TimeoutData;

static void
timeout_data_free (gpointer data)
{
  TimeoutData *timeout = data;

  g_weak_ref_clear (&timeout->controller);
  g_object_unref (timeout->relay);
  g_free (timeout);
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
  entry = find_entry (self, timeout->relay, NULL);
  if (entry == NULL)
    return G_SOURCE_REMOVE;

  g_clear_pointer (&entry->timeout, g_source_unref);
  error = g_strdup_printf (_("No confirmation from the device within %g s"),
                           bd_relay_get_timeout (entry->relay) / 1000.0);
  _bd_relay_set_target (entry->relay, BD_RELAY_STATE_UNKNOWN);
  _bd_relay_set_last_error (entry->relay, error);
  log_command (self, entry->relay, bd_relay_get_command_topic (entry->relay), entry->command,
               BD_RELAY_OUTCOME_TIMEOUT, TRUE);
  return G_SOURCE_REMOVE;
}

gboolean
bd_relay_controller_set (BdRelayController  *self,
                         BdRelay            *relay,
                         gboolean            on,
                         GError            **error)
{
  g_autoptr(GBytes) payload = NULL;
  g_autoptr(BdMessage) message = NULL;
  TimeoutData *timeout;
  Entry *entry;
  const char *text;

  g_return_val_if_fail (BD_IS_RELAY_CONTROLLER (self), FALSE);
  g_return_val_if_fail (BD_IS_RELAY (relay), FALSE);

  entry = find_entry (self, relay, NULL);
  if (entry == NULL)
    {
      g_set_error (error, BD_RELAY_ERROR, BD_RELAY_ERROR_NOT_FOUND,
                   _("The relay “%s” was removed"), bd_relay_get_name (relay));
      return FALSE;
    }
  if (self->publish == NULL)
    {
      g_set_error_literal (error, BD_RELAY_ERROR, BD_RELAY_ERROR_NO_BROKER,
                           _("Not connected to a broker"));
      return FALSE;
    }

  text = on ? bd_relay_get_on_payload (relay) : bd_relay_get_off_payload (relay);
  payload = g_bytes_new (text, strlen (text));
  message = bd_message_new (bd_relay_get_command_topic (relay), payload,
                            bd_relay_get_qos (relay), bd_relay_get_retain_command (relay), NULL);

  entry_cancel_timeout (entry);
  g_free (entry->command);
  entry->command = g_strdup (text);
  /* State messages created from now on decide the command (see the top). */
  entry->sent_us = message->time_us;
  _bd_relay_set_last_error (relay, NULL);
  _bd_relay_set_target (relay, on ? BD_RELAY_STATE_ON : BD_RELAY_STATE_OFF);

  timeout = g_new0 (TimeoutData, 1);
  g_weak_ref_init (&timeout->controller, self);
  timeout->relay = g_object_ref (relay);
  entry->timeout = g_timeout_source_new (bd_relay_get_timeout (relay));
  g_source_set_callback (entry->timeout, timeout_cb, timeout, timeout_data_free);
  g_source_set_static_name (entry->timeout, "[brokerdesk] relay timeout");
  g_source_attach (entry->timeout, self->context);

  log_command (self, relay, message->topic, text, BD_RELAY_OUTCOME_SENT, FALSE);
  self->publish (message, self->publish_data);
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
