/* 党费 (party dues): docs/party-dues.md.
 *
 * A member declares yearly a category and, in service or retired, the base
 * (fixed monthly after-tax pay, fen); the declaration's monthly amount comes
 * from the norms dues.* in force at the member's node that year (core/dues.c:
 * a step on the whole base, bounds inclusive, half-up to the fen). A branch's
 * month is opened (the sheet): a row per member who is a member by then (a
 * 预备党员 from the month of the branch vote, party_member.joined_on), due from
 * the latest declaration of that year or before. Staff mark payments (date,
 * channel, amount) or a reason for not paying. Voluntary extra payments of at
 * least dues.upward_fen are flagged as going upward (上缴). Members with
 * dues.arrears_months consecutive unpaid months without a reason are listed
 * for the branch to decide; its decision (自行脱党 among them) is recorded,
 * never a status the system sets. Reports per branch and month (xlsx), the
 * subtree's figures, and the member's own page. */
#include "api/handlers.h"
#include "api/internal.h"
#include "api/list.h"
#include "api/resource.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/dues.h"
#include "core/role.h"

#define DUES_READ PERM_STATS_READ
#define DUES_WRITE PERM_PARTY_WRITE

const char *const dues_channels[] = {"cash", "bank", "wechat", "alipay", "payroll", NULL};
const char *const dues_decisions[] = {"educate", "excuse", "lapse", NULL};
static const char *const channel_words[] = {"现金", "银行转账", "微信", "支付宝", "工资代扣"};

/* ---------------------------------------------------------------- the norms */

/* Steps from the norms bounds_key (yuan, inclusive upper bounds) and
 * rates_key (percent, one more than the bounds). DB_NOTFOUND when either does
 * not apply or they do not match. */
static int steps_load(db_t *db, const char *bounds_key, const char *rates_key, int64_t org, int year, dues_steps_t *s)
{
    json_t *b = NULL, *r = NULL;
    int rc = norm_get(db, bounds_key, org, year, &b);
    if (rc == DB_OK)
        rc = norm_get(db, rates_key, org, year, &r);
    if (rc == DB_OK && (json_array_size(b) > DUES_MAX_STEPS || json_array_size(r) != json_array_size(b) + 1))
        rc = DB_NOTFOUND;
    if (rc == DB_OK) {
        s->n = (int)json_array_size(b);
        for (int i = 0; i < s->n; i++)
            s->upto_fen[i] = llround(json_number_value(json_array_get(b, (size_t)i)) * 100.0);
        for (int i = 0; i <= s->n; i++)
            s->rate_bp[i] = llround(json_number_value(json_array_get(r, (size_t)i)) * 100.0);
    }
    json_decref(b);
    json_decref(r);
    return rc;
}

/* A declaration's monthly amount and rate (0 for a fixed amount) at org in
 * year: 0, or -1 with rep set (the norm missing, the base or a farmer's
 * amount missing or out of range). */
static int declared_amount(db_t *db, const write_ctx_t *w, int64_t org, int year, const char *category,
                           int64_t base, int has_base, int64_t fixed, int has_fixed, int64_t *monthly, int64_t *rate,
                           api_reply_t *rep)
{
    dues_category_t c = dues_category_from_name(category);
    *rate = 0;
    if (dues_category_has_base(c)) {
        if (!has_base)
            return api_fail(rep, w->lang, E_DUES_BASE_REQUIRED, "base_fen");
        dues_steps_t s;
        int rc = c == DUES_IN_SERVICE ? steps_load(db, "dues.in_service_bounds", "dues.in_service_rates", org, year, &s)
                                      : steps_load(db, "dues.retired_bounds", "dues.retired_rates", org, year, &s);
        if (rc == DB_NOTFOUND)
            return api_fail(rep, w->lang, E_DUES_NO_NORM, "category");
        if (rc != DB_OK)
            return api_db_error(rep, w->lang, rc, NULL);
        *rate = dues_rate_bp(&s, base);
        *monthly = dues_percent_fen(base, *rate);
        return 0;
    }
    json_t *f = NULL;
    int rc = norm_get(db, "dues.fixed_fen", org, year, &f);
    if (rc == DB_NOTFOUND)
        return api_fail(rep, w->lang, E_DUES_NO_NORM, "category");
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    if (c == DUES_FARMER) {
        int64_t lo = llround(json_number_value(json_object_get(f, "farmer_min")));
        int64_t hi = llround(json_number_value(json_object_get(f, "farmer_max")));
        json_decref(f);
        if (!has_fixed || fixed < lo || fixed > hi)
            return api_failf(rep, w->lang, E_DUES_FIXED_RANGE, "fixed_fen", (long long)lo, (long long)hi);
        *monthly = fixed;
        return 0;
    }
    *monthly = llround(json_number_value(json_object_get(f, dues_category_names[c - 1])));
    json_decref(f);
    return 0;
}

/* ---------------------------------------------------------------- the member a record names */

/* The node of the member's branch, which the caller must hold perm over:
 * 0, or -1 with rep set (404 naming person_id). */
static int member_node(db_t *db, const write_ctx_t *w, const json_t *in, int64_t *org, api_reply_t *rep)
{
    int64_t person = json_integer_value(json_object_get(in, "person_id"));
    if (db_one_int(db, org,
                   "SELECT po.org_id FROM party_member m JOIN party_org po ON po.id = m.party_org_id"
                   " WHERE m.person_id = ?",
                   "i", person) != DB_OK ||
        access_org(db, &w->who, DUES_WRITE, *org, NULL, 0) != DB_OK)
        return api_fail(rep, w->lang, E_REFERENCE_NOT_FOUND, "person_id");
    return 0;
}

/* ---------------------------------------------------------------- declarations */

static const field_t decl_create[] = {
    {"person_id", F_INT, 1, 1, INT64_MAX, NULL, 0},
    {"year", F_INT, 1, 2000, 2100, NULL, 0},
    {"category", F_ENUM, 1, 0, 0, dues_category_names, 0},
    {"base_fen", F_INT, 0, 0, 10000000000, NULL, 0},
    {"fixed_fen", F_INT, 0, 0, 100000, NULL, 0},
    {"note", F_BLOCK, 0, 1, 500, NULL, 0},
    FIELDS_END,
};

static const field_t decl_update[] = {
    {"category", F_ENUM, F_NOT_NULL, 0, 0, dues_category_names, 0},
    {"base_fen", F_INT, 0, 0, 10000000000, NULL, 0},
    {"fixed_fen", F_INT, 0, 0, 100000, NULL, 0},
    {"note", F_BLOCK, 0, 1, 500, NULL, 0},
    {"version", F_INT, 0, 1, INT64_MAX, NULL, 0},
    FIELDS_END,
};

static const field_t decl_query[] = {
    {"org", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"year", F_INT, 0, 2000, 2100, NULL, 0},
    {"category", F_ENUM, 0, 0, 0, dues_category_names, 0},
    {"party_org", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"person_id", F_INT, 0, 1, INT64_MAX, NULL, 0},
    FIELDS_END,
};

