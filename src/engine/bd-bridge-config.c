/* bd-bridge-config.c — Mosquitto 2.0's bridge directives, read and written
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A 'connection NAME' line opens a bridge block; the bridge directives after
 * it, up to the next 'connection' line or the end of the file, configure that
 * bridge (other directives keep their usual meaning in between, as in
 * Mosquitto). The rules for 'topic' are Mosquitto's:
 *
 *   topic PATTERN [in|out|both [QOS [LOCAL-PREFIX REMOTE-PREFIX]]]
 *
 * "" stands for an empty pattern or prefix. The filter on each side is the
 * prefix followed by the pattern; an empty pattern needs both prefixes, which
 * are then the topics themselves. Prefixes must not contain wildcards.
 *
 * The writer (bd_bridge_config_to_text ()) gives the lines the reader takes
 * back to the same bridge; the GUI's bridge dialog writes them.
 */

#include "config.h"

#include <string.h>

#include "bd-bridge-config-private.h"
#include "bd-config-private.h"
#include "bd-topic.h"

#define DEFAULT_PORT            1883
#define DEFAULT_KEEPALIVE       60
#define DEFAULT_RESTART_BASE    5
#define DEFAULT_RESTART_CAP     30
#define DEFAULT_IDLE_TIMEOUT    60
#define DEFAULT_THRESHOLD       10
#define MQTT_MAX_PACKET         268435460

/* ------------------------------------------------------------- structures */

/* The strings each struct owns, freed and copied from these lists. */
static const BdConfigStrings address_strings[] = {
  BD_CONFIG_STRING (BdBridgeAddress, host),
};

static const BdConfigStrings topic_strings[] = {
  BD_CONFIG_STRING (BdBridgeTopic, pattern),
  BD_CONFIG_STRING (BdBridgeTopic, local_prefix),
  BD_CONFIG_STRING (BdBridgeTopic, remote_prefix),
  BD_CONFIG_STRING (BdBridgeTopic, local_topic),
  BD_CONFIG_STRING (BdBridgeTopic, remote_topic),
};

static const BdConfigStrings bridge_strings[] = {
  BD_CONFIG_STRING (BdBridgeConfig, name),
  BD_CONFIG_STRING (BdBridgeConfig, remote_clientid),
  BD_CONFIG_STRING (BdBridgeConfig, remote_username),
  BD_CONFIG_STRING (BdBridgeConfig, remote_password),
  BD_CONFIG_STRING (BdBridgeConfig, local_clientid),
  BD_CONFIG_STRING (BdBridgeConfig, notification_topic),
  BD_CONFIG_STRING (BdBridgeConfig, cafile),
  BD_CONFIG_STRING (BdBridgeConfig, capath),
  BD_CONFIG_STRING (BdBridgeConfig, certfile),
  BD_CONFIG_STRING (BdBridgeConfig, keyfile),
  BD_CONFIG_STRING (BdBridgeConfig, alpn),
  BD_CONFIG_STRING (BdBridgeConfig, bind_address),
  BD_CONFIG_STRING (BdBridgeConfig, websocket_path),
  BD_CONFIG_STRING (BdBridgeConfig, source_file),
};

static void
address_free (gpointer data)
{
  _bd_config_strings_free (data, address_strings, G_N_ELEMENTS (address_strings));
  g_free (data);
}

static void
topic_free (gpointer data)
{
  _bd_config_strings_free (data, topic_strings, G_N_ELEMENTS (topic_strings));
  g_free (data);
}

BdBridgeConfig *
bd_bridge_config_new (const char *name)
{
  BdBridgeConfig *bridge = g_new0 (BdBridgeConfig, 1);

  /* Mosquitto 2.0's defaults. */
  bridge->name = g_strdup (name);
  bridge->addresses = g_ptr_array_new_with_free_func (address_free);
  bridge->topics = g_ptr_array_new_with_free_func (topic_free);
  bridge->protocol_version = 4;
  bridge->try_private = TRUE;
  bridge->notifications = TRUE;
  bridge->attempt_unsubscribe = TRUE;
  bridge->keepalive_interval = DEFAULT_KEEPALIVE;
  bridge->restart_timeout_base = DEFAULT_RESTART_BASE;
  bridge->restart_timeout_cap = DEFAULT_RESTART_CAP;
  bridge->start_type = BD_BRIDGE_START_AUTOMATIC;
  bridge->idle_timeout = DEFAULT_IDLE_TIMEOUT;
  bridge->threshold = DEFAULT_THRESHOLD;
  bridge->outgoing_retain = TRUE;
  return bridge;
}

