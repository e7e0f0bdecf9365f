/* bd-alarm-rule-dialog.c — a dialog to add or edit one alarm rule
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Built in code rather than from a template: its rows are a table of
 * (field, label, hint) and are made in a loop. Input is checked when Save is
 * pressed, with the same bd_alarm_rule_validate () the rules file uses, and
 * the message says which field is wrong; nothing is changed until it passes.
 */

#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n.h>

#include "bd-alarm-rule-dialog.h"
#include "bd-gui-util.h"

typedef enum
{
  FIELD_NAME,
  FIELD_FILTER,
  FIELD_FIELD,
  FIELD_HIHI,
  FIELD_HI,
  FIELD_LO,
  FIELD_LOLO,
  FIELD_DEADBAND,
  FIELD_ON_DELAY,
  FIELD_OFF_DELAY,
  FIELD_STALE,
  N_FIELDS
} Field;

struct _BdAlarmRuleDialog
{
  AdwWindow       parent_instance;

  BdAlarmEngine  *engine;
  BdAlarmRule    *rule;       /* the one edited; id kept */
  gboolean        is_new;

  GtkWidget      *rows[N_FIELDS];
  AdwComboRow    *priority_row;
  GtkSwitch      *enabled_switch;
  GtkLabel       *error_label;
  GtkWidget      *save_button;
  char           *error;
};

G_DEFINE_FINAL_TYPE (BdAlarmRuleDialog, bd_alarm_rule_dialog, ADW_TYPE_WINDOW)

static gboolean
field_is_number (Field field)
{
  return field >= FIELD_HIHI;
}

static const char *
field_label (Field field)
{
  switch (field)
    {
    case FIELD_NAME:
      return _("Name");
    case FIELD_FILTER:
      return _("Topic or Topic Filter");
    case FIELD_FIELD:
      return _("JSON Field (empty for a plain number)");
    case FIELD_HIHI:
      return _("HiHi Limit");
    case FIELD_HI:
      return _("Hi Limit");
    case FIELD_LO:
      return _("Lo Limit");
    case FIELD_LOLO:
      return _("LoLo Limit");
    case FIELD_DEADBAND:
      return _("Deadband");
    case FIELD_ON_DELAY:
      return _("On-Delay (seconds)");
    case FIELD_OFF_DELAY:
      return _("Off-Delay (seconds)");
    case FIELD_STALE:
      return _("Stale After (seconds, 0 = off)");
    case N_FIELDS:
    default:
      g_assert_not_reached ();
    }
}

static void
set_text (BdAlarmRuleDialog *self,
          Field              field,
          const char        *text)
{
  gtk_editable_set_text (GTK_EDITABLE (self->rows[field]), text != NULL ? text : "");
}

static void
set_number (BdAlarmRuleDialog *self,
            Field              field,
            double             value,
            gboolean           zero_is_empty)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  if (isnan (value) || (zero_is_empty && value == 0))
    set_text (self, field, "");
  else
    set_text (self, field, g_ascii_formatd (buffer, sizeof buffer, "%.10g", value));
}

/* Empty is @fallback (NAN for an unset limit). A comma is taken as the
 * decimal point too, as people in many locales type it. */
static gboolean
get_number (BdAlarmRuleDialog  *self,
            Field               field,
            double              fallback,
            double             *value,
            GError            **error)
{
  g_autofree char *text = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->rows[field])));
  char *end = NULL;

  g_strstrip (text);
  if (text[0] == '\0')
    {
      *value = fallback;
      return TRUE;
    }
  g_strdelimit (text, ",", '.');
  *value = g_ascii_strtod (text, &end);
  if (end == text || *end != '\0' || !isfinite (*value))
    {
      g_set_error (error, BD_ALARM_ERROR, BD_ALARM_ERROR_INVALID_RULE,
                   /* TRANSLATORS: a field name, then what was typed */
                   _("%s: “%s” is not a number."), field_label (field), text);
      gtk_widget_add_css_class (self->rows[field], "error");
      return FALSE;
    }
  return TRUE;
}

static void
show_error (BdAlarmRuleDialog *self,
            const char        *message)
{
  g_free (self->error);
  self->error = g_strdup (message);
  _bd_show_message (self->error_label, GTK_WIDGET (self->error_label), message);
  if (message != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (self->error_label),
                                    GTK_ACCESSIBLE_PROPERTY_LABEL, message, -1);
}

