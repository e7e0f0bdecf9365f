/* bd-engine.c — the embedded broker: life cycle, the event loop, cross-thread calls
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bd-engine-private.h"
#include "bd-topic.h"

#define EPOLL_BATCH    256
#define READ_BUF_SIZE  (64 * 1024)

G_DEFINE_QUARK (bd-engine-error-quark, bd_engine_error)

typedef struct
{
  GSource   source;
  BdEngine *engine;
  gpointer  tag;
} BdEpollSource;

/* ------------------------------------------------------------ epoll source */

gboolean
_bd_engine_epoll_add (BdEngine *engine,
                      int       fd,
                      gpointer  ptr,
                      guint32   events)
{
  struct epoll_event ev = { .events = events, .data.ptr = ptr };

  return epoll_ctl (engine->epfd, EPOLL_CTL_ADD, fd, &ev) == 0;
}

void
_bd_engine_epoll_mod (BdEngine *engine,
                      int       fd,
                      gpointer  ptr,
                      guint32   events)
{
  struct epoll_event ev = { .events = events, .data.ptr = ptr };

  epoll_ctl (engine->epfd, EPOLL_CTL_MOD, fd, &ev);
}

void
_bd_engine_mark_dirty (BdEngine     *engine,
                       BdConnection *conn)
{
  if (!conn->dirty)
    {
      conn->dirty = TRUE;
      g_ptr_array_add (engine->dirty, conn);
    }
}

void
_bd_engine_doom (BdEngine     *engine,
                 BdConnection *conn)
{
  g_ptr_array_add (engine->doomed, conn);
}

/* Writes what the turn produced, then frees connections closed during it.
 * Freeing waits until here because later events of the same epoll batch may
 * still point at a closed connection. */
void
_bd_engine_end_turn (BdEngine *engine)
{
  /* Input held back by flow control first, since it may produce output.
   * The array may grow while we go. */
  for (guint i = 0; i < engine->resumed->len; i++)
    _bd_connection_process_pending (g_ptr_array_index (engine->resumed, i));
  g_ptr_array_set_size (engine->resumed, 0);

  /* The turn's changes go to the store's writer in one piece; output that
   * acknowledges them waits for its commit. */
  _bd_store_submit (engine);
  _bd_persist_end_turn (engine);

  for (guint i = 0; i < engine->dirty->len; i++)
    {
      BdConnection *conn = g_ptr_array_index (engine->dirty, i);

      conn->dirty = FALSE;
      if (conn->state != BD_CONN_CLOSED && _bd_store_may_flush (conn))
        _bd_connection_flush (conn);
    }
  g_ptr_array_set_size (engine->dirty, 0);

  for (guint i = 0; i < engine->doomed->len; i++)
    {
      _bd_store_forget_connection (g_ptr_array_index (engine->doomed, i));
      _bd_connection_free (g_ptr_array_index (engine->doomed, i));
    }
  g_ptr_array_set_size (engine->doomed, 0);
}

/* memory_limit. Brokerdesk does not count its own allocations as Mosquitto
 * does: it reads the allocator's figure for the whole process (bd-sys.c)
 * at the start of a turn, and each PUBLISH and CONNECT of the turn is
 * judged against that reading. The check is therefore per turn, not per
 * allocation: the heap may pass the limit by what one turn's messages add
 * before the next reading sees it. A reading costs more as the heap
 * fragments, so the next one waits 100 times what the last one took:
 * at most about 1% of the engine thread goes to reading (every turn when
 * a reading takes a few microseconds, one in 0.1 s when it takes 1 ms). */
static void
engine_read_heap (BdEngine *engine)
{
  gint64 start = g_get_monotonic_time ();

  if (start < engine->heap_next_read)
    return;
  _bd_sys_measure_heap (engine);
  engine->heap_next_read = start + 100 * (g_get_monotonic_time () - start);
  if (engine->heap_over_logged && engine->counters.heap_current < engine->config->memory_limit)
    {
      engine->heap_over_logged = FALSE;
      g_message ("Heap back under memory_limit (%" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " bytes): "
                 "messages and connections are taken again",
                 engine->counters.heap_current, engine->config->memory_limit);
    }
}

gboolean
_bd_engine_memory_denies (BdEngine *engine,
                          guint64   extra)
{
  guint64 limit = engine->config->memory_limit;

  if (limit == 0 || engine->counters.heap_current + extra <= limit)
    return FALSE;
  if (!engine->heap_over_logged)
    {
      engine->heap_over_logged = TRUE;
      g_warning ("memory_limit of %" G_GUINT64_FORMAT " bytes reached (heap %" G_GUINT64_FORMAT " bytes): "
                 "PUBLISH packets are dropped and their clients disconnected, new connections refused",
                 limit, engine->counters.heap_current);
    }
  return TRUE;
}

/* Handles one batch of ready sockets except listeners, which it returns
 * (listeners is EPOLL_BATCH long). A linger may be freed while its event is
 * handled, so events are not looked at again afterwards. */
