/* bd-test-util.h — waiting, temporary directories and skips for the C tests
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef gboolean (*BdTestCondition) (gpointer data);

/* Runs the thread-default main context until @condition (@data) holds. The
 * wait is bounded: after @timeout_ms the test fails at the caller's line,
 * naming @what. No sleeps: the context wakes for events, for the deadline,
 * and every few milliseconds to look again at a condition another thread or
 * process makes true. */
#define bd_test_wait_until(condition, data, timeout_ms, what) \
  bd_test_wait_until_at (__FILE__, __LINE__, G_STRFUNC, (condition), (data), (timeout_ms), (what))

/* The same for a C expression, evaluated between iterations; a timeout
 * names @what. A struct and a callback for each condition are not needed. */
#define BD_TEST_WAIT_FOR(expr, timeout_ms, what)                              \
  G_STMT_START {                                                              \
    BdTestDeadline *bd_test_deadline_ = bd_test_deadline_new (timeout_ms);    \
    while (!(expr) && !bd_test_deadline_passed (bd_test_deadline_))           \
      bd_test_iterate ();                                                     \
    bd_test_deadline_free (bd_test_deadline_);                                \
    if (!(expr))                                                              \
      bd_test_timed_out (__FILE__, __LINE__, G_STRFUNC, (timeout_ms), (what)); \
  } G_STMT_END

/* The same, naming the expression itself. */
#define BD_TEST_WAIT_UNTIL(expr, timeout_ms) \
  BD_TEST_WAIT_FOR (expr, timeout_ms, #expr)

typedef struct _BdTestDeadline BdTestDeadline;

void            bd_test_wait_until_at  (const char      *file,
                                        int              line,
                                        const char      *func,
                                        BdTestCondition  condition,
                                        gpointer         data,
                                        guint            timeout_ms,
                                        const char      *what);
BdTestDeadline *bd_test_deadline_new   (guint            timeout_ms);
gboolean        bd_test_deadline_passed (BdTestDeadline *deadline);
void            bd_test_deadline_free  (BdTestDeadline  *deadline);
/* One blocking iteration of the thread-default main context. */
void            bd_test_iterate        (void);
G_NORETURN
void            bd_test_timed_out      (const char      *file,
                                        int              line,
                                        const char      *func,
                                        guint            timeout_ms,
                                        const char      *what);

/* A fresh directory under the temporary directory, named after @prefix;
 * bd_test_tmpdir_free deletes it with everything in it (even read-only
 * subdirectories a test made) and frees the name. */
/* For an _async call a test waits for: pass bd_test_result_cb with the
 * address of a GAsyncResult * set to NULL; bd_test_wait_result() iterates
 * (bounded) until the callback has stored a reference to the result there,
 * and returns it. The caller unrefs it. */
void            bd_test_result_cb      (GObject         *source,
                                        GAsyncResult    *result,
                                        gpointer         user_data);
#define bd_test_wait_result(result, timeout_ms, what) \
  bd_test_wait_result_at (__FILE__, __LINE__, G_STRFUNC, (result), (timeout_ms), (what))
GAsyncResult   *bd_test_wait_result_at (const char      *file,
                                        int              line,
                                        const char      *func,
                                        GAsyncResult   **result,
                                        guint            timeout_ms,
                                        const char      *what);

/* A random topic name (or, with @filter, a topic filter with '+' and '#')
 * of 1 to 5 levels drawn from a few names, empty and '$' ones included, so
 * that random topics and filters match each other often. */
char           *bd_test_random_topic   (GRand           *rand,
                                        gboolean         filter);
/* The strings of @strings sorted and joined with spaces, for comparing sets
 * of topics in one assertion. */
char           *bd_test_join_sorted    (GPtrArray       *strings);
/* Fails the test, naming @what, unless @got and @expected hold the same
 * strings in any order (both are sorted). */
void            bd_test_assert_same_strings (const char *what,
                                             GPtrArray  *got,
                                             GPtrArray  *expected);

typedef char BdTestTmpdir;

BdTestTmpdir   *bd_test_tmpdir_new     (const char      *prefix);
void            bd_test_tmpdir_free    (BdTestTmpdir    *dir);
/* Writes @contents to the file @name in @dir (failing the test on an
 * error); returns its path. */
char           *bd_test_write_file     (const char      *dir,
                                        const char      *name,
                                        const char      *contents);
/* Deletes @path and, for a directory, everything below it; symbolic links
 * are removed, never followed. */
void            bd_test_remove_tree    (const char      *path);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BdTestTmpdir, bd_test_tmpdir_free)

