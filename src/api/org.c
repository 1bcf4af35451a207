/* The organisation tree: nodes, their children, moves and the subtree figures. */
#include "api/handlers.h"
#include "api/op.h"
#include "api/internal.h"

#include <stdio.h>
#include <string.h>

#include "core/level.h"
#include "core/path.h"
#include "core/role.h"
#include "lib/util.h"

const char *const org_levels[] = {"city", "district", "street", "community", "grid", "building", NULL};

/* A new node, as validated (typed input, api.h). */
typedef struct {
    uint64_t given;
    int64_t parent_id;
    const char *level, *kind, *name, *code;
} org_in_t;

static const field_t create_fields[] = {
    IN(org_in_t, parent_id, F_INT, 1, 1, INT64_MAX, NULL),
    IN(org_in_t, level, F_ENUM, 1, 0, 0, org_levels),
    IN(org_in_t, kind, F_TEXT, 0, 1, 32, NULL),
    IN(org_in_t, name, F_NAME, 1, 1, 64, NULL),
    IN(org_in_t, code, F_TEXT, 0, 1, 20, NULL),
    FIELDS_END,
};

/* A change or a move, as validated: the fields given (bit i of given), code and
 * version also when sent as null (IN_SENT: null clears the code). */
typedef struct {
    uint64_t given;
    int64_t parent_id;
    const char *kind, *name, *code;
    int64_t version;
} org_change_t;

enum { CH_PARENT, CH_KIND, CH_NAME, CH_CODE, CH_VERSION };
static const field_t update_fields[] = {
    IN(org_change_t, parent_id, F_INT, F_NOT_NULL, 1, INT64_MAX, NULL),
    IN(org_change_t, kind, F_TEXT, F_NOT_NULL, 1, 32, NULL),
    IN(org_change_t, name, F_NAME, F_NOT_NULL, 1, 64, NULL),
    IN(org_change_t, code, F_TEXT, 0, 1, 20, NULL),
    IN(org_change_t, version, F_INT, 0, 1, INT64_MAX, NULL),
    FIELDS_END,
};

#define ORG_COLUMNS                                                                                                   \
    "o.id, o.parent_id, o.level, o.kind, o.code, o.name, o.path, o.depth, o.created_at, o.updated_at, o.version,"  \
    " (SELECT COUNT(*) FROM org c WHERE c.parent_id = o.id) AS child_count"

static json_t *org_json(db_t *db, int64_t id)
{
    json_t *rows = db_rows_json(db, "SELECT " ORG_COLUMNS " FROM org o WHERE o.id = ?", "i", id);
    json_t *o = rows && json_array_size(rows) == 1 ? json_incref(json_array_get(rows, 0)) : NULL;
    json_decref(rows);
    return o;
}

static int digits_only(const char *s)
{
    if (s == NULL)
        return 1;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return 0;
    return 1;
}

/* Grids are told apart by name within their community: 0 if name is free under
 * parent (the grid self aside, 0 for a new one), -1 with rep set to 409 naming
 * field if another grid there has it. */
static int grid_name_check(db_t *db, const write_ctx_t *w, int64_t parent, const char *name, int64_t self,
                           const char *field, api_reply_t *rep)
{
    int64_t n = 0;
    int rc = db_one_int(db, &n,
                        "SELECT COUNT(*) FROM org WHERE parent_id = ? AND level = 'grid' AND name = ? AND id <> ?",
                        "iti", parent, name, self);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    return n > 0 ? api_fail(rep, w->lang, E_GRID_NAME_TAKEN, field) : 0;
}

/* ---- create ---- */

