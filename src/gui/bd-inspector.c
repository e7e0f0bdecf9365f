/* bd-inspector.c — the message inspector for one topic
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The model: a list store of entries (one small GObject each, at most
 * MAX_MESSAGES, newest first) bound to a GtkListBox, so a new message adds
 * one row and drops one, never rebuilding the list. Each entry carries the
 * diff against the entry below it (the previous message), computed once when
 * the entry takes its place; when an entry is inserted under another, that
 * one's diff is computed again and its row replaced.
 *
 * Entries come from three places: the latest message given with the topic,
 * messages pushed by the topic page afterwards, and the history database.
 * The history answers later, on a GTask thread (never SQL on the GTK thread,
 * see ARCHITECTURE.md), so its messages are merged into whatever arrived meanwhile,
 * without duplicates: the recorder stores a message's receipt time in
 * milliseconds, so "the same message" is the same millisecond and payload.
 *
 * The payload view shows the newest entry, or the one the user activated in
 * the list ("pinned"), so a busy topic does not pull the text away while it
 * is being read or selected.
 */

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "bd-gui-util.h"
#include "bd-inspector.h"
#include "bd-payload.h"
#include "bd-payload-format.h"

/* Messages kept per topic: the list is for reading the last changes, not
 * an archive; the history (Charts, export) is for that. */
#define MAX_MESSAGES     100
/* Above these sizes a view shows the first part only: a GtkTextView with
 * megabytes of text takes seconds to lay out on the GTK thread. */
#define MAX_TEXT_BYTES   (256 * 1024)
#define MAX_HEX_BYTES    (64 * 1024)
#define MAX_JSON_BYTES   (1024 * 1024)
#define PREVIEW_CHARS    80
#define VALUE_CHARS      32
#define MAX_CHANGES_SHOWN 5

typedef enum
{
  VIEW_TEXT,
  VIEW_JSON,
  VIEW_HEX,
} View;

/* entry ------------------------------------------------------------------ */

#define BD_TYPE_INSPECTOR_ENTRY (bd_inspector_entry_get_type ())
G_DECLARE_FINAL_TYPE (BdInspectorEntry, bd_inspector_entry, BD, INSPECTOR_ENTRY, GObject)

struct _BdInspectorEntry
{
  GObject        parent_instance;

  gint64         time_us;
  GBytes        *payload;
  BdPayloadDiff *diff;      /* against the previous message; NULL for the oldest */
  guint8         qos;
  gboolean       retain;
};

G_DEFINE_FINAL_TYPE (BdInspectorEntry, bd_inspector_entry, G_TYPE_OBJECT)

static void
bd_inspector_entry_finalize (GObject *object)
{
  BdInspectorEntry *self = BD_INSPECTOR_ENTRY (object);

  g_clear_pointer (&self->payload, g_bytes_unref);
  g_clear_pointer (&self->diff, bd_payload_diff_free);

  G_OBJECT_CLASS (bd_inspector_entry_parent_class)->finalize (object);
}

static void
bd_inspector_entry_class_init (BdInspectorEntryClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = bd_inspector_entry_finalize;
}

static void
bd_inspector_entry_init (BdInspectorEntry *self)
{
}

static BdInspectorEntry *
entry_new (gint64    time_us,
           GBytes   *payload,
           guint8    qos,
           gboolean  retain)
{
  BdInspectorEntry *entry = g_object_new (BD_TYPE_INSPECTOR_ENTRY, NULL);

  entry->time_us = time_us;
  entry->payload = payload != NULL ? g_bytes_ref (payload) : g_bytes_new (NULL, 0);
  entry->qos = qos;
  entry->retain = retain;
  return entry;
}

/* The recorder keeps floor (time_us / 1000). */
static gboolean
entries_same (BdInspectorEntry *a,
              BdInspectorEntry *b)
{
  return a->time_us / 1000 == b->time_us / 1000 && g_bytes_equal (a->payload, b->payload);
}

