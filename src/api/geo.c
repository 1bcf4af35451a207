/* Grid geometry: a GeoJSON polygon per area node, a point per building;
 * locating the grid of a point; and the coverage audit of a subtree
 * ("管理无盲点": every household in a grid, every grid staffed and outlined). */
#include "api/handlers.h"
#include "api/op.h"
#include "api/internal.h"
#include "api/geojson.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/geo.h"
#include "core/geo_shape.h"
#include "core/level.h"
#include "core/path.h"
#include "core/role.h"
#include "http/server.h"
#include "lib/util.h"

/* The stored polygon of org_id, parsed; 0, or -1 if none or unreadable. */
static int load_poly(db_t *db, int64_t org_id, poly_buf_t *b)
{
    json_t *rows = db_rows_json(db, "SELECT geojson FROM org_geometry WHERE org_id = ? AND kind = 'Polygon'", "i",
                                org_id);
    const char *text = json_string_value(json_object_get(json_array_get(rows, 0), "geojson"));
    json_t *g = text ? json_loads(text, 0, NULL) : NULL;
    json_decref(rows);
    const char *why = g ? poly_parse(json_object_get(g, "coordinates"), b) : "none";
    json_decref(g);
    return why ? -1 : 0;
}

/* The Polygon outline of org_id as a valid shape at lat0 (one stored before
 * outlines were checked is repaired); NULL if it has none. */
static geo_shape_t *load_shape(db_t *db, geo_ctx_t *ctx, int64_t org_id, double lat0)
{
    poly_buf_t b;
    if (load_poly(db, org_id, &b) != 0)
        return NULL;
    geo_shape_t *s = geo_shape_new(ctx, &b.poly, lat0);
    poly_free(&b);
    if (s && geo_shape_repair(ctx, s) != 0) {
        geo_shape_free(ctx, s);
        return NULL;
    }
    return s;
}

int geometry_store(db_t *db, int64_t org, const char *type, const char *geojson, geo_box_t box, int64_t now)
{
    int rc = db_exec(db, NULL,
                     "INSERT INTO org_geometry (org_id, kind, geojson, updated_at) VALUES (?, ?, ?, ?)"
                     " ON CONFLICT (org_id) DO UPDATE SET kind = excluded.kind, geojson = excluded.geojson,"
                     " updated_at = excluded.updated_at",
                     "itti", org, type, geojson, now);
    if (rc == DB_OK)
        rc = db_exec(db, NULL, "DELETE FROM org_geometry_box WHERE org_id = ?", "i", org);
    if (rc == DB_OK)
        rc = db_exec(db, NULL,
                     "INSERT INTO org_geometry_box (org_id, min_lng, max_lng, min_lat, max_lat) VALUES (?, ?, ?, ?, ?)",
                     "idddd", org, box.min_lng, box.max_lng, box.min_lat, box.max_lat);
    return rc;
}

int outline_shapes(db_t *db, geo_ctx_t *ctx, int64_t org_id, double lat0, geo_shape_t **out, size_t max,
                   geo_box_t *box)
{
    json_t *rows = db_rows_json(db, "SELECT geojson FROM org_geometry WHERE org_id = ?", "i", org_id);
    const char *text = json_string_value(json_object_get(json_array_get(rows, 0), "geojson"));
    json_t *g = text ? json_loads(text, 0, NULL) : NULL;
    json_decref(rows);
    parts_buf_t m;
    int n = 0;
    if (g && parts_parse(g, &m) == NULL) {
        *box = parts_box(&m);
        for (size_t i = 0; i < m.n && (size_t)n < max; i++) {
            geo_shape_t *s = geo_shape_new(ctx, &m.part[i].poly, lat0);
            if (s && geo_shape_repair(ctx, s) != 0) {
                geo_shape_free(ctx, s);
                s = NULL;
            }
            if (s == NULL) {
                while (n > 0)
                    geo_shape_free(ctx, out[--n]);
                n = -1;
                break;
            }
            out[n++] = s;
        }
        parts_free(&m);
    }
    json_decref(g);
    return n;
}


