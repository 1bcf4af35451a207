/* Casework (一线为民): a resident's problem carried from report to rating. The
 * states and moves are core/casefsm's; who may make each move is here; every
 * move is a version-checked write (two people acting at once: one wins, the
 * other gets 409) and appends an event to the case's log and a row to the audit. */
#include "api/handlers.h"
#include "api/internal.h"

#include <math.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/casefsm.h"
#include "core/path.h"
#include "core/idcard.h"
#include "core/pii_text.h"
#include "core/redact.h"
#include "core/timefmt.h"
#include "core/tracking.h"
#include "core/role.h"
#include "http/server.h"
#include "lib/pii.h"
#include "lib/util.h"

const char *const case_sources[] = {"grid_worker", "resident", "hotline", NULL};
const char *const case_ratings[] = {"满意", "基本满意", "不满意", NULL};

static const field_t create_fields[] = {
    {"category", F_TEXT, 1, 1, 32, NULL},
    {"title", F_NAME, 1, 1, 100, NULL},
    {"description", F_BLOCK, 1, 1, 2000, NULL},
    {"source", F_ENUM, 0, 0, 0, case_sources},
    {"building_id", F_INT, 0, 1, INT64_MAX, NULL},
    {"org_id", F_INT, 0, 1, INT64_MAX, NULL},
    {"contact_phone", F_TEXT, 0, 1, 20, NULL},
    FIELDS_END,
};

static const field_t action_fields[] = {
    {"action", F_TEXT, 1, 1, 16, NULL},
    {"version", F_INT, 1, 1, INT64_MAX, NULL},
    {"note", F_BLOCK, 0, 1, 1000, NULL},
    {"org_id", F_INT, 0, 1, INT64_MAX, NULL},
    {"unit_id", F_INT, 0, 1, INT64_MAX, NULL},
    {"rating", F_ENUM, 0, 0, 0, case_ratings},
    {"into", F_INT, 0, 1, INT64_MAX, NULL},
    FIELDS_END,
};

#define CASE_COLUMNS                                                                                                   \
    "SELECT c.id, c.tracking_code, k.code AS category, k.name_zh AS category_name, c.source, c.title,"              \
    " c.description, c.contact_phone_masked AS contact_phone, c.lat, c.lng, c.building_id, c.org_id, o.name AS org_name, c.outside_grid AS is_outside_grid,"  \
    " c.state, c.handler_org_id, c.handler_unit_id, c.handler_user_id, c.escalation_level,"                       \
    " c.stage_deadline AS stage_deadline_at, c.close_due_at,"                                                        \
    " c.returns, c.rating, c.rating_comment, c.reporter_id, c.created_at, c.updated_at, c.closed_at, c.version,"     \
    " c.merged_into, c.supervised_org_id, c.supervise_deadline AS supervise_deadline_at, c.is_public,"              \
    " (SELECT COUNT(*) FROM case_photo p WHERE p.case_id = c.id) AS photos, c.stage_deadline AS _deadline"
#define CASE_FROM " FROM casefile c JOIN case_category k ON k.id = c.category_id JOIN org o ON o.id = c.org_id"
#define CASE_SELECT CASE_COLUMNS CASE_FROM

/* The units a user holds a unit grant over (one parameter: the user id). */
#define UNITS_OF_USER "SELECT g.unit_id FROM user_grant g WHERE g.user_id = ? AND g.unit_id IS NOT NULL"

/* overdue: the stage's deadline (the raw _deadline column) has passed. */
static void add_overdue(json_t *row, int64_t now)
{
    int64_t at = json_integer_value(json_object_get(row, "_deadline"));
    json_object_set_new(row, "overdue", json_boolean(at > 0 && at < now));
    json_object_del(row, "_deadline");
}

