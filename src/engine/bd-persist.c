/* bd-persist.c — retained messages and persistent sessions across restarts
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * With `persistence true` the broker state that MQTT asks a server to keep —
 * retained messages [MQTT-3.3.1-5] and the sessions of clients that connected
 * with Clean Session 0 (their subscriptions and the QoS 1/2 messages waiting
 * for them [MQTT-3.1.2-4]) — is written to one file in the persistence
 * directory: at every autosave_interval, and on shutdown.
 *
 * The engine thread only takes a snapshot (references to immutable messages
 * and copies of a few strings); a worker thread turns it into a GVariant and
 * writes it with bd_settings_file_save (), i.e. to a temporary file that is
 * fsync'ed and renamed, so a crash leaves the previous state or the new one,
 * never a torn file. Loading happens before the engine
 * thread starts.
 *
 * The file is Brokerdesk's own format; it is never named mosquitto.db, so
 * pointing Brokerdesk at a Mosquitto persistence_location cannot overwrite
 * Mosquitto's database. A file that cannot be read as Brokerdesk state is moved
 * aside (never deleted) and the broker starts empty, with a warning.
 */

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#include "bd-engine-private.h"
#include "bd-settings-file.h"
#include "bd-topic.h"

#define STATE_VERSION 2
/* version, retained (topic, payload, qos, publisher's client id, user name
 * and listener index (for check_retain_source; "" for none)), sessions
 * (client id, user name, expiry interval, subscriptions (filter, qos), queued
 * messages (topic, payload, qos, retain)) */
#define STATE_TYPE "(ua(sayyssq)a(ssua(sy)a(sayyb)))"
#define RETAINED_TYPE "(sayyssq)"
/* Version 1 had retained messages without their publisher; such files are
 * still read (their retained messages are not checked). The version comes
 * first in both, so it tells which type the rest has. */
#define STATE_TYPE_V1 "(ua(sayy)a(ssua(sy)a(sayyb)))"
#define SESSION_TYPE "(ssua(sy)a(sayyb))"
#define DEFAULT_STATE_FILE "brokerdesk-state.db"

typedef struct
{
  char   *filter;
  guint8  qos;
} SnapSub;

typedef struct
{
  char      *client_id;
  char      *username;
  guint32    expiry;
  GArray    *subs;      /* SnapSub */
  GPtrArray *messages;  /* BdMessage*, ref */
  GArray    *qos;       /* guint8 per message */
  GArray    *retain;    /* gboolean per message */
} SnapSession;

struct _BdStateSnapshot
{
  BdEngine  *engine;    /* a ref only while a worker thread holds the snapshot */
  gboolean   owns_ref;
  guint64    seq;
  char      *path;
  GPtrArray *retained;  /* BdMessage*, ref */
  GPtrArray *sessions;  /* SnapSession* */
};

static void
snap_session_free (gpointer data)
{
  SnapSession *s = data;

  for (guint i = 0; i < s->subs->len; i++)
    g_free (g_array_index (s->subs, SnapSub, i).filter);
  g_array_unref (s->subs);
  g_ptr_array_unref (s->messages);
  g_array_unref (s->qos);
  g_array_unref (s->retain);
  g_free (s->client_id);
  g_free (s->username);
  g_free (s);
}

void
_bd_state_snapshot_free (BdStateSnapshot *snap)
{
  g_ptr_array_unref (snap->retained);
  g_ptr_array_unref (snap->sessions);
  if (snap->owns_ref)
    bd_engine_unref (snap->engine);
  g_free (snap->path);
  g_free (snap);
}

char *
_bd_engine_dup_state_path (BdEngine *engine)
{
  const BdBrokerConfig *config = engine->config;
  const char *dir = config->persistence_location ? config->persistence_location : engine->data_dir;
  const char *name = config->persistence_file;

  if (!config->persistence || dir == NULL)
    return NULL;
  /* Mosquitto's default name would make us overwrite Mosquitto's database. */
  if (name == NULL || g_str_equal (name, "mosquitto.db"))
    name = DEFAULT_STATE_FILE;
  return g_build_filename (dir, name, NULL);
}

static void
snap_retained_cb (const char *topic,
                  gpointer    value,
                  gpointer    user_data)
{
  BdMessage *message = value;

  /* $SYS figures are made afresh by the new process. */
  if (!message->from_sys)
    g_ptr_array_add (user_data, bd_message_ref (message));
}

