/* Logging in and out, sessions, CSRF tokens, API tokens, lockout. */
#include "api/handlers.h"
#include "api/internal.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/role.h"
#include "core/timefmt.h"
#include "core/token.h"
#include "http/server.h"
#include "lib/util.h"

#define SESSION_COOKIE "jiceng_session"

int password_hash(char *out, const char *password)
{
    return crypto_pwhash_str(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                             crypto_pwhash_MEMLIMIT_INTERACTIVE);
}

int password_verify(const char *stored, const char *password)
{
    return crypto_pwhash_str_verify(stored, password, strlen(password)) == 0;
}

int password_policy_reply(const api_req_t *req, const pw_policy_t *policy, const char *field, const char *pw,
                          api_reply_t *rep)
{
    const char *reason = NULL;
    if (password_check(policy, pw, &reason) == 0)
        return 0;
    char zh[160], en[200];
    snprintf(zh, sizeof zh, "密码不符合要求：至少 %d 个字符，且包含大写字母、小写字母、数字、符号中的 %d 类",
             policy->min_length, policy->min_classes);
    snprintf(en, sizeof en, "password refused (%s): at least %d characters from %d of upper, lower, digit, symbol",
             reason, policy->min_length, policy->min_classes);
    api_error(rep, req->lang, 400, "weak_password", field, zh, en);
    return -1;
}

/* ---- login rate limit per client address ---- */


/* ---- sessions ---- */

/* Sessions resolved on this loop thread, kept until the database next changes
 * (a logout, a revoked grant, a touched session all change it): most requests
 * then cost no query at all. The time limits are checked on every use. */
#define SESSION_SLOTS 32

typedef struct session_slot {
    char hash[TOKEN_HASH_HEX + 1];
    int64_t version;
    int is_api, usable; /* usable: not revoked, user not disabled */
    int64_t session_id, last_seen, expires;
    char csrf[64];
    principal_t who;
} session_slot_t;

static _Thread_local session_slot_t session_slots[SESSION_SLOTS];

static session_slot_t *session_load(api_req_t *req, const char *hash)
{
    int64_t version = db_data_version(req->db);
    char two[3] = {hash[0], hash[1], 0};
    session_slot_t *slot = &session_slots[strtol(two, NULL, 16) % SESSION_SLOTS];
    if (version >= 0 && slot->version == version && strcmp(slot->hash, hash) == 0)
        return slot;
    db_stmt_t *st = db_q(req->db,
                         "SELECT s.id, s.user_id, s.kind, COALESCE(s.csrf_token, ''), s.last_seen_at, s.expires_at,"
                         " s.revoked, u.username, u.disabled FROM session s JOIN app_user u ON u.id = s.user_id"
                         " WHERE s.token_hash = ?",
                         "t", hash);
    if (st == NULL)
        return NULL;
    int found = db_step(st) == DB_ROW;
    if (found) {
        memset(slot, 0, sizeof *slot);
        str_copy(slot->hash, sizeof slot->hash, hash);
        slot->session_id = db_col_int(st, 0);
        slot->who.user_id = db_col_int(st, 1);
        slot->is_api = strcmp(db_col_text(st, 2), "api") == 0;
        str_copy(slot->csrf, sizeof slot->csrf, db_col_text(st, 3));
        slot->last_seen = db_col_int(st, 4);
        slot->expires = db_col_int(st, 5);
        slot->usable = db_col_int(st, 6) == 0 && db_col_int(st, 8) == 0;
        str_copy(slot->who.username, sizeof slot->who.username, db_col_text(st, 7));
    }
    db_done(st);
    if (!found)
        return NULL;
    if (access_load_grants(req->db, &slot->who, slot->who.user_id) != DB_OK) {
        slot->hash[0] = '\0';
        return NULL;
    }
    slot->version = version;
    return slot;
}

int auth_session_lookup(api_req_t *req, const char *token, int bearer, principal_t *who)
{
    if (!token_well_formed(token))
        return -1;
    char hash[TOKEN_HASH_HEX + 1];
    token_hash(hash, token);
    const session_slot_t *slot = session_load(req, hash);
    if (slot == NULL)
        return -1;
    int64_t now = clock_now();
    if (bearer != slot->is_api || !slot->usable || now >= slot->expires ||
        (!slot->is_api && now - slot->last_seen >= req->cfg->session_idle))
        return -1;
    *who = slot->who;
    who->session_id = slot->session_id;
    who->via_bearer = bearer;
    req->session_id = slot->session_id;
    req->session_last_seen = slot->last_seen;
    str_copy(req->session_csrf, sizeof req->session_csrf, slot->csrf);
    return 0;
}