/* One feature of an outlines file: its district's id and checked geometry, or -1 with msg. */
static int outline_feature(db_t *db, const char *file, size_t i, const json_t *f, int64_t *org, json_t **geometry,
                           geo_box_t *box, char *msg, size_t cap)
{
    const char *code = json_string_value(json_object_get(json_object_get(f, "properties"), "code"));
    json_t *g = json_object_get(f, "geometry");
    char level[16] = "";
    if (code == NULL || db_one_int(db, org, "SELECT id FROM org WHERE code = ?", "t", code) != DB_OK ||
        db_one_text(db, level, sizeof level, "SELECT level FROM org WHERE id = ?", "i", *org) != DB_OK ||
        strcmp(level, "district") != 0) {
        snprintf(msg, cap, "%s: feature %zu: code %s is no district of the divisions loaded", file, i + 1,
                 code ? code : "(none)");
        return -1;
    }
    parts_buf_t m;
    const char *why = parts_parse(g, &m);
    char reason[160];
    for (size_t k = 0; why == NULL && k < m.n; k++) {
        int rc = poly_invalid(&m.part[k].poly, reason, sizeof reason);
        why = rc < 0 ? "geos_failed" : rc > 0 ? reason : NULL;
    }
    if (why == NULL)
        *box = parts_box(&m);
    parts_free(&m);
    if (why) {
        snprintf(msg, cap, "%s: feature %zu (%s): %s", file, i + 1, code, why);
        return -1;
    }
    *geometry = json_pack("{s:O, s:O}", "type", json_object_get(g, "type"), "coordinates",
                          json_object_get(g, "coordinates"));
    return 0;
}

int outlines_import(db_t *db, const write_ctx_t *w, const char *file, int64_t *loaded, int64_t *changed, char *msg,
                    size_t cap)
{
    json_error_t err;
    *loaded = *changed = 0;
    json_t *fc = json_load_file(file, 0, &err);
    json_t *features = json_object_get(fc, "features");
    if (!json_is_array(features)) {
        snprintf(msg, cap, "%s: %s", file, fc ? "not a GeoJSON FeatureCollection" : err.text);
        json_decref(fc);
        return -1;
    }
    int rc = DB_OK;
    size_t i;
    json_t *f;
    json_array_foreach(features, i, f) {
        int64_t org = 0;
        json_t *g = NULL;
        geo_box_t box;
        if (outline_feature(db, file, i, f, &org, &g, &box, msg, cap) != 0) {
            rc = -1;
            break;
        }
        /* Six decimals at most in the file: ten significant digits keep them exactly. */
        char *text = json_dumps(g, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(10));
        json_t *old = db_rows_json(db, "SELECT geojson FROM org_geometry WHERE org_id = ?", "i", org);
        const char *was = json_string_value(json_object_get(json_array_get(old, 0), "geojson"));
        int same = was && strcmp(was, text) == 0;
        json_decref(old);
        if (!same) {
            rc = geometry_store(db, org, json_string_value(json_object_get(g, "type")), text, box, w->now);
            if (rc == DB_OK)
                rc = audit_append_new(db, w, "org.geometry_set", "org", org, org,
                                      json_pack("{s:O, s:s}", "type", json_object_get(g, "type"), "source", "outlines"));
            (*changed)++;
        }
        free(text);
        json_decref(g);
        (*loaded)++;
        if (rc != DB_OK)
            break;
    }
    json_decref(fc);
    return rc == DB_OK ? 0 : -1;
}

/* The district whose real outline holds p (on its boundary counts), or 0: where
 * outlines touch, the lowest id holding p inside, else on a boundary. */
static int locate_district(db_t *db, geo_pt_t p, int64_t *district)
{
    *district = 0;
    json_t *cands = db_rows_json(db,
                                 "SELECT o.id, g.geojson FROM org_geometry_box b JOIN org o ON o.id = b.org_id"
                                 " JOIN org_geometry g ON g.org_id = o.id"
                                 " WHERE b.min_lng <= ? AND b.max_lng >= ? AND b.min_lat <= ? AND b.max_lat >= ?"
                                 " AND o.level = 'district' ORDER BY o.id",
                                 "dddd", p.lng, p.lng, p.lat, p.lat);
    if (cands == NULL)
        return DB_ERR;
    int best = GEO_OUTSIDE;
    size_t i;
    json_t *c;
    json_array_foreach(cands, i, c) {
        json_t *g = json_loads(json_string_value(json_object_get(c, "geojson")), 0, NULL);
        parts_buf_t m;
        if (g && parts_parse(g, &m) == NULL) {
            int where = parts_locate(&m, p);
            parts_free(&m);
            if (where == GEO_INSIDE || (where == GEO_BOUNDARY && best == GEO_OUTSIDE)) {
                *district = json_integer_value(json_object_get(c, "id"));
                best = where;
            }
        }
        json_decref(g);
        if (best == GEO_INSIDE)
            break;
    }
    json_decref(cands);
    return DB_OK;
}

/* ---- PUT/GET /orgs/{id}/geometry ---- */

/* Why an outline is refused (all answer 409 on field geometry). */
typedef err_t outline_refusal_t;

static const outline_refusal_t OUTSIDE_PARENT = E_GEOMETRY_OUTSIDE_PARENT;
static const outline_refusal_t OVERLAPS_GRID = E_GEOMETRY_OVERLAP;
static const outline_refusal_t LEAVES_GRIDS = E_GEOMETRY_EXCLUDES_GRIDS;

/* How much of shape s (area m2) lies outside outline o; -1 on a GEOS failure.
 * (The overlay snaps to millimetres, so the part inside may come out a hair
 * larger than s.) */
