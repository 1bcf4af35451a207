/* Volunteer teams and service teams (docs/teams.md). A team sits at an org
 * node (kind volunteer: 帮你忙志愿联盟; service: 云起龙骧党建服务队) with
 * members (persons; a service team's retired member names the enterprise
 * they retired from), kept by staff holding party.write at the node.
 * - A volunteer activity of a team has a random token (never its id): its
 *   QR code encodes the console's /checkin/<token>. A member of the team
 *   scanning it signs in, then checks in (first scan) and out (second); the
 *   times are the server's, the minutes capped by the activity's times.
 *   Staff verify them; only verified minutes count towards a person's hours
 *   and stars (the norm volunteer.star_hours) and their certificate (PDF).
 * - A service team's visits to the non-public enterprises of its subtree:
 *   the party branch's state, problems, help, follow-up; a problem becomes a
 *   case of the casework loop, linked to the visit. The monthly figure:
 *   enterprises visited in the month over those in the area, the unvisited
 *   listed. */
#include "api/handlers.h"
#include "api/internal.h"
#include "api/list.h"
#include "api/op.h"
#include "api/pdf.h"
#include "api/resource.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/path.h"
#include "core/role.h"
#include "core/timefmt.h"
#include "lib/util.h"

const char *const team_kinds[] = {"volunteer", "service", NULL};
const char *const enterprise_branch_states[] = {"established", "joint", "preparing", "not_established", NULL};
/* Their words in an export (the console's teamKind and branchState words). */
static const char *const team_kind_words[] = {"志愿服务队", "党建服务队"};
static const char *const branch_state_words[] = {"已建立党组织", "联合党支部", "筹建中", "未建立"};

#define TEAM_READ PERM_PARTY_READ
#define TEAM_WRITE PERM_PARTY_WRITE
/* How long before its start an activity takes check-ins (seconds). */
#define CHECKIN_EARLY 3600

/* ---------------------------------------------------------------- teams */

static const field_t team_fields[] = {
    {"org_id", F_INT, 1, 1, INT64_MAX, NULL, 0},
    {"kind", F_ENUM, 1, 0, 0, team_kinds, 0},
    {"name", F_NAME, 1, 1, 100, NULL, 0},
    {"leader_name", F_NAME, 0, 1, 50, NULL, 0},
    {"description", F_BLOCK, 0, 1, 1000, NULL, 0},
    FIELDS_END,
};

static const field_t team_update_fields[] = {
    {"name", F_NAME, F_NOT_NULL, 1, 100, NULL, 0},
    {"leader_name", F_NAME, 0, 1, 50, NULL, 0},
    {"description", F_BLOCK, 0, 1, 1000, NULL, 0},
    {"version", F_INT, 0, 1, INT64_MAX, NULL, 0},
    FIELDS_END,
};

static const field_t team_list_query[] = {
    {"org", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"kind", F_ENUM, 0, 0, 0, team_kinds, 0},
    {"q", F_TEXT, 0, 0, 0, NULL, 0},
    FIELDS_END,
};

static const res_filter_t team_filters[] = {
    {"kind", "t.kind = ?", 0},
    {"q", "t.name LIKE ? ESCAPE '\\'", 1},
    {NULL, NULL, 0},
};

static const api_sort_t team_sorts[] = {
    {"name", "t.name", 0, NULL},
    {"created_at", "t.created_at", 0, NULL},
    {NULL, NULL, 0, NULL},
};

static const entity_t team_entity = {"team", "SELECT org_id FROM team WHERE id = ?", NULL};

static const resource_t team_res = {
    .name = "team",
    .table = "team",
    .entity = &team_entity,
    .columns = "SELECT t.id, t.org_id, o.name AS org_name, t.kind, t.name, t.leader_name, t.description,"
               " (SELECT COUNT(*) FROM team_member m WHERE m.team_id = t.id) AS members,"
               " (SELECT COUNT(*) FROM team_activity a WHERE a.team_id = t.id) AS activities,"
               " (SELECT COUNT(*) FROM enterprise_visit v WHERE v.team_id = t.id) AS visits,"
               " t.created_at, t.updated_at, t.version",
    .from = "FROM team t JOIN org o ON o.id = t.org_id",
    .key = "t.id",
    .org_path = "o.path",
    .org_column = "org_id",
    .org_field = "org_id",
    .read_perm = TEAM_READ,
    .write_perm = TEAM_WRITE,
    .create = team_fields,
    .update = team_update_fields,
    .filters = team_filters,
    .sorts = team_sorts,
};

/* ---------------------------------------------------------------- helpers */

/* A team's node, kind and path: DB_OK, DB_NOTFOUND or an error. */
typedef struct {
    int64_t id, org;
    char kind[16];
    char path[ACCESS_PATH_MAX];
} team_at_t;

static int team_load(db_t *db, int64_t id, team_at_t *t)
{
    t->id = id;
    int rc = db_one_int(db, &t->org, "SELECT org_id FROM team WHERE id = ?", "i", id);
    if (rc == DB_OK)
        rc = db_one_text(db, t->kind, sizeof t->kind, "SELECT kind FROM team WHERE id = ?", "i", id);
    if (rc == DB_OK)
        rc = org_brief(db, t->org, t->path, sizeof t->path, NULL, 0);
    return rc;
}

/* 1 if person is a member of team (0 if not, -1 on an error). */
static int team_member_is(db_t *db, int64_t team, int64_t person)
{
    int64_t n = 0;
    if (person <= 0)
        return 0;
    int rc = db_one_int(db, &n, "SELECT COUNT(*) FROM team_member WHERE team_id = ? AND person_id = ?", "ii", team,
                        person);
    return rc == DB_OK ? n > 0 : -1;
}

/* "YYYY-MM" of the server's day in Asia/Shanghai. */
static void month_now(char out[8])
{
    char today[16];
    date_today(today);
    memcpy(out, today, 7);
    out[7] = 0;
}

/* ---------------------------------------------------------------- members */

typedef struct {
    uint64_t given;
    int64_t person_id;
    int64_t retired_from_unit_id;
    const char *joined_on;
} member_in_t;

static const field_t member_fields[] = {
    IN(member_in_t, person_id, F_INT, 1, 1, INT64_MAX, NULL),
    IN(member_in_t, retired_from_unit_id, F_INT, 0, 1, INT64_MAX, NULL),
    IN(member_in_t, joined_on, F_DATE, 0, 20000101, 0, NULL),
    FIELDS_END,
};

#define MEMBER_COLUMNS                                                                                                 \
    "SELECT m.id, m.team_id, m.person_id, p.name AS person_name, m.retired_from_unit_id, u.name AS retired_from_unit_name," \
    " CASE WHEN pm.person_id IS NULL THEN 0 ELSE 1 END AS is_party_member, m.joined_on, m.created_at"
#define MEMBER_FROM                                                                                                    \
    " FROM team_member m JOIN person p ON p.id = m.person_id LEFT JOIN unit u ON u.id = m.retired_from_unit_id"       \
    " LEFT JOIN party_member pm ON pm.person_id = m.person_id"

static int member_add_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    member_in_t in = {0};
    api_input_fill(member_fields, data, &in);
    team_at_t t;
    int64_t org = 0, id = 0;
    int rc = team_load(db, w->id, &t);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "team");
    if (!access_covers(&w->who, TEAM_WRITE, t.path))
        return api_db_error(rep, w->lang, DB_NOTFOUND, "team");
    /* The person as the caller sees them (people.read), as everywhere a person is named. */
    rc = db_one_int(db, &org, "SELECT org_id FROM person WHERE id = ?", "i", in.person_id);
    if (rc == DB_OK)
        rc = access_org(db, &w->who, PERM_PEOPLE_READ, org, NULL, 0);
    if (rc == DB_NOTFOUND)
        return api_fail(rep, w->lang, E_PERSON_NOT_FOUND, "person_id");
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    if (in.retired_from_unit_id) {
        char type[32] = "";
        if (strcmp(t.kind, "service") != 0)
            return api_fail(rep, w->lang, E_TEAM_RETIRED_SERVICE_ONLY, "retired_from_unit_id");
        rc = db_one_text(db, type, sizeof type, "SELECT type FROM unit WHERE id = ?", "i", in.retired_from_unit_id);
        if (rc == DB_NOTFOUND || (rc == DB_OK && strcmp(type, "enterprise") != 0 &&
                                  strcmp(type, "non_public_enterprise") != 0))
            return api_fail(rep, w->lang, E_TEAM_NOT_ENTERPRISE, "retired_from_unit_id");
        if (rc != DB_OK)
            return api_db_error(rep, w->lang, rc, NULL);
    }
    if (team_member_is(db, t.id, in.person_id) == 1)
        return api_fail(rep, w->lang, E_TEAM_MEMBER_TAKEN, "person_id");
    char today[16];
    date_today(today);
    rc = db_one_int(db, &id,
                    "INSERT INTO team_member (team_id, person_id, retired_from_unit_id, joined_on, created_at)"
                    " VALUES (?, ?, ?, ?, ?) RETURNING id",
                    "iiIti", t.id, in.person_id, in.retired_from_unit_id, in.joined_on ? in.joined_on : today, w->now);
    if (rc == DB_OK)
        rc = db_exec(db, NULL, "UPDATE team SET version = version + 1, updated_at = ? WHERE id = ?", "ii", w->now, t.id);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "team.member_added", "team", t.id, t.org,
                              json_pack("{s:I, s:I}", "member_id", (json_int_t)id, "person_id", (json_int_t)in.person_id));
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    json_t *m = db_row_one_json(db, MEMBER_COLUMNS MEMBER_FROM " WHERE m.id = ?", "i", id);
    return m ? api_json(rep, 201, m) : api_db_error(rep, w->lang, DB_ERR, NULL);
}

DEFER_BODY(member_add, member_add_write)

static const field_t member_list_query[] = {
    {"org", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"team", F_INT, 0, 1, INT64_MAX, NULL, 0},
    FIELDS_END,
};

/* GET /api/v1/team-members?team=|org=: a team's members, or those of the teams under a node. */
static int member_list_of(api_req_t *req, api_reply_t *rep, api_list_t *l)
{
    char lo[ACCESS_PATH_MAX], hi[ACCESS_PATH_MAX];
    int64_t team = 0, org = 0;
    api_query_int(req, "team", 0, 1, INT64_MAX, &team);
    api_query_int(req, "org", 0, 1, INT64_MAX, &org);
    int rc = access_list_range(req->db, req->who, TEAM_READ, org, lo, hi);
    if (rc != DB_OK)
        return api_db_error(rep, req->lang, rc, "org");
    api_list_begin(l, MEMBER_COLUMNS, MEMBER_FROM " JOIN team t ON t.id = m.team_id JOIN org o ON o.id = t.org_id",
                   "m.id", NULL);
    api_list_where(l, "o.path >= ? AND o.path < ?", "tt", lo, hi);
    if (team)
        api_list_where(l, "m.team_id = ?", "i", team);
    return 0;
}

