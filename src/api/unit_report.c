/* 双报到's unit reports (docs/service-report.md): a resident unit's party
 * organisation reports to a community (报到单), through staff over the unit's
 * node; the community gives its receipt (回执); either side then writes the
 * year's 共建协议, its items (what, by when, the responsible person) and their
 * completion. */
#include "api/service_report.h"

#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- unit reports (单位报到) and 共建协议 */

#define UNIT_REPORT_COLUMNS                                                                                            \
    "SELECT r.id, r.org_id, o.name AS org_name, r.unit_id, u.name AS unit_name, r.party_org_id,"                     \
    " po.name AS party_org_name, r.reported_on, r.contact_role, r.offers, r.state, r.received_at,"                    \
    " ru.display_name AS received_by_name, r.created_at, r.updated_at, r.version"
#define UNIT_REPORT_FROM                                                                                               \
    " FROM unit_report r JOIN org o ON o.id = r.org_id JOIN unit u ON u.id = r.unit_id"                               \
    " JOIN party_org po ON po.id = r.party_org_id LEFT JOIN app_user ru ON ru.id = r.received_by"

/* A unit report's two sides: the community reported to and the unit's node. */
typedef struct {
    int64_t id, org, unit_org;
    int received;
    char path[ACCESS_PATH_MAX], unit_path[ACCESS_PATH_MAX];
} unit_at_t;

static int unit_load(db_t *db, int64_t id, unit_at_t *r)
{
    memset(r, 0, sizeof *r);
    char state[16] = "";
    r->id = id;
    int rc = db_one_int(db, &r->org, "SELECT org_id FROM unit_report WHERE id = ?", "i", id);
    if (rc == DB_OK)
        rc = db_one_int(db, &r->unit_org,
                        "SELECT u.org_id FROM unit_report r JOIN unit u ON u.id = r.unit_id WHERE r.id = ?", "i", id);
    if (rc == DB_OK)
        rc = db_one_text(db, state, sizeof state, "SELECT state FROM unit_report WHERE id = ?", "i", id);
    if (rc == DB_OK)
        rc = sr_node_path(db, r->org, r->path);
    if (rc == DB_OK)
        rc = sr_node_path(db, r->unit_org, r->unit_path);
    r->received = strcmp(state, "received") == 0;
    return rc;
}

static int unit_side(const principal_t *who, const unit_at_t *r, uint32_t perm)
{
    return access_covers(who, perm, r->unit_path);
}

static int unit_report_scope(db_t *db, const principal_t *who, int64_t id, int64_t *org)
{
    unit_at_t r;
    int rc = unit_load(db, id, &r);
    if (rc != DB_OK)
        return rc;
    *org = r.org;
    return access_covers(who, SR_READ, r.path) || unit_side(who, &r, SR_READ) ? DB_OK : DB_NOTFOUND;
}

/* A unit report with its agreements (each with its items) and what the caller may do. */
static json_t *unit_report_json(db_t *db, const principal_t *who, int64_t id)
{
    unit_at_t r;
    if (unit_load(db, id, &r) != DB_OK)
        return NULL;
    json_t *o = db_row_one_json(db, UNIT_REPORT_COLUMNS UNIT_REPORT_FROM " WHERE r.id = ?", "i", id);
    json_t *agreements = db_rows_json(db,
                                      "SELECT id, year, created_at, updated_at, version FROM unit_agreement"
                                      " WHERE report_id = ? ORDER BY year DESC",
                                      "i", id);
    json_t *items = db_rows_json(db,
                                 "SELECT i.id, i.agreement_id, i.what, i.due_on, i.responsible, i.done AS is_done,"
                                 " i.done_at, i.version FROM unit_agreement_item i"
                                 " JOIN unit_agreement a ON a.id = i.agreement_id WHERE a.report_id = ?"
                                 " ORDER BY i.due_on, i.id",
                                 "i", id);
    if (o == NULL || agreements == NULL || items == NULL) {
        json_decref(o);
        json_decref(agreements);
        json_decref(items);
        return NULL;
    }
    size_t i, j;
    json_t *a, *it;
    json_array_foreach(agreements, i, a) {
        json_t *mine = json_array();
        int64_t done = 0, n = 0;
        json_array_foreach(items, j, it) {
            if (json_integer_value(json_object_get(it, "agreement_id")) != json_integer_value(json_object_get(a, "id")))
                continue;
            n++;
            done += json_is_true(json_object_get(it, "done"));
            json_array_append(mine, it);
        }
        json_object_set_new(a, "items", mine);
        json_object_set_new(a, "items_done", json_integer(done));
        json_object_set_new(a, "completion", json_rate(done, n));
    }
    json_decref(items);
    int community = access_covers(who, SR_WRITE, r.path), unit = unit_side(who, &r, SR_WRITE);
    json_object_set_new(o, "agreements", agreements);
    json_object_set_new(o, "can", json_pack("{s:b, s:b}", "receive", community && !r.received, "agree",
                                            r.received && (community || unit)));
    return o;
}