static guint
engine_poll_sockets (BdEngine    *engine,
                     BdListener **listeners)
{
  struct epoll_event events[EPOLL_BATCH];
  guint n_listeners = 0;
  int n;

  n = epoll_wait (engine->epfd, events, EPOLL_BATCH, 0);
  for (int i = 0; i < n; i++)
    {
      BdPollKind *kind = events[i].data.ptr;

      if (*kind == BD_POLL_CONNECTION)
        {
          _bd_connection_on_ready ((BdConnection *) kind, events[i].events);
        }
      else if (*kind == BD_POLL_LINGER)
        _bd_connection_linger_on_ready ((BdLinger *) kind, events[i].events);
      else if (*kind == BD_POLL_HANDSHAKER)
        _bd_handshaker_on_ready ((BdHandshaker *) kind);
      else if (listeners != NULL)
        listeners[n_listeners++] = (BdListener *) kind;
    }
  return n_listeners;
}

void
_bd_engine_poll_connections (BdEngine *engine)
{
  /* Listeners are level-triggered: they are reported again next turn. */
  engine_poll_sockets (engine, NULL);
}

static gboolean
epoll_source_dispatch (GSource     *source,
                       GSourceFunc  callback,
                       gpointer     user_data)
{
  BdEngine *engine = ((BdEpollSource *) source)->engine;
  BdListener *listeners[EPOLL_BATCH];
  guint n_listeners;

  BD_ENGINE_ASSERT_THREAD (engine);

  if (engine->config->memory_limit > 0)
    engine_read_heap (engine);

  /* New connections after the closes of the same batch: a client that
   * closed one connection and opened the next must not be refused at
   * max_connections for the one it already closed. */
  n_listeners = engine_poll_sockets (engine, listeners);
  for (guint i = 0; i < n_listeners; i++)
    _bd_listener_accept (engine, listeners[i]);
  _bd_engine_end_turn (engine);

  return G_SOURCE_CONTINUE;
}

static GSourceFuncs epoll_source_funcs = {
  .dispatch = epoll_source_dispatch,
};

/* ------------------------------------------------------------------ timers */

static gboolean
engine_tick_cb (gpointer user_data)
{
  BdEngine *engine = user_data;
  gint64 now = g_get_monotonic_time ();

  BD_ENGINE_ASSERT_THREAD (engine);

  /* Keep-alive deadlines are 1.5 × seconds: check them four times a second. */
  _bd_connection_check_keepalives (engine, now);
  _bd_connection_check_paused (engine, now);
  _bd_connection_check_lingering (engine, now);
  if (++engine->quarter_ticks < 4)
    {
      _bd_engine_end_turn (engine);
      return G_SOURCE_CONTINUE;
    }
  engine->quarter_ticks = 0;

  {
    /* Each expired session leaves the away ones ($SYS/broker/clients/expired). */
    guint away = engine->counters.clients_disconnected;

    _bd_session_check_expiry (engine, now);
    if (away > engine->counters.clients_disconnected)
      engine->counters.clients_expired += away - engine->counters.clients_disconnected;
  }
  _bd_sys_update_rates (engine, 1.0);
  _bd_sys_snapshot_stats (engine);

  _bd_store_tick (engine);
  /* In durable mode the log keeps everything; snapshots come with compaction.
   * With autosave_on_changes the interval is a number of changes, counted
   * instead (_bd_persist_end_turn ()). */
  if (engine->config->persistence && engine->store == NULL && engine->config->autosave_interval > 0 &&
      !engine->config->autosave_on_changes &&
      ++engine->autosave_tick >= engine->config->autosave_interval)
    {
      engine->autosave_tick = 0;
      _bd_engine_save_state (engine, FALSE);
    }

  if (engine->config->sys_interval > 0 &&
      ++engine->sys_tick >= engine->config->sys_interval)
    {
      engine->sys_tick = 0;
      _bd_sys_publish_all (engine, FALSE);
    }

  _bd_engine_end_turn (engine);
  return G_SOURCE_CONTINUE;
}

/* --------------------------------------------------------------- lifecycle */

static void
session_table_free (gpointer data)
{
  _bd_session_free (data);
}

BdTap *
bd_tap_new (const char     *filter,
            BdTapFunc       func,
            gpointer        user_data,
            GDestroyNotify  notify)
{
  BdTap *tap = g_new0 (BdTap, 1);

  tap->filter = g_strdup (filter);
  tap->func = func;
  tap->user_data = user_data;
  tap->notify = notify;
  return tap;
}

void
bd_tap_free (BdTap *tap)
{
  if (tap->notify != NULL)
    tap->notify (tap->user_data);
  g_free (tap->filter);
  g_free (tap);
}

static void
bridge_queue_free (gpointer data)
{
  BdBridgeQueue *queue = data;

  g_free (queue->name);
  g_free (queue);
}

