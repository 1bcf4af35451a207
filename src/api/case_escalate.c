/* Escalation (吹哨): cases past their stage deadline go up to the street, then the district. */
#include "api/case.h"
#include "api/tx.h"

#include <string.h>

#include "core/path.h"

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
        rc = db_exec(db, &changes,
                     "INSERT INTO case_escalation (case_id, deadline, level, org_id, at) VALUES (?, ?, ?, ?, ?)"
                     " ON CONFLICT DO NOTHING",
                     "iiiii", id, deadline, level, target, w->now);
        if (rc != DB_OK)
            break;
        if (changes == 0)
            continue;
        rc = db_exec(db, NULL,
                     "UPDATE casefile SET escalation_level = ?, escalated_org_id = ?, version = version + 1,"
                     " updated_at = ? WHERE id = ?",
                     "iiii", level, target, w->now, id);
        const char *state = json_string_value(json_object_get(c, "state"));
        if (rc == DB_OK)
            rc = case_log_event(db, w, id, level == 1 ? "escalate_street" : "escalate_district", state, state, NULL);
        if (rc == DB_OK)
            rc = audit_append_new(db, w, "case.escalated", "case", id, org,
                                  json_pack("{s:I, s:I}", "level", (json_int_t)level, "to_org", (json_int_t)target));
        if (rc != DB_OK)
            break;
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
