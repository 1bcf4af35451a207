/* Membership transfers (组织关系转接) of party members between party
 * organisations (core/ptransferfsm.c: applied → out_reviewed → received /
 * returned / suspended → completed / cancelled). The sending side is staff
 * with party.write over the node of the member's party organisation as it was
 * when the transfer was asked (from_org_id); the receiving side, staff with
 * party.write over the destination's node (to_org_id). The member asks for
 * their own transfer and may withdraw it while it is applied. Only completion
 * moves the member (party_org_id) and the party member figures with it, in the
 * same write; a formal transfer only (a certificate letter and the 流动党员活动证
 * leave the membership where it is). Norms: party_transfer.letter_valid_days
 * (how long a letter is accepted), party_transfer.formal_months (how long away
 * at a fixed place makes a formal transfer). See docs/party-transfers.md. */
#include "api/handlers.h"
#include "api/internal.h"
#include "api/list.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ptransferfsm.h"
#include "core/role.h"
#include "core/timefmt.h"
#include "lib/util.h"

#define PT_READ PERM_PARTY_READ
#define PT_WRITE PERM_PARTY_WRITE

const char *const ptransfer_types[] = {"same_committee", "in_province", "cross_province", NULL};
/* Their words in an export (the console's partyTransfer.type, .form, .state). */
static const char *const type_words[] = {"同一党委内", "省（区、市）内或系统内", "跨省（区、市）"};
static const char *const form_words[] = {"正式转接", "党员证明信", "流动党员活动证"};
static const char *const state_words[] = {"申请", "转出审核", "接收", "退回", "挂起", "完成", "撤销"};

/* ---------------------------------------------------------------- who is who */

typedef struct {
    int64_t id, person, from_po, to_po, from_org, to_org;
    ptransfer_state_t state;
    ptransfer_form_t form;
    char expires_on[16];
    char from_path[ACCESS_PATH_MAX], to_path[ACCESS_PATH_MAX];
} pt_at_t;

static int pt_load(db_t *db, int64_t id, pt_at_t *t)
{
    memset(t, 0, sizeof *t);
    db_stmt_t *st = db_q(db,
                         "SELECT person_id, from_party_org_id, to_party_org_id, from_org_id, to_org_id, state, form,"
                         " COALESCE(expires_on, '') FROM party_transfer WHERE id = ?",
                         "i", id);
    if (st == NULL)
        return DB_ERR;
    int rc = db_step(st);
    if (rc == DB_ROW) {
        t->person = db_col_int(st, 0);
        t->from_po = db_col_int(st, 1);
        t->to_po = db_col_int(st, 2);
        t->from_org = db_col_int(st, 3);
        t->to_org = db_col_int(st, 4);
        t->state = ptransfer_state_from_name(db_col_text(st, 5));
        const char *form = db_col_text(st, 6);
        for (int f = 0; f < PTF_COUNT; f++)
            if (strcmp(form, ptransfer_forms[f]) == 0)
                t->form = (ptransfer_form_t)f;
        str_copy(t->expires_on, sizeof t->expires_on, db_col_text(st, 7));
        rc = DB_OK;
    } else if (rc == DB_DONE) {
        rc = DB_NOTFOUND;
    }
    db_done(st);
    t->id = id;
    if (rc == DB_OK)
        rc = org_brief(db, t->from_org, t->from_path, sizeof t->from_path, NULL, 0);
    if (rc == DB_OK)
        rc = org_brief(db, t->to_org, t->to_path, sizeof t->to_path, NULL, 0);
    return rc;
}

static int is_sender(const principal_t *who, const pt_at_t *t, uint32_t perm)
{
    return access_covers(who, perm, t->from_path);
}

static int is_receiver(const principal_t *who, const pt_at_t *t, uint32_t perm)
{
    return access_covers(who, perm, t->to_path);
}

static int is_member(const principal_t *who, const pt_at_t *t)
{
    return who->person_id > 0 && who->person_id == t->person;
}

/* May who take action a on t (its state aside)? The member withdraws their own
 * application while it is applied. */
static int may_act(const principal_t *who, const pt_at_t *t, ptransfer_action_t a)
{
    if (ptransfer_actor(a) == PT_BY_RECEIVER)
        return is_receiver(who, t, PT_WRITE);
    return is_sender(who, t, PT_WRITE) || (a == PTA_CANCEL && t->state == PTS_APPLIED && is_member(who, t));
}