BdEngine *
bd_engine_new (BdBrokerConfig *config)
{
  BdEngine *engine;

  g_return_val_if_fail (config != NULL, NULL);

  engine = g_new0 (BdEngine, 1);
  g_atomic_ref_count_init (&engine->ref_count);
  engine->config = config;
  engine->epfd = -1;
  engine->listeners = g_ptr_array_new_with_free_func ((GDestroyNotify) _bd_listener_free);
  engine->listener_infos = g_ptr_array_new ();
  engine->applied_configs = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  engine->retired_listeners = g_ptr_array_new_with_free_func ((GDestroyNotify) _bd_listener_free);
  engine->auths = g_ptr_array_new_with_free_func ((GDestroyNotify) bd_auth_free);
  engine->dirty = g_ptr_array_new ();
  engine->doomed = g_ptr_array_new ();
  engine->paused = g_ptr_array_new ();
  engine->resumed = g_ptr_array_new ();
  engine->route_targets = g_ptr_array_new ();
  if (config->bridges->len > 0)
    {
      engine->bridge_queues = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                     bridge_queue_free);
      for (guint i = 0; i < config->bridges->len; i++)
        {
          const BdBridgeConfig *bridge = g_ptr_array_index (config->bridges, i);
          BdBridgeQueue *queue = g_new0 (BdBridgeQueue, 1);

          queue->name = g_strdup (bridge->name);
          queue->max = bridge->queue_max_messages ? bridge->queue_max_messages
                                                  : config->max_queued_messages;
          g_hash_table_insert (engine->bridge_queues,
                               bd_bridge_config_dup_local_clientid (bridge), queue);
        }
    }
  engine->scratch = g_byte_array_new ();
  engine->sessions = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, session_table_free);
  /* Subscription values are owned by their session's table; the trie borrows. */
  engine->subs = bd_trie_new (NULL);
  engine->shared = bd_trie_new (NULL);
  engine->share_groups = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                (GDestroyNotify) _bd_share_group_unref);
  engine->taps = bd_trie_new ((GDestroyNotify) bd_tap_free);
  engine->tap_ids = g_hash_table_new (NULL, NULL);
  engine->retained = bd_topic_tree_new ((GDestroyNotify) bd_message_unref);
  engine->sys_last = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  engine->context = g_main_context_new ();
  engine->loop = g_main_loop_new (engine->context, FALSE);
  g_mutex_init (&engine->stats_lock);
  g_mutex_init (&engine->save_lock);
  g_mutex_init (&engine->taps_lock);
  g_mutex_init (&engine->start_lock);
  g_mutex_init (&engine->listeners_lock);
  g_cond_init (&engine->start_cond);

  return engine;
}

G_DEFINE_BOXED_TYPE (BdEngine, bd_engine, bd_engine_ref, bd_engine_unref)

BdEngine *
bd_engine_ref (BdEngine *engine)
{
  g_atomic_ref_count_inc (&engine->ref_count);
  return engine;
}

static void
engine_free (BdEngine *engine)
{
  bd_engine_stop (engine);

  /* Sessions first: they unlink their subscriptions from the trie. */
  g_hash_table_destroy (engine->sessions);
  bd_trie_free (engine->subs);
  bd_trie_free (engine->shared);
  g_hash_table_destroy (engine->share_groups);
  bd_trie_free (engine->taps);
  g_hash_table_destroy (engine->tap_ids);
  bd_topic_tree_free (engine->retained);
  g_hash_table_destroy (engine->sys_last);
  g_ptr_array_unref (engine->listeners);
  g_ptr_array_unref (engine->retired_listeners);
  g_ptr_array_unref (engine->listener_infos);
  g_clear_pointer (&engine->bridge_queues, g_hash_table_destroy);
  if (engine->internal != NULL)
    {
      bd_listener_config_free (engine->internal->config);
      _bd_listener_free (engine->internal);
    }
  g_ptr_array_unref (engine->dirty);
  g_ptr_array_unref (engine->doomed);
  g_ptr_array_unref (engine->paused);
  g_ptr_array_unref (engine->resumed);
  g_ptr_array_unref (engine->route_targets);
  g_byte_array_unref (engine->scratch);
  g_ptr_array_unref (engine->auths);
  g_main_loop_unref (engine->loop);
  g_main_context_unref (engine->context);
  g_mutex_clear (&engine->stats_lock);
  g_mutex_clear (&engine->save_lock);
  g_mutex_clear (&engine->taps_lock);
  g_mutex_clear (&engine->start_lock);
  g_mutex_clear (&engine->listeners_lock);
  g_cond_clear (&engine->start_cond);
  g_free (engine->read_buf);
  g_free (engine->data_dir);
  bd_broker_config_free (engine->config);
  /* After the configuration: its listeners came first, these later. */
  g_ptr_array_unref (engine->applied_configs);
  g_free (engine);
}

static gpointer
engine_free_thread (gpointer data)
{
  engine_free (data);
  return NULL;
}

void
bd_engine_unref (BdEngine *engine)
{
  if (!g_atomic_ref_count_dec (&engine->ref_count))
    return;

  /* The last reference can go on the engine thread itself: the task of an
   * asynchronous call holds one until the engine thread lets go of it,
   * which may be after its caller dropped its own. That thread cannot join
   * itself, so a thread of its own tears the engine down once the engine
   * thread's callback has returned. */
  if (engine->running && engine->thread == g_thread_self ())
    {
      g_thread_unref (g_thread_new ("bd-engine-free", engine_free_thread, engine));
      return;
    }
  engine_free (engine);
}

const BdBrokerConfig *
bd_engine_get_config (BdEngine *engine)
{
  return engine->config;
}

void
bd_engine_set_data_dir (BdEngine   *engine,
                        const char *data_dir)
{
  g_return_if_fail (!engine->running);

  g_free (engine->data_dir);
  engine->data_dir = g_strdup (data_dir);
}

