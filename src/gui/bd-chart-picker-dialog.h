/* bd-chart-picker-dialog.h — a searchable list of the recorded series, to chart
 * one
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "bd-history.h"

G_BEGIN_DECLS

#define BD_TYPE_CHART_PICKER_DIALOG (bd_chart_picker_dialog_get_type ())
G_DECLARE_FINAL_TYPE (BdChartPickerDialog, bd_chart_picker_dialog, BD, CHART_PICKER_DIALOG,
                      AdwWindow)

/* Lists @history's series (asynchronously); those in @charted are shown
 * as already charted. Emits "series-chosen" (const char *name) and closes
 * when the user picks one. */
GtkWidget *bd_chart_picker_dialog_new (BdHistory          *history,
                                       const char * const *charted);

G_END_DECLS
