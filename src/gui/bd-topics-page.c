/* bd-topics-page.c — the Topics page: the live topic tree
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * For now the page is its empty state (ui/bd-topics-page.ui). It tells where
 * the broker listens and offers a command line to publish a first message,
 * because a console with no devices yet is the first thing a newcomer sees.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "bd-gui-util.h"
#include "bd-topic-node.h"
#include "bd-topic-outbox.h"
#include "bd-topics-page.h"

#define BD_DEFAULT_MQTT_PORT 1883

struct _BdTopicsPage
{
  AdwBin          parent_instance;

  GtkStack       *stack;
  AdwStatusPage  *status_page;
  GtkLabel       *command_label;
  GtkListView    *list_view;

  /* The live tree: the engine's tap feeds the outbox on the engine thread;
   * the outbox hands the main thread one batch per ~33 ms (STYLE §8). */
  BdEngine       *engine;
  guint           tap_id;
  BdTopicOutbox  *outbox;
  BdTopicNode    *root;
  GtkTreeListModel *tree;     /* borrowed: owned by the list view's model */
  gboolean        shown_once; /* the first levels were opened for a newcomer */
};

/* Levels opened when the tree first appears: "busan › factory › assembly"
 * shows the readings of a plant at once; later, the user decides. */
#define INITIAL_EXPAND_DEPTH 3

G_DEFINE_FINAL_TYPE (BdTopicsPage, bd_topics_page, ADW_TYPE_BIN)

static void
on_batch_cb (BdTopicBatchEntry *entries,
             guint              n_entries,
             gpointer           user_data)
{
  BdTopicsPage *self = user_data;

  bd_topic_node_apply_batch (self->root, entries, n_entries, g_get_monotonic_time ());
  if (self->shown_once || g_list_model_get_n_items (G_LIST_MODEL (self->root)) == 0)
    return;

  /* Expanding a row inserts its children right after it, so one pass down
   * the list reaches every row of the first levels. */
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->tree)); i++)
    {
      g_autoptr(GtkTreeListRow) row = gtk_tree_list_model_get_row (self->tree, i);

      if (gtk_tree_list_row_get_depth (row) < INITIAL_EXPAND_DEPTH)
        gtk_tree_list_row_set_expanded (row, TRUE);
    }
  self->shown_once = TRUE;
  gtk_stack_set_visible_child_name (self->stack, "tree");
}

static void
setup_row_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              gpointer                  user_data)
{
  GtkWidget *expander = gtk_tree_expander_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *name = gtk_label_new (NULL);
  GtkWidget *value = gtk_label_new (NULL);
  GtkWidget *count = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (name), 0);
  gtk_widget_set_hexpand (name, TRUE);
  gtk_label_set_ellipsize (GTK_LABEL (name), PANGO_ELLIPSIZE_MIDDLE);
  gtk_label_set_xalign (GTK_LABEL (value), 1);
  gtk_label_set_ellipsize (GTK_LABEL (value), PANGO_ELLIPSIZE_END);
  gtk_label_set_max_width_chars (GTK_LABEL (value), 32);
  gtk_widget_add_css_class (value, "topic-value");
  gtk_label_set_xalign (GTK_LABEL (count), 1);
  gtk_label_set_width_chars (GTK_LABEL (count), 14);
  gtk_widget_add_css_class (count, "topic-count");
  gtk_box_append (GTK_BOX (box), name);
  gtk_box_append (GTK_BOX (box), value);
  gtk_box_append (GTK_BOX (box), count);
  gtk_tree_expander_set_child (GTK_TREE_EXPANDER (expander), box);
  gtk_list_item_set_child (item, expander);
}

static gboolean
transform_count (GBinding     *binding,
                 const GValue *from,
                 GValue       *to,
                 gpointer      user_data)
{
  guint64 count = g_value_get_uint64 (from);
  char number[32];

  /* A level that only groups others ("busan") has no messages of its own;
   * "0 messages" there would read like a fault. */
  if (count == 0)
    {
      g_value_set_string (to, "");
      return TRUE;
    }
  g_snprintf (number, sizeof number, "%" G_GUINT64_FORMAT, count);
  /* Translators: how many messages a topic received; %s is the number */
  g_value_take_string (to, g_strdup_printf (ngettext ("%s message", "%s messages",
                                                      count > G_MAXULONG ? G_MAXULONG : (gulong) count),
                                            number));
  return TRUE;
}

/* Rows follow their node's properties only while bound, so only visible rows
 * pay for updates (STYLE §5). */
