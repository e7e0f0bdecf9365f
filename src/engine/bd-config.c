/* bd-config.c — reads mosquitto.conf syntax into a BdBrokerConfig
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The model follows Mosquitto 2.0's reader so an existing mosquitto.conf means
 * the same thing here:
 *
 *  - One directive a line; a line whose first non-blank character is '#' is a
 *    comment. A directive's values are separated by spaces or tabs; directives
 *    that take a path or free text (password_file, log_timestamp_format, …)
 *    take the rest of the line, so a path may contain spaces.
 *  - Later lines override earlier ones, except for the repeatable ones
 *    (log_type, log_dest, the history_* lists). As in Mosquitto, the first
 *    log_type (log_dest) line of a load replaces the default set and later
 *    lines add to it.
 *  - 'listener PORT [ADDRESS]' opens a block: listener options after it apply
 *    to that listener. Listener options given before any 'listener' line of
 *    the same file, and 'port' / 'bind_address' anywhere, configure Mosquitto's
 *    "default listener"; it is kept aside in config->default_listener and
 *    bd_broker_config_finish() makes it the first listener. Each file (the
 *    main one and every included one) starts outside any listener block, as in
 *    Mosquitto.
 *  - Security options (password_file, acl_file, allow_anonymous,
 *    allow_zero_length_clientid, auto_id_prefix) are global, or belong to the
 *    current listener when per_listener_settings is true.
 *  - Two deliberate differences: 'max_connections' outside a listener block is
 *    a limit for the whole broker (Mosquitto gives it to the default listener,
 *    which is the same thing when that is the only listener), and a relative
 *    include_dir is resolved against the directory of the file that names it
 *    rather than the working directory. 'max_topic_alias', per listener in
 *    Mosquitto, is one value here: it is refused where it would change other
 *    listeners than its own block's.
 *  - Once a file to start from is read, the password and ACL files and the
 *    persistence_location still in effect are checked, so that one that
 *    cannot be used is reported at the line naming it.
 *
 * Anything that is not understood, or understood but not implemented, is an
 * error "FILE:LINE: what is wrong": a broker that silently ignores a security
 * or bridge directive would run with a configuration its operator did not write.
 */

#include "config.h"

#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stddef.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "bd-config.h"
#include "bd-bridge-config-private.h"
#include "bd-config-private.h"
#include "bd-topic.h"

/* MQTT limits [MQTT-1.5.5] (Variable Byte Integer): the largest remaining
 * length is 268,435,455; a whole packet adds one fixed-header byte and up to
 * four length bytes. */
#define MQTT_MAX_PAYLOAD       268435455
#define MQTT_MAX_PACKET        268435460
/* Mosquitto refuses smaller packet limits: even a tiny PUBLISH needs them. */
#define MIN_MAX_PACKET_SIZE    20
#define DEFAULT_PORT           1883
#define DEFAULT_AUTO_ID_PREFIX "auto-"

G_STATIC_ASSERT (sizeof (guint) == 4);
G_STATIC_ASSERT (sizeof (gboolean) == 4);

G_DEFINE_QUARK (bd-config-error-quark, bd_config_error)

/* State shared by the main file and the files it includes. */
typedef struct
{
  gboolean log_types_set;    /* the first log_type line replaces the default */
  gboolean log_dest_set;     /* the first log_dest line replaces the default */
  gboolean security_seen;    /* per_listener_settings must come before these */
  char    *topic_alias_where; /* "FILE:LINE" of a max_topic_alias in a listener block */
  GPtrArray *paths;         /* of NamedPath*: lines naming what must exist */
  GPtrArray *claims;        /* of PortClaim*, in the order of their lines */
} LoadState;

/* A 'listener' or 'port' line: its listener takes its port there. Whether
 * another listener already has it is known only once the whole file is read
 * (a bind_interface may follow): see check_ports (). */
typedef struct
{
  const BdListenerConfig *listener;
  const char             *directive;  /* the line's; NULL: another that made the default listener */
  char                   *file;
  guint                   line;
} PortClaim;

/* A password_file, acl_file or persistence_location line, checked once the
 * whole file is read (a later line may replace it). */
typedef struct
{
  const char *name;          /* the directive's */
  char       *path;
  char       *where;         /* "FILE:LINE" */
} NamedPath;

typedef struct
{
  BdBrokerConfig   *config;
  LoadState        *load;
  const char       *name;      /* the file's name in messages */
  const char       *dir;       /* for a relative include_dir; NULL = working directory */
  guint             line;
  guint             level;     /* 0 = the main file */
  BdListenerConfig *listener;  /* block of this file's last 'listener' line */
  BdBridgeConfig   *bridge;    /* block of this file's last 'connection' line */
} Parser;

typedef enum
{
  KIND_BOOL,          /* true | false, into a gboolean */
  KIND_INT,           /* an integer in [min, max], into a field of @size bytes */
  KIND_STRING,        /* the rest of the line, into a char* */
  KIND_CHOICE,        /* one of the words of @choices, into a field of @size bytes */
  KIND_CUSTOM,        /* @func does the work */
} DirectiveKind;

typedef enum
{
  SCOPE_GLOBAL,       /* a BdBrokerConfig field at @offset */
  SCOPE_LISTENER,     /* a BdListenerConfig field at @listener_offset */
  SCOPE_SECURITY,     /* global, or the listener's with per_listener_settings */
} DirectiveScope;

typedef struct _Directive Directive;

/* @values are the line's space-separated values (at least one); @rest is the
 * text after the directive's name, without surrounding blanks. */
typedef gboolean (*DirectiveFunc) (Parser           *parser,
                                   const Directive  *directive,
                                   char            **values,
                                   guint             n_values,
                                   const char       *rest,
                                   GError          **error);

struct _Directive
{
  const char         *name;
  DirectiveKind       kind;
  DirectiveScope      scope;
  gsize               offset;           /* into BdBrokerConfig */
  gsize               listener_offset;  /* into BdListenerConfig */
  guint8              size;             /* KIND_INT, KIND_CHOICE: the field's width */
  gint64              min;              /* KIND_INT */
  gint64              max;
  const BdConfigWord *choices;          /* KIND_CHOICE, ending with { NULL } */
  const char         *expect;           /* KIND_INT: the accepted values, for messages */
  guint               max_values;       /* 0 = no limit; KIND_STRING takes the rest */
  const char         *what;             /* as in "listener: missing port" */
  DirectiveFunc       func;             /* KIND_CUSTOM */
};

/* Helpers ---------------------------------------------------------------- */

gboolean
_bd_config_parse_error_valist (GError     **error,
                               const char  *file,
                               guint        line,
                               const char  *format,
                               va_list      args)
{
  g_autofree char *message = g_strdup_vprintf (format, args);

  g_set_error (error, BD_CONFIG_ERROR, BD_CONFIG_ERROR_PARSE, "%s:%u: %s", file, line, message);
  return FALSE;
}

gboolean
_bd_config_parse_error (GError     **error,
                        const char  *file,
                        guint        line,
                        const char  *format,
                        ...)
{
  va_list args;

  va_start (args, format);
  _bd_config_parse_error_valist (error, file, line, format, args);
  va_end (args);
  return FALSE;
}

gboolean
_bd_config_read_lines (const char        *path,
                       BdConfigLineFunc   func,
                       gpointer           data,
                       GError           **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  const char *nul;
  gsize length;

  if (!g_file_get_contents (path, &text, &length, &local_error))
    {
      g_set_error_literal (error, BD_CONFIG_ERROR, BD_CONFIG_ERROR_IO, local_error->message);
      return FALSE;
    }

  nul = memchr (text, '\0', length);
  if (nul != NULL)
    {
      guint number = 1;

      for (const char *p = text; p < nul; p++)
        number += *p == '\n';
      return _bd_config_parse_error (error, path, number, "contains a NUL byte");
    }

  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = g_strstrip (lines[i]);   /* also drops a DOS '\r' */

      if (line[0] == '\0' || line[0] == '#')
        continue;
      if (!g_utf8_validate (line, -1, NULL))
        return _bd_config_parse_error (error, path, i + 1, "not valid UTF-8 text");
      if (!func (data, path, i + 1, line, error))
        return FALSE;
    }

  return TRUE;
}

static gboolean G_GNUC_PRINTF (3, 4)
parser_error (Parser      *parser,
              GError     **error,
              const char  *format,
              ...)
{
  va_list args;

  va_start (args, format);
  _bd_config_parse_error_valist (error, parser->name, parser->line, format, args);
  va_end (args);
  return FALSE;
}

/* Replaces *@where with "FILE:LINE" of the line being read, for the errors
 * found once the whole file is (or the engine starts). */
static void
set_where (char   **where,
           Parser  *parser)
{
  g_free (*where);
  *where = g_strdup_printf ("%s:%u", parser->name, parser->line);
}

static void
set_source (BdListenerConfig *listener,
            Parser           *parser)
{
  g_free (listener->source_file);
  listener->source_file = g_strdup (parser->name);
  listener->source_line = parser->line;
}

static void
replace_string (char       **field,
                const char  *value)
{
  char *copy = g_strdup (value);

  g_free (*field);
  *field = copy;
}

/* Copies each string in place (@dup: in a shallow copy) or frees it. */
static void
config_strings_walk (gpointer               data,
                     const BdConfigStrings *strings,
                     gsize                  n_strings,
                     gboolean               dup)
{
  for (gsize f = 0; f < n_strings; f++)
    for (guint i = 0; i < strings[f].count; i++)
      {
        char **field = (char **) G_STRUCT_MEMBER_P (data, strings[f].offset) + i;

        if (dup)
          *field = g_strdup (*field);
        else
          g_free (*field);
      }
}

void
_bd_config_strings_dup (gpointer               copy,
                        const BdConfigStrings *strings,
                        gsize                  n_strings)
{
  config_strings_walk (copy, strings, n_strings, TRUE);
}

void
_bd_config_strings_free (gpointer               data,
                         const BdConfigStrings *strings,
                         gsize                  n_strings)
{
  config_strings_walk (data, strings, n_strings, FALSE);
}

void
_bd_config_store_int (gpointer field,
                      guint8   size,
                      gint64   value)
{
  switch (size)
    {
    case 1:
      *(guint8 *) field = (guint8) value;
      break;
    case 2:
      *(guint16 *) field = (guint16) value;
      break;
    case 4:
      *(guint32 *) field = (guint32) value;
      break;
    case 8:
      *(gint64 *) field = value;
      break;
    default:
      g_assert_not_reached ();
    }
}

