/* bd-topic.h — MQTT topic names and topic filters
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Pure functions implementing MQTT 3.1.1 §4.7 and MQTT 5 §4.7 and §4.8.2.
 * A topic is a list of levels separated by '/'; an empty level is still a
 * level, so "a//b" has three levels and "/a" has two, the first one empty.
 * The strings are expected to be valid UTF-8 already (the codec checks that
 * [MQTT-1.5.3-1]); these functions only look at the bytes '/', '+', '#', '$'.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* TRUE when @topic may be published to: non-empty [MQTT-4.7.3-1] and free of
 * the wildcard characters '+' and '#' [MQTT-3.3.2-2]. */
gboolean bd_topic_name_is_valid        (const char  *topic);

/* TRUE when @filter may be subscribed to: non-empty [MQTT-4.7.3-1], '#' only
 * alone in the last level [MQTT-4.7.1-2], '+' only alone in its level
 * [MQTT-4.7.1-3]. "$share/NAME/FILTER" is valid when NAME is non-empty and has
 * no '/', '+' or '#' and FILTER is a valid (non-shared) filter [MQTT-4.8.2-1],
 * [MQTT-4.8.2-2]. */
gboolean bd_topic_filter_is_valid      (const char  *filter);

/* TRUE when @topic matches @filter. '#' also matches the parent level ("a/#"
 * matches "a") [MQTT-4.7.1-2]; a filter whose first level is '+' or '#' does
 * not match a topic starting with '$' [MQTT-4.7.2-1]. @filter is taken as a
 * plain filter: strip a "$share/NAME/" prefix first (see below). */
gboolean bd_topic_matches              (const char  *filter,
                                        const char  *topic);

/* TRUE when @filter is a valid shared subscription "$share/NAME/FILTER".
 * Then *@share_name is a new copy of NAME and *@inner_filter points to FILTER
 * inside @filter; either out parameter may be NULL. When FALSE is returned
 * the out parameters are set to NULL. */
gboolean bd_topic_filter_is_shared     (const char  *filter,
                                        char       **share_name,
                                        const char **inner_filter);

/* TRUE when @filter contains a '+' or '#' wildcard. */
gboolean bd_topic_filter_has_wildcards (const char  *filter);

G_END_DECLS
