/* test-settings-file.c — durable, atomic saving of settings files
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <math.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bd-settings-file.h"
#include "bd-test-util.h"

static guint
count_entries (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  guint n = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

static char *
read_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  return contents;
}

/* A first save creates the missing folders (private to the user) and a
 * private file, and leaves nothing else behind. */
static void
test_create (void)
{
  g_autoptr(BdTestTmpdir) root = bd_test_tmpdir_new ("settings-file");
  g_autofree char *dir = g_build_filename (root, "a", "brokerdesk", NULL);
  g_autofree char *path = g_build_filename (dir, "alarms.ini", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  GStatBuf st;

  g_assert_true (bd_settings_file_save (path, "[rule]\nx=1\n", 11, &error));
  g_assert_no_error (error);

  contents = read_file (path);
  g_assert_cmpstr (contents, ==, "[rule]\nx=1\n");
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_cmpint (g_stat (dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  g_assert_cmpuint (count_entries (dir), ==, 1);
}

/* The new contents arrive by rename, never by rewriting the old file in
 * place: a reader that opened the old file still reads it whole. */
static void
test_replace (void)
{
  g_autoptr(BdTestTmpdir) dir = bd_test_tmpdir_new ("settings-file");
  g_autofree char *path = g_build_filename (dir, "relays.ini", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  char old[32] = { 0 };
  int fd;

  g_assert_true (bd_settings_file_save (path, "old contents", 12, &error));
  g_assert_no_error (error);
  fd = g_open (path, O_RDONLY, 0);
  g_assert_cmpint (fd, >=, 0);

  /* Shorter than before: an in-place write would leave a tail. */
  g_assert_true (bd_settings_file_save (path, "new", 3, &error));
  g_assert_no_error (error);

  contents = read_file (path);
  g_assert_cmpstr (contents, ==, "new");
  g_assert_cmpint (read (fd, old, sizeof old - 1), ==, 12);
  g_assert_cmpstr (old, ==, "old contents");
  close (fd);
  g_assert_cmpuint (count_entries (dir), ==, 1);

  /* Empty contents are a valid file too. */
  g_assert_true (bd_settings_file_save (path, "", 0, &error));
  g_assert_no_error (error);
  g_clear_pointer (&contents, g_free);
  contents = read_file (path);
  g_assert_cmpstr (contents, ==, "");
}

/* A folder the user cannot write to: the error names the file, and the old
 * file is still there, unchanged, with no temporary file beside it. Root
 * writes anywhere, so the save runs in a child that gives up root first. */
static void
test_unwritable (void)
{
  if (g_test_subprocess ())
    {
      const char *dir = g_getenv ("BD_TEST_DIR");
      g_autofree char *path = g_build_filename (dir, "connections.ini", NULL);
      g_autoptr(GError) error = NULL;

      if (geteuid () == 0)
        g_assert_true (setgid (65534) == 0 && setuid (65534) == 0);
      g_assert_cmpint (access (dir, W_OK), !=, 0);

      g_assert_false (bd_settings_file_save (path, "[other]\n", 8, &error));
      g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_ACCES);
      g_assert_nonnull (strstr (error->message, path));
      return;
    }
  else
    {
      g_autoptr(BdTestTmpdir) dir = bd_test_tmpdir_new ("settings-file");
      g_autofree char *path = g_build_filename (dir, "connections.ini", NULL);
      g_autofree char *contents = NULL;
      g_autoptr(GError) error = NULL;

      g_assert_true (bd_settings_file_save (path, "[profile]\n", 10, &error));
      g_assert_no_error (error);
      if (geteuid () == 0)
        g_assert_cmpint (chown (dir, 65534, 65534), ==, 0);
      g_assert_cmpint (g_chmod (dir, 0500), ==, 0);

      g_setenv ("BD_TEST_DIR", dir, TRUE);
      g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDOUT |
                                       G_TEST_SUBPROCESS_INHERIT_STDERR);
      g_test_trap_assert_passed ();

      g_assert_cmpint (g_chmod (dir, 0700), ==, 0);
      contents = read_file (path);
      g_assert_cmpstr (contents, ==, "[profile]\n");
      g_assert_cmpuint (count_entries (dir), ==, 1);
    }
}

/* The disk fills up in the middle of the write (a file size limit stands in
 * for it, in a child): the old file survives and the half-written temporary
 * file is removed. */
static void
test_write_fails (void)
{
  const char *dir = g_getenv ("BD_TEST_DIR");
  g_autofree char *path = NULL;

  if (g_test_subprocess ())
    {
      struct rlimit limit = { 4096, 4096 };
      g_autoptr(GError) error = NULL;
      g_autofree char *big = g_strnfill (64 * 1024, 'x');

      path = g_build_filename (dir, "alarms.ini", NULL);
      signal (SIGXFSZ, SIG_IGN);
      g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &limit), ==, 0);
      g_assert_false (bd_settings_file_save (path, big, 64 * 1024, &error));
      g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED);
      g_assert_nonnull (strstr (error->message, path));
      return;
    }
  else
    {
      g_autoptr(BdTestTmpdir) tmp = bd_test_tmpdir_new ("settings-file");
      g_autofree char *contents = NULL;
      g_autoptr(GError) error = NULL;

      path = g_build_filename (tmp, "alarms.ini", NULL);
      g_assert_true (bd_settings_file_save (path, "[rule]\n", 7, &error));
      g_assert_no_error (error);

      g_setenv ("BD_TEST_DIR", tmp, TRUE);
      g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDOUT |
                                       G_TEST_SUBPROCESS_INHERIT_STDERR);
      g_test_trap_assert_passed ();

      contents = read_file (path);
      g_assert_cmpstr (contents, ==, "[rule]\n");
      g_assert_cmpuint (count_entries (tmp), ==, 1);
    }
}

