/* 发展党员: a registered person's way into a party branch along the 25 steps
 * of the 2014 细则 (core/partydev.h), each step's record with its date, facts
 * and documents (attachments of kind party_candidate_step). The periods are the
 * norm development.periods at the branch's node in the step's year. The server
 * refuses a step out of order or before its time (today is the server's clock),
 * makes the person a 预备党员 when the higher committee approves the branch's
 * vote (joined_on the vote's day) and a full member when it approves the
 * conversion, and lists what is due next for every candidate of a branch.
 * See docs/party-development.md. */
#include "api/handlers.h"
#include "api/internal.h"
#include "api/list.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/partydev.h"
#include "core/role.h"
#include "core/timefmt.h"

#define PD_READ PERM_PARTY_READ
#define PD_WRITE PERM_PARTY_WRITE

static const char *const pd_states[] = {"active", "joined", "closed", NULL};
static const char *const pd_decisions[] = {"convert", "extend", "cancel", NULL};

/* ---------------------------------------------------------------- the periods */

/* The norm's names, in pd_periods_t's order (periods_at reads them into it). */
const char *const pd_period_names[] = {
    "dev_min_age", "dev_talk_months", "dev_activist_months", "dev_assessment_months", "dev_training_days",
    "dev_training_hours", "dev_publicity_workdays", "dev_approval_months", "dev_approval_months_max",
    "dev_probation_months", "dev_extension_months_min", "dev_extension_months_max", NULL};

/* The periods in force at org in year: DB_OK, DB_NOTFOUND (no norm) or an error. */
static int periods_at(db_t *db, int64_t org, int year, pd_periods_t *p)
{
    json_t *v = NULL;
    int rc = norm_get(db, "development.periods", org, year, &v);
    if (rc != DB_OK)
        return rc;
    int *const slot[] = {&p->min_age,           &p->talk_months,         &p->activist_months,
                         &p->assessment_months, &p->training_days,       &p->training_hours,
                         &p->publicity_workdays, &p->approval_months,    &p->approval_months_max,
                         &p->probation_months,  &p->extension_months_min, &p->extension_months_max};
    for (size_t i = 0; i < sizeof slot / sizeof slot[0] && pd_period_names[i]; i++)
        *slot[i] = (int)json_number_value(json_object_get(v, pd_period_names[i]));
    json_decref(v);
    return DB_OK;
}

/* ---------------------------------------------------------------- a candidate */

typedef struct {
    int64_t id, person, party_org, org, extended_months;
    char state[16];
    pd_state_t s;
} cand_t;

/* A step's record (step, its day, its outcome) into what c has done. */
static void cand_add_step(cand_t *c, int n, const char *done_on, const char *outcome)
{
    if (n < 1 || n > PD_STEPS || strcmp(outcome, "done") != 0)
        return;
    c->s.on[n] = pd_ymd(done_on);
    c->s.assessments += n == PD_STEP_ASSESS;
}

/* The candidate and what it has done: DB_OK, DB_NOTFOUND or an error. */
static int cand_load(db_t *db, int64_t id, cand_t *c)
{
    memset(c, 0, sizeof *c);
    db_stmt_t *st = db_q(db,
                         "SELECT person_id, party_org_id, org_id, step, state, COALESCE(probation_end, ''),"
                         " COALESCE(extended_months, 0) FROM party_candidate WHERE id = ?",
                         "i", id);
    if (st == NULL)
        return DB_ERR;
    int rc = db_step(st);
    if (rc == DB_ROW) {
        c->id = id;
        c->person = db_col_int(st, 0);
        c->party_org = db_col_int(st, 1);
        c->org = db_col_int(st, 2);
        c->s.last = (int)db_col_int(st, 3);
        snprintf(c->state, sizeof c->state, "%s", db_col_text(st, 4));
        c->s.probation_end = pd_ymd(db_col_text(st, 5));
        c->extended_months = db_col_int(st, 6);
        c->s.extended = c->extended_months > 0;
        rc = DB_OK;
    } else if (rc == DB_DONE) {
        rc = DB_NOTFOUND;
    }
    db_done(st);
    if (rc != DB_OK)
        return rc;
    st = db_q(db, "SELECT step, done_on, outcome FROM party_candidate_step WHERE candidate_id = ? ORDER BY id", "i", id);
    if (st == NULL)
        return DB_ERR;
    while ((rc = db_step(st)) == DB_ROW)
        cand_add_step(c, (int)db_col_int(st, 0), db_col_text(st, 1), db_col_text(st, 2));
    db_done(st);
    return rc == DB_DONE ? DB_OK : rc;
}

static int cand_scope(db_t *db, const principal_t *who, int64_t id, int64_t *org)
{
    int rc = db_one_int(db, org, "SELECT org_id FROM party_candidate WHERE id = ?", "i", id);
    return rc == DB_OK ? access_org(db, who, PD_READ, *org, NULL, 0) : rc;
}

static void date_field(json_t *o, const char *key, int ymd)
{
    char text[11];
    pd_ymd_text(ymd, text);
    json_object_set_new(o, key, ymd ? json_string(text) : json_null());
}

/* What comes next for c as of today (yyyymmdd) under the periods p (NULL: no
 * norm in force): {step, code, stage, earliest, due_by, latest, overdue,
 * ready, repeat}, or null when nothing does (new). */
