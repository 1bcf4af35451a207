/* Logging in and out, sessions, CSRF tokens, API tokens, lockout. */
#include "api/handlers.h"
#include "api/op.h"
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
#include "lib/pwcheck.h"
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

/* The catalogue's entry for a password refused for reason (password_acceptable),
 * and the policy's figure its message names (%d). An unknown reason gets the
 * last entry. */
static err_t password_refusal(const pw_policy_t *policy, const char *reason, int *figure)
{
    static const struct {
        const char *reason;
        err_t e;
    } refusals[] = {
        {"password_invalid", E_PASSWORD_INVALID},
        {"password_too_long", E_PASSWORD_TOO_LONG},
        {"password_whitespace", E_PASSWORD_WHITESPACE},
        {"password_too_short", E_PASSWORD_TOO_SHORT},
        {"password_too_simple", E_PASSWORD_TOO_SIMPLE},
        {"password_dictionary", E_PASSWORD_DICTIONARY},
        {"password_repetitive", E_PASSWORD_REPETITIVE},
        {"password_palindrome", E_PASSWORD_PALINDROME},
        {"password_contains_username", E_PASSWORD_CONTAINS_USERNAME},
        {"password_check_unavailable", E_PASSWORD_CHECK_UNAVAILABLE},
    };
    size_t i = 0, n = sizeof refusals / sizeof refusals[0];
    while (i < n - 1 && strcmp(refusals[i].reason, reason) != 0)
        i++;
    *figure = strcmp(reason, "password_too_simple") == 0 ? policy->min_classes : policy->min_length;
    return refusals[i].e;
}

void password_refusal_text(char *out, size_t cap, const pw_policy_t *policy, const char *reason, const char *lang)
{
    int figure;
    err_t e = password_refusal(policy, reason, &figure);
    err_message(out, cap, e, lang, figure);
}

int password_refused_reply(const char *lang, const pw_policy_t *policy, const char *field, const char *reason,
                           api_reply_t *rep)
{
    int figure;
    err_t e = password_refusal(policy, reason, &figure);
    api_failf(rep, lang, e, field, figure);
    if (err_info(e)->status == 400)
        json_object_set_new(json_object_get(rep->json, "error"), "reason", json_string(reason));
    return 0;
}

/* ---- hashing and checking passwords, on the hashing pool ---- */

static char g_dummy_hash[crypto_pwhash_STRBYTES];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void dummy_init(void)
{
    password_hash(g_dummy_hash, "not a password of anyone");
}

/* The argon2id work of a request, done on the hashing pool: a password to
 * verify (a login's, or the current one before a change), a new password to
 * check and hash, or both; then a write to hand data to. */
typedef struct pw_job {
    char *current;             /* the password to verify, or NULL */
    char stored[crypto_pwhash_STRBYTES]; /* its hash; "" for an unknown name */
    char *password;            /* the new one, or NULL */
    char *username;            /* a login's name; for a new password, not to be found in it; may be NULL */
    const char *field;         /* the body field the new password came in */
    pw_policy_t policy;
    write_fn write;
    json_t *data;              /* the write's input; the hash goes beside it (w->in) */
    int current_ok;
    const char *refused;       /* the policy's reason, or NULL */
    char hash[crypto_pwhash_STRBYTES];
    int hash_rc;
} pw_job_t;

static void secret_free(char *p)
{
    if (p != NULL) {
        sodium_memzero(p, strlen(p));
        free(p);
    }
}

static void pw_job_free(void *arg)
{
    pw_job_t *j = arg;
    secret_free(j->current);
    secret_free(j->password);
    free(j->username);
    json_decref(j->data);
    sodium_memzero(j, sizeof *j);
    free(j);
}

