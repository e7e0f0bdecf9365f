/* bd-listener-apply.c — changing the listeners while the broker runs
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The certificate, password and ACL files of the new listeners are read on a
 * worker; the engine thread then matches the new listeners with the running
 * ones, binds the sockets it lacks (all of them before it changes anything,
 * so a port in use leaves the broker as it was) and swaps the set. Other
 * threads see the listeners only through the snapshot
 * _bd_engine_publish_listeners() replaces.
 */

#include "config.h"

#include <sys/epoll.h>
#include <unistd.h>

#include "bd-engine-private.h"

typedef struct
{
  BdEngine  *engine;   /* a reference, until the files are read */
  BdEngine  *running;  /* borrowed on the engine thread, which keeps it alive */
  GPtrArray *configs;  /* BdListenerConfig* (owned) */
  GPtrArray *tls;      /* BdTlsContext* or NULL, per config */
  GPtrArray *auths;    /* BdAuth* or NULL, per config */
} Apply;

static void
apply_free (gpointer data)
{
  Apply *apply = data;

  g_clear_pointer (&apply->configs, g_ptr_array_unref);
  g_clear_pointer (&apply->tls, g_ptr_array_unref);
  g_clear_pointer (&apply->auths, g_ptr_array_unref);
  g_clear_pointer (&apply->engine, bd_engine_unref);
  g_free (apply);
}

static void
read_files_thread (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  Apply *apply = task_data;
  GError *error = NULL;

  apply->tls = g_ptr_array_new_with_free_func ((GDestroyNotify) _bd_tls_context_unref);
  apply->auths = g_ptr_array_new_with_free_func ((GDestroyNotify) bd_auth_free);
  for (guint i = 0; i < apply->configs->len; i++)
    {
      BdListenerConfig *config = g_ptr_array_index (apply->configs, i);
      g_autoptr(BdTlsContext) tls = NULL;
      g_autoptr(BdAuth) auth = NULL;

      if (_bd_tls_listener_wants_tls (config))
        {
          tls = _bd_tls_context_new (config, &error);
          if (tls == NULL)
            {
              g_task_return_error (task, error);
              return;
            }
        }
      if (config->password_file != NULL || config->acl_file != NULL)
        {
          auth = bd_auth_new_from_files (config->password_file, config->acl_file, &error);
          if (auth == NULL)
            {
              g_task_return_error (task, error);
              return;
            }
        }
      g_ptr_array_add (apply->tls, g_steal_pointer (&tls));
      g_ptr_array_add (apply->auths, g_steal_pointer (&auth));
    }
  g_task_return_boolean (task, TRUE);
}

/* The same socket: what bd-listener.c binds. */
static gboolean
same_socket (const BdListenerConfig *a,
             const BdListenerConfig *b)
{
  return a->port == b->port && a->socket_domain == b->socket_domain &&
         g_strcmp0 (a->bind_address, b->bind_address) == 0 &&
         g_strcmp0 (a->unix_path, b->unix_path) == 0;
}

static void
disconnect_clients (BdEngine   *engine,
                    BdListener *listener,
                    const char *reason)
{
  g_autoptr(GPtrArray) gone = g_ptr_array_new ();

  for (GList *l = engine->connections.head; l != NULL; l = l->next)
    {
      BdConnection *conn = l->data;

      if (conn->listener == listener && conn->state != BD_CONN_CLOSED)
        g_ptr_array_add (gone, conn);
    }
  for (guint i = 0; i < gone->len; i++)
    {
      BdConnection *conn = g_ptr_array_index (gone, i);

      /* Not the client's fault, as at shutdown: no will. */
      g_clear_pointer (&conn->will, bd_message_unref);
      _bd_connection_disconnect (conn, BD_MQTT_RC_SERVER_SHUTTING_DOWN, reason);
    }
}

static BdListener *
find_auth (GPtrArray              *listeners,
           const BdListenerConfig *config)
{
  for (guint i = 0; i < listeners->len; i++)
    {
      BdListener *other = g_ptr_array_index (listeners, i);

      if (other->auth != NULL &&
          g_strcmp0 (other->config->password_file, config->password_file) == 0 &&
          g_strcmp0 (other->config->acl_file, config->acl_file) == 0)
        return other;
    }
  return NULL;
}

/* The BdAuth for @config: one a listener has for the same files, now or
 * before this change, else the one read for it now (the engine keeps it).
 * Reusing it matters: sessions borrow their listener's BdAuth, and a reload
 * reaches only the BdAuth objects listeners hold. */
static BdAuth *
take_auth (BdEngine               *engine,
           GPtrArray              *before,
           const BdListenerConfig *config,
           BdAuth                **fresh)
{
  BdListener *other;

  if (*fresh == NULL)
    return NULL;
  other = find_auth (engine->listeners, config);
  if (other == NULL)
    other = find_auth (before, config);
  if (other != NULL)
    {
      /* The same files, read again: its sessions see the new contents. */
      bd_auth_swap (other->auth, *fresh);
      return other->auth;
    }
  g_ptr_array_add (engine->auths, *fresh);
  return g_steal_pointer (fresh);
}

