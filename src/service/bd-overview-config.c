/* bd-overview-config.c — the plant overview's areas and tiles, and overview.ini
 *
 * Copyright 2026 The Brokerdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The file is a key file whose group order is the display order: an
 * "area PATH" group opens an area, and the "tile SERIES" groups after it are
 * its tiles. Keeping the order in the groups rather than in a list key means
 * a hand-edited file cannot name a tile twice or lose one.
 */

#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n.h>

#include "bd-demo-plant.h"
#include "bd-export.h"
#include "bd-overview-config.h"
#include "bd-settings-file.h"

#define AREA_PREFIX "area "
#define TILE_PREFIX "tile "
/* A group name cannot hold "[", "]" or control characters, which a topic
 * may: those (and "%") are %-escaped; everything else stays readable. */
#define GROUP_KEEP  "/#+$!&'()*,;=:@ -._~"

static char *
group_name (const char *prefix,
            const char *name)
{
  g_autofree char *escaped = g_uri_escape_string (name, GROUP_KEEP, TRUE);

  return g_strconcat (prefix, escaped, NULL);
}

static void
tile_free (gpointer data)
{
  BdOverviewTileConfig *tile = data;

  g_free (tile->series);
  g_free (tile->label);
  g_free (tile->unit);
  g_free (tile);
}

static BdOverviewTileConfig *
tile_new (const char *series)
{
  BdOverviewTileConfig *tile = g_new0 (BdOverviewTileConfig, 1);

  tile->series = g_strdup (series);
  tile->decimals = -1;
  tile->scale = 1.0;
  return tile;
}

static void
area_free (gpointer data)
{
  BdOverviewAreaConfig *area = data;

  g_free (area->path);
  g_free (area->label);
  g_ptr_array_unref (area->tiles);
  g_free (area);
}

static BdOverviewAreaConfig *
area_new (const char *path)
{
  BdOverviewAreaConfig *area = g_new0 (BdOverviewAreaConfig, 1);

  area->path = g_strdup (path);
  area->tiles = g_ptr_array_new_with_free_func (tile_free);
  return area;
}

BdOverviewConfig *
bd_overview_config_new (void)
{
  BdOverviewConfig *config = g_new0 (BdOverviewConfig, 1);

  config->areas = g_ptr_array_new_with_free_func (area_free);
  return config;
}

void
bd_overview_config_free (BdOverviewConfig *config)
{
  if (config == NULL)
    return;
  g_ptr_array_unref (config->areas);
  g_free (config);
}

char *
bd_overview_series_dup_topic (const char *series)
{
  const char *hash = strchr (series, '#');

  return hash != NULL ? g_strndup (series, hash - series) : g_strdup (series);
}

char *
bd_overview_series_dup_area (const char *series)
{
  g_autofree char *topic = bd_overview_series_dup_topic (series);
  const char *slash = strrchr (topic, '/');

  return slash != NULL ? g_strndup (topic, slash - topic) : g_strdup ("");
}

BdOverviewAreaConfig *
bd_overview_config_find_area (BdOverviewConfig *config,
                              const char       *path)
{
  for (guint i = 0; i < config->areas->len; i++)
    {
      BdOverviewAreaConfig *area = g_ptr_array_index (config->areas, i);

      if (g_str_equal (area->path, path))
        return area;
    }
  return NULL;
}

BdOverviewTileConfig *
bd_overview_config_find_tile (BdOverviewConfig  *config,
                              const char        *series,
                              BdOverviewAreaConfig   **area_out)
{
  g_autofree char *path = bd_overview_series_dup_area (series);
  BdOverviewAreaConfig *area = bd_overview_config_find_area (config, path);

  if (area_out != NULL)
    *area_out = area;
  if (area == NULL)
    return NULL;
  for (guint i = 0; i < area->tiles->len; i++)
    {
      BdOverviewTileConfig *tile = g_ptr_array_index (area->tiles, i);

      if (g_str_equal (tile->series, series))
        return tile;
    }
  return NULL;
}

