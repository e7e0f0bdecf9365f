/* bd-security-page.c — the broker's users, passwords and topic permissions
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A page of Preferences over BdSecurity: every change is written to the
 * password and ACL files the broker reads (the same files --headless uses)
 * and applied at once, without a restart; clients still allowed stay
 * connected. Changes are applied one after another, so the files on disk
 * always end as the page shows them.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "bd-auth-reload.h"
#include "bd-gui-util.h"
#include "bd-operations-journal.h"
#include "bd-rerun.h"
#include "bd-security-page.h"

struct _BdSecurityPage
{
  AdwPreferencesPage   parent_instance;

  BdEngine            *engine;
  BdSecurity          *security;      /* NULL until read */
  GCancellable        *cancellable;
  BdRerun              applies;
  guint                n_applied;
  BdRerun              saves;         /* of the configuration file */
  BdRerun              listener_applies;
  guint                n_listeners_applied;
  guint                n_saved;
  char                *error;
  char                *config_path;   /* --config's, or NULL: Brokerdesk's own */
  BdListenerSettings  *listener_settings;

  GtkLabel            *warning_label;
  GtkLabel            *status_label;
  GtkLabel            *error_label;
  GtkSwitch           *anonymous_switch;
  AdwActionRow        *anonymous_row;
  AdwPreferencesGroup *warning_group;
  AdwPreferencesGroup *users_group;
  AdwPreferencesGroup *rules_group;
  GtkWidget           *add_user_button;
  GtkWidget           *add_rule_button;
  GPtrArray           *rows;          /* user and rule rows, rebuilt on change */
  BdOperatorLock      *lock;
  BdJournal           *journal;
  GtkWidget           *lock_group;
};

G_DEFINE_FINAL_TYPE (BdSecurityPage, bd_security_page, ADW_TYPE_PREFERENCES_PAGE)

static void rebuild (BdSecurityPage *self);

static void
set_error (BdSecurityPage *self,
           const char     *error)
{
  g_free (self->error);
  self->error = g_strdup (error);
  _bd_show_message (self->error_label, GTK_WIDGET (self->error_label), error);
}

static void
update_warning (BdSecurityPage *self)
{
  g_autofree char *warning = NULL;

  if (self->security != NULL)
    warning = bd_security_dup_listener_warnings (self->security,
                                                 bd_engine_get_config (self->engine));
  _bd_show_message (self->warning_label, GTK_WIDGET (self->warning_group), warning);
}

static void
update_status (BdSecurityPage *self)
{
  BdSecurity *security = self->security;
  g_autofree char *status = NULL;

  if (security == NULL)
    return;
  if (security->password_live)
    status = g_strdup_printf (_("Users are kept in %s and apply at once."),
                              security->password_path);
  else if (security->from_config_file)
    /* Translators: password_file is a directive of the configuration file. */
    status = g_strdup_printf (_("The broker’s configuration file names no password_file: users "
                                "saved in %s apply once it names that file and the broker "
                                "restarts."),
                              security->password_path);
  else
    status = g_strdup_printf (_("Users are saved in %s; the broker uses them from its next "
                                "start."),
                              security->password_path);
  gtk_label_set_text (self->status_label, status);
}

static void apply (BdSecurityPage *self);

static void
on_applied_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(BdSecurityPage) self = user_data;
  g_autoptr(GError) error = NULL;

  if (bd_security_apply_finish (result, &error) < 0)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      set_error (self, error->message);
    }
  else
    set_error (self, NULL);
  self->n_applied++;
  if (bd_rerun_end (&self->applies))
    apply (self);
}

static void
apply (BdSecurityPage *self)
{
  if (bd_rerun_begin (&self->applies))
    bd_security_apply_async (self->security, self->engine, self->cancellable, on_applied_cb,
                             g_object_ref (self));
}

static void save_config (BdSecurityPage *self);

