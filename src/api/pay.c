/* 村/社区干部报酬 (docs/pay.md): what residents holding posts at community
 * and village nodes are paid each year, measured against a standard.
 *
 * A pay record: a person (a resident), a community-level node, a post and a
 * year, with basic pay, performance pay (考核), the income-growth reward and
 * other pay in integer yuan; one per person, node, post and year. A benchmark:
 * a county's or district's (or the city's) amounts of a year: a new civil
 * servant's pay (新招录公务员工资) and the rural per-capita disposable income
 * (农村居民人均可支配收入). The standard rule is the norm pay.standard (shares,
 * whole percent): benchmark_pct of the civil servant's pay, rural_income_
 * multiple_pct of the rural income, and for deputies (副书记, 副主任)
 * deputy_of_secretary_pct of the node's secretary's pay that year; 0 means the
 * part does not apply. A record's standard is the highest part that applies;
 * with none (no norm, no benchmark, no secretary) the record is unchecked.
 * A node's benchmark is the nearest one at or above it for the year.
 *
 * The standard is computed in SQL (pay_select): the norm that applies to a
 * record is picked as norm_get picks it (the nearest issuer's latest) and its
 * parts read from its JSON value, so the list, its below filter, a record and
 * the kept figures read one query and cannot disagree.
 *
 * Personal data: a record answers the person's id and name, never an ID or
 * phone number; no audit summary holds a name or an amount. */
#include "api/handlers.h"
#include "api/internal.h"
#include "api/list.h"
#include "api/resource.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/path.h"
#include "db/copy.h"
#include "core/role.h"
#include "lib/util.h"

#define PAY_READ PERM_PEOPLE_READ
#define PAY_WRITE PERM_ORG_WRITE
#define PAY_AMOUNT_MAX 10000000

const char *const pay_posts[] = {"secretary", "director",        "secretary_director", "deputy_secretary",
                                 "deputy_director", "member", "other", NULL};
/* Their words in an export (the console's pay.post words). */
static const char *const pay_post_words[] = {"书记", "主任", "书记兼主任", "副书记", "副主任", "委员", "其他"};
const char *const pay_post_groups[] = {"community_secretary", "village_head", NULL};
static const char *const pay_post_group_words[] = {"社区书记", "村“两委”正职"};

#define PAY_SECRETARY_POSTS "('secretary', 'secretary_director')"
#define PAY_HEAD_POSTS "('secretary', 'director', 'secretary_director')"
#define PAY_DEPUTY_POSTS "('deputy_secretary', 'deputy_director')"
#define PAY_TOTAL(t) t ".basic + " t ".performance + " t ".growth_reward + " t ".other"

/* ================================================================ the standard */

static const char *const rule_parts[] = {"benchmark_pct", "rural_income_multiple_pct", "deputy_of_secretary_pct"};

/* The whole percent of a part of the norm pay.standard that applies at the
 * record's node (o.path) in its year (p.year), as norm_get picks it (the
 * nearest issuer's latest), 0 when none applies: a norm's value is JSON text,
 * read by each backend's own JSON function (the one place the SQL differs). */
static void rule_part(db_t *db, strbuf_t *b, const char *part)
{
    int pg = strcmp(db_dialect(db), "postgres") == 0;
    strbuf_add(b, "COALESCE((SELECT ");
    if (pg)
        strbuf_addf(b, "CAST(ROUND(CAST(CAST(n.value AS json) ->> '%s' AS numeric)) AS bigint)", part);
    else
        strbuf_addf(b, "CAST(ROUND(json_extract(n.value, '$.%s')) AS INTEGER)", part);
    strbuf_add(b, " FROM norm n JOIN org nd ON nd.id = n.org_id WHERE n.key = 'pay.standard'"
                      " AND n.year_from <= p.year AND substr(o.path, 1, length(nd.path)) = nd.path"
                      " ORDER BY length(nd.path) DESC, n.year_from DESC, n.id DESC LIMIT 1), 0)");
}

/* The nearest benchmark amount (column col) at or above the node in its year. */
#define BENCH(col)                                                                                                     \
    "(SELECT b." col " FROM pay_benchmark b JOIN org bo ON bo.id = b.org_id WHERE b.year = x.year AND b." col          \
    " IS NOT NULL AND substr(x.org_path, 1, length(bo.path)) = bo.path ORDER BY length(bo.path) DESC LIMIT 1)"
#define GE(a, b) "COALESCE(y." a ", -1) >= COALESCE(y." b ", -1)"

/* "SELECT ... FROM (...) z": every record with its total, post group, the
 * parts of its standard, standard (NULL: unchecked), its rule and gap (how
 * far below the standard; 0 when not below); where: conditions on the
 * innermost rows (p: pay_record, o: its node), or "". The text depends only
 * on the backend and where (the statement caches key on it). The caller frees. */
