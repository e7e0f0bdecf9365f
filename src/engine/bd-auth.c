/* bd-auth.c — Mosquitto password files and ACL files
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Passwords. mosquitto_passwd stores "user:$7$ITER$SALT$HASH" (Mosquitto 2.0:
 * HASH = PBKDF2-HMAC-SHA512 (password, SALT, ITER), 64 bytes) or
 * "user:$6$SALT$HASH" (Mosquitto 1.x: HASH = SHA-512 (password ‖ SALT)), with
 * SALT and HASH in base64. PBKDF2 (RFC 8018, 5.2) is built on GHmac here so
 * the engine needs no crypto library. Hashes are compared in constant time,
 * and an unknown user costs one hash too, so timing tells nothing about
 * which user names exist.
 *
 * ACLs, as Mosquitto 2.0 evaluates them. The rules that apply to a client are
 * its own block (the "user NAME" block for its user name, or the lines before
 * any user line when it has none) plus every pattern, with "%c" and "%u"
 * levels replaced by its client id and user name. Then:
 *   1. a deny rule that matches refuses access, whatever grants it elsewhere;
 *   2. otherwise a rule granting the access that matches allows it;
 *   3. otherwise access is refused.
 * For READ and WRITE, "matches" is MQTT topic matching of the rule (a filter)
 * against the topic name [MQTT-4.7]. For SUBSCRIBE, the rule must cover the
 * subscription's whole filter: every topic the filter can match must match
 * the rule ("sensors/#" covers "sensors/+/temp"; "sensors/+" does not cover
 * "sensors/#"). A deny rule refuses a subscription only when it covers the
 * whole filter; one that covers part of it (deny "sensors/secret" under
 * subscription "sensors/#") is enforced by the READ check on each delivery.
 * Coverage is decided level by level and is conservative: a rule that covers
 * a filter only through an unusual combination ("+/#" versus "#") is not
 * recognised, which refuses rather than grants.
 */

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "bd-auth.h"
#include "bd-topic.h"
#include "bd-config.h"
#include "bd-config-private.h"

#define SHA512_LEN 64
/* What mosquitto_passwd 2.0 writes: 101 iterations, 12 bytes of salt. */
#define PBKDF2_ITERATIONS 101
#define SALT_LEN          12

typedef enum
{
  HASH_SHA512        = 6,
  HASH_PBKDF2_SHA512 = 7,
} HashType;

typedef struct
{
  HashType  type;
  guint     iterations;   /* HASH_PBKDF2_SHA512 */
  guint8   *salt;
  gsize     salt_len;
  guint8    hash[SHA512_LEN];
  guint     line;         /* for "already defined on line N" */
} PasswordEntry;

/* A rule grants some of BD_ACL_*; access 0 is a deny rule. */
typedef struct
{
  char     *filter;
  guint     access;
  gboolean  has_substitution;   /* a pattern with a %c or %u level */
  gboolean  uses_client_id;
  gboolean  uses_username;
} AclRule;

typedef struct
{
  GPtrArray  *anonymous;   /* of AclRule*: topic lines before any user line */
  GHashTable *users;       /* user name → GPtrArray of AclRule* */
  GPtrArray  *patterns;    /* of AclRule* */
} Acl;

struct _BdAuth
{
  GHashTable *passwords;   /* user name → PasswordEntry*; NULL until loaded */
  Acl        *acl;         /* NULL until loaded */
};

/* Helpers ---------------------------------------------------------------- */

/* Strict base64 (g_base64_decode() skips what it does not understand, which
 * would accept a damaged hash). */
static guint8 *
decode_base64 (const char *text,
               gsize      *len)
{
  gsize n = strlen (text);
  gsize padding = 0;

  if (n == 0 || n % 4 != 0)
    return NULL;

  if (text[n - 1] == '=')
    padding = text[n - 2] == '=' ? 2 : 1;

  for (gsize i = 0; i < n - padding; i++)
    if (!g_ascii_isalnum (text[i]) && text[i] != '+' && text[i] != '/')
      return NULL;

  return g_base64_decode (text, len);
}

