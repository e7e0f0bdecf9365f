/* bd-gui-util.h — small helpers shared by the front end's widgets
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "bd-service.h"

G_BEGIN_DECLS

/* "127.0.0.1:1883", or "[::1]:1883" for an IPv6 address (RFC 3986 §3.2.2). */
char     *_bd_format_host_port (const char *host,
                                guint       port);
/* TRUE for the loopback names a local client reaches by default. */
gboolean  _bd_host_is_default  (const char *host);

/* GTK 4.8 has no gtk_list_box_remove_all () (4.12). */
void  _bd_list_box_remove_all (GtkListBox *list_box);

/* "just now", "5 s ago", "3 min ago", "2 h ago", "4 d ago". */
char     *_bd_format_age       (gint64      age_us);
/* A local time of day ("14:03:07") for today, with the date for other
 * days; "" for 0 or less. */
char     *_bd_format_time      (gint64      time_us);

/* Shows @message in @label, and @holder (@label itself, or the group it is
 * in) only when there is one: NULL empties and hides them. */
void      _bd_show_message     (GtkLabel   *label,
                                GtkWidget  *holder,
                                const char *message);

/* Adds @css_class to @widget when @present, takes it away otherwise (GTK
 * 4.8 has no single call for it). */
void      _bd_widget_set_css_class (GtkWidget  *widget,
                                    const char *css_class,
                                    gboolean    present);

/* An empty label for what is wrong: wrapped, at the start, in the error
 * style. */
GtkLabel *_bd_error_label_new  (void);

/* Names @widget for assistive technologies and in its tooltip: for a
 * control without a visible label, such as an icon button. */
void      _bd_set_accessible_label (GtkWidget  *widget,
                                    const char *label);

/* A flat button showing @icon_name, centred in its row, named @label for
 * assistive technologies and in its tooltip. */
GtkWidget *_bd_icon_button_new (const char *icon_name,
                                const char *label);

/* The labels of a relay's or a setpoint's row, stacked in the box returned,
 * which takes the row's spare width: its name, a heading; its topics, dim
 * and small, shortened in the middle; its status, wrapping. */
GtkWidget *_bd_output_labels_new    (GtkLabel **name,
                                     GtkLabel **topics,
                                     GtkLabel **status);
/* Shows @output's name and its topics ("command → state") in them. */
void       _bd_output_labels_update (GtkLabel  *name,
                                     GtkLabel  *topics,
                                     BdOutput  *output);

/* Shows @toast (taken) in the nearest AdwToastOverlay above @widget: the
 * window's, which bd_window_add_toast () uses too. Looked up rather than
 * asking BdWindow, so a page works, and is tested, in any window with an
 * overlay. Without one the toast is dropped and FALSE returned. */
gboolean  _bd_show_toast       (GtkWidget  *widget,
                                AdwToast   *toast);

/* Makes *@slot (a GObject field of @self) hold @object (a new reference;
 * NULL: none), moves @self's handler @callback of @signal from the old
 * object to the new one (connected swapped: it gets @self), and calls it
 * once so @self catches up. Does nothing when @object is already there. */
void      _bd_follow_object    (gpointer     self,
                                gpointer    *slot,
                                gpointer     object,
                                const char  *signal,
                                GCallback    callback);

/* For an owner's dispose: closes a file chooser still shown, so its
 * "response" never reaches the owner gone, and drops *@chooser. */
void      _bd_clear_file_chooser (GtkFileChooserNative **chooser);

/* Appends an item that activates @action with @target (floating or not). */
void      _bd_menu_append_item (GMenu      *menu,
                                const char *label,
                                const char *action,
                                GVariant   *target);

/* Saves @service's overview after an edit (bd_service_save_overview_async),
 * and says in a toast over @widget if it could not be saved. */
void      _bd_save_overview    (GtkWidget  *widget,
                                BdService  *service);

/* Presents @dialog (a new, floating toplevel) over @owner's window. Closing
 * it hides it; it is destroyed a while later. GTK 4.8 answers an
 * accessibility client's query about a window being destroyed with an
 * invalid D-Bus reply and crashes (g_variant_new_object_path on a NULL
 * path), and a screen reader asks just as a dialog closes: by the time the
 * hidden dialog goes, nobody is looking at it. */
void      _bd_present_dialog   (GtkWidget  *owner,
                                GtkWindow  *dialog);

/* Gives @dialog the two answers of a question: "cancel" (_Cancel, also
 * what closing it answers) and @id labelled @label, shown with @appearance.
 * Enter answers @id for a suggested action and "cancel" for a destructive
 * one. */
void      _bd_message_dialog_add_choice (AdwMessageDialog       *dialog,
                                         const char             *id,
                                         const char             *label,
                                         AdwResponseAppearance   appearance);
/* An editor's Cancel and Save (suggested, the default; Escape cancels). */
void      _bd_add_save_responses (AdwMessageDialog *dialog);

/* A group titled @title with @description (NULL: none), added at the end
 * of @page, which owns it. */
AdwPreferencesGroup *_bd_add_preferences_group (AdwPreferencesPage *page,
                                                const char         *title,
                                                const char         *description);

/* An action row titled @title, with @subtitle (NULL: none) and a switch,
 * returned in *@switch_out, at its end: activating the row toggles it. The
 * switch is named @title for assistive technologies. */
GtkWidget *_bd_switch_row_new    (const char  *title,
                                  const char  *subtitle,
                                  GtkSwitch  **switch_out);

/* Fills @window as a modal editor of @width × @height, top to bottom: a
 * header bar with Cancel, which closes it, and Save (suggested, returned in
 * *@save_button for the caller to connect), and no title buttons, so the
 * window ends only through one of them; @notice (what is wrong, in view
 * however long the fields scroll; NULL: none); a preferences page for the
 * fields, returned, that takes the rest of the height. */
AdwPreferencesPage *_bd_editor_window_fill (AdwWindow   *window,
                                            int          width,
                                            int          height,
                                            GtkWidget   *notice,
                                            GtkWidget  **save_button);

G_END_DECLS
