/* bd-topics-page-actions.c — the Topics page's actions and context menu
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The topic.* actions act on the node the context menu was opened for: copy
 * its topic, publish to it, hand it to the Charts, Alarms or Relays page
 * through the window's actions, add its numbers to the Overview, or delete
 * the retained messages the broker holds for it or below it.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "bd-operator-lock.h"
#include "bd-gui-util.h"
#include "bd-payload.h"
#include "bd-topics-page-private.h"

/* How long "Undo" is offered after retained messages were deleted. */
#define UNDO_TIMEOUT_S 8
/* The most tiles one "Add to Overview" makes (a JSON object's numbers). */
#define MAX_TILES_PER_TOPIC 8

/* Escape in a list closes the inspector by clearing the selection. */
static void
unselect_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  BdTopicsPage *self = BD_TOPICS_PAGE (widget);

  gtk_selection_model_unselect_all (GTK_SELECTION_MODEL (self->tree_selection));
  gtk_selection_model_unselect_all (GTK_SELECTION_MODEL (self->flat_selection));
}

static gboolean
subtree_has_retained (BdTopicNode *node)
{
  GListModel *children = G_LIST_MODEL (node);

  if (bd_topic_node_get_retained (node))
    return TRUE;
  for (guint i = 0; i < g_list_model_get_n_items (children); i++)
    {
      g_autoptr(BdTopicNode) child = g_list_model_get_item (children, i);

      if (subtree_has_retained (child))
        return TRUE;
    }
  return FALSE;
}

void
_bd_topics_page_show_menu (BdTopicsPage *self,
                           BdTopicNode  *node,
                           GtkWidget    *widget,
                           double        x,
                           double        y)
{
  GtkWidget *menu_parent = GTK_WIDGET (self);
  gboolean has_children = bd_topic_node_get_has_children (node);
  double px = 0, py = 0;

  g_set_object (&self->menu_node, node);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "topic.delete-retained",
                                 bd_topic_node_get_retained (node));
  /* Walking a big subtree costs a moment, but only when the menu opens. */
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "topic.delete-retained-subtree",
                                 has_children && subtree_has_retained (node));

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "topic.add-to-overview",
                                 _bd_topics_page_looks_like_sensor (self, node));

  if (!gtk_widget_translate_coordinates (widget, menu_parent, x, y, &px, &py))
    px = py = 0;
  gtk_popover_set_pointing_to (GTK_POPOVER (self->menu),
                               &(GdkRectangle) { (int) px, (int) py, 1, 1 });
  gtk_popover_popup (GTK_POPOVER (self->menu));
}

/* Menu key or Shift+F10: the menu of the selected row, next to it. */
static void
menu_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  BdTopicsPage *self = BD_TOPICS_PAGE (widget);
  g_autoptr(BdTopicNode) node = NULL;
  GtkWidget *focus = NULL;

  node = _bd_topics_page_dup_menu_target (self, &focus);
  if (node == NULL)
    return;
  _bd_topics_page_show_menu (self, node, focus, 24, gtk_widget_get_height (focus) / 2.0);
}

static void
copy_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  BdTopicsPage *self = BD_TOPICS_PAGE (widget);

  if (self->menu_node != NULL)
    gdk_clipboard_set_text (gtk_widget_get_clipboard (widget),
                            bd_topic_node_get_path (self->menu_node));
}

static void
publish_here_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  BdTopicsPage *self = BD_TOPICS_PAGE (widget);

  if (self->menu_node != NULL)
    gtk_widget_activate_action (widget, "win.publish-to", "s",
                                bd_topic_node_get_path (self->menu_node));
}

/* "Chart It", "Add Alarm…" and "Add Relay…" hand the topic to the window,
 * which shows the page that owns charts, alarm rules or relays. */
static void
forward_topic_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  BdTopicsPage *self = BD_TOPICS_PAGE (widget);
  const char *target = NULL;

  if (g_str_equal (action_name, "topic.chart"))
    target = "win.chart-topic";
  else if (g_str_equal (action_name, "topic.add-alarm"))
    target = "win.add-alarm";
  else if (g_str_equal (action_name, "topic.add-relay"))
    target = "win.add-relay";
  g_return_if_fail (target != NULL);

  if (self->menu_node != NULL)
    gtk_widget_activate_action (widget, target, "s", bd_topic_node_get_path (self->menu_node));
}

static void
collect_series_cb (const char *field,
                   double      value,
                   gpointer    user_data)
{
  GPtrArray *fields = user_data;

  if (fields->len < MAX_TILES_PER_TOPIC)
    g_ptr_array_add (fields, g_strdup (field));
}

