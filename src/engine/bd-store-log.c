/* bd-store-log.c — the record format of the broker's store
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Pure functions over byte buffers: no files, no engine.
 */

#include "config.h"

#include <string.h>

#include "bd-store-log.h"

/* CRC-32 (IEEE 802.3, the one of zlib and PNG), eight bytes a step
 * ("slicing-by-8"): every record of the store is checked, on the engine
 * thread, so a byte at a time showed in profiles of a busy broker. */
static guint32 crc_table[8][256];

static gpointer
crc_table_init (gpointer data)
{
  for (guint32 n = 0; n < 256; n++)
    {
      guint32 c = n;

      for (int k = 0; k < 8; k++)
        c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
      crc_table[0][n] = c;
    }
  for (guint32 n = 0; n < 256; n++)
    for (int k = 1; k < 8; k++)
      crc_table[k][n] = crc_table[0][crc_table[k - 1][n] & 0xff] ^ (crc_table[k - 1][n] >> 8);
  return NULL;
}

static inline guint32
load_le32 (const guint8 *p)
{
  return p[0] | p[1] << 8 | p[2] << 16 | (guint32) p[3] << 24;
}

guint32
bd_store_crc32 (guint32       crc,
                const guint8 *data,
                gsize         len)
{
  static GOnce once = G_ONCE_INIT;

  g_once (&once, crc_table_init, NULL);
  crc = ~crc;
  for (; len >= 8; data += 8, len -= 8)
    {
      guint32 lo = crc ^ load_le32 (data);
      guint32 hi = load_le32 (data + 4);

      crc = crc_table[7][lo & 0xff] ^ crc_table[6][(lo >> 8) & 0xff] ^
            crc_table[5][(lo >> 16) & 0xff] ^ crc_table[4][lo >> 24] ^
            crc_table[3][hi & 0xff] ^ crc_table[2][(hi >> 8) & 0xff] ^
            crc_table[1][(hi >> 16) & 0xff] ^ crc_table[0][hi >> 24];
    }
  for (gsize i = 0; i < len; i++)
    crc = crc_table[0][(crc ^ data[i]) & 0xff] ^ (crc >> 8);
  return ~crc;
}

/* ---------------------------------------------------------------- writing */

static void
put_le (GByteArray *buf,
        guint64     v,
        guint       size)
{
  guint8 bytes[8];

  bd_store_write_le (bytes, v, size);
  g_byte_array_append (buf, bytes, size);
}

void
bd_store_put_u8 (GByteArray *buf,
                 guint8      v)
{
  put_le (buf, v, 1);
}

void
bd_store_put_u16 (GByteArray *buf,
                  guint16     v)
{
  put_le (buf, v, 2);
}

void
bd_store_put_u32 (GByteArray *buf,
                  guint32     v)
{
  put_le (buf, v, 4);
}

void
bd_store_put_u64 (GByteArray *buf,
                  guint64     v)
{
  put_le (buf, v, 8);
}

void
bd_store_put_bytes (GByteArray   *buf,
                    const guint8 *data,
                    gsize         len)
{
  bd_store_put_u32 (buf, (guint32) len);
  if (len > 0)
    g_byte_array_append (buf, data, (guint) len);
}

void
bd_store_put_str (GByteArray *buf,
                  const char *s)
{
  if (s == NULL)
    s = "";
  bd_store_put_bytes (buf, (const guint8 *) s, strlen (s));
}

gsize
bd_store_record_begin (GByteArray *buf,
                       guint64     seq,
                       guint8      type)
{
  gsize start = buf->len;

  /* Length and CRC are filled in by bd_store_record_end (). */
  g_byte_array_set_size (buf, buf->len + 8);
  bd_store_put_u64 (buf, seq);
  bd_store_put_u8 (buf, type);
  return start;
}