/* Created on first use: it exists only if the file configures it. */
static void
port_claim_free (gpointer data)
{
  PortClaim *claim = data;

  g_free (claim->file);
  g_free (claim);
}

/* @listener takes its port at this line; a 'port' line moves the default
 * listener's claim to it. @directive: NULL for the line that made the
 * default listener (which has port 1883 until a 'port' line). */
static void
claim_port (Parser                 *parser,
            const Directive        *directive,
            const BdListenerConfig *listener)
{
  LoadState *load = parser->load;
  PortClaim *claim;

  if (load->claims == NULL)
    load->claims = g_ptr_array_new_with_free_func (port_claim_free);
  for (guint i = 0; i < load->claims->len; i++)
    if (((PortClaim *) g_ptr_array_index (load->claims, i))->listener == listener)
      g_ptr_array_remove_index (load->claims, i--);

  claim = g_new0 (PortClaim, 1);
  claim->listener = listener;
  claim->directive = directive != NULL ? directive->name : NULL;
  claim->file = g_strdup (parser->name);
  claim->line = parser->line;
  g_ptr_array_add (load->claims, claim);
}

static BdListenerConfig *
ensure_default_listener (Parser *parser)
{
  BdBrokerConfig *config = parser->config;

  if (config->default_listener == NULL)
    {
      config->default_listener = bd_listener_config_new (DEFAULT_PORT, NULL);
      set_source (config->default_listener, parser);
      config->listeners_from_file = TRUE;
      claim_port (parser, NULL, config->default_listener);
    }

  return config->default_listener;
}

static BdListenerConfig *
current_listener (Parser *parser)
{
  if (parser->listener != NULL)
    return parser->listener;

  return ensure_default_listener (parser);
}

/* Where a SCOPE_SECURITY value goes; @is_listener tells which offset to use. */
static gpointer
security_target (Parser   *parser,
                 gboolean *is_listener)
{
  parser->load->security_seen = TRUE;

  *is_listener = parser->config->per_listener_settings;
  if (*is_listener)
    return current_listener (parser);

  return parser->config;
}

static gpointer
directive_field (Parser          *parser,
                 const Directive *directive)
{
  gboolean is_listener = FALSE;
  gpointer base;

  switch (directive->scope)
    {
    case SCOPE_GLOBAL:
      base = parser->config;
      break;
    case SCOPE_LISTENER:
      base = current_listener (parser);
      is_listener = TRUE;
      break;
    case SCOPE_SECURITY:
      base = security_target (parser, &is_listener);
      break;
    default:
      g_assert_not_reached ();
    }

  return (guint8 *) base + (is_listener ? directive->listener_offset : directive->offset);
}

static gboolean
parse_bool (Parser          *parser,
            const Directive *directive,
            const char      *text,
            gboolean        *value,
            GError         **error)
{
  /* Exactly as Mosquitto: no yes/no, 1/0 or capitals. */
  if (g_str_equal (text, "true"))
    *value = TRUE;
  else if (g_str_equal (text, "false"))
    *value = FALSE;
  else
    return parser_error (parser, error, "%s: “%s” is not true or false", directive->name, text);

  return TRUE;
}

static gboolean
parse_int (Parser          *parser,
           const Directive *directive,
           const char      *text,
           gint64           min,
           gint64           max,
           const char      *expect,
           gint64          *value,
           GError         **error)
{
  if (!g_ascii_string_to_signed (text, 10, min, max, value, NULL))
    {
      if (expect != NULL)
        return parser_error (parser, error, "%s: “%s” is not %s", directive->name, text, expect);

      return parser_error (parser, error,
                           "%s: “%s” is not a whole number from %" G_GINT64_FORMAT
                           " to %" G_GINT64_FORMAT,
                           directive->name, text, min, max);
    }

  return TRUE;
}

static gboolean
parse_choice (Parser          *parser,
              const Directive *directive,
              const char      *text,
              gint64          *value,
              GError         **error)
{
  g_autofree char *message = NULL;

  if (_bd_config_words_parse (directive->choices, directive->name, text, value, &message))
    return TRUE;

  return parser_error (parser, error, "%s", message);
}

static gboolean
parse_port (Parser          *parser,
            const Directive *directive,
            const char      *text,
            guint16         *port,
            GError         **error)
{
  gint64 value = 0;

  /* Port 0 asks the system for any free port: only useful in tests. */
  if (!parse_int (parser, directive, text, 0, G_MAXUINT16, "a port number from 0 to 65535",
                  &value, error))
    return FALSE;

  *port = (guint16) value;
  return TRUE;
}

/* Addresses are literal IPv4/IPv6 addresses or "localhost": name resolution
 * at start-up would make the configuration depend on the network. */
static gboolean
check_address (Parser          *parser,
               const Directive *directive,
               const char      *text,
               GError         **error)
{
  g_autoptr(GInetAddress) address = NULL;

  if (g_str_equal (text, "localhost"))
    return TRUE;

  address = g_inet_address_new_from_string (text);
  if (address == NULL)
    return parser_error (parser, error, "%s: “%s” is not an IP address or “localhost”",
                         directive->name, text);

  return TRUE;
}

/* A topic filter as in SUBSCRIBE [MQTT-4.7.1]: '#' only as the whole last
 * level, '+' only as a whole level. */
static gboolean
topic_filter_is_valid (const char *filter)
{
  const char *level = filter;

  if (*filter == '\0' || strlen (filter) > G_MAXUINT16)
    return FALSE;

  while (TRUE)
    {
      const char *end = strchr (level, '/');
      gsize len = end != NULL ? (gsize) (end - level) : strlen (level);

      if (memchr (level, '#', len) != NULL && (len != 1 || end != NULL))
        return FALSE;
      if (memchr (level, '+', len) != NULL && len != 1)
        return FALSE;
      if (end == NULL)
        return TRUE;

      level = end + 1;
    }
}

static gboolean
check_filter (Parser          *parser,
              const Directive *directive,
              const char      *filter,
              GError         **error)
{
  if (!topic_filter_is_valid (filter))
    return parser_error (parser, error, "%s: “%s” is not a valid topic filter",
                         directive->name, filter);

  return TRUE;
}

/* "a.b.c", "$.a.b[0].c", "$[2]": names without '.', '[' or ']', and [N]. */
static gboolean
json_path_is_valid (const char *path)
{
  const char *p = path;
  gboolean need_name = TRUE;

  if (*p == '$')
    {
      p++;
      if (*p == '.')
        p++;
      else if (*p == '[')
        need_name = FALSE;
      else
        return FALSE;
    }

  while (TRUE)
    {
      if (need_name)
        {
          gsize len = strcspn (p, ".[]");

          if (len == 0)
            return FALSE;
          p += len;
        }

      while (*p == '[')
        {
          gsize len = strspn (++p, "0123456789");

          if (len == 0 || p[len] != ']')
            return FALSE;
          p += len + 1;
        }

      if (*p == '\0')
        return TRUE;
      if (*p != '.')
        return FALSE;

      p++;
      need_name = TRUE;
    }
}

/* "NUMBER[UNIT]" with @units a list of (suffix, multiplier); a bare number
 * uses @bare_multiplier (0 = a unit is required). */
typedef struct
{
  char   suffix;
  gint64 multiplier;
} Unit;

static gboolean
parse_with_unit (const char *text,
                 const Unit *units,
                 gsize       n_units,
                 gint64      bare_multiplier,
                 gint64     *value)
{
  gsize len = strlen (text);
  gint64 multiplier = bare_multiplier;
  g_autofree char *number = NULL;
  guint64 n;

  if (len == 0)
    return FALSE;

  if (!g_ascii_isdigit (text[len - 1]))
    {
      multiplier = 0;
      for (gsize i = 0; i < n_units; i++)
        if (units[i].suffix == text[len - 1])
          multiplier = units[i].multiplier;
      len--;
    }

  if (multiplier == 0 || len == 0)
    return FALSE;

  number = g_strndup (text, len);
  if (!g_ascii_string_to_unsigned (number, 10, 0, G_MAXINT64 / multiplier, &n, NULL))
    return FALSE;

  *value = (gint64) n * multiplier;
  return TRUE;
}

/* Directive handlers ------------------------------------------------------ */

static gboolean
handle_listener (Parser           *parser,
                 const Directive  *directive,
                 char            **values,
                 guint             n_values,
                 const char       *rest,
                 GError          **error)
{
  BdListenerConfig *listener;
  guint16 port = 0;
  gboolean unix_path;

  if (!parse_port (parser, directive, values[0], &port, error))
    return FALSE;
  /* Port 0 and a path: a Unix domain socket, as in Mosquitto 2.0. Port 0
   * with an address is any free port there, so only a value with a '/' is
   * a path; the directory Mosquitto would resolve a relative one from
   * (its working directory) means nothing to a desktop application. */
  unix_path = port == 0 && n_values > 1 && strchr (values[1], '/') != NULL;
  if (unix_path && !g_path_is_absolute (values[1]))
    return parser_error (parser, error, "%s: the Unix socket “%s” needs an absolute path",
                         directive->name, values[1]);
  if (n_values > 1 && !unix_path && !check_address (parser, directive, values[1], error))
    return FALSE;
  if (parser->load->topic_alias_where != NULL)
    return parser_error (parser, error, "%s: max_topic_alias on %s applies to every listener "
                         "in Brokerdesk, only to its own listener's block in Mosquitto; "
                         "with several listeners, write it before the first “listener” line",
                         directive->name, parser->load->topic_alias_where);

  listener = bd_listener_config_new (port, n_values > 1 && !unix_path ? values[1] : NULL);
  if (unix_path)
    listener->unix_path = g_strdup (values[1]);
  set_source (listener, parser);
  g_ptr_array_add (parser->config->listeners, listener);
  claim_port (parser, directive, listener);

  parser->listener = listener;
  parser->config->listeners_from_file = TRUE;
  return TRUE;
}

/* Deprecated in Mosquitto, still common: the default listener's port. */
static gboolean
handle_port (Parser           *parser,
             const Directive  *directive,
             char            **values,
             guint             n_values,
             const char       *rest,
             GError          **error)
{
  BdListenerConfig *listener;
  guint16 port = 0;

  if (!parse_port (parser, directive, values[0], &port, error))
    return FALSE;

  listener = ensure_default_listener (parser);
  listener->port = port;
  claim_port (parser, directive, listener);
  return TRUE;
}