static double outside_of(geo_ctx_t *ctx, geo_shape_t *o, const geo_shape_t *s)
{
    double in = geo_shape_overlap(ctx, o, s);
    if (in < 0)
        return -1;
    return in < geo_shape_area(s) ? geo_shape_area(s) - in : 0;
}

/* The rules a grid's or a community's new outline must keep (issue #13, item 6):
 * a grid lies within its community's outline (where it has one) and overlaps no
 * other grid, each up to the tolerance; a community's outline keeps its grids'
 * within it. NULL if kept, the refusal if not; DB_* in *rc on a failure. */
static const outline_refusal_t *outline_check(db_t *db, const write_ctx_t *w, int64_t id, const char *level,
                                              const geo_poly_t *poly, geo_box_t box, int *rc)
{
    static const geo_tolerance_t fallback = {GEO_TOLERANCE_M2_DEFAULT, GEO_TOLERANCE_PERMILLE_DEFAULT};
    const geo_tolerance_t *tol = w->cfg ? &w->cfg->geo_tolerance : &fallback;
    int grid = strcmp(level, "grid") == 0;
    *rc = DB_OK;
    if (!grid && strcmp(level, "community") != 0)
        return NULL;
    double lat0 = (box.min_lat + box.max_lat) / 2;
    geo_ctx_t *ctx = geo_ctx_new();
    geo_shape_t *mine = ctx ? geo_shape_new(ctx, poly, lat0) : NULL;
    const outline_refusal_t *why = NULL;
    json_t *others = NULL;
    if (mine == NULL) {
        *rc = DB_ERR;
        goto out;
    }
    double area = geo_shape_area(mine);
    if (grid) {
        int64_t parent = 0;
        *rc = db_one_int(db, &parent, "SELECT parent_id FROM org WHERE id = ?", "i", id);
        if (*rc != DB_OK)
            goto out;
        geo_shape_t *comm = load_shape(db, ctx, parent, lat0);
        if (comm) {
            double beyond = outside_of(ctx, comm, mine);
            geo_shape_free(ctx, comm);
            if (beyond < 0) {
                *rc = DB_ERR;
                goto out;
            }
            if (beyond > geo_tolerance_of(tol, area)) {
                why = &OUTSIDE_PARENT;
                goto out;
            }
        }
        /* Every grid whose box meets this one's, in any community: grids of
         * neighbouring communities may share an edge, never an area. */
        others = db_rows_json(db,
                              "SELECT o.id FROM org_geometry_box b JOIN org o ON o.id = b.org_id"
                              " WHERE b.min_lng <= ? AND b.max_lng >= ? AND b.min_lat <= ? AND b.max_lat >= ?"
                              " AND o.level = 'grid' AND o.id <> ? ORDER BY o.id",
                              "ddddi", box.max_lng, box.min_lng, box.max_lat, box.min_lat, id);
    } else {
        others = db_rows_json(db,
                              "SELECT o.id FROM org o JOIN org_geometry g ON g.org_id = o.id"
                              " WHERE o.parent_id = ? AND o.level = 'grid' AND g.kind = 'Polygon' ORDER BY o.id",
                              "i", id);
    }
    if (others == NULL) {
        *rc = DB_ERR;
        goto out;
    }
    size_t i;
    json_t *row;
    json_array_foreach(others, i, row) {
        geo_shape_t *other = load_shape(db, ctx, json_integer_value(json_object_get(row, "id")), lat0);
        if (other == NULL)
            continue;
        /* A grid: the area shared with the other grid, against the smaller of
         * the two; a community: how much of its grid it leaves out. */
        double a = geo_shape_area(other);
        double excess = grid ? geo_shape_overlap(ctx, mine, other) : outside_of(ctx, mine, other);
        double allowed = geo_tolerance_of(tol, grid && area < a ? area : a);
        geo_shape_free(ctx, other);
        if (excess < 0) {
            *rc = DB_ERR;
            break;
        }
        if (excess > allowed) {
            why = grid ? &OVERLAPS_GRID : &LEAVES_GRIDS;
            break;
        }
    }
out:
    json_decref(others);
    geo_shape_free(ctx, mine);
    geo_ctx_free(ctx);
    return why;
}

