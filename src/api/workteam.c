/* Resident work teams (驻村工作队: 选派干部) and villages' analyses:
 * docs/work-teams.md.
 *
 * A work team serves a village for a term (year_from..year_to, the norm
 * workteam.term_years when year_to is not given). Its members are registry
 * persons with a role: the leader (第一书记 or 书记), members from the city's
 * and county's helping units (帮扶单位: a registered unit or a name as
 * written), the township contact (乡镇联系人), the college-graduate village
 * official (大学生村官). The composition rule: exactly one leader and at
 * least one township contact; a team without them is answered incomplete
 * (missing names what lacks) and not counted by workteam.complete.
 *
 * Attendance: a member's days in the village per month, short when below the
 * norm workteam.days_min of the year (unclassified when no norm applies).
 * Visits (民情日记): a kind of villager visited, a note (personal numbers
 * masked before it is stored). Analyses: a village's problems, comparative
 * advantages, funds sought (yuan) and projects brought in, per year.
 *
 * Kept figures (source workteam.): workteam.n (teams serving in the year),
 * workteam.complete, workteam.attendance_months (member-months recorded and
 * checked against a norm), workteam.attendance_short (of those, below it). */
#include "api/handlers.h"
#include "api/internal.h"
#include "api/list.h"
#include "api/op.h"
#include "api/resource.h"
#include "api/yfig.h"

#include <stdlib.h>
#include <string.h>

#include "core/path.h"
#include "core/redact.h"
#include "core/role.h"
#include "lib/util.h"

#define WT_READ PERM_STATS_READ
#define WT_PEOPLE_READ PERM_PEOPLE_READ
#define WT_WRITE PERM_ORG_WRITE

const char *const workteam_roles[] = {"first_secretary", "secretary", "member", "township_contact",
                                      "graduate_official", NULL};
const char *const workteam_unit_levels[] = {"city", "county", "township", NULL};
const char *const workteam_visit_kinds[] = {"village_cadre", "former_cadre", "old_member", "poor_household",
                                            "capable", NULL};

/* The composition rule on a team aliased t. */
#define WT_LEADERS(t)                                                                                                  \
    "(SELECT COUNT(*) FROM work_team_member m WHERE m.team_id = " t ".id"                                             \
    " AND m.role IN ('first_secretary', 'secretary'))"
#define WT_CONTACTS(t)                                                                                                 \
    "(SELECT COUNT(*) FROM work_team_member m WHERE m.team_id = " t ".id AND m.role = 'township_contact')"
#define WT_COMPLETE(t) "(" WT_LEADERS(t) " = 1 AND " WT_CONTACTS(t) " >= 1)"

/* ================================================================ shared with poverty.c */

int wt_village(db_t *db, const write_ctx_t *w, int64_t org, const char *field, api_reply_t *rep)
{
    char kind[16] = "";
    int rc = db_one_text(db, kind, sizeof kind, "SELECT kind FROM org WHERE id = ?", "i", org);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, field);
    return strcmp(kind, "village") == 0 ? 0 : api_fail(rep, w->lang, E_WORKTEAM_NOT_VILLAGE, field);
}

int wt_person_input(db_t *db, const write_ctx_t *w, int64_t person, const char *within, const char *field,
                    api_reply_t *rep)
{
    char path[ACCESS_PATH_MAX] = "";
    int rc = db_one_text(db, path, sizeof path, "SELECT o.path FROM person p JOIN org o ON o.id = p.org_id WHERE p.id = ?",
                         "i", person);
    if (rc == DB_OK && !access_covers(&w->who, PERM_PEOPLE_READ, path))
        rc = DB_NOTFOUND;
    if (rc == DB_NOTFOUND)
        return api_fail(rep, w->lang, E_PERSON_NOT_FOUND, field);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, field);
    if (within && strncmp(path, within, strlen(within)) != 0)
        return api_fail(rep, w->lang, E_WORKTEAM_PERSON_OUTSIDE, field);
    return 0;
}

char *wt_note_masked(const char *note)
{
    char *s = xstrdup(note ? note : "");
    redact_numbers(s, strlen(s));
    return s;
}

/* ================================================================ kept figures */

static int wt_days_min(db_t *db, int64_t org, int year, int64_t *days)
{
    json_t *v = NULL;
    int rc = norm_get(db, "workteam.days_min", org, year, &v);
    if (rc == DB_OK)
        *days = (int64_t)json_number_value(v);
    json_decref(v);
    return rc;
}

static int wt_own(db_t *db, int64_t org, int year, yfig_vals_t *out)
{
    int rc = yfig_put_rows(out, db_q(db,
                                     "SELECT 'workteam.n', COUNT(*) FROM work_team t WHERE t.org_id = ?"
                                     " AND t.year_from <= ? AND t.year_to >= ?"
                                     " UNION ALL SELECT 'workteam.complete', COUNT(*) FROM work_team t"
                                     " WHERE t.org_id = ? AND t.year_from <= ? AND t.year_to >= ? AND " WT_COMPLETE("t"),
                                     "iiiiii", org, (int64_t)year, (int64_t)year, org, (int64_t)year, (int64_t)year));
    int64_t days = 0;
    int nrc = rc == DB_OK ? wt_days_min(db, org, year, &days) : rc;
    if (nrc == DB_NOTFOUND) /* no norm: the months are unclassified, not short */
        return DB_OK;
    if (nrc != DB_OK)
        return nrc;
    return yfig_put_rows(out, db_q(db,
                                   "SELECT 'workteam.attendance_months', COUNT(*) FROM work_team_attendance a"
                                   " JOIN work_team_member m ON m.id = a.member_id JOIN work_team t ON t.id = m.team_id"
                                   " WHERE t.org_id = ? AND a.year = ?"
                                   " UNION ALL SELECT 'workteam.attendance_short', COUNT(*) FROM work_team_attendance a"
                                   " JOIN work_team_member m ON m.id = a.member_id JOIN work_team t ON t.id = m.team_id"
                                   " WHERE t.org_id = ? AND a.year = ? AND a.days < ?",
                                   "iiiii", org, (int64_t)year, org, (int64_t)year, days));
}

