/* Case categories (事项类别): a configurable tree. Each category sets the hours
 * of every stage of a case and who handles it (an org node or a resident unit).
 * Anyone signed in reads them; only the city's administrators change them, and a
 * category is deactivated, never deleted: its cases keep going, new reports of it
 * are refused. Every change is audited. */
#include "api/handlers.h"
#include "api/op.h"
#include "api/internal.h"

#include <stdio.h>
#include <string.h>

#include "core/role.h"
#include "lib/util.h"

#define CATEGORY_DEPTH_MAX 4 /* category, sub-category, ...: a tree people can read */

static const char *const handler_kinds[] = {"org", "unit", NULL};

/* A new category, as validated (typed input, api.h). */
typedef struct {
    uint64_t given;
    const char *code, *name_zh, *name_en;
    int64_t parent_id;
    int64_t accept_hours, dispatch_hours, claim_hours, handle_hours, verify_hours;
    const char *handler_kind;
    int64_t sort;
} category_in_t;

static const field_t create_fields[] = {
    IN(category_in_t, code, F_TEXT, 1, 1, 32, NULL),
    IN(category_in_t, name_zh, F_NAME, 1, 1, 32, NULL),
    IN(category_in_t, name_en, F_NAME, 1, 1, 64, NULL),
    IN(category_in_t, parent_id, F_INT, 0, 1, INT64_MAX, NULL),
    IN(category_in_t, accept_hours, F_INT, 1, 1, CASE_STAGE_HOURS_MAX, NULL),
    IN(category_in_t, dispatch_hours, F_INT, 1, 1, CASE_STAGE_HOURS_MAX, NULL),
    IN(category_in_t, claim_hours, F_INT, 1, 1, CASE_STAGE_HOURS_MAX, NULL),
    IN(category_in_t, handle_hours, F_INT, 1, 1, CASE_STAGE_HOURS_MAX, NULL),
    IN(category_in_t, verify_hours, F_INT, 1, 1, CASE_STAGE_HOURS_MAX, NULL),
    IN(category_in_t, handler_kind, F_ENUM, 1, 0, 0, handler_kinds),
    IN(category_in_t, sort, F_INT, 0, 0, 1000000, NULL),
    FIELDS_END,
};

/* A change, as validated: the fields given (bit i of given), parent_id also
 * when sent as null (IN_SENT). */
typedef struct {
    uint64_t given;
    const char *name_zh, *name_en;
    int64_t parent_id;
    int64_t accept_hours, dispatch_hours, claim_hours, handle_hours, verify_hours;
    const char *handler_kind;
    int64_t sort;
    int active;
    int64_t version;
} category_change_t;

enum { CH_NAME_ZH, CH_NAME_EN, CH_PARENT, CH_ACCEPT, CH_DISPATCH, CH_CLAIM, CH_HANDLE, CH_VERIFY, CH_HANDLER_KIND,
       CH_SORT, CH_ACTIVE, CH_VERSION };
static const field_t update_fields[] = {
    IN(category_change_t, name_zh, F_NAME, F_NOT_NULL, 1, 32, NULL),
    IN(category_change_t, name_en, F_NAME, F_NOT_NULL, 1, 64, NULL),
    IN(category_change_t, parent_id, F_INT, 0, 1, INT64_MAX, NULL), /* null: a top-level category */
    IN(category_change_t, accept_hours, F_INT, F_NOT_NULL, 1, CASE_STAGE_HOURS_MAX, NULL),
    IN(category_change_t, dispatch_hours, F_INT, F_NOT_NULL, 1, CASE_STAGE_HOURS_MAX, NULL),
    IN(category_change_t, claim_hours, F_INT, F_NOT_NULL, 1, CASE_STAGE_HOURS_MAX, NULL),
    IN(category_change_t, handle_hours, F_INT, F_NOT_NULL, 1, CASE_STAGE_HOURS_MAX, NULL),
    IN(category_change_t, verify_hours, F_INT, F_NOT_NULL, 1, CASE_STAGE_HOURS_MAX, NULL),
    IN(category_change_t, handler_kind, F_ENUM, F_NOT_NULL, 0, 0, handler_kinds),
    IN(category_change_t, sort, F_INT, F_NOT_NULL, 0, 1000000, NULL),
    IN(category_change_t, active, F_BOOL, F_NOT_NULL, 0, 0, NULL),
    IN(category_change_t, version, F_INT, 0, 1, INT64_MAX, NULL), /* the version read: a stale one is 409 */
    FIELDS_END,
};

