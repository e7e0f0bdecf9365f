/* test-demo.c — the demo plant publishes a believable plant through the engine
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "bd-demo-plant.h"
#include "test-client.h"

static void
collect_cb (BdMessage *message,
            gpointer   user_data)
{
  g_async_queue_push (user_data, bd_message_ref (message));
}

static char *
payload_text (BdMessage *message)
{
  gsize len;
  const guint8 *data = bd_message_get_payload (message, &len);

  return g_strndup ((const char *) data, len);
}

/* Readings a newcomer would believe, excursions included. */
static void
assert_plausible (const char *sensor,
                  double      value)
{
  static const struct { const char *sensor; double lo, hi; } ranges[] = {
    { "temperature", 10, 40 },
    { "humidity", 20, 80 },
    { "barometer", 980, 1040 },
    { "co2", 300, 2000 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (ranges); i++)
    if (g_str_equal (sensor, ranges[i].sensor))
      {
        g_assert_cmpfloat (value, >, ranges[i].lo);
        g_assert_cmpfloat (value, <, ranges[i].hi);
        return;
      }
  g_assert_not_reached ();
}

static void
test_demo_round (void)
{
  g_autoptr(BdEngine) engine = test_engine_start ("sys_interval 0");
  GAsyncQueue *queue = g_async_queue_new_full ((GDestroyNotify) bd_message_unref);
  g_autoptr(BdDemoPlant) plant = bd_demo_plant_new (engine, 42);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) retained = NULL;
  guint plain = 0;
  guint json = 0;

  bd_engine_add_tap (engine, "busan/#", collect_cb, queue, NULL);
  /* 3 areas × (4 readings + 1 JSON state) per round. */
  bd_demo_plant_tick (plant, 0);
  bd_demo_plant_tick (plant, 1);

  for (guint i = 0; i < 2 * 3 * 5; i++)
    {
      g_autoptr(BdMessage) message = g_async_queue_timeout_pop (queue, 5 * G_USEC_PER_SEC);
      g_autofree char *text = NULL;
      g_auto(GStrv) levels = NULL;

      g_assert_nonnull (message);
      text = payload_text (message);
      levels = g_strsplit (message->topic, "/", -1);
      g_assert_cmpuint (g_strv_length (levels), ==, 4);
      g_assert_cmpstr (levels[0], ==, "busan");
      g_assert_cmpstr (levels[1], ==, "factory");
      g_assert_true (g_strv_contains (bd_demo_plant_areas, levels[2]));
      g_hash_table_add (seen, g_strdup (message->topic));

      if (g_str_equal (levels[3], "state"))
        {
          g_autoptr(JsonParser) parser = json_parser_new ();
          g_autoptr(GError) error = NULL;
          JsonObject *object;

          g_assert_true (json_parser_load_from_data (parser, text, -1, &error));
          g_assert_no_error (error);
          object = json_node_get_object (json_parser_get_root (parser));
          for (guint s = 0; bd_demo_plant_sensors[s] != NULL; s++)
            assert_plausible (bd_demo_plant_sensors[s],
                              json_object_get_double_member (object, bd_demo_plant_sensors[s]));
          g_assert_false (message->retain);
          json++;
        }
      else
        {
          char *end = NULL;
          double value = g_ascii_strtod (text, &end);

          /* A plain number, '.' as the decimal point whatever the locale. */
          g_assert_true (end != text && *end == '\0');
          g_assert_null (strchr (text, ','));
          assert_plausible (levels[3], value);
          g_assert_true (message->retain);
          plain++;
        }
    }
  g_assert_cmpuint (plain, ==, 2 * 12);
  g_assert_cmpuint (json, ==, 2 * 3);
  g_assert_cmpuint (g_hash_table_size (seen), ==, 15);

  /* Readings are retained, so a console connecting later sees them at once. */
  retained = bd_engine_dup_retained (engine, "busan/#");
  g_assert_cmpuint (retained->len, ==, 12);

  bd_engine_stop (engine);
  g_async_queue_unref (queue);
}

