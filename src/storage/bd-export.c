/* bd-export.c — writing recorded history as CSV or JSON
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "bd-export.h"
#include "bd-payload.h"
#include "bd-storage-private.h"
#include "bd-topic.h"

/* Rows are gathered in a buffer of about this size before each write. */
#define WRITE_CHUNK (64 * 1024)
#define BUSY_TIMEOUT_MS 5000

BdExportSeries *
bd_export_series_new (const char *label,
                      const char *unit,
                      double      scale)
{
  BdExportSeries *series = g_new0 (BdExportSeries, 1);

  series->label = g_strdup (label);
  series->unit = g_strdup (unit);
  series->scale = scale;
  return series;
}

void
bd_export_series_free (BdExportSeries *series)
{
  if (series == NULL)
    return;
  g_free (series->label);
  g_free (series->unit);
  g_free (series);
}

gboolean
bd_export_parse_format (const char      *text,
                        BdExportFormat  *format,
                        GError         **error)
{
  g_return_val_if_fail (format != NULL, FALSE);

  if (text != NULL && g_ascii_strcasecmp (text, "csv") == 0)
    *format = BD_EXPORT_FORMAT_CSV;
  else if (text != NULL && g_ascii_strcasecmp (text, "json") == 0)
    *format = BD_EXPORT_FORMAT_JSON;
  else
    {
      g_set_error (error, BD_STORAGE_ERROR, BD_STORAGE_ERROR_INVALID,
                   _("“%s” is not an export format (csv or json)"), text ? text : "");
      return FALSE;
    }
  return TRUE;
}

static gboolean
parse_relative (const char *text,
                gint64      now_ms,
                gint64     *time_ms)
{
  guint64 amount = 0;
  gint64 unit_ms;
  gsize len = strlen (text);
  g_autofree char *digits = NULL;
  int sign;

  if (len < 3 || (text[0] != '-' && text[0] != '+'))
    return FALSE;
  sign = text[0] == '-' ? -1 : 1;

  switch (text[len - 1])
    {
    case 's': unit_ms = 1000; break;
    case 'm': unit_ms = 60 * 1000; break;
    case 'h': unit_ms = 3600 * 1000; break;
    case 'd': unit_ms = 24 * 3600 * 1000; break;
    case 'w': unit_ms = 7 * 24 * 3600 * 1000; break;
    default: return FALSE;
    }

  digits = g_strndup (text + 1, len - 2);
  /* 100 years in seconds is far below the overflow of amount * unit_ms */
  if (!g_ascii_string_to_unsigned (digits, 10, 0, G_GINT64_CONSTANT (3155760000), &amount, NULL))
    return FALSE;
  *time_ms = now_ms + sign * (gint64) amount * unit_ms;
  return TRUE;
}

gboolean
bd_export_parse_time (const char  *text,
                      gint64       now_ms,
                      gint64      *time_ms,
                      GError     **error)
{
  g_autoptr(GTimeZone) local = NULL;
  g_autoptr(GDateTime) dt = NULL;
  g_autofree char *stripped = NULL;

  g_return_val_if_fail (time_ms != NULL, FALSE);

  stripped = g_strstrip (g_strdup (text != NULL ? text : ""));

  if (g_ascii_strcasecmp (stripped, "now") == 0)
    {
      *time_ms = now_ms;
      return TRUE;
    }
  if (parse_relative (stripped, now_ms, time_ms))
    return TRUE;

  local = g_time_zone_new_local ();
  dt = g_date_time_new_from_iso8601 (stripped, local);
  /* A date alone ("2026-11-24") means its local midnight. */
  if (dt == NULL && strlen (stripped) == 10 && strchr (stripped, 'T') == NULL)
    {
      g_autofree char *midnight = g_strconcat (stripped, "T00:00:00", NULL);

      dt = g_date_time_new_from_iso8601 (midnight, local);
    }
  if (dt == NULL)
    {
      g_set_error (error, BD_STORAGE_ERROR, BD_STORAGE_ERROR_INVALID,
                   _("“%s” is not a time (ISO 8601 such as 2026-11-24T21:03:04+09:00, "
                     "or relative such as -2h, -30m, -7d, now)"), stripped);
      return FALSE;
    }
  *time_ms = g_date_time_to_unix (dt) * 1000 + g_date_time_get_microsecond (dt) / 1000;
  return TRUE;
}

