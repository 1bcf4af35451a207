/* Casework (一线为民): a resident's problem carried from report to rating. The
 * states and moves are core/casefsm's; who may make each move is here and in the
 * other case_*.c files (case.h); every move is a version-checked write (two
 * people acting at once: one wins, the other gets 409) and appends an event to
 * the case's log and a row to the audit. This file: a case's row and answer, the
 * stage time limits, the report (create), list, get and the contact phone. */
#include "api/case.h"

#include "api/handlers.h"
#include "api/list.h"
#include "db/copy.h"
#include "api/op.h"
#include "http/server.h" /* the server configuration: export_bulk_rows */

#include <math.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/idcard.h"
#include "core/path.h"
#include "core/pii_text.h"
#include "core/redact.h"
#include "core/timefmt.h"
#include "core/tracking.h"
#include "core/role.h"
#include "lib/pii.h"
#include "lib/util.h"

const char *const case_sources[] = {"grid_worker", "resident", "hotline", NULL};

static const field_t create_fields[] = {
    IN(report_in_t, category, F_TEXT, 1, 1, 32, NULL),
    IN(report_in_t, title, F_NAME, 1, 1, 100, NULL),
    IN(report_in_t, description, F_BLOCK, 1, 1, 2000, NULL),
    IN(report_in_t, source, F_ENUM, 0, 0, 0, case_sources),
    IN(report_in_t, building_id, F_INT, 0, 1, INT64_MAX, NULL),
    IN(report_in_t, org_id, F_INT, 0, 1, INT64_MAX, NULL),
    IN(report_in_t, contact_phone, F_TEXT, 0, 1, 20, NULL),
    IN(report_in_t, lat, F_NUMBER, F_NOT_NULL, -90, 90, NULL),
    IN(report_in_t, lng, F_NUMBER, F_NOT_NULL, -180, 180, NULL),
    FIELDS_END,
};

/* A point comes whole: either coordinate refused is the point refused. */
static const field_err_t create_point_errors[] = {
    {"lat", E_LAT_LNG_INVALID},
    {"lng", E_LAT_LNG_INVALID},
    {NULL, 0},
};

/* overdue: the stage's deadline (the raw _deadline column) has passed. */
void case_add_overdue(json_t *row, int64_t now)
{
    int64_t at = json_integer_value(json_object_get(row, "_deadline"));
    json_object_set_new(row, "overdue", json_boolean(at > 0 && at < now));
    json_object_del(row, "_deadline");
}

json_t *case_json(db_t *db, int64_t id, int with_events)
{
    json_t *rows = db_rows_json(db, CASE_SELECT " WHERE c.id = ?", "i", id);
    json_t *o = rows && json_array_size(rows) == 1 ? json_incref(json_array_get(rows, 0)) : NULL;
    json_decref(rows);
    if (o == NULL)
        return NULL;
    case_add_overdue(o, clock_now());
    if (with_events) {
        json_t *ev = db_rows_json(db,
                                  "SELECT e.id, e.at AS at_at, e.actor_name,"
                                  " COALESCE(u.display_name, e.actor_name) AS actor_display_name, e.action,"
                                  " e.from_state, e.to_state, e.note FROM case_event e"
                                  " LEFT JOIN app_user u ON u.id = e.actor_id WHERE e.case_id = ? ORDER BY e.id",
                                  "i", id);
        size_t i;
        json_t *e;
        json_array_foreach(ev, i, e) {
            json_object_set(e, "at", json_object_get(e, "at_at"));
            json_object_del(e, "at_at");
        }
        json_object_set_new(o, "events", ev ? ev : json_array());
    }
    return o;
}

/* May who see the case? Staff over its node, or the person who reported it. */
int case_visible(db_t *db, const principal_t *who, int64_t id, int64_t *org, char *path, size_t cap)
{
    int64_t reporter = 0;
    int rc = db_one_int(db, org, "SELECT org_id FROM casefile WHERE id = ?", "i", id);
    if (rc != DB_OK)
        return rc;
    db_one_int(db, &reporter, "SELECT COALESCE(reporter_id, 0) FROM casefile WHERE id = ?", "i", id);
    rc = db_one_text(db, path, cap, "SELECT path FROM org WHERE id = ?", "i", *org);
    if (rc != DB_OK)
        return rc;
    if (access_covers(who, PERM_CASE_READ, path) || (reporter && reporter == who->user_id))
        return DB_OK;
    /* The organisation a case was dispatched to sees it too, wherever it sits. */
    char hpath[ACCESS_PATH_MAX] = "";
    if (db_one_text(db, hpath, sizeof hpath,
                    "SELECT o.path FROM casefile c LEFT JOIN unit u ON u.id = c.handler_unit_id"
                    " JOIN org o ON o.id = COALESCE(c.handler_org_id, u.org_id) WHERE c.id = ?",
                    "i", id) == DB_OK &&
        access_covers(who, PERM_CASE_READ, hpath))
        return DB_OK;
    /* A resident unit's own accounts see the cases dispatched to their unit, and no other. */
    int64_t unit = 0;
    if (db_one_int(db, &unit, "SELECT COALESCE(handler_unit_id, 0) FROM casefile WHERE id = ?", "i", id) == DB_OK &&
        access_covers_unit(who, PERM_CASE_READ, unit))
        return DB_OK;
    return DB_NOTFOUND;
}

/* ---- shared by the case files (case.h) ---- */


/* ---- time limits ---- */

/* The stage hours of every category, read once per thread and kept until a
 * category changes: case_categories_changed() says so, and a commit by another
 * connection (another process) shows in the connection's data version. */
typedef struct category_limits {
    int64_t id;
    int64_t hours[CS_COUNT]; /* by the state the stage starts in; 0 where none */
    int64_t total;           /* the whole case */
    char name_zh[136];       /* for a new case's answer; "" if it does not fit */
} category_limits_t;

static atomic_uint categories_epoch;

#define LIMITS_MAX 256 /* categories kept; any beyond are read when asked for */

static _Thread_local struct {
    const db_t *db;
    unsigned epoch;
    int64_t version;
    int n;
    category_limits_t items[LIMITS_MAX];
} limits;

