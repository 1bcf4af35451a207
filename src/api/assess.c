/* The annual comprehensive assessment (年度综合考核, docs/assessment.md):
 * plans, their indicator trees, entered values, the record sources, runs
 * (versions) with their results, publication and adjustments.
 *
 * A plan is issued by an org for a year and a target class; its units are the
 * orgs of that class in the issuer's subtree. A run reads every unit's measure
 * on every leaf (one grouped query per record source over all the units, the
 * entered values), scores them (core/assess.c) and stores per unit and node
 * the measure, the numbers behind it and the computed points, and per unit
 * the halves, bonus, total, rank and grade, with a copy of the tree. Nothing
 * later reads the records again for that run: a published run stays as it was
 * (recomputing makes a new version). Adjustments change an unpublished run's
 * leaf points beside the computed ones, with a reason, audited.
 *
 * Reading: stats.read over the plan's org (a unit reads its own result in a
 * published run); writing: org.write over the plan's org. */
#include "api/handlers.h"
#include "api/internal.h"
#include "api/list.h"
#include "api/op.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/assess.h"
#include "core/path.h"
#include "core/random.h"
#include "core/role.h"
#include "core/timefmt.h"
#include "lib/util.h"

#define ASSESS_READ PERM_STATS_READ
#define ASSESS_WRITE PERM_ORG_WRITE
#define NODES_MAX 300

const char *const assess_classes[] = {"district", "street", "township", "community", "village", NULL};
const char *const assess_methods[] = {"pass", "ratio", "rank", "deduct", "bonus", "veto", NULL};
const char *const assess_halves[] = {"party_building", "development", NULL};
const char *const assess_run_states[] = {"computed", "published", "superseded", NULL};
const char *const assess_grades[] = {"excellent", "sound", "fair", "weak", NULL};
static const char *const veto_effects[] = {"drop_grade", "bar_advanced", NULL};

/* A REAL column's value (read as its text on both backends); 0 for NULL. */
static double col_double(db_stmt_t *st, int i)
{
    const char *t = db_col_text(st, i);
    return t ? strtod(t, NULL) : 0;
}

static int name_index(const char *const *names, const char *name)
{
    for (int i = 0; name && names[i]; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    return -1;
}

/* ---------------------------------------------------------------- classes and units */

/* The orgs of a class: level, and a kind (any when both kinds are NULL). */
static void class_filter(const char *cls, const char **level, int *any, const char **k1, const char **k2)
{
    *any = 0;
    *k1 = *k2 = "";
    if (strcmp(cls, "district") == 0)
        *level = "district", *any = 1;
    else if (strcmp(cls, "street") == 0)
        *level = "street", *k1 = *k2 = "street";
    else if (strcmp(cls, "township") == 0)
        *level = "street", *k1 = "town", *k2 = "township";
    else if (strcmp(cls, "community") == 0)
        *level = "community", *k1 = *k2 = "community";
    else
        *level = "community", *k1 = *k2 = "village";
}

/* The units of a class under [lo, hi): their id, path and the end of their subtree. */
#define UNITS_CTE                                                                                                      \
    "WITH u AS (SELECT id, path, substr(path, 1, length(path) - 1) || '0' AS upper FROM org"                         \
    " WHERE path >= ? AND path < ? AND level = ? AND (? = 1 OR kind = ? OR kind = ?)) "
#define UNIT_SQL "SELECT 1 FROM org WHERE id = ? AND path >= ? AND path < ? AND level = ? AND (? = 1 OR kind = ? OR kind = ?)"

/* ---------------------------------------------------------------- record sources */

typedef enum { M_RATE, M_COUNT, M_PER, M_PER100, M_REVIEW_POINTS, M_REVIEW_SAT, M_REVIEW_GRADE } measure_kind_t;

/* A record source: key, the unit its measure is in, the console page of its
 * records, the grouped query (after UNITS_CTE: rows of unit id, a, b and for
 * 述职评议 the count's text and grade), its further parameters (D, E: the
 * year's first and next first Shanghai day; S, T: their times; Y: the year;
 * C: the cut-off date (today or the year's last day); N: the cut-off time;
 * L, H: the issuer's subtree, whose presence anywhere makes the query one by
 * record node, without UNITS_CTE, folded per unit through the node map),
 * how a and b make the measure, and their names among the numbers. */
typedef struct source {
    const char *key;
    const char *unit;
    const char *page;
    const char *sql;
    const char *params;
    measure_kind_t kind;
    const char *na, *nb;
    const char *grade; /* M_REVIEW_GRADE: the grade that counts */
} source_t;

#define CASE_DAYS(a, b) "SELECT u.id, COALESCE(SUM(" a "), 0), COALESCE(SUM(" b "), 0) FROM u JOIN case_day d ON d.org_id = u.id WHERE d.day >= ? AND d.day < ? GROUP BY u.id"
/* A source over the records of the nodes in the plan's subtree, grouped by node
 * (the unit each node belongs to is found from the paths, in C). */
#define IN_PLAN " o.path >= ? AND o.path < ?"
#define PROBLEMS_SEEN                                                                                                  \
    " AND (p.inspection_id IS NULL OR EXISTS (SELECT 1 FROM inspection i WHERE i.id = p.inspection_id"              \
    " AND (i.type <> 'covert' OR i.published_at IS NOT NULL)))"
#define PROBLEMS(a, b)                                                                                                 \
    "SELECT p.org_id, " a ", " b " FROM problem p JOIN org o ON o.id = p.org_id WHERE" IN_PLAN " AND p.year = ?"      \
    PROBLEMS_SEEN " GROUP BY p.org_id"
#define NOTICES(a, b)                                                                                                  \
    "SELECT u.id, " a ", " b " FROM u JOIN notice_receipt r ON r.org_id = u.id JOIN notice n ON n.id = r.notice_id"   \
    " AND n.created_at >= ? AND n.created_at < ? GROUP BY u.id"
#define FIGURES(a, b)                                                                                                  \
    "SELECT u.id, COALESCE(fa.value, 0), COALESCE(fb.value, 0) FROM u LEFT JOIN org_figure fa ON fa.org_id = u.id"    \
    " AND fa.figure = '" a "' LEFT JOIN org_figure fb ON fb.org_id = u.id AND fb.figure = '" b "'"
#define REVIEW                                                                                                         \
    "SELECT u.id, 0, 0, r.counted, COALESCE(r.final_grade, r.proposed_grade) FROM u JOIN review_reporter r"            \
    " ON r.id = (SELECT MAX(r2.id) FROM review_reporter r2 JOIN review_session s2 ON s2.id = r2.session_id"            \
    " WHERE r2.org_id = u.id AND s2.year = ? AND s2.state = 'closed')"
#define DUTY(a, b) "SELECT u.id, " a ", " b " FROM u JOIN duty_list l ON l.org_id = u.id AND l.year = ?"
/* Honours of the year held in the subtree (the org nodes', their party
 * organisations' and their residents'), of the levels cond admits. */
#define HONOURS(cond)                                                                                                  \
    "SELECT h.org_id, COUNT(*), 0 FROM honour h JOIN org o ON o.id = h.org_id WHERE" IN_PLAN " AND h.year = ?"         \
    " AND " cond " GROUP BY h.org_id"

static const source_t sources[] = {
    {"cases.closure_rate", "ratio", "org-cases", CASE_DAYS("d.closed", "d.due"), "DE", M_RATE, "closed", "due", NULL},
    {"cases.on_time_rate", "ratio", "org-cases", CASE_DAYS("d.closed_on_time", "d.due"), "DE", M_RATE, "closed_on_time",
     "due", NULL},
    {"cases.satisfaction_rate", "ratio", "org-cases", CASE_DAYS("d.satisfied", "d.rated"), "DE", M_RATE, "satisfied",
     "rated", NULL},
    {"cases.overdue", "count", "org-cases", CASE_DAYS("d.due - d.closed_on_time", "d.due"), "DE", M_COUNT, "overdue",
     "due", NULL},
    {"cases.reworked", "count", "org-cases", CASE_DAYS("d.reworked", "d.handled"), "DE", M_COUNT, "reworked", "handled",
     NULL},
    {"cases.escalated", "count", "org-cases",
     "SELECT c.org_id, COUNT(DISTINCT e.case_id), 0 FROM case_escalation e JOIN casefile c ON c.id = e.case_id"
     " JOIN org o ON o.id = c.org_id WHERE" IN_PLAN " AND e.at >= ? AND e.at < ? GROUP BY c.org_id",
     "LHST", M_COUNT, "escalated", NULL, NULL},
    {"duty.signed", "count", "org-duties",
     DUTY("COALESCE(SUM(CASE WHEN l.state IN ('signed', 'published') THEN 1 ELSE 0 END), 0)", "COUNT(*)") " GROUP BY u.id",
     "Y", M_COUNT, "signed", "lists", NULL},
    {"duty.items_done_rate", "ratio", "org-duties",
     DUTY("COALESCE(SUM(i.done), 0)", "COUNT(*)") " JOIN duty_item i ON i.list_id = l.id GROUP BY u.id", "Y", M_RATE,
     "done", "items", NULL},
    {"duty.items_overdue", "count", "org-duties",
     "SELECT u.id, COALESCE(SUM(CASE WHEN i.done = 0 AND i.deadline < ? THEN 1 ELSE 0 END), 0), COUNT(*) FROM u"
     " JOIN duty_list l ON l.org_id = u.id AND l.year = ? JOIN duty_item i ON i.list_id = l.id GROUP BY u.id",
     "CY", M_COUNT, "overdue", "items", NULL},
    {"problems.closure_rate", "ratio", "org-problems",
     PROBLEMS("COALESCE(SUM(CASE WHEN p.state = 'closed' THEN 1 ELSE 0 END), 0)", "COUNT(*)"), "LHY", M_RATE, "closed",
     "problems", NULL},
    {"problems.overdue", "count", "org-problems",
     PROBLEMS("COALESCE(SUM(CASE WHEN p.state <> 'closed' AND p.deadline < ? THEN 1 ELSE 0 END), 0)", "COUNT(*)"), "CLHY",
     M_COUNT, "overdue", "problems", NULL},
    {"problems.repeated", "count", "org-problems",
     PROBLEMS("COALESCE(SUM(CASE WHEN p.category IS NOT NULL AND EXISTS (SELECT 1 FROM problem q WHERE q.id <> p.id"
              " AND q.org_id = p.org_id AND q.year = p.year AND q.category = p.category) THEN 1 ELSE 0 END), 0)",
              "COUNT(*)"),
     "LHY", M_COUNT, "repeated", "problems", NULL},
    {"problems.carried_over", "count", "org-problems",
     PROBLEMS("COALESCE(SUM(CASE WHEN p.source = 'carried_over' THEN 1 ELSE 0 END), 0)", "COUNT(*)"), "LHY", M_COUNT,
     "carried_over", "problems", NULL},
    {"inspections.findings", "count", "org-inspections",
     PROBLEMS("COALESCE(SUM(CASE WHEN p.inspection_id IS NOT NULL THEN 1 ELSE 0 END), 0)", "COUNT(*)"), "LHY", M_COUNT,
     "findings", "problems", NULL},
    {"review.points", "points", "org-reviews", REVIEW, "Y", M_REVIEW_POINTS, NULL, NULL, NULL},
    {"review.satisfaction", "ratio", "org-reviews", REVIEW, "Y", M_REVIEW_SAT, NULL, NULL, NULL},
    {"review.grade_good", "count", "org-reviews", REVIEW, "Y", M_REVIEW_GRADE, NULL, NULL, "good"},
    {"review.grade_poor", "count", "org-reviews", REVIEW, "Y", M_REVIEW_GRADE, NULL, NULL, "poor"},
    {"notices.read_rate", "ratio", "org-notices",
     NOTICES("COALESCE(SUM(CASE WHEN r.read_at IS NOT NULL THEN 1 ELSE 0 END), 0)", "COUNT(*)"), "ST", M_RATE, "read",
     "received", NULL},
    {"notices.reply_rate", "ratio", "org-notices",
     NOTICES("COALESCE(SUM(CASE WHEN n.reply_due_at IS NOT NULL AND r.replied_at IS NOT NULL THEN 1 ELSE 0 END), 0)",
             "COALESCE(SUM(CASE WHEN n.reply_due_at IS NOT NULL THEN 1 ELSE 0 END), 0)"),
     "ST", M_RATE, "replied", "asked", NULL},
    {"notices.reply_overdue", "count", "org-notices",
     "SELECT u.id, COALESCE(SUM(CASE WHEN r.replied_at IS NULL AND n.reply_due_at < ? THEN 1 ELSE 0 END), 0),"
     " COUNT(*) FROM u JOIN notice_receipt r ON r.org_id = u.id JOIN notice n ON n.id = r.notice_id"
     " AND n.reply_due_at IS NOT NULL AND n.created_at >= ? AND n.created_at < ? GROUP BY u.id",
     "NST", M_COUNT, "overdue", "asked", NULL},
    {"party_members.per_100_residents", "number", "org-party-members", FIGURES("party_members", "residents"), "",
     M_PER100, "party_members", "residents", NULL},
    {"party_members.in_service_registered", "count", "org-party-members",
     FIGURES("in_service_registered", "party_members"), "", M_COUNT, "registered", "party_members", NULL},
    {"party_orgs.with_secretary_rate", "ratio", "org-party-orgs",
     "SELECT q.org_id, COALESCE(SUM(CASE WHEN (q.secretary IS NOT NULL AND q.secretary <> '') OR EXISTS (SELECT 1"
     " FROM cadre c WHERE c.org_id = q.org_id AND c.post = '书记' AND (c.term_end IS NULL OR c.term_end >= ?))"
     " THEN 1 ELSE 0 END), 0), COUNT(*) FROM party_org q JOIN org o ON o.id = q.org_id WHERE" IN_PLAN
     " AND q.kind <> '党小组' GROUP BY q.org_id",
     "CLH", M_RATE, "with_secretary", "party_orgs", NULL},
    {"cadres.secretary_in_post", "count", "org-cadres",
     "SELECT u.id, COUNT(*), 0 FROM u JOIN cadre c ON c.org_id = u.id AND c.post = '书记'"
     " AND (c.term_end IS NULL OR c.term_end >= ?) GROUP BY u.id",
     "C", M_COUNT, "secretaries", NULL, NULL},
    {"cadres.grid_workers_per_grid", "number", "org-cadres",
     "SELECT o.id, COUNT(c.id), 1 FROM org o LEFT JOIN cadre c ON c.org_id = o.id AND c.post = '网格员'"
     " WHERE" IN_PLAN " AND o.level = 'grid' GROUP BY o.id",
     "LH", M_PER, "grid_workers", "grids", NULL},
    {"residents.registered", "count", "org-persons", FIGURES("residents", "households"), "", M_COUNT, "residents",
     "households", NULL},
    /* ---- 荣誉 (honour.c): the usual sources of bonus items ---- */
    {"honours.all", "count", "org-honours", HONOURS("1 = 1"), "LHY", M_COUNT, "honours", NULL, NULL},
    {"honours.city_and_above", "count", "org-honours", HONOURS("h.level IN ('national', 'provincial', 'city')"),
     "LHY", M_COUNT, "honours", NULL, NULL},
    {"honours.national", "count", "org-honours", HONOURS("h.level = 'national'"), "LHY", M_COUNT, "honours", NULL,
     NULL},
    {"honours.provincial", "count", "org-honours", HONOURS("h.level = 'provincial'"), "LHY", M_COUNT, "honours", NULL,
     NULL},
    {"honours.city", "count", "org-honours", HONOURS("h.level = 'city'"), "LHY", M_COUNT, "honours", NULL, NULL},
    {"honours.district", "count", "org-honours", HONOURS("h.level = 'district'"), "LHY", M_COUNT, "honours", NULL,
     NULL},
    /* ---- end 荣誉 ---- */
};
#define NSOURCES (sizeof sources / sizeof sources[0])

static const source_t *source_find(const char *key)
{
    for (size_t i = 0; key && i < NSOURCES; i++)
        if (strcmp(sources[i].key, key) == 0)
            return &sources[i];
    return NULL;
}

/* GET /api/v1/assessment-sources */
static int source_list(api_req_t *req, api_reply_t *rep)
{
    (void)req;
    json_t *items = json_array();
    json_array_append_new(items, json_pack("{s:s, s:s, s:n, s:[]}", "key", "entered", "unit", "number", "page",
                                           "numbers"));
    for (size_t i = 0; i < NSOURCES; i++) {
        const source_t *s = &sources[i];
        json_t *numbers = json_array();
        if (s->kind >= M_REVIEW_POINTS) {
            for (const char *const *k = (const char *const[]){"points", "satisfaction", "known", "grade", NULL}; *k; k++)
                json_array_append_new(numbers, json_string(*k));
        } else {
            json_array_append_new(numbers, json_string(s->na));
            if (s->nb)
                json_array_append_new(numbers, json_string(s->nb));
        }
        json_array_append_new(items, json_pack("{s:s, s:s, s:s, s:o}", "key", s->key, "unit", s->unit, "page", s->page,
                                               "numbers", numbers));
    }
    return api_json(rep, 200, json_pack("{s:o}", "items", items));
}

/* ---------------------------------------------------------------- sight */

static const entity_t plan_entity = {"assessment_plan", "SELECT org_id FROM assess_plan WHERE id = ?", NULL};
static const entity_t indicator_entity = {
    "assessment_indicator",
    "SELECT p.org_id FROM assess_indicator i JOIN assess_plan p ON p.id = i.plan_id WHERE i.id = ?", NULL};
static const entity_t run_entity = {
    "assessment_run", "SELECT p.org_id FROM assess_run r JOIN assess_plan p ON p.id = r.plan_id WHERE r.id = ?", NULL};

typedef struct plan_at {
    int64_t id, org, year, published_run;
    char cls[16];
    char path[ACCESS_PATH_MAX], upper[ACCESS_PATH_MAX];
} plan_at_t;

static int plan_load(db_t *db, int64_t id, plan_at_t *p)
{
    memset(p, 0, sizeof *p);
    db_stmt_t *st = db_q(db,
                         "SELECT p.id, p.org_id, p.year, p.class, COALESCE(p.published_run_id, 0), o.path"
                         " FROM assess_plan p JOIN org o ON o.id = p.org_id WHERE p.id = ?",
                         "i", id);
    if (st == NULL)
        return DB_ERR;
    int rc = db_step(st);
    if (rc == DB_ROW) {
        p->id = db_col_int(st, 0);
        p->org = db_col_int(st, 1);
        p->year = db_col_int(st, 2);
        str_copy(p->cls, sizeof p->cls, db_col_text(st, 3));
        p->published_run = db_col_int(st, 4);
        str_copy(p->path, sizeof p->path, db_col_text(st, 5));
        path_subtree_upper(p->upper, sizeof p->upper, p->path);
    }
    db_done(st);
    return rc == DB_ROW ? DB_OK : rc == DB_DONE ? DB_NOTFOUND : rc;
}

/* 1 if org is a unit of the plan (DB_* on an error: negative). */
static int plan_has_unit(db_t *db, const plan_at_t *p, int64_t org)
{
    const char *level, *k1, *k2;
    int any;
    class_filter(p->cls, &level, &any, &k1, &k2);
    int64_t one = 0;
    int rc = db_one_int(db, &one, UNIT_SQL, "itttitt", org, p->path, p->upper, level, (int64_t)any, k1, k2);
    return rc == DB_OK ? 1 : rc == DB_NOTFOUND ? 0 : rc;
}

/* The plan of a run (and its state): DB_* code. */
static int run_plan(db_t *db, int64_t run, plan_at_t *p, char *state, size_t cap)
{
    int64_t plan = 0;
    int rc = db_one_int(db, &plan, "SELECT plan_id FROM assess_run WHERE id = ?", "i", run);
    if (rc == DB_OK && state)
        rc = db_one_text(db, state, cap, "SELECT state FROM assess_run WHERE id = ?", "i", run);
    return rc == DB_OK ? plan_load(db, plan, p) : rc;
}

/* ---------------------------------------------------------------- plans */

#define PLAN_COLUMNS                                                                                                   \
    "SELECT p.id, p.org_id, o.name AS org_name, p.year, p.class, p.name, p.published_run_id, p.created_at,"          \
    " p.updated_at, p.version,"                                                                                        \
    " (SELECT COUNT(*) FROM assess_indicator i WHERE i.plan_id = p.id) AS indicator_count,"                           \
    " (SELECT COUNT(*) FROM assess_run r WHERE r.plan_id = p.id) AS runs"
#define PLAN_FROM " FROM assess_plan p JOIN org o ON o.id = p.org_id"

static int plan_answer(db_t *db, const char *lang, int64_t id, int status, api_reply_t *rep)
{
    json_t *p = db_row_one_json(db, PLAN_COLUMNS PLAN_FROM " WHERE p.id = ?", "i", id);
    return p ? api_json(rep, status, p) : api_db_error(rep, lang, DB_ERR, NULL);
}

typedef struct {
    uint64_t given;
    int64_t org_id;
    int64_t year;
    const char *class_;
    const char *name;
    int64_t version;
} plan_in_t;

static const field_t plan_fields[] = {
    IN(plan_in_t, org_id, F_INT, 1, 1, INT64_MAX, NULL),
    IN(plan_in_t, year, F_INT, 1, 2000, 2100, NULL),
    {"class", F_ENUM, 1, 0, 0, assess_classes, offsetof(plan_in_t, class_) + 1},
    IN(plan_in_t, name, F_NAME, 1, 1, 100, NULL),
    FIELDS_END,
};

static const field_t plan_patch_fields[] = {
    IN(plan_in_t, name, F_NAME, F_NOT_NULL, 1, 100, NULL),
    IN(plan_in_t, version, F_INT, 1, 1, INT64_MAX, NULL),
    FIELDS_END,
};

static int plan_create_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    plan_in_t in = {0};
    api_input_fill(plan_fields, data, &in);
    if (api_org_input(db, w, ASSESS_WRITE, in.org_id, "org_id", rep) != 0)
        return -1;
    int64_t taken = 0, id = 0;
    int rc = db_one_int(db, &taken, "SELECT COUNT(*) FROM assess_plan WHERE org_id = ? AND year = ? AND class = ?",
                        "iit", in.org_id, in.year, in.class_);
    if (rc == DB_OK && taken)
        return api_fail(rep, w->lang, E_ASSESS_PLAN_TAKEN, "class");
    if (rc == DB_OK)
        rc = db_one_int(db, &id,
                        "INSERT INTO assess_plan (org_id, year, class, name, created_at, updated_at)"
                        " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                        "iittii", in.org_id, in.year, in.class_, in.name, w->now, w->now);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "assessment.plan_created", "assess_plan", id, in.org_id, json_incref(data));
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    return plan_answer(db, w->lang, id, 201, rep);
}

DEFER_BODY(plan_create, plan_create_write)

static int plan_get(api_req_t *req, api_reply_t *rep)
{
    return plan_answer(req->db, req->lang, req->params[0], 200, rep);
}

static int plan_patch_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    plan_in_t in = {0};
    api_input_fill(plan_patch_fields, data, &in);
    int64_t org = 0;
    int rc = api_entity_org(db, w, &org);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "assessment_plan");
    if (api_check_version(db, w, "SELECT version FROM assess_plan WHERE id = ?", w->id, data, rep) != 0)
        return -1;
    rc = db_exec(db, NULL,
                 "UPDATE assess_plan SET name = COALESCE(?, name), updated_at = ?, version = version + 1 WHERE id = ?",
                 "tii", in.name, w->now, w->id);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "assessment.plan_updated", "assess_plan", w->id, org, json_incref(data));
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    return plan_answer(db, w->lang, w->id, 200, rep);
}

