/* 结对共建 and purchased social services (两委两站, 政府购买服务): docs/partner.md.
 *
 * Pairings: an agency (a resident unit of type agency, through its party
 * organisation) paired with a community for a year, with the agreement's items
 * (what, when, who). Staff over the community (or above) create pairings and
 * items (party.write); the agency's own accounts (a unit grant over it) or the
 * community's staff report an item done (date, note, files); the community's
 * staff confirm it. Figures per node and per agency: items, done, confirmed,
 * overdue, completion rate.
 *
 * Contracts: a community or street buys a service from a social-work
 * organisation (a unit of type social_organisation) for a period and an amount
 * (fen), for beneficiaries (residents of its subtree) with contracted
 * quantities (visits per beneficiary per month, minutes per visit). Visits are
 * entered by the organisation's own accounts or the purchaser's staff.
 * Figures: contracted against delivered, satisfaction, amount.
 *
 * Personal data: a beneficiary is answered by id, name (as the persons' pages
 * show it) and tags; never an ID or phone number. No summary holds a name. */
#include "api/handlers.h"
#include "api/op.h"
#include "api/internal.h"
#include "api/list.h"

#include <stdlib.h>
#include <string.h>

#include "core/path.h"
#include "core/random.h"
#include "core/role.h"
#include "lib/util.h"

#define PAIRING_READ PERM_PARTY_READ
#define PAIRING_WRITE PERM_PARTY_WRITE
#define CONTRACT_READ PERM_PEOPLE_READ
#define CONTRACT_WRITE PERM_ORG_WRITE
#define VISIT_WRITE PERM_PEOPLE_WRITE

const char *const contract_services[] = {"home_elderly_care", "housekeeping", "community_care", "disability_support",
                                         "child_care", "other", NULL};
/* Their words in an export (the console's contractService words). */
static const char *const contract_service_words[] = {"居家养老", "家政便民", "社区照料", "助残服务", "儿童关爱", "其他"};
const char *const pairing_item_states[] = {"open", "done", "confirmed", NULL};

/* A unit grant of who over unit (the unit's own accounts: unit_staff). */
static int unit_side(const principal_t *who, int64_t unit)
{
    return access_covers_unit(who, PERM_ORG_READ, unit);
}

/* The rows under [lo, hi) or at one of the caller's units (column unit_col):
 * what a list or a scope shows to staff and to a unit's own accounts. */
#define SEEN_OR_UNIT(path, unit_col)                                                                                   \
    "((" path " >= ? AND " path " < ?) OR " unit_col                                                                   \
    " IN (" UNITS_OF_USER "))"

/* A list's range for perm: ?org='s subtree (404 naming org when out of scope),
 * else the caller's widest grant, else none ("~": a unit's own accounts). */
static int seen_range(api_req_t *req, api_reply_t *rep, uint32_t perm, char *lo, char *hi)
{
    int64_t org = 0;
    api_query_int(req, "org", 0, 1, INT64_MAX, &org);
    int rc = access_list_range(req->db, req->who, perm, org, lo, hi);
    if (rc == DB_NOTFOUND && org == 0) {
        str_copy(lo, ACCESS_PATH_MAX, "~");
        str_copy(hi, ACCESS_PATH_MAX, "~");
        return 0;
    }
    return rc == DB_OK ? 0 : api_db_error(rep, req->lang, rc, "org");
}

/* An org input of a given level set: 0, or -1 with rep set (404 naming field out of scope; 400 a wrong level). */
static int org_of_level(db_t *db, const write_ctx_t *w, uint32_t perm, int64_t org, int street_too, const char *field,
                        err_t wrong, api_reply_t *rep)
{
    char level[16] = "";
    if (api_org_input(db, w, perm, org, field, rep) != 0)
        return -1;
    int rc = db_one_text(db, level, sizeof level, "SELECT level FROM org WHERE id = ?", "i", org);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, field);
    if (strcmp(level, "community") != 0 && !(street_too && strcmp(level, "street") == 0))
        return api_fail(rep, w->lang, wrong, field);
    return 0;
}

/* A unit input of type: 0, or -1 with rep set (404 naming field when missing; 400 another type). */
static int unit_of_type(db_t *db, const write_ctx_t *w, int64_t unit, const char *type, const char *field, err_t wrong,
                        api_reply_t *rep)
{
    char t[32] = "";
    int rc = db_one_text(db, t, sizeof t, "SELECT type FROM unit WHERE id = ?", "i", unit);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, field);
    return strcmp(t, type) == 0 ? 0 : api_fail(rep, w->lang, wrong, field);
}

/* ================================================================ pairings */

typedef struct {
    uint64_t given;
    int64_t org_id, unit_id, party_org_id, year;
    const char *note;
} pairing_in_t;

static const field_t pairing_fields[] = {
    IN(pairing_in_t, org_id, F_INT, 1, 1, INT64_MAX, NULL),
    IN(pairing_in_t, unit_id, F_INT, 1, 1, INT64_MAX, NULL),
    IN(pairing_in_t, party_org_id, F_INT, 0, 1, INT64_MAX, NULL),
    IN(pairing_in_t, year, F_INT, 1, 2000, 2100, NULL),
    IN(pairing_in_t, note, F_BLOCK, 0, 1, 1000, NULL),
    FIELDS_END,
};

#define ITEM_DONE "i.state IN ('done', 'confirmed')"
#define PAIRING_COLUMNS                                                                                                \
    "SELECT p.id, p.org_id, o.name AS org_name, p.unit_id, u.name AS unit_name, p.party_org_id,"                       \
    " po.name AS party_org_name, p.year, p.note, p.created_at, p.updated_at, p.version,"                              \
    " (SELECT COUNT(*) FROM pairing_item i WHERE i.pairing_id = p.id) AS items,"                                       \
    " (SELECT COUNT(*) FROM pairing_item i WHERE i.pairing_id = p.id AND " ITEM_DONE ") AS items_done,"               \
    " (SELECT COUNT(*) FROM pairing_item i WHERE i.pairing_id = p.id AND i.state = 'open' AND i.due_on < ?)"          \
    " AS items_overdue"
#define PAIRING_FROM                                                                                                   \
    " FROM pairing p JOIN org o ON o.id = p.org_id JOIN unit u ON u.id = p.unit_id"                                    \
    " LEFT JOIN party_org po ON po.id = p.party_org_id"

static void pairing_row(json_t *row, void *ctx)
{
    (void)ctx;
    json_object_set_new(row, "completion_rate", json_rate(json_integer_value(json_object_get(row, "items_done")),
                                                          json_integer_value(json_object_get(row, "items"))));
}

/* A pairing's community or a contract's purchaser (its path) and its unit. */
typedef struct {
    int64_t id, org, unit;
    char path[ACCESS_PATH_MAX];
} pairing_at_t;

/* Row id of table ("pairing", "service_contract": both have org_id and unit_id). */
static int node_unit_load(db_t *db, int contract, int64_t id, pairing_at_t *p)
{
    p->id = id;
    p->org = p->unit = 0;
    int rc = db_one_int(db, &p->org,
                        contract ? "SELECT org_id FROM service_contract WHERE id = ?" : "SELECT org_id FROM pairing WHERE id = ?",
                        "i", id);
    if (rc == DB_OK)
        rc = db_one_int(db, &p->unit,
                        contract ? "SELECT unit_id FROM service_contract WHERE id = ?"
                                 : "SELECT unit_id FROM pairing WHERE id = ?",
                        "i", id);
    if (rc == DB_OK)
        rc = org_brief(db, p->org, p->path, sizeof p->path, NULL, 0);
    return rc;
}

static int pairing_load(db_t *db, int64_t id, pairing_at_t *p)
{
    return node_unit_load(db, 0, id, p);
}

/* Who sees a pairing or contract: perm over its node, or its unit's own accounts. */
static int node_unit_scope(db_t *db, const principal_t *who, int contract, uint32_t perm, int64_t id, int64_t *org)
{
    pairing_at_t p;
    int rc = node_unit_load(db, contract, id, &p);
    *org = p.org;
    if (rc != DB_OK)
        return rc;
    return access_covers(who, perm, p.path) || unit_side(who, p.unit) ? DB_OK : DB_NOTFOUND;
}