static json_t *case_json(db_t *db, int64_t id, int with_events)
{
    json_t *rows = db_rows_json(db, CASE_SELECT " WHERE c.id = ?", "i", id);
    json_t *o = rows && json_array_size(rows) == 1 ? json_incref(json_array_get(rows, 0)) : NULL;
    json_decref(rows);
    if (o == NULL)
        return NULL;
    add_overdue(o, clock_now());
    if (with_events) {
        json_t *ev = db_rows_json(db,
                                  "SELECT id, at AS at_at, actor_name, action, from_state, to_state, note FROM case_event"
                                  " WHERE case_id = ? ORDER BY id",
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
static int case_visible(db_t *db, const principal_t *who, int64_t id, int64_t *org, char *path, size_t cap)
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

static int64_t stage_hours(db_t *db, int64_t category, case_state_t s)
{
    category_limits_t c;
    return category_limits(db, category, &c) == DB_OK && s >= 0 && s < CS_COUNT ? c.hours[s] : 0;
}

static int log_event(db_t *db, const write_ctx_t *w, int64_t id, const char *action, const char *from, const char *to,
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
    return api_error(rep, req->lang, 400, "validation_failed", field, "联系电话格式错误（手机号或带区号的固定电话）",
                     "the contact phone is not a valid mobile or landline number") - 1;
}

void case_intake_pii(const keys_t *k, json_t *data)
{
    redact_found_t found = {0};
    mask_text(data, "title", &found);
    mask_text(data, "description", &found);
    const char *phone = json_string_value(json_object_get(data, "contact_phone"));
    if (phone == NULL && found.phones == 1 && phone_valid(found.phone))
        phone = found.phone; /* "请回电 139…": the one number typed becomes the one to call back */
    if (phone != NULL) {
        char masked[32];
        phone_mask(masked, sizeof masked, phone);
        char *enc = pii_encrypt(k, CASE_PHONE_FIELD, phone);
        json_object_set_new(data, "contact_phone_enc", json_string(enc));
        free(enc);
        json_object_set_new(data, "contact_phone", json_string(masked)); /* phone is gone from here on */
    }
    sodium_memzero(found.phone, sizeof found.phone);
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

/* Insert a validated report (category_id, org_id, source, title, description,
 * optional building_id, outside_grid, lat, lng) and fill *out. DB_OK or an error. */
static int insert_case(db_t *db, const write_ctx_t *w, const json_t *data, case_new_t *out)
{
    int64_t category = json_integer_value(json_object_get(data, "category_id"));
    int64_t org = json_integer_value(json_object_get(data, "org_id"));
    int64_t building = json_integer_value(json_object_get(data, "building_id"));
    int outside = json_is_true(json_object_get(data, "outside_grid"));
    const char *source = json_string_value(json_object_get(data, "source"));
    char *code = out->code;
    tracking_code_new(code);
    category_limits_t limit;
    int rc = category_limits(db, category, &limit);
    if (rc != DB_OK)
        return rc;
    memcpy(out->category_name, limit.name_zh, sizeof out->category_name);
    out->stage_deadline = w->now + limit.hours[CS_REPORTED] * 3600;
    out->close_due = w->now + limit.total * 3600;
    json_t *lat = json_object_get(data, "lat"), *lng = json_object_get(data, "lng");
    /* One statement whether or not there is a point ('n' binds NULL and takes no
     * argument); the ids are the connection's last (RETURNING costs SQLite a
     * temporary table on every run). */
    rc = db_exec(db, NULL,
                     "INSERT INTO casefile (tracking_code, category_id, source, title, description, building_id,"
                     " org_id, outside_grid, reporter_id, state, stage_deadline, close_due_at, created_at,"
                     " updated_at, is_public, contact_phone_enc, contact_phone_masked, lat, lng)"
                     " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'reported', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     lat && lng ? "titttIiiIiiiiittdd" : "titttIiiIiiiiittnn", code, category, source,
                     json_string_value(json_object_get(data, "title")),
                     json_string_value(json_object_get(data, "description")), building, org, (int64_t)outside,
                     w->who.user_id, out->stage_deadline, out->close_due, w->now, w->now,
                     (int64_t)case_source_public(source), json_string_value(json_object_get(data, "contact_phone_enc")),
                     json_string_value(json_object_get(data, "contact_phone")), json_real_value(lat),
                     json_real_value(lng));
    int64_t id = 0;
    if (rc == DB_OK)
        rc = db_last_id(db, &id);
    if (rc == DB_OK)
        rc = log_event(db, w, id, "report", NULL, "reported", NULL);
    if (rc == DB_OK)
        rc = db_last_id(db, &out->event_id);
    if (rc == DB_OK)
        rc = casework_case_added(db, org, w->now, out->close_due);
    if (rc == DB_OK) {
        /* The summary json_dumps would write (compact, keys sorted), written directly. */
        strbuf_t sum = {0};
        strbuf_add(&sum, "{\"category\":");
        strbuf_add_json(&sum, json_string_value(json_object_get(data, "category")));
        strbuf_add(&sum, ",\"source\":");
        strbuf_add_json(&sum, json_string_value(json_object_get(data, "source")));
        strbuf_add(&sum, ",\"tracking_code\":");
        strbuf_add_json(&sum, code);
        strbuf_add(&sum, "}");
        rc = audit_append_text(db, w, "case.reported", "case", id, org, sum.s);
        free(sum.s);
    }
    out->id = id;
    return rc;
}

int64_t cases_insert(db_t *db, const write_ctx_t *w, const json_t *data)
{
    case_new_t c;
    return insert_case(db, w, data, &c) == DB_OK ? c.id : 0;
}

/* What case_after_commit needs besides the request's data: the writer's facts. */
typedef struct {
    case_new_t c;
    int64_t org_id, now, reporter_id;
    int has_org_name;
    char org_name[512];
    char actor_name[sizeof ((principal_t *)0)->username];
} case_answer_t;

/* The new case as the answer, on the loop thread once it is committed: what
 * case_json would read back (GET /cases/{id}), key for key, built from the
 * request's data (rep->json) and what the writer knew (rep->after_data), since
 * reading it back starts from cold pages after every commit. PostgreSQL keeps
 * lat and lng as REAL (4 bytes), so there it is read back. */
static void case_after_commit(db_t *db, api_reply_t *rep)
{
    const json_t *d = rep->json;
    const case_answer_t *a = rep->after_data;
    if (strcmp(db_dialect(db), "sqlite") != 0 || !a->has_org_name || !a->c.category_name[0]) {
        json_t *c = case_json(db, a->c.id, 1);
        json_decref(rep->json);
        rep->json = c ? c : json_pack("{s:I}", "id", (json_int_t)a->c.id);
        return;
    }
    json_t *lat = json_object_get(d, "lat"), *lng = json_object_get(d, "lng");
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
    static const char *const texts[] = {"category", "source", "title", "description"};
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
        strbuf_add(&b, ",\"");
        strbuf_add(&b, texts[i]);
        strbuf_add(&b, "\":");
        strbuf_add_json(&b, json_string_value(json_object_get(d, texts[i])));
        if (i == 0) {
            strbuf_add(&b, ",\"category_name\":");
            strbuf_add_json(&b, a->c.category_name);
        }
    }
    const char *phone = json_string_value(json_object_get(d, "contact_phone")); /* masked by now */
    strbuf_add(&b, ",\"contact_phone\":");
    if (phone)
        strbuf_add_json(&b, phone);
    else
        strbuf_add(&b, "null");
    for (int i = 0; i < 2; i++) { /* lat, lng: jansson's own text of each number */
        char *num = lat && lng ? json_dumps(i ? lng : lat, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
        strbuf_add(&b, i ? ",\"lng\":" : ",\"lat\":");
        strbuf_add(&b, num ? num : "null");
        free(num);
    }
    int64_t building = json_integer_value(json_object_get(d, "building_id"));
    strbuf_add(&b, ",\"building_id\":");
    if (building)
        strbuf_add_int(&b, building);
    else
        strbuf_add(&b, "null");
    strbuf_add(&b, ",\"org_id\":");
    strbuf_add_int(&b, a->org_id);
    strbuf_add(&b, ",\"org_name\":");
    strbuf_add_json(&b, a->org_name);
    strbuf_add(&b, json_is_true(json_object_get(d, "outside_grid")) ? ",\"outside_grid\":true" : ",\"outside_grid\":false");
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
    strbuf_add(&b, case_source_public(json_string_value(json_object_get(d, "source"))) ? "true" : "false");
    strbuf_add(&b, ",\"photos\":0,\"overdue\":");
    strbuf_add(&b, a->c.stage_deadline > 0 && a->c.stage_deadline < clock_now() ? "true" : "false");
    strbuf_add(&b, ",\"events\":[{\"id\":");
    strbuf_add_int(&b, a->c.event_id);
    strbuf_add(&b, ",\"actor_name\":");
    strbuf_add_json(&b, a->actor_name);
    strbuf_add(&b, ",\"action\":\"report\",\"from_state\":null,\"to_state\":\"reported\",\"note\":null,\"at\":\"");
    strbuf_add(&b, created);
    strbuf_add(&b, "\"}]}");
    json_decref(rep->json);
    rep->json = NULL;
    rep->raw = b.s;
    rep->raw_len = b.len;
    rep->content_type = "application/json; charset=utf-8";
}

/* The report, leaving data as it came (api_defer_kept): the answer holds a
 * reference to it, the writer's facts go beside it. */
static int create_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    case_answer_t *a = xcalloc(1, sizeof *a);
    if (insert_case(db, w, data, &a->c) != DB_OK) {
        free(a);
        return api_db_error(rep, w->lang, DB_ERR, NULL);
    }
    a->org_id = json_integer_value(json_object_get(data, "org_id"));
    /* The org's name as this transaction sees it. */
    a->has_org_name = org_brief(db, a->org_id, NULL, 0, a->org_name, sizeof a->org_name) == DB_OK;
    a->now = w->now;
    a->reporter_id = w->who.user_id;
    str_copy(a->actor_name, sizeof a->actor_name, w->who.username[0] ? w->who.username : "anonymous");
    api_json(rep, 201, json_incref(data));
    rep->after_data = a;
    rep->after_commit = case_after_commit;
    return 0;
}

/* A report's category that takes no reports: 400 category_inactive if it was
 * deactivated, else validation_failed (no such category); field category. */
static int category_refused(api_req_t *req, api_reply_t *rep, const char *code)
{
    int64_t id = 0;
    if (db_one_int(req->db, &id, "SELECT id FROM case_category WHERE code = ?", "t", code) == DB_OK)
        return api_error(rep, req->lang, 400, "category_inactive", "category", "该类别已停用，不再受理新的反映",
                         "this category is deactivated and takes no new reports");
    return api_error(rep, req->lang, 400, "validation_failed", "category", "未知的类别", "unknown category");
}

static int read_coord(const json_t *v, double lo, double hi, double *out)
{
    if (!json_is_number(v))
        return -1;
    *out = json_number_value(v);
    return isfinite(*out) && *out >= lo && *out <= hi ? 0 : -1;
}

int case_create(api_req_t *req, api_reply_t *rep)
{
    json_t *data = req->body; /* the request's own: nothing reads it after this */
    req->body = NULL;
    json_t *lat = json_incref(json_object_get(data, "lat")), *lng = json_incref(json_object_get(data, "lng"));
    json_object_del(data, "lat");
    json_object_del(data, "lng");
    double la = 0, ln = 0;
    int bad = api_validate(req, data, create_fields, rep) != 0;
    if (!bad && (lat || lng) && (read_coord(lat, -90, 90, &la) != 0 || read_coord(lng, -180, 180, &ln) != 0)) {
        api_error(rep, req->lang, 400, "validation_failed", read_coord(lat, -90, 90, &la) ? "lat" : "lng",
                  "坐标无效：须同时给出纬度（-90 到 90）和经度（-180 到 180）",
                  "give both lat (-90 to 90) and lng (-180 to 180)");
        bad = 1;
    }
    if (!bad)
        bad = case_phone_check(req, json_string_value(json_object_get(data, "contact_phone")), "contact_phone", rep) != 0;
    int has_point = lat != NULL;
    json_decref(lat);
    json_decref(lng);
    if (bad) {
        json_decref(data);
        return 0;
    }
    int64_t category = 0;
    if (db_one_int(req->db, &category, "SELECT id FROM case_category WHERE code = ? AND active = 1", "t",
                   json_string_value(json_object_get(data, "category"))) != DB_OK) {
        category_refused(req, rep, json_string_value(json_object_get(data, "category")));
        json_decref(data);
        return 0;
    }
    json_object_set_new(data, "category_id", json_integer(category));
    /* Where: a building's grid, else the grid at the point, else the given node (flagged outside every grid). */
    int64_t org = json_integer_value(json_object_get(data, "org_id"));
    int64_t building = json_integer_value(json_object_get(data, "building_id"));
    int outside = 0;
    if (building) {
        char level[16] = "";
        if (db_one_text(req->db, level, sizeof level, "SELECT level FROM org WHERE id = ?", "i", building) != DB_OK ||
            strcmp(level, "building") != 0 ||
            db_one_int(req->db, &org, "SELECT parent_id FROM org WHERE id = ?", "i", building) != DB_OK) {
            json_decref(data);
            return api_error(rep, req->lang, 404, "not_found", "building_id", "楼栋不存在", "no such building");
        }
    } else if (has_point) {
        int64_t grid = 0;
        if (geo_find_grid(req->db, ln, la, &grid) == DB_OK && grid > 0) {
            org = grid;
        } else if (org > 0) {
            outside = 1;
        } else {
            json_decref(data);
            return api_error(rep, req->lang, 400, "validation_failed", "org_id", "该位置不在任何网格内，请指定所在社区",
                             "the point is in no grid: give the community (org_id)");
        }
    } else if (org <= 0) {
        json_decref(data);
        return api_error(rep, req->lang, 400, "validation_failed", "org_id", "请给出位置、楼栋或所在组织",
                         "give a location, a building or the org");
    }
    if (has_point) {
        json_object_set_new(data, "lat", json_real(la));
        json_object_set_new(data, "lng", json_real(ln));
    }
    if (access_org(req->db, req->who, PERM_ORG_READ, org, NULL, 0) != DB_OK) {
        const char *field = building ? "building_id" : json_object_get(data, "org_id") ? "org_id" : "lat";
        json_decref(data);
        return api_error(rep, req->lang, 404, "not_found", field, "不在你的范围内", "not within your scope");
    }
    char level[16] = "";
    db_one_text(req->db, level, sizeof level, "SELECT level FROM org WHERE id = ?", "i", org);
    if (!outside && strcmp(level, "grid") != 0)
        outside = 1; /* reported at a community or above: no grid holds it yet */
    json_object_set_new(data, "org_id", json_integer(org));
    json_object_set_new(data, "outside_grid", json_boolean(outside));
    /* Only staff say where a report came from; everyone else reports as a resident. */
    if (!(req->who->perms_any & PERM_CASE_WRITE))
        json_object_set_new(data, "source", json_string("resident"));
    else if (!json_object_get(data, "source"))
        json_object_set_new(data, "source", json_string("grid_worker"));
    case_intake_pii(req->keys, data);
    return api_defer_kept(req, create_write, data);
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

int case_list(api_req_t *req, api_reply_t *rep)
{
    int64_t limit, after, org = 0, mine = 0, overdue = 0;
    if (api_page(req, rep, &limit, &after) != 0)
        return 0;
    static const char *const filters[] = {"org", "mine", "overdue"};
    int64_t *vals[] = {&org, &mine, &overdue};
    static const int64_t max[] = {INT64_MAX, 1, 1};
    for (int f = 0; f < 3; f++)
        if (api_query_int(req, filters[f], 0, f == 0 ? 1 : 0, max[f], vals[f]) != 0)
            return api_error(rep, req->lang, 400, "validation_failed", filters[f], "筛选条件无效",
                             "a filter is not valid");
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
    if (!known)
        return api_error(rep, req->lang, 400, "validation_failed", "category", "未知的类别", "unknown category");
    char *state = api_query(req, "state");
    if (state && case_state_from_name(state) == CS_NONE) {
        free(state);
        return api_error(rep, req->lang, 400, "validation_failed", "state", "状态无效", "unknown state");
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
        return api_db_error(rep, req->lang, rc, "org");
    }
    json_t *items = db_rows_json(req->db,
                                 CASE_SELECT " WHERE ((? = 1 AND c.reporter_id = ?) OR (? = 0 AND o.path >= ? AND o.path < ?)"
                                             " OR (? = 1 AND c.handler_unit_id IN (" UNITS_OF_USER ")))"
                                             " AND c.id > ? AND (CAST(? AS TEXT) IS NULL OR c.state = ?)"
                                             " AND (? = 0 OR (c.stage_deadline IS NOT NULL AND c.stage_deadline < ?))"
                                             " AND (? = 0 OR c.category_id IN (WITH RECURSIVE sub (id) AS ("
                                             "SELECT CAST(? AS BIGINT) UNION ALL SELECT k.id FROM case_category k"
                                             " JOIN sub ON k.parent_id = sub.id) SELECT id FROM sub))"
                                             " ORDER BY c.id LIMIT ?",
                                 "iiittiiittiiiii", mine, req->who->user_id, mine, lo, hi, units, req->who->user_id,
                                 after, state, state, overdue, clock_now(), category, category, limit + 1);
    free(state);
    if (items == NULL)
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    size_t i;
    json_t *row;
    int64_t now = clock_now();
    json_array_foreach(items, i, row) add_overdue(row, now);
    return api_json(rep, 200, api_page_result(items, limit));
}

/* ---- moves ---- */

static int forbidden(api_reply_t *rep, const char *lang, const char *code, const char *zh, const char *en)
{
    return api_error(rep, lang, 403, code, "action", zh, en) - 1;
}

static int action_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    int64_t id = json_integer_value(json_object_get(data, "id")), org;
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
    case_action_t a = case_action_from_name(json_string_value(json_object_get(data, "action")));
    case_state_t to = case_next(from, a);
    if (to == CS_NONE)
        return api_error(rep, w->lang, 409, "invalid_transition", "action", "案件当前状态下不能进行此操作",
                         "this action is not possible in the case's current state") - 1;
    int staff = access_covers(&w->who, PERM_CASE_WRITE, path);
    const char *note = json_string_value(json_object_get(data, "note"));
    switch (a) {
    case CA_MERGE: {
        int64_t into = json_integer_value(json_object_get(data, "into")), iorg = 0;
        char ipath[ACCESS_PATH_MAX];
        if (!staff)
            return forbidden(rep, w->lang, "forbidden", "只有负责该网格或社区的工作人员可以操作",
                             "only staff responsible for the case's node may do this");
        if (into <= 0 || into == id)
            return api_error(rep, w->lang, 400, "validation_failed", "into", "请指定要合并到的另一案件",
                             "give the other case to merge into") - 1;
        if (case_visible(db, &w->who, into, &iorg, ipath, sizeof ipath) != DB_OK)
            return api_error(rep, w->lang, 404, "not_found", "into", "案件不存在", "no such case") - 1;
        char istate[16] = "";
        db_one_text(db, istate, sizeof istate, "SELECT state FROM casefile WHERE id = ?", "i", into);
        if (case_state_final(case_state_from_name(istate)))
            return api_error(rep, w->lang, 409, "invalid_transition", "into", "只能合并到未结束的案件",
                             "a case merges only into an open case") - 1;
        rc = db_exec(db, NULL, "UPDATE casefile SET merged_into = ? WHERE id = ?", "ii", into, id);
        break;
    }
    case CA_ACCEPT:
    case CA_DISPATCH:
    case CA_CLOSE:
        if (!staff)
            return forbidden(rep, w->lang, "forbidden", "只有负责该网格或社区的工作人员可以操作",
                             "only staff responsible for the case's node may do this");
        break;
    case CA_REJECT:
        if (!staff)
            return forbidden(rep, w->lang, "forbidden", "只有负责该网格或社区的工作人员可以操作",
                             "only staff responsible for the case's node may do this");
        if (note == NULL)
            return api_error(rep, w->lang, 400, "validation_failed", "note", "不予受理须说明理由",
                             "a rejection needs its reason in note") - 1;
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
            return forbidden(rep, w->lang, "forbidden", "只有被派遣的承办方可以操作",
                             "only the organisation the case was dispatched to may do this");
        break;
    }
    case CA_VERIFY:
    case CA_RETURN:
        if (!staff && reporter != w->who.user_id)
            return forbidden(rep, w->lang, "forbidden", "只有网格员或反映人可以核查",
                             "only the grid's staff or the person who reported it may verify");
        if (handler_user == w->who.user_id)
            return forbidden(rep, w->lang, "verifier_is_handler", "处置人不能核查自己的处置结果",
                             "whoever handled a case cannot verify it");
        break;
    case CA_RATE:
        if (reporter != w->who.user_id)
            return forbidden(rep, w->lang, "forbidden", "只有反映人可以评价", "only the person who reported it may rate it");
        if (!json_is_string(json_object_get(data, "rating")))
            return api_error(rep, w->lang, 400, "validation_failed", "rating", "请选择 满意、基本满意 或 不满意",
                             "rating is 满意, 基本满意 or 不满意") - 1;
        break;
    default:
        break;
    }
    if (version != json_integer_value(json_object_get(data, "version")))
        return api_error(rep, w->lang, 409, "version_conflict", "version", "案件已被他人处理，请刷新后重试",
                         "someone else acted on this case; reload and try again") - 1;
    /* The case's part of the indicators leaves now and comes back changed. */
    casework_delta_t cw = {0};
    if (rc == DB_OK)
        rc = casework_case_part(db, id, -1, &cw);
    if (rc == DB_OK && a == CA_DISPATCH) {
        int64_t to_org = json_integer_value(json_object_get(data, "org_id"));
        int64_t to_unit = json_integer_value(json_object_get(data, "unit_id"));
        if ((to_org > 0) == (to_unit > 0))
            return api_error(rep, w->lang, 400, "validation_failed", "org_id", "请指定承办的组织或单位（二选一）",
                             "give either org_id or unit_id to dispatch to") - 1;
        int64_t check_org = to_org;
        if (to_unit && db_one_int(db, &check_org, "SELECT org_id FROM unit WHERE id = ?", "i", to_unit) != DB_OK)
            return api_error(rep, w->lang, 404, "not_found", "unit_id", "单位不存在", "no such unit") - 1;
        if (access_org(db, &w->who, to_unit ? PERM_UNIT_READ : PERM_ORG_READ, check_org, NULL, 0) != DB_OK)
            return api_error(rep, w->lang, 404, "not_found", to_unit ? "unit_id" : "org_id", "承办方不存在",
                             "no such handler") - 1;
        rc = db_exec(db, NULL, "UPDATE casefile SET handler_org_id = ?, handler_unit_id = ? WHERE id = ?", "IIi",
                     to_org, to_unit, id);
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
                     json_string_value(json_object_get(data, "rating")), note, id);
    int64_t hours = stage_hours(db, category, to);
    if (rc == DB_OK)
        rc = db_exec(db, NULL,
                     "UPDATE casefile SET state = ?, stage_deadline = ?, updated_at = ?, version = version + 1,"
                     " escalation_level = 0, escalated_org_id = NULL WHERE id = ?",
                     "tIii", case_state_name(to), case_state_final(to) || hours == 0 ? 0 : w->now + hours * 3600,
                     w->now, id);
    if (rc == DB_OK)
        rc = log_event(db, w, id, case_action_name(a), case_state_name(from), case_state_name(to), note);
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
    if (api_validate(req, req->body, action_fields, rep) != 0)
        return 0;
    if (case_action_from_name(json_string_value(json_object_get(req->body, "action"))) == CA_NONE)
        return api_error(rep, req->lang, 400, "validation_failed", "action", "未知的操作", "unknown action");
    json_t *data = json_deep_copy(req->body);
    json_object_set_new(data, "id", json_integer(req->params[0]));
    case_intake_note(data, "note");
    return api_defer(req, action_write, data);
}

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
            int64_t hours = stage_hours(db, json_integer_value(json_object_get(c, "category_id")),
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
            rc = log_event(db, w, id, level == 1 ? "escalate_street" : "escalate_district", state, state, NULL);
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

int cases_escalate(db_t *db, const write_ctx_t *w)
{
    /* Two passes: a case long overdue goes to the street and on to the district at once. */
    int a = escalate_pass(db, w);
    int b = a < 0 ? -1 : escalate_pass(db, w);
    return b < 0 ? -1 : a + b;
}

/* ---- inbox ---- */

/* One part of the inbox: how many cases wait, and the first 20. The WHERE
 * clauses take their parameters as the types string says. */
#define OPEN_STATES " c.state NOT IN ('rejected', 'closed', 'rated')"
#define INBOX_PART(joins, where, order)                                                                                \
    {CASE_SELECT joins " WHERE " where " ORDER BY " order " LIMIT 20",                                                 \
     "SELECT COUNT(*)" CASE_FROM joins " WHERE " where}

static int inbox_part(api_req_t *req, json_t *out, const char *name, const char *const sql[2], const char *types,
                      int64_t a, const char *lo, const char *hi, int64_t b, int64_t *total)
{
    json_t *items = NULL;
    int64_t count = 0;
    int rc = DB_OK;
    /* The parameter layouts used below: "tt" (range), "itt" (now or me, range), "i" (me), "itti" (me, range, me),
     * "tti" (range, me). */
    if (strcmp(types, "tti") == 0) {
        items = db_rows_json(req->db, sql[0], "tti", lo, hi, b);
        rc = db_one_int(req->db, &count, sql[1], "tti", lo, hi, b);
    } else if (strcmp(types, "tt") == 0) {
        items = db_rows_json(req->db, sql[0], "tt", lo, hi);
        rc = db_one_int(req->db, &count, sql[1], "tt", lo, hi);
    } else if (strcmp(types, "itt") == 0) {
        items = db_rows_json(req->db, sql[0], "itt", a, lo, hi);
        rc = db_one_int(req->db, &count, sql[1], "itt", a, lo, hi);
    } else if (strcmp(types, "i") == 0) {
        items = db_rows_json(req->db, sql[0], "i", a);
        rc = db_one_int(req->db, &count, sql[1], "i", a);
    } else {
        items = db_rows_json(req->db, sql[0], "itti", a, lo, hi, b);
        rc = db_one_int(req->db, &count, sql[1], "itti", a, lo, hi, b);
    }
    if (items == NULL || rc != DB_OK) {
        json_decref(items);
        return -1;
    }
    size_t i;
    json_t *row;
    int64_t now = clock_now();
    json_array_foreach(items, i, row) add_overdue(row, now);
    *total += count;
    json_object_set_new(out, name, json_pack("{s:I, s:o}", "count", (json_int_t)count, "items", items));
    return 0;
}

int inbox_get(api_req_t *req, api_reply_t *rep)
{
    char lo[ACCESS_PATH_MAX] = "~", hi[ACCESS_PATH_MAX] = "~"; /* "~": a range that holds nothing */
    int staff = access_list_range(req->db, req->who, PERM_CASE_WRITE, 0, lo, hi) == DB_OK;
    if (!staff)
        str_copy(lo, sizeof lo, "~"), str_copy(hi, sizeof hi, "~");
    int64_t me = req->who->user_id, now = clock_now(), total = 0;
    static const char *const to_accept[2] = INBOX_PART("", "c.state = 'reported' AND o.path >= ? AND o.path < ?", "c.id");
    /* Dispatched to a node in the caller's part of the tree, or to a unit the caller is an account of. */
    static const char *const dispatched[2] =
        INBOX_PART(" LEFT JOIN unit u ON u.id = c.handler_unit_id JOIN org h ON h.id = COALESCE(c.handler_org_id, u.org_id)",
                   "c.state = 'dispatched' AND ((h.path >= ? AND h.path < ?) OR c.handler_unit_id IN (" UNITS_OF_USER
                   "))",
                   "c.id");
    static const char *const overdue[2] =
        INBOX_PART("", "c.stage_deadline IS NOT NULL AND c.stage_deadline < ? AND" OPEN_STATES
                       " AND o.path >= ? AND o.path < ?",
                   "c.stage_deadline");
    static const char *const escalated[2] = INBOX_PART(
        " JOIN org e ON e.id = c.escalated_org_id", "c.escalation_level > 0 AND e.path >= ? AND e.path < ? AND" OPEN_STATES,
        "c.id");
    static const char *const supervised[2] =
        INBOX_PART(" JOIN org s ON s.id = c.supervised_org_id", "s.path >= ? AND s.path < ? AND" OPEN_STATES, "c.id");
    static const char *const to_verify[2] =
        INBOX_PART("", "c.state = 'handled' AND (c.reporter_id = ? OR (o.path >= ? AND o.path < ?))"
                       " AND COALESCE(c.handler_user_id, 0) <> ?",
                   "c.id");
    static const char *const to_rate[2] = INBOX_PART("", "c.state = 'closed' AND c.reporter_id = ?", "c.id");
    json_t *out = json_object();
    int bad = inbox_part(req, out, "to_accept", to_accept, "tt", 0, lo, hi, 0, &total) ||
              inbox_part(req, out, "dispatched", dispatched, "tti", 0, lo, hi, me, &total) ||
              inbox_part(req, out, "overdue", overdue, "itt", now, lo, hi, 0, &total) ||
              inbox_part(req, out, "escalated", escalated, "tt", 0, lo, hi, 0, &total) ||
              inbox_part(req, out, "supervised", supervised, "tt", 0, lo, hi, 0, &total) ||
              inbox_part(req, out, "to_verify", to_verify, "itti", me, lo, hi, me, &total) ||
              inbox_part(req, out, "to_rate", to_rate, "i", me, lo, hi, 0, &total);
    if (bad) {
        json_decref(out);
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    }
    json_object_set_new(out, "total", json_integer(total));
    return api_json(rep, 200, out);
}

/* ---- duplicate hints ---- */

#define DUPLICATE_METRES 50.0

/* Open cases of the same category within 50 m of (lat, lng), newest first,
 * that the caller may see; exclude is a case id to leave out. */
static json_t *nearby_open(db_t *db, const principal_t *who, int64_t category, double lat, double lng, int64_t exclude)
{
    /* A box of about 50 m first (an index-free scan of open cases in it), then the exact distance. */
    double dlat = DUPLICATE_METRES / 111320.0, dlng = DUPLICATE_METRES / (111320.0 * cos(lat * M_PI / 180.0));
    json_t *rows = db_rows_json(db,
                                CASE_COLUMNS ", o.path AS _path" CASE_FROM " WHERE c.category_id = ? AND c.id <> ?"
                                            " AND c.state NOT IN ('rejected', 'closed', 'rated')"
                                            " AND c.lat BETWEEN ? AND ? AND c.lng BETWEEN ? AND ? ORDER BY c.id DESC LIMIT 50",
                                "iidddd", category, exclude, lat - dlat, lat + dlat, lng - dlng, lng + dlng);
    json_t *out = json_array();
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) {
        double la = json_number_value(json_object_get(r, "lat")), ln = json_number_value(json_object_get(r, "lng"));
        double x = (ln - lng) * M_PI / 180.0 * cos((la + lat) / 2 * M_PI / 180.0), y = (la - lat) * M_PI / 180.0;
        double metres = sqrt(x * x + y * y) * 6371000.0;
        const char *path = json_string_value(json_object_get(r, "_path"));
        int full = access_covers(who, PERM_CASE_READ, path);
        /* Who works no cases here sees public cases only. */
        if (metres > DUPLICATE_METRES || !access_covers(who, PERM_ORG_READ, path) ||
            (!full && !json_is_true(json_object_get(r, "public"))))
            continue;
        add_overdue(r, clock_now());
        json_object_del(r, "_path"); /* path is gone from here on */
        json_object_set_new(r, "distance_m", json_integer((json_int_t)lround(metres)));
        if (full) {
            json_array_append(out, r);
        } else {
            /* A resident sees that the problem is known, not who reported what. */
            static const char *const keep[] = {"id", "tracking_code", "category", "category_name", "title", "state",
                                               "created_at", "distance_m"};
            json_t *brief = json_object();
            for (size_t k = 0; k < sizeof keep / sizeof keep[0]; k++)
                json_object_set(brief, keep[k], json_object_get(r, keep[k]));
            json_object_set_new(brief, "title",
                                json_string(case_public_title(json_string_value(json_object_get(r, "title")),
                                                              json_string_value(json_object_get(r, "category_name")))));
            json_array_append_new(out, brief);
        }
    }
    json_decref(rows);
    return out;
}

int case_duplicates(api_req_t *req, api_reply_t *rep)
{
    int64_t org, category = 0;
    char path[ACCESS_PATH_MAX];
    int rc = case_visible(req->db, req->who, req->params[0], &org, path, sizeof path);
    if (rc != DB_OK)
        return api_db_error(rep, req->lang, rc, "case");
    json_t *rows = db_rows_json(req->db, "SELECT lat, lng, category_id FROM casefile WHERE id = ?", "i",
                                req->params[0]);
    json_t *c = json_array_get(rows, 0);
    json_t *items = json_array();
    if (json_is_number(json_object_get(c, "lat"))) {
        category = json_integer_value(json_object_get(c, "category_id"));
        json_decref(items);
        items = nearby_open(req->db, req->who, category, json_number_value(json_object_get(c, "lat")),
                            json_number_value(json_object_get(c, "lng")), req->params[0]);
    }
    json_decref(rows);
    return api_json(rep, 200, json_pack("{s:o, s:n}", "items", items, "next"));
}

int case_nearby(api_req_t *req, api_reply_t *rep)
{
    char *cat = api_query(req, "category");
    int64_t category = 0;
    int ok = cat && db_one_int(req->db, &category, "SELECT id FROM case_category WHERE code = ? AND active = 1", "t",
                               cat) == DB_OK;
    free(cat);
    if (!ok)
        return api_error(rep, req->lang, 400, "validation_failed", "category", "未知的类别", "unknown category");
    char *la = api_query(req, "lat"), *ln = api_query(req, "lng");
    char *e1 = NULL, *e2 = NULL;
    double lat = la ? strtod(la, &e1) : NAN, lng = ln ? strtod(ln, &e2) : NAN;
    int lat_ok = la && *la && !*e1 && isfinite(lat) && fabs(lat) <= 90 && strspn(la, "0123456789.+-") == strlen(la);
    int lng_ok = ln && *ln && !*e2 && isfinite(lng) && fabs(lng) <= 180 && strspn(ln, "0123456789.+-") == strlen(ln);
    free(la);
    free(ln);
    if (!lat_ok || !lng_ok)
        return api_error(rep, req->lang, 400, "validation_failed", lat_ok ? "lng" : "lat",
                         "请给出有效的 lat 和 lng", "give a valid lat and lng");
    return api_json(rep, 200, json_pack("{s:o, s:n}", "items", nearby_open(req->db, req->who, category, lat, lng, 0),
                                         "next"));
}

/* ---- supervision (督办) ---- */

static const field_t supervise_fields[] = {
    {"deadline", F_TEXT, 1, 10, 40, NULL},
    {"note", F_BLOCK, 0, 1, 1000, NULL},
    {"version", F_INT, 1, 1, INT64_MAX, NULL},
    FIELDS_END,
};

static int supervise_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    int64_t id = json_integer_value(json_object_get(data, "id")), org, version = 0;
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
        return api_error(rep, w->lang, 403, "forbidden", NULL, "督办须由街道及以上的工作人员发起",
                         "supervision is for staff at street level or above") - 1;
    db_one_int(db, &version, "SELECT version FROM casefile WHERE id = ?", "i", id);
    if (version != json_integer_value(json_object_get(data, "version")))
        return api_error(rep, w->lang, 409, "version_conflict", "version", "案件已被他人处理，请刷新后重试",
                         "someone else acted on this case; reload and try again") - 1;
    char state[16] = "";
    db_one_text(db, state, sizeof state, "SELECT state FROM casefile WHERE id = ?", "i", id);
    if (case_state_final(case_state_from_name(state)))
        return api_error(rep, w->lang, 409, "invalid_transition", NULL, "案件已结束，无需督办",
                         "the case is finished") - 1;
    int64_t deadline = json_integer_value(json_object_get(data, "deadline_ts"));
    int64_t by_org = by->org_id;
    if (by_org <= 0) {
        int64_t ids[PATH_MAX_DEPTH];
        by_org = path_ids(path, ids, PATH_MAX_DEPTH) > 0 ? ids[0] : org; /* the city above the case */
    }
    rc = db_exec(db, NULL,
                 "UPDATE casefile SET supervised_org_id = ?, supervise_deadline = ?, updated_at = ?,"
                 " version = version + 1 WHERE id = ?",
                 "iiii", by_org, deadline, w->now, id);
    const char *note = json_string_value(json_object_get(data, "note"));
    if (rc == DB_OK)
        rc = log_event(db, w, id, "supervise", state, state, note);
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
    if (api_validate(req, req->body, supervise_fields, rep) != 0)
        return 0;
    int64_t t = 0;
    if (time_parse_rfc3339(json_string_value(json_object_get(req->body, "deadline")), &t) != 0 || t <= clock_now())
        return api_error(rep, req->lang, 400, "validation_failed", "deadline", "督办期限须为将来的时间",
                         "the deadline must be a time in the future");
    json_t *data = json_deep_copy(req->body);
    json_object_set_new(data, "id", json_integer(req->params[0]));
    json_object_set_new(data, "deadline_ts", json_integer(t));
    case_intake_note(data, "note");
    return api_defer(req, supervise_write, data);
}

/* ---- publicity ---- */

static const field_t publicity_fields[] = {
    {"public", F_BOOL, 1, 0, 0, NULL},
    {"version", F_INT, 1, 1, INT64_MAX, NULL},
    FIELDS_END,
};

static int publicity_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    int64_t id = json_integer_value(json_object_get(data, "id")), org;
    char path[ACCESS_PATH_MAX];
    int rc = case_visible(db, &w->who, id, &org, path, sizeof path);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "case");
    /* Staff working cases over the case's node; a reporter or a unit sees it but decides nothing. */
    if (!access_covers(&w->who, PERM_CASE_WRITE, path))
        return api_error(rep, w->lang, 403, "forbidden", NULL, "只有负责该案件所在区域的工作人员可以公开或不公开案件",
                         "only staff over the case's area may publish or withhold it") - 1;
    if (api_check_version(db, w, "SELECT version FROM casefile WHERE id = ?", id, data, rep) != 0)
        return -1;
    int pub = json_is_true(json_object_get(data, "public"));
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
    if (api_validate(req, req->body, publicity_fields, rep) != 0)
        return 0;
    json_t *data = json_deep_copy(req->body);
    json_object_set_new(data, "id", json_integer(req->params[0]));
    return api_defer(req, publicity_write, data);
}