static const res_filter_t decl_filters[] = {
    {"year", "d.year = ?", 0},
    {"category", "d.category = ?", 0},
    {"party_org", "m.party_org_id = ?", 0},
    {"person_id", "d.person_id = ?", 0},
    {NULL, NULL, 0},
};

static const api_sort_t decl_sorts[] = {
    {"year", "d.year", 0, NULL},
    {"monthly_fen", "d.monthly_fen", 0, NULL},
    {"member_name", "p.name", 0, NULL},
    {NULL, NULL, 0, NULL},
};

/* The monthly amount from the row as it now stands (create or update). */
static int decl_after(db_t *db, const write_ctx_t *w, int64_t id, const json_t *in, api_reply_t *rep)
{
    (void)in;
    db_stmt_t *st = db_q(db, "SELECT org_id, year, category, base_fen, fixed_fen FROM dues_declaration WHERE id = ?",
                         "i", id);
    if (st == NULL || db_step(st) != DB_ROW) {
        if (st)
            db_done(st);
        return api_db_error(rep, w->lang, DB_ERR, NULL);
    }
    int64_t org = db_col_int(st, 0), year = db_col_int(st, 1), base = db_col_int(st, 3), fixed = db_col_int(st, 4);
    int has_base = !db_col_is_null(st, 3), has_fixed = !db_col_is_null(st, 4);
    char category[16];
    snprintf(category, sizeof category, "%s", db_col_text(st, 2));
    db_done(st);
    int64_t monthly = 0, rate = 0;
    if (declared_amount(db, w, org, (int)year, category, base, has_base, fixed, has_fixed, &monthly, &rate, rep) != 0)
        return -1;
    int rc = db_exec(db, NULL, "UPDATE dues_declaration SET monthly_fen = ?, rate_bp = ? WHERE id = ?", "iIi", monthly,
                     rate, id);
    return rc == DB_OK ? 0 : api_db_error(rep, w->lang, rc, NULL);
}

static const entity_t decl_entity = {"dues_declaration", "SELECT org_id FROM dues_declaration WHERE id = ?", NULL};
static const err_t decl_taken = E_DUES_DECLARATION_TAKEN;

static const resource_t decl_res = {
    .name = "dues_declaration",
    .table = "dues_declaration",
    .entity = &decl_entity,
    .columns = "SELECT d.id, d.person_id, p.name AS member_name, m.status AS member_status, m.party_org_id,"
               " po.name AS party_org_name, d.org_id, d.year, d.category, d.base_fen, d.fixed_fen, d.rate_bp,"
               " d.monthly_fen, d.note, d.created_at, d.updated_at, d.version",
    .from = "FROM dues_declaration d JOIN org o ON o.id = d.org_id JOIN person p ON p.id = d.person_id"
            " JOIN party_member m ON m.person_id = d.person_id JOIN party_org po ON po.id = m.party_org_id",
    .key = "d.id",
    .org_path = "o.path",
    .org_column = "org_id",
    .org_field = NULL,
    .read_perm = DUES_READ,
    .write_perm = DUES_WRITE,
    .create = decl_create,
    .update = decl_update,
    .filters = decl_filters,
    .sorts = decl_sorts,
    .rules = {.place = member_node, .after = decl_after},
    .unique_field = "year",
    .unique_error = &decl_taken,
};

/* ---------------------------------------------------------------- the month's sheet */

#define MONTH_OF(col) "(CAST(substr(" col ", 1, 4) AS INTEGER) * 100 + CAST(substr(" col ", 6, 2) AS INTEGER))"
#define DECLARED_DUE                                                                                                   \
    "(SELECT d.monthly_fen FROM dues_declaration d WHERE d.person_id = m.person_id AND d.year <= ?"                    \
    " ORDER BY d.year DESC LIMIT 1)"

typedef struct {
    uint64_t given;
    int64_t party_org_id;
    int64_t month;
} sheet_in_t;

static const field_t sheet_fields[] = {
    IN(sheet_in_t, party_org_id, F_INT, 1, 1, INT64_MAX, NULL),
    IN(sheet_in_t, month, F_INT, 1, 200001, 210012, NULL),
    FIELDS_END,
};

static int dues_open_month(db_t *db, int64_t party_org, int64_t org, int64_t month, int64_t now, int64_t *added)
{
    int64_t year = month / 100;
    int rc = db_exec(db, added,
                     "INSERT INTO dues_month (person_id, party_org_id, org_id, month, due_fen, updated_at)"
                     " SELECT m.person_id, m.party_org_id, ?, ?, " DECLARED_DUE ", ? FROM party_member m"
                     " WHERE m.party_org_id = ? AND " MONTH_OF("m.joined_on") " <= ?"
                     " AND NOT EXISTS (SELECT 1 FROM dues_month x WHERE x.person_id = m.person_id AND x.month = ?)",
                     "iiiiiii", org, month, year, now, party_org, month, month);
    /* A declaration corrected since: the unpaid rows follow it. */
    if (rc == DB_OK)
        rc = db_exec(db, NULL,
                     "UPDATE dues_month SET due_fen = (SELECT d.monthly_fen FROM dues_declaration d"
                     " WHERE d.person_id = dues_month.person_id AND d.year <= ? ORDER BY d.year DESC LIMIT 1)"
                     " WHERE party_org_id = ? AND month = ? AND paid_fen = 0",
                     "iii", year, party_org, month);
    return rc;
}

static int sheet_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    sheet_in_t in = {0};
    api_input_fill(sheet_fields, data, &in);
    if (!dues_month_valid(in.month))
        return api_fail(rep, w->lang, E_DUES_MONTH_INVALID, "month");
    int64_t org = 0, added = 0, rows = 0;
    if (db_one_int(db, &org, "SELECT org_id FROM party_org WHERE id = ?", "i", in.party_org_id) != DB_OK ||
        access_org(db, &w->who, DUES_WRITE, org, NULL, 0) != DB_OK)
        return api_fail(rep, w->lang, E_REFERENCE_NOT_FOUND, "party_org_id");
    char today[16];
    date_of(w->now, today);
    int64_t this_month = atoll(today) * 100 + atoll(today + 5);
    if (in.month > this_month)
        return api_fail(rep, w->lang, E_DUES_MONTH_FUTURE, "month");
    int rc = dues_open_month(db, in.party_org_id, org, in.month, w->now, &added);
    if (rc == DB_OK)
        rc = db_one_int(db, &rows, "SELECT COUNT(*) FROM dues_month WHERE party_org_id = ? AND month = ?", "ii",
                        in.party_org_id, in.month);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "dues_sheet.opened", "party_org", in.party_org_id, org,
                              json_pack("{s:I, s:I}", "month", (json_int_t)in.month, "added", (json_int_t)added));
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    return api_json(rep, 200,
                    json_pack("{s:I, s:I, s:I, s:I}", "party_org_id", (json_int_t)in.party_org_id, "month",
                              (json_int_t)in.month, "added", (json_int_t)added, "rows", (json_int_t)rows));
}

DEFER_BODY(dues_sheet_open, sheet_write)

