/* test-auth.c — Mosquitto password files and ACL files
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "bd-auth.h"
#include "bd-config.h"
#include "bd-test-util.h"

/* tests/engine/data/mosquitto.passwd was written by Mosquitto 2.0.11's
 * mosquitto_passwd ("-H sha512" for carol and erin) with these passwords. */
static const struct
{
  const char *user;
  const char *password;
} known_users[] = {
  { "alice", "secret" },          /* $7$ */
  { "bob", "p@ss word" },         /* $7$ */
  { "carol", "hunter2" },         /* $6$ */
  { "dave", "pässwörd" },         /* $7$, UTF-8 */
  { "erin", "Ünïcode ✓" },        /* $6$, UTF-8 */
  { "frank", "" },                /* $7$, empty password */
};

/* PBKDF2 with 1000 iterations, computed independently (Python's
 * hashlib.pbkdf2_hmac ('sha512', b'correct horse', b'0123456789ab', 1000)). */
static const char gina_line[] =
  "gina:$7$1000$MDEyMzQ1Njc4OWFi$OCzQ5wJtyzNPznJ+C6mINKa1QDiEe5NZq8ghhv2qWhDU9CE3LuZOAO1bVV+N"
  "FIPH9Y1r7vqAQiaTmpL0W5EO9A==\n";

static BdTestTmpdir *tmp_dir;

static gboolean
check (BdAuth     *auth,
       const char *user,
       const char *password)
{
  return bd_auth_check_password (auth, user, (const guint8 *) password, strlen (password));
}

static BdAuth *
auth_with_acl (const char *text)
{
  g_autoptr(BdAuth) auth = bd_auth_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *path = bd_test_write_file (tmp_dir, "acl", text);

  g_assert_true (bd_auth_load_acl_file (auth, path, &error));
  g_assert_no_error (error);
  g_assert_true (bd_auth_has_acl (auth));
  g_unlink (path);
  return g_steal_pointer (&auth);
}

/* One ACL check: client id, user name (NULL = anonymous), topic, access. */
typedef struct
{
  const char  *client_id;
  const char  *username;
  const char  *topic;
  BdAclAccess  access;
  gboolean     allowed;
} AclCase;

static void
run_acl_cases (BdAuth        *auth,
               const AclCase *cases,
               gsize          n_cases)
{
  static const char * const access_names[] = { NULL, "read", "write", NULL, "subscribe" };

  for (gsize i = 0; i < n_cases; i++)
    {
      g_test_message ("case %" G_GSIZE_FORMAT ": %s/%s %s %s", i,
                      cases[i].client_id, cases[i].username ? cases[i].username : "(anonymous)",
                      access_names[cases[i].access], cases[i].topic);
      g_assert_cmpint (bd_auth_acl_check (auth, cases[i].client_id, cases[i].username,
                                          cases[i].topic, cases[i].access),
                       ==, cases[i].allowed);
    }
}

#define R BD_ACL_READ
#define W BD_ACL_WRITE
#define S BD_ACL_SUBSCRIBE

/* A file's text and the parse error it must give, after "PATH:". */
typedef struct
{
  const char *text;
  const char *message;
} FileError;

typedef gboolean (*LoadFunc) (BdAuth      *auth,
                              const char  *path,
                              GError     **error);

/* Each text of @cases, written to @name and read with @load, fails with
 * exactly its message, and the file that cannot be read with an I/O error. */
static void
assert_load_errors (BdAuth          *auth,
                    LoadFunc         load,
                    const char      *name,
                    const FileError *cases,
                    gsize            n_cases)
{
  g_autoptr(GError) error = NULL;

  for (gsize i = 0; i < n_cases; i++)
    {
      g_autofree char *path = bd_test_write_file (tmp_dir, name, cases[i].text);
      g_autofree char *message = g_strdup_printf ("%s:%s", path, cases[i].message);

      g_test_message ("case %" G_GSIZE_FORMAT, i);
      g_assert_false (load (auth, path, &error));
      g_assert_error (error, BD_CONFIG_ERROR, BD_CONFIG_ERROR_PARSE);
      g_assert_cmpstr (error->message, ==, message);
      g_clear_error (&error);
      g_unlink (path);
    }

  g_assert_false (load (auth, "/nonexistent/file", &error));
  g_assert_error (error, BD_CONFIG_ERROR, BD_CONFIG_ERROR_IO);
}

