/* bd-automation-dialog.c — the dialog that adds or edits an automation or an interlock
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One dialog for both: they share the condition rows, and an interlock is
 * an automation's condition with a target. Rows that do not apply to the
 * chosen action are hidden rather than disabled, so the dialog stays short.
 * It validates as one types with the library's own checks, so Save can only
 * store an entry the automation engine accepts.
 */

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "bd-automation-dialog.h"
#include "bd-gui-util.h"

typedef enum
{
  FIELD_NAME,
  FIELD_MODE,          /* automation */
  FIELD_RULE,
  FIELD_ALARM_TOPIC,
  FIELD_WHEN,
  FIELD_ACTION,
  FIELD_TARGET,        /* both */
  FIELD_RELAY_ON,      /* automation, relay action */
  FIELD_VALUE,         /* automation, setpoint action */
  FIELD_TOPIC,         /* automation, publish action */
  FIELD_PAYLOAD,
  FIELD_DELAY,
  FIELD_BLOCKS,        /* interlock */
  FIELD_IF_RELAY,      /* the condition, both */
  FIELD_IF_RELAY_ON,
  FIELD_IF_TOPIC,
  FIELD_IF_ABOVE,
  FIELD_IF_BELOW,
  FIELD_IF_TIME,
  N_FIELDS
} Field;

struct _BdAutomationDialog
{
  AdwMessageDialog    parent_instance;

  BdAutomationEngine *engine;
  gboolean            interlock;
  char               *editing_id;
  BdAutomation       *automation_draft;  /* keeps what the dialog does not show */
  BdInterlock        *interlock_draft;
  GtkWidget          *fields[N_FIELDS];  /* AdwEntryRow or AdwComboRow */
  char               *problem;
};

G_DEFINE_FINAL_TYPE (BdAutomationDialog, bd_automation_dialog, ADW_TYPE_MESSAGE_DIALOG)

static const char *
text_of (BdAutomationDialog *self,
         Field               field)
{
  return gtk_editable_get_text (GTK_EDITABLE (self->fields[field]));
}

/* NULL for an empty (or blank) field: the library's "unset". */
static char *
dup_optional (BdAutomationDialog *self,
              Field               field)
{
  g_autofree char *text = g_strstrip (g_strdup (text_of (self, field)));

  return *text != '\0' ? g_steal_pointer (&text) : NULL;
}

static guint
choice_of (BdAutomationDialog *self,
           Field               field)
{
  return adw_combo_row_get_selected (ADW_COMBO_ROW (self->fields[field]));
}

static const char *
title_of (BdAutomationDialog *self,
          Field               field)
{
  return adw_preferences_row_get_title (ADW_PREFERENCES_ROW (self->fields[field]));
}

/* An empty field is @empty_value when @optional, else an error. */
static gboolean
read_number (BdAutomationDialog  *self,
             Field                field,
             gboolean             optional,
             double              *value,
             GError             **error)
{
  g_autofree char *text = dup_optional (self, field);
  char *end = NULL;

  if (text == NULL && optional)
    {
      *value = NAN;
      return TRUE;
    }
  *value = text != NULL ? g_ascii_strtod (text, &end) : NAN;
  if (text == NULL || end == text || *end != '\0' || !isfinite (*value))
    {
      /* Translators: "Delay (seconds): “soon” is not a number" */
      g_set_error (error, BD_AUTOMATION_ERROR, BD_AUTOMATION_ERROR_INVALID,
                   _("%s: “%s” is not a number"), title_of (self, field), text != NULL ? text : "");
      return FALSE;
    }
  return TRUE;
}

static gboolean
read_condition (BdAutomationDialog  *self,
                BdCondition         *condition,
                GError             **error)
{
  g_autofree char *window = dup_optional (self, FIELD_IF_TIME);

  bd_condition_clear (condition);
  bd_condition_init (condition);
  condition->relay = dup_optional (self, FIELD_IF_RELAY);
  condition->relay_on = choice_of (self, FIELD_IF_RELAY_ON) == 0;
  condition->topic = dup_optional (self, FIELD_IF_TOPIC);
  if (!read_number (self, FIELD_IF_ABOVE, TRUE, &condition->above, error) ||
      !read_number (self, FIELD_IF_BELOW, TRUE, &condition->below, error))
    return FALSE;
  if (window != NULL &&
      !bd_condition_parse_window (window, &condition->from_minute, &condition->to_minute))
    {
      g_set_error_literal (error, BD_AUTOMATION_ERROR, BD_AUTOMATION_ERROR_INVALID,
                           _("The time window must be like 08:00-18:00"));
      return FALSE;
    }
  return TRUE;
}