/* data: the GeoJSON geometry as sent and checked (org_geometry_put); the node: w->id. */
static int geometry_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    int64_t id = w->id;
    int rc = access_org(db, &w->who, PERM_ORG_WRITE, id, NULL, 0);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "org");
    if (org_above_check(db, w, id, "geometry", rep) != 0)
        return -1;
    char level[16];
    rc = db_one_text(db, level, sizeof level, "SELECT level FROM org WHERE id = ?", "i", id);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    json_t *g = data;
    const char *type = json_string_value(json_object_get(g, "type"));
    int is_building = strcmp(level, "building") == 0;
    if (strcmp(type, is_building ? "Point" : "Polygon") != 0)
        return api_fail(rep, w->lang, E_GEOMETRY_TYPE_FOR_LEVEL, "type");
    geo_box_t box;
    if (is_building) {
        geo_pt_t p;
        read_pt(json_object_get(g, "coordinates"), &p);
        box = (geo_box_t){p.lng, p.lng, p.lat, p.lat};
    } else {
        poly_buf_t b;
        poly_parse(json_object_get(g, "coordinates"), &b);
        box = geo_poly_box(&b.poly);
        const outline_refusal_t *why = outline_check(db, w, id, level, &b.poly, box, &rc);
        poly_free(&b);
        if (rc != DB_OK)
            return api_db_error(rep, w->lang, rc, NULL);
        if (why)
            return api_fail(rep, w->lang, *why, "geometry");
    }
    char *text = json_dumps(g, JSON_COMPACT | JSON_SORT_KEYS);
    rc = geometry_store(db, id, type, text, box, w->now);
    free(text);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "org.geometry_set", "org", id, id, json_pack("{s:s}", "type", type));
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    api_json(rep, 200, json_pack("{s:I, s:O}", "org_id", (json_int_t)id, "geometry", g));
    return 0;
}


int org_geometry_put(api_req_t *req, api_reply_t *rep)
{
    json_t *g = req->body;
    const char *type = json_string_value(json_object_get(g, "type"));
    const char *key;
    json_t *v;
    json_object_foreach(g, key, v) {
        if (strcmp(key, "type") != 0 && strcmp(key, "coordinates") != 0)
            return api_fail(rep, req->lang, E_UNKNOWN_FIELD, key);
    }
    if (type == NULL || (strcmp(type, "Polygon") != 0 && strcmp(type, "Point") != 0))
        return api_fail(rep, req->lang, E_GEOMETRY_TYPE_INVALID, "type");
    json_t *coords = json_object_get(g, "coordinates");
    const char *why = NULL;
    if (strcmp(type, "Point") == 0) {
        geo_pt_t p;
        if (read_pt(coords, &p) != 0)
            why = "bad_position";
    } else {
        poly_buf_t b;
        why = poly_parse(coords, &b);
        if (why == NULL) {
            char reason[160];
            int rc = poly_invalid(&b.poly, reason, sizeof reason);
            poly_free(&b);
            if (rc < 0)
                return api_db_error(rep, req->lang, DB_ERR, NULL);
            if (rc > 0) {
                api_fail(rep, req->lang, E_GEOMETRY_INVALID, "geometry");
                json_object_set_new(json_object_get(rep->json, "error"), "reason", json_string(reason));
                return 0;
            }
        }
    }
    if (why) {
        api_fail(rep, req->lang, E_COORDINATES_INVALID, "coordinates");
        json_object_set_new(json_object_get(rep->json, "error"), "reason", json_string(why));
        return 0;
    }
    req->body = NULL; /* the request's own: nothing reads it after this */
    return api_defer_kept(req, geometry_write, g);
}

int org_geometry_get(api_req_t *req, api_reply_t *rep)
{
    int rc = access_org(req->db, req->who, PERM_ORG_READ, req->params[0], NULL, 0);
    if (rc != DB_OK)
        return api_db_error(rep, req->lang, rc, "org");
    json_t *rows = db_rows_json(req->db, "SELECT geojson FROM org_geometry WHERE org_id = ?", "i", req->params[0]);
    const char *text = json_string_value(json_object_get(json_array_get(rows, 0), "geojson"));
    json_t *g = text ? json_loads(text, 0, NULL) : json_null();
    json_decref(rows);
    return api_json(rep, 200, json_pack("{s:I, s:o}", "org_id", (json_int_t)req->params[0], "geometry",
                                        g ? g : json_null()));
}

/* ---- GET /locate?lng=&lat= ---- */

static int query_double(const api_req_t *req, const char *name, double lo, double hi, double *out)
{
    char *v = api_query(req, name);
    char *end = NULL;
    /* Plain decimals only: strtod would also take hex, inf and nan. */
    if (v && strspn(v, "0123456789.+-eE") != strlen(v)) {
        free(v);
        return -1;
    }
    double x = v ? strtod(v, &end) : NAN;
    int ok = v && *v && end && *end == '\0' && isfinite(x) && x >= lo && x <= hi;
    free(v);
    *out = x;
    return ok ? 0 : -1;
}

/* The grid a point lies in, one answer however outlines touch or overlap
 * (within the tolerance, or in data older than the rules): among the grids
 * whose outline holds p (on the boundary counts) and whose community's outline,
 * where the community has one, holds p too, the one holding p inside rather than
 * on its boundary, then the smallest, then the lowest id. *grid 0 if none; *where
 * GEO_INSIDE or GEO_BOUNDARY for the grid found. */