static gpointer
engine_thread_func (gpointer data)
{
  BdEngine *engine = data;

  /* Pushed before anything creates a source, so every source and GTask of the
   * engine attaches to its own context, never to the GTK one. */
  g_main_context_push_thread_default (engine->context);

  /* Set under the lock the starting thread waits on, cleared before the
   * thread ends (bd_engine_stop() joins it): see BD_ENGINE_ASSERT_THREAD. */
  g_mutex_lock (&engine->start_lock);
  engine->owner = g_thread_self ();
  g_cond_signal (&engine->start_cond);
  g_mutex_unlock (&engine->start_lock);

  g_main_loop_run (engine->loop);

  engine->owner = NULL;
  g_main_context_pop_thread_default (engine->context);
  return NULL;
}

/* Each listener's password file and ACL (bd_broker_config_finish has copied
 * the global ones into every listener unless per_listener_settings is on);
 * listeners naming the same files share one BdAuth. */
static gboolean
engine_load_auth (BdEngine   *engine,
                  BdListener *listener,
                  GError    **error)
{
  const BdListenerConfig *config = listener->config;
  g_autoptr(BdAuth) auth = NULL;

  if (config->password_file == NULL && config->acl_file == NULL)
    return TRUE;

  for (guint i = 0; i < engine->listeners->len; i++)
    {
      BdListener *other = g_ptr_array_index (engine->listeners, i);

      if (other != listener && other->auth != NULL &&
          g_strcmp0 (other->config->password_file, config->password_file) == 0 &&
          g_strcmp0 (other->config->acl_file, config->acl_file) == 0)
        {
          listener->auth = other->auth;
          return TRUE;
        }
    }

  auth = bd_auth_new_from_files (config->password_file, config->acl_file, error);
  if (auth == NULL)
    return FALSE;
  listener->auth = auth;
  g_ptr_array_add (engine->auths, g_steal_pointer (&auth));
  return TRUE;
}

const char *
_bd_log_text (char       *buf,
              const char *text)
{
  gsize len = strnlen (text, BD_LOG_TEXT_MAX + 1);
  gsize cut = MIN (len, BD_LOG_TEXT_MAX);
  char *out = buf;

  /* Cut between characters, not inside one. */
  if (len > cut)
    while (cut > 0 && ((guchar) text[cut] & 0xc0) == 0x80)
      cut--;
  for (gsize i = 0; i < cut; i++)
    {
      guchar c = text[i];

      if (c < 0x20 || c == 0x7f)
        out += g_snprintf (out, 5, "\\x%02x", c);
      else
        *out++ = c;
    }
  if (len > cut)
    {
      memcpy (out, "…", sizeof "…");
      out += sizeof "…" - 1;
    }
  *out = '\0';
  return buf;
}

gboolean
bd_engine_start (BdEngine *engine,
                 GError  **error)
{
  BdEpollSource *epoll_source;

  g_return_val_if_fail (!engine->running, FALSE);

  engine->epfd = epoll_create1 (EPOLL_CLOEXEC);
  if (engine->epfd < 0)
    {
      int saved = errno;
      g_set_error (error, BD_ENGINE_ERROR, BD_ENGINE_ERROR_LISTEN,
                   "epoll_create1: %s", g_strerror (saved));
      return FALSE;
    }

  for (guint i = 0; i < engine->config->listeners->len; i++)
    {
      BdListenerConfig *config = g_ptr_array_index (engine->config->listeners, i);
      BdListener *listener = NULL;
      g_autoptr(BdTlsContext) tls = NULL;

      /* Certificates first: a broken file stops start-up with its line
       * before any port is taken. */
      if (_bd_tls_listener_wants_tls (config))
        {
          tls = _bd_tls_context_new (config, error);
          if (tls == NULL)
            return FALSE;
        }
      if (!_bd_listener_bind (engine, config, &listener, error))
        return FALSE;
      listener->tls = g_steal_pointer (&tls);
      listener->index = (guint16) engine->listeners->len;
      g_ptr_array_add (engine->listeners, listener);
      if (!engine_load_auth (engine, listener, error))
        return FALSE;
      _bd_engine_epoll_add (engine, listener->fd, listener, EPOLLIN);
    }
  _bd_engine_publish_listeners (engine);

  /* As Mosquitto: a pid file that cannot be written stops start-up. */
  if (engine->config->pid_file != NULL)
    {
      g_autofree char *pid = g_strdup_printf ("%d\n", (int) getpid ());

      if (!g_file_set_contents (engine->config->pid_file, pid, -1, error))
        {
          g_prefix_error (error, "pid_file: ");
          return FALSE;
        }
    }

  _bd_store_load (engine);
  _bd_store_start (engine);

  engine->read_buf = g_malloc (READ_BUF_SIZE);
  engine->started_us = g_get_monotonic_time ();
  engine->started_real_us = g_get_real_time ();

  epoll_source = (BdEpollSource *) g_source_new (&epoll_source_funcs, sizeof (BdEpollSource));
  epoll_source->engine = engine;
  epoll_source->tag = g_source_add_unix_fd ((GSource *) epoll_source, engine->epfd, G_IO_IN);
  g_source_set_static_name ((GSource *) epoll_source, "[brokerdesk] network");
  engine->epoll_source = (GSource *) epoll_source;
  g_source_attach (engine->epoll_source, engine->context);

  engine->tick_source = g_timeout_source_new (250);
  g_source_set_callback (engine->tick_source, engine_tick_cb, engine, NULL);
  g_source_set_static_name (engine->tick_source, "[brokerdesk] tick");
  g_source_attach (engine->tick_source, engine->context);

  if (engine->config->sys_interval > 0)
    {
      g_autofree char *version = g_strdup_printf ("%s %s", PACKAGE_NAME, PACKAGE_VERSION);

      /* Routed before the thread starts: nobody else touches the engine yet. */
      _bd_sys_publish (engine, "$SYS/broker/version", version, TRUE);
      _bd_sys_publish_all (engine, TRUE);
    }

  if (engine->config->memory_limit > 0)
    {
      /* A limit the broker is already past would refuse everything: say so
       * now rather than leave it to the first refused client. */
      _bd_sys_measure_heap (engine);
      if (engine->counters.heap_current > engine->config->memory_limit)
        g_warning ("memory_limit of %" G_GUINT64_FORMAT " bytes is below the heap already in use "
                   "(%" G_GUINT64_FORMAT " bytes): PUBLISH packets and new connections will be refused",
                   engine->config->memory_limit, engine->counters.heap_current);
    }

  engine->running = TRUE;
  g_mutex_lock (&engine->start_lock);
  /* At most 15 bytes: Linux refuses a longer thread name, and the thread
   * would show in top and /proc as the process itself. */
  engine->thread = g_thread_new ("bd-engine", engine_thread_func, engine);
  g_cond_wait (&engine->start_cond, &engine->start_lock);
  g_mutex_unlock (&engine->start_lock);

  for (guint i = 0; i < engine->listeners->len; i++)
    _bd_listener_log_listening (g_ptr_array_index (engine->listeners, i));

  return TRUE;
}

