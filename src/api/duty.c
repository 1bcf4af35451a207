/* Duty lists (书记抓基层党建责任清单): a list per secretary (a cadre in the post
 * 书记) per year, at the secretary's node. The node writes its items (what,
 * how, by when, the indicator, the evidence; some flagged 书记项目) and submits
 * the list; the level above returns it with a reason or signs it; the node
 * publishes a signed list (core/dutyfsm.c). The level above issues common
 * items to every list below it for a year (copied into each, marked with their
 * issuer, fixed for the list's node); progress is reported per item and the
 * level above reviews each list once a quarter. Figures per node and year:
 * lists signed, items done, items overdue, over the subtree. See docs/duties.md. */
#include "api/handlers.h"
#include "api/op.h"
#include "api/internal.h"
#include "api/list.h"

#include <stdlib.h>
#include <string.h>

#include "core/dutyfsm.h"
#include "core/path.h"
#include "core/random.h"
#include "core/role.h"
#include "lib/util.h"

const char *const duty_ratings[] = {"good", "fairly_good", "average", "poor", NULL};

#define DUTY_READ PERM_PARTY_READ
#define DUTY_WRITE PERM_PARTY_WRITE

/* ---------------------------------------------------------------- answers */

#define LIST_SELECT LIST_COLUMNS LIST_FROM
#define LIST_COLUMNS                                                                                                   \
    "SELECT l.id, l.org_id, o.name AS org_name, o.level AS org_level, l.cadre_id, p.name AS secretary_name, l.year,"  \
    " l.state, l.return_reason, l.signed_at, l.published_at, l.created_at, l.updated_at, l.version,"                 \
    " (SELECT COUNT(*) FROM duty_item i WHERE i.list_id = l.id) AS items_total,"                                      \
    " (SELECT COUNT(*) FROM duty_item i WHERE i.list_id = l.id AND i.done = 1) AS items_done,"                        \
    " (SELECT COUNT(*) FROM duty_item i WHERE i.list_id = l.id AND i.done = 0 AND i.deadline < ?) AS items_overdue"
#define LIST_FROM                                                                                                      \
    " FROM duty_list l JOIN org o ON o.id = l.org_id JOIN cadre c ON c.id = l.cadre_id"                              \
    " JOIN person p ON p.id = c.person_id"

#define ITEM_COLUMNS                                                                                                   \
    "i.id, i.list_id, i.common_id, i.what, i.how, i.deadline, i.indicator, i.evidence, i.secretary_project, i.done,"  \
    " i.done_at, i.created_at, i.updated_at, i.version"

/* Integer flags of rows answered as booleans. */
static void rows_bools(json_t *rows, const char *const *keys)
{
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) {
        for (const char *const *k = keys; *k; k++) {
            json_t *v = json_object_get(r, *k);
            if (v)
                json_object_set_new(r, *k, json_boolean(json_integer_value(v) != 0));
        }
    }
}

static const char *const item_bools[] = {"secretary_project", "done", NULL};

/* The moves the caller may make on a list in state s at the node at path, and
 * what else they may do there. */
static json_t *list_can(db_t *db, const principal_t *who, int64_t org, const char *path, duty_state_t s)
{
    int node = access_covers(who, DUTY_WRITE, path);
    int above = access_org_above(db, who, DUTY_WRITE, org) == DB_OK;
    json_t *moves = json_array();
    for (int a = 0; a < DA_COUNT; a++) {
        if (duty_next(s, (duty_action_t)a) == DS_NONE)
            continue;
        if (duty_actor((duty_action_t)a) == DUTY_BY_ABOVE ? above : node)
            json_array_append_new(moves, json_string(duty_action_name((duty_action_t)a)));
    }
    return json_pack("{s:o, s:b, s:b, s:b}", "moves", moves, "edit_items", node && duty_items_editable(s),
                     "report_progress", node && duty_in_force(s), "review", above && duty_in_force(s));
}

/* A list with its items (each with its progress), quarterly reviews and
 * history, and what the caller may do with it; NULL when it is missing. */
static json_t *list_json(db_t *db, const principal_t *who, int64_t id)
{
    char today[16];
    date_today(today);
    json_t *l = db_row_one_json(db, LIST_SELECT " WHERE l.id = ?", "ti", today, id);
    if (l == NULL)
        return NULL;
    json_t *items = db_rows_json(db,
                                 "SELECT " ITEM_COLUMNS ", d.org_id AS issued_by_org_id, io.name AS issued_by_org_name"
                                 " FROM duty_item i LEFT JOIN duty_common d ON d.id = i.common_id"
                                 " LEFT JOIN org io ON io.id = d.org_id WHERE i.list_id = ? ORDER BY i.deadline, i.id",
                                 "i", id);
    json_t *progress = db_rows_json(db,
                                    "SELECT g.id, g.item_id, g.note, g.done, g.at AS reported_at, u.display_name AS by_name"
                                    " FROM duty_progress g JOIN duty_item i ON i.id = g.item_id"
                                    " LEFT JOIN app_user u ON u.id = g.user_id WHERE i.list_id = ? ORDER BY g.id",
                                    "i", id);
    json_t *reviews = db_rows_json(db,
                                   "SELECT r.id, r.quarter, r.rating, r.comment, r.at AS reviewed_at, u.display_name AS by_name"
                                   " FROM duty_review r LEFT JOIN app_user u ON u.id = r.user_id"
                                   " WHERE r.list_id = ? ORDER BY r.quarter",
                                   "i", id);
    json_t *events = db_rows_json(db,
                                  "SELECT e.id, e.action, e.from_state, e.to_state, e.reason, e.at AS moved_at,"
                                  " u.display_name AS by_name FROM duty_event e LEFT JOIN app_user u ON u.id = e.user_id"
                                  " WHERE e.list_id = ? ORDER BY e.id",
                                  "i", id);
    char path[ACCESS_PATH_MAX] = "";
    int64_t org = json_integer_value(json_object_get(l, "org_id"));
    if (items == NULL || progress == NULL || reviews == NULL || events == NULL ||
        org_brief(db, org, path, sizeof path, NULL, 0) != DB_OK) {
        json_decref(l);
        l = NULL;
        goto out;
    }
    rows_bools(items, item_bools);
    static const char *const progress_bools[] = {"done", NULL};
    rows_bools(progress, progress_bools);
    size_t i, j;
    json_t *it, *g;
    json_array_foreach(items, i, it) {
        json_t *mine = json_array();
        json_array_foreach(progress, j, g) {
            if (json_integer_value(json_object_get(g, "item_id")) == json_integer_value(json_object_get(it, "id")))
                json_array_append(mine, g);
        }
        json_object_set_new(it, "issued", json_boolean(json_integer_value(json_object_get(it, "common_id")) > 0));
        json_object_set_new(it, "progress", mine);
    }
    json_object_set(l, "items", items);
    json_object_set(l, "reviews", reviews);
    json_object_set(l, "history", events);
    json_object_set_new(l, "can", list_can(db, who, org, path, duty_state_from_name(json_string_value(json_object_get(l, "state")))));
out:
    json_decref(items);
    json_decref(progress);
    json_decref(reviews);
    json_decref(events);
    return l;
}