static int touch_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    (void)rep;
    rep->status = 204;
    return db_exec(db, NULL, "UPDATE session SET last_seen_at = ? WHERE id = ? AND last_seen_at < ?", "iii", w->now,
                   (int64_t)json_integer_value(json_object_get(data, "id")), w->now) == DB_OK
               ? 0
               : -1;
}

void auth_session_touch(api_req_t *req)
{
    int64_t every = req->cfg->session_idle / 10;
    if (every > 60)
        every = 60;
    if (clock_now() - req->session_last_seen < every)
        return;
    api_defer_background(req, touch_write, json_pack("{s:I}", "id", (json_int_t)req->session_id));
}

static char *cookie_header(const api_req_t *req, const char *token, int max_age)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d%s", SESSION_COOKIE, token,
             max_age, req->cfg && req->cfg->cookie_secure ? "; Secure" : "");
    return xstrdup(buf);
}

/* ---- login ---- */

static const field_t login_fields[] = {
    {"username", F_TEXT, 1, 1, 64, NULL},
    {"password", F_TEXT, 1, 1, PW_MAX_BYTES, NULL},
    FIELDS_END,
};

static void set_locked_until(api_reply_t *rep, int64_t until)
{
    char ts[32];
    time_format_rfc3339(ts, until);
    json_object_set_new(json_object_get(rep->json, "error"), "locked_until", json_string(ts));
}

static int login_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    const char *username = json_string_value(json_object_get(data, "username"));
    int password_ok = json_is_true(json_object_get(data, "password_ok"));
    json_t *sum = json_pack("{s:s}", "username", username);
    int64_t id = 0, failed = 0, locked_until = 0, disabled = 0, org_id = 0;
    db_stmt_t *st = db_q(db, "SELECT id, failed_logins, locked_until, disabled, COALESCE(org_id, 0) FROM app_user"
                             " WHERE username = ?",
                         "t", username);
    if (st == NULL) {
        json_decref(sum);
        return api_db_error(rep, w->lang, DB_ERR, NULL);
    }
    if (db_step(st) == DB_ROW) {
        id = db_col_int(st, 0);
        failed = db_col_int(st, 1);
        locked_until = db_col_int(st, 2);
        disabled = db_col_int(st, 3);
        org_id = db_col_int(st, 4);
    }
    db_done(st);
    write_ctx_t wa = *w;
    wa.who.user_id = id;
    str_copy(wa.who.username, sizeof wa.who.username, username);
    int rc = DB_OK;
    if (id == 0) {
        json_object_set_new(sum, "reason", json_string("unknown_user"));
        rc = audit_append(db, &wa, "auth.login_failed", "user", 0, 0, sum);
        api_error(rep, w->lang, 401, "invalid_credentials", NULL, "用户名或密码错误", "wrong user name or password");
    } else if (locked_until > w->now) {
        json_object_set_new(sum, "reason", json_string("locked"));
        rc = audit_append(db, &wa, "auth.login_failed", "user", id, org_id, sum);
        api_error(rep, w->lang, 423, "account_locked", NULL, "账号已被锁定，请稍后再试",
                  "the account is locked; try again later");
        set_locked_until(rep, locked_until);
    } else if (!password_ok) {
        failed++;
        int lock = failed >= w->cfg->lockout_threshold;
        int64_t until = lock ? w->now + w->cfg->lockout_seconds : 0;
        rc = db_exec(db, NULL, "UPDATE app_user SET failed_logins = ?, locked_until = ? WHERE id = ?", "iii",
                     lock ? (int64_t)0 : failed, until, id);
        json_object_set_new(sum, "reason", json_string("wrong_password"));
        if (lock)
            json_object_set_new(sum, "locked", json_true());
        if (rc == DB_OK)
            rc = audit_append(db, &wa, "auth.login_failed", "user", id, org_id, sum);
        if (lock) {
            api_error(rep, w->lang, 423, "account_locked", NULL, "密码错误次数过多，账号已被锁定",
                      "too many wrong passwords; the account is locked");
            set_locked_until(rep, until);
        } else {
            api_error(rep, w->lang, 401, "invalid_credentials", NULL, "用户名或密码错误",
                      "wrong user name or password");
        }
    } else if (disabled) {
        json_object_set_new(sum, "reason", json_string("disabled"));
        rc = audit_append(db, &wa, "auth.login_failed", "user", id, org_id, sum);
        api_error(rep, w->lang, 403, "account_disabled", NULL, "账号已停用", "the account is disabled");
    } else {
        char token[TOKEN_CHARS + 1], hash[TOKEN_HASH_HEX + 1], csrf[TOKEN_CHARS + 1];
        token_new(token);
        token_hash(hash, token);
        token_new(csrf);
        rc = db_exec(db, NULL, "UPDATE app_user SET failed_logins = 0, locked_until = 0 WHERE id = ?", "i", id);
        if (rc == DB_OK)
            rc = db_exec(db, NULL,
                         "INSERT INTO session (token_hash, user_id, kind, csrf_token, created_at, last_seen_at,"
                         " expires_at, source) VALUES (?, ?, 'cookie', ?, ?, ?, ?, ?)",
                         "titiiit", hash, id, csrf, w->now, w->now, w->now + w->cfg->session_max, w->source);
        if (rc == DB_OK)
            rc = audit_append(db, &wa, "auth.login", "user", id, org_id, sum);
        json_t *user = rc == DB_OK ? user_json(db, id, 1) : NULL;
        if (user == NULL) {
            json_decref(sum);
            return api_db_error(rep, w->lang, rc == DB_OK ? DB_ERR : rc, NULL);
        }
        api_json(rep, 200, json_pack("{s:o, s:s}", "user", user, "csrf_token", csrf));
        api_req_t fake = {.cfg = w->cfg};
        rep->set_cookie = cookie_header(&fake, token, w->cfg->session_max);
        sodium_memzero(token, sizeof token);
    }
    json_decref(sum);
    if (rc != DB_OK) {
        json_decref(rep->json);
        rep->json = NULL;
        return api_db_error(rep, w->lang, rc, NULL);
    }
    return 0; /* failures are kept too: the count and the audit row must stay */
}

