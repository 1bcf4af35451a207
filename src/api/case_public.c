/* Anonymous reports: created by anyone, followed with their tracking code. */
#include "api/case.h"
#include "api/op.h"

#include "api/handlers.h"

#include <stdlib.h>

#include "http/server.h"

/* ---- anonymous reports ---- */

static const field_t public_fields[] = {
    {"category", F_TEXT, 1, 1, 32, NULL, 0},
    {"title", F_NAME, 1, 1, 100, NULL, 0},
    {"description", F_BLOCK, 1, 1, 2000, NULL, 0},
    {"contact_phone", F_TEXT, 0, 1, 20, NULL, 0},
    FIELDS_END,
};

/* The answer a reporter without an account gets: enough to follow the case. */
static void public_after_commit(db_t *db, api_reply_t *rep)
{
    json_t *rows = db_rows_json(db,
                                "SELECT c.tracking_code, k.code AS category, c.title, c.contact_phone_masked AS contact_phone,"
                                " c.state, c.created_at, c.updated_at FROM casefile c JOIN case_category k ON k.id = c.category_id WHERE c.id = ?",
                                "i", json_integer_value(json_object_get(rep->json, "id")));
    if (rows && json_array_size(rows) == 1) {
        json_decref(rep->json);
        rep->json = json_incref(json_array_get(rows, 0));
    }
    json_decref(rows);
}

static int public_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    int64_t id = cases_insert(db, w, data);
    if (id <= 0)
        return api_db_error(rep, w->lang, DB_ERR, NULL);
    api_json(rep, 201, json_pack("{s:I}", "id", (json_int_t)id));
    rep->after_commit = public_after_commit;
    return 0;
}

int public_case_create(api_req_t *req, api_reply_t *rep)
{
    if (api_rate_limited("public", req->remote, req->cfg->public_rate))
        return api_fail(rep, req->lang, E_REPORT_RATE_LIMITED, NULL);
    json_t *data = json_deep_copy(req->body);
    json_t *lat = json_incref(json_object_get(data, "lat")), *lng = json_incref(json_object_get(data, "lng"));
    json_object_del(data, "lat");
    json_object_del(data, "lng");
    double la = 0, ln = 0;
    int bad = api_validate(req, data, public_fields, rep) != 0 ||
              case_phone_check(req, json_string_value(json_object_get(data, "contact_phone")), "contact_phone", rep) != 0;
    if (!bad && (case_read_coord(lat, -90, 90, &la) != 0 || case_read_coord(lng, -180, 180, &ln) != 0)) {
        api_fail(rep, req->lang, E_PUBLIC_PLACE_REQUIRED, case_read_coord(lat, -90, 90, &la) ? "lat" : "lng");
        bad = 1;
    }
    json_decref(lat);
    json_decref(lng);
    int64_t category = 0, grid = 0;
    if (!bad && db_one_int(req->db, &category, "SELECT id FROM case_category WHERE code = ? AND active = 1", "t",
                           json_string_value(json_object_get(data, "category"))) != DB_OK) {
        case_category_refused(req, rep, json_string_value(json_object_get(data, "category")));
        bad = 1;
    }
    if (!bad && (geo_find_grid(req->db, ln, la, &grid) != DB_OK || grid == 0)) {
        api_fail(rep, req->lang, E_PUBLIC_PLACE_OUTSIDE_GRIDS, "lat");
        bad = 1;
    }
    if (bad) {
        json_decref(data);
        return 0;
    }
    json_object_set_new(data, "category_id", json_integer(category));
    json_object_set_new(data, "org_id", json_integer(grid));
    json_object_set_new(data, "source", json_string("resident"));
    json_object_set_new(data, "lat", json_real(la));
    json_object_set_new(data, "lng", json_real(ln));
    case_intake_pii(req->keys, data);
    return api_defer_kept(req, public_write, data);
}

int public_case_get(api_req_t *req, api_reply_t *rep)
{
    char *code = api_query(req, "code");
    json_t *rows = code ? db_rows_json(req->db,
                                       "SELECT c.tracking_code, k.code AS category, c.title,"
                                       " c.contact_phone_masked AS contact_phone, c.state, c.created_at,"
                                       " c.updated_at, c.closed_at FROM casefile c"
                                       " JOIN case_category k ON k.id = c.category_id WHERE c.tracking_code = ?",
                                       "t", code)
                        : NULL;
    free(code);
    if (rows == NULL || json_array_size(rows) != 1) {
        json_decref(rows);
        return api_fail(rep, req->lang, E_TRACKING_CODE_NOT_FOUND, "code");
    }
    json_t *c = json_incref(json_array_get(rows, 0));
    json_decref(rows);
    return api_json(rep, 200, c);
}

/* The body public_case_create checks itself: lat and lng come out first. */
static const field_t public_point[] = {
    {"lat", F_NUMBER, 1, -90, 90, NULL, 0},
    {"lng", F_NUMBER, 1, -180, 180, NULL, 0},
    FIELDS_END,
};

json_t *public_case_create_describe(void)
{
    return ops_body_json(public_fields, public_point);
}
