/* 双报到: in-service party members report to the community where they live
 * (core/reportfsm.c: pending → reported → returned/cancelled), the community
 * receives them and keeps their service records (027's service_record: a
 * member enters their own, unverified; community staff enter or verify them
 * and record the resident's rating), and each quarter the community sends the
 * member's employer party organisation a service card (the quarter's records,
 * verified hours and the community's grade, frozen as sent), which the
 * employer's staff acknowledge. Members are held against the norms
 * inservice.activities_min and inservice.hours_min. See docs/service-report.md. */
#include "api/handlers.h"
#include "api/op.h"
#include "api/internal.h"
#include "api/list.h"

#include <stdlib.h>
#include <string.h>

#include "core/random.h"
#include "core/reportfsm.h"
#include "core/role.h"
#include "core/timefmt.h"
#include "lib/util.h"

#define SR_READ PERM_PARTY_READ
#define SR_WRITE PERM_PARTY_WRITE

const char *const service_grades[] = {"excellent", "qualified", "basic", "unqualified", NULL};
const char *const service_record_sources[] = {"post", "wish", "manual", NULL};
const char *const unit_report_states[] = {"pending", "received", NULL};

/* A reference the body names: 404 naming field when it is missing or out of
 * the caller's sight, else the storage error. Always -1. */
static int ref_missing(api_reply_t *rep, const char *lang, int rc, err_t e, const char *field)
{
    return rc == DB_NOTFOUND ? api_fail(rep, lang, e, field) : api_db_error(rep, lang, rc, NULL);
}

/* ---------------------------------------------------------------- who is who */

/* A member report's parties: the community reported to and the member's own
 * party organisation's node (where staff act for the member), and the employer
 * party organisation's node (the unit side). */
typedef struct {
    int64_t id, org, person, member_org, employer_org, employer_party_org;
    report_state_t state;
    char path[ACCESS_PATH_MAX], member_path[ACCESS_PATH_MAX], employer_path[ACCESS_PATH_MAX];
} report_at_t;

static int node_path(db_t *db, int64_t org, char *path)
{
    return org > 0 ? org_brief(db, org, path, ACCESS_PATH_MAX, NULL, 0) : DB_NOTFOUND;
}

static int report_load(db_t *db, int64_t id, report_at_t *r)
{
    memset(r, 0, sizeof *r);
    db_stmt_t *st = db_q(db,
                         "SELECT r.org_id, r.person_id, COALESCE(mo.org_id, 0), eo.org_id, r.employer_party_org_id, r.state"
                         " FROM member_report r JOIN party_org eo ON eo.id = r.employer_party_org_id"
                         " LEFT JOIN party_member m ON m.person_id = r.person_id"
                         " LEFT JOIN party_org mo ON mo.id = m.party_org_id WHERE r.id = ?",
                         "i", id);
    if (st == NULL)
        return DB_ERR;
    int rc = db_step(st);
    if (rc == DB_ROW) {
        r->org = db_col_int(st, 0);
        r->person = db_col_int(st, 1);
        r->member_org = db_col_int(st, 2);
        r->employer_org = db_col_int(st, 3);
        r->employer_party_org = db_col_int(st, 4);
        r->state = report_state_from_name(db_col_text(st, 5));
        rc = DB_OK;
    } else if (rc == DB_DONE) {
        rc = DB_NOTFOUND;
    }
    db_done(st);
    r->id = id;
    if (rc == DB_OK)
        rc = node_path(db, r->org, r->path);
    if (rc == DB_OK && node_path(db, r->member_org, r->member_path) != DB_OK)
        r->member_path[0] = '\0';
    if (rc == DB_OK)
        rc = node_path(db, r->employer_org, r->employer_path);
    return rc;
}

/* Acting for the member: the member themself, or staff over the member's own
 * party organisation or over the employer party organisation. */
static int member_side(const principal_t *who, const report_at_t *r, uint32_t perm)
{
    return (who->person_id > 0 && who->person_id == r->person) ||
           (r->member_path[0] && access_covers(who, perm, r->member_path)) ||
           access_covers(who, perm, r->employer_path);
}

static int community_side(const principal_t *who, const report_at_t *r, uint32_t perm)
{
    return access_covers(who, perm, r->path);
}

/* A report is seen by its member, the community's side and the member's side. */
static int report_scope(db_t *db, const principal_t *who, int64_t id, int64_t *org)
{
    report_at_t r;
    int rc = report_load(db, id, &r);
    if (rc != DB_OK)
        return rc;
    *org = r.org;
    return community_side(who, &r, SR_READ) || member_side(who, &r, SR_READ) ? DB_OK : DB_NOTFOUND;
}

/* The norm's status of a member for a year at a community: the verified
 * activities and minutes against inservice.activities_min and hours_min (null
 * where no norm is in force). NULL on a storage error. */
static json_t *norm_status(db_t *db, int64_t person, int64_t org, int year)
{
    char from[32], to[32];
    snprintf(from, sizeof from, "%04d-01-01", year);
    snprintf(to, sizeof to, "%04d-12-31", year);
    json_t *s = db_row_one_json(db,
                                "SELECT COUNT(*) AS activities, COALESCE(SUM(minutes), 0) AS minutes FROM service_record"
                                " WHERE person_id = ? AND verified_at IS NOT NULL AND served_on >= ? AND served_on <= ?",
                                "itt", person, from, to);
    if (s == NULL)
        return NULL;
    json_t *amin = NULL, *hmin = NULL;
    int met = 1, known = 0;
    int64_t activities = json_integer_value(json_object_get(s, "activities"));
    int64_t minutes = json_integer_value(json_object_get(s, "minutes"));
    if (org > 0 && norm_get(db, "inservice.activities_min", org, year, &amin) == DB_OK) {
        known = 1;
        met = met && (double)activities >= json_number_value(amin);
    }
    if (org > 0 && norm_get(db, "inservice.hours_min", org, year, &hmin) == DB_OK) {
        known = 1;
        met = met && (double)minutes >= json_number_value(hmin) * 60.0;
    }
    json_object_set_new(s, "year", json_integer(year));
    json_object_set_new(s, "hours", json_real((double)minutes / 60.0));
    json_object_set_new(s, "activities_min", amin ? amin : json_null());
    json_object_set_new(s, "hours_min", hmin ? hmin : json_null());
    json_object_set_new(s, "met", known ? json_boolean(met) : json_null());
    return s;
}

/* ---------------------------------------------------------------- member reports */

#define REPORT_COLUMNS                                                                                                 \
    "SELECT r.id, r.org_id, o.name AS org_name, r.person_id, p.name AS member_name, r.employer_unit_id,"               \
    " u.name AS employer_unit_name, r.employer_party_org_id, eo.name AS employer_party_org_name, r.skills,"           \
    " r.preferred_grid_id, g.name AS preferred_grid_name, r.preferred_team, r.state, r.reason, r.received_at,"        \
    " ru.display_name AS received_by_name, r.ended_at, r.created_at, r.updated_at, r.version"
#define REPORT_FROM                                                                                                    \
    " FROM member_report r JOIN org o ON o.id = r.org_id JOIN person p ON p.id = r.person_id"                         \
    " JOIN party_org eo ON eo.id = r.employer_party_org_id LEFT JOIN unit u ON u.id = r.employer_unit_id"             \
    " LEFT JOIN org g ON g.id = r.preferred_grid_id LEFT JOIN app_user ru ON ru.id = r.received_by"

static json_t *report_can(const principal_t *who, const report_at_t *r)
{
    json_t *moves = json_array();
    for (int a = 0; a < MRA_COUNT; a++) {
        if (report_next(r->state, (report_action_t)a) == MRS_NONE)
            continue;
        if (report_actor((report_action_t)a) == REPORT_BY_MEMBER ? member_side(who, r, SR_WRITE)
                                                                  : community_side(who, r, SR_WRITE))
            json_array_append_new(moves, json_string(report_action_name((report_action_t)a)));
    }
    int community = community_side(who, r, SR_WRITE);
    return json_pack("{s:o, s:b, s:b}", "moves", moves, "record",
                     r->state == MRS_REPORTED && (community || (who->person_id > 0 && who->person_id == r->person)),
                     "issue_card", community && r->state != MRS_PENDING);
}

/* A report with its history, the member's norm status this year and what the
 * caller may do; NULL when missing. */
static json_t *report_json(db_t *db, const principal_t *who, int64_t id)
{
    report_at_t r;
    if (report_load(db, id, &r) != DB_OK)
        return NULL;
    json_t *o = db_row_one_json(db, REPORT_COLUMNS REPORT_FROM " WHERE r.id = ?", "i", id);
    json_t *events = db_rows_json(db,
                                  "SELECT e.id, e.action, e.from_state, e.to_state, e.reason, e.at AS moved_at,"
                                  " u.display_name AS by_name FROM member_report_event e"
                                  " LEFT JOIN app_user u ON u.id = e.user_id WHERE e.report_id = ? ORDER BY e.id",
                                  "i", id);
    json_t *status = norm_status(db, r.person, r.org, api_today_ymd() / 10000);
    if (o == NULL || events == NULL || status == NULL) {
        json_decref(o);
        json_decref(events);
        json_decref(status);
        return NULL;
    }
    json_object_set_new(o, "history", events);
    json_object_set_new(o, "status", status);
    json_object_set_new(o, "can", report_can(who, &r));
    return o;
}

static int answer_report(db_t *db, const write_ctx_t *w, int rc, int64_t id, int status, api_reply_t *rep)
{
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    json_t *o = report_json(db, &w->who, id);
    return o ? api_json(rep, status, o) : api_db_error(rep, w->lang, DB_ERR, NULL);
}

typedef struct {
    uint64_t given;
    int64_t person_id;
    int64_t org_id;
    int64_t employer_unit_id;
    int64_t employer_party_org_id;
    const char *skills;
    int64_t preferred_grid_id;
    const char *preferred_team;
} report_in_t;

static const field_t report_fields[] = {
    IN(report_in_t, person_id, F_INT, 0, 1, INT64_MAX, NULL),
    IN(report_in_t, org_id, F_INT, 1, 1, INT64_MAX, NULL),
    IN(report_in_t, employer_unit_id, F_INT, 0, 1, INT64_MAX, NULL),
    IN(report_in_t, employer_party_org_id, F_INT, 1, 1, INT64_MAX, NULL),
    IN(report_in_t, skills, F_BLOCK, 0, 1, 500, NULL),
    IN(report_in_t, preferred_grid_id, F_INT, 0, 1, INT64_MAX, NULL),
    IN(report_in_t, preferred_team, F_NAME, 0, 1, 100, NULL),
    FIELDS_END,
};

static int event_log(db_t *db, const write_ctx_t *w, int64_t report, const char *action, const char *from,
                     const char *to, const char *reason)
{
    return db_exec(db, NULL,
                   "INSERT INTO member_report_event (report_id, action, from_state, to_state, reason, at, user_id)"
                   " VALUES (?, ?, ?, ?, ?, ?, ?)",
                   "itttti" "I", report, action, from, to, reason, w->now, w->who.user_id);
}

/* The member a caller acts for: the person named (staff over the member's party
 * organisation, or the member themself), else the caller's own person. 0, or -1
 * with rep set. */
static int member_for(db_t *db, const write_ctx_t *w, int64_t named, int64_t *person, api_reply_t *rep)
{
    *person = named ? named : w->who.person_id;
    if (*person == 0)
        return api_fail(rep, w->lang, E_SERVICE_NOT_MEMBER, "person_id");
    int64_t in_service = 0, org = 0;
    int rc = db_one_int(db, &org,
                        "SELECT po.org_id FROM party_member m JOIN party_org po ON po.id = m.party_org_id"
                        " WHERE m.person_id = ?",
                        "i", *person);
    if (rc == DB_NOTFOUND && *person == w->who.person_id)
        return api_fail(rep, w->lang, E_SERVICE_NOT_MEMBER, "person_id");
    if (rc == DB_OK && *person != w->who.person_id && access_org(db, &w->who, SR_WRITE, org, NULL, 0) != DB_OK)
        rc = DB_NOTFOUND;
    if (rc != DB_OK)
        return ref_missing(rep, w->lang, rc, E_PERSON_NOT_FOUND, "person_id");
    rc = db_one_int(db, &in_service, "SELECT in_service FROM party_member WHERE person_id = ?", "i", *person);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    return in_service ? 0 : api_fail(rep, w->lang, E_SERVICE_NOT_IN_SERVICE, "person_id");
}