/* Passwords ---------------------------------------------------------------- */

static void
test_nothing_loaded (void)
{
  g_autoptr(BdAuth) auth = bd_auth_new ();

  g_assert_false (bd_auth_has_passwords (auth));
  g_assert_false (bd_auth_has_acl (auth));
  g_assert_false (check (auth, "alice", "secret"));
  g_assert_false (bd_auth_check_password (auth, NULL, NULL, 0));

  /* No ACL: everything is allowed. */
  g_assert_true (bd_auth_acl_check (auth, "c", NULL, "a/b", R));
  g_assert_true (bd_auth_acl_check (auth, "c", "u", "$SYS/x", W));
  g_assert_true (bd_auth_acl_check (auth, "c", "u", "#", S));
}

static void
test_password_vectors (void)
{
  g_autoptr(BdAuth) auth = bd_auth_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  g_autofree char *with_gina = NULL;
  const char *source_dir = g_getenv ("BROKERDESK_SOURCE_DIR");

  BD_TEST_REQUIRE_ENV ("BROKERDESK_SOURCE_DIR");

  path = g_build_filename (source_dir, "tests", "engine", "data", "mosquitto.passwd", NULL);
  g_assert_true (bd_auth_load_password_file (auth, path, &error));
  g_assert_no_error (error);
  g_assert_true (bd_auth_has_passwords (auth));

  for (gsize i = 0; i < G_N_ELEMENTS (known_users); i++)
    {
      g_autofree char *wrong = g_strconcat (known_users[i].password, "x", NULL);

      g_test_message ("user %s", known_users[i].user);
      g_assert_true (check (auth, known_users[i].user, known_users[i].password));
      g_assert_false (check (auth, known_users[i].user, wrong));
      g_assert_false (check (auth, known_users[i].user, "secret2"));
    }

  /* One byte off, a prefix, another user's password, the wrong case. */
  g_assert_false (check (auth, "alice", "secreT"));
  g_assert_false (check (auth, "alice", "secre"));
  g_assert_false (check (auth, "alice", "hunter2"));
  g_assert_false (check (auth, "carol", "hunter"));
  g_assert_false (check (auth, "Alice", "secret"));
  g_assert_false (check (auth, "alice", ""));
  /* An empty password is not "no password". */
  g_assert_true (bd_auth_check_password (auth, "frank", NULL, 0));
  g_assert_false (check (auth, "frank", " "));
  /* The password is binary: a NUL inside counts. (Trailing NULs are the
   * exception for $7$: PBKDF2 uses the password as an HMAC key, which HMAC
   * pads with zeros, as OpenSSL's PBKDF2 in Mosquitto does too.) */
  g_assert_false (bd_auth_check_password (auth, "carol", (const guint8 *) "hunter2\0", 8));
  g_assert_false (bd_auth_check_password (auth, "alice", (const guint8 *) "sec\0ret", 7));

  /* Unknown users and anonymous clients. */
  g_assert_false (check (auth, "mallory", "secret"));
  g_assert_false (check (auth, "", ""));
  g_assert_false (bd_auth_check_password (auth, NULL, (const guint8 *) "secret", 6));

  /* Another iteration count. */
  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  g_clear_pointer (&path, g_free);
  with_gina = g_strconcat (text, gina_line, NULL);
  path = bd_test_write_file (tmp_dir, "passwd", with_gina);
  g_assert_true (bd_auth_load_password_file (auth, path, &error));
  g_assert_no_error (error);
  g_assert_true (check (auth, "gina", "correct horse"));
  g_assert_false (check (auth, "gina", "correct horse battery"));
  g_assert_true (check (auth, "alice", "secret"));
  g_unlink (path);
}

