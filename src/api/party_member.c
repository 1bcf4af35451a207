/* Party members (党员): a resident's membership of a party organisation, with
 * status 正式/预备, the in-service flag and employer, and the residential
 * community an in-service member registered with (报到). */
#include "api/handlers.h"
#include "api/internal.h"

#include <stdlib.h>
#include <string.h>

#include "core/role.h"
#include "core/timefmt.h"
#include "lib/util.h"

const char *const party_member_statuses[] = {"正式", "预备", NULL};

static const field_t create_fields[] = {
    {"person_id", F_INT, 1, 1, INT64_MAX, NULL},
    {"party_org_id", F_INT, 1, 1, INT64_MAX, NULL},
    {"status", F_ENUM, 1, 0, 0, party_member_statuses},
    {"joined_on", F_DATE, 1, DATE_PARTY_EARLIEST, 0, NULL},
    {"in_service", F_BOOL, 0, 0, 0, NULL},
    {"employer_unit_id", F_INT, 0, 1, INT64_MAX, NULL},
    {"registered_org_id", F_INT, 0, 1, INT64_MAX, NULL},
    FIELDS_END,
};

static const field_t update_fields[] = {
    {"party_org_id", F_INT, F_NOT_NULL, 1, INT64_MAX, NULL},
    {"status", F_ENUM, F_NOT_NULL, 0, 0, party_member_statuses},
    {"joined_on", F_DATE, F_NOT_NULL, DATE_PARTY_EARLIEST, 0, NULL},
    {"in_service", F_BOOL, F_NOT_NULL, 0, 0, NULL},
    {"employer_unit_id", F_INT, 0, 1, INT64_MAX, NULL},
    {"registered_org_id", F_INT, 0, 1, INT64_MAX, NULL},
    {"version", F_INT, 0, 1, INT64_MAX, NULL},
    FIELDS_END,
};

#define PM_SELECT                                                                                                      \
    "SELECT m.person_id, p.name, p.gender, p.id_card_masked AS id_card, m.party_org_id, po.name AS party_org_name,"  \
    " po.org_id, m.status, m.joined_on, m.in_service AS is_in_service, m.employer_unit_id, u.name AS employer_name,"  \
    " m.registered_org_id, r.name AS registered_org_name, m.created_at, m.updated_at, m.version"                    \
    " FROM party_member m JOIN person p ON p.id = m.person_id JOIN party_org po ON po.id = m.party_org_id"           \
    " JOIN org o ON o.id = po.org_id LEFT JOIN unit u ON u.id = m.employer_unit_id"                                  \
    " LEFT JOIN org r ON r.id = m.registered_org_id"

static json_t *pm_json(db_t *db, int64_t person)
{
    json_t *rows = db_rows_json(db, PM_SELECT " WHERE m.person_id = ?", "i", person);
    json_t *o = rows && json_array_size(rows) == 1 ? json_incref(json_array_get(rows, 0)) : NULL;
    json_decref(rows);
    return o;
}

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

static int pm_access(db_t *db, const principal_t *who, uint32_t perm, int64_t person, int64_t *org)
{
    int rc = db_one_int(db, org,
                        "SELECT po.org_id FROM party_member m JOIN party_org po ON po.id = m.party_org_id"
                        " WHERE m.person_id = ?",
                        "i", person);
    if (rc != DB_OK)
        return rc;
    return access_org(db, who, perm, *org, NULL, 0);
}

static int ref_404(api_reply_t *rep, const char *lang, const char *field)
{
    return api_error(rep, lang, 404, "not_found", field, "引用的记录不存在", "the referenced record does not exist") -
           1;
}

/* Check the references in data the caller must be able to see. 0, or -1 with rep. */
static int check_refs(db_t *db, const write_ctx_t *w, const json_t *data, int64_t *party_org_org, api_reply_t *rep)
{
    json_t *v;
    int64_t org;
    if ((v = json_object_get(data, "party_org_id")) && json_is_integer(v)) {
        if (db_one_int(db, &org, "SELECT org_id FROM party_org WHERE id = ?", "i", json_integer_value(v)) != DB_OK ||
            access_org(db, &w->who, PERM_PARTY_WRITE, org, NULL, 0) != DB_OK)
            return ref_404(rep, w->lang, "party_org_id");
        *party_org_org = org;
    }
    if ((v = json_object_get(data, "employer_unit_id")) && json_is_integer(v)) {
        if (db_one_int(db, &org, "SELECT org_id FROM unit WHERE id = ?", "i", json_integer_value(v)) != DB_OK ||
            access_org(db, &w->who, PERM_UNIT_READ, org, NULL, 0) != DB_OK)
            return ref_404(rep, w->lang, "employer_unit_id");
    }
    if ((v = json_object_get(data, "registered_org_id")) && json_is_integer(v)) {
        char level[16] = "";
        if (access_org(db, &w->who, PERM_ORG_READ, json_integer_value(v), NULL, 0) != DB_OK ||
            db_one_text(db, level, sizeof level, "SELECT level FROM org WHERE id = ?", "i", json_integer_value(v)) !=
                DB_OK)
            return ref_404(rep, w->lang, "registered_org_id");
        if (strcmp(level, "community") != 0)
            return api_error(rep, w->lang, 400, "validation_failed", "registered_org_id", "报到的应是社区或村",
                             "members register with a community or village") - 1;
    }
    return 0;
}

