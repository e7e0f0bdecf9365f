/* bd-relays-page.c — the Relays page: relay switches confirmed by their state topics
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One row per relay of the BdRelayController (a GListModel bound to the list
 * box, so rows follow adds, edits and deletes), then the controller's recent
 * command log. Relays change state a few times a minute at most, so rows
 * update straight from the relays' notifications, no batching needed.
 * Deleting is immediate and undoable from a toast, as in GNOME apps.
 *
 * Below them the setpoints (a slider and an entry each), then the
 * automations (their mode can be switched here) and interlocks. An
 * automation in "ask" mode proposes its action in a dialog over the window.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "bd-relay-dialog.h"
#include "bd-relay-row.h"
#include "bd-gui-util.h"
#include "bd-setpoint-dialog.h"
#include "bd-automation-dialog.h"
#include "bd-setpoint-row.h"
#include "bd-relays-page.h"

struct _BdRelaysPage
{
  AdwBin             parent_instance;

  GtkStack          *stack;
  AdwStatusPage     *status_page;
  GtkListBox        *relay_list;
  GtkListBox        *log_list;
  GtkListBox        *setpoint_list;
  GtkListBox        *automation_list;

  BdRelayController *controller;
  BdAutomationEngine *automations;
};

G_DEFINE_FINAL_TYPE (BdRelaysPage, bd_relays_page, ADW_TYPE_BIN)

static void
show_toast (BdRelaysPage *self,
            AdwToast     *toast)
{
  _bd_show_toast (GTK_WIDGET (self), toast);
}

static void
update_view (BdRelaysPage *self)
{
  gboolean any = self->controller != NULL &&
                 (g_list_model_get_n_items (G_LIST_MODEL (self->controller)) > 0 ||
                  g_list_model_get_n_items (bd_relay_controller_get_setpoints (self->controller)) > 0);

  gtk_stack_set_visible_child_name (self->stack, any ? "relays" : "empty");
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "relay.add", self->controller != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "relay.add-setpoint", self->controller != NULL);
}

static void
present_editor (BdRelaysPage *self,
                BdRelay      *draft,
                const char   *editing_id)
{
  _bd_present_dialog (GTK_WIDGET (self),
                      GTK_WINDOW (bd_relay_dialog_new (self->controller, draft, editing_id)));
}

/* ------------------------------------------------------------- delete */

typedef struct
{
  GWeakRef  controller;
  BdOutput *output;     /* the deleted relay or setpoint */
  guint     position;
} Undo;

static void
undo_free (gpointer data,
           GClosure *closure)
{
  Undo *undo = data;

  g_weak_ref_clear (&undo->controller);
  g_object_unref (undo->output);
  g_free (undo);
}

/* "… deleted" with Undo: @undo_cb (toast, @data) restores; @data is freed
 * with the toast. Deleting is one click, and so is taking it back. */
static void
show_undo_toast (BdRelaysPage   *self,
                 const char     *title,
                 GCallback       undo_cb,
                 gpointer        data,
                 GClosureNotify  free_data)
{
  AdwToast *toast = adw_toast_new (title);

  adw_toast_set_button_label (toast, _("_Undo"));
  adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
  g_signal_connect_data (toast, "button-clicked", undo_cb, data, free_data, 0);
  show_toast (self, toast);
}

static void
undo_clicked_cb (AdwToast *toast,
                 Undo     *undo)
{
  g_autoptr(BdRelayController) controller = g_weak_ref_get (&undo->controller);
  g_autoptr(GError) error = NULL;
  gboolean relay = BD_IS_RELAY (undo->output);

  /* The id may have been taken again meanwhile: then the undo says so. A
   * relay goes back where it was, a setpoint to the end. */
  if (controller == NULL)
    return;
  if (relay ? !bd_relay_controller_insert (controller, undo->position, BD_RELAY (undo->output), &error)
            : !bd_relay_controller_add_setpoint (controller, BD_SETPOINT (undo->output), &error))
    g_warning ("Cannot restore %s %s: %s", relay ? "relay" : "setpoint",
               bd_output_get_id (undo->output), error->message);
}

