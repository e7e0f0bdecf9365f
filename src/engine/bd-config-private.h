/* bd-config-private.h — what the configuration readers share
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Used by the mosquitto.conf reader (bd-config.c), its bridge part
 * (bd-bridge-config.c) and the password and ACL file readers (bd-auth.c),
 * so that all of them report a bad line the same way.
 */

#pragma once

#include <stdarg.h>

#include <gio/gio.h>

#include "bd-config.h"

G_BEGIN_DECLS

/* Sets a BD_CONFIG_ERROR_PARSE error "FILE:LINE: message"; returns FALSE. */
gboolean _bd_config_parse_error        (GError     **error,
                                        const char  *file,
                                        guint        line,
                                        const char  *format,
                                        ...) G_GNUC_PRINTF (4, 5);
gboolean _bd_config_parse_error_valist (GError     **error,
                                        const char  *file,
                                        guint        line,
                                        const char  *format,
                                        va_list      args) G_GNUC_PRINTF (4, 0);

/* The password, ACL and PSK files: @func is called with each line that is
 * neither blank nor a comment ('#'), stripped, numbered from 1; a NUL byte
 * or text that is not UTF-8 is an error "PATH:LINE: …". */
typedef gboolean (*BdConfigLineFunc) (gpointer     data,
                                      const char  *path,
                                      guint        number,
                                      char        *line,
                                      GError     **error);

gboolean _bd_config_read_lines (const char        *path,
                                BdConfigLineFunc   func,
                                gpointer           data,
                                GError           **error);

/* Directives that take one of a few words (bd-config-words.c), so that the
 * reader and its bridge part accept them the same way and say the same
 * "NAME: “VALUE” is not a, b or c" when a line has another. A table gives
 * each word and the value it stands for, and ends with { NULL }. */
typedef struct
{
  const char *word;
  gint64      value;
} BdConfigWord;

/* The value of @text in @words, or FALSE and *@message
 * "NAME: “TEXT” is not a, b or c" (the words in the table's order). */
gboolean    _bd_config_words_parse (const BdConfigWord  *words,
                                    const char          *name,
                                    const char          *text,
                                    gint64              *value,
                                    char               **message);
/* The word for @value, as the writer puts it in a file; NULL if none. */
const char *_bd_config_words_find  (const BdConfigWord  *words,
                                    gint64               value);

/* The strings a configuration struct owns: @count char* fields from
 * @offset (1, or the length of an array of them). One table per struct
 * serves its copy and its free, so a field cannot be left out of one. */
typedef struct
{
  gsize offset;
  guint count;
} BdConfigStrings;

#define BD_CONFIG_STRING(type, field)  { G_STRUCT_OFFSET (type, field), 1 }
#define BD_CONFIG_STRINGS(type, field) \
  { G_STRUCT_OFFSET (type, field), G_N_ELEMENTS (((type *) NULL)->field) }

/* In a shallow copy (g_memdup2 ()) of a struct, replaces each of its
 * @strings by a copy of its own. */
void        _bd_config_strings_dup  (gpointer               copy,
                                     const BdConfigStrings *strings,
                                     gsize                  n_strings);
void        _bd_config_strings_free (gpointer               data,
                                     const BdConfigStrings *strings,
                                     gsize                  n_strings);

/* Stores @value into an integer field of @size bytes (1, 2, 4 or 8). */
void        _bd_config_store_int    (gpointer               field,
                                     guint8                 size,
                                     gint64                 value);

/* The addresses (GInetAddress*) of the network interface @name, compared
 * without regard to case as Mosquitto does, of the families @domain allows,
 * in the system's order; NULL when there is no such interface. */
GPtrArray  *_bd_config_interface_addresses (const char     *name,
                                            BdSocketDomain  domain);

G_END_DECLS