static gboolean
handle_bind_address (Parser           *parser,
                     const Directive  *directive,
                     char            **values,
                     guint             n_values,
                     const char       *rest,
                     GError          **error)
{
  if (!check_address (parser, directive, values[0], error))
    return FALSE;

  replace_string (&ensure_default_listener (parser)->bind_address, values[0]);
  return TRUE;
}

/* The TLS options with a text value, by name, as in BdTlsOption. */
static const char * const tls_option_names[BD_TLS_N_OPTIONS] = {
  [BD_TLS_CAFILE] = "cafile",
  [BD_TLS_CAPATH] = "capath",
  [BD_TLS_CERTFILE] = "certfile",
  [BD_TLS_KEYFILE] = "keyfile",
  [BD_TLS_CRLFILE] = "crlfile",
  [BD_TLS_VERSION] = "tls_version",
  [BD_TLS_CIPHERS] = "ciphers",
  [BD_TLS_CIPHERS_TLS13] = "ciphers_tls1.3",
  [BD_TLS_DHPARAMFILE] = "dhparamfile",
  [BD_TLS_PSK_HINT] = "psk_hint",
};

/* Per listener, as in Mosquitto 2.0 (before any 'listener' line: the
 * default listener). Files are read when the engine starts, which names
 * this line when one is wrong. */
static gboolean
handle_tls_option (Parser           *parser,
                   const Directive  *directive,
                   char            **values,
                   guint             n_values,
                   const char       *rest,
                   GError          **error)
{
  BdListenerConfig *listener = current_listener (parser);
  guint option = 0;

  while (!g_str_equal (tls_option_names[option], directive->name))
    option++;

  if (option == BD_TLS_VERSION &&
      !g_str_equal (rest, "tlsv1.1") && !g_str_equal (rest, "tlsv1.2") &&
      !g_str_equal (rest, "tlsv1.3"))
    return parser_error (parser, error, "%s: “%s” is not tlsv1.1, tlsv1.2 or tlsv1.3",
                         directive->name, rest);

  replace_string (&listener->tls[option], rest);
  set_where (&listener->tls_where[option], parser);
  return TRUE;
}

GPtrArray *
_bd_config_interface_addresses (const char     *name,
                                BdSocketDomain  domain)
{
  struct ifaddrs *list = NULL;
  GPtrArray *addresses = NULL;

  if (getifaddrs (&list) < 0)
    return NULL;
  for (struct ifaddrs *ifa = list; ifa != NULL; ifa = ifa->ifa_next)
    {
      GSocketAddress *address;
      int family;

      if (g_ascii_strcasecmp (ifa->ifa_name, name) != 0)
        continue;
      if (addresses == NULL)
        addresses = g_ptr_array_new_with_free_func (g_object_unref);
      if (ifa->ifa_addr == NULL)
        continue;
      family = ifa->ifa_addr->sa_family;
      if (!(family == AF_INET && domain != BD_SOCKET_DOMAIN_IPV6) &&
          !(family == AF_INET6 && domain != BD_SOCKET_DOMAIN_IPV4))
        continue;
      address = g_socket_address_new_from_native (ifa->ifa_addr,
                                                  family == AF_INET ? sizeof (struct sockaddr_in)
                                                                    : sizeof (struct sockaddr_in6));
      if (address != NULL)
        {
          GInetAddress *inet = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address));

          g_ptr_array_add (addresses, g_object_ref (inet));
          g_object_unref (address);
        }
    }
  freeifaddrs (list);
  return addresses;
}

/* Mosquitto binds a listener to the addresses of the interface (it does not
 * use SO_BINDTODEVICE, which needs privileges). An interface that does not
 * exist stops start-up here, at its line. */
static gboolean
handle_bind_interface (Parser           *parser,
                       const Directive  *directive,
                       char            **values,
                       guint             n_values,
                       const char       *rest,
                       GError          **error)
{
  BdListenerConfig *listener = current_listener (parser);
  g_autoptr(GPtrArray) addresses = _bd_config_interface_addresses (values[0], BD_SOCKET_DOMAIN_ANY);

  if (listener->unix_path != NULL)
    return parser_error (parser, error, "%s: the listener on the Unix socket “%s” has no "
                         "network interface", directive->name, listener->unix_path);
  if (addresses == NULL)
    return parser_error (parser, error, "%s: there is no network interface “%s”",
                         directive->name, values[0]);

  replace_string (&listener->bind_interface, values[0]);
  set_where (&listener->bind_interface_where, parser);
  return TRUE;
}

/* As Mosquitto: the prefix is put before every topic, so it must be a
 * topic name, without wildcards. */
static gboolean
handle_mount_point (Parser           *parser,
                    const Directive  *directive,
                    char            **values,
                    guint             n_values,
                    const char       *rest,
                    GError          **error)
{
  BdListenerConfig *listener = current_listener (parser);

  if (!bd_topic_name_is_valid (values[0]) || !g_utf8_validate (values[0], -1, NULL))
    return parser_error (parser, error, "%s: “%s” is not a topic name (no + or #)",
                         directive->name, values[0]);

  replace_string (&listener->mount_point, values[0]);
  return TRUE;
}

/* Mosquitto 2.1's allow-list of browser origins for a websockets
 * listener; repeatable. */
static gboolean
handle_websockets_origin (Parser           *parser,
                          const Directive  *directive,
                          char            **values,
                          guint             n_values,
                          const char       *rest,
                          GError          **error)
{
  BdListenerConfig *listener = current_listener (parser);

  g_ptr_array_add (listener->websockets_origins, g_strdup (values[0]));
  return TRUE;
}

static gboolean
handle_max_connections (Parser           *parser,
                        const Directive  *directive,
                        char            **values,
                        guint             n_values,
                        const char       *rest,
                        GError          **error)
{
  gint64 value = 0;
  guint limit;

  if (!parse_int (parser, directive, values[0], -1, G_MAXINT,
                  "-1 (unlimited) or a number of connections", &value, error))
    return FALSE;

  /* Mosquitto treats both -1 and 0 as "no limit". */
  limit = value > 0 ? (guint) value : 0;

  if (parser->listener != NULL)
    parser->listener->max_connections = limit;
  else
    parser->config->max_connections = limit;

  return TRUE;
}

static gboolean
handle_allow_anonymous (Parser           *parser,
                        const Directive  *directive,
                        char            **values,
                        guint             n_values,
                        const char       *rest,
                        GError          **error)
{
  gboolean value = FALSE;
  gboolean is_listener;
  gpointer target;

  if (!parse_bool (parser, directive, values[0], &value, error))
    return FALSE;

  target = security_target (parser, &is_listener);
  if (is_listener)
    {
      BdListenerConfig *listener = target;

      listener->allow_anonymous = value;
      listener->allow_anonymous_set = TRUE;
    }
  else
    {
      BdBrokerConfig *config = target;

      config->allow_anonymous = value;
      config->allow_anonymous_set = TRUE;
    }

  return TRUE;
}

static gboolean
handle_per_listener_settings (Parser           *parser,
                              const Directive  *directive,
                              char            **values,
                              guint             n_values,
                              const char       *rest,
                              GError          **error)
{
  gboolean value = FALSE;

  if (!parse_bool (parser, directive, values[0], &value, error))
    return FALSE;

  /* Switching after a security option was stored would strand it in the
   * wrong place (a listener's settings or the global ones). */
  if (value != parser->config->per_listener_settings && parser->load->security_seen)
    return parser_error (parser, error,
                         "%s: must come before password_file, acl_file, allow_anonymous, "
                         "allow_zero_length_clientid and auto_id_prefix",
                         directive->name);

  parser->config->per_listener_settings = value;
  return TRUE;
}

static gboolean
handle_max_packet_size (Parser           *parser,
                        const Directive  *directive,
                        char            **values,
                        guint             n_values,
                        const char       *rest,
                        GError          **error)
{
  g_autofree char *expect = NULL;
  gint64 value = 0;

  expect = g_strdup_printf ("0 (no limit) or a number of bytes from %d to %d",
                            MIN_MAX_PACKET_SIZE, MQTT_MAX_PACKET);
  if (!parse_int (parser, directive, values[0], 0, MQTT_MAX_PACKET, expect, &value, error))
    return FALSE;
  if (value != 0 && value < MIN_MAX_PACKET_SIZE)
    return parser_error (parser, error, "%s: “%s” is not %s", directive->name, values[0], expect);

  parser->config->max_packet_size = (guint32) value;
  return TRUE;
}

/* Mosquitto (2.0.12 and later) reads 0 as "no limit": clients keep the keep
 * alive they ask for, 0 included. The engine's "no limit" is the maximum,
 * 65535, so 0 is stored as that; storing 0 itself would refuse every 3.x
 * client and tell MQTT 5 clients a Server Keep Alive of 0. */
static gboolean
handle_max_keepalive (Parser           *parser,
                      const Directive  *directive,
                      char            **values,
                      guint             n_values,
                      const char       *rest,
                      GError          **error)
{
  gint64 value = 0;

  if (!parse_int (parser, directive, values[0], 0, G_MAXUINT16, NULL, &value, error))
    return FALSE;

  parser->config->max_keepalive = value == 0 ? G_MAXUINT16 : (guint16) value;
  return TRUE;
}

/* Mosquitto keeps a max_topic_alias per listener; Brokerdesk has one for the
 * broker. Before any listener block it is that one value. Inside a block it
 * means the same only while that listener is the only one: with several, it
 * would silently change the others too, so that is refused. */
static gboolean
handle_max_topic_alias (Parser           *parser,
                        const Directive  *directive,
                        char            **values,
                        guint             n_values,
                        const char       *rest,
                        GError          **error)
{
  BdBrokerConfig *config = parser->config;
  gint64 value = 0;

  if (!parse_int (parser, directive, values[0], 0, G_MAXUINT16, NULL, &value, error))
    return FALSE;

  if (parser->listener != NULL)
    {
      guint n_listeners = config->listeners->len + (config->default_listener != NULL ? 1 : 0);

      if (n_listeners > 1)
        return parser_error (parser, error, "%s: Brokerdesk applies one value to every "
                             "listener, Mosquitto only to this listener's block; with several "
                             "listeners, write it before the first “listener” line",
                             directive->name);
      set_where (&parser->load->topic_alias_where, parser);
    }

  config->max_topic_alias = (guint16) value;
  return TRUE;
}

