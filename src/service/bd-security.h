/* bd-security.h — the broker's users, passwords and topic permissions
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the Security page edits: the password file and the ACL file the
 * running broker reads, in Mosquitto's formats, so that mosquitto_passwd and
 * Mosquitto itself keep working with them. With --config FILE they are the
 * files FILE names; without it, Brokerdesk's own files in its configuration
 * folder, which bd_broker_setup() gives the broker when they exist.
 */

#pragma once

#include <gio/gio.h>

#include "bd-config.h"
#include "bd-engine.h"

G_BEGIN_DECLS

typedef enum
{
  BD_SECURITY_READ,
  BD_SECURITY_WRITE,
  BD_SECURITY_READWRITE,
  BD_SECURITY_DENY,
} BdSecurityAccess;

typedef enum
{
  BD_SECURITY_RULE_USER,       /* "topic" lines after "user NAME" */
  BD_SECURITY_RULE_ANONYMOUS,  /* "topic" lines before any "user" line */
  BD_SECURITY_RULE_PATTERN,    /* "pattern" lines: every client, %u and %c */
} BdSecurityRuleKind;

typedef struct
{
  BdSecurityRuleKind  kind;
  char               *user;    /* BD_SECURITY_RULE_USER only */
  BdSecurityAccess    access;
  char               *filter;
} BdSecurityRule;

/* A listener of Brokerdesk's own configuration file, as the window edits
 * it. */
typedef struct
{
  BdListenerProtocol  protocol;
  guint16             port;
  char               *bind_address;  /* NULL: every interface */
  char               *certfile;      /* with keyfile: TLS */
  char               *keyfile;
} BdSecurityListener;

typedef struct
{
  /* The configuration file the broker starts from: --config's, or
   * Brokerdesk's own (bd_security_default_config_path ()). Anonymous access
   * is kept there; the listeners only in Brokerdesk's own file, which the
   * window writes whole (a hand-written mosquitto.conf is the operator's). */
  char       *config_path;
  gboolean    config_is_own;
  GPtrArray  *listeners;       /* of BdSecurityListener*; own file only, else NULL */
  char       *certfile;        /* the network listeners' certificate, or NULL */
  char       *keyfile;
  char       *password_path;
  char       *acl_path;
  /* The running broker read these files at start, so a change applies at
   * once; otherwise it applies at the next start (or, with --config, once
   * the configuration file names them). */
  gboolean    password_live;
  gboolean    acl_live;
  gboolean    from_config_file;
  gboolean    allow_anonymous;
  GPtrArray  *users;           /* of char* "name:hash" lines, in file order */
  GPtrArray  *rules;           /* of BdSecurityRule* */
} BdSecurity;

/* TRUE for "localhost" and loopback addresses; NULL (every interface) is
 * not. */
gboolean    bd_security_address_is_loopback   (const char *address);
/* What is unsafe about @config's listeners for clients from other
 * computers, one sentence each with what to do about it, with anonymous
 * access as @allow_anonymous says; NULL when nothing is. */
char       *bd_security_dup_warnings          (const BdBrokerConfig *config,
                                               gboolean              allow_anonymous);

/* Brokerdesk's own files, in $XDG_CONFIG_HOME/brokerdesk. */
char       *bd_security_default_config_path   (void);
char       *bd_security_default_password_path (void);
char       *bd_security_default_acl_path      (void);

/* The files @engine uses (or the defaults), read on a worker.
 * @config_path: the configuration file the broker started from, or NULL
 * for Brokerdesk's own. */
void        bd_security_load_async   (BdEngine            *engine,
                                      const char          *config_path,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data);
BdSecurity *bd_security_load_finish  (GAsyncResult        *result,
                                      GError             **error);
void        bd_security_free         (BdSecurity          *security);

/* Adds @name, or changes its password. FALSE with @error for a name
 * Mosquitto's format cannot hold (empty, or with ':' or a line break). */