/* ---------------------------------------------------------------- months: the sheet's rows */

static const field_t month_update[] = {
    {"paid_fen", F_INT, F_NOT_NULL, 0, 1000000000, NULL, 0},
    {"paid_on", F_DATE, 0, 20000101, 0, NULL, 0},
    {"channel", F_ENUM, 0, 0, 0, dues_channels, 0},
    {"reason", F_BLOCK, 0, 1, 200, NULL, 0},
    {"version", F_INT, 0, 1, INT64_MAX, NULL, 0},
    FIELDS_END,
};

static const char *const month_states[] = {"paid", "unpaid", "undeclared", NULL};

static const field_t month_query[] = {
    {"org", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"party_org", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"month", F_INT, 0, 200001, 210012, NULL, 0},
    {"person_id", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"state", F_ENUM, 0, 0, 0, month_states, 0},
    FIELDS_END,
};

#define MONTH_STATE                                                                                                    \
    "CASE WHEN d.due_fen IS NULL THEN 'undeclared' WHEN d.paid_fen >= d.due_fen THEN 'paid' ELSE 'unpaid' END"

static const res_filter_t month_filters[] = {
    {"party_org", "d.party_org_id = ?", 0},
    {"month", "d.month = ?", 0},
    {"person_id", "d.person_id = ?", 0},
    {"state", "(" MONTH_STATE ") = ?", 0},
    {NULL, NULL, 0},
};

static const api_sort_t month_sorts[] = {
    {"member_name", "p.name", 0, NULL},
    {"month", "d.month", 0, NULL},
    {NULL, NULL, 0, NULL},
};

/* The date field of in, when given, is not after today (the server's clock):
 * 0, or -1 with rep set (e naming field). */
static int not_after_today(const write_ctx_t *w, const json_t *in, const char *field, err_t e, api_reply_t *rep)
{
    const json_t *on = json_object_get(in, field);
    char today[16];
    date_of(w->now, today);
    return json_is_string(on) && strcmp(json_string_value(on), today) > 0 ? api_fail(rep, w->lang, e, field) : 0;
}

/* A payment needs its date and channel; a paid date is not after today;
 * clearing the amount clears them. */
static int month_before(db_t *db, const write_ctx_t *w, int64_t id, const json_t *in, api_reply_t *rep)
{
    if (id == 0 || in == NULL)
        return 0;
    const json_t *amount = json_object_get(in, "paid_fen"), *on = json_object_get(in, "paid_on"),
                 *ch = json_object_get(in, "channel");
    if (not_after_today(w, in, "paid_on", E_DUES_PAID_FUTURE, rep) != 0)
        return -1;
    int64_t paid = 0;
    int rc = db_one_int(db, &paid, "SELECT paid_fen FROM dues_month WHERE id = ?", "i", id);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    if (amount)
        paid = json_integer_value(amount);
    if (paid > 0) {
        int64_t n = 0;
        rc = db_one_int(db, &n, "SELECT COUNT(*) FROM dues_month WHERE id = ? AND paid_on IS NOT NULL", "i", id);
        if (rc == DB_OK && (json_is_null(on) || (!on && n == 0)))
            return api_fail(rep, w->lang, E_DUES_PAYMENT_INCOMPLETE, "paid_on");
        rc = db_one_int(db, &n, "SELECT COUNT(*) FROM dues_month WHERE id = ? AND channel IS NOT NULL", "i", id);
        if (rc == DB_OK && (json_is_null(ch) || (!ch && n == 0)))
            return api_fail(rep, w->lang, E_DUES_PAYMENT_INCOMPLETE, "channel");
    }
    return rc == DB_OK ? 0 : api_db_error(rep, w->lang, rc, NULL);
}

static int month_after(db_t *db, const write_ctx_t *w, int64_t id, const json_t *in, api_reply_t *rep)
{
    (void)in;
    int rc = db_exec(db, NULL, "UPDATE dues_month SET paid_on = NULL, channel = NULL WHERE id = ? AND paid_fen = 0",
                     "i", id);
    return rc == DB_OK ? 0 : api_db_error(rep, w->lang, rc, NULL);
}

static const entity_t month_entity = {"dues_month", "SELECT org_id FROM dues_month WHERE id = ?", NULL};

#define MONTH_COLUMNS                                                                                                  \
    "SELECT d.id, d.person_id, p.name AS member_name, m.status AS member_status, d.party_org_id,"                     \
    " po.name AS party_org_name, d.org_id, d.month, d.due_fen, d.paid_fen, d.paid_on, d.channel, d.reason,"          \
    " " MONTH_STATE " AS state, d.updated_at, d.version"
#define MONTH_FROM                                                                                                     \
    "FROM dues_month d JOIN org o ON o.id = d.org_id JOIN person p ON p.id = d.person_id"                           \
    " JOIN party_member m ON m.person_id = d.person_id JOIN party_org po ON po.id = d.party_org_id"

static const resource_t month_res = {
    .name = "dues_month",
    .table = "dues_month",
    .entity = &month_entity,
    .columns = MONTH_COLUMNS,
    .from = MONTH_FROM,
    .key = "d.id",
    .org_path = "o.path",
    .org_column = "org_id",
    .read_perm = DUES_READ,
    .write_perm = DUES_WRITE,
    .update = month_update,
    .filters = month_filters,
    .sorts = month_sorts,
    .rules = {.before = month_before, .after = month_after},
};

static const list_col_t month_cols[] = {
    {"month", "月份", NULL, NULL},
    {"party_org_name", "党支部", NULL, NULL},
    {"member_name", "党员", NULL, NULL},
    {"member_status", "状态", NULL, NULL},
    {"due_fen", "应交（分）", NULL, NULL},
    {"paid_fen", "实交（分）", NULL, NULL},
    {"paid_on", "交纳日期", NULL, NULL},
    {"channel", "交纳方式", dues_channels, channel_words},
    {"reason", "未交原因", NULL, NULL},
    {NULL, NULL, NULL, NULL},
};

/* GET /api/v1/dues-months/export: the sheet as a workbook, audited. */
static int month_export(api_req_t *req, api_reply_t *rep)
{
    api_list_t l;
    return res_list_of(req, rep, &l) != 0 ? -1 : api_list_export(req, rep, &l, "党费收缴", month_cols, "dues-months");
}

/* ---------------------------------------------------------------- extra payments */

static const field_t extra_create[] = {
    {"person_id", F_INT, 1, 1, INT64_MAX, NULL, 0},
    {"paid_on", F_DATE, 1, 20000101, 0, NULL, 0},
    {"amount_fen", F_INT, 1, 1, 10000000000, NULL, 0},
    {"channel", F_ENUM, 1, 0, 0, dues_channels, 0},
    {"note", F_BLOCK, 0, 1, 500, NULL, 0},
    FIELDS_END,
};

static const field_t extra_update[] = {
    {"paid_on", F_DATE, F_NOT_NULL, 20000101, 0, NULL, 0},
    {"amount_fen", F_INT, F_NOT_NULL, 1, 10000000000, NULL, 0},
    {"channel", F_ENUM, F_NOT_NULL, 0, 0, dues_channels, 0},
    {"note", F_BLOCK, 0, 1, 500, NULL, 0},
    {"version", F_INT, 0, 1, INT64_MAX, NULL, 0},
    FIELDS_END,
};

