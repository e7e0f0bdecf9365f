/* bd-test-gui.h — helpers for the widget tests
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/* GTest, GTK and libadwaita for a widget test, with the English strings the
 * checks compare. */
void      bd_test_gui_init   (int         *argc,
                              char      ***argv);

/* Whether @widget is the one a search looks for, as @data describes it. */
typedef gboolean (*BdTestWidgetMatch) (GtkWidget     *widget,
                                       gconstpointer  data);

/* The first widget under @root (itself included, depth first) for which
 * @match holds, or NULL. The finders below are made of it. */
GtkWidget *bd_test_find_widget (GtkWidget         *root,
                                BdTestWidgetMatch  match,
                                gconstpointer      data);
/* The first widget of @type under @root (itself included), or NULL. */
gpointer   bd_test_find_type   (GtkWidget         *root,
                                GType              type);
/* The first AdwPreferencesRow of @type (an entry, action or combo row)
 * under @root whose title is @title, or NULL. */
gpointer   bd_test_find_row    (GtkWidget         *root,
                                GType              type,
                                const char        *title);
/* The first button under @root whose tooltip is @tooltip, or NULL. */
GtkWidget *bd_test_find_button (GtkWidget         *root,
                                const char        *tooltip);

/* The first label under @widget (itself included, depth first) whose text
 * without markup is @text, and which is mapped when @mapped; or NULL. */
GtkLabel *bd_test_find_label (GtkWidget   *widget,
                              const char  *text,
                              gboolean     mapped);

/* The first visible toplevel window of @type (a dialog the test opened),
 * or NULL; GTK keeps the reference. */
GtkWindow *bd_test_find_window (GType        type);

/* The object the template of @widget's class binds to @id; the test fails
 * if there is none. */
gpointer    bd_test_child           (GtkWidget   *widget,
                                     const char  *id);
/* The name of the visible page of @widget's GtkStack @stack_id. */
const char *bd_test_visible_page    (GtkWidget   *widget,
                                     const char  *stack_id);

/* How many rows @list has now. */
guint       bd_test_list_box_n_rows (GtkListBox  *list);

G_END_DECLS
