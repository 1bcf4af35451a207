/* 述职评议: secretaries report to a session, delegates grade them by secret
 * ballot (docs/review.md).
 *
 * A session is held by an org node for a year. Its reporters are cadres in the
 * post 书记 at nodes below it; each files a report and last year's
 * rectification status (their node or above), questions (质询) are recorded
 * and answered, the holding org records its comment (点评). Delegates are a
 * roster of names, each given a one-time code shown once (the database keeps
 * only a keyed hash of it). On a phone, without an account, a delegate opens
 * the ballot sheet with the code and grades each reporter; a new grade replaces
 * the old until the session closes. The close counts each reporter's ballots
 * with the norms review.grade_points, review.grade_bands and
 * review.satisfaction_floor in force at the holding org for the session's year
 * and proposes a grade; org.write at the holding org confirms the final grade,
 * with a reason when it differs.
 *
 * Secrecy: a reporter's ballots are one text of (token, grade) records sorted by
 * token, rewritten on every vote, where token = BLAKE2b keyed with a server
 * subkey over (reporter, code). No ballot has an id, a time or a row of
 * its own; the fact that a delegate voted is a (delegate, reporter) row with
 * nothing else. Ballots are never audited or logged. */
#include "api/handlers.h"
#include "api/internal.h"
#include "api/list.h"
#include "api/op.h"
#include "api/problem.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "http/server.h"
#include "core/path.h"
#include "core/random.h"
#include "core/role.h"
#include "lib/keys.h"
#include "lib/util.h"

const char *const review_ballot_grades[] = {"good", "fairly_good", "average", "poor", "unknown", NULL};
const char *const review_session_states[] = {"open", "closed", NULL};
static const char *const final_grades[] = {"good", "fairly_good", "average", "poor", NULL};

#define NGRADES 5 /* good, fairly_good, average, poor, unknown */
#define CODE_LEN 10
#define TOKEN_HEX 32
#define BOX_RECORD (TOKEN_HEX + 1)
#define REVIEW_READ PERM_STATS_READ
#define REVIEW_WRITE PERM_ORG_WRITE

/* ---------------------------------------------------------------- codes and tokens */

/* A one-time code: 10 characters of an alphabet without 0/O and 1/I (50 bits). */
static void code_new(char out[CODE_LEN + 1])
{
    static const char alphabet[] = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    for (int i = 0; i < CODE_LEN; i++)
        out[i] = alphabet[randombytes_uniform(32)];
    out[CODE_LEN] = '\0';
}

/* Hex of BLAKE2b-256 over (what, text) keyed with a subkey of the master key (id, ctx). */
static void keyed_hex(const keys_t *keys, uint64_t id, const char ctx[8], int64_t what, const char *text, char out[65])
{
    unsigned char key[32], h[32], n[8];
    crypto_kdf_derive_from_key(key, sizeof key, id, ctx, keys->master);
    for (int i = 0; i < 8; i++)
        n[i] = (unsigned char)((uint64_t)what >> (8 * i));
    crypto_generichash_state st;
    crypto_generichash_init(&st, key, sizeof key, sizeof h);
    crypto_generichash_update(&st, n, sizeof n);
    crypto_generichash_update(&st, (const unsigned char *)text, strlen(text));
    crypto_generichash_final(&st, h, sizeof h);
    sodium_bin2hex(out, 65, h, sizeof h);
    sodium_memzero(key, sizeof key);
}

/* The roster's lookup of a code (no reporter: 0). */
static void code_hash(const keys_t *keys, const char *code, char out[65])
{
    keyed_hex(keys, 21, "jcvcode_", 0, code, out);
}

/* The ballot's token: the same code and reporter always give the same token (a
 * delegate replaces their ballot); another subkey than code_hash's, so neither
 * leads to the other without the master key. */
static void ballot_token(const keys_t *keys, int64_t reporter, const char *code, char out[65])
{
    keyed_hex(keys, 22, "jcballot", reporter, code, out);
    out[TOKEN_HEX] = '\0'; /* 128 bits: a ballot box holds hundreds, not billions */
}

/* ---------------------------------------------------------------- the ballot box */

/* A reporter's ballots (review_reporter.ballots): records of a token (TOKEN_HEX hex
 * characters) and a grade (one digit, review_ballot_grades' index), sorted by token,
 * concatenated. A vote replaces or inserts its record in place: no parsing, and the
 * order is the tokens' whatever the order of the votes. */

/* The box of reporter (a new string, "" when empty); NULL with *rc set on an error. */
static char *box_of(db_t *db, int64_t reporter, int *rc)
{
    db_stmt_t *st = db_q(db, "SELECT ballots FROM review_reporter WHERE id = ?", "i", reporter);
    *rc = st ? db_step(st) : DB_ERR;
    char *box = NULL;
    if (*rc == DB_ROW) {
        const char *t = db_col_text(st, 0);
        box = xstrdup(t ? t : "");
        *rc = DB_OK;
    } else if (*rc == DB_DONE)
        *rc = DB_NOTFOUND;
    if (st)
        db_done(st);
    return box;
}

