/* bd-connection-manager.c — which broker the console shows, and its client
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Switching to a profile takes one keyring round trip, so the old client
 * keeps running until the new one exists; then they are swapped and the
 * signal is emitted *before* the new client starts, so a tap added by a
 * handler sees the retained messages that arrive right after the SUBSCRIBE.
 */

#include "config.h"

#include "bd-connection-manager.h"

struct _BdConnectionManager
{
  GObject               parent_instance;

  BdConnectionProfiles *profiles;
  char                 *active_id;
  BdConnectionProfile  *active_profile;
  BdRemoteClient       *client;
  GCancellable         *lookup;        /* the pending password lookup */
};

enum {
  PROP_0,
  PROP_ACTIVE_ID,
  PROP_REMOTE_CLIENT,
  N_PROPS
};

enum {
  ACTIVE_CONNECTION_CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (BdConnectionManager, bd_connection_manager, G_TYPE_OBJECT)

static void
set_client (BdConnectionManager *self,
            BdRemoteClient      *client)
{
  g_autoptr(BdRemoteClient) old = g_steal_pointer (&self->client);

  if (old != NULL)
    bd_remote_client_stop (old);
  self->client = client != NULL ? g_object_ref (client) : NULL;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REMOTE_CLIENT]);
  g_signal_emit (self, signals[ACTIVE_CONNECTION_CHANGED], 0, self->client);
  if (self->client != NULL)
    bd_remote_client_start (self->client);
}

static void
set_active_id (BdConnectionManager *self,
               const char          *id)
{
  const BdConnectionProfile *profile = id ? bd_connection_profiles_lookup (self->profiles, id)
                                          : NULL;

  g_clear_pointer (&self->active_profile, bd_connection_profile_free);
  if (profile != NULL)
    self->active_profile = bd_connection_profile_copy (profile);
  if (g_strcmp0 (self->active_id, id) == 0)
    return;
  g_free (self->active_id);
  self->active_id = g_strdup (id);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ACTIVE_ID]);
}

static void
lookup_password_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      data)
{
  g_autoptr(BdConnectionManager) self = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *password = NULL;
  g_autoptr(BdRemoteConfig) config = NULL;
  g_autoptr(BdRemoteClient) client = NULL;

  password = bd_connection_profiles_lookup_password_finish (BD_CONNECTION_PROFILES (object),
                                                            result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->lookup);
  if (self->active_profile == NULL)
    return;

  /* Without a password (none saved, or no keyring) the broker decides;
   * its refusal is shown as the connection's state. */
  config = bd_connection_profile_to_config (self->active_profile, password);
  client = bd_remote_client_new (config);
  set_client (self, client);
}

static void
on_profiles_changed_cb (BdConnectionManager  *self,
                        BdConnectionProfiles *profiles)
{
  const BdConnectionProfile *profile;

  if (self->active_id == NULL)
    return;
  profile = bd_connection_profiles_lookup (profiles, self->active_id);
  if (profile == NULL)
    {
      /* The active profile was deleted: back to the embedded broker. */
      bd_connection_manager_activate (self, NULL);
      return;
    }
  /* A rename shows at once; other edits take effect on the next activation. */
  if (self->active_profile != NULL && g_strcmp0 (self->active_profile->name, profile->name) != 0)
    {
      g_free (self->active_profile->name);
      self->active_profile->name = g_strdup (profile->name);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ACTIVE_ID]);
    }
}

static void
bd_connection_manager_dispose (GObject *object)
{
  BdConnectionManager *self = BD_CONNECTION_MANAGER (object);

  g_cancellable_cancel (self->lookup);
  g_clear_object (&self->lookup);
  if (self->client != NULL)
    bd_remote_client_stop (self->client);
  g_clear_object (&self->client);
  g_clear_object (&self->profiles);

  G_OBJECT_CLASS (bd_connection_manager_parent_class)->dispose (object);
}

static void
bd_connection_manager_finalize (GObject *object)
{
  BdConnectionManager *self = BD_CONNECTION_MANAGER (object);

  g_free (self->active_id);
  bd_connection_profile_free (self->active_profile);

  G_OBJECT_CLASS (bd_connection_manager_parent_class)->finalize (object);
}