static json_t *next_json(const cand_t *c, const pd_periods_t *p, int today)
{
    pd_next_t n;
    if (strcmp(c->state, "active") != 0 || p == NULL)
        return json_null();
    pd_next(&c->s, p, &n);
    if (n.step == 0)
        return json_null();
    json_t *o = json_pack("{s:i, s:s, s:i}", "step", n.step, "code", pd_step(n.step)->code, "stage",
                          pd_step(n.step)->stage);
    date_field(o, "earliest", n.earliest);
    date_field(o, "due_by", n.due_by);
    date_field(o, "latest", n.latest);
    json_object_set_new(o, "overdue", json_boolean(n.due_by && today > n.due_by));
    json_object_set_new(o, "ready", json_boolean(today >= n.earliest));
    /* A half-yearly assessment may be added while it is the last step. */
    const pd_step_t *last = pd_step(c->s.last);
    json_object_set_new(o, "repeat", last && last->repeatable ? json_integer(c->s.last) : json_null());
    return o;
}

#define CAND_COLUMNS                                                                                                   \
    "SELECT c.id, c.person_id, p.name AS person_name, p.gender, p.birth_year,"           \
    " c.party_org_id, po.name AS party_org_name, c.org_id, o.name AS org_name, c.step, c.stage, c.state,"            \
    " c.applied_on, c.probation_end, c.extended_months, c.created_at, c.updated_at, c.version"
#define CAND_FROM                                                                                                      \
    " FROM party_candidate c JOIN person p ON p.id = c.person_id JOIN party_org po ON po.id = c.party_org_id"        \
    " JOIN org o ON o.id = c.org_id"

/* A candidate with its steps, what is next and what the caller may do; NULL when missing. */
static json_t *cand_json(db_t *db, const principal_t *who, int64_t id)
{
    cand_t c;
    if (cand_load(db, id, &c) != DB_OK)
        return NULL;
    json_t *o = db_row_one_json(db, CAND_COLUMNS CAND_FROM " WHERE c.id = ?", "i", id);
    json_t *steps = db_rows_json(db,
                                 "SELECT s.id, s.step, s.done_on, s.outcome, s.detail, s.note, s.created_at,"
                                 " u.display_name AS recorded_by_name,"
                                 " (SELECT COUNT(*) FROM attachment a WHERE a.owner_kind = 'party_candidate_step'"
                                 " AND a.owner_id = s.id) AS files"
                                 " FROM party_candidate_step s LEFT JOIN app_user u ON u.id = s.recorded_by"
                                 " WHERE s.candidate_id = ? ORDER BY s.id",
                                 "i", id);
    if (o == NULL || steps == NULL) {
        json_decref(o);
        json_decref(steps);
        return NULL;
    }
    size_t i;
    json_t *s;
    json_array_foreach(steps, i, s) {
        const pd_step_t *d = pd_step((int)json_integer_value(json_object_get(s, "step")));
        json_object_set_new(s, "code", json_string(d ? d->code : ""));
        json_object_set_new(s, "stage", json_integer(d ? d->stage : 0));
        const char *detail = json_string_value(json_object_get(s, "detail"));
        json_t *v = detail ? json_loads(detail, 0, NULL) : NULL;
        json_object_set_new(s, "detail", v ? v : json_object());
    }
    json_object_set_new(o, "steps", steps);
    pd_periods_t p;
    int today = api_today_ymd();
    json_object_set_new(o, "next", next_json(&c, periods_at(db, c.org, today / 10000, &p) == DB_OK ? &p : NULL, today));
    int writable = strcmp(c.state, "active") == 0 && access_org(db, who, PD_WRITE, c.org, NULL, 0) == DB_OK;
    json_object_set_new(o, "can", json_pack("{s:b}", "record", writable));
    return o;
}

static int answer(db_t *db, const write_ctx_t *w, int rc, int64_t id, int status, api_reply_t *rep)
{
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    json_t *o = cand_json(db, &w->who, id);
    return o ? api_json(rep, status, o) : api_db_error(rep, w->lang, DB_ERR, NULL);
}

/* ---------------------------------------------------------------- a new applicant */

typedef struct {
    uint64_t given;
    int64_t person_id, party_org_id;
    const char *applied_on, *note;
} create_in_t;

static const field_t create_fields[] = {
    IN(create_in_t, person_id, F_INT, 1, 1, INT64_MAX, NULL),
    IN(create_in_t, party_org_id, F_INT, 1, 1, INT64_MAX, NULL),
    IN(create_in_t, applied_on, F_DATE, 0, DATE_PARTY_EARLIEST, 0, NULL),
    IN(create_in_t, note, F_BLOCK, 0, 1, 1000, NULL),
    FIELDS_END,
};

/* The branch named: one the caller may write at, a 党支部 or 联合党支部; its node in *org. */
static int branch_input(db_t *db, const write_ctx_t *w, int64_t party_org, int64_t *org, api_reply_t *rep)
{
    char kind[32] = "";
    int rc = db_one_int(db, org, "SELECT org_id FROM party_org WHERE id = ?", "i", party_org);
    if (rc == DB_OK)
        rc = access_org(db, &w->who, PD_WRITE, *org, NULL, 0);
    if (rc == DB_OK)
        rc = db_one_text(db, kind, sizeof kind, "SELECT kind FROM party_org WHERE id = ?", "i", party_org);
    if (rc == DB_NOTFOUND)
        return api_fail(rep, w->lang, E_REFERENCE_NOT_FOUND, "party_org_id");
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    return strcmp(kind, "党支部") == 0 || strcmp(kind, "联合党支部") == 0 ? 0
                                                                            : api_fail(rep, w->lang, E_DEV_NOT_BRANCH,
                                                                                       "party_org_id");
}

/* The person's age in whole years on day, into *age. The stored birth year
 * decides unless day falls in the year the person turns min_age; then the
 * birth date inside the encrypted ID number does (read here, never answered,
 * logged or kept). DB_OK or an error. */