/* A new entry's id: its name in lowercase letters, digits and dashes,
 * numbered when another automation or interlock has it already. */
static char *
dup_unique_id (BdAutomationDialog *self,
               const char         *name)
{
  g_autoptr(GPtrArray) automations = bd_automation_engine_dup_automations (self->engine);
  g_autoptr(GPtrArray) interlocks = bd_automation_engine_dup_interlocks (self->engine);
  g_autoptr(GHashTable) taken = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GString) base = g_string_new (NULL);
  char *candidate;

  for (guint i = 0; i < automations->len; i++)
    g_hash_table_add (taken, ((BdAutomation *) g_ptr_array_index (automations, i))->id);
  for (guint i = 0; i < interlocks->len; i++)
    g_hash_table_add (taken, ((BdInterlock *) g_ptr_array_index (interlocks, i))->id);

  for (const char *p = name; *p != '\0'; p++)
    if (g_ascii_isalnum (*p))
      g_string_append_c (base, g_ascii_tolower (*p));
    else if (base->len > 0 && base->str[base->len - 1] != '-')
      g_string_append_c (base, '-');
  while (base->len > 0 && base->str[base->len - 1] == '-')
    g_string_truncate (base, base->len - 1);
  if (base->len == 0)
    g_string_append (base, self->interlock ? "interlock" : "automation");

  candidate = g_strdup (base->str);
  for (guint n = 2; g_hash_table_contains (taken, candidate); n++)
    {
      g_free (candidate);
      candidate = g_strdup_printf ("%s-%u", base->str, n);
    }
  return candidate;
}

static char *
entry_id (BdAutomationDialog *self)
{
  return self->editing_id != NULL ? g_strdup (self->editing_id)
                                  : dup_unique_id (self, text_of (self, FIELD_NAME));
}

static BdAutomation *
dup_automation (BdAutomationDialog  *self,
                GError             **error)
{
  g_autoptr(BdAutomation) automation = bd_automation_copy (self->automation_draft);
  double delay_s;

  g_free (automation->id);
  automation->id = entry_id (self);
  g_free (automation->name);
  automation->name = g_strstrip (g_strdup (text_of (self, FIELD_NAME)));
  automation->mode = choice_of (self, FIELD_MODE);
  g_free (automation->alarm_rule);
  automation->alarm_rule = dup_optional (self, FIELD_RULE);
  g_free (automation->alarm_topic);
  automation->alarm_topic = dup_optional (self, FIELD_ALARM_TOPIC);
  automation->when = choice_of (self, FIELD_WHEN);
  automation->action = choice_of (self, FIELD_ACTION);
  g_clear_pointer (&automation->target, g_free);
  g_clear_pointer (&automation->topic, g_free);
  g_clear_pointer (&automation->payload, g_free);
  automation->value = NAN;
  switch (automation->action)
    {
    case BD_AUTOMATION_ACTION_RELAY:
      automation->target = dup_optional (self, FIELD_TARGET);
      automation->on = choice_of (self, FIELD_RELAY_ON) == 0;
      break;
    case BD_AUTOMATION_ACTION_SETPOINT:
      automation->target = dup_optional (self, FIELD_TARGET);
      if (!read_number (self, FIELD_VALUE, FALSE, &automation->value, error))
        return NULL;
      break;
    case BD_AUTOMATION_ACTION_PUBLISH:
    default:
      automation->topic = dup_optional (self, FIELD_TOPIC);
      automation->payload = g_strdup (text_of (self, FIELD_PAYLOAD));
      break;
    }
  if (!read_number (self, FIELD_DELAY, TRUE, &delay_s, error))
    return NULL;
  if (isnan (delay_s))
    delay_s = 0;
  if (delay_s < 0 || delay_s > 24 * 3600)
    {
      g_set_error_literal (error, BD_AUTOMATION_ERROR, BD_AUTOMATION_ERROR_INVALID,
                           _("The delay must be between 0 and 86400 seconds"));
      return NULL;
    }
  automation->delay_ms = (guint) (delay_s * 1000 + 0.5);
  if (!read_condition (self, &automation->condition, error) ||
      !bd_automation_validate (automation, error))
    return NULL;
  return g_steal_pointer (&automation);
}

