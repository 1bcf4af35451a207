/* 村级集体经济 (village collective economy) and 空壳村 (shell villages):
 * docs/village-economy.md.
 *
 * One account per village (org.kind = 'village') and year, integer yuan: the
 * operating items (发包上交, 投资收益, 经营收入), whose sum is the village's
 * operating income, apart from subsidies (补助) and other income (其他), which
 * never count towards its band; total assets; the measures taken (a
 * vocabulary); a note. A plain resource (api/resource.h) for its writes; its
 * reads answer each account's band, computed in the query.
 *
 * The band (strong, general, weak, shell) of an account is its operating
 * income against the village.income_bands norm in force at the village that
 * year (the nearest issuer's latest, as norm_get picks it); none: unclassified.
 * Kept yearly figures (yfig.h, prefix "village."): accounts, accounts per band,
 * unclassified, operating income, and the villages that entered or left the
 * shell band since their previous year's account (both years classified). A
 * write touches the account's year and the following one. */
#include "api/handlers.h"
#include "api/internal.h"
#include "api/list.h"
#include "api/resource.h"
#include "api/yfig.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/role.h"
#include "db/copy.h"
#include "lib/util.h"

#define ACCOUNT_READ PERM_STATS_READ
#define ACCOUNT_WRITE PERM_ORG_WRITE
#define MONEY_MAX 100000000000LL /* 1,000 亿 yuan: far above any village's figure */

const char *const village_bands[] = {"strong", "general", "weak", "shell", NULL};
static const char *const band_words[] = {"经济强村", "一般村", "薄弱村", "空壳村"};
/* The band filter's values: a band or no norm applying. */
static const char *const band_filters[] = {"strong", "general", "weak", "shell", "unclassified", NULL};
const char *const village_measures[] = {"asset_integration", "land_transfer",  "photovoltaic",
                                        "property_leasing",  "rural_tourism", "other", NULL};
static const char *const measure_words[] = {"资产整合", "土地流转", "光伏发电", "物业经营", "乡村旅游", "其他"};
static const char *const band_changes[] = {"entered_shell", "left_shell", NULL};

#define OPERATING(t) "(" t ".contracting + " t ".investment + " t ".business)"

/* ---------------------------------------------------------------- bands */

/* The band of operating income expression inc for a village whose path is
 * the expression path in the year expression year, as SQL: a CASE over every
 * village.income_bands norm, the nearest issuer first and its latest first
 * (what norm_get picks), each giving the grade whose minimum inc reaches; NULL
 * when inc is NULL or no norm applies. The norms' values are checked numbers
 * and their paths digits and slashes, written as literals. Caller frees; NULL
 * on error. */
static char *band_case(db_t *db, const char *inc, const char *path, const char *year)
{
    db_stmt_t *st = db_q(db,
                         "SELECT o.path, n.year_from, n.value FROM norm n JOIN org o ON o.id = n.org_id"
                         " WHERE n.key = 'village.income_bands' ORDER BY length(o.path) DESC, n.year_from DESC, n.id",
                         "");
    if (st == NULL)
        return NULL;
    strbuf_t b = {0};
    int rc, n = 0, bad = 0;
    strbuf_add(&b, "CASE");
    while ((rc = db_step(st)) == DB_ROW) {
        const char *p = db_col_text(st, 0);
        json_t *v = json_loads(db_col_text(st, 2) ? db_col_text(st, 2) : "", JSON_DECODE_ANY, NULL);
        if (p == NULL || strspn(p, "0123456789/") != strlen(p) || !json_is_array(v) ||
            json_array_size(v) != 4) {
            json_decref(v);
            bad = 1;
            continue;
        }
        strbuf_addf(&b, " WHEN substr(%s, 1, %zu) = '%s' AND %s >= %lld THEN CASE", path, strlen(p), p, year,
                    (long long)db_col_int(st, 1));
        for (size_t i = 0; i < 4; i++)
            strbuf_addf(&b, " WHEN %s >= %lld THEN '%s'", inc,
                        (long long)ceil(json_number_value(json_object_get(json_array_get(v, i), "min"))),
                        village_bands[i]);
        strbuf_add(&b, " END");
        json_decref(v);
        n++;
    }
    db_done(st);
    if (rc != DB_DONE || bad) {
        free(b.s);
        return NULL;
    }
    if (n == 0) {
        free(b.s);
        return strdup("CAST(NULL AS TEXT)");
    }
    strbuf_add(&b, " END");
    return b.s;
}