BdAlarmRule *
bd_alarm_rule_dialog_dup_rule (BdAlarmRuleDialog  *self,
                               GError            **error)
{
  g_autoptr(BdAlarmRule) rule = NULL;
  g_autofree char *name = NULL;

  g_return_val_if_fail (BD_IS_ALARM_RULE_DIALOG (self), NULL);

  for (guint i = 0; i < N_FIELDS; i++)
    gtk_widget_remove_css_class (self->rows[i], "error");

  rule = bd_alarm_rule_copy (self->rule);
  g_free (rule->filter);
  rule->filter = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->rows[FIELD_FILTER]))));
  g_free (rule->field);
  rule->field = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->rows[FIELD_FIELD]))));
  name = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->rows[FIELD_NAME]))));
  g_free (rule->name);
  /* A rule without a name is called after what it watches. */
  rule->name = g_strdup (name[0] != '\0' ? name : rule->filter);

  if (!get_number (self, FIELD_HIHI, NAN, &rule->hihi, error) ||
      !get_number (self, FIELD_HI, NAN, &rule->hi, error) ||
      !get_number (self, FIELD_LO, NAN, &rule->lo, error) ||
      !get_number (self, FIELD_LOLO, NAN, &rule->lolo, error) ||
      !get_number (self, FIELD_DEADBAND, 0, &rule->deadband, error) ||
      !get_number (self, FIELD_ON_DELAY, 0, &rule->on_delay_s, error) ||
      !get_number (self, FIELD_OFF_DELAY, 0, &rule->off_delay_s, error) ||
      !get_number (self, FIELD_STALE, 0, &rule->stale_s, error))
    return NULL;

  rule->priority = adw_combo_row_get_selected (self->priority_row);
  rule->enabled = gtk_switch_get_active (self->enabled_switch);

  if (!bd_alarm_rule_validate (rule, error))
    return NULL;
  return g_steal_pointer (&rule);
}

gboolean
bd_alarm_rule_dialog_save (BdAlarmRuleDialog *self)
{
  g_autoptr(BdAlarmRule) rule = NULL;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  g_return_val_if_fail (BD_IS_ALARM_RULE_DIALOG (self), FALSE);

  rule = bd_alarm_rule_dialog_dup_rule (self, &error);
  if (rule == NULL)
    {
      show_error (self, error->message);
      return FALSE;
    }
  if (self->is_new)
    ok = bd_alarm_engine_add_rule (self->engine, rule, &error);
  else
    ok = bd_alarm_engine_replace_rule (self->engine, rule, &error);
  if (!ok)
    {
      show_error (self, error->message);
      return FALSE;
    }
  show_error (self, NULL);
  gtk_window_close (GTK_WINDOW (self));
  return TRUE;
}

const char *
bd_alarm_rule_dialog_get_error (BdAlarmRuleDialog *self)
{
  g_return_val_if_fail (BD_IS_ALARM_RULE_DIALOG (self), NULL);
  return self->error;
}

static void
on_save_clicked_cb (BdAlarmRuleDialog *self)
{
  bd_alarm_rule_dialog_save (self);
}

static void
bd_alarm_rule_dialog_dispose (GObject *object)
{
  BdAlarmRuleDialog *self = BD_ALARM_RULE_DIALOG (object);

  g_clear_object (&self->engine);

  G_OBJECT_CLASS (bd_alarm_rule_dialog_parent_class)->dispose (object);
}

static void
bd_alarm_rule_dialog_finalize (GObject *object)
{
  BdAlarmRuleDialog *self = BD_ALARM_RULE_DIALOG (object);

  bd_alarm_rule_free (self->rule);
  g_free (self->error);

  G_OBJECT_CLASS (bd_alarm_rule_dialog_parent_class)->finalize (object);
}

