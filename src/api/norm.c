/* Norms (规则参数): the thresholds, weights, grade bands and quotas the modules
 * apply, each issued by an org node and in force from a year on, because rules
 * differ by place and change by year. A plain resource (api/resource.h); its
 * own rules: the catalogue of keys below (what each value must look like), and
 * which norm applies at a node in a year (norm_get, GET /norms/effective). */
#include "api/handlers.h"
#include "api/internal.h"
#include "api/resource.h"

#include <math.h>
#include <string.h>

#include "core/role.h"

/* ---------------------------------------------------------------- the catalogue */

/* What a value looks like:
 * NK_NUMBER: a number from min to max;
 * NK_STEPS:  an ascending list of 1 to 10 numbers from min to max (star hours);
 * NK_SHARES: an object giving each of names a number from min to max, summing
 *            to sum when sum > 0 (weights);
 * NK_BANDS:  a list of {grade, min} naming each of names once, in their order,
 *            min from min to max and falling, the last 0 (grade bands). */
typedef enum { NK_NUMBER, NK_STEPS, NK_SHARES, NK_BANDS } norm_kind_t;

typedef struct norm_key {
    const char *key;
    norm_kind_t kind;
    double min, max;
    const char *const *names; /* NK_SHARES, NK_BANDS */
    double sum;               /* NK_SHARES: what the shares add up to; 0: anything */
} norm_key_t;

static const char *const review_grades[] = {"good", "fairly_good", "average", "poor", NULL};
/* ---- 村/社区干部报酬 (pay.c) ---- */
static const char *const pay_standard_parts[] = {"benchmark_pct", "rural_income_multiple_pct", "deputy_of_secretary_pct",
                                                 NULL};
/* ---- end 村/社区干部报酬 ---- */
static const char *const venue_kinds[] = {"community", "village", NULL}; /* venue.min_area */
/* ---- 民主评议党员 (member_eval.c): at most `excellent` 优秀 in every `graded` graded members ---- */
static const char *const eval_share_parts[] = {"excellent", "graded", NULL};
/* ---- 党费 dues (dues.c) ---- */
static const char *const dues_fixed_parts[] = {"farmer_min", "farmer_max", "student", "unemployed", "dibao", NULL};
/* ---- end 党费 dues ---- */

/* In the order the console lists them. The module that applies a key reads it
 * with norm_get; docs/norms.md says who does. */
