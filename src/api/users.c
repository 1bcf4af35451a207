/* Users within one's scope, their grants, and who may hand out what. */
#include "api/handlers.h"
#include "api/op.h"
#include "api/internal.h"
#include "api/list.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "core/path.h"
#include "core/role.h"
#include "core/timefmt.h"
#include "http/server.h"
#include "lib/util.h"

static const char *const role_names[] = {"admin",    "org_staff", "grid_worker", "party_member",
                                         "resident", "delegate",  "auditor",     "unit_staff", NULL};
const char *const user_langs[] = {"zh-CN", "en", NULL};

/* The inputs as validated (typed inputs, api.h). The password never reaches
 * a write: the handler (or the CLI) hashes it and hands the hash as w->in. */
typedef struct {
    uint64_t given;
    const char *username, *display_name, *password;
    int64_t org_id;
    const char *lang;
    int64_t person_id;
    const char *role;
} user_new_in_t;

const field_t user_create_fields[] = {
    IN(user_new_in_t, username, F_TEXT, 1, 3, 64, NULL),
    IN(user_new_in_t, display_name, F_NAME, 1, 1, 64, NULL),
    IN(user_new_in_t, password, F_TEXT, 1, 1, PW_MAX_BYTES, NULL),
    IN(user_new_in_t, org_id, F_INT, 0, 1, INT64_MAX, NULL),
    IN(user_new_in_t, lang, F_ENUM, 0, 0, 0, user_langs),
    IN(user_new_in_t, person_id, F_INT, 0, 1, INT64_MAX, NULL), /* the resident the account is */
    IN(user_new_in_t, role, F_ENUM, 0, 0, 0, role_names),        /* granted over org_id at once */
    FIELDS_END,
};

typedef struct {
    uint64_t given;
    const char *display_name, *password;
    int disabled, unlock;
    const char *lang;
    int64_t version;
    int64_t person_id;
} user_change_in_t;

enum { CHANGE_DISABLED = 2, CHANGE_VERSION = 5, CHANGE_PERSON = 6 }; /* their places in user_update_fields */
static const field_t user_update_fields[] = {
    IN(user_change_in_t, display_name, F_NAME, F_NOT_NULL, 1, 64, NULL),
    IN(user_change_in_t, password, F_TEXT, F_NOT_NULL, 1, PW_MAX_BYTES, NULL),
    IN(user_change_in_t, disabled, F_BOOL, F_NOT_NULL, 0, 0, NULL),
    IN(user_change_in_t, unlock, F_BOOL, F_NOT_NULL, 0, 0, NULL),
    IN(user_change_in_t, lang, F_ENUM, F_NOT_NULL, 0, 0, user_langs),
    IN(user_change_in_t, version, F_INT, 0, 1, INT64_MAX, NULL),
    IN(user_change_in_t, person_id, F_INT, 0, 1, INT64_MAX, NULL), /* null: the account is no resident's */
    FIELDS_END,
};

typedef struct {
    uint64_t given;
    const char *role;
    int64_t org_id, unit_id;
} grant_in_t;

static const field_t grant_fields[] = {
    IN(grant_in_t, role, F_ENUM, 1, 0, 0, role_names),
    IN(grant_in_t, org_id, F_INT, 0, 1, INT64_MAX, NULL),
    IN(grant_in_t, unit_id, F_INT, 0, 1, INT64_MAX, NULL), /* unit_staff only: the resident unit it is over */
    FIELDS_END,
};

static json_t *perm_names(uint32_t perms)
{
    json_t *arr = json_array();
    for (int i = 0; i < 32; i++)
        if ((perms & (1u << i)) && perm_name(1u << i))
            json_array_append_new(arr, json_string(perm_name(1u << i)));
    return arr;
}

