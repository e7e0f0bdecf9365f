/* bd-tls.c — TLS listeners: their certificates and the TLS transport
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * OpenSSL, as Mosquitto and FlashMQ use: the fastest TLS on Linux that is
 * maintained for the long run. A listener's certificates become one
 * BdTlsContext (an SSL_CTX) when the engine starts, so a broken file stops
 * start-up with the line that named it. Each connection then gets an SSL
 * object on its non-blocking socket: the handshake runs on the handshake
 * thread (bd-handshaker.c), one step per readiness event, and
 * SSL_ERROR_WANT_READ or WANT_WRITE becomes the event the connection
 * watches for, so a slow or malicious handshake never holds up another
 * client, and the handshakes' crypto never runs between two messages of a
 * connected one.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "bd-certificate.h"
#include "bd-config-private.h"
#include "bd-engine-private.h"

/* The largest plaintext of one TLS record. */
#define TLS_RECORD_MAX 16384

struct _BdTlsContext
{
  gatomicrefcount    ref_count;
  SSL_CTX           *ctx;
  /* The server certificate's subject, issuer and end; NULL: PSK only. */
  BdCertificateInfo *certificate;
  /* TLS-PSK: identity (char*) -> key (GBytes), read whole when the context
   * is made and never changed after, so handshake threads read it freely. */
  GHashTable        *psk_keys;
};

typedef struct
{
  BdTransport  parent;
  SSL         *ssl;
  gboolean     first_byte_seen;
  /* The identity the client's pre-shared key was found by: OpenSSL keeps
   * it for TLS 1.2 only (SSL_get_psk_identity), not with TLS 1.3. */
  char        *psk_identity;
} BdTlsTransport;

/* ------------------------------------------------------------- context */

/* The reason of the last OpenSSL error, and the queue emptied. */
static const char *
openssl_reason (void)
{
  unsigned long code = ERR_peek_last_error ();
  const char *reason = code != 0 ? ERR_reason_error_string (code) : NULL;

  ERR_clear_error ();
  return reason != NULL ? reason : "unknown error";
}

static gboolean G_GNUC_PRINTF (5, 6)
tls_config_error (GError                 **error,
                  const BdListenerConfig  *config,
                  BdTlsOption              option,
                  const char              *name,
                  const char              *format,
                  ...)
{
  g_autofree char *message = NULL;
  g_autofree char *where = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  if (config->tls_where[option] != NULL)
    where = g_strdup (config->tls_where[option]);
  else
    where = g_strdup_printf ("%s:%u", config->source_file ? config->source_file : "config",
                             config->source_line);
  g_set_error (error, BD_ENGINE_ERROR, BD_ENGINE_ERROR_CONFIG, "%s: %s: %s", where, name, message);
  return FALSE;
}

/* An unreadable file is named with the system's reason, before OpenSSL
 * reports it as "no start line". */
static gboolean
check_readable (GError                 **error,
                const BdListenerConfig  *config,
                BdTlsOption              option,
                const char              *name)
{
  const char *path = config->tls[option];
  int fd = open (path, O_RDONLY | O_CLOEXEC);

  if (fd < 0)
    {
      int saved = errno;
      return tls_config_error (error, config, option, name, "cannot read “%s”: %s",
                               path, g_strerror (saved));
    }
  close (fd);
  return TRUE;
}

