/* Rectification problems (问题清单 / 任务清单 / 责任清单: three views of the
 * same rows). A problem concerns an org and was raised by an org at or above
 * it; the concerned org starts the work and applies for 销号, the raiser (or
 * a node above it, never the concerned org itself) closes it or returns it
 * with a reason (core/rectfsm.c). Past its deadline an open problem gets a
 * 督办 (periodic work of the write pipeline, beside the cases' escalation):
 * at the raiser first, a week later at the raiser's parent. Open problems of
 * a year carry over into the next as new rows linking their original.
 * Figures per node and year: open, overdue, closed, closure rate, repeated.
 * See docs/rectification.md. */
#include "api/handlers.h"
#include "api/op.h"
#include "api/internal.h"
#include "api/list.h"
#include "api/tx.h"
#include "api/problem.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/path.h"
#include "core/rectfsm.h"
#include "core/timefmt.h"
#include "lib/util.h"

const char *const problem_sources[] = {"review_comment", "daily_inspection", "open_inspection", "covert_inspection",
                                       "patrol", "public_report", "carried_over", NULL};
const char *const problem_severities[] = {"minor", "ordinary", "serious", NULL};

static char seen_roles[256];

static void seen_roles_build(void)
{
    size_t n = 0;
    seen_roles[n++] = '|';
    for (int i = 0; role_name_at(i) != NULL; i++) {
        const char *r = role_name_at(i);
        if ((role_perms(r) & PROBLEM_READ) && n + strlen(r) + 2 < sizeof seen_roles)
            n += (size_t)snprintf(seen_roles + n, sizeof seen_roles - n, "%s|", r);
    }
}

const char *inspection_seen_roles(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, seen_roles_build);
    return seen_roles;
}

/* ---------------------------------------------------------------- answers */

#define PROBLEM_COLUMNS                                                                                                \
    "SELECT p.id, p.org_id, o.name AS org_name, p.raised_org_id, r.name AS raised_org_name, p.year, p.source,"        \
    " p.category, p.severity, p.description, p.evidence, p.measure, p.deadline, p.lead_name, p.unit_name,"            \
    " p.person_name, p.state, p.return_reason, p.supervise_level, p.supervise_org_id, p.supervised_at, p.closed_at,"  \
    " p.carried_from_id, p.inspection_id, p.created_at, p.updated_at, p.version,"                                                       \
    " CASE WHEN p.state <> 'closed' AND p.deadline < ? THEN 1 ELSE 0 END AS overdue"
#define PROBLEM_FROM " FROM problem p JOIN org o ON o.id = p.org_id JOIN org r ON r.id = p.raised_org_id"

static void problem_row(json_t *row, void *ctx)
{
    (void)ctx;
    json_t *v = json_object_get(row, "overdue");
    if (v)
        json_object_set_new(row, "overdue", json_boolean(json_integer_value(v) != 0));
}

/* A problem's orgs, their paths and its state, for a write or an answer. */
typedef struct {
    int64_t id, org, raised;
    rect_state_t state;
    char path[ACCESS_PATH_MAX], raised_path[ACCESS_PATH_MAX];
} problem_at_t;

static int problem_load(db_t *db, int64_t id, problem_at_t *p)
{
    char state[16] = "";
    int rc = db_one_int(db, &p->org, "SELECT org_id FROM problem WHERE id = ?", "i", id);
    if (rc == DB_OK)
        rc = db_one_int(db, &p->raised, "SELECT raised_org_id FROM problem WHERE id = ?", "i", id);
    if (rc == DB_OK)
        rc = db_one_text(db, state, sizeof state, "SELECT state FROM problem WHERE id = ?", "i", id);
    if (rc == DB_OK)
        rc = org_brief(db, p->org, p->path, sizeof p->path, NULL, 0);
    if (rc == DB_OK)
        rc = org_brief(db, p->raised, p->raised_path, sizeof p->raised_path, NULL, 0);
    p->id = id;
    p->state = rect_state_from_name(state);
    return rc;
}

/* 1 if who may take action a on problem p: the concerned org's moves need
 * the write permission over it; the raiser's need it over the raiser and a
 * grant strictly above the concerned org (the concerned org never closes its own). */