static int pairing_scope(db_t *db, const principal_t *who, int64_t id, int64_t *org)
{
    return node_unit_scope(db, who, 0, PAIRING_READ, id, org);
}

static int item_pairing(db_t *db, int64_t item, int64_t *pairing)
{
    return db_one_int(db, pairing, "SELECT pairing_id FROM pairing_item WHERE id = ?", "i", item);
}

static int item_scope(db_t *db, const principal_t *who, int64_t id, int64_t *org)
{
    int64_t pairing = 0;
    int rc = item_pairing(db, id, &pairing);
    return rc == DB_OK ? pairing_scope(db, who, pairing, org) : rc;
}

/* May who report an item of p done: the agency's accounts or the community's staff. */
static int may_report(const principal_t *who, const pairing_at_t *p)
{
    return unit_side(who, p->unit) || access_covers(who, PAIRING_WRITE, p->path);
}

/* May who confirm one (or add items): the community's staff or above. */
static int may_confirm(const principal_t *who, const pairing_at_t *p)
{
    return access_covers(who, PAIRING_WRITE, p->path);
}

static json_t *pairing_json(db_t *db, const principal_t *who, int64_t id)
{
    char today[16];
    date_today(today);
    pairing_at_t p;
    if (pairing_load(db, id, &p) != DB_OK)
        return NULL;
    json_t *row = db_row_one_json(db, PAIRING_COLUMNS PAIRING_FROM " WHERE p.id = ?", "ti", today, id);
    json_t *items = db_rows_json(db,
                                 "SELECT i.id, i.content, i.due_on, i.responsible, i.state, i.done_on, i.done_note,"
                                 " du.display_name AS done_by_name, i.done_at, cu.display_name AS confirmed_by_name,"
                                 " i.confirmed_at, i.version,"
                                 " CASE WHEN i.state = 'open' AND i.due_on < ? THEN 1 ELSE 0 END AS overdue"
                                 " FROM pairing_item i LEFT JOIN app_user du ON du.id = i.done_by"
                                 " LEFT JOIN app_user cu ON cu.id = i.confirmed_by WHERE i.pairing_id = ?"
                                 " ORDER BY i.due_on, i.id",
                                 "ti", today, id);
    if (row == NULL || items == NULL) {
        json_decref(row);
        json_decref(items);
        return NULL;
    }
    pairing_row(row, NULL);
    int report = may_report(who, &p), confirm = may_confirm(who, &p);
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it) {
        const char *state = json_string_value(json_object_get(it, "state"));
        json_object_set_new(it, "overdue", json_boolean(json_integer_value(json_object_get(it, "overdue")) != 0));
        json_object_set_new(it, "can",
                            json_pack("{s:b, s:b}", "done", report && strcmp(state, "open") == 0, "confirm",
                                      confirm && strcmp(state, "done") == 0));
    }
    json_object_set_new(row, "items_list", items);
    json_object_set_new(row, "can", json_pack("{s:b}", "add_item", confirm));
    return row;
}

static int answer_pairing(db_t *db, const write_ctx_t *w, int rc, int64_t id, int status, api_reply_t *rep)
{
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    json_t *p = pairing_json(db, &w->who, id);
    return p ? api_json(rep, status, p) : api_db_error(rep, w->lang, DB_ERR, NULL);
}

static int pairing_create_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    pairing_in_t in = {0};
    api_input_fill(pairing_fields, data, &in);
    if (org_of_level(db, w, PAIRING_WRITE, in.org_id, 0, "org_id", E_PAIRING_NOT_COMMUNITY, rep) != 0 ||
        unit_of_type(db, w, in.unit_id, "agency", "unit_id", E_PAIRING_NOT_AGENCY, rep) != 0)
        return -1;
    int64_t n = 0;
    int rc = DB_OK;
    if (in.party_org_id) {
        rc = db_one_int(db, &n, "SELECT COUNT(*) FROM party_org WHERE id = ? AND unit_id = ?", "ii", in.party_org_id,
                        in.unit_id);
        if (rc == DB_OK && n == 0)
            return api_fail(rep, w->lang, E_PAIRING_PARTY_ORG, "party_org_id");
    } else { /* not named: the agency's (first) party organisation, if it has one */
        rc = db_one_int(db, &in.party_org_id, "SELECT COALESCE(MIN(id), 0) FROM party_org WHERE unit_id = ?", "i",
                        in.unit_id);
    }
    if (rc == DB_OK)
        rc = db_one_int(db, &n, "SELECT COUNT(*) FROM pairing WHERE org_id = ? AND unit_id = ? AND year = ?", "iii",
                        in.org_id, in.unit_id, in.year);
    if (rc == DB_OK && n > 0)
        return api_fail(rep, w->lang, E_PAIRING_EXISTS, "unit_id");
    int64_t id = 0;
    if (rc == DB_OK)
        rc = db_one_int(db, &id,
                        "INSERT INTO pairing (org_id, unit_id, party_org_id, year, note, created_by, created_at,"
                        " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                        "iiIitIii", in.org_id, in.unit_id, in.party_org_id, in.year, in.note, w->who.user_id, w->now,
                        w->now);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "pairing.created", "pairing", id, in.org_id,
                              json_pack("{s:I, s:I}", "unit_id", (json_int_t)in.unit_id, "year", (json_int_t)in.year));
    return answer_pairing(db, w, rc, id, 201, rep);
}

DEFER_BODY(pairing_create, pairing_create_write)

static int pairing_get(api_req_t *req, api_reply_t *rep)
{
    json_t *p = pairing_json(req->db, req->who, req->params[0]);
    return p ? api_json(rep, 200, p) : api_db_error(rep, req->lang, DB_NOTFOUND, "pairing");
}

/* ---------------------------------------------------------------- items */

typedef struct {
    uint64_t given;
    const char *content, *due_on, *responsible;
} item_in_t;

static const field_t item_fields[] = {
    IN(item_in_t, content, F_BLOCK, 1, 1, 500, NULL),
    IN(item_in_t, due_on, F_DATE, 1, 20000101, 5, NULL),
    IN(item_in_t, responsible, F_NAME, 1, 1, 64, NULL),
    FIELDS_END,
};

static int item_add_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    item_in_t in = {0};
    api_input_fill(item_fields, data, &in);
    pairing_at_t p;
    int64_t year = 0, id = 0;
    int rc = pairing_load(db, w->id, &p);
    if (rc == DB_OK)
        rc = db_one_int(db, &year, "SELECT year FROM pairing WHERE id = ?", "i", p.id);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "pairing");
    if (!may_confirm(&w->who, &p))
        return api_db_error(rep, w->lang, DB_NOTFOUND, "pairing");
    if (atoi(in.due_on) != year)
        return api_fail(rep, w->lang, E_PAIRING_ITEM_YEAR, "due_on");
    rc = db_one_int(db, &id,
                    "INSERT INTO pairing_item (pairing_id, content, due_on, responsible, created_at, updated_at)"
                    " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                    "itttii", p.id, in.content, in.due_on, in.responsible, w->now, w->now);
    if (rc == DB_OK)
        rc = db_exec(db, NULL, "UPDATE pairing SET updated_at = ?, version = version + 1 WHERE id = ?", "ii", w->now,
                     p.id);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "pairing.item_added", "pairing", p.id, p.org,
                              json_pack("{s:I, s:s}", "item_id", (json_int_t)id, "due_on", in.due_on));
    return answer_pairing(db, w, rc, p.id, 201, rep);
}

DEFER_BODY(pairing_item_add, item_add_write)

typedef struct {
    uint64_t given;
    const char *done_on, *note;
    int64_t version;
} done_in_t;

static const field_t done_fields[] = {
    IN(done_in_t, done_on, F_DATE, 1, 20000101, 0, NULL),
    IN(done_in_t, note, F_BLOCK, 0, 1, 1000, NULL),
    IN(done_in_t, version, F_INT, 1, 1, INT64_MAX, NULL),
    FIELDS_END,
};