static const char *const wt_norms[] = {"workteam.days_min", NULL};

const yfig_source_t workteam_figures = {
    .prefix = "workteam.",
    .own = wt_own,
    .keys_sql = "WITH RECURSIVE y (org_id, year, last) AS ("
                " SELECT t.org_id, t.year_from, t.year_to FROM work_team t JOIN org o ON o.id = t.org_id"
                " WHERE o.path >= ? AND o.path < ? AND t.year_to IS NOT NULL"
                " UNION ALL SELECT org_id, year + 1, last FROM y WHERE year < last)"
                " SELECT org_id, year FROM y WHERE year >= ? GROUP BY org_id, year",
    .norms = wt_norms,
};

/* Touch every year of team's term at its village. */
static int wt_touch_team(db_t *db, int64_t team)
{
    json_t *t = db_row_one_json(db, "SELECT org_id, year_from, COALESCE(year_to, year_from) AS year_to"
                                    " FROM work_team WHERE id = ?", "i", team);
    if (t == NULL)
        return DB_ERR;
    int64_t org = json_integer_value(json_object_get(t, "org_id"));
    int rc = DB_OK;
    for (int64_t y = json_integer_value(json_object_get(t, "year_from"));
         rc == DB_OK && y <= json_integer_value(json_object_get(t, "year_to")); y++)
        rc = yfig_touch(db, &workteam_figures, org, (int)y);
    json_decref(t);
    return rc;
}

static int wt_figures(db_t *db, int64_t id, int sign)
{
    (void)sign;
    return wt_touch_team(db, id);
}

/* ================================================================ teams (a plain resource) */

static const field_t team_create_fields[] = {
    {"org_id", F_INT, 1, 1, INT64_MAX, NULL, 0},
    {"year_from", F_INT, 1, 2000, 2100, NULL, 0},
    {"year_to", F_INT, 0, 2000, 2100, NULL, 0},
    {"note", F_BLOCK, 0, 1, 1000, NULL, 0},
    FIELDS_END,
};

static const field_t team_update_fields[] = {
    {"year_from", F_INT, F_NOT_NULL, 2000, 2100, NULL, 0},
    {"year_to", F_INT, F_NOT_NULL, 2000, 2100, NULL, 0},
    {"note", F_BLOCK, 0, 1, 1000, NULL, 0},
    {"version", F_INT, 0, 1, INT64_MAX, NULL, 0},
    FIELDS_END,
};

static const field_t team_list_query[] = {
    {"org", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"year", F_INT, 0, 2000, 2100, NULL, 0},
    {"complete", F_BOOL, 0, 0, 0, NULL, 0},
    FIELDS_END,
};

static const res_filter_t team_filters[] = {
    {"year", "? BETWEEN t.year_from AND t.year_to", 0},
    {"complete", "(CASE WHEN " WT_COMPLETE("t") " THEN 1 ELSE 0 END) = ?", 0},
    {NULL, NULL, 0},
};

static const api_sort_t team_sorts[] = {
    {"year_from", "t.year_from", 0, NULL},
    {"org_name", "o.name", 0, NULL},
    {NULL, NULL, 0, NULL},
};

#define TEAM_COLUMNS                                                                                                   \
    "SELECT t.id, t.org_id, o.name AS org_name, t.year_from, t.year_to, t.note, t.created_at, t.updated_at,"           \
    " t.version, (SELECT COUNT(*) FROM work_team_member m WHERE m.team_id = t.id) AS members,"                        \
    " " WT_LEADERS("t") " AS leaders, " WT_CONTACTS("t") " AS township_contacts,"                                     \
    " (SELECT p.name FROM work_team_member m JOIN person p ON p.id = m.person_id WHERE m.team_id = t.id"               \
    "  AND m.role IN ('first_secretary', 'secretary') ORDER BY m.id LIMIT 1) AS leader_name"
#define TEAM_FROM "FROM work_team t JOIN org o ON o.id = t.org_id"

/* complete and what is missing, from the counts. */
static void team_row(json_t *row)
{
    json_t *missing = json_array();
    json_int_t leaders = json_integer_value(json_object_get(row, "leaders"));
    if (leaders == 0)
        json_array_append_new(missing, json_string("leader"));
    if (leaders > 1)
        json_array_append_new(missing, json_string("one_leader"));
    if (json_integer_value(json_object_get(row, "township_contacts")) == 0)
        json_array_append_new(missing, json_string("township_contact"));
    json_object_set_new(row, "complete", json_boolean(json_array_size(missing) == 0));
    json_object_set_new(row, "missing", missing);
}

static void team_list_row(json_t *row, void *ctx)
{
    (void)ctx;
    team_row(row);
}

/* A team sits at a village. */
static int team_before(db_t *db, const write_ctx_t *w, int64_t id, const json_t *in, api_reply_t *rep)
{
    if (id == 0 && in)
        return wt_village(db, w, json_integer_value(json_object_get(in, "org_id")), "org_id", rep);
    int64_t n = 0;
    if (in == NULL && db_one_int(db, &n, "SELECT COUNT(*) FROM work_team_member WHERE team_id = ?", "i", id) == DB_OK &&
        n > 0)
        return api_fail(rep, w->lang, E_WORKTEAM_HAS_MEMBERS, NULL);
    return 0;
}