static char *pay_select_with(db_t *db, const char *where, int bound)
{
    strbuf_t b = {0};
    strbuf_add(&b,
               "SELECT z.*, CASE WHEN z.standard IS NOT NULL AND z.total < z.standard THEN z.standard - z.total"
               " ELSE 0 END AS gap FROM (SELECT y.id, y.org_id, y.org_name, y.org_kind, y.org_path, y.person_id,"
               " y.person_name, y.post, y.post_group, y.year, y.basic, y.performance, y.growth_reward, y.other,"
               " y.total, y.note, y.created_at, y.updated_at, y.version, y.std_benchmark, y.std_rural, y.std_deputy,"
               " CASE WHEN " GE("std_benchmark", "std_rural") " AND " GE("std_benchmark", "std_deputy")
               " THEN y.std_benchmark WHEN " GE("std_rural", "std_deputy") " THEN y.std_rural ELSE y.std_deputy"
               " END AS standard,"
               " CASE WHEN y.std_benchmark IS NULL AND y.std_rural IS NULL AND y.std_deputy IS NULL THEN NULL"
               " WHEN " GE("std_benchmark", "std_rural") " AND " GE("std_benchmark", "std_deputy")
               " THEN 'benchmark' WHEN " GE("std_rural", "std_deputy") " THEN 'rural_income' ELSE 'deputy_share'"
               " END AS standard_rule FROM (SELECT x.*,"
               " CASE WHEN x.bp > 0 THEN " BENCH("civil_servant_pay") " * x.bp / 100 END AS std_benchmark,"
               " CASE WHEN x.rp > 0 THEN " BENCH("rural_income") " * x.rp / 100 END AS std_rural,"
               " CASE WHEN x.dp > 0 AND x.post IN " PAY_DEPUTY_POSTS " THEN (SELECT MAX(" PAY_TOTAL("s") ")"
               " FROM pay_record s WHERE s.org_id = x.org_id AND s.year = x.year AND s.post IN " PAY_SECRETARY_POSTS
               ") * x.dp / 100 END AS std_deputy FROM (SELECT p.id, p.org_id, o.name AS org_name,"
               " o.kind AS org_kind, o.path AS org_path, p.person_id, pe.name AS person_name, p.post,"
               " CASE WHEN o.kind = 'community' AND p.post IN " PAY_SECRETARY_POSTS " THEN 'community_secretary'"
               " WHEN o.kind = 'village' AND p.post IN " PAY_HEAD_POSTS " THEN 'village_head' END AS post_group,"
               " p.year, p.basic, p.performance, p.growth_reward, p.other, " PAY_TOTAL("p") " AS total, p.note,"
               " p.created_at, p.updated_at, p.version, ");
    const char *names[3] = {"bp", "rp", "dp"};
    for (int k = 0; k < 3; k++) {
        if (bound) /* the caller binds the parts of the norm it found, first */
            strbuf_add(&b, "CAST(? AS INTEGER)");
        else
            rule_part(db, &b, rule_parts[k]);
        strbuf_addf(&b, " AS %s%s", names[k], k < 2 ? ", " : "");
    }
    strbuf_add(&b, " FROM pay_record p JOIN org o ON o.id = p.org_id JOIN person pe ON pe.id = p.person_id");
    if (where && *where) {
        strbuf_add(&b, " WHERE ");
        strbuf_add(&b, where);
    }
    strbuf_add(&b, ") x) y) z");
    return b.s;
}

static char *pay_select(db_t *db, const char *where)
{
    return pay_select_with(db, where, 0);
}

/* Finish an answer row: the internals out, below as a boolean. */
static void pay_row(json_t *row, void *ctx)
{
    (void)ctx;
    json_object_del(row, "org_path");
    json_object_set_new(row, "below", json_boolean(json_integer_value(json_object_get(row, "gap")) > 0));
    json_object_set_new(row, "checked", json_boolean(json_is_integer(json_object_get(row, "standard"))));
}

/* ================================================================ kept figures */

/* Put the figures of the records of sql (pay_select's rows; it is freed) at
 * their nodes and years, reading the few columns they need by name (not as
 * JSON rows of every column). DB_OK or an error. */
static int pay_put(db_t *db, char *sql, const char *types, int64_t *binds, int nbinds, yfig_vals_t *out)
{
    db_val_t vals[5];
    for (int i = 0; i < nbinds && i < 5; i++)
        vals[i] = (db_val_t){.type = types[i], .i = binds[i]};
    db_stmt_t *st = sql ? db_qv(db, sql, vals, nbinds) : NULL;
    free(sql);
    if (st == NULL)
        return DB_ERR;
    static const char *const names[] = {"org_id", "year", "post", "post_group", "total", "standard", "gap"};
    int col[7];
    for (int k = 0; k < 7; k++) {
        col[k] = -1;
        for (int i = 0; i < db_col_count(st); i++)
            if (strcmp(db_col_name(st, i), names[k]) == 0)
                col[k] = i;
        if (col[k] < 0) {
            db_done(st);
            return DB_ERR;
        }
    }
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        int64_t org = db_col_int(st, col[0]), total = db_col_int(st, col[4]);
        int year = (int)db_col_int(st, col[1]);
        const char *post = db_col_text(st, col[2]), *group = db_col_text(st, col[3]);
        char name[64];
        if (group) {
            snprintf(name, sizeof name, "pay.%s.n", group);
            yfig_put_at(out, org, year, name, 1);
            snprintf(name, sizeof name, "pay.%s.sum", group);
            yfig_put_at(out, org, year, name, total);
        }
        snprintf(name, sizeof name, "pay.post.%s.n", post ? post : "");
        yfig_put_at(out, org, year, name, 1);
        snprintf(name, sizeof name, "pay.post.%s.sum", post ? post : "");
        yfig_put_at(out, org, year, name, total);
        if (!db_col_is_null(st, col[5])) {
            int64_t gap = db_col_int(st, col[6]);
            yfig_put_at(out, org, year, "pay.checked", 1);
            if (gap > 0) {
                yfig_put_at(out, org, year, "pay.below", 1);
                yfig_put_at(out, org, year, "pay.below_gap", gap);
            }
        }
    }
    db_done(st);
    return rc == DB_DONE ? DB_OK : rc;
}