static char *
asn1_time_to_string (const ASN1_TIME *time)
{
  struct tm tm;

  if (ASN1_TIME_to_tm (time, &tm) != 1)
    return g_strdup ("an unreadable date");
  return g_strdup_printf ("%04d-%02d-%02d %02d:%02d:%02d UTC", tm.tm_year + 1900, tm.tm_mon + 1,
                          tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* Never ask for a pass phrase on a terminal: an encrypted key is an error. */
static int
no_password_cb (char *buf,
                int   size,
                int   rwflag,
                void *user_data)
{
  return 0;
}

static gboolean
context_load_key (SSL_CTX                 *ctx,
                  const BdListenerConfig  *config,
                  GError                 **error)
{
  const char *keyfile = config->tls[BD_TLS_KEYFILE];
  EVP_PKEY *key;
  BIO *bio;
  gboolean ok;

  if (!check_readable (error, config, BD_TLS_KEYFILE, "keyfile"))
    return FALSE;
  bio = BIO_new_file (keyfile, "r");
  key = bio != NULL ? PEM_read_bio_PrivateKey (bio, NULL, no_password_cb, NULL) : NULL;
  BIO_free (bio);
  if (key == NULL)
    return tls_config_error (error, config, BD_TLS_KEYFILE, "keyfile",
                             "“%s” holds no unencrypted PEM private key (%s)",
                             keyfile, openssl_reason ());
  /* OpenSSL checks the key against the certificate already loaded. */
  ok = SSL_CTX_use_PrivateKey (ctx, key) == 1 && SSL_CTX_check_private_key (ctx) == 1;
  EVP_PKEY_free (key);
  if (!ok)
    {
      ERR_clear_error ();
      return tls_config_error (error, config, BD_TLS_KEYFILE, "keyfile",
                               "the key in “%s” does not match the certificate in “%s”",
                               keyfile, config->tls[BD_TLS_CERTFILE]);
    }
  return TRUE;
}

static gboolean
context_load_certificate (BdTlsContext            *tls,
                          const BdListenerConfig  *config,
                          GError                 **error)
{
  const char *certfile = config->tls[BD_TLS_CERTFILE];
  X509 *cert;

  if (!check_readable (error, config, BD_TLS_CERTFILE, "certfile"))
    return FALSE;
  if (SSL_CTX_use_certificate_chain_file (tls->ctx, certfile) != 1)
    return tls_config_error (error, config, BD_TLS_CERTFILE, "certfile",
                             "“%s” holds no PEM certificate (%s)", certfile, openssl_reason ());

  cert = SSL_CTX_get0_certificate (tls->ctx);
  tls->certificate = _bd_certificate_info_new (cert);

  /* Every client would refuse it: say so now rather than in each handshake. */
  if (X509_cmp_current_time (X509_get0_notAfter (cert)) <= 0)
    {
      g_autofree char *when = asn1_time_to_string (X509_get0_notAfter (cert));
      return tls_config_error (error, config, BD_TLS_CERTFILE, "certfile",
                               "the certificate in “%s” (%s) expired on %s",
                               certfile, tls->certificate->subject, when);
    }
  if (X509_cmp_current_time (X509_get0_notBefore (cert)) >= 0)
    {
      g_autofree char *when = asn1_time_to_string (X509_get0_notBefore (cert));
      return tls_config_error (error, config, BD_TLS_CERTFILE, "certfile",
                               "the certificate in “%s” (%s) is not valid before %s",
                               certfile, tls->certificate->subject, when);
    }
  return TRUE;
}

static gboolean
context_load_verify (SSL_CTX                 *ctx,
                     const BdListenerConfig  *config,
                     GError                 **error)
{
  const char *cafile = config->tls[BD_TLS_CAFILE];
  const char *capath = config->tls[BD_TLS_CAPATH];
  const char *crlfile = config->tls[BD_TLS_CRLFILE];

  if (cafile != NULL)
    {
      STACK_OF (X509_NAME) *names;

      if (!check_readable (error, config, BD_TLS_CAFILE, "cafile"))
        return FALSE;
      if (SSL_CTX_load_verify_file (ctx, cafile) != 1)
        return tls_config_error (error, config, BD_TLS_CAFILE, "cafile",
                                 "“%s” holds no PEM certificate (%s)", cafile, openssl_reason ());
      /* Named in the certificate request, so a client with several
       * certificates picks one this listener trusts. */
      names = SSL_load_client_CA_file (cafile);
      if (names != NULL)
        SSL_CTX_set_client_CA_list (ctx, names);
    }
  if (capath != NULL && SSL_CTX_load_verify_dir (ctx, capath) != 1)
    return tls_config_error (error, config, BD_TLS_CAPATH, "capath",
                             "cannot use “%s” (%s)", capath, openssl_reason ());

  if (config->require_certificate)
    {
      if (cafile == NULL && capath == NULL)
        return tls_config_error (error, config, BD_TLS_CERTFILE, "require_certificate",
                                 "needs cafile or capath to check client certificates against");
      SSL_CTX_set_verify (ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
    }

  if (crlfile != NULL)
    {
      X509_STORE *store = SSL_CTX_get_cert_store (ctx);
      X509_LOOKUP *lookup = X509_STORE_add_lookup (store, X509_LOOKUP_file ());

      if (!check_readable (error, config, BD_TLS_CRLFILE, "crlfile"))
        return FALSE;
      if (lookup == NULL || X509_load_crl_file (lookup, crlfile, X509_FILETYPE_PEM) < 1)
        return tls_config_error (error, config, BD_TLS_CRLFILE, "crlfile",
                                 "“%s” holds no PEM revocation list (%s)", crlfile, openssl_reason ());
      X509_STORE_set_flags (store, X509_V_FLAG_CRL_CHECK);
    }
  return TRUE;
}

/* TLS 1.2's DHE cipher suites need Diffie-Hellman parameters (ECDHE, and
 * TLS 1.3's groups, do not). Without a dhparamfile OpenSSL picks a
 * standard group as large as the certificate's key, as Mosquitto lets it,
 * so an older device that only speaks DHE still gets in; the file's own
 * parameters replace that. OpenSSL refuses parameters below its security
 * level (2048 bits on Debian), which names the line here rather than
 * failing each handshake. */
static gboolean
context_load_dh (SSL_CTX                 *ctx,
                 const BdListenerConfig  *config,
                 GError                 **error)
{
  const char *dhparamfile = config->tls[BD_TLS_DHPARAMFILE];
  EVP_PKEY *params = NULL;
  BIO *bio;

  if (dhparamfile == NULL)
    return SSL_CTX_set_dh_auto (ctx, 1) == 1 ||
           tls_config_error (error, config, BD_TLS_CERTFILE, "certfile",
                             "cannot set up TLS: %s", openssl_reason ());
  if (!check_readable (error, config, BD_TLS_DHPARAMFILE, "dhparamfile"))
    return FALSE;

  bio = BIO_new_file (dhparamfile, "r");
  if (bio != NULL)
    params = PEM_read_bio_Parameters (bio, NULL);
  BIO_free (bio);
  if (params == NULL || (EVP_PKEY_get_base_id (params) != EVP_PKEY_DH &&
                         EVP_PKEY_get_base_id (params) != EVP_PKEY_DHX))
    {
      EVP_PKEY_free (params);
      ERR_clear_error ();
      return tls_config_error (error, config, BD_TLS_DHPARAMFILE, "dhparamfile",
                               "“%s” holds no PEM Diffie-Hellman parameters", dhparamfile);
    }
  /* On success the context owns the parameters. */
  if (SSL_CTX_set0_tmp_dh_pkey (ctx, params) != 1)
    {
      int bits = EVP_PKEY_get_bits (params);

      EVP_PKEY_free (params);
      return tls_config_error (error, config, BD_TLS_DHPARAMFILE, "dhparamfile",
                               "OpenSSL refuses the %d-bit parameters in “%s” (%s)",
                               bits, dhparamfile, openssl_reason ());
    }
  return TRUE;
}

/* OpenSSL asks for the key of the identity a client names, in the
 * handshake's thread. An unknown identity ends the handshake. */
static unsigned int
psk_server_cb (SSL           *ssl,
               const char    *identity,
               unsigned char *psk,
               unsigned int   max_psk_len)
{
  BdTlsContext *tls = SSL_CTX_get_app_data (SSL_get_SSL_CTX (ssl));
  BdTlsTransport *transport;
  GBytes *key;
  gsize len;

  if (identity == NULL || tls == NULL || tls->psk_keys == NULL)
    return 0;
  key = g_hash_table_lookup (tls->psk_keys, identity);
  if (key == NULL || g_bytes_get_size (key) > max_psk_len)
    return 0;
  len = g_bytes_get_size (key);
  memcpy (psk, g_bytes_get_data (key, NULL), len);
  transport = SSL_get_app_data (ssl);
  g_free (transport->psk_identity);
  transport->psk_identity = g_strdup (identity);
  return (unsigned int) len;
}

/* One line of a psk_file, as Mosquitto reads it: IDENTITY:HEXKEY. Two keys
 * for one identity are refused rather than one of them picked, as for the
 * password file. */
static gboolean
parse_psk_line (gpointer     data,
                const char  *path,
                guint        number,
                char        *line,
                GError     **error)
{
  GHashTable *keys = data;
  char *colon = strchr (line, ':');
  const char *hex = colon != NULL ? colon + 1 : "";
  gsize n_hex = strlen (hex);
  guint8 *key;

  if (colon == NULL || colon == line || n_hex == 0 || n_hex % 2 != 0 ||
      n_hex / 2 > PSK_MAX_PSK_LEN || strspn (hex, "0123456789abcdefABCDEF") != n_hex)
    return _bd_config_parse_error (error, path, number,
                                   "not IDENTITY:KEY with the key in hexadecimal digits "
                                   "(at most %d bytes)", PSK_MAX_PSK_LEN);
  *colon = '\0';
  if (g_hash_table_contains (keys, line))
    return _bd_config_parse_error (error, path, number, "identity “%s” is given twice", line);

  key = g_malloc (n_hex / 2);
  for (gsize i = 0; i < n_hex / 2; i++)
    key[i] = (guint8) (g_ascii_xdigit_value (hex[2 * i]) << 4 |
                       g_ascii_xdigit_value (hex[2 * i + 1]));
  g_hash_table_insert (keys, g_strdup (line), g_bytes_new_take (key, n_hex / 2));
  return TRUE;
}

/* A line that is not IDENTITY:HEXKEY stops start-up with its number, rather
 * than leaving a device unable to connect for a reason nobody is told. */
static gboolean
context_load_psk (BdTlsContext            *tls,
                  const BdListenerConfig  *config,
                  GError                 **error)
{
  const char *hint = config->tls[BD_TLS_PSK_HINT];
  g_autoptr(GError) local_error = NULL;

  if (hint == NULL)
    return TRUE;
  if (config->psk_file == NULL)
    return tls_config_error (error, config, BD_TLS_PSK_HINT, "psk_hint",
                             "a TLS-PSK listener needs a psk_file with its clients' keys");

  tls->psk_keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) g_bytes_unref);
  if (!_bd_config_read_lines (config->psk_file, parse_psk_line, tls->psk_keys, &local_error))
    return tls_config_error (error, config, BD_TLS_PSK_HINT, "psk_file", "%s",
                             local_error->message);

  if (SSL_CTX_use_psk_identity_hint (tls->ctx, hint) != 1)
    return tls_config_error (error, config, BD_TLS_PSK_HINT, "psk_hint",
                             "“%s” is not a hint OpenSSL can send (%s)", hint, openssl_reason ());
  SSL_CTX_set_app_data (tls->ctx, tls);
  SSL_CTX_set_psk_server_callback (tls->ctx, psk_server_cb);
  return TRUE;
}

gboolean
_bd_tls_listener_wants_tls (const BdListenerConfig *config)
{
  for (guint i = 0; i < BD_TLS_N_OPTIONS; i++)
    if (config->tls[i] != NULL)
      return TRUE;
  return config->require_certificate;
}

BdTlsContext *
_bd_tls_context_new (const BdListenerConfig  *config,
                     GError                 **error)
{
  g_autoptr(BdTlsContext) tls = g_new0 (BdTlsContext, 1);
  const char *version = config->tls[BD_TLS_VERSION];
  static const guchar session_context[] = "brokerdesk";
  int min_version = TLS1_2_VERSION;
  gboolean has_certificate;

  g_atomic_ref_count_init (&tls->ref_count);
  /* A PSK listener needs no certificate; with one, it serves both kinds of
   * client. */
  has_certificate = config->tls[BD_TLS_CERTFILE] != NULL || config->tls[BD_TLS_KEYFILE] != NULL ||
                    config->tls[BD_TLS_PSK_HINT] == NULL;
  if (has_certificate &&
      (config->tls[BD_TLS_CERTFILE] == NULL || config->tls[BD_TLS_KEYFILE] == NULL))
    {
      BdTlsOption given = BD_TLS_CAFILE;

      for (guint i = 0; i < BD_TLS_N_OPTIONS; i++)
        if (config->tls_where[i] != NULL)
          {
            given = i;
            break;
          }
      tls_config_error (error, config, given, "listener",
                        "a TLS listener needs both certfile and keyfile");
      return NULL;
    }

  ERR_clear_error ();
  tls->ctx = SSL_CTX_new (TLS_server_method ());
  if (tls->ctx == NULL)
    {
      tls_config_error (error, config, BD_TLS_CERTFILE, "certfile", "cannot set up TLS: %s",
                        openssl_reason ());
      return NULL;
    }

  if (g_strcmp0 (version, "tlsv1.1") == 0)
    min_version = TLS1_1_VERSION;
  else if (g_strcmp0 (version, "tlsv1.3") == 0)
    min_version = TLS1_3_VERSION;
  SSL_CTX_set_min_proto_version (tls->ctx, min_version);
  /* No renegotiation (a client could make the broker do handshakes for
   * ever); an end of stream without close_notify is an ordinary close for
   * MQTT, which has its own DISCONNECT. */
  SSL_CTX_set_options (tls->ctx, SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE |
                                 SSL_OP_NO_RENEGOTIATION | SSL_OP_IGNORE_UNEXPECTED_EOF);
  /* Partial writes and a moving buffer: the connection's output buffer
   * grows between retries. Released buffers: an idle TLS client keeps no
   * 34 KiB of record buffers. */
  SSL_CTX_set_mode (tls->ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                              SSL_MODE_RELEASE_BUFFERS);
  SSL_CTX_set_default_passwd_cb (tls->ctx, no_password_cb);
  SSL_CTX_set_session_id_context (tls->ctx, session_context, sizeof session_context - 1);

  if (config->tls[BD_TLS_CIPHERS] != NULL &&
      SSL_CTX_set_cipher_list (tls->ctx, config->tls[BD_TLS_CIPHERS]) != 1)
    {
      ERR_clear_error ();
      tls_config_error (error, config, BD_TLS_CIPHERS, "ciphers",
                        "no cipher in “%s” is known to OpenSSL", config->tls[BD_TLS_CIPHERS]);
      return NULL;
    }
  if (config->tls[BD_TLS_CIPHERS_TLS13] != NULL &&
      SSL_CTX_set_ciphersuites (tls->ctx, config->tls[BD_TLS_CIPHERS_TLS13]) != 1)
    {
      ERR_clear_error ();
      tls_config_error (error, config, BD_TLS_CIPHERS_TLS13, "ciphers_tls1.3",
                        "“%s” is not a list of TLS 1.3 cipher suites known to OpenSSL",
                        config->tls[BD_TLS_CIPHERS_TLS13]);
      return NULL;
    }

  if ((has_certificate && (!context_load_certificate (tls, config, error) ||
                           !context_load_key (tls->ctx, config, error))) ||
      !context_load_verify (tls->ctx, config, error) ||
      !context_load_dh (tls->ctx, config, error) ||
      !context_load_psk (tls, config, error))
    return NULL;

  return g_steal_pointer (&tls);
}

BdTlsContext *
_bd_tls_context_ref (BdTlsContext *tls)
{
  g_atomic_ref_count_inc (&tls->ref_count);
  return tls;
}

void
_bd_tls_context_unref (BdTlsContext *tls)
{
  if (tls == NULL || !g_atomic_ref_count_dec (&tls->ref_count))
    return;
  if (tls->ctx != NULL)
    SSL_CTX_free (tls->ctx);
  bd_certificate_info_free (tls->certificate);
  g_clear_pointer (&tls->psk_keys, g_hash_table_unref);
  g_free (tls);
}

const char *
_bd_tls_context_get_subject (BdTlsContext *tls)
{
  return tls->certificate != NULL ? tls->certificate->subject : NULL;
}

const char *
_bd_tls_context_get_issuer (BdTlsContext *tls)
{
  return tls->certificate != NULL ? tls->certificate->issuer : NULL;
}

gint64
_bd_tls_context_get_not_after (BdTlsContext *tls)
{
  return tls->certificate != NULL ? tls->certificate->not_after : 0;
}

/* ----------------------------------------------------------- transport */

/* OpenSSL's socket BIO writes with write(): on a socket the client has
 * reset, that raises SIGPIPE and ends the whole broker (OpenSSL writes on
 * its own, a TLS 1.3 session ticket inside SSL_read). This BIO is the
 * socket BIO with send (MSG_NOSIGNAL) instead, as the plain transport
 * writes; a library must not ignore SIGPIPE for the whole process. */
static int
nosignal_write (BIO        *bio,
                const char *data,
                int         len)
{
  int fd = -1;
  int n;

  BIO_get_fd (bio, &fd);
  BIO_clear_retry_flags (bio);
  n = (int) send (fd, data, len, MSG_NOSIGNAL);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
    BIO_set_retry_write (bio);
  return n;
}

static BIO_METHOD *nosignal_method;

static gpointer
nosignal_method_init (gpointer data)
{
  const BIO_METHOD *socket = BIO_s_socket ();
  BIO_METHOD *method = BIO_meth_new (BIO_TYPE_SOCKET, "socket without SIGPIPE");

  BIO_meth_set_write (method, nosignal_write);
  BIO_meth_set_read (method, BIO_meth_get_read (socket));
  BIO_meth_set_puts (method, BIO_meth_get_puts (socket));
  BIO_meth_set_ctrl (method, BIO_meth_get_ctrl (socket));
  BIO_meth_set_create (method, BIO_meth_get_create (socket));
  BIO_meth_set_destroy (method, BIO_meth_get_destroy (socket));
  nosignal_method = method;
  return NULL;
}

static BIO *
nosignal_bio_new (int fd)
{
  static GOnce once = G_ONCE_INIT;
  BIO *bio;

  g_once (&once, nosignal_method_init, NULL);
  bio = BIO_new (nosignal_method);
  if (bio != NULL)
    BIO_set_fd (bio, fd, BIO_NOCLOSE);
  return bio;
}

/* Maps the result @ret of an SSL call to what recv()/send() would return,
 * and sets *waits to the event that call waits for. */
static gssize
tls_status (BdTlsTransport *self,
            int             ret,
            guint32        *waits)
{
  BdTransport *transport = &self->parent;
  int saved = errno;
  long verify;

  switch (SSL_get_error (self->ssl, ret))
    {
    case SSL_ERROR_WANT_READ:
      *waits = EPOLLIN;
      errno = EAGAIN;
      return -1;

    case SSL_ERROR_WANT_WRITE:
      *waits = EPOLLOUT;
      errno = EAGAIN;
      return -1;

    case SSL_ERROR_ZERO_RETURN:
      return 0;

    case SSL_ERROR_SYSCALL:
      if (ERR_peek_error () == 0)
        {
          /* The socket's own error, or its end. */
          errno = saved;
          return saved == 0 ? 0 : -1;
        }
      G_GNUC_FALLTHROUGH;

    default:
      verify = SSL_get_verify_result (self->ssl);
      if (verify != X509_V_OK)
        _bd_transport_set_error (transport,
                                 g_strdup_printf ("TLS handshake failed: client certificate refused: %s",
                                                  X509_verify_cert_error_string (verify)));
      else
        _bd_transport_set_error (transport,
                                 g_strdup_printf ("%s: %s", transport->handshaking
                                                  ? "TLS handshake failed" : "TLS error",
                                                  openssl_reason ()));
      ERR_clear_error ();
      errno = EPROTO;
      return -1;
    }
}

static void
tls_check_handshake (BdTlsTransport *self)
{
  if (self->parent.handshaking && SSL_is_init_finished (self->ssl))
    {
      self->parent.handshaking = FALSE;
      g_debug ("TLS handshake done: %s, %s", SSL_get_version (self->ssl),
               SSL_get_cipher_name (self->ssl));
    }
}

/* Plain MQTT (or HTTP) on a TLS port gets a clear log line, not
 * OpenSSL's "wrong version number": a TLS handshake starts with 0x16.
 * Returns what recv() would, 1 when the first byte is a handshake's. */
static gssize
tls_check_first_byte (BdTlsTransport *self)
{
  BdTransport *transport = &self->parent;
  guint8 first;
  gssize n = recv (transport->fd, &first, 1, MSG_PEEK);

  if (n <= 0)
    return n;
  self->first_byte_seen = TRUE;
  if (first != 0x16)
    {
      _bd_transport_set_error (transport, (first >> 4) == BD_MQTT_CONNECT
                               ? g_strdup ("plain MQTT on a TLS listener (no TLS handshake)")
                               : g_strdup_printf ("not a TLS handshake (first byte 0x%02x)", first));
      errno = EPROTO;
      return -1;
    }
  return 1;
}

static gssize
tls_read (BdTransport *transport,
          guint8      *buf,
          gsize        len)
{
  BdTlsTransport *self = (BdTlsTransport *) transport;
  gsize got = 0;

  if (!self->first_byte_seen)
    {
      gssize n = tls_check_first_byte (self);

      if (n <= 0)
        return n;
    }

  /* Whole records while there is room for one: without read-ahead OpenSSL
   * takes one record at a time from the socket, so what is left stays in
   * the socket and wakes the level-triggered epoll again. */
  for (;;)
    {
      gssize n;

      ERR_clear_error ();
      n = SSL_read (self->ssl, buf + got, (int) MIN (len - got, G_MAXINT));
      tls_check_handshake (self);
      if (n <= 0)
        {
          n = tls_status (self, n, &transport->read_waits);
          return got > 0 ? (gssize) got : n;
        }
      transport->read_waits = EPOLLIN;
      got += n;
      if (len - got < TLS_RECORD_MAX)
        return got;
    }
}

static gssize
tls_write (BdTransport  *transport,
           const guint8 *buf,
           gsize         len)
{
  BdTlsTransport *self = (BdTlsTransport *) transport;
  int n;

  ERR_clear_error ();
  n = SSL_write (self->ssl, buf, (int) MIN (len, G_MAXINT));
  tls_check_handshake (self);
  if (n > 0)
    {
      transport->write_waits = EPOLLOUT;
      return n;
    }
  if (tls_status (self, n, &transport->write_waits) == 0)
    {
      /* The client's close_notify: nothing more can be written. */
      errno = EPIPE;
      return -1;
    }
  return -1;
}

static void
tls_shutdown (BdTransport *transport)
{
  BdTlsTransport *self = (BdTlsTransport *) transport;

  /* close_notify, as far as the socket takes it; then the TCP end. */
  if (!transport->handshaking)
    {
      ERR_clear_error ();
      SSL_shutdown (self->ssl);
      ERR_clear_error ();
    }
  shutdown (transport->fd, SHUT_WR);
}

static void
tls_free (BdTransport *transport)
{
  BdTlsTransport *self = (BdTlsTransport *) transport;

  SSL_free (self->ssl);
  g_free (self->psk_identity);
  g_free (self);
}

static const BdTransportClass tls_class = {
  .name = "mqtt+tls",
  .read = tls_read,
  .write = tls_write,
  .shutdown = tls_shutdown,
  .free = tls_free,
};

BdTransport *
_bd_tls_transport_new (BdTlsContext *tls,
                       int           fd)
{
  BdTlsTransport *self;
  SSL *ssl;
  BIO *bio;

  ERR_clear_error ();
  ssl = SSL_new (tls->ctx);
  bio = ssl != NULL ? nosignal_bio_new (fd) : NULL;
  if (bio == NULL)
    {
      g_warning ("Cannot set up TLS for a new connection: %s", openssl_reason ());
      SSL_free (ssl);
      return NULL;
    }
  SSL_set_bio (ssl, bio, bio);
  SSL_set_accept_state (ssl);
  /* OpenSSL writes the handshake's last flight, the session tickets and
   * then the first records in separate small writes: without this, each
   * one after the first waited for the client's delayed ACK (40 ms), which
   * halved the handshakes per second. */
  _bd_transport_set_nodelay (fd);

  self = g_new0 (BdTlsTransport, 1);
  _bd_transport_init (&self->parent, &tls_class, fd);
  /* For psk_server_cb (), which names the client. */
  SSL_set_app_data (ssl, self);
  self->parent.handshaking = TRUE;
  self->ssl = ssl;
  return &self->parent;
}

/* The TLS transport carrying @transport (itself, or under a WebSocket);
 * NULL when it is not encrypted. */
BdTransport *
_bd_tls_transport_find (BdTransport *transport)
{
  BdTransport *inner = _bd_websocket_transport_get_inner (transport);

  if (inner != NULL)
    transport = inner;
  return transport != NULL && transport->klass == &tls_class ? transport : NULL;
}

/* One step of the handshake of @transport (a TLS transport), in whichever
 * thread holds it. Returns what a read would: 1 once the handshake is over,
 * 0 when the client closed, -1 with errno (EAGAIN: read_waits says what it
 * waits for; EPROTO: the reason in transport->error). */
gssize
_bd_tls_transport_handshake (BdTransport *transport)
{
  BdTlsTransport *self = (BdTlsTransport *) transport;
  int ret;

  g_assert (transport->klass == &tls_class);

  if (!self->first_byte_seen)
    {
      gssize n = tls_check_first_byte (self);

      if (n <= 0)
        return n;
    }
  ERR_clear_error ();
  ret = SSL_do_handshake (self->ssl);
  tls_check_handshake (self);
  if (ret == 1)
    {
      transport->read_waits = EPOLLIN;
      return 1;
    }
  return tls_status (self, ret, &transport->read_waits);
}

/* The TLS version of @transport ("TLSv1.3"), NULL when it is not TLS. */
const char *
_bd_tls_transport_get_version (BdTransport *transport)
{
  if (transport == NULL || transport->klass != &tls_class)
    return NULL;
  return SSL_get_version (((BdTlsTransport *) transport)->ssl);
}

char *
_bd_tls_transport_dup_peer_name (BdTransport *transport,
                                 gboolean     whole_subject)
{
  X509 *cert;
  X509_NAME *name;
  int index;
  unsigned char *utf8 = NULL;
  int len;
  char *text;

  if (transport == NULL || transport->klass != &tls_class)
    return NULL;
  /* As Mosquitto: a client that came in with a pre-shared key is named by
   * its PSK identity, whichever of the two options asks. */
  if (((BdTlsTransport *) transport)->psk_identity != NULL)
    return g_strdup (((BdTlsTransport *) transport)->psk_identity);
  cert = SSL_get0_peer_certificate (((BdTlsTransport *) transport)->ssl);
  if (cert == NULL)
    return NULL;
  name = X509_get_subject_name (cert);
  if (whole_subject)
    return _bd_certificate_name_to_string (name);

  index = X509_NAME_get_index_by_NID (name, NID_commonName, -1);
  if (index < 0)
    return NULL;
  len = ASN1_STRING_to_UTF8 (&utf8, X509_NAME_ENTRY_get_data (X509_NAME_get_entry (name, index)));
  if (len < 0)
    return NULL;
  text = g_strndup ((const char *) utf8, len);
  OPENSSL_free (utf8);
  return text;
}