/* The folder cannot be created (a file is in the way): the error names it. */
static void
test_no_folder (void)
{
  g_autoptr(BdTestTmpdir) dir = bd_test_tmpdir_new ("settings-file");
  g_autofree char *blocker = g_build_filename (dir, "brokerdesk", NULL);
  g_autofree char *path = g_build_filename (blocker, "alarms.ini", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (blocker, "", 0, NULL));
  g_assert_false (bd_settings_file_save (path, "x", 1, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOTDIR);
  g_assert_nonnull (strstr (error->message, blocker));
}

/* Numbers read back as written, and only numbers are read. */
static void
test_numbers (void)
{
  g_autoptr(GKeyFile) key_file = g_key_file_new ();
  g_autofree char *text = NULL;
  const char *bad[] = { "", "  ", "1.5x", "x1", "nan", "inf", "-inf", "1,5", NULL };
  double value = 0;

  g_assert_true (bd_settings_file_parse_number (" 1.5 ", &value));
  g_assert_cmpfloat (value, ==, 1.5);
  g_assert_true (bd_settings_file_parse_number ("-2e3", &value));
  g_assert_cmpfloat (value, ==, -2000);
  for (guint i = 0; bad[i] != NULL; i++)
    {
      value = 7;
      g_assert_false (bd_settings_file_parse_number (bad[i], &value));
      g_assert_cmpfloat (value, ==, 7);
    }

  bd_settings_file_set_number (key_file, "g", "half", 0.5);
  bd_settings_file_set_number (key_file, "g", "tenth", 0.1);
  bd_settings_file_set_number (key_file, "g", "unset", NAN);
  text = g_key_file_get_value (key_file, "g", "half", NULL);
  g_assert_cmpstr (text, ==, "0.5");
  g_clear_pointer (&text, g_free);
  text = g_key_file_get_value (key_file, "g", "tenth", NULL);
  g_assert_cmpstr (text, ==, "0.1");
  g_assert_false (g_key_file_has_key (key_file, "g", "unset", NULL));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/settings-file/create", test_create);
  g_test_add_func ("/engine/settings-file/replace", test_replace);
  g_test_add_func ("/engine/settings-file/unwritable", test_unwritable);
  g_test_add_func ("/engine/settings-file/write-fails", test_write_fails);
  g_test_add_func ("/engine/settings-file/no-folder", test_no_folder);
  g_test_add_func ("/engine/settings-file/numbers", test_numbers);

  return g_test_run ();
}