/* The node's records of the year. On SQLite the one norm that applies to all
 * of them is found once (norm_get: what pay_select picks per record) and
 * bound, which saves reading it per record; on PostgreSQL one query picks it
 * (a round trip saved per node and year, which a rebuild does thousands of). */
static int pay_own(db_t *db, int64_t org, int year, yfig_vals_t *out)
{
    if (strcmp(db_dialect(db), "postgres") == 0) {
        int64_t b[2] = {org, year};
        return pay_put(db, pay_select(db, "p.org_id = ? AND p.year = ?"), "ii", b, 2, out);
    }
    json_t *norm = NULL;
    int64_t b[5] = {0, 0, 0, org, year};
    int rc = norm_get(db, "pay.standard", org, year, &norm);
    if (rc != DB_OK && rc != DB_NOTFOUND)
        return rc;
    for (int k = 0; k < 3 && norm; k++)
        b[k] = (int64_t)llround(json_number_value(json_object_get(norm, rule_parts[k])));
    json_decref(norm);
    return pay_put(db, pay_select_with(db, "p.org_id = ? AND p.year = ?", 1), "iiiii", b, 5, out);
}

/* Every record's figures at its node and year: one query, each record's norm
 * picked by the query (as on PostgreSQL above). */
static int pay_all(db_t *db, yfig_vals_t *out)
{
    return pay_put(db, pay_select(db, NULL), "", NULL, 0, out);
}

static const char *const pay_norms[] = {"pay.standard", NULL};

const yfig_source_t pay_figures = {
    .prefix = "pay.",
    .own = pay_own,
    .all = pay_all,
    .keys_sql = "SELECT p.org_id, p.year FROM pay_record p JOIN org o ON o.id = p.org_id"
                " WHERE o.path >= ? AND o.path < ? AND p.year >= ? GROUP BY p.org_id, p.year",
    .norms = pay_norms,
};

/* ================================================================ pay records */

static const field_t record_fields[] = {
    {"org_id", F_INT, 1, 1, INT64_MAX, NULL, 0},
    {"person_id", F_INT, 1, 1, INT64_MAX, NULL, 0},
    {"post", F_ENUM, 1, 0, 0, pay_posts, 0},
    {"year", F_INT, 1, 2000, 2100, NULL, 0},
    {"basic", F_INT, 1, 0, PAY_AMOUNT_MAX, NULL, 0},
    {"performance", F_INT, 1, 0, PAY_AMOUNT_MAX, NULL, 0},
    {"growth_reward", F_INT, 1, 0, PAY_AMOUNT_MAX, NULL, 0},
    {"other", F_INT, 1, 0, PAY_AMOUNT_MAX, NULL, 0},
    {"note", F_BLOCK, 0, 1, 1000, NULL, 0},
    FIELDS_END,
};

static const field_t record_update_fields[] = {
    {"post", F_ENUM, F_NOT_NULL, 0, 0, pay_posts, 0},
    {"year", F_INT, F_NOT_NULL, 2000, 2100, NULL, 0},
    {"basic", F_INT, F_NOT_NULL, 0, PAY_AMOUNT_MAX, NULL, 0},
    {"performance", F_INT, F_NOT_NULL, 0, PAY_AMOUNT_MAX, NULL, 0},
    {"growth_reward", F_INT, F_NOT_NULL, 0, PAY_AMOUNT_MAX, NULL, 0},
    {"other", F_INT, F_NOT_NULL, 0, PAY_AMOUNT_MAX, NULL, 0},
    {"note", F_BLOCK, 0, 1, 1000, NULL, 0},
    {"version", F_INT, 0, 1, INT64_MAX, NULL, 0},
    FIELDS_END,
};

static const char *const true_false[] = {"true", "false", NULL};

static const field_t record_query[] = {
    {"org", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"year", F_INT, 0, 2000, 2100, NULL, 0},
    {"post", F_ENUM, 0, 0, 0, pay_posts, 0},
    {"post_group", F_ENUM, 0, 0, 0, pay_post_groups, 0},
    {"below", F_ENUM, 0, 0, 0, true_false, 0},
    {"person", F_INT, 0, 1, INT64_MAX, NULL, 0},
    FIELDS_END,
};

/* Touch the kept figures of record id's (node, year). */
static int record_touch(db_t *db, int64_t id)
{
    return yfig_touch_rows(db, &pay_figures, "SELECT org_id, year FROM pay_record WHERE id = ?", id);
}

