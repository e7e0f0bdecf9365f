/* bd-recorder-ring.c — the recorder's queue: a ring of records
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The engine thread's tap copies messages in; the writer thread reads them in
 * place and releases them. See bd-recorder.c for the whole model.
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

/* A ring of bytes, preallocated. The tap copies each message into it (topic,
 * payload, time, QoS, retain: one memcpy, no allocation) and the writer
 * reads the records in place and releases them a run at a time. Before, the
 * queue held references to the engine's BdMessages: the engine allocated
 * them and the writer freed them (the message, its topic and payload and the
 * queue's list node), and that cross-thread free, with malloc's arena locks
 * contended by both threads, cost about a tenth of the writer's time.
 *
 * Capacity stays a count of messages: a message that is too big to copy, or
 * that would leave less room than a reference record for every slot still
 * free, is queued as a reference to the BdMessage instead (RECORD_REF), so
 * the ring holds `capacity` messages whatever their size. Commands are
 * records too, so they stay in order with the messages.
 */

/* With ring_lock held. */
static void
ring_alloc (BdRecorder *self)
{
  if (self->ring != NULL)
    return;
  self->ring_size = RECORD_ALIGN ((gsize) self->capacity * RING_SLOT_BYTES + 2 * WRAP_RESERVE);
  self->ring = g_malloc (self->ring_size);
  self->ring_head = self->ring_tail = self->ring_used = 0;
  self->ring_slots = self->capacity;
}

/* With ring_lock held: reserves @size contiguous bytes, keeping @reserve
 * more free after them, and returns where they start, or NULL. */
static guint8 *
ring_reserve (BdRecorder *self,
              gsize       size,
              gsize       reserve)
{
  gsize waste = 0;
  guint8 *at;

  if (self->ring_size - self->ring_head < size)
    waste = self->ring_size - self->ring_head;
  if (self->ring_size - self->ring_used < waste + size + reserve)
    return NULL;
  if (waste > 0)
    {
      Record *wrap = (Record *) (self->ring + self->ring_head);

      /* waste is a multiple of 8, so size and kind fit */
      wrap->size = (guint32) waste;
      wrap->kind = RECORD_WRAP;
      self->ring_used += waste;
      self->ring_head = 0;
    }
  at = self->ring + self->ring_head;
  self->ring_head += size;
  if (self->ring_head == self->ring_size)
    self->ring_head = 0;
  self->ring_used += size;
  return at;
}

/* With ring_lock held, after a record was added. */
static void
ring_signal (BdRecorder *self,
             gboolean    urgent)
{
  /* Rung even when nobody waits: the writer checks it before it dozes. */
  if (urgent || (guint) g_atomic_int_get (&self->depth) >= self->capacity / 4)
    self->bell_rung = TRUE;
  if (self->waiting == WAIT_ANY || (self->waiting == WAIT_BELL && self->bell_rung))
    {
      self->waiting = WAIT_NONE;
      g_cond_broadcast (&self->ring_cond);
    }
}

/* The tap's half: FALSE when the queue is full. */
gboolean
_bd_recorder_ring_push_message (BdRecorder *self,
                                BdMessage  *message)
{
  gsize topic_len = strlen (message->topic);
  gsize len;
  const guint8 *payload = bd_message_get_payload (message, &len);
  gsize size = RECORD_ALIGN (sizeof (Record) + topic_len + 1 + len);
  guint slots;
  Record *record = NULL;

  g_mutex_lock (&self->ring_lock);
  ring_alloc (self);
  slots = MIN (self->capacity, self->ring_slots);
  if G_UNLIKELY ((guint) self->depth >= slots)
    {
      g_mutex_unlock (&self->ring_lock);
      return FALSE;
    }
  /* Inline only while every other free slot keeps room for a reference. */
  if (topic_len + 1 + len <= INLINE_MAX)
    record = (Record *) ring_reserve (self, size,
                                      (gsize) (slots - (guint) self->depth - 1) * SMALL_RECORD +
                                      WRAP_RESERVE);
  if (record != NULL)
    {
      guint8 *p = (guint8 *) (record + 1);

      record->kind = RECORD_INLINE;
      memcpy (p, message->topic, topic_len + 1);
      if (len > 0)
        memcpy (p + topic_len + 1, payload, len);
    }
  else
    {
      BdMessage *ref = bd_message_ref (message);

      size = SMALL_RECORD;
      record = (Record *) ring_reserve (self, size, 0);
      g_assert (record != NULL);
      record->kind = RECORD_REF;
      memcpy (record + 1, &ref, sizeof ref);
    }
  record->size = (guint32) size;
  record->qos = message->qos;
  record->retain = message->retain;
  record->time_us = message->time_us;
  record->topic_len = (guint32) topic_len;
  record->payload_len = (guint32) MIN (len, G_MAXUINT32);
  g_atomic_int_inc (&self->depth);
  ring_signal (self, FALSE);
  g_mutex_unlock (&self->ring_lock);
  return TRUE;
}

