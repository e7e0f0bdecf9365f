/* bd-storage-error.h — the BD_STORAGE_ERROR domain shared by the history layer
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define BD_STORAGE_ERROR (bd_storage_error_quark ())
GQuark bd_storage_error_quark (void);

/* Every message names the database file it is about, so it can be shown as
 * it is (log, $SYS, a toast) and the user knows which file to look at. */
typedef enum
{
  BD_STORAGE_ERROR_FAILED,      /* anything not listed below */
  BD_STORAGE_ERROR_NOT_FOUND,   /* no database file (export, queries) */
  BD_STORAGE_ERROR_LOCKED,      /* another program holds a lock on the file */
  BD_STORAGE_ERROR_READ_ONLY,   /* the file (or its directory) cannot be written */
  BD_STORAGE_ERROR_CORRUPT,     /* not a SQLite database, or damaged, or not ours */
  BD_STORAGE_ERROR_FULL,        /* the disk (or the page limit) is full */
  BD_STORAGE_ERROR_TOO_NEW,     /* written by a newer Brokerdesk (schema version) */
  BD_STORAGE_ERROR_IO,          /* the operating system reported an I/O error */
  BD_STORAGE_ERROR_INVALID,     /* a bad argument: time, format, series name */
  BD_STORAGE_ERROR_CLOSED,      /* the recorder is not running */
} BdStorageError;

G_END_DECLS
