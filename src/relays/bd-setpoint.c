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
#include "bd-output-private.h"
#include "bd-relay.h"
#include "bd-setpoint-private.h"

struct _BdSetpoint
{
  BdOutput  parent_instance;

  char     *unit;
  char     *json_path;
  double    minimum;
  double    maximum;
  double    step;
  double    rate_limit;
  double    tolerance;

  double    value;
  double    target;
};

enum {
  PROP_0,
  PROP_UNIT,
  PROP_JSON_PATH,
  PROP_MINIMUM,
  PROP_MAXIMUM,
  PROP_STEP,
  PROP_RATE_LIMIT,
  PROP_TOLERANCE,
  PROP_VALUE,
  PROP_TARGET,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (BdSetpoint, bd_setpoint, BD_TYPE_OUTPUT)

/* NAN == NAN here: "unknown" to "unknown" is no change. */
static gboolean
same_double (double a,
             double b)
{
  return a == b || (isnan (a) && isnan (b));
}

static void
set_double (BdSetpoint *self,
            double     *field,
            double      value,
            guint       prop)
{
  if (same_double (*field, value))
    return;
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

static gboolean
bd_setpoint_real_get_pending (BdOutput *output)
{
  return !isnan (BD_SETPOINT (output)->target);
}

static void
bd_setpoint_real_clear_target (BdOutput *output)
{
  _bd_setpoint_set_target (BD_SETPOINT (output), NAN);
}

static void
bd_setpoint_finalize (GObject *object)
{
  BdSetpoint *self = BD_SETPOINT (object);

  g_free (self->unit);
  g_free (self->json_path);

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
    case PROP_UNIT: g_value_set_string (value, self->unit); break;
    case PROP_JSON_PATH: g_value_set_string (value, self->json_path); break;
    case PROP_MINIMUM: g_value_set_double (value, self->minimum); break;
    case PROP_MAXIMUM: g_value_set_double (value, self->maximum); break;
    case PROP_STEP: g_value_set_double (value, self->step); break;
    case PROP_RATE_LIMIT: g_value_set_double (value, self->rate_limit); break;
    case PROP_TOLERANCE: g_value_set_double (value, self->tolerance); break;
    case PROP_VALUE: g_value_set_double (value, self->value); break;
    case PROP_TARGET: g_value_set_double (value, self->target); break;
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
    case PROP_UNIT: bd_setpoint_set_unit (self, g_value_get_string (value)); break;
    case PROP_JSON_PATH: bd_setpoint_set_json_path (self, g_value_get_string (value)); break;
    case PROP_MINIMUM: bd_setpoint_set_minimum (self, g_value_get_double (value)); break;
    case PROP_MAXIMUM: bd_setpoint_set_maximum (self, g_value_get_double (value)); break;
    case PROP_STEP: bd_setpoint_set_step (self, g_value_get_double (value)); break;
    case PROP_RATE_LIMIT: bd_setpoint_set_rate_limit (self, g_value_get_double (value)); break;
    case PROP_TOLERANCE: bd_setpoint_set_tolerance (self, g_value_get_double (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bd_setpoint_class_init (BdSetpointClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  BdOutputClass *output_class = BD_OUTPUT_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->finalize = bd_setpoint_finalize;
  object_class->get_property = bd_setpoint_get_property;
  object_class->set_property = bd_setpoint_set_property;
  output_class->get_pending = bd_setpoint_real_get_pending;
  output_class->clear_target = bd_setpoint_real_clear_target;
  /* bd_setpoint_validate () checks the instance's type, so it serves as is. */
  output_class->validate = (gboolean (*) (BdOutput *, GError **)) bd_setpoint_validate;

  properties[PROP_UNIT] = g_param_spec_string ("unit", NULL, NULL, NULL, rw);
  properties[PROP_JSON_PATH] = g_param_spec_string ("json-path", NULL, NULL, NULL, rw);
  properties[PROP_MINIMUM] = g_param_spec_double ("minimum", NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 0, rw);
  properties[PROP_MAXIMUM] = g_param_spec_double ("maximum", NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 100, rw);
  properties[PROP_STEP] = g_param_spec_double ("step", NULL, NULL, 0, G_MAXDOUBLE, 1, rw);
  properties[PROP_RATE_LIMIT] = g_param_spec_double ("rate-limit", NULL, NULL, 0, G_MAXDOUBLE, 0, rw);
  properties[PROP_TOLERANCE] = g_param_spec_double ("tolerance", NULL, NULL, -1, G_MAXDOUBLE, -1, rw);
  properties[PROP_VALUE] = g_param_spec_double ("value", NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 0, ro);
  properties[PROP_TARGET] = g_param_spec_double ("target", NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 0, ro);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
bd_setpoint_init (BdSetpoint *self)
{
  self->maximum = 100;
  self->step = 1;
  self->tolerance = -1;
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
  return BD_SETPOINT (bd_output_copy (BD_OUTPUT (self)));
}

_BD_OUTPUT_DEFINE_ACCESSORS (BdSetpoint, bd_setpoint, BD_IS_SETPOINT)

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
    _bd_output_set_string (BD_OUTPUT (self), &self->field, value,       \
                           properties[PROP]);                           \
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

double
bd_setpoint_get_value (BdSetpoint *self)
{
  g_return_val_if_fail (BD_IS_SETPOINT (self), NAN);
  return self->value;
}

double
bd_setpoint_get_target (BdSetpoint *self)
{
  g_return_val_if_fail (BD_IS_SETPOINT (self), NAN);
  return self->target;
}

void
_bd_setpoint_set_value (BdSetpoint *self,
                        double      value,
                        gint64      time_us)
{
  if (same_double (self->value, value))
    return;
  self->value = value;
  _bd_output_state_changed (BD_OUTPUT (self), properties[PROP_VALUE], time_us);
}

void
_bd_setpoint_set_target (BdSetpoint *self,
                         double      target)
{
  gboolean was_pending = bd_setpoint_get_pending (self);

  if (same_double (self->target, target))
    return;
  self->target = target;
  _bd_output_target_changed (BD_OUTPUT (self), properties[PROP_TARGET], was_pending);
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

gboolean
bd_setpoint_parse_payload (BdSetpoint   *self,
                           const guint8 *payload,
                           gsize         len,
                           double       *value)
{
  double number;

  g_return_val_if_fail (BD_IS_SETPOINT (self), FALSE);

  if (!bd_payload_read_number (payload, len, self->json_path, &number) || !isfinite (number))
    return FALSE;
  *value = number;
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

  if (!_bd_output_validate (BD_OUTPUT (self), _("The setpoint needs an id without brackets or line breaks"),
                           _("The setpoint needs a name"), error))
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