/* A new record: at a community or village, of a resident the caller sees;
 * a change or removal: its (node, year) as it was. */
static int record_before(db_t *db, const write_ctx_t *w, int64_t id, const json_t *in, api_reply_t *rep)
{
    if (id > 0) {
        int rc = record_touch(db, id);
        return rc == DB_OK ? 0 : api_db_error(rep, w->lang, rc, "pay_record");
    }
    char level[16] = "";
    db_one_text(db, level, sizeof level, "SELECT level FROM org WHERE id = ?", "i",
                json_integer_value(json_object_get(in, "org_id")));
    if (strcmp(level, "community") != 0)
        return api_fail(rep, w->lang, E_PAY_NOT_COMMUNITY, "org_id");
    int64_t porg = 0;
    if (db_one_int(db, &porg, "SELECT org_id FROM person WHERE id = ?", "i",
                   json_integer_value(json_object_get(in, "person_id"))) != DB_OK ||
        access_org(db, &w->who, PERM_PEOPLE_READ, porg, NULL, 0) != DB_OK)
        return api_fail(rep, w->lang, E_PERSON_NOT_FOUND, "person_id");
    return 0;
}

static int record_after(db_t *db, const write_ctx_t *w, int64_t id, const json_t *in, api_reply_t *rep)
{
    (void)in;
    int rc = record_touch(db, id);
    return rc == DB_OK ? 0 : api_db_error(rep, w->lang, rc, "pay_record");
}

static const entity_t record_entity = {"pay_record", "SELECT org_id FROM pay_record WHERE id = ?", NULL};
static const err_t record_taken = E_PAY_RECORD_TAKEN;

/* The generic writes answer the stored row; GET answers it with its standard. */
static const resource_t record_res = {
    .name = "pay_record",
    .table = "pay_record",
    .entity = &record_entity,
    .columns = "SELECT p.id, p.org_id, o.name AS org_name, o.kind AS org_kind, p.person_id, pe.name AS person_name,"
               " p.post, p.year, p.basic, p.performance, p.growth_reward, p.other, " PAY_TOTAL("p") " AS total,"
               " p.note, p.created_at, p.updated_at, p.version",
    .from = "FROM pay_record p JOIN org o ON o.id = p.org_id JOIN person pe ON pe.id = p.person_id",
    .key = "p.id",
    .org_path = "o.path",
    .org_column = "org_id",
    .org_field = "org_id",
    .read_perm = PAY_READ,
    .write_perm = PAY_WRITE,
    .create = record_fields,
    .update = record_update_fields,
    .rules = {.before = record_before, .after = record_after},
    .unique_field = "person_id",
    .unique_error = &record_taken,
};

/* The list's conditions: the subtree (?org= or the caller's), the filters. */
static int record_where(api_req_t *req, api_reply_t *rep, api_list_t *l, char **sql)
{
    int64_t org = 0, year = 0, person = 0;
    api_query_int(req, "org", 0, 1, INT64_MAX, &org);
    char lo[ACCESS_PATH_MAX], hi[ACCESS_PATH_MAX];
    int rc = access_list_range(req->db, req->who, PAY_READ, org, lo, hi);
    if (rc == DB_NOTFOUND)
        return api_fail(rep, req->lang, E_ORG_NOT_FOUND, "org");
    if (rc != DB_OK)
        return api_db_error(rep, req->lang, rc, "org");
    char *inner = pay_select(req->db, "o.path >= ? AND o.path < ?");
    *sql = inner ? db_sql_join("FROM (", inner, ") q", NULL) : NULL;
    free(inner);
    if (*sql == NULL)
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    api_list_begin(l, "SELECT q.*", *sql, "q.id", "id");
    l->row = pay_row;
    /* the subtree's bounds: the innermost query's two marks, bound first */
    api_list_where(l, "1 = 1", "tt", lo, hi);
    api_query_int(req, "year", 0, 2000, 2100, &year);
    api_query_int(req, "person", 0, 1, INT64_MAX, &person);
    char *post = api_query(req, "post"), *group = api_query(req, "post_group"), *below = api_query(req, "below");
    if (year)
        api_list_where(l, "q.year = ?", "i", year);
    if (person)
        api_list_where(l, "q.person_id = ?", "i", person);
    if (post)
        api_list_where(l, "q.post = ?", "t", post);
    if (group)
        api_list_where(l, "q.post_group = ?", "t", group);
    if (below && strcmp(below, "true") == 0)
        api_list_where(l, "q.gap > 0", "");
    free(post);
    free(group);
    free(below);
    return 0;
}

/* GET /api/v1/pay-records: records under ?org= (else the caller's scope), by
 * ?year=, ?post=, ?post_group=, ?below=true (below their standard, with the gap). */
static int record_list(api_req_t *req, api_reply_t *rep)
{
    api_list_t l;
    char *sql = NULL;
    if (record_where(req, rep, &l, &sql) != 0)
        return -1;
    int rc = api_list_answer(req, rep, &l);
    free(sql);
    return rc;
}