static void
snap_add_message (SnapSession *s,
                  BdMessage   *message,
                  guint8       qos,
                  gboolean     retain)
{
  g_ptr_array_add (s->messages, bd_message_ref (message));
  g_array_append_val (s->qos, qos);
  g_array_append_val (s->retain, retain);
}

BdStateSnapshot *
_bd_engine_snapshot_state (BdEngine *engine)
{
  BdStateSnapshot *snap;
  GHashTableIter iter;
  BdSession *session;
  g_autofree char *path = _bd_engine_dup_state_path (engine);

  if (path == NULL)
    return NULL;

  snap = g_new0 (BdStateSnapshot, 1);
  /* No ref here: bd_engine_unref () saves from inside finalization. */
  snap->engine = engine;
  snap->seq = ++engine->save_seq;
  snap->path = g_steal_pointer (&path);
  snap->retained = g_ptr_array_new_with_free_func ((GDestroyNotify) bd_message_unref);
  snap->sessions = g_ptr_array_new_with_free_func (snap_session_free);
  bd_topic_tree_foreach (engine->retained, snap_retained_cb, snap->retained);

  g_hash_table_iter_init (&iter, engine->sessions);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &session))
    {
      SnapSession *s;
      GHashTableIter subs;
      BdSubscription *sub;

      if (session->clean)
        continue;

      s = g_new0 (SnapSession, 1);
      s->client_id = g_strdup (session->client_id);
      s->username = g_strdup (session->username ? session->username : "");
      s->expiry = session->expiry_interval;
      s->subs = g_array_new (FALSE, FALSE, sizeof (SnapSub));
      s->messages = g_ptr_array_new_with_free_func ((GDestroyNotify) bd_message_unref);
      s->qos = g_array_new (FALSE, FALSE, 1);
      s->retain = g_array_new (FALSE, FALSE, sizeof (gboolean));

      g_hash_table_iter_init (&subs, _bd_session_get_subscriptions (session));
      while (g_hash_table_iter_next (&subs, NULL, (gpointer *) &sub))
        {
          SnapSub snap_sub = { g_strdup (sub->filter), sub->qos };

          g_array_append_val (s->subs, snap_sub);
        }

      /* In-flight messages go back to the front of the queue: the next
       * connection re-sends them first [MQTT-4.4.0-1]. A QoS 2 message past
       * PUBREC was delivered already and is not kept. */
      for (GList *l = session->inflight_order.head; l != NULL; l = l->next)
        {
          BdOutgoing *out = l->data;

          if (out->message != NULL)
            snap_add_message (s, out->message, out->qos, out->retain);
        }
      for (GList *l = session->queue.head; l != NULL; l = l->next)
        {
          BdQueued *queued = l->data;

          snap_add_message (s, queued->message, queued->qos, queued->retain);
        }
      g_ptr_array_add (snap->sessions, s);
    }

  return snap;
}

static GVariant *
message_payload_variant (BdMessage *message)
{
  return g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, message->payload, TRUE);
}

gboolean
_bd_state_snapshot_write (BdStateSnapshot *snap,
                          GError         **error)
{
  g_autoptr(GVariant) state = NULL;
  g_autoptr(GBytes) bytes = NULL;
  GVariantBuilder retained;
  GVariantBuilder sessions;

  g_variant_builder_init (&retained, G_VARIANT_TYPE ("a" RETAINED_TYPE));
  for (guint i = 0; i < snap->retained->len; i++)
    {
      BdMessage *m = g_ptr_array_index (snap->retained, i);

      g_variant_builder_add (&retained, "(s@ayyssq)", m->topic, message_payload_variant (m), m->qos,
                             m->publisher_id ? m->publisher_id : "",
                             m->publisher_username ? m->publisher_username : "",
                             m->publisher_listener);
    }

  g_variant_builder_init (&sessions, G_VARIANT_TYPE ("a" SESSION_TYPE));
  for (guint i = 0; i < snap->sessions->len; i++)
    {
      SnapSession *s = g_ptr_array_index (snap->sessions, i);
      GVariantBuilder subs;
      GVariantBuilder queue;

      g_variant_builder_init (&subs, G_VARIANT_TYPE ("a(sy)"));
      for (guint j = 0; j < s->subs->len; j++)
        {
          SnapSub *sub = &g_array_index (s->subs, SnapSub, j);

          g_variant_builder_add (&subs, "(sy)", sub->filter, sub->qos);
        }
      g_variant_builder_init (&queue, G_VARIANT_TYPE ("a(sayyb)"));
      for (guint j = 0; j < s->messages->len; j++)
        {
          BdMessage *m = g_ptr_array_index (s->messages, j);

          g_variant_builder_add (&queue, "(s@ayyb)", m->topic, message_payload_variant (m),
                                 g_array_index (s->qos, guint8, j),
                                 g_array_index (s->retain, gboolean, j));
        }
      g_variant_builder_add (&sessions, "(ssua(sy)a(sayyb))", s->client_id, s->username,
                             s->expiry, &subs, &queue);
    }

  state = g_variant_ref_sink (g_variant_new ("(ua" RETAINED_TYPE "a" SESSION_TYPE ")", STATE_VERSION,
                                             &retained, &sessions));
  bytes = g_variant_get_data_as_bytes (state);

  if (!bd_settings_file_save (snap->path, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                              error))
    {
      g_prefix_error (error, "Cannot save the broker state: ");
      return FALSE;
    }
  return TRUE;
}