static int create_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    org_in_t in = {0};
    api_input_fill(create_fields, data, &in);
    int64_t parent_id = in.parent_id;
    char ppath[ACCESS_PATH_MAX], plevel[16];
    int rc = access_org(db, &w->who, PERM_ORG_WRITE, parent_id, ppath, sizeof ppath);
    if (rc == DB_NOTFOUND)
        return api_fail(rep, w->lang, E_PARENT_NOT_FOUND, "parent_id");
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    rc = db_one_text(db, plevel, sizeof plevel, "SELECT level FROM org WHERE id = ?", "i", parent_id);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    org_level_t level = level_from_name(in.level);
    if (!level_child_allowed(level_from_name(plevel), level))
        return api_fail(rep, w->lang, E_CHILD_LEVEL_BELOW_PARENT, "level");
    const char *kind = in.kind;
    if (kind == NULL)
        kind = level_default_kind(level);
    if (!level_kind_allowed(level, kind))
        return api_fail(rep, w->lang, E_KIND_LEVEL_MISMATCH, "kind");
    const char *name = in.name, *code = in.code;
    if (level == LEVEL_GRID && grid_name_check(db, w, parent_id, name, 0, "name", rep) != 0)
        return -1;
    int64_t id = 0;
    rc = db_one_int(db, &id,
                    "INSERT INTO org (parent_id, level, kind, code, name, path, depth, created_at, updated_at)"
                    " VALUES (?, ?, ?, ?, ?, '/pending/', ?, ?, ?) RETURNING id",
                    "ittttiii", parent_id, level_name(level), kind, code, name, (int64_t)path_depth(ppath) + 1,
                    w->now, w->now);
    if (rc == DB_UNIQUE)
        return api_fail(rep, w->lang, E_ORG_CODE_TAKEN, "code");
    char path[ACCESS_PATH_MAX];
    if (rc == DB_OK && path_child(path, sizeof path, ppath, id) != 0)
        rc = DB_ERR;
    if (rc == DB_OK)
        rc = db_exec(db, NULL, "UPDATE org SET path = ? WHERE id = ?", "ti", path, id);
    if (rc == DB_OK)
        rc = rollup_org_node(db, id, +1);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "org.created", "org", id, id,
                          json_pack("{s:s, s:s, s:I, s:s?}", "name", name, "level", level_name(level), "parent_id",
                                    (json_int_t)parent_id, "code", code));
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    api_json(rep, 201, org_json(db, id));
    return rep->json ? 0 : api_db_error(rep, w->lang, DB_ERR, NULL);
}

int org_create(api_req_t *req, api_reply_t *rep)
{
    if (!digits_only(json_string_value(json_object_get(req->body, "code"))))
        return api_fail(rep, req->lang, E_ORG_CODE_INVALID, "code");
    return api_defer(req, create_write, json_incref(req->body));
}

/* ---- read ---- */

int org_get(api_req_t *req, api_reply_t *rep)
{
    char path[ACCESS_PATH_MAX];
    int rc = access_org(req->db, req->who, PERM_ORG_READ, req->params[0], path, sizeof path);
    if (rc != DB_OK)
        return api_db_error(rep, req->lang, rc, "org");
    json_t *o = org_json(req->db, req->params[0]);
    if (o == NULL)
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    /* Breadcrumbs: the ancestors the caller may see, root first. */
    int64_t ids[16];
    int n = path_ids(path, ids, 16);
    json_t *anc = json_array();
    for (int i = 0; i < n - 1; i++) {
        char apath[ACCESS_PATH_MAX];
        if (access_org(req->db, req->who, PERM_ORG_READ, ids[i], apath, sizeof apath) != DB_OK)
            continue;
        json_t *r = db_rows_json(req->db, "SELECT id, name, level FROM org WHERE id = ?", "i", ids[i]);
        if (r && json_array_size(r) == 1)
            json_array_append(anc, json_array_get(r, 0));
        json_decref(r);
    }
    json_object_set_new(o, "ancestors", anc);
    uint32_t perms = access_perms_at(req->who, path);
    json_t *can = json_array();
    for (int i = 0; i < 32; i++)
        if ((perms & (1u << i)) && perm_name(1u << i))
            json_array_append_new(can, json_string(perm_name(1u << i)));
    json_object_set_new(o, "your_permissions", can);
    /* Whether the caller may change what defines this node (the level above's to decide). */
    json_object_set_new(o, "can_redefine",
                        json_boolean(access_org_above(req->db, req->who, PERM_ORG_WRITE, req->params[0]) == DB_OK));
    return api_json(rep, 200, o);
}

int org_children(api_req_t *req, api_reply_t *rep)
{
    int64_t limit, after;
    if (api_page(req, rep, &limit, &after) != 0)
        return 0;
    int rc = access_org(req->db, req->who, PERM_ORG_READ, req->params[0], NULL, 0);
    if (rc != DB_OK)
        return api_db_error(rep, req->lang, rc, "org");
    json_t *items = db_rows_json(req->db,
                                 "SELECT " ORG_COLUMNS " FROM org o WHERE o.parent_id = ? AND o.id > ?"
                                 " ORDER BY o.id LIMIT ?",
                                 "iii", req->params[0], after, limit + 1);
    if (items == NULL)
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    return api_json(rep, 200, api_page_result(items, limit));
}