/* A transfer is seen by its member and by both sides. */
static int pt_scope(db_t *db, const principal_t *who, int64_t id, int64_t *org)
{
    pt_at_t t;
    int rc = pt_load(db, id, &t);
    if (rc != DB_OK)
        return rc;
    *org = t.from_org;
    return is_member(who, &t) || is_sender(who, &t, PT_READ) || is_receiver(who, &t, PT_READ) ? DB_OK : DB_NOTFOUND;
}

/* ---------------------------------------------------------------- answers */

#define PT_COLUMNS                                                                                                     \
    "SELECT t.id, t.person_id, p.name AS member_name, t.from_party_org_id, fp.name AS from_party_org_name,"           \
    " t.from_org_id, f.name AS from_org_name, t.to_party_org_id, tp.name AS to_party_org_name, t.to_org_id,"          \
    " o.name AS to_org_name, t.type, t.form, t.away_months, t.fixed_place, t.purpose, t.dues_paid_to, t.state,"      \
    " t.letter_no, t.issued_on, t.valid_days, t.expires_on, t.note, t.received_at, ru.display_name AS received_by_name," \
    " t.completed_at, t.created_at, t.updated_at, t.version"
#define PT_FROM                                                                                                        \
    " FROM party_transfer t JOIN person p ON p.id = t.person_id JOIN party_org fp ON fp.id = t.from_party_org_id"    \
    " JOIN org f ON f.id = t.from_org_id JOIN party_org tp ON tp.id = t.to_party_org_id"                             \
    " JOIN org o ON o.id = t.to_org_id LEFT JOIN app_user ru ON ru.id = t.received_by"

/* A row finished: fixed_place a boolean, expired (a letter out at the receiving
 * side past its last day). */
static void pt_row(json_t *row, void *ctx)
{
    const char *today = ctx;
    json_object_set_new(row, "fixed_place", json_boolean(json_integer_value(json_object_get(row, "fixed_place"))));
    const char *state = json_string_value(json_object_get(row, "state"));
    const char *expires = json_string_value(json_object_get(row, "expires_on"));
    int waiting = state && (strcmp(state, "out_reviewed") == 0 || strcmp(state, "suspended") == 0);
    json_object_set_new(row, "expired", json_boolean(waiting && expires && today && strcmp(expires, today) < 0));
}

static json_t *pt_can(const principal_t *who, const pt_at_t *t)
{
    json_t *moves = json_array();
    for (int a = 0; a < PTA_COUNT; a++)
        if (ptransfer_next(t->state, (ptransfer_action_t)a) != PTS_NONE && may_act(who, t, (ptransfer_action_t)a))
            json_array_append_new(moves, json_string(ptransfer_action_name((ptransfer_action_t)a)));
    return json_pack("{s:o, s:b, s:b}", "moves", moves, "sender", is_sender(who, t, PT_WRITE), "receiver",
                     is_receiver(who, t, PT_WRITE));
}

/* A transfer with its history and what the caller may do; NULL when missing. */
static json_t *pt_json(db_t *db, const principal_t *who, int64_t id, const char *today)
{
    pt_at_t t;
    if (pt_load(db, id, &t) != DB_OK)
        return NULL;
    json_t *o = db_row_one_json(db, PT_COLUMNS PT_FROM " WHERE t.id = ?", "i", id);
    json_t *events = db_rows_json(db,
                                  "SELECT e.id, e.action, e.from_state, e.to_state, e.reason, e.at AS moved_at,"
                                  " u.display_name AS by_name FROM party_transfer_event e"
                                  " LEFT JOIN app_user u ON u.id = e.user_id WHERE e.transfer_id = ? ORDER BY e.id",
                                  "i", id);
    if (o == NULL || events == NULL) {
        json_decref(o);
        json_decref(events);
        return NULL;
    }
    pt_row(o, (void *)today);
    json_object_set_new(o, "history", events);
    json_object_set_new(o, "can", pt_can(who, &t));
    return o;
}

static int answer(db_t *db, const write_ctx_t *w, int rc, int64_t id, int status, api_reply_t *rep)
{
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    char today[16];
    date_of(w->now, today);
    json_t *o = pt_json(db, &w->who, id, today);
    return o ? api_json(rep, status, o) : api_db_error(rep, w->lang, DB_ERR, NULL);
}