/* Passwords --------------------------------------------------------------- */

static void
password_entry_free (gpointer data)
{
  PasswordEntry *entry = data;

  g_free (entry->salt);
  g_free (entry);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PasswordEntry, password_entry_free)

/* PBKDF2 with HMAC-SHA512 (RFC 8018, section 5.2). */
static void
pbkdf2_sha512 (const guint8 *password,
               gsize         password_len,
               const guint8 *salt,
               gsize         salt_len,
               guint         iterations,
               guint8       *out,
               gsize         out_len)
{
  static const guint8 empty[1] = { 0 };
  g_autoptr(GHmac) keyed = NULL;

  /* Keyed once: each of the many HMACs below starts from a copy of this
   * state instead of hashing the key again. */
  keyed = g_hmac_new (G_CHECKSUM_SHA512, password_len > 0 ? password : empty, password_len);

  for (guint32 block = 1; out_len > 0; block++)
    {
      guint8 be_block[4] = { block >> 24, block >> 16, block >> 8, block };
      guint8 u[SHA512_LEN];
      guint8 t[SHA512_LEN];
      gsize digest_len = SHA512_LEN;
      gsize chunk = MIN (out_len, (gsize) SHA512_LEN);
      GHmac *hmac;

      hmac = g_hmac_copy (keyed);
      g_hmac_update (hmac, salt, (gssize) salt_len);
      g_hmac_update (hmac, be_block, sizeof be_block);
      g_hmac_get_digest (hmac, u, &digest_len);
      g_hmac_unref (hmac);
      memcpy (t, u, sizeof t);

      for (guint i = 1; i < iterations; i++)
        {
          hmac = g_hmac_copy (keyed);
          g_hmac_update (hmac, u, sizeof u);
          digest_len = SHA512_LEN;
          g_hmac_get_digest (hmac, u, &digest_len);
          g_hmac_unref (hmac);

          for (gsize j = 0; j < sizeof t; j++)
            t[j] ^= u[j];
        }

      memcpy (out, t, chunk);
      out += chunk;
      out_len -= chunk;
    }
}

static void
hash_password (const PasswordEntry *entry,
               const guint8        *password,
               gsize                password_len,
               guint8               hash[SHA512_LEN])
{
  if (entry->type == HASH_PBKDF2_SHA512)
    {
      pbkdf2_sha512 (password, password_len, entry->salt, entry->salt_len,
                     entry->iterations, hash, SHA512_LEN);
    }
  else
    {
      g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA512);
      gsize len = SHA512_LEN;

      if (password_len > 0)
        g_checksum_update (checksum, password, (gssize) password_len);
      g_checksum_update (checksum, entry->salt, (gssize) entry->salt_len);
      g_checksum_get_digest (checksum, hash, &len);
    }
}

/* Whether @password hashes, as @entry says, to @entry's hash. The
 * comparison takes the same time wherever the first difference is, and the
 * hash made for it does not stay on the stack. */
static gboolean
password_matches (const PasswordEntry *entry,
                  const guint8        *password,
                  gsize                password_len)
{
  guint8 hash[SHA512_LEN];
  guint8 diff = 0;

  hash_password (entry, password, password_len, hash);
  for (gsize i = 0; i < SHA512_LEN; i++)
    diff |= hash[i] ^ entry->hash[i];
  memset (hash, 0, sizeof hash);
  return diff == 0;
}