/* org is a community (or village) node: 0, or -1 with rep set. */
static int community_input(db_t *db, const write_ctx_t *w, int64_t org, const char *field, api_reply_t *rep)
{
    char level[16] = "";
    int rc = db_one_text(db, level, sizeof level, "SELECT level FROM org WHERE id = ?", "i", org);
    if (rc != DB_OK)
        return ref_missing(rep, w->lang, rc, E_ORG_NOT_FOUND, field);
    return strcmp(level, "community") == 0 ? 0 : api_fail(rep, w->lang, E_SERVICE_NOT_COMMUNITY, field);
}

static int report_create_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    report_in_t in = {0};
    api_input_fill(report_fields, data, &in);
    int64_t person = 0, id = 0, n = 0;
    if (member_for(db, w, in.person_id, &person, rep) != 0)
        return -1;
    if (community_input(db, w, in.org_id, "org_id", rep) != 0)
        return -1;
    int rc = db_one_int(db, &n, "SELECT COUNT(*) FROM party_org WHERE id = ?", "i", in.employer_party_org_id);
    if (rc == DB_OK && n == 0)
        return ref_missing(rep, w->lang, DB_NOTFOUND, E_REFERENCE_NOT_FOUND, "employer_party_org_id");
    if (rc == DB_OK && in.employer_unit_id) {
        rc = db_one_int(db, &n, "SELECT COUNT(*) FROM unit WHERE id = ?", "i", in.employer_unit_id);
        if (rc == DB_OK && n == 0)
            return ref_missing(rep, w->lang, DB_NOTFOUND, E_UNIT_NOT_FOUND, "employer_unit_id");
    }
    if (rc == DB_OK && in.preferred_grid_id) {
        rc = db_one_int(db, &n, "SELECT COUNT(*) FROM org g JOIN org c ON c.id = ? WHERE g.id = ? AND g.parent_id = c.id",
                        "ii", in.org_id, in.preferred_grid_id);
        if (rc == DB_OK && n == 0)
            return api_fail(rep, w->lang, E_SERVICE_GRID_OUTSIDE, "preferred_grid_id");
    }
    if (rc == DB_OK)
        rc = db_one_int(db, &n, "SELECT COUNT(*) FROM member_report WHERE person_id = ? AND state IN ('pending', 'reported')",
                        "i", person);
    if (rc == DB_OK && n > 0)
        return api_fail(rep, w->lang, E_SERVICE_REPORT_ACTIVE, "person_id");
    if (rc == DB_OK)
        rc = db_one_int(db, &id,
                        "INSERT INTO member_report (org_id, person_id, employer_unit_id, employer_party_org_id, skills,"
                        " preferred_grid_id, preferred_team, created_by, created_at, updated_at)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                        "iiIitItIii", in.org_id, person, in.employer_unit_id, in.employer_party_org_id, in.skills,
                        in.preferred_grid_id, in.preferred_team, w->who.user_id, w->now, w->now);
    if (rc == DB_UNIQUE)
        return api_fail(rep, w->lang, E_SERVICE_REPORT_ACTIVE, "person_id");
    if (rc == DB_OK)
        rc = event_log(db, w, id, "report", NULL, "pending", NULL);
    if (rc == DB_OK) /* no skills or team text: free text may hold personal details */
        rc = audit_append_new(db, w, "member_report.created", "member_report", id, in.org_id,
                              json_pack("{s:I, s:I, s:b}", "org_id", (json_int_t)in.org_id, "employer_party_org_id",
                                        (json_int_t)in.employer_party_org_id, "for_self", person == w->who.person_id));
    return answer_report(db, w, rc, id, 201, rep);
}

DEFER_BODY(member_report_create, report_create_write)

static int member_report_get(api_req_t *req, api_reply_t *rep)
{
    json_t *o = report_json(req->db, req->who, req->params[0]);
    return o ? api_json(rep, 200, o) : api_db_error(rep, req->lang, DB_NOTFOUND, "member_report");
}

static const field_t report_move_fields[] = {
    MOVE_FIELDS(report_actions),
    FIELDS_END,
};

/* Set the member's registered community (0: none), when it is now was (any
 * when was is 0), keeping the people figures (in_service_registered) in step. */
static int member_registered(db_t *db, const write_ctx_t *w, int64_t person, int64_t org, int64_t was)
{
    int64_t now = 0;
    int rc = db_one_int(db, &now, "SELECT COALESCE(registered_org_id, 0) FROM party_member WHERE person_id = ?", "i",
                        person);
    if (rc == DB_NOTFOUND || (rc == DB_OK && (now == org || (was && now != was))))
        return DB_OK;
    if (rc == DB_OK)
        rc = party_member_rollup(db, person, -1);
    if (rc == DB_OK)
        rc = db_exec(db, NULL,
                     "UPDATE party_member SET registered_org_id = ?, updated_at = ?, version = version + 1"
                     " WHERE person_id = ?",
                     "Iii", org, w->now, person);
    if (rc == DB_OK)
        rc = party_member_rollup(db, person, 1);
    return rc;
}

static int report_move_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    move_in_t in = {0};
    api_input_fill(report_move_fields, data, &in);
    report_at_t r;
    int64_t org = 0;
    int rc = report_scope(db, &w->who, w->id, &org);
    if (rc == DB_OK)
        rc = report_load(db, w->id, &r);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "member_report");
    report_action_t a = report_action_from_name(in.action);
    report_state_t to = report_next(r.state, a);
    if (to == MRS_NONE)
        return api_fail(rep, w->lang, E_SERVICE_MOVE_NOT_POSSIBLE, "action");
    if (report_actor(a) == REPORT_BY_MEMBER ? !member_side(&w->who, &r, SR_WRITE)
                                             : !community_side(&w->who, &r, SR_WRITE))
        return api_fail(rep, w->lang, report_actor(a) == REPORT_BY_MEMBER ? E_SERVICE_MEMBER_ONLY
                                                                          : E_SERVICE_COMMUNITY_ONLY,
                        "action");
    if (report_needs_reason(a) && in.reason == NULL)
        return api_fail(rep, w->lang, E_SERVICE_REASON_REQUIRED, "reason");
    if (api_check_version(db, w, "SELECT version FROM member_report WHERE id = ?", r.id, data, rep) != 0)
        return -1;
    rc = db_exec(db, NULL,
                 "UPDATE member_report SET state = ?, reason = CASE WHEN ? = 1 THEN ? ELSE reason END,"
                 " received_by = CASE WHEN ? = 1 THEN ? ELSE received_by END,"
                 " received_at = CASE WHEN ? = 1 THEN ? ELSE received_at END,"
                 " ended_at = CASE WHEN ? = 1 THEN ? ELSE ended_at END,"
                 " updated_at = ?, version = version + 1 WHERE id = ?",
                 "titiIiiiiii", report_state_name(to), (int64_t)report_needs_reason(a), in.reason,
                 (int64_t)(a == MRA_RECEIVE), w->who.user_id, (int64_t)(a == MRA_RECEIVE), w->now,
                 (int64_t)!report_active(to), w->now, w->now, r.id);
    /* The member's registered community follows the report. */
    if (rc == DB_OK && a == MRA_RECEIVE)
        rc = member_registered(db, w, r.person, r.org, 0);
    if (rc == DB_OK && r.state == MRS_REPORTED && !report_active(to))
        rc = member_registered(db, w, r.person, 0, r.org);
    if (rc == DB_OK)
        rc = event_log(db, w, r.id, in.action, report_state_name(r.state), report_state_name(to), in.reason);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "member_report.moved", "member_report", r.id, r.org,
                              json_pack("{s:s, s:s, s:s}", "action", in.action, "from", report_state_name(r.state),
                                        "to", report_state_name(to)));
    return answer_report(db, w, rc, r.id, 200, rep);
}

DEFER_BODY(member_report_move, report_move_write)

/* The conditions of a list under the community's subtree (?org=, else the
 * caller's scope): 0, or -1 with rep set. */
static int community_range(api_req_t *req, api_reply_t *rep, api_list_t *l, const char *path)
{
    int64_t org = 0;
    char lo[ACCESS_PATH_MAX], hi[ACCESS_PATH_MAX];
    api_query_int(req, "org", 0, 1, INT64_MAX, &org);
    int rc = access_list_range(req->db, req->who, SR_READ, org, lo, hi);
    if (rc != DB_OK)
        return api_db_error(rep, req->lang, rc, "org");
    char cond[96];
    snprintf(cond, sizeof cond, "%s >= ? AND %s < ?", path, path);
    api_list_where(l, cond, "tt", lo, hi);
    return 0;
}

/* The conditions of a list of what concerns employer party organisations
 * (query parameter param, column col): with param and without ?org=, staff
 * over that party organisation's node see all its rows, anyone else those of
 * the communities in their scope; otherwise the rows of the communities of
 * ?org= (else the caller's scope). 0, or -1 with rep set and l ended. */
static int party_org_or_range(api_req_t *req, api_reply_t *rep, api_list_t *l, const char *param, const char *col)
{
    int64_t party_org = 0, org = 0, node = 0;
    api_query_int(req, param, 0, 1, INT64_MAX, &party_org);
    api_query_int(req, "org", 0, 1, INT64_MAX, &org);
    int addressee = 0;
    if (party_org) {
        char cond[64];
        snprintf(cond, sizeof cond, "%s = ?", col);
        api_list_where(l, cond, "i", party_org);
        addressee = !org && db_one_int(req->db, &node, "SELECT org_id FROM party_org WHERE id = ?", "i", party_org) == DB_OK &&
                    access_org(req->db, req->who, SR_READ, node, NULL, 0) == DB_OK;
    }
    if (!addressee && community_range(req, rep, l, "o.path") != 0) {
        api_list_end(l);
        return -1;
    }
    return 0;
}

static void where_int(api_req_t *req, api_list_t *l, const char *name, const char *cond)
{
    int64_t v = 0;
    api_query_int(req, name, 0, 1, INT64_MAX, &v);
    if (v)
        api_list_where(l, cond, "i", v);
}

static void where_text(api_req_t *req, api_list_t *l, const char *name, const char *cond)
{
    char *v = api_query(req, name);
    if (v)
        api_list_where(l, cond, "t", v);
    free(v);
}

static const field_t report_query[] = {
    {"org", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"state", F_ENUM, 0, 0, 0, report_states, 0},
    {"person_id", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"employer_party_org_id", F_INT, 0, 1, INT64_MAX, NULL, 0},
    FIELDS_END,
};

static const api_sort_t report_sorts[] = {
    {"created_at", "r.created_at", 0, NULL},
    {"member_name", "p.name", 0, NULL},
    {NULL, NULL, 0, NULL},
};

static int report_list_build(api_req_t *req, api_reply_t *rep, api_list_t *l)
{
    api_list_begin(l, REPORT_COLUMNS, REPORT_FROM, "r.id", NULL);
    if (party_org_or_range(req, rep, l, "employer_party_org_id", "r.employer_party_org_id") != 0)
        return -1;
    where_text(req, l, "state", "r.state = ?");
    where_int(req, l, "person_id", "r.person_id = ?");
    return 0;
}

/* GET /api/v1/member-reports: the reports to the communities of the node (?org=,
 * else the caller's scope), ?state=, ?person_id=, ?employer_party_org_id=. */
