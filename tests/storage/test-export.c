/* test-export.c — CSV and JSON export, time parsing, the --export command line
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <locale.h>
#include <string.h>

#include "bd-export.h"
#include "bd-recorder.h"
#include "storage-test-utils.h"

/* 2026-11-24T12:03:04.123Z */
static gint64 t0;

static const struct
{
  const char *topic;
  const char *payload;
  gssize      len;
} rows[] = {
  { "plant/t", "23.5 °C", -1 },
  { "plant/t", "he said \"hi\", ok", -1 },
  { "plant/t", "line1\nline2", -1 },
  { "plant/bin", "\xff\x00\x01", 3 },
  { "plant/b64", "base64:abc", -1 },
  { "plant/json", "{\"x\": 1}", -1 },
  { "a,b/c", "ON", -1 },
  { "plant/t", "", 0 },
  { "plant/cr", "a\rb", -1 },
  { "plant/v", "59.51", -1 },
  { "plant/v", "1e-7 V", -1 },
};

static const char expected_seoul[] =
  "time,topic,value,payload,label,unit\r\n"
  "2026-11-24T21:03:04.123+09:00,plant/t,23.5,23.5 °C,,\r\n"
  "2026-11-24T21:03:04.124+09:00,plant/t,,\"he said \"\"hi\"\", ok\",,\r\n"
  "2026-11-24T21:03:04.125+09:00,plant/t,,\"line1\nline2\",,\r\n"
  "2026-11-24T21:03:04.126+09:00,plant/bin,,base64:/wAB,,\r\n"
  "2026-11-24T21:03:04.127+09:00,plant/b64,,base64:YmFzZTY0OmFiYw==,,\r\n"
  "2026-11-24T21:03:04.128+09:00,plant/json,,\"{\"\"x\"\": 1}\",,\r\n"
  "2026-11-24T21:03:04.129+09:00,\"a,b/c\",1,ON,,\r\n"
  "2026-11-24T21:03:04.130+09:00,plant/t,,,,\r\n"
  "2026-11-24T21:03:04.131+09:00,plant/cr,,\"a\rb\",,\r\n"
  "2026-11-24T21:03:04.132+09:00,plant/v,59.51,59.51,,\r\n"
  "2026-11-24T21:03:04.133+09:00,plant/v,1e-07,1e-7 V,,\r\n";

static BdTestTmpdir *
make_history (void)
{
  BdTestTmpdir *dir = bd_test_tmpdir_new ("storage-test");
  g_autoptr(BdRecorder) recorder = test_recorder_start (dir, NULL, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    test_tap (recorder, rows[i].topic, rows[i].payload, rows[i].len, t0 + i);
  bd_recorder_close (recorder);
  return dir;
}

static char *
export_to_string (const char     *dir,
                  BdExportFormat  format,
                  const char     *filter,
                  gint64          from,
                  gint64          to,
                  const char     *tz_name,
                  guint64        *n_rows)
{
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GTimeZone) tz = tz_name ? g_time_zone_new_identifier (tz_name) : NULL;
  g_autoptr(GError) error = NULL;
  BdExportOptions options = { format, filter, from, to, tz };
  char nul = '\0';

  g_assert_true (tz_name == NULL || tz != NULL);
  g_assert_true (bd_export_write (dir, &options, out, n_rows, NULL, &error));
  g_assert_no_error (error);
  g_output_stream_write_all (out, &nul, 1, NULL, NULL, NULL);
  g_output_stream_close (out, NULL, NULL);
  return g_memory_output_stream_steal_data (G_MEMORY_OUTPUT_STREAM (out));
}