/* The term: year_to from the norm when not given (409 when none applies), not before year_from. */
static int team_after(db_t *db, const write_ctx_t *w, int64_t id, const json_t *in, api_reply_t *rep)
{
    (void)in;
    json_t *t = db_row_one_json(db, "SELECT org_id, year_from, year_to FROM work_team WHERE id = ?", "i", id);
    if (t == NULL)
        return api_db_error(rep, w->lang, DB_ERR, NULL);
    int64_t org = json_integer_value(json_object_get(t, "org_id"));
    int64_t from = json_integer_value(json_object_get(t, "year_from"));
    json_t *to = json_object_get(t, "year_to");
    int64_t year_to = json_integer_value(to);
    int rc = DB_OK;
    if (json_is_null(to)) {
        json_t *v = NULL;
        rc = norm_get(db, "workteam.term_years", org, (int)from, &v);
        year_to = from + (int64_t)json_number_value(v) - 1;
        json_decref(v);
        if (rc == DB_OK)
            rc = db_exec(db, NULL, "UPDATE work_team SET year_to = ? WHERE id = ?", "ii", year_to, id);
    }
    json_decref(t);
    if (rc == DB_NOTFOUND)
        return api_fail(rep, w->lang, E_WORKTEAM_TERM_NORM, "year_to");
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    return year_to < from ? api_fail(rep, w->lang, E_WORKTEAM_TERM_ORDER, "year_to") : 0;
}

static const entity_t team_entity = {"work_team", "SELECT org_id FROM work_team WHERE id = ?", NULL};
static const err_t team_busy = E_WORKTEAM_HAS_MEMBERS;

static const resource_t team_res = {
    .name = "work_team",
    .table = "work_team",
    .entity = &team_entity,
    .columns = TEAM_COLUMNS,
    .from = TEAM_FROM,
    .key = "t.id",
    .org_path = "o.path",
    .org_column = "org_id",
    .org_field = "org_id",
    .read_perm = WT_READ,
    .write_perm = WT_WRITE,
    .create = team_create_fields,
    .update = team_update_fields,
    .filters = team_filters,
    .sorts = team_sorts,
    .rules = {.before = team_before, .after = team_after, .figures = wt_figures, .row = team_row},
    .busy_error = &team_busy,
};

/* GET /api/v1/work-teams/export: the list's filters, as a workbook. */
static int team_export(api_req_t *req, api_reply_t *rep)
{
    static const list_col_t cols[] = {
        {"id", "编号", NULL, NULL},
        {"org_name", "村", NULL, NULL},
        {"year_from", "任期起", NULL, NULL},
        {"year_to", "任期止", NULL, NULL},
        {"leader_name", "队长（第一书记）", NULL, NULL},
        {"members", "队员人数", NULL, NULL},
        {"complete", "组成完整", NULL, NULL},
        {NULL, NULL, NULL, NULL},
    };
    int64_t org = 0, year = 0;
    api_query_int(req, "org", 0, 1, INT64_MAX, &org);
    api_query_int(req, "year", 0, 2000, 2100, &year);
    char lo[ACCESS_PATH_MAX], hi[ACCESS_PATH_MAX];
    int rc = access_list_range(req->db, req->who, WT_READ, org, lo, hi);
    if (rc != DB_OK)
        return api_db_error(rep, req->lang, rc, "org");
    api_list_t l;
    api_list_begin(&l, TEAM_COLUMNS, TEAM_FROM, "t.id", NULL);
    l.row = team_list_row;
    api_list_where(&l, "o.path >= ? AND o.path < ?", "tt", lo, hi);
    if (year)
        api_list_where(&l, "? BETWEEN t.year_from AND t.year_to", "i", year);
    char *complete = api_query(req, "complete");
    if (complete)
        api_list_where(&l, "(CASE WHEN " WT_COMPLETE("t") " THEN 1 ELSE 0 END) = ?", "i", (int64_t)atoi(complete));
    free(complete);
    return api_list_export(req, rep, &l, "驻村工作队", cols, "work-teams");
}

/* ================================================================ members */

typedef struct {
    uint64_t given;
    int64_t person_id;
    const char *role, *unit_level;
    int64_t unit_id;
    const char *unit_name;
} member_in_t;

static const field_t member_fields[] = {
    IN(member_in_t, person_id, F_INT, 1, 1, INT64_MAX, NULL),
    IN(member_in_t, role, F_ENUM, 1, 0, 0, workteam_roles),
    IN(member_in_t, unit_level, F_ENUM, 0, 0, 0, workteam_unit_levels),
    IN(member_in_t, unit_id, F_INT, 0, 1, INT64_MAX, NULL),
    IN(member_in_t, unit_name, F_NAME, 0, 1, 100, NULL),
    FIELDS_END,
};

static json_t *members_json(db_t *db, int64_t team)
{
    return db_rows_json(db,
                        "SELECT m.id, m.person_id, p.name, m.role, m.unit_level, m.unit_id,"
                        " COALESCE(u.name, m.unit_name) AS unit_name, m.created_at"
                        " FROM work_team_member m JOIN person p ON p.id = m.person_id"
                        " LEFT JOIN unit u ON u.id = m.unit_id WHERE m.team_id = ? ORDER BY m.id",
                        "i", team);
}

static int members_answer(db_t *db, const char *lang, int64_t team, int status, api_reply_t *rep)
{
    json_t *items = members_json(db, team);
    json_t *t = res_row(db, &team_res, team);
    if (items == NULL || t == NULL) {
        json_decref(items);
        json_decref(t);
        return api_db_error(rep, lang, DB_ERR, NULL);
    }
    json_object_set_new(t, "members_list", items);
    return api_json(rep, status, t);
}

static int member_list(api_req_t *req, api_reply_t *rep)
{
    return members_answer(req->db, req->lang, req->params[0], 200, rep);
}

