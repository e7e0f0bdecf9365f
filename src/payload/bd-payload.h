/* bd-payload.h — what a payload says: numeric samples extracted from MQTT payloads
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Pure functions, safe on any thread, independent of the C locale.
 *
 * A payload yields samples in one of three ways:
 *  - plain: a number ("23.5", "-4", "1e3", " 23.5 ") optionally followed by a
 *    unit that is ignored ("23.5 °C", "23.5%", "1013 hPa"), or a boolean
 *    (true/false, on/off in any letter case; 1/0 are numbers anyway). The
 *    sample's field is "" (the series is the topic itself).
 *  - JSON object: every top-level member that is a number or a boolean gives
 *    a sample whose field is the member name (series "topic#name").
 *  - configured JSON paths ("a.b.c", "$.a.b[0].c"): the value found there (a
 *    number, a boolean, or a string holding a plain number) gives a sample
 *    whose field is the path without its leading "$." (series "topic#a.b[0].c").
 * Anything else (text, binary, invalid UTF-8) gives no sample; the recorder
 * still keeps the raw payload.
 */

#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* The payload as one line of text for a label or a log message, at most
 * @max_chars characters (then "…" follows): invalid UTF-8, NUL bytes and
 * control characters become U+FFFD (a payload must not move a terminal's
 * cursor or forge a log line), and runs of white space, line breaks
 * included, become one space, with none at the ends. Only the head of a
 * large payload is read. */
char     *bd_payload_dup_line        (const guint8        *data,
                                      gsize                len,
                                      guint                max_chars);

/* Deeper documents are refused before parsing: json-glib 1.6 recurses once
 * per level, and so do the callers that walk the tree. */
#define BD_PAYLOAD_JSON_MAX_DEPTH 256

/* The payload as a JSON document, or NULL with @error (JSON_PARSER_ERROR)
 * when it is empty, not UTF-8 (or holds a NUL byte), nested deeper than
 * BD_PAYLOAD_JSON_MAX_DEPTH, not valid JSON, or a JavaScript assignment.
 * Payloads come from any client on the network: every JSON reading of one
 * goes through here, so a hostile document costs bounded stack. */
JsonNode *bd_payload_parse_json      (const guint8        *data,
                                      gsize                len,
                                      GError             **error);

/* Called once per sample, in payload order; @field is "" for a plain payload
 * and never repeats within one payload. */
typedef void (*BdPayloadSampleFunc) (const char *field,
                                     double      value,
                                     gpointer    user_data);

/* A plain number (with an optional trailing unit) or boolean; FALSE otherwise.
 * @data needs no NUL terminator and may be binary. */
gboolean  bd_payload_parse_plain     (const guint8        *data,
                                      gsize                len,
                                      double              *value);

/* The series field named by a configured JSON path: "$.a.b" -> "a.b",
 * "$[0].x" -> "[0].x", "a.b" -> "a.b". NULL if @path is not a valid path. */
char     *bd_payload_path_to_field   (const char          *path);

/* Extracts every sample of a payload (plain, JSON members, @json_paths, a
 * NULL-terminated array or NULL) and returns how many @func received. */
guint     bd_payload_extract_samples (const guint8        *data,
                                      gsize                len,
                                      const char * const  *json_paths,
                                      BdPayloadSampleFunc  func,
                                      gpointer             user_data);

/* The one number a rule or a setpoint reads from a payload: with @path NULL
 * or "", the plain number bd_payload_parse_plain () reads; otherwise the
 * sample at the JSON path @path. FALSE, and *@value untouched, when there is
 * none. */
gboolean  bd_payload_read_number     (const guint8        *data,
                                      gsize                len,
                                      const char          *path,
                                      double              *value);

/* @value as the shortest of %.15g, %.16g and %.17g that reads back as the
 * same double ("59.51", not "59.509999999999998"), whatever the locale, in
 * @buffer. Returns @buffer. */
char     *bd_payload_format_double   (char                 buffer[G_ASCII_DTOSTR_BUF_SIZE],
                                      double               value);

G_END_DECLS