static int member_report_list(api_req_t *req, api_reply_t *rep)
{
    api_list_t l;
    if (report_list_build(req, rep, &l) != 0)
        return -1;
    return api_list_answer(req, rep, &l);
}

static const list_col_t report_cols[] = {
    {"org_name", "社区"},          {"member_name", "党员"},     {"employer_unit_name", "工作单位"},
    {"employer_party_org_name", "单位党组织"}, {"skills", "特长"}, {"preferred_grid_name", "意向网格"},
    {"preferred_team", "意向服务队"}, {"state", "状态"},       {"received_at", "接收时间"},
    {NULL, NULL},
};

static int member_report_export(api_req_t *req, api_reply_t *rep)
{
    api_list_t l;
    if (report_list_build(req, rep, &l) != 0)
        return -1;
    return api_list_export(req, rep, &l, "在职党员报到", report_cols, "member-reports");
}

/* ---------------------------------------------------------------- service records */

#define RECORD_COLUMNS                                                                                                 \
    "SELECT s.id, s.org_id, o.name AS org_name, s.person_id, p.name AS member_name, s.served_on, s.start_min,"        \
    " s.end_min, s.minutes, s.content, s.source, s.source_id, s.verified_at, vu.display_name AS verified_by_name,"    \
    " s.rating, s.created_at, s.updated_at, s.version"
#define RECORD_FROM                                                                                                    \
    " FROM service_record s JOIN org o ON o.id = s.org_id JOIN person p ON p.id = s.person_id"                        \
    " LEFT JOIN app_user vu ON vu.id = s.verified_by"

/* A record is the community's: seen by its staff and by the member who served. */
static int record_scope(db_t *db, const principal_t *who, int64_t id, int64_t *org)
{
    int64_t person = 0;
    int rc = db_one_int(db, org, "SELECT org_id FROM service_record WHERE id = ?", "i", id);
    if (rc == DB_OK)
        rc = db_one_int(db, &person, "SELECT person_id FROM service_record WHERE id = ?", "i", id);
    if (rc != DB_OK)
        return rc;
    if (who->person_id > 0 && who->person_id == person)
        return DB_OK;
    return access_org(db, who, SR_READ, *org, NULL, 0);
}

static json_t *record_json(db_t *db, int64_t id)
{
    json_t *o = db_row_one_json(db, RECORD_COLUMNS RECORD_FROM " WHERE s.id = ?", "i", id);
    if (o)
        json_object_set_new(o, "verified", json_boolean(!json_is_null(json_object_get(o, "verified_at"))));
    return o;
}

static void record_row(json_t *row, void *ctx)
{
    (void)ctx;
    json_object_set_new(row, "verified", json_boolean(!json_is_null(json_object_get(row, "verified_at"))));
}

static int answer_record(db_t *db, const write_ctx_t *w, int rc, int64_t id, int status, api_reply_t *rep)
{
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    json_t *o = record_json(db, id);
    return o ? api_json(rep, status, o) : api_db_error(rep, w->lang, DB_ERR, NULL);
}

typedef struct {
    uint64_t given;
    int64_t person_id;
    const char *served_on;
    int64_t start_min;
    int64_t end_min;
    const char *content;
} record_in_t;

static const field_t record_fields[] = {
    IN(record_in_t, person_id, F_INT, 0, 1, INT64_MAX, NULL),
    IN(record_in_t, served_on, F_DATE, 1, 20000101, 0, NULL),
    IN(record_in_t, start_min, F_INT, 1, 0, 1439, NULL),
    IN(record_in_t, end_min, F_INT, 1, 1, 1440, NULL),
    IN(record_in_t, content, F_BLOCK, 1, 1, 1000, NULL),
    FIELDS_END,
};

/* POST /api/v1/service-records: a member's own record (unverified), or one
 * entered by the community's staff for a member reported to it (verified by
 * them). It goes to the community of the member's current report. */
static int record_create_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    record_in_t in = {0};
    api_input_fill(record_fields, data, &in);
    int64_t person = in.person_id ? in.person_id : w->who.person_id, report = 0, id = 0;
    if (person == 0)
        return api_fail(rep, w->lang, E_SERVICE_NOT_MEMBER, "person_id");
    int rc = db_one_int(db, &report, "SELECT id FROM member_report WHERE person_id = ? AND state = 'reported'", "i",
                        person);
    int self = person == w->who.person_id;
    report_at_t r;
    if (rc == DB_OK)
        rc = report_load(db, report, &r);
    if (rc == DB_NOTFOUND && self)
        return api_fail(rep, w->lang, E_SERVICE_NOT_REPORTED, "person_id");
    if (rc == DB_OK && !self && !community_side(&w->who, &r, SR_WRITE))
        rc = DB_NOTFOUND;
    if (rc != DB_OK)
        return ref_missing(rep, w->lang, rc, E_PERSON_NOT_FOUND, "person_id");
    service_add_t add = {
        .org_id = r.org,
        .person_id = person,
        .served_on = in.served_on,
        .start_min = (int)in.start_min,
        .end_min = (int)in.end_min,
        .content = in.content,
        .source = "manual",
        .verified_by = self ? 0 : w->who.user_id,
    };
    if (service_record_add(db, w, &add, &id, rep) != 0)
        return -1;
    rc = audit_append_new(db, w, "service_record.created", "service_record", id, r.org,
                          json_pack("{s:s, s:I, s:I, s:b}", "served_on", in.served_on, "start_min",
                                    (json_int_t)in.start_min, "end_min", (json_int_t)in.end_min, "verified", !self));
    return answer_record(db, w, rc, id, 201, rep);
}

DEFER_BODY(service_record_create, record_create_write)

static int service_record_get(api_req_t *req, api_reply_t *rep)
{
    json_t *o = record_json(req->db, req->params[0]);
    return o ? api_json(rep, 200, o) : api_db_error(rep, req->lang, DB_NOTFOUND, "service_record");
}

typedef struct {
    uint64_t given;
    int64_t rating;
    int64_t version;
} record_act_in_t;

static const field_t verify_fields[] = {
    IN(record_act_in_t, version, F_INT, 1, 1, INT64_MAX, NULL),
    FIELDS_END,
};

static const field_t rating_fields[] = {
    IN(record_act_in_t, rating, F_INT, 1, 1, 5, NULL),
    IN(record_act_in_t, version, F_INT, 1, 1, INT64_MAX, NULL),
    FIELDS_END,
};

/* Verify (the community's staff) or rate a record: rating 0 verifies. */
static int record_act(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep, int rating)
{
    int64_t org = 0, verified = 0;
    int rc = record_scope(db, &w->who, w->id, &org);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "service_record");
    if (access_row(db, &w->who, SR_WRITE, org) != DB_OK)
        return api_fail(rep, w->lang, E_SERVICE_COMMUNITY_ONLY, NULL);
    rc = db_one_int(db, &verified, "SELECT CASE WHEN verified_at IS NULL THEN 0 ELSE 1 END FROM service_record"
                    " WHERE id = ?", "i", w->id);
    if (rc == DB_OK && rating == 0 && verified)
        return api_fail(rep, w->lang, E_SERVICE_VERIFIED, "version");
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    if (api_check_version(db, w, "SELECT version FROM service_record WHERE id = ?", w->id, data, rep) != 0)
        return -1;
    if (rating == 0)
        rc = db_exec(db, NULL,
                     "UPDATE service_record SET verified_by = ?, verified_at = ?, updated_at = ?, version = version + 1"
                     " WHERE id = ?",
                     "iiii", w->who.user_id, w->now, w->now, w->id);
    else
        rc = db_exec(db, NULL, "UPDATE service_record SET rating = ?, updated_at = ?, version = version + 1 WHERE id = ?",
                     "iii", (int64_t)rating, w->now, w->id);
    if (rc == DB_OK)
        rc = rating == 0 ? audit_append_new(db, w, "service_record.verified", "service_record", w->id, org, json_object())
                         : audit_append_new(db, w, "service_record.rated", "service_record", w->id, org,
                                            json_pack("{s:i}", "rating", rating));
    return answer_record(db, w, rc, w->id, 200, rep);
}

static int verify_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    return record_act(db, w, data, rep, 0);
}

static int rate_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    record_act_in_t in = {0};
    api_input_fill(rating_fields, data, &in);
    return record_act(db, w, data, rep, (int)in.rating);
}

DEFER_BODY(service_record_verify, verify_write)
DEFER_BODY(service_record_rate, rate_write)

static const field_t record_query[] = {
    {"org", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"person_id", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"verified", F_BOOL, 0, 0, 0, NULL, 0},
    {"source", F_ENUM, 0, 0, 0, service_record_sources, 0},
    {"from", F_DATE, 0, 20000101, 5, NULL, 0},
    {"to", F_DATE, 0, 20000101, 5, NULL, 0},
    FIELDS_END,
};

static const api_sort_t record_sorts[] = {
    {"served_on", "s.served_on", 0, NULL},
    {"minutes", "s.minutes", 0, NULL},
    {"member_name", "p.name", 0, NULL},
    {NULL, NULL, 0, NULL},
};

static int record_list_build(api_req_t *req, api_reply_t *rep, api_list_t *l)
{
    api_list_begin(l, RECORD_COLUMNS, RECORD_FROM, "s.id", NULL);
    l->row = record_row;
    if (community_range(req, rep, l, "o.path") != 0) {
        api_list_end(l);
        return -1;
    }
    where_int(req, l, "person_id", "s.person_id = ?");
    where_text(req, l, "source", "s.source = ?");
    where_text(req, l, "from", "s.served_on >= ?");
    where_text(req, l, "to", "s.served_on <= ?");
    int64_t verified = -1;
    api_query_int(req, "verified", -1, 0, 1, &verified);
    if (verified >= 0)
        api_list_where(l, verified ? "s.verified_at IS NOT NULL" : "s.verified_at IS NULL", "");
    return 0;
}

/* GET /api/v1/service-records: the records of the communities of the node. */
static int service_record_list(api_req_t *req, api_reply_t *rep)
{
    api_list_t l;
    if (record_list_build(req, rep, &l) != 0)
        return -1;
    return api_list_answer(req, rep, &l);
}

static const list_col_t record_cols[] = {
    {"org_name", "社区"},  {"member_name", "党员"}, {"served_on", "日期"},     {"start_min", "开始（分钟）"},
    {"end_min", "结束（分钟）"}, {"minutes", "时长（分钟）"}, {"content", "服务内容"}, {"source", "来源"},
    {"verified", "已核实"}, {"verified_by_name", "核实人"}, {"rating", "评价"}, {NULL, NULL},
};

static int service_record_export(api_req_t *req, api_reply_t *rep)
{
    api_list_t l;
    if (record_list_build(req, rep, &l) != 0)
        return -1;
    return api_list_export(req, rep, &l, "服务记录", record_cols, "service-records");
}

/* ---------------------------------------------------------------- service cards */

#define CARD_COLUMNS                                                                                                   \
    "SELECT c.id, c.org_id, o.name AS org_name, c.report_id, c.person_id, p.name AS member_name, c.party_org_id,"    \
    " po.name AS party_org_name, c.year, c.quarter, c.grade, c.comment, c.activities, c.minutes, c.year_activities,"  \
    " c.year_minutes, c.issued_at, iu.display_name AS issued_by_name, c.acknowledged_at,"                             \
    " au.display_name AS acknowledged_by_name, c.ack_note, c.created_at, c.updated_at, c.version"
#define CARD_FROM                                                                                                      \
    " FROM service_card c JOIN org o ON o.id = c.org_id JOIN person p ON p.id = c.person_id"                          \
    " JOIN party_org po ON po.id = c.party_org_id JOIN org pn ON pn.id = po.org_id"                                   \
    " LEFT JOIN app_user iu ON iu.id = c.issued_by LEFT JOIN app_user au ON au.id = c.acknowledged_by"

typedef struct {
    int64_t org, person;
    char path[ACCESS_PATH_MAX], addressee[ACCESS_PATH_MAX];
} card_at_t;

