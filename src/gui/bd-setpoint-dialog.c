/* bd-setpoint-dialog.c — the dialog that adds or edits a setpoint
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A message dialog with the fields as entry rows: a setpoint has few
 * fields, all text or numbers, and the dialog validates as one types, so
 * Save can only add a setpoint the controller accepts.
 */

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "bd-setpoint-dialog.h"
#include "bd-gui-util.h"

enum {
  FIELD_NAME,
  FIELD_COMMAND,
  FIELD_STATE,
  FIELD_UNIT,
  FIELD_JSON_PATH,
  FIELD_MINIMUM,
  FIELD_MAXIMUM,
  FIELD_STEP,
  FIELD_RATE,
  FIELD_TIMEOUT,
  N_FIELDS
};

struct _BdSetpointDialog
{
  AdwMessageDialog   parent_instance;

  BdRelayController *controller;
  char              *editing_id;
  AdwEntryRow       *fields[N_FIELDS];
};

G_DEFINE_FINAL_TYPE (BdSetpointDialog, bd_setpoint_dialog, ADW_TYPE_MESSAGE_DIALOG)

static const char *
field_text (BdSetpointDialog *self,
            guint             field)
{
  return gtk_editable_get_text (GTK_EDITABLE (self->fields[field]));
}

static gboolean
read_number (BdSetpointDialog  *self,
             guint              field,
             double            *value,
             GError           **error)
{
  const char *text = field_text (self, field);
  char *end = NULL;

  *value = g_ascii_strtod (text, &end);
  if (end == text || *end != '\0' || !isfinite (*value))
    {
      /* Translators: "Maximum: “ten” is not a number" */
      g_set_error (error, BD_RELAY_ERROR, BD_RELAY_ERROR_INVALID, _("%s: “%s” is not a number"),
                   adw_preferences_row_get_title (ADW_PREFERENCES_ROW (self->fields[field])), text);
      return FALSE;
    }
  return TRUE;
}

BdSetpoint *
bd_setpoint_dialog_dup_setpoint (BdSetpointDialog  *self,
                                 GError           **error)
{
  g_autoptr(BdSetpoint) setpoint = NULL;
  g_autofree char *id = NULL;
  double minimum, maximum, step, rate, timeout;

  g_return_val_if_fail (BD_IS_SETPOINT_DIALOG (self), NULL);

  if (!read_number (self, FIELD_MINIMUM, &minimum, error) ||
      !read_number (self, FIELD_MAXIMUM, &maximum, error) ||
      !read_number (self, FIELD_STEP, &step, error) ||
      !read_number (self, FIELD_RATE, &rate, error) ||
      !read_number (self, FIELD_TIMEOUT, &timeout, error))
    return NULL;
  if (step < 0 || rate < 0 || !(timeout >= 0.05 && timeout <= 3600))
    {
      g_set_error_literal (error, BD_RELAY_ERROR, BD_RELAY_ERROR_INVALID,
                           _("The step and the rate limit must not be negative, and the timeout must be between 0.05 and 3600 seconds"));
      return NULL;
    }
  id = self->editing_id != NULL ? g_strdup (self->editing_id)
                                : bd_relay_controller_dup_unique_id (self->controller, field_text (self, FIELD_NAME));
  setpoint = bd_setpoint_new (id, field_text (self, FIELD_NAME), field_text (self, FIELD_COMMAND),
                              field_text (self, FIELD_STATE));
  bd_setpoint_set_unit (setpoint, *field_text (self, FIELD_UNIT) != '\0' ? field_text (self, FIELD_UNIT) : NULL);
  bd_setpoint_set_json_path (setpoint, *field_text (self, FIELD_JSON_PATH) != '\0'
                                       ? field_text (self, FIELD_JSON_PATH) : NULL);
  bd_setpoint_set_minimum (setpoint, minimum);
  bd_setpoint_set_maximum (setpoint, maximum);
  bd_setpoint_set_step (setpoint, step);
  bd_setpoint_set_rate_limit (setpoint, rate);
  bd_setpoint_set_timeout (setpoint, (guint) (timeout * 1000 + 0.5));
  if (!bd_setpoint_validate (setpoint, error))
    return NULL;
  return g_steal_pointer (&setpoint);
}

static void
changed_cb (BdSetpointDialog *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BdSetpoint) setpoint = bd_setpoint_dialog_dup_setpoint (self, &error);

  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (self), "save", setpoint != NULL);
  adw_message_dialog_set_body (ADW_MESSAGE_DIALOG (self), error != NULL ? error->message : "");
}