/* ---- the contact phone in full ---- */

static const char *const reveal_choices[] = {"contact_phone", NULL};

static const field_t reveal_fields[] = {
    {"field", F_ENUM, 1, 0, 0, reveal_choices},
    {"reason", F_TEXT, 1, REASON_MIN, REASON_MAX, NULL},
    FIELDS_END,
};

/* As a person's phone: pii.reveal over the case's node, a reason, an audit row
 * naming the field and the reason, never the value. */
static int reveal_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    int64_t id = json_integer_value(json_object_get(data, "id")), org;
    char path[ACCESS_PATH_MAX];
    int rc = case_visible(db, &w->who, id, &org, path, sizeof path);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "case");
    if (!access_covers(&w->who, PERM_PII_REVEAL, path))
        return api_error(rep, w->lang, 403, "forbidden", NULL, "只有在案件所在区域有查看完整个人信息权限的人员可以查看",
                         "only who may reveal personal data over the case's area may see it in full") - 1;
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
                          json_pack("{s:s, s:O}", "field", "contact_phone", "reason", json_object_get(data, "reason")));
    if (rc != DB_OK) {
        json_decref(value);
        return api_db_error(rep, w->lang, rc, NULL);
    }
    return api_json(rep, 200, json_pack("{s:I, s:s, s:o}", "id", (json_int_t)id, "field", "contact_phone", "value", value));
}

