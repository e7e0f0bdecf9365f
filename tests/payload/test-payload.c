/* test-payload.c — numeric extraction from payloads
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bd-payload.h"

static void
assert_plain (const char *payload,
              double      expected)
{
  double value = NAN;

  if (!bd_payload_parse_plain ((const guint8 *) payload, strlen (payload), &value))
    g_error ("“%s” should parse as %g", payload, expected);
  g_assert_cmpfloat (value, ==, expected);
}

static void
assert_not_plain (const char *payload,
                  gssize      len)
{
  double value = 12345;

  if (bd_payload_parse_plain ((const guint8 *) payload, len < 0 ? strlen (payload) : (gsize) len, &value))
    g_error ("“%s” should not parse (got %g)", payload, value);
  g_assert_cmpfloat (value, ==, 12345);
}

static void
test_plain_numbers (void)
{
  assert_plain ("23.5", 23.5);
  assert_plain ("-4", -4);
  assert_plain ("1e3", 1000);
  assert_plain ("1E-2", 0.01);
  assert_plain ("2.5e+2", 250);
  assert_plain (" 23.5 ", 23.5);
  assert_plain ("\t42\r\n", 42);
  assert_plain ("+7", 7);
  assert_plain (".5", 0.5);
  assert_plain ("5.", 5);
  assert_plain ("0", 0);
  assert_plain ("1", 1);
  assert_plain ("-0.000001", -0.000001);
  assert_plain ("123456789012", 123456789012.0);
}

static void
test_plain_units (void)
{
  assert_plain ("23.5 °C", 23.5);
  assert_plain ("23.5°C", 23.5);
  assert_plain ("23.5%", 23.5);
  assert_plain ("23.5 %", 23.5);
  assert_plain ("1013 hPa", 1013);
  assert_plain ("12 m³/h", 12);
  assert_plain ("3.3 V", 3.3);
  assert_plain ("-1.5kWh", -1.5);
  assert_plain ("250 µS/cm", 250);
  assert_plain ("9.99 €", 9.99);
  assert_plain ("7 ‰", 7);
  assert_plain (" 23.5 °C\n", 23.5);
}

static void
test_plain_booleans (void)
{
  assert_plain ("true", 1);
  assert_plain ("false", 0);
  assert_plain ("ON", 1);
  assert_plain ("OFF", 0);
  assert_plain ("on", 1);
  assert_plain ("off", 0);
  assert_plain ("True", 1);
  assert_plain ("FALSE", 0);
  assert_plain (" on\n", 1);
}

static void
test_plain_rejects (void)
{
  assert_not_plain ("", -1);
  assert_not_plain ("   ", -1);
  assert_not_plain ("hello", -1);
  assert_not_plain ("12:30", -1);
  assert_not_plain ("1.2.3", -1);
  assert_not_plain ("1,5", -1);
  assert_not_plain ("0x1A", -1);
  assert_not_plain ("inf", -1);
  assert_not_plain ("-infinity", -1);
  assert_not_plain ("nan", -1);
  assert_not_plain ("NaN", -1);
  assert_not_plain ("1e999", -1);    /* not finite */
  assert_not_plain ("-", -1);
  assert_not_plain (".", -1);
  assert_not_plain ("+-5", -1);
  assert_not_plain ("--5", -1);
  assert_not_plain ("12 345", -1);
  assert_not_plain ("23.5 °C extra", -1);
  assert_not_plain ("5 very long unit name here", -1);
  assert_not_plain ("onoff", -1);
  assert_not_plain ("\"23.5\"", -1);
  assert_not_plain ("{\"a\": 1}", -1);
  /* longer than a reading */
  assert_not_plain ("1                                                                    ", -1);
}

static void
test_plain_binary (void)
{
  static const char invalid_unit[] = "23\xff\xfe";
  static const char with_nul[] = "12\0 34";
  static const char only_bytes[] = "\xff\xfe\x00\x01";

  assert_not_plain (invalid_unit, sizeof invalid_unit - 1);
  assert_not_plain (with_nul, sizeof with_nul - 1);
  assert_not_plain (only_bytes, sizeof only_bytes - 1);
}

typedef struct
{
  GPtrArray *fields;
  GArray    *values;
} Collected;

