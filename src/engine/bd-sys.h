/* bd-sys.h — the broker's log published under $SYS/broker/log (log_dest topic)
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "bd-engine.h"

G_BEGIN_DECLS

/* Publishes one log line as the broker does with Mosquitto's 'log_dest
 * topic': on @topic ($SYS/broker/log/E, …/W, …), QoS 2, not retained,
 * expiring after 20 seconds. Call it from any thread but the engine's (the
 * log writer's), holding a reference to @engine: it only queues the line
 * for the engine thread, and drops it when too many already wait there, so
 * a stalled engine never makes the log grow. */
void     bd_engine_publish_log     (BdEngine   *engine,
                                    const char *topic,
                                    const char *text);

/* TRUE on the engine thread while it delivers a log line: what is logged
 * then must not be published again, or a line about a delivery (a full
 * queue, a dropped client) would publish itself without end. */
gboolean bd_engine_is_publishing_log (void);

G_END_DECLS
