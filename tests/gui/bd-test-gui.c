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

GtkLabel *
bd_test_find_label (GtkWidget  *widget,
                    const char *text,
                    gboolean    mapped)
{
  if (GTK_IS_LABEL (widget) && g_str_equal (gtk_label_get_text (GTK_LABEL (widget)), text)
      && (!mapped || gtk_widget_get_mapped (widget)))
    return GTK_LABEL (widget);
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkLabel *found = bd_test_find_label (c, text, mapped);

      if (found != NULL)
        return found;
    }
  return NULL;
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
