/* Inspections (日常督查, 明查, 暗访): an org inspects nodes at or below it with
 * a team (user ids, names), on a date, with a checklist recorded per sampled
 * node (pass or fail, a note); a failed item becomes a problem of the
 * rectification list (source: the inspection's type) in one action. A covert
 * inspection (暗访) and its problems stay hidden from the inspected nodes and
 * from everyone below the inspecting org who is not on the team until the
 * inspecting org publishes its 通报 (INSPECTION_SEEN, api/problem.h: every
 * read of inspections and problems goes through it). See docs/rectification.md. */
#include "api/handlers.h"
#include "api/op.h"
#include "api/internal.h"
#include "api/list.h"
#include "api/problem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/path.h"
#include "core/rectfsm.h"
#include "core/timefmt.h"

const char *const inspection_types[] = {"daily", "open", "covert", NULL};
const char *const inspection_results[] = {"pass", "fail", NULL};

/* The problem source an inspection's type gives its findings. */
static const char *type_source(const char *type)
{
    return strcmp(type, "daily") == 0 ? "daily_inspection"
           : strcmp(type, "open") == 0 ? "open_inspection"
                                       : "covert_inspection";
}

#define INSPECTION_COLUMNS                                                                                             \
    "SELECT i.id, i.org_id, io.name AS org_name, i.type, i.title, i.held_on, i.team_names, i.published_at,"          \
    " i.created_at, i.updated_at, i.version,"                                                                          \
    " (SELECT COUNT(*) FROM inspection_item t WHERE t.inspection_id = i.id AND t.result = 'fail') AS failed,"        \
    " (SELECT COUNT(*) FROM inspection_item t WHERE t.inspection_id = i.id AND t.result IS NULL) AS unrecorded"
#define INSPECTION_FROM " FROM inspection i JOIN org io ON io.id = i.org_id"
/* Within [lo, hi): the inspecting org, or a node it sampled. */
#define INSPECTION_IN_RANGE                                                                                            \
    "((io.path >= ? AND io.path < ?) OR EXISTS (SELECT 1 FROM inspection_node n JOIN org no ON no.id = n.org_id"     \
    " WHERE n.inspection_id = i.id AND no.path >= ? AND no.path < ?))"

/* team_names is stored as JSON text: answered as the array it is. */
static void inspection_row(json_t *row, void *ctx)
{
    (void)ctx;
    const char *t = json_string_value(json_object_get(row, "team_names"));
    json_t *names = t ? json_loads(t, 0, NULL) : NULL;
    json_object_set_new(row, "team_names", names ? names : json_array());
    json_object_set_new(row, "covert", json_boolean(strcmp(json_string_value(json_object_get(row, "type")), "covert") == 0));
}

/* The inspection's org, its path, whether the caller is on its team. */
typedef struct {
    int64_t id, org, published;
    char type[16];
    char path[ACCESS_PATH_MAX];
    int member;
} inspection_at_t;

static int inspection_load(db_t *db, const principal_t *who, int64_t id, inspection_at_t *x)
{
    int64_t member = 0;
    int rc = db_one_int(db, &x->org, "SELECT org_id FROM inspection WHERE id = ?", "i", id);
    if (rc == DB_OK)
        rc = db_one_int(db, &x->published, "SELECT COALESCE(published_at, 0) FROM inspection WHERE id = ?", "i", id);
    if (rc == DB_OK)
        rc = db_one_text(db, x->type, sizeof x->type, "SELECT type FROM inspection WHERE id = ?", "i", id);
    if (rc == DB_OK)
        rc = db_one_int(db, &member, "SELECT COUNT(*) FROM inspection_member WHERE inspection_id = ? AND user_id = ?",
                        "ii", id, who->user_id);
    if (rc == DB_OK)
        rc = org_brief(db, x->org, x->path, sizeof x->path, NULL, 0);
    x->id = id;
    x->member = member > 0;
    return rc;
}

/* 1 if who records results, turns failures into problems and publishes: the
 * team, or the write permission over the inspecting org. */
static int inspector(const principal_t *who, const inspection_at_t *x)
{
    return x->member || access_covers(who, PROBLEM_WRITE, x->path);
}

