/* Escalation (吹哨): cases past their stage deadline go up to the street, then the district. */
#include "api/case.h"
#include "api/handlers.h"
#include "api/tx.h"

#include <string.h>

#include "core/casefsm.h"
#include "core/path.h"
#include "core/role.h"
#include "lib/util.h"

/* ---- escalation (吹哨) ---- */

/* The ancestor of org_id at level (street or district), 0 if none. */
static int64_t ancestor_at(db_t *db, int64_t org_id, const char *level)
{
    char path[ACCESS_PATH_MAX];
    if (db_one_text(db, path, sizeof path, "SELECT path FROM org WHERE id = ?", "i", org_id) != DB_OK)
        return 0;
    int64_t ids[PATH_MAX_DEPTH], found = 0;
    int n = path_ids(path, ids, PATH_MAX_DEPTH);
    for (int i = 0; i < n; i++) {
        char lv[16] = "";
        if (db_one_text(db, lv, sizeof lv, "SELECT level FROM org WHERE id = ?", "i", ids[i]) == DB_OK &&
            strcmp(lv, level) == 0)
            found = ids[i];
    }
    return found;
}

/* Escalates case id (at org, in state) to level (1 the street, 2 the district),
 * the node target, once per (case, stage deadline, level): *changes 0 when it
 * already was. Logged with note (a 吹哨 by hand gives its reason) and audited. */
static int escalate_one(db_t *db, const write_ctx_t *w, int64_t id, int64_t org, const char *state, int64_t deadline,
                        int64_t level, int64_t target, const char *note, int64_t *changes)
{
    int rc = db_exec(db, changes,
                     "INSERT INTO case_escalation (case_id, deadline, level, org_id, at) VALUES (?, ?, ?, ?, ?)"
                     " ON CONFLICT DO NOTHING",
                     "iiiii", id, deadline, level, target, w->now);
    if (rc != DB_OK || *changes == 0)
        return rc;
    rc = db_exec(db, NULL,
                 "UPDATE casefile SET escalation_level = ?, escalated_org_id = ?, version = version + 1,"
                 " updated_at = ? WHERE id = ?",
                 "iiii", level, target, w->now, id);
    if (rc == DB_OK)
        rc = case_log_event(db, w, id, level == 1 ? "escalate_street" : "escalate_district", state, state, note);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "case.escalated", "case", id, org,
                              json_pack("{s:I, s:I, s:b}", "level", (json_int_t)level, "to_org", (json_int_t)target,
                                        "by_hand", note != NULL));
    return rc;
}

/* Escalate overdue cases: past its stage deadline a case goes up to the street;
 * still there after a second stage limit, to the district. Each (case,
 * deadline, level) is recorded once, so restarts and repeated timers never
 * escalate twice. Returns the number escalated now, or -1 on error. */
static int escalate_pass(db_t *db, const write_ctx_t *w)
{
    json_t *due = db_rows_json(db,
                               "SELECT id, org_id, state, category_id, stage_deadline, escalation_level FROM casefile"
                               " WHERE state IN ('reported', 'accepted', 'dispatched', 'handling', 'handled', 'verified')"
                               " AND stage_deadline IS NOT NULL AND stage_deadline < ? AND escalation_level < 2"
                               " ORDER BY id LIMIT 1000",
                               "i", w->now);
    if (due == NULL)
        return -1;
    int count = 0, rc = DB_OK;
    size_t i;
    json_t *c;
    json_array_foreach(due, i, c) {
        int64_t id = json_integer_value(json_object_get(c, "id")), org = json_integer_value(json_object_get(c, "org_id"));
        int64_t deadline = json_integer_value(json_object_get(c, "stage_deadline"));
        int64_t level = json_integer_value(json_object_get(c, "escalation_level")) + 1;
        if (level == 2) {
            /* The district hears of it only once a second stage limit has passed. */
            int64_t hours = case_stage_hours(db, json_integer_value(json_object_get(c, "category_id")),
                                        case_state_from_name(json_string_value(json_object_get(c, "state"))));
            if (w->now < deadline + hours * 3600)
                continue;
        }
        int64_t target = ancestor_at(db, org, level == 1 ? "street" : "district");
        if (target == 0)
            continue;
        int64_t changes = 0;
        rc = escalate_one(db, w, id, org, json_string_value(json_object_get(c, "state")), deadline, level, target,
                          NULL, &changes);
        if (rc != DB_OK)
            break;
        if (changes == 0)
            continue;
        count++;
    }
    json_decref(due);
    return rc == DB_OK ? count : -1;
}