static gboolean
parse_hash (PasswordEntry  *entry,
            const char     *user,
            const char     *text,
            const char     *path,
            guint           number,
            GError        **error)
{
  g_auto(GStrv) parts = g_strsplit (text, "$", -1);
  g_autofree guint8 *hash = NULL;
  const char *salt_text;
  const char *hash_text;
  gsize hash_len;
  guint64 iterations;

  /* "$6$SALT$HASH" splits into "", "6", SALT, HASH; $7$ has ITER too. */
  if (g_strv_length (parts) == 4 && parts[0][0] == '\0' && g_str_equal (parts[1], "6"))
    {
      entry->type = HASH_SHA512;
      salt_text = parts[2];
      hash_text = parts[3];
    }
  else if (g_strv_length (parts) == 5 && parts[0][0] == '\0' && g_str_equal (parts[1], "7"))
    {
      entry->type = HASH_PBKDF2_SHA512;
      if (!g_ascii_string_to_unsigned (parts[2], 10, 1, G_MAXINT, &iterations, NULL))
        return _bd_config_parse_error (error, path, number,
                                       "user “%s”: “%s” is not an iteration count",
                                       user, parts[2]);
      entry->iterations = (guint) iterations;
      salt_text = parts[3];
      hash_text = parts[4];
    }
  else
    {
      return _bd_config_parse_error (error, path, number,
                                     "user “%s”: the password is not a $7$ (PBKDF2-SHA512) "
                                     "or $6$ (SHA-512) hash",
                                     user);
    }

  entry->salt = decode_base64 (salt_text, &entry->salt_len);
  if (entry->salt == NULL || entry->salt_len == 0)
    return _bd_config_parse_error (error, path, number, "user “%s”: the salt is not base64", user);

  hash = decode_base64 (hash_text, &hash_len);
  if (hash == NULL || hash_len != SHA512_LEN)
    return _bd_config_parse_error (error, path, number,
                                   "user “%s”: the hash is not 64 bytes of base64", user);

  memcpy (entry->hash, hash, SHA512_LEN);
  return TRUE;
}

static gboolean
parse_password_line (gpointer     data,
                     const char  *path,
                     guint        number,
                     char        *line,
                     GError     **error)
{
  GHashTable *passwords = data;
  g_autoptr(PasswordEntry) entry = NULL;
  PasswordEntry *existing;
  char *colon = strchr (line, ':');
  const char *user = line;

  if (colon == NULL)
    return _bd_config_parse_error (error, path, number,
                                   "missing “:” between the user name and the password hash");

  *colon = '\0';
  if (user[0] == '\0')
    return _bd_config_parse_error (error, path, number, "empty user name");

  /* Two lines for one user: which one Mosquitto would use is an accident of
   * its hash table, so refuse rather than guess. */
  existing = g_hash_table_lookup (passwords, user);
  if (existing != NULL)
    return _bd_config_parse_error (error, path, number, "user “%s” is already defined on line %u",
                                   user, existing->line);

  entry = g_new0 (PasswordEntry, 1);
  entry->line = number;
  if (!parse_hash (entry, user, colon + 1, path, number, error))
    return FALSE;

  g_hash_table_insert (passwords, g_strdup (user), g_steal_pointer (&entry));
  return TRUE;
}

/* ACLs -------------------------------------------------------------------- */

static void
acl_rule_free (gpointer data)
{
  AclRule *rule = data;

  g_free (rule->filter);
  g_free (rule);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AclRule, acl_rule_free)

static void
acl_free (Acl *acl)
{
  if (acl == NULL)
    return;

  g_ptr_array_unref (acl->anonymous);
  g_hash_table_unref (acl->users);
  g_ptr_array_unref (acl->patterns);
  g_free (acl);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Acl, acl_free)

static Acl *
acl_new (void)
{
  Acl *acl = g_new0 (Acl, 1);

  acl->anonymous = g_ptr_array_new_with_free_func (acl_rule_free);
  acl->users = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                      (GDestroyNotify) g_ptr_array_unref);
  acl->patterns = g_ptr_array_new_with_free_func (acl_rule_free);
  return acl;
}

/* Returns the length of the level that starts at @level. */
static gsize
level_length (const char *level)
{
  const char *end = strchr (level, '/');

  return end != NULL ? (gsize) (end - level) : strlen (level);
}