static void pw_job_work(void *arg)
{
    pw_job_t *j = arg;
    if (j->current != NULL) {
        /* The same work whether or not the name exists: a dummy hash of the same cost. */
        pthread_once(&dummy_once, dummy_init);
        j->current_ok = password_verify(j->stored[0] ? j->stored : g_dummy_hash, j->current) && j->stored[0];
    } else {
        j->current_ok = 1;
    }
    if (!j->current_ok || j->password == NULL)
        return;
    if (password_acceptable(&j->policy, j->password, j->username, &j->refused) != 0)
        return;
    j->hash_rc = password_hash(j->hash, j->password);
}

static int password_fail_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep);

static int pw_job_done(api_req_t *req, api_reply_t *rep, void *arg)
{
    pw_job_t *j = arg;
    if (!j->current_ok)
        return api_defer(req, password_fail_write, NULL);
    if (j->refused != NULL)
        return password_refused_reply(req->lang, &j->policy, j->field, j->refused, rep);
    if (j->hash_rc != 0)
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    json_t *data = j->data;
    j->data = NULL;
    return api_defer_in(req, j->write, data, xstrdup(j->hash));
}

static pw_job_t *pw_job_new(const api_req_t *req, const char *password, const char *username, const char *field,
                            write_fn write, json_t *data)
{
    pw_job_t *j = xcalloc(1, sizeof *j);
    j->password = password ? xstrdup(password) : NULL;
    j->username = username ? xstrdup(username) : NULL;
    j->field = field;
    j->policy = req->cfg->pw_policy;
    j->write = write;
    j->data = data;
    return j;
}

int password_offload_write(api_req_t *req, api_reply_t *rep, const char *password, const char *username,
                           const char *field, write_fn write, json_t *data)
{
    pw_job_t *j = pw_job_new(req, password, username, field, write, data);
    return api_offload(req, rep, OFFLOAD_HASH, pw_job_work, pw_job_done, j, pw_job_free);
}

/* ---- failures per (user name, client address), and the lock they lead to ----
 * Counted per address so that nobody can lock an account for its owner from
 * elsewhere, and for any name at all, known or not, so that the answers never
 * tell which names exist. Failures are forgotten lockout_seconds after the
 * last one, or at a successful login from that address. */

/* The failures counted for (username, source) and the lock, as of now. */
static int failure_read(db_t *db, const struct server_config *cfg, const char *username, const char *source,
                        int64_t now, int64_t *failed, int64_t *until)
{
    *failed = 0;
    *until = 0;
    db_stmt_t *st = db_q(db, "SELECT failed, locked_until, last_failed_at FROM login_failure"
                             " WHERE username = ? AND source = ?",
                         "tt", username, source);
    if (st == NULL)
        return DB_ERR;
    int rc = db_step(st);
    if (rc == DB_ROW) {
        if (db_col_int(st, 2) >= now - cfg->lockout_seconds)
            *failed = db_col_int(st, 0);
        *until = db_col_int(st, 1);
        rc = DB_DONE;
    }
    db_done(st);
    return rc == DB_DONE ? DB_OK : rc;
}

/* Count one more failure after failed earlier ones; *locked says whether it
 * locks (then *until is set, and the count starts again after the lock). */
static int failure_count(db_t *db, const write_ctx_t *w, const char *username, int64_t failed, int *locked,
                         int64_t *until)
{
    failed++;
    *locked = failed >= w->cfg->lockout_threshold;
    *until = *locked ? w->now + w->cfg->lockout_seconds : 0;
    int rc = db_exec(db, NULL, "DELETE FROM login_failure WHERE last_failed_at < ? AND locked_until <= ?", "ii",
                     w->now - w->cfg->lockout_seconds, w->now);
    if (rc == DB_OK)
        rc = db_exec(db, NULL,
                     "INSERT INTO login_failure (username, source, failed, locked_until, last_failed_at)"
                     " VALUES (?, ?, ?, ?, ?) ON CONFLICT (username, source) DO UPDATE SET failed = excluded.failed,"
                     " locked_until = excluded.locked_until, last_failed_at = excluded.last_failed_at",
                     "ttiii", username, w->source, *locked ? (int64_t)0 : failed, *until, w->now);
    return rc;
}

