/* Venues (党群服务中心/阵地) of communities and villages: docs/venues-funds.md.
 *
 * A venue record is a community's or village's venue in a year: its area (in
 * tenths of m²), its functions (codes of venue_functions), address, photos
 * (the attachments store, owner "venue") and the households the
 * per-household norm reads. Its standard is the higher of the norms that apply
 * at the node in the year: venue.min_area (by kind) and
 * venue.area_per_100_households x households / 100; the view venue_standard
 * (schema/036) computes it for the list, its filters and the kept figures
 * alike. A plain resource (api/resource.h); its own rules: the node is a
 * community or village, the functions are codes, the households are the
 * registry's unless entered, and every write touches the node's year in the
 * kept figures (venue.). */
#include "api/handlers.h"
#include "api/internal.h"
#include "api/list.h"
#include "api/resource.h"

#include <string.h>

#include "core/role.h"

#define VENUE_READ PERM_STATS_READ
#define VENUE_WRITE PERM_ORG_WRITE

const char *const venue_functions[] = {"party_room",   "service_hall", "meeting_room", "library",  "day_care",
                                       "mediation",    "culture_sports", "elderly",    "children", "health",
                                       "other",        NULL};
/* ---------------------------------------------------------------- shared with funds.c */

int venue_org_check(db_t *db, const write_ctx_t *w, int64_t org, api_reply_t *rep)
{
    int64_t ok = 0;
    int rc = db_one_int(db, &ok,
                        "SELECT COUNT(*) FROM org WHERE id = ? AND level = 'community' AND kind IN ('community', 'village')",
                        "i", org);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "org_id");
    return ok ? 0 : api_fail(rep, w->lang, E_VENUE_ORG_LEVEL, "org_id");
}

int venue_registry_count(db_t *db, int64_t org, const char *figure, int64_t *n)
{
    *n = 0;
    int rc = db_one_int(db, n, "SELECT value FROM org_figure WHERE org_id = ? AND figure = ?", "it", org, figure);
    return rc == DB_NOTFOUND ? DB_OK : rc;
}

/* ---------------------------------------------------------------- kept figures */

/* venue.<kind>.n, .area_x10, .checked (a standard applies), .below (under
 * it) and .shortfall_x10 (the sum of the shortfalls) of (org, year). */
/* The records' figures by node, year and kind, of the rows where picks. */
#define VENUE_FIGURES(where)                                                                                           \
    "SELECT v.org_id, v.year, o.kind, COUNT(*), SUM(v.area_x10),"                                                      \
    " SUM(CASE WHEN s.standard_x10 IS NULL THEN 0 ELSE 1 END),"                                                        \
    " SUM(CASE WHEN v.area_x10 < s.standard_x10 THEN 1 ELSE 0 END),"                                                   \
    " SUM(CASE WHEN v.area_x10 < s.standard_x10 THEN s.standard_x10 - v.area_x10 ELSE 0 END)"                          \
    " FROM venue v JOIN org o ON o.id = v.org_id JOIN venue_standard s ON s.id = v.id"                                 \
    " WHERE " where " GROUP BY v.org_id, v.year, o.kind"

static int venue_walk(db_stmt_t *st, yfig_vals_t *out)
{
    if (st == NULL)
        return DB_ERR;
    static const char *const names[] = {"n", "area_x10", "checked", "below", "shortfall_x10"};
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        const char *kind = db_col_text(st, 2);
        for (int i = 0; kind && i < 5; i++) {
            char figure[64];
            snprintf(figure, sizeof figure, "venue.%s.%s", kind, names[i]);
            yfig_put_at(out, db_col_int(st, 0), (int)db_col_int(st, 1), figure, db_col_int(st, i + 3));
        }
    }
    db_done(st);
    return rc == DB_DONE ? DB_OK : rc;
}

static int venue_own(db_t *db, int64_t org, int year, yfig_vals_t *out)
{
    return venue_walk(db_q(db, VENUE_FIGURES("v.org_id = ? AND v.year = ?"), "ii", org, (int64_t)year), out);
}

static int venue_all(db_t *db, yfig_vals_t *out)
{
    return venue_walk(db_q(db, VENUE_FIGURES("1 = 1"), ""), out);
}

static const char *const venue_norms[] = {"venue.min_area", "venue.area_per_100_households", NULL};

const yfig_source_t venue_figures = {
    .prefix = "venue.",
    .own = venue_own,
    .all = venue_all,
    .keys_sql = "SELECT v.org_id, v.year FROM venue v JOIN org o ON o.id = v.org_id"
                " WHERE o.path >= ? AND o.path < ? AND v.year >= ? GROUP BY v.org_id, v.year",
    .norms = venue_norms,
};

/* ---------------------------------------------------------------- the resource */