static void
entry_set_previous (BdInspectorEntry *entry,
                    BdInspectorEntry *previous)
{
  gsize old_len = 0;
  gsize new_len = 0;
  const guint8 *old_data;
  const guint8 *new_data;

  g_clear_pointer (&entry->diff, bd_payload_diff_free);
  if (previous == NULL)
    return;
  old_data = g_bytes_get_data (previous->payload, &old_len);
  new_data = g_bytes_get_data (entry->payload, &new_len);
  entry->diff = bd_payload_diff_new (old_data, old_len, new_data, new_len);
}

/* inspector -------------------------------------------------------------- */

struct _BdInspector
{
  AdwBin            parent_instance;

  GtkStack         *stack;
  GtkLabel         *topic_label;
  GtkLabel         *reading_label;
  GtkLabel         *qos_label;
  GtkLabel         *retain_label;
  GtkLabel         *time_label;
  GtkLabel         *age_label;
  GtkBox           *pinned_box;
  GtkButton        *latest_button;
  GtkBox           *view_box;
  GtkToggleButton  *text_toggle;
  GtkToggleButton  *json_toggle;
  GtkToggleButton  *hex_toggle;
  GtkLabel         *size_label;
  GtkButton        *copy_button;
  GtkLabel         *notice_label;
  GtkTextView      *payload_view;
  GtkLabel         *history_label;
  GtkListBox       *messages_list;

  BdHistory        *history;
  GCancellable     *cancellable;   /* the history query of the current topic */
  char             *topic;
  BdOverviewTileConfig *tile;      /* the overview's, copied; or NULL */
  GListStore       *entries;       /* BdInspectorEntry, newest first */

  BdInspectorEntry *shown;         /* in the payload view */
  char             *json_text;     /* of @shown, or NULL with @json_error */
  char             *json_error;
  gboolean          pinned;        /* @shown was chosen in the list */
  View              view;          /* the user's choice; JSON falls back to text */
  gboolean          setting_view;  /* toggles changed by us, not the user */
  guint             age_source;
};

G_DEFINE_FINAL_TYPE (BdInspector, bd_inspector, ADW_TYPE_BIN)

static char *
format_time (gint64   time_us,
             gboolean with_date)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_local (time_us / G_USEC_PER_SEC);
  g_autofree char *seconds = NULL;

  if (time == NULL)
    return g_strdup ("");
  seconds = g_date_time_format (time, with_date ? "%Y-%m-%d %H:%M:%S" : "%H:%M:%S");
  return g_strdup_printf ("%s.%03d", seconds, (int) (time_us / 1000 % 1000));
}

static gboolean
is_today (gint64 time_us)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_local (time_us / G_USEC_PER_SEC);

  return time != NULL &&
         g_date_time_get_year (now) == g_date_time_get_year (time) &&
         g_date_time_get_day_of_year (now) == g_date_time_get_day_of_year (time);
}

static void
update_age (BdInspector *self)
{
  g_autofree char *age = NULL;

  if (self->shown != NULL)
    age = _bd_format_age (g_get_real_time () - self->shown->time_us);
  gtk_label_set_label (self->age_label, age != NULL ? age : "");
}

static gboolean
age_tick_cb (gpointer user_data)
{
  update_age (user_data);
  return G_SOURCE_CONTINUE;
}

/* "Line power: 2.35 kW" for a topic the overview has a tile of. */
static void
update_reading (BdInspector *self)
{
  g_autofree char *label = NULL;
  g_autofree char *value = NULL;
  g_autofree char *text = NULL;
  double number;

  if (self->tile == NULL)
    {
      gtk_widget_set_visible (GTK_WIDGET (self->reading_label), FALSE);
      return;
    }
  label = bd_overview_tile_config_dup_label (self->tile);
  if (self->shown != NULL)
    {
      gsize length = 0;
      const guint8 *data = g_bytes_get_data (self->shown->payload, &length);

      if (bd_payload_parse_plain (data, length, &number))
        value = bd_overview_tile_config_format_value (self->tile, number);
    }
  /* TRANSLATORS: a series' label and its value with the unit, "Line power: 2.35 kW" */
  text = value != NULL ? g_strdup_printf (_("%s: %s"), label, value) : g_steal_pointer (&label);
  gtk_label_set_label (self->reading_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->reading_label), TRUE);
}

