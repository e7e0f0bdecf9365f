/* bd-setpoint.c — one setpoint: an analog output driven by a number
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "bd-payload.h"
#include "bd-relay-private.h"
#include "bd-setpoint-private.h"

struct _BdSetpoint
{
  GObject   parent_instance;

  char     *id;
  char     *name;
  char     *command_topic;
  char     *state_topic;
  char     *unit;
  char     *json_path;
  double    minimum;
  double    maximum;
  double    step;
  double    rate_limit;
  double    tolerance;
  guint     qos;
  gboolean  retain_command;
  guint     timeout_ms;

  double    value;
  double    target;
  char     *last_error;
  gint64    last_change_us;
};

enum {
  PROP_0,
  PROP_ID,
  PROP_NAME,
  PROP_COMMAND_TOPIC,
  PROP_STATE_TOPIC,
  PROP_UNIT,
  PROP_JSON_PATH,
  PROP_MINIMUM,
  PROP_MAXIMUM,
  PROP_STEP,
  PROP_RATE_LIMIT,
  PROP_TOLERANCE,
  PROP_QOS,
  PROP_RETAIN_COMMAND,
  PROP_TIMEOUT,
  PROP_VALUE,
  PROP_PENDING,
  PROP_TARGET,
  PROP_LAST_ERROR,
  PROP_LAST_CHANGE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (BdSetpoint, bd_setpoint, G_TYPE_OBJECT)

static void
set_string (BdSetpoint  *self,
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

/* NAN == NAN here: "unknown" to "unknown" is no change. */
static void
set_double (BdSetpoint *self,
            double     *field,
            double      value,
            guint       prop)
{
  if (*field == value || (isnan (*field) && isnan (value)))
    return;
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

static void
bd_setpoint_finalize (GObject *object)
{
  BdSetpoint *self = BD_SETPOINT (object);

  g_free (self->id);
  g_free (self->name);
  g_free (self->command_topic);
  g_free (self->state_topic);
  g_free (self->unit);
  g_free (self->json_path);
  g_free (self->last_error);

  G_OBJECT_CLASS (bd_setpoint_parent_class)->finalize (object);
}

static void
bd_setpoint_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  BdSetpoint *self = BD_SETPOINT (object);

  switch (prop_id)
    {
    case PROP_ID: g_value_set_string (value, self->id); break;
    case PROP_NAME: g_value_set_string (value, self->name); break;
    case PROP_COMMAND_TOPIC: g_value_set_string (value, self->command_topic); break;
    case PROP_STATE_TOPIC: g_value_set_string (value, self->state_topic); break;
    case PROP_UNIT: g_value_set_string (value, self->unit); break;
    case PROP_JSON_PATH: g_value_set_string (value, self->json_path); break;
    case PROP_MINIMUM: g_value_set_double (value, self->minimum); break;
    case PROP_MAXIMUM: g_value_set_double (value, self->maximum); break;
    case PROP_STEP: g_value_set_double (value, self->step); break;
    case PROP_RATE_LIMIT: g_value_set_double (value, self->rate_limit); break;
    case PROP_TOLERANCE: g_value_set_double (value, self->tolerance); break;
    case PROP_QOS: g_value_set_uint (value, self->qos); break;
    case PROP_RETAIN_COMMAND: g_value_set_boolean (value, self->retain_command); break;
    case PROP_TIMEOUT: g_value_set_uint (value, self->timeout_ms); break;
    case PROP_VALUE: g_value_set_double (value, self->value); break;
    case PROP_PENDING: g_value_set_boolean (value, bd_setpoint_get_pending (self)); break;
    case PROP_TARGET: g_value_set_double (value, self->target); break;
    case PROP_LAST_ERROR: g_value_set_string (value, self->last_error); break;
    case PROP_LAST_CHANGE: g_value_set_int64 (value, self->last_change_us); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bd_setpoint_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  BdSetpoint *self = BD_SETPOINT (object);

  switch (prop_id)
    {
    case PROP_ID: bd_setpoint_set_id (self, g_value_get_string (value)); break;
    case PROP_NAME: bd_setpoint_set_name (self, g_value_get_string (value)); break;
    case PROP_COMMAND_TOPIC: bd_setpoint_set_command_topic (self, g_value_get_string (value)); break;
    case PROP_STATE_TOPIC: bd_setpoint_set_state_topic (self, g_value_get_string (value)); break;
    case PROP_UNIT: bd_setpoint_set_unit (self, g_value_get_string (value)); break;
    case PROP_JSON_PATH: bd_setpoint_set_json_path (self, g_value_get_string (value)); break;
    case PROP_MINIMUM: bd_setpoint_set_minimum (self, g_value_get_double (value)); break;
    case PROP_MAXIMUM: bd_setpoint_set_maximum (self, g_value_get_double (value)); break;
    case PROP_STEP: bd_setpoint_set_step (self, g_value_get_double (value)); break;
    case PROP_RATE_LIMIT: bd_setpoint_set_rate_limit (self, g_value_get_double (value)); break;
    case PROP_TOLERANCE: bd_setpoint_set_tolerance (self, g_value_get_double (value)); break;
    case PROP_QOS: bd_setpoint_set_qos (self, g_value_get_uint (value)); break;
    case PROP_RETAIN_COMMAND: bd_setpoint_set_retain_command (self, g_value_get_boolean (value)); break;
    case PROP_TIMEOUT: bd_setpoint_set_timeout (self, g_value_get_uint (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bd_setpoint_class_init (BdSetpointClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->finalize = bd_setpoint_finalize;
  object_class->get_property = bd_setpoint_get_property;
  object_class->set_property = bd_setpoint_set_property;

  properties[PROP_ID] = g_param_spec_string ("id", NULL, NULL, NULL, rw);
  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, rw);
  properties[PROP_COMMAND_TOPIC] = g_param_spec_string ("command-topic", NULL, NULL, NULL, rw);
  properties[PROP_STATE_TOPIC] = g_param_spec_string ("state-topic", NULL, NULL, NULL, rw);
  properties[PROP_UNIT] = g_param_spec_string ("unit", NULL, NULL, NULL, rw);
  properties[PROP_JSON_PATH] = g_param_spec_string ("json-path", NULL, NULL, NULL, rw);
  properties[PROP_MINIMUM] = g_param_spec_double ("minimum", NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 0, rw);
  properties[PROP_MAXIMUM] = g_param_spec_double ("maximum", NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 100, rw);
  properties[PROP_STEP] = g_param_spec_double ("step", NULL, NULL, 0, G_MAXDOUBLE, 1, rw);
  properties[PROP_RATE_LIMIT] = g_param_spec_double ("rate-limit", NULL, NULL, 0, G_MAXDOUBLE, 0, rw);
  properties[PROP_TOLERANCE] = g_param_spec_double ("tolerance", NULL, NULL, -1, G_MAXDOUBLE, -1, rw);
  properties[PROP_QOS] = g_param_spec_uint ("qos", NULL, NULL, 0, 2, 1, rw);
  properties[PROP_RETAIN_COMMAND] = g_param_spec_boolean ("retain-command", NULL, NULL, FALSE, rw);
  properties[PROP_TIMEOUT] = g_param_spec_uint ("timeout", NULL, NULL, 1, G_MAXUINT,
                                                BD_SETPOINT_DEFAULT_TIMEOUT_MS, rw);
  properties[PROP_VALUE] = g_param_spec_double ("value", NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 0, ro);
  properties[PROP_PENDING] = g_param_spec_boolean ("pending", NULL, NULL, FALSE, ro);
  properties[PROP_TARGET] = g_param_spec_double ("target", NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 0, ro);
  properties[PROP_LAST_ERROR] = g_param_spec_string ("last-error", NULL, NULL, NULL, ro);
  properties[PROP_LAST_CHANGE] = g_param_spec_int64 ("last-change", NULL, NULL, 0, G_MAXINT64, 0, ro);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
bd_setpoint_init (BdSetpoint *self)
{
  self->maximum = 100;
  self->step = 1;
  self->tolerance = -1;
  self->qos = 1;
  self->timeout_ms = BD_SETPOINT_DEFAULT_TIMEOUT_MS;
  self->value = NAN;
  self->target = NAN;
}

BdSetpoint *
bd_setpoint_new (const char *id,
                 const char *name,
                 const char *command_topic,
                 const char *state_topic)
{
  return g_object_new (BD_TYPE_SETPOINT,
                       "id", id,
                       "name", name,
                       "command-topic", command_topic,
                       "state-topic", state_topic,
                       NULL);
}

BdSetpoint *
bd_setpoint_copy (BdSetpoint *self)
{
  g_return_val_if_fail (BD_IS_SETPOINT (self), NULL);

  return g_object_new (BD_TYPE_SETPOINT,
                       "id", self->id,
                       "name", self->name,
                       "command-topic", self->command_topic,
                       "state-topic", self->state_topic,
                       "unit", self->unit,
                       "json-path", self->json_path,
                       "minimum", self->minimum,
                       "maximum", self->maximum,
                       "step", self->step,
                       "rate-limit", self->rate_limit,
                       "tolerance", self->tolerance,
                       "qos", self->qos,
                       "retain-command", self->retain_command,
                       "timeout", self->timeout_ms,
                       NULL);
}

#define STRING_ACCESSORS(field, PROP)                                   \
  const char *                                                          \
  bd_setpoint_get_##field (BdSetpoint *self)                            \
  {                                                                     \
    g_return_val_if_fail (BD_IS_SETPOINT (self), NULL);                 \
    return self->field;                                                 \
  }                                                                     \
  void                                                                  \
  bd_setpoint_set_##field (BdSetpoint *self,                            \
                           const char *value)                           \
  {                                                                     \
    g_return_if_fail (BD_IS_SETPOINT (self));                           \
    set_string (self, &self->field, value, PROP);                       \
  }

#define DOUBLE_ACCESSORS(field, PROP)                                   \
  double                                                                \
  bd_setpoint_get_##field (BdSetpoint *self)                            \
  {                                                                     \
    g_return_val_if_fail (BD_IS_SETPOINT (self), 0);                    \
    return self->field;                                                 \
  }                                                                     \
  void                                                                  \
  bd_setpoint_set_##field (BdSetpoint *self,                            \
                           double      value)                           \
  {                                                                     \
    g_return_if_fail (BD_IS_SETPOINT (self));                           \
    set_double (self, &self->field, value, PROP);                       \
  }

STRING_ACCESSORS (id, PROP_ID)
STRING_ACCESSORS (name, PROP_NAME)
STRING_ACCESSORS (command_topic, PROP_COMMAND_TOPIC)
STRING_ACCESSORS (state_topic, PROP_STATE_TOPIC)
STRING_ACCESSORS (unit, PROP_UNIT)
STRING_ACCESSORS (json_path, PROP_JSON_PATH)
DOUBLE_ACCESSORS (minimum, PROP_MINIMUM)
DOUBLE_ACCESSORS (maximum, PROP_MAXIMUM)
DOUBLE_ACCESSORS (step, PROP_STEP)
DOUBLE_ACCESSORS (rate_limit, PROP_RATE_LIMIT)
DOUBLE_ACCESSORS (tolerance, PROP_TOLERANCE)

double
bd_setpoint_get_effective_tolerance (BdSetpoint *self)
{
  g_return_val_if_fail (BD_IS_SETPOINT (self), 0);

  if (self->tolerance >= 0)
    return self->tolerance;
  return self->step > 0 ? self->step / 2 : 1e-6;
}

guint
bd_setpoint_get_qos (BdSetpoint *self)
{
  g_return_val_if_fail (BD_IS_SETPOINT (self), 0);
  return self->qos;
}

void
bd_setpoint_set_qos (BdSetpoint *self,
                     guint       qos)
{
  g_return_if_fail (BD_IS_SETPOINT (self));
  g_return_if_fail (qos <= 2);
  if (self->qos == qos)
    return;
  self->qos = qos;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_QOS]);
}

gboolean
bd_setpoint_get_retain_command (BdSetpoint *self)
{
  g_return_val_if_fail (BD_IS_SETPOINT (self), FALSE);
  return self->retain_command;
}

void
bd_setpoint_set_retain_command (BdSetpoint *self,
                                gboolean    retain)
{
  g_return_if_fail (BD_IS_SETPOINT (self));
  retain = !!retain;
  if (self->retain_command == retain)
    return;
  self->retain_command = retain;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RETAIN_COMMAND]);
}