/* Deletes a relay or a setpoint at once, with Undo in the toast. */
static void
delete_output (BdRelaysPage *self,
               BdOutput     *output)
{
  const char *id = bd_output_get_id (output);
  g_autofree char *title = NULL;
  guint position = 0;
  BdOutput *removed;
  Undo *undo;

  if (self->controller == NULL)
    return;
  if (BD_IS_RELAY (output))
    removed = BD_OUTPUT (bd_relay_controller_remove (self->controller, id, &position));
  else
    removed = BD_OUTPUT (bd_relay_controller_remove_setpoint (self->controller, id, &position));
  if (removed == NULL)
    return;

  undo = g_new0 (Undo, 1);
  g_weak_ref_init (&undo->controller, self->controller);
  undo->output = removed;
  undo->position = position;
  if (BD_IS_RELAY (removed))
    /* Translators: a toast after deleting the relay "Fan, manufacture" */
    title = g_strdup_printf (_("Relay “%s” deleted"), bd_output_get_name (removed));
  else
    /* Translators: a toast after deleting the setpoint "Valve, packaging" */
    title = g_strdup_printf (_("Setpoint “%s” deleted"), bd_output_get_name (removed));
  show_undo_toast (self, title, G_CALLBACK (undo_clicked_cb), undo, undo_free);
}

static void
row_delete_cb (BdRelaysPage *self,
               BdRelayRow   *row)
{
  delete_output (self, BD_OUTPUT (bd_relay_row_get_relay (row)));
}

static void
row_edit_cb (BdRelaysPage *self,
             BdRelayRow   *row)
{
  BdRelay *relay = bd_relay_row_get_relay (row);
  g_autoptr(BdRelay) draft = bd_relay_copy (relay);

  present_editor (self, draft, bd_relay_get_id (relay));
}

static void
row_toggle_failed_cb (BdRelaysPage *self,
                      const char   *message,
                      BdRelayRow   *row)
{
  show_toast (self, adw_toast_new (message));
}