static int age_on(db_t *db, const write_ctx_t *w, int64_t person, int day, int min_age, int *age)
{
    int64_t year = 0;
    int rc = db_one_int(db, &year, "SELECT birth_year FROM person WHERE id = ?", "i", person);
    if (rc != DB_OK)
        return rc;
    *age = day / 10000 - (int)year;
    if (*age != min_age)
        return DB_OK;
    json_t *id = NULL;
    rc = person_pii_value(db, w->keys, person, "id_card", &id);
    if (rc != DB_OK)
        return rc;
    const char *text = json_string_value(id);
    char birth[11] = "";
    if (text && strlen(text) == 18)
        snprintf(birth, sizeof birth, "%.4s-%.2s-%.2s", text + 6, text + 10, text + 12);
    if (text)
        sodium_memzero((char *)text, strlen(text));
    json_decref(id);
    if (pd_ymd(birth))
        *age = pd_age_on(pd_ymd(birth), day);
    sodium_memzero(birth, sizeof birth);
    return DB_OK;
}

static int create_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    create_in_t in = {0};
    api_input_fill(create_fields, data, &in);
    char today[16];
    date_of(w->now, today);
    const char *applied = in.applied_on ? in.applied_on : today;
    int64_t org = 0, porg = 0, n = 0, id = 0;
    int rc = db_one_int(db, &porg, "SELECT org_id FROM person WHERE id = ?", "i", in.person_id);
    if (rc == DB_OK)
        rc = access_org(db, &w->who, PERM_PEOPLE_READ, porg, NULL, 0);
    if (rc != DB_OK)
        return rc == DB_NOTFOUND ? api_fail(rep, w->lang, E_PERSON_NOT_FOUND, "person_id")
                                 : api_db_error(rep, w->lang, rc, NULL);
    if (branch_input(db, w, in.party_org_id, &org, rep) != 0)
        return -1;
    rc = db_one_int(db, &n,
                    "SELECT (SELECT COUNT(*) FROM party_member WHERE person_id = ?)"
                    " + (SELECT COUNT(*) FROM party_candidate WHERE person_id = ? AND state = 'active')",
                    "ii", in.person_id, in.person_id);
    if (rc == DB_OK && n > 0)
        return api_fail(rep, w->lang, E_DEV_ALREADY, "person_id");
    pd_periods_t p;
    if (rc == DB_OK)
        rc = periods_at(db, org, pd_ymd(applied) / 10000, &p);
    if (rc == DB_NOTFOUND)
        return api_fail(rep, w->lang, E_DEV_NO_NORM, "applied_on");
    int age = 0;
    if (rc == DB_OK)
        rc = age_on(db, w, in.person_id, pd_ymd(applied), p.min_age, &age);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    if (age < p.min_age)
        return api_failf(rep, w->lang, E_DEV_UNDERAGE, "person_id", p.min_age);
    rc = db_one_int(db, &id,
                    "INSERT INTO party_candidate (person_id, party_org_id, org_id, step, stage, applied_on, created_at,"
                    " updated_at) VALUES (?, ?, ?, 1, 1, ?, ?, ?) RETURNING id",
                    "iiitii", in.person_id, in.party_org_id, org, applied, w->now, w->now);
    if (rc == DB_UNIQUE)
        return api_fail(rep, w->lang, E_DEV_ALREADY, "person_id");
    if (rc == DB_OK)
        rc = db_exec(db, NULL,
                     "INSERT INTO party_candidate_step (candidate_id, step, done_on, note, recorded_by, created_at)"
                     " VALUES (?, 1, ?, ?, ?, ?)",
                     "ittIi", id, applied, in.note, w->who.user_id, w->now);
    if (rc == DB_OK) /* no note: free text may hold personal details */
        rc = audit_append_new(db, w, "party_candidate.created", "party_candidate", id, org,
                              json_pack("{s:I, s:I, s:s}", "person_id", (json_int_t)in.person_id, "party_org_id",
                                        (json_int_t)in.party_org_id, "applied_on", applied));
    return answer(db, w, rc, id, 201, rep);
}

DEFER_BODY(cand_create, create_write)

/* ---------------------------------------------------------------- a step */

typedef struct {
    uint64_t given;
    int64_t step;
    const char *done_on, *note, *persons;
    double days, hours;
    const char *publicity_from, *publicity_to;
    int64_t voting_members, present, votes_for;
    const char *decision;
    int64_t extension_months;
    int approved;
    const char *reason;
    int64_t version;
} step_in_t;

static const field_t step_fields[] = {
    IN(step_in_t, step, F_INT, 1, 1, PD_STEPS, NULL),
    IN(step_in_t, done_on, F_DATE, 0, DATE_PARTY_EARLIEST, 0, NULL),
    IN(step_in_t, note, F_BLOCK, 0, 1, 2000, NULL),
    IN(step_in_t, persons, F_NAME, 0, 1, 200, NULL),
    IN(step_in_t, days, F_NUMBER, 0, 0, 365, NULL),
    IN(step_in_t, hours, F_NUMBER, 0, 0, 10000, NULL),
    IN(step_in_t, publicity_from, F_DATE, 0, DATE_PARTY_EARLIEST, 0, NULL),
    IN(step_in_t, publicity_to, F_DATE, 0, DATE_PARTY_EARLIEST, 0, NULL),
    IN(step_in_t, voting_members, F_INT, 0, 1, 100000, NULL),
    IN(step_in_t, present, F_INT, 0, 0, 100000, NULL),
    IN(step_in_t, votes_for, F_INT, 0, 0, 100000, NULL),
    IN(step_in_t, decision, F_ENUM, 0, 0, 0, pd_decisions),
    IN(step_in_t, extension_months, F_INT, 0, 1, 24, NULL),
    IN(step_in_t, approved, F_BOOL, 0, 0, 0, NULL),
    IN(step_in_t, reason, F_BLOCK, 0, 1, 1000, NULL),
    IN(step_in_t, version, F_INT, 0, 1, INT64_MAX, NULL),
    FIELDS_END,
};
enum { SF_STEP, SF_DONE_ON, SF_NOTE, SF_PERSONS, SF_DAYS, SF_HOURS, SF_PUB_FROM, SF_PUB_TO, SF_VOTING, SF_PRESENT,
       SF_FOR, SF_DECISION, SF_EXT, SF_APPROVED, SF_REASON };

