/* bd-topic-row.c — one topic in the Topics page's tree or filtered list
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The row follows its node only while bound: the list view binds the rows
 * it shows and unbinds them when they scroll away, so a topic updating
 * 20,000 times a second costs nothing while off screen. The age label and
 * the end of a highlight are driven by the page, one timer for all rows,
 * rather than one timer per row.
 */

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "bd-gui-util.h"
#include "bd-payload.h"
#include "bd-topic-row.h"

/* How long a changed value stays highlighted: long enough to catch the eye,
 * short enough that a topic updating every second blinks, not glows. */
#define HIGHLIGHT_US (700 * G_TIME_SPAN_MILLISECOND)

struct _BdTopicRow
{
  GtkBox        parent_instance;

  GtkLabel     *name;
  GtkWidget    *retained;
  GtkLabel     *label;
  GtkLabel     *value;
  GtkLabel     *rate;
  GtkLabel     *age;
  GtkLabel     *count;

  gboolean      show_path;
  BdTopicNode  *node;                  /* while bound */
  GPtrArray    *bindings;
  gulong        value_handler;
  BdOverviewTileConfig *tile;          /* the overview's, copied; or NULL */
  gint64        highlight_until;       /* monotonic; 0: not highlighted */
};

enum {
  PROP_0,
  PROP_NODE,
  PROP_SHOW_PATH,
  N_PROPS
};

enum {
  VALUE_CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (BdTopicRow, bd_topic_row, GTK_TYPE_BOX)

static char *
format_count (guint64 count)
{
  char number[32];

  /* A level that only groups others ("busan") has no messages of its own;
   * "0 messages" there would read like a fault. */
  if (count == 0)
    return g_strdup ("");
  g_snprintf (number, sizeof number, "%" G_GUINT64_FORMAT, count);
  /* Translators: how many messages a topic received; %s is the number */
  return g_strdup_printf (ngettext ("%s message", "%s messages",
                                    count > G_MAXULONG ? G_MAXULONG : (gulong) count),
                          number);
}

static char *
format_rate (double rate)
{
  /* Below one message in the rate window the figure is noise. */
  if (rate < 0.05)
    return g_strdup ("");
  /* Translators: messages per second, e.g. "2.0/s" */
  return g_strdup_printf (rate < 100 ? _("%.1f/s") : _("%.0f/s"), rate);
}

static char *
format_age (gint64 last_time_us,
            gint64 now_us)
{
  return last_time_us != 0 ? _bd_format_age (now_us - last_time_us) : g_strdup ("");
}

static gboolean
transform_count (GBinding     *binding,
                 const GValue *from,
                 GValue       *to,
                 gpointer      user_data)
{
  g_value_take_string (to, format_count (g_value_get_uint64 (from)));
  return TRUE;
}

static gboolean
transform_rate (GBinding     *binding,
                const GValue *from,
                GValue       *to,
                gpointer      user_data)
{
  g_value_take_string (to, format_rate (g_value_get_double (from)));
  return TRUE;
}

/* A number, as the overview's tile shows it ("2.35 kW"); anything else, and
 * every value of a topic without a tile, as it came. */
static char *
format_value (BdTopicRow *self,
              const char *text)
{
  double value;

  if (self->tile != NULL && text != NULL
      && bd_payload_parse_plain ((const guint8 *) text, strlen (text), &value))
    return bd_overview_tile_config_format_value (self->tile, value);
  return g_strdup (text);
}

static gboolean
transform_value (GBinding     *binding,
                 const GValue *from,
                 GValue       *to,
                 gpointer      user_data)
{
  g_value_take_string (to, format_value (user_data, g_value_get_string (from)));
  return TRUE;
}

static void
on_value_changed_cb (BdTopicRow  *self,
                     GParamSpec  *pspec,
                     BdTopicNode *node)
{
  self->highlight_until = g_get_monotonic_time () + HIGHLIGHT_US;
  gtk_widget_add_css_class (GTK_WIDGET (self->value), "changed");
  gtk_label_set_label (self->age, _("just now"));
  g_signal_emit (self, signals[VALUE_CHANGED], 0);
}

static void
bd_topic_row_dispose (GObject *object)
{
  BdTopicRow *self = BD_TOPIC_ROW (object);

  bd_topic_row_unbind (self);
  g_clear_pointer (&self->tile, bd_overview_tile_config_free);
  gtk_widget_dispose_template (GTK_WIDGET (self), BD_TYPE_TOPIC_ROW);

  G_OBJECT_CLASS (bd_topic_row_parent_class)->dispose (object);
}

static void
bd_topic_row_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  BdTopicRow *self = BD_TOPIC_ROW (object);

