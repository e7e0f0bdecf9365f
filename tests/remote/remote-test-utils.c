/* remote-test-utils.c — helpers shared by the remote client tests
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "bd-test-util.h"
#include "remote-test-utils.h"

typedef struct
{
  BdRemoteClient *client;
  BdRemoteState   state;
} StateWait;

static gboolean
state_reached (gpointer data)
{
  StateWait *wait = data;

  return bd_remote_client_get_state (wait->client) == wait->state;
}

void
remote_test_wait_for_state (BdRemoteClient *client,
                            BdRemoteState   state)
{
  StateWait wait = { client, state };
  g_autofree char *what = g_strdup_printf ("state %d (now %d, error %s)", state,
                                           bd_remote_client_get_state (client),
                                           bd_remote_client_get_error_message (client));

  bd_test_wait_until (state_reached, &wait, REMOTE_TEST_WAIT_MS, what);
}