gboolean
bd_export_check_filter (const char  *filter,
                        GError     **error)
{
  g_auto(GStrv) levels = NULL;
  guint n;

  g_return_val_if_fail (filter != NULL, FALSE);

  levels = g_strsplit (filter, "/", -1);
  n = g_strv_length (levels);
  for (guint i = 0; i < n && filter[0] != '\0'; i++)
    {
      const char *level = levels[i];

      if ((strchr (level, '#') != NULL && (strcmp (level, "#") != 0 || i + 1 != n)) ||
          (strchr (level, '+') != NULL && strcmp (level, "+") != 0))
        goto invalid;
    }
  if (filter[0] != '\0' && g_utf8_validate (filter, -1, NULL))
    return TRUE;

invalid:
  g_set_error (error, BD_STORAGE_ERROR, BD_STORAGE_ERROR_INVALID,
               _("“%s” is not a topic filter ('#' must be last and alone in its level, "
                 "'+' alone in its level)"), filter);
  return FALSE;
}

char *
bd_export_format_time (gint64     time_ms,
                       GTimeZone *time_zone)
{
  g_autoptr(GTimeZone) local = NULL;
  g_autoptr(GDateTime) utc = NULL;
  g_autoptr(GDateTime) dt = NULL;
  g_autofree char *base = NULL;
  g_autofree char *offset = NULL;
  gint64 seconds = _bd_floor_div (time_ms, 1000);
  int ms = (int) (time_ms - seconds * 1000);

  if (time_zone == NULL)
    time_zone = local = g_time_zone_new_local ();

  utc = g_date_time_new_from_unix_utc (seconds);
  if (utc == NULL)
    return g_strdup_printf ("%" G_GINT64_FORMAT, time_ms);
  dt = g_date_time_to_timezone (utc, time_zone);
  base = g_date_time_format (dt, "%Y-%m-%dT%H:%M:%S");
  offset = g_date_time_format (dt, "%:z");
  return g_strdup_printf ("%s.%03d%s", base, ms, offset);
}

/* -------------------------------------------------------------------------- */

static gboolean
is_text (const guint8 *data,
         gsize         len)
{
  /* g_utf8_validate_len refuses NUL bytes too, which CSV tools mishandle. */
  return g_utf8_validate_len ((const char *) data, len, NULL);
}

static void
append_csv_field (GString    *out,
                  const char *text,
                  gsize       len)
{
  gboolean quote = FALSE;

  for (gsize i = 0; i < len && !quote; i++)
    quote = text[i] == ',' || text[i] == '"' || text[i] == '\r' || text[i] == '\n';

  if (!quote)
    {
      g_string_append_len (out, text, len);
      return;
    }

  g_string_append_c (out, '"');
  for (gsize i = 0; i < len; i++)
    {
      if (text[i] == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, text[i]);
    }
  g_string_append_c (out, '"');
}

static void
append_base64 (GString      *out,
               const guint8 *data,
               gsize         len)
{
  g_autofree char *encoded = g_base64_encode (data, len);

  g_string_append (out, encoded);
}

static void
append_json_string (GString    *out,
                    const char *text,
                    gsize       len)
{
  g_string_append_c (out, '"');
  for (gsize i = 0; i < len; i++)
    {
      guchar c = (guchar) text[i];

      switch (c)
        {
        case '"': g_string_append (out, "\\\""); break;
        case '\\': g_string_append (out, "\\\\"); break;
        case '\b': g_string_append (out, "\\b"); break;
        case '\f': g_string_append (out, "\\f"); break;
        case '\n': g_string_append (out, "\\n"); break;
        case '\r': g_string_append (out, "\\r"); break;
        case '\t': g_string_append (out, "\\t"); break;
        default:
          if (c < 0x20)
            g_string_append_printf (out, "\\u%04x", c);
          else
            g_string_append_c (out, (char) c);
        }
    }
  g_string_append_c (out, '"');
}