BdOverviewTileConfig *
bd_overview_config_add_series (BdOverviewConfig *config,
                               const char       *series)
{
  BdOverviewAreaConfig *area = NULL;
  BdOverviewTileConfig *tile = bd_overview_config_find_tile (config, series, &area);

  if (tile != NULL)
    return tile;
  if (area == NULL)
    {
      g_autofree char *path = bd_overview_series_dup_area (series);

      area = area_new (path);
      g_ptr_array_add (config->areas, area);
    }
  tile = tile_new (series);
  g_ptr_array_add (area->tiles, tile);
  return tile;
}

static gboolean
move_in (GPtrArray *array,
         gpointer   item,
         int        delta)
{
  guint from;
  int to;

  if (!g_ptr_array_find (array, item, &from))
    return FALSE;
  to = CLAMP ((int) from + delta, 0, (int) array->len - 1);
  if (to == (int) from)
    return FALSE;
  /* Steal without freeing, then put back at the new place. */
  g_ptr_array_steal_index (array, from);
  g_ptr_array_insert (array, to, item);
  return TRUE;
}

gboolean
bd_overview_config_move_tile (BdOverviewConfig *config,
                              const char       *series,
                              int               delta)
{
  BdOverviewAreaConfig *area = NULL;
  BdOverviewTileConfig *tile = bd_overview_config_find_tile (config, series, &area);

  return tile != NULL && move_in (area->tiles, tile, delta);
}

gboolean
bd_overview_config_move_area (BdOverviewConfig *config,
                              const char       *path,
                              int               delta)
{
  BdOverviewAreaConfig *area = bd_overview_config_find_area (config, path);

  return area != NULL && move_in (config->areas, area, delta);
}

static char *
label_from_level (const char *level)
{
  char *label = g_strdup (level);

  g_strdelimit (label, "_", ' ');
  return label;
}

char *
bd_overview_tile_config_dup_label (const BdOverviewTileConfig *tile)
{
  const char *hash;
  const char *slash;

  if (tile->label != NULL && tile->label[0] != '\0')
    return g_strdup (tile->label);
  hash = strchr (tile->series, '#');
  if (hash != NULL)
    return label_from_level (hash + 1);
  slash = strrchr (tile->series, '/');
  return label_from_level (slash != NULL ? slash + 1 : tile->series);
}

char *
bd_overview_area_config_dup_label (const BdOverviewAreaConfig *area)
{
  const char *slash;

  if (area->label != NULL && area->label[0] != '\0')
    return g_strdup (area->label);
  if (area->path[0] == '\0')
    return g_strdup (_("Top Level"));
  slash = strrchr (area->path, '/');
  return label_from_level (slash != NULL ? slash + 1 : area->path);
}

char *
bd_overview_tile_config_format_value (const BdOverviewTileConfig *tile,
                               double                value)
{
  g_autofree char *number = NULL;
  double shown = value * tile->scale;

  if (!isfinite (shown))
    number = g_strdup ("—");
  else if (tile->decimals >= 0)
    number = g_strdup_printf ("%.*f", MIN (tile->decimals, 9), shown);
  else
    {
      gsize len;

      /* As many decimals as the value has, up to three: "23.4", "620", "0.125".
       * The separator is the locale's, so strip from the end by digits. */
      number = g_strdup_printf ("%.3f", shown);
      len = strlen (number);
      while (len > 0 && number[len - 1] == '0')
        number[--len] = '\0';
      if (len > 0 && !g_ascii_isdigit (number[len - 1]))
        number[--len] = '\0';
      if (g_str_equal (number, "-0"))
        number[0] = '0', number[1] = '\0';
    }
  if (tile->unit == NULL || tile->unit[0] == '\0')
    return g_steal_pointer (&number);
  return g_strdup_printf ("%s %s", number, tile->unit);
}

BdOverviewTileConfig *
bd_overview_tile_config_copy (const BdOverviewTileConfig *tile)
{
  BdOverviewTileConfig *copy = g_memdup2 (tile, sizeof *tile);

  copy->series = g_strdup (tile->series);
  copy->label = g_strdup (tile->label);
  copy->unit = g_strdup (tile->unit);
  return copy;
}

