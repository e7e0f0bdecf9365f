/* bd-security.c — the broker's users, passwords and topic permissions
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The files are read and written on workers (no disk on the main thread);
 * the model itself lives on the caller's thread. Password lines are kept as
 * they were read, so hashes written by mosquitto_passwd (either format) stay
 * untouched unless the password changes.
 */

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "bd-auth.h"
#include "bd-auth-reload.h"
#include "bd-certificates.h"
#include "bd-config.h"
#include "bd-bridge-file.h"
#include "bd-security.h"
#include "bd-settings-file.h"

static const char *access_words[] = { "read", "write", "readwrite", "deny" };

const char *
bd_security_access_word (BdSecurityAccess access)
{
  g_return_val_if_fail (access <= BD_SECURITY_DENY, "deny");

  return access_words[access];
}

gboolean
bd_security_address_is_loopback (const char *address)
{
  g_autoptr(GInetAddress) inet = NULL;

  if (address == NULL)
    return FALSE;
  if (g_strcmp0 (address, "localhost") == 0)
    return TRUE;
  inet = g_inet_address_new_from_string (address);
  return inet != NULL && g_inet_address_get_is_loopback (inet);
}

char *
bd_security_dup_warnings (const BdBrokerConfig *config,
                          gboolean              allow_anonymous)
{
  g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < config->listeners->len; i++)
    {
      const BdListenerConfig *listener = g_ptr_array_index (config->listeners, i);

      if (bd_security_address_is_loopback (listener->bind_address))
        continue;
      if (allow_anonymous)
        g_ptr_array_add (warnings,
                         g_strdup_printf (_("Port %u accepts clients from other computers without "
                                            "a user name: anyone on the network can read and send "
                                            "every message. Add users and turn off anonymous "
                                            "access."),
                                          listener->port));
      if (listener->tls[BD_TLS_CERTFILE] == NULL)
        g_ptr_array_add (warnings,
                         g_strdup_printf (_("Port %u is open to other computers without TLS: "
                                            "passwords and messages cross the network "
                                            "unencrypted. Give it a certificate (certfile and "
                                            "keyfile) or listen on this computer only."),
                                          listener->port));
    }
  if (warnings->len == 0)
    return NULL;
  g_ptr_array_add (warnings, NULL);
  return g_strjoinv ("\n", (char **) warnings->pdata);
}

static char *
config_path (const char *name)
{
  return g_build_filename (g_get_user_config_dir (), "brokerdesk", name, NULL);
}

char *
bd_security_default_config_path (void)
{
  return config_path ("brokerdesk.conf");
}

char *
bd_security_default_password_path (void)
{
  return config_path ("passwords");
}

char *
bd_security_default_acl_path (void)
{
  return config_path ("acl");
}

static void
rule_free (gpointer data)
{
  BdSecurityRule *rule = data;

  g_free (rule->user);
  g_free (rule->filter);
  g_free (rule);
}

BdSecurityListener *
bd_security_listener_new (BdListenerProtocol  protocol,
                          guint16             port,
                          const char         *bind_address,
                          const char         *certfile,
                          const char         *keyfile)
{
  BdSecurityListener *listener = g_new0 (BdSecurityListener, 1);

  g_return_val_if_fail ((certfile == NULL) == (keyfile == NULL), listener);

  listener->protocol = protocol;
  listener->port = port;
  listener->bind_address = g_strdup (bind_address);
  listener->certfile = g_strdup (certfile);
  listener->keyfile = g_strdup (keyfile);
  return listener;
}

void
bd_security_listener_free (BdSecurityListener *listener)
{
  if (listener == NULL)
    return;
  g_free (listener->bind_address);
  g_free (listener->certfile);
  g_free (listener->keyfile);
  g_free (listener);
}

void
bd_security_free (BdSecurity *security)
{
  if (security == NULL)
    return;

  g_free (security->config_path);
  g_free (security->certfile);
  g_free (security->keyfile);
  g_clear_pointer (&security->listeners, g_ptr_array_unref);
  g_free (security->password_path);
  g_free (security->acl_path);
  g_clear_pointer (&security->users, g_ptr_array_unref);
  g_clear_pointer (&security->rules, g_ptr_array_unref);
  g_free (security);
}

static gboolean
read_optional (const char  *path,
               char       **contents,
               GError     **error)
{
  GError *local = NULL;

  if (g_file_get_contents (path, contents, NULL, &local))
    return TRUE;
  if (g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    {
      g_error_free (local);
      *contents = g_strdup ("");
      return TRUE;
    }
  g_propagate_error (error, local);
  return FALSE;
}

static gboolean
parse_access (const char       *word,
              BdSecurityAccess *access)
{
  for (guint i = 0; i < G_N_ELEMENTS (access_words); i++)
    if (g_strcmp0 (word, access_words[i]) == 0)
      {
        *access = i;
        return TRUE;
      }
  return FALSE;
}

/* "topic|pattern [ACCESS] FILTER": the filter is the rest of the line, as
 * Mosquitto reads it; without an access word the rule grants readwrite. */
static void
parse_rule (BdSecurity         *security,
            BdSecurityRuleKind  kind,
            const char         *user,
            const char         *rest)
{
  BdSecurityRule *rule = g_new0 (BdSecurityRule, 1);
  const char *space;
  g_autofree char *word = NULL;

  rest += strspn (rest, " \t");
  space = strpbrk (rest, " \t");
  rule->access = BD_SECURITY_READWRITE;
  if (space != NULL)
    {
      word = g_strndup (rest, space - rest);
      if (parse_access (word, &rule->access))
        rest = space + strspn (space, " \t");
    }
  rule->kind = kind;
  rule->user = kind == BD_SECURITY_RULE_USER ? g_strdup (user) : NULL;
  rule->filter = g_strchomp (g_strdup (rest));
  g_ptr_array_add (security->rules, rule);
}

static void
parse_acl (BdSecurity *security,
           const char *text)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  g_autofree char *user = NULL;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = g_strstrip (lines[i]);

      if (*line == '\0' || *line == '#')
        continue;
      if (g_str_has_prefix (line, "user ") || g_str_has_prefix (line, "user\t"))
        {
          g_free (user);
          user = g_strstrip (g_strdup (line + 5));
        }
      else if (g_str_has_prefix (line, "topic ") || g_str_has_prefix (line, "topic\t"))
        parse_rule (security, user != NULL ? BD_SECURITY_RULE_USER : BD_SECURITY_RULE_ANONYMOUS,
                    user, line + 6);
      else if (g_str_has_prefix (line, "pattern ") || g_str_has_prefix (line, "pattern\t"))
        parse_rule (security, BD_SECURITY_RULE_PATTERN, NULL, line + 8);
    }
}