/* The engine adds a UUID (36 characters) to the prefix for a client that
 * sent none, and an MQTT 5 client is told that identifier in CONNACK: all of
 * it must fit in an MQTT string [MQTT-1.5.4-1]. */
#define AUTO_ID_SUFFIX_LENGTH 36

static gboolean
handle_auto_id_prefix (Parser           *parser,
                       const Directive  *directive,
                       char            **values,
                       guint             n_values,
                       const char       *rest,
                       GError          **error)
{
  const gsize longest = G_MAXUINT16 - AUTO_ID_SUFFIX_LENGTH;

  if (strlen (rest) > longest)
    return parser_error (parser, error, "%s: longer than %" G_GSIZE_FORMAT " bytes, too long "
                         "for a client identifier with %d characters added",
                         directive->name, longest, AUTO_ID_SUFFIX_LENGTH);

  replace_string ((char **) directive_field (parser, directive), rest);
  return TRUE;
}

static gboolean
handle_persistent_client_expiration (Parser           *parser,
                                     const Directive  *directive,
                                     char            **values,
                                     guint             n_values,
                                     const char       *rest,
                                     GError          **error)
{
  /* Mosquitto's units: 'm' is a month (30 days) here, not a minute. */
  static const Unit units[] = {
    { 'h', 3600 },
    { 'd', 86400 },
    { 'w', 7 * 86400 },
    { 'm', 30 * 86400 },
    { 'y', 365 * 86400 },
  };
  gint64 value = 0;

  if (!parse_with_unit (values[0], units, G_N_ELEMENTS (units), 0, &value) || value <= 0)
    return parser_error (parser, error,
                         "%s: “%s” is not a duration like 1h, 2d, 1w, 1m (month) or 1y",
                         directive->name, values[0]);

  parser->config->persistent_client_expiration = value;
  return TRUE;
}

static gboolean
handle_log_type (Parser           *parser,
                 const Directive  *directive,
                 char            **values,
                 guint             n_values,
                 const char       *rest,
                 GError          **error)
{
  static const struct
  {
    const char *name;
    guint       type;
  } types[] = {
    { "debug", BD_LOG_TYPE_DEBUG },
    { "error", BD_LOG_TYPE_ERROR },
    { "warning", BD_LOG_TYPE_WARNING },
    { "notice", BD_LOG_TYPE_NOTICE },
    { "information", BD_LOG_TYPE_INFORMATION },
    { "subscribe", BD_LOG_TYPE_SUBSCRIBE },
    { "unsubscribe", BD_LOG_TYPE_UNSUBSCRIBE },
    { "websockets", BD_LOG_TYPE_WEBSOCKETS },
    /* Mosquitto writes "internal" lines only in its debug builds; Brokerdesk
     * has none, so the type selects nothing (a first line still replaces
     * the default types, as in Mosquitto). */
    { "internal", 0 },
  };
  BdBrokerConfig *config = parser->config;

  if (!parser->load->log_types_set)
    {
      config->log_types = 0;
      parser->load->log_types_set = TRUE;
    }

  /* Mosquitto reads one type a line; a list on one line is accepted too. */
  for (guint i = 0; i < n_values; i++)
    {
      const char *name = values[i];
      gboolean found = FALSE;

      if (g_str_equal (name, "all"))
        {
          config->log_types = BD_LOG_TYPE_ALL;
          continue;
        }
      if (g_str_equal (name, "none"))
        {
          config->log_types = 0;
          continue;
        }

      for (gsize j = 0; j < G_N_ELEMENTS (types) && !found; j++)
        {
          if (g_str_equal (name, types[j].name))
            {
              config->log_types |= types[j].type;
              found = TRUE;
            }
        }

      if (!found)
        return parser_error (parser, error,
                             "%s: “%s” is not one of debug, error, warning, notice, information, "
                             "internal, subscribe, unsubscribe, websockets, all or none",
                             directive->name, name);
    }

  return TRUE;
}

static gboolean
handle_log_dest (Parser           *parser,
                 const Directive  *directive,
                 char            **values,
                 guint             n_values,
                 const char       *rest,
                 GError          **error)
{
  static const char * const simple[] = { "stderr", "stdout", "syslog", "topic" };
  GPtrArray *dest = parser->config->log_dest;
  g_autofree char *entry = NULL;

  if (g_str_equal (values[0], "file"))
    {
      const char *path = rest + strlen ("file");

      while (g_ascii_isspace (*path))
        path++;
      if (*path == '\0')
        return parser_error (parser, error, "%s: file: missing path", directive->name);

      entry = g_strconcat ("file ", path, NULL);
    }
  else
    {
      for (gsize i = 0; i < G_N_ELEMENTS (simple) && entry == NULL; i++)
        if (g_str_equal (values[0], simple[i]))
          entry = g_strdup (simple[i]);

      /* "topic" publishes the log under $SYS/broker/log/ (bd-log.c). The
       * automotive DLT daemon is not something Brokerdesk talks to. */
      if (g_str_equal (values[0], "dlt"))
        return parser_error (parser, error,
                             "%s: “%s” is not supported by Brokerdesk (stderr, stdout, syslog, "
                             "topic, file PATH or none)", directive->name, values[0]);
      if (entry == NULL && !g_str_equal (values[0], "none"))
        return parser_error (parser, error,
                             "%s: “%s” is not stderr, stdout, syslog, topic, none or file PATH",
                             directive->name, values[0]);
      if (n_values > 1)
        return parser_error (parser, error, "%s: unexpected extra value “%s”",
                             directive->name, values[1]);
    }

  if (!parser->load->log_dest_set)
    {
      g_ptr_array_set_size (dest, 0);
      parser->load->log_dest_set = TRUE;
    }

  /* "none" turns logging off, until a later line adds a destination. */
  if (entry == NULL)
    {
      g_ptr_array_set_size (dest, 0);
      return TRUE;
    }

  for (guint i = 0; i < dest->len; i++)
    {
      const char *existing = g_ptr_array_index (dest, i);

      if (g_str_equal (existing, entry))
        return TRUE;
      /* As in Mosquitto: one log file. */
      if (g_str_has_prefix (entry, "file ") && g_str_has_prefix (existing, "file "))
        return parser_error (parser, error, "%s: only one file destination is allowed",
                             directive->name);
    }

  g_ptr_array_add (dest, g_steal_pointer (&entry));
  return TRUE;
}

/* Mosquitto's syslog facility: local0 to local7 (LOG_DAEMON without the
 * line). The LOG_LOCALn values are not consecutive integers: a table. */
static gboolean
handle_log_facility (Parser           *parser,
                     const Directive  *directive,
                     char            **values,
                     guint             n_values,
                     const char       *rest,
                     GError          **error)
{
  static const int facilities[] = {
    LOG_LOCAL0, LOG_LOCAL1, LOG_LOCAL2, LOG_LOCAL3,
    LOG_LOCAL4, LOG_LOCAL5, LOG_LOCAL6, LOG_LOCAL7,
  };
  gint64 value = 0;

  if (!parse_int (parser, directive, values[0], 0, G_N_ELEMENTS (facilities) - 1,
                  "0 to 7 (syslog's local0 to local7)", &value, error))
    return FALSE;

  parser->config->log_facility = facilities[value];
  return TRUE;
}

/* Mosquitto sends a message once to a 3.1/3.1.1 client whose subscriptions
 * overlap, unless this is true, which lets it send a copy per matching
 * subscription: "your clients must be able to correctly deal with duplicate
 * messages". Brokerdesk always sends one copy per client, at the highest QoS
 * of its matching subscriptions [MQTT-3.3.5-1], which honours both values:
 * false asks for exactly that, and true only allows duplicates (it exists
 * to spare the memory of Mosquitto's tracking, which routing here does not
 * need). Only the value is checked. */
static gboolean
handle_allow_duplicate_messages (Parser           *parser,
                                 const Directive  *directive,
                                 char            **values,
                                 guint             n_values,
                                 const char       *rest,
                                 GError          **error)
{
  gboolean value = FALSE;

  return parse_bool (parser, directive, values[0], &value, error);
}

/* Mosquitto started as root switches to this user; started as anyone else it
 * ignores the line. Brokerdesk never switches, so the line is only harmless
 * when it is not running as root. */
static gboolean
handle_user (Parser           *parser,
             const Directive  *directive,
             char            **values,
             guint             n_values,
             const char       *rest,
             GError          **error)
{
  struct passwd *user;

  /* Mosquitto stays the user it is when that is the one named. */
  user = getpwnam (values[0]);
  if (user != NULL && user->pw_uid == geteuid ())
    return TRUE;

  if (geteuid () == 0)
    return parser_error (parser, error,
                         "%s: Brokerdesk does not switch to another user; "
                         "start it as “%s” instead of root",
                         directive->name, values[0]);
  return TRUE;
}

static gboolean load_file (BdBrokerConfig  *config,
                           LoadState       *load,
                           const char      *path,
                           guint            level,
                           GError         **error);

/* Mosquitto's include order: case-sensitive alphabetical, with an upper-case
 * letter before the lower-case one (00.conf 01.conf A.conf a.conf B.conf). */
static int
compare_include_names (gconstpointer a,
                       gconstpointer b)
{
  const char *name_a = *(const char * const *) a;
  const char *name_b = *(const char * const *) b;
  int cmp = g_ascii_strcasecmp (name_a, name_b);

  return cmp != 0 ? cmp : strcmp (name_a, name_b);
}