static void
on_config_saved_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(BdSecurityPage) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!bd_security_save_config_finish (result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      set_error (self, error->message);
    }
  self->n_saved++;
  if (bd_rerun_end (&self->saves))
    save_config (self);
}

/* Anonymous access and the listeners go into the configuration file, one
 * write after another, so the file ends as the page shows it. */
static void
save_config (BdSecurityPage *self)
{
  if (bd_rerun_begin (&self->saves))
    bd_security_save_config_async (self->security, self->cancellable, on_config_saved_cb,
                                   g_object_ref (self));
}

/* @text says what changed, about @subject (a user, a filter). */
static void
note (BdSecurityPage *self,
      const char     *subject,
      const char     *text)
{
  if (self->journal != NULL)
    bd_operations_journal_note (self->journal, subject, text);
}

void
bd_security_page_set_journal (BdSecurityPage *self,
                              BdJournal      *journal)
{
  g_return_if_fail (BD_IS_SECURITY_PAGE (self));

  g_clear_pointer (&self->journal, bd_journal_unref);
  if (journal != NULL)
    self->journal = bd_journal_ref (journal);
}

static void
changed (BdSecurityPage *self)
{
  rebuild (self);
  apply (self);
}

gboolean
bd_security_page_set_user (BdSecurityPage  *self,
                           const char      *name,
                           const char      *password,
                           GError         **error)
{
  gboolean existed;
  g_autofree char *text = NULL;

  g_return_val_if_fail (BD_IS_SECURITY_PAGE (self), FALSE);
  g_return_val_if_fail (self->security != NULL, FALSE);

  existed = name != NULL && bd_security_has_user (self->security, name);
  if (!bd_security_set_user (self->security, name, password, error))
    return FALSE;
  /* Translators: journal entries; %s is a user name. */
  text = g_strdup_printf (existed ? _("Broker user %s: password changed")
                                  : _("Broker user %s added"), name);
  note (self, name, text);
  changed (self);
  return TRUE;
}

gboolean
bd_security_page_add_rule (BdSecurityPage     *self,
                           BdSecurityRuleKind  kind,
                           const char         *user,
                           BdSecurityAccess    access,
                           const char         *filter,
                           GError            **error)
{
  g_return_val_if_fail (BD_IS_SECURITY_PAGE (self), FALSE);
  g_return_val_if_fail (self->security != NULL, FALSE);

  g_autofree char *text = NULL;

  if (!bd_security_add_rule (self->security, kind, user, access, filter, error))
    return FALSE;
  /* Translators: a journal entry: access word ("read"), topic filter, who. */
  text = g_strdup_printf (_("Broker permission added: %s %s for %s"),
                          bd_security_access_word (access), filter,
                          user != NULL ? user
                          : kind == BD_SECURITY_RULE_ANONYMOUS ? _("clients without a user name")
                          : _("every client"));
  note (self, user, text);
  changed (self);
  return TRUE;
}

void
bd_security_page_set_allow_anonymous (BdSecurityPage *self,
                                      gboolean        allow)
{
  g_return_if_fail (BD_IS_SECURITY_PAGE (self));

  gtk_switch_set_active (self->anonymous_switch, allow);
}

static void
on_anonymous_set_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(BdSecurityPage) self = user_data;

  bd_engine_set_allow_anonymous_finish (result, NULL);
  self->n_applied++;
}

static void
on_anonymous_active_cb (BdSecurityPage *self)
{
  gboolean allow = gtk_switch_get_active (self->anonymous_switch);

  if (self->security == NULL || allow == self->security->allow_anonymous)
    return;
  self->security->allow_anonymous = allow;
  bd_engine_set_allow_anonymous_async (self->engine, allow, NULL, on_anonymous_set_cb,
                                       g_object_ref (self));
  /* Kept for the next start, the window's or --headless's. */
  save_config (self);
  note (self, NULL, allow ? _("Broker anonymous access turned on")
                          : _("Broker anonymous access turned off"));
  update_warning (self);
}

