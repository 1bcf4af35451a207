/* 双报到: in-service party members report to the community where they live
 * (core/reportfsm.c: pending → reported → returned/cancelled), the community
 * receives them and keeps their service records (027's service_record: a
 * member enters their own, unverified; community staff enter or verify them
 * and record the resident's rating), and each quarter the community sends the
 * member's employer party organisation a service card (the quarter's records,
 * verified hours and the community's grade, frozen as sent), which the
 * employer's staff acknowledge. Members are held against the norms
 * inservice.activities_min and inservice.hours_min. See docs/service-report.md. */
#include "api/service_report.h"

#include <stdlib.h>
#include <string.h>

const char *const service_grades[] = {"excellent", "qualified", "basic", "unqualified", NULL};
const char *const service_record_sources[] = {"post", "wish", "manual", NULL};
const char *const unit_report_states[] = {"pending", "received", NULL};
/* Their words in an export (the console's serviceGrade, serviceSource, unitReportState, memberReportState). */
const char *const service_grade_words[] = {"优秀", "合格", "基本合格", "不合格"};
const char *const service_source_words[] = {"服务岗位", "微心愿", "自行登记"};
const char *const unit_report_state_words[] = {"待接收", "已接收"};
static const char *const report_state_words[] = {"待接收", "已报到", "已返回", "已注销"};

/* ---------------------------------------------------------------- who is who */

/* A reference the body names: 404 naming field when it is missing or out of
 * the caller's sight, else the storage error. Always -1. */
int sr_ref_missing(api_reply_t *rep, const char *lang, int rc, err_t e, const char *field)
{
    return rc == DB_NOTFOUND ? api_fail(rep, lang, e, field) : api_db_error(rep, lang, rc, NULL);
}


int sr_node_path(db_t *db, int64_t org, char *path)
{
    return org > 0 ? org_brief(db, org, path, ACCESS_PATH_MAX, NULL, 0) : DB_NOTFOUND;
}

int sr_report_load(db_t *db, int64_t id, report_at_t *r)
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
        rc = sr_node_path(db, r->org, r->path);
    if (rc == DB_OK && sr_node_path(db, r->member_org, r->member_path) != DB_OK)
        r->member_path[0] = '\0';
    if (rc == DB_OK)
        rc = sr_node_path(db, r->employer_org, r->employer_path);
    return rc;
}

/* Acting for the member: the member themself, or staff over the member's own
 * party organisation or over the employer party organisation. */
int sr_member_side(const principal_t *who, const report_at_t *r, uint32_t perm)
{
    return (who->person_id > 0 && who->person_id == r->person) ||
           (r->member_path[0] && access_covers(who, perm, r->member_path)) ||
           access_covers(who, perm, r->employer_path);
}

int sr_community_side(const principal_t *who, const report_at_t *r, uint32_t perm)
{
    return access_covers(who, perm, r->path);
}

/* A report is seen by its member, the community's side and the member's side. */
int sr_report_scope(db_t *db, const principal_t *who, int64_t id, int64_t *org)
{
    report_at_t r;
    int rc = sr_report_load(db, id, &r);
    if (rc != DB_OK)
        return rc;
    *org = r.org;
    return sr_community_side(who, &r, SR_READ) || sr_member_side(who, &r, SR_READ) ? DB_OK : DB_NOTFOUND;
}

/* The norm's status of a member for a year at a community: the verified
 * activities and minutes against inservice.activities_min and hours_min (null
 * where no norm is in force). NULL on a storage error. */
json_t *sr_norm_status(db_t *db, int64_t person, int64_t org, int year)
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
        if (report_actor((report_action_t)a) == REPORT_BY_MEMBER ? sr_member_side(who, r, SR_WRITE)
                                                                  : sr_community_side(who, r, SR_WRITE))
            json_array_append_new(moves, json_string(report_action_name((report_action_t)a)));
    }
    int community = sr_community_side(who, r, SR_WRITE);
    return json_pack("{s:o, s:b, s:b}", "moves", moves, "record",
                     r->state == MRS_REPORTED && (community || (who->person_id > 0 && who->person_id == r->person)),
                     "issue_card", community && r->state != MRS_PENDING);
}

/* A report with its history, the member's norm status this year and what the
 * caller may do; NULL when missing. */
json_t *sr_report_json(db_t *db, const principal_t *who, int64_t id)
{
    report_at_t r;
    if (sr_report_load(db, id, &r) != DB_OK)
        return NULL;
    json_t *o = db_row_one_json(db, REPORT_COLUMNS REPORT_FROM " WHERE r.id = ?", "i", id);
    json_t *events = db_rows_json(db,
                                  "SELECT e.id, e.action, e.from_state, e.to_state, e.reason, e.at AS moved_at,"
                                  " u.display_name AS by_name FROM member_report_event e"
                                  " LEFT JOIN app_user u ON u.id = e.user_id WHERE e.report_id = ? ORDER BY e.id",
                                  "i", id);
    json_t *status = sr_norm_status(db, r.person, r.org, api_today_ymd() / 10000);
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
    json_t *o = sr_report_json(db, &w->who, id);
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
        return sr_ref_missing(rep, w->lang, rc, E_PERSON_NOT_FOUND, "person_id");
    rc = db_one_int(db, &in_service, "SELECT in_service FROM party_member WHERE person_id = ?", "i", *person);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    return in_service ? 0 : api_fail(rep, w->lang, E_SERVICE_NOT_IN_SERVICE, "person_id");
}

