/* Households (户): an address at an org, the residents living there counted. */
#include "api/handlers.h"
#include "api/op.h"
#include "api/internal.h"

#include <stdlib.h>

#include "core/role.h"
#include "lib/util.h"

static const field_t household_fields[] = {
    {"org_id", F_INT, 1, 1, INT64_MAX, NULL},
    {"address", F_TEXT, 1, 1, 200, NULL},
    FIELDS_END,
};

static const field_t household_update_fields[] = {
    {"org_id", F_INT, F_NOT_NULL, 1, INT64_MAX, NULL},
    {"address", F_TEXT, F_NOT_NULL, 1, 200, NULL},
    {"version", F_INT, 0, 1, INT64_MAX, NULL},
    FIELDS_END,
};

#define HOUSEHOLD_SELECT                                                                                               \
    "SELECT h.id, h.org_id, o.name AS org_name, h.address, h.created_at, h.updated_at, h.version,"                   \
    " (SELECT COUNT(*) FROM person p WHERE p.household_id = h.id) AS members"                                        \
    " FROM household h JOIN org o ON o.id = h.org_id"

static json_t *household_json(db_t *db, int64_t id)
{
    json_t *rows = db_rows_json(db, HOUSEHOLD_SELECT " WHERE h.id = ?", "i", id);
    json_t *o = rows && json_array_size(rows) == 1 ? json_incref(json_array_get(rows, 0)) : NULL;
    json_decref(rows);
    return o;
}

static int household_access(db_t *db, const principal_t *who, uint32_t perm, int64_t id, int64_t *org_id)
{
    int rc = db_one_int(db, org_id, "SELECT org_id FROM household WHERE id = ?", "i", id);
    if (rc != DB_OK)
        return rc;
    return access_org(db, who, perm, *org_id, NULL, 0);
}

static int household_create_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    int64_t org = json_integer_value(json_object_get(data, "org_id")), id = 0;
    int rc = access_org(db, &w->who, PERM_PEOPLE_WRITE, org, NULL, 0);
    if (rc == DB_NOTFOUND)
        return api_error(rep, w->lang, 404, "not_found", "org_id", "组织不存在", "no such organisation") - 1;
    if (rc == DB_OK)
        rc = db_one_int(db, &id,
                        "INSERT INTO household (org_id, address, created_at, updated_at) VALUES (?, ?, ?, ?)"
                        " RETURNING id",
                        "itii", org, json_string_value(json_object_get(data, "address")), w->now, w->now);
    if (rc == DB_OK)
        rc = rollup_add(db, org, "households", 1);
    if (rc == DB_OK)
        rc = audit_append(db, w, "household.created", "household", id, org, data);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    api_json(rep, 201, household_json(db, id));
    return 0;
}

int household_create(api_req_t *req, api_reply_t *rep)
{
    if (api_validate(req, req->body, household_fields, rep) != 0)
        return 0;
    return api_defer(req, household_create_write, json_deep_copy(req->body));
}

int household_get(api_req_t *req, api_reply_t *rep)
{
    int64_t org;
    int rc = household_access(req->db, req->who, PERM_PEOPLE_READ, req->params[0], &org);
    if (rc != DB_OK)
        return api_db_error(rep, req->lang, rc, "household");
    json_t *h = household_json(req->db, req->params[0]);
    return h ? api_json(rep, 200, h) : api_db_error(rep, req->lang, DB_ERR, NULL);
}

int household_list(api_req_t *req, api_reply_t *rep)
{
    int64_t limit, after, org = 0;
    if (api_page(req, rep, &limit, &after) != 0)
        return 0;
    if (api_query_int(req, "org", 0, 1, INT64_MAX, &org) != 0)
        return api_error(rep, req->lang, 400, "validation_failed", "org", "org 无效", "org is not a valid id");
    char lo[ACCESS_PATH_MAX], hi[ACCESS_PATH_MAX];
    int rc = access_list_range(req->db, req->who, PERM_PEOPLE_READ, org, lo, hi);
    if (rc != DB_OK)
        return api_db_error(rep, req->lang, rc, "org");
    char *like = api_like_param(req, "q");
    json_t *items = db_rows_json(req->db,
                                 HOUSEHOLD_SELECT " WHERE o.path >= ? AND o.path < ? AND h.id > ?"
                                                  " AND (CAST(? AS TEXT) IS NULL OR h.address LIKE ? ESCAPE '\\')"
                                                  " ORDER BY h.id LIMIT ?",
                                 "ttitti", lo, hi, after, like, like, limit + 1);
    free(like);
    if (items == NULL)
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    return api_json(rep, 200, api_page_result(items, limit));
}