/* The listeners of Brokerdesk's own configuration file @text; without
 * any, the one the broker then has: 127.0.0.1:1883. */
static gboolean
parse_own_listeners (BdSecurity  *security,
                     const char  *text,
                     GError     **error)
{
  g_autoptr(BdBrokerConfig) config = bd_broker_config_new ();

  if (!bd_broker_config_parse (config, security->config_path, text, error))
    return FALSE;
  bd_broker_config_finish (config);
  security->listeners = g_ptr_array_new_with_free_func ((GDestroyNotify) bd_security_listener_free);
  for (guint i = 0; i < config->listeners->len; i++)
    {
      const BdListenerConfig *listener = g_ptr_array_index (config->listeners, i);
      gboolean tls = bd_certificates_listener_has_tls (listener);

      g_ptr_array_add (security->listeners,
                       bd_security_listener_new (listener->protocol, listener->port,
                                                 listener->bind_address,
                                                 tls ? listener->tls[BD_TLS_CERTFILE] : NULL,
                                                 tls ? listener->tls[BD_TLS_KEYFILE] : NULL));
      if (tls && security->certfile == NULL)
        {
          security->certfile = g_strdup (listener->tls[BD_TLS_CERTFILE]);
          security->keyfile = g_strdup (listener->tls[BD_TLS_KEYFILE]);
        }
    }
  return TRUE;
}

static void
load_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  BdSecurity *security = task_data;
  g_autofree char *passwords = NULL;
  g_autofree char *acl = NULL;
  g_autofree char *config = NULL;
  g_auto(GStrv) lines = NULL;
  GError *error = NULL;

  if (!read_optional (security->password_path, &passwords, &error) ||
      !read_optional (security->acl_path, &acl, &error) ||
      (security->config_is_own &&
       (!read_optional (security->config_path, &config, &error) ||
        !parse_own_listeners (security, config, &error))))
    {
      g_task_return_error (task, error);
      return;
    }
  lines = g_strsplit (passwords, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = g_strstrip (lines[i]);

      if (*line != '\0' && *line != '#' && strchr (line, ':') != NULL)
        g_ptr_array_add (security->users, g_strdup (line));
    }
  parse_acl (security, acl);
  g_task_return_boolean (task, TRUE);
}

void
bd_security_load_async (BdEngine            *engine,
                        const char          *config_path,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  const BdBrokerConfig *config = bd_engine_get_config (engine);
  const BdListenerConfig *first = NULL;
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  BdSecurity *security = g_new0 (BdSecurity, 1);

  if (config->listeners->len > 0)
    first = g_ptr_array_index (config->listeners, 0);
  security->config_is_own = config_path == NULL;
  security->config_path = config_path != NULL ? g_strdup (config_path)
                                              : bd_security_default_config_path ();
  security->from_config_file = !security->config_is_own;
  security->password_live = first != NULL && first->password_file != NULL;
  security->acl_live = first != NULL && first->acl_file != NULL;
  security->password_path = security->password_live ? g_strdup (first->password_file)
                                                    : bd_security_default_password_path ();
  security->acl_path = security->acl_live ? g_strdup (first->acl_file)
                                          : bd_security_default_acl_path ();
  security->allow_anonymous = first != NULL && first->allow_anonymous;
  security->users = g_ptr_array_new_with_free_func (g_free);
  security->rules = g_ptr_array_new_with_free_func (rule_free);

  g_task_set_source_tag (task, bd_security_load_async);
  g_task_set_task_data (task, security, (GDestroyNotify) bd_security_free);
  g_task_run_in_thread (task, load_thread);
}

BdSecurity *
bd_security_load_finish (GAsyncResult  *result,
                         GError       **error)
{
  GTask *task = G_TASK (result);
  BdSecurity *security;
  BdSecurity *copy;

  if (!g_task_propagate_boolean (task, error))
    return NULL;
  /* The task keeps its data until it goes: hand over the contents. */
  security = g_task_get_task_data (task);
  copy = g_new (BdSecurity, 1);
  *copy = *security;
  memset (security, 0, sizeof *security);
  return copy;
}

static gboolean
user_line_is (const char *line,
              const char *name)
{
  gsize len = strlen (name);

  return strncmp (line, name, len) == 0 && line[len] == ':';
}

