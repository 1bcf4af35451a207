/* Supervision (督办) of a case by a higher org, and its publicity. */
#include "api/case.h"

#include "api/handlers.h"
#include "api/outbox.h"

#include <string.h>
#include <time.h>

#include "core/path.h"
#include "core/timefmt.h"
#include "core/role.h"
#include "lib/util.h"

/* ---- supervision (督办) ---- */

/* A supervision, as validated (typed input, api.h). */
typedef struct {
    uint64_t given;
    const char *deadline; /* RFC 3339 time or date, in the future (checked before the write) */
    const char *note;
    int64_t version;
} supervise_in_t;

const field_t case_supervise_fields[] = {
    IN(supervise_in_t, deadline, F_TEXT, 1, 10, 40, NULL),
    IN(supervise_in_t, note, F_BLOCK, 0, 1, 1000, NULL),
    IN(supervise_in_t, version, F_INT, 1, 1, INT64_MAX, NULL),
    FIELDS_END,
};

static int supervise_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    supervise_in_t in = {0};
    api_input_fill(case_supervise_fields, data, &in);
    int64_t id = w->id, org, version = 0, deadline = 0;
    if (time_parse_rfc3339(in.deadline, &deadline) != 0)
        return api_fail(rep, w->lang, E_DEADLINE_NOT_FUTURE, "deadline");
    char path[ACCESS_PATH_MAX];
    int rc = case_visible(db, &w->who, id, &org, path, sizeof path);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "case");
    /* The supervisor: the caller's grant above the case's community (a street or higher). */
    const grant_t *by = NULL;
    for (int i = 0; i < w->who.ngrants; i++) {
        const grant_t *g = &w->who.grants[i];
        if (!(g->perms & PERM_CASE_WRITE) || !(g->org_id <= 0 || path_is_within(path, g->path)))
            continue;
        char level[16] = "city"; /* a grant over everything supervises as the city */
        if (g->org_id > 0)
            db_one_text(db, level, sizeof level, "SELECT level FROM org WHERE id = ?", "i", g->org_id);
        if ((strcmp(level, "street") == 0 || strcmp(level, "district") == 0 || strcmp(level, "city") == 0) &&
            (by == NULL || strlen(g->path) < strlen(by->path)))
            by = g;
    }
    if (by == NULL)
        return api_fail(rep, w->lang, E_SUPERVISE_LEVEL_FORBIDDEN, NULL);
    db_one_int(db, &version, "SELECT version FROM casefile WHERE id = ?", "i", id);
    if (version != in.version)
        return api_fail(rep, w->lang, E_CASE_VERSION_CONFLICT, "version");
    char state[16] = "";
    db_one_text(db, state, sizeof state, "SELECT state FROM casefile WHERE id = ?", "i", id);
    if (case_state_final(case_state_from_name(state)))
        return api_fail(rep, w->lang, E_CASE_FINISHED, NULL);
    int64_t by_org = by->org_id;
    if (by_org <= 0) {
        int64_t ids[PATH_MAX_DEPTH];
        by_org = path_ids(path, ids, PATH_MAX_DEPTH) > 0 ? ids[0] : org; /* the city above the case */
    }
    rc = db_exec(db, NULL,
                 "UPDATE casefile SET supervised_org_id = ?, supervise_deadline = ?, updated_at = ?,"
                 " version = version + 1 WHERE id = ?",
                 "iiii", by_org, deadline, w->now, id);
    if (rc == DB_OK)
        rc = case_log_event(db, w, id, "supervise", state, state, in.note);
    if (rc == DB_OK) { /* the staff of the case's community and grid get a message (docs/notifications.md) */
        json_t *params = json_pack("{s:I, s:I}", "case_id", (json_int_t)id, "deadline", (json_int_t)deadline);
        rc = outbox_to_staff(db, w, org, path, "case.supervised", params);
        json_decref(params);
    }
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "case.supervised", "case", id, org,
                              json_pack("{s:I, s:I}", "by_org", (json_int_t)by_org, "deadline", (json_int_t)deadline));
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    api_json(rep, 200, case_json(db, id, 1));
    return 0;
}

int case_supervise(api_req_t *req, api_reply_t *rep)
{
    int64_t t = 0;
    if (time_parse_rfc3339(json_string_value(json_object_get(req->body, "deadline")), &t) != 0 || t <= clock_now())
        return api_fail(rep, req->lang, E_DEADLINE_NOT_FUTURE, "deadline");
    json_t *data = json_deep_copy(req->body);
    case_intake_note(data, "note");
    return api_defer(req, supervise_write, data);
}

/* ---- publicity ---- */

/* Publishing or withholding a case, as validated (typed input, api.h). */
typedef struct {
    uint64_t given;
    int public;
    int64_t version;
} publicity_in_t;

const field_t case_publicity_fields[] = {
    IN(publicity_in_t, public, F_BOOL, 1, 0, 0, NULL),
    IN(publicity_in_t, version, F_INT, 1, 1, INT64_MAX, NULL),
    FIELDS_END,
};

static int publicity_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    int64_t id = w->id, org;
    char path[ACCESS_PATH_MAX];
    int rc = case_visible(db, &w->who, id, &org, path, sizeof path);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "case");
    /* Staff working cases over the case's node; a reporter or a unit sees it but decides nothing. */
    if (!access_covers(&w->who, PERM_CASE_WRITE, path))
        return api_fail(rep, w->lang, E_PUBLICITY_FORBIDDEN, NULL);
    if (api_check_version(db, w, "SELECT version FROM casefile WHERE id = ?", id, data, rep) != 0)
        return -1;
    publicity_in_t in = {0};
    api_input_fill(case_publicity_fields, data, &in);
    int pub = in.public;
    rc = db_exec(db, NULL, "UPDATE casefile SET is_public = ?, updated_at = ?, version = version + 1 WHERE id = ?",
                 "iii", (int64_t)pub, w->now, id);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, pub ? "case.published" : "case.withheld", "case", id, org,
                              json_pack("{s:b}", "public", pub));
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    api_json(rep, 200, case_json(db, id, 1));
    return rep->json ? 0 : api_db_error(rep, w->lang, DB_ERR, NULL);
}

int case_publicity(api_req_t *req, api_reply_t *rep)
{
    (void)rep;
    json_t *data = req->body;
    req->body = NULL;
    return api_defer_kept(req, publicity_write, data);
}
