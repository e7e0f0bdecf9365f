/* bd-history.h — reading the recorded history: chart buckets, messages, topics
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A BdHistory may be used from any thread at once: every query takes a
 * read-only connection of its own (from a small pool) for its duration, so
 * it never shares a sqlite3* with another thread and never blocks the
 * recorder (WAL). The synchronous functions do SQL on the calling thread:
 * call them from workers, tests or the command line, never from the GTK main
 * thread; there, use the _async/_finish pairs (the work runs in a GTask
 * thread, the callback on the caller's thread-default main context).
 */

#pragma once

#include <gio/gio.h>

#include "bd-storage-error.h"

G_BEGIN_DECLS

typedef struct _BdHistory BdHistory;

typedef enum
{
  BD_HISTORY_LEVEL_AUTO,     /* the coarsest level no wider than a bucket */
  BD_HISTORY_LEVEL_RAW,      /* every sample */
  BD_HISTORY_LEVEL_MINUTE,   /* 1-minute rollups */
  BD_HISTORY_LEVEL_HOUR,     /* 1-hour rollups */
} BdHistoryLevel;

typedef struct
{
  gint64  start_ms;   /* the bucket covers [start_ms, next bucket's start_ms) */
  guint64 count;      /* samples in the bucket; 0: no data, the values are NAN */
  double  min;
  double  max;
  double  avg;
  double  first;
  double  last;
} BdHistoryBucket;

typedef struct
{
  BdHistoryLevel   level;      /* what answered: RAW, MINUTE or HOUR */
  gint64           from_ms;
  gint64           to_ms;
  guint            n_buckets;
  BdHistoryBucket *buckets;    /* n_buckets of them, oldest first */
} BdHistorySeriesData;

typedef struct
{
  gint64    time_ms;
  GBytes   *payload;
  guint8    qos;
  gboolean  retain;
} BdHistoryMessage;

typedef struct
{
  char     *topic;
  gint64    last_time_ms;
  GBytes   *last_payload;
  gboolean  has_last_value;    /* the last payload was a plain number or boolean */
  double    last_value;
  guint64   message_count;     /* messages stored now (retention removes some) */
} BdHistoryTopic;

typedef struct
{
  char *name;    /* "topic" for a plain payload, "topic#field" for JSON */
  char *topic;
  char *field;   /* "" for a plain payload */
} BdHistorySeries;

/* A boxed type (ref/unref), so a history can be a GObject property. */
#define BD_TYPE_HISTORY (bd_history_get_type ())
GType       bd_history_get_type   (void);

/* Reads DATA_DIR/history.db. Opens nothing until the first query. */
BdHistory  *bd_history_new        (const char  *data_dir);
BdHistory  *bd_history_ref        (BdHistory   *self);
void        bd_history_unref      (BdHistory   *self);
const char *bd_history_get_path   (BdHistory   *self);

/* One series ("topic" or "topic#field") over [from_ms, to_ms) as @n_buckets
 * equal buckets (1 to 100000). With LEVEL_AUTO the level is the coarsest
 * rollup no wider than a bucket, so the rows read are at most about 60 per
 * bucket (1 Hz data) whatever the range. A rollup row counts in the bucket
 * where it starts (clamped to the range): with rollups, bucket edges are
 * exact to the rollup's width. With LEVEL_AUTO, the part of the range that
 * retention removed from the chosen level (raw samples and 1-minute rollups
 * expire before 1-hour rollups) is filled from the next coarser level; an
 * explicit level never falls back. An unknown series gives empty buckets. */
BdHistorySeriesData *bd_history_query_series        (BdHistory       *self,
                                                     const char      *series,
                                                     gint64           from_ms,
                                                     gint64           to_ms,
                                                     guint            n_buckets,
                                                     BdHistoryLevel   level,
                                                     GCancellable    *cancellable,
                                                     GError         **error);
void                 bd_history_query_series_async  (BdHistory       *self,
                                                     const char      *series,
                                                     gint64           from_ms,
                                                     gint64           to_ms,
                                                     guint            n_buckets,
                                                     BdHistoryLevel   level,
                                                     GCancellable    *cancellable,
                                                     GAsyncReadyCallback callback,
                                                     gpointer         user_data);
BdHistorySeriesData *bd_history_query_series_finish (GAsyncResult    *result,
                                                     GError         **error);
void                 bd_history_series_data_free    (BdHistorySeriesData *data);

/* Many series over one range at once, as bd_history_query_series() reads
 * each: @series is a NULL-terminated array of names, and the answer an array
 * of BdHistorySeriesData* in the same order. They are read on one
 * connection in one read transaction (one snapshot of the database), each
 * statement prepared once: a page of 500 trends costs one worker's turn, not
 * 500 queries. */
GPtrArray           *bd_history_query_series_batch        (BdHistory          *self,
                                                           const char * const *series,
                                                           gint64              from_ms,
                                                           gint64              to_ms,
                                                           guint               n_buckets,
                                                           BdHistoryLevel      level,
                                                           GCancellable       *cancellable,
                                                           GError            **error);
void                 bd_history_query_series_batch_async  (BdHistory          *self,
                                                           const char * const *series,
                                                           gint64              from_ms,
                                                           gint64              to_ms,
                                                           guint               n_buckets,
                                                           BdHistoryLevel      level,
                                                           GCancellable       *cancellable,
                                                           GAsyncReadyCallback callback,
                                                           gpointer            user_data);
GPtrArray           *bd_history_query_series_batch_finish (GAsyncResult       *result,
                                                           GError            **error);

/* The last @limit messages of @topic, newest first (of BdHistoryMessage*). */
GPtrArray  *bd_history_query_messages        (BdHistory           *self,
                                              const char          *topic,
                                              guint                limit,
                                              GCancellable        *cancellable,
                                              GError             **error);
void        bd_history_query_messages_async  (BdHistory           *self,
                                              const char          *topic,
                                              guint                limit,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
GPtrArray  *bd_history_query_messages_finish (GAsyncResult        *result,
                                              GError             **error);
void        bd_history_message_free          (BdHistoryMessage    *message);

/* Every recorded topic, sorted by name (of BdHistoryTopic*). */
GPtrArray  *bd_history_list_topics           (BdHistory           *self,
                                              GCancellable        *cancellable,
                                              GError             **error);
void        bd_history_list_topics_async     (BdHistory           *self,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
GPtrArray  *bd_history_list_topics_finish    (GAsyncResult        *result,
                                              GError             **error);
void        bd_history_topic_free            (BdHistoryTopic      *topic);

/* Every series, or those of @topic (NULL: all), sorted (of BdHistorySeries*). */
GPtrArray  *bd_history_list_series           (BdHistory           *self,
                                              const char          *topic,
                                              GCancellable        *cancellable,
                                              GError             **error);
void        bd_history_list_series_async     (BdHistory           *self,
                                              const char          *topic,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
GPtrArray  *bd_history_list_series_finish    (GAsyncResult        *result,
                                              GError             **error);
void        bd_history_series_free           (BdHistorySeries     *series);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BdHistory, bd_history_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BdHistorySeriesData, bd_history_series_data_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BdHistoryMessage, bd_history_message_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BdHistoryTopic, bd_history_topic_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BdHistorySeries, bd_history_series_free)

G_END_DECLS