static char g_dummy_hash[crypto_pwhash_STRBYTES];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void dummy_init(void)
{
    password_hash(g_dummy_hash, "not a password of anyone");
}

int auth_login(api_req_t *req, api_reply_t *rep)
{
    if (api_validate(req, req->body, login_fields, rep) != 0)
        return 0;
    if (api_rate_limited("login", req->remote, req->cfg->login_rate))
        return api_error(rep, req->lang, 429, "rate_limited", NULL, "登录尝试过于频繁，请一分钟后再试",
                         "too many login attempts from this address; wait a minute");
    const char *username = json_string_value(json_object_get(req->body, "username"));
    const char *password = json_string_value(json_object_get(req->body, "password"));
    char stored[crypto_pwhash_STRBYTES] = "";
    int rc = db_one_text(req->db, stored, sizeof stored, "SELECT password_hash FROM app_user WHERE username = ?", "t",
                         username);
    if (rc != DB_OK && rc != DB_NOTFOUND)
        return api_db_error(rep, req->lang, rc, NULL);
    /* Spend the same work whether or not the user exists. */
    pthread_once(&dummy_once, dummy_init);
    int ok = password_verify(rc == DB_OK ? stored : g_dummy_hash, password) && rc == DB_OK;
    return api_defer(req, login_write, json_pack("{s:s, s:b}", "username", username, "password_ok", ok));
}

/* ---- logout, me ---- */

static int logout_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    (void)data;
    int rc = db_exec(db, NULL, "UPDATE session SET revoked = 1 WHERE id = ?", "i", w->who.session_id);
    if (rc == DB_OK)
        rc = audit_append(db, w, "auth.logout", "user", w->who.user_id, 0, NULL);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    rep->status = 204;
    api_req_t fake = {.cfg = w->cfg};
    rep->set_cookie = cookie_header(&fake, "", 0);
    return 0;
}

int auth_logout(api_req_t *req, api_reply_t *rep)
{
    (void)rep;
    return api_defer(req, logout_write, NULL);
}

int auth_me(api_req_t *req, api_reply_t *rep)
{
    json_t *user = user_json(req->db, req->who->user_id, 1);
    if (user == NULL)
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    json_t *out = json_pack("{s:o}", "user", user);
    if (req->session_csrf[0])
        json_object_set_new(out, "csrf_token", json_string(req->session_csrf));
    return api_json(rep, 200, out);
}

/* ---- own password ---- */

static const field_t password_fields[] = {
    {"current_password", F_TEXT, 1, 1, PW_MAX_BYTES, NULL},
    {"new_password", F_TEXT, 1, 1, PW_MAX_BYTES, NULL},
    FIELDS_END,
};