/* The accounts with their operating income, band and previous year's band,
 * as the subquery x (where: a condition inside, or NULL). Caller frees; NULL
 * on error. */
static char *accounts_sql(db_t *db, const char *where)
{
    char *now = band_case(db, OPERATING("a"), "o.path", "a.year");
    char *before = band_case(db, OPERATING("p"), "o.path", "(a.year - 1)");
    char *sql = now && before
                    ? db_sql_join("(SELECT a.id, a.org_id, o.name AS org_name, o.path AS org_path, a.year,"
                                  " a.contracting, a.investment, a.business, a.subsidy, a.other_income,"
                                  " " OPERATING("a") " AS operating_income,"
                                  " (a.subsidy + a.other_income) AS other_total, a.assets, a.measures, a.note,"
                                  " a.created_at, a.updated_at, a.version, ",
                                  now, " AS band, ", before, " AS prev_band",
                                  " FROM village_account a JOIN org o ON o.id = a.org_id"
                                  " LEFT JOIN village_account p ON p.org_id = a.org_id AND p.year = a.year - 1",
                                  where ? " WHERE " : "", where ? where : "", ") x", NULL)
                    : NULL;
    free(now);
    free(before);
    return sql;
}

#define ACCOUNT_COLUMNS                                                                                                \
    "SELECT x.id, x.org_id, x.org_name, x.year, x.contracting, x.investment, x.business, x.operating_income,"         \
    " x.subsidy, x.other_income, x.other_total, x.assets, x.measures, x.note, x.band, x.prev_band, x.created_at,"     \
    " x.updated_at, x.version"

/* The account's stored measures answered as the array they are, and in words. */
static void account_row(json_t *row, void *ctx)
{
    (void)ctx;
    const char *text = json_string_value(json_object_get(row, "measures"));
    json_t *m = text ? json_loads(text, 0, NULL) : NULL;
    strbuf_t words = {0};
    size_t i;
    json_t *x;
    json_array_foreach(m, i, x) {
        for (size_t k = 0; village_measures[k]; k++)
            if (json_is_string(x) && strcmp(json_string_value(x), village_measures[k]) == 0) {
                if (words.s)
                    strbuf_add(&words, "、");
                strbuf_add(&words, measure_words[k]);
            }
    }
    json_object_set_new(row, "measures", json_is_array(m) ? m : json_array());
    if (!json_is_array(m))
        json_decref(m);
    json_object_set_new(row, "measures_words", json_string(words.s ? words.s : ""));
    free(words.s);
}

/* ---------------------------------------------------------------- kept figures */

static const char *const figure_norms[] = {"village.income_bands", NULL};

/* A village's own figures of a year: its account, its band (or unclassified),
 * its operating income, and whether it entered or left the shell band. */
/* The figures of the accounts where picks (NULL: all), at each account's village and year. */
static int village_walk(db_t *db, const char *where, int64_t org, int year, yfig_vals_t *out)
{
    char *sub = accounts_sql(db, where);
    char *sql = sub ? db_sql_join("SELECT x.org_id, x.year, x.band, x.prev_band, x.operating_income FROM ", sub, NULL)
                    : NULL;
    free(sub);
    db_stmt_t *st = sql == NULL ? NULL : where ? db_q(db, sql, "ii", org, (int64_t)year) : db_q(db, sql, "");
    free(sql);
    if (st == NULL)
        return DB_ERR;
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        int64_t at = db_col_int(st, 0);
        int y = (int)db_col_int(st, 1);
        const char *band = db_col_text(st, 2), *prev = db_col_text(st, 3);
        char figure[64];
        yfig_put_at(out, at, y, "village.n", 1);
        if (band) {
            snprintf(figure, sizeof figure, "village.band.%s", band);
            yfig_put_at(out, at, y, figure, 1);
        } else {
            yfig_put_at(out, at, y, "village.unclassified", 1);
        }
        yfig_put_at(out, at, y, "village.operating_income", db_col_int(st, 4));
        if (band && prev && strcmp(band, "shell") == 0 && strcmp(prev, "shell") != 0)
            yfig_put_at(out, at, y, "village.entered_shell", 1);
        if (band && prev && strcmp(prev, "shell") == 0 && strcmp(band, "shell") != 0)
            yfig_put_at(out, at, y, "village.left_shell", 1);
    }
    db_done(st);
    return rc == DB_DONE ? DB_OK : rc;
}