static void
collect_cb (const char *field,
            double      value,
            gpointer    user_data)
{
  Collected *c = user_data;

  g_ptr_array_add (c->fields, g_strdup (field));
  g_array_append_val (c->values, value);
}

static void
collected_init (Collected *c)
{
  c->fields = g_ptr_array_new_with_free_func (g_free);
  c->values = g_array_new (FALSE, FALSE, sizeof (double));
}

static void
collected_clear (Collected *c)
{
  g_ptr_array_unref (c->fields);
  g_array_unref (c->values);
}

static gboolean
collected_get (Collected  *c,
               const char *field,
               double     *value)
{
  for (guint i = 0; i < c->fields->len; i++)
    if (strcmp (g_ptr_array_index (c->fields, i), field) == 0)
      {
        *value = g_array_index (c->values, double, i);
        return TRUE;
      }
  return FALSE;
}

static guint
extract (const char  *payload,
         gssize       len,
         const char **paths,
         Collected   *c)
{
  guint n = bd_payload_extract_samples ((const guint8 *) payload,
                                        len < 0 ? strlen (payload) : (gsize) len,
                                        paths, collect_cb, c);

  g_assert_cmpuint (n, ==, c->fields->len);
  return n;
}

static void
test_extract_plain (void)
{
  Collected c;
  double v = 0;

  collected_init (&c);
  g_assert_cmpuint (extract ("21.5 °C", -1, NULL, &c), ==, 1);
  g_assert_true (collected_get (&c, "", &v));
  g_assert_cmpfloat (v, ==, 21.5);
  collected_clear (&c);

  collected_init (&c);
  g_assert_cmpuint (extract ("just text", -1, NULL, &c), ==, 0);
  collected_clear (&c);
}

static void
test_extract_json_members (void)
{
  Collected c;
  double v = 0;

  collected_init (&c);
  g_assert_cmpuint (extract ("{\"temp\": 21.5, \"hum\": 40, \"on\": true, \"off\": false,"
                             " \"name\": \"x\", \"nested\": {\"a\": 1}, \"arr\": [1, 2],"
                             " \"nothing\": null, \"big\": -1e3}", -1, NULL, &c), ==, 5);
  g_assert_true (collected_get (&c, "temp", &v));
  g_assert_cmpfloat (v, ==, 21.5);
  g_assert_true (collected_get (&c, "hum", &v));
  g_assert_cmpfloat (v, ==, 40);
  g_assert_true (collected_get (&c, "on", &v));
  g_assert_cmpfloat (v, ==, 1);
  g_assert_true (collected_get (&c, "off", &v));
  g_assert_cmpfloat (v, ==, 0);
  g_assert_true (collected_get (&c, "big", &v));
  g_assert_cmpfloat (v, ==, -1000);
  g_assert_false (collected_get (&c, "name", &v));
  g_assert_false (collected_get (&c, "nested", &v));
  g_assert_false (collected_get (&c, "", &v));
  collected_clear (&c);
}

static void
test_extract_json_paths (void)
{
  const char *paths[] = {
    "nested.a",
    "$.arr[1]",
    "$.nested.a",        /* same field as "nested.a": one sample */
    "temp",              /* same field as the member: one sample */
    "$.deep.list[0].v",
    "$.reading",         /* a string holding a number */
    "$.name",            /* a string that is not: no sample */
    "missing.x",
    "arr[9]",
    "a..b",              /* invalid: ignored */
    NULL
  };
  Collected c;
  double v = 0;

  collected_init (&c);
  extract ("{\"temp\": 21.5, \"name\": \"x\", \"nested\": {\"a\": 7}, \"arr\": [1, 2],"
           " \"deep\": {\"list\": [{\"v\": false}, {\"v\": 3}]}, \"reading\": \"23.5 °C\"}",
           -1, paths, &c);
  g_assert_cmpuint (c.fields->len, ==, 5);
  g_assert_true (collected_get (&c, "temp", &v));
  g_assert_cmpfloat (v, ==, 21.5);
  g_assert_true (collected_get (&c, "nested.a", &v));
  g_assert_cmpfloat (v, ==, 7);
  g_assert_true (collected_get (&c, "arr[1]", &v));
  g_assert_cmpfloat (v, ==, 2);
  g_assert_true (collected_get (&c, "deep.list[0].v", &v));
  g_assert_cmpfloat (v, ==, 0);
  g_assert_true (collected_get (&c, "reading", &v));
  g_assert_cmpfloat (v, ==, 23.5);
  collected_clear (&c);

  /* An array at the root is read through paths only. */
  {
    const char *array_paths[] = { "$[1].v", NULL };

    collected_init (&c);
    g_assert_cmpuint (extract ("[{\"v\": 1}, {\"v\": 2.25}]", -1, array_paths, &c), ==, 1);
    g_assert_true (collected_get (&c, "[1].v", &v));
    g_assert_cmpfloat (v, ==, 2.25);
    collected_clear (&c);

    collected_init (&c);
    g_assert_cmpuint (extract ("[{\"v\": 1}]", -1, NULL, &c), ==, 0);
    collected_clear (&c);
  }
}