static gboolean
level_is (const char *level,
          gsize       len,
          const char *text)
{
  return len == strlen (text) && memcmp (level, text, len) == 0;
}

/* A filter as in SUBSCRIBE [MQTT-4.7.1]: '#' only as the whole last level,
 * '+' only as a whole level. */
static gboolean
filter_is_valid (const char *filter)
{
  const char *level = filter;

  if (*filter == '\0')
    return FALSE;

  while (TRUE)
    {
      gsize len = level_length (level);

      if (memchr (level, '#', len) != NULL && (len != 1 || level[len] != '\0'))
        return FALSE;
      if (memchr (level, '+', len) != NULL && len != 1)
        return FALSE;
      if (level[len] == '\0')
        return TRUE;

      level += len + 1;
    }
}


/* Does every topic that the filter @sub matches also match @rule? */
static gboolean
acl_filter_covers (const char *rule,
                   const char *sub)
{
  const char *r = rule;
  const char *s = sub;

  /* A subscription to "$SYS/…" is only covered by a rule that names the
   * '$' level: a leading wildcard never matches it [MQTT-4.7.2-1]. */
  if (sub[0] == '$' && (rule[0] == '+' || rule[0] == '#'))
    return FALSE;

  while (TRUE)
    {
      gsize rlen = level_length (r);
      gsize slen = level_length (s);

      if (level_is (r, rlen, "#"))
        return TRUE;
      if (level_is (s, slen, "#"))
        return FALSE;           /* any depth, against a rule of fixed depth */
      if (level_is (s, slen, "+") && !level_is (r, rlen, "+"))
        return FALSE;           /* any name, against one name */
      if (!level_is (r, rlen, "+") && (rlen != slen || memcmp (r, s, rlen) != 0))
        return FALSE;

      if (r[rlen] == '\0' || s[slen] == '\0')
        {
          if (r[rlen] == '\0' && s[slen] == '\0')
            return TRUE;
          /* The subscription ended first: a final "/#" in the rule covers it. */
          return s[slen] == '\0' && g_str_equal (r + rlen, "/#");
        }

      r += rlen + 1;
      s += slen + 1;
    }
}

static gboolean
parse_access (const char *word,
              guint      *access)
{
  if (g_str_equal (word, "read"))
    *access = BD_ACL_READ | BD_ACL_SUBSCRIBE;
  else if (g_str_equal (word, "write"))
    *access = BD_ACL_WRITE;
  else if (g_str_equal (word, "readwrite"))
    *access = BD_ACL_READ | BD_ACL_SUBSCRIBE | BD_ACL_WRITE;
  else if (g_str_equal (word, "deny"))
    *access = 0;
  else
    return FALSE;

  return TRUE;
}

/* "%c" and "%u" must be a whole level, as Mosquitto's manual requires;
 * anywhere else they would silently be literal text. */
static gboolean
scan_substitutions (AclRule *rule)
{
  const char *level = rule->filter;

  while (TRUE)
    {
      gsize len = level_length (level);

      if (level_is (level, len, "%c"))
        rule->uses_client_id = TRUE;
      else if (level_is (level, len, "%u"))
        rule->uses_username = TRUE;
      else if (g_strstr_len (level, (gssize) len, "%c") != NULL
               || g_strstr_len (level, (gssize) len, "%u") != NULL)
        return FALSE;

      if (level[len] == '\0')
        break;
      level += len + 1;
    }

  rule->has_substitution = rule->uses_client_id || rule->uses_username;
  return TRUE;
}

typedef struct
{
  Acl       *acl;
  GPtrArray *block;   /* where topic lines go: anonymous, or a user's */
} AclParser;

