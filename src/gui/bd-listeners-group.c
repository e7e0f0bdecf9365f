/* bd-listeners-group.c — the Broker page's listeners and their certificates
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One row per listener: its protocol, the address it is bound to (alone on
 * its line, as people copy it), whether it encrypts, and for a TLS listener
 * the server certificate's subject, issuer and expiry, with a warning from BD_CERTIFICATE_WARN_DAYS days
 * before it expires. Certificates are read on a worker (no disk on the main
 * thread) when the broker starts and again every hour, so a renewed file or
 * a certificate crossing into its last days shows without a restart. Each
 * MQTT listener's row copies a mosquitto_sub command for it, with --cafile
 * for TLS.
 */

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "bd-certificates.h"
#include "bd-gui-util.h"
#include "bd-listeners-group.h"

#define REREAD_SECONDS 3600

struct _BdListenersGroup
{
  AdwPreferencesGroup  parent_instance;

  AdwActionRow        *address_row;
  AdwActionRow        *command_row;
  GPtrArray           *rows;        /* AdwActionRow per listener */
  GPtrArray           *icons;       /* its warning icon */
  GPtrArray           *states;      /* its label saying whether it encrypts */
  GPtrArray           *infos;       /* BdCertificateInfo* (or NULL) per listener */
  BdEngine            *engine;
  GPtrArray           *listeners;   /* BdListenerInfo*: the rows are made from this snapshot */
  GCancellable        *cancellable;
  guint                reread_id;
  gboolean             reading;
  GtkWindow           *window;      /* weak: its activation refreshes the rows */
};

G_DEFINE_FINAL_TYPE (BdListenersGroup, bd_listeners_group, ADW_TYPE_PREFERENCES_GROUP)

static const BdListenerConfig *
listener_config (BdListenersGroup *self,
                 guint             index)
{
  return ((BdListenerInfo *) g_ptr_array_index (self->listeners, index))->config;
}

static guint16
listener_port (BdListenersGroup *self,
               guint             index)
{
  return ((BdListenerInfo *) g_ptr_array_index (self->listeners, index))->port;
}

static const BdCertificateInfo *
listener_info (BdListenersGroup *self,
               guint             index)
{
  if (self->infos == NULL || index >= self->infos->len)
    return NULL;
  return g_ptr_array_index (self->infos, index);
}

/* The host a client on this computer gives: the bound address, or the
 * loopback one for a listener on every interface (which this computer's
 * certificate names too). */
static const char *
client_host (const BdListenerConfig *listener)
{
  const char *bind = listener->bind_address;

  if (bind == NULL || g_strcmp0 (bind, "0.0.0.0") == 0 || g_strcmp0 (bind, "::") == 0)
    return "127.0.0.1";
  return bind;
}

/* @text as one shell word: quoted only where it has to be, so the usual
 * command reads as people type it. */
static char *
shell_word (const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr ("._:/-+=@%,", *p) == NULL)
      return g_shell_quote (text);
  return g_strdup (text);
}

/* @where: the options that reach the listener. */
static char *
sub_command_at (const char *where,
                const char *tls_option)
{
  /* The same command the Topics page offers, for subscribing. */
  return g_strdup_printf ("mosquitto_sub %s%s%s -t '#' -v", where,
                          tls_option != NULL ? " " : "", tls_option != NULL ? tls_option : "");
}

static char *
sub_command (const char *host,
             guint       port,
             const char *tls_option)
{
  g_autofree char *quoted_host = shell_word (host);
  g_autofree char *where = g_strdup_printf ("-h %s -p %u", quoted_host, port);

  return sub_command_at (where, tls_option);
}

static gboolean
is_psk_only (const BdListenerConfig *listener)
{
  return bd_certificates_listener_encrypts (listener) && !bd_certificates_listener_has_tls (listener);
}

