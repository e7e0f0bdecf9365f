/* bd-automation-proposal.h — an action an "ask" automation proposes
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "bd-automation.h"

G_BEGIN_DECLS

#define BD_TYPE_AUTOMATION_PROPOSAL (bd_automation_proposal_get_type ())
G_DECLARE_FINAL_TYPE (BdAutomationProposal, bd_automation_proposal, BD, AUTOMATION_PROPOSAL, GObject)

/* Immutable. @reason: the alarm transition that led to it, for people. */
BdAutomationProposal *bd_automation_proposal_new           (const BdAutomation   *automation,
                                                            const char           *action_text,
                                                            const char           *reason,
                                                            const char           *alarm_topic);
const BdAutomation   *bd_automation_proposal_get_automation (BdAutomationProposal *self);
/* "Switch Fan, packaging off" */
const char           *bd_automation_proposal_get_action    (BdAutomationProposal *self);
const char           *bd_automation_proposal_get_reason    (BdAutomationProposal *self);
const char           *bd_automation_proposal_get_alarm_topic (BdAutomationProposal *self);
gint64                bd_automation_proposal_get_time      (BdAutomationProposal *self);

G_END_DECLS