int case_reveal(api_req_t *req, api_reply_t *rep)
{
    return api_validate(req, req->body, reveal_fields, rep) != 0 ? 0 : api_reveal_defer(req, rep, reveal_write);
}

/* ---- photos ---- */

#define PHOTO_MAX (10 * 1024 * 1024)

/* The image type from the first bytes, or NULL. */
static const char *sniff_image(const unsigned char *p, size_t n)
{
    if (n >= 3 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF)
        return "image/jpeg";
    if (n >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0)
        return "image/png";
    if (n >= 12 && memcmp(p, "RIFF", 4) == 0 && memcmp(p + 8, "WEBP", 4) == 0)
        return "image/webp";
    return NULL;
}

static int photo_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    int64_t id = json_integer_value(json_object_get(data, "id")), org, pid = 0;
    char path[ACCESS_PATH_MAX];
    int rc = case_visible(db, &w->who, id, &org, path, sizeof path);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "case");
    size_t n = 0;
    const char *b64 = json_string_value(json_object_get(data, "bytes"));
    unsigned char *bytes = xmalloc(strlen(b64) + 1);
    sodium_base642bin(bytes, strlen(b64) + 1, b64, strlen(b64), NULL, &n, NULL, sodium_base64_VARIANT_ORIGINAL);
    unsigned char h[crypto_hash_sha256_BYTES];
    char hex[65];
    crypto_hash_sha256(h, bytes, n);
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    rc = db_one_int(db, &pid,
                    "INSERT INTO case_photo (case_id, mime, size, sha256, bytes, actor_id, created_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                    "ititbii", id, json_string_value(json_object_get(data, "mime")), (int64_t)n, hex, bytes, n,
                    w->who.user_id, w->now);
    free(bytes);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "case.photo_added", "case", id, org,
                              json_pack("{s:I, s:s, s:I}", "photo", (json_int_t)pid, "sha256", hex, "size", (json_int_t)n));
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    return api_json(rep, 201, json_pack("{s:I, s:I, s:O, s:I, s:s}", "id", (json_int_t)pid, "case_id", (json_int_t)id,
                                        "mime", json_object_get(data, "mime"), "size", (json_int_t)n, "sha256", hex));
}