static gboolean
handle_include_dir (Parser           *parser,
                    const Directive  *directive,
                    char            **values,
                    guint             n_values,
                    const char       *rest,
                    GError          **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GPtrArray) names = NULL;
  g_autoptr(GDir) dir = NULL;
  g_autofree char *path = NULL;
  const char *name;

  /* As in Mosquitto: an included file cannot include, so there is no loop. */
  if (parser->level > 0)
    return parser_error (parser, error, "%s: only allowed in the main configuration file",
                         directive->name);

  if (g_path_is_absolute (rest) || parser->dir == NULL)
    path = g_strdup (rest);
  else
    path = g_build_filename (parser->dir, rest, NULL);

  dir = g_dir_open (path, 0, &local_error);
  if (dir == NULL)
    {
      g_set_error (error, BD_CONFIG_ERROR, BD_CONFIG_ERROR_IO, "%s:%u: %s: %s",
                   parser->name, parser->line, directive->name, local_error->message);
      return FALSE;
    }

  names = g_ptr_array_new_with_free_func (g_free);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *file = NULL;

      /* Hidden files are editor and package-manager leftovers. */
      if (name[0] == '.' || !g_str_has_suffix (name, ".conf"))
        continue;

      file = g_build_filename (path, name, NULL);
      if (g_file_test (file, G_FILE_TEST_IS_REGULAR))
        g_ptr_array_add (names, g_strdup (name));
    }
  g_ptr_array_sort (names, compare_include_names);

  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *file = g_build_filename (path, g_ptr_array_index (names, i), NULL);

      if (!load_file (parser->config, parser->load, file, parser->level + 1, &local_error))
        {
          /* Parse errors already name the included file and its line. */
          if (g_error_matches (local_error, BD_CONFIG_ERROR, BD_CONFIG_ERROR_IO))
            g_prefix_error (&local_error, "%s:%u: %s: ", parser->name, parser->line,
                            directive->name);
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
    }

  return TRUE;
}

static gboolean
handle_history_filter (Parser           *parser,
                       const Directive  *directive,
                       char            **values,
                       guint             n_values,
                       const char       *rest,
                       GError          **error)
{
  BdHistoryConfig *history = &parser->config->history;
  GPtrArray *list;

  if (!check_filter (parser, directive, values[0], error))
    return FALSE;

  list = g_str_equal (directive->name, "history_record") ? history->record : history->exclude;
  if (!g_ptr_array_find_with_equal_func (list, values[0], g_str_equal, NULL))
    g_ptr_array_add (list, g_strdup (values[0]));

  return TRUE;
}

static void
history_retention_free (gpointer data)
{
  BdHistoryRetention *retention = data;

  g_free (retention->filter);
  g_free (retention);
}

static gboolean
handle_history_retention (Parser           *parser,
                          const Directive  *directive,
                          char            **values,
                          guint             n_values,
                          const char       *rest,
                          GError          **error)
{
  /* Here, unlike persistent_client_expiration, 'm' is a minute. */
  static const Unit units[] = {
    { 's', 1 },
    { 'm', 60 },
    { 'h', 3600 },
    { 'd', 86400 },
    { 'w', 7 * 86400 },
  };
  GPtrArray *list = parser->config->history.retention;
  BdHistoryRetention *retention;
  gint64 age;

  if (n_values < 2)
    return parser_error (parser, error, "%s: missing age", directive->name);
  if (!check_filter (parser, directive, values[0], error))
    return FALSE;
  if (!parse_with_unit (values[1], units, G_N_ELEMENTS (units), 1, &age))
    return parser_error (parser, error,
                         "%s: “%s” is not an age like 90s, 30m, 12h, 30d or 8w (0 = forever)",
                         directive->name, values[1]);

  /* One age per filter: a later line for the same filter replaces it. */
  for (guint i = 0; i < list->len; i++)
    {
      retention = g_ptr_array_index (list, i);
      if (g_str_equal (retention->filter, values[0]))
        {
          retention->max_age_s = age;
          return TRUE;
        }
    }

  retention = g_new0 (BdHistoryRetention, 1);
  retention->filter = g_strdup (values[0]);
  retention->max_age_s = age;
  g_ptr_array_add (list, retention);
  return TRUE;
}

static gboolean
handle_history_max_size (Parser           *parser,
                         const Directive  *directive,
                         char            **values,
                         guint             n_values,
                         const char       *rest,
                         GError          **error)
{
  static const Unit units[] = {
    { 'K', G_GINT64_CONSTANT (1) << 10 },
    { 'k', G_GINT64_CONSTANT (1) << 10 },
    { 'M', G_GINT64_CONSTANT (1) << 20 },
    { 'm', G_GINT64_CONSTANT (1) << 20 },
    { 'G', G_GINT64_CONSTANT (1) << 30 },
    { 'g', G_GINT64_CONSTANT (1) << 30 },
    { 'T', G_GINT64_CONSTANT (1) << 40 },
    { 't', G_GINT64_CONSTANT (1) << 40 },
  };
  gint64 size;

  if (!parse_with_unit (values[0], units, G_N_ELEMENTS (units), 1, &size))
    return parser_error (parser, error,
                         "%s: “%s” is not a size like 500M or 2G (0 = unlimited)",
                         directive->name, values[0]);

  parser->config->history.max_size_bytes = (guint64) size;
  return TRUE;
}

static void
history_json_path_free (gpointer data)
{
  BdHistoryJsonPath *json_path = data;

  g_free (json_path->filter);
  g_free (json_path->path);
  g_free (json_path);
}

static gboolean
handle_history_json_path (Parser           *parser,
                          const Directive  *directive,
                          char            **values,
                          guint             n_values,
                          const char       *rest,
                          GError          **error)
{
  GPtrArray *list = parser->config->history.json_paths;
  BdHistoryJsonPath *json_path;

  if (n_values < 2)
    return parser_error (parser, error, "%s: missing JSON path", directive->name);
  if (!check_filter (parser, directive, values[0], error))
    return FALSE;
  if (!json_path_is_valid (values[1]))
    return parser_error (parser, error,
                         "%s: “%s” is not a JSON path like a.b.c or $.a.b[0].c",
                         directive->name, values[1]);

  /* Several paths per filter are fine (temperature and humidity of one
   * payload); the same pair twice is one. */
  for (guint i = 0; i < list->len; i++)
    {
      json_path = g_ptr_array_index (list, i);
      if (g_str_equal (json_path->filter, values[0]) && g_str_equal (json_path->path, values[1]))
        return TRUE;
    }

  json_path = g_new0 (BdHistoryJsonPath, 1);
  json_path->filter = g_strdup (values[0]);
  json_path->path = g_strdup (values[1]);
  g_ptr_array_add (list, json_path);
  return TRUE;
}

/* The directive table ----------------------------------------------------- */

#define FIELD_SIZE(type, field) ((guint8) sizeof (((type *) NULL)->field))

#define GLOBAL_BOOL(n, field) \
  { .name = n, .kind = KIND_BOOL, .scope = SCOPE_GLOBAL, \
    .offset = offsetof (BdBrokerConfig, field), .max_values = 1 }
#define GLOBAL_INT(n, field, lo, hi) \
  { .name = n, .kind = KIND_INT, .scope = SCOPE_GLOBAL, \
    .offset = offsetof (BdBrokerConfig, field), \
    .size = FIELD_SIZE (BdBrokerConfig, field), .min = lo, .max = hi, .max_values = 1 }
#define GLOBAL_STRING(n, field, w) \
  { .name = n, .kind = KIND_STRING, .scope = SCOPE_GLOBAL, \
    .offset = offsetof (BdBrokerConfig, field), .what = w }
#define LISTENER_BOOL(n, field) \
  { .name = n, .kind = KIND_BOOL, .scope = SCOPE_LISTENER, \
    .listener_offset = offsetof (BdListenerConfig, field), .max_values = 1 }
#define LISTENER_INT(n, field, lo, hi, e) \
  { .name = n, .kind = KIND_INT, .scope = SCOPE_LISTENER, \
    .listener_offset = offsetof (BdListenerConfig, field), \
    .size = FIELD_SIZE (BdListenerConfig, field), .min = lo, .max = hi, .expect = e, \
    .max_values = 1 }
#define SECURITY_BOOL(n, field) \
  { .name = n, .kind = KIND_BOOL, .scope = SCOPE_SECURITY, \
    .offset = offsetof (BdBrokerConfig, field), \
    .listener_offset = offsetof (BdListenerConfig, field), .max_values = 1 }
#define SECURITY_STRING(n, field, w) \
  { .name = n, .kind = KIND_STRING, .scope = SCOPE_SECURITY, \
    .offset = offsetof (BdBrokerConfig, field), \
    .listener_offset = offsetof (BdListenerConfig, field), .what = w }
#define GLOBAL_CHOICE(n, field, c, w) \
  { .name = n, .kind = KIND_CHOICE, .scope = SCOPE_GLOBAL, \
    .offset = offsetof (BdBrokerConfig, field), \
    .size = FIELD_SIZE (BdBrokerConfig, field), .choices = c, .what = w, .max_values = 1 }
#define LISTENER_CHOICE(n, field, c) \
  { .name = n, .kind = KIND_CHOICE, .scope = SCOPE_LISTENER, \
    .listener_offset = offsetof (BdListenerConfig, field), \
    .size = FIELD_SIZE (BdListenerConfig, field), .choices = c, .max_values = 1 }
#define CUSTOM(n, handler, maxv, w) \
  { .name = n, .kind = KIND_CUSTOM, .func = handler, .max_values = maxv, .what = w }

static const BdConfigWord protocol_choices[] = {
  { "mqtt", BD_LISTENER_MQTT },
  { "websockets", BD_LISTENER_WEBSOCKETS },
  { NULL, 0 }
};

static const BdConfigWord socket_domain_choices[] = {
  { "ipv4", BD_SOCKET_DOMAIN_IPV4 },
  { "ipv6", BD_SOCKET_DOMAIN_IPV6 },
  { NULL, 0 }
};

/* Brokerdesk's own: durable (the default) acknowledges QoS 1/2 messages,
 * subscriptions and sessions only once they are on disk; snapshot writes the
 * whole state every autosave_interval, as Mosquitto does. */
static const BdConfigWord persistence_mode_choices[] = {
  { "durable", FALSE },
  { "snapshot", TRUE },
  { NULL, 0 }
};