void
bd_overview_tile_config_free (BdOverviewTileConfig *tile)
{
  if (tile != NULL)
    tile_free (tile);
}

char *
bd_overview_config_dup_series_label (BdOverviewConfig *config,
                                     const char       *series)
{
  BdOverviewTileConfig *tile;

  if (config == NULL || series == NULL
      || (tile = bd_overview_config_find_tile (config, series, NULL)) == NULL
      || tile->label == NULL || tile->label[0] == '\0')
    return NULL;
  return g_strdup (tile->label);
}

const char *
bd_overview_config_get_series_unit (BdOverviewConfig *config,
                                    const char       *series)
{
  BdOverviewTileConfig *tile;

  if (config == NULL || series == NULL
      || (tile = bd_overview_config_find_tile (config, series, NULL)) == NULL
      || tile->unit == NULL || tile->unit[0] == '\0')
    return NULL;
  return tile->unit;
}

char *
bd_overview_config_format_series_value (BdOverviewConfig *config,
                                        const char       *series,
                                        double            value)
{
  BdOverviewTileConfig *tile;

  if (config == NULL || series == NULL
      || (tile = bd_overview_config_find_tile (config, series, NULL)) == NULL)
    return NULL;
  return bd_overview_tile_config_format_value (tile, value);
}

GHashTable *
bd_overview_config_dup_export_series (BdOverviewConfig *config)
{
  GHashTable *table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                             (GDestroyNotify) bd_export_series_free);

  for (guint i = 0; config != NULL && i < config->areas->len; i++)
    {
      BdOverviewAreaConfig *area = g_ptr_array_index (config->areas, i);

      for (guint j = 0; j < area->tiles->len; j++)
        {
          BdOverviewTileConfig *tile = g_ptr_array_index (area->tiles, j);
          g_autofree char *label = NULL;
          const char *unit;

          /* An export row is a message; its value is the plain payload's,
           * so only a plain series ("topic", not "topic#field") names it. */
          if (strchr (tile->series, '#') != NULL)
            continue;
          label = bd_overview_config_dup_series_label (config, tile->series);
          unit = bd_overview_config_get_series_unit (config, tile->series);
          if (label == NULL && unit == NULL && tile->scale == 1.0)
            continue;
          g_hash_table_insert (table, g_strdup (tile->series),
                               bd_export_series_new (label, unit, tile->scale));
        }
    }
  return table;
}

/* ------------------------------------------------------------ the file */

static char *
get_optional_string (GKeyFile   *file,
                     const char *group,
                     const char *key)
{
  char *value = g_key_file_get_locale_string (file, group, key, NULL, NULL);

  if (value != NULL && value[0] == '\0')
    g_clear_pointer (&value, g_free);
  return value;
}

static gboolean
get_boolean (GKeyFile   *file,
             const char *group,
             const char *key,
             gboolean   *value,
             GPtrArray  *problems)
{
  g_autoptr(GError) error = NULL;

  if (!g_key_file_has_key (file, group, key, NULL))
    return TRUE;
  *value = g_key_file_get_boolean (file, group, key, &error);
  if (error == NULL)
    return TRUE;
  if (problems != NULL)
    g_ptr_array_add (problems, g_strdup_printf ("[%s] %s: %s", group, key, error->message));
  return FALSE;
}

static gboolean
read_tile (GKeyFile       *file,
           const char     *group,
           BdOverviewTileConfig *tile,
           GPtrArray      *problems)
{
  g_autoptr(GError) error = NULL;

  tile->label = get_optional_string (file, group, "label");
  tile->unit = get_optional_string (file, group, "unit");
  if (g_key_file_has_key (file, group, "decimals", NULL))
    {
      int decimals = g_key_file_get_integer (file, group, "decimals", &error);

      if (error != NULL || decimals < -1 || decimals > 9)
        {
          if (problems != NULL)
            g_ptr_array_add (problems, g_strdup_printf (_("[%s] decimals: not a number from -1 to 9"),
                                                        group));
          return FALSE;
        }
      tile->decimals = decimals;
    }
  if (g_key_file_has_key (file, group, "scale", NULL))
    {
      double scale = g_key_file_get_double (file, group, "scale", &error);

      if (error != NULL || !isfinite (scale) || scale == 0)
        {
          if (problems != NULL)
            g_ptr_array_add (problems, g_strdup_printf (_("[%s] scale: not a number other than 0"),
                                                        group));
          return FALSE;
        }
      tile->scale = scale;
    }
  return get_boolean (file, group, "hidden", &tile->hidden, problems);
}

