/* Cadres and grid workers (书记, 主任, 两委委员, 网格员): posts held by residents
 * at an org node for a term. A grid is staffed when it has a 网格员 whose term
 * has not ended. */
#include "api/handlers.h"
#include "api/internal.h"

#include <stdlib.h>
#include <string.h>

#include "core/role.h"
#include "core/timefmt.h"
#include "lib/util.h"

const char *const cadre_posts[] = {"书记", "主任", "两委委员", "网格员", NULL};

static const field_t create_fields[] = {
    {"person_id", F_INT, 1, 1, INT64_MAX, NULL},
    {"org_id", F_INT, 1, 1, INT64_MAX, NULL},
    {"post", F_ENUM, 1, 0, 0, cadre_posts},
    {"term_start", F_DATE, 1, DATE_TERM_EARLIEST, DATE_TERM_YEARS_AHEAD, NULL},
    {"term_end", F_DATE, 0, DATE_TERM_EARLIEST, DATE_TERM_YEARS_AHEAD, NULL},
    FIELDS_END,
};

static const field_t update_fields[] = {
    {"post", F_ENUM, F_NOT_NULL, 0, 0, cadre_posts},
    {"term_start", F_DATE, F_NOT_NULL, DATE_TERM_EARLIEST, DATE_TERM_YEARS_AHEAD, NULL},
    {"term_end", F_DATE, 0, DATE_TERM_EARLIEST, DATE_TERM_YEARS_AHEAD, NULL},
    {"version", F_INT, 0, 1, INT64_MAX, NULL},
    FIELDS_END,
};

#define CADRE_SELECT                                                                                                   \
    "SELECT c.id, c.person_id, p.name, p.phone_masked AS phone, c.org_id, o.name AS org_name, o.level AS org_level," \
    " c.post, c.term_start, c.term_end, c.created_at, c.updated_at, c.version"                                       \
    " FROM cadre c JOIN person p ON p.id = c.person_id JOIN org o ON o.id = c.org_id"

static json_t *cadre_json(db_t *db, int64_t id)
{
    json_t *rows = db_rows_json(db, CADRE_SELECT " WHERE c.id = ?", "i", id);
    json_t *o = rows && json_array_size(rows) == 1 ? json_incref(json_array_get(rows, 0)) : NULL;
    json_decref(rows);
    return o;
}

static int cadre_access(db_t *db, const principal_t *who, uint32_t perm, int64_t id, int64_t *org)
{
    int rc = db_one_int(db, org, "SELECT org_id FROM cadre WHERE id = ?", "i", id);
    return rc == DB_OK ? access_org(db, who, perm, *org, NULL, 0) : rc;
}

static int bad_term(const api_req_t *req, const json_t *body, api_reply_t *rep)
{
    const char *s = json_string_value(json_object_get(body, "term_start"));
    const char *e = json_string_value(json_object_get(body, "term_end"));
    if (s && e && strcmp(e, s) < 0)
        return api_error(rep, req->lang, 400, "validation_failed", "term_end", "任期结束不能早于开始",
                         "the term cannot end before it starts") + 1;
    return 0;
}

static int create_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    int64_t person = json_integer_value(json_object_get(data, "person_id"));
    int64_t org = json_integer_value(json_object_get(data, "org_id")), porg = 0, id = 0;
    if (access_org(db, &w->who, PERM_PEOPLE_WRITE, org, NULL, 0) != DB_OK)
        return api_error(rep, w->lang, 404, "not_found", "org_id", "组织不存在", "no such organisation") - 1;
    if (db_one_int(db, &porg, "SELECT org_id FROM person WHERE id = ?", "i", person) != DB_OK ||
        access_org(db, &w->who, PERM_PEOPLE_READ, porg, NULL, 0) != DB_OK)
        return api_error(rep, w->lang, 404, "not_found", "person_id", "居民不存在", "no such resident") - 1;
    const char *post = json_string_value(json_object_get(data, "post"));
    char level[16] = "";
    db_one_text(db, level, sizeof level, "SELECT level FROM org WHERE id = ?", "i", org);
    if ((strcmp(post, "网格员") == 0) != (strcmp(level, "grid") == 0))
        return api_error(rep, w->lang, 400, "validation_failed", "post", "网格员任职于网格，其他职务任职于社区及以上",
                         "grid workers serve grids; other posts serve communities and above") - 1;
    int rc = db_one_int(db, &id,
                        "INSERT INTO cadre (person_id, org_id, post, term_start, term_end, created_at, updated_at)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                        "iitttii", person, org, post, json_string_value(json_object_get(data, "term_start")),
                        json_string_value(json_object_get(data, "term_end")), w->now, w->now);
    if (rc == DB_OK)
        rc = audit_append(db, w, "cadre.created", "cadre", id, org, data);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    api_json(rep, 201, cadre_json(db, id));
    return 0;
}

int cadre_create(api_req_t *req, api_reply_t *rep)
{
    if (api_validate(req, req->body, create_fields, rep) != 0 || bad_term(req, req->body, rep))
        return 0;
    return api_defer(req, create_write, json_deep_copy(req->body));
}

