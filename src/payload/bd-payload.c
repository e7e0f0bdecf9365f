/* bd-payload.c — what a payload says: numeric samples extracted from MQTT payloads
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "bd-payload.h"

/* A plain payload longer than this is text, not a reading: it keeps the
 * number scan (done on every message by the recorder) bounded. */
#define PLAIN_MAX_LEN 64
/* A trailing unit is short ("°C", "hPa", "m³/h", "µS/cm", "kWh"). */
#define UNIT_MAX_LEN 16

static gboolean
is_ascii_space (guint8 c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* The unit after a number: one word that starts with a letter or a symbol
 * such as % ° ‰ (so "12:30" or "1.2.3" are not numbers), with no spaces or
 * control characters inside. */
static gboolean
is_unit (const char *unit,
         gsize       len)
{
  const char *p;
  const char *end = unit + len;
  gunichar first;
  GUnicodeType type;

  if (len == 0)
    return TRUE;
  if (len > UNIT_MAX_LEN || !g_utf8_validate (unit, len, NULL))
    return FALSE;

  first = g_utf8_get_char (unit);
  type = g_unichar_type (first);
  if (!g_unichar_isalpha (first) &&
      first != '%' &&
      first != 0x2030 /* ‰ */ &&
      type != G_UNICODE_OTHER_SYMBOL &&       /* ° */
      type != G_UNICODE_CURRENCY_SYMBOL)      /* € $ */
    return FALSE;

  for (p = unit; p < end; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isspace (c) || g_unichar_iscntrl (c))
        return FALSE;
    }
  return TRUE;
}

static gboolean
equal_nocase (const char *a,
              gsize       len,
              const char *word)
{
  return strlen (word) == len && g_ascii_strncasecmp (a, word, len) == 0;
}

gboolean
bd_payload_parse_plain (const guint8 *data,
                        gsize         len,
                        double       *value)
{
  const char *s = (const char *) data;
  char number[PLAIN_MAX_LEN + 1];
  gsize start = 0;
  gsize end = len;
  gsize i;
  gsize digits = 0;
  double v;

  g_return_val_if_fail (data != NULL || len == 0, FALSE);

  if (len > PLAIN_MAX_LEN)
    return FALSE;

  while (start < end && is_ascii_space (data[start]))
    start++;
  while (end > start && is_ascii_space (data[end - 1]))
    end--;
  if (start == end)
    return FALSE;

  if (equal_nocase (s + start, end - start, "true") ||
      equal_nocase (s + start, end - start, "on"))
    {
      *value = 1.0;
      return TRUE;
    }
  if (equal_nocase (s + start, end - start, "false") ||
      equal_nocase (s + start, end - start, "off"))
    {
      *value = 0.0;
      return TRUE;
    }

  /* Scan the number ourselves: [+-] (d+ [. d*] | . d+) [(e|E) [+-] d+].
   * g_ascii_strtod alone would also take "inf", "nan" and hex ("0x1A"),
   * which are not readings. g_ascii_strtod (never strtod) then converts it,
   * because strtod follows LC_NUMERIC and reads "23.5" as 23 in de_DE. */
  i = start;
  if (data[i] == '+' || data[i] == '-')
    i++;
  while (i < end && g_ascii_isdigit (data[i]))
    i++, digits++;
  if (i < end && data[i] == '.')
    {
      i++;
      while (i < end && g_ascii_isdigit (data[i]))
        i++, digits++;
    }
  if (digits == 0)
    return FALSE;
  if (i < end && (data[i] == 'e' || data[i] == 'E'))
    {
      gsize j = i + 1;
      gsize exp_digits = 0;

      if (j < end && (data[j] == '+' || data[j] == '-'))
        j++;
      while (j < end && g_ascii_isdigit (data[j]))
        j++, exp_digits++;
      /* "5e" or "5 eggs": the 'e' starts a unit, not an exponent */
      if (exp_digits > 0)
        i = j;
    }

  /* "0x1A" is hex, not zero followed by a unit */
  if (i < end && (data[i] == 'x' || data[i] == 'X') && digits == 1 && data[i - 1] == '0')
    return FALSE;

  memcpy (number, s + start, i - start);
  number[i - start] = '\0';

  /* What follows is an optional unit, after optional spaces. */
  while (i < end && is_ascii_space (data[i]))
    i++;
  if (!is_unit (s + i, end - i))
    return FALSE;

  v = g_ascii_strtod (number, NULL);
  if (!isfinite (v))
    return FALSE;

  *value = v;
  return TRUE;
}

