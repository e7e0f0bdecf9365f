/* bd-topics-page.h — the Topics page: the live topic tree
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "bd-service.h"

#include "bd-engine.h"
#include "bd-remote-client.h"
#include "bd-history.h"

G_BEGIN_DECLS

#define BD_TYPE_TOPICS_PAGE (bd_topics_page_get_type ())
G_DECLARE_FINAL_TYPE (BdTopicsPage, bd_topics_page, BD, TOPICS_PAGE, AdwBin)

GtkWidget *bd_topics_page_new         (void);
/* Where the embedded broker listens; shown in the empty state, with a
 * mosquitto_pub command line that publishes to it. */
void       bd_topics_page_set_address (BdTopicsPage *self,
                                       const char   *host,
                                       guint         port);

/* Shows the topics the engine routes, from now on. */
void       bd_topics_page_set_engine  (BdTopicsPage *self,
                                       BdEngine     *engine);

/* Shows the topics of a remote broker instead (NULL: the embedded one
 * again), starting from an empty tree. */
void       bd_topics_page_set_remote   (BdTopicsPage   *self,
                                        BdRemoteClient *remote);

/* Where the inspector finds older messages of the selected topic; may be
 * NULL. */
void       bd_topics_page_set_history  (BdTopicsPage *self,
                                        BdHistory    *history);

/* Whose overview gives topics their labels and units in the tree and the
 * inspector, and takes "Add to Overview" (NULL: none). */
void       bd_topics_page_set_service  (BdTopicsPage *self,
                                        BdService    *service);

/* Moves the keyboard focus to the filter entry (Ctrl+F). */
void       bd_topics_page_focus_filter (BdTopicsPage *self);
/* The Topics page filtered to @topic (an overview tile's "Show Topic"). */
void       bd_topics_page_show_topic   (BdTopicsPage *self,
                                        const char   *topic);

G_END_DECLS