static void
update_header (BdInspector *self)
{
  BdInspectorEntry *entry = self->shown;

  if (entry == NULL)
    {
      gtk_label_set_label (self->qos_label, "");
      gtk_widget_set_visible (GTK_WIDGET (self->retain_label), FALSE);
      gtk_label_set_label (self->time_label, _("No message yet"));
    }
  else
    {
      g_autofree char *qos = g_strdup_printf (_("QoS %u"), entry->qos);
      g_autofree char *time = format_time (entry->time_us, TRUE);

      gtk_label_set_label (self->qos_label, qos);
      gtk_widget_set_visible (GTK_WIDGET (self->retain_label), entry->retain);
      gtk_label_set_label (self->time_label, time);
    }
  update_age (self);
  gtk_widget_set_visible (GTK_WIDGET (self->pinned_box), self->pinned);
  update_reading (self);
}

/* The full text of @view for the shown payload; with @limit, only the
 * first part, and *out_truncated says so. */
static char *
dup_view_text (BdInspector *self,
               View         view,
               gboolean     limit,
               gboolean    *out_truncated,
               gboolean    *out_valid)
{
  gsize len = 0;
  const guint8 *data;
  gsize max;

  *out_truncated = FALSE;
  *out_valid = TRUE;
  if (self->shown == NULL)
    return g_strdup ("");
  data = g_bytes_get_data (self->shown->payload, &len);

  switch (view)
    {
    case VIEW_JSON:
      return g_strdup (self->json_text != NULL ? self->json_text : "");
    case VIEW_HEX:
      max = limit ? MIN (len, MAX_HEX_BYTES) : len;
      *out_truncated = max < len;
      return bd_payload_format_hex (data, max);
    case VIEW_TEXT:
    default:
      max = limit ? MIN (len, MAX_TEXT_BYTES) : len;
      *out_truncated = max < len;
      {
        /* Validity is judged on the whole payload, not on a cut that may
         * split a character. */
        gboolean valid = g_utf8_validate_len ((const char *) data, len, NULL);
        char *text = bd_payload_format_text (data, max, NULL);

        *out_valid = valid;
        return text;
      }
    }
}

static View
effective_view (BdInspector *self)
{
  if (self->view == VIEW_JSON && self->json_text == NULL)
    return VIEW_TEXT;
  return self->view;
}

static void
update_view (BdInspector *self)
{
  View view = effective_view (self);
  GtkToggleButton *toggles[] = { self->text_toggle, self->json_toggle, self->hex_toggle };
  g_autofree char *json_tooltip = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GString) notice = g_string_new (NULL);
  gboolean truncated;
  gboolean valid;
  gsize len = 0;

  if (self->shown != NULL)
    len = g_bytes_get_size (self->shown->payload);

  /* Disabled JSON says why, to the pointer and to screen readers. */
  if (self->json_text != NULL)
    json_tooltip = g_strdup (_("The payload as indented JSON"));
  else if (self->json_error != NULL)
    /* Translators: %s says why, e.g. "Parse error: unexpected identifier" */
    json_tooltip = g_strdup_printf (_("Not JSON: %s"), self->json_error);
  else
    json_tooltip = g_strdup (_("No payload"));
  gtk_widget_set_sensitive (GTK_WIDGET (self->json_toggle), self->json_text != NULL);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->json_toggle), json_tooltip);
  /* GTK delivers pointer motion to sensitive widgets only, so the tooltip
   * of a disabled toggle is also on the group around it, where the pointer
   * over the disabled toggle finds it (the other toggles have their own). */
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->view_box),
                               self->json_text != NULL ? NULL : json_tooltip);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->json_toggle),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, json_tooltip,
                                  -1);

  self->setting_view = TRUE;
  gtk_toggle_button_set_active (toggles[view], TRUE);
  self->setting_view = FALSE;

  text = dup_view_text (self, view, TRUE, &truncated, &valid);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->payload_view), text, -1);
  gtk_text_view_set_wrap_mode (self->payload_view,
                               view == VIEW_HEX ? GTK_WRAP_NONE : GTK_WRAP_WORD_CHAR);

  if (!valid)
    g_string_append (notice, _("Not valid UTF-8: invalid bytes are shown as \xef\xbf\xbd. "
                               "The Hex view shows every byte."));
  if (truncated)
    {
      g_autofree char *shown = g_format_size (view == VIEW_HEX ? MAX_HEX_BYTES : MAX_TEXT_BYTES);
      g_autofree char *total = g_format_size (len);

      if (notice->len > 0)
        g_string_append_c (notice, ' ');
      /* Translators: sizes, e.g. "Showing the first 262.1 kB of 3.0 MB; Copy copies it all." */
      g_string_append_printf (notice, _("Showing the first %s of %s; Copy copies it all."),
                              shown, total);
    }
  gtk_label_set_label (self->notice_label, notice->str);
  gtk_widget_set_visible (GTK_WIDGET (self->notice_label), notice->len > 0);

  if (self->shown != NULL)
    {
      g_autofree char *size = g_format_size_full (len, G_FORMAT_SIZE_LONG_FORMAT);

      gtk_label_set_label (self->size_label, size);
    }
  else
    gtk_label_set_label (self->size_label, "");
  gtk_widget_set_sensitive (GTK_WIDGET (self->copy_button), self->shown != NULL);
}