static void
append_value (GString      *out,
              const guint8 *data,
              gsize         len,
              double        scale,
              const char   *none)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];
  double value;

  if (!bd_payload_parse_plain (data, len, &value))
    {
      g_string_append (out, none);
      return;
    }
  if (scale != 1.0)
    {
      /* A scaled value was never received: 15 digits, so that 1e-7 × 1000
       * reads 0.0001, not its binary neighbour 9.999999999999999e-05. */
      g_ascii_formatd (buffer, sizeof buffer, "%.15g", value * scale);
      g_string_append (out, buffer);
      return;
    }
  g_string_append (out, bd_payload_format_double (buffer, value));
}

static gboolean
flush_buffer (GString       *buffer,
              GOutputStream *output,
              GCancellable  *cancellable,
              GError       **error)
{
  if (buffer->len == 0)
    return TRUE;
  if (!g_output_stream_write_all (output, buffer->str, buffer->len, NULL, cancellable, error))
    {
      g_prefix_error (error, _("Export: cannot write: "));
      return FALSE;
    }
  g_string_truncate (buffer, 0);
  return TRUE;
}

/* A matching topic: its name and how the operator names and shows it. */
typedef struct
{
  char                 *name;
  const BdExportSeries *series;   /* borrowed from the options; NULL: none */
} ExportTopic;

static void
export_topic_free (gpointer data)
{
  ExportTopic *topic = data;

  g_free (topic->name);
  g_free (topic);
}

/* CSV: an empty field for none; JSON: null. */
static void
append_text_or_none (GString    *out,
                     const char *text,
                     gboolean    json)
{
  if (json && text == NULL)
    g_string_append (out, "null");
  else if (json)
    append_json_string (out, text, strlen (text));
  else if (text != NULL)
    append_csv_field (out, text, strlen (text));
}

static gboolean
has_wildcard (const char *filter)
{
  return strchr (filter, '+') != NULL || strchr (filter, '#') != NULL;
}

