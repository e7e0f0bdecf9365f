/* bd-relay.c — one relay: a command topic, a state topic and their payloads
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "bd-relay-private.h"
#include "bd-topic.h"

struct _BdRelay
{
  GObject       parent_instance;

  char         *id;
  char         *name;
  char         *command_topic;
  char         *state_topic;
  char         *on_payload;
  char         *off_payload;
  char         *state_on;      /* NULL: same as on_payload */
  char         *state_off;     /* NULL: same as off_payload */
  guint         qos;
  gboolean      retain_command;
  guint         timeout_ms;

  BdRelayState  state;
  BdRelayState  target;
  char         *last_error;
  gint64        last_change_us;
};

enum {
  PROP_0,
  PROP_ID,
  PROP_NAME,
  PROP_COMMAND_TOPIC,
  PROP_STATE_TOPIC,
  PROP_ON_PAYLOAD,
  PROP_OFF_PAYLOAD,
  PROP_STATE_ON,
  PROP_STATE_OFF,
  PROP_QOS,
  PROP_RETAIN_COMMAND,
  PROP_TIMEOUT,
  PROP_STATE,
  PROP_PENDING,
  PROP_TARGET,
  PROP_LAST_ERROR,
  PROP_LAST_CHANGE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (BdRelay, bd_relay, G_TYPE_OBJECT)

G_DEFINE_QUARK (bd-relay-error-quark, bd_relay_error)

G_DEFINE_ENUM_TYPE (BdRelayState, bd_relay_state,
  G_DEFINE_ENUM_VALUE (BD_RELAY_STATE_UNKNOWN, "unknown"),
  G_DEFINE_ENUM_VALUE (BD_RELAY_STATE_OFF, "off"),
  G_DEFINE_ENUM_VALUE (BD_RELAY_STATE_ON, "on"))

/* Sets *@field and notifies when the value changed. */
static void
set_string (BdRelay     *self,
            char       **field,
            const char  *value,
            guint        prop)
{
  if (g_strcmp0 (*field, value) == 0)
    return;
  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

static void
bd_relay_finalize (GObject *object)
{
  BdRelay *self = BD_RELAY (object);

  g_free (self->id);
  g_free (self->name);
  g_free (self->command_topic);
  g_free (self->state_topic);
  g_free (self->on_payload);
  g_free (self->off_payload);
  g_free (self->state_on);
  g_free (self->state_off);
  g_free (self->last_error);

  G_OBJECT_CLASS (bd_relay_parent_class)->finalize (object);
}

static void
bd_relay_get_property (GObject    *object,
                       guint       prop_id,
                       GValue     *value,
                       GParamSpec *pspec)
{
  BdRelay *self = BD_RELAY (object);

  switch (prop_id)
    {
    case PROP_ID: g_value_set_string (value, self->id); break;
    case PROP_NAME: g_value_set_string (value, self->name); break;
    case PROP_COMMAND_TOPIC: g_value_set_string (value, self->command_topic); break;
    case PROP_STATE_TOPIC: g_value_set_string (value, self->state_topic); break;
    case PROP_ON_PAYLOAD: g_value_set_string (value, self->on_payload); break;
    case PROP_OFF_PAYLOAD: g_value_set_string (value, self->off_payload); break;
    case PROP_STATE_ON: g_value_set_string (value, self->state_on); break;
    case PROP_STATE_OFF: g_value_set_string (value, self->state_off); break;
    case PROP_QOS: g_value_set_uint (value, self->qos); break;
    case PROP_RETAIN_COMMAND: g_value_set_boolean (value, self->retain_command); break;
    case PROP_TIMEOUT: g_value_set_uint (value, self->timeout_ms); break;
    case PROP_STATE: g_value_set_enum (value, self->state); break;
    case PROP_PENDING: g_value_set_boolean (value, bd_relay_get_pending (self)); break;
    case PROP_TARGET: g_value_set_enum (value, self->target); break;
    case PROP_LAST_ERROR: g_value_set_string (value, self->last_error); break;
    case PROP_LAST_CHANGE: g_value_set_int64 (value, self->last_change_us); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bd_relay_set_property (GObject      *object,
                       guint         prop_id,
                       const GValue *value,
                       GParamSpec   *pspec)
{
  BdRelay *self = BD_RELAY (object);

  switch (prop_id)
    {
    case PROP_ID: bd_relay_set_id (self, g_value_get_string (value)); break;
    case PROP_NAME: bd_relay_set_name (self, g_value_get_string (value)); break;
    case PROP_COMMAND_TOPIC: bd_relay_set_command_topic (self, g_value_get_string (value)); break;
    case PROP_STATE_TOPIC: bd_relay_set_state_topic (self, g_value_get_string (value)); break;
    case PROP_ON_PAYLOAD: bd_relay_set_on_payload (self, g_value_get_string (value)); break;
    case PROP_OFF_PAYLOAD: bd_relay_set_off_payload (self, g_value_get_string (value)); break;
    case PROP_STATE_ON: bd_relay_set_state_on (self, g_value_get_string (value)); break;
    case PROP_STATE_OFF: bd_relay_set_state_off (self, g_value_get_string (value)); break;
    case PROP_QOS: bd_relay_set_qos (self, g_value_get_uint (value)); break;
    case PROP_RETAIN_COMMAND: bd_relay_set_retain_command (self, g_value_get_boolean (value)); break;
    case PROP_TIMEOUT: bd_relay_set_timeout (self, g_value_get_uint (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bd_relay_class_init (BdRelayClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->finalize = bd_relay_finalize;
  object_class->get_property = bd_relay_get_property;
  object_class->set_property = bd_relay_set_property;

  properties[PROP_ID] = g_param_spec_string ("id", NULL, NULL, NULL, rw);
  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, rw);
  properties[PROP_COMMAND_TOPIC] = g_param_spec_string ("command-topic", NULL, NULL, NULL, rw);
  properties[PROP_STATE_TOPIC] = g_param_spec_string ("state-topic", NULL, NULL, NULL, rw);
  properties[PROP_ON_PAYLOAD] = g_param_spec_string ("on-payload", NULL, NULL, "ON", rw);
  properties[PROP_OFF_PAYLOAD] = g_param_spec_string ("off-payload", NULL, NULL, "OFF", rw);
  properties[PROP_STATE_ON] = g_param_spec_string ("state-on", NULL, NULL, NULL, rw);
  properties[PROP_STATE_OFF] = g_param_spec_string ("state-off", NULL, NULL, NULL, rw);
  properties[PROP_QOS] = g_param_spec_uint ("qos", NULL, NULL, 0, 2, 1, rw);
  properties[PROP_RETAIN_COMMAND] = g_param_spec_boolean ("retain-command", NULL, NULL, FALSE, rw);
  properties[PROP_TIMEOUT] = g_param_spec_uint ("timeout", NULL, NULL, 1, G_MAXUINT,
                                                BD_RELAY_DEFAULT_TIMEOUT_MS, rw);
  properties[PROP_STATE] = g_param_spec_enum ("state", NULL, NULL, BD_TYPE_RELAY_STATE,
                                              BD_RELAY_STATE_UNKNOWN, ro);
  properties[PROP_PENDING] = g_param_spec_boolean ("pending", NULL, NULL, FALSE, ro);
  properties[PROP_TARGET] = g_param_spec_enum ("target", NULL, NULL, BD_TYPE_RELAY_STATE,
                                               BD_RELAY_STATE_UNKNOWN, ro);
  properties[PROP_LAST_ERROR] = g_param_spec_string ("last-error", NULL, NULL, NULL, ro);
  properties[PROP_LAST_CHANGE] = g_param_spec_int64 ("last-change", NULL, NULL, 0, G_MAXINT64, 0, ro);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
bd_relay_init (BdRelay *self)
{
  self->on_payload = g_strdup ("ON");
  self->off_payload = g_strdup ("OFF");
  /* QoS 1: a command lost on the way is worse than one delivered twice,
   * and switching a relay to the state it has is harmless. */
  self->qos = 1;
  self->timeout_ms = BD_RELAY_DEFAULT_TIMEOUT_MS;
}

BdRelay *
bd_relay_new (const char *id,
              const char *name,
              const char *command_topic,
              const char *state_topic)
{
  return g_object_new (BD_TYPE_RELAY,
                       "id", id,
                       "name", name,
                       "command-topic", command_topic,
                       "state-topic", state_topic,
                       NULL);
}

BdRelay *
bd_relay_copy (BdRelay *self)
{
  g_return_val_if_fail (BD_IS_RELAY (self), NULL);

  return g_object_new (BD_TYPE_RELAY,
                       "id", self->id,
                       "name", self->name,
                       "command-topic", self->command_topic,
                       "state-topic", self->state_topic,
                       "on-payload", self->on_payload,
                       "off-payload", self->off_payload,
                       "state-on", self->state_on,
                       "state-off", self->state_off,
                       "qos", self->qos,
                       "retain-command", self->retain_command,
                       "timeout", self->timeout_ms,
                       NULL);
}

#define STRING_ACCESSORS(field, PROP)                                   \
  const char *                                                          \
  bd_relay_get_##field (BdRelay *self)                                  \
  {                                                                     \
    g_return_val_if_fail (BD_IS_RELAY (self), NULL);                    \
    return self->field;                                                 \
  }                                                                     \
  void                                                                  \
  bd_relay_set_##field (BdRelay    *self,                               \
                        const char *value)                              \
  {                                                                     \
    g_return_if_fail (BD_IS_RELAY (self));                              \
    set_string (self, &self->field, value, PROP);                       \
  }

STRING_ACCESSORS (id, PROP_ID)
STRING_ACCESSORS (name, PROP_NAME)
STRING_ACCESSORS (command_topic, PROP_COMMAND_TOPIC)
STRING_ACCESSORS (state_topic, PROP_STATE_TOPIC)
STRING_ACCESSORS (state_on, PROP_STATE_ON)
STRING_ACCESSORS (state_off, PROP_STATE_OFF)

const char *
bd_relay_get_on_payload (BdRelay *self)
{
  g_return_val_if_fail (BD_IS_RELAY (self), NULL);
  return self->on_payload;
}

void
bd_relay_set_on_payload (BdRelay    *self,
                         const char *payload)
{
  g_return_if_fail (BD_IS_RELAY (self));
  set_string (self, &self->on_payload, payload != NULL ? payload : "", PROP_ON_PAYLOAD);
}

const char *
bd_relay_get_off_payload (BdRelay *self)
{
  g_return_val_if_fail (BD_IS_RELAY (self), NULL);
  return self->off_payload;
}

void
bd_relay_set_off_payload (BdRelay    *self,
                          const char *payload)
{
  g_return_if_fail (BD_IS_RELAY (self));
  set_string (self, &self->off_payload, payload != NULL ? payload : "", PROP_OFF_PAYLOAD);
}

guint
bd_relay_get_qos (BdRelay *self)
{
  g_return_val_if_fail (BD_IS_RELAY (self), 0);
  return self->qos;
}

void
bd_relay_set_qos (BdRelay *self,
                  guint    qos)
{
  g_return_if_fail (BD_IS_RELAY (self));
  g_return_if_fail (qos <= 2);
  if (self->qos == qos)
    return;
  self->qos = qos;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_QOS]);
}

gboolean
bd_relay_get_retain_command (BdRelay *self)
{
  g_return_val_if_fail (BD_IS_RELAY (self), FALSE);
  return self->retain_command;
}

void
bd_relay_set_retain_command (BdRelay  *self,
                             gboolean  retain)
{
  g_return_if_fail (BD_IS_RELAY (self));
  retain = !!retain;
  if (self->retain_command == retain)
    return;
  self->retain_command = retain;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RETAIN_COMMAND]);
}

guint
bd_relay_get_timeout (BdRelay *self)
{
  g_return_val_if_fail (BD_IS_RELAY (self), 0);
  return self->timeout_ms;
}

void
bd_relay_set_timeout (BdRelay *self,
                      guint    timeout_ms)
{
  g_return_if_fail (BD_IS_RELAY (self));
  g_return_if_fail (timeout_ms > 0);
  if (self->timeout_ms == timeout_ms)
    return;
  self->timeout_ms = timeout_ms;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TIMEOUT]);
}

BdRelayState
bd_relay_get_state (BdRelay *self)
{
  g_return_val_if_fail (BD_IS_RELAY (self), BD_RELAY_STATE_UNKNOWN);
  return self->state;
}

gboolean
bd_relay_get_pending (BdRelay *self)
{
  g_return_val_if_fail (BD_IS_RELAY (self), FALSE);
  return self->target != BD_RELAY_STATE_UNKNOWN;
}

BdRelayState
bd_relay_get_target (BdRelay *self)
{
  g_return_val_if_fail (BD_IS_RELAY (self), BD_RELAY_STATE_UNKNOWN);
  return self->target;
}

const char *
bd_relay_get_last_error (BdRelay *self)
{
  g_return_val_if_fail (BD_IS_RELAY (self), NULL);
  return self->last_error;
}

gint64
bd_relay_get_last_change (BdRelay *self)
{
  g_return_val_if_fail (BD_IS_RELAY (self), 0);
  return self->last_change_us;
}

void
_bd_relay_set_state (BdRelay      *self,
                     BdRelayState  state,
                     gint64        time_us)
{
  if (self->state == state)
    return;
  self->state = state;
  self->last_change_us = time_us;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_CHANGE]);
}