static void
bd_alarm_rule_dialog_class_init (BdAlarmRuleDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bd_alarm_rule_dialog_dispose;
  object_class->finalize = bd_alarm_rule_dialog_finalize;

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
bd_alarm_rule_dialog_init (BdAlarmRuleDialog *self)
{
  AdwPreferencesPage *page;
  AdwPreferencesGroup *group = NULL;
  GtkWidget *enabled_row;
  const char * const priorities[] = {
    bd_alarm_priority_to_label (BD_ALARM_PRIORITY_LOW),
    bd_alarm_priority_to_label (BD_ALARM_PRIORITY_MEDIUM),
    bd_alarm_priority_to_label (BD_ALARM_PRIORITY_HIGH),
    bd_alarm_priority_to_label (BD_ALARM_PRIORITY_CRITICAL),
    NULL
  };
  g_autoptr(GtkStringList) priority_model = gtk_string_list_new (priorities);

  self->error_label = _bd_error_label_new ();
  gtk_widget_set_margin_start (GTK_WIDGET (self->error_label), 18);
  gtk_widget_set_margin_end (GTK_WIDGET (self->error_label), 18);
  gtk_widget_set_margin_top (GTK_WIDGET (self->error_label), 12);
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), FALSE);

  page = _bd_editor_window_fill (ADW_WINDOW (self), 480, 640, GTK_WIDGET (self->error_label),
                                 &self->save_button);
  g_signal_connect_swapped (self->save_button, "clicked", G_CALLBACK (on_save_clicked_cb), self);
  gtk_window_set_default_widget (GTK_WINDOW (self), self->save_button);

  for (Field f = 0; f < N_FIELDS; f++)
    {
      if (f == FIELD_NAME)
        group = _bd_add_preferences_group (page, _("What to Watch"), NULL);
      else if (f == FIELD_HIHI)
        group = _bd_add_preferences_group (page, _("Limits"),
                                           _("Leave a limit empty to not use it. A value at or "
                                             "beyond a limit raises the alarm."));
      else if (f == FIELD_DEADBAND)
        group = _bd_add_preferences_group (page, _("Timing"),
                                           _("The deadband is how far a value must come back "
                                             "past a limit before the alarm clears; the delays "
                                             "are how long a condition must last before it "
                                             "counts."));

      self->rows[f] = adw_entry_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->rows[f]), field_label (f));
      if (field_is_number (f))
        gtk_editable_set_alignment (GTK_EDITABLE (self->rows[f]), 1.0);
      /* Enter anywhere saves, as in the other dialogs. */
      g_signal_connect_swapped (self->rows[f], "entry-activated",
                                G_CALLBACK (on_save_clicked_cb), self);
      adw_preferences_group_add (group, self->rows[f]);

      if (f == FIELD_FIELD)
        {
          self->priority_row = ADW_COMBO_ROW (adw_combo_row_new ());
          adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->priority_row), _("Priority"));
          adw_combo_row_set_model (self->priority_row, G_LIST_MODEL (priority_model));
          adw_preferences_group_add (group, GTK_WIDGET (self->priority_row));

          enabled_row = _bd_switch_row_new (_("Enabled"), NULL, &self->enabled_switch);
          adw_preferences_group_add (group, enabled_row);
        }
    }
}

GtkWidget *
bd_alarm_rule_dialog_new (BdAlarmEngine     *engine,
                          const BdAlarmRule *rule,
                          const char        *topic)
{
  BdAlarmRuleDialog *self;

  g_return_val_if_fail (BD_IS_ALARM_ENGINE (engine), NULL);

  self = g_object_new (BD_TYPE_ALARM_RULE_DIALOG, NULL);
  self->engine = g_object_ref (engine);
  self->is_new = rule == NULL;
  if (rule != NULL)
    self->rule = bd_alarm_rule_copy (rule);
  else
    {
      self->rule = bd_alarm_rule_new (NULL);
      if (topic != NULL)
        {
          g_free (self->rule->filter);
          self->rule->filter = g_strdup (topic);
          g_free (self->rule->name);
          /* The last level names the quantity in most plants' topic trees. */
          self->rule->name = g_strdup (strrchr (topic, '/') != NULL ? strrchr (topic, '/') + 1 : topic);
        }
    }

  gtk_window_set_title (GTK_WINDOW (self), self->is_new ? _("New Alarm Rule") : _("Edit Alarm Rule"));
  set_text (self, FIELD_NAME, self->rule->name);
  set_text (self, FIELD_FILTER, self->rule->filter);
  set_text (self, FIELD_FIELD, self->rule->field);
  set_number (self, FIELD_HIHI, self->rule->hihi, FALSE);
  set_number (self, FIELD_HI, self->rule->hi, FALSE);
  set_number (self, FIELD_LO, self->rule->lo, FALSE);
  set_number (self, FIELD_LOLO, self->rule->lolo, FALSE);
  set_number (self, FIELD_DEADBAND, self->rule->deadband, FALSE);
  set_number (self, FIELD_ON_DELAY, self->rule->on_delay_s, FALSE);
  set_number (self, FIELD_OFF_DELAY, self->rule->off_delay_s, FALSE);
  set_number (self, FIELD_STALE, self->rule->stale_s, FALSE);
  adw_combo_row_set_selected (self->priority_row, self->rule->priority);
  gtk_switch_set_active (self->enabled_switch, self->rule->enabled);

  /* Typing starts where something is missing. */
  gtk_window_set_focus (GTK_WINDOW (self),
                        self->rule->filter[0] == '\0' ? self->rows[FIELD_FILTER] : self->rows[FIELD_HI]);
  return GTK_WIDGET (self);
}