/* The user dialog: a name (new users only) and a password. */
static void
on_user_response_cb (AdwMessageDialog *dialog,
                     const char       *response,
                     BdSecurityPage   *self)
{
  GtkEditable *name = g_object_get_data (G_OBJECT (dialog), "name-entry");
  GtkEditable *password = g_object_get_data (G_OBJECT (dialog), "password-entry");
  g_autoptr(GError) error = NULL;

  if (g_strcmp0 (response, "save") != 0)
    return;
  if (!bd_security_page_set_user (self, gtk_editable_get_text (name),
                                  gtk_editable_get_text (password), &error))
    set_error (self, error->message);
}

static void
present_user_dialog (BdSecurityPage *self,
                     const char     *name)
{
  GtkWidget *dialog;
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget *name_entry = gtk_entry_new ();
  GtkWidget *password_entry = gtk_password_entry_new ();

  dialog = adw_message_dialog_new (NULL, name != NULL ? _("Change Password") : _("Add User"),
                                   NULL);
  if (name != NULL)
    {
      adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog),
                                      /* Translators: %s is a user name. */
                                      _("A new password for “%s”. Its clients keep their "
                                        "connections until they connect again."), name);
      gtk_editable_set_text (GTK_EDITABLE (name_entry), name);
      gtk_widget_set_visible (name_entry, FALSE);
    }
  else
    adw_message_dialog_set_body (ADW_MESSAGE_DIALOG (dialog),
                                 _("Devices connect with this user name and password."));
  gtk_entry_set_placeholder_text (GTK_ENTRY (name_entry), _("User name"));
  _bd_set_accessible_label (name_entry, _("User name"));
  gtk_password_entry_set_show_peek_icon (GTK_PASSWORD_ENTRY (password_entry), TRUE);
  g_object_set (password_entry, "placeholder-text", _("Password"), NULL);
  _bd_set_accessible_label (password_entry, _("Password"));
  gtk_box_append (GTK_BOX (box), name_entry);
  gtk_box_append (GTK_BOX (box), password_entry);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), box);
  _bd_message_dialog_add_choice (ADW_MESSAGE_DIALOG (dialog), "save", _("_Save"),
                                 ADW_RESPONSE_SUGGESTED);
  g_object_set_data (G_OBJECT (dialog), "name-entry", name_entry);
  g_object_set_data (G_OBJECT (dialog), "password-entry", password_entry);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_user_response_cb), self, 0);
  _bd_present_dialog (GTK_WIDGET (self), GTK_WINDOW (dialog));
}

static void
on_remove_response_cb (AdwMessageDialog *dialog,
                       const char       *response,
                       BdSecurityPage   *self)
{
  const char *name = g_object_get_data (G_OBJECT (dialog), "user");

  if (g_strcmp0 (response, "remove") != 0 || self->security == NULL)
    return;
  if (bd_security_remove_user (self->security, name))
    {
      /* Translators: a journal entry; %s is a user name. */
      g_autofree char *text = g_strdup_printf (_("Broker user %s removed"), name);

      note (self, name, text);
      changed (self);
    }
}

GtkWidget *
bd_security_page_confirm_remove_user (BdSecurityPage *self,
                                      const char     *name)
{
  GtkWidget *dialog;

  g_return_val_if_fail (BD_IS_SECURITY_PAGE (self), NULL);

  dialog = adw_message_dialog_new (NULL, NULL, NULL);
  /* Translators: %s is a user name. */
  adw_message_dialog_format_heading (ADW_MESSAGE_DIALOG (dialog), _("Remove “%s”?"), name);
  adw_message_dialog_set_body (ADW_MESSAGE_DIALOG (dialog),
                               _("Its clients are disconnected now and cannot connect again. "
                                 "Its topic permissions are removed too."));
  _bd_message_dialog_add_choice (ADW_MESSAGE_DIALOG (dialog), "remove", _("_Remove"),
                                 ADW_RESPONSE_DESTRUCTIVE);
  g_object_set_data_full (G_OBJECT (dialog), "user", g_strdup (name), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_remove_response_cb), self, 0);
  _bd_present_dialog (GTK_WIDGET (self), GTK_WINDOW (dialog));
  return dialog;
}