static int answer_unit_report(db_t *db, const write_ctx_t *w, int rc, int64_t id, int status, api_reply_t *rep)
{
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    json_t *o = unit_report_json(db, &w->who, id);
    return o ? api_json(rep, status, o) : api_db_error(rep, w->lang, DB_ERR, NULL);
}

typedef struct {
    uint64_t given;
    int64_t unit_id;
    int64_t party_org_id;
    int64_t org_id;
    const char *reported_on;
    const char *contact_role;
    const char *offers;
} unit_report_in_t;

static const field_t unit_report_fields[] = {
    IN(unit_report_in_t, unit_id, F_INT, 1, 1, INT64_MAX, NULL),
    IN(unit_report_in_t, party_org_id, F_INT, 1, 1, INT64_MAX, NULL),
    IN(unit_report_in_t, org_id, F_INT, 1, 1, INT64_MAX, NULL),
    IN(unit_report_in_t, reported_on, F_DATE, 1, 20000101, 0, NULL),
    IN(unit_report_in_t, contact_role, F_NAME, 1, 1, 50, NULL),
    IN(unit_report_in_t, offers, F_BLOCK, 1, 1, 1000, NULL),
    FIELDS_END,
};

/* POST /api/v1/unit-reports: a unit's party organisation reports to a
 * community, through staff over the unit's node. */
static int unit_report_create_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    unit_report_in_t in = {0};
    api_input_fill(unit_report_fields, data, &in);
    int64_t unit_org = 0, po_unit = 0, id = 0;
    int rc = db_one_int(db, &unit_org, "SELECT org_id FROM unit WHERE id = ?", "i", in.unit_id);
    if (rc == DB_OK && access_org(db, &w->who, SR_READ, unit_org, NULL, 0) != DB_OK)
        rc = DB_NOTFOUND;
    if (rc != DB_OK)
        return sr_ref_missing(rep, w->lang, rc, E_UNIT_NOT_FOUND, "unit_id");
    if (api_org_input(db, w, SR_WRITE, unit_org, "unit_id", rep) != 0)
        return -1;
    rc = db_one_int(db, &po_unit, "SELECT COALESCE(unit_id, 0) FROM party_org WHERE id = ?", "i", in.party_org_id);
    if (rc != DB_OK)
        return sr_ref_missing(rep, w->lang, rc, E_REFERENCE_NOT_FOUND, "party_org_id");
    if (po_unit != in.unit_id)
        return api_fail(rep, w->lang, E_SERVICE_PARTY_ORG_NOT_UNITS, "party_org_id");
    if (sr_community_input(db, w, in.org_id, "org_id", rep) != 0)
        return -1;
    rc = db_one_int(db, &id,
                    "INSERT INTO unit_report (org_id, unit_id, party_org_id, reported_on, contact_role, offers,"
                    " created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                    "iiitttIii", in.org_id, in.unit_id, in.party_org_id, in.reported_on, in.contact_role, in.offers,
                    w->who.user_id, w->now, w->now);
    if (rc == DB_UNIQUE)
        return api_fail(rep, w->lang, E_SERVICE_UNIT_REPORTED, "org_id");
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "unit_report.created", "unit_report", id, in.org_id,
                              json_pack("{s:I, s:I}", "unit_id", (json_int_t)in.unit_id, "party_org_id",
                                        (json_int_t)in.party_org_id));
    return answer_unit_report(db, w, rc, id, 201, rep);
}

DEFER_BODY(unit_report_create, unit_report_create_write)