static int event_log(db_t *db, const write_ctx_t *w, int64_t id, const char *action, const char *from, const char *to,
                     const char *reason)
{
    return db_exec(db, NULL,
                   "INSERT INTO party_transfer_event (transfer_id, action, from_state, to_state, reason, at, user_id)"
                   " VALUES (?, ?, ?, ?, ?, ?, ?)",
                   "itttti" "I", id, action, from, to, reason, w->now, w->who.user_id);
}

/* A norm's whole number at node org in the year of w->now: DB_OK with *out, DB_NOTFOUND when none applies. */
static int norm_int(db_t *db, const write_ctx_t *w, const char *key, int64_t org, int64_t *out)
{
    char today[16];
    date_of(w->now, today);
    json_t *v = NULL;
    int rc = norm_get(db, key, org, atoi(today), &v);
    if (rc == DB_OK && json_is_number(v))
        *out = (int64_t)json_number_value(v);
    else if (rc == DB_OK)
        rc = DB_NOTFOUND;
    json_decref(v);
    return rc;
}

/* ---------------------------------------------------------------- asking */

typedef struct {
    uint64_t given;
    int64_t person_id;
    int64_t to_party_org_id;
    const char *type;
    int64_t away_months;
    int fixed_place;
    const char *purpose;
    const char *dues_paid_to;
} pt_in_t;

static const field_t create_fields[] = {
    IN(pt_in_t, person_id, F_INT, 0, 1, INT64_MAX, NULL),
    IN(pt_in_t, to_party_org_id, F_INT, 1, 1, INT64_MAX, NULL),
    IN(pt_in_t, type, F_ENUM, 1, 0, 0, ptransfer_types),
    IN(pt_in_t, away_months, F_INT, 1, 0, 1200, NULL),
    IN(pt_in_t, fixed_place, F_BOOL, 1, 0, 0, NULL),
    IN(pt_in_t, purpose, F_NAME, 1, 1, 200, NULL),
    IN(pt_in_t, dues_paid_to, F_TEXT, 1, 7, 7, NULL),
    FIELDS_END,
};

/* "YYYY-MM" with a month from 01 to 12 and a year from 1921. */
static int month_valid(const char *s)
{
    if (strlen(s) != 7 || s[4] != '-')
        return 0;
    for (int i = 0; i < 7; i++)
        if (i != 4 && (s[i] < '0' || s[i] > '9'))
            return 0;
    int y = atoi(s), m = atoi(s + 5);
    return y >= 1921 && y <= 2100 && m >= 1 && m <= 12;
}