BdOverviewConfig *
bd_overview_config_from_data (const char  *data,
                              gsize        length,
                              GPtrArray  **problems_out,
                              GError     **error)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autoptr(BdOverviewConfig) config = bd_overview_config_new ();
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) groups = NULL;
  BdOverviewAreaConfig *area = NULL;

  if (!g_key_file_load_from_data (file, data, length, G_KEY_FILE_NONE, error))
    return NULL;
  groups = g_key_file_get_groups (file, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      const char *group = groups[i];

      if (g_str_has_prefix (group, AREA_PREFIX))
        {
          g_autofree char *path = g_uri_unescape_string (group + strlen (AREA_PREFIX), NULL);

          if (path == NULL || bd_overview_config_find_area (config, path) != NULL)
            {
              g_ptr_array_add (problems, g_strdup_printf (_("[%s]: the area is listed twice"), group));
              area = NULL;
              continue;
            }
          area = area_new (path);
          area->label = get_optional_string (file, group, "label");
          get_boolean (file, group, "hidden", &area->hidden, problems);
          g_ptr_array_add (config->areas, area);
        }
      else if (g_str_has_prefix (group, TILE_PREFIX))
        {
          g_autofree char *series = g_uri_unescape_string (group + strlen (TILE_PREFIX), NULL);
          g_autofree char *path = NULL;
          BdOverviewTileConfig *tile;

          if (series == NULL || series[0] == '\0')
            {
              g_ptr_array_add (problems, g_strdup_printf (_("[%s]: not an area or a tile"), group));
              continue;
            }
          path = bd_overview_series_dup_area (series);
          if (area == NULL || !g_str_equal (area->path, path))
            {
              g_ptr_array_add (problems,
                               g_strdup_printf (_("[%s]: not under the group of its area “%s”"),
                                                group, path));
              continue;
            }
          if (bd_overview_config_find_tile (config, series, NULL) != NULL)
            {
              g_ptr_array_add (problems, g_strdup_printf (_("[%s]: the tile is listed twice"), group));
              continue;
            }
          tile = tile_new (series);
          if (!read_tile (file, group, tile, problems))
            {
              tile_free (tile);
              continue;
            }
          g_ptr_array_add (area->tiles, tile);
        }
      else
        g_ptr_array_add (problems, g_strdup_printf (_("[%s]: not an area or a tile"), group));
    }
  if (problems_out != NULL)
    *problems_out = g_steal_pointer (&problems);
  return g_steal_pointer (&config);
}

char *
bd_overview_config_to_data (BdOverviewConfig *config,
                            gsize            *length)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();

  g_key_file_set_comment (file, NULL, NULL,
                          " Brokerdesk's plant overview: areas and their tiles, in display order",
                          NULL);
  for (guint i = 0; i < config->areas->len; i++)
    {
      BdOverviewAreaConfig *area = g_ptr_array_index (config->areas, i);
      g_autofree char *area_group = group_name (AREA_PREFIX, area->path);

      /* An empty area group still holds the area's place. */
      g_key_file_set_boolean (file, area_group, "hidden", area->hidden);
      if (area->label != NULL)
        g_key_file_set_string (file, area_group, "label", area->label);
      for (guint j = 0; j < area->tiles->len; j++)
        {
          BdOverviewTileConfig *tile = g_ptr_array_index (area->tiles, j);
          g_autofree char *group = group_name (TILE_PREFIX, tile->series);

          if (tile->label != NULL)
            g_key_file_set_string (file, group, "label", tile->label);
          if (tile->unit != NULL)
            g_key_file_set_string (file, group, "unit", tile->unit);
          g_key_file_set_integer (file, group, "decimals", tile->decimals);
          g_key_file_set_double (file, group, "scale", tile->scale);
          g_key_file_set_boolean (file, group, "hidden", tile->hidden);
        }
    }
  return g_key_file_to_data (file, length, NULL);
}