static int unit_report_get(api_req_t *req, api_reply_t *rep)
{
    json_t *o = unit_report_json(req->db, req->who, req->params[0]);
    return o ? api_json(rep, 200, o) : api_db_error(rep, req->lang, DB_NOTFOUND, "unit_report");
}

/* The community gives its receipt (回执): pending → received, once. */
static const field_t receive_fields[] = {
    {"version", F_INT, 1, 1, INT64_MAX, NULL, 0},
    FIELDS_END,
};

static int unit_receive_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    unit_at_t r;
    int64_t org = 0;
    int rc = unit_report_scope(db, &w->who, w->id, &org);
    if (rc == DB_OK)
        rc = unit_load(db, w->id, &r);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "unit_report");
    if (r.received)
        return api_fail(rep, w->lang, E_SERVICE_MOVE_NOT_POSSIBLE, "version");
    if (!access_covers(&w->who, SR_WRITE, r.path))
        return api_fail(rep, w->lang, E_SERVICE_COMMUNITY_ONLY, NULL);
    if (api_check_version(db, w, "SELECT version FROM unit_report WHERE id = ?", w->id, data, rep) != 0)
        return -1;
    rc = db_exec(db, NULL,
                 "UPDATE unit_report SET state = 'received', received_by = ?, received_at = ?, updated_at = ?,"
                 " version = version + 1 WHERE id = ?",
                 "iiii", w->who.user_id, w->now, w->now, w->id);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "unit_report.received", "unit_report", w->id, r.org, json_object());
    return answer_unit_report(db, w, rc, w->id, 200, rep);
}

DEFER_BODY(unit_report_receive, unit_receive_write)

/* Either side of a received report may write its agreements: 0, or -1 with rep set. */
static int agreement_writable(db_t *db, const write_ctx_t *w, int64_t report, unit_at_t *r, api_reply_t *rep)
{
    int64_t org = 0;
    int rc = unit_report_scope(db, &w->who, report, &org);
    if (rc == DB_OK)
        rc = unit_load(db, report, r);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "unit_report");
    if (!access_covers(&w->who, SR_WRITE, r->path) && !unit_side(&w->who, r, SR_WRITE))
        return api_fail(rep, w->lang, E_SERVICE_MEMBER_ONLY, NULL);
    if (!r->received)
        return api_fail(rep, w->lang, E_SERVICE_NOT_REPORTED, "report_id");
    return 0;
}

typedef struct {
    uint64_t given;
    int64_t year;
} agreement_in_t;

static const field_t agreement_fields[] = {
    IN(agreement_in_t, year, F_INT, 1, 2000, 2100, NULL),
    FIELDS_END,
};

/* POST /api/v1/unit-reports/{id}/agreements: the year's 共建协议, once per
 * unit, community and year. */
static int agreement_create_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    agreement_in_t in = {0};
    api_input_fill(agreement_fields, data, &in);
    unit_at_t r;
    int64_t id = 0;
    if (agreement_writable(db, w, w->id, &r, rep) != 0)
        return -1;
    int rc = db_one_int(db, &id,
                        "INSERT INTO unit_agreement (report_id, org_id, unit_id, year, created_at, updated_at)"
                        " SELECT id, org_id, unit_id, ?, ?, ? FROM unit_report WHERE id = ? RETURNING id",
                        "iiii", in.year, w->now, w->now, w->id);
    if (rc == DB_UNIQUE)
        return api_fail(rep, w->lang, E_SERVICE_AGREEMENT_TAKEN, "year");
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "unit_agreement.created", "unit_agreement", id, r.org,
                              json_pack("{s:I}", "year", (json_int_t)in.year));
    return answer_unit_report(db, w, rc, w->id, 201, rep);
}

DEFER_BODY(unit_agreement_create, agreement_create_write)

typedef struct {
    uint64_t given;
    const char *what;
    const char *due_on;
    const char *responsible;
} agreement_item_in_t;

static const field_t agreement_item_fields[] = {
    IN(agreement_item_in_t, what, F_BLOCK, 1, 1, 500, NULL),
    IN(agreement_item_in_t, due_on, F_DATE, 1, 20000101, 5, NULL),
    IN(agreement_item_in_t, responsible, F_NAME, 1, 1, 50, NULL),
    FIELDS_END,
};

/* POST /api/v1/unit-agreements/{id}/items: an item (what, by when, the
 * responsible person by name), due in the agreement's year. */