static const Directive directives[] = {
  /* Listeners */
  CUSTOM ("listener", handle_listener, 2, "port"),
  CUSTOM ("port", handle_port, 1, "port"),
  CUSTOM ("bind_address", handle_bind_address, 1, "address"),
  LISTENER_CHOICE ("protocol", protocol, protocol_choices),
  LISTENER_CHOICE ("socket_domain", socket_domain, socket_domain_choices),
  CUSTOM ("max_connections", handle_max_connections, 1, NULL),
  /* Per listener in Mosquitto too: before any 'listener' line it configures
   * the default listener. 'maximum_qos' is Mosquitto's other name for it. */
  LISTENER_INT ("max_qos", max_qos, 0, 2, "0, 1 or 2"),
  LISTENER_INT ("maximum_qos", max_qos, 0, 2, "0, 1 or 2"),

  /* TLS, per listener */
  CUSTOM ("cafile", handle_tls_option, 0, "path"),
  CUSTOM ("capath", handle_tls_option, 0, "path"),
  CUSTOM ("certfile", handle_tls_option, 0, "path"),
  CUSTOM ("keyfile", handle_tls_option, 0, "path"),
  CUSTOM ("crlfile", handle_tls_option, 0, "path"),
  CUSTOM ("dhparamfile", handle_tls_option, 0, "path"),
  CUSTOM ("psk_hint", handle_tls_option, 0, "hint"),
  CUSTOM ("tls_version", handle_tls_option, 1, "version"),
  CUSTOM ("ciphers", handle_tls_option, 1, "cipher list"),
  CUSTOM ("ciphers_tls1.3", handle_tls_option, 1, "cipher suites"),
  LISTENER_BOOL ("require_certificate", require_certificate),
  LISTENER_BOOL ("use_identity_as_username", use_identity_as_username),
  LISTENER_BOOL ("use_subject_as_username", use_subject_as_username),
  /* Per listener in Mosquitto 2.0, whatever per_listener_settings says. */
  LISTENER_BOOL ("use_username_as_clientid", use_username_as_clientid),

  /* WebSockets, per listener */
  CUSTOM ("websockets_origin", handle_websockets_origin, 1, "origin"),
  CUSTOM ("bind_interface", handle_bind_interface, 1, "interface"),
  CUSTOM ("mount_point", handle_mount_point, 1, "prefix"),
  LISTENER_INT ("websockets_headers_size", websockets_headers_size, 256, 65536,
                "a size in bytes from 256 to 65536"),

  /* Security: global, or per listener with per_listener_settings */
  CUSTOM ("per_listener_settings", handle_per_listener_settings, 1, NULL),
  CUSTOM ("allow_anonymous", handle_allow_anonymous, 1, NULL),
  SECURITY_BOOL ("allow_zero_length_clientid", allow_zero_length_clientid),
  { .name = "auto_id_prefix", .kind = KIND_CUSTOM, .scope = SCOPE_SECURITY,
    .offset = offsetof (BdBrokerConfig, auto_id_prefix),
    .listener_offset = offsetof (BdListenerConfig, auto_id_prefix),
    .func = handle_auto_id_prefix, .what = "prefix" },
  SECURITY_STRING ("password_file", password_file, "path"),
  /* Global in Mosquitto 2.0 (which calls it deprecated, and still honours it). */
  GLOBAL_STRING ("clientid_prefixes", clientid_prefixes, "prefix"),
  SECURITY_STRING ("acl_file", acl_file, "path"),
  SECURITY_STRING ("psk_file", psk_file, "path"),

  /* Limits and protocol behaviour */
  GLOBAL_INT ("message_size_limit", message_size_limit, 0, MQTT_MAX_PAYLOAD),
  CUSTOM ("max_packet_size", handle_max_packet_size, 1, NULL),
  CUSTOM ("max_keepalive", handle_max_keepalive, 1, "seconds"),
  CUSTOM ("max_topic_alias", handle_max_topic_alias, 1, NULL),
  GLOBAL_INT ("max_inflight_messages", max_inflight_messages, 0, G_MAXUINT16),
  GLOBAL_INT ("max_inflight_bytes", max_inflight_bytes, 0, G_MAXINT64),
  GLOBAL_INT ("max_queued_messages", max_queued_messages, 0, G_MAXINT),
  GLOBAL_INT ("max_queued_bytes", max_queued_bytes, 0, G_MAXINT64),
  /* A plain number of bytes, as Mosquitto reads it; 0 = no limit. */
  GLOBAL_INT ("memory_limit", memory_limit, 0, G_MAXINT64),
  GLOBAL_BOOL ("queue_qos0_messages", queue_qos0_messages),
  GLOBAL_BOOL ("retain_available", retain_available),
  GLOBAL_INT ("sys_interval", sys_interval, 0, G_MAXUINT16),
  GLOBAL_BOOL ("upgrade_outgoing_qos", upgrade_outgoing_qos),
  GLOBAL_BOOL ("check_retain_source", check_retain_source),
  GLOBAL_BOOL ("set_tcp_nodelay", set_tcp_nodelay),
  CUSTOM ("allow_duplicate_messages", handle_allow_duplicate_messages, 1, NULL),

  /* Persistence */
  GLOBAL_BOOL ("persistence", persistence),
  GLOBAL_BOOL ("retained_persistence", persistence),   /* Mosquitto's old name */
  GLOBAL_STRING ("persistence_location", persistence_location, "path"),
  GLOBAL_STRING ("persistence_file", persistence_file, "file name"),
  GLOBAL_CHOICE ("persistence_mode", persistence_snapshot, persistence_mode_choices,
                 "durable|snapshot"),
  GLOBAL_INT ("autosave_interval", autosave_interval, 0, G_MAXINT),
  /* With 'true' Mosquitto saves once autosave_interval changes (subscriptions,
   * retained and queued messages) have accumulated, instead of every
   * autosave_interval seconds. The snapshot mode does the same (the engine
   * counts them). In the durable mode (the default) every change goes to the
   * log as it happens (before its acknowledgement, where it has one), so the
   * state on disk never lags by that many: there the line changes nothing. */
  GLOBAL_BOOL ("autosave_on_changes", autosave_on_changes),
  CUSTOM ("persistent_client_expiration", handle_persistent_client_expiration, 1, "duration"),

  /* Logging */
  CUSTOM ("log_type", handle_log_type, 0, NULL),
  CUSTOM ("log_dest", handle_log_dest, 0, "destination"),
  CUSTOM ("log_facility", handle_log_facility, 1, NULL),
  GLOBAL_BOOL ("log_timestamp", log_timestamp),
  GLOBAL_STRING ("log_timestamp_format", log_timestamp_format, "format"),
  GLOBAL_BOOL ("connection_messages", connection_messages),

  /* Process */
  GLOBAL_STRING ("pid_file", pid_file, "path"),
  CUSTOM ("user", handle_user, 1, "user name"),
  CUSTOM ("include_dir", handle_include_dir, 0, "directory"),

  /* Brokerdesk's history recorder */
  GLOBAL_BOOL ("history_enabled", history.enabled),
  CUSTOM ("history_record", handle_history_filter, 1, "topic filter"),
  CUSTOM ("history_exclude", handle_history_filter, 1, "topic filter"),
  CUSTOM ("history_retention", handle_history_retention, 2, "topic filter"),
  CUSTOM ("history_max_size", handle_history_max_size, 1, "size"),
  CUSTOM ("history_json_path", handle_history_json_path, 2, "topic filter"),
};

/* Mosquitto 2.0 directives that Brokerdesk knows but does not implement. */
#define BRIDGES "not supported by Brokerdesk's bridges"
#define PLUGINS "plugins are not supported"
#define TLS     "not supported by Brokerdesk (PEM files only)"

static const struct
{
  const char *name;
  const char *reason;
} unsupported[] = {
  { "bridge_identity", BRIDGES },
  { "bridge_psk", BRIDGES },
  { "bridge_receive_maximum", BRIDGES },
  { "bridge_require_ocsp", BRIDGES },
  { "bridge_session_expiry_interval", BRIDGES },
  { "bridge_tls_version", BRIDGES },
  /* The local side is a persistent session: it is the durable queue. */
  { "local_cleansession", "not supported: a bridge's local session is always kept (it holds the outbound queue)" },
  /* The local side is an internal connection, not a listener's client. */
  { "local_password", "not needed: a bridge reaches the local broker by an internal connection" },
  { "local_username", "not needed: a bridge reaches the local broker by an internal connection" },
  { "auth_plugin", PLUGINS },
  { "auth_plugin_deny_special_chars", PLUGINS },
  { "plugin", PLUGINS },
  { "tls_engine", TLS },
  { "tls_engine_kpass_sha1", TLS },
  { "tls_keyform", TLS },
  { "http_dir", "serving files over HTTP is not supported" },
  { "websockets_log_level", "libwebsockets' log level: Brokerdesk does not use libwebsockets" },
  /* Mosquitto 2.0 reads it only to warn that it is gone: messages in flight
   * are sent again when the client reconnects [MQTT-4.4.0-1]. */
  { "retry_interval", "removed in Mosquitto 2.0, which ignores it; delete the line" },
};

static const Directive *
lookup_directive (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (directives); i++)
    if (g_str_equal (directives[i].name, name))
      return &directives[i];

  return NULL;
}

static const char *
lookup_unsupported (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (unsupported); i++)
    if (g_str_equal (unsupported[i].name, name))
      return unsupported[i].reason;

  /* Options passed to a plugin: auth_opt_NAME and plugin_opt_NAME. */
  if (g_str_has_prefix (name, "auth_opt_") || g_str_has_prefix (name, "plugin_opt_"))
    return PLUGINS;

  return NULL;
}

/* Parsing ----------------------------------------------------------------- */

static void
named_path_free (gpointer data)
{
  NamedPath *named = data;

  g_free (named->path);
  g_free (named->where);
  g_free (named);
}

static void
note_path (Parser          *parser,
           const Directive *directive,
           const char      *path)
{
  NamedPath *named = g_new0 (NamedPath, 1);

  named->name = directive->name;
  named->path = g_strdup (path);
  set_where (&named->where, parser);
  if (parser->load->paths == NULL)
    parser->load->paths = g_ptr_array_new_with_free_func (named_path_free);
  g_ptr_array_add (parser->load->paths, named);
}

static gboolean
listener_uses_file (const BdListenerConfig *listener,
                    const char             *path)
{
  return listener != NULL && (g_strcmp0 (listener->password_file, path) == 0 ||
                              g_strcmp0 (listener->acl_file, path) == 0 ||
                              g_strcmp0 (listener->psk_file, path) == 0);
}

/* Is @path a password or ACL file some listener will load (not one a later
 * line replaced)? */
static gboolean
security_file_in_effect (const BdBrokerConfig *config,
                         const char           *path)
{
  if (g_strcmp0 (config->password_file, path) == 0 || g_strcmp0 (config->acl_file, path) == 0 ||
      g_strcmp0 (config->psk_file, path) == 0)
    return TRUE;
  if (listener_uses_file (config->default_listener, path))
    return TRUE;
  for (guint i = 0; i < config->listeners->len; i++)
    if (listener_uses_file (g_ptr_array_index (config->listeners, i), path))
      return TRUE;

  return FALSE;
}

