/* test-payload-format.c — the inspector's payload formatting and JSON diff, without a display
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "bd-payload-format.h"

#define S(str) (const guint8 *) (str), strlen (str)

static void
test_text_utf8 (void)
{
  gboolean valid = FALSE;
  g_autofree char *text = bd_payload_format_text (S ("온도 21.5 °C\nok"), &valid);
  g_autofree char *empty = NULL;

  g_assert_true (valid);
  g_assert_cmpstr (text, ==, "온도 21.5 °C\nok");

  valid = FALSE;
  empty = bd_payload_format_text (NULL, 0, &valid);
  g_assert_true (valid);
  g_assert_cmpstr (empty, ==, "");
}

static void
test_text_invalid (void)
{
  static const guint8 bytes[] = { 'a', 0xff, 'b', 0x00, 'c', 0xc3 };
  gboolean valid = TRUE;
  g_autofree char *text = bd_payload_format_text (bytes, sizeof bytes, &valid);

  g_assert_false (valid);
  g_assert_true (g_utf8_validate (text, -1, NULL));
  /* Each bad byte (and the NUL) becomes U+FFFD; the rest stays. */
  g_assert_cmpstr (text, ==, "a\xef\xbf\xbd" "b\xef\xbf\xbd" "c\xef\xbf\xbd");
}

static void
test_json_pretty (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *json = bd_payload_format_json (S ("{\"temperature\":21.3,\"ok\":true,"
                                                     "\"sensor\":{\"battery\":87,\"id\":\"a\\\"b\"},"
                                                     "\"values\":[1,2.0,null],\"e\":{},\"l\":[]}"),
                                                  &error);

  g_assert_no_error (error);
  /* 21.3 stays 21.3 (json-glib 1.6's generator would print 21.300000000000001). */
  g_assert_cmpstr (json, ==,
                   "{\n"
                   "  \"temperature\": 21.3,\n"
                   "  \"ok\": true,\n"
                   "  \"sensor\": {\n"
                   "    \"battery\": 87,\n"
                   "    \"id\": \"a\\\"b\"\n"
                   "  },\n"
                   "  \"values\": [\n"
                   "    1,\n"
                   "    2.0,\n"
                   "    null\n"
                   "  ],\n"
                   "  \"e\": {},\n"
                   "  \"l\": []\n"
                   "}");
}

static void
test_json_scalars (void)
{
  g_autofree char *number = bd_payload_format_json (S ("  0.1 "), NULL);
  g_autofree char *string = bd_payload_format_json (S ("\"on\\n\""), NULL);
  g_autofree char *small = bd_payload_format_json (S ("1e-300"), NULL);

  g_assert_cmpstr (number, ==, "0.1");
  g_assert_cmpstr (string, ==, "\"on\\n\"");
  g_assert_cmpstr (small, ==, "1e-300");
  g_assert_true (bd_payload_is_json (S ("[1, 2]")));
  g_assert_true (bd_payload_is_json (S ("true")));
}

static void
test_json_invalid (void)
{
  static const char *not_json[] = {
    "",
    "hello",
    "{\"a\":1,}",
    "{\"a\":1} trailing",
    "var x = {\"a\": 1}",
    "1e400",
    "{\"a\":\"\xff\"}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (not_json); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *json = bd_payload_format_json (S (not_json[i]), &error);
      /* Escaped: invalid UTF-8 in a TAP line upsets the test runner. */
      g_autofree char *shown = g_strescape (not_json[i], NULL);

      g_test_message ("payload: %s", shown);
      g_assert_null (json);
      g_assert_error (error, JSON_PARSER_ERROR, error->code);
      g_assert_nonnull (error->message);
      g_assert_false (bd_payload_is_json (S (not_json[i])));
    }
}

static void
test_json_deep (void)
{
  g_autoptr(GString) deep = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;

  /* Refused before json-glib's recursive parser sees it. */
  for (guint i = 0; i < 100000; i++)
    g_string_append_c (deep, '[');
  json = bd_payload_format_json ((const guint8 *) deep->str, deep->len, &error);
  g_assert_null (json);
  g_assert_error (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_INVALID_DATA);

  /* Brackets inside strings do not count. */
  g_string_assign (deep, "{\"a\": \"");
  for (guint i = 0; i < 1000; i++)
    g_string_append_c (deep, '[');
  g_string_append (deep, "\"}");
  g_assert_true (bd_payload_is_json ((const guint8 *) deep->str, deep->len));
}

