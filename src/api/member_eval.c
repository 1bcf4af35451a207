/* 民主评议党员: the yearly democratic evaluation of party members. A round per
 * party organisation (a branch) and year holds an entry per member it had when
 * it opened; each entry takes its steps in order (core/evalrule.c): the
 * member's self-assessment, the tally of the peers' grades, the branch's grade
 * and the org's decision (the final grade), and after a 不合格 decision its
 * follow-up (限期改正 / 劝退 / 除名, recorded, never automatic). A 预备党员
 * takes part in the first two steps and is not graded. 优秀 is decided for at
 * most the share of the round's graded (full) members that the norm
 * member_eval.excellent_share gives. See docs/member-evaluation.md. */
#include "api/handlers.h"
#include "api/internal.h"
#include "api/list.h"
#include "api/op.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/evalrule.h"
#include "core/role.h"
#include "lib/util.h"

#define EVAL_READ PERM_PARTY_READ
#define EVAL_WRITE PERM_PARTY_WRITE
#define EVAL_SHARE_KEY "member_eval.excellent_share"

const char *const member_eval_grades[] = {"excellent", "qualified", "basic", "unqualified", NULL};
const char *const member_eval_steps[] = {"self", "peer", "branch", "decision", "follow_up", NULL};
const char *const member_eval_follow_ups[] = {"rectify", "persuade", "expel", NULL};
const char *const member_eval_round_states[] = {"open", "closed", NULL};

/* ---------------------------------------------------------------- entries */

/* An entry with its round: what the rules and the scope need. */
typedef struct {
    int64_t id, round, person, org, year, version;
    int probationary, open;
    eval_step_t done;
    char grade[16];
    char path[ACCESS_PATH_MAX];
} entry_at_t;

static int entry_load(db_t *db, int64_t id, entry_at_t *e)
{
    memset(e, 0, sizeof *e);
    db_stmt_t *st = db_q(db,
                         "SELECT e.round_id, e.person_id, r.org_id, r.year, e.version, e.probationary, r.state,"
                         " e.step, COALESCE(e.grade, '') FROM member_eval e"
                         " JOIN member_eval_round r ON r.id = e.round_id WHERE e.id = ?",
                         "i", id);
    if (st == NULL)
        return DB_ERR;
    int rc = db_step(st);
    if (rc == DB_ROW) {
        e->id = id;
        e->round = db_col_int(st, 0);
        e->person = db_col_int(st, 1);
        e->org = db_col_int(st, 2);
        e->year = db_col_int(st, 3);
        e->version = db_col_int(st, 4);
        e->probationary = (int)db_col_int(st, 5);
        e->open = strcmp(db_col_text(st, 6), "open") == 0;
        e->done = eval_step_from_name(db_col_text(st, 7));
        str_copy(e->grade, sizeof e->grade, db_col_text(st, 8));
        rc = DB_OK;
    } else if (rc == DB_DONE) {
        rc = DB_NOTFOUND;
    }
    db_done(st);
    if (rc == DB_OK)
        rc = org_brief(db, e->org, e->path, sizeof e->path, NULL, 0);
    return rc;
}

/* An entry is seen by staff over its round's node and by its member. */
static int entry_scope(db_t *db, const principal_t *who, int64_t id, int64_t *org)
{
    entry_at_t e;
    int rc = entry_load(db, id, &e);
    if (rc != DB_OK)
        return rc;
    *org = e.org;
    return access_covers(who, EVAL_READ, e.path) || (who->person_id > 0 && who->person_id == e.person) ? DB_OK
                                                                                                       : DB_NOTFOUND;
}

/* May who record step s on e (the rules aside)? The self-assessment is the
 * member's own or their branch staff's; every other step is the staff's. */
static int entry_actor(const principal_t *who, const entry_at_t *e, eval_step_t s)
{
    if (s == EVS_SELF && who->person_id > 0 && who->person_id == e->person)
        return 1;
    return access_covers(who, EVAL_WRITE, e->path);
}