static gboolean
timeout_flag_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the thread-default context until @queue has a message or 5 s pass. */
static BdMessage *
wait_message (GAsyncQueue *queue)
{
  gboolean timed_out = FALSE;
  GSource *timeout = g_timeout_source_new_seconds (5);
  BdMessage *message;

  g_source_set_callback (timeout, timeout_flag_cb, &timed_out, NULL);
  g_source_attach (timeout, NULL);
  /* The engine thread pushes to the queue; the answer timers run here, so
   * iterate without blocking forever: a 10 ms pop between iterations. */
  while ((message = g_async_queue_timeout_pop (queue, 10 * 1000)) == NULL && !timed_out)
    g_main_context_iteration (NULL, FALSE);
  g_source_destroy (timeout);
  g_source_unref (timeout);
  g_assert_nonnull (message);
  return message;
}

/* The simulated relay devices: initial retained states, then a command
 * answered by the new state on the state topic, retained. */
static void
test_demo_relays (void)
{
  g_autoptr(BdEngine) engine = test_engine_start ("sys_interval 0");
  GAsyncQueue *queue = g_async_queue_new_full ((GDestroyNotify) bd_message_unref);
  g_autoptr(BdDemoPlant) plant = bd_demo_plant_new (engine, 7);
  g_autoptr(GPtrArray) retained = NULL;
  g_autoptr(GBytes) payload = g_bytes_new_static ("on", 2);
  g_autoptr(BdMessage) command = bd_message_new ("busan/factory/assembly/heater/set", payload, 1, FALSE, NULL);
  g_autoptr(BdMessage) answer = NULL;
  g_autofree char *text = NULL;
  gint64 sent_us;

  /* Added before start, so the initial states reach it. */
  bd_engine_add_tap (engine, "busan/factory/+/+/state", collect_cb, g_async_queue_ref (queue),
                     (GDestroyNotify) g_async_queue_unref);
  bd_demo_plant_start (plant);

  /* Two relays (OFF) and a valve (0 %) per area. */
  for (guint i = 0; i < 3 * 3; i++)
    {
      g_autoptr(BdMessage) message = wait_message (queue);
      g_autofree char *state = payload_text (message);

      g_assert_cmpstr (state, ==, g_str_has_suffix (message->topic, "/valve/state") ? "0" : "OFF");
      g_assert_true (message->retain);
    }
  retained = bd_engine_dup_retained (engine, "busan/factory/+/+/state");
  g_assert_cmpuint (retained->len, ==, 9);

  sent_us = g_get_monotonic_time ();
  bd_engine_publish (engine, command);
  answer = wait_message (queue);
  text = payload_text (answer);
  g_assert_cmpstr (answer->topic, ==, "busan/factory/assembly/heater/state");
  g_assert_cmpstr (text, ==, "ON");
  g_assert_true (answer->retain);
  /* Like a real device, it takes a moment. */
  g_assert_cmpint (g_get_monotonic_time () - sent_us, >=, 250 * 1000);

  /* The valve: whole percent, within its range. */
  {
    g_autoptr(GBytes) position = g_bytes_new_static ("42.6", 4);
    g_autoptr(GBytes) too_far = g_bytes_new_static ("250", 3);
    g_autoptr(BdMessage) open = bd_message_new ("busan/factory/packaging/valve/set", position, 1, FALSE, NULL);
    g_autoptr(BdMessage) beyond = bd_message_new ("busan/factory/packaging/valve/set", too_far, 1, FALSE, NULL);
    g_autoptr(BdMessage) reply = NULL;
    g_autofree char *reply_text = NULL;

    bd_engine_publish (engine, open);
    reply = wait_message (queue);
    reply_text = payload_text (reply);
    g_assert_cmpstr (reply->topic, ==, "busan/factory/packaging/valve/state");
    g_assert_cmpstr (reply_text, ==, "43");
    g_clear_pointer (&reply, bd_message_unref);
    g_clear_pointer (&reply_text, g_free);
    bd_engine_publish (engine, beyond);
    reply = wait_message (queue);
    reply_text = payload_text (reply);
    g_assert_cmpstr (reply_text, ==, "100");
  }

  bd_demo_plant_stop (plant);
  bd_engine_stop (engine);
  g_async_queue_unref (queue);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/demo/round", test_demo_round);
  g_test_add_func ("/engine/demo/relays", test_demo_relays);

  return g_test_run ();
}
