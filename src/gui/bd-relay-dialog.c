/* bd-relay-dialog.c — the dialog that adds or edits a relay
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Built in code rather than from a template: it is a plain form, and every
 * field needs the same wiring (validate on change, accessible name). The
 * form validates as you type; Save stays insensitive and the problem is
 * spelled out under the fields while anything is wrong, and the offending
 * field is marked.
 */

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "bd-gui-util.h"
#include "bd-relay-dialog.h"

struct _BdRelayDialog
{
  AdwWindow          parent_instance;

  BdRelayController *controller;
  char              *editing_id;

  AdwEntryRow       *name_row;
  AdwEntryRow       *command_row;
  AdwEntryRow       *state_row;
  AdwEntryRow       *on_row;
  AdwEntryRow       *off_row;
  AdwEntryRow       *state_on_row;
  AdwEntryRow       *state_off_row;
  AdwComboRow       *qos_row;
  GtkSwitch         *retain_switch;
  GtkSpinButton     *timeout_spin;
  GtkButton         *save_button;
  GtkLabel          *problem_label;
  char              *problem;
};

enum {
  SAVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (BdRelayDialog, bd_relay_dialog, ADW_TYPE_WINDOW)

static const char *
row_text (AdwEntryRow *row)
{
  return gtk_editable_get_text (GTK_EDITABLE (row));
}

/* Marks @bad (may be NULL) and clears the mark on the other rows. */
static void
mark_row (BdRelayDialog *self,
          AdwEntryRow   *bad)
{
  AdwEntryRow *rows[] = {
    self->name_row, self->command_row, self->state_row, self->on_row, self->off_row,
    self->state_on_row, self->state_off_row,
  };

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      _bd_widget_set_css_class (GTK_WIDGET (rows[i]), "error", rows[i] == bad);
    }
}

BdRelay *
bd_relay_dialog_dup_relay (BdRelayDialog  *self,
                           GError        **error)
{
  g_autoptr(BdRelay) relay = NULL;
  g_autofree char *name = NULL;
  g_autofree char *id = NULL;
  const char *state_on;
  const char *state_off;
  AdwEntryRow *bad = NULL;

  g_return_val_if_fail (BD_IS_RELAY_DIALOG (self), NULL);

  name = g_strstrip (g_strdup (row_text (self->name_row)));
  if (self->editing_id != NULL)
    id = g_strdup (self->editing_id);
  else if (self->controller != NULL)
    id = bd_relay_controller_dup_unique_id (self->controller, name);
  else
    id = g_strdup ("relay");

  relay = bd_relay_new (id, name, row_text (self->command_row), row_text (self->state_row));
  bd_relay_set_on_payload (relay, row_text (self->on_row));
  bd_relay_set_off_payload (relay, row_text (self->off_row));
  state_on = row_text (self->state_on_row);
  state_off = row_text (self->state_off_row);
  bd_relay_set_state_on (relay, *state_on != '\0' ? state_on : NULL);
  bd_relay_set_state_off (relay, *state_off != '\0' ? state_off : NULL);
  bd_relay_set_qos (relay, MIN (adw_combo_row_get_selected (self->qos_row), 2));
  bd_relay_set_retain_command (relay, gtk_switch_get_active (self->retain_switch));
  bd_relay_set_timeout (relay, MAX (1, (guint) (gtk_spin_button_get_value (self->timeout_spin) * 1000 + 0.5)));

  /* Field by field first, so the mark lands on the right row. */
  if (*name == '\0')
    bad = self->name_row;
  else if (!bd_relay_validate_topic (row_text (self->command_row), NULL))
    bad = self->command_row;
  else if (!bd_relay_validate_topic (row_text (self->state_row), NULL))
    bad = self->state_row;
  else if (g_str_equal (row_text (self->command_row), row_text (self->state_row)))
    bad = self->state_row;
  else if (*row_text (self->on_row) == '\0')
    bad = self->on_row;
  else if (*row_text (self->off_row) == '\0' || g_str_equal (row_text (self->on_row), row_text (self->off_row)))
    bad = self->off_row;
  else if (*state_off != '\0' || *state_on != '\0')
    bad = self->state_off_row;
  mark_row (self, NULL);

  if (!bd_relay_validate (relay, error))
    {
      mark_row (self, bad);
      return NULL;
    }
  return g_steal_pointer (&relay);
}

static void
validate (BdRelayDialog *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BdRelay) relay = bd_relay_dialog_dup_relay (self, &error);

  g_clear_pointer (&self->problem, g_free);
  if (relay == NULL)
    self->problem = g_strdup (error->message);
  _bd_show_message (self->problem_label, GTK_WIDGET (self->problem_label), self->problem);
  gtk_widget_set_sensitive (GTK_WIDGET (self->save_button), relay != NULL && self->controller != NULL);
}

const char *
bd_relay_dialog_get_problem (BdRelayDialog *self)
{
  g_return_val_if_fail (BD_IS_RELAY_DIALOG (self), NULL);
  return self->problem;
}

