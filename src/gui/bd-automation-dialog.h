/* bd-automation-dialog.h — the dialog that adds or edits an automation or an interlock
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "bd-automation-engine.h"

G_BEGIN_DECLS

#define BD_TYPE_AUTOMATION_DIALOG (bd_automation_dialog_get_type ())
G_DECLARE_FINAL_TYPE (BdAutomationDialog, bd_automation_dialog, BD, AUTOMATION_DIALOG, AdwMessageDialog)

/* @draft fills the fields; @editing_id NULL adds, otherwise Save replaces
 * the entry with that id. Save is enabled only while the fields describe a
 * valid entry; the body says what is wrong. Saving goes through @engine,
 * which writes automations.ini. */
BdAutomationDialog *bd_automation_dialog_new_automation (BdAutomationEngine *engine,
                                                         const BdAutomation *draft,
                                                         const char         *editing_id);
BdAutomationDialog *bd_automation_dialog_new_interlock  (BdAutomationEngine *engine,
                                                         const BdInterlock  *draft,
                                                         const char         *editing_id);

/* What keeps Save disabled, or NULL. */
const char         *bd_automation_dialog_get_problem    (BdAutomationDialog *self);

G_END_DECLS