static gboolean
parse_acl_line (gpointer     data,
                const char  *path,
                guint        number,
                char        *line,
                GError     **error)
{
  AclParser *parser = data;
  g_autoptr(AclRule) rule = NULL;
  const char *keyword = line;
  char *rest;
  char *value;
  gboolean is_pattern;

  rest = line + strcspn (line, " \t");
  if (*rest != '\0')
    {
      *rest++ = '\0';
      while (g_ascii_isspace (*rest))
        rest++;
    }

  if (g_str_equal (keyword, "user"))
    {
      GPtrArray *block;

      if (*rest == '\0')
        return _bd_config_parse_error (error, path, number, "user: missing user name");

      /* Two blocks for one user add up, as in Mosquitto. */
      block = g_hash_table_lookup (parser->acl->users, rest);
      if (block == NULL)
        {
          block = g_ptr_array_new_with_free_func (acl_rule_free);
          g_hash_table_insert (parser->acl->users, g_strdup (rest), block);
        }
      parser->block = block;
      return TRUE;
    }

  if (!g_str_equal (keyword, "topic") && !g_str_equal (keyword, "pattern"))
    return _bd_config_parse_error (error, path, number,
                                   "unknown keyword “%s” (expected topic, pattern or user)",
                                   keyword);
  is_pattern = g_str_equal (keyword, "pattern");

  if (*rest == '\0')
    return _bd_config_parse_error (error, path, number, "%s: missing topic", keyword);

  rule = g_new0 (AclRule, 1);

  /* "topic FILTER" or "topic ACCESS FILTER"; as in Mosquitto, the filter is
   * the rest of the line, so it may contain spaces when ACCESS is given. */
  value = rest + strcspn (rest, " \t");
  if (*value == '\0')
    {
      rule->access = BD_ACL_READ | BD_ACL_SUBSCRIBE | BD_ACL_WRITE;
      value = rest;
    }
  else
    {
      *value++ = '\0';
      while (g_ascii_isspace (*value))
        value++;
      if (!parse_access (rest, &rule->access))
        return _bd_config_parse_error (error, path, number,
                                       "%s: “%s” is not read, write, readwrite or deny",
                                       keyword, rest);
    }

  if (!filter_is_valid (value))
    return _bd_config_parse_error (error, path, number, "%s: “%s” is not a valid topic filter",
                                   keyword, value);

  rule->filter = g_strdup (value);
  if (is_pattern)
    {
      if (!scan_substitutions (rule))
        return _bd_config_parse_error (error, path, number,
                                       "pattern: %%c and %%u must be a whole topic level in “%s”",
                                       value);
      g_ptr_array_add (parser->acl->patterns, g_steal_pointer (&rule));
    }
  else
    {
      g_ptr_array_add (parser->block, g_steal_pointer (&rule));
    }

  return TRUE;
}

/* Builds @rule's filter for one client; NULL when the pattern does not
 * apply to it. */
static char *
expand_pattern (const AclRule *rule,
                const char    *client_id,
                const char    *username)
{
  GString *filter;
  const char *level = rule->filter;

  if ((rule->uses_username && username == NULL) || (rule->uses_client_id && client_id == NULL))
    return NULL;

  filter = g_string_sized_new (strlen (rule->filter) + 32);
  while (TRUE)
    {
      gsize len = level_length (level);

      if (level_is (level, len, "%c"))
        g_string_append (filter, client_id);
      else if (level_is (level, len, "%u"))
        g_string_append (filter, username);
      else
        g_string_append_len (filter, level, (gssize) len);

      if (level[len] == '\0')
        break;
      g_string_append_c (filter, '/');
      level += len + 1;
    }

  return g_string_free (filter, FALSE);
}

static gboolean
rule_matches (const char  *filter,
              const char  *topic,
              BdAclAccess  access)
{
  if (access == BD_ACL_SUBSCRIBE)
    return acl_filter_covers (filter, topic);

  return bd_topic_matches (filter, topic);
}

/* Is there a rule among @rules and the patterns that matches, and is a deny
 * rule (@deny) or grants @access? */
