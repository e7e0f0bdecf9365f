/* bd-export.h — writing recorded history as CSV or JSON
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * `brokerdesk --data-dir DIR --export csv|json --topic FILTER [--from T] [--to T]`
 * writes one row per recorded message whose topic matches FILTER and whose
 * time is in [from, to), oldest first, streaming (rows are read and written
 * one at a time, never gathered in memory).
 *
 * CSV (RFC 4180, CRLF line ends), header `time,topic,value,payload,label,unit`:
 *  - time: ISO 8601 with milliseconds and the UTC offset of the local time
 *    zone (TZ), e.g. 2026-11-24T21:03:04.123+09:00;
 *  - value: the number a plain payload holds ("23.5 °C" -> 23.5, ON -> 1),
 *    empty for anything else (text, JSON, binary);
 *  - payload: the text, quoted when it holds a comma, a double quote, CR or
 *    LF (quotes doubled). A payload that is not valid UTF-8 or holds a NUL
 *    byte is written as "base64:" followed by its base64; so is a text
 *    payload that itself starts with "base64:", which keeps the encoding
 *    unambiguous. The topic is quoted by the same rule.
 *  - label, unit: how the operator names the topic's series and in what unit
 *    its value is (the Overview's settings, BdExportOptions.series); empty
 *    when it has none. A series with a scale has its value scaled, as the
 *    Overview shows it, so that value and unit agree; the payload column
 *    keeps what was received.
 * JSON: an array of objects
 *   {"time": "...", "topic": "...", "value": 23.5 or null, "payload": "...",
 *    "payload_encoding": "base64" (only for binary payloads), "qos": 0, "retain": false,
 *    "label": "..." or null, "unit": "..." or null}
 */

#pragma once

#include <gio/gio.h>

#include "bd-storage-error.h"

G_BEGIN_DECLS

typedef enum
{
  BD_EXPORT_FORMAT_CSV,
  BD_EXPORT_FORMAT_JSON,
} BdExportFormat;

/* How a topic's series is named and shown; the layers above fill these in
 * from the Overview's settings (bd_overview_config_dup_export_series). */
typedef struct
{
  char   *label;   /* NULL: none */
  char   *unit;    /* NULL: none */
  double  scale;   /* the value written = the value received × scale */
} BdExportSeries;

BdExportSeries *bd_export_series_new  (const char     *label,
                                       const char     *unit,
                                       double          scale);
void            bd_export_series_free (BdExportSeries *series);

typedef struct
{
  BdExportFormat  format;
  const char     *filter;     /* MQTT topic filter; NULL = "#" */
  gint64          from_ms;    /* inclusive; G_MININT64 = from the start */
  gint64          to_ms;      /* exclusive; G_MAXINT64 = to the end */
  GTimeZone      *time_zone;  /* NULL = local (TZ) */
  GHashTable     *series;     /* topic → BdExportSeries; NULL: none. Only read,
                               * possibly from a worker thread */
} BdExportOptions;

/* A copy of @options for another thread, owning its filter and a reference
 * to its time zone and series table (which is only read). */
BdExportOptions *bd_export_options_copy (const BdExportOptions *options);
void             bd_export_options_free (BdExportOptions       *options);

/* "csv" or "json" (any case). */
gboolean  bd_export_parse_format (const char       *text,
                                  BdExportFormat   *format,
                                  GError          **error);
/* ISO 8601 (a time without an offset is local; a date alone is its local
 * midnight), "now", or relative to @now_ms: -90s, -30m, -2h, -7d, -2w (and +).
 * Errors are BD_STORAGE_ERROR_INVALID. */
gboolean  bd_export_parse_time   (const char       *text,
                                  gint64            now_ms,
                                  gint64           *time_ms,
                                  GError          **error);
/* A topic filter is valid when '#' is last and alone in its level and '+'
 * is alone in its level [MQTT-4.7.1-1] [MQTT-4.7.1-2]. */
gboolean  bd_export_check_filter (const char       *filter,
                                  GError          **error);
/* 2026-11-24T21:03:04.123+09:00 (@time_zone NULL = local). */
char     *bd_export_format_time  (gint64            time_ms,
                                  GTimeZone        *time_zone);

/* Writes DATA_DIR/history.db's rows to @output (read-only connection). A
 * missing database is BD_STORAGE_ERROR_NOT_FOUND naming the file. @n_rows
 * (may be NULL) receives the number of rows written. */
gboolean  bd_export_write        (const char             *data_dir,
                                  const BdExportOptions  *options,
                                  GOutputStream          *output,
                                  guint64                *n_rows,
                                  GCancellable           *cancellable,
                                  GError                **error);
/* The same in a worker thread (for the GUI's "Export…"). */
void      bd_export_write_async  (const char             *data_dir,
                                  const BdExportOptions  *options,
                                  GOutputStream          *output,
                                  GCancellable           *cancellable,
                                  GAsyncReadyCallback     callback,
                                  gpointer                user_data);
gboolean  bd_export_write_finish (GAsyncResult           *result,
                                  guint64                *n_rows,
                                  GError                **error);

G_END_DECLS