/* The record of token in box: its offset and 1, or where it would go and 0. */
static int box_find(const char *box, const char *token, size_t *at)
{
    size_t lo = 0, hi = strlen(box) / BOX_RECORD;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = memcmp(box + mid * BOX_RECORD, token, TOKEN_HEX);
        if (c == 0) {
            *at = mid * BOX_RECORD;
            return 1;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *at = lo * BOX_RECORD;
    return 0;
}

/* box (a string from box_of, freed) with token's grade set: a new string. */
static char *box_put(char *box, const char *token, int grade)
{
    size_t at, len = strlen(box);
    if (box_find(box, token, &at)) {
        box[at + TOKEN_HEX] = (char)('0' + grade);
        return box;
    }
    char *out = xmalloc(len + BOX_RECORD + 1);
    memcpy(out, box, at);
    memcpy(out + at, token, TOKEN_HEX);
    out[at + TOKEN_HEX] = (char)('0' + grade);
    memcpy(out + at + BOX_RECORD, box + at, len - at + 1);
    free(box);
    return out;
}

/* The grade token holds in box (an index of review_ballot_grades), or -1. */
static int box_grade(const char *box, const char *token)
{
    size_t at;
    return box_find(box, token, &at) ? box[at + TOKEN_HEX] - '0' : -1;
}

/* How many ballots of each grade box holds. */
static void box_count(const char *box, int64_t n[NGRADES])
{
    for (size_t i = 0, len = strlen(box); i + BOX_RECORD <= len; i += BOX_RECORD) {
        int g = box[i + TOKEN_HEX] - '0';
        if (g >= 0 && g < NGRADES)
            n[g]++;
    }
}

static int grade_index(const char *name)
{
    for (int g = 0; g < NGRADES; g++)
        if (strcmp(review_ballot_grades[g], name) == 0)
            return g;
    return -1;
}

/* ---------------------------------------------------------------- sight */

static int session_org(db_t *db, int64_t id, int64_t *org, char *state, size_t cap)
{
    db_stmt_t *st = db_q(db, "SELECT org_id, state FROM review_session WHERE id = ?", "i", id);
    if (st == NULL)
        return DB_ERR;
    int rc = db_step(st);
    if (rc == DB_ROW) {
        *org = db_col_int(st, 0);
        str_copy(state, cap, db_col_text(st, 1));
    }
    db_done(st);
    return rc == DB_ROW ? DB_OK : rc == DB_DONE ? DB_NOTFOUND : rc;
}

static const entity_t session_entity = {"review_session", "SELECT org_id FROM review_session WHERE id = ?", NULL};
static const entity_t reporter_entity = {"review_reporter", "SELECT org_id FROM review_reporter WHERE id = ?", NULL};
static const entity_t delegate_entity = {
    "review_delegate", "SELECT s.org_id FROM review_delegate d JOIN review_session s ON s.id = d.session_id WHERE d.id = ?",
    NULL};
static const entity_t question_entity = {
    "review_question",
    "SELECT r.org_id FROM review_question q JOIN review_reporter r ON r.id = q.reporter_id WHERE q.id = ?", NULL};

/* A reporter's session, its holding org and state: DB_* code. */
static int reporter_session(db_t *db, int64_t reporter, int64_t *session, int64_t *org, char *state, size_t cap)
{
    int rc = db_one_int(db, session, "SELECT session_id FROM review_reporter WHERE id = ?", "i", reporter);
    return rc == DB_OK ? session_org(db, *session, org, state, cap) : rc;
}

/* 0 if the caller holds org.write at the holding org, else -1 with rep set (403). */
static int holder_check(db_t *db, const write_ctx_t *w, int64_t org, api_reply_t *rep)
{
    int rc = access_org(db, &w->who, REVIEW_WRITE, org, NULL, 0);
    if (rc == DB_NOTFOUND)
        return api_fail(rep, w->lang, E_REVIEW_HOLDER_ONLY, NULL);
    return rc == DB_OK ? 0 : api_db_error(rep, w->lang, rc, NULL);
}

/* A reporter's files (attachment.c): the report's attachments, seen by whoever
 * sees the reporter, added and removed by whoever files the report (the
 * reporter's node or above, as PATCH report) while the session is open. */
static int reporter_files_scope(db_t *db, const principal_t *who, int64_t id, int64_t *org)
{
    int rc = db_one_int(db, org, reporter_entity.org_sql, "i", id);
    return rc == DB_OK ? access_org(db, who, REVIEW_READ, *org, NULL, 0) : rc;
}

static int reporter_files_writable(db_t *db, const principal_t *who, int64_t id, int removing)
{
    (void)removing;
    int64_t session = 0, org = 0, node = 0;
    char state[16] = "";
    int rc = reporter_session(db, id, &session, &org, state, sizeof state);
    if (rc == DB_OK)
        rc = db_one_int(db, &node, reporter_entity.org_sql, "i", id);
    if (rc == DB_OK)
        rc = access_org(db, who, REVIEW_WRITE, node, NULL, 0);
    if (rc == DB_NOTFOUND)
        return E_REVIEW_HOLDER_ONLY;
    if (rc != DB_OK)
        return -1;
    return strcmp(state, "open") == 0 ? 0 : E_REVIEW_SESSION_CLOSED;
}

const attach_owner_t review_reporter_files = {"review_reporter", "review_reporter", reporter_files_scope,
                                              reporter_files_writable};

/* ---------------------------------------------------------------- answers */

#define SESSION_COLUMNS                                                                                                \
    "SELECT s.id, s.org_id, o.name AS org_name, o.level AS org_level, s.year, s.held_on, s.title, s.state,"         \
    " s.closed_at, s.created_at, s.version,"                                                                          \
    " (SELECT COUNT(*) FROM review_reporter r WHERE r.session_id = s.id) AS reporters,"                               \
    " (SELECT COUNT(*) FROM review_delegate d WHERE d.session_id = s.id) AS delegates"
#define SESSION_FROM " FROM review_session s JOIN org o ON o.id = s.org_id"

#define REPORTER_COLUMNS                                                                                               \
    "SELECT r.id, r.session_id, r.cadre_id, p.name AS secretary_name, r.org_id, o.name AS org_name,"                 \
    " o.level AS org_level, r.report, r.rectification, r.comment, r.counted AS result, r.proposed_grade,"            \
    " r.final_grade, r.final_reason, r.confirmed_at, r.version,"                                                       \
    " (SELECT COUNT(*) FROM review_voted v WHERE v.reporter_id = r.id) AS voted"
#define REPORTER_FROM                                                                                                  \
    " FROM review_reporter r JOIN org o ON o.id = r.org_id JOIN cadre c ON c.id = r.cadre_id"                        \
    " JOIN person p ON p.id = c.person_id"

/* The stored count (JSON text) as JSON. */
static void reporter_finish(json_t *r)
{
    const char *t = json_string_value(json_object_get(r, "result"));
    json_object_set_new(r, "result", t ? json_loads(t, 0, NULL) : json_null());
    if (json_object_get(r, "result") == NULL)
        json_object_set_new(r, "result", json_null());
}

static json_t *reporter_json(db_t *db, int64_t id)
{
    json_t *r = db_row_one_json(db, REPORTER_COLUMNS REPORTER_FROM " WHERE r.id = ?", "i", id);
    if (r == NULL)
        return NULL;
    reporter_finish(r);
    json_t *q = db_rows_json(db,
                             "SELECT id, reporter_id, question, answer, asked_at, answered_at FROM review_question"
                             " WHERE reporter_id = ? ORDER BY id",
                             "i", id);
    json_object_set_new(r, "questions", q ? q : json_array());
    /* The problems its comment raised, and the reporter's org's problems still open
     * from the year reported on and before (the originals, or their carried-over
     * copies once carried): reported again at this 述职. Rows of an unpublished
     * 暗访 never show here, whoever looks. */
    json_t *raised = db_rows_json(db,
                                  "SELECT id, year, state, severity, description, deadline FROM problem"
                                  " WHERE review_reporter_id = ? ORDER BY id",
                                  "i", id);
    json_t *open = db_rows_json(db,
                                "SELECT p.id, p.year, p.source, p.state, p.severity, p.description, p.deadline"
                                " FROM problem p JOIN review_reporter r ON r.id = ? JOIN review_session s ON s.id = r.session_id"
                                " WHERE p.org_id = r.org_id AND p.state <> 'closed'"
                                " AND ((p.year <= s.year AND NOT EXISTS (SELECT 1 FROM problem c WHERE c.carried_from_id = p.id))"
                                " OR (p.source = 'carried_over' AND p.year = s.year + 1))"
                                " AND (p.inspection_id IS NULL OR EXISTS (SELECT 1 FROM inspection i WHERE i.id = p.inspection_id"
                                " AND (i.type <> 'covert' OR i.published_at IS NOT NULL)))"
                                " ORDER BY p.year, p.id",
                                "i", id);
    json_object_set_new(r, "problems", raised ? raised : json_array());
    json_object_set_new(r, "open_problems", open ? open : json_array());
    return r;
}

/* The session with its reporters (and their questions) and roster (names, how many ballots each cast). */
static json_t *session_json(db_t *db, int64_t id)
{
    json_t *s = db_row_one_json(db, SESSION_COLUMNS SESSION_FROM " WHERE s.id = ?", "i", id);
    if (s == NULL)
        return NULL;
    json_t *ids = db_rows_json(db, "SELECT id FROM review_reporter WHERE session_id = ? ORDER BY id", "i", id);
    json_t *reporters = json_array();
    size_t i;
    json_t *x;
    json_array_foreach(ids, i, x) {
        json_t *r = reporter_json(db, json_integer_value(json_object_get(x, "id")));
        if (r)
            json_array_append_new(reporters, r);
    }
    json_decref(ids);
    json_object_set_new(s, "reporter_list", reporters);
    json_t *roster = db_rows_json(db,
                                  "SELECT d.id, d.name, (SELECT COUNT(*) FROM review_voted v WHERE v.delegate_id = d.id)"
                                  " AS voted FROM review_delegate d WHERE d.session_id = ? ORDER BY d.id",
                                  "i", id);
    json_object_set_new(s, "roster", roster ? roster : json_array());
    return s;
}

static int session_answer(db_t *db, const write_ctx_t *w, int64_t id, int status, api_reply_t *rep)
{
    api_json(rep, status, session_json(db, id));
    return rep->json ? 0 : api_db_error(rep, w->lang, DB_ERR, NULL);
}

/* ---------------------------------------------------------------- sessions */

typedef struct {
    uint64_t given;
    int64_t org_id;
    int64_t year;
    const char *held_on;
    const char *title;
} session_in_t;

static const field_t session_fields[] = {
    IN(session_in_t, org_id, F_INT, 1, 1, INT64_MAX, NULL),
    IN(session_in_t, year, F_INT, 1, 2000, 2100, NULL),
    IN(session_in_t, held_on, F_DATE, 1, 20000101, 2, NULL),
    IN(session_in_t, title, F_NAME, 1, 1, 100, NULL),
    FIELDS_END,
};

static int session_create_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    session_in_t in = {0};
    api_input_fill(session_fields, data, &in);
    if (api_org_input(db, w, REVIEW_WRITE, in.org_id, "org_id", rep) != 0)
        return -1;
    int64_t id = 0;
    int rc = db_one_int(db, &id,
                        "INSERT INTO review_session (org_id, year, held_on, title, created_at, updated_at)"
                        " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                        "iittii", in.org_id, in.year, in.held_on, in.title, w->now, w->now);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "review.session_created", "review_session", id, in.org_id, json_incref(data));
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    return session_answer(db, w, id, 201, rep);
}

static int session_create(api_req_t *req, api_reply_t *rep)
{
    (void)rep;
    json_t *data = req->body;
    req->body = NULL;
    return api_defer_kept(req, session_create_write, data);
}

static int session_get(api_req_t *req, api_reply_t *rep)
{
    json_t *s = session_json(req->db, req->params[0]);
    return s ? api_json(rep, 200, s) : api_db_error(rep, req->lang, DB_ERR, NULL);
}

static const field_t list_query[] = {
    {"org", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"year", F_INT, 0, 2000, 2100, NULL, 0},
    {"state", F_ENUM, 0, 0, 0, review_session_states, 0},
    FIELDS_END,
};

/* GET /api/v1/review-sessions: sessions held at the node (?org=, else the caller's scope) and below. */
static int session_list(api_req_t *req, api_reply_t *rep)
{
    api_list_t l;
    api_list_begin(&l, SESSION_COLUMNS, SESSION_FROM, "s.id", NULL);
    int64_t org = 0, year = 0;
    char lo[ACCESS_PATH_MAX], hi[ACCESS_PATH_MAX];
    api_query_int(req, "org", 0, 1, INT64_MAX, &org);
    api_query_int(req, "year", 0, 2000, 2100, &year);
    int rc = access_list_range(req->db, req->who, REVIEW_READ, org, lo, hi);
    if (rc != DB_OK) {
        api_list_end(&l);
        return api_db_error(rep, req->lang, rc, "org");
    }
    api_list_where(&l, "o.path >= ? AND o.path < ?", "tt", lo, hi);
    if (year)
        api_list_where(&l, "s.year = ?", "i", year);
    char *state = api_query(req, "state");
    if (state)
        api_list_where(&l, "s.state = ?", "t", state);
    free(state);
    return api_list_answer(req, rep, &l);
}

/* ---------------------------------------------------------------- reporters, roster */

typedef struct {
    uint64_t given;
    int64_t cadre_id;
} reporter_in_t;

static const field_t reporter_fields[] = {
    IN(reporter_in_t, cadre_id, F_INT, 1, 1, INT64_MAX, NULL),
    FIELDS_END,
};

/* An open session of w->id the caller holds (org.write at its org): 0, or -1 with rep set. */
static int open_session_held(db_t *db, const write_ctx_t *w, int64_t session, int64_t *org, api_reply_t *rep)
{
    char state[16] = "";
    int rc = session_org(db, session, org, state, sizeof state);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "review_session");
    if (strcmp(state, "open") != 0)
        return api_fail(rep, w->lang, E_REVIEW_SESSION_CLOSED, NULL);
    return holder_check(db, w, *org, rep);
}