static void
show_entry (BdInspector      *self,
            BdInspectorEntry *entry)
{
  g_autoptr(GError) error = NULL;
  gsize len = 0;
  const guint8 *data;

  if (entry == self->shown && entry != NULL)
    {
      update_header (self);
      return;
    }
  g_set_object (&self->shown, entry);
  g_clear_pointer (&self->json_text, g_free);
  g_clear_pointer (&self->json_error, g_free);

  if (entry != NULL)
    {
      data = g_bytes_get_data (entry->payload, &len);
      if (len > MAX_JSON_BYTES)
        self->json_error = g_strdup (_("the payload is too large to format"));
      else if ((self->json_text = bd_payload_format_json (data, len, &error)) == NULL)
        self->json_error = g_strdup (error->message);
    }
  update_header (self);
  update_view (self);
}

static void
show_latest (BdInspector *self)
{
  g_autoptr(BdInspectorEntry) latest = g_list_model_get_item (G_LIST_MODEL (self->entries), 0);

  self->pinned = FALSE;
  show_entry (self, latest);
}

/* rows ------------------------------------------------------------------- */

static GtkWidget *
new_caption (const char *text,
             const char *style)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_widget_add_css_class (label, "caption");
  if (style != NULL)
    gtk_widget_add_css_class (label, style);
  return label;
}

/* One line per change: the word and the bold path carry the meaning, the
 * colour only repeats it. */
static GtkWidget *
new_change_label (const BdPayloadChange *change)
{
  g_autofree char *old_value = NULL;
  g_autofree char *new_value = NULL;
  g_autofree char *markup = NULL;
  const char *style;
  GtkWidget *label;

  if (change->old_value != NULL)
    old_value = bd_payload_dup_line ((const guint8 *) change->old_value,
                                     strlen (change->old_value), VALUE_CHARS);
  if (change->new_value != NULL)
    new_value = bd_payload_dup_line ((const guint8 *) change->new_value,
                                     strlen (change->new_value), VALUE_CHARS);

  switch (change->kind)
    {
    case BD_PAYLOAD_CHANGE_ADDED:
      /* Translators: a JSON field that appeared; keep the <b> tags.
       * The first %s is a path like sensor.battery, the second its value */
      markup = g_markup_printf_escaped (_("added <b>%s</b>: %s"), change->path, new_value);
      style = "success";
      break;
    case BD_PAYLOAD_CHANGE_REMOVED:
      /* Translators: a JSON field that disappeared; keep the <b> tags.
       * The first %s is a path like sensor.battery, the second its old value */
      markup = g_markup_printf_escaped (_("removed <b>%s</b> (was %s)"), change->path, old_value);
      style = "error";
      break;
    case BD_PAYLOAD_CHANGE_CHANGED:
    default:
      /* Translators: a JSON field whose value changed; keep the <b> tags.
       * The %s are a path like sensor.battery, the old and the new value */
      markup = g_markup_printf_escaped (_("<b>%s</b>: %s → %s"), change->path, old_value, new_value);
      style = "accent";
      break;
    }

  label = gtk_label_new (NULL);
  gtk_label_set_markup (GTK_LABEL (label), markup);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (label, "caption");
  gtk_widget_add_css_class (label, "inspector-change");
  gtk_widget_add_css_class (label, style);
  return label;
}