gboolean
bd_export_write (const char             *data_dir,
                 const BdExportOptions  *options,
                 GOutputStream          *output,
                 guint64                *n_rows,
                 GCancellable           *cancellable,
                 GError                **error)
{
  g_autofree char *path = NULL;
  g_autoptr(GHashTable) topics = NULL;   /* id -> ExportTopic, matching topics only */
  g_autoptr(GTimeZone) local = NULL;
  g_autoptr(GString) buffer = NULL;
  GTimeZone *time_zone;
  const char *filter;
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 single_topic = 0;
  guint64 rows = 0;
  gboolean json;
  gboolean ok = FALSE;
  int rc;

  g_return_val_if_fail (data_dir != NULL, FALSE);
  g_return_val_if_fail (options != NULL, FALSE);
  g_return_val_if_fail (G_IS_OUTPUT_STREAM (output), FALSE);

  filter = options->filter != NULL ? options->filter : "#";
  if (!bd_export_check_filter (filter, error))
    return FALSE;
  json = options->format == BD_EXPORT_FORMAT_JSON;
  time_zone = options->time_zone;
  if (time_zone == NULL)
    time_zone = local = g_time_zone_new_local ();

  path = g_build_filename (data_dir, BD_HISTORY_DB_NAME, NULL);
  db = _bd_storage_open (path, BD_STORAGE_OPEN_READER, BUSY_TIMEOUT_MS, error);
  if (db == NULL)
    return FALSE;

  /* The topic dictionary is small next to the messages: match the filter
   * once per topic here instead of once per row. */
  topics = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, export_topic_free);
  rc = sqlite3_prepare_v2 (db, "SELECT id, name FROM topics", -1, &stmt, NULL);
  while (rc == SQLITE_OK || rc == SQLITE_ROW)
    {
      const char *name;

      if ((rc = sqlite3_step (stmt)) != SQLITE_ROW)
        break;
      name = (const char *) sqlite3_column_text (stmt, 1);

      if (bd_topic_matches (filter, name))
        {
          gint64 *id = g_new (gint64, 1);
          ExportTopic *topic = g_new0 (ExportTopic, 1);

          *id = sqlite3_column_int64 (stmt, 0);
          topic->name = g_strdup (name);
          if (options->series != NULL)
            topic->series = g_hash_table_lookup (options->series, name);
          g_hash_table_insert (topics, id, topic);
          single_topic = *id;
        }
    }
  g_clear_pointer (&stmt, sqlite3_finalize);
  if (rc != SQLITE_DONE)
    {
      _bd_storage_set_error (error, db, rc, path, _("cannot read"));
      goto out;
    }

  /* One topic: read its (topic_id, time) index range; otherwise the (time)
   * index, skipping rows of other topics. */
  if (!has_wildcard (filter))
    rc = sqlite3_prepare_v2 (db,
                             "SELECT time, topic_id, payload, qos, retain FROM messages"
                             " WHERE topic_id = ?3 AND time >= ?1 AND time < ?2"
                             " ORDER BY time, id", -1, &stmt, NULL);
  else
    rc = sqlite3_prepare_v2 (db,
                             "SELECT time, topic_id, payload, qos, retain FROM messages"
                             " WHERE time >= ?1 AND time < ?2 ORDER BY time, id",
                             -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    {
      _bd_storage_set_error (error, db, rc, path, _("cannot read"));
      goto out;
    }
  sqlite3_bind_int64 (stmt, 1, options->from_ms);
  sqlite3_bind_int64 (stmt, 2, options->to_ms);
  if (!has_wildcard (filter))
    sqlite3_bind_int64 (stmt, 3, single_topic);

  buffer = g_string_sized_new (WRITE_CHUNK + 4096);
  if (json)
    g_string_append (buffer, "[");
  else
    g_string_append (buffer, "time,topic,value,payload,label,unit\r\n");

  while (g_hash_table_size (topics) > 0 && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 topic_id = sqlite3_column_int64 (stmt, 1);
      const ExportTopic *entry = g_hash_table_lookup (topics, &topic_id);
      const BdExportSeries *series;
      const char *topic;
      double scale;
      const guint8 *data;
      gsize len;
      g_autofree char *time_text = NULL;

      if (entry == NULL)
        continue;
      topic = entry->name;
      series = entry->series;
      scale = series != NULL ? series->scale : 1.0;

      data = sqlite3_column_blob (stmt, 2);
      len = (gsize) MAX (sqlite3_column_bytes (stmt, 2), 0);
      if (data == NULL)
        data = (const guint8 *) "";
      time_text = bd_export_format_time (sqlite3_column_int64 (stmt, 0), time_zone);

      if (json)
        {
          g_string_append (buffer, rows == 0 ? "\n{\"time\":\"" : ",\n{\"time\":\"");
          g_string_append (buffer, time_text);
          g_string_append (buffer, "\",\"topic\":");
          append_json_string (buffer, topic, strlen (topic));
          g_string_append (buffer, ",\"value\":");
          append_value (buffer, data, len, scale, "null");
          g_string_append (buffer, ",\"payload\":");
          if (is_text (data, len))
            append_json_string (buffer, (const char *) data, len);
          else
            {
              g_string_append_c (buffer, '"');
              append_base64 (buffer, data, len);
              g_string_append (buffer, "\",\"payload_encoding\":\"base64\"");
            }
          g_string_append_printf (buffer, ",\"qos\":%d,\"retain\":%s,\"label\":",
                                  sqlite3_column_int (stmt, 3),
                                  sqlite3_column_int (stmt, 4) ? "true" : "false");
          append_text_or_none (buffer, series != NULL ? series->label : NULL, TRUE);
          g_string_append (buffer, ",\"unit\":");
          append_text_or_none (buffer, series != NULL ? series->unit : NULL, TRUE);
          g_string_append_c (buffer, '}');
        }
      else
        {
          g_string_append (buffer, time_text);
          g_string_append_c (buffer, ',');
          append_csv_field (buffer, topic, strlen (topic));
          g_string_append_c (buffer, ',');
          append_value (buffer, data, len, scale, "");
          g_string_append_c (buffer, ',');
          if (is_text (data, len) && !(len >= 7 && memcmp (data, "base64:", 7) == 0))
            append_csv_field (buffer, (const char *) data, len);
          else
            {
              g_string_append (buffer, "base64:");
              append_base64 (buffer, data, len);
            }
          g_string_append_c (buffer, ',');
          append_text_or_none (buffer, series != NULL ? series->label : NULL, FALSE);
          g_string_append_c (buffer, ',');
          append_text_or_none (buffer, series != NULL ? series->unit : NULL, FALSE);
          g_string_append (buffer, "\r\n");
        }
      rows++;

      if (buffer->len >= WRITE_CHUNK && !flush_buffer (buffer, output, cancellable, error))
        goto out;
    }
  if (g_hash_table_size (topics) > 0 && rc != SQLITE_DONE)
    {
      _bd_storage_set_error (error, db, rc, path, _("cannot read"));
      goto out;
    }

  if (json)
    g_string_append (buffer, rows == 0 ? "]\n" : "\n]\n");
  if (!flush_buffer (buffer, output, cancellable, error) ||
      !g_output_stream_flush (output, cancellable, error))
    goto out;

  if (n_rows != NULL)
    *n_rows = rows;
  ok = TRUE;

out:
  g_clear_pointer (&stmt, sqlite3_finalize);
  sqlite3_close (db);
  return ok;
}

