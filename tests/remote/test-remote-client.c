/* test-remote-client.c — BdRemoteClient against Debian's real mosquitto
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each test starts /usr/sbin/mosquitto with a generated configuration on a
 * free loopback port and waits for its "running" log line; the client, the
 * mosquitto_pub/_sub tools and mosquitto are all waited on through events
 * (state notifications, tap calls, output lines, process exits), each wait
 * bounded by a deadline. Certificates are made by openssl at test time.
 */

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "bd-remote-client.h"
#include "bd-test-util.h"
#include "remote-test-utils.h"
#include "test-client.h"

#define MOSQUITTO      "/usr/sbin/mosquitto"
#define WAIT_MS        10000

/* ------------------------------------------------------------ waiting */


/* ------------------------------------------------------------ processes */

typedef struct
{
  GSubprocess      *process;
  GDataInputStream *out;
  GCancellable     *cancellable;
  GString          *log;
  gboolean          eof;
  gboolean          exited;
} Proc;

static void read_line (Proc *proc);

static void
read_line_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      data)
{
  Proc *proc = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;

  line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (object), result, NULL,
                                                    &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;  /* proc may be gone */
  if (line == NULL)
    {
      proc->eof = TRUE;
      return;
    }
  g_test_message ("%s", line);
  g_string_append (proc->log, line);
  g_string_append_c (proc->log, '\n');
  read_line (proc);
}

static void
read_line (Proc *proc)
{
  g_data_input_stream_read_line_async (proc->out, G_PRIORITY_DEFAULT, proc->cancellable,
                                       read_line_cb, proc);
}

static Proc *
proc_spawn (const char * const *argv)
{
  g_autoptr(GError) error = NULL;
  Proc *proc = g_new0 (Proc, 1);

  proc->process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                           G_SUBPROCESS_FLAGS_STDERR_MERGE, &error);
  g_assert_no_error (error);
  proc->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (proc->process));
  proc->cancellable = g_cancellable_new ();
  proc->log = g_string_new (NULL);
  read_line (proc);
  return proc;
}

static void
proc_wait_for_output (Proc       *proc,
                      const char *text)
{
  g_autofree char *what = g_strdup_printf ("\"%s\" in the output", text);

  BD_TEST_WAIT_FOR (strstr (proc->log->str, text) != NULL, WAIT_MS, what);
}

static gboolean
proc_exited (gpointer data)
{
  Proc *proc = data;

  return proc->eof && proc->exited;
}

static void
exited_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      data)
{
  Proc *proc = data;

  g_subprocess_wait_finish (G_SUBPROCESS (object), result, NULL);
  proc->exited = TRUE;
}

static void
proc_wait_exit (Proc *proc)
{
  g_subprocess_wait_async (proc->process, NULL, exited_cb, proc);
  bd_test_wait_until (proc_exited, proc, WAIT_MS, "a process to exit");
}

static void
proc_free (Proc *proc)
{
  g_cancellable_cancel (proc->cancellable);
  g_subprocess_force_exit (proc->process);
  g_subprocess_wait (proc->process, NULL, NULL);
  g_object_unref (proc->cancellable);
  g_object_unref (proc->out);
  g_object_unref (proc->process);
  g_string_free (proc->log, TRUE);
  g_free (proc);
}

/* Runs a short command to completion (openssl, mosquitto_pub, ...). */
static void
run (const char * const *argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autofree char *output = NULL;

  process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                     G_SUBPROCESS_FLAGS_STDERR_MERGE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &output, NULL, &error);
  g_assert_no_error (error);
  if (!g_subprocess_get_successful (process))
    g_error ("%s failed: %s", argv[0], output);
}

/* ------------------------------------------------------------ the broker */

typedef struct
{
  char  *dir;
  guint16 port;
  char  *extra;       /* more configuration lines */
  Proc  *proc;
} Broker;

static guint16
free_port (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                         &error);
  g_assert_no_error (error);
  g_assert_true (g_socket_bind (socket, address, TRUE, &error));
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