static int may_move(db_t *db, const principal_t *who, const problem_at_t *p, rect_action_t a)
{
    if (rect_actor(a) == RECT_BY_CONCERNED)
        return access_covers(who, PROBLEM_WRITE, p->path);
    return access_covers(who, PROBLEM_WRITE, p->raised_path) &&
           access_org_above(db, who, PROBLEM_WRITE, p->org) == DB_OK;
}

json_t *problem_json(db_t *db, const principal_t *who, int64_t id)
{
    char today[16];
    date_today(today);
    json_t *row = db_row_one_json(db, PROBLEM_COLUMNS PROBLEM_FROM " WHERE p.id = ?", "ti", today, id);
    if (row == NULL)
        return NULL;
    problem_row(row, NULL);
    json_t *events = db_rows_json(db,
                                  "SELECT e.id, e.action, e.from_state, e.to_state, e.reason, e.at AS moved_at,"
                                  " u.display_name AS by_name FROM problem_event e LEFT JOIN app_user u ON u.id = e.user_id"
                                  " WHERE e.problem_id = ? ORDER BY e.id",
                                  "i", id);
    problem_at_t p;
    if (events == NULL || problem_load(db, id, &p) != DB_OK) {
        json_decref(events);
        json_decref(row);
        return NULL;
    }
    json_t *moves = json_array();
    for (int a = 0; a < RA_COUNT; a++)
        if (rect_next(p.state, (rect_action_t)a) != RS_NONE && may_move(db, who, &p, (rect_action_t)a))
            json_array_append_new(moves, json_string(rect_action_name((rect_action_t)a)));
    json_object_set_new(row, "history", events);
    json_object_set_new(row, "can", json_pack("{s:o}", "moves", moves));
    return row;
}

static int answer_problem(db_t *db, const write_ctx_t *w, int rc, int64_t id, int status, api_reply_t *rep)
{
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    json_t *p = problem_json(db, &w->who, id);
    if (p == NULL)
        return api_db_error(rep, w->lang, DB_ERR, NULL);
    return api_json(rep, status, p);
}

static int event_log(db_t *db, const write_ctx_t *w, int64_t problem, const char *action, const char *from,
                     const char *to, const char *reason)
{
    return db_exec(db, NULL,
                   "INSERT INTO problem_event (problem_id, action, from_state, to_state, reason, at, user_id)"
                   " VALUES (?, ?, ?, ?, ?, ?, ?)",
                   "ittttiI", problem, action, from, to, reason, w->now, w->who.user_id);
}

/* ---------------------------------------------------------------- create */

static const field_t problem_fields[] = {
    IN(problem_in_t, org_id, F_INT, 1, 1, INT64_MAX, NULL),
    IN(problem_in_t, raised_org_id, F_INT, 1, 1, INT64_MAX, NULL),
    IN(problem_in_t, year, F_INT, 1, 2000, 2100, NULL),
    IN(problem_in_t, source, F_ENUM, 1, 0, 0, problem_sources),
    IN(problem_in_t, category, F_TEXT, 0, 1, 64, NULL),
    IN(problem_in_t, severity, F_ENUM, 1, 0, 0, problem_severities),
    IN(problem_in_t, description, F_BLOCK, 1, 1, 2000, NULL),
    IN(problem_in_t, evidence, F_BLOCK, 0, 1, 2000, NULL),
    IN(problem_in_t, measure, F_BLOCK, 1, 1, 2000, NULL),
    IN(problem_in_t, deadline, F_DATE, 1, 20000101, 5, NULL),
    IN(problem_in_t, lead_name, F_TEXT, 0, 1, 64, NULL),
    IN(problem_in_t, unit_name, F_TEXT, 0, 1, 128, NULL),
    IN(problem_in_t, person_name, F_TEXT, 0, 1, 64, NULL),
    FIELDS_END,
};

const field_t problem_finding_fields[] = {
    IN(problem_finding_t, severity, F_ENUM, 1, 0, 0, problem_severities),
    IN(problem_finding_t, category, F_TEXT, 0, 1, 64, NULL),
    IN(problem_finding_t, description, F_BLOCK, 0, 1, 2000, NULL),
    IN(problem_finding_t, measure, F_BLOCK, 1, 1, 2000, NULL),
    IN(problem_finding_t, deadline, F_DATE, 1, 20000101, 5, NULL),
    IN(problem_finding_t, lead_name, F_TEXT, 0, 1, 64, NULL),
    IN(problem_finding_t, unit_name, F_TEXT, 0, 1, 128, NULL),
    IN(problem_finding_t, person_name, F_TEXT, 0, 1, 64, NULL),
    FIELDS_END,
};