DEFER_BODY(plan_patch, plan_patch_write)

static int plan_delete_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    (void)data;
    int64_t org = 0, runs = 0;
    int rc = api_entity_org(db, w, &org);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "assessment_plan");
    rc = db_one_int(db, &runs, "SELECT COUNT(*) FROM assess_run WHERE plan_id = ?", "i", w->id);
    if (rc == DB_OK && runs)
        return api_fail(rep, w->lang, E_ASSESS_PLAN_HAS_RUNS, NULL);
    if (rc == DB_OK)
        rc = db_exec(db, NULL, "DELETE FROM assess_entry WHERE plan_id = ?", "i", w->id);
    /* Children first: the tree is at most NODES_MAX deep. */
    for (int pass = 0; rc == DB_OK && pass < NODES_MAX; pass++) {
        int64_t left = 0, changed = 0;
        rc = db_exec(db, &changed,
                     "DELETE FROM assess_indicator WHERE plan_id = ? AND NOT EXISTS (SELECT 1 FROM assess_indicator c"
                     " WHERE c.parent_id = assess_indicator.id)",
                     "i", w->id);
        if (rc == DB_OK)
            rc = db_one_int(db, &left, "SELECT COUNT(*) FROM assess_indicator WHERE plan_id = ?", "i", w->id);
        if (rc != DB_OK || left == 0 || changed == 0)
            break;
    }
    if (rc == DB_OK)
        rc = db_exec(db, NULL, "DELETE FROM assess_plan WHERE id = ?", "i", w->id);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "assessment.plan_deleted", "assess_plan", w->id, org, json_object());
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    rep->status = 204;
    return 0;
}

DEFER_BODY(plan_delete, plan_delete_write)

static const field_t plan_list_query[] = {
    {"org", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"year", F_INT, 0, 2000, 2100, NULL, 0},
    {"class", F_ENUM, 0, 0, 0, assess_classes, 0},
    FIELDS_END,
};

/* GET /api/v1/assessment-plans: plans issued at the node (?org=, else the caller's scope) and below. */
static int plan_list(api_req_t *req, api_reply_t *rep)
{
    api_list_t l;
    api_list_begin(&l, PLAN_COLUMNS, PLAN_FROM, "p.id", NULL);
    int64_t org = 0, year = 0;
    char lo[ACCESS_PATH_MAX], hi[ACCESS_PATH_MAX];
    api_query_int(req, "org", 0, 1, INT64_MAX, &org);
    api_query_int(req, "year", 0, 2000, 2100, &year);
    int rc = access_list_range(req->db, req->who, ASSESS_READ, org, lo, hi);
    if (rc != DB_OK) {
        api_list_end(&l);
        return api_db_error(rep, req->lang, rc, "org");
    }
    api_list_where(&l, "o.path >= ? AND o.path < ?", "tt", lo, hi);
    if (year)
        api_list_where(&l, "p.year = ?", "i", year);
    char *cls = api_query(req, "class");
    if (cls)
        api_list_where(&l, "p.class = ?", "t", cls);
    free(cls);
    return api_list_answer(req, rep, &l);
}

/* ---------------------------------------------------------------- the indicator tree */

typedef struct {
    uint64_t given;
    int64_t parent_id;
    const char *code;
    const char *name;
    const char *half;
    double max_points;
    double weight;
    const char *method;
    const char *source;
    const json_t *params;
    int64_t sort;
    int64_t version;
} ind_in_t;