static int card_load(db_t *db, int64_t id, card_at_t *c)
{
    int64_t node = 0;
    int rc = db_one_int(db, &c->org, "SELECT org_id FROM service_card WHERE id = ?", "i", id);
    if (rc == DB_OK)
        rc = db_one_int(db, &c->person, "SELECT person_id FROM service_card WHERE id = ?", "i", id);
    if (rc == DB_OK)
        rc = db_one_int(db, &node,
                        "SELECT po.org_id FROM service_card c JOIN party_org po ON po.id = c.party_org_id WHERE c.id = ?",
                        "i", id);
    if (rc == DB_OK)
        rc = node_path(db, c->org, c->path);
    if (rc == DB_OK)
        rc = node_path(db, node, c->addressee);
    return rc;
}

/* A card is seen by the issuing community's side, the employer party
 * organisation it is addressed to, and the member. */
static int card_scope(db_t *db, const principal_t *who, int64_t id, int64_t *org)
{
    card_at_t c;
    int rc = card_load(db, id, &c);
    if (rc != DB_OK)
        return rc;
    *org = c.org;
    return access_covers(who, SR_READ, c.path) || access_covers(who, SR_READ, c.addressee) ||
                   (who->person_id > 0 && who->person_id == c.person)
               ? DB_OK
               : DB_NOTFOUND;
}

static json_t *card_json(db_t *db, const principal_t *who, int64_t id)
{
    card_at_t c;
    if (card_load(db, id, &c) != DB_OK)
        return NULL;
    json_t *o = db_row_one_json(db, CARD_COLUMNS ", c.records, c.norm" CARD_FROM " WHERE c.id = ?", "i", id);
    if (o == NULL)
        return NULL;
    /* The frozen copies, as JSON again. */
    static const char *const frozen[] = {"records", "norm"};
    for (size_t i = 0; i < 2; i++) {
        const char *t = json_string_value(json_object_get(o, frozen[i]));
        json_t *v = t ? json_loads(t, 0, NULL) : NULL;
        json_object_set_new(o, frozen[i], v ? v : json_null());
    }
    int addressee = access_covers(who, SR_WRITE, c.addressee);
    json_object_set_new(o, "acknowledged", json_boolean(!json_is_null(json_object_get(o, "acknowledged_at"))));
    json_object_set_new(o, "can", json_pack("{s:b}", "acknowledge",
                                            addressee && json_is_null(json_object_get(o, "acknowledged_at"))));
    return o;
}

static int answer_card(db_t *db, const write_ctx_t *w, int rc, int64_t id, int status, api_reply_t *rep)
{
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    json_t *o = card_json(db, &w->who, id);
    return o ? api_json(rep, status, o) : api_db_error(rep, w->lang, DB_ERR, NULL);
}

typedef struct {
    uint64_t given;
    int64_t report_id;
    int64_t year;
    int64_t quarter;
    const char *grade;
    const char *comment;
} card_in_t;

static const field_t card_fields[] = {
    IN(card_in_t, report_id, F_INT, 1, 1, INT64_MAX, NULL),
    IN(card_in_t, year, F_INT, 1, 2000, 2100, NULL),
    IN(card_in_t, quarter, F_INT, 1, 1, 4, NULL),
    IN(card_in_t, grade, F_ENUM, 1, 0, 0, service_grades),
    IN(card_in_t, comment, F_BLOCK, 0, 1, 1000, NULL),
    FIELDS_END,
};

/* POST /api/v1/service-cards: the community's card for a member reported to it
 * and a quarter that has begun, addressed to the report's employer party
 * organisation: the quarter's records (each with its verified flag), its
 * verified count and minutes, the year's up to the quarter's end and the norm
 * as they stand now, kept as they were sent. */
/* Issue report r's card for year and quarter (grade, comment) as user at time
 * at: the quarter's records at the community (each with its verified flag), the
 * verified count and minutes there in the quarter and in the year up to the
 * quarter's end, and the year's norm, copied into the card. DB_OK with *id. */
static int card_issue(db_t *db, const report_at_t *r, int year, int quarter, const char *grade, const char *comment,
                      int64_t user, int64_t at, int64_t *id)
{
    char from[32], to[32], year_from[32];
    snprintf(from, sizeof from, "%04d-%02d-01", year, quarter * 3 - 2);
    snprintf(to, sizeof to, "%04d-%02d-31", year, quarter * 3);
    snprintf(year_from, sizeof year_from, "%04d-01-01", year);
    int rc = DB_OK;
    json_t *records = db_rows_json(db,
                                   "SELECT served_on, start_min, end_min, minutes, content, source,"
                                   " CASE WHEN verified_at IS NULL THEN 0 ELSE 1 END AS is_verified, rating"
                                   " FROM service_record WHERE person_id = ? AND org_id = ?"
                                   " AND served_on >= ? AND served_on <= ? ORDER BY served_on, start_min",
                                   "iitt", r->person, r->org, from, to);
#define VERIFIED_SUM                                                                                                   \
    "SELECT COUNT(*) AS n, COALESCE(SUM(minutes), 0) AS m FROM service_record WHERE person_id = ? AND org_id = ?"      \
    " AND verified_at IS NOT NULL AND served_on >= ? AND served_on <= ?"
    json_t *in_quarter = records ? db_row_one_json(db, VERIFIED_SUM, "iitt", r->person, r->org, from, to) : NULL;
    json_t *in_year = in_quarter ? db_row_one_json(db, VERIFIED_SUM, "iitt", r->person, r->org, year_from, to) : NULL;
#undef VERIFIED_SUM
    json_t *norm = in_year ? norm_status(db, r->person, r->org, year) : NULL;
    char *records_text = norm ? json_dumps(records, JSON_COMPACT) : NULL;
    json_t *norm_copy = norm ? json_pack("{s:O, s:O}", "activities_min", json_object_get(norm, "activities_min"),
                                         "hours_min", json_object_get(norm, "hours_min"))
                             : NULL;
    char *norm_text = norm_copy ? json_dumps(norm_copy, JSON_COMPACT) : NULL;
    if (records_text == NULL || norm_text == NULL)
        rc = DB_ERR;
    if (rc == DB_OK)
        rc = db_one_int(db, id,
                        "INSERT INTO service_card (org_id, report_id, person_id, party_org_id, year, quarter, grade,"
                        " comment, records, activities, minutes, year_activities, year_minutes, norm, issued_by,"
                        " issued_at, created_at, updated_at)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                        "iiiiiitttiiiitIiii", r->org, r->id, r->person, r->employer_party_org, (int64_t)year,
                        (int64_t)quarter, grade, comment, records_text,
                        json_integer_value(json_object_get(in_quarter, "n")),
                        json_integer_value(json_object_get(in_quarter, "m")),
                        json_integer_value(json_object_get(in_year, "n")), json_integer_value(json_object_get(in_year, "m")),
                        norm_text, user, at, at, at);
    free(records_text);
    free(norm_text);
    json_decref(records);
    json_decref(in_quarter);
    json_decref(in_year);
    json_decref(norm);
    json_decref(norm_copy);
    return rc;
}

static int card_create_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    card_in_t in = {0};
    api_input_fill(card_fields, data, &in);
    report_at_t r;
    int64_t id = 0, received = 0, taken = 0;
    int rc = report_scope(db, &w->who, in.report_id, &id);
    if (rc == DB_OK)
        rc = report_load(db, in.report_id, &r);
    if (rc != DB_OK)
        return ref_missing(rep, w->lang, rc, E_REFERENCE_NOT_FOUND, "report_id");
    if (!community_side(&w->who, &r, SR_WRITE))
        return api_fail(rep, w->lang, E_SERVICE_COMMUNITY_ONLY, "report_id");
    rc = db_one_int(db, &received, "SELECT COALESCE(received_at, 0) FROM member_report WHERE id = ?", "i", r.id);
    if (rc == DB_OK && received == 0)
        return api_fail(rep, w->lang, E_SERVICE_NOT_REPORTED, "report_id");
    id = 0;
    if ((int64_t)api_today_ymd() < in.year * 10000 + (in.quarter * 3 - 2) * 100 + 1)
        return api_fail(rep, w->lang, E_SERVICE_QUARTER_AHEAD, "quarter");
    if (rc == DB_OK)
        rc = db_one_int(db, &taken, "SELECT COUNT(*) FROM service_card WHERE report_id = ? AND year = ? AND quarter = ?",
                        "iii", r.id, in.year, in.quarter);
    if (rc == DB_OK && taken)
        return api_fail(rep, w->lang, E_SERVICE_CARD_TAKEN, "quarter");
    if (rc == DB_OK)
        rc = card_issue(db, &r, (int)in.year, (int)in.quarter, in.grade, in.comment, w->who.user_id, w->now, &id);
    if (rc == DB_UNIQUE)
        return api_fail(rep, w->lang, E_SERVICE_CARD_TAKEN, "quarter");
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "service_card.issued", "service_card", id, r.org,
                              json_pack("{s:I, s:I, s:I, s:s}", "report_id", (json_int_t)r.id, "year",
                                        (json_int_t)in.year, "quarter", (json_int_t)in.quarter, "grade", in.grade));
    return answer_card(db, w, rc, id, 201, rep);
}

DEFER_BODY(service_card_create, card_create_write)

static int service_card_get(api_req_t *req, api_reply_t *rep)
{
    json_t *o = card_json(req->db, req->who, req->params[0]);
    return o ? api_json(rep, 200, o) : api_db_error(rep, req->lang, DB_NOTFOUND, "service_card");
}

typedef struct {
    uint64_t given;
    const char *note;
    int64_t version;
} ack_in_t;

static const field_t ack_fields[] = {
    IN(ack_in_t, note, F_BLOCK, 0, 1, 1000, NULL),
    IN(ack_in_t, version, F_INT, 1, 1, INT64_MAX, NULL),
    FIELDS_END,
};

/* The employer party organisation's staff acknowledge a card, once. */
static int ack_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    ack_in_t in = {0};
    api_input_fill(ack_fields, data, &in);
    card_at_t c;
    int64_t org = 0, acked = 0;
    int rc = card_scope(db, &w->who, w->id, &org);
    if (rc == DB_OK)
        rc = card_load(db, w->id, &c);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "service_card");
    rc = db_one_int(db, &acked, "SELECT COALESCE(acknowledged_at, 0) FROM service_card WHERE id = ?", "i", w->id);
    if (rc == DB_OK && acked)
        return api_fail(rep, w->lang, E_SERVICE_CARD_ACKNOWLEDGED, "version");
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    if (!access_covers(&w->who, SR_WRITE, c.addressee))
        return api_fail(rep, w->lang, E_SERVICE_EMPLOYER_ONLY, NULL);
    if (api_check_version(db, w, "SELECT version FROM service_card WHERE id = ?", w->id, data, rep) != 0)
        return -1;
    rc = db_exec(db, NULL,
                 "UPDATE service_card SET acknowledged_by = ?, acknowledged_at = ?, ack_note = ?, updated_at = ?,"
                 " version = version + 1 WHERE id = ?",
                 "iitii", w->who.user_id, w->now, in.note, w->now, w->id);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "service_card.acknowledged", "service_card", w->id, c.org, json_object());
    return answer_card(db, w, rc, w->id, 200, rep);
}

DEFER_BODY(service_card_acknowledge, ack_write)

static const field_t card_query[] = {
    {"org", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"party_org_id", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"person_id", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"year", F_INT, 0, 2000, 2100, NULL, 0},
    {"quarter", F_INT, 0, 1, 4, NULL, 0},
    {"acknowledged", F_BOOL, 0, 0, 0, NULL, 0},
    {"addressed", F_BOOL, 0, 0, 0, NULL, 0},
    FIELDS_END,
};

static const api_sort_t card_sorts[] = {
    {"issued_at", "c.issued_at", 0, NULL},
    {"member_name", "p.name", 0, NULL},
    {NULL, NULL, 0, NULL},
};