/* Files written now by the real mosquitto_passwd, in both formats. */
static void
test_password_mosquitto_passwd (void)
{
  static const char * const hashes[] = { "sha512-pbkdf2", "sha512" };
  g_autofree char *tool = NULL;

  BD_TEST_REQUIRE_PROGRAM ("mosquitto_passwd");
  tool = bd_test_find_program ("mosquitto_passwd");

  for (gsize i = 0; i < G_N_ELEMENTS (hashes); i++)
    {
      g_autoptr(BdAuth) auth = bd_auth_new ();
      g_autoptr(GError) error = NULL;
      g_autofree char *path = g_build_filename (tmp_dir, "generated.passwd", NULL);
      g_autofree char *text = NULL;
      const char *create[] = {
        tool, "-H", hashes[i], "-b", "-c", path, "sensor-7", "t0p $ecret", NULL
      };
      const char *add[] = { tool, "-H", hashes[i], "-b", path, "ops", "ünï €", NULL };
      int status;

      g_spawn_sync (NULL, (char **) create, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                    NULL, NULL, &status, &error);
      g_assert_no_error (error);
      g_spawn_check_wait_status (status, &error);
      g_assert_no_error (error);
      g_spawn_sync (NULL, (char **) add, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                    NULL, NULL, &status, &error);
      g_assert_no_error (error);
      g_spawn_check_wait_status (status, &error);
      g_assert_no_error (error);

      g_file_get_contents (path, &text, NULL, &error);
      g_assert_no_error (error);
      g_assert_nonnull (strstr (text, i == 0 ? "sensor-7:$7$" : "sensor-7:$6$"));

      g_assert_true (bd_auth_load_password_file (auth, path, &error));
      g_assert_no_error (error);
      g_assert_true (check (auth, "sensor-7", "t0p $ecret"));
      g_assert_false (check (auth, "sensor-7", "t0p $ecreT"));
      g_assert_true (check (auth, "ops", "ünï €"));
      g_assert_false (check (auth, "ops", "t0p $ecret"));
      g_assert_false (check (auth, "root", "t0p $ecret"));
      g_unlink (path);
    }
}

/* A password file written with bd_auth_hash_password () is read back, and
 * Debian's Mosquitto accepts it: users edited in Brokerdesk keep working
 * with Mosquitto, as mosquitto_passwd's files work with Brokerdesk. */
static void
test_password_written (void)
{
  g_autoptr(BdAuth) auth = bd_auth_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *hash = bd_auth_hash_password ("t0p $ecret", &error);
  g_autofree char *again = bd_auth_hash_password ("t0p $ecret", NULL);
  g_autofree char *text = NULL;
  g_autofree char *path = g_build_filename (tmp_dir, "written.passwd", NULL);
  g_autofree char *conf = NULL;
  g_autoptr(GSubprocess) broker = NULL;
  guint16 port;

  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (hash, "$7$101$"));
  /* A fresh salt each time. */
  g_assert_cmpstr (hash, !=, again);
  text = g_strdup_printf ("sensor-7:%s\nops:%s\n", hash, again);
  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
  g_assert_true (bd_auth_load_password_file (auth, path, &error));
  g_assert_no_error (error);
  g_assert_true (check (auth, "sensor-7", "t0p $ecret"));
  g_assert_false (check (auth, "sensor-7", "t0p $ecreT"));
  g_assert_true (bd_auth_has_user (auth, "ops"));
  g_assert_false (bd_auth_has_user (auth, "root"));

  BD_TEST_REQUIRE_PROGRAM ("mosquitto_pub");
  conf = g_strdup_printf ("allow_anonymous false\npassword_file %s\n", path);
  broker = bd_test_start_mosquitto (tmp_dir, conf, &port);
  if (broker == NULL)
    {
      g_test_skip ("mosquitto is not installed");
      return;
    }

  g_assert_true (bd_test_mosquitto_pub (port, "sensor-7", "t0p $ecret"));
  g_assert_true (bd_test_mosquitto_pub (port, "ops", "t0p $ecret"));
  g_assert_false (bd_test_mosquitto_pub (port, "sensor-7", "wrong"));

  g_subprocess_force_exit (broker);
  g_subprocess_wait (broker, NULL, NULL);
  g_unlink (path);
}