static int too_early(const write_ctx_t *w, int ymd, const char *field, api_reply_t *rep)
{
    char text[11];
    pd_ymd_text(ymd, text);
    return api_failf(rep, w->lang, E_DEV_TOO_EARLY, field, text);
}

static int need(const write_ctx_t *w, const step_in_t *in, int f, api_reply_t *rep)
{
    return IN_GIVEN(in, step_fields, f) ? 0 : api_fail(rep, w->lang, E_DEV_FIELD_REQUIRED, step_fields[f].name);
}

/* A branch meeting's counts (steps 15 and 23): the voting members no more than
 * the branch's full members, the counts consistent, the meeting valid. The
 * outcome "done" when adopted, "not_adopted" otherwise. 0, or -1 with rep set. */
static int meeting_check(db_t *db, const write_ctx_t *w, const cand_t *c, const step_in_t *in, const char **outcome,
                         api_reply_t *rep)
{
    if (need(w, in, SF_VOTING, rep) || need(w, in, SF_PRESENT, rep) || need(w, in, SF_FOR, rep))
        return -1;
    int64_t full = 0;
    int rc = db_one_int(db, &full, "SELECT COUNT(*) FROM party_member WHERE party_org_id = ? AND status = '正式'",
                        "i", c->party_org);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    if (in->voting_members > full)
        return api_failf(rep, w->lang, E_DEV_VOTERS_EXCEED, "voting_members", (int)full);
    if (in->present > in->voting_members)
        return api_fail(rep, w->lang, E_DEV_COUNTS, "present");
    if (in->votes_for > in->present)
        return api_fail(rep, w->lang, E_DEV_COUNTS, "votes_for");
    pd_vote_t v = pd_vote(in->voting_members, in->present, in->votes_for);
    if (v == PD_VOTE_NO_QUORUM)
        return api_fail(rep, w->lang, E_DEV_NO_QUORUM, "present");
    *outcome = v == PD_VOTE_ADOPTED ? "done" : "not_adopted";
    return 0;
}

/* An approval by the higher committee (steps 17 and 24) on day: within
 * approval_months of the vote, up to approval_months_max with a reason. */
static int approval_check(const write_ctx_t *w, const pd_next_t *n, int day, const step_in_t *in, api_reply_t *rep)
{
    char text[11];
    if (n->latest && day > n->latest) {
        pd_ymd_text(n->latest, text);
        return api_failf(rep, w->lang, E_DEV_TOO_LATE, "done_on", text);
    }
    if (n->due_by && day > n->due_by && in->reason == NULL) {
        pd_ymd_text(n->due_by, text);
        return api_failf(rep, w->lang, E_DEV_LATE_REASON, "reason", text);
    }
    return 0;
}

/* The person's membership: a 预备党员 of the branch from the vote (join), or a
 * full member (convert), or no member (cancel), the figures kept in step. */
static int membership(db_t *db, const write_ctx_t *w, const cand_t *c, const char *what, int vote_on)
{
    char joined[11];
    pd_ymd_text(vote_on, joined);
    int64_t had = 0;
    int rc = db_one_int(db, &had, "SELECT COUNT(*) FROM party_member WHERE person_id = ?", "i", c->person);
    if (rc != DB_OK)
        return rc;
    if (strcmp(what, "join") == 0) {
        if (had)
            return DB_OK;
        rc = db_exec(db, NULL,
                     "INSERT INTO party_member (person_id, party_org_id, status, joined_on, created_at, updated_at)"
                     " VALUES (?, ?, '预备', ?, ?, ?)",
                     "iitii", c->person, c->party_org, joined, w->now, w->now);
        return rc == DB_OK ? party_member_rollup(db, c->person, 1) : rc;
    }
    if (!had)
        return DB_OK;
    rc = party_member_rollup(db, c->person, -1);
    if (rc == DB_OK && strcmp(what, "convert") == 0)
        rc = db_exec(db, NULL,
                     "UPDATE party_member SET status = '正式', updated_at = ?, version = version + 1 WHERE person_id = ?",
                     "ii", w->now, c->person);
    if (rc == DB_OK && strcmp(what, "convert") == 0)
        rc = party_member_rollup(db, c->person, 1);
    if (rc == DB_OK && strcmp(what, "cancel") == 0)
        rc = db_exec(db, NULL, "DELETE FROM party_member WHERE person_id = ?", "i", c->person);
    return rc;
}