void case_categories_changed(void)
{
    atomic_fetch_add(&categories_epoch, 1);
}

/* Read the limits of the first LIMITS_MAX categories (from = 0) into the
 * cache, or of the one category from into *one. */
static int limits_read(db_t *db, int64_t from, category_limits_t *one)
{
    db_stmt_t *st = db_q(db,
                         "SELECT id, accept_hours, dispatch_hours, claim_hours, handle_hours, verify_hours, name_zh"
                         " FROM case_category WHERE ? = 0 OR id = ? ORDER BY id LIMIT ?",
                         "iii", from, from, (int64_t)LIMITS_MAX);
    if (st == NULL)
        return DB_ERR;
    int n = 0, rc;
    while ((rc = db_step(st)) == DB_ROW) {
        category_limits_t *c = one ? one : &limits.items[n];
        n++;
        memset(c, 0, sizeof *c);
        c->id = db_col_int(st, 0);
        static const case_state_t starts[] = {CS_REPORTED, CS_ACCEPTED, CS_DISPATCHED, CS_HANDLING, CS_HANDLED};
        for (int i = 0; i < 5; i++) {
            c->hours[starts[i]] = db_col_int(st, 1 + i);
            c->total += c->hours[starts[i]];
        }
        const char *name = db_col_text(st, 6);
        if (name && strlen(name) < sizeof c->name_zh)
            memcpy(c->name_zh, name, strlen(name) + 1);
    }
    db_done(st);
    if (rc != DB_DONE)
        return rc;
    if (one)
        return n == 1 ? DB_OK : DB_NOTFOUND;
    limits.n = n;
    return DB_OK;
}

/* The limits of category into *out: DB_OK, DB_NOTFOUND or an error. */
static int category_limits(db_t *db, int64_t category, category_limits_t *out)
{
    unsigned epoch = atomic_load(&categories_epoch);
    int64_t version = db_data_version(db);
    if (limits.db != db || limits.epoch != epoch || limits.version != version || version < 0) {
        limits.db = NULL;
        int rc = limits_read(db, 0, NULL);
        if (rc != DB_OK)
            return rc;
        limits.db = db;
        limits.epoch = epoch;
        limits.version = version;
    }
    for (int i = 0; i < limits.n; i++) {
        if (limits.items[i].id == category) {
            *out = limits.items[i];
            return DB_OK;
        }
    }
    return limits.n == LIMITS_MAX ? limits_read(db, category, out) : DB_NOTFOUND;
}

int64_t case_stage_hours(db_t *db, int64_t category, case_state_t s)
{
    category_limits_t c;
    return category_limits(db, category, &c) == DB_OK && s >= 0 && s < CS_COUNT ? c.hours[s] : 0;
}

int case_log_event(db_t *db, const write_ctx_t *w, int64_t id, const char *action, const char *from, const char *to,
                     const char *note)
{
    return db_exec(db, NULL,
                   "INSERT INTO case_event (case_id, at, actor_id, actor_name, action, from_state, to_state, note)"
                   " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                   "iiittttt", id, w->now, w->who.user_id, w->who.username[0] ? w->who.username : "anonymous", action,
                   from, to, note);
}

/* ---- report ---- */

int case_source_public(const char *source)
{
    return source && (strcmp(source, "resident") == 0 || strcmp(source, "open311") == 0);
}

const char *case_public_title(const char *title, const char *category_name)
{
    /* A number masked on intake (139****5678) still names part of one. */
    return title && !pii_text_found(title) && !strstr(title, "**") ? title : category_name;
}

/* ---- personal numbers in a report ---- */

/* Mask the personal numbers typed into data's string under key, as shown on
 * screen (a copy made only when the text has a run of 7 digits or more). */
static void mask_text(json_t *data, const char *key, redact_found_t *found)
{
    const char *s = json_string_value(json_object_get(data, key));
    if (s == NULL || !redact_may_hold(s))
        return;
    size_t n = strlen(s);
    char *c = xstrndup(s, n);
    if (redact_numbers_shown(c, n, found))
        json_object_set_new(data, key, json_stringn(c, n));
    free(c);
}

int case_phone_check(api_req_t *req, const char *phone, const char *field, api_reply_t *rep)
{
    if (phone == NULL || phone_valid(phone))
        return 0;
    return api_fail(rep, req->lang, E_CONTACT_PHONE_INVALID, field);
}

/* Copy s (n bytes and its NUL) to at, its personal numbers masked; the end of the copy. */
static char *copy_masked(char *at, const char *s, size_t n, redact_found_t *found)
{
    memcpy(at, s, n + 1);
    if (redact_may_hold(at))
        redact_numbers_shown(at, n, found);
    return at + n + 1;
}

case_report_t *case_report_new(const keys_t *k, const char *category, const char *title, const char *description,
                               const char *phone)
{
    size_t nc = strlen(category), nt = strlen(title), nd = strlen(description);
    case_report_t *r = xcalloc(1, sizeof *r + nc + nt + nd + 3);
    redact_found_t found = {0};
    char *at = r->text;
    r->category = at;
    memcpy(at, category, nc + 1);
    r->title = at += nc + 1;
    at = copy_masked(at, title, nt, &found);
    r->description = at;
    copy_masked(at, description, nd, &found);
    if (phone == NULL && found.phones == 1 && phone_valid(found.phone))
        phone = found.phone; /* "请回电 139…": the one number typed becomes the one to call back */
    if (phone != NULL) {
        phone_mask(r->contact_phone, sizeof r->contact_phone, phone);
        if (pii_encrypt_into(r->contact_phone_enc, sizeof r->contact_phone_enc, k, CASE_PHONE_FIELD, phone) != 0)
            abort(); /* a valid phone is at most 13 characters */
    }
    sodium_memzero(found.phone, sizeof found.phone);
    return r;
}

void case_intake_note(json_t *data, const char *key)
{
    mask_text(data, key, NULL);
}

/* What the writer knows of a case it has just added: enough for the answer. */
typedef struct {
    int64_t id, event_id, stage_deadline, close_due;
    char code[TRACKING_CODE_LEN + 1];
    char category_name[sizeof ((category_limits_t *)0)->name_zh];
} case_new_t;

