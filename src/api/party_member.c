/* Party members (党员): a resident's membership of a party organisation, with
 * status 正式/预备, the in-service flag and employer, and the residential
 * community an in-service member registered with (报到). A resource keyed by the
 * person (api/resource.h); its own rules: the references it names must be in
 * the caller's sight, a member registers with a community, and the list can be
 * a community's registered members wherever their membership is held. */
#include "api/handlers.h"
#include "api/internal.h"
#include "api/list.h"
#include "api/resource.h"

#include <stdlib.h>
#include <string.h>

#include "core/path.h"
#include "core/role.h"
#include "core/timefmt.h"
#include "lib/util.h"

const char *const party_member_statuses[] = {"正式", "预备", NULL};

static const field_t create_fields[] = {
    {"person_id", F_INT, 1, 1, INT64_MAX, NULL, 0},
    {"party_org_id", F_INT, 1, 1, INT64_MAX, NULL, 0},
    {"status", F_ENUM, 1, 0, 0, party_member_statuses, 0},
    {"joined_on", F_DATE, 1, DATE_PARTY_EARLIEST, 0, NULL, 0},
    {"in_service", F_BOOL, 0, 0, 0, NULL, 0},
    {"employer_unit_id", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"registered_org_id", F_INT, 0, 1, INT64_MAX, NULL, 0},
    FIELDS_END,
};

static const field_t update_fields[] = {
    {"party_org_id", F_INT, F_NOT_NULL, 1, INT64_MAX, NULL, 0},
    {"status", F_ENUM, F_NOT_NULL, 0, 0, party_member_statuses, 0},
    {"joined_on", F_DATE, F_NOT_NULL, DATE_PARTY_EARLIEST, 0, NULL, 0},
    {"in_service", F_BOOL, F_NOT_NULL, 0, 0, NULL, 0},
    {"employer_unit_id", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"registered_org_id", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"version", F_INT, 0, 1, INT64_MAX, NULL, 0},
    FIELDS_END,
};

static const field_t list_query[] = {
    {"org", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"party_org", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"in_service", F_BOOL, 0, 0, 0, NULL, 0},
    {"status", F_ENUM, 0, 0, 0, party_member_statuses, 0},
    {"registered_org", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"q", F_TEXT, 0, 0, 0, NULL, 0},
    FIELDS_END,
};

#define PM_COLUMNS                                                                                                     \
    "SELECT m.person_id, p.name, p.gender, p.birth_year, p.id_card_masked AS id_card, p.phone_masked AS phone,"      \
    " m.party_org_id, po.name AS party_org_name,"                                                                    \
    " po.org_id, m.status, m.joined_on, m.in_service AS is_in_service, m.employer_unit_id, u.name AS employer_name,"  \
    " m.registered_org_id, r.name AS registered_org_name, m.created_at, m.updated_at, m.version"
#define PM_FROM                                                                                                        \
    "FROM party_member m JOIN person p ON p.id = m.person_id JOIN party_org po ON po.id = m.party_org_id"            \
    " JOIN org o ON o.id = po.org_id LEFT JOIN unit u ON u.id = m.employer_unit_id"                                  \
    " LEFT JOIN org r ON r.id = m.registered_org_id"

/* The same, the members first (a CROSS JOIN keeps them the outer loop, in key order). */
#define PM_FROM_ROWS_FIRST                                                                                             \
    "FROM party_member m CROSS JOIN person p CROSS JOIN party_org po CROSS JOIN org o"                                \
    " LEFT JOIN unit u ON u.id = m.employer_unit_id LEFT JOIN org r ON r.id = m.registered_org_id"

static const entity_t party_member_entity = {
    "party_member",
    "SELECT po.org_id FROM party_member m JOIN party_org po ON po.id = m.party_org_id WHERE m.person_id = ?", NULL};

