/* A case's moves (accept, dispatch, handle, verify, rate...): who may make each. */
#include "api/case.h"

#include "api/handlers.h"
#include "api/outbox.h"

#include "core/role.h"

const char *const case_ratings[] = {"满意", "基本满意", "不满意", NULL};

/* A move, as validated (typed input, api.h). */
typedef struct {
    uint64_t given;
    const char *action;
    int64_t version;
    const char *note;
    int64_t org_id, unit_id; /* dispatch: one of them */
    const char *rating;
    int64_t into;            /* merge */
} action_in_t;

const field_t case_action_fields[] = {
    IN(action_in_t, action, F_TEXT, 1, 1, 16, NULL),
    IN(action_in_t, version, F_INT, 1, 1, INT64_MAX, NULL),
    IN(action_in_t, note, F_BLOCK, 0, 1, 1000, NULL),
    IN(action_in_t, org_id, F_INT, 0, 1, INT64_MAX, NULL),
    IN(action_in_t, unit_id, F_INT, 0, 1, INT64_MAX, NULL),
    IN(action_in_t, rating, F_ENUM, 0, 0, 0, case_ratings),
    IN(action_in_t, into, F_INT, 0, 1, INT64_MAX, NULL),
    FIELDS_END,
};

static int action_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    action_in_t in = {0};
    api_input_fill(case_action_fields, data, &in);
    int64_t id = w->id, org;
    char path[ACCESS_PATH_MAX];
    int rc = case_visible(db, &w->who, id, &org, path, sizeof path);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "case");
    db_stmt_t *st = db_q(db,
                         "SELECT state, version, category_id, COALESCE(handler_org_id, 0), COALESCE(handler_unit_id, 0),"
                         " COALESCE(handler_user_id, 0), COALESCE(reporter_id, 0) FROM casefile WHERE id = ?",
                         "i", id);
    if (st == NULL || db_step(st) != DB_ROW) {
        db_done(st);
        return api_db_error(rep, w->lang, DB_ERR, NULL);
    }
    case_state_t from = case_state_from_name(db_col_text(st, 0));
    int64_t version = db_col_int(st, 1), category = db_col_int(st, 2), handler_org = db_col_int(st, 3);
    int64_t handler_unit = db_col_int(st, 4), handler_user = db_col_int(st, 5), reporter = db_col_int(st, 6);
    db_done(st);
    case_action_t a = case_action_from_name(in.action);
    case_state_t to = case_next(from, a);
    if (to == CS_NONE)
        return api_fail(rep, w->lang, E_ACTION_NOT_POSSIBLE, "action");
    int staff = access_covers(&w->who, PERM_CASE_WRITE, path);
    const char *note = in.note;
    switch (a) {
    case CA_MERGE: {
        int64_t into = in.into, iorg = 0;
        char ipath[ACCESS_PATH_MAX];
        if (!staff)
            return api_fail(rep, w->lang, E_CASE_NODE_STAFF_ONLY, "action");
        if (into <= 0 || into == id)
            return api_fail(rep, w->lang, E_MERGE_TARGET_REQUIRED, "into");
        if (case_visible(db, &w->who, into, &iorg, ipath, sizeof ipath) != DB_OK)
            return api_fail(rep, w->lang, E_CASE_NOT_FOUND, "into");
        char istate[16] = "";
        db_one_text(db, istate, sizeof istate, "SELECT state FROM casefile WHERE id = ?", "i", into);
        if (case_state_final(case_state_from_name(istate)))
            return api_fail(rep, w->lang, E_MERGE_TARGET_CLOSED, "into");
        rc = db_exec(db, NULL, "UPDATE casefile SET merged_into = ? WHERE id = ?", "ii", into, id);
        break;
    }
    case CA_ACCEPT:
    case CA_DISPATCH:
    case CA_CLOSE:
        if (!staff)
            return api_fail(rep, w->lang, E_CASE_NODE_STAFF_ONLY, "action");
        break;
    case CA_REJECT:
        if (!staff)
            return api_fail(rep, w->lang, E_CASE_NODE_STAFF_ONLY, "action");
        if (note == NULL)
            return api_fail(rep, w->lang, E_REJECT_NOTE_REQUIRED, "note");
        break;
    case CA_CLAIM:
    case CA_HANDLE: {
        char hpath[ACCESS_PATH_MAX] = "";
        int64_t horg = handler_org;
        if (handler_unit)
            db_one_int(db, &horg, "SELECT org_id FROM unit WHERE id = ?", "i", handler_unit);
        db_one_text(db, hpath, sizeof hpath, "SELECT path FROM org WHERE id = ?", "i", horg);
        /* Staff over the node dispatched to (for a unit, its node), or the unit's own accounts. */
        if ((!hpath[0] || !access_covers(&w->who, PERM_CASE_WRITE, hpath)) &&
            !access_covers_unit(&w->who, PERM_CASE_WRITE, handler_unit))
            return api_fail(rep, w->lang, E_CASE_HANDLER_ONLY, "action");
        break;
    }
    case CA_VERIFY:
    case CA_RETURN:
        if (!staff && reporter != w->who.user_id)
            return api_fail(rep, w->lang, E_CASE_VERIFIER_ONLY, "action");
        if (handler_user == w->who.user_id)
            return api_fail(rep, w->lang, E_VERIFIER_IS_HANDLER, "action");
        break;
    case CA_RATE:
        if (reporter != w->who.user_id)
            return api_fail(rep, w->lang, E_CASE_REPORTER_ONLY, "action");
        if (in.rating == NULL)
            return api_fail(rep, w->lang, E_RATING_INVALID, "rating");
        break;
    default:
        break;
    }
    if (version != in.version)
        return api_fail(rep, w->lang, E_CASE_VERSION_CONFLICT, "version");
    /* The case's part of the indicators leaves now and comes back changed. */
    casework_delta_t cw = {0};
    if (rc == DB_OK)
        rc = casework_case_part(db, id, -1, &cw);
    if (rc == DB_OK && a == CA_DISPATCH) {
        int64_t to_org = in.org_id, to_unit = in.unit_id;
        if ((to_org > 0) == (to_unit > 0))
            return api_fail(rep, w->lang, E_DISPATCH_TARGET_REQUIRED, "org_id");
        int64_t check_org = to_org;
        if (to_unit && db_one_int(db, &check_org, "SELECT org_id FROM unit WHERE id = ?", "i", to_unit) != DB_OK)
            return api_fail(rep, w->lang, E_UNIT_NOT_FOUND, "unit_id");
        if (access_org(db, &w->who, to_unit ? PERM_UNIT_READ : PERM_ORG_READ, check_org, NULL, 0) != DB_OK)
            return api_fail(rep, w->lang, E_HANDLER_NOT_FOUND, to_unit ? "unit_id" : "org_id");
        rc = db_exec(db, NULL, "UPDATE casefile SET handler_org_id = ?, handler_unit_id = ? WHERE id = ?", "IIi",
                     to_org, to_unit, id);
        /* Its grid workers get a message (docs/notifications.md): none unless it went to a grid that has some. */
        if (rc == DB_OK && to_org > 0) {
            json_t *params = json_pack("{s:I}", "case_id", (json_int_t)id);
            rc = outbox_to_grid_workers(db, w, to_org, "case.dispatched", params);
            json_decref(params);
        }
    }
    if (rc == DB_OK && a == CA_HANDLE)
        rc = db_exec(db, NULL, "UPDATE casefile SET handler_user_id = ?, handled_at = ? WHERE id = ?", "iii",
                     w->who.user_id, w->now, id);
    if (rc == DB_OK && a == CA_RETURN)
        rc = db_exec(db, NULL, "UPDATE casefile SET returns = returns + 1 WHERE id = ?", "i", id);
    if (rc == DB_OK && a == CA_CLOSE)
        rc = db_exec(db, NULL, "UPDATE casefile SET closed_at = ? WHERE id = ?", "ii", w->now, id);
    if (rc == DB_OK && a == CA_RATE)
        rc = db_exec(db, NULL, "UPDATE casefile SET rating = ?, rating_comment = ? WHERE id = ?", "tti",
                     in.rating, note, id);
    int64_t hours = case_stage_hours(db, category, to), final = case_state_final(to);
    /* A case that ends (closed, rejected, merged) ends its 督办 too: the log keeps it. */
    if (rc == DB_OK)
        rc = db_exec(db, NULL,
                     "UPDATE casefile SET state = ?, stage_deadline = ?, updated_at = ?, version = version + 1,"
                     " escalation_level = 0, escalated_org_id = NULL,"
                     " supervised_org_id = CASE WHEN ? = 1 THEN NULL ELSE supervised_org_id END,"
                     " supervise_deadline = CASE WHEN ? = 1 THEN NULL ELSE supervise_deadline END WHERE id = ?",
                     "tIiiii", case_state_name(to), final || hours == 0 ? 0 : w->now + hours * 3600, w->now, final,
                     final, id);
    if (rc == DB_OK)
        rc = case_log_event(db, w, id, case_action_name(a), case_state_name(from), case_state_name(to), note);
    if (rc == DB_OK)
        rc = casework_case_part(db, id, 1, &cw);
    if (rc == DB_OK)
        rc = casework_delta_apply(db, &cw);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "case.moved", "case", id, org,
                              json_pack("{s:s, s:s, s:s}", "action", case_action_name(a), "from", case_state_name(from),
                                        "to", case_state_name(to)));
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    api_json(rep, 200, case_json(db, id, 1));
    return 0;
}

int case_action(api_req_t *req, api_reply_t *rep)
{
    if (case_action_from_name(json_string_value(json_object_get(req->body, "action"))) == CA_NONE)
        return api_fail(rep, req->lang, E_UNKNOWN_ACTION, "action");
    json_t *data = json_deep_copy(req->body);
    case_intake_note(data, "note");
    return api_defer(req, action_write, data);
}
