/* bd-topics-page-private.h — what the Topics page's files share
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The page is two files: bd-topics-page.c (the tree, the filtered list,
 * the inspector and the source of messages) and bd-topics-page-actions.c
 * (the topic.* actions and the context menu that offers them).
 */

#pragma once

#include "bd-inspector.h"
#include "bd-topic-node.h"
#include "bd-topic-outbox.h"
#include "bd-topic-search.h"
#include "bd-topics-page.h"

G_BEGIN_DECLS

struct _BdTopicsPage
{
  AdwBin              parent_instance;

  GtkStack           *stack;
  AdwStatusPage      *status_page;
  GtkLabel           *command_label;
  GtkSearchEntry     *filter_entry;
  GtkStack           *view_stack;
  AdwStatusPage      *no_match_page;
  GtkListView        *list_view;
  GtkListView        *flat_view;
  BdInspector        *inspector;
  GtkWidget          *menu;

  /* The live tree: the engine's tap feeds the outbox on the engine thread;
   * the outbox hands the main thread one batch per ~33 ms. */
  BdEngine           *engine;
  BdRemoteClient     *remote;          /* when set, the tree shows it instead */
  guint               tap_id;
  char               *embedded_host;   /* where the embedded broker listens */
  guint               embedded_port;
  BdTopicOutbox      *outbox;
  BdTopicNode        *root;
  GtkTreeListModel   *tree;            /* owned by reveal */
  GtkSliceListModel  *reveal;          /* owned by tree_selection */
  guint               reveal_tick;
  GtkSingleSelection *tree_selection;
  gboolean            shown_once;      /* the first levels were opened for a newcomer */
  guint               expand_id;       /* opening them, a row per turn */
  guint               expand_position;

  /* The flat, filtered view. */
  GListStore         *all_topics;      /* BdTopicNode with messages, in arrival order */
  GtkCustomFilter    *filter;
  GtkFilterListModel *filtered;        /* owned by flat_selection */
  GtkSingleSelection *flat_selection;
  BdTopicSearch      *search;          /* NULL: no filter */

  /* Rows on screen (BdTopicRow *), for the one-second age refresh and
   * the end of highlights. */
  GHashTable         *bound_rows;
  guint               tick_id;
  guint               highlight_id;

  BdService          *service;         /* for the overview's labels and units */
  BdTopicNode        *menu_node;       /* what the context menu acts on */
  GCancellable       *cancellable;
};

/* bd-topics-page.c */

/* A new reference to the node the context menu should act on: the focused
 * row's, which Tab may have reached without selecting it, or failing that
 * the selected row's; NULL when none. *@widget is where to show the menu. */
BdTopicNode *_bd_topics_page_dup_menu_target       (BdTopicsPage   *self,
                                                    GtkWidget     **widget);

/* The overview's tile of @topic as a plain series, or NULL; borrowed. */
BdOverviewTileConfig *_bd_topics_page_find_tile    (BdTopicsPage   *self,
                                                    const char     *topic);

/* bd-topics-page-actions.c */

/* Whether @node's latest message holds numbers "Add to Overview" can tile. */
gboolean     _bd_topics_page_looks_like_sensor     (BdTopicsPage   *self,
                                                    BdTopicNode    *node);

void         _bd_topics_page_class_install_actions (GtkWidgetClass *widget_class);
/* Makes the context menu; called from init. */
void         _bd_topics_page_init_menu             (BdTopicsPage   *self);
/* Shows the context menu for @node at (@x, @y) in @widget's coordinates. */
void         _bd_topics_page_show_menu             (BdTopicsPage   *self,
                                                    BdTopicNode    *node,
                                                    GtkWidget      *widget,
                                                    double          x,
                                                    double          y);

G_END_DECLS