#define IND_FIELDS(req)                                                                                                \
    IN(ind_in_t, code, F_TEXT, req, 1, 32, NULL), IN(ind_in_t, name, F_NAME, req, 1, 200, NULL),                      \
        IN(ind_in_t, max_points, F_NUMBER, req, 0, 1000, NULL), IN(ind_in_t, weight, F_NUMBER, F_NOT_NULL, 0, 100, NULL),      \
        IN(ind_in_t, method, F_ENUM, 0, 0, 0, assess_methods), IN(ind_in_t, source, F_TEXT, 0, 1, 64, NULL),          \
        IN(ind_in_t, params, F_JSON, F_NOT_NULL, 0, 2000, NULL), IN(ind_in_t, sort, F_INT, F_NOT_NULL, 0, 100000, NULL)

static const field_t ind_fields[] = {
    IN(ind_in_t, parent_id, F_INT, 0, 1, INT64_MAX, NULL),
    IN(ind_in_t, half, F_ENUM, 0, 0, 0, assess_halves),
    IND_FIELDS(1),
    FIELDS_END,
};

/* The fields of ind_patch_fields, in order (IND_FIELDS). */
enum { IP_CODE, IP_NAME, IP_MAX, IP_WEIGHT, IP_METHOD, IP_SOURCE, IP_PARAMS, IP_SORT };

static const field_t ind_patch_fields[] = {
    IND_FIELDS(F_NOT_NULL),
    IN(ind_in_t, version, F_INT, 1, 1, INT64_MAX, NULL),
    FIELDS_END,
};

static int num_param(const json_t *params, const char *key, double *out)
{
    const json_t *v = json_object_get(params, key);
    if (v == NULL)
        return 0;
    if (!json_is_number(v) || !isfinite(json_number_value(v)))
        return -1;
    *out = json_number_value(v);
    return 1;
}

/* A node's method and parameters into n (its max, half and weight set by the
 * caller): 0, or -1 when the parameters do not fit the method (unknown keys,
 * wrong types, assess_node_check). */
static int node_params(assess_node_t *n, const char *method, const json_t *params)
{
    static const char *const allowed[][4] = {
        {NULL}, {"at_least", "at_most", NULL}, {"target", "floor", NULL}, {"steps", "lower_is_better", NULL},
        {"per_event", NULL}, {"per", "cap", NULL}, {"effect", NULL},
    };
    int m = method ? name_index(assess_methods, method) + 1 : 0;
    n->method = (assess_method_t)m;
    if (params && !json_is_object(params))
        return -1;
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)params, key, v) {
        int ok = 0;
        for (int i = 0; allowed[m][i]; i++)
            ok |= strcmp(allowed[m][i], key) == 0;
        if (!ok)
            return -1;
    }
    int rc = 0;
    switch (n->method) {
    case ASSESS_PASS:
        n->has_at_least = num_param(params, "at_least", &n->at_least);
        n->has_at_most = num_param(params, "at_most", &n->at_most);
        rc = n->has_at_least < 0 || n->has_at_most < 0 ? -1 : 0;
        break;
    case ASSESS_RATIO:
        n->target = 1;
        rc = num_param(params, "target", &n->target) < 0 || num_param(params, "floor", &n->floor) < 0 ? -1 : 0;
        break;
    case ASSESS_RANK: {
        const json_t *steps = json_object_get(params, "steps"), *lib = json_object_get(params, "lower_is_better");
        if (lib && !json_is_boolean(lib))
            return -1;
        n->lower_is_better = json_is_true(lib);
        if (!json_is_array(steps) || json_array_size(steps) > ASSESS_STEPS_MAX)
            return -1;
        n->nsteps = (int)json_array_size(steps);
        for (int i = 0; i < n->nsteps; i++) {
            const json_t *s = json_array_get(steps, (size_t)i);
            if (!json_is_array(s) || json_array_size(s) != 2 || !json_is_number(json_array_get(s, 0)) ||
                !json_is_number(json_array_get(s, 1)))
                return -1;
            n->steps[i][0] = json_number_value(json_array_get(s, 0));
            n->steps[i][1] = json_number_value(json_array_get(s, 1));
        }
        break;
    }
    case ASSESS_DEDUCT:
        rc = num_param(params, "per_event", &n->per_event) == 1 ? 0 : -1;
        break;
    case ASSESS_BONUS:
        rc = num_param(params, "per", &n->per) == 1 && num_param(params, "cap", &n->cap) == 1 ? 0 : -1;
        break;
    case ASSESS_VETO: {
        const json_t *e = json_object_get(params, "effect");
        int ei = e ? name_index(veto_effects, json_string_value(e)) : ASSESS_DROP_GRADE;
        if (ei < 0)
            return -1;
        n->effect = ei;
        break;
    }
    case ASSESS_INNER:
        break;
    }
    return rc == 0 && assess_node_check(n) == NULL ? 0 : -1;
}

/* Check a node as it would be stored: 0, or -1 with rep set. */
static int node_valid(const char *lang, const char *half, double max, double weight, const char *method,
                      const char *source, const json_t *params, api_reply_t *rep)
{
    if ((method == NULL) != (source == NULL))
        return api_fail(rep, lang, E_ASSESS_METHOD_SOURCE, method ? "source" : "method");
    if (source && strcmp(source, "entered") != 0 && source_find(source) == NULL)
        return api_fail(rep, lang, E_ASSESS_SOURCE_UNKNOWN, "source");
    assess_node_t n = {.parent = -1, .half = name_index(assess_halves, half), .max_points = max, .weight = weight};
    if (node_params(&n, method, params) != 0)
        return api_fail(rep, lang, method == NULL || (max <= 0 && n.method != ASSESS_VETO) ? E_ASSESS_NODE_INVALID
                                                                                            : E_ASSESS_PARAMS_INVALID,
                        method == NULL || (max <= 0 && n.method != ASSESS_VETO) ? "max_points" : "params");
    return 0;
}

/* 0 if the plan's tree may change (no run of it published), else -1 with rep set. */
static int tree_open(db_t *db, const write_ctx_t *w, int64_t plan, api_reply_t *rep)
{
    int64_t published = 0;
    int rc = db_one_int(db, &published, "SELECT COUNT(*) FROM assess_run WHERE plan_id = ? AND state = 'published'",
                        "i", plan);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    return published ? api_fail(rep, w->lang, E_ASSESS_PUBLISHED, NULL) : 0;
}

#define IND_COLUMNS                                                                                                    \
    "SELECT id, plan_id, parent_id, code, name, half, max_points, weight, method, source, params, sort, version"
static void ind_finish(json_t *row)
{
    const char *t = json_string_value(json_object_get(row, "params"));
    json_t *p = t ? json_loads(t, 0, NULL) : NULL;
    json_object_set_new(row, "params", p ? p : json_object());
    json_t *mp = json_object_get(row, "max_points"), *wt = json_object_get(row, "weight");
    if (json_is_integer(mp))
        json_object_set_new(row, "max_points", json_real((double)json_integer_value(mp)));
    if (json_is_integer(wt))
        json_object_set_new(row, "weight", json_real((double)json_integer_value(wt)));
}

static int ind_answer(db_t *db, const char *lang, int64_t id, int status, api_reply_t *rep)
{
    json_t *r = db_row_one_json(db, IND_COLUMNS " FROM assess_indicator WHERE id = ?", "i", id);
    if (r == NULL)
        return api_db_error(rep, lang, DB_ERR, NULL);
    ind_finish(r);
    return api_json(rep, status, r);
}

/* The plan's tree in depth-first order (children by sort, id), each row with its depth. New array, or NULL. */
static json_t *tree_rows(db_t *db, int64_t plan)
{
    json_t *all = db_rows_json(db, IND_COLUMNS " FROM assess_indicator WHERE plan_id = ? ORDER BY sort, id", "i", plan);
    if (all == NULL)
        return NULL;
    size_t n = json_array_size(all);
    json_t *out = json_array();
    /* An explicit stack of (parent id, depth): the next child of the top. */
    int64_t stack_parent[NODES_MAX + 1];
    int depth = 0;
    stack_parent[0] = 0;
    char *used = xcalloc(n ? n : 1, 1);
    while (depth >= 0) {
        size_t i;
        json_t *r = NULL;
        for (i = 0; i < n; i++) {
            json_t *x = json_array_get(all, i);
            int64_t p = json_integer_value(json_object_get(x, "parent_id"));
            if (!used[i] && p == stack_parent[depth]) {
                r = x;
                break;
            }
        }
        if (r == NULL) {
            depth--;
            continue;
        }
        used[i] = 1;
        json_object_set_new(r, "depth", json_integer(depth));
        ind_finish(r);
        json_array_append(out, r);
        if (depth < NODES_MAX)
            stack_parent[++depth] = json_integer_value(json_object_get(r, "id"));
    }
    free(used);
    json_decref(all);
    return out;
}

/* GET /api/v1/assessment-plans/{id}/indicators */
static int ind_list(api_req_t *req, api_reply_t *rep)
{
    json_t *rows = tree_rows(req->db, req->params[0]);
    return rows ? api_json(rep, 200, json_pack("{s:o}", "items", rows)) : api_db_error(rep, req->lang, DB_ERR, NULL);
}

static int ind_create_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    ind_in_t in = {.weight = 1};
    api_input_fill(ind_fields, data, &in);
    int64_t org = 0, id = 0, count = 0, taken = 0;
    int rc = api_entity_org(db, w, &org);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "assessment_plan");
    if (tree_open(db, w, w->id, rep) != 0)
        return -1;
    char half[32] = "";
    if (in.parent_id) {
        char method[16] = "";
        int64_t plan = 0;
        rc = db_one_int(db, &plan, "SELECT plan_id FROM assess_indicator WHERE id = ?", "i", in.parent_id);
        if (rc == DB_OK)
            rc = db_one_text(db, method, sizeof method,
                             "SELECT COALESCE(method, '') FROM assess_indicator WHERE id = ?", "i", in.parent_id);
        if (rc == DB_OK)
            rc = db_one_text(db, half, sizeof half, "SELECT half FROM assess_indicator WHERE id = ?", "i", in.parent_id);
        if (rc == DB_NOTFOUND || (rc == DB_OK && (plan != w->id || method[0])))
            return api_fail(rep, w->lang, E_ASSESS_PARENT_INVALID, "parent_id");
        if (rc == DB_OK && in.half && strcmp(in.half, half) != 0)
            return api_fail(rep, w->lang, E_ASSESS_HALF_INHERITED, "half");
    } else if (in.half == NULL)
        return api_fail(rep, w->lang, E_ASSESS_HALF_REQUIRED, "half");
    else
        str_copy(half, sizeof half, in.half);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    if (node_valid(w->lang, half, in.max_points, in.weight, in.method, in.source, in.params, rep) != 0)
        return -1;
    rc = db_one_int(db, &count, "SELECT COUNT(*) FROM assess_indicator WHERE plan_id = ?", "i", w->id);
    if (rc == DB_OK && count >= NODES_MAX)
        return api_fail(rep, w->lang, E_ASSESS_TREE_FULL, NULL);
    if (rc == DB_OK)
        rc = db_one_int(db, &taken, "SELECT COUNT(*) FROM assess_indicator WHERE plan_id = ? AND code = ?", "it", w->id,
                        in.code);
    if (rc == DB_OK && taken)
        return api_fail(rep, w->lang, E_ASSESS_CODE_TAKEN, "code");
    char *params = in.params ? json_dumps(in.params, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    if (rc == DB_OK)
        rc = db_one_int(db, &id,
                        "INSERT INTO assess_indicator (plan_id, parent_id, code, name, half, max_points, weight, method,"
                        " source, params, sort, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                        " RETURNING id",
                        "iItttddtttiii", w->id, in.parent_id, in.code, in.name, half, in.max_points, in.weight,
                        in.method, in.source, params ? params : "{}", in.sort, w->now, w->now);
    free(params);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "assessment.indicator_created", "assess_plan", w->id, org, json_incref(data));
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    return ind_answer(db, w->lang, id, 201, rep);
}

DEFER_BODY(ind_create, ind_create_write)

static int ind_patch_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    ind_in_t in = {0};
    api_input_fill(ind_patch_fields, data, &in);
    int64_t org = 0, plan = 0, children = 0, taken = 0;
    int rc = api_entity_org(db, w, &org);
    if (rc == DB_OK)
        rc = db_one_int(db, &plan, "SELECT plan_id FROM assess_indicator WHERE id = ?", "i", w->id);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "assessment_indicator");
    if (tree_open(db, w, plan, rep) != 0)
        return -1;
    if (api_check_version(db, w, "SELECT version FROM assess_indicator WHERE id = ?", w->id, data, rep) != 0)
        return -1;
    /* The node as it would be. */
    json_t *now = db_row_one_json(db, IND_COLUMNS " FROM assess_indicator WHERE id = ?", "i", w->id);
    if (now == NULL)
        return api_db_error(rep, w->lang, DB_ERR, NULL);
    uint64_t sent = IN_SENT(&in); /* method and source may be sent as null: an inner node now */
    json_t *old_params = json_loads(json_string_value(json_object_get(now, "params")), 0, NULL);
    const char *m = (sent >> IP_METHOD) & 1 ? in.method : json_string_value(json_object_get(now, "method"));
    const char *s = (sent >> IP_SOURCE) & 1 ? in.source : json_string_value(json_object_get(now, "source"));
    double max = IN_GIVEN(&in, ind_patch_fields, IP_MAX) ? in.max_points
                                                          : json_number_value(json_object_get(now, "max_points"));
    double weight = IN_GIVEN(&in, ind_patch_fields, IP_WEIGHT) ? in.weight
                                                                : json_number_value(json_object_get(now, "weight"));
    json_t *none = json_object();
    const json_t *p = IN_GIVEN(&in, ind_patch_fields, IP_PARAMS) ? in.params : m ? old_params : none;
    int bad = node_valid(w->lang, json_string_value(json_object_get(now, "half")), max, weight, m, s, p, rep);
    json_decref(now);
    if (!bad && m) {
        rc = db_one_int(db, &children, "SELECT COUNT(*) FROM assess_indicator WHERE parent_id = ?", "i", w->id);
        if (rc == DB_OK && children)
            bad = api_fail(rep, w->lang, E_ASSESS_PARENT_INVALID, "method");
    }
    if (!bad && in.code && rc == DB_OK) {
        rc = db_one_int(db, &taken, "SELECT COUNT(*) FROM assess_indicator WHERE plan_id = ? AND code = ? AND id <> ?",
                        "iti", plan, in.code, w->id);
        if (rc == DB_OK && taken)
            bad = api_fail(rep, w->lang, E_ASSESS_CODE_TAKEN, "code");
    }
    char *ptext = !bad && p ? json_dumps(p, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(old_params);
    json_decref(none);
    if (bad) {
        free(ptext);
        return -1;
    }
    if (rc == DB_OK)
        rc = db_exec(db, NULL,
                     "UPDATE assess_indicator SET code = COALESCE(?, code), name = COALESCE(?, name), max_points = ?,"
                     " weight = ?, method = ?, source = ?, params = ?, sort = CASE WHEN ? = 1 THEN ? ELSE sort END,"
                     " updated_at = ?, version = version + 1 WHERE id = ?",
                     "ttddtttiiii", in.code, in.name, max, weight, m, s, ptext ? ptext : "{}",
                     (int64_t)IN_GIVEN(&in, ind_patch_fields, IP_SORT), in.sort, w->now, w->id);
    free(ptext);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "assessment.indicator_updated", "assess_indicator", w->id, org, json_incref(data));
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    return ind_answer(db, w->lang, w->id, 200, rep);
}