void problem_from_finding(const problem_finding_t *f, problem_in_t *p, const char *category, const char *description)
{
    *p = (problem_in_t){
        .category = f->category ? f->category : category,
        .severity = f->severity,
        .description = f->description ? f->description : description,
        .measure = f->measure,
        .deadline = f->deadline,
        .lead_name = f->lead_name,
        .unit_name = f->unit_name,
        .person_name = f->person_name,
    };
}

int problem_insert(db_t *db, const write_ctx_t *w, const problem_in_t *in, int64_t inspection, int64_t *id)
{
    int rc = db_one_int(db, id,
                        "INSERT INTO problem (org_id, raised_org_id, year, source, category, severity, description,"
                        " evidence, measure, deadline, lead_name, unit_name, person_name, inspection_id, created_at,"
                        " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                        "iiittttttttttIii", in->org_id, in->raised_org_id, in->year, in->source, in->category,
                        in->severity, in->description, in->evidence, in->measure, in->deadline, in->lead_name,
                        in->unit_name, in->person_name, inspection, w->now, w->now);
    if (rc == DB_OK)
        rc = event_log(db, w, *id, "raise", "pending", "pending", NULL);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "problem.created", "problem", *id, in->org_id,
                              json_pack("{s:I, s:s, s:s, s:I, s:I}", "raised_org_id", (json_int_t)in->raised_org_id,
                                        "source", in->source, "severity", in->severity, "year", (json_int_t)in->year,
                                        "inspection_id", (json_int_t)inspection));
    return rc;
}

static int problem_create_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    problem_in_t in = {0};
    api_input_fill(problem_fields, data, &in);
    char concerned[ACCESS_PATH_MAX] = "", raiser[ACCESS_PATH_MAX] = "";
    if (api_org_input(db, w, PROBLEM_WRITE, in.raised_org_id, "raised_org_id", rep) != 0)
        return -1;
    int rc = org_brief(db, in.raised_org_id, raiser, sizeof raiser, NULL, 0);
    if (rc == DB_OK && org_brief(db, in.org_id, concerned, sizeof concerned, NULL, 0) == DB_NOTFOUND)
        return api_fail(rep, w->lang, E_ORG_NOT_FOUND, "org_id");
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    /* The raiser speaks of its own subtree only. */
    if (strncmp(concerned, raiser, strlen(raiser)) != 0)
        return api_fail(rep, w->lang, E_PROBLEM_ORG_OUTSIDE, "org_id");
    if (strcmp(in.source, "carried_over") == 0)
        return api_fail(rep, w->lang, E_PROBLEM_SOURCE_CARRIED, "source");
    int64_t id = 0;
    rc = problem_insert(db, w, &in, 0, &id);
    return answer_problem(db, w, rc, id, 201, rep);
}

DEFER_BODY(problem_create, problem_create_write)

static int problem_get(api_req_t *req, api_reply_t *rep)
{
    json_t *p = problem_json(req->db, req->who, req->params[0]);
    if (p == NULL)
        return api_db_error(rep, req->lang, DB_NOTFOUND, "problem");
    return api_json(rep, 200, p);
}

/* ---------------------------------------------------------------- moves */

static const field_t move_fields[] = {
    MOVE_FIELDS(rect_actions),
    FIELDS_END,
};