json_t *user_json(db_t *db, int64_t user_id, int details)
{
    db_stmt_t *st = db_q(db,
                         "SELECT u.id, u.username, u.display_name, u.org_id, o.name AS org_name, u.lang,"
                         " u.disabled AS is_disabled, (SELECT MAX(f.locked_until) FROM login_failure f"
                         " WHERE f.username = u.username) AS locked_until, u.created_at, u.updated_at,"
                         " u.password_changed_at, u.version, u.person_id FROM app_user u LEFT JOIN org o ON o.id = u.org_id"
                         " WHERE u.id = ?",
                         "i", user_id);
    if (st == NULL)
        return NULL;
    json_t *u = NULL;
    if (db_step(st) == DB_ROW) {
        u = db_row_json(st);
        int64_t until = json_integer_value(json_object_get(u, "locked_until"));
        json_object_del(u, "locked_until");
        if (until > clock_now()) {
            char ts[32];
            time_format_rfc3339(ts, until);
            json_object_set_new(u, "locked_until", json_string(ts));
        } else {
            json_object_set_new(u, "locked_until", json_null());
        }
    }
    db_done(st);
    if (u == NULL || !details)
        return u;
    json_t *grants = db_rows_json(db,
                                  "SELECT g.id, g.role, g.org_id, o.name AS org_name, o.level AS org_level,"
                                  " g.unit_id, u.name AS unit_name FROM user_grant g LEFT JOIN org o ON o.id = g.org_id"
                                  " LEFT JOIN unit u ON u.id = g.unit_id WHERE g.user_id = ? ORDER BY g.id",
                                  "i", user_id);
    principal_t p;
    if (grants == NULL || access_load_grants(db, &p, user_id) != DB_OK) {
        json_decref(grants);
        json_decref(u);
        return NULL;
    }
    json_object_set_new(u, "grants", grants);
    json_object_set_new(u, "permissions", perm_names(p.perms_any));
    /* The roots of the user's visible tree: grant nodes not inside another grant's. */
    json_t *roots = json_array();
    int global = 0;
    for (int i = 0; i < p.ngrants; i++)
        if ((p.grants[i].perms & PERM_ORG_READ) && strcmp(p.grants[i].path, "/") == 0)
            global = 1;
    if (global) {
        json_decref(roots);
        roots = db_rows_json(db, "SELECT id, name, level, kind, code FROM org WHERE parent_id IS NULL ORDER BY id", "");
    } else {
        for (int i = 0; i < p.ngrants; i++) {
            const grant_t *g = &p.grants[i];
            if (!(g->perms & PERM_ORG_READ))
                continue;
            int inner = 0;
            for (int j = 0; j < p.ngrants && !inner; j++)
                if (j != i && (p.grants[j].perms & PERM_ORG_READ) && path_is_within(g->path, p.grants[j].path) &&
                    (strcmp(g->path, p.grants[j].path) != 0 || j < i))
                    inner = 1;
            if (inner)
                continue;
            json_t *r = db_rows_json(db, "SELECT id, name, level, kind, code FROM org WHERE id = ?", "i", g->org_id);
            if (r && json_array_size(r) == 1)
                json_array_append(roots, json_array_get(r, 0));
            json_decref(r);
        }
    }
    json_object_set_new(u, "scope_roots", roots ? roots : json_array());
    return u;
}

/* The path of a user's home node ("/" for a system-wide user). */
static int user_home_path(db_t *db, int64_t user_id, char path[ACCESS_PATH_MAX])
{
    return db_one_text(db, path, ACCESS_PATH_MAX,
                       "SELECT COALESCE(o.path, '/') FROM app_user u LEFT JOIN org o ON o.id = u.org_id"
                       " WHERE u.id = ?",
                       "i", user_id);
}

/* May w->who manage user_id? DB_OK; DB_NOTFOUND if the user is out of scope;
 * 1 if the user holds rights beyond the caller's. */
static int can_manage_user(db_t *db, const principal_t *who, int64_t user_id)
{
    char path[ACCESS_PATH_MAX];
    int rc = user_home_path(db, user_id, path);
    if (rc != DB_OK)
        return rc;
    if (!access_covers(who, PERM_USER_WRITE, path))
        return DB_NOTFOUND;
    principal_t target;
    rc = access_load_grants(db, &target, user_id);
    if (rc != DB_OK)
        return rc;
    for (int i = 0; i < target.ngrants; i++) {
        const grant_t *g = &target.grants[i];
        if (!access_covers(who, PERM_USER_WRITE, g->path) || (g->perms & ~access_perms_at(who, g->path)) != 0)
            return 1;
    }
    return DB_OK;
}

