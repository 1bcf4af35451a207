/* The poverty ledger (建档立卡户): docs/work-teams.md.
 *
 * A household of the ledger sits at a village; its head is a registry person
 * of the village (whose ID number and phone stay encrypted in person: the
 * ledger keeps no second copy; answers show the person's masked values and a
 * reveal decrypts the person's, audited with its reason as
 * poverty_household.revealed). Attribute (一般, 低保, 特困供养), the main cause,
 * the household's size, the year it entered the ledger, the responsible
 * helper (a person), per-capita income by year (yuan), visits.
 *
 * Status 未脱贫 (not_exited) -> 已脱贫 (exited) -> 返贫 (returned) -> exited
 * again. An exit records the conditions: the year's per-capita income above
 * the poverty line (the norm poverty.line of that year at the village), 吃穿不愁,
 * 住房安全, 义务教育, 基本医疗保险; it is refused (409 naming every missing
 * condition) unless all hold.
 *
 * Kept figures (source poverty.): a household counts in a year whose income is
 * recorded (the ledger's yearly review): poverty.households, and by its status
 * at the end of that year poverty.not_exited, poverty.exited, poverty.returned. */
#include "api/handlers.h"
#include "api/internal.h"
#include "api/list.h"
#include "api/op.h"
#include "api/resource.h"
#include "api/yfig.h"

#include <stdlib.h>
#include <string.h>

#include "core/role.h"
#include "lib/util.h"

#define POV_READ PERM_PEOPLE_READ
#define POV_WRITE PERM_ORG_WRITE

const char *const poverty_attributes[] = {"general", "dibao", "tekun", NULL};
static const char *const attribute_words[] = {"一般贫困户", "低保贫困户", "特困供养贫困户"};
const char *const poverty_causes[] = {"illness", "disability", "schooling", "skills", "labour", "funds", "other", NULL};
static const char *const cause_words[] = {"因病", "因残", "因学", "缺技术", "缺劳力", "缺资金", "其他"};
const char *const poverty_statuses[] = {"not_exited", "exited", "returned", NULL};
static const char *const status_words[] = {"未脱贫", "已脱贫", "返贫"};
static const char *const exit_conditions[] = {"food_clothing", "housing", "education", "medical_insurance", NULL};

/* ================================================================ kept figures */

/* A household's status at the end of year (the ? before the household's). */
#define STATUS_AT                                                                                                      \
    "COALESCE((SELECT c.status FROM poverty_status_change c WHERE c.household_id = h.id AND c.year <= ?"              \
    " ORDER BY c.on_date DESC, c.id DESC LIMIT 1), 'not_exited')"

static int pov_own(db_t *db, int64_t org, int year, yfig_vals_t *out)
{
    return yfig_put_rows(out, db_q(db,
                                   "SELECT 'poverty.' || s, COUNT(*) FROM (SELECT " STATUS_AT " AS s"
                                   " FROM poverty_household h JOIN poverty_income i ON i.household_id = h.id"
                                   " WHERE h.org_id = ? AND i.year = ?) x GROUP BY s"
                                   " UNION ALL SELECT 'poverty.households', COUNT(*) FROM poverty_household h"
                                   " JOIN poverty_income i ON i.household_id = h.id WHERE h.org_id = ? AND i.year = ?",
                                   "iiiii", (int64_t)year, org, (int64_t)year, org, (int64_t)year));
}

const yfig_source_t poverty_figures = {
    .prefix = "poverty.",
    .own = pov_own,
    .keys_sql = "SELECT h.org_id, i.year FROM poverty_income i JOIN poverty_household h ON h.id = i.household_id"
                " JOIN org o ON o.id = h.org_id WHERE o.path >= ? AND o.path < ? AND i.year >= ?"
                " GROUP BY h.org_id, i.year",
    .norms = NULL,
};

