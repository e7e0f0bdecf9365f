/* bd-application.h — the GTK application
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "bd-options.h"

G_BEGIN_DECLS

#define BD_TYPE_APPLICATION (bd_application_get_type ())
G_DECLARE_FINAL_TYPE (BdApplication, bd_application, BD, APPLICATION, AdwApplication)

/* Copies what it needs from @options. */
BdApplication *bd_application_new (const BdOptions *options);

G_END_DECLS
