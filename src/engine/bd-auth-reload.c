/* bd-auth-reload.c — reading the password and ACL files again at run time
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The files are loaded into fresh BdAuth objects on a worker, and their
 * contents exchanged with the listeners' on the engine thread
 * (bd_auth_swap), so sessions, which borrow their listener's BdAuth, see the
 * new users and rules without being touched.
 *
 * The TLS listeners' certificates, keys, CAs and revocation lists are read
 * again the same way, into a new BdTlsContext that replaces the listener's:
 * new handshakes use it, while each connected client's SSL object keeps a
 * reference to the SSL_CTX it started with, so nobody is dropped. A file that
 * cannot be used (unreadable, a key that does not match, an expired
 * certificate) is logged with the configuration line that names it, and that
 * listener keeps its previous certificate: a renewal gone wrong must not take
 * the plant's encrypted listener away.
 */

#include "config.h"

#include "bd-auth-reload.h"
#include "bd-engine-private.h"

typedef struct
{
  BdEngine  *engine;   /* a reference, but borrowed on the engine thread */
  gboolean   borrowed;
  GPtrArray *listeners; /* BdListenerInfo*: the snapshot the files were read for */
  GPtrArray *loaded;   /* BdAuth* (or NULL) per listener, in that snapshot's order */
  GPtrArray *tls;      /* BdTlsContext* (or NULL: none, or not usable), likewise */
  GError    *error;    /* why the password or ACL files were not loaded */
  GTask     *task;     /* on the engine thread's way back */
} Reload;

static void
reload_free (gpointer data)
{
  Reload *reload = data;

  g_clear_pointer (&reload->listeners, g_ptr_array_unref);
  g_clear_pointer (&reload->loaded, g_ptr_array_unref);
  g_clear_pointer (&reload->tls, g_ptr_array_unref);
  g_clear_error (&reload->error);
  if (!reload->borrowed)
    bd_engine_unref (reload->engine);
  g_free (reload);
}

/* Runs on a worker: the listeners' configurations in a snapshot do not
 * change (bd_engine_apply_listeners_async() replaces them), so they may be
 * read from here. */
static void
load_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  Reload *reload = task_data;
  GPtrArray *listeners = reload->listeners = bd_engine_dup_listeners (reload->engine);
  GError *error = NULL;

  reload->tls = g_ptr_array_new_with_free_func ((GDestroyNotify) _bd_tls_context_unref);
  for (guint i = 0; i < listeners->len; i++)
    {
      BdListenerInfo *info = g_ptr_array_index (listeners, i);
      const BdListenerConfig *listener = info->config;
      BdTlsContext *tls = NULL;

      if (_bd_tls_listener_wants_tls (listener))
        {
          tls = _bd_tls_context_new (listener, &error);
          if (tls == NULL)
            {
              g_warning ("%s; the listener keeps its previous certificate", error->message);
              g_clear_error (&error);
            }
        }
      g_ptr_array_add (reload->tls, tls);
    }

  reload->loaded = g_ptr_array_new_with_free_func ((GDestroyNotify) bd_auth_free);
  for (guint i = 0; i < listeners->len; i++)
    {
      BdListenerInfo *info = g_ptr_array_index (listeners, i);
      const BdListenerConfig *listener = info->config;
      g_autoptr(BdAuth) auth = NULL;

      if (listener->password_file != NULL || listener->acl_file != NULL)
        {
          auth = bd_auth_new_from_files (listener->password_file, listener->acl_file, &error);
          if (auth == NULL)
            {
              /* The certificates are put in place all the same. */
              reload->error = error;
              g_clear_pointer (&reload->loaded, g_ptr_array_unref);
              break;
            }
        }
      g_ptr_array_add (reload->loaded, g_steal_pointer (&auth));
    }
  g_task_return_boolean (task, TRUE);
}

/* Where @listener was in the snapshot the files were read for; not there
 * when the listeners changed in between (they read their files then). */
static gboolean
find_listener (Reload     *reload,
               BdListener *listener,
               guint      *index)
{
  for (guint i = 0; i < reload->listeners->len; i++)
    if (((BdListenerInfo *) g_ptr_array_index (reload->listeners, i))->config == listener->config)
      {
        *index = i;
        return TRUE;
      }
  return FALSE;
}