static gboolean
read_number (const char *payload,
             const char *path,
             double     *value)
{
  return bd_payload_read_number ((const guint8 *) payload, strlen (payload), path, value);
}

/* The one number an alarm rule or a setpoint reads: plain without a path,
 * the path's sample with one; nothing else in the payload counts. */
static void
test_read_number (void)
{
  const char *json = "{\"t\": 21.5, \"out\": {\"level\": 7}, \"arr\": [1, 2], \"name\": \"x\"}";
  double v = -1;

  g_assert_true (read_number ("41.5 %", NULL, &v));
  g_assert_cmpfloat (v, ==, 41.5);
  g_assert_true (read_number ("ON", "", &v));
  g_assert_cmpfloat (v, ==, 1);

  g_assert_true (read_number (json, "$.out.level", &v));
  g_assert_cmpfloat (v, ==, 7);
  g_assert_true (read_number (json, "out.level", &v));
  g_assert_cmpfloat (v, ==, 7);
  g_assert_true (read_number (json, "$.arr[1]", &v));
  g_assert_cmpfloat (v, ==, 2);
  g_assert_true (read_number (json, "t", &v));
  g_assert_cmpfloat (v, ==, 21.5);

  /* Misses leave the value alone. */
  v = -1;
  g_assert_false (read_number (json, NULL, &v));         /* not a plain number */
  g_assert_false (read_number (json, "$.name", &v));     /* not a number */
  g_assert_false (read_number (json, "$.missing", &v));
  g_assert_false (read_number (json, "a..b", &v));       /* not a path */
  g_assert_false (read_number ("7", "$.t", &v));         /* plain, but a path was asked */
  g_assert_false (read_number ("", "$.t", &v));
  g_assert_cmpfloat (v, ==, -1);
}