static char *
listener_command (BdListenersGroup *self,
                  guint             index)
{
  const BdListenerConfig *listener = listener_config (self, index);
  g_autofree char *tls_option = NULL;

  /* A PSK-only listener: the command would need a key, never shown. */
  if (listener->protocol != BD_LISTENER_MQTT || is_psk_only (listener))
    return NULL;
  if (bd_certificates_listener_has_tls (listener))
    {
      g_autofree char *cafile = bd_certificates_dup_client_cafile (listener,
                                                                   listener_info (self, index));

      if (cafile != NULL)
        {
          g_autofree char *quoted = shell_word (cafile);

          tls_option = g_strconcat ("--cafile ", quoted, NULL);
        }
      else
        /* Issued by an authority the system trusts. */
        tls_option = g_strdup ("--capath /etc/ssl/certs");
    }
  if (listener->unix_path != NULL)
    {
      g_autofree char *quoted = shell_word (listener->unix_path);
      g_autofree char *where = g_strconcat ("--unix ", quoted, NULL);

      return sub_command_at (where, tls_option);
    }
  return sub_command (client_host (listener), listener_port (self, index),
                      tls_option);
}

static void
copy_text (GtkWidget  *widget,
           const char *text)
{
  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), text);
  _bd_show_toast (widget, adw_toast_new (_("Command copied")));
}

static void
on_copy_command_cb (BdListenersGroup *self)
{
  copy_text (GTK_WIDGET (self), adw_action_row_get_subtitle (self->command_row));
}

static void
on_copy_row_cb (GtkButton        *button,
                BdListenersGroup *self)
{
  guint index = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (button), "index"));
  g_autofree char *command = listener_command (self, index);

  if (command != NULL)
    copy_text (GTK_WIDGET (self), command);
}

static char *
format_date (gint64 unix_time)
{
  g_autoptr(GDateTime) date = g_date_time_new_from_unix_local (unix_time);

  return date != NULL ? g_date_time_format (date, "%Y-%m-%d") : g_strdup ("?");
}

/* The certificate's lines of a TLS row's subtitle; TRUE when it warns. */
static gboolean
describe_certificate (GString                 *text,
                      const BdCertificateInfo *info,
                      gboolean                 read)
{
  g_autofree char *date = NULL;
  int days = 0;

  if (info == NULL)
    {
      g_string_append_c (text, '\n');
      g_string_append (text, read ? _("The certificate cannot be read")
                                  : _("Reading the certificate…"));
      return read;
    }
  date = format_date (info->not_after);
  g_string_append_c (text, '\n');
  /* Translators: the server certificate's subject, e.g. "CN=plant-pc,O=Brokerdesk" */
  g_string_append_printf (text, _("Certificate: %s"), info->subject);
  g_string_append_c (text, '\n');
  /* Translators: who signed the certificate, e.g. "CN=Brokerdesk CA on plant-pc" */
  g_string_append_printf (text, _("Issued by: %s"), info->issuer);
  g_string_append_c (text, '\n');
  switch (bd_certificate_info_get_state (info, g_get_real_time () / G_USEC_PER_SEC, &days))
    {
    case BD_CERTIFICATE_EXPIRED:
      /* Translators: %s is a date */
      g_string_append_printf (text, _("Expired on %s: clients refuse it. Renew the certificate."),
                              date);
      return TRUE;

    case BD_CERTIFICATE_EXPIRING:
      /* Translators: %s is a date, %d a number of days */
      g_string_append_printf (text, ngettext ("Expires on %s, in %d day: renew the certificate "
                                              "before clients refuse it.",
                                              "Expires on %s, in %d days: renew the certificate "
                                              "before clients refuse it.", days),
                              date, days);
      return TRUE;

    case BD_CERTIFICATE_VALID:
    default:
      /* Translators: %s is a date */
      g_string_append_printf (text, _("Expires on %s"), date);
      return FALSE;
    }
}

static char *
listener_address (BdListenersGroup *self,
                  guint             index)
{
  const BdListenerConfig *listener = listener_config (self, index);

  if (listener->unix_path != NULL)
    /* Translators: %s is the path of a Unix domain socket */
    return g_strdup_printf (_("Unix socket %s"), listener->unix_path);
  return _bd_format_host_port (listener->bind_address != NULL ? listener->bind_address : "0.0.0.0",
                               listener_port (self, index));
}