static int create_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    pt_in_t in = {0};
    api_input_fill(create_fields, data, &in);
    int64_t person = in.person_id ? in.person_id : w->who.person_id, from_po = 0, from_org = 0, to_org = 0, id = 0, n = 0;
    if (!month_valid(in.dues_paid_to))
        return api_fail(rep, w->lang, E_PTRANSFER_MONTH, "dues_paid_to");
    if (person == 0)
        return api_fail(rep, w->lang, E_SERVICE_NOT_MEMBER, "person_id");
    db_stmt_t *st = db_q(db,
                         "SELECT m.party_org_id, po.org_id FROM party_member m JOIN party_org po ON po.id = m.party_org_id"
                         " WHERE m.person_id = ?",
                         "i", person);
    if (st == NULL)
        return api_db_error(rep, w->lang, DB_ERR, NULL);
    int rc = db_step(st);
    if (rc == DB_ROW) {
        from_po = db_col_int(st, 0);
        from_org = db_col_int(st, 1);
    }
    db_done(st);
    if (rc != DB_ROW && rc != DB_DONE)
        return api_db_error(rep, w->lang, rc, NULL);
    /* Asked by the member themself, or by staff over the member's party organisation. */
    if (from_po == 0 && person == w->who.person_id)
        return api_fail(rep, w->lang, E_SERVICE_NOT_MEMBER, "person_id");
    if (from_po == 0 || (person != w->who.person_id && access_org(db, &w->who, PT_WRITE, from_org, NULL, 0) != DB_OK))
        return api_fail(rep, w->lang, E_REFERENCE_NOT_FOUND, "person_id");
    /* The destination may be anywhere: the receiving side is usually outside the sender's sight. */
    rc = db_one_int(db, &to_org, "SELECT org_id FROM party_org WHERE id = ?", "i", in.to_party_org_id);
    if (rc == DB_NOTFOUND)
        return api_fail(rep, w->lang, E_REFERENCE_NOT_FOUND, "to_party_org_id");
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    if (in.to_party_org_id == from_po)
        return api_fail(rep, w->lang, E_PTRANSFER_SAME_ORG, "to_party_org_id");
    int64_t formal_months = 0;
    if (in.fixed_place) {
        rc = norm_int(db, w, "party_transfer.formal_months", from_org, &formal_months);
        if (rc == DB_NOTFOUND)
            return api_fail(rep, w->lang, E_PTRANSFER_NO_FORMAL_NORM, "away_months");
        if (rc != DB_OK)
            return api_db_error(rep, w->lang, rc, NULL);
    }
    ptransfer_form_t form = ptransfer_form((int)in.away_months, in.fixed_place, (int)formal_months);
    rc = db_one_int(db, &n, "SELECT COUNT(*) FROM party_transfer WHERE person_id = ? AND state NOT IN ('completed', 'cancelled')",
                    "i", person);
    if (rc == DB_OK && n > 0)
        return api_fail(rep, w->lang, E_PTRANSFER_OPEN, "person_id");
    if (rc == DB_OK)
        rc = db_one_int(db, &id,
                        "INSERT INTO party_transfer (person_id, from_party_org_id, from_org_id, to_party_org_id, to_org_id,"
                        " type, form, away_months, fixed_place, purpose, dues_paid_to, created_by, created_at, updated_at)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                        "iiiiittiittIii", person, from_po, from_org, in.to_party_org_id, to_org, in.type,
                        ptransfer_forms[form], in.away_months, (int64_t)in.fixed_place, in.purpose, in.dues_paid_to,
                        w->who.user_id, w->now, w->now);
    if (rc == DB_UNIQUE)
        return api_fail(rep, w->lang, E_PTRANSFER_OPEN, "person_id");
    if (rc == DB_OK)
        rc = event_log(db, w, id, "apply", NULL, "applied", NULL);
    if (rc == DB_OK) /* no purpose: free text may hold personal details */
        rc = audit_append_new(db, w, "party_transfer.created", "party_transfer", id, from_org,
                              json_pack("{s:I, s:I, s:s, s:s, s:b}", "from_party_org_id", (json_int_t)from_po,
                                        "to_party_org_id", (json_int_t)in.to_party_org_id, "type", in.type, "form",
                                        ptransfer_forms[form], "for_self", person == w->who.person_id));
    return answer(db, w, rc, id, 201, rep);
}

DEFER_BODY(party_transfer_create, create_write)

/* ---------------------------------------------------------------- moves */

typedef struct {
    uint64_t given;
    const char *action;
    const char *reason;
    int64_t version;
    const char *letter_no;
    int64_t valid_days;
} pt_move_in_t;

static const field_t move_fields[] = {
    IN(pt_move_in_t, action, F_ENUM, 1, 0, 0, ptransfer_actions),
    IN(pt_move_in_t, reason, F_BLOCK, 0, 1, 1000, NULL),
    IN(pt_move_in_t, version, F_INT, 1, 1, INT64_MAX, NULL),
    IN(pt_move_in_t, letter_no, F_NAME, 0, 1, 40, NULL),
    IN(pt_move_in_t, valid_days, F_INT, 0, 1, 365, NULL),
    FIELDS_END,
};

/* The sending side issues the letter: its number, today, and the days it is
 * accepted (the body's, else the norm at the sending node). 0, or -1 with rep set. */
static int issue_letter(db_t *db, const write_ctx_t *w, const pt_at_t *t, const pt_move_in_t *in, api_reply_t *rep)
{
    if (in->letter_no == NULL)
        return api_fail(rep, w->lang, E_PTRANSFER_LETTER_REQUIRED, "letter_no");
    int64_t days = in->valid_days;
    if (days == 0) {
        int rc = norm_int(db, w, "party_transfer.letter_valid_days", t->from_org, &days);
        if (rc == DB_NOTFOUND)
            return api_fail(rep, w->lang, E_PTRANSFER_NO_VALIDITY_NORM, "valid_days");
        if (rc != DB_OK)
            return api_db_error(rep, w->lang, rc, NULL);
    }
    char today[16], expires[16];
    date_of(w->now, today);
    /* The last day it is accepted: valid_days after the day of issue (noon in Asia/Shanghai). */
    date_of((time_days_of_date(today) + days) * 86400 + 4 * 3600, expires);
    int rc = db_exec(db, NULL,
                     "UPDATE party_transfer SET letter_no = ?, issued_on = ?, valid_days = ?, expires_on = ? WHERE id = ?",
                     "ttiti", in->letter_no, today, days, expires, t->id);
    return rc == DB_OK ? 0 : api_db_error(rep, w->lang, rc, NULL);
}