static gboolean
engine_shutdown_cb (gpointer data)
{
  BdEngine *engine = data;
  GList *l;

  BD_ENGINE_ASSERT_THREAD (engine);

  while ((l = engine->connections.head) != NULL)
    {
      BdConnection *conn = l->data;

      /* Shutting down is not the client's fault: no will. */
      g_clear_pointer (&conn->will, bd_message_unref);
      _bd_connection_disconnect (conn, BD_MQTT_RC_SERVER_SHUTTING_DOWN, "broker shutting down");
    }
  _bd_engine_end_turn (engine);
  /* Their last packets were written as far as the sockets took them. */
  _bd_connection_check_lingering (engine, G_MAXINT64);
  g_main_loop_quit (engine->loop);
  return G_SOURCE_REMOVE;
}

void
bd_engine_stop (BdEngine *engine)
{
  if (!engine->running)
    return;

  g_main_context_invoke (engine->context, engine_shutdown_cb, engine);
  g_thread_join (engine->thread);
  engine->thread = NULL;
  engine->running = FALSE;
  /* The shutdown took back every connection it held. */
  g_clear_pointer (&engine->handshaker, _bd_handshaker_free);

  g_source_destroy (engine->epoll_source);
  g_clear_pointer (&engine->epoll_source, g_source_unref);
  g_source_destroy (engine->tick_source);
  g_clear_pointer (&engine->tick_source, g_source_unref);
  g_ptr_array_set_size (engine->listeners, 0);
  if (engine->epfd >= 0)
    close (engine->epfd);
  engine->epfd = -1;

  /* The engine thread is gone: this thread may read the state now. */
  if (engine->store != NULL)
    _bd_store_stop (engine);
  else
    _bd_engine_save_state (engine, TRUE);

  if (engine->config->pid_file != NULL)
    g_unlink (engine->config->pid_file);
}

static void
listener_info_free (gpointer data)
{
  BdListenerInfo *info = data;

  g_free (info->address);
  g_free (info);
}

/* On the engine thread, or on the starting thread before the engine thread
 * exists. Readers hold a reference to the array they got, so the old one is
 * freed by its last reader. */
void
_bd_engine_publish_listeners (BdEngine *engine)
{
  GPtrArray *infos = g_ptr_array_new_with_free_func (listener_info_free);
  GPtrArray *old;

  for (guint i = 0; i < engine->listeners->len; i++)
    {
      BdListener *listener = g_ptr_array_index (engine->listeners, i);
      BdListenerInfo *info = g_new0 (BdListenerInfo, 1);

      info->config = listener->config;
      info->port = listener->port;
      info->address = g_strdup (listener->address);
      info->tls = listener->tls != NULL;
      g_ptr_array_add (infos, info);
    }

  g_mutex_lock (&engine->listeners_lock);
  old = engine->listener_infos;
  engine->listener_infos = infos;
  g_mutex_unlock (&engine->listeners_lock);
  g_ptr_array_unref (old);
}

GPtrArray *
bd_engine_dup_listeners (BdEngine *engine)
{
  GPtrArray *infos;

  g_mutex_lock (&engine->listeners_lock);
  infos = g_ptr_array_ref (engine->listener_infos);
  g_mutex_unlock (&engine->listeners_lock);
  return infos;
}

