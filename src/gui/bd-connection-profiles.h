/* bd-connection-profiles.h — saved remote-broker profiles and their passwords
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Profiles live in a key file, by default
 * $XDG_CONFIG_HOME/brokerdesk/connections.ini; passwords never go there but
 * to the user's keyring through libsecret. When no Secret Service answers
 * (no session bus, no keyring daemon) a password is kept in memory for this
 * session only, and "keyring-available" turns FALSE so the UI can say so.
 *
 * No widgets here, so tests can drive it without a display. Main thread only.
 */

#pragma once

#include <gio/gio.h>

#include "bd-remote-client.h"

G_BEGIN_DECLS

typedef struct
{
  char         *id;              /* stable, generated; the key-file group and keyring key */
  char         *name;            /* shown to the user */
  char         *host;
  guint16       port;            /* 0: the default for TLS or not */
  gboolean      use_tls;
  char         *ca_file;
  char         *cert_file;
  char         *key_file;
  char         *username;
  char         *client_id;       /* "" or NULL: generated when connecting */
  BdMqttVersion version;         /* BD_MQTT_V311 or BD_MQTT_V5 */
  gboolean      clean_session;
  gboolean      auto_connect;    /* at most one profile has it */
  gboolean      use_websockets;  /* MQTT over WebSocket (wss with TLS) */
  char         *websocket_path;  /* NULL or "": /mqtt */
} BdConnectionProfile;

#define BD_TYPE_CONNECTION_PROFILE (bd_connection_profile_get_type ())
GType                bd_connection_profile_get_type  (void);

/* A new profile with a fresh id, "localhost", MQTT 3.1.1, clean session. */
BdConnectionProfile *bd_connection_profile_new       (void);
BdConnectionProfile *bd_connection_profile_copy      (const BdConnectionProfile *profile);
void                 bd_connection_profile_free      (BdConnectionProfile       *profile);
/* What BdRemoteClient needs; @password may be NULL. */
BdRemoteConfig      *bd_connection_profile_to_config (const BdConnectionProfile *profile,
                                                      const char                *password);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BdConnectionProfile, bd_connection_profile_free)

#define BD_TYPE_CONNECTION_PROFILES (bd_connection_profiles_get_type ())
G_DECLARE_FINAL_TYPE (BdConnectionProfiles, bd_connection_profiles, BD, CONNECTION_PROFILES,
                      GObject)

/* @path: the key file; NULL for the default. Nothing is read until load(). */
BdConnectionProfiles *bd_connection_profiles_new      (const char           *path);
const char           *bd_connection_profiles_get_path (BdConnectionProfiles *self);
/* A missing file is not an error (no profiles yet). Emits "changed". */
gboolean              bd_connection_profiles_load     (BdConnectionProfiles *self,
                                                       GError              **error);
gboolean              bd_connection_profiles_save     (BdConnectionProfiles *self,
                                                       GError              **error);
/* The same with the file I/O on a worker thread, for the GTK thread (no
 * disk there): load_finish() replaces the profiles and emits "changed";
 * save_async() takes the profiles as they are when it is called. */
void                  bd_connection_profiles_load_async  (BdConnectionProfiles *self,
                                                          GCancellable         *cancellable,
                                                          GAsyncReadyCallback   callback,
                                                          gpointer              user_data);
gboolean              bd_connection_profiles_load_finish (BdConnectionProfiles *self,
                                                          GAsyncResult         *result,
                                                          GError              **error);
void                  bd_connection_profiles_save_async  (BdConnectionProfiles *self,
                                                          GCancellable         *cancellable,
                                                          GAsyncReadyCallback   callback,
                                                          gpointer              user_data);
gboolean              bd_connection_profiles_save_finish (BdConnectionProfiles *self,
                                                          GAsyncResult         *result,
                                                          GError              **error);

guint                      bd_connection_profiles_get_n_profiles (BdConnectionProfiles *self);
/* Sorted by name. */
const BdConnectionProfile *bd_connection_profiles_get_nth   (BdConnectionProfiles *self,
                                                             guint                 index);
const BdConnectionProfile *bd_connection_profiles_lookup    (BdConnectionProfiles *self,
                                                             const char           *id);
/* The profile to connect to on start, or NULL for the embedded broker. */
const BdConnectionProfile *bd_connection_profiles_get_auto_connect (BdConnectionProfiles *self);

/* Adds @profile or replaces the one with its id (copied), clearing
 * auto_connect on the others if it has it. Emits "changed"; call save(). */
void     bd_connection_profiles_put    (BdConnectionProfiles      *self,
                                        const BdConnectionProfile *profile);
/* Also forgets the password. Emits "changed". */
gboolean bd_connection_profiles_remove (BdConnectionProfiles      *self,
                                        const char                *id);

/* FALSE once a keyring call has failed: passwords are then in memory only. */
gboolean bd_connection_profiles_get_keyring_available (BdConnectionProfiles *self);

/* @password NULL or "" forgets it. Never fails: without a keyring the
 * password is kept in memory (see "keyring-available"). */
void     bd_connection_profiles_store_password_async   (BdConnectionProfiles *self,
                                                        const char           *id,
                                                        const char           *password,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
gboolean bd_connection_profiles_store_password_finish  (BdConnectionProfiles *self,
                                                        GAsyncResult         *result,
                                                        GError              **error);
/* Returns the password (owned) or NULL when there is none. */
void     bd_connection_profiles_lookup_password_async  (BdConnectionProfiles *self,
                                                        const char           *id,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
char    *bd_connection_profiles_lookup_password_finish (BdConnectionProfiles *self,
                                                        GAsyncResult         *result,
                                                        GError              **error);

G_END_DECLS