static int reporter_add_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    reporter_in_t in = {0};
    api_input_fill(reporter_fields, data, &in);
    int64_t org = 0, at = 0, id = 0, taken = 0;
    if (open_session_held(db, w, w->id, &org, rep) != 0)
        return -1;
    char post[32] = "", holder[ACCESS_PATH_MAX], node[ACCESS_PATH_MAX];
    int rc = db_one_int(db, &at, "SELECT org_id FROM cadre WHERE id = ?", "i", in.cadre_id);
    if (rc == DB_OK)
        rc = db_one_text(db, post, sizeof post, "SELECT post FROM cadre WHERE id = ?", "i", in.cadre_id);
    if (rc == DB_OK)
        rc = org_brief(db, org, holder, sizeof holder, NULL, 0);
    if (rc == DB_OK)
        rc = org_brief(db, at, node, sizeof node, NULL, 0);
    if (rc == DB_NOTFOUND)
        return api_fail(rep, w->lang, E_DUTY_CADRE_NOT_FOUND, "cadre_id");
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    if (strcmp(post, "书记") != 0 || at == org || !path_is_within(node, holder))
        return api_fail(rep, w->lang, E_REVIEW_NOT_SECRETARY_BELOW, "cadre_id");
    rc = db_one_int(db, &taken, "SELECT COUNT(*) FROM review_reporter WHERE session_id = ? AND cadre_id = ?", "ii",
                    w->id, in.cadre_id);
    if (rc == DB_OK && taken)
        return api_fail(rep, w->lang, E_REVIEW_REPORTER_TAKEN, "cadre_id");
    if (rc == DB_OK)
        rc = db_one_int(db, &id,
                        "INSERT INTO review_reporter (session_id, cadre_id, org_id, created_at, updated_at)"
                        " VALUES (?, ?, ?, ?, ?) RETURNING id",
                        "iiiii", w->id, in.cadre_id, at, w->now, w->now);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "review.reporter_added", "review_session", w->id, org,
                              json_pack("{s:I, s:I}", "reporter_id", (json_int_t)id, "cadre_id", (json_int_t)in.cadre_id));
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    return session_answer(db, w, w->id, 201, rep);
}

static int defer_body(api_req_t *req, write_fn fn)
{
    json_t *data = req->body;
    req->body = NULL;
    return api_defer_kept(req, fn, data);
}

static int reporter_add(api_req_t *req, api_reply_t *rep)
{
    (void)rep;
    return defer_body(req, reporter_add_write);
}

static const field_t delegates_fields[] = {
    {"names", F_LIST, 1, 1, 500, NULL, 0},
    FIELDS_END,
};

/* POST /review-sessions/{id}/delegates: names added to the roster, each with a new
 * one-time code, answered once here and kept nowhere (only its keyed hash). */
static int delegates_add_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    int64_t org = 0;
    if (open_session_held(db, w, w->id, &org, rep) != 0)
        return -1;
    json_t *names = json_object_get(data, "names"), *out = json_array(), *x;
    size_t i;
    int rc = DB_OK;
    json_array_foreach(names, i, x) {
        char code[CODE_LEN + 1], hash[65];
        int64_t id = 0;
        code_new(code);
        code_hash(w->keys, code, hash);
        rc = db_one_int(db, &id,
                        "INSERT INTO review_delegate (session_id, name, code_hash, created_at) VALUES (?, ?, ?, ?)"
                        " RETURNING id",
                        "itti", w->id, json_string_value(x), hash, w->now);
        if (rc != DB_OK)
            break;
        json_array_append_new(out, json_pack("{s:I, s:s, s:s}", "id", (json_int_t)id, "name", json_string_value(x),
                                             "code", code));
        sodium_memzero(code, sizeof code);
    }
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "review.delegates_added", "review_session", w->id, org,
                              json_pack("{s:I}", "delegates", (json_int_t)json_array_size(names)));
    if (rc != DB_OK) {
        json_decref(out);
        return api_db_error(rep, w->lang, rc, NULL);
    }
    return api_json(rep, 201, json_pack("{s:o}", "delegates", out));
}