#define CATEGORY_SELECT                                                                                                \
    "SELECT id, parent_id, code, name_zh, name_en, accept_hours, dispatch_hours, claim_hours, handle_hours,"         \
    " verify_hours, handler_kind, sort, active AS is_active, version FROM case_category"

static json_t *category_json(db_t *db, int64_t id)
{
    return db_row_one_json(db, CATEGORY_SELECT " WHERE id = ?", "i", id);
}

int case_category_list(api_req_t *req, api_reply_t *rep)
{
    int64_t all = 0;
    if (api_query_int(req, "include_inactive", 0, 0, 1, &all) != 0)
        return api_fail(rep, req->lang, E_INCLUDE_INACTIVE_INVALID, "include_inactive");
    json_t *items = db_rows_json(req->db, CATEGORY_SELECT " WHERE active = 1 OR ? = 1 ORDER BY sort, id", "i", all);
    if (items == NULL)
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    return api_json(rep, 200, json_pack("{s:o, s:n}", "items", items, "next"));
}

/* Categories are the city's: changing them needs every permission over the top
 * of the tree (an administrator of the city, or of everything). */
static int city_admin(db_t *db, const principal_t *who)
{
    char root[ACCESS_PATH_MAX] = "/";
    if (db_one_text(db, root, sizeof root, "SELECT path FROM org WHERE parent_id IS NULL ORDER BY id LIMIT 1", "") ==
        DB_ERR)
        return 0;
    return access_covers(who, PERM_ALL, root);
}

static int not_city_admin(api_reply_t *rep, const char *lang)
{
    return api_fail(rep, lang, E_CATEGORY_ADMIN_ONLY, NULL);
}

/* May the category id hang under parent? The parent must exist, not be id or
 * below it (no loops), and the tree stays at most CATEGORY_DEPTH_MAX deep. */
static int parent_check(db_t *db, const write_ctx_t *w, int64_t id, int64_t parent, api_reply_t *rep)
{
    int depth = 1;
    for (int64_t at = parent; at > 0; depth++) {
        if (at == id)
            return api_fail(rep, w->lang, E_CATEGORY_UNDER_ITSELF, "parent_id");
        if (depth > CATEGORY_DEPTH_MAX)
            return api_fail(rep, w->lang, E_CATEGORY_TOO_DEEP, "parent_id");
        int64_t up = 0;
        int rc = db_one_int(db, &up, "SELECT COALESCE(parent_id, 0) FROM case_category WHERE id = ?", "i", at);
        if (rc == DB_NOTFOUND)
            return api_fail(rep, w->lang, E_PARENT_CATEGORY_NOT_FOUND, "parent_id");
        if (rc != DB_OK)
            return api_db_error(rep, w->lang, rc, NULL);
        at = up;
    }
    return 0;
}

static int create_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    if (!city_admin(db, &w->who))
        return not_city_admin(rep, w->lang);
    category_in_t in = {0};
    api_input_fill(create_fields, data, &in);
    int64_t id = 0;
    if (in.parent_id > 0 && parent_check(db, w, 0, in.parent_id, rep) != 0)
        return -1;
    int rc = db_one_int(db, &id,
                        "INSERT INTO case_category (parent_id, code, name_zh, name_en, accept_hours, dispatch_hours,"
                        " claim_hours, handle_hours, verify_hours, handler_kind, sort)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                        "Itttiiiiiti", in.parent_id, in.code, in.name_zh, in.name_en, in.accept_hours,
                        in.dispatch_hours, in.claim_hours, in.handle_hours, in.verify_hours, in.handler_kind, in.sort);
    if (rc == DB_UNIQUE)
        return api_fail(rep, w->lang, E_CATEGORY_CODE_TAKEN, "code");
    if (rc == DB_OK)
        rc = audit_append(db, w, "case_category.created", "case_category", id, 0, data);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    case_categories_changed();
    return api_json(rep, 201, category_json(db, id));
}

/* A code: lowercase letters, digits and _, starting with a letter (it is also the Open311 service_code). */
static int code_ok(const char *s)
{
    if (!(*s >= 'a' && *s <= 'z'))
        return 0;
    return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == strlen(s);
}

int case_category_create(api_req_t *req, api_reply_t *rep)
{
    if (!code_ok(json_string_value(json_object_get(req->body, "code"))))
        return api_fail(rep, req->lang, E_CATEGORY_CODE_INVALID, "code");
    if (!city_admin(req->db, req->who)) {
        not_city_admin(rep, req->lang);
        return 0;
    }
    json_t *data = req->body;
    req->body = NULL;
    return api_defer_kept(req, create_write, data);
}