int party_member_rollup(db_t *db, int64_t person, int sign)
{
    db_stmt_t *st = db_q(db,
                         "SELECT po.org_id, m.status, m.in_service, COALESCE(m.registered_org_id, 0)"
                         " FROM party_member m JOIN party_org po ON po.id = m.party_org_id WHERE m.person_id = ?",
                         "i", person);
    if (st == NULL)
        return DB_ERR;
    int rc = db_step(st);
    if (rc != DB_ROW) {
        db_done(st);
        return rc == DB_DONE ? DB_OK : rc;
    }
    int64_t org = db_col_int(st, 0), in_service = db_col_int(st, 2), registered = db_col_int(st, 3);
    int formal = strcmp(db_col_text(st, 1), "正式") == 0;
    db_done(st);
    rc = rollup_add(db, org, "party_members", sign);
    if (rc == DB_OK)
        rc = rollup_add(db, org, formal ? "party_members_formal" : "party_members_probationary", sign);
    if (rc == DB_OK && in_service)
        rc = rollup_add(db, org, "party_members_in_service", sign);
    if (rc == DB_OK && in_service && registered > 0)
        rc = rollup_add(db, registered, "in_service_registered", sign);
    return rc;
}

static int ref_404(api_reply_t *rep, const char *lang, const char *field)
{
    return api_fail(rep, lang, E_REFERENCE_NOT_FOUND, field);
}

/* The party organisation the member belongs to places it: its node. */
static int place(db_t *db, const write_ctx_t *w, const json_t *in, int64_t *org, api_reply_t *rep)
{
    if (db_one_int(db, org, "SELECT org_id FROM party_org WHERE id = ?", "i",
                   json_integer_value(json_object_get(in, "party_org_id"))) != DB_OK ||
        access_org(db, &w->who, PERM_PARTY_WRITE, *org, NULL, 0) != DB_OK)
        return ref_404(rep, w->lang, "party_org_id");
    return 0;
}

/* The references the input names must be in the caller's sight; a new member
 * is a resident the caller can see who is not a member yet. */
static int before(db_t *db, const write_ctx_t *w, int64_t person, const json_t *in, api_reply_t *rep)
{
    if (in == NULL)
        return 0;
    json_t *v;
    int64_t org;
    if (person == 0) {
        person = json_integer_value(json_object_get(in, "person_id"));
        if (db_one_int(db, &org, "SELECT org_id FROM person WHERE id = ?", "i", person) != DB_OK ||
            access_org(db, &w->who, PERM_PEOPLE_READ, org, NULL, 0) != DB_OK)
            return ref_404(rep, w->lang, "person_id");
        if (db_one_int(db, &org, "SELECT person_id FROM party_member WHERE person_id = ?", "i", person) == DB_OK)
            return api_fail(rep, w->lang, E_ALREADY_PARTY_MEMBER, "person_id");
    } else if ((v = json_object_get(in, "party_org_id")) && place(db, w, in, &org, rep) != 0) {
        return -1;
    }
    if ((v = json_object_get(in, "employer_unit_id")) && json_is_integer(v) &&
        (db_one_int(db, &org, "SELECT org_id FROM unit WHERE id = ?", "i", json_integer_value(v)) != DB_OK ||
         access_org(db, &w->who, PERM_UNIT_READ, org, NULL, 0) != DB_OK))
        return ref_404(rep, w->lang, "employer_unit_id");
    if ((v = json_object_get(in, "registered_org_id")) && json_is_integer(v)) {
        char level[16] = "";
        if (access_org(db, &w->who, PERM_ORG_READ, json_integer_value(v), NULL, 0) != DB_OK ||
            db_one_text(db, level, sizeof level, "SELECT level FROM org WHERE id = ?", "i", json_integer_value(v)) !=
                DB_OK)
            return ref_404(rep, w->lang, "registered_org_id");
        if (strcmp(level, "community") != 0)
            return api_fail(rep, w->lang, E_MEMBER_ORG_LEVEL, "registered_org_id");
    }
    return 0;
}

/* Members who registered (报到) with a community are that community's business
 * wherever their membership is held: the list's own scope. */
