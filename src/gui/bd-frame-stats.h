/* bd-frame-stats.h — frame intervals and main-loop stalls, for the GUI benchmark
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* The environment variable that turns the statistics on: its value is the
 * file the summary goes to. Off (and free) when unset. */
#define BD_FRAME_STATS_ENV "BROKERDESK_FRAME_STATS"

/* TRUE when BROKERDESK_FRAME_STATS is set; cached after the first call. */
gboolean bd_frame_stats_enabled      (void);

/* Call once from the window's init: does nothing unless enabled; otherwise
 * starts recording when @window is realized and writes the summary every
 * second and when the window is unrealized. */
void     bd_frame_stats_attach       (GtkWidget *window);

/* One delivery of topic updates to the main thread took @duration_us for
 * @n_entries entries. Main thread; cheap and a no-op when disabled. */
/* A named moment ("m WALL_US NAME"), for a benchmark to time from. */
void     bd_frame_stats_record_mark  (const char *name);
void     bd_frame_stats_record_batch (gint64     duration_us,
                                      guint      n_entries);

G_END_DECLS