static json_t *inspection_json(db_t *db, const principal_t *who, int64_t id)
{
    json_t *row = db_row_one_json(db, INSPECTION_COLUMNS INSPECTION_FROM " WHERE i.id = ?", "i", id);
    if (row == NULL)
        return NULL;
    inspection_row(row, NULL);
    json_t *team = db_rows_json(db,
                                "SELECT u.id AS user_id, u.display_name FROM inspection_member m"
                                " JOIN app_user u ON u.id = m.user_id WHERE m.inspection_id = ? ORDER BY u.id",
                                "i", id);
    json_t *nodes = db_rows_json(db,
                                 "SELECT o.id AS org_id, o.name AS org_name, o.level AS org_level FROM inspection_node n"
                                 " JOIN org o ON o.id = n.org_id WHERE n.inspection_id = ? ORDER BY o.id",
                                 "i", id);
    json_t *items = db_rows_json(db,
                                 "SELECT t.id, t.org_id, o.name AS org_name, t.item, t.result, t.note, t.problem_id,"
                                 " t.recorded_at, t.version FROM inspection_item t JOIN org o ON o.id = t.org_id"
                                 " WHERE t.inspection_id = ? ORDER BY t.id",
                                 "i", id);
    inspection_at_t x;
    if (team == NULL || nodes == NULL || items == NULL || inspection_load(db, who, id, &x) != DB_OK) {
        json_decref(team);
        json_decref(nodes);
        json_decref(items);
        json_decref(row);
        return NULL;
    }
    int act = inspector(who, &x);
    json_object_set_new(row, "team", team);
    json_object_set_new(row, "nodes", nodes);
    json_object_set_new(row, "items", items);
    json_object_set_new(row, "can", json_pack("{s:b, s:b}", "record", act, "publish",
                                              access_covers(who, PROBLEM_WRITE, x.path) && x.published == 0));
    return row;
}

static int answer_inspection(db_t *db, const write_ctx_t *w, int rc, int64_t id, int status, api_reply_t *rep)
{
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    json_t *x = inspection_json(db, &w->who, id);
    if (x == NULL)
        return api_db_error(rep, w->lang, DB_ERR, NULL);
    return api_json(rep, status, x);
}

/* ---------------------------------------------------------------- create */

typedef struct {
    uint64_t given;
    int64_t org_id;
    const char *type;
    const char *title;
    const char *held_on;
    const json_t *team_user_ids;
    const json_t *team_names;
    const json_t *nodes;
    const json_t *items;
} inspection_in_t;

static const field_t inspection_fields[] = {
    IN(inspection_in_t, org_id, F_INT, 1, 1, INT64_MAX, NULL),
    IN(inspection_in_t, type, F_ENUM, 1, 0, 0, inspection_types),
    IN(inspection_in_t, title, F_BLOCK, 1, 1, 200, NULL),
    IN(inspection_in_t, held_on, F_DATE, 1, 20000101, 1, NULL),
    IN(inspection_in_t, team_user_ids, F_JSON, 0, 0, 400, NULL),
    IN(inspection_in_t, team_names, F_LIST, 0, 0, 20, NULL),
    IN(inspection_in_t, nodes, F_JSON, 1, 0, 1000, NULL),
    IN(inspection_in_t, items, F_LIST, 1, 0, 30, NULL),
    FIELDS_END,
};

/* 1 if v is an array of 1 to max positive integers. */
static int id_array(const json_t *v, size_t max)
{
    size_t i;
    json_t *x;
    if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > max)
        return 0;
    json_array_foreach(v, i, x) {
        if (!json_is_integer(x) || json_integer_value(x) < 1)
            return 0;
    }
    return 1;
}

