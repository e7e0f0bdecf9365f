/* bd-alarms-page.c — the Alarms page: alarms raised by limits on topic values
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Three lists: the active alarms (bound to the alarm engine's GListModel,
 * whose items the engine updates in batches on this thread), the rules
 * (rebuilt on "rules-changed"; a handful of rows) and the journal (the
 * newest transitions, queried on a worker thread at most twice a second
 * after transitions, never per message).
 */

#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "bd-alarm-row.h"
#include "bd-alarm-rule-dialog.h"
#include "bd-alarms-page.h"
#include "bd-operator-lock.h"
#include "bd-gui-util.h"

#define SHELVE_S (60 * 60)
#define JOURNAL_LIMIT 50
#define JOURNAL_REFRESH_MS 500

struct _BdAlarmsPage
{
  AdwBin          parent_instance;

  AdwToastOverlay *toast_overlay;
  GtkStack        *stack;
  AdwStatusPage   *status_page;
  GtkListBox      *alarms_list;
  GtkListBox      *rules_list;
  GtkListBox      *journal_list;
  GtkWidget       *ack_all_button;
  GtkLabel        *journal_placeholder;

  BdAlarmEngine   *engine;
  BdService       *service;        /* for the overview's names, or NULL */
  GtkSortListModel *sorted;
  gulong           rules_changed_id;
  gulong           transition_id;
  gulong           items_changed_id;
  BdJournal       *journal;
  GCancellable    *journal_cancellable;
  guint            journal_refresh_id;
};

G_DEFINE_FINAL_TYPE (BdAlarmsPage, bd_alarms_page, ADW_TYPE_BIN)

static void refresh_journal (BdAlarmsPage *self);

/* GTK 4.8 has no gtk_list_box_remove_all (); rows only, the placeholder stays. */
static void
remove_rows (GtkListBox *list)
{
  GtkListBoxRow *row;

  while ((row = gtk_list_box_get_row_at_index (list, 0)) != NULL)
    gtk_list_box_remove (list, GTK_WIDGET (row));
}

static GtkWidget *
placeholder_label (const char *text)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_justify (GTK_LABEL (label), GTK_JUSTIFY_CENTER);
  gtk_widget_set_margin_top (label, 18);
  gtk_widget_set_margin_bottom (label, 18);
  gtk_widget_set_margin_start (label, 12);
  gtk_widget_set_margin_end (label, 12);
  gtk_widget_add_css_class (label, "dim-label");
  return label;
}

/* Active alarms */

static void
on_acknowledge_cb (BdAlarmsPage *self,
                   BdAlarmRow   *row)
{
  if (self->engine != NULL)
    bd_alarm_engine_acknowledge (self->engine, bd_alarm_row_get_alarm (row));
}

static void
on_shelve_cb (BdAlarmsPage *self,
              BdAlarmRow   *row)
{
  BdAlarm *alarm = bd_alarm_row_get_alarm (row);

  if (self->engine == NULL)
    return;
  if (bd_alarm_get_state (alarm) == BD_ALARM_STATE_SHELVED)
    bd_alarm_engine_unshelve (self->engine, alarm);
  else
    bd_alarm_engine_shelve (self->engine, alarm, SHELVE_S);
}