static GtkWidget *
create_relay_row (gpointer item,
                  gpointer user_data)
{
  BdRelaysPage *self = user_data;
  GtkWidget *row = bd_relay_row_new (self->controller, item);

  g_signal_connect_object (row, "edit", G_CALLBACK (row_edit_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (row, "delete", G_CALLBACK (row_delete_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (row, "toggle-failed", G_CALLBACK (row_toggle_failed_cb), self,
                           G_CONNECT_SWAPPED);
  return row;
}

/* ------------------------------------------------------------- setpoints */

static void
setpoint_edit_cb (BdRelaysPage  *self,
                  BdSetpointRow *row)
{
  BdSetpoint *setpoint = bd_setpoint_row_get_setpoint (row);
  g_autoptr(BdSetpoint) draft = bd_setpoint_copy (setpoint);

  _bd_present_dialog (GTK_WIDGET (self),
                      GTK_WINDOW (bd_setpoint_dialog_new (self->controller, draft, bd_setpoint_get_id (setpoint))));
}

static void
setpoint_delete_cb (BdRelaysPage  *self,
                    BdSetpointRow *row)
{
  delete_output (self, BD_OUTPUT (bd_setpoint_row_get_setpoint (row)));
}

static void
setpoint_failed_cb (BdRelaysPage *self,
                    const char   *message)
{
  AdwToast *toast = adw_toast_new (message);

  adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
  show_toast (self, toast);
}

static GtkWidget *
create_setpoint_row (gpointer item,
                     gpointer user_data)
{
  BdRelaysPage *self = user_data;
  GtkWidget *row = bd_setpoint_row_new (self->controller, item);

  g_signal_connect_object (row, "edit", G_CALLBACK (setpoint_edit_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (row, "delete", G_CALLBACK (setpoint_delete_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (row, "set-failed", G_CALLBACK (setpoint_failed_cb), self, G_CONNECT_SWAPPED);
  return row;
}

static void
setpoint_command_failed_cb (BdRelaysPage    *self,
                            BdSetpoint      *setpoint,
                            BdRelayLogEntry *entry)
{
  g_autofree char *title = g_strdup_printf (_("%s: %s"), bd_setpoint_get_name (setpoint),
                                            bd_setpoint_get_last_error (setpoint));

  setpoint_failed_cb (self, title);
}

static void
add_setpoint_action_cb (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  BdRelaysPage *self = BD_RELAYS_PAGE (widget);
  g_autoptr(BdSetpoint) draft = bd_setpoint_new (NULL, "", "", "");

  if (self->controller != NULL)
    _bd_present_dialog (GTK_WIDGET (self), GTK_WINDOW (bd_setpoint_dialog_new (self->controller, draft, NULL)));
}

/* ------------------------------------------------------------- automations */

static void mode_selected_cb (AdwComboRow *combo, GParamSpec *pspec, BdRelaysPage *self);
static void entry_edit_cb    (GtkButton *button, BdRelaysPage *self);
static void entry_delete_cb  (GtkButton *button, BdRelaysPage *self);

/* Edit and Delete buttons at the end of an automation's or interlock's row;
 * the buttons carry the entry's id and kind. */
static void
add_entry_buttons (BdRelaysPage *self,
                   GtkWidget    *row,
                   const char   *id,
                   const char   *name,
                   gboolean      interlock)
{
  g_autofree char *edit_label = NULL;
  g_autofree char *delete_label = NULL;

  /* Translators: accessible names of the buttons on the row of the automation or interlock %s */
  edit_label = g_strdup_printf (interlock ? _("Edit interlock %s") : _("Edit automation %s"), name);
  delete_label = g_strdup_printf (interlock ? _("Delete interlock %s") : _("Delete automation %s"), name);
  for (guint i = 0; i < 2; i++)
    {
      GtkWidget *button = i == 0 ? _bd_icon_button_new ("document-edit-symbolic", edit_label)
                                 : _bd_icon_button_new ("user-trash-symbolic", delete_label);

      g_object_set_data_full (G_OBJECT (button), "entry-id", g_strdup (id), g_free);
      g_object_set_data (G_OBJECT (button), "entry-interlock", GINT_TO_POINTER (interlock));
      g_signal_connect_object (button, "clicked",
                               G_CALLBACK (i == 0 ? entry_edit_cb : entry_delete_cb), self, 0);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
    }
}

static void
fill_automations (BdRelaysPage *self)
{
  g_autoptr(GPtrArray) automations = NULL;
  g_autoptr(GPtrArray) interlocks = NULL;
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->automation_list))) != NULL)
    gtk_list_box_remove (self->automation_list, child);
  if (self->automations == NULL)
    return;

  automations = bd_automation_engine_dup_automations (self->automations);
  for (guint i = 0; i < automations->len; i++)
    {
      const BdAutomation *automation = g_ptr_array_index (automations, i);
      g_autofree char *action = bd_automation_describe_action (automation, NULL);
      g_autofree char *condition = bd_condition_describe (&automation->condition);
      g_autofree char *subtitle = NULL;
      g_autofree char *escaped = NULL;
      GtkWidget *row = adw_combo_row_new ();
      const char * const modes[] = {
        bd_automation_mode_to_label (BD_AUTOMATION_MODE_OFF),
        bd_automation_mode_to_label (BD_AUTOMATION_MODE_ON),
        bd_automation_mode_to_label (BD_AUTOMATION_MODE_ASK),
        NULL,
      };
      g_autoptr(GtkStringList) model = gtk_string_list_new (modes);

      /* Translators: "When temp is raised (plant/a/temperature): Switch fan on · if always" */
      subtitle = g_strdup_printf (_("When %s is %s%s%s%s: %s · if %s"), automation->alarm_rule,
                                  bd_automation_when_to_label (automation->when),
                                  automation->alarm_topic != NULL ? " (" : "",
                                  automation->alarm_topic != NULL ? automation->alarm_topic : "",
                                  automation->alarm_topic != NULL ? ")" : "",
                                  action, condition);
      escaped = g_markup_escape_text (subtitle, -1);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), automation->name);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), escaped);
      adw_combo_row_set_model (ADW_COMBO_ROW (row), G_LIST_MODEL (model));
      adw_combo_row_set_selected (ADW_COMBO_ROW (row), automation->mode);
      g_object_set_data_full (G_OBJECT (row), "automation-id", g_strdup (automation->id), g_free);
      gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      automation->name, -1);
      g_signal_connect_object (row, "notify::selected", G_CALLBACK (mode_selected_cb), self, 0);
      add_entry_buttons (self, row, automation->id, automation->name, FALSE);
      gtk_list_box_append (self->automation_list, row);
    }

  interlocks = bd_automation_engine_dup_interlocks (self->automations);
  for (guint i = 0; i < interlocks->len; i++)
    {
      const BdInterlock *interlock = g_ptr_array_index (interlocks, i);
      g_autofree char *condition = bd_condition_describe (&interlock->condition);
      g_autofree char *subtitle = NULL;
      g_autofree char *escaped = NULL;
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *icon = gtk_image_new_from_icon_name ("changes-prevent-symbolic");

      /* Translators: an interlock, "Blocks heater (on) while fan is off" */
      subtitle = g_strdup_printf (_("Blocks %s (%s) while %s"), interlock->target,
                                  bd_interlock_blocks_to_string (interlock->blocks), condition);
      escaped = g_markup_escape_text (subtitle, -1);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), interlock->name);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), escaped);
      gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      _("Interlock"), -1);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
      add_entry_buttons (self, row, interlock->id, interlock->name, TRUE);
      gtk_list_box_append (self->automation_list, row);
    }
}

