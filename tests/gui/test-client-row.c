/* test-client-row.c — a client's row in the Broker page's Clients list
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The transport and TLS version the engine reports (bd_engine_list_clients_async)
 * become words in the row's subtitle and a lock icon with an accessible name.
 */

#include "config.h"

#include <adwaita.h>

#include "bd-client-row.h"
#include "bd-test-gui.h"

static BdClientInfo *
client_info (const char *transport,
             const char *tls_version)
{
  BdClientInfo *info = g_new0 (BdClientInfo, 1);

  info->client_id = g_strdup ("sensor-7");
  info->address = transport != NULL ? g_strdup ("127.0.0.1:50000") : NULL;
  info->connected = transport != NULL;
  info->protocol_level = 4;
  info->subscriptions = 2;
  info->transport = g_strdup (transport);
  info->tls_version = g_strdup (tls_version);
  return info;
}

static char *
transport_label (const char *transport,
                 const char *tls_version)
{
  BdClientInfo *info = client_info (transport, tls_version);
  char *label = bd_client_info_dup_transport_label (info);

  bd_client_info_free (info);
  return label;
}

static void
test_transport_labels (void)
{
  g_autofree char *tcp = transport_label ("mqtt", NULL);
  g_autofree char *tls = transport_label ("mqtt+tls", "TLSv1.3");
  g_autofree char *ws = transport_label ("websockets", NULL);
  g_autofree char *wss = transport_label ("websockets+tls", "TLSv1.2");
  g_autofree char *away = transport_label (NULL, NULL);

  g_assert_cmpstr (tcp, ==, "TCP");
  g_assert_cmpstr (tls, ==, "TLS 1.3");
  g_assert_cmpstr (ws, ==, "WebSocket");
  g_assert_cmpstr (wss, ==, "WebSocket over TLS 1.2");
  g_assert_null (away);
}

/* The row's suffix icon: the lock (the row has an empty image of its own). */
static gboolean
is_lock_image (GtkWidget     *widget,
               gconstpointer  data)
{
  return GTK_IS_IMAGE (widget) &&
         g_str_has_prefix (gtk_image_get_icon_name (GTK_IMAGE (widget)) ?: "", "channel-");
}

static GtkWidget *
find_image (GtkWidget *widget)
{
  return bd_test_find_widget (widget, is_lock_image, NULL);
}

static void
test_row_says_transport (void)
{
  BdClientInfo *tls = client_info ("mqtt+tls", "TLSv1.3");
  BdClientInfo *plain = client_info ("mqtt", NULL);
  BdClientInfo *away = client_info (NULL, NULL);
  GtkWidget *tls_row = g_object_ref_sink (bd_client_row_new (tls));
  GtkWidget *plain_row = g_object_ref_sink (bd_client_row_new (plain));
  GtkWidget *away_row = g_object_ref_sink (bd_client_row_new (away));
  const char *tls_tip;
  const char *plain_tip;

  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (tls_row)), ==, "sensor-7");
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (tls_row)), ==,
                   "127.0.0.1:50000 · MQTT 3.1.1 · TLS 1.3 · 2 subscriptions · 0 queued · 0 in flight");
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (away_row)), ==,
                   "away · MQTT 3.1.1 · 2 subscriptions · 0 queued · 0 in flight");

  /* The icon's accessible name is its tooltip: what a screen reader and a
   * mouse pointer both get. */
  tls_tip = gtk_widget_get_tooltip_text (find_image (tls_row));
  plain_tip = gtk_widget_get_tooltip_text (find_image (plain_row));
  g_assert_cmpstr (tls_tip, ==, "Encrypted: TLS 1.3");
  g_assert_cmpstr (plain_tip, ==, "Not encrypted: TCP");
  g_assert_cmpstr (gtk_image_get_icon_name (GTK_IMAGE (find_image (tls_row))), ==,
                   "channel-secure-symbolic");
  g_assert_null (find_image (away_row));

  g_object_unref (tls_row);
  g_object_unref (plain_row);
  g_object_unref (away_row);
  bd_client_info_free (tls);
  bd_client_info_free (plain);
  bd_client_info_free (away);
}

int
main (int   argc,
      char *argv[])
{
  g_setenv ("LANGUAGE", "C", TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add_func ("/client-row/transport-labels", test_transport_labels);
  g_test_add_func ("/client-row/row-says-transport", test_row_says_transport);
  return g_test_run ();
}