/* Insert a report and fill *out. DB_OK or an error. */
static int insert_case(db_t *db, const write_ctx_t *w, const case_report_t *r, case_new_t *out)
{
    int64_t category = r->category_id, org = r->org_id;
    const char *source = r->source;
    char *code = out->code;
    tracking_code_new(code);
    category_limits_t limit;
    int rc = category_limits(db, category, &limit);
    if (rc != DB_OK)
        return rc;
    memcpy(out->category_name, limit.name_zh, sizeof out->category_name);
    out->stage_deadline = w->now + limit.hours[CS_REPORTED] * 3600;
    out->close_due = w->now + limit.total * 3600;
    /* One statement whether or not there is a point ('n' binds NULL and takes no
     * argument); the ids are the connection's last (RETURNING costs SQLite a
     * temporary table on every run). */
    rc = db_exec(db, NULL,
                     "INSERT INTO casefile (tracking_code, category_id, source, title, description, building_id,"
                     " org_id, outside_grid, reporter_id, state, stage_deadline, close_due_at, created_at,"
                     " updated_at, is_public, contact_phone_enc, contact_phone_masked, lat, lng)"
                     " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'reported', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     r->has_point ? "titttIiiIiiiiittdd" : "titttIiiIiiiiittnn", code, category, source,
                     r->title, r->description, r->building_id, org, (int64_t)r->outside_grid,
                     w->who.user_id, out->stage_deadline, out->close_due, w->now, w->now,
                     (int64_t)case_source_public(source), r->contact_phone_enc[0] ? r->contact_phone_enc : NULL,
                     r->contact_phone[0] ? r->contact_phone : NULL, r->lat, r->lng);
    int64_t id = 0;
    if (rc == DB_OK)
        rc = db_last_id(db, &id);
    if (rc == DB_OK)
        rc = case_log_event(db, w, id, "report", NULL, "reported", NULL);
    if (rc == DB_OK)
        rc = db_last_id(db, &out->event_id);
    if (rc == DB_OK)
        rc = casework_case_added(db, org, w->now, out->close_due);
    if (rc == DB_OK) {
        /* The summary json_dumps would write (compact, keys sorted), written directly. */
        strbuf_t sum = {0};
        strbuf_add(&sum, "{\"category\":");
        strbuf_add_json(&sum, r->category);
        strbuf_add(&sum, ",\"source\":");
        strbuf_add_json(&sum, source);
        strbuf_add(&sum, ",\"tracking_code\":");
        strbuf_add_json(&sum, code);
        strbuf_add(&sum, "}");
        rc = audit_append_text(db, w, "case.reported", "case", id, org, sum.s);
        free(sum.s);
    }
    out->id = id;
    return rc;
}

int64_t cases_insert(db_t *db, const write_ctx_t *w, const case_report_t *r)
{
    case_new_t c;
    return insert_case(db, w, r, &c) == DB_OK ? c.id : 0;
}

/* What case_after_commit needs: the report, and the writer's facts. */
typedef struct {
    const case_report_t *r; /* the job's (w->in): it outlives the answer's building */
    case_new_t c;
    int64_t org_id, now, reporter_id;
    int has_org_name;
    char org_name[512];
    char actor_name[sizeof ((principal_t *)0)->username];
    char actor_display_name[130]; /* app_user.display_name: 64 characters */
} case_answer_t;

/* The new case as the answer, on the loop thread once it is committed: what
 * case_json would read back (GET /cases/{id}), key for key, built from the
 * report and what the writer knew (rep->after_data), since reading it back
 * starts from cold pages after every commit. Both backends keep lat and lng as
 * 8-byte floats (REAL is DOUBLE PRECISION on PostgreSQL), so the request's
 * numbers are what a read gives. */
static void case_after_commit(db_t *db, api_reply_t *rep)
{
    const case_answer_t *a = rep->after_data;
    const case_report_t *r = a->r;
    if (!a->has_org_name || !a->c.category_name[0]) {
        json_t *c = case_json(db, a->c.id, 1);
        json_decref(rep->json);
        rep->json = c ? c : json_pack("{s:I}", "id", (json_int_t)a->c.id);
        return;
    }
    char created[TIME_RFC3339_LEN], due[TIME_RFC3339_LEN], stage[TIME_RFC3339_LEN];
    time_format_rfc3339(created, a->now);
    time_format_rfc3339(due, a->c.close_due);
    time_format_rfc3339(stage, a->c.stage_deadline);
    /* The text json_dumps would give of the object GET builds, key for key (a
     * test compares them byte for byte); built as text, since building the
     * object, dumping and freeing it was a fifth of a loop thread's time per case. */
    strbuf_t b = {0};
    strbuf_add(&b, "{\"id\":");
    strbuf_add_int(&b, a->c.id);
    strbuf_add(&b, ",\"tracking_code\":");
    strbuf_add_json(&b, a->c.code);
    const char *const texts[] = {r->category, r->source, r->title, r->description};
    static const char *const keys[] = {"category", "source", "title", "description"};
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
        strbuf_add(&b, ",\"");
        strbuf_add(&b, keys[i]);
        strbuf_add(&b, "\":");
        strbuf_add_json(&b, texts[i]);
        if (i == 0) {
            strbuf_add(&b, ",\"category_name\":");
            strbuf_add_json(&b, a->c.category_name);
        }
    }
    strbuf_add(&b, ",\"contact_phone\":");
    if (r->contact_phone[0])
        strbuf_add_json(&b, r->contact_phone);
    else
        strbuf_add(&b, "null");
    for (int i = 0; i < 2; i++) { /* lat, lng: jansson's own text of each number */
        json_t *v = r->has_point ? json_real(i ? r->lng : r->lat) : NULL;
        char *num = v ? json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
        json_decref(v);
        strbuf_add(&b, i ? ",\"lng\":" : ",\"lat\":");
        strbuf_add(&b, num ? num : "null");
        free(num);
    }
    strbuf_add(&b, ",\"building_id\":");
    if (r->building_id)
        strbuf_add_int(&b, r->building_id);
    else
        strbuf_add(&b, "null");
    strbuf_add(&b, ",\"org_id\":");
    strbuf_add_int(&b, a->org_id);
    strbuf_add(&b, ",\"org_name\":");
    strbuf_add_json(&b, a->org_name);
    strbuf_add(&b, r->outside_grid ? ",\"outside_grid\":true" : ",\"outside_grid\":false");
    strbuf_add(&b, ",\"state\":\"reported\",\"handler_org_id\":null,\"handler_unit_id\":null,"
                   "\"handler_user_id\":null,\"escalation_level\":0,\"stage_deadline_at\":\"");
    strbuf_add(&b, stage);
    strbuf_add(&b, "\",\"close_due_at\":\"");
    strbuf_add(&b, due);
    strbuf_add(&b, "\",\"returns\":0,\"rating\":null,\"rating_comment\":null,\"reporter_id\":");
    if (a->reporter_id)
        strbuf_add_int(&b, a->reporter_id);
    else
        strbuf_add(&b, "null");
    strbuf_add(&b, ",\"created_at\":\"");
    strbuf_add(&b, created);
    strbuf_add(&b, "\",\"updated_at\":\"");
    strbuf_add(&b, created);
    strbuf_add(&b, "\",\"closed_at\":null,\"version\":1,\"merged_into\":null,\"supervised_org_id\":null,"
                   "\"supervise_deadline_at\":null,\"public\":");
    strbuf_add(&b, case_source_public(r->source) ? "true" : "false");
    strbuf_add(&b, ",\"photos\":0,\"overdue\":");
    strbuf_add(&b, a->c.stage_deadline > 0 && a->c.stage_deadline < clock_now() ? "true" : "false");
    strbuf_add(&b, ",\"events\":[{\"id\":");
    strbuf_add_int(&b, a->c.event_id);
    strbuf_add(&b, ",\"actor_name\":");
    strbuf_add_json(&b, a->actor_name);
    strbuf_add(&b, ",\"actor_display_name\":");
    strbuf_add_json(&b, a->actor_display_name);
    strbuf_add(&b, ",\"action\":\"report\",\"from_state\":null,\"to_state\":\"reported\",\"note\":null,\"at\":\"");
    strbuf_add(&b, created);
    strbuf_add(&b, "\"}]}");
    rep->raw = b.s;
    rep->raw_len = b.len;
    rep->content_type = "application/json; charset=utf-8";
}