static void
mode_selected_cb (AdwComboRow  *combo,
                  GParamSpec   *pspec,
                  BdRelaysPage *self)
{
  const char *id = g_object_get_data (G_OBJECT (combo), "automation-id");
  g_autoptr(GPtrArray) automations = NULL;

  if (self->automations == NULL)
    return;
  automations = bd_automation_engine_dup_automations (self->automations);
  for (guint i = 0; i < automations->len; i++)
    {
      BdAutomation *automation = g_ptr_array_index (automations, i);

      if (g_strcmp0 (automation->id, id) == 0 && automation->mode != adw_combo_row_get_selected (combo))
        {
          automation->mode = adw_combo_row_get_selected (combo);
          bd_automation_engine_set_automations (self->automations, automations);
          return;
        }
    }
}

/* The index in @entries (BdAutomation* or BdInterlock*, both starting with
 * their id) of the entry with @id, or -1. */
static int
entry_index (GPtrArray  *entries,
             const char *id)
{
  for (guint i = 0; i < entries->len; i++)
    if (g_strcmp0 (*(char **) g_ptr_array_index (entries, i), id) == 0)
      return (int) i;
  return -1;
}

static GPtrArray *
dup_entries (BdAutomationEngine *engine,
             gboolean            interlock)
{
  return interlock ? bd_automation_engine_dup_interlocks (engine)
                   : bd_automation_engine_dup_automations (engine);
}

static void
set_entries (BdAutomationEngine *engine,
             gboolean            interlock,
             GPtrArray          *entries)
{
  if (interlock)
    bd_automation_engine_set_interlocks (engine, entries);
  else
    bd_automation_engine_set_automations (engine, entries);
}

/* The automations or interlocks (as the row of @button shows one or the
 * other) and the index of the row's entry in them; NULL when it is gone. */
static GPtrArray *
dup_button_entries (BdRelaysPage *self,
                    GtkButton    *button,
                    gboolean     *interlock,
                    int          *index)
{
  const char *id = g_object_get_data (G_OBJECT (button), "entry-id");
  g_autoptr(GPtrArray) entries = NULL;

  *interlock = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (button), "entry-interlock"));
  if (self->automations == NULL)
    return NULL;
  entries = dup_entries (self->automations, *interlock);
  *index = entry_index (entries, id);
  return *index >= 0 ? g_steal_pointer (&entries) : NULL;
}

