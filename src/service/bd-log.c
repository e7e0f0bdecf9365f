/* bd-log.c — the broker's log: Mosquitto's log options, written off the engine thread
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Lines are written by a thread of their own through a bounded queue:
 * whoever logs (the engine thread above all) only filters, formats and
 * queues, and never waits for a destination, which may be a pipe nobody
 * reads or a slow disk. When the queue is full, lines are dropped and
 * counted, and the count is reported once the writer gets through again.
 *
 * The settings (log_type, log_dest, log_timestamp, log_timestamp_format)
 * are read under the same lock as the queue; the writer thread takes a copy
 * of the destinations with each batch, so a reconfiguration never closes a
 * file under it.
 *
 * 'log_dest topic' publishes each line as Mosquitto does: on
 * $SYS/broker/log/LETTER (E, W, N, I, M/subscribe, M/unsubscribe, WS; debug
 * lines never), the payload being the line without its level, after
 * Mosquitto's timestamp ("SECONDS: " or log_timestamp_format's). The writer
 * thread hands the lines to the engine, which queues them for its own
 * thread; a line logged while the engine delivers a log line is not
 * published again. The log carries no secrets (no password, no payload), so
 * neither do these topics.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <gio/gio.h>

#include "bd-log.h"
#include "bd-settings-file.h"
#include "bd-sys.h"

#define LOG_QUEUE_MAX        1024
/* Longest message kept; client-supplied parts are capped before this. */
#define LOG_MESSAGE_MAX      2048
/* At exit, how long queued lines may take to go out. */
#define LOG_FLUSH_TIMEOUT_US (2 * G_USEC_PER_SEC)
#define DEFAULT_TYPES        (BD_LOG_TYPE_ERROR | BD_LOG_TYPE_WARNING | BD_LOG_TYPE_NOTICE | \
                              BD_LOG_TYPE_INFORMATION)

enum
{
  DEST_STDERR = 1 << 0,
  DEST_STDOUT = 1 << 1,
  DEST_SYSLOG = 1 << 2,
  DEST_FILE   = 1 << 3,
  DEST_TOPIC  = 1 << 4,
};

typedef struct
{
  char *line;       /* with its timestamp and level, ending in '\n' */
  char *message;    /* without them, for syslog */
  int   priority;   /* syslog's */
  const char *topic;   /* log_dest topic: where to publish; NULL = not */
  char       *payload; /* what to publish there */
} Line;

/* A file destination, shared by the settings and the batches being written
 * (reference counted: a reconfiguration may replace it mid-batch). */
typedef struct
{
  gint ref_count;
  int  fd;
} LogFile;

static GMutex   log_lock;
static GCond    log_queued_cond;
static GCond    log_idle_cond;
static GQueue   log_queue = G_QUEUE_INIT;  /* of Line* */
static guint    log_dropped;
static gboolean log_writing;
/* the settings, under log_lock */
static guint    log_types = DEFAULT_TYPES;
static guint    log_dests = DEST_STDERR;
static LogFile *log_file;
static gboolean log_timestamp = TRUE;
static char    *log_timestamp_format;
static BdEngine *log_engine;   /* publishes log_dest topic's lines; NULL = none */

static LogFile *
log_file_ref (LogFile *file)
{
  if (file != NULL)
    g_atomic_int_inc (&file->ref_count);
  return file;
}

static void
log_file_unref (LogFile *file)
{
  if (file != NULL && g_atomic_int_dec_and_test (&file->ref_count))
    {
      close (file->fd);
      g_free (file);
    }
}

static void
line_free (Line *line)
{
  g_free (line->line);
  g_free (line->message);
  g_free (line->payload);
  g_free (line);
}

/* The time now in log_timestamp_format, into @buffer of 256 bytes; FALSE
 * when strftime gives nothing. With log_lock held. */
static gboolean
format_with_timestamp_format (char *buffer)
{
  struct tm tm;
  time_t now;

  /* Mosquitto passes the format to strftime: so do we, for the same output.
   * The format is the administrator's own configuration line. */
  now = time (NULL);
  localtime_r (&now, &tm);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
  return strftime (buffer, 256, log_timestamp_format, &tm) != 0;
#pragma GCC diagnostic pop
}

