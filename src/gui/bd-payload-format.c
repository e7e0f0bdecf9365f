/* bd-payload-format.c — a payload as text, pretty JSON and hex, and what changed in it
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Payloads come from any client on the network, so nothing here trusts them:
 * JSON is parsed by bd_payload_parse_json (), which bounds the nesting depth
 * before json-glib's recursive parser sees it, and the diff falls back to a
 * byte comparison above a size limit, so a hostile or huge payload costs
 * bounded stack and time.
 *
 * JSON is parsed with json-glib but written by our own small printer:
 * json-glib 1.6's generator prints doubles with 17 significant digits
 * (21.3 becomes 21.300000000000001), which is not what the sender wrote;
 * we print the shortest form that reads back as the same double.
 */

#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "bd-payload.h"
#include "bd-payload-format.h"

/* Above this size (either payload) the diff compares bytes only: parsing two
 * large documents 30 times a second on the GTK thread would stall it. */
#define MAX_DIFF_LEN (256 * 1024)

static gboolean
node_is_finite (JsonNode *node)
{
  switch (json_node_get_node_type (node))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObjectIter iter;
        JsonNode *member;

        json_object_iter_init (&iter, json_node_get_object (node));
        while (json_object_iter_next (&iter, NULL, &member))
          if (!node_is_finite (member))
            return FALSE;
        return TRUE;
      }
    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);

        for (guint i = 0; i < json_array_get_length (array); i++)
          if (!node_is_finite (json_array_get_element (array, i)))
            return FALSE;
        return TRUE;
      }
    case JSON_NODE_VALUE:
      return json_node_get_value_type (node) != G_TYPE_DOUBLE ||
             isfinite (json_node_get_double (node));
    case JSON_NODE_NULL:
    default:
      return TRUE;
    }
}

/* A JSON document that can be written back: 1e400 parses as infinity,
 * which JSON cannot express. */
static JsonNode *
parse_json (const guint8  *data,
            gsize          len,
            GError       **error)
{
  g_autoptr(JsonNode) root = bd_payload_parse_json (data, len, error);

  if (root != NULL && !node_is_finite (root))
    {
      g_set_error_literal (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_INVALID_DATA,
                           _("The JSON holds a number out of range"));
      return NULL;
    }
  return g_steal_pointer (&root);
}

static void
append_string (GString    *out,
               const char *s)
{
  g_string_append_c (out, '"');
  for (const char *p = s; *p != '\0'; p++)
    {
      guchar c = *p;

      switch (c)
        {
        case '"':
          g_string_append (out, "\\\"");
          break;
        case '\\':
          g_string_append (out, "\\\\");
          break;
        case '\n':
          g_string_append (out, "\\n");
          break;
        case '\r':
          g_string_append (out, "\\r");
          break;
        case '\t':
          g_string_append (out, "\\t");
          break;
        case '\b':
          g_string_append (out, "\\b");
          break;
        case '\f':
          g_string_append (out, "\\f");
          break;
        default:
          if (c < 0x20 || c == 0x7f)
            g_string_append_printf (out, "\\u%04x", c);
          else
            g_string_append_c (out, c);
        }
    }
  g_string_append_c (out, '"');
}

/* The shortest %g form that reads back as @d, with ".0" kept on integral
 * doubles so 21.0 still reads as a double. */
static void
append_double (GString *out,
               double   d)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  for (int precision = 15; precision <= 17; precision++)
    {
      char format[8];

      g_snprintf (format, sizeof format, "%%.%dg", precision);
      g_ascii_formatd (buf, sizeof buf, format, d);
      if (g_ascii_strtod (buf, NULL) == d)
        break;
    }
  g_string_append (out, buf);
  if (strpbrk (buf, ".eE") == NULL)
    g_string_append (out, ".0");
}

static void
append_indent (GString *out,
               int      indent,
               int      depth)
{
  if (indent < 0)
    return;
  g_string_append_c (out, '\n');
  for (int i = 0; i < indent * depth; i++)
    g_string_append_c (out, ' ');
}