static const char *
access_label (BdSecurityAccess access)
{
  switch (access)
    {
    case BD_SECURITY_READ:
      return _("Read");
    case BD_SECURITY_WRITE:
      return _("Write");
    case BD_SECURITY_READWRITE:
      return _("Read and Write");
    case BD_SECURITY_DENY:
    default:
      return _("Deny");
    }
}

/* The rule dialog: who, what access, on which filter. */
static void
on_rule_response_cb (AdwMessageDialog *dialog,
                     const char       *response,
                     BdSecurityPage   *self)
{
  GtkDropDown *who = g_object_get_data (G_OBJECT (dialog), "who");
  GtkDropDown *access = g_object_get_data (G_OBJECT (dialog), "access");
  GtkEditable *filter = g_object_get_data (G_OBJECT (dialog), "filter");
  GtkStringObject *item = gtk_drop_down_get_selected_item (who);
  guint position = gtk_drop_down_get_selected (who);
  BdSecurityRuleKind kind = BD_SECURITY_RULE_USER;
  g_autoptr(GError) error = NULL;

  if (g_strcmp0 (response, "add") != 0 || item == NULL)
    return;
  if (position == 0)
    kind = BD_SECURITY_RULE_PATTERN;
  else if (position == 1)
    kind = BD_SECURITY_RULE_ANONYMOUS;
  if (!bd_security_page_add_rule (self, kind,
                                  kind == BD_SECURITY_RULE_USER ? gtk_string_object_get_string (item) : NULL,
                                  gtk_drop_down_get_selected (access),
                                  gtk_editable_get_text (filter), &error))
    set_error (self, error->message);
}

static void
present_rule_dialog (BdSecurityPage *self)
{
  GtkWidget *dialog = adw_message_dialog_new (NULL, _("Add Topic Permission"), NULL);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  g_autoptr(GtkStringList) who_list = gtk_string_list_new (NULL);
  g_autoptr(GtkStringList) access_list = gtk_string_list_new (NULL);
  GtkWidget *who;
  GtkWidget *access;
  GtkWidget *filter = gtk_entry_new ();

  gtk_string_list_append (who_list, _("Every client (%u, %c allowed)"));
  gtk_string_list_append (who_list, _("Clients without a user name"));
  for (guint i = 0; i < self->security->users->len; i++)
    {
      const char *line = g_ptr_array_index (self->security->users, i);
      g_autofree char *name = g_strndup (line, strchr (line, ':') - line);

      gtk_string_list_append (who_list, name);
    }
  for (BdSecurityAccess a = BD_SECURITY_READ; a <= BD_SECURITY_DENY; a++)
    gtk_string_list_append (access_list, access_label (a));

  adw_message_dialog_set_body (ADW_MESSAGE_DIALOG (dialog),
                               _("Once there is a permission, a client may use only the topics "
                                 "its permissions grant. In a filter, %u stands for the user "
                                 "name and %c for the client id."));
  who = gtk_drop_down_new (G_LIST_MODEL (g_steal_pointer (&who_list)), NULL);
  _bd_set_accessible_label (who, _("Who"));
  access = gtk_drop_down_new (G_LIST_MODEL (g_steal_pointer (&access_list)), NULL);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (access), BD_SECURITY_READWRITE);
  _bd_set_accessible_label (access, _("Access"));
  gtk_entry_set_placeholder_text (GTK_ENTRY (filter), _("Topic filter, e.g. plant/%u/#"));
  _bd_set_accessible_label (filter, _("Topic filter"));
  gtk_box_append (GTK_BOX (box), who);
  gtk_box_append (GTK_BOX (box), access);
  gtk_box_append (GTK_BOX (box), filter);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), box);
  _bd_message_dialog_add_choice (ADW_MESSAGE_DIALOG (dialog), "add", _("_Add"),
                                 ADW_RESPONSE_SUGGESTED);
  g_object_set_data (G_OBJECT (dialog), "who", who);
  g_object_set_data (G_OBJECT (dialog), "access", access);
  g_object_set_data (G_OBJECT (dialog), "filter", filter);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_rule_response_cb), self, 0);
  _bd_present_dialog (GTK_WIDGET (self), GTK_WINDOW (dialog));
}