static void
update_row (BdListenersGroup *self,
            guint             index)
{
  const BdListenerConfig *listener = listener_config (self, index);
  AdwActionRow *row = g_ptr_array_index (self->rows, index);
  GtkWidget *icon = g_ptr_array_index (self->icons, index);
  gboolean tls = bd_certificates_listener_has_tls (listener);
  g_autofree char *address = listener_address (self, index);
  g_autoptr(GString) subtitle = g_string_new (NULL);
  const char *kind;
  gboolean warns = FALSE;

  if (is_psk_only (listener))
    kind = listener->protocol == BD_LISTENER_WEBSOCKETS
           ? _("MQTT over secure WebSockets (pre-shared keys)")
           : _("MQTT over TLS (pre-shared keys)");
  else if (listener->protocol == BD_LISTENER_WEBSOCKETS)
    kind = tls ? _("MQTT over secure WebSockets") : _("MQTT over WebSockets");
  else
    kind = tls ? _("MQTT over TLS") : _("MQTT");
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), kind);

  gtk_label_set_text (g_ptr_array_index (self->states, index),
                      bd_certificates_listener_encrypts (listener) ? _("Encrypted (TLS)")
                                                                   : _("Not encrypted"));
  g_string_append (subtitle, address);
  if (tls)
    warns = describe_certificate (subtitle, listener_info (self, index), self->infos != NULL);
  adw_action_row_set_subtitle (row, subtitle->str);
  gtk_widget_set_visible (icon, warns);
}

static void
update_rows (BdListenersGroup *self)
{
  g_autofree char *command = NULL;

  for (guint i = 0; i < self->rows->len; i++)
    update_row (self, i);
  /* The page's command watches the first MQTT listener. */
  for (guint i = 0; i < self->rows->len && command == NULL; i++)
    command = listener_command (self, i);
  if (command != NULL)
    adw_action_row_set_subtitle (self->command_row, command);
  gtk_widget_set_visible (GTK_WIDGET (self->command_row), command != NULL);
}

static void
on_certificates_read_cb (GObject      *source,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) infos = bd_certificates_read_finish (result, &error);
  BdListenersGroup *self;

  /* Cancelled: the group is gone. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = user_data;
  self->reading = FALSE;
  if (infos == NULL)
    return;
  g_clear_pointer (&self->infos, g_ptr_array_unref);
  self->infos = g_steal_pointer (&infos);
  update_rows (self);
}

static void
read_certificates (BdListenersGroup *self)
{
  if (self->reading)
    return;
  self->reading = TRUE;
  bd_certificates_read_async (self->listeners, self->cancellable,
                              on_certificates_read_cb, self);
}

static void
add_listener_row (BdListenersGroup *self,
                  guint             index)
{
  const BdListenerConfig *listener = listener_config (self, index);
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *icon = gtk_image_new_from_icon_name ("dialog-warning-symbolic");
  GtkWidget *state = gtk_label_new (NULL);

  /* Subjects may hold "&" or "<": plain text, every line shown. */
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
  gtk_widget_add_css_class (icon, "warning");
  gtk_widget_set_visible (icon, FALSE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (icon),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Warning"), -1);
  gtk_widget_add_css_class (state, "dim-label");
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), state);
  /* A suffix: a hidden prefix would still indent the title. */
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), icon);
  if (listener->protocol == BD_LISTENER_MQTT && !is_psk_only (listener))
    {
      /* Translators: %u is a port number */
      g_autofree char *label = listener->unix_path != NULL
                               ? g_strdup (_("Copy the command for the Unix socket"))
                               : g_strdup_printf (_("Copy the command for port %u"),
                                                  listener_port (self, index));
      GtkWidget *button = _bd_icon_button_new ("edit-copy-symbolic", label);

      g_object_set_data (G_OBJECT (button), "index", GUINT_TO_POINTER (index));
      g_signal_connect (button, "clicked", G_CALLBACK (on_copy_row_cb), self);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
    }
  /* Before the "Watch Every Topic" row, which the group holds the only
   * reference to while it is moved. */
  g_object_ref (self->command_row);
  adw_preferences_group_remove (ADW_PREFERENCES_GROUP (self), GTK_WIDGET (self->command_row));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (self), row);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (self), GTK_WIDGET (self->command_row));
  g_object_unref (self->command_row);
  g_ptr_array_add (self->rows, row);
  g_ptr_array_add (self->icons, icon);
  g_ptr_array_add (self->states, state);
}

