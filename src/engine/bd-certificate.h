/* bd-certificate.h — reading and making the PEM certificates of TLS listeners
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Both read or write files: call them on a worker thread, never on the main
 * or the engine thread.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  char   *subject;    /* RFC 2253, e.g. "CN=plant-pc,O=Brokerdesk" */
  char   *issuer;
  gint64  not_after;  /* Unix time */
} BdCertificateInfo;

/* The first certificate in the PEM file @path (a chain's leaf), or NULL with
 * @error naming the file. */
BdCertificateInfo *bd_certificate_info_read (const char        *path,
                                             GError           **error);
void               bd_certificate_info_free (BdCertificateInfo *info);

/* Whether @cert_path and @key_path make a server certificate a listener can
 * use: a readable PEM certificate, not expired, and the unencrypted key that
 * matches it. FALSE with @error saying what is wrong otherwise. */
gboolean bd_certificate_check_pair (const char  *cert_path,
                                    const char  *key_path,
                                    GError     **error);

/* A server certificate is warned about this many days before it expires. */
#define BD_CERTIFICATE_WARN_DAYS 14

typedef enum
{
  BD_CERTIFICATE_VALID,
  BD_CERTIFICATE_EXPIRING,  /* within BD_CERTIFICATE_WARN_DAYS */
  BD_CERTIFICATE_EXPIRED,
} BdCertificateState;

/* How @info stands at @now (Unix time); @days_left (may be NULL): the days
 * until it expires, counting a part of a day as one (so a certificate
 * made for 3 days says 3), 0 once it has expired. */
BdCertificateState bd_certificate_info_get_state (const BdCertificateInfo *info,
                                                  gint64                   now,
                                                  int                     *days_left);

/* Where bd_certificate_create_local () writes, inside one folder. */
#define BD_CERTIFICATE_CA_CERT     "ca.crt"
#define BD_CERTIFICATE_CA_KEY      "ca.key"
#define BD_CERTIFICATE_SERVER_CERT "server.crt"
#define BD_CERTIFICATE_SERVER_KEY  "server.key"

/* Makes a server certificate for @dns_names and @ip_addresses (the subject
 * alternative names clients check), signed by a local certificate authority
 * kept in @dir beside it. The authority is made once and reused, so devices
 * that trust it keep trusting the next server certificate. Keys are written
 * with mode 0600, everything atomically. */
gboolean bd_certificate_create_local (const char         *dir,
                                      const char * const *dns_names,
                                      const char * const *ip_addresses,
                                      GError            **error);

/* The RFC 2253 text of an OpenSSL X509_NAME (passed as a pointer, so that
 * this header needs no OpenSSL). */
char    *_bd_certificate_name_to_string (const void *x509_name);
/* The subject, issuer and end of validity of an OpenSSL X509 (passed as a
 * pointer, likewise). */
BdCertificateInfo *_bd_certificate_info_new (const void *x509);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BdCertificateInfo, bd_certificate_info_free)

G_END_DECLS