void
_bd_relay_set_target (BdRelay      *self,
                      BdRelayState  target)
{
  gboolean was_pending = bd_relay_get_pending (self);

  if (self->target == target)
    return;
  self->target = target;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TARGET]);
  if (was_pending != bd_relay_get_pending (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PENDING]);
}

void
_bd_relay_set_last_error (BdRelay    *self,
                          const char *message)
{
  set_string (self, &self->last_error, message, PROP_LAST_ERROR);
}

/* ------------------------------------------------------------- payloads */

static gboolean
payload_equals (const char   *expected,
                const guint8 *payload,
                gsize         len)
{
  return expected != NULL && strlen (expected) == len && memcmp (expected, payload, len) == 0;
}

BdRelayState
bd_relay_parse_state (BdRelay      *self,
                      const guint8 *payload,
                      gsize         len)
{
  static const char * const on_words[] = { "on", "true", "1", NULL };
  static const char * const off_words[] = { "off", "false", "0", NULL };
  const char *state_on;
  const char *state_off;
  g_autofree char *word = NULL;

  g_return_val_if_fail (BD_IS_RELAY (self), BD_RELAY_STATE_UNKNOWN);

  state_on = self->state_on != NULL ? self->state_on : self->on_payload;
  state_off = self->state_off != NULL ? self->state_off : self->off_payload;
  /* The configured payloads win, so a device that reports "0" for on (some
   * active-low boards do) can be described. */
  if (payload_equals (state_on, payload, len))
    return BD_RELAY_STATE_ON;
  if (payload_equals (state_off, payload, len))
    return BD_RELAY_STATE_OFF;

  if (len == 0 || len > 16 || memchr (payload, '\0', len) != NULL)
    return BD_RELAY_STATE_UNKNOWN;
  word = g_ascii_strdown ((const char *) payload, len);
  g_strstrip (word);
  if (g_strv_contains (on_words, word))
    return BD_RELAY_STATE_ON;
  if (g_strv_contains (off_words, word))
    return BD_RELAY_STATE_OFF;
  return BD_RELAY_STATE_UNKNOWN;
}