/* A write's end: its error, or the list as it is now. */
static int answer_list(db_t *db, const write_ctx_t *w, int rc, int64_t id, int status, api_reply_t *rep)
{
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    json_t *l = list_json(db, &w->who, id);
    if (l == NULL)
        return api_db_error(rep, w->lang, DB_ERR, NULL);
    api_json(rep, status, l);
    return 0;
}

/* A list's node, path and state, for a write. */
typedef struct {
    int64_t id, org;
    duty_state_t state;
    int year;
    char path[ACCESS_PATH_MAX];
} list_at_t;

static int list_load(db_t *db, int64_t id, list_at_t *l)
{
    char state[16] = "";
    int64_t year = 0;
    int rc = db_one_int(db, &l->org, "SELECT org_id FROM duty_list WHERE id = ?", "i", id);
    if (rc == DB_OK)
        rc = db_one_int(db, &year, "SELECT year FROM duty_list WHERE id = ?", "i", id);
    if (rc == DB_OK)
        rc = db_one_text(db, state, sizeof state, "SELECT state FROM duty_list WHERE id = ?", "i", id);
    if (rc == DB_OK)
        rc = org_brief(db, l->org, l->path, sizeof l->path, NULL, 0);
    l->id = id;
    l->year = (int)year;
    l->state = duty_state_from_name(state);
    return rc;
}

/* A change to a list's items is a change to the list: its version moves. */
static int list_touch(db_t *db, const write_ctx_t *w, int64_t id)
{
    return db_exec(db, NULL, "UPDATE duty_list SET updated_at = ?, version = version + 1 WHERE id = ?", "ii", w->now,
                   id);
}

/* ---------------------------------------------------------------- lists */

typedef struct {
    uint64_t given;
    int64_t cadre_id;
    int64_t year;
} list_in_t;

static const field_t list_create_fields[] = {
    IN(list_in_t, cadre_id, F_INT, 1, 1, INT64_MAX, NULL),
    IN(list_in_t, year, F_INT, 1, 2000, 2100, NULL),
    FIELDS_END,
};

/* Copy the common items issued for year by the nodes strictly above org into list. */
static int copy_commons(db_t *db, int64_t list, int64_t org, int64_t year, int64_t now)
{
    return db_exec(db, NULL,
                   "INSERT INTO duty_item (list_id, common_id, what, how, deadline, indicator, evidence,"
                   " secretary_project, created_at, updated_at)"
                   " SELECT ?, d.id, d.what, d.how, d.deadline, d.indicator, d.evidence, d.secretary_project, ?, ?"
                   " FROM duty_common d JOIN org i ON i.id = d.org_id, org t"
                   " WHERE t.id = ? AND d.year = ? AND d.org_id <> t.id AND substr(t.path, 1, length(i.path)) = i.path"
                   " ORDER BY d.id",
                   "iiiii", list, now, now, org, year);
}

static int event_log(db_t *db, const write_ctx_t *w, int64_t list, const char *action, duty_state_t from,
                     duty_state_t to, const char *reason)
{
    return db_exec(db, NULL,
                   "INSERT INTO duty_event (list_id, action, from_state, to_state, reason, at, user_id)"
                   " VALUES (?, ?, ?, ?, ?, ?, ?)",
                   "ittttiI", list, action, duty_state_name(from), duty_state_name(to), reason, w->now,
                   w->who.user_id);
}

static int list_create_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    list_in_t in = {0};
    api_input_fill(list_create_fields, data, &in);
    int64_t org = 0, taken = 0, id = 0;
    char post[32] = "";
    int rc = db_one_int(db, &org, "SELECT org_id FROM cadre WHERE id = ?", "i", in.cadre_id);
    if (rc == DB_NOTFOUND || (rc == DB_OK && access_org(db, &w->who, DUTY_READ, org, NULL, 0) == DB_NOTFOUND))
        return api_fail(rep, w->lang, E_DUTY_CADRE_NOT_FOUND, "cadre_id");
    if (rc == DB_OK)
        rc = db_one_text(db, post, sizeof post, "SELECT post FROM cadre WHERE id = ?", "i", in.cadre_id);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    if (strcmp(post, "书记") != 0)
        return api_fail(rep, w->lang, E_DUTY_NOT_SECRETARY, "cadre_id");
    if (api_org_input(db, w, DUTY_WRITE, org, "cadre_id", rep) != 0)
        return -1;
    rc = db_one_int(db, &taken, "SELECT COUNT(*) FROM duty_list WHERE cadre_id = ? AND year = ?", "ii", in.cadre_id,
                    in.year);
    if (rc == DB_OK && taken)
        return api_fail(rep, w->lang, E_DUTY_LIST_TAKEN, "year");
    if (rc == DB_OK)
        rc = db_one_int(db, &id,
                        "INSERT INTO duty_list (org_id, cadre_id, year, created_at, updated_at) VALUES (?, ?, ?, ?, ?)"
                        " RETURNING id",
                        "iiiii", org, in.cadre_id, in.year, w->now, w->now);
    if (rc == DB_OK)
        rc = copy_commons(db, id, org, in.year, w->now);
    if (rc == DB_OK)
        rc = audit_append(db, w, "duty_list.created", "duty_list", id, org, data);
    return answer_list(db, w, rc, id, 201, rep);
}

DEFER_BODY(duty_list_create, list_create_write)