static int member_list(api_req_t *req, api_reply_t *rep)
{
    api_list_t l;
    return member_list_of(req, rep, &l) != 0 ? -1 : api_list_answer(req, rep, &l);
}

static const api_sort_t member_sorts[] = {
    {"person_name", "p.name", 0, NULL},
    {"joined_on", "m.joined_on", 0, NULL},
    {NULL, NULL, 0, NULL},
};

static const entity_t member_entity = {
    "team_member", "SELECT t.org_id FROM team_member m JOIN team t ON t.id = m.team_id WHERE m.id = ?", NULL};

static int member_remove_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    (void)data;
    int64_t org = 0, team = 0, person = 0;
    int rc = api_entity_org(db, w, &org);
    if (rc == DB_OK)
        rc = db_one_int(db, &team, "SELECT team_id FROM team_member WHERE id = ?", "i", w->id);
    if (rc == DB_OK)
        rc = db_one_int(db, &person, "SELECT person_id FROM team_member WHERE id = ?", "i", w->id);
    if (rc == DB_OK)
        rc = db_exec(db, NULL, "DELETE FROM team_member WHERE id = ?", "i", w->id);
    if (rc == DB_OK)
        rc = db_exec(db, NULL, "UPDATE team SET version = version + 1, updated_at = ? WHERE id = ?", "ii", w->now, team);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "team.member_removed", "team", team, org,
                              json_pack("{s:I, s:I}", "member_id", (json_int_t)w->id, "person_id", (json_int_t)person));
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "team_member");
    rep->status = 204;
    return 0;
}

static int member_remove(api_req_t *req, api_reply_t *rep)
{
    (void)rep;
    return api_defer(req, member_remove_write, NULL);
}

/* ---------------------------------------------------------------- activities */

typedef struct {
    uint64_t given;
    int64_t team_id;
    const char *title, *place, *starts_at, *ends_at;
    int64_t capacity;
} activity_in_t;

static const field_t activity_fields[] = {
    IN(activity_in_t, team_id, F_INT, 1, 1, INT64_MAX, NULL),
    IN(activity_in_t, title, F_NAME, 1, 1, 100, NULL),
    IN(activity_in_t, place, F_NAME, 1, 1, 200, NULL),
    IN(activity_in_t, starts_at, F_TEXT, 1, 1, 40, NULL),
    IN(activity_in_t, ends_at, F_TEXT, 1, 1, 40, NULL),
    IN(activity_in_t, capacity, F_INT, 1, 1, 10000, NULL),
    FIELDS_END,
};

#define ACTIVITY_COLUMNS                                                                                               \
    "SELECT a.id, a.team_id, t.name AS team_name, t.kind AS team_kind, a.org_id, o.name AS org_name, a.title,"       \
    " a.place, a.starts_at, a.ends_at, a.capacity,"                                                                    \
    " (SELECT COUNT(*) FROM team_signup s WHERE s.activity_id = a.id) AS signed_up,"                                   \
    " (SELECT COUNT(*) FROM team_signup s WHERE s.activity_id = a.id AND s.checkout_at IS NOT NULL"                    \
    " AND s.verified_at IS NULL) AS unverified,"                                                                        \
    " a.created_at, a.updated_at, a.version"
#define ACTIVITY_FROM " FROM team_activity a JOIN team t ON t.id = a.team_id JOIN org o ON o.id = a.org_id"

static const entity_t activity_entity = {"activity", "SELECT org_id FROM team_activity WHERE id = ?", NULL};

static int activity_create_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    activity_in_t in = {0};
    api_input_fill(activity_fields, data, &in);
    int64_t starts = 0, ends = 0, id = 0;
    if (time_parse_rfc3339(in.starts_at, &starts) != 0)
        return api_fail(rep, w->lang, E_TIME_INVALID, "starts_at");
    if (time_parse_rfc3339(in.ends_at, &ends) != 0 || ends <= starts || ends - starts > 7 * 86400)
        return api_fail(rep, w->lang, E_TEAM_ACTIVITY_TIMES, "ends_at");
    team_at_t t;
    int rc = team_load(db, in.team_id, &t);
    if (rc == DB_NOTFOUND || (rc == DB_OK && !access_covers(&w->who, TEAM_WRITE, t.path)))
        return api_fail(rep, w->lang, E_TEAM_NOT_FOUND, "team_id");
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    char token[33];
    scan_token_new(token);
    rc = db_one_int(db, &id,
                    "INSERT INTO team_activity (team_id, org_id, title, place, starts_at, ends_at, capacity, token,"
                    " created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                    "iittiiitIii", t.id, t.org, in.title, in.place, starts, ends, in.capacity, token, w->who.user_id,
                    w->now, w->now);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "activity.created", "activity", id, t.org,
                              json_pack("{s:I, s:s, s:I}", "team_id", (json_int_t)t.id, "title", in.title, "capacity",
                                        (json_int_t)in.capacity));
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    json_t *a = db_row_one_json(db, ACTIVITY_COLUMNS ", a.token" ACTIVITY_FROM " WHERE a.id = ?", "i", id);
    return a ? api_json(rep, 201, a) : api_db_error(rep, w->lang, DB_ERR, NULL);
}

DEFER_BODY(activity_create, activity_create_write)

static const field_t activity_list_query[] = {
    {"org", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"team", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"year", F_INT, 0, 2000, 2100, NULL, 0},
    FIELDS_END,
};

static const api_sort_t activity_sorts[] = {
    {"starts_at", "a.starts_at", 0, NULL},
    {"title", "a.title", 0, NULL},
    {NULL, NULL, 0, NULL},
};

/* [from, to) of year in Asia/Shanghai, as unix seconds. */
static void year_span(int64_t year, int64_t *from, int64_t *to)
{
    *from = time_days_from_civil((int)year, 1, 1) * 86400 - 8 * 3600;
    *to = time_days_from_civil((int)year + 1, 1, 1) * 86400 - 8 * 3600;
}

/* GET /api/v1/volunteer-activities: the activities of the teams under ?org= (else the caller's scope). */
static int activity_list_of(api_req_t *req, api_reply_t *rep, api_list_t *l)
{
    char lo[ACCESS_PATH_MAX], hi[ACCESS_PATH_MAX];
    int64_t org = 0, team = 0, year = 0;
    api_query_int(req, "org", 0, 1, INT64_MAX, &org);
    api_query_int(req, "team", 0, 1, INT64_MAX, &team);
    api_query_int(req, "year", 0, 2000, 2100, &year);
    int rc = access_list_range(req->db, req->who, TEAM_READ, org, lo, hi);
    if (rc != DB_OK)
        return api_db_error(rep, req->lang, rc, "org");
    api_list_begin(l, ACTIVITY_COLUMNS, ACTIVITY_FROM, "a.id", NULL);
    l->newest_first = 1;
    api_list_where(l, "o.path >= ? AND o.path < ?", "tt", lo, hi);
    if (team)
        api_list_where(l, "a.team_id = ?", "i", team);
    if (year) {
        int64_t from, to;
        year_span(year, &from, &to);
        api_list_where(l, "a.starts_at >= ? AND a.starts_at < ?", "ii", from, to);
    }
    return 0;
}

static int activity_list(api_req_t *req, api_reply_t *rep)
{
    api_list_t l;
    return activity_list_of(req, rep, &l) != 0 ? -1 : api_list_answer(req, rep, &l);
}

/* The activity as staff see it: its token (the QR code's), its sign-ups, and what they may do. */
static json_t *activity_json(db_t *db, const principal_t *who, int64_t id)
{
    json_t *a = db_row_one_json(db, ACTIVITY_COLUMNS ", a.token, op.path AS node_path" ACTIVITY_FROM
                                " JOIN org op ON op.id = a.org_id WHERE a.id = ?", "i", id);
    if (a == NULL)
        return NULL;
    json_t *signups = db_rows_json(db,
                                   "SELECT s.id, s.person_id, p.name AS person_name, s.signed_at, s.checkin_at,"
                                   " s.checkout_at, s.minutes, s.verified_at, u.display_name AS verified_by_name"
                                   " FROM team_signup s JOIN person p ON p.id = s.person_id"
                                   " LEFT JOIN app_user u ON u.id = s.verified_by WHERE s.activity_id = ? ORDER BY s.id",
                                   "i", id);
    if (signups == NULL) {
        json_decref(a);
        return NULL;
    }
    int write = access_covers(who, TEAM_WRITE, json_string_value(json_object_get(a, "node_path")));
    json_object_del(a, "node_path");
    if (!write)
        json_object_del(a, "token");
    json_object_set_new(a, "signups", signups);
    json_object_set_new(a, "can", json_pack("{s:b}", "write", write));
    return a;
}

static int activity_get(api_req_t *req, api_reply_t *rep)
{
    json_t *a = activity_json(req->db, req->who, req->params[0]);
    return a ? api_json(rep, 200, a) : api_db_error(rep, req->lang, DB_ERR, NULL);
}

/* ---------------------------------------------------------------- sign-up */

typedef struct {
    uint64_t given;
    int64_t person_id;
} signup_in_t;

static const field_t signup_fields[] = {
    IN(signup_in_t, person_id, F_INT, 0, 1, INT64_MAX, NULL),
    FIELDS_END,
};

/* An activity's team, node path, times and capacity, for a write. */
typedef struct {
    int64_t id, team, org, starts, ends, capacity;
    char path[ACCESS_PATH_MAX];
} activity_at_t;

static int activity_load(db_t *db, int64_t id, activity_at_t *a)
{
    db_stmt_t *st = db_q(db,
                         "SELECT a.team_id, a.org_id, a.starts_at, a.ends_at, a.capacity, o.path"
                         " FROM team_activity a JOIN org o ON o.id = a.org_id WHERE a.id = ?",
                         "i", id);
    if (st == NULL)
        return DB_ERR;
    int rc = db_step(st);
    if (rc == DB_ROW) {
        a->id = id;
        a->team = db_col_int(st, 0);
        a->org = db_col_int(st, 1);
        a->starts = db_col_int(st, 2);
        a->ends = db_col_int(st, 3);
        a->capacity = db_col_int(st, 4);
        str_copy(a->path, sizeof a->path, db_col_text(st, 5));
    }
    db_done(st);
    return rc == DB_ROW ? DB_OK : rc == DB_DONE ? DB_NOTFOUND : rc;
}

/* Sign person up for activity a (signed by the caller), checked in at checkin
 * (0: not yet): 0, or -1 with rep set (409 when full or signed up already). */