gboolean
bd_relay_dialog_save (BdRelayDialog *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BdRelay) relay = NULL;
  gboolean ok;

  g_return_val_if_fail (BD_IS_RELAY_DIALOG (self), FALSE);

  if (self->controller == NULL)
    return FALSE;
  relay = bd_relay_dialog_dup_relay (self, &error);
  if (relay == NULL)
    {
      validate (self);
      return FALSE;
    }
  if (self->editing_id != NULL)
    ok = bd_relay_controller_replace (self->controller, self->editing_id, relay, &error);
  else
    ok = bd_relay_controller_add (self->controller, relay, &error);
  if (!ok)
    {
      g_free (self->problem);
      self->problem = g_strdup (error->message);
      _bd_show_message (self->problem_label, GTK_WIDGET (self->problem_label), self->problem);
      return FALSE;
    }
  g_signal_emit (self, signals[SAVED], 0, relay);
  gtk_window_close (GTK_WINDOW (self));
  return TRUE;
}

static void
save_clicked_cb (BdRelayDialog *self)
{
  bd_relay_dialog_save (self);
}

static void
save_action_cb (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  bd_relay_dialog_save (BD_RELAY_DIALOG (widget));
}

static AdwEntryRow *
add_entry (BdRelayDialog        *self,
           AdwPreferencesGroup  *group,
           const char           *title)
{
  AdwEntryRow *row = ADW_ENTRY_ROW (adw_entry_row_new ());

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, title, -1);
  g_signal_connect_object (row, "changed", G_CALLBACK (validate), self, G_CONNECT_SWAPPED);
  /* Enter in any field saves, as in other GNOME dialogs. */
  adw_entry_row_set_activates_default (row, TRUE);
  adw_preferences_group_add (group, GTK_WIDGET (row));
  return row;
}

static void
bd_relay_dialog_dispose (GObject *object)
{
  BdRelayDialog *self = BD_RELAY_DIALOG (object);

  g_clear_weak_pointer (&self->controller);

  G_OBJECT_CLASS (bd_relay_dialog_parent_class)->dispose (object);
}

static void
bd_relay_dialog_finalize (GObject *object)
{
  BdRelayDialog *self = BD_RELAY_DIALOG (object);

  g_free (self->editing_id);
  g_free (self->problem);

  G_OBJECT_CLASS (bd_relay_dialog_parent_class)->finalize (object);
}

