/* bd-log.h — the broker's log: Mosquitto's log options, written off the engine thread
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "bd-config.h"
#include "bd-engine.h"

G_BEGIN_DECLS

/* Lines carrying the BD_LOG_TYPE_FIELD field (bd-config.h) have that type
 * ("subscribe", "unsubscribe"); the others take their type from their
 * level: error and critical are "error", warning "warning", message
 * "notice", info "information", debug "debug". */

/* Installs the log writer: lines go out through a thread of their own and a
 * bounded queue, so that logging never blocks (a full pipe drops lines and
 * counts them); lines still queued are written at exit (for a bounded
 * time). Until bd_log_configure (), Mosquitto's defaults: error, warning,
 * notice and information to standard error, with a timestamp. */
void      bd_log_install_writer (void);

/* Applies log_type, log_dest, log_timestamp and log_timestamp_format from
 * @config. Opens a log_dest file (appending); FALSE with the path in @error
 * when it cannot be opened, and the previous settings are kept. */
gboolean  bd_log_configure      (const BdBrokerConfig *config,
                                 GError              **error);

/* The engine that publishes the lines 'log_dest topic' asks for, once it
 * runs; NULL before it stops. Lines logged while there is none are not
 * published. */
void      bd_log_set_engine     (BdEngine             *engine);

G_END_DECLS
