/* bd-auth.h — Mosquitto password files and ACL files
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Reads the files named by password_file and acl_file in Mosquitto's formats,
 * so an existing installation keeps its users and rules. Load errors use
 * BD_CONFIG_ERROR (bd-config.h): BD_CONFIG_ERROR_IO when a file cannot be read,
 * BD_CONFIG_ERROR_PARSE with "FILE:LINE: what is wrong" otherwise. A failed
 * load leaves what was loaded before in place, so a reload cannot leave the
 * broker half-configured.
 *
 * A BdAuth is not locked: load and check on one thread (the engine's).
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _BdAuth BdAuth;

typedef enum
{
  BD_ACL_READ      = 1,   /* receive a message on a topic (checked per delivery) */
  BD_ACL_WRITE     = 2,   /* publish on a topic */
  BD_ACL_SUBSCRIBE = 4,   /* subscribe with a filter */
} BdAclAccess;

BdAuth   *bd_auth_new                (void);
/* A password file and an ACL file (either may be NULL) read into a new
 * BdAuth; NULL, with the error of the first that fails, when either does. */
BdAuth   *bd_auth_new_from_files     (const char    *password_file,
                                      const char    *acl_file,
                                      GError       **error);
void      bd_auth_free               (BdAuth        *auth);

/* Lines "user:HASH", where HASH is what mosquitto_passwd writes:
 * "$7$ITERATIONS$SALT$HASH" (PBKDF2-HMAC-SHA512, Mosquitto 2.0) or
 * "$6$SALT$HASH" (SHA-512 of password + salt, Mosquitto 1.x), SALT and HASH
 * in base64. '#' starts a comment line. Replaces the loaded passwords. */
gboolean  bd_auth_load_password_file (BdAuth        *auth,
                                      const char    *path,
                                      GError       **error);
gboolean  bd_auth_has_passwords      (BdAuth        *auth);
/* FALSE for an unknown user or a wrong password. @password is the CONNECT
 * packet's binary password field. */
gboolean  bd_auth_check_password     (BdAuth        *auth,
                                      const char    *username,
                                      const guint8  *password,
                                      gsize          password_len);

/* TRUE when the loaded password file holds @username. */
gboolean  bd_auth_has_user           (BdAuth        *auth,
                                      const char    *username);
/* A password hashed as mosquitto_passwd 2.0 writes it, for a "user:HASH"
 * line: "$7$101$SALT$HASH", PBKDF2-HMAC-SHA512 with a random 12-byte salt.
 * NULL (with @error) when the system has no randomness to give. */
char     *bd_auth_hash_password      (const char    *password,
                                      GError       **error);
/* TRUE when @password matches @hash, one that bd_auth_hash_password() or
 * mosquitto_passwd wrote; FALSE for a wrong password or a malformed hash.
 * For secrets kept outside a password file (the window's operator PIN). */
gboolean  bd_auth_check_hash         (const char    *hash,
                                      const char    *password);
/* Exchanges what @auth and @other loaded, so that whoever points at @auth
 * (listeners, sessions) sees the new files at once. */
void      bd_auth_swap               (BdAuth        *auth,
                                      BdAuth        *other);

/* Mosquitto's acl_file:
 *   topic [read|write|readwrite|deny] FILTER   (before any user line: clients
 *                                               without a user name)
 *   user NAME                                  (later topic lines: that user)
 *   pattern [read|write|readwrite|deny] FILTER (every client; a level "%c" is
 *                                               the client id, "%u" the user name)
 * Without an access word a rule grants readwrite. Replaces the loaded ACL. */
gboolean  bd_auth_load_acl_file      (BdAuth        *auth,
                                      const char    *path,
                                      GError       **error);
gboolean  bd_auth_has_acl            (BdAuth        *auth);
/* TRUE when allowed; everything is allowed while no ACL is loaded, nothing
 * that the ACL does not grant once one is. @username is NULL for an anonymous
 * client. For BD_ACL_READ and BD_ACL_WRITE @topic is a topic name; for
 * BD_ACL_SUBSCRIBE it is the subscription's filter (see bd-auth.c). */
gboolean  bd_auth_acl_check          (BdAuth        *auth,
                                      const char    *client_id,
                                      const char    *username,
                                      const char    *topic,
                                      BdAclAccess    access);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BdAuth, bd_auth_free)

G_END_DECLS
