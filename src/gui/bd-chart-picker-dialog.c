/* bd-chart-picker-dialog.c — a searchable list of the recorded series, to chart
 * one
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Built in code rather than from a template: it is a header bar, a search
 * entry and a list, and it lives only as long as one choice.
 */

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "bd-chart-picker-dialog.h"

struct _BdChartPickerDialog
{
  AdwWindow       parent_instance;

  GtkStack       *stack;
  GtkSearchEntry *search_entry;
  GtkListBox     *list_box;
  AdwStatusPage  *status_page;
  GCancellable   *cancellable;
  GStrv           charted;
};

enum {
  SERIES_CHOSEN,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (BdChartPickerDialog, bd_chart_picker_dialog, ADW_TYPE_WINDOW)

static gboolean
filter_func (GtkListBoxRow *row,
             gpointer       user_data)
{
  BdChartPickerDialog *self = user_data;
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  const char *name = g_object_get_data (G_OBJECT (row), "series");
  g_autofree char *folded_text = NULL;
  g_autofree char *folded_name = NULL;

  if (text == NULL || text[0] == '\0')
    return TRUE;
  folded_text = g_utf8_casefold (text, -1);
  folded_name = g_utf8_casefold (name, -1);
  return strstr (folded_name, folded_text) != NULL;
}

static void
on_search_changed_cb (BdChartPickerDialog *self)
{
  gtk_list_box_invalidate_filter (self->list_box);
}

static void
on_row_activated_cb (BdChartPickerDialog *self,
                     GtkListBoxRow       *row)
{
  const char *name = g_object_get_data (G_OBJECT (row), "series");

  if (name == NULL || !gtk_list_box_row_get_activatable (row))
    return;
  g_signal_emit (self, signals[SERIES_CHOSEN], 0, name);
  gtk_window_close (GTK_WINDOW (self));
}

/* Enter in the search entry picks the first row that is left. */
static void
on_search_activate_cb (BdChartPickerDialog *self)
{
  /* "search-changed" comes a moment after the typing; Enter may be sooner. */
  gtk_list_box_invalidate_filter (self->list_box);
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->list_box));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_LIST_BOX_ROW (child) && gtk_widget_get_child_visible (child)
          && gtk_list_box_row_get_activatable (GTK_LIST_BOX_ROW (child)))
        {
          on_row_activated_cb (self, GTK_LIST_BOX_ROW (child));
          return;
        }
    }
}

static void
on_list_series_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(BdChartPickerDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) series = bd_history_list_series_finish (result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->cancellable);

  if (series == NULL)
    {
      adw_status_page_set_title (self->status_page, _("Could Not Read the History"));
      adw_status_page_set_description (self->status_page, error->message);
      gtk_stack_set_visible_child_name (self->stack, "status");
      return;
    }
  if (series->len == 0)
    {
      adw_status_page_set_title (self->status_page, _("No Recorded Series"));
      adw_status_page_set_description (self->status_page,
                                       _("Numeric values appear here once they have been recorded."));
      gtk_stack_set_visible_child_name (self->stack, "status");
      return;
    }

  for (guint i = 0; i < series->len; i++)
    {
      BdHistorySeries *item = g_ptr_array_index (series, i);
      GtkWidget *row = adw_action_row_new ();
      gboolean charted = self->charted != NULL
                         && g_strv_contains ((const char * const *) self->charted, item->name);

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), item->topic);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      if (item->field != NULL && item->field[0] != '\0')
        adw_action_row_set_subtitle (ADW_ACTION_ROW (row), item->field);
      if (charted)
        {
          GtkWidget *label = gtk_label_new (_("Charted"));

          gtk_widget_add_css_class (label, "dim-label");
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), label);
        }
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), !charted);
      g_object_set_data_full (G_OBJECT (row), "series", g_strdup (item->name), g_free);
      gtk_list_box_append (self->list_box, row);
    }
  gtk_stack_set_visible_child_name (self->stack, "list");
}

static void
bd_chart_picker_dialog_dispose (GObject *object)
{
  BdChartPickerDialog *self = BD_CHART_PICKER_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (bd_chart_picker_dialog_parent_class)->dispose (object);
}

static void
bd_chart_picker_dialog_finalize (GObject *object)
{
  BdChartPickerDialog *self = BD_CHART_PICKER_DIALOG (object);

  g_strfreev (self->charted);

  G_OBJECT_CLASS (bd_chart_picker_dialog_parent_class)->finalize (object);
}

