/* Anonymous reports: created by anyone, followed with their tracking code. */
#include "api/case.h"
#include "api/op.h"

#include "api/handlers.h"

#include <stdlib.h>

#include "core/timefmt.h"
#include "core/token.h"
#include "core/tracking.h"
#include "lib/util.h"

#include "http/server.h"

/* ---- anonymous reports ---- */

static const field_t public_fields[] = {
    IN(report_in_t, category, F_TEXT, 1, 1, 32, NULL),
    IN(report_in_t, title, F_NAME, 1, 1, 100, NULL),
    IN(report_in_t, description, F_BLOCK, 1, 1, 2000, NULL),
    IN(report_in_t, contact_phone, F_TEXT, 0, 1, 20, NULL),
    IN(report_in_t, lat, F_NUMBER, 1, -90, 90, NULL),
    IN(report_in_t, lng, F_NUMBER, 1, -180, 180, NULL),
    FIELDS_END,
};

/* The place is what a resident must give: any refusal of it says so. */
static const field_err_t public_place_errors[] = {
    {"lat", E_PUBLIC_PLACE_REQUIRED},
    {"lng", E_PUBLIC_PLACE_REQUIRED},
    {NULL, 0},
};

/* The answer a reporter without an account gets: enough to follow the case, and
 * the token that adds its photos for a while (public_case_photo_add). */
static void public_after_commit(db_t *db, api_reply_t *rep)
{
    json_t *rows = db_rows_json(db,
                                "SELECT c.tracking_code, k.code AS category, c.title, c.contact_phone_masked AS contact_phone,"
                                " c.state, c.created_at, c.updated_at FROM casefile c JOIN case_category k ON k.id = c.category_id WHERE c.id = ?",
                                "i", json_integer_value(json_object_get(rep->json, "id")));
    if (rows && json_array_size(rows) == 1) {
        json_t *row = json_incref(json_array_get(rows, 0));
        json_object_set(row, "photo_token", json_object_get(rep->json, "photo_token"));
        json_object_set(row, "photo_until", json_object_get(rep->json, "photo_until"));
        json_decref(rep->json);
        rep->json = row;
    }
    json_decref(rows);
}

static int public_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    (void)data;
    int64_t id = cases_insert(db, w, w->in);
    if (id <= 0)
        return api_db_error(rep, w->lang, DB_ERR, NULL);
    /* Only the token's hash is kept; the token goes to the reporter alone (a public
     * write is never replayed, so no stored answer holds it either). */
    char token[TOKEN_CHARS + 1], hash[TOKEN_HASH_HEX + 1];
    token_new(token);
    token_hash(hash, token);
    int64_t until = w->now + PUBLIC_PHOTO_SECONDS;
    int rc = db_exec(db, NULL, "UPDATE casefile SET photo_token_hash = ?, photo_token_until = ? WHERE id = ?", "tii", hash,
                     until, id);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    char until_text[40];
    time_format_rfc3339(until_text, until);
    api_json(rep, 201, json_pack("{s:I, s:s, s:s}", "id", (json_int_t)id, "photo_token", token, "photo_until", until_text));
    rep->after_commit = public_after_commit;
    return 0;
}

int public_case_create(api_req_t *req, api_reply_t *rep)
{
    if (api_rate_limited("public", req->remote, req->cfg->public_rate))
        return api_fail(rep, req->lang, E_REPORT_RATE_LIMITED, NULL);
    /* The body is checked here, after the rate limit: every attempt counts, a malformed one too. */
    if (op_body_check(req, req->body, public_fields, public_place_errors, rep) != 0)
        return -1;
    report_in_t in = {0};
    api_input_fill(public_fields, req->body, &in);
    if (case_phone_check(req, in.contact_phone, "contact_phone", rep) != 0)
        return -1;
    int64_t category = 0, grid = 0;
    if (db_one_int(req->db, &category, "SELECT id FROM case_category WHERE code = ? AND active = 1", "t",
                   in.category) != DB_OK)
        return case_category_refused(req, rep, in.category);
    if (geo_find_grid(req->db, in.lng, in.lat, &grid) != DB_OK || grid == 0)
        return api_fail(rep, req->lang, E_PUBLIC_PLACE_OUTSIDE_GRIDS, "lat");
    case_report_t *r = case_report_new(req->keys, in.category, in.title, in.description, in.contact_phone);
    r->category_id = category;
    r->org_id = grid;
    r->has_point = 1;
    r->lat = in.lat;
    r->lng = in.lng;
    str_copy(r->source, sizeof r->source, "resident");
    return api_defer_in(req, public_write, NULL, r);
}

int public_case_get(api_req_t *req, api_reply_t *rep)
{
    char *typed = api_query(req, "code"), code[TRACKING_CODE_MAX + 1];
    int shaped = typed && tracking_code_normalize(typed, code, sizeof code) == 0;
    free(typed);
    json_t *rows = shaped ? db_rows_json(req->db,
                                       "SELECT c.tracking_code, k.code AS category, c.title,"
                                       " c.contact_phone_masked AS contact_phone, c.state, c.created_at,"
                                       " c.updated_at, c.closed_at FROM casefile c"
                                       " JOIN case_category k ON k.id = c.category_id WHERE c.tracking_code = ?",
                                       "t", code)
                        : NULL;
    if (rows == NULL || json_array_size(rows) != 1) {
        json_decref(rows);
        return api_fail(rep, req->lang, E_TRACKING_CODE_NOT_FOUND, "code");
    }
    json_t *c = json_incref(json_array_get(rows, 0));
    json_decref(rows);
    return api_json(rep, 200, c);
}

/* The body public_case_create checks itself, after its rate limit. */
json_t *public_case_create_describe(void)
{
    return ops_body_json(public_fields, NULL);
}