/* The step's own facts kept with it (no note, no names: those stay in their columns). */
static json_t *detail_of(const step_in_t *in)
{
    json_t *d = json_object();
    if (IN_GIVEN(in, step_fields, SF_PERSONS))
        json_object_set_new(d, "persons", json_string(in->persons));
    if (IN_GIVEN(in, step_fields, SF_DAYS))
        json_object_set_new(d, "days", json_real(in->days));
    if (IN_GIVEN(in, step_fields, SF_HOURS))
        json_object_set_new(d, "hours", json_real(in->hours));
    if (IN_GIVEN(in, step_fields, SF_PUB_FROM))
        json_object_set_new(d, "publicity_from", json_string(in->publicity_from));
    if (IN_GIVEN(in, step_fields, SF_PUB_TO))
        json_object_set_new(d, "publicity_to", json_string(in->publicity_to));
    if (IN_GIVEN(in, step_fields, SF_VOTING))
        json_object_set_new(d, "voting_members", json_integer(in->voting_members));
    if (IN_GIVEN(in, step_fields, SF_PRESENT))
        json_object_set_new(d, "present", json_integer(in->present));
    if (IN_GIVEN(in, step_fields, SF_FOR))
        json_object_set_new(d, "votes_for", json_integer(in->votes_for));
    if (IN_GIVEN(in, step_fields, SF_DECISION))
        json_object_set_new(d, "decision", json_string(in->decision));
    if (IN_GIVEN(in, step_fields, SF_EXT))
        json_object_set_new(d, "extension_months", json_integer(in->extension_months));
    if (IN_GIVEN(in, step_fields, SF_APPROVED))
        json_object_set_new(d, "approved", json_boolean(in->approved));
    if (IN_GIVEN(in, step_fields, SF_REASON))
        json_object_set_new(d, "reason", json_string(in->reason));
    return d;
}

/* The checks of step n on day beyond order and dates; sets *outcome and what
 * changes (*member: "join", "convert", "cancel" or NULL; *state; *probation_end;
 * *extension). 0, or -1 with rep set. */
typedef struct {
    const char *outcome, *member, *state;
    int probation_end, extension;
} effect_t;

static int step_rules(db_t *db, const write_ctx_t *w, const cand_t *c, const pd_periods_t *p, const pd_next_t *nx,
                      const step_in_t *in, int day, effect_t *e, api_reply_t *rep)
{
    int n = (int)in->step;
    switch (n) {
    case PD_STEP_OBJECT: {
        int needed = pd_assessments_needed(c->s.on[PD_STEP_ACTIVIST], day, p->assessment_months);
        if (c->s.assessments < (needed > 1 ? needed : 1))
            return api_failf(rep, w->lang, E_DEV_ASSESSMENTS, "step", needed > 1 ? needed : 1);
        return 0;
    }
    case PD_STEP_TRAINING:
        if (!IN_GIVEN(in, step_fields, SF_DAYS) && !IN_GIVEN(in, step_fields, SF_HOURS))
            return need(w, in, SF_HOURS, rep);
        if (!(IN_GIVEN(in, step_fields, SF_DAYS) && in->days >= p->training_days) &&
            !(IN_GIVEN(in, step_fields, SF_HOURS) && in->hours >= p->training_hours))
            return api_failf(rep, w->lang, E_DEV_TRAINING_SHORT, "hours", p->training_days, p->training_hours);
        return 0;
    case PD_STEP_PREREVIEW: {
        if (need(w, in, SF_PUB_FROM, rep) || need(w, in, SF_PUB_TO, rep))
            return -1;
        int from = pd_ymd(in->publicity_from), to = pd_ymd(in->publicity_to);
        if (from < c->s.on[PD_STEP_PREREVIEW - 1])
            return too_early(w, c->s.on[PD_STEP_PREREVIEW - 1], "publicity_from", rep);
        if (to < from || pd_workdays(from, to) < p->publicity_workdays)
            return api_failf(rep, w->lang, E_DEV_PUBLICITY_SHORT, "publicity_to", p->publicity_workdays);
        /* The pre-review concludes once the publicity is over. */
        if (day <= to)
            return too_early(w, pd_add_days(to, 1), "done_on", rep);
        return 0;
    }
    case PD_STEP_VOTE:
        return meeting_check(db, w, c, in, &e->outcome, rep);
    case PD_STEP_APPROVAL:
        if (approval_check(w, nx, day, in, rep) != 0)
            return -1;
        if (IN_GIVEN(in, step_fields, SF_APPROVED) && !in->approved) {
            e->outcome = "not_approved";
            e->state = "closed";
            return 0;
        }
        e->member = "join";
        e->probation_end = pd_add_months(c->s.on[PD_STEP_VOTE], p->probation_months);
        return 0;
    case PD_STEP_CONVERT_VOTE:
        if (need(w, in, SF_DECISION, rep) || meeting_check(db, w, c, in, &e->outcome, rep) != 0)
            return -1;
        if (strcmp(e->outcome, "done") != 0)
            return 0;
        if (strcmp(in->decision, "extend") == 0) {
            if (need(w, in, SF_EXT, rep))
                return -1;
            if (c->s.extended || in->extension_months < p->extension_months_min ||
                in->extension_months > p->extension_months_max)
                return api_failf(rep, w->lang, E_DEV_EXTENSION, "extension_months", p->extension_months_min,
                                 p->extension_months_max);
            e->outcome = "extended";
            e->extension = (int)in->extension_months;
            e->probation_end = pd_add_months(c->s.probation_end, e->extension);
        } else if (strcmp(in->decision, "cancel") == 0) {
            e->outcome = "cancelled";
            e->member = "cancel";
            e->state = "closed";
        }
        return 0;
    case PD_STEP_CONVERT_APPROVAL:
        if (approval_check(w, nx, day, in, rep) != 0)
            return -1;
        e->member = "convert";
        return 0;
    case PD_STEPS:
        e->state = "joined";
        return 0;
    default:
        return 0;
    }
}