static int create_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    int64_t person = json_integer_value(json_object_get(data, "person_id")), porg = 0, org = 0, exists = 0;
    if (db_one_int(db, &porg, "SELECT org_id FROM person WHERE id = ?", "i", person) != DB_OK ||
        access_org(db, &w->who, PERM_PEOPLE_READ, porg, NULL, 0) != DB_OK)
        return ref_404(rep, w->lang, "person_id");
    if (check_refs(db, w, data, &org, rep) != 0)
        return -1;
    if (db_one_int(db, &exists, "SELECT person_id FROM party_member WHERE person_id = ?", "i", person) == DB_OK)
        return api_error(rep, w->lang, 409, "conflict", "person_id", "该居民已登记为党员",
                         "this resident is already a party member") - 1;
    int rc = db_exec(db, NULL,
                     "INSERT INTO party_member (person_id, party_org_id, status, joined_on, in_service,"
                     " employer_unit_id, registered_org_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     "iittiIIii", person, json_integer_value(json_object_get(data, "party_org_id")),
                     json_string_value(json_object_get(data, "status")),
                     json_string_value(json_object_get(data, "joined_on")),
                     (int64_t)json_is_true(json_object_get(data, "in_service")),
                     json_integer_value(json_object_get(data, "employer_unit_id")),
                     json_integer_value(json_object_get(data, "registered_org_id")), w->now, w->now);
    if (rc == DB_OK)
        rc = party_member_rollup(db, person, +1);
    if (rc == DB_OK)
        rc = audit_append(db, w, "party_member.created", "party_member", person, org, data);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    api_json(rep, 201, pm_json(db, person));
    return 0;
}

int party_member_create(api_req_t *req, api_reply_t *rep)
{
    if (api_validate(req, req->body, create_fields, rep) != 0)
        return 0;
    return api_defer(req, create_write, json_deep_copy(req->body));
}

int party_member_get(api_req_t *req, api_reply_t *rep)
{
    int64_t org;
    int rc = pm_access(req->db, req->who, PERM_PARTY_READ, req->params[0], &org);
    if (rc != DB_OK)
        return api_db_error(rep, req->lang, rc, "party_member");
    json_t *m = pm_json(req->db, req->params[0]);
    return m ? api_json(rep, 200, m) : api_db_error(rep, req->lang, DB_ERR, NULL);
}

int party_member_list(api_req_t *req, api_reply_t *rep)
{
    int64_t limit, after, org = 0, party_org = 0, in_service = -1, registered = 0;
    if (api_page(req, rep, &limit, &after) != 0)
        return 0;
    if (api_query_int(req, "org", 0, 1, INT64_MAX, &org) != 0 ||
        api_query_int(req, "party_org", 0, 1, INT64_MAX, &party_org) != 0 ||
        api_query_int(req, "in_service", -1, 0, 1, &in_service) != 0)
        return api_error(rep, req->lang, 400, "validation_failed", NULL, "筛选条件无效", "a filter is not valid");
    if (api_query_int(req, "registered_org", 0, 1, INT64_MAX, &registered) != 0)
        return api_error(rep, req->lang, 400, "validation_failed", "registered_org", "registered_org 无效",
                         "registered_org is not a valid id");
    char *status = api_query(req, "status");
    if (status && strcmp(status, "正式") != 0 && strcmp(status, "预备") != 0) {
        free(status);
        return api_error(rep, req->lang, 400, "validation_failed", "status", "状态应为 正式 或 预备",
                         "status is 正式 or 预备");
    }
    /* Members who registered (报到) with a community are that community's business
     * wherever their membership is held: with registered_org, the scope check is on
     * that node, and the membership's node filters only when org is given too. */
    char lo[ACCESS_PATH_MAX] = "/", hi[ACCESS_PATH_MAX] = "0", rlo[ACCESS_PATH_MAX] = "/", rhi[ACCESS_PATH_MAX] = "0";
    int rc = registered && !org ? DB_OK : access_list_range(req->db, req->who, PERM_PARTY_READ, org, lo, hi);
    if (rc == DB_OK && registered) {
        rc = access_list_range(req->db, req->who, PERM_PARTY_READ, registered, rlo, rhi);
        if (rc == DB_NOTFOUND) {
            free(status);
            return api_error(rep, req->lang, 404, "not_found", "registered_org", "组织不存在", "no such organisation");
        }
    }
    if (rc != DB_OK) {
        free(status);
        return api_db_error(rep, req->lang, rc, "org");
    }
    json_t *items = db_rows_json(req->db,
                                 PM_SELECT " WHERE o.path >= ? AND o.path < ? AND m.person_id > ?"
                                           " AND (? = 0 OR m.party_org_id = ?) AND (? < 0 OR m.in_service = ?)"
                                           " AND (CAST(? AS TEXT) IS NULL OR m.status = ?)"
                                           " AND (? = 0 OR (r.path >= ? AND r.path < ?))"
                                           " ORDER BY m.person_id LIMIT ?",
                                 "ttiiiiittitti", lo, hi, after, party_org, party_org, in_service, in_service, status,
                                 status, registered, rlo, rhi, limit + 1);
    free(status);
    if (items == NULL)
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    /* The cursor of this list is the person id. */
    size_t n = json_array_size(items);
    json_t *out = json_object();
    json_t *next = json_null();
    if ((int64_t)n > limit) {
        json_array_remove(items, n - 1);
        next = json_sprintf("%lld", (long long)json_integer_value(
                                        json_object_get(json_array_get(items, n - 2), "person_id")));
    }
    json_object_set_new(out, "items", items);
    json_object_set_new(out, "next", next);
    return api_json(rep, 200, out);
}