static int move_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    move_in_t in = {0};
    api_input_fill(move_fields, data, &in);
    problem_at_t p;
    int rc = problem_load(db, w->id, &p);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "problem");
    rect_action_t a = rect_action_from_name(in.action);
    rect_state_t to = rect_next(p.state, a);
    if (to == RS_NONE)
        return api_fail(rep, w->lang, E_PROBLEM_MOVE_NOT_POSSIBLE, "action");
    if (!may_move(db, &w->who, &p, a))
        return api_fail(rep, w->lang, rect_actor(a) == RECT_BY_RAISER ? E_PROBLEM_RAISER_ONLY : E_PROBLEM_CONCERNED_ONLY,
                        "action");
    if (rect_needs_reason(a) && in.reason == NULL)
        return api_fail(rep, w->lang, E_DUTY_REASON_REQUIRED, "reason");
    if (api_check_version(db, w, "SELECT version FROM problem WHERE id = ?", p.id, data, rep) != 0)
        return -1;
    rc = db_exec(db, NULL,
                 "UPDATE problem SET state = ?, return_reason = ?, closed_at = CASE WHEN ? = 1 THEN ? ELSE closed_at END,"
                 " updated_at = ?, version = version + 1 WHERE id = ?",
                 "ttiiii", rect_state_name(to), a == RA_RETURN ? in.reason : NULL, (int64_t)(to == RS_CLOSED), w->now,
                 w->now, p.id);
    if (rc == DB_OK)
        rc = event_log(db, w, p.id, in.action, rect_state_name(p.state), rect_state_name(to), in.reason);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "problem.moved", "problem", p.id, p.org,
                              json_pack("{s:s, s:s, s:s}", "action", in.action, "from", rect_state_name(p.state), "to",
                                        rect_state_name(to)));
    return answer_problem(db, w, rc, p.id, 200, rep);
}

DEFER_BODY(problem_move, move_write)

/* ---------------------------------------------------------------- carry-over */

typedef struct {
    uint64_t given;
    int64_t org_id;
    int64_t year;
} carry_in_t;

static const field_t carry_fields[] = {
    IN(carry_in_t, org_id, F_INT, 1, 1, INT64_MAX, NULL),
    IN(carry_in_t, year, F_INT, 1, 2000, 2099, NULL),
    FIELDS_END,
};

/* Every problem of year still open that org_id raised (or a node below it
 * raised) becomes a problem of the next year, source carried_over, linking
 * its original; the original stays as it was in its own year's list. Once
 * only: a problem carried already is not carried again. */
static int carry_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    carry_in_t in = {0};
    api_input_fill(carry_fields, data, &in);
    char lo[ACCESS_PATH_MAX], hi[ACCESS_PATH_MAX];
    if (api_org_input(db, w, PROBLEM_WRITE, in.org_id, "org_id", rep) != 0)
        return -1;
    int rc = org_brief(db, in.org_id, lo, sizeof lo, NULL, 0);
    if (rc == DB_OK && path_subtree_upper(hi, sizeof hi, lo) != 0)
        rc = DB_ERR;
    int64_t carried = 0;
    if (rc == DB_OK)
        rc = db_exec(db, &carried,
                     "INSERT INTO problem (org_id, raised_org_id, year, source, category, severity, description,"
                     " evidence, measure, deadline, lead_name, unit_name, person_name, state, carried_from_id,"
                     " inspection_id, created_at, updated_at)"
                     " SELECT p.org_id, p.raised_org_id, p.year + 1, 'carried_over', p.category, p.severity,"
                     " p.description, p.evidence, p.measure, p.deadline, p.lead_name, p.unit_name, p.person_name,"
                     " CASE WHEN p.state = 'pending' THEN 'pending' ELSE 'fixing' END, p.id, p.inspection_id, ?, ?"
                     " FROM problem p JOIN org r ON r.id = p.raised_org_id"
                     " WHERE p.year = ? AND p.state <> 'closed' AND r.path >= ? AND r.path < ?"
                     " AND NOT EXISTS (SELECT 1 FROM problem c WHERE c.carried_from_id = p.id) ORDER BY p.id",
                     "iiitt", w->now, w->now, in.year, lo, hi);
    if (rc == DB_OK)
        rc = db_exec(db, NULL,
                     "INSERT INTO problem_event (problem_id, action, from_state, to_state, at, user_id)"
                     " SELECT c.id, 'carry_over', c.state, c.state, ?, ? FROM problem c JOIN org r ON r.id = c.raised_org_id"
                     " WHERE c.year = ? AND c.created_at = ? AND c.carried_from_id IS NOT NULL"
                     " AND r.path >= ? AND r.path < ?"
                     " AND NOT EXISTS (SELECT 1 FROM problem_event e WHERE e.problem_id = c.id)",
                     "iIiitt", w->now, w->who.user_id, in.year + 1, w->now, lo, hi);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "problem.carried_over", "org", in.org_id, in.org_id,
                              json_pack("{s:I, s:I}", "year", (json_int_t)in.year, "carried", (json_int_t)carried));
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    return api_json(rep, 200, json_pack("{s:I, s:I, s:I}", "org_id", (json_int_t)in.org_id, "year",
                                        (json_int_t)(in.year + 1), "carried", (json_int_t)carried));
}