static const norm_key_t catalogue[] = {
    {"assessment.weights", NK_SHARES, 0, 100, assess_halves, 100},
    {"assessment.grade_bands", NK_BANDS, 0, 100, assess_grades, 0},
    {"assessment.bonus_cap", NK_NUMBER, 0, 100, NULL, 0},
    {"review.grade_points", NK_SHARES, 0, 100, review_grades, 0},
    {"review.grade_bands", NK_BANDS, 0, 100, review_grades, 0},
    {"review.satisfaction_floor", NK_NUMBER, 0, 100, NULL, 0},
    {"village.income_bands", NK_BANDS, 0, 100000000, village_bands, 0}, /* 村级集体经济 (village.c) */
    {"venue.area_per_100_households", NK_NUMBER, 0, 1000, NULL, 0},
    {"inservice.hours_min", NK_NUMBER, 0, 2000, NULL, 0},
    {"inservice.activities_min", NK_NUMBER, 0, 365, NULL, 0},
    {"volunteer.star_hours", NK_STEPS, 1, 100000, NULL, 0},
    /* ---- rectification problems (问题清单) ---- */
    {"problem.escalate_days", NK_NUMBER, 0, 365, NULL, 0},
    /* ---- 微心愿 (claims.c) ---- */
    {"wish.value_cap_fen", NK_NUMBER, 0, 100000000, NULL, 0},
    {"wish.claim_days", NK_NUMBER, 1, 365, NULL, 0},
    /* ---- work teams and poverty ledger (workteam.c, poverty.c) ---- */
    {"workteam.days_min", NK_NUMBER, 0, 31, NULL, 0},
    {"workteam.term_years", NK_NUMBER, 1, 30, NULL, 0},
    {"poverty.line", NK_NUMBER, 0, 1000000, NULL, 0},
    /* ---- end work teams and poverty ledger ---- */
    /* ---- 村/社区干部报酬 (pay.c) ---- */
    {"pay.standard", NK_SHARES, 0, 1000, pay_standard_parts, 0},
    /* ---- end 村/社区干部报酬 ---- */
    /* ---- venues and operating funds (venue.c, funds.c) ---- */
    {"venue.min_area", NK_SHARES, 0, 100000, venue_kinds, 0},
    {"funds.population_tiers", NK_STEPS, 1, 10000000, NULL, 0},
    /* ---- end venues and operating funds ---- */
    /* ---- 发展党员 (party_dev.c) ---- */
    {"development.periods", NK_SHARES, 0, 120, pd_period_names, 0},
    /* ---- end 发展党员 ---- */
    /* ---- membership transfers (组织关系转接, party_transfer.c) ---- */
    {"party_transfer.letter_valid_days", NK_NUMBER, 1, 365, NULL, 0},
    {"party_transfer.formal_months", NK_NUMBER, 1, 60, NULL, 0},
    /* ---- end membership transfers ---- */
    /* ---- 民主评议党员 (member_eval.c) ---- */
    {"member_eval.excellent_share", NK_SHARES, 1, 100, eval_share_parts, 0},
    /* ---- end 民主评议党员 ---- */
    /* ---- 党费 dues (dues.c) ---- */
    {"dues.in_service_bounds", NK_STEPS, 0.01, 100000000, NULL, 0},
    {"dues.in_service_rates", NK_STEPS, 0, 100, NULL, 0},
    {"dues.retired_bounds", NK_STEPS, 0.01, 100000000, NULL, 0},
    {"dues.retired_rates", NK_STEPS, 0, 100, NULL, 0},
    {"dues.fixed_fen", NK_SHARES, 0, 100000, dues_fixed_parts, 0},
    {"dues.upward_fen", NK_NUMBER, 1, 10000000000, NULL, 0},
    {"dues.arrears_months", NK_NUMBER, 1, 60, NULL, 0},
    /* ---- end 党费 dues ---- */
    /* ---- 三会一课 (party_meeting.c) ---- */
    {"meetings.per_year", NK_SHARES, 0, 12, party_meeting_kinds, 0},
};
#define NKEYS (sizeof catalogue / sizeof catalogue[0])

const char *const norm_keys[] = {
    "assessment.weights",     "assessment.grade_bands", "assessment.bonus_cap", "review.grade_points",    "review.grade_bands",
    "review.satisfaction_floor", "village.income_bands", "venue.area_per_100_households",
    "inservice.hours_min",    "inservice.activities_min", "volunteer.star_hours",
    "problem.escalate_days", /* rectification problems (问题清单) */
    "wish.value_cap_fen", "wish.claim_days", /* 微心愿 (claims.c) */
    "workteam.days_min", "workteam.term_years", "poverty.line", /* work teams and poverty ledger */
    "pay.standard", /* 村/社区干部报酬 (pay.c) */
    "venue.min_area", "funds.population_tiers", /* venues and operating funds (venue.c, funds.c) */
    "development.periods", /* 发展党员 (party_dev.c) */
    "party_transfer.letter_valid_days", "party_transfer.formal_months", /* membership transfers (组织关系转接) */
    "member_eval.excellent_share", /* 民主评议党员 (member_eval.c) */
    "dues.in_service_bounds", "dues.in_service_rates", "dues.retired_bounds", "dues.retired_rates", /* 党费 (dues.c) */
    "dues.fixed_fen", "dues.upward_fen", "dues.arrears_months",
    "meetings.per_year", /* 三会一课 (party_meeting.c) */
    NULL,
};

static const char *const kind_names[] = {"number", "steps", "shares", "bands"};

static const norm_key_t *key_find(const char *key)
{
    for (size_t i = 0; key && i < NKEYS; i++)
        if (strcmp(catalogue[i].key, key) == 0)
            return &catalogue[i];
    return NULL;
}