static void
bd_listeners_group_dispose (GObject *object)
{
  BdListenersGroup *self = BD_LISTENERS_GROUP (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->reread_id, g_source_remove);
  g_clear_pointer (&self->engine, bd_engine_unref);
  if (self->window != NULL)
    g_signal_handlers_disconnect_by_data (self->window, self);
  g_clear_weak_pointer (&self->window);
  g_clear_pointer (&self->listeners, g_ptr_array_unref);
  g_clear_pointer (&self->infos, g_ptr_array_unref);
  g_clear_pointer (&self->rows, g_ptr_array_unref);
  g_clear_pointer (&self->icons, g_ptr_array_unref);
  g_clear_pointer (&self->states, g_ptr_array_unref);

  G_OBJECT_CLASS (bd_listeners_group_parent_class)->dispose (object);
}

static void
bd_listeners_group_class_init (BdListenersGroupClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = bd_listeners_group_dispose;
}

static void
bd_listeners_group_init (BdListenersGroup *self)
{
  GtkWidget *button;

  self->cancellable = g_cancellable_new ();
  self->rows = g_ptr_array_new ();
  self->icons = g_ptr_array_new ();
  self->states = g_ptr_array_new ();
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (self), _("Listeners"));

  self->address_row = ADW_ACTION_ROW (adw_action_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->address_row), _("Address"));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (self), GTK_WIDGET (self->address_row));

  self->command_row = ADW_ACTION_ROW (adw_action_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->command_row),
                                 _("Watch Every Topic"));
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (self->command_row), FALSE);
  gtk_widget_add_css_class (GTK_WIDGET (self->command_row), "command-row");
  button = _bd_icon_button_new ("edit-copy-symbolic", _("Copy the command"));
  g_signal_connect_swapped (button, "clicked", G_CALLBACK (on_copy_command_cb), self);
  adw_action_row_add_suffix (self->command_row, button);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (self), GTK_WIDGET (self->command_row));
}

GtkWidget *
bd_listeners_group_new (void)
{
  return g_object_new (BD_TYPE_LISTENERS_GROUP, NULL);
}

void
bd_listeners_group_set_address (BdListenersGroup *self,
                                const char       *host,
                                guint             port)
{
  g_autofree char *address = NULL;
  g_autofree char *command = NULL;

  g_return_if_fail (BD_IS_LISTENERS_GROUP (self));
  g_return_if_fail (host != NULL);

  /* Once the broker runs, its listeners' rows say where it listens. */
  if (self->engine != NULL)
    return;
  address = _bd_format_host_port (host, port);
  command = sub_command (host, port, NULL);
  adw_action_row_set_subtitle (self->address_row, address);
  adw_action_row_set_subtitle (self->command_row, command);
}

/* Rows for the listeners running now, when they are not those the rows
 * show: bd_engine_apply_listeners_async() replaces the engine's snapshot. */