DEFER_BODY(problem_carry, carry_write)

/* ---------------------------------------------------------------- lists */

static const field_t list_query[] = {
    {"org", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"year", F_INT, 0, 2000, 2100, NULL, 0},
    {"state", F_ENUM, 0, 0, 0, rect_states, 0},
    {"source", F_ENUM, 0, 0, 0, problem_sources, 0},
    {"overdue", F_BOOL, 0, 0, 0, NULL, 0},
    {"supervised", F_BOOL, 0, 0, 0, NULL, 0},
    FIELDS_END,
};

/* GET /api/v1/problems: the problems concerning the nodes under ?org= (else
 * the caller's scope), narrowed by year, state, source, overdue and
 * supervised (督办); keyset pages by id with their total. */
static int problem_list(api_req_t *req, api_reply_t *rep)
{
    char today[16], lo[ACCESS_PATH_MAX], hi[ACCESS_PATH_MAX];
    date_today(today);
    int64_t org = 0, year = 0;
    api_query_int(req, "org", 0, 1, INT64_MAX, &org);
    api_query_int(req, "year", 0, 2000, 2100, &year);
    int rc = access_list_range(req->db, req->who, PROBLEM_READ, org, lo, hi);
    if (rc != DB_OK)
        return api_db_error(rep, req->lang, rc, "org");
    api_list_t l;
    api_list_begin(&l, PROBLEM_COLUMNS, PROBLEM_FROM, "p.id", NULL);
    l.column_arg = today;
    l.row = problem_row;
    api_list_where(&l, "o.path >= ? AND o.path < ?", "tt", lo, hi);
    api_list_where(&l, INSPECTION_SEEN("p.inspection_id"), SEEN_TYPES, req->who->user_id, req->who->user_id,
                   inspection_seen_roles());
    if (year)
        api_list_where(&l, "p.year = ?", "i", year);
    char *state = api_query(req, "state"), *source = api_query(req, "source");
    int64_t overdue = 0, supervised = 0;
    api_query_int(req, "overdue", 0, 0, 1, &overdue);
    api_query_int(req, "supervised", 0, 0, 1, &supervised);
    if (state)
        api_list_where(&l, "p.state = ?", "t", state);
    if (source)
        api_list_where(&l, "p.source = ?", "t", source);
    if (overdue)
        api_list_where(&l, "p.state <> 'closed' AND p.deadline < ?", "t", today);
    if (supervised)
        api_list_where(&l, "p.state <> 'closed' AND p.supervise_level > 0", "");
    free(state);
    free(source);
    return api_list_answer(req, rep, &l);
}

/* ---------------------------------------------------------------- figures */

/* The figures of the problems of year concerning [lo, hi). A repeated
 * problem: one whose org and category another problem of the same year
 * shares (both count); problems without a category never repeat. */
json_t *problem_figures_of(db_t *db, const principal_t *who, const char *lo, const char *hi, int64_t year,
                       const char *today)
{
    json_t *f = db_row_one_json(
        db,
        "SELECT COUNT(*) AS problems,"
        " COALESCE(SUM(CASE WHEN p.state <> 'closed' THEN 1 ELSE 0 END), 0) AS open,"
        " COALESCE(SUM(CASE WHEN p.state <> 'closed' AND p.deadline < ? THEN 1 ELSE 0 END), 0) AS overdue,"
        " COALESCE(SUM(CASE WHEN p.state <> 'closed' AND p.supervise_level > 0 THEN 1 ELSE 0 END), 0) AS supervised,"
        " COALESCE(SUM(CASE WHEN p.state = 'closed' THEN 1 ELSE 0 END), 0) AS closed,"
        " COALESCE(SUM(CASE WHEN p.category IS NOT NULL AND EXISTS (SELECT 1 FROM problem q WHERE q.id <> p.id"
        " AND q.org_id = p.org_id AND q.year = p.year AND q.category = p.category) THEN 1 ELSE 0 END), 0) AS repeated"
        " FROM problem p JOIN org o ON o.id = p.org_id WHERE o.path >= ? AND o.path < ? AND p.year = ?"
        " AND " INSPECTION_SEEN("p.inspection_id"),
        "tttiiit", today, lo, hi, year, who->user_id, who->user_id, inspection_seen_roles());
    if (f == NULL)
        return NULL;
    int64_t all = json_integer_value(json_object_get(f, "problems"));
    int64_t closed = json_integer_value(json_object_get(f, "closed"));
    json_object_set_new(f, "closure_rate", json_rate(closed, all));
    return f;
}