static void card_row(json_t *row, void *ctx)
{
    (void)ctx;
    json_object_set_new(row, "acknowledged", json_boolean(!json_is_null(json_object_get(row, "acknowledged_at"))));
}

/* The cards a list shows: with ?addressed=1, those addressed to the party
 * organisations at the node (?org=, else the caller's scope) and below; with
 * ?party_org_id=, those addressed to that party organisation (its node's staff,
 * or the issuing communities' side); else the cards issued by the communities
 * of the node (?org=, else the caller's scope). */
static int card_list_build(api_req_t *req, api_reply_t *rep, api_list_t *l)
{
    int64_t addressed = 0;
    api_query_int(req, "addressed", 0, 0, 1, &addressed);
    api_list_begin(l, CARD_COLUMNS, CARD_FROM, "c.id", NULL);
    l->row = card_row;
    if (addressed ? community_range(req, rep, l, "pn.path") != 0
                  : party_org_or_range(req, rep, l, "party_org_id", "c.party_org_id") != 0) {
        if (addressed)
            api_list_end(l);
        return -1;
    }
    if (addressed)
        where_int(req, l, "party_org_id", "c.party_org_id = ?");
    where_int(req, l, "person_id", "c.person_id = ?");
    where_int(req, l, "year", "c.year = ?");
    where_int(req, l, "quarter", "c.quarter = ?");
    int64_t acked = -1;
    api_query_int(req, "acknowledged", -1, 0, 1, &acked);
    if (acked >= 0)
        api_list_where(l, acked ? "c.acknowledged_at IS NOT NULL" : "c.acknowledged_at IS NULL", "");
    return 0;
}

static int service_card_list(api_req_t *req, api_reply_t *rep)
{
    api_list_t l;
    if (card_list_build(req, rep, &l) != 0)
        return -1;
    return api_list_answer(req, rep, &l);
}

static const list_col_t card_cols[] = {
    {"org_name", "社区"}, {"member_name", "党员"},        {"party_org_name", "单位党组织"}, {"year", "年度"},
    {"quarter", "季度"},   {"activities", "服务次数"},    {"minutes", "核实时长（分钟）"}, {"grade", "评定"},
    {"acknowledged", "已签收"}, {"acknowledged_at", "签收时间"}, {NULL, NULL},
};

static int service_card_export(api_req_t *req, api_reply_t *rep)
{
    api_list_t l;
    if (card_list_build(req, rep, &l) != 0)
        return -1;
    return api_list_export(req, rep, &l, "服务反馈卡", card_cols, "service-cards");
}

/* ---------------------------------------------------------------- unit reports (单位报到) and 共建协议 */

#define UNIT_REPORT_COLUMNS                                                                                            \
    "SELECT r.id, r.org_id, o.name AS org_name, r.unit_id, u.name AS unit_name, r.party_org_id,"                     \
    " po.name AS party_org_name, r.reported_on, r.contact_role, r.offers, r.state, r.received_at,"                    \
    " ru.display_name AS received_by_name, r.created_at, r.updated_at, r.version"
#define UNIT_REPORT_FROM                                                                                               \
    " FROM unit_report r JOIN org o ON o.id = r.org_id JOIN unit u ON u.id = r.unit_id"                               \
    " JOIN party_org po ON po.id = r.party_org_id LEFT JOIN app_user ru ON ru.id = r.received_by"

/* A unit report's two sides: the community reported to and the unit's node. */
typedef struct {
    int64_t id, org, unit_org;
    int received;
    char path[ACCESS_PATH_MAX], unit_path[ACCESS_PATH_MAX];
} unit_at_t;

static int unit_load(db_t *db, int64_t id, unit_at_t *r)
{
    memset(r, 0, sizeof *r);
    char state[16] = "";
    r->id = id;
    int rc = db_one_int(db, &r->org, "SELECT org_id FROM unit_report WHERE id = ?", "i", id);
    if (rc == DB_OK)
        rc = db_one_int(db, &r->unit_org,
                        "SELECT u.org_id FROM unit_report r JOIN unit u ON u.id = r.unit_id WHERE r.id = ?", "i", id);
    if (rc == DB_OK)
        rc = db_one_text(db, state, sizeof state, "SELECT state FROM unit_report WHERE id = ?", "i", id);
    if (rc == DB_OK)
        rc = node_path(db, r->org, r->path);
    if (rc == DB_OK)
        rc = node_path(db, r->unit_org, r->unit_path);
    r->received = strcmp(state, "received") == 0;
    return rc;
}

static int unit_side(const principal_t *who, const unit_at_t *r, uint32_t perm)
{
    return access_covers(who, perm, r->unit_path);
}

static int unit_report_scope(db_t *db, const principal_t *who, int64_t id, int64_t *org)
{
    unit_at_t r;
    int rc = unit_load(db, id, &r);
    if (rc != DB_OK)
        return rc;
    *org = r.org;
    return access_covers(who, SR_READ, r.path) || unit_side(who, &r, SR_READ) ? DB_OK : DB_NOTFOUND;
}

/* A unit report with its agreements (each with its items) and what the caller may do. */
static json_t *unit_report_json(db_t *db, const principal_t *who, int64_t id)
{
    unit_at_t r;
    if (unit_load(db, id, &r) != DB_OK)
        return NULL;
    json_t *o = db_row_one_json(db, UNIT_REPORT_COLUMNS UNIT_REPORT_FROM " WHERE r.id = ?", "i", id);
    json_t *agreements = db_rows_json(db,
                                      "SELECT id, year, created_at, updated_at, version FROM unit_agreement"
                                      " WHERE report_id = ? ORDER BY year DESC",
                                      "i", id);
    json_t *items = db_rows_json(db,
                                 "SELECT i.id, i.agreement_id, i.what, i.due_on, i.responsible, i.done AS is_done,"
                                 " i.done_at, i.version FROM unit_agreement_item i"
                                 " JOIN unit_agreement a ON a.id = i.agreement_id WHERE a.report_id = ?"
                                 " ORDER BY i.due_on, i.id",
                                 "i", id);
    if (o == NULL || agreements == NULL || items == NULL) {
        json_decref(o);
        json_decref(agreements);
        json_decref(items);
        return NULL;
    }
    size_t i, j;
    json_t *a, *it;
    json_array_foreach(agreements, i, a) {
        json_t *mine = json_array();
        int64_t done = 0, n = 0;
        json_array_foreach(items, j, it) {
            if (json_integer_value(json_object_get(it, "agreement_id")) != json_integer_value(json_object_get(a, "id")))
                continue;
            n++;
            done += json_is_true(json_object_get(it, "done"));
            json_array_append(mine, it);
        }
        json_object_set_new(a, "items", mine);
        json_object_set_new(a, "items_done", json_integer(done));
        json_object_set_new(a, "completion", json_rate(done, n));
    }
    json_decref(items);
    int community = access_covers(who, SR_WRITE, r.path), unit = unit_side(who, &r, SR_WRITE);
    json_object_set_new(o, "agreements", agreements);
    json_object_set_new(o, "can", json_pack("{s:b, s:b}", "receive", community && !r.received, "agree",
                                            r.received && (community || unit)));
    return o;
}

static int answer_unit_report(db_t *db, const write_ctx_t *w, int rc, int64_t id, int status, api_reply_t *rep)
{
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    json_t *o = unit_report_json(db, &w->who, id);
    return o ? api_json(rep, status, o) : api_db_error(rep, w->lang, DB_ERR, NULL);
}

typedef struct {
    uint64_t given;
    int64_t unit_id;
    int64_t party_org_id;
    int64_t org_id;
    const char *reported_on;
    const char *contact_role;
    const char *offers;
} unit_report_in_t;

static const field_t unit_report_fields[] = {
    IN(unit_report_in_t, unit_id, F_INT, 1, 1, INT64_MAX, NULL),
    IN(unit_report_in_t, party_org_id, F_INT, 1, 1, INT64_MAX, NULL),
    IN(unit_report_in_t, org_id, F_INT, 1, 1, INT64_MAX, NULL),
    IN(unit_report_in_t, reported_on, F_DATE, 1, 20000101, 0, NULL),
    IN(unit_report_in_t, contact_role, F_NAME, 1, 1, 50, NULL),
    IN(unit_report_in_t, offers, F_BLOCK, 1, 1, 1000, NULL),
    FIELDS_END,
};

/* POST /api/v1/unit-reports: a unit's party organisation reports to a
 * community, through staff over the unit's node. */
static int unit_report_create_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    unit_report_in_t in = {0};
    api_input_fill(unit_report_fields, data, &in);
    int64_t unit_org = 0, po_unit = 0, id = 0;
    int rc = db_one_int(db, &unit_org, "SELECT org_id FROM unit WHERE id = ?", "i", in.unit_id);
    if (rc == DB_OK && access_org(db, &w->who, SR_READ, unit_org, NULL, 0) != DB_OK)
        rc = DB_NOTFOUND;
    if (rc != DB_OK)
        return ref_missing(rep, w->lang, rc, E_UNIT_NOT_FOUND, "unit_id");
    if (api_org_input(db, w, SR_WRITE, unit_org, "unit_id", rep) != 0)
        return -1;
    rc = db_one_int(db, &po_unit, "SELECT COALESCE(unit_id, 0) FROM party_org WHERE id = ?", "i", in.party_org_id);
    if (rc != DB_OK)
        return ref_missing(rep, w->lang, rc, E_REFERENCE_NOT_FOUND, "party_org_id");
    if (po_unit != in.unit_id)
        return api_fail(rep, w->lang, E_SERVICE_PARTY_ORG_NOT_UNITS, "party_org_id");
    if (community_input(db, w, in.org_id, "org_id", rep) != 0)
        return -1;
    rc = db_one_int(db, &id,
                    "INSERT INTO unit_report (org_id, unit_id, party_org_id, reported_on, contact_role, offers,"
                    " created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                    "iiitttIii", in.org_id, in.unit_id, in.party_org_id, in.reported_on, in.contact_role, in.offers,
                    w->who.user_id, w->now, w->now);
    if (rc == DB_UNIQUE)
        return api_fail(rep, w->lang, E_SERVICE_UNIT_REPORTED, "org_id");
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "unit_report.created", "unit_report", id, in.org_id,
                              json_pack("{s:I, s:I}", "unit_id", (json_int_t)in.unit_id, "party_org_id",
                                        (json_int_t)in.party_org_id));
    return answer_unit_report(db, w, rc, id, 201, rep);
}

DEFER_BODY(unit_report_create, unit_report_create_write)

static int unit_report_get(api_req_t *req, api_reply_t *rep)
{
    json_t *o = unit_report_json(req->db, req->who, req->params[0]);
    return o ? api_json(rep, 200, o) : api_db_error(rep, req->lang, DB_NOTFOUND, "unit_report");
}

/* The community gives its receipt (回执): pending → received, once. */
static int unit_receive_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    unit_at_t r;
    int64_t org = 0;
    int rc = unit_report_scope(db, &w->who, w->id, &org);
    if (rc == DB_OK)
        rc = unit_load(db, w->id, &r);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "unit_report");
    if (r.received)
        return api_fail(rep, w->lang, E_SERVICE_MOVE_NOT_POSSIBLE, "version");
    if (!access_covers(&w->who, SR_WRITE, r.path))
        return api_fail(rep, w->lang, E_SERVICE_COMMUNITY_ONLY, NULL);
    if (api_check_version(db, w, "SELECT version FROM unit_report WHERE id = ?", w->id, data, rep) != 0)
        return -1;
    rc = db_exec(db, NULL,
                 "UPDATE unit_report SET state = 'received', received_by = ?, received_at = ?, updated_at = ?,"
                 " version = version + 1 WHERE id = ?",
                 "iiii", w->who.user_id, w->now, w->now, w->id);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "unit_report.received", "unit_report", w->id, r.org, json_object());
    return answer_unit_report(db, w, rc, w->id, 200, rep);
}