/* Touch every year of household id's incomes (from year_from on). */
static int pov_touch(db_t *db, int64_t id, int64_t year_from)
{
    json_t *rows = db_rows_json(db,
                                "SELECT h.org_id, i.year FROM poverty_income i JOIN poverty_household h"
                                " ON h.id = i.household_id WHERE h.id = ? AND i.year >= ?",
                                "ii", id, year_from);
    if (rows == NULL)
        return DB_ERR;
    int rc = DB_OK;
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) {
        if (rc == DB_OK)
            rc = yfig_touch(db, &poverty_figures, json_integer_value(json_object_get(r, "org_id")),
                            (int)json_integer_value(json_object_get(r, "year")));
    }
    json_decref(rows);
    return rc;
}

static int pov_figures(db_t *db, int64_t id, int sign)
{
    (void)sign;
    return pov_touch(db, id, 0);
}

/* ================================================================ households (a plain resource) */

static const field_t create_fields[] = {
    {"org_id", F_INT, 1, 1, INT64_MAX, NULL, 0},
    {"head_person_id", F_INT, 1, 1, INT64_MAX, NULL, 0},
    {"helper_person_id", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"attribute", F_ENUM, 1, 0, 0, poverty_attributes, 0},
    {"cause", F_ENUM, 1, 0, 0, poverty_causes, 0},
    {"size", F_INT, 1, 1, 30, NULL, 0},
    {"year_in", F_INT, 1, 2000, 2100, NULL, 0},
    FIELDS_END,
};

static const field_t update_fields[] = {
    {"helper_person_id", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"attribute", F_ENUM, F_NOT_NULL, 0, 0, poverty_attributes, 0},
    {"cause", F_ENUM, F_NOT_NULL, 0, 0, poverty_causes, 0},
    {"size", F_INT, F_NOT_NULL, 1, 30, NULL, 0},
    {"version", F_INT, 0, 1, INT64_MAX, NULL, 0},
    FIELDS_END,
};

static const field_t list_query[] = {
    {"org", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"status", F_ENUM, 0, 0, 0, poverty_statuses, 0},
    {"attribute", F_ENUM, 0, 0, 0, poverty_attributes, 0},
    {"cause", F_ENUM, 0, 0, 0, poverty_causes, 0},
    FIELDS_END,
};

static const res_filter_t filters[] = {
    {"status", "h.status = ?", 0},
    {"attribute", "h.attribute = ?", 0},
    {"cause", "h.cause = ?", 0},
    {NULL, NULL, 0},
};

static const api_sort_t sorts[] = {
    {"year_in", "h.year_in", 0, NULL},
    {"head_name", "p.name", 0, NULL},
    {NULL, NULL, 0, NULL},
};

#define HOUSEHOLD_COLUMNS                                                                                              \
    "SELECT h.id, h.org_id, o.name AS org_name, h.head_person_id, p.name AS head_name,"                               \
    " p.id_card_masked AS id_card, p.phone_masked AS phone, h.helper_person_id, hp.name AS helper_name,"             \
    " h.attribute, h.cause, h.size, h.year_in, h.status,"                                                             \
    " (SELECT MAX(i.year) FROM poverty_income i WHERE i.household_id = h.id) AS income_year,"                         \
    " (SELECT i.per_capita FROM poverty_income i WHERE i.household_id = h.id ORDER BY i.year DESC LIMIT 1)"          \
    " AS income, h.created_at, h.updated_at, h.version"
#define HOUSEHOLD_FROM                                                                                                 \
    "FROM poverty_household h JOIN org o ON o.id = h.org_id JOIN person p ON p.id = h.head_person_id"                 \
    " LEFT JOIN person hp ON hp.id = h.helper_person_id"