int org_list(api_req_t *req, api_reply_t *rep)
{
    int64_t limit, after, org = 0;
    if (api_page(req, rep, &limit, &after) != 0)
        return 0;
    if (api_query_int(req, "org", 0, 1, INT64_MAX, &org) != 0)
        return api_fail(rep, req->lang, E_ORG_ID_INVALID, "org");
    char *level = api_query(req, "level");
    if (level && level_from_name(level) == LEVEL_NONE) {
        free(level);
        return api_fail(rep, req->lang, E_UNKNOWN_LEVEL, "level");
    }
    char lo[ACCESS_PATH_MAX], hi[ACCESS_PATH_MAX];
    int rc = access_list_range(req->db, req->who, PERM_ORG_READ, org, lo, hi);
    if (rc != DB_OK) {
        free(level);
        return api_db_error(rep, req->lang, rc, "org");
    }
    char *like = api_like_param(req, "q");
    json_t *items = db_rows_json(req->db,
                                 "SELECT " ORG_COLUMNS " FROM org o WHERE o.path >= ? AND o.path < ? AND o.id > ?"
                                 " AND (CAST(? AS TEXT) IS NULL OR o.level = ?)"
                                 " AND (CAST(? AS TEXT) IS NULL OR o.name LIKE ? ESCAPE '\\' OR o.code LIKE ? ESCAPE '\\')"
                                 " ORDER BY o.id LIMIT ?",
                                 "ttittttti", lo, hi, after, level, level, like, like, like,
                                 limit + 1);
    free(level);
#ifndef JICENG_LEAK_PROBE /* the test-only build of the Makefile's leak probe leaks it: LeakSanitizer must say so */
    free(like);
#endif
    if (items == NULL || org_places(req->db, items, "path") != DB_OK) {
        json_decref(items);
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    }
    return api_json(rep, 200, api_page_result(items, limit));
}

/* ---- places: the names on a row's path ---- */

#define PLACE_BATCH 64 /* ids asked in one statement */
#define PLACE_MAX 1024 /* distinct ids on one page's paths (50 rows of 6 levels fit) */

/* Read sql (its text ends with "IN (", the ids follow) for the n ids, PLACE_BATCH
 * at a time, into by_id: "id" -> the row. DB_OK or DB_ERR. */
static int rows_by_id(db_t *db, const char *sql_head, const int64_t *ids, int n, json_t *by_id)
{
    char sql[256 + PLACE_BATCH * 2];
    snprintf(sql, sizeof sql, "%s?", sql_head);
    for (int j = 1; j < PLACE_BATCH; j++)
        strcat(sql, ",?");
    strcat(sql, ")");
    for (int at = 0; at < n; at += PLACE_BATCH) {
        db_val_t vals[PLACE_BATCH];
        for (int j = 0; j < PLACE_BATCH; j++) /* past the end: the first id again */
            vals[j] = (db_val_t){'i', ids[at + j < n ? at + j : at], 0, NULL, 0};
        json_t *rows = db_rows_jsonv(db, sql, vals, PLACE_BATCH);
        if (rows == NULL)
            return DB_ERR;
        json_t *r;
        size_t x;
        json_array_foreach(rows, x, r) {
            char key[24];
            snprintf(key, sizeof key, "%lld", (long long)json_integer_value(json_object_get(r, "id")));
            json_object_set(by_id, key, r);
        }
        json_decref(rows);
    }
    return DB_OK;
}

static void id_add(int64_t *ids, int *n, int64_t id)
{
    for (int m = 0; m < *n; m++)
        if (ids[m] == id)
            return;
    if (*n < PLACE_MAX)
        ids[(*n)++] = id;
}

static const char *row_path(const json_t *row, const char *key, const json_t *paths)
{
    const json_t *v = json_object_get(row, key);
    if (json_is_string(v))
        return json_string_value(v);
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)json_integer_value(v));
    return json_string_value(json_object_get(json_object_get(paths, id), "path"));
}