static int
find_user (BdSecurity *security,
           const char *name)
{
  for (guint i = 0; i < security->users->len; i++)
    if (user_line_is (g_ptr_array_index (security->users, i), name))
      return (int) i;
  return -1;
}

gboolean
bd_security_has_user (BdSecurity *security,
                      const char *name)
{
  return find_user (security, name) >= 0;
}

static gboolean
check_line_text (const char  *text,
                 const char  *forbidden,
                 const char  *message,
                 GError     **error)
{
  if (text == NULL || *text == '\0' || strpbrk (text, forbidden) != NULL ||
      !g_utf8_validate (text, -1, NULL))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, message);
      return FALSE;
    }
  return TRUE;
}

gboolean
bd_security_set_user (BdSecurity  *security,
                      const char  *name,
                      const char  *password,
                      GError     **error)
{
  g_autofree char *hash = NULL;
  int index;
  char *line;

  g_return_val_if_fail (security != NULL, FALSE);
  g_return_val_if_fail (password != NULL, FALSE);

  /* Mosquitto's file is "name:hash" per line; blanks around a name are
   * trimmed by some tools, so a name may not have them either. */
  if (!check_line_text (name, ":\r\n", _("A user name cannot be empty or contain “:”."), error))
    return FALSE;
  if (g_ascii_isspace (name[0]) || g_ascii_isspace (name[strlen (name) - 1]))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("A user name cannot begin or end with a space."));
      return FALSE;
    }
  if (*password == '\0')
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("The password cannot be empty."));
      return FALSE;
    }
  hash = bd_auth_hash_password (password, error);
  if (hash == NULL)
    return FALSE;
  line = g_strconcat (name, ":", hash, NULL);
  index = find_user (security, name);
  if (index >= 0)
    {
      g_free (g_ptr_array_index (security->users, index));
      g_ptr_array_index (security->users, index) = line;
    }
  else
    g_ptr_array_add (security->users, line);
  return TRUE;
}

gboolean
bd_security_remove_user (BdSecurity *security,
                         const char *name)
{
  int index = find_user (security, name);

  if (index < 0)
    return FALSE;
  g_ptr_array_remove_index (security->users, index);
  for (guint i = security->rules->len; i > 0; i--)
    {
      BdSecurityRule *rule = g_ptr_array_index (security->rules, i - 1);

      if (rule->kind == BD_SECURITY_RULE_USER && g_strcmp0 (rule->user, name) == 0)
        g_ptr_array_remove_index (security->rules, i - 1);
    }
  return TRUE;
}

gboolean
bd_security_add_rule (BdSecurity          *security,
                      BdSecurityRuleKind   kind,
                      const char          *user,
                      BdSecurityAccess     access,
                      const char          *filter,
                      GError             **error)
{
  BdSecurityRule *rule;

  g_return_val_if_fail (security != NULL, FALSE);
  g_return_val_if_fail (access <= BD_SECURITY_DENY, FALSE);
  g_return_val_if_fail ((kind == BD_SECURITY_RULE_USER) == (user != NULL), FALSE);

  if (!check_line_text (filter, "\r\n", _("The topic filter cannot be empty."), error))
    return FALSE;
  rule = g_new0 (BdSecurityRule, 1);
  rule->kind = kind;
  rule->user = g_strdup (user);
  rule->access = access;
  rule->filter = g_strstrip (g_strdup (filter));
  g_ptr_array_add (security->rules, rule);
  return TRUE;
}

void
bd_security_remove_rule (BdSecurity *security,
                         guint       index)
{
  g_return_if_fail (index < security->rules->len);

  g_ptr_array_remove_index (security->rules, index);
}

char *
bd_security_password_text (BdSecurity *security)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < security->users->len; i++)
    g_string_append_printf (text, "%s\n", (const char *) g_ptr_array_index (security->users, i));
  return g_string_free (text, FALSE);
}

static void
append_rules (GString            *text,
              BdSecurity         *security,
              BdSecurityRuleKind  kind,
              const char         *user)
{
  for (guint i = 0; i < security->rules->len; i++)
    {
      BdSecurityRule *rule = g_ptr_array_index (security->rules, i);

      if (rule->kind != kind || g_strcmp0 (rule->user, user) != 0)
        continue;
      g_string_append_printf (text, "%s %s %s\n",
                              kind == BD_SECURITY_RULE_PATTERN ? "pattern" : "topic",
                              access_words[rule->access], rule->filter);
    }
}

/* Anonymous "topic" lines must come before the first "user" line, where
 * Mosquitto reads them as the anonymous clients' rules. */
char *
bd_security_acl_text (BdSecurity *security)
{
  GString *text = g_string_new (NULL);
  g_autoptr(GPtrArray) users = g_ptr_array_new ();

  append_rules (text, security, BD_SECURITY_RULE_ANONYMOUS, NULL);
  append_rules (text, security, BD_SECURITY_RULE_PATTERN, NULL);
  for (guint i = 0; i < security->rules->len; i++)
    {
      BdSecurityRule *rule = g_ptr_array_index (security->rules, i);

      if (rule->kind != BD_SECURITY_RULE_USER ||
          g_ptr_array_find_with_equal_func (users, rule->user, g_str_equal, NULL))
        continue;
      g_ptr_array_add (users, rule->user);
      g_string_append_printf (text, "\nuser %s\n", rule->user);
      append_rules (text, security, BD_SECURITY_RULE_USER, rule->user);
    }
  return g_string_free (text, FALSE);
}