static int member_add_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    member_in_t in = {0};
    api_input_fill(member_fields, data, &in);
    int64_t team = w->id, org = 0, n = 0;
    int rc = api_entity_org(db, w, &org);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "work_team");
    if (wt_person_input(db, w, in.person_id, NULL, "person_id", rep) != 0)
        return -1;
    if (in.unit_id) {
        rc = db_one_int(db, &n, "SELECT COUNT(*) FROM unit WHERE id = ?", "i", in.unit_id);
        if (rc == DB_OK && n == 0)
            return api_fail(rep, w->lang, E_UNIT_NOT_FOUND, "unit_id");
    }
    int leader = strcmp(in.role, "first_secretary") == 0 || strcmp(in.role, "secretary") == 0;
    if (rc == DB_OK && leader)
        rc = db_one_int(db, &n, "SELECT COUNT(*) FROM work_team_member WHERE team_id = ?"
                                " AND role IN ('first_secretary', 'secretary')", "i", team);
    if (rc == DB_OK && leader && n > 0)
        return api_fail(rep, w->lang, E_WORKTEAM_LEADER_TAKEN, "role");
    if (rc == DB_OK)
        rc = db_one_int(db, &n, "SELECT COUNT(*) FROM work_team_member WHERE team_id = ? AND person_id = ?", "ii", team,
                        in.person_id);
    if (rc == DB_OK && n > 0)
        return api_fail(rep, w->lang, E_WORKTEAM_MEMBER_EXISTS, "person_id");
    int64_t id = 0;
    if (rc == DB_OK)
        rc = db_one_int(db, &id,
                        "INSERT INTO work_team_member (team_id, person_id, role, unit_level, unit_id, unit_name,"
                        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                        "iittItI", team, in.person_id, in.role, in.unit_level, in.unit_id, in.unit_name, w->now);
    if (rc == DB_OK)
        rc = db_exec(db, NULL, "UPDATE work_team SET updated_at = ?, version = version + 1 WHERE id = ?", "ii", w->now,
                     team);
    if (rc == DB_OK)
        rc = wt_touch_team(db, team);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "work_team.member_added", "work_team", team, org,
                              json_pack("{s:I, s:s}", "member_id", (json_int_t)id, "role", in.role));
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    return members_answer(db, w->lang, team, 201, rep);
}

DEFER_BODY(member_add, member_add_write)

static int member_scope(db_t *db, const principal_t *who, int64_t id, int64_t *org)
{
    char path[ACCESS_PATH_MAX] = "";
    int rc = db_one_int(db, org, "SELECT t.org_id FROM work_team_member m JOIN work_team t ON t.id = m.team_id"
                                 " WHERE m.id = ?", "i", id);
    if (rc == DB_OK)
        rc = org_brief(db, *org, path, sizeof path, NULL, 0);
    if (rc != DB_OK)
        return rc;
    return access_covers(who, WT_WRITE, path) ? DB_OK : DB_NOTFOUND;
}

static int member_delete_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    (void)data;
    int64_t team = 0, org = 0;
    int rc = db_one_int(db, &team, "SELECT team_id FROM work_team_member WHERE id = ?", "i", w->id);
    if (rc == DB_OK)
        rc = db_one_int(db, &org, "SELECT org_id FROM work_team WHERE id = ?", "i", team);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "work_team_member");
    rc = db_exec(db, NULL, "DELETE FROM work_team_attendance WHERE member_id = ?", "i", w->id);
    if (rc == DB_OK)
        rc = db_exec(db, NULL, "UPDATE work_team_visit SET member_id = NULL WHERE member_id = ?", "i", w->id);
    if (rc == DB_OK)
        rc = db_exec(db, NULL, "DELETE FROM work_team_member WHERE id = ?", "i", w->id);
    if (rc == DB_OK)
        rc = db_exec(db, NULL, "UPDATE work_team SET updated_at = ?, version = version + 1 WHERE id = ?", "ii", w->now,
                     team);
    if (rc == DB_OK)
        rc = wt_touch_team(db, team);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "work_team.member_removed", "work_team", team, org,
                              json_pack("{s:I}", "member_id", (json_int_t)w->id));
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    return members_answer(db, w->lang, team, 200, rep);
}

static int member_delete(api_req_t *req, api_reply_t *rep)
{
    (void)rep;
    return api_defer(req, member_delete_write, NULL);
}

/* ================================================================ attendance */

typedef struct {
    uint64_t given;
    int64_t member_id;
    const char *month;
    int64_t days;
} attendance_in_t;

static const field_t attendance_fields[] = {
    IN(attendance_in_t, member_id, F_INT, 1, 1, INT64_MAX, NULL),
    IN(attendance_in_t, month, F_TEXT, 1, 7, 7, NULL),
    IN(attendance_in_t, days, F_INT, 1, 0, 31, NULL),
    FIELDS_END,
};

static const field_t attendance_query[] = {
    {"year", F_INT, 0, 2000, 2100, NULL, 0},
    FIELDS_END,
};

/* The attendance of team (in year when year > 0), each row short or not against the
 * norm of its year (null when none applies), and the norm of each year seen. */
static json_t *attendance_json(db_t *db, int64_t team, int64_t year)
{
    int64_t org = 0;
    json_t *rows = db_rows_json(db,
                                "SELECT a.member_id, p.name, m.role, a.month, a.year, a.days"
                                " FROM work_team_attendance a JOIN work_team_member m ON m.id = a.member_id"
                                " JOIN person p ON p.id = m.person_id"
                                " WHERE m.team_id = ? AND (? = 0 OR a.year = ?) ORDER BY a.month, m.id",
                                "iii", team, year, year);
    if (rows == NULL || db_one_int(db, &org, "SELECT org_id FROM work_team WHERE id = ?", "i", team) != DB_OK) {
        json_decref(rows);
        return NULL;
    }
    json_t *norms = json_object();
    size_t i;
    json_t *r;
    int rc = DB_OK;
    json_array_foreach(rows, i, r) {
        char y[8];
        snprintf(y, sizeof y, "%d", (int)json_integer_value(json_object_get(r, "year")));
        if (json_object_get(norms, y) == NULL) {
            int64_t days = 0;
            int nrc = wt_days_min(db, org, atoi(y), &days);
            if (nrc != DB_OK && nrc != DB_NOTFOUND)
                rc = nrc;
            json_object_set_new(norms, y, nrc == DB_OK ? json_integer(days) : json_null());
        }
        json_t *min = json_object_get(norms, y);
        json_object_set_new(r, "short", json_is_null(min) ? json_null()
                                        : json_boolean(json_integer_value(json_object_get(r, "days")) <
                                                       json_integer_value(min)));
    }
    if (rc != DB_OK) {
        json_decref(rows);
        json_decref(norms);
        return NULL;
    }
    return json_pack("{s:o, s:o}", "items", rows, "days_min", norms);
}