/* Create: a village, its head a person of the village; a helper the caller may read. */
static int before(db_t *db, const write_ctx_t *w, int64_t id, const json_t *in, api_reply_t *rep)
{
    if (in == NULL) { /* delete: not while it has records */
        int64_t n = 0;
        int rc = db_one_int(db, &n,
                            "SELECT (SELECT COUNT(*) FROM poverty_income WHERE household_id = ?)"
                            " + (SELECT COUNT(*) FROM poverty_status_change WHERE household_id = ?)"
                            " + (SELECT COUNT(*) FROM poverty_visit WHERE household_id = ?)",
                            "iii", id, id, id);
        if (rc != DB_OK)
            return api_db_error(rep, w->lang, rc, NULL);
        return n > 0 ? api_fail(rep, w->lang, E_POVERTY_HAS_RECORDS, NULL) : 0;
    }
    json_t *helper = json_object_get(in, "helper_person_id");
    if (id == 0) {
        int64_t org = json_integer_value(json_object_get(in, "org_id"));
        char path[ACCESS_PATH_MAX] = "";
        if (wt_village(db, w, org, "org_id", rep) != 0)
            return -1;
        int rc = org_brief(db, org, path, sizeof path, NULL, 0);
        if (rc != DB_OK)
            return api_db_error(rep, w->lang, rc, NULL);
        if (wt_person_input(db, w, json_integer_value(json_object_get(in, "head_person_id")), path, "head_person_id",
                            rep) != 0)
            return -1;
    }
    if (json_is_integer(helper) &&
        wt_person_input(db, w, json_integer_value(helper), NULL, "helper_person_id", rep) != 0)
        return -1;
    return 0;
}

static const entity_t household_entity = {"poverty_household", "SELECT org_id FROM poverty_household WHERE id = ?",
                                          NULL};
static const err_t head_taken = E_POVERTY_HEAD_TAKEN;

static const resource_t household_res = {
    .name = "poverty_household",
    .table = "poverty_household",
    .entity = &household_entity,
    .columns = HOUSEHOLD_COLUMNS,
    .from = HOUSEHOLD_FROM,
    .key = "h.id",
    .org_path = "o.path",
    .org_column = "org_id",
    .org_field = "org_id",
    .read_perm = POV_READ,
    .write_perm = POV_WRITE,
    .create = create_fields,
    .update = update_fields,
    .filters = filters,
    .sorts = sorts,
    .rules = {.before = before, .figures = pov_figures},
    .unique_field = "head_person_id",
    .unique_error = &head_taken,
};

/* GET /api/v1/poverty-households/export: masked, the list's filters. */
static int household_export(api_req_t *req, api_reply_t *rep)
{
    static const list_col_t cols[] = {
        {"id", "编号", NULL, NULL},
        {"org_name", "村", NULL, NULL},
        {"head_name", "户主", NULL, NULL},
        {"id_card", "身份证号", NULL, NULL},
        {"phone", "联系电话", NULL, NULL},
        {"attribute", "贫困户属性", poverty_attributes, attribute_words},
        {"cause", "主要致贫原因", poverty_causes, cause_words},
        {"size", "家庭人口", NULL, NULL},
        {"year_in", "识别年度", NULL, NULL},
        {"status", "状态", poverty_statuses, status_words},
        {"helper_name", "帮扶责任人", NULL, NULL},
        {NULL, NULL, NULL, NULL},
    };
    int64_t org = 0;
    api_query_int(req, "org", 0, 1, INT64_MAX, &org);
    char lo[ACCESS_PATH_MAX], hi[ACCESS_PATH_MAX];
    int rc = access_list_range(req->db, req->who, POV_READ, org, lo, hi);
    if (rc != DB_OK)
        return api_db_error(rep, req->lang, rc, "org");
    api_list_t l;
    api_list_begin(&l, HOUSEHOLD_COLUMNS, HOUSEHOLD_FROM, "h.id", NULL);
    api_list_where(&l, "o.path >= ? AND o.path < ?", "tt", lo, hi);
    for (const res_filter_t *f = filters; f->param; f++) {
        char *v = api_query(req, f->param);
        if (v)
            api_list_where(&l, f->sql, "t", v);
        free(v);
    }
    return api_list_export(req, rep, &l, "建档立卡户", cols, "poverty-households");
}

/* ================================================================ incomes and status */