/* Completion of a formal transfer: the member leaves the sending party
 * organisation for the destination, with the figures (party_member_rollup out,
 * then in) in the same write. 0, or -1 with rep set. */
static int move_member(db_t *db, const write_ctx_t *w, const pt_at_t *t, api_reply_t *rep)
{
    int64_t now_po = 0;
    int rc = db_one_int(db, &now_po, "SELECT party_org_id FROM party_member WHERE person_id = ?", "i", t->person);
    if (rc == DB_NOTFOUND || (rc == DB_OK && now_po != t->from_po))
        return api_fail(rep, w->lang, E_PTRANSFER_MEMBER_MOVED, "action");
    if (rc == DB_OK)
        rc = party_member_rollup(db, t->person, -1);
    if (rc == DB_OK)
        rc = db_exec(db, NULL,
                     "UPDATE party_member SET party_org_id = ?, updated_at = ?, version = version + 1 WHERE person_id = ?",
                     "iii", t->to_po, w->now, t->person);
    if (rc == DB_OK)
        rc = party_member_rollup(db, t->person, 1);
    return rc == DB_OK ? 0 : api_db_error(rep, w->lang, rc, NULL);
}

static int move_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    pt_move_in_t in = {0};
    api_input_fill(move_fields, data, &in);
    pt_at_t t;
    int64_t org = 0;
    int rc = pt_scope(db, &w->who, w->id, &org);
    if (rc == DB_OK)
        rc = pt_load(db, w->id, &t);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "party_transfer");
    ptransfer_action_t a = ptransfer_action_from_name(in.action);
    ptransfer_state_t to = ptransfer_next(t.state, a);
    if (to == PTS_NONE)
        return api_fail(rep, w->lang, E_PTRANSFER_MOVE_NOT_POSSIBLE, "action");
    if (!may_act(&w->who, &t, a))
        return api_fail(rep, w->lang, ptransfer_actor(a) == PT_BY_RECEIVER ? E_PTRANSFER_RECEIVER_ONLY : E_PTRANSFER_SENDER_ONLY,
                        "action");
    if (ptransfer_needs_reason(a) && in.reason == NULL)
        return api_fail(rep, w->lang, E_PTRANSFER_REASON_REQUIRED, "reason");
    if (api_check_version(db, w, "SELECT version FROM party_transfer WHERE id = ?", t.id, data, rep) != 0)
        return -1;
    char today[16];
    date_of(w->now, today);
    if (a == PTA_RECEIVE && t.expires_on[0] && strcmp(t.expires_on, today) < 0)
        return api_fail(rep, w->lang, E_PTRANSFER_LETTER_EXPIRED, "action");
    if (a == PTA_APPROVE && issue_letter(db, w, &t, &in, rep) != 0)
        return -1;
    if (a == PTA_COMPLETE && t.form == PTF_FORMAL && move_member(db, w, &t, rep) != 0)
        return -1;
    rc = db_exec(db, NULL,
                 "UPDATE party_transfer SET state = ?, note = CASE WHEN ? = 1 THEN ? ELSE note END,"
                 " received_by = CASE WHEN ? = 1 THEN ? ELSE received_by END,"
                 " received_at = CASE WHEN ? = 1 THEN ? ELSE received_at END,"
                 " completed_at = CASE WHEN ? = 1 THEN ? ELSE completed_at END,"
                 " updated_at = ?, version = version + 1 WHERE id = ?",
                 "titiIiiiiii", ptransfer_state_name(to), (int64_t)ptransfer_needs_reason(a), in.reason,
                 (int64_t)(a == PTA_RECEIVE), w->who.user_id, (int64_t)(a == PTA_RECEIVE), w->now,
                 (int64_t)(a == PTA_COMPLETE), w->now, w->now, t.id);
    if (rc == DB_OK)
        rc = event_log(db, w, t.id, in.action, ptransfer_state_name(t.state), ptransfer_state_name(to), in.reason);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "party_transfer.moved", "party_transfer", t.id, t.from_org,
                              json_pack("{s:s, s:s, s:s, s:b}", "action", in.action, "from",
                                        ptransfer_state_name(t.state), "to", ptransfer_state_name(to), "member_moved",
                                        a == PTA_COMPLETE && t.form == PTF_FORMAL));
    return answer(db, w, rc, t.id, 200, rep);
}