static int number_in(const json_t *v, const norm_key_t *k)
{
    return json_is_number(v) && isfinite(json_number_value(v)) && json_number_value(v) >= k->min &&
           json_number_value(v) <= k->max;
}

/* 1 if v is a value of key k. */
static int value_valid(const norm_key_t *k, const json_t *v)
{
    size_t i, n = 0;
    json_t *x;
    switch (k->kind) {
    case NK_NUMBER:
        return number_in(v, k);
    case NK_STEPS:
        if (!json_is_array(v) || json_array_size(v) < 1 || json_array_size(v) > 10)
            return 0;
        json_array_foreach(v, i, x) {
            if (!number_in(x, k) || (i > 0 && json_number_value(x) <= json_number_value(json_array_get(v, i - 1))))
                return 0;
        }
        return 1;
    case NK_SHARES: {
        double sum = 0;
        while (k->names[n])
            n++;
        if (!json_is_object(v) || json_object_size(v) != n)
            return 0;
        for (i = 0; i < n; i++) {
            x = json_object_get(v, k->names[i]);
            if (!number_in(x, k))
                return 0;
            sum += json_number_value(x);
        }
        return k->sum <= 0 || fabs(sum - k->sum) < 1e-9;
    }
    case NK_BANDS:
        while (k->names[n])
            n++;
        if (!json_is_array(v) || json_array_size(v) != n)
            return 0;
        json_array_foreach(v, i, x) {
            json_t *min = json_object_get(x, "min");
            if (!json_is_object(x) || json_object_size(x) != 2 ||
                !json_is_string(json_object_get(x, "grade")) ||
                strcmp(json_string_value(json_object_get(x, "grade")), k->names[i]) != 0 || !number_in(min, k) ||
                (i > 0 && json_number_value(min) >= json_number_value(json_object_get(json_array_get(v, i - 1), "min"))) ||
                (i == n - 1 && json_number_value(min) != 0))
                return 0;
        }
        return 1;
    }
    return 0;
}

/* ---------------------------------------------------------------- the resource */

static const field_t norm_fields[] = {
    {"org_id", F_INT, 1, 1, INT64_MAX, NULL, 0},
    {"key", F_ENUM, 1, 0, 0, norm_keys, 0},
    {"year_from", F_INT, 1, 2000, 2100, NULL, 0},
    {"value", F_JSON, 1, 0, 2000, NULL, 0},
    {"basis", F_TEXT, 0, 1, 200, NULL, 0},
    FIELDS_END,
};

static const field_t norm_update_fields[] = {
    {"year_from", F_INT, F_NOT_NULL, 2000, 2100, NULL, 0},
    {"value", F_JSON, F_NOT_NULL, 0, 2000, NULL, 0},
    {"basis", F_TEXT, 0, 1, 200, NULL, 0},
    {"version", F_INT, 0, 1, INT64_MAX, NULL, 0},
    FIELDS_END,
};

static const field_t list_query[] = {
    {"org", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"key", F_ENUM, 0, 0, 0, norm_keys, 0},
    FIELDS_END,
};

static const res_filter_t filters[] = {
    {"key", "n.key = ?", 0},
    {NULL, NULL, 0},
};

static const entity_t norm_entity = {"norm", "SELECT org_id FROM norm WHERE id = ?", NULL};

/* The value fits its key: the key given (create) or the norm's (update). */
/* The kept yearly figures that read the norm's key, in the issuer's subtree
 * from its year on (yfig.h): touched before the change (the norm as it was)
 * and after it (as it is). */
static int touch_figures(db_t *db, int64_t id)
{
    json_t *row = db_row_one_json(db, "SELECT key, org_id, year_from FROM norm WHERE id = ?", "i", id);
    if (row == NULL)
        return DB_OK;
    int rc = yfig_norm_changed(db, json_string_value(json_object_get(row, "key")),
                               json_integer_value(json_object_get(row, "org_id")),
                               (int)json_integer_value(json_object_get(row, "year_from")));
    json_decref(row);
    return rc;
}

static int after(db_t *db, const write_ctx_t *w, int64_t id, const json_t *in, api_reply_t *rep)
{
    (void)in;
    int rc = touch_figures(db, id);
    return rc == DB_OK ? 0 : api_db_error(rep, w->lang, rc, "norm");
}