/* Queues a command record after everything tapped so far; waits for room if
 * needed. FALSE if the writer ended meanwhile. */
gboolean
_bd_recorder_ring_push_command (BdRecorder *self)
{
  Record *record;

  g_mutex_lock (&self->ring_lock);
  ring_alloc (self);
  while ((record = (Record *) ring_reserve (self, SMALL_RECORD, 0)) == NULL)
    {
      gboolean exited;

      self->room_waiters++;
      g_cond_wait_until (&self->ring_cond, &self->ring_lock,
                         g_get_monotonic_time () + G_USEC_PER_SEC / 10);
      self->room_waiters--;
      g_mutex_lock (&self->mutex);
      exited = self->exited;
      g_mutex_unlock (&self->mutex);
      if (exited)
        {
          g_mutex_unlock (&self->ring_lock);
          return FALSE;
        }
    }
  memset (record, 0, SMALL_RECORD);
  record->size = SMALL_RECORD;
  record->kind = RECORD_COMMAND;
  ring_signal (self, TRUE);
  g_mutex_unlock (&self->ring_lock);
  return TRUE;
}

/* The writer's half: how many bytes of records are there to read, from
 * ring_tail on. They stay untouched until released. */
gsize
_bd_recorder_ring_available (BdRecorder *self)
{
  gsize used;

  g_mutex_lock (&self->ring_lock);
  used = self->ring_used;
  g_mutex_unlock (&self->ring_lock);
  return used;
}

void
_bd_recorder_ring_release (BdRecorder *self,
                           gsize       bytes,
                           guint       messages,
                           gsize       new_tail)
{
  if (bytes == 0)
    return;
  g_mutex_lock (&self->ring_lock);
  self->ring_used -= bytes;
  self->ring_tail = new_tail;
  g_atomic_int_add (&self->depth, -(gint) messages);
  if (self->ring_used == 0)
    {
      /* Start over at the beginning: fewer wraps, and the same pages. */
      self->ring_head = self->ring_tail = 0;
    }
  if (self->room_waiters > 0)
    g_cond_broadcast (&self->ring_cond);
  g_mutex_unlock (&self->ring_lock);
}

/* The record at @pos, skipping a wrap marker; @pos is updated. */
Record *
_bd_recorder_ring_record_at (BdRecorder *self,
                             gsize      *pos,
                             gsize      *bytes)
{
  Record *record = (Record *) (self->ring + *pos);

  if (record->kind == RECORD_WRAP)
    {
      *bytes += record->size;
      *pos = 0;
      record = (Record *) self->ring;
    }
  return record;
}

void
_bd_recorder_ring_advance (BdRecorder *self,
                           Record     *record,
                           gsize      *pos,
                           gsize      *bytes)
{
  *bytes += record->size;
  *pos += record->size;
  if (*pos == self->ring_size)
    *pos = 0;
}

/* Sleeps until @deadline, or until any record (@any) or the bell. */
void
_bd_recorder_ring_wait (BdRecorder *self,
                        gint64      deadline,
                        gboolean    any)
{
  g_mutex_lock (&self->ring_lock);
  self->waiting = any ? WAIT_ANY : WAIT_BELL;
  while (!self->bell_rung && !(any && self->ring_used > 0))
    if (!g_cond_wait_until (&self->ring_cond, &self->ring_lock, deadline))
      break;
  self->waiting = WAIT_NONE;
  self->bell_rung = FALSE;
  g_mutex_unlock (&self->ring_lock);
}

void
_bd_recorder_ring_view (MessageView *view,
                        Record      *record)
{
  if (record->kind == RECORD_REF)
    {
      BdMessage *message;

      memcpy (&message, record + 1, sizeof message);
      view->topic = message->topic;
      view->payload = bd_message_get_payload (message, &view->len);
    }
  else
    {
      view->topic = (const char *) (record + 1);
      view->payload = (const guint8 *) (record + 1) + record->topic_len + 1;
      view->len = record->payload_len;
    }
  view->time_us = record->time_us;
  view->qos = record->qos;
  view->retain = record->retain;
}

void
_bd_recorder_ring_record_clear (Record *record)
{
  if (record->kind == RECORD_REF)
    {
      BdMessage *message;

      memcpy (&message, record + 1, sizeof message);
      bd_message_unref (message);
    }
}
