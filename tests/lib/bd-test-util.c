/* bd-test-util.c — waiting, temporary directories and skips for the C tests
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "bd-test-util.h"

/* How often a wait looks at its condition again when nothing else wakes it. */
#define RECHECK_MS 10

struct _BdTestDeadline
{
  GMainContext *context;
  GSource      *source;
  GSource      *recheck;
  gboolean      passed;
};

static gboolean
deadline_cb (gpointer user_data)
{
  BdTestDeadline *deadline = user_data;

  deadline->passed = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
recheck_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/* A timeout source on the thread-default context: besides marking the
 * deadline it wakes a blocking iteration, so a condition that never comes
 * true cannot hang the test.
 *
 * Many conditions are made true where this context hears nothing: by the
 * engine's or another library's thread (a tap, a client list), or by
 * another process (a client connecting). Woken only by the deadline, such a
 * wait lasted its whole bound even when the condition held at once. A
 * second source wakes the iteration every RECHECK_MS so that the caller
 * looks at its condition again. */
BdTestDeadline *
bd_test_deadline_new (guint timeout_ms)
{
  BdTestDeadline *deadline = g_new0 (BdTestDeadline, 1);

  deadline->context = g_main_context_ref_thread_default ();
  deadline->source = g_timeout_source_new (timeout_ms);
  g_source_set_callback (deadline->source, deadline_cb, deadline, NULL);
  g_source_attach (deadline->source, deadline->context);
  deadline->recheck = g_timeout_source_new (RECHECK_MS);
  g_source_set_callback (deadline->recheck, recheck_cb, NULL, NULL);
  g_source_attach (deadline->recheck, deadline->context);
  return deadline;
}

gboolean
bd_test_deadline_passed (BdTestDeadline *deadline)
{
  return deadline->passed;
}

void
bd_test_deadline_free (BdTestDeadline *deadline)
{
  g_source_destroy (deadline->source);
  g_source_unref (deadline->source);
  g_source_destroy (deadline->recheck);
  g_source_unref (deadline->recheck);
  g_main_context_unref (deadline->context);
  g_free (deadline);
}

void
bd_test_iterate (void)
{
  g_autoptr(GMainContext) context = g_main_context_ref_thread_default ();

  g_main_context_iteration (context, TRUE);
}

void
bd_test_timed_out (const char *file,
                   int         line,
                   const char *func,
                   guint       timeout_ms,
                   const char *what)
{
  g_autofree char *message = g_strdup_printf ("timed out after %u ms waiting for %s",
                                              timeout_ms, what);

  g_assertion_message (G_LOG_DOMAIN, file, line, func, message);
  /* Only reached with g_test_set_nonfatal_assertions (), which no test of
   * ours uses: a wait that failed leaves nothing sensible to continue with. */
  g_abort ();
}

void
bd_test_wait_until_at (const char      *file,
                       int              line,
                       const char      *func,
                       BdTestCondition  condition,
                       gpointer         data,
                       guint            timeout_ms,
                       const char      *what)
{
  BdTestDeadline *deadline = bd_test_deadline_new (timeout_ms);

  while (!condition (data) && !deadline->passed)
    bd_test_iterate ();
  bd_test_deadline_free (deadline);
  if (!condition (data))
    bd_test_timed_out (file, line, func, timeout_ms, what);
}

void
bd_test_result_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static gboolean
result_is_set (gpointer data)
{
  return *(GAsyncResult **) data != NULL;
}

GAsyncResult *
bd_test_wait_result_at (const char    *file,
                        int            line,
                        const char    *func,
                        GAsyncResult **result,
                        guint          timeout_ms,
                        const char    *what)
{
  bd_test_wait_until_at (file, line, func, result_is_set, result, timeout_ms, what);
  return *result;
}

char *
bd_test_random_topic (GRand    *rand,
                      gboolean  filter)
{
  static const char *levels[] = { "a", "b", "c", "", "$SYS", "$x", "ab" };
  GString *s = g_string_new (NULL);

  /* A single empty level would be the empty string, which is invalid as a
   * topic and as a filter: draw again. */
  while (s->len == 0)
    {
      guint depth = g_rand_int_range (rand, 1, 6);

      for (guint i = 0; i < depth; i++)
        {
          guint r = g_rand_int_range (rand, 0, G_N_ELEMENTS (levels) + (filter ? 3 : 0));

          if (i > 0)
            g_string_append_c (s, '/');
          if (r < G_N_ELEMENTS (levels))
            g_string_append (s, levels[r]);
          else if (r == G_N_ELEMENTS (levels) + 2 && i == depth - 1)
            g_string_append_c (s, '#');
          else
            g_string_append_c (s, '+');
        }
    }

  return g_string_free (s, FALSE);
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

char *
bd_test_join_sorted (GPtrArray *strings)
{
  GString *joined = g_string_new (NULL);

  g_ptr_array_sort (strings, compare_strings);
  for (guint i = 0; i < strings->len; i++)
    {
      if (i > 0)
        g_string_append_c (joined, ' ');
      g_string_append (joined, g_ptr_array_index (strings, i));
    }
  return g_string_free (joined, FALSE);
}

void
bd_test_assert_same_strings (const char *what,
                             GPtrArray  *got,
                             GPtrArray  *expected)
{
  g_autofree char *got_str = bd_test_join_sorted (got);
  g_autofree char *expected_str = bd_test_join_sorted (expected);

  if (g_strcmp0 (got_str, expected_str) != 0)
    g_error ("%s: got [%s], expected [%s]", what, got_str, expected_str);
}

char *
bd_test_write_file (const char *dir,
                    const char *name,
                    const char *contents)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (dir, name, NULL);

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
  return path;
}

void
bd_test_remove_tree (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      g_autoptr(GDir) dir = NULL;
      const char *name;

      /* A test may have taken its own permissions away to provoke an error. */
      g_chmod (path, 0700);
      dir = g_dir_open (path, 0, NULL);
      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          bd_test_remove_tree (child);
        }
      g_rmdir (path);
    }
  else
    {
      g_unlink (path);
    }
}

