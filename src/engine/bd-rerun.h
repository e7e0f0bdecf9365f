/* bd-rerun.h — one run at a time of an asynchronous job, again after a change
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Saving a file or applying settings on every change: no two runs overlap,
 * so an older result never lands after a newer one, and the changes made
 * while a run is under way cost one more run when it ends, not one each.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Zeroed to start; used on one thread only. */
typedef struct
{
  gboolean running;
  gboolean again;     /* a change came after the running one began */
} BdRerun;

/* TRUE: start the job now, and call bd_rerun_end () when it is done;
 * FALSE: one is running, and another will follow it. */
static inline gboolean
bd_rerun_begin (BdRerun *rerun)
{
  if (rerun->running)
    {
      rerun->again = TRUE;
      return FALSE;
    }
  rerun->running = TRUE;
  rerun->again = FALSE;
  return TRUE;
}

/* The job is done: TRUE when a change came meanwhile, so it runs again now. */
static inline gboolean
bd_rerun_end (BdRerun *rerun)
{
  rerun->running = FALSE;
  return rerun->again;
}

G_END_DECLS