static const field_t confirm_fields[] = {
    IN(done_in_t, version, F_INT, 1, 1, INT64_MAX, NULL),
    FIELDS_END,
};

/* The item named in the path, its pairing and state, checked for who and from. */
static int item_move_check(db_t *db, const write_ctx_t *w, const json_t *data, const char *from, int confirm,
                           pairing_at_t *p, api_reply_t *rep)
{
    int64_t pairing = 0;
    char state[16] = "";
    int rc = item_pairing(db, w->id, &pairing);
    if (rc == DB_OK)
        rc = pairing_load(db, pairing, p);
    if (rc == DB_OK)
        rc = db_one_text(db, state, sizeof state, "SELECT state FROM pairing_item WHERE id = ?", "i", w->id);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "pairing_item");
    if (strcmp(state, from) != 0)
        return api_fail(rep, w->lang, E_PAIRING_ITEM_STATE, "state");
    if (confirm ? !may_confirm(&w->who, p) : !may_report(&w->who, p))
        return api_fail(rep, w->lang, confirm ? E_PAIRING_CONFIRM_FORBIDDEN : E_PAIRING_REPORT_FORBIDDEN, NULL);
    return api_check_version(db, w, "SELECT version FROM pairing_item WHERE id = ?", w->id, data, rep);
}

static int item_done_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    done_in_t in = {0};
    api_input_fill(done_fields, data, &in);
    pairing_at_t p;
    if (item_move_check(db, w, data, "open", 0, &p, rep) != 0)
        return -1;
    int rc = db_exec(db, NULL,
                     "UPDATE pairing_item SET state = 'done', done_on = ?, done_note = ?, done_by = ?, done_at = ?,"
                     " updated_at = ?, version = version + 1 WHERE id = ?",
                     "ttIiii", in.done_on, in.note, w->who.user_id, w->now, w->now, w->id);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "pairing.item_done", "pairing", p.id, p.org,
                              json_pack("{s:I, s:s}", "item_id", (json_int_t)w->id, "done_on", in.done_on));
    return answer_pairing(db, w, rc, p.id, 200, rep);
}

DEFER_BODY(pairing_item_done, item_done_write)

static int item_confirm_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    pairing_at_t p;
    if (item_move_check(db, w, data, "done", 1, &p, rep) != 0)
        return -1;
    int rc = db_exec(db, NULL,
                     "UPDATE pairing_item SET state = 'confirmed', confirmed_by = ?, confirmed_at = ?, updated_at = ?,"
                     " version = version + 1 WHERE id = ?",
                     "Iiii", w->who.user_id, w->now, w->now, w->id);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "pairing.item_confirmed", "pairing", p.id, p.org,
                              json_pack("{s:I}", "item_id", (json_int_t)w->id));
    return answer_pairing(db, w, rc, p.id, 200, rep);
}

DEFER_BODY(pairing_item_confirm, item_confirm_write)

/* An item's files: the evidence of its completion (attachment.c). Seen by whoever
 * sees the pairing; added and removed by whoever may report it done, until confirmed. */
static int item_files_writable(db_t *db, const principal_t *who, int64_t id, int removing)
{
    (void)removing;
    int64_t pairing = 0;
    char state[16] = "";
    pairing_at_t p;
    int rc = item_pairing(db, id, &pairing);
    if (rc == DB_OK)
        rc = pairing_load(db, pairing, &p);
    if (rc == DB_OK)
        rc = db_one_text(db, state, sizeof state, "SELECT state FROM pairing_item WHERE id = ?", "i", id);
    if (rc != DB_OK)
        return -1;
    if (!may_report(who, &p))
        return E_ATTACHMENT_FORBIDDEN;
    return strcmp(state, "confirmed") == 0 ? E_ATTACHMENT_LOCKED : 0;
}

const attach_owner_t pairing_item_files = {"pairing_item", "pairing_item", item_scope, item_files_writable};

/* ---------------------------------------------------------------- lists */

static const field_t pairing_query[] = {
    {"org", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"year", F_INT, 0, 2000, 2100, NULL, 0},
    {"unit", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"overdue", F_BOOL, 0, 0, 0, NULL, 0},
    {"item_state", F_ENUM, 0, 0, 0, pairing_item_states, 0},
    FIELDS_END,
};

static const api_sort_t pairing_sorts[] = {
    {"year", "p.year", 0, NULL},
    {"org_name", "o.name", 0, NULL},
    {"unit_name", "u.name", 0, NULL},
    {NULL, NULL, 0, NULL},
};

/* The pairings' conditions of the request (the list and its export). */
static int pairing_where(api_req_t *req, api_reply_t *rep, api_list_t *l, char *today)
{
    char lo[ACCESS_PATH_MAX], hi[ACCESS_PATH_MAX];
    if (seen_range(req, rep, PAIRING_READ, lo, hi) != 0)
        return -1;
    date_today(today);
    api_list_begin(l, PAIRING_COLUMNS, PAIRING_FROM, "p.id", NULL);
    l->column_arg = today;
    l->row = pairing_row;
    api_list_where(l, SEEN_OR_UNIT("o.path", "p.unit_id"), "tti", lo, hi, req->who->user_id);
    int64_t year = 0, unit = 0, overdue = 0;
    api_query_int(req, "year", 0, 2000, 2100, &year);
    api_query_int(req, "unit", 0, 1, INT64_MAX, &unit);
    api_query_int(req, "overdue", 0, 0, 1, &overdue);
    if (year)
        api_list_where(l, "p.year = ?", "i", year);
    if (unit)
        api_list_where(l, "p.unit_id = ?", "i", unit);
    if (overdue)
        api_list_where(l, "EXISTS (SELECT 1 FROM pairing_item i WHERE i.pairing_id = p.id AND i.state = 'open'"
                          " AND i.due_on < ?)", "t", today);
    char *state = api_query(req, "item_state");
    if (state)
        api_list_where(l, "EXISTS (SELECT 1 FROM pairing_item i WHERE i.pairing_id = p.id AND i.state = ?)", "t", state);
    free(state);
    return 0;
}

/* GET /api/v1/pairings: the pairings of communities under ?org= (else the
 * caller's scope) and of the caller's own agency. */
static int pairing_list(api_req_t *req, api_reply_t *rep)
{
    char today[16];
    api_list_t l;
    if (pairing_where(req, rep, &l, today) != 0)
        return -1;
    return api_list_answer(req, rep, &l);
}

/* GET /api/v1/pairings/export: the same list as a workbook (结对共建), audited. */
static int pairing_export(api_req_t *req, api_reply_t *rep)
{
    static const list_col_t cols[] = {
        {"id", "编号", NULL, NULL},
        {"year", "年度", NULL, NULL},
        {"org_name", "结对社区", NULL, NULL},
        {"unit_name", "结对单位", NULL, NULL},
        {"party_org_name", "单位党组织", NULL, NULL},
        {"items", "协议事项", NULL, NULL},
        {"items_done", "已完成", NULL, NULL},
        {"items_overdue", "逾期未完成", NULL, NULL},
        {"completion_rate", "完成率", NULL, NULL},
        {NULL, NULL, NULL, NULL},
    };
    char today[16];
    api_list_t l;
    return pairing_where(req, rep, &l, today) != 0 ? -1 : api_list_export(req, rep, &l, "结对共建", cols, "pairings");
}

/* ---------------------------------------------------------------- figures */

#define PAIRING_FIGURES                                                                                                \
    "COUNT(DISTINCT p.id) AS pairings, COUNT(i.id) AS items,"                                                          \
    " COALESCE(SUM(CASE WHEN " ITEM_DONE " THEN 1 ELSE 0 END), 0) AS items_done,"                                     \
    " COALESCE(SUM(CASE WHEN i.state = 'confirmed' THEN 1 ELSE 0 END), 0) AS items_confirmed,"                        \
    " COALESCE(SUM(CASE WHEN i.state = 'open' AND i.due_on < ? THEN 1 ELSE 0 END), 0) AS items_overdue"

static void rate_of(json_t *f)
{
    json_object_set_new(f, "completion_rate", json_rate(json_integer_value(json_object_get(f, "items_done")),
                                                        json_integer_value(json_object_get(f, "items"))));
}