static GtkWidget *
create_row_cb (gpointer item,
               gpointer user_data)
{
  BdInspectorEntry *entry = item;
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *line = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  GtkWidget *label;
  g_autofree char *time = format_time (entry->time_us, !is_today (entry->time_us));
  g_autofree char *qos = g_strdup_printf (_("QoS %u"), entry->qos);
  g_autofree char *preview = NULL;
  g_autofree char *accessible = NULL;
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (entry->payload, &len);

  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);
  gtk_widget_set_margin_start (box, 10);
  gtk_widget_set_margin_end (box, 10);

  gtk_box_append (GTK_BOX (line), new_caption (time, "numeric"));
  gtk_box_append (GTK_BOX (line), new_caption (qos, "dim-label"));
  if (entry->retain)
    gtk_box_append (GTK_BOX (line), new_caption (_("retained"), "accent"));

  preview = bd_payload_dup_line (data, len, PREVIEW_CHARS);
  label = gtk_label_new (preview);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_widget_add_css_class (label, "monospace");
  /* A plain value that changed is in bold; one that did not says so. */
  if (entry->diff != NULL && !entry->diff->structured && entry->diff->changed)
    gtk_widget_add_css_class (label, "inspector-changed");
  gtk_box_append (GTK_BOX (line), label);
  if (entry->diff != NULL && !entry->diff->changed)
    gtk_box_append (GTK_BOX (line), new_caption (_("unchanged"), "dim-label"));
  gtk_box_append (GTK_BOX (box), line);

  if (entry->diff != NULL && entry->diff->structured)
    {
      guint n = entry->diff->changes->len;

      for (guint i = 0; i < MIN (n, MAX_CHANGES_SHOWN); i++)
        gtk_box_append (GTK_BOX (box), new_change_label (g_ptr_array_index (entry->diff->changes, i)));
      if (n > MAX_CHANGES_SHOWN)
        {
          g_autofree char *more = NULL;

          /* Translators: after the first few changed JSON fields of a message */
          more = g_strdup_printf (ngettext ("and %u more change",
                                               "and %u more changes", n - MAX_CHANGES_SHOWN),
                                  n - MAX_CHANGES_SHOWN);
          label = new_caption (more, "dim-label");
          gtk_label_set_xalign (GTK_LABEL (label), 0);
          gtk_box_append (GTK_BOX (box), label);
        }
    }

  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  /* Translators: the accessible name of a row in the list of last messages */
  accessible = g_strdup_printf (_("Message of %s"), time);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, accessible,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, preview,
                                  -1);
  gtk_widget_set_tooltip_text (row, _("Show this message above"));
  return row;
}

/* Inserts @entry in time order unless the list holds it already; returns
 * its position, or -1 when it was a duplicate or too old to keep. */
static int
insert_entry (BdInspector      *self,
              BdInspectorEntry *entry)
{
  GListModel *model = G_LIST_MODEL (self->entries);
  guint n = g_list_model_get_n_items (model);
  guint position = n;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(BdInspectorEntry) other = g_list_model_get_item (model, i);

      if (entries_same (other, entry))
        return -1;
      if (position == n && other->time_us <= entry->time_us)
        position = i;
    }
  if (position >= MAX_MESSAGES)
    return -1;

  {
    g_autoptr(BdInspectorEntry) previous = g_list_model_get_item (model, position);

    entry_set_previous (entry, previous);
  }
  g_list_store_insert (self->entries, position, entry);

  /* The newer neighbour now follows @entry: its diff and row change. */
  if (position > 0)
    {
      g_autoptr(BdInspectorEntry) next = g_list_model_get_item (model, position - 1);

      entry_set_previous (next, entry);
      g_list_store_splice (self->entries, position - 1, 1, (gpointer *) &next, 1);
    }

  n = g_list_model_get_n_items (model);
  if (n > MAX_MESSAGES)
    g_list_store_splice (self->entries, MAX_MESSAGES, n - MAX_MESSAGES, NULL, 0);
  return (int) position;
}