/* Each TLS listener whose files were read again takes its new context. */
static void
apply_tls (BdEngine *engine,
           Reload   *reload)
{
  for (guint i = 0; i < engine->listeners->len; i++)
    {
      BdListener *listener = g_ptr_array_index (engine->listeners, i);
      BdTlsContext *fresh = NULL;
      g_autoptr(GDateTime) until = NULL;
      g_autofree char *when = NULL;
      guint index;

      if (find_listener (reload, listener, &index) &&
          index < reload->tls->len)
        fresh = g_ptr_array_index (reload->tls, index);
      if (listener->tls == NULL || fresh == NULL)
        continue;
      g_clear_pointer (&listener->tls, _bd_tls_context_unref);
      listener->tls = _bd_tls_context_ref (fresh);
      until = g_date_time_new_from_unix_utc (_bd_tls_context_get_not_after (fresh));
      when = until != NULL ? g_date_time_format (until, "%Y-%m-%d %H:%M:%S UTC") : NULL;
      if (_bd_tls_context_get_subject (fresh) == NULL)
        g_message ("Listener %u: TLS-PSK keys reloaded", listener->port);
      else
        g_message ("Listener %u: certificate reloaded (%s, valid until %s)", listener->port,
                   _bd_tls_context_get_subject (fresh), when != NULL ? when : "an unknown date");
    }
}

static gboolean
apply_cb (gpointer data)
{
  Reload *reload = data;
  BdEngine *engine = reload->engine;
  g_autoptr(GPtrArray) swapped = g_ptr_array_new ();
  g_autoptr(GPtrArray) gone = g_ptr_array_new ();
  GHashTableIter iter;
  BdSession *session;

  apply_tls (engine, reload);
  if (reload->error != NULL)
    {
      g_task_return_error (reload->task, g_steal_pointer (&reload->error));
      g_clear_object (&reload->task);
      return G_SOURCE_REMOVE;
    }

  /* Listeners with the same files share one BdAuth: it is exchanged once. */
  for (guint i = 0; i < engine->listeners->len; i++)
    {
      BdListener *listener = g_ptr_array_index (engine->listeners, i);
      BdAuth *fresh = NULL;
      guint index;

      if (find_listener (reload, listener, &index) &&
          index < reload->loaded->len)
        fresh = g_ptr_array_index (reload->loaded, index);
      if (listener->auth == NULL || fresh == NULL ||
          g_ptr_array_find (swapped, listener->auth, NULL))
        continue;
      bd_auth_swap (listener->auth, fresh);
      g_ptr_array_add (swapped, listener->auth);
    }

  /* Collected first: a disconnect may end a clean session, which edits the
   * table. */
  g_hash_table_iter_init (&iter, engine->sessions);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &session))
    {
      if (session->conn == NULL || session->conn->state == BD_CONN_CLOSED ||
          session->username == NULL || session->auth == NULL ||
          !g_ptr_array_find (swapped, session->auth, NULL) ||
          !bd_auth_has_passwords (session->auth) ||
          bd_auth_has_user (session->auth, session->username))
        continue;
      g_ptr_array_add (gone, session->conn);
    }
  for (guint i = 0; i < gone->len; i++)
    {
      BdConnection *conn = g_ptr_array_index (gone, i);

      g_message ("Client %s disconnected: its user %s is no longer in the password file",
                 conn->session->client_id, conn->session->username);
      _bd_connection_disconnect (conn, BD_MQTT_RC_NOT_AUTHORIZED,
                                 "user removed from the password file");
    }

  g_task_return_int (reload->task, (gssize) gone->len);
  g_clear_object (&reload->task);
  return G_SOURCE_REMOVE;
}