static gboolean
acl_find (const Acl   *acl,
          GPtrArray   *rules,
          const char  *client_id,
          const char  *username,
          const char  *topic,
          BdAclAccess  access,
          gboolean     deny)
{
  /* A client id or user name holding a wildcard would widen a pattern
   * ("%c" = "#"): such a client gets no grant from patterns, and every deny
   * pattern that names the value applies to it (Mosquitto 2.0 refuses such
   * clients all pattern access). */
  gboolean dangerous_id = client_id != NULL && strpbrk (client_id, "+#") != NULL;
  gboolean dangerous_user = username != NULL && strpbrk (username, "+#") != NULL;

  for (guint i = 0; rules != NULL && i < rules->len; i++)
    {
      const AclRule *rule = g_ptr_array_index (rules, i);

      if ((deny ? rule->access == 0 : (rule->access & access) != 0)
          && rule_matches (rule->filter, topic, access))
        return TRUE;
    }

  for (guint i = 0; i < acl->patterns->len; i++)
    {
      const AclRule *rule = g_ptr_array_index (acl->patterns, i);
      g_autofree char *filter = NULL;

      if (deny ? rule->access != 0 : (rule->access & access) == 0)
        continue;

      if ((rule->uses_client_id && dangerous_id) || (rule->uses_username && dangerous_user))
        {
          if (deny)
            return TRUE;
          continue;
        }

      filter = rule->has_substitution ? expand_pattern (rule, client_id, username)
                                      : g_strdup (rule->filter);
      if (filter != NULL && rule_matches (filter, topic, access))
        return TRUE;
    }

  return FALSE;
}

/* Public API -------------------------------------------------------------- */

BdAuth *
bd_auth_new (void)
{
  return g_new0 (BdAuth, 1);
}

BdAuth *
bd_auth_new_from_files (const char  *password_file,
                        const char  *acl_file,
                        GError     **error)
{
  BdAuth *auth = bd_auth_new ();

  if ((password_file != NULL && !bd_auth_load_password_file (auth, password_file, error)) ||
      (acl_file != NULL && !bd_auth_load_acl_file (auth, acl_file, error)))
    {
      bd_auth_free (auth);
      return NULL;
    }
  return auth;
}

void
bd_auth_free (BdAuth *auth)
{
  if (auth == NULL)
    return;

  g_clear_pointer (&auth->passwords, g_hash_table_unref);
  g_clear_pointer (&auth->acl, acl_free);
  g_free (auth);
}

gboolean
bd_auth_load_password_file (BdAuth      *auth,
                            const char  *path,
                            GError     **error)
{
  g_autoptr(GHashTable) passwords = NULL;

  g_return_val_if_fail (auth != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  passwords = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, password_entry_free);
  if (!_bd_config_read_lines (path, parse_password_line, passwords, error))
    return FALSE;

  g_clear_pointer (&auth->passwords, g_hash_table_unref);
  auth->passwords = g_steal_pointer (&passwords);
  return TRUE;
}

gboolean
bd_auth_has_passwords (BdAuth *auth)
{
  g_return_val_if_fail (auth != NULL, FALSE);

  return auth->passwords != NULL;
}

gboolean
bd_auth_check_password (BdAuth       *auth,
                        const char   *username,
                        const guint8 *password,
                        gsize         password_len)
{
  /* Stands in for an unknown user, with Mosquitto's default cost. */
  static const guint8 dummy_salt[12] = { 0 };
  static const PasswordEntry dummy = {
    .type = HASH_PBKDF2_SHA512,
    .iterations = 101,
    .salt = (guint8 *) dummy_salt,
    .salt_len = sizeof dummy_salt,
  };
  const PasswordEntry *entry = NULL;
  gboolean equal;

  g_return_val_if_fail (auth != NULL, FALSE);
  g_return_val_if_fail (password != NULL || password_len == 0, FALSE);

  if (auth->passwords != NULL && username != NULL)
    entry = g_hash_table_lookup (auth->passwords, username);

  equal = password_matches (entry != NULL ? entry : &dummy, password, password_len);
  return entry != NULL && equal;
}