/* ----------------------------------------------------------- validation */

gboolean
bd_relay_validate_topic (const char  *topic,
                         GError     **error)
{
  if (topic == NULL || *topic == '\0')
    {
      g_set_error_literal (error, BD_RELAY_ERROR, BD_RELAY_ERROR_INVALID,
                           _("The topic is empty"));
      return FALSE;
    }
  if (!g_utf8_validate (topic, -1, NULL))
    {
      g_set_error_literal (error, BD_RELAY_ERROR, BD_RELAY_ERROR_INVALID,
                           _("The topic is not valid UTF-8"));
      return FALSE;
    }
  /* A PUBLISH topic name must not contain wildcards [MQTT-3.3.2-2]; a state
   * topic with one would also match more than one device. */
  if (!bd_topic_name_is_valid (topic))
    {
      g_set_error_literal (error, BD_RELAY_ERROR, BD_RELAY_ERROR_INVALID,
                           _("The topic must not contain the wildcards “+” or “#”"));
      return FALSE;
    }
  if (strlen (topic) > 65535)
    {
      g_set_error_literal (error, BD_RELAY_ERROR, BD_RELAY_ERROR_INVALID,
                           _("The topic is longer than 65535 bytes"));
      return FALSE;
    }
  return TRUE;
}

gboolean
_bd_relay_validate_topics (const char  *command_topic,
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
bd_relay_validate (BdRelay  *self,
                   GError  **error)
{
  g_return_val_if_fail (BD_IS_RELAY (self), FALSE);

  if (self->id == NULL || *self->id == '\0' || strpbrk (self->id, "[]\n\r") != NULL)
    {
      g_set_error_literal (error, BD_RELAY_ERROR, BD_RELAY_ERROR_INVALID,
                           _("The relay needs an id without brackets or line breaks"));
      return FALSE;
    }
  {
    g_autofree char *name = g_strstrip (g_strdup (self->name != NULL ? self->name : ""));

    if (*name == '\0')
      {
        g_set_error_literal (error, BD_RELAY_ERROR, BD_RELAY_ERROR_INVALID,
                             _("The relay needs a name"));
        return FALSE;
      }
  }
  if (!_bd_relay_validate_topics (self->command_topic, self->state_topic, error))
    return FALSE;
  /* An empty PUBLISH payload is how a retained message is deleted
   * [MQTT-3.3.1-10]; no device takes it as a command. */
  if (*self->on_payload == '\0' || *self->off_payload == '\0')
    {
      g_set_error_literal (error, BD_RELAY_ERROR, BD_RELAY_ERROR_INVALID,
                           _("The on and off payloads must not be empty"));
      return FALSE;
    }
  if (g_str_equal (self->on_payload, self->off_payload))
    {
      g_set_error_literal (error, BD_RELAY_ERROR, BD_RELAY_ERROR_INVALID,
                           _("The on and off payloads must differ"));
      return FALSE;
    }
  if (g_strcmp0 (self->state_on != NULL ? self->state_on : self->on_payload,
                 self->state_off != NULL ? self->state_off : self->off_payload) == 0)
    {
      g_set_error_literal (error, BD_RELAY_ERROR, BD_RELAY_ERROR_INVALID,
                           _("The on and off state payloads must differ"));
      return FALSE;
    }
  return TRUE;
}