char *
bd_overview_config_dup_default_path (void)
{
  return g_build_filename (g_get_user_config_dir (), "brokerdesk", "overview.ini", NULL);
}

BdOverviewConfig *
bd_overview_config_load_file (const char  *path,
                              GError     **error)
{
  g_autofree char *data = NULL;
  g_autoptr(GPtrArray) problems = NULL;
  BdOverviewConfig *config;
  gsize length = 0;

  if (!g_file_get_contents (path, &data, &length, error))
    return NULL;
  config = bd_overview_config_from_data (data, length, &problems, error);
  if (config == NULL)
    {
      g_prefix_error (error, "%s: ", path);
      return NULL;
    }
  /* A broken group is skipped and named; the rest of the overview stays. */
  for (guint i = 0; i < problems->len; i++)
    g_warning ("%s: %s", path, (const char *) g_ptr_array_index (problems, i));
  return config;
}

gboolean
bd_overview_config_save_file (BdOverviewConfig  *config,
                              const char        *path,
                              GError           **error)
{
  g_autofree char *data = NULL;
  gsize length = 0;

  data = bd_overview_config_to_data (config, &length);
  return bd_settings_file_save (path, data, length, error);
}

/* Saves run on workers in any order; the settings file saver drops one
 * older than the last written, so the newest edit wins. */
void
bd_overview_config_save_async (BdOverviewConfig    *config,
                               const char          *path,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  char *data;
  gsize length;

  g_return_if_fail (config != NULL);
  g_return_if_fail (path != NULL);

  data = bd_overview_config_to_data (config, &length);
  bd_settings_file_save_async (NULL, path, data, length, cancellable, callback, user_data);
}

gboolean
bd_overview_config_save_finish (GAsyncResult  *result,
                                GError       **error)
{
  return bd_settings_file_save_finish (result, error);
}

BdOverviewConfig *
bd_overview_config_new_demo (void)
{
  /* In the order of bd_demo_plant_sensors; the same names as the demo's
   * alarm rules, so a tile and its alarm read alike. */
  const struct
  {
    const char *label;
    const char *unit;
    int         decimals;
  } sensors[] = {
    { N_("Temperature"), "°C", 1 },
    { N_("Humidity"), "%", 1 },
    { N_("Air pressure"), "hPa", 1 },
    { NC_("carbon dioxide", "CO₂"), "ppm", 0 },
  };
  const char *area_labels[] = { N_("Manufacture"), N_("Assembly"), N_("Packaging") };
  BdOverviewConfig *config = bd_overview_config_new ();

  G_STATIC_ASSERT (G_N_ELEMENTS (sensors) == 4);
  G_STATIC_ASSERT (G_N_ELEMENTS (area_labels) == 3);
  config->is_new = TRUE;
  for (guint a = 0; bd_demo_plant_areas[a] != NULL && a < G_N_ELEMENTS (area_labels); a++)
    {
      g_autofree char *path = g_strdup_printf ("busan/factory/%s", bd_demo_plant_areas[a]);
      BdOverviewAreaConfig *area = area_new (path);

      /* Named in the user's language: once saved they are the user's names. */
      area->label = g_strdup (_(area_labels[a]));
      g_ptr_array_add (config->areas, area);
      for (guint s = 0; bd_demo_plant_sensors[s] != NULL && s < G_N_ELEMENTS (sensors); s++)
        {
          g_autofree char *series = g_strdup_printf ("%s/%s", path, bd_demo_plant_sensors[s]);
          BdOverviewTileConfig *tile = tile_new (series);

          tile->label = g_strdup (s == 3 ? g_dpgettext2 (NULL, "carbon dioxide", sensors[s].label)
                                         : _(sensors[s].label));
          tile->unit = g_strdup (sensors[s].unit);
          tile->decimals = sensors[s].decimals;
          g_ptr_array_add (area->tiles, tile);
        }
    }
  return config;
}