/* The report (w->in): the answer is built from it and the writer's facts. */
static int create_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    (void)data;
    case_answer_t *a = xcalloc(1, sizeof *a);
    a->r = w->in;
    if (insert_case(db, w, a->r, &a->c) != DB_OK) {
        free(a);
        return api_db_error(rep, w->lang, DB_ERR, NULL);
    }
    a->org_id = a->r->org_id;
    /* The org's name as this transaction sees it. */
    a->has_org_name = org_brief(db, a->org_id, NULL, 0, a->org_name, sizeof a->org_name) == DB_OK;
    a->now = w->now;
    a->reporter_id = w->who.user_id;
    str_copy(a->actor_name, sizeof a->actor_name, w->who.username[0] ? w->who.username : "anonymous");
    str_copy(a->actor_display_name, sizeof a->actor_display_name, a->actor_name);
    if (w->who.user_id > 0) {
        int rc = db_one_text(db, a->actor_display_name, sizeof a->actor_display_name,
                             "SELECT display_name FROM app_user WHERE id = ?", "i", w->who.user_id);
        if (rc != DB_OK && rc != DB_NOTFOUND) {
            free(a);
            return api_db_error(rep, w->lang, rc, NULL);
        }
    }
    rep->status = 201; /* the body: case_after_commit's */
    rep->after_data = a;
    rep->after_commit = case_after_commit;
    return 0;
}

/* A report's category that takes no reports: 400 category_inactive if it was
 * deactivated, else validation_failed (no such category); field category. */
int case_category_refused(api_req_t *req, api_reply_t *rep, const char *code)
{
    int64_t id = 0;
    if (db_one_int(req->db, &id, "SELECT id FROM case_category WHERE code = ?", "t", code) == DB_OK)
        return api_fail(rep, req->lang, E_CATEGORY_INACTIVE, "category");
    return api_fail(rep, req->lang, E_UNKNOWN_CATEGORY, "category");
}

int case_create(api_req_t *req, api_reply_t *rep)
{
    report_in_t in = {.lat = NAN, .lng = NAN};
    api_input_fill(create_fields, req->body, &in);
    int has_point = !isnan(in.lat);
    if (has_point != !isnan(in.lng)) /* a point comes whole */
        return api_fail(rep, req->lang, E_LAT_LNG_INVALID, has_point ? "lng" : "lat");
    if (case_phone_check(req, in.contact_phone, "contact_phone", rep) != 0)
        return -1;
    int64_t category = 0;
    if (db_one_int(req->db, &category, "SELECT id FROM case_category WHERE code = ? AND active = 1", "t",
                   in.category) != DB_OK)
        return case_category_refused(req, rep, in.category);
    /* Where: a building's grid, else the grid at the point, else the given node (flagged outside every grid). */
    int64_t org = in.org_id, building = in.building_id;
    int outside = 0;
    if (building) {
        char level[16] = "";
        if (db_one_text(req->db, level, sizeof level, "SELECT level FROM org WHERE id = ?", "i", building) != DB_OK ||
            strcmp(level, "building") != 0 ||
            db_one_int(req->db, &org, "SELECT parent_id FROM org WHERE id = ?", "i", building) != DB_OK)
            return api_fail(rep, req->lang, E_BUILDING_NOT_FOUND, "building_id");
    } else if (has_point) {
        int64_t grid = 0;
        if (geo_find_grid(req->db, in.lng, in.lat, &grid) == DB_OK && grid > 0)
            org = grid;
        else if (org > 0)
            outside = 1;
        else
            return api_fail(rep, req->lang, E_POINT_OUTSIDE_GRIDS, "org_id");
    } else if (org <= 0) {
        return api_fail(rep, req->lang, E_CASE_PLACE_REQUIRED, "org_id");
    }
    if (access_org(req->db, req->who, PERM_ORG_READ, org, NULL, 0) != DB_OK)
        return api_fail(rep, req->lang, E_OUT_OF_SCOPE, building ? "building_id" : in.org_id ? "org_id" : "lat");
    char level[16] = "";
    db_one_text(req->db, level, sizeof level, "SELECT level FROM org WHERE id = ?", "i", org);
    if (!outside && strcmp(level, "grid") != 0)
        outside = 1; /* reported at a community or above: no grid holds it yet */
    case_report_t *r = case_report_new(req->keys, in.category, in.title, in.description, in.contact_phone);
    r->category_id = category;
    r->org_id = org;
    r->building_id = building;
    r->outside_grid = outside;
    r->has_point = has_point;
    r->lat = has_point ? in.lat : 0;
    r->lng = has_point ? in.lng : 0;
    /* Only staff say where a report came from; everyone else reports as a resident. */
    str_copy(r->source, sizeof r->source,
             !(req->who->perms_any & PERM_CASE_WRITE) ? "resident" : in.source ? in.source : "grid_worker");
    return api_defer_in(req, create_write, NULL, r);
}