BdExportOptions *
bd_export_options_copy (const BdExportOptions *options)
{
  BdExportOptions *copy;

  g_return_val_if_fail (options != NULL, NULL);

  copy = g_new (BdExportOptions, 1);
  *copy = *options;
  copy->filter = g_strdup (options->filter);
  if (options->time_zone != NULL)
    copy->time_zone = g_time_zone_ref (options->time_zone);
  if (options->series != NULL)
    copy->series = g_hash_table_ref (options->series);
  return copy;
}

void
bd_export_options_free (BdExportOptions *options)
{
  if (options == NULL)
    return;
  g_free ((char *) options->filter);
  g_clear_pointer (&options->time_zone, g_time_zone_unref);
  g_clear_pointer (&options->series, g_hash_table_unref);
  g_free (options);
}

typedef struct
{
  char            *data_dir;
  BdExportOptions *options;
  guint64          n_rows;
} ExportTask;

static void
export_task_free (gpointer data)
{
  ExportTask *export = data;

  g_free (export->data_dir);
  bd_export_options_free (export->options);
  g_free (export);
}

static void
export_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  ExportTask *export = task_data;
  GError *error = NULL;

  if (bd_export_write (export->data_dir, export->options, G_OUTPUT_STREAM (source_object),
                       &export->n_rows, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
bd_export_write_async (const char             *data_dir,
                       const BdExportOptions  *options,
                       GOutputStream          *output,
                       GCancellable           *cancellable,
                       GAsyncReadyCallback     callback,
                       gpointer                user_data)
{
  g_autoptr(GTask) task = NULL;
  ExportTask *export;

  g_return_if_fail (data_dir != NULL);
  g_return_if_fail (options != NULL);
  g_return_if_fail (G_IS_OUTPUT_STREAM (output));

  export = g_new0 (ExportTask, 1);
  export->data_dir = g_strdup (data_dir);
  export->options = bd_export_options_copy (options);

  /* The stream is the source object: it stays alive while the task runs. */
  task = g_task_new (output, cancellable, callback, user_data);
  g_task_set_source_tag (task, bd_export_write_async);
  g_task_set_task_data (task, export, export_task_free);
  g_task_run_in_thread (task, export_thread);
}

gboolean
bd_export_write_finish (GAsyncResult *result,
                        guint64      *n_rows,
                        GError      **error)
{
  ExportTask *export;

  g_return_val_if_fail (G_IS_TASK (result), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == bd_export_write_async, FALSE);

  export = g_task_get_task_data (G_TASK (result));
  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;
  if (n_rows != NULL)
    *n_rows = export->n_rows;
  return TRUE;
}