static BdInterlock *
dup_interlock (BdAutomationDialog  *self,
               GError             **error)
{
  g_autoptr(BdInterlock) interlock = bd_interlock_copy (self->interlock_draft);

  g_free (interlock->id);
  interlock->id = entry_id (self);
  g_free (interlock->name);
  interlock->name = g_strstrip (g_strdup (text_of (self, FIELD_NAME)));
  g_free (interlock->target);
  interlock->target = dup_optional (self, FIELD_TARGET);
  interlock->blocks = choice_of (self, FIELD_BLOCKS);
  if (!read_condition (self, &interlock->condition, error) ||
      !bd_interlock_validate (interlock, error))
    return NULL;
  return g_steal_pointer (&interlock);
}

static void
show_rows (BdAutomationDialog *self)
{
  BdAutomationAction action = choice_of (self, FIELD_ACTION);
  gboolean automation = !self->interlock;

  for (Field f = FIELD_MODE; f <= FIELD_DELAY; f++)
    gtk_widget_set_visible (self->fields[f], automation);
  gtk_widget_set_visible (self->fields[FIELD_TARGET],
                          !automation || action != BD_AUTOMATION_ACTION_PUBLISH);
  gtk_widget_set_visible (self->fields[FIELD_RELAY_ON],
                          automation && action == BD_AUTOMATION_ACTION_RELAY);
  gtk_widget_set_visible (self->fields[FIELD_VALUE],
                          automation && action == BD_AUTOMATION_ACTION_SETPOINT);
  gtk_widget_set_visible (self->fields[FIELD_TOPIC],
                          automation && action == BD_AUTOMATION_ACTION_PUBLISH);
  gtk_widget_set_visible (self->fields[FIELD_PAYLOAD],
                          automation && action == BD_AUTOMATION_ACTION_PUBLISH);
  gtk_widget_set_visible (self->fields[FIELD_BLOCKS], !automation);
  gtk_widget_set_visible (self->fields[FIELD_IF_RELAY_ON],
                          *text_of (self, FIELD_IF_RELAY) != '\0');
}

static void
changed_cb (BdAutomationDialog *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BdAutomation) automation = NULL;
  g_autoptr(BdInterlock) interlock = NULL;
  gboolean valid;

  show_rows (self);
  if (self->interlock)
    valid = (interlock = dup_interlock (self, &error)) != NULL;
  else
    valid = (automation = dup_automation (self, &error)) != NULL;

  g_clear_pointer (&self->problem, g_free);
  if (!valid)
    self->problem = g_strdup (error->message);
  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (self), "save", valid);
  adw_message_dialog_set_body (ADW_MESSAGE_DIALOG (self), valid ? "" : self->problem);
}

/* Replaces the entry with @id in @entries (or appends @entry); takes @entry. */
static void
put_entry (GPtrArray  *entries,
           const char *editing_id,
           gpointer    entry)
{
  for (guint i = 0; editing_id != NULL && i < entries->len; i++)
    {
      /* Both structs start with the id. */
      const char *id = *(char **) g_ptr_array_index (entries, i);

      if (strcmp (id, editing_id) == 0)
        {
          g_ptr_array_remove_index (entries, i);
          g_ptr_array_insert (entries, i, entry);
          return;
        }
    }
  g_ptr_array_add (entries, entry);
}

static void
response_cb (BdAutomationDialog *self,
             const char         *response)
{
  g_autoptr(GError) error = NULL;

  if (g_strcmp0 (response, "save") != 0 || self->engine == NULL)
    return;
  if (self->interlock)
    {
      BdInterlock *interlock = dup_interlock (self, &error);
      g_autoptr(GPtrArray) interlocks = NULL;

      if (interlock == NULL)
        return;
      interlocks = bd_automation_engine_dup_interlocks (self->engine);
      put_entry (interlocks, self->editing_id, interlock);
      bd_automation_engine_set_interlocks (self->engine, interlocks);
    }
  else
    {
      BdAutomation *automation = dup_automation (self, &error);
      g_autoptr(GPtrArray) automations = NULL;

      if (automation == NULL)
        return;
      automations = bd_automation_engine_dup_automations (self->engine);
      put_entry (automations, self->editing_id, automation);
      bd_automation_engine_set_automations (self->engine, automations);
    }
}

static void
bd_automation_dialog_dispose (GObject *object)
{
  BdAutomationDialog *self = BD_AUTOMATION_DIALOG (object);

  g_clear_object (&self->engine);
  g_clear_pointer (&self->editing_id, g_free);
  g_clear_pointer (&self->automation_draft, bd_automation_free);
  g_clear_pointer (&self->interlock_draft, bd_interlock_free);
  g_clear_pointer (&self->problem, g_free);

  G_OBJECT_CLASS (bd_automation_dialog_parent_class)->dispose (object);
}

static void
bd_automation_dialog_class_init (BdAutomationDialogClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = bd_automation_dialog_dispose;
}

