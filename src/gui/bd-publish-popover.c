/* bd-publish-popover.c — publish a message as the broker
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Topic, payload, QoS and retain; Enter in the topic or Ctrl+Enter anywhere
 * sends. The message goes through bd_engine_publish (), so subscribers, the
 * recorder and the topic tree see it like any client's. The last publishes
 * are listed below the form; activating one fills the form again.
 */

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include <adwaita.h>

#include "bd-gui-util.h"
#include "bd-payload.h"
#include "bd-publish-popover.h"
#include "bd-topic.h"
#include "bd-window.h"

#define MAX_RECENT 5

struct _BdPublishPopover
{
  GtkPopover      parent_instance;

  GtkEntry       *topic_entry;
  gboolean        topic_preset;
  GtkTextView    *payload_view;
  GtkDropDown    *qos_dropdown;
  GtkCheckButton *retain_check;
  GtkButton      *send_button;
  GtkLabel       *recent_title;
  GtkListBox     *recent_list;

  BdEngine       *engine;
  BdRemoteClient *remote;         /* when set, messages go there instead */
  BdRelayController *relays;      /* judges messages to command topics */
  GPtrArray      *recent;   /* BdMessage*, newest first */
};

G_DEFINE_FINAL_TYPE (BdPublishPopover, bd_publish_popover, GTK_TYPE_POPOVER)

static char *
dup_payload (BdPublishPopover *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->payload_view);
  GtkTextIter start;
  GtkTextIter end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

/* A topic name, not a filter: no wildcards, not empty [MQTT-4.7.3-1]. */
static void
on_form_changed_cb (BdPublishPopover *self)
{
  const char *topic = gtk_editable_get_text (GTK_EDITABLE (self->topic_entry));
  gboolean valid = bd_topic_name_is_valid (topic);

  _bd_widget_set_css_class (GTK_WIDGET (self->topic_entry), "error", !valid && topic[0] != '\0');
  gtk_widget_set_sensitive (GTK_WIDGET (self->send_button),
                            valid && (self->engine != NULL || self->remote != NULL));
}

static void
update_recent (BdPublishPopover *self)
{
  _bd_list_box_remove_all (self->recent_list);
  for (guint i = 0; i < self->recent->len; i++)
    {
      BdMessage *message = g_ptr_array_index (self->recent, i);
      GtkWidget *row = adw_action_row_new ();
      gsize len;
      const guint8 *data = bd_message_get_payload (message, &len);
      g_autofree char *payload = bd_payload_dup_line (data, len, 60);

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), message->topic);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), payload);
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      gtk_list_box_append (self->recent_list, row);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->recent_title), self->recent->len > 0);
  gtk_widget_set_visible (GTK_WIDGET (self->recent_list), self->recent->len > 0);
}

static void
on_send_cb (BdPublishPopover *self)
{
  const char *topic = gtk_editable_get_text (GTK_EDITABLE (self->topic_entry));
  g_autofree char *text = NULL;
  g_autoptr(GBytes) payload = NULL;
  g_autoptr(BdMessage) message = NULL;
  g_autofree char *toast = NULL;
  GtkRoot *root;
  gsize len;

  if ((self->engine == NULL && self->remote == NULL) || !bd_topic_name_is_valid (topic))
    return;

  text = dup_payload (self);
  len = strlen (text);
  payload = g_bytes_new_take (g_steal_pointer (&text), len);
  message = bd_message_new (topic, payload,
                            gtk_drop_down_get_selected (self->qos_dropdown),
                            gtk_check_button_get_active (self->retain_check), NULL);
  root = gtk_widget_get_root (GTK_WIDGET (self));
  /* A message to a relay's or setpoint's command topic is a command: the
   * same range and interlocks apply as to the switch or the slider. */
  if (self->relays != NULL)
    {
      g_autoptr(GError) error = NULL;
      gsize size;
      const guint8 *data = g_bytes_get_data (payload, &size);

      if (!bd_relay_controller_check_publish (self->relays, topic, data, size, &error))
        {
          /* Translators: a toast when the publish panel refuses a command */
          g_autofree char *refused = g_strdup_printf (_("Not sent: %s"), error->message);

          if (BD_IS_WINDOW (root))
            bd_window_add_toast (BD_WINDOW (root), adw_toast_new (refused));
          return;
        }
    }
  if (self->remote != NULL)
    {
      /* QoS 0 cannot wait for a connection that is not there; say so. */
      if (!bd_remote_client_publish (self->remote, message))
        {
          if (BD_IS_WINDOW (root))
            bd_window_add_toast (BD_WINDOW (root),
                                 adw_toast_new (_("Not sent: the remote broker is not connected")));
          return;
        }
    }
  else
    bd_engine_publish (self->engine, message);

  /* Newest first, without duplicates of the same topic and payload. */
  for (guint i = 0; i < self->recent->len; i++)
    {
      BdMessage *old = g_ptr_array_index (self->recent, i);

      if (g_str_equal (old->topic, message->topic) && g_bytes_equal (old->payload, message->payload))
        {
          g_ptr_array_remove_index (self->recent, i);
          break;
        }
    }
  g_ptr_array_insert (self->recent, 0, bd_message_ref (message));
  if (self->recent->len > MAX_RECENT)
    g_ptr_array_set_size (self->recent, MAX_RECENT);
  update_recent (self);

  /* Translators: a confirmation; %s is a topic */
  toast = g_strdup_printf (_("Published to %s"), topic);
  if (BD_IS_WINDOW (root))
    bd_window_add_toast (BD_WINDOW (root), adw_toast_new (toast));
}