static int
compare_newest_first (gconstpointer a,
                      gconstpointer b)
{
  BdInspectorEntry *ea = *(BdInspectorEntry **) a;
  BdInspectorEntry *eb = *(BdInspectorEntry **) b;

  return (ea->time_us < eb->time_us) - (ea->time_us > eb->time_us);
}

static void
on_history_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(BdInspector) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) messages = bd_history_query_messages_finish (result, &error);
  g_autoptr(GPtrArray) all = NULL;
  g_autofree char *status = NULL;
  GListModel *model;
  guint n_old;
  guint n_added = 0;

  if (messages == NULL)
    {
      /* A topic change or dispose: nothing to say. */
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      gtk_label_set_label (self->history_label, _("History unavailable"));
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->history_label), error->message);
      g_clear_object (&self->cancellable);
      return;
    }
  g_clear_object (&self->cancellable);

  model = G_LIST_MODEL (self->entries);
  n_old = g_list_model_get_n_items (model);
  all = g_ptr_array_new_full (n_old + messages->len, g_object_unref);
  for (guint i = 0; i < n_old; i++)
    g_ptr_array_add (all, g_list_model_get_item (model, i));

  for (guint i = 0; i < messages->len; i++)
    {
      BdHistoryMessage *message = g_ptr_array_index (messages, i);
      g_autoptr(BdInspectorEntry) entry = entry_new (message->time_ms * 1000, message->payload,
                                                     message->qos, message->retain);
      gboolean duplicate = FALSE;

      for (guint j = 0; j < n_old && !duplicate; j++)
        duplicate = entries_same (g_ptr_array_index (all, j), entry);
      if (!duplicate)
        {
          g_ptr_array_add (all, g_steal_pointer (&entry));
          n_added++;
        }
    }

  if (n_added > 0)
    {
      g_ptr_array_sort (all, compare_newest_first);
      if (all->len > MAX_MESSAGES)
        g_ptr_array_set_size (all, MAX_MESSAGES);
      /* Every neighbour may have changed: one pass, one splice, all rows anew. */
      for (guint i = 0; i < all->len; i++)
        entry_set_previous (g_ptr_array_index (all, i),
                            i + 1 < all->len ? g_ptr_array_index (all, i + 1) : NULL);
      g_list_store_splice (self->entries, 0, n_old, all->pdata, all->len);
      if (!self->pinned)
        show_latest (self);
    }

  status = g_strdup_printf (ngettext ("%u from the history",
                                         "%u from the history", n_added),
                            n_added);
  gtk_label_set_label (self->history_label, status);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->history_label), NULL);
}

static void
on_view_toggled_cb (BdInspector     *self,
                    GtkToggleButton *button)
{
  if (self->setting_view || !gtk_toggle_button_get_active (button))
    return;
  if (button == self->json_toggle)
    self->view = VIEW_JSON;
  else if (button == self->hex_toggle)
    self->view = VIEW_HEX;
  else
    self->view = VIEW_TEXT;
  update_view (self);
}

static void
on_copy_clicked_cb (BdInspector *self)
{
  g_autofree char *text = NULL;
  gboolean truncated;
  gboolean valid;

  if (self->shown == NULL)
    return;
  text = dup_view_text (self, effective_view (self), FALSE, &truncated, &valid);
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), text);

  _bd_show_toast (GTK_WIDGET (self), adw_toast_new (_("Payload copied")));
}