/* The poverty line of year at org: DB_OK with *line, DB_NOTFOUND when no norm applies. */
static int poverty_line(db_t *db, int64_t org, int64_t year, int64_t *line)
{
    json_t *v = NULL;
    int rc = norm_get(db, "poverty.line", org, (int)year, &v);
    if (rc == DB_OK)
        *line = (int64_t)json_number_value(v);
    json_decref(v);
    return rc;
}

/* {items: incomes by year with the line and above (null: no line), changes: the status changes}. */
static json_t *history_json(db_t *db, int64_t id)
{
    int64_t org = 0;
    json_t *items = db_rows_json(db, "SELECT year, per_capita FROM poverty_income WHERE household_id = ? ORDER BY year",
                                 "i", id);
    json_t *changes = db_rows_json(db,
                                   "SELECT id, status, year, on_date, line, income, conditions, note, created_at"
                                   " FROM poverty_status_change WHERE household_id = ? ORDER BY on_date, id",
                                   "i", id);
    int rc = items && changes ? db_one_int(db, &org, "SELECT org_id FROM poverty_household WHERE id = ?", "i", id)
                              : DB_ERR;
    size_t i;
    json_t *r;
    json_array_foreach(items, i, r) {
        int64_t line = 0;
        int lrc = rc == DB_OK ? poverty_line(db, org, json_integer_value(json_object_get(r, "year")), &line) : rc;
        if (lrc != DB_OK && lrc != DB_NOTFOUND)
            rc = lrc;
        json_object_set_new(r, "line", lrc == DB_OK ? json_integer(line) : json_null());
        json_object_set_new(r, "above", lrc == DB_OK ? json_boolean(json_integer_value(json_object_get(r, "per_capita")) > line)
                                                     : json_null());
    }
    json_array_foreach(changes, i, r) {
        const char *c = json_string_value(json_object_get(r, "conditions"));
        json_object_set_new(r, "conditions", c ? json_loads(c, 0, NULL) : json_null());
    }
    if (rc != DB_OK) {
        json_decref(items);
        json_decref(changes);
        return NULL;
    }
    return json_pack("{s:o, s:o}", "items", items, "changes", changes);
}

static int history_answer(db_t *db, const char *lang, int64_t id, int status, api_reply_t *rep)
{
    json_t *h = history_json(db, id);
    json_t *row = h ? res_row(db, &household_res, id) : NULL;
    if (row == NULL) {
        json_decref(h);
        return api_db_error(rep, lang, DB_ERR, NULL);
    }
    json_object_set_new(h, "household", row);
    return api_json(rep, status, h);
}

static int income_list(api_req_t *req, api_reply_t *rep)
{
    return history_answer(req->db, req->lang, req->params[0], 200, rep);
}

typedef struct {
    uint64_t given;
    int64_t year, per_capita;
} income_in_t;

static const field_t income_fields[] = {
    IN(income_in_t, year, F_INT, 1, 2000, 2100, NULL),
    IN(income_in_t, per_capita, F_INT, 1, 0, 10000000, NULL),
    FIELDS_END,
};

static int income_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    income_in_t in = {0};
    api_input_fill(income_fields, data, &in);
    int64_t id = w->id, org = 0, year_in = 0;
    int rc = api_entity_org(db, w, &org);
    if (rc == DB_OK)
        rc = db_one_int(db, &year_in, "SELECT year_in FROM poverty_household WHERE id = ?", "i", id);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "poverty_household");
    if (in.year < year_in || in.year > api_today_ymd() / 10000)
        return api_fail(rep, w->lang, E_POVERTY_INCOME_YEAR, "year");
    rc = db_exec(db, NULL,
                 "INSERT INTO poverty_income (household_id, year, per_capita, updated_at) VALUES (?, ?, ?, ?)"
                 " ON CONFLICT (household_id, year) DO UPDATE SET per_capita = excluded.per_capita,"
                 " updated_at = excluded.updated_at",
                 "iiii", id, in.year, in.per_capita, w->now);
    if (rc == DB_OK)
        rc = yfig_touch(db, &poverty_figures, org, (int)in.year);
    if (rc == DB_OK) /* the income is personal: the year only */
        rc = audit_append_new(db, w, "poverty_household.income_recorded", "poverty_household", id, org,
                              json_pack("{s:I}", "year", (json_int_t)in.year));
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    return history_answer(db, w->lang, id, 200, rep);
}