/* The pairings of year of the communities in [lo, hi): pairings, their items,
 * done (reported or confirmed), confirmed, overdue (open past the due date), completion rate. */
json_t *pairing_figures_of(db_t *db, const principal_t *who, const char *lo, const char *hi, int64_t year,
                           const char *today)
{
    (void)who;
    json_t *f = db_row_one_json(db,
                                "SELECT " PAIRING_FIGURES " FROM pairing p JOIN org o ON o.id = p.org_id"
                                " LEFT JOIN pairing_item i ON i.pairing_id = p.id"
                                " WHERE o.path >= ? AND o.path < ? AND p.year = ?",
                                "ttti", today, lo, hi, year);
    if (f)
        rate_of(f);
    return f;
}

static int pairing_figures(api_req_t *req, api_reply_t *rep)
{
    return api_subtree_figures(req, rep, PAIRING_READ, pairing_figures_of);
}

/* GET /api/v1/pairing-agency-figures?org=&year=: per agency paired with the
 * communities under the node: its communities and the figures of its items. */
static int pairing_agency_figures(api_req_t *req, api_reply_t *rep)
{
    int64_t org = 0, year = 0;
    api_query_int(req, "org", 0, 1, INT64_MAX, &org);
    api_query_int(req, "year", api_today_ymd() / 10000, 2000, 2100, &year);
    char lo[ACCESS_PATH_MAX], hi[ACCESS_PATH_MAX], today[16];
    int rc = access_org(req->db, req->who, PAIRING_READ, org, lo, sizeof lo);
    if (rc == DB_OK && path_subtree_upper(hi, sizeof hi, lo) != 0)
        rc = DB_ERR;
    if (rc != DB_OK)
        return api_db_error(rep, req->lang, rc, "org");
    date_today(today);
    json_t *rows = db_rows_json(req->db,
                                "SELECT u.id AS unit_id, u.name AS unit_name, COUNT(DISTINCT p.org_id) AS communities, "
                                PAIRING_FIGURES " FROM pairing p JOIN org o ON o.id = p.org_id"
                                " JOIN unit u ON u.id = p.unit_id LEFT JOIN pairing_item i ON i.pairing_id = p.id"
                                " WHERE o.path >= ? AND o.path < ? AND p.year = ? GROUP BY u.id, u.name"
                                " ORDER BY u.name, u.id",
                                "ttti", today, lo, hi, year);
    if (rows == NULL)
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) rate_of(r);
    return api_json(rep, 200, json_pack("{s:I, s:I, s:o}", "org_id", (json_int_t)org, "year", (json_int_t)year,
                                        "agencies", rows));
}

/* ================================================================ contracts */

typedef struct {
    uint64_t given;
    int64_t org_id, unit_id;
    const char *title, *service, *start_on, *end_on;
    int64_t amount_fen, visits_per_month, minutes_per_visit;
    const json_t *person_ids;
} contract_in_t;

#define PERSON_IDS_MAX 500

static const field_t contract_fields[] = {
    IN(contract_in_t, org_id, F_INT, 1, 1, INT64_MAX, NULL),
    IN(contract_in_t, unit_id, F_INT, 1, 1, INT64_MAX, NULL),
    IN(contract_in_t, title, F_NAME, 1, 1, 100, NULL),
    IN(contract_in_t, service, F_ENUM, 1, 0, 0, contract_services),
    IN(contract_in_t, start_on, F_DATE, 1, 20000101, 10, NULL),
    IN(contract_in_t, end_on, F_DATE, 1, 20000101, 10, NULL),
    IN(contract_in_t, amount_fen, F_INT, 1, 0, 100000000000LL, NULL),
    IN(contract_in_t, visits_per_month, F_INT, 1, 0, 100, NULL),
    IN(contract_in_t, minutes_per_visit, F_INT, 1, 0, 1440, NULL),
    IN(contract_in_t, person_ids, F_IDS, 0, 0, PERSON_IDS_MAX, NULL),
    FIELDS_END,
};

typedef struct {
    uint64_t given;
    const json_t *person_ids;
} beneficiaries_in_t;

static const field_t beneficiaries_fields[] = {
    IN(beneficiaries_in_t, person_ids, F_IDS, 1, 1, PERSON_IDS_MAX, NULL),
    FIELDS_END,
};

/* Months the period covers (its first and last month counted whole). */
#define CONTRACT_MONTHS                                                                                                \
    "((CAST(substr(c.end_on, 1, 4) AS INTEGER) - CAST(substr(c.start_on, 1, 4) AS INTEGER)) * 12"                     \
    " + CAST(substr(c.end_on, 6, 2) AS INTEGER) - CAST(substr(c.start_on, 6, 2) AS INTEGER) + 1)"
#define CONTRACT_BENEFICIARIES "(SELECT COUNT(*) FROM service_beneficiary b WHERE b.contract_id = c.id)"
#define CONTRACTED_VISITS "(" CONTRACT_BENEFICIARIES " * " CONTRACT_MONTHS " * c.visits_per_month)"
#define CONTRACT_COLUMNS                                                                                               \
    "SELECT c.id, c.org_id, o.name AS org_name, c.unit_id, u.name AS unit_name, c.title, c.service, c.start_on,"       \
    " c.end_on, c.amount_fen, c.visits_per_month, c.minutes_per_visit, c.created_at, c.updated_at, c.version,"        \
    " " CONTRACT_MONTHS " AS months, " CONTRACT_BENEFICIARIES " AS beneficiaries,"                                     \
    " " CONTRACTED_VISITS " AS contracted_visits,"                                                                     \
    " " CONTRACTED_VISITS " * c.minutes_per_visit AS contracted_minutes,"                                              \
    " (SELECT COUNT(*) FROM service_visit v WHERE v.contract_id = c.id) AS delivered_visits,"                          \
    " (SELECT COALESCE(SUM(v.minutes), 0) FROM service_visit v WHERE v.contract_id = c.id) AS delivered_minutes,"      \
    " (SELECT COUNT(v.satisfaction) FROM service_visit v WHERE v.contract_id = c.id) AS rated_visits,"                 \
    " (SELECT COALESCE(SUM(v.satisfaction), 0) FROM service_visit v WHERE v.contract_id = c.id) AS satisfaction_sum"
#define CONTRACT_FROM " FROM service_contract c JOIN org o ON o.id = c.org_id JOIN unit u ON u.id = c.unit_id"

/* Satisfaction (mean of the rated visits, two decimals, null when none) and the
 * delivery rates, from the counts; the sum is not answered. */
static void delivery_of(json_t *f)
{
    int64_t rated = json_integer_value(json_object_get(f, "rated_visits"));
    int64_t sum = json_integer_value(json_object_get(f, "satisfaction_sum"));
    json_object_del(f, "satisfaction_sum");
    json_object_set_new(f, "satisfaction", rated ? json_real((double)((sum * 100 + rated / 2) / rated) / 100.0) : json_null());
    json_object_set_new(f, "visit_rate", json_rate(json_integer_value(json_object_get(f, "delivered_visits")),
                                                   json_integer_value(json_object_get(f, "contracted_visits"))));
    json_object_set_new(f, "minute_rate", json_rate(json_integer_value(json_object_get(f, "delivered_minutes")),
                                                    json_integer_value(json_object_get(f, "contracted_minutes"))));
}

static void contract_row(json_t *row, void *ctx)
{
    (void)ctx;
    delivery_of(row);
}

typedef struct {
    pairing_at_t at; /* the purchaser and the organisation */
    char start_on[16], end_on[16];
} contract_at_t;

static int contract_load(db_t *db, int64_t id, contract_at_t *c)
{
    int rc = node_unit_load(db, 1, id, &c->at);
    if (rc == DB_OK)
        rc = db_one_text(db, c->start_on, sizeof c->start_on, "SELECT start_on FROM service_contract WHERE id = ?",
                         "i", id);
    if (rc == DB_OK)
        rc = db_one_text(db, c->end_on, sizeof c->end_on, "SELECT end_on FROM service_contract WHERE id = ?", "i", id);
    return rc;
}