gboolean    bd_security_set_user     (BdSecurity          *security,
                                      const char          *name,
                                      const char          *password,
                                      GError             **error);
/* Removes @name and its rules; FALSE when there was no such user. */
gboolean    bd_security_remove_user  (BdSecurity          *security,
                                      const char          *name);
gboolean    bd_security_has_user     (BdSecurity          *security,
                                      const char          *name);
/* @user for BD_SECURITY_RULE_USER, NULL otherwise. FALSE with @error for an
 * empty filter or one with a line break. */
gboolean    bd_security_add_rule     (BdSecurity          *security,
                                      BdSecurityRuleKind   kind,
                                      const char          *user,
                                      BdSecurityAccess     access,
                                      const char          *filter,
                                      GError             **error);
void        bd_security_remove_rule  (BdSecurity          *security,
                                      guint                index);

char       *bd_security_password_text (BdSecurity         *security);
char       *bd_security_acl_text      (BdSecurity         *security);
const char *bd_security_access_word   (BdSecurityAccess    access);

/* Writes both files (mode 0600) on a worker, then, where the broker reads
 * them, has it read them again: clients still allowed stay, removed users
 * are disconnected. Returns the number of clients disconnected. */
void        bd_security_apply_async  (BdSecurity          *security,
                                      BdEngine            *engine,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data);
int         bd_security_apply_finish (GAsyncResult        *result,
                                      GError             **error);

/* @port on @bind_address (NULL: every interface); TLS with @certfile and
 * @keyfile (both or neither). */
BdSecurityListener *bd_security_listener_new  (BdListenerProtocol  protocol,
                                               guint16             port,
                                               const char         *bind_address,
                                               const char         *certfile,
                                               const char         *keyfile);
void        bd_security_listener_free (BdSecurityListener  *listener);

/* The listeners the window switches on and off in the own file, beside the
 * first (plain) one, which it leaves alone (the Preferences' port row
 * and "Listen on All Interfaces" set its port and address:
 * bd_security_save_own_port_async ()). */
typedef enum
{
  BD_SECURITY_LISTENER_TLS,         /* MQTT over TLS, every interface */
  BD_SECURITY_LISTENER_WEBSOCKETS,  /* MQTT over WebSockets (TLS with a certificate) */
} BdSecurityListenerKind;

/* The listener of @kind (beyond the first), or NULL. */
BdSecurityListener *bd_security_get_listener (BdSecurity             *security,
                                              BdSecurityListenerKind  kind);
/* Adds or removes the listener of @kind, on @port. A TLS listener needs
 * a certificate: FALSE with @error without one. */
gboolean    bd_security_set_listener  (BdSecurity             *security,
                                       BdSecurityListenerKind  kind,
                                       gboolean                enabled,
                                       guint16                 port,
                                       GError                **error);
/* The certificate of every listener beyond the first (NULL, NULL: none; a
 * TLS listener then goes). FALSE with @error for a path the configuration
 * file cannot hold (one with a line break). */
gboolean    bd_security_set_certificate (BdSecurity          *security,
                                         const char          *certfile,
                                         const char          *keyfile,
                                         GError             **error);
/* What is unsafe about the listeners @security will have, as
 * bd_security_dup_warnings (); @running: the broker's configuration, for a
 * configuration file the window does not write. NULL when nothing is. */
char       *bd_security_dup_listener_warnings (BdSecurity           *security,
                                               const BdBrokerConfig *running);

/* The text of Brokerdesk's own configuration file for @security. */
char       *bd_security_config_text  (BdSecurity          *security);
/* @text with every allow_anonymous line saying @allow (one added at the top
 * if there was none): how anonymous access is kept in a file the operator
 * wrote, everything else left as it was. */
char       *bd_security_config_set_allow_anonymous (const char *text,
                                                    gboolean    allow);

/* Keeps anonymous access and (own file) the listeners in the configuration
 * file, on a worker, so that the next start, the window's or --headless's,
 * uses them. */