static int duty_list_get(api_req_t *req, api_reply_t *rep)
{
    json_t *l = list_json(req->db, req->who, req->params[0]);
    if (l == NULL)
        return api_db_error(rep, req->lang, DB_NOTFOUND, "duty_list");
    return api_json(rep, 200, l);
}

/* A list of the node (?org=, else the caller's scope) and below it, ?year=
 * narrowing it: 0, or -1 with rep set. */
static int list_in_scope(api_req_t *req, api_reply_t *rep, api_list_t *l, const char *path, const char *year_col)
{
    int64_t org = 0, year = 0;
    char lo[ACCESS_PATH_MAX], hi[ACCESS_PATH_MAX];
    api_query_int(req, "org", 0, 1, INT64_MAX, &org);
    api_query_int(req, "year", 0, 2000, 2100, &year);
    int rc = access_list_range(req->db, req->who, DUTY_READ, org, lo, hi);
    if (rc != DB_OK)
        return api_db_error(rep, req->lang, rc, "org");
    char cond[128];
    snprintf(cond, sizeof cond, "%s >= ? AND %s < ?", path, path);
    api_list_where(l, cond, "tt", lo, hi);
    if (year) {
        snprintf(cond, sizeof cond, "%s = ?", year_col);
        api_list_where(l, cond, "i", year);
    }
    return 0;
}

static const field_t list_query[] = {
    {"org", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"year", F_INT, 0, 2000, 2100, NULL, 0},
    {"state", F_ENUM, 0, 0, 0, duty_states, 0},
    FIELDS_END,
};

/* GET /api/v1/duty-lists: the lists at the node (?org=, else the caller's
 * scope) and below it, ?year= and ?state= narrowing them; keyset pages by id,
 * with their total. */
static int duty_list_list(api_req_t *req, api_reply_t *rep)
{
    char today[16];
    date_today(today);
    api_list_t l;
    api_list_begin(&l, LIST_COLUMNS, LIST_FROM, "l.id", NULL);
    l.column_arg = today;
    if (list_in_scope(req, rep, &l, "o.path", "l.year") != 0) {
        api_list_end(&l);
        return -1;
    }
    char *state = api_query(req, "state");
    if (state)
        api_list_where(&l, "l.state = ?", "t", state);
    free(state);
    return api_list_answer(req, rep, &l);
}

/* ---------------------------------------------------------------- moves */

static const field_t move_fields[] = {
    MOVE_FIELDS(duty_actions),
    FIELDS_END,
};

static int move_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    move_in_t in = {0};
    api_input_fill(move_fields, data, &in);
    list_at_t l;
    int rc = list_load(db, w->id, &l);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "duty_list");
    duty_action_t a = duty_action_from_name(in.action);
    duty_state_t to = duty_next(l.state, a);
    if (to == DS_NONE)
        return api_fail(rep, w->lang, E_DUTY_MOVE_NOT_POSSIBLE, "action");
    if (duty_actor(a) == DUTY_BY_ABOVE ? access_org_above(db, &w->who, DUTY_WRITE, l.org) != DB_OK
                                       : !access_covers(&w->who, DUTY_WRITE, l.path))
        return api_fail(rep, w->lang, duty_actor(a) == DUTY_BY_ABOVE ? E_DUTY_ABOVE_ONLY : E_DUTY_NODE_ONLY,
                        "action");
    if (duty_needs_reason(a) && in.reason == NULL)
        return api_fail(rep, w->lang, E_DUTY_REASON_REQUIRED, "reason");
    if (api_check_version(db, w, "SELECT version FROM duty_list WHERE id = ?", l.id, data, rep) != 0)
        return -1;
    int64_t items = 0;
    if (a == DA_SUBMIT) {
        rc = db_one_int(db, &items, "SELECT COUNT(*) FROM duty_item WHERE list_id = ?", "i", l.id);
        if (rc == DB_OK && items == 0)
            return api_fail(rep, w->lang, E_DUTY_LIST_EMPTY, "action");
    }
    if (rc == DB_OK)
        rc = db_exec(db, NULL,
                     "UPDATE duty_list SET state = ?, return_reason = ?,"
                     " signed_at = CASE WHEN ? = 1 THEN ? ELSE signed_at END,"
                     " published_at = CASE WHEN ? = 1 THEN ? ELSE published_at END,"
                     " updated_at = ?, version = version + 1 WHERE id = ?",
                     "ttiiiiii", duty_state_name(to), a == DA_RETURN ? in.reason : NULL, (int64_t)(a == DA_SIGN),
                     w->now, (int64_t)(a == DA_PUBLISH), w->now, w->now, l.id);
    if (rc == DB_OK)
        rc = event_log(db, w, l.id, in.action, l.state, to, in.reason);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "duty_list.moved", "duty_list", l.id, l.org,
                              json_pack("{s:s, s:s, s:s}", "action", in.action, "from", duty_state_name(l.state), "to",
                                        duty_state_name(to)));
    return answer_list(db, w, rc, l.id, 200, rep);
}

DEFER_BODY(duty_list_move, move_write)

/* ---------------------------------------------------------------- items */

typedef struct {
    uint64_t given;
    const char *what;
    const char *how;
    const char *deadline;
    const char *indicator;
    const char *evidence;
    int secretary_project;
    int64_t version;
} item_in_t;

#define ITEM_FIELDS(req)                                                                                               \
    IN(item_in_t, what, F_BLOCK, req, 1, 500, NULL), IN(item_in_t, how, F_BLOCK, req, 1, 1000, NULL),                 \
        IN(item_in_t, deadline, F_DATE, req, 20000101, 5, NULL), IN(item_in_t, indicator, F_BLOCK, 0, 1, 500, NULL),  \
        IN(item_in_t, evidence, F_BLOCK, 0, 1, 500, NULL),                                                            \
        IN(item_in_t, secretary_project, F_BOOL, (req) == 1 ? 0 : F_NOT_NULL, 0, 0, NULL)

static const field_t item_create_fields[] = {
    ITEM_FIELDS(1),
    FIELDS_END,
};

static const field_t item_update_fields[] = {
    ITEM_FIELDS(F_NOT_NULL),
    IN(item_in_t, version, F_INT, 0, 1, INT64_MAX, NULL),
    FIELDS_END,
};