static const char *const truths[] = {"true", "false", NULL}; /* ?upward= */

static const field_t extra_query[] = {
    {"org", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"person_id", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"upward", F_ENUM, 0, 0, 0, truths, 0},
    FIELDS_END,
};

static const res_filter_t extra_filters[] = {
    {"person_id", "x.person_id = ?", 0},
    {"upward", "x.upward = CASE WHEN ? = 'true' THEN 1 ELSE 0 END", 0},
    {NULL, NULL, 0},
};

static int extra_before(db_t *db, const write_ctx_t *w, int64_t id, const json_t *in, api_reply_t *rep)
{
    (void)db;
    (void)id;
    return not_after_today(w, in, "paid_on", E_DUES_PAID_FUTURE, rep);
}

/* Upward: the amount against dues.upward_fen at the node in the payment's
 * year (null when none applies). */
static int extra_after(db_t *db, const write_ctx_t *w, int64_t id, const json_t *in, api_reply_t *rep)
{
    (void)in;
    char on[16] = "";
    int64_t org = 0, amount = 0;
    int rc = db_one_int(db, &org, "SELECT org_id FROM dues_extra WHERE id = ?", "i", id);
    if (rc == DB_OK)
        rc = db_one_int(db, &amount, "SELECT amount_fen FROM dues_extra WHERE id = ?", "i", id);
    if (rc == DB_OK)
        rc = db_one_text(db, on, sizeof on, "SELECT paid_on FROM dues_extra WHERE id = ?", "i", id);
    json_t *cap = NULL;
    int found = rc == DB_OK ? norm_get(db, "dues.upward_fen", org, atoi(on), &cap) : rc;
    if (found == DB_OK)
        rc = db_exec(db, NULL, "UPDATE dues_extra SET upward = ? WHERE id = ?", "ii",
                     (int64_t)((double)amount >= json_number_value(cap)), id);
    else if (found == DB_NOTFOUND)
        rc = db_exec(db, NULL, "UPDATE dues_extra SET upward = NULL WHERE id = ?", "i", id);
    else
        rc = found;
    json_decref(cap);
    return rc == DB_OK ? 0 : api_db_error(rep, w->lang, rc, NULL);
}

static void extra_row(json_t *row)
{
    json_t *u = json_object_get(row, "upward");
    if (json_is_integer(u))
        json_object_set_new(row, "upward", json_boolean(json_integer_value(u)));
}

static const entity_t extra_entity = {"dues_extra", "SELECT org_id FROM dues_extra WHERE id = ?", NULL};

static const resource_t extra_res = {
    .name = "dues_extra",
    .table = "dues_extra",
    .entity = &extra_entity,
    .columns = "SELECT x.id, x.person_id, p.name AS member_name, x.org_id, o.name AS org_name, x.paid_on,"
               " x.amount_fen, x.channel, x.upward, x.note, x.created_at, x.updated_at, x.version",
    .from = "FROM dues_extra x JOIN org o ON o.id = x.org_id JOIN person p ON p.id = x.person_id",
    .key = "x.id",
    .org_path = "o.path",
    .org_column = "org_id",
    .read_perm = DUES_READ,
    .write_perm = DUES_WRITE,
    .create = extra_create,
    .update = extra_update,
    .filters = extra_filters,
    .rules = {.place = member_node, .before = extra_before, .after = extra_after, .row = extra_row},
};

/* ---------------------------------------------------------------- decisions */

static const field_t decision_create[] = {
    {"person_id", F_INT, 1, 1, INT64_MAX, NULL, 0},
    {"decision", F_ENUM, 1, 0, 0, dues_decisions, 0},
    {"decided_on", F_DATE, 1, 20000101, 0, NULL, 0},
    {"note", F_BLOCK, 0, 1, 500, NULL, 0},
    FIELDS_END,
};

static const field_t decision_update[] = {
    {"decision", F_ENUM, F_NOT_NULL, 0, 0, dues_decisions, 0},
    {"decided_on", F_DATE, F_NOT_NULL, 20000101, 0, NULL, 0},
    {"note", F_BLOCK, 0, 1, 500, NULL, 0},
    {"version", F_INT, 0, 1, INT64_MAX, NULL, 0},
    FIELDS_END,
};

static const field_t decision_query[] = {
    {"org", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"person_id", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"decision", F_ENUM, 0, 0, 0, dues_decisions, 0},
    FIELDS_END,
};

static const res_filter_t decision_filters[] = {
    {"person_id", "c.person_id = ?", 0},
    {"decision", "c.decision = ?", 0},
    {NULL, NULL, 0},
};

static int decision_before(db_t *db, const write_ctx_t *w, int64_t id, const json_t *in, api_reply_t *rep)
{
    (void)db;
    (void)id;
    return not_after_today(w, in, "decided_on", E_DUES_DECIDED_FUTURE, rep);
}

static const entity_t decision_entity = {"dues_decision", "SELECT org_id FROM dues_decision WHERE id = ?", NULL};

static const resource_t decision_res = {
    .name = "dues_decision",
    .table = "dues_decision",
    .entity = &decision_entity,
    .columns = "SELECT c.id, c.person_id, p.name AS member_name, c.org_id, c.decision, c.decided_on, c.note,"
               " c.created_at, c.updated_at, c.version",
    .from = "FROM dues_decision c JOIN org o ON o.id = c.org_id JOIN person p ON p.id = c.person_id",
    .key = "c.id",
    .org_path = "o.path",
    .org_column = "org_id",
    .read_perm = DUES_READ,
    .write_perm = DUES_WRITE,
    .create = decision_create,
    .update = decision_update,
    .filters = decision_filters,
    .rules = {.place = member_node, .before = decision_before},
};

/* ---------------------------------------------------------------- arrears */

static int64_t month_now(void)
{
    int ymd = api_today_ymd();
    return ymd / 100;
}

/* Every member of [lo, hi) (one branch when party_org) whose run of
 * consecutive unpaid months without a reason, up to the last month before
 * this one, is at least min months: {person_id, member_name, party_org_id,
 * party_org_name, months, from, to, owed_fen, decision, decided_on}. NULL on
 * an error. */