/* A hash kept on its own (the operator PIN): the right secret matches, a
 * wrong one or a damaged hash does not. */
static void
test_check_hash (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *hash = bd_auth_hash_password ("4711", &error);
  g_autofree char *damaged = NULL;

  g_assert_no_error (error);
  g_assert_true (bd_auth_check_hash (hash, "4711"));
  g_assert_false (bd_auth_check_hash (hash, "4712"));
  g_assert_false (bd_auth_check_hash (hash, ""));
  g_assert_false (bd_auth_check_hash (NULL, "4711"));
  g_assert_false (bd_auth_check_hash ("", "4711"));
  damaged = g_strndup (hash, strlen (hash) - 10);
  g_assert_false (bd_auth_check_hash (damaged, "4711"));
}

static void
test_password_errors (void)
{
  static const FileError cases[] = {
    { "alice\n", "1: missing “:” between the user name and the password hash" },
    { "# comment\n\n:$6$c2FsdHNhbHQ=$x\n", "3: empty user name" },
    { "alice:secret\n", "1: user “alice”: the password is not a $7$ (PBKDF2-SHA512) or $6$ "
                        "(SHA-512) hash" },
    { "alice:\n", "1: user “alice”: the password is not a $7$ (PBKDF2-SHA512) or $6$ "
                  "(SHA-512) hash" },
    { "alice:$5$abc$def\n", "1: user “alice”: the password is not a $7$ (PBKDF2-SHA512) or $6$ "
                            "(SHA-512) hash" },
    { "alice:$7$0$c2FsdHNhbHQ=$x\n", "1: user “alice”: “0” is not an iteration count" },
    { "alice:$7$abc$c2FsdHNhbHQ=$x\n", "1: user “alice”: “abc” is not an iteration count" },
    { "alice:$7$101$c2Fsd!NhbHQ=$x\n", "1: user “alice”: the salt is not base64" },
    { "alice:$6$$aGFzaA==\n", "1: user “alice”: the salt is not base64" },
    { "alice:$6$c2FsdHNhbHQ=$aGFzaA==\n", "1: user “alice”: the hash is not 64 bytes of base64" },
    { "alice:$6$c2FsdHNhbHQ=$aGFza\n", "1: user “alice”: the hash is not 64 bytes of base64" },
    { "carol:$6$JzpBVQc2Xls1eu2t$o3jZ3lIvNRKxQ8im7LSixvy/RFjJreuGRp+hEL4UxXzSNUmgU/QPadqW0gun2t0B"
      "Uut1LJTzNVwvM3Uwmb9c5Q==\n"
      "carol:$6$JzpBVQc2Xls1eu2t$o3jZ3lIvNRKxQ8im7LSixvy/RFjJreuGRp+hEL4UxXzSNUmgU/QPadqW0gun2t0B"
      "Uut1LJTzNVwvM3Uwmb9c5Q==\n",
      "2: user “carol” is already defined on line 1" },
  };
  g_autoptr(BdAuth) auth = bd_auth_new ();

  assert_load_errors (auth, bd_auth_load_password_file, "bad.passwd",
                      cases, G_N_ELEMENTS (cases));
  g_assert_false (bd_auth_has_passwords (auth));
}