/* The steps who may record on e now. */
static json_t *entry_can(const principal_t *who, const entry_at_t *e)
{
    json_t *steps = json_array();
    for (int s = 0; e->open && s < EVS_COUNT; s++)
        if (eval_step_check((eval_step_t)s, e->done, e->probationary, strcmp(e->grade, "unqualified") == 0) == EVR_OK &&
            entry_actor(who, e, (eval_step_t)s))
            json_array_append_new(steps, json_string(eval_step_name((eval_step_t)s)));
    return steps;
}

#define ENTRY_COLUMNS                                                                                                  \
    "SELECT e.id, e.round_id, e.person_id, p.name AS member_name, e.probationary AS is_probationary, e.step,"         \
    " e.self_text, e.self_at, e.peer_excellent, e.peer_qualified, e.peer_basic, e.peer_unqualified, e.peer_at,"       \
    " e.branch_grade, e.branch_at, e.grade, e.decided_at, e.follow_up, e.follow_up_note, e.follow_up_at,"            \
    " e.updated_at, e.version"
/* With the round's year, state and party organisation. */
#define ENTRY_ROUND                                                                                                    \
    ", r.year, r.state AS round_state, po.name AS party_org_name FROM member_eval e"                                 \
    " JOIN person p ON p.id = e.person_id JOIN member_eval_round r ON r.id = e.round_id"                             \
    " JOIN party_org po ON po.id = r.party_org_id"

/* A finished entry row of a round at path, open or not: the steps open to who. */
static void entry_row(const principal_t *who, json_t *row, const char *path, int open)
{
    entry_at_t e = {0};
    const char *grade = json_string_value(json_object_get(row, "grade"));
    e.person = json_integer_value(json_object_get(row, "person_id"));
    e.probationary = json_is_true(json_object_get(row, "probationary"));
    e.open = open;
    e.done = eval_step_from_name(json_string_value(json_object_get(row, "step")));
    str_copy(e.grade, sizeof e.grade, grade ? grade : "");
    str_copy(e.path, sizeof e.path, path);
    json_object_set_new(row, "can", entry_can(who, &e));
}

/* An entry as answered (its round's year, state and party organisation, what
 * who may do); NULL when missing. */
static json_t *entry_json(db_t *db, const principal_t *who, int64_t id)
{
    entry_at_t e;
    if (entry_load(db, id, &e) != DB_OK)
        return NULL;
    json_t *o = db_row_one_json(db, ENTRY_COLUMNS ENTRY_ROUND " WHERE e.id = ?", "i", id);
    if (o)
        entry_row(who, o, e.path, e.open);
    return o;
}

/* ---------------------------------------------------------------- the 优秀 cap */

/* The cap of round in year at node org: {graded, excellent, max, share} (max
 * and share null where no norm applies). NULL on a storage error. */
static json_t *round_cap(db_t *db, int64_t round, int64_t org, int64_t year)
{
    json_t *c = db_row_one_json(db,
                                "SELECT COALESCE(SUM(CASE WHEN probationary = 0 THEN 1 ELSE 0 END), 0) AS graded,"
                                " COALESCE(SUM(CASE WHEN grade = 'excellent' THEN 1 ELSE 0 END), 0) AS excellent,"
                                " COALESCE(SUM(CASE WHEN branch_grade = 'excellent' AND grade IS NULL THEN 1 ELSE 0 END), 0)"
                                " AS excellent_proposed FROM member_eval WHERE round_id = ?",
                                "i", round);
    if (c == NULL)
        return NULL;
    json_t *share = NULL;
    int rc = norm_get(db, EVAL_SHARE_KEY, org, (int)year, &share);
    if (rc == DB_OK) {
        long num = (long)json_number_value(json_object_get(share, "excellent"));
        long den = (long)json_number_value(json_object_get(share, "graded"));
        json_object_set_new(c, "max", json_integer(eval_excellent_max(json_integer_value(json_object_get(c, "graded")),
                                                                      num, den)));
        json_object_set_new(c, "share", share);
    } else if (rc == DB_NOTFOUND) {
        json_object_set_new(c, "max", json_null());
        json_object_set_new(c, "share", json_null());
    } else {
        json_decref(c);
        return NULL;
    }
    return c;
}

