/* bd-broker-page.h — the Broker page: status of the embedded broker
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "bd-engine.h"
#include "bd-service.h"

G_BEGIN_DECLS

#define BD_TYPE_BROKER_PAGE (bd_broker_page_get_type ())
G_DECLARE_FINAL_TYPE (BdBrokerPage, bd_broker_page, BD, BROKER_PAGE, AdwBin)

GtkWidget *bd_broker_page_new         (void);
/* Where the embedded broker listens; shown in the empty state. */
void       bd_broker_page_set_address (BdBrokerPage *self,
                                       const char   *host,
                                       guint         port);

typedef enum
{
  BD_BROKER_STARTING,
  BD_BROKER_RUNNING,
  BD_BROKER_FAILED,
} BdBrokerState;

/* @error: why it failed, for BD_BROKER_FAILED; NULL otherwise. */
void bd_broker_page_set_state (BdBrokerPage *self,
                               BdBrokerState state,
                               const char   *error);

/* Shows live figures and clients of @engine from now on. */
void bd_broker_page_set_engine (BdBrokerPage *self,
                                BdEngine     *engine);
/* Shows @service's bridges; the bridge dialog writes @config_path (the
 * --config file, or NULL: Brokerdesk's own). */
void bd_broker_page_set_service (BdBrokerPage *self,
                                 BdService    *service,
                                 const char   *config_path);

G_END_DECLS