/* ---- read ---- */

int case_get(api_req_t *req, api_reply_t *rep)
{
    int64_t org;
    char path[ACCESS_PATH_MAX];
    int rc = case_visible(req->db, req->who, req->params[0], &org, path, sizeof path);
    if (rc != DB_OK)
        return api_db_error(rep, req->lang, rc, "case");
    json_t *c = case_json(req->db, req->params[0], 1);
    return c ? api_json(rep, 200, c) : api_db_error(rep, req->lang, DB_ERR, NULL);
}

/* The names of the case's place, root first (市 / 区 / 街道 / 社区 / 网格), for the
 * case page: every node on its path, whichever of them the caller may read. */
static int case_place(api_req_t *req, api_reply_t *rep)
{
    json_t *one = json_pack("[{s:I}]", "org_id", (json_int_t)0);
    int64_t org = 0;
    int rc = db_one_int(req->db, &org, "SELECT org_id FROM casefile WHERE id = ?", "i", req->params[0]);
    json_object_set_new(json_array_get(one, 0), "org_id", json_integer(org));
    if (rc == DB_OK)
        rc = org_places(req->db, one, "org_id");
    json_t *place = json_incref(json_object_get(json_array_get(one, 0), "place"));
    json_decref(one);
    if (rc != DB_OK || place == NULL) {
        json_decref(place);
        return api_db_error(rep, req->lang, rc == DB_OK ? DB_ERR : rc, NULL);
    }
    return api_json(rep, 200, json_pack("{s:I, s:o}", "id", (json_int_t)req->params[0], "place", place));
}

/* The columns the cases list sorts by. */
static const api_sort_t case_sorts[] = {
    {"created_at", "c.created_at", 0, NULL},
    {"updated_at", "c.updated_at", 0, NULL},
    {"stage_deadline", "c.stage_deadline", 1, "stage_deadline_at"},
    {NULL, NULL, 0, NULL},
};

/* The day ("YYYY-MM-DD", Asia/Shanghai) of query parameter name as the time its
 * first second starts, plus days; 0 when absent (the query declared it a date). */
static int64_t query_day_start(api_req_t *req, const char *name, int days)
{
    char *v = api_query(req, name);
    int64_t t = v ? (time_days_of_date(v) + days) * 86400 - 8 * 3600 : 0;
    free(v);
    return t;
}

/* The cases list of the query (scope and filters) in l, begun here; 0, or -1
 * with rep set (l then ended). The list and its export share it. */