BdBridgeConfig *
bd_bridge_config_copy (const BdBridgeConfig *bridge)
{
  BdBridgeConfig *copy;

  g_return_val_if_fail (bridge != NULL, NULL);

  copy = g_memdup2 (bridge, sizeof *bridge);
  _bd_config_strings_dup (copy, bridge_strings, G_N_ELEMENTS (bridge_strings));
  copy->addresses = g_ptr_array_new_with_free_func (address_free);
  for (guint i = 0; i < bridge->addresses->len; i++)
    {
      const BdBridgeAddress *a = g_ptr_array_index (bridge->addresses, i);
      BdBridgeAddress *b = g_memdup2 (a, sizeof *a);

      _bd_config_strings_dup (b, address_strings, G_N_ELEMENTS (address_strings));
      g_ptr_array_add (copy->addresses, b);
    }
  copy->topics = g_ptr_array_new_with_free_func (topic_free);
  for (guint i = 0; i < bridge->topics->len; i++)
    {
      const BdBridgeTopic *t = g_ptr_array_index (bridge->topics, i);
      BdBridgeTopic *u = g_memdup2 (t, sizeof *t);

      _bd_config_strings_dup (u, topic_strings, G_N_ELEMENTS (topic_strings));
      g_ptr_array_add (copy->topics, u);
    }
  return copy;
}

void
bd_bridge_config_free (BdBridgeConfig *bridge)
{
  if (bridge == NULL)
    return;
  g_ptr_array_unref (bridge->addresses);
  g_ptr_array_unref (bridge->topics);
  if (bridge->remote_password != NULL)
    memset (bridge->remote_password, 0, strlen (bridge->remote_password));
  _bd_config_strings_free (bridge, bridge_strings, G_N_ELEMENTS (bridge_strings));
  g_free (bridge);
}

char *
bd_bridge_config_dup_remote_clientid (const BdBridgeConfig *bridge)
{
  g_return_val_if_fail (bridge != NULL, NULL);

  if (bridge->remote_clientid != NULL)
    return g_strdup (bridge->remote_clientid);
  /* Mosquitto's default: the host name, a dot, the connection's name. */
  return g_strdup_printf ("%s.%s", g_get_host_name (), bridge->name);
}

/* @value when it is set; otherwise Mosquitto's default, the remote client
 * id between @before and @after. */
static char *
dup_or_around_remote_clientid (const BdBridgeConfig *bridge,
                               const char           *value,
                               const char           *before,
                               const char           *after)
{
  g_autofree char *remote = NULL;

  if (value != NULL)
    return g_strdup (value);
  remote = bd_bridge_config_dup_remote_clientid (bridge);
  return g_strconcat (before, remote, after, NULL);
}

char *
bd_bridge_config_dup_local_clientid (const BdBridgeConfig *bridge)
{
  g_return_val_if_fail (bridge != NULL, NULL);

  return dup_or_around_remote_clientid (bridge, bridge->local_clientid, "local.", "");
}

char *
bd_bridge_config_dup_notification_topic (const BdBridgeConfig *bridge)
{
  g_return_val_if_fail (bridge != NULL, NULL);

  return dup_or_around_remote_clientid (bridge, bridge->notification_topic,
                                        "$SYS/broker/connection/", "/state");
}

/* ---------------------------------------------------------------- reading */

gboolean
bd_bridge_config_is_directive (const char *name)
{
  g_return_val_if_fail (name != NULL, FALSE);

  return _bd_bridge_config_is_directive (name);
}

static gboolean
fail (char       **message,
      const char  *format,
      ...) G_GNUC_PRINTF (2, 3);

static gboolean
fail (char       **message,
      const char  *format,
      ...)
{
  va_list args;

  va_start (args, format);
  *message = g_strdup_vprintf (format, args);
  va_end (args);
  return FALSE;
}

/* The words of the directives that choose one of a few, and what they set.
 * The writer uses them too. */
