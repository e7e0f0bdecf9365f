/* bd-certificates.c — the listeners' certificates, read and made on workers
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The file work is bd-certificate.c's (OpenSSL, in the engine); this file
 * moves it off the caller's thread and knows where this computer's own
 * certificate lives and which names it must carry.
 */

#include "config.h"

#include <ifaddrs.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "bd-certificates.h"

gboolean
bd_certificates_listener_has_tls (const BdListenerConfig *listener)
{
  return listener->tls[BD_TLS_CERTFILE] != NULL && listener->tls[BD_TLS_KEYFILE] != NULL;
}

gboolean
bd_certificates_listener_encrypts (const BdListenerConfig *listener)
{
  return bd_certificates_listener_has_tls (listener) || listener->tls[BD_TLS_PSK_HINT] != NULL;
}

char *
bd_certificates_dup_client_cafile (const BdListenerConfig  *listener,
                                   const BdCertificateInfo *info)
{
  const char *certfile = listener->tls[BD_TLS_CERTFILE];
  g_autofree char *base = NULL;

  if (listener->tls[BD_TLS_CAFILE] != NULL)
    return g_strdup (listener->tls[BD_TLS_CAFILE]);
  if (certfile == NULL)
    return NULL;
  base = g_path_get_basename (certfile);
  if (g_strcmp0 (base, BD_CERTIFICATE_SERVER_CERT) == 0)
    {
      g_autofree char *dir = g_path_get_dirname (certfile);

      return g_build_filename (dir, BD_CERTIFICATE_CA_CERT, NULL);
    }
  if (info != NULL && g_strcmp0 (info->subject, info->issuer) == 0)
    return g_strdup (certfile);
  return NULL;
}

static void
read_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  char **paths = task_data;
  guint n = g_strv_length (paths);
  GPtrArray *infos = g_ptr_array_new_full (n, (GDestroyNotify) bd_certificate_info_free);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GError) error = NULL;
      BdCertificateInfo *info = NULL;

      /* "" stands for a listener without TLS. */
      if (*paths[i] != '\0')
        {
          info = bd_certificate_info_read (paths[i], &error);
          if (info == NULL)
            g_debug ("Certificate not read: %s", error->message);
        }
      g_ptr_array_add (infos, info);
    }
  g_task_return_pointer (task, infos, (GDestroyNotify) g_ptr_array_unref);
}

void
bd_certificates_read_async (GPtrArray           *listeners,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  GStrvBuilder *builder = g_strv_builder_new ();

  /* The paths are copied here: the worker touches nothing of @listeners. */
  for (guint i = 0; i < listeners->len; i++)
    {
      const BdListenerConfig *listener = ((BdListenerInfo *) g_ptr_array_index (listeners,
                                                                                i))->config;

      g_strv_builder_add (builder, bd_certificates_listener_has_tls (listener)
                                   ? listener->tls[BD_TLS_CERTFILE] : "");
    }
  g_task_set_source_tag (task, bd_certificates_read_async);
  g_task_set_task_data (task, g_strv_builder_end (builder), (GDestroyNotify) g_strfreev);
  g_strv_builder_unref (builder);
  g_task_run_in_thread (task, read_thread);
}

GPtrArray *
bd_certificates_read_finish (GAsyncResult  *result,
                             GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

char *
bd_certificates_dup_local_dir (const char *data_dir)
{
  return g_build_filename (data_dir, "certificates", NULL);
}

static void
add_unique (GPtrArray  *array,
            const char *text)
{
  if (!g_ptr_array_find_with_equal_func (array, text, g_str_equal, NULL))
    g_ptr_array_add (array, g_strdup (text));
}

void
bd_certificates_list_local_names (GPtrArray *dns_names,
                                  GPtrArray *ip_addresses)
{
  const char *host = g_get_host_name ();
  struct ifaddrs *interfaces = NULL;

  /* The host name first: it becomes the certificate's common name. */
  add_unique (dns_names, host);
  if (strchr (host, '.') == NULL)
    {
      /* Plant networks often resolve a computer by mDNS only. */
      g_autofree char *local = g_strconcat (host, ".local", NULL);

      add_unique (dns_names, local);
    }
  add_unique (dns_names, "localhost");
  add_unique (ip_addresses, "127.0.0.1");
  add_unique (ip_addresses, "::1");

  if (getifaddrs (&interfaces) != 0)
    return;
  for (struct ifaddrs *i = interfaces; i != NULL; i = i->ifa_next)
    {
      g_autoptr(GInetAddress) address = NULL;
      g_autofree char *text = NULL;

      if (i->ifa_addr == NULL)
        continue;
      if (i->ifa_addr->sa_family == AF_INET)
        {
          const struct sockaddr_in *in = (const struct sockaddr_in *) i->ifa_addr;

          address = g_inet_address_new_from_bytes ((const guint8 *) &in->sin_addr,
                                                   G_SOCKET_FAMILY_IPV4);
        }
      else if (i->ifa_addr->sa_family == AF_INET6)
        {
          const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *) i->ifa_addr;

          address = g_inet_address_new_from_bytes ((const guint8 *) &in6->sin6_addr,
                                                   G_SOCKET_FAMILY_IPV6);
        }
      /* A link-local IPv6 address needs its interface in a URL, which no
       * certificate can name. */
      if (address == NULL || g_inet_address_get_is_link_local (address))
        continue;
      text = g_inet_address_to_string (address);
      add_unique (ip_addresses, text);
    }
  freeifaddrs (interfaces);
}

static void
create_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  const char *dir = task_data;
  g_autoptr(GPtrArray) dns_names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) ip_addresses = g_ptr_array_new_with_free_func (g_free);
  GError *error = NULL;

  bd_certificates_list_local_names (dns_names, ip_addresses);
  g_ptr_array_add (dns_names, NULL);
  g_ptr_array_add (ip_addresses, NULL);
  if (!bd_certificate_create_local (dir, (const char * const *) dns_names->pdata,
                                    (const char * const *) ip_addresses->pdata, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
bd_certificates_create_local_async (const char          *data_dir,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, bd_certificates_create_local_async);
  g_task_set_task_data (task, bd_certificates_dup_local_dir (data_dir), g_free);
  g_task_run_in_thread (task, create_thread);
}

gboolean
bd_certificates_create_local_finish (GAsyncResult  *result,
                                     GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
check_pair_thread (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  char **paths = task_data;
  GError *error = NULL;

  if (!bd_certificate_check_pair (paths[0], paths[1], &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
bd_certificates_check_pair_async (const char          *cert_path,
                                  const char          *key_path,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  char **paths = g_new0 (char *, 3);

  paths[0] = g_strdup (cert_path);
  paths[1] = g_strdup (key_path);
  g_task_set_source_tag (task, bd_certificates_check_pair_async);
  g_task_set_task_data (task, paths, (GDestroyNotify) g_strfreev);
  g_task_run_in_thread (task, check_pair_thread);
}

gboolean
bd_certificates_check_pair_finish (GAsyncResult  *result,
                                   GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}