static json_t *arrears_of(db_t *db, const char *lo, const char *hi, int64_t party_org, int64_t min)
{
    db_stmt_t *st = db_q(db,
                         "SELECT d.person_id, p.name, d.party_org_id, po.name, d.month, d.due_fen, d.paid_fen,"
                         " d.reason FROM dues_month d JOIN org o ON o.id = d.org_id JOIN person p ON p.id = d.person_id"
                         " JOIN party_org po ON po.id = d.party_org_id"
                         " WHERE o.path >= ? AND o.path < ? AND d.month < ? AND (? = 0 OR d.party_org_id = ?)"
                         " ORDER BY d.person_id, d.month DESC",
                         "ttiii", lo, hi, month_now(), party_org, party_org);
    if (st == NULL)
        return NULL;
    json_t *out = json_array(), *cur = NULL;
    int64_t person = 0, expect = 0, run = 0, owed = 0, first = 0, last = 0, open = 0;
    int rc;
    for (;;) {
        rc = db_step(st);
        int64_t p = rc == DB_ROW ? db_col_int(st, 0) : -1;
        if (p != person) {
            if (cur && run >= min) {
                json_object_set_new(cur, "months", json_integer(run));
                json_object_set_new(cur, "from", json_integer(first));
                json_object_set_new(cur, "to", json_integer(last));
                json_object_set_new(cur, "owed_fen", json_integer(owed));
                json_array_append_new(out, cur);
            } else {
                json_decref(cur);
            }
            cur = NULL;
            if (rc != DB_ROW)
                break;
            person = p;
            run = owed = 0;
            open = 1;
            expect = db_col_int(st, 4);
            last = expect;
            cur = json_pack("{s:I, s:s, s:I, s:s}", "person_id", (json_int_t)p, "member_name", db_col_text(st, 1),
                            "party_org_id", (json_int_t)db_col_int(st, 2), "party_org_name", db_col_text(st, 3));
        }
        if (!open)
            continue;
        int64_t m = db_col_int(st, 4);
        int unpaid = !db_col_is_null(st, 5) && db_col_int(st, 6) < db_col_int(st, 5) && db_col_is_null(st, 7);
        if (m != expect || !unpaid) {
            open = 0;
            continue;
        }
        run++;
        owed += db_col_int(st, 5) - db_col_int(st, 6);
        first = m;
        expect = dues_month_add(m, -1);
    }
    db_done(st);
    if (rc != DB_DONE) {
        json_decref(out);
        return NULL;
    }
    size_t i;
    json_t *r;
    json_array_foreach(out, i, r) {
        json_t *d = db_row_one_json(db,
                                    "SELECT decision, decided_on FROM dues_decision WHERE person_id = ?"
                                    " ORDER BY decided_on DESC, id DESC LIMIT 1",
                                    "i", json_integer_value(json_object_get(r, "person_id")));
        json_object_set_new(r, "decision", d ? json_incref(json_object_get(d, "decision")) : json_null());
        json_object_set_new(r, "decided_on", d ? json_incref(json_object_get(d, "decided_on")) : json_null());
        json_decref(d);
    }
    return out;
}

static const field_t arrears_query[] = {
    {"org", F_INT, 1, 1, INT64_MAX, NULL, 0},
    {"party_org", F_INT, 0, 1, INT64_MAX, NULL, 0},
    FIELDS_END,
};

/* GET /api/v1/dues-arrears?org=&party_org=: the members in arrears for
 * dues.arrears_months or more (the norm at the node this year); none in
 * force: months_min null and no list. */
static int dues_arrears(api_req_t *req, api_reply_t *rep)
{
    int64_t org = 0, party_org = 0;
    api_query_int(req, "org", 0, 1, INT64_MAX, &org);
    api_query_int(req, "party_org", 0, 1, INT64_MAX, &party_org);
    char lo[ACCESS_PATH_MAX], hi[ACCESS_PATH_MAX];
    int rc = access_list_range(req->db, req->who, DUES_READ, org, lo, hi);
    if (rc != DB_OK)
        return api_db_error(rep, req->lang, rc, "org");
    json_t *min = NULL;
    rc = norm_get(req->db, "dues.arrears_months", org, api_today_ymd() / 10000, &min);
    if (rc == DB_NOTFOUND)
        return api_json(rep, 200, json_pack("{s:n, s:[]}", "months_min", "items"));
    if (rc != DB_OK)
        return api_db_error(rep, req->lang, rc, NULL);
    int64_t n = llround(json_number_value(min));
    json_decref(min);
    json_t *items = arrears_of(req->db, lo, hi, party_org, n);
    if (items == NULL)
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    return api_json(rep, 200, json_pack("{s:I, s:o}", "months_min", (json_int_t)n, "items", items));
}

/* ---------------------------------------------------------------- report */

static const field_t report_query[] = {
    {"org", F_INT, 1, 1, INT64_MAX, NULL, 0},
    {"month", F_INT, 1, 200001, 210012, NULL, 0},
    FIELDS_END,
};

/* The branches of [lo, hi) with rows in month: members, due, paid, members
 * in arrears, undeclared; extra payments of the month and how many go upward. */
static json_t *report_rows(db_t *db, const char *lo, const char *hi, int64_t month)
{
    char from[16], to[16];
    snprintf(from, sizeof from, "%04d-%02d-01", (int)(month / 100), (int)(month % 100));
    snprintf(to, sizeof to, "%04d-%02d-31", (int)(month / 100), (int)(month % 100));
    return db_rows_json(db,
                        "SELECT po.id AS party_org_id, po.name AS party_org_name, o.name AS org_name,"
                        " COUNT(*) AS members, COALESCE(SUM(d.due_fen), 0) AS due_fen,"
                        " COALESCE(SUM(d.paid_fen), 0) AS paid_fen,"
                        " SUM(CASE WHEN d.paid_fen < d.due_fen THEN 1 ELSE 0 END) AS members_in_arrears,"
                        " SUM(CASE WHEN d.due_fen IS NULL THEN 1 ELSE 0 END) AS undeclared,"
                        " (SELECT COALESCE(SUM(x.amount_fen), 0) FROM dues_extra x JOIN party_member xm"
                        " ON xm.person_id = x.person_id WHERE xm.party_org_id = po.id AND x.paid_on >= ?"
                        " AND x.paid_on <= ?) AS extra_fen,"
                        " (SELECT COUNT(*) FROM dues_extra x JOIN party_member xm ON xm.person_id = x.person_id"
                        " WHERE xm.party_org_id = po.id AND x.paid_on >= ? AND x.paid_on <= ? AND x.upward = 1)"
                        " AS upward"
                        " FROM dues_month d JOIN party_org po ON po.id = d.party_org_id JOIN org o ON o.id = d.org_id"
                        " WHERE o.path >= ? AND o.path < ? AND d.month = ?"
                        " GROUP BY po.id, po.name, o.name, o.path ORDER BY o.path, po.id",
                        "tttttti", from, to, from, to, lo, hi, month);
}

static json_t *report_of(api_req_t *req, api_reply_t *rep, int64_t *org, int64_t *month)
{
    api_query_int(req, "org", 0, 1, INT64_MAX, org);
    api_query_int(req, "month", 0, 200001, 210012, month);
    if (!dues_month_valid(*month)) {
        api_fail(rep, req->lang, E_DUES_MONTH_INVALID, "month");
        return NULL;
    }
    char lo[ACCESS_PATH_MAX], hi[ACCESS_PATH_MAX];
    int rc = access_list_range(req->db, req->who, DUES_READ, *org, lo, hi);
    if (rc != DB_OK) {
        api_db_error(rep, req->lang, rc, "org");
        return NULL;
    }
    json_t *rows = report_rows(req->db, lo, hi, *month);
    if (rows == NULL)
        api_db_error(rep, req->lang, DB_ERR, NULL);
    return rows;
}