/* Counts the bracket depth outside strings; FALSE when it exceeds @max. */
static gboolean
depth_within (const guint8 *data,
              gsize         len,
              guint         max)
{
  guint depth = 0;
  gboolean in_string = FALSE;

  for (gsize i = 0; i < len; i++)
    {
      guint8 c = data[i];

      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
        }
      else if (c == '"')
        in_string = TRUE;
      else if (c == '{' || c == '[')
        {
          if (++depth > max)
            return FALSE;
        }
      else if ((c == '}' || c == ']') && depth > 0)
        depth--;
    }
  return TRUE;
}

JsonNode *
bd_payload_parse_json (const guint8  *data,
                       gsize          len,
                       GError       **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(JsonNode) root = NULL;

  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (len == 0)
    {
      g_set_error_literal (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_INVALID_DATA,
                           _("The payload is empty"));
      return NULL;
    }
  /* JSON text is UTF-8 (RFC 8259 §8.1); with a length this also refuses
   * NUL bytes. */
  if (len > G_MAXSSIZE || !g_utf8_validate_len ((const char *) data, len, NULL))
    {
      g_set_error_literal (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_INVALID_DATA,
                           _("The payload is not valid UTF-8"));
      return NULL;
    }
  if (!depth_within (data, len, BD_PAYLOAD_JSON_MAX_DEPTH))
    {
      g_set_error (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_INVALID_DATA,
                   _("The JSON is nested deeper than %u levels"), BD_PAYLOAD_JSON_MAX_DEPTH);
      return NULL;
    }

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, (const char *) data, (gssize) len, error))
    return NULL;
  /* json-glib also accepts `var x = {…}`, which is JavaScript, not JSON. */
  if (json_parser_has_assignment (parser, NULL))
    {
      g_set_error_literal (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_INVALID_DATA,
                           _("The payload is a JavaScript assignment, not JSON"));
      return NULL;
    }
  root = json_parser_steal_root (parser);
  if (root == NULL)
    {
      g_set_error_literal (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_INVALID_DATA,
                           _("The payload holds no JSON value"));
      return NULL;
    }
  return g_steal_pointer (&root);
}

char *
bd_payload_dup_line (const guint8 *data,
                     gsize         len,
                     guint         max_chars)
{
  /* Only the head matters; 4 bytes per character at most, plus a margin
   * for white space runs that collapse. */
  gsize head = MIN (len, (gsize) max_chars * 8 + 64);
  g_autofree char *text = NULL;
  GString *out;
  guint n = 0;
  gboolean space = FALSE;

  g_return_val_if_fail (data != NULL || len == 0, NULL);

  /* With an explicit length, NUL bytes count as invalid too. */
  if (head == 0)
    text = g_strdup ("");
  else if (g_utf8_validate_len ((const char *) data, head, NULL))
    text = g_strndup ((const char *) data, head);
  else
    text = g_utf8_make_valid ((const char *) data, head);

  out = g_string_new (NULL);
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isspace (c))
        {
          space = out->len > 0;
          continue;
        }
      if (n + (space ? 1 : 0) >= max_chars)
        {
          g_string_append (out, "…");
          return g_string_free (out, FALSE);
        }
      if (space)
        {
          g_string_append_c (out, ' ');
          n++;
          space = FALSE;
        }
      if (g_unichar_iscntrl (c))
        c = 0xFFFD;
      g_string_append_unichar (out, c);
      n++;
    }
  if (len > head)
    g_string_append (out, "…");
  return g_string_free (out, FALSE);
}

