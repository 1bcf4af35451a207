/* Operating funds (运转经费) of communities and villages: docs/venues-funds.md.
 *
 * A record is a community's or village's funds in a year by component, in
 * yuan (基本报酬 basic_pay, 办公经费 office, 服务运转 service_ops, 服务群众专项经费
 * special_fund, 其他 others), with the population its tier is read from, fixed
 * when entered: the registry's residents at the node then (population_source
 * registry) or a figure entered where the registry is incomplete (entered).
 * The tier: 1 + the cut-offs of the norm funds.population_tiers in force at
 * the node in the year at or below the population (the view fund_tier,
 * schema/036); none in force: unclassified. A plain resource; every write
 * touches the node's year in the kept figures (funds.). */
#include "api/handlers.h"
#include "api/internal.h"
#include "api/list.h"
#include "api/resource.h"

#include <stdio.h>
#include <string.h>

#include "core/role.h"

#define FUNDS_READ PERM_STATS_READ
#define FUNDS_WRITE PERM_ORG_WRITE

#define FUNDS_TOTAL "(f.basic_pay + f.office + f.service_ops + f.special_fund + f.others)"

/* ---------------------------------------------------------------- kept figures */

/* funds.tier<k>.n and .sum (the records' totals, yuan), funds.unclassified.n
 * and .sum, funds.population_entered, of (org, year). */
/* The records' figures by node, year and tier, of the rows where picks. */
#define FUNDS_FIGURES(where)                                                                                           \
    "SELECT f.org_id, f.year, t.tier, COUNT(*), SUM(" FUNDS_TOTAL "),"                                                 \
    " SUM(CASE WHEN f.population_source = 'entered' THEN 1 ELSE 0 END)"                                                \
    " FROM operating_fund f JOIN fund_tier t ON t.id = f.id WHERE " where " GROUP BY f.org_id, f.year, t.tier"

static int funds_walk(db_stmt_t *st, yfig_vals_t *out)
{
    if (st == NULL)
        return DB_ERR;
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        char n[48], sum[48];
        int64_t org = db_col_int(st, 0);
        int year = (int)db_col_int(st, 1);
        if (db_col_is_null(st, 2)) {
            snprintf(n, sizeof n, "funds.unclassified.n");
            snprintf(sum, sizeof sum, "funds.unclassified.sum");
        } else {
            snprintf(n, sizeof n, "funds.tier%lld.n", (long long)db_col_int(st, 2));
            snprintf(sum, sizeof sum, "funds.tier%lld.sum", (long long)db_col_int(st, 2));
        }
        yfig_put_at(out, org, year, n, db_col_int(st, 3));
        yfig_put_at(out, org, year, sum, db_col_int(st, 4));
        yfig_put_at(out, org, year, "funds.population_entered", db_col_int(st, 5));
    }
    db_done(st);
    return rc == DB_DONE ? DB_OK : rc;
}

static int funds_own(db_t *db, int64_t org, int year, yfig_vals_t *out)
{
    return funds_walk(db_q(db, FUNDS_FIGURES("f.org_id = ? AND f.year = ?"), "ii", org, (int64_t)year), out);
}

static int funds_all(db_t *db, yfig_vals_t *out)
{
    return funds_walk(db_q(db, FUNDS_FIGURES("1 = 1"), ""), out);
}

static const char *const funds_norms[] = {"funds.population_tiers", NULL};

const yfig_source_t funds_figures = {
    .prefix = "funds.",
    .own = funds_own,
    .all = funds_all,
    .keys_sql = "SELECT f.org_id, f.year FROM operating_fund f JOIN org o ON o.id = f.org_id"
                " WHERE o.path >= ? AND o.path < ? AND f.year >= ? GROUP BY f.org_id, f.year",
    .norms = funds_norms,
};

/* ---------------------------------------------------------------- the resource */

#define AMOUNT(name, req) {name, F_INT, req, 0, 1000000000, NULL, 0}

static const field_t create_fields[] = {
    {"org_id", F_INT, 1, 1, INT64_MAX, NULL, 0},
    {"year", F_INT, 1, 2000, 2100, NULL, 0},
    AMOUNT("basic_pay", 1),
    AMOUNT("office", 1),
    AMOUNT("service_ops", 1),
    AMOUNT("special_fund", 1),
    AMOUNT("others", 1),
    {"population", F_INT, 0, 0, 10000000, NULL, 0},
    {"note", F_BLOCK, 0, 1, 1000, NULL, 0},
    FIELDS_END,
};

static const field_t update_fields[] = {
    AMOUNT("basic_pay", F_NOT_NULL),
    AMOUNT("office", F_NOT_NULL),
    AMOUNT("service_ops", F_NOT_NULL),
    AMOUNT("special_fund", F_NOT_NULL),
    AMOUNT("others", F_NOT_NULL),
    {"population", F_INT, 0, 0, 10000000, NULL, 0},
    {"note", F_BLOCK, 0, 1, 1000, NULL, 0},
    {"version", F_INT, 0, 1, INT64_MAX, NULL, 0},
    FIELDS_END,
};

static const char *const kinds[] = {"community", "village", NULL};
static const char *const sources[] = {"registry", "entered", NULL};

static const field_t list_query[] = {
    {"org", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"year", F_INT, 0, 2000, 2100, NULL, 0},
    {"tier", F_INT, 0, 1, 11, NULL, 0},
    {"kind", F_ENUM, 0, 0, 0, kinds, 0},
    {"population_source", F_ENUM, 0, 0, 0, sources, 0},
    FIELDS_END,
};