static const BdConfigWord protocol_words[] = {
  { "mqttv31", 3 },
  { "mqttv311", 4 },
  { "mqttv50", 5 },
  { NULL, 0 }
};
static const BdConfigWord start_type_words[] = {
  { "automatic", BD_BRIDGE_START_AUTOMATIC },
  { "lazy", BD_BRIDGE_START_LAZY },
  { "once", BD_BRIDGE_START_ONCE },
  { NULL, 0 }
};
/* The value is bridge->websockets. */
static const BdConfigWord transport_words[] = {
  { "tcp", FALSE },
  { "websockets", TRUE },
  { NULL, 0 }
};

static gboolean
get_bool (const char  *name,
          const char  *value,
          gboolean    *out,
          char       **message)
{
  if (g_str_equal (value, "true"))
    *out = TRUE;
  else if (g_str_equal (value, "false"))
    *out = FALSE;
  else
    return fail (message, "%s: “%s” is not true or false", name, value);
  return TRUE;
}

static gboolean
get_uint (const char  *name,
          const char  *value,
          guint64      min,
          guint64      max,
          guint64     *out,
          char       **message)
{
  guint64 number;

  if (!g_ascii_string_to_unsigned (value, 10, min, max, &number, NULL))
    return fail (message, "%s: “%s” is not a number from %" G_GUINT64_FORMAT
                 " to %" G_GUINT64_FORMAT, name, value, min, max);
  *out = number;
  return TRUE;
}

/* "" in a configuration line stands for the empty string. */
static const char *
unquote_empty (const char *value)
{
  return g_str_equal (value, "\"\"") ? "" : value;
}

static gboolean
add_addresses (BdBridgeConfig  *bridge,
               const char      *name,
               char           **values,
               guint            n_values,
               char           **message)
{
  for (guint i = 0; i < n_values; i++)
    {
      const char *colon = strrchr (values[i], ':');
      BdBridgeAddress *address;
      guint64 port = DEFAULT_PORT;

      if (colon == values[i])
        return fail (message, "%s: “%s” has no host", name, values[i]);
      if (colon != NULL && !get_uint (name, colon + 1, 1, G_MAXUINT16, &port, message))
        return FALSE;
      address = g_new0 (BdBridgeAddress, 1);
      address->host = colon != NULL ? g_strndup (values[i], (gsize) (colon - values[i]))
                                    : g_strdup (values[i]);
      address->port = (guint16) port;
      g_ptr_array_add (bridge->addresses, address);
    }
  return TRUE;
}

static gboolean
check_prefix (const char  *which,
              const char  *prefix,
              char       **message)
{
  if (prefix[0] != '\0' && !bd_topic_name_is_valid (prefix))
    return fail (message, "topic: the %s prefix “%s” is not a valid topic (no + or #)",
                 which, prefix);
  return TRUE;
}

static gboolean
add_topic (BdBridgeConfig  *bridge,
           char           **values,
           guint            n_values,
           char           **message)
{
  const char *pattern = unquote_empty (values[0]);
  BdBridgeDirection direction = BD_BRIDGE_OUT;
  guint64 qos = 0;
  const char *local_prefix = "";
  const char *remote_prefix = "";
  BdBridgeTopic *topic;

  if (n_values > 5)
    return fail (message, "topic: unexpected extra value “%s”", values[5]);
  if (n_values >= 2)
    {
      if (g_str_equal (values[1], "out"))
        direction = BD_BRIDGE_OUT;
      else if (g_str_equal (values[1], "in"))
        direction = BD_BRIDGE_IN;
      else if (g_str_equal (values[1], "both"))
        direction = BD_BRIDGE_BOTH;
      else
        return fail (message, "topic: direction “%s” is not in, out or both", values[1]);
    }
  if (n_values >= 3 && !get_uint ("topic: QoS", values[2], 0, 2, &qos, message))
    return FALSE;
  if (n_values == 4)
    return fail (message, "topic: a local prefix needs a remote prefix after it (\"\" for none)");
  if (n_values == 5)
    {
      local_prefix = unquote_empty (values[3]);
      remote_prefix = unquote_empty (values[4]);
      if (!check_prefix ("local", local_prefix, message) ||
          !check_prefix ("remote", remote_prefix, message))
        return FALSE;
    }
  if (pattern[0] == '\0' && (local_prefix[0] == '\0' || remote_prefix[0] == '\0'))
    return fail (message, "topic: an empty pattern needs both a local and a remote prefix");

  topic = g_new0 (BdBridgeTopic, 1);
  topic->pattern = g_strdup (pattern);
  topic->direction = direction;
  topic->qos = (guint8) qos;
  topic->local_prefix = local_prefix[0] != '\0' ? g_strdup (local_prefix) : NULL;
  topic->remote_prefix = remote_prefix[0] != '\0' ? g_strdup (remote_prefix) : NULL;
  topic->local_topic = g_strconcat (local_prefix, pattern, NULL);
  topic->remote_topic = g_strconcat (remote_prefix, pattern, NULL);
  if (!bd_topic_filter_is_valid (topic->local_topic) ||
      !bd_topic_filter_is_valid (topic->remote_topic))
    {
      g_autofree char *bad = g_strdup (!bd_topic_filter_is_valid (topic->local_topic)
                                       ? topic->local_topic : topic->remote_topic);

      topic_free (topic);
      return fail (message, "topic: “%s” is not a valid topic filter", bad);
    }
  g_ptr_array_add (bridge->topics, topic);
  return TRUE;
}