static int signup_insert(db_t *db, const write_ctx_t *w, const activity_at_t *a, int64_t person, int64_t checkin,
                         api_reply_t *rep)
{
    int64_t n = 0, id = 0;
    int rc = db_one_int(db, &n, "SELECT COUNT(*) FROM team_signup WHERE activity_id = ? AND person_id = ?", "ii", a->id,
                        person);
    if (rc == DB_OK && n > 0)
        return api_fail(rep, w->lang, E_ACTIVITY_SIGNED_UP, "person_id");
    if (rc == DB_OK)
        rc = db_one_int(db, &n, "SELECT COUNT(*) FROM team_signup WHERE activity_id = ?", "i", a->id);
    if (rc == DB_OK && n >= a->capacity)
        return api_fail(rep, w->lang, E_ACTIVITY_FULL, NULL);
    if (rc == DB_OK)
        rc = db_one_int(db, &id,
                        "INSERT INTO team_signup (activity_id, person_id, signed_by, signed_at, checkin_at)"
                        " VALUES (?, ?, ?, ?, ?) RETURNING id",
                        "iiIiI", a->id, person, w->who.user_id, w->now, checkin);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "activity.signed_up", "activity", a->id, a->org,
                              json_pack("{s:I, s:I, s:b}", "signup_id", (json_int_t)id, "person_id", (json_int_t)person,
                                        "self", person == w->who.person_id));
    return rc == DB_OK ? 0 : api_db_error(rep, w->lang, rc, NULL);
}

/* POST /volunteer-activities/{id}/signups: the caller signs themself up (a
 * member of the team), or staff (party.write at the node) sign up a member. */
static int signup_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    signup_in_t in = {0};
    api_input_fill(signup_fields, data, &in);
    activity_at_t a;
    int rc = activity_load(db, w->id, &a);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "activity");
    int64_t person = in.person_id ? in.person_id : w->who.person_id;
    int staff = access_covers(&w->who, TEAM_WRITE, a.path);
    if (person <= 0)
        return api_fail(rep, w->lang, E_TEAM_NO_PERSON, "person_id");
    if (person != w->who.person_id && !staff)
        return api_fail(rep, w->lang, E_FORBIDDEN, "person_id");
    int member = team_member_is(db, a.team, person);
    if (member < 0)
        return api_db_error(rep, w->lang, DB_ERR, NULL);
    if (!member)
        return api_fail(rep, w->lang, staff ? E_TEAM_NOT_MEMBER : E_TEAM_NOT_MEMBER_SELF, "person_id");
    if (w->now >= a.ends)
        return api_fail(rep, w->lang, E_ACTIVITY_CLOSED, NULL);
    if (signup_insert(db, w, &a, person, 0, rep) != 0)
        return -1;
    json_t *out = staff ? activity_json(db, &w->who, a.id)
                        : db_row_one_json(db, ACTIVITY_COLUMNS ACTIVITY_FROM " WHERE a.id = ?", "i", a.id);
    return out ? api_json(rep, 201, out) : api_db_error(rep, w->lang, DB_ERR, NULL);
}

DEFER_BODY(signup_create, signup_write)

/* Who may name an activity in a path: staff reading its node, or a member of its team. */
static int activity_member_scope(db_t *db, const principal_t *who, int64_t id, int64_t *org)
{
    int64_t team = 0;
    int rc = db_one_int(db, org, "SELECT org_id FROM team_activity WHERE id = ?", "i", id);
    if (rc == DB_OK)
        rc = db_one_int(db, &team, "SELECT team_id FROM team_activity WHERE id = ?", "i", id);
    if (rc != DB_OK)
        return rc;
    if (access_org(db, who, TEAM_READ, *org, NULL, 0) == DB_OK)
        return DB_OK;
    int member = team_member_is(db, team, who->person_id);
    return member < 0 ? DB_ERR : member ? DB_OK : DB_NOTFOUND;
}

static const entity_t activity_member_entity = {"activity", NULL, activity_member_scope};

/* ---------------------------------------------------------------- check-in by token */

/* The caller's part of activity id: their sign-up (or null) and the next scan's move. */
static json_t *checkin_json(db_t *db, int64_t id, int64_t person)
{
    json_t *a = db_row_one_json(db,
                                "SELECT a.id, a.title, a.place, a.starts_at, a.ends_at, a.capacity, t.name AS team_name,"
                                " o.name AS org_name FROM team_activity a JOIN team t ON t.id = a.team_id"
                                " JOIN org o ON o.id = a.org_id WHERE a.id = ?",
                                "i", id);
    if (a == NULL)
        return NULL;
    json_t *s = db_row_one_json(db,
                                "SELECT id, signed_at, checkin_at, checkout_at, minutes, verified_at FROM team_signup"
                                " WHERE activity_id = ? AND person_id = ?",
                                "ii", id, person);
    const char *next = "check_in";
    if (s && !json_is_null(json_object_get(s, "checkout_at")))
        next = "done";
    else if (s && !json_is_null(json_object_get(s, "checkin_at")))
        next = "check_out";
    json_object_set_new(a, "signup", s ? s : json_null());
    json_object_set_new(a, "next", json_string(next));
    return a;
}

/* The activity of token and the caller's membership: DB_OK with *a (0 if the
 * caller is a member, else E_TEAM_NOT_MEMBER_SELF / E_TEAM_NO_PERSON in *why),
 * DB_NOTFOUND, or an error. */
static int token_activity(db_t *db, const principal_t *who, const char *token, activity_at_t *a, err_t *why)
{
    int64_t id = 0;
    int rc = db_one_int(db, &id, "SELECT id FROM team_activity WHERE token = ?", "t", token);
    if (rc == DB_OK)
        rc = activity_load(db, id, a);
    if (rc != DB_OK)
        return rc;
    *why = (err_t)0;
    if (who->person_id <= 0) {
        *why = E_TEAM_NO_PERSON;
        return DB_OK;
    }
    int member = team_member_is(db, a->team, who->person_id);
    if (member < 0)
        return DB_ERR;
    if (!member)
        *why = E_TEAM_NOT_MEMBER_SELF;
    return DB_OK;
}

/* GET /api/v1/activity-checkin?token=: the activity the QR code names and the caller's state. */
static int checkin_get(api_req_t *req, api_reply_t *rep)
{
    char *token = api_query(req, "token");
    activity_at_t a;
    err_t why;
    int rc = token_activity(req->db, req->who, token, &a, &why);
    free(token);
    if (rc == DB_NOTFOUND)
        return api_fail(rep, req->lang, E_RECORD_NOT_FOUND, "token");
    if (rc != DB_OK)
        return api_db_error(rep, req->lang, rc, "activity");
    if (why)
        return api_fail(rep, req->lang, why, "token");
    json_t *out = checkin_json(req->db, a.id, req->who->person_id);
    return out ? api_json(rep, 200, out) : api_db_error(rep, req->lang, DB_ERR, NULL);
}

/* POST /api/v1/activity-checkin {token}: the first scan checks the caller in
 * (signing them up when there is room), the second checks them out and
 * counts the minutes between, within the activity's times. */
static int checkin_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    scan_token_in_t in = {0};
    api_input_fill(scan_token_fields, data, &in);
    activity_at_t a;
    err_t why;
    int rc = token_activity(db, &w->who, in.token, &a, &why);
    if (rc == DB_NOTFOUND)
        return api_fail(rep, w->lang, E_RECORD_NOT_FOUND, "token");
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "activity");
    if (why)
        return api_fail(rep, w->lang, why, "token");
    int64_t person = w->who.person_id, signup = 0, checkin = 0, checkout = 0;
    db_stmt_t *st = db_q(db, "SELECT id, checkin_at, checkout_at FROM team_signup WHERE activity_id = ? AND person_id = ?",
                         "ii", a.id, person);
    if (st == NULL)
        return api_db_error(rep, w->lang, DB_ERR, NULL);
    if ((rc = db_step(st)) == DB_ROW) {
        signup = db_col_int(st, 0);
        checkin = db_col_is_null(st, 1) ? 0 : db_col_int(st, 1);
        checkout = db_col_is_null(st, 2) ? 0 : db_col_int(st, 2);
    }
    db_done(st);
    if (rc != DB_ROW && rc != DB_DONE)
        return api_db_error(rep, w->lang, rc, NULL);
    if (checkout)
        return api_fail(rep, w->lang, E_ACTIVITY_CHECKED_OUT, "token");
    const char *action;
    if (checkin == 0) {
        if (w->now < a.starts - CHECKIN_EARLY || w->now >= a.ends)
            return api_fail(rep, w->lang, E_ACTIVITY_NOT_OPEN, "token");
        action = "activity.checked_in";
        if (signup == 0) {
            if (signup_insert(db, w, &a, person, w->now, rep) != 0)
                return -1;
            rc = DB_OK;
        } else
            rc = db_exec(db, NULL, "UPDATE team_signup SET checkin_at = ? WHERE id = ?", "ii", w->now, signup);
    } else {
        /* The minutes within the activity's times: before its start and after its end do not count. */
        int64_t from = checkin > a.starts ? checkin : a.starts, to = w->now < a.ends ? w->now : a.ends;
        int64_t minutes = to > from ? (to - from) / 60 : 0;
        action = "activity.checked_out";
        rc = db_exec(db, NULL, "UPDATE team_signup SET checkout_at = ?, minutes = ? WHERE id = ?", "iii", w->now,
                     minutes, signup);
    }
    if (rc == DB_OK)
        rc = audit_append_new(db, w, action, "activity", a.id, a.org, json_pack("{s:I}", "person_id", (json_int_t)person));
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    json_t *out = checkin_json(db, a.id, person);
    return out ? api_json(rep, 200, out) : api_db_error(rep, w->lang, DB_ERR, NULL);
}

DEFER_BODY(checkin_post, checkin_write)

/* ---------------------------------------------------------------- verify */

static const field_t verify_fields[] = {
    IN(signup_in_t, person_id, F_INT, 0, 1, INT64_MAX, NULL),
    FIELDS_END,
};

/* POST /volunteer-activities/{id}/verify: staff confirm the minutes of the
 * checked-out sign-ups not yet verified (one person's with person_id). */
static int verify_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    signup_in_t in = {0};
    api_input_fill(verify_fields, data, &in);
    int64_t org = 0, changed = 0;
    int rc = api_entity_org(db, w, &org);
    if (rc == DB_OK)
        rc = db_exec(db, &changed,
                     "UPDATE team_signup SET verified_by = ?, verified_at = ? WHERE activity_id = ?"
                     " AND checkout_at IS NOT NULL AND verified_at IS NULL AND (? = 0 OR person_id = ?)",
                     "iiiii", w->who.user_id, w->now, w->id, in.person_id, in.person_id);
    if (rc == DB_OK && changed == 0)
        return api_fail(rep, w->lang, E_ACTIVITY_NOTHING_TO_VERIFY, in.person_id ? "person_id" : NULL);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "activity.verified", "activity", w->id, org,
                              json_pack("{s:I, s:I}", "verified", (json_int_t)changed, "person_id", (json_int_t)in.person_id));
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "activity");
    json_t *a = activity_json(db, &w->who, w->id);
    return a ? api_json(rep, 200, a) : api_db_error(rep, w->lang, DB_ERR, NULL);
}

DEFER_BODY(activity_verify, verify_write)

