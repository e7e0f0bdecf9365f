/* bd-topic-search.c — what the Topics page's filter entry matches
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One entry serves both kinds of search, as users type them: text with a
 * wildcard ("busan/+/+/temperature", "busan/#") is an MQTT topic filter,
 * matched exactly as a subscription would be [MQTT-4.7.1-2, MQTT-4.7.1-3];
 * anything else is a substring, ignoring ASCII case, because operators type
 * "temp" and expect "busan/factory/assembly/Temperature".
 */

#include "config.h"

#include <string.h>

#include "bd-topic.h"
#include "bd-topic-search.h"

struct _BdTopicSearch
{
  char              *text;
  BdTopicSearchKind  kind;
};

BdTopicSearch *
bd_topic_search_new (const char *text)
{
  BdTopicSearch *search;

  if (text == NULL || *text == '\0')
    return NULL;
  search = g_new0 (BdTopicSearch, 1);
  search->text = g_strdup (text);
  if (!bd_topic_filter_has_wildcards (text))
    search->kind = BD_TOPIC_SEARCH_TEXT;
  else if (bd_topic_filter_is_valid (text))
    search->kind = BD_TOPIC_SEARCH_FILTER;
  else
    search->kind = BD_TOPIC_SEARCH_INVALID;
  return search;
}

void
bd_topic_search_free (BdTopicSearch *search)
{
  if (search == NULL)
    return;
  g_free (search->text);
  g_free (search);
}

BdTopicSearchKind
bd_topic_search_get_kind (const BdTopicSearch *search)
{
  return search != NULL ? search->kind : BD_TOPIC_SEARCH_TEXT;
}

gboolean
bd_topic_search_matches (const BdTopicSearch *search,
                         const char          *topic)
{
  if (search == NULL)
    return TRUE;
  if (search->kind == BD_TOPIC_SEARCH_FILTER)
    return bd_topic_matches (search->text, topic);
  /* Topics are nearly always ASCII; folding beyond it would cost a UTF-8
   * walk per topic per keystroke over up to 100,000 topics. */
  return strcasestr (topic, search->text) != NULL;
}