static int case_list_build(api_req_t *req, api_reply_t *rep, api_list_t *l, size_t *wide_scope_end)
{
    int64_t org = 0, mine = 0, overdue = 0;
    static const char *const filters[] = {"org", "mine", "overdue"};
    int64_t *vals[] = {&org, &mine, &overdue};
    static const int64_t max[] = {INT64_MAX, 1, 1};
    api_list_begin(l, CASE_COLUMNS, CASE_FROM, "c.id", NULL);
    for (int f = 0; f < 3; f++)
        if (api_query_int(req, filters[f], 0, f == 0 ? 1 : 0, max[f], vals[f]) != 0) {
            api_list_end(l);
            return api_fail(rep, req->lang, E_FILTER_INVALID, filters[f]);
        }
    /* Reported between two days (both included): from's first second to the second after to's last. */
    int64_t from = query_day_start(req, "from", 0), to = query_day_start(req, "to", 1);
    if (from && to && to <= from) {
        api_list_end(l);
        return api_fail(rep, req->lang, E_PERIOD_REVERSED, "to");
    }
    /* Who reads cases nowhere lists what they may see: the ones they reported; a
     * part of the tree they asked for by org is out of their scope (404 below). */
    if (!(req->who->perms_any & PERM_CASE_READ) && org == 0)
        mine = 1;
    /* A category takes in its subcategories (deactivated ones too: their cases go on). */
    int64_t category = 0;
    char *code = api_query(req, "category");
    int known = code == NULL ||
                db_one_int(req->db, &category, "SELECT id FROM case_category WHERE code = ?", "t", code) == DB_OK;
    free(code);
    if (!known) {
        api_list_end(l);
        return api_fail(rep, req->lang, E_UNKNOWN_CATEGORY, "category");
    }
    char *state = api_query(req, "state");
    if (state && case_state_from_name(state) == CS_NONE) {
        free(state);
        api_list_end(l);
        return api_fail(rep, req->lang, E_UNKNOWN_STATE, "state");
    }
    char lo[ACCESS_PATH_MAX] = "", hi[ACCESS_PATH_MAX] = "";
    int rc = DB_OK;
    if (!mine)
        rc = access_list_range(req->db, req->who, PERM_CASE_READ, org, lo, hi);
    /* Without org, a unit's accounts list the cases dispatched to their units (and staff
     * holding unit grants too, besides their subtree); a unit account alone has no subtree. */
    int64_t units = !mine && org == 0;
    if (rc == DB_NOTFOUND && units && (req->who->perms_any & PERM_CASE_READ)) {
        str_copy(lo, sizeof lo, "~"), str_copy(hi, sizeof hi, "~"); /* a range that holds nothing */
        rc = DB_OK;
    }
    if (rc != DB_OK) {
        free(state);
        api_list_end(l);
        return api_db_error(rep, req->lang, rc, "org");
    }
    /* Only the filters given are conditions (a filter written as "absent or
     * equal" drives no index), shaped by the scope (docs/decisions.md, "Query
     * plans at city scale"): a node down to a street holds many cases, read in
     * id order through casefile (or the filter's own index: state, category,
     * overdue, days, code), the node's path checked per row through org and
     * written so that no plan ranges over org's paths and sorts a district's
     * cases; a community or below holds a few hundred a year, read through
     * casefile_org for each of its nodes and sorted, its filters written so they
     * drive no index (|| '', + 0: a grid's cases are fewer than any state's). */
    int narrow = !mine && !units && path_depth(lo) > 3;
    const char *txt = narrow ? " || ''" : "", *num = narrow ? " + 0" : "";
    char cond[160];
    int64_t now = clock_now();
    if (mine)
        api_list_where(l, "c.reporter_id = ?", "i", req->who->user_id);
    else if (units)
        api_list_where(l, "((o.path >= ? AND o.path < ?) OR c.handler_unit_id IN (" UNITS_OF_USER "))", "tti", lo, hi,
                       req->who->user_id);
    else if (narrow)
        api_list_where(l, "c.org_id IN (SELECT x.id FROM org x WHERE x.path >= ? AND x.path < ?)", "tt", lo, hi);
    else
        api_list_where(l, "o.path || '' >= ? AND o.path || '' < ?", "tt", lo, hi);
    if (wide_scope_end)
        *wide_scope_end = !mine && !units && !narrow ? l->wn : 0;
    if (state) {
        snprintf(cond, sizeof cond, "c.state%s = ?", txt);
        api_list_where(l, cond, "t", state);
    }
    if (overdue) { /* a stage with a deadline: cases not finished (schema 050's casefile_overdue) */
        snprintf(cond, sizeof cond, "c.stage_deadline%s < ?", num);
        api_list_where(l, cond, "i", now);
    }
    if (category) {
        /* A category takes in its subcategories: one id (most) is an equality its index serves in id order. */
        int64_t subs = 0;
        if (db_one_int(req->db, &subs, "SELECT COUNT(*) FROM case_category WHERE parent_id = ?", "i", category) != DB_OK) {
            free(state);
            api_list_end(l);
            return api_db_error(rep, req->lang, DB_ERR, NULL);
        }
        if (subs == 0) {
            snprintf(cond, sizeof cond, "c.category_id%s = ?", num);
            api_list_where(l, cond, "i", category);
        } else {
            char sub[320];
            snprintf(sub, sizeof sub,
                     "c.category_id%s IN (WITH RECURSIVE sub (id) AS (SELECT CAST(? AS BIGINT) UNION ALL"
                     " SELECT k.id FROM case_category k JOIN sub ON k.parent_id = sub.id) SELECT id FROM sub)",
                     num);
            api_list_where(l, sub, "i", category);
        }
    }
    free(state);
    /* A tracking code: exactly, as its reporter holds it, however typed (the unique index finds it). */
    char *typed = api_query(req, "code"), track[TRACKING_CODE_MAX + 1];
    int given = typed != NULL, bad = given && tracking_code_normalize(typed, track, sizeof track) != 0;
    free(typed);
    if (bad) {
        api_list_end(l);
        return api_fail(rep, req->lang, E_QUERY_VALUE_INVALID, "code");
    }
    if (given)
        api_list_where(l, "c.tracking_code = ?", "t", track);
    /* Words in the title, the description or the tracking code. */
    char *like = api_like_param(req, "q");
    if (like)
        api_list_where(l, "(c.title LIKE ? ESCAPE '\\' OR c.description LIKE ? ESCAPE '\\' OR c.tracking_code LIKE ? ESCAPE '\\')",
                       "ttt", like, like, like);
    free(like);
    if (from) {
        snprintf(cond, sizeof cond, "c.created_at%s >= ?", num);
        api_list_where(l, cond, "i", from);
    }
    if (to) {
        snprintf(cond, sizeof cond, "c.created_at%s < ?", num);
        api_list_where(l, cond, "i", to);
    }
    return 0;
}

int case_list(api_req_t *req, api_reply_t *rep)
{
    api_list_t l;
    size_t wide = 0;
    if (case_list_build(req, rep, &l, &wide) != 0)
        return 0;
    if (api_list_query(req, rep, &l) != 0) {
        api_list_end(&l);
        return 0;
    }
    l.places = "org_id"; /* where each is, named */
    /* A node down to a street: its page is read in id order, but its total through
     * its nodes' casefile_org entries (the same conditions after the scope), so a
     * district's count reads its own cases, not the city's in id order until it has
     * cap + 1 of them. The scope's two values are the same in both. */
    if (wide) {
        char *sql = db_sql_join("SELECT COUNT(*) FROM (SELECT 1 FROM casefile c WHERE c.org_id IN"
                                " (SELECT x.id FROM org x WHERE x.path >= ? AND x.path < ?)",
                                l.where + wide, " LIMIT ?) t", NULL);
        db_val_t vals[LIST_VALS + 1];
        memcpy(vals, l.vals, sizeof vals[0] * (size_t)l.nv);
        vals[l.nv] = (db_val_t){'i', l.cap + 1, 0, NULL, 0};
        db_stmt_t *st = sql ? db_qv(req->db, sql, vals, l.nv + 1) : NULL;
        l.known_total = st && db_step(st) == DB_ROW ? db_col_int(st, 0) : -1;
        db_done(st);
        free(sql);
        if (l.known_total < 0) {
            api_list_end(&l);
            return api_db_error(rep, req->lang, DB_ERR, NULL);
        }
    }
    json_t *page = api_list_run(req->db, &l);
    if (page && wide && l.known_total > l.cap) { /* "more than cap", as every list says it */
        json_object_set_new(page, "total", json_integer(l.cap));
        json_object_set_new(page, "total_capped", json_true());
    }
    api_list_end(&l);
    if (page == NULL)
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    int64_t now = clock_now();
    size_t i;
    json_t *row;
    json_array_foreach(json_object_get(page, "items"), i, row) case_add_overdue(row, now);
    return api_json(rep, 200, page);
}