static int locate_grid(db_t *db, geo_pt_t p, int64_t *grid, int *where)
{
    *grid = 0;
    *where = GEO_OUTSIDE;
    json_t *cands = db_rows_json(db,
                                 "SELECT o.id, o.parent_id FROM org_geometry_box b JOIN org o ON o.id = b.org_id"
                                 " WHERE b.min_lng <= ? AND b.max_lng >= ? AND b.min_lat <= ? AND b.max_lat >= ?"
                                 " AND o.level = 'grid' ORDER BY o.id LIMIT 1000",
                                 "dddd", p.lng, p.lng, p.lat, p.lat);
    if (cands == NULL)
        return DB_ERR;
    double best_area = 0;
    int64_t seen_parent = 0;
    int parent_holds = 1;
    size_t i;
    json_t *c;
    json_array_foreach(cands, i, c) {
        int64_t id = json_integer_value(json_object_get(c, "id"));
        int64_t parent = json_integer_value(json_object_get(c, "parent_id"));
        poly_buf_t b;
        if (load_poly(db, id, &b) != 0)
            continue;
        int loc = geo_locate(&b.poly, p);
        if (loc != GEO_OUTSIDE && parent != seen_parent) {
            /* The last community read is kept: candidates come by id, and one
             * community's grids mostly come one after another. */
            poly_buf_t cb;
            seen_parent = parent;
            parent_holds = 1;
            if (load_poly(db, parent, &cb) == 0) {
                parent_holds = geo_locate(&cb.poly, p) != GEO_OUTSIDE;
                poly_free(&cb);
            }
        }
        double area = geo_poly_area(&b.poly);
        poly_free(&b);
        if (loc == GEO_OUTSIDE || !parent_holds || (loc == GEO_BOUNDARY && *where == GEO_INSIDE))
            continue;
        /* Ids come in order: a tie keeps the lower. */
        if (*grid == 0 || (loc == GEO_INSIDE && *where == GEO_BOUNDARY) || area < best_area) {
            *grid = id;
            *where = loc;
            best_area = area;
        }
    }
    json_decref(cands);
    return DB_OK;
}

int geo_find_grid(db_t *db, double lng, double lat, int64_t *grid)
{
    int where;
    return locate_grid(db, (geo_pt_t){lng, lat}, grid, &where);
}

/* The row sql (its one parameter the district's id) of the district whose real
 * outline holds p, JSON null when none does; NULL on a database error. */
static json_t *district_at(db_t *db, geo_pt_t p, const char *sql)
{
    int64_t id = 0;
    if (locate_district(db, p, &id) != DB_OK)
        return NULL;
    if (id == 0)
        return json_null();
    json_t *rows = db_rows_json(db, sql, "i", id);
    json_t *row = json_array_size(rows) ? json_incref(json_array_get(rows, 0)) : rows ? json_null() : NULL;
    json_decref(rows);
    return row;
}

int geo_locate_handler(api_req_t *req, api_reply_t *rep)
{
    geo_pt_t p;
    if (query_double(req, "lng", -180, 180, &p.lng) != 0)
        return api_fail(rep, req->lang, E_LNG_INVALID, "lng");
    if (query_double(req, "lat", -90, 90, &p.lat) != 0)
        return api_fail(rep, req->lang, E_LAT_INVALID, "lat");
    int64_t id;
    int loc;
    if (locate_grid(req->db, p, &id, &loc) != DB_OK)
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    json_t *found = NULL;
    if (id) {
        json_t *rows = db_rows_json(req->db,
                                    "SELECT g.id, g.name, g.code, g.path, c.id AS community_id, c.name AS community_name"
                                    " FROM org g JOIN org c ON c.id = g.parent_id WHERE g.id = ?",
                                    "i", id);
        found = json_incref(json_array_get(rows, 0));
        json_decref(rows);
    }
    /* The same answer a report at p gets, or none: never the best grid among
     * those the caller may see, which another caller would not be given. */
    if (found && !access_covers(req->who, PERM_ORG_READ, json_string_value(json_object_get(found, "path")))) {
        json_decref(found);
        found = NULL;
    }
    const char *where = found == NULL ? "outside" : loc == GEO_INSIDE ? "inside" : "boundary";
    /* The district whose real outline holds p, wherever grids are: named to any
     * caller (the city's public divisions), as the outline itself is. */
    json_t *district = district_at(req->db, p, "SELECT id, name, code FROM org WHERE id = ?");
    if (district == NULL) {
        json_decref(found);
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    }
    return api_json(rep, 200, json_pack("{s:o, s:s, s:o}", "grid", found ? found : json_null(), "position", where,
                                        "district", district));
}

/* Public lookups of a point per address and minute: a visitor's map asks once per
 * click, far below this; a script walking the city is slowed down. */