static void
refresh_listeners (BdListenersGroup *self)
{
  g_autoptr(GPtrArray) listeners = bd_engine_dup_listeners (self->engine);

  if (listeners == self->listeners)
    return;
  /* A read of the old listeners' certificates no longer fits the rows. */
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->reading = FALSE;
  g_clear_pointer (&self->infos, g_ptr_array_unref);
  for (guint i = 0; i < self->rows->len; i++)
    adw_preferences_group_remove (ADW_PREFERENCES_GROUP (self),
                                  g_ptr_array_index (self->rows, i));
  g_ptr_array_set_size (self->rows, 0);
  g_ptr_array_set_size (self->icons, 0);
  g_ptr_array_set_size (self->states, 0);

  g_clear_pointer (&self->listeners, g_ptr_array_unref);
  self->listeners = g_steal_pointer (&listeners);
  for (guint i = 0; i < self->listeners->len; i++)
    add_listener_row (self, i);
  update_rows (self);
  read_certificates (self);
}

static void
on_map_cb (BdListenersGroup *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  if (GTK_IS_WINDOW (root) && self->window != GTK_WINDOW (root))
    {
      if (self->window != NULL)
        g_signal_handlers_disconnect_by_data (self->window, self);
      g_set_weak_pointer (&self->window, GTK_WINDOW (root));
      g_signal_connect_swapped (root, "notify::is-active", G_CALLBACK (refresh_listeners), self);
    }
  refresh_listeners (self);
}

static gboolean
reread_cb (gpointer user_data)
{
  BdListenersGroup *self = user_data;

  refresh_listeners (self);
  read_certificates (self);
  return G_SOURCE_CONTINUE;
}

void
bd_listeners_group_set_engine (BdListenersGroup *self,
                               BdEngine         *engine)
{
  g_return_if_fail (BD_IS_LISTENERS_GROUP (self));
  g_return_if_fail (engine != NULL);

  if (self->engine != NULL)
    return;
  self->engine = bd_engine_ref (engine);
  gtk_widget_set_visible (GTK_WIDGET (self->address_row), FALSE);
  refresh_listeners (self);
  /* The Security page, in the preferences window, changes the listeners:
   * the rows follow when this page is shown again or its window is
   * active again. */
  g_signal_connect (self, "map", G_CALLBACK (on_map_cb), NULL);
  self->reread_id = g_timeout_add_seconds (REREAD_SECONDS, reread_cb, self);
}

gboolean
bd_listeners_group_is_loaded (BdListenersGroup *self)
{
  g_return_val_if_fail (BD_IS_LISTENERS_GROUP (self), FALSE);

  return self->infos != NULL;
}

guint
bd_listeners_group_get_n_rows (BdListenersGroup *self)
{
  g_return_val_if_fail (BD_IS_LISTENERS_GROUP (self), 0);

  return self->rows->len;
}

AdwActionRow *
bd_listeners_group_get_row (BdListenersGroup *self,
                            guint             index)
{
  g_return_val_if_fail (BD_IS_LISTENERS_GROUP (self), NULL);
  g_return_val_if_fail (index < self->rows->len, NULL);

  return g_ptr_array_index (self->rows, index);
}

gboolean
bd_listeners_group_row_warns (BdListenersGroup *self,
                              guint             index)
{
  g_return_val_if_fail (BD_IS_LISTENERS_GROUP (self), FALSE);
  g_return_val_if_fail (index < self->icons->len, FALSE);

  return gtk_widget_get_visible (g_ptr_array_index (self->icons, index));
}

const char *
bd_listeners_group_get_row_state (BdListenersGroup *self,
                                  guint             index)
{
  g_return_val_if_fail (BD_IS_LISTENERS_GROUP (self), NULL);
  g_return_val_if_fail (index < self->states->len, NULL);

  return gtk_label_get_text (g_ptr_array_index (self->states, index));
}

const char *
bd_listeners_group_get_command (BdListenersGroup *self)
{
  g_return_val_if_fail (BD_IS_LISTENERS_GROUP (self), NULL);

  return adw_action_row_get_subtitle (self->command_row);
}

char *
bd_listeners_group_dup_row_command (BdListenersGroup *self,
                                    guint             index)
{
  g_return_val_if_fail (BD_IS_LISTENERS_GROUP (self), NULL);
  g_return_val_if_fail (index < self->rows->len, NULL);

  return listener_command (self, index);
}