typedef struct
{
  char     *password_path;
  char     *password_text; /* NULL: leave the file alone */
  char     *acl_path;
  char     *acl_text;      /* NULL: leave the file alone */
  BdEngine *engine;        /* to reload, or NULL */
} Apply;

static void
apply_free (gpointer data)
{
  Apply *apply = data;

  g_free (apply->password_path);
  g_free (apply->password_text);
  g_free (apply->acl_path);
  g_free (apply->acl_text);
  g_clear_pointer (&apply->engine, bd_engine_unref);
  g_free (apply);
}

static void
save_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  Apply *apply = task_data;
  GError *error = NULL;

  if ((apply->password_text != NULL &&
       !bd_settings_file_save (apply->password_path, apply->password_text,
                               strlen (apply->password_text), &error)) ||
      (apply->acl_text != NULL &&
       !bd_settings_file_save (apply->acl_path, apply->acl_text,
                               strlen (apply->acl_text), &error)))
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

static void
reloaded_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  int disconnected = bd_engine_reload_auth_finish (result, &error);

  if (disconnected < 0)
    g_task_return_error (task, error);
  else
    g_task_return_int (task, disconnected);
}

static void
saved_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Apply *apply = g_task_get_task_data (task);
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (apply->engine == NULL)
    {
      g_task_return_int (task, 0);
      return;
    }
  bd_engine_reload_auth_async (apply->engine, g_task_get_cancellable (task), reloaded_cb,
                               g_object_ref (task));
}

void
bd_security_apply_async (BdSecurity          *security,
                         BdEngine            *engine,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  g_autoptr(GTask) save = NULL;
  Apply *apply = g_new0 (Apply, 1);

  g_return_if_fail (security != NULL);

  apply->password_path = g_strdup (security->password_path);
  apply->acl_path = g_strdup (security->acl_path);
  /* An empty password file refuses every client that gives a user name, and
   * an ACL file without rules denies everything: neither is written until
   * it holds something, unless the broker already reads it. */
  if (security->users->len > 0 || security->password_live)
    apply->password_text = bd_security_password_text (security);
  if (security->rules->len > 0 || security->acl_live)
    apply->acl_text = bd_security_acl_text (security);
  if (engine != NULL && (security->password_live || security->acl_live))
    apply->engine = bd_engine_ref (engine);
  g_task_set_source_tag (task, bd_security_apply_async);
  g_task_set_task_data (task, apply, apply_free);

  save = g_task_new (NULL, cancellable, saved_cb, task);
  g_task_set_task_data (save, apply, NULL);
  g_task_run_in_thread (save, save_thread);
}

int
bd_security_apply_finish (GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), -1);

  return (int) g_task_propagate_int (G_TASK (result), error);
}

char *
bd_security_config_set_allow_anonymous (const char *text,
                                        gboolean    allow)
{
  g_auto(GStrv) lines = g_strsplit (text != NULL ? text : "", "\n", -1);
  const char *line_text = allow ? "allow_anonymous true" : "allow_anonymous false";
  GString *out = g_string_new (NULL);
  gboolean found = FALSE;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i] + strspn (lines[i], " \t");

      /* Every one, global or in a listener's block: the switch is for every
       * listener, as bd_engine_set_allow_anonymous_async () applies it. */
      if (g_str_has_prefix (line, "allow_anonymous") &&
          (line[15] == ' ' || line[15] == '\t' || line[15] == '\0' || line[15] == '\r'))
        {
          g_string_append (out, line_text);
          found = TRUE;
        }
      else
        g_string_append (out, lines[i]);
      if (lines[i + 1] != NULL)
        g_string_append_c (out, '\n');
    }
  if (!found)
    {
      g_string_prepend_c (out, '\n');
      g_string_prepend (out, line_text);
    }
  return g_string_free (out, FALSE);
}

char *
bd_security_config_text (BdSecurity *security)
{
  GString *text = g_string_new (NULL);

  g_return_val_if_fail (security->config_is_own, NULL);

  g_string_append (text,
                   "# Brokerdesk's broker settings, in Mosquitto's format. The window's\n"
                   "# Security page writes this file whole; brokerdesk --headless reads it too.\n");
  g_string_append_printf (text, "allow_anonymous %s\n",
                          security->allow_anonymous ? "true" : "false");
  for (guint i = 0; security->listeners != NULL && i < security->listeners->len; i++)
    {
      BdSecurityListener *listener = g_ptr_array_index (security->listeners, i);

      g_string_append_printf (text, "\nlistener %u", listener->port);
      if (listener->bind_address != NULL)
        g_string_append_printf (text, " %s", listener->bind_address);
      g_string_append_c (text, '\n');
      if (listener->protocol == BD_LISTENER_WEBSOCKETS)
        g_string_append (text, "protocol websockets\n");
      if (listener->certfile != NULL && listener->keyfile != NULL)
        g_string_append_printf (text, "certfile %s\nkeyfile %s\n",
                                listener->certfile, listener->keyfile);
    }
  return g_string_free (text, FALSE);
}

typedef struct
{
  char     *path;
  char     *text;       /* the whole file; NULL: only allow_anonymous changes */
  gboolean  allow_anonymous;
} SaveConfig;

static void
save_config_free (gpointer data)
{
  SaveConfig *save = data;

  g_free (save->path);
  g_free (save->text);
  g_free (save);
}

/* The new text of the configuration file. Its bridge blocks are the Broker
 * page's (bd-bridge-file.c): a whole own file keeps them as they are. */