static int delegates_add(api_req_t *req, api_reply_t *rep)
{
    (void)rep;
    return defer_body(req, delegates_add_write);
}

/* POST /review-delegates/{id}/reissue: a new one-time code for a delegate who lost
 * theirs, by the holding org while the session is open; the old code stops at
 * once (its hash is replaced). Answered once (no_replay), audited without the
 * code. Ballots the delegate cast with the lost code stand as cast: the new
 * code votes for the other reporters only (vote_write), so nothing has to find
 * (or tie to the delegate) a ballot of the old code. */
static int reissue_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    (void)data;
    int64_t session = 0, org = 0;
    int rc = db_one_int(db, &session, "SELECT session_id FROM review_delegate WHERE id = ?", "i", w->id);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "review_delegate");
    if (open_session_held(db, w, session, &org, rep) != 0)
        return -1;
    char code[CODE_LEN + 1], hash[65], name[256] = "";
    code_new(code);
    code_hash(w->keys, code, hash);
    rc = db_exec(db, NULL, "UPDATE review_delegate SET code_hash = ? WHERE id = ?", "ti", hash, w->id);
    if (rc == DB_OK)
        rc = db_exec(db, NULL,
                     "INSERT INTO review_locked (delegate_id, reporter_id) SELECT delegate_id, reporter_id FROM review_voted"
                     " WHERE delegate_id = ? ON CONFLICT (delegate_id, reporter_id) DO NOTHING",
                     "i", w->id);
    if (rc == DB_OK)
        rc = db_one_text(db, name, sizeof name, "SELECT name FROM review_delegate WHERE id = ?", "i", w->id);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "review.code_reissued", "review_session", session, org,
                              json_pack("{s:I}", "delegate_id", (json_int_t)w->id));
    json_t *out = rc == DB_OK ? json_pack("{s:I, s:s, s:s}", "id", (json_int_t)w->id, "name", name, "code", code) : NULL;
    sodium_memzero(code, sizeof code);
    if (out == NULL)
        return api_db_error(rep, w->lang, rc != DB_OK ? rc : DB_ERR, NULL);
    return api_json(rep, 200, out);
}

static int delegate_reissue(api_req_t *req, api_reply_t *rep)
{
    (void)rep;
    return api_defer(req, reissue_write, NULL);
}

/* ---------------------------------------------------------------- reports, comments, questions */

typedef struct {
    uint64_t given;
    const char *report;
    const char *rectification;
    const char *comment;
} text_in_t;

static const field_t reporter_patch_fields[] = {
    IN(text_in_t, report, F_BLOCK, 0, 1, 20000, NULL),
    IN(text_in_t, rectification, F_BLOCK, 0, 1, 5000, NULL),
    IN(text_in_t, comment, F_BLOCK, 0, 1, 5000, NULL),
    FIELDS_END,
};

/* PATCH /review-reporters/{id}: the report and rectification status (the
 * reporter's node or above: the entity's scope), the comment (the holding org). */
static int reporter_patch_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    text_in_t in = {0};
    api_input_fill(reporter_patch_fields, data, &in);
    int64_t session = 0, org = 0, node = 0;
    char state[16] = "";
    int rc = reporter_session(db, w->id, &session, &org, state, sizeof state);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "review_reporter");
    if (strcmp(state, "open") != 0)
        return api_fail(rep, w->lang, E_REVIEW_SESSION_CLOSED, NULL);
    if (((IN_SENT(&in) >> 2) & 1) && holder_check(db, w, org, rep) != 0)
        return -1;
    rc = db_one_int(db, &node, "SELECT org_id FROM review_reporter WHERE id = ?", "i", w->id);
    if (rc == DB_OK && (IN_SENT(&in) & 3) &&
        access_org(db, &w->who, REVIEW_WRITE, node, NULL, 0) == DB_NOTFOUND)
        return api_fail(rep, w->lang, E_REVIEW_HOLDER_ONLY, NULL);
    static const char *const sets[3] = {
        "UPDATE review_reporter SET report = ?, updated_at = ?, version = version + 1 WHERE id = ?",
        "UPDATE review_reporter SET rectification = ?, updated_at = ?, version = version + 1 WHERE id = ?",
        "UPDATE review_reporter SET comment = ?, updated_at = ?, version = version + 1 WHERE id = ?",
    };
    const char *vals[3] = {in.report, in.rectification, in.comment};
    for (int k = 0; rc == DB_OK && k < 3; k++)
        if ((IN_SENT(&in) >> k) & 1)
            rc = db_exec(db, NULL, sets[k], "tii", vals[k], w->now, w->id);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "review.reporter_updated", "review_reporter", w->id, node, json_incref(data));
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    json_t *r = reporter_json(db, w->id);
    api_json(rep, 200, r);
    return r ? 0 : api_db_error(rep, w->lang, DB_ERR, NULL);
}

static int reporter_patch(api_req_t *req, api_reply_t *rep)
{
    (void)rep;
    return defer_body(req, reporter_patch_write);
}

typedef struct {
    uint64_t given;
    const char *text;
} q_in_t;

static const field_t question_fields[] = {
    IN(q_in_t, text, F_BLOCK, 1, 1, 5000, NULL),
    FIELDS_END,
};

/* POST /review-reporters/{id}/questions: a delegate's question, recorded by the holding org. */
static int question_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    q_in_t in = {0};
    api_input_fill(question_fields, data, &in);
    int64_t session = 0, org = 0, id = 0;
    char state[16] = "";
    int rc = reporter_session(db, w->id, &session, &org, state, sizeof state);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "review_reporter");
    if (strcmp(state, "open") != 0)
        return api_fail(rep, w->lang, E_REVIEW_SESSION_CLOSED, NULL);
    if (holder_check(db, w, org, rep) != 0)
        return -1;
    rc = db_one_int(db, &id, "INSERT INTO review_question (reporter_id, question, asked_at) VALUES (?, ?, ?) RETURNING id",
                    "iti", w->id, in.text, w->now);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "review.question_asked", "review_reporter", w->id, org,
                              json_pack("{s:I}", "question_id", (json_int_t)id));
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    api_json(rep, 201, reporter_json(db, w->id));
    return rep->json ? 0 : api_db_error(rep, w->lang, DB_ERR, NULL);
}

static int question_add(api_req_t *req, api_reply_t *rep)
{
    (void)rep;
    return defer_body(req, question_write);
}

/* POST /review-reporters/{id}/problems: a problem the superior's comment points
 * out, listed for the reporter's org (列入问题清单): raised by the holding org
 * (which holds org.write and party.write there), source 述职点评, in the year
 * after the one reported on; description the comment unless given. In any
 * state of the session: the comment leads to rectification after the meeting. */
static int comment_problem_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    problem_finding_t in = {0};
    api_input_fill(problem_finding_fields, data, &in);
    json_t *r = db_row_one_json(db,
                                "SELECT r.org_id, r.comment, s.org_id AS holder, s.year, s.held_on, s.title"
                                " FROM review_reporter r JOIN review_session s ON s.id = r.session_id WHERE r.id = ?",
                                "i", w->id);
    if (r == NULL)
        return api_db_error(rep, w->lang, DB_ERR, NULL);
    int64_t holder = json_integer_value(json_object_get(r, "holder"));
    const char *comment = json_string_value(json_object_get(r, "comment"));
    int rc = holder_check(db, w, holder, rep) != 0 ? -1 : DB_OK;
    if (rc == DB_OK && access_org(db, &w->who, PROBLEM_WRITE, holder, NULL, 0) != DB_OK)
        rc = api_fail(rep, w->lang, E_REVIEW_HOLDER_ONLY, NULL);
    if (rc == DB_OK && comment == NULL)
        rc = api_fail(rep, w->lang, E_REVIEW_COMMENT_FIRST, NULL);
    if (rc != DB_OK) {
        json_decref(r);
        return -1;
    }
    char evidence[256];
    snprintf(evidence, sizeof evidence, "%s %s：上级点评", json_string_value(json_object_get(r, "held_on")),
             json_string_value(json_object_get(r, "title")));
    problem_in_t p;
    problem_from_finding(&in, &p, "述职点评", comment);
    p.org_id = json_integer_value(json_object_get(r, "org_id"));
    p.raised_org_id = holder;
    p.year = json_integer_value(json_object_get(r, "year")) + 1;
    p.source = "review_comment";
    p.evidence = evidence;
    int64_t id = 0;
    rc = problem_insert(db, w, &p, 0, &id);
    json_decref(r);
    if (rc == DB_OK)
        rc = db_exec(db, NULL, "UPDATE problem SET review_reporter_id = ? WHERE id = ?", "ii", w->id, id);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    json_t *answer = problem_json(db, &w->who, id);
    if (answer == NULL)
        return api_db_error(rep, w->lang, DB_ERR, NULL);
    return api_json(rep, 201, answer);
}

