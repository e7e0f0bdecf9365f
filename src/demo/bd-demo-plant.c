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
 * It publishes through bd_engine_publish () like any in-process client, so
 * the recorder, the taps and real subscribers all see it.
 */

#include "config.h"

#include <math.h>
#include <string.h>

#include "bd-demo-plant.h"

const char * const bd_demo_plant_areas[] = { "manufacture", "assembly", "packaging", NULL };
const char * const bd_demo_plant_sensors[] = { "temperature", "humidity", "barometer", "co2", NULL };

#define N_AREAS   3
#define N_SENSORS 4
#define EXCURSION_S 30.0
/* Chance per sensor per second that an excursion starts: about one an hour
 * per sensor, so a newcomer sees one within minutes across twelve. */
#define EXCURSION_CHANCE (1.0 / 3600.0)

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
  BdEngine *engine;
  GRand    *rand;
  GSource  *source;
  gint64    started_us;
  double    excursion_until[N_AREAS][N_SENSORS];
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

  if (t < plant->excursion_until[area][sensor])
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