int party_member_list(api_req_t *req, api_reply_t *rep)
{
    /* The operation declares its parameters: they are well formed here. */
    int64_t org = 0, party_org = 0, in_service = -1, registered = 0;
    if (api_query_int(req, "org", 0, 1, INT64_MAX, &org) != 0 ||
        api_query_int(req, "party_org", 0, 1, INT64_MAX, &party_org) != 0 ||
        api_query_int(req, "in_service", -1, 0, 1, &in_service) != 0 ||
        api_query_int(req, "registered_org", 0, 1, INT64_MAX, &registered) != 0)
        return -1;
    char *status = api_query(req, "status");
    /* Members who registered (报到) with a community are that community's business
     * wherever their membership is held: with registered_org, the scope check is on
     * that node, and the membership's node filters only when org is given too. */
    char lo[ACCESS_PATH_MAX] = "/", hi[ACCESS_PATH_MAX] = "0", rlo[ACCESS_PATH_MAX] = "/", rhi[ACCESS_PATH_MAX] = "0";
    int rc = registered && !org ? DB_OK : access_list_range(req->db, req->who, PERM_PARTY_READ, org, lo, hi);
    if (rc == DB_OK && registered) {
        rc = access_list_range(req->db, req->who, PERM_PARTY_READ, registered, rlo, rhi);
        if (rc == DB_NOTFOUND) {
            free(status);
            return api_fail(rep, req->lang, E_ORG_NOT_FOUND, "registered_org");
        }
    }
    if (rc != DB_OK) {
        free(status);
        return api_db_error(rep, req->lang, rc, "org");
    }
    api_list_t l;
    api_list_begin(&l, PM_COLUMNS, PM_FROM, "m.person_id", "person_id");
    /* Each filter given is a plain condition (an index serves it), an absent one no condition. */
    api_list_where(&l, "o.path >= ? AND o.path < ?", "tt", lo, hi);
    if (party_org)
        api_list_where(&l, "m.party_org_id = ?", "i", party_org);
    if (in_service >= 0)
        api_list_where(&l, "m.in_service = ?", "i", in_service);
    if (status)
        api_list_where(&l, "m.status = ?", "t", status);
    if (registered)
        api_list_where(&l, "r.path >= ? AND r.path < ?", "tt", rlo, rhi);
    /* The member's name from its start, as the residents list searches it. */
    char *prefix = api_prefix_param(req, "q");
    int has_q = prefix != NULL;
    int64_t matches = -1; /* a common name (above the cap): its members come soon in any order */
    if (prefix && api_name_prefix_where(req->db, &l, "p.name", prefix, 0, &matches) != DB_OK) {
        free(prefix);
        free(status);
        api_list_end(&l);
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    }
    free(prefix);
    int common_name = matches > l.cap;
    /* The members of a subtree, all of them or by status or in service alone: the
     * kept figure says how many (exact); a wide subtree is read in key order. */
    const char *figure = party_org || registered || in_service == 0 || has_q ? NULL
                         : status && in_service > 0                                              ? NULL
                         : status ? (strcmp(status, "正式") == 0 ? "party_members_formal" : "party_members_probationary")
                         : in_service > 0 ? "party_members_in_service"
                                          : "party_members";
    free(status);
    int64_t limit = 50;
    char *sort = api_query(req, "sort");
    if (figure && api_query_int(req, "limit", 50, 1, 200, &limit) == 0) {
        l.limit = limit;
        if (api_list_counted(req->db, &l, lo, path_last_id(lo), figure) && sort == NULL) {
            l.from = PM_FROM_ROWS_FIRST;
            api_list_where(&l, "p.id = m.person_id AND po.id = m.party_org_id AND o.id = po.org_id", "");
        }
    }
    if (common_name && sort == NULL && !party_org && !registered && api_subtree_whole(req->db, lo)) {
        l.from = PM_FROM_ROWS_FIRST; /* a common name: its members come soon in key order */
        api_list_where(&l, "p.id = m.person_id AND po.id = m.party_org_id AND o.id = po.org_id", "");
    }
    free(sort);
    return api_list_answer(req, rep, &l);
}

static const resource_t party_member_res = {
    .name = "party_member",
    .table = "party_member",
    .entity = &party_member_entity,
    .columns = PM_COLUMNS,
    .from = PM_FROM,
    .key = "m.person_id",
    .id_column = "person_id",
    .org_path = "o.path",
    .read_perm = PERM_PARTY_READ,
    .write_perm = PERM_PARTY_WRITE,
    .create = create_fields,
    .update = update_fields,
    .rules = {.place = place, .before = before, .figures = party_member_rollup},
};

/* ---- many members at once (the console's selected rows) ---- */

#define PARTY_MEMBER_BULK_MAX 200

static const char *const bulk_actions[] = {"move", "delete", NULL};

static const field_t bulk_fields[] = {
    {"action", F_ENUM, 1, 0, 0, bulk_actions, 0},
    {"ids", F_IDS, 1, 1, PARTY_MEMBER_BULK_MAX, NULL, 0},
    {"party_org_id", F_INT, 0, 1, INT64_MAX, NULL, 0},
    FIELDS_END,
};