DEFER_BODY(ind_patch, ind_patch_write)

static int ind_delete_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    (void)data;
    int64_t org = 0, plan = 0, children = 0;
    int rc = api_entity_org(db, w, &org);
    if (rc == DB_OK)
        rc = db_one_int(db, &plan, "SELECT plan_id FROM assess_indicator WHERE id = ?", "i", w->id);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "assessment_indicator");
    if (tree_open(db, w, plan, rep) != 0)
        return -1;
    rc = db_one_int(db, &children, "SELECT COUNT(*) FROM assess_indicator WHERE parent_id = ?", "i", w->id);
    if (rc == DB_OK && children)
        return api_fail(rep, w->lang, E_ASSESS_INDICATOR_NOT_EMPTY, NULL);
    if (rc == DB_OK)
        rc = db_exec(db, NULL, "DELETE FROM assess_entry WHERE indicator_id = ?", "i", w->id);
    if (rc == DB_OK)
        rc = db_exec(db, NULL, "DELETE FROM assess_indicator WHERE id = ?", "i", w->id);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "assessment.indicator_deleted", "assess_indicator", w->id, org,
                              json_pack("{s:I}", "plan_id", (json_int_t)plan));
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    rep->status = 204;
    return 0;
}

DEFER_BODY(ind_delete, ind_delete_write)

/* ---------------------------------------------------------------- entered values */

typedef struct {
    uint64_t given;
    int64_t indicator_id;
    int64_t org_id;
    double value;
    const char *evidence;
} entry_in_t;

static const field_t entry_fields[] = {
    IN(entry_in_t, indicator_id, F_INT, 1, 1, INT64_MAX, NULL),
    IN(entry_in_t, org_id, F_INT, 1, 1, INT64_MAX, NULL),
    IN(entry_in_t, value, F_NUMBER, 1, -1000000000, 1000000000, NULL),
    IN(entry_in_t, evidence, F_BLOCK, 1, 2, 1000, NULL),
    FIELDS_END,
};

static int entry_put_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    entry_in_t in = {0};
    api_input_fill(entry_fields, data, &in);
    plan_at_t p;
    int64_t org = 0, plan = 0;
    char source[64] = "";
    int rc = api_entity_org(db, w, &org);
    if (rc == DB_OK)
        rc = plan_load(db, w->id, &p);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "assessment_plan");
    rc = db_one_int(db, &plan, "SELECT plan_id FROM assess_indicator WHERE id = ?", "i", in.indicator_id);
    if (rc == DB_OK)
        rc = db_one_text(db, source, sizeof source, "SELECT COALESCE(source, '') FROM assess_indicator WHERE id = ?",
                         "i", in.indicator_id);
    if (rc == DB_NOTFOUND || (rc == DB_OK && (plan != w->id || strcmp(source, "entered") != 0)))
        return api_fail(rep, w->lang, E_ASSESS_NOT_ENTERED, "indicator_id");
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    rc = plan_has_unit(db, &p, in.org_id);
    if (rc == 0)
        return api_fail(rep, w->lang, E_ASSESS_NOT_A_UNIT, "org_id");
    rc = rc == 1 ? db_exec(db, NULL, "DELETE FROM assess_entry WHERE indicator_id = ? AND org_id = ?", "ii",
                           in.indicator_id, in.org_id)
                 : rc;
    if (rc == DB_OK)
        rc = db_exec(db, NULL,
                     "INSERT INTO assess_entry (indicator_id, org_id, plan_id, value, evidence, entered_by, entered_at)"
                     " VALUES (?, ?, ?, ?, ?, ?, ?)",
                     "iiidtIi", in.indicator_id, in.org_id, w->id, in.value, in.evidence, w->who.user_id, w->now);
    /* The evidence is the scoring department's text: the summary says it came, not what it says. */
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "assessment.entry_set", "assess_plan", w->id, org,
                              json_pack("{s:I, s:I, s:f, s:b}", "indicator_id", (json_int_t)in.indicator_id, "org_id",
                                        (json_int_t)in.org_id, "value", in.value, "evidence", 1));
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    json_t *e = db_row_one_json(db,
                                "SELECT e.id, e.indicator_id, e.org_id, o.name AS org_name, e.value, e.evidence, e.entered_by,"
                                " e.entered_at FROM assess_entry e JOIN org o ON o.id = e.org_id"
                                " WHERE e.indicator_id = ? AND e.org_id = ?",
                                "ii", in.indicator_id, in.org_id);
    return e ? api_json(rep, 200, e) : api_db_error(rep, w->lang, DB_ERR, NULL);
}

DEFER_BODY(entry_put, entry_put_write)

static const field_t entry_query[] = {
    {"indicator", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"org", F_INT, 0, 1, INT64_MAX, NULL, 0},
    FIELDS_END,
};

static void entry_row(json_t *row, void *ctx)
{
    (void)ctx;
    json_t *v = json_object_get(row, "value");
    if (json_is_integer(v))
        json_object_set_new(row, "value", json_real((double)json_integer_value(v)));
}

/* GET /api/v1/assessment-plans/{id}/entries */
static int entry_list(api_req_t *req, api_reply_t *rep)
{
    api_list_t l;
    api_list_begin(&l,
                   "SELECT e.id, e.indicator_id, e.org_id, o.name AS org_name, e.value, e.evidence, e.entered_by,"
                   " e.entered_at",
                   "FROM assess_entry e JOIN org o ON o.id = e.org_id", "e.id", NULL);
    l.row = entry_row;
    api_list_where(&l, "e.plan_id = ?", "i", req->params[0]);
    int64_t v = 0;
    if (api_query_int(req, "indicator", 0, 1, INT64_MAX, &v) == 0 && v)
        api_list_where(&l, "e.indicator_id = ?", "i", v);
    v = 0;
    if (api_query_int(req, "org", 0, 1, INT64_MAX, &v) == 0 && v)
        api_list_where(&l, "e.org_id = ?", "i", v);
    return api_list_answer(req, rep, &l);
}

/* ---------------------------------------------------------------- runs: the computation */

/* Everything a run is computed from and what it computes. */
typedef struct run_data {
    int N, M;
    json_t *tree;          /* tree_rows */
    assess_node_t *nodes;
    int64_t *node_ids;
    const source_t **src;  /* per node: its record source, or NULL */
    int *entered;          /* per node: 1 if entered */
    int64_t *units;        /* sorted ids */
    double *measure, *adjusted, *computed, *points;
    unsigned char *state;
    json_t **numbers;      /* per unit and node, or NULL */
    assess_unit_t *res;
    double weights[2], bonus_cap, band_min[8];
    int nbands;
    char band_grade[8][16];
} run_data_t;

static void run_data_free(run_data_t *d)
{
    if (d->numbers)
        for (size_t i = 0; i < (size_t)d->N * d->M; i++)
            json_decref(d->numbers[i]);
    free(d->numbers);
    json_decref(d->tree);
    free(d->nodes);
    free(d->node_ids);
    free(d->src);
    free(d->entered);
    free(d->units);
    free(d->measure);
    free(d->adjusted);
    free(d->computed);
    free(d->points);
    free(d->state);
    free(d->res);
    memset(d, 0, sizeof *d);
}

