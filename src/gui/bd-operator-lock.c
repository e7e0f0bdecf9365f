/* bd-operator-lock.c — the window locked to viewing
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Locked, the window still shows everything and alarms can be
 * acknowledged, but what changes the plant or the broker needs the PIN.
 * Relay and setpoint commands are refused in the relay controller's own
 * check, so every way the window has of sending one (the Relays page, the
 * Overview, the publish panel) is covered, with the reason in the refusal.
 * The PIN is kept only as a salted PBKDF2 hash.
 */

#include "config.h"

#include <glib/gi18n.h>

#include <adwaita.h>

#include "bd-auth.h"
#include "bd-gui-util.h"
#include "bd-operator-lock.h"
#include "bd-settings.h"

struct _BdOperatorLock
{
  GObject    parent_instance;

  GSettings *settings;
  /* Read by the relay check, which runs on the controller's thread. */
  gint       locked;
};

enum {
  PROP_0,
  PROP_LOCKED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (BdOperatorLock, bd_operator_lock, G_TYPE_OBJECT)

static BdOperatorLock *default_lock;   /* weak */

void
bd_operator_lock_set_default (BdOperatorLock *lock)
{
  g_set_weak_pointer (&default_lock, lock);
}

gboolean
bd_operator_lock_refuses (GtkWidget *widget)
{
  if (default_lock == NULL || !bd_operator_lock_get_locked (default_lock))
    return FALSE;
  _bd_show_toast (widget, adw_toast_new (_("The window is locked to viewing: unlock it with the "
                                           "operator PIN to change this")));
  return TRUE;
}

static gboolean
check_command (BdRelayController    *controller,
               const BdRelayCommand *command,
               gpointer              user_data,
               GError              **error)
{
  BdOperatorLock *self = user_data;

  if (!g_atomic_int_get (&self->locked) || command->source == BD_RELAY_SOURCE_AUTOMATION)
    return TRUE;
  g_set_error_literal (error, BD_RELAY_ERROR, BD_RELAY_ERROR_BLOCKED,
                       _("the window is locked to viewing; unlock it with the PIN to send "
                         "commands"));
  return FALSE;
}

void
bd_operator_lock_guard_relays (BdOperatorLock    *self,
                               BdRelayController *relays)
{
  g_return_if_fail (BD_IS_OPERATOR_LOCK (self));
  g_return_if_fail (BD_IS_RELAY_CONTROLLER (relays));

  bd_relay_controller_add_check (relays, check_command, g_object_ref (self), g_object_unref);
}

gboolean
bd_operator_lock_has_pin (BdOperatorLock *self)
{
  g_autofree char *hash = NULL;

  g_return_val_if_fail (BD_IS_OPERATOR_LOCK (self), FALSE);

  hash = g_settings_get_string (self->settings, BD_SETTINGS_OPERATOR_PIN);
  return *hash != '\0';
}

static void
set_locked (BdOperatorLock *self,
            gboolean        locked)
{
  if (g_atomic_int_get (&self->locked) == locked)
    return;
  g_atomic_int_set (&self->locked, locked);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOCKED]);
}

gboolean
bd_operator_lock_set_pin (BdOperatorLock  *self,
                          const char      *pin,
                          GError         **error)
{
  g_autofree char *hash = NULL;

  g_return_val_if_fail (BD_IS_OPERATOR_LOCK (self), FALSE);

  if (pin == NULL || *pin == '\0')
    {
      g_settings_set_string (self->settings, BD_SETTINGS_OPERATOR_PIN, "");
      set_locked (self, FALSE);
      return TRUE;
    }
  hash = bd_auth_hash_password (pin, error);
  if (hash == NULL)
    return FALSE;
  g_settings_set_string (self->settings, BD_SETTINGS_OPERATOR_PIN, hash);
  return TRUE;
}

gboolean
bd_operator_lock_get_locked (BdOperatorLock *self)
{
  g_return_val_if_fail (BD_IS_OPERATOR_LOCK (self), FALSE);

  return g_atomic_int_get (&self->locked);
}

gboolean
bd_operator_lock_lock (BdOperatorLock *self)
{
  g_return_val_if_fail (BD_IS_OPERATOR_LOCK (self), FALSE);

  if (!bd_operator_lock_has_pin (self))
    return FALSE;
  set_locked (self, TRUE);
  return TRUE;
}

gboolean
bd_operator_lock_unlock (BdOperatorLock *self,
                         const char     *pin)
{
  g_autofree char *hash = NULL;

  g_return_val_if_fail (BD_IS_OPERATOR_LOCK (self), FALSE);

  hash = g_settings_get_string (self->settings, BD_SETTINGS_OPERATOR_PIN);
  if (*hash != '\0' && (pin == NULL || !bd_auth_check_hash (hash, pin)))
    return FALSE;
  set_locked (self, FALSE);
  return TRUE;
}

static void
bd_operator_lock_dispose (GObject *object)
{
  BdOperatorLock *self = BD_OPERATOR_LOCK (object);

  g_clear_object (&self->settings);

  G_OBJECT_CLASS (bd_operator_lock_parent_class)->dispose (object);
}

static void
bd_operator_lock_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  BdOperatorLock *self = BD_OPERATOR_LOCK (object);

  switch (prop_id)
    {
    case PROP_LOCKED:
      g_value_set_boolean (value, bd_operator_lock_get_locked (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bd_operator_lock_class_init (BdOperatorLockClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = bd_operator_lock_dispose;
  object_class->get_property = bd_operator_lock_get_property;

  properties[PROP_LOCKED] =
    g_param_spec_boolean ("locked", NULL, NULL, FALSE,
                          (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
bd_operator_lock_init (BdOperatorLock *self)
{
}

BdOperatorLock *
bd_operator_lock_new (GSettings *settings)
{
  BdOperatorLock *self;

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (BD_TYPE_OPERATOR_LOCK, NULL);
  self->settings = g_object_ref (settings);
  return self;
}
