/* bd-settings-file.h — durable, atomic saving of a small settings file
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * alarms.ini, relays.ini, connections.ini and the broker's state are all
 * rewritten whole. A crash or a full disk in the middle must leave either
 * the old file or the new one, never a truncated mix, and "saved" must mean
 * on the disk, not in the page cache.
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Replaces @path with @length bytes of @contents: creates its folder (mode
 * 0700) if needed, writes a temporary file beside it with mode 0600 (these
 * files may hold user names and topics the user keeps private), fsyncs it,
 * renames it over @path and fsyncs the folder so the rename itself is
 * durable. Blocks on the disk: never call it on the main or engine thread.
 * On failure @error names the file or folder and @path is left as it was. */
gboolean bd_settings_file_save (const char  *path,
                                const char  *contents,
                                gsize        length,
                                GError     **error);

/* Writes all @length bytes of @contents to @fd, again after EINTR and
 * short writes. FALSE with errno set when a write fails. Blocks: for the
 * writer threads (settings files, the broker's store, the log). */
gboolean bd_settings_file_write_all (int         fd,
                                     const void *contents,
                                     gsize       length);
/* The same at @offset (pwrite ()), the file's position left alone. */
gboolean bd_settings_file_write_all_at (int         fd,
                                        const void *contents,
                                        gsize       length,
                                        guint64     offset);

/* Key-file numbers, read and written alike by every settings file. */

/* Reads @text (blanks around it allowed) as a finite number, whatever the
 * locale. FALSE for anything else, "nan" and "inf" included. */
gboolean bd_settings_file_parse_number (const char *text,
                                        double     *value);

/* Sets @key to @value in a form that reads back in any locale ("0,5" would
 * not), or leaves it out when @value is NaN (the files' "not set"). */
void     bd_settings_file_set_number   (GKeyFile   *key_file,
                                        const char *group,
                                        const char *key,
                                        double      value);

/* The key file in @length bytes of @data (-1: up to its NUL), or NULL with
 * @error starting with @file_name, so the user knows which file is broken. */
GKeyFile *bd_settings_file_parse_key_file (const char  *data,
                                           gssize       length,
                                           const char  *file_name,
                                           GError     **error);

/* Hands the strings of *@messages (its free function g_free) to @warnings
 * as a NULL-terminated array, when @warnings is not NULL; *@messages is
 * freed either way and set to NULL. */
void      bd_settings_file_take_warnings  (GPtrArray  **messages,
                                           char      ***warnings);

/* bd_settings_file_save () on a worker thread, for a task whose source is
 * @source_object (may be NULL). Takes @contents, made by the caller on its
 * own thread so later edits cannot race with the write. Saves of one path
 * land in the order they were asked for: a save that finds a newer one
 * already written skips its write and succeeds, so an older snapshot never
 * replaces a newer one. */
void     bd_settings_file_save_async  (gpointer             source_object,
                                       const char          *path,
                                       char                *contents,
                                       gsize                length,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data);
gboolean bd_settings_file_save_finish (GAsyncResult        *result,
                                       GError             **error);

/* Reads and parses a settings file off the calling thread: @parse runs on
 * a worker with the path and returns what the file holds (freed with
 * @result_free if nobody takes it), or NULL and sets its error. */
typedef gpointer (*BdSettingsFileParse) (const char  *path,
                                         GError     **error);

void        bd_settings_file_load_async  (gpointer             source_object,
                                          const char          *path,
                                          BdSettingsFileParse  parse,
                                          GDestroyNotify       result_free,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
/* What @parse returned (the caller owns it), or NULL with @error set. */
gpointer    bd_settings_file_load_finish (GAsyncResult        *result,
                                          GError             **error);
/* The path a load or save of @result was for. */
const char *bd_settings_file_get_path    (GAsyncResult        *result);

G_END_DECLS