/* @indent < 0: one line, `{"a": 1, "b": [1, 2]}`. */
static void
append_node (GString  *out,
             JsonNode *node,
             int       indent,
             int       depth)
{
  switch (json_node_get_node_type (node))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObject *object = json_node_get_object (node);
        JsonObjectIter iter;
        const char *name;
        JsonNode *member;
        gboolean first = TRUE;

        if (json_object_get_size (object) == 0)
          {
            g_string_append (out, "{}");
            break;
          }
        g_string_append_c (out, '{');
        json_object_iter_init_ordered (&iter, object);
        while (json_object_iter_next_ordered (&iter, &name, &member))
          {
            if (!first)
              g_string_append (out, indent < 0 ? ", " : ",");
            first = FALSE;
            append_indent (out, indent, depth + 1);
            append_string (out, name);
            g_string_append (out, ": ");
            append_node (out, member, indent, depth + 1);
          }
        append_indent (out, indent, depth);
        g_string_append_c (out, '}');
        break;
      }
    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);
        guint n = json_array_get_length (array);

        if (n == 0)
          {
            g_string_append (out, "[]");
            break;
          }
        g_string_append_c (out, '[');
        for (guint i = 0; i < n; i++)
          {
            if (i > 0)
              g_string_append (out, indent < 0 ? ", " : ",");
            append_indent (out, indent, depth + 1);
            append_node (out, json_array_get_element (array, i), indent, depth + 1);
          }
        append_indent (out, indent, depth);
        g_string_append_c (out, ']');
        break;
      }
    case JSON_NODE_VALUE:
      {
        GType type = json_node_get_value_type (node);

        if (type == G_TYPE_INT64)
          g_string_append_printf (out, "%" G_GINT64_FORMAT, json_node_get_int (node));
        else if (type == G_TYPE_DOUBLE)
          append_double (out, json_node_get_double (node));
        else if (type == G_TYPE_BOOLEAN)
          g_string_append (out, json_node_get_boolean (node) ? "true" : "false");
        else if (type == G_TYPE_STRING)
          append_string (out, json_node_get_string (node));
        else
          g_assert_not_reached ();
        break;
      }
    case JSON_NODE_NULL:
    default:
      g_string_append (out, "null");
      break;
    }
}

static char *
node_to_string (JsonNode *node,
                int       indent)
{
  GString *out = g_string_new (NULL);

  append_node (out, node, indent, 0);
  return g_string_free (out, FALSE);
}

char *
bd_payload_format_text (const guint8 *data,
                        gsize         len,
                        gboolean     *out_valid)
{
  gboolean valid;

  g_return_val_if_fail (data != NULL || len == 0, NULL);

  valid = len == 0 || g_utf8_validate_len ((const char *) data, len, NULL);
  if (out_valid != NULL)
    *out_valid = valid;
  if (len == 0)
    return g_strdup ("");
  if (valid)
    return g_strndup ((const char *) data, len);
  /* With an explicit length, NUL bytes count as invalid too. */
  return g_utf8_make_valid ((const char *) data, len);
}

char *
bd_payload_format_json (const guint8  *data,
                        gsize          len,
                        GError       **error)
{
  g_autoptr(JsonNode) root = NULL;

  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  root = parse_json (data, len, error);
  if (root == NULL)
    return NULL;
  return node_to_string (root, 2);
}

gboolean
bd_payload_is_json (const guint8 *data,
                    gsize         len)
{
  g_autoptr(JsonNode) root = NULL;

  g_return_val_if_fail (data != NULL || len == 0, FALSE);

  root = parse_json (data, len, NULL);
  return root != NULL;
}

char *
bd_payload_format_hex (const guint8 *data,
                       gsize         len)
{
  GString *out;

  g_return_val_if_fail (data != NULL || len == 0, NULL);

  /* 78 characters a line, known in advance. */
  out = g_string_sized_new ((len / 16 + 1) * 78);
  for (gsize offset = 0; offset < len; offset += 16)
    {
      gsize n = MIN (16, len - offset);

      g_string_append_printf (out, "%08" G_GSIZE_MODIFIER "x  ", offset);
      for (gsize i = 0; i < 16; i++)
        {
          if (i == 8)
            g_string_append_c (out, ' ');
          if (i < n)
            g_string_append_printf (out, "%02x ", data[offset + i]);
          else
            g_string_append (out, "   ");
        }
      g_string_append (out, " |");
      for (gsize i = 0; i < n; i++)
        {
          guint8 c = data[offset + i];

          g_string_append_c (out, c >= 0x20 && c < 0x7f ? (char) c : '.');
        }
      g_string_append (out, "|\n");
    }
  return g_string_free (out, FALSE);
}