guint16
bd_engine_get_port (BdEngine *engine,
                    guint     listener_index)
{
  g_autoptr(GPtrArray) infos = bd_engine_dup_listeners (engine);
  BdListenerInfo *info;

  g_return_val_if_fail (listener_index < infos->len, 0);

  info = g_ptr_array_index (infos, listener_index);
  return info->port;
}

guint
bd_engine_get_n_listeners (BdEngine *engine)
{
  g_autoptr(GPtrArray) infos = bd_engine_dup_listeners (engine);

  return infos->len;
}

void
bd_engine_get_stats (BdEngine      *engine,
                     BdEngineStats *stats)
{
  g_mutex_lock (&engine->stats_lock);
  *stats = engine->stats;
  g_mutex_unlock (&engine->stats_lock);
}

/* -------------------------------------------------- calls from other threads */

typedef struct
{
  BdEngine *engine;
  BdTap    *tap;
  guint     tap_id;
} TapCall;

static gboolean
add_tap_cb (gpointer data)
{
  TapCall *call = data;

  BD_ENGINE_ASSERT_THREAD (call->engine);

  g_hash_table_insert (call->engine->tap_ids, GUINT_TO_POINTER (call->tap->id), call->tap);
  bd_trie_insert (call->engine->taps, call->tap->filter, call->tap, call->tap);
  call->tap = NULL;
  return G_SOURCE_REMOVE;
}

static void
tap_call_free (gpointer data)
{
  TapCall *call = data;

  if (call->tap != NULL)
    bd_tap_free (call->tap);
  bd_engine_unref (call->engine);
  g_free (call);
}

guint
bd_engine_add_tap (BdEngine       *engine,
                   const char     *filter,
                   BdTapFunc       func,
                   gpointer        user_data,
                   GDestroyNotify  notify)
{
  TapCall *call;
  BdTap *tap;

  g_return_val_if_fail (bd_topic_filter_is_valid (filter), 0);
  g_return_val_if_fail (func != NULL, 0);

  tap = bd_tap_new (filter, func, user_data, notify);
  g_mutex_lock (&engine->taps_lock);
  tap->id = ++engine->next_tap_id;
  g_mutex_unlock (&engine->taps_lock);

  call = g_new0 (TapCall, 1);
  call->engine = bd_engine_ref (engine);
  call->tap = tap;
  call->tap_id = tap->id;
  if (engine->thread == NULL)
    {
      /* Not started (or stopped): no engine thread touches the taps, so the
       * tap goes in now. A consumer that must see every message (the history
       * recorder) adds its tap before bd_engine_start(): queued for the
       * engine thread instead, the tap went in only after the listeners were
       * open, and what clients published in between never reached it. */
      guint id = tap->id;

      add_tap_cb (call);
      tap_call_free (call);
      return id;
    }
  g_main_context_invoke_full (engine->context, G_PRIORITY_DEFAULT, add_tap_cb, call, tap_call_free);
  return tap->id;
}

static gboolean
remove_tap_cb (gpointer data)
{
  TapCall *call = data;
  BdTap *tap;

  BD_ENGINE_ASSERT_THREAD (call->engine);

  tap = g_hash_table_lookup (call->engine->tap_ids, GUINT_TO_POINTER (call->tap_id));
  if (tap != NULL)
    {
      g_hash_table_remove (call->engine->tap_ids, GUINT_TO_POINTER (call->tap_id));
      bd_trie_remove (call->engine->taps, tap->filter, tap);
    }
  return G_SOURCE_REMOVE;
}

void
bd_engine_remove_tap (BdEngine *engine,
                      guint     tap_id)
{
  TapCall *call;

  g_return_if_fail (tap_id > 0);

  call = g_new0 (TapCall, 1);
  call->engine = bd_engine_ref (engine);
  call->tap_id = tap_id;
  g_main_context_invoke_full (engine->context, G_PRIORITY_DEFAULT, remove_tap_cb, call, tap_call_free);
}

typedef struct
{
  BdEngine  *engine;
  BdMessage *message;
} PublishCall;

static gboolean
publish_cb (gpointer data)
{
  PublishCall *call = data;

  BD_ENGINE_ASSERT_THREAD (call->engine);

  call->engine->counters.publish_received++;
  _bd_route_message (call->engine, call->message, NULL);
  _bd_engine_end_turn (call->engine);
  return G_SOURCE_REMOVE;
}

static void
publish_call_free (gpointer data)
{
  PublishCall *call = data;

  bd_message_unref (call->message);
  bd_engine_unref (call->engine);
  g_free (call);
}

void
bd_engine_publish (BdEngine  *engine,
                   BdMessage *message)
{
  PublishCall *call;

  g_return_if_fail (message != NULL);
  g_return_if_fail (bd_topic_name_is_valid (message->topic));

  call = g_new0 (PublishCall, 1);
  call->engine = bd_engine_ref (engine);
  call->message = bd_message_ref (message);
  g_main_context_invoke_full (engine->context, G_PRIORITY_DEFAULT, publish_cb, call, publish_call_free);
}

typedef struct
{
  BdEngine *engine;
  int       fd;
  char     *name;
} AdoptCall;

