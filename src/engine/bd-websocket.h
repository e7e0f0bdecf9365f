/* bd-websocket.h — WebSocket (RFC 6455) framing for the engine's users
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The engine's WebSocket listeners (bd-websocket.c) frame with the codec's
 * pure functions (bd-websocket-codec.h); a client of another broker (the
 * remote client) uses the same ones for its side of the connection.
 */

#pragma once

#include "bd-websocket-codec.h"