gboolean
bd_auth_check_hash (const char *hash,
                    const char *password)
{
  g_autoptr(PasswordEntry) entry = g_new0 (PasswordEntry, 1);

  g_return_val_if_fail (password != NULL, FALSE);

  if (hash == NULL || !parse_hash (entry, "", hash, "", 0, NULL))
    return FALSE;
  return password_matches (entry, (const guint8 *) password, strlen (password));
}

gboolean
bd_auth_load_acl_file (BdAuth      *auth,
                       const char  *path,
                       GError     **error)
{
  g_autoptr(Acl) acl = acl_new ();
  AclParser parser = { acl, acl->anonymous };

  g_return_val_if_fail (auth != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!_bd_config_read_lines (path, parse_acl_line, &parser, error))
    return FALSE;

  g_clear_pointer (&auth->acl, acl_free);
  auth->acl = g_steal_pointer (&acl);
  return TRUE;
}

gboolean
bd_auth_has_acl (BdAuth *auth)
{
  g_return_val_if_fail (auth != NULL, FALSE);

  return auth->acl != NULL;
}

gboolean
bd_auth_acl_check (BdAuth      *auth,
                   const char  *client_id,
                   const char  *username,
                   const char  *topic,
                   BdAclAccess  access)
{
  GPtrArray *rules;

  g_return_val_if_fail (auth != NULL, FALSE);
  g_return_val_if_fail (topic != NULL, FALSE);
  g_return_val_if_fail (access == BD_ACL_READ || access == BD_ACL_WRITE
                        || access == BD_ACL_SUBSCRIBE, FALSE);

  if (auth->acl == NULL)
    return TRUE;

  /* A user with no block of their own gets the patterns only: the anonymous
   * block is for clients without a user name. */
  rules = username != NULL ? g_hash_table_lookup (auth->acl->users, username)
                           : auth->acl->anonymous;

  /* Mosquitto 2.0: a matching deny wins over any grant. */
  if (acl_find (auth->acl, rules, client_id, username, topic, access, TRUE))
    return FALSE;

  return acl_find (auth->acl, rules, client_id, username, topic, access, FALSE);
}

gboolean
bd_auth_has_user (BdAuth     *auth,
                  const char *username)
{
  g_return_val_if_fail (auth != NULL, FALSE);

  return auth->passwords != NULL && username != NULL &&
         g_hash_table_contains (auth->passwords, username);
}

char *
bd_auth_hash_password (const char  *password,
                       GError     **error)
{
  PasswordEntry entry = {
    .type = HASH_PBKDF2_SHA512,
    .iterations = PBKDF2_ITERATIONS,
    .salt_len = SALT_LEN,
  };
  guint8 salt[SALT_LEN];
  guint8 hash[SHA512_LEN];
  g_autofree char *salt_text = NULL;
  g_autofree char *hash_text = NULL;
  gsize got = 0;

  g_return_val_if_fail (password != NULL, NULL);

  while (got < sizeof salt)
    {
      ssize_t n = getrandom (salt + got, sizeof salt - got, 0);

      if (n < 0)
        {
          int saved = errno;

          if (saved == EINTR)
            continue;
          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                       "No random salt for the password: %s", g_strerror (saved));
          return NULL;
        }
      got += (gsize) n;
    }
  entry.salt = salt;
  hash_password (&entry, (const guint8 *) password, strlen (password), hash);
  salt_text = g_base64_encode (salt, sizeof salt);
  hash_text = g_base64_encode (hash, sizeof hash);
  memset (hash, 0, sizeof hash);
  return g_strdup_printf ("$7$%u$%s$%s", (guint) PBKDF2_ITERATIONS, salt_text, hash_text);
}

void
bd_auth_swap (BdAuth *auth,
              BdAuth *other)
{
  BdAuth saved;

  g_return_if_fail (auth != NULL && other != NULL);

  saved = *auth;
  *auth = *other;
  *other = saved;
}