static int before(db_t *db, const write_ctx_t *w, int64_t id, const json_t *in, api_reply_t *rep)
{
    int rc = id ? touch_figures(db, id) : DB_OK;
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "norm");
    const json_t *value = json_object_get(in, "value");
    if (in == NULL || value == NULL)
        return 0;
    json_t *row = id ? db_row_one_json(db, "SELECT key FROM norm WHERE id = ?", "i", id) : NULL;
    const norm_key_t *k = key_find(json_string_value(json_object_get(id ? row : in, "key")));
    int ok = k && value_valid(k, value);
    json_decref(row);
    return ok ? 0 : api_fail(rep, w->lang, E_NORM_VALUE_INVALID, "value");
}

/* The stored text of value answered as the JSON it is. */
static void row_value(json_t *row)
{
    const char *text = json_string_value(json_object_get(row, "value"));
    json_t *v = text ? json_loads(text, JSON_DECODE_ANY, NULL) : NULL;
    if (v)
        json_object_set_new(row, "value", v);
}

static const err_t norm_taken = E_NORM_TAKEN;

static const resource_t norm_res = {
    .name = "norm",
    .table = "norm",
    .entity = &norm_entity,
    .columns = "SELECT n.id, n.org_id, o.name AS org_name, o.level AS org_level, n.key, n.year_from, n.value,"
               " n.basis, n.created_at, n.updated_at, n.version",
    .from = "FROM norm n JOIN org o ON o.id = n.org_id",
    .key = "n.id",
    .org_path = "o.path",
    .org_column = "org_id",
    .org_field = "org_id",
    .read_perm = PERM_STATS_READ,
    .write_perm = PERM_ORG_WRITE,
    .create = norm_fields,
    .update = norm_update_fields,
    .filters = filters,
    .rules = {.before = before, .after = after, .row = row_value},
    .unique_field = "year_from",
    .unique_error = &norm_taken,
};

/* ---------------------------------------------------------------- what applies */

/* The norms of every key issued at org or above it and in force in year, the
 * nearest issuer's latest first within each key. */
static json_t *in_force(db_t *db, int64_t org, int64_t year)
{
    return db_rows_json(db,
                        "SELECT n.id, n.key, n.value, n.year_from, n.basis, n.org_id, o.name AS org_name,"
                        " o.level AS org_level"
                        " FROM norm n JOIN org o ON o.id = n.org_id, org t"
                        " WHERE t.id = ? AND n.year_from <= ? AND substr(t.path, 1, length(o.path)) = o.path"
                        " ORDER BY n.key, length(o.path) DESC, n.year_from DESC",
                        "ii", org, year);
}

/* Of rows as in_force orders them, the one that applies for key (borrowed), its
 * value parsed; NULL when none does. */
static json_t *pick(json_t *rows, const char *key)
{
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) {
        const char *k = json_string_value(json_object_get(r, "key"));
        if (k && strcmp(k, key) == 0) {
            row_value(r);
            return r;
        }
    }
    return NULL;
}

int norm_get(db_t *db, const char *key, int64_t org, int year, json_t **value)
{
    json_t *rows = in_force(db, org, year);
    if (rows == NULL)
        return DB_ERR;
    json_t *r = pick(rows, key);
    if (r)
        *value = json_incref(json_object_get(r, "value"));
    json_decref(rows);
    return r ? DB_OK : DB_NOTFOUND;
}

json_t *norm_issued(db_t *db, const char *key, int year)
{
    json_t *rows = db_rows_json(db,
                                "SELECT n.value, n.year_from, n.basis, o.path FROM norm n JOIN org o ON o.id = n.org_id"
                                " WHERE n.key = ? AND n.year_from <= ? ORDER BY length(o.path) DESC, n.year_from DESC",
                                "ti", key, (int64_t)year);
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
        row_value(r);
    return rows;
}

const json_t *norm_at_path(const json_t *issued, const char *path)
{
    size_t i;
    json_t *r;
    json_array_foreach(issued, i, r) {
        const char *p = json_string_value(json_object_get(r, "path"));
        if (p && path && strncmp(path, p, strlen(p)) == 0)
            return r;
    }
    return NULL;
}

