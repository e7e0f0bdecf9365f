/* bd-handshaker.c — TLS handshakes on a thread of their own
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The step of a TLS handshake that answers a ClientHello signs and derives
 * keys: 0.5-0.8 ms of CPU. Inside the engine's loop a storm of new
 * connections (a plant restarting) put those steps between the messages of
 * the clients already connected. So a new TLS connection is watched by this
 * worker's own epoll until its handshake is over: the worker steps it on
 * readiness, and hands it back to the engine through an eventfd in the
 * engine's epoll, done or with the reason it failed. The engine keeps the
 * BdConnection (it counts against max_connections from its accept) but does
 * not touch its transport while the worker holds it; ending such a
 * connection takes it back first (_bd_handshaker_cancel). OpenSSL lets an
 * SSL object move between threads as long as one thread uses it at a time.
 */

#include "config.h"

#include <errno.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "bd-engine-private.h"

#define WORKER_BATCH 64
/* How often the worker looks for handshakes over their time. */
#define TIMEOUT_CHECK_MS 250

typedef struct
{
  BdConnection *conn;
  char         *reason;  /* NULL: the handshake is done */
} BdHandshakeDone;

struct _BdHandshaker
{
  BdPollKind    kind;     /* BD_POLL_HANDSHAKER: done_fd in the engine's epoll */
  BdEngine     *engine;
  GThread      *thread;
  int           epfd;     /* the worker's */
  int           wake_fd;  /* in the worker's epoll: stop */
  int           done_fd;  /* in the engine's epoll: handshakes handed back */

  GMutex        lock;
  GCond         idle;     /* busy went back to NULL */
  GHashTable   *held;     /* BdConnection* the worker holds */
  BdConnection *busy;     /* being stepped, outside the lock */
  GArray       *done;     /* BdHandshakeDone, for the engine to take */
  gboolean      quit;
};

static void
done_clear (gpointer data)
{
  g_free (((BdHandshakeDone *) data)->reason);
}

/* With the lock held: @conn leaves the worker for the engine. */
static void
handshaker_hand_back (BdHandshaker *self,
                      BdConnection *conn,
                      char         *reason)
{
  BdHandshakeDone done = { conn, reason };
  guint64 one = 1;

  g_hash_table_remove (self->held, conn);
  epoll_ctl (self->epfd, EPOLL_CTL_DEL, conn->fd, NULL);
  g_array_append_val (self->done, done);
  if (self->done->len == 1 && write (self->done_fd, &one, sizeof one) < 0)
    g_warning ("Cannot wake the engine for a TLS handshake: %s", g_strerror (errno));
}

/* Steps @conn's handshake, outside the lock. Returns FALSE while it goes
 * on, else TRUE with *reason NULL (done) or why it failed: the words the
 * engine's own reading would have logged. */
static gboolean
handshaker_step (BdConnection  *conn,
                 char         **reason)
{
  BdTransport *tls = _bd_tls_transport_find (conn->transport);
  gssize n = _bd_tls_transport_handshake (tls);

  *reason = NULL;
  if (n > 0)
    return TRUE;
  if (n == 0)
    {
      *reason = g_strdup ("connection closed during the handshake");
      return TRUE;
    }
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
    return FALSE;
  *reason = g_strdup (_bd_transport_strerror (tls, errno));
  return TRUE;
}

static void
handshaker_check_timeouts (BdHandshaker *self,
                           gint64        now_us)
{
  g_autoptr(GPtrArray) late = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, self->held);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (now_us - ((BdConnection *) key)->accepted_us > BD_HANDSHAKE_TIMEOUT_US)
      g_ptr_array_add (late, key);
  for (guint i = 0; i < late->len; i++)
    handshaker_hand_back (self, g_ptr_array_index (late, i),
                          g_strdup ("handshake not completed in time"));
}

static gpointer
handshaker_thread (gpointer data)
{
  BdHandshaker *self = data;
  gint64 next_check = 0;

  for (;;)
    {
      struct epoll_event events[WORKER_BATCH];
      int n = epoll_wait (self->epfd, events, WORKER_BATCH, TIMEOUT_CHECK_MS);
      gint64 now;

      g_mutex_lock (&self->lock);
      for (int i = 0; i < n && !self->quit; i++)
        {
          BdConnection *conn = events[i].data.ptr;
          gboolean over;
          char *reason;

          /* Taken back by the engine since the wait (and maybe freed). */
          if (conn == NULL || !g_hash_table_contains (self->held, conn))
            continue;
          self->busy = conn;
          g_mutex_unlock (&self->lock);
          over = handshaker_step (conn, &reason);
          g_mutex_lock (&self->lock);
          self->busy = NULL;
          g_cond_broadcast (&self->idle);
          /* The engine waited for the step to end before taking it back. */
          if (!g_hash_table_contains (self->held, conn))
            g_free (reason);
          else if (over)
            handshaker_hand_back (self, conn, reason);
          else
            {
              struct epoll_event ev = {
                .events = _bd_tls_transport_find (conn->transport)->read_waits,
                .data.ptr = conn,
              };

              epoll_ctl (self->epfd, EPOLL_CTL_MOD, conn->fd, &ev);
            }
        }
      if (self->quit)
        {
          g_mutex_unlock (&self->lock);
          break;
        }
      now = g_get_monotonic_time ();
      if (now >= next_check)
        {
          handshaker_check_timeouts (self, now);
          next_check = now + TIMEOUT_CHECK_MS * 1000;
        }
      g_mutex_unlock (&self->lock);
    }
  return NULL;
}