static int step_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    step_in_t in = {0};
    api_input_fill(step_fields, data, &in);
    cand_t c;
    int64_t org = 0;
    int rc = cand_scope(db, &w->who, w->id, &org);
    if (rc == DB_OK)
        rc = access_org(db, &w->who, PD_WRITE, org, NULL, 0);
    if (rc == DB_OK)
        rc = cand_load(db, w->id, &c);
    if (rc != DB_OK)
        return rc == DB_NOTFOUND ? api_fail(rep, w->lang, E_DEV_CANDIDATE_NOT_FOUND, "party_candidate")
                                 : api_db_error(rep, w->lang, rc, NULL);
    if (strcmp(c.state, "active") != 0)
        return api_fail(rep, w->lang, E_DEV_CLOSED, "step");
    if (api_check_version(db, w, "SELECT version FROM party_candidate WHERE id = ?", c.id, data, rep) != 0)
        return -1;
    char today[16];
    date_of(w->now, today);
    int n = (int)in.step, day = pd_ymd(in.done_on ? in.done_on : today);
    pd_periods_t p;
    rc = periods_at(db, c.org, day / 10000, &p);
    if (rc != DB_OK)
        return rc == DB_NOTFOUND ? api_fail(rep, w->lang, E_DEV_NO_NORM, "done_on") : api_db_error(rep, w->lang, rc, NULL);
    pd_next_t nx;
    pd_next(&c.s, &p, &nx);
    /* The next step, or a repeatable last step again (another half-yearly assessment). */
    const pd_step_t *last = pd_step(c.s.last);
    int again = n == c.s.last && last && last->repeatable;
    if (n != nx.step && !again)
        return api_failf(rep, w->lang, E_DEV_OUT_OF_ORDER, "step", nx.step);
    if (day > pd_ymd(today))
        return too_early(w, pd_ymd(today), "done_on", rep); /* not yet: dates are the server's */
    int earliest = again ? c.s.on[n] : nx.earliest;
    if (day < earliest)
        return too_early(w, earliest, "done_on", rep);
    effect_t e = {"done", NULL, NULL, 0, 0};
    if (step_rules(db, w, &c, &p, &nx, &in, day, &e, rep) != 0)
        return -1;
    int advance = strcmp(e.outcome, "done") == 0 || strcmp(e.outcome, "not_approved") == 0 ||
                  strcmp(e.outcome, "cancelled") == 0;
    int64_t sid = 0;
    char day_text[11], end_text[11];
    pd_ymd_text(day, day_text);
    pd_ymd_text(e.probation_end, end_text);
    json_t *detail = detail_of(&in);
    char *detail_text = json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(detail);
    rc = db_one_int(db, &sid,
                    "INSERT INTO party_candidate_step (candidate_id, step, done_on, outcome, detail, note, recorded_by,"
                    " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                    "iittttIi", c.id, (int64_t)n, day_text, e.outcome, detail_text, in.note, w->who.user_id, w->now);
    free(detail_text);
    if (rc == DB_OK && e.member)
        rc = membership(db, w, &c, e.member, c.s.on[PD_STEP_VOTE]);
    if (rc == DB_OK)
        rc = db_exec(db, NULL,
                     "UPDATE party_candidate SET step = ?, stage = ?, state = COALESCE(?, state),"
                     " probation_end = COALESCE(?, probation_end), extended_months = COALESCE(?, extended_months),"
                     " updated_at = ?, version = version + 1 WHERE id = ?",
                     "iittIii", (int64_t)(advance ? n : c.s.last), (int64_t)pd_step(advance ? n : c.s.last)->stage,
                     e.state, e.probation_end ? end_text : NULL, (int64_t)e.extension, w->now, c.id);
    if (rc == DB_OK) /* the step, its outcome and day: no note, no names */
        rc = audit_append_new(db, w, "party_candidate.step_recorded", "party_candidate", c.id, c.org,
                              json_pack("{s:i, s:s, s:s, s:I}", "step", n, "outcome", e.outcome, "done_on", day_text,
                                        "step_id", (json_int_t)sid));
    return answer(db, w, rc, c.id, 201, rep);
}

DEFER_BODY(cand_step, step_write)

/* ---------------------------------------------------------------- reads */

static int cand_get(api_req_t *req, api_reply_t *rep)
{
    json_t *o = cand_json(req->db, req->who, req->params[0]);
    return o ? api_json(rep, 200, o) : api_db_error(rep, req->lang, DB_NOTFOUND, "party_candidate");
}

static const field_t list_query[] = {
    {"org", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"party_org", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"stage", F_INT, 0, 1, 5, NULL, 0},
    {"state", F_ENUM, 0, 0, 0, pd_states, 0},
    {"q", F_TEXT, 0, 1, 50, NULL, 0},
    FIELDS_END,
};

/* GET /api/v1/party-candidates: the candidates of the node's subtree (?org=,
 * else the caller's scope), ?party_org=, ?stage=, ?state=, ?q= (the name's start). */
static int cand_list(api_req_t *req, api_reply_t *rep)
{
    int64_t org = 0, party_org = 0, stage = 0;
    api_query_int(req, "org", 0, 1, INT64_MAX, &org);
    api_query_int(req, "party_org", 0, 1, INT64_MAX, &party_org);
    api_query_int(req, "stage", 0, 1, 5, &stage);
    char lo[ACCESS_PATH_MAX], hi[ACCESS_PATH_MAX];
    int rc = access_list_range(req->db, req->who, PD_READ, org, lo, hi);
    if (rc != DB_OK)
        return api_db_error(rep, req->lang, rc, "org");
    api_list_t l;
    api_list_begin(&l, CAND_COLUMNS, CAND_FROM, "c.id", NULL);
    api_list_where(&l, "o.path >= ? AND o.path < ? AND (? = 0 OR c.party_org_id = ?) AND (? = 0 OR c.stage = ?)",
                   "ttiiii", lo, hi, party_org, party_org, stage, stage);
    char *state = api_query(req, "state"), *prefix = api_prefix_param(req, "q");
    api_list_where(&l, "(CAST(? AS TEXT) IS NULL OR c.state = ?)", "tt", state, state);
    api_list_where(&l, "(CAST(? AS TEXT) IS NULL OR p.name LIKE ? ESCAPE '\\')", "tt", prefix, prefix);
    free(state);
    free(prefix);
    return api_list_answer(req, rep, &l);
}