static void
bd_chart_picker_dialog_class_init (BdChartPickerDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bd_chart_picker_dialog_dispose;
  object_class->finalize = bd_chart_picker_dialog_finalize;

  signals[SERIES_CHOSEN] = g_signal_new ("series-chosen",
                                         G_TYPE_FROM_CLASS (klass),
                                         G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL,
                                         G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
bd_chart_picker_dialog_init (BdChartPickerDialog *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();
  GtkWidget *search_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkWidget *clamp = adw_clamp_new ();
  GtkWidget *spinner = gtk_spinner_new ();

  gtk_window_set_title (GTK_WINDOW (self), _("Add Chart"));
  gtk_window_set_default_size (GTK_WINDOW (self), 460, 520);
  gtk_window_set_modal (GTK_WINDOW (self), TRUE);
  gtk_window_set_destroy_with_parent (GTK_WINDOW (self), TRUE);

  gtk_box_append (GTK_BOX (box), header);

  self->search_entry = GTK_SEARCH_ENTRY (gtk_search_entry_new ());
  g_object_set (self->search_entry, "placeholder-text", _("Search series"), NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->search_entry),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Search series"),
                                  -1);
  gtk_widget_set_margin_top (GTK_WIDGET (self->search_entry), 6);
  gtk_widget_set_margin_bottom (GTK_WIDGET (self->search_entry), 6);
  gtk_widget_set_margin_start (GTK_WIDGET (self->search_entry), 12);
  gtk_widget_set_margin_end (GTK_WIDGET (self->search_entry), 12);
  g_signal_connect_swapped (self->search_entry, "search-changed",
                            G_CALLBACK (on_search_changed_cb), self);
  g_signal_connect_swapped (self->search_entry, "activate",
                            G_CALLBACK (on_search_activate_cb), self);
  gtk_box_append (GTK_BOX (search_box), GTK_WIDGET (self->search_entry));
  gtk_box_append (GTK_BOX (box), search_box);

  self->list_box = GTK_LIST_BOX (gtk_list_box_new ());
  gtk_list_box_set_selection_mode (self->list_box, GTK_SELECTION_NONE);
  gtk_widget_add_css_class (GTK_WIDGET (self->list_box), "boxed-list");
  gtk_widget_set_valign (GTK_WIDGET (self->list_box), GTK_ALIGN_START);
  gtk_widget_set_margin_top (GTK_WIDGET (self->list_box), 6);
  gtk_widget_set_margin_bottom (GTK_WIDGET (self->list_box), 12);
  gtk_widget_set_margin_start (GTK_WIDGET (self->list_box), 12);
  gtk_widget_set_margin_end (GTK_WIDGET (self->list_box), 12);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->list_box),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Recorded series"),
                                  -1);
  gtk_list_box_set_filter_func (self->list_box, filter_func, self, NULL);
  g_signal_connect_swapped (self->list_box, "row-activated",
                            G_CALLBACK (on_row_activated_cb), self);
  adw_clamp_set_child (ADW_CLAMP (clamp), GTK_WIDGET (self->list_box));
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), clamp);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled),
                                  GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);

  self->status_page = ADW_STATUS_PAGE (adw_status_page_new ());
  adw_status_page_set_icon_name (self->status_page, "brokerdesk-charts-symbolic");
  gtk_widget_add_css_class (GTK_WIDGET (self->status_page), "compact");

  gtk_spinner_start (GTK_SPINNER (spinner));
  gtk_widget_set_size_request (spinner, 32, 32);
  gtk_widget_set_halign (spinner, GTK_ALIGN_CENTER);
  gtk_widget_set_valign (spinner, GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (spinner),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Reading the history…"),
                                  -1);

  self->stack = GTK_STACK (gtk_stack_new ());
  gtk_widget_set_vexpand (GTK_WIDGET (self->stack), TRUE);
  gtk_stack_add_named (self->stack, spinner, "loading");
  gtk_stack_add_named (self->stack, scrolled, "list");
  gtk_stack_add_named (self->stack, GTK_WIDGET (self->status_page), "status");
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->stack));

  adw_window_set_content (ADW_WINDOW (self), box);
  gtk_window_set_focus (GTK_WINDOW (self), GTK_WIDGET (self->search_entry));
}

GtkWidget *
bd_chart_picker_dialog_new (BdHistory          *history,
                            const char * const *charted)
{
  BdChartPickerDialog *self;

  g_return_val_if_fail (history != NULL, NULL);

  self = g_object_new (BD_TYPE_CHART_PICKER_DIALOG, NULL);
  self->charted = g_strdupv ((char **) charted);
  self->cancellable = g_cancellable_new ();
  bd_history_list_series_async (history, NULL, self->cancellable,
                                on_list_series_cb, g_object_ref (self));
  return GTK_WIDGET (self);
}