static int contract_scope(db_t *db, const principal_t *who, int64_t id, int64_t *org)
{
    return node_unit_scope(db, who, 1, CONTRACT_READ, id, org);
}

static int may_visit(const principal_t *who, const contract_at_t *c)
{
    return unit_side(who, c->at.unit) || access_covers(who, VISIT_WRITE, c->at.path);
}

static json_t *contract_json(db_t *db, const principal_t *who, int64_t id)
{
    contract_at_t c;
    if (contract_load(db, id, &c) != DB_OK)
        return NULL;
    json_t *row = db_row_one_json(db, CONTRACT_COLUMNS CONTRACT_FROM " WHERE c.id = ?", "i", id);
    json_t *people = db_rows_json(db,
                                  "SELECT p.id AS person_id, p.name, o.name AS org_name,"
                                  " (SELECT COUNT(*) FROM service_visit v WHERE v.contract_id = b.contract_id"
                                  " AND v.person_id = p.id) AS visits,"
                                  " (SELECT COALESCE(SUM(v.minutes), 0) FROM service_visit v WHERE"
                                  " v.contract_id = b.contract_id AND v.person_id = p.id) AS minutes"
                                  " FROM service_beneficiary b JOIN person p ON p.id = b.person_id"
                                  " JOIN org o ON o.id = p.org_id WHERE b.contract_id = ? ORDER BY p.name, p.id",
                                  "i", id);
    json_t *tags = db_rows_json(db,
                                "SELECT t.person_id, t.tag FROM person_tag t JOIN service_beneficiary b"
                                " ON b.person_id = t.person_id WHERE b.contract_id = ? ORDER BY t.person_id, t.tag",
                                "i", id);
    if (row == NULL || people == NULL || tags == NULL) {
        json_decref(row);
        json_decref(people);
        json_decref(tags);
        return NULL;
    }
    delivery_of(row);
    size_t i, j;
    json_t *p, *t;
    json_array_foreach(people, i, p) {
        json_t *mine = json_array();
        json_array_foreach(tags, j, t) if (json_equal(json_object_get(t, "person_id"), json_object_get(p, "person_id")))
            json_array_append(mine, json_object_get(t, "tag"));
        json_object_set_new(p, "tags", mine);
    }
    json_decref(tags);
    json_object_set_new(row, "beneficiaries_list", people);
    json_object_set_new(row, "can", json_pack("{s:b, s:b}", "beneficiaries", access_covers(who, CONTRACT_WRITE, c.at.path),
                                              "visit", may_visit(who, &c)));
    return row;
}

static int answer_contract(db_t *db, const write_ctx_t *w, int rc, int64_t id, int status, api_reply_t *rep)
{
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    json_t *c = contract_json(db, &w->who, id);
    return c ? api_json(rep, status, c) : api_db_error(rep, w->lang, DB_ERR, NULL);
}

/* Add the persons of ids (a JSON array of positive integers, at most
 * PERSON_IDS_MAX) to contract id, each a resident of the purchaser's subtree
 * [path, upper(path)). Persons already there stay. *added how many were new. */
static int beneficiaries_add(db_t *db, const write_ctx_t *w, int64_t id, const char *path, const json_t *ids,
                             int64_t *added, api_reply_t *rep)
{
    char hi[ACCESS_PATH_MAX];
    if (path_subtree_upper(hi, sizeof hi, path) != 0)
        return api_db_error(rep, w->lang, DB_ERR, NULL);
    size_t i;
    json_t *v;
    *added = 0;
    json_array_foreach(ids, i, v) {
        int64_t n = 0, person = json_integer_value(v);
        int rc = db_one_int(db, &n, "SELECT COUNT(*) FROM person p JOIN org o ON o.id = p.org_id"
                                    " WHERE p.id = ? AND o.path >= ? AND o.path < ?",
                            "itt", person, path, hi);
        if (rc == DB_OK && n == 0)
            return api_fail(rep, w->lang, E_CONTRACT_BENEFICIARY_OUTSIDE, "person_ids");
        if (rc == DB_OK)
            rc = db_exec(db, &n,
                         "INSERT INTO service_beneficiary (contract_id, person_id) SELECT ?, ? WHERE NOT EXISTS"
                         " (SELECT 1 FROM service_beneficiary WHERE contract_id = ? AND person_id = ?)",
                         "iiii", id, person, id, person);
        if (rc != DB_OK)
            return api_db_error(rep, w->lang, rc, NULL);
        *added += n;
    }
    return 0;
}

static int contract_create_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    contract_in_t in = {0};
    api_input_fill(contract_fields, data, &in);
    if (org_of_level(db, w, CONTRACT_WRITE, in.org_id, 1, "org_id", E_CONTRACT_PURCHASER_LEVEL, rep) != 0 ||
        unit_of_type(db, w, in.unit_id, "social_organisation", "unit_id", E_CONTRACT_NOT_SOCIAL_ORG, rep) != 0)
        return -1;
    if (strcmp(in.end_on, in.start_on) < 0)
        return api_fail(rep, w->lang, E_CONTRACT_PERIOD, "end_on");
    char path[ACCESS_PATH_MAX];
    int64_t id = 0, added = 0;
    int rc = org_brief(db, in.org_id, path, sizeof path, NULL, 0);
    if (rc == DB_OK)
        rc = db_one_int(db, &id,
                        "INSERT INTO service_contract (org_id, unit_id, title, service, start_on, end_on, amount_fen,"
                        " visits_per_month, minutes_per_visit, created_by, created_at, updated_at)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                        "iittttiiiIii", in.org_id, in.unit_id, in.title, in.service, in.start_on, in.end_on,
                        in.amount_fen, in.visits_per_month, in.minutes_per_visit, w->who.user_id, w->now, w->now);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    if (in.person_ids && beneficiaries_add(db, w, id, path, in.person_ids, &added, rep) != 0)
        return -1;
    rc = audit_append_new(db, w, "service_contract.created", "service_contract", id, in.org_id,
                          json_pack("{s:I, s:s, s:s, s:s, s:I, s:I}", "unit_id", (json_int_t)in.unit_id, "service",
                                    in.service, "start_on", in.start_on, "end_on", in.end_on, "amount_fen",
                                    (json_int_t)in.amount_fen, "beneficiaries", (json_int_t)added));
    return answer_contract(db, w, rc, id, 201, rep);
}

DEFER_BODY(contract_create, contract_create_write)

static int contract_get(api_req_t *req, api_reply_t *rep)
{
    json_t *c = contract_json(req->db, req->who, req->params[0]);
    return c ? api_json(rep, 200, c) : api_db_error(rep, req->lang, DB_NOTFOUND, "service_contract");
}

static int beneficiaries_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    beneficiaries_in_t in = {0};
    api_input_fill(beneficiaries_fields, data, &in);
    contract_at_t c;
    int64_t added = 0;
    int rc = contract_load(db, w->id, &c);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "service_contract");
    if (!access_covers(&w->who, CONTRACT_WRITE, c.at.path))
        return api_db_error(rep, w->lang, DB_NOTFOUND, "service_contract");
    if (beneficiaries_add(db, w, c.at.id, c.at.path, in.person_ids, &added, rep) != 0)
        return -1;
    rc = db_exec(db, NULL, "UPDATE service_contract SET updated_at = ?, version = version + 1 WHERE id = ?", "ii",
                 w->now, c.at.id);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "service_contract.beneficiaries_added", "service_contract", c.at.id, c.at.org,
                              json_pack("{s:I}", "added", (json_int_t)added));
    return answer_contract(db, w, rc, c.at.id, 200, rep);
}

DEFER_BODY(contract_beneficiaries, beneficiaries_write)

/* ---------------------------------------------------------------- visits */

typedef struct {
    uint64_t given;
    int64_t person_id;
    const char *visited_on;
    int64_t minutes;
    const char *content;
    int64_t satisfaction;
} visit_in_t;