static int village_own(db_t *db, int64_t org, int year, yfig_vals_t *out)
{
    return village_walk(db, "a.org_id = ? AND a.year = ?", org, year, out);
}

static int village_all(db_t *db, yfig_vals_t *out)
{
    return village_walk(db, NULL, 0, 0, out);
}

const yfig_source_t village_figures = {
    .prefix = "village.",
    .own = village_own,
    .all = village_all,
    .keys_sql = "SELECT a.org_id, a.year FROM village_account a JOIN org o ON o.id = a.org_id"
                " WHERE o.path >= ? AND o.path < ? AND a.year >= ? GROUP BY a.org_id, a.year",
    .norms = figure_norms,
};

/* An account's year and the following one (whose entered/left compares with it). */
static int touch_account(db_t *db, int64_t id)
{
    return yfig_touch_rows(db, &village_figures,
                           "SELECT org_id, year FROM village_account WHERE id = ?"
                           " UNION ALL SELECT org_id, year + 1 FROM village_account WHERE id = ?",
                           id);
}

/* ---------------------------------------------------------------- the resource */

static const field_t account_fields[] = {
    {"org_id", F_INT, 1, 1, INT64_MAX, NULL, 0},
    {"year", F_INT, 1, 2000, 2100, NULL, 0},
    {"contracting", F_INT, 1, 0, MONEY_MAX, NULL, 0},
    {"investment", F_INT, 1, 0, MONEY_MAX, NULL, 0},
    {"business", F_INT, 1, 0, MONEY_MAX, NULL, 0},
    {"subsidy", F_INT, 1, 0, MONEY_MAX, NULL, 0},
    {"other_income", F_INT, 1, 0, MONEY_MAX, NULL, 0},
    {"assets", F_INT, 0, 0, MONEY_MAX, NULL, 0},
    {"measures", F_JSON, 0, 0, 1000, NULL, 0},
    {"note", F_BLOCK, 0, 1, 1000, NULL, 0},
    FIELDS_END,
};

static const field_t account_update_fields[] = {
    {"year", F_INT, F_NOT_NULL, 2000, 2100, NULL, 0},
    {"contracting", F_INT, F_NOT_NULL, 0, MONEY_MAX, NULL, 0},
    {"investment", F_INT, F_NOT_NULL, 0, MONEY_MAX, NULL, 0},
    {"business", F_INT, F_NOT_NULL, 0, MONEY_MAX, NULL, 0},
    {"subsidy", F_INT, F_NOT_NULL, 0, MONEY_MAX, NULL, 0},
    {"other_income", F_INT, F_NOT_NULL, 0, MONEY_MAX, NULL, 0},
    {"assets", F_INT, 0, 0, MONEY_MAX, NULL, 0},
    {"measures", F_JSON, 0, 0, 1000, NULL, 0},
    {"note", F_BLOCK, 0, 1, 1000, NULL, 0},
    {"version", F_INT, 0, 1, INT64_MAX, NULL, 0},
    FIELDS_END,
};

static const field_t list_query[] = {
    {"org", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"year", F_INT, 0, 2000, 2100, NULL, 0},
    {"band", F_ENUM, 0, 0, 0, band_filters, 0},
    {"change", F_ENUM, 0, 0, 0, band_changes, 0},
    {"q", F_TEXT, 0, 1, 50, NULL, 0},
    FIELDS_END,
};

static const entity_t account_entity = {"village_account", "SELECT org_id FROM village_account WHERE id = ?", NULL};

/* 1 if v is a list of measures, each once. */
static int measures_valid(const json_t *v)
{
    size_t i, j;
    json_t *x;
    if (json_is_null(v))
        return 1;
    if (!json_is_array(v) || json_array_size(v) > 6)
        return 0;
    json_array_foreach(v, i, x) {
        int known = 0;
        for (size_t k = 0; json_is_string(x) && village_measures[k]; k++)
            known |= strcmp(json_string_value(x), village_measures[k]) == 0;
        for (j = 0; known && j < i; j++)
            known = !json_equal(x, json_array_get(v, j));
        if (!known)
            return 0;
    }
    return 1;
}

