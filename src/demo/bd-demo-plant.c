/* bd-demo-plant.c — a simulated plant that publishes to the embedded broker
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What engineers commission: three areas of a factory in Busan, each with a
 * temperature, humidity, barometer and CO2 sensor. Every second each sensor
 * publishes its reading as a plain number (retained, so a console that
 * connects later sees the last value at once), and each area publishes all
 * four as one JSON object, as many gateways do. A reading is a base value
 * plus a slow drift (a sine of a few minutes' period, different per sensor),
 * noise, and now and then an excursion that lasts half a minute, so that
 * charts move and alarm thresholds have something to catch.
 *
 * Each area also has two relay devices, a fan and a heater, that behave like
 * the smart plugs people commission: a command on .../<relay>/set ("ON" or
 * "OFF"; true/false and 1/0 too) is answered about 300 ms later by the new
 * state on .../<relay>/state, retained; the initial state (OFF) is published
 * at start. A running fan lowers the area's CO2 and temperature a little, a
 * heater raises the temperature, so a toggle shows in the charts.
 *
 * And a valve per area (a cooling-water positioner, 0–100 %): a plain number
 * on .../valve/set is answered the same way on .../valve/state (clamped to
 * the range, whole percent; initially 0). An open valve cools the area.
 *
 * It publishes through bd_engine_publish () like any in-process client, so
 * the recorder, the taps and real subscribers all see it. Commands arrive
 * through an engine tap, on the engine thread; they are queued to the
 * plant's own context, which runs the answer timers.
 */

#include "config.h"

#include <math.h>
#include <string.h>

#include "bd-demo-plant.h"
#include "bd-message-inbox.h"

const char * const bd_demo_plant_areas[] = { "manufacture", "assembly", "packaging", NULL };
const char * const bd_demo_plant_sensors[] = { "temperature", "humidity", "barometer", "co2", NULL };
const char * const bd_demo_plant_relays[] = { "fan", "heater", NULL };

#define N_AREAS   3
#define N_SENSORS 4
#define N_RELAYS  2
#define RELAY_FAN    0
#define RELAY_HEATER 1
/* How long a simulated device takes to switch and report. */
#define RELAY_ANSWER_MS 300
#define EXCURSION_S 30.0
/* Chance per sensor per second that an excursion starts: about one an hour
 * per sensor, so a newcomer sees one within minutes across twelve. */
#define EXCURSION_CHANCE (1.0 / 3600.0)
/* And one that is certain: packaging's temperature 20 s after the start,
 * so a newcomer sees an alarm raised, can acknowledge it, and sees it
 * return within the first minute. */
#define FIRST_EXCURSION_S 20.0
#define FIRST_EXCURSION_AREA 2
#define FIRST_EXCURSION_SENSOR 0

typedef struct
{
  double base;
  double drift;      /* amplitude of the slow sine */
  double period_s;
  double noise;      /* amplitude of the uniform noise */
  double excursion;  /* offset during an excursion */
  int    decimals;
} SensorModel;

static const SensorModel models[N_SENSORS] = {
  { 23.0,  1.5,  420.0, 0.15,   9.0, 1 },  /* °C */
  { 45.0,  6.0,  600.0, 0.8,   25.0, 1 },  /* %RH */
  { 1013.0, 4.0, 1800.0, 0.3,  -12.0, 1 }, /* hPa */
  { 620.0, 80.0,  300.0, 12.0, 900.0, 0 }, /* ppm */
};

struct _BdDemoPlant
{
  BdEngine    *engine;
  GRand       *rand;
  GSource     *source;
  gint64       started_us;
  double       excursion_until[N_AREAS][N_SENSORS];

  /* Commands from the engine thread, handled on the plant's context; shared
   * with the tap, which the engine drops later than bd_demo_plant_stop ()
   * returns. */
  BdMessageInbox *devices;
  guint        device_tap;
  GPtrArray   *answers;        /* GSource*, the devices' pending answers */
  gboolean     relay_on[N_AREAS][N_RELAYS];
  double       valve[N_AREAS];  /* percent open */
};

BdDemoPlant *
bd_demo_plant_new (BdEngine *engine,
                   guint32   seed)
{
  BdDemoPlant *plant = g_new0 (BdDemoPlant, 1);

  plant->engine = bd_engine_ref (engine);
  plant->rand = g_rand_new_with_seed (seed);
  return plant;
}