static void
on_row_activated_cb (BdInspector   *self,
                     GtkListBoxRow *row)
{
  int index = gtk_list_box_row_get_index (row);
  g_autoptr(BdInspectorEntry) entry = NULL;

  if (index < 0)
    return;
  entry = g_list_model_get_item (G_LIST_MODEL (self->entries), index);
  self->pinned = index > 0;
  show_entry (self, entry);
}

static void
on_latest_clicked_cb (BdInspector *self)
{
  show_latest (self);
  gtk_widget_grab_focus (GTK_WIDGET (self->payload_view));
}

static void
bd_inspector_map (GtkWidget *widget)
{
  BdInspector *self = BD_INSPECTOR (widget);

  GTK_WIDGET_CLASS (bd_inspector_parent_class)->map (widget);
  /* The age ticks only while someone can see it. */
  if (self->age_source == 0)
    self->age_source = g_timeout_add_seconds (1, age_tick_cb, self);
  update_age (self);
}

static void
bd_inspector_unmap (GtkWidget *widget)
{
  BdInspector *self = BD_INSPECTOR (widget);

  g_clear_handle_id (&self->age_source, g_source_remove);
  GTK_WIDGET_CLASS (bd_inspector_parent_class)->unmap (widget);
}

static void
bd_inspector_dispose (GObject *object)
{
  BdInspector *self = BD_INSPECTOR (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->age_source, g_source_remove);
  /* The stack is both a template child and AdwBin's child: detach it from
   * AdwBin first, or AdwBin's dispose would unparent it a second time. */
  adw_bin_set_child (ADW_BIN (object), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (object), BD_TYPE_INSPECTOR);
  g_clear_object (&self->entries);
  g_clear_object (&self->shown);
  g_clear_pointer (&self->history, bd_history_unref);

  G_OBJECT_CLASS (bd_inspector_parent_class)->dispose (object);
}

static void
bd_inspector_finalize (GObject *object)
{
  BdInspector *self = BD_INSPECTOR (object);

  g_free (self->topic);
  g_clear_pointer (&self->tile, bd_overview_tile_config_free);
  g_free (self->json_text);
  g_free (self->json_error);

  G_OBJECT_CLASS (bd_inspector_parent_class)->finalize (object);
}

static void
bd_inspector_class_init (BdInspectorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bd_inspector_dispose;
  object_class->finalize = bd_inspector_finalize;
  widget_class->map = bd_inspector_map;
  widget_class->unmap = bd_inspector_unmap;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/brokerdesk/Brokerdesk/bd-inspector.ui");
  gtk_widget_class_bind_template_child (widget_class, BdInspector, stack);
  gtk_widget_class_bind_template_child (widget_class, BdInspector, topic_label);
  gtk_widget_class_bind_template_child (widget_class, BdInspector, reading_label);
  gtk_widget_class_bind_template_child (widget_class, BdInspector, qos_label);
  gtk_widget_class_bind_template_child (widget_class, BdInspector, retain_label);
  gtk_widget_class_bind_template_child (widget_class, BdInspector, time_label);
  gtk_widget_class_bind_template_child (widget_class, BdInspector, age_label);
  gtk_widget_class_bind_template_child (widget_class, BdInspector, pinned_box);
  gtk_widget_class_bind_template_child (widget_class, BdInspector, latest_button);
  gtk_widget_class_bind_template_child (widget_class, BdInspector, view_box);
  gtk_widget_class_bind_template_child (widget_class, BdInspector, text_toggle);
  gtk_widget_class_bind_template_child (widget_class, BdInspector, json_toggle);
  gtk_widget_class_bind_template_child (widget_class, BdInspector, hex_toggle);
  gtk_widget_class_bind_template_child (widget_class, BdInspector, size_label);
  gtk_widget_class_bind_template_child (widget_class, BdInspector, copy_button);
  gtk_widget_class_bind_template_child (widget_class, BdInspector, notice_label);
  gtk_widget_class_bind_template_child (widget_class, BdInspector, payload_view);
  gtk_widget_class_bind_template_child (widget_class, BdInspector, history_label);
  gtk_widget_class_bind_template_child (widget_class, BdInspector, messages_list);
  gtk_widget_class_bind_template_callback (widget_class, on_view_toggled_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_copy_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_row_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_latest_clicked_cb);

  gtk_widget_class_set_css_name (widget_class, "inspector");
}