static const field_t due_query[] = {
    {"party_org", F_INT, 1, 1, INT64_MAX, NULL, 0},
    FIELDS_END,
};

static int due_order(const void *a, const void *b)
{
    const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    const json_t *nx = json_object_get(x, "next"), *ny = json_object_get(y, "next");
    const char *dx = json_string_value(json_object_get(nx, "due_by")), *dy = json_string_value(json_object_get(ny, "due_by"));
    const char *ex = json_string_value(json_object_get(nx, "earliest")), *ey = json_string_value(json_object_get(ny, "earliest"));
    int c = dx && dy ? strcmp(dx, dy) : dx ? -1 : dy ? 1 : 0;
    if (c == 0)
        c = ex && ey ? strcmp(ex, ey) : ex ? -1 : ey ? 1 : 0;
    if (c == 0)
        c = json_integer_value(json_object_get(x, "id")) < json_integer_value(json_object_get(y, "id")) ? -1 : 1;
    return c;
}

/* GET /api/v1/party-candidates/due?party_org=: every open candidate of the
 * branch with the next step, from when and by when, the soonest due first. */
static int cand_due(api_req_t *req, api_reply_t *rep)
{
    int64_t party_org = 0, org = 0;
    api_query_int(req, "party_org", 0, 1, INT64_MAX, &party_org);
    int rc = db_one_int(req->db, &org, "SELECT org_id FROM party_org WHERE id = ?", "i", party_org);
    if (rc == DB_OK)
        rc = access_org(req->db, req->who, PD_READ, org, NULL, 0);
    if (rc != DB_OK)
        return rc == DB_NOTFOUND ? api_fail(rep, req->lang, E_REFERENCE_NOT_FOUND, "party_org")
                                 : api_db_error(rep, req->lang, rc, NULL);
    json_t *rows = db_rows_json(req->db,
                                CAND_COLUMNS CAND_FROM " WHERE c.party_org_id = ? AND c.state = 'active' ORDER BY c.id"
                                " LIMIT 1000",
                                "i", party_org);
    if (rows == NULL)
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    /* Every step of the branch's open candidates in one read, in candidate order as the rows. */
    size_t i, n = json_array_size(rows), at = 0;
    cand_t *c = calloc(n ? n : 1, sizeof *c);
    db_stmt_t *st = c ? db_q(req->db,
                             "SELECT s.candidate_id, s.step, s.done_on, s.outcome FROM party_candidate_step s"
                             " JOIN party_candidate c ON c.id = s.candidate_id"
                             " WHERE c.party_org_id = ? AND c.state = 'active' ORDER BY s.candidate_id, s.id",
                             "i", party_org)
                      : NULL;
    json_t *r;
    json_array_foreach(rows, i, r) {
        c[i].id = json_integer_value(json_object_get(r, "id"));
        c[i].org = json_integer_value(json_object_get(r, "org_id"));
        c[i].s.last = (int)json_integer_value(json_object_get(r, "step"));
        c[i].s.probation_end = pd_ymd(json_string_value(json_object_get(r, "probation_end")));
        c[i].s.extended = json_integer_value(json_object_get(r, "extended_months")) > 0;
        snprintf(c[i].state, sizeof c[i].state, "active");
    }
    while (st && (rc = db_step(st)) == DB_ROW) {
        int64_t id = db_col_int(st, 0);
        while (at < n && c[at].id < id)
            at++;
        if (at < n && c[at].id == id)
            cand_add_step(&c[at], (int)db_col_int(st, 1), db_col_text(st, 2), db_col_text(st, 3));
    }
    if (st)
        db_done(st);
    if (st == NULL || rc != DB_DONE) {
        free(c);
        json_decref(rows);
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    }
    /* The branch's candidates all sit at its node: one norm for them all. */
    int today = api_today_ymd();
    pd_periods_t p;
    int known = periods_at(req->db, org, today / 10000, &p) == DB_OK;
    json_array_foreach(rows, i, r) json_object_set_new(r, "next", next_json(&c[i], known ? &p : NULL, today));
    free(c);
    json_t **v = calloc(n ? n : 1, sizeof *v);
    if (v == NULL) {
        json_decref(rows);
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    }
    for (i = 0; i < n; i++)
        v[i] = json_incref(json_array_get(rows, i));
    qsort(v, n, sizeof *v, due_order);
    json_t *items = json_array();
    for (i = 0; i < n; i++)
        json_array_append_new(items, v[i]);
    free(v);
    json_decref(rows);
    char t[16];
    date_today(t);
    return api_json(rep, 200, json_pack("{s:o, s:s}", "items", items, "today", t));
}

/* ---------------------------------------------------------------- figures */

/* The candidates of [lo, hi): open ones by stage now, and of the year the
 * applications, admissions (approved branch votes) and conversions. */