/* A reload that fails keeps what was loaded. */
static void
test_password_reload (void)
{
  g_autoptr(BdAuth) auth = bd_auth_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *path = bd_test_write_file (tmp_dir, "reload.passwd", gina_line);

  g_assert_true (bd_auth_load_password_file (auth, path, &error));
  g_assert_true (check (auth, "gina", "correct horse"));

  g_free (bd_test_write_file (tmp_dir, "reload.passwd", "garbage\n"));
  g_assert_false (bd_auth_load_password_file (auth, path, &error));
  g_clear_error (&error);
  g_assert_true (check (auth, "gina", "correct horse"));

  /* A good reload replaces everything. */
  g_free (bd_test_write_file (tmp_dir, "reload.passwd", "# nobody\n"));
  g_assert_true (bd_auth_load_password_file (auth, path, &error));
  g_assert_no_error (error);
  g_assert_true (bd_auth_has_passwords (auth));
  g_assert_false (check (auth, "gina", "correct horse"));
  g_unlink (path);
}

/* ACLs --------------------------------------------------------------------- */

static void
test_acl_blocks (void)
{
  g_autoptr(BdAuth) auth = NULL;
  static const AclCase cases[] = {
    /* Anonymous clients: the lines before any user line. */
    { "c1", NULL, "public/news", R, TRUE },
    { "c1", NULL, "public/news", W, FALSE },
    { "c1", NULL, "public/news/today", R, FALSE },
    { "c1", NULL, "public", R, FALSE },
    { "c1", NULL, "inbox/any", W, TRUE },
    { "c1", NULL, "inbox/any", R, FALSE },
    { "c1", NULL, "chat", R, TRUE },
    { "c1", NULL, "chat", W, TRUE },
    { "c1", NULL, "sensors/1/temp", R, FALSE },
    /* roger's block, in two parts. */
    { "c2", "roger", "sensors/1/temp", R, TRUE },
    { "c2", "roger", "sensors/1/temp", W, TRUE },
    { "c2", "roger", "sensors", R, TRUE },         /* "sensors/#" matches its parent */
    { "c2", "roger", "actuators/valve", W, TRUE },
    { "c2", "roger", "actuators/valve", R, FALSE },
    { "c2", "roger", "public/news", R, FALSE },    /* the anonymous block is not his */
    /* Named with spaces, as in Mosquitto: the rest of the line. */
    { "c3", "jane doe", "space topic/a", R, TRUE },
    /* A user without a block gets nothing but the patterns (none here). */
    { "c4", "nobody", "public/news", R, FALSE },
    { "c4", "nobody", "chat", W, FALSE },
  };

  auth = auth_with_acl ("# Clients without a user name\n"
                        "topic read public/+\n"
                        "topic write inbox/#\n"
                        "topic chat\n"
                        "\n"
                        "user roger\n"
                        "topic readwrite sensors/#\n"
                        "user jane doe\n"
                        "topic read space topic/a\n"
                        "user roger\n"
                        "topic write actuators/+\n");
  run_acl_cases (auth, cases, G_N_ELEMENTS (cases));
}

