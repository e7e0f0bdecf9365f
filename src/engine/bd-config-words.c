/* bd-config-words.c — directives that take one of a few words
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "bd-config-private.h"

gboolean
_bd_config_words_parse (const BdConfigWord  *words,
                        const char          *name,
                        const char          *text,
                        gint64              *value,
                        char               **message)
{
  g_autoptr(GString) list = g_string_new (NULL);
  const BdConfigWord *word;

  for (word = words; word->word != NULL; word++)
    if (g_str_equal (word->word, text))
      {
        *value = word->value;
        return TRUE;
      }

  /* Exactly the words that would have been taken, as "a, b or c". */
  for (word = words; word->word != NULL; word++)
    g_string_append_printf (list, "%s%s",
                            word == words ? "" : word[1].word == NULL ? " or " : ", ",
                            word->word);
  *message = g_strdup_printf ("%s: “%s” is not %s", name, text, list->str);
  return FALSE;
}

const char *
_bd_config_words_find (const BdConfigWord *words,
                       gint64              value)
{
  for (const BdConfigWord *word = words; word->word != NULL; word++)
    if (word->value == value)
      return word->word;

  return NULL;
}