static double
sensor_value (BdDemoPlant *plant,
              guint        area,
              guint        sensor,
              double       t)
{
  const SensorModel *m = &models[sensor];
  /* Areas differ a little, so their charts do not overlap exactly. */
  double value = m->base * (1.0 + 0.01 * area) +
                 m->drift * sin (2 * G_PI * t / m->period_s + area + sensor) +
                 g_rand_double_range (plant->rand, -m->noise, m->noise);

  /* The relay devices act on the air. */
  if (sensor == 0 && plant->relay_on[area][RELAY_HEATER])
    value += 3.0;
  if (sensor == 0 && plant->relay_on[area][RELAY_FAN])
    value -= 1.0;
  if (sensor == 0)
    value -= 2.0 * plant->valve[area] / 100.0;
  if (sensor == 3 && plant->relay_on[area][RELAY_FAN])
    value -= 150.0;

  if (area == FIRST_EXCURSION_AREA && sensor == FIRST_EXCURSION_SENSOR &&
      t >= FIRST_EXCURSION_S && t < FIRST_EXCURSION_S + EXCURSION_S)
    value += m->excursion;
  else if (t < plant->excursion_until[area][sensor])
    value += m->excursion;
  else if (g_rand_double (plant->rand) < EXCURSION_CHANCE)
    plant->excursion_until[area][sensor] = t + EXCURSION_S;
  return value;
}

static void
publish (BdEngine   *engine,
         const char *topic,
         const char *text,
         gboolean    retain)
{
  g_autoptr(GBytes) payload = g_bytes_new (text, strlen (text));
  g_autoptr(BdMessage) message = bd_message_new (topic, payload, 0, retain, NULL);

  bd_engine_publish (engine, message);
}

void
bd_demo_plant_tick (BdDemoPlant *plant,
                    double       elapsed_s)
{
  for (guint a = 0; a < N_AREAS; a++)
    {
      g_autoptr(GString) json = g_string_new ("{");

      for (guint s = 0; s < N_SENSORS; s++)
        {
          char number[G_ASCII_DTOSTR_BUF_SIZE];
          char format[8];
          g_autofree char *topic = g_strdup_printf ("busan/factory/%s/%s",
                                                    bd_demo_plant_areas[a],
                                                    bd_demo_plant_sensors[s]);

          /* Locale-independent: a Korean or German desktop must not publish
           * "23,4". */
          g_snprintf (format, sizeof format, "%%.%df", models[s].decimals);
          g_ascii_formatd (number, sizeof number, format, sensor_value (plant, a, s, elapsed_s));
          publish (plant->engine, topic, number, TRUE);
          g_string_append_printf (json, "%s\"%s\":%s", s > 0 ? "," : "",
                                  bd_demo_plant_sensors[s], number);
        }
      g_string_append (json, "}");

      {
        g_autofree char *topic = g_strdup_printf ("busan/factory/%s/state", bd_demo_plant_areas[a]);

        publish (plant->engine, topic, json->str, FALSE);
      }
    }
}

/* ------------------------------------------------------- relay devices */

static void
publish_relay_state (BdDemoPlant *plant,
                     guint        area,
                     guint        relay)
{
  g_autofree char *topic = g_strdup_printf ("busan/factory/%s/%s/state",
                                            bd_demo_plant_areas[area], bd_demo_plant_relays[relay]);

  /* Retained, as real plugs do, so a console that starts later knows. */
  publish (plant->engine, topic, plant->relay_on[area][relay] ? "ON" : "OFF", TRUE);
}

static void
publish_valve_state (BdDemoPlant *plant,
                     guint        area)
{
  g_autofree char *topic = g_strdup_printf ("busan/factory/%s/valve/state", bd_demo_plant_areas[area]);
  char text[G_ASCII_DTOSTR_BUF_SIZE];

  g_ascii_formatd (text, sizeof text, "%.0f", plant->valve[area]);
  publish (plant->engine, topic, text, TRUE);
}

typedef struct
{
  BdDemoPlant *plant;
  guint        area;
  guint        relay;
  gboolean     on;
  gboolean     is_valve;
  double       position;
} Answer;

static void
answer_free (gpointer data)
{
  Answer *answer = data;

  g_free (answer);
}

static gboolean
answer_cb (gpointer data)
{
  Answer *answer = data;
  BdDemoPlant *plant = answer->plant;

  /* Answers are destroyed by devices_stop (): the plant is alive here. */
  if (answer->is_valve)
    {
      plant->valve[answer->area] = answer->position;
      publish_valve_state (plant, answer->area);
    }
  else
    {
      plant->relay_on[answer->area][answer->relay] = answer->on;
      publish_relay_state (plant, answer->area, answer->relay);
    }
  /* Destroys and drops this source; GLib keeps it alive until we return. */
  g_ptr_array_remove_fast (plant->answers, g_main_current_source ());
  return G_SOURCE_REMOVE;
}

static int
find_name (const char * const *names,
           const char         *name)
{
  for (int i = 0; names[i] != NULL; i++)
    if (g_str_equal (names[i], name))
      return i;
  return -1;
}