static const res_filter_t filters[] = {
    {"year", "f.year = ?", 0},
    {"tier", "t.tier = ?", 0},
    {"kind", "o.kind = ?", 0},
    {"population_source", "f.population_source = ?", 0},
    {NULL, NULL, 0},
};

static const api_sort_t sorts[] = {
    {"year", "f.year", 0, NULL},
    {"total", FUNDS_TOTAL, 0, NULL},
    {"population", "f.population", 0, NULL},
    {"org_name", "o.name", 0, NULL},
    {NULL, NULL, 0, NULL},
};

static int before(db_t *db, const write_ctx_t *w, int64_t id, const json_t *in, api_reply_t *rep)
{
    if (id == 0)
        return venue_org_check(db, w, json_integer_value(json_object_get(in, "org_id")), rep);
    int rc = yfig_touch_rows(db, &funds_figures, "SELECT org_id, year FROM operating_fund WHERE id = ?", id);
    return rc == DB_OK ? 0 : api_db_error(rep, w->lang, rc, NULL);
}

/* The population: entered when given, else (a create, or null given) the
 * registry's residents at the node now; none there: 400 naming population.
 * Then the node's year in the kept figures. */
static int after(db_t *db, const write_ctx_t *w, int64_t id, const json_t *in, api_reply_t *rep)
{
    const json_t *p = json_object_get(in, "population");
    int rc = DB_OK;
    if (p && !json_is_null(p)) {
        rc = db_exec(db, NULL, "UPDATE operating_fund SET population = ?, population_source = 'entered' WHERE id = ?",
                     "ii", (int64_t)json_integer_value(p), id);
    } else if (p || w->id == 0) {
        int64_t org = 0, n = 0;
        rc = db_one_int(db, &org, "SELECT org_id FROM operating_fund WHERE id = ?", "i", id);
        if (rc == DB_OK)
            rc = venue_registry_count(db, org, "residents", &n);
        if (rc == DB_OK && n <= 0)
            return api_fail(rep, w->lang, E_FUNDS_POPULATION_REQUIRED, "population");
        if (rc == DB_OK)
            rc = db_exec(db, NULL,
                         "UPDATE operating_fund SET population = ?, population_source = 'registry' WHERE id = ?", "ii",
                         n, id);
    }
    if (rc == DB_OK)
        rc = yfig_touch_rows(db, &funds_figures, "SELECT org_id, year FROM operating_fund WHERE id = ?", id);
    return rc == DB_OK ? 0 : api_db_error(rep, w->lang, rc, NULL);
}

static const entity_t funds_entity = {"operating_fund", "SELECT org_id FROM operating_fund WHERE id = ?", NULL};
static const char *const not_columns[] = {"population", NULL};
static const err_t funds_taken = E_FUNDS_TAKEN;

static const resource_t funds_res = {
    .name = "operating_fund",
    .table = "operating_fund",
    .entity = &funds_entity,
    .columns = "SELECT f.id, f.org_id, o.name AS org_name, o.kind AS org_kind, f.year, f.basic_pay, f.office,"
               " f.service_ops, f.special_fund, f.others, " FUNDS_TOTAL " AS total, f.population,"
               " f.population_source, t.tier, f.note, f.created_at, f.updated_at, f.version",
    .from = "FROM operating_fund f JOIN org o ON o.id = f.org_id JOIN fund_tier t ON t.id = f.id",
    .key = "f.id",
    .org_path = "o.path",
    .org_column = "org_id",
    .org_field = "org_id",
    .read_perm = FUNDS_READ,
    .write_perm = FUNDS_WRITE,
    .create = create_fields,
    .update = update_fields,
    .not_columns = not_columns,
    .filters = filters,
    .sorts = sorts,
    .rules = {.before = before, .after = after},
    .unique_field = "year",
    .unique_error = &funds_taken,
};

/* GET /api/v1/operating-funds/export: the list as a workbook (运转经费), audited. */
static int funds_export(api_req_t *req, api_reply_t *rep)
{
    static const char *const source_values[] = {"registry", "entered", NULL};
    static const char *const source_words[] = {"人口库", "填报"};
    static const list_col_t cols[] = {
        {"id", "编号", NULL, NULL},
        {"year", "年度", NULL, NULL},
        {"org_name", "社区（村）", NULL, NULL},
        {"population", "人口", NULL, NULL},
        {"population_source", "人口来源", source_values, source_words},
        {"tier", "档次", NULL, NULL},
        {"basic_pay", "基本报酬（元）", NULL, NULL},
        {"office", "办公经费（元）", NULL, NULL},
        {"service_ops", "服务运转（元）", NULL, NULL},
        {"special_fund", "服务群众专项经费（元）", NULL, NULL},
        {"others", "其他（元）", NULL, NULL},
        {"total", "合计（元）", NULL, NULL},
        {NULL, NULL, NULL, NULL},
    };
    api_list_t l;
    return res_list_of(req, rep, &l) != 0 ? -1 : api_list_export(req, rep, &l, "运转经费", cols, "operating-funds");
}

const op_t funds_ops[] = {
    {OP(HTTP_GET, "/api/v1/operating-funds/export", "operating_funds.export", PERM(FUNDS_READ), RF_WRITES,
        funds_export),
     .res = &funds_res, .query = list_query},
    RESOURCE_OPS(funds_res, funds_entity, "/api/v1/operating-funds", "operating_funds", FUNDS_READ, FUNDS_WRITE,
                 create_fields, update_fields, list_query),
    OPS_END,
};