static int unit_index(const run_data_t *d, int64_t id)
{
    int lo = 0, hi = d->M;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (d->units[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < d->M && d->units[lo] == id ? lo : -1;
}

/* The tree (a tree_rows array, taken) into d's nodes: DB_OK, or DB_ERR if malformed. */
static int run_tree(run_data_t *d, json_t *tree)
{
    d->tree = tree;
    d->N = (int)json_array_size(tree);
    d->nodes = xcalloc((size_t)d->N + 1, sizeof *d->nodes);
    d->node_ids = xcalloc((size_t)d->N + 1, sizeof *d->node_ids);
    d->src = xcalloc((size_t)d->N + 1, sizeof *d->src);
    d->entered = xcalloc((size_t)d->N + 1, sizeof *d->entered);
    for (int i = 0; i < d->N; i++) {
        json_t *r = json_array_get(tree, (size_t)i);
        assess_node_t *n = &d->nodes[i];
        d->node_ids[i] = json_integer_value(json_object_get(r, "id"));
        int64_t parent = json_integer_value(json_object_get(r, "parent_id"));
        n->parent = -1;
        for (int j = 0; parent && j < i; j++)
            if (d->node_ids[j] == parent)
                n->parent = j;
        n->half = name_index(assess_halves, json_string_value(json_object_get(r, "half")));
        n->max_points = json_number_value(json_object_get(r, "max_points"));
        n->weight = json_number_value(json_object_get(r, "weight"));
        const char *method = json_string_value(json_object_get(r, "method"));
        const char *source = json_string_value(json_object_get(r, "source"));
        if (node_params(n, method, json_object_get(r, "params")) != 0)
            return DB_ERR;
        d->src[i] = source_find(source);
        d->entered[i] = source && strcmp(source, "entered") == 0;
    }
    return DB_OK;
}

/* The norms of the plan's org and year: DB_OK, DB_NOTFOUND (weights or bands missing), or an error. */
static int run_norms(db_t *db, const plan_at_t *p, run_data_t *d)
{
    json_t *weights = NULL, *bands = NULL, *cap = NULL;
    int rc = norm_get(db, "assessment.weights", p->org, (int)p->year, &weights);
    if (rc == DB_OK)
        rc = norm_get(db, "assessment.grade_bands", p->org, (int)p->year, &bands);
    if (rc == DB_OK) {
        d->weights[0] = json_number_value(json_object_get(weights, "party_building"));
        d->weights[1] = json_number_value(json_object_get(weights, "development"));
        size_t i;
        json_t *b;
        json_array_foreach(bands, i, b) {
            if (i >= 8)
                break;
            d->band_min[i] = json_number_value(json_object_get(b, "min"));
            str_copy(d->band_grade[i], sizeof d->band_grade[i], json_string_value(json_object_get(b, "grade")));
            d->nbands = (int)i + 1;
        }
        int crc = norm_get(db, "assessment.bonus_cap", p->org, (int)p->year, &cap);
        d->bonus_cap = crc == DB_OK ? json_number_value(cap) : -1;
        if (crc != DB_OK && crc != DB_NOTFOUND)
            rc = crc;
    }
    json_decref(weights);
    json_decref(bands);
    json_decref(cap);
    return rc;
}

static void alloc_scores(run_data_t *d)
{
    size_t n = (size_t)d->N * (size_t)d->M + 1;
    d->measure = xcalloc(n, sizeof(double));
    d->adjusted = xcalloc(n, sizeof(double));
    d->computed = xcalloc(n, sizeof(double));
    d->points = xcalloc(n, sizeof(double));
    d->state = xcalloc(n, 1);
    d->numbers = xcalloc(n, sizeof(json_t *));
    d->res = xcalloc((size_t)d->M + 1, sizeof *d->res);
    for (size_t i = 0; i < n; i++)
        d->adjusted[i] = NAN;
}

/* Days since 1970-01-01 of January 1st of year (the Shanghai day numbers of case_day). */
static int64_t day_number(int64_t year)
{
    char date[32];
    int64_t t = 0;
    snprintf(date, sizeof date, "%04lld-01-01", (long long)year);
    time_parse_rfc3339(date, &t);
    return t / 86400;
}

/* One source's measure from a query row's numbers into d at (unit, node). */
static void source_measure(run_data_t *d, const source_t *s, size_t at, int64_t a, int64_t b, const char *counted,
                           const char *grade)
{
    json_t *nums = json_object();
    double v = 0;
    int st = ASSESS_M_VALUE;
    switch (s->kind) {
    case M_RATE:
    case M_PER:
    case M_PER100:
        if (b > 0)
            v = (double)a / (double)b * (s->kind == M_PER100 ? 100 : 1);
        else
            st = ASSESS_M_NA;
        break;
    case M_COUNT:
        v = (double)a;
        break;
    case M_REVIEW_POINTS:
    case M_REVIEW_SAT:
    case M_REVIEW_GRADE: {
        json_t *c = counted ? json_loads(counted, 0, NULL) : NULL;
        json_t *pts = json_object_get(c, "points"), *sat = json_object_get(c, "satisfaction");
        if (c) {
            json_object_set(nums, "points", pts ? pts : json_null());
            json_object_set(nums, "satisfaction", sat ? sat : json_null());
            json_object_set(nums, "known", json_object_get(c, "known") ? json_object_get(c, "known") : json_null());
        }
        json_object_set_new(nums, "grade", grade ? json_string(grade) : json_null());
        if (s->kind == M_REVIEW_GRADE) {
            v = grade && strcmp(grade, s->grade) == 0;
        } else {
            const json_t *x = s->kind == M_REVIEW_POINTS ? pts : sat;
            if (json_is_number(x))
                v = json_number_value(x) / (s->kind == M_REVIEW_SAT ? 100 : 1);
            else
                st = ASSESS_M_NA;
        }
        json_decref(c);
        break;
    }
    }
    if (s->kind < M_REVIEW_POINTS) {
        json_object_set_new(nums, s->na, json_integer(a));
        if (s->nb)
            json_object_set_new(nums, s->nb, json_integer(b));
    }
    d->measure[at] = v;
    d->state[at] = (unsigned char)st;
    json_decref(d->numbers[at]);
    d->numbers[at] = nums;
}

/* Which unit each node of the plan's subtree belongs to (the unit itself, the
 * nodes below it), sorted by node id: built once per run from the paths. */
typedef struct node_unit {
    int64_t node;
    int unit; /* index into run_data_t.units */
} node_unit_t;

static int node_unit_cmp(const void *a, const void *b)
{
    int64_t x = ((const node_unit_t *)a)->node, y = ((const node_unit_t *)b)->node;
    return x < y ? -1 : x > y;
}

static int node_units(db_t *db, const plan_at_t *p, const run_data_t *d, node_unit_t **out, size_t *n)
{
    db_stmt_t *st = db_q(db, "SELECT id, path FROM org WHERE path >= ? AND path < ? ORDER BY path", "tt", p->path,
                         p->upper);
    if (st == NULL)
        return DB_ERR;
    size_t cap = 1024, k = 0;
    node_unit_t *map = xcalloc(cap, sizeof *map);
    char upper[ACCESS_PATH_MAX] = "";
    int current = -1, rc;
    while ((rc = db_step(st)) == DB_ROW) {
        int64_t id = db_col_int(st, 0);
        const char *path = db_col_text(st, 1);
        int u = unit_index(d, id);
        if (u >= 0) {
            current = u;
            path_subtree_upper(upper, sizeof upper, path);
        } else if (current >= 0 && strcmp(path, upper) >= 0)
            current = -1;
        if (current < 0)
            continue;
        if (k == cap)
            map = xrealloc(map, (cap *= 2) * sizeof *map);
        map[k++] = (node_unit_t){id, current};
    }
    db_done(st);
    qsort(map, k, sizeof *map, node_unit_cmp);
    *out = map;
    *n = k;
    return rc == DB_DONE ? DB_OK : rc;
}

static int node_unit_of(const node_unit_t *map, size_t n, int64_t node)
{
    node_unit_t key = {node, 0};
    const node_unit_t *hit = map ? bsearch(&key, map, n, sizeof *map, node_unit_cmp) : NULL;
    return hit ? hit->unit : -1;
}

/* 1 if source s is grouped by the record's node over the issuer's subtree (its
 * parameters take L), 0 if by unit through UNITS_CTE. */
static int by_record_node(const source_t *s)
{
    return strchr(s->params, 'L') != NULL;
}

/* Run one source's grouped query and set the measure of every node reading
 * it for every unit: a source over the units (its rows one per unit), or over
 * the nodes of the plan's subtree (params starting with L: its rows one per
 * node, added up per unit through map). */
static int source_run(db_t *db, const plan_at_t *p, run_data_t *d, const source_t *s, const char *cutoff,
                      int64_t cutoff_at, const node_unit_t *map, size_t nmap)
{
    const char *level, *k1, *k2;
    int any, by_node = by_record_node(s);
    class_filter(p->cls, &level, &any, &k1, &k2);
    db_val_t v[16];
    int n = 0;
    if (!by_node) {
        v[n++] = (db_val_t){.type = 't', .s = p->path};
        v[n++] = (db_val_t){.type = 't', .s = p->upper};
        v[n++] = (db_val_t){.type = 't', .s = level};
        v[n++] = (db_val_t){.type = 'i', .i = any};
        v[n++] = (db_val_t){.type = 't', .s = k1};
        v[n++] = (db_val_t){.type = 't', .s = k2};
    }
    int64_t y = p->year, d0 = day_number(y), d1 = day_number(y + 1);
    for (const char *c = s->params; *c && n < 16; c++) {
        switch (*c) {
        case 'L': v[n++] = (db_val_t){.type = 't', .s = p->path}; break;
        case 'H': v[n++] = (db_val_t){.type = 't', .s = p->upper}; break;
        case 'D': v[n++] = (db_val_t){.type = 'i', .i = d0}; break;
        case 'E': v[n++] = (db_val_t){.type = 'i', .i = d1}; break;
        case 'S': v[n++] = (db_val_t){.type = 'i', .i = d0 * 86400 - 28800}; break;
        case 'T': v[n++] = (db_val_t){.type = 'i', .i = d1 * 86400 - 28800}; break;
        case 'Y': v[n++] = (db_val_t){.type = 'i', .i = y}; break;
        case 'C': v[n++] = (db_val_t){.type = 't', .s = cutoff}; break;
        case 'N': v[n++] = (db_val_t){.type = 'i', .i = cutoff_at}; break;
        }
    }
    char sql[4096];
    snprintf(sql, sizeof sql, "%s%s", by_node ? "" : UNITS_CTE, s->sql);
    int64_t *sums = xcalloc((size_t)d->M * 2 + 2, sizeof(int64_t));
    char **counted = xcalloc((size_t)d->M + 1, sizeof(char *)), **grade = xcalloc((size_t)d->M + 1, sizeof(char *));
    /* The cases' kept figures include the changes the writer still holds. */
    db_stmt_t *st = strstr(s->sql, "case_day") && casework_batch_settle(db) != DB_OK ? NULL : db_qv(db, sql, v, n);
    int rc = st ? DB_OK : DB_ERR;
    while (st && (rc = db_step(st)) == DB_ROW) {
        int64_t id = db_col_int(st, 0);
        int u = by_node ? node_unit_of(map, nmap, id) : unit_index(d, id);
        if (u < 0)
            continue;
        sums[2 * u] += db_col_int(st, 1);
        sums[2 * u + 1] += db_col_int(st, 2);
        if (db_col_count(st) > 4) {
            const char *t = db_col_text(st, 3), *g = db_col_text(st, 4);
            counted[u] = t ? xstrdup(t) : NULL;
            grade[u] = g ? xstrdup(g) : NULL;
        }
    }
    if (st) {
        db_done(st);
        rc = rc == DB_DONE ? DB_OK : rc;
    }
    for (int u = 0; u < d->M; u++) {
        for (int i = 0; rc == DB_OK && i < d->N; i++)
            if (d->src[i] == s)
                source_measure(d, s, (size_t)u * d->N + i, sums[2 * u], sums[2 * u + 1], counted[u], grade[u]);
        free(counted[u]);
        free(grade[u]);
    }
    free(sums);
    free(counted);
    free(grade);
    return rc;
}

/* Read every unit's measures: the record sources (each once), the entered values. */
static int run_measures(db_t *db, const plan_at_t *p, run_data_t *d, int64_t now)
{
    char cutoff[16];
    snprintf(cutoff, sizeof cutoff, "%04lld-12-31", (long long)p->year);
    char today[16];
    date_today(today);
    int64_t cutoff_at = day_number(p->year + 1) * 86400 - 28800;
    if (strcmp(today, cutoff) < 0)
        str_copy(cutoff, sizeof cutoff, today);
    if (now < cutoff_at)
        cutoff_at = now;
    int rc = DB_OK;
    node_unit_t *map = NULL;
    size_t nmap = 0;
    for (size_t k = 0; rc == DB_OK && k < NSOURCES; k++) {
        int used = 0;
        for (int i = 0; i < d->N; i++)
            used |= d->src[i] == &sources[k];
        if (used && map == NULL && by_record_node(&sources[k]))
            rc = node_units(db, p, d, &map, &nmap);
        if (used && rc == DB_OK)
            rc = source_run(db, p, d, &sources[k], cutoff, cutoff_at, map, nmap);
    }
    free(map);
    for (int i = 0; i < d->N; i++)
        if (d->entered[i])
            for (int u = 0; u < d->M; u++)
                d->state[(size_t)u * d->N + i] = ASSESS_M_NONE;
    db_stmt_t *st = rc == DB_OK ? db_q(db, "SELECT indicator_id, org_id, value FROM assess_entry WHERE plan_id = ?",
                                       "i", p->id)
                                : NULL;
    if (rc == DB_OK && st == NULL)
        rc = DB_ERR;
    while (st && (rc = db_step(st)) == DB_ROW) {
        int u = unit_index(d, db_col_int(st, 1));
        int64_t ind = db_col_int(st, 0);
        for (int i = 0; u >= 0 && i < d->N; i++)
            if (d->node_ids[i] == ind && d->entered[i]) {
                size_t at = (size_t)u * d->N + i;
                d->measure[at] = col_double(st, 2);
                d->state[at] = ASSESS_M_VALUE;
            }
    }
    if (st) {
        db_done(st);
        rc = rc == DB_DONE ? DB_OK : rc;
    }
    return rc;
}

static int run_score(run_data_t *d)
{
    assess_input_t in = {.nnodes = d->N, .nunits = d->M, .nodes = d->nodes, .measure = d->measure,
                         .state = d->state, .adjusted = d->adjusted, .weights = {d->weights[0], d->weights[1]},
                         .bonus_cap = d->bonus_cap, .nbands = d->nbands, .band_min = d->band_min};
    return assess_compute(&in, d->computed, d->points, d->res) == 0 ? DB_OK : DB_ERR;
}

static int64_t hundredths(double x)
{
    return (int64_t)llround(x * 100);
}

static const char *grade_of(const run_data_t *d, int g)
{
    return g >= 0 && g < d->nbands ? d->band_grade[g] : NULL;
}

/* Store the results of every unit (insert: a new run; else update them). */
static int run_store_results(db_t *db, int64_t run, const run_data_t *d, int insert)
{
    int rc = DB_OK;
    for (int u = 0; rc == DB_OK && u < d->M; u++) {
        const assess_unit_t *r = &d->res[u];
        if (insert)
            rc = db_exec(db, NULL,
                         "INSERT INTO assess_result (run_id, org_id, party_building, development, bonus, total, rank,"
                         " grade, vetoed, barred) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         "iiiiiiitii", run, d->units[u], hundredths(r->half[0]), hundredths(r->half[1]),
                         hundredths(r->bonus), hundredths(r->total), (int64_t)r->rank, grade_of(d, r->grade),
                         (int64_t)r->vetoed, (int64_t)r->barred);
        else
            rc = db_exec(db, NULL,
                         "UPDATE assess_result SET party_building = ?, development = ?, bonus = ?, total = ?, rank = ?,"
                         " grade = ?, vetoed = ?, barred = ? WHERE run_id = ? AND org_id = ?",
                         "iiiiitiiii", hundredths(r->half[0]), hundredths(r->half[1]), hundredths(r->bonus),
                         hundredths(r->total), (int64_t)r->rank, grade_of(d, r->grade), (int64_t)r->vetoed,
                         (int64_t)r->barred, run, d->units[u]);
    }
    return rc;
}

/* The units of the plan (sorted ids) into d. */
static int run_units(db_t *db, const plan_at_t *p, run_data_t *d)
{
    const char *level, *k1, *k2;
    int any;
    class_filter(p->cls, &level, &any, &k1, &k2);
    json_t *rows = db_rows_json(db,
                                "SELECT id FROM org WHERE path >= ? AND path < ? AND level = ?"
                                " AND (? = 1 OR kind = ? OR kind = ?) ORDER BY id",
                                "tttitt", p->path, p->upper, level, (int64_t)any, k1, k2);
    if (rows == NULL)
        return DB_ERR;
    d->M = (int)json_array_size(rows);
    d->units = xcalloc((size_t)d->M + 1, sizeof(int64_t));
    for (int u = 0; u < d->M; u++)
        d->units[u] = json_integer_value(json_object_get(json_array_get(rows, (size_t)u), "id"));
    json_decref(rows);
    return DB_OK;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

#define RUN_COLUMNS                                                                                                    \
    "SELECT r.id, r.plan_id, r.version, r.state, r.computed_at, r.computed_by, r.published_at, r.published_by,"       \
    " r.unit_count, r.ms"
#define RUN_FROM " FROM assess_run r"

static int run_answer(db_t *db, const char *lang, int64_t id, int status, api_reply_t *rep)
{
    json_t *r = db_row_one_json(db, RUN_COLUMNS RUN_FROM " WHERE r.id = ?", "i", id);
    return r ? api_json(rep, status, r) : api_db_error(rep, lang, DB_ERR, NULL);
}

/* Compute a new run of plan: DB_OK with *run, DB_NOTFOUND for a missing norm
 * (*why: E_ASSESS_NORM_MISSING) or an empty tree (E_ASSESS_TREE_EMPTY), or an error. */
int assess_run_compute(db_t *db, const write_ctx_t *w, int64_t plan, int64_t *run, err_t *why);
int assess_run_compute(db_t *db, const write_ctx_t *w, int64_t plan, int64_t *run, err_t *why)
{
    double t0 = now_ms();
    plan_at_t p;
    run_data_t d = {0};
    int rc = plan_load(db, plan, &p);
    json_t *tree = rc == DB_OK ? tree_rows(db, plan) : NULL;
    if (rc == DB_OK && tree == NULL)
        rc = DB_ERR;
    if (rc == DB_OK && json_array_size(tree) == 0) {
        *why = E_ASSESS_TREE_EMPTY;
        json_decref(tree);
        return DB_NOTFOUND;
    }
    if (rc == DB_OK)
        rc = run_tree(&d, tree);
    if (rc == DB_OK) {
        rc = run_norms(db, &p, &d);
        if (rc == DB_NOTFOUND)
            *why = E_ASSESS_NORM_MISSING;
    }
    if (rc == DB_OK)
        rc = run_units(db, &p, &d);
    if (rc == DB_OK) {
        alloc_scores(&d);
        rc = run_measures(db, &p, &d, w->now);
    }
    if (rc == DB_OK)
        rc = run_score(&d);
    int64_t version = 0, id = 0;
    if (rc == DB_OK)
        rc = db_one_int(db, &version, "SELECT COALESCE(MAX(version), 0) + 1 FROM assess_run WHERE plan_id = ?", "i",
                        plan);
    char *tree_text = rc == DB_OK ? json_dumps(d.tree, JSON_COMPACT) : NULL;
    if (rc == DB_OK)
        rc = db_one_int(db, &id,
                        "INSERT INTO assess_run (plan_id, version, tree, unit_count, ms, computed_at, computed_by)"
                        " VALUES (?, ?, ?, ?, 0, ?, ?) RETURNING id",
                        "iitiiI", plan, version, tree_text, (int64_t)d.M, w->now, w->who.user_id);
    free(tree_text);
    if (rc == DB_OK)
        rc = run_store_results(db, id, &d, 1);
    for (int u = 0; rc == DB_OK && u < d.M; u++)
        for (int i = 0; rc == DB_OK && i < d.N; i++) {
            size_t at = (size_t)u * d.N + i;
            int leaf = d.nodes[i].method != ASSESS_INNER;
            char *nums = d.numbers[at] ? json_dumps(d.numbers[at], JSON_COMPACT) : NULL;
            db_val_t v[7] = {{.type = 'i', .i = id}, {.type = 'i', .i = d.units[u]}, {.type = 'i', .i = d.node_ids[i]},
                             {.type = 'i', .i = leaf ? d.state[at] : 0}, {.type = 'n'}, {.type = nums ? 't' : 'n', .s = nums},
                             {.type = 'i', .i = hundredths(d.computed[at])}};
            if (leaf && d.state[at] == ASSESS_M_VALUE)
                v[4] = (db_val_t){.type = 'd', .d = d.measure[at]};
            rc = db_execv(db, NULL,
                          "INSERT INTO assess_score (run_id, org_id, indicator_id, state, measure, numbers, computed)"
                          " VALUES (?, ?, ?, ?, ?, ?, ?)",
                          v, 7);
            free(nums);
        }
    int64_t ms = (int64_t)(now_ms() - t0);
    if (rc == DB_OK)
        rc = db_exec(db, NULL, "UPDATE assess_run SET ms = ? WHERE id = ?", "ii", ms, id);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "assessment.run_computed", "assess_run", id, p.org,
                              json_pack("{s:I, s:I, s:I}", "plan_id", (json_int_t)plan, "version", (json_int_t)version,
                                        "units", (json_int_t)d.M));
    run_data_free(&d);
    *run = id;
    return rc;
}

static int run_create_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    (void)data;
    int64_t org = 0, run = 0;
    err_t why = E_ASSESS_TREE_EMPTY;
    int rc = api_entity_org(db, w, &org);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "assessment_plan");
    rc = assess_run_compute(db, w, w->id, &run, &why);
    if (rc == DB_NOTFOUND)
        return api_fail(rep, w->lang, why, NULL);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    return run_answer(db, w->lang, run, 201, rep);
}