guint
bd_setpoint_get_timeout (BdSetpoint *self)
{
  g_return_val_if_fail (BD_IS_SETPOINT (self), 0);
  return self->timeout_ms;
}

void
bd_setpoint_set_timeout (BdSetpoint *self,
                         guint       timeout_ms)
{
  g_return_if_fail (BD_IS_SETPOINT (self));
  g_return_if_fail (timeout_ms > 0);
  if (self->timeout_ms == timeout_ms)
    return;
  self->timeout_ms = timeout_ms;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TIMEOUT]);
}

double
bd_setpoint_get_value (BdSetpoint *self)
{
  g_return_val_if_fail (BD_IS_SETPOINT (self), NAN);
  return self->value;
}

gboolean
bd_setpoint_get_pending (BdSetpoint *self)
{
  g_return_val_if_fail (BD_IS_SETPOINT (self), FALSE);
  return !isnan (self->target);
}

double
bd_setpoint_get_target (BdSetpoint *self)
{
  g_return_val_if_fail (BD_IS_SETPOINT (self), NAN);
  return self->target;
}

const char *
bd_setpoint_get_last_error (BdSetpoint *self)
{
  g_return_val_if_fail (BD_IS_SETPOINT (self), NULL);
  return self->last_error;
}

gint64
bd_setpoint_get_last_change (BdSetpoint *self)
{
  g_return_val_if_fail (BD_IS_SETPOINT (self), 0);
  return self->last_change_us;
}