#define PUBLIC_LOCATE_RATE 60

/* GET /api/v1/public/locate?lng=&lat=: for a visitor's report form, the names of
 * the district, street, community and grid a report at the point would go to (the
 * city's public divisions, as the public map draws them), or nulls outside. */
static int public_locate(api_req_t *req, api_reply_t *rep)
{
    if (api_rate_limited("locate", req->remote, PUBLIC_LOCATE_RATE))
        return api_fail(rep, req->lang, E_LOCATE_RATE_LIMITED, NULL);
    geo_pt_t p;
    if (query_double(req, "lng", -180, 180, &p.lng) != 0)
        return api_fail(rep, req->lang, E_LNG_INVALID, "lng");
    if (query_double(req, "lat", -90, 90, &p.lat) != 0)
        return api_fail(rep, req->lang, E_LAT_INVALID, "lat");
    int64_t grid = 0;
    int loc;
    if (locate_grid(req->db, p, &grid, &loc) != DB_OK)
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    json_t *found = json_null();
    if (grid) {
        json_t *rows = db_rows_json(req->db,
                                    "SELECT g.id, g.name, c.id AS community_id, c.name AS community_name,"
                                    " s.id AS street_id, s.name AS street_name FROM org g"
                                    " JOIN org c ON c.id = g.parent_id JOIN org s ON s.id = c.parent_id WHERE g.id = ?",
                                    "i", grid);
        if (rows == NULL)
            return api_db_error(rep, req->lang, DB_ERR, NULL);
        if (json_array_size(rows))
            found = json_incref(json_array_get(rows, 0));
        json_decref(rows);
    }
    json_t *dist = district_at(req->db, p, "SELECT id, name FROM org WHERE id = ?");
    if (dist == NULL) {
        json_decref(found);
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    }
    const char *where = !grid ? "outside" : loc == GEO_INSIDE ? "inside" : "boundary";
    return api_json(rep, 200, json_pack("{s:o, s:s, s:o}", "grid", found, "position", where, "district", dist));
}

/* ---- GET /orgs/{id}/coverage ---- */

#define COVERAGE_SAMPLE 20
/* The levels above a grid (org.level's CHECK lists six): an equality each, so
 * every finding ranges over org_level_path (level, path) for the levels it asks
 * about instead of reading every node of the subtree (schema 050). */
#define COVERAGE_ABOVE_GRID "('city', 'district', 'street', 'community')"
/* {count, items} of one finding; NULL on a database error. The SQL takes the
 * subtree range and, when today is not NULL, today's date twice after it. */
static json_t *finding(db_t *db, const char *count_sql, const char *list_sql, const char *lo, const char *hi,
                       const char *today)
{
    int64_t n = 0;
    int dated = today != NULL;
    int rc = dated ? db_one_int(db, &n, count_sql, "tttt", lo, hi, today, today)
                   : db_one_int(db, &n, count_sql, "tt", lo, hi);
    /* Nothing found (the usual answer): no sample to read, and no plan that walks a
     * table in id order looking for the first of none. */
    json_t *items = rc != DB_OK ? NULL
                    : n == 0    ? json_array()
                    : dated     ? db_rows_json(db, list_sql, "tttti", lo, hi, today, today, (int64_t)COVERAGE_SAMPLE)
                                : db_rows_json(db, list_sql, "tti", lo, hi, (int64_t)COVERAGE_SAMPLE);
    if (items == NULL)
        return NULL;
    return json_pack("{s:I, s:o}", "count", (json_int_t)n, "items", items);
}