static void
loaded_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GTask *load = G_TASK (result);
  Reload *reload = g_task_get_task_data (load);
  GError *error = NULL;
  Reload *apply;

  if (!g_task_propagate_boolean (load, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  apply = g_new0 (Reload, 1);
  /* No reference on the engine thread: the last one dropped there would
   * have the thread wait for its own end. The engine lives while its
   * thread runs; freed first, it drops this unanswered. */
  apply->engine = reload->engine;
  apply->borrowed = TRUE;
  apply->listeners = g_steal_pointer (&reload->listeners);
  apply->loaded = g_steal_pointer (&reload->loaded);
  apply->tls = g_steal_pointer (&reload->tls);
  apply->error = g_steal_pointer (&reload->error);
  apply->task = g_steal_pointer (&task);
  g_main_context_invoke_full (reload->engine->context, G_PRIORITY_DEFAULT, apply_cb, apply,
                              reload_free);
}

void
bd_engine_reload_auth_async (BdEngine            *engine,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  GTask *task;
  g_autoptr(GTask) load = NULL;
  Reload *reload;

  g_return_if_fail (engine != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, bd_engine_reload_auth_async);
  reload = g_new0 (Reload, 1);
  reload->engine = bd_engine_ref (engine);
  load = g_task_new (NULL, cancellable, loaded_cb, task);
  g_task_set_task_data (load, reload, reload_free);
  g_task_run_in_thread (load, load_thread);
}

int
bd_engine_reload_auth_finish (GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), -1);

  return (int) g_task_propagate_int (G_TASK (result), error);
}

typedef struct
{
  BdEngine *engine;  /* borrowed, as in loaded_cb () */
  gboolean  allow;
  GTask    *task;
} SetAnonymous;

static void
set_anonymous_free (gpointer data)
{
  SetAnonymous *set = data;

  g_clear_object (&set->task);
  g_free (set);
}

/* Anonymous as bd-handle-connect.c decides it: no user name, or a user name
 * on a listener without a password file, which proves nothing. */
static gboolean
session_is_anonymous (BdSession *session)
{
  return session->username == NULL || session->auth == NULL ||
         !bd_auth_has_passwords (session->auth);
}

static gboolean
set_anonymous_cb (gpointer data)
{
  SetAnonymous *set = data;
  BdEngine *engine = set->engine;
  g_autoptr(GPtrArray) gone = g_ptr_array_new ();
  GHashTableIter iter;
  BdSession *session;

  /* The listeners' configurations belong to the engine; only this thread
   * reads allow_anonymous (on CONNECT). Those of the start and those
   * running now, which bd_engine_apply_listeners_async() may have changed. */
  for (guint i = 0; i < engine->config->listeners->len; i++)
    {
      BdListenerConfig *listener = g_ptr_array_index (engine->config->listeners, i);

      listener->allow_anonymous = set->allow;
      listener->allow_anonymous_set = TRUE;
    }
  for (guint i = 0; i < engine->listeners->len; i++)
    {
      BdListener *listener = g_ptr_array_index (engine->listeners, i);

      listener->config->allow_anonymous = set->allow;
      listener->config->allow_anonymous_set = TRUE;
    }
  engine->config->allow_anonymous = set->allow;
  engine->config->allow_anonymous_set = TRUE;
  if (set->allow)
    {
      g_task_return_int (set->task, 0);
      return G_SOURCE_REMOVE;
    }

  g_hash_table_iter_init (&iter, engine->sessions);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &session))
    {
      if (session->conn == NULL || session->conn->state == BD_CONN_CLOSED ||
          !session_is_anonymous (session))
        continue;
      g_ptr_array_add (gone, session->conn);
    }
  for (guint i = 0; i < gone->len; i++)
    {
      BdConnection *conn = g_ptr_array_index (gone, i);

      g_message ("Client %s disconnected: anonymous access was turned off",
                 conn->session->client_id);
      _bd_connection_disconnect (conn, BD_MQTT_RC_NOT_AUTHORIZED, "anonymous access turned off");
    }
  g_task_return_int (set->task, (gssize) gone->len);
  return G_SOURCE_REMOVE;
}

void
bd_engine_set_allow_anonymous_async (BdEngine            *engine,
                                     gboolean             allow,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  SetAnonymous *set;

  g_return_if_fail (engine != NULL);

  set = g_new0 (SetAnonymous, 1);
  set->engine = engine;
  set->allow = !!allow;
  set->task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (set->task, bd_engine_set_allow_anonymous_async);
  g_main_context_invoke_full (engine->context, G_PRIORITY_DEFAULT, set_anonymous_cb, set,
                              set_anonymous_free);
}

int
bd_engine_set_allow_anonymous_finish (GAsyncResult  *result,
                                      GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), -1);

  return (int) g_task_propagate_int (G_TASK (result), error);
}