static void
broker_start (Broker *broker)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *conf = g_build_filename (broker->dir, "mosquitto.conf", NULL);
  /* mosquitto started as root switches to the user "mosquitto", who could
   * not read our temporary files; naming the current user avoids that. */
  g_autofree char *text = g_strdup_printf ("user %s\n"
                                           "listener %u 127.0.0.1\n"
                                           "log_dest stderr\n"
                                           "log_type all\n"
                                           "persistence false\n"
                                           "%s\n",
                                           g_get_user_name (), broker->port,
                                           broker->extra ? broker->extra
                                                         : "allow_anonymous true");
  const char *argv[] = { MOSQUITTO, "-c", conf, NULL };

  g_assert_true (g_file_set_contents (conf, text, -1, &error));
  g_assert_no_error (error);
  broker->proc = proc_spawn (argv);
  proc_wait_for_output (broker->proc, " running");
}

static Broker *
broker_new (const char *extra)
{
  Broker *broker = g_new0 (Broker, 1);

  broker->dir = bd_test_tmpdir_new ("remote");
  broker->port = free_port ();
  broker->extra = g_strdup (extra);
  return broker;
}

static void
broker_kill (Broker *broker)
{
  g_subprocess_force_exit (broker->proc->process);
  proc_wait_exit (broker->proc);
  g_clear_pointer (&broker->proc, proc_free);
}

static void
broker_free (Broker *broker)
{
  g_clear_pointer (&broker->proc, proc_free);
  bd_test_tmpdir_free (broker->dir);
  g_free (broker->extra);
  g_free (broker);
}

static char *
broker_file (Broker     *broker,
             const char *name)
{
  return g_build_filename (broker->dir, name, NULL);
}

static char *
port_string (Broker *broker)
{
  return g_strdup_printf ("%u", broker->port);
}

/* ------------------------------------------------------------ a tap */

/* Taps collect into a GPtrArray with test_message_collect_cb. */

static GPtrArray *
messages_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) bd_message_unref);
}

static void
wait_for_messages (GPtrArray *received,
                   guint      count)
{
  BD_TEST_WAIT_UNTIL (received->len >= count, WAIT_MS);
}

static BdMessage *
find_message (GPtrArray  *received,
              const char *topic)
{
  for (guint i = 0; i < received->len; i++)
    {
      BdMessage *message = g_ptr_array_index (received, i);

      if (g_strcmp0 (bd_message_get_topic (message), topic) == 0)
        return message;
    }
  return NULL;
}

static void
assert_payload (BdMessage  *message,
                const char *text)
{
  gsize len;
  const guint8 *data;

  g_assert_nonnull (message);
  data = bd_message_get_payload (message, &len);
  g_assert_cmpmem (data, len, text, strlen (text));
}

static BdRemoteConfig *
config_for (Broker *broker)
{
  BdRemoteConfig *config = bd_remote_config_new ();

  g_free (config->host);
  config->host = g_strdup ("127.0.0.1");
  config->port = broker->port;
  config->backoff_min_ms = 100;
  config->backoff_max_ms = 400;
  return config;
}

/* ------------------------------------------------------------ tests */

static void
test_receive (gconstpointer data)
{
  BdMqttVersion version = GPOINTER_TO_INT (data);
  Broker *broker = broker_new (NULL);
  g_autoptr(BdRemoteConfig) config = NULL;
  g_autoptr(BdRemoteClient) client = NULL;
  g_autofree char *port = NULL;
  GPtrArray *received = messages_new ();
  GPtrArray *only_b = messages_new ();
  BdMessage *message;

  broker_start (broker);
  port = port_string (broker);

  /* A retained message published before the client connects comes with
   * its retain flag [MQTT-3.3.1-8]. */
  {
    const char *argv[] = { "mosquitto_pub", "-h", "127.0.0.1", "-p", port, "-q", "1", "-r",
                           "-t", "plant/retained", "-m", "kept", NULL };
    run (argv);
  }

  config = config_for (broker);
  config->version = version;
  client = bd_remote_client_new (config);
  g_assert_cmpint (bd_remote_client_get_state (client), ==, BD_REMOTE_STATE_DISCONNECTED);
  bd_remote_client_add_tap (client, "#", test_message_collect_cb, received, NULL);
  bd_remote_client_add_tap (client, "plant/+/b", test_message_collect_cb, only_b, NULL);
  bd_remote_client_start (client);
  remote_test_wait_for_state (client, BD_REMOTE_STATE_CONNECTED);
  g_assert_cmpstr (bd_remote_client_get_error_message (client), ==, NULL);

  wait_for_messages (received, 1);
  message = find_message (received, "plant/retained");
  assert_payload (message, "kept");
  g_assert_true (message->retain);

  for (guint qos = 0; qos <= 2; qos++)
    {
      g_autofree char *qos_text = g_strdup_printf ("%u", qos);
      g_autofree char *topic = g_strdup_printf ("plant/q%u/b", qos);
      g_autofree char *payload = g_strdup_printf ("value %u", qos);
      const char *argv[] = { "mosquitto_pub", "-h", "127.0.0.1", "-p", port, "-q", qos_text,
                             "-V", version == BD_MQTT_V5 ? "5" : "311",
                             "-t", topic, "-m", payload, NULL };

      run (argv);
      wait_for_messages (received, 2 + qos);
      message = find_message (received, topic);
      assert_payload (message, payload);
      g_assert_cmpuint (message->qos, ==, qos);
      g_assert_false (message->retain);
    }
  /* Exactly once for QoS 2, and the filtered tap saw only its topics. */
  g_assert_cmpuint (received->len, ==, 4);
  g_assert_cmpuint (only_b->len, ==, 3);

  bd_remote_client_stop (client);
  g_assert_cmpint (bd_remote_client_get_state (client), ==, BD_REMOTE_STATE_DISCONNECTED);
  g_ptr_array_unref (received);
  g_ptr_array_unref (only_b);
  broker_free (broker);
}