/* With log_lock held. */
static char *
format_stamp (void)
{
  char buffer[256];

  if (!log_timestamp)
    return g_strdup ("");
  if (log_timestamp_format == NULL)
    {
      g_autoptr(GDateTime) date = g_date_time_new_now_local ();
      g_autofree char *stamp = g_date_time_format (date, "%Y-%m-%dT%H:%M:%S");

      return g_strconcat (stamp, " ", NULL);
    }
  if (!format_with_timestamp_format (buffer))
    return g_strdup ("");
  return g_strconcat (buffer, " ", NULL);
}

/* Mosquitto's stamp on a published line: the log_timestamp_format, or the
 * time in seconds since the epoch. With log_lock held. */
static char *
format_topic_payload (const char *message)
{
  char buffer[256];

  if (!log_timestamp)
    return g_strdup (message);
  if (log_timestamp_format == NULL)
    return g_strdup_printf ("%" G_GINT64_FORMAT ": %s", (gint64) time (NULL), message);
  if (!format_with_timestamp_format (buffer))
    return g_strdup_printf ("Time error: %s", message);
  return g_strdup_printf ("%s: %s", buffer, message);
}

/* Mosquitto's topic for a line of @type; NULL for debug lines, which it
 * never publishes. */
static const char *
topic_of (guint type)
{
  switch (type)
    {
    case BD_LOG_TYPE_ERROR:       return "$SYS/broker/log/E";
    case BD_LOG_TYPE_WARNING:     return "$SYS/broker/log/W";
    case BD_LOG_TYPE_NOTICE:      return "$SYS/broker/log/N";
    case BD_LOG_TYPE_INFORMATION: return "$SYS/broker/log/I";
    case BD_LOG_TYPE_SUBSCRIBE:   return "$SYS/broker/log/M/subscribe";
    case BD_LOG_TYPE_UNSUBSCRIBE: return "$SYS/broker/log/M/unsubscribe";
    case BD_LOG_TYPE_WEBSOCKETS:  return "$SYS/broker/log/WS";
    default:                      return NULL;
    }
}

/* With log_lock held. @type is the line's log type, for the topic. */
static Line *
format_line (const char *level,
             int         priority,
             guint       type,
             const char *message)
{
  g_autofree char *stamp = format_stamp ();
  Line *line = g_new0 (Line, 1);
  gsize len = strlen (message);

  if (len > LOG_MESSAGE_MAX)
    {
      const char *end = g_utf8_find_prev_char (message, message + LOG_MESSAGE_MAX + 1);

      line->message = g_strdup_printf ("%.*s…", (int) (end != NULL ? end - message : LOG_MESSAGE_MAX),
                                       message);
    }
  else
    line->message = g_strdup (message);
  line->line = g_strdup_printf ("%s%s: %s\n", stamp, level, line->message);
  line->priority = priority;
  /* Only the types log_type selects, as Mosquitto; never what the engine
   * logs while it delivers a log line. */
  if ((log_dests & DEST_TOPIC) && (log_types & type) && !bd_engine_is_publishing_log ())
    line->topic = topic_of (type);
  if (line->topic != NULL)
    line->payload = format_topic_payload (line->message);
  return line;
}

static void
write_line (const Line *line,
            guint       dests,
            LogFile    *file,
            BdEngine   *engine)
{
  gsize len = strlen (line->line);

  if (dests & DEST_STDERR)
    bd_settings_file_write_all (STDERR_FILENO, line->line, len);
  if (dests & DEST_STDOUT)
    bd_settings_file_write_all (STDOUT_FILENO, line->line, len);
  if ((dests & DEST_FILE) && file != NULL)
    bd_settings_file_write_all (file->fd, line->line, len);
  if (dests & DEST_SYSLOG)
    syslog (line->priority, "%s", line->message);
  if ((dests & DEST_TOPIC) && engine != NULL && line->topic != NULL)
    bd_engine_publish_log (engine, line->topic, line->payload);
}

