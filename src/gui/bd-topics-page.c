/* bd-topics-page.c — the Topics page: the live topic tree and its filter
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Two views over the same nodes: the tree (GtkTreeListModel over BdTopicNode)
 * and, while the filter entry has text, a flat list of the matching topics
 * (a GtkFilterListModel over every topic that received a message), because a
 * filter such as "busan/+/+/temperature" picks leaves from many branches and a
 * tree with all of them opened would bury them.
 *
 * Rows follow their node only while bound, so only visible rows pay for
 * updates; their "age" labels and change highlights are refreshed by one
 * page-wide timer rather than one per row. The context menu and its actions
 * are in bd-topics-page-actions.c.
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "bd-gui-util.h"
#include "bd-topic-row.h"
#include "bd-topics-page-private.h"

#define BD_DEFAULT_MQTT_PORT 1883

/* Levels opened when the tree first appears: "busan › factory › assembly"
 * shows the readings of a plant at once; later, the user decides. */
#define INITIAL_EXPAND_DEPTH 3
#define INITIAL_EXPAND_ROWS  60

/* When the tree first appears, the list view receives its rows a few per
 * frame. GTK 4.8's list view keeps up to about 200 row widgets around the
 * visible ones; building them (widgets, styles, accessible objects) in one
 * turn held the main loop for 70–260 ms; eight a frame cost a few ms each. */
#define REVEAL_STEP          8
#define REVEAL_ROWS          256

G_DEFINE_FINAL_TYPE (BdTopicsPage, bd_topics_page, ADW_TYPE_BIN)

static void tick_rows (BdTopicsPage *self);

/* --- the filter ---------------------------------------------------------- */

static gboolean
filter_match_cb (gpointer item,
                 gpointer user_data)
{
  BdTopicsPage *self = user_data;

  return bd_topic_search_matches (self->search, bd_topic_node_get_path (item));
}

static void
update_view (BdTopicsPage *self)
{
  const char *visible = "tree";

  if (self->search != NULL)
    {
      GListModel *flat = gtk_single_selection_get_model (self->flat_selection);

      visible = g_list_model_get_n_items (flat) > 0 ? "flat" : "no-match";
    }
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->view_stack), visible) != 0)
    gtk_stack_set_visible_child_name (self->view_stack, visible);
}

static void
on_filter_changed_cb (GtkSearchEntry *entry,
                      BdTopicsPage   *self)
{
  GtkWidget *widget = GTK_WIDGET (entry);
  BdTopicSearchKind kind;

  g_clear_pointer (&self->search, bd_topic_search_free);
  self->search = bd_topic_search_new (gtk_editable_get_text (GTK_EDITABLE (entry)));
  kind = bd_topic_search_get_kind (self->search);

  /* "a/#/b" matches nothing as a filter; say why, and search the text. */
  if (kind == BD_TOPIC_SEARCH_INVALID)
    {
      gtk_widget_add_css_class (widget, "error");
      gtk_widget_set_tooltip_text (widget,
                                   _("Not a valid topic filter: “+” must fill a whole "
                                     "level and “#” must be the last level"));
    }
  else
    {
      gtk_widget_remove_css_class (widget, "error");
      gtk_widget_set_tooltip_text (widget, NULL);
    }
  adw_status_page_set_description (self->no_match_page,
                                   kind == BD_TOPIC_SEARCH_FILTER
                                   ? _("No topic matches this topic filter yet.")
                                   : _("No topic contains this text yet."));
  /* Without a search the flat list is hidden: no filter at all, so topics
   * arriving at 20,000 messages a second cost it nothing. */
  gtk_filter_list_model_set_filter (self->filtered,
                                    self->search != NULL ? GTK_FILTER (self->filter) : NULL);
  /* Nor does the hidden list view follow it: a view without a model builds
   * no rows for topics arriving by the thousand. */
  if (self->search == NULL)
    gtk_list_view_set_model (self->flat_view, NULL);
  else if (gtk_list_view_get_model (self->flat_view) == NULL)
    gtk_list_view_set_model (self->flat_view, GTK_SELECTION_MODEL (self->flat_selection));
  if (self->search != NULL)
    gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
  update_view (self);
}

static void
on_flat_items_changed_cb (GListModel   *model,
                          guint         position,
                          guint         removed,
                          guint         added,
                          BdTopicsPage *self)
{
  update_view (self);
}