static GtkWidget *
create_alarm_row_cb (gpointer item,
                     gpointer user_data)
{
  BdAlarmsPage *self = user_data;
  GtkWidget *row = bd_alarm_row_new (item);

  bd_alarm_row_set_service (BD_ALARM_ROW (row), self->service);
  g_signal_connect_object (row, "acknowledge", G_CALLBACK (on_acknowledge_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (row, "shelve", G_CALLBACK (on_shelve_cb), self, G_CONNECT_SWAPPED);
  return row;
}

/* Most urgent first; equal priorities keep the engine's order (oldest
 * first), as GtkSortListModel's sort is stable. */
static int
compare_priority_cb (gconstpointer a,
                     gconstpointer b,
                     gpointer      user_data)
{
  BdAlarmPriority pa = bd_alarm_get_priority ((BdAlarm *) a);
  BdAlarmPriority pb = bd_alarm_get_priority ((BdAlarm *) b);

  return pa == pb ? GTK_ORDERING_EQUAL : pa > pb ? GTK_ORDERING_SMALLER : GTK_ORDERING_LARGER;
}

static void
update_ack_all (BdAlarmsPage *self)
{
  gboolean any = FALSE;

  if (self->engine != NULL)
    {
      GListModel *alarms = bd_alarm_engine_get_alarms (self->engine);
      guint n = g_list_model_get_n_items (alarms);

      for (guint i = 0; i < n && !any; i++)
        {
          g_autoptr(BdAlarm) alarm = g_list_model_get_item (alarms, i);

          any = !bd_alarm_get_acknowledged (alarm) &&
                bd_alarm_get_state (alarm) != BD_ALARM_STATE_SHELVED;
        }
    }
  gtk_widget_set_sensitive (self->ack_all_button, any);
}

static void
on_ack_all_clicked_cb (BdAlarmsPage *self)
{
  if (self->engine != NULL)
    bd_alarm_engine_acknowledge_all (self->engine);
  update_ack_all (self);
}

/* Rules */

static char *
describe_limits (const BdAlarmRule *rule)
{
  g_autoptr(GString) text = g_string_new (NULL);
  struct { const char *label; double value; } limits[] = {
    { C_("alarm level", "LoLo"), rule->lolo },
    { C_("alarm level", "Lo"), rule->lo },
    { C_("alarm level", "Hi"), rule->hi },
    { C_("alarm level", "HiHi"), rule->hihi },
  };

  for (guint i = 0; i < G_N_ELEMENTS (limits); i++)
    if (!isnan (limits[i].value))
      g_string_append_printf (text, "%s%s %.6g", text->len > 0 ? ", " : "",
                              limits[i].label, limits[i].value);
  if (rule->stale_s > 0)
    /* Translators: "Stale 15 s": no message for that long raises the alarm */
    g_string_append_printf (text, _("%s%s %.6g s"), text->len > 0 ? ", " : "",
                            C_("alarm level", "Stale"), rule->stale_s);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
open_editor (BdAlarmsPage      *self,
             const BdAlarmRule *rule,
             const char        *topic)
{
  /* Rules are the plant's safety settings: not for a locked window. */
  if (self->engine == NULL || bd_operator_lock_refuses (GTK_WIDGET (self)))
    return;
  _bd_present_dialog (GTK_WIDGET (self),
                      GTK_WINDOW (bd_alarm_rule_dialog_new (self->engine, rule, topic)));
}

static void
on_edit_rule_cb (BdAlarmsPage *self,
                 GtkWidget    *widget)
{
  const char *id = g_object_get_data (G_OBJECT (widget), "bd-rule-id");
  g_autoptr(BdAlarmRule) rule = NULL;

  if (self->engine == NULL)
    return;
  rule = bd_alarm_engine_dup_rule (self->engine, id);
  if (rule != NULL)
    open_editor (self, rule, NULL);
}

static void
on_undo_delete_cb (BdAlarmsPage *self,
                   AdwToast     *toast)
{
  BdAlarmRule *rule = g_object_get_data (G_OBJECT (toast), "bd-rule");
  g_autoptr(GError) error = NULL;

  if (bd_operator_lock_refuses (GTK_WIDGET (self)))
    return;
  if (self->engine != NULL && rule != NULL &&
      !bd_alarm_engine_add_rule (self->engine, rule, &error))
    adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (error->message));
}

static void
on_delete_rule_cb (BdAlarmsPage *self,
                   GtkWidget    *widget)
{
  const char *id = g_object_get_data (G_OBJECT (widget), "bd-rule-id");
  g_autoptr(BdAlarmRule) rule = NULL;
  AdwToast *toast;

  if (self->engine == NULL || bd_operator_lock_refuses (GTK_WIDGET (self)))
    return;
  rule = bd_alarm_engine_dup_rule (self->engine, id);
  if (rule == NULL || !bd_alarm_engine_remove_rule (self->engine, id, NULL))
    return;

  /* Undo rather than a confirmation: deleting is one click, and so is
   * taking it back. */
  toast = adw_toast_new_format (_("Rule “%s” deleted"), rule->name);
  adw_toast_set_button_label (toast, _("_Undo"));
  adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
  g_object_set_data_full (G_OBJECT (toast), "bd-rule", g_steal_pointer (&rule),
                          (GDestroyNotify) bd_alarm_rule_free);
  g_signal_connect_object (toast, "button-clicked", G_CALLBACK (on_undo_delete_cb), self,
                           G_CONNECT_SWAPPED);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

static GtkWidget *
rule_button (BdAlarmsPage      *self,
             const BdAlarmRule *rule,
             const char        *icon_name,
             const char        *tooltip,
             GCallback          callback)
{
  GtkWidget *button = gtk_button_new_from_icon_name (icon_name);

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (button, tooltip);
  gtk_widget_add_css_class (button, "flat");
  g_object_set_data_full (G_OBJECT (button), "bd-rule-id", g_strdup (rule->id), g_free);
  g_signal_connect_object (button, "clicked", callback, self, G_CONNECT_SWAPPED);
  return button;
}

static void
rebuild_rules (BdAlarmsPage *self)
{
  g_autoptr(GPtrArray) rules = NULL;

  remove_rows (self->rules_list);
  if (self->engine == NULL)
    return;

  rules = bd_alarm_engine_dup_rules (self->engine);
  for (guint i = 0; i < rules->len; i++)
    {
      const BdAlarmRule *rule = g_ptr_array_index (rules, i);
      GtkWidget *row = adw_action_row_new ();
      g_autofree char *limits = describe_limits (rule);
      g_autofree char *subtitle = NULL;
      g_autofree char *edit_tooltip = g_strdup_printf (_("Edit rule “%s”"), rule->name);
      g_autofree char *delete_tooltip = g_strdup_printf (_("Delete rule “%s”"), rule->name);

      if (rule->field[0] != '\0')
        subtitle = g_strdup_printf ("%s # %s · %s · %s%s", rule->filter, rule->field, limits,
                                    bd_alarm_priority_to_label (rule->priority),
                                    rule->enabled ? "" : _(" · disabled"));
      else
        subtitle = g_strdup_printf ("%s · %s · %s%s", rule->filter, limits,
                                    bd_alarm_priority_to_label (rule->priority),
                                    rule->enabled ? "" : _(" · disabled"));
      /* Names and filters are the user's text, not markup. */
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), rule->name);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      if (!rule->enabled)
        gtk_widget_add_css_class (row, "dim-label");

      adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                                 rule_button (self, rule, "document-edit-symbolic",
                                              edit_tooltip, G_CALLBACK (on_edit_rule_cb)));
      adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                                 rule_button (self, rule, "user-trash-symbolic",
                                              delete_tooltip, G_CALLBACK (on_delete_rule_cb)));
      gtk_list_box_append (self->rules_list, row);
    }
}