/* GET /api/v1/dues-report?org=&month=: a row per branch and the total. */
static int dues_report(api_req_t *req, api_reply_t *rep)
{
    int64_t org = 0, month = 0;
    json_t *rows = report_of(req, rep, &org, &month);
    if (rows == NULL)
        return -1;
    static const char *const sums[] = {"members", "due_fen", "paid_fen", "members_in_arrears", "undeclared",
                                       "extra_fen", "upward", NULL};
    json_t *total = json_object();
    size_t i;
    json_t *r;
    for (const char *const *k = sums; *k; k++) {
        int64_t s = 0;
        json_array_foreach(rows, i, r) s += json_integer_value(json_object_get(r, *k));
        json_object_set_new(total, *k, json_integer(s));
    }
    return api_json(rep, 200,
                    json_pack("{s:I, s:I, s:o, s:o}", "org_id", (json_int_t)org, "month", (json_int_t)month, "items",
                              rows, "total", total));
}

static int report_export_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    int64_t org = json_integer_value(json_object_get(data, "org"));
    int rc = audit_append_new(db, w, "dues_report.exported", "org", org, org,
                              json_pack("{s:O, s:O, s:s}", "month", json_object_get(data, "month"), "rows",
                                        json_object_get(data, "rows"), "format", "xlsx"));
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    return api_file_answer(rep, data);
}

static json_t *yuan(int64_t fen)
{
    return json_real((double)fen / 100.0);
}

/* GET /api/v1/dues-report/export?org=&month=: the report as a workbook (amounts
 * in yuan); the file leaves once its audit row is written. */
static int dues_report_export(api_req_t *req, api_reply_t *rep)
{
    int64_t org = 0, month = 0;
    json_t *rows = report_of(req, rep, &org, &month);
    if (rows == NULL)
        return -1;
    json_t *table = json_array();
    json_array_append_new(table, json_pack("[s, s, s, s, s, s, s, s, s]", "党支部", "所在组织", "党员数",
                                           "应交（元）", "实交（元）", "欠交人数", "未申报人数", "自愿多交（元）",
                                           "上缴笔数"));
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) {
        json_array_append_new(
            table, json_pack("[O, O, O, o, o, O, O, o, O]", json_object_get(r, "party_org_name"),
                             json_object_get(r, "org_name"), json_object_get(r, "members"),
                             yuan(json_integer_value(json_object_get(r, "due_fen"))),
                             yuan(json_integer_value(json_object_get(r, "paid_fen"))),
                             json_object_get(r, "members_in_arrears"), json_object_get(r, "undeclared"),
                             yuan(json_integer_value(json_object_get(r, "extra_fen"))), json_object_get(r, "upward")));
    }
    size_t n = json_array_size(rows), len = 0;
    json_decref(rows);
    char sheet[32];
    snprintf(sheet, sizeof sheet, "党费%04d年%02d月", (int)(month / 100), (int)(month % 100));
    char *body = xlsx_write(table, sheet, db_path(req->db), &len);
    json_decref(table);
    if (body == NULL)
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    char code[32] = "";
    if (db_one_text(req->db, code, sizeof code, "SELECT code FROM org WHERE id = ?", "i", org) != DB_OK || !code[0])
        snprintf(code, sizeof code, "%lld", (long long)org);
    char *b64 = api_base64_wipe(body, len);
    /* dues-340104006006-202612.xlsx: the node's code and the month. */
    char filename[80];
    snprintf(filename, sizeof filename, "dues-%s-%06lld.xlsx", code, (long long)month);
    json_t *data = json_pack("{s:I, s:I, s:I, s:s, s:s, s:s}", "org", (json_int_t)org, "month", (json_int_t)month,
                             "rows", (json_int_t)n, "format", "xlsx", "body", b64, "filename", filename);
    free(b64);
    return api_defer(req, report_export_write, data);
}

/* ---------------------------------------------------------------- figures */

/* The figures of [lo, hi) for year: the year's months opened up to this one,
 * due, collected, the rate, members in arrears in any of them, extra payments
 * and those going upward. */
json_t *dues_figures_of(db_t *db, const principal_t *who, const char *lo, const char *hi, int64_t year,
                        const char *today)
{
    (void)who;
    (void)today;
    char from[16], to[16];
    snprintf(from, sizeof from, "%04d-01-01", (int)year);
    snprintf(to, sizeof to, "%04d-12-31", (int)year);
    json_t *m = db_row_one_json(db,
                                "SELECT COALESCE(SUM(d.due_fen), 0) AS due_fen, COALESCE(SUM(d.paid_fen), 0) AS paid_fen,"
                                " COUNT(DISTINCT CASE WHEN d.paid_fen < d.due_fen THEN d.person_id END)"
                                " AS members_in_arrears,"
                                " COUNT(DISTINCT CASE WHEN d.due_fen IS NULL THEN d.person_id END) AS members_undeclared"
                                " FROM dues_month d JOIN org o ON o.id = d.org_id"
                                " WHERE o.path >= ? AND o.path < ? AND d.month >= ? AND d.month <= ?",
                                "ttii", lo, hi, year * 100 + 1, year * 100 + 12);
    json_t *x = db_row_one_json(db,
                                "SELECT COALESCE(SUM(x.amount_fen), 0) AS extra_fen,"
                                " COALESCE(SUM(CASE WHEN x.upward = 1 THEN 1 ELSE 0 END), 0) AS extra_upward"
                                " FROM dues_extra x JOIN org o ON o.id = x.org_id"
                                " WHERE o.path >= ? AND o.path < ? AND x.paid_on >= ? AND x.paid_on <= ?",
                                "tttt", lo, hi, from, to);
    if (m == NULL || x == NULL) {
        json_decref(m);
        json_decref(x);
        return NULL;
    }
    json_object_update(m, x);
    json_decref(x);
    json_object_set_new(m, "collected_rate", json_rate(json_integer_value(json_object_get(m, "paid_fen")),
                                                       json_integer_value(json_object_get(m, "due_fen"))));
    return m;
}

static int dues_figures(api_req_t *req, api_reply_t *rep)
{
    return api_subtree_figures(req, rep, DUES_READ, dues_figures_of);
}

/* ---------------------------------------------------------------- the member's own */

static const field_t my_query[] = {
    {"year", F_INT, 0, 2000, 2100, NULL, 0},
    FIELDS_END,
};

/* GET /api/v1/my/dues?year=: the caller's own dues: member null when the
 * caller is no party member; else the year's declaration, the months (due,
 * paid), the arrears of every year (months and fen) and the extra payments. */