static void
on_stop_search_cb (GtkSearchEntry *entry,
                   BdTopicsPage   *self)
{
  gtk_editable_set_text (GTK_EDITABLE (entry), "");
  gtk_widget_grab_focus (GTK_WIDGET (self->list_view));
}

/* --- batches ------------------------------------------------------------- */

static gboolean
reveal_tick_cb (GtkWidget     *widget,
                GdkFrameClock *clock,
                gpointer       user_data)
{
  BdTopicsPage *self = user_data;
  guint size = gtk_slice_list_model_get_size (self->reveal);

  if (size >= REVEAL_ROWS)
    {
      gtk_slice_list_model_set_size (self->reveal, G_MAXUINT);
      self->reveal_tick = 0;
      return G_SOURCE_REMOVE;
    }
  gtk_slice_list_model_set_size (self->reveal, size + REVEAL_STEP);
  return G_SOURCE_CONTINUE;
}

/* Opens the next row of the first levels ("busan › factory › assembly"
 * shows the readings of a plant at once); stops after a screenful, since a
 * broker with 10,000 topics two levels down must not open them all. */
static gboolean
expand_initial_cb (gpointer user_data)
{
  BdTopicsPage *self = user_data;
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->tree));

  /* Opening a row inserts its children right after it, so one pass down
   * the list reaches every row of the first levels. */
  for (; self->expand_position < MIN (n, INITIAL_EXPAND_ROWS); self->expand_position++)
    {
      g_autoptr(GtkTreeListRow) row = gtk_tree_list_model_get_row (self->tree,
                                                                   self->expand_position);

      if (gtk_tree_list_row_get_depth (row) < INITIAL_EXPAND_DEPTH
          && gtk_tree_list_row_is_expandable (row)
          && !gtk_tree_list_row_get_expanded (row))
        {
          gtk_tree_list_row_set_expanded (row, TRUE);
          self->expand_position++;
          return G_SOURCE_CONTINUE;
        }
    }
  self->expand_id = 0;
  return G_SOURCE_REMOVE;
}

static void
on_batch_cb (BdTopicBatchEntry *entries,
             guint              n_entries,
             gpointer           user_data)
{
  BdTopicsPage *self = user_data;
  g_autoptr(GPtrArray) new_topics = NULL;
  const char *inspected;

  bd_topic_node_apply_batch (self->root, entries, n_entries, g_get_monotonic_time ());

  new_topics = bd_topic_node_steal_new_topics (self->root);
  /* The inspector follows its topic: at most one message per batch. */
  inspected = bd_inspector_get_topic (self->inspector);
  for (guint i = 0; inspected != NULL && i < n_entries; i++)
    if (strcmp (bd_message_get_topic (entries[i].latest), inspected) == 0)
      bd_inspector_push_message (self->inspector, entries[i].latest);

  if (new_topics->len > 0)
    g_list_store_splice (self->all_topics, g_list_model_get_n_items (G_LIST_MODEL (self->all_topics)),
                         0, new_topics->pdata, new_topics->len);

  if (self->shown_once || g_list_model_get_n_items (G_LIST_MODEL (self->root)) == 0)
    return;

  self->shown_once = TRUE;
  gtk_stack_set_visible_child_name (self->stack, "tree");
  if (self->reveal_tick == 0)
    self->reveal_tick = gtk_widget_add_tick_callback (GTK_WIDGET (self->list_view),
                                                      reveal_tick_cb, self, NULL);
  /* The first levels open one row per main-loop turn: each opening makes
   * the list view build the rows that come into sight, and a frame can be
   * drawn between two of them. */
  self->expand_position = 0;
  if (self->expand_id == 0)
    self->expand_id = g_idle_add (expand_initial_cb, self);
}

/* --- rows ---------------------------------------------------------------- */

/* The BdTopicRow in a list item's child: the child itself in the flat
 * list, the expander's child in the tree. */
static BdTopicRow *
topic_row_of (GtkWidget *widget)
{
  if (GTK_IS_TREE_EXPANDER (widget))
    widget = gtk_tree_expander_get_child (GTK_TREE_EXPANDER (widget));
  return BD_IS_TOPIC_ROW (widget) ? BD_TOPIC_ROW (widget) : NULL;
}

