/* remote-test-util.h — waiting on the main context in the remote-client tests
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

typedef gboolean (*CondFunc) (gpointer data);

/* Runs the thread-default main context until @cond holds; fails the test
 * (naming @what) after @ms milliseconds. No sleeps: it waits on events. */
void wait_until (CondFunc    cond,
                 gpointer    data,
                 guint       ms,
                 const char *what);