static void
entry_edit_cb (GtkButton    *button,
               BdRelaysPage *self)
{
  const char *id = g_object_get_data (G_OBJECT (button), "entry-id");
  gboolean interlock;
  g_autoptr(GPtrArray) entries = NULL;
  BdAutomationDialog *dialog;
  int index;

  entries = dup_button_entries (self, button, &interlock, &index);
  if (entries == NULL)
    return;
  if (interlock)
    dialog = bd_automation_dialog_new_interlock (self->automations, g_ptr_array_index (entries, index), id);
  else
    dialog = bd_automation_dialog_new_automation (self->automations, g_ptr_array_index (entries, index), id);
  _bd_present_dialog (GTK_WIDGET (self), GTK_WINDOW (dialog));
}

typedef struct
{
  BdAutomationEngine *engine;
  gboolean            interlock;
  gpointer            entry;     /* BdAutomation* or BdInterlock* */
} Deleted;

static void
deleted_free (gpointer  data,
              GClosure *closure)
{
  Deleted *deleted = data;

  if (deleted->interlock)
    bd_interlock_free (deleted->entry);
  else
    bd_automation_free (deleted->entry);
  g_object_unref (deleted->engine);
  g_free (deleted);
}

static void
entry_undo_cb (AdwToast *toast,
               Deleted  *deleted)
{
  g_autoptr(GPtrArray) entries = dup_entries (deleted->engine, deleted->interlock);

  if (entry_index (entries, *(char **) deleted->entry) >= 0)
    return;  /* added again meanwhile */
  g_ptr_array_add (entries, deleted->interlock ? (gpointer) bd_interlock_copy (deleted->entry)
                                               : (gpointer) bd_automation_copy (deleted->entry));
  set_entries (deleted->engine, deleted->interlock, entries);
}

/* Immediate and undoable from a toast, as relays and setpoints are. */
static void
entry_delete_cb (GtkButton    *button,
                 BdRelaysPage *self)
{
  gboolean interlock;
  g_autoptr(GPtrArray) entries = NULL;
  g_autofree char *title = NULL;
  Deleted *deleted;
  int index;

  entries = dup_button_entries (self, button, &interlock, &index);
  if (entries == NULL)
    return;
  deleted = g_new0 (Deleted, 1);
  deleted->engine = g_object_ref (self->automations);
  deleted->interlock = interlock;
  deleted->entry = g_ptr_array_steal_index (entries, index);
  /* The row goes with the list: nothing of it is used after this. */
  set_entries (self->automations, interlock, entries);

  /* Translators: a toast after deleting the automation or interlock "Fan on when hot" */
  title = g_strdup_printf (interlock ? _("Interlock “%s” deleted") : _("Automation “%s” deleted"),
                           interlock ? ((BdInterlock *) deleted->entry)->name
                                     : ((BdAutomation *) deleted->entry)->name);
  show_undo_toast (self, title, G_CALLBACK (entry_undo_cb), deleted, deleted_free);
}

/* relay.add-automation and relay.add-interlock: the dialog on a blank entry. */
static void
add_entry_action_cb (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  BdRelaysPage *self = BD_RELAYS_PAGE (widget);
  BdAutomationDialog *dialog;

  if (self->automations == NULL)
    return;
  if (g_str_equal (action_name, "relay.add-interlock"))
    {
      g_autoptr(BdInterlock) draft = bd_interlock_new (NULL);

      dialog = bd_automation_dialog_new_interlock (self->automations, draft, NULL);
    }
  else
    {
      g_autoptr(BdAutomation) draft = bd_automation_new (NULL);

      dialog = bd_automation_dialog_new_automation (self->automations, draft, NULL);
    }
  _bd_present_dialog (GTK_WIDGET (self), GTK_WINDOW (dialog));
}