static gboolean
highlight_tick_cb (gpointer user_data)
{
  BdTopicsPage *self = user_data;
  gint64 now = g_get_monotonic_time ();
  gboolean any = FALSE;
  GHashTableIter iter;
  BdTopicRow *row;

  g_hash_table_iter_init (&iter, self->bound_rows);
  while (g_hash_table_iter_next (&iter, (gpointer *) &row, NULL))
    if (bd_topic_row_fade (row, now))
      any = TRUE;
  if (any)
    return G_SOURCE_CONTINUE;
  self->highlight_id = 0;
  return G_SOURCE_REMOVE;
}

static void
on_row_value_changed_cb (BdTopicsPage *self)
{
  if (self->highlight_id == 0)
    self->highlight_id = g_timeout_add (100, highlight_tick_cb, self);
}

static void
on_row_pressed_cb (GtkGestureClick *gesture,
                   int              n_press,
                   double           x,
                   double           y,
                   GtkListItem     *item)
{
  GtkWidget *top = gtk_list_item_get_child (item);
  BdTopicRow *row = topic_row_of (top);
  GtkWidget *list = gtk_widget_get_ancestor (top, GTK_TYPE_LIST_VIEW);
  GtkWidget *page = gtk_widget_get_ancestor (top, BD_TYPE_TOPICS_PAGE);
  GtkSelectionModel *model;

  if (row == NULL || bd_topic_row_get_node (row) == NULL || list == NULL || page == NULL)
    return;
  /* The menu acts on the row under the pointer; selecting it too keeps what
   * the user sees highlighted in step with what the menu will change. */
  model = gtk_list_view_get_model (GTK_LIST_VIEW (list));
  gtk_selection_model_select_item (model, gtk_list_item_get_position (item), TRUE);
  _bd_topics_page_show_menu (BD_TOPICS_PAGE (page), bd_topic_row_get_node (row), top, x, y);
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
}

static void
setup_row (GtkListItem  *item,
           BdTopicsPage *self,
           gboolean      tree)
{
  /* The tree shows a level's name under its parent; the flat list has no
   * parents to show, so it names the whole topic. */
  GtkWidget *row = bd_topic_row_new (!tree);
  GtkGesture *click = gtk_gesture_click_new ();
  GtkWidget *top = row;

  g_signal_connect_object (row, "value-changed", G_CALLBACK (on_row_value_changed_cb), self,
                           G_CONNECT_SWAPPED);
  if (tree)
    {
      top = gtk_tree_expander_new ();
      gtk_tree_expander_set_child (GTK_TREE_EXPANDER (top), row);
    }

  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_SECONDARY);
  g_signal_connect (click, "pressed", G_CALLBACK (on_row_pressed_cb), item);
  gtk_widget_add_controller (top, GTK_EVENT_CONTROLLER (click));

  gtk_list_item_set_child (item, top);
}

static void
bind_row (GtkListItem  *item,
          BdTopicsPage *self,
          BdTopicNode  *node)
{
  GtkWidget *top = gtk_list_item_get_child (item);
  BdTopicRow *row = topic_row_of (top);

  bd_topic_row_bind (row, node);
  bd_topic_row_set_tile (row, _bd_topics_page_find_tile (self, bd_topic_node_get_path (node)));
  /* On the expander too, so the whole line shows the topic. */
  gtk_widget_set_tooltip_text (top, bd_topic_node_get_path (node));
  g_hash_table_add (self->bound_rows, row);
}

static void
unbind_row (GtkListItem  *item,
            BdTopicsPage *self)
{
  BdTopicRow *row = topic_row_of (gtk_list_item_get_child (item));

  if (row == NULL || bd_topic_row_get_node (row) == NULL)
    return;
  g_hash_table_remove (self->bound_rows, row);
  bd_topic_row_unbind (row);
}

static void
setup_tree_row_cb (GtkSignalListItemFactory *factory,
                   GtkListItem              *item,
                   BdTopicsPage             *self)
{
  setup_row (item, self, TRUE);
}

static void
setup_flat_row_cb (GtkSignalListItemFactory *factory,
                   GtkListItem              *item,
                   BdTopicsPage             *self)
{
  setup_row (item, self, FALSE);
}

static void
bind_tree_row_cb (GtkSignalListItemFactory *factory,
                  GtkListItem              *item,
                  BdTopicsPage             *self)
{
  GtkTreeListRow *list_row = gtk_list_item_get_item (item);
  g_autoptr(BdTopicNode) node = gtk_tree_list_row_get_item (list_row);

  gtk_tree_expander_set_list_row (GTK_TREE_EXPANDER (gtk_list_item_get_child (item)), list_row);
  bind_row (item, self, node);
}

