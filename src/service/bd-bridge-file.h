/* bd-bridge-file.h — bridges in the configuration file the window shares
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The Broker page's bridge dialog writes a bridge as the configuration lines
 * bd_bridge_config_to_text () gives, into the file the broker started from
 * (--config's, or Brokerdesk's own brokerdesk.conf), so that a headless box
 * and the window share one file. Only the bridge's own block changes: every
 * other line stays as the operator wrote it.
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* @text with the block of the bridge @name (its 'connection NAME' line and
 * the bridge directives after it, up to the next 'connection' line) replaced
 * by @block, in the same place; @block is appended (after a blank line)
 * when there was no such bridge; @block NULL removes the bridge. Lines that
 * are not bridge directives, comments and blank lines are kept where they
 * are, even inside the block. */
char     *bd_bridge_file_replace     (const char *text,
                                      const char *name,
                                      const char *block);
/* Every bridge block of @text, blank-line separated ("" when none): what a
 * writer of a whole configuration file (bd_security_config_text ()) keeps. */
char     *bd_bridge_file_dup_blocks  (const char *text);

/* Rewrites @path (read as "" when missing) as @edit says, under a lock that
 * every read-modify-write of a configuration file in this process takes, so
 * that two savers never lose each other's change. Blocks on the disk: only
 * on a worker. @edit returns the new text, or NULL with @error to write
 * nothing. */
typedef char *(*BdBridgeFileEdit) (const char  *old_text,
                                   gpointer     user_data,
                                   GError     **error);

gboolean  bd_bridge_file_edit        (const char        *path,
                                      BdBridgeFileEdit   edit,
                                      gpointer           user_data,
                                      GError           **error);

/* bd_bridge_file_edit () on a worker; @edit_data (freed with
 * @edit_data_free) is made by the caller on its own thread, so later edits
 * cannot race the write. */
void      bd_bridge_file_edit_async  (const char          *path,
                                      BdBridgeFileEdit     edit,
                                      gpointer             edit_data,
                                      GDestroyNotify       edit_data_free,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data);
gboolean  bd_bridge_file_edit_finish (GAsyncResult        *result,
                                      GError             **error);

/* Replaces (or adds, or with @block NULL removes) the bridge @old_name by
 * @block in @path, on a worker, through the atomic saver. The new file must
 * parse as a configuration (bd_broker_config_parse ()); if it does not,
 * nothing is written and the parser's message is the error. */
void      bd_bridge_file_save_async  (const char          *path,
                                      const char          *old_name,
                                      const char          *block,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data);
gboolean  bd_bridge_file_save_finish (GAsyncResult        *result,
                                      GError             **error);

G_END_DECLS