/* A create's node is a village; the measures are the vocabulary's; the
 * figures of the account as it was (update, delete). */
static int before(db_t *db, const write_ctx_t *w, int64_t id, const json_t *in, api_reply_t *rep)
{
    if (id == 0) {
        char kind[16] = "";
        int rc = db_one_text(db, kind, sizeof kind, "SELECT kind FROM org WHERE id = ?", "i",
                             json_integer_value(json_object_get(in, "org_id")));
        if (rc != DB_OK && rc != DB_NOTFOUND)
            return api_db_error(rep, w->lang, rc, "org_id");
        if (strcmp(kind, "village") != 0)
            return api_fail(rep, w->lang, E_VILLAGE_ACCOUNT_NOT_VILLAGE, "org_id");
    }
    const json_t *m = in ? json_object_get(in, "measures") : NULL;
    if (m && !measures_valid(m))
        return api_fail(rep, w->lang, E_VILLAGE_MEASURES_INVALID, "measures");
    int rc = id ? touch_account(db, id) : DB_OK;
    return rc == DB_OK ? 0 : api_db_error(rep, w->lang, rc, "village_account");
}

/* The figures of the account as it is now. */
static int after(db_t *db, const write_ctx_t *w, int64_t id, const json_t *in, api_reply_t *rep)
{
    (void)in;
    int rc = touch_account(db, id);
    return rc == DB_OK ? 0 : api_db_error(rep, w->lang, rc, "village_account");
}

/* A create's or update's answer: the stored measures parsed. */
static void stored_row(json_t *row)
{
    account_row(row, NULL);
}

static const err_t account_taken = E_VILLAGE_ACCOUNT_TAKEN;

static const resource_t account_res = {
    .name = "village_account",
    .table = "village_account",
    .entity = &account_entity,
    .columns = "SELECT a.id, a.org_id, o.name AS org_name, a.year, a.contracting, a.investment, a.business,"
               " " OPERATING("a") " AS operating_income, a.subsidy, a.other_income,"
               " (a.subsidy + a.other_income) AS other_total, a.assets, a.measures, a.note, a.created_at,"
               " a.updated_at, a.version",
    .from = "FROM village_account a JOIN org o ON o.id = a.org_id",
    .key = "a.id",
    .org_path = "o.path",
    .org_column = "org_id",
    .org_field = "org_id",
    .read_perm = ACCOUNT_READ,
    .write_perm = ACCOUNT_WRITE,
    .create = account_fields,
    .update = account_update_fields,
    .rules = {.before = before, .after = after, .row = stored_row},
    .unique_field = "year",
    .unique_error = &account_taken,
};

/* ---------------------------------------------------------------- reads */

/* The accounts' list of the request (the list and its export): the caller's
 * subtree or ?org='s, ?year=, ?band= (or unclassified), ?change=, ?q= (the
 * village's name). *from is the list's FROM, freed by the caller after the list. */
static int account_where(api_req_t *req, api_reply_t *rep, api_list_t *l, char **from)
{
    int64_t org = 0, year = 0;
    api_query_int(req, "org", 0, 1, INT64_MAX, &org);
    char lo[ACCESS_PATH_MAX], hi[ACCESS_PATH_MAX];
    int rc = access_list_range(req->db, req->who, ACCOUNT_READ, org, lo, hi);
    if (rc != DB_OK)
        return api_db_error(rep, req->lang, rc, "org");
    char *sub = accounts_sql(req->db, NULL);
    *from = sub ? db_sql_join("FROM ", sub, NULL) : NULL;
    free(sub);
    if (*from == NULL)
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    api_list_begin(l, ACCOUNT_COLUMNS, *from, "x.id", NULL);
    l->row = account_row;
    api_list_where(l, "x.org_path >= ? AND x.org_path < ?", "tt", lo, hi);
    api_query_int(req, "year", 0, 2000, 2100, &year);
    if (year)
        api_list_where(l, "x.year = ?", "i", year);
    char *band = api_query(req, "band"), *change = api_query(req, "change"), *q = api_like_param(req, "q");
    if (band && strcmp(band, "unclassified") == 0)
        api_list_where(l, "x.band IS NULL", "");
    else if (band)
        api_list_where(l, "x.band = ?", "t", band);
    if (change && strcmp(change, "entered_shell") == 0)
        api_list_where(l, "x.band = 'shell' AND x.prev_band IS NOT NULL AND x.prev_band <> 'shell'", "");
    else if (change)
        api_list_where(l, "x.prev_band = 'shell' AND x.band IS NOT NULL AND x.band <> 'shell'", "");
    if (q)
        api_list_where(l, "x.org_name LIKE ? ESCAPE '\\'", "t", q);
    free(band);
    free(change);
    free(q);
    return 0;
}