static void
on_add_rule_clicked_cb (BdAlarmsPage *self)
{
  open_editor (self, NULL, NULL);
}

/* Journal */

static void
show_journal (BdAlarmsPage *self,
              GPtrArray    *entries,
              const char   *error_message)
{
  remove_rows (self->journal_list);
  if (error_message != NULL)
    {
      gtk_label_set_text (self->journal_placeholder, error_message);
      return;
    }
  gtk_label_set_text (self->journal_placeholder,
                      _("Nothing journaled yet. Every alarm transition is recorded here."));
  for (guint i = 0; entries != NULL && i < entries->len; i++)
    {
      const BdJournalEntry *entry = g_ptr_array_index (entries, i);
      GtkWidget *row = adw_action_row_new ();
      g_autofree char *time = _bd_format_time (entry->time_us);

      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row),
                                     entry->text != NULL ? entry->text : entry->kind);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), time);
      gtk_list_box_append (self->journal_list, row);
    }
}

static void
query_done_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(BdAlarmsPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  BdJournal *journal = self->journal;

  entries = bd_journal_query_finish (journal, result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  show_journal (self, entries, error != NULL ? error->message : NULL);
}

static void
flush_done_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(BdAlarmsPage) self = user_data;
  g_autoptr(GError) error = NULL;
  BdJournal *journal = self->journal;

  /* A write error is shown by the query below if the file is unreadable
   * too; otherwise the older entries are still worth showing. */
  if (!bd_journal_flush_finish (journal, result, &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (journal == NULL)
    return;
  bd_journal_query_async (journal, BD_JOURNAL_KIND_ALARM, JOURNAL_LIMIT,
                          self->journal_cancellable, query_done_cb, g_object_ref (self));
}

static void
refresh_journal (BdAlarmsPage *self)
{
  BdJournal *journal = self->journal;

  g_cancellable_cancel (self->journal_cancellable);
  g_clear_object (&self->journal_cancellable);
  if (journal == NULL)
    {
      show_journal (self, NULL, _("The journal is not available."));
      return;
    }
  self->journal_cancellable = g_cancellable_new ();
  /* Flush first, so the transition that triggered this refresh is in. */
  bd_journal_flush_async (journal, self->journal_cancellable, flush_done_cb, g_object_ref (self));
}

static gboolean
journal_refresh_cb (gpointer data)
{
  BdAlarmsPage *self = data;

  self->journal_refresh_id = 0;
  refresh_journal (self);
  return G_SOURCE_REMOVE;
}

static void
on_transition_cb (BdAlarmsPage *self)
{
  update_ack_all (self);
  if (self->journal_refresh_id == 0)
    self->journal_refresh_id = g_timeout_add (JOURNAL_REFRESH_MS, journal_refresh_cb, self);
}

static void
on_refresh_clicked_cb (BdAlarmsPage *self)
{
  refresh_journal (self);
}

/* GObject */

static void
disconnect_engine (BdAlarmsPage *self)
{
  if (self->engine == NULL)
    return;
  g_clear_signal_handler (&self->rules_changed_id, self->engine);
  g_clear_signal_handler (&self->transition_id, self->engine);
  g_clear_signal_handler (&self->items_changed_id, bd_alarm_engine_get_alarms (self->engine));
  gtk_list_box_bind_model (self->alarms_list, NULL, NULL, NULL, NULL);
  g_clear_object (&self->sorted);
  g_clear_object (&self->engine);
}

static void
bd_alarms_page_dispose (GObject *object)
{
  BdAlarmsPage *self = BD_ALARMS_PAGE (object);

  disconnect_engine (self);
  if (self->service != NULL)
    g_signal_handlers_disconnect_by_data (self->service, self);
  g_clear_object (&self->service);
  g_clear_handle_id (&self->journal_refresh_id, g_source_remove);
  g_cancellable_cancel (self->journal_cancellable);
  g_clear_object (&self->journal_cancellable);
  g_clear_pointer (&self->journal, bd_journal_unref);

  /* The toast overlay is both a template child and AdwBin's child: detach it
   * from AdwBin first, or AdwBin's dispose would unparent it a second time. */
  adw_bin_set_child (ADW_BIN (object), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (object), BD_TYPE_ALARMS_PAGE);

  G_OBJECT_CLASS (bd_alarms_page_parent_class)->dispose (object);
}

static void
bd_alarms_page_class_init (BdAlarmsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bd_alarms_page_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/brokerdesk/Brokerdesk/bd-alarms-page.ui");
  gtk_widget_class_bind_template_child (widget_class, BdAlarmsPage, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, BdAlarmsPage, stack);
  gtk_widget_class_bind_template_child (widget_class, BdAlarmsPage, status_page);
  gtk_widget_class_bind_template_child (widget_class, BdAlarmsPage, alarms_list);
  gtk_widget_class_bind_template_child (widget_class, BdAlarmsPage, rules_list);
  gtk_widget_class_bind_template_child (widget_class, BdAlarmsPage, journal_list);
  gtk_widget_class_bind_template_child (widget_class, BdAlarmsPage, ack_all_button);
  gtk_widget_class_bind_template_callback (widget_class, on_ack_all_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_add_rule_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_refresh_clicked_cb);
}

static void
bd_alarms_page_init (BdAlarmsPage *self)
{
  GtkWidget *journal_placeholder;

  gtk_widget_init_template (GTK_WIDGET (self));

  gtk_list_box_set_placeholder (self->alarms_list,
                                placeholder_label (_("No active alarms. When a value crosses a "
                                                     "rule’s limit, the alarm appears here to be "
                                                     "acknowledged or shelved.")));
  gtk_list_box_set_placeholder (self->rules_list,
                                placeholder_label (_("No rules yet. Add one with Add Rule, or "
                                                     "choose Add Alarm… on a topic in the Topics "
                                                     "page.")));
  journal_placeholder = placeholder_label (NULL);
  self->journal_placeholder = GTK_LABEL (journal_placeholder);
  gtk_list_box_set_placeholder (self->journal_list, journal_placeholder);
  gtk_stack_set_visible_child_name (self->stack, "unavailable");
  gtk_widget_set_sensitive (self->ack_all_button, FALSE);
}

GtkWidget *
bd_alarms_page_new (void)
{
  return g_object_new (BD_TYPE_ALARMS_PAGE, NULL);
}

void
bd_alarms_page_set_engine (BdAlarmsPage  *self,
                           BdAlarmEngine *engine)
{
  g_return_if_fail (BD_IS_ALARMS_PAGE (self));
  g_return_if_fail (engine == NULL || BD_IS_ALARM_ENGINE (engine));

  if (self->engine == engine)
    return;
  disconnect_engine (self);

  if (engine != NULL)
    {
      GListModel *alarms = bd_alarm_engine_get_alarms (engine);

      self->engine = g_object_ref (engine);
      self->sorted = gtk_sort_list_model_new (g_object_ref (alarms),
                                              GTK_SORTER (gtk_custom_sorter_new (compare_priority_cb,
                                                                                 NULL, NULL)));
      gtk_list_box_bind_model (self->alarms_list, G_LIST_MODEL (self->sorted),
                               create_alarm_row_cb, self, NULL);
      self->rules_changed_id = g_signal_connect_swapped (engine, "rules-changed",
                                                         G_CALLBACK (rebuild_rules), self);
      self->transition_id = g_signal_connect_swapped (engine, "transition",
                                                      G_CALLBACK (on_transition_cb), self);
      self->items_changed_id = g_signal_connect_swapped (alarms, "items-changed",
                                                         G_CALLBACK (update_ack_all), self);
    }
  gtk_stack_set_visible_child_name (self->stack, engine != NULL ? "alarms" : "unavailable");
  rebuild_rules (self);
  update_ack_all (self);
  refresh_journal (self);
}

BdAlarmEngine *
bd_alarms_page_get_engine (BdAlarmsPage *self)
{
  g_return_val_if_fail (BD_IS_ALARMS_PAGE (self), NULL);
  return self->engine;
}

void
bd_alarms_page_add_rule_for_topic (BdAlarmsPage *self,
                                   const char   *topic)
{
  g_return_if_fail (BD_IS_ALARMS_PAGE (self));
  g_return_if_fail (topic != NULL);

  open_editor (self, NULL, topic);
}

void
bd_alarms_page_set_journal (BdAlarmsPage *self,
                            BdJournal    *journal)
{
  g_return_if_fail (BD_IS_ALARMS_PAGE (self));

  if (self->journal == journal)
    return;
  if (journal != NULL)
    bd_journal_ref (journal);
  g_clear_pointer (&self->journal, bd_journal_unref);
  self->journal = journal;
  refresh_journal (self);
}

/* New names: the rows on the list take them. */
static void
on_overview_changed_cb (BdAlarmsPage *self)
{
  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->alarms_list)); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    if (BD_IS_ALARM_ROW (row))
      bd_alarm_row_set_service (BD_ALARM_ROW (row), self->service);
}

void
bd_alarms_page_set_service (BdAlarmsPage *self,
                            BdService    *service)
{
  g_return_if_fail (BD_IS_ALARMS_PAGE (self));
  g_return_if_fail (service == NULL || BD_IS_SERVICE (service));

  _bd_follow_object (self, (gpointer *) &self->service, service, "overview-changed",
                     G_CALLBACK (on_overview_changed_cb));
}