static BdHandshaker *
handshaker_new (BdEngine *engine)
{
  BdHandshaker *self = g_new0 (BdHandshaker, 1);
  struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };

  self->kind = BD_POLL_HANDSHAKER;
  self->engine = engine;
  self->epfd = epoll_create1 (EPOLL_CLOEXEC);
  self->wake_fd = eventfd (0, EFD_CLOEXEC | EFD_NONBLOCK);
  self->done_fd = eventfd (0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (self->epfd < 0 || self->wake_fd < 0 || self->done_fd < 0 ||
      epoll_ctl (self->epfd, EPOLL_CTL_ADD, self->wake_fd, &ev) < 0 ||
      !_bd_engine_epoll_add (engine, self->done_fd, self, EPOLLIN))
    {
      g_warning ("Cannot start the TLS handshake thread: %s", g_strerror (errno));
      if (self->epfd >= 0)
        close (self->epfd);
      if (self->wake_fd >= 0)
        close (self->wake_fd);
      if (self->done_fd >= 0)
        close (self->done_fd);
      g_free (self);
      return NULL;
    }
  g_mutex_init (&self->lock);
  g_cond_init (&self->idle);
  self->held = g_hash_table_new (NULL, NULL);
  self->done = g_array_new (FALSE, FALSE, sizeof (BdHandshakeDone));
  g_array_set_clear_func (self->done, done_clear);
  /* At most 15 bytes, as the engine's. */
  self->thread = g_thread_new ("bd-handshakes", handshaker_thread, self);
  return self;
}

/* Hands @conn, whose transport is TLS and still in its handshake, to the
 * worker (started with the first one). FALSE when there is none: the
 * engine then does the handshake itself. */
gboolean
_bd_handshaker_add (BdEngine     *engine,
                    BdConnection *conn)
{
  BdHandshaker *self;
  struct epoll_event ev = { .events = EPOLLIN, .data.ptr = conn };
  gboolean added;

  BD_ENGINE_ASSERT_THREAD (engine);

  if (engine->handshaker == NULL)
    engine->handshaker = handshaker_new (engine);
  self = engine->handshaker;
  if (self == NULL)
    return FALSE;

  g_mutex_lock (&self->lock);
  added = epoll_ctl (self->epfd, EPOLL_CTL_ADD, conn->fd, &ev) == 0;
  if (added)
    g_hash_table_add (self->held, conn);
  g_mutex_unlock (&self->lock);
  return added;
}

/* Takes @conn back from the worker, done or not: the worker no longer
 * touches it once this returns (it may wait for the step under way). */
void
_bd_handshaker_cancel (BdEngine     *engine,
                       BdConnection *conn)
{
  BdHandshaker *self = engine->handshaker;

  g_mutex_lock (&self->lock);
  while (self->busy == conn)
    g_cond_wait (&self->idle, &self->lock);
  if (g_hash_table_remove (self->held, conn))
    epoll_ctl (self->epfd, EPOLL_CTL_DEL, conn->fd, NULL);
  for (guint i = 0; i < self->done->len; i++)
    if (g_array_index (self->done, BdHandshakeDone, i).conn == conn)
      {
        g_array_remove_index (self->done, i);
        break;
      }
  g_mutex_unlock (&self->lock);
}

/* In the engine's turn: the connections the worker handed back go on as
 * the engine's own, or end with the reason their handshake failed. */
void
_bd_handshaker_on_ready (BdHandshaker *self)
{
  BdEngine *engine = self->engine;
  g_autoptr(GArray) done = NULL;
  guint64 count;

  BD_ENGINE_ASSERT_THREAD (engine);

  if (read (self->done_fd, &count, sizeof count) < 0 && errno != EAGAIN)
    g_warning ("Cannot read the TLS handshake thread's eventfd: %s", g_strerror (errno));

  g_mutex_lock (&self->lock);
  done = g_steal_pointer (&self->done);
  self->done = g_array_new (FALSE, FALSE, sizeof (BdHandshakeDone));
  g_array_set_clear_func (self->done, done_clear);
  g_mutex_unlock (&self->lock);

  for (guint i = 0; i < done->len; i++)
    {
      BdHandshakeDone *item = &g_array_index (done, BdHandshakeDone, i);

      _bd_connection_handshake_done (item->conn, item->reason);
    }
}

/* Stops the worker; the engine thread is gone, and with it every
 * connection the worker held. */
void
_bd_handshaker_free (BdHandshaker *self)
{
  guint64 one = 1;

  g_mutex_lock (&self->lock);
  self->quit = TRUE;
  g_mutex_unlock (&self->lock);
  if (write (self->wake_fd, &one, sizeof one) < 0)
    g_warning ("Cannot wake the TLS handshake thread: %s", g_strerror (errno));
  g_thread_join (self->thread);

  g_assert (g_hash_table_size (self->held) == 0);
  g_hash_table_unref (self->held);
  g_array_unref (self->done);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->idle);
  close (self->epfd);
  close (self->wake_fd);
  close (self->done_fd);
  g_free (self);
}