/* GET /api/v1/village-accounts */
static int account_list(api_req_t *req, api_reply_t *rep)
{
    api_list_t l;
    char *from = NULL;
    if (account_where(req, rep, &l, &from) != 0)
        return -1;
    int rc = api_list_answer(req, rep, &l);
    free(from);
    return rc;
}

/* GET /api/v1/village-accounts/export: the same list as a workbook, audited. */
static int account_export(api_req_t *req, api_reply_t *rep)
{
    static const list_col_t cols[] = {
        {"org_name", "村", NULL, NULL},
        {"year", "年度", NULL, NULL},
        {"contracting", "发包上交（元）", NULL, NULL},
        {"investment", "投资收益（元）", NULL, NULL},
        {"business", "经营收入（元）", NULL, NULL},
        {"operating_income", "经营性收入合计（元）", NULL, NULL},
        {"subsidy", "补助（元）", NULL, NULL},
        {"other_income", "其他收入（元）", NULL, NULL},
        {"assets", "资产总额（元）", NULL, NULL},
        {"band", "类别", village_bands, band_words},
        {"prev_band", "上年类别", village_bands, band_words},
        {"measures_words", "发展举措", NULL, NULL},
        {"note", "备注", NULL, NULL},
        {NULL, NULL, NULL, NULL},
    };
    api_list_t l;
    char *from = NULL;
    if (account_where(req, rep, &l, &from) != 0)
        return -1;
    int rc = api_list_export(req, rep, &l, "村级集体经济", cols, "village-accounts");
    free(from);
    return rc;
}

/* GET /api/v1/village-accounts/{id}: the account with its band. */
static int account_get(api_req_t *req, api_reply_t *rep)
{
    char *sub = accounts_sql(req->db, "a.id = ?");
    char *sql = sub ? db_sql_join(ACCOUNT_COLUMNS, " FROM ", sub, NULL) : NULL;
    free(sub);
    json_t *row = sql ? db_row_one_json(req->db, sql, "i", req->params[0]) : NULL;
    free(sql);
    if (row == NULL)
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    account_row(row, NULL);
    return api_json(rep, 200, row);
}

const op_t village_ops[] = {
    {OP(HTTP_GET, "/api/v1/village-accounts", "village_accounts.list", PERM(ACCOUNT_READ), RF_PAGED, account_list),
     .query = list_query},
    {OP(HTTP_GET, "/api/v1/village-accounts/export", "village_accounts.export", PERM(ACCOUNT_READ), RF_WRITES,
        account_export),
     .query = list_query},
    {OP(HTTP_POST, "/api/v1/village-accounts", "village_accounts.create", PERM(ACCOUNT_WRITE), RF_BODY | RF_WRITES,
        res_create),
     .res = &account_res, .body = account_fields},
    {OP(HTTP_GET, "/api/v1/village-accounts/{id}", "village_accounts.get", PERM(ACCOUNT_READ), 0, account_get),
     .entity = &account_entity},
    {OP(HTTP_PATCH, "/api/v1/village-accounts/{id}", "village_accounts.update", PERM(ACCOUNT_WRITE),
        RF_BODY | RF_WRITES, res_update),
     .res = &account_res, .body = account_update_fields, .entity = &account_entity},
    {OP(HTTP_DELETE, "/api/v1/village-accounts/{id}", "village_accounts.delete", PERM(ACCOUNT_WRITE), RF_WRITES,
        res_delete),
     .res = &account_res, .entity = &account_entity},
    OPS_END,
};

/* ---------------------------------------------------------------- demo */