static int attendance_list(api_req_t *req, api_reply_t *rep)
{
    int64_t year = 0;
    api_query_int(req, "year", 0, 2000, 2100, &year);
    json_t *a = attendance_json(req->db, req->params[0], year);
    return a ? api_json(rep, 200, a) : api_db_error(rep, req->lang, DB_ERR, NULL);
}

/* "YYYY-MM" with a month 01..12: its year, or 0. */
static int month_year(const char *m)
{
    if (strlen(m) != 7 || m[4] != '-')
        return 0;
    for (int i = 0; i < 7; i++)
        if (i != 4 && (m[i] < '0' || m[i] > '9'))
            return 0;
    int month = atoi(m + 5);
    return month >= 1 && month <= 12 ? atoi(m) : 0;
}

static int attendance_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    attendance_in_t in = {0};
    api_input_fill(attendance_fields, data, &in);
    int64_t team = w->id, org = 0, n = 0, from = 0, to = 0;
    int rc = api_entity_org(db, w, &org);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "work_team");
    rc = db_one_int(db, &n, "SELECT COUNT(*) FROM work_team_member WHERE id = ? AND team_id = ?", "ii", in.member_id,
                    team);
    if (rc == DB_OK && n == 0)
        return api_fail(rep, w->lang, E_WORKTEAM_NOT_MEMBER, "member_id");
    if (rc == DB_OK)
        rc = db_one_int(db, &from, "SELECT year_from FROM work_team WHERE id = ?", "i", team);
    if (rc == DB_OK)
        rc = db_one_int(db, &to, "SELECT year_to FROM work_team WHERE id = ?", "i", team);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    int year = month_year(in.month);
    if (year == 0)
        return api_fail(rep, w->lang, E_WORKTEAM_MONTH_INVALID, "month");
    if (year < from || year > to)
        return api_fail(rep, w->lang, E_WORKTEAM_MONTH_OUTSIDE, "month");
    rc = db_exec(db, NULL,
                 "INSERT INTO work_team_attendance (member_id, month, year, days, updated_at) VALUES (?, ?, ?, ?, ?)"
                 " ON CONFLICT (member_id, month) DO UPDATE SET days = excluded.days, updated_at = excluded.updated_at",
                 "itiii", in.member_id, in.month, (int64_t)year, in.days, w->now);
    if (rc == DB_OK)
        rc = yfig_touch(db, &workteam_figures, org, year);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "work_team.attendance_recorded", "work_team", team, org,
                              json_pack("{s:I, s:s, s:I}", "member_id", (json_int_t)in.member_id, "month", in.month,
                                        "days", (json_int_t)in.days));
    json_t *a = rc == DB_OK ? attendance_json(db, team, year) : NULL;
    return a ? api_json(rep, 200, a) : api_db_error(rep, w->lang, rc == DB_OK ? DB_ERR : rc, NULL);
}

DEFER_BODY(attendance_record, attendance_write)

/* ================================================================ visits (民情日记) */

typedef struct {
    uint64_t given;
    int64_t member_id;
    const char *kind, *visited_on, *note;
} visit_in_t;

static const field_t visit_fields[] = {
    IN(visit_in_t, member_id, F_INT, 0, 1, INT64_MAX, NULL),
    IN(visit_in_t, kind, F_ENUM, 1, 0, 0, workteam_visit_kinds),
    IN(visit_in_t, visited_on, F_DATE, 1, 20000101, 0, NULL),
    IN(visit_in_t, note, F_BLOCK, 1, 1, 2000, NULL),
    FIELDS_END,
};

static const field_t visit_query[] = {
    {"kind", F_ENUM, 0, 0, 0, workteam_visit_kinds, 0},
    FIELDS_END,
};

static int visit_list(api_req_t *req, api_reply_t *rep)
{
    char *kind = api_query(req, "kind");
    json_t *rows = db_rows_json(req->db,
                                "SELECT v.id, v.member_id, p.name AS member_name, v.kind, v.visited_on, v.note,"
                                " v.created_at FROM work_team_visit v LEFT JOIN work_team_member m ON m.id = v.member_id"
                                " LEFT JOIN person p ON p.id = m.person_id"
                                " WHERE v.team_id = ? AND (CAST(? AS TEXT) IS NULL OR v.kind = ?)"
                                " ORDER BY v.visited_on DESC, v.id DESC",
                                "itt", req->params[0], kind, kind);
    free(kind);
    return rows ? api_json(rep, 200, json_pack("{s:o}", "items", rows)) : api_db_error(rep, req->lang, DB_ERR, NULL);
}

static int visit_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    visit_in_t in = {0};
    api_input_fill(visit_fields, data, &in);
    int64_t team = w->id, org = 0, n = 0, id = 0;
    int rc = api_entity_org(db, w, &org);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "work_team");
    if (in.member_id) {
        rc = db_one_int(db, &n, "SELECT COUNT(*) FROM work_team_member WHERE id = ? AND team_id = ?", "ii",
                        in.member_id, team);
        if (rc == DB_OK && n == 0)
            return api_fail(rep, w->lang, E_WORKTEAM_NOT_MEMBER, "member_id");
    }
    char *note = wt_note_masked(in.note);
    if (rc == DB_OK)
        rc = db_one_int(db, &id,
                        "INSERT INTO work_team_visit (team_id, member_id, kind, visited_on, note, created_by, created_at)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                        "iItttii", team, in.member_id, in.kind, in.visited_on, note, w->who.user_id, w->now);
    free(note);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "work_team.visit_added", "work_team", team, org,
                              json_pack("{s:I, s:s, s:s}", "visit_id", (json_int_t)id, "kind", in.kind, "visited_on",
                                        in.visited_on));
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    return api_json(rep, 201, db_row_one_json(db, "SELECT id, team_id, member_id, kind, visited_on, note, created_at"
                                                  " FROM work_team_visit WHERE id = ?", "i", id));
}