DEFER_BODY(run_create, run_create_write)

static const field_t run_list_query[] = {
    {"state", F_ENUM, 0, 0, 0, assess_run_states, 0},
    FIELDS_END,
};

/* GET /api/v1/assessment-plans/{id}/runs: newest first. */
static int run_list(api_req_t *req, api_reply_t *rep)
{
    api_list_t l;
    api_list_begin(&l, RUN_COLUMNS, RUN_FROM, "r.id", NULL);
    l.newest_first = 1;
    api_list_where(&l, "r.plan_id = ?", "i", req->params[0]);
    char *state = api_query(req, "state");
    if (state)
        api_list_where(&l, "r.state = ?", "t", state);
    free(state);
    return api_list_answer(req, rep, &l);
}

static int run_get(api_req_t *req, api_reply_t *rep)
{
    return run_answer(req->db, req->lang, req->params[0], 200, rep);
}

/* POST /api/v1/assessment-runs/{id}/publish: this run becomes the plan's
 * published one (the one before it superseded), frozen. */
static int run_publish_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    (void)data;
    int64_t org = 0;
    plan_at_t p;
    char state[16] = "";
    int rc = api_entity_org(db, w, &org);
    if (rc == DB_OK)
        rc = run_plan(db, w->id, &p, state, sizeof state);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "assessment_run");
    if (strcmp(state, "published") == 0)
        return api_fail(rep, w->lang, E_ASSESS_RUN_PUBLISHED, NULL);
    rc = db_exec(db, NULL, "UPDATE assess_run SET state = 'superseded' WHERE plan_id = ? AND state = 'published'", "i",
                 p.id);
    if (rc == DB_OK)
        rc = db_exec(db, NULL,
                     "UPDATE assess_run SET state = 'published', published_at = ?, published_by = ? WHERE id = ?",
                     "iIi", w->now, w->who.user_id, w->id);
    if (rc == DB_OK)
        rc = db_exec(db, NULL,
                     "UPDATE assess_plan SET published_run_id = ?, updated_at = ?, version = version + 1 WHERE id = ?",
                     "iii", w->id, w->now, p.id);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "assessment.run_published", "assess_run", w->id, org,
                              json_pack("{s:I}", "plan_id", (json_int_t)p.id));
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    return run_answer(db, w->lang, w->id, 200, rep);
}

DEFER_BODY(run_publish, run_publish_write)

/* ---------------------------------------------------------------- adjustments */

typedef struct {
    uint64_t given;
    int64_t org_id;
    int64_t indicator_id;
    double points;
    const char *reason;
} adjust_in_t;

static const field_t adjust_fields[] = {
    IN(adjust_in_t, org_id, F_INT, 1, 1, INT64_MAX, NULL),
    IN(adjust_in_t, indicator_id, F_INT, 1, 1, INT64_MAX, NULL),
    IN(adjust_in_t, points, F_NUMBER, F_NOT_NULL, 0, 1000, NULL),
    IN(adjust_in_t, reason, F_BLOCK, 1, 1, 200, NULL),
    FIELDS_END,
};

/* The copy of the tree a run was computed with (new), or NULL. */
static json_t *run_tree_copy(db_t *db, int64_t run)
{
    char *text = NULL;
    db_stmt_t *st = db_q(db, "SELECT tree FROM assess_run WHERE id = ?", "i", run);
    if (st && db_step(st) == DB_ROW)
        text = xstrdup(db_col_text(st, 0));
    if (st)
        db_done(st);
    json_t *tree = text ? json_loads(text, 0, NULL) : NULL;
    free(text);
    return tree;
}

/* A stored run into d: its tree, units, measures, states and adjustments. */
static int run_reload(db_t *db, int64_t run, const plan_at_t *p, run_data_t *d)
{
    json_t *tree = run_tree_copy(db, run);
    db_stmt_t *st;
    if (tree == NULL)
        return DB_ERR;
    int rc = run_tree(d, tree);
    if (rc == DB_OK)
        rc = run_norms(db, p, d);
    json_t *units = rc == DB_OK ? db_rows_json(db, "SELECT org_id FROM assess_result WHERE run_id = ? ORDER BY org_id",
                                               "i", run)
                                : NULL;
    if (rc == DB_OK && units == NULL)
        rc = DB_ERR;
    if (rc != DB_OK)
        return rc;
    d->M = (int)json_array_size(units);
    d->units = xcalloc((size_t)d->M + 1, sizeof(int64_t));
    for (int u = 0; u < d->M; u++)
        d->units[u] = json_integer_value(json_object_get(json_array_get(units, (size_t)u), "org_id"));
    json_decref(units);
    alloc_scores(d);
    st = db_q(db, "SELECT org_id, indicator_id, state, measure, adjusted FROM assess_score WHERE run_id = ?", "i", run);
    if (st == NULL)
        return DB_ERR;
    while ((rc = db_step(st)) == DB_ROW) {
        int u = unit_index(d, db_col_int(st, 0));
        int64_t ind = db_col_int(st, 1);
        for (int i = 0; u >= 0 && i < d->N; i++)
            if (d->node_ids[i] == ind) {
                size_t at = (size_t)u * d->N + i;
                d->state[at] = (unsigned char)db_col_int(st, 2);
                d->measure[at] = db_col_is_null(st, 3) ? 0 : col_double(st, 3);
                if (!db_col_is_null(st, 4))
                    d->adjusted[at] = (double)db_col_int(st, 4) / 100.0;
                break;
            }
    }
    db_done(st);
    return rc == DB_DONE ? DB_OK : rc;
}

static int adjust_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    adjust_in_t in = {0};
    api_input_fill(adjust_fields, data, &in);
    int64_t org = 0;
    plan_at_t p;
    char state[16] = "";
    int rc = api_entity_org(db, w, &org);
    if (rc == DB_OK)
        rc = run_plan(db, w->id, &p, state, sizeof state);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "assessment_run");
    if (strcmp(state, "computed") != 0)
        return api_fail(rep, w->lang, E_ASSESS_RUN_PUBLISHED, NULL);
    run_data_t d = {0};
    rc = run_reload(db, w->id, &p, &d);
    if (rc != DB_OK) {
        run_data_free(&d);
        return api_db_error(rep, w->lang, rc, NULL);
    }
    int u = unit_index(&d, in.org_id), node = -1;
    for (int i = 0; i < d.N; i++)
        if (d.node_ids[i] == in.indicator_id)
            node = i;
    int bad = 0;
    if (u < 0)
        bad = api_fail(rep, w->lang, E_ASSESS_NOT_A_UNIT, "org_id");
    else if (node < 0 || d.nodes[node].method == ASSESS_INNER || d.nodes[node].method == ASSESS_VETO)
        bad = api_fail(rep, w->lang, E_ASSESS_NOT_A_LEAF, "indicator_id");
    else if (IN_GIVEN(&in, adjust_fields, 2) && in.points > d.nodes[node].max_points + 1e-9)
        bad = api_fail(rep, w->lang, E_ASSESS_POINTS_OVER_MAX, "points");
    else if (api_reason_check(w->lang, in.reason, rep) != 0)
        bad = -1;
    if (bad) {
        run_data_free(&d);
        return -1;
    }
    size_t at = (size_t)u * d.N + node;
    int cleared = IN_CLEARED(&in, adjust_fields, 2) || !IN_GIVEN(&in, adjust_fields, 2);
    d.adjusted[at] = cleared ? NAN : in.points;
    rc = run_score(&d);
    if (rc == DB_OK)
        rc = cleared ? db_exec(db, NULL,
                               "UPDATE assess_score SET adjusted = NULL, reason = NULL WHERE run_id = ? AND org_id = ?"
                               " AND indicator_id = ?",
                               "iii", w->id, in.org_id, in.indicator_id)
                     : db_exec(db, NULL,
                               "UPDATE assess_score SET adjusted = ?, reason = ? WHERE run_id = ? AND org_id = ?"
                               " AND indicator_id = ?",
                               "itiii", hundredths(in.points), in.reason, w->id, in.org_id, in.indicator_id);
    if (rc == DB_OK)
        rc = run_store_results(db, w->id, &d, 0);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "assessment.adjusted", "assess_run", w->id, org, json_incref(data));
    run_data_free(&d);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    return api_json(rep, 200, json_pack("{s:I, s:I, s:I}", "run_id", (json_int_t)w->id, "org_id",
                                        (json_int_t)in.org_id, "indicator_id", (json_int_t)in.indicator_id));
}

DEFER_BODY(adjust, adjust_write)

/* ---------------------------------------------------------------- results */

#define RESULT_COLUMNS                                                                                                 \
    "SELECT r.org_id, o.name AS org_name, o.code AS org_code, pa.name AS parent_name, r.party_building,"             \
    " r.development, r.bonus, r.total, r.rank, r.grade, r.vetoed AS is_vetoed, r.barred AS is_barred"
#define RESULT_FROM " FROM assess_result r JOIN org o ON o.id = r.org_id LEFT JOIN org pa ON pa.id = o.parent_id"

static void points_of(json_t *row, const char *key)
{
    json_t *v = json_object_get(row, key);
    if (json_is_integer(v))
        json_object_set_new(row, key, json_real((double)json_integer_value(v) / 100.0));
}

static void result_row(json_t *row, void *ctx)
{
    (void)ctx;
    points_of(row, "party_building");
    points_of(row, "development");
    points_of(row, "bonus");
    points_of(row, "total");
}

static const api_sort_t result_sorts[] = {
    {"rank", "r.rank", 0, NULL},
    {"total", "r.total", 0, NULL},
    {"party_building", "r.party_building", 0, NULL},
    {"development", "r.development", 0, NULL},
    {NULL, NULL, 0, NULL},
};

static const field_t result_query[] = {
    {"org", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"grade", F_ENUM, 0, 0, 0, assess_grades, 0},
    FIELDS_END,
};

/* GET /api/v1/assessment-runs/{id}/results: the ranking (?org= narrows to a
 * subtree). The run's scope is checked after the page asked for (a bad sort
 * or cursor is 400 whatever the id), so the op declares no entity. */