DEFER_BODY(party_transfer_move, move_write)

static int party_transfer_get(api_req_t *req, api_reply_t *rep)
{
    char today[16];
    date_today(today);
    json_t *o = pt_json(req->db, req->who, req->params[0], today);
    return o ? api_json(rep, 200, o) : api_db_error(rep, req->lang, DB_NOTFOUND, "party_transfer");
}

/* ---------------------------------------------------------------- lists */

static const char *const boxes[] = {"in", "out", NULL};

static const field_t list_query[] = {
    {"org", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"box", F_ENUM, 0, 0, 0, boxes, 0},
    {"state", F_ENUM, 0, 0, 0, ptransfer_states, 0},
    {"open", F_BOOL, 0, 0, 0, NULL, 0},
    {"person_id", F_INT, 0, 1, INT64_MAX, NULL, 0},
    FIELDS_END,
};

static const api_sort_t list_sorts[] = {
    {"created_at", "t.created_at", 0, NULL},
    {"member_name", "p.name", 0, NULL},
    {NULL, NULL, 0, NULL},
};

/* The transfers out of (box=out), into (box=in) or either (no box) the
 * subtree of ?org= (else the caller's scope), ?state=, ?open=, ?person_id=. */
static int list_build(api_req_t *req, api_reply_t *rep, api_list_t *l, char *today)
{
    int64_t org = 0, open = -1, person = 0;
    char lo[ACCESS_PATH_MAX], hi[ACCESS_PATH_MAX];
    api_query_int(req, "org", 0, 1, INT64_MAX, &org);
    api_query_int(req, "open", -1, 0, 1, &open);
    api_query_int(req, "person_id", 0, 1, INT64_MAX, &person);
    int rc = access_list_range(req->db, req->who, PT_READ, org, lo, hi);
    if (rc != DB_OK)
        return api_db_error(rep, req->lang, rc, "org");
    char *box = api_query(req, "box"), *state = api_query(req, "state");
    int out = box == NULL || strcmp(box, "out") == 0, inward = box == NULL || strcmp(box, "in") == 0;
    api_list_begin(l, PT_COLUMNS, PT_FROM, "t.id", NULL);
    api_list_where(l, "((? = 1 AND f.path >= ? AND f.path < ?) OR (? = 1 AND o.path >= ? AND o.path < ?))", "ittitt",
                   (int64_t)out, lo, hi, (int64_t)inward, lo, hi);
    if (state)
        api_list_where(l, "t.state = ?", "t", state);
    if (open >= 0)
        api_list_where(l, "(t.state NOT IN ('completed', 'cancelled')) = (? = 1)", "i", open);
    if (person)
        api_list_where(l, "t.person_id = ?", "i", person);
    free(box);
    free(state);
    date_today(today);
    l->row = pt_row;
    l->row_ctx = today;
    return 0;
}

static int party_transfer_list(api_req_t *req, api_reply_t *rep)
{
    api_list_t l;
    char today[16];
    if (list_build(req, rep, &l, today) != 0)
        return -1;
    return api_list_answer(req, rep, &l);
}

static const list_col_t export_cols[] = {
    {"member_name", "党员", NULL, NULL},
    {"from_party_org_name", "转出党组织", NULL, NULL},
    {"to_party_org_name", "转入党组织", NULL, NULL},
    {"type", "转接类型", ptransfer_types, type_words},
    {"form", "转接方式", ptransfer_forms, form_words},
    {"letter_no", "介绍信编号", NULL, NULL},
    {"issued_on", "开具日期", NULL, NULL},
    {"expires_on", "有效期至", NULL, NULL},
    {"dues_paid_to", "党费交至", NULL, NULL},
    {"state", "状态", ptransfer_states, state_words},
    {NULL, NULL, NULL, NULL},
};