/* ---------------------------------------------------------------- rounds */

#define ROUND_COLUMNS                                                                                                  \
    "SELECT r.id, r.party_org_id, po.name AS party_org_name, r.org_id, o.name AS org_name, r.year, r.state,"          \
    " r.closed_at, r.created_at, r.updated_at, r.version,"                                                           \
    " (SELECT COUNT(*) FROM member_eval e WHERE e.round_id = r.id) AS members,"                                       \
    " (SELECT COUNT(*) FROM member_eval e WHERE e.round_id = r.id AND e.grade IS NOT NULL) AS decided"
#define ROUND_FROM " FROM member_eval_round r JOIN party_org po ON po.id = r.party_org_id JOIN org o ON o.id = r.org_id"

/* How many entries of round lack their last step (0: it may close). */
static int round_unfinished(db_t *db, int64_t round, int64_t *n)
{
    return db_one_int(db, n,
                      "SELECT COUNT(*) FROM member_eval WHERE round_id = ? AND (step IS NULL OR (probationary = 1 AND"
                      " step = 'self') OR (probationary = 0 AND step NOT IN ('decision', 'follow_up')))",
                      "i", round);
}

/* A round with its entries, its cap and what who may do; NULL when missing. */
static json_t *round_json(db_t *db, const principal_t *who, int64_t id)
{
    json_t *o = db_row_one_json(db, ROUND_COLUMNS ROUND_FROM " WHERE r.id = ?", "i", id);
    if (o == NULL)
        return NULL;
    json_t *entries = db_rows_json(db,
                                   ENTRY_COLUMNS " FROM member_eval e JOIN person p ON p.id = e.person_id"
                                   " WHERE e.round_id = ? ORDER BY e.probationary, p.name, e.id",
                                   "i", id);
    json_t *cap = round_cap(db, id, json_integer_value(json_object_get(o, "org_id")),
                            json_integer_value(json_object_get(o, "year")));
    char path[ACCESS_PATH_MAX];
    int64_t unfinished = 0;
    if (entries == NULL || cap == NULL ||
        org_brief(db, json_integer_value(json_object_get(o, "org_id")), path, sizeof path, NULL, 0) != DB_OK ||
        round_unfinished(db, id, &unfinished) != DB_OK) {
        json_decref(o);
        json_decref(entries);
        json_decref(cap);
        return NULL;
    }
    size_t i;
    json_t *row;
    int open = strcmp(json_string_value(json_object_get(o, "state")), "open") == 0;
    json_array_foreach(entries, i, row) entry_row(who, row, path, open);
    json_object_set_new(o, "entries", entries);
    json_object_set_new(o, "cap", cap);
    json_object_set_new(o, "unfinished", json_integer(unfinished));
    json_object_set_new(o, "can", json_pack("{s:b}", "close", open && unfinished == 0 && access_covers(who, EVAL_WRITE, path)));
    return o;
}

static int answer_round(db_t *db, const write_ctx_t *w, int rc, int64_t id, int status, api_reply_t *rep)
{
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    json_t *o = round_json(db, &w->who, id);
    return o ? api_json(rep, status, o) : api_db_error(rep, w->lang, DB_ERR, NULL);
}

typedef struct {
    uint64_t given;
    int64_t party_org_id;
    int64_t year;
} round_in_t;

static const field_t round_fields[] = {
    IN(round_in_t, party_org_id, F_INT, 1, 1, INT64_MAX, NULL),
    IN(round_in_t, year, F_INT, 1, 2000, 2100, NULL),
    FIELDS_END,
};

/* Open a round of a party organisation for a year (not after this year) with
 * the members it has now, each with their status (预备: not graded). */