static void
proposal_response_cb (AdwMessageDialog     *dialog,
                      const char           *response,
                      BdAutomationProposal *proposal)
{
  BdAutomationEngine *automations = g_object_get_data (G_OBJECT (dialog), "automations");
  g_autoptr(GError) error = NULL;

  if (automations == NULL)
    return;
  /* Answered here: the dialog closes itself. */
  g_signal_handlers_disconnect_by_data (bd_automation_engine_get_proposals (automations), dialog);
  if (g_strcmp0 (response, "confirm") == 0)
    {
      if (!bd_automation_engine_confirm (automations, proposal, &error))
        _bd_show_toast (GTK_WIDGET (gtk_window_get_transient_for (GTK_WINDOW (dialog))),
                        adw_toast_new (error->message));
    }
  else
    bd_automation_engine_dismiss (automations, proposal);
}

/* A proposal answered elsewhere (its desktop notification) takes the
 * window's prompt away, so that nobody answers it twice. */
static void
proposals_changed_cb (GListModel *proposals,
                      guint       position,
                      guint       removed,
                      guint       added,
                      GtkWindow  *dialog)
{
  gpointer proposal = g_object_get_data (G_OBJECT (dialog), "proposal");

  if (removed == 0)
    return;
  for (guint i = 0; i < g_list_model_get_n_items (proposals); i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (proposals, i);

      if (item == proposal)
        return;
    }
  gtk_window_destroy (dialog);
}

/* The in-window prompt of an "ask" automation. */
static void
proposed_cb (BdRelaysPage         *self,
             BdAutomationProposal *proposal)
{
  const BdAutomation *automation = bd_automation_proposal_get_automation (proposal);
  AdwMessageDialog *dialog;
  g_autofree char *body = NULL;

  /* Translators: the body of an automation's proposal: the action, then why */
  body = g_strdup_printf (_("%s?\n\n%s"), bd_automation_proposal_get_action (proposal),
                          bd_automation_proposal_get_reason (proposal));
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (NULL, automation->name, body));
  adw_message_dialog_add_responses (dialog, "dismiss", _("_Dismiss"), "confirm", _("_Confirm"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "confirm", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_close_response (dialog, "dismiss");
  g_object_set_data_full (G_OBJECT (dialog), "automations", g_object_ref (self->automations), g_object_unref);
  g_signal_connect_data (dialog, "response", G_CALLBACK (proposal_response_cb), g_object_ref (proposal),
                         (GClosureNotify) (void (*) (void)) g_object_unref, 0);
  g_object_set_data_full (G_OBJECT (dialog), "proposal", g_object_ref (proposal), g_object_unref);
  g_signal_connect_object (bd_automation_engine_get_proposals (self->automations), "items-changed",
                           G_CALLBACK (proposals_changed_cb), dialog, 0);
  _bd_present_dialog (GTK_WIDGET (self), GTK_WINDOW (dialog));
}

/* ------------------------------------------------------------- log */

static const char *
outcome_label (BdRelayOutcome outcome)
{
  switch (outcome)
    {
    case BD_RELAY_OUTCOME_SENT: return _("sent");
    case BD_RELAY_OUTCOME_CONFIRMED: return _("confirmed");
    case BD_RELAY_OUTCOME_TIMEOUT: return _("no confirmation (timeout)");
    case BD_RELAY_OUTCOME_CONTRADICTED: return _("contradicted by the device");
    case BD_RELAY_OUTCOME_REFUSED: return _("refused");
    default: return "";
    }
}

static GtkWidget *
create_log_row (gpointer item,
                gpointer user_data)
{
  BdRelayLogEntry *entry = item;
  BdRelayOutcome outcome = bd_relay_log_entry_get_outcome (entry);
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_local (bd_relay_log_entry_get_time (entry) / G_USEC_PER_SEC);
  g_autofree char *when = time != NULL ? g_date_time_format (time, "%X") : g_strdup ("");
  g_autofree char *escaped_name = g_markup_escape_text (bd_relay_log_entry_get_relay_name (entry), -1);
  g_autofree char *escaped_topic = g_markup_escape_text (bd_relay_log_entry_get_topic (entry), -1);
  g_autofree char *escaped_payload = g_markup_escape_text (bd_relay_log_entry_get_payload (entry), -1);
  g_autofree char *title = NULL;
  g_autofree char *subtitle = NULL;
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *icon;

  /* Translators: a command log line, "Fan, manufacture — confirmed" */
  title = g_strdup_printf (_("%s — %s"), escaped_name, outcome_label (outcome));
  /* Translators: time · topic · payload of a command log line */
  subtitle = g_strdup_printf (_("%s · %s · “%s”"), when, escaped_topic, escaped_payload);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);

  switch (outcome)
    {
    case BD_RELAY_OUTCOME_CONFIRMED:
      icon = gtk_image_new_from_icon_name ("object-select-symbolic");
      gtk_widget_add_css_class (icon, "success");
      break;
    case BD_RELAY_OUTCOME_TIMEOUT:
    case BD_RELAY_OUTCOME_CONTRADICTED:
    case BD_RELAY_OUTCOME_REFUSED:
      icon = gtk_image_new_from_icon_name ("dialog-warning-symbolic");
      gtk_widget_add_css_class (icon, "error");
      break;
    case BD_RELAY_OUTCOME_SENT:
    default:
      icon = gtk_image_new_from_icon_name ("mail-send-symbolic");
      gtk_widget_add_css_class (icon, "dim-label");
      break;
    }
  /* The title already says it in words. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  outcome_label (outcome), -1);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  return row;
}

static void
command_failed_cb (BdRelaysPage    *self,
                   BdRelay         *relay,
                   BdRelayLogEntry *entry)
{
  /* Translators: a toast, "Fan, manufacture: No confirmation from the device within 5 s" */
  g_autofree char *title = g_strdup_printf (_("%s: %s"), bd_relay_get_name (relay),
                                            bd_relay_get_last_error (relay));
  AdwToast *toast = adw_toast_new (title);

  adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
  show_toast (self, toast);
}

