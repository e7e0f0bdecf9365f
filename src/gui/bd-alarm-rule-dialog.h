/* bd-alarm-rule-dialog.h — a dialog to add or edit one alarm rule
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "bd-alarm-engine.h"

G_BEGIN_DECLS

#define BD_TYPE_ALARM_RULE_DIALOG (bd_alarm_rule_dialog_get_type ())
G_DECLARE_FINAL_TYPE (BdAlarmRuleDialog, bd_alarm_rule_dialog, BD, ALARM_RULE_DIALOG, AdwWindow)

/* Edits a copy of @rule (NULL: a new rule, its filter prefilled with @topic
 * when not NULL). Saving validates, then adds or replaces the rule in
 * @engine and closes; a problem is shown in the dialog, which stays open. */
GtkWidget   *bd_alarm_rule_dialog_new      (BdAlarmEngine     *engine,
                                            const BdAlarmRule *rule,
                                            const char        *topic);
/* The rule as entered; fails with a message naming the field. */
BdAlarmRule *bd_alarm_rule_dialog_dup_rule (BdAlarmRuleDialog *self,
                                            GError           **error);
/* What the Save button does; FALSE when the input was refused. */
gboolean     bd_alarm_rule_dialog_save     (BdAlarmRuleDialog *self);
/* The message shown for refused input, NULL when none. */
const char  *bd_alarm_rule_dialog_get_error (BdAlarmRuleDialog *self);

G_END_DECLS