int cadre_list(api_req_t *req, api_reply_t *rep)
{
    int64_t limit, after, org = 0;
    if (api_page(req, rep, &limit, &after) != 0)
        return 0;
    if (api_query_int(req, "org", 0, 1, INT64_MAX, &org) != 0)
        return api_error(rep, req->lang, 400, "validation_failed", "org", "org 无效", "org is not a valid id");
    char *post = api_query(req, "post");
    int ok = post == NULL;
    for (int i = 0; post && cadre_posts[i]; i++)
        ok |= strcmp(post, cadre_posts[i]) == 0;
    char lo[ACCESS_PATH_MAX], hi[ACCESS_PATH_MAX];
    int rc = ok ? access_list_range(req->db, req->who, PERM_PEOPLE_READ, org, lo, hi) : DB_OK;
    json_t *items = NULL;
    if (ok && rc == DB_OK)
        items = db_rows_json(req->db,
                             CADRE_SELECT " WHERE o.path >= ? AND o.path < ? AND c.id > ?"
                                          " AND (CAST(? AS TEXT) IS NULL OR c.post = ?) ORDER BY c.id LIMIT ?",
                             "ttitti", lo, hi, after, post, post, limit + 1);
    free(post);
    if (!ok)
        return api_error(rep, req->lang, 400, "validation_failed", "post", "职务无效", "unknown post");
    if (rc != DB_OK)
        return api_db_error(rep, req->lang, rc, "org");
    if (items == NULL)
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    return api_json(rep, 200, api_page_result(items, limit));
}

int cadre_get(api_req_t *req, api_reply_t *rep)
{
    int64_t org;
    int rc = cadre_access(req->db, req->who, PERM_PEOPLE_READ, req->params[0], &org);
    if (rc != DB_OK)
        return api_db_error(rep, req->lang, rc, "cadre");
    json_t *c = cadre_json(req->db, req->params[0]);
    return c ? api_json(rep, 200, c) : api_db_error(rep, req->lang, DB_ERR, NULL);
}

static int update_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    int64_t id = json_integer_value(json_object_get(data, "id")), org;
    int rc = cadre_access(db, &w->who, PERM_PEOPLE_WRITE, id, &org);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "cadre");
    if (api_check_version(db, w, "SELECT version FROM cadre WHERE id = ?", id, data, rep) != 0)
        return -1;
    json_t *v;
    if ((v = json_object_get(data, "post")))
        rc = db_exec(db, NULL, "UPDATE cadre SET post = ? WHERE id = ?", "ti", json_string_value(v), id);
    if (rc == DB_OK && (v = json_object_get(data, "term_start")))
        rc = db_exec(db, NULL, "UPDATE cadre SET term_start = ? WHERE id = ?", "ti", json_string_value(v), id);
    if (rc == DB_OK && (v = json_object_get(data, "term_end")))
        rc = db_exec(db, NULL, "UPDATE cadre SET term_end = ? WHERE id = ?", "ti", json_string_value(v), id);
    int64_t bad = 0;
    /* The post must still fit the node: 网格员 at a grid, the others above. */
    if (rc == DB_OK)
        rc = db_one_int(db, &bad,
                        "SELECT COUNT(*) FROM cadre c JOIN org o ON o.id = c.org_id WHERE c.id = ?"
                        " AND ((c.post = '网格员') <> (o.level = 'grid'))",
                        "i", id);
    if (rc == DB_OK && bad)
        return api_error(rep, w->lang, 400, "validation_failed", "post", "网格员任职于网格，其他职务任职于社区及以上",
                         "grid workers serve grids; other posts serve communities and above") - 1;
    if (rc == DB_OK)
        rc = db_one_int(db, &bad,
                        "SELECT COUNT(*) FROM cadre WHERE id = ? AND term_end IS NOT NULL AND term_end < term_start",
                        "i", id);
    if (rc == DB_OK && bad)
        return api_error(rep, w->lang, 400, "validation_failed", "term_end", "任期结束不能早于开始",
                         "the term cannot end before it starts") - 1;
    if (rc == DB_OK)
        rc = db_exec(db, NULL, "UPDATE cadre SET updated_at = ?, version = version + 1 WHERE id = ?", "ii", w->now,
                     id);
    if (rc == DB_OK)
        rc = audit_append(db, w, "cadre.updated", "cadre", id, org, data);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    api_json(rep, 200, cadre_json(db, id));
    return 0;
}

int cadre_update(api_req_t *req, api_reply_t *rep)
{
    if (api_validate(req, req->body, update_fields, rep) != 0 || bad_term(req, req->body, rep))
        return 0;
    json_t *data = json_deep_copy(req->body);
    json_object_set_new(data, "id", json_integer(req->params[0]));
    return api_defer(req, update_write, data);
}

static int delete_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    int64_t id = json_integer_value(json_object_get(data, "id")), org;
    int rc = cadre_access(db, &w->who, PERM_PEOPLE_WRITE, id, &org);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "cadre");
    rc = audit_append(db, w, "cadre.deleted", "cadre", id, org, NULL);
    if (rc == DB_OK)
        rc = db_exec(db, NULL, "DELETE FROM cadre WHERE id = ?", "i", id);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    rep->status = 204;
    return 0;
}

int cadre_delete(api_req_t *req, api_reply_t *rep)
{
    (void)rep;
    return api_defer(req, delete_write, json_pack("{s:I}", "id", (json_int_t)req->params[0]));
}
