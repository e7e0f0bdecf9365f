/* remote-test-utils.h — helpers shared by the remote client tests
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "bd-remote-client.h"

G_BEGIN_DECLS

#define REMOTE_TEST_WAIT_MS 10000

/* Iterates the default main context until @client is in @state; a timeout
 * fails the test, naming the state reached and the client's error. */
void remote_test_wait_for_state (BdRemoteClient *client,
                                 BdRemoteState   state);

G_END_DECLS
