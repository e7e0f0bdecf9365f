/* bd-relay.c — one relay: a command topic, a state topic and their payloads
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "bd-output-private.h"
#include "bd-relay-private.h"
#include "bd-topic.h"

struct _BdRelay
{
  BdOutput      parent_instance;

  char         *on_payload;
  char         *off_payload;
  char         *state_on;      /* NULL: same as on_payload */
  char         *state_off;     /* NULL: same as off_payload */

  BdRelayState  state;
  BdRelayState  target;
};

enum {
  PROP_0,
  PROP_ON_PAYLOAD,
  PROP_OFF_PAYLOAD,
  PROP_STATE_ON,
  PROP_STATE_OFF,
  PROP_STATE,
  PROP_TARGET,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (BdRelay, bd_relay, BD_TYPE_OUTPUT)

G_DEFINE_QUARK (bd-relay-error-quark, bd_relay_error)

G_DEFINE_ENUM_TYPE (BdRelayState, bd_relay_state,
  G_DEFINE_ENUM_VALUE (BD_RELAY_STATE_UNKNOWN, "unknown"),
  G_DEFINE_ENUM_VALUE (BD_RELAY_STATE_OFF, "off"),
  G_DEFINE_ENUM_VALUE (BD_RELAY_STATE_ON, "on"))

static gboolean
bd_relay_real_get_pending (BdOutput *output)
{
  return BD_RELAY (output)->target != BD_RELAY_STATE_UNKNOWN;
}

static void
bd_relay_real_clear_target (BdOutput *output)
{
  _bd_relay_set_target (BD_RELAY (output), BD_RELAY_STATE_UNKNOWN);
}

static void
bd_relay_finalize (GObject *object)
{
  BdRelay *self = BD_RELAY (object);

  g_free (self->on_payload);
  g_free (self->off_payload);
  g_free (self->state_on);
  g_free (self->state_off);

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
    case PROP_ON_PAYLOAD: g_value_set_string (value, self->on_payload); break;
    case PROP_OFF_PAYLOAD: g_value_set_string (value, self->off_payload); break;
    case PROP_STATE_ON: g_value_set_string (value, self->state_on); break;
    case PROP_STATE_OFF: g_value_set_string (value, self->state_off); break;
    case PROP_STATE: g_value_set_enum (value, self->state); break;
    case PROP_TARGET: g_value_set_enum (value, self->target); break;
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
    case PROP_ON_PAYLOAD: bd_relay_set_on_payload (self, g_value_get_string (value)); break;
    case PROP_OFF_PAYLOAD: bd_relay_set_off_payload (self, g_value_get_string (value)); break;
    case PROP_STATE_ON: bd_relay_set_state_on (self, g_value_get_string (value)); break;
    case PROP_STATE_OFF: bd_relay_set_state_off (self, g_value_get_string (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bd_relay_class_init (BdRelayClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  BdOutputClass *output_class = BD_OUTPUT_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->finalize = bd_relay_finalize;
  object_class->get_property = bd_relay_get_property;
  object_class->set_property = bd_relay_set_property;
  output_class->get_pending = bd_relay_real_get_pending;
  output_class->clear_target = bd_relay_real_clear_target;
  /* bd_relay_validate () checks the instance's type, so it serves as is. */
  output_class->validate = (gboolean (*) (BdOutput *, GError **)) bd_relay_validate;

  properties[PROP_ON_PAYLOAD] = g_param_spec_string ("on-payload", NULL, NULL, "ON", rw);
  properties[PROP_OFF_PAYLOAD] = g_param_spec_string ("off-payload", NULL, NULL, "OFF", rw);
  properties[PROP_STATE_ON] = g_param_spec_string ("state-on", NULL, NULL, NULL, rw);
  properties[PROP_STATE_OFF] = g_param_spec_string ("state-off", NULL, NULL, NULL, rw);
  properties[PROP_STATE] = g_param_spec_enum ("state", NULL, NULL, BD_TYPE_RELAY_STATE,
                                              BD_RELAY_STATE_UNKNOWN, ro);
  properties[PROP_TARGET] = g_param_spec_enum ("target", NULL, NULL, BD_TYPE_RELAY_STATE,
                                               BD_RELAY_STATE_UNKNOWN, ro);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
bd_relay_init (BdRelay *self)
{
  self->on_payload = g_strdup ("ON");
  self->off_payload = g_strdup ("OFF");
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
  return BD_RELAY (bd_output_copy (BD_OUTPUT (self)));
}

_BD_OUTPUT_DEFINE_ACCESSORS (BdRelay, bd_relay, BD_IS_RELAY)

/* NULL payloads are stored as "": a relay always has both commands. */
#define PAYLOAD_ACCESSORS(field, PROP, fallback)                        \
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
    _bd_output_set_string (BD_OUTPUT (self), &self->field,              \
                           value != NULL ? value : fallback,            \
                           properties[PROP]);                           \
  }

PAYLOAD_ACCESSORS (on_payload, PROP_ON_PAYLOAD, "")
PAYLOAD_ACCESSORS (off_payload, PROP_OFF_PAYLOAD, "")
PAYLOAD_ACCESSORS (state_on, PROP_STATE_ON, NULL)
PAYLOAD_ACCESSORS (state_off, PROP_STATE_OFF, NULL)

BdRelayState
bd_relay_get_state (BdRelay *self)
{
  g_return_val_if_fail (BD_IS_RELAY (self), BD_RELAY_STATE_UNKNOWN);
  return self->state;
}

BdRelayState
bd_relay_get_target (BdRelay *self)
{
  g_return_val_if_fail (BD_IS_RELAY (self), BD_RELAY_STATE_UNKNOWN);
  return self->target;
}

void
_bd_relay_set_state (BdRelay      *self,
                     BdRelayState  state,
                     gint64        time_us)
{
  if (self->state == state)
    return;
  self->state = state;
  _bd_output_state_changed (BD_OUTPUT (self), properties[PROP_STATE], time_us);
}

void
_bd_relay_set_target (BdRelay      *self,
                      BdRelayState  target)
{
  gboolean was_pending = bd_relay_get_pending (self);

  if (self->target == target)
    return;
  self->target = target;
  _bd_output_target_changed (BD_OUTPUT (self), properties[PROP_TARGET], was_pending);
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
bd_relay_validate (BdRelay  *self,
                   GError  **error)
{
  g_return_val_if_fail (BD_IS_RELAY (self), FALSE);

  if (!_bd_output_validate (BD_OUTPUT (self), _("The relay needs an id without brackets or line breaks"),
                           _("The relay needs a name"), error))
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