static int result_list(api_req_t *req, api_reply_t *rep)
{
    api_list_t l;
    api_list_begin(&l, RESULT_COLUMNS, RESULT_FROM, "r.org_id", "org_id");
    l.row = result_row;
    if (api_list_query(req, rep, &l) != 0) {
        api_list_end(&l);
        return -1;
    }
    int64_t plan_org = 0, org = 0;
    int rc = db_one_int(req->db, &plan_org, run_entity.org_sql, "i", req->params[0]);
    if (rc == DB_OK)
        rc = access_org(req->db, req->who, ASSESS_READ, plan_org, NULL, 0);
    api_list_where(&l, "r.run_id = ?", "i", req->params[0]);
    api_query_int(req, "org", 0, 1, INT64_MAX, &org);
    if (rc == DB_OK && org) {
        char lo[ACCESS_PATH_MAX], hi[ACCESS_PATH_MAX];
        rc = access_list_range(req->db, req->who, ASSESS_READ, org, lo, hi);
        if (rc == DB_OK)
            api_list_where(&l, "o.path >= ? AND o.path < ?", "tt", lo, hi);
        else if (rc == DB_NOTFOUND) {
            api_list_end(&l);
            return api_db_error(rep, req->lang, rc, "org");
        }
    }
    if (rc != DB_OK) {
        api_list_end(&l);
        return api_db_error(rep, req->lang, rc, "assessment_run");
    }
    /* Past the checks, the page depends on the data and the query only (a cursor
     * token is no one's own): kept per thread until the next commit anywhere. */
    size_t klen = strlen(req->query) + 48;
    char *key = xmalloc(klen);
    snprintf(key, klen, "assess_results:%lld|%s", (long long)req->params[0], req->query);
    if (cache_reply(req, key, rep)) {
        free(key);
        api_list_end(&l);
        return 0;
    }
    char *grade = api_query(req, "grade");
    if (grade)
        api_list_where(&l, "r.grade = ?", "t", grade);
    free(grade);
    json_t *page = api_list_run(req->db, &l);
    api_list_end(&l);
    if (page)
        cache_store(req, key, page);
    free(key);
    return page ? api_json(rep, 200, page) : api_db_error(rep, req->lang, DB_ERR, NULL);
}

/* The link to the records behind a source's measure for a unit and year. */
static json_t *source_link(const source_t *s, int64_t org, int64_t year)
{
    if (s == NULL)
        return json_null();
    return json_pack("{s:s, s:{s:I, s:I}}", "page", s->page, "query", "org", (json_int_t)org, "year", (json_int_t)year);
}

/* GET /api/v1/assessment-runs/{id}/results/{id}: a unit's result and the tree
 * that produced it. The plan's readers see any unit; a unit's own readers see
 * its result once the run is published. */
static int result_get(api_req_t *req, api_reply_t *rep)
{
    int64_t run = req->params[0], org = req->params[1];
    plan_at_t p;
    char state[16] = "";
    int rc = run_plan(req->db, run, &p, state, sizeof state);
    if (rc == DB_OK && access_org(req->db, req->who, ASSESS_READ, p.org, NULL, 0) != DB_OK) {
        rc = strcmp(state, "computed") != 0 ? access_org(req->db, req->who, ASSESS_READ, org, NULL, 0) : DB_NOTFOUND;
    }
    json_t *result = rc == DB_OK ? db_row_one_json(req->db, RESULT_COLUMNS RESULT_FROM
                                                   " WHERE r.run_id = ? AND r.org_id = ?",
                                                   "ii", run, org)
                                 : NULL;
    if (rc == DB_OK && result == NULL)
        rc = DB_NOTFOUND;
    if (rc != DB_OK)
        return api_db_error(rep, req->lang, rc, "assessment_result");
    result_row(result, NULL);
    json_t *tree = run_tree_copy(req->db, run);
    json_t *scores = db_rows_json(req->db,
                                  "SELECT indicator_id, state, measure, numbers, computed, adjusted, reason"
                                  " FROM assess_score WHERE run_id = ? AND org_id = ?",
                                  "ii", run, org);
    if (tree == NULL || scores == NULL) {
        json_decref(tree);
        json_decref(scores);
        json_decref(result);
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    }
    json_t *out = json_array();
    size_t i, k;
    json_t *n, *s;
    json_array_foreach(tree, i, n) {
        int64_t id = json_integer_value(json_object_get(n, "id"));
        json_t *sc = NULL;
        json_array_foreach(scores, k, s) {
            if (json_integer_value(json_object_get(s, "indicator_id")) == id) {
                sc = s;
                break;
            }
        }
        const char *src = json_string_value(json_object_get(n, "source"));
        json_t *computed = json_object_get(sc, "computed"), *adjusted = json_object_get(sc, "adjusted");
        const char *nums = json_string_value(json_object_get(sc, "numbers"));
        json_t *numbers = nums ? json_loads(nums, 0, NULL) : NULL;
        double c = (double)json_integer_value(computed) / 100.0;
        json_t *measure = json_object_get(sc, "measure");
        json_t *row = json_pack(
            "{s:I, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:o, s:o, s:f, s:o, s:O, s:f}", "indicator_id",
            (json_int_t)id, "parent_id", json_object_get(n, "parent_id"), "depth", json_object_get(n, "depth"), "code",
            json_object_get(n, "code"), "name", json_object_get(n, "name"), "half", json_object_get(n, "half"),
            "method", json_object_get(n, "method"), "source", json_object_get(n, "source"), "params",
            json_object_get(n, "params"), "max_points", json_object_get(n, "max_points"), "weight",
            json_object_get(n, "weight"), "measure",
            json_is_number(measure) ? json_real(json_number_value(measure)) : json_null(), "numbers",
            numbers ? numbers : json_object(), "computed", c, "adjusted",
            json_is_integer(adjusted) ? json_real((double)json_integer_value(adjusted) / 100.0) : json_null(),
            "reason", sc && json_object_get(sc, "reason") ? json_object_get(sc, "reason") : json_null(), "points",
            json_is_integer(adjusted) ? (double)json_integer_value(adjusted) / 100.0 : c);
        json_object_set_new(row, "link", src ? source_link(source_find(src), org, p.year) : json_null());
        json_object_set_new(row, "applies",
                            json_boolean(json_integer_value(json_object_get(sc, "state")) != ASSESS_M_NA));
        json_array_append_new(out, row);
    }
    json_decref(tree);
    json_decref(scores);
    return api_json(rep, 200, json_pack("{s:o, s:o}", "result", result, "tree", out));
}

/* The assessment's part of the 责任落实 figures (respfig.c): the published result
 * of the year's plan covering the node at lo (the node itself, not its subtree:
 * a score is not a sum). Of several published plans covering it, the nearest
 * issuer's (a district's street plan before the city's). A node no published
 * plan of the year covers has null figures. Reading it takes what the node's
 * own result takes in a published run: stats.read at the node, which the
 * caller holds over the whole subtree asked for. */
json_t *assess_figures_of(db_t *db, const principal_t *who, const char *lo, const char *hi, int64_t year,
                          const char *today)
{
    (void)who;
    (void)hi;
    (void)today;
    json_t *rows = db_rows_json(
        db,
        "SELECT r.total, r.party_building, r.development, r.bonus, r.rank,"
        " (SELECT COUNT(*) FROM assess_result u WHERE u.run_id = r.run_id) AS units, r.grade,"
        " r.vetoed AS is_vetoed, r.barred AS is_barred, r.run_id, p.id AS plan_id"
        " FROM assess_result r JOIN assess_plan p ON p.published_run_id = r.run_id"
        " JOIN org o ON o.id = r.org_id JOIN org i ON i.id = p.org_id"
        " WHERE o.path = ? AND p.year = ? ORDER BY LENGTH(i.path) DESC, p.id DESC LIMIT 1",
        "ti", lo, year);
    if (rows == NULL)
        return NULL;
    json_t *f = json_array_get(rows, 0);
    if (f) {
        json_incref(f);
        result_row(f, NULL);
    } else {
        f = json_object();
        for (const char *const *k = (const char *const[]){"total", "party_building", "development", "bonus", "rank",
                                                          "units", "grade", "vetoed", "barred", "run_id",
                                                          "plan_id", NULL};
             *k; k++)
            json_object_set_new(f, *k, json_null());
    }
    json_decref(rows);
    return f;
}

const char *const assess_grade_words[] = {"优秀", "良好", "一般", "较差", NULL};

/* GET /api/v1/assessment-runs/{id}/export: the ranking as an Excel workbook
 * (名次, 组织编码, 单位, 上级, 党建, 发展, 加分, 总分, 等次, 一票否决, 不得评先), by rank. */
static int result_export(api_req_t *req, api_reply_t *rep)
{
    const char *const *grade_words = assess_grade_words;
    json_t *rows = db_rows_json(req->db, RESULT_COLUMNS RESULT_FROM " WHERE r.run_id = ? ORDER BY r.rank, r.org_id",
                                "i", req->params[0]);
    if (rows == NULL)
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    json_t *table = json_pack("[[s, s, s, s, s, s, s, s, s, s, s]]", "名次", "组织编码", "单位", "上级", "党建", "发展",
                              "加分", "总分", "等次", "一票否决", "不得评先");
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) {
        json_t *row = json_array();
        char num[32];
        snprintf(num, sizeof num, "%lld", (long long)json_integer_value(json_object_get(r, "rank")));
        json_array_append_new(row, json_string(num));
        for (const char *const *k = (const char *const[]){"org_code", "org_name", "parent_name", NULL}; *k; k++) {
            const char *t = json_string_value(json_object_get(r, *k));
            json_array_append_new(row, json_string(t ? t : ""));
        }
        for (const char *const *k = (const char *const[]){"party_building", "development", "bonus", "total", NULL}; *k;
             k++) {
            snprintf(num, sizeof num, "%.2f", (double)json_integer_value(json_object_get(r, *k)) / 100.0);
            json_array_append_new(row, json_string(num));
        }
        int g = name_index(assess_grades, json_string_value(json_object_get(r, "grade")));
        json_array_append_new(row, json_string(g >= 0 ? grade_words[g] : ""));
        json_array_append_new(row, json_string(json_is_true(json_object_get(r, "vetoed")) ? "是" : ""));
        json_array_append_new(row, json_string(json_is_true(json_object_get(r, "barred")) ? "是" : ""));
        json_array_append_new(table, row);
    }
    json_decref(rows);
    size_t len = 0;
    char *body = xlsx_write(table, "考核排名", db_path(req->db), &len);
    json_decref(table);
    if (body == NULL)
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    rep->status = 200;
    rep->raw = body;
    rep->raw_len = len;
    rep->content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    char name[64];
    snprintf(name, sizeof name, "assessment-run-%lld.xlsx", (long long)req->params[0]);
    rep->filename = xstrdup(name);
    return 0;
}

/* ---------------------------------------------------------------- the table */

const op_t assess_ops[] = {
    {OP(HTTP_GET, "/api/v1/assessment-sources", "assessment_sources.list", USER, 0, source_list)},
    {OP(HTTP_GET, "/api/v1/assessment-plans", "assessment_plans.list", PERM(ASSESS_READ), RF_PAGED, plan_list),
     .query = plan_list_query},
    {OP(HTTP_POST, "/api/v1/assessment-plans", "assessment_plans.create", PERM(ASSESS_WRITE), RF_BODY | RF_WRITES,
        plan_create),
     .body = plan_fields},
    {OP(HTTP_GET, "/api/v1/assessment-plans/{id}", "assessment_plans.get", PERM(ASSESS_READ), 0, plan_get),
     .entity = &plan_entity},
    {OP(HTTP_PATCH, "/api/v1/assessment-plans/{id}", "assessment_plans.update", PERM(ASSESS_WRITE),
        RF_BODY | RF_WRITES, plan_patch),
     .body = plan_patch_fields, .entity = &plan_entity},
    {OP(HTTP_DELETE, "/api/v1/assessment-plans/{id}", "assessment_plans.delete", PERM(ASSESS_WRITE), RF_WRITES,
        plan_delete),
     .entity = &plan_entity},
    {OP(HTTP_GET, "/api/v1/assessment-plans/{id}/indicators", "assessment_indicators.list", PERM(ASSESS_READ), 0,
        ind_list),
     .entity = &plan_entity},
    {OP(HTTP_POST, "/api/v1/assessment-plans/{id}/indicators", "assessment_indicators.create", PERM(ASSESS_WRITE),
        RF_BODY | RF_WRITES, ind_create),
     .body = ind_fields, .entity = &plan_entity},
    {OP(HTTP_PATCH, "/api/v1/assessment-indicators/{id}", "assessment_indicators.update", PERM(ASSESS_WRITE),
        RF_BODY | RF_WRITES, ind_patch),
     .body = ind_patch_fields, .entity = &indicator_entity},
    {OP(HTTP_DELETE, "/api/v1/assessment-indicators/{id}", "assessment_indicators.delete", PERM(ASSESS_WRITE),
        RF_WRITES, ind_delete),
     .entity = &indicator_entity},
    {OP(HTTP_GET, "/api/v1/assessment-plans/{id}/entries", "assessment_entries.list", PERM(ASSESS_READ), RF_PAGED,
        entry_list),
     .query = entry_query, .entity = &plan_entity},
    {OP(HTTP_PUT, "/api/v1/assessment-plans/{id}/entries", "assessment_entries.put", PERM(ASSESS_WRITE),
        RF_BODY | RF_WRITES, entry_put),
     .body = entry_fields, .entity = &plan_entity},
    {OP(HTTP_POST, "/api/v1/assessment-plans/{id}/runs", "assessment_runs.create", PERM(ASSESS_WRITE),
        RF_BODY_OPTIONAL | RF_WRITES, run_create),
     .body = (const field_t[]){FIELDS_END}, .entity = &plan_entity},
    {OP(HTTP_GET, "/api/v1/assessment-plans/{id}/runs", "assessment_runs.list", PERM(ASSESS_READ), RF_PAGED,
        run_list),
     .query = run_list_query, .entity = &plan_entity},
    {OP(HTTP_GET, "/api/v1/assessment-runs/{id}", "assessment_runs.get", PERM(ASSESS_READ), 0, run_get),
     .entity = &run_entity},
    {OP(HTTP_POST, "/api/v1/assessment-runs/{id}/publish", "assessment_runs.publish", PERM(ASSESS_WRITE),
        RF_BODY_OPTIONAL | RF_WRITES, run_publish),
     .body = (const field_t[]){FIELDS_END}, .entity = &run_entity},
    {OP(HTTP_PUT, "/api/v1/assessment-runs/{id}/adjustments", "assessment_runs.adjust", PERM(ASSESS_WRITE),
        RF_BODY | RF_WRITES, adjust),
     .body = adjust_fields, .entity = &run_entity},
    {OP(HTTP_GET, "/api/v1/assessment-runs/{id}/results", "assessment_results.list", PERM(ASSESS_READ), RF_PAGED,
        result_list),
     .query = result_query, .sorts = result_sorts},
    {OP(HTTP_GET, "/api/v1/assessment-runs/{id}/export", "assessment_results.export", PERM(ASSESS_READ), 0,
        result_export),
     .entity = &run_entity},
    {OP(HTTP_GET, "/api/v1/assessment-runs/{id}/results/{id}", "assessment_results.get", PERM(ASSESS_READ), 0,
        result_get)},
    OPS_END,
};