/* ---------------------------------------------------------------- hours and stars */

/* The star thresholds (hours, ascending) in force at org this year: up to 10 into steps; how many. */
static int star_steps(db_t *db, int64_t org, double steps[10])
{
    json_t *v = NULL;
    int n = 0;
    if (norm_get(db, "volunteer.star_hours", org, api_today_ymd() / 10000, &v) == DB_OK && json_is_array(v)) {
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) if (n < 10 && json_is_number(x)) steps[n++] = json_number_value(x);
    }
    json_decref(v);
    return n;
}

/* Stars of hours: how many thresholds it reaches. */
static int stars_of(double hours, const double *steps, int n)
{
    int s = 0;
    while (s < n && hours >= steps[s])
        s++;
    return s;
}

/* A person's verified minutes in all (DB_OK), or an error. */
static int person_minutes(db_t *db, int64_t person, int64_t *minutes)
{
    return db_one_int(db, minutes,
                      "SELECT COALESCE(SUM(minutes), 0) FROM team_signup WHERE person_id = ? AND verified_at IS NOT NULL",
                      "i", person);
}

/* A person's volunteer record: hours (verified only) and the minutes still
 * waiting for staff, stars by the norm at their node, the next star's hours,
 * their teams and their sign-ups (newest first). New, or NULL. */
static json_t *volunteer_json(db_t *db, int64_t person)
{
    json_t *p = db_row_one_json(db,
                                "SELECT p.id AS person_id, p.name, p.org_id, o.name AS org_name FROM person p"
                                " JOIN org o ON o.id = p.org_id WHERE p.id = ?",
                                "i", person);
    int64_t minutes = 0, waiting = 0;
    json_t *teams = NULL, *records = NULL;
    if (p == NULL || person_minutes(db, person, &minutes) != DB_OK ||
        db_one_int(db, &waiting,
                   "SELECT COALESCE(SUM(minutes), 0) FROM team_signup WHERE person_id = ? AND verified_at IS NULL"
                   " AND checkout_at IS NOT NULL",
                   "i", person) != DB_OK ||
        (teams = db_rows_json(db,
                              "SELECT t.id, t.name, t.kind, o.name AS org_name, m.joined_on FROM team_member m"
                              " JOIN team t ON t.id = m.team_id JOIN org o ON o.id = t.org_id WHERE m.person_id = ?"
                              " ORDER BY t.name, t.id",
                              "i", person)) == NULL ||
        (records = db_rows_json(db,
                                "SELECT s.id, s.activity_id, a.title, a.place, t.name AS team_name, a.starts_at,"
                                " a.ends_at, s.checkin_at, s.checkout_at, s.minutes, s.verified_at"
                                " FROM team_signup s JOIN team_activity a ON a.id = s.activity_id"
                                " JOIN team t ON t.id = a.team_id WHERE s.person_id = ? ORDER BY a.starts_at DESC, s.id"
                                " LIMIT 200",
                                "i", person)) == NULL) {
        json_decref(p);
        json_decref(teams);
        return NULL;
    }
    double steps[10];
    int n = star_steps(db, json_integer_value(json_object_get(p, "org_id")), steps);
    double hours = (double)minutes / 60.0;
    int stars = stars_of(hours, steps, n);
    json_t *thresholds = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(thresholds, json_real(steps[i]));
    json_object_set_new(p, "minutes", json_integer(minutes));
    json_object_set_new(p, "hours", json_real((double)(minutes / 6) / 10.0));
    json_object_set_new(p, "unverified_minutes", json_integer(waiting));
    json_object_set_new(p, "stars", json_integer(stars));
    json_object_set_new(p, "star_hours", thresholds);
    json_object_set_new(p, "next_star_hours", stars < n ? json_real(steps[stars]) : json_null());
    json_object_set_new(p, "teams", teams);
    json_object_set_new(p, "records", records);
    return p;
}

/* Who may see person id's volunteer record: themself, or staff reading the
 * node of a team the person belongs to (or the person's own node). */
static int volunteer_scope(db_t *db, const principal_t *who, int64_t id, int64_t *org)
{
    int rc = db_one_int(db, org, "SELECT org_id FROM person WHERE id = ?", "i", id);
    if (rc != DB_OK || who->person_id == id)
        return rc;
    if (access_org(db, who, TEAM_READ, *org, NULL, 0) == DB_OK)
        return DB_OK;
    json_t *teams = db_rows_json(db, "SELECT DISTINCT t.org_id FROM team_member m JOIN team t ON t.id = m.team_id"
                                     " WHERE m.person_id = ?", "i", id);
    if (teams == NULL)
        return DB_ERR;
    rc = DB_NOTFOUND;
    size_t i;
    json_t *t;
    json_array_foreach(teams, i, t) {
        int64_t node = json_integer_value(json_object_get(t, "org_id"));
        if (access_org(db, who, TEAM_READ, node, NULL, 0) == DB_OK) {
            rc = DB_OK;
            break;
        }
    }
    json_decref(teams);
    return rc;
}

static const entity_t volunteer_entity = {"volunteer", NULL, volunteer_scope};

static int volunteer_get(api_req_t *req, api_reply_t *rep)
{
    json_t *v = volunteer_json(req->db, req->params[0]);
    return v ? api_json(rep, 200, v) : api_db_error(rep, req->lang, DB_ERR, NULL);
}

/* GET /api/v1/my-volunteer: the caller's own record, and the coming
 * activities of their teams (with whether they signed up). */
static int my_volunteer(api_req_t *req, api_reply_t *rep)
{
    int64_t person = req->who->person_id;
    if (person <= 0)
        return api_fail(rep, req->lang, E_TEAM_NO_PERSON, NULL);
    json_t *v = volunteer_json(req->db, person);
    json_t *coming = v ? db_rows_json(req->db,
                                      "SELECT a.id, a.title, a.place, t.name AS team_name, a.starts_at, a.ends_at,"
                                      " a.capacity, (SELECT COUNT(*) FROM team_signup s WHERE s.activity_id = a.id)"
                                      " AS signed_up, CASE WHEN EXISTS (SELECT 1 FROM team_signup s WHERE"
                                      " s.activity_id = a.id AND s.person_id = ?) THEN 1 ELSE 0 END AS is_mine"
                                      " FROM team_activity a JOIN team t ON t.id = a.team_id"
                                      " JOIN team_member m ON m.team_id = a.team_id AND m.person_id = ?"
                                      " WHERE a.ends_at > ? ORDER BY a.starts_at, a.id LIMIT 50",
                                      "iii", person, person, clock_now())
                      : NULL;
    if (coming == NULL) {
        json_decref(v);
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    }
    json_object_set_new(v, "activities", coming);
    return api_json(rep, 200, v);
}

/* The certificate of hours on A4: the title, the person, the hours and stars,
 * the activities counted, the date (Asia/Shanghai). 0 with the PDF in out. */
static int certificate_render(const json_t *v, strbuf_t *out)
{
    cairo_surface_t *s = pdf_surface_new(out);
    cairo_t *cr = cairo_create(s);
    double y = M_TOP;
    cairo_set_source_rgb(cr, 0.8, 0, 0);
    pdf_block(cr, "Noto Serif CJK SC Bold 28", "志愿服务时长证明", PANGO_ALIGN_CENTER, &y, 30);
    cairo_set_source_rgb(cr, 0, 0, 0);
    char text[1024];
    int stars = (int)json_integer_value(json_object_get(v, "stars"));
    int64_t minutes = json_integer_value(json_object_get(v, "minutes"));
    snprintf(text, sizeof text,
             "兹证明 %s 同志（%s）参加志愿服务，经核实累计服务时长 %lld 小时 %lld 分钟，%s。",
             json_string_value(json_object_get(v, "name")), json_string_value(json_object_get(v, "org_name")),
             (long long)(minutes / 60), (long long)(minutes % 60),
             stars > 0 ? (const char *[]){"", "评为一星志愿者", "评为二星志愿者", "评为三星志愿者", "评为四星志愿者",
                                          "评为五星志愿者"}[stars > 5 ? 5 : stars]
                       : "特此证明");
    PangoLayout *l = pdf_layout(cr, "Noto Serif CJK SC 15", text, PANGO_ALIGN_LEFT);
    pango_layout_set_indent(l, 30 * PANGO_SCALE);
    pango_layout_set_spacing(l, 8 * PANGO_SCALE);
    pdf_flow(cr, l, &y);
    g_object_unref(l);
    y += 18;
    /* The verified activities, one line each. */
    strbuf_t lines = {0};
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(v, "records"), i, r) {
        if (json_is_null(json_object_get(r, "verified_at")))
            continue;
        const char *at = json_string_value(json_object_get(r, "starts_at"));
        int64_t t = 0, m = json_integer_value(json_object_get(r, "minutes"));
        char day[16] = "";
        if (at && time_parse_rfc3339(at, &t) == 0)
            date_of(t, day);
        char line[512];
        snprintf(line, sizeof line, "%s  %s（%s）  %lld 分钟\n", day, json_string_value(json_object_get(r, "title")),
                 json_string_value(json_object_get(r, "team_name")), (long long)m);
        strbuf_add(&lines, line);
    }
    if (lines.s)
        pdf_block(cr, "Noto Sans CJK SC 11", lines.s, PANGO_ALIGN_LEFT, &y, 24);
    free(lines.s);
    char date[64];
    pdf_date(date, sizeof date, clock_now());
    if (y + 40 > PAGE_H - M_BOTTOM) {
        cairo_show_page(cr);
        y = M_TOP;
    }
    pdf_block(cr, "Noto Serif CJK SC 15", date, PANGO_ALIGN_RIGHT, &y, 0);
    return pdf_finish(cr, s);
}

/* GET /api/v1/volunteers/{id}/certificate: the certificate of hours, to the person or their teams' staff. */
static int volunteer_certificate(api_req_t *req, api_reply_t *rep)
{
    json_t *v = volunteer_json(req->db, req->params[0]);
    if (v == NULL)
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    char name[64];
    snprintf(name, sizeof name, "volunteer-hours-%lld.pdf", (long long)req->params[0]);
    return pdf_reply(rep, req->lang, certificate_render, v, name);
}

/* The list of volunteers: persons in the teams under the range, with their verified hours. */
typedef struct {
    double steps[10];
    int n;
} star_ctx_t;

static void volunteer_row(json_t *row, void *ctx)
{
    const star_ctx_t *c = ctx;
    int64_t minutes = json_integer_value(json_object_get(row, "minutes"));
    json_object_set_new(row, "hours", json_real((double)(minutes / 6) / 10.0));
    json_object_set_new(row, "stars", json_integer(stars_of((double)minutes / 60.0, c->steps, c->n)));
}

static const field_t volunteer_list_query[] = {
    {"org", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"team", F_INT, 0, 1, INT64_MAX, NULL, 0},
    FIELDS_END,
};