void        bd_security_save_config_async  (BdSecurity          *security,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
gboolean    bd_security_save_config_finish (GAsyncResult        *result,
                                            GError             **error);

/* Makes the listeners of @security (Brokerdesk's own file only) the running
 * listeners of @engine, at once (bd_engine_apply_listeners_async()): the
 * first listener stays as the engine runs it (its port and address change
 * at the next start; --port/--bind override them), and every listener keeps the password and ACL
 * files the engine uses. Fails, changing nothing, when a port cannot be
 * opened; does nothing without an own file. */
void        bd_security_apply_listeners_async  (BdSecurity          *security,
                                                BdEngine            *engine,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
gboolean    bd_security_apply_listeners_finish (GAsyncResult        *result,
                                                GError             **error);

/* The first listener's port and address: one line of the configuration
 * file, which the window's Preferences write and --headless reads, so that
 * both listen where the file says. */

/* Which interfaces the first listener is to take. */
typedef enum
{
  BD_SECURITY_INTERFACES_KEEP,      /* as the file has them */
  BD_SECURITY_INTERFACES_LOOPBACK,  /* 127.0.0.1: this computer only */
  BD_SECURITY_INTERFACES_ALL,       /* a listener without an address: every interface */
} BdSecurityInterfaces;

/* The port of the listener @text (a configuration file's text; @name for
 * messages) starts first, in *@port, whether it takes more than loopback in
 * *@all_interfaces and whether it lets anonymous clients in, in
 * *@anonymous (both may be NULL); *@configured is FALSE, and
 * *@port the default 1883 on 127.0.0.1, when @text configures no listener.
 * FALSE with @error when @text does not parse. */
gboolean    bd_security_config_read_port (const char  *name,
                                          const char  *text,
                                          guint16     *port,
                                          gboolean    *all_interfaces,
                                          gboolean    *anonymous,
                                          gboolean    *configured,
                                          GError     **error);
/* @text with its first listener on @port (0: the port it has) and
 * @interfaces: the default listener's 'port' and 'bind_address' lines if it
 * has one, else the first 'listener' line, else a new 'listener PORT
 * [127.0.0.1]' before the bridges, with anonymous access as it was. Every
 * other line stays. NULL with @error when @text does not parse, or when no
 * line of it sets that port or address (an included file's listener). */
char       *bd_security_config_set_port  (const char            *name,
                                          const char            *text,
                                          guint16                port,
                                          BdSecurityInterfaces   interfaces,
                                          GError               **error);
/* bd_security_config_read_port () of Brokerdesk's own file (none: not
 * configured). Blocks on the disk: only on a worker. */
gboolean    bd_security_read_own_port    (guint16     *port,
                                          gboolean    *all_interfaces,
                                          gboolean    *anonymous,
                                          gboolean    *configured,
                                          GError     **error);
/* Sets the own file's first port (0: kept) and interfaces, under the lock
 * of every writer of the file; with @only_if_unset, a file that configures
 * a listener is left as it is. *@written says whether it was written.
 * Blocks on the disk: only on a worker. */
gboolean    bd_security_write_own_port   (guint16                port,
                                          BdSecurityInterfaces   interfaces,
                                          gboolean               only_if_unset,
                                          gboolean              *written,
                                          GError               **error);
/* The same on a worker, for the window. */
void        bd_security_load_own_port_async  (GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
gboolean    bd_security_load_own_port_finish (GAsyncResult        *result,
                                              guint16             *port,
                                              gboolean            *all_interfaces,
                                              gboolean            *anonymous,
                                              GError             **error);
void        bd_security_save_own_port_async  (guint16               port,
                                              BdSecurityInterfaces  interfaces,
                                              GCancellable         *cancellable,
                                              GAsyncReadyCallback   callback,
                                              gpointer              user_data);
gboolean    bd_security_save_own_port_finish (GAsyncResult         *result,
                                              GError              **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BdSecurity, bd_security_free)

G_END_DECLS