static int manage_error(api_reply_t *rep, const char *lang, int rc)
{
    if (rc == 1)
        return api_fail(rep, lang, E_USER_RIGHTS_BEYOND_YOURS, NULL);
    return api_db_error(rep, lang, rc, "user");
}

/* May the caller link an account to person id: they must see the person (people
 * scope), and no other account may be that person. DB_OK, or -1 with rep set. */
static int person_linkable(db_t *db, const write_ctx_t *w, int64_t person, int64_t user_id, api_reply_t *rep)
{
    int64_t org = 0, other = 0;
    int rc = db_one_int(db, &org, "SELECT org_id FROM person WHERE id = ?", "i", person);
    if (rc == DB_OK)
        rc = access_row(db, &w->who, PERM_PEOPLE_READ, org);
    if (rc == DB_NOTFOUND)
        return api_fail(rep, w->lang, E_PERSON_NOT_FOUND, "person_id");
    if (rc == DB_OK)
        rc = db_one_int(db, &other, "SELECT id FROM app_user WHERE person_id = ? AND id <> ?", "ii", person, user_id);
    if (rc == DB_OK)
        return api_fail(rep, w->lang, E_PERSON_HAS_ACCOUNT, "person_id");
    return rc == DB_NOTFOUND ? DB_OK : api_db_error(rep, w->lang, rc, NULL);
}

static int username_ok(const char *s)
{
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' || *s == '.' || *s == '-'))
            return 0;
    return 1;
}

static int grant_insert(db_t *db, const write_ctx_t *w, int64_t user_id, const char *role, int64_t org_id,
                        int64_t unit_id, const char *path, api_reply_t *rep);

int user_create_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    user_new_in_t in = {0};
    api_input_fill(user_create_fields, data, &in);
    int64_t org_id = in.org_id;
    char path[ACCESS_PATH_MAX] = "/";
    if (org_id > 0) {
        int rc = access_org(db, &w->who, PERM_USER_WRITE, org_id, path, sizeof path);
        if (rc != DB_OK) {
            if (rc == DB_NOTFOUND)
                return api_fail(rep, w->lang, E_ORG_NOT_FOUND, "org_id");
            return api_db_error(rep, w->lang, rc, NULL);
        }
    } else if (!access_covers(&w->who, PERM_USER_WRITE, "/")) {
        return api_fail(rep, w->lang, E_ORG_ID_REQUIRED, "org_id");
    }
    const char *username = in.username, *lang = in.lang;
    /* A role given with the account is granted over its node; a resident unit's
     * role is granted over a unit, from the account's page. */
    if (in.role && role_on_unit(in.role))
        return api_fail(rep, w->lang, E_UNIT_STAFF_NEEDS_UNIT, "role");
    if (in.person_id > 0 && person_linkable(db, w, in.person_id, 0, rep) != DB_OK)
        return -1;
    int64_t id = 0;
    int rc = db_one_int(db, &id,
                        "INSERT INTO app_user (username, display_name, org_id, password_hash, lang, created_at,"
                        " updated_at, password_changed_at, person_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                        "ttIttiiiI", username, in.display_name, org_id, (const char *)w->in, lang ? lang : "zh-CN",
                        w->now, w->now, w->now, in.person_id);
    if (rc == DB_UNIQUE)
        return api_fail(rep, w->lang, E_USER_NAME_TAKEN, "username");
    if (rc == DB_OK && org_id > 0)
        rc = rollup_add(db, org_id, "users", 1);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "user.created", "user", id, org_id,
                              json_pack("{s:s, s:s, s:I}", "username", username, "display_name", in.display_name,
                                        "person_id", (json_int_t)in.person_id));
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    if (in.role && grant_insert(db, w, id, in.role, org_id, 0, path, rep) != 0)
        return -1;
    json_t *u = user_json(db, id, 1);
    if (u == NULL)
        return api_db_error(rep, w->lang, DB_ERR, NULL);
    api_json(rep, 201, u);
    return 0;
}