static void
save_failed_cb (BdRelaysPage *self,
                const char   *message)
{
  /* Translators: a toast when relays.ini cannot be written */
  g_autofree char *title = g_strdup_printf (_("Cannot save the relays: %s"), message);

  show_toast (self, adw_toast_new (title));
}

/* ------------------------------------------------------------- actions */

static void
add_action_cb (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  BdRelaysPage *self = BD_RELAYS_PAGE (widget);
  g_autoptr(BdRelay) draft = bd_relay_new (NULL, "", "", "");

  if (self->controller != NULL)
    present_editor (self, draft, NULL);
}

/* ------------------------------------------------------------- object */

static void
bd_relays_page_dispose (GObject *object)
{
  BdRelaysPage *self = BD_RELAYS_PAGE (object);

  if (self->controller != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->controller, self);
      g_signal_handlers_disconnect_by_data (bd_relay_controller_get_setpoints (self->controller), self);
      g_clear_object (&self->controller);
    }
  if (self->automations != NULL)
    g_signal_handlers_disconnect_by_data (self->automations, self);
  g_clear_object (&self->automations);
  /* The stack is both a template child and AdwBin's child: detach it from
   * AdwBin first, or AdwBin's dispose would unparent it a second time. */
  adw_bin_set_child (ADW_BIN (object), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (object), BD_TYPE_RELAYS_PAGE);

  G_OBJECT_CLASS (bd_relays_page_parent_class)->dispose (object);
}

static void
bd_relays_page_class_init (BdRelaysPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bd_relays_page_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/brokerdesk/Brokerdesk/bd-relays-page.ui");
  gtk_widget_class_bind_template_child (widget_class, BdRelaysPage, stack);
  gtk_widget_class_bind_template_child (widget_class, BdRelaysPage, status_page);
  gtk_widget_class_bind_template_child (widget_class, BdRelaysPage, relay_list);
  gtk_widget_class_bind_template_child (widget_class, BdRelaysPage, log_list);
  gtk_widget_class_bind_template_child (widget_class, BdRelaysPage, setpoint_list);
  gtk_widget_class_bind_template_child (widget_class, BdRelaysPage, automation_list);

  gtk_widget_class_install_action (widget_class, "relay.add", NULL, add_action_cb);
  gtk_widget_class_install_action (widget_class, "relay.add-setpoint", NULL, add_setpoint_action_cb);
  gtk_widget_class_install_action (widget_class, "relay.add-automation", NULL, add_entry_action_cb);
  gtk_widget_class_install_action (widget_class, "relay.add-interlock", NULL, add_entry_action_cb);
}