static char *
edit_config (const char  *old,
             gpointer     user_data,
             GError     **error)
{
  SaveConfig *save = user_data;
  g_autofree char *bridges = NULL;
  g_autofree char *text = NULL;
  guint16 port;
  gboolean all_interfaces;
  gboolean configured;

  if (save->text == NULL)
    return bd_security_config_set_allow_anonymous (old, save->allow_anonymous);
  bridges = bd_bridge_file_dup_blocks (old);
  if (bridges[0] == '\0')
    text = g_strdup (save->text);
  else
    text = g_strconcat (save->text, "\n", bridges, NULL);
  /* The first listener's port and address are the Preferences', which
   * write them into the file themselves (bd_security_save_own_port_async ()):
   * the file's, not the ones this model read. */
  if (bd_security_config_read_port (save->path, old, &port, &all_interfaces, NULL, &configured,
                                    NULL) &&
      configured)
    return bd_security_config_set_port (save->path, text, port,
                                        all_interfaces ? BD_SECURITY_INTERFACES_ALL
                                                       : BD_SECURITY_INTERFACES_LOOPBACK,
                                        error);
  return g_steal_pointer (&text);
}

void
bd_security_save_config_async (BdSecurity          *security,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  SaveConfig *save;

  g_return_if_fail (security != NULL);

  save = g_new0 (SaveConfig, 1);
  save->path = g_strdup (security->config_path);
  save->allow_anonymous = security->allow_anonymous;
  /* Made here, on the model's thread: later edits cannot race the write. */
  if (security->config_is_own)
    save->text = bd_security_config_text (security);
  /* Read, changed and written under the lock every writer of this file
   * takes, so a bridge saved meanwhile is not lost. */
  bd_bridge_file_edit_async (save->path, edit_config, save, save_config_free, cancellable,
                             callback, user_data);
}

gboolean
bd_security_save_config_finish (GAsyncResult  *result,
                                GError       **error)
{
  return bd_bridge_file_edit_finish (result, error);
}

typedef struct
{
  char      *text;       /* the own file as the model says */
  GPtrArray *running;    /* BdListenerInfo*: the engine's listeners now */
  BdEngine  *engine;
} ApplyListeners;

static void
apply_listeners_free (gpointer data)
{
  ApplyListeners *apply = data;

  g_free (apply->text);
  g_ptr_array_unref (apply->running);
  bd_engine_unref (apply->engine);
  g_free (apply);
}