/* GET /api/v1/norms/effective?org=&year=: for each key of the catalogue, the
 * norm that applies at the node in the year (null when none does), with who
 * issued it and from when. */
static int norm_effective(api_req_t *req, api_reply_t *rep)
{
    int64_t org, year;
    if (api_query_int(req, "org", 0, 1, INT64_MAX, &org) != 0)
        return api_fail(rep, req->lang, E_ORG_NOT_FOUND, "org");
    api_query_int(req, "year", api_today_ymd() / 10000, 2000, 2100, &year);
    int rc = access_org(req->db, req->who, PERM_STATS_READ, org, NULL, 0);
    if (rc == DB_NOTFOUND)
        return api_fail(rep, req->lang, E_ORG_NOT_FOUND, "org");
    json_t *rows = rc == DB_OK ? in_force(req->db, org, year) : NULL;
    if (rows == NULL)
        return api_db_error(rep, req->lang, rc == DB_OK ? DB_ERR : rc, NULL);
    json_t *items = json_array();
    for (size_t k = 0; k < NKEYS; k++) {
        json_t *found = pick(rows, catalogue[k].key);
        json_t *item = json_pack("{s:s, s:s}", "key", catalogue[k].key, "kind", kind_names[catalogue[k].kind]);
        if (found)
            json_object_del(found, "key");
        json_object_set(item, "norm", found ? found : json_null());
        json_array_append_new(items, item);
    }
    json_decref(rows);
    return api_json(rep, 200, json_pack("{s:I, s:I, s:o}", "org_id", (json_int_t)org, "year", (json_int_t)year,
                                        "items", items));
}

/* GET /api/v1/norm-keys: the catalogue, for the console's value editors. */
static int norm_key_list(api_req_t *req, api_reply_t *rep)
{
    (void)req;
    json_t *items = json_array();
    for (size_t k = 0; k < NKEYS; k++) {
        const norm_key_t *c = &catalogue[k];
        json_t *names = json_array();
        for (const char *const *n = c->names; n && *n; n++)
            json_array_append_new(names, json_string(*n));
        json_array_append_new(items, json_pack("{s:s, s:s, s:f, s:f, s:o, s:f}", "key", c->key, "kind",
                                               kind_names[c->kind], "min", c->min, "max", c->max, "names", names,
                                               "sum", c->sum));
    }
    return api_json(rep, 200, json_pack("{s:o}", "items", items));
}

static const field_t effective_query[] = {
    {"org", F_INT, 1, 1, INT64_MAX, NULL, 0},
    {"year", F_INT, 0, 2000, 2100, NULL, 0},
    FIELDS_END,
};

const op_t norm_ops[] = {
    RESOURCE_OPS(norm_res, norm_entity, "/api/v1/norms", "norms", PERM_STATS_READ, PERM_ORG_WRITE, norm_fields,
                 norm_update_fields, list_query),
    {OP(HTTP_GET, "/api/v1/norms/effective", "norms.effective", PERM(PERM_STATS_READ), 0, norm_effective),
     .query = effective_query},
    {OP(HTTP_GET, "/api/v1/norm-keys", "norm_keys.list", USER, 0, norm_key_list)},
    OPS_END,
};

/* ---------------------------------------------------------------- demo */

/* The demo city's norms: the city's (from the source text and the national
 * rules, where they say a number) and one district's own. Each is checked
 * against the catalogue like any other. */