int org_places(db_t *db, json_t *items, const char *key)
{
    int64_t *ids = xmalloc(PLACE_MAX * sizeof *ids);
    int n = 0, rc = DB_OK;
    size_t i;
    json_t *row, *paths = json_object(), *names = json_object();
    /* Rows naming their node by id: its path first. */
    json_array_foreach(items, i, row) if (json_is_integer(json_object_get(row, key)))
        id_add(ids, &n, json_integer_value(json_object_get(row, key)));
    if (n > 0)
        rc = rows_by_id(db, "SELECT id, path FROM org WHERE id IN (", ids, n, paths);
    /* Every node named on the rows' paths, each once. */
    n = 0;
    json_array_foreach(items, i, row) {
        int64_t on[16];
        const char *path = row_path(row, key, paths);
        int k = path ? path_ids(path, on, 16) : 0;
        for (int j = 0; j < k; j++)
            id_add(ids, &n, on[j]);
    }
    if (rc == DB_OK && n > 0)
        rc = rows_by_id(db, "SELECT id, level, name FROM org WHERE id IN (", ids, n, names);
    if (rc == DB_OK)
        json_array_foreach(items, i, row) {
            int64_t on[16];
            const char *path = row_path(row, key, paths);
            int k = path ? path_ids(path, on, 16) : 0;
            json_t *place = json_array();
            for (int j = 0; j < k; j++) {
                char id[24];
                snprintf(id, sizeof id, "%lld", (long long)on[j]);
                json_t *node = json_object_get(names, id);
                if (node)
                    json_array_append(place, node);
            }
            json_object_set_new(row, "place", place);
        }
    json_decref(paths);
    json_decref(names);
    free(ids);
    return rc;
}

/* ---- update and move ---- */

int org_above_check(db_t *db, const write_ctx_t *w, int64_t id, const char *field, api_reply_t *rep)
{
    int rc = access_org_above(db, &w->who, PERM_ORG_WRITE, id);
    if (rc == DB_OK)
        return 0;
    if (rc != DB_NOTFOUND)
        return api_db_error(rep, w->lang, rc, NULL);
    return api_fail(rep, w->lang, E_ORG_CHANGE_FROM_ABOVE, field);
}

/* Field i of a change (sent) as JSON: its value, or null. New reference. */
static json_t *change_value(const org_change_t *in, uint64_t sent, int i)
{
    if (!IN_GIVEN(in, update_fields, i))
        return sent >> i & 1 ? json_null() : NULL;
    if (update_fields[i].type == F_INT)
        return json_integer(IN_MEMBER(in, update_fields, i, int64_t));
    return json_string(IN_MEMBER(in, update_fields, i, const char *));
}

/* The first field sent that would change what the level above decides (name,
 * code, kind, parent_id), or NULL if none differs from before. */
static const char *above_field(const org_change_t *in, uint64_t sent, const json_t *before)
{
    static const int fields[] = {CH_NAME, CH_CODE, CH_KIND, CH_PARENT};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        const char *key = update_fields[fields[i]].name;
        json_t *v = change_value(in, sent, fields[i]);
        int differs = v && !json_equal(v, json_object_get(before, key)) &&
                      !(json_is_null(v) && json_object_get(before, key) == NULL);
        json_decref(v);
        if (differs)
            return key;
    }
    return NULL;
}

/* changed[field] = {from: before's, to: the value sent}. */
static void change_note(json_t *changed, const json_t *before, const org_change_t *in, uint64_t sent, int i)
{
    const char *key = update_fields[i].name;
    json_object_set_new(changed, key,
                        json_pack("{s:O, s:o}", "from", json_object_get(before, key), "to", change_value(in, sent, i)));
}

