/* bd-certificate.c — reading and making the PEM certificates of TLS listeners
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * "A certificate for this computer" is what a plant without its own PKI
 * needs: a small certificate authority whose certificate the devices are
 * given once, and a server certificate it signs for every name and address
 * the devices may use to reach this computer. Keys are ECDSA P-256: every
 * TLS 1.2 and 1.3 client has it, and it is made in a millisecond.
 */

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "bd-certificate.h"
#include "bd-settings-file.h"

/* How long each stays valid. The authority outlives many server
 * certificates; a server certificate of about two years is what clients
 * that cap validity (browsers: 825 days) still accept. */
#define CA_DAYS     (10 * 365)
#define SERVER_DAYS 825

char *
_bd_certificate_name_to_string (const void *x509_name)
{
  BIO *bio = BIO_new (BIO_s_mem ());
  char *data = NULL;
  long len;
  char *text;

  X509_NAME_print_ex (bio, x509_name, 0, XN_FLAG_RFC2253);
  len = BIO_get_mem_data (bio, &data);
  text = g_strndup (data, len);
  BIO_free (bio);
  return text;
}

static gboolean
openssl_error (GError     **error,
               const char  *what,
               const char  *path)
{
  unsigned long code = ERR_get_error ();
  char reason[256] = "unknown reason";

  if (code != 0)
    ERR_error_string_n (code, reason, sizeof reason);
  ERR_clear_error ();
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s “%s”: %s", what, path, reason);
  return FALSE;
}

static X509 *
read_certificate (const char  *path,
                  GError     **error)
{
  g_autofree char *contents = NULL;
  gsize length;
  BIO *bio;
  X509 *cert;

  if (!g_file_get_contents (path, &contents, &length, error))
    return NULL;
  bio = BIO_new_mem_buf (contents, (int) length);
  cert = PEM_read_bio_X509 (bio, NULL, NULL, NULL);
  BIO_free (bio);
  if (cert == NULL)
    openssl_error (error, "No PEM certificate in", path);
  return cert;
}

BdCertificateInfo *
_bd_certificate_info_new (const void *x509)
{
  const X509 *cert = x509;
  BdCertificateInfo *info = g_new0 (BdCertificateInfo, 1);
  struct tm tm;

  info->subject = _bd_certificate_name_to_string (X509_get_subject_name (cert));
  info->issuer = _bd_certificate_name_to_string (X509_get_issuer_name (cert));
  if (ASN1_TIME_to_tm (X509_get0_notAfter (cert), &tm) == 1)
    info->not_after = timegm (&tm);
  return info;
}

BdCertificateInfo *
bd_certificate_info_read (const char  *path,
                          GError     **error)
{
  X509 *cert;
  BdCertificateInfo *info;

  g_return_val_if_fail (path != NULL, NULL);

  cert = read_certificate (path, error);
  if (cert == NULL)
    return NULL;
  info = _bd_certificate_info_new (cert);
  X509_free (cert);
  return info;
}

void
bd_certificate_info_free (BdCertificateInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->subject);
  g_free (info->issuer);
  g_free (info);
}

BdCertificateState
bd_certificate_info_get_state (const BdCertificateInfo *info,
                               gint64                   now,
                               int                     *days_left)
{
  gint64 left = info->not_after - now;

  if (days_left != NULL)
    *days_left = left > 0 ? (int) ((left + 24 * 3600 - 1) / (24 * 3600)) : 0;
  if (left <= 0)
    return BD_CERTIFICATE_EXPIRED;
  if (left <= (gint64) BD_CERTIFICATE_WARN_DAYS * 24 * 3600)
    return BD_CERTIFICATE_EXPIRING;
  return BD_CERTIFICATE_VALID;
}

gboolean
bd_certificate_check_pair (const char  *cert_path,
                           const char  *key_path,
                           GError     **error)
{
  g_autofree char *contents = NULL;
  gsize length;
  X509 *cert;
  EVP_PKEY *key = NULL;
  gboolean ok = FALSE;

  cert = read_certificate (cert_path, error);
  if (cert == NULL)
    return FALSE;
  if (X509_cmp_current_time (X509_get0_notAfter (cert)) <= 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "The certificate in “%s” has expired", cert_path);
      goto out;
    }
  if (!g_file_get_contents (key_path, &contents, &length, error))
    goto out;
  {
    BIO *bio = BIO_new_mem_buf (contents, (int) length);

    /* An empty pass phrase: an encrypted key fails here, as it would at
     * start-up, where nobody is asked for one. */
    key = PEM_read_bio_PrivateKey (bio, NULL, NULL, (void *) "");
    BIO_free (bio);
  }
  if (key == NULL)
    {
      openssl_error (error, "No unencrypted PEM key in", key_path);
      goto out;
    }
  if (X509_check_private_key (cert, key) != 1)
    {
      ERR_clear_error ();
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "The key in “%s” does not match the certificate in “%s”",
                   key_path, cert_path);
      goto out;
    }
  ok = TRUE;