static void
test_publish (gconstpointer data)
{
  BdMqttVersion version = GPOINTER_TO_INT (data);
  Broker *broker = broker_new (NULL);
  g_autoptr(BdRemoteConfig) config = NULL;
  g_autoptr(BdRemoteClient) client = NULL;
  g_autofree char *port = NULL;
  Proc *sub;

  broker_start (broker);
  port = port_string (broker);

  {
    /* The broker logs the SUBACK (its log is unbuffered, unlike
     * mosquitto_sub's piped stdout), so we know when it listens; -C 3 exits
     * after three messages. */
    const char *argv[] = { "mosquitto_sub", "-i", "bd-test-sub", "-h", "127.0.0.1", "-p", port,
                           "-q", "2", "-t", "out/#", "-v", "-C", "3", NULL };
    sub = proc_spawn (argv);
    proc_wait_for_output (broker->proc, "Sending SUBACK to bd-test-sub");
  }

  config = config_for (broker);
  config->version = version;
  client = bd_remote_client_new (config);
  bd_remote_client_start (client);
  remote_test_wait_for_state (client, BD_REMOTE_STATE_CONNECTED);

  for (guint qos = 0; qos <= 2; qos++)
    {
      g_autofree char *topic = g_strdup_printf ("out/q%u", qos);
      g_autofree char *payload = g_strdup_printf ("sent %u", qos);
      g_autoptr(GBytes) bytes = g_bytes_new (payload, strlen (payload));
      g_autoptr(BdMessage) message = bd_message_new (topic, bytes, qos, FALSE, NULL);

      g_assert_true (bd_remote_client_publish (client, message));
    }

  /* mosquitto forwards a QoS 2 message only after our PUBREL, so the third
   * line also proves the PUBREC -> PUBREL exchange [MQTT-4.3.3-1]. */
  proc_wait_for_output (sub, "out/q0 sent 0\n");
  proc_wait_for_output (sub, "out/q1 sent 1\n");
  proc_wait_for_output (sub, "out/q2 sent 2\n");
  proc_wait_exit (sub);
  g_assert_true (g_subprocess_get_successful (sub->process));

  bd_remote_client_stop (client);
  proc_free (sub);
  broker_free (broker);
}

/* What a server says it supports, as the bridge dialog's test reports it:
 * an MQTT 5 CONNACK's properties [MQTT-3.2.2.3], a 3.1.1 server the
 * protocol's own limits. */
