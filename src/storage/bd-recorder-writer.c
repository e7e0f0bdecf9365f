/* bd-recorder-writer.c — the recorder's writer thread
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Reads the queue, runs batches, commands and retention, and reopens the
 * database after a retryable failure.
 */

#include "config.h"

#include <errno.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <math.h>
#include <stdatomic.h>
#include <string.h>

#include "bd-recorder.h"
#include "bd-recorder-private.h"
#include "bd-payload.h"
#include "bd-storage-private.h"
#include "bd-topic.h"

static GError *
paused_error (BdRecorder *self)
{
  GError *error = NULL;

  g_mutex_lock (&self->mutex);
  if (self->error != NULL)
    error = g_error_copy (self->error);
  else if (self->status != BD_RECORDER_STATUS_RECORDING)
    error = g_error_new (BD_STORAGE_ERROR, BD_STORAGE_ERROR_CLOSED,
                         _("History database “%s”: the recorder is not running"), self->path);
  g_mutex_unlock (&self->mutex);
  return error;
}

static void
try_open (BdRecorder *self)
{
  GError *error = NULL;

  if (_bd_recorder_db_open (self, &error))
    _bd_recorder_set_recording (self);
  else
    {
      self->next_retry = g_get_monotonic_time () + RETRY_INTERVAL_US;
      _bd_recorder_set_paused (self, error);
    }
}

static void
run_command (BdRecorder *self,
             Command    *command)
{
  GError *error = NULL;

  switch (command->type)
    {
    case CMD_FLUSH:
    case CMD_STOP:
      if (self->db != NULL && !_bd_recorder_batch_commit (self, &error))
        _bd_recorder_db_fail (self, error);
      if (command->type == CMD_STOP)
        self->stopping = TRUE;
      else if (self->db == NULL)
        command->error = paused_error (self);
      break;

    case CMD_RETENTION:
      if (self->db != NULL && !_bd_recorder_batch_commit (self, &error))
        _bd_recorder_db_fail (self, g_steal_pointer (&error));
      if (self->db != NULL && !_bd_recorder_retention_run_all (self, &error))
        {
          command->error = g_error_copy (error);
          _bd_recorder_db_fail (self, error);
        }
      else if (self->db == NULL)
        command->error = paused_error (self);
      break;

    case CMD_RESUME:
      if (self->db == NULL)
        try_open (self);
      break;

    case CMD_MAX_PAGES:
      self->max_pages = command->arg;
      if (self->db != NULL && !_bd_recorder_db_apply_max_pages (self, &error))
        _bd_recorder_db_fail (self, error);
      break;

    default:
      g_assert_not_reached ();
    }
}

/* Exactly one command per sentinel: the list's head was queued before this
 * sentinel was pushed, so every message tapped before that command was
 * queued is already handled. (Running the whole list here would let a flush
 * queued meanwhile overtake its own messages.) */
static void
run_one_command (BdRecorder *self)
{
  Command *command;

  g_mutex_lock (&self->mutex);
  command = g_queue_pop_head (&self->commands);
  g_mutex_unlock (&self->mutex);
  g_assert (command != NULL);

  run_command (self, command);

  g_mutex_lock (&self->mutex);
  command->done = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->mutex);
}

static void
handle_record (BdRecorder *self,
               Record     *record)
{
  GError *error = NULL;

  if (record->kind == RECORD_COMMAND)
    {
      run_one_command (self);
      return;
    }

  if (g_atomic_int_get (&self->disabled))
    atomic_fetch_add (&self->filtered, 1);
  else if (self->db == NULL || self->stopping)
    atomic_fetch_add (&self->dropped, 1);
  else
    {
      MessageView view;

      _bd_recorder_ring_view (&view, record);
      if (!_bd_recorder_batch_add_message (self, &view, &error))
        _bd_recorder_db_fail (self, error);
    }
  _bd_recorder_ring_record_clear (record);
}