/* GET /api/v1/pay-records/export: the same list as a workbook, audited. */
static int record_export(api_req_t *req, api_reply_t *rep)
{
    static const list_col_t cols[] = {
        {"id", "编号", NULL, NULL},
        {"org_name", "村/社区", NULL, NULL},
        {"person_name", "姓名", NULL, NULL},
        {"post", "职务", pay_posts, pay_post_words},
        {"post_group", "岗位类别", pay_post_groups, pay_post_group_words},
        {"year", "年度", NULL, NULL},
        {"basic", "基本报酬（元）", NULL, NULL},
        {"performance", "绩效考核（元）", NULL, NULL},
        {"growth_reward", "增收奖励（元）", NULL, NULL},
        {"other", "其他（元）", NULL, NULL},
        {"total", "合计（元）", NULL, NULL},
        {"standard", "应达标准（元）", NULL, NULL},
        {"gap", "低于标准（元）", NULL, NULL},
        {NULL, NULL, NULL, NULL},
    };
    api_list_t l;
    char *sql = NULL;
    if (record_where(req, rep, &l, &sql) != 0)
        return -1;
    int rc = api_list_export(req, rep, &l, "干部报酬", cols, "pay-records");
    free(sql);
    return rc;
}

/* GET /api/v1/pay-records/{id}: the record with its standard. */
static int record_get(api_req_t *req, api_reply_t *rep)
{
    char *sql = pay_select(req->db, "p.id = ?");
    json_t *row = sql ? db_row_one_json(req->db, sql, "i", req->params[0]) : NULL;
    free(sql);
    if (row == NULL)
        return api_db_error(rep, req->lang, DB_NOTFOUND, "pay_record");
    pay_row(row, NULL);
    return api_json(rep, 200, row);
}

/* ================================================================ benchmarks */

static const field_t bench_fields[] = {
    {"org_id", F_INT, 1, 1, INT64_MAX, NULL, 0},
    {"year", F_INT, 1, 2000, 2100, NULL, 0},
    {"civil_servant_pay", F_INT, 0, 0, PAY_AMOUNT_MAX, NULL, 0},
    {"rural_income", F_INT, 0, 0, PAY_AMOUNT_MAX, NULL, 0},
    {"basis", F_BLOCK, 0, 1, 500, NULL, 0},
    FIELDS_END,
};

static const field_t bench_update_fields[] = {
    {"civil_servant_pay", F_INT, 0, 0, PAY_AMOUNT_MAX, NULL, 0},
    {"rural_income", F_INT, 0, 0, PAY_AMOUNT_MAX, NULL, 0},
    {"basis", F_BLOCK, 0, 1, 500, NULL, 0},
    {"version", F_INT, 0, 1, INT64_MAX, NULL, 0},
    FIELDS_END,
};

static const field_t bench_query[] = {
    {"org", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"year", F_INT, 0, 2000, 2100, NULL, 0},
    FIELDS_END,
};

static const res_filter_t bench_filters[] = {
    {"year", "b.year = ?", 0},
    {NULL, NULL, 0},
};

/* The records a benchmark reaches: its node's subtree, from its year on. */
static int bench_touch(db_t *db, int64_t id)
{
    json_t *row = db_row_one_json(db, "SELECT org_id, year FROM pay_benchmark WHERE id = ?", "i", id);
    if (row == NULL)
        return DB_OK;
    int rc = yfig_touch_subtree(db, &pay_figures, json_integer_value(json_object_get(row, "org_id")),
                                (int)json_integer_value(json_object_get(row, "year")));
    json_decref(row);
    return rc;
}

/* A new benchmark: at a district (county) or the city; a change: touch as it was. */
static int bench_before(db_t *db, const write_ctx_t *w, int64_t id, const json_t *in, api_reply_t *rep)
{
    if (id > 0) {
        int rc = bench_touch(db, id);
        return rc == DB_OK ? 0 : api_db_error(rep, w->lang, rc, "pay_benchmark");
    }
    char level[16] = "";
    db_one_text(db, level, sizeof level, "SELECT level FROM org WHERE id = ?", "i",
                json_integer_value(json_object_get(in, "org_id")));
    if (strcmp(level, "district") != 0 && strcmp(level, "city") != 0)
        return api_fail(rep, w->lang, E_PAY_BENCHMARK_LEVEL, "org_id");
    return 0;
}

static int bench_after(db_t *db, const write_ctx_t *w, int64_t id, const json_t *in, api_reply_t *rep)
{
    (void)in;
    int rc = bench_touch(db, id);
    return rc == DB_OK ? 0 : api_db_error(rep, w->lang, rc, "pay_benchmark");
}

static const entity_t bench_entity = {"pay_benchmark", "SELECT org_id FROM pay_benchmark WHERE id = ?", NULL};
static const err_t bench_taken = E_PAY_BENCHMARK_TAKEN;

static const resource_t bench_res = {
    .name = "pay_benchmark",
    .table = "pay_benchmark",
    .entity = &bench_entity,
    .columns = "SELECT b.id, b.org_id, o.name AS org_name, o.level AS org_level, b.year, b.civil_servant_pay,"
               " b.rural_income, b.basis, b.created_at, b.updated_at, b.version",
    .from = "FROM pay_benchmark b JOIN org o ON o.id = b.org_id",
    .key = "b.id",
    .org_path = "o.path",
    .org_column = "org_id",
    .org_field = "org_id",
    .read_perm = PERM_STATS_READ,
    .write_perm = PAY_WRITE,
    .create = bench_fields,
    .update = bench_update_fields,
    .filters = bench_filters,
    .rules = {.before = bench_before, .after = bench_after},
    .unique_field = "year",
    .unique_error = &bench_taken,
};