static void
test_acl_patterns (void)
{
  g_autoptr(BdAuth) auth = NULL;
  static const AclCase cases[] = {
    /* %c: everyone, with a user name or not. */
    { "dev1", NULL, "devices/dev1/state", W, TRUE },
    { "dev1", "alice", "devices/dev1/state", W, TRUE },
    { "dev1", NULL, "devices/dev2/state", W, FALSE },
    { "dev1", NULL, "devices/dev1/state", R, FALSE },
    /* %u: never for anonymous clients. */
    { "x", "alice", "home/alice/lamp", R, TRUE },
    { "x", "alice", "home/alice/lamp", W, TRUE },
    { "x", "alice", "home/alice", R, TRUE },
    { "x", "alice", "home/bob/lamp", R, FALSE },
    { "x", NULL, "home//lamp", R, FALSE },
    { "x", NULL, "home/%u/lamp", R, FALSE },
    /* Both in one pattern. */
    { "phone", "alice", "users/alice/phone/in", R, TRUE },
    { "phone", "alice", "users/alice/tablet/in", R, FALSE },
    { "phone", NULL, "users/alice/phone/in", R, FALSE },
    /* A pattern without substitution applies to everyone. */
    { "x", NULL, "status", R, TRUE },
    { "x", "bob", "status", R, TRUE },
    /* Patterns apply to users with a block, on top of it. */
    { "x", "bob", "bob-only", R, TRUE },
    { "x", "bob", "home/bob/lamp", W, TRUE },
    /* A client id or user name holding a wildcard gets nothing from
     * patterns: "%c" = "+" would open every device. */
    { "+", NULL, "devices/dev1/state", W, FALSE },
    { "+", NULL, "devices/+/state", W, FALSE },
    { "#", "alice", "users/alice/x/in", R, FALSE },
    { "x", "a#", "home/a#/lamp", R, FALSE },
    { "+", NULL, "status", R, TRUE },           /* no substitution, still granted */
    /* A '/' in a value is just more levels. */
    { "site/dev9", NULL, "devices/site/dev9/state", W, TRUE },
  };

  auth = auth_with_acl ("pattern write devices/%c/state\n"
                        "user bob\n"
                        "topic read bob-only\n"
                        "pattern readwrite home/%u/#\n"
                        "pattern read users/%u/%c/in\n"
                        "pattern read status\n");
  run_acl_cases (auth, cases, G_N_ELEMENTS (cases));
}

static void
test_acl_deny (void)
{
  g_autoptr(BdAuth) auth = NULL;
  static const AclCase cases[] = {
    /* Deny wins over a broader grant, whatever the order (Mosquitto 2.0). */
    { "c", "ops", "plant/line1/temp", R, TRUE },
    { "c", "ops", "plant/secret/keys", R, FALSE },
    { "c", "ops", "plant/secret/keys", W, FALSE },
    { "c", "ops", "plant/secret", R, FALSE },      /* "plant/secret/#" covers its parent */
    { "c", "ops", "plant/secrets", R, TRUE },
    { "c", "ops", "plant/line1/admin", W, FALSE },
    { "c", "ops", "plant/line1/admin", R, FALSE },
    { "c", "ops", "plant/line2/temp", W, TRUE },
    /* A deny pattern with %u. */
    { "c", "ops", "plant/ops/private", R, FALSE },
    { "c", "ops", "plant/eve/private", R, TRUE },
    /* Subscriptions: refused when a deny rule covers the whole filter;
     * a partial overlap is left to the per-message READ check. */
    { "c", "ops", "plant/#", S, TRUE },
    { "c", "ops", "plant/secret/#", S, FALSE },
    { "c", "ops", "plant/secret/+", S, FALSE },
    { "c", "ops", "plant/+/admin", S, FALSE },
    { "c", "ops", "plant/line1/+", S, TRUE },
    /* A deny pattern that names a wildcard value applies. */
    { "c", "a+b", "plant/x/private", R, FALSE },
  };

  auth = auth_with_acl ("user ops\n"
                        "topic deny plant/+/admin\n"
                        "topic readwrite plant/#\n"
                        "topic deny plant/secret/#\n"
                        "user a+b\n"
                        "topic read plant/#\n"
                        "pattern deny plant/%u/private\n");
  run_acl_cases (auth, cases, G_N_ELEMENTS (cases));
}