gboolean
_bd_bridge_config_check (const BdBridgeConfig  *bridge,
                         char                 **message)
{
  gboolean tls = bridge->cafile != NULL || bridge->capath != NULL;

  if (bridge->addresses->len == 0)
    return fail (message, "connection “%s”: no address", bridge->name);
  if (bridge->topics->len == 0)
    return fail (message, "connection “%s”: no topic", bridge->name);
  if ((bridge->certfile == NULL) != (bridge->keyfile == NULL))
    return fail (message, "connection “%s”: bridge_certfile and bridge_keyfile go together",
                 bridge->name);
  if (!tls && (bridge->certfile != NULL || bridge->insecure || bridge->alpn != NULL))
    return fail (message, "connection “%s”: %s needs bridge_cafile or bridge_capath "
                 "(they turn TLS on)", bridge->name,
                 bridge->certfile != NULL ? "bridge_certfile"
                 : bridge->insecure ? "bridge_insecure" : "bridge_alpn");
  if (bridge->remote_password != NULL && bridge->remote_username == NULL)
    return fail (message, "connection “%s”: remote_password without remote_username",
                 bridge->name);
  if (bridge->websocket_path != NULL && !bridge->websockets)
    return fail (message, "connection “%s”: bridge_websocket_path needs "
                 "bridge_transport websockets", bridge->name);
  return TRUE;
}

static gboolean
set_string (char       **field,
            const char  *value)
{
  g_free (*field);
  *field = g_strdup (value);
  return TRUE;
}

/* The bridge directives, in the order the writer gives them. The plain ones
 * (a boolean, a number, a string, a word) are read and written from here;
 * the others by code of their own. */
typedef enum
{
  FIELD_SPECIAL,    /* @write writes it; _bd_bridge_config_apply () reads it */
  FIELD_BOOL,       /* true | false, into a gboolean */
  FIELD_UINT,       /* a number in [@min, @max], into a field of @size bytes */
  FIELD_STRING,     /* into a char*, written when set */
  FIELD_WORDS,      /* one of @words, into a field of @size bytes */
} FieldKind;

typedef struct
{
  const char         *name;
  const char         *alias;     /* Mosquitto's other name: read, never written */
  FieldKind           kind;
  gsize               offset;
  guint8              size;
  guint64             min;
  guint64             max;
  gint64              fallback;  /* the default, which the writer leaves out */
  const BdConfigWord *words;
  void              (*write) (GString *out, const BdBridgeConfig *bridge);
} BridgeField;

static void write_connection      (GString *out, const BdBridgeConfig *bridge);
static void write_addresses       (GString *out, const BdBridgeConfig *bridge);
static void write_topics          (GString *out, const BdBridgeConfig *bridge);
static void write_restart_timeout (GString *out, const BdBridgeConfig *bridge);

#define AT(field) G_STRUCT_OFFSET (BdBridgeConfig, field), \
                  (guint8) sizeof (((BdBridgeConfig *) NULL)->field)