/* The states' words in a workbook, in case_states' order. */
static const char *const case_state_words[] = {"已上报", "已受理", "不予受理", "已派遣", "处置中",
                                               "已处置", "已核查", "已结案", "已评价", NULL};

/* A full export's row: the contact phone decrypted (ctx: the keys). */
static void case_phone_row(json_t *row, void *ctx)
{
    const char *enc = json_string_value(json_object_get(row, "_phone_enc"));
    char *plain = enc && *enc ? pii_decrypt(ctx, CASE_PHONE_FIELD, enc) : NULL;
    if (plain) {
        json_object_set_new(row, "contact_phone", json_string(plain));
        sodium_memzero(plain, strlen(plain));
        free(plain);
    } else if (enc && *enc) {
        log_error("case %lld: stored contact_phone does not decrypt under this key file",
                  (long long)json_integer_value(json_object_get(row, "id")));
    }
    json_object_del(row, "_phone_enc");
}

/* A full export (reveal=1): only of a node's cases (org), by who may reveal over
 * it, with a reason, and over export_bulk_rows cases only with pii.export_bulk
 * there, as the residents' full export. 0, or -1 with rep set; path: the node's. */
static int case_full_export_check(api_req_t *req, api_reply_t *rep, char path[ACCESS_PATH_MAX])
{
    int64_t org = 0, mine = 0;
    api_query_int(req, "org", 0, 1, INT64_MAX, &org);
    api_query_int(req, "mine", 0, 0, 1, &mine);
    if (org == 0 || mine || access_org(req->db, req->who, PERM_PII_REVEAL, org, path, ACCESS_PATH_MAX) != DB_OK)
        return api_fail(rep, req->lang, E_REVEAL_FORBIDDEN, "reveal");
    char *reason = api_query(req, "reason");
    int bad = api_reason_check(req->lang, reason, rep) != 0;
    free(reason);
    return bad ? -1 : 0;
}

/* The cases list as a workbook: the list's own filters, the contact phone
 * masked as the list shows it, or in full on request (reveal=1 with a reason). */
static int case_export(api_req_t *req, api_reply_t *rep)
{
    static const list_col_t cols[] = {
        {"tracking_code", "查询码", NULL, NULL},
        {"category_name", "类别", NULL, NULL},
        {"title", "标题", NULL, NULL},
        {"description", "描述", NULL, NULL},
        {"state", "状态", case_states, case_state_words},
        {"org_name", "所在网格或节点", NULL, NULL},
        {"contact_phone", "联系电话", NULL, NULL},
        {"created_at", "上报时间", NULL, NULL},
        {"closed_at", "办结时间", NULL, NULL},
        {NULL, NULL, NULL, NULL},
    };
    int64_t reveal = 0;
    char path[ACCESS_PATH_MAX] = "";
    api_query_int(req, "reveal", 0, 0, 1, &reveal);
    if (reveal && case_full_export_check(req, rep, path) != 0)
        return -1;
    api_list_t l;
    if (case_list_build(req, rep, &l, NULL) != 0)
        return -1;
    if (reveal) {
        l.columns = CASE_COLUMNS ", c.contact_phone_enc AS _phone_enc";
        l.row = case_phone_row;
        l.row_ctx = (void *)req->keys;
        /* How many first: many full values at once need their own permission. */
        int64_t bulk = req->cfg ? req->cfg->export_bulk_rows : EXPORT_BULK_ROWS_DEFAULT;
        api_list_args(&l, req->route, NULL, NULL, 1, bulk + 1, req->keys);
        json_t *first = api_list_run(req->db, &l);
        int64_t n = first ? json_integer_value(json_object_get(first, "total")) : -1;
        json_decref(first);
        if (n < 0) {
            api_list_end(&l);
            return api_db_error(rep, req->lang, DB_ERR, NULL);
        }
        if (n > bulk && !access_covers(req->who, PERM_PII_EXPORT_BULK, path)) {
            api_list_end(&l);
            return api_failf(rep, req->lang, E_EXPORT_BULK_FORBIDDEN, "reveal", (long long)bulk);
        }
    }
    return api_list_export(req, rep, &l, "案件", cols, "cases");
}

/* ---- the contact phone in full ---- */

static const char *const reveal_choices[] = {"contact_phone", NULL};

typedef struct {
    uint64_t given;
    const char *field, *reason;
} reveal_in_t;

static const field_t reveal_fields[] = {
    IN(reveal_in_t, field, F_ENUM, 1, 0, 0, reveal_choices),
    IN(reveal_in_t, reason, F_TEXT, 1, REASON_MIN, REASON_MAX, NULL),
    FIELDS_END,
};

/* As a person's phone: pii.reveal over the case's node, a reason, an audit row
 * naming the field and the reason, never the value. */
static int reveal_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    reveal_in_t in = {0};
    api_input_fill(reveal_fields, data, &in);
    int64_t id = w->id, org;
    char path[ACCESS_PATH_MAX];
    int rc = case_visible(db, &w->who, id, &org, path, sizeof path);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "case");
    if (!access_covers(&w->who, PERM_PII_REVEAL, path))
        return api_fail(rep, w->lang, E_CASE_REVEAL_FORBIDDEN, NULL);
    char enc[512] = "";
    rc = db_one_text(db, enc, sizeof enc, "SELECT COALESCE(contact_phone_enc, '') FROM casefile WHERE id = ?", "i", id);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    json_t *value = json_null();
    if (enc[0]) {
        char *plain = pii_decrypt(w->keys, CASE_PHONE_FIELD, enc);
        if (plain == NULL) {
            log_error("case %lld: stored contact_phone does not decrypt under this key file", (long long)id);
            return api_db_error(rep, w->lang, DB_ERR, NULL);
        }
        value = json_string(plain);
        sodium_memzero(plain, strlen(plain));
        free(plain);
    }
    rc = audit_append_new(db, w, "case.revealed", "case", id, org,
                          json_pack("{s:s, s:s}", "field", "contact_phone", "reason", in.reason));
    if (rc != DB_OK) {
        json_decref(value);
        return api_db_error(rep, w->lang, rc, NULL);
    }
    return api_json(rep, 200, json_pack("{s:I, s:s, s:o}", "id", (json_int_t)id, "field", "contact_phone", "value", value));
}

