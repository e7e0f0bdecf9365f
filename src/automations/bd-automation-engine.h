/* bd-automation-engine.h — automations that answer alarms, and interlocks
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Fed by the alarm engine's "transition" signal, so an automation fires once
 * per transition, never once per message. It commands through the relay
 * controller (source "automation"), and puts its interlocks into the
 * controller's checks, so they judge every command whoever sends it.
 *
 * It belongs to the thread whose thread-default main context was current when
 * it was created, the same as the alarm engine's and the relay controller's
 * (the main thread in the window and in --headless): its signals, its
 * proposals model and the commands it sends live there. The rules are
 * evaluated on a thread of its own ("automations"), which it starts and
 * joins; only bd_automation_engine_feed () and
 * bd_automation_engine_condition_holds () may be called from other threads.
 * Files are read and written on workers.
 */

#pragma once

#include <gio/gio.h>

#include "bd-alarm-engine.h"
#include "bd-automation.h"
#include "bd-automation-proposal.h"
#include "bd-journal.h"
#include "bd-relay-controller.h"

G_BEGIN_DECLS

#define BD_TYPE_AUTOMATION_ENGINE (bd_automation_engine_get_type ())
G_DECLARE_FINAL_TYPE (BdAutomationEngine, bd_automation_engine, BD, AUTOMATION_ENGINE, GObject)

BdAutomationEngine *bd_automation_engine_new      (BdAlarmEngine      *alarms,
                                                   BdRelayController  *relays);
/* Every action, proposal, confirmation, dismissal and skip goes there. */
void        bd_automation_engine_set_journal      (BdAutomationEngine *self,
                                                   BdJournal          *journal);

/* Taps @engine for the topics conditions name, and publishes "publish"
 * actions there. */
void        bd_automation_engine_attach           (BdAutomationEngine *self,
                                                   BdEngine           *engine);
void        bd_automation_engine_detach           (BdAutomationEngine *self);
/* A BdTapFunc (@user_data: the engine) for the condition topics; any thread. */
void        bd_automation_engine_feed             (BdMessage          *message,
                                                   gpointer            user_data);

/* Copies of the entries (BdAutomation*, BdInterlock*); set_* replaces all
 * (invalid entries and repeated ids are skipped with a warning) and, with a
 * path, saves automations.ini on a worker. */
GPtrArray  *bd_automation_engine_dup_automations  (BdAutomationEngine *self);
GPtrArray  *bd_automation_engine_dup_interlocks   (BdAutomationEngine *self);
void        bd_automation_engine_set_automations  (BdAutomationEngine *self,
                                                   GPtrArray          *automations);
void        bd_automation_engine_set_interlocks   (BdAutomationEngine *self,
                                                   GPtrArray          *interlocks);

void        bd_automation_engine_set_path         (BdAutomationEngine *self,
                                                   const char         *path);
/* Reads @path on a worker and sets what loads (warnings name the skipped
 * entries); a missing file fails with G_FILE_ERROR_NOENT. */
void        bd_automation_engine_load_async       (BdAutomationEngine  *self,
                                                   const char          *path,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
gboolean    bd_automation_engine_load_finish      (BdAutomationEngine  *self,
                                                   GAsyncResult        *result,
                                                   char              ***warnings,
                                                   GError             **error);
/* Completes once what was set before the call is on disk. */
void        bd_automation_engine_save_async       (BdAutomationEngine  *self,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
gboolean    bd_automation_engine_save_finish      (BdAutomationEngine  *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);

/* What "ask" automations propose (BdAutomationProposal), oldest first. */
GListModel *bd_automation_engine_get_proposals    (BdAutomationEngine *self);
/* Acts as proposed (the checks still apply) and removes the proposal. */
gboolean    bd_automation_engine_confirm          (BdAutomationEngine   *self,
                                                   BdAutomationProposal *proposal,
                                                   GError              **error);
void        bd_automation_engine_dismiss          (BdAutomationEngine   *self,
                                                   BdAutomationProposal *proposal);

/* Whether @condition holds now (relay states, the last values of topics
 * the automations thread has taken in, the local time). Any thread. */
gboolean    bd_automation_engine_condition_holds  (BdAutomationEngine *self,
                                                   const BdCondition  *condition);

G_END_DECLS