static void
bd_connection_manager_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  BdConnectionManager *self = BD_CONNECTION_MANAGER (object);

  switch (prop_id)
    {
    case PROP_ACTIVE_ID:
      g_value_set_string (value, self->active_id);
      break;
    case PROP_REMOTE_CLIENT:
      g_value_set_object (value, self->client);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bd_connection_manager_class_init (BdConnectionManagerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = bd_connection_manager_dispose;
  object_class->finalize = bd_connection_manager_finalize;
  object_class->get_property = bd_connection_manager_get_property;

  properties[PROP_ACTIVE_ID] =
    g_param_spec_string ("active-id", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_REMOTE_CLIENT] =
    g_param_spec_object ("remote-client", NULL, NULL, BD_TYPE_REMOTE_CLIENT,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* (BdRemoteClient *client): the new source of messages, NULL for the
   * embedded broker. Emitted before the client starts connecting. */
  signals[ACTIVE_CONNECTION_CHANGED] =
    g_signal_new ("active-connection-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, BD_TYPE_REMOTE_CLIENT);
}

static void
bd_connection_manager_init (BdConnectionManager *self)
{
}

BdConnectionManager *
bd_connection_manager_new (BdConnectionProfiles *profiles)
{
  BdConnectionManager *self;

  g_return_val_if_fail (BD_IS_CONNECTION_PROFILES (profiles), NULL);

  self = g_object_new (BD_TYPE_CONNECTION_MANAGER, NULL);
  self->profiles = g_object_ref (profiles);
  g_signal_connect_object (profiles, "changed", G_CALLBACK (on_profiles_changed_cb), self,
                           G_CONNECT_SWAPPED);
  return self;
}

BdConnectionProfiles *
bd_connection_manager_get_profiles (BdConnectionManager *self)
{
  g_return_val_if_fail (BD_IS_CONNECTION_MANAGER (self), NULL);
  return self->profiles;
}

void
bd_connection_manager_start (BdConnectionManager *self)
{
  const BdConnectionProfile *profile;

  g_return_if_fail (BD_IS_CONNECTION_MANAGER (self));

  profile = bd_connection_profiles_get_auto_connect (self->profiles);
  if (profile != NULL)
    bd_connection_manager_activate (self, profile->id);
}

void
bd_connection_manager_stop (BdConnectionManager *self)
{
  g_return_if_fail (BD_IS_CONNECTION_MANAGER (self));

  bd_connection_manager_activate (self, NULL);
}

void
bd_connection_manager_activate (BdConnectionManager *self,
                                const char          *profile_id)
{
  g_return_if_fail (BD_IS_CONNECTION_MANAGER (self));

  g_cancellable_cancel (self->lookup);
  g_clear_object (&self->lookup);

  if (profile_id != NULL && bd_connection_profiles_lookup (self->profiles, profile_id) == NULL)
    {
      g_warning ("No connection profile %s", profile_id);
      return;
    }

  set_active_id (self, profile_id);
  if (profile_id == NULL)
    {
      if (self->client != NULL)
        set_client (self, NULL);
      return;
    }

  self->lookup = g_cancellable_new ();
  bd_connection_profiles_lookup_password_async (self->profiles, profile_id, self->lookup,
                                                lookup_password_cb, g_object_ref (self));
}

const char *
bd_connection_manager_get_active_id (BdConnectionManager *self)
{
  g_return_val_if_fail (BD_IS_CONNECTION_MANAGER (self), NULL);
  return self->active_id;
}

const BdConnectionProfile *
bd_connection_manager_get_active_profile (BdConnectionManager *self)
{
  g_return_val_if_fail (BD_IS_CONNECTION_MANAGER (self), NULL);
  return self->active_profile;
}

BdRemoteClient *
bd_connection_manager_get_remote_client (BdConnectionManager *self)
{
  g_return_val_if_fail (BD_IS_CONNECTION_MANAGER (self), NULL);
  return self->client;
}
