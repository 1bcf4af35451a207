/* Open311 GeoReport v2 under /open311/v2/: discovery, services, service
 * definitions, requests (read, and created with an API key) in JSON or XML.
 * Categories are services; cases are requests. Only public cases are listed
 * (casefile.is_public: resident and Open311 reports unless staff withheld one;
 * never the hotline's or staff's own), and they carry no personal data: a
 * request shows its category, its title (the category's name instead when the
 * title holds what looks like an ID or phone number), state, times, the grid's
 * name and the point rounded to 0.001 degree (about 100 m), never the exact door.
 * The api_key of a POST is an API token (POST /api/v1/auth/tokens) of an account
 * an administrator made for the client; the case is reported as that account. */
#include "api/handlers.h"
#include "api/op.h"
#include "api/internal.h"

#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/casefsm.h"
#include "core/idcard.h"
#include "core/role.h"
#include "core/timefmt.h"
#include "core/token.h"
#include "core/utf8.h"
#include "lib/util.h"

/* ---- formats ---- */

/* The format suffix of the request path: 1 xml, 0 json, -1 neither. */
static int path_format(const char *path)
{
    const char *dot = strrchr(path, '.');
    if (dot && strcmp(dot, ".json") == 0)
        return 0;
    if (dot && strcmp(dot, ".xml") == 0)
        return 1;
    return -1;
}

static void sb_escaped(strbuf_t *b, const char *s)
{
    for (; *s; s++) {
        char c[2] = {*s, 0};
        strbuf_add(b, *s == '<' ? "&lt;" : *s == '>' ? "&gt;" : *s == '&' ? "&amp;" : *s == '"' ? "&quot;" : c);
    }
}

/* The element name for the items of a list named name: services -> service, endpoints -> endpoint. */
static void singular(char *out, size_t cap, const char *name)
{
    if (strcmp(name, "service_requests") == 0) { /* the spec's own name for these */
        str_copy(out, cap, "request");
        return;
    }
    str_copy(out, cap, name);
    size_t n = strlen(out);
    if (n > 1 && out[n - 1] == 's')
        out[n - 1] = '\0';
}

static void xml_value(strbuf_t *b, const char *name, const json_t *v)
{
    strbuf_add(b, "<");
    strbuf_add(b, name);
    strbuf_add(b, ">");
    if (json_is_object(v)) {
        const char *k;
        json_t *x;
        json_object_foreach((json_t *)v, k, x) xml_value(b, k, x);
    } else if (json_is_array(v)) {
        char item[64];
        singular(item, sizeof item, name);
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) xml_value(b, item, x);
    } else if (json_is_string(v)) {
        sb_escaped(b, json_string_value(v));
    } else if (json_is_integer(v) || json_is_real(v) || json_is_boolean(v)) {
        char *t = json_dumps(v, JSON_ENCODE_ANY);
        strbuf_add(b, t);
        free(t);
    }
    strbuf_add(b, "</");
    strbuf_add(b, name);
    strbuf_add(b, ">");
}