static int update_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    int64_t id = w->id;
    char path[ACCESS_PATH_MAX], level[16];
    int rc = access_org(db, &w->who, PERM_ORG_WRITE, id, path, sizeof path);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "org");
    orgs_changed(); /* a name, or the paths of a whole subtree */
    json_t *before = org_json(db, id);
    if (before == NULL)
        return api_db_error(rep, w->lang, DB_ERR, NULL);
    org_change_t in = {0};
    api_input_fill(update_fields, data, &in);
    uint64_t sent = IN_SENT(&in); /* given, or sent as null */
    json_t *changed = json_object();
    if ((sent >> CH_VERSION & 1) && in.version != json_integer_value(json_object_get(before, "version"))) {
        json_decref(before);
        json_decref(changed);
        return api_fail(rep, w->lang, E_RECORD_VERSION_CONFLICT, "version");
    }
    const char *above = above_field(&in, sent, before);
    if (above && org_above_check(db, w, id, above, rep) != 0) {
        json_decref(before);
        json_decref(changed);
        return -1;
    }
    str_copy(level, sizeof level, json_string_value(json_object_get(before, "level")));
    /* A grid keeps a name of its own in the community it is in, or moves to. */
    if (strcmp(level, "grid") == 0 && (in.name || IN_GIVEN(&in, update_fields, CH_PARENT))) {
        int64_t parent = IN_GIVEN(&in, update_fields, CH_PARENT) ? in.parent_id
                                                                 : json_integer_value(json_object_get(before, "parent_id"));
        const char *name = in.name ? in.name : json_string_value(json_object_get(before, "name"));
        /* A new parent out of the caller's reach is refused below as not found, never by its grids' names. */
        int reach = access_org(db, &w->who, PERM_ORG_WRITE, parent, NULL, 0) == DB_OK;
        if (reach && grid_name_check(db, w, parent, name, id, in.name ? "name" : "parent_id", rep) != 0) {
            json_decref(before);
            json_decref(changed);
            return -1;
        }
    }
    if (in.name) {
        rc = db_exec(db, NULL, "UPDATE org SET name = ? WHERE id = ?", "ti", in.name, id);
        change_note(changed, before, &in, sent, CH_NAME);
    }
    if (rc == DB_OK && in.kind) {
        if (!level_kind_allowed(level_from_name(level), in.kind)) {
            json_decref(before);
            json_decref(changed);
            return api_fail(rep, w->lang, E_KIND_LEVEL_MISMATCH, "kind");
        }
        rc = rollup_org_node(db, id, -1);
        if (rc == DB_OK)
            rc = db_exec(db, NULL, "UPDATE org SET kind = ? WHERE id = ?", "ti", in.kind, id);
        if (rc == DB_OK)
            rc = rollup_org_node(db, id, +1);
        change_note(changed, before, &in, sent, CH_KIND);
    }
    if (rc == DB_OK && (sent >> CH_CODE & 1)) {
        rc = db_exec(db, NULL, "UPDATE org SET code = ? WHERE id = ?", "ti", in.code, id);
        if (rc == DB_UNIQUE) {
            json_decref(before);
            json_decref(changed);
            return api_fail(rep, w->lang, E_ORG_CODE_TAKEN, "code");
        }
        change_note(changed, before, &in, sent, CH_CODE);
    }
    if (rc == DB_OK && IN_GIVEN(&in, update_fields, CH_PARENT) &&
        in.parent_id != json_integer_value(json_object_get(before, "parent_id"))) {
        int64_t np = in.parent_id;
        char npath[ACCESS_PATH_MAX], nlevel[16], newpath[ACCESS_PATH_MAX], upper[ACCESS_PATH_MAX];
        rc = access_org(db, &w->who, PERM_ORG_WRITE, np, npath, sizeof npath);
        if (rc == DB_NOTFOUND) {
            json_decref(before);
            json_decref(changed);
            return api_fail(rep, w->lang, E_NEW_PARENT_NOT_FOUND, "parent_id");
        }
        if (rc == DB_OK && path_is_within(npath, path)) {
            json_decref(before);
            json_decref(changed);
            return api_fail(rep, w->lang, E_ORG_MOVE_UNDER_ITSELF, "parent_id");
        }
        if (rc == DB_OK)
            rc = db_one_text(db, nlevel, sizeof nlevel, "SELECT level FROM org WHERE id = ?", "i", np);
        if (rc == DB_OK && !level_child_allowed(level_from_name(nlevel), level_from_name(level))) {
            json_decref(before);
            json_decref(changed);
            return api_fail(rep, w->lang, E_ORG_PARENT_LEVEL, "parent_id");
        }
        if (rc == DB_OK && (path_child(newpath, sizeof newpath, npath, id) != 0 ||
                            path_subtree_upper(upper, sizeof upper, path) != 0))
            rc = DB_ERR;
        /* The whole subtree follows in one statement: new prefix + the rest of each path. */
        if (rc == DB_OK)
            rc = db_exec(db, NULL,
                         "UPDATE org SET path = ? || substr(path, ?), depth = depth + ? WHERE path >= ? AND path < ?",
                         "tiitt", newpath, (int64_t)strlen(path) + 1,
                         (int64_t)(path_depth(newpath) - path_depth(path)), path, upper);
        if (rc == DB_OK)
            rc = db_exec(db, NULL, "UPDATE org SET parent_id = ? WHERE id = ?", "ii", np, id);
        /* The subtree's figures leave the old ancestors and join the new ones. */
        if (rc == DB_OK) {
            char oldparent[ACCESS_PATH_MAX];
            str_copy(oldparent, sizeof oldparent, path);
            size_t n = strlen(oldparent);
            while (n > 1 && oldparent[n - 2] != '/')
                n--;
            oldparent[n - 1] = '\0';
            rc = rollup_move(db, id, oldparent, npath);
            if (rc == DB_OK)
                rc = casework_move(db, id, oldparent, npath);
        }
        change_note(changed, before, &in, sent, CH_PARENT);
    }
    if (rc == DB_OK)
        rc = db_exec(db, NULL, "UPDATE org SET updated_at = ?, version = version + 1 WHERE id = ?", "ii", w->now, id);
    if (rc == DB_OK)
        rc = audit_append(db, w, "org.updated", "org", id, id, changed);
    json_decref(before);
    json_decref(changed);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    api_json(rep, 200, org_json(db, id));
    return rep->json ? 0 : api_db_error(rep, w->lang, DB_ERR, NULL);
}

