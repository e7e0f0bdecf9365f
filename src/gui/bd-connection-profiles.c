/* bd-connection-profiles.c — saved remote-broker profiles and their passwords
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One key-file group per profile, "Profile <id>", so renaming a profile does
 * not move its keyring entry. Passwords: the keyring (libsecret, attribute
 * "profile" = id) is the store; a per-session cache in memory answers
 * lookups without a D-Bus round trip and is the only store once the keyring
 * has failed once (no point in timing out on every save).
 */

#include "config.h"

#include <glib/gi18n.h>
#include <libsecret/secret.h>
#include <string.h>

#include "bd-connection-profiles.h"
#include "bd-settings-file.h"

#define GROUP_PREFIX "Profile "

struct _BdConnectionProfiles
{
  GObject     parent_instance;

  char       *path;
  GPtrArray  *profiles;           /* BdConnectionProfile*, sorted by name */
  GHashTable *passwords;          /* id -> password, this session only */
  gboolean    keyring_available;
};

enum {
  PROP_0,
  PROP_KEYRING_AVAILABLE,
  N_PROPS
};

enum {
  CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (BdConnectionProfiles, bd_connection_profiles, G_TYPE_OBJECT)

G_DEFINE_BOXED_TYPE (BdConnectionProfile, bd_connection_profile,
                     bd_connection_profile_copy, bd_connection_profile_free)

static const SecretSchema *
get_schema (void)
{
  static const SecretSchema schema = {
    APP_ID ".Connection", SECRET_SCHEMA_NONE,
    {
      { "profile", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    }
  };
  return &schema;
}

/* ---------------------------------------------------------------- profile */

BdConnectionProfile *
bd_connection_profile_new (void)
{
  BdConnectionProfile *profile = g_new0 (BdConnectionProfile, 1);

  profile->id = g_uuid_string_random ();
  profile->name = g_strdup ("");
  profile->host = g_strdup ("localhost");
  profile->version = BD_MQTT_V311;
  profile->clean_session = TRUE;
  return profile;
}

BdConnectionProfile *
bd_connection_profile_copy (const BdConnectionProfile *profile)
{
  BdConnectionProfile *copy;

  g_return_val_if_fail (profile != NULL, NULL);

  copy = g_memdup2 (profile, sizeof *profile);
  copy->id = g_strdup (profile->id);
  copy->name = g_strdup (profile->name);
  copy->host = g_strdup (profile->host);
  copy->ca_file = g_strdup (profile->ca_file);
  copy->cert_file = g_strdup (profile->cert_file);
  copy->key_file = g_strdup (profile->key_file);
  copy->username = g_strdup (profile->username);
  copy->client_id = g_strdup (profile->client_id);
  copy->websocket_path = g_strdup (profile->websocket_path);
  return copy;
}

void
bd_connection_profile_free (BdConnectionProfile *profile)
{
  if (profile == NULL)
    return;
  g_free (profile->id);
  g_free (profile->name);
  g_free (profile->host);
  g_free (profile->ca_file);
  g_free (profile->cert_file);
  g_free (profile->key_file);
  g_free (profile->username);
  g_free (profile->client_id);
  g_free (profile->websocket_path);
  g_free (profile);
}

static char *
dup_nonempty (const char *text)
{
  return text != NULL && text[0] != '\0' ? g_strdup (text) : NULL;
}

BdRemoteConfig *
bd_connection_profile_to_config (const BdConnectionProfile *profile,
                                 const char                *password)
{
  BdRemoteConfig *config;

  g_return_val_if_fail (profile != NULL, NULL);

  config = bd_remote_config_new ();
  g_free (config->host);
  config->host = g_strdup (profile->host != NULL && profile->host[0] != '\0' ? profile->host
                                                                             : "localhost");
  config->port = profile->port;
  config->use_tls = profile->use_tls;
  if (profile->use_tls)
    {
      config->ca_file = dup_nonempty (profile->ca_file);
      config->cert_file = dup_nonempty (profile->cert_file);
      config->key_file = dup_nonempty (profile->key_file);
    }
  config->username = dup_nonempty (profile->username);
  config->password = dup_nonempty (password);
  config->client_id = dup_nonempty (profile->client_id);
  config->version = profile->version == BD_MQTT_V5 ? BD_MQTT_V5 : BD_MQTT_V311;
  config->clean_session = profile->clean_session;
  config->use_websockets = profile->use_websockets;
  if (profile->use_websockets)
    config->websocket_path = dup_nonempty (profile->websocket_path);
  return config;
}

/* --------------------------------------------------------------- helpers */

static int
compare_by_name (gconstpointer a,
                 gconstpointer b)
{
  const BdConnectionProfile *pa = *(BdConnectionProfile * const *) a;
  const BdConnectionProfile *pb = *(BdConnectionProfile * const *) b;
  g_autofree char *ka = g_utf8_collate_key (pa->name ? pa->name : "", -1);
  g_autofree char *kb = g_utf8_collate_key (pb->name ? pb->name : "", -1);
  int cmp = strcmp (ka, kb);

  return cmp != 0 ? cmp : strcmp (pa->id, pb->id);
}

static guint
find_index (BdConnectionProfiles *self,
            const char           *id)
{
  for (guint i = 0; i < self->profiles->len; i++)
    if (g_strcmp0 (((BdConnectionProfile *) g_ptr_array_index (self->profiles, i))->id, id) == 0)
      return i;
  return G_MAXUINT;
}

static void
set_keyring_available (BdConnectionProfiles *self,
                       gboolean              available)
{
  if (self->keyring_available == available)
    return;
  self->keyring_available = available;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_KEYRING_AVAILABLE]);
}