static int round_create_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    round_in_t in = {0};
    api_input_fill(round_fields, data, &in);
    int64_t org = 0, n = 0, id = 0;
    int rc = db_one_int(db, &org, "SELECT org_id FROM party_org WHERE id = ?", "i", in.party_org_id);
    if (rc == DB_OK && access_org(db, &w->who, EVAL_WRITE, org, NULL, 0) != DB_OK)
        rc = DB_NOTFOUND;
    if (rc == DB_NOTFOUND)
        return api_fail(rep, w->lang, E_REFERENCE_NOT_FOUND, "party_org_id");
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    if (in.year > api_today_ymd() / 10000)
        return api_fail(rep, w->lang, E_EVAL_YEAR_AHEAD, "year");
    rc = db_one_int(db, &n, "SELECT COUNT(*) FROM member_eval_round WHERE party_org_id = ? AND year = ?", "ii",
                    in.party_org_id, in.year);
    if (rc == DB_OK && n > 0)
        return api_fail(rep, w->lang, E_EVAL_ROUND_TAKEN, "year");
    if (rc == DB_OK)
        rc = db_one_int(db, &n, "SELECT COUNT(*) FROM party_member WHERE party_org_id = ?", "i", in.party_org_id);
    if (rc == DB_OK && n == 0)
        return api_fail(rep, w->lang, E_EVAL_NO_MEMBERS, "party_org_id");
    if (rc == DB_OK)
        rc = db_one_int(db, &id,
                        "INSERT INTO member_eval_round (party_org_id, org_id, year, created_by, created_at, updated_at)"
                        " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                        "iiiIii", in.party_org_id, org, in.year, w->who.user_id, w->now, w->now);
    if (rc == DB_UNIQUE)
        return api_fail(rep, w->lang, E_EVAL_ROUND_TAKEN, "year");
    if (rc == DB_OK)
        rc = db_exec(db, NULL,
                     "INSERT INTO member_eval (round_id, person_id, probationary, updated_at)"
                     " SELECT ?, person_id, CASE WHEN status = '预备' THEN 1 ELSE 0 END, ? FROM party_member"
                     " WHERE party_org_id = ?",
                     "iii", id, w->now, in.party_org_id);
    if (rc == DB_OK)
        rc = audit_append(db, w, "member_eval_round.created", "member_eval_round", id, org, data);
    return answer_round(db, w, rc, id, 201, rep);
}

DEFER_BODY(member_eval_round_create, round_create_write)

static int member_eval_round_get(api_req_t *req, api_reply_t *rep)
{
    json_t *o = round_json(req->db, req->who, req->params[0]);
    return o ? api_json(rep, 200, o) : api_db_error(rep, req->lang, DB_NOTFOUND, "member_eval_round");
}

typedef struct {
    uint64_t given;
    int64_t version;
} close_in_t;

static const field_t close_fields[] = {
    IN(close_in_t, version, F_INT, 1, 1, INT64_MAX, NULL),
    FIELDS_END,
};

/* Close a round once every entry has its last step. */
static int round_close_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    int64_t org = 0, unfinished = 0;
    char state[16] = "";
    int rc = api_entity_org(db, w, &org);
    if (rc == DB_OK)
        rc = db_one_text(db, state, sizeof state, "SELECT state FROM member_eval_round WHERE id = ?", "i", w->id);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "member_eval_round");
    if (access_org(db, &w->who, EVAL_WRITE, org, NULL, 0) != DB_OK)
        return api_fail(rep, w->lang, E_FORBIDDEN, "version");
    if (strcmp(state, "open") != 0)
        return api_fail(rep, w->lang, E_EVAL_ROUND_CLOSED, "version");
    if (api_check_version(db, w, "SELECT version FROM member_eval_round WHERE id = ?", w->id, data, rep) != 0)
        return -1;
    rc = round_unfinished(db, w->id, &unfinished);
    if (rc == DB_OK && unfinished > 0)
        return api_failf(rep, w->lang, E_EVAL_ROUND_UNFINISHED, "entries", (long)unfinished);
    if (rc == DB_OK)
        rc = db_exec(db, NULL,
                     "UPDATE member_eval_round SET state = 'closed', closed_at = ?, updated_at = ?, version = version + 1"
                     " WHERE id = ?",
                     "iii", w->now, w->now, w->id);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "member_eval_round.closed", "member_eval_round", w->id, org, json_object());
    return answer_round(db, w, rc, w->id, 200, rep);
}