static int update_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    int64_t person = json_integer_value(json_object_get(data, "id")), org;
    int rc = pm_access(db, &w->who, PERM_PARTY_WRITE, person, &org);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "party_member");
    if (api_check_version(db, w, "SELECT version FROM party_member WHERE person_id = ?", person, data, rep) != 0)
        return -1;
    json_t *v;
    if (check_refs(db, w, data, &org, rep) != 0)
        return -1;
    rc = party_member_rollup(db, person, -1);
    static const char *cols[][3] = {
        {"party_org_id", "UPDATE party_member SET party_org_id = ? WHERE person_id = ?", "Ii"},
        {"status", "UPDATE party_member SET status = ? WHERE person_id = ?", "ti"},
        {"joined_on", "UPDATE party_member SET joined_on = ? WHERE person_id = ?", "ti"},
        {"employer_unit_id", "UPDATE party_member SET employer_unit_id = ? WHERE person_id = ?", "Ii"},
        {"registered_org_id", "UPDATE party_member SET registered_org_id = ? WHERE person_id = ?", "Ii"},
    };
    for (size_t i = 0; rc == DB_OK && i < sizeof cols / sizeof cols[0]; i++) {
        if ((v = json_object_get(data, cols[i][0])) == NULL)
            continue;
        if (cols[i][2][0] == 't')
            rc = db_exec(db, NULL, cols[i][1], "ti", json_string_value(v), person);
        else
            rc = db_exec(db, NULL, cols[i][1], "Ii", json_integer_value(v), person);
    }
    if (rc == DB_OK && (v = json_object_get(data, "in_service")))
        rc = db_exec(db, NULL, "UPDATE party_member SET in_service = ? WHERE person_id = ?", "ii",
                     (int64_t)json_is_true(v), person);
    if (rc == DB_OK)
        rc = party_member_rollup(db, person, +1);
    if (rc == DB_OK)
        rc = db_exec(db, NULL, "UPDATE party_member SET updated_at = ?, version = version + 1 WHERE person_id = ?",
                     "ii", w->now, person);
    if (rc == DB_OK)
        rc = audit_append(db, w, "party_member.updated", "party_member", person, org, data);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    api_json(rep, 200, pm_json(db, person));
    return 0;
}

int party_member_update(api_req_t *req, api_reply_t *rep)
{
    if (api_validate(req, req->body, update_fields, rep) != 0)
        return 0;
    json_t *data = json_deep_copy(req->body);
    json_object_set_new(data, "id", json_integer(req->params[0]));
    return api_defer(req, update_write, data);
}

static int delete_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    int64_t person = json_integer_value(json_object_get(data, "id")), org;
    int rc = pm_access(db, &w->who, PERM_PARTY_WRITE, person, &org);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "party_member");
    rc = party_member_rollup(db, person, -1);
    if (rc == DB_OK)
        rc = audit_append(db, w, "party_member.deleted", "party_member", person, org, NULL);
    if (rc == DB_OK)
        rc = db_exec(db, NULL, "DELETE FROM party_member WHERE person_id = ?", "i", person);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    rep->status = 204;
    return 0;
}

int party_member_delete(api_req_t *req, api_reply_t *rep)
{
    (void)rep;
    return api_defer(req, delete_write, json_pack("{s:I}", "id", (json_int_t)req->params[0]));
}