static void
response_cb (BdSetpointDialog *self,
             const char       *response)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BdSetpoint) setpoint = NULL;
  gboolean ok;

  if (g_strcmp0 (response, "save") != 0 || self->controller == NULL)
    return;
  setpoint = bd_setpoint_dialog_dup_setpoint (self, &error);
  if (setpoint == NULL)
    return;
  ok = self->editing_id != NULL
       ? bd_relay_controller_replace_setpoint (self->controller, self->editing_id, setpoint, &error)
       : bd_relay_controller_add_setpoint (self->controller, setpoint, &error);
  if (!ok)
    g_warning ("Setpoint not saved: %s", error->message);
}

static void
bd_setpoint_dialog_dispose (GObject *object)
{
  BdSetpointDialog *self = BD_SETPOINT_DIALOG (object);

  g_clear_object (&self->controller);
  g_clear_pointer (&self->editing_id, g_free);

  G_OBJECT_CLASS (bd_setpoint_dialog_parent_class)->dispose (object);
}

static void
bd_setpoint_dialog_class_init (BdSetpointDialogClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = bd_setpoint_dialog_dispose;
}

static void
bd_setpoint_dialog_init (BdSetpointDialog *self)
{
  const char *titles[N_FIELDS] = {
    _("Name"), _("Command Topic"), _("State Topic"), _("Unit"), _("JSON Path (empty: a plain number)"),
    _("Minimum"), _("Maximum"), _("Step"), _("Rate Limit (commands per second, 0: none)"),
    _("Timeout (seconds)"),
  };
  GtkWidget *list = gtk_list_box_new ();

  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  gtk_accessible_update_property (GTK_ACCESSIBLE (list), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Setpoint"), -1);
  for (guint i = 0; i < N_FIELDS; i++)
    {
      self->fields[i] = ADW_ENTRY_ROW (adw_entry_row_new ());
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->fields[i]), titles[i]);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->fields[i]), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      titles[i], -1);
      g_signal_connect_swapped (self->fields[i], "changed", G_CALLBACK (changed_cb), self);
      gtk_list_box_append (GTK_LIST_BOX (list), GTK_WIDGET (self->fields[i]));
    }
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (self), list);
  _bd_add_save_responses (ADW_MESSAGE_DIALOG (self));
  g_signal_connect (self, "response", G_CALLBACK (response_cb), NULL);
}

static void
set_number (AdwEntryRow *row,
            double       value)
{
  char text[G_ASCII_DTOSTR_BUF_SIZE];

  g_ascii_formatd (text, sizeof text, "%.12g", value);
  gtk_editable_set_text (GTK_EDITABLE (row), text);
}

BdSetpointDialog *
bd_setpoint_dialog_new (BdRelayController *controller,
                        BdSetpoint        *draft,
                        const char        *editing_id)
{
  BdSetpointDialog *self = g_object_new (BD_TYPE_SETPOINT_DIALOG,
                                         "heading", editing_id != NULL ? _("Edit Setpoint") : _("Add Setpoint"),
                                         NULL);
  const char *unit = bd_setpoint_get_unit (draft);
  const char *path = bd_setpoint_get_json_path (draft);

  self->controller = g_object_ref (controller);
  self->editing_id = g_strdup (editing_id);
  gtk_editable_set_text (GTK_EDITABLE (self->fields[FIELD_NAME]), bd_setpoint_get_name (draft));
  gtk_editable_set_text (GTK_EDITABLE (self->fields[FIELD_COMMAND]), bd_setpoint_get_command_topic (draft));
  gtk_editable_set_text (GTK_EDITABLE (self->fields[FIELD_STATE]), bd_setpoint_get_state_topic (draft));
  gtk_editable_set_text (GTK_EDITABLE (self->fields[FIELD_UNIT]), unit != NULL ? unit : "");
  gtk_editable_set_text (GTK_EDITABLE (self->fields[FIELD_JSON_PATH]), path != NULL ? path : "");
  set_number (self->fields[FIELD_MINIMUM], bd_setpoint_get_minimum (draft));
  set_number (self->fields[FIELD_MAXIMUM], bd_setpoint_get_maximum (draft));
  set_number (self->fields[FIELD_STEP], bd_setpoint_get_step (draft));
  set_number (self->fields[FIELD_RATE], bd_setpoint_get_rate_limit (draft));
  set_number (self->fields[FIELD_TIMEOUT], bd_setpoint_get_timeout (draft) / 1000.0);
  changed_cb (self);
  return self;
}