static int my_dues(api_req_t *req, api_reply_t *rep)
{
    int64_t person = req->who->person_id, year = 0;
    api_query_int(req, "year", api_today_ymd() / 10000, 2000, 2100, &year);
    json_t *member = person ? db_row_one_json(req->db,
                                              "SELECT m.person_id, p.name, m.status, m.joined_on, m.party_org_id,"
                                              " po.name AS party_org_name FROM party_member m"
                                              " JOIN person p ON p.id = m.person_id"
                                              " JOIN party_org po ON po.id = m.party_org_id WHERE m.person_id = ?",
                                              "i", person)
                            : NULL;
    if (member == NULL)
        return api_json(rep, 200, json_pack("{s:n, s:I}", "member", "year", (json_int_t)year));
    json_t *decl = db_row_one_json(req->db,
                                   "SELECT year, category, base_fen, fixed_fen, rate_bp, monthly_fen"
                                   " FROM dues_declaration WHERE person_id = ? AND year <= ? ORDER BY year DESC LIMIT 1",
                                   "ii", person, year);
    json_t *months = db_rows_json(req->db,
                                  "SELECT d.month, d.due_fen, d.paid_fen, d.paid_on, d.channel, " MONTH_STATE " AS state"
                                  " FROM dues_month d WHERE d.person_id = ? AND d.month >= ? AND d.month <= ?"
                                  " ORDER BY d.month",
                                  "iii", person, year * 100 + 1, year * 100 + 12);
    json_t *arrears = db_row_one_json(req->db,
                                      "SELECT COUNT(*) AS months, COALESCE(SUM(due_fen - paid_fen), 0) AS owed_fen"
                                      " FROM dues_month WHERE person_id = ? AND paid_fen < due_fen AND month < ?",
                                      "ii", person, month_now());
    char from[16], to[16];
    snprintf(from, sizeof from, "%04d-01-01", (int)year);
    snprintf(to, sizeof to, "%04d-12-31", (int)year);
    json_t *extras = db_rows_json(req->db,
                          "SELECT paid_on, amount_fen, channel, upward FROM dues_extra WHERE person_id = ?"
                          " AND paid_on >= ? AND paid_on <= ? ORDER BY paid_on",
                          "itt", person, from, to);
    if (months == NULL || arrears == NULL || extras == NULL) {
        json_decref(member);
        json_decref(decl);
        json_decref(months);
        json_decref(arrears);
        json_decref(extras);
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    }
    size_t i;
    json_t *r;
    json_array_foreach(extras, i, r) extra_row(r);
    return api_json(rep, 200,
                    json_pack("{s:o, s:I, s:o, s:o, s:o, s:o}", "member", member, "year", (json_int_t)year,
                              "declaration", decl ? decl : json_null(), "months", months, "arrears", arrears, "extras",
                              extras));
}

/* ---------------------------------------------------------------- demo */

/* The norms of 中组发〔2008〕3号 at the city from 2008, with the one-off 1,000
 * yuan going upward and six months of arrears (党章 第三十八条). */
static const struct {
    const char *key, *value, *basis;
} demo_norms[] = {
    {"dues.in_service_bounds", "[3000,5000,10000]", "中组发〔2008〕3号"},
    {"dues.in_service_rates", "[0.5,1,1.5,2]", "中组发〔2008〕3号"},
    {"dues.retired_bounds", "[5000]", "中组发〔2008〕3号"},
    {"dues.retired_rates", "[0.5,1]", "中组发〔2008〕3号"},
    {"dues.fixed_fen", "{\"farmer_min\":20,\"farmer_max\":100,\"student\":20,\"unemployed\":20,\"dibao\":20}",
     "中组发〔2008〕3号"},
    {"dues.upward_fen", "100000", "中组发〔2008〕3号"},
    {"dues.arrears_months", "6", "中国共产党章程 第三十八条"},
};

/* A member's draw from the seed, 0-999 (SQL, both backends). */
#define DEMO_H "((m.person_id * 7919 + ?) % 1000)"

/* The demo city's dues: the norms, each member's declaration for the years of
 * the last twelve months (category from the member: in service, old enough to
 * be retired, at a village a farmer, young a student, a few unemployed or 低保;
 * bases on a grid of 50 values, so the amounts are computed once per value),
 * the twelve months before this one opened for every branch (paid on the 10th
 * but for 3% of members who stopped paying seven months ago and 6% two months
 * ago), a few extra payments and a decision on some members in arrears. */
