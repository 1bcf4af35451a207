/* The map of a node (issue 18): its outline, its children's outlines, the
 * buildings of a community or grid and the open cases of the subtree that have
 * a place (and for a street the outlined grids within it), in one answer the
 * console draws; and the tile layer an operator
 * configured, if any. No personal data: cases carry their tracking code, state
 * and place, never a title, a description or a reporter. */
#include "api/handlers.h"
#include "api/op.h"
#include "api/internal.h"
#include "api/case.h"

#include <stdio.h>
#include <string.h>

#include "core/path.h"
#include "core/role.h"
#include "http/server.h"
#include "lib/util.h"

/* The most of each list one answer carries; more sets "truncated". */
#define MAP_CHILDREN 500
#define MAP_BUILDINGS 2000
#define MAP_CASES 500
#define MAP_GRIDS 2000

/* Replace the stored GeoJSON text in row's "geojson" by the parsed object under
 * "geometry" (null when none or unreadable). */
static void geometry_parse(json_t *row)
{
    const char *text = json_string_value(json_object_get(row, "geojson"));
    json_t *g = text ? json_loads(text, 0, NULL) : NULL;
    json_object_set_new(row, "geometry", g ? g : json_null());
    json_object_del(row, "geojson");
}

/* At most max of rows, the rest dropped; 1 if some were. */
static int cut(json_t *rows, size_t max)
{
    if (json_array_size(rows) <= max)
        return 0;
    while (json_array_size(rows) > max)
        json_array_remove(rows, json_array_size(rows) - 1);
    return 1;
}

/* The place of a building from its Point, into lng and lat; 0 or -1. */
static int building_place(json_t *row)
{
    geometry_parse(row);
    json_t *c = json_object_get(json_object_get(row, "geometry"), "coordinates");
    if (!json_is_number(json_array_get(c, 0)) || !json_is_number(json_array_get(c, 1)))
        return -1;
    json_object_set(row, "lng", json_array_get(c, 0));
    json_object_set(row, "lat", json_array_get(c, 1));
    json_object_del(row, "geometry");
    return 0;
}

/* The answer for the node at [lo, hi); cases when with_cases, buildings when
 * with_buildings. NULL on a database error. */
static json_t *map_of(db_t *db, int64_t id, const char *lo, const char *hi, int with_cases, int with_buildings,
                      int64_t now)
{
    json_t *org = db_row_one_json(db,
                                  "SELECT o.id, o.name, o.level, o.kind, o.code, o.parent_id, g.geojson FROM org o"
                                  " LEFT JOIN org_geometry g ON g.org_id = o.id WHERE o.id = ?",
                                  "i", id);
    json_t *children = db_rows_json(db,
                                    "SELECT o.id, o.name, o.level, o.kind, o.code, g.geojson FROM org o"
                                    " LEFT JOIN org_geometry g ON g.org_id = o.id"
                                    " WHERE o.parent_id = ? AND o.level <> 'building' ORDER BY o.id LIMIT ?",
                                    "ii", id, (int64_t)MAP_CHILDREN + 1);
    const char *level = json_string_value(json_object_get(org, "level"));
    int has_buildings = with_buildings && level && (strcmp(level, "community") == 0 || strcmp(level, "grid") == 0);
    json_t *buildings = has_buildings
                            ? db_rows_json(db,
                                           "SELECT o.id, o.name, o.parent_id, g.geojson FROM org o"
                                           " JOIN org_geometry g ON g.org_id = o.id"
                                           " WHERE o.path >= ? AND o.path < ? AND o.level = 'building'"
                                           " AND g.kind = 'Point' ORDER BY o.id LIMIT ?",
                                           "tti", lo, hi, (int64_t)MAP_BUILDINGS + 1)
                            : json_array();
    /* A street's map shows its communities and, within them, their grids. */
    int is_street = level && strcmp(level, "street") == 0;
    json_t *grids = is_street ? db_rows_json(db,
                                             "SELECT o.id, o.name, o.parent_id, g.geojson FROM org o"
                                             " JOIN org_geometry g ON g.org_id = o.id"
                                             " WHERE o.path >= ? AND o.path < ? AND o.level = 'grid'"
                                             " ORDER BY o.id LIMIT ?",
                                             "tti", lo, hi, (int64_t)MAP_GRIDS + 1)
                              : json_array();
    /* Open: the three ended states left out, as casefile_open_deadline's WHERE says it. */
    json_t *cases = with_cases ? db_rows_json(db,
                                              "SELECT c.id, c.tracking_code, c.state, c.stage_deadline AS _deadline,"
                                              " c.lng, c.lat, c.org_id FROM casefile c JOIN org o ON o.id = c.org_id"
                                              " WHERE o.path >= ? AND o.path < ? AND c.state <> 'rejected'"
                                              " AND c.state <> 'closed' AND c.state <> 'rated'"
                                              " AND c.lng IS NOT NULL AND c.lat IS NOT NULL"
                                              " ORDER BY c.id DESC LIMIT ?",
                                              "tti", lo, hi, (int64_t)MAP_CASES + 1)
                               : json_null();
    if (org == NULL || children == NULL || buildings == NULL || cases == NULL || grids == NULL) {
        json_decref(grids);
        json_decref(org);
        json_decref(children);
        json_decref(buildings);
        json_decref(cases);
        return NULL;
    }
    geometry_parse(org);
    size_t i;
    json_t *row;
    json_array_foreach(children, i, row) geometry_parse(row);
    json_array_foreach(grids, i, row) geometry_parse(row);
    for (i = 0; i < json_array_size(buildings);) {
        if (building_place(json_array_get(buildings, i)) != 0)
            json_array_remove(buildings, i);
        else
            i++;
    }
    json_array_foreach(cases, i, row) case_add_overdue(row, now);
    int truncated = cut(children, MAP_CHILDREN);
    truncated |= cut(buildings, MAP_BUILDINGS);
    truncated |= cut(grids, MAP_GRIDS);
    if (json_is_array(cases))
        truncated |= cut(cases, MAP_CASES);
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:b}", "org", org, "children", children, "grids", grids, "buildings",
                     buildings, "cases", cases, "truncated", truncated);
}