int user_update_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    user_change_in_t in = {0};
    api_input_fill(user_update_fields, data, &in);
    int64_t id = w->id;
    int rc = can_manage_user(db, &w->who, id);
    if (rc != DB_OK)
        return manage_error(rep, w->lang, rc);
    if (IN_GIVEN(&in, user_update_fields, CHANGE_VERSION)) {
        int64_t version = 0;
        rc = db_one_int(db, &version, "SELECT version FROM app_user WHERE id = ?", "i", id);
        if (rc != DB_OK)
            return api_db_error(rep, w->lang, rc, NULL);
        if (version != in.version)
            return api_fail(rep, w->lang, E_VERSION_CONFLICT, "version");
    }
    json_t *changed = json_array();
    if (in.display_name) {
        rc = db_exec(db, NULL, "UPDATE app_user SET display_name = ? WHERE id = ?", "ti", in.display_name, id);
        json_array_append_new(changed, json_string("display_name"));
    }
    if (rc == DB_OK && in.lang) {
        rc = db_exec(db, NULL, "UPDATE app_user SET lang = ? WHERE id = ?", "ti", in.lang, id);
        json_array_append_new(changed, json_string("lang"));
    }
    if (rc == DB_OK && (IN_SENT(&in) >> CHANGE_PERSON & 1)) {
        if (in.person_id > 0 && person_linkable(db, w, in.person_id, id, rep) != DB_OK) {
            json_decref(changed);
            return -1;
        }
        rc = db_exec(db, NULL, "UPDATE app_user SET person_id = ? WHERE id = ?", "Ii", in.person_id, id);
        json_array_append_new(changed, json_string("person_id"));
    }
    int end_sessions = 0;
    if (rc == DB_OK && IN_GIVEN(&in, user_update_fields, CHANGE_DISABLED)) {
        if (in.disabled && id == w->who.user_id) {
            json_decref(changed);
            return api_fail(rep, w->lang, E_DISABLE_SELF, "disabled");
        }
        rc = db_exec(db, NULL, "UPDATE app_user SET disabled = ? WHERE id = ?", "ii", (int64_t)in.disabled, id);
        json_array_append_new(changed, json_string("disabled"));
        end_sessions |= in.disabled;
    }
    int unlock = 0;
    if (rc == DB_OK && w->in) { /* a new password's hash */
        rc = db_exec(db, NULL, "UPDATE app_user SET password_hash = ?, password_changed_at = ? WHERE id = ?", "tii",
                     (const char *)w->in, w->now, id);
        json_array_append_new(changed, json_string("password"));
        end_sessions = 1;
        unlock = 1;
    }
    if (rc == DB_OK && in.unlock) {
        json_array_append_new(changed, json_string("unlock"));
        unlock = 1;
    }
    /* Failures counted and locks from every address end (a new password's too). */
    if (rc == DB_OK && unlock)
        rc = db_exec(db, NULL, "DELETE FROM login_failure WHERE username = (SELECT username FROM app_user WHERE id = ?)",
                     "i", id);
    if (rc == DB_OK && end_sessions)
        rc = db_exec(db, NULL, "UPDATE session SET revoked = 1 WHERE user_id = ? AND revoked = 0", "i", id);
    if (rc == DB_OK)
        rc = db_exec(db, NULL, "UPDATE app_user SET updated_at = ?, version = version + 1 WHERE id = ?", "ii", w->now,
                     id);
    int64_t org_id = 0;
    if (rc == DB_OK)
        rc = db_one_int(db, &org_id, "SELECT COALESCE(org_id, 0) FROM app_user WHERE id = ?", "i", id);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "user.updated", "user", id, org_id, json_pack("{s:O}", "changed", changed));
    json_decref(changed);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    json_t *u = user_json(db, id, 1);
    if (u == NULL)
        return api_db_error(rep, w->lang, DB_ERR, NULL);
    api_json(rep, 200, u);
    return 0;
}

/* Grants role to user_id over org_id (or the unit unit_id, or everything),
 * the node at path, when the caller holds every permission of the role there;
 * audited. 0, or -1 with rep set. */
