/* storage-test-utils.h — helpers shared by the history tests
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>
#include <sqlite3.h>

#include "bd-config.h"
#include "bd-recorder.h"
#include "bd-test-util.h"

G_BEGIN_DECLS

/* A BdHistoryConfig built by hand (the config parser is not ours). */
BdHistoryConfig *test_history_config_new (void);
void             test_history_config_free (BdHistoryConfig *config);
void             test_history_config_add_retention (BdHistoryConfig *config,
                                                    const char      *filter,
                                                    gint64           max_age_s);
void             test_history_config_add_json_path (BdHistoryConfig *config,
                                                    const char      *filter,
                                                    const char      *path);

/* The injectable clock: tests set test_clock_now_us. */
extern gint64    test_clock_now_us;
gint64           test_clock            (gpointer user_data);

/* A recorder on @dir with @config (or none), started and recording; its
 * time comes from @clock (NULL: the real clock). */
BdRecorder      *test_recorder_start    (const char          *dir,
                                         BdHistoryConfig     *config,
                                         BdRecorderClockFunc  clock);

/* Waits until everything tapped so far is committed; fails the test on an
 * error. */
void             test_recorder_flush    (BdRecorder          *recorder);

/* Taps one message as the engine would (on the calling thread). */
void             test_tap               (BdRecorder *recorder,
                                         const char *topic,
                                         const char *payload,
                                         gssize      len,
                                         gint64      time_ms);

/* A separate connection for checking what is in the file. */
sqlite3         *test_db_open           (const char *dir);
gint64           test_db_int            (sqlite3    *db,
                                         const char *sql);

/* The bytes of a file, for "left untouched" checks. */
GBytes          *test_file_bytes        (const char *path);

/* A time in 2026-11-18, in ms, for messages whose time does not matter. */
#define TEST_T0 G_GINT64_CONSTANT (1795000000000)

/* Records @n messages on "keep/me" at TEST_T0, TEST_T0 + 1, … and closes. */
void             test_record_some       (const char *dir,
                                         guint       n);

/* @recorder is paused with @error (of BD_STORAGE_ERROR @code, naming
 * @path): its status and error say so and a tap is dropped, not queued. */
void             test_assert_paused     (BdRecorder *recorder,
                                         GError     *error,
                                         int         code,
                                         const char *path);

/* A recorder and a reader both refuse DIR/history.db with @code, resuming
 * does not help, and the file's bytes stay as they were. Returns the
 * recorder's error, for checks of its wording. */
GError          *test_assert_refused    (const char *dir,
                                         int         code);

/* Makes "Recording paused" warnings non-fatal (they are expected in tests
 * of bad conditions; they come from the writer thread). */
void             test_allow_pause_warnings (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BdHistoryConfig, test_history_config_free)

G_END_DECLS