static gboolean
apply_cb (gpointer data)
{
  GTask *task = data;
  Apply *apply = g_task_get_task_data (task);
  BdEngine *engine = apply->running;
  guint n = apply->configs->len;
  g_autofree BdListener **kept = g_new0 (BdListener *, n);
  g_autoptr(GPtrArray) bound = g_ptr_array_new_with_free_func ((GDestroyNotify) _bd_listener_free);
  g_autoptr(GPtrArray) old = NULL;
  g_autoptr(GPtrArray) before = NULL;
  GError *error = NULL;

  BD_ENGINE_ASSERT_THREAD (engine);

  /* Match each new listener with a running one on the same socket, and bind
   * the others: nothing running is touched until every socket is there. */
  for (guint i = 0; i < n; i++)
    {
      BdListenerConfig *config = g_ptr_array_index (apply->configs, i);
      BdListener *listener = NULL;

      for (guint j = 0; j < engine->listeners->len && listener == NULL; j++)
        {
          BdListener *running = g_ptr_array_index (engine->listeners, j);
          gboolean taken = FALSE;

          for (guint k = 0; k < i; k++)
            taken |= kept[k] == running;
          if (!taken && same_socket (running->config, config))
            listener = running;
        }
      if (listener != NULL)
        {
          kept[i] = listener;
          continue;
        }
      if (!_bd_listener_bind (engine, config, &listener, &error))
        {
          g_task_return_error (task, error);
          return G_SOURCE_REMOVE;
        }
      g_ptr_array_add (bound, listener);
    }

  /* The swap. */
  old = g_steal_pointer (&engine->listeners);
  g_ptr_array_set_free_func (old, NULL);
  before = g_ptr_array_copy (old, NULL, NULL);
  engine->listeners = g_ptr_array_new_with_free_func ((GDestroyNotify) _bd_listener_free);
  for (guint i = 0; i < n; i++)
    {
      BdListenerConfig *config = g_ptr_array_index (apply->configs, i);
      BdTlsContext *tls = g_ptr_array_index (apply->tls, i);
      BdListener *listener = kept[i];
      /* Before a kept listener takes @config: its files were those of its
       * old one. */
      BdAuth *auth = take_auth (engine, before, config, (BdAuth **) &apply->auths->pdata[i]);

      if (listener != NULL)
        {
          gboolean transport_changed = listener->config->protocol != config->protocol ||
                                       (listener->tls != NULL) != (tls != NULL);

          g_ptr_array_remove (old, listener);
          listener->config = config;
          if (transport_changed)
            disconnect_clients (engine, listener, "listener changed");
          /* New handshakes use the files as they are now; connected clients
           * keep the context they started with (their SSL object holds it). */
          g_clear_pointer (&listener->tls, _bd_tls_context_unref);
          if (tls != NULL)
            {
              listener->tls = _bd_tls_context_ref (tls);
              if (_bd_tls_context_get_subject (tls) != NULL)
                g_message ("Listener %u: certificate %s", listener->port,
                           _bd_tls_context_get_subject (tls));
            }
        }
      else
        {
          listener = g_ptr_array_steal_index (bound, 0);
          listener->tls = tls != NULL ? _bd_tls_context_ref (tls) : NULL;
          _bd_engine_epoll_add (engine, listener->fd, listener, EPOLLIN);
          _bd_listener_log_listening (listener);
        }
      listener->auth = auth;
      listener->index = (guint16) engine->listeners->len;
      g_ptr_array_add (engine->listeners, listener);
    }

  /* What is left of the old set is closed, as on a shutdown. The structs stay
   * until the engine is freed: connections being freed still point at them. */
  for (guint i = 0; i < old->len; i++)
    {
      BdListener *listener = g_ptr_array_index (old, i);

      disconnect_clients (engine, listener, "listener closed");
      epoll_ctl (engine->epfd, EPOLL_CTL_DEL, listener->fd, NULL);
      _bd_listener_close (listener);
      if (listener->config->unix_path != NULL)
        g_message ("Listener on the Unix socket %s closed", listener->address);
      else
        g_message ("Listener on port %u closed", listener->port);
      g_ptr_array_add (engine->retired_listeners, listener);
    }
  _bd_engine_end_turn (engine);

  /* The configurations stay with the engine: snapshots point at them. */
  g_ptr_array_add (engine->applied_configs, g_steal_pointer (&apply->configs));
  _bd_engine_publish_listeners (engine);

  g_task_return_boolean (task, TRUE);
  return G_SOURCE_REMOVE;
}

static void
files_read_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  GTask *task = user_data;
  Apply *apply = g_task_get_task_data (task);
  g_autoptr(BdEngine) engine = g_steal_pointer (&apply->engine);
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  if (!engine->running)
    {
      g_task_return_new_error (task, BD_ENGINE_ERROR, BD_ENGINE_ERROR_STOPPED,
                               "The broker is not running");
      g_object_unref (task);
      return;
    }
  /* No reference on the engine thread: the last one dropped there would
   * have the thread wait for its own end. The engine lives while its
   * thread runs; freed first, it drops the task unanswered. */
  apply->running = engine;
  g_main_context_invoke_full (engine->context, G_PRIORITY_DEFAULT, apply_cb, task,
                              g_object_unref);
}

void
bd_engine_apply_listeners_async (BdEngine            *engine,
                                 GPtrArray           *listener_configs,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  GTask *task;
  g_autoptr(GTask) read = NULL;
  Apply *apply;

  g_return_if_fail (engine != NULL && listener_configs != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, bd_engine_apply_listeners_async);
  apply = g_new0 (Apply, 1);
  apply->engine = bd_engine_ref (engine);
  apply->configs = listener_configs;
  /* The task's data is read on the worker, then on the engine thread: one
   * after the other, never at once. */
  g_task_set_task_data (task, apply, apply_free);
  read = g_task_new (NULL, cancellable, files_read_cb, task);
  g_task_set_task_data (read, apply, NULL);
  g_task_run_in_thread (read, read_files_thread);
}

gboolean
bd_engine_apply_listeners_finish (GAsyncResult  *result,
                                  GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