/* Answer body (an array or object) in the path's format; root names the XML document. */
static int reply(api_req_t *req, api_reply_t *rep, int status, json_t *body, const char *root)
{
    if (path_format(req->path) != 1)
        return api_json(rep, status, body);
    strbuf_t b = {0};
    strbuf_add(&b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>");
    xml_value(&b, root, body);
    json_decref(body);
    rep->status = status;
    rep->raw = b.s;
    rep->raw_len = b.len;
    rep->content_type = "text/xml; charset=utf-8";
    return 0;
}

/* The spec's errors: a list of {code, description}. */
static int o311_error(api_req_t *req, api_reply_t *rep, int status, const char *description)
{
    return reply(req, rep, status, json_pack("[{s:i, s:s}]", "code", status, "description", description), "errors");
}

void o311_error_reply(const char *path, api_reply_t *rep)
{
    json_t *err = json_object_get(rep->json, "error");
    if (!json_is_object(err))
        return;
    api_req_t fake = {.path = path};
    char *description = xstrdup(json_string_value(json_object_get(err, "message")));
    json_decref(rep->json);
    rep->json = NULL;
    o311_error(&fake, rep, rep->status, description ? description : "error");
    free(description);
}

static int bad_format(api_req_t *req, api_reply_t *rep)
{
    return path_format(req->path) < 0 ? o311_error(req, rep, 404, "use .json or .xml") : 0;
}

/* ---- discovery and services ---- */

int o311_discovery(api_req_t *req, api_reply_t *rep)
{
    if (path_format(req->path) < 0)
        return o311_error(req, rep, 404, "use .json or .xml");
    return reply(req, rep, 200,
                 json_pack("{s:s, s:s, s:s, s:[{s:s, s:s, s:s, s:s, s:[s, s]}]}", "changeset", "2026-11-28T00:00:00Z",
                           "contact", "jiceng", "key_service", "API tokens from the jiceng administrator", "endpoints",
                           "specification", "http://wiki.open311.org/GeoReport_v2", "url", "/open311/v2", "changeset",
                           "2026-11-28T00:00:00Z", "type", "production", "formats", "application/json", "text/xml"),
                 "discovery");
}

int o311_services(api_req_t *req, api_reply_t *rep)
{
    if (path_format(req->path) < 0)
        return o311_error(req, rep, 404, "use .json or .xml");
    json_t *rows = db_rows_json(req->db,
                                "SELECT code AS service_code, name_zh AS service_name, name_en AS description,"
                                " code AS keywords, COALESCE((SELECT p.code FROM case_category p"
                                " WHERE p.id = case_category.parent_id), code) AS \"group\"" /* a kind's family */
                                " FROM case_category WHERE active = 1"
                                " ORDER BY sort, id",
                                "");
    if (rows == NULL)
        return o311_error(req, rep, 500, "internal error");
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) {
        json_object_set_new(r, "metadata", json_false());
        json_object_set_new(r, "type", json_string("realtime"));
    }
    return reply(req, rep, 200, rows, "services");
}

/* The name between the last '/' and the last '.' of the path. */
static void path_name(const char *path, char *out, size_t cap)
{
    const char *slash = strrchr(path, '/'), *dot = strrchr(path, '.');
    const char *start = slash ? slash + 1 : path;
    size_t n = dot && dot > start ? (size_t)(dot - start) : strlen(start);
    if (n >= cap)
        n = cap - 1;
    memcpy(out, start, n);
    out[n] = '\0';
}

int o311_service_definition(api_req_t *req, api_reply_t *rep)
{
    if (bad_format(req, rep) || rep->status)
        return 0;
    char code[64];
    path_name(req->path, code, sizeof code);
    int64_t id = 0;
    if (db_one_int(req->db, &id, "SELECT id FROM case_category WHERE code = ? AND active = 1", "t", code) != DB_OK)
        return o311_error(req, rep, 404, "no such service_code");
    return reply(req, rep, 200, json_pack("{s:s, s:[]}", "service_code", code, "attributes"), "service_definition");
}

/* ---- requests ---- */

#define O311_SELECT                                                                                                    \
    "SELECT c.id, k.code AS service_code, k.name_zh AS service_name, c.title AS description, c.state, c.lat,"        \
    " c.lng, c.created_at AS requested_at, c.updated_at AS updated_at, c.close_due_at AS expected_at,"               \
    " o.name AS address FROM casefile c JOIN case_category k ON k.id = c.category_id JOIN org o ON o.id = c.org_id" \
    " WHERE c.is_public = 1"

/* A coordinate as the public sees it: to 0.001 degree. */
static json_t *coarse(const json_t *v)
{
    return json_is_number(v) ? json_real(round(json_number_value(v) * 1000.0) / 1000.0) : json_null();
}