static int failure_clear(db_t *db, const write_ctx_t *w, const char *username)
{
    return db_exec(db, NULL, "DELETE FROM login_failure WHERE username = ? AND source = ?", "tt", username,
                   w->source);
}

static void set_locked_until(api_reply_t *rep, int64_t until)
{
    char ts[32];
    time_format_rfc3339(ts, until);
    json_object_set_new(json_object_get(rep->json, "error"), "locked_until", json_string(ts));
}

/* The 423 answer: the same for every name, known or not. */
static int locked_reply(api_reply_t *rep, const char *lang, int64_t until)
{
    api_fail(rep, lang, E_ACCOUNT_LOCKED, NULL);
    set_locked_until(rep, until);
    return 0;
}

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

/* The session's last-seen time (the session: the caller's, w->who). */
static int touch_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    (void)data;
    rep->status = 204;
    return db_exec(db, NULL, "UPDATE session SET last_seen_at = ? WHERE id = ? AND last_seen_at < ?", "iii", w->now,
                   w->who.session_id, w->now) == DB_OK
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
    api_defer_background(req, touch_write, NULL);
}

static char *cookie_header(const api_req_t *req, const char *token, int max_age)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d%s", SESSION_COOKIE, token,
             max_age, req->cfg && req->cfg->cookie_secure ? "; Secure" : "");
    return xstrdup(buf);
}

/* ---- login ---- */

/* A login as validated; the write takes it without the password, and
 * whether the password was right from the route it is handed to. */
typedef struct {
    uint64_t given;
    const char *username, *password;
} login_in_t;

static const field_t login_fields[] = {
    IN(login_in_t, username, F_TEXT, 1, 1, 64, NULL),
    IN(login_in_t, password, F_TEXT, 1, 1, PW_MAX_BYTES, NULL),
    FIELDS_END,
};

static int login_write(db_t *db, const write_ctx_t *w, const json_t *data, int password_ok, api_reply_t *rep)
{
    login_in_t in = {0};
    api_input_fill(login_fields, data, &in);
    const char *username = in.username;
    json_t *sum = json_pack("{s:s}", "username", username);
    int64_t id = 0, failed = 0, locked_until = 0, disabled = 0, org_id = 0;
    db_stmt_t *st = db_q(db, "SELECT id, disabled, COALESCE(org_id, 0) FROM app_user WHERE username = ?", "t",
                         username);
    if (st == NULL) {
        json_decref(sum);
        return api_db_error(rep, w->lang, DB_ERR, NULL);
    }
    if (db_step(st) == DB_ROW) {
        id = db_col_int(st, 0);
        disabled = db_col_int(st, 1);
        org_id = db_col_int(st, 2);
    }
    db_done(st);
    int rc = failure_read(db, w->cfg, username, w->source, w->now, &failed, &locked_until);
    if (rc != DB_OK) {
        json_decref(sum);
        return api_db_error(rep, w->lang, rc, NULL);
    }
    write_ctx_t wa = *w;
    wa.who.user_id = id;
    str_copy(wa.who.username, sizeof wa.who.username, username);
    if (locked_until > w->now) {
        json_object_set_new(sum, "reason", json_string("locked"));
        rc = audit_append(db, &wa, "auth.login_failed", "user", id, org_id, sum);
        locked_reply(rep, w->lang, locked_until);
    } else if (!password_ok || id == 0) {
        /* An unknown name goes the same way as a wrong password: counted, locked, answered alike. */
        int locked = 0;
        rc = failure_count(db, w, username, failed, &locked, &locked_until);
        json_object_set_new(sum, "reason", json_string(id == 0 ? "unknown_user" : "wrong_password"));
        if (locked)
            json_object_set_new(sum, "locked", json_true());
        if (rc == DB_OK)
            rc = audit_append(db, &wa, "auth.login_failed", "user", id, org_id, sum);
        if (locked)
            locked_reply(rep, w->lang, locked_until);
        else
            api_fail(rep, w->lang, E_INVALID_CREDENTIALS, NULL);
    } else if (disabled) {
        json_object_set_new(sum, "reason", json_string("disabled"));
        rc = audit_append(db, &wa, "auth.login_failed", "user", id, org_id, sum);
        api_fail(rep, w->lang, E_ACCOUNT_DISABLED, NULL);
    } else {
        char token[TOKEN_CHARS + 1], hash[TOKEN_HASH_HEX + 1], csrf[TOKEN_CHARS + 1];
        token_new(token);
        token_hash(hash, token);
        token_new(csrf);
        rc = failure_clear(db, w, username);
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

static int login_right_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    return login_write(db, w, data, 1, rep);
}

static int login_wrong_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    return login_write(db, w, data, 0, rep);
}