static void
test_csv (void)
{
  g_autoptr(BdTestTmpdir) dir = make_history ();
  g_autofree char *seoul = NULL;
  g_autofree char *utc = NULL;
  g_autofree char *ny = NULL;
  g_autofree char *filtered = NULL;
  g_autofree char *range = NULL;
  g_autofree char *none = NULL;
  guint64 n = 0;

  seoul = export_to_string (dir, BD_EXPORT_FORMAT_CSV, "#", G_MININT64, G_MAXINT64, "Asia/Seoul", &n);
  g_assert_cmpstr (seoul, ==, expected_seoul);
  g_assert_cmpuint (n, ==, G_N_ELEMENTS (rows));

  utc = export_to_string (dir, BD_EXPORT_FORMAT_CSV, NULL, G_MININT64, G_MAXINT64, "UTC", NULL);
  g_assert_true (g_str_has_prefix (utc, "time,topic,value,payload,label,unit\r\n"
                                        "2026-11-24T12:03:04.123+00:00,plant/t,23.5,23.5 °C,,\r\n"));

  ny = export_to_string (dir, BD_EXPORT_FORMAT_CSV, "plant/bin", G_MININT64, G_MAXINT64,
                         "America/New_York", NULL);
  g_assert_cmpstr (ny, ==, "time,topic,value,payload,label,unit\r\n"
                           "2026-11-24T07:03:04.126-05:00,plant/bin,,base64:/wAB,,\r\n");

  /* a filter, a range [from, to) */
  filtered = export_to_string (dir, BD_EXPORT_FORMAT_CSV, "plant/+", G_MININT64, G_MAXINT64, "UTC", &n);
  g_assert_cmpuint (n, ==, G_N_ELEMENTS (rows) - 1);
  g_assert_null (strstr (filtered, "a,b/c"));
  range = export_to_string (dir, BD_EXPORT_FORMAT_CSV, "plant/t", t0 + 1, t0 + 7, "UTC", &n);
  g_assert_cmpuint (n, ==, 2);
  none = export_to_string (dir, BD_EXPORT_FORMAT_CSV, "no/such", G_MININT64, G_MAXINT64, "UTC", &n);
  g_assert_cmpuint (n, ==, 0);
  g_assert_cmpstr (none, ==, "time,topic,value,payload,label,unit\r\n");
}

static void
test_json (void)
{
  g_autoptr(BdTestTmpdir) dir = make_history ();
  g_autofree char *text = NULL;
  g_autofree char *empty = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *decoded = NULL;
  JsonArray *array;
  JsonObject *o;
  gsize len = 0;

  text = export_to_string (dir, BD_EXPORT_FORMAT_JSON, "#", G_MININT64, G_MAXINT64, "Asia/Seoul", NULL);
  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  array = json_node_get_array (json_parser_get_root (parser));
  g_assert_cmpuint (json_array_get_length (array), ==, G_N_ELEMENTS (rows));

  o = json_array_get_object_element (array, 0);
  g_assert_cmpstr (json_object_get_string_member (o, "time"), ==, "2026-11-24T21:03:04.123+09:00");
  g_assert_cmpstr (json_object_get_string_member (o, "topic"), ==, "plant/t");
  g_assert_cmpfloat (json_object_get_double_member (o, "value"), ==, 23.5);
  g_assert_cmpstr (json_object_get_string_member (o, "payload"), ==, "23.5 °C");
  g_assert_false (json_object_has_member (o, "payload_encoding"));
  g_assert_cmpint (json_object_get_int_member (o, "qos"), ==, 1);
  g_assert_false (json_object_get_boolean_member (o, "retain"));

  o = json_array_get_object_element (array, 1);
  g_assert_cmpstr (json_object_get_string_member (o, "payload"), ==, "he said \"hi\", ok");
  g_assert_true (json_object_get_null_member (o, "value"));
  o = json_array_get_object_element (array, 2);
  g_assert_cmpstr (json_object_get_string_member (o, "payload"), ==, "line1\nline2");

  o = json_array_get_object_element (array, 3);
  g_assert_cmpstr (json_object_get_string_member (o, "payload_encoding"), ==, "base64");
  decoded = (char *) g_base64_decode (json_object_get_string_member (o, "payload"), &len);
  g_assert_cmpmem (decoded, len, "\xff\x00\x01", 3);

  /* in JSON the encoding is a separate member: "base64:abc" stays text */
  o = json_array_get_object_element (array, 4);
  g_assert_cmpstr (json_object_get_string_member (o, "payload"), ==, "base64:abc");
  g_assert_false (json_object_has_member (o, "payload_encoding"));

  o = json_array_get_object_element (array, 5);
  g_assert_true (json_object_get_null_member (o, "value"));
  g_assert_cmpstr (json_object_get_string_member (o, "payload"), ==, "{\"x\": 1}");

  o = json_array_get_object_element (array, 6);
  g_assert_cmpstr (json_object_get_string_member (o, "topic"), ==, "a,b/c");
  g_assert_cmpfloat (json_object_get_double_member (o, "value"), ==, 1);

  empty = export_to_string (dir, BD_EXPORT_FORMAT_JSON, "nothing", G_MININT64, G_MAXINT64, NULL, NULL);
  g_assert_cmpstr (empty, ==, "[]\n");
}

