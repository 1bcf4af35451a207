/* Rollups: each org node keeps the figures of its whole subtree (residents,
 * households, party members, each tag, ...) in org_figure, changed on every
 * write up the node's path, so a dashboard reads a handful of rows. */
#include "api/internal.h"

#include <stdio.h>
#include <string.h>

#include "core/path.h"
#include "lib/util.h"

static int add_at(db_t *db, int64_t org_id, const char *figure, int64_t delta)
{
    return db_exec(db, NULL,
                   "INSERT INTO org_figure (org_id, figure, value) VALUES (?, ?, ?)"
                   " ON CONFLICT (org_id, figure) DO UPDATE SET value = org_figure.value + excluded.value",
                   "iti", org_id, figure, delta);
}

int rollup_add(db_t *db, int64_t org_id, const char *figure, int64_t delta)
{
    if (delta == 0 || org_id <= 0)
        return DB_OK;
    char path[ACCESS_PATH_MAX];
    int rc = db_one_text(db, path, sizeof path, "SELECT path FROM org WHERE id = ?", "i", org_id);
    if (rc != DB_OK)
        return rc;
    int64_t ids[PATH_MAX_DEPTH];
    int n = path_ids(path, ids, PATH_MAX_DEPTH);
    for (int i = 0; rc == DB_OK && i < n; i++)
        rc = add_at(db, ids[i], figure, delta);
    return rc;
}

int rollup_move(db_t *db, int64_t node, const char *old_parent_path, const char *new_parent_path)
{
    int64_t olds[PATH_MAX_DEPTH], news[PATH_MAX_DEPTH];
    int no = path_ids(old_parent_path, olds, PATH_MAX_DEPTH), nn = path_ids(new_parent_path, news, PATH_MAX_DEPTH);
    if (no < 0 || nn < 0)
        return DB_ERR;
    json_t *rows = db_rows_json(db, "SELECT figure, value FROM org_figure WHERE org_id = ? AND value <> 0", "i", node);
    if (rows == NULL)
        return DB_ERR;
    int rc = DB_OK;
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) {
        const char *figure = json_string_value(json_object_get(r, "figure"));
        int64_t v = json_integer_value(json_object_get(r, "value"));
        for (int k = 0; rc == DB_OK && k < no; k++)
            rc = add_at(db, olds[k], figure, -v);
        for (int k = 0; rc == DB_OK && k < nn; k++)
            rc = add_at(db, news[k], figure, v);
    }
    json_decref(rows);
    return rc;
}

json_t *rollup_figures(db_t *db, int64_t org_id)
{
    json_t *o = json_object();
    db_stmt_t *st = db_q(db, "SELECT figure, value FROM org_figure WHERE org_id = ? ORDER BY figure", "i", org_id);
    if (st == NULL)
        return o;
    while (db_step(st) == DB_ROW)
        json_object_set_new(o, db_col_text(st, 0), json_integer(db_col_int(st, 1)));
    db_done(st);
    return o;
}

int rollup_org_node(db_t *db, int64_t org_id, int sign)
{
    char level[16] = "", kind[32] = "", fig[48];
    int rc = db_one_text(db, level, sizeof level, "SELECT level FROM org WHERE id = ?", "i", org_id);
    if (rc == DB_OK)
        rc = db_one_text(db, kind, sizeof kind, "SELECT kind FROM org WHERE id = ?", "i", org_id);
    if (rc != DB_OK)
        return rc;
    if (strcmp(level, "city") == 0)
        return DB_OK;
    /* Communities and villages are told apart by kind; every other level by level. */
    snprintf(fig, sizeof fig, "org.%s", strcmp(level, "community") == 0 ? kind : level);
    return rollup_add(db, org_id, fig, sign);
}

int rollup_party_org(db_t *db, int64_t party_org_id, int sign)
{
    int64_t org = 0;
    char kind[32] = "", fig[64];
    int rc = db_one_int(db, &org, "SELECT org_id FROM party_org WHERE id = ?", "i", party_org_id);
    if (rc == DB_OK)
        rc = db_one_text(db, kind, sizeof kind, "SELECT kind FROM party_org WHERE id = ?", "i", party_org_id);
    if (rc == DB_OK)
        rc = rollup_add(db, org, "party_orgs", sign);
    snprintf(fig, sizeof fig, "party_orgs.%s", kind);
    if (rc == DB_OK)
        rc = rollup_add(db, org, fig, sign);
    /* party_orgs.at_grid: those sitting at a grid-level node (网格党支部, 党小组). */
    char level[16] = "";
    if (rc == DB_OK)
        rc = db_one_text(db, level, sizeof level, "SELECT level FROM org WHERE id = ?", "i", org);
    return rc == DB_OK && strcmp(level, "grid") == 0 ? rollup_add(db, org, "party_orgs.at_grid", sign) : rc;
}

int rollup_unit(db_t *db, int64_t unit_id, int sign)
{
    int64_t org = 0;
    char type[32] = "", fig[64];
    int rc = db_one_int(db, &org, "SELECT org_id FROM unit WHERE id = ?", "i", unit_id);
    if (rc == DB_OK)
        rc = db_one_text(db, type, sizeof type, "SELECT type FROM unit WHERE id = ?", "i", unit_id);
    if (rc == DB_OK)
        rc = rollup_add(db, org, "units", sign);
    snprintf(fig, sizeof fig, "units.%s", type);
    return rc == DB_OK ? rollup_add(db, org, fig, sign) : rc;
}