static void
move_aside (const char *path,
            const char *why)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%dT%H%M%SZ");
  g_autofree char *aside = g_strdup_printf ("%s.unreadable-%s", path, stamp);

  if (g_rename (path, aside) == 0)
    g_warning ("%s: %s; moved it to %s and started with no stored state", path, why, aside);
  else
    g_warning ("%s: %s; started with no stored state (could not move it aside: %s)",
               path, why, g_strerror (errno));
}

/* Runs before the engine thread exists: no locking needed. */
void
_bd_engine_load_state (BdEngine *engine)
{
  g_autofree char *path = _bd_engine_dup_state_path (engine);
  g_autoptr(GError) error = NULL;
  g_autoptr(GMappedFile) file = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GVariant) state = NULL;
  g_autoptr(GVariantIter) retained = NULL;
  g_autoptr(GVariantIter) sessions = NULL;
  guint32 version = 0;
  const char *topic;
  GVariant *payload;
  guint8 qos;
  guint n_retained = 0;
  guint n_sessions = 0;

  if (path == NULL)
    return;

  file = g_mapped_file_new (path, FALSE, &error);
  if (file == NULL)
    {
      if (!g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        g_warning ("%s: %s; starting with no stored state", path, error->message);
      return;
    }

  bytes = g_mapped_file_get_bytes (file);
  if (g_bytes_get_size (bytes) >= sizeof version)
    memcpy (&version, g_bytes_get_data (bytes, NULL), sizeof version);
  state = g_variant_ref_sink (g_variant_new_from_bytes (G_VARIANT_TYPE (version == 1 ? STATE_TYPE_V1
                                                                                     : STATE_TYPE),
                                                        bytes, FALSE));
  /* A file of another format or a torn one must not be trusted field by
   * field: normal form is GVariant's proof that the bytes are well formed. */
  if (!g_variant_is_normal_form (state))
    {
      g_clear_pointer (&state, g_variant_unref);
      g_clear_pointer (&file, g_mapped_file_unref);
      move_aside (path, "not a Brokerdesk state file, or damaged");
      return;
    }

  g_variant_get_child (state, 0, "u", &version);
  g_variant_get_child (state, 1, "a*", &retained);
  g_variant_get_child (state, 2, "a*", &sessions);
  if (version != STATE_VERSION && version != 1)
    {
      g_clear_pointer (&retained, g_variant_iter_free);
      g_clear_pointer (&sessions, g_variant_iter_free);
      g_clear_pointer (&state, g_variant_unref);
      g_clear_pointer (&file, g_mapped_file_unref);
      move_aside (path, "written by another version of Brokerdesk");
      return;
    }

  for (GVariant *item; (item = g_variant_iter_next_value (retained)) != NULL; g_variant_unref (item))
    {
      g_autoptr(GBytes) data = NULL;
      const char *source_id = "";
      const char *source_username = "";
      guint16 source_listener = 0;
      BdMessage *message;

      if (version == 1)
        g_variant_get (item, "(&s@ayy)", &topic, &payload, &qos);
      else
        g_variant_get (item, "(&s@ayy&s&sq)", &topic, &payload, &qos,
                       &source_id, &source_username, &source_listener);
      data = g_variant_get_data_as_bytes (payload);
      g_variant_unref (payload);

      /* Checked like a client's PUBLISH: the file is input too. */
      if (!bd_topic_name_is_valid (topic) || qos > 2)
        continue;
      message = bd_message_new_full (topic, data, qos, TRUE, NULL,
                                     source_id[0] ? source_id : NULL, g_get_real_time ());
      message->publisher_username = source_username[0] ? g_strdup (source_username) : NULL;
      message->publisher_listener = source_listener;
      bd_topic_tree_set (engine->retained, topic, message);
      n_retained++;
    }

  {
    const char *client_id;
    const char *username;
    guint32 expiry;
    GVariantIter *subs;
    GVariantIter *queue;

    while (g_variant_iter_next (sessions, "(&s&sua(sy)a(sayyb))", &client_id, &username, &expiry, &subs, &queue))
      {
        BdSession *session;
        const char *filter;
        gboolean retain;

        if (client_id[0] == '\0' || expiry == 0 || g_hash_table_contains (engine->sessions, client_id))
          {
            g_variant_iter_free (subs);
            g_variant_iter_free (queue);
            continue;
          }

        session = _bd_session_new (engine, client_id);
        session->clean = FALSE;
        session->expiry_interval = expiry;
        session->username = username[0] ? g_strdup (username) : NULL;
        session->disconnected_at = g_get_monotonic_time ();
        g_hash_table_insert (engine->sessions, session->client_id, session);
        engine->counters.clients_disconnected++;

        while (g_variant_iter_next (subs, "(&sy)", &filter, &qos))
          {
            BdSubscription *sub;

            if (!bd_topic_filter_is_valid (filter) || qos > 2)
              continue;
            sub = g_new0 (BdSubscription, 1);
            sub->filter = g_strdup (filter);
            sub->qos = qos;
            if (bd_topic_filter_is_shared (filter, NULL, NULL))
              _bd_share_group_join (engine, session, sub);
            else
              bd_trie_insert (engine->subs, sub->filter, session, sub);
            g_hash_table_replace (_bd_session_get_subscriptions (session), sub->filter, sub);
          }
        while (g_variant_iter_next (queue, "(&s@ayyb)", &topic, &payload, &qos, &retain))
          {
            g_autoptr(GBytes) data = g_variant_get_data_as_bytes (payload);

            if (bd_topic_name_is_valid (topic) && qos <= 2)
              {
                g_autoptr(BdMessage) message = bd_message_new (topic, data, qos, FALSE, NULL);
                BdDelivery delivery = { .qos = qos, .retain = retain };

                _bd_session_deliver (session, message, &delivery);
              }
            g_variant_unref (payload);
          }
        g_variant_iter_free (subs);
        g_variant_iter_free (queue);
        n_sessions++;
      }
  }

  g_message ("Restored %u retained messages and %u persistent sessions from %s",
             n_retained, n_sessions, path);
}