/* The engine reads the password and ACL files when it starts; one it cannot
 * open would stop it with no word of the line that named it. A
 * persistence_location that does not exist (Mosquitto does not create it
 * either) would leave the durable store without its log. Both are checked
 * here, where the line is known. */
static gboolean
check_paths (const BdBrokerConfig  *config,
             const LoadState       *load,
             GError               **error)
{
  if (load->paths == NULL)
    return TRUE;

  for (guint i = 0; i < load->paths->len; i++)
    {
      const NamedPath *named = g_ptr_array_index (load->paths, i);

      if (g_str_equal (named->name, "persistence_location"))
        {
          if (config->persistence && g_strcmp0 (config->persistence_location, named->path) == 0 &&
              !g_file_test (named->path, G_FILE_TEST_IS_DIR))
            {
              g_set_error (error, BD_CONFIG_ERROR, BD_CONFIG_ERROR_IO,
                           "%s: %s: the directory “%s” does not exist",
                           named->where, named->name, named->path);
              return FALSE;
            }
        }
      else if (security_file_in_effect (config, named->path) && g_access (named->path, R_OK) != 0)
        {
          int saved_errno = errno;

          g_set_error (error, BD_CONFIG_ERROR, BD_CONFIG_ERROR_IO, "%s: %s: cannot read “%s”: %s",
                       named->where, named->name, named->path, g_strerror (saved_errno));
          return FALSE;
        }
    }

  return TRUE;
}

static gboolean
apply_directive (Parser           *parser,
                 const Directive  *directive,
                 char            **values,
                 guint             n_values,
                 const char       *rest,
                 GError          **error)
{
  gpointer field;
  gint64 number = 0;
  gboolean flag = FALSE;

  switch (directive->kind)
    {
    case KIND_BOOL:
      if (!parse_bool (parser, directive, values[0], &flag, error))
        return FALSE;
      *(gboolean *) directive_field (parser, directive) = flag;
      return TRUE;

    case KIND_INT:
      if (!parse_int (parser, directive, values[0], directive->min, directive->max,
                      directive->expect, &number, error))
        return FALSE;
      field = directive_field (parser, directive);
      _bd_config_store_int (field, directive->size, number);
      return TRUE;

    case KIND_STRING:
      replace_string ((char **) directive_field (parser, directive), rest);
      if ((directive->scope == SCOPE_SECURITY && g_str_has_suffix (directive->name, "_file")) ||
          g_str_equal (directive->name, "persistence_location"))
        note_path (parser, directive, rest);
      return TRUE;

    case KIND_CHOICE:
      if (!parse_choice (parser, directive, values[0], &number, error))
        return FALSE;
      _bd_config_store_int (directive_field (parser, directive), directive->size, number);
      return TRUE;

    case KIND_CUSTOM:
      return directive->func (parser, directive, values, n_values, rest, error);

    default:
      g_assert_not_reached ();
    }
}

static gboolean
parse_line (Parser  *parser,
            char    *line,
            GError **error)
{
  g_autoptr(GPtrArray) tokens = NULL;
  g_auto(GStrv) split = NULL;
  const Directive *directive;
  const char *name;
  const char *rest;
  const char *reason;
  char **values;
  guint n_values;

  line = g_strstrip (line);
  if (line[0] == '\0' || line[0] == '#')
    return TRUE;

  if (!g_utf8_validate (line, -1, NULL))
    return parser_error (parser, error, "not valid UTF-8 text");

  /* Values are separated by any run of spaces and tabs. */
  split = g_strsplit_set (line, " \t", -1);
  tokens = g_ptr_array_new ();
  for (guint i = 0; split[i] != NULL; i++)
    if (split[i][0] != '\0')
      g_ptr_array_add (tokens, split[i]);
  g_ptr_array_add (tokens, NULL);

  name = g_ptr_array_index (tokens, 0);
  values = (char **) tokens->pdata + 1;
  n_values = tokens->len - 2;

  rest = line + strlen (name);
  while (g_ascii_isspace (*rest))
    rest++;

  if (_bd_bridge_config_is_directive (name))
    {
      g_autofree char *message = NULL;

      if (!_bd_bridge_config_apply (parser->config, &parser->bridge, parser->name, parser->line,
                                    name, values, n_values, rest, &message))
        return parser_error (parser, error, "%s", message);
      return TRUE;
    }

  directive = lookup_directive (name);
  if (directive == NULL)
    {
      reason = lookup_unsupported (name);
      if (reason != NULL)
        return parser_error (parser, error, "“%s”: %s", name, reason);

      return parser_error (parser, error, "unknown directive “%s”", name);
    }

  if (n_values == 0)
    return parser_error (parser, error, "%s: missing %s", name,
                         directive->what != NULL ? directive->what : "value");

  if (directive->kind != KIND_STRING && directive->max_values > 0
      && n_values > directive->max_values)
    return parser_error (parser, error, "%s: unexpected extra value “%s”",
                         name, values[directive->max_values]);

  return apply_directive (parser, directive, values, n_values, rest, error);
}

static gboolean
parse_text (BdBrokerConfig  *config,
            LoadState       *load,
            const char      *name,
            const char      *dir,
            guint            level,
            const char      *text,
            gsize            length,
            GError         **error)
{
  Parser parser = {
    .config = config,
    .load = load,
    .name = name,
    .dir = dir,
    .level = level,
  };
  const char *p = text;
  const char *end = text + length;

  while (p < end)
    {
      const char *eol = memchr (p, '\n', (gsize) (end - p));
      g_autofree char *line = NULL;
      gsize len = eol != NULL ? (gsize) (eol - p) : (gsize) (end - p);

      parser.line++;

      if (memchr (p, '\0', len) != NULL)
        return parser_error (&parser, error, "contains a NUL byte");

      /* g_strstrip() in parse_line() also drops a DOS '\r'. */
      line = g_strndup (p, len);
      if (!parse_line (&parser, line, error))
        return FALSE;

      p += len + 1;
    }

  /* A bridge block ends with its file. */
  if (parser.bridge != NULL)
    {
      g_autofree char *message = NULL;

      if (!_bd_bridge_config_check (parser.bridge, &message))
        {
          return _bd_config_parse_error (error, parser.bridge->source_file,
                                         parser.bridge->source_line, "%s", message);
        }
    }

  return TRUE;
}

static gboolean
load_file (BdBrokerConfig  *config,
           LoadState       *load,
           const char      *path,
           guint            level,
           GError         **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *dir = NULL;
  gsize length;

  if (!g_file_get_contents (path, &text, &length, &local_error))
    {
      g_set_error_literal (error, BD_CONFIG_ERROR, BD_CONFIG_ERROR_IO, local_error->message);
      return FALSE;
    }

  dir = g_path_get_dirname (path);
  return parse_text (config, load, path, dir, level, text, length, error);
}

/* Public API -------------------------------------------------------------- */

/* Every string a listener owns, freed and copied from this one list. */
static const BdConfigStrings listener_strings[] = {
  BD_CONFIG_STRING (BdListenerConfig, bind_address),
  BD_CONFIG_STRING (BdListenerConfig, unix_path),
  BD_CONFIG_STRING (BdListenerConfig, bind_interface),
  BD_CONFIG_STRING (BdListenerConfig, bind_interface_where),
  BD_CONFIG_STRING (BdListenerConfig, mount_point),
  BD_CONFIG_STRINGS (BdListenerConfig, tls),
  BD_CONFIG_STRINGS (BdListenerConfig, tls_where),
  BD_CONFIG_STRING (BdListenerConfig, password_file),
  BD_CONFIG_STRING (BdListenerConfig, acl_file),
  BD_CONFIG_STRING (BdListenerConfig, psk_file),
  BD_CONFIG_STRING (BdListenerConfig, auto_id_prefix),
  BD_CONFIG_STRING (BdListenerConfig, source_file),
};

BdListenerConfig *
bd_listener_config_new (guint16     port,
                        const char *bind_address)
{
  BdListenerConfig *listener = g_new0 (BdListenerConfig, 1);

  listener->port = port;
  listener->bind_address = g_strdup (bind_address);
  listener->protocol = BD_LISTENER_MQTT;
  listener->socket_domain = BD_SOCKET_DOMAIN_ANY;
  listener->max_qos = 2;
  listener->allow_zero_length_clientid = TRUE;
  listener->websockets_origins = g_ptr_array_new_with_free_func (g_free);

  return listener;
}

void
bd_listener_config_free (BdListenerConfig *listener)
{
  if (listener == NULL)
    return;

  _bd_config_strings_free (listener, listener_strings, G_N_ELEMENTS (listener_strings));
  g_clear_pointer (&listener->websockets_origins, g_ptr_array_unref);
  g_free (listener);
}

BdBrokerConfig *
bd_broker_config_new (void)
{
  BdBrokerConfig *config = g_new0 (BdBrokerConfig, 1);

  /* Mosquitto 2.0.11's defaults. */
  config->listeners = g_ptr_array_new_with_free_func ((GDestroyNotify) bd_listener_config_free);
  config->allow_zero_length_clientid = TRUE;
  config->auto_id_prefix = g_strdup (DEFAULT_AUTO_ID_PREFIX);
  config->max_keepalive = G_MAXUINT16;
  config->max_inflight_messages = 20;
  config->max_topic_alias = 10;
  config->max_queued_messages = 1000;
  config->retain_available = TRUE;
  config->check_retain_source = TRUE;
  config->sys_interval = 10;
  config->persistence_file = g_strdup ("mosquitto.db");
  config->autosave_interval = 1800;
  config->log_types = BD_LOG_TYPE_ERROR | BD_LOG_TYPE_WARNING
                      | BD_LOG_TYPE_NOTICE | BD_LOG_TYPE_INFORMATION;
  config->log_dest = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (config->log_dest, g_strdup ("stderr"));
  config->log_timestamp = TRUE;
  config->log_facility = LOG_DAEMON;
  config->connection_messages = TRUE;

  config->history.enabled = TRUE;
  config->history.record = g_ptr_array_new_with_free_func (g_free);
  config->history.exclude = g_ptr_array_new_with_free_func (g_free);
  config->history.retention = g_ptr_array_new_with_free_func (history_retention_free);
  config->history.json_paths = g_ptr_array_new_with_free_func (history_json_path_free);
  config->bridges = g_ptr_array_new_with_free_func ((GDestroyNotify) bd_bridge_config_free);

  return config;
}