/* diff ------------------------------------------------------------------- */

static void
change_free (BdPayloadChange *change)
{
  g_free (change->path);
  g_free (change->old_value);
  g_free (change->new_value);
  g_free (change);
}

static void
add_change (GPtrArray           *changes,
            BdPayloadChangeKind  kind,
            const char          *path,
            JsonNode            *old_node,
            JsonNode            *new_node)
{
  BdPayloadChange *change = g_new0 (BdPayloadChange, 1);

  change->kind = kind;
  change->path = g_strdup (path);
  change->old_value = old_node != NULL ? node_to_string (old_node, -1) : NULL;
  change->new_value = new_node != NULL ? node_to_string (new_node, -1) : NULL;
  g_ptr_array_add (changes, change);
}

/* Names that read unambiguously after a dot; others go in ["…"]. Non-ASCII
 * letters are fine: keys in Korean or German need no quoting. */
static gboolean
is_plain_key (const char *key)
{
  if (key[0] == '\0' || g_ascii_isdigit (key[0]))
    return FALSE;
  for (const guchar *p = (const guchar *) key; *p != '\0'; p++)
    if (!(g_ascii_isalnum (*p) || *p == '_' || *p == '-' || *p == '$' || *p >= 0x80))
      return FALSE;
  return TRUE;
}

static char *
member_path (const char *path,
             const char *key)
{
  GString *out = g_string_new (path);

  if (is_plain_key (key))
    {
      if (out->len > 0)
        g_string_append_c (out, '.');
      g_string_append (out, key);
    }
  else
    {
      g_string_append_c (out, '[');
      append_string (out, key);
      g_string_append_c (out, ']');
    }
  return g_string_free (out, FALSE);
}

/* Scalars and nulls: 1 and 1.0 are the same number. */
static gboolean
values_equal (JsonNode *a,
              JsonNode *b)
{
  JsonNodeType type = json_node_get_node_type (a);
  GType ta;
  GType tb;

  if (type != json_node_get_node_type (b))
    return FALSE;
  if (type == JSON_NODE_NULL)
    return TRUE;
  g_assert (type == JSON_NODE_VALUE);

  ta = json_node_get_value_type (a);
  tb = json_node_get_value_type (b);
  if (ta == G_TYPE_INT64 && tb == G_TYPE_INT64)
    return json_node_get_int (a) == json_node_get_int (b);
  if ((ta == G_TYPE_INT64 || ta == G_TYPE_DOUBLE) && (tb == G_TYPE_INT64 || tb == G_TYPE_DOUBLE))
    return json_node_get_double (a) == json_node_get_double (b);
  if (ta != tb)
    return FALSE;
  if (ta == G_TYPE_BOOLEAN)
    return json_node_get_boolean (a) == json_node_get_boolean (b);
  if (ta == G_TYPE_STRING)
    return g_strcmp0 (json_node_get_string (a), json_node_get_string (b)) == 0;
  return FALSE;
}