DEFER_BODY(visit_add, visit_write)

/* ================================================================ village analyses (a plain resource) */

static const field_t analysis_create_fields[] = {
    {"org_id", F_INT, 1, 1, INT64_MAX, NULL, 0},
    {"year", F_INT, 1, 2000, 2100, NULL, 0},
    {"problems", F_BLOCK, 0, 1, 4000, NULL, 0},
    {"advantages", F_BLOCK, 0, 1, 4000, NULL, 0},
    {"funds_sought", F_INT, 0, 0, 100000000000, NULL, 0},
    {"projects", F_BLOCK, 0, 1, 4000, NULL, 0},
    FIELDS_END,
};

static const field_t analysis_update_fields[] = {
    {"problems", F_BLOCK, 0, 1, 4000, NULL, 0},
    {"advantages", F_BLOCK, 0, 1, 4000, NULL, 0},
    {"funds_sought", F_INT, 0, 0, 100000000000, NULL, 0},
    {"projects", F_BLOCK, 0, 1, 4000, NULL, 0},
    {"version", F_INT, 0, 1, INT64_MAX, NULL, 0},
    FIELDS_END,
};

static const field_t analysis_list_query[] = {
    {"org", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"year", F_INT, 0, 2000, 2100, NULL, 0},
    FIELDS_END,
};

static const res_filter_t analysis_filters[] = {
    {"year", "a.year = ?", 0},
    {NULL, NULL, 0},
};

static const api_sort_t analysis_sorts[] = {
    {"year", "a.year", 0, NULL},
    {"funds_sought", "a.funds_sought", 0, NULL},
    {NULL, NULL, 0, NULL},
};

static int analysis_before(db_t *db, const write_ctx_t *w, int64_t id, const json_t *in, api_reply_t *rep)
{
    if (id == 0 && in)
        return wt_village(db, w, json_integer_value(json_object_get(in, "org_id")), "org_id", rep);
    return 0;
}

static const entity_t analysis_entity = {"village_analysis", "SELECT org_id FROM village_analysis WHERE id = ?", NULL};
static const err_t analysis_taken = E_VILLAGE_ANALYSIS_EXISTS;

static const resource_t analysis_res = {
    .name = "village_analysis",
    .table = "village_analysis",
    .entity = &analysis_entity,
    .columns = "SELECT a.id, a.org_id, o.name AS org_name, a.year, a.problems, a.advantages, a.funds_sought,"
               " a.projects, a.created_at, a.updated_at, a.version",
    .from = "FROM village_analysis a JOIN org o ON o.id = a.org_id",
    .key = "a.id",
    .org_path = "o.path",
    .org_column = "org_id",
    .org_field = "org_id",
    .read_perm = WT_READ,
    .write_perm = WT_WRITE,
    .create = analysis_create_fields,
    .update = analysis_update_fields,
    .filters = analysis_filters,
    .sorts = analysis_sorts,
    .rules = {.before = analysis_before},
    .unique_field = "year",
    .unique_error = &analysis_taken,
};

/* ================================================================ the table */

static const entity_t member_entity = {"work_team_member", NULL, member_scope};

const op_t workteam_ops[] = {
    {OP(HTTP_GET, "/api/v1/work-teams/export", "work_teams.export", PERM(WT_READ), RF_WRITES, team_export),
     .query = team_list_query},
    RESOURCE_OPS(team_res, team_entity, "/api/v1/work-teams", "work_teams", WT_READ, WT_WRITE, team_create_fields,
                 team_update_fields, team_list_query),
    {OP(HTTP_GET, "/api/v1/work-teams/{id}/members", "work_teams.members", PERM(WT_PEOPLE_READ), 0, member_list),
     .entity = &team_entity},
    {OP(HTTP_POST, "/api/v1/work-teams/{id}/members", "work_teams.add_member", PERM(WT_WRITE), RF_BODY | RF_WRITES,
        member_add),
     .body = member_fields, .entity = &team_entity},
    {OP(HTTP_DELETE, "/api/v1/work-team-members/{id}", "work_team_members.delete", PERM(WT_WRITE), RF_WRITES,
        member_delete),
     .entity = &member_entity},
    {OP(HTTP_GET, "/api/v1/work-teams/{id}/attendance", "work_teams.attendance", PERM(WT_PEOPLE_READ), 0,
        attendance_list),
     .query = attendance_query, .entity = &team_entity},
    {OP(HTTP_POST, "/api/v1/work-teams/{id}/attendance", "work_teams.record_attendance", PERM(WT_WRITE),
        RF_BODY | RF_WRITES, attendance_record),
     .body = attendance_fields, .entity = &team_entity},
    {OP(HTTP_GET, "/api/v1/work-teams/{id}/visits", "work_teams.visits", PERM(WT_PEOPLE_READ), 0, visit_list),
     .query = visit_query, .entity = &team_entity},
    {OP(HTTP_POST, "/api/v1/work-teams/{id}/visits", "work_teams.add_visit", PERM(WT_WRITE), RF_BODY | RF_WRITES,
        visit_add),
     .body = visit_fields, .entity = &team_entity},
    RESOURCE_OPS(analysis_res, analysis_entity, "/api/v1/village-analyses", "village_analyses", WT_READ, WT_WRITE,
                 analysis_create_fields, analysis_update_fields, analysis_list_query),
    OPS_END,
};

/* ================================================================ demo */

static const char *const demo_problems[] = {"村集体经济薄弱，缺少稳定收入来源", "基础设施老化，道路和水利设施年久失修",
                                            "青壮年劳动力外出务工，留守老人和儿童较多", "产业结构单一，农产品销路不畅"};