static void
test_acl_wildcards (void)
{
  g_autoptr(BdAuth) auth = NULL;
  static const AclCase cases[] = {
    { "c", NULL, "a/x/c", R, TRUE },
    { "c", NULL, "a/x/y/c", R, FALSE },
    { "c", NULL, "a//c", R, TRUE },              /* '+' matches an empty level */
    { "c", NULL, "b", W, TRUE },                 /* "b/#" matches its parent */
    { "c", NULL, "b/1/2/3", W, TRUE },
    { "c", NULL, "bb/1", W, FALSE },
    { "c", NULL, "d/e", R, TRUE },
    { "c", NULL, "d/e/f", R, FALSE },
    { "c", NULL, "d", R, FALSE },
    /* A rule of "#" covers everything except $ topics [MQTT-4.7.2-1]. */
    { "c", "all", "anything/at/all", R, TRUE },
    { "c", "all", "$SYS/broker/uptime", R, FALSE },
    { "c", "all", "$SYS/#", S, FALSE },
    { "c", "sys", "$SYS/broker/uptime", R, TRUE },
    { "c", "sys", "$SYS/broker/uptime", W, FALSE },
    { "c", "sys", "$SYS/#", S, TRUE },
    { "c", "sys", "other", R, FALSE },
    { "c", "sys", "$share/g/x", R, FALSE },
  };

  auth = auth_with_acl ("topic read +/+/c\n"
                        "topic write b/#\n"
                        "topic read d/e\n"
                        "user all\n"
                        "topic #\n"
                        "user sys\n"
                        "topic read $SYS/#\n");
  run_acl_cases (auth, cases, G_N_ELEMENTS (cases));
}

static void
test_acl_subscribe (void)
{
  g_autoptr(BdAuth) auth = NULL;
  static const AclCase cases[] = {
    /* Literal filters: as for topics. */
    { "c", NULL, "sensors/1/temp", S, TRUE },
    { "c", NULL, "sensors/1/humidity", S, TRUE },
    /* Wildcards in the filter must be covered by the rule. */
    { "c", NULL, "sensors/+/temp", S, TRUE },
    { "c", NULL, "sensors/#", S, TRUE },
    { "c", NULL, "sensors", S, TRUE },
    { "c", NULL, "+/1/temp", S, FALSE },         /* other first levels */
    { "c", NULL, "#", S, FALSE },
    { "c", NULL, "plant/+", S, TRUE },           /* rule plant/+ covers filter plant/+ */
    { "c", NULL, "plant/a", S, TRUE },
    { "c", NULL, "plant/#", S, FALSE },          /* deeper than the rule */
    { "c", NULL, "plant/+/x", S, FALSE },
    { "c", NULL, "plant", S, FALSE },
    /* A write-only grant allows no subscription. */
    { "c", NULL, "cmd/x", S, FALSE },
    { "c", NULL, "cmd/x", W, TRUE },
    /* readwrite includes subscribe. */
    { "c", NULL, "rw/a/b", S, TRUE },
    { "c", NULL, "rw/+/b", S, TRUE },
  };

  auth = auth_with_acl ("topic read sensors/#\n"
                        "topic read plant/+\n"
                        "topic write cmd/#\n"
                        "topic readwrite rw/#\n");
  run_acl_cases (auth, cases, G_N_ELEMENTS (cases));

  /* A rule of "#" covers every filter that does not start at '$'. */
  g_clear_pointer (&auth, bd_auth_free);
  auth = auth_with_acl ("topic read #\n");
  g_assert_true (bd_auth_acl_check (auth, "c", NULL, "#", S));
  g_assert_true (bd_auth_acl_check (auth, "c", NULL, "+/+", S));
  g_assert_false (bd_auth_acl_check (auth, "c", NULL, "$SYS/#", S));
}

static void
test_acl_empty (void)
{
  g_autoptr(BdAuth) auth = auth_with_acl ("# nothing granted\n");

  /* A loaded ACL grants only what it says. */
  g_assert_false (bd_auth_acl_check (auth, "c", NULL, "a", R));
  g_assert_false (bd_auth_acl_check (auth, "c", "u", "a", W));
  g_assert_false (bd_auth_acl_check (auth, "c", "u", "#", S));
}