static void
on_change_password_cb (GtkButton      *button,
                       BdSecurityPage *self)
{
  present_user_dialog (self, g_object_get_data (G_OBJECT (button), "user"));
}

static void
on_remove_user_cb (GtkButton      *button,
                   BdSecurityPage *self)
{
  bd_security_page_confirm_remove_user (self, g_object_get_data (G_OBJECT (button), "user"));
}

static void
on_remove_rule_cb (GtkButton      *button,
                   BdSecurityPage *self)
{
  guint index = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (button), "index"));
  BdSecurityRule *rule;
  g_autofree char *text = NULL;

  if (self->security == NULL || index >= self->security->rules->len)
    return;
  rule = g_ptr_array_index (self->security->rules, index);
  /* Translators: a journal entry; %s is a topic filter. */
  text = g_strdup_printf (_("Broker permission on %s removed"), rule->filter);
  note (self, rule->user, text);
  bd_security_remove_rule (self->security, index);
  changed (self);
}

static GtkWidget *
row_button (BdSecurityPage *self,
            const char     *icon,
            const char     *label,
            GCallback       callback)
{
  GtkWidget *button = _bd_icon_button_new (icon, label);

  g_signal_connect (button, "clicked", callback, self);
  return button;
}

static void
add_row (BdSecurityPage      *self,
         AdwPreferencesGroup *group,
         GtkWidget           *row)
{
  adw_preferences_group_add (group, row);
  g_ptr_array_add (self->rows, row);
}

static void
rebuild (BdSecurityPage *self)
{
  BdSecurity *security = self->security;

  for (guint i = 0; i < self->rows->len; i++)
    {
      GtkWidget *row = g_ptr_array_index (self->rows, i);

      adw_preferences_group_remove (ADW_PREFERENCES_GROUP (gtk_widget_get_ancestor (row, ADW_TYPE_PREFERENCES_GROUP)),
                                    row);
    }
  g_ptr_array_set_size (self->rows, 0);
  if (security == NULL)
    return;

  for (guint i = 0; i < security->users->len; i++)
    {
      const char *line = g_ptr_array_index (security->users, i);
      g_autofree char *name = g_strndup (line, strchr (line, ':') - line);
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *button;
      g_autofree char *change = g_strdup_printf (_("Change the password of %s"), name);
      g_autofree char *remove = g_strdup_printf (_("Remove %s"), name);

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      button = row_button (self, "dialog-password-symbolic", change,
                           G_CALLBACK (on_change_password_cb));
      g_object_set_data_full (G_OBJECT (button), "user", g_strdup (name), g_free);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
      button = row_button (self, "user-trash-symbolic", remove, G_CALLBACK (on_remove_user_cb));
      g_object_set_data_full (G_OBJECT (button), "user", g_strdup (name), g_free);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
      add_row (self, self->users_group, row);
    }

  for (guint i = 0; i < security->rules->len; i++)
    {
      BdSecurityRule *rule = g_ptr_array_index (security->rules, i);
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *button;
      const char *who;
      g_autofree char *subtitle = NULL;
      g_autofree char *remove = g_strdup_printf (_("Remove the permission on %s"), rule->filter);

      if (rule->kind == BD_SECURITY_RULE_USER)
        who = rule->user;
      else if (rule->kind == BD_SECURITY_RULE_ANONYMOUS)
        who = _("Clients without a user name");
      else
        who = _("Every client");
      /* Translators: "Read — alice", who may do what. */
      subtitle = g_strdup_printf (_("%s — %s"), access_label (rule->access), who);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), rule->filter);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      button = row_button (self, "user-trash-symbolic", remove, G_CALLBACK (on_remove_rule_cb));
      g_object_set_data (G_OBJECT (button), "index", GUINT_TO_POINTER (i));
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
      add_row (self, self->rules_group, row);
    }
}