static const field_t visit_fields[] = {
    IN(visit_in_t, person_id, F_INT, 1, 1, INT64_MAX, NULL),
    IN(visit_in_t, visited_on, F_DATE, 1, 20000101, 0, NULL),
    IN(visit_in_t, minutes, F_INT, 1, 1, 1440, NULL),
    IN(visit_in_t, content, F_BLOCK, 1, 1, 1000, NULL),
    IN(visit_in_t, satisfaction, F_INT, 0, 1, 5, NULL),
    FIELDS_END,
};

static int visit_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    visit_in_t in = {0};
    api_input_fill(visit_fields, data, &in);
    contract_at_t c;
    int64_t n = 0, id = 0;
    int rc = contract_load(db, w->id, &c);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "service_contract");
    if (!may_visit(&w->who, &c))
        return api_fail(rep, w->lang, E_CONTRACT_VISIT_FORBIDDEN, NULL);
    rc = db_one_int(db, &n, "SELECT COUNT(*) FROM service_beneficiary WHERE contract_id = ? AND person_id = ?", "ii",
                    c.at.id, in.person_id);
    if (rc == DB_OK && n == 0)
        return api_fail(rep, w->lang, E_CONTRACT_NOT_BENEFICIARY, "person_id");
    if (rc == DB_OK && (strcmp(in.visited_on, c.start_on) < 0 || strcmp(in.visited_on, c.end_on) > 0))
        return api_fail(rep, w->lang, E_CONTRACT_VISIT_OUTSIDE, "visited_on");
    if (rc == DB_OK)
        rc = db_one_int(db, &id,
                        "INSERT INTO service_visit (contract_id, person_id, visited_on, minutes, content, satisfaction,"
                        " created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                        "iititIIi", c.at.id, in.person_id, in.visited_on, in.minutes, in.content, in.satisfaction,
                        w->who.user_id, w->now);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "service_contract.visited", "service_contract", c.at.id, c.at.org,
                              json_pack("{s:I, s:s, s:I}", "visit_id", (json_int_t)id, "visited_on", in.visited_on,
                                        "minutes", (json_int_t)in.minutes));
    return answer_contract(db, w, rc, c.at.id, 201, rep);
}

DEFER_BODY(contract_visit, visit_write)

#define VISIT_COLUMNS                                                                                                  \
    "SELECT v.id, v.contract_id, v.person_id, p.name AS person_name, v.visited_on, v.minutes, v.content,"              \
    " v.satisfaction, cu.display_name AS created_by_name, v.created_at"
#define VISIT_FROM                                                                                                     \
    " FROM service_visit v JOIN person p ON p.id = v.person_id LEFT JOIN app_user cu ON cu.id = v.created_by"

static const field_t visit_query[] = {
    {"person", F_INT, 0, 1, INT64_MAX, NULL, 0},
    FIELDS_END,
};

static const api_sort_t visit_sorts[] = {
    {"visited_on", "v.visited_on", 0, NULL},
    {NULL, NULL, 0, NULL},
};

/* GET /api/v1/service-contracts/{id}/visits: the contract's visits, newest id first. */
static int visit_list(api_req_t *req, api_reply_t *rep)
{
    api_list_t l;
    int64_t person = 0;
    api_query_int(req, "person", 0, 1, INT64_MAX, &person);
    api_list_begin(&l, VISIT_COLUMNS, VISIT_FROM, "v.id", NULL);
    l.newest_first = 1;
    api_list_where(&l, "v.contract_id = ?", "i", req->params[0]);
    if (person)
        api_list_where(&l, "v.person_id = ?", "i", person);
    return api_list_answer(req, rep, &l);
}

/* ---------------------------------------------------------------- contract lists */

static const field_t contract_query[] = {
    {"org", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"year", F_INT, 0, 2000, 2100, NULL, 0},
    {"unit", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"service", F_ENUM, 0, 0, 0, contract_services, 0},
    FIELDS_END,
};

static const api_sort_t contract_sorts[] = {
    {"start_on", "c.start_on", 0, NULL},
    {"amount_fen", "c.amount_fen", 0, NULL},
    {"org_name", "o.name", 0, NULL},
    {NULL, NULL, 0, NULL},
};

/* A contract's period overlaps year. */
#define IN_YEAR "c.start_on <= ? AND c.end_on >= ?"

static void year_bounds(int64_t year, char first[16], char last[16])
{
    snprintf(first, 16, "%04d-01-01", (int)year);
    snprintf(last, 16, "%04d-12-31", (int)year);
}

static int contract_where(api_req_t *req, api_reply_t *rep, api_list_t *l)
{
    char lo[ACCESS_PATH_MAX], hi[ACCESS_PATH_MAX], first[16], last[16];
    if (seen_range(req, rep, CONTRACT_READ, lo, hi) != 0)
        return -1;
    api_list_begin(l, CONTRACT_COLUMNS, CONTRACT_FROM, "c.id", NULL);
    l->row = contract_row;
    api_list_where(l, SEEN_OR_UNIT("o.path", "c.unit_id"), "tti", lo, hi, req->who->user_id);
    int64_t year = 0, unit = 0;
    api_query_int(req, "year", 0, 2000, 2100, &year);
    api_query_int(req, "unit", 0, 1, INT64_MAX, &unit);
    char *service = api_query(req, "service");
    if (year) {
        year_bounds(year, first, last);
        api_list_where(l, IN_YEAR, "tt", last, first);
    }
    if (unit)
        api_list_where(l, "c.unit_id = ?", "i", unit);
    if (service)
        api_list_where(l, "c.service = ?", "t", service);
    free(service);
    return 0;
}

/* GET /api/v1/service-contracts: the contracts of purchasers under ?org= (else
 * the caller's scope) and of the caller's own organisation. */
static int contract_list(api_req_t *req, api_reply_t *rep)
{
    api_list_t l;
    if (contract_where(req, rep, &l) != 0)
        return -1;
    return api_list_answer(req, rep, &l);
}

/* GET /api/v1/service-contracts/export: the same list as a workbook (购买服务), audited. */
static int contract_export(api_req_t *req, api_reply_t *rep)
{
    static const list_col_t cols[] = {
        {"id", "编号", NULL, NULL},
        {"org_name", "购买方", NULL, NULL},
        {"unit_name", "承接社会组织", NULL, NULL},
        {"title", "项目名称", NULL, NULL},
        {"service", "服务类别", contract_services, contract_service_words},
        {"start_on", "开始日期", NULL, NULL},
        {"end_on", "结束日期", NULL, NULL},
        {"amount_fen", "金额（分）", NULL, NULL},
        {"beneficiaries", "服务对象", NULL, NULL},
        {"contracted_visits", "约定服务次数", NULL, NULL},
        {"delivered_visits", "已服务次数", NULL, NULL},
        {"visit_rate", "次数完成率", NULL, NULL},
        {"contracted_minutes", "约定服务分钟", NULL, NULL},
        {"delivered_minutes", "已服务分钟", NULL, NULL},
        {"satisfaction", "满意度", NULL, NULL},
        {NULL, NULL, NULL, NULL},
    };
    api_list_t l;
    return contract_where(req, rep, &l) != 0 ? -1 : api_list_export(req, rep, &l, "购买服务", cols, "service-contracts");
}

/* The contracts of purchasers in [lo, hi) whose period overlaps year: their
 * count, amount, beneficiaries, contracted and delivered visits and minutes
 * (each contract's whole period), satisfaction and the rates. */
json_t *contract_figures_of(db_t *db, const principal_t *who, const char *lo, const char *hi, int64_t year,
                            const char *today)
{
    (void)who;
    (void)today;
    char first[16], last[16];
    year_bounds(year, first, last);
    json_t *f = db_row_one_json(
        db,
        "SELECT COUNT(*) AS contracts, COALESCE(SUM(x.amount_fen), 0) AS amount_fen,"
        " COALESCE(SUM(x.beneficiaries), 0) AS beneficiaries,"
        " COALESCE(SUM(x.contracted_visits), 0) AS contracted_visits,"
        " COALESCE(SUM(x.contracted_minutes), 0) AS contracted_minutes,"
        " COALESCE(SUM(x.delivered_visits), 0) AS delivered_visits,"
        " COALESCE(SUM(x.delivered_minutes), 0) AS delivered_minutes,"
        " COALESCE(SUM(x.rated_visits), 0) AS rated_visits, COALESCE(SUM(x.satisfaction_sum), 0) AS satisfaction_sum"
        " FROM (" CONTRACT_COLUMNS CONTRACT_FROM " WHERE o.path >= ? AND o.path < ? AND " IN_YEAR ") x",
        "tttt", lo, hi, last, first);
    if (f)
        delivery_of(f);
    return f;
}

