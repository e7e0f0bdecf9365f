/* bd-broker-setup.c — from command-line options to a configured engine
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bd-broker-setup.h"

static gboolean
address_is_loopback (const char *address)
{
  g_autoptr(GInetAddress) inet = NULL;

  if (address == NULL)
    return FALSE;
  if (g_strcmp0 (address, "localhost") == 0)
    return TRUE;
  inet = g_inet_address_new_from_string (address);
  return inet != NULL && g_inet_address_get_is_loopback (inet);
}

BdEngine *
bd_broker_setup (const BdOptions *options,
                 GError         **error)
{
  g_autoptr(BdBrokerConfig) config = bd_broker_config_new ();
  g_autofree char *data_dir = bd_options_dup_data_dir (options);
  BdListenerConfig *first;
  BdEngine *engine;

  if (options->config_file != NULL)
    {
      if (!bd_broker_config_load (config, options->config_file, error))
        return NULL;
    }
  else
    {
      /* Without a mosquitto.conf, Brokerdesk's own defaults: the broker state
       * is kept in the data directory, so that a crash loses little, saved
       * every minute rather than Mosquitto's half hour. */
      config->persistence = TRUE;
      config->autosave_interval = 60;
    }
  bd_broker_config_finish (config);

  /* --port and --bind override the default (first) listener. */
  first = g_ptr_array_index (config->listeners, 0);
  if (options->port >= 0)
    first->port = options->port;
  if (options->bind_address != NULL)
    {
      g_free (first->bind_address);
      first->bind_address = g_strdup (options->bind_address);
    }

  for (guint i = 0; i < config->listeners->len; i++)
    {
      BdListenerConfig *listener = g_ptr_array_index (config->listeners, i);

      if (config->allow_anonymous && !address_is_loopback (listener->bind_address))
        g_warning ("Anonymous clients may connect to port %u from other machines "
                   "(allow_anonymous is true on a listener beyond loopback)", listener->port);
    }

  if (g_mkdir_with_parents (data_dir, 0700) < 0)
    {
      int saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   _("Cannot create the data directory %s: %s"), data_dir, g_strerror (saved));
      return NULL;
    }

  engine = bd_engine_new (g_steal_pointer (&config));
  bd_engine_set_data_dir (engine, data_dir);
  return engine;
}

/*
 * The log. Lines are written by a thread of their own through a bounded
 * queue: whoever logs (the engine thread above all) only formats and
 * queues, and never waits for standard error, which may be a pipe nobody
 * reads. When the queue is full, lines are dropped and counted, and the
 * count is reported once the writer gets through again.
 */
#define LOG_QUEUE_MAX        1024
/* Longest message kept; client-supplied parts are capped before this. */
#define LOG_MESSAGE_MAX      2048
/* At exit, how long queued lines may take to go out. */
#define LOG_FLUSH_TIMEOUT_US (2 * G_USEC_PER_SEC)

static GMutex   log_lock;
static GCond    log_queued_cond;
static GCond    log_idle_cond;
static GQueue   log_queue = G_QUEUE_INIT;  /* of char*, each ending in '\n' */
static guint    log_dropped;
static gboolean log_writing;

static void
log_write_all (const char *data,
               gsize       len)
{
  while (len > 0)
    {
      ssize_t n = write (STDERR_FILENO, data, len);

      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          return;
        }
      data += n;
      len -= n;
    }
}

static char *
log_format_line (const char *level,
                 const char *message)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y-%m-%dT%H:%M:%S");
  gsize len = strlen (message);

  if (len > LOG_MESSAGE_MAX)
    {
      const char *end = g_utf8_find_prev_char (message, message + LOG_MESSAGE_MAX + 1);

      return g_strdup_printf ("%s %s: %.*s…\n", stamp, level,
                              (int) (end != NULL ? end - message : LOG_MESSAGE_MAX), message);
    }
  return g_strdup_printf ("%s %s: %s\n", stamp, level, message);
}

static gpointer
log_thread_func (gpointer data)
{
  g_mutex_lock (&log_lock);
  for (;;)
    {
      GQueue batch;
      guint dropped;
      char *line;

      while (log_queue.length == 0 && log_dropped == 0)
        g_cond_wait (&log_queued_cond, &log_lock);
      batch = log_queue;
      g_queue_init (&log_queue);
      dropped = log_dropped;
      log_dropped = 0;
      log_writing = TRUE;
      g_mutex_unlock (&log_lock);

      while ((line = g_queue_pop_head (&batch)) != NULL)
        {
          log_write_all (line, strlen (line));
          g_free (line);
        }
      if (dropped > 0)
        {
          g_autofree char *message = g_strdup_printf ("%u log line%s dropped: standard error "
                                                      "was not being read", dropped,
                                                      dropped == 1 ? "" : "s");
          g_autofree char *report = log_format_line ("warning", message);

          log_write_all (report, strlen (report));
        }

      g_mutex_lock (&log_lock);
      log_writing = FALSE;
      g_cond_broadcast (&log_idle_cond);
    }
  return NULL;
}

/* Waits a bounded time for the queued lines to be written. */
static void
log_flush (void)
{
  gint64 deadline = g_get_monotonic_time () + LOG_FLUSH_TIMEOUT_US;

  g_mutex_lock (&log_lock);
  while (log_queue.length > 0 || log_dropped > 0 || log_writing)
    if (!g_cond_wait_until (&log_idle_cond, &log_lock, deadline))
      break;
  g_mutex_unlock (&log_lock);
}

static GLogWriterOutput
log_writer (GLogLevelFlags   log_level,
            const GLogField *fields,
            gsize            n_fields,
            gpointer         user_data)
{
  const char *message = NULL;
  const char *level;
  char *line;

  if (g_log_writer_default_would_drop (log_level, NULL))
    {
      /* GLib drops info along with debug unless G_MESSAGES_DEBUG says so;
       * a broker's log shows info (connections) by default, like Mosquitto. */
      if (!(log_level & G_LOG_LEVEL_INFO))
        return G_LOG_WRITER_HANDLED;
    }

  for (gsize i = 0; i < n_fields; i++)
    if (g_strcmp0 (fields[i].key, "MESSAGE") == 0)
      message = fields[i].value;

  switch (log_level & G_LOG_LEVEL_MASK)
    {
    case G_LOG_LEVEL_ERROR:    level = "error"; break;
    case G_LOG_LEVEL_CRITICAL: level = "critical"; break;
    case G_LOG_LEVEL_WARNING:  level = "warning"; break;
    case G_LOG_LEVEL_MESSAGE:  level = "notice"; break;
    case G_LOG_LEVEL_INFO:     level = "info"; break;
    default:                   level = "debug"; break;
    }

  line = log_format_line (level, message ? message : "");
  g_mutex_lock (&log_lock);
  if (log_queue.length < LOG_QUEUE_MAX)
    {
      g_queue_push_tail (&log_queue, line);
      line = NULL;
    }
  else
    log_dropped++;
  g_cond_signal (&log_queued_cond);
  g_mutex_unlock (&log_lock);
  g_free (line);

  /* An error aborts the process: what it says must be out first. */
  if (log_level & G_LOG_FLAG_FATAL)
    log_flush ();
  return G_LOG_WRITER_HANDLED;
}

void
bd_log_install_writer (void)
{
  g_thread_unref (g_thread_new ("bd-log", log_thread_func, NULL));
  atexit (log_flush);
  g_log_set_writer_func (log_writer, NULL, NULL);
}
