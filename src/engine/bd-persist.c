/* bd-persist.c — retained messages and persistent sessions across restarts
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * With `persistence true` the broker state that MQTT asks a server to keep —
 * retained messages [MQTT-3.3.1-5] and the sessions of clients that connected
 * with Clean Session 0 (their subscriptions and the QoS 1/2 messages waiting
 * for them [MQTT-3.1.2-4], with the packet ids of those in flight and the
 * PUBRELs due, re-sent with those ids [MQTT-4.4.0-1]) — is written to one
 * file in the persistence directory: every autosave_interval seconds (or,
 * with autosave_on_changes, once that many changes are counted), and on
 * shutdown.
 *
 * The engine thread only takes a snapshot (references to immutable messages
 * and copies of a few strings); another thread encodes it as store records
 * (bd-store-log.h) and writes it with bd_settings_file_save (), i.e. to a
 * temporary file that is fsync'ed and renamed, so a crash leaves the previous
 * snapshot or the new one, never a torn file. In durable mode (bd-store.c) the
 * same snapshot is the base the log of changes since is replayed onto, and
 * compaction writes it.
 *
 * The file is Brokerdesk's own format; it is never named mosquitto.db, so
 * pointing Brokerdesk at a Mosquitto persistence_location cannot overwrite
 * Mosquitto's database. The GVariant format of earlier versions is still read
 * (_bd_persist_load_old); the next snapshot replaces it. A file that cannot be
 * read as Brokerdesk state is moved aside (never deleted) and the broker starts
 * empty, with a warning.
 */

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#include "bd-engine-private.h"
#include "bd-settings-file.h"
#include "bd-store-log.h"
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
  char    *filter;
  guint8   qos;
  guint8   options;     /* no local | retain as published << 1 | retain handling << 2 */
  guint32  subscription_id;
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
  GArray    *ids;       /* guint64 per message: its id in the store */
  GArray    *packet_ids;/* guint16 per message: in flight with it, or 0 */
  GArray    *qos2;      /* guint16: incoming QoS 2 identifiers awaiting PUBREL */
  GArray    *pubrels;   /* guint16: outgoing QoS 2 identifiers past PUBREC */
  BdMessage *will;      /* pending delayed will, ref, or NULL */
  gint64     will_at;   /* wall clock, µs */
} SnapSession;

struct _BdStateSnapshot
{
  BdEngine  *engine;    /* a ref only while a worker thread holds the snapshot */
  gboolean   owns_ref;
  guint64    seq;       /* of the snapshot: newest written wins */
  guint64    store_seq; /* the last store record it includes */
  guint64    next_id;   /* the store's next message id */
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
  g_array_unref (s->ids);
  g_array_unref (s->packet_ids);
  g_array_unref (s->qos2);
  g_array_unref (s->pubrels);
  g_clear_pointer (&s->will, bd_message_unref);
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
                  gboolean     retain,
                  guint64      id,
                  guint16      packet_id)
{
  g_ptr_array_add (s->messages, bd_message_ref (message));
  g_array_append_val (s->qos, qos);
  g_array_append_val (s->retain, retain);
  g_array_append_val (s->ids, id);
  g_array_append_val (s->packet_ids, packet_id);
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
  snap->store_seq = engine->store_seq;
  snap->next_id = engine->store_next_id;
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
      s->ids = g_array_new (FALSE, FALSE, sizeof (guint64));
      s->packet_ids = g_array_new (FALSE, FALSE, sizeof (guint16));
      s->qos2 = g_array_new (FALSE, FALSE, sizeof (guint16));
      s->pubrels = g_array_new (FALSE, FALSE, sizeof (guint16));
      if (session->pending_will != NULL)
        {
          s->will = bd_message_ref (session->pending_will);
          s->will_at = g_get_real_time () + (session->will_at_us - g_get_monotonic_time ());
        }

      g_hash_table_iter_init (&subs, _bd_session_get_subscriptions (session));
      while (g_hash_table_iter_next (&subs, NULL, (gpointer *) &sub))
        {
          SnapSub snap_sub = {
            g_strdup (sub->filter), sub->qos,
            sub->no_local | sub->retain_as_published << 1 | sub->retain_handling << 2,
            sub->subscription_id,
          };

          g_array_append_val (s->subs, snap_sub);
        }
      if (session->incoming_qos2 != NULL)
        {
          GHashTableIter ids;
          gpointer key;

          gpointer value;

          g_hash_table_iter_init (&ids, session->incoming_qos2);
          while (g_hash_table_iter_next (&ids, &key, &value))
            {
              guint16 id = GPOINTER_TO_UINT (key);

              /* In durable mode, an id without a record never needed one
               * (see _bd_store_qos2_add ()). */
              if (value == NULL && engine->store != NULL)
                continue;

              g_array_append_val (s->qos2, id);
            }
        }

      /* In-flight messages keep their packet ids, and a QoS 2 message past
       * PUBREC (delivered already, not kept) its PUBREL: the next
       * connection re-sends them first, with those ids [MQTT-4.4.0-1]. */
      for (GList *l = session->inflight_order.head; l != NULL; l = l->next)
        {
          BdOutgoing *out = l->data;

          if (out->message != NULL)
            snap_add_message (s, out->message, out->qos, out->retain, out->store_id,
                              out->packet_id);
          else
            g_array_append_val (s->pubrels, out->packet_id);
        }
      for (GList *l = session->queue.head; l != NULL; l = l->next)
        {
          BdQueued *queued = l->data;

          snap_add_message (s, queued->message, queued->qos, queued->retain, queued->store_id, 0);
        }
      g_ptr_array_add (snap->sessions, s);
    }

  return snap;
}