static void
on_loaded_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(BdSecurityPage) self = user_data;
  g_autoptr(GError) error = NULL;
  BdSecurity *security = bd_security_load_finish (result, &error);

  if (security == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        set_error (self, error->message);
      return;
    }
  self->security = security;
  gtk_switch_set_active (self->anonymous_switch, security->allow_anonymous);
  bd_listener_settings_set_security (self->listener_settings, security);
  gtk_widget_set_sensitive (self->add_user_button, TRUE);
  gtk_widget_set_sensitive (self->add_rule_button, TRUE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->anonymous_switch), TRUE);
  update_status (self);
  update_warning (self);
  rebuild (self);
}

static void
on_add_user_cb (BdSecurityPage *self)
{
  if (self->security != NULL)
    present_user_dialog (self, NULL);
}

static void
on_add_rule_cb (BdSecurityPage *self)
{
  if (self->security != NULL)
    present_rule_dialog (self);
}

static GtkLabel *
wrapped_label (const char *css_class)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  if (css_class != NULL)
    gtk_widget_add_css_class (label, css_class);
  return GTK_LABEL (label);
}

static GtkWidget *
header_button (const char *label,
               GCallback   callback,
               gpointer    self)
{
  GtkWidget *button = gtk_button_new_with_mnemonic (label);

  gtk_widget_add_css_class (button, "flat");
  gtk_widget_set_sensitive (button, FALSE);
  g_signal_connect_swapped (button, "clicked", callback, self);
  return button;
}

static void
bd_security_page_dispose (GObject *object)
{
  BdSecurityPage *self = BD_SECURITY_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->engine, bd_engine_unref);
  /* The group borrows the model. */
  if (self->listener_settings != NULL)
    bd_listener_settings_set_security (self->listener_settings, NULL);
  g_clear_pointer (&self->security, bd_security_free);
  g_clear_pointer (&self->rows, g_ptr_array_unref);
  g_clear_object (&self->lock);
  g_clear_pointer (&self->journal, bd_journal_unref);
  g_clear_pointer (&self->error, g_free);
  g_clear_pointer (&self->config_path, g_free);

  G_OBJECT_CLASS (bd_security_page_parent_class)->dispose (object);
}

static void
bd_security_page_class_init (BdSecurityPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = bd_security_page_dispose;
}