/* A path is a list of steps: member names and array indexes. */
typedef struct
{
  char *name;   /* NULL for an index step */
  guint index;
} PathStep;

static void
path_step_clear (gpointer data)
{
  PathStep *step = data;

  g_free (step->name);
}

static GArray *
parse_path (const char *path)
{
  g_autoptr(GArray) steps = g_array_new (FALSE, TRUE, sizeof (PathStep));
  const char *p = path;

  g_array_set_clear_func (steps, path_step_clear);

  if (*p == '$')
    {
      p++;
      if (*p == '.')
        p++;
      else if (*p != '[')
        return NULL;
    }

  while (*p != '\0')
    {
      if (*p == '[')
        {
          guint64 index = 0;
          const char *close = strchr (p, ']');
          g_autofree char *digits = NULL;
          PathStep step = { NULL, 0 };

          if (close == NULL || close == p + 1)
            return NULL;
          digits = g_strndup (p + 1, close - p - 1);
          if (!g_ascii_string_to_unsigned (digits, 10, 0, G_MAXUINT, &index, NULL))
            return NULL;
          step.index = (guint) index;
          g_array_append_val (steps, step);
          p = close + 1;
          if (*p == '.')
            {
              p++;
              if (*p == '\0' || *p == '.' || *p == '[')
                return NULL;
            }
          else if (*p != '\0' && *p != '[')
            return NULL;
        }
      else
        {
          gsize n = strcspn (p, ".[");
          PathStep step = { NULL, 0 };

          if (n == 0)
            return NULL;
          step.name = g_strndup (p, n);
          g_array_append_val (steps, step);
          p += n;
          if (*p == '.')
            {
              p++;
              if (*p == '\0' || *p == '.' || *p == '[')
                return NULL;
            }
        }
    }

  if (steps->len == 0)
    return NULL;
  return g_steal_pointer (&steps);
}

char *
bd_payload_path_to_field (const char *path)
{
  g_autoptr(GArray) steps = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  steps = parse_path (path);
  if (steps == NULL)
    return NULL;
  if (g_str_has_prefix (path, "$."))
    return g_strdup (path + 2);
  if (path[0] == '$')
    return g_strdup (path + 1);
  return g_strdup (path);
}

static JsonNode *
resolve_path (JsonNode *root,
              GArray   *steps)
{
  JsonNode *node = root;

  for (guint i = 0; i < steps->len && node != NULL; i++)
    {
      const PathStep *step = &g_array_index (steps, PathStep, i);

      if (step->name != NULL)
        {
          if (!JSON_NODE_HOLDS_OBJECT (node))
            return NULL;
          node = json_object_get_member (json_node_get_object (node), step->name);
        }
      else
        {
          JsonArray *array;

          if (!JSON_NODE_HOLDS_ARRAY (node))
            return NULL;
          array = json_node_get_array (node);
          if (step->index >= json_array_get_length (array))
            return NULL;
          node = json_array_get_element (array, step->index);
        }
    }
  return node;
}

/* Numbers and booleans; with @strings also a string holding a plain number. */
static gboolean
node_to_value (JsonNode *node,
               gboolean  strings,
               double   *value)
{
  GType type;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;

  type = json_node_get_value_type (node);
  if (type == G_TYPE_INT64)
    *value = (double) json_node_get_int (node);
  else if (type == G_TYPE_DOUBLE)
    *value = json_node_get_double (node);
  else if (type == G_TYPE_BOOLEAN)
    *value = json_node_get_boolean (node) ? 1.0 : 0.0;
  else if (strings && type == G_TYPE_STRING)
    {
      const char *s = json_node_get_string (node);

      return bd_payload_parse_plain ((const guint8 *) s, strlen (s), value);
    }
  else
    return FALSE;

  return isfinite (*value);
}

typedef struct
{
  BdPayloadSampleFunc  func;
  gpointer             user_data;
  GPtrArray           *fields;  /* borrowed strings already emitted */
  guint                count;
} Emitter;