/* The map's answer as text, sent and kept under key. */
static int map_reply(api_req_t *req, api_reply_t *rep, const char *key, json_t *out)
{
    if (out == NULL)
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    /* Fifteen significant digits: every coordinate as it was stored (six or seven
     * decimals) instead of jansson's seventeen (31.850000000000001), a fifth of a
     * map of outlines saved. */
    char *text = json_dumps(out, JSON_COMPACT | JSON_REAL_PRECISION(15));
    json_decref(out);
    if (text == NULL)
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    rep->status = 200;
    rep->raw_len = strlen(text);
    rep->raw = xmalloc(rep->raw_len);
    memcpy(rep->raw, text, rep->raw_len);
    rep->content_type = "application/json; charset=utf-8";
    cache_store_text(req, key, text);
    return 0;
}

/* GET /api/v1/orgs/{id}/map. The answer depends on the node, whether the caller
 * reads cases over its whole subtree, and (through "overdue") the minute: kept
 * per loop thread until the next commit or the next minute. */
static int org_map(api_req_t *req, api_reply_t *rep)
{
    char lo[ACCESS_PATH_MAX], hi[ACCESS_PATH_MAX];
    int64_t id = req->params[0];
    int rc = access_org(req->db, req->who, PERM_ORG_READ, id, lo, sizeof lo);
    if (rc != DB_OK)
        return api_db_error(rep, req->lang, rc, "org");
    int with_cases = access_covers(req->who, PERM_CASE_READ, lo);
    int64_t now = clock_now();
    char key[80];
    snprintf(key, sizeof key, "orgs.map:%lld:%d:%lld", (long long)id, with_cases, (long long)(now / 60));
    if (cache_reply(req, key, rep))
        return 0;
    path_subtree_upper(hi, sizeof hi, lo);
    json_t *out = map_of(req->db, id, lo, hi, with_cases, 1, now);
    return map_reply(req, rep, key, out);
}
/* GET /api/v1/public/map?org=: the outlines of a node and its children (a street's
 * grids too) for anyone, the city's when org is not given: what a visitor's report
 * form draws as its base layer. The city's divisions and grids are public (the
 * outlines come from public data); no building, case or figure is in it. */
static int public_map(api_req_t *req, api_reply_t *rep)
{
    int64_t id = 0;
    if (api_query_int(req, "org", 0, 1, INT64_MAX, &id) != 0)
        return api_fail(rep, req->lang, E_FILTER_ID_INVALID, "org");
    /* The node (never a building), or the root when none is named. */
    db_stmt_t *st = id ? db_q(req->db, "SELECT id, path FROM org WHERE id = ? AND level <> 'building'", "i", id)
                       : db_q(req->db, "SELECT id, path FROM org WHERE parent_id IS NULL ORDER BY id LIMIT 1", "");
    if (st == NULL)
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    char path[ACCESS_PATH_MAX], hi[ACCESS_PATH_MAX];
    int rc = db_step(st);
    if (rc == DB_ROW) {
        id = db_col_int(st, 0);
        str_copy(path, sizeof path, db_col_text(st, 1));
    }
    db_done(st);
    if (rc == DB_DONE)
        return api_fail(rep, req->lang, E_ORG_NOT_FOUND, "org");
    if (rc != DB_ROW)
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    char key[64];
    snprintf(key, sizeof key, "public.map:%lld", (long long)id);
    if (cache_reply(req, key, rep))
        return 0;
    path_subtree_upper(hi, sizeof hi, path);
    json_t *out = map_of(req->db, id, path, hi, 0, 0, clock_now());
    if (out)
        json_object_del(out, "cases");
    return map_reply(req, rep, key, out);
}

/* GET /api/v1/map/tiles: the tile layer the operator configured (serve's
 * JICENG_MAP_TILES), or url null: the console then draws the outlines alone. */
static int map_tiles(api_req_t *req, api_reply_t *rep)
{
    const char *url = req->cfg ? req->cfg->map_tiles : NULL;
    const char *attribution = req->cfg && req->cfg->map_tiles_attribution ? req->cfg->map_tiles_attribution : "";
    if (url == NULL)
        return api_json(rep, 200, json_pack("{s:n, s:s}", "url", "attribution", ""));
    return api_json(rep, 200, json_pack("{s:s, s:s}", "url", url, "attribution", attribution));
}

static const field_t public_map_query[] = {
    {"org", F_INT, 0, 1, INT64_MAX, NULL, 0},
    FIELDS_END,
};

const op_t map_ops[] = {
    {OP(HTTP_GET, "/api/v1/orgs/{id}/map", "orgs.map", PERM(PERM_ORG_READ), 0, org_map)},
    {OP(HTTP_GET, "/api/v1/map/tiles", "map.tiles", PUB, 0, map_tiles)},
    {OP(HTTP_GET, "/api/v1/public/map", "public.map", PUB, 0, public_map), .query = public_map_query},
    OPS_END,
};