static int login_done(api_req_t *req, api_reply_t *rep, void *arg)
{
    (void)rep;
    pw_job_t *j = arg;
    return api_defer_kept(req, j->current_ok ? login_right_write : login_wrong_write,
                          json_pack("{s:s}", "username", j->username));
}

int auth_login(api_req_t *req, api_reply_t *rep)
{
    if (api_rate_limited("login", req->remote, req->cfg->login_rate))
        return api_fail(rep, req->lang, E_LOGIN_RATE_LIMITED, NULL);
    login_in_t in = {0};
    api_input_fill(login_fields, req->body, &in);
    const char *username = in.username, *password = in.password;
    int64_t failed = 0, until = 0;
    int rc = failure_read(req->db, req->cfg, username, req->remote, clock_now(), &failed, &until);
    if (rc != DB_OK)
        return api_db_error(rep, req->lang, rc, NULL);
    if (until > clock_now()) /* locked from here: no password is checked (the writer answers) */
        return api_defer_kept(req, login_wrong_write, json_pack("{s:s}", "username", username));
    pw_job_t *j = pw_job_new(req, NULL, username, NULL, NULL, NULL);
    j->current = xstrdup(password);
    rc = db_one_text(req->db, j->stored, sizeof j->stored, "SELECT password_hash FROM app_user WHERE username = ?",
                     "t", username);
    if (rc != DB_OK && rc != DB_NOTFOUND) {
        pw_job_free(j);
        return api_db_error(rep, req->lang, rc, NULL);
    }
    if (rc != DB_OK)
        j->stored[0] = '\0';
    return api_offload(req, rep, OFFLOAD_HASH, pw_job_work, login_done, j, pw_job_free);
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
    {"current_password", F_TEXT, 1, 1, PW_MAX_BYTES, NULL, 0},
    {"new_password", F_TEXT, 1, 1, PW_MAX_BYTES, NULL, 0},
    FIELDS_END,
};

static int password_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    (void)data;
    int64_t uid = w->who.user_id;
    int rc = db_exec(db, NULL, "UPDATE app_user SET password_hash = ?, password_changed_at = ?, updated_at = ?"
                               " WHERE id = ?",
                     "tiii", (const char *)w->in, w->now, w->now, uid);
    /* Every other session of the user ends: whoever knew the old password is out. */
    if (rc == DB_OK)
        rc = db_exec(db, NULL, "UPDATE session SET revoked = 1 WHERE user_id = ? AND id <> ?", "ii", uid,
                     w->who.session_id);
    if (rc == DB_OK)
        rc = failure_clear(db, w, w->who.username);
    if (rc == DB_OK)
        rc = audit_append(db, w, "user.password_changed", "user", uid, 0, NULL);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    rep->status = 204;
    return 0;
}

/* A wrong current password: counted with the login failures of this name
 * from this address, and locking them alike. */