int case_photo_add(api_req_t *req, api_reply_t *rep)
{
    int64_t org;
    char path[ACCESS_PATH_MAX];
    int rc = case_visible(req->db, req->who, req->params[0], &org, path, sizeof path);
    if (rc != DB_OK)
        return api_db_error(rep, req->lang, rc, "case");
    const char *mime = sniff_image((const unsigned char *)req->upload, req->upload_len);
    if (mime == NULL)
        return api_error(rep, req->lang, 415, "unsupported_media_type", "file", "只接受 JPEG、PNG 或 WebP 图片",
                         "only JPEG, PNG or WebP images");
    if (req->upload_len > PHOTO_MAX)
        return api_error(rep, req->lang, 413, "payload_too_large", "file", "图片超过 10 MiB", "image over 10 MiB");
    /* The writer job carries the bytes as base64 in its JSON. */
    size_t cap = sodium_base64_ENCODED_LEN(req->upload_len, sodium_base64_VARIANT_ORIGINAL);
    char *b64 = xmalloc(cap);
    sodium_bin2base64(b64, cap, (const unsigned char *)req->upload, req->upload_len, sodium_base64_VARIANT_ORIGINAL);
    json_t *data = json_pack("{s:I, s:s, s:s}", "id", (json_int_t)req->params[0], "mime", mime, "bytes", b64);
    free(b64);
    return api_defer(req, photo_write, data);
}