int dues_demo(db_t *db, const write_ctx_t *w, unsigned long long seed)
{
    int64_t city = 0, h = (int64_t)(seed % 1000003);
    int rc = db_one_int(db, &city, "SELECT id FROM org WHERE level = 'city' ORDER BY id LIMIT 1", "");
    for (size_t i = 0; rc == DB_OK && i < sizeof demo_norms / sizeof demo_norms[0]; i++)
        rc = db_exec(db, NULL,
                     "INSERT INTO norm (org_id, key, year_from, value, basis, created_at, updated_at)"
                     " VALUES (?, ?, 2008, ?, ?, ?, ?)",
                     "itttii", city, demo_norms[i].key, demo_norms[i].value,
                     demo_norms[i].basis, w->now, w->now);
    char today[16];
    date_of(w->now, today);
    int64_t now_month = atoll(today) * 100 + atoll(today + 5), first = dues_month_add(now_month, -12);
    for (int64_t y = first / 100; rc == DB_OK && y <= dues_month_add(now_month, -1) / 100; y++)
        rc = db_exec(db, NULL,
                     "INSERT INTO dues_declaration (person_id, org_id, year, category, base_fen, fixed_fen,"
                     " created_at, updated_at)"
                     " SELECT person_id, org_id, ?, category,"
                     " CASE WHEN category = 'in_service' THEN 250000 + (h % 50) * 25000"
                     " WHEN category = 'retired' THEN 200000 + (h % 50) * 10000 END,"
                     " CASE WHEN category = 'farmer' THEN 20 + (h % 5) * 20 END, ?, ?"
                     " FROM (SELECT m.person_id, po.org_id, " DEMO_H " AS h,"
                     " CASE WHEN m.in_service = 1 THEN 'in_service' WHEN p.birth_year < 1966 THEN 'retired'"
                     " WHEN o.kind = 'village' THEN 'farmer' WHEN p.birth_year > 2002 THEN 'student'"
                     " WHEN " DEMO_H " % 10 = 0 THEN 'dibao' WHEN " DEMO_H " % 10 = 1 THEN 'unemployed'"
                     " ELSE 'in_service' END AS category"
                     " FROM party_member m JOIN party_org po ON po.id = m.party_org_id JOIN org o ON o.id = po.org_id"
                     " JOIN person p ON p.id = m.person_id) x",
                     "iiiiii", y, w->now, w->now, h, h, h);
    /* Each distinct declaration's amount, by the rules as the norms give them. */
    json_t *kinds = rc == DB_OK ? db_rows_json(db,
                                               "SELECT DISTINCT year, category, COALESCE(base_fen, -1) AS base,"
                                               " COALESCE(fixed_fen, -1) AS fixed FROM dues_declaration",
                                               "")
                                : NULL;
    if (rc == DB_OK && kinds == NULL)
        rc = DB_ERR;
    size_t i;
    json_t *k;
    json_array_foreach(kinds, i, k) {
        if (rc != DB_OK)
            break;
        int year = (int)json_integer_value(json_object_get(k, "year"));
        const char *category = json_string_value(json_object_get(k, "category"));
        int64_t base = json_integer_value(json_object_get(k, "base")), fixed = json_integer_value(json_object_get(k, "fixed"));
        dues_category_t c = dues_category_from_name(category);
        int64_t monthly = fixed, rate = 0;
        if (dues_category_has_base(c)) {
            dues_steps_t s;
            rc = c == DUES_IN_SERVICE
                     ? steps_load(db, "dues.in_service_bounds", "dues.in_service_rates", city, year, &s)
                     : steps_load(db, "dues.retired_bounds", "dues.retired_rates", city, year, &s);
            rate = rc == DB_OK ? dues_rate_bp(&s, base) : 0;
            monthly = dues_percent_fen(base, rate);
        } else if (c != DUES_FARMER) {
            monthly = 20;
        }
        if (rc == DB_OK)
            rc = db_exec(db, NULL,
                         "UPDATE dues_declaration SET monthly_fen = ?, rate_bp = ? WHERE year = ? AND category = ?"
                         " AND COALESCE(base_fen, -1) = ? AND COALESCE(fixed_fen, -1) = ?",
                         "iIitii", monthly, rate, (int64_t)year, category, base, fixed);
    }
    json_decref(kinds);
    for (int n = 12; rc == DB_OK && n >= 1; n--) {
        int64_t month = dues_month_add(now_month, -n);
        char paid_on[16];
        snprintf(paid_on, sizeof paid_on, "%04d-%02d-10", (int)(month / 100), (int)(month % 100));
        /* paid: 91% always; 6% stopped two months ago; 3% seven months ago */
        int64_t paid_recent = n > 2, paid_old = n > 7;
        rc = db_exec(db, NULL,
                     "INSERT INTO dues_month (person_id, party_org_id, org_id, month, due_fen, paid_fen, paid_on,"
                     " channel, updated_at)"
                     " SELECT person_id, party_org_id, org_id, ?, due, CASE WHEN paid = 1 THEN due ELSE 0 END,"
                     " CASE WHEN paid = 1 THEN ? END,"
                     " CASE WHEN paid = 1 THEN CASE h % 5 WHEN 0 THEN 'cash' WHEN 1 THEN 'bank' WHEN 2 THEN 'wechat'"
                     " WHEN 3 THEN 'alipay' ELSE 'payroll' END END, ?"
                     " FROM (SELECT m.person_id, m.party_org_id, po.org_id, " DEMO_H " AS h, " DECLARED_DUE " AS due,"
                     " CASE WHEN " DEMO_H " % 100 >= 9 THEN 1 WHEN " DEMO_H " % 100 >= 3 THEN ? ELSE ? END AS paid"
                     " FROM party_member m JOIN party_org po ON po.id = m.party_org_id"
                     " WHERE " MONTH_OF("m.joined_on") " <= ?) x",
                     "itiiiiiiii", month, paid_on, w->now, h, month / 100, h, h, paid_recent, paid_old, month);
    }
    /* Extra payments: 2% of members, half of them 1,200 yuan (upward), half 200. */
    char on[16];
    snprintf(on, sizeof on, "%04d-%02d-15", (int)(dues_month_add(now_month, -3) / 100),
             (int)(dues_month_add(now_month, -3) % 100));
    if (rc == DB_OK)
        rc = db_exec(db, NULL,
                     "INSERT INTO dues_extra (person_id, org_id, paid_on, amount_fen, channel, upward, created_at,"
                     " updated_at)"
                     " SELECT m.person_id, po.org_id, ?, CASE WHEN " DEMO_H " % 100 = 11 THEN 120000 ELSE 20000 END,"
                     " 'bank', CASE WHEN " DEMO_H " % 100 = 11 THEN 1 ELSE 0 END, ?, ?"
                     " FROM party_member m JOIN party_org po ON po.id = m.party_org_id"
                     " WHERE " DEMO_H " % 50 = 11",
                     "tiiiii", on, h, h, w->now, w->now, h);
    /* The branch talked to a third of those long in arrears (批评教育). */
    snprintf(on, sizeof on, "%04d-%02d-01", (int)(now_month / 100), (int)(now_month % 100));
    if (rc == DB_OK)
        rc = db_exec(db, NULL,
                     "INSERT INTO dues_decision (person_id, org_id, decision, decided_on, note, created_at, updated_at)"
                     " SELECT m.person_id, po.org_id, 'educate', ?, NULL, ?, ?"
                     " FROM party_member m JOIN party_org po ON po.id = m.party_org_id WHERE " DEMO_H " % 100 = 0",
                     "tiii", on, w->now, w->now, h);
    return rc;
}

/* ---------------------------------------------------------------- the table */

const op_t dues_ops[] = {
    RESOURCE_OPS(decl_res, decl_entity, "/api/v1/dues-declarations", "dues_declarations", DUES_READ, DUES_WRITE,
                 decl_create, decl_update, decl_query),
    {OP(HTTP_POST, "/api/v1/dues-sheets", "dues_sheets.open", PERM(DUES_WRITE), RF_BODY | RF_WRITES, dues_sheet_open),
     .body = sheet_fields},
    {OP(HTTP_GET, "/api/v1/dues-months", "dues_months.list", PERM(DUES_READ), RF_PAGED, res_list), .res = &month_res,
     .query = month_query},
    {OP(HTTP_GET, "/api/v1/dues-months/export", "dues_months.export", PERM(DUES_READ), RF_WRITES, month_export),
     .res = &month_res, .query = month_query},
    {OP(HTTP_GET, "/api/v1/dues-months/{id}", "dues_months.get", PERM(DUES_READ), 0, res_get), .res = &month_res,
     .entity = &month_entity},
    {OP(HTTP_PATCH, "/api/v1/dues-months/{id}", "dues_months.update", PERM(DUES_WRITE), RF_BODY | RF_WRITES,
        res_update),
     .res = &month_res, .body = month_update, .entity = &month_entity},
    RESOURCE_OPS(extra_res, extra_entity, "/api/v1/dues-extras", "dues_extras", DUES_READ, DUES_WRITE, extra_create,
                 extra_update, extra_query),
    RESOURCE_OPS(decision_res, decision_entity, "/api/v1/dues-decisions", "dues_decisions", DUES_READ, DUES_WRITE,
                 decision_create, decision_update, decision_query),
    {OP(HTTP_GET, "/api/v1/dues-arrears", "dues_arrears.list", PERM(DUES_READ), 0, dues_arrears),
     .query = arrears_query},
    {OP(HTTP_GET, "/api/v1/dues-report", "dues_report.get", PERM(DUES_READ), 0, dues_report), .query = report_query},
    {OP(HTTP_GET, "/api/v1/dues-report/export", "dues_report.export", PERM(DUES_READ), RF_WRITES, dues_report_export),
     .query = report_query},
    {OP(HTTP_GET, "/api/v1/dues-figures", "dues_figures.get", PERM(DUES_READ), 0, dues_figures),
     .query = subtree_figures_query},
    {OP(HTTP_GET, "/api/v1/my/dues", "my_dues.get", USER, 0, my_dues), .query = my_query},
    OPS_END,
};