static void
test_server_info (void)
{
  Broker *broker = broker_new ("allow_anonymous true\nmax_qos 1\nretain_available false\n"
                               "max_packet_size 2000");
  g_autoptr(BdRemoteConfig) config = NULL;
  g_autoptr(BdRemoteClient) v5 = NULL;
  g_autoptr(BdRemoteClient) v311 = NULL;
  BdRemoteServerInfo info;

  broker_start (broker);
  config = config_for (broker);
  config->version = BD_MQTT_V5;
  v5 = bd_remote_client_new (config);
  bd_remote_client_set_subscriptions (v5, NULL, 0);
  g_assert_false (bd_remote_client_get_server_info (v5, &info));
  bd_remote_client_start (v5);
  remote_test_wait_for_state (v5, BD_REMOTE_STATE_CONNECTED);
  g_assert_true (bd_remote_client_get_server_info (v5, &info));
  g_assert_cmpint (info.version, ==, BD_MQTT_V5);
  g_assert_cmpuint (info.maximum_qos, ==, 1);
  g_assert_false (info.retain_available);
  g_assert_cmpuint (info.maximum_packet_size, ==, 2000);
  bd_remote_client_stop (v5);

  config->version = BD_MQTT_V311;
  v311 = bd_remote_client_new (config);
  bd_remote_client_set_subscriptions (v311, NULL, 0);
  bd_remote_client_start (v311);
  remote_test_wait_for_state (v311, BD_REMOTE_STATE_CONNECTED);
  g_assert_true (bd_remote_client_get_server_info (v311, &info));
  g_assert_cmpint (info.version, ==, BD_MQTT_V311);
  g_assert_cmpuint (info.maximum_qos, ==, 2);
  g_assert_true (info.retain_available);
  g_assert_cmpuint (info.maximum_packet_size, ==, 0);
  bd_remote_client_stop (v311);
  broker_free (broker);
}

static void
test_auth (void)
{
  Broker *broker = broker_new (NULL);
  g_autofree char *passwd = broker_file (broker, "passwd");
  g_autoptr(BdRemoteConfig) config = NULL;
  g_autoptr(BdRemoteClient) refused = NULL;
  g_autoptr(BdRemoteClient) anonymous = NULL;
  g_autoptr(BdRemoteClient) accepted = NULL;
  g_autofree char *expected = NULL;
  const char *message;

  {
    const char *argv[] = { "mosquitto_passwd", "-b", "-c", passwd, "operator", "s3cret", NULL };
    run (argv);
  }
  broker->extra = g_strdup_printf ("allow_anonymous false\npassword_file %s", passwd);
  broker_start (broker);

  config = config_for (broker);
  config->username = g_strdup ("operator");
  config->password = g_strdup ("wrong");
  refused = bd_remote_client_new (config);
  bd_remote_client_start (refused);
  /* Retrying with the same password cannot help: FAILED, not WAITING. */
  remote_test_wait_for_state (refused, BD_REMOTE_STATE_FAILED);
  message = bd_remote_client_get_error_message (refused);
  expected = g_strdup_printf ("127.0.0.1:%u: ", broker->port);
  g_assert_true (g_str_has_prefix (message, expected));
  g_assert_true (strstr (message, "not authorized") || strstr (message, "bad user name"));

  g_clear_pointer (&config->username, g_free);
  g_clear_pointer (&config->password, g_free);
  anonymous = bd_remote_client_new (config);
  bd_remote_client_start (anonymous);
  remote_test_wait_for_state (anonymous, BD_REMOTE_STATE_FAILED);

  config->username = g_strdup ("operator");
  config->password = g_strdup ("s3cret");
  config->version = BD_MQTT_V5;
  accepted = bd_remote_client_new (config);
  bd_remote_client_start (accepted);
  remote_test_wait_for_state (accepted, BD_REMOTE_STATE_CONNECTED);

  bd_remote_client_stop (accepted);
  broker_free (broker);
}

/* An ECDSA key NAME.key and, signed by the CA ca.crt (or self-signed, a CA
 * itself, when @extensions is NULL), its certificate NAME.crt for @subject,
 * valid for two days, with the X.509v3 @extensions. */
static void
make_certificate (Broker     *broker,
                  const char *name,
                  const char *subject,
                  const char *extensions)
{
  g_autofree char *key = g_strconcat (broker->dir, "/", name, ".key", NULL);
  g_autofree char *crt = g_strconcat (broker->dir, "/", name, ".crt", NULL);
  g_autofree char *csr = g_strconcat (broker->dir, "/", name, ".csr", NULL);
  g_autofree char *ext = g_strconcat (broker->dir, "/", name, ".ext", NULL);
  g_autofree char *ca_key = broker_file (broker, "ca.key");
  g_autofree char *ca_crt = broker_file (broker, "ca.crt");

  if (extensions == NULL)
    {
      const char *argv[] = { "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                             "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key,
                             "-out", crt, "-days", "2", "-subj", subject, NULL };

      run (argv);
    }
  else
    {
      const char *request[] = { "openssl", "req", "-newkey", "ec", "-pkeyopt",
                                "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key,
                                "-out", csr, "-subj", subject, NULL };
      const char *sign[] = { "openssl", "x509", "-req", "-in", csr, "-CA", ca_crt,
                             "-CAkey", ca_key, "-CAcreateserial", "-out", crt, "-days", "2",
                             "-extfile", ext, NULL };

      g_assert_true (g_file_set_contents (ext, extensions, -1, NULL));
      run (request);
      run (sign);
    }
}