#define SPECIAL(n, a, w)           { .name = n, .alias = a, .kind = FIELD_SPECIAL, .write = w }
#define BOOL_FIELD(n, f, d)        { .name = n, .kind = FIELD_BOOL, AT (f), .fallback = d }
#define UINT_FIELD(n, f, lo, hi, d) \
  { .name = n, .kind = FIELD_UINT, AT (f), .min = lo, .max = hi, .fallback = d }
#define STRING_FIELD(n, a, f)      { .name = n, .alias = a, .kind = FIELD_STRING, AT (f) }
#define WORDS_FIELD(n, f, w, d) \
  { .name = n, .kind = FIELD_WORDS, AT (f), .words = w, .fallback = d }

static const BridgeField fields[] = {
  SPECIAL ("connection", NULL, write_connection),
  SPECIAL ("address", "addresses", write_addresses),
  BOOL_FIELD ("round_robin", round_robin, FALSE),
  SPECIAL ("topic", NULL, write_topics),
  STRING_FIELD ("remote_clientid", "clientid", remote_clientid),
  STRING_FIELD ("remote_username", "username", remote_username),
  STRING_FIELD ("remote_password", "password", remote_password),
  STRING_FIELD ("local_clientid", NULL, local_clientid),
  BOOL_FIELD ("cleansession", cleansession, FALSE),
  WORDS_FIELD ("bridge_protocol_version", protocol_version, protocol_words, 4),
  BOOL_FIELD ("try_private", try_private, TRUE),
  BOOL_FIELD ("notifications", notifications, TRUE),
  BOOL_FIELD ("notifications_local_only", notifications_local_only, FALSE),
  BOOL_FIELD ("bridge_attempt_unsubscribe", attempt_unsubscribe, TRUE),
  STRING_FIELD ("notification_topic", NULL, notification_topic),
  UINT_FIELD ("keepalive_interval", keepalive_interval, 5, G_MAXUINT16, DEFAULT_KEEPALIVE),
  SPECIAL ("restart_timeout", NULL, write_restart_timeout),
  WORDS_FIELD ("start_type", start_type, start_type_words, BD_BRIDGE_START_AUTOMATIC),
  UINT_FIELD ("idle_timeout", idle_timeout, 1, G_MAXINT32, DEFAULT_IDLE_TIMEOUT),
  UINT_FIELD ("threshold", threshold, 1, G_MAXINT32, DEFAULT_THRESHOLD),
  STRING_FIELD ("bridge_cafile", NULL, cafile),
  STRING_FIELD ("bridge_capath", NULL, capath),
  STRING_FIELD ("bridge_certfile", NULL, certfile),
  STRING_FIELD ("bridge_keyfile", NULL, keyfile),
  BOOL_FIELD ("bridge_insecure", insecure, FALSE),
  STRING_FIELD ("bridge_alpn", NULL, alpn),
  STRING_FIELD ("bridge_bind_address", NULL, bind_address),
  UINT_FIELD ("bridge_max_packet_size", max_packet_size, 0, MQTT_MAX_PACKET, 0),
  BOOL_FIELD ("bridge_outgoing_retain", outgoing_retain, TRUE),
  UINT_FIELD ("bridge_queue_max_messages", queue_max_messages, 0, G_MAXINT32, 0),
  WORDS_FIELD ("bridge_transport", websockets, transport_words, FALSE),
  STRING_FIELD ("bridge_websocket_path", NULL, websocket_path),
};

static const BridgeField *
lookup_field (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (fields); i++)
    if (g_str_equal (fields[i].name, name) || g_strcmp0 (fields[i].alias, name) == 0)
      return &fields[i];
  return NULL;
}

gboolean
_bd_bridge_config_is_directive (const char *name)
{
  return lookup_field (name) != NULL;
}

static guint64
get_field (const BdBridgeConfig *bridge,
           const BridgeField    *field)
{
  gconstpointer p = G_STRUCT_MEMBER_P (bridge, field->offset);

  switch (field->size)
    {
    case 1:
      return *(const guint8 *) p;
    case 2:
      return *(const guint16 *) p;
    case 4:
      return *(const guint32 *) p;
    default:
      g_assert_not_reached ();
      return 0;
    }
}

/* A plain directive's @value, as written under @name (the field's or its
 * alias). */