/* The list may change its items: a draft, the caller the list's node. */
static int items_editable(const write_ctx_t *w, const list_at_t *l, api_reply_t *rep)
{
    if (!access_covers(&w->who, DUTY_WRITE, l->path))
        return api_fail(rep, w->lang, E_DUTY_NODE_ONLY, NULL);
    if (!duty_items_editable(l->state))
        return api_fail(rep, w->lang, E_DUTY_LIST_NOT_DRAFT, "state");
    return 0;
}

static int deadline_in_year(const write_ctx_t *w, const char *deadline, int year, api_reply_t *rep)
{
    return deadline && atoi(deadline) != year ? api_fail(rep, w->lang, E_DUTY_DEADLINE_YEAR, "deadline") : 0;
}

static int item_create_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    item_in_t in = {0};
    api_input_fill(item_create_fields, data, &in);
    list_at_t l;
    int rc = list_load(db, w->id, &l);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "duty_list");
    if (items_editable(w, &l, rep) != 0 || deadline_in_year(w, in.deadline, l.year, rep) != 0)
        return -1;
    int64_t id = 0;
    rc = db_one_int(db, &id,
                    "INSERT INTO duty_item (list_id, what, how, deadline, indicator, evidence, secretary_project,"
                    " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                    "itttttiii", l.id, in.what, in.how, in.deadline, in.indicator, in.evidence,
                    (int64_t)in.secretary_project, w->now, w->now);
    if (rc == DB_OK)
        rc = list_touch(db, w, l.id);
    if (rc == DB_OK)
        rc = audit_append(db, w, "duty_item.created", "duty_item", id, l.org, data);
    return answer_list(db, w, rc, l.id, 201, rep);
}

DEFER_BODY(duty_item_create, item_create_write)

/* The list of the item the write's path names: 0, or -1 with rep set. */
static int item_list(db_t *db, const write_ctx_t *w, list_at_t *l, api_reply_t *rep)
{
    int64_t list = 0;
    int rc = db_one_int(db, &list, "SELECT list_id FROM duty_item WHERE id = ?", "i", w->id);
    if (rc == DB_OK)
        rc = list_load(db, list, l);
    return rc == DB_OK ? 0 : api_db_error(rep, w->lang, rc, "duty_item");
}

/* An item of a list the caller may change, not one issued from above. */
static int item_mine(db_t *db, const write_ctx_t *w, list_at_t *l, api_reply_t *rep)
{
    int64_t common = 0;
    if (item_list(db, w, l, rep) != 0)
        return -1;
    int rc = db_one_int(db, &common, "SELECT COALESCE(common_id, 0) FROM duty_item WHERE id = ?", "i", w->id);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "duty_item");
    if (items_editable(w, l, rep) != 0)
        return -1;
    return common ? api_fail(rep, w->lang, E_DUTY_ITEM_ISSUED, NULL) : 0;
}

/* 1 if field i of item_update_fields was sent (with a value, or null to clear it). */
static int64_t sent(const item_in_t *in, int i)
{
    return (IN_SENT(in) >> i) & 1;
}

static int item_update_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    item_in_t in = {0};
    api_input_fill(item_update_fields, data, &in);
    list_at_t l;
    if (item_mine(db, w, &l, rep) != 0 || deadline_in_year(w, in.deadline, l.year, rep) != 0 ||
        api_check_version(db, w, "SELECT version FROM duty_item WHERE id = ?", w->id, data, rep) != 0)
        return -1;
    /* Each column the input names; a cleared indicator or evidence is null. */
    int rc = db_exec(db, NULL,
                     "UPDATE duty_item SET what = CASE WHEN ? = 1 THEN ? ELSE what END,"
                     " how = CASE WHEN ? = 1 THEN ? ELSE how END,"
                     " deadline = CASE WHEN ? = 1 THEN ? ELSE deadline END,"
                     " indicator = CASE WHEN ? = 1 THEN ? ELSE indicator END,"
                     " evidence = CASE WHEN ? = 1 THEN ? ELSE evidence END,"
                     " secretary_project = CASE WHEN ? = 1 THEN ? ELSE secretary_project END,"
                     " updated_at = ?, version = version + 1 WHERE id = ?",
                     "ititititititii", sent(&in, 0), in.what, sent(&in, 1), in.how, sent(&in, 2), in.deadline,
                     sent(&in, 3), in.indicator, sent(&in, 4), in.evidence, sent(&in, 5),
                     (int64_t)in.secretary_project, w->now, w->id);
    if (rc == DB_OK)
        rc = list_touch(db, w, l.id);
    if (rc == DB_OK)
        rc = audit_append(db, w, "duty_item.updated", "duty_item", w->id, l.org, data);
    return answer_list(db, w, rc, l.id, 200, rep);
}

DEFER_BODY(duty_item_update, item_update_write)

static int item_delete_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    (void)data;
    list_at_t l;
    if (item_mine(db, w, &l, rep) != 0)
        return -1;
    int rc = db_exec(db, NULL, "DELETE FROM duty_item WHERE id = ?", "i", w->id);
    if (rc == DB_OK)
        rc = list_touch(db, w, l.id);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "duty_item.deleted", "duty_item", w->id, l.org,
                              json_pack("{s:I}", "list_id", (json_int_t)l.id));
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    rep->status = 204;
    return 0;
}

static int duty_item_delete(api_req_t *req, api_reply_t *rep)
{
    (void)rep;
    return api_defer(req, item_delete_write, json_object());
}

/* ---------------------------------------------------------------- progress and reviews */

typedef struct {
    uint64_t given;
    const char *note;
    int done;
} progress_in_t;

static const field_t progress_fields[] = {
    IN(progress_in_t, note, F_BLOCK, 1, 1, 1000, NULL),
    IN(progress_in_t, done, F_BOOL, 1, 0, 0, NULL),
    FIELDS_END,
};

/* Who reports an item's progress (and adds or removes its evidence): the
 * list's own node, while the list is in force. 0, or the refusal. */
static int progress_refusal(const principal_t *who, const list_at_t *l)
{
    if (!access_covers(who, DUTY_WRITE, l->path))
        return E_DUTY_NODE_ONLY;
    return duty_in_force(l->state) ? 0 : E_DUTY_LIST_NOT_IN_FORCE;
}