/* ================================================================ a node's figures */

/* {n, sum, average} of a kept pair name.n / name.sum (average null without records). */
static json_t *avg_of(int64_t n, int64_t sum)
{
    return json_pack("{s:I, s:I, s:o}", "n", (json_int_t)n, "sum", (json_int_t)sum, "average",
                     n ? json_integer((sum + n / 2) / n) : json_null());
}

/* GET /api/v1/pay-figures?org=&year=: from the node's kept figures, its
 * subtree's averages by post group and by post in the year, the records
 * checked against a standard, below it and the sum of their gaps; and the
 * same by year (series) for the chart. */
static int pay_figures_get(api_req_t *req, api_reply_t *rep)
{
    int64_t org = 0, year = 0;
    api_query_int(req, "org", 0, 1, INT64_MAX, &org);
    api_query_int(req, "year", 0, 2000, 2100, &year);
    int rc = access_org(req->db, req->who, PAY_READ, org, NULL, 0);
    if (rc != DB_OK)
        return rc == DB_NOTFOUND ? api_fail(rep, req->lang, E_ORG_NOT_FOUND, "org")
                                 : api_db_error(rep, req->lang, rc, NULL);
    json_t *all = yfig_series(req->db, org, "pay.");
    if (all == NULL)
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    /* year -> figure -> total */
    json_t *by_year = json_object();
    size_t i;
    json_t *r;
    json_array_foreach(all, i, r) {
        char y[16];
        snprintf(y, sizeof y, "%lld", (long long)json_integer_value(json_object_get(r, "year")));
        json_t *m = json_object_get(by_year, y);
        if (m == NULL)
            json_object_set_new(by_year, y, m = json_object());
        json_object_set(m, json_string_value(json_object_get(r, "figure")), json_object_get(r, "total"));
    }
    json_decref(all);
    json_t *series = json_array();
    const char *y;
    json_t *m;
#define FIG(m, name) json_integer_value(json_object_get((m), (name)))
    json_object_foreach(by_year, y, m) {
        json_array_append_new(
            series,
            json_pack("{s:i, s:o, s:o, s:I, s:I, s:I}", "year", atoi(y), "community_secretary",
                      avg_of(FIG(m, "pay.community_secretary.n"), FIG(m, "pay.community_secretary.sum")),
                      "village_head", avg_of(FIG(m, "pay.village_head.n"), FIG(m, "pay.village_head.sum")), "checked",
                      (json_int_t)FIG(m, "pay.checked"), "below", (json_int_t)FIG(m, "pay.below"), "below_gap",
                      (json_int_t)FIG(m, "pay.below_gap")));
    }
    char ys[16];
    snprintf(ys, sizeof ys, "%lld", (long long)year);
    json_t *cur = year ? json_object_get(by_year, ys) : NULL;
    json_t *empty = json_object();
    if (cur == NULL)
        cur = empty;
    json_t *posts = json_array();
    for (int k = 0; pay_posts[k]; k++) {
        char n[64], s[64];
        snprintf(n, sizeof n, "pay.post.%s.n", pay_posts[k]);
        snprintf(s, sizeof s, "pay.post.%s.sum", pay_posts[k]);
        json_t *a = avg_of(FIG(cur, n), FIG(cur, s));
        json_object_set_new(a, "post", json_string(pay_posts[k]));
        json_array_append_new(posts, a);
    }
    int64_t checked = FIG(cur, "pay.checked"), below = FIG(cur, "pay.below");
    json_t *ans = json_pack(
        "{s:I, s:o, s:{s:o, s:o}, s:o, s:I, s:I, s:I, s:o, s:o}", "org_id", (json_int_t)org, "year",
        year ? json_integer(year) : json_null(), "groups", "community_secretary",
        avg_of(FIG(cur, "pay.community_secretary.n"), FIG(cur, "pay.community_secretary.sum")), "village_head",
        avg_of(FIG(cur, "pay.village_head.n"), FIG(cur, "pay.village_head.sum")), "posts", posts, "checked",
        (json_int_t)checked, "below", (json_int_t)below, "below_gap", (json_int_t)FIG(cur, "pay.below_gap"),
        "compliance_rate", json_rate(checked - below, checked), "series", series);
#undef FIG
    json_decref(empty);
    json_decref(by_year);
    return api_json(rep, 200, ans);
}

/* ================================================================ the table */