static char *
key_file_get_string (GKeyFile   *key_file,
                     const char *group,
                     const char *key)
{
  char *value = g_key_file_get_string (key_file, group, key, NULL);

  if (value != NULL && value[0] == '\0')
    g_clear_pointer (&value, g_free);
  return value;
}

static void
key_file_set_string (GKeyFile   *key_file,
                     const char *group,
                     const char *key,
                     const char *value)
{
  g_key_file_set_string (key_file, group, key, value ? value : "");
}

/* ------------------------------------------------------------------ GObject */

static void
bd_connection_profiles_finalize (GObject *object)
{
  BdConnectionProfiles *self = BD_CONNECTION_PROFILES (object);

  g_free (self->path);
  g_ptr_array_unref (self->profiles);
  g_hash_table_destroy (self->passwords);

  G_OBJECT_CLASS (bd_connection_profiles_parent_class)->finalize (object);
}

static void
bd_connection_profiles_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  BdConnectionProfiles *self = BD_CONNECTION_PROFILES (object);

  switch (prop_id)
    {
    case PROP_KEYRING_AVAILABLE:
      g_value_set_boolean (value, self->keyring_available);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bd_connection_profiles_class_init (BdConnectionProfilesClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = bd_connection_profiles_finalize;
  object_class->get_property = bd_connection_profiles_get_property;

  properties[PROP_KEYRING_AVAILABLE] =
    g_param_spec_boolean ("keyring-available", NULL, NULL, TRUE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* Profiles were added, changed, removed or loaded. */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
free_password (gpointer data)
{
  char *password = data;

  memset (password, 0, strlen (password));
  g_free (password);
}

static void
bd_connection_profiles_init (BdConnectionProfiles *self)
{
  self->profiles = g_ptr_array_new_with_free_func ((GDestroyNotify) bd_connection_profile_free);
  self->passwords = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, free_password);
  self->keyring_available = TRUE;
}

/* ------------------------------------------------------------------ public */

BdConnectionProfiles *
bd_connection_profiles_new (const char *path)
{
  BdConnectionProfiles *self = g_object_new (BD_TYPE_CONNECTION_PROFILES, NULL);

  if (path != NULL)
    self->path = g_strdup (path);
  else
    self->path = g_build_filename (g_get_user_config_dir (), "brokerdesk", "connections.ini",
                                   NULL);
  return self;
}

const char *
bd_connection_profiles_get_path (BdConnectionProfiles *self)
{
  g_return_val_if_fail (BD_IS_CONNECTION_PROFILES (self), NULL);
  return self->path;
}

/* Reads the profiles of @path (any thread): a new array, sorted by name;
 * an empty one when the file does not exist yet. */
static GPtrArray *
read_profiles (const char  *path,
               GError     **error)
{
  g_autoptr(GKeyFile) key_file = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GPtrArray) profiles = g_ptr_array_new_with_free_func ((GDestroyNotify) bd_connection_profile_free);
  g_auto(GStrv) groups = NULL;

  if (!g_key_file_load_from_file (key_file, path, G_KEY_FILE_NONE, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return g_steal_pointer (&profiles);
      g_propagate_prefixed_error (error, g_steal_pointer (&local_error), "%s: ", path);
      return NULL;
    }

  groups = g_key_file_get_groups (key_file, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      const char *group = groups[i];
      BdConnectionProfile *profile;
      int port;

      if (!g_str_has_prefix (group, GROUP_PREFIX) || group[strlen (GROUP_PREFIX)] == '\0')
        continue;

      profile = g_new0 (BdConnectionProfile, 1);
      profile->id = g_strdup (group + strlen (GROUP_PREFIX));
      profile->name = g_key_file_get_string (key_file, group, "name", NULL);
      if (profile->name == NULL)
        profile->name = g_strdup ("");
      profile->host = key_file_get_string (key_file, group, "host");
      if (profile->host == NULL)
        profile->host = g_strdup ("localhost");
      port = g_key_file_get_integer (key_file, group, "port", NULL);
      profile->port = port > 0 && port <= G_MAXUINT16 ? port : 0;
      profile->use_tls = g_key_file_get_boolean (key_file, group, "tls", NULL);
      profile->ca_file = key_file_get_string (key_file, group, "ca-file");
      profile->cert_file = key_file_get_string (key_file, group, "cert-file");
      profile->key_file = key_file_get_string (key_file, group, "key-file");
      profile->username = key_file_get_string (key_file, group, "username");
      profile->client_id = key_file_get_string (key_file, group, "client-id");
      profile->version = g_key_file_get_integer (key_file, group, "mqtt-version", NULL) == 5
                         ? BD_MQTT_V5 : BD_MQTT_V311;
      /* Absent means the safe default, TRUE. */
      profile->clean_session = !g_key_file_has_key (key_file, group, "clean-session", NULL) ||
                               g_key_file_get_boolean (key_file, group, "clean-session", NULL);
      profile->auto_connect = g_key_file_get_boolean (key_file, group, "auto-connect", NULL);
      profile->use_websockets = g_key_file_get_boolean (key_file, group, "websockets", NULL);
      profile->websocket_path = key_file_get_string (key_file, group, "websocket-path");
      g_ptr_array_add (profiles, profile);
    }
  g_ptr_array_sort (profiles, compare_by_name);
  return g_steal_pointer (&profiles);
}

static void
take_profiles (BdConnectionProfiles *self,
               GPtrArray            *profiles)
{
  g_ptr_array_set_size (self->profiles, 0);
  for (guint i = 0; i < profiles->len; i++)
    g_ptr_array_add (self->profiles, g_steal_pointer (&profiles->pdata[i]));
  g_ptr_array_set_free_func (profiles, NULL);
  g_ptr_array_unref (profiles);
  g_signal_emit (self, signals[CHANGED], 0);
}

gboolean
bd_connection_profiles_load (BdConnectionProfiles  *self,
                             GError               **error)
{
  GPtrArray *profiles;

  g_return_val_if_fail (BD_IS_CONNECTION_PROFILES (self), FALSE);

  profiles = read_profiles (self->path, error);
  if (profiles == NULL)
    return FALSE;
  take_profiles (self, profiles);
  return TRUE;
}

void
bd_connection_profiles_load_async (BdConnectionProfiles *self,
                                   GCancellable         *cancellable,
                                   GAsyncReadyCallback   callback,
                                   gpointer              user_data)
{
  g_return_if_fail (BD_IS_CONNECTION_PROFILES (self));

  bd_settings_file_load_async (self, self->path, (BdSettingsFileParse) read_profiles,
                               (GDestroyNotify) g_ptr_array_unref,
                               cancellable, callback, user_data);
}

gboolean
bd_connection_profiles_load_finish (BdConnectionProfiles  *self,
                                    GAsyncResult          *result,
                                    GError               **error)
{
  GPtrArray *profiles;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  profiles = bd_settings_file_load_finish (result, error);
  if (profiles == NULL)
    return FALSE;
  take_profiles (self, profiles);
  return TRUE;
}

/* The key file's text for the profiles (never a password: that is the
 * keyring's, see the file comment). */
static char *
profiles_to_data (BdConnectionProfiles *self)
{
  g_autoptr(GKeyFile) key_file = g_key_file_new ();

  for (guint i = 0; i < self->profiles->len; i++)
    {
      const BdConnectionProfile *profile = g_ptr_array_index (self->profiles, i);
      g_autofree char *group = g_strconcat (GROUP_PREFIX, profile->id, NULL);

      key_file_set_string (key_file, group, "name", profile->name);
      key_file_set_string (key_file, group, "host", profile->host);
      g_key_file_set_integer (key_file, group, "port", profile->port);
      g_key_file_set_boolean (key_file, group, "tls", profile->use_tls);
      key_file_set_string (key_file, group, "ca-file", profile->ca_file);
      key_file_set_string (key_file, group, "cert-file", profile->cert_file);
      key_file_set_string (key_file, group, "key-file", profile->key_file);
      key_file_set_string (key_file, group, "username", profile->username);
      key_file_set_string (key_file, group, "client-id", profile->client_id);
      g_key_file_set_integer (key_file, group, "mqtt-version",
                              profile->version == BD_MQTT_V5 ? 5 : 4);
      g_key_file_set_boolean (key_file, group, "clean-session", profile->clean_session);
      g_key_file_set_boolean (key_file, group, "auto-connect", profile->auto_connect);
      g_key_file_set_boolean (key_file, group, "websockets", profile->use_websockets);
      key_file_set_string (key_file, group, "websocket-path", profile->websocket_path);
    }
  return g_key_file_to_data (key_file, NULL, NULL);
}

gboolean
bd_connection_profiles_save (BdConnectionProfiles  *self,
                             GError               **error)
{
  g_autofree char *data = NULL;

  g_return_val_if_fail (BD_IS_CONNECTION_PROFILES (self), FALSE);

  data = profiles_to_data (self);
  return bd_settings_file_save (self->path, data, strlen (data), error);
}

void
bd_connection_profiles_save_async (BdConnectionProfiles *self,
                                   GCancellable         *cancellable,
                                   GAsyncReadyCallback   callback,
                                   gpointer              user_data)
{
  char *data;

  g_return_if_fail (BD_IS_CONNECTION_PROFILES (self));

  /* The text is made now, so later edits cannot race with the write. */
  data = profiles_to_data (self);
  bd_settings_file_save_async (self, self->path, data, strlen (data),
                               cancellable, callback, user_data);
}

gboolean
bd_connection_profiles_save_finish (BdConnectionProfiles  *self,
                                    GAsyncResult          *result,
                                    GError               **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return bd_settings_file_save_finish (result, error);
}

guint
bd_connection_profiles_get_n_profiles (BdConnectionProfiles *self)
{
  g_return_val_if_fail (BD_IS_CONNECTION_PROFILES (self), 0);
  return self->profiles->len;
}

const BdConnectionProfile *
bd_connection_profiles_get_nth (BdConnectionProfiles *self,
                                guint                 index)
{
  g_return_val_if_fail (BD_IS_CONNECTION_PROFILES (self), NULL);
  g_return_val_if_fail (index < self->profiles->len, NULL);
  return g_ptr_array_index (self->profiles, index);
}

const BdConnectionProfile *
bd_connection_profiles_lookup (BdConnectionProfiles *self,
                               const char           *id)
{
  guint index;

  g_return_val_if_fail (BD_IS_CONNECTION_PROFILES (self), NULL);

  index = find_index (self, id);
  return index == G_MAXUINT ? NULL : g_ptr_array_index (self->profiles, index);
}

const BdConnectionProfile *
bd_connection_profiles_get_auto_connect (BdConnectionProfiles *self)
{
  g_return_val_if_fail (BD_IS_CONNECTION_PROFILES (self), NULL);

  for (guint i = 0; i < self->profiles->len; i++)
    {
      const BdConnectionProfile *profile = g_ptr_array_index (self->profiles, i);

      if (profile->auto_connect)
        return profile;
    }
  return NULL;
}

void
bd_connection_profiles_put (BdConnectionProfiles      *self,
                            const BdConnectionProfile *profile)
{
  guint index;

  g_return_if_fail (BD_IS_CONNECTION_PROFILES (self));
  g_return_if_fail (profile != NULL && profile->id != NULL && profile->id[0] != '\0');

  /* Only one connection can be the one the application starts with. */
  if (profile->auto_connect)
    for (guint i = 0; i < self->profiles->len; i++)
      ((BdConnectionProfile *) g_ptr_array_index (self->profiles, i))->auto_connect = FALSE;

  index = find_index (self, profile->id);
  if (index != G_MAXUINT)
    g_ptr_array_remove_index (self->profiles, index);
  g_ptr_array_add (self->profiles, bd_connection_profile_copy (profile));
  g_ptr_array_sort (self->profiles, compare_by_name);
  g_signal_emit (self, signals[CHANGED], 0);
}

static void
clear_password_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      data)
{
  g_autoptr(GTask) task = data;
  BdConnectionProfiles *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;

  secret_password_clear_finish (result, &error);
  if (error != NULL)
    set_keyring_available (self, FALSE);
  g_task_return_boolean (task, TRUE);
}

/* Takes @id's password out of the keyring, then returns @task (a keyring
 * that fails is not asked again): a removed profile's and a forgotten one's
 * alike. */
static void
clear_keyring_password (BdConnectionProfiles *self,
                        const char           *id,
                        GCancellable         *cancellable,
                        GTask                *task)
{
  secret_password_clear (get_schema (), cancellable, clear_password_cb, task,
                         "profile", id, NULL);
}

gboolean
bd_connection_profiles_remove (BdConnectionProfiles *self,
                               const char           *id)
{
  guint index;

  g_return_val_if_fail (BD_IS_CONNECTION_PROFILES (self), FALSE);

  index = find_index (self, id);
  if (index == G_MAXUINT)
    return FALSE;

  g_hash_table_remove (self->passwords, id);
  if (self->keyring_available)
    clear_keyring_password (self, id, NULL, g_task_new (self, NULL, NULL, NULL));
  g_ptr_array_remove_index (self->profiles, index);
  g_signal_emit (self, signals[CHANGED], 0);
  return TRUE;
}

gboolean
bd_connection_profiles_get_keyring_available (BdConnectionProfiles *self)
{
  g_return_val_if_fail (BD_IS_CONNECTION_PROFILES (self), FALSE);
  return self->keyring_available;
}

static void
store_password_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      data)
{
  g_autoptr(GTask) task = data;
  BdConnectionProfiles *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;

  if (!secret_password_store_finish (result, &error))
    {
      /* The password is in the session cache already; say that is all. */
      g_debug ("keyring unavailable, password kept in memory: %s", error->message);
      set_keyring_available (self, FALSE);
    }
  g_task_return_boolean (task, TRUE);
}