static void
bind_flat_row_cb (GtkSignalListItemFactory *factory,
                  GtkListItem              *item,
                  BdTopicsPage             *self)
{
  bind_row (item, self, gtk_list_item_get_item (item));
}

static void
unbind_row_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *item,
               BdTopicsPage             *self)
{
  unbind_row (item, self);
}

/* Ages move with the clock, not with messages: one pass over the visible
 * rows per second. */
static void
tick_rows (BdTopicsPage *self)
{
  gint64 now = g_get_real_time ();
  GHashTableIter iter;
  BdTopicRow *row;

  g_hash_table_iter_init (&iter, self->bound_rows);
  while (g_hash_table_iter_next (&iter, (gpointer *) &row, NULL))
    bd_topic_row_update_age (row, now);
}

static gboolean
tick_cb (gpointer user_data)
{
  tick_rows (user_data);
  return G_SOURCE_CONTINUE;
}

static void
on_map_cb (GtkWidget    *widget,
           BdTopicsPage *self)
{
  /* The tree catches up with everything that came while it was hidden. */
  if (self->outbox != NULL)
    bd_topic_outbox_set_held (self->outbox, FALSE);
  tick_rows (self);
  if (self->tick_id == 0)
    self->tick_id = g_timeout_add_seconds (1, tick_cb, self);
}

static void
on_unmap_cb (GtkWidget    *widget,
             BdTopicsPage *self)
{
  g_clear_handle_id (&self->tick_id, g_source_remove);
  g_clear_handle_id (&self->expand_id, g_source_remove);
  /* Hidden, the tree follows nothing: its outbox keeps each topic's newest
   * message and count until the page is shown again. Under 20,000 msg/s
   * the hidden tree was most of the main thread's work. */
  if (self->outbox != NULL)
    bd_topic_outbox_set_held (self->outbox, TRUE);
}

/* --- the inspector ------------------------------------------------------- */

static void
inspect (BdTopicsPage *self,
         BdTopicNode  *node)
{
  const char *path = node != NULL ? bd_topic_node_get_path (node) : NULL;

  /* A level without messages of its own ("busan") has nothing to inspect. */
  if (node != NULL && bd_topic_node_get_message_count (node) == 0)
    path = NULL;
  /* The pane takes room from the tree only while it has something to say. */
  gtk_widget_set_visible (GTK_WIDGET (self->inspector), path != NULL);
  if (g_strcmp0 (path, bd_inspector_get_topic (self->inspector)) == 0)
    return;
  bd_inspector_set_tile (self->inspector, _bd_topics_page_find_tile (self, path));
  bd_inspector_set_topic (self->inspector, path,
                          path != NULL ? bd_topic_node_get_latest (node) : NULL);
}

static void
on_tree_selected_cb (GtkSingleSelection *selection,
                     GParamSpec         *pspec,
                     BdTopicsPage       *self)
{
  GtkTreeListRow *row = gtk_single_selection_get_selected_item (selection);
  g_autoptr(BdTopicNode) node = row != NULL ? gtk_tree_list_row_get_item (row) : NULL;

  inspect (self, node);
}

static void
on_flat_selected_cb (GtkSingleSelection *selection,
                     GParamSpec         *pspec,
                     BdTopicsPage       *self)
{
  inspect (self, gtk_single_selection_get_selected_item (selection));
}

/* --- keyboard ------------------------------------------------------------ */

/* A new reference to the node of the selected row in the visible view. */
static BdTopicNode *
selected_node (BdTopicsPage *self)
{
  gpointer item;

  if (gtk_widget_get_mapped (GTK_WIDGET (self->flat_view)))
    {
      item = gtk_single_selection_get_selected_item (self->flat_selection);
      return item != NULL ? g_object_ref (item) : NULL;
    }
  item = gtk_single_selection_get_selected_item (self->tree_selection);
  return item != NULL ? gtk_tree_list_row_get_item (item) : NULL;
}