static int progress_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    progress_in_t in = {0};
    api_input_fill(progress_fields, data, &in);
    list_at_t l;
    if (item_list(db, w, &l, rep) != 0)
        return -1;
    int e = progress_refusal(&w->who, &l);
    if (e)
        return api_fail(rep, w->lang, (err_t)e, e == E_DUTY_LIST_NOT_IN_FORCE ? "state" : NULL);
    int rc = db_exec(db, NULL, "INSERT INTO duty_progress (item_id, note, done, at, user_id) VALUES (?, ?, ?, ?, ?)",
                 "itiiI", w->id, in.note, (int64_t)in.done, w->now, w->who.user_id);
    /* Done since the first report that said so; not done clears it. */
    if (rc == DB_OK)
        rc = db_exec(db, NULL,
                     "UPDATE duty_item SET done = ?, done_at = CASE WHEN ? = 0 THEN NULL WHEN done = 1 THEN done_at"
                     " ELSE ? END, updated_at = ?, version = version + 1 WHERE id = ?",
                     "iiiii", (int64_t)in.done, (int64_t)in.done, w->now, w->now, w->id);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "duty_item.progress", "duty_item", w->id, l.org,
                              json_pack("{s:I, s:b}", "list_id", (json_int_t)l.id, "done", in.done));
    return answer_list(db, w, rc, l.id, 201, rep);
}

DEFER_BODY(duty_item_progress, progress_write)

typedef struct {
    uint64_t given;
    int64_t quarter;
    const char *rating;
    const char *comment;
} review_in_t;

static const field_t review_fields[] = {
    IN(review_in_t, quarter, F_INT, 1, 1, 4, NULL),
    IN(review_in_t, rating, F_ENUM, 1, 0, 0, duty_ratings),
    IN(review_in_t, comment, F_BLOCK, 1, 1, 2000, NULL),
    FIELDS_END,
};

static int review_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    review_in_t in = {0};
    api_input_fill(review_fields, data, &in);
    list_at_t l;
    int64_t taken = 0;
    int rc = list_load(db, w->id, &l);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "duty_list");
    if (access_org_above(db, &w->who, DUTY_WRITE, l.org) != DB_OK)
        return api_fail(rep, w->lang, E_DUTY_ABOVE_ONLY, NULL);
    if (!duty_in_force(l.state))
        return api_fail(rep, w->lang, E_DUTY_LIST_NOT_IN_FORCE, "state");
    rc = db_one_int(db, &taken, "SELECT COUNT(*) FROM duty_review WHERE list_id = ? AND quarter = ?", "ii", l.id,
                    in.quarter);
    if (rc == DB_OK && taken)
        return api_fail(rep, w->lang, E_DUTY_REVIEW_TAKEN, "quarter");
    if (rc == DB_OK)
        rc = db_exec(db, NULL,
                     "INSERT INTO duty_review (list_id, quarter, rating, comment, at, user_id) VALUES (?, ?, ?, ?, ?, ?)",
                     "iittiI", l.id, in.quarter, in.rating, in.comment, w->now, w->who.user_id);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "duty_list.reviewed", "duty_list", l.id, l.org,
                              json_pack("{s:I, s:s}", "quarter", (json_int_t)in.quarter, "rating", in.rating));
    return answer_list(db, w, rc, l.id, 201, rep);
}

DEFER_BODY(duty_list_review, review_write)

/* ---------------------------------------------------------------- common items */

typedef struct {
    uint64_t given;
    int64_t org_id;
    int64_t year;
    const char *what;
    const char *how;
    const char *deadline;
    const char *indicator;
    const char *evidence;
    int secretary_project;
} common_in_t;

static const field_t common_fields[] = {
    IN(common_in_t, org_id, F_INT, 1, 1, INT64_MAX, NULL),
    IN(common_in_t, year, F_INT, 1, 2000, 2100, NULL),
    IN(common_in_t, what, F_BLOCK, 1, 1, 500, NULL),
    IN(common_in_t, how, F_BLOCK, 1, 1, 1000, NULL),
    IN(common_in_t, deadline, F_DATE, 1, 20000101, 5, NULL),
    IN(common_in_t, indicator, F_BLOCK, 0, 1, 500, NULL),
    IN(common_in_t, evidence, F_BLOCK, 0, 1, 500, NULL),
    IN(common_in_t, secretary_project, F_BOOL, 0, 0, 0, NULL),
    FIELDS_END,
};

#define COMMON_COLUMNS                                                                                                 \
    "SELECT d.id, d.org_id, o.name AS org_name, d.year, d.what, d.how, d.deadline, d.indicator, d.evidence,"          \
    " d.secretary_project, d.created_at, (SELECT COUNT(*) FROM duty_item i WHERE i.common_id = d.id) AS lists"
#define COMMON_FROM " FROM duty_common d JOIN org o ON o.id = d.org_id"
#define COMMON_SELECT COMMON_COLUMNS COMMON_FROM

static const char *const common_bools[] = {"secretary_project", NULL};

/* A common item's row as answered: its flag a boolean. */
static void common_row(json_t *row, void *ctx)
{
    (void)ctx;
    json_t *v = json_object_get(row, "secretary_project");
    if (v)
        json_object_set_new(row, "secretary_project", json_boolean(json_integer_value(v) != 0));
}

static int duty_common_issue(db_t *db, const write_ctx_t *w, int64_t org, const common_in_t *in, int64_t *id_out)
{
    char lo[ACCESS_PATH_MAX], hi[ACCESS_PATH_MAX];
    int64_t id = 0;
    int rc = org_brief(db, org, lo, sizeof lo, NULL, 0);
    if (rc == DB_OK && path_subtree_upper(hi, sizeof hi, lo) != 0)
        rc = DB_ERR;
    if (rc == DB_OK)
        rc = db_one_int(db, &id,
                        "INSERT INTO duty_common (org_id, year, what, how, deadline, indicator, evidence,"
                        " secretary_project, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                        "iitttttii", org, in->year, in->what, in->how, in->deadline, in->indicator, in->evidence,
                        (int64_t)in->secretary_project, w->now);
    if (rc == DB_OK)
        rc = db_exec(db, NULL,
                     "INSERT INTO duty_item (list_id, common_id, what, how, deadline, indicator, evidence,"
                     " secretary_project, created_at, updated_at)"
                     " SELECT l.id, d.id, d.what, d.how, d.deadline, d.indicator, d.evidence, d.secretary_project, ?, ?"
                     " FROM duty_common d, duty_list l JOIN org o ON o.id = l.org_id"
                     " WHERE d.id = ? AND l.year = d.year AND o.path >= ? AND o.path < ? AND o.id <> d.org_id"
                     " ORDER BY l.id",
                     "iiitt", w->now, w->now, id, lo, hi);
    *id_out = id;
    return rc;
}