DEFER_BODY(income_record, income_write)

typedef struct {
    uint64_t given;
    const char *on;
    int food_clothing, housing, education, medical_insurance;
    const char *note;
    int64_t version;
} status_in_t;

static const field_t exit_fields[] = {
    IN(status_in_t, on, F_DATE, 1, 20000101, 0, NULL),
    IN(status_in_t, food_clothing, F_BOOL, 1, 0, 0, NULL),
    IN(status_in_t, housing, F_BOOL, 1, 0, 0, NULL),
    IN(status_in_t, education, F_BOOL, 1, 0, 0, NULL),
    IN(status_in_t, medical_insurance, F_BOOL, 1, 0, 0, NULL),
    IN(status_in_t, note, F_BLOCK, 0, 1, 1000, NULL),
    IN(status_in_t, version, F_INT, 1, 1, INT64_MAX, NULL),
    FIELDS_END,
};

static const field_t return_fields[] = {
    IN(status_in_t, on, F_DATE, 1, 20000101, 0, NULL),
    IN(status_in_t, note, F_BLOCK, 0, 1, 1000, NULL),
    IN(status_in_t, version, F_INT, 1, 1, INT64_MAX, NULL),
    FIELDS_END,
};

/* The household's status, checked against the move (from: the statuses it may
 * leave), the version and the date (not before the last change). */
static int status_check(db_t *db, const write_ctx_t *w, const json_t *data, const status_in_t *in, int exiting,
                        int64_t *org, api_reply_t *rep)
{
    char status[16] = "", last[16] = "";
    int rc = api_entity_org(db, w, org);
    if (rc == DB_OK)
        rc = db_one_text(db, status, sizeof status, "SELECT status FROM poverty_household WHERE id = ?", "i", w->id);
    if (rc == DB_OK)
        rc = db_one_text(db, last, sizeof last,
                         "SELECT COALESCE(MAX(on_date), '') FROM poverty_status_change WHERE household_id = ?", "i",
                         w->id);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "poverty_household");
    if (exiting ? strcmp(status, "exited") == 0 : strcmp(status, "exited") != 0)
        return api_fail(rep, w->lang, E_POVERTY_STATUS, "status");
    if (api_check_version(db, w, "SELECT version FROM poverty_household WHERE id = ?", w->id, data, rep) != 0)
        return -1;
    return strcmp(in->on, last) < 0 ? api_fail(rep, w->lang, E_POVERTY_DATE_ORDER, "on") : 0;
}