static void
test_path_to_field (void)
{
  static const struct { const char *path; const char *field; } cases[] = {
    { "a.b.c", "a.b.c" },
    { "$.a.b[0].c", "a.b[0].c" },
    { "$[0].x", "[0].x" },
    { "a[2][3]", "a[2][3]" },
    { "temp", "temp" },
    { "", NULL },
    { "$", NULL },
    { "$.", NULL },
    { "a..b", NULL },
    { "a.", NULL },
    { ".a", NULL },
    { "a[", NULL },
    { "a[x]", NULL },
    { "a[]", NULL },
    { "a[1]b", NULL },
    { "$x", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *field = bd_payload_path_to_field (cases[i].path);

      g_assert_cmpstr (field, ==, cases[i].field);
    }
}

static void
test_extract_binary (void)
{
  static const char invalid_json[] = "{\"a\": 1, \"b\": \"\xff\xfe\"}";
  static const char nul_json[] = "{\"a\": 1}\0{\"b\": 2}";
  const char *paths[] = { "a", "$[0]", NULL };
  Collected c;
  GRand *rand = g_rand_new_with_seed (20261124);

  collected_init (&c);
  g_assert_cmpuint (extract (invalid_json, sizeof invalid_json - 1, paths, &c), ==, 0);
  g_assert_cmpuint (extract (nul_json, sizeof nul_json - 1, paths, &c), ==, 0);
  g_assert_cmpuint (extract ("{\"a\": 1", -1, paths, &c), ==, 0);   /* truncated */
  g_assert_cmpuint (extract ("{", -1, paths, &c), ==, 0);
  g_assert_cmpuint (extract ("[", -1, paths, &c), ==, 0);
  collected_clear (&c);

  /* Random bytes, some starting like JSON: no crash, no sanitizer report. */
  for (guint i = 0; i < 3000; i++)
    {
      guint8 buffer[96];
      gsize len = g_rand_int_range (rand, 0, sizeof buffer);

      for (gsize j = 0; j < len; j++)
        buffer[j] = (guint8) g_rand_int_range (rand, 0, 256);
      if (len > 0 && i % 3 == 0)
        buffer[0] = '{';
      if (len > 0 && i % 3 == 1)
        buffer[0] = '[';
      collected_init (&c);
      bd_payload_extract_samples (buffer, len, paths, collect_cb, &c);
      collected_clear (&c);
    }
  g_rand_free (rand);
}

/* A JSON document nested @depth levels deep inside {"t": 1, "x": ...}. */
static char *
nested_json (guint depth)
{
  GString *out = g_string_new ("{\"t\": 1, \"x\": ");

  for (guint i = 0; i < depth; i++)
    g_string_append_c (out, '[');
  for (guint i = 0; i < depth; i++)
    g_string_append_c (out, ']');
  g_string_append_c (out, '}');
  return g_string_free (out, FALSE);
}

static void
test_parse_json (void)
{
  static const char nul_json[] = "{\"a\": 1\0}";
  static const char invalid_utf8[] = "{\"a\": \"\xff\"}";
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *shallow = nested_json (BD_PAYLOAD_JSON_MAX_DEPTH - 1);
  g_autofree char *deep = nested_json (BD_PAYLOAD_JSON_MAX_DEPTH);
  struct {
    const char *payload;
    gsize       len;
  } refused[] = {
    { "", 0 },
    { "   ", 3 },
    { nul_json, sizeof nul_json - 1 },
    { invalid_utf8, sizeof invalid_utf8 - 1 },
    { "var x = {\"a\": 1}", 17 },
    { "{\"a\": 1", 7 },
    { deep, strlen (deep) },
  };

  root = bd_payload_parse_json ((const guint8 *) "{\"a\": [1, 2.5]}", 15, &error);
  g_assert_no_error (error);
  g_assert_nonnull (root);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  g_clear_pointer (&root, json_node_unref);

  /* The outer object is one level, so depth - 1 arrays inside is the most. */
  root = bd_payload_parse_json ((const guint8 *) shallow, strlen (shallow), &error);
  g_assert_no_error (error);
  g_assert_nonnull (root);
  g_clear_pointer (&root, json_node_unref);

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      root = bd_payload_parse_json ((const guint8 *) refused[i].payload, refused[i].len, &error);
      g_assert_null (root);
      g_assert_nonnull (error);
      g_assert_true (error->domain == JSON_PARSER_ERROR);
      g_clear_error (&error);
    }
}

/* json-glib's parser recurses once per level: a hostile client must not be
 * able to exhaust the recorder thread's stack with a deep document. */
static void
test_extract_deep (void)
{
  const char *paths[] = { "x[0]", NULL };
  g_autofree char *shallow = nested_json (BD_PAYLOAD_JSON_MAX_DEPTH - 1);
  g_autofree char *deep = nested_json (BD_PAYLOAD_JSON_MAX_DEPTH);
  g_autofree char *hostile = nested_json (4 * 1024 * 1024);
  Collected c;
  double v = 0;

  collected_init (&c);
  g_assert_cmpuint (extract (shallow, -1, paths, &c), ==, 1);
  g_assert_true (collected_get (&c, "t", &v));
  g_assert_cmpfloat (v, ==, 1);
  collected_clear (&c);

  collected_init (&c);
  g_assert_cmpuint (extract (deep, -1, paths, &c), ==, 0);
  g_assert_cmpuint (extract (hostile, -1, paths, &c), ==, 0);
  collected_clear (&c);
}

#define S(str) (const guint8 *) (str), strlen (str)