static int common_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    common_in_t in = {0};
    api_input_fill(common_fields, data, &in);
    if (api_org_input(db, w, DUTY_WRITE, in.org_id, "org_id", rep) != 0 ||
        deadline_in_year(w, in.deadline, (int)in.year, rep) != 0)
        return -1;
    int64_t id = 0;
    int rc = duty_common_issue(db, w, in.org_id, &in, &id);
    json_t *row = rc == DB_OK ? db_rows_json(db, COMMON_SELECT " WHERE d.id = ?", "i", id) : NULL;
    if (rc == DB_OK && row == NULL)
        rc = DB_ERR;
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "duty_common.issued", "duty_common", id, in.org_id,
                              json_pack("{s:I, s:O}", "year", (json_int_t)in.year, "lists",
                                        json_object_get(json_array_get(row, 0), "lists")));
    if (rc != DB_OK) {
        json_decref(row);
        return api_db_error(rep, w->lang, rc, NULL);
    }
    rows_bools(row, common_bools);
    api_json(rep, 201, json_incref(json_array_get(row, 0)));
    json_decref(row);
    return 0;
}

DEFER_BODY(duty_common_create, common_write)

static const field_t common_query[] = {
    {"org", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"year", F_INT, 0, 2000, 2100, NULL, 0},
    FIELDS_END,
};

/* GET /api/v1/duty-commons: the common items issued by the node (?org=, else
 * the caller's scope) and the nodes below it, ?year= narrowing them. */
static int duty_common_list(api_req_t *req, api_reply_t *rep)
{
    api_list_t l;
    api_list_begin(&l, COMMON_COLUMNS, COMMON_FROM, "d.id", NULL);
    l.row = common_row;
    if (list_in_scope(req, rep, &l, "o.path", "d.year") != 0) {
        api_list_end(&l);
        return -1;
    }
    return api_list_answer(req, rep, &l);
}

/* ---------------------------------------------------------------- figures */

/* The figures of the lists of year in [lo, hi): lists, signed (signed or
 * published), by state, items, done, overdue (deadline before today, not done). */
json_t *duty_figures_of(db_t *db, const principal_t *who, const char *lo, const char *hi, int64_t year,
                       const char *today)
{
    (void)who;
    json_t *r = db_row_one_json(
        db,
        "SELECT COUNT(*) AS lists,"
        " COALESCE(SUM(CASE WHEN l.state IN ('signed', 'published') THEN 1 ELSE 0 END), 0) AS lists_signed,"
        " COALESCE(SUM(CASE WHEN l.state = 'draft' THEN 1 ELSE 0 END), 0) AS lists_draft,"
        " COALESCE(SUM(CASE WHEN l.state = 'review' THEN 1 ELSE 0 END), 0) AS lists_review,"
        " COALESCE(SUM(CASE WHEN l.state = 'published' THEN 1 ELSE 0 END), 0) AS lists_published,"
        " COALESCE(SUM((SELECT COUNT(*) FROM duty_item i WHERE i.list_id = l.id)), 0) AS items,"
        " COALESCE(SUM((SELECT COUNT(*) FROM duty_item i WHERE i.list_id = l.id AND i.done = 1)), 0) AS items_done,"
        " COALESCE(SUM((SELECT COUNT(*) FROM duty_item i WHERE i.list_id = l.id AND i.done = 0 AND i.deadline < ?)),"
        " 0) AS items_overdue"
        " FROM duty_list l JOIN org o ON o.id = l.org_id WHERE o.path >= ? AND o.path < ? AND l.year = ?",
        "ttti", today, lo, hi, year);
    return r;
}

/* GET /api/v1/duty-figures?org=&year=: the node's subtree's figures, and each
 * child's (the node's own lists are the subtree's less its children's). */
static int duty_figures(api_req_t *req, api_reply_t *rep)
{
    return api_subtree_figures(req, rep, DUTY_READ, duty_figures_of);
}

/* ---------------------------------------------------------------- the table */

static const entity_t list_entity = {"duty_list", "SELECT org_id FROM duty_list WHERE id = ?", NULL};
static const entity_t item_entity = {
    "duty_item", "SELECT l.org_id FROM duty_item i JOIN duty_list l ON l.id = i.list_id WHERE i.id = ?", NULL};

/* An item's files: the evidence of its progress (attachment.c). Seen by whoever
 * sees the list; added and removed by whoever reports progress, when they may. */
static int item_files_scope(db_t *db, const principal_t *who, int64_t id, int64_t *org)
{
    int rc = db_one_int(db, org, item_entity.org_sql, "i", id);
    return rc == DB_OK ? access_org(db, who, DUTY_READ, *org, NULL, 0) : rc;
}

static int item_files_writable(db_t *db, const principal_t *who, int64_t id, int removing)
{
    (void)removing;
    int64_t list = 0;
    list_at_t l;
    int rc = db_one_int(db, &list, "SELECT list_id FROM duty_item WHERE id = ?", "i", id);
    if (rc == DB_OK)
        rc = list_load(db, list, &l);
    return rc == DB_OK ? progress_refusal(who, &l) : -1;
}

const attach_owner_t duty_item_files = {"duty_item", "duty_item", item_files_scope, item_files_writable};