static int inspection_create_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    inspection_in_t in = {0};
    api_input_fill(inspection_fields, data, &in);
    if (api_org_input(db, w, PROBLEM_WRITE, in.org_id, "org_id", rep) != 0)
        return -1;
    if (!id_array(in.nodes, 50))
        return api_fail(rep, w->lang, E_INSPECTION_NODES_INVALID, "nodes");
    if (in.team_user_ids && !id_array(in.team_user_ids, 20))
        return api_fail(rep, w->lang, E_INSPECTION_TEAM_INVALID, "team_user_ids");
    if (json_array_size(in.items) == 0)
        return api_fail(rep, w->lang, E_INSPECTION_ITEMS_EMPTY, "items");
    char top[ACCESS_PATH_MAX];
    int rc = org_brief(db, in.org_id, top, sizeof top, NULL, 0);
    size_t i, j;
    json_t *v, *t;
    /* Each sampled node at or below the inspecting org. */
    json_array_foreach(in.nodes, i, v) {
        char path[ACCESS_PATH_MAX] = "";
        if (rc == DB_OK && (org_brief(db, json_integer_value(v), path, sizeof path, NULL, 0) != DB_OK ||
                            strncmp(path, top, strlen(top)) != 0))
            return api_fail(rep, w->lang, E_INSPECTION_NODES_INVALID, "nodes");
    }
    if (in.team_user_ids) {
        json_array_foreach(in.team_user_ids, i, v) {
            int64_t n = 0;
            if (rc == DB_OK)
                rc = db_one_int(db, &n, "SELECT COUNT(*) FROM app_user WHERE id = ?", "i", json_integer_value(v));
            if (rc == DB_OK && n == 0)
                return api_fail(rep, w->lang, E_INSPECTION_TEAM_INVALID, "team_user_ids");
        }
    }
    char *names = in.team_names ? json_dumps(in.team_names, JSON_COMPACT) : NULL;
    int64_t id = 0;
    if (rc == DB_OK)
        rc = db_one_int(db, &id,
                        "INSERT INTO inspection (org_id, type, title, held_on, team_names, created_at, updated_at)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                        "ittttii", in.org_id, in.type, in.title, in.held_on, names, w->now, w->now);
    free(names);
    if (in.team_user_ids) {
        json_array_foreach(in.team_user_ids, i, v) {
            if (rc == DB_OK)
                rc = db_exec(db, NULL,
                             "INSERT INTO inspection_member (inspection_id, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
                             "ii", id, json_integer_value(v));
        }
    }
    json_array_foreach(in.nodes, i, v) {
        int64_t added = 0;
        if (rc == DB_OK)
            rc = db_exec(db, &added,
                         "INSERT INTO inspection_node (inspection_id, org_id) VALUES (?, ?) ON CONFLICT DO NOTHING", "ii",
                         id, json_integer_value(v));
        json_array_foreach(in.items, j, t) {
            if (rc == DB_OK && added)
                rc = db_exec(db, NULL, "INSERT INTO inspection_item (inspection_id, org_id, item) VALUES (?, ?, ?)",
                             "iit", id, json_integer_value(v), json_string_value(t));
        }
    }
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "inspection.created", "inspection", id, in.org_id,
                              json_pack("{s:s, s:s, s:I}", "type", in.type, "held_on", in.held_on, "nodes",
                                        (json_int_t)json_array_size(in.nodes)));
    return answer_inspection(db, w, rc, id, 201, rep);
}

DEFER_BODY(inspection_create, inspection_create_write)

static int inspection_get(api_req_t *req, api_reply_t *rep)
{
    json_t *x = inspection_json(req->db, req->who, req->params[0]);
    if (x == NULL)
        return api_db_error(rep, req->lang, DB_NOTFOUND, "inspection");
    return api_json(rep, 200, x);
}

static const field_t list_query[] = {
    {"org", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"type", F_ENUM, 0, 0, 0, inspection_types, 0},
    {"year", F_INT, 0, 2000, 2100, NULL, 0},
    FIELDS_END,
};

/* [from, to): the dates of year, "YYYY-01-01" to the next year's. */
static void year_dates(int64_t year, char from[16], char to[16])
{
    int y = (int)(year % 10000); /* 2000 to 2100 as the queries take it */
    snprintf(from, 16, "%04d-01-01", y);
    snprintf(to, 16, "%04d-01-01", y + 1);
}

/* GET /api/v1/inspections: those by or of the nodes under ?org= (else the
 * caller's scope) the caller sees, ?type= and ?year= (held that year) narrowing them. */