static void
make_certificates (Broker *broker)
{
  make_certificate (broker, "ca", "/CN=Brokerdesk Test CA", NULL);
  make_certificate (broker, "other-ca", "/CN=Some Other CA", NULL);
  make_certificate (broker, "server", "/CN=localhost",
                    "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                    "extendedKeyUsage=serverAuth\n");
  make_certificate (broker, "client", "/CN=operator", "extendedKeyUsage=clientAuth\n");
}

static void
test_tls (void)
{
  Broker *broker = broker_new (NULL);
  g_autoptr(BdRemoteConfig) config = NULL;
  g_autoptr(BdRemoteClient) client = NULL;
  g_autoptr(BdRemoteClient) untrusted = NULL;
  g_autoptr(BdRemoteClient) no_cert = NULL;
  g_autoptr(GBytes) bytes = g_bytes_new_static ("over tls", 8);
  g_autoptr(BdMessage) sent = bd_message_new ("secure/echo", bytes, 1, FALSE, NULL);
  GPtrArray *received = messages_new ();
  g_autofree char *ca = broker_file (broker, "ca.crt");
  g_autofree char *other_ca = broker_file (broker, "other-ca.crt");
  g_autofree char *crt = broker_file (broker, "server.crt");
  g_autofree char *key = broker_file (broker, "server.key");
  const char *message;

  make_certificates (broker);
  broker->extra = g_strdup_printf ("allow_anonymous true\ncafile %s\ncertfile %s\nkeyfile %s\n"
                                   "require_certificate true", ca, crt, key);
  broker_start (broker);

  /* Trusted CA and a client certificate: connected, and a message makes the
   * round trip through the broker. */
  config = config_for (broker);
  config->use_tls = TRUE;
  config->ca_file = g_strdup (ca);
  config->cert_file = broker_file (broker, "client.crt");
  config->key_file = broker_file (broker, "client.key");
  client = bd_remote_client_new (config);
  bd_remote_client_add_tap (client, "secure/#", test_message_collect_cb, received, NULL);
  bd_remote_client_start (client);
  remote_test_wait_for_state (client, BD_REMOTE_STATE_CONNECTED);
  g_assert_true (bd_remote_client_publish (client, sent));
  wait_for_messages (received, 1);
  assert_payload (g_ptr_array_index (received, 0), "over tls");

  /* Checked against another CA: refused for good, and the message names
   * the address, the reason and the CA file. */
  g_free (config->ca_file);
  config->ca_file = g_strdup (other_ca);
  untrusted = bd_remote_client_new (config);
  bd_remote_client_start (untrusted);
  remote_test_wait_for_state (untrusted, BD_REMOTE_STATE_FAILED);
  message = bd_remote_client_get_error_message (untrusted);
  g_test_message ("untrusted: %s", message);
  g_assert_nonnull (strstr (message, "127.0.0.1:"));
  g_assert_nonnull (strstr (message, "certificate not trusted"));
  g_assert_nonnull (strstr (message, other_ca));

  /* A missing client certificate file is named too. */
  g_free (config->ca_file);
  config->ca_file = g_strdup (ca);
  g_free (config->cert_file);
  config->cert_file = broker_file (broker, "missing.crt");
  no_cert = bd_remote_client_new (config);
  bd_remote_client_start (no_cert);
  remote_test_wait_for_state (no_cert, BD_REMOTE_STATE_FAILED);
  message = bd_remote_client_get_error_message (no_cert);
  g_test_message ("no cert: %s", message);
  g_assert_nonnull (strstr (message, "missing.crt"));

  bd_remote_client_stop (client);
  g_ptr_array_unref (received);
  broker_free (broker);
}

static void
test_reconnect (void)
{
  Broker *broker = broker_new (NULL);
  g_autoptr(BdRemoteConfig) config = NULL;
  g_autoptr(BdRemoteClient) client = NULL;
  g_autofree char *port = NULL;
  g_autofree char *refused = NULL;
  GPtrArray *received = messages_new ();

  config = config_for (broker);
  client = bd_remote_client_new (config);
  bd_remote_client_add_tap (client, "#", test_message_collect_cb, received, NULL);

  /* Nothing listens yet: waiting, with the reason. */
  bd_remote_client_start (client);
  remote_test_wait_for_state (client, BD_REMOTE_STATE_WAITING);
  refused = g_strdup_printf ("127.0.0.1:%u: connection refused", broker->port);
  g_assert_cmpstr (bd_remote_client_get_error_message (client), ==, refused);

  broker_start (broker);
  remote_test_wait_for_state (client, BD_REMOTE_STATE_CONNECTED);

  broker_kill (broker);
  remote_test_wait_for_state (client, BD_REMOTE_STATE_WAITING);
  g_assert_nonnull (bd_remote_client_get_error_message (client));

  broker_start (broker);
  remote_test_wait_for_state (client, BD_REMOTE_STATE_CONNECTED);
  g_assert_cmpstr (bd_remote_client_get_error_message (client), ==, NULL);

  /* Subscribed again after the reconnection. */
  port = port_string (broker);
  {
    const char *argv[] = { "mosquitto_pub", "-h", "127.0.0.1", "-p", port, "-q", "1",
                           "-t", "after/restart", "-m", "back", NULL };
    run (argv);
  }
  wait_for_messages (received, 1);
  assert_payload (find_message (received, "after/restart"), "back");

  bd_remote_client_stop (client);
  g_assert_cmpint (bd_remote_client_get_state (client), ==, BD_REMOTE_STATE_DISCONNECTED);
  g_ptr_array_unref (received);
  broker_free (broker);
}

static void
test_backoff (void)
{
  g_autoptr(BdRemoteConfig) config = bd_remote_config_new ();
  g_autoptr(BdRemoteClient) client = NULL;
  guint16 port = free_port ();
  guint first;

  /* With the default 1 s start, the first wait is 1 s ± 25 %: shown as 1
   * or 2 whole seconds; the retry-seconds property counts down to the attempt. */
  g_free (config->host);
  config->host = g_strdup ("127.0.0.1");
  config->port = port;
  client = bd_remote_client_new (config);
  g_assert_cmpuint (strlen (bd_remote_client_get_client_id (client)), <=, 23);
  bd_remote_client_start (client);
  remote_test_wait_for_state (client, BD_REMOTE_STATE_WAITING);
  first = bd_remote_client_get_retry_seconds (client);
  g_assert_cmpuint (first, >=, 1);
  g_assert_cmpuint (first, <=, 2);
  remote_test_wait_for_state (client, BD_REMOTE_STATE_CONNECTING);
  remote_test_wait_for_state (client, BD_REMOTE_STATE_WAITING);
  /* Second wait: 2 s ± 25 %. */
  g_assert_cmpuint (bd_remote_client_get_retry_seconds (client), >=, 2);
  g_assert_cmpuint (bd_remote_client_get_retry_seconds (client), <=, 3);
  bd_remote_client_stop (client);
  g_assert_cmpint (bd_remote_client_get_state (client), ==, BD_REMOTE_STATE_DISCONNECTED);
  g_assert_cmpuint (bd_remote_client_get_retry_seconds (client), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  if (!g_file_test (MOSQUITTO, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip ("no " MOSQUITTO);
      return 77;
    }

  g_test_add_data_func ("/remote/receive/v311", GINT_TO_POINTER (BD_MQTT_V311), test_receive);
  g_test_add_data_func ("/remote/receive/v5", GINT_TO_POINTER (BD_MQTT_V5), test_receive);
  g_test_add_data_func ("/remote/publish/v311", GINT_TO_POINTER (BD_MQTT_V311), test_publish);
  g_test_add_data_func ("/remote/publish/v5", GINT_TO_POINTER (BD_MQTT_V5), test_publish);
  g_test_add_func ("/remote/auth", test_auth);
  g_test_add_func ("/remote/server-info", test_server_info);
  g_test_add_func ("/remote/tls", test_tls);
  g_test_add_func ("/remote/reconnect", test_reconnect);
  g_test_add_func ("/remote/backoff", test_backoff);
  return g_test_run ();
}