BdTopicNode *
_bd_topics_page_dup_menu_target (BdTopicsPage  *self,
                                 GtkWidget    **widget)
{
  GtkWidget *page = GTK_WIDGET (self);
  GtkRoot *root = gtk_widget_get_root (page);
  GtkWidget *focus;

  focus = root != NULL ? gtk_root_get_focus (root) : NULL;
  if (focus == NULL || !gtk_widget_is_ancestor (focus, page))
    focus = page;
  *widget = focus;
  for (GtkWidget *w = focus; w != NULL && w != page; w = gtk_widget_get_parent (w))
    {
      GtkWidget *child = gtk_widget_get_first_child (w);
      BdTopicRow *row = topic_row_of (w);

      if (row == NULL && child != NULL)
        row = topic_row_of (child);
      if (row != NULL && bd_topic_row_get_node (row) != NULL)
        return g_object_ref (bd_topic_row_get_node (row));
    }
  return selected_node (self);
}

static void
focus_tree_position (BdTopicsPage *self,
                     guint         position)
{
  gtk_selection_model_select_item (GTK_SELECTION_MODEL (self->tree_selection), position, TRUE);
  gtk_widget_activate_action (GTK_WIDGET (self->list_view), "list.scroll-to-item", "u", position);
}

/* Right opens a level, Left closes it or goes to its parent, as in every
 * GNOME tree (GTK 4.8's expander only binds +, - and *, and only when the
 * expander itself has the focus, which a list row never gives it). */
static gboolean
on_tree_key_pressed_cb (GtkEventControllerKey *controller,
                        guint                  keyval,
                        guint                  keycode,
                        GdkModifierType        state,
                        BdTopicsPage          *self)
{
  guint position = gtk_single_selection_get_selected (self->tree_selection);
  g_autoptr(GtkTreeListRow) row = NULL;
  gboolean open;

  if ((state & (GDK_CONTROL_MASK | GDK_ALT_MASK | GDK_SHIFT_MASK)) != 0
      || position == GTK_INVALID_LIST_POSITION)
    return FALSE;

  switch (keyval)
    {
    case GDK_KEY_Right: case GDK_KEY_KP_Right: case GDK_KEY_plus: case GDK_KEY_KP_Add:
      open = TRUE;
      break;
    case GDK_KEY_Left: case GDK_KEY_KP_Left: case GDK_KEY_minus: case GDK_KEY_KP_Subtract:
      open = FALSE;
      break;
    default:
      return FALSE;
    }

  row = gtk_tree_list_model_get_row (self->tree, position);
  if (row == NULL)
    return FALSE;
  if (open)
    {
      if (gtk_tree_list_row_is_expandable (row) && !gtk_tree_list_row_get_expanded (row))
        gtk_tree_list_row_set_expanded (row, TRUE);
      return TRUE;
    }
  if (gtk_tree_list_row_get_expanded (row))
    gtk_tree_list_row_set_expanded (row, FALSE);
  else if (keyval == GDK_KEY_Left || keyval == GDK_KEY_KP_Left)
    {
      g_autoptr(GtkTreeListRow) parent = gtk_tree_list_row_get_parent (row);

      if (parent != NULL)
        focus_tree_position (self, gtk_tree_list_row_get_position (parent));
    }
  return TRUE;
}

/* Return on a level opens or closes it. */
static void
on_tree_activate_cb (GtkListView  *view,
                     guint         position,
                     BdTopicsPage *self)
{
  g_autoptr(GtkTreeListRow) row = gtk_tree_list_model_get_row (self->tree, position);

  if (row != NULL && gtk_tree_list_row_is_expandable (row))
    gtk_tree_list_row_set_expanded (row, !gtk_tree_list_row_get_expanded (row));
}

/* --- the source: the embedded broker or a remote one ---------------------- */

static void
attach_source (BdTopicsPage *self)
{
  g_return_if_fail (self->outbox == NULL);

  if (self->remote == NULL && self->engine == NULL)
    return;
  self->outbox = bd_topic_outbox_new (g_main_context_default (), on_batch_cb, self);
  bd_topic_outbox_set_held (self->outbox, !gtk_widget_get_mapped (GTK_WIDGET (self)));
  /* The tap holds its own ref: removing an engine tap is asynchronous. */
  if (self->remote != NULL)
    self->tap_id = bd_remote_client_add_tap (self->remote, "#", bd_topic_outbox_tap,
                                             bd_topic_outbox_ref (self->outbox),
                                             (GDestroyNotify) bd_topic_outbox_unref);
  else
    self->tap_id = bd_engine_add_tap (self->engine, "#", bd_topic_outbox_tap,
                                      bd_topic_outbox_ref (self->outbox),
                                      (GDestroyNotify) bd_topic_outbox_unref);
}