void
bd_store_record_end (GByteArray *buf,
                     gsize       start)
{
  guint32 body_len = (guint32) (buf->len - start - BD_STORE_HEADER_LEN);
  guint32 crc = bd_store_crc32 (0, buf->data + start + 8, buf->len - start - 8);

  bd_store_write_le (buf->data + start, body_len, 4);
  bd_store_write_le (buf->data + start + 4, crc, 4);
}

/* ---------------------------------------------------------------- reading */

void
bd_store_reader_init (BdStoreReader *r,
                      const guint8  *body,
                      gsize          len)
{
  r->p = body;
  r->end = body + len;
  r->ok = TRUE;
}

static const guint8 *
reader_take (BdStoreReader *r,
             gsize          n)
{
  const guint8 *p = r->p;

  if (!r->ok || (gsize) (r->end - r->p) < n)
    {
      r->ok = FALSE;
      return NULL;
    }
  r->p += n;
  return p;
}

static guint64
get_le (BdStoreReader *r,
        guint          size)
{
  const guint8 *p = reader_take (r, size);

  return p ? bd_store_read_le (p, size) : 0;
}

guint8
bd_store_get_u8 (BdStoreReader *r)
{
  return (guint8) get_le (r, 1);
}

guint16
bd_store_get_u16 (BdStoreReader *r)
{
  return (guint16) get_le (r, 2);
}

guint32
bd_store_get_u32 (BdStoreReader *r)
{
  return (guint32) get_le (r, 4);
}

guint64
bd_store_get_u64 (BdStoreReader *r)
{
  return get_le (r, 8);
}

const guint8 *
bd_store_get_bytes (BdStoreReader *r,
                    gsize         *len)
{
  guint32 n = bd_store_get_u32 (r);
  const guint8 *p = reader_take (r, n);

  *len = p ? n : 0;
  return p;
}

char *
bd_store_get_str (BdStoreReader *r)
{
  gsize len;
  const guint8 *p = bd_store_get_bytes (r, &len);

  if (!r->ok || memchr (p, 0, len) != NULL)
    {
      r->ok = FALSE;
      return NULL;
    }
  return g_strndup ((const char *) p, len);
}

static gboolean
all_zero (const guint8 *data,
          gsize         len)
{
  for (gsize i = 0; i < len; i++)
    if (data[i] != 0)
      return FALSE;
  return TRUE;
}

gsize
bd_store_scan (const guint8     *data,
               gsize             len,
               BdStoreRecordFunc func,
               gpointer          user_data,
               const char      **why)
{
  gsize off = BD_STORE_MAGIC_LEN;

  *why = NULL;
  if (len < BD_STORE_MAGIC_LEN || memcmp (data, BD_STORE_MAGIC, BD_STORE_MAGIC_LEN) != 0)
    {
      *why = "not a Brokerdesk store file";
      return 0;
    }

  while (off < len)
    {
      guint32 body_len;
      guint32 crc;
      guint64 seq;

      /* Zeros to the end: the log's room written ahead, not a record. */
      if (data[off] == 0 && all_zero (data + off, len - off))
        break;

      if (len - off < BD_STORE_HEADER_LEN)
        {
          *why = "a torn record header";
          return off;
        }
      body_len = (guint32) bd_store_read_le (data + off, 4);
      crc = (guint32) bd_store_read_le (data + off + 4, 4);
      seq = bd_store_read_le (data + off + 8, 8);
      if (body_len > BD_STORE_RECORD_MAX)
        {
          *why = "an impossible record length";
          return off;
        }
      if (len - off - BD_STORE_HEADER_LEN < body_len)
        {
          *why = "a torn record";
          return off;
        }
      if (bd_store_crc32 (0, data + off + 8, 9 + (gsize) body_len) != crc)
        {
          *why = "a record whose checksum does not match";
          return off;
        }
      func (seq, data[off + 16], data + off + BD_STORE_HEADER_LEN, body_len, user_data);
      off += BD_STORE_HEADER_LEN + body_len;
    }
  return off;
}