DEFER_BODY(member_eval_round_close, round_close_write)

static const field_t round_query[] = {
    {"org", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"year", F_INT, 0, 2000, 2100, NULL, 0},
    {"party_org_id", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"state", F_ENUM, 0, 0, 0, member_eval_round_states, 0},
    FIELDS_END,
};

static const api_sort_t round_sorts[] = {
    {"year", "r.year", 0, NULL},
    {"party_org_name", "po.name", 0, NULL},
    {NULL, NULL, 0, NULL},
};

/* GET /api/v1/member-evaluations: the rounds of the node's subtree (?org=, else
 * the caller's scope), ?year=, ?party_org_id=, ?state=. */
static int member_eval_round_list(api_req_t *req, api_reply_t *rep)
{
    api_list_t l;
    int64_t org = 0, v = 0;
    char lo[ACCESS_PATH_MAX], hi[ACCESS_PATH_MAX];
    api_query_int(req, "org", 0, 1, INT64_MAX, &org);
    int rc = access_list_range(req->db, req->who, EVAL_READ, org, lo, hi);
    if (rc != DB_OK)
        return api_db_error(rep, req->lang, rc, "org");
    api_list_begin(&l, ROUND_COLUMNS, ROUND_FROM, "r.id", NULL);
    api_list_where(&l, "o.path >= ? AND o.path < ?", "tt", lo, hi);
    if (api_query_int(req, "year", 0, 2000, 2100, &v) == 0 && v)
        api_list_where(&l, "r.year = ?", "i", v);
    v = 0;
    if (api_query_int(req, "party_org_id", 0, 1, INT64_MAX, &v) == 0 && v)
        api_list_where(&l, "r.party_org_id = ?", "i", v);
    char *state = api_query(req, "state");
    if (state)
        api_list_where(&l, "r.state = ?", "t", state);
    free(state);
    return api_list_answer(req, rep, &l);
}

/* ---------------------------------------------------------------- steps */

typedef struct {
    uint64_t given;
    const char *step;
    const char *text;
    int64_t peer_excellent, peer_qualified, peer_basic, peer_unqualified;
    const char *grade;
    const char *follow_up;
    const char *note;
    int64_t version;
} step_in_t;

static const field_t step_fields[] = {
    IN(step_in_t, step, F_ENUM, 1, 0, 0, member_eval_steps),
    IN(step_in_t, text, F_BLOCK, 0, 1, 2000, NULL),
    IN(step_in_t, peer_excellent, F_INT, 0, 0, 10000, NULL),
    IN(step_in_t, peer_qualified, F_INT, 0, 0, 10000, NULL),
    IN(step_in_t, peer_basic, F_INT, 0, 0, 10000, NULL),
    IN(step_in_t, peer_unqualified, F_INT, 0, 0, 10000, NULL),
    IN(step_in_t, grade, F_ENUM, 0, 0, 0, member_eval_grades),
    IN(step_in_t, follow_up, F_ENUM, 0, 0, 0, member_eval_follow_ups),
    IN(step_in_t, note, F_BLOCK, 0, 1, 1000, NULL),
    IN(step_in_t, version, F_INT, 1, 1, INT64_MAX, NULL),
    FIELDS_END,
};

