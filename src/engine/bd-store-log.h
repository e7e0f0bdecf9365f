/* bd-store-log.h — the record format of the broker's store (snapshot and log)
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Both store files are BD_STORE_MAGIC followed by records. A record is
 *
 *   u32 body length | u32 CRC-32 of (seq, type, body) | u64 seq | u8 type | body
 *
 * all little-endian. Body fields are fixed-size integers, strings and byte
 * strings (u32 length, then the bytes). The CRC makes a torn or damaged record
 * recognisable, so a reader keeps the records before it and cuts the rest:
 * the log is appended to and fsync'ed in batches, so a power cut can leave a
 * half-written last batch, and only that.
 */

#pragma once

#include <string.h>

#include <glib.h>

G_BEGIN_DECLS

#define BD_STORE_MAGIC      "BDSTORE1"
#define BD_STORE_MAGIC_LEN  8
#define BD_STORE_HEADER_LEN 17  /* length, CRC, seq, type */
/* Larger than any MQTT packet (256 MiB): a length above it is damage. */
#define BD_STORE_RECORD_MAX (300u * 1024 * 1024)

typedef enum
{
  BD_STORE_META = 1,        /* u64 base seq, u64 next message id (snapshots) */
  BD_STORE_RETAIN_SET,      /* s topic, b payload, u8 qos, s publisher, s user, u16 listener, X */
  BD_STORE_RETAIN_CLEAR,    /* s topic */
  BD_STORE_SESSION_PUT,     /* s client, s user, u32 expiry */
  BD_STORE_SESSION_DEL,     /* s client */
  BD_STORE_SUB_ADD,         /* s client, s filter, u8 qos, u8 options, u32 subscription id */
  BD_STORE_SUB_DEL,         /* s client, s filter */
  BD_STORE_MSG_ADD,         /* s client, u64 id, s topic, b payload, u8 qos, u8 retain, X, P */
  BD_STORE_MSG_DEL,         /* s client, u64 id */
  BD_STORE_QOS2_ADD,        /* s client, u16 packet id */
  BD_STORE_QOS2_DEL,        /* s client, u16 packet id */
  BD_STORE_WILL_SET,        /* s client, i64 at (wall clock, µs), s topic, b payload, u8 qos, u8 retain, X */
  BD_STORE_WILL_CLEAR,      /* s client */
  BD_STORE_MSG_SENT,        /* s client, u64 id, u16 packet id */
  BD_STORE_PUBREL_ADD,      /* s client, u64 id (0: none), u16 packet id */
  BD_STORE_PUBREL_DEL,      /* s client, u16 packet id */
} BdStoreRecordType;
/* X: b MQTT 5 properties (as the packet encodes them, Property Length
 * first; empty for none), i64 time received (wall clock, µs). Records
 * written before Brokerdesk kept these end before X.
 * P: u16 the packet id the message was last sent with (0: not sent yet).
 * Records written before Brokerdesk kept in-flight state end before P.
 * MSG_SENT: a queued message went out with that packet id. PUBREL_ADD:
 * the client answered a QoS 2 message with PUBREC, so the message (if
 * recorded) is gone and a PUBREL is due for the packet id until PUBCOMP
 * (PUBREL_DEL) [MQTT-4.4.0-1]. */

guint32  bd_store_crc32        (guint32       crc,
                                const guint8 *data,
                                gsize         len);

/* A little-endian integer of @size bytes (at most 8) at @p: every integer
 * of the format is one, whatever the host's byte order. The low @size bytes
 * of a 64-bit little-endian value are that integer, on any host; with a
 * constant @size the copy is a single load or store. */
static inline guint64
bd_store_read_le (const guint8 *p,
                  guint         size)
{
  guint64 le = 0;

  memcpy (&le, p, size);
  return GUINT64_FROM_LE (le);
}

static inline void
bd_store_write_le (guint8  *p,
                   guint64  v,
                   guint    size)
{
  guint64 le = GUINT64_TO_LE (v);

  memcpy (p, &le, size);
}

/* Writing: begin, put the fields, end (which fills in length and CRC). */
gsize    bd_store_record_begin (GByteArray   *buf,
                                guint64       seq,
                                guint8        type);
void     bd_store_put_u8       (GByteArray   *buf,
                                guint8        v);
void     bd_store_put_u16      (GByteArray   *buf,
                                guint16       v);
void     bd_store_put_u32      (GByteArray   *buf,
                                guint32       v);
void     bd_store_put_u64      (GByteArray   *buf,
                                guint64       v);
void     bd_store_put_str      (GByteArray   *buf,
                                const char   *s);
void     bd_store_put_bytes    (GByteArray   *buf,
                                const guint8 *data,
                                gsize         len);
void     bd_store_record_end   (GByteArray   *buf,
                                gsize         start);

/* Reading a body: every get fails (FALSE) past the end, and stays failed. */
typedef struct
{
  const guint8 *p;
  const guint8 *end;
  gboolean      ok;
} BdStoreReader;

void     bd_store_reader_init  (BdStoreReader *r,
                                const guint8  *body,
                                gsize          len);
guint8   bd_store_get_u8       (BdStoreReader *r);
guint16  bd_store_get_u16      (BdStoreReader *r);
guint32  bd_store_get_u32      (BdStoreReader *r);
guint64  bd_store_get_u64      (BdStoreReader *r);
/* A newly allocated string; NULL (and the reader failed) if it holds a NUL. */
char    *bd_store_get_str      (BdStoreReader *r);
/* Points into the body. */
const guint8 *bd_store_get_bytes (BdStoreReader *r,
                                  gsize         *len);

typedef void (*BdStoreRecordFunc) (guint64       seq,
                                   guint8        type,
                                   const guint8 *body,
                                   gsize         len,
                                   gpointer      user_data);

/* Calls @func for each intact record of a store file's contents (magic
 * included). Returns the length of the intact part: @len when all is well;
 * otherwise *why says what is wrong at that offset. 0 with *why set when the
 * magic is missing. */
gsize    bd_store_scan         (const guint8     *data,
                                gsize             len,
                                BdStoreRecordFunc func,
                                gpointer          user_data,
                                const char      **why);

G_END_DECLS
