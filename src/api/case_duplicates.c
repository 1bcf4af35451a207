/* Duplicate hints: open cases of the same category near a point. */
#include "api/case.h"

#include "api/handlers.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/role.h"
#include "lib/util.h"

/* ---- duplicate hints ---- */

#define DUPLICATE_METRES 50.0

/* Open cases of the same category within 50 m of (lat, lng), newest first,
 * that the caller may see; exclude is a case id to leave out. */
static json_t *nearby_open(db_t *db, const principal_t *who, int64_t category, double lat, double lng, int64_t exclude)
{
    /* A box of about 50 m first (an index-free scan of open cases in it), then the exact distance. */
    double dlat = DUPLICATE_METRES / 111320.0, dlng = DUPLICATE_METRES / (111320.0 * cos(lat * M_PI / 180.0));
    json_t *rows = db_rows_json(db,
                                CASE_COLUMNS ", o.path AS _path" CASE_FROM " WHERE c.category_id = ? AND c.id <> ?"
                                            " AND c.state NOT IN ('rejected', 'closed', 'rated')"
                                            " AND c.lat BETWEEN ? AND ? AND c.lng BETWEEN ? AND ? ORDER BY c.id DESC LIMIT 50",
                                "iidddd", category, exclude, lat - dlat, lat + dlat, lng - dlng, lng + dlng);
    json_t *out = json_array();
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) {
        double la = json_number_value(json_object_get(r, "lat")), ln = json_number_value(json_object_get(r, "lng"));
        double x = (ln - lng) * M_PI / 180.0 * cos((la + lat) / 2 * M_PI / 180.0), y = (la - lat) * M_PI / 180.0;
        double metres = sqrt(x * x + y * y) * 6371000.0;
        const char *path = json_string_value(json_object_get(r, "_path"));
        int full = access_covers(who, PERM_CASE_READ, path);
        /* Who works no cases here sees public cases only. */
        if (metres > DUPLICATE_METRES || !access_covers(who, PERM_ORG_READ, path) ||
            (!full && !json_is_true(json_object_get(r, "public"))))
            continue;
        case_add_overdue(r, clock_now());
        json_object_del(r, "_path"); /* path is gone from here on */
        json_object_set_new(r, "distance_m", json_integer((json_int_t)lround(metres)));
        if (full) {
            json_array_append(out, r);
        } else {
            /* A resident sees that the problem is known, not who reported what. */
            static const char *const keep[] = {"id", "tracking_code", "category", "category_name", "title", "state",
                                               "created_at", "distance_m"};
            json_t *brief = json_object();
            for (size_t k = 0; k < sizeof keep / sizeof keep[0]; k++)
                json_object_set(brief, keep[k], json_object_get(r, keep[k]));
            json_object_set_new(brief, "title",
                                json_string(case_public_title(json_string_value(json_object_get(r, "title")),
                                                              json_string_value(json_object_get(r, "category_name")))));
            json_array_append_new(out, brief);
        }
    }
    json_decref(rows);
    return out;
}

int case_duplicates(api_req_t *req, api_reply_t *rep)
{
    int64_t org, category = 0;
    char path[ACCESS_PATH_MAX];
    int rc = case_visible(req->db, req->who, req->params[0], &org, path, sizeof path);
    if (rc != DB_OK)
        return api_db_error(rep, req->lang, rc, "case");
    json_t *rows = db_rows_json(req->db, "SELECT lat, lng, category_id FROM casefile WHERE id = ?", "i",
                                req->params[0]);
    json_t *c = json_array_get(rows, 0);
    json_t *items = json_array();
    if (json_is_number(json_object_get(c, "lat"))) {
        category = json_integer_value(json_object_get(c, "category_id"));
        json_decref(items);
        items = nearby_open(req->db, req->who, category, json_number_value(json_object_get(c, "lat")),
                            json_number_value(json_object_get(c, "lng")), req->params[0]);
    }
    json_decref(rows);
    return api_json(rep, 200, json_pack("{s:o, s:n}", "items", items, "next"));
}

int case_nearby(api_req_t *req, api_reply_t *rep)
{
    char *cat = api_query(req, "category");
    int64_t category = 0;
    int ok = cat && db_one_int(req->db, &category, "SELECT id FROM case_category WHERE code = ? AND active = 1", "t",
                               cat) == DB_OK;
    free(cat);
    if (!ok)
        return api_fail(rep, req->lang, E_UNKNOWN_CATEGORY, "category");
    char *la = api_query(req, "lat"), *ln = api_query(req, "lng");
    char *e1 = NULL, *e2 = NULL;
    double lat = la ? strtod(la, &e1) : NAN, lng = ln ? strtod(ln, &e2) : NAN;
    int lat_ok = la && *la && !*e1 && isfinite(lat) && fabs(lat) <= 90 && strspn(la, "0123456789.+-") == strlen(la);
    int lng_ok = ln && *ln && !*e2 && isfinite(lng) && fabs(lng) <= 180 && strspn(ln, "0123456789.+-") == strlen(ln);
    free(la);
    free(ln);
    if (!lat_ok || !lng_ok)
        return api_fail(rep, req->lang, E_LAT_LNG_REQUIRED, lat_ok ? "lng" : "lat");
    return api_json(rep, 200, json_pack("{s:o, s:n}", "items", nearby_open(req->db, req->who, category, lat, lng, 0),
                                         "next"));
}
