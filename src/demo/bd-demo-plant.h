/* bd-demo-plant.h — a simulated plant that publishes to the embedded broker
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "bd-engine.h"

G_BEGIN_DECLS

typedef struct _BdDemoPlant BdDemoPlant;

/* The areas and sensors, for tests and documentation. */
extern const char * const bd_demo_plant_areas[];   /* NULL-terminated */
extern const char * const bd_demo_plant_sensors[]; /* NULL-terminated */
/* Relay devices per area: command busan/factory/<area>/<relay>/set ("ON" or
 * "OFF"), state busan/factory/<area>/<relay>/state (retained), answered
 * about 300 ms after a command. */
extern const char * const bd_demo_plant_relays[];  /* NULL-terminated */

BdDemoPlant *bd_demo_plant_new   (BdEngine    *engine,
                                  guint32      seed);
/* Publishes one round every second from the thread-default main context,
 * and runs the relay devices there (their initial states are published at
 * once). */
void         bd_demo_plant_start (BdDemoPlant *plant);
void         bd_demo_plant_stop  (BdDemoPlant *plant);
/* Publishes one round as of @elapsed_s seconds into the simulation. */
void         bd_demo_plant_tick  (BdDemoPlant *plant,
                                  double       elapsed_s);
void         bd_demo_plant_free  (BdDemoPlant *plant);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BdDemoPlant, bd_demo_plant_free)

G_END_DECLS
