/* bd-bridge-config-private.h — the configuration reader's bridge part
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Used by bd-config.c only: the reader hands every line whose directive is a
 * bridge directive here, with the bridge block it is in (NULL before the
 * file's first 'connection' line). Errors come back as a message without the
 * "FILE:LINE: " the reader puts in front.
 */

#pragma once

#include "bd-config.h"

G_BEGIN_DECLS

gboolean _bd_bridge_config_is_directive (const char      *name);
/* Applies one line. A 'connection' line checks the block it ends, appends a
 * new bridge to @config->bridges and makes it *@current. */
gboolean _bd_bridge_config_apply        (BdBrokerConfig  *config,
                                         BdBridgeConfig **current,
                                         const char      *file,
                                         guint            line,
                                         const char      *name,
                                         char           **values,
                                         guint            n_values,
                                         const char      *rest,
                                         char           **message);
/* Checks a finished block; the message is about its 'connection' line. */
gboolean _bd_bridge_config_check        (const BdBridgeConfig *bridge,
                                         char                **message);

G_END_DECLS