/* The field a step needs that the input lacks, or NULL. */
static const char *step_missing(const step_in_t *in, eval_step_t s)
{
    switch (s) {
    case EVS_SELF:
        return in->text ? NULL : "text";
    case EVS_PEER:
        for (int i = 2; i <= 5; i++)
            if (!IN_GIVEN(in, step_fields, i))
                return step_fields[i].name;
        return NULL;
    case EVS_BRANCH:
    case EVS_DECISION:
        return in->grade ? NULL : "grade";
    case EVS_FOLLOW_UP:
        return in->follow_up ? NULL : "follow_up";
    default:
        return "step";
    }
}

/* A 优秀 decision within the cap of e's round: 0, or -1 with rep set. */
static int excellent_within_cap(db_t *db, const write_ctx_t *w, const entry_at_t *e, api_reply_t *rep)
{
    json_t *cap = round_cap(db, e->round, e->org, e->year);
    if (cap == NULL)
        return api_db_error(rep, w->lang, DB_ERR, NULL);
    int refused = 0;
    long graded = (long)json_integer_value(json_object_get(cap, "graded"));
    long max = (long)json_integer_value(json_object_get(cap, "max"));
    if (json_is_null(json_object_get(cap, "max")))
        refused = api_fail(rep, w->lang, E_EVAL_CAP_NORM, "grade");
    else if (json_integer_value(json_object_get(cap, "excellent")) + 1 > max)
        refused = api_failf(rep, w->lang, E_EVAL_EXCELLENT_CAP, "grade", max, graded);
    json_decref(cap);
    return refused;
}

static int step_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    step_in_t in = {0};
    api_input_fill(step_fields, data, &in);
    entry_at_t e;
    int rc = entry_load(db, w->id, &e); /* the scope again, as this transaction sees it */
    if (rc == DB_OK && !access_covers(&w->who, EVAL_READ, e.path) && w->who.person_id != e.person)
        rc = DB_NOTFOUND;
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "member_eval");
    eval_step_t s = eval_step_from_name(in.step);
    if (!e.open)
        return api_fail(rep, w->lang, E_EVAL_ROUND_CLOSED, "step");
    if (!entry_actor(&w->who, &e, s))
        return api_fail(rep, w->lang, E_FORBIDDEN, "step");
    switch (eval_step_check(s, e.done, e.probationary, strcmp(e.grade, "unqualified") == 0)) {
    case EVR_OK:
        break;
    case EVR_NOT_GRADED:
        return api_fail(rep, w->lang, E_EVAL_NOT_GRADED, "grade");
    case EVR_NO_FOLLOW_UP:
        return api_fail(rep, w->lang, E_EVAL_NO_FOLLOW_UP, "follow_up");
    case EVR_LATE:
        return api_fail(rep, w->lang, E_EVAL_STEP_LATE, "step");
    default:
        return api_fail(rep, w->lang, E_EVAL_STEP_EARLY, "step");
    }
    const char *missing = step_missing(&in, s);
    if (missing)
        return api_fail(rep, w->lang, E_FIELD_REQUIRED, missing);
    if (api_check_version(db, w, "SELECT version FROM member_eval WHERE id = ?", e.id, data, rep) != 0)
        return -1;
    if (s == EVS_DECISION && strcmp(in.grade, "excellent") == 0 && excellent_within_cap(db, w, &e, rep) != 0)
        return -1;
    const char *set = NULL;
    switch (s) {
    case EVS_SELF:
        rc = db_exec(db, NULL, "UPDATE member_eval SET self_text = ?, self_at = ? WHERE id = ?", "tii", in.text, w->now,
                     e.id);
        break;
    case EVS_PEER:
        rc = db_exec(db, NULL,
                     "UPDATE member_eval SET peer_excellent = ?, peer_qualified = ?, peer_basic = ?,"
                     " peer_unqualified = ?, peer_at = ? WHERE id = ?",
                     "iiiiii", in.peer_excellent, in.peer_qualified, in.peer_basic, in.peer_unqualified, w->now, e.id);
        break;
    case EVS_BRANCH:
        rc = db_exec(db, NULL, "UPDATE member_eval SET branch_grade = ?, branch_at = ? WHERE id = ?", "tii", in.grade,
                     w->now, e.id);
        set = in.grade;
        break;
    case EVS_DECISION:
        rc = db_exec(db, NULL, "UPDATE member_eval SET grade = ?, decided_at = ?, decided_by = ? WHERE id = ?", "tiIi",
                     in.grade, w->now, w->who.user_id, e.id);
        set = in.grade;
        break;
    default:
        rc = db_exec(db, NULL, "UPDATE member_eval SET follow_up = ?, follow_up_note = ?, follow_up_at = ? WHERE id = ?",
                     "ttii", in.follow_up, in.note, w->now, e.id);
        set = in.follow_up;
        break;
    }
    if (rc == DB_OK)
        rc = db_exec(db, NULL, "UPDATE member_eval SET step = ?, updated_at = ?, version = version + 1 WHERE id = ?",
                     "tii", eval_step_name(s), w->now, e.id);
    /* No assessment or note text: free text may hold personal details. */
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "member_eval.stepped", "member_eval", e.id, e.org,
                              json_pack("{s:s, s:s?, s:b}", "step", in.step, "value", set, "by_member",
                                        w->who.person_id > 0 && w->who.person_id == e.person));
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    json_t *o = entry_json(db, &w->who, e.id);
    return o ? api_json(rep, 200, o) : api_db_error(rep, w->lang, DB_ERR, NULL);
}

