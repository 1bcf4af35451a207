/* Resident units (驻区单位): agencies, enterprises, schools, social organisations. */
#include "api/handlers.h"
#include "api/internal.h"

#include <stdlib.h>
#include <string.h>

#include "core/credit_code.h"
#include "core/role.h"
#include "lib/util.h"

const char *const unit_types[] = {"agency", "enterprise", "non_public_enterprise", "school",
                                         "social_organisation", NULL};

static const field_t create_fields[] = {
    {"org_id", F_INT, 1, 1, INT64_MAX, NULL},
    {"name", F_NAME, 1, 1, 100, NULL},
    {"type", F_ENUM, 1, 0, 0, unit_types},
    {"credit_code", F_TEXT, 0, 18, 18, NULL},
    {"address", F_TEXT, 0, 1, 200, NULL},
    FIELDS_END,
};

static const field_t update_fields[] = {
    {"org_id", F_INT, F_NOT_NULL, 1, INT64_MAX, NULL},
    {"name", F_NAME, F_NOT_NULL, 1, 100, NULL},
    {"type", F_ENUM, F_NOT_NULL, 0, 0, unit_types},
    {"credit_code", F_TEXT, 0, 18, 18, NULL},
    {"address", F_TEXT, 0, 1, 200, NULL},
    {"version", F_INT, 0, 1, INT64_MAX, NULL},
    FIELDS_END,
};

#define UNIT_SELECT                                                                                                    \
    "SELECT u.id, u.org_id, o.name AS org_name, u.name, u.type, u.credit_code, u.address, u.created_at,"            \
    " u.updated_at, u.version FROM unit u JOIN org o ON o.id = u.org_id"

static json_t *unit_json(db_t *db, int64_t id)
{
    json_t *rows = db_rows_json(db, UNIT_SELECT " WHERE u.id = ?", "i", id);
    json_t *o = rows && json_array_size(rows) == 1 ? json_incref(json_array_get(rows, 0)) : NULL;
    json_decref(rows);
    return o;
}

/* 统一社会信用代码: 18 characters of digits and upper-case letters. */
/* An absent credit code is fine; a given one must pass GB 32100's check. */
static int credit_code_ok(const char *s)
{
    return s == NULL || credit_code_valid(s);
}

/* The unit's org id if the caller has perm over it; DB_NOTFOUND otherwise. */
static int unit_access(db_t *db, const principal_t *who, uint32_t perm, int64_t id, int64_t *org_id)
{
    int rc = db_one_int(db, org_id, "SELECT org_id FROM unit WHERE id = ?", "i", id);
    if (rc != DB_OK)
        return rc;
    return access_org(db, who, perm, *org_id, NULL, 0);
}

static int org_field_error(api_reply_t *rep, const char *lang, int rc)
{
    if (rc == DB_NOTFOUND)
        return api_error(rep, lang, 404, "not_found", "org_id", "组织不存在", "no such organisation") - 1;
    return api_db_error(rep, lang, rc, NULL);
}

static int create_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    int64_t org_id = json_integer_value(json_object_get(data, "org_id")), id = 0;
    int rc = access_org(db, &w->who, PERM_UNIT_WRITE, org_id, NULL, 0);
    if (rc != DB_OK)
        return org_field_error(rep, w->lang, rc);
    rc = db_one_int(db, &id,
                    "INSERT INTO unit (org_id, name, type, credit_code, address, created_at, updated_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                    "ittttii", org_id, json_string_value(json_object_get(data, "name")),
                    json_string_value(json_object_get(data, "type")),
                    json_string_value(json_object_get(data, "credit_code")),
                    json_string_value(json_object_get(data, "address")), w->now, w->now);
    if (rc == DB_UNIQUE)
        return api_error(rep, w->lang, 409, "conflict", "credit_code", "统一社会信用代码已存在",
                         "a unit with this credit code exists") - 1;
    if (rc == DB_OK)
        rc = rollup_unit(db, id, +1);
    if (rc == DB_OK)
        rc = audit_append(db, w, "unit.created", "unit", id, org_id, data);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    api_json(rep, 201, unit_json(db, id));
    return 0;
}