static int status_apply(db_t *db, const write_ctx_t *w, const char *status, const status_in_t *in, int64_t org,
                        int64_t line, int64_t income, json_t *conditions, api_reply_t *rep)
{
    int64_t year = atoi(in->on);
    char *c = conditions ? json_dumps(conditions, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    int rc = db_exec(db, NULL,
                     "INSERT INTO poverty_status_change (household_id, status, year, on_date, line, income, conditions,"
                     " note, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     "ititIIttIi", w->id, status, year, in->on, line, income, c, in->note, w->who.user_id, w->now);
    free(c);
    if (rc == DB_OK)
        rc = db_exec(db, NULL, "UPDATE poverty_household SET status = ?, updated_at = ?, version = version + 1"
                               " WHERE id = ?", "tii", status, w->now, w->id);
    if (rc == DB_OK)
        rc = pov_touch(db, w->id, year);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, strcmp(status, "exited") == 0 ? "poverty_household.exited"
                                                                   : "poverty_household.returned",
                              "poverty_household", w->id, org, json_pack("{s:s}", "on", in->on));
    json_decref(conditions);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    return history_answer(db, w->lang, w->id, 200, rep);
}

static int exit_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    status_in_t in = {0};
    api_input_fill(exit_fields, data, &in);
    int64_t org = 0, income = -1, line = 0, year = atoi(in.on);
    if (status_check(db, w, data, &in, 1, &org, rep) != 0)
        return -1;
    int rc = db_one_int(db, &income, "SELECT COALESCE(MAX(per_capita), -1) FROM poverty_income"
                                     " WHERE household_id = ? AND year = ?", "ii", w->id, year);
    int lrc = rc == DB_OK ? poverty_line(db, org, year, &line) : rc;
    if (lrc != DB_OK && lrc != DB_NOTFOUND)
        return api_db_error(rep, w->lang, lrc, NULL);
    json_t *missing = json_array();
    if (lrc == DB_NOTFOUND)
        json_array_append_new(missing, json_string("poverty_line"));
    else if (income < 0 || income <= line)
        json_array_append_new(missing, json_string("income"));
    int held[] = {in.food_clothing, in.housing, in.education, in.medical_insurance};
    json_t *conditions = json_object();
    for (int i = 0; exit_conditions[i]; i++) {
        json_object_set_new(conditions, exit_conditions[i], json_boolean(held[i]));
        if (!held[i])
            json_array_append_new(missing, json_string(exit_conditions[i]));
    }
    if (json_array_size(missing) > 0) {
        json_decref(conditions);
        api_fail(rep, w->lang, E_POVERTY_EXIT_CONDITIONS, NULL);
        json_object_set_new(json_object_get(rep->json, "error"), "missing", missing);
        return -1;
    }
    json_decref(missing);
    json_object_set_new(conditions, "income_above_line", json_true());
    return status_apply(db, w, "exited", &in, org, line, income, conditions, rep);
}

DEFER_BODY(household_exit, exit_write)

static int return_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    status_in_t in = {0};
    api_input_fill(return_fields, data, &in);
    int64_t org = 0;
    if (status_check(db, w, data, &in, 0, &org, rep) != 0)
        return -1;
    return status_apply(db, w, "returned", &in, org, 0, 0, NULL, rep);
}

DEFER_BODY(household_return, return_write)

/* ================================================================ visits */

typedef struct {
    uint64_t given;
    const char *visited_on;
    int64_t visitor_person_id;
    const char *note;
} pvisit_in_t;

static const field_t visit_fields[] = {
    IN(pvisit_in_t, visited_on, F_DATE, 1, 20000101, 0, NULL),
    IN(pvisit_in_t, visitor_person_id, F_INT, 0, 1, INT64_MAX, NULL),
    IN(pvisit_in_t, note, F_BLOCK, 1, 1, 2000, NULL),
    FIELDS_END,
};

#define VISIT_SELECT                                                                                                   \
    "SELECT v.id, v.visited_on, v.visitor_person_id, p.name AS visitor_name, v.note, v.created_at"                    \
    " FROM poverty_visit v LEFT JOIN person p ON p.id = v.visitor_person_id"

static int visit_list(api_req_t *req, api_reply_t *rep)
{
    json_t *rows = db_rows_json(req->db, VISIT_SELECT " WHERE v.household_id = ? ORDER BY v.visited_on DESC, v.id DESC",
                                "i", req->params[0]);
    return rows ? api_json(rep, 200, json_pack("{s:o}", "items", rows)) : api_db_error(rep, req->lang, DB_ERR, NULL);
}

