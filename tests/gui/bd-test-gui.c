/* bd-test-gui.c — helpers for the widget tests
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "bd-test-gui.h"

void
bd_test_gui_init (int    *argc,
                  char ***argv)
{
  g_setenv ("LANGUAGE", "C", TRUE);
  gtk_test_init (argc, argv, NULL);
  adw_init ();
}

GtkWidget *
bd_test_find_widget (GtkWidget         *root,
                     BdTestWidgetMatch  match,
                     gconstpointer      data)
{
  if (match (root, data))
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = bd_test_find_widget (c, match, data);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
is_of_type (GtkWidget     *widget,
            gconstpointer  type)
{
  return G_TYPE_CHECK_INSTANCE_TYPE (widget, GPOINTER_TO_SIZE (type));
}

gpointer
bd_test_find_type (GtkWidget *root,
                   GType      type)
{
  return bd_test_find_widget (root, is_of_type, GSIZE_TO_POINTER (type));
}

typedef struct
{
  GType       type;
  const char *title;
} RowSearch;

static gboolean
is_row (GtkWidget     *widget,
        gconstpointer  data)
{
  const RowSearch *search = data;

  return G_TYPE_CHECK_INSTANCE_TYPE (widget, search->type)
         && ADW_IS_PREFERENCES_ROW (widget)
         && g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)),
                       search->title) == 0;
}

gpointer
bd_test_find_row (GtkWidget  *root,
                  GType       type,
                  const char *title)
{
  RowSearch search = { type, title };

  return bd_test_find_widget (root, is_row, &search);
}

static gboolean
is_button (GtkWidget     *widget,
           gconstpointer  tooltip)
{
  return GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_widget_get_tooltip_text (widget), tooltip) == 0;
}

GtkWidget *
bd_test_find_button (GtkWidget  *root,
                     const char *tooltip)
{
  return bd_test_find_widget (root, is_button, tooltip);
}

typedef struct
{
  const char *text;
  gboolean    mapped;
} LabelSearch;

static gboolean
is_label (GtkWidget     *widget,
          gconstpointer  data)
{
  const LabelSearch *search = data;

  return GTK_IS_LABEL (widget) && g_str_equal (gtk_label_get_text (GTK_LABEL (widget)), search->text)
         && (!search->mapped || gtk_widget_get_mapped (widget));
}

GtkLabel *
bd_test_find_label (GtkWidget  *widget,
                    const char *text,
                    gboolean    mapped)
{
  LabelSearch search = { text, mapped };

  return (GtkLabel *) bd_test_find_widget (widget, is_label, &search);
}

GtkWindow *
bd_test_find_window (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();  /* transfer none */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (window, type) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return GTK_WINDOW (window);
    }
  return NULL;
}

gpointer
bd_test_child (GtkWidget  *widget,
               const char *id)
{
  GObject *object = gtk_widget_get_template_child (widget, G_OBJECT_TYPE (widget), id);

  g_assert_nonnull (object);
  return object;
}

const char *
bd_test_visible_page (GtkWidget  *widget,
                      const char *stack_id)
{
  return gtk_stack_get_visible_child_name (GTK_STACK (bd_test_child (widget, stack_id)));
}

guint
bd_test_list_box_n_rows (GtkListBox *list)
{
  guint n = 0;

  while (gtk_list_box_get_row_at_index (list, n) != NULL)
    n++;
  return n;
}