static gboolean
adopt_cb (gpointer data)
{
  AdoptCall *call = data;

  _bd_listener_adopt_internal (call->engine, call->fd, call->name);
  call->fd = -1;
  return G_SOURCE_REMOVE;
}

static void
adopt_call_free (gpointer data)
{
  AdoptCall *call = data;

  /* Not adopted (the engine stopped first): the bridge sees a close. */
  if (call->fd >= 0)
    close (call->fd);
  bd_engine_unref (call->engine);
  g_free (call->name);
  g_free (call);
}

GIOStream *
bd_engine_connect_internal (BdEngine    *engine,
                            const char  *name,
                            GError     **error)
{
  g_autoptr(GSocket) socket = NULL;
  AdoptCall *call;
  int fds[2];

  g_return_val_if_fail (engine != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  if (!engine->running)
    {
      g_set_error (error, BD_ENGINE_ERROR, BD_ENGINE_ERROR_STOPPED, "the broker is not running");
      return NULL;
    }
  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) < 0)
    {
      int errsv = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   "cannot make an internal connection: %s", g_strerror (errsv));
      return NULL;
    }
  socket = g_socket_new_from_fd (fds[0], error);
  if (socket == NULL)
    {
      close (fds[0]);
      close (fds[1]);
      return NULL;
    }
  call = g_new0 (AdoptCall, 1);
  call->engine = bd_engine_ref (engine);
  call->fd = fds[1];
  call->name = g_strdup (name);
  g_main_context_invoke_full (engine->context, G_PRIORITY_DEFAULT, adopt_cb, call, adopt_call_free);
  return G_IO_STREAM (g_socket_connection_factory_create_connection (socket));
}

/* Runs @func (@data) on the engine thread and waits for it: for the few
 * questions another thread asks and must have answered before it goes on. */
typedef struct
{
  GSourceFunc func;
  gpointer    data;
  gboolean    done;
  GMutex      lock;
  GCond       cond;
} SyncCall;

static gboolean
sync_call_cb (gpointer data)
{
  SyncCall *call = data;

  call->func (call->data);
  g_mutex_lock (&call->lock);
  call->done = TRUE;
  g_cond_signal (&call->cond);
  g_mutex_unlock (&call->lock);
  return G_SOURCE_REMOVE;
}

static void
engine_run_sync (BdEngine    *engine,
                 GSourceFunc  func,
                 gpointer     data)
{
  SyncCall call = { func, data, FALSE };

  g_mutex_init (&call.lock);
  g_cond_init (&call.cond);
  g_main_context_invoke (engine->context, sync_call_cb, &call);
  g_mutex_lock (&call.lock);
  while (!call.done)
    g_cond_wait (&call.cond, &call.lock);
  g_mutex_unlock (&call.lock);
  g_mutex_clear (&call.lock);
  g_cond_clear (&call.cond);
}

typedef struct
{
  BdEngine   *engine;
  const char *filter;
  GPtrArray  *result;
} RetainedCall;

static void
collect_retained_cb (const char *topic,
                     gpointer    value,
                     gpointer    user_data)
{
  g_ptr_array_add (user_data, bd_message_ref (value));
}

static int
compare_topics (gconstpointer a,
                gconstpointer b)
{
  const BdMessage *ma = *(BdMessage * const *) a;
  const BdMessage *mb = *(BdMessage * const *) b;

  return strcmp (ma->topic, mb->topic);
}

static gboolean
dup_retained_cb (gpointer data)
{
  RetainedCall *call = data;

  BD_ENGINE_ASSERT_THREAD (call->engine);

  bd_topic_tree_match (call->engine->retained, call->filter, collect_retained_cb, call->result);
  return G_SOURCE_REMOVE;
}

GPtrArray *
bd_engine_dup_retained (BdEngine   *engine,
                        const char *filter)
{
  RetainedCall call = { engine, filter, NULL };

  g_return_val_if_fail (bd_topic_filter_is_valid (filter), NULL);

  call.result = g_ptr_array_new_with_free_func ((GDestroyNotify) bd_message_unref);
  if (!engine->running)
    {
      bd_topic_tree_match (engine->retained, filter, collect_retained_cb, call.result);
    }
  else
    engine_run_sync (engine, dup_retained_cb, &call);
  g_ptr_array_sort (call.result, compare_topics);
  return call.result;
}

typedef struct
{
  BdEngine *engine;
  GStrv     filters;
} RetainedJob;

static void
retained_job_free (gpointer data)
{
  RetainedJob *job = data;

  bd_engine_unref (job->engine);
  g_strfreev (job->filters);
  g_free (job);
}

static void
dup_retained_thread (GTask        *task,
                     gpointer      source_object,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  RetainedJob *job = task_data;
  GPtrArray *messages = g_ptr_array_new_with_free_func ((GDestroyNotify) bd_message_unref);

  for (guint i = 0; job->filters[i] != NULL; i++)
    {
      g_autoptr(GPtrArray) retained = bd_engine_dup_retained (job->engine, job->filters[i]);

      for (guint m = 0; m < retained->len; m++)
        g_ptr_array_add (messages, bd_message_ref (g_ptr_array_index (retained, m)));
    }
  g_task_return_pointer (task, messages, (GDestroyNotify) g_ptr_array_unref);
}