static int party_transfer_export(api_req_t *req, api_reply_t *rep)
{
    api_list_t l;
    char today[16];
    if (list_build(req, rep, &l, today) != 0)
        return -1;
    return api_list_export(req, rep, &l, "组织关系转接", export_cols, "party-transfers");
}

/* GET /api/v1/party-transfers/destinations?q=: the party organisations (branches
 * and the like, anywhere in the system) whose name holds q, for the sending side
 * to address a transfer to: at most 20, {id, name, kind, org_id, org_name}. The
 * receiving side is usually outside the sender's scope, and a party
 * organisation's name is no personal data. */
static int party_transfer_destinations(api_req_t *req, api_reply_t *rep)
{
    char *like = api_like_param(req, "q");
    json_t *rows = like ? db_rows_json(req->db,
                                       "SELECT po.id, po.name, po.kind, po.org_id, o.name AS org_name FROM party_org po"
                                       " JOIN org o ON o.id = po.org_id WHERE po.name LIKE ? ESCAPE '\\'"
                                       " ORDER BY po.name, po.id LIMIT 20",
                                       "t", like)
                        : json_array();
    free(like);
    if (rows == NULL)
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    return api_json(rep, 200, json_pack("{s:o}", "items", rows));
}

static const field_t destinations_query[] = {
    {"q", F_TEXT, 1, 1, 50, NULL, 0},
    FIELDS_END,
};

/* ---------------------------------------------------------------- the member's own */

/* GET /api/v1/my/party-transfer: the caller's membership (null when the caller
 * is no party member) and their transfers, the latest first (at most 10). */
static int my_party_transfer(api_req_t *req, api_reply_t *rep)
{
    int64_t person = req->who->person_id;
    json_t *member = person ? db_row_one_json(req->db,
                                              "SELECT m.person_id, m.party_org_id, po.name AS party_org_name"
                                              " FROM party_member m JOIN party_org po ON po.id = m.party_org_id"
                                              " WHERE m.person_id = ?",
                                              "i", person)
                            : NULL;
    json_t *ids = person ? db_rows_json(req->db, "SELECT id FROM party_transfer WHERE person_id = ? ORDER BY id DESC LIMIT 10",
                                        "i", person)
                         : json_array();
    if (ids == NULL) {
        json_decref(member);
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    }
    char today[16];
    date_today(today);
    json_t *list = json_array();
    size_t i;
    json_t *r;
    json_array_foreach(ids, i, r) {
        json_t *full = pt_json(req->db, req->who, json_integer_value(json_object_get(r, "id")), today);
        if (full)
            json_array_append_new(list, full);
    }
    json_decref(ids);
    return api_json(rep, 200, json_pack("{s:o, s:o}", "member", member ? member : json_null(), "transfers", list));
}

/* ---------------------------------------------------------------- figures and the inbox */

/* The figures of [lo, hi) for year: transfers in progress out of and into the
 * range, those waiting at the receiving side with their letter expired, and
 * those completed in the year each way (a transfer inside the range counts
 * both ways). */
json_t *party_transfer_figures_of(db_t *db, const principal_t *who, const char *lo, const char *hi, int64_t year,
                                  const char *today)
{
    (void)who;
    char from[32], to[32];
    snprintf(from, sizeof from, "%04d-01-01", (int)year);
    snprintf(to, sizeof to, "%04d-12-31", (int)year);
    int64_t t0 = (time_days_of_date(from) * 86400) - 8 * 3600, t1 = (time_days_of_date(to) + 1) * 86400 - 8 * 3600;
#define OPEN "t.state NOT IN ('completed', 'cancelled')"
#define WAITING "t.state IN ('out_reviewed', 'suspended')"
    json_t *o = db_row_one_json(
        db,
        "SELECT COALESCE(SUM(CASE WHEN " OPEN " AND f.path >= ? AND f.path < ? THEN 1 ELSE 0 END), 0) AS pending_out,"
        " COALESCE(SUM(CASE WHEN " OPEN " AND o.path >= ? AND o.path < ? THEN 1 ELSE 0 END), 0) AS pending_in,"
        " COALESCE(SUM(CASE WHEN " WAITING " AND t.expires_on < ? AND f.path >= ? AND f.path < ? THEN 1 ELSE 0 END), 0)"
        " AS expired_out,"
        " COALESCE(SUM(CASE WHEN t.state = 'completed' AND t.completed_at >= ? AND t.completed_at < ?"
        " AND f.path >= ? AND f.path < ? THEN 1 ELSE 0 END), 0) AS completed_out,"
        " COALESCE(SUM(CASE WHEN t.state = 'completed' AND t.completed_at >= ? AND t.completed_at < ?"
        " AND o.path >= ? AND o.path < ? THEN 1 ELSE 0 END), 0) AS completed_in"
        " FROM party_transfer t JOIN org f ON f.id = t.from_org_id JOIN org o ON o.id = t.to_org_id"
        " WHERE (f.path >= ? AND f.path < ?) OR (o.path >= ? AND o.path < ?)",
        "tttttttiittiitttttt", lo, hi, lo, hi, today, lo, hi, t0, t1, lo, hi, t0, t1, lo, hi, lo, hi, lo, hi);
#undef OPEN
#undef WAITING
    return o;
}