static const api_sort_t volunteer_sorts[] = {
    {"minutes", "(SELECT COALESCE(SUM(s.minutes), 0) FROM team_signup s WHERE s.person_id = p.id AND s.verified_at IS NOT NULL)", 0, NULL},
    {"name", "p.name", 0, NULL},
    {NULL, NULL, 0, NULL},
};

/* GET /api/v1/volunteers: the members of the volunteer teams under ?org= (or of ?team=), hours and stars (the norm
 * at the node): the people the figure `volunteers` counts. */
static int volunteer_list_of(api_req_t *req, api_reply_t *rep, api_list_t *l, star_ctx_t *ctx)
{
    char lo[ACCESS_PATH_MAX], hi[ACCESS_PATH_MAX];
    int64_t org = 0, team = 0, node = 0;
    api_query_int(req, "org", 0, 1, INT64_MAX, &org);
    api_query_int(req, "team", 0, 1, INT64_MAX, &team);
    int rc = access_list_range(req->db, req->who, TEAM_READ, org, lo, hi);
    if (rc == DB_OK)
        rc = db_one_int(req->db, &node, "SELECT id FROM org WHERE path = ?", "t", lo);
    if (rc == DB_NOTFOUND && strcmp(lo, "/") == 0)
        rc = db_one_int(req->db, &node, "SELECT id FROM org WHERE parent_id IS NULL ORDER BY id LIMIT 1", "");
    if (rc != DB_OK)
        return api_db_error(rep, req->lang, rc, "org");
    ctx->n = star_steps(req->db, node, ctx->steps);
    api_list_begin(l,
                   "SELECT p.id AS person_id, p.name, o.name AS org_name,"
                   " (SELECT COUNT(*) FROM team_member m2 WHERE m2.person_id = p.id) AS teams,"
                   " (SELECT COALESCE(SUM(s.minutes), 0) FROM team_signup s WHERE s.person_id = p.id"
                   " AND s.verified_at IS NOT NULL) AS minutes",
                   " FROM person p JOIN org o ON o.id = p.org_id", "p.id", "person_id");
    l->row = volunteer_row;
    l->row_ctx = ctx;
    if (team)
        api_list_where(l, "EXISTS (SELECT 1 FROM team_member m JOIN team t ON t.id = m.team_id JOIN org tp"
                           " ON tp.id = t.org_id WHERE m.person_id = p.id AND t.kind = 'volunteer' AND t.id = ? AND tp.path >= ?"
                              " AND tp.path < ?)",
                       "itt", team, lo, hi);
    else
        api_list_where(l, "EXISTS (SELECT 1 FROM team_member m JOIN team t ON t.id = m.team_id JOIN org tp"
                           " ON tp.id = t.org_id WHERE m.person_id = p.id AND t.kind = 'volunteer' AND tp.path >= ? AND tp.path < ?)",
                       "tt", lo, hi);
    return 0;
}

static int volunteer_list(api_req_t *req, api_reply_t *rep)
{
    api_list_t l;
    star_ctx_t ctx;
    return volunteer_list_of(req, rep, &l, &ctx) != 0 ? -1 : api_list_answer(req, rep, &l);
}

/* ---------------------------------------------------------------- enterprise visits */

typedef struct {
    uint64_t given;
    int64_t team_id, unit_id;
    const char *visited_on, *branch_state, *problems, *help_given, *follow_up;
} visit_in_t;

static const field_t visit_fields[] = {
    IN(visit_in_t, team_id, F_INT, 1, 1, INT64_MAX, NULL),
    IN(visit_in_t, unit_id, F_INT, 1, 1, INT64_MAX, NULL),
    IN(visit_in_t, visited_on, F_DATE, 1, 20000101, 0, NULL),
    IN(visit_in_t, branch_state, F_ENUM, 1, 0, 0, enterprise_branch_states),
    IN(visit_in_t, problems, F_BLOCK, 0, 1, 2000, NULL),
    IN(visit_in_t, help_given, F_BLOCK, 0, 1, 2000, NULL),
    IN(visit_in_t, follow_up, F_BLOCK, 0, 1, 2000, NULL),
    FIELDS_END,
};

#define VISIT_COLUMNS                                                                                                  \
    "SELECT v.id, v.team_id, t.name AS team_name, v.org_id, o.name AS org_name, v.unit_id, u.name AS unit_name,"     \
    " u.org_id AS unit_org_id, v.visited_on, v.month, v.branch_state, v.problems, v.help_given, v.follow_up,"        \
    " v.case_id, c.tracking_code AS case_tracking_code, c.state AS case_state, v.created_at, v.updated_at, v.version"
#define VISIT_FROM                                                                                                     \
    " FROM enterprise_visit v JOIN team t ON t.id = v.team_id JOIN org o ON o.id = v.org_id"                         \
    " JOIN unit u ON u.id = v.unit_id LEFT JOIN casefile c ON c.id = v.case_id"

static const entity_t visit_entity = {"enterprise_visit", "SELECT org_id FROM enterprise_visit WHERE id = ?", NULL};

/* 1 if unit is a non-public enterprise under path (0 if not, -1 on an error). */
static int enterprise_under(db_t *db, int64_t unit, const char *path)
{
    char hi[ACCESS_PATH_MAX];
    int64_t n = 0;
    if (path_subtree_upper(hi, sizeof hi, path) != 0)
        return -1;
    int rc = db_one_int(db, &n,
                        "SELECT COUNT(*) FROM unit u JOIN org o ON o.id = u.org_id WHERE u.id = ?"
                        " AND u.type = 'non_public_enterprise' AND o.path >= ? AND o.path < ?",
                        "itt", unit, path, hi);
    return rc == DB_OK ? n > 0 : -1;
}

static int visit_create_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    visit_in_t in = {0};
    api_input_fill(visit_fields, data, &in);
    team_at_t t;
    int64_t id = 0;
    int rc = team_load(db, in.team_id, &t);
    if (rc == DB_NOTFOUND || (rc == DB_OK && !access_covers(&w->who, TEAM_WRITE, t.path)))
        return api_fail(rep, w->lang, E_TEAM_NOT_FOUND, "team_id");
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    if (strcmp(t.kind, "service") != 0)
        return api_fail(rep, w->lang, E_TEAM_NOT_SERVICE, "team_id");
    int under = enterprise_under(db, in.unit_id, t.path);
    if (under < 0)
        return api_db_error(rep, w->lang, DB_ERR, NULL);
    if (!under)
        return api_fail(rep, w->lang, E_VISIT_NOT_ENTERPRISE, "unit_id");
    char today[16], month[8];
    date_today(today);
    if (strcmp(in.visited_on, today) > 0)
        return api_fail(rep, w->lang, E_VISIT_IN_FUTURE, "visited_on");
    memcpy(month, in.visited_on, 7);
    month[7] = 0;
    rc = db_one_int(db, &id,
                    "INSERT INTO enterprise_visit (team_id, org_id, unit_id, visited_on, month, branch_state, problems,"
                    " help_given, follow_up, created_by, created_at, updated_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                    "iiitttttt" "Iii", t.id, t.org, in.unit_id, in.visited_on, month, in.branch_state, in.problems,
                    in.help_given, in.follow_up, w->who.user_id, w->now, w->now);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "enterprise_visit.created", "enterprise_visit", id, t.org,
                              json_pack("{s:I, s:I, s:s, s:s}", "team_id", (json_int_t)t.id, "unit_id",
                                        (json_int_t)in.unit_id, "visited_on", in.visited_on, "branch_state",
                                        in.branch_state));
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    json_t *v = db_row_one_json(db, VISIT_COLUMNS VISIT_FROM " WHERE v.id = ?", "i", id);
    return v ? api_json(rep, 201, v) : api_db_error(rep, w->lang, DB_ERR, NULL);
}

DEFER_BODY(visit_create, visit_create_write)

static int visit_get(api_req_t *req, api_reply_t *rep)
{
    json_t *v = db_row_one_json(req->db, VISIT_COLUMNS VISIT_FROM " WHERE v.id = ?", "i", req->params[0]);
    return v ? api_json(rep, 200, v) : api_db_error(rep, req->lang, DB_NOTFOUND, "enterprise_visit");
}

static const field_t visit_list_query[] = {
    {"org", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"team", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"unit", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"month", F_TEXT, 0, 7, 7, NULL, 0},
    {"branch_state", F_ENUM, 0, 0, 0, enterprise_branch_states, 0},
    FIELDS_END,
};

static const api_sort_t visit_sorts[] = {
    {"visited_on", "v.visited_on", 0, NULL},
    {"unit_name", "u.name", 0, NULL},
    {NULL, NULL, 0, NULL},
};

/* 1 if s is "YYYY-MM". */
static int month_valid(const char *s)
{
    return s && strlen(s) == 7 && s[4] == '-' && s[0] >= '1' && s[0] <= '2' && s[1] >= '0' && s[1] <= '9' &&
           s[2] >= '0' && s[2] <= '9' && s[3] >= '0' && s[3] <= '9' &&
           ((s[5] == '0' && s[6] >= '1' && s[6] <= '9') || (s[5] == '1' && s[6] >= '0' && s[6] <= '2'));
}

/* GET /api/v1/enterprise-visits: the visits of the teams under ?org=, by ?team=, ?unit=, ?month=, ?branch_state=. */
static int visit_list_of(api_req_t *req, api_reply_t *rep, api_list_t *l)
{
    char lo[ACCESS_PATH_MAX], hi[ACCESS_PATH_MAX];
    int64_t org = 0, team = 0, unit = 0;
    api_query_int(req, "org", 0, 1, INT64_MAX, &org);
    api_query_int(req, "team", 0, 1, INT64_MAX, &team);
    api_query_int(req, "unit", 0, 1, INT64_MAX, &unit);
    char *month = api_query(req, "month"), *state = api_query(req, "branch_state");
    if (month && !month_valid(month)) {
        free(month);
        free(state);
        return api_fail(rep, req->lang, E_MONTH_INVALID, "month");
    }
    int rc = access_list_range(req->db, req->who, TEAM_READ, org, lo, hi);
    if (rc != DB_OK) {
        free(month);
        free(state);
        return api_db_error(rep, req->lang, rc, "org");
    }
    api_list_begin(l, VISIT_COLUMNS, VISIT_FROM, "v.id", NULL);
    l->newest_first = 1;
    api_list_where(l, "o.path >= ? AND o.path < ?", "tt", lo, hi);
    if (team)
        api_list_where(l, "v.team_id = ?", "i", team);
    if (unit)
        api_list_where(l, "v.unit_id = ?", "i", unit);
    if (month)
        api_list_where(l, "v.month = ?", "t", month);
    if (state)
        api_list_where(l, "v.branch_state = ?", "t", state);
    free(month);
    free(state);
    return 0;
}

static int visit_list(api_req_t *req, api_reply_t *rep)
{
    api_list_t l;
    return visit_list_of(req, rep, &l) != 0 ? -1 : api_list_answer(req, rep, &l);
}