BdTestTmpdir *
bd_test_tmpdir_new (const char *prefix)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *template = g_strdup_printf ("bd-%s-XXXXXX", prefix);
  char *dir = g_dir_make_tmp (template, &error);

  g_assert_no_error (error);
  return dir;
}

void
bd_test_tmpdir_free (BdTestTmpdir *dir)
{
  if (dir == NULL)
    return;
  bd_test_remove_tree (dir);
  g_free (dir);
}

char *
bd_test_find_program (const char *program)
{
  static const char * const sbin[] = { "/usr/sbin", "/sbin", "/usr/local/sbin" };
  char *path = g_find_program_in_path (program);

  for (guint i = 0; path == NULL && i < G_N_ELEMENTS (sbin); i++)
    {
      g_autofree char *candidate = g_build_filename (sbin[i], program, NULL);

      if (g_file_test (candidate, G_FILE_TEST_IS_EXECUTABLE))
        path = g_steal_pointer (&candidate);
    }
  return path;
}

gboolean
bd_test_mosquitto_pub (guint16     port,
                       const char *user,
                       const char *password)
{
  g_autofree char *pub = bd_test_find_program ("mosquitto_pub");
  g_autofree char *port_text = g_strdup_printf ("%u", port);
  const char *argv[] = { pub, "-h", "127.0.0.1", "-p", port_text, "-u", user, "-P", password,
                         "-q", "1", "-t", "written/by/brokerdesk", "-m", "x", NULL };
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  g_assert_nonnull (pub);
  for (;;)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *err = NULL;
      int status;

      g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                    NULL, &err, &status, &error);
      g_assert_no_error (error);
      if (g_spawn_check_wait_status (status, NULL))
        return TRUE;
      if (strstr (err, "Connection refused") == NULL || g_get_monotonic_time () > deadline)
        return FALSE;
      /* Mosquitto has no readiness signal to wait for: a short, bounded retry. */
      g_usleep (50 * 1000);
    }
}