int unit_create(api_req_t *req, api_reply_t *rep)
{
    if (api_validate(req, req->body, create_fields, rep) != 0)
        return 0;
    if (!credit_code_ok(json_string_value(json_object_get(req->body, "credit_code"))))
        return api_error(rep, req->lang, 400, "validation_failed", "credit_code", "统一社会信用代码格式错误",
                         "not a valid unified social credit code (GB 32100)");
    return api_defer(req, create_write, json_incref(req->body));
}

int unit_get(api_req_t *req, api_reply_t *rep)
{
    int64_t org_id;
    int rc = unit_access(req->db, req->who, PERM_UNIT_READ, req->params[0], &org_id);
    if (rc != DB_OK)
        return api_db_error(rep, req->lang, rc, "unit");
    json_t *u = unit_json(req->db, req->params[0]);
    return u ? api_json(rep, 200, u) : api_db_error(rep, req->lang, DB_ERR, NULL);
}

int unit_list(api_req_t *req, api_reply_t *rep)
{
    int64_t limit, after, org = 0;
    if (api_page(req, rep, &limit, &after) != 0)
        return 0;
    if (api_query_int(req, "org", 0, 1, INT64_MAX, &org) != 0)
        return api_error(rep, req->lang, 400, "validation_failed", "org", "org 无效", "org is not a valid id");
    char *type = api_query(req, "type");
    int type_ok = type == NULL;
    for (int i = 0; type && unit_types[i]; i++)
        type_ok |= strcmp(type, unit_types[i]) == 0;
    if (!type_ok) {
        free(type);
        return api_error(rep, req->lang, 400, "validation_failed", "type", "单位类型无效", "unknown unit type");
    }
    char lo[ACCESS_PATH_MAX], hi[ACCESS_PATH_MAX];
    int rc = access_list_range(req->db, req->who, PERM_UNIT_READ, org, lo, hi);
    if (rc != DB_OK) {
        free(type);
        return api_db_error(rep, req->lang, rc, "org");
    }
    char *like = api_like_param(req, "q");
    json_t *items = db_rows_json(req->db,
                                 UNIT_SELECT " WHERE o.path >= ? AND o.path < ? AND u.id > ?"
                                             " AND (CAST(? AS TEXT) IS NULL OR u.type = ?)"
                                             " AND (CAST(? AS TEXT) IS NULL OR u.name LIKE ? ESCAPE '\\')"
                                             " ORDER BY u.id LIMIT ?",
                                 "ttitttti", lo, hi, after, type, type, like, like, limit + 1);
    free(type);
    free(like);
    if (items == NULL)
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    return api_json(rep, 200, api_page_result(items, limit));
}

/* The figures of a unit, its party organisations and their members: out (-1) or in (+1). */
static int unit_figures(db_t *db, int64_t id, json_t *pos, json_t *members, int sign)
{
    int rc = rollup_unit(db, id, sign);
    size_t i;
    json_t *r;
    json_array_foreach(pos, i, r) {
        if (rc == DB_OK)
            rc = rollup_party_org(db, json_integer_value(json_object_get(r, "id")), sign);
    }
    json_array_foreach(members, i, r) {
        if (rc == DB_OK)
            rc = party_member_rollup(db, json_integer_value(json_object_get(r, "person_id")), sign);
    }
    return rc;
}

