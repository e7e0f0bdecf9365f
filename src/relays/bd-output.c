/* bd-output.c — what relays and setpoints have in common
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "bd-output-private.h"
#include "bd-relay.h"

typedef struct
{
  char      *id;
  char      *name;
  char      *command_topic;
  char      *state_topic;
  guint      qos;
  guint      retain_command;   /* 0 or 1 */
  guint      timeout_ms;

  char      *last_error;
  gint64     last_change_us;
} BdOutputPrivate;

enum {
  PROP_0,
  PROP_ID,
  PROP_NAME,
  PROP_COMMAND_TOPIC,
  PROP_STATE_TOPIC,
  PROP_QOS,
  PROP_RETAIN_COMMAND,
  PROP_TIMEOUT,
  PROP_PENDING,
  PROP_LAST_ERROR,
  PROP_LAST_CHANGE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (BdOutput, bd_output, G_TYPE_OBJECT)

static void
bd_output_finalize (GObject *object)
{
  BdOutputPrivate *priv = bd_output_get_instance_private (BD_OUTPUT (object));

  g_free (priv->id);
  g_free (priv->name);
  g_free (priv->command_topic);
  g_free (priv->state_topic);
  g_free (priv->last_error);

  G_OBJECT_CLASS (bd_output_parent_class)->finalize (object);
}

static void
bd_output_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  BdOutput *self = BD_OUTPUT (object);
  BdOutputPrivate *priv = bd_output_get_instance_private (self);