static const field_t create_fields[] = {
    {"org_id", F_INT, 1, 1, INT64_MAX, NULL, 0},
    {"year", F_INT, 1, 2000, 2100, NULL, 0},
    {"name", F_TEXT, 0, 1, 100, NULL, 0},
    {"area_x10", F_INT, 1, 1, 100000000, NULL, 0},
    {"functions", F_JSON, 0, 0, 1000, NULL, 0},
    {"address", F_TEXT, 0, 1, 200, NULL, 0},
    {"households", F_INT, 0, 0, 10000000, NULL, 0},
    {"note", F_BLOCK, 0, 1, 1000, NULL, 0},
    FIELDS_END,
};

static const field_t update_fields[] = {
    {"name", F_TEXT, 0, 1, 100, NULL, 0},
    {"area_x10", F_INT, F_NOT_NULL, 1, 100000000, NULL, 0},
    {"functions", F_JSON, 0, 0, 1000, NULL, 0},
    {"address", F_TEXT, 0, 1, 200, NULL, 0},
    {"households", F_INT, 0, 0, 10000000, NULL, 0},
    {"note", F_BLOCK, 0, 1, 1000, NULL, 0},
    {"version", F_INT, 0, 1, INT64_MAX, NULL, 0},
    FIELDS_END,
};

static const char *const kinds[] = {"community", "village", NULL};
static const char *const truths[] = {"true", "false", NULL}; /* ?below=true (the figures page's links) */

static const field_t list_query[] = {
    {"org", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"year", F_INT, 0, 2000, 2100, NULL, 0},
    {"kind", F_ENUM, 0, 0, 0, kinds, 0},
    {"below", F_ENUM, 0, 0, 0, truths, 0},
    FIELDS_END,
};

#define BELOW_IF "CASE WHEN s.standard_x10 IS NOT NULL AND v.area_x10 < s.standard_x10 THEN "
#define BELOW BELOW_IF "1 ELSE 0 END"

static const res_filter_t filters[] = {
    {"year", "v.year = ?", 0},
    {"kind", "o.kind = ?", 0},
    {"below", "(" BELOW_IF "'true' ELSE 'false' END) = ?", 0},
    {NULL, NULL, 0},
};

static const api_sort_t sorts[] = {
    {"year", "v.year", 0, NULL},
    {"area_x10", "v.area_x10", 0, NULL},
    {"org_name", "o.name", 0, NULL},
    {NULL, NULL, 0, NULL},
};

/* functions: null, or an array of distinct codes. */
static int check(const api_req_t *req, const json_t *in, api_reply_t *rep)
{
    const json_t *f = json_object_get(in, "functions");
    size_t i, j;
    json_t *x;
    if (f == NULL || json_is_null(f))
        return 0;
    if (!json_is_array(f) || json_array_size(f) > 20)
        return api_fail(rep, req->lang, E_VENUE_FUNCTIONS_INVALID, "functions");
    json_array_foreach(f, i, x) {
        const char *code = json_string_value(x);
        const char *const *c = venue_functions;
        while (code && *c && strcmp(*c, code) != 0)
            c++;
        if (code == NULL || *c == NULL)
            return api_fail(rep, req->lang, E_VENUE_FUNCTIONS_INVALID, "functions");
        for (j = 0; j < i; j++)
            if (json_equal(x, json_array_get(f, j)))
                return api_fail(rep, req->lang, E_VENUE_FUNCTIONS_INVALID, "functions");
    }
    return 0;
}

static int before(db_t *db, const write_ctx_t *w, int64_t id, const json_t *in, api_reply_t *rep)
{
    if (id == 0)
        return venue_org_check(db, w, json_integer_value(json_object_get(in, "org_id")), rep);
    int rc = yfig_touch_rows(db, &venue_figures, "SELECT org_id, year FROM venue WHERE id = ?", id);
    return rc == DB_OK ? 0 : api_db_error(rep, w->lang, rc, NULL);
}

/* The households: entered when given, else (a create, or null given) the
 * registry's count at the node now (none: NULL, the per-household norm is
 * not applied). Then the node's year in the kept figures. */
static int after(db_t *db, const write_ctx_t *w, int64_t id, const json_t *in, api_reply_t *rep)
{
    const json_t *h = json_object_get(in, "households");
    int rc = DB_OK;
    if (h && !json_is_null(h)) {
        rc = db_exec(db, NULL, "UPDATE venue SET households = ?, households_source = 'entered' WHERE id = ?", "ii",
                     (int64_t)json_integer_value(h), id);
    } else if (h || w->id == 0) {
        int64_t org = 0, n = 0;
        rc = db_one_int(db, &org, "SELECT org_id FROM venue WHERE id = ?", "i", id);
        if (rc == DB_OK)
            rc = venue_registry_count(db, org, "households", &n);
        if (rc == DB_OK && n > 0)
            rc = db_exec(db, NULL, "UPDATE venue SET households = ?, households_source = 'registry' WHERE id = ?",
                         "ii", n, id);
        else if (rc == DB_OK)
            rc = db_exec(db, NULL, "UPDATE venue SET households = NULL, households_source = NULL WHERE id = ?", "i",
                         id);
    }
    if (rc == DB_OK)
        rc = yfig_touch_rows(db, &venue_figures, "SELECT org_id, year FROM venue WHERE id = ?", id);
    return rc == DB_OK ? 0 : api_db_error(rep, w->lang, rc, NULL);
}