void
bd_connection_profiles_store_password_async (BdConnectionProfiles *self,
                                             const char           *id,
                                             const char           *password,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data)
{
  g_autoptr(GTask) task = NULL;
  const BdConnectionProfile *profile;
  g_autofree char *label = NULL;
  gboolean forget;

  g_return_if_fail (BD_IS_CONNECTION_PROFILES (self));
  g_return_if_fail (id != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, bd_connection_profiles_store_password_async);

  forget = password == NULL || password[0] == '\0';
  if (forget)
    g_hash_table_remove (self->passwords, id);
  else
    g_hash_table_replace (self->passwords, g_strdup (id), g_strdup (password));
  if (!self->keyring_available)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  if (forget)
    {
      clear_keyring_password (self, id, cancellable, g_steal_pointer (&task));
      return;
    }
  profile = bd_connection_profiles_lookup (self, id);
  /* Translators: the label of a password in the keyring (Seahorse shows it). */
  label = g_strdup_printf (_("Brokerdesk connection “%s”"),
                           profile != NULL && profile->name[0] != '\0' ? profile->name : id);
  secret_password_store (get_schema (), SECRET_COLLECTION_DEFAULT, label, password, cancellable,
                         store_password_cb, g_steal_pointer (&task), "profile", id, NULL);
}