out:
  EVP_PKEY_free (key);
  X509_free (cert);
  return ok;
}

/* ------------------------------------------------------------ making */

static gboolean
save_pem (const char  *path,
          BIO         *bio,
          GError     **error)
{
  char *data = NULL;
  long len = BIO_get_mem_data (bio, &data);

  /* The saver writes mode 0600, which keys need. */
  return bd_settings_file_save (path, data, len, error);
}

static gboolean
save_key (const char  *path,
          EVP_PKEY    *key,
          GError     **error)
{
  BIO *bio = BIO_new (BIO_s_mem ());
  gboolean ok;

  ok = PEM_write_bio_PrivateKey (bio, key, NULL, NULL, 0, NULL, NULL) == 1
       ? save_pem (path, bio, error) : openssl_error (error, "Cannot encode", path);
  BIO_free (bio);
  return ok;
}

static gboolean
save_certificate (const char  *path,
                  X509        *cert,
                  GError     **error)
{
  BIO *bio = BIO_new (BIO_s_mem ());
  gboolean ok;

  ok = PEM_write_bio_X509 (bio, cert) == 1
       ? save_pem (path, bio, error) : openssl_error (error, "Cannot encode", path);
  BIO_free (bio);
  return ok;
}

static gboolean
add_extension (X509       *cert,
               X509       *issuer,
               int         nid,
               const char *value)
{
  X509V3_CTX ctx;
  X509_EXTENSION *extension;
  gboolean ok;

  X509V3_set_ctx (&ctx, issuer, cert, NULL, NULL, 0);
  extension = X509V3_EXT_conf_nid (NULL, &ctx, nid, value);
  if (extension == NULL)
    return FALSE;
  ok = X509_add_ext (cert, extension, -1) == 1;
  X509_EXTENSION_free (extension);
  return ok;
}

/* A certificate for @key named @common_name, valid from now for @days,
 * signed by @issuer_key (its own key for the authority). */
static X509 *
new_certificate (EVP_PKEY   *key,
                 const char *common_name,
                 guint       days,
                 X509       *issuer,
                 EVP_PKEY   *issuer_key)
{
  X509 *cert = X509_new ();
  X509_NAME *name = X509_NAME_new ();
  unsigned char serial[16];
  BIGNUM *number;

  /* A random positive serial: two server certificates of one authority
   * must never share one. */
  RAND_bytes (serial, sizeof serial);
  serial[0] &= 0x7f;
  number = BN_bin2bn (serial, sizeof serial, NULL);
  BN_to_ASN1_INTEGER (number, X509_get_serialNumber (cert));
  BN_free (number);

  X509_set_version (cert, 2);
  /* A minute back, for clocks slightly behind this computer's. */
  X509_gmtime_adj (X509_getm_notBefore (cert), -60);
  X509_gmtime_adj (X509_getm_notAfter (cert), (long) days * 24 * 3600);
  X509_set_pubkey (cert, key);
  X509_NAME_add_entry_by_txt (name, "O", MBSTRING_UTF8, (const unsigned char *) "Brokerdesk",
                              -1, -1, 0);
  X509_NAME_add_entry_by_txt (name, "CN", MBSTRING_UTF8, (const unsigned char *) common_name,
                              -1, -1, 0);
  X509_set_subject_name (cert, name);
  X509_set_issuer_name (cert, issuer != NULL ? X509_get_subject_name (issuer) : name);
  X509_NAME_free (name);
  return cert;
}

static gboolean
sign (X509     *cert,
      EVP_PKEY *key)
{
  return X509_sign (cert, key, EVP_sha256 ()) > 0;
}