static void
bind_row_cb (GtkSignalListItemFactory *factory,
             GtkListItem              *item,
             gpointer                  user_data)
{
  GtkTreeListRow *row = gtk_list_item_get_item (item);
  GtkWidget *expander = gtk_list_item_get_child (item);
  GtkWidget *name = gtk_widget_get_first_child (gtk_tree_expander_get_child (GTK_TREE_EXPANDER (expander)));
  GtkWidget *value = gtk_widget_get_next_sibling (name);
  GtkWidget *count = gtk_widget_get_next_sibling (value);
  g_autoptr(BdTopicNode) node = gtk_tree_list_row_get_item (row);
  GPtrArray *bindings = g_ptr_array_new ();

  gtk_tree_expander_set_list_row (GTK_TREE_EXPANDER (expander), row);
  gtk_label_set_label (GTK_LABEL (name), bd_topic_node_get_name (node));
  g_ptr_array_add (bindings, g_object_bind_property (node, "last-value", value, "label",
                                                     G_BINDING_SYNC_CREATE));
  g_ptr_array_add (bindings, g_object_bind_property_full (node, "message-count", count, "label",
                                                          G_BINDING_SYNC_CREATE,
                                                          transform_count, NULL, NULL, NULL));
  g_ptr_array_add (bindings, g_object_bind_property (node, "path", expander, "tooltip-text",
                                                     G_BINDING_SYNC_CREATE));
  g_object_set_data_full (G_OBJECT (item), "bd-bindings", bindings,
                          (GDestroyNotify) g_ptr_array_unref);
}

static void
unbind_row_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *item,
               gpointer                  user_data)
{
  GPtrArray *bindings = g_object_get_data (G_OBJECT (item), "bd-bindings");

  for (guint i = 0; bindings != NULL && i < bindings->len; i++)
    g_binding_unbind (g_ptr_array_index (bindings, i));
  g_object_set_data (G_OBJECT (item), "bd-bindings", NULL);
}

static void
bd_topics_page_dispose (GObject *object)
{
  BdTopicsPage *self = BD_TOPICS_PAGE (object);

  if (self->tap_id != 0)
    bd_engine_remove_tap (self->engine, self->tap_id);
  self->tap_id = 0;
  g_clear_pointer (&self->engine, bd_engine_unref);
  /* After this the flush never runs; late taps are dropped. */
  g_clear_pointer (&self->outbox, bd_topic_outbox_free);
  g_clear_object (&self->root);

  /* The stack is both a template child and AdwBin's child: detach it from
   * AdwBin first, or AdwBin's dispose would unparent it a second time. */
  adw_bin_set_child (ADW_BIN (object), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (object), BD_TYPE_TOPICS_PAGE);

  G_OBJECT_CLASS (bd_topics_page_parent_class)->dispose (object);
}

static void
bd_topics_page_class_init (BdTopicsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bd_topics_page_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/brokerdesk/Brokerdesk/bd-topics-page.ui");
  gtk_widget_class_bind_template_child (widget_class, BdTopicsPage, stack);
  gtk_widget_class_bind_template_child (widget_class, BdTopicsPage, status_page);
  gtk_widget_class_bind_template_child (widget_class, BdTopicsPage, command_label);
  gtk_widget_class_bind_template_child (widget_class, BdTopicsPage, list_view);
}

static void
bd_topics_page_init (BdTopicsPage *self)
{
  GtkTreeListModel *tree;
  GtkSingleSelection *selection;
  GtkListItemFactory *factory;

  gtk_widget_init_template (GTK_WIDGET (self));

  /* root → GtkTreeListModel (passthrough FALSE, autoexpand FALSE) →
   * GtkSingleSelection (autoselect off) → GtkListView (STYLE §5). */
  self->root = bd_topic_node_new_root ();
  tree = gtk_tree_list_model_new (G_LIST_MODEL (g_object_ref (self->root)), FALSE, FALSE,
                                  bd_topic_node_create_child_model, NULL, NULL);
  self->tree = tree;
  selection = gtk_single_selection_new (G_LIST_MODEL (tree));
  gtk_single_selection_set_autoselect (selection, FALSE);
  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (setup_row_cb), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row_cb), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_row_cb), self);
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (selection));
  gtk_list_view_set_factory (self->list_view, factory);
  g_object_unref (selection);
  g_object_unref (factory);

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
  g_autofree char *address = NULL;
  g_autofree char *description = NULL;
  g_autoptr(GString) command = NULL;

  g_return_if_fail (BD_IS_TOPICS_PAGE (self));
  g_return_if_fail (host != NULL);

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

void
bd_topics_page_set_engine (BdTopicsPage *self,
                           BdEngine     *engine)
{
  g_return_if_fail (BD_IS_TOPICS_PAGE (self));
  g_return_if_fail (engine != NULL);

  if (self->engine != NULL)
    return;

  self->engine = bd_engine_ref (engine);
  self->outbox = bd_topic_outbox_new (g_main_context_default (), on_batch_cb, self);
  /* The tap holds its own ref: removing a tap is asynchronous. */
  self->tap_id = bd_engine_add_tap (engine, "#", bd_topic_outbox_tap,
                                    bd_topic_outbox_ref (self->outbox),
                                    (GDestroyNotify) bd_topic_outbox_unref);
}