  switch (prop_id)
    {
    case PROP_NODE:
      g_value_set_object (value, self->node);
      break;
    case PROP_SHOW_PATH:
      g_value_set_boolean (value, self->show_path);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bd_topic_row_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  BdTopicRow *self = BD_TOPIC_ROW (object);

  switch (prop_id)
    {
    case PROP_SHOW_PATH:
      self->show_path = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bd_topic_row_class_init (BdTopicRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bd_topic_row_dispose;
  object_class->get_property = bd_topic_row_get_property;
  object_class->set_property = bd_topic_row_set_property;

  properties[PROP_NODE] =
    g_param_spec_object ("node", NULL, NULL, BD_TYPE_TOPIC_NODE,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_SHOW_PATH] =
    g_param_spec_boolean ("show-path", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[VALUE_CHANGED] =
    g_signal_new ("value-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/brokerdesk/Brokerdesk/bd-topic-row.ui");
  gtk_widget_class_bind_template_child (widget_class, BdTopicRow, name);
  gtk_widget_class_bind_template_child (widget_class, BdTopicRow, retained);
  gtk_widget_class_bind_template_child (widget_class, BdTopicRow, label);
  gtk_widget_class_bind_template_child (widget_class, BdTopicRow, value);
  gtk_widget_class_bind_template_child (widget_class, BdTopicRow, rate);
  gtk_widget_class_bind_template_child (widget_class, BdTopicRow, age);
  gtk_widget_class_bind_template_child (widget_class, BdTopicRow, count);
}

static void
bd_topic_row_init (BdTopicRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
bd_topic_row_new (gboolean show_path)
{
  return g_object_new (BD_TYPE_TOPIC_ROW, "show-path", show_path, NULL);
}

BdTopicNode *
bd_topic_row_get_node (BdTopicRow *self)
{
  g_return_val_if_fail (BD_IS_TOPIC_ROW (self), NULL);

  return self->node;
}

void
bd_topic_row_bind (BdTopicRow  *self,
                   BdTopicNode *node)
{
  g_autofree char *age = NULL;

  g_return_if_fail (BD_IS_TOPIC_ROW (self));
  g_return_if_fail (BD_IS_TOPIC_NODE (node));

  bd_topic_row_unbind (self);

  /* A ref, so that a tree replaced under the rows (another broker) keeps
   * its nodes, and their bindings, until the rows let go. */
  self->node = g_object_ref (node);
  self->bindings = g_ptr_array_new ();
  gtk_label_set_label (self->name, self->show_path ? bd_topic_node_get_path (node)
                                                   : bd_topic_node_get_name (node));
  g_ptr_array_add (self->bindings, g_object_bind_property_full (node, "last-value",
                                                                self->value, "label",
                                                                G_BINDING_SYNC_CREATE,
                                                                transform_value, NULL, self, NULL));
  g_ptr_array_add (self->bindings, g_object_bind_property (node, "retained", self->retained, "visible",
                                                           G_BINDING_SYNC_CREATE));
  g_ptr_array_add (self->bindings, g_object_bind_property_full (node, "message-count",
                                                                self->count, "label",
                                                                G_BINDING_SYNC_CREATE,
                                                                transform_count, NULL, NULL, NULL));
  g_ptr_array_add (self->bindings, g_object_bind_property_full (node, "rate", self->rate, "label",
                                                                G_BINDING_SYNC_CREATE,
                                                                transform_rate, NULL, NULL, NULL));
  self->value_handler = g_signal_connect_swapped (node, "notify::last-value",
                                                  G_CALLBACK (on_value_changed_cb), self);
  age = format_age (bd_topic_node_get_last_time (node), g_get_real_time ());
  gtk_label_set_label (self->age, age);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NODE]);
}

void
bd_topic_row_unbind (BdTopicRow *self)
{
  g_return_if_fail (BD_IS_TOPIC_ROW (self));

  if (self->node == NULL)
    return;
  for (guint i = 0; i < self->bindings->len; i++)
    g_binding_unbind (g_ptr_array_index (self->bindings, i));
  g_clear_pointer (&self->bindings, g_ptr_array_unref);
  g_clear_signal_handler (&self->value_handler, self->node);
  self->highlight_until = 0;
  gtk_widget_remove_css_class (GTK_WIDGET (self->value), "changed");
  g_clear_object (&self->node);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NODE]);
}

void
bd_topic_row_set_tile (BdTopicRow                 *self,
                       const BdOverviewTileConfig *tile)
{
  g_autofree char *value = NULL;

  g_return_if_fail (BD_IS_TOPIC_ROW (self));

  g_clear_pointer (&self->tile, bd_overview_tile_config_free);
  if (tile != NULL)
    self->tile = bd_overview_tile_config_copy (tile);
  gtk_label_set_label (self->label, tile != NULL ? tile->label : NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->label),
                          tile != NULL && tile->label != NULL && tile->label[0] != '\0');
  if (self->node == NULL)
    return;
  value = format_value (self, bd_topic_node_get_last_value (self->node));
  gtk_label_set_label (self->value, value);
}

void
bd_topic_row_update_age (BdTopicRow *self,
                         gint64      now_us)
{
  g_autofree char *age = NULL;

  g_return_if_fail (BD_IS_TOPIC_ROW (self));

  if (self->node == NULL)
    return;
  age = format_age (bd_topic_node_get_last_time (self->node), now_us);
  if (g_strcmp0 (gtk_label_get_label (self->age), age) != 0)
    gtk_label_set_label (self->age, age);
}

gboolean
bd_topic_row_fade (BdTopicRow *self,
                   gint64      now_us)
{
  g_return_val_if_fail (BD_IS_TOPIC_ROW (self), FALSE);

  if (self->highlight_until == 0)
    return FALSE;
  if (now_us < self->highlight_until)
    return TRUE;
  self->highlight_until = 0;
  gtk_widget_remove_css_class (GTK_WIDGET (self->value), "changed");
  return FALSE;
}