static int contract_figures(api_req_t *req, api_reply_t *rep)
{
    return api_subtree_figures(req, rep, CONTRACT_READ, contract_figures_of);
}

/* ================================================================ the table */

static const entity_t pairing_entity = {"pairing", NULL, pairing_scope};
static const entity_t item_entity = {"pairing_item", NULL, item_scope};
static const entity_t contract_entity = {"service_contract", NULL, contract_scope};

const op_t partner_ops[] = {
    {OP(HTTP_GET, "/api/v1/pairings", "pairings.list", PERM(PERM_ORG_READ), RF_PAGED, pairing_list),
     .query = pairing_query, .sorts = pairing_sorts},
    {OP(HTTP_GET, "/api/v1/pairings/export", "pairings.export", PERM(PERM_ORG_READ), RF_WRITES, pairing_export),
     .query = pairing_query},
    {OP(HTTP_POST, "/api/v1/pairings", "pairings.create", PERM(PAIRING_WRITE), RF_BODY | RF_WRITES, pairing_create),
     .body = pairing_fields},
    {OP(HTTP_GET, "/api/v1/pairings/{id}", "pairings.get", PERM(PERM_ORG_READ), 0, pairing_get),
     .entity = &pairing_entity},
    {OP(HTTP_POST, "/api/v1/pairings/{id}/items", "pairings.add_item", PERM(PAIRING_WRITE), RF_BODY | RF_WRITES,
        pairing_item_add),
     .body = item_fields, .entity = &pairing_entity},
    {OP(HTTP_POST, "/api/v1/pairing-items/{id}/done", "pairing_items.done", PERM(PERM_ORG_READ), RF_BODY | RF_WRITES,
        pairing_item_done),
     .body = done_fields, .entity = &item_entity},
    {OP(HTTP_POST, "/api/v1/pairing-items/{id}/confirm", "pairing_items.confirm", PERM(PAIRING_WRITE),
        RF_BODY | RF_WRITES, pairing_item_confirm),
     .body = confirm_fields, .entity = &item_entity},
    {OP(HTTP_GET, "/api/v1/pairing-figures", "pairing_figures.get", PERM(PAIRING_READ), 0, pairing_figures),
     .query = subtree_figures_query},
    {OP(HTTP_GET, "/api/v1/pairing-agency-figures", "pairing_agency_figures.get", PERM(PAIRING_READ), 0,
        pairing_agency_figures),
     .query = subtree_figures_query},
    {OP(HTTP_GET, "/api/v1/service-contracts", "service_contracts.list", PERM(PERM_ORG_READ), RF_PAGED, contract_list),
     .query = contract_query, .sorts = contract_sorts},
    {OP(HTTP_GET, "/api/v1/service-contracts/export", "service_contracts.export", PERM(PERM_ORG_READ), RF_WRITES,
        contract_export),
     .query = contract_query},
    {OP(HTTP_POST, "/api/v1/service-contracts", "service_contracts.create", PERM(CONTRACT_WRITE), RF_BODY | RF_WRITES,
        contract_create),
     .body = contract_fields},
    {OP(HTTP_GET, "/api/v1/service-contracts/{id}", "service_contracts.get", PERM(PERM_ORG_READ), 0, contract_get),
     .entity = &contract_entity},
    {OP(HTTP_POST, "/api/v1/service-contracts/{id}/beneficiaries", "service_contracts.add_beneficiaries",
        PERM(CONTRACT_WRITE), RF_BODY | RF_WRITES, contract_beneficiaries),
     .body = beneficiaries_fields, .entity = &contract_entity},
    {OP(HTTP_GET, "/api/v1/service-contracts/{id}/visits", "service_visits.list", PERM(PERM_ORG_READ), RF_PAGED,
        visit_list),
     .query = visit_query, .sorts = visit_sorts, .entity = &contract_entity},
    {OP(HTTP_POST, "/api/v1/service-contracts/{id}/visits", "service_visits.create", PERM(PERM_ORG_READ),
        RF_BODY | RF_WRITES, contract_visit),
     .body = visit_fields, .entity = &contract_entity},
    {OP(HTTP_GET, "/api/v1/contract-figures", "contract_figures.get", PERM(CONTRACT_READ), 0, contract_figures),
     .query = subtree_figures_query},
    OPS_END,
};

/* ================================================================ demo */

static unsigned long long demo_rng;

static int64_t demo_below(int64_t n)
{
    return random_seeded_below(&demo_rng, n);
}

/* A unit of type at node, with a party branch when branch is given; its id. */
static int demo_unit(db_t *db, const write_ctx_t *w, int64_t node, const char *name, const char *type,
                     const char *branch, int64_t *id)
{
    int64_t party = 0;
    int rc = db_one_int(db, id,
                        "INSERT INTO unit (org_id, name, type, created_at, updated_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
                        "ittii", node, name, type, w->now, w->now);
    if (rc == DB_OK)
        rc = rollup_unit(db, *id, 1);
    if (rc == DB_OK && branch)
        rc = db_one_int(db, &party,
                        "INSERT INTO party_org (org_id, unit_id, kind, name, created_at, updated_at)"
                        " VALUES (?, ?, '党支部', ?, ?, ?) RETURNING id",
                        "iitii", node, *id, branch, w->now, w->now);
    if (rc == DB_OK && branch)
        rc = rollup_party_org(db, party, 1);
    return rc;
}

static const char *const demo_city_agencies[] = {"市委组织部", "市民政局", "市财政局", "市人社局", "市住建局"};
static const char *const demo_district_agencies[] = {"民政局", "司法局", "卫健委"};
static const char *const demo_items[] = {"走访慰问困难群众和老党员", "联合开展主题党日活动", "捐建社区党群服务阵地",
                                         "组织党员志愿服务进社区", "帮助解决居民急难愁盼问题一件", "开展政策宣讲进楼栋"};
static const char *const demo_people[] = {"王建国", "李晓梅", "张伟", "刘芳", "陈志强", "杨丽"};
static const char *const demo_visits[] = {"上门助洁", "助浴服务", "陪同就医", "代购生活用品", "健康监测与陪伴聊天",
                                          "安全隐患排查"};

/* Pairings: a third of the communities, each with an agency of its district
 * (one in four with a city agency), four items a quarter apart in every state. */