/* org is a community (or village) node: 0, or -1 with rep set. */
int sr_community_input(db_t *db, const write_ctx_t *w, int64_t org, const char *field, api_reply_t *rep)
{
    char level[16] = "";
    int rc = db_one_text(db, level, sizeof level, "SELECT level FROM org WHERE id = ?", "i", org);
    if (rc != DB_OK)
        return sr_ref_missing(rep, w->lang, rc, E_ORG_NOT_FOUND, field);
    return strcmp(level, "community") == 0 ? 0 : api_fail(rep, w->lang, E_SERVICE_NOT_COMMUNITY, field);
}

static int report_create_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    report_in_t in = {0};
    api_input_fill(report_fields, data, &in);
    int64_t person = 0, id = 0, n = 0;
    if (member_for(db, w, in.person_id, &person, rep) != 0)
        return -1;
    if (sr_community_input(db, w, in.org_id, "org_id", rep) != 0)
        return -1;
    int rc = db_one_int(db, &n, "SELECT COUNT(*) FROM party_org WHERE id = ?", "i", in.employer_party_org_id);
    if (rc == DB_OK && n == 0)
        return sr_ref_missing(rep, w->lang, DB_NOTFOUND, E_REFERENCE_NOT_FOUND, "employer_party_org_id");
    if (rc == DB_OK && in.employer_unit_id) {
        rc = db_one_int(db, &n, "SELECT COUNT(*) FROM unit WHERE id = ?", "i", in.employer_unit_id);
        if (rc == DB_OK && n == 0)
            return sr_ref_missing(rep, w->lang, DB_NOTFOUND, E_UNIT_NOT_FOUND, "employer_unit_id");
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
    json_t *o = sr_report_json(req->db, req->who, req->params[0]);
    return o ? api_json(rep, 200, o) : api_db_error(rep, req->lang, DB_NOTFOUND, "member_report");
}

static const field_t report_move_fields[] = {
    MOVE_FIELDS(report_actions),
    FIELDS_END,
};

/* Set the member's registered community (0: none), when it is now was (any
 * when was is 0), keeping the people figures (in_service_registered) in step. */
int sr_member_registered(db_t *db, const write_ctx_t *w, int64_t person, int64_t org, int64_t was)
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
    int rc = sr_report_scope(db, &w->who, w->id, &org);
    if (rc == DB_OK)
        rc = sr_report_load(db, w->id, &r);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "member_report");
    report_action_t a = report_action_from_name(in.action);
    report_state_t to = report_next(r.state, a);
    if (to == MRS_NONE)
        return api_fail(rep, w->lang, E_SERVICE_MOVE_NOT_POSSIBLE, "action");
    if (report_actor(a) == REPORT_BY_MEMBER ? !sr_member_side(&w->who, &r, SR_WRITE)
                                             : !sr_community_side(&w->who, &r, SR_WRITE))
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
        rc = sr_member_registered(db, w, r.person, r.org, 0);
    if (rc == DB_OK && r.state == MRS_REPORTED && !report_active(to))
        rc = sr_member_registered(db, w, r.person, 0, r.org);
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
int sr_community_range(api_req_t *req, api_reply_t *rep, api_list_t *l, const char *path)
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
int sr_party_org_or_range(api_req_t *req, api_reply_t *rep, api_list_t *l, const char *param, const char *col)
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
    if (!addressee && sr_community_range(req, rep, l, "o.path") != 0) {
        api_list_end(l);
        return -1;
    }
    return 0;
}

void sr_where_int(api_req_t *req, api_list_t *l, const char *name, const char *cond)
{
    int64_t v = 0;
    api_query_int(req, name, 0, 1, INT64_MAX, &v);
    if (v)
        api_list_where(l, cond, "i", v);
}

void sr_where_text(api_req_t *req, api_list_t *l, const char *name, const char *cond)
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
    if (sr_party_org_or_range(req, rep, l, "employer_party_org_id", "r.employer_party_org_id") != 0)
        return -1;
    sr_where_text(req, l, "state", "r.state = ?");
    sr_where_int(req, l, "person_id", "r.person_id = ?");
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
    {"org_name", "社区", NULL, NULL},
    {"member_name", "党员", NULL, NULL},
    {"employer_unit_name", "工作单位", NULL, NULL},
    {"employer_party_org_name", "单位党组织", NULL, NULL},
    {"skills", "特长", NULL, NULL},
    {"preferred_grid_name", "意向网格", NULL, NULL},
    {"preferred_team", "意向服务队", NULL, NULL},
    {"state", "状态", report_states, report_state_words},
    {"received_at", "接收时间", NULL, NULL},
    {NULL, NULL, NULL, NULL},
};

static int member_report_export(api_req_t *req, api_reply_t *rep)
{
    api_list_t l;
    if (report_list_build(req, rep, &l) != 0)
        return -1;
    return api_list_export(req, rep, &l, "在职党员报到", report_cols, "member-reports");
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
        json_t *full = sr_report_json(req->db, req->who, json_integer_value(json_object_get(r, "id")));
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
    json_t *status = sr_norm_status(req->db, person, org, (int)year);
    if (records == NULL || cards == NULL || status == NULL) {
        json_decref(records);
        json_decref(cards);
        json_decref(status);
        json_decref(out);
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    }
    json_array_foreach(records, i, r) sr_record_row(r, NULL);
    json_t *full_cards = json_array();
    json_array_foreach(cards, i, r) {
        json_t *c = sr_card_json(req->db, req->who, json_integer_value(json_object_get(r, "id")));
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

/* ---------------------------------------------------------------- the table */

static const entity_t report_entity = {"member_report", NULL, sr_report_scope};

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
    {OP(HTTP_GET, "/api/v1/my/service", "my_service.get", USER, 0, my_service), .query = my_query},
    {OP(HTTP_GET, "/api/v1/service-report-figures", "service_report_figures.get", PERM(SR_READ), 0,
        service_report_figures),
     .query = subtree_figures_query},
    OPS_END,
};