static void
bd_relay_dialog_class_init (BdRelayDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bd_relay_dialog_dispose;
  object_class->finalize = bd_relay_dialog_finalize;

  signals[SAVED] = g_signal_new ("saved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                 0, NULL, NULL, NULL, G_TYPE_NONE, 1, BD_TYPE_RELAY);

  gtk_widget_class_install_action (widget_class, "relay.save", NULL, save_action_cb);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK, "relay.save", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
bd_relay_dialog_init (BdRelayDialog *self)
{
  GtkWidget *save_button;
  AdwPreferencesPage *page;
  AdwPreferencesGroup *group;
  GtkWidget *row;
  GtkStringList *qos;

  /* Above the fields, not below them: always in view, however long the
   * form scrolls. */
  self->problem_label = _bd_error_label_new ();
  gtk_widget_set_margin_top (GTK_WIDGET (self->problem_label), 12);
  gtk_widget_set_margin_start (GTK_WIDGET (self->problem_label), 24);
  gtk_widget_set_margin_end (GTK_WIDGET (self->problem_label), 24);

  page = _bd_editor_window_fill (ADW_WINDOW (self), 520, 640, GTK_WIDGET (self->problem_label),
                                 &save_button);
  self->save_button = GTK_BUTTON (save_button);
  g_signal_connect_object (self->save_button, "clicked", G_CALLBACK (save_clicked_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_window_set_default_widget (GTK_WINDOW (self), GTK_WIDGET (self->save_button));

  group = _bd_add_preferences_group (page, NULL, NULL);
  self->name_row = add_entry (self, group, _("Name"));

  group = _bd_add_preferences_group (page,
                                     _("Topics"),
                                     _("Commands go to the command topic; the device confirms on "
                                       "the state topic."));
  self->command_row = add_entry (self, group, _("Command topic"));
  self->state_row = add_entry (self, group, _("State topic"));

  group = _bd_add_preferences_group (page,
                                     _("Payloads"),
                                     _("Leave the state payloads empty when the device reports "
                                       "what it was sent. ON/OFF, true/false and 1/0 are "
                                       "understood in any case."));
  self->on_row = add_entry (self, group, _("Command payload for on"));
  self->off_row = add_entry (self, group, _("Command payload for off"));
  self->state_on_row = add_entry (self, group, _("State payload for on (optional)"));
  self->state_off_row = add_entry (self, group, _("State payload for off (optional)"));

  group = _bd_add_preferences_group (page, _("Delivery"), NULL);
  qos = gtk_string_list_new (NULL);
  gtk_string_list_append (qos, _("0 — at most once"));
  gtk_string_list_append (qos, _("1 — at least once"));
  gtk_string_list_append (qos, _("2 — exactly once"));
  self->qos_row = ADW_COMBO_ROW (adw_combo_row_new ());
  adw_combo_row_set_model (self->qos_row, G_LIST_MODEL (qos));
  g_object_unref (qos);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->qos_row), _("Command QoS"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->qos_row), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Command QoS"), -1);
  adw_preferences_group_add (group, GTK_WIDGET (self->qos_row));

  row = _bd_switch_row_new (_("Retain commands"),
                            _("A device that connects later still gets the last command"),
                            &self->retain_switch);
  adw_preferences_group_add (group, row);

  row = adw_action_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Confirmation timeout (seconds)"));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row),
                               _("A command fails when the device has not confirmed it by then"));
  self->timeout_spin = GTK_SPIN_BUTTON (gtk_spin_button_new_with_range (0.1, 3600, 0.5));
  gtk_spin_button_set_digits (self->timeout_spin, 1);
  gtk_widget_set_valign (GTK_WIDGET (self->timeout_spin), GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->timeout_spin), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Confirmation timeout in seconds"), -1);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), GTK_WIDGET (self->timeout_spin));
  adw_preferences_group_add (group, row);
}

BdRelayDialog *
bd_relay_dialog_new (BdRelayController *controller,
                     BdRelay           *draft,
                     const char        *editing_id)
{
  BdRelayDialog *self;

  g_return_val_if_fail (controller == NULL || BD_IS_RELAY_CONTROLLER (controller), NULL);
  g_return_val_if_fail (BD_IS_RELAY (draft), NULL);

  self = g_object_new (BD_TYPE_RELAY_DIALOG,
                       "title", editing_id != NULL ? _("Edit Relay") : _("Add Relay"),
                       NULL);
  g_set_weak_pointer (&self->controller, controller);
  self->editing_id = g_strdup (editing_id);

  gtk_editable_set_text (GTK_EDITABLE (self->name_row), bd_relay_get_name (draft) ? bd_relay_get_name (draft) : "");
  gtk_editable_set_text (GTK_EDITABLE (self->command_row),
                         bd_relay_get_command_topic (draft) ? bd_relay_get_command_topic (draft) : "");
  gtk_editable_set_text (GTK_EDITABLE (self->state_row),
                         bd_relay_get_state_topic (draft) ? bd_relay_get_state_topic (draft) : "");
  gtk_editable_set_text (GTK_EDITABLE (self->on_row), bd_relay_get_on_payload (draft));
  gtk_editable_set_text (GTK_EDITABLE (self->off_row), bd_relay_get_off_payload (draft));
  gtk_editable_set_text (GTK_EDITABLE (self->state_on_row),
                         bd_relay_get_state_on (draft) ? bd_relay_get_state_on (draft) : "");
  gtk_editable_set_text (GTK_EDITABLE (self->state_off_row),
                         bd_relay_get_state_off (draft) ? bd_relay_get_state_off (draft) : "");
  adw_combo_row_set_selected (self->qos_row, bd_relay_get_qos (draft));
  gtk_switch_set_active (self->retain_switch, bd_relay_get_retain_command (draft));
  gtk_spin_button_set_value (self->timeout_spin, bd_relay_get_timeout (draft) / 1000.0);
  g_signal_connect_object (self->qos_row, "notify::selected", G_CALLBACK (validate), self,
                           G_CONNECT_SWAPPED);
  validate (self);
  return self;
}

/* The rule for "Add Relay…" on a topic in the tree:
 *   .../x/state → state topic as given, command topic .../x/set
 *   .../x/set   → command topic as given, state topic .../x/state
 *   anything else is taken as the state topic (the tree shows it, so a
 *   device publishes it) and the command topic is guessed as topic + "/set".
 * The name is the level that names the device ("x", or the last level).
 * Everything stays editable; this only saves typing. */
BdRelay *
bd_relay_dialog_draft_for_topic (const char *topic)
{
  g_autofree char *base = NULL;
  g_autofree char *command = NULL;
  g_autofree char *state = NULL;
  g_autofree char *name = NULL;
  const char *slash;

  g_return_val_if_fail (topic != NULL, NULL);

  if (g_str_has_suffix (topic, "/state") && strlen (topic) > strlen ("/state"))
    base = g_strndup (topic, strlen (topic) - strlen ("/state"));
  else if (g_str_has_suffix (topic, "/set") && strlen (topic) > strlen ("/set"))
    base = g_strndup (topic, strlen (topic) - strlen ("/set"));

  if (base != NULL)
    {
      command = g_strconcat (base, "/set", NULL);
      state = g_strconcat (base, "/state", NULL);
    }
  else
    {
      command = g_strconcat (topic, "/set", NULL);
      state = g_strdup (topic);
      base = g_strdup (topic);
    }
  slash = strrchr (base, '/');
  name = g_strdup (slash != NULL ? slash + 1 : base);
  return bd_relay_new (NULL, name, command, state);
}