static void
bd_security_page_init (BdSecurityPage *self)
{
  AdwPreferencesPage *page = ADW_PREFERENCES_PAGE (self);
  AdwPreferencesGroup *group;
  GtkWidget *row;

  self->cancellable = g_cancellable_new ();
  self->rows = g_ptr_array_new ();
  adw_preferences_page_set_title (page, _("Security"));
  adw_preferences_page_set_icon_name (page, "channel-secure-symbolic");

  self->warning_group = _bd_add_preferences_group (page, _("Unsafe on the Network"), NULL);
  self->warning_label = wrapped_label ("warning");
  adw_preferences_group_add (self->warning_group, GTK_WIDGET (self->warning_label));
  gtk_widget_set_visible (GTK_WIDGET (self->warning_group), FALSE);

  group = _bd_add_preferences_group (page, _("Anonymous Access"), NULL);
  row = _bd_switch_row_new (_("Allow Clients Without a User Name"),
                            _("Applies now, and is kept in the broker’s configuration "
                              "file for its next start."),
                            &self->anonymous_switch);
  self->anonymous_row = ADW_ACTION_ROW (row);
  gtk_widget_set_sensitive (GTK_WIDGET (self->anonymous_switch), FALSE);
  /* Its name as a tooltip too. */
  _bd_set_accessible_label (GTK_WIDGET (self->anonymous_switch),
                            _("Allow Clients Without a User Name"));
  g_signal_connect_swapped (self->anonymous_switch, "notify::active",
                            G_CALLBACK (on_anonymous_active_cb), self);
  adw_preferences_group_add (group, GTK_WIDGET (self->anonymous_row));

  self->users_group = _bd_add_preferences_group (page, _("Users"), NULL);
  self->status_label = wrapped_label ("dim-label");
  adw_preferences_group_add (self->users_group, GTK_WIDGET (self->status_label));
  self->error_label = wrapped_label ("error");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), FALSE);
  adw_preferences_group_add (self->users_group, GTK_WIDGET (self->error_label));
  self->add_user_button = header_button (_("_Add User…"), G_CALLBACK (on_add_user_cb), self);
  adw_preferences_group_set_header_suffix (self->users_group, self->add_user_button);

  self->rules_group = _bd_add_preferences_group (page,
                                                 _("Topic Permissions"),
                                                 _("Without permissions every client may use "
                                                   "every topic."));
  self->add_rule_button = header_button (_("Add _Permission…"), G_CALLBACK (on_add_rule_cb),
                                         self);
  adw_preferences_group_set_header_suffix (self->rules_group, self->add_rule_button);
}

static void apply_listeners (BdSecurityPage *self);

static void
on_listeners_applied_cb (GObject      *source,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  g_autoptr(BdSecurityPage) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!bd_security_apply_listeners_finish (result, &error))
    {
      g_autofree char *message = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      /* Translators: %s says why, e.g. "Cannot listen on 0.0.0.0 port 8883:
       * Address already in use" */
      message = g_strdup_printf (_("The broker still listens as before: %s"), error->message);
      bd_listener_settings_show_error (self->listener_settings, message);
    }
  else
    bd_listener_settings_show_error (self->listener_settings, NULL);
  self->n_listeners_applied++;
  if (bd_rerun_end (&self->listener_applies))
    apply_listeners (self);
}

/* One change after another, each from the model as it is then, so the
 * engine ends with what the page shows. */
static void
apply_listeners (BdSecurityPage *self)
{
  if (bd_rerun_begin (&self->listener_applies))
    bd_security_apply_listeners_async (self->security, self->engine, self->cancellable,
                                       on_listeners_applied_cb, g_object_ref (self));
}

static void
on_listeners_changed_cb (BdSecurityPage *self)
{
  note (self, NULL, _("Broker listeners changed"));
  update_warning (self);
  save_config (self);
  apply_listeners (self);
}

GtkWidget *
bd_security_page_new (BdEngine   *engine,
                      const char *config_path,
                      const char *data_dir)
{
  BdSecurityPage *self;

  g_return_val_if_fail (engine != NULL, NULL);
  g_return_val_if_fail (data_dir != NULL, NULL);

  self = g_object_new (BD_TYPE_SECURITY_PAGE, NULL);
  self->engine = bd_engine_ref (engine);
  self->config_path = g_strdup (config_path);
  /* Below users and permissions, which come first on the page. */
  self->listener_settings = BD_LISTENER_SETTINGS (bd_listener_settings_new (data_dir));
  g_signal_connect_object (self->listener_settings, "changed",
                           G_CALLBACK (on_listeners_changed_cb), self, G_CONNECT_SWAPPED);
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (self),
                            ADW_PREFERENCES_GROUP (self->listener_settings));
  bd_security_load_async (engine, config_path, self->cancellable, on_loaded_cb,
                          g_object_ref (self));
  return GTK_WIDGET (self);
}

BdListenerSettings *
bd_security_page_get_listener_settings (BdSecurityPage *self)
{
  g_return_val_if_fail (BD_IS_SECURITY_PAGE (self), NULL);

  return self->listener_settings;
}