static gboolean
read_field (BdBridgeConfig     *bridge,
            const BridgeField  *field,
            const char         *name,
            const char         *value,
            char              **message)
{
  gpointer target = G_STRUCT_MEMBER_P (bridge, field->offset);
  guint64 number = 0;
  gint64 choice;

  switch (field->kind)
    {
    case FIELD_BOOL:
      return get_bool (name, value, target, message);
    case FIELD_UINT:
      if (!get_uint (name, value, field->min, field->max, &number, message))
        return FALSE;
      _bd_config_store_int (target, field->size, (gint64) number);
      return TRUE;
    case FIELD_STRING:
      return set_string (target, value);
    case FIELD_WORDS:
      if (!_bd_config_words_parse (field->words, name, value, &choice, message))
        return FALSE;
      _bd_config_store_int (target, field->size, choice);
      return TRUE;
    case FIELD_SPECIAL:
    default:
      g_assert_not_reached ();
      return FALSE;
    }
}

gboolean
_bd_bridge_config_apply (BdBrokerConfig  *config,
                         BdBridgeConfig **current,
                         const char      *file,
                         guint            line,
                         const char      *name,
                         char           **values,
                         guint            n_values,
                         const char      *rest,
                         char           **message)
{
  BdBridgeConfig *bridge = *current;
  guint64 number = 0;
  /* Directives that take a path take the rest of the line; the others one
   * value, except those that say otherwise below. */
  gboolean takes_rest = g_str_has_prefix (name, "bridge_") &&
                        g_str_has_suffix (name, "file");

  if (n_values == 0)
    return fail (message, "%s: missing value", name);

  if (g_str_equal (name, "connection"))
    {
      if (n_values > 1)
        return fail (message, "connection: unexpected extra value “%s”", values[1]);
      if (strpbrk (values[0], "/+#") != NULL)
        return fail (message, "connection: the name “%s” must not contain /, + or #",
                     values[0]);
      if (bridge != NULL && !_bd_bridge_config_check (bridge, message))
        {
          g_autofree char *inner = *message;

          /* About the block that just ended, so point at its line. */
          *message = g_strdup_printf ("%s (the block at %s:%u)", inner,
                                      bridge->source_file, bridge->source_line);
          return FALSE;
        }
      for (guint i = 0; i < config->bridges->len; i++)
        {
          const BdBridgeConfig *other = g_ptr_array_index (config->bridges, i);

          if (g_str_equal (other->name, values[0]))
            return fail (message, "connection: “%s” is configured already at %s:%u",
                         values[0], other->source_file, other->source_line);
        }
      bridge = bd_bridge_config_new (values[0]);
      bridge->source_file = g_strdup (file);
      bridge->source_line = line;
      g_ptr_array_add (config->bridges, bridge);
      *current = bridge;
      return TRUE;
    }

  if (bridge == NULL)
    return fail (message, "“%s” before any “connection” line", name);

  if (g_str_equal (name, "address") || g_str_equal (name, "addresses"))
    return add_addresses (bridge, name, values, n_values, message);
  if (g_str_equal (name, "topic"))
    return add_topic (bridge, values, n_values, message);
  if (g_str_equal (name, "restart_timeout"))
    {
      guint64 cap = 0;

      /* One value: a constant delay; two: a backoff from base to cap. */
      if (n_values > 2)
        return fail (message, "restart_timeout: unexpected extra value “%s”", values[2]);
      if (!get_uint (name, values[0], 1, G_MAXINT32, &number, message))
        return FALSE;
      if (n_values == 2)
        {
          if (!get_uint (name, values[1], 1, G_MAXINT32, &cap, message))
            return FALSE;
          if (cap < number)
            return fail (message, "restart_timeout: the cap %s is below the base %s",
                         values[1], values[0]);
        }
      bridge->restart_timeout_base = (guint) number;
      bridge->restart_timeout_cap = (guint) cap;
      return TRUE;
    }

  if (takes_rest)
    values[0] = (char *) rest;
  else if (n_values > 1)
    return fail (message, "%s: unexpected extra value “%s”", name, values[1]);

  if (g_str_equal (name, "bridge_bind_address"))
    {
      g_autoptr(GInetAddress) inet = g_inet_address_new_from_string (values[0]);

      if (inet == NULL)
        return fail (message, "bridge_bind_address: “%s” is not an IP address", values[0]);
    }
  if (g_str_equal (name, "notification_topic") && !bd_topic_name_is_valid (values[0]))
    return fail (message, "notification_topic: “%s” is not a valid topic", values[0]);
  /* The request target of the upgrade's GET: an absolute path, with a query
   * if the upstream wants one. */
  if (g_str_equal (name, "bridge_websocket_path") && values[0][0] != '/')
    return fail (message, "bridge_websocket_path: “%s” does not start with “/”", values[0]);

  return read_field (bridge, lookup_field (name), name, values[0], message);
}