/* The series of @node's latest message that hold numbers: the topic itself
 * for a plain number, "topic#member" for a JSON object's. */
static GPtrArray *
dup_numeric_series (BdTopicNode *node)
{
  BdMessage *latest = bd_topic_node_get_latest (node);
  g_autoptr(GPtrArray) fields = g_ptr_array_new_with_free_func (g_free);
  GPtrArray *series = g_ptr_array_new_with_free_func (g_free);
  const guint8 *data;
  gsize length = 0;

  if (latest == NULL)
    return series;
  data = bd_message_get_payload (latest, &length);
  bd_payload_extract_samples (data, length, NULL, collect_series_cb, fields);
  for (guint i = 0; i < fields->len; i++)
    {
      const char *field = g_ptr_array_index (fields, i);

      g_ptr_array_add (series, field[0] == '\0'
                               ? g_strdup (bd_topic_node_get_path (node))
                               : g_strconcat (bd_topic_node_get_path (node), "#", field, NULL));
    }
  return series;
}

gboolean
_bd_topics_page_looks_like_sensor (BdTopicsPage *self,
                                   BdTopicNode  *node)
{
  g_autoptr(GPtrArray) series = NULL;

  if (self->service == NULL || bd_service_get_overview (self->service) == NULL)
    return FALSE;
  series = dup_numeric_series (node);
  return series->len > 0;
}

/* One tile per number of the topic's latest message, in the topic's area;
 * the overview is saved and every page shows the new tiles. */
static void
add_to_overview_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  BdTopicsPage *self = BD_TOPICS_PAGE (widget);
  BdOverviewConfig *config = self->service != NULL ? bd_service_get_overview (self->service) : NULL;
  g_autoptr(GPtrArray) series = NULL;
  g_autofree char *text = NULL;
  guint n_added = 0;

  if (self->menu_node == NULL || config == NULL)
    return;
  series = dup_numeric_series (self->menu_node);
  for (guint i = 0; i < series->len; i++)
    {
      const char *name = g_ptr_array_index (series, i);

      if (bd_overview_config_find_tile (config, name, NULL) != NULL)
        continue;
      bd_overview_config_add_series (config, name);
      n_added++;
    }
  if (n_added == 0)
    {
      text = g_strdup_printf (_("“%s” is already on the Overview"),
                              bd_topic_node_get_path (self->menu_node));
      _bd_show_toast (widget, adw_toast_new (text));
      return;
    }
  _bd_save_overview (widget, self->service);
  text = g_strdup_printf (_("Added “%s” to the Overview"), bd_topic_node_get_path (self->menu_node));
  _bd_show_toast (widget, adw_toast_new (text));
}

/* Deleting retained messages: which ones the broker holds is asked of the
 * engine (on a worker, since the engine answers from its own thread), the
 * user confirms, the broker receives an empty retained message for each
 * [MQTT-3.3.1-10], and a toast offers to publish the old ones back. */

typedef struct
{
  BdTopicsPage *page;
  char         *filter;
  char         *label;
  GPtrArray    *messages;     /* BdMessage, the retained messages removed */
} DeleteJob;

static void
delete_job_free (DeleteJob *job)
{
  g_clear_object (&job->page);
  g_free (job->filter);
  g_free (job->label);
  g_clear_pointer (&job->messages, g_ptr_array_unref);
  g_free (job);
}

static void
dup_retained_thread (GTask        *task,
                     gpointer      source_object,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  DeleteJob *job = task_data;

  g_task_return_pointer (task, bd_engine_dup_retained (job->page->engine, job->filter),
                         (GDestroyNotify) g_ptr_array_unref);
}

/* Publishes to whatever the tree shows: the embedded broker or the remote
 * one (which queues QoS 1 and 2 while reconnecting). */
static void
source_publish (BdTopicsPage *self,
                BdMessage    *message)
{
  if (self->remote != NULL)
    bd_remote_client_publish (self->remote, message);
  else if (self->engine != NULL)
    bd_engine_publish (self->engine, message);
}

static void
publish_all (BdTopicsPage *self,
             GPtrArray    *messages,
             gboolean      clear)
{
  for (guint i = 0; i < messages->len; i++)
    {
      BdMessage *old = g_ptr_array_index (messages, i);
      g_autoptr(GBytes) empty = g_bytes_new_static ("", 0);
      g_autoptr(BdMessage) message = NULL;

      /* At least QoS 1 for the deletion (losing it would leave the message
       * the user was told is gone); the original QoS for the restoration. */
      message = bd_message_new (bd_message_get_topic (old), clear ? empty : old->payload,
                                clear ? MAX (old->qos, 1) : old->qos, TRUE, old->props);
      source_publish (self, message);
    }
}