/* The authority in @dir, made if it is not there (or cannot be read). */
static gboolean
load_or_make_authority (const char  *ca_cert_path,
                        const char  *ca_key_path,
                        X509       **ca_out,
                        EVP_PKEY   **ca_key_out,
                        GError     **error)
{
  g_autofree char *host = NULL;
  X509 *ca;
  EVP_PKEY *key = NULL;

  ca = read_certificate (ca_cert_path, NULL);
  if (ca != NULL)
    {
      g_autofree char *contents = NULL;
      gsize length;

      if (g_file_get_contents (ca_key_path, &contents, &length, NULL))
        {
          BIO *bio = BIO_new_mem_buf (contents, (int) length);

          key = PEM_read_bio_PrivateKey (bio, NULL, NULL, NULL);
          BIO_free (bio);
        }
      if (key != NULL && X509_check_private_key (ca, key) == 1)
        {
          *ca_out = ca;
          *ca_key_out = key;
          return TRUE;
        }
      ERR_clear_error ();
      EVP_PKEY_free (key);
      X509_free (ca);
    }

  key = EVP_EC_gen ("P-256");
  if (key == NULL)
    return openssl_error (error, "Cannot make a key for", ca_key_path);
  /* Named after the computer, so that a device trusting several plants'
   * authorities shows which one this is. */
  host = g_strdup_printf ("Brokerdesk CA on %s", g_get_host_name ());
  ca = new_certificate (key, host, CA_DAYS, NULL, NULL);
  if (!add_extension (ca, ca, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") ||
      !add_extension (ca, ca, NID_key_usage, "critical,keyCertSign,cRLSign") ||
      !add_extension (ca, ca, NID_subject_key_identifier, "hash") ||
      !sign (ca, key))
    {
      X509_free (ca);
      EVP_PKEY_free (key);
      return openssl_error (error, "Cannot sign", ca_cert_path);
    }
  if (!save_key (ca_key_path, key, error) || !save_certificate (ca_cert_path, ca, error))
    {
      X509_free (ca);
      EVP_PKEY_free (key);
      return FALSE;
    }
  *ca_out = ca;
  *ca_key_out = key;
  return TRUE;
}

gboolean
bd_certificate_create_local (const char         *dir,
                             const char * const *dns_names,
                             const char * const *ip_addresses,
                             GError            **error)
{
  g_autofree char *ca_cert_path = g_build_filename (dir, BD_CERTIFICATE_CA_CERT, NULL);
  g_autofree char *ca_key_path = g_build_filename (dir, BD_CERTIFICATE_CA_KEY, NULL);
  g_autofree char *cert_path = g_build_filename (dir, BD_CERTIFICATE_SERVER_CERT, NULL);
  g_autofree char *key_path = g_build_filename (dir, BD_CERTIFICATE_SERVER_KEY, NULL);
  g_autoptr(GString) names = g_string_new (NULL);
  X509 *ca = NULL;
  EVP_PKEY *ca_key = NULL;
  EVP_PKEY *key = NULL;
  X509 *cert = NULL;
  gboolean ok = FALSE;

  g_return_val_if_fail (dir != NULL, FALSE);
  g_return_val_if_fail (dns_names != NULL && dns_names[0] != NULL, FALSE);

  if (!load_or_make_authority (ca_cert_path, ca_key_path, &ca, &ca_key, error))
    return FALSE;

  /* Clients check the subject alternative names, not the common name
   * (RFC 6125): every name and address goes there. */
  for (guint i = 0; dns_names[i] != NULL; i++)
    g_string_append_printf (names, "%sDNS:%s", names->len > 0 ? "," : "", dns_names[i]);
  for (guint i = 0; ip_addresses != NULL && ip_addresses[i] != NULL; i++)
    g_string_append_printf (names, ",IP:%s", ip_addresses[i]);

  key = EVP_EC_gen ("P-256");
  if (key == NULL)
    {
      openssl_error (error, "Cannot make a key for", key_path);
      goto out;
    }
  cert = new_certificate (key, dns_names[0], SERVER_DAYS, ca, ca_key);
  if (!add_extension (cert, ca, NID_basic_constraints, "critical,CA:FALSE") ||
      !add_extension (cert, ca, NID_key_usage, "critical,digitalSignature,keyEncipherment") ||
      !add_extension (cert, ca, NID_ext_key_usage, "serverAuth") ||
      !add_extension (cert, ca, NID_authority_key_identifier, "keyid:always") ||
      !add_extension (cert, ca, NID_subject_alt_name, names->str) ||
      !sign (cert, ca_key))
    {
      openssl_error (error, "Cannot sign", cert_path);
      goto out;
    }
  /* The key first: a certificate without its key would stop the listener. */
  ok = save_key (key_path, key, error) && save_certificate (cert_path, cert, error);

out:
  X509_free (cert);
  EVP_PKEY_free (key);
  X509_free (ca);
  EVP_PKEY_free (ca_key);
  return ok;
}