static int password_fail_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    (void)data;
    int64_t failed = 0, until = 0;
    int locked = 0;
    int rc = failure_read(db, w->cfg, w->who.username, w->source, w->now, &failed, &until);
    if (rc == DB_OK && until > w->now) {
        locked = 1;
    } else if (rc == DB_OK) {
        rc = failure_count(db, w, w->who.username, failed, &locked, &until);
        if (rc == DB_OK)
            rc = audit_append_new(db, w, "auth.password_change_failed", "user", w->who.user_id, 0,
                                  locked ? json_pack("{s:b}", "locked", 1) : NULL);
    }
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    if (locked)
        return locked_reply(rep, w->lang, until);
    /* Kept (0): the failure just counted stays. */
    api_fail(rep, w->lang, E_CURRENT_PASSWORD_WRONG, "current_password");
    return 0;
}

int auth_password(api_req_t *req, api_reply_t *rep)
{
    if (api_rate_limited("login", req->remote, req->cfg->login_rate))
        return api_fail(rep, req->lang, E_PASSWORD_RATE_LIMITED, NULL);
    const char *cur = json_string_value(json_object_get(req->body, "current_password"));
    const char *pw = json_string_value(json_object_get(req->body, "new_password"));
    int64_t failed = 0, until = 0;
    int rc = failure_read(req->db, req->cfg, req->who->username, req->remote, clock_now(), &failed, &until);
    if (rc != DB_OK)
        return api_db_error(rep, req->lang, rc, NULL);
    if (until > clock_now())
        return locked_reply(rep, req->lang, until);
    pw_job_t *j = pw_job_new(req, pw, req->who->username, "new_password", password_write, json_object());
    j->current = xstrdup(cur);
    if (db_one_text(req->db, j->stored, sizeof j->stored, "SELECT password_hash FROM app_user WHERE id = ?", "i",
                    req->who->user_id) != DB_OK) {
        pw_job_free(j);
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    }
    return api_offload(req, rep, OFFLOAD_HASH, pw_job_work, pw_job_done, j, pw_job_free);
}

/* ---- API tokens ---- */

/* A new API token, as validated (typed input, api.h). */
typedef struct {
    uint64_t given;
    const char *name;
    int64_t expires_in_days; /* 0: the default */
} token_in_t;

static const field_t token_fields[] = {
    IN(token_in_t, name, F_NAME, 1, 1, 64, NULL),
    IN(token_in_t, expires_in_days, F_INT, 0, 1, 366, NULL),
    FIELDS_END,
};

static int token_create_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    char token[TOKEN_CHARS + 1], hash[TOKEN_HASH_HEX + 1];
    token_new(token);
    token_hash(hash, token);
    token_in_t in = {0};
    api_input_fill(token_fields, data, &in);
    int64_t days = in.expires_in_days;
    if (days <= 0)
        days = 90;
    int64_t expires = w->now + (int64_t)days * 86400;
    const char *name = in.name;
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
    (void)rep;
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
    (void)data;
    int64_t id = w->id, changes = 0;
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
    return api_defer(req, token_delete_write, NULL);
}

const op_t auth_ops[] = {
    {OP(HTTP_POST, "/api/v1/auth/login", "auth.login", PUB, RF_BODY | RF_WRITES, auth_login), .body = login_fields},
    {OP(HTTP_POST, "/api/v1/auth/logout", "auth.logout", USER, RF_BODY_OPTIONAL | RF_WRITES, auth_logout)},
    {OP(HTTP_GET, "/api/v1/auth/me", "auth.me", USER, 0, auth_me)},
    {OP(HTTP_POST, "/api/v1/auth/password", "auth.password", USER, RF_BODY | RF_WRITES, auth_password), .body = password_fields},
    {OP(HTTP_GET, "/api/v1/auth/tokens", "auth.tokens.list", USER, 0, auth_token_list)},
    {OP(HTTP_POST, "/api/v1/auth/tokens", "auth.tokens.create", USER, RF_BODY | RF_NO_REPLAY | RF_WRITES, auth_token_create), .body = token_fields},
    {OP(HTTP_DELETE, "/api/v1/auth/tokens/{id}", "auth.tokens.delete", USER, RF_WRITES, auth_token_delete)},
    OPS_END,
};