int case_photo_get(api_req_t *req, api_reply_t *rep)
{
    int64_t org;
    char path[ACCESS_PATH_MAX];
    int rc = case_visible(req->db, req->who, req->params[0], &org, path, sizeof path);
    if (rc != DB_OK)
        return api_db_error(rep, req->lang, rc, "case");
    db_stmt_t *st = db_q(req->db, "SELECT mime, bytes FROM case_photo WHERE id = ? AND case_id = ?", "ii",
                         req->params[1], req->params[0]);
    if (st == NULL)
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    if (db_step(st) != DB_ROW) {
        db_done(st);
        return api_db_error(rep, req->lang, DB_NOTFOUND, "photo");
    }
    static const char *const types[] = {"image/jpeg", "image/png", "image/webp"};
    const char *mime = db_col_text(st, 0);
    rep->content_type = types[0];
    for (int i = 0; i < 3; i++)
        if (strcmp(mime, types[i]) == 0)
            rep->content_type = types[i];
    size_t n = 0;
    const void *p = db_col_blob(st, 1, &n);
    rep->raw = xmalloc(n ? n : 1);
    memcpy(rep->raw, p, n);
    rep->raw_len = n;
    rep->status = 200;
    db_done(st);
    return 0;
}

/* ---- anonymous reports ---- */

