/* Party organisations (党组织): 党委, 党工委, 党总支, 党支部, 联合党支部, 党小组,
 * attached to an org node or to a resident unit. */
#include "api/handlers.h"
#include "api/internal.h"

#include <stdlib.h>
#include <string.h>

#include "core/role.h"
#include "core/timefmt.h"
#include "lib/util.h"

const char *const party_org_kinds[] = {"党委", "党工委", "党总支", "党支部", "联合党支部", "党小组", NULL};

static const field_t create_fields[] = {
    {"org_id", F_INT, 0, 1, INT64_MAX, NULL},
    {"unit_id", F_INT, 0, 1, INT64_MAX, NULL},
    {"parent_id", F_INT, 0, 1, INT64_MAX, NULL},
    {"kind", F_ENUM, 1, 0, 0, party_org_kinds},
    {"name", F_NAME, 1, 1, 100, NULL},
    {"secretary", F_NAME, 0, 1, 50, NULL},
    {"founded_on", F_DATE, 0, DATE_PARTY_EARLIEST, 0, NULL},
    FIELDS_END,
};

static const field_t update_fields[] = {
    {"parent_id", F_INT, 0, 1, INT64_MAX, NULL},
    {"kind", F_ENUM, F_NOT_NULL, 0, 0, party_org_kinds},
    {"name", F_NAME, F_NOT_NULL, 1, 100, NULL},
    {"secretary", F_NAME, 0, 1, 50, NULL},
    {"founded_on", F_DATE, 0, DATE_PARTY_EARLIEST, 0, NULL},
    {"version", F_INT, 0, 1, INT64_MAX, NULL},
    FIELDS_END,
};

#define PO_SELECT                                                                                                      \
    "SELECT p.id, p.org_id, o.name AS org_name, p.unit_id, u.name AS unit_name, p.parent_id, p.kind, p.name,"       \
    " p.secretary, p.founded_on, p.created_at, p.updated_at, p.version FROM party_org p"                            \
    " JOIN org o ON o.id = p.org_id LEFT JOIN unit u ON u.id = p.unit_id"

static json_t *po_json(db_t *db, int64_t id)
{
    json_t *rows = db_rows_json(db, PO_SELECT " WHERE p.id = ?", "i", id);
    json_t *o = rows && json_array_size(rows) == 1 ? json_incref(json_array_get(rows, 0)) : NULL;
    json_decref(rows);
    return o;
}

static int po_access(db_t *db, const principal_t *who, uint32_t perm, int64_t id, int64_t *org_id)
{
    int rc = db_one_int(db, org_id, "SELECT org_id FROM party_org WHERE id = ?", "i", id);
    if (rc != DB_OK)
        return rc;
    return access_org(db, who, perm, *org_id, NULL, 0);
}

static int field_404(api_reply_t *rep, const char *lang, const char *field, int rc)
{
    if (rc == DB_NOTFOUND)
        return api_error(rep, lang, 404, "not_found", field, "引用的记录不存在", "the referenced record does not exist") -
               1;
    return api_db_error(rep, lang, rc, NULL);
}

/* A parent party organisation must be visible to the caller and must not be
 * the organisation itself or one of its descendants. */
static int check_parent(db_t *db, const write_ctx_t *w, int64_t self, int64_t parent, api_reply_t *rep)
{
    int64_t porg;
    int rc = po_access(db, &w->who, PERM_PARTY_READ, parent, &porg);
    if (rc != DB_OK)
        return field_404(rep, w->lang, "parent_id", rc);
    for (int64_t p = parent, hops = 0; p > 0 && hops < 64; hops++) {
        if (p == self)
            return api_error(rep, w->lang, 400, "validation_failed", "parent_id", "上级党组织不能是自身或下级",
                             "the parent cannot be the organisation itself or below it") - 1;
        int64_t next = 0;
        if (db_one_int(db, &next, "SELECT COALESCE(parent_id, 0) FROM party_org WHERE id = ?", "i", p) != DB_OK)
            break;
        p = next;
    }
    return 0;
}