static void
diff_nodes (GPtrArray  *changes,
            const char *path,
            JsonNode   *old_node,
            JsonNode   *new_node)
{
  JsonNodeType old_type = json_node_get_node_type (old_node);
  JsonNodeType new_type = json_node_get_node_type (new_node);

  if (old_type == JSON_NODE_OBJECT && new_type == JSON_NODE_OBJECT)
    {
      JsonObject *old_object = json_node_get_object (old_node);
      JsonObject *new_object = json_node_get_object (new_node);
      JsonObjectIter iter;
      const char *name;
      JsonNode *member;

      json_object_iter_init_ordered (&iter, new_object);
      while (json_object_iter_next_ordered (&iter, &name, &member))
        {
          g_autofree char *child = member_path (path, name);
          JsonNode *old_member = json_object_get_member (old_object, name);

          if (old_member == NULL)
            add_change (changes, BD_PAYLOAD_CHANGE_ADDED, child, NULL, member);
          else
            diff_nodes (changes, child, old_member, member);
        }
      json_object_iter_init_ordered (&iter, old_object);
      while (json_object_iter_next_ordered (&iter, &name, &member))
        {
          if (!json_object_has_member (new_object, name))
            {
              g_autofree char *child = member_path (path, name);

              add_change (changes, BD_PAYLOAD_CHANGE_REMOVED, child, member, NULL);
            }
        }
    }
  else if (old_type == JSON_NODE_ARRAY && new_type == JSON_NODE_ARRAY)
    {
      JsonArray *old_array = json_node_get_array (old_node);
      JsonArray *new_array = json_node_get_array (new_node);
      guint old_n = json_array_get_length (old_array);
      guint new_n = json_array_get_length (new_array);

      /* By position: a reading list shifted by one shows as changed slots,
       * which is what it is for a fixed-size vector of channels. */
      for (guint i = 0; i < MAX (old_n, new_n); i++)
        {
          g_autofree char *child = g_strdup_printf ("%s[%u]", path, i);

          if (i >= old_n)
            add_change (changes, BD_PAYLOAD_CHANGE_ADDED, child, NULL,
                        json_array_get_element (new_array, i));
          else if (i >= new_n)
            add_change (changes, BD_PAYLOAD_CHANGE_REMOVED, child,
                        json_array_get_element (old_array, i), NULL);
          else
            diff_nodes (changes, child, json_array_get_element (old_array, i),
                        json_array_get_element (new_array, i));
        }
    }
  else if (old_type == JSON_NODE_OBJECT || old_type == JSON_NODE_ARRAY ||
           new_type == JSON_NODE_OBJECT || new_type == JSON_NODE_ARRAY ||
           !values_equal (old_node, new_node))
    add_change (changes, BD_PAYLOAD_CHANGE_CHANGED, path, old_node, new_node);
}

BdPayloadDiff *
bd_payload_diff_new (const guint8 *old_data,
                     gsize         old_len,
                     const guint8 *new_data,
                     gsize         new_len)
{
  BdPayloadDiff *diff;
  g_autoptr(JsonNode) old_root = NULL;
  g_autoptr(JsonNode) new_root = NULL;

  g_return_val_if_fail (old_data != NULL || old_len == 0, NULL);
  g_return_val_if_fail (new_data != NULL || new_len == 0, NULL);

  diff = g_new0 (BdPayloadDiff, 1);
  diff->changes = g_ptr_array_new_with_free_func ((GDestroyNotify) change_free);

  if (old_len <= MAX_DIFF_LEN && new_len <= MAX_DIFF_LEN &&
      (old_len > 0 && (old_data[0] == '{' || old_data[0] == '[' || g_ascii_isspace (old_data[0]))) &&
      (new_len > 0 && (new_data[0] == '{' || new_data[0] == '[' || g_ascii_isspace (new_data[0]))))
    {
      old_root = parse_json (old_data, old_len, NULL);
      new_root = old_root != NULL ? parse_json (new_data, new_len, NULL) : NULL;
    }

  if (old_root != NULL && new_root != NULL &&
      ((JSON_NODE_HOLDS_OBJECT (old_root) && JSON_NODE_HOLDS_OBJECT (new_root)) ||
       (JSON_NODE_HOLDS_ARRAY (old_root) && JSON_NODE_HOLDS_ARRAY (new_root))))
    {
      diff->structured = TRUE;
      diff_nodes (diff->changes, "", old_root, new_root);
      diff->changed = diff->changes->len > 0;
    }
  else
    {
      diff->changed = old_len != new_len ||
                      (old_len > 0 && memcmp (old_data, new_data, old_len) != 0);
    }
  return diff;
}

void
bd_payload_diff_free (BdPayloadDiff *diff)
{
  if (diff == NULL)
    return;
  g_ptr_array_unref (diff->changes);
  g_free (diff);
}