const op_t duty_ops[] = {
    {OP(HTTP_GET, "/api/v1/duty-lists", "duty_lists.list", PERM(DUTY_READ), RF_PAGED, duty_list_list),
     .query = list_query},
    {OP(HTTP_POST, "/api/v1/duty-lists", "duty_lists.create", PERM(DUTY_WRITE), RF_BODY | RF_WRITES,
        duty_list_create),
     .body = list_create_fields},
    {OP(HTTP_GET, "/api/v1/duty-lists/{id}", "duty_lists.get", PERM(DUTY_READ), 0, duty_list_get),
     .entity = &list_entity},
    {OP(HTTP_POST, "/api/v1/duty-lists/{id}/moves", "duty_lists.move", PERM(DUTY_WRITE), RF_BODY | RF_WRITES,
        duty_list_move),
     .body = move_fields, .entity = &list_entity},
    {OP(HTTP_POST, "/api/v1/duty-lists/{id}/items", "duty_items.create", PERM(DUTY_WRITE), RF_BODY | RF_WRITES,
        duty_item_create),
     .body = item_create_fields, .entity = &list_entity},
    {OP(HTTP_POST, "/api/v1/duty-lists/{id}/reviews", "duty_lists.review", PERM(DUTY_WRITE), RF_BODY | RF_WRITES,
        duty_list_review),
     .body = review_fields, .entity = &list_entity},
    {OP(HTTP_PATCH, "/api/v1/duty-items/{id}", "duty_items.update", PERM(DUTY_WRITE), RF_BODY | RF_WRITES,
        duty_item_update),
     .body = item_update_fields, .entity = &item_entity},
    {OP(HTTP_DELETE, "/api/v1/duty-items/{id}", "duty_items.delete", PERM(DUTY_WRITE), RF_WRITES, duty_item_delete),
     .entity = &item_entity},
    {OP(HTTP_POST, "/api/v1/duty-items/{id}/progress", "duty_items.progress", PERM(DUTY_WRITE), RF_BODY | RF_WRITES,
        duty_item_progress),
     .body = progress_fields, .entity = &item_entity},
    {OP(HTTP_GET, "/api/v1/duty-commons", "duty_commons.list", PERM(DUTY_READ), RF_PAGED, duty_common_list),
     .query = common_query},
    {OP(HTTP_POST, "/api/v1/duty-commons", "duty_commons.create", PERM(DUTY_WRITE), RF_BODY | RF_WRITES,
        duty_common_create),
     .body = common_fields},
    {OP(HTTP_GET, "/api/v1/duty-figures", "duty_figures.get", PERM(DUTY_READ), 0, duty_figures),
     .query = subtree_figures_query},
    OPS_END,
};

/* ---------------------------------------------------------------- demo */

static unsigned long long demo_rng;

static int64_t demo_below(int64_t n)
{
    return random_seeded_below(&demo_rng, n);
}

static const struct {
    const char *what, *how, *indicator;
} demo_items[] = {
    {"落实“三会一课”制度", "每月检查支部会议记录，书记每季度讲一次党课", "支部按期开展率100%"},
    {"抓好软弱涣散党组织整顿", "书记联系一个软弱涣散党组织，制定一支部一方案", "年底前完成整顿销号"},
    {"推进网格党建全覆盖", "网格党小组应建尽建，党员中心户挂牌", "网格党组织覆盖率100%"},
    {"发展党员质量提升", "严格发展程序，建立入党积极分子培养台账", "发展程序零差错"},
    {"在职党员进社区报到", "组织在职党员认领服务岗位，每季度通报", "报到率95%以上"},
    {"党群服务中心规范化建设", "对照标准补齐功能室，延时错时服务", "达标率100%"},
    {"书记领办民生实事", "围绕群众急难愁盼，书记领办一件实事", "群众满意率90%以上"},
    {"基层党建述职评议整改", "对照上年度述职点评问题逐项整改", "整改完成率100%"},
};
#define DEMO_NITEMS (sizeof demo_items / sizeof demo_items[0])

static const struct {
    const char *what, *how;
} demo_commons[] = {
    {"学习贯彻党的创新理论", "书记带头学，每季度开展一次集中学习研讨"},
    {"抓党建促基层治理能力提升", "建立问题清单、任务清单、责任清单，按季度调度"},
    {"落实党风廉政建设主体责任", "签订责任书，开展廉政谈话全覆盖"},
};

static const char *const demo_progress[] = {"已按计划推进，形成阶段性成果", "已完成，相关材料已归档",
                                            "推进中，部分工作滞后", "已召开专题会议部署"};

/* A secretary of node at path: its own 书记, else one made from a resident of
 * its subtree (the one after its first community secretary, k places on). */
static int demo_secretary(db_t *db, int64_t node, const char *path, int k, int64_t now, int64_t *cadre)
{
    char hi[ACCESS_PATH_MAX];
    int rc = db_one_int(db, cadre, "SELECT id FROM cadre WHERE org_id = ? AND post = '书记' ORDER BY id LIMIT 1", "i",
                        node);
    if (rc != DB_NOTFOUND)
        return rc;
    if (path_subtree_upper(hi, sizeof hi, path) != 0)
        return DB_ERR;
    int64_t first = 0, person = 0;
    rc = db_one_int(db, &first,
                    "SELECT c.person_id FROM cadre c JOIN org o ON o.id = c.org_id WHERE c.post = '书记'"
                    " AND o.path >= ? AND o.path < ? ORDER BY c.id LIMIT 1",
                    "tt", path, hi);
    if (rc != DB_OK)
        return rc; /* DB_NOTFOUND: nobody lives there */
    rc = db_one_int(db, &person, "SELECT COALESCE(MAX(id), 0) FROM person WHERE id > ? AND id <= ?", "ii", first,
                    first + k);
    if (rc == DB_OK && person == 0)
        person = first;
    if (rc == DB_OK)
        rc = db_one_int(db, cadre,
                        "INSERT INTO cadre (person_id, org_id, post, term_start, created_at, updated_at)"
                        " VALUES (?, ?, '书记', '2021-01-01', ?, ?) RETURNING id",
                        "iiii", person, node, now, now);
    return rc;
}

static int demo_common(db_t *db, int64_t org, int year, int i, int64_t now)
{
    char deadline[16];
    snprintf(deadline, sizeof deadline, "%04d-%02d-%02d", year, 3 + 3 * (i % 4), 28);
    return db_exec(db, NULL,
                   "INSERT INTO duty_common (org_id, year, what, how, deadline, indicator, evidence,"
                   " secretary_project, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?)",
                   "iittttti", org, (int64_t)year, demo_commons[i].what,
                   demo_commons[i].how, deadline, "按季度调度通报", "会议记录、台账", now);
}

/* One list of year for cadre at org, its own items, a state, its moves,
 * progress and reviews as far as today. */