/* The full path of @program on PATH or in the sbin folders (mosquitto lives
 * in /usr/sbin, which a user's PATH may lack), or NULL. */
char           *bd_test_find_program   (const char      *program);

/* Runs mosquitto_pub (which must be installed) as @user, publishing one
 * QoS 1 message on 127.0.0.1:@port; TRUE when the broker took it. A refused
 * connection (the broker not listening yet) is retried for up to 10 s. */
gboolean        bd_test_mosquitto_pub  (guint16          port,
                                        const char      *user,
                                        const char      *password);
/* Runs mosquitto_pub (which must be installed) to completion: @payload on
 * @topic at QoS 1, retained when @retain, to 127.0.0.1:@port. The main
 * context is iterated meanwhile, since an engine or library under test may
 * hand what it receives over through it; fails the test unless the
 * publisher succeeds within 10 s. */
void            bd_test_mosquitto_pub_message (guint16     port,
                                               const char *topic,
                                               const char *payload,
                                               gboolean    retain);
/* A self-signed ECDSA certificate and its key, made by openssl (which must
 * be installed) for @days, with @subject ("/CN=...") and, unless NULL,
 * @alt_names ("DNS:a,IP:127.0.0.1"). */
void            bd_test_make_certificate (const char    *cert_path,
                                          const char    *key_path,
                                          guint          days,
                                          const char    *subject,
                                          const char    *alt_names);
/* mosquitto_sub (which must be installed) -h @host --cafile @cafile, one
 * message of @topic (a retained one) within 10 s: its payload, or NULL
 * with mosquitto_sub's error in the test log. */
char           *bd_test_tls_subscribe  (const char      *host,
                                        guint16          port,
                                        const char      *cafile,
                                        const char      *topic);
/* Starts Debian's mosquitto on a free loopback port (set in @port) with
 * @conf_body after its listener line, its configuration written in @dir;
 * NULL when mosquitto is not installed. Stop it with g_subprocess_force_exit. */
GSubprocess    *bd_test_start_mosquitto (const char     *dir,
                                         const char     *conf_body,
                                         guint16        *port);

/* Skip the running test, and return from it, when what it needs is absent.
 * For test functions returning void. */
#define BD_TEST_REQUIRE_PROGRAM(program)                                      \
  G_STMT_START {                                                              \
    g_autofree char *bd_test_found_ = bd_test_find_program (program);         \
    if (bd_test_found_ == NULL)                                               \
      {                                                                       \
        g_test_skip (program " is not installed");                            \
        return;                                                               \
      }                                                                       \
  } G_STMT_END

#define BD_TEST_REQUIRE_FILE(path, why)                                       \
  G_STMT_START {                                                              \
    if (!g_file_test ((path), G_FILE_TEST_EXISTS))                            \
      {                                                                       \
        g_test_skip (why);                                                    \
        return;                                                               \
      }                                                                       \
  } G_STMT_END

/* Variables that meson test sets (tests/meson.build's test_env). */
#define BD_TEST_REQUIRE_ENV(variable)                                         \
  G_STMT_START {                                                              \
    if (g_getenv (variable) == NULL)                                          \
      {                                                                       \
        g_test_skip (variable " is not set (run through meson test)");        \
        return;                                                               \
      }                                                                       \
  } G_STMT_END

G_END_DECLS