void
_bd_setpoint_set_value (BdSetpoint *self,
                        double      value,
                        gint64      time_us)
{
  if (self->value == value || (isnan (self->value) && isnan (value)))
    return;
  self->value = value;
  self->last_change_us = time_us;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VALUE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_CHANGE]);
}

void
_bd_setpoint_set_target (BdSetpoint *self,
                         double      target)
{
  gboolean was_pending = bd_setpoint_get_pending (self);

  set_double (self, &self->target, target, PROP_TARGET);
  if (was_pending != bd_setpoint_get_pending (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PENDING]);
}

void
_bd_setpoint_set_last_error (BdSetpoint *self,
                             const char *message)
{
  set_string (self, &self->last_error, message, PROP_LAST_ERROR);
}

/* ------------------------------------------------------------- values */

gboolean
bd_setpoint_round (BdSetpoint  *self,
                   double       value,
                   double      *rounded,
                   GError     **error)
{
  double result = value;

  g_return_val_if_fail (BD_IS_SETPOINT (self), FALSE);

  /* Checked before rounding: 100.4 on a 0–100 valve is out of range even
   * if it would round to 100, because someone asked for more than there is. */
  if (!isfinite (value) || value < self->minimum || value > self->maximum)
    {
      g_autofree char *low = bd_setpoint_format_value (self, self->minimum);
      g_autofree char *high = bd_setpoint_format_value (self, self->maximum);
      char text[G_ASCII_DTOSTR_BUF_SIZE];

      g_ascii_formatd (text, sizeof text, "%g", value);
      /* Translators: "120 is outside the range 0 % to 100 %" */
      g_set_error (error, BD_RELAY_ERROR, BD_RELAY_ERROR_OUT_OF_RANGE,
                   _("%s is outside the range %s to %s"), text, low, high);
      return FALSE;
    }
  if (self->step > 0)
    {
      result = self->minimum + round ((value - self->minimum) / self->step) * self->step;
      /* Rounding must not leave the range (a maximum off the step grid). */
      result = CLAMP (result, self->minimum, self->maximum);
      /* 0.1 × 3 is 0.30000000000000004: trim to the step's precision. */
      {
        char text[G_ASCII_DTOSTR_BUF_SIZE];

        g_ascii_formatd (text, sizeof text, "%.12g", result);
        result = g_ascii_strtod (text, NULL);
      }
    }
  if (rounded != NULL)
    *rounded = result;
  return TRUE;
}