static int update_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    if (!city_admin(db, &w->who))
        return not_city_admin(rep, w->lang);
    int64_t id = w->id, version = 0;
    int rc = db_one_int(db, &version, "SELECT version FROM case_category WHERE id = ?", "i", id);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "case_category");
    category_change_t in = {0};
    api_input_fill(update_fields, data, &in);
    uint64_t sent = IN_SENT(&in); /* given, or sent as null */
    if ((sent >> CH_VERSION & 1) && in.version != version)
        return api_fail(rep, w->lang, E_VERSION_CONFLICT, "version");
    if (IN_GIVEN(&in, update_fields, CH_PARENT) && parent_check(db, w, id, in.parent_id, rep) != 0)
        return -1;
    /* One statement per field given, from a fixed table: no SQL is made from the request. */
    static const struct {
        int field;
        const char *sql, *types;
    } cols[] = {
        {CH_NAME_ZH, "UPDATE case_category SET name_zh = ? WHERE id = ?", "ti"},
        {CH_NAME_EN, "UPDATE case_category SET name_en = ? WHERE id = ?", "ti"},
        {CH_HANDLER_KIND, "UPDATE case_category SET handler_kind = ? WHERE id = ?", "ti"},
        {CH_PARENT, "UPDATE case_category SET parent_id = ? WHERE id = ?", "Ii"},
        {CH_ACCEPT, "UPDATE case_category SET accept_hours = ? WHERE id = ?", "ii"},
        {CH_DISPATCH, "UPDATE case_category SET dispatch_hours = ? WHERE id = ?", "ii"},
        {CH_CLAIM, "UPDATE case_category SET claim_hours = ? WHERE id = ?", "ii"},
        {CH_HANDLE, "UPDATE case_category SET handle_hours = ? WHERE id = ?", "ii"},
        {CH_VERIFY, "UPDATE case_category SET verify_hours = ? WHERE id = ?", "ii"},
        {CH_SORT, "UPDATE case_category SET sort = ? WHERE id = ?", "ii"},
    };
    /* The audit's summary: the fields changed, as given. */
    json_t *changed = json_object();
    for (size_t i = 0; rc == DB_OK && i < sizeof cols / sizeof cols[0]; i++) {
        int f = cols[i].field;
        if (!(sent >> f & 1))
            continue;
        if (cols[i].types[0] == 't') {
            const char *t = IN_MEMBER(&in, update_fields, f, const char *);
            rc = db_exec(db, NULL, cols[i].sql, "ti", t, id);
            json_object_set_new(changed, update_fields[f].name, json_string(t));
        } else { /* "Ii": 0 (a null parent_id) is stored as NULL */
            int64_t n = IN_GIVEN(&in, update_fields, f) ? IN_MEMBER(&in, update_fields, f, int64_t) : 0;
            rc = db_exec(db, NULL, cols[i].sql, cols[i].types, n, id);
            json_object_set_new(changed, update_fields[f].name,
                                IN_GIVEN(&in, update_fields, f) ? json_integer(n) : json_null());
        }
    }
    if (rc == DB_OK && IN_GIVEN(&in, update_fields, CH_ACTIVE)) {
        rc = db_exec(db, NULL, "UPDATE case_category SET active = ? WHERE id = ?", "ii", (int64_t)in.active, id);
        json_object_set_new(changed, "active", json_boolean(in.active));
    }
    if (rc == DB_OK)
        rc = db_exec(db, NULL, "UPDATE case_category SET version = version + 1 WHERE id = ?", "i", id);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "case_category.updated", "case_category", id, 0, changed);
    else
        json_decref(changed);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    case_categories_changed();
    return api_json(rep, 200, category_json(db, id));
}

int case_category_update(api_req_t *req, api_reply_t *rep)
{
    if (!city_admin(req->db, req->who)) {
        not_city_admin(rep, req->lang);
        return 0;
    }
    json_t *data = req->body; /* the request's own: nothing reads it after this */
    req->body = NULL;
    return api_defer_kept(req, update_write, data);
}

static const field_t case_categories_list_query[] = {
    {"include_inactive", F_BOOL, 0, 0, 0, NULL, 0},
    FIELDS_END,
};

const op_t case_category_ops[] = {
    {OP(HTTP_GET, "/api/v1/case-categories", "case_categories.list", USER, 0, case_category_list), .query = case_categories_list_query},
    {OP(HTTP_POST, "/api/v1/case-categories", "case_categories.create", PERM(PERM_ALL), RF_BODY | RF_WRITES, case_category_create), .body = create_fields},
    {OP(HTTP_PATCH, "/api/v1/case-categories/{id}", "case_categories.update", PERM(PERM_ALL), RF_BODY | RF_WRITES, case_category_update), .body = update_fields},
    OPS_END,
};
