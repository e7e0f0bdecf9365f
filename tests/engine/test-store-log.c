/* test-store-log.c — the store's record format: round trip, CRC, damage
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "bd-store-log.h"

typedef struct
{
  guint   n;
  guint64 seqs[16];
  guint8  types[16];
  char   *topics[16];
} Seen;

static void
seen_cb (guint64       seq,
         guint8        type,
         const guint8 *body,
         gsize         len,
         gpointer      user_data)
{
  Seen *seen = user_data;
  BdStoreReader r;

  g_assert_cmpuint (seen->n, <, G_N_ELEMENTS (seen->seqs));
  bd_store_reader_init (&r, body, len);
  seen->seqs[seen->n] = seq;
  seen->types[seen->n] = type;
  seen->topics[seen->n] = bd_store_get_str (&r);
  g_assert_true (r.ok);
  seen->n++;
}

static void
seen_clear (Seen *seen)
{
  for (guint i = 0; i < seen->n; i++)
    g_free (seen->topics[i]);
  memset (seen, 0, sizeof *seen);
}

static GByteArray *
make_file (guint n)
{
  GByteArray *buf = g_byte_array_new ();

  g_byte_array_append (buf, (const guint8 *) BD_STORE_MAGIC, BD_STORE_MAGIC_LEN);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *topic = g_strdup_printf ("plant/line%u", i);
      gsize r = bd_store_record_begin (buf, 100 + i, BD_STORE_RETAIN_SET);

      bd_store_put_str (buf, topic);
      bd_store_put_bytes (buf, (const guint8 *) "payload", 7);
      bd_store_put_u8 (buf, 1);
      bd_store_put_u64 (buf, G_GUINT64_CONSTANT (0x0102030405060708));
      bd_store_record_end (buf, r);
    }
  return buf;
}

static void
test_crc32_known_value (void)
{
  /* The check value of CRC-32/ISO-HDLC (zlib's crc32). */
  g_assert_cmphex (bd_store_crc32 (0, (const guint8 *) "123456789", 9), ==, 0xcbf43926);
  g_assert_cmphex (bd_store_crc32 (0, NULL, 0), ==, 0);
  /* Longer than the eight bytes taken a step, with a tail. */
  g_assert_cmphex (bd_store_crc32 (0, (const guint8 *) "The quick brown fox jumps over the lazy dog", 43),
                   ==, 0x414fa339);
  /* Continued in pieces of every size, as in one go. */
  {
    guint8 buf[300];
    guint32 whole;

    for (guint i = 0; i < sizeof buf; i++)
      buf[i] = (guint8) (i * 131 + 7);
    whole = bd_store_crc32 (0, buf, sizeof buf);
    for (gsize cut = 0; cut <= sizeof buf; cut += 13)
      g_assert_cmphex (bd_store_crc32 (bd_store_crc32 (0, buf, cut), buf + cut, sizeof buf - cut),
                       ==, whole);
  }
}

static void
test_round_trip (void)
{
  g_autoptr(GByteArray) buf = make_file (3);
  Seen seen = { 0 };
  const char *why = "unset";
  gsize good = bd_store_scan (buf->data, buf->len, seen_cb, &seen, &why);

  g_assert_null (why);
  g_assert_cmpuint (good, ==, buf->len);
  g_assert_cmpuint (seen.n, ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *topic = g_strdup_printf ("plant/line%u", i);

      g_assert_cmpuint (seen.seqs[i], ==, 100 + i);
      g_assert_cmpuint (seen.types[i], ==, BD_STORE_RETAIN_SET);
      g_assert_cmpstr (seen.topics[i], ==, topic);
    }
  seen_clear (&seen);
}

static void
test_reader_fields_and_overrun (void)
{
  g_autoptr(GByteArray) buf = g_byte_array_new ();
  BdStoreReader r;
  gsize len;
  const guint8 *bytes;

  bd_store_put_u16 (buf, 0xbeef);
  bd_store_put_u32 (buf, 0xdeadbeef);
  bd_store_put_bytes (buf, (const guint8 *) "ab", 2);
  bd_store_reader_init (&r, buf->data, buf->len);
  g_assert_cmphex (bd_store_get_u16 (&r), ==, 0xbeef);
  g_assert_cmphex (bd_store_get_u32 (&r), ==, 0xdeadbeef);
  bytes = bd_store_get_bytes (&r, &len);
  g_assert_cmpmem (bytes, len, "ab", 2);
  g_assert_true (r.ok);
  /* Past the end: zero, and the reader stays failed. */
  g_assert_cmpuint (bd_store_get_u64 (&r), ==, 0);
  g_assert_false (r.ok);
  g_assert_cmpuint (bd_store_get_u8 (&r), ==, 0);
  g_assert_false (r.ok);
}