static GtkWidget *
combo_row_new (const char * const *choices)
{
  g_autoptr(GtkStringList) model = gtk_string_list_new (choices);
  GtkWidget *row = adw_combo_row_new ();

  adw_combo_row_set_model (ADW_COMBO_ROW (row), G_LIST_MODEL (model));
  return row;
}

static void
bd_automation_dialog_init (BdAutomationDialog *self)
{
  const char *titles[N_FIELDS] = {
    [FIELD_NAME] = _("Name"),
    [FIELD_MODE] = _("Mode"),
    [FIELD_RULE] = _("Alarm Rule (id)"),
    [FIELD_ALARM_TOPIC] = _("Alarm Topic (empty: any topic of the rule)"),
    [FIELD_WHEN] = _("When the Alarm Is"),
    [FIELD_ACTION] = _("Action"),
    [FIELD_TARGET] = _("Relay or Setpoint (id)"),
    [FIELD_RELAY_ON] = _("Switch"),
    [FIELD_VALUE] = _("Setpoint Value"),
    [FIELD_TOPIC] = _("Publish Topic"),
    [FIELD_PAYLOAD] = _("Payload"),
    [FIELD_DELAY] = _("Delay (seconds)"),
    [FIELD_BLOCKS] = _("Blocks"),
    [FIELD_IF_RELAY] = _("Only While Relay (id, empty: any)"),
    [FIELD_IF_RELAY_ON] = _("That Relay Is"),
    [FIELD_IF_TOPIC] = _("Only While Topic (empty: any)"),
    [FIELD_IF_ABOVE] = _("Its Value Above"),
    [FIELD_IF_BELOW] = _("Its Value Below"),
    [FIELD_IF_TIME] = _("Only Between (like 08:00-18:00)"),
  };
  const char * const modes[] = {
    bd_automation_mode_to_label (BD_AUTOMATION_MODE_OFF),
    bd_automation_mode_to_label (BD_AUTOMATION_MODE_ON),
    bd_automation_mode_to_label (BD_AUTOMATION_MODE_ASK),
    NULL,
  };
  const char * const whens[] = {
    bd_automation_when_to_label (BD_AUTOMATION_WHEN_RAISED),
    bd_automation_when_to_label (BD_AUTOMATION_WHEN_ACKNOWLEDGED),
    bd_automation_when_to_label (BD_AUTOMATION_WHEN_RETURNED),
    bd_automation_when_to_label (BD_AUTOMATION_WHEN_STALE),
    NULL,
  };
  /* In the order of BdAutomationAction, BdInterlockBlocks. */
  const char * const actions[] = { _("Switch a relay"), _("Set a setpoint"), _("Publish a message"), NULL };
  const char * const blocks[] = { _("Every command"), _("Switching on (raising)"),
                                  _("Switching off (to the minimum)"), NULL };
  const char * const on_off[] = { _("On"), _("Off"), NULL };
  GtkWidget *list = gtk_list_box_new ();
  GtkWidget *scrolled = gtk_scrolled_window_new ();

  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  for (Field f = 0; f < N_FIELDS; f++)
    {
      switch (f)
        {
        case FIELD_MODE:
          self->fields[f] = combo_row_new (modes);
          break;
        case FIELD_WHEN:
          self->fields[f] = combo_row_new (whens);
          break;
        case FIELD_ACTION:
          self->fields[f] = combo_row_new (actions);
          break;
        case FIELD_BLOCKS:
          self->fields[f] = combo_row_new (blocks);
          break;
        case FIELD_RELAY_ON:
        case FIELD_IF_RELAY_ON:
          self->fields[f] = combo_row_new (on_off);
          break;
        default:
          self->fields[f] = adw_entry_row_new ();
          break;
        }
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->fields[f]), titles[f]);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->fields[f]),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, titles[f], -1);
      if (ADW_IS_COMBO_ROW (self->fields[f]))
        g_signal_connect_swapped (self->fields[f], "notify::selected", G_CALLBACK (changed_cb), self);
      else
        g_signal_connect_swapped (self->fields[f], "changed", G_CALLBACK (changed_cb), self);
      gtk_list_box_append (GTK_LIST_BOX (list), self->fields[f]);
    }

  /* Up to twenty rows: scroll rather than grow past the screen. */
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_min_content_height (GTK_SCROLLED_WINDOW (scrolled), 360);
  gtk_scrolled_window_set_max_content_height (GTK_SCROLLED_WINDOW (scrolled), 480);
  gtk_scrolled_window_set_propagate_natural_height (GTK_SCROLLED_WINDOW (scrolled), TRUE);
  /* Wide enough for the longer row titles. */
  gtk_widget_set_size_request (scrolled, 420, -1);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), list);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (self), scrolled);
  _bd_add_save_responses (ADW_MESSAGE_DIALOG (self));
  g_signal_connect (self, "response", G_CALLBACK (response_cb), NULL);
}