static void
detach_source (BdTopicsPage *self)
{
  if (self->tap_id != 0)
    {
      if (self->remote != NULL)
        bd_remote_client_remove_tap (self->remote, self->tap_id);
      else
        bd_engine_remove_tap (self->engine, self->tap_id);
    }
  self->tap_id = 0;
  /* After this the flush never runs; late taps are dropped. */
  g_clear_pointer (&self->outbox, bd_topic_outbox_free);
}

/* Another broker, another tree: nothing of the old one may linger. */
static void
reset_tree (BdTopicsPage *self)
{
  g_clear_object (&self->menu_node);
  inspect (self, NULL);
  g_list_store_remove_all (self->all_topics);
  g_clear_object (&self->root);
  self->root = bd_topic_node_new_root ();
  self->tree = gtk_tree_list_model_new (G_LIST_MODEL (g_object_ref (self->root)), FALSE, FALSE,
                                        bd_topic_node_create_child_model, NULL, NULL);
  if (self->reveal_tick != 0)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self->list_view), self->reveal_tick);
  self->reveal_tick = 0;
  gtk_slice_list_model_set_size (self->reveal, REVEAL_STEP);
  gtk_slice_list_model_set_model (self->reveal, G_LIST_MODEL (self->tree));
  g_object_unref (self->tree);   /* the slice owns it */
  self->shown_once = FALSE;
  g_clear_handle_id (&self->expand_id, g_source_remove);
  gtk_stack_set_visible_child_name (self->stack, "empty");
}

static void
update_address (BdTopicsPage *self)
{
  g_autofree char *address = NULL;
  g_autofree char *description = NULL;
  g_autoptr(GString) command = NULL;
  const char *host = self->embedded_host;
  guint port = self->embedded_port;

  if (self->remote != NULL)
    {
      host = bd_remote_client_get_config (self->remote)->host;
      port = bd_remote_client_get_config (self->remote)->port;
    }

  address = _bd_format_host_port (host, port);
  /* The description is Pango markup. */
  description = g_markup_printf_escaped (_("Topics appear here as devices publish to the "
                                           "broker on %s."),
                                         address);
  adw_status_page_set_description (self->status_page, description);

  /* Only the options that differ from mosquitto_pub's defaults, so the usual
   * case stays short enough to read and type. */
  command = g_string_new ("mosquitto_pub");
  if (!_bd_host_is_default (host))
    g_string_append_printf (command, " -h %s", host);
  if (port != BD_DEFAULT_MQTT_PORT)
    g_string_append_printf (command, " -p %u", port);
  g_string_append (command, " -t plant/line1/temperature -m 21.5");
  gtk_label_set_text (self->command_label, command->str);
}

/* --- life cycle ---------------------------------------------------------- */

static void
bd_topics_page_dispose (GObject *object)
{
  BdTopicsPage *self = BD_TOPICS_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  detach_source (self);
  g_clear_pointer (&self->engine, bd_engine_unref);
  g_clear_object (&self->remote);
  if (self->service != NULL)
    g_signal_handlers_disconnect_by_data (self->service, self);
  g_clear_object (&self->service);
  g_clear_handle_id (&self->tick_id, g_source_remove);
  g_clear_handle_id (&self->highlight_id, g_source_remove);
  g_clear_pointer (&self->menu, gtk_widget_unparent);
  g_clear_object (&self->menu_node);

  /* The stack is both a template child and AdwBin's child: detach it from
   * AdwBin first, or AdwBin's dispose would unparent it a second time. */
  adw_bin_set_child (ADW_BIN (object), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (object), BD_TYPE_TOPICS_PAGE);

  G_OBJECT_CLASS (bd_topics_page_parent_class)->dispose (object);
}

static void
bd_topics_page_finalize (GObject *object)
{
  BdTopicsPage *self = BD_TOPICS_PAGE (object);

  g_clear_object (&self->root);
  g_clear_object (&self->all_topics);
  g_clear_object (&self->tree_selection);
  g_clear_object (&self->flat_selection);
  g_clear_object (&self->filter);
  g_clear_pointer (&self->bound_rows, g_hash_table_unref);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->search, bd_topic_search_free);
  g_free (self->embedded_host);

  G_OBJECT_CLASS (bd_topics_page_parent_class)->finalize (object);
}