static int inspection_list(api_req_t *req, api_reply_t *rep)
{
    char lo[ACCESS_PATH_MAX], hi[ACCESS_PATH_MAX];
    int64_t org = 0;
    api_query_int(req, "org", 0, 1, INT64_MAX, &org);
    int rc = access_list_range(req->db, req->who, PROBLEM_READ, org, lo, hi);
    if (rc != DB_OK)
        return api_db_error(rep, req->lang, rc, "org");
    api_list_t l;
    api_list_begin(&l, INSPECTION_COLUMNS, INSPECTION_FROM, "i.id", NULL);
    l.row = inspection_row;
    api_list_where(&l, INSPECTION_IN_RANGE, "tttt", lo, hi, lo, hi);
    api_list_where(&l, INSPECTION_SEEN("i.id"), SEEN_TYPES, req->who->user_id, req->who->user_id,
                   inspection_seen_roles());
    char *type = api_query(req, "type");
    if (type)
        api_list_where(&l, "i.type = ?", "t", type);
    free(type);
    int64_t year = 0;
    api_query_int(req, "year", 0, 2000, 2100, &year);
    if (year) {
        char from[16], to[16];
        year_dates(year, from, to);
        api_list_where(&l, "i.held_on >= ? AND i.held_on < ?", "tt", from, to);
    }
    return api_list_answer(req, rep, &l);
}

/* ---------------------------------------------------------------- figures */

/* The figures of the inspections held in year by or of the nodes in [lo, hi), as
 * the list counts them (the 暗访 rule included): how many, by type; the checklist
 * items at those nodes recorded and failed; the findings (problems of the year
 * from an inspection) concerning them. */
json_t *inspection_figures_of(db_t *db, const principal_t *who, const char *lo, const char *hi, int64_t year,
                              const char *today)
{
    (void)today;
    char from[16], to[16];
    year_dates(year, from, to);
    const char *roles = inspection_seen_roles();
    json_t *f = db_row_one_json(
        db,
        "SELECT COUNT(*) AS inspections,"
        " COALESCE(SUM(CASE WHEN i.type = 'daily' THEN 1 ELSE 0 END), 0) AS daily,"
        " COALESCE(SUM(CASE WHEN i.type = 'open' THEN 1 ELSE 0 END), 0) AS open,"
        " COALESCE(SUM(CASE WHEN i.type = 'covert' THEN 1 ELSE 0 END), 0) AS covert" INSPECTION_FROM
        " WHERE i.held_on >= ? AND i.held_on < ? AND " INSPECTION_IN_RANGE " AND " INSPECTION_SEEN("i.id"),
        "tttttt" SEEN_TYPES, from, to, lo, hi, lo, hi, who->user_id, who->user_id, roles);
    json_t *items = f ? db_row_one_json(db,
                                        "SELECT COUNT(t.result) AS items_checked,"
                                        " COALESCE(SUM(CASE WHEN t.result = 'fail' THEN 1 ELSE 0 END), 0) AS items_failed"
                                        " FROM inspection_item t JOIN inspection i ON i.id = t.inspection_id"
                                        " JOIN org o ON o.id = t.org_id WHERE o.path >= ? AND o.path < ?"
                                        " AND i.held_on >= ? AND i.held_on < ? AND " INSPECTION_SEEN("i.id"),
                                        "tttt" SEEN_TYPES, lo, hi, from, to, who->user_id, who->user_id, roles)
                      : NULL;
    json_t *found = items ? db_row_one_json(db,
                                            "SELECT COUNT(*) AS findings FROM problem p JOIN org o ON o.id = p.org_id"
                                            " WHERE o.path >= ? AND o.path < ? AND p.year = ?"
                                            " AND p.inspection_id IS NOT NULL AND " INSPECTION_SEEN("p.inspection_id"),
                                            "tti" SEEN_TYPES, lo, hi, year, who->user_id, who->user_id, roles)
                          : NULL;
    if (found == NULL) {
        json_decref(f);
        json_decref(items);
        return NULL;
    }
    json_object_update(f, items);
    json_object_update(f, found);
    json_decref(items);
    json_decref(found);
    return f;
}

/* GET /api/v1/inspection-figures?org=&year=: the node's subtree's figures and each child's. */
static int inspection_figures(api_req_t *req, api_reply_t *rep)
{
    return api_subtree_figures(req, rep, PROBLEM_READ, inspection_figures_of);
}

/* ---------------------------------------------------------------- publish, results, findings */

typedef struct {
    uint64_t given;
    int64_t version;
} publish_in_t;

static const field_t publish_fields[] = {
    IN(publish_in_t, version, F_INT, 1, 1, INT64_MAX, NULL),
    FIELDS_END,
};