/* The operator's labels and units (the Overview's, handed in by the layers
 * above): a label and unit per row of a described topic, the value scaled
 * as the Overview shows it, nothing for the others. */
static void
test_labels (void)
{
  g_autoptr(BdTestTmpdir) dir = make_history ();
  g_autoptr(GHashTable) series = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                        (GDestroyNotify) bd_export_series_free);
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr(GOutputStream) csv = g_memory_output_stream_new_resizable ();
  g_autoptr(GOutputStream) json = g_memory_output_stream_new_resizable ();
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  BdExportOptions options = { BD_EXPORT_FORMAT_CSV, "plant/+", t0, t0 + 11, utc, series };
  g_autofree char *text = NULL;
  JsonArray *array;
  JsonObject *o;

  g_hash_table_insert (series, "plant/t", bd_export_series_new ("Tank, north", "°C", 1.0));
  g_hash_table_insert (series, "plant/v", bd_export_series_new (NULL, "mV", 1000.0));

  g_assert_true (bd_export_write (dir, &options, csv, NULL, NULL, &error));
  g_assert_no_error (error);
  g_output_stream_write_all (csv, "", 1, NULL, NULL, NULL);
  g_output_stream_close (csv, NULL, NULL);
  text = g_memory_output_stream_steal_data (G_MEMORY_OUTPUT_STREAM (csv));
  g_assert_cmpstr (text, ==,
                   "time,topic,value,payload,label,unit\r\n"
                   "2026-11-24T12:03:04.123+00:00,plant/t,23.5,23.5 °C,\"Tank, north\",°C\r\n"
                   "2026-11-24T12:03:04.124+00:00,plant/t,,\"he said \"\"hi\"\", ok\",\"Tank, north\",°C\r\n"
                   "2026-11-24T12:03:04.125+00:00,plant/t,,\"line1\nline2\",\"Tank, north\",°C\r\n"
                   "2026-11-24T12:03:04.126+00:00,plant/bin,,base64:/wAB,,\r\n"
                   "2026-11-24T12:03:04.127+00:00,plant/b64,,base64:YmFzZTY0OmFiYw==,,\r\n"
                   "2026-11-24T12:03:04.128+00:00,plant/json,,\"{\"\"x\"\": 1}\",,\r\n"
                   "2026-11-24T12:03:04.130+00:00,plant/t,,,\"Tank, north\",°C\r\n"
                   "2026-11-24T12:03:04.131+00:00,plant/cr,,\"a\rb\",,\r\n"
                   "2026-11-24T12:03:04.132+00:00,plant/v,59510,59.51,,mV\r\n"
                   "2026-11-24T12:03:04.133+00:00,plant/v,0.0001,1e-7 V,,mV\r\n");

  options.format = BD_EXPORT_FORMAT_JSON;
  g_assert_true (bd_export_write (dir, &options, json, NULL, NULL, &error));
  g_assert_no_error (error);
  g_output_stream_close (json, NULL, NULL);
  json_parser_load_from_data (parser,
                              g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (json)),
                              g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (json)),
                              &error);
  g_assert_no_error (error);
  array = json_node_get_array (json_parser_get_root (parser));
  g_assert_cmpuint (json_array_get_length (array), ==, 10);
  o = json_array_get_object_element (array, 0);
  g_assert_cmpstr (json_object_get_string_member (o, "label"), ==, "Tank, north");
  g_assert_cmpstr (json_object_get_string_member (o, "unit"), ==, "°C");
  g_assert_cmpfloat (json_object_get_double_member (o, "value"), ==, 23.5);
  o = json_array_get_object_element (array, 3);
  g_assert_true (json_object_get_null_member (o, "label"));
  g_assert_true (json_object_get_null_member (o, "unit"));
  o = json_array_get_object_element (array, 8);
  g_assert_cmpstr (json_object_get_string_member (o, "topic"), ==, "plant/v");
  g_assert_true (json_object_get_null_member (o, "label"));
  g_assert_cmpstr (json_object_get_string_member (o, "unit"), ==, "mV");
  g_assert_cmpfloat (json_object_get_double_member (o, "value"), ==, 59510);
  g_assert_cmpstr (json_object_get_string_member (o, "payload"), ==, "59.51");
}