const op_t pay_ops[] = {
    {OP(HTTP_GET, "/api/v1/pay-records", "pay_records.list", PERM(PAY_READ), RF_PAGED, record_list),
     .query = record_query},
    {OP(HTTP_GET, "/api/v1/pay-records/export", "pay_records.export", PERM(PAY_READ), RF_WRITES, record_export),
     .query = record_query},
    {OP(HTTP_POST, "/api/v1/pay-records", "pay_records.create", PERM(PAY_WRITE), RF_BODY | RF_WRITES, res_create),
     .res = &record_res, .body = record_fields},
    {OP(HTTP_GET, "/api/v1/pay-records/{id}", "pay_records.get", PERM(PAY_READ), 0, record_get),
     .entity = &record_entity},
    {OP(HTTP_PATCH, "/api/v1/pay-records/{id}", "pay_records.update", PERM(PAY_WRITE), RF_BODY | RF_WRITES,
        res_update),
     .res = &record_res, .body = record_update_fields, .entity = &record_entity},
    {OP(HTTP_DELETE, "/api/v1/pay-records/{id}", "pay_records.delete", PERM(PAY_WRITE), RF_WRITES, res_delete),
     .res = &record_res, .entity = &record_entity},
    RESOURCE_OPS(bench_res, bench_entity, "/api/v1/pay-benchmarks", "pay_benchmarks", PERM_STATS_READ, PAY_WRITE,
                 bench_fields, bench_update_fields, bench_query),
    {OP(HTTP_GET, "/api/v1/pay-figures", "pay_figures.get", PERM(PAY_READ), 0, pay_figures_get),
     .query = subtree_figures_query},
    OPS_END,
};

/* ================================================================ demo */

/* The demo's averages by post group: the first year's and the last's (the
 * source text's), rising evenly in between. */
static int64_t demo_avg(int year, int last, int64_t first_avg, int64_t last_avg)
{
    if (last <= DEMO_FIRST_YEAR)
        return last_avg;
    return first_avg + ((last_avg - first_avg) * (year - DEMO_FIRST_YEAR) * 2 + (last - DEMO_FIRST_YEAR)) /
                           (2 * (last - DEMO_FIRST_YEAR));
}

/* Pay of n records of a group in a year summing to exactly avg x n, each
 * at least 500 above its standard (floor; 0 when unchecked): the excess over
 * that is spread around the average's. 0, or -1 when the floors leave no room. */
static int demo_fit_group(unsigned long long seed, int year, int64_t *v, const int64_t *floor, int n, int64_t avg)
{
    int64_t base = 0;
    for (int i = 0; i < n; i++) {
        int64_t want = avg * (85 + demo_pick(seed, (unsigned long long)year * 100003ull + (unsigned long long)i, 31)) /
                       100;
        v[i] = want > floor[i] + 500 ? want - floor[i] - 500 : 0;
        base += floor[i] + 500;
    }
    if (demo_fit_sum(v, n, avg * n - base, 0, avg * 10) != 0)
        return -1;
    for (int i = 0; i < n; i++)
        v[i] += floor[i] + 500;
    return 0;
}

/* The last year: k records of the group fall below their standard by 800 to
 * 4,000 yuan; what they lose goes to their neighbours, so the sum stays. */
static void demo_below(unsigned long long seed, int64_t *v, const int64_t *floor, const int64_t *checked, int n, int k)
{
    for (int j = 0; j < k && n >= 2 * k + 2; j++) {
        int i = (int)((demo_pick(seed, 0xb10cull + (unsigned long long)j, n / k) + (int64_t)j * (n / k)) % n);
        int to = (i + 1) % n;
        if (!checked[i])
            continue;
        int64_t cut = v[i] - floor[i] + 800 + demo_pick(seed, 0xb10dull + (unsigned long long)j, 3201);
        v[i] -= cut;
        v[to] += cut;
    }
}

/* The amounts of a record of total t in year: basic, performance (考核), the
 * income-growth reward (from 2018) and other pay. */
static int demo_update(db_t *db, int64_t id, int year, int64_t t)
{
    int64_t growth = year >= 2018 ? t / 20 : 0, perf = t * 3 / 10, other = t / 50;
    return db_exec(db, NULL,
                   "UPDATE pay_record SET basic = ?, performance = ?, growth_reward = ?, other = ? WHERE id = ?", "iiiii",
                   t - growth - perf - other, perf, growth, other, id);
}