DEFER_BODY(member_eval_step, step_write)

static int member_eval_get(api_req_t *req, api_reply_t *rep)
{
    json_t *o = entry_json(req->db, req->who, req->params[0]);
    return o ? api_json(rep, 200, o) : api_db_error(rep, req->lang, DB_NOTFOUND, "member_eval");
}

/* ---------------------------------------------------------------- the member's own */

/* GET /api/v1/my/evaluation: the caller's own evaluations, latest year first
 * (each with its round's year, state and party organisation), and whether the
 * caller is a party member now. Anyone signed in may ask: an account that is
 * no member's gets member false and what it was evaluated in before, if any. */
static int my_evaluation(api_req_t *req, api_reply_t *rep)
{
    int64_t person = req->who->person_id, n = 0;
    int rc = person ? db_one_int(req->db, &n, "SELECT COUNT(*) FROM party_member WHERE person_id = ?", "i", person)
                    : DB_OK;
    json_t *items = db_rows_json(req->db, "SELECT e.id FROM member_eval e JOIN member_eval_round r ON r.id = e.round_id"
                                 " WHERE e.person_id = ? ORDER BY r.year DESC, e.id DESC LIMIT 10",
                                 "i", person);
    if (rc != DB_OK || items == NULL) {
        json_decref(items);
        return api_db_error(rep, req->lang, rc != DB_OK ? rc : DB_ERR, NULL);
    }
    json_t *full = json_array();
    size_t i;
    json_t *row;
    json_array_foreach(items, i, row) {
        json_t *o = entry_json(req->db, req->who, json_integer_value(json_object_get(row, "id")));
        if (o)
            json_array_append_new(full, o);
    }
    json_decref(items);
    return api_json(rep, 200, json_pack("{s:b, s:o}", "member", n > 0, "items", full));
}

/* ---------------------------------------------------------------- figures */

/* The figures of [lo, hi) for year: rounds and rounds closed, members in them,
 * graded (full) members, decided, each grade, the probationary members and the
 * follow-ups decided. */