static void
test_missing_database (void)
{
  g_autoptr(BdTestTmpdir) dir = bd_test_tmpdir_new ("storage-test");
  g_autofree char *path = g_build_filename (dir, "history.db", NULL);
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GError) error = NULL;
  BdExportOptions options = { BD_EXPORT_FORMAT_CSV, "#", G_MININT64, G_MAXINT64, NULL };

  g_assert_false (bd_export_write (dir, &options, out, NULL, NULL, &error));
  g_assert_error (error, BD_STORAGE_ERROR, BD_STORAGE_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, path));
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
}

static void
test_parse_time (void)
{
  const gint64 now = t0;
  static const struct { const char *text; gint64 offset; } relative[] = {
    { "now", 0 }, { "NOW", 0 }, { "-2h", -2 * 3600000 }, { "-30m", -30 * 60000 },
    { "-7d", -7 * 86400000LL }, { "+1h", 3600000 }, { "-90s", -90000 }, { "-2w", -14 * 86400000LL },
    { " -2h ", -2 * 3600000 },
  };
  static const char * const bad[] = {
    "", "yesterday", "-2x", "-h", "--2h", "2h", "-2.5h", "2026-13-01T00:00:00Z", "12:00",
    "-99999999999999d",
  };
  gint64 value = 0;

  for (guint i = 0; i < G_N_ELEMENTS (relative); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_true (bd_export_parse_time (relative[i].text, now, &value, &error));
      g_assert_no_error (error);
      g_assert_cmpint (value, ==, now + relative[i].offset);
    }

  g_assert_true (bd_export_parse_time ("2026-11-24T12:03:04.123Z", now, &value, NULL));
  g_assert_cmpint (value, ==, t0);
  g_assert_true (bd_export_parse_time ("2026-11-24T21:03:04.123+09:00", now, &value, NULL));
  g_assert_cmpint (value, ==, t0);
  g_assert_true (bd_export_parse_time ("2026-11-24", now, &value, NULL));

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (bd_export_parse_time (bad[i], now, &value, &error));
      g_assert_error (error, BD_STORAGE_ERROR, BD_STORAGE_ERROR_INVALID);
      g_assert_null (strchr (error->message, '\n'));
    }
}

static void
test_parse_format_and_filter (void)
{
  static const char * const good[] = { "#", "a/#", "+/x", "a/+/b", "a/b", "+", "/a" };
  static const char * const bad[] = { "", "a/#/b", "a#", "a+/b", "#/a", "a/b#" };
  BdExportFormat format;

  g_assert_true (bd_export_parse_format ("csv", &format, NULL));
  g_assert_cmpint (format, ==, BD_EXPORT_FORMAT_CSV);
  g_assert_true (bd_export_parse_format ("JSON", &format, NULL));
  g_assert_cmpint (format, ==, BD_EXPORT_FORMAT_JSON);
  {
    g_autoptr(GError) error = NULL;

    g_assert_false (bd_export_parse_format ("xml", &format, &error));
    g_assert_error (error, BD_STORAGE_ERROR, BD_STORAGE_ERROR_INVALID);
  }

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    g_assert_true (bd_export_check_filter (good[i], NULL));
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (bd_export_check_filter (bad[i], &error));
      g_assert_error (error, BD_STORAGE_ERROR, BD_STORAGE_ERROR_INVALID);
    }
}