static int agreement_item_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    agreement_item_in_t in = {0};
    api_input_fill(agreement_item_fields, data, &in);
    unit_at_t r;
    int64_t report = 0, year = 0, id = 0;
    int rc = db_one_int(db, &report, "SELECT report_id FROM unit_agreement WHERE id = ?", "i", w->id);
    if (rc == DB_OK)
        rc = db_one_int(db, &year, "SELECT year FROM unit_agreement WHERE id = ?", "i", w->id);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "unit_agreement");
    if (agreement_writable(db, w, report, &r, rep) != 0)
        return -1;
    if (atoi(in.due_on) != year)
        return api_fail(rep, w->lang, E_SERVICE_DUE_YEAR, "due_on");
    rc = db_one_int(db, &id,
                    "INSERT INTO unit_agreement_item (agreement_id, what, due_on, responsible, created_at, updated_at)"
                    " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                    "itttii", w->id, in.what, in.due_on, in.responsible, w->now, w->now);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "unit_agreement.item_added", "unit_agreement", w->id, r.org,
                              json_pack("{s:I, s:s}", "item_id", (json_int_t)id, "due_on", in.due_on));
    return answer_unit_report(db, w, rc, report, 201, rep);
}

DEFER_BODY(unit_agreement_item_create, agreement_item_write)

typedef struct {
    uint64_t given;
    int done;
    int64_t version;
} item_done_in_t;

static const field_t item_done_fields[] = {
    IN(item_done_in_t, done, F_BOOL, 1, 0, 0, NULL),
    IN(item_done_in_t, version, F_INT, 1, 1, INT64_MAX, NULL),
    FIELDS_END,
};

/* POST /api/v1/unit-agreement-items/{id}/done: an item's completion (or its undoing). */
static int item_done_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    item_done_in_t in = {0};
    api_input_fill(item_done_fields, data, &in);
    unit_at_t r;
    int64_t report = 0;
    int rc = db_one_int(db, &report,
                        "SELECT a.report_id FROM unit_agreement_item i JOIN unit_agreement a ON a.id = i.agreement_id"
                        " WHERE i.id = ?",
                        "i", w->id);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "unit_agreement_item");
    if (agreement_writable(db, w, report, &r, rep) != 0)
        return -1;
    if (api_check_version(db, w, "SELECT version FROM unit_agreement_item WHERE id = ?", w->id, data, rep) != 0)
        return -1;
    rc = db_exec(db, NULL,
                 "UPDATE unit_agreement_item SET done = ?, done_at = ?, updated_at = ?, version = version + 1"
                 " WHERE id = ?",
                 "iIii", (int64_t)in.done, in.done ? w->now : 0, w->now, w->id);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "unit_agreement.item_done", "unit_agreement_item", w->id, r.org,
                              json_pack("{s:b}", "done", in.done));
    return answer_unit_report(db, w, rc, report, 200, rep);
}

DEFER_BODY(unit_agreement_item_done, item_done_write)

static const field_t unit_report_query[] = {
    {"org", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"unit_id", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"state", F_ENUM, 0, 0, 0, unit_report_states, 0},
    FIELDS_END,
};

static const api_sort_t unit_report_sorts[] = {
    {"reported_on", "r.reported_on", 0, NULL},
    {"unit_name", "u.name", 0, NULL},
    {NULL, NULL, 0, NULL},
};

/* The unit reports to the communities of the node (?org=, else the caller's
 * scope); with ?unit_id= and no ?org=, staff over the unit's node see all of it. */
static int unit_report_list_build(api_req_t *req, api_reply_t *rep, api_list_t *l)
{
    int64_t unit = 0, org = 0, node = 0;
    api_query_int(req, "unit_id", 0, 1, INT64_MAX, &unit);
    api_query_int(req, "org", 0, 1, INT64_MAX, &org);
    api_list_begin(l, UNIT_REPORT_COLUMNS, UNIT_REPORT_FROM, "r.id", NULL);
    int own = 0;
    if (unit) {
        api_list_where(l, "r.unit_id = ?", "i", unit);
        own = !org && db_one_int(req->db, &node, "SELECT org_id FROM unit WHERE id = ?", "i", unit) == DB_OK &&
              access_org(req->db, req->who, SR_READ, node, NULL, 0) == DB_OK;
    }
    if (!own && sr_community_range(req, rep, l, "o.path") != 0) {
        api_list_end(l);
        return -1;
    }
    sr_where_text(req, l, "state", "r.state = ?");
    return 0;
}