static void
test_hex (void)
{
  g_autofree char *hex = bd_payload_format_hex (S ("{\"a\": 1}\nHello, MQTT world!"));
  g_autofree char *empty = bd_payload_format_hex (NULL, 0);
  static const guint8 bytes[] = { 0x00, 0x7f, 0x80, 0xff };
  g_autofree char *binary = bd_payload_format_hex (bytes, sizeof bytes);

  g_assert_cmpstr (hex, ==,
                   "00000000  7b 22 61 22 3a 20 31 7d  0a 48 65 6c 6c 6f 2c 20  |{\"a\": 1}.Hello, |\n"
                   "00000010  4d 51 54 54 20 77 6f 72  6c 64 21                 |MQTT world!|\n");
  g_assert_cmpstr (empty, ==, "");
  g_assert_cmpstr (binary, ==,
                   "00000000  00 7f 80 ff                                       |....|\n");
}

static const BdPayloadChange *
find_change (BdPayloadDiff *diff,
             const char    *path)
{
  for (guint i = 0; i < diff->changes->len; i++)
    {
      const BdPayloadChange *change = g_ptr_array_index (diff->changes, i);

      if (g_str_equal (change->path, path))
        return change;
    }
  return NULL;
}

static void
test_diff_objects (void)
{
  g_autoptr(BdPayloadDiff) diff =
    bd_payload_diff_new (S ("{\"temperature\": 21.5, \"unit\": \"C\", \"sensor\": {\"battery\": 90, \"rssi\": -60},"
                            " \"values\": [1, 2, 3], \"old\": true, \"same\": [1, {\"x\": 1}]}"),
                         S ("{\"temperature\": 21.7, \"unit\": \"C\", \"sensor\": {\"battery\": 89, \"rssi\": -60},"
                            " \"values\": [1, 2, 4, 5], \"same\": [1, {\"x\": 1.0}], \"new key\": {\"a\": 1}}"));
  const BdPayloadChange *change;

  g_assert_true (diff->structured);
  g_assert_true (diff->changed);
  g_assert_cmpuint (diff->changes->len, ==, 6);

  change = g_ptr_array_index (diff->changes, 0);
  g_assert_cmpstr (change->path, ==, "temperature");
  g_assert_cmpint (change->kind, ==, BD_PAYLOAD_CHANGE_CHANGED);
  g_assert_cmpstr (change->old_value, ==, "21.5");
  g_assert_cmpstr (change->new_value, ==, "21.7");

  change = find_change (diff, "sensor.battery");
  g_assert_nonnull (change);
  g_assert_cmpint (change->kind, ==, BD_PAYLOAD_CHANGE_CHANGED);
  g_assert_cmpstr (change->old_value, ==, "90");
  g_assert_cmpstr (change->new_value, ==, "89");

  change = find_change (diff, "values[2]");
  g_assert_nonnull (change);
  g_assert_cmpint (change->kind, ==, BD_PAYLOAD_CHANGE_CHANGED);
  g_assert_cmpstr (change->old_value, ==, "3");
  g_assert_cmpstr (change->new_value, ==, "4");

  change = find_change (diff, "values[3]");
  g_assert_nonnull (change);
  g_assert_cmpint (change->kind, ==, BD_PAYLOAD_CHANGE_ADDED);
  g_assert_null (change->old_value);
  g_assert_cmpstr (change->new_value, ==, "5");

  /* A key that needs quoting, added with a whole subtree. */
  change = find_change (diff, "[\"new key\"]");
  g_assert_nonnull (change);
  g_assert_cmpint (change->kind, ==, BD_PAYLOAD_CHANGE_ADDED);
  g_assert_cmpstr (change->new_value, ==, "{\"a\": 1}");

  /* Removals come last. */
  change = g_ptr_array_index (diff->changes, diff->changes->len - 1);
  g_assert_cmpstr (change->path, ==, "old");
  g_assert_cmpint (change->kind, ==, BD_PAYLOAD_CHANGE_REMOVED);
  g_assert_cmpstr (change->old_value, ==, "true");
  g_assert_null (change->new_value);

  g_assert_null (find_change (diff, "unit"));
  g_assert_null (find_change (diff, "sensor.rssi"));
  g_assert_null (find_change (diff, "same[1].x"));
}