static int publish_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    inspection_at_t x;
    int rc = inspection_load(db, &w->who, w->id, &x);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "inspection");
    if (!access_covers(&w->who, PROBLEM_WRITE, x.path))
        return api_fail(rep, w->lang, E_INSPECTION_ORG_ONLY, NULL);
    if (x.published)
        return api_fail(rep, w->lang, E_INSPECTION_PUBLISHED, NULL);
    if (api_check_version(db, w, "SELECT version FROM inspection WHERE id = ?", x.id, data, rep) != 0)
        return -1;
    rc = db_exec(db, NULL, "UPDATE inspection SET published_at = ?, updated_at = ?, version = version + 1 WHERE id = ?",
                 "iii", w->now, w->now, x.id);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "inspection.published", "inspection", x.id, x.org, json_object());
    return answer_inspection(db, w, rc, x.id, 200, rep);
}

DEFER_BODY(inspection_publish, publish_write)

/* The item the write's path names and its inspection, the caller one of its inspectors. */
static int item_load(db_t *db, const write_ctx_t *w, inspection_at_t *x, api_reply_t *rep)
{
    int64_t insp = 0;
    int rc = db_one_int(db, &insp, "SELECT inspection_id FROM inspection_item WHERE id = ?", "i", w->id);
    if (rc == DB_OK)
        rc = inspection_load(db, &w->who, insp, x);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "inspection_item");
    return inspector(&w->who, x) ? 0 : api_fail(rep, w->lang, E_INSPECTION_TEAM_ONLY, NULL);
}

typedef struct {
    uint64_t given;
    const char *result;
    const char *note;
} result_in_t;

static const field_t result_fields[] = {
    IN(result_in_t, result, F_ENUM, 1, 0, 0, inspection_results),
    IN(result_in_t, note, F_BLOCK, 0, 1, 1000, NULL),
    FIELDS_END,
};

static int result_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    result_in_t in = {0};
    api_input_fill(result_fields, data, &in);
    inspection_at_t x;
    int64_t problem = 0;
    if (item_load(db, w, &x, rep) != 0)
        return -1;
    int rc = db_one_int(db, &problem, "SELECT COALESCE(problem_id, 0) FROM inspection_item WHERE id = ?", "i", w->id);
    if (rc == DB_OK && problem)
        return api_fail(rep, w->lang, E_INSPECTION_ITEM_HAS_PROBLEM, "result");
    if (rc == DB_OK)
        rc = db_exec(db, NULL,
                     "UPDATE inspection_item SET result = ?, note = ?, recorded_at = ?, version = version + 1 WHERE id = ?",
                     "ttii", in.result, in.note, w->now, w->id);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "inspection.recorded", "inspection", x.id, x.org,
                              json_pack("{s:I, s:s}", "item_id", (json_int_t)w->id, "result", in.result));
    return answer_inspection(db, w, rc, x.id, 200, rep);
}

DEFER_BODY(inspection_item_result, result_write)

/* A failed item becomes a problem of the node it was found at, raised by the
 * inspecting org, source the inspection's type, evidence the item and its note. */