static void
test_acl_errors (void)
{
  static const FileError cases[] = {
    { "topic\n", "1: topic: missing topic" },
    { "pattern  \n", "1: pattern: missing topic" },
    { "user\n", "1: user: missing user name" },
    { "\n# x\ntopic readonly a/b\n", "3: topic: “readonly” is not read, write, readwrite or deny" },
    { "topic read a/#/b\n", "1: topic: “a/#/b” is not a valid topic filter" },
    { "topic read a/b#\n", "1: topic: “a/b#” is not a valid topic filter" },
    { "pattern write a+/b\n", "1: pattern: “a+/b” is not a valid topic filter" },
    { "pattern write devices/dev-%c\n",
      "1: pattern: %c and %u must be a whole topic level in “devices/dev-%c”" },
    { "pattern read %u%c\n", "1: pattern: %c and %u must be a whole topic level in “%u%c”" },
    { "topics read a\n", "1: unknown keyword “topics” (expected topic, pattern or user)" },
    { "topic read \xff\n", "1: not valid UTF-8 text" },
  };
  g_autoptr(BdAuth) auth = bd_auth_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *good = bd_test_write_file (tmp_dir, "good.acl", "topic read a\n");

  g_assert_true (bd_auth_load_acl_file (auth, good, &error));
  g_assert_no_error (error);

  assert_load_errors (auth, bd_auth_load_acl_file, "bad.acl",
                      cases, G_N_ELEMENTS (cases));

  /* The failed loads left the good ACL in place. */
  g_assert_true (bd_auth_acl_check (auth, "c", NULL, "a", R));
  g_assert_false (bd_auth_acl_check (auth, "c", NULL, "b", R));
  g_unlink (good);
}

/* Debian's example ACL loads and means what its comments say. */
static void
test_acl_mosquitto_example (void)
{
  const char *path = "/etc/mosquitto/aclfile.example";
  g_autoptr(BdAuth) auth = bd_auth_new ();
  g_autoptr(GError) error = NULL;

  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_test_skip ("mosquitto's example ACL is not installed");
      return;
    }

  g_assert_true (bd_auth_load_acl_file (auth, path, &error));
  g_assert_no_error (error);
  g_assert_true (bd_auth_acl_check (auth, "c", NULL, "$SYS/broker/uptime", R));
  g_assert_false (bd_auth_acl_check (auth, "c", "roger", "$SYS/broker/uptime", R));
  g_assert_true (bd_auth_acl_check (auth, "c", "roger", "foo/bar", W));
  g_assert_true (bd_auth_acl_check (auth, "bridge1", "roger",
                                    "$SYS/broker/connection/bridge1/state", W));
  g_assert_false (bd_auth_acl_check (auth, "bridge1", "roger",
                                     "$SYS/broker/connection/bridge2/state", W));
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);

  tmp_dir = bd_test_tmpdir_new ("auth");

  g_test_add_func ("/engine/auth/nothing-loaded", test_nothing_loaded);
  g_test_add_func ("/engine/auth/password/vectors", test_password_vectors);
  g_test_add_func ("/engine/auth/password/mosquitto-passwd", test_password_mosquitto_passwd);
  g_test_add_func ("/engine/auth/password/written", test_password_written);
  g_test_add_func ("/engine/auth/password/errors", test_password_errors);
  g_test_add_func ("/engine/auth/password/check-hash", test_check_hash);
  g_test_add_func ("/engine/auth/password/reload", test_password_reload);
  g_test_add_func ("/engine/auth/acl/blocks", test_acl_blocks);
  g_test_add_func ("/engine/auth/acl/patterns", test_acl_patterns);
  g_test_add_func ("/engine/auth/acl/deny", test_acl_deny);
  g_test_add_func ("/engine/auth/acl/wildcards", test_acl_wildcards);
  g_test_add_func ("/engine/auth/acl/subscribe", test_acl_subscribe);
  g_test_add_func ("/engine/auth/acl/empty", test_acl_empty);
  g_test_add_func ("/engine/auth/acl/errors", test_acl_errors);
  g_test_add_func ("/engine/auth/acl/mosquitto-example", test_acl_mosquitto_example);

  status = g_test_run ();

  bd_test_tmpdir_free (tmp_dir);
  return status;
}