static void
test_string_with_nul_fails (void)
{
  g_autoptr(GByteArray) buf = g_byte_array_new ();
  BdStoreReader r;

  bd_store_put_bytes (buf, (const guint8 *) "a\0b", 3);
  bd_store_reader_init (&r, buf->data, buf->len);
  g_assert_null (bd_store_get_str (&r));
  g_assert_false (r.ok);
}

/* Every truncation keeps exactly the records wholly before the cut. */
static void
test_truncation_keeps_whole_records (void)
{
  g_autoptr(GByteArray) buf = make_file (3);
  gsize record = (buf->len - BD_STORE_MAGIC_LEN) / 3;

  for (gsize cut = BD_STORE_MAGIC_LEN; cut < buf->len; cut++)
    {
      Seen seen = { 0 };
      const char *why = NULL;
      gsize good = bd_store_scan (buf->data, cut, seen_cb, &seen, &why);
      guint whole = (cut - BD_STORE_MAGIC_LEN) / record;

      g_assert_cmpuint (seen.n, ==, whole);
      g_assert_cmpuint (good, ==, BD_STORE_MAGIC_LEN + whole * record);
      if (good < cut)
        g_assert_nonnull (why);
      seen_clear (&seen);
    }
}

/* Any single flipped bit after the magic is caught: the records before it
 * are kept, none from it on. */
static void
test_bit_flips_are_caught (void)
{
  g_autoptr(GByteArray) clean = make_file (3);
  gsize record = (clean->len - BD_STORE_MAGIC_LEN) / 3;

  for (gsize off = BD_STORE_MAGIC_LEN; off < clean->len; off++)
    for (int bit = 0; bit < 8; bit++)
      {
        g_autoptr(GByteArray) buf = g_byte_array_new ();
        Seen seen = { 0 };
        const char *why = NULL;
        guint damaged = (off - BD_STORE_MAGIC_LEN) / record;

        g_byte_array_append (buf, clean->data, clean->len);
        buf->data[off] ^= 1 << bit;
        bd_store_scan (buf->data, buf->len, seen_cb, &seen, &why);
        g_assert_nonnull (why);
        g_assert_cmpuint (seen.n, ==, damaged);
        seen_clear (&seen);
      }
}

static void
test_zeroed_and_foreign (void)
{
  g_autoptr(GByteArray) buf = make_file (2);
  guint8 zeros[64] = { 0 };
  Seen seen = { 0 };
  const char *why = NULL;
  gsize len = buf->len;

  /* Zeros to the end are the room a running broker writes ahead of its
   * records: the end of the log, not damage. */
  g_byte_array_append (buf, zeros, sizeof zeros);
  g_assert_cmpuint (bd_store_scan (buf->data, buf->len, seen_cb, &seen, &why), ==, len);
  g_assert_null (why);
  g_assert_cmpuint (seen.n, ==, 2);
  seen_clear (&seen);

  /* Zeros with something after them are damage: a write torn in the
   * middle. */
  g_byte_array_append (buf, (const guint8 *) "x", 1);
  g_assert_cmpuint (bd_store_scan (buf->data, buf->len, seen_cb, &seen, &why), ==, len);
  g_assert_nonnull (why);
  g_assert_cmpuint (seen.n, ==, 2);
  seen_clear (&seen);

  g_assert_cmpuint (bd_store_scan (zeros, sizeof zeros, seen_cb, &seen, &why), ==, 0);
  g_assert_nonnull (why);
  g_assert_cmpuint (seen.n, ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/store-log/crc32", test_crc32_known_value);
  g_test_add_func ("/store-log/round-trip", test_round_trip);
  g_test_add_func ("/store-log/reader", test_reader_fields_and_overrun);
  g_test_add_func ("/store-log/string-nul", test_string_with_nul_fails);
  g_test_add_func ("/store-log/truncation", test_truncation_keeps_whole_records);
  g_test_add_func ("/store-log/bit-flips", test_bit_flips_are_caught);
  g_test_add_func ("/store-log/zeroed-and-foreign", test_zeroed_and_foreign);
  return g_test_run ();
}