static int grant_insert(db_t *db, const write_ctx_t *w, int64_t user_id, const char *role, int64_t org_id,
                        int64_t unit_id, const char *path, api_reply_t *rep)
{
    int rc;
    if (!access_covers(&w->who, PERM_USER_WRITE, path) || !role_can_grant(access_perms_at(&w->who, path), role))
        return api_fail(rep, w->lang, E_GRANT_EXCEEDS_OWN, "role");
    int64_t dup = 0;
    if (unit_id > 0)
        rc = db_one_int(db, &dup, "SELECT id FROM user_grant WHERE user_id = ? AND unit_id = ?", "ii", user_id,
                        unit_id);
    else
        rc = db_one_int(db, &dup,
                        "SELECT id FROM user_grant WHERE user_id = ? AND role = ? AND COALESCE(org_id, 0) = ?"
                        " AND unit_id IS NULL",
                        "iti", user_id, role, org_id);
    if (rc == DB_OK)
        return api_fail(rep, w->lang, E_GRANT_EXISTS, "role");
    if (rc != DB_NOTFOUND)
        return api_db_error(rep, w->lang, rc, NULL);
    int64_t id = 0;
    rc = db_one_int(db, &id,
                    "INSERT INTO user_grant (user_id, role, org_id, unit_id, created_by, created_at)"
                    " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                    "itIIIi", user_id, role, org_id, unit_id, w->who.user_id, w->now);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "user.grant_added", "user", user_id, org_id,
                          json_pack("{s:I, s:s, s:I, s:I}", "grant_id", (json_int_t)id, "role", role, "org_id",
                                    (json_int_t)org_id, "unit_id", (json_int_t)unit_id));
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    return 0;
}

int user_grant_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    grant_in_t in = {0};
    api_input_fill(grant_fields, data, &in);
    int64_t user_id = w->id, org_id = in.org_id, unit_id = in.unit_id;
    const char *role = in.role;
    /* unit_staff is granted over a unit (unit_id), every other role over a node (org_id) or everything. */
    int on_unit = role_on_unit(role);
    if (on_unit != (unit_id > 0))
        return api_fail(rep, w->lang, on_unit ? E_UNIT_STAFF_NEEDS_UNIT : E_UNIT_GRANT_UNIT_STAFF_ONLY, "unit_id");
    if (on_unit && org_id > 0)
        return api_fail(rep, w->lang, E_UNIT_GRANT_WITH_ORG, "org_id");
    int rc = can_manage_user(db, &w->who, user_id);
    if (rc != DB_OK)
        return manage_error(rep, w->lang, rc);
    char path[ACCESS_PATH_MAX] = "/";
    if (unit_id > 0) {
        /* A unit grant is given at the unit's node, by whoever manages users there. */
        rc = db_one_int(db, &org_id, "SELECT org_id FROM unit WHERE id = ?", "i", unit_id);
        if (rc == DB_OK)
            rc = access_org(db, &w->who, PERM_USER_WRITE, org_id, path, sizeof path);
        if (rc == DB_NOTFOUND)
            return api_fail(rep, w->lang, E_UNIT_NOT_FOUND, "unit_id");
        if (rc != DB_OK)
            return api_db_error(rep, w->lang, rc, NULL);
    } else if (org_id > 0) {
        rc = access_org(db, &w->who, PERM_USER_WRITE, org_id, path, sizeof path);
        if (rc == DB_NOTFOUND)
            return api_fail(rep, w->lang, E_ORG_NOT_FOUND, "org_id");
        if (rc != DB_OK)
            return api_db_error(rep, w->lang, rc, NULL);
    }
    if (grant_insert(db, w, user_id, role, org_id, unit_id, path, rep) != 0)
        return -1;
    json_t *u = user_json(db, user_id, 1);
    if (u == NULL)
        return api_db_error(rep, w->lang, DB_ERR, NULL);
    api_json(rep, 201, u);
    return 0;
}

int user_revoke_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    int64_t user_id = json_integer_value(json_object_get(data, "user_id"));
    int64_t grant_id = json_integer_value(json_object_get(data, "grant_id"));
    int rc = can_manage_user(db, &w->who, user_id);
    if (rc != DB_OK)
        return manage_error(rep, w->lang, rc);
    char role[32];
    rc = db_one_text(db, role, sizeof role, "SELECT role FROM user_grant WHERE id = ? AND user_id = ?", "ii",
                     grant_id, user_id);
    int64_t org_id = 0;
    if (rc == DB_OK)
        rc = db_one_int(db, &org_id, "SELECT COALESCE(org_id, 0) FROM user_grant WHERE id = ?", "i", grant_id);
    if (rc == DB_OK)
        rc = db_exec(db, NULL, "DELETE FROM user_grant WHERE id = ?", "i", grant_id);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "user.grant_revoked", "user", user_id, org_id,
                          json_pack("{s:I, s:s, s:I}", "grant_id", (json_int_t)grant_id, "role", role, "org_id",
                                    (json_int_t)org_id));
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    rep->status = 204;
    return 0;
}