static const char *const demo_advantages[] = {"土地资源较多，适合规模化流转经营", "靠近城区，交通便利",
                                              "生态环境良好，适合发展乡村旅游", "有传统特色种养殖基础"};
static const char *const demo_projects[] = {"村级光伏电站", "高标准农田建设", "特色种养殖合作社", "村内道路硬化",
                                            "农产品电商服务站", "乡村旅游接待点"};
static const char *const demo_notes[] = {"了解村“两委”班子运行情况，商议年度工作计划", "听取老村干对村集体经济发展的意见",
                                         "走访老党员，宣讲政策并收集意见建议", "入户了解家庭收入和帮扶需求",
                                         "与种养大户座谈，商议带动贫困户就业"};
static const char *const demo_causes[] = {"illness", "disability", "schooling", "skills", "labour", "funds", "other"};
static const int64_t demo_lines[] = {2800, 2855, 3000, 3100, 3250, 3500, 4000}; /* the demo norm, 2014..2020 */

static int64_t demo_line(int year)
{
    return demo_lines[year < 2014 ? 0 : year > 2020 ? 6 : year - 2014];
}

/* One village's work teams (a term from 2015 every three years), members from
 * its residents (ascending), attendance, visits and yearly analyses. */
static int demo_village_teams(db_t *db, const write_ctx_t *w, unsigned long long seed, int64_t village,
                              const json_t *residents, const json_t *agencies, int last)
{
    int rc = DB_OK;
    size_t nres = json_array_size(residents);
    static const char *const roles[] = {"first_secretary", "township_contact", "member", "member", "graduate_official"};
    static const char *const levels[] = {"city", "township", "county", "city", NULL};
    for (int from = 2015, term = 0; rc == DB_OK && from <= last; from += 3, term++) {
        unsigned long long k = (unsigned long long)village * 16 + (unsigned long long)term;
        int64_t team = 0;
        rc = db_one_int(db, &team,
                        "INSERT INTO work_team (org_id, year_from, year_to, note, created_at, updated_at)"
                        " VALUES (?, ?, ?, NULL, ?, ?) RETURNING id",
                        "iiiii", village, (int64_t)from, (int64_t)(from + 2), w->now, w->now);
        int no_contact = demo_pick(seed, 0x57a0000 + k, 10) == 0; /* about one team in ten is incomplete */
        for (size_t r = 0; rc == DB_OK && r < 5 && r < nres; r++) {
            if (r == 1 && no_contact)
                continue;
            int64_t person = json_integer_value(json_array_get(residents, (r + (size_t)term * 2) % nres));
            int64_t unit = 0, member = 0;
            if (levels[r] && strcmp(levels[r], "township") != 0 && json_array_size(agencies) > 0)
                unit = json_integer_value(
                    json_array_get(agencies, (size_t)demo_pick(seed, 0x57a1000 + k * 8 + r, (int64_t)json_array_size(agencies))));
            rc = db_one_int(db, &member,
                            "INSERT INTO work_team_member (team_id, person_id, role, unit_level, unit_id, unit_name,"
                            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (team_id, person_id) DO NOTHING"
                            " RETURNING id",
                            "iittIti", team, person, roles[r], levels[r], unit,
                            levels[r] && strcmp(levels[r], "township") == 0 ? "乡镇党委" : NULL, w->now);
            if (rc == DB_NOTFOUND) { /* the same resident twice in a small village */
                rc = DB_OK;
                continue;
            }
            if (r == 1 || r == 4) /* the township contact and the graduate official are not stationed */
                continue;
            for (int y = from; rc == DB_OK && y <= from + 2 && y <= last; y++)
                for (int m = 1; rc == DB_OK && m <= 12; m++) {
                    char month[32];
                    snprintf(month, sizeof month, "%04d-%02d", y, m);
                    int64_t draw = demo_pick(seed, 0x57a2000 + (unsigned long long)member * 512 + (unsigned long long)(y * 12 + m) % 512, 40);
                    int64_t days = draw < 3 ? 12 + draw * 2 : 20 + draw % 7;
                    rc = db_exec(db, NULL,
                                 "INSERT INTO work_team_attendance (member_id, month, year, days, updated_at)"
                                 " VALUES (?, ?, ?, ?, ?)",
                                 "itiii", member, month, (int64_t)y, days, w->now);
                }
            for (int y = from; rc == DB_OK && r == 0 && y <= from + 2 && y <= last; y++)
                for (int v = 0; rc == DB_OK && v < 5; v++) {
                    char day[48];
                    snprintf(day, sizeof day, "%04d-%02d-%02d", y, 2 + v * 2, 5 + (int)demo_pick(seed, k * 64 + (unsigned long long)(y * 5 + v), 20));
                    rc = db_exec(db, NULL,
                                 "INSERT INTO work_team_visit (team_id, member_id, kind, visited_on, note, created_at)"
                                 " VALUES (?, ?, ?, ?, ?, ?)",
                                 "iittti", team, member, workteam_visit_kinds[v], day, demo_notes[v], w->now);
                }
        }
    }
    for (int y = 2015; rc == DB_OK && y <= last; y++) {
        unsigned long long k = (unsigned long long)village * 32 + (unsigned long long)y;
        rc = db_exec(db, NULL,
                     "INSERT INTO village_analysis (org_id, year, problems, advantages, funds_sought, projects,"
                     " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                     "iittitii", village, (int64_t)y, demo_problems[demo_pick(seed, 0x57a3000 + k, 4)],
                     demo_advantages[demo_pick(seed, 0x57a4000 + k, 4)], (int64_t)(100000 + demo_pick(seed, 0x57a5000 + k, 40) * 50000),
                     demo_projects[demo_pick(seed, 0x57a6000 + k, 6)], w->now, w->now);
    }
    return rc;
}

/* One village's ledger: heads from its residents (descending), incomes every
 * year from entry, most exiting 2016-2020, a few returning, a visit a year. */