static void
bd_inspector_init (BdInspector *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->entries = g_list_store_new (BD_TYPE_INSPECTOR_ENTRY);
  /* JSON when the payload is JSON, text otherwise, until the user chooses. */
  self->view = VIEW_JSON;
  gtk_list_box_bind_model (self->messages_list, G_LIST_MODEL (self->entries),
                           create_row_cb, self, NULL);
  gtk_stack_set_visible_child_name (self->stack, "empty");
  update_view (self);
}

GtkWidget *
bd_inspector_new (void)
{
  return g_object_new (BD_TYPE_INSPECTOR, NULL);
}

void
bd_inspector_set_history (BdInspector *self,
                          BdHistory   *history)
{
  g_return_if_fail (BD_IS_INSPECTOR (self));

  if (history == self->history)
    return;
  g_clear_pointer (&self->history, bd_history_unref);
  if (history != NULL)
    self->history = bd_history_ref (history);
}

const char *
bd_inspector_get_topic (BdInspector *self)
{
  g_return_val_if_fail (BD_IS_INSPECTOR (self), NULL);

  return self->topic;
}

void
bd_inspector_set_topic (BdInspector *self,
                        const char  *topic,
                        BdMessage   *latest)
{
  g_return_if_fail (BD_IS_INSPECTOR (self));

  if (topic != NULL && g_strcmp0 (topic, self->topic) == 0)
    {
      if (latest != NULL)
        bd_inspector_push_message (self, latest);
      return;
    }

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_list_store_remove_all (self->entries);
  self->pinned = FALSE;
  g_free (self->topic);
  self->topic = g_strdup (topic);
  gtk_label_set_label (self->history_label, "");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->history_label), NULL);

  if (topic == NULL)
    {
      show_entry (self, NULL);
      gtk_stack_set_visible_child_name (self->stack, "empty");
      return;
    }

  gtk_label_set_label (self->topic_label, topic);
  if (latest != NULL && g_strcmp0 (latest->topic, topic) == 0)
    {
      g_autoptr(BdInspectorEntry) entry = entry_new (latest->time_us, latest->payload,
                                                     latest->qos, latest->retain);

      insert_entry (self, entry);
    }
  show_latest (self);
  gtk_stack_set_visible_child_name (self->stack, "topic");

  if (self->history != NULL)
    {
      self->cancellable = g_cancellable_new ();
      gtk_label_set_label (self->history_label, _("Reading the history…"));
      bd_history_query_messages_async (self->history, topic, MAX_MESSAGES, self->cancellable,
                                       on_history_cb, g_object_ref (self));
    }
}

void
bd_inspector_push_message (BdInspector *self,
                           BdMessage   *message)
{
  g_autoptr(BdInspectorEntry) entry = NULL;
  int position;

  g_return_if_fail (BD_IS_INSPECTOR (self));
  g_return_if_fail (message != NULL);

  if (self->topic == NULL || strcmp (message->topic, self->topic) != 0)
    return;

  entry = entry_new (message->time_us, message->payload, message->qos, message->retain);
  position = insert_entry (self, entry);
  if (position == 0 && !self->pinned)
    show_entry (self, entry);
}

void
bd_inspector_set_tile (BdInspector                *self,
                       const BdOverviewTileConfig *tile)
{
  g_return_if_fail (BD_IS_INSPECTOR (self));

  g_clear_pointer (&self->tile, bd_overview_tile_config_free);
  if (tile != NULL)
    self->tile = bd_overview_tile_config_copy (tile);
  update_reading (self);
}

const char *
bd_inspector_get_reading (BdInspector *self)
{
  g_return_val_if_fail (BD_IS_INSPECTOR (self), NULL);

  if (!gtk_widget_get_visible (GTK_WIDGET (self->reading_label)))
    return NULL;
  return gtk_label_get_label (self->reading_label);
}