void
_bd_state_snapshot_encode (BdStateSnapshot *snap,
                           GByteArray      *buf)
{
  gsize r;

  g_byte_array_append (buf, (const guint8 *) BD_STORE_MAGIC, BD_STORE_MAGIC_LEN);
  r = bd_store_record_begin (buf, 0, BD_STORE_META);
  bd_store_put_u64 (buf, snap->store_seq);
  bd_store_put_u64 (buf, snap->next_id);
  bd_store_record_end (buf, r);

  for (guint i = 0; i < snap->retained->len; i++)
    {
      BdMessage *m = g_ptr_array_index (snap->retained, i);

      r = bd_store_record_begin (buf, 0, BD_STORE_RETAIN_SET);
      _bd_store_put_message (buf, m);
      bd_store_put_u8 (buf, m->qos);
      bd_store_put_str (buf, m->publisher_id);
      bd_store_put_str (buf, m->publisher_username);
      bd_store_put_u16 (buf, m->publisher_listener);
      _bd_store_put_message_extra (buf, m, FALSE);
      bd_store_record_end (buf, r);
    }

  for (guint i = 0; i < snap->sessions->len; i++)
    {
      SnapSession *s = g_ptr_array_index (snap->sessions, i);

      r = bd_store_record_begin (buf, 0, BD_STORE_SESSION_PUT);
      bd_store_put_str (buf, s->client_id);
      bd_store_put_str (buf, s->username);
      bd_store_put_u32 (buf, s->expiry);
      bd_store_record_end (buf, r);

      for (guint j = 0; j < s->subs->len; j++)
        {
          SnapSub *sub = &g_array_index (s->subs, SnapSub, j);

          r = bd_store_record_begin (buf, 0, BD_STORE_SUB_ADD);
          bd_store_put_str (buf, s->client_id);
          bd_store_put_str (buf, sub->filter);
          bd_store_put_u8 (buf, sub->qos);
          bd_store_put_u8 (buf, sub->options);
          bd_store_put_u32 (buf, sub->subscription_id);
          bd_store_record_end (buf, r);
        }
      for (guint j = 0; j < s->qos2->len; j++)
        {
          r = bd_store_record_begin (buf, 0, BD_STORE_QOS2_ADD);
          bd_store_put_str (buf, s->client_id);
          bd_store_put_u16 (buf, g_array_index (s->qos2, guint16, j));
          bd_store_record_end (buf, r);
        }
      for (guint j = 0; j < s->pubrels->len; j++)
        {
          r = bd_store_record_begin (buf, 0, BD_STORE_PUBREL_ADD);
          bd_store_put_str (buf, s->client_id);
          bd_store_put_u64 (buf, 0);
          bd_store_put_u16 (buf, g_array_index (s->pubrels, guint16, j));
          bd_store_record_end (buf, r);
        }
      for (guint j = 0; j < s->messages->len; j++)
        {
          BdMessage *m = g_ptr_array_index (s->messages, j);
          guint64 id = g_array_index (s->ids, guint64, j);

          r = bd_store_record_begin (buf, 0, BD_STORE_MSG_ADD);
          bd_store_put_str (buf, s->client_id);
          /* Messages restored from the old format, or queued in snapshot
           * mode, have no id yet: ids above next_id never collide. */
          bd_store_put_u64 (buf, id != 0 ? id : snap->next_id + G_MAXUINT32 + j);
          _bd_store_put_message (buf, m);
          bd_store_put_u8 (buf, g_array_index (s->qos, guint8, j));
          bd_store_put_u8 (buf, g_array_index (s->retain, gboolean, j));
          _bd_store_put_message_extra (buf, m, FALSE);
          bd_store_put_u16 (buf, g_array_index (s->packet_ids, guint16, j));
          bd_store_record_end (buf, r);
        }
      if (s->will != NULL)
        {
          r = bd_store_record_begin (buf, 0, BD_STORE_WILL_SET);
          bd_store_put_str (buf, s->client_id);
          bd_store_put_u64 (buf, (guint64) s->will_at);
          _bd_store_put_message (buf, s->will);
          bd_store_put_u8 (buf, s->will->qos);
          bd_store_put_u8 (buf, s->will->retain);
          _bd_store_put_message_extra (buf, s->will, TRUE);
          bd_store_record_end (buf, r);
        }
    }
}