/* The month a query names (?month=, "YYYY-MM"), else this month: 0, or -1 with rep set. */
static int month_arg(api_req_t *req, api_reply_t *rep, char out[8])
{
    char *m = api_query(req, "month");
    if (m && !month_valid(m)) {
        free(m);
        return api_fail(rep, req->lang, E_MONTH_INVALID, "month");
    }
    if (m)
        str_copy(out, 8, m);
    else
        month_now(out);
    free(m);
    return 0;
}

static const field_t unvisited_query[] = {
    {"org", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"team", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"month", F_TEXT, 0, 7, 7, NULL, 0},
    FIELDS_END,
};

static const api_sort_t unit_sorts[] = {
    {"name", "u.name", 0, NULL},
    {NULL, NULL, 0, NULL},
};

/* GET /api/v1/enterprise-visits/unvisited?org=|team=&month=: the non-public
 * enterprises of the node's subtree (or of the team's) that no visit (of the
 * team, with ?team=) reached in the month, with their last visit. */
static int unvisited_list_of(api_req_t *req, api_reply_t *rep, api_list_t *l)
{
    char lo[ACCESS_PATH_MAX], hi[ACCESS_PATH_MAX], month[8];
    int64_t org = 0, team = 0;
    api_query_int(req, "org", 0, 1, INT64_MAX, &org);
    api_query_int(req, "team", 0, 1, INT64_MAX, &team);
    if (month_arg(req, rep, month) != 0)
        return -1;
    int rc = DB_OK;
    if (team) {
        team_at_t t;
        rc = team_load(req->db, team, &t);
        if (rc == DB_OK && !access_covers(req->who, TEAM_READ, t.path))
            rc = DB_NOTFOUND;
        if (rc != DB_OK)
            return api_db_error(rep, req->lang, rc, "team");
        str_copy(lo, sizeof lo, t.path);
        if (path_subtree_upper(hi, sizeof hi, lo) != 0)
            return api_db_error(rep, req->lang, DB_ERR, NULL);
    } else if ((rc = access_list_range(req->db, req->who, TEAM_READ, org, lo, hi)) != DB_OK)
        return api_db_error(rep, req->lang, rc, "org");
    api_list_begin(l,
                   "SELECT u.id, u.name, u.org_id, o.name AS org_name, u.address,"
                   " (SELECT MAX(v2.visited_on) FROM enterprise_visit v2 WHERE v2.unit_id = u.id) AS last_visited_on",
                   " FROM unit u JOIN org o ON o.id = u.org_id", "u.id", NULL);
    api_list_where(l, "u.type = 'non_public_enterprise' AND o.path >= ? AND o.path < ?", "tt", lo, hi);
    api_list_where(l, "NOT EXISTS (SELECT 1 FROM enterprise_visit v WHERE v.unit_id = u.id AND v.month = ?"
                       " AND (? = 0 OR v.team_id = ?))", "tii", month, team, team);
    return 0;
}

static int unvisited_list(api_req_t *req, api_reply_t *rep)
{
    api_list_t l;
    return unvisited_list_of(req, rep, &l) != 0 ? -1 : api_list_answer(req, rep, &l);
}

/* The month of a figure of year: this month in this year, else the year's December. */
static void figure_month(int64_t year, const char *today, char out[16])
{
    if ((int64_t)atoi(today) == year)
        snprintf(out, 16, "%.7s", today);
    else
        snprintf(out, 16, "%04d-12", (int)(year % 10000));
}

/* The figures of the service teams' visits under [lo, hi) for year: the
 * non-public enterprises there, those visited in the month (this month, or
 * December of a past year), the rate, the year's visits, the problems found
 * and the cases they became. */
json_t *enterprise_visit_figures_of(db_t *db, const principal_t *who, const char *lo, const char *hi, int64_t year,
                                    const char *today)
{
    (void)who;
    char month[16], from[16], to[16];
    figure_month(year, today, month);
    snprintf(from, sizeof from, "%04d-01", (int)(year % 10000));
    snprintf(to, sizeof to, "%04d-13", (int)(year % 10000));
    json_t *f = db_row_one_json(
        db,
        "SELECT (SELECT COUNT(*) FROM unit u JOIN org o ON o.id = u.org_id WHERE u.type = 'non_public_enterprise'"
        " AND o.path >= ? AND o.path < ?) AS enterprises,"
        " (SELECT COUNT(DISTINCT v.unit_id) FROM enterprise_visit v JOIN unit u ON u.id = v.unit_id JOIN org o"
        " ON o.id = u.org_id WHERE v.month = ? AND o.path >= ? AND o.path < ?) AS visited_this_month,"
        " (SELECT COUNT(*) FROM enterprise_visit v JOIN unit u ON u.id = v.unit_id JOIN org o ON o.id = u.org_id"
        " WHERE v.month >= ? AND v.month < ? AND o.path >= ? AND o.path < ?) AS visits,"
        " (SELECT COUNT(*) FROM enterprise_visit v JOIN unit u ON u.id = v.unit_id JOIN org o ON o.id = u.org_id"
        " WHERE v.month >= ? AND v.month < ? AND o.path >= ? AND o.path < ? AND v.problems IS NOT NULL) AS with_problems,"
        " (SELECT COUNT(*) FROM enterprise_visit v JOIN unit u ON u.id = v.unit_id JOIN org o ON o.id = u.org_id"
        " WHERE v.month >= ? AND v.month < ? AND o.path >= ? AND o.path < ? AND v.case_id IS NOT NULL) AS cases",
        "ttttttttttttttttt", lo, hi, month, lo, hi, from, to, lo, hi, from, to, lo, hi, from, to, lo, hi);
    if (f == NULL)
        return NULL;
    json_object_set_new(f, "month", json_string(month));
    json_object_set_new(f, "visit_rate", json_rate(json_integer_value(json_object_get(f, "visited_this_month")),
                                                   json_integer_value(json_object_get(f, "enterprises"))));
    return f;
}

static int visit_figures(api_req_t *req, api_reply_t *rep)
{
    return api_subtree_figures(req, rep, TEAM_READ, enterprise_visit_figures_of);
}

/* The figures of the volunteer teams under [lo, hi) for year: teams,
 * volunteers (members), the year's activities, and their verified hours. */
json_t *volunteer_figures_of(db_t *db, const principal_t *who, const char *lo, const char *hi, int64_t year,
                             const char *today)
{
    (void)who;
    (void)today;
    int64_t from, to;
    year_span(year, &from, &to);
    json_t *f = db_row_one_json(
        db,
        "SELECT (SELECT COUNT(*) FROM team t JOIN org o ON o.id = t.org_id WHERE t.kind = 'volunteer'"
        " AND o.path >= ? AND o.path < ?) AS teams,"
        " (SELECT COUNT(DISTINCT m.person_id) FROM team_member m JOIN team t ON t.id = m.team_id JOIN org o"
        " ON o.id = t.org_id WHERE t.kind = 'volunteer' AND o.path >= ? AND o.path < ?) AS volunteers,"
        " (SELECT COUNT(*) FROM team_activity a JOIN org o ON o.id = a.org_id WHERE a.starts_at >= ?"
        " AND a.starts_at < ? AND o.path >= ? AND o.path < ?) AS activities,"
        " (SELECT COALESCE(SUM(s.minutes), 0) FROM team_signup s JOIN team_activity a ON a.id = s.activity_id"
        " JOIN org o ON o.id = a.org_id WHERE s.verified_at IS NOT NULL AND a.starts_at >= ? AND a.starts_at < ?"
        " AND o.path >= ? AND o.path < ?) AS verified_minutes",
        "ttttiittiitt", lo, hi, lo, hi, from, to, lo, hi, from, to, lo, hi);
    if (f == NULL)
        return NULL;
    int64_t m = json_integer_value(json_object_get(f, "verified_minutes"));
    json_object_set_new(f, "verified_hours", json_real((double)(m / 6) / 10.0));
    return f;
}

static int volunteer_figures(api_req_t *req, api_reply_t *rep)
{
    return api_subtree_figures(req, rep, TEAM_READ, volunteer_figures_of);
}

/* ---------------------------------------------------------------- a visit's problem becomes a case */

typedef struct {
    uint64_t given;
    const char *category, *title, *description;
} visit_case_in_t;

static const field_t visit_case_fields[] = {
    IN(visit_case_in_t, category, F_TEXT, 1, 1, 64, NULL),
    IN(visit_case_in_t, title, F_NAME, 0, 1, 200, NULL),
    IN(visit_case_in_t, description, F_BLOCK, 0, 1, 5000, NULL),
    FIELDS_END,
};

/* In the write: the visit still open for a case, then the case at the
 * enterprise's node (reported by the caller as a grid worker would), linked. */
static int visit_case_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    (void)data;
    const case_report_t *r = w->in;
    int64_t org = 0, taken = 0;
    int rc = api_entity_org(db, w, &org);
    if (rc == DB_OK)
        rc = db_one_int(db, &taken, "SELECT COALESCE(case_id, 0) FROM enterprise_visit WHERE id = ?", "i", w->id);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "enterprise_visit");
    if (taken)
        return api_fail(rep, w->lang, E_VISIT_CASE_TAKEN, NULL);
    int64_t id = cases_insert(db, w, r);
    if (id == 0)
        return api_db_error(rep, w->lang, DB_ERR, NULL);
    rc = db_exec(db, NULL, "UPDATE enterprise_visit SET case_id = ?, version = version + 1, updated_at = ? WHERE id = ?",
                 "iii", id, w->now, w->id);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "enterprise_visit.case_opened", "enterprise_visit", w->id, org,
                              json_pack("{s:I, s:s}", "case_id", (json_int_t)id, "category", r->category));
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    json_t *v = db_row_one_json(db, VISIT_COLUMNS VISIT_FROM " WHERE v.id = ?", "i", w->id);
    return v ? api_json(rep, 201, v) : api_db_error(rep, w->lang, DB_ERR, NULL);
}

/* POST /api/v1/enterprise-visits/{id}/case: the visit's problems reported as
 * a case of category at the enterprise's node (title: the enterprise's name;
 * description: the problems found, unless given). */
static int visit_case(api_req_t *req, api_reply_t *rep)
{
    visit_case_in_t in = {0};
    api_input_fill(visit_case_fields, req->body, &in);
    json_t *v = db_row_one_json(req->db, VISIT_COLUMNS VISIT_FROM " WHERE v.id = ?", "i", req->params[0]);
    if (v == NULL)
        return api_db_error(rep, req->lang, DB_NOTFOUND, "enterprise_visit");
    const char *problems = json_string_value(json_object_get(v, "problems"));
    const char *description = in.description ? in.description : problems;
    if (description == NULL) {
        json_decref(v);
        return api_fail(rep, req->lang, E_VISIT_NO_PROBLEMS, "description");
    }
    if (!json_is_null(json_object_get(v, "case_id"))) {
        json_decref(v);
        return api_fail(rep, req->lang, E_VISIT_CASE_TAKEN, NULL);
    }
    int64_t category = 0, org = json_integer_value(json_object_get(v, "unit_org_id"));
    if (db_one_int(req->db, &category, "SELECT id FROM case_category WHERE code = ? AND active = 1", "t",
                   in.category) != DB_OK) {
        json_decref(v);
        return case_category_refused(req, rep, in.category);
    }
    char title[300];
    snprintf(title, sizeof title, "非公企业走访：%s", json_string_value(json_object_get(v, "unit_name")));
    case_report_t *r = case_report_new(req->keys, in.category, in.title ? in.title : title, description, NULL);
    json_decref(v);
    r->category_id = category;
    r->org_id = org;
    r->outside_grid = 1;
    str_copy(r->source, sizeof r->source, "grid_worker");
    return api_defer_in(req, visit_case_write, NULL, r);
}