/* GET /api/v1/problem-figures?org=&year=: the node's subtree's figures and each child's. */
static int problem_figures(api_req_t *req, api_reply_t *rep)
{
    return api_subtree_figures(req, rep, PROBLEM_READ, problem_figures_of);
}

/* ---------------------------------------------------------------- the inbox */

/* The inbox's part of problems: open problems past their deadline (or under
 * 督办) that concern a node under the caller's party.write grant, or whose
 * 督办 sits there: {count, items (the first 20, oldest deadline first)}, or NULL. */
json_t *problem_inbox(db_t *db, const principal_t *who)
{
    char lo[ACCESS_PATH_MAX] = "~", hi[ACCESS_PATH_MAX] = "~", today[16]; /* "~": a range that holds nothing */
    if (access_list_range(db, who, PROBLEM_WRITE, 0, lo, hi) != DB_OK)
        str_copy(lo, sizeof lo, "~"), str_copy(hi, sizeof hi, "~");
    date_today(today);
#define WAITING                                                                                                        \
    PROBLEM_FROM " LEFT JOIN org so ON so.id = p.supervise_org_id WHERE p.state <> 'closed'"                         \
                 " AND (p.deadline < ? OR p.supervise_level > 0)"                                                     \
                 " AND ((o.path >= ? AND o.path < ?) OR (so.path >= ? AND so.path < ?)) AND " INSPECTION_SEEN("p.inspection_id")
    json_t *items = db_rows_json(db, PROBLEM_COLUMNS WAITING " ORDER BY p.deadline, p.id LIMIT 20",
                                 "tttttt" SEEN_TYPES, today, today, lo, hi, lo, hi, who->user_id, who->user_id,
                                 inspection_seen_roles());
    int64_t count = 0;
    if (items == NULL || db_one_int(db, &count, "SELECT COUNT(*)" WAITING, "ttttt" SEEN_TYPES, today, lo, hi, lo, hi,
                                    who->user_id, who->user_id, inspection_seen_roles()) != DB_OK) {
        json_decref(items);
        return NULL;
    }
#undef WAITING
    size_t i;
    json_t *r;
    json_array_foreach(items, i, r) problem_row(r, NULL);
    return json_pack("{s:I, s:o}", "count", (json_int_t)count, "items", items);
}

/* ---------------------------------------------------------------- 督办 */

/* How many days past its deadline a problem's 督办 escalates: the norm
 * problem.escalate_days at its raiser in its year, 7 where none applies. */
int64_t problem_escalate_days(db_t *db, int64_t raiser, int year)
{
    json_t *v = NULL;
    int64_t days = 7;
    if (norm_get(db, "problem.escalate_days", raiser, year, &v) == DB_OK && json_is_number(v))
        days = (int64_t)json_number_value(v);
    json_decref(v);
    return days;
}

/* One pass: open problems past their deadline get a 督办 at the raiser
 * (level 1); past it by the raiser's problem.escalate_days, at the raiser's
 * parent (level 2; a raiser at the top stays at 1). Each level once per
 * problem. How many moved, or -1. */