static char *
format_number (double value)
{
  char text[G_ASCII_DTOSTR_BUF_SIZE];

  /* Locale-independent: a device expects "4.2", never "4,2". */
  g_ascii_formatd (text, sizeof text, "%.12g", value);
  return g_strdup (text);
}

char *
bd_setpoint_format_payload (BdSetpoint *self,
                            double      value)
{
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(JsonGenerator) generator = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_auto(GStrv) parts = NULL;
  g_autofree char *field = NULL;
  guint n;

  g_return_val_if_fail (BD_IS_SETPOINT (self), NULL);

  if (self->json_path == NULL || *self->json_path == '\0')
    return format_number (value);

  /* "$.out.level" → {"out": {"level": 4.2}}; validate () allows only
   * member names here, so every part is an object key. */
  field = bd_payload_path_to_field (self->json_path);
  parts = g_strsplit (field != NULL ? field : self->json_path, ".", -1);
  n = g_strv_length (parts);
  builder = json_builder_new ();
  for (guint i = 0; i < n; i++)
    {
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, parts[i]);
    }
  /* 40, not 40.0: integer steps stay integers for devices that parse
   * them as such. */
  if (value == floor (value) && fabs (value) < 1e15)
    json_builder_add_int_value (builder, (gint64) value);
  else
    json_builder_add_double_value (builder, value);
  for (guint i = 0; i < n; i++)
    json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  generator = json_generator_new ();
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