DEFER_BODY(unit_report_receive, unit_receive_write)

/* Either side of a received report may write its agreements: 0, or -1 with rep set. */
static int agreement_writable(db_t *db, const write_ctx_t *w, int64_t report, unit_at_t *r, api_reply_t *rep)
{
    int64_t org = 0;
    int rc = unit_report_scope(db, &w->who, report, &org);
    if (rc == DB_OK)
        rc = unit_load(db, report, r);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "unit_report");
    if (!access_covers(&w->who, SR_WRITE, r->path) && !unit_side(&w->who, r, SR_WRITE))
        return api_fail(rep, w->lang, E_SERVICE_MEMBER_ONLY, NULL);
    if (!r->received)
        return api_fail(rep, w->lang, E_SERVICE_NOT_REPORTED, "report_id");
    return 0;
}

typedef struct {
    uint64_t given;
    int64_t year;
} agreement_in_t;

static const field_t agreement_fields[] = {
    IN(agreement_in_t, year, F_INT, 1, 2000, 2100, NULL),
    FIELDS_END,
};

/* POST /api/v1/unit-reports/{id}/agreements: the year's 共建协议, once per
 * unit, community and year. */
static int agreement_create_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    agreement_in_t in = {0};
    api_input_fill(agreement_fields, data, &in);
    unit_at_t r;
    int64_t id = 0;
    if (agreement_writable(db, w, w->id, &r, rep) != 0)
        return -1;
    int rc = db_one_int(db, &id,
                        "INSERT INTO unit_agreement (report_id, org_id, unit_id, year, created_at, updated_at)"
                        " SELECT id, org_id, unit_id, ?, ?, ? FROM unit_report WHERE id = ? RETURNING id",
                        "iiii", in.year, w->now, w->now, w->id);
    if (rc == DB_UNIQUE)
        return api_fail(rep, w->lang, E_SERVICE_AGREEMENT_TAKEN, "year");
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "unit_agreement.created", "unit_agreement", id, r.org,
                              json_pack("{s:I}", "year", (json_int_t)in.year));
    return answer_unit_report(db, w, rc, w->id, 201, rep);
}

DEFER_BODY(unit_agreement_create, agreement_create_write)

typedef struct {
    uint64_t given;
    const char *what;
    const char *due_on;
    const char *responsible;
} agreement_item_in_t;

static const field_t agreement_item_fields[] = {
    IN(agreement_item_in_t, what, F_BLOCK, 1, 1, 500, NULL),
    IN(agreement_item_in_t, due_on, F_DATE, 1, 20000101, 5, NULL),
    IN(agreement_item_in_t, responsible, F_NAME, 1, 1, 50, NULL),
    FIELDS_END,
};

/* POST /api/v1/unit-agreements/{id}/items: an item (what, by when, the
 * responsible person by name), due in the agreement's year. */
static int agreement_item_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    agreement_item_in_t in = {0};
    api_input_fill(agreement_item_fields, data, &in);
    unit_at_t r;
    int64_t report = 0, year = 0, id = 0;
    int rc = db_one_int(db, &report, "SELECT report_id FROM unit_agreement WHERE id = ?", "i", w->id);
    if (rc == DB_OK)
        rc = db_one_int(db, &year, "SELECT year FROM unit_agreement WHERE id = ?", "i", w->id);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "unit_agreement");
    if (agreement_writable(db, w, report, &r, rep) != 0)
        return -1;
    if (atoi(in.due_on) != year)
        return api_fail(rep, w->lang, E_SERVICE_DUE_YEAR, "due_on");
    rc = db_one_int(db, &id,
                    "INSERT INTO unit_agreement_item (agreement_id, what, due_on, responsible, created_at, updated_at)"
                    " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                    "itttii", w->id, in.what, in.due_on, in.responsible, w->now, w->now);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "unit_agreement.item_added", "unit_agreement", w->id, r.org,
                              json_pack("{s:I, s:s}", "item_id", (json_int_t)id, "due_on", in.due_on));
    return answer_unit_report(db, w, rc, report, 201, rep);
}

DEFER_BODY(unit_agreement_item_create, agreement_item_write)

typedef struct {
    uint64_t given;
    int done;
    int64_t version;
} item_done_in_t;

static const field_t item_done_fields[] = {
    IN(item_done_in_t, done, F_BOOL, 1, 0, 0, NULL),
    IN(item_done_in_t, version, F_INT, 1, 1, INT64_MAX, NULL),
    FIELDS_END,
};

/* POST /api/v1/unit-agreement-items/{id}/done: an item's completion (or its undoing). */
static int item_done_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    item_done_in_t in = {0};
    api_input_fill(item_done_fields, data, &in);
    unit_at_t r;
    int64_t report = 0;
    int rc = db_one_int(db, &report,
                        "SELECT a.report_id FROM unit_agreement_item i JOIN unit_agreement a ON a.id = i.agreement_id"
                        " WHERE i.id = ?",
                        "i", w->id);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "unit_agreement_item");
    if (agreement_writable(db, w, report, &r, rep) != 0)
        return -1;
    if (api_check_version(db, w, "SELECT version FROM unit_agreement_item WHERE id = ?", w->id, data, rep) != 0)
        return -1;
    rc = db_exec(db, NULL,
                 "UPDATE unit_agreement_item SET done = ?, done_at = ?, updated_at = ?, version = version + 1"
                 " WHERE id = ?",
                 "iIii", (int64_t)in.done, in.done ? w->now : 0, w->now, w->id);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "unit_agreement.item_done", "unit_agreement_item", w->id, r.org,
                              json_pack("{s:b}", "done", in.done));
    return answer_unit_report(db, w, rc, report, 200, rep);
}

DEFER_BODY(unit_agreement_item_done, item_done_write)

static const field_t unit_report_query[] = {
    {"org", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"unit_id", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"state", F_ENUM, 0, 0, 0, unit_report_states, 0},
    FIELDS_END,
};

static const api_sort_t unit_report_sorts[] = {
    {"reported_on", "r.reported_on", 0, NULL},
    {"unit_name", "u.name", 0, NULL},
    {NULL, NULL, 0, NULL},
};

/* The unit reports to the communities of the node (?org=, else the caller's
 * scope); with ?unit_id= and no ?org=, staff over the unit's node see all of it. */
static int unit_report_list_build(api_req_t *req, api_reply_t *rep, api_list_t *l)
{
    int64_t unit = 0, org = 0, node = 0;
    api_query_int(req, "unit_id", 0, 1, INT64_MAX, &unit);
    api_query_int(req, "org", 0, 1, INT64_MAX, &org);
    api_list_begin(l, UNIT_REPORT_COLUMNS, UNIT_REPORT_FROM, "r.id", NULL);
    int own = 0;
    if (unit) {
        api_list_where(l, "r.unit_id = ?", "i", unit);
        own = !org && db_one_int(req->db, &node, "SELECT org_id FROM unit WHERE id = ?", "i", unit) == DB_OK &&
              access_org(req->db, req->who, SR_READ, node, NULL, 0) == DB_OK;
    }
    if (!own && community_range(req, rep, l, "o.path") != 0) {
        api_list_end(l);
        return -1;
    }
    where_text(req, l, "state", "r.state = ?");
    return 0;
}

static int unit_report_list(api_req_t *req, api_reply_t *rep)
{
    api_list_t l;
    if (unit_report_list_build(req, rep, &l) != 0)
        return -1;
    return api_list_answer(req, rep, &l);
}

static const list_col_t unit_report_cols[] = {
    {"org_name", "社区"},       {"unit_name", "单位"},     {"party_org_name", "单位党组织"}, {"reported_on", "报到日期"},
    {"contact_role", "联系人"}, {"offers", "可提供资源"}, {"state", "状态"},              {"received_at", "接收时间"},
    {NULL, NULL},
};

static int unit_report_export(api_req_t *req, api_reply_t *rep)
{
    api_list_t l;
    if (unit_report_list_build(req, rep, &l) != 0)
        return -1;
    return api_list_export(req, rep, &l, "单位报到", unit_report_cols, "unit-reports");
}

/* ---------------------------------------------------------------- the member's own page */

/* GET /api/v1/my/service?year=: the caller's own 双报到: the member, their
 * reports (the active one first), the year's records and status against the
 * norm, and their cards. 403 naming person_id when the caller is no party member. */
static int my_service(api_req_t *req, api_reply_t *rep)
{
    int64_t person = req->who->person_id, year = 0, active = 0;
    api_query_int(req, "year", api_today_ymd() / 10000, 2000, 2100, &year);
    json_t *member = person ? db_row_one_json(req->db,
                                              "SELECT m.person_id, p.name, m.in_service, m.party_org_id,"
                                              " po.name AS party_org_name, m.employer_unit_id, u.name AS employer_unit_name,"
                                              " m.registered_org_id, ro.name AS registered_org_name"
                                              " FROM party_member m JOIN person p ON p.id = m.person_id"
                                              " JOIN party_org po ON po.id = m.party_org_id"
                                              " LEFT JOIN unit u ON u.id = m.employer_unit_id"
                                              " LEFT JOIN org ro ON ro.id = m.registered_org_id WHERE m.person_id = ?",
                                              "i", person)
                            : NULL;
    if (member == NULL)
        return api_fail(rep, req->lang, E_SERVICE_NOT_MEMBER, "person_id");
    json_object_set_new(member, "in_service", json_boolean(json_integer_value(json_object_get(member, "in_service"))));
    json_t *reports = db_rows_json(req->db, "SELECT id FROM member_report WHERE person_id = ? ORDER BY id DESC LIMIT 20",
                                   "i", person);
    json_t *out = json_pack("{s:o, s:o, s:n}", "member", member, "reports", json_array(), "report");
    size_t i;
    json_t *r;
    int64_t org = 0;
    json_array_foreach(reports, i, r) {
        json_t *full = report_json(req->db, req->who, json_integer_value(json_object_get(r, "id")));
        if (full == NULL)
            continue;
        const char *s = json_string_value(json_object_get(full, "state"));
        if (!active && report_active(report_state_from_name(s))) {
            active = 1;
            org = json_integer_value(json_object_get(full, "org_id"));
            json_object_set(out, "report", full);
        }
        json_array_append_new(json_object_get(out, "reports"), full);
    }
    json_decref(reports);
    char from[32], to[32];
    snprintf(from, sizeof from, "%04d-01-01", (int)year);
    snprintf(to, sizeof to, "%04d-12-31", (int)year);
    json_t *records = db_rows_json(req->db,
                                   "SELECT s.id, s.org_id, o.name AS org_name, s.served_on, s.start_min, s.end_min,"
                                   " s.minutes, s.content, s.source, s.verified_at, s.rating, s.version"
                                   " FROM service_record s JOIN org o ON o.id = s.org_id WHERE s.person_id = ?"
                                   " AND s.served_on >= ? AND s.served_on <= ? ORDER BY s.served_on DESC, s.start_min DESC",
                                   "itt", person, from, to);
    json_t *cards = db_rows_json(req->db, "SELECT id FROM service_card WHERE person_id = ? ORDER BY year DESC, quarter DESC",
                                 "i", person);
    json_t *status = norm_status(req->db, person, org, (int)year);
    if (records == NULL || cards == NULL || status == NULL) {
        json_decref(records);
        json_decref(cards);
        json_decref(status);
        json_decref(out);
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    }
    json_array_foreach(records, i, r) record_row(r, NULL);
    json_t *full_cards = json_array();
    json_array_foreach(cards, i, r) {
        json_t *c = card_json(req->db, req->who, json_integer_value(json_object_get(r, "id")));
        if (c)
            json_array_append_new(full_cards, c);
    }
    json_decref(cards);
    json_object_set_new(out, "year", json_integer(year));
    json_object_set_new(out, "records", records);
    json_object_set_new(out, "status", status);
    json_object_set_new(out, "cards", full_cards);
    return api_json(rep, 200, out);
}