static int demo_pairings(db_t *db, const write_ctx_t *w, int year, const char *today, const json_t *city_units,
                         json_t *district_units)
{
    json_t *comms = db_rows_json(db,
                                 "SELECT c.id, d.id AS district FROM org c JOIN org s ON s.id = c.parent_id"
                                 " JOIN org d ON d.id = s.parent_id WHERE c.level = 'community' AND d.level = 'district'"
                                 " ORDER BY c.id",
                                 "");
    if (comms == NULL)
        return DB_ERR;
    int rc = DB_OK;
    size_t i;
    json_t *c;
    json_array_foreach(comms, i, c) {
        if (rc != DB_OK)
            break;
        if (demo_below(3) != 0)
            continue;
        int64_t comm = json_integer_value(json_object_get(c, "id")), pairing = 0, unit = 0;
        char key[32];
        snprintf(key, sizeof key, "%lld", (long long)json_integer_value(json_object_get(c, "district")));
        const json_t *mine = json_object_get(district_units, key);
        if (demo_below(4) == 0 || json_array_size(mine) == 0)
            unit = json_integer_value(json_array_get(city_units, (size_t)demo_below((int64_t)json_array_size(city_units))));
        else
            unit = json_integer_value(json_array_get(mine, (size_t)demo_below((int64_t)json_array_size(mine))));
        rc = db_one_int(db, &pairing,
                        "INSERT INTO pairing (org_id, unit_id, party_org_id, year, note, created_at, updated_at)"
                        " VALUES (?, ?, (SELECT MIN(id) FROM party_org WHERE unit_id = ?), ?, ?, ?, ?) RETURNING id",
                        "iiiitii", comm, unit, unit, (int64_t)year, "年度结对共建协议", w->now, w->now);
        for (int q = 1; rc == DB_OK && q <= 4; q++) {
            char due[16], done[32];
            snprintf(due, sizeof due, "%04d-%02d-%02d", year % 10000, (q * 3) % 100, (15 + (int)demo_below(10)) % 100);
            int past = strcmp(due, today) < 0;
            /* Past due: mostly confirmed or done, some still open (overdue); ahead: mostly open. */
            int64_t r = demo_below(10);
            const char *state = past ? (r < 5 ? "confirmed" : r < 8 ? "done" : "open") : (r < 2 ? "done" : "open");
            snprintf(done, sizeof done, "%.8s%02d", past ? due : today, (1 + (int)demo_below(14)) % 100);
            if (strcmp(done, today) > 0)
                str_copy(done, sizeof done, today);
            int is_done = strcmp(state, "open") != 0;
            rc = db_exec(db, NULL,
                         "INSERT INTO pairing_item (pairing_id, content, due_on, responsible, state, done_on, done_note,"
                         " done_at, confirmed_at, created_at, updated_at, version)"
                         " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         "ittttttIIiii", pairing, demo_items[demo_below(6)], due, demo_people[demo_below(6)], state,
                         is_done ? done : NULL, is_done ? "已按协议完成，材料已归档" : NULL,
                         is_done ? w->now : 0, strcmp(state, "confirmed") == 0 ? w->now : 0, w->now, w->now,
                         (int64_t)(1 + is_done + (strcmp(state, "confirmed") == 0)));
        }
    }
    json_decref(comms);
    return rc;
}

/* One contract of purchaser with organisation unit for the year, its
 * beneficiaries (up to eight residents under it tagged 独居老人, 空巢老人 or
 * 残疾人; none: no contract) and their visits from January to today. */
static int demo_contract(db_t *db, const write_ctx_t *w, int year, const char *today, int64_t purchaser,
                         const char *path, int64_t unit, int street)
{
    char hi[ACCESS_PATH_MAX], first[16], last[16];
    if (path_subtree_upper(hi, sizeof hi, path) != 0)
        return DB_ERR;
    year_bounds(year, first, last);
    int64_t id = 0, per_month = 1 + demo_below(2), minutes = street ? 90 : 60;
    json_t *people = db_rows_json(db,
                                  "SELECT p.id FROM person p JOIN org o ON o.id = p.org_id"
                                  " WHERE o.path >= ? AND o.path < ? AND EXISTS (SELECT 1 FROM person_tag t"
                                  " WHERE t.person_id = p.id AND t.tag IN ('elderly_alone', 'empty_nest', 'disabled'))"
                                  " ORDER BY p.id LIMIT 8",
                                  "tt", path, hi);
    if (people == NULL)
        return DB_ERR;
    int rc = DB_OK;
    if (json_array_size(people) > 0) /* no contract without anyone to serve */
        rc = db_one_int(db, &id,
                        "INSERT INTO service_contract (org_id, unit_id, title, service, start_on, end_on, amount_fen,"
                        " visits_per_month, minutes_per_visit, created_at, updated_at)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                        "iittttiiiii", purchaser, unit, street ? "居家养老上门服务项目" : "家政便民服务项目",
                        street ? "home_elderly_care" : "housekeeping", first, last,
                        (int64_t)(5000000 + demo_below(25) * 1000000), per_month, minutes, w->now, w->now);
    int month = atoi(today + 5);
    size_t i;
    json_t *p;
    json_array_foreach(people, i, p) {
        int64_t person = json_integer_value(json_object_get(p, "id"));
        if (rc == DB_OK)
            rc = db_exec(db, NULL, "INSERT INTO service_beneficiary (contract_id, person_id) VALUES (?, ?)", "ii", id,
                         person);
        for (int m = 1; rc == DB_OK && m <= month; m++)
            for (int v = 0; rc == DB_OK && v < per_month; v++) {
                char on[16];
                snprintf(on, sizeof on, "%04d-%02d-%02d", year % 10000, m % 100, (1 + (int)demo_below(28)) % 100);
                if (demo_below(100) >= 85 || strcmp(on, today) > 0)
                    continue;
                int64_t sat = demo_below(10);
                rc = db_exec(db, NULL,
                             "INSERT INTO service_visit (contract_id, person_id, visited_on, minutes, content,"
                             " satisfaction, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                             "iititIi", id, person, on, minutes - 15 + demo_below(31), demo_visits[demo_below(6)],
                             sat == 0 ? 0 : sat < 3 ? 3 : sat < 6 ? 4 : 5, w->now);
            }
    }
    json_decref(people);
    return rc;
}

int partner_demo(db_t *db, const write_ctx_t *w, unsigned long long seed)
{
    demo_rng = seed * 0x2545F4914F6CDD1Dull + 30;
    int year = api_today_ymd() / 10000;
    char today[16];
    date_today(today);
    json_t *nodes = db_rows_json(db,
                                 "SELECT id, level, name, path FROM org WHERE level IN ('city', 'district', 'street')"
                                 " ORDER BY depth, id",
                                 "");
    if (nodes == NULL)
        return DB_ERR;
    json_t *city_units = json_array(), *district_units = json_object();
    int rc = DB_OK;
    size_t i;
    json_t *n;
    json_array_foreach(nodes, i, n) {
        int64_t node = json_integer_value(json_object_get(n, "id")), unit = 0;
        const char *level = json_string_value(json_object_get(n, "level"));
        const char *name = json_string_value(json_object_get(n, "name"));
        char uname[192], branch[224];
        if (rc != DB_OK)
            break;
        if (strcmp(level, "city") == 0) {
            for (size_t a = 0; rc == DB_OK && a < sizeof demo_city_agencies / sizeof demo_city_agencies[0]; a++) {
                snprintf(branch, sizeof branch, "%s机关党支部", demo_city_agencies[a]);
                rc = demo_unit(db, w, node, demo_city_agencies[a], "agency", branch, &unit);
                json_array_append_new(city_units, json_integer(unit));
            }
        } else if (strcmp(level, "district") == 0) {
            json_t *mine = json_array();
            for (size_t a = 0; rc == DB_OK && a < sizeof demo_district_agencies / sizeof demo_district_agencies[0]; a++) {
                snprintf(uname, sizeof uname, "%s%s", name, demo_district_agencies[a]);
                snprintf(branch, sizeof branch, "%s机关党支部", uname);
                rc = demo_unit(db, w, node, uname, "agency", branch, &unit);
                json_array_append_new(mine, json_integer(unit));
            }
            char key[32];
            snprintf(key, sizeof key, "%lld", (long long)node);
            json_object_set_new(district_units, key, mine);
        } else {
            /* A street's social-work station serves it and every fifth community under it. */
            snprintf(uname, sizeof uname, "%s社会工作服务站", name);
            rc = demo_unit(db, w, node, uname, "social_organisation", NULL, &unit);
            if (rc == DB_OK)
                rc = demo_contract(db, w, year, today, node, json_string_value(json_object_get(n, "path")), unit, 1);
            json_t *comms = rc == DB_OK ? db_rows_json(db, "SELECT id, path FROM org WHERE parent_id = ?"
                                                           " AND level = 'community' ORDER BY id", "i", node)
                                        : NULL;
            size_t j;
            json_t *c;
            json_array_foreach(comms, j, c) if (rc == DB_OK && demo_below(5) == 0) rc =
                demo_contract(db, w, year, today, json_integer_value(json_object_get(c, "id")),
                              json_string_value(json_object_get(c, "path")), unit, 0);
            json_decref(comms);
        }
    }
    if (rc == DB_OK)
        rc = demo_pairings(db, w, year, today, city_units, district_units);
    json_decref(nodes);
    json_decref(city_units);
    json_decref(district_units);
    return rc;
}