/* ---------------------------------------------------------------- demo */

/* The demo city's tree: 党建 (组织体系, 责任落实, 问题整改, 工作调度) and 发展
 * (基层治理, 服务群众, 经济社会发展), 50 points each, 31 scored leaves, most from
 * the records, two bonus items (one entered, one from the honours) and two vetoes. */
static const struct {
    const char *code, *parent, *name, *half;
    double max;
    const char *method, *source, *params;
} demo_tree[] = {
    {"1", NULL, "组织体系建设", "party_building", 14, NULL, NULL, NULL},
    {"1.1", "1", "党组织书记在岗", NULL, 2, "pass", "cadres.secretary_in_post", "{\"at_least\":1}"},
    {"1.2", "1", "下属党组织书记配备率", NULL, 3, "ratio", "party_orgs.with_secretary_rate", "{\"target\":1}"},
    {"1.3", "1", "每百名居民党员数", NULL, 3, "ratio", "party_members.per_100_residents", "{\"target\":5}"},
    {"1.4", "1", "网格员配备（每网格）", NULL, 3, "ratio", "cadres.grid_workers_per_grid", "{\"target\":1}"},
    {"1.5", "1", "软弱涣散党组织整顿转化", NULL, 3, "pass", "entered", "{\"at_least\":1}"},
    {"2", NULL, "抓党建责任落实", "party_building", 14, NULL, NULL, NULL},
    {"2.1", "2", "书记抓基层党建责任清单签订", NULL, 3, "pass", "duty.signed", "{\"at_least\":1}"},
    {"2.2", "2", "责任清单事项完成率", NULL, 4, "ratio", "duty.items_done_rate", "{\"floor\":0.3,\"target\":0.9}"},
    {"2.3", "2", "责任清单事项逾期（每项扣0.5分）", NULL, 3, "deduct", "duty.items_overdue", "{\"per_event\":0.5}"},
    {"2.4", "2", "述职评议综合得分", NULL, 4, "ratio", "review.points", "{\"target\":90}"},
    {"3", NULL, "问题整改", "party_building", 12, NULL, NULL, NULL},
    {"3.1", "3", "整改清单销号率", NULL, 4, "ratio", "problems.closure_rate", "{\"floor\":0.5,\"target\":1}"},
    {"3.2", "3", "逾期未整改问题（每个扣1分）", NULL, 3, "deduct", "problems.overdue", "{\"per_event\":1}"},
    {"3.3", "3", "同类问题重复发生（每个扣0.5分）", NULL, 2, "deduct", "problems.repeated", "{\"per_event\":0.5}"},
    {"3.4", "3", "明查暗访发现问题（每个扣0.5分）", NULL, 3, "deduct", "inspections.findings", "{\"per_event\":0.5}"},
    {"4", NULL, "调度通报落实", "party_building", 10, NULL, NULL, NULL},
    {"4.1", "4", "调度通报签收率", NULL, 3, "ratio", "notices.read_rate", "{\"target\":1}"},
    {"4.2", "4", "调度通报按时回复率", NULL, 3, "ratio", "notices.reply_rate", "{\"target\":0.95}"},
    {"4.3", "4", "逾期未回复（每件扣0.5分）", NULL, 2, "deduct", "notices.reply_overdue", "{\"per_event\":0.5}"},
    {"4.4", "4", "在职党员到社区报到", NULL, 2, "rank", "party_members.in_service_registered",
     "{\"steps\":[[0.3,1],[0.7,0.85],[1,0.7]]}"},
    {"5", NULL, "基层治理", "development", 20, NULL, NULL, NULL},
    {"5.1", "5", "网格案件结案率", NULL, 5, "ratio", "cases.closure_rate", "{\"floor\":0.6,\"target\":0.95}"},
    {"5.2", "5", "按期办结率", NULL, 4, "ratio", "cases.on_time_rate", "{\"target\":0.9}"},
    {"5.3", "5", "群众满意率", NULL, 4, "ratio", "cases.satisfaction_rate", "{\"target\":0.9}"},
    {"5.4", "5", "超期案件（每件扣0.2分）", NULL, 3, "deduct", "cases.overdue", "{\"per_event\":0.2}"},
    {"5.5", "5", "升级督办案件（每件扣0.5分）", NULL, 2, "deduct", "cases.escalated", "{\"per_event\":0.5}"},
    {"5.6", "5", "返工案件（每件扣0.2分）", NULL, 2, "deduct", "cases.reworked", "{\"per_event\":0.2}"},
    {"6", NULL, "服务群众", "development", 15, NULL, NULL, NULL},
    {"6.1", "6", "实有人口登记（排名）", NULL, 4, "rank", "residents.registered",
     "{\"steps\":[[0.3,1],[0.7,0.85],[1,0.7]]}"},
    {"6.2", "6", "结案率排名", NULL, 4, "rank", "cases.closure_rate", "{\"steps\":[[0.2,1],[0.5,0.8],[1,0.6]]}"},
    {"6.3", "6", "满意率排名", NULL, 4, "rank", "cases.satisfaction_rate", "{\"steps\":[[0.2,1],[0.5,0.8],[1,0.6]]}"},
    {"6.4", "6", "为民办实事项目（个）", NULL, 3, "pass", "entered", "{\"at_least\":3}"},
    {"7", NULL, "经济社会发展", "development", 15, NULL, NULL, NULL},
    {"7.1", "7", "年度经济发展目标完成率", NULL, 5, "ratio", "entered", "{\"target\":1}"},
    {"7.2", "7", "安全生产事故（每起扣1分）", NULL, 4, "deduct", "entered", "{\"per_event\":1}"},
    {"7.3", "7", "生态环境保护考核达标", NULL, 3, "pass", "entered", "{\"at_least\":1}"},
    {"7.4", "7", "平安建设群众安全感", NULL, 3, "ratio", "entered", "{\"target\":0.95}"},
    {"8", NULL, "加分项目", "party_building", 3, NULL, NULL, NULL},
    {"8.1", "8", "获市级以上表彰（每项1分，最多3分）", NULL, 3, "bonus", "entered", "{\"cap\":3,\"per\":1}"},
    {"8.2", "8", "获评先进基层党组织、优秀共产党员等荣誉（按荣誉记录，每项0.5分，最多2分）", NULL, 2, "bonus",
     "honours.all", "{\"cap\":2,\"per\":0.5}"},
    {"9", NULL, "一票否决", "party_building", 1, NULL, NULL, NULL},
    {"9.1", "9", "发生重大安全责任事故", NULL, 0, "veto", "entered", "{\"effect\":\"drop_grade\"}"},
    {"9.2", "9", "述职评议等次为“差”", NULL, 0, "veto", "review.grade_poor", "{\"effect\":\"bar_advanced\"}"},
};

static const char *const class_words[] = {"区县", "街道", "乡镇", "社区", "村"};

static unsigned long long assess_rng;

/* An entered leaf's demo value for one unit, and its evidence. */
static double demo_value(const char *code, const char **evidence)
{
    int64_t r = random_seeded_below(&assess_rng, 1000);
    if (strcmp(code, "1.5") == 0)
        return *evidence = "整顿转化验收表及上级审核意见", r < 930;
    if (strcmp(code, "6.4") == 0)
        return *evidence = "为民办实事项目清单及完工验收材料", (double)(1 + r % 6);
    if (strcmp(code, "7.1") == 0)
        return *evidence = "统计部门年度目标完成情况通报", 0.75 + (double)(r % 350) / 1000.0;
    if (strcmp(code, "7.2") == 0)
        return *evidence = "应急管理部门事故统计台账", r < 800 ? 0 : r < 950 ? 1 : 2;
    if (strcmp(code, "7.3") == 0)
        return *evidence = "生态环境部门年度考核结果", r < 900;
    if (strcmp(code, "7.4") == 0)
        return *evidence = "平安建设群众安全感测评报告", 0.85 + (double)(r % 150) / 1000.0;
    if (strcmp(code, "8.1") == 0)
        return *evidence = "表彰文件（文号见附件）", r < 850 ? 0 : r < 970 ? 1 : 2;
    return *evidence = "安全事故调查报告", r < 8; /* 9.1 */
}

/* One plan of the city for a class: its tree, each unit's entered values. */
static int demo_plan(db_t *db, const write_ctx_t *w, int64_t city, int year, int cls, int64_t *plan)
{
    char name[128];
    snprintf(name, sizeof name, "%d年度%s党建和发展综合考核", year, class_words[cls]);
    int rc = db_one_int(db, plan,
                        "INSERT INTO assess_plan (org_id, year, class, name, created_at, updated_at)"
                        " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                        "iittii", city, (int64_t)year, assess_classes[cls], name, w->now, w->now);
    int64_t ids[sizeof demo_tree / sizeof demo_tree[0]];
    const char *half = "party_building";
    for (size_t i = 0; rc == DB_OK && i < sizeof demo_tree / sizeof demo_tree[0]; i++) {
        int64_t parent = 0;
        for (size_t j = 0; demo_tree[i].parent && j < i; j++)
            if (strcmp(demo_tree[j].code, demo_tree[i].parent) == 0)
                parent = ids[j];
        if (demo_tree[i].half)
            half = demo_tree[i].half;
        rc = db_one_int(db, &ids[i],
                        "INSERT INTO assess_indicator (plan_id, parent_id, code, name, half, max_points, weight, method,"
                        " source, params, sort, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?)"
                        " RETURNING id",
                        "iItttdtttiii", *plan, parent, demo_tree[i].code, demo_tree[i].name, half, demo_tree[i].max,
                        demo_tree[i].method, demo_tree[i].source, demo_tree[i].params ? demo_tree[i].params : "{}",
                        (int64_t)i, w->now, w->now);
    }
    plan_at_t p;
    run_data_t d = {0};
    if (rc == DB_OK)
        rc = plan_load(db, *plan, &p);
    if (rc == DB_OK)
        rc = run_units(db, &p, &d);
    for (int u = 0; rc == DB_OK && u < d.M; u++)
        for (size_t i = 0; rc == DB_OK && i < sizeof demo_tree / sizeof demo_tree[0]; i++) {
            if (demo_tree[i].source == NULL || strcmp(demo_tree[i].source, "entered") != 0)
                continue;
            const char *evidence = NULL;
            double v = demo_value(demo_tree[i].code, &evidence);
            rc = db_exec(db, NULL,
                         "INSERT INTO assess_entry (indicator_id, org_id, plan_id, value, evidence, entered_at)"
                         " VALUES (?, ?, ?, ?, ?, ?)",
                         "iiidti", ids[i], d.units[u], *plan, v, evidence, w->now);
        }
    run_data_free(&d);
    return rc;
}

int assess_demo(db_t *db, const write_ctx_t *w, unsigned long long seed)
{
    assess_rng = seed * 0x9E3779B97F4A7C15ull + 25;
    int year = api_today_ymd() / 10000;
    int64_t city = 0;
    int rc = db_one_int(db, &city, "SELECT id FROM org WHERE level = 'city' ORDER BY id LIMIT 1", "");
    for (int cls = 0; rc == DB_OK && assess_classes[cls]; cls++) {
        int64_t plan = 0, run = 0, second = 0;
        err_t why;
        rc = demo_plan(db, w, city, year, cls, &plan);
        if (rc == DB_OK)
            rc = assess_run_compute(db, w, plan, &run, &why);
        if (rc == DB_OK)
            rc = db_exec(db, NULL,
                         "UPDATE assess_run SET state = 'published', published_at = ? WHERE id = ?", "ii", w->now, run);
        if (rc == DB_OK)
            rc = db_exec(db, NULL, "UPDATE assess_plan SET published_run_id = ? WHERE id = ?", "ii", run, plan);
        /* The street plan: a 表彰 entered late, then a second run, not yet published. */
        if (rc == DB_OK && strcmp(assess_classes[cls], "street") == 0) {
            rc = db_exec(db, NULL,
                         "UPDATE assess_entry SET value = value + 1, evidence = ? WHERE plan_id = ? AND org_id ="
                         " (SELECT MIN(org_id) FROM assess_entry WHERE plan_id = ?) AND indicator_id ="
                         " (SELECT id FROM assess_indicator WHERE plan_id = ? AND code = '8.1')",
                         "tiii", "省级表彰文件（补录）", plan, plan, plan);
            if (rc == DB_OK)
                rc = assess_run_compute(db, w, plan, &second, &why);
        }
    }
    return rc;
}