static void
handle_command (BdDemoPlant *plant,
                BdMessage   *message)
{
  g_auto(GStrv) levels = g_strsplit (message->topic, "/", -1);
  g_autofree char *word = NULL;
  gsize len;
  const guint8 *data = bd_message_get_payload (message, &len);
  Answer *answer;
  GSource *source;
  int area;
  int relay = 0;
  gboolean on = FALSE;
  gboolean is_valve;
  double position = 0;

  /* busan/factory/<area>/<relay>/set */
  if (g_strv_length (levels) != 5 ||
      (area = find_name (bd_demo_plant_areas, levels[2])) < 0)
    return;
  is_valve = g_str_equal (levels[3], "valve");
  if (!is_valve && (relay = find_name (bd_demo_plant_relays, levels[3])) < 0)
    return;
  word = g_ascii_strdown ((const char *) data, len);
  g_strstrip (word);
  if (is_valve)
    {
      char *end = NULL;

      position = g_ascii_strtod (word, &end);
      if (end == word || *end != '\0' || !isfinite (position))
        {
          g_debug ("demo valve %s ignores “%s”", message->topic, word);
          return;
        }
      /* A positioner moves in whole percent and cannot leave its range. */
      position = CLAMP (round (position), 0, 100);
    }
  else if (g_str_equal (word, "on") || g_str_equal (word, "true") || g_str_equal (word, "1"))
    on = TRUE;
  else if (g_str_equal (word, "off") || g_str_equal (word, "false") || g_str_equal (word, "0"))
    on = FALSE;
  else
    {
      /* Like a real device: a command it does not understand changes nothing. */
      g_debug ("demo relay %s ignores “%s”", message->topic, word);
      return;
    }

  answer = g_new0 (Answer, 1);
  answer->plant = plant;
  answer->area = area;
  answer->relay = relay;
  answer->on = on;
  answer->is_valve = is_valve;
  answer->position = position;
  source = g_timeout_source_new (RELAY_ANSWER_MS);
  g_source_set_callback (source, answer_cb, answer, answer_free);
  g_source_set_static_name (source, "[brokerdesk] demo relay");
  g_source_attach (source, g_main_context_get_thread_default ());
  g_ptr_array_add (plant->answers, source);
}

static void
devices_flush (gpointer   owner,
               GPtrArray *commands)
{
  for (guint i = 0; i < commands->len; i++)
    handle_command (owner, g_ptr_array_index (commands, i));
}

static void
answer_source_free (gpointer data)
{
  g_source_destroy (data);
  g_source_unref (data);
}

static void
devices_start (BdDemoPlant *plant)
{
  plant->devices = bd_message_inbox_new (NULL, 0, 0, "demo relay devices",
                                         devices_flush, plant);
  plant->answers = g_ptr_array_new_with_free_func (answer_source_free);
  plant->device_tap = bd_engine_add_tap (plant->engine, "busan/factory/+/+/set",
                                         bd_message_inbox_tap, bd_message_inbox_ref (plant->devices),
                                         (GDestroyNotify) bd_message_inbox_unref);

  for (guint a = 0; a < N_AREAS; a++)
    {
      for (guint r = 0; r < N_RELAYS; r++)
        publish_relay_state (plant, a, r);
      publish_valve_state (plant, a);
    }
}

static void
devices_stop (BdDemoPlant *plant)
{
  if (plant->devices == NULL)
    return;
  bd_engine_remove_tap (plant->engine, plant->device_tap);
  plant->device_tap = 0;
  /* A flush already queued finds no plant. */
  bd_message_inbox_close (plant->devices);
  g_clear_pointer (&plant->answers, g_ptr_array_unref);
  g_clear_pointer (&plant->devices, bd_message_inbox_unref);
}

/* ---------------------------------------------------------------- ticks */

static gboolean
tick_cb (gpointer user_data)
{
  BdDemoPlant *plant = user_data;

  bd_demo_plant_tick (plant, (g_get_monotonic_time () - plant->started_us) / (double) G_USEC_PER_SEC);
  return G_SOURCE_CONTINUE;
}

void
bd_demo_plant_start (BdDemoPlant *plant)
{
  if (plant->source != NULL)
    return;
  plant->started_us = g_get_monotonic_time ();
  devices_start (plant);
  /* A first round at once: the tree is alive as soon as the window is. */
  bd_demo_plant_tick (plant, 0);
  plant->source = g_timeout_source_new_seconds (1);
  g_source_set_callback (plant->source, tick_cb, plant, NULL);
  g_source_set_static_name (plant->source, "[brokerdesk] demo plant");
  g_source_attach (plant->source, g_main_context_get_thread_default ());
}

void
bd_demo_plant_stop (BdDemoPlant *plant)
{
  if (plant->source == NULL)
    return;
  devices_stop (plant);
  g_source_destroy (plant->source);
  g_clear_pointer (&plant->source, g_source_unref);
}

void
bd_demo_plant_free (BdDemoPlant *plant)
{
  bd_demo_plant_stop (plant);
  g_rand_free (plant->rand);
  bd_engine_unref (plant->engine);
  g_free (plant);
}