json_t *party_development_figures_of(db_t *db, const principal_t *who, const char *lo, const char *hi, int64_t year,
                                     const char *today)
{
    (void)who;
    (void)today;
    char from[16], to[16];
    snprintf(from, sizeof from, "%04d-01-01", (int)year);
    snprintf(to, sizeof to, "%04d-12-31", (int)year);
    json_t *a = db_row_one_json(db,
                                "SELECT COALESCE(SUM(CASE WHEN c.state = 'active' AND c.stage = 1 THEN 1 ELSE 0 END), 0) AS stage1,"
                                " COALESCE(SUM(CASE WHEN c.state = 'active' AND c.stage = 2 THEN 1 ELSE 0 END), 0) AS stage2,"
                                " COALESCE(SUM(CASE WHEN c.state = 'active' AND c.stage = 3 THEN 1 ELSE 0 END), 0) AS stage3,"
                                " COALESCE(SUM(CASE WHEN c.state = 'active' AND c.stage = 4 THEN 1 ELSE 0 END), 0) AS stage4,"
                                " COALESCE(SUM(CASE WHEN c.state = 'active' AND c.stage = 5 THEN 1 ELSE 0 END), 0) AS stage5,"
                                " COALESCE(SUM(CASE WHEN c.state = 'active' THEN 1 ELSE 0 END), 0) AS candidates,"
                                " COALESCE(SUM(CASE WHEN c.applied_on >= ? AND c.applied_on <= ? THEN 1 ELSE 0 END), 0)"
                                " AS applications"
                                " FROM party_candidate c JOIN org o ON o.id = c.org_id WHERE o.path >= ? AND o.path < ?",
                                "tttt", from, to, lo, hi);
    json_t *s = db_row_one_json(db,
                                "SELECT COALESCE(SUM(CASE WHEN s.step = 17 THEN 1 ELSE 0 END), 0) AS admitted,"
                                " COALESCE(SUM(CASE WHEN s.step = 24 THEN 1 ELSE 0 END), 0) AS converted"
                                " FROM party_candidate_step s JOIN party_candidate c ON c.id = s.candidate_id"
                                " JOIN org o ON o.id = c.org_id WHERE o.path >= ? AND o.path < ? AND s.outcome = 'done'"
                                " AND s.step IN (17, 24) AND s.done_on >= ? AND s.done_on <= ?",
                                "tttt", lo, hi, from, to);
    if (a == NULL || s == NULL) {
        json_decref(a);
        json_decref(s);
        return NULL;
    }
    json_object_update(a, s);
    json_decref(s);
    return a;
}

static int figures(api_req_t *req, api_reply_t *rep)
{
    return api_subtree_figures(req, rep, PD_READ, party_development_figures_of);
}

/* ---------------------------------------------------------------- documents */

static int step_file_scope(db_t *db, const principal_t *who, int64_t id, int64_t *org)
{
    int rc = db_one_int(db, org,
                        "SELECT c.org_id FROM party_candidate_step s JOIN party_candidate c ON c.id = s.candidate_id"
                        " WHERE s.id = ?",
                        "i", id);
    return rc == DB_OK ? access_org(db, who, PD_READ, *org, NULL, 0) : rc;
}

/* Documents are added and removed by party.write holders over the branch's
 * node while the record is open; an archived or closed record is locked. */
static int step_files_writable(db_t *db, const principal_t *who, int64_t id, int removing)
{
    (void)removing;
    int64_t org = 0, open = 0;
    if (db_one_int(db, &org,
                   "SELECT c.org_id FROM party_candidate_step s JOIN party_candidate c ON c.id = s.candidate_id"
                   " WHERE s.id = ?",
                   "i", id) != DB_OK ||
        db_one_int(db, &open,
                   "SELECT COUNT(*) FROM party_candidate_step s JOIN party_candidate c ON c.id = s.candidate_id"
                   " WHERE s.id = ? AND c.state = 'active'",
                   "i", id) != DB_OK)
        return -1;
    int rc = access_org(db, who, PD_WRITE, org, NULL, 0);
    if (rc != DB_OK)
        return rc == DB_NOTFOUND ? E_ATTACHMENT_FORBIDDEN : -1;
    return open ? 0 : E_ATTACHMENT_LOCKED;
}

const attach_owner_t party_candidate_step_files = {"party_candidate_step", "party_candidate_step", step_file_scope,
                                                   step_files_writable};

/* ---------------------------------------------------------------- the table */

static const entity_t cand_entity = {"party_candidate", "SELECT org_id FROM party_candidate WHERE id = ?", NULL};

const op_t party_dev_ops[] = {
    {OP(HTTP_GET, "/api/v1/party-candidates", "party_candidates.list", PERM(PD_READ), RF_PAGED, cand_list),
     .query = list_query},
    {OP(HTTP_GET, "/api/v1/party-candidates/due", "party_candidates.due", PERM(PD_READ), 0, cand_due),
     .query = due_query},
    {OP(HTTP_POST, "/api/v1/party-candidates", "party_candidates.create", PERM(PD_WRITE), RF_BODY | RF_WRITES,
        cand_create),
     .body = create_fields},
    {OP(HTTP_GET, "/api/v1/party-candidates/{id}", "party_candidates.get", PERM(PD_READ), 0, cand_get),
     .entity = &cand_entity},
    {OP(HTTP_POST, "/api/v1/party-candidates/{id}/steps", "party_candidates.step", PERM(PD_WRITE), RF_BODY | RF_WRITES,
        cand_step),
     .body = step_fields, .entity = &cand_entity},
    {OP(HTTP_GET, "/api/v1/party-development-figures", "party_development_figures.get", PERM(PD_READ), 0, figures),
     .query = subtree_figures_query},
    OPS_END,
};
