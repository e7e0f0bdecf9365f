/* bd-output-private.h — what relays, setpoints and their controller share
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "bd-output.h"

G_BEGIN_DECLS

/* Sets *@field to a copy of @value and notifies @pspec, when it changed. */
void     _bd_output_set_string     (BdOutput    *self,
                                    char       **field,
                                    const char  *value,
                                    GParamSpec  *pspec);

/* For the subclasses, after they stored a new state (@state_pspec):
 * records @time_us as the last change and notifies both. */
void     _bd_output_state_changed  (BdOutput    *self,
                                    GParamSpec  *state_pspec,
                                    gint64       time_us);
/* For the subclasses, after they stored a new target (@target_pspec):
 * notifies it, and "pending" when that changed from @was_pending. */
void     _bd_output_target_changed (BdOutput    *self,
                                    GParamSpec  *target_pspec,
                                    gboolean     was_pending);

/* Each notifies only on change; call on the controller's thread. */
void     _bd_output_clear_target   (BdOutput    *self);
void     _bd_output_set_last_error (BdOutput    *self,
                                    const char  *message);

/* The checks every kind makes: an id usable as a relays.ini group, a name
 * and the two topics. @no_id and @no_name are the kind's messages. */
gboolean _bd_output_validate       (BdOutput    *self,
                                    const char  *no_id,
                                    const char  *no_name,
                                    GError     **error);

/* The shared accessors under a kind's own names (bd_relay_get_id () and so
 * on), so callers keep a typed API; each checks the kind, then forwards. */
#define _BD_OUTPUT_FORWARD_GET(Kind, kind, IS_KIND, type, field, fallback) \
  type                                                                  \
  kind##_get_##field (Kind *self)                                       \
  {                                                                     \
    g_return_val_if_fail (IS_KIND (self), fallback);                    \
    return bd_output_get_##field (BD_OUTPUT (self));                    \
  }

#define _BD_OUTPUT_FORWARD_SET(Kind, kind, IS_KIND, type, field)        \
  void                                                                  \
  kind##_set_##field (Kind *self,                                       \
                      type  value)                                      \
  {                                                                     \
    g_return_if_fail (IS_KIND (self));                                  \
    bd_output_set_##field (BD_OUTPUT (self), value);                    \
  }

#define _BD_OUTPUT_FORWARD_PROPERTY(Kind, kind, IS_KIND, type, field, fallback) \
  _BD_OUTPUT_FORWARD_GET (Kind, kind, IS_KIND, type, field, fallback)   \
  _BD_OUTPUT_FORWARD_SET (Kind, kind, IS_KIND, type, field)

#define _BD_OUTPUT_DEFINE_ACCESSORS(Kind, kind, IS_KIND)                                \
  _BD_OUTPUT_FORWARD_PROPERTY (Kind, kind, IS_KIND, const char *, id, NULL)             \
  _BD_OUTPUT_FORWARD_PROPERTY (Kind, kind, IS_KIND, const char *, name, NULL)           \
  _BD_OUTPUT_FORWARD_PROPERTY (Kind, kind, IS_KIND, const char *, command_topic, NULL)  \
  _BD_OUTPUT_FORWARD_PROPERTY (Kind, kind, IS_KIND, const char *, state_topic, NULL)    \
  _BD_OUTPUT_FORWARD_PROPERTY (Kind, kind, IS_KIND, guint, qos, 0)                      \
  _BD_OUTPUT_FORWARD_PROPERTY (Kind, kind, IS_KIND, gboolean, retain_command, FALSE)    \
  _BD_OUTPUT_FORWARD_PROPERTY (Kind, kind, IS_KIND, guint, timeout, 0)                  \
  _BD_OUTPUT_FORWARD_GET (Kind, kind, IS_KIND, gboolean, pending, FALSE)                \
  _BD_OUTPUT_FORWARD_GET (Kind, kind, IS_KIND, const char *, last_error, NULL)          \
  _BD_OUTPUT_FORWARD_GET (Kind, kind, IS_KIND, gint64, last_change, 0)

G_END_DECLS