/* Periodic work: escalate overdue cases. How many moved, or -1. */
static int cases_escalate(db_t *db, const write_ctx_t *w)
{
    /* Two passes: a case long overdue goes to the street and on to the district at once. */
    int a = escalate_pass(db, w);
    int b = a < 0 ? -1 : escalate_pass(db, w);
    return b < 0 ? -1 : a + b;
}

const tx_hooks_t case_escalation_hooks = {
    .name = "escalated overdue cases",
    .periodic = cases_escalate,
};

/* ---- 吹哨 by hand: POST /api/v1/cases/{id}/escalate ---- */

typedef struct {
    uint64_t given;
    const char *reason;
    int64_t version;
} escalate_in_t;

const field_t case_escalate_fields[] = {
    IN(escalate_in_t, reason, F_BLOCK, 1, 4, 500, NULL),
    IN(escalate_in_t, version, F_INT, 1, 1, INT64_MAX, NULL),
    FIELDS_END,
};

/* Whoever works an open case may blow the whistle now, with a reason: it goes to
 * the next level up that is not their own (the street, else the district), as the
 * timer would take it when the stage's time runs out. */
static int escalate_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    escalate_in_t in = {0};
    api_input_fill(case_escalate_fields, data, &in);
    int64_t id = w->id, org = 0;
    char path[ACCESS_PATH_MAX];
    int rc = case_visible(db, &w->who, id, &org, path, sizeof path);
    if (rc == DB_OK && !access_covers(&w->who, PERM_CASE_WRITE, path))
        rc = DB_NOTFOUND;
    json_t *rows = rc == DB_OK ? db_rows_json(db,
                                              "SELECT version, escalation_level, COALESCE(stage_deadline, 0) AS deadline,"
                                              " state FROM casefile WHERE id = ?",
                                              "i", id)
                               : NULL;
    json_t *row = json_array_get(rows, 0);
    if (rc == DB_OK && row == NULL)
        rc = DB_ERR;
    if (rc != DB_OK) {
        json_decref(rows);
        return api_db_error(rep, w->lang, rc, "case");
    }
    int64_t version = json_integer_value(json_object_get(row, "version"));
    int64_t level = json_integer_value(json_object_get(row, "escalation_level"));
    int64_t deadline = json_integer_value(json_object_get(row, "deadline"));
    char state[16];
    str_copy(state, sizeof state, json_string_value(json_object_get(row, "state")));
    json_decref(rows);
    if (version != in.version)
        return api_fail(rep, w->lang, E_CASE_VERSION_CONFLICT, "version");
    if (case_state_final(case_state_from_name(state)))
        return api_fail(rep, w->lang, E_CASE_FINISHED, NULL);
    /* The next level up that the caller does not run themselves. */
    int64_t target = 0;
    while (++level <= 2) {
        target = ancestor_at(db, org, level == 1 ? "street" : "district");
        char tpath[ACCESS_PATH_MAX] = "";
        if (target && db_one_text(db, tpath, sizeof tpath, "SELECT path FROM org WHERE id = ?", "i", target) == DB_OK &&
            !access_covers(&w->who, PERM_CASE_WRITE, tpath))
            break;
        target = 0;
    }
    if (target == 0)
        return api_fail(rep, w->lang, E_ESCALATION_AT_TOP, NULL);
    int64_t changes = 0;
    rc = escalate_one(db, w, id, org, state, deadline, level, target, in.reason, &changes);
    if (rc == DB_OK && changes == 0)
        return api_fail(rep, w->lang, E_ESCALATION_AT_TOP, NULL); /* this stage already went there */
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    api_json(rep, 200, case_json(db, id, 1));
    return 0;
}

int case_escalate(api_req_t *req, api_reply_t *rep)
{
    (void)rep;
    json_t *data = json_deep_copy(req->body);
    case_intake_note(data, "reason");
    return api_defer(req, escalate_write, data);
}