/* ---------------------------------------------------------------- exports */

/* GET /api/v1/teams/export: the teams of the list's filters as a workbook (队伍), audited. */
static int team_export(api_req_t *req, api_reply_t *rep)
{
    static const list_col_t cols[] = {
        {"name", "名称", NULL, NULL},
        {"kind", "类型", team_kinds, team_kind_words},
        {"org_name", "所属组织", NULL, NULL},
        {"leader_name", "队长", NULL, NULL},
        {"members", "成员数", NULL, NULL},
        {"activities", "活动数", NULL, NULL},
        {"visits", "走访次数", NULL, NULL},
        {NULL, NULL, NULL, NULL},
    };
    char lo[ACCESS_PATH_MAX], hi[ACCESS_PATH_MAX];
    int64_t org = 0;
    api_query_int(req, "org", 0, 1, INT64_MAX, &org);
    int rc = access_list_range(req->db, req->who, TEAM_READ, org, lo, hi);
    if (rc != DB_OK)
        return api_db_error(rep, req->lang, rc, "org");
    api_list_t l;
    api_list_begin(&l, team_res.columns, team_res.from, "t.id", NULL);
    api_list_where(&l, "o.path >= ? AND o.path < ?", "tt", lo, hi);
    char *kind = api_query(req, "kind"), *like = api_like_param(req, "q");
    if (kind)
        api_list_where(&l, "t.kind = ?", "t", kind);
    if (like)
        api_list_where(&l, "t.name LIKE ? ESCAPE '\\'", "t", like);
    free(kind);
    free(like);
    return api_list_export(req, rep, &l, "队伍", cols, "teams");
}

static int member_export(api_req_t *req, api_reply_t *rep)
{
    static const list_col_t cols[] = {
        {"person_name", "姓名", NULL, NULL},
        {"party_member", "党员", NULL, NULL},
        {"retired_from_unit_name", "退休前企业", NULL, NULL},
        {"joined_on", "加入日期", NULL, NULL},
        {NULL, NULL, NULL, NULL},
    };
    api_list_t l;
    return member_list_of(req, rep, &l) != 0 ? -1 : api_list_export(req, rep, &l, "队员", cols, "team-members");
}

static int activity_export(api_req_t *req, api_reply_t *rep)
{
    static const list_col_t cols[] = {
        {"title", "活动", NULL, NULL},
        {"team_name", "队伍", NULL, NULL},
        {"org_name", "所属组织", NULL, NULL},
        {"place", "地点", NULL, NULL},
        {"starts_at", "开始", NULL, NULL},
        {"ends_at", "结束", NULL, NULL},
        {"capacity", "名额", NULL, NULL},
        {"signed_up", "报名", NULL, NULL},
        {"unverified", "待核实", NULL, NULL},
        {NULL, NULL, NULL, NULL},
    };
    api_list_t l;
    return activity_list_of(req, rep, &l) != 0 ? -1 : api_list_export(req, rep, &l, "志愿活动", cols, "volunteer-activities");
}

static int volunteer_export(api_req_t *req, api_reply_t *rep)
{
    static const list_col_t cols[] = {
        {"name", "姓名", NULL, NULL},
        {"org_name", "所属组织", NULL, NULL},
        {"teams", "队伍数", NULL, NULL},
        {"minutes", "核实时长（分钟）", NULL, NULL},
        {"hours", "核实时长（小时）", NULL, NULL},
        {"stars", "星级", NULL, NULL},
        {NULL, NULL, NULL, NULL},
    };
    api_list_t l;
    star_ctx_t ctx;
    return volunteer_list_of(req, rep, &l, &ctx) != 0 ? -1 : api_list_export(req, rep, &l, "志愿者", cols, "volunteers");
}

static int visit_export(api_req_t *req, api_reply_t *rep)
{
    static const list_col_t cols[] = {
        {"visited_on", "走访日期", NULL, NULL},
        {"team_name", "服务队", NULL, NULL},
        {"unit_name", "企业", NULL, NULL},
        {"branch_state", "党组织情况", enterprise_branch_states, branch_state_words},
        {"problems", "发现问题", NULL, NULL},
        {"help_given", "帮扶措施", NULL, NULL},
        {"follow_up", "后续跟进", NULL, NULL},
        {"case_tracking_code", "转办案件", NULL, NULL},
        {NULL, NULL, NULL, NULL},
    };
    api_list_t l;
    return visit_list_of(req, rep, &l) != 0 ? -1 : api_list_export(req, rep, &l, "企业走访", cols, "enterprise-visits");
}

static int unvisited_export(api_req_t *req, api_reply_t *rep)
{
    static const list_col_t cols[] = {
        {"name", "企业", NULL, NULL},
        {"org_name", "所属组织", NULL, NULL},
        {"address", "地址", NULL, NULL},
        {"last_visited_on", "最近走访", NULL, NULL},
        {NULL, NULL, NULL, NULL},
    };
    api_list_t l;
    return unvisited_list_of(req, rep, &l) != 0 ? -1
                                                : api_list_export(req, rep, &l, "未走访企业", cols, "unvisited-enterprises");
}

/* ---------------------------------------------------------------- demo */

static const char *const demo_activities[] = {"社区环境整治", "敬老院陪伴", "文明交通劝导", "垃圾分类宣传",
                                              "关爱留守儿童", "防诈骗宣传", "义务理发", "楼道清理"};
#define DEMO_NACT (sizeof demo_activities / sizeof demo_activities[0])
static const char *const demo_problems[] = {"员工反映加班费结算不及时", "企业希望了解人才引进补贴政策",
                                            "厂区门口道路破损，雨天积水", "缺少党员活动场地"};
#define DEMO_NPROB (sizeof demo_problems / sizeof demo_problems[0])