void
bd_test_mosquitto_pub_message (guint16     port,
                               const char *topic,
                               const char *payload,
                               gboolean    retain)
{
  g_autofree char *port_text = g_strdup_printf ("%u", port);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) process =
    g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, "mosquitto_pub", "-h", "127.0.0.1",
                      "-p", port_text, "-q", "1", "-t", topic, "-m", payload,
                      retain ? "-r" : NULL, NULL);
  g_autoptr(GAsyncResult) result = NULL;

  g_assert_no_error (error);
  g_subprocess_wait_check_async (process, NULL, bd_test_result_cb, &result);
  g_subprocess_wait_check_finish (process, bd_test_wait_result (&result, 10000, "mosquitto_pub"),
                                  &error);
  g_assert_no_error (error);
}

void
bd_test_make_certificate (const char *cert_path,
                          const char *key_path,
                          guint       days,
                          const char *subject,
                          const char *alt_names)
{
  g_autofree char *openssl = bd_test_find_program ("openssl");
  g_autofree char *days_text = g_strdup_printf ("%u", days);
  g_autofree char *san = alt_names != NULL ? g_strconcat ("subjectAltName=", alt_names, NULL)
                                           : NULL;
  const char *argv[] = { openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt",
                         "ec_paramgen_curve:P-256", "-nodes", "-days", days_text, "-subj", subject,
                         "-keyout", key_path, "-out", cert_path,
                         san != NULL ? "-addext" : NULL, san, NULL };
  g_autoptr(GError) error = NULL;
  int status;

  g_assert_nonnull (openssl);
  g_spawn_sync (NULL, (char **) argv, NULL,
                G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL,
                NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
}

char *
bd_test_tls_subscribe (const char *host,
                       guint16     port,
                       const char *cafile,
                       const char *topic)
{
  g_autofree char *sub = bd_test_find_program ("mosquitto_sub");
  g_autofree char *port_text = g_strdup_printf ("%u", port);
  const char *argv[] = { sub, "-h", host, "-p", port_text, "--cafile", cafile,
                         "-t", topic, "-C", "1", "-W", "10", NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  g_assert_nonnull (sub);
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status,
                &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    {
      g_test_message ("mosquitto_sub -h %s --cafile %s: %s", host, cafile, err);
      return NULL;
    }
  return g_strdup (g_strchomp (out));
}

GSubprocess *
bd_test_start_mosquitto (const char *dir,
                         const char *conf_body,
                         guint16    *port)
{
  g_autofree char *mosquitto = bd_test_find_program ("mosquitto");
  g_autofree char *conf_path = NULL;
  g_autofree char *conf = NULL;
  g_autoptr(GSocket) probe = NULL;
  g_autoptr(GSocketAddress) any = NULL;
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  GSubprocess *broker;

  if (mosquitto == NULL)
    return NULL;

  probe = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  any = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  g_socket_bind (probe, any, FALSE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (probe, &error);
  g_assert_no_error (error);
  *port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_socket_close (probe, NULL);

  /* As root, Mosquitto would switch to its own user, which cannot read
   * a private directory. */
  conf = g_strdup_printf ("listener %u 127.0.0.1\n%s%s", *port, conf_body,
                          getuid () == 0 ? "user root\n" : "");
  conf_path = g_build_filename (dir, "mosquitto.conf", NULL);
  g_file_set_contents (conf_path, conf, -1, &error);
  g_assert_no_error (error);
  broker = g_subprocess_new (G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error, mosquitto, "-c",
                             conf_path, NULL);
  g_assert_no_error (error);
  return broker;
}
