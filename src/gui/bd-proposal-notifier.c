/* bd-proposal-notifier.c — "ask" automations' proposals as desktop notifications
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An operator away from the window still sees what an automation proposes
 * and can answer from the notification. It follows the engine's proposals
 * model rather than the "proposed" signal, so that a proposal answered
 * elsewhere takes its notification away with it.
 */

#include "config.h"

#include <glib/gi18n.h>
#include <libnotify/notify.h>

#include "bd-proposal-notifier.h"

struct _BdProposalNotifier
{
  GObject             parent_instance;

  BdAutomationEngine *engine;
  GListModel         *proposals;
  GHashTable         *shown;    /* BdAutomationProposal* -> NotifyNotification* (owned refs) */
  gboolean            broken;
};

G_DEFINE_FINAL_TYPE (BdProposalNotifier, bd_proposal_notifier, G_TYPE_OBJECT)

static void
action_cb (NotifyNotification *notification,
           char               *action,
           gpointer            user_data)
{
  BdProposalNotifier *self = user_data;
  BdAutomationProposal *proposal = g_object_get_data (G_OBJECT (notification), "proposal");
  g_autoptr(GError) error = NULL;

  if (self->engine == NULL || proposal == NULL)
    return;
  /* The engine takes the proposal out of its model: the items-changed
   * handler closes this notification. */
  if (g_strcmp0 (action, "confirm") == 0)
    {
      if (!bd_automation_engine_confirm (self->engine, proposal, &error))
        g_message ("Proposal “%s” not carried out: %s",
                   bd_automation_proposal_get_action (proposal), error->message);
    }
  else
    bd_automation_engine_dismiss (self->engine, proposal);
}

static void
show_proposal (BdProposalNotifier   *self,
               BdAutomationProposal *proposal)
{
  const BdAutomation *automation = bd_automation_proposal_get_automation (proposal);
  g_autofree char *body = NULL;
  g_autoptr(GError) error = NULL;
  NotifyNotification *notification;

  if (self->broken || g_hash_table_contains (self->shown, proposal))
    return;
  /* Translators: the body of an automation's proposal: the action, then why */
  body = g_strdup_printf (_("%s?\n\n%s"), bd_automation_proposal_get_action (proposal),
                          bd_automation_proposal_get_reason (proposal));
  notification = notify_notification_new (automation->name, body, "dialog-question-symbolic");
  notify_notification_set_app_name (notification, _("Brokerdesk"));
  notify_notification_set_urgency (notification, NOTIFY_URGENCY_CRITICAL);
  /* Weak: the map below keeps the proposal while the notification shows. */
  g_object_set_data (G_OBJECT (notification), "proposal", proposal);
  notify_notification_add_action (notification, "dismiss", _("Dismiss"), action_cb, self, NULL);
  notify_notification_add_action (notification, "confirm", _("Confirm"), action_cb, self, NULL);
  g_hash_table_insert (self->shown, g_object_ref (proposal), notification);
  if (!notify_notification_show (notification, &error))
    {
      /* Expected without a desktop session; the window still asks. */
      g_debug ("No desktop notifications: %s", error->message);
      self->broken = TRUE;
    }
}

static void
items_changed_cb (GListModel         *proposals,
                  guint               position,
                  guint               removed,
                  guint               added,
                  BdProposalNotifier *self)
{
  g_autoptr(GHashTable) current = g_hash_table_new (NULL, NULL);
  g_autoptr(GPtrArray) gone = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer proposal;
  NotifyNotification *notification;

  for (guint i = 0; i < g_list_model_get_n_items (proposals); i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (proposals, i);

      g_hash_table_add (current, item);
    }
  g_hash_table_iter_init (&iter, self->shown);
  while (g_hash_table_iter_next (&iter, &proposal, (gpointer *) &notification))
    if (!g_hash_table_contains (current, proposal))
      {
        if (!self->broken)
          notify_notification_close (notification, NULL);
        g_ptr_array_add (gone, proposal);
      }
  for (guint i = 0; i < gone->len; i++)
    g_hash_table_remove (self->shown, g_ptr_array_index (gone, i));

  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(BdAutomationProposal) item = g_list_model_get_item (proposals, i);

      show_proposal (self, item);
    }
}

static void
bd_proposal_notifier_dispose (GObject *object)
{
  BdProposalNotifier *self = BD_PROPOSAL_NOTIFIER (object);

  if (self->proposals != NULL)
    g_signal_handlers_disconnect_by_data (self->proposals, self);
  g_clear_object (&self->proposals);
  g_clear_weak_pointer (&self->engine);
  if (self->shown != NULL)
    g_hash_table_remove_all (self->shown);

  G_OBJECT_CLASS (bd_proposal_notifier_parent_class)->dispose (object);
}

static void
bd_proposal_notifier_finalize (GObject *object)
{
  BdProposalNotifier *self = BD_PROPOSAL_NOTIFIER (object);

  g_clear_pointer (&self->shown, g_hash_table_unref);

  G_OBJECT_CLASS (bd_proposal_notifier_parent_class)->finalize (object);
}

static void
bd_proposal_notifier_class_init (BdProposalNotifierClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = bd_proposal_notifier_dispose;
  object_class->finalize = bd_proposal_notifier_finalize;
}

static void
bd_proposal_notifier_init (BdProposalNotifier *self)
{
  self->shown = g_hash_table_new_full (NULL, NULL, g_object_unref, g_object_unref);
}

BdProposalNotifier *
bd_proposal_notifier_new (BdAutomationEngine *engine)
{
  BdProposalNotifier *self;

  g_return_val_if_fail (BD_IS_AUTOMATION_ENGINE (engine), NULL);

  /* Once per process, shared with the alarm notifier. */
  if (!notify_is_initted () && !notify_init ("Brokerdesk"))
    g_debug ("libnotify could not be initialised; no desktop notifications");

  self = g_object_new (BD_TYPE_PROPOSAL_NOTIFIER, NULL);
  self->broken = !notify_is_initted ();
  g_set_weak_pointer (&self->engine, engine);
  self->proposals = g_object_ref (bd_automation_engine_get_proposals (engine));
  g_signal_connect (self->proposals, "items-changed", G_CALLBACK (items_changed_cb), self);
  /* Proposals made before the window opened. */
  items_changed_cb (self->proposals, 0, 0, g_list_model_get_n_items (self->proposals), self);
  return self;
}