static int visit_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    pvisit_in_t in = {0};
    api_input_fill(visit_fields, data, &in);
    int64_t org = 0, id = 0;
    int rc = api_entity_org(db, w, &org);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "poverty_household");
    if (in.visitor_person_id && wt_person_input(db, w, in.visitor_person_id, NULL, "visitor_person_id", rep) != 0)
        return -1;
    char *note = wt_note_masked(in.note);
    rc = db_one_int(db, &id,
                    "INSERT INTO poverty_visit (household_id, visitor_person_id, visited_on, note, created_by,"
                    " created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                    "iIttIi", w->id, in.visitor_person_id, in.visited_on, note, w->who.user_id, w->now);
    free(note);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "poverty_household.visit_added", "poverty_household", w->id, org,
                              json_pack("{s:I, s:s}", "visit_id", (json_int_t)id, "visited_on", in.visited_on));
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    return api_json(rep, 201, db_row_one_json(db, VISIT_SELECT " WHERE v.id = ?", "i", id));
}

DEFER_BODY(visit_add, visit_write)

/* ================================================================ reveal */

/* The head's number, decrypted from the person's record, audited with the reason. */
static int reveal_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    pii_reveal_in_t in = {0};
    api_input_fill(pii_reveal_fields, data, &in);
    int64_t org = 0, head = 0;
    int rc = api_entity_org(db, w, &org);
    if (rc == DB_OK)
        rc = db_one_int(db, &head, "SELECT head_person_id FROM poverty_household WHERE id = ?", "i", w->id);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "poverty_household");
    json_t *value = NULL;
    rc = person_pii_value(db, w->keys, head, in.field, &value);
    if (rc == DB_OK)
        rc = audit_append(db, w, "poverty_household.revealed", "poverty_household", w->id, org, data);
    if (rc != DB_OK) {
        json_decref(value);
        return api_db_error(rep, w->lang, rc, NULL);
    }
    return api_json(rep, 200, json_pack("{s:I, s:s, s:o}", "id", (json_int_t)w->id, "field", in.field, "value", value));
}

static int household_reveal(api_req_t *req, api_reply_t *rep)
{
    return api_reveal_defer(req, rep, reveal_write);
}

/* ================================================================ the table */

const op_t poverty_ops[] = {
    {OP(HTTP_GET, "/api/v1/poverty-households/export", "poverty_households.export", PERM(POV_READ), RF_WRITES,
        household_export),
     .query = list_query},
    RESOURCE_OPS(household_res, household_entity, "/api/v1/poverty-households", "poverty_households", POV_READ,
                 POV_WRITE, create_fields, update_fields, list_query),
    {OP(HTTP_GET, "/api/v1/poverty-households/{id}/incomes", "poverty_households.incomes", PERM(POV_READ), 0,
        income_list),
     .entity = &household_entity},
    {OP(HTTP_POST, "/api/v1/poverty-households/{id}/incomes", "poverty_households.record_income", PERM(POV_WRITE),
        RF_BODY | RF_WRITES, income_record),
     .body = income_fields, .entity = &household_entity},
    {OP(HTTP_POST, "/api/v1/poverty-households/{id}/exit", "poverty_households.exit", PERM(POV_WRITE),
        RF_BODY | RF_WRITES, household_exit),
     .body = exit_fields, .entity = &household_entity},
    {OP(HTTP_POST, "/api/v1/poverty-households/{id}/return", "poverty_households.return", PERM(POV_WRITE),
        RF_BODY | RF_WRITES, household_return),
     .body = return_fields, .entity = &household_entity},
    {OP(HTTP_GET, "/api/v1/poverty-households/{id}/visits", "poverty_households.visits", PERM(POV_READ), 0,
        visit_list),
     .entity = &household_entity},
    {OP(HTTP_POST, "/api/v1/poverty-households/{id}/visits", "poverty_households.add_visit", PERM(POV_WRITE),
        RF_BODY | RF_WRITES, visit_add),
     .body = visit_fields, .entity = &household_entity},
    {OP(HTTP_POST, "/api/v1/poverty-households/{id}/reveal", "poverty_households.reveal", PERM(PERM_PII_REVEAL),
        RF_BODY | RF_NO_REPLAY | RF_WRITES, household_reveal),
     .body = pii_reveal_fields, .entity = &household_entity},
    OPS_END,
};