static int party_transfer_figures(api_req_t *req, api_reply_t *rep)
{
    return api_subtree_figures(req, rep, PT_READ, party_transfer_figures_of);
}

/* The inbox's part of transfers: those waiting for the caller's act under
 * their (widest) party.write grant: to review, complete or re-apply at the
 * sending side; to receive at the receiving side. {count, items (the first
 * 20, oldest first)}, or NULL. */
json_t *party_transfer_inbox(db_t *db, const principal_t *who)
{
    char lo[ACCESS_PATH_MAX] = "~", hi[ACCESS_PATH_MAX] = "~", today[16]; /* "~": a range that holds nothing */
    if (access_list_range(db, who, PT_WRITE, 0, lo, hi) != DB_OK)
        str_copy(lo, sizeof lo, "~"), str_copy(hi, sizeof hi, "~");
    date_today(today);
#define WAITING                                                                                                        \
    PT_FROM " WHERE (t.state IN ('applied', 'returned', 'received') AND f.path >= ? AND f.path < ?)"                  \
            " OR (t.state IN ('out_reviewed', 'suspended') AND o.path >= ? AND o.path < ?)"
    json_t *items = db_rows_json(db, PT_COLUMNS WAITING " ORDER BY t.updated_at, t.id LIMIT 20", "tttt", lo, hi, lo, hi);
    int64_t count = 0;
    if (items == NULL || db_one_int(db, &count, "SELECT COUNT(*)" WAITING, "tttt", lo, hi, lo, hi) != DB_OK) {
        json_decref(items);
        return NULL;
    }
#undef WAITING
    size_t i;
    json_t *r;
    json_array_foreach(items, i, r) pt_row(r, today);
    return json_pack("{s:I, s:o}", "count", (json_int_t)count, "items", items);
}

/* ---------------------------------------------------------------- the table */

static const entity_t pt_entity = {"party_transfer", NULL, pt_scope};

const op_t party_transfer_ops[] = {
    {OP(HTTP_GET, "/api/v1/party-transfers", "party_transfers.list", PERM(PT_READ), RF_PAGED, party_transfer_list),
     .query = list_query, .sorts = list_sorts},
    {OP(HTTP_GET, "/api/v1/party-transfers/export", "party_transfers.export", PERM(PT_READ), RF_WRITES,
        party_transfer_export),
     .query = list_query},
    {OP(HTTP_GET, "/api/v1/party-transfers/destinations", "party_transfers.destinations", PERM(PT_WRITE), 0,
        party_transfer_destinations),
     .query = destinations_query},
    {OP(HTTP_POST, "/api/v1/party-transfers", "party_transfers.create", USER, RF_BODY | RF_WRITES, party_transfer_create),
     .body = create_fields},
    {OP(HTTP_GET, "/api/v1/party-transfers/{id}", "party_transfers.get", USER, 0, party_transfer_get),
     .entity = &pt_entity},
    {OP(HTTP_POST, "/api/v1/party-transfers/{id}/moves", "party_transfers.move", USER, RF_BODY | RF_WRITES,
        party_transfer_move),
     .body = move_fields, .entity = &pt_entity},
    {OP(HTTP_GET, "/api/v1/my/party-transfer", "my_party_transfer.get", USER, 0, my_party_transfer)},
    {OP(HTTP_GET, "/api/v1/party-transfer-figures", "party_transfer_figures.get", PERM(PT_READ), 0,
        party_transfer_figures),
     .query = subtree_figures_query},
    OPS_END,
};