static void
bd_topics_page_class_init (BdTopicsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bd_topics_page_dispose;
  object_class->finalize = bd_topics_page_finalize;

  g_type_ensure (BD_TYPE_INSPECTOR);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/brokerdesk/Brokerdesk/bd-topics-page.ui");
  gtk_widget_class_bind_template_child (widget_class, BdTopicsPage, stack);
  gtk_widget_class_bind_template_child (widget_class, BdTopicsPage, status_page);
  gtk_widget_class_bind_template_child (widget_class, BdTopicsPage, command_label);
  gtk_widget_class_bind_template_child (widget_class, BdTopicsPage, filter_entry);
  gtk_widget_class_bind_template_child (widget_class, BdTopicsPage, view_stack);
  gtk_widget_class_bind_template_child (widget_class, BdTopicsPage, no_match_page);
  gtk_widget_class_bind_template_child (widget_class, BdTopicsPage, list_view);
  gtk_widget_class_bind_template_child (widget_class, BdTopicsPage, flat_view);
  gtk_widget_class_bind_template_child (widget_class, BdTopicsPage, inspector);

  _bd_topics_page_class_install_actions (widget_class);
}

static GtkListItemFactory *
factory_new (BdTopicsPage *self,
             GCallback     setup,
             GCallback     bind)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

  g_signal_connect (factory, "setup", setup, self);
  g_signal_connect (factory, "bind", bind, self);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_row_cb), self);
  return factory;
}

static void
bd_topics_page_init (BdTopicsPage *self)
{
  g_autoptr(GtkListItemFactory) tree_factory = NULL;
  g_autoptr(GtkListItemFactory) flat_factory = NULL;
  GtkEventController *keys;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  self->bound_rows = g_hash_table_new (NULL, NULL);

  /* root → GtkTreeListModel (passthrough FALSE, autoexpand FALSE) →
   * GtkSliceListModel (the first rows a few per frame, then everything) →
   * GtkSingleSelection (autoselect off) → GtkListView. */
  self->root = bd_topic_node_new_root ();
  self->tree = gtk_tree_list_model_new (G_LIST_MODEL (g_object_ref (self->root)), FALSE, FALSE,
                                        bd_topic_node_create_child_model, NULL, NULL);
  self->reveal = gtk_slice_list_model_new (G_LIST_MODEL (self->tree), 0, REVEAL_STEP);
  self->tree_selection = gtk_single_selection_new (G_LIST_MODEL (self->reveal));
  gtk_single_selection_set_autoselect (self->tree_selection, FALSE);
  gtk_single_selection_set_can_unselect (self->tree_selection, TRUE);
  tree_factory = factory_new (self, G_CALLBACK (setup_tree_row_cb), G_CALLBACK (bind_tree_row_cb));
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (self->tree_selection));
  g_signal_connect (self->tree_selection, "notify::selected-item",
                    G_CALLBACK (on_tree_selected_cb), self);
  gtk_list_view_set_factory (self->list_view, tree_factory);
  g_signal_connect (self->list_view, "activate", G_CALLBACK (on_tree_activate_cb), self);
  keys = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect (keys, "key-pressed", G_CALLBACK (on_tree_key_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->list_view), keys);

  /* The flat list filters incrementally, so a keystroke over 100,000 topics
   * never holds the main loop for long. */
  self->all_topics = g_list_store_new (BD_TYPE_TOPIC_NODE);
  self->filter = gtk_custom_filter_new (filter_match_cb, self, NULL);
  self->filtered = gtk_filter_list_model_new (G_LIST_MODEL (g_object_ref (self->all_topics)),
                                              NULL);
  gtk_filter_list_model_set_incremental (self->filtered, TRUE);
  g_signal_connect (self->filtered, "items-changed", G_CALLBACK (on_flat_items_changed_cb), self);
  self->flat_selection = gtk_single_selection_new (G_LIST_MODEL (self->filtered));
  gtk_single_selection_set_autoselect (self->flat_selection, FALSE);
  gtk_single_selection_set_can_unselect (self->flat_selection, TRUE);
  flat_factory = factory_new (self, G_CALLBACK (setup_flat_row_cb), G_CALLBACK (bind_flat_row_cb));
  g_signal_connect (self->flat_selection, "notify::selected-item",
                    G_CALLBACK (on_flat_selected_cb), self);
  gtk_list_view_set_factory (self->flat_view, flat_factory);

  g_signal_connect (self->filter_entry, "search-changed", G_CALLBACK (on_filter_changed_cb), self);
  g_signal_connect (self->filter_entry, "stop-search", G_CALLBACK (on_stop_search_cb), self);
  /* Typing in the tree starts filtering, as in Files. */
  gtk_search_entry_set_key_capture_widget (self->filter_entry, GTK_WIDGET (self->list_view));

  _bd_topics_page_init_menu (self);

  g_signal_connect (self, "map", G_CALLBACK (on_map_cb), self);
  g_signal_connect (self, "unmap", G_CALLBACK (on_unmap_cb), self);

  bd_topics_page_set_address (self, "127.0.0.1", BD_DEFAULT_MQTT_PORT);
}