/* ---- handlers ---- */

/* The columns the users list sorts by. */
static const api_sort_t user_sorts[] = {
    {"username", "u.username", 0, NULL},
    {"display_name", "u.display_name", 0, NULL},
    {"created_at", "u.created_at", 0, NULL},
    {NULL, NULL, 0, NULL},
};

/* The users list of the request's filters (?org=, ?q=) in the caller's scope:
 * 0, or -1 with rep set (then l is ended). */
static int users_of(api_req_t *req, api_reply_t *rep, api_list_t *l)
{
    api_list_begin(l,
                   "SELECT u.id, u.username, u.display_name, u.org_id, o.name AS org_name,"
                   " u.disabled AS is_disabled, u.person_id, u.created_at",
                   "FROM app_user u LEFT JOIN org o ON o.id = u.org_id", "u.id", NULL);
    int64_t org = 0;
    if (api_query_int(req, "org", 0, 1, INT64_MAX, &org) != 0) {
        api_list_end(l);
        return api_fail(rep, req->lang, E_ORG_ID_INVALID, "org");
    }
    char lo[ACCESS_PATH_MAX], hi[ACCESS_PATH_MAX];
    int rc = access_list_range(req->db, req->who, PERM_USER_READ, org, lo, hi);
    if (rc != DB_OK) {
        api_list_end(l);
        return api_db_error(rep, req->lang, rc, "org");
    }
    api_list_where(l, "COALESCE(o.path, '/') >= ? AND COALESCE(o.path, '/') < ?", "tt", lo, hi);
    char *like = api_like_param(req, "q");
    if (like)
        api_list_where(l, "(u.username LIKE ? ESCAPE '\\' OR u.display_name LIKE ? ESCAPE '\\')", "tt", like,
                       like);
    free(like);
    return 0;
}

int user_list(api_req_t *req, api_reply_t *rep)
{
    api_list_t l;
    if (users_of(req, rep, &l) != 0)
        return -1;
    if (api_list_query(req, rep, &l) != 0) {
        api_list_end(&l);
        return -1;
    }
    json_t *page = api_list_run(req->db, &l);
    api_list_end(&l);
    /* Each account's roles, a page's worth of indexed lookups (user_grant by user_id). */
    size_t i;
    json_t *row;
    json_array_foreach(page ? json_object_get(page, "items") : NULL, i, row) {
        json_t *grants = db_rows_json(req->db, "SELECT DISTINCT role FROM user_grant WHERE user_id = ? ORDER BY role",
                                      "i", json_integer_value(json_object_get(row, "id")));
        if (grants == NULL) {
            json_decref(page);
            page = NULL;
            break;
        }
        json_t *roles = json_array();
        size_t j;
        json_t *g;
        json_array_foreach(grants, j, g)
            json_array_append(roles, json_object_get(g, "role"));
        json_decref(grants);
        json_object_set_new(row, "roles", roles);
    }
    return page ? api_json(rep, 200, page) : api_db_error(rep, req->lang, DB_ERR, NULL);
}

/* GET /api/v1/users/export: the same list as a workbook (账号), audited. */
static int user_export(api_req_t *req, api_reply_t *rep)
{
    static const list_col_t cols[] = {
        {"id", "编号", NULL, NULL},
        {"username", "用户名", NULL, NULL},
        {"display_name", "姓名", NULL, NULL},
        {"org_name", "所属组织", NULL, NULL},
        {"disabled", "已停用", NULL, NULL},
        {"created_at", "创建时间", NULL, NULL},
        {NULL, NULL, NULL, NULL},
    };
    api_list_t l;
    return users_of(req, rep, &l) != 0 ? -1 : api_list_export(req, rep, &l, "账号", cols, "users");
}