static void
on_recent_activated_cb (BdPublishPopover *self,
                        GtkListBoxRow    *row)
{
  BdMessage *message = g_ptr_array_index (self->recent, gtk_list_box_row_get_index (row));
  gsize len;
  const guint8 *data = bd_message_get_payload (message, &len);
  g_autofree char *payload = g_utf8_make_valid ((const char *) data, len);

  gtk_editable_set_text (GTK_EDITABLE (self->topic_entry), message->topic);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->payload_view), payload, -1);
  gtk_drop_down_set_selected (self->qos_dropdown, message->qos);
  gtk_check_button_set_active (self->retain_check, message->retain);
}

static void
bd_publish_popover_dispose (GObject *object)
{
  BdPublishPopover *self = BD_PUBLISH_POPOVER (object);

  g_clear_pointer (&self->engine, bd_engine_unref);
  g_clear_object (&self->relays);
  g_clear_object (&self->remote);
  g_clear_pointer (&self->recent, g_ptr_array_unref);
  gtk_widget_dispose_template (GTK_WIDGET (object), BD_TYPE_PUBLISH_POPOVER);

  G_OBJECT_CLASS (bd_publish_popover_parent_class)->dispose (object);
}

static gboolean
send_shortcut_cb (GtkWidget *widget,
                  GVariant  *args,
                  gpointer   user_data)
{
  on_send_cb (BD_PUBLISH_POPOVER (widget));
  return TRUE;
}

static void
bd_publish_popover_class_init (BdPublishPopoverClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bd_publish_popover_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/brokerdesk/Brokerdesk/bd-publish-popover.ui");
  gtk_widget_class_bind_template_child (widget_class, BdPublishPopover, topic_entry);
  gtk_widget_class_bind_template_child (widget_class, BdPublishPopover, payload_view);
  gtk_widget_class_bind_template_child (widget_class, BdPublishPopover, qos_dropdown);
  gtk_widget_class_bind_template_child (widget_class, BdPublishPopover, retain_check);
  gtk_widget_class_bind_template_child (widget_class, BdPublishPopover, send_button);
  gtk_widget_class_bind_template_child (widget_class, BdPublishPopover, recent_title);
  gtk_widget_class_bind_template_child (widget_class, BdPublishPopover, recent_list);
  gtk_widget_class_bind_template_callback (widget_class, on_form_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_send_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_recent_activated_cb);
}

static void
on_show_cb (BdPublishPopover *self)
{
  /* Opening the panel is asking to type a topic, unless the topic was
   * chosen already ("Publish Here…" in the topic tree). */
  if (self->topic_preset)
    gtk_widget_grab_focus (GTK_WIDGET (self->payload_view));
  else
    gtk_widget_grab_focus (GTK_WIDGET (self->topic_entry));
  self->topic_preset = FALSE;
}

static void
bd_publish_popover_init (BdPublishPopover *self)
{
  GtkEventController *shortcuts = gtk_shortcut_controller_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect (self, "show", G_CALLBACK (on_show_cb), NULL);

  /* Ctrl+Enter sends, also from inside the payload: in the capture phase,
   * before the text view takes Return as a newline. */
  gtk_event_controller_set_propagation_phase (shortcuts, GTK_PHASE_CAPTURE);
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                        gtk_shortcut_new (gtk_shortcut_trigger_parse_string ("<Control>Return|<Control>KP_Enter"),
                                                          gtk_callback_action_new (send_shortcut_cb, NULL, NULL)));
  gtk_widget_add_controller (GTK_WIDGET (self), shortcuts);
  self->recent = g_ptr_array_new_with_free_func ((GDestroyNotify) bd_message_unref);
  on_form_changed_cb (self);
}

GtkWidget *
bd_publish_popover_new (void)
{
  return g_object_new (BD_TYPE_PUBLISH_POPOVER, NULL);
}

void
bd_publish_popover_set_engine (BdPublishPopover *self,
                               BdEngine         *engine)
{
  g_return_if_fail (BD_IS_PUBLISH_POPOVER (self));

  if (self->engine != NULL)
    return;
  self->engine = bd_engine_ref (engine);
  on_form_changed_cb (self);
}

void
bd_publish_popover_set_topic (BdPublishPopover *self,
                              const char       *topic)
{
  g_return_if_fail (BD_IS_PUBLISH_POPOVER (self));
  g_return_if_fail (topic != NULL);

  gtk_editable_set_text (GTK_EDITABLE (self->topic_entry), topic);
  self->topic_preset = TRUE;
}

void
bd_publish_popover_set_remote (BdPublishPopover *self,
                               BdRemoteClient   *remote)
{
  g_return_if_fail (BD_IS_PUBLISH_POPOVER (self));

  g_set_object (&self->remote, remote);
  on_form_changed_cb (self);
}

void
bd_publish_popover_set_relays (BdPublishPopover  *self,
                               BdRelayController *relays)
{
  g_return_if_fail (BD_IS_PUBLISH_POPOVER (self));

  g_set_object (&self->relays, relays);
}