GtkWidget *
bd_topics_page_new (void)
{
  return g_object_new (BD_TYPE_TOPICS_PAGE, NULL);
}

void
bd_topics_page_set_address (BdTopicsPage *self,
                            const char   *host,
                            guint         port)
{
  g_return_if_fail (BD_IS_TOPICS_PAGE (self));
  g_return_if_fail (host != NULL);

  g_free (self->embedded_host);
  self->embedded_host = g_strdup (host);
  self->embedded_port = port;
  update_address (self);
}

void
bd_topics_page_set_engine (BdTopicsPage *self,
                           BdEngine     *engine)
{
  g_return_if_fail (BD_IS_TOPICS_PAGE (self));
  g_return_if_fail (engine != NULL);

  if (self->engine != NULL)
    return;

  self->engine = bd_engine_ref (engine);
  if (self->remote == NULL)
    attach_source (self);
}

void
bd_topics_page_set_remote (BdTopicsPage   *self,
                           BdRemoteClient *remote)
{
  g_return_if_fail (BD_IS_TOPICS_PAGE (self));

  if (self->remote == remote)
    return;
  detach_source (self);
  g_set_object (&self->remote, remote);
  reset_tree (self);
  update_address (self);
  attach_source (self);
}

void
bd_topics_page_focus_filter (BdTopicsPage *self)
{
  g_return_if_fail (BD_IS_TOPICS_PAGE (self));

  gtk_widget_grab_focus (GTK_WIDGET (self->filter_entry));
}

void
bd_topics_page_show_topic (BdTopicsPage *self,
                           const char   *topic)
{
  g_return_if_fail (BD_IS_TOPICS_PAGE (self));
  g_return_if_fail (topic != NULL);

  /* The filter lists matching topics flat, by their whole name. */
  gtk_editable_set_text (GTK_EDITABLE (self->filter_entry), topic);
  gtk_widget_grab_focus (GTK_WIDGET (self->filter_entry));
}

void
bd_topics_page_set_history (BdTopicsPage *self,
                            BdHistory    *history)
{
  g_return_if_fail (BD_IS_TOPICS_PAGE (self));

  bd_inspector_set_history (self->inspector, history);
}

BdOverviewTileConfig *
_bd_topics_page_find_tile (BdTopicsPage *self,
                           const char   *topic)
{
  BdOverviewConfig *config = self->service != NULL ? bd_service_get_overview (self->service) : NULL;

  if (config == NULL || topic == NULL)
    return NULL;
  return bd_overview_config_find_tile (config, topic, NULL);
}

/* Labels and units changed: the rows on screen and the inspector show the
 * new ones (rows bound later look them up as they bind). */
static void
on_overview_changed_cb (BdTopicsPage *self)
{
  GHashTableIter iter;
  gpointer row;

  g_hash_table_iter_init (&iter, self->bound_rows);
  while (g_hash_table_iter_next (&iter, &row, NULL))
    {
      BdTopicNode *node = bd_topic_row_get_node (row);

      if (node != NULL)
        bd_topic_row_set_tile (row, _bd_topics_page_find_tile (self, bd_topic_node_get_path (node)));
    }
  bd_inspector_set_tile (self->inspector,
                         _bd_topics_page_find_tile (self, bd_inspector_get_topic (self->inspector)));
}

void
bd_topics_page_set_service (BdTopicsPage *self,
                            BdService    *service)
{
  g_return_if_fail (BD_IS_TOPICS_PAGE (self));
  g_return_if_fail (service == NULL || BD_IS_SERVICE (service));

  _bd_follow_object (self, (gpointer *) &self->service, service, "overview-changed",
                     G_CALLBACK (on_overview_changed_cb));
}
