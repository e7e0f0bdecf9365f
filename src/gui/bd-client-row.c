/* bd-client-row.c — one client in the Broker page's Clients list
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The engine names a client's transport as Mosquitto's listener options do
 * ("mqtt+tls", "websockets"); the row says it in words and shows a lock, so
 * an operator sees at a glance which devices still talk in clear text.
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "bd-client-row.h"

/* "TLSv1.3" (OpenSSL's name) as people write it: "TLS 1.3". */
static char *
tls_version_label (const char *version)
{
  if (version == NULL)
    return NULL;
  if (g_str_has_prefix (version, "TLSv"))
    return g_strdup_printf ("TLS %s", version + 4);
  return g_strdup (version);
}

char *
bd_client_info_dup_transport_label (const BdClientInfo *info)
{
  g_autofree char *tls = NULL;

  if (!info->connected || info->transport == NULL)
    return NULL;
  tls = tls_version_label (info->tls_version);
  if (g_str_has_prefix (info->transport, "websockets"))
    {
      if (tls == NULL)
        return g_strdup (_("WebSocket"));
      /* Translators: a client's transport; %s is a TLS version, "TLS 1.3" */
      return g_strdup_printf (_("WebSocket over %s"), tls);
    }
  if (tls != NULL)
    return g_steal_pointer (&tls);
  /* Translators: a client's transport: MQTT straight over TCP, unencrypted */
  return g_strdup (_("TCP"));
}

GtkWidget *
bd_client_row_new (const BdClientInfo *info)
{
  GtkWidget *row = adw_action_row_new ();
  const char *version = info->protocol_level == 5 ? "MQTT 5" :
                        info->protocol_level == 4 ? "MQTT 3.1.1" : "MQTT 3.1";
  g_autofree char *subtitle = NULL;
  g_autofree char *subscriptions = NULL;
  g_autofree char *transport = bd_client_info_dup_transport_label (info);

  /* Translators: how many subscriptions a client has */
  subscriptions = g_strdup_printf (ngettext ("%u subscription", "%u subscriptions",
                                             info->subscriptions), info->subscriptions);
  if (transport != NULL)
    /* Translators: the state of a client's session, e.g. "127.0.0.1:50000 ·
     * MQTT 3.1.1 · TLS 1.3 · 2 subscriptions · 0 queued · 0 in flight" */
    subtitle = g_strdup_printf (_("%s · %s · %s · %s · %u queued · %u in flight"),
                                info->address, version, transport, subscriptions,
                                info->queued, info->inflight);
  else
    /* Translators: the state of a client's session, e.g. "127.0.0.1:50000 ·
     * MQTT 3.1.1 · 2 subscriptions · 0 queued · 0 in flight" */
    subtitle = g_strdup_printf (_("%s · %s · %s · %u queued · %u in flight"),
                                info->connected ? info->address : _("away"),
                                version, subscriptions, info->queued, info->inflight);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), info->client_id);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);

  if (transport != NULL)
    {
      gboolean encrypted = info->tls_version != NULL;
      GtkWidget *icon = gtk_image_new_from_icon_name (encrypted ? "channel-secure-symbolic"
                                                                : "channel-insecure-symbolic");
      g_autofree char *label = NULL;

      if (encrypted)
        /* Translators: the accessible name of a client's lock icon; %s is
         * its transport, "TLS 1.3" or "WebSocket over TLS 1.3" */
        label = g_strdup_printf (_("Encrypted: %s"), transport);
      else
        /* Translators: the accessible name of a client's open-lock icon;
         * %s is its transport, "TCP" or "WebSocket" */
        label = g_strdup_printf (_("Not encrypted: %s"), transport);
      gtk_widget_set_tooltip_text (icon, label);
      gtk_accessible_update_property (GTK_ACCESSIBLE (icon),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
      if (!encrypted)
        gtk_widget_add_css_class (icon, "dim-label");
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), icon);
    }
  return row;
}