/* The demo's shell villages in year y: from 390 in 2012 down to 355 in 2014
 * and 245 in the last year (the source text), falling in between. */
static int64_t demo_shells(int y, int last)
{
    if (y <= 2014)
        return 355 + (2014 - y) * 18;
    return 355 - (int64_t)((355 - 245) * (int64_t)(y - 2014) + (last - 2014) / 2) / (last - 2014);
}

/* The strong and general villages in year y: a minority, growing. */
static int64_t demo_strong(int y)
{
    return 20 + (y - DEMO_FIRST_YEAR) * 5;
}

static int64_t demo_general(int y)
{
    return 70 + (y - DEMO_FIRST_YEAR) * 8;
}

/* A draw in [lo, hi]. */
static int64_t draw(unsigned long long seed, unsigned long long k, int64_t lo, int64_t hi)
{
    return lo + demo_pick(seed, k, hi - lo + 1);
}

int village_demo(db_t *db, const write_ctx_t *w, unsigned long long seed)
{
    json_t *villages = db_rows_json(db, "SELECT id FROM org WHERE kind = 'village' ORDER BY id", "");
    if (villages == NULL)
        return DB_ERR;
    int n = (int)json_array_size(villages), last = demo_last_year(w), rc = DB_OK;
    /* Each village's strength: a permutation of 0..n-1 from the seed (the
     * weakest first); a village is a shell while its strength is below the
     * year's shell count, so the villages that leave never come back. */
    int64_t *rank = calloc((size_t)(n ? n : 1), sizeof *rank);
    for (int i = 0; i < n; i++)
        rank[i] = i;
    for (int i = n - 1; i > 0; i--) {
        int64_t j = demo_pick(seed, 0x7117000000ULL + (unsigned long long)i, i + 1), t = rank[i];
        rank[i] = rank[j];
        rank[j] = t;
    }
    static const char *const plans[] = {"[\"asset_integration\"]", "[\"land_transfer\"]", "[\"photovoltaic\"]",
                                        "[\"asset_integration\",\"land_transfer\"]",
                                        "[\"land_transfer\",\"photovoltaic\"]",
                                        "[\"photovoltaic\",\"property_leasing\"]", "[\"rural_tourism\",\"land_transfer\"]"};
    for (int i = 0; rc == DB_OK && i < n; i++) {
        int64_t org = json_integer_value(json_object_get(json_array_get(villages, i), "id")), r = rank[i];
        unsigned long long k = 0x7117100000ULL + (unsigned long long)org * 64;
        const char *plan = plans[demo_pick(seed, k, 7)];
        for (int y = DEMO_FIRST_YEAR; rc == DB_OK && y <= last; y++) {
            unsigned long long ky = k + (unsigned long long)(y - DEMO_FIRST_YEAR) * 4 + 1;
            int64_t shells = demo_shells(y, last), income;
            int left = r < demo_shells(DEMO_FIRST_YEAR, last) && r >= shells; /* left the shell band by y */
            if (r < shells)
                income = draw(seed, ky, 0, 19999);
            else if (r >= n - demo_strong(y))
                income = draw(seed, ky, 100000, 600000);
            else if (r >= n - demo_strong(y) - demo_general(y))
                income = draw(seed, ky, 50000, 99999);
            else
                income = draw(seed, ky, 20000, 49999);
            /* The operating items: contracting first, then business, investment the rest. */
            int64_t contracting = income * (40 + demo_pick(seed, ky + 1, 40)) / 100;
            int64_t business = (income - contracting) * demo_pick(seed, ky + 2, 80) / 100;
            int64_t investment = income - contracting - business;
            int64_t subsidy = 30000 + demo_pick(seed, ky + 3, 120001);
            int64_t other = demo_pick(seed, ky + 2, 15001);
            int64_t assets = 400000 + income * 12 + demo_pick(seed, ky + 1, 2000001);
            rc = db_exec(db, NULL,
                         "INSERT INTO village_account (org_id, year, contracting, investment, business, subsidy,"
                         " other_income, assets, measures, note, created_at, updated_at)"
                         " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)",
                         "iiiiiiiitii", org, (int64_t)y, contracting, investment, business, subsidy, other, assets,
                         left ? plan : NULL, w->now, w->now);
        }
    }
    free(rank);
    json_decref(villages);
    return rc;
}