  switch (prop_id)
    {
    case PROP_ID: g_value_set_string (value, priv->id); break;
    case PROP_NAME: g_value_set_string (value, priv->name); break;
    case PROP_COMMAND_TOPIC: g_value_set_string (value, priv->command_topic); break;
    case PROP_STATE_TOPIC: g_value_set_string (value, priv->state_topic); break;
    case PROP_QOS: g_value_set_uint (value, priv->qos); break;
    case PROP_RETAIN_COMMAND: g_value_set_boolean (value, priv->retain_command); break;
    case PROP_TIMEOUT: g_value_set_uint (value, priv->timeout_ms); break;
    case PROP_PENDING: g_value_set_boolean (value, bd_output_get_pending (self)); break;
    case PROP_LAST_ERROR: g_value_set_string (value, priv->last_error); break;
    case PROP_LAST_CHANGE: g_value_set_int64 (value, priv->last_change_us); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bd_output_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  BdOutput *self = BD_OUTPUT (object);

  switch (prop_id)
    {
    case PROP_ID: bd_output_set_id (self, g_value_get_string (value)); break;
    case PROP_NAME: bd_output_set_name (self, g_value_get_string (value)); break;
    case PROP_COMMAND_TOPIC: bd_output_set_command_topic (self, g_value_get_string (value)); break;
    case PROP_STATE_TOPIC: bd_output_set_state_topic (self, g_value_get_string (value)); break;
    case PROP_QOS: bd_output_set_qos (self, g_value_get_uint (value)); break;
    case PROP_RETAIN_COMMAND: bd_output_set_retain_command (self, g_value_get_boolean (value)); break;
    case PROP_TIMEOUT: bd_output_set_timeout (self, g_value_get_uint (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bd_output_class_init (BdOutputClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->finalize = bd_output_finalize;
  object_class->get_property = bd_output_get_property;
  object_class->set_property = bd_output_set_property;

  properties[PROP_ID] = g_param_spec_string ("id", NULL, NULL, NULL, rw);
  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, rw);
  properties[PROP_COMMAND_TOPIC] = g_param_spec_string ("command-topic", NULL, NULL, NULL, rw);
  properties[PROP_STATE_TOPIC] = g_param_spec_string ("state-topic", NULL, NULL, NULL, rw);
  properties[PROP_QOS] = g_param_spec_uint ("qos", NULL, NULL, 0, 2, 1, rw);
  properties[PROP_RETAIN_COMMAND] = g_param_spec_boolean ("retain-command", NULL, NULL, FALSE, rw);
  properties[PROP_TIMEOUT] = g_param_spec_uint ("timeout", NULL, NULL, 1, G_MAXUINT,
                                                BD_OUTPUT_DEFAULT_TIMEOUT_MS, rw);
  properties[PROP_PENDING] = g_param_spec_boolean ("pending", NULL, NULL, FALSE, ro);
  properties[PROP_LAST_ERROR] = g_param_spec_string ("last-error", NULL, NULL, NULL, ro);
  properties[PROP_LAST_CHANGE] = g_param_spec_int64 ("last-change", NULL, NULL, 0, G_MAXINT64, 0, ro);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
bd_output_init (BdOutput *self)
{
  BdOutputPrivate *priv = bd_output_get_instance_private (self);

  /* QoS 1: a command lost on the way is worse than one delivered twice,
   * and sending an output the state it has is harmless. */
  priv->qos = 1;
  priv->timeout_ms = BD_OUTPUT_DEFAULT_TIMEOUT_MS;
}

BdOutput *
bd_output_copy (BdOutput *self)
{
  g_autofree GParamSpec **pspecs = NULL;
  g_autofree const char **names = NULL;
  GValue *values;
  guint n_pspecs;
  guint n = 0;
  BdOutput *copy;

  g_return_val_if_fail (BD_IS_OUTPUT (self), NULL);

  pspecs = g_object_class_list_properties (G_OBJECT_GET_CLASS (self), &n_pspecs);
  names = g_new0 (const char *, n_pspecs);
  values = g_new0 (GValue, n_pspecs);
  for (guint i = 0; i < n_pspecs; i++)
    if ((pspecs[i]->flags & G_PARAM_READWRITE) == G_PARAM_READWRITE)
      {
        names[n] = pspecs[i]->name;
        g_value_init (&values[n], pspecs[i]->value_type);
        g_object_get_property (G_OBJECT (self), names[n], &values[n]);
        n++;
      }
  copy = BD_OUTPUT (g_object_new_with_properties (G_OBJECT_TYPE (self), n, names, values));
  for (guint i = 0; i < n; i++)
    g_value_unset (&values[i]);
  g_free (values);
  return copy;
}

#define GETTER(type, name, field, fallback)                             \
  type                                                                  \
  bd_output_get_##name (BdOutput *self)                                 \
  {                                                                     \
    BdOutputPrivate *priv = bd_output_get_instance_private (self);      \
                                                                        \
    g_return_val_if_fail (BD_IS_OUTPUT (self), fallback);               \
    return priv->field;                                                 \
  }

#define STRING_ACCESSORS(field, PROP)                                   \
  GETTER (const char *, field, field, NULL)                             \
  void                                                                  \
  bd_output_set_##field (BdOutput   *self,                              \
                         const char *value)                             \
  {                                                                     \
    BdOutputPrivate *priv = bd_output_get_instance_private (self);      \
                                                                        \
    g_return_if_fail (BD_IS_OUTPUT (self));                             \
    _bd_output_set_string (self, &priv->field, value, properties[PROP]); \
  }

STRING_ACCESSORS (id, PROP_ID)
STRING_ACCESSORS (name, PROP_NAME)
STRING_ACCESSORS (command_topic, PROP_COMMAND_TOPIC)
STRING_ACCESSORS (state_topic, PROP_STATE_TOPIC)
GETTER (guint, qos, qos, 0)
GETTER (gboolean, retain_command, retain_command, FALSE)
GETTER (guint, timeout, timeout_ms, 0)
GETTER (const char *, last_error, last_error, NULL)
GETTER (gint64, last_change, last_change_us, 0)

static void
set_uint (BdOutput *self,
          guint    *field,
          guint     value,
          guint     prop)
{
  if (*field == value)
    return;
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

void
bd_output_set_qos (BdOutput *self,
                   guint     qos)
{
  BdOutputPrivate *priv = bd_output_get_instance_private (self);

  g_return_if_fail (BD_IS_OUTPUT (self));
  g_return_if_fail (qos <= 2);
  set_uint (self, &priv->qos, qos, PROP_QOS);
}

void
bd_output_set_retain_command (BdOutput *self,
                              gboolean  retain)
{
  BdOutputPrivate *priv = bd_output_get_instance_private (self);

  g_return_if_fail (BD_IS_OUTPUT (self));
  set_uint (self, &priv->retain_command, !!retain, PROP_RETAIN_COMMAND);
}

void
bd_output_set_timeout (BdOutput *self,
                       guint     timeout_ms)
{
  BdOutputPrivate *priv = bd_output_get_instance_private (self);

  g_return_if_fail (BD_IS_OUTPUT (self));
  g_return_if_fail (timeout_ms > 0);
  set_uint (self, &priv->timeout_ms, timeout_ms, PROP_TIMEOUT);
}

gboolean
bd_output_get_pending (BdOutput *self)
{
  g_return_val_if_fail (BD_IS_OUTPUT (self), FALSE);
  return BD_OUTPUT_GET_CLASS (self)->get_pending (self);
}

gboolean
bd_output_validate (BdOutput  *self,
                    GError   **error)
{
  g_return_val_if_fail (BD_IS_OUTPUT (self), FALSE);
  return BD_OUTPUT_GET_CLASS (self)->validate (self, error);
}

/* ------------------------------------------------------------- private */

void
_bd_output_set_string (BdOutput    *self,
                       char       **field,
                       const char  *value,
                       GParamSpec  *pspec)
{
  if (g_strcmp0 (*field, value) == 0)
    return;
  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), pspec);
}

void
_bd_output_state_changed (BdOutput   *self,
                          GParamSpec *state_pspec,
                          gint64      time_us)
{
  BdOutputPrivate *priv = bd_output_get_instance_private (self);

  /* Set before the notifications, so a handler of either sees both. */
  priv->last_change_us = time_us;
  g_object_notify_by_pspec (G_OBJECT (self), state_pspec);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_CHANGE]);
}

void
_bd_output_target_changed (BdOutput   *self,
                           GParamSpec *target_pspec,
                           gboolean    was_pending)
{
  g_object_notify_by_pspec (G_OBJECT (self), target_pspec);
  if (was_pending != bd_output_get_pending (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PENDING]);
}

void
_bd_output_clear_target (BdOutput *self)
{
  BD_OUTPUT_GET_CLASS (self)->clear_target (self);
}

void
_bd_output_set_last_error (BdOutput   *self,
                           const char *message)
{
  BdOutputPrivate *priv = bd_output_get_instance_private (self);

  _bd_output_set_string (self, &priv->last_error, message, properties[PROP_LAST_ERROR]);
}

/* ----------------------------------------------------------- validation */

/* Valid topic names, and two different ones. */
static gboolean
validate_topics (const char  *command_topic,
                 const char  *state_topic,
                 GError     **error)
{
  if (!bd_relay_validate_topic (command_topic, error))
    {
      g_prefix_error (error, _("Command topic: "));
      return FALSE;
    }
  if (!bd_relay_validate_topic (state_topic, error))
    {
      g_prefix_error (error, _("State topic: "));
      return FALSE;
    }
  /* With one topic for both, our own command would "confirm" itself. */
  if (g_str_equal (command_topic, state_topic))
    {
      g_set_error_literal (error, BD_RELAY_ERROR, BD_RELAY_ERROR_INVALID,
                           _("The state topic must differ from the command topic, or every command would confirm itself"));
      return FALSE;
    }
  return TRUE;
}

gboolean
_bd_output_validate (BdOutput    *self,
                     const char  *no_id,
                     const char  *no_name,
                     GError     **error)
{
  BdOutputPrivate *priv = bd_output_get_instance_private (self);
  g_autofree char *name = g_strstrip (g_strdup (priv->name != NULL ? priv->name : ""));

  if (priv->id == NULL || *priv->id == '\0' || strpbrk (priv->id, "[]\n\r") != NULL)
    {
      g_set_error_literal (error, BD_RELAY_ERROR, BD_RELAY_ERROR_INVALID, no_id);
      return FALSE;
    }
  if (*name == '\0')
    {
      g_set_error_literal (error, BD_RELAY_ERROR, BD_RELAY_ERROR_INVALID, no_name);
      return FALSE;
    }
  return validate_topics (priv->command_topic, priv->state_topic, error);
}