static int password_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    int64_t uid = w->who.user_id;
    int rc = db_exec(db, NULL, "UPDATE app_user SET password_hash = ?, password_changed_at = ?, updated_at = ?"
                               " WHERE id = ?",
                     "tiii", json_string_value(json_object_get(data, "hash")), w->now, w->now, uid);
    /* Every other session of the user ends: whoever knew the old password is out. */
    if (rc == DB_OK)
        rc = db_exec(db, NULL, "UPDATE session SET revoked = 1 WHERE user_id = ? AND id <> ?", "ii", uid,
                     w->who.session_id);
    if (rc == DB_OK)
        rc = audit_append(db, w, "user.password_changed", "user", uid, 0, NULL);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    rep->status = 204;
    return 0;
}

int auth_password(api_req_t *req, api_reply_t *rep)
{
    if (api_validate(req, req->body, password_fields, rep) != 0)
        return 0;
    const char *cur = json_string_value(json_object_get(req->body, "current_password"));
    const char *pw = json_string_value(json_object_get(req->body, "new_password"));
    char stored[crypto_pwhash_STRBYTES] = "";
    if (db_one_text(req->db, stored, sizeof stored, "SELECT password_hash FROM app_user WHERE id = ?", "i",
                    req->who->user_id) != DB_OK)
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    if (!password_verify(stored, cur))
        return api_error(rep, req->lang, 400, "validation_failed", "current_password", "当前密码不正确",
                         "the current password is wrong");
    if (password_policy_reply(req, &req->cfg->pw_policy, "new_password", pw, rep) != 0)
        return 0;
    char hash[crypto_pwhash_STRBYTES];
    if (password_hash(hash, pw) != 0)
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    return api_defer(req, password_write, json_pack("{s:s}", "hash", hash));
}

/* ---- API tokens ---- */

static const field_t token_fields[] = {
    {"name", F_NAME, 1, 1, 64, NULL},
    {"expires_in_days", F_INT, 0, 1, 366, NULL},
    FIELDS_END,
};

static int token_create_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    char token[TOKEN_CHARS + 1], hash[TOKEN_HASH_HEX + 1];
    token_new(token);
    token_hash(hash, token);
    json_int_t days = json_integer_value(json_object_get(data, "expires_in_days"));
    if (days <= 0)
        days = 90;
    int64_t expires = w->now + (int64_t)days * 86400;
    const char *name = json_string_value(json_object_get(data, "name"));
    int64_t id = 0;
    int rc = db_one_int(db, &id,
                        "INSERT INTO session (token_hash, user_id, kind, name, created_at, last_seen_at, expires_at,"
                        " source) VALUES (?, ?, 'api', ?, ?, ?, ?, ?) RETURNING id",
                        "titiiit", hash, w->who.user_id, name, w->now, w->now, expires, w->source);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "auth.token_created", "token", id, 0, json_pack("{s:s}", "name", name));
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    char ts[32], cs[32];
    time_format_rfc3339(ts, expires);
    time_format_rfc3339(cs, w->now);
    api_json(rep, 201, json_pack("{s:I, s:s, s:s, s:s, s:s}", "id", (json_int_t)id, "name", name, "token", token,
                                 "created_at", cs, "expires_at", ts));
    sodium_memzero(token, sizeof token);
    return 0;
}

int auth_token_create(api_req_t *req, api_reply_t *rep)
{
    if (api_validate(req, req->body, token_fields, rep) != 0)
        return 0;
    return api_defer(req, token_create_write, json_incref(req->body));
}

int auth_token_list(api_req_t *req, api_reply_t *rep)
{
    json_t *items = db_rows_json(req->db,
                                 "SELECT id, name, created_at, last_seen_at, expires_at FROM session"
                                 " WHERE user_id = ? AND kind = 'api' AND revoked = 0 AND expires_at > ? ORDER BY id",
                                 "ii", req->who->user_id, clock_now());
    if (items == NULL)
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    return api_json(rep, 200, json_pack("{s:o, s:n}", "items", items, "next"));
}

static int token_delete_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    int64_t id = json_integer_value(json_object_get(data, "id")), changes = 0;
    int rc = db_exec(db, &changes, "UPDATE session SET revoked = 1 WHERE id = ? AND user_id = ? AND kind = 'api'"
                                   " AND revoked = 0",
                     "ii", id, w->who.user_id);
    if (rc == DB_OK && changes == 0)
        rc = DB_NOTFOUND;
    if (rc == DB_OK)
        rc = audit_append(db, w, "auth.token_revoked", "token", id, 0, NULL);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    rep->status = 204;
    return 0;
}

int auth_token_delete(api_req_t *req, api_reply_t *rep)
{
    (void)rep;
    return api_defer(req, token_delete_write, json_pack("{s:I}", "id", (json_int_t)req->params[0]));
}
