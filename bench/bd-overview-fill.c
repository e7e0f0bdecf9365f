/* bd-overview-fill.c — a history of the overview benchmark's series, for its first paint
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Usage: bd-overview-fill DATA_DIR PREFIX N_SERIES MINUTES
 *
 * Writes DATA_DIR/history.db through the recorder, as live data would reach
 * it: one sample a second for the last MINUTES minutes on each of N_SERIES
 * topics named as bd-gui-pub names them (PREFIX/f<i / 100>/s<i mod 100>),
 * so every overview tile has a full trend to draw when the window opens.
 */

#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "bd-recorder.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(BdRecorder) recorder = NULL;
  g_autoptr(GError) error = NULL;
  BdRecorderStats stats;
  gint64 n_series;
  gint64 seconds;
  gint64 end_us;
  guint64 n = 0;

  if (argc != 5)
    {
      g_printerr ("Usage: %s DATA_DIR PREFIX N_SERIES MINUTES\n", argv[0]);
      return 2;
    }
  n_series = g_ascii_strtoll (argv[3], NULL, 10);
  seconds = g_ascii_strtoll (argv[4], NULL, 10) * 60;
  end_us = g_get_real_time ();

  recorder = bd_recorder_new (argv[1], NULL);
  if (!bd_recorder_start (recorder, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  for (gint64 t = seconds; t > 0; t--)
    for (gint64 i = 0; i < n_series; i++)
      {
        char topic[256];
        char payload[32];
        double value = 20 + 5 * sin ((double) t / 120 + i) + (i % 7) * 0.1;
        gsize len = g_snprintf (payload, sizeof payload, "%.2f", value);
        g_autoptr(GBytes) bytes = g_bytes_new (payload, len);
        g_autoptr(BdMessage) message = NULL;

        g_snprintf (topic, sizeof topic, "%s/f%" G_GINT64_FORMAT "/s%" G_GINT64_FORMAT,
                    argv[2], i / 100, i % 100);
        message = bd_message_new_full (topic, bytes, 0, FALSE, NULL, NULL,
                                       end_us - t * G_USEC_PER_SEC);
        bd_recorder_tap (message, recorder);
        /* The ring is bounded (65,536 by default): commit every 10,000 so
         * that nothing is dropped. */
        if (++n % 10000 == 0 && !bd_recorder_flush_sync (recorder, &error))
          {
            g_printerr ("%s\n", error->message);
            return 1;
          }
      }
  bd_recorder_close (recorder);
  bd_recorder_get_stats (recorder, &stats);
  g_print ("{\"samples\": %" G_GUINT64_FORMAT ", \"recorded\": %" G_GUINT64_FORMAT
           ", \"dropped\": %" G_GUINT64_FORMAT "}\n", n, stats.recorded, stats.dropped);
  return stats.dropped == 0 ? 0 : 1;
}