static void
test_diff_type_change (void)
{
  g_autoptr(BdPayloadDiff) diff = bd_payload_diff_new (S ("{\"a\": {\"b\": 1}, \"c\": null}"),
                                                       S ("{\"a\": [1], \"c\": 0}"));
  const BdPayloadChange *change;

  g_assert_true (diff->structured);
  g_assert_cmpuint (diff->changes->len, ==, 2);
  change = g_ptr_array_index (diff->changes, 0);
  g_assert_cmpstr (change->path, ==, "a");
  g_assert_cmpstr (change->old_value, ==, "{\"b\": 1}");
  g_assert_cmpstr (change->new_value, ==, "[1]");
  change = g_ptr_array_index (diff->changes, 1);
  g_assert_cmpstr (change->path, ==, "c");
  g_assert_cmpstr (change->old_value, ==, "null");
  g_assert_cmpstr (change->new_value, ==, "0");
}

static void
test_diff_unchanged (void)
{
  /* Only whitespace and member order differ. */
  g_autoptr(BdPayloadDiff) diff = bd_payload_diff_new (S ("{\"a\":1,\"b\":\"x\"}"),
                                                       S ("{ \"b\" : \"x\", \"a\" : 1 }"));

  g_assert_true (diff->structured);
  g_assert_false (diff->changed);
  g_assert_cmpuint (diff->changes->len, ==, 0);
}

static void
test_diff_arrays (void)
{
  g_autoptr(BdPayloadDiff) diff = bd_payload_diff_new (S ("[1, 2, 3]"), S ("[1, 5]"));
  const BdPayloadChange *change;

  g_assert_true (diff->structured);
  g_assert_cmpuint (diff->changes->len, ==, 2);
  change = g_ptr_array_index (diff->changes, 0);
  g_assert_cmpstr (change->path, ==, "[1]");
  g_assert_cmpint (change->kind, ==, BD_PAYLOAD_CHANGE_CHANGED);
  change = g_ptr_array_index (diff->changes, 1);
  g_assert_cmpstr (change->path, ==, "[2]");
  g_assert_cmpint (change->kind, ==, BD_PAYLOAD_CHANGE_REMOVED);
}

static void
test_diff_plain (void)
{
  g_autoptr(BdPayloadDiff) changed = bd_payload_diff_new (S ("21.5"), S ("21.7"));
  g_autoptr(BdPayloadDiff) same = bd_payload_diff_new (S ("21.5"), S ("21.5"));
  g_autoptr(BdPayloadDiff) mixed = bd_payload_diff_new (S ("{\"a\": 1}"), S ("[1]"));
  g_autoptr(BdPayloadDiff) text = bd_payload_diff_new (S ("on"), S ("off"));
  g_autoptr(BdPayloadDiff) empty = bd_payload_diff_new (NULL, 0, NULL, 0);

  g_assert_false (changed->structured);
  g_assert_true (changed->changed);
  g_assert_cmpuint (changed->changes->len, ==, 0);
  g_assert_false (same->structured);
  g_assert_false (same->changed);
  g_assert_false (mixed->structured);
  g_assert_true (mixed->changed);
  g_assert_true (text->changed);
  g_assert_false (empty->changed);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/gui/payload-format/text/utf8", test_text_utf8);
  g_test_add_func ("/gui/payload-format/text/invalid", test_text_invalid);
  g_test_add_func ("/gui/payload-format/json/pretty", test_json_pretty);
  g_test_add_func ("/gui/payload-format/json/scalars", test_json_scalars);
  g_test_add_func ("/gui/payload-format/json/invalid", test_json_invalid);
  g_test_add_func ("/gui/payload-format/json/deep", test_json_deep);
  g_test_add_func ("/gui/payload-format/hex", test_hex);
  g_test_add_func ("/gui/payload-format/diff/objects", test_diff_objects);
  g_test_add_func ("/gui/payload-format/diff/type-change", test_diff_type_change);
  g_test_add_func ("/gui/payload-format/diff/unchanged", test_diff_unchanged);
  g_test_add_func ("/gui/payload-format/diff/arrays", test_diff_arrays);
  g_test_add_func ("/gui/payload-format/diff/plain", test_diff_plain);

  return g_test_run ();
}