static int finding_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    problem_finding_t in = {0};
    api_input_fill(problem_finding_fields, data, &in);
    inspection_at_t x;
    if (item_load(db, w, &x, rep) != 0)
        return -1;
    json_t *item = db_row_one_json(db,
                                   "SELECT t.org_id, t.item, t.result, t.note, t.problem_id, i.held_on, i.title"
                                   " FROM inspection_item t JOIN inspection i ON i.id = t.inspection_id WHERE t.id = ?",
                                   "i", w->id);
    if (item == NULL)
        return api_db_error(rep, w->lang, DB_ERR, NULL);
    const char *result = json_string_value(json_object_get(item, "result"));
    if (result == NULL || strcmp(result, "fail") != 0) {
        json_decref(item);
        return api_fail(rep, w->lang, E_INSPECTION_ITEM_NOT_FAILED, NULL);
    }
    if (json_integer_value(json_object_get(item, "problem_id")) > 0) {
        json_decref(item);
        return api_fail(rep, w->lang, E_INSPECTION_ITEM_HAS_PROBLEM, NULL);
    }
    const char *what = json_string_value(json_object_get(item, "item"));
    const char *note = json_string_value(json_object_get(item, "note"));
    char evidence[2100];
    snprintf(evidence, sizeof evidence, "%s %s：%s%s%s", json_string_value(json_object_get(item, "held_on")),
             json_string_value(json_object_get(item, "title")), what, note ? "；" : "", note ? note : "");
    problem_in_t p;
    problem_from_finding(&in, &p, what, note ? note : what);
    p.org_id = json_integer_value(json_object_get(item, "org_id"));
    p.raised_org_id = x.org;
    p.year = atoi(json_string_value(json_object_get(item, "held_on")));
    p.source = type_source(x.type);
    p.evidence = evidence;
    int64_t id = 0;
    int rc = problem_insert(db, w, &p, x.id, &id);
    json_decref(item);
    if (rc == DB_OK)
        rc = db_exec(db, NULL, "UPDATE inspection_item SET problem_id = ?, version = version + 1 WHERE id = ?", "ii", id,
                     w->id);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    json_t *answer = problem_json(db, &w->who, id);
    if (answer == NULL)
        return api_db_error(rep, w->lang, DB_ERR, NULL);
    return api_json(rep, 201, answer);
}

DEFER_BODY(inspection_item_problem, finding_write)

/* ---------------------------------------------------------------- the table */

/* An inspection the caller sees: by or of a node in scope, not hidden as an unpublished 暗访. */
static int inspection_scope(db_t *db, const principal_t *who, int64_t id, int64_t *org)
{
    char lo[ACCESS_PATH_MAX], hi[ACCESS_PATH_MAX];
    int64_t seen = 0;
    int rc = db_one_int(db, org, "SELECT org_id FROM inspection WHERE id = ?", "i", id);
    if (rc == DB_OK)
        rc = access_list_range(db, who, PROBLEM_READ, 0, lo, hi);
    if (rc == DB_OK)
        rc = db_one_int(db, &seen,
                        "SELECT COUNT(*)" INSPECTION_FROM " WHERE i.id = ? AND " INSPECTION_IN_RANGE
                        " AND " INSPECTION_SEEN("i.id"),
                        "itttt" SEEN_TYPES, id, lo, hi, lo, hi, who->user_id, who->user_id, inspection_seen_roles());
    return rc == DB_OK && !seen ? DB_NOTFOUND : rc;
}

static int item_scope(db_t *db, const principal_t *who, int64_t id, int64_t *org)
{
    int64_t insp = 0;
    int rc = db_one_int(db, &insp, "SELECT inspection_id FROM inspection_item WHERE id = ?", "i", id);
    return rc == DB_OK ? inspection_scope(db, who, insp, org) : rc;
}

/* An inspection's photos (attachment.c): seen by whoever sees it, taken by the
 * team or the inspecting org (who record results), removed until its 通报 is published. */
static int inspection_files_writable(db_t *db, const principal_t *who, int64_t id, int removing)
{
    inspection_at_t x;
    if (inspection_load(db, who, id, &x) != DB_OK)
        return -1;
    if (!inspector(who, &x))
        return E_INSPECTION_TEAM_ONLY;
    return removing && x.published ? E_INSPECTION_PUBLISHED : 0;
}

const attach_owner_t inspection_files = {"inspection", "inspection", inspection_scope, inspection_files_writable};

static const entity_t inspection_entity = {"inspection", NULL, inspection_scope};
static const entity_t item_entity = {"inspection_item", NULL, item_scope};