static int update_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    int64_t id = json_integer_value(json_object_get(data, "id")), org_id;
    int rc = unit_access(db, &w->who, PERM_UNIT_WRITE, id, &org_id);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "unit");
    if (api_check_version(db, w, "SELECT version FROM unit WHERE id = ?", id, data, rep) != 0)
        return -1;
    /* Take the unit, its party organisations and their members out of the
     * figures; change; put them back where they now are. */
    json_t *pos = db_rows_json(db, "SELECT id FROM party_org WHERE unit_id = ?", "i", id);
    json_t *members = db_rows_json(db,
                                   "SELECT m.person_id FROM party_member m JOIN party_org po ON po.id = m.party_org_id"
                                   " WHERE po.unit_id = ?",
                                   "i", id);
    rc = pos && members ? unit_figures(db, id, pos, members, -1) : DB_ERR;
    int failed = 0;
    json_t *v;
    if (rc == DB_OK && (v = json_object_get(data, "org_id")) && json_is_integer(v)) {
        rc = access_org(db, &w->who, PERM_UNIT_WRITE, json_integer_value(v), NULL, 0);
        if (rc != DB_OK) {
            failed = org_field_error(rep, w->lang, rc);
        } else {
            /* Party organisations of the unit sit where the unit sits. */
            rc = db_exec(db, NULL, "UPDATE unit SET org_id = ? WHERE id = ?", "ii", json_integer_value(v), id);
            if (rc == DB_OK)
                rc = db_exec(db, NULL, "UPDATE party_org SET org_id = ? WHERE unit_id = ?", "ii",
                             json_integer_value(v), id);
        }
    }
    static const char *text_cols[][2] = {{"name", "UPDATE unit SET name = ? WHERE id = ?"},
                                         {"type", "UPDATE unit SET type = ? WHERE id = ?"},
                                         {"credit_code", "UPDATE unit SET credit_code = ? WHERE id = ?"},
                                         {"address", "UPDATE unit SET address = ? WHERE id = ?"}};
    for (size_t i = 0; !failed && rc == DB_OK && i < sizeof text_cols / sizeof text_cols[0]; i++)
        if (json_object_get(data, text_cols[i][0]))
            rc = db_exec(db, NULL, text_cols[i][1], "ti", json_string_value(json_object_get(data, text_cols[i][0])),
                         id);
    if (!failed && rc == DB_UNIQUE)
        failed = api_error(rep, w->lang, 409, "conflict", "credit_code", "统一社会信用代码已存在",
                           "a unit with this credit code exists") - 1;
    if (!failed && rc == DB_OK)
        rc = unit_figures(db, id, pos, members, +1);
    json_decref(pos);
    json_decref(members);
    if (failed)
        return -1;
    if (rc == DB_OK)
        rc = db_exec(db, NULL, "UPDATE unit SET updated_at = ?, version = version + 1 WHERE id = ?", "ii", w->now, id);
    if (rc == DB_OK)
        rc = audit_append(db, w, "unit.updated", "unit", id, org_id, data);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    api_json(rep, 200, unit_json(db, id));
    return 0;
}

int unit_update(api_req_t *req, api_reply_t *rep)
{
    if (api_validate(req, req->body, update_fields, rep) != 0)
        return 0;
    if (!credit_code_ok(json_string_value(json_object_get(req->body, "credit_code"))))
        return api_error(rep, req->lang, 400, "validation_failed", "credit_code", "统一社会信用代码格式错误",
                         "not a valid unified social credit code (GB 32100)");
    json_t *data = json_deep_copy(req->body);
    json_object_set_new(data, "id", json_integer(req->params[0]));
    return api_defer(req, update_write, data);
}

static int delete_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    int64_t id = json_integer_value(json_object_get(data, "id")), org_id;
    int rc = unit_access(db, &w->who, PERM_UNIT_WRITE, id, &org_id);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "unit");
    int64_t party_orgs = 0;
    rc = db_one_int(db, &party_orgs, "SELECT COUNT(*) FROM party_org WHERE unit_id = ?", "i", id);
    if (rc == DB_OK && party_orgs > 0)
        return api_error(rep, w->lang, 409, "not_empty", NULL, "该单位仍有党组织，不能删除",
                         "party organisations still belong to this unit") - 1;
    if (rc == DB_OK)
        rc = rollup_unit(db, id, -1);
    if (rc == DB_OK)
        rc = audit_append(db, w, "unit.deleted", "unit", id, org_id, NULL);
    if (rc == DB_OK)
        rc = db_exec(db, NULL, "DELETE FROM unit WHERE id = ?", "i", id);
    if (rc == DB_FOREIGN)
        return api_error(rep, w->lang, 409, "not_empty", NULL, "该单位仍有党组织，不能删除",
                         "party organisations still belong to this unit") - 1;
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    rep->status = 204;
    return 0;
}

int unit_delete(api_req_t *req, api_reply_t *rep)
{
    (void)rep;
    return api_defer(req, delete_write, json_pack("{s:I}", "id", (json_int_t)req->params[0]));
}