char *
bd_setpoint_format_value (BdSetpoint *self,
                          double      value)
{
  g_autofree char *number = NULL;

  g_return_val_if_fail (BD_IS_SETPOINT (self), NULL);

  if (isnan (value))
    return g_strdup ("—");
  number = g_strdup_printf ("%.12g", value);
  if (self->unit == NULL || *self->unit == '\0')
    return g_steal_pointer (&number);
  return g_strdup_printf ("%s %s", number, self->unit);
}

typedef struct
{
  const char *field;
  double      value;
  gboolean    found;
} FindField;

static void
find_field_cb (const char *field,
               double      value,
               gpointer    user_data)
{
  FindField *find = user_data;

  if (!find->found && g_strcmp0 (field, find->field) == 0)
    {
      find->value = value;
      find->found = TRUE;
    }
}

gboolean
bd_setpoint_parse_payload (BdSetpoint   *self,
                           const guint8 *payload,
                           gsize         len,
                           double       *value)
{
  g_autofree char *field = NULL;
  const char *paths[2] = { NULL, NULL };
  FindField find = { 0 };

  g_return_val_if_fail (BD_IS_SETPOINT (self), FALSE);

  if (self->json_path == NULL || *self->json_path == '\0')
    return bd_payload_parse_plain (payload, len, value) && isfinite (*value);

  field = bd_payload_path_to_field (self->json_path);
  if (field == NULL)
    return FALSE;
  paths[0] = self->json_path;
  find.field = field;
  bd_payload_extract_samples (payload, len, paths, find_field_cb, &find);
  if (!find.found || !isfinite (find.value))
    return FALSE;
  *value = find.value;
  return TRUE;
}

/* ----------------------------------------------------------- validation */

static gboolean
is_member_path (const char *field)
{
  g_auto(GStrv) parts = NULL;

  if (field == NULL || *field == '\0' || strchr (field, '[') != NULL)
    return FALSE;
  parts = g_strsplit (field, ".", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    if (*parts[i] == '\0')
      return FALSE;
  return TRUE;
}

gboolean
bd_setpoint_validate (BdSetpoint  *self,
                      GError     **error)
{
  g_return_val_if_fail (BD_IS_SETPOINT (self), FALSE);

  if (self->id == NULL || *self->id == '\0' || strpbrk (self->id, "[]\n\r") != NULL)
    {
      g_set_error_literal (error, BD_RELAY_ERROR, BD_RELAY_ERROR_INVALID,
                           _("The setpoint needs an id without brackets or line breaks"));
      return FALSE;
    }
  {
    g_autofree char *name = g_strstrip (g_strdup (self->name != NULL ? self->name : ""));

    if (*name == '\0')
      {
        g_set_error_literal (error, BD_RELAY_ERROR, BD_RELAY_ERROR_INVALID,
                             _("The setpoint needs a name"));
        return FALSE;
      }
  }
  if (!_bd_relay_validate_topics (self->command_topic, self->state_topic, error))
    return FALSE;
  if (!isfinite (self->minimum) || !isfinite (self->maximum) || !(self->minimum < self->maximum))
    {
      g_set_error_literal (error, BD_RELAY_ERROR, BD_RELAY_ERROR_INVALID,
                           _("The minimum must be a number below the maximum"));
      return FALSE;
    }
  if (!isfinite (self->step) || self->step > self->maximum - self->minimum)
    {
      g_set_error_literal (error, BD_RELAY_ERROR, BD_RELAY_ERROR_INVALID,
                           _("The step must not be larger than the range"));
      return FALSE;
    }
  if (self->json_path != NULL && *self->json_path != '\0')
    {
      g_autofree char *field = bd_payload_path_to_field (self->json_path);

      /* Commands are built from the path, so it must name object members. */
      if (!is_member_path (field))
        {
          g_set_error_literal (error, BD_RELAY_ERROR, BD_RELAY_ERROR_INVALID,
                               _("The JSON path must name object members, like “value” or “out.level”"));
          return FALSE;
        }
    }
  return TRUE;
}