static int unit_report_list(api_req_t *req, api_reply_t *rep)
{
    api_list_t l;
    if (unit_report_list_build(req, rep, &l) != 0)
        return -1;
    return api_list_answer(req, rep, &l);
}

static const list_col_t unit_report_cols[] = {
    {"org_name", "社区", NULL, NULL},
    {"unit_name", "单位", NULL, NULL},
    {"party_org_name", "单位党组织", NULL, NULL},
    {"reported_on", "报到日期", NULL, NULL},
    {"contact_role", "联系人", NULL, NULL},
    {"offers", "可提供资源", NULL, NULL},
    {"state", "状态", unit_report_states, unit_report_state_words},
    {"received_at", "接收时间", NULL, NULL},
    {NULL, NULL, NULL, NULL},
};

static int unit_report_export(api_req_t *req, api_reply_t *rep)
{
    api_list_t l;
    if (unit_report_list_build(req, rep, &l) != 0)
        return -1;
    return api_list_export(req, rep, &l, "单位报到", unit_report_cols, "unit-reports");
}

/* ---------------------------------------------------------------- the table */

static const entity_t unit_report_entity = {"unit_report", NULL, unit_report_scope};

static int agreement_scope(db_t *db, const principal_t *who, int64_t id, int64_t *org)
{
    int64_t report = 0;
    int rc = db_one_int(db, &report, "SELECT report_id FROM unit_agreement WHERE id = ?", "i", id);
    return rc == DB_OK ? unit_report_scope(db, who, report, org) : rc;
}

static int agreement_item_scope(db_t *db, const principal_t *who, int64_t id, int64_t *org)
{
    int64_t agreement = 0;
    int rc = db_one_int(db, &agreement, "SELECT agreement_id FROM unit_agreement_item WHERE id = ?", "i", id);
    return rc == DB_OK ? agreement_scope(db, who, agreement, org) : rc;
}

static const entity_t agreement_entity = {"unit_agreement", NULL, agreement_scope};
static const entity_t agreement_item_entity = {"unit_agreement_item", NULL, agreement_item_scope};

const op_t unit_report_ops[] = {
    {OP(HTTP_GET, "/api/v1/unit-reports", "unit_reports.list", PERM(SR_READ), RF_PAGED, unit_report_list),
     .query = unit_report_query, .sorts = unit_report_sorts},
    {OP(HTTP_GET, "/api/v1/unit-reports/export", "unit_reports.export", PERM(SR_READ), RF_WRITES, unit_report_export),
     .query = unit_report_query},
    {OP(HTTP_POST, "/api/v1/unit-reports", "unit_reports.create", PERM(SR_WRITE), RF_BODY | RF_WRITES,
        unit_report_create),
     .body = unit_report_fields},
    {OP(HTTP_GET, "/api/v1/unit-reports/{id}", "unit_reports.get", PERM(SR_READ), 0, unit_report_get),
     .entity = &unit_report_entity},
    {OP(HTTP_POST, "/api/v1/unit-reports/{id}/receive", "unit_reports.receive", PERM(SR_WRITE), RF_BODY | RF_WRITES,
        unit_report_receive),
     .body = receive_fields, .entity = &unit_report_entity},
    {OP(HTTP_POST, "/api/v1/unit-reports/{id}/agreements", "unit_agreements.create", PERM(SR_WRITE),
        RF_BODY | RF_WRITES, unit_agreement_create),
     .body = agreement_fields, .entity = &unit_report_entity},
    {OP(HTTP_POST, "/api/v1/unit-agreements/{id}/items", "unit_agreements.add_item", PERM(SR_WRITE),
        RF_BODY | RF_WRITES, unit_agreement_item_create),
     .body = agreement_item_fields, .entity = &agreement_entity},
    {OP(HTTP_POST, "/api/v1/unit-agreement-items/{id}/done", "unit_agreements.item_done", PERM(SR_WRITE),
        RF_BODY | RF_WRITES, unit_agreement_item_done),
     .body = item_done_fields, .entity = &agreement_item_entity},
    OPS_END,
};