static void
bd_relays_page_init (BdRelaysPage *self)
{
  GtkWidget *placeholder;

  gtk_widget_init_template (GTK_WIDGET (self));

  placeholder = gtk_label_new (_("No commands yet. Switch a relay to send one."));
  gtk_widget_add_css_class (placeholder, "dim-label");
  gtk_widget_set_margin_top (placeholder, 12);
  gtk_widget_set_margin_bottom (placeholder, 12);
  gtk_list_box_set_placeholder (self->log_list, placeholder);
  update_view (self);
}

GtkWidget *
bd_relays_page_new (void)
{
  return g_object_new (BD_TYPE_RELAYS_PAGE, NULL);
}

void
bd_relays_page_set_controller (BdRelaysPage      *self,
                               BdRelayController *controller)
{
  g_return_if_fail (BD_IS_RELAYS_PAGE (self));
  g_return_if_fail (controller == NULL || BD_IS_RELAY_CONTROLLER (controller));

  if (self->controller == controller)
    return;
  if (self->controller != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->controller, self);
      g_signal_handlers_disconnect_by_data (bd_relay_controller_get_setpoints (self->controller), self);
    }
  g_set_object (&self->controller, controller);

  if (controller != NULL)
    {
      gtk_list_box_bind_model (self->relay_list, G_LIST_MODEL (controller),
                               create_relay_row, self, NULL);
      gtk_list_box_bind_model (self->log_list, bd_relay_controller_get_log (controller),
                               create_log_row, self, NULL);
      g_signal_connect_swapped (controller, "items-changed", G_CALLBACK (update_view), self);
      g_signal_connect_swapped (controller, "command-failed", G_CALLBACK (command_failed_cb), self);
      g_signal_connect_swapped (controller, "save-failed", G_CALLBACK (save_failed_cb), self);
      gtk_list_box_bind_model (self->setpoint_list, bd_relay_controller_get_setpoints (controller),
                               create_setpoint_row, self, NULL);
      g_signal_connect_swapped (bd_relay_controller_get_setpoints (controller), "items-changed",
                                G_CALLBACK (update_view), self);
      g_signal_connect_swapped (controller, "setpoint-failed", G_CALLBACK (setpoint_command_failed_cb), self);
    }
  else
    {
      gtk_list_box_bind_model (self->setpoint_list, NULL, NULL, NULL, NULL);
      gtk_list_box_bind_model (self->relay_list, NULL, NULL, NULL, NULL);
      gtk_list_box_bind_model (self->log_list, NULL, NULL, NULL, NULL);
    }
  update_view (self);
}

BdRelayController *
bd_relays_page_get_controller (BdRelaysPage *self)
{
  g_return_val_if_fail (BD_IS_RELAYS_PAGE (self), NULL);
  return self->controller;
}

void
bd_relays_page_add_relay_for_topic (BdRelaysPage *self,
                                    const char   *topic)
{
  g_autoptr(BdRelay) draft = NULL;

  g_return_if_fail (BD_IS_RELAYS_PAGE (self));
  g_return_if_fail (topic != NULL);

  if (self->controller == NULL)
    {
      show_toast (self, adw_toast_new (_("Relays are not available yet")));
      return;
    }
  draft = bd_relay_dialog_draft_for_topic (topic);
  present_editor (self, draft, NULL);
}

void
bd_relays_page_set_automations (BdRelaysPage       *self,
                                BdAutomationEngine *automations)
{
  g_return_if_fail (BD_IS_RELAYS_PAGE (self));

  if (self->automations == automations)
    return;
  if (self->automations != NULL)
    g_signal_handlers_disconnect_by_data (self->automations, self);
  g_set_object (&self->automations, automations);
  if (automations != NULL)
    {
      g_signal_connect_swapped (automations, "changed", G_CALLBACK (fill_automations), self);
      g_signal_connect_swapped (automations, "proposed", G_CALLBACK (proposed_cb), self);
    }
  fill_automations (self);
}