/* Our case row as an Open311 request. */
static json_t *as_request(json_t *row)
{
    const char *state = json_string_value(json_object_get(row, "state"));
    case_state_t s = case_state_from_name(state);
    json_t *o = json_object();
    char id[32];
    snprintf(id, sizeof id, "%lld", (long long)json_integer_value(json_object_get(row, "id")));
    json_object_set_new(o, "service_request_id", json_string(id));
    json_object_set_new(o, "status", json_string(case_state_final(s) ? "closed" : "open"));
    json_object_set_new(o, "status_notes", json_string(state));
    json_object_set(o, "service_name", json_object_get(row, "service_name"));
    json_object_set(o, "service_code", json_object_get(row, "service_code"));
    json_object_set_new(o, "description",
                        json_string(case_public_title(json_string_value(json_object_get(row, "description")),
                                                      json_string_value(json_object_get(row, "service_name")))));
    json_object_set_new(o, "agency_responsible", json_string("jiceng"));
    json_object_set_new(o, "service_notice", json_null());
    json_object_set(o, "requested_datetime", json_object_get(row, "requested_at"));
    json_object_set(o, "updated_datetime", json_object_get(row, "updated_at"));
    json_object_set(o, "expected_datetime", json_object_get(row, "expected_at"));
    json_object_set(o, "address", json_object_get(row, "address"));
    json_object_set_new(o, "address_id", json_null());
    json_object_set_new(o, "zipcode", json_null());
    json_object_set_new(o, "lat", coarse(json_object_get(row, "lat")));
    json_object_set_new(o, "long", coarse(json_object_get(row, "lng")));
    json_object_set_new(o, "media_url", json_null());
    return o;
}

int o311_request_get(api_req_t *req, api_reply_t *rep)
{
    if (bad_format(req, rep) || rep->status)
        return 0;
    json_t *rows = db_rows_json(req->db, O311_SELECT " AND c.id = ?", "i", req->params[0]);
    if (rows == NULL || json_array_size(rows) == 0) {
        json_decref(rows);
        return o311_error(req, rep, 404, "no such service_request_id");
    }
    json_t *out = json_array();
    json_array_append_new(out, as_request(json_array_get(rows, 0)));
    json_decref(rows);
    return reply(req, rep, 200, out, "service_requests");
}

#define O311_MAX_IDS 100

/* The ids of a service_request_id list ("12,15"): each a positive decimal number
 * without leading zeros, at most O311_MAX_IDS of them; a repeated id is kept once.
 * NULL when well formed, else what is wrong. */
static const char *parse_ids(const char *list, int64_t out[O311_MAX_IDS], int *n)
{
    int items = 0;
    *n = 0;
    for (const char *p = list;; p++) {
        size_t len = strcspn(p, ",");
        if (++items > O311_MAX_IDS)
            return "service_request_id lists at most 100 ids";
        if (len == 0 || len > 18 || p[0] == '0' || strspn(p, "0123456789") < len)
            return "service_request_id is a comma-separated list of ids";
        int64_t id = 0;
        for (size_t i = 0; i < len; i++)
            id = id * 10 + (p[i] - '0');
        int seen = 0;
        for (int k = 0; k < *n && !seen; k++)
            seen = out[k] == id;
        if (!seen)
            out[(*n)++] = id;
        p += len;
        if (*p == '\0')
            return NULL;
    }
}

int o311_requests(api_req_t *req, api_reply_t *rep)
{
    if (bad_format(req, rep) || rep->status)
        return 0;
    char *code = api_query(req, "service_code"), *status = api_query(req, "status");
    char *start = api_query(req, "start_date"), *end = api_query(req, "end_date"), *ids = api_query(req, "service_request_id");
    int64_t from = clock_now() - 90 * 86400, to = clock_now() + 1;
    const char *bad = NULL;
    if (start && time_parse_rfc3339(start, &from) != 0)
        bad = "start_date must be a w3 date-time";
    if (end && time_parse_rfc3339(end, &to) != 0)
        bad = "end_date must be a w3 date-time";
    if (status && strcmp(status, "open") != 0 && strcmp(status, "closed") != 0)
        bad = "status is open or closed";
    int64_t wanted[O311_MAX_IDS];
    int nwanted = 0;
    if (!bad && ids)
        bad = parse_ids(ids, wanted, &nwanted);
    json_t *rows = NULL;
    if (!bad && ids) {
        /* Asked by id: the other filters do not apply (GeoReport v2). */
        rows = json_array();
        for (int k = 0; k < nwanted; k++) {
            json_t *one = db_rows_json(req->db, O311_SELECT " AND c.id = ?", "i", wanted[k]);
            if (one && json_array_size(one) == 1)
                json_array_append(rows, json_array_get(one, 0));
            json_decref(one);
        }
    } else if (!bad)
        rows = db_rows_json(req->db,
                                      O311_SELECT " AND c.created_at >= ? AND c.created_at < ?"
                                                  " AND (CAST(? AS TEXT) IS NULL OR k.code = ?)"
                                                  " AND (CAST(? AS TEXT) IS NULL OR (? = 'closed') ="
                                                  " (c.state IN ('rejected', 'closed', 'rated')))"
                                                  " ORDER BY c.id DESC LIMIT 1000",
                                      "iitttt", from, to, code, code, status, status);
    free(code);
    free(status);
    free(start);
    free(end);
    free(ids);
    if (bad)
        return o311_error(req, rep, 400, bad);
    if (rows == NULL)
        return o311_error(req, rep, 500, "internal error");
    json_t *out = json_array();
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) json_array_append_new(out, as_request(r));
    json_decref(rows);
    return reply(req, rep, 200, out, "service_requests");
}