static gboolean
snapshot_write_locked (BdStateSnapshot *snap,
                       GError         **error)
{
  BdEngine *engine = snap->engine;
  gboolean ok = TRUE;

  /* An autosave that finishes after the shutdown save must not put back
   * older state: only a newer snapshot than the last written one is written. */
  g_mutex_lock (&engine->save_lock);
  if (snap->seq > engine->saved_seq)
    {
      ok = _bd_state_snapshot_write (snap, error);
      if (ok)
        engine->saved_seq = snap->seq;
    }
  g_mutex_unlock (&engine->save_lock);
  return ok;
}

static void
save_thread_func (GTask        *task,
                  gpointer      source_object,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  g_autoptr(GError) error = NULL;

  if (!snapshot_write_locked (task_data, &error))
    g_warning ("%s", error->message);
}

/* Takes a snapshot (engine thread, or any thread once the engine thread has
 * stopped) and writes it on a worker thread, or here when @wait. */
void
_bd_engine_save_state (BdEngine *engine,
                       gboolean  wait)
{
  BdStateSnapshot *snap = _bd_engine_snapshot_state (engine);
  g_autoptr(GError) error = NULL;
  g_autoptr(GTask) task = NULL;

  if (snap == NULL)
    return;

  if (wait)
    {
      if (!snapshot_write_locked (snap, &error))
        g_warning ("%s", error->message);
      else
        g_message ("Saved %u retained messages and %u persistent sessions to %s",
                   snap->retained->len, snap->sessions->len, snap->path);
      _bd_state_snapshot_free (snap);
      return;
    }

  /* No callback: nothing needs to run on the engine thread afterwards, and
   * the engine may be stopping by then. */
  snap->engine = bd_engine_ref (engine);
  snap->owns_ref = TRUE;
  task = g_task_new (NULL, NULL, NULL, NULL);
  g_task_set_source_tag (task, _bd_engine_save_state);
  g_task_set_task_data (task, snap, (GDestroyNotify) _bd_state_snapshot_free);
  g_task_run_in_thread (task, save_thread_func);
}
