/* bd-topic-search.h — what the Topics page's filter entry matches
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  BD_TOPIC_SEARCH_TEXT,     /* a case-insensitive substring of the topic */
  BD_TOPIC_SEARCH_FILTER,   /* an MQTT topic filter with + or # */
  BD_TOPIC_SEARCH_INVALID,  /* has + or # but is no valid filter: searched as text */
} BdTopicSearchKind;

typedef struct _BdTopicSearch BdTopicSearch;

/* NULL for an empty @text: everything matches. */
BdTopicSearch    *bd_topic_search_new      (const char          *text);
void              bd_topic_search_free     (BdTopicSearch       *search);
BdTopicSearchKind bd_topic_search_get_kind (const BdTopicSearch *search);
/* A NULL @search matches every topic. */
gboolean          bd_topic_search_matches  (const BdTopicSearch *search,
                                            const char          *topic);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BdTopicSearch, bd_topic_search_free)

G_END_DECLS