static const field_t my_query[] = {
    {"year", F_INT, 0, 2000, 2100, NULL, 0},
    FIELDS_END,
};

/* ---------------------------------------------------------------- figures */

/* The figures of [lo, hi) for year: members reported (received in the year),
 * active now, pending, verified records and hours of the year, cards sent in
 * the year and acknowledged. */
json_t *service_report_figures_of(db_t *db, const principal_t *who, const char *lo, const char *hi, int64_t year,
                                  const char *today)
{
    (void)who;
    (void)today;
    char from[32], to[32];
    snprintf(from, sizeof from, "%04d-01-01", (int)year);
    snprintf(to, sizeof to, "%04d-12-31", (int)year);
    json_t *m = db_row_one_json(db,
                                "SELECT COALESCE(SUM(CASE WHEN r.received_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS members_received,"
                                " COALESCE(SUM(CASE WHEN r.state = 'reported' THEN 1 ELSE 0 END), 0) AS members_active,"
                                " COALESCE(SUM(CASE WHEN r.state = 'pending' THEN 1 ELSE 0 END), 0) AS members_pending"
                                " FROM member_report r JOIN org o ON o.id = r.org_id WHERE o.path >= ? AND o.path < ?",
                                "tt", lo, hi);
    json_t *u = db_row_one_json(db,
                                "SELECT COALESCE(SUM(CASE WHEN r.state = 'received' THEN 1 ELSE 0 END), 0) AS units_reported,"
                                " COALESCE(SUM(CASE WHEN r.state = 'pending' THEN 1 ELSE 0 END), 0) AS units_pending"
                                " FROM unit_report r JOIN org o ON o.id = r.org_id WHERE o.path >= ? AND o.path < ?",
                                "tt", lo, hi);
    json_t *g = db_row_one_json(db,
                                "SELECT COUNT(*) AS agreement_items, COALESCE(SUM(i.done), 0) AS agreement_items_done"
                                " FROM unit_agreement_item i JOIN unit_agreement a ON a.id = i.agreement_id"
                                " JOIN org o ON o.id = a.org_id WHERE o.path >= ? AND o.path < ? AND a.year = ?",
                                "tti", lo, hi, year);
    json_t *s = db_row_one_json(db,
                                "SELECT COUNT(*) AS records_verified, COALESCE(SUM(s.minutes), 0) AS minutes_verified"
                                " FROM service_record s JOIN org o ON o.id = s.org_id WHERE o.path >= ? AND o.path < ?"
                                " AND s.verified_at IS NOT NULL AND s.served_on >= ? AND s.served_on <= ?",
                                "tttt", lo, hi, from, to);
    json_t *c = db_row_one_json(db,
                                "SELECT COUNT(*) AS cards_sent,"
                                " COALESCE(SUM(CASE WHEN c.acknowledged_at IS NOT NULL THEN 1 ELSE 0 END), 0)"
                                " AS cards_acknowledged"
                                " FROM service_card c JOIN org o ON o.id = c.org_id WHERE o.path >= ? AND o.path < ?"
                                " AND c.year = ?",
                                "tti", lo, hi, year);
    if (m == NULL || s == NULL || c == NULL || u == NULL || g == NULL) {
        json_decref(m);
        json_decref(s);
        json_decref(c);
        json_decref(u);
        json_decref(g);
        return NULL;
    }
    json_object_update(m, u);
    json_object_update(m, g);
    json_object_update(m, s);
    json_object_update(m, c);
    json_decref(u);
    json_decref(g);
    json_decref(s);
    json_decref(c);
    json_object_set_new(m, "hours_verified",
                        json_real((double)json_integer_value(json_object_get(m, "minutes_verified")) / 60.0));
    json_object_set_new(m, "cards_acknowledged_rate",
                        json_rate(json_integer_value(json_object_get(m, "cards_acknowledged")),
                                  json_integer_value(json_object_get(m, "cards_sent"))));
    return m;
}

static int service_report_figures(api_req_t *req, api_reply_t *rep)
{
    return api_subtree_figures(req, rep, SR_READ, service_report_figures_of);
}

/* ---------------------------------------------------------------- demo */

static unsigned long long demo_rng;

static int64_t demo_below(int64_t n)
{
    return random_seeded_below(&demo_rng, n);
}

/* The unix time of a day at hh:00 in Asia/Shanghai. */
static int64_t demo_time(int y, int m, int d, int hh)
{
    return time_days_from_civil(y, m, d) * 86400 + (hh - 8) * 3600;
}

static const char *const demo_unit_names[] = {"市场监督管理局", "税务局", "人民医院", "供电公司", "第一中学",
                                              "自来水公司", "人社局", "住建局", "农商银行", "文旅局"};
static const char *const demo_offers[] = {"法律咨询、政策宣讲", "义诊、健康讲座", "用电安全检查、便民维修",
                                          "课后托管、青少年活动场地", "金融知识进社区、反诈宣传"};
static const char *const demo_agreement_items[] = {"联合开展主题党日活动", "结对帮扶困难家庭", "共建社区志愿服务站",
                                                   "开展便民服务进社区", "共办社区文化活动"};
static const char *const demo_contents[] = {"政策宣讲", "治安巡逻", "环境整治", "关爱独居老人", "法律咨询",
                                            "义诊", "文明劝导", "垃圾分类宣传", "帮办代办", "助学辅导"};
static const char *const demo_skills[] = {"法律咨询", "医疗保健", "文艺特长", "电工维修", "心理辅导", "教育辅导"};

/* A unit of each district for every 25 of its in-service members (at least one),
 * at its streets in turn (those where members are registered first), with its party branch, reported to a community of
 * that street where a member is registered (four in five received) and the year's agreement of a received
 * one. The units in district order in *units: {id, org (district), party_org}. */