void
bd_engine_dup_retained_async (BdEngine            *engine,
                              const char * const  *filters,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, NULL, callback, user_data);
  RetainedJob *job = g_new0 (RetainedJob, 1);

  job->engine = bd_engine_ref (engine);
  job->filters = g_strdupv ((char **) filters);
  g_task_set_source_tag (task, bd_engine_dup_retained_async);
  g_task_set_task_data (task, job, retained_job_free);
  g_task_run_in_thread (task, dup_retained_thread);
}

GPtrArray *
bd_engine_dup_retained_finish (GAsyncResult *result)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), NULL);
}

typedef struct
{
  BdEngine          *engine;
  const char        *client_id;
  BdSessionQueueInfo *info;
  gboolean           found;
} QueueInfoCall;

static gboolean
queue_info_cb (gpointer data)
{
  QueueInfoCall *call = data;
  BdSession *session = g_hash_table_lookup (call->engine->sessions, call->client_id);
  BdBridgeQueue *queue = call->engine->bridge_queues != NULL
                         ? g_hash_table_lookup (call->engine->bridge_queues, call->client_id)
                         : NULL;

  if (session != NULL)
    {
      BdQueued *oldest = g_queue_peek_head (&session->queue);
      BdOutgoing *inflight = g_queue_peek_head (&session->inflight_order);

      call->found = TRUE;
      call->info->queued = session->queue.length;
      call->info->inflight = session->outgoing ? g_hash_table_size (session->outgoing) : 0;
      /* The oldest waiting message: the first in flight, else the head. */
      if (inflight != NULL && inflight->message != NULL)
        call->info->oldest_us = inflight->message->time_us;
      else if (oldest != NULL)
        call->info->oldest_us = oldest->message->time_us;
    }
  if (queue != NULL)
    call->info->dropped = queue->dropped;
  return G_SOURCE_REMOVE;
}

gboolean
bd_engine_get_session_queue (BdEngine           *engine,
                             const char         *client_id,
                             BdSessionQueueInfo *info)
{
  QueueInfoCall call = { engine, client_id, info, FALSE };

  g_return_val_if_fail (client_id != NULL && info != NULL, FALSE);

  memset (info, 0, sizeof *info);
  if (!engine->running)
    return FALSE;
  engine_run_sync (engine, queue_info_cb, &call);
  return call.found;
}

void
bd_client_info_free (BdClientInfo *info)
{
  g_free (info->client_id);
  g_free (info->address);
  g_free (info->transport);
  g_free (info->tls_version);
  g_free (info);
}

static int
compare_clients (gconstpointer a,
                 gconstpointer b)
{
  const BdClientInfo *ca = *(BdClientInfo * const *) a;
  const BdClientInfo *cb = *(BdClientInfo * const *) b;

  return g_strcmp0 (ca->client_id, cb->client_id);
}

static gboolean
list_clients_cb (gpointer data)
{
  GTask *task = data;
  BdEngine *engine = g_task_get_task_data (task);
  GPtrArray *clients = g_ptr_array_new_with_free_func ((GDestroyNotify) bd_client_info_free);
  GHashTableIter iter;
  BdSession *session;

  BD_ENGINE_ASSERT_THREAD (engine);

  g_hash_table_iter_init (&iter, engine->sessions);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &session))
    {
      BdClientInfo *info = g_new0 (BdClientInfo, 1);

      info->client_id = g_strdup (session->client_id);
      info->connected = session->conn != NULL;
      info->address = session->conn ? g_strdup (session->conn->peer) : NULL;
      info->internal = session->conn != NULL &&
                       session->conn->listener->index == BD_LISTENER_INTERNAL;
      info->protocol_level = session->version;
      if (session->conn != NULL && session->conn->transport != NULL)
        {
          info->transport = g_strdup (_bd_transport_get_name (session->conn->transport));
          info->tls_version = g_strdup (_bd_transport_get_tls_version (session->conn->transport));
        }
      info->subscriptions = session->subscriptions ? g_hash_table_size (session->subscriptions) : 0;
      info->queued = session->queue.length;
      info->inflight = session->outgoing ? g_hash_table_size (session->outgoing) : 0;
      g_ptr_array_add (clients, info);
    }
  g_ptr_array_sort (clients, compare_clients);
  /* Completes in the caller's context (GTask remembers it). */
  g_task_return_pointer (task, clients, (GDestroyNotify) g_ptr_array_unref);
  return G_SOURCE_REMOVE;
}

void
bd_engine_list_clients_async (BdEngine            *engine,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, bd_engine_list_clients_async);
  g_task_set_task_data (task, bd_engine_ref (engine), (GDestroyNotify) bd_engine_unref);
  if (!engine->running)
    {
      g_task_return_new_error (task, BD_ENGINE_ERROR, BD_ENGINE_ERROR_STOPPED,
                               "The broker is not running");
      g_object_unref (task);
      return;
    }
  g_main_context_invoke_full (engine->context, G_PRIORITY_DEFAULT, list_clients_cb,
                              task, g_object_unref);
}

GPtrArray *
bd_engine_list_clients_finish (GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