int org_update(api_req_t *req, api_reply_t *rep)
{
    org_change_t in = {0};
    api_input_fill(update_fields, req->body, &in);
    if (!digits_only(in.code))
        return api_fail(rep, req->lang, E_ORG_CODE_INVALID, "code");
    json_t *data = req->body; /* the request's own: nothing reads it after this */
    req->body = NULL;
    return api_defer_kept(req, update_write, data);
}

/* ---- delete ---- */

static int delete_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    (void)data;
    int64_t id = w->id, n = 0;
    int rc = access_org(db, &w->who, PERM_ORG_WRITE, id, NULL, 0);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "org");
    if (org_above_check(db, w, id, NULL, rep) != 0)
        return -1;
    orgs_changed();
    rc = db_one_int(db, &n, "SELECT COUNT(*) FROM org WHERE parent_id = ?", "i", id);
    if (rc == DB_OK && n > 0)
        return api_fail(rep, w->lang, E_ORG_HAS_CHILDREN, NULL);
    json_t *before = org_json(db, id);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "org.deleted", "org", id, id,
                          json_pack("{s:O, s:O, s:O}", "name", json_object_get(before, "name"), "level",
                                    json_object_get(before, "level"), "code", json_object_get(before, "code")));
    json_decref(before);
    if (rc == DB_OK)
        rc = rollup_org_node(db, id, -1);
    if (rc == DB_OK)
        rc = db_exec(db, NULL, "DELETE FROM org_geometry_box WHERE org_id = ?", "i", id);
    if (rc == DB_OK)
        rc = db_exec(db, NULL, "DELETE FROM org WHERE id = ?", "i", id);
    if (rc == DB_FOREIGN)
        return api_fail(rep, w->lang, E_ORG_NOT_EMPTY, NULL);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    rep->status = 204;
    return 0;
}

int org_delete(api_req_t *req, api_reply_t *rep)
{
    (void)rep;
    return api_defer(req, delete_write, NULL);
}

/* ---- figures ---- */


/* Figures of the subtree [lo, hi), the node itself included. */
/* Split a node's rollup figures into the answer's groups: the tree's own
 * figures, party organisations by kind, units by type, and people. */