static int demo_units(db_t *db, const write_ctx_t *w, int year, int today, json_t *units)
{
    json_t *districts = db_rows_json(db,
                                     "SELECT d.id, d.path, d.name, (SELECT COUNT(*) FROM party_member m"
                                     " JOIN org r ON r.id = m.registered_org_id WHERE m.in_service = 1"
                                     " AND substr(r.path, 1, length(d.path)) = d.path) AS members"
                                     " FROM org d WHERE d.level = 'district' ORDER BY d.id",
                                     "");
    if (districts == NULL)
        return DB_ERR;
    int rc = DB_OK, k = 0;
    size_t i;
    json_t *d;
    json_array_foreach(districts, i, d) {
        int64_t district = json_integer_value(json_object_get(d, "id"));
        int64_t n = 1 + json_integer_value(json_object_get(d, "members")) / 25;
        json_t *streets = db_rows_json(db,
                                       "SELECT s.id, COALESCE((SELECT MIN(m.registered_org_id) FROM org c"
                                       " JOIN party_member m ON m.registered_org_id = c.id WHERE c.parent_id = s.id),"
                                       " 0) AS community"
                                       " FROM org s WHERE s.parent_id = ? AND s.level = 'street'"
                                       " ORDER BY community = 0, s.id",
                                       "i", district);
        if (streets == NULL || json_array_size(streets) == 0) {
            json_decref(streets);
            rc = streets == NULL ? DB_ERR : rc;
            continue;
        }
        for (int64_t u = 0; rc == DB_OK && u < n; u++, k++) {
            json_t *s = json_array_get(streets, (size_t)u % json_array_size(streets));
            int64_t street = json_integer_value(json_object_get(s, "id"));
            int64_t community = json_integer_value(json_object_get(s, "community"));
            int64_t unit = 0, po = 0, report = 0, agreement = 0;
            char name[128], po_name[160];
            snprintf(name, sizeof name, "%s%s%s", json_string_value(json_object_get(d, "name")),
                     demo_unit_names[(size_t)k % (sizeof demo_unit_names / sizeof demo_unit_names[0])],
                     u >= 10 ? "分局" : "");
            snprintf(po_name, sizeof po_name, "%s机关党支部", name);
            rc = db_one_int(db, &unit,
                            "INSERT INTO unit (org_id, name, type, created_at, updated_at) VALUES (?, ?, ?, ?, ?)"
                            " RETURNING id",
                            "ittii", street, name, k % 5 == 2 ? "enterprise" : "agency", w->now, w->now);
            if (rc == DB_OK)
                rc = db_one_int(db, &po,
                                "INSERT INTO party_org (org_id, unit_id, kind, name, created_at, updated_at)"
                                " VALUES (?, ?, '党支部', ?, ?, ?) RETURNING id",
                                "iitii", street, unit, po_name, w->now, w->now);
            if (rc == DB_OK)
                rc = rollup_unit(db, unit, 1);
            if (rc == DB_OK)
                rc = rollup_party_org(db, po, 1);
            if (rc == DB_OK)
                json_array_append_new(units, json_pack("{s:I, s:I, s:I}", "id", (json_int_t)unit, "district",
                                                       (json_int_t)district, "party_org", (json_int_t)po));
            if (rc != DB_OK || community == 0)
                continue;
            int received = k % 5 != 4;
            char on[16];
            snprintf(on, sizeof on, "%04d-01-%02d", year, 5 + k % 20);
            rc = db_one_int(db, &report,
                            "INSERT INTO unit_report (org_id, unit_id, party_org_id, reported_on, contact_role, offers,"
                            " state, received_at, created_at, updated_at) VALUES (?, ?, ?, ?, '机关党支部书记', ?, ?, ?, ?, ?)"
                            " RETURNING id",
                            "iiitttIii", community, unit, po, on,
                            demo_offers[(size_t)k % (sizeof demo_offers / sizeof demo_offers[0])],
                            received ? "received" : "pending", received ? demo_time(year, 1, 12 + k % 15, 10) : 0,
                            demo_time(year, 1, 5 + k % 20, 9), w->now);
            if (rc != DB_OK || !received)
                continue;
            rc = db_one_int(db, &agreement,
                            "INSERT INTO unit_agreement (report_id, org_id, unit_id, year, created_at, updated_at)"
                            " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                            "iiiiii", report, community, unit, (int64_t)year, w->now, w->now);
            static const int due[][2] = {{3, 31}, {6, 30}, {9, 30}, {11, 30}};
            for (int t = 0; rc == DB_OK && t < 4; t++) {
                char on_due[16];
                snprintf(on_due, sizeof on_due, "%04d-%02d-%02d", year, due[t][0], due[t][1]);
                int past = year * 10000 + due[t][0] * 100 + due[t][1] < today;
                int done = past && demo_below(5) != 0;
                rc = db_exec(db, NULL,
                             "INSERT INTO unit_agreement_item (agreement_id, what, due_on, responsible, done, done_at,"
                             " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                             "itttiIii", agreement,
                             demo_agreement_items[(size_t)(k + t) % (sizeof demo_agreement_items /
                                                                    sizeof demo_agreement_items[0])],
                             on_due, t % 2 ? "社区党委书记" : "单位党支部书记", (int64_t)done,
                             done ? demo_time(year, due[t][0], due[t][1] - 3, 16) : 0, w->now, w->now);
            }
        }
        json_decref(streets);
    }
    json_decref(districts);
    return rc;
}

/* A year of one reported member's records at the community: up to three a month
 * up to today on distinct days, most verified (some rated). */
static int demo_records(db_t *db, const write_ctx_t *w, int64_t person, int64_t org, int year, int today)
{
    int rc = DB_OK;
    for (int m = 1; rc == DB_OK && m <= 12; m++) {
        int64_t n = demo_below(4), first = 1 + demo_below(9);
        for (int64_t j = 0; rc == DB_OK && j < n; j++) {
            int d = (int)(first + 9 * j);
            if (year * 10000 + m * 100 + d > today)
                break;
            char on[16];
            snprintf(on, sizeof on, "%04d-%02d-%02d", year, m, d);
            int64_t start = 480 + 30 * demo_below(16), len = 60 + 30 * demo_below(5);
            int verified = demo_below(10) < 8 && year * 10000 + m * 100 + d + 3 <= today;
            int64_t rating = verified && demo_below(2) ? 3 + demo_below(3) : 0;
            rc = db_exec(db, NULL,
                         "INSERT INTO service_record (org_id, person_id, served_on, start_min, end_min, minutes, content,"
                         " source, verified_by, verified_at, rating, created_at, updated_at)"
                         " VALUES (?, ?, ?, ?, ?, ?, ?, 'manual', ?, ?, ?, ?, ?)",
                         "iitiiitIIIii", org, person, on, start, start + len, len,
                         demo_contents[(size_t)demo_below(sizeof demo_contents / sizeof demo_contents[0])],
                         verified ? w->who.user_id : 0, verified ? demo_time(year, m, d, 20) : 0, rating,
                         demo_time(year, m, d, 19), w->now);
        }
    }
    return rc;
}

int service_report_demo(db_t *db, const write_ctx_t *w, unsigned long long seed)
{
    demo_rng = seed * 0x9E3779B97F4A7C15ull + 28;
    int today = api_today_ymd(), year = today / 10000;
    json_t *units = json_array();
    int rc = demo_units(db, w, year, today, units);
    json_t *members = rc == DB_OK ? db_rows_json(db,
                                                 "SELECT m.person_id, m.registered_org_id AS org, d.id AS district"
                                                 " FROM party_member m JOIN org r ON r.id = m.registered_org_id"
                                                 " JOIN org d ON d.level = 'district'"
                                                 " AND substr(r.path, 1, length(d.path)) = d.path"
                                                 " WHERE m.in_service = 1 ORDER BY m.person_id",
                                                 "")
                                  : NULL;
    if (members == NULL)
        rc = rc == DB_OK ? DB_ERR : rc;
    size_t i, j;
    json_t *m, *u;
    json_array_foreach(members, i, m) {
        if (rc != DB_OK)
            break;
        int64_t person = json_integer_value(json_object_get(m, "person_id"));
        int64_t org = json_integer_value(json_object_get(m, "org"));
        int64_t district = json_integer_value(json_object_get(m, "district"));
        int64_t unit = 0, po = 0, report = 0, candidates = 0;
        json_array_foreach(units, j, u) candidates += json_integer_value(json_object_get(u, "district")) == district;
        int64_t pick = candidates ? demo_below(candidates) : 0;
        json_array_foreach(units, j, u) {
            if (json_integer_value(json_object_get(u, "district")) != district || pick-- != 0)
                continue;
            unit = json_integer_value(json_object_get(u, "id"));
            po = json_integer_value(json_object_get(u, "party_org"));
        }
        if (po == 0)
            continue;
        rc = db_exec(db, NULL, "UPDATE party_member SET employer_unit_id = ? WHERE person_id = ?", "ii", unit, person);
        const char *skills = demo_skills[(size_t)demo_below(sizeof demo_skills / sizeof demo_skills[0])];
        if (rc == DB_OK && i % 8 == 5) /* reported once before, and went back to the unit */
            rc = db_exec(db, NULL,
                         "INSERT INTO member_report (org_id, person_id, employer_unit_id, employer_party_org_id, skills,"
                         " state, reason, received_at, ended_at, created_at, updated_at)"
                         " VALUES (?, ?, ?, ?, ?, 'returned', '工作调动', ?, ?, ?, ?)",
                         "iiiitiiii", org, person, unit, po, skills, demo_time(year - 1, 3, 10, 10),
                         demo_time(year - 1, 11, 20, 10), demo_time(year - 1, 3, 8, 9), w->now);
        int pending = i % 10 == 9;
        if (rc == DB_OK)
            rc = db_one_int(db, &report,
                            "INSERT INTO member_report (org_id, person_id, employer_unit_id, employer_party_org_id, skills,"
                            " preferred_team, state, received_at, created_at, updated_at)"
                            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                            "iiiitttIii", org, person, unit, po, skills, i % 3 ? NULL : "社区志愿服务队",
                            pending ? "pending" : "reported", pending ? 0 : demo_time(year, 1, 20, 10),
                            demo_time(year, 1, 15, 9), w->now);
        if (rc == DB_OK && pending) /* not registered until the community receives it */
            rc = member_registered(db, w, person, 0, org);
        if (rc == DB_OK && !pending)
            rc = demo_records(db, w, person, org, year, today);
        /* The cards of the quarters past, most acknowledged. */
        report_at_t r;
        if (rc == DB_OK && !pending)
            rc = report_load(db, report, &r);
        for (int q = 1; rc == DB_OK && !pending && q <= 4 && year * 10000 + q * 300 + 100 < today; q++) {
            int64_t card = 0, issued = demo_time(year, q * 3 + 1, 6, 10);
            if (issued > w->now - 4 * 86400)
                issued = w->now - 4 * 86400;
            if (rc == DB_OK)
                rc = card_issue(db, &r, year, q, service_grades[demo_below(10) < 3 ? 0 : demo_below(10) < 9 ? 1 : 2],
                                NULL, w->who.user_id, issued, &card);
            if (rc == DB_OK && demo_below(10) < 7)
                rc = db_exec(db, NULL, "UPDATE service_card SET acknowledged_at = ? WHERE id = ?", "ii",
                             issued + 3 * 86400, card);
        }
    }
    json_decref(members);
    json_decref(units);
    return rc;
}

/* ---------------------------------------------------------------- the table */

static const entity_t report_entity = {"member_report", NULL, report_scope};
static const entity_t record_entity = {"service_record", NULL, record_scope};
static const entity_t record_staff_entity = {"service_record", "SELECT org_id FROM service_record WHERE id = ?", NULL};
static const entity_t card_entity = {"service_card", NULL, card_scope};
static const entity_t unit_report_entity = {"unit_report", NULL, unit_report_scope};

static int agreement_scope(db_t *db, const principal_t *who, int64_t id, int64_t *org)
{
    int64_t report = 0;
    int rc = db_one_int(db, &report, "SELECT report_id FROM unit_agreement WHERE id = ?", "i", id);
    return rc == DB_OK ? unit_report_scope(db, who, report, org) : rc;
}

static int agreement_item_scope(db_t *db, const principal_t *who, int64_t id, int64_t *org)
{
    int64_t agreement = 0;
    int rc = db_one_int(db, &agreement, "SELECT agreement_id FROM unit_agreement_item WHERE id = ?", "i", id);
    return rc == DB_OK ? agreement_scope(db, who, agreement, org) : rc;
}

static const entity_t agreement_entity = {"unit_agreement", NULL, agreement_scope};
static const entity_t agreement_item_entity = {"unit_agreement_item", NULL, agreement_item_scope};

const op_t service_report_ops[] = {
    {OP(HTTP_GET, "/api/v1/member-reports", "member_reports.list", PERM(SR_READ), RF_PAGED, member_report_list),
     .query = report_query, .sorts = report_sorts},
    {OP(HTTP_GET, "/api/v1/member-reports/export", "member_reports.export", PERM(SR_READ), RF_WRITES,
        member_report_export),
     .query = report_query},
    {OP(HTTP_POST, "/api/v1/member-reports", "member_reports.create", USER, RF_BODY | RF_WRITES, member_report_create),
     .body = report_fields},
    {OP(HTTP_GET, "/api/v1/member-reports/{id}", "member_reports.get", USER, 0, member_report_get),
     .entity = &report_entity},
    {OP(HTTP_POST, "/api/v1/member-reports/{id}/moves", "member_reports.move", USER, RF_BODY | RF_WRITES,
        member_report_move),
     .body = report_move_fields, .entity = &report_entity},
    {OP(HTTP_GET, "/api/v1/service-records", "service_records.list", PERM(SR_READ), RF_PAGED, service_record_list),
     .query = record_query, .sorts = record_sorts},
    {OP(HTTP_GET, "/api/v1/service-records/export", "service_records.export", PERM(SR_READ), RF_WRITES,
        service_record_export),
     .query = record_query},
    {OP(HTTP_POST, "/api/v1/service-records", "service_records.create", USER, RF_BODY | RF_WRITES,
        service_record_create),
     .body = record_fields},
    {OP(HTTP_GET, "/api/v1/service-records/{id}", "service_records.get", USER, 0, service_record_get),
     .entity = &record_entity},
    {OP(HTTP_POST, "/api/v1/service-records/{id}/verify", "service_records.verify", PERM(SR_WRITE),
        RF_BODY | RF_WRITES, service_record_verify),
     .body = verify_fields, .entity = &record_staff_entity},
    {OP(HTTP_POST, "/api/v1/service-records/{id}/rating", "service_records.rate", PERM(SR_WRITE), RF_BODY | RF_WRITES,
        service_record_rate),
     .body = rating_fields, .entity = &record_staff_entity},
    {OP(HTTP_GET, "/api/v1/service-cards", "service_cards.list", PERM(SR_READ), RF_PAGED, service_card_list),
     .query = card_query, .sorts = card_sorts},
    {OP(HTTP_GET, "/api/v1/service-cards/export", "service_cards.export", PERM(SR_READ), RF_WRITES,
        service_card_export),
     .query = card_query},
    {OP(HTTP_POST, "/api/v1/service-cards", "service_cards.create", PERM(SR_WRITE), RF_BODY | RF_WRITES,
        service_card_create),
     .body = card_fields},
    {OP(HTTP_GET, "/api/v1/service-cards/{id}", "service_cards.get", USER, 0, service_card_get),
     .entity = &card_entity},
    {OP(HTTP_POST, "/api/v1/service-cards/{id}/acknowledge", "service_cards.acknowledge", PERM(SR_WRITE),
        RF_BODY | RF_WRITES, service_card_acknowledge),
     .body = ack_fields, .entity = &card_entity},
    {OP(HTTP_GET, "/api/v1/unit-reports", "unit_reports.list", PERM(SR_READ), RF_PAGED, unit_report_list),
     .query = unit_report_query, .sorts = unit_report_sorts},
    {OP(HTTP_GET, "/api/v1/unit-reports/export", "unit_reports.export", PERM(SR_READ), RF_WRITES, unit_report_export),
     .query = unit_report_query},
    {OP(HTTP_POST, "/api/v1/unit-reports", "unit_reports.create", PERM(SR_WRITE), RF_BODY | RF_WRITES,
        unit_report_create),
     .body = unit_report_fields},
    {OP(HTTP_GET, "/api/v1/unit-reports/{id}", "unit_reports.get", PERM(SR_READ), 0, unit_report_get),
     .entity = &unit_report_entity},
    {OP(HTTP_POST, "/api/v1/unit-reports/{id}/receive", "unit_reports.receive", PERM(SR_WRITE), RF_BODY | RF_WRITES,
        unit_report_receive),
     .body = verify_fields, .entity = &unit_report_entity},
    {OP(HTTP_POST, "/api/v1/unit-reports/{id}/agreements", "unit_agreements.create", PERM(SR_WRITE),
        RF_BODY | RF_WRITES, unit_agreement_create),
     .body = agreement_fields, .entity = &unit_report_entity},
    {OP(HTTP_POST, "/api/v1/unit-agreements/{id}/items", "unit_agreements.add_item", PERM(SR_WRITE),
        RF_BODY | RF_WRITES, unit_agreement_item_create),
     .body = agreement_item_fields, .entity = &agreement_entity},
    {OP(HTTP_POST, "/api/v1/unit-agreement-items/{id}/done", "unit_agreements.item_done", PERM(SR_WRITE),
        RF_BODY | RF_WRITES, unit_agreement_item_done),
     .body = item_done_fields, .entity = &agreement_item_entity},
    {OP(HTTP_GET, "/api/v1/my/service", "my_service.get", USER, 0, my_service), .query = my_query},
    {OP(HTTP_GET, "/api/v1/service-report-figures", "service_report_figures.get", PERM(SR_READ), 0,
        service_report_figures),
     .query = subtree_figures_query},
    OPS_END,
};