/* A row's refusal names it: the field ids (unless the rule named one) and its id. */
static int bulk_refused(api_reply_t *rep, int64_t id)
{
    json_t *e = json_object_get(rep->json, "error");
    if (!json_is_string(json_object_get(e, "field")))
        json_object_set_new(e, "field", json_string("ids"));
    json_object_set_new(e, "id", json_integer((json_int_t)id));
    return -1;
}

/* One write for all the rows: each as its single PATCH or DELETE would change it
 * (scope, rules, the kept figures, its own audit row), so the first refusal rolls
 * every row back. A member already in the party organisation is unchanged. */
static int bulk_write(db_t *db, const write_ctx_t *w, json_t *in, api_reply_t *rep)
{
    int move = strcmp(json_string_value(json_object_get(in, "action")), "move") == 0;
    int64_t target = json_integer_value(json_object_get(in, "party_org_id")), changed = 0, org;
    const json_t *ids = json_object_get(in, "ids");
    if (move && place(db, w, in, &org, rep) != 0) /* the party organisation moved to, in the caller's scope */
        return -1;
    json_t *change = json_pack("{s:I}", "party_org_id", (json_int_t)target);
    size_t i;
    json_t *v;
    int rc = 0;
    json_array_foreach(ids, i, v) {
        int64_t id = json_integer_value(v), now = 0;
        /* Already there (and so in the caller's scope, as the target is): unchanged. A member missing or
         * outside the caller's party.write scope is refused by the row's own change, alike. */
        if (move && db_one_int(db, &now, "SELECT party_org_id FROM party_member WHERE person_id = ?", "i", id) ==
                        DB_OK &&
            now == target)
            continue;
        if ((move ? res_update_row(db, w, &party_member_res, id, change, rep)
                  : res_delete_row(db, w, &party_member_res, id, rep)) != 0) {
            rc = bulk_refused(rep, id);
            break;
        }
        changed++;
    }
    json_decref(change);
    if (rc == 0)
        api_json(rep, 200,
                 json_pack("{s:s, s:I, s:I}", "action", move ? "move" : "delete", "count", (json_int_t)json_array_size(ids),
                           "changed", (json_int_t)changed));
    return rc;
}

/* POST /api/v1/party-members/bulk: the body as declared, a move naming where to,
 * then the one write. */
static int party_member_bulk(api_req_t *req, api_reply_t *rep)
{
    const char *action = json_string_value(json_object_get(req->body, "action"));
    if (strcmp(action, "move") == 0 && !json_is_integer(json_object_get(req->body, "party_org_id")))
        return api_fail(rep, req->lang, E_FIELD_REQUIRED, "party_org_id");
    json_t *data = req->body;
    req->body = NULL;
    return api_defer_kept(req, bulk_write, data);
}

const op_t party_member_ops[] = {
    {OP(HTTP_GET, "/api/v1/party-members", "party_members.list", PERM(PERM_PARTY_READ), RF_PAGED, party_member_list),
     .query = list_query},
    {OP(HTTP_POST, "/api/v1/party-members", "party_members.create", PERM(PERM_PARTY_WRITE), RF_BODY | RF_WRITES,
        res_create), .res = &party_member_res, .body = create_fields},
    {OP(HTTP_GET, "/api/v1/party-members/{id}", "party_members.get", PERM(PERM_PARTY_READ), 0, res_get),
     .res = &party_member_res, .entity = &party_member_entity},
    {OP(HTTP_PATCH, "/api/v1/party-members/{id}", "party_members.update", PERM(PERM_PARTY_WRITE), RF_BODY | RF_WRITES,
        res_update), .res = &party_member_res, .body = update_fields, .entity = &party_member_entity},
    {OP(HTTP_DELETE, "/api/v1/party-members/{id}", "party_members.delete", PERM(PERM_PARTY_WRITE), RF_WRITES,
        res_delete), .res = &party_member_res, .entity = &party_member_entity},
    {OP(HTTP_POST, "/api/v1/party-members/bulk", "party_members.bulk", PERM(PERM_PARTY_WRITE), RF_BODY | RF_WRITES,
        party_member_bulk), .body = bulk_fields},
    OPS_END,
};