/* On a worker: parsing may name files, and the engine reads them itself. */
static void
parse_listeners_thread (GTask        *task,
                        gpointer      source_object,
                        gpointer      task_data,
                        GCancellable *cancellable)
{
  ApplyListeners *apply = task_data;
  g_autoptr(BdBrokerConfig) config = bd_broker_config_new ();
  const BdListenerConfig *first_running;
  BdListenerConfig *first;
  GPtrArray *listeners;
  GError *error = NULL;

  if (!bd_broker_config_parse (config, "brokerdesk.conf", apply->text, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  /* finish() makes a default listener when the text has none: there is a
   * first one, as the engine has (bd_security_apply_listeners_async()). */
  bd_broker_config_finish (config);
  first_running = ((BdListenerInfo *) g_ptr_array_index (apply->running, 0))->config;
  first = g_ptr_array_index (config->listeners, 0);
  first->port = first_running->port;
  g_free (first->bind_address);
  first->bind_address = g_strdup (first_running->bind_address);
  for (guint i = 0; i < config->listeners->len; i++)
    {
      BdListenerConfig *listener = g_ptr_array_index (config->listeners, i);

      g_free (listener->password_file);
      g_free (listener->acl_file);
      listener->password_file = g_strdup (first_running->password_file);
      listener->acl_file = g_strdup (first_running->acl_file);
    }
  listeners = g_steal_pointer (&config->listeners);
  config->listeners = g_ptr_array_new ();
  g_task_return_pointer (task, listeners, (GDestroyNotify) g_ptr_array_unref);
}

static void
listeners_applied_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!bd_engine_apply_listeners_finish (result, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
listeners_parsed_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ApplyListeners *apply = g_task_get_task_data (G_TASK (result));
  GError *error = NULL;
  GPtrArray *listeners = g_task_propagate_pointer (G_TASK (result), &error);

  if (listeners == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  bd_engine_apply_listeners_async (apply->engine, listeners, g_task_get_cancellable (task),
                                   listeners_applied_cb, g_object_ref (task));
}

void
bd_security_apply_listeners_async (BdSecurity          *security,
                                   BdEngine            *engine,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  g_autoptr(GTask) parse = NULL;
  ApplyListeners *apply;

  g_return_if_fail (security != NULL && engine != NULL);

  g_task_set_source_tag (task, bd_security_apply_listeners_async);
  if (!security->config_is_own || security->listeners == NULL ||
      bd_engine_get_n_listeners (engine) == 0)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  apply = g_new0 (ApplyListeners, 1);
  /* Made here, on the model's thread, as bd_security_save_config_async()
   * makes the file's text. */
  apply->text = bd_security_config_text (security);
  apply->running = bd_engine_dup_listeners (engine);
  apply->engine = bd_engine_ref (engine);
  parse = g_task_new (NULL, cancellable, listeners_parsed_cb, task);
  g_task_set_task_data (parse, apply, apply_listeners_free);
  g_task_run_in_thread (parse, parse_listeners_thread);
}

gboolean
bd_security_apply_listeners_finish (GAsyncResult  *result,
                                    GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static gboolean
listener_is (BdSecurityListener     *listener,
             BdSecurityListenerKind  kind)
{
  if (kind == BD_SECURITY_LISTENER_WEBSOCKETS)
    return listener->protocol == BD_LISTENER_WEBSOCKETS;
  return listener->protocol == BD_LISTENER_MQTT && listener->certfile != NULL;
}

BdSecurityListener *
bd_security_get_listener (BdSecurity             *security,
                          BdSecurityListenerKind  kind)
{
  g_return_val_if_fail (security != NULL, NULL);

  /* The first listener is the local one the window's preferences set. */
  for (guint i = 1; security->listeners != NULL && i < security->listeners->len; i++)
    {
      BdSecurityListener *listener = g_ptr_array_index (security->listeners, i);

      if (listener_is (listener, kind))
        return listener;
    }
  return NULL;
}

gboolean
bd_security_set_listener (BdSecurity             *security,
                          BdSecurityListenerKind  kind,
                          gboolean                enabled,
                          guint16                 port,
                          GError                **error)
{
  BdSecurityListener *listener;

  g_return_val_if_fail (security != NULL && security->listeners != NULL, FALSE);

  listener = bd_security_get_listener (security, kind);
  if (!enabled)
    {
      if (listener != NULL)
        g_ptr_array_remove (security->listeners, listener);
      return TRUE;
    }
  if (kind == BD_SECURITY_LISTENER_TLS && security->certfile == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("Choose or create a certificate first."));
      return FALSE;
    }
  if (listener == NULL)
    {
      /* On every interface: these are the listeners for other computers. */
      listener = bd_security_listener_new (kind == BD_SECURITY_LISTENER_WEBSOCKETS
                                           ? BD_LISTENER_WEBSOCKETS : BD_LISTENER_MQTT,
                                           port, NULL, security->certfile, security->keyfile);
      g_ptr_array_add (security->listeners, listener);
    }
  listener->port = port;
  return TRUE;
}

gboolean
bd_security_set_certificate (BdSecurity  *security,
                             const char  *certfile,
                             const char  *keyfile,
                             GError     **error)
{
  g_return_val_if_fail (security != NULL, FALSE);
  g_return_val_if_fail ((certfile == NULL) == (keyfile == NULL), FALSE);

  /* certfile and keyfile take the rest of their line. */
  if (certfile != NULL &&
      (!check_line_text (certfile, "\r\n", _("A certificate’s path cannot hold a line break."),
                         error) ||
       !check_line_text (keyfile, "\r\n", _("A certificate’s path cannot hold a line break."),
                         error)))
    return FALSE;

  if (certfile == NULL)
    bd_security_set_listener (security, BD_SECURITY_LISTENER_TLS, FALSE, 0, NULL);
  g_free (security->certfile);
  g_free (security->keyfile);
  security->certfile = g_strdup (certfile);
  security->keyfile = g_strdup (keyfile);
  for (guint i = 1; security->listeners != NULL && i < security->listeners->len; i++)
    {
      BdSecurityListener *listener = g_ptr_array_index (security->listeners, i);

      g_free (listener->certfile);
      g_free (listener->keyfile);
      listener->certfile = g_strdup (certfile);
      listener->keyfile = g_strdup (keyfile);
    }
  return TRUE;
}

char *
bd_security_dup_listener_warnings (BdSecurity           *security,
                                   const BdBrokerConfig *running)
{
  g_autoptr(BdBrokerConfig) config = NULL;
  g_autofree char *text = NULL;

  if (!security->config_is_own || security->listeners == NULL)
    return bd_security_dup_warnings (running, security->allow_anonymous);
  /* The file the window writes, read as the next start will read it. */
  text = bd_security_config_text (security);
  config = bd_broker_config_new ();
  if (!bd_broker_config_parse (config, security->config_path, text, NULL))
    return bd_security_dup_warnings (running, security->allow_anonymous);
  bd_broker_config_finish (config);
  /* The first listener is what --port, --bind and the window's preferences
   * make it at every start: as the broker runs now. */
  if (running->listeners->len > 0 && config->listeners->len > 0)
    {
      BdListenerConfig *first = g_ptr_array_index (config->listeners, 0);
      const BdListenerConfig *running_first = g_ptr_array_index (running->listeners, 0);

      g_free (first->bind_address);
      first->bind_address = g_strdup (running_first->bind_address);
      first->port = running_first->port;
    }
  return bd_security_dup_warnings (config, security->allow_anonymous);
}

/* ------------------------------------- the first listener's port and address */

/* The listener Mosquitto (and Brokerdesk) starts first, as
 * bd_broker_config_finish () settles it, and whether @config's text chose
 * it. */
static BdListenerConfig *
first_listener (BdBrokerConfig *config,
                gboolean       *configured)
{
  *configured = config->listeners_from_file;
  bd_broker_config_finish (config);
  return g_ptr_array_index (config->listeners, 0);
}

gboolean
bd_security_config_read_port (const char  *name,
                              const char  *text,
                              guint16     *port,
                              gboolean    *all_interfaces,
                              gboolean    *anonymous,
                              gboolean    *configured,
                              GError     **error)
{
  g_autoptr(BdBrokerConfig) config = bd_broker_config_new ();
  BdListenerConfig *first;

  g_return_val_if_fail (name != NULL && port != NULL && configured != NULL, FALSE);

  if (!bd_broker_config_parse (config, name, text != NULL ? text : "", error))
    return FALSE;
  first = first_listener (config, configured);
  *port = first->port;
  /* No address at all is every interface, as for Mosquitto. */
  if (all_interfaces != NULL)
    *all_interfaces = !bd_security_address_is_loopback (first->bind_address);
  if (anonymous != NULL)
    *anonymous = first->allow_anonymous;
  return TRUE;
}

/* The first word of @line, or "" for a blank line or a comment. */
static char *
dup_directive (const char *line)
{
  line += strspn (line, " \t");
  if (*line == '#')
    return g_strdup ("");
  return g_strndup (line, strcspn (line, " \t\r"));
}

/* @line, a 'listener PORT [ADDRESS]' line, on @port, and on @address
 * (NULL: every interface) when @new_address, else its address kept. */
static char *
dup_listener_line (const char *line,
                   guint16     port,
                   gboolean    new_address,
                   const char *address)
{
  const char *rest = line + strspn (line, " \t");

  rest += strcspn (rest, " \t\r");      /* "listener" */
  rest += strspn (rest, " \t");
  rest += strcspn (rest, " \t\r");      /* its port */
  if (!new_address)
    return g_strdup_printf ("listener %u%s", port, rest);
  rest += strspn (rest, " \t");
  rest += strcspn (rest, " \t\r");      /* its address */
  return g_strdup_printf ("listener %u%s%s%s", port, address != NULL ? " " : "",
                          address != NULL ? address : "", rest);
}

/* The address the first listener is to have, now on @address: one it has
 * already when that one fits. */
static const char *
wanted_address (const char           *address,
                BdSecurityInterfaces  interfaces)
{
  gboolean loopback = bd_security_address_is_loopback (address);

  if (interfaces == BD_SECURITY_INTERFACES_LOOPBACK && !loopback)
    return "127.0.0.1";
  if (interfaces == BD_SECURITY_INTERFACES_ALL && loopback)
    return NULL;
  return address;
}

char *
bd_security_config_set_port (const char            *name,
                             const char            *text,
                             guint16                port,
                             BdSecurityInterfaces   interfaces,
                             GError               **error)
{
  g_autoptr(BdBrokerConfig) before = bd_broker_config_new ();
  g_autoptr(BdBrokerConfig) after = bd_broker_config_new ();
  g_auto(GStrv) lines = NULL;
  g_autoptr(GString) out = g_string_new (NULL);
  g_autofree char *result = NULL;
  BdListenerConfig *old_first;
  BdListenerConfig *new_first;
  const char *address;
  gboolean new_address;
  gboolean add_bind;
  gboolean has_default;
  gboolean configured;
  gboolean anonymous_set;
  gboolean done = FALSE;

  g_return_val_if_fail (name != NULL, NULL);

  if (text == NULL)
    text = "";
  if (!bd_broker_config_parse (before, name, text, error))
    return NULL;
  has_default = before->default_listener != NULL;
  anonymous_set = before->allow_anonymous_set;
  old_first = first_listener (before, &configured);
  if (port == 0)
    port = old_first->port;
  address = wanted_address (old_first->bind_address, interfaces);
  new_address = g_strcmp0 (address, old_first->bind_address) != 0;
  /* The default listener without a 'bind_address' line takes every
   * interface: loopback needs one. */
  add_bind = has_default && new_address && old_first->bind_address == NULL;

  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autofree char *directive = dup_directive (lines[i]);
      char *line = lines[i];
      g_autofree char *changed = NULL;

      /* Mosquitto starts the default listener ('port', wherever it
       * stands) before those of 'listener' lines. */
      if (has_default && g_str_equal (directive, "port"))
        {
          if (add_bind)
            line = changed = g_strdup_printf ("port %u\nbind_address %s", port, address);
          else
            line = changed = g_strdup_printf ("port %u", port);
          add_bind = FALSE;
        }
      else if (has_default && new_address && g_str_equal (directive, "bind_address"))
        {
          /* Without one, the default listener takes every interface. */
          if (address == NULL)
            continue;
          line = g_strdup_printf ("bind_address %s", address);
          g_free (lines[i]);
          lines[i] = line;
        }
      else if (!has_default && !done && g_str_equal (directive, "listener"))
        line = changed = dup_listener_line (lines[i], port, new_address, address);
      else if (!configured && !done && g_str_equal (directive, "connection"))
        {
          /* Before the bridges: after a 'connection' line, lines belong
           * to its bridge. */
          g_string_append_printf (out, "listener %u%s%s\n\n", port,
                                  address != NULL ? " " : "", address != NULL ? address : "");
          done = TRUE;
        }
      if (changed != NULL)
        done = TRUE;
      g_string_append (out, line);
      if (lines[i + 1] != NULL)
        g_string_append_c (out, '\n');
    }
  if (!done && has_default)
    {
      /* A default listener made by 'bind_address' or a listener option
       * alone: its port line goes first. */
      g_autofree char *port_line = NULL;

      if (add_bind)
        port_line = g_strdup_printf ("port %u\nbind_address %s\n", port, address);
      else
        port_line = g_strdup_printf ("port %u\n", port);
      g_string_prepend (out, port_line);
    }
  else if (!done)
    {
      /* The listener Brokerdesk had without one, loopback only unless
       * every interface was asked for. */
      if (out->len > 0 && out->str[out->len - 1] != '\n')
        g_string_append_c (out, '\n');
      if (out->len > 0)
        g_string_append_c (out, '\n');
      g_string_append_printf (out, "listener %u%s%s\n", port,
                              address != NULL ? " " : "", address != NULL ? address : "");
    }
  result = g_string_free (g_steal_pointer (&out), FALSE);
  /* Once a file configures a listener, Mosquitto no longer lets anonymous
   * clients in by itself: say what they had. */
  if (!configured && !anonymous_set)
    {
      char *allowed = bd_security_config_set_allow_anonymous (result, before->allow_anonymous);

      g_free (result);
      result = allowed;
    }

  /* Read back as the broker will: only the first listener's port and
   * address may differ. What an included file sets cannot be changed
   * here. */
  if (!bd_broker_config_parse (after, name, result, error))
    return NULL;
  bd_broker_config_finish (after);
  new_first = g_ptr_array_index (after->listeners, 0);
  if (new_first->port != port || after->listeners->len != before->listeners->len ||
      g_strcmp0 (new_first->bind_address, address) != 0 ||
      new_first->allow_anonymous != old_first->allow_anonymous)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _("%s: the first listener’s port or address is not set by a line of this "
                     "file; change it there by hand"), name);
      return NULL;
    }
  return g_steal_pointer (&result);
}

