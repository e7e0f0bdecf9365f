/* bd-certificates.h — the listeners' certificates, read and made on workers
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "bd-certificate.h"
#include "bd-config.h"
#include "bd-engine.h"

G_BEGIN_DECLS

/* Whether @listener is a TLS listener (certfile and keyfile). */
gboolean   bd_certificates_listener_has_tls (const BdListenerConfig *listener);
/* Whether its clients talk TLS: with a certificate, or with pre-shared keys
 * (psk_hint) only. */
gboolean   bd_certificates_listener_encrypts (const BdListenerConfig *listener);

/* The file a client on this computer verifies @listener's certificate
 * (@info, may be NULL) with, for --cafile: the listener's cafile, the
 * authority beside a certificate Brokerdesk made, or a self-signed
 * certificate itself; NULL when it needs the system's authorities. */
char      *bd_certificates_dup_client_cafile (const BdListenerConfig  *listener,
                                              const BdCertificateInfo *info);

/* The certificate of each of @listeners (BdListenerInfo*, as
 * bd_engine_dup_listeners() gives them), read on a worker: a GPtrArray as
 * long as @listeners, of BdCertificateInfo* (NULL for a listener without TLS
 * or whose certificate cannot be read). */
void       bd_certificates_read_async   (GPtrArray            *listeners,
                                         GCancellable         *cancellable,
                                         GAsyncReadyCallback   callback,
                                         gpointer              user_data);
GPtrArray *bd_certificates_read_finish  (GAsyncResult         *result,
                                         GError              **error);

/* Where "a certificate for this computer" is kept: @data_dir/certificates. */
char      *bd_certificates_dup_local_dir (const char *data_dir);

/* The names and addresses clients may use to reach this computer: its host
 * name (and NAME.local), localhost, 127.0.0.1, ::1 and the addresses of its
 * interfaces. Reads the interfaces: not for the main thread. */
void       bd_certificates_list_local_names (GPtrArray *dns_names,
                                             GPtrArray *ip_addresses);

/* Makes the local authority (once) and a server certificate for this
 * computer in bd_certificates_dup_local_dir (@data_dir), on a worker. */
void       bd_certificates_create_local_async  (const char          *data_dir,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
gboolean   bd_certificates_create_local_finish (GAsyncResult        *result,
                                                GError             **error);

/* bd_certificate_check_pair () on a worker. */
void       bd_certificates_check_pair_async  (const char          *cert_path,
                                              const char          *key_path,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
gboolean   bd_certificates_check_pair_finish (GAsyncResult        *result,
                                              GError             **error);

G_END_DECLS