gboolean
bd_connection_profiles_store_password_finish (BdConnectionProfiles  *self,
                                              GAsyncResult          *result,
                                              GError               **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
lookup_password_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      data)
{
  g_autoptr(GTask) task = data;
  BdConnectionProfiles *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  char *secret;

  secret = secret_password_lookup_finish (result, &error);
  if (error != NULL)
    {
      g_debug ("keyring unavailable: %s", error->message);
      set_keyring_available (self, FALSE);
      g_task_return_pointer (task, NULL, g_free);
      return;
    }
  if (secret != NULL)
    {
      g_hash_table_replace (self->passwords, g_strdup (g_task_get_task_data (task)),
                            g_strdup (secret));
      g_task_return_pointer (task, g_strdup (secret), g_free);
      secret_password_free (secret);
      return;
    }
  g_task_return_pointer (task, NULL, g_free);
}

void
bd_connection_profiles_lookup_password_async (BdConnectionProfiles *self,
                                              const char           *id,
                                              GCancellable         *cancellable,
                                              GAsyncReadyCallback   callback,
                                              gpointer              user_data)
{
  g_autoptr(GTask) task = NULL;
  const char *cached;

  g_return_if_fail (BD_IS_CONNECTION_PROFILES (self));
  g_return_if_fail (id != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, bd_connection_profiles_lookup_password_async);
  g_task_set_task_data (task, g_strdup (id), g_free);

  cached = g_hash_table_lookup (self->passwords, id);
  if (cached != NULL || !self->keyring_available)
    {
      g_task_return_pointer (task, g_strdup (cached), g_free);
      return;
    }
  secret_password_lookup (get_schema (), cancellable, lookup_password_cb,
                          g_steal_pointer (&task), "profile", id, NULL);
}

char *
bd_connection_profiles_lookup_password_finish (BdConnectionProfiles  *self,
                                               GAsyncResult          *result,
                                               GError               **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
