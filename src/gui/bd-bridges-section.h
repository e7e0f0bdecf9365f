/* bd-bridges-section.h — the Broker page's bridges
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "bd-service.h"

G_BEGIN_DECLS

#define BD_TYPE_BRIDGES_SECTION (bd_bridges_section_get_type ())
G_DECLARE_FINAL_TYPE (BdBridgesSection, bd_bridges_section, BD, BRIDGES_SECTION,
                      AdwPreferencesGroup)

GtkWidget *bd_bridges_section_new         (void);
/* Shows @service's bridges from now on; the dialog saves them into
 * @config_path (the configuration file the broker started from, or NULL
 * for Brokerdesk's own). */
void       bd_bridges_section_set_service (BdBridgesSection *self,
                                           BdService        *service,
                                           const char       *config_path);

G_END_DECLS
