/* bd-proposal-notifier.h — "ask" automations' proposals as desktop notifications
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "bd-automation-engine.h"

G_BEGIN_DECLS

#define BD_TYPE_PROPOSAL_NOTIFIER (bd_proposal_notifier_get_type ())
G_DECLARE_FINAL_TYPE (BdProposalNotifier, bd_proposal_notifier, BD, PROPOSAL_NOTIFIER, GObject)

/* Shows a notification with Confirm and Dismiss for every proposal of
 * @engine, which call the engine as the window's prompt does; a proposal
 * answered anywhere (the window, the notification, a later transition)
 * withdraws its notification. Main thread only; without a notification
 * server it does nothing. */
BdProposalNotifier *bd_proposal_notifier_new (BdAutomationEngine *engine);

G_END_DECLS