int org_coverage(api_req_t *req, api_reply_t *rep)
{
    char lo[ACCESS_PATH_MAX], hi[ACCESS_PATH_MAX];
    int rc = access_org(req->db, req->who, PERM_ORG_READ, req->params[0], lo, sizeof lo);
    if (rc == DB_OK && !access_covers(req->who, PERM_PEOPLE_READ, lo))
        rc = DB_NOTFOUND;
    if (rc != DB_OK)
        return api_db_error(rep, req->lang, rc, "org");
    path_subtree_upper(hi, sizeof hi, lo);
    db_t *db = req->db;
    char today[16];
    date_today(today);
    json_t *out = json_object();
    json_object_set_new(
        out, "households_without_grid",
        finding(db,
                /* A count per node (household_org), so neither backend reads the households table. */
                "SELECT COALESCE(SUM((SELECT COUNT(*) FROM household h WHERE h.org_id = o.id)), 0) FROM org o"
                " WHERE o.path >= ? AND o.path < ? AND o.level IN " COVERAGE_ABOVE_GRID,
                "SELECT h.id, h.address, o.id AS org_id, o.name AS org_name FROM org o JOIN household h ON h.org_id = o.id"
                " WHERE o.path >= ? AND o.path < ? AND o.level IN " COVERAGE_ABOVE_GRID " ORDER BY h.id LIMIT ?",
                lo, hi, NULL));
    json_object_set_new(
        out, "grids_without_party_branch",
        finding(db,
                "SELECT COUNT(*) FROM org g WHERE g.level = 'grid' AND g.path >= ? AND g.path < ?"
                " AND NOT EXISTS (SELECT 1 FROM party_org p WHERE p.org_id = g.id)",
                "SELECT g.id, g.name FROM org g WHERE g.path >= ? AND g.path < ? AND g.level = 'grid'"
                " AND NOT EXISTS (SELECT 1 FROM party_org p WHERE p.org_id = g.id) ORDER BY g.id LIMIT ?",
                lo, hi, NULL));
    json_object_set_new(
        out, "grids_without_worker",
        finding(db,
                "SELECT COUNT(*) FROM org g WHERE g.level = 'grid' AND g.path >= ? AND g.path < ?"
                " AND NOT EXISTS (SELECT 1 FROM cadre c WHERE c.org_id = g.id AND c.post = '网格员'"
                " AND c.term_start <= ? AND (c.term_end IS NULL OR c.term_end >= ?))",
                "SELECT g.id, g.name FROM org g WHERE g.path >= ? AND g.path < ? AND g.level = 'grid'"
                " AND NOT EXISTS (SELECT 1 FROM cadre c WHERE c.org_id = g.id AND c.post = '网格员'"
                " AND c.term_start <= ? AND (c.term_end IS NULL OR c.term_end >= ?)) ORDER BY g.id LIMIT ?",
                lo, hi, today));
    json_object_set_new(
        out, "communities_without_grids",
        /* A community's grids through org_parent: the level written so that it drives
         * no index (org_level_path would read every grid of the city per community). */
        finding(db,
                "SELECT COUNT(*) FROM org c WHERE c.path >= ? AND c.path < ? AND c.level = 'community'"
                " AND NOT EXISTS (SELECT 1 FROM org g WHERE g.parent_id = c.id AND g.level || '' = 'grid')",
                "SELECT c.id, c.name, c.code FROM org c WHERE c.path >= ? AND c.path < ? AND c.level = 'community'"
                " AND NOT EXISTS (SELECT 1 FROM org g WHERE g.parent_id = c.id AND g.level || '' = 'grid')"
                " ORDER BY c.id LIMIT ?",
                lo, hi, NULL));
    json_object_set_new(
        out, "grids_without_outline",
        finding(db,
                "SELECT COUNT(*) FROM org g WHERE g.level = 'grid' AND g.path >= ? AND g.path < ?"
                " AND NOT EXISTS (SELECT 1 FROM org_geometry x WHERE x.org_id = g.id)",
                "SELECT g.id, g.name FROM org g WHERE g.path >= ? AND g.path < ? AND g.level = 'grid'"
                " AND NOT EXISTS (SELECT 1 FROM org_geometry x WHERE x.org_id = g.id) ORDER BY g.id LIMIT ?",
                lo, hi, NULL));

    /* Buildings whose point lies outside their grid's polygon: in grid order, each
     * grid's polygon read and parsed once (not once per building); the sample is
     * the first by id, as before. */
    json_t *outside = json_array();
    int64_t n_outside = 0;
    json_t *blds = db_rows_json(db,
                                "SELECT b.id, b.name, b.parent_id AS grid_id, x.geojson AS _point FROM org b"
                                " JOIN org_geometry x ON x.org_id = b.id WHERE b.level = 'building' AND b.path >= ?"
                                " AND b.path < ? AND x.kind = 'Point' ORDER BY b.parent_id, b.id",
                                "tt", lo, hi);
    size_t i;
    json_t *b;
    int64_t grid_now = -1;
    poly_buf_t poly;
    int have_poly = 0;
    json_array_foreach(blds, i, b) {
        int64_t grid = json_integer_value(json_object_get(b, "grid_id"));
        if (grid != grid_now) {
            if (have_poly)
                poly_free(&poly);
            have_poly = load_poly(db, grid, &poly) == 0;
            grid_now = grid;
        }
        json_t *g = json_loads(json_string_value(json_object_get(b, "_point")), 0, NULL);
        geo_pt_t p;
        int ok = g && read_pt(json_object_get(g, "coordinates"), &p) == 0;
        json_decref(g);
        json_object_del(b, "_point");
        if (!ok || !have_poly)
            continue;
        if (geo_locate(&poly.poly, p) == GEO_OUTSIDE) {
            n_outside++;
            json_array_append(outside, b);
        }
    }
    if (have_poly)
        poly_free(&poly);
    json_decref(blds);
    /* The first COVERAGE_SAMPLE by id. */
    json_t *sample = json_array();
    while (json_array_size(outside) > 0 && json_array_size(sample) < COVERAGE_SAMPLE) {
        size_t best = 0;
        for (size_t k = 1; k < json_array_size(outside); k++)
            if (json_integer_value(json_object_get(json_array_get(outside, k), "id")) <
                json_integer_value(json_object_get(json_array_get(outside, best), "id")))
                best = k;
        json_array_append(sample, json_array_get(outside, best));
        json_array_remove(outside, best);
    }
    json_decref(outside);
    outside = sample;
    json_object_set_new(out, "buildings_outside_grid", json_pack("{s:I, s:o}", "count", (json_int_t)n_outside,
                                                                 "items", outside));

    /* Grids of one community whose polygons overlap. */
    json_t *pairs = json_array();
    int64_t n_pairs = 0;
    json_t *grids = db_rows_json(db,
                                 "SELECT g.id, g.name, g.parent_id FROM org g JOIN org_geometry x ON x.org_id = g.id"
                                 " WHERE g.level = 'grid' AND g.path >= ? AND g.path < ? ORDER BY g.parent_id, g.id",
                                 "tt", lo, hi);
    /* Each community's grids in turn, every polygon read and parsed once (not once per pair). */
    size_t ng = json_array_size(grids);
    poly_buf_t *polys = calloc(ng ? ng : 1, sizeof *polys);
    int *loaded = calloc(ng ? ng : 1, sizeof *loaded);
    for (size_t start = 0, end; polys && loaded && start < ng; start = end) {
        json_t *parent = json_object_get(json_array_get(grids, start), "parent_id");
        for (end = start; end < ng && json_equal(json_object_get(json_array_get(grids, end), "parent_id"), parent); end++)
            loaded[end] = load_poly(db, json_integer_value(json_object_get(json_array_get(grids, end), "id")),
                                    &polys[end]) == 0;
        for (size_t a = start; a < end; a++)
            for (size_t c = a + 1; c < end; c++)
                if (loaded[a] && loaded[c] && geo_polys_overlap(&polys[a].poly, &polys[c].poly) &&
                    n_pairs++ < COVERAGE_SAMPLE)
                    json_array_append_new(pairs, json_pack("{s:O, s:O}", "a", json_array_get(grids, a), "b",
                                                           json_array_get(grids, c)));
        for (size_t a = start; a < end; a++)
            if (loaded[a])
                poly_free(&polys[a]);
    }
    if (ng && (polys == NULL || loaded == NULL))
        json_object_del(out, "buildings_outside_grid"); /* answered as the error below */
    free(polys);
    free(loaded);
    json_decref(grids);
    json_object_set_new(out, "overlapping_grids", json_pack("{s:I, s:o}", "count", (json_int_t)n_pairs, "items", pairs));
    /* A finding that failed is missing: answer the error rather than a false zero. */
    if (json_object_size(out) != 7) {
        log_error("coverage of org %lld: a finding failed: %s", (long long)req->params[0], db_errmsg(db));
        json_decref(out);
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    }
    return api_json(rep, 200, out);
}