static int create_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    int64_t org_id = json_integer_value(json_object_get(data, "org_id"));
    int64_t unit_id = json_integer_value(json_object_get(data, "unit_id"));
    int64_t parent = json_integer_value(json_object_get(data, "parent_id"));
    int rc;
    if (unit_id > 0) {
        int64_t unit_org;
        rc = db_one_int(db, &unit_org, "SELECT org_id FROM unit WHERE id = ?", "i", unit_id);
        if (rc == DB_OK)
            rc = access_org(db, &w->who, PERM_PARTY_WRITE, unit_org, NULL, 0);
        if (rc != DB_OK)
            return field_404(rep, w->lang, "unit_id", rc);
        if (org_id > 0 && org_id != unit_org)
            return api_error(rep, w->lang, 400, "validation_failed", "org_id", "单位党组织位于单位所在的组织",
                             "a unit's party organisation sits where the unit sits") - 1;
        org_id = unit_org;
    } else {
        rc = access_org(db, &w->who, PERM_PARTY_WRITE, org_id, NULL, 0);
        if (rc != DB_OK)
            return field_404(rep, w->lang, "org_id", rc);
    }
    if (parent > 0 && check_parent(db, w, 0, parent, rep) != 0)
        return -1;
    int64_t id = 0;
    rc = db_one_int(db, &id,
                    "INSERT INTO party_org (org_id, unit_id, parent_id, kind, name, secretary, founded_on,"
                    " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                    "iIIttttii", org_id, unit_id, parent, json_string_value(json_object_get(data, "kind")),
                    json_string_value(json_object_get(data, "name")),
                    json_string_value(json_object_get(data, "secretary")),
                    json_string_value(json_object_get(data, "founded_on")), w->now, w->now);
    if (rc == DB_OK)
        rc = rollup_party_org(db, id, +1);
    if (rc == DB_OK)
        rc = audit_append(db, w, "party_org.created", "party_org", id, org_id, data);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    api_json(rep, 201, po_json(db, id));
    return 0;
}

int party_org_create(api_req_t *req, api_reply_t *rep)
{
    if (api_validate(req, req->body, create_fields, rep) != 0)
        return 0;
    if (!json_is_integer(json_object_get(req->body, "org_id")) && !json_is_integer(json_object_get(req->body, "unit_id")))
        return api_error(rep, req->lang, 400, "validation_failed", "org_id", "请指定所在组织或单位",
                         "give org_id or unit_id");
    return api_defer(req, create_write, json_incref(req->body));
}

int party_org_get(api_req_t *req, api_reply_t *rep)
{
    int64_t org_id;
    int rc = po_access(req->db, req->who, PERM_PARTY_READ, req->params[0], &org_id);
    if (rc != DB_OK)
        return api_db_error(rep, req->lang, rc, "party_org");
    json_t *o = po_json(req->db, req->params[0]);
    return o ? api_json(rep, 200, o) : api_db_error(rep, req->lang, DB_ERR, NULL);
}

int party_org_list(api_req_t *req, api_reply_t *rep)
{
    int64_t limit, after, org = 0, unit = 0;
    if (api_page(req, rep, &limit, &after) != 0)
        return 0;
    if (api_query_int(req, "org", 0, 1, INT64_MAX, &org) != 0)
        return api_error(rep, req->lang, 400, "validation_failed", "org", "org 无效", "org is not a valid id");
    if (api_query_int(req, "unit_id", 0, 1, INT64_MAX, &unit) != 0)
        return api_error(rep, req->lang, 400, "validation_failed", "unit_id", "unit_id 无效", "unit_id is not valid");
    char *kind = api_query(req, "kind");
    int kind_ok = kind == NULL;
    for (int i = 0; kind && party_org_kinds[i]; i++)
        kind_ok |= strcmp(kind, party_org_kinds[i]) == 0;
    if (!kind_ok) {
        free(kind);
        return api_error(rep, req->lang, 400, "validation_failed", "kind", "党组织类型无效", "unknown kind");
    }
    char lo[ACCESS_PATH_MAX], hi[ACCESS_PATH_MAX];
    int rc = access_list_range(req->db, req->who, PERM_PARTY_READ, org, lo, hi);
    if (rc != DB_OK) {
        free(kind);
        return api_db_error(rep, req->lang, rc, "org");
    }
    char *like = api_like_param(req, "q");
    json_t *items = db_rows_json(req->db,
                                 PO_SELECT " WHERE o.path >= ? AND o.path < ? AND p.id > ?"
                                           " AND (CAST(? AS TEXT) IS NULL OR p.kind = ?)"
                                           " AND (? = 0 OR p.unit_id = ?)"
                                           " AND (CAST(? AS TEXT) IS NULL OR p.name LIKE ? ESCAPE '\\')"
                                           " ORDER BY p.id LIMIT ?",
                                 "ttittiitti", lo, hi, after, kind, kind, unit, unit, like, like, limit + 1);
    free(kind);
    free(like);
    if (items == NULL)
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    return api_json(rep, 200, api_page_result(items, limit));
}