static const field_t public_fields[] = {
    {"category", F_TEXT, 1, 1, 32, NULL},
    {"title", F_NAME, 1, 1, 100, NULL},
    {"description", F_BLOCK, 1, 1, 2000, NULL},
    {"contact_phone", F_TEXT, 0, 1, 20, NULL},
    FIELDS_END,
};

/* The answer a reporter without an account gets: enough to follow the case. */
static void public_after_commit(db_t *db, api_reply_t *rep)
{
    json_t *rows = db_rows_json(db,
                                "SELECT c.tracking_code, k.code AS category, c.title, c.contact_phone_masked AS contact_phone,"
                                " c.state, c.created_at, c.updated_at FROM casefile c JOIN case_category k ON k.id = c.category_id WHERE c.id = ?",
                                "i", json_integer_value(json_object_get(rep->json, "id")));
    if (rows && json_array_size(rows) == 1) {
        json_decref(rep->json);
        rep->json = json_incref(json_array_get(rows, 0));
    }
    json_decref(rows);
}

static int public_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    int64_t id = cases_insert(db, w, data);
    if (id <= 0)
        return api_db_error(rep, w->lang, DB_ERR, NULL);
    api_json(rep, 201, json_pack("{s:I}", "id", (json_int_t)id));
    rep->after_commit = public_after_commit;
    return 0;
}