void
bd_broker_config_free (BdBrokerConfig *config)
{
  if (config == NULL)
    return;

  g_ptr_array_unref (config->listeners);
  bd_listener_config_free (config->default_listener);
  g_free (config->auto_id_prefix);
  g_free (config->clientid_prefixes);
  g_free (config->password_file);
  g_free (config->acl_file);
  g_free (config->psk_file);
  g_free (config->persistence_location);
  g_free (config->persistence_file);
  g_ptr_array_unref (config->log_dest);
  g_free (config->log_timestamp_format);
  g_free (config->pid_file);
  g_ptr_array_unref (config->history.record);
  g_ptr_array_unref (config->history.exclude);
  g_ptr_array_unref (config->history.retention);
  g_ptr_array_unref (config->history.json_paths);
  g_ptr_array_unref (config->bridges);
  g_free (config);
}

/* A listener with bind_interface and no bind_address listens, as
 * Mosquitto's, on the interface's first IPv4 address and its first IPv6
 * one (of those socket_domain allows). A link-local IPv6 address is left
 * out: it cannot be bound without its scope, which Mosquitto does not give
 * either. Sets @first (IPv4, IPv6; NULL where there is none) to addresses
 * owned by the array returned (NULL: no such interface). */
static GPtrArray *
interface_listen_addresses (const BdListenerConfig *listener,
                            GInetAddress           *first[2])
{
  GPtrArray *addresses = _bd_config_interface_addresses (listener->bind_interface,
                                                         listener->socket_domain);

  first[0] = first[1] = NULL;
  for (guint i = 0; addresses != NULL && i < addresses->len; i++)
    {
      GInetAddress *inet = g_ptr_array_index (addresses, i);
      gboolean v6 = g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6;

      if (first[v6] == NULL && !(v6 && g_inet_address_get_is_link_local (inet)))
        first[v6] = inet;
    }
  return addresses;
}

/* The addresses @listener will listen on, as text, once
 * bd_broker_config_finish () has resolved its bind_interface; NULL for
 * every interface. */
static GPtrArray *
listener_addresses (const BdListenerConfig *listener)
{
  GPtrArray *texts = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) addresses = NULL;
  GInetAddress *first[2];

  if (listener->bind_address != NULL)
    {
      g_autoptr(GInetAddress) inet = g_inet_address_new_from_string (listener->bind_address);

      /* Written the same way or not ("::1", "0:0::1"), one address; "localhost" as it is. */
      g_ptr_array_add (texts, inet != NULL ? g_inet_address_to_string (inet)
                                           : g_strdup (listener->bind_address));
      return texts;
    }
  if (listener->bind_interface == NULL)
    {
      g_ptr_array_unref (texts);
      return NULL;
    }
  /* An interface without an address to listen on takes nothing (the engine
   * refuses the listener, saying why). */
  addresses = interface_listen_addresses (listener, first);
  for (guint f = 0; f < G_N_ELEMENTS (first); f++)
    if (first[f] != NULL)
      g_ptr_array_add (texts, g_inet_address_to_string (first[f]));
  return texts;
}

/* Two listeners that cannot both listen: the same port (0 takes any free
 * one, so never), and every interface on one side, or a shared address. */
static gboolean
listeners_overlap (const BdListenerConfig *a,
                   const BdListenerConfig *b)
{
  g_autoptr(GPtrArray) on_a = NULL;
  g_autoptr(GPtrArray) on_b = NULL;

  if (a->unix_path != NULL || b->unix_path != NULL)
    return g_strcmp0 (a->unix_path, b->unix_path) == 0;
  if (a->port == 0 || a->port != b->port)
    return FALSE;
  on_a = listener_addresses (a);
  on_b = listener_addresses (b);
  if (on_a == NULL || on_b == NULL)
    return TRUE;
  for (guint i = 0; i < on_a->len; i++)
    if (g_ptr_array_find_with_equal_func (on_b, g_ptr_array_index (on_a, i), g_str_equal, NULL))
      return TRUE;
  return FALSE;
}

/* A second bind on a port and address already taken would fail at start-up
 * without saying which line asked for it: refused at the later of the two
 * lines, once the whole file is read, so that the addresses are the final
 * ones (a bind_interface comes after its 'listener' line). Two listeners on
 * one port bound to different addresses are fine, as in Mosquitto. */
static gboolean
check_ports (const LoadState  *load,
             GError          **error)
{
  for (guint i = 0; load->claims != NULL && i < load->claims->len; i++)
    {
      const PortClaim *claim = g_ptr_array_index (load->claims, i);

      for (guint j = 0; j < i; j++)
        {
          const BdListenerConfig *taken = ((PortClaim *) g_ptr_array_index (load->claims, j))->listener;

          if (listeners_overlap (taken, claim->listener) && claim->listener->unix_path != NULL)
            return _bd_config_parse_error (error, claim->file, claim->line,
                                           "listener: the Unix socket “%s” is already the "
                                           "listener's on %s:%u", claim->listener->unix_path,
                                           taken->source_file, taken->source_line);
          if (listeners_overlap (taken, claim->listener))
            return _bd_config_parse_error (error, claim->file, claim->line,
                                           "%s%sport %u is already taken by the listener on %s:%u",
                                           claim->directive != NULL ? claim->directive : "",
                                           claim->directive != NULL ? ": " : "",
                                           claim->listener->port,
                                           taken->source_file, taken->source_line);
        }
    }
  return TRUE;
}

static void
load_state_clear (LoadState *load)
{
  g_clear_pointer (&load->topic_alias_where, g_free);
  g_clear_pointer (&load->paths, g_ptr_array_unref);
  g_clear_pointer (&load->claims, g_ptr_array_unref);
}

gboolean
bd_broker_config_parse (BdBrokerConfig  *config,
                        const char      *name,
                        const char      *text,
                        GError         **error)
{
  LoadState load = { 0, };
  gboolean ok;

  g_return_val_if_fail (config != NULL, FALSE);
  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* No file: a relative include_dir is taken from the working directory. */
  ok = parse_text (config, &load, name, NULL, 0, text, strlen (text), error) &&
       check_ports (&load, error);
  load_state_clear (&load);
  return ok;
}

gboolean
bd_broker_config_load (BdBrokerConfig  *config,
                       const char      *path,
                       GError         **error)
{
  LoadState load = { 0, };
  gboolean ok;

  g_return_val_if_fail (config != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* Only when loading the file the broker starts from: where a text is
   * parsed alone (the bridge dialog's check, the Security page's edits),
   * the code that then loads the files reports what it cannot read. */
  ok = load_file (config, &load, path, 0, error) && check_ports (&load, error) &&
       check_paths (config, &load, error);
  load_state_clear (&load);
  return ok;
}

static gpointer
dup_string (gconstpointer text,
            gpointer      user_data)
{
  return g_strdup (text);
}

/* Every field that points to something of its own is copied here: a new
 * string goes into listener_strings, anything else here too, or the two
 * listeners would free it twice. */
static BdListenerConfig *
listener_config_copy (const BdListenerConfig *listener)
{
  BdListenerConfig *copy = g_memdup2 (listener, sizeof *listener);

  _bd_config_strings_dup (copy, listener_strings, G_N_ELEMENTS (listener_strings));
  copy->websockets_origins = g_ptr_array_copy (listener->websockets_origins,
                                               dup_string, NULL);
  return copy;
}

/* Gives a listener with bind_interface and no bind_address the interface's
 * addresses to listen on (interface_listen_addresses ()): the listener takes
 * the first, a copy of it the second. With no address the listener stays as
 * it is and the engine refuses it, saying why. Returns the number of
 * listeners added after @index. */
static guint
expand_bind_interface (BdBrokerConfig *config,
                       guint           index)
{
  BdListenerConfig *listener = g_ptr_array_index (config->listeners, index);
  g_autoptr(GPtrArray) addresses = NULL;
  GInetAddress *first[2];   /* IPv4, IPv6 */
  guint added = 0;

  if (listener->bind_interface == NULL || listener->bind_address != NULL)
    return 0;
  addresses = interface_listen_addresses (listener, first);
  for (guint f = 0; f < G_N_ELEMENTS (first); f++)
    {
      BdListenerConfig *target = listener;

      if (first[f] == NULL)
        continue;
      if (listener->bind_address != NULL)
        {
          target = listener_config_copy (listener);
          g_clear_pointer (&target->bind_address, g_free);
          g_ptr_array_insert (config->listeners, index + 1 + added, target);
          added++;
        }
      target->bind_address = g_inet_address_to_string (first[f]);
    }
  return added;
}

void
bd_broker_config_finish (BdBrokerConfig *config)
{
  gboolean local_only;

  g_return_if_fail (config != NULL);

  /* Mosquitto starts its default listener before the explicit ones. */
  if (config->default_listener != NULL)
    g_ptr_array_insert (config->listeners, 0, g_steal_pointer (&config->default_listener));

  /* Mosquitto 2.0's "local only" mode: with no listener configured it
   * listens on the loopback interface only and, unless told otherwise,
   * without authentication. Once the operator opens a listener, anonymous
   * access has to be asked for. */
  local_only = !config->listeners_from_file;
  if (config->listeners->len == 0)
    g_ptr_array_add (config->listeners, bd_listener_config_new (DEFAULT_PORT, "127.0.0.1"));

  if (!config->allow_anonymous_set)
    config->allow_anonymous = local_only;

  for (guint i = 0; i < config->listeners->len; i++)
    i += expand_bind_interface (config, i);

  for (guint i = 0; i < config->listeners->len; i++)
    {
      BdListenerConfig *listener = g_ptr_array_index (config->listeners, i);

      if (config->per_listener_settings)
        {
          if (!listener->allow_anonymous_set)
            listener->allow_anonymous = local_only;
          if (listener->auto_id_prefix == NULL)
            listener->auto_id_prefix = g_strdup (DEFAULT_AUTO_ID_PREFIX);
        }
      else
        {
          /* Global security settings: give every listener the same, so the
           * engine reads them in one place. */
          replace_string (&listener->password_file, config->password_file);
          replace_string (&listener->acl_file, config->acl_file);
          replace_string (&listener->psk_file, config->psk_file);
          replace_string (&listener->auto_id_prefix, config->auto_id_prefix);
          listener->allow_anonymous = config->allow_anonymous;
          listener->allow_anonymous_set = config->allow_anonymous_set;
          listener->allow_zero_length_clientid = config->allow_zero_length_clientid;
        }
    }
}