/* The value of name in an application/x-www-form-urlencoded body; caller frees. */
static char *form_value(const api_req_t *req, const char *name)
{
    api_req_t tmp = *req;
    char *body = xmalloc(req->upload_len + 1);
    memcpy(body, req->upload, req->upload_len);
    body[req->upload_len] = '\0';
    tmp.query = body;
    char *v = api_query(&tmp, name);
    free(body);
    return v;
}

static int o311_create_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    (void)data;
    const case_report_t *r = w->in;
    api_req_t fake = {.path = r->xml ? ".xml" : ".json"};
    int64_t rc = cases_insert(db, w, r);
    if (rc <= 0)
        return o311_error(&fake, rep, 500, "the request could not be stored; retry") - 1;
    char id[32];
    snprintf(id, sizeof id, "%lld", (long long)rc);
    json_t *out = json_pack("[{s:s, s:n, s:n}]", "service_request_id", id, "service_notice", "account_id");
    return reply(&fake, rep, 201, out, "service_requests");
}

int o311_request_create(api_req_t *req, api_reply_t *rep)
{
    if (bad_format(req, rep) || rep->status)
        return 0;
    if (!api_upload_type_ok(req))
        return o311_error(req, rep, 400, "the body must be application/x-www-form-urlencoded");
    char *key = form_value(req, "api_key");
    principal_t who;
    int ok = key && token_well_formed(key) && auth_session_lookup(req, key, 1, &who) == 0;
    free(key);
    if (!ok)
        return o311_error(req, rep, 403, "api_key is missing or not valid");
    req->who = &who;
    char *code = form_value(req, "service_code"), *lat = form_value(req, "lat"), *lng = form_value(req, "long");
    char *desc_raw = form_value(req, "description"), *phone = form_value(req, "phone");
    char *desc = desc_raw ? text_trim(desc_raw) : NULL; /* surrounding blanks are no part of the text */
    int64_t category = 0;
    const char *bad = NULL;
    char *e1 = NULL, *e2 = NULL;
    double la = lat ? strtod(lat, &e1) : NAN, ln = lng ? strtod(lng, &e2) : NAN;
    int coords_ok = lat && lng && *lat && *lng && !*e1 && !*e2 && strspn(lat, "0123456789.+-") == strlen(lat) &&
                    strspn(lng, "0123456789.+-") == strlen(lng);
    if (!code || db_one_int(req->db, &category, "SELECT id FROM case_category WHERE code = ? AND active = 1", "t",
                            code) != DB_OK)
        bad = "service_code is missing or unknown";
    else if (!coords_ok || !isfinite(la) || !isfinite(ln) || fabs(la) > 90 || fabs(ln) > 180)
        bad = "lat and long are required (WGS84)";
    else if (!desc || !text_block_valid(desc, 1, 2000))
        bad = "description is required (up to 2000 characters)";
    else if (phone && *phone && !phone_valid(phone))
        bad = "phone is not a valid mobile or landline number";
    int64_t grid = 0;
    if (!bad && (geo_find_grid(req->db, ln, la, &grid) != DB_OK || grid == 0))
        bad = "the location is in no grid of this jurisdiction";
    if (!bad && access_org(req->db, req->who, PERM_ORG_READ, grid, NULL, 0) != DB_OK)
        bad = "the location is outside this api_key's area";
    case_report_t *r = NULL;
    if (!bad) {
        /* The title is the description's first line, cut to 100 characters, without trailing blanks. */
        char title[401];
        const char *first = desc;
        size_t n = strcspn(first, "\r\n"), cut = 0, chars = 0;
        while (cut < n && chars < 100) {
            cut++;
            while (cut < n && ((unsigned char)first[cut] & 0xC0) == 0x80)
                cut++;
            chars++;
        }
        memcpy(title, first, cut < 400 ? cut : 400);
        title[cut < 400 ? cut : 400] = '\0';
        /* The spec's phone is the case's contact phone. */
        r = case_report_new(req->keys, code, text_trim(title), desc, phone && *phone ? phone : NULL);
        r->category_id = category;
        r->org_id = grid;
        r->has_point = 1;
        r->lat = la;
        r->lng = ln;
        r->xml = path_format(req->path) == 1;
        str_copy(r->source, sizeof r->source, "open311");
    }
    if (phone)
        sodium_memzero(phone, strlen(phone));
    free(phone);
    free(code);
    free(lat);
    free(lng);
    free(desc_raw);
    if (bad)
        return o311_error(req, rep, 400, bad);
    return api_defer_in(req, o311_create_write, NULL, r);
}