static int comment_problem(api_req_t *req, api_reply_t *rep)
{
    (void)rep;
    return defer_body(req, comment_problem_write);
}

/* POST /review-questions/{id}/answer: the secretary's answer (their node or above). */
static int answer_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    q_in_t in = {0};
    api_input_fill(question_fields, data, &in);
    int64_t reporter = 0, session = 0, org = 0, node = 0;
    char state[16] = "";
    int rc = db_one_int(db, &reporter, "SELECT reporter_id FROM review_question WHERE id = ?", "i", w->id);
    if (rc == DB_OK)
        rc = reporter_session(db, reporter, &session, &org, state, sizeof state);
    if (rc == DB_OK)
        rc = db_one_int(db, &node, "SELECT org_id FROM review_reporter WHERE id = ?", "i", reporter);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "review_question");
    if (strcmp(state, "open") != 0)
        return api_fail(rep, w->lang, E_REVIEW_SESSION_CLOSED, NULL);
    rc = db_exec(db, NULL, "UPDATE review_question SET answer = ?, answered_at = ? WHERE id = ?", "tii", in.text, w->now,
                 w->id);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "review.question_answered", "review_reporter", reporter, node,
                              json_pack("{s:I}", "question_id", (json_int_t)w->id));
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    api_json(rep, 200, reporter_json(db, reporter));
    return rep->json ? 0 : api_db_error(rep, w->lang, DB_ERR, NULL);
}

static int question_answer(api_req_t *req, api_reply_t *rep)
{
    (void)rep;
    return defer_body(req, answer_write);
}

/* ---------------------------------------------------------------- counting */

/* The count of one reporter's ballots n[] (good, fairly_good, average, poor,
 * unknown) under the norms in force at org in year, with roster delegates on
 * the roll: {distribution, ballots, known, points, satisfaction, floor,
 * floored, proposed, roster, turnout}. points: the mean of the grades' points
 * over the ballots of delegates who knew the secretary (unknown left out);
 * satisfaction: the share (percent) of good and fairly_good among those; the
 * proposal: the first band (falling) whose min the points reach, poor when
 * satisfaction is under the floor; no proposal without a known ballot.
 * *proposed: the grade or "". NULL with DB_NOTFOUND in *rc when a norm is missing. */
static json_t *review_count(db_t *db, int64_t org, int year, const int64_t n[NGRADES], int64_t roster,
                            char proposed[16], int *rc)
{
    json_t *points = NULL, *bands = NULL, *floor_v = NULL;
    *rc = norm_get(db, "review.grade_points", org, year, &points);
    if (*rc == DB_OK)
        *rc = norm_get(db, "review.grade_bands", org, year, &bands);
    if (*rc == DB_OK)
        *rc = norm_get(db, "review.satisfaction_floor", org, year, &floor_v);
    json_t *out = NULL;
    proposed[0] = '\0';
    if (*rc == DB_OK) {
        int64_t known = n[0] + n[1] + n[2] + n[3], ballots = known + n[4];
        double sum = 0, floor_pct = json_number_value(floor_v);
        for (int g = 0; g < 4; g++)
            sum += json_number_value(json_object_get(points, review_ballot_grades[g])) * (double)n[g];
        json_t *dist = json_object();
        for (int g = 0; g < NGRADES; g++)
            json_object_set_new(dist, review_ballot_grades[g], json_integer(n[g]));
        json_t *pts = json_null(), *sat = json_null();
        int floored = 0;
        if (known > 0) {
            double mean = sum / (double)known, share = 100.0 * (double)(n[0] + n[1]) / (double)known;
            pts = json_real(round(mean * 100) / 100);
            sat = json_real(round(share * 100) / 100);
            size_t i;
            json_t *b;
            json_array_foreach(bands, i, b) {
                if (mean + 1e-9 >= json_number_value(json_object_get(b, "min"))) {
                    str_copy(proposed, 16, json_string_value(json_object_get(b, "grade")));
                    break;
                }
            }
            if (share + 1e-9 < floor_pct) {
                floored = strcmp(proposed, "poor") != 0;
                str_copy(proposed, 16, "poor");
            }
        }
        out = json_pack("{s:o, s:I, s:I, s:o, s:o, s:o, s:b, s:o, s:I, s:o}", "distribution", dist, "ballots",
                        (json_int_t)ballots, "known", (json_int_t)known, "points", pts, "satisfaction", sat, "floor",
                        json_real(floor_pct), "floored", floored, "proposed",
                        proposed[0] ? json_string(proposed) : json_null(), "roster", (json_int_t)roster, "turnout",
                        roster > 0 ? json_real(round(10000.0 * (double)ballots / (double)roster) / 100) : json_null());
    }
    json_decref(points);
    json_decref(bands);
    json_decref(floor_v);
    return out;
}

/* POST /review-sessions/{id}/close: no more ballots; each reporter counted and given its proposal. */
static int close_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    (void)data;
    int64_t org = 0, year = 0, roster = 0;
    if (open_session_held(db, w, w->id, &org, rep) != 0)
        return -1;
    int rc = db_one_int(db, &year, "SELECT year FROM review_session WHERE id = ?", "i", w->id);
    if (rc == DB_OK)
        rc = db_one_int(db, &roster, "SELECT COUNT(*) FROM review_delegate WHERE session_id = ?", "i", w->id);
    json_t *ids = rc == DB_OK ? db_rows_json(db, "SELECT id FROM review_reporter WHERE session_id = ? ORDER BY id", "i",
                                             w->id)
                              : NULL;
    if (ids == NULL)
        return api_db_error(rep, w->lang, rc == DB_OK ? DB_ERR : rc, NULL);
    size_t i;
    json_t *x;
    json_array_foreach(ids, i, x) {
        int64_t id = json_integer_value(json_object_get(x, "id")), n[NGRADES] = {0};
        char *box = box_of(db, id, &rc);
        if (box)
            box_count(box, n);
        free(box);
        char proposed[16];
        json_t *c = rc == DB_OK ? review_count(db, org, (int)year, n, roster, proposed, &rc) : NULL;
        if (c == NULL)
            break;
        char *text = json_dumps(c, JSON_COMPACT | JSON_SORT_KEYS);
        json_decref(c);
        rc = db_exec(db, NULL,
                     "UPDATE review_reporter SET counted = ?, proposed_grade = ?, updated_at = ?, version = version + 1"
                     " WHERE id = ?",
                     "ttii", text, proposed[0] ? proposed : NULL, w->now, id);
        free(text);
        if (rc != DB_OK)
            break;
    }
    json_decref(ids);
    if (rc == DB_NOTFOUND)
        return api_fail(rep, w->lang, E_REVIEW_NORM_MISSING, NULL);
    if (rc == DB_OK)
        rc = db_exec(db, NULL,
                     "UPDATE review_session SET state = 'closed', closed_at = ?, updated_at = ?, version = version + 1"
                     " WHERE id = ?",
                     "iii", w->now, w->now, w->id);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "review.session_closed", "review_session", w->id, org, json_object());
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    return session_answer(db, w, w->id, 200, rep);
}