/* functions as the array it is, below as a boolean (null: no standard applies). */
static void row_finish(json_t *row)
{
    const char *text = json_string_value(json_object_get(row, "functions"));
    json_t *f = text ? json_loads(text, 0, NULL) : NULL;
    json_object_set_new(row, "functions", f ? f : json_array());
    json_t *b = json_object_get(row, "below");
    if (json_is_integer(b))
        json_object_set_new(row, "below", json_boolean(json_integer_value(b)));
}

static const entity_t venue_entity = {"venue", "SELECT org_id FROM venue WHERE id = ?", NULL};
static const char *const not_columns[] = {"households", NULL};
static const err_t venue_taken = E_VENUE_TAKEN;

static const resource_t venue_res = {
    .name = "venue",
    .table = "venue",
    .entity = &venue_entity,
    .columns = "SELECT v.id, v.org_id, o.name AS org_name, o.kind AS org_kind, v.year, v.name, v.area_x10,"
               " v.functions, v.address, v.households, v.households_source, v.note, s.min_x10,"
               " s.per_household_x10, s.standard_x10,"
               " CASE WHEN s.standard_x10 IS NULL THEN NULL ELSE " BELOW " END AS below,"
               " CASE WHEN v.area_x10 < s.standard_x10 THEN s.standard_x10 - v.area_x10 ELSE 0 END AS shortfall_x10,"
               " (SELECT COUNT(*) FROM attachment a WHERE a.owner_kind = 'venue' AND a.owner_id = v.id) AS photos,"
               " v.created_at, v.updated_at, v.version",
    .from = "FROM venue v JOIN org o ON o.id = v.org_id JOIN venue_standard s ON s.id = v.id",
    .key = "v.id",
    .org_path = "o.path",
    .org_column = "org_id",
    .org_field = "org_id",
    .read_perm = VENUE_READ,
    .write_perm = VENUE_WRITE,
    .create = create_fields,
    .update = update_fields,
    .not_columns = not_columns,
    .filters = filters,
    .sorts = sorts,
    .rules = {.check = check, .before = before, .after = after, .row = row_finish},
    .unique_field = "year",
    .unique_error = &venue_taken,
};

/* GET /api/v1/venues/export: the list as a workbook (活动阵地), audited. */
static int venue_export(api_req_t *req, api_reply_t *rep)
{
    static const list_col_t cols[] = {
        {"id", "编号", NULL, NULL},
        {"year", "年度", NULL, NULL},
        {"org_name", "社区（村）", NULL, NULL},
        {"name", "阵地名称", NULL, NULL},
        {"area_x10", "面积（0.1平方米）", NULL, NULL},
        {"standard_x10", "标准（0.1平方米）", NULL, NULL},
        {"below", "未达标", NULL, NULL},
        {"shortfall_x10", "缺口（0.1平方米）", NULL, NULL},
        {"households", "户数", NULL, NULL},
        {"address", "地址", NULL, NULL},
        {NULL, NULL, NULL, NULL},
    };
    api_list_t l;
    return res_list_of(req, rep, &l) != 0 ? -1 : api_list_export(req, rep, &l, "活动阵地", cols, "venues");
}

/* ---------------------------------------------------------------- photos */

static int venue_scope(db_t *db, const principal_t *who, int64_t id, int64_t *org)
{
    int rc = db_one_int(db, org, "SELECT org_id FROM venue WHERE id = ?", "i", id);
    return rc == DB_OK ? access_org(db, who, VENUE_READ, *org, NULL, 0) : rc;
}

/* Added and removed by org.write holders over the venue's node, any time. */
static int venue_files_writable(db_t *db, const principal_t *who, int64_t id, int removing)
{
    (void)removing;
    int64_t org = 0;
    if (db_one_int(db, &org, "SELECT org_id FROM venue WHERE id = ?", "i", id) != DB_OK)
        return -1;
    int rc = access_org(db, who, VENUE_WRITE, org, NULL, 0);
    return rc == DB_OK ? 0 : rc == DB_NOTFOUND ? E_ATTACHMENT_FORBIDDEN : -1;
}

const attach_owner_t venue_files = {"venue", "venue", venue_scope, venue_files_writable};

const op_t venue_ops[] = {
    {OP(HTTP_GET, "/api/v1/venues/export", "venues.export", PERM(VENUE_READ), RF_WRITES, venue_export),
     .res = &venue_res, .query = list_query},
    RESOURCE_OPS(venue_res, venue_entity, "/api/v1/venues", "venues", VENUE_READ, VENUE_WRITE, create_fields,
                 update_fields, list_query),
    OPS_END,
};