int pay_demo(db_t *db, const write_ctx_t *w, unsigned long long seed)
{
    int last = demo_last_year(w);
    /* benchmarks: every county or district, every year */
    json_t *districts = db_rows_json(db, "SELECT id FROM org WHERE level = 'district' ORDER BY id", "");
    json_t *nodes = db_rows_json(db,
                                 "SELECT o.id, o.kind, o.path, (SELECT MIN(c.person_id) FROM cadre c WHERE c.org_id = o.id"
                                 " AND c.post = '书记') AS secretary FROM org o WHERE o.level = 'community'"
                                 " AND o.kind IN ('community', 'village') ORDER BY o.id",
                                 "");
    int rc = districts && nodes ? DB_OK : DB_ERR;
    size_t i;
    json_t *r;
    json_array_foreach(districts, i, r) {
        int64_t k = (int64_t)i;
        for (int y = DEMO_FIRST_YEAR; rc == DB_OK && y <= last; y++)
            rc = db_exec(db, NULL,
                         "INSERT INTO pay_benchmark (org_id, year, civil_servant_pay, rural_income, basis, created_at,"
                         " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                         "iiiitii", json_integer_value(json_object_get(r, "id")), (int64_t)y,
                         40000 + 1500 * (k % 4) + (y - DEMO_FIRST_YEAR) * 1500,
                         7500 + 300 * (k % 5) + (y - DEMO_FIRST_YEAR) * (1700 + 50 * (k % 3)), "统计公报（演示）",
                         w->now, w->now);
    }
    /* records: a community's secretary; a village's secretary and 主任 (another
     * resident of the village), or its 书记兼主任 where it has no other */
    json_array_foreach(nodes, i, r) {
        int64_t org = json_integer_value(json_object_get(r, "id"));
        int64_t sec = json_integer_value(json_object_get(r, "secretary")), director = 0;
        int village = strcmp(json_string_value(json_object_get(r, "kind")), "village") == 0;
        if (rc != DB_OK || sec == 0)
            continue;
        if (village) {
            char hi[ACCESS_PATH_MAX];
            const char *path = json_string_value(json_object_get(r, "path"));
            path_subtree_upper(hi, sizeof hi, path);
            rc = db_one_int(db, &director,
                            "SELECT COALESCE(MIN(p.id), 0) FROM person p JOIN org o ON o.id = p.org_id"
                            " WHERE o.path >= ? AND o.path < ? AND p.id <> ?",
                            "tti", path, hi, sec);
        }
        for (int y = DEMO_FIRST_YEAR; rc == DB_OK && y <= last; y++) {
            rc = db_exec(db, NULL,
                         "INSERT INTO pay_record (org_id, person_id, post, year, created_at, updated_at)"
                         " VALUES (?, ?, ?, ?, ?, ?)",
                         "iitiii", org, sec, village && director == 0 ? "secretary_director" : "secretary", (int64_t)y,
                         w->now, w->now);
            if (rc == DB_OK && director)
                rc = db_exec(db, NULL,
                             "INSERT INTO pay_record (org_id, person_id, post, year, created_at, updated_at)"
                             " VALUES (?, ?, 'director', ?, ?, ?)",
                             "iiiii", org, director, (int64_t)y, w->now, w->now);
        }
    }
    json_decref(districts);
    json_decref(nodes);
    /* the amounts, year by year: above each record's standard (the norms
     * and benchmarks are in), exact averages, a few below in the last year */
    static const struct {
        const char *group;
        int64_t first, last;
        int below;
    } groups[] = {{"community_secretary", 31000, 59000, 3}, {"village_head", 15000, 37000, 4}};
    int64_t city = 0;
    if (rc == DB_OK)
        rc = db_one_int(db, &city, "SELECT id FROM org WHERE level = 'city' ORDER BY id LIMIT 1", "");
    for (int y = DEMO_FIRST_YEAR; rc == DB_OK && y <= last; y++) {
        /* the demo's pay.standard norms are the city's: one applies city-wide in a year */
        json_t *norm = NULL;
        int64_t pct[3] = {0, 0, 0};
        if (norm_get(db, "pay.standard", city, y, &norm) == DB_OK)
            for (int k = 0; k < 3; k++)
                pct[k] = (int64_t)llround(json_number_value(json_object_get(norm, rule_parts[k])));
        json_decref(norm);
        char *sql = pay_select_with(db, "p.year = ?", 1);
        json_t *rows = sql ? db_rows_json(db, sql, "iiii", pct[0], pct[1], pct[2], (int64_t)y) : NULL;
        free(sql);
        rc = rows ? DB_OK : DB_ERR;
        if (rows == NULL)
            fprintf(stderr, "jiceng: pay demo: the records of %d do not read back\n", y);
        for (size_t g = 0; rc == DB_OK && g < sizeof groups / sizeof groups[0]; g++) {
            size_t cap = json_array_size(rows) + 1;
            int64_t *v = calloc(cap, sizeof *v), *floor = calloc(cap, sizeof *floor), *ids = calloc(cap, sizeof *ids),
                    *checked = calloc(cap, sizeof *checked);
            int n = 0;
            json_array_foreach(rows, i, r) {
                const char *grp = json_string_value(json_object_get(r, "post_group"));
                if (grp == NULL || strcmp(grp, groups[g].group) != 0)
                    continue;
                ids[n] = json_integer_value(json_object_get(r, "id"));
                checked[n] = json_is_integer(json_object_get(r, "standard"));
                floor[n++] = json_integer_value(json_object_get(r, "standard"));
            }
            int64_t avg = demo_avg(y, last, groups[g].first, groups[g].last);
            unsigned long long s = seed * 31ull + g;
            if (n > 0 && demo_fit_group(s, y, v, floor, n, avg) != 0) {
                fprintf(stderr, "jiceng: pay demo: %s %d: no room above the standards for %lld\n", groups[g].group, y,
                        (long long)avg);
                rc = DB_ERR;
            }
            if (rc == DB_OK && y == last)
                demo_below(s, v, floor, checked, n, groups[g].below);
            for (int j = 0; rc == DB_OK && j < n; j++)
                rc = demo_update(db, ids[j], y, v[j]);
            free(v);
            free(floor);
            free(ids);
            free(checked);
        }
        json_decref(rows);
    }
    return rc;
}