static int demo_village_poverty(db_t *db, const write_ctx_t *w, unsigned long long seed, int64_t village,
                                const json_t *residents, int last)
{
    size_t nres = json_array_size(residents);
    int64_t helper = json_integer_value(json_array_get(residents, 0));
    int64_t n = 3 + demo_pick(seed, 0x57b0000 + (unsigned long long)village, 6);
    int rc = DB_OK;
    for (int64_t i = 0; rc == DB_OK && i < n && (size_t)i + 1 < nres; i++) { /* fewer in a small demo */
        unsigned long long k = (unsigned long long)village * 16 + (unsigned long long)i;
        int64_t head = json_integer_value(json_array_get(residents, nres - 1 - (size_t)i)), id = 0;
        int year_in = 2014 + (int)demo_pick(seed, 0x57b1000 + k, 2);
        int64_t draw = demo_pick(seed, 0x57b2000 + k, 20);
        int exit_year = draw == 0 ? 0 : 2016 + (int)demo_pick(seed, 0x57b3000 + k, 5); /* 1 in 20 has not exited */
        int return_year = exit_year && draw == 1 ? exit_year + 1 + (int)demo_pick(seed, 0x57b4000 + k, 3) : 0;
        if (return_year > last)
            return_year = 0;
        const char *status = return_year ? "returned" : exit_year && exit_year <= last ? "exited" : "not_exited";
        static const char *const attributes[] = {"general", "general", "dibao", "tekun"};
        rc = db_one_int(db, &id,
                        "INSERT INTO poverty_household (org_id, head_person_id, helper_person_id, attribute, cause, size,"
                        " year_in, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                        "iiIttiitii", village, head, helper, attributes[demo_pick(seed, 0x57b5000 + k, 4)],
                        demo_causes[demo_pick(seed, 0x57b6000 + k, 7)], (int64_t)(1 + demo_pick(seed, 0x57b7000 + k, 5)),
                        (int64_t)year_in, status, w->now, w->now);
        for (int y = year_in; rc == DB_OK && y <= last; y++) {
            int poor = !exit_year || y < exit_year || (return_year && y == return_year);
            int64_t spread = demo_pick(seed, 0x57b8000 + k * 16 + (unsigned long long)(y - 2014), 800);
            int64_t income = poor ? demo_line(y) - 300 - spread : demo_line(y) + 400 + spread + (y - exit_year) * 350;
            rc = db_exec(db, NULL,
                         "INSERT INTO poverty_income (household_id, year, per_capita, updated_at) VALUES (?, ?, ?, ?)",
                         "iiii", id, (int64_t)y, income, w->now);
            char day[48];
            snprintf(day, sizeof day, "%04d-%02d-%02d", y, 3 + (int)demo_pick(seed, 0x57b9000 + k * 16 + (unsigned long long)(y - 2014), 8), 10);
            if (rc == DB_OK)
                rc = db_exec(db, NULL,
                             "INSERT INTO poverty_visit (household_id, visitor_person_id, visited_on, note, created_at)"
                             " VALUES (?, ?, ?, ?, ?)",
                             "iitti", id, helper, day, "入户走访，核实收入，落实帮扶措施", w->now);
            if (rc == DB_OK && exit_year == y) {
                char on[48];
                snprintf(on, sizeof on, "%04d-12-%02d", y, 10 + (int)demo_pick(seed, 0x57ba000 + k, 15));
                rc = db_exec(db, NULL,
                             "INSERT INTO poverty_status_change (household_id, status, year, on_date, line, income,"
                             " conditions, created_at) VALUES (?, 'exited', ?, ?, ?, ?, ?, ?)",
                             "iitiiti", id, (int64_t)y, on, demo_line(y), income,
                             "{\"education\":true,\"food_clothing\":true,\"housing\":true,\"income_above_line\":true,"
                             "\"medical_insurance\":true}", w->now);
            }
            if (rc == DB_OK && return_year == y) {
                char on[48];
                snprintf(on, sizeof on, "%04d-08-15", y);
                rc = db_exec(db, NULL,
                             "INSERT INTO poverty_status_change (household_id, status, year, on_date, note, created_at)"
                             " VALUES (?, 'returned', ?, ?, '因病返贫', ?)",
                             "iiti", id, (int64_t)y, on, w->now);
            }
        }
    }
    return rc;
}

int wt_demo(db_t *db, const write_ctx_t *w, unsigned long long seed)
{
    int last = demo_last_year(w);
    json_t *villages = db_rows_json(db, "SELECT id, path FROM org WHERE kind = 'village' ORDER BY id", "");
    json_t *agencies = db_rows_json(db, "SELECT u.id FROM unit u WHERE u.type = 'agency' ORDER BY u.id", "");
    int rc = villages && agencies ? DB_OK : DB_ERR;
    size_t i;
    json_t *v;
    json_array_foreach(villages, i, v) {
        int64_t village = json_integer_value(json_object_get(v, "id"));
        if (rc != DB_OK || demo_pick(seed, 0x57c0000 + (unsigned long long)village, 10) != 0)
            continue; /* about one village in ten */
        char hi[ACCESS_PATH_MAX];
        const char *lo = json_string_value(json_object_get(v, "path"));
        if (path_subtree_upper(hi, sizeof hi, lo) != 0) {
            rc = DB_ERR;
            break;
        }
        json_t *residents = db_rows_json(db,
                                         "SELECT p.id FROM person p JOIN org o ON o.id = p.org_id"
                                         " WHERE o.path >= ? AND o.path < ? ORDER BY p.id",
                                         "tt", lo, hi);
        json_t *ids = json_array();
        size_t j;
        json_t *r;
        json_array_foreach(residents, j, r) json_array_append(ids, json_object_get(r, "id"));
        json_decref(residents);
        rc = residents ? demo_village_teams(db, w, seed, village, ids, agencies, last) : DB_ERR;
        if (rc == DB_OK)
            rc = demo_village_poverty(db, w, seed, village, ids, last);
        json_decref(ids);
    }
    json_decref(villages);
    json_decref(agencies);
    return rc;
}