int public_case_create(api_req_t *req, api_reply_t *rep)
{
    if (api_rate_limited("public", req->remote, req->cfg->public_rate))
        return api_error(rep, req->lang, 429, "rate_limited", NULL, "提交过于频繁，请稍后再试",
                         "too many reports from this address; wait a minute");
    json_t *data = json_deep_copy(req->body);
    json_t *lat = json_incref(json_object_get(data, "lat")), *lng = json_incref(json_object_get(data, "lng"));
    json_object_del(data, "lat");
    json_object_del(data, "lng");
    double la = 0, ln = 0;
    int bad = api_validate(req, data, public_fields, rep) != 0 ||
              case_phone_check(req, json_string_value(json_object_get(data, "contact_phone")), "contact_phone", rep) != 0;
    if (!bad && (read_coord(lat, -90, 90, &la) != 0 || read_coord(lng, -180, 180, &ln) != 0)) {
        api_error(rep, req->lang, 400, "validation_failed", read_coord(lat, -90, 90, &la) ? "lat" : "lng",
                  "请给出所在位置（纬度和经度）", "give the place (lat and lng)");
        bad = 1;
    }
    json_decref(lat);
    json_decref(lng);
    int64_t category = 0, grid = 0;
    if (!bad && db_one_int(req->db, &category, "SELECT id FROM case_category WHERE code = ? AND active = 1", "t",
                           json_string_value(json_object_get(data, "category"))) != DB_OK) {
        category_refused(req, rep, json_string_value(json_object_get(data, "category")));
        bad = 1;
    }
    if (!bad && (geo_find_grid(req->db, ln, la, &grid) != DB_OK || grid == 0)) {
        api_error(rep, req->lang, 400, "validation_failed", "lat", "该位置不在本市任何网格内",
                  "the place is in no grid of this city");
        bad = 1;
    }
    if (bad) {
        json_decref(data);
        return 0;
    }
    json_object_set_new(data, "category_id", json_integer(category));
    json_object_set_new(data, "org_id", json_integer(grid));
    json_object_set_new(data, "source", json_string("resident"));
    json_object_set_new(data, "lat", json_real(la));
    json_object_set_new(data, "lng", json_real(ln));
    case_intake_pii(req->keys, data);
    return api_defer_kept(req, public_write, data);
}

int public_case_get(api_req_t *req, api_reply_t *rep)
{
    char *code = api_query(req, "code");
    json_t *rows = code ? db_rows_json(req->db,
                                       "SELECT c.tracking_code, k.code AS category, c.title,"
                                       " c.contact_phone_masked AS contact_phone, c.state, c.created_at,"
                                       " c.updated_at, c.closed_at FROM casefile c"
                                       " JOIN case_category k ON k.id = c.category_id WHERE c.tracking_code = ?",
                                       "t", code)
                        : NULL;
    free(code);
    if (rows == NULL || json_array_size(rows) != 1) {
        json_decref(rows);
        return api_error(rep, req->lang, 404, "not_found", "code", "没有这个查询码", "no case with this tracking code");
    }
    json_t *c = json_incref(json_array_get(rows, 0));
    json_decref(rows);
    return api_json(rep, 200, c);
}

/* ---- photo list ---- */

int case_photo_list(api_req_t *req, api_reply_t *rep)
{
    int64_t org;
    char path[ACCESS_PATH_MAX];
    int rc = case_visible(req->db, req->who, req->params[0], &org, path, sizeof path);
    json_t *items = rc != DB_OK ? NULL
                                : db_rows_json(req->db,
                                               "SELECT id, case_id, mime, size, sha256 FROM case_photo"
                                               " WHERE case_id = ? ORDER BY id",
                                               "i", req->params[0]);
    if (items == NULL)
        return api_db_error(rep, req->lang, rc != DB_OK ? rc : DB_ERR, "case");
    return api_json(rep, 200, json_pack("{s:o, s:n}", "items", items, "next"));
}