static int session_close(api_req_t *req, api_reply_t *rep)
{
    (void)rep;
    return api_defer_kept(req, close_write, NULL);
}

typedef struct {
    uint64_t given;
    const char *grade;
    const char *reason;
} confirm_in_t;

static const field_t confirm_fields[] = {
    IN(confirm_in_t, grade, F_ENUM, 1, 0, 0, final_grades),
    IN(confirm_in_t, reason, F_BLOCK, 0, 1, 1000, NULL),
    FIELDS_END,
};

/* POST /review-reporters/{id}/confirm: the final grade, by org.write at the holding
 * org once the session is closed; a reason when it differs from the proposal. */
static int confirm_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    confirm_in_t in = {0};
    api_input_fill(confirm_fields, data, &in);
    int64_t session = 0, org = 0;
    char state[16] = "", proposed[16] = "";
    int rc = reporter_session(db, w->id, &session, &org, state, sizeof state);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "review_reporter");
    if (strcmp(state, "closed") != 0)
        return api_fail(rep, w->lang, E_REVIEW_SESSION_OPEN, NULL);
    if (holder_check(db, w, org, rep) != 0)
        return -1;
    rc = db_one_text(db, proposed, sizeof proposed, "SELECT COALESCE(proposed_grade, '') FROM review_reporter WHERE id = ?",
                     "i", w->id);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    if (strcmp(proposed, in.grade) != 0 && in.reason == NULL)
        return api_fail(rep, w->lang, E_REVIEW_REASON_REQUIRED, "reason");
    rc = db_exec(db, NULL,
                 "UPDATE review_reporter SET final_grade = ?, final_reason = ?, confirmed_at = ?, updated_at = ?,"
                 " version = version + 1 WHERE id = ?",
                 "ttiii", in.grade, in.reason, w->now, w->now, w->id);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "review.grade_confirmed", "review_reporter", w->id, org,
                              json_pack("{s:s, s:s?, s:s?}", "grade", in.grade, "proposed",
                                        proposed[0] ? proposed : NULL, "reason", in.reason));
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    api_json(rep, 200, reporter_json(db, w->id));
    return rep->json ? 0 : api_db_error(rep, w->lang, DB_ERR, NULL);
}

static int reporter_confirm(api_req_t *req, api_reply_t *rep)
{
    (void)rep;
    return defer_body(req, confirm_write);
}

/* ---------------------------------------------------------------- the delegate's phone */

typedef struct {
    uint64_t given;
    const char *code;
    int64_t reporter_id;
    const char *grade;
} ballot_in_t;

static const field_t sheet_fields[] = {
    IN(ballot_in_t, code, F_TEXT, 1, CODE_LEN, CODE_LEN, NULL),
    FIELDS_END,
};

static const field_t ballot_fields[] = {
    IN(ballot_in_t, code, F_TEXT, 1, CODE_LEN, CODE_LEN, NULL),
    IN(ballot_in_t, reporter_id, F_INT, 1, 1, INT64_MAX, NULL),
    IN(ballot_in_t, grade, F_ENUM, 1, 0, 0, review_ballot_grades),
    FIELDS_END,
};

/* The delegate a code names: DB_OK with *delegate and *session, DB_NOTFOUND, or an error. */
static int delegate_of(db_t *db, const keys_t *keys, const char *code, int64_t *delegate, int64_t *session)
{
    char hash[65];
    code_hash(keys, code, hash);
    db_stmt_t *st = db_q(db, "SELECT id, session_id FROM review_delegate WHERE code_hash = ?", "t", hash);
    if (st == NULL)
        return DB_ERR;
    int rc = db_step(st);
    if (rc == DB_ROW) {
        *delegate = db_col_int(st, 0);
        *session = db_col_int(st, 1);
    }
    db_done(st);
    return rc == DB_ROW ? DB_OK : rc == DB_DONE ? DB_NOTFOUND : rc;
}

/* The sheet: the session (title, holding org, date, state) and each reporter with the delegate's own grade. */
static json_t *sheet_json(db_t *db, const keys_t *keys, const char *code, int64_t session)
{
    json_t *s = db_row_one_json(db,
                                "SELECT s.id, s.title, s.held_on, s.year, s.state, o.name AS org_name FROM review_session s"
                                " JOIN org o ON o.id = s.org_id WHERE s.id = ?",
                                "i", session);
    json_t *reporters = db_rows_json(db,
                                     "SELECT r.id, p.name AS secretary_name, o.name AS org_name FROM review_reporter r"
                                     " JOIN org o ON o.id = r.org_id JOIN cadre c ON c.id = r.cadre_id"
                                     " JOIN person p ON p.id = c.person_id WHERE r.session_id = ? ORDER BY r.id",
                                     "i", session);
    if (s == NULL || reporters == NULL) {
        json_decref(s);
        json_decref(reporters);
        return NULL;
    }
    size_t i;
    json_t *r;
    json_array_foreach(reporters, i, r) {
        int64_t id = json_integer_value(json_object_get(r, "id"));
        char token[65];
        int rc;
        ballot_token(keys, id, code, token);
        char *box = box_of(db, id, &rc);
        int g = box ? box_grade(box, token) : -1;
        free(box);
        json_object_set_new(r, "my_grade", g >= 0 ? json_string(review_ballot_grades[g]) : json_null());
    }
    json_object_set_new(s, "reporters", reporters);
    return s;
}

/* The rate limit and the body of a public review call: 0, or -1 with rep set. */
static int public_check(api_req_t *req, const field_t *fields, api_reply_t *rep)
{
    if (api_rate_limited("vote", req->remote, req->cfg->vote_rate))
        return api_fail(rep, req->lang, E_REVIEW_RATE_LIMITED, NULL);
    return op_body_check(req, req->body, fields, NULL, rep);
}

/* POST /api/v1/public/review-sheet {code}: what the delegate's phone shows. The code
 * travels in the body, never in an address (which logs and histories keep). */
static int public_sheet(api_req_t *req, api_reply_t *rep)
{
    if (public_check(req, sheet_fields, rep) != 0)
        return -1;
    const char *code = json_string_value(json_object_get(req->body, "code"));
    int64_t delegate = 0, session = 0;
    int rc = delegate_of(req->db, req->keys, code, &delegate, &session);
    if (rc == DB_NOTFOUND)
        return api_fail(rep, req->lang, E_REVIEW_CODE_UNKNOWN, "code");
    json_t *s = rc == DB_OK ? sheet_json(req->db, req->keys, code, session) : NULL;
    return s ? api_json(rep, 200, s) : api_db_error(rep, req->lang, DB_ERR, NULL);
}

/* What a vote's write needs: the token, derived on the loop from the code, which goes no further. */
typedef struct {
    int64_t delegate, session, reporter;
    char token[65];
    char hash[65]; /* the code's keyed hash: still the delegate's when the vote is written */
    char grade[16];
} vote_t;

/* The vote: the reporter's ballot box rewritten with this token's grade (its
 * records sorted by token, whatever the voting order),
 * and the (delegate, reporter) fact kept once. Nothing else: no audit row, no log line. */