int user_create(api_req_t *req, api_reply_t *rep)
{
    const char *username = json_string_value(json_object_get(req->body, "username"));
    if (!username_ok(username))
        return api_fail(rep, req->lang, E_USERNAME_INVALID, "username");
    const char *pw = json_string_value(json_object_get(req->body, "password"));
    json_t *data = json_deep_copy(req->body);
    json_object_del(data, "password");
    return password_offload_write(req, rep, pw, username, "password", user_create_write, data);
}

int user_get(api_req_t *req, api_reply_t *rep)
{
    char path[ACCESS_PATH_MAX];
    int rc = user_home_path(req->db, req->params[0], path);
    if (rc == DB_OK && !access_covers(req->who, PERM_USER_READ, path))
        rc = DB_NOTFOUND;
    if (rc != DB_OK)
        return api_db_error(rep, req->lang, rc, "user");
    json_t *u = user_json(req->db, req->params[0], 1);
    if (u == NULL)
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    return api_json(rep, 200, u);
}

int user_update(api_req_t *req, api_reply_t *rep)
{
    const char *pw = json_string_value(json_object_get(req->body, "password"));
    /* One's own password is changed only with the current one (POST /auth/password):
     * a stolen session or an unattended screen must not be enough. */
    if (pw && req->params[0] == req->who->user_id)
        return api_fail(rep, req->lang, E_CURRENT_PASSWORD_REQUIRED, "password");
    json_t *data = json_deep_copy(req->body);
    if (pw == NULL)
        return api_defer(req, user_update_write, data);
    json_object_del(data, "password"); /* the write takes its hash (w->in) */
    /* Refused before any hashing when the caller may not manage this user (the writer checks again). */
    int rc = can_manage_user(req->db, req->who, req->params[0]);
    if (rc != DB_OK) {
        json_decref(data);
        return manage_error(rep, req->lang, rc);
    }
    char username[65] = "";
    rc = db_one_text(req->db, username, sizeof username, "SELECT username FROM app_user WHERE id = ?", "i",
                         req->params[0]);
    if (rc != DB_OK && rc != DB_NOTFOUND) {
        json_decref(data);
        return api_db_error(rep, req->lang, rc, NULL);
    }
    return password_offload_write(req, rep, pw, username[0] ? username : NULL, "password", user_update_write, data);
}

int user_grant_add(api_req_t *req, api_reply_t *rep)
{
    (void)rep;
    json_t *data = req->body; /* the request's own: nothing reads it after this */
    req->body = NULL;
    return api_defer_kept(req, user_grant_write, data);
}

int user_grant_delete(api_req_t *req, api_reply_t *rep)
{
    (void)rep;
    return api_defer(req, user_revoke_write,
                     json_pack("{s:I, s:I}", "user_id", (json_int_t)req->params[0], "grant_id",
                               (json_int_t)req->params[1]));
}

static const field_t users_list_query[] = {
    {"org", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"q", F_TEXT, 0, 0, 0, NULL, 0},
    FIELDS_END,
};

const op_t user_ops[] = {
    {OP(HTTP_GET, "/api/v1/users", "users.list", PERM(PERM_USER_READ), RF_PAGED, user_list), .query = users_list_query,
     .sorts = user_sorts},
    {OP(HTTP_GET, "/api/v1/users/export", "users.export", PERM(PERM_USER_READ), RF_WRITES, user_export),
     .query = users_list_query},
    {OP(HTTP_POST, "/api/v1/users", "users.create", PERM(PERM_USER_WRITE), RF_BODY | RF_WRITES, user_create), .body = user_create_fields},
    {OP(HTTP_GET, "/api/v1/users/{id}", "users.get", PERM(PERM_USER_READ), 0, user_get)},
    {OP(HTTP_PATCH, "/api/v1/users/{id}", "users.update", PERM(PERM_USER_WRITE), RF_BODY | RF_WRITES, user_update), .body = user_update_fields},
    {OP(HTTP_POST, "/api/v1/users/{id}/grants", "users.grants.add", PERM(PERM_USER_WRITE), RF_BODY | RF_WRITES, user_grant_add), .body = grant_fields},
    {OP(HTTP_DELETE, "/api/v1/users/{id}/grants/{id}", "users.grants.delete", PERM(PERM_USER_WRITE), RF_WRITES, user_grant_delete)},
    OPS_END,
};