int o311_token(api_req_t *req, api_reply_t *rep)
{
    /* Requests get their service_request_id at once, so no token is ever pending. */
    if (bad_format(req, rep) || rep->status)
        return 0;
    return o311_error(req, rep, 404, "no such token: service_request_id is given when the request is created");
}

static const char *const o311_statuses[] = {"open", "closed", NULL};
static const field_t open311_requests_query[] = {
    {"service_request_id", F_TEXT, 0, 0, 0, NULL, 0},
    {"service_code", F_TEXT, 0, 0, 0, NULL, 0},
    {"start_date", F_TEXT, 0, 0, 0, NULL, 0},
    {"end_date", F_TEXT, 0, 0, 0, NULL, 0},
    {"status", F_ENUM, 0, 0, 0, o311_statuses, 0},
    FIELDS_END,
};

static const char *const form_types[] = {"application/x-www-form-urlencoded", NULL};
/* The form fields o311_request_create reads (form_value); others are ignored. */
static json_t *request_create_describe(void)
{
    return json_pack("{s:[s, s, s, s, s, s]}", "form", "api_key", "service_code", "lat", "long", "description", "phone");
}

const op_t open311_ops[] = {
    {OP(HTTP_GET, "/open311/v2/discovery.{name}", "open311.discovery", PUB, RF_OPEN311, o311_discovery), .error_format = o311_error_reply},
    {OP(HTTP_GET, "/open311/v2/services.{name}", "open311.services", PUB, RF_OPEN311, o311_services), .error_format = o311_error_reply},
    {OP(HTTP_GET, "/open311/v2/services/{name}.{name}", "open311.service", PUB, RF_OPEN311, o311_service_definition), .error_format = o311_error_reply},
    {OP(HTTP_GET, "/open311/v2/requests.{name}", "open311.requests", PUB, RF_OPEN311, o311_requests), .query = open311_requests_query, .error_format = o311_error_reply},
    {OP(HTTP_POST, "/open311/v2/requests.{name}", "open311.requests.create", PUB, RF_UPLOAD | RF_NO_REPLAY | RF_OPEN311 | RF_WRITES, o311_request_create), .upload_types = form_types,
     .describe = request_create_describe, .error_format = o311_error_reply},
    {OP(HTTP_GET, "/open311/v2/requests/{id}.{name}", "open311.request", PUB, RF_OPEN311, o311_request_get), .error_format = o311_error_reply},
    {OP(HTTP_GET, "/open311/v2/tokens/{name}.{name}", "open311.token", PUB, RF_OPEN311, o311_token), .error_format = o311_error_reply},
    OPS_END,
};