const op_t inspection_ops[] = {
    {OP(HTTP_GET, "/api/v1/inspections", "inspections.list", PERM(PROBLEM_READ), RF_PAGED, inspection_list),
     .query = list_query},
    {OP(HTTP_POST, "/api/v1/inspections", "inspections.create", PERM(PROBLEM_WRITE), RF_BODY | RF_WRITES,
        inspection_create),
     .body = inspection_fields},
    {OP(HTTP_GET, "/api/v1/inspection-figures", "inspection_figures.get", PERM(PROBLEM_READ), 0, inspection_figures),
     .query = subtree_figures_query},
    {OP(HTTP_GET, "/api/v1/inspections/{id}", "inspections.get", PERM(PROBLEM_READ), 0, inspection_get),
     .entity = &inspection_entity},
    {OP(HTTP_POST, "/api/v1/inspections/{id}/publish", "inspections.publish", PERM(PROBLEM_WRITE),
        RF_BODY | RF_WRITES, inspection_publish),
     .body = publish_fields, .entity = &inspection_entity},
    {OP(HTTP_POST, "/api/v1/inspection-items/{id}/result", "inspection_items.result", PERM(PROBLEM_WRITE),
        RF_BODY | RF_WRITES, inspection_item_result),
     .body = result_fields, .entity = &item_entity},
    {OP(HTTP_POST, "/api/v1/inspection-items/{id}/problem", "inspection_items.problem", PERM(PROBLEM_WRITE),
        RF_BODY | RF_WRITES, inspection_item_problem),
     .body = problem_finding_fields, .entity = &item_entity},
    OPS_END,
};

/* ---------------------------------------------------------------- demo */

static const char *const demo_checks[] = {"“三会一课”记录齐全", "党群服务中心按时开放", "值班人员在岗在位",
                                          "党务公开栏及时更新", "网格员入户走访台账", "发展党员程序规范"};
#define DEMO_NCHECKS (sizeof demo_checks / sizeof demo_checks[0])
static const char *const demo_measures[] = {"建立月度自查制度，书记每月检查一次", "调整值班安排，公开值班电话",
                                            "补齐台账，明确专人负责", "组织专题学习，对照标准逐项整改"};

/* One problem found by inspection at node, in state s (its moves as history),
 * deadline by month m of year; overdue open ones carry their 督办. */
static int demo_problem(db_t *db, const write_ctx_t *w, int64_t insp, int64_t node, int64_t raiser, const char *type,
                        const char *check, int year, int m, rect_state_t s, const char *today, int64_t *id)
{
    char deadline[16];
    snprintf(deadline, sizeof deadline, "%04d-%02d-28", year % 10000, m % 100);
    if (m % 4 == 0) {
        /* A quarter fall due in the last few days: overdue, not yet escalated. */
        date_of((time_days_of_date(today) - 1 - m % 5) * 86400, deadline);
    }
    /* The 督办 the periodic pass would have given by today: level 1 once overdue, level 2
     * past the raiser's problem.escalate_days (so a server started on the demo moves none). */
    int64_t late = time_days_of_date(today) - time_days_of_date(deadline);
    int overdue = s != RS_CLOSED && late > 0;
    int level = overdue ? (late > problem_escalate_days(db, raiser, year) ? 2 : 1) : 0;
    int64_t target = raiser;
    int rc = DB_OK;
    if (level == 2)
        rc = db_one_int(db, &target, "SELECT COALESCE(parent_id, id) FROM org WHERE id = ?", "i", raiser);
    if (rc == DB_OK)
        rc = db_one_int(db, id,
                        "INSERT INTO problem (org_id, raised_org_id, year, source, category, severity, description,"
                        " evidence, measure, deadline, lead_name, unit_name, person_name, state, supervise_level,"
                        " supervise_org_id, supervised_at, closed_at, inspection_id, created_at, updated_at, version)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                        "iiitttttttttttiIIIiiii", node, raiser, (int64_t)year, type_source(type), check,
                        problem_severities[m % 3], check, "现场检查记录、照片", demo_measures[m % 4], deadline,
                        "党委副书记", "党建办", "党建专干", rect_state_name(s), (int64_t)level,
                        level ? target : 0, level ? w->now : 0, s == RS_CLOSED ? w->now : 0, insp, w->now, w->now,
                        (int64_t)(1 + s + level));
    static const rect_action_t path[] = {RA_START, RA_APPLY, RA_CLOSE};
    rect_state_t at = RS_PENDING;
    if (rc == DB_OK)
        rc = db_exec(db, NULL,
                     "INSERT INTO problem_event (problem_id, action, from_state, to_state, at) VALUES (?, 'raise',"
                     " 'pending', 'pending', ?)",
                     "ii", *id, w->now);
    for (int k = 0; rc == DB_OK && at != s && k < 3; k++) {
        rect_state_t to = rect_next(at, path[k]);
        rc = db_exec(db, NULL,
                     "INSERT INTO problem_event (problem_id, action, from_state, to_state, at) VALUES (?, ?, ?, ?, ?)",
                     "itttI", *id, rect_action_name(path[k]), rect_state_name(at), rect_state_name(to), w->now);
        at = to;
    }
    for (int l = 1; rc == DB_OK && l <= level; l++)
        rc = db_exec(db, NULL,
                     "INSERT INTO problem_event (problem_id, action, from_state, to_state, at) VALUES (?, ?, ?, ?, ?)",
                     "itttI", *id, l == 1 ? "supervise" : "escalate", rect_state_name(s), rect_state_name(s), w->now);
    return rc;
}