gboolean
bd_security_read_own_port (guint16   *port,
                           gboolean  *all_interfaces,
                           gboolean  *anonymous,
                           gboolean  *configured,
                           GError   **error)
{
  g_autofree char *path = bd_security_default_config_path ();
  g_autofree char *text = NULL;

  if (!read_optional (path, &text, error))
    return FALSE;
  return bd_security_config_read_port (path, text, port, all_interfaces, anonymous, configured,
                                       error);
}

typedef struct
{
  char                 *path;
  guint16               port;
  BdSecurityInterfaces  interfaces;
  gboolean              only_if_unset;
} SavePort;

static void
save_port_free (gpointer data)
{
  SavePort *save = data;

  g_free (save->path);
  g_free (save);
}

static char *
edit_port (const char  *old,
           gpointer     user_data,
           GError     **error)
{
  SavePort *save = user_data;

  if (save->only_if_unset)
    {
      guint16 port;
      gboolean configured;

      if (!bd_security_config_read_port (save->path, old, &port, NULL, NULL, &configured, error))
        return NULL;
      if (configured)
        {
          /* Told apart from a failure by bd_security_write_own_port (). */
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                       "%s sets port %u", save->path, port);
          return NULL;
        }
    }
  return bd_security_config_set_port (save->path, old, save->port, save->interfaces, error);
}