static void
test_dup_line (void)
{
  static const char nul[] = "on\0off";
  g_autofree char *big = g_strnfill (100000, 'x');
  struct {
    const guint8 *data;
    gsize         len;
    guint         max_chars;
    const char   *expected;
  } cases[] = {
    { S ("  {\n  \"a\":   1\n}\n"), 40, "{ \"a\": 1 }" },
    { S ("온도는 이십일 도입니다"), 5, "온도는 이…" },
    { S ("abcde"), 5, "abcde" },
    { S ("abcdef"), 5, "abcde…" },
    { S (""), 5, "" },
    { NULL, 0, 5, "" },
    /* A terminal escape and a forged log line stay on one inert line. */
    { S ("21.5\x1b[2J\r\nALARM cleared"), 40, "21.5\xef\xbf\xbd[2J ALARM cleared" },
    { S ("a\x7f\xc2\x9b" "b"), 10, "a\xef\xbf\xbd\xef\xbf\xbd" "b" },
    { (const guint8 *) nul, sizeof nul - 1, 10, "on\xef\xbf\xbdoff" },
    { S ("\xff\xfe" "23"), 10, "\xef\xbf\xbd\xef\xbf\xbd" "23" },
    /* A cut inside a multibyte character is past the last one shown. */
    { S ("ééééé"), 3, "ééé…" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *line = bd_payload_dup_line (cases[i].data, cases[i].len, cases[i].max_chars);

      g_assert_cmpstr (line, ==, cases[i].expected);
      g_assert_true (g_utf8_validate (line, -1, NULL));
    }

  /* A large payload: only its head is read, and the cut is marked. */
  {
    g_autofree char *line = bd_payload_dup_line ((const guint8 *) big, 100000, 20);
    g_autofree char *expected = g_strconcat ("xxxxxxxxxxxxxxxxxxxx", "…", NULL);

    g_assert_cmpstr (line, ==, expected);
  }
}

/* In de_DE the decimal separator is a comma: strtod ("23.5") stops at the
 * point. Our parsing must not care. */
static void
test_locale_independent (void)
{
  static const char * const locales[] = { "de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "de_DE" };
  const char *chosen = NULL;
  g_autofree char *saved = g_strdup (setlocale (LC_ALL, NULL));
  const char *paths[] = { "$.x.y", NULL };
  Collected c;
  double v = 0;

  for (guint i = 0; i < G_N_ELEMENTS (locales) && chosen == NULL; i++)
    if (setlocale (LC_ALL, locales[i]) != NULL)
      chosen = locales[i];
  if (chosen == NULL)
    {
      g_test_skip ("no comma-decimal locale installed (Debian: locales-all)");
      return;
    }
  /* Prove the locale really uses a comma. */
  g_assert_cmpfloat (strtod ("23.5", NULL), ==, 23.0);

  assert_plain ("23.5", 23.5);
  assert_plain ("1013.25 hPa", 1013.25);
  assert_plain ("-1.5e-3", -0.0015);
  assert_not_plain ("23,5", -1);

  collected_init (&c);
  extract ("{\"t\": 21.75, \"x\": {\"y\": \"0.5\"}}", -1, paths, &c);
  g_assert_true (collected_get (&c, "t", &v));
  g_assert_cmpfloat (v, ==, 21.75);
  g_assert_true (collected_get (&c, "x.y", &v));
  g_assert_cmpfloat (v, ==, 0.5);
  collected_clear (&c);

  setlocale (LC_ALL, saved);
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/payload/plain/numbers", test_plain_numbers);
  g_test_add_func ("/payload/plain/units", test_plain_units);
  g_test_add_func ("/payload/plain/booleans", test_plain_booleans);
  g_test_add_func ("/payload/plain/rejects", test_plain_rejects);
  g_test_add_func ("/payload/plain/binary", test_plain_binary);
  g_test_add_func ("/payload/extract/plain", test_extract_plain);
  g_test_add_func ("/payload/extract/json-members", test_extract_json_members);
  g_test_add_func ("/payload/extract/json-paths", test_extract_json_paths);
  g_test_add_func ("/payload/extract/binary", test_extract_binary);
  g_test_add_func ("/payload/extract/deep", test_extract_deep);
  g_test_add_func ("/payload/json/parse", test_parse_json);
  g_test_add_func ("/payload/text/line", test_dup_line);
  g_test_add_func ("/payload/path-to-field", test_path_to_field);
  g_test_add_func ("/payload/read-number", test_read_number);
  g_test_add_func ("/payload/locale-independent", test_locale_independent);

  return g_test_run ();
}