static void
writer_iterate (BdRecorder *self)
{
  gint64 now = g_get_monotonic_time ();
  gint64 timeout;
  gsize avail;

  if (self->in_batch)
    timeout = self->batch_deadline - now;
  else if (self->db != NULL && self->pass_active)
    timeout = 0;
  else if (self->db != NULL && _bd_recorder_retention_enabled (self))
    timeout = self->next_pass - now;
  else if (self->db == NULL && self->retryable)
    timeout = self->next_retry - now;
  else
    timeout = G_USEC_PER_SEC;

  avail = _bd_recorder_ring_available (self);
  if (timeout > 0 && self->in_batch &&
      (guint) g_atomic_int_get (&self->depth) < self->capacity / 4)
    {
      /* Mid-batch with room to spare: nothing gains from waking sooner. */
      _bd_recorder_ring_wait (self, self->batch_deadline, FALSE);
      avail = _bd_recorder_ring_available (self);
    }
  else if (timeout > 0 && avail == 0)
    {
      _bd_recorder_ring_wait (self, now + timeout, TRUE);
      avail = _bd_recorder_ring_available (self);
    }

  if (avail > 0)
    {
      gsize pos = self->ring_tail;
      gsize bytes = 0;
      guint messages = 0;
      guint n = 0;

      /* Read what is there in place, without the lock (the tap only writes
       * past it), and release it in one go: the tap only ever waits for a
       * record's memcpy, never for SQL. A command ends the run, so that the
       * commit and retention checks below get their turn after each one. */
      while (bytes < avail)
        {
          Record *record = _bd_recorder_ring_record_at (self, &pos, &bytes);
          gboolean command = record->kind == RECORD_COMMAND;

          if (bytes >= avail)
            break;   /* only a wrap marker was left */
          if (command)
            {
              /* The messages before a command leave the queue before it
               * runs: whoever waits for it sees them gone. */
              _bd_recorder_ring_release (self, bytes, messages, pos);
              avail -= bytes;
              bytes = 0;
              messages = 0;
            }
          handle_record (self, record);
          _bd_recorder_ring_advance (self, record, &pos, &bytes);
          if (!command)
            messages++;
          n++;
          if (command || self->stopping || n >= RUN_MAX ||
              (self->in_batch && self->batch_count >= self->batch_max))
            break;
        }
      _bd_recorder_ring_release (self, bytes, messages, pos);
    }

  if (self->stopping)
    return;

  now = g_get_monotonic_time ();
  if (self->in_batch && !self->batch_stretched && now >= self->batch_deadline &&
      (g_atomic_int_get (&self->depth) >= BACKLOG || self->batch_count >= BIG_BATCH))
    {
      /* Under load: once, the batch goes on to BATCH_STRETCH x the delay.
       * (Moving the deadline, rather than testing the end of the stretch
       * apart, also keeps the writer dozing, not spinning, meanwhile.) */
      self->batch_stretched = TRUE;
      self->batch_deadline += (BATCH_STRETCH - 1) * self->batch_delay_us;
    }
  if (self->in_batch &&
      (self->batch_count >= self->batch_max || now >= self->batch_deadline))
    {
      GError *error = NULL;

      if (!_bd_recorder_batch_commit (self, &error))
        _bd_recorder_db_fail (self, error);
    }

  if (self->db != NULL && !self->in_batch && _bd_recorder_retention_enabled (self))
    {
      GError *error = NULL;

      if (!self->pass_active && now >= self->next_pass)
        {
          self->next_pass = now + RETENTION_INTERVAL_US;
          if (!_bd_recorder_retention_begin (self, &error))
            _bd_recorder_db_fail (self, g_steal_pointer (&error));
        }
      if (self->db != NULL && self->pass_active && !_bd_recorder_retention_step (self, &error))
        _bd_recorder_db_fail (self, error);
    }

  if (self->db == NULL && self->retryable && g_get_monotonic_time () >= self->next_retry)
    try_open (self);
}

gpointer
_bd_recorder_writer_thread (gpointer data)
{
  BdRecorder *self = data;
  GError *error = NULL;
  gboolean ok;

  /* Recording is background work: when the cores are busy, the broker
   * thread (message latency) goes first. SCHED_BATCH keeps the writer's
   * wake-ups from preempting it, and nice lowers its share; on Linux both
   * apply to the calling thread alone. Batches absorb the delay. */
  {
    struct sched_param param = { 0 };
    pid_t tid = (pid_t) syscall (SYS_gettid);

    if (sched_setscheduler (tid, SCHED_BATCH, &param) != 0 ||
        setpriority (PRIO_PROCESS, (id_t) tid, WRITER_NICE) != 0)
      g_debug ("Cannot lower the history writer's priority: %s", g_strerror (errno));
  }

  ok = _bd_recorder_db_open (self, &error);
  self->next_pass = g_get_monotonic_time ();

  if (!ok)
    {
      self->next_retry = g_get_monotonic_time () + RETRY_INTERVAL_US;
      _bd_recorder_set_paused (self, error);
    }

  g_mutex_lock (&self->mutex);
  self->start_done = TRUE;
  if (ok)
    self->status = BD_RECORDER_STATUS_RECORDING;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->mutex);

  while (!self->stopping)
    writer_iterate (self);

  _bd_recorder_db_stop_checkpointer (self);
  _bd_recorder_db_close (self);

  /* A command sent while STOP ran would wait forever: answer it. */
  g_mutex_lock (&self->mutex);
  self->exited = TRUE;
  for (Command *command; (command = g_queue_pop_head (&self->commands)) != NULL;)
    {
      command->error = g_error_new (BD_STORAGE_ERROR, BD_STORAGE_ERROR_CLOSED,
                                    _("History database “%s”: the recorder is not running"),
                                    self->path);
      command->done = TRUE;
    }
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->mutex);
  return NULL;
}