/* ---------------------------------------------------------------- writing */

static const char *
quote_empty (const char *value)
{
  return value == NULL || value[0] == '\0' ? "\"\"" : value;
}

static void
write_bool (GString    *out,
            const char *name,
            gboolean    value,
            gboolean    default_value)
{
  if (value != default_value)
    g_string_append_printf (out, "%s %s\n", name, value ? "true" : "false");
}

static void
write_string (GString    *out,
              const char *name,
              const char *value)
{
  if (value != NULL)
    g_string_append_printf (out, "%s %s\n", name, value);
}

static void
write_connection (GString              *out,
                  const BdBridgeConfig *bridge)
{
  g_string_append_printf (out, "connection %s\n", bridge->name);
}

static void
write_addresses (GString              *out,
                 const BdBridgeConfig *bridge)
{
  if (bridge->addresses->len == 0)
    return;
  g_string_append (out, "address");
  for (guint i = 0; i < bridge->addresses->len; i++)
    {
      const BdBridgeAddress *address = g_ptr_array_index (bridge->addresses, i);

      g_string_append_printf (out, " %s:%u", address->host, address->port);
    }
  g_string_append_c (out, '\n');
}

static void
write_topics (GString              *out,
              const BdBridgeConfig *bridge)
{
  static const char * const directions[] = { NULL, "out", "in", "both" };

  for (guint i = 0; i < bridge->topics->len; i++)
    {
      const BdBridgeTopic *topic = g_ptr_array_index (bridge->topics, i);

      g_string_append_printf (out, "topic %s %s %u", quote_empty (topic->pattern),
                              directions[topic->direction], topic->qos);
      if (topic->local_prefix != NULL || topic->remote_prefix != NULL)
        g_string_append_printf (out, " %s %s", quote_empty (topic->local_prefix),
                                quote_empty (topic->remote_prefix));
      g_string_append_c (out, '\n');
    }
}

static void
write_restart_timeout (GString              *out,
                       const BdBridgeConfig *bridge)
{
  if (bridge->restart_timeout_cap == 0)
    g_string_append_printf (out, "restart_timeout %u\n", bridge->restart_timeout_base);
  else if (bridge->restart_timeout_base != DEFAULT_RESTART_BASE ||
           bridge->restart_timeout_cap != DEFAULT_RESTART_CAP)
    g_string_append_printf (out, "restart_timeout %u %u\n", bridge->restart_timeout_base,
                            bridge->restart_timeout_cap);
}

char *
bd_bridge_config_to_text (const BdBridgeConfig *bridge)
{
  GString *out;

  g_return_val_if_fail (bridge != NULL, NULL);

  out = g_string_new (NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      const BridgeField *field = &fields[i];
      gconstpointer p = G_STRUCT_MEMBER_P (bridge, field->offset);
      guint64 value;

      switch (field->kind)
        {
        case FIELD_SPECIAL:
          field->write (out, bridge);
          break;
        case FIELD_BOOL:
          write_bool (out, field->name, *(const gboolean *) p, (gboolean) field->fallback);
          break;
        case FIELD_STRING:
          write_string (out, field->name, *(char * const *) p);
          break;
        case FIELD_UINT:
          value = get_field (bridge, field);
          if (value != (guint64) field->fallback)
            g_string_append_printf (out, "%s %" G_GUINT64_FORMAT "\n", field->name, value);
          break;
        case FIELD_WORDS:
          value = get_field (bridge, field);
          if (value != (guint64) field->fallback)
            g_string_append_printf (out, "%s %s\n", field->name,
                                    _bd_config_words_find (field->words, (gint64) value));
          break;
        default:
          g_assert_not_reached ();
        }
    }
  return g_string_free (out, FALSE);
}