static int supervise_pass(db_t *db, const write_ctx_t *w, int level)
{
    char today[16];
    date_of(w->now, today);
    json_t *due = db_rows_json(db,
                               "SELECT p.id, p.org_id, p.state, p.raised_org_id, p.year, p.deadline,"
                               " CASE WHEN ? = 1 THEN p.raised_org_id ELSE r.parent_id END AS target"
                               " FROM problem p JOIN org r ON r.id = p.raised_org_id"
                               " WHERE p.state <> 'closed' AND p.deadline < ? AND p.supervise_level = ?"
                               " AND (? = 1 OR r.parent_id IS NOT NULL) ORDER BY p.id LIMIT 1000",
                               "itii", (int64_t)level, today, (int64_t)(level - 1), (int64_t)level);
    if (due == NULL)
        return -1;
    int count = 0, rc = DB_OK;
    size_t i;
    json_t *c;
    json_array_foreach(due, i, c) {
        int64_t id = json_integer_value(json_object_get(c, "id")), org = json_integer_value(json_object_get(c, "org_id"));
        int64_t target = json_integer_value(json_object_get(c, "target"));
        const char *state = json_string_value(json_object_get(c, "state"));
        if (level == 2 &&
            time_days_of_date(today) - time_days_of_date(json_string_value(json_object_get(c, "deadline"))) <=
                problem_escalate_days(db, json_integer_value(json_object_get(c, "raised_org_id")),
                              (int)json_integer_value(json_object_get(c, "year"))))
            continue;
        rc = db_exec(db, NULL,
                     "UPDATE problem SET supervise_level = ?, supervise_org_id = ?, supervised_at = ?,"
                     " version = version + 1, updated_at = ? WHERE id = ?",
                     "iiiii", (int64_t)level, target, w->now, w->now, id);
        if (rc == DB_OK)
            rc = event_log(db, w, id, level == 1 ? "supervise" : "escalate", state, state, NULL);
        if (rc == DB_OK)
            rc = audit_append_new(db, w, "problem.supervised", "problem", id, org,
                                  json_pack("{s:I, s:I}", "level", (json_int_t)level, "to_org", (json_int_t)target));
        if (rc != DB_OK)
            break;
        count++;
    }
    json_decref(due);
    return rc == DB_OK ? count : -1;
}

static int problems_supervise(db_t *db, const write_ctx_t *w)
{
    int a = supervise_pass(db, w, 1);
    int b = a < 0 ? -1 : supervise_pass(db, w, 2);
    return b < 0 ? -1 : a + b;
}

const tx_hooks_t problem_supervision_hooks = {
    .name = "supervised overdue problems",
    .periodic = problems_supervise,
};

/* ---------------------------------------------------------------- the table */

/* A problem the caller sees: its org in scope (party.read), and not hidden by an unpublished 暗访. */
static int problem_scope(db_t *db, const principal_t *who, int64_t id, int64_t *org)
{
    int64_t seen = 0;
    int rc = db_one_int(db, org, "SELECT org_id FROM problem WHERE id = ?", "i", id);
    if (rc == DB_OK)
        rc = access_org(db, who, PROBLEM_READ, *org, NULL, 0);
    if (rc == DB_OK)
        rc = db_one_int(db, &seen, "SELECT COUNT(*) FROM problem p WHERE p.id = ? AND " INSPECTION_SEEN("p.inspection_id"),
                        "i" SEEN_TYPES, id, who->user_id, who->user_id, inspection_seen_roles());
    return rc == DB_OK && !seen ? DB_NOTFOUND : rc;
}

static const entity_t problem_entity = {"problem", NULL, problem_scope};

const op_t problem_ops[] = {
    {OP(HTTP_GET, "/api/v1/problems", "problems.list", PERM(PROBLEM_READ), RF_PAGED, problem_list),
     .query = list_query},
    {OP(HTTP_POST, "/api/v1/problems", "problems.create", PERM(PROBLEM_WRITE), RF_BODY | RF_WRITES, problem_create),
     .body = problem_fields},
    {OP(HTTP_GET, "/api/v1/problems/{id}", "problems.get", PERM(PROBLEM_READ), 0, problem_get),
     .entity = &problem_entity},
    {OP(HTTP_POST, "/api/v1/problems/{id}/moves", "problems.move", PERM(PROBLEM_WRITE), RF_BODY | RF_WRITES,
        problem_move),
     .body = move_fields, .entity = &problem_entity},
    {OP(HTTP_POST, "/api/v1/problem-carry-over", "problems.carry_over", PERM(PROBLEM_WRITE), RF_BODY | RF_WRITES,
        problem_carry),
     .body = carry_fields},
    {OP(HTTP_GET, "/api/v1/problem-figures", "problem_figures.get", PERM(PROBLEM_READ), 0, problem_figures),
     .query = subtree_figures_query},
    OPS_END,
};