static void stats_groups(json_t *rollup, json_t *into)
{
    static const char *const tree[][2] = {
        {"districts", "org.district"}, {"streets", "org.street"}, {"communities", "org.community"},
        {"villages", "org.village"},   {"grids", "org.grid"},     {"buildings", "org.building"},
        {"party_orgs", "party_orgs"},  {"units", "units"},        {"users", "users"},
        {"grid_party_orgs", "party_orgs.at_grid"},
    };
    json_t *figures = json_object(), *by_kind = json_object(), *by_type = json_object(), *people = json_object();
    for (size_t i = 0; i < sizeof tree / sizeof tree[0]; i++) {
        json_t *v = json_object_get(rollup, tree[i][1]);
        json_object_set_new(figures, tree[i][0], json_integer(v ? json_integer_value(v) : 0));
    }
    const char *key;
    json_t *v;
    json_object_foreach(rollup, key, v) {
        if (json_integer_value(v) == 0)
            continue;
        if (strcmp(key, "party_orgs.at_grid") == 0) /* not a kind: in figures as grid_party_orgs */
            continue;
        if (strncmp(key, "party_orgs.", 11) == 0)
            json_object_set(by_kind, key + 11, v);
        else if (strncmp(key, "units.", 6) == 0)
            json_object_set(by_type, key + 6, v);
        else if (strncmp(key, "org.", 4) != 0 && strcmp(key, "party_orgs") != 0 && strcmp(key, "units") != 0 &&
                 strcmp(key, "users") != 0)
            json_object_set(people, key, v);
    }
    json_object_set_new(into, "figures", figures);
    json_object_set_new(into, "people", people);
    json_object_set_new(into, "party_orgs_by_kind", by_kind);
    json_object_set_new(into, "units_by_type", by_type);
}

/* The dashboard of a subtree: a handful of rollup rows, never a count over the subtree. */
int org_stats(api_req_t *req, api_reply_t *rep)
{
    int rc = access_org(req->db, req->who, PERM_STATS_READ, req->params[0], NULL, 0);
    if (rc != DB_OK)
        return api_db_error(rep, req->lang, rc, "org");
    char key[64];
    snprintf(key, sizeof key, "stats:%lld", (long long)req->params[0]);
    if (cache_reply(req, key, rep))
        return 0;
    json_t *node = db_rows_json(req->db, "SELECT id, name, level, kind, code FROM org WHERE id = ?", "i",
                                req->params[0]);
    json_t *out = json_object();
    json_object_set_new(out, "org", json_incref(json_array_get(node, 0)));
    json_decref(node);
    json_t *fig = rollup_figures(req->db, req->params[0]);
    stats_groups(fig, out);
    json_decref(fig);
    json_t *children = db_rows_json(req->db,
                                    "SELECT id, name, level, kind, code FROM org WHERE parent_id = ?"
                                    " ORDER BY id LIMIT 500",
                                    "i", req->params[0]);
    size_t i;
    json_t *c;
    json_array_foreach(children, i, c) {
        json_t *cf = rollup_figures(req->db, json_integer_value(json_object_get(c, "id")));
        json_t *groups = json_object();
        stats_groups(cf, groups);
        json_object_set(c, "figures", json_object_get(groups, "figures"));
        json_object_set(c, "people", json_object_get(groups, "people"));
        json_decref(groups);
        json_decref(cf);
    }
    json_object_set_new(out, "children", children ? children : json_array());
    cache_store(req, key, out);
    return api_json(rep, 200, out);
}

static const field_t orgs_list_query[] = {
    {"org", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"level", F_ENUM, 0, 0, 0, org_levels, 0},
    {"q", F_TEXT, 0, 0, 0, NULL, 0},
    FIELDS_END,
};

const op_t org_ops[] = {
    {OP(HTTP_GET, "/api/v1/orgs", "orgs.list", PERM(PERM_ORG_READ), RF_PAGED, org_list), .query = orgs_list_query},
    {OP(HTTP_POST, "/api/v1/orgs", "orgs.create", PERM(PERM_ORG_WRITE), RF_BODY | RF_WRITES, org_create), .body = create_fields},
    {OP(HTTP_GET, "/api/v1/orgs/{id}", "orgs.get", PERM(PERM_ORG_READ), 0, org_get)},
    {OP(HTTP_PATCH, "/api/v1/orgs/{id}", "orgs.update", PERM(PERM_ORG_WRITE), RF_BODY | RF_WRITES, org_update), .body = update_fields},
    {OP(HTTP_DELETE, "/api/v1/orgs/{id}", "orgs.delete", PERM(PERM_ORG_WRITE), RF_WRITES, org_delete)},
    {OP(HTTP_GET, "/api/v1/orgs/{id}/children", "orgs.children", PERM(PERM_ORG_READ), RF_PAGED, org_children)},
    {OP(HTTP_GET, "/api/v1/orgs/{id}/stats", "orgs.stats", PERM(PERM_STATS_READ), 0, org_stats)},
    OPS_END,
};