static void
set_text (BdAutomationDialog *self,
          Field               field,
          const char         *text)
{
  gtk_editable_set_text (GTK_EDITABLE (self->fields[field]), text != NULL ? text : "");
}

static void
set_number (BdAutomationDialog *self,
            Field               field,
            double              value)
{
  char text[G_ASCII_DTOSTR_BUF_SIZE] = "";

  if (!isnan (value))
    g_ascii_formatd (text, sizeof text, "%.12g", value);
  set_text (self, field, text);
}

static void
set_condition (BdAutomationDialog *self,
               const BdCondition  *condition)
{
  g_autofree char *window = bd_condition_format_window (condition);

  set_text (self, FIELD_IF_RELAY, condition->relay);
  adw_combo_row_set_selected (ADW_COMBO_ROW (self->fields[FIELD_IF_RELAY_ON]),
                              condition->relay_on ? 0 : 1);
  set_text (self, FIELD_IF_TOPIC, condition->topic);
  set_number (self, FIELD_IF_ABOVE, condition->above);
  set_number (self, FIELD_IF_BELOW, condition->below);
  set_text (self, FIELD_IF_TIME, window);
}

BdAutomationDialog *
bd_automation_dialog_new_automation (BdAutomationEngine *engine,
                                     const BdAutomation *draft,
                                     const char         *editing_id)
{
  BdAutomationDialog *self;

  g_return_val_if_fail (BD_IS_AUTOMATION_ENGINE (engine), NULL);
  g_return_val_if_fail (draft != NULL, NULL);

  self = g_object_new (BD_TYPE_AUTOMATION_DIALOG,
                       "heading", editing_id != NULL ? _("Edit Automation") : _("Add Automation"),
                       NULL);
  self->engine = g_object_ref (engine);
  self->editing_id = g_strdup (editing_id);
  self->automation_draft = bd_automation_copy (draft);
  set_text (self, FIELD_NAME, draft->name);
  adw_combo_row_set_selected (ADW_COMBO_ROW (self->fields[FIELD_MODE]), draft->mode);
  set_text (self, FIELD_RULE, draft->alarm_rule);
  set_text (self, FIELD_ALARM_TOPIC, draft->alarm_topic);
  adw_combo_row_set_selected (ADW_COMBO_ROW (self->fields[FIELD_WHEN]), draft->when);
  adw_combo_row_set_selected (ADW_COMBO_ROW (self->fields[FIELD_ACTION]), draft->action);
  set_text (self, FIELD_TARGET, draft->target);
  adw_combo_row_set_selected (ADW_COMBO_ROW (self->fields[FIELD_RELAY_ON]), draft->on ? 0 : 1);
  set_number (self, FIELD_VALUE, draft->value);
  set_text (self, FIELD_TOPIC, draft->topic);
  set_text (self, FIELD_PAYLOAD, draft->payload);
  set_number (self, FIELD_DELAY, draft->delay_ms / 1000.0);
  set_condition (self, &draft->condition);
  changed_cb (self);
  return self;
}

BdAutomationDialog *
bd_automation_dialog_new_interlock (BdAutomationEngine *engine,
                                    const BdInterlock  *draft,
                                    const char         *editing_id)
{
  BdAutomationDialog *self;

  g_return_val_if_fail (BD_IS_AUTOMATION_ENGINE (engine), NULL);
  g_return_val_if_fail (draft != NULL, NULL);

  self = g_object_new (BD_TYPE_AUTOMATION_DIALOG,
                       "heading", editing_id != NULL ? _("Edit Interlock") : _("Add Interlock"),
                       NULL);
  self->engine = g_object_ref (engine);
  self->interlock = TRUE;
  self->editing_id = g_strdup (editing_id);
  self->interlock_draft = bd_interlock_copy (draft);
  set_text (self, FIELD_NAME, draft->name);
  set_text (self, FIELD_TARGET, draft->target);
  adw_combo_row_set_selected (ADW_COMBO_ROW (self->fields[FIELD_BLOCKS]), draft->blocks);
  set_condition (self, &draft->condition);
  changed_cb (self);
  return self;
}

const char *
bd_automation_dialog_get_problem (BdAutomationDialog *self)
{
  g_return_val_if_fail (BD_IS_AUTOMATION_DIALOG (self), NULL);
  return self->problem;
}