static const struct {
    int district;   /* 0: the city; 1: the first district */
    const char *key;
    int year_from;
    const char *value;
} demo_norms[] = {
    {0, "assessment.weights", 2024, "{\"development\":50,\"party_building\":50}"},
    {0, "assessment.grade_bands", 2024,
     "[{\"grade\":\"excellent\",\"min\":90},{\"grade\":\"sound\",\"min\":80},{\"grade\":\"fair\",\"min\":60},"
     "{\"grade\":\"weak\",\"min\":0}]"},
    {0, "assessment.bonus_cap", 2024, "5"},
    {0, "review.grade_points", 2024, "{\"average\":60,\"fairly_good\":80,\"good\":100,\"poor\":0}"},
    {0, "review.grade_bands", 2024,
     "[{\"grade\":\"good\",\"min\":90},{\"grade\":\"fairly_good\",\"min\":80},{\"grade\":\"average\",\"min\":60},"
     "{\"grade\":\"poor\",\"min\":0}]"},
    {0, "review.satisfaction_floor", 2024, "50"},
    {0, "village.income_bands", 2012, /* 村级集体经济: the 2万 shell line, never raised */
     "[{\"grade\":\"strong\",\"min\":100000},{\"grade\":\"general\",\"min\":50000},"
     "{\"grade\":\"weak\",\"min\":20000},{\"grade\":\"shell\",\"min\":0}]"},
    {0, "venue.area_per_100_households", 2020, "30"},
    {0, "inservice.hours_min", 2024, "50"},
    {0, "inservice.activities_min", 2024, "4"},
    {0, "volunteer.star_hours", 2012, "[100,300,600,1000,1500]"},
    {1, "inservice.hours_min", 2025, "60"},
    {0, "problem.escalate_days", 2024, "7"}, /* rectification problems (问题清单) */
    {0, "wish.value_cap_fen", 2024, "50000"}, /* 微心愿: 500 yuan */
    {0, "wish.claim_days", 2024, "14"},
    /* ---- work teams and poverty ledger: 20 days a month, 3-year terms, the line by year ---- */
    {0, "workteam.days_min", 2012, "20"},
    {0, "workteam.term_years", 2012, "3"},
    {0, "poverty.line", 2014, "2800"},
    {0, "poverty.line", 2015, "2855"},
    {0, "poverty.line", 2016, "3000"},
    {0, "poverty.line", 2017, "3100"},
    {0, "poverty.line", 2018, "3250"},
    {0, "poverty.line", 2019, "3500"},
    {0, "poverty.line", 2020, "4000"},
    /* ---- end work teams and poverty ledger ---- */
    /* 村/社区干部报酬: not below the rural income; deputies not below 70% of their
     * secretary's; from 2020 not below half a new civil servant's pay either */
    {0, "pay.standard", 2012, "{\"benchmark_pct\":0,\"deputy_of_secretary_pct\":70,\"rural_income_multiple_pct\":100}"},
    {0, "pay.standard", 2020, "{\"benchmark_pct\":50,\"deputy_of_secretary_pct\":70,\"rural_income_multiple_pct\":100}"},
    {0, "venue.min_area", 2012, "{\"community\":600,\"village\":200}"}, /* venues: 600 / 200 m² */
    {0, "funds.population_tiers", 2012, "[3000,8000]"},             /* funds: tiers by population */
};

int norm_demo(db_t *db, const write_ctx_t *w)
{
    int64_t org[2] = {0, 0};
    int rc = db_one_int(db, &org[0], "SELECT id FROM org WHERE level = 'city' ORDER BY id LIMIT 1", "");
    if (rc == DB_OK)
        rc = db_one_int(db, &org[1], "SELECT id FROM org WHERE level = 'district' ORDER BY id LIMIT 1", "");
    for (size_t i = 0; rc == DB_OK && i < sizeof demo_norms / sizeof demo_norms[0]; i++) {
        json_t *v = json_loads(demo_norms[i].value, JSON_DECODE_ANY, NULL);
        const norm_key_t *k = key_find(demo_norms[i].key);
        rc = v && k && value_valid(k, v) ? DB_OK : DB_ERR;
        json_decref(v);
        if (rc == DB_OK)
            rc = db_exec(db, NULL,
                         "INSERT INTO norm (org_id, key, year_from, value, basis, created_at, updated_at)"
                         " VALUES (?, ?, ?, ?, ?, ?, ?)",
                         "itittii", org[demo_norms[i].district], demo_norms[i].key, (int64_t)demo_norms[i].year_from,
                         demo_norms[i].value, demo_norms[i].district ? "区委组织部（演示）" : "市委组织部（演示）",
                         w->now, w->now);
    }
    return rc;
}
