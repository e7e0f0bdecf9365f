/* bd-automation-proposal.c — an action an "ask" automation proposes
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "bd-automation-proposal.h"

struct _BdAutomationProposal
{
  GObject       parent_instance;

  BdAutomation *automation;   /* a copy: later edits do not change what was proposed */
  char         *action;
  char         *reason;
  char         *alarm_topic;
  gint64        time_us;
};

G_DEFINE_FINAL_TYPE (BdAutomationProposal, bd_automation_proposal, G_TYPE_OBJECT)

static void
bd_automation_proposal_finalize (GObject *object)
{
  BdAutomationProposal *self = BD_AUTOMATION_PROPOSAL (object);

  bd_automation_free (self->automation);
  g_free (self->action);
  g_free (self->reason);
  g_free (self->alarm_topic);

  G_OBJECT_CLASS (bd_automation_proposal_parent_class)->finalize (object);
}

static void
bd_automation_proposal_class_init (BdAutomationProposalClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = bd_automation_proposal_finalize;
}

static void
bd_automation_proposal_init (BdAutomationProposal *self)
{
}

BdAutomationProposal *
bd_automation_proposal_new (const BdAutomation *automation,
                            const char         *action_text,
                            const char         *reason,
                            const char         *alarm_topic)
{
  BdAutomationProposal *self = g_object_new (BD_TYPE_AUTOMATION_PROPOSAL, NULL);

  self->automation = bd_automation_copy (automation);
  self->action = g_strdup (action_text);
  self->reason = g_strdup (reason);
  self->alarm_topic = g_strdup (alarm_topic);
  self->time_us = g_get_real_time ();
  return self;
}

const BdAutomation *
bd_automation_proposal_get_automation (BdAutomationProposal *self)
{
  g_return_val_if_fail (BD_IS_AUTOMATION_PROPOSAL (self), NULL);
  return self->automation;
}

const char *
bd_automation_proposal_get_action (BdAutomationProposal *self)
{
  g_return_val_if_fail (BD_IS_AUTOMATION_PROPOSAL (self), NULL);
  return self->action;
}

const char *
bd_automation_proposal_get_reason (BdAutomationProposal *self)
{
  g_return_val_if_fail (BD_IS_AUTOMATION_PROPOSAL (self), NULL);
  return self->reason;
}

const char *
bd_automation_proposal_get_alarm_topic (BdAutomationProposal *self)
{
  g_return_val_if_fail (BD_IS_AUTOMATION_PROPOSAL (self), NULL);
  return self->alarm_topic;
}

gint64
bd_automation_proposal_get_time (BdAutomationProposal *self)
{
  g_return_val_if_fail (BD_IS_AUTOMATION_PROPOSAL (self), 0);
  return self->time_us;
}