gboolean
_bd_state_snapshot_write (BdStateSnapshot *snap,
                          GError         **error)
{
  g_autoptr(GByteArray) buf = g_byte_array_new ();

  _bd_state_snapshot_encode (snap, buf);
  if (!bd_settings_file_save (snap->path, (const char *) buf->data, buf->len, error))
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

BdSession *
_bd_persist_restore_session (BdEngine   *engine,
                             const char *client_id,
                             const char *username,
                             guint32     expiry)
{
  BdSession *session;

  if (client_id[0] == '\0' || expiry == 0 || g_hash_table_contains (engine->sessions, client_id))
    return NULL;

  session = _bd_session_new (engine, client_id);
  session->clean = FALSE;
  session->stored = TRUE;
  session->expiry_interval = expiry;
  session->username = username[0] ? g_strdup (username) : NULL;
  session->disconnected_at = g_get_monotonic_time ();
  g_hash_table_insert (engine->sessions, session->client_id, session);
  engine->counters.clients_disconnected++;
  return session;
}

void
_bd_persist_restore_sub (BdSession  *session,
                         const char *filter,
                         guint8      qos,
                         guint8      options,
                         guint32     subscription_id)
{
  BdEngine *engine = session->engine;
  GHashTable *subs = _bd_session_get_subscriptions (session);
  BdSubscription *sub;

  /* Checked like a client's SUBSCRIBE: the file is input too. */
  if (!bd_topic_filter_is_valid (filter) || qos > 2 || g_hash_table_contains (subs, filter))
    return;
  sub = g_new0 (BdSubscription, 1);
  sub->filter = g_strdup (filter);
  sub->qos = qos;
  sub->no_local = options & 1;
  sub->retain_as_published = (options >> 1) & 1;
  sub->retain_handling = (options >> 2) & 3;
  sub->subscription_id = subscription_id;
  if (bd_topic_filter_is_shared (filter, NULL, NULL))
    _bd_share_group_join (engine, session, sub);
  else
    bd_trie_insert (engine->subs, sub->filter, session, sub);
  g_hash_table_replace (subs, sub->filter, sub);
}

/* The GVariant format of earlier versions. Runs before the engine thread
 * exists: no locking needed. FALSE when the file is not of that format
 * either (it was moved aside). */
gboolean
_bd_persist_load_old (BdEngine   *engine,
                      const char *path,
                      GBytes     *bytes)
{
  g_autoptr(GVariant) state = NULL;
  g_autoptr(GVariantIter) retained = NULL;
  g_autoptr(GVariantIter) sessions = NULL;
  guint32 version = 0;
  const char *topic;
  GVariant *payload;
  guint8 qos;
  guint n_retained = 0;
  guint n_sessions = 0;

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
      move_aside (path, "not a Brokerdesk state file, or damaged");
      return FALSE;
    }

  g_variant_get_child (state, 0, "u", &version);
  g_variant_get_child (state, 1, "a*", &retained);
  g_variant_get_child (state, 2, "a*", &sessions);
  if (version != STATE_VERSION && version != 1)
    {
      g_clear_pointer (&retained, g_variant_iter_free);
      g_clear_pointer (&sessions, g_variant_iter_free);
      g_clear_pointer (&state, g_variant_unref);
      move_aside (path, "written by another version of Brokerdesk");
      return FALSE;
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

        session = _bd_persist_restore_session (engine, client_id, username, expiry);
        if (session == NULL)
          {
            g_variant_iter_free (subs);
            g_variant_iter_free (queue);
            continue;
          }

        while (g_variant_iter_next (subs, "(&sy)", &filter, &qos))
          _bd_persist_restore_sub (session, filter, qos, 0, 0);
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

  g_message ("Restored %u retained messages and %u persistent sessions from %s (older format)",
             n_retained, n_sessions, path);
  return TRUE;
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
      gint64 start_us = g_get_monotonic_time ();
      GStatBuf st;

      ok = _bd_state_snapshot_write (snap, error);
      if (ok)
        engine->saved_seq = snap->seq;

      /* For the Broker page: its own lock, so that reading the figures never
       * waits for a snapshot being written. */
      g_mutex_lock (&engine->stats_lock);
      engine->save_failed = !ok;
      if (ok)
        {
          engine->saved_at_us = g_get_real_time ();
          engine->saved_latency_us = g_get_monotonic_time () - start_us;
          if (g_stat (snap->path, &st) == 0)
            engine->saved_size = st.st_size;
        }
      g_mutex_unlock (&engine->stats_lock);
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

/* autosave_on_changes in the snapshot mode: once autosave_interval changes
 * are counted (bd-store.c), the same save the timer would request. At the
 * end of a turn, as Mosquitto checks once per loop, so that a snapshot never
 * holds a packet's changes half made. */
void
_bd_persist_end_turn (BdEngine *engine)
{
  const BdBrokerConfig *config = engine->config;

  if (!config->persistence || !config->autosave_on_changes || engine->store != NULL ||
      config->autosave_interval == 0 || engine->autosave_changes < config->autosave_interval)
    return;
  engine->autosave_changes = 0;
  _bd_engine_save_state (engine, FALSE);
}