static SavePort *
save_port_new (guint16              port,
               BdSecurityInterfaces interfaces,
               gboolean             only_if_unset)
{
  SavePort *save = g_new0 (SavePort, 1);

  save->path = bd_security_default_config_path ();
  save->port = port;
  save->interfaces = interfaces;
  save->only_if_unset = only_if_unset;
  return save;
}

gboolean
bd_security_write_own_port (guint16                port,
                            BdSecurityInterfaces   interfaces,
                            gboolean               only_if_unset,
                            gboolean              *written,
                            GError               **error)
{
  SavePort *save = save_port_new (port, interfaces, only_if_unset);
  GError *local = NULL;
  gboolean ok = bd_bridge_file_edit (save->path, edit_port, save, &local);

  save_port_free (save);
  if (written != NULL)
    *written = ok;
  if (!ok && g_error_matches (local, G_IO_ERROR, G_IO_ERROR_EXISTS))
    {
      g_error_free (local);
      return TRUE;
    }
  if (!ok)
    g_propagate_error (error, local);
  return ok;
}

/* The task's integer: the port, and these bits when it takes every
 * interface and when it lets anonymous clients in. */
#define ALL_INTERFACES_BIT 0x10000
#define ANONYMOUS_BIT      0x20000

static void
load_port_thread (GTask        *task,
                  gpointer      source_object,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  guint16 port;
  gboolean all_interfaces;
  gboolean anonymous;
  gboolean configured;
  GError *error = NULL;

  if (!bd_security_read_own_port (&port, &all_interfaces, &anonymous, &configured, &error))
    g_task_return_error (task, error);
  else
    g_task_return_int (task, port | (all_interfaces ? ALL_INTERFACES_BIT : 0) |
                             (anonymous ? ANONYMOUS_BIT : 0));
}

void
bd_security_load_own_port_async (GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, bd_security_load_own_port_async);
  g_task_run_in_thread (task, load_port_thread);
}

gboolean
bd_security_load_own_port_finish (GAsyncResult  *result,
                                  guint16       *port,
                                  gboolean      *all_interfaces,
                                  gboolean      *anonymous,
                                  GError       **error)
{
  gssize value;

  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  value = g_task_propagate_int (G_TASK (result), error);
  if (value < 0)
    return FALSE;
  *port = (guint16) value;
  if (all_interfaces != NULL)
    *all_interfaces = (value & ALL_INTERFACES_BIT) != 0;
  if (anonymous != NULL)
    *anonymous = (value & ANONYMOUS_BIT) != 0;
  return TRUE;
}

void
bd_security_save_own_port_async (guint16               port,
                                 BdSecurityInterfaces  interfaces,
                                 GCancellable         *cancellable,
                                 GAsyncReadyCallback   callback,
                                 gpointer              user_data)
{
  SavePort *save = save_port_new (port, interfaces, FALSE);

  bd_bridge_file_edit_async (save->path, edit_port, save, save_port_free, cancellable,
                             callback, user_data);
}

gboolean
bd_security_save_own_port_finish (GAsyncResult  *result,
                                  GError       **error)
{
  return bd_bridge_file_edit_finish (result, error);
}