json_t *member_eval_figures_of(db_t *db, const principal_t *who, const char *lo, const char *hi, int64_t year,
                               const char *today)
{
    (void)who;
    (void)today;
    json_t *r = db_row_one_json(db,
                                "SELECT COUNT(*) AS rounds, COALESCE(SUM(CASE WHEN r.state = 'closed' THEN 1 ELSE 0 END), 0)"
                                " AS rounds_closed FROM member_eval_round r JOIN org o ON o.id = r.org_id"
                                " WHERE o.path >= ? AND o.path < ? AND r.year = ?",
                                "tti", lo, hi, year);
    json_t *e = db_row_one_json(db,
                                "SELECT COUNT(*) AS members,"
                                " COALESCE(SUM(1 - e.probationary), 0) AS graded,"
                                " COALESCE(SUM(e.probationary), 0) AS probationary,"
                                " COALESCE(SUM(CASE WHEN e.grade IS NOT NULL THEN 1 ELSE 0 END), 0) AS decided,"
                                " COALESCE(SUM(CASE WHEN e.grade = 'excellent' THEN 1 ELSE 0 END), 0) AS excellent,"
                                " COALESCE(SUM(CASE WHEN e.grade = 'qualified' THEN 1 ELSE 0 END), 0) AS qualified,"
                                " COALESCE(SUM(CASE WHEN e.grade = 'basic' THEN 1 ELSE 0 END), 0) AS basic,"
                                " COALESCE(SUM(CASE WHEN e.grade = 'unqualified' THEN 1 ELSE 0 END), 0) AS unqualified,"
                                " COALESCE(SUM(CASE WHEN e.follow_up IS NOT NULL THEN 1 ELSE 0 END), 0) AS follow_ups"
                                " FROM member_eval e JOIN member_eval_round r ON r.id = e.round_id"
                                " JOIN org o ON o.id = r.org_id WHERE o.path >= ? AND o.path < ? AND r.year = ?",
                                "tti", lo, hi, year);
    if (r == NULL || e == NULL) {
        json_decref(r);
        json_decref(e);
        return NULL;
    }
    json_object_update(r, e);
    json_decref(e);
    json_object_set_new(r, "excellent_rate", json_rate(json_integer_value(json_object_get(r, "excellent")),
                                                       json_integer_value(json_object_get(r, "decided"))));
    return r;
}

static int member_eval_figures(api_req_t *req, api_reply_t *rep)
{
    return api_subtree_figures(req, rep, EVAL_READ, member_eval_figures_of);
}

/* ---------------------------------------------------------------- the table */

static const entity_t round_entity = {"member_eval_round", "SELECT org_id FROM member_eval_round WHERE id = ?", NULL};
static const entity_t entry_entity = {"member_eval", NULL, entry_scope};

const op_t member_eval_ops[] = {
    {OP(HTTP_GET, "/api/v1/member-evaluations", "member_evaluations.list", PERM(EVAL_READ), RF_PAGED,
        member_eval_round_list),
     .query = round_query, .sorts = round_sorts},
    {OP(HTTP_POST, "/api/v1/member-evaluations", "member_evaluations.create", PERM(EVAL_WRITE), RF_BODY | RF_WRITES,
        member_eval_round_create),
     .body = round_fields},
    {OP(HTTP_GET, "/api/v1/member-evaluations/{id}", "member_evaluations.get", PERM(EVAL_READ), 0,
        member_eval_round_get),
     .entity = &round_entity},
    {OP(HTTP_POST, "/api/v1/member-evaluations/{id}/close", "member_evaluations.close", PERM(EVAL_WRITE),
        RF_BODY | RF_WRITES, member_eval_round_close),
     .body = close_fields, .entity = &round_entity},
    {OP(HTTP_GET, "/api/v1/member-evaluation-entries/{id}", "member_evaluation_entries.get", USER, 0, member_eval_get),
     .entity = &entry_entity},
    {OP(HTTP_POST, "/api/v1/member-evaluation-entries/{id}/steps", "member_evaluation_entries.step", USER,
        RF_BODY | RF_WRITES, member_eval_step),
     .body = step_fields, .entity = &entry_entity},
    {OP(HTTP_GET, "/api/v1/my/evaluation", "my_evaluation.get", USER, 0, my_evaluation)},
    {OP(HTTP_GET, "/api/v1/member-evaluation-figures", "member_evaluation_figures.get", PERM(EVAL_READ), 0,
        member_eval_figures),
     .query = subtree_figures_query},
    OPS_END,
};
