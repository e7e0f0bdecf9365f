/* bd-gui-pub.c — paced QoS 0 publisher over many topics, for the GUI benchmark
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Message k (counting from 0) goes to topic k mod N, named
 * PREFIX/f<i / 100>/s<i mod 100>, and its payload is k in decimal, so the
 * value a row shows tells which message it is. Messages are sent in bursts
 * every millisecond, each burst holding every message whose time
 * (k / RATE seconds after the start) has come; --rate 0 sends as fast as the
 * socket takes them. With --log FILE the CLOCK_MONOTONIC time, in
 * microseconds, just before each message's burst was written is stored as
 * one little-endian int64 per message: the earliest any receiver could have
 * had it. Python's time.monotonic() and GLib's g_get_monotonic_time() read
 * the same clock. One line of JSON on stdout at the end.
 *
 * Python's MQTT client manages a few thousand messages a second here; this
 * one manages several hundred thousand, so the pacing, not the publisher,
 * sets the rate.
 */

#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bd-bench-mqtt.h"

static gint64
now_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

static gboolean
write_all (int           fd,
           const guint8 *data,
           gsize         len)
{
  while (len > 0)
    {
      ssize_t n = write (fd, data, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      data += n;
      len -= (gsize) n;
    }
  return TRUE;
}

/* Reads until one whole packet is in @in; FALSE on EOF or error. */
static gboolean
read_packet (int            fd,
             BdBenchBuf    *in,
             BdBenchPacket *packet,
             gsize         *consumed)
{
  for (;;)
    {
      BdBenchParse parse = bd_bench_mqtt_next (in->data, in->len, packet, consumed);
      guint8 *room;
      ssize_t n;

      if (parse == BD_BENCH_PARSE_OK)
        return TRUE;
      if (parse == BD_BENCH_PARSE_MALFORMED)
        return FALSE;
      room = bd_bench_buf_reserve (in, 4096);
      n = read (fd, room, 4096);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      in->len += (gsize) n;
    }
}

int
main (int   argc,
      char *argv[])
{
  int port = 0;
  int topics = 10000;
  double rate = 20000;
  double duration = 10;
  gint64 messages = 0;
  gboolean retain = FALSE;
  g_autofree char *prefix = NULL;
  g_autofree char *log_path = NULL;
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  GOptionEntry entries[] = {
    { "port", 'p', 0, G_OPTION_ARG_INT, &port, "Broker port on 127.0.0.1", "PORT" },
    { "topics", 't', 0, G_OPTION_ARG_INT, &topics, "Distinct topics (default 10000)", "N" },
    { "rate", 'r', 0, G_OPTION_ARG_DOUBLE, &rate, "Messages per second, 0 for unpaced (default 20000)", "R" },
    { "duration", 'd', 0, G_OPTION_ARG_DOUBLE, &duration, "Seconds (default 10)", "S" },
    { "messages", 'm', 0, G_OPTION_ARG_INT64, &messages, "Messages, instead of --duration", "M" },
    { "retain", 0, 0, G_OPTION_ARG_NONE, &retain, "Set RETAIN on every message", NULL },
    { "prefix", 0, 0, G_OPTION_ARG_STRING, &prefix, "First topic level (default bench)", "P" },
    { "log", 0, 0, G_OPTION_ARG_FILENAME, &log_path, "Write each message's send time here", "FILE" },
    { NULL }
  };
  struct sockaddr_in addr = { 0 };
  BdBenchBuf out, in;
  BdBenchPacket packet;
  BdBenchConnack connack;
  gsize consumed;
  gint64 *times = NULL;
  gint64 start, end, sent = 0;
  char client_id[64];
  int fd;

  context = g_option_context_new ("— paced publisher for bench/run-gui-bench");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("bd-gui-pub: %s\n", error->message);
      return 2;
    }
  if (port <= 0 || port > 65535 || topics <= 0 || rate < 0 || duration <= 0 || messages < 0)
    {
      g_printerr ("bd-gui-pub: --port is required; counts and times must be positive\n");
      return 2;
    }
  if (prefix == NULL)
    prefix = g_strdup ("bench");
  if (messages == 0)
    messages = rate > 0 ? (gint64) (rate * duration) : topics;

  fd = socket (AF_INET, SOCK_STREAM, 0);
  addr.sin_family = AF_INET;
  addr.sin_port = htons ((guint16) port);
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  if (fd < 0 || connect (fd, (struct sockaddr *) &addr, sizeof addr) < 0)
    {
      g_printerr ("bd-gui-pub: cannot connect to 127.0.0.1:%d: %s\n", port, g_strerror (errno));
      return 1;
    }

  bd_bench_buf_init (&out, 1 << 20);
  bd_bench_buf_init (&in, 4096);
  g_snprintf (client_id, sizeof client_id, "bd-gui-pub-%d", (int) getpid ());
  bd_bench_mqtt_write_connect (&out, 4, client_id, 0);
  if (!write_all (fd, out.data, out.len)
      || !read_packet (fd, &in, &packet, &consumed)
      || packet.type != BD_BENCH_CONNACK
      || !bd_bench_mqtt_read_connack (&packet, 4, &connack)
      || connack.reason != 0)
    {
      g_printerr ("bd-gui-pub: the broker did not accept the connection\n");
      return 1;
    }
  out.len = out.pos = 0;

  times = g_new (gint64, messages);
  start = now_us ();
  while (sent < messages)
    {
      gint64 now = now_us ();
      gint64 due = rate > 0 ? MIN (messages, (gint64) ((now - start) * rate / G_USEC_PER_SEC) + 1)
                            : MIN (messages, sent + 1000);

      if (due <= sent)
        {
          struct timespec pause = { 0, 200 * 1000 };

          nanosleep (&pause, NULL);
          continue;
        }
      for (; sent < due; sent++)
        {
          gint64 topic = sent % topics;
          char name[256], payload[32];
          int name_len = g_snprintf (name, sizeof name, "%s/f%" G_GINT64_FORMAT "/s%" G_GINT64_FORMAT,
                                     prefix, topic / 100, topic % 100);
          int payload_len = g_snprintf (payload, sizeof payload, "%" G_GINT64_FORMAT, sent);
          gsize at = out.len;

          bd_bench_mqtt_write_publish (&out, 4, name, (gsize) name_len, 0, 0,
                                       (const guint8 *) payload, (gsize) payload_len);
          /* RETAIN is bit 0 of the PUBLISH's first byte [MQTT-3.3.1-5]. */
          if (retain)
            out.data[at] |= 0x01;
          times[sent] = now;
        }
      if (!write_all (fd, out.data, out.len))
        {
          g_printerr ("bd-gui-pub: write failed: %s\n", g_strerror (errno));
          return 1;
        }
      out.len = out.pos = 0;
    }
  end = now_us ();

  bd_bench_mqtt_write_disconnect (&out);
  write_all (fd, out.data, out.len);
  close (fd);

  if (log_path != NULL)
    {
      FILE *log = fopen (log_path, "wb");

      /* x86-64 and arm64 are little-endian, as the reader expects. */
      if (log == NULL || fwrite (times, sizeof (gint64), (size_t) messages, log) != (size_t) messages
          || fclose (log) != 0)
        {
          g_printerr ("bd-gui-pub: cannot write %s\n", log_path);
          return 1;
        }
    }

  g_print ("{\"messages\":%" G_GINT64_FORMAT ",\"topics\":%d,\"start_us\":%" G_GINT64_FORMAT
           ",\"end_us\":%" G_GINT64_FORMAT ",\"rate\":%.1f}\n",
           sent, topics, start, end,
           end > start ? sent * (double) G_USEC_PER_SEC / (end - start) : 0.0);
  g_free (times);
  bd_bench_buf_clear (&out);
  bd_bench_buf_clear (&in);
  return 0;
}