static int demo_list(db_t *db, int64_t org, int64_t cadre, int year, const char *today, int64_t now)
{
    static const duty_state_t states[10] = {DS_DRAFT,  DS_DRAFT,  DS_REVIEW,    DS_SIGNED,    DS_SIGNED,
                                            DS_SIGNED, DS_SIGNED, DS_PUBLISHED, DS_PUBLISHED, DS_PUBLISHED};
    duty_state_t state = states[demo_below(10)];
    int returned = state != DS_DRAFT && demo_below(4) == 0;
    int64_t list = 0;
    int rc = db_one_int(db, &list,
                        "INSERT INTO duty_list (org_id, cadre_id, year, state, signed_at, published_at, created_at,"
                        " updated_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                        "iiitIIiii", org, cadre, (int64_t)year, duty_state_name(state),
                        state >= DS_SIGNED ? now : 0, state == DS_PUBLISHED ? now : 0, now, now,
                        (int64_t)(1 + state + 2 * returned));
    if (rc == DB_OK)
        rc = copy_commons(db, list, org, year, now);
    int n = 3 + (int)demo_below(3);
    size_t first = (size_t)demo_below(DEMO_NITEMS);
    for (int i = 0; rc == DB_OK && i < n; i++) {
        char deadline[40]; /* room for any int the compiler cannot bound */
        snprintf(deadline, sizeof deadline, "%04d-%02d-%02d", year, 1 + (int)demo_below(12), 1 + (int)demo_below(28));
        size_t k = (first + (size_t)i) % DEMO_NITEMS;
        rc = db_exec(db, NULL,
                     "INSERT INTO duty_item (list_id, what, how, deadline, indicator, evidence, secretary_project,"
                     " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     "itttttiii", list, demo_items[k].what, demo_items[k].how, deadline, demo_items[k].indicator,
                     "工作台账、照片", (int64_t)(i == 0), now, now);
    }
    /* The moves that brought it here. */
    duty_state_t s = DS_DRAFT;
    for (int step = 0; rc == DB_OK && s != state; step++) {
        duty_action_t a = s == DS_DRAFT ? DA_SUBMIT : s == DS_SIGNED ? DA_PUBLISH : DA_SIGN;
        const char *reason = NULL;
        if (s == DS_REVIEW && returned && step == 1) {
            a = DA_RETURN;
            reason = "事项过于笼统，请细化“怎么抓”的措施和完成时限";
        }
        duty_state_t to = duty_next(s, a);
        rc = db_exec(db, NULL,
                     "INSERT INTO duty_event (list_id, action, from_state, to_state, reason, at) VALUES (?, ?, ?, ?, ?, ?)",
                     "ittttI", list, duty_action_name(a), duty_state_name(s), duty_state_name(to), reason, now);
        s = to;
    }
    if (rc != DB_OK || !duty_in_force(state))
        return rc;
    /* Progress: most items due by now are done, a few of those still to come. */
    json_t *items = db_rows_json(db, "SELECT id, deadline FROM duty_item WHERE list_id = ? ORDER BY id", "i", list);
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it) {
        int due = strcmp(json_string_value(json_object_get(it, "deadline")), today) < 0;
        int done = demo_below(10) < (due ? 7 : 3), reported = done || demo_below(2);
        int64_t id = json_integer_value(json_object_get(it, "id"));
        if (rc == DB_OK && reported)
            rc = db_exec(db, NULL, "INSERT INTO duty_progress (item_id, note, done, at) VALUES (?, ?, ?, ?)", "itii",
                         id, demo_progress[done ? demo_below(2) : 2 + demo_below(2)], (int64_t)done, now);
        if (rc == DB_OK && done)
            rc = db_exec(db, NULL, "UPDATE duty_item SET done = 1, done_at = ?, version = 2 WHERE id = ?", "ii", now,
                         id);
    }
    if (items == NULL)
        rc = DB_ERR;
    json_decref(items);
    /* The level above's review of each quarter over by today. */
    for (int q = 1; rc == DB_OK && q <= 4; q++) {
        char end[16];
        snprintf(end, sizeof end, "%04d-%02d-%02d", year, 3 * q, q == 1 || q == 4 ? 31 : 30);
        if (strcmp(end, today) >= 0)
            break;
        rc = db_exec(db, NULL,
                     "INSERT INTO duty_review (list_id, quarter, rating, comment, at) VALUES (?, ?, ?, ?, ?)", "iitti",
                     list, (int64_t)q, duty_ratings[demo_below(3)], "按计划推进，书记项目需加大调度力度", now);
    }
    return rc;
}

int duty_demo(db_t *db, const write_ctx_t *w, unsigned long long seed)
{
    demo_rng = seed * 0x2545F4914F6CDD1Dull + 15;
    int year = api_today_ymd() / 10000;
    char today[16];
    date_today(today);
    json_t *nodes = db_rows_json(db,
                                 "SELECT id, level, path FROM org WHERE level IN ('city', 'district', 'street')"
                                 " ORDER BY depth, id",
                                 "");
    if (nodes == NULL)
        return DB_ERR;
    int rc = DB_OK;
    size_t i;
    json_t *n;
    /* The common items first (the city's, each district's), so each list copies them as it is made. */
    json_array_foreach(nodes, i, n) {
        const char *level = json_string_value(json_object_get(n, "level"));
        int64_t id = json_integer_value(json_object_get(n, "id"));
        if (rc == DB_OK && strcmp(level, "city") == 0)
            for (int c = 0; rc == DB_OK && c < 2; c++)
                rc = demo_common(db, id, year, c, w->now);
        if (rc == DB_OK && strcmp(level, "district") == 0)
            rc = demo_common(db, id, year, 2, w->now);
    }
    json_array_foreach(nodes, i, n) {
        const char *level = json_string_value(json_object_get(n, "level"));
        int64_t id = json_integer_value(json_object_get(n, "id")), cadre = 0;
        if (rc != DB_OK || strcmp(level, "city") == 0)
            continue;
        rc = demo_secretary(db, id, json_string_value(json_object_get(n, "path")),
                            strcmp(level, "district") == 0 ? 2 : 1, w->now, &cadre);
        if (rc == DB_NOTFOUND) {
            rc = DB_OK; /* a node nobody lives under has no secretary */
            continue;
        }
        if (rc == DB_OK)
            rc = demo_list(db, id, cadre, year, today, w->now);
    }
    json_decref(nodes);
    return rc;
}