static int household_update_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    int64_t id = json_integer_value(json_object_get(data, "id")), org;
    int rc = household_access(db, &w->who, PERM_PEOPLE_WRITE, id, &org);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "household");
    if (api_check_version(db, w, "SELECT version FROM household WHERE id = ?", id, data, rep) != 0)
        return -1;
    json_t *v;
    if ((v = json_object_get(data, "org_id")) && json_integer_value(v) != org) {
        int64_t to = json_integer_value(v);
        rc = access_org(db, &w->who, PERM_PEOPLE_WRITE, to, NULL, 0);
        if (rc == DB_NOTFOUND)
            return api_error(rep, w->lang, 404, "not_found", "org_id", "组织不存在", "no such organisation") - 1;
        /* A household moves with its members. */
        json_t *members = rc == DB_OK ? db_rows_json(db, "SELECT id FROM person WHERE household_id = ?", "i", id)
                                      : NULL;
        size_t i;
        json_t *m;
        json_array_foreach(members, i, m) {
            int64_t pid = json_integer_value(json_object_get(m, "id"));
            if (rc == DB_OK)
                rc = person_rollup(db, pid, -1);
            if (rc == DB_OK)
                rc = db_exec(db, NULL, "UPDATE person SET org_id = ? WHERE id = ?", "ii", to, pid);
            if (rc == DB_OK)
                rc = person_rollup(db, pid, +1);
        }
        json_decref(members);
        if (rc == DB_OK)
            rc = rollup_add(db, org, "households", -1);
        if (rc == DB_OK)
            rc = rollup_add(db, to, "households", 1);
        if (rc == DB_OK)
            rc = db_exec(db, NULL, "UPDATE household SET org_id = ? WHERE id = ?", "ii", to, id);
        org = to;
    }
    if (rc == DB_OK && (v = json_object_get(data, "address")))
        rc = db_exec(db, NULL, "UPDATE household SET address = ? WHERE id = ?", "ti", json_string_value(v), id);
    if (rc == DB_OK)
        rc = db_exec(db, NULL, "UPDATE household SET updated_at = ?, version = version + 1 WHERE id = ?", "ii",
                     w->now, id);
    if (rc == DB_OK)
        rc = audit_append(db, w, "household.updated", "household", id, org, data);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    api_json(rep, 200, household_json(db, id));
    return 0;
}

int household_update(api_req_t *req, api_reply_t *rep)
{
    if (api_validate(req, req->body, household_update_fields, rep) != 0)
        return 0;
    json_t *data = json_deep_copy(req->body);
    json_object_set_new(data, "id", json_integer(req->params[0]));
    return api_defer(req, household_update_write, data);
}

static int household_delete_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    int64_t id = json_integer_value(json_object_get(data, "id")), org, members = 0;
    int rc = household_access(db, &w->who, PERM_PEOPLE_WRITE, id, &org);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "household");
    rc = db_one_int(db, &members, "SELECT COUNT(*) FROM person WHERE household_id = ?", "i", id);
    if (rc == DB_OK && members > 0)
        return api_error(rep, w->lang, 409, "not_empty", NULL, "该户仍有成员，不能删除",
                         "this household still has members") - 1;
    if (rc == DB_OK)
        rc = rollup_add(db, org, "households", -1);
    if (rc == DB_OK)
        rc = audit_append(db, w, "household.deleted", "household", id, org, NULL);
    if (rc == DB_OK)
        rc = db_exec(db, NULL, "DELETE FROM household WHERE id = ?", "i", id);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    rep->status = 204;
    return 0;
}

int household_delete(api_req_t *req, api_reply_t *rep)
{
    (void)rep;
    return api_defer(req, household_delete_write, json_pack("{s:I}", "id", (json_int_t)req->params[0]));
}

static const field_t households_list_query[] = {
    {"org", F_INT, 0, 1, INT64_MAX, NULL},
    {"q", F_TEXT, 0, 0, 0, NULL},
    FIELDS_END,
};

const op_t household_ops[] = {
    {OP(HTTP_GET, "/api/v1/households", "households.list", PERM(PERM_PEOPLE_READ), RF_PAGED, household_list),
     .query = households_list_query},
    {OP(HTTP_POST, "/api/v1/households", "households.create", PERM(PERM_PEOPLE_WRITE), RF_BODY | RF_WRITES,
        household_create), .body = household_fields},
    {OP(HTTP_GET, "/api/v1/households/{id}", "households.get", PERM(PERM_PEOPLE_READ), 0, household_get)},
    {OP(HTTP_PATCH, "/api/v1/households/{id}", "households.update", PERM(PERM_PEOPLE_WRITE), RF_BODY | RF_WRITES,
        household_update), .body = household_update_fields},
    {OP(HTTP_DELETE, "/api/v1/households/{id}", "households.delete", PERM(PERM_PEOPLE_WRITE), RF_WRITES,
        household_delete)},
    OPS_END,
};