int rect_demo(db_t *db, const write_ctx_t *w, unsigned long long seed)
{
    int ymd = api_today_ymd(), year = ymd / 10000, month = ymd / 100 % 100;
    char today[16];
    date_today(today);
    json_t *districts = db_rows_json(db, "SELECT id FROM org WHERE level = 'district' ORDER BY id", "");
    if (districts == NULL)
        return DB_ERR;
    static const char *const types[] = {"open", "covert", "daily"};
    static const rect_state_t states[] = {RS_PENDING, RS_FIXING, RS_FIXING, RS_APPLIED, RS_CLOSED, RS_CLOSED};
    unsigned long long k = 0;
    int rc = DB_OK;
    size_t di;
    json_t *d;
    json_array_foreach(districts, di, d) {
        int64_t district = json_integer_value(json_object_get(d, "id"));
        json_t *streets = db_rows_json(db, "SELECT id FROM org WHERE parent_id = ? ORDER BY id", "i", district);
        size_t ns = streets ? json_array_size(streets) : 0;
        for (int t = 0; rc == DB_OK && ns > 0 && t < 3; t++) {
            /* 暗访 published in every other district, so both kinds are there. */
            int published = t != 1 || di % 2 == 0;
            int m = 1 + (int)demo_pick(seed, k++, month);
            char held[16], title[96];
            snprintf(held, sizeof held, "%04d-%02d-%02d", year % 10000, m % 100, (int)(1 + demo_pick(seed, k++, 27)));
            snprintf(title, sizeof title, "%s：基层党建工作%s", t == 0 ? "明查" : t == 1 ? "暗访" : "日常督查",
                     t == 2 ? "检查" : "专项督查");
            int64_t insp = 0;
            rc = db_one_int(db, &insp,
                            "INSERT INTO inspection (org_id, type, title, held_on, team_names, published_at, created_at,"
                            " updated_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                            "ittttIiii", district, types[t], title, held, "[\"督查组组长\",\"督查组成员\"]",
                            published ? w->now : 0, w->now, w->now, (int64_t)(1 + published));
            for (int s = 0; rc == DB_OK && s < 2; s++) {
                json_t *pick = json_array_get(streets, (size_t)demo_pick(seed, k++, (int64_t)ns));
                int64_t node = json_integer_value(json_object_get(pick, "id"));
                int64_t added = 0;
                rc = db_exec(db, &added,
                             "INSERT INTO inspection_node (inspection_id, org_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
                             "ii", insp, node);
                size_t first = (size_t)demo_pick(seed, k++, DEMO_NCHECKS);
                for (int c = 0; rc == DB_OK && added && c < 3; c++) {
                    const char *check = demo_checks[(first + (size_t)c) % DEMO_NCHECKS];
                    int fail = demo_pick(seed, k++, 3) == 0;
                    int64_t problem = 0, item = 0;
                    rc = db_one_int(db, &item,
                                    "INSERT INTO inspection_item (inspection_id, org_id, item, result, note, recorded_at)"
                                    " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                                    "iittti", insp, node, check, fail ? "fail" : "pass", fail ? "现场检查未达标" : NULL,
                                    w->now);
                    int due = 1 + (int)demo_pick(seed, k++, 12);
                    rect_state_t state = states[demo_pick(seed, k++, 6)];
                    if (rc == DB_OK && fail)
                        rc = demo_problem(db, w, insp, node, district, types[t], check, year, due, state, today,
                                          &problem);
                    if (rc == DB_OK && problem)
                        rc = db_exec(db, NULL, "UPDATE inspection_item SET problem_id = ? WHERE id = ?", "ii", problem,
                                     item);
                }
            }
        }
        json_decref(streets);
    }
    json_decref(districts);
    return rc;
}