/* One demo team at street: its id; members from persons (ids), n of them picked from k. */
static int demo_team(db_t *db, const write_ctx_t *w, int64_t street, const char *kind, const char *name,
                     const json_t *persons, int n, unsigned long long seed, unsigned long long *k, int64_t retired_unit,
                     int64_t *team, json_t *members)
{
    char today[16];
    date_today(today);
    int rc = db_one_int(db, team,
                        "INSERT INTO team (org_id, kind, name, leader_name, created_at, updated_at)"
                        " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                        "itttii", street, kind, name, "队长", w->now, w->now);
    size_t np = json_array_size(persons);
    size_t first = np ? (size_t)demo_pick(seed, (*k)++, (int64_t)np) : 0;
    for (int i = 0; rc == DB_OK && np && i < n && (size_t)i < np; i++) {
        int64_t person = json_integer_value(json_object_get(json_array_get(persons, (first + (size_t)i * 7) % np), "id"));
        int64_t added = 0;
        rc = db_exec(db, &added,
                     "INSERT INTO team_member (team_id, person_id, retired_from_unit_id, joined_on, created_at)"
                     " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                     "iiIti", *team, person, i == 0 ? retired_unit : 0, today, w->now);
        if (rc == DB_OK && added)
            json_array_append_new(members, json_integer(person));
    }
    return rc;
}

/* A year of weekly activities of a volunteer team (Saturday mornings, 3 hours):
 * its first two members come every week, the others one week in three; the
 * minutes are verified but for the last fortnight's. */
static int demo_activities_of(db_t *db, const write_ctx_t *w, int64_t team, int64_t street, const json_t *members,
                              unsigned long long seed, unsigned long long *k)
{
    int64_t day = (w->now + 8 * 3600) / 86400;
    int64_t base = day * 86400 - 8 * 3600 + 9 * 3600; /* 09:00 in Asia/Shanghai today */
    size_t nm = json_array_size(members);
    int rc = DB_OK;
    for (int week = 52; rc == DB_OK && week >= 1; week--) {
        int64_t starts = base - (int64_t)week * 7 * 86400, ends = starts + 3 * 3600, id = 0;
        char token[33];
        scan_token_new(token);
        rc = db_one_int(db, &id,
                        "INSERT INTO team_activity (team_id, org_id, title, place, starts_at, ends_at, capacity, token,"
                        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                        "iittiiitii", team, street, demo_activities[demo_pick(seed, (*k)++, DEMO_NACT)], "社区党群服务中心",
                        starts, ends, (int64_t)(nm + 5), token, starts - 7 * 86400, starts - 7 * 86400);
        for (size_t m = 0; rc == DB_OK && m < nm; m++) {
            if (m >= 2 && demo_pick(seed, (*k)++, 3) != 0)
                continue;
            int64_t person = json_integer_value(json_array_get(members, m));
            int64_t in = starts - 600 + demo_pick(seed, (*k)++, 1200);
            int64_t minutes = m < 2 ? 150 + demo_pick(seed, (*k)++, 31) : 60 + demo_pick(seed, (*k)++, 121);
            int64_t out = (in > starts ? in : starts) + minutes * 60;
            int64_t from = in > starts ? in : starts, to = out < ends ? out : ends;
            int64_t counted = to > from ? (to - from) / 60 : 0, verified = week > 2 ? ends + 86400 : 0;
            rc = db_exec(db, NULL,
                         "INSERT INTO team_signup (activity_id, person_id, signed_at, checkin_at, checkout_at, minutes,"
                         " verified_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                         "iiiiiiI", id, person, starts - 86400, in, out, counted, verified);
        }
    }
    return rc;
}

/* Twelve months of visits of a service team to the enterprises (ids) of its
 * street: each visited in two months of three (this month: one in two, up to
 * today), a quarter of the visits finding a problem. */
static int demo_visits(db_t *db, const write_ctx_t *w, int64_t team, int64_t street, const json_t *units,
                       unsigned long long seed, unsigned long long *k)
{
    int ymd = api_today_ymd(), y = ymd / 10000, mo = ymd / 100 % 100, today = ymd % 100;
    int rc = DB_OK;
    for (int back = 11; rc == DB_OK && back >= 0; back--) {
        int yy = y, mm = mo - back;
        while (mm < 1)
            mm += 12, yy--;
        size_t i;
        json_t *u;
        json_array_foreach(units, i, u) {
            if (rc != DB_OK || demo_pick(seed, (*k)++, back == 0 ? 2 : 3) == 0)
                continue;
            int d = 1 + (int)demo_pick(seed, (*k)++, back == 0 ? today : 28);
            char on[16], month[16];
            snprintf(on, sizeof on, "%04d-%02d-%02d", yy % 10000, mm % 100, d % 100);
            snprintf(month, sizeof month, "%04d-%02d", yy % 10000, mm % 100);
            int problem = demo_pick(seed, (*k)++, 4) == 0;
            const char *state = enterprise_branch_states[demo_pick(seed, (*k)++, 4)];
            const char *found = problem ? demo_problems[demo_pick(seed, (*k)++, DEMO_NPROB)] : NULL;
            rc = db_exec(db, NULL,
                         "INSERT INTO enterprise_visit (team_id, org_id, unit_id, visited_on, month, branch_state,"
                         " problems, help_given, follow_up, created_at, updated_at)"
                         " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         "iiitttttt" "ii", team, street, json_integer_value(u), on, month, state, found,
                         "宣讲惠企政策，了解企业发展情况", problem ? "下月回访，跟踪问题解决" : NULL, w->now, w->now);
        }
    }
    return rc;
}

int team_demo(db_t *db, const write_ctx_t *w, unsigned long long seed)
{
    json_t *streets = db_rows_json(db, "SELECT id, name, path FROM org WHERE level = 'street' ORDER BY id", "");
    if (streets == NULL)
        return DB_ERR;
    int year = api_today_ymd() / 10000, rc = DB_OK;
    unsigned long long k = 0;
    size_t si;
    json_t *s;
    json_array_foreach(streets, si, s) {
        int64_t street = json_integer_value(json_object_get(s, "id"));
        const char *sname = json_string_value(json_object_get(s, "name")), *lo = json_string_value(json_object_get(s, "path"));
        char hi[ACCESS_PATH_MAX], name[256];
        if (rc != DB_OK || path_subtree_upper(hi, sizeof hi, lo) != 0)
            break;
        /* The street's nodes first (CROSS JOIN keeps SQLite's join order): by the
         * birth year index it would scan the whole city's adults once a street. */
        json_t *adults = db_rows_json(db,
                                      "SELECT p.id FROM org o CROSS JOIN person p ON p.org_id = o.id WHERE o.path >= ? AND"
                                      " o.path < ? AND p.birth_year BETWEEN ? AND ? ORDER BY p.id LIMIT 2000",
                                      "ttii", lo, hi, (int64_t)(year - 70), (int64_t)(year - 18));
        json_t *partym = db_rows_json(db,
                                      "SELECT m.person_id AS id FROM org o CROSS JOIN person p ON p.org_id = o.id"
                                      " CROSS JOIN party_member m ON m.person_id = p.id WHERE o.path >= ? AND o.path < ?"
                                      " ORDER BY m.person_id LIMIT 200",
                                      "tt", lo, hi);
        json_t *communities = db_rows_json(db, "SELECT id, name FROM org WHERE parent_id = ? ORDER BY id", "i", street);
        json_t *members = json_array(), *units = json_array();
        if (adults == NULL || partym == NULL || communities == NULL)
            rc = DB_ERR;
        size_t na = adults ? json_array_size(adults) : 0, nc = communities ? json_array_size(communities) : 0;
        if (rc == DB_OK && na >= 4 && nc > 0) {
            /* Non-public enterprises among the resident units (驻区单位) the city's
             * generator gave the street's communities (cmd_demo.c): two to five. */
            int nu = 2 + (int)demo_pick(seed, k++, 4);
            json_t *found = db_rows_json(db,
                                         "SELECT u.id FROM unit u JOIN org o ON o.id = u.org_id WHERE o.parent_id = ?"
                                         " AND u.type = 'non_public_enterprise' ORDER BY u.id LIMIT ?",
                                         "ii", street, (int64_t)nu);
            size_t ui;
            json_t *ur;
            if (found == NULL)
                rc = DB_ERR;
            json_array_foreach(found, ui, ur) json_array_append(units, json_object_get(ur, "id"));
            json_decref(found);
            int64_t team = 0;
            snprintf(name, sizeof name, "%s%s", si == 0 ? "" : sname, si == 0 ? "帮你忙志愿联盟" : "志愿服务队");
            int n = (int)(na / 25);
            if (rc == DB_OK)
                rc = demo_team(db, w, street, "volunteer", name, adults, n < 4 ? 4 : n > 24 ? 24 : n, seed, &k, 0, &team,
                               members);
            if (rc == DB_OK)
                rc = demo_activities_of(db, w, team, street, members, seed, &k);
            json_array_clear(members);
            snprintf(name, sizeof name, "%s%s", si == 0 ? "云起龙骧" : sname, "党建服务队");
            if (rc == DB_OK)
                rc = demo_team(db, w, street, "service", name, json_array_size(partym) >= 4 ? partym : adults, 5, seed,
                               &k, json_integer_value(json_array_get(units, 0)), &team, members);
            if (rc == DB_OK)
                rc = demo_visits(db, w, team, street, units, seed, &k);
        }
        json_decref(adults);
        json_decref(partym);
        json_decref(communities);
        json_decref(members);
        json_decref(units);
    }
    json_decref(streets);
    return rc;
}

/* ---------------------------------------------------------------- the table */

const op_t team_ops[] = {
    {OP(HTTP_GET, "/api/v1/teams/export", "teams.export", PERM(TEAM_READ), RF_WRITES, team_export),
     .query = team_list_query},
    {OP(HTTP_GET, "/api/v1/team-members/export", "team_members.export", PERM(TEAM_READ), RF_WRITES, member_export),
     .query = member_list_query},
    {OP(HTTP_GET, "/api/v1/volunteer-activities/export", "volunteer_activities.export", PERM(TEAM_READ), RF_WRITES,
        activity_export),
     .query = activity_list_query},
    {OP(HTTP_GET, "/api/v1/volunteers/export", "volunteers.export", PERM(TEAM_READ), RF_WRITES, volunteer_export),
     .query = volunteer_list_query},
    {OP(HTTP_GET, "/api/v1/enterprise-visits/export", "enterprise_visits.export", PERM(TEAM_READ), RF_WRITES,
        visit_export),
     .query = visit_list_query},
    {OP(HTTP_GET, "/api/v1/enterprise-visits/unvisited/export", "enterprise_visits.unvisited_export", PERM(TEAM_READ),
        RF_WRITES, unvisited_export),
     .query = unvisited_query},
    RESOURCE_OPS(team_res, team_entity, "/api/v1/teams", "teams", TEAM_READ, TEAM_WRITE, team_fields,
                 team_update_fields, team_list_query),
    {OP(HTTP_GET, "/api/v1/team-members", "team_members.list", PERM(TEAM_READ), RF_PAGED, member_list),
     .query = member_list_query, .sorts = member_sorts},
    {OP(HTTP_POST, "/api/v1/teams/{id}/members", "team_members.create", PERM(TEAM_WRITE), RF_BODY | RF_WRITES,
        member_add),
     .body = member_fields, .entity = &team_entity},
    {OP(HTTP_DELETE, "/api/v1/team-members/{id}", "team_members.delete", PERM(TEAM_WRITE), RF_WRITES, member_remove),
     .entity = &member_entity},
    {OP(HTTP_GET, "/api/v1/volunteer-activities", "volunteer_activities.list", PERM(TEAM_READ), RF_PAGED,
        activity_list),
     .query = activity_list_query, .sorts = activity_sorts},
    {OP(HTTP_POST, "/api/v1/volunteer-activities", "volunteer_activities.create", PERM(TEAM_WRITE),
        RF_BODY | RF_WRITES, activity_create),
     .body = activity_fields},
    {OP(HTTP_GET, "/api/v1/volunteer-activities/{id}", "volunteer_activities.get", PERM(TEAM_READ), 0, activity_get),
     .entity = &activity_entity},
    {OP(HTTP_POST, "/api/v1/volunteer-activities/{id}/signups", "volunteer_activities.signup", USER,
        RF_BODY_OPTIONAL | RF_WRITES, signup_create),
     .body = signup_fields, .entity = &activity_member_entity},
    {OP(HTTP_POST, "/api/v1/volunteer-activities/{id}/verify", "volunteer_activities.verify", PERM(TEAM_WRITE),
        RF_BODY_OPTIONAL | RF_WRITES, activity_verify),
     .body = verify_fields, .entity = &activity_entity},
    {OP(HTTP_GET, "/api/v1/activity-checkin", "activity_checkin.get", USER, 0, checkin_get), .query = scan_token_query},
    {OP(HTTP_POST, "/api/v1/activity-checkin", "activity_checkin.scan", USER, RF_BODY | RF_WRITES, checkin_post),
     .body = scan_token_fields},
    {OP(HTTP_GET, "/api/v1/volunteers", "volunteers.list", PERM(TEAM_READ), RF_PAGED, volunteer_list),
     .query = volunteer_list_query, .sorts = volunteer_sorts},
    {OP(HTTP_GET, "/api/v1/volunteers/{id}", "volunteers.get", USER, 0, volunteer_get), .entity = &volunteer_entity},
    {OP(HTTP_GET, "/api/v1/volunteers/{id}/certificate", "volunteers.certificate", USER, 0, volunteer_certificate),
     .entity = &volunteer_entity},
    {OP(HTTP_GET, "/api/v1/my-volunteer", "my_volunteer.get", USER, 0, my_volunteer)},
    {OP(HTTP_GET, "/api/v1/volunteer-figures", "volunteer_figures.get", PERM(TEAM_READ), 0, volunteer_figures),
     .query = subtree_figures_query},
    {OP(HTTP_GET, "/api/v1/enterprise-visits", "enterprise_visits.list", PERM(TEAM_READ), RF_PAGED, visit_list),
     .query = visit_list_query, .sorts = visit_sorts},
    {OP(HTTP_POST, "/api/v1/enterprise-visits", "enterprise_visits.create", PERM(TEAM_WRITE), RF_BODY | RF_WRITES,
        visit_create),
     .body = visit_fields},
    {OP(HTTP_GET, "/api/v1/enterprise-visits/unvisited", "enterprise_visits.unvisited", PERM(TEAM_READ), RF_PAGED,
        unvisited_list),
     .query = unvisited_query, .sorts = unit_sorts},
    {OP(HTTP_GET, "/api/v1/enterprise-visits/{id}", "enterprise_visits.get", PERM(TEAM_READ), 0, visit_get),
     .entity = &visit_entity},
    {OP(HTTP_POST, "/api/v1/enterprise-visits/{id}/case", "enterprise_visits.case", PERM(TEAM_WRITE) ,
        RF_BODY | RF_WRITES, visit_case),
     .body = visit_case_fields, .entity = &visit_entity},
    {OP(HTTP_GET, "/api/v1/enterprise-visit-figures", "enterprise_visit_figures.get", PERM(TEAM_READ), 0,
        visit_figures),
     .query = subtree_figures_query},
    OPS_END,
};