guint
bd_security_page_get_n_saved (BdSecurityPage *self)
{
  g_return_val_if_fail (BD_IS_SECURITY_PAGE (self), 0);

  return self->n_saved;
}

static void
on_pin_apply_cb (AdwEntryRow    *row,
                 BdSecurityPage *self)
{
  g_autoptr(GError) error = NULL;
  const char *pin = gtk_editable_get_text (GTK_EDITABLE (row));

  if (!bd_operator_lock_set_pin (self->lock, pin, &error))
    set_error (self, error->message);
  gtk_editable_set_text (GTK_EDITABLE (row), "");
}

/* Locked, the page shows the users and rules but edits nothing: its groups
 * go insensitive (the lock's own group too: changing the PIN needs it). */
static void
on_locked_cb (BdSecurityPage *self)
{
  gboolean locked = bd_operator_lock_get_locked (self->lock);
  GtkWidget *page = GTK_WIDGET (self);

  for (GtkWidget *child = gtk_widget_get_first_child (page); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    gtk_widget_set_sensitive (child, !locked);
}

void
bd_security_page_set_operator_lock (BdSecurityPage *self,
                                    BdOperatorLock *lock)
{
  AdwPreferencesGroup *group;
  GtkWidget *row;

  g_return_if_fail (BD_IS_SECURITY_PAGE (self));
  g_return_if_fail (BD_IS_OPERATOR_LOCK (lock));
  g_return_if_fail (self->lock == NULL);

  self->lock = g_object_ref (lock);
  group = _bd_add_preferences_group (ADW_PREFERENCES_PAGE (self),
                                     _("Operator Lock"),
                                     _("With a PIN, the lock button in the header bar locks the "
                                       "window to viewing: alarms can still be acknowledged, but "
                                       "commands, rules and settings need the PIN. An empty PIN "
                                       "removes the lock."));
  row = adw_password_entry_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("New Operator PIN"));
  adw_entry_row_set_show_apply_button (ADW_ENTRY_ROW (row), TRUE);
  g_signal_connect (row, "apply", G_CALLBACK (on_pin_apply_cb), self);
  adw_preferences_group_add (group, row);
  self->lock_group = GTK_WIDGET (group);
  g_signal_connect_object (lock, "notify::locked", G_CALLBACK (on_locked_cb), self,
                           G_CONNECT_SWAPPED);
  on_locked_cb (self);
}

gboolean
bd_security_page_is_idle (BdSecurityPage *self)
{
  g_return_val_if_fail (BD_IS_SECURITY_PAGE (self), FALSE);

  return self->security != NULL && !self->applies.running && !self->saves.running &&
         !self->listener_applies.running &&
         bd_listener_settings_is_idle (self->listener_settings);
}

guint
bd_security_page_get_n_listeners_applied (BdSecurityPage *self)
{
  g_return_val_if_fail (BD_IS_SECURITY_PAGE (self), 0);

  return self->n_listeners_applied;
}

guint
bd_security_page_get_n_applied (BdSecurityPage *self)
{
  g_return_val_if_fail (BD_IS_SECURITY_PAGE (self), 0);

  return self->n_applied;
}

const char *
bd_security_page_get_error (BdSecurityPage *self)
{
  g_return_val_if_fail (BD_IS_SECURITY_PAGE (self), NULL);

  return self->error;
}

const char *
bd_security_page_get_warning (BdSecurityPage *self)
{
  const char *text;

  g_return_val_if_fail (BD_IS_SECURITY_PAGE (self), NULL);

  text = gtk_label_get_text (self->warning_label);
  return *text != '\0' ? text : NULL;
}

const char *
bd_security_page_get_status (BdSecurityPage *self)
{
  g_return_val_if_fail (BD_IS_SECURITY_PAGE (self), NULL);

  return gtk_label_get_text (self->status_label);
}