static gpointer
log_thread_func (gpointer data)
{
  g_mutex_lock (&log_lock);
  for (;;)
    {
      g_autoptr(GString) report = NULL;
      BdEngine *engine;
      LogFile *file;
      GQueue batch;
      guint dropped;
      guint dests;
      Line *line;

      while (log_queue.length == 0 && log_dropped == 0)
        g_cond_wait (&log_queued_cond, &log_lock);
      batch = log_queue;
      g_queue_init (&log_queue);
      dropped = log_dropped;
      log_dropped = 0;
      dests = log_dests;
      file = log_file_ref (log_file);
      engine = (dests & DEST_TOPIC) && log_engine != NULL ? bd_engine_ref (log_engine) : NULL;
      log_writing = TRUE;
      if (dropped > 0)
        {
          g_autofree char *message = g_strdup_printf ("%u log line%s dropped: the log was not "
                                                      "being read", dropped,
                                                      dropped == 1 ? "" : "s");

          line = format_line ("warning", LOG_WARNING, BD_LOG_TYPE_WARNING, message);
          g_queue_push_tail (&batch, line);
        }
      g_mutex_unlock (&log_lock);

      while ((line = g_queue_pop_head (&batch)) != NULL)
        {
          write_line (line, dests, file, engine);
          line_free (line);
        }
      log_file_unref (file);
      g_clear_pointer (&engine, bd_engine_unref);

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

static GThread *log_thread;   /* the writer's, for the life of the process */

static guint
type_of (GLogLevelFlags   log_level,
         const GLogField *fields,
         gsize            n_fields)
{
  for (gsize i = 0; i < n_fields; i++)
    if (g_strcmp0 (fields[i].key, BD_LOG_TYPE_FIELD) == 0)
      {
        if (g_strcmp0 (fields[i].value, "subscribe") == 0)
          return BD_LOG_TYPE_SUBSCRIBE;
        if (g_strcmp0 (fields[i].value, "unsubscribe") == 0)
          return BD_LOG_TYPE_UNSUBSCRIBE;
        if (g_strcmp0 (fields[i].value, "websockets") == 0)
          return BD_LOG_TYPE_WEBSOCKETS;
      }

  switch (log_level & G_LOG_LEVEL_MASK)
    {
    case G_LOG_LEVEL_ERROR:
    case G_LOG_LEVEL_CRITICAL: return BD_LOG_TYPE_ERROR;
    case G_LOG_LEVEL_WARNING:  return BD_LOG_TYPE_WARNING;
    case G_LOG_LEVEL_MESSAGE:  return BD_LOG_TYPE_NOTICE;
    case G_LOG_LEVEL_INFO:     return BD_LOG_TYPE_INFORMATION;
    default:
      /* log_type debug (or all) is about the broker: the debug lines of
       * the libraries under it (GIO's socket client, the settings
       * backend) come only when G_MESSAGES_DEBUG names their domain. */
      for (gsize i = 0; i < n_fields; i++)
        if (g_strcmp0 (fields[i].key, "GLIB_DOMAIN") == 0)
          return g_str_has_prefix (fields[i].value, "Brokerdesk") ? BD_LOG_TYPE_DEBUG : 0;
      return 0;
    }
}

static GLogWriterOutput
log_writer (GLogLevelFlags   log_level,
            const GLogField *fields,
            gsize            n_fields,
            gpointer         user_data)
{
  gboolean fatal = (log_level & G_LOG_FLAG_FATAL) != 0;
  guint type = type_of (log_level, fields, n_fields);
  const char *message = NULL;
  const char *domain = NULL;
  const char *level;
  int priority;
  Line *line = NULL;

  for (gsize i = 0; i < n_fields; i++)
    if (g_strcmp0 (fields[i].key, "MESSAGE") == 0)
      message = fields[i].value;
    else if (g_strcmp0 (fields[i].key, "GLIB_DOMAIN") == 0)
      domain = fields[i].value;

  switch (log_level & G_LOG_LEVEL_MASK)
    {
    case G_LOG_LEVEL_ERROR:    level = "error"; priority = LOG_ERR; break;
    case G_LOG_LEVEL_CRITICAL: level = "critical"; priority = LOG_CRIT; break;
    case G_LOG_LEVEL_WARNING:  level = "warning"; priority = LOG_WARNING; break;
    case G_LOG_LEVEL_MESSAGE:  level = "notice"; priority = LOG_NOTICE; break;
    case G_LOG_LEVEL_INFO:     level = "info"; priority = LOG_INFO; break;
    default:                   level = "debug"; priority = LOG_DEBUG; break;
    }

  g_mutex_lock (&log_lock);
  /* Debug lines also when G_MESSAGES_DEBUG asks for them, as GLib does;
   * a fatal error always, since it ends the process. */
  if (fatal || (log_types & type) != 0 ||
      ((type == BD_LOG_TYPE_DEBUG || type == 0) &&
       !g_log_writer_default_would_drop (log_level, domain)))
    {
      if (log_queue.length < LOG_QUEUE_MAX)
        {
          line = format_line (level, priority, type, message != NULL ? message : "");
          g_queue_push_tail (&log_queue, line);
        }
      else
        log_dropped++;
      g_cond_signal (&log_queued_cond);
    }
  g_mutex_unlock (&log_lock);

  /* An error aborts the process: what it says must be out first. So must a
   * critical, which often comes just before a crash (one in a library can
   * take the process down right after it); they are rare enough to wait
   * for. Not on the writer's own thread, which would wait for itself. */
  if (fatal || ((log_level & G_LOG_LEVEL_CRITICAL) && g_thread_self () != log_thread))
    log_flush ();
  return G_LOG_WRITER_HANDLED;
}

void
bd_log_install_writer (void)
{
  log_thread = g_thread_new ("bd-log", log_thread_func, NULL);
  atexit (log_flush);
  g_log_set_writer_func (log_writer, NULL, NULL);
}

gboolean
bd_log_configure (const BdBrokerConfig *config,
                  GError              **error)
{
  LogFile *file = NULL;
  LogFile *old_file;
  guint dests = 0;

  g_return_val_if_fail (config != NULL, FALSE);

  for (guint i = 0; i < config->log_dest->len; i++)
    {
      const char *dest = g_ptr_array_index (config->log_dest, i);

      if (g_str_equal (dest, "stderr"))
        dests |= DEST_STDERR;
      else if (g_str_equal (dest, "stdout"))
        dests |= DEST_STDOUT;
      else if (g_str_equal (dest, "syslog"))
        dests |= DEST_SYSLOG;
      else if (g_str_equal (dest, "topic"))
        dests |= DEST_TOPIC;
      else if (g_str_has_prefix (dest, "file "))
        {
          const char *path = dest + strlen ("file ");
          int fd = open (path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);

          if (fd < 0)
            {
              int saved_errno = errno;

              log_file_unref (file);
              g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                           "Cannot open the log file “%s”: %s", path, g_strerror (saved_errno));
              return FALSE;
            }
          log_file_unref (file);
          file = g_new0 (LogFile, 1);
          file->ref_count = 1;
          file->fd = fd;
          dests |= DEST_FILE;
        }
      /* The parser refuses any other destination at its line. */
    }

  if (dests & DEST_SYSLOG)
    openlog ("brokerdesk", LOG_PID, config->log_facility);

  g_mutex_lock (&log_lock);
  log_types = config->log_types;
  log_dests = dests;
  old_file = log_file;
  log_file = file;
  log_timestamp = config->log_timestamp;
  g_free (log_timestamp_format);
  log_timestamp_format = g_strdup (config->log_timestamp_format);
  g_mutex_unlock (&log_lock);
  log_file_unref (old_file);
  return TRUE;
}

void
bd_log_set_engine (BdEngine *engine)
{
  BdEngine *old_engine;

  g_mutex_lock (&log_lock);
  old_engine = log_engine;
  log_engine = engine != NULL ? bd_engine_ref (engine) : NULL;
  g_mutex_unlock (&log_lock);
  g_clear_pointer (&old_engine, bd_engine_unref);
}
