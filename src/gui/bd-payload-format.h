/* bd-payload-format.h — a payload as text, pretty JSON and hex, and what changed in it
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * GLib and json-glib only, no GTK: the inspector's formatting, testable
 * without a display. All functions are pure and may run on any thread.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The payload as text: a copy when it is valid UTF-8 without NUL bytes
 * (*out_valid = TRUE); otherwise each invalid sequence and NUL byte is
 * replaced by U+FFFD and *out_valid is FALSE, so the caller can mark it. */
char *bd_payload_format_text (const guint8 *data,
                              gsize         len,
                              gboolean     *out_valid);

/* The payload as indented JSON (two spaces a level), or NULL with @error
 * when it is not a JSON document (invalid, empty, not UTF-8, a JavaScript
 * assignment, or a number out of range). */
char *bd_payload_format_json (const guint8  *data,
                              gsize          len,
                              GError       **error);

/* TRUE when bd_payload_format_json () would succeed. */
gboolean bd_payload_is_json (const guint8 *data,
                             gsize         len);

/* A hex dump like `hexdump -C`: an 8-digit offset, 16 bytes a line in two
 * groups of 8, and the printable ASCII between bars (others as '.'). One line
 * ends with '\n' each; empty for an empty payload. */
char *bd_payload_format_hex (const guint8 *data,
                             gsize         len);

typedef enum
{
  BD_PAYLOAD_CHANGE_ADDED,
  BD_PAYLOAD_CHANGE_REMOVED,
  BD_PAYLOAD_CHANGE_CHANGED,
} BdPayloadChangeKind;

typedef struct
{
  BdPayloadChangeKind  kind;
  char                *path;        /* "temperature", "sensor.battery", "values[2]" */
  char                *old_value;   /* compact JSON; NULL when added */
  char                *new_value;   /* compact JSON; NULL when removed */
} BdPayloadChange;

typedef struct
{
  gboolean   changed;      /* the payloads differ (as JSON values when both are JSON) */
  gboolean   structured;   /* both are JSON objects (or both arrays): @changes is meaningful */
  GPtrArray *changes;      /* BdPayloadChange*, in the new payload's order, then removals */
} BdPayloadDiff;

/* What changed from @old_data to @new_data. When both are JSON objects (or
 * both arrays), every leaf path that was added, removed or changed;
 * otherwise only whether they differ, byte for byte. */
BdPayloadDiff *bd_payload_diff_new  (const guint8  *old_data,
                                     gsize          old_len,
                                     const guint8  *new_data,
                                     gsize          new_len);
void           bd_payload_diff_free (BdPayloadDiff *diff);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BdPayloadDiff, bd_payload_diff_free)

G_END_DECLS