static void
on_undo_clicked_cb (AdwToast  *toast,
                    DeleteJob *job)
{
  publish_all (job->page, job->messages, FALSE);
}

static void
on_delete_response_cb (AdwMessageDialog *dialog,
                       const char       *response,
                       DeleteJob        *job)
{
  BdTopicsPage *self = job->page;
  g_autofree char *title = NULL;
  AdwToast *toast;

  if (g_strcmp0 (response, "delete") != 0)
    {
      delete_job_free (job);
      return;
    }

  publish_all (self, job->messages, TRUE);

  title = g_strdup_printf (ngettext ("Deleted %u retained message",
                                     "Deleted %u retained messages", job->messages->len),
                           job->messages->len);
  toast = adw_toast_new (title);
  adw_toast_set_button_label (toast, _("_Undo"));
  adw_toast_set_timeout (toast, UNDO_TIMEOUT_S);
  adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
  g_signal_connect_data (toast, "button-clicked", G_CALLBACK (on_undo_clicked_cb), job,
                         (GClosureNotify) (void (*) (void)) delete_job_free, 0);
  /* Without an overlay the toast, and with it the job, is freed at once. */
  _bd_show_toast (GTK_WIDGET (self), toast);
}

/* Asks before deleting @messages (taken); @label names the topic or subtree. */
static void
confirm_delete (BdTopicsPage *self,
                const char   *label,
                GPtrArray    *messages)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  g_autofree char *body = NULL;
  GtkWidget *dialog;
  DeleteJob *job;

  if (messages->len == 0)
    {
      _bd_show_toast (GTK_WIDGET (self), adw_toast_new (_("The broker holds no retained message there")));
      g_ptr_array_unref (messages);
      return;
    }

  if (messages->len == 1)
    body = g_markup_printf_escaped (_("The broker will forget the retained message of "
                                      "<b>%s</b>. Clients that subscribe later will not "
                                      "receive it."),
                                    bd_message_get_topic (g_ptr_array_index (messages, 0)));
  else
    body = g_markup_printf_escaped (ngettext ("The broker will forget %u retained message "
                                              "under <b>%s</b>. Clients that subscribe later "
                                              "will not receive it.",
                                              "The broker will forget %u retained messages "
                                              "under <b>%s</b>. Clients that subscribe later "
                                              "will not receive them.",
                                              messages->len),
                                    messages->len, label);

  dialog = adw_message_dialog_new (root != NULL ? GTK_WINDOW (root) : NULL,
                                   ngettext ("Delete Retained Message?",
                                             "Delete Retained Messages?", messages->len),
                                   NULL);
  adw_message_dialog_set_body_use_markup (ADW_MESSAGE_DIALOG (dialog), TRUE);
  adw_message_dialog_set_body (ADW_MESSAGE_DIALOG (dialog), body);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("Cancel"),
                                    "delete", _("Delete"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "delete",
                                              ADW_RESPONSE_DESTRUCTIVE);
  /* A destructive answer is never the one Return gives. */
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");

  job = g_new0 (DeleteJob, 1);
  job->page = g_object_ref (self);
  job->label = g_strdup (label);
  job->messages = messages;
  g_signal_connect (dialog, "response", G_CALLBACK (on_delete_response_cb), job);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_retained_listed_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  GTask *task = G_TASK (result);
  DeleteJob *job = g_task_get_task_data (task);
  GPtrArray *messages = g_task_propagate_pointer (task, NULL);

  if (g_cancellable_is_cancelled (job->page->cancellable) || messages == NULL)
    {
      g_clear_pointer (&messages, g_ptr_array_unref);
      return;
    }
  confirm_delete (job->page, job->label, messages);
}

/* A remote broker cannot be asked which retained messages it holds, but it
 * sent every one of them on subscription with RETAIN set [MQTT-3.3.1-8]:
 * the tree's markers are the list. */
static void
collect_retained (BdTopicNode *node,
                  gboolean     subtree,
                  GPtrArray   *messages)
{
  GListModel *children = G_LIST_MODEL (node);

  if (bd_topic_node_get_retained (node))
    g_ptr_array_add (messages, bd_message_ref (bd_topic_node_get_latest (node)));
  for (guint i = 0; subtree && i < g_list_model_get_n_items (children); i++)
    {
      g_autoptr(BdTopicNode) child = g_list_model_get_item (children, i);

      collect_retained (child, TRUE, messages);
    }
}