static void
test_format_time (void)
{
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr(GTimeZone) seoul = g_time_zone_new_identifier ("Asia/Seoul");
  g_autofree char *a = bd_export_format_time (t0, seoul);
  g_autofree char *b = bd_export_format_time (-1, utc);
  g_autofree char *c = bd_export_format_time (0, utc);

  g_assert_cmpstr (a, ==, "2026-11-24T21:03:04.123+09:00");
  g_assert_cmpstr (b, ==, "1969-12-31T23:59:59.999+00:00");
  g_assert_cmpstr (c, ==, "1970-01-01T00:00:00.000+00:00");
}

/* The command line, through the real binary: exit status and one-line errors.
 * Its XDG_CONFIG_HOME (where overview.ini is) is this, never the user's. */
static const char *cli_config_home;

static int
run_cli (const char  *tz,
         char       **out,
         char       **err,
         ...)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  const char *binary = g_getenv ("BROKERDESK");
  const char *arg;
  va_list args;

  g_ptr_array_add (argv, (char *) binary);
  va_start (args, err);
  while ((arg = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, (char *) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_setenv (launcher, "TZ", tz, TRUE);
  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C.UTF-8", TRUE);
  g_assert_nonnull (cli_config_home);
  g_subprocess_launcher_setenv (launcher, "XDG_CONFIG_HOME", cli_config_home, TRUE);
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, out, err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  return g_subprocess_get_exit_status (process);
}

static void
assert_one_line (const char *text)
{
  g_assert_nonnull (text);
  g_assert_true (g_str_has_prefix (text, "brokerdesk: "));
  g_assert_true (g_str_has_suffix (text, "\n"));
  g_assert_null (strchr (text, '\n') == text + strlen (text) - 1 ? NULL : "more than one line");
}

static void
test_cli (void)
{
  g_autoptr(BdTestTmpdir) dir = NULL;
  g_autofree char *missing = NULL;
  g_autofree char *missing_db = NULL;
  g_autofree char *config_home = NULL;
  char *out = NULL;
  char *err = NULL;
  int status;

  BD_TEST_REQUIRE_ENV ("BROKERDESK");
  dir = make_history ();
  config_home = g_build_filename (dir, "no-config", NULL);
  cli_config_home = config_home;

  status = run_cli ("Asia/Seoul", &out, &err, "--data-dir", dir, "--export", "csv", NULL);
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpstr (out, ==, expected_seoul);
  g_assert_cmpstr (err, ==, "");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  status = run_cli ("UTC", &out, &err, "--data-dir", dir, "--export", "csv", "--topic", "plant/t",
                    "--from", "2026-11-24T12:03:04.124Z", "--to", "2026-11-24T21:03:04.126+09:00", NULL);
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpstr (out, ==, "time,topic,value,payload,label,unit\r\n"
                            "2026-11-24T12:03:04.124+00:00,plant/t,,\"he said \"\"hi\"\", ok\",,\r\n"
                            "2026-11-24T12:03:04.125+00:00,plant/t,,\"line1\nline2\",,\r\n");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  status = run_cli ("UTC", &out, &err, "--data-dir", dir, "--export", "json", "--topic", "a,b/c",
                    "--from", "-100000d", "--to", "now", NULL);
  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (out, "\"topic\":\"a,b/c\",\"value\":1,\"payload\":\"ON\""));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  status = run_cli ("UTC", &out, &err, "--data-dir", dir, "--export", "xml", NULL);
  g_assert_cmpint (status, ==, 2);
  assert_one_line (err);
  g_assert_nonnull (strstr (err, "xml"));
  g_assert_cmpstr (out, ==, "");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  status = run_cli ("UTC", &out, &err, "--data-dir", dir, "--export", "csv", "--from", "yesterday", NULL);
  g_assert_cmpint (status, ==, 2);
  assert_one_line (err);
  g_assert_nonnull (strstr (err, "--from"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  status = run_cli ("UTC", &out, &err, "--data-dir", dir, "--export", "csv", "--to", "-3q", NULL);
  g_assert_cmpint (status, ==, 2);
  assert_one_line (err);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  status = run_cli ("UTC", &out, &err, "--data-dir", dir, "--export", "csv", "--topic", "a/#/b", NULL);
  g_assert_cmpint (status, ==, 2);
  assert_one_line (err);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  missing = g_build_filename (dir, "elsewhere", NULL);
  missing_db = g_build_filename (missing, "history.db", NULL);
  status = run_cli ("UTC", &out, &err, "--data-dir", missing, "--export", "csv", NULL);
  g_assert_cmpint (status, ==, 1);
  assert_one_line (err);
  g_assert_nonnull (strstr (err, missing_db));
  g_assert_cmpstr (out, ==, "");
  g_assert_false (g_file_test (missing, G_FILE_TEST_EXISTS));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
}

/* `brokerdesk --export` names series as the Overview does: its overview.ini
 * gives the rows their label and unit, and a broken one leaves them out
 * with a warning rather than failing the export. */
static void
test_cli_labels (void)
{
  g_autoptr(BdTestTmpdir) dir = NULL;
  g_autofree char *config_home = NULL;
  g_autofree char *config_dir = NULL;
  g_autofree char *ini = NULL;
  g_autoptr(GError) error = NULL;
  char *out = NULL;
  char *err = NULL;
  int status;

  BD_TEST_REQUIRE_ENV ("BROKERDESK");
  dir = make_history ();
  config_home = g_build_filename (dir, "config", NULL);
  config_dir = g_build_filename (config_home, "brokerdesk", NULL);
  ini = g_build_filename (config_dir, "overview.ini", NULL);
  g_assert_cmpint (g_mkdir_with_parents (config_dir, 0700), ==, 0);
  g_file_set_contents (ini,
                       "[area plant]\n"
                       "[tile plant/t]\nlabel=Tank north\nunit=°C\n"
                       "[tile plant/v]\nunit=mV\nscale=1000\n", -1, &error);
  g_assert_no_error (error);
  cli_config_home = config_home;

  status = run_cli ("UTC", &out, &err, "--data-dir", dir, "--export", "csv", "--topic", "plant/+",
                    "--to", "2026-11-24T12:03:04.124Z", NULL);
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpstr (err, ==, "");
  g_assert_cmpstr (out, ==, "time,topic,value,payload,label,unit\r\n"
                            "2026-11-24T12:03:04.123+00:00,plant/t,23.5,23.5 °C,Tank north,°C\r\n");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  status = run_cli ("UTC", &out, &err, "--data-dir", dir, "--export", "json", "--topic", "plant/v",
                    NULL);
  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (out, "\"topic\":\"plant/v\",\"value\":59510,\"payload\":\"59.51\""));
  g_assert_nonnull (strstr (out, "\"label\":null,\"unit\":\"mV\"}"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* Unreadable: the rows without labels, and one warning line. */
  g_assert_cmpint (g_remove (ini), ==, 0);
  g_assert_cmpint (g_mkdir (ini, 0700), ==, 0);
  status = run_cli ("UTC", &out, &err, "--data-dir", dir, "--export", "csv", "--topic", "plant/t",
                    "--to", "2026-11-24T12:03:04.124Z", NULL);
  g_assert_cmpint (status, ==, 0);
  assert_one_line (err);
  g_assert_cmpstr (out, ==, "time,topic,value,payload,label,unit\r\n"
                            "2026-11-24T12:03:04.123+00:00,plant/t,23.5,23.5 °C,,\r\n");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  cli_config_home = NULL;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GDateTime) dt = NULL;

  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, NULL);

  dt = g_date_time_new_utc (2026, 11, 24, 12, 3, 4);
  t0 = g_date_time_to_unix (dt) * 1000 + 123;

  g_test_add_func ("/storage/export/csv", test_csv);
  g_test_add_func ("/storage/export/json", test_json);
  g_test_add_func ("/storage/export/labels", test_labels);
  g_test_add_func ("/storage/export/missing-database", test_missing_database);
  g_test_add_func ("/storage/export/parse-time", test_parse_time);
  g_test_add_func ("/storage/export/parse-format-and-filter", test_parse_format_and_filter);
  g_test_add_func ("/storage/export/format-time", test_format_time);
  g_test_add_func ("/storage/export/cli", test_cli);
  g_test_add_func ("/storage/export/cli-labels", test_cli_labels);

  return g_test_run ();
}