static int update_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    int64_t id = json_integer_value(json_object_get(data, "id")), org_id, version = 0;
    int rc = po_access(db, &w->who, PERM_PARTY_WRITE, id, &org_id);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "party_org");
    json_t *v;
    if ((v = json_object_get(data, "version")) &&
        (db_one_int(db, &version, "SELECT version FROM party_org WHERE id = ?", "i", id) != DB_OK ||
         version != json_integer_value(v)))
        return api_error(rep, w->lang, 409, "version_conflict", "version", "记录已被他人修改，请刷新后重试",
                         "the record changed since you read it; reload and retry") - 1;
    if ((v = json_object_get(data, "parent_id"))) {
        if (json_is_integer(v) && check_parent(db, w, id, json_integer_value(v), rep) != 0)
            return -1;
        rc = json_is_integer(v)
                 ? db_exec(db, NULL, "UPDATE party_org SET parent_id = ? WHERE id = ?", "ii", json_integer_value(v), id)
                 : db_exec(db, NULL, "UPDATE party_org SET parent_id = NULL WHERE id = ?", "i", id);
    }
    if (rc == DB_OK)
        rc = rollup_party_org(db, id, -1);
    static const char *text_cols[][2] = {{"kind", "UPDATE party_org SET kind = ? WHERE id = ?"},
                                         {"name", "UPDATE party_org SET name = ? WHERE id = ?"},
                                         {"secretary", "UPDATE party_org SET secretary = ? WHERE id = ?"},
                                         {"founded_on", "UPDATE party_org SET founded_on = ? WHERE id = ?"}};
    for (size_t i = 0; rc == DB_OK && i < sizeof text_cols / sizeof text_cols[0]; i++)
        if (json_object_get(data, text_cols[i][0]))
            rc = db_exec(db, NULL, text_cols[i][1], "ti", json_string_value(json_object_get(data, text_cols[i][0])),
                         id);
    if (rc == DB_OK)
        rc = rollup_party_org(db, id, +1);
    if (rc == DB_OK)
        rc = db_exec(db, NULL, "UPDATE party_org SET updated_at = ?, version = version + 1 WHERE id = ?", "ii", w->now,
                     id);
    if (rc == DB_OK)
        rc = audit_append(db, w, "party_org.updated", "party_org", id, org_id, data);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    api_json(rep, 200, po_json(db, id));
    return 0;
}

int party_org_update(api_req_t *req, api_reply_t *rep)
{
    if (api_validate(req, req->body, update_fields, rep) != 0)
        return 0;
    json_t *data = json_deep_copy(req->body);
    json_object_set_new(data, "id", json_integer(req->params[0]));
    return api_defer(req, update_write, data);
}

static int delete_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    int64_t id = json_integer_value(json_object_get(data, "id")), org_id;
    int rc = po_access(db, &w->who, PERM_PARTY_WRITE, id, &org_id);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "party_org");
    rc = rollup_party_org(db, id, -1);
    if (rc == DB_OK)
        rc = audit_append(db, w, "party_org.deleted", "party_org", id, org_id, NULL);
    if (rc == DB_OK)
        rc = db_exec(db, NULL, "DELETE FROM party_org WHERE id = ?", "i", id);
    if (rc == DB_FOREIGN)
        return api_error(rep, w->lang, 409, "not_empty", NULL, "仍有下级党组织，不能删除",
                         "lower party organisations still belong to it") - 1;
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    rep->status = 204;
    return 0;
}

int party_org_delete(api_req_t *req, api_reply_t *rep)
{
    (void)rep;
    return api_defer(req, delete_write, json_pack("{s:I}", "id", (json_int_t)req->params[0]));
}