static void
delete_retained (BdTopicsPage *self,
                 gboolean      subtree)
{
  g_autoptr(GTask) task = NULL;
  DeleteJob *job;
  const char *path;

  if (self->menu_node == NULL || bd_operator_lock_refuses (GTK_WIDGET (self)))
    return;
  path = bd_topic_node_get_path (self->menu_node);

  if (self->remote != NULL)
    {
      GPtrArray *messages = g_ptr_array_new_with_free_func ((GDestroyNotify) bd_message_unref);

      collect_retained (self->menu_node, subtree, messages);
      confirm_delete (self, path, messages);
      return;
    }
  if (self->engine == NULL)
    return;

  /* The embedded broker knows exactly; it answers from its own thread, so
   * the question waits on a worker, not on the GTK thread. */
  job = g_new0 (DeleteJob, 1);
  job->page = g_object_ref (self);
  job->label = g_strdup (path);
  /* "a/b/#" also matches "a/b" itself [MQTT-4.7.1-2]. */
  job->filter = subtree ? g_strconcat (path, "/#", NULL) : g_strdup (path);

  task = g_task_new (NULL, self->cancellable, on_retained_listed_cb, NULL);
  g_task_set_task_data (task, job, (GDestroyNotify) delete_job_free);
  g_task_run_in_thread (task, dup_retained_thread);
}

static void
delete_retained_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  delete_retained (BD_TOPICS_PAGE (widget), FALSE);
}

static void
delete_retained_subtree_action (GtkWidget  *widget,
                                const char *action_name,
                                GVariant   *parameter)
{
  delete_retained (BD_TOPICS_PAGE (widget), TRUE);
}

static GMenuModel *
menu_model_new (void)
{
  GMenu *menu = g_menu_new ();
  g_autoptr(GMenu) first = g_menu_new ();
  g_autoptr(GMenu) operate = g_menu_new ();
  g_autoptr(GMenu) danger = g_menu_new ();

  g_menu_append (first, _("_Copy Topic"), "topic.copy");
  g_menu_append (first, _("_Publish Here…"), "topic.publish-here");
  g_menu_append (operate, _("C_hart It"), "topic.chart");
  g_menu_append (operate, _("Add to _Overview"), "topic.add-to-overview");
  g_menu_append (operate, _("Add _Alarm…"), "topic.add-alarm");
  g_menu_append (operate, _("Add _Relay…"), "topic.add-relay");
  g_menu_append (danger, _("_Delete Retained Message…"), "topic.delete-retained");
  g_menu_append (danger, _("Delete Retained Messages _Below…"), "topic.delete-retained-subtree");
  g_menu_append_section (menu, NULL, G_MENU_MODEL (first));
  g_menu_append_section (menu, NULL, G_MENU_MODEL (operate));
  g_menu_append_section (menu, NULL, G_MENU_MODEL (danger));
  return G_MENU_MODEL (menu);
}

void
_bd_topics_page_init_menu (BdTopicsPage *self)
{
  g_autoptr(GMenuModel) menu_model = menu_model_new ();

  self->menu = gtk_popover_menu_new_from_model (menu_model);
  gtk_popover_set_has_arrow (GTK_POPOVER (self->menu), FALSE);
  gtk_widget_set_halign (self->menu, GTK_ALIGN_START);
  gtk_widget_set_parent (self->menu, GTK_WIDGET (self));
}

void
_bd_topics_page_class_install_actions (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "topic.menu", NULL, menu_action);
  gtk_widget_class_install_action (widget_class, "topic.copy", NULL, copy_action);
  gtk_widget_class_install_action (widget_class, "topic.publish-here", NULL, publish_here_action);
  gtk_widget_class_install_action (widget_class, "topic.chart", NULL, forward_topic_action);
  gtk_widget_class_install_action (widget_class, "topic.add-to-overview", NULL,
                                   add_to_overview_action);
  gtk_widget_class_install_action (widget_class, "topic.add-alarm", NULL, forward_topic_action);
  gtk_widget_class_install_action (widget_class, "topic.add-relay", NULL, forward_topic_action);
  gtk_widget_class_install_action (widget_class, "topic.delete-retained", NULL,
                                   delete_retained_action);
  gtk_widget_class_install_action (widget_class, "topic.delete-retained-subtree", NULL,
                                   delete_retained_subtree_action);

  gtk_widget_class_install_action (widget_class, "topic.unselect", NULL, unselect_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "topic.unselect", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Menu, 0, "topic.menu", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F10, GDK_SHIFT_MASK, "topic.menu", NULL);
}