static const field_t locate_query[] = {
    {"lng", F_NUMBER, 1, -180, 180, NULL, 0},
    {"lat", F_NUMBER, 1, -90, 90, NULL, 0},
    FIELDS_END,
};

/* The GeoJSON geometry org_geometry_put checks itself: a type and its coordinates
 * (nested arrays no field type declares, refused with the reason why). */
static const char *const geometry_types[] = {"Polygon", "Point", NULL};
static const field_t geometry_type_field[] = {
    {"type", F_ENUM, 1, 0, 0, geometry_types, 0},
    FIELDS_END,
};
static json_t *geometry_put_describe(void)
{
    json_t *out = ops_body_json(geometry_type_field, NULL);
    json_array_append_new(json_object_get(out, "body"), json_pack("{s:s, s:s, s:b, s:b}", "name", "coordinates", "type",
                                                                  "coordinates", "required", 1, "nullable", 0));
    return out;
}

const op_t geo_ops[] = {
    {OP(HTTP_PUT, "/api/v1/orgs/{id}/geometry", "orgs.geometry.put", PERM(PERM_ORG_WRITE), RF_BODY | RF_WRITES, org_geometry_put),
     .describe = geometry_put_describe},
    {OP(HTTP_GET, "/api/v1/orgs/{id}/geometry", "orgs.geometry.get", PERM(PERM_ORG_READ), 0, org_geometry_get)},
    {OP(HTTP_GET, "/api/v1/orgs/{id}/coverage", "orgs.coverage", PERM(PERM_PEOPLE_READ), 0, org_coverage)},
    {OP(HTTP_GET, "/api/v1/locate", "locate", PERM(PERM_ORG_READ), 0, geo_locate_handler), .query = locate_query},
    {OP(HTTP_GET, "/api/v1/public/locate", "public.locate", PUB, 0, public_locate), .query = locate_query},
    OPS_END,
};
