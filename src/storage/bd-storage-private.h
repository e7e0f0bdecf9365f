/* bd-storage-private.h — shared internals of the history layer
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>
#include <sqlite3.h>

#include "bd-storage-error.h"

G_BEGIN_DECLS

#define BD_HISTORY_DB_NAME     "history.db"
/* The schema this build writes; bd-storage.c holds the migrations to it. */
#define BD_HISTORY_SCHEMA_VERSION 1

/* Rollup widths, in milliseconds. */
#define BD_ROLLUP_MINUTE_MS  G_GINT64_CONSTANT (60000)
#define BD_ROLLUP_HOUR_MS    G_GINT64_CONSTANT (3600000)

/* Floor division (times before 1970 are negative). */
static inline gint64
_bd_floor_div (gint64 a,
               gint64 b)
{
  gint64 q = a / b;

  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

static inline gint64
_bd_bucket_start (gint64 time_ms,
                  gint64 width_ms)
{
  return _bd_floor_div (time_ms, width_ms) * width_ms;
}

/* Sets a BD_STORAGE_ERROR from a SQLite result code, naming @path:
 * "History database “PATH”: WHAT: sqlite message". */
void      _bd_storage_set_error     (GError    **error,
                                     sqlite3    *db,
                                     int         rc,
                                     const char *path,
                                     const char *what);
int       _bd_storage_error_code    (int         rc);

typedef enum
{
  BD_STORAGE_OPEN_WRITER   = 0,
  BD_STORAGE_OPEN_READER   = 1 << 0,
  /* testing: open the writer with SQLITE_OPEN_READONLY, as if the file
   * could not be written (chmod does not stop root, CI runs as root) */
  BD_STORAGE_OPEN_FORCE_RO = 1 << 1,
} BdStorageOpenFlags;

/* The writer: creates the file if needed, refuses files that are not ours or
 * are newer than this build (without writing a byte to them), migrates older
 * ones, then sets WAL. The reader: read-only, the file must exist and be
 * current. @busy_timeout_ms bounds how long a lock held by another program
 * is waited for. */
sqlite3  *_bd_storage_open          (const char         *path,
                                     BdStorageOpenFlags  flags,
                                     int                 busy_timeout_ms,
                                     GError            **error);

gboolean  _bd_storage_exec          (sqlite3    *db,
                                     const char *path,
                                     const char *sql,
                                     GError    **error);

/* Used bytes of the main database file (pages in use x page size). */
gint64    _bd_storage_used_bytes    (sqlite3    *db);

G_END_DECLS