int case_reveal(api_req_t *req, api_reply_t *rep)
{
    return api_reveal_defer(req, rep, reveal_write);
}

/* The cases list's parameters, which its export takes too. */
#define CASE_LIST_QUERY                                                                                               \
    {"org", F_INT, 0, 1, INT64_MAX, NULL, 0}, {"mine", F_BOOL, 0, 0, 0, NULL, 0},                                   \
        {"overdue", F_BOOL, 0, 0, 0, NULL, 0}, {"state", F_ENUM, 0, 0, 0, case_states, 0},                          \
        {"category", F_TEXT, 0, 0, 0, NULL, 0}, {"q", F_TEXT, 0, 0, 0, NULL, 0},                                    \
        {"code", F_TEXT, 0, TRACKING_CODE_LEN, 24, NULL, 0}, {"from", F_DATE, 0, 20000101, 1, NULL, 0},             \
        {"to", F_DATE, 0, 20000101, 1, NULL, 0}
static const field_t cases_list_query[] = {
    CASE_LIST_QUERY,
    FIELDS_END,
};
static const field_t cases_export_query[] = {
    CASE_LIST_QUERY,
    {"reveal", F_BOOL, 0, 0, 0, NULL, 0},
    {"reason", F_TEXT, 0, 0, 200, NULL, 0},
    FIELDS_END,
};
static const field_t cases_nearby_query[] = {
    {"category", F_TEXT, 1, 0, 0, NULL, 0},
    {"lat", F_NUMBER, 1, -90, 90, NULL, 0},
    {"lng", F_NUMBER, 1, -180, 180, NULL, 0},
    FIELDS_END,
};
static const field_t public_cases_get_query[] = {
    {"code", F_TEXT, 1, 0, 0, NULL, 0},
    FIELDS_END,
};

/* Photos are read by their bytes (case_photo.c), whatever the Content-Type says. */
static const char *const photo_types[] = {"image/jpeg", "image/png", "image/webp", NULL};

static int case_scope(db_t *db, const principal_t *who, int64_t id, int64_t *org)
{
    char path[ACCESS_PATH_MAX];
    return case_visible(db, who, id, org, path, sizeof path);
}

/* Every case operation on one case answers 404 first for a case the caller may not see. */
static const entity_t case_entity = {"case", NULL, case_scope};

/* The whole case family: its operations live in the case_*.c files. */
const op_t case_ops[] = {
    {OP(HTTP_GET, "/api/v1/cases", "cases.list", USER, RF_PAGED, case_list), .query = cases_list_query,
     .sorts = case_sorts},
    {OP(HTTP_GET, "/api/v1/cases/export", "cases.export", PERM(PERM_CASE_READ), RF_WRITES, case_export),
     .query = cases_export_query},
    {OP(HTTP_POST, "/api/v1/cases", "cases.create", USER, RF_BODY | RF_WRITES, case_create),
     .body = create_fields, .body_errors = create_point_errors},
    {OP(HTTP_GET, "/api/v1/cases/{id}", "cases.get", USER, 0, case_get), .entity = &case_entity},
    {OP(HTTP_POST, "/api/v1/cases/{id}/actions", "cases.action", USER, RF_BODY | RF_WRITES, case_action),
     .body = case_action_fields, .entity = &case_entity},
    {OP(HTTP_GET, "/api/v1/cases/nearby", "cases.nearby", USER, 0, case_nearby), .query = cases_nearby_query},
    {OP(HTTP_GET, "/api/v1/cases/{id}/place", "cases.place", USER, 0, case_place), .entity = &case_entity},
    {OP(HTTP_GET, "/api/v1/cases/{id}/duplicates", "cases.duplicates", USER, 0, case_duplicates), .entity = &case_entity},
    {OP(HTTP_POST, "/api/v1/cases/{id}/supervise", "cases.supervise", PERM(PERM_CASE_WRITE), RF_BODY | RF_WRITES,
        case_supervise), .body = case_supervise_fields, .entity = &case_entity},
    {OP(HTTP_POST, "/api/v1/cases/{id}/escalate", "cases.escalate", PERM(PERM_CASE_WRITE), RF_BODY | RF_WRITES,
        case_escalate), .body = case_escalate_fields, .entity = &case_entity},
    {OP(HTTP_POST, "/api/v1/cases/{id}/publicity", "cases.publicity", PERM(PERM_CASE_WRITE), RF_BODY | RF_WRITES,
        case_publicity), .body = case_publicity_fields, .entity = &case_entity},
    {OP(HTTP_POST, "/api/v1/cases/{id}/reveal", "cases.reveal", PERM(PERM_PII_REVEAL),
        RF_BODY | RF_NO_REPLAY | RF_WRITES, case_reveal), .body = reveal_fields, .entity = &case_entity},
    {OP(HTTP_GET, "/api/v1/cases/{id}/photos", "cases.photos.list", USER, 0, case_photo_list), .entity = &case_entity},
    {OP(HTTP_POST, "/api/v1/cases/{id}/photos", "cases.photos.add", USER, RF_UPLOAD | RF_WRITES, case_photo_add),
     .upload_types = photo_types, .entity = &case_entity},
    {OP(HTTP_GET, "/api/v1/cases/{id}/photos/{id}", "cases.photos.get", USER, 0, case_photo_get), .entity = &case_entity},
    {OP(HTTP_GET, "/api/v1/inbox", "inbox", USER, 0, inbox_get)},
    {OP(HTTP_GET, "/api/v1/inbox/events", "inbox.events", USER, 0, inbox_events)},
    {OP(HTTP_POST, "/api/v1/public/cases", "public.cases.create", PUB, RF_BODY | RF_WRITES, public_case_create),
     .describe = public_case_create_describe},
    {OP(HTTP_GET, "/api/v1/public/cases", "public.cases.get", PUB, 0, public_case_get),
     .query = public_cases_get_query},
    {OP(HTTP_POST, "/api/v1/public/case-photos", "public.cases.photos.add", PUB, RF_UPLOAD | RF_WRITES | RF_NO_REPLAY,
         public_case_photo_add),
     .upload_types = photo_types},
    OPS_END,
};
