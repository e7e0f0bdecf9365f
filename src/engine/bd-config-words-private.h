/* bd-config-words-private.h — directives that take one of a few words
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Shared by the configuration reader (bd-config.c) and its bridge part
 * (bd-bridge-config.c), so that both accept the words the same way and say
 * the same "NAME: “VALUE” is not a, b or c" when a line has another.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A word a directive accepts and the value it stands for; a table of them
 * ends with { NULL }. */
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

G_END_DECLS