static void
emit (Emitter    *emitter,
      const char *field,
      double      value)
{
  /* A path may name a top-level member too ("temp" and "$.temp"); one
   * sample per field and message keeps the samples table's key unique. */
  for (guint i = 0; i < emitter->fields->len; i++)
    if (strcmp (g_ptr_array_index (emitter->fields, i), field) == 0)
      return;
  g_ptr_array_add (emitter->fields, (gpointer) field);
  emitter->func (field, value, emitter->user_data);
  emitter->count++;
}

guint
bd_payload_extract_samples (const guint8         *data,
                            gsize                 len,
                            const char * const   *json_paths,
                            BdPayloadSampleFunc   func,
                            gpointer              user_data)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GPtrArray) fields = NULL;
  g_autoptr(GPtrArray) owned = NULL;
  Emitter emitter = { func, user_data, NULL, 0 };
  double value;
  gsize i = 0;

  g_return_val_if_fail (data != NULL || len == 0, 0);
  g_return_val_if_fail (func != NULL, 0);

  if (bd_payload_parse_plain (data, len, &value))
    {
      func ("", value, user_data);
      return 1;
    }

  /* Only objects have members; arrays are worth parsing for paths only. */
  while (i < len && is_ascii_space (data[i]))
    i++;
  if (i == len)
    return 0;
  if (data[i] != '{' && !(data[i] == '[' && json_paths != NULL && json_paths[0] != NULL))
    return 0;

  root = bd_payload_parse_json (data, len, NULL);
  if (root == NULL)
    return 0;

  fields = g_ptr_array_new ();
  owned = g_ptr_array_new_with_free_func (g_free);
  emitter.fields = fields;

  if (JSON_NODE_HOLDS_OBJECT (root))
    {
      JsonObjectIter iter;
      const char *name;
      JsonNode *member;

      json_object_iter_init (&iter, json_node_get_object (root));
      while (json_object_iter_next (&iter, &name, &member))
        if (node_to_value (member, FALSE, &value))
          emit (&emitter, name, value);
    }

  for (guint p = 0; json_paths != NULL && json_paths[p] != NULL; p++)
    {
      g_autoptr(GArray) steps = parse_path (json_paths[p]);
      char *field;

      if (steps == NULL)
        continue;
      if (!node_to_value (resolve_path (root, steps), TRUE, &value))
        continue;
      field = bd_payload_path_to_field (json_paths[p]);
      g_ptr_array_add (owned, field);
      emit (&emitter, field, value);
    }

  return emitter.count;
}

typedef struct
{
  const char *field;
  gboolean    found;
  double      value;
} FieldLookup;

static void
field_lookup_cb (const char *field,
                 double      value,
                 gpointer    user_data)
{
  FieldLookup *lookup = user_data;

  if (!lookup->found && g_str_equal (field, lookup->field))
    {
      lookup->found = TRUE;
      lookup->value = value;
    }
}

gboolean
bd_payload_read_number (const guint8 *data,
                        gsize         len,
                        const char   *path,
                        double       *value)
{
  g_autofree char *field = NULL;
  const char *paths[] = { path, NULL };
  FieldLookup lookup = { NULL, FALSE, NAN };

  g_return_val_if_fail (value != NULL, FALSE);

  if (path == NULL || path[0] == '\0')
    return bd_payload_parse_plain (data, len, value);

  field = bd_payload_path_to_field (path);
  if (field == NULL)
    return FALSE;
  lookup.field = field;
  bd_payload_extract_samples (data, len, paths, field_lookup_cb, &lookup);
  if (lookup.found)
    *value = lookup.value;
  return lookup.found;
}

char *
bd_payload_format_double (char   buffer[G_ASCII_DTOSTR_BUF_SIZE],
                          double value)
{
  for (int digits = 15; digits <= 17; digits++)
    {
      char format[8];

      g_snprintf (format, sizeof format, "%%.%dg", digits);
      g_ascii_formatd (buffer, G_ASCII_DTOSTR_BUF_SIZE, format, value);
      if (g_ascii_strtod (buffer, NULL) == value)
        break;
    }
  return buffer;
}