static int vote_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    (void)data;
    const vote_t *v = w->in;
    char state[16] = "";
    int64_t org = 0, in_session = 0;
    int rc = session_org(db, v->session, &org, state, sizeof state);
    if (rc == DB_OK)
        rc = db_one_int(db, &in_session, "SELECT COUNT(*) FROM review_reporter WHERE id = ? AND session_id = ?", "ii",
                        v->reporter, v->session);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    if (strcmp(state, "open") != 0)
        return api_fail(rep, w->lang, E_REVIEW_SESSION_CLOSED, NULL);
    if (!in_session)
        return api_fail(rep, w->lang, E_REVIEW_REPORTER_UNKNOWN, "reporter_id");
    /* A code reissued since the handler read it no longer votes; a ballot cast
     * with an earlier code of the delegate cannot be found (its token is the old
     * code's) and is not doubled: it stands as cast (review_locked). */
    int64_t current = 0, locked = 0;
    rc = db_one_int(db, &current, "SELECT COUNT(*) FROM review_delegate WHERE id = ? AND code_hash = ?", "it",
                    v->delegate, v->hash);
    if (rc == DB_OK)
        rc = db_one_int(db, &locked, "SELECT COUNT(*) FROM review_locked WHERE delegate_id = ? AND reporter_id = ?", "ii",
                        v->delegate, v->reporter);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    if (!current)
        return api_fail(rep, w->lang, E_REVIEW_CODE_UNKNOWN, "code");
    if (locked)
        return api_fail(rep, w->lang, E_REVIEW_BALLOT_LOCKED, "reporter_id");
    char *box = box_of(db, v->reporter, &rc);
    if (box == NULL)
        return api_db_error(rep, w->lang, rc, NULL);
    box = box_put(box, v->token, grade_index(v->grade));
    rc = db_exec(db, NULL, "UPDATE review_reporter SET ballots = ? WHERE id = ?", "ti", box, v->reporter);
    free(box);
    if (rc == DB_OK)
        rc = db_exec(db, NULL,
                     "INSERT INTO review_voted (delegate_id, reporter_id) VALUES (?, ?)"
                     " ON CONFLICT (delegate_id, reporter_id) DO NOTHING",
                     "ii", v->delegate, v->reporter);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    return api_json(rep, 200, json_pack("{s:I, s:s}", "reporter_id", (json_int_t)v->reporter, "my_grade", v->grade));
}

/* POST /api/v1/public/review-ballots {code, reporter_id, grade}: the delegate's ballot for one reporter. */
static int public_ballot(api_req_t *req, api_reply_t *rep)
{
    if (public_check(req, ballot_fields, rep) != 0)
        return -1;
    ballot_in_t in = {0};
    api_input_fill(ballot_fields, req->body, &in);
    vote_t *v = xcalloc(1, sizeof *v);
    int rc = delegate_of(req->db, req->keys, in.code, &v->delegate, &v->session);
    if (rc != DB_OK) {
        free(v);
        return rc == DB_NOTFOUND ? api_fail(rep, req->lang, E_REVIEW_CODE_UNKNOWN, "code")
                                 : api_db_error(rep, req->lang, rc, NULL);
    }
    v->reporter = in.reporter_id;
    code_hash(req->keys, in.code, v->hash);
    ballot_token(req->keys, in.reporter_id, in.code, v->token);
    str_copy(v->grade, sizeof v->grade, in.grade);
    return api_defer_in(req, vote_write, NULL, v);
}

static json_t *sheet_describe(void)
{
    return ops_body_json(sheet_fields, NULL);
}

static json_t *ballot_describe(void)
{
    return ops_body_json(ballot_fields, NULL);
}

/* ---------------------------------------------------------------- figures */

/* The figures of the secretaries of the nodes in [lo, hi) who reported at a
 * session of year: sessions, reporters, the ballots the rosters could cast and
 * those cast (turnout: cast / possible, null without a roster), and the
 * confirmed grades (ungraded: not confirmed yet). */
json_t *review_figures_of(db_t *db, const principal_t *who, const char *lo, const char *hi, int64_t year,
                          const char *today)
{
    (void)who;
    (void)today;
    json_t *f = db_row_one_json(
        db,
        "SELECT COUNT(DISTINCT r.session_id) AS sessions, COUNT(*) AS reporters,"
        " COALESCE(SUM((SELECT COUNT(*) FROM review_delegate d WHERE d.session_id = r.session_id)), 0) AS possible,"
        " COALESCE(SUM((SELECT COUNT(*) FROM review_voted v WHERE v.reporter_id = r.id)), 0) AS voted,"
        " COALESCE(SUM(CASE WHEN r.final_grade = 'good' THEN 1 ELSE 0 END), 0) AS good,"
        " COALESCE(SUM(CASE WHEN r.final_grade = 'fairly_good' THEN 1 ELSE 0 END), 0) AS fairly_good,"
        " COALESCE(SUM(CASE WHEN r.final_grade = 'average' THEN 1 ELSE 0 END), 0) AS average,"
        " COALESCE(SUM(CASE WHEN r.final_grade = 'poor' THEN 1 ELSE 0 END), 0) AS poor,"
        " COALESCE(SUM(CASE WHEN r.final_grade IS NULL THEN 1 ELSE 0 END), 0) AS ungraded"
        " FROM review_reporter r JOIN review_session s ON s.id = r.session_id JOIN org o ON o.id = r.org_id"
        " WHERE o.path >= ? AND o.path < ? AND s.year = ?",
        "tti", lo, hi, year);
    if (f == NULL)
        return NULL;
    int64_t possible = json_integer_value(json_object_get(f, "possible"));
    int64_t voted = json_integer_value(json_object_get(f, "voted"));
    json_object_set_new(f, "turnout", json_rate(voted, possible));
    return f;
}

/* GET /api/v1/review-figures?org=&year=: the node's subtree's figures and each child's. */
static int review_figures(api_req_t *req, api_reply_t *rep)
{
    return api_subtree_figures(req, rep, REVIEW_READ, review_figures_of);
}

/* ---------------------------------------------------------------- the table */

const op_t review_ops[] = {
    {OP(HTTP_GET, "/api/v1/review-figures", "review_figures.get", PERM(REVIEW_READ), 0, review_figures),
     .query = subtree_figures_query},
    {OP(HTTP_GET, "/api/v1/review-sessions", "review_sessions.list", PERM(REVIEW_READ), RF_PAGED, session_list),
     .query = list_query},
    {OP(HTTP_POST, "/api/v1/review-sessions", "review_sessions.create", PERM(REVIEW_WRITE), RF_BODY | RF_WRITES,
        session_create),
     .body = session_fields},
    {OP(HTTP_GET, "/api/v1/review-sessions/{id}", "review_sessions.get", PERM(REVIEW_READ), 0, session_get),
     .entity = &session_entity},
    {OP(HTTP_POST, "/api/v1/review-sessions/{id}/reporters", "review_sessions.add_reporter", PERM(REVIEW_WRITE),
        RF_BODY | RF_WRITES, reporter_add),
     .body = reporter_fields, .entity = &session_entity},
    {OP(HTTP_POST, "/api/v1/review-sessions/{id}/delegates", "review_sessions.add_delegates", PERM(REVIEW_WRITE),
        RF_BODY | RF_WRITES | RF_NO_REPLAY, delegates_add),
     .body = delegates_fields, .entity = &session_entity},
    {OP(HTTP_POST, "/api/v1/review-sessions/{id}/close", "review_sessions.close", PERM(REVIEW_WRITE),
        RF_BODY_OPTIONAL | RF_WRITES, session_close),
     .body = (const field_t[]){FIELDS_END}, .entity = &session_entity},
    {OP(HTTP_PATCH, "/api/v1/review-reporters/{id}", "review_reporters.update", PERM(REVIEW_WRITE), RF_BODY | RF_WRITES,
        reporter_patch),
     .body = reporter_patch_fields, .entity = &reporter_entity},
    {OP(HTTP_POST, "/api/v1/review-reporters/{id}/questions", "review_reporters.ask", PERM(REVIEW_WRITE),
        RF_BODY | RF_WRITES, question_add),
     .body = question_fields, .entity = &reporter_entity},
    {OP(HTTP_POST, "/api/v1/review-reporters/{id}/confirm", "review_reporters.confirm", PERM(REVIEW_WRITE),
        RF_BODY | RF_WRITES, reporter_confirm),
     .body = confirm_fields, .entity = &reporter_entity},
    {OP(HTTP_POST, "/api/v1/review-reporters/{id}/problems", "review_reporters.raise_problem", PERM(REVIEW_WRITE),
        RF_BODY | RF_WRITES, comment_problem),
     .body = problem_finding_fields, .entity = &reporter_entity},
    {OP(HTTP_POST, "/api/v1/review-delegates/{id}/reissue", "review_delegates.reissue", PERM(REVIEW_WRITE),
        RF_BODY_OPTIONAL | RF_NO_REPLAY | RF_WRITES, delegate_reissue),
     .body = (const field_t[]){FIELDS_END}, .entity = &delegate_entity},
    {OP(HTTP_POST, "/api/v1/review-questions/{id}/answer", "review_questions.answer", PERM(REVIEW_WRITE),
        RF_BODY | RF_WRITES, question_answer),
     .body = question_fields, .entity = &question_entity},
    {OP(HTTP_POST, "/api/v1/public/review-sheet", "public_review.sheet", PUB, RF_BODY, public_sheet),
     .describe = sheet_describe},
    {OP(HTTP_POST, "/api/v1/public/review-ballots", "public_review.vote", PUB, RF_BODY | RF_WRITES, public_ballot),
     .describe = ballot_describe},
    OPS_END,
};

/* ---------------------------------------------------------------- demo */

static unsigned long long review_rng;

static int64_t review_below(int64_t n)
{
    return random_seeded_below(&review_rng, n);
}

#define DEMO_DELEGATES 40

/* A reporter's ballots in the demo: each delegate grades as the secretary's
 * standing (0 the best of four) makes likely, a few do not know them. */
static int demo_ballots(db_t *db, const write_ctx_t *w, int64_t reporter, const int64_t *delegates,
                        char codes[][CODE_LEN + 1], int n, int standing)
{
    static const int weights[4][5] = {{70, 20, 5, 0, 5}, {40, 35, 15, 3, 7}, {15, 35, 35, 8, 7}, {10, 20, 30, 35, 5}};
    char *box = xstrdup("");
    int rc = DB_OK;
    for (int i = 0; rc == DB_OK && i < n; i++) {
        int64_t r = review_below(100), g = 0;
        for (int acc = weights[standing][0]; g < 4 && r >= acc; acc += weights[standing][++g])
            ;
        char token[65];
        ballot_token(w->keys, reporter, codes[i], token);
        box = box_put(box, token, (int)g);
        rc = db_exec(db, NULL, "INSERT INTO review_voted (delegate_id, reporter_id) VALUES (?, ?)", "ii", delegates[i],
                     reporter);
    }
    if (rc == DB_OK)
        rc = db_exec(db, NULL, "UPDATE review_reporter SET ballots = ? WHERE id = ?", "ti", box, reporter);
    free(box);
    return rc;
}

int review_demo(db_t *db, const write_ctx_t *w, unsigned long long seed)
{
    review_rng = seed * 0x9E3779B97F4A7C15ull + 24;
    int year = api_today_ymd() / 10000 - 1;
    char held[16];
    snprintf(held, sizeof held, "%04d-01-20", year + 1);
    json_t *districts = db_rows_json(db, "SELECT id, name, path FROM org WHERE level = 'district' ORDER BY id", "");
    int rc = districts ? DB_OK : DB_ERR;
    size_t i;
    json_t *d;
    json_array_foreach(districts, i, d) {
        if (rc != DB_OK)
            break;
        int64_t org = json_integer_value(json_object_get(d, "id")), session = 0;
        const char *path = json_string_value(json_object_get(d, "path"));
        char title[200], hi[ACCESS_PATH_MAX];
        snprintf(title, sizeof title, "%s%d年度街道（乡镇）党（工）委书记抓基层党建工作述职评议会",
                 json_string_value(json_object_get(d, "name")), year);
        path_subtree_upper(hi, sizeof hi, path);
        rc = db_one_int(db, &session,
                        "INSERT INTO review_session (org_id, year, held_on, title, state, closed_at, created_at,"
                        " updated_at) VALUES (?, ?, ?, ?, 'closed', ?, ?, ?) RETURNING id",
                        "iittiii", org, (int64_t)year, held, title, w->now, w->now, w->now);
        json_t *cadres = rc == DB_OK ? db_rows_json(db,
                                                    "SELECT c.id, c.org_id FROM cadre c JOIN org o ON o.id = c.org_id"
                                                    " WHERE c.post = '书记' AND o.level = 'street' AND o.path >= ?"
                                                    " AND o.path < ? ORDER BY c.id",
                                                    "tt", path, hi)
                                     : NULL;
        int64_t delegates[DEMO_DELEGATES];
        char codes[DEMO_DELEGATES][CODE_LEN + 1];
        for (int k = 0; rc == DB_OK && k < DEMO_DELEGATES; k++) {
            char name[32], hash[65];
            snprintf(name, sizeof name, "代表%02d号", k + 1);
            code_new(codes[k]);
            code_hash(w->keys, codes[k], hash);
            rc = db_one_int(db, &delegates[k],
                            "INSERT INTO review_delegate (session_id, name, code_hash, created_at) VALUES (?, ?, ?, ?)"
                            " RETURNING id",
                            "itti", session, name, hash, w->now);
        }
        size_t k;
        json_t *c;
        json_array_foreach(cadres, k, c) {
            if (rc != DB_OK)
                break;
            int64_t reporter = 0, n[NGRADES] = {0};
            rc = db_one_int(db, &reporter,
                            "INSERT INTO review_reporter (session_id, cadre_id, org_id, report, rectification, comment,"
                            " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                            "iiitttii", session, json_integer_value(json_object_get(c, "id")),
                            json_integer_value(json_object_get(c, "org_id")),
                            "一年来，认真履行抓基层党建第一责任人职责，推进支部标准化规范化建设，抓党建促基层治理取得新成效。",
                            "上年度述职评议指出的3个问题已整改到位2个，1个持续推进中。",
                            "工作思路清晰，重点任务推进有力；要在发挥党员作用、整改销号上持续用力。", w->now, w->now);
            int delegates_voting = DEMO_DELEGATES - (int)review_below(6);
            if (rc == DB_OK)
                rc = demo_ballots(db, w, reporter, delegates, codes, delegates_voting, (int)review_below(4));
            if (rc == DB_OK && review_below(3) == 0)
                rc = db_exec(db, NULL,
                             "INSERT INTO review_question (reporter_id, question, answer, asked_at, answered_at)"
                             " VALUES (?, ?, ?, ?, ?)",
                             "ittii", reporter, "软弱涣散村（社区）党组织整顿进展如何？",
                             "已逐一制定整顿方案，派驻第一书记，年底前全部转化提升。", w->now, w->now);
            /* The count, as the close makes it, confirmed as proposed. */
            char *box = rc == DB_OK ? box_of(db, reporter, &rc) : NULL;
            if (box)
                box_count(box, n);
            free(box);
            char proposed[16] = "";
            json_t *count = rc == DB_OK ? review_count(db, org, year, n, DEMO_DELEGATES, proposed, &rc) : NULL;
            char *text = count ? json_dumps(count, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
            json_decref(count);
            if (rc == DB_OK && text)
                rc = db_exec(db, NULL,
                             "UPDATE review_reporter SET counted = ?, proposed_grade = ?, final_grade = ?,"
                             " confirmed_at = ? WHERE id = ?",
                             "tttii", text, proposed[0] ? proposed : NULL, proposed[0] ? proposed : NULL, w->now,
                             reporter);
            free(text);
        }
        json_decref(cadres);
        sodium_memzero(codes, sizeof codes);
    }
    json_decref(districts);
    return rc;
}
