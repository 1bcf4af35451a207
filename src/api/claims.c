/* Service posts (认领服务岗位) and 微心愿 (micro-wishes): the community's slots
 * of service that in-service party members claim within capacity, withdraw
 * before the slot starts and attend (the community confirms, which adds a
 * verified service record); and a household's wish, checked by the community,
 * published on the public wish board, claimed by one member at a time (a
 * withdrawn or expired claim returns it to the pool), fulfilled and confirmed
 * by the beneficiary (or the grid worker for them), which adds the claimant's
 * service record. States in core/wishfsm.c; docs/service-claims.md. */
#include "api/handlers.h"
#include "api/op.h"
#include "api/internal.h"
#include "api/list.h"
#include "api/tx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/idcard.h"
#include "core/path.h"
#include "core/pii_text.h"
#include "core/random.h"
#include "core/role.h"
#include "core/timefmt.h"
#include "core/wishfsm.h"
#include "lib/util.h"

const char *const post_categories[] = {"组织建设", "法律咨询与援助",     "助困扶残与就业援助", "社区治理", "健康医疗",
                                       "文化体育", "安全宣传与治安巡逻", "其他",               NULL};
const char *const wish_kinds[] = {"实物", "服务", NULL};
static const char *const post_states[] = {"open", "cancelled", NULL};
static const char *const post_claim_states[] = {"claimed", "withdrawn", "attended", "absent", NULL};
/* The moves of POST /wishes/{id}/moves (a claim has its own operation, expiry is the periodic work's). */
static const char *const wish_move_actions[] = {"submit", "return", "publish", "withdraw", "fulfil",
                                                "confirm", "archive", "cancel", NULL};

#define POST_READ PERM_PARTY_READ
#define POST_WRITE PERM_PARTY_WRITE
#define WISH_READ PERM_PEOPLE_READ
#define WISH_STAFF (PERM_PEOPLE_WRITE | PERM_CASE_WRITE)

/* Defaults where no norm applies. */
#define WISH_VALUE_CAP_FEN 50000
#define WISH_CLAIM_DAYS 14

/* ---------------------------------------------------------------- helpers */

/* An operation without a body handing its write an empty input. */
#define DEFER_NONE(name, fn)                                                                                           \
    static int name(api_req_t *req, api_reply_t *rep)                                                                  \
    {                                                                                                                  \
        (void)rep;                                                                                                     \
        return api_defer_kept(req, fn, json_object());                                                                \
    }

/* The epoch second a slot of date (YYYY-MM-DD) at minute min of the day in Asia/Shanghai starts. */
static int64_t slot_epoch(const char *date, int64_t min)
{
    int y = 0, m = 0, d = 0;
    if (date == NULL || sscanf(date, "%4d-%2d-%2d", &y, &m, &d) != 3)
        return 0;
    return time_days_from_civil(y, m, d) * 86400 + min * 60 - 8 * 3600;
}

/* A name as the public sees it: its first character (the surname) and "*". */
static json_t *name_masked(const char *name)
{
    if (name == NULL || *name == '\0')
        return json_null();
    char out[16];
    name_mask(out, sizeof out, name);
    return json_string(out);
}

/* 1 if someone born in birth_year may be under 18 on today (YYYY-MM-DD): only the
 * year is kept (schema 011), so a person who turns 18 this year still counts as
 * a minor until the year is out. */
static int maybe_minor(int64_t birth_year, const char *today)
{
    return birth_year <= 0 || atoi(today) - birth_year <= 18;
}

/* The community above (or at) node org: its id and path. DB_NOTFOUND when none.
 * One lookup by the ids on org's path (the tree is six levels deep; eight are bound). */
static int community_of(db_t *db, int64_t org, int64_t *id, char path[ACCESS_PATH_MAX])
{
    char own[ACCESS_PATH_MAX];
    int64_t ids[8] = {0};
    int rc = org_brief(db, org, own, sizeof own, NULL, 0);
    if (rc != DB_OK)
        return rc;
    int n = path_ids(own, ids, 8);
    if (n <= 0)
        return DB_NOTFOUND;
    rc = db_one_int(db, id, "SELECT id FROM org WHERE level = 'community' AND id IN (?, ?, ?, ?, ?, ?, ?, ?)", "iiiiiiii",
                    ids[0], n > 1 ? ids[1] : 0, n > 2 ? ids[2] : 0, n > 3 ? ids[3] : 0, n > 4 ? ids[4] : 0,
                    n > 5 ? ids[5] : 0, n > 6 ? ids[6] : 0, n > 7 ? ids[7] : 0);
    return rc == DB_OK ? org_brief(db, *id, path, ACCESS_PATH_MAX, NULL, 0) : rc;
}

/* The caller as an in-service party member: DB_OK with the community they
 * reported to (0: none), DB_NOTFOUND when they are none. */
static int member_of(db_t *db, const principal_t *who, int64_t *registered)
{
    *registered = 0;
    if (who->person_id == 0)
        return DB_NOTFOUND;
    return db_one_int(db, registered,
                      "SELECT COALESCE(registered_org_id, 0) FROM party_member WHERE person_id = ? AND in_service = 1",
                      "i", who->person_id);
}

/* 1 if the caller lives in household hh. */
static int lives_in(db_t *db, const principal_t *who, int64_t hh)
{
    int64_t n = 0;
    return who->person_id && hh &&
           db_one_int(db, &n, "SELECT COUNT(*) FROM person WHERE id = ? AND household_id = ?", "ii", who->person_id,
                      hh) == DB_OK &&
           n > 0;
}

static int covers_any(const principal_t *who, uint32_t perms, const char *path)
{
    for (uint32_t b = 1; b && b <= perms; b <<= 1)
        if ((perms & b) && access_covers(who, b, path))
            return 1;
    return 0;
}

/* ================================================================ posts */

#define POST_COLUMNS                                                                                                   \
    "SELECT s.id, s.org_id, o.name AS org_name, s.category, s.title, s.content, s.served_on, s.start_min,"            \
    " s.end_min, s.capacity, s.claimed, s.state, s.cancel_reason, s.created_at, s.updated_at, s.version"
#define POST_FROM " FROM service_post s JOIN org o ON o.id = s.org_id"

typedef struct {
    uint64_t given;
    int64_t org_id;
    const char *category, *title, *content, *served_on;
    int64_t start_min, end_min, capacity, version;
} post_in_t;

#define POST_FIELDS(req)                                                                                               \
    IN(post_in_t, category, F_ENUM, req, 0, 0, post_categories), IN(post_in_t, title, F_NAME, req, 1, 100, NULL),     \
        IN(post_in_t, content, F_BLOCK, 0, 1, 1000, NULL), IN(post_in_t, served_on, F_DATE, req, 20000101, 2, NULL), \
        IN(post_in_t, start_min, F_INT, req, 0, 1439, NULL), IN(post_in_t, end_min, F_INT, req, 1, 1440, NULL),       \
        IN(post_in_t, capacity, F_INT, req, 1, 500, NULL)

enum { POST_START = 4, POST_END = 5 }; /* places in post_update_fields: the schedule */
static const field_t post_create_fields[] = {
    IN(post_in_t, org_id, F_INT, 1, 1, INT64_MAX, NULL),
    POST_FIELDS(1),
    FIELDS_END,
};
static const field_t post_update_fields[] = {
    POST_FIELDS(F_NOT_NULL),
    IN(post_in_t, version, F_INT, 0, 1, INT64_MAX, NULL),
    FIELDS_END,
};

/* A post with its claims (names for staff, the caller's own claim), and what the caller may do. */
static json_t *post_json(db_t *db, const principal_t *who, int64_t id, int64_t now)
{
    json_t *p = db_row_one_json(db, POST_COLUMNS POST_FROM " WHERE s.id = ?", "i", id);
    if (p == NULL)
        return NULL;
    char path[ACCESS_PATH_MAX] = "";
    int64_t org = json_integer_value(json_object_get(p, "org_id"));
    if (org_brief(db, org, path, sizeof path, NULL, 0) != DB_OK) {
        json_decref(p);
        return NULL;
    }
    int staff = access_covers(who, POST_READ, path), write = access_covers(who, POST_WRITE, path);
    json_t *claims = staff ? db_rows_json(db,
                                          "SELECT c.id, c.person_id, pe.name, c.state, c.claimed_at, c.ended_at,"
                                          " c.record_id FROM post_claim c JOIN person pe ON pe.id = c.person_id"
                                          " WHERE c.post_id = ? ORDER BY c.id",
                                          "i", id)
                           : json_array();
    json_t *mine = who->person_id ? db_row_one_json(db,
                                                     "SELECT id, state, claimed_at FROM post_claim WHERE post_id = ?"
                                                     " AND person_id = ? AND state <> 'withdrawn'",
                                                     "ii", id, who->person_id)
                                  : NULL;
    const char *state = json_string_value(json_object_get(p, "state"));
    int open = state && strcmp(state, "open") == 0;
    int64_t start = slot_epoch(json_string_value(json_object_get(p, "served_on")),
                               json_integer_value(json_object_get(p, "start_min")));
    int64_t registered = 0;
    int member = member_of(db, who, &registered) == DB_OK && registered == org;
    json_object_set_new(p, "claims", claims ? claims : json_array());
    json_object_set_new(p, "my_claim", mine ? mine : json_null());
    json_object_set_new(
        p, "can",
        json_pack("{s:b, s:b, s:b, s:b, s:b}", "edit", write && open, "cancel", write && open, "attendance",
                  write && now >= start, "claim",
                  member && open && now < start && mine == NULL &&
                      json_integer_value(json_object_get(p, "claimed")) < json_integer_value(json_object_get(p, "capacity")),
                  "withdraw", mine && now < start &&
                                  strcmp(json_string_value(json_object_get(mine, "state")), "claimed") == 0));
    return p;
}

static int answer_post(db_t *db, const write_ctx_t *w, int rc, int64_t id, int status, api_reply_t *rep)
{
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    json_t *p = post_json(db, &w->who, id, w->now);
    return p ? api_json(rep, status, p) : api_db_error(rep, w->lang, DB_ERR, NULL);
}

static int org_is_community(db_t *db, int64_t org)
{
    char level[16] = "";
    return db_one_text(db, level, sizeof level, "SELECT level FROM org WHERE id = ?", "i", org) == DB_OK &&
           strcmp(level, "community") == 0;
}

static int post_create_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    post_in_t in = {0};
    api_input_fill(post_create_fields, data, &in);
    if (api_org_input(db, w, POST_WRITE, in.org_id, "org_id", rep) != 0)
        return -1;
    if (!org_is_community(db, in.org_id))
        return api_fail(rep, w->lang, E_POST_NOT_COMMUNITY, "org_id");
    if (in.end_min <= in.start_min)
        return api_fail(rep, w->lang, E_SERVICE_END_BEFORE_START, "end_min");
    int64_t id = 0;
    int rc = db_one_int(db, &id,
                        "INSERT INTO service_post (org_id, category, title, content, served_on, start_min, end_min,"
                        " capacity, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                        " RETURNING id",
                        "ittttiiiIii", in.org_id, in.category, in.title, in.content, in.served_on, in.start_min,
                        in.end_min, in.capacity, w->who.user_id, w->now, w->now);
    if (rc == DB_OK)
        rc = audit_append(db, w, "service_post.created", "service_post", id, in.org_id, data);
    return answer_post(db, w, rc, id, 201, rep);
}

DEFER_BODY(service_post_create, post_create_write)

static int post_update_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    post_in_t in = {0};
    api_input_fill(post_update_fields, data, &in);
    json_t *p = db_row_one_json(db, "SELECT org_id, state, served_on, start_min, end_min, claimed FROM service_post"
                                    " WHERE id = ?", "i", w->id);
    if (p == NULL)
        return api_db_error(rep, w->lang, DB_NOTFOUND, "service_post");
    int64_t org = json_integer_value(json_object_get(p, "org_id")), claimed = json_integer_value(json_object_get(p, "claimed"));
    int64_t start = in.given & (1u << POST_START) ? in.start_min : json_integer_value(json_object_get(p, "start_min"));
    int64_t end = in.given & (1u << POST_END) ? in.end_min : json_integer_value(json_object_get(p, "end_min"));
    int open = strcmp(json_string_value(json_object_get(p, "state")), "open") == 0;
    int moves_slot = (in.served_on && strcmp(in.served_on, json_string_value(json_object_get(p, "served_on"))) != 0) ||
                     start != json_integer_value(json_object_get(p, "start_min")) ||
                     end != json_integer_value(json_object_get(p, "end_min"));
    json_decref(p);
    if (!open)
        return api_fail(rep, w->lang, E_POST_CANCELLED, "state");
    if (end <= start)
        return api_fail(rep, w->lang, E_SERVICE_END_BEFORE_START, "end_min");
    if (moves_slot && claimed > 0)
        return api_fail(rep, w->lang, E_POST_SLOT_CLAIMED, "served_on");
    if (in.capacity && in.capacity < claimed)
        return api_fail(rep, w->lang, E_POST_CAPACITY_BELOW_CLAIMS, "capacity");
    if (api_check_version(db, w, "SELECT version FROM service_post WHERE id = ?", w->id, data, rep) != 0)
        return -1;
    /* One UPDATE: a concurrent claim cannot slip between the capacity read above and the write. */
    int64_t changed = 0;
    int rc = db_exec(db, &changed,
                     "UPDATE service_post SET category = COALESCE(?, category), title = COALESCE(?, title),"
                     " content = CASE WHEN ? = 1 THEN NULL ELSE COALESCE(?, content) END,"
                     " served_on = COALESCE(?, served_on), start_min = ?, end_min = ?,"
                     " capacity = COALESCE(?, capacity), updated_at = ?, version = version + 1"
                     " WHERE id = ? AND claimed <= COALESCE(?, capacity)",
                     "ttittiiIiiI", in.category, in.title, (int64_t)((in.given >> (32 + 2)) & 1), in.content,
                     in.served_on, start, end, in.capacity, w->now, w->id, in.capacity);
    if (rc == DB_OK && changed == 0)
        return api_fail(rep, w->lang, E_POST_CAPACITY_BELOW_CLAIMS, "capacity");
    if (rc == DB_OK)
        rc = audit_append(db, w, "service_post.updated", "service_post", w->id, org, data);
    return answer_post(db, w, rc, w->id, 200, rep);
}

DEFER_BODY(service_post_update, post_update_write)

typedef struct {
    uint64_t given;
    const char *reason;
    int64_t version;
} cancel_in_t;

static const field_t post_cancel_fields[] = {
    IN(cancel_in_t, reason, F_BLOCK, 1, 1, 500, NULL),
    IN(cancel_in_t, version, F_INT, 1, 1, INT64_MAX, NULL),
    FIELDS_END,
};

/* A cancelled post ends its live claims (withdrawn by the community). */
static int post_cancel_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    cancel_in_t in = {0};
    api_input_fill(post_cancel_fields, data, &in);
    int64_t org = 0, attended = 0;
    char state[16] = "";
    int rc = db_one_int(db, &org, "SELECT org_id FROM service_post WHERE id = ?", "i", w->id);
    if (rc == DB_OK)
        rc = db_one_text(db, state, sizeof state, "SELECT state FROM service_post WHERE id = ?", "i", w->id);
    if (rc == DB_OK)
        rc = db_one_int(db, &attended, "SELECT COUNT(*) FROM post_claim WHERE post_id = ? AND state = 'attended'", "i",
                        w->id);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "service_post");
    if (strcmp(state, "open") != 0)
        return api_fail(rep, w->lang, E_POST_CANCELLED, "state");
    if (attended)
        return api_fail(rep, w->lang, E_POST_ATTENDED, "state");
    if (api_check_version(db, w, "SELECT version FROM service_post WHERE id = ?", w->id, data, rep) != 0)
        return -1;
    rc = db_exec(db, NULL,
                 "UPDATE post_claim SET state = 'withdrawn', ended_at = ?, ended_by = ?, version = version + 1"
                 " WHERE post_id = ? AND state = 'claimed'",
                 "iIi", w->now, w->who.user_id, w->id);
    if (rc == DB_OK)
        rc = db_exec(db, NULL,
                     "UPDATE service_post SET state = 'cancelled', cancel_reason = ?, claimed = 0, updated_at = ?,"
                     " version = version + 1 WHERE id = ?",
                     "tii", in.reason, w->now, w->id);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "service_post.cancelled", "service_post", w->id, org, json_object());
    return answer_post(db, w, rc, w->id, 200, rep);
}

DEFER_BODY(service_post_cancel, post_cancel_write)

/* A claim refused before it wrote anything (its conditional update changed no
 * row): the refusal is the answer, but the write succeeded, so the writer does
 * not roll its group back and run it again with savepoints (under a crowd of
 * claims most are refused; bench/claims.sh). */
static int claim_refused(api_reply_t *rep, const char *lang, err_t e, const char *field)
{
    api_fail(rep, lang, e, field);
    return 0;
}

/* POST /service-posts/{id}/claims: an in-service member reported to the post's
 * community takes a place. The place is taken by one conditional UPDATE
 * (claimed < capacity), so concurrent claims never overfill the post. */
static int post_claim_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    (void)data;
    int64_t registered = 0, org = 0, start_min = 0, taken = 0, changed = 0, id = 0;
    char state[16] = "", on[16] = "";
    int rc = member_of(db, &w->who, &registered);
    if (rc == DB_NOTFOUND)
        return claim_refused(rep, w->lang, E_CLAIM_MEMBER_ONLY, NULL);
    json_t *p = rc == DB_OK ? db_row_one_json(db, "SELECT org_id, state, served_on, start_min FROM service_post WHERE id = ?",
                                              "i", w->id)
                            : NULL;
    if (p == NULL)
        return api_db_error(rep, w->lang, rc == DB_OK ? DB_NOTFOUND : rc, "service_post");
    org = json_integer_value(json_object_get(p, "org_id"));
    start_min = json_integer_value(json_object_get(p, "start_min"));
    str_copy(state, sizeof state, json_string_value(json_object_get(p, "state")));
    str_copy(on, sizeof on, json_string_value(json_object_get(p, "served_on")));
    json_decref(p);
    if (registered != org)
        return claim_refused(rep, w->lang, E_POST_NOT_REPORTED, NULL);
    if (strcmp(state, "open") != 0)
        return claim_refused(rep, w->lang, E_POST_CANCELLED, "state");
    if (w->now >= slot_epoch(on, start_min))
        return claim_refused(rep, w->lang, E_POST_STARTED, NULL);
    rc = db_one_int(db, &taken, "SELECT COUNT(*) FROM post_claim WHERE post_id = ? AND person_id = ? AND state <> 'withdrawn'",
                    "ii", w->id, w->who.person_id);
    if (rc == DB_OK && taken)
        return claim_refused(rep, w->lang, E_POST_CLAIMED_ALREADY, NULL);
    if (rc == DB_OK)
        rc = db_exec(db, &changed,
                     "UPDATE service_post SET claimed = claimed + 1, version = version + 1, updated_at = ?"
                     " WHERE id = ? AND state = 'open' AND claimed < capacity",
                     "ii", w->now, w->id);
    if (rc == DB_OK && changed == 0)
        return claim_refused(rep, w->lang, E_POST_FULL, NULL);
    if (rc == DB_OK)
        rc = db_one_int(db, &id, "INSERT INTO post_claim (post_id, person_id, claimed_at) VALUES (?, ?, ?) RETURNING id",
                        "iii", w->id, w->who.person_id, w->now);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "post_claim.created", "post_claim", id, org, json_pack("{s:I}", "post_id", (json_int_t)w->id));
    return answer_post(db, w, rc, w->id, 201, rep);
}

DEFER_NONE(service_post_claim, post_claim_write)

/* A post claim's post, its node, state and slot. */
typedef struct {
    int64_t post, org, person, start;
    char state[16], path[ACCESS_PATH_MAX];
} claim_at_t;

static int claim_load(db_t *db, int64_t id, claim_at_t *c)
{
    json_t *r = db_row_one_json(db,
                                "SELECT c.post_id, c.person_id, c.state, s.org_id, s.served_on, s.start_min"
                                " FROM post_claim c JOIN service_post s ON s.id = c.post_id WHERE c.id = ?",
                                "i", id);
    if (r == NULL)
        return DB_NOTFOUND;
    c->post = json_integer_value(json_object_get(r, "post_id"));
    c->person = json_integer_value(json_object_get(r, "person_id"));
    c->org = json_integer_value(json_object_get(r, "org_id"));
    c->start = slot_epoch(json_string_value(json_object_get(r, "served_on")),
                          json_integer_value(json_object_get(r, "start_min")));
    str_copy(c->state, sizeof c->state, json_string_value(json_object_get(r, "state")));
    json_decref(r);
    return org_brief(db, c->org, c->path, sizeof c->path, NULL, 0);
}

/* POST /post-claims/{id}/withdraw: the member gives their place back before the slot starts. */
static int claim_withdraw_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    (void)data;
    claim_at_t c;
    int rc = claim_load(db, w->id, &c);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "post_claim");
    if (c.person != w->who.person_id)
        return api_fail(rep, w->lang, E_CLAIM_HOLDER_ONLY, NULL);
    if (strcmp(c.state, "claimed") != 0)
        return api_fail(rep, w->lang, E_CLAIM_NOT_LIVE, "state");
    if (w->now >= c.start)
        return api_fail(rep, w->lang, E_POST_STARTED, NULL);
    int64_t changed = 0;
    rc = db_exec(db, &changed,
                 "UPDATE post_claim SET state = 'withdrawn', ended_at = ?, ended_by = ?, version = version + 1"
                 " WHERE id = ? AND state = 'claimed'",
                 "iIi", w->now, w->who.user_id, w->id);
    if (rc == DB_OK && changed == 1)
        rc = db_exec(db, NULL,
                     "UPDATE service_post SET claimed = claimed - 1, version = version + 1, updated_at = ? WHERE id = ?",
                     "ii", w->now, c.post);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "post_claim.withdrawn", "post_claim", w->id, c.org, json_object());
    return answer_post(db, w, rc, c.post, 200, rep);
}

DEFER_NONE(post_claim_withdraw, claim_withdraw_write)

typedef struct {
    uint64_t given;
    int attended;
} attend_in_t;

static const field_t attend_fields[] = {
    IN(attend_in_t, attended, F_BOOL, 1, 0, 0, NULL),
    FIELDS_END,
};

/* POST /post-claims/{id}/attendance: the community confirms (or not) that the
 * member served; attended adds the member's verified service record. */
static int claim_attend_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    attend_in_t in = {0};
    api_input_fill(attend_fields, data, &in);
    claim_at_t c;
    int rc = claim_load(db, w->id, &c);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "post_claim");
    if (!access_covers(&w->who, POST_WRITE, c.path))
        return api_fail(rep, w->lang, E_POST_COMMUNITY_ONLY, NULL);
    if (strcmp(c.state, "claimed") != 0)
        return api_fail(rep, w->lang, E_CLAIM_NOT_LIVE, "state");
    if (w->now < c.start)
        return api_fail(rep, w->lang, E_POST_NOT_STARTED, NULL);
    int64_t record = 0;
    if (in.attended) {
        json_t *p = db_row_one_json(db, "SELECT title, served_on, start_min, end_min FROM service_post WHERE id = ?", "i",
                                    c.post);
        if (p == NULL)
            return api_db_error(rep, w->lang, DB_ERR, NULL);
        service_add_t r = {c.org, c.person, json_string_value(json_object_get(p, "served_on")),
                           (int)json_integer_value(json_object_get(p, "start_min")),
                           (int)json_integer_value(json_object_get(p, "end_min")),
                           json_string_value(json_object_get(p, "title")), "post", w->id, w->who.user_id};
        int failed = service_record_add(db, w, &r, &record, rep);
        json_decref(p);
        if (failed)
            return -1;
    }
    rc = db_exec(db, NULL,
                 "UPDATE post_claim SET state = ?, ended_at = ?, ended_by = ?, record_id = ?, version = version + 1"
                 " WHERE id = ?",
                 "tiIIi", in.attended ? "attended" : "absent", w->now, w->who.user_id, record, w->id);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "post_claim.attendance", "post_claim", w->id, c.org,
                              json_pack("{s:b}", "attended", in.attended));
    return answer_post(db, w, rc, c.post, 200, rep);
}

DEFER_BODY(post_claim_attend, claim_attend_write)

static int service_post_get(api_req_t *req, api_reply_t *rep)
{
    json_t *p = post_json(req->db, req->who, req->params[0], clock_now());
    return p ? api_json(rep, 200, p) : api_db_error(rep, req->lang, DB_NOTFOUND, "service_post");
}

static const api_sort_t post_sorts[] = {
    {"served_on", "s.served_on", 0, NULL},
    {"claimed", "s.claimed", 0, NULL},
    {NULL, NULL, 0, NULL},
};

static const field_t post_query[] = {
    {"org", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"state", F_ENUM, 0, 0, 0, post_states, 0},
    {"category", F_ENUM, 0, 0, 0, post_categories, 0},
    {"from", F_DATE, 0, 20000101, 5, NULL, 0},
    {"to", F_DATE, 0, 20000101, 5, NULL, 0},
    FIELDS_END,
};

/* The list's conditions: the node (?org=, else the caller's scope) and below it under perm. */
static int in_scope(api_req_t *req, api_reply_t *rep, api_list_t *l, uint32_t perm, const char *path_col)
{
    int64_t org = 0;
    char lo[ACCESS_PATH_MAX], hi[ACCESS_PATH_MAX], cond[128];
    api_query_int(req, "org", 0, 1, INT64_MAX, &org);
    int rc = access_list_range(req->db, req->who, perm, org, lo, hi);
    if (rc != DB_OK) {
        api_list_end(l);
        return api_db_error(rep, req->lang, rc, "org");
    }
    snprintf(cond, sizeof cond, "%s >= ? AND %s < ?", path_col, path_col);
    api_list_where(l, cond, "tt", lo, hi);
    return 0;
}

/* An optional text filter: cond with one ? when the parameter is given. */
static void filter_text(api_req_t *req, api_list_t *l, const char *name, const char *cond)
{
    char *v = api_query(req, name);
    if (v)
        api_list_where(l, cond, "t", v);
    free(v);
}

static int post_list_build(api_req_t *req, api_reply_t *rep, api_list_t *l)
{
    api_list_begin(l, POST_COLUMNS, POST_FROM, "s.id", NULL);
    if (in_scope(req, rep, l, POST_READ, "o.path") != 0)
        return -1;
    filter_text(req, l, "state", "s.state = ?");
    filter_text(req, l, "category", "s.category = ?");
    filter_text(req, l, "from", "s.served_on >= ?");
    filter_text(req, l, "to", "s.served_on <= ?");
    return 0;
}

/* GET /api/v1/service-posts: the posts at the node and below, filtered; keyset pages, sorts. */
static int service_post_list(api_req_t *req, api_reply_t *rep)
{
    api_list_t l;
    return post_list_build(req, rep, &l) != 0 ? -1 : api_list_answer(req, rep, &l);
}

#define CLAIM_COLUMNS                                                                                                  \
    "SELECT c.id, c.post_id, s.title, s.category, s.served_on, s.start_min, s.end_min, s.org_id, o.name AS org_name," \
    " c.person_id, pe.name, c.state, c.claimed_at, c.ended_at, c.record_id"
#define CLAIM_FROM                                                                                                     \
    " FROM post_claim c JOIN service_post s ON s.id = c.post_id JOIN org o ON o.id = s.org_id"                      \
    " JOIN person pe ON pe.id = c.person_id"

static const field_t claim_query[] = {
    {"org", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"post", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"state", F_ENUM, 0, 0, 0, post_claim_states, 0},
    FIELDS_END,
};

static int claim_list_build(api_req_t *req, api_reply_t *rep, api_list_t *l)
{
    api_list_begin(l, CLAIM_COLUMNS, CLAIM_FROM, "c.id", NULL);
    if (in_scope(req, rep, l, POST_READ, "o.path") != 0)
        return -1;
    int64_t post = 0;
    api_query_int(req, "post", 0, 1, INT64_MAX, &post);
    if (post)
        api_list_where(l, "c.post_id = ?", "i", post);
    filter_text(req, l, "state", "c.state = ?");
    return 0;
}

/* GET /api/v1/post-claims: the claims of posts at the node and below (?post=, ?state=). */
static int post_claim_list(api_req_t *req, api_reply_t *rep)
{
    api_list_t l;
    return claim_list_build(req, rep, &l) != 0 ? -1 : api_list_answer(req, rep, &l);
}

/* ---------------------------------------------------------------- exports */

/* GET /api/v1/service-posts/export: the posts list as a workbook (服务岗位), audited. */
static int service_post_export(api_req_t *req, api_reply_t *rep)
{
    static const list_col_t cols[] = {
        {"id", "编号", NULL, NULL},
        {"org_name", "社区", NULL, NULL},
        {"category", "类别", NULL, NULL},
        {"title", "岗位", NULL, NULL},
        {"served_on", "服务日期", NULL, NULL},
        {"start_min", "开始（分钟）", NULL, NULL},
        {"end_min", "结束（分钟）", NULL, NULL},
        {"capacity", "名额", NULL, NULL},
        {"claimed", "已认领", NULL, NULL},
        {"state", "状态", NULL, NULL},
        {NULL, NULL, NULL, NULL},
    };
    api_list_t l;
    return post_list_build(req, rep, &l) != 0 ? -1 : api_list_export(req, rep, &l, "服务岗位", cols, "service-posts");
}

/* GET /api/v1/post-claims/export: the claims as a workbook (岗位认领), audited. */
static int post_claim_export(api_req_t *req, api_reply_t *rep)
{
    static const list_col_t cols[] = {
        {"id", "编号", NULL, NULL},
        {"org_name", "社区", NULL, NULL},
        {"title", "岗位", NULL, NULL},
        {"served_on", "服务日期", NULL, NULL},
        {"name", "党员", NULL, NULL},
        {"state", "状态", NULL, NULL},
        {"claimed_at", "认领时间", NULL, NULL},
        {"ended_at", "结束时间", NULL, NULL},
        {NULL, NULL, NULL, NULL},
    };
    api_list_t l;
    return claim_list_build(req, rep, &l) != 0 ? -1 : api_list_export(req, rep, &l, "岗位认领", cols, "post-claims");
}

/* ================================================================ wishes */

#define WISH_COLUMNS                                                                                                   \
    "SELECT w.id, w.org_id, o.name AS org_name, w.household_id, w.beneficiary_id, b.name AS beneficiary_name,"       \
    " w.kind, w.value_fen, w.content, w.state, w.by_staff, w.return_reason, w.cancel_reason, w.published_at,"        \
    " w.fulfilled_on, w.start_min, w.end_min, w.fulfil_note, w.confirmed_at, w.confirmed_for, w.record_id,"          \
    " cp.id AS claimant_id, cp.name AS claimant_name, w.created_at, w.updated_at, w.version"
#define WISH_FROM                                                                                                      \
    " FROM wish w JOIN org o ON o.id = w.org_id JOIN person b ON b.id = w.beneficiary_id"                           \
    " LEFT JOIN wish_claim wc ON wc.id = w.claim_id LEFT JOIN person cp ON cp.id = wc.person_id"

/* A wish's node, path, community, household, state and claim, for a write or a `can`. */
typedef struct {
    int64_t id, org, household, beneficiary, claimant, claim, community;
    wish_state_t state;
    char path[ACCESS_PATH_MAX], cpath[ACCESS_PATH_MAX];
} wish_at_t;

static int wish_load(db_t *db, int64_t id, wish_at_t *x)
{
    memset(x, 0, sizeof *x);
    json_t *r = db_row_one_json(db,
                                "SELECT w.org_id, w.household_id, w.beneficiary_id, w.state, COALESCE(w.claim_id, 0) AS claim,"
                                " COALESCE(c.person_id, 0) AS claimant FROM wish w"
                                " LEFT JOIN wish_claim c ON c.id = w.claim_id WHERE w.id = ?",
                                "i", id);
    if (r == NULL)
        return DB_NOTFOUND;
    x->id = id;
    x->org = json_integer_value(json_object_get(r, "org_id"));
    x->household = json_integer_value(json_object_get(r, "household_id"));
    x->beneficiary = json_integer_value(json_object_get(r, "beneficiary_id"));
    x->claim = json_integer_value(json_object_get(r, "claim"));
    x->claimant = json_integer_value(json_object_get(r, "claimant"));
    x->state = wish_state_from_name(json_string_value(json_object_get(r, "state")));
    json_decref(r);
    int rc = org_brief(db, x->org, x->path, sizeof x->path, NULL, 0);
    if (rc == DB_OK && community_of(db, x->org, &x->community, x->cpath) == DB_NOTFOUND) {
        str_copy(x->cpath, sizeof x->cpath, x->path); /* a household above any community: its own node checks */
        x->community = x->org;
    }
    return rc;
}

/* 1 if the caller may make action a on wish x (the state aside). *for_other: a
 * grid worker confirming for the beneficiary. */
static int wish_may(db_t *db, const principal_t *who, const wish_at_t *x, wish_action_t a, int *for_other)
{
    if (for_other)
        *for_other = 0;
    int64_t registered = 0;
    switch (wish_actor(a)) {
    case WISH_BY_HOUSEHOLD:
        return covers_any(who, WISH_STAFF, x->path) || lives_in(db, who, x->household);
    case WISH_BY_COMMUNITY:
        return covers_any(who, WISH_STAFF, x->cpath);
    case WISH_BY_MEMBER:
        if (a == WA_CLAIM)
            return member_of(db, who, &registered) == DB_OK;
        return x->claimant && who->person_id == x->claimant;
    case WISH_BY_BENEFICIARY:
        if (who->person_id && who->person_id == x->beneficiary)
            return 1;
        if (covers_any(who, WISH_STAFF, x->path)) {
            if (for_other)
                *for_other = 1;
            return 1;
        }
        return 0;
    default:
        return 0;
    }
}

static json_t *wish_can(db_t *db, const principal_t *who, const wish_at_t *x)
{
    json_t *moves = json_array();
    for (int a = 0; a < WA_COUNT; a++)
        if (wish_next(x->state, (wish_action_t)a) != WS_NONE && wish_actor((wish_action_t)a) != WISH_BY_SYSTEM &&
            wish_may(db, who, x, (wish_action_t)a, NULL))
            json_array_append_new(moves, json_string(wish_action_name((wish_action_t)a)));
    return json_pack("{s:o, s:b}", "moves", moves, "edit",
                     wish_editable(x->state) && wish_may(db, who, x, WA_SUBMIT, NULL));
}

/* 1 if the caller sees the wish's personal side (staff reading people at its node, its household). */
static int wish_full_view(db_t *db, const principal_t *who, const wish_at_t *x)
{
    return access_covers(who, WISH_READ, x->path) || lives_in(db, who, x->household);
}

/* Finish a wish row for a caller who does not see the personal side: the
 * beneficiary's name masked (none for a minor), no household. */
static void wish_row_masked(json_t *w, int64_t birth, const char *today)
{
    const char *name = json_string_value(json_object_get(w, "beneficiary_name"));
    json_object_set_new(w, "beneficiary_name", maybe_minor(birth, today) ? json_null() : name_masked(name));
    json_object_del(w, "household_id");
    json_object_del(w, "beneficiary_id");
}

static json_t *wish_json(db_t *db, const principal_t *who, int64_t id)
{
    wish_at_t x;
    if (wish_load(db, id, &x) != DB_OK)
        return NULL;
    json_t *w = db_row_one_json(db, WISH_COLUMNS ", b.birth_year AS birth" WISH_FROM " WHERE w.id = ?", "i", id);
    json_t *events = db_rows_json(db,
                                  "SELECT e.id, e.action, e.from_state, e.to_state, e.reason, e.at AS moved_at,"
                                  " u.display_name AS by_name FROM wish_event e LEFT JOIN app_user u ON u.id = e.user_id"
                                  " WHERE e.wish_id = ? ORDER BY e.id",
                                  "i", id);
    if (w == NULL || events == NULL) {
        json_decref(w);
        json_decref(events);
        return NULL;
    }
    char today[16];
    date_today(today);
    if (!wish_full_view(db, who, &x))
        wish_row_masked(w, json_integer_value(json_object_get(w, "birth")), today);
    json_object_del(w, "birth");
    json_object_set_new(w, "by_staff", json_boolean(json_integer_value(json_object_get(w, "by_staff"))));
    json_object_set_new(w, "confirmed_for", json_boolean(json_integer_value(json_object_get(w, "confirmed_for"))));
    json_object_set_new(w, "history", events);
    json_object_set_new(w, "can", wish_can(db, who, &x));
    return w;
}

static int answer_wish(db_t *db, const write_ctx_t *w, int rc, int64_t id, int status, api_reply_t *rep)
{
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    json_t *j = wish_json(db, &w->who, id);
    return j ? api_json(rep, status, j) : api_db_error(rep, w->lang, DB_ERR, NULL);
}

static int wish_event(db_t *db, const write_ctx_t *w, int64_t wish, wish_action_t a, wish_state_t from, wish_state_t to,
                      const char *reason)
{
    return db_exec(db, NULL,
                   "INSERT INTO wish_event (wish_id, action, from_state, to_state, reason, at, user_id)"
                   " VALUES (?, ?, ?, ?, ?, ?, ?)",
                   "ittttiI", wish, wish_action_name(a), wish_state_name(from), wish_state_name(to), reason, w->now,
                   w->who.user_id);
}

/* The cap on a wish's estimated value at org in year: the norm wish.value_cap_fen, else the default. */
static int64_t value_cap(db_t *db, int64_t org, int year)
{
    json_t *v = NULL;
    int64_t cap = WISH_VALUE_CAP_FEN;
    if (norm_get(db, "wish.value_cap_fen", org, year, &v) == DB_OK && json_is_number(v))
        cap = (int64_t)json_number_value(v);
    json_decref(v);
    return cap;
}

typedef struct {
    uint64_t given;
    int64_t household_id, beneficiary_id;
    const char *kind;
    int64_t value_fen;
    const char *content;
    int64_t version;
} wish_in_t;

static const field_t wish_create_fields[] = {
    IN(wish_in_t, household_id, F_INT, 1, 1, INT64_MAX, NULL),
    IN(wish_in_t, beneficiary_id, F_INT, 0, 1, INT64_MAX, NULL),
    IN(wish_in_t, kind, F_ENUM, 1, 0, 0, wish_kinds),
    IN(wish_in_t, value_fen, F_INT, 1, 0, 100000000, NULL),
    IN(wish_in_t, content, F_BLOCK, 1, 2, 500, NULL),
    FIELDS_END,
};
static const field_t wish_update_fields[] = {
    IN(wish_in_t, kind, F_ENUM, F_NOT_NULL, 0, 0, wish_kinds),
    IN(wish_in_t, value_fen, F_INT, F_NOT_NULL, 0, 100000000, NULL),
    IN(wish_in_t, content, F_BLOCK, F_NOT_NULL, 2, 500, NULL),
    IN(wish_in_t, version, F_INT, 0, 1, INT64_MAX, NULL),
    FIELDS_END,
};

/* The value under the cap, the text without a number that could be an ID or a
 * phone, nor the name of anyone in the household or its address (the text goes
 * on the public board). 0, or -1 with rep set. */
static int wish_text_check(db_t *db, const write_ctx_t *w, int64_t org, int64_t hh, const char *content,
                           int64_t value, int value_given, api_reply_t *rep)
{
    if (value_given) {
        int64_t cap = value_cap(db, org, api_today_ymd() / 10000);
        if (value > cap)
            return api_failf(rep, w->lang, E_WISH_VALUE_OVER_CAP, "value_fen", (int)(cap / 100), (int)(cap / 100));
    }
    if (content == NULL)
        return 0;
    if (pii_text_found(content))
        return api_fail(rep, w->lang, E_WISH_TEXT_PERSONAL, "content");
    json_t *names = db_rows_json(db,
                                 "SELECT p.name AS t FROM person p WHERE p.household_id = ?"
                                 " UNION ALL SELECT h.address AS t FROM household h WHERE h.id = ?",
                                 "ii", hh, hh);
    if (names == NULL)
        return api_db_error(rep, w->lang, DB_ERR, NULL);
    int hits = 0;
    size_t i;
    json_t *n;
    json_array_foreach(names, i, n) {
        const char *t = json_string_value(json_object_get(n, "t"));
        hits |= t && *t && strstr(content, t) != NULL;
    }
    json_decref(names);
    return hits ? api_fail(rep, w->lang, E_WISH_TEXT_PERSONAL, "content") : 0;
}

/* POST /api/v1/wishes: a resident for their own household, or staff (people or
 * case write) at the household's node; the beneficiary one of the household
 * (the resident themself when not given). One open wish per household. */
static int wish_create_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    wish_in_t in = {0};
    api_input_fill(wish_create_fields, data, &in);
    int64_t org = 0, open = 0, in_hh = 0, id = 0;
    char path[ACCESS_PATH_MAX] = "";
    int rc = db_one_int(db, &org, "SELECT org_id FROM household WHERE id = ?", "i", in.household_id);
    if (rc == DB_OK)
        rc = org_brief(db, org, path, sizeof path, NULL, 0);
    int resident = rc == DB_OK && lives_in(db, &w->who, in.household_id);
    int staff = rc == DB_OK && covers_any(&w->who, WISH_STAFF, path);
    if (rc == DB_NOTFOUND || (rc == DB_OK && !resident && !staff))
        return api_fail(rep, w->lang, E_WISH_HOUSEHOLD_NOT_FOUND, "household_id");
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    int64_t beneficiary = in.beneficiary_id ? in.beneficiary_id : resident ? w->who.person_id : 0;
    if (beneficiary == 0)
        return api_fail(rep, w->lang, E_WISH_BENEFICIARY_REQUIRED, "beneficiary_id");
    rc = db_one_int(db, &in_hh, "SELECT COUNT(*) FROM person WHERE id = ? AND household_id = ?", "ii", beneficiary,
                    in.household_id);
    if (rc == DB_OK && !in_hh)
        return api_fail(rep, w->lang, E_WISH_BENEFICIARY_NOT_IN_HOUSEHOLD, "beneficiary_id");
    if (wish_text_check(db, w, org, in.household_id, in.content, in.value_fen, 1, rep) != 0)
        return -1;
    if (rc == DB_OK)
        rc = db_one_int(db, &open,
                        "SELECT COUNT(*) FROM wish WHERE household_id = ? AND state IN ('collecting', 'checking',"
                        " 'published', 'claimed', 'fulfilled')",
                        "i", in.household_id);
    if (rc == DB_OK && open)
        return api_fail(rep, w->lang, E_WISH_OPEN_EXISTS, "household_id");
    if (rc == DB_OK)
        rc = db_one_int(db, &id,
                        "INSERT INTO wish (org_id, household_id, beneficiary_id, kind, value_fen, content, posted_by,"
                        " by_staff, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                        "iiititIiii", org, in.household_id, beneficiary, in.kind, in.value_fen, in.content,
                        w->who.user_id, (int64_t)!resident, w->now, w->now);
    if (rc == DB_UNIQUE)
        return api_fail(rep, w->lang, E_WISH_OPEN_EXISTS, "household_id");
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "wish.created", "wish", id, org,
                              json_pack("{s:s, s:I, s:b}", "kind", in.kind, "value_fen", (json_int_t)in.value_fen,
                                        "by_staff", !resident));
    return answer_wish(db, w, rc, id, 201, rep);
}

DEFER_BODY(wish_create, wish_create_write)

static int wish_update_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    wish_in_t in = {0};
    api_input_fill(wish_update_fields, data, &in);
    wish_at_t x;
    int rc = wish_load(db, w->id, &x);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "wish");
    if (!wish_may(db, &w->who, &x, WA_SUBMIT, NULL))
        return api_fail(rep, w->lang, E_WISH_HOUSEHOLD_ONLY, NULL);
    if (!wish_editable(x.state))
        return api_fail(rep, w->lang, E_WISH_NOT_EDITABLE, "state");
    if (wish_text_check(db, w, x.org, x.household, in.content, in.value_fen, (in.given >> 1) & 1, rep) != 0 ||
        api_check_version(db, w, "SELECT version FROM wish WHERE id = ?", w->id, data, rep) != 0)
        return -1;
    rc = db_exec(db, NULL,
                 "UPDATE wish SET kind = COALESCE(?, kind), value_fen = CASE WHEN ? = 1 THEN ? ELSE value_fen END,"
                 " content = COALESCE(?, content), updated_at = ?, version = version + 1 WHERE id = ?",
                 "tiitii", in.kind, (int64_t)((in.given >> 1) & 1), in.value_fen, in.content, w->now, w->id);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "wish.updated", "wish", w->id, x.org, json_pack("{s:b}", "changed", 1));
    return answer_wish(db, w, rc, w->id, 200, rep);
}

DEFER_BODY(wish_update, wish_update_write)

typedef struct {
    uint64_t given;
    const char *action, *reason;
    int64_t version;
    const char *served_on;
    int64_t start_min, end_min;
    const char *note;
} wish_move_in_t;

static const field_t wish_move_fields[] = {
    IN(wish_move_in_t, action, F_ENUM, 1, 0, 0, wish_move_actions),
    IN(wish_move_in_t, reason, F_BLOCK, 0, 1, 500, NULL),
    IN(wish_move_in_t, version, F_INT, 1, 1, INT64_MAX, NULL),
    IN(wish_move_in_t, served_on, F_DATE, 0, 20000101, 0, NULL),
    IN(wish_move_in_t, start_min, F_INT, 0, 0, 1439, NULL),
    IN(wish_move_in_t, end_min, F_INT, 0, 1, 1440, NULL),
    IN(wish_move_in_t, note, F_BLOCK, 0, 1, 500, NULL),
    FIELDS_END,
};

/* End the wish's live claim (withdrawn or expired) and put it back on the board. */
static int claim_end(db_t *db, const write_ctx_t *w, const wish_at_t *x, const char *how)
{
    int rc = db_exec(db, NULL, "UPDATE wish_claim SET state = ?, ended_at = ? WHERE id = ? AND state = 'live'", "tii", how,
                     w->now, x->claim);
    if (rc == DB_OK)
        rc = db_exec(db, NULL,
                     "UPDATE wish SET state = 'published', claim_id = NULL, updated_at = ?, version = version + 1"
                     " WHERE id = ? AND state = 'claimed'",
                     "ii", w->now, x->id);
    return rc;
}

static int wish_move_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    wish_move_in_t in = {0};
    api_input_fill(wish_move_fields, data, &in);
    wish_at_t x;
    int rc = wish_load(db, w->id, &x);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "wish");
    wish_action_t a = wish_action_from_name(in.action);
    wish_state_t to = wish_next(x.state, a);
    if (to == WS_NONE)
        return api_fail(rep, w->lang, E_WISH_MOVE_NOT_POSSIBLE, "action");
    int for_other = 0;
    if (!wish_may(db, &w->who, &x, a, &for_other))
        return api_fail(rep, w->lang, E_WISH_NOT_YOURS, "action");
    if (wish_needs_reason(a) && in.reason == NULL)
        return api_fail(rep, w->lang, E_WISH_REASON_REQUIRED, "reason");
    char today[16];
    date_of(w->now, today);
    if (a == WA_FULFIL) {
        if (in.served_on == NULL)
            return api_fail(rep, w->lang, E_WISH_FULFIL_TIMES, "served_on");
        if (!((in.given >> 4) & 1))
            return api_fail(rep, w->lang, E_WISH_FULFIL_TIMES, "start_min");
        if (!((in.given >> 5) & 1))
            return api_fail(rep, w->lang, E_WISH_FULFIL_TIMES, "end_min");
        if (in.end_min <= in.start_min)
            return api_fail(rep, w->lang, E_SERVICE_END_BEFORE_START, "end_min");
        if (strcmp(in.served_on, today) > 0)
            return api_fail(rep, w->lang, E_WISH_SERVED_IN_FUTURE, "served_on");
    }
    if (api_check_version(db, w, "SELECT version FROM wish WHERE id = ?", w->id, data, rep) != 0)
        return -1;
    switch (a) {
    case WA_WITHDRAW:
        rc = claim_end(db, w, &x, "withdrawn");
        break;
    case WA_FULFIL:
        rc = db_exec(db, NULL, "UPDATE wish_claim SET state = 'done', ended_at = ? WHERE id = ?", "ii", w->now, x.claim);
        if (rc == DB_OK)
            rc = db_exec(db, NULL,
                         "UPDATE wish SET state = 'fulfilled', fulfilled_on = ?, start_min = ?, end_min = ?,"
                         " fulfil_note = ?, updated_at = ?, version = version + 1 WHERE id = ?",
                         "tiitii", in.served_on, in.start_min, in.end_min, in.note, w->now, w->id);
        break;
    case WA_CONFIRM: {
        json_t *f = db_row_one_json(db, "SELECT fulfilled_on, start_min, end_min, content FROM wish WHERE id = ?", "i",
                                    w->id);
        if (f == NULL)
            return api_db_error(rep, w->lang, DB_ERR, NULL);
        int64_t record = 0;
        service_add_t r = {x.community, x.claimant, json_string_value(json_object_get(f, "fulfilled_on")),
                           (int)json_integer_value(json_object_get(f, "start_min")),
                           (int)json_integer_value(json_object_get(f, "end_min")), "微心愿", "wish", w->id,
                           w->who.user_id};
        int failed = service_record_add(db, w, &r, &record, rep);
        json_decref(f);
        if (failed)
            return -1;
        rc = db_exec(db, NULL,
                     "UPDATE wish SET state = 'confirmed', confirmed_at = ?, confirmed_by = ?, confirmed_for = ?,"
                     " record_id = ?, updated_at = ?, version = version + 1 WHERE id = ?",
                     "iIiiii", w->now, w->who.user_id, (int64_t)for_other, record, w->now, w->id);
        break;
    }
    default:
        rc = db_exec(db, NULL,
                     "UPDATE wish SET state = ?,"
                     " return_reason = CASE WHEN ? = 1 THEN ? ELSE return_reason END,"
                     " cancel_reason = CASE WHEN ? = 1 THEN ? ELSE cancel_reason END,"
                     " published_at = CASE WHEN ? = 1 THEN ? ELSE published_at END,"
                     " updated_at = ?, version = version + 1 WHERE id = ?",
                     "tititiiii", wish_state_name(to), (int64_t)(a == WA_RETURN), in.reason, (int64_t)(a == WA_CANCEL),
                     in.reason, (int64_t)(a == WA_PUBLISH), w->now, w->now, w->id);
    }
    if (rc == DB_OK)
        rc = wish_event(db, w, w->id, a, x.state, to, in.reason);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "wish.moved", "wish", w->id, x.org,
                              json_pack("{s:s, s:s, s:s, s:b}", "action", in.action, "from", wish_state_name(x.state),
                                        "to", wish_state_name(to), "for_beneficiary", for_other));
    return answer_wish(db, w, rc, w->id, 200, rep);
}

DEFER_BODY(wish_move, wish_move_write)

/* POST /api/v1/wishes/{id}/claims: an in-service member takes the one live
 * claim of a published wish: one conditional UPDATE from 'published', so of
 * concurrent claims one wins and the others are 409. */
static int wish_claim_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    (void)data;
    int64_t registered = 0, changed = 0, claim = 0, org = 0, household = 0;
    int rc = db_one_int(db, &org, "SELECT org_id FROM wish WHERE id = ?", "i", w->id);
    if (rc == DB_OK)
        rc = db_one_int(db, &household, "SELECT household_id FROM wish WHERE id = ?", "i", w->id);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "wish");
    if (member_of(db, &w->who, &registered) != DB_OK)
        return claim_refused(rep, w->lang, E_CLAIM_MEMBER_ONLY, NULL);
    if (lives_in(db, &w->who, household))
        return claim_refused(rep, w->lang, E_WISH_OWN_HOUSEHOLD, NULL);
    rc = db_exec(db, &changed,
                 "UPDATE wish SET state = 'claimed', updated_at = ?, version = version + 1 WHERE id = ? AND state = 'published'",
                 "ii", w->now, w->id);
    if (rc == DB_OK && changed == 0)
        return claim_refused(rep, w->lang, E_WISH_NOT_CLAIMABLE, NULL);
    if (rc == DB_OK)
        rc = db_one_int(db, &claim, "INSERT INTO wish_claim (wish_id, person_id, claimed_at) VALUES (?, ?, ?) RETURNING id",
                        "iii", w->id, w->who.person_id, w->now);
    if (rc == DB_OK)
        rc = db_exec(db, NULL, "UPDATE wish SET claim_id = ? WHERE id = ?", "ii", claim, w->id);
    if (rc == DB_OK)
        rc = wish_event(db, w, w->id, WA_CLAIM, WS_PUBLISHED, WS_CLAIMED, NULL);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "wish.claimed", "wish", w->id, org, json_object());
    return answer_wish(db, w, rc, w->id, 201, rep);
}

DEFER_NONE(wish_claim, wish_claim_write)

/* ---------------------------------------------------------------- expiry */

/* How many days a claim of a wish at org lives before it expires: the norm wish.claim_days, else the default. */
static int64_t claim_days(db_t *db, int64_t org, int year)
{
    json_t *v = NULL;
    int64_t days = WISH_CLAIM_DAYS;
    if (norm_get(db, "wish.claim_days", org, year, &v) == DB_OK && json_is_number(v))
        days = (int64_t)json_number_value(v);
    json_decref(v);
    return days;
}

/* One pass of the periodic work: claims held past their wish's wish.claim_days
 * without the wish being fulfilled expire, and the wish goes back on the board.
 * How many expired, or -1. */
static int wishes_expire(db_t *db, const write_ctx_t *w)
{
    json_t *due = db_rows_json(db,
                               "SELECT c.id, c.wish_id, c.claimed_at AS claimed, x.org_id FROM wish_claim c"
                               " JOIN wish x ON x.id = c.wish_id AND x.claim_id = c.id"
                               " WHERE c.state = 'live' AND x.state = 'claimed' AND c.claimed_at <= ?"
                               " ORDER BY c.id LIMIT 1000",
                               "i", w->now - 86400);
    if (due == NULL)
        return -1;
    int count = 0, rc = DB_OK;
    int year = api_today_ymd() / 10000;
    size_t i;
    json_t *c;
    json_array_foreach(due, i, c) {
        int64_t org = json_integer_value(json_object_get(c, "org_id"));
        if (w->now < json_integer_value(json_object_get(c, "claimed")) + claim_days(db, org, year) * 86400)
            continue;
        wish_at_t x;
        rc = wish_load(db, json_integer_value(json_object_get(c, "wish_id")), &x);
        if (rc == DB_OK)
            rc = claim_end(db, w, &x, "expired");
        if (rc == DB_OK)
            rc = wish_event(db, w, x.id, WA_EXPIRE, WS_CLAIMED, WS_PUBLISHED, NULL);
        if (rc == DB_OK)
            rc = audit_append_new(db, w, "wish.claim_expired", "wish", x.id, org, json_object());
        if (rc != DB_OK)
            break;
        count++;
    }
    json_decref(due);
    return rc == DB_OK ? count : -1;
}

const tx_hooks_t wish_expiry_hooks = {
    .name = "expired wish claims",
    .periodic = wishes_expire,
};

/* ---------------------------------------------------------------- reads */

static int wish_get(api_req_t *req, api_reply_t *rep)
{
    json_t *w = wish_json(req->db, req->who, req->params[0]);
    return w ? api_json(rep, 200, w) : api_db_error(rep, req->lang, DB_NOTFOUND, "wish");
}

static const api_sort_t wish_sorts[] = {
    {"value_fen", "w.value_fen", 0, NULL},
    {"updated_at", "w.updated_at", 0, NULL},
    {NULL, NULL, 0, NULL},
};

static const field_t wish_query[] = {
    {"org", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"state", F_ENUM, 0, 0, 0, wish_states, 0},
    {"kind", F_ENUM, 0, 0, 0, wish_kinds, 0},
    FIELDS_END,
};

static void wish_list_row(json_t *row, void *ctx)
{
    (void)ctx;
    json_object_set_new(row, "by_staff", json_boolean(json_integer_value(json_object_get(row, "by_staff"))));
    json_object_set_new(row, "confirmed_for", json_boolean(json_integer_value(json_object_get(row, "confirmed_for"))));
}

static int wish_list_build(api_req_t *req, api_reply_t *rep, api_list_t *l)
{
    api_list_begin(l, WISH_COLUMNS, WISH_FROM, "w.id", NULL);
    l->row = wish_list_row;
    if (in_scope(req, rep, l, WISH_READ, "o.path") != 0)
        return -1;
    filter_text(req, l, "state", "w.state = ?");
    filter_text(req, l, "kind", "w.kind = ?");
    return 0;
}

/* GET /api/v1/wishes: the wishes at the node and below (staff reading people there). */
static int wish_list(api_req_t *req, api_reply_t *rep)
{
    api_list_t l;
    return wish_list_build(req, rep, &l) != 0 ? -1 : api_list_answer(req, rep, &l);
}

/* GET /api/v1/wishes/export: the wishes as a workbook (微心愿), audited. */
static int wish_export(api_req_t *req, api_reply_t *rep)
{
    static const list_col_t cols[] = {
        {"id", "编号", NULL, NULL},
        {"org_name", "所在组织", NULL, NULL},
        {"beneficiary_name", "受助人", NULL, NULL},
        {"kind", "类别", NULL, NULL},
        {"value_fen", "估计价值（分）", NULL, NULL},
        {"content", "心愿内容", NULL, NULL},
        {"state", "状态", NULL, NULL},
        {"claimant_name", "认领党员", NULL, NULL},
        {"fulfilled_on", "实现日期", NULL, NULL},
        {"confirmed_for", "代为确认", NULL, NULL},
        {NULL, NULL, NULL, NULL},
    };
    api_list_t l;
    return wish_list_build(req, rep, &l) != 0 ? -1 : api_list_export(req, rep, &l, "微心愿", cols, "wishes");
}

/* ---------------------------------------------------------------- the public board */

#define BOARD_COLUMNS                                                                                                  \
    "SELECT w.id, w.kind, w.value_fen, w.content, w.published_at, c.name AS community_name, b.name AS bname,"       \
    " b.birth_year AS bbirth"
#define BOARD_FROM " FROM wish w JOIN org o ON o.id = w.org_id JOIN person b ON b.id = w.beneficiary_id, org c"

/* A board row: the beneficiary's surname and * for an adult, nothing at all for a minor. */
static void board_row(json_t *row, void *ctx)
{
    const char *today = ctx;
    int64_t birth = json_integer_value(json_object_get(row, "bbirth"));
    json_object_set_new(row, "beneficiary", maybe_minor(birth, today)
                                                ? json_null()
                                                : name_masked(json_string_value(json_object_get(row, "bname"))));
    json_object_del(row, "bname");
    json_object_del(row, "bbirth");
}

static const field_t board_query[] = {
    {"code", F_TEXT, 0, 1, 32, NULL, 0}, /* required, checked by the handler (a paged route names limit first) */
    {"kind", F_ENUM, 0, 0, 0, wish_kinds, 0},
    FIELDS_END,
};

/* The community the public pages name by its code: its id and path; 404 naming code. */
static int board_community(api_req_t *req, api_reply_t *rep, char path[ACCESS_PATH_MAX], char hi[ACCESS_PATH_MAX])
{
    char *code = api_query(req, "code");
    if (code == NULL)
        return api_fail(rep, req->lang, E_BOARD_CODE_REQUIRED, "code");
    int rc = code ? db_one_text(req->db, path, ACCESS_PATH_MAX,
                                "SELECT path FROM org WHERE code = ? AND level = 'community'", "t", code)
                  : DB_NOTFOUND;
    free(code);
    if (rc == DB_OK && path_subtree_upper(hi, ACCESS_PATH_MAX, path) != 0)
        rc = DB_ERR;
    if (rc == DB_NOTFOUND)
        return api_fail(rep, req->lang, E_BOARD_COMMUNITY_NOT_FOUND, "code");
    return rc == DB_OK ? 0 : api_db_error(rep, req->lang, rc, NULL);
}

/* GET /api/v1/public/wishes?code=: the community's published wishes, nobody's
 * personal data: no household, address, id or age, the beneficiary's surname
 * only (nothing for a minor). */
static int public_wish_list(api_req_t *req, api_reply_t *rep)
{
    char path[ACCESS_PATH_MAX], hi[ACCESS_PATH_MAX], today[16];
    date_today(today);
    api_list_t l;
    api_list_begin(&l, BOARD_COLUMNS, BOARD_FROM, "w.id", NULL);
    l.newest_first = 1;
    l.row = board_row;
    l.row_ctx = today;
    if (api_list_query(req, rep, &l) != 0) {
        api_list_end(&l);
        return -1;
    }
    /* The page depends on the data, the query (the community's code in it) and
     * the day (who counts as a minor): kept per thread until the next commit
     * anywhere, and looked up first (only a found community's page is kept), so
     * a repeated page reads nothing, on PostgreSQL no round trip either. */
    size_t klen = strlen(req->query ? req->query : "") + 48;
    char *key = xmalloc(klen);
    snprintf(key, klen, "wish_board:%s|%s", today, req->query ? req->query : "");
    if (cache_reply(req, key, rep)) {
        free(key);
        api_list_end(&l);
        return 0;
    }
    if (board_community(req, rep, path, hi) != 0) {
        free(key);
        api_list_end(&l);
        return -1;
    }
    api_list_where(&l, "c.path = ? AND o.path >= ? AND o.path < ?", "ttt", path, path, hi);
    api_list_where(&l, "w.state = 'published'", "");
    filter_text(req, &l, "kind", "w.kind = ?");
    json_t *page = api_list_run(req->db, &l);
    api_list_end(&l);
    if (page)
        cache_store(req, key, page);
    free(key);
    return page ? api_json(rep, 200, page) : api_db_error(rep, req->lang, DB_ERR, NULL);
}

static void public_post_row(json_t *row, void *ctx)
{
    db_t *db = ctx;
    json_t *names = db_rows_json(db,
                                 "SELECT p.name FROM post_claim c JOIN person p ON p.id = c.person_id"
                                 " WHERE c.post_id = ? AND c.state IN ('claimed', 'attended') ORDER BY c.id",
                                 "i", json_integer_value(json_object_get(row, "id")));
    json_t *masked = json_array();
    size_t i;
    json_t *n;
    json_array_foreach(names, i, n)
        json_array_append_new(masked, name_masked(json_string_value(json_object_get(n, "name"))));
    json_decref(names);
    json_object_set_new(row, "claimants", masked);
}

static const field_t public_post_query[] = {
    {"code", F_TEXT, 0, 1, 32, NULL, 0},
    FIELDS_END,
};

/* GET /api/v1/public/service-posts?code=: the community's claimed posts, the claimants' names masked. */
static int public_post_list(api_req_t *req, api_reply_t *rep)
{
    char path[ACCESS_PATH_MAX], hi[ACCESS_PATH_MAX];
    if (board_community(req, rep, path, hi) != 0)
        return -1;
    api_list_t l;
    api_list_begin(&l, "SELECT s.id, s.category, s.title, s.served_on, s.start_min, s.end_min, s.capacity, s.claimed",
                   " FROM service_post s JOIN org o ON o.id = s.org_id", "s.id", NULL);
    l.newest_first = 1;
    l.row = public_post_row;
    l.row_ctx = req->db;
    api_list_where(&l, "o.path = ? AND s.state = 'open' AND s.claimed > 0", "t", path);
    return api_list_answer(req, rep, &l);
}

/* ---------------------------------------------------------------- a member's and a resident's pages */

/* GET /api/v1/my/claims: for an in-service member, the open posts of the
 * community they reported to, their post claims, the published wishes there
 * and their wish claims; for anyone else, member null and nothing. */
static int my_claims(api_req_t *req, api_reply_t *rep)
{
    int64_t registered = 0;
    char today[16], path[ACCESS_PATH_MAX] = "", hi[ACCESS_PATH_MAX] = "";
    date_today(today);
    int rc = member_of(req->db, req->who, &registered);
    if (rc == DB_NOTFOUND)
        return api_json(rep, 200, json_pack("{s:n, s:[], s:[], s:[], s:[]}", "member", "posts", "post_claims",
                                            "wishes", "wish_claims"));
    if (rc == DB_OK && registered)
        rc = org_brief(req->db, registered, path, sizeof path, NULL, 0);
    if (rc == DB_OK && registered && path_subtree_upper(hi, sizeof hi, path) != 0)
        rc = DB_ERR;
    if (rc != DB_OK)
        return api_db_error(rep, req->lang, rc, NULL);
    json_t *member = db_row_one_json(req->db,
                                     "SELECT m.person_id, p.name, m.registered_org_id, o.name AS registered_org_name"
                                     " FROM party_member m JOIN person p ON p.id = m.person_id"
                                     " LEFT JOIN org o ON o.id = m.registered_org_id WHERE m.person_id = ?",
                                     "i", req->who->person_id);
    json_t *posts = db_rows_json(req->db,
                                 POST_COLUMNS ", (SELECT COUNT(*) FROM post_claim c WHERE c.post_id = s.id"
                                 " AND c.person_id = ? AND c.state <> 'withdrawn') AS mine" POST_FROM
                                 " WHERE s.org_id = ? AND s.state = 'open' AND s.served_on >= ?"
                                 " ORDER BY s.served_on, s.start_min, s.id LIMIT 100",
                                 "iit", req->who->person_id, registered, today);
    json_t *claims = db_rows_json(req->db, CLAIM_COLUMNS CLAIM_FROM " WHERE c.person_id = ? ORDER BY c.id DESC LIMIT 100",
                                  "i", req->who->person_id);
    json_t *wishes = db_rows_json(req->db,
                                  BOARD_COLUMNS BOARD_FROM " WHERE c.path = ? AND o.path >= ? AND o.path < ?"
                                  " AND w.state = 'published' ORDER BY w.id DESC LIMIT 100",
                                  "ttt", path, path, hi);
    json_t *wclaims = db_rows_json(req->db,
                                   "SELECT c.wish_id AS id FROM wish_claim c WHERE c.person_id = ? ORDER BY c.id DESC LIMIT 100",
                                   "i", req->who->person_id);
    if (member == NULL || posts == NULL || claims == NULL || wishes == NULL || wclaims == NULL) {
        json_decref(member);
        json_decref(posts);
        json_decref(claims);
        json_decref(wishes);
        json_decref(wclaims);
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    }
    size_t i;
    json_t *r;
    json_array_foreach(posts, i, r) {
        json_object_set_new(r, "mine", json_boolean(json_integer_value(json_object_get(r, "mine"))));
        int64_t start = slot_epoch(json_string_value(json_object_get(r, "served_on")),
                                   json_integer_value(json_object_get(r, "start_min")));
        json_object_set_new(r, "started", json_boolean(clock_now() >= start));
    }
    json_array_foreach(wishes, i, r)
        board_row(r, today);
    /* Each wish the member claimed, as they see it now (once per wish). */
    json_t *mine = json_array(), *seen = json_object();
    json_array_foreach(wclaims, i, r) {
        char key[24];
        snprintf(key, sizeof key, "%lld", (long long)json_integer_value(json_object_get(r, "id")));
        if (json_object_get(seen, key))
            continue;
        json_object_set_new(seen, key, json_true());
        json_t *w = wish_json(req->db, req->who, json_integer_value(json_object_get(r, "id")));
        if (w)
            json_array_append_new(mine, w);
    }
    json_decref(seen);
    json_decref(wclaims);
    return api_json(rep, 200, json_pack("{s:o, s:o, s:o, s:o, s:o}", "member", member, "posts", posts, "post_claims",
                                        claims, "wishes", wishes, "wish_claims", mine));
}

/* GET /api/v1/my/wishes: the caller's household (null if they have none), its
 * people (the beneficiaries to choose from) and its wishes. */
static int my_wishes(api_req_t *req, api_reply_t *rep)
{
    int64_t hh = 0;
    int rc = req->who->person_id ? db_one_int(req->db, &hh, "SELECT COALESCE(household_id, 0) FROM person WHERE id = ?",
                                              "i", req->who->person_id)
                                 : DB_NOTFOUND;
    if (rc == DB_NOTFOUND || (rc == DB_OK && hh == 0))
        return api_json(rep, 200, json_pack("{s:n, s:[], s:[]}", "household_id", "people", "wishes"));
    if (rc != DB_OK)
        return api_db_error(rep, req->lang, rc, NULL);
    json_t *people = db_rows_json(req->db, "SELECT id, name FROM person WHERE household_id = ? ORDER BY id", "i", hh);
    json_t *ids = db_rows_json(req->db, "SELECT id FROM wish WHERE household_id = ? ORDER BY id DESC LIMIT 50", "i", hh);
    if (people == NULL || ids == NULL) {
        json_decref(people);
        json_decref(ids);
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    }
    json_t *wishes = json_array();
    size_t i;
    json_t *r;
    json_array_foreach(ids, i, r) {
        json_t *w = wish_json(req->db, req->who, json_integer_value(json_object_get(r, "id")));
        if (w)
            json_array_append_new(wishes, w);
    }
    json_decref(ids);
    return api_json(rep, 200, json_pack("{s:I, s:o, s:o}", "household_id", (json_int_t)hh, "people", people, "wishes",
                                        wishes));
}

/* ---------------------------------------------------------------- figures */

/* The figures of [lo, hi) for year: posts whose slot falls in the year (not
 * cancelled), their places and claims (claimed or attended), the fill rate,
 * attended claims; wishes posted in the year by their state now; wishes
 * fulfilled in the year (by fulfilled_on, so a past year's figure does not
 * move) and the mean and median days from publication to fulfilment. */
static int days_cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

json_t *claims_figures_of(db_t *db, const principal_t *who, const char *lo, const char *hi, int64_t year,
                          const char *today)
{
    (void)who;
    (void)today;
    char y0[16], y1[16];
    snprintf(y0, sizeof y0, "%04d-01-01", (int)year % 10000);
    snprintf(y1, sizeof y1, "%04d-01-01", (int)(year + 1) % 10000);
    json_t *r = db_row_one_json(
        db,
        "SELECT COUNT(*) AS posts, COALESCE(SUM(s.capacity), 0) AS post_places,"
        " COALESCE(SUM(s.claimed), 0) AS post_claims,"
        " COALESCE(SUM((SELECT COUNT(*) FROM post_claim c WHERE c.post_id = s.id AND c.state = 'attended')), 0)"
        " AS post_attended"
        " FROM service_post s JOIN org o ON o.id = s.org_id"
        " WHERE o.path >= ? AND o.path < ? AND s.state = 'open' AND s.served_on >= ? AND s.served_on < ?",
        "tttt", lo, hi, y0, y1);
    if (r == NULL)
        return NULL;
    json_object_set_new(r, "post_fill_rate", json_rate(json_integer_value(json_object_get(r, "post_claims")),
                                                       json_integer_value(json_object_get(r, "post_places"))));
    int64_t from = (time_days_from_civil(year, 1, 1)) * 86400 - 8 * 3600,
            to = (time_days_from_civil(year + 1, 1, 1)) * 86400 - 8 * 3600;
    /* The year's wishes by state, in one pass over the subtree's. */
    json_t *by_state = db_rows_json(db,
                                    "SELECT w.state, COUNT(*) AS n FROM wish w JOIN org o ON o.id = w.org_id"
                                    " WHERE o.path >= ? AND o.path < ? AND w.created_at >= ? AND w.created_at < ?"
                                    " GROUP BY w.state",
                                    "ttii", lo, hi, from, to);
    if (by_state == NULL) {
        json_decref(r);
        return NULL;
    }
    for (int s = 0; s < WS_COUNT; s++) {
        int64_t n = 0;
        size_t k;
        json_t *row;
        json_array_foreach(by_state, k, row) {
            if (strcmp(json_string_value(json_object_get(row, "state")), wish_states[s]) == 0)
                n = json_integer_value(json_object_get(row, "n"));
        }
        char key[40];
        snprintf(key, sizeof key, "wishes_%s", wish_states[s]);
        json_object_set_new(r, key, json_integer(n));
    }
    json_decref(by_state);
    json_t *done = db_rows_json(db,
                                "SELECT w.fulfilled_on, w.published_at AS pub FROM wish w JOIN org o ON o.id = w.org_id"
                                " WHERE o.path >= ? AND o.path < ? AND w.fulfilled_on >= ? AND w.fulfilled_on < ?"
                                " AND w.published_at IS NOT NULL",
                                "tttt", lo, hi, y0, y1);
    size_t n = json_array_size(done), i;
    int64_t *days = n ? calloc(n, sizeof *days) : NULL;
    int64_t sum = 0;
    json_t *d;
    json_array_foreach(done, i, d) {
        int64_t pub = json_integer_value(json_object_get(d, "pub"));
        int64_t f = slot_epoch(json_string_value(json_object_get(d, "fulfilled_on")), 0) + 8 * 3600;
        int64_t k = (f - (pub + 8 * 3600) / 86400 * 86400) / 86400;
        days[i] = k < 0 ? 0 : k;
        sum += days[i];
    }
    /* the median: a city root's year holds tens of thousands */
    if (n > 1)
        qsort(days, n, sizeof *days, days_cmp);
    json_object_set_new(r, "fulfilled_in_year", json_integer((json_int_t)n));
    json_object_set_new(r, "fulfil_days_mean", n ? json_real((double)sum / (double)n) : json_null());
    json_object_set_new(r, "fulfil_days_median",
                        n ? json_real(n % 2 ? (double)days[n / 2] : (days[n / 2 - 1] + days[n / 2]) / 2.0) : json_null());
    free(days);
    json_decref(done);
    return r;
}

/* GET /api/v1/claims-figures?org=&year=: the node's subtree's figures, and each child's. */
static int claims_figures(api_req_t *req, api_reply_t *rep)
{
    return api_subtree_figures(req, rep, PERM_PARTY_READ, claims_figures_of);
}

/* ---------------------------------------------------------------- the table */

static const entity_t post_entity = {"service_post", "SELECT org_id FROM service_post WHERE id = ?", NULL};

/* A post to claim: any (a member reported elsewhere is told so, 403; the claimed posts are public anyway). */
static int post_any_scope(db_t *db, const principal_t *who, int64_t id, int64_t *org)
{
    (void)who;
    return db_one_int(db, org, "SELECT org_id FROM service_post WHERE id = ?", "i", id);
}

static const entity_t post_any_entity = {"service_post", NULL, post_any_scope};

/* A post claim: seen by its member and by whoever reads the post's node. */
static int post_claim_scope(db_t *db, const principal_t *who, int64_t id, int64_t *org)
{
    claim_at_t c;
    int rc = claim_load(db, id, &c);
    if (rc != DB_OK)
        return rc;
    *org = c.org;
    return (who->person_id && who->person_id == c.person) || access_covers(who, POST_READ, c.path) ? DB_OK
                                                                                                    : DB_NOTFOUND;
}

static const entity_t post_claim_entity = {"post_claim", NULL, post_claim_scope};

/* A wish: seen by staff reading people at its node, its household, its claimant. */
static int wish_scope(db_t *db, const principal_t *who, int64_t id, int64_t *org)
{
    wish_at_t x;
    int rc = wish_load(db, id, &x);
    if (rc != DB_OK)
        return rc;
    *org = x.org;
    return wish_full_view(db, who, &x) || covers_any(who, WISH_STAFF, x.path) ||
                   (x.claimant && who->person_id == x.claimant)
               ? DB_OK
               : DB_NOTFOUND;
}

/* A wish to claim: also any that reached the board (a late one of concurrent
 * claims learns in the write that another won: 409, not 404). */
static int wish_claim_scope(db_t *db, const principal_t *who, int64_t id, int64_t *org)
{
    /* The common case first, in one lookup: a wish that reached the board. */
    int rc = db_one_int(db, org, "SELECT org_id FROM wish WHERE id = ? AND published_at IS NOT NULL", "i", id);
    return rc == DB_NOTFOUND ? wish_scope(db, who, id, org) : rc;
}

static const entity_t wish_entity = {"wish", NULL, wish_scope};
static const entity_t wish_claim_entity = {"wish", NULL, wish_claim_scope};

const op_t claims_ops[] = {
    {OP(HTTP_GET, "/api/v1/service-posts", "service_posts.list", PERM(POST_READ), RF_PAGED, service_post_list),
     .query = post_query, .sorts = post_sorts},
    {OP(HTTP_GET, "/api/v1/service-posts/export", "service_posts.export", PERM(POST_READ), RF_WRITES,
        service_post_export),
     .query = post_query},
    {OP(HTTP_POST, "/api/v1/service-posts", "service_posts.create", PERM(POST_WRITE), RF_BODY | RF_WRITES,
        service_post_create),
     .body = post_create_fields},
    {OP(HTTP_GET, "/api/v1/service-posts/{id}", "service_posts.get", PERM(POST_READ), 0, service_post_get),
     .entity = &post_entity},
    {OP(HTTP_PATCH, "/api/v1/service-posts/{id}", "service_posts.update", PERM(POST_WRITE), RF_BODY | RF_WRITES,
        service_post_update),
     .body = post_update_fields, .entity = &post_entity},
    {OP(HTTP_POST, "/api/v1/service-posts/{id}/cancel", "service_posts.cancel", PERM(POST_WRITE), RF_BODY | RF_WRITES,
        service_post_cancel),
     .body = post_cancel_fields, .entity = &post_entity},
    {OP(HTTP_POST, "/api/v1/service-posts/{id}/claims", "service_posts.claim", USER, RF_WRITES,
        service_post_claim),
     .entity = &post_any_entity},
    {OP(HTTP_GET, "/api/v1/post-claims", "post_claims.list", PERM(POST_READ), RF_PAGED, post_claim_list),
     .query = claim_query},
    {OP(HTTP_GET, "/api/v1/post-claims/export", "post_claims.export", PERM(POST_READ), RF_WRITES, post_claim_export),
     .query = claim_query},
    {OP(HTTP_POST, "/api/v1/post-claims/{id}/withdraw", "post_claims.withdraw", USER, RF_WRITES,
        post_claim_withdraw),
     .entity = &post_claim_entity},
    {OP(HTTP_POST, "/api/v1/post-claims/{id}/attendance", "post_claims.attendance", PERM(POST_WRITE),
        RF_BODY | RF_WRITES, post_claim_attend),
     .body = attend_fields, .entity = &post_claim_entity},
    {OP(HTTP_GET, "/api/v1/wishes", "wishes.list", PERM(WISH_READ), RF_PAGED, wish_list), .query = wish_query,
     .sorts = wish_sorts},
    {OP(HTTP_GET, "/api/v1/wishes/export", "wishes.export", PERM(WISH_READ), RF_WRITES, wish_export),
     .query = wish_query},
    {OP(HTTP_POST, "/api/v1/wishes", "wishes.create", USER, RF_BODY | RF_WRITES, wish_create),
     .body = wish_create_fields},
    {OP(HTTP_GET, "/api/v1/wishes/{id}", "wishes.get", USER, 0, wish_get), .entity = &wish_entity},
    {OP(HTTP_PATCH, "/api/v1/wishes/{id}", "wishes.update", USER, RF_BODY | RF_WRITES, wish_update),
     .body = wish_update_fields, .entity = &wish_entity},
    {OP(HTTP_POST, "/api/v1/wishes/{id}/moves", "wishes.move", USER, RF_BODY | RF_WRITES, wish_move),
     .body = wish_move_fields, .entity = &wish_entity},
    {OP(HTTP_POST, "/api/v1/wishes/{id}/claims", "wishes.claim", USER, RF_WRITES, wish_claim),
     .entity = &wish_claim_entity},
    {OP(HTTP_GET, "/api/v1/my/claims", "my.claims", USER, 0, my_claims)},
    {OP(HTTP_GET, "/api/v1/my/wishes", "my.wishes", USER, 0, my_wishes)},
    {OP(HTTP_GET, "/api/v1/public/wishes", "public.wishes.list", PUB, RF_PAGED, public_wish_list),
     .query = board_query},
    {OP(HTTP_GET, "/api/v1/public/service-posts", "public.service_posts.list", PUB, RF_PAGED, public_post_list),
     .query = public_post_query},
    {OP(HTTP_GET, "/api/v1/claims-figures", "claims_figures.get", PERM(PERM_PARTY_READ), 0, claims_figures),
     .query = subtree_figures_query},
    OPS_END,
};

/* ---------------------------------------------------------------- demo */

static const char *const demo_post_titles[] = {
    "党员先锋岗：党群服务中心值守", "法律明白人：周末法律咨询",   "助残帮困：陪同就医",     "网格议事：楼道堆物清理",
    "健康义诊：测血压血糖",        "文化进社区：书法兴趣课",     "平安巡逻：夜间治安巡查", "垃圾分类督导",
};
static const char *const demo_wish_texts[] = {
    "需要一台电风扇度夏", "想要一套课外读物",   "需要更换老旧燃气灶", "希望有人每周陪同复查",
    "冬天需要一床厚棉被", "需要一辆助行器",     "想学习使用智能手机", "希望帮忙修理漏水的水龙头",
};
static const wish_state_t demo_states[] = {WS_COLLECTING, WS_CHECKING, WS_PUBLISHED, WS_PUBLISHED, WS_CLAIMED,
                                           WS_FULFILLED,  WS_CONFIRMED, WS_ARCHIVED, WS_ARCHIVED, WS_CANCELLED};
#define DEMO_NSTATES (sizeof demo_states / sizeof demo_states[0])

static unsigned long long claims_rng;

static int64_t claims_below(int64_t n)
{
    return random_seeded_below(&claims_rng, n);
}

/* A date k days from today (negative: before). */
static void demo_day(int64_t now, int k, char out[16])
{
    date_of(now + (int64_t)k * 86400, out);
}

/* A service record for the demo's verified service, skipped (not an error) when it overlaps another. */
static int demo_record(db_t *db, const write_ctx_t *w, const service_add_t *r, int64_t *record)
{
    api_reply_t rep = {0};
    *record = 0;
    int rc = service_record_add(db, w, r, record, &rep) == 0 ? DB_OK : rep.status == 409 ? DB_OK : DB_ERR;
    json_decref(rep.json);
    return rc;
}

/* A community's posts: about one per five in-service members reported there,
 * a month back to a month ahead; claims by those members; attendance for the
 * slots past. */
static int demo_posts(db_t *db, const write_ctx_t *w, int64_t org, json_t *members, int64_t verifier)
{
    size_t nm = json_array_size(members);
    int n = 1 + (int)(nm / 5);
    if (n > 20)
        n = 20;
    int rc = DB_OK;
    for (int i = 0; rc == DB_OK && i < n; i++) {
        int k = (int)claims_below(8);
        int ahead = (int)claims_below(60) - 30;
        char on[16];
        demo_day(w->now, ahead, on);
        int64_t start = claims_below(2) ? 540 : 840, capacity = 2 + claims_below(5), post = 0;
        int64_t taken = (int64_t)claims_below(capacity + 1);
        if ((size_t)taken > nm)
            taken = (int64_t)nm;
        rc = db_one_int(db, &post,
                        "INSERT INTO service_post (org_id, category, title, served_on, start_min, end_min, capacity,"
                        " claimed, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                        "itttiiiiii", org, post_categories[k], demo_post_titles[k], on,
                        start, start + 120, capacity, taken, w->now, w->now);
        size_t first = nm ? (size_t)claims_below((int64_t)nm) : 0;
        for (int64_t c = 0; rc == DB_OK && c < taken; c++) {
            int64_t person = json_integer_value(json_array_get(members, (first + (size_t)c) % nm)), claim = 0;
            int past = ahead < 0, attended = past && claims_below(10) < 8;
            rc = db_one_int(db, &claim,
                            "INSERT INTO post_claim (post_id, person_id, state, claimed_at, ended_at) VALUES (?, ?, ?, ?, ?)"
                            " RETURNING id",
                            "iitiI", post, person, past ? (attended ? "attended" : "absent") : "claimed",
                            w->now + (int64_t)(ahead - 7) * 86400, past ? w->now + (int64_t)ahead * 86400 : 0);
            if (rc == DB_OK && attended) {
                service_add_t r = {org, person, on, (int)start, (int)start + 120, demo_post_titles[k], "post", claim,
                                   verifier};
                int64_t record = 0;
                rc = demo_record(db, w, &r, &record);
                if (rc == DB_OK && record)
                    rc = db_exec(db, NULL, "UPDATE post_claim SET record_id = ? WHERE id = ?", "ii", record, claim);
            }
        }
    }
    return rc;
}

/* One demo wish for household hh (beneficiary person) at org in state s, with
 * the events and claim that brought it there. */
static int demo_wish(db_t *db, const write_ctx_t *w, int64_t org, int64_t community, int64_t hh, int64_t person,
                     wish_state_t s, json_t *members, int64_t verifier)
{
    size_t nm = json_array_size(members);
    if (s >= WS_CLAIMED && s <= WS_ARCHIVED && nm == 0)
        s = WS_PUBLISHED; /* nobody to claim it */
    int age = 5 + (int)claims_below(60); /* days since it was posted */
    int64_t posted = w->now - (int64_t)age * 86400, published = posted + 2 * 86400, id = 0, claimant = 0, claim = 0;
    char fulfilled[16] = "";
    int fulfil_after = 1 + (int)claims_below(age > 4 ? age - 3 : 1);
    if (s >= WS_FULFILLED && s <= WS_ARCHIVED)
        demo_day(w->now, -(age - 2 - fulfil_after < 0 ? 0 : age - 2 - fulfil_after), fulfilled);
    int k = (int)claims_below(8);
    int rc = db_one_int(db, &id,
                        "INSERT INTO wish (org_id, household_id, beneficiary_id, kind, value_fen, content, state, by_staff,"
                        " cancel_reason, published_at, fulfilled_on, start_min, end_min, confirmed_at, confirmed_for,"
                        " created_at, updated_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                        " RETURNING id",
                        "iiitittitItIIIiiii", org, hh, person,
                        wish_kinds[k % 4 == 3], (int64_t)(2000 + 500 * claims_below(60)), demo_wish_texts[k],
                        wish_state_name(s), (int64_t)(claims_below(2)), s == WS_CANCELLED ? "已由亲属解决" : NULL,
                        s >= WS_PUBLISHED && s != WS_CANCELLED ? published : 0, fulfilled[0] ? fulfilled : NULL,
                        (int64_t)(fulfilled[0] ? 1140 : 0), (int64_t)(fulfilled[0] ? 1200 : 0),
                        s >= WS_CONFIRMED && s != WS_CANCELLED ? w->now - 86400 : 0, (int64_t)(claims_below(3) == 0),
                        posted, w->now, (int64_t)(1 + s));
    /* The events of its way here. */
    static const wish_action_t path[] = {WA_SUBMIT, WA_PUBLISH, WA_CLAIM, WA_FULFIL, WA_CONFIRM, WA_ARCHIVE};
    wish_state_t at = WS_COLLECTING;
    for (size_t i = 0; rc == DB_OK && at != s && i < sizeof path / sizeof path[0]; i++) {
        wish_action_t a = s == WS_CANCELLED ? WA_CANCEL : path[i];
        wish_state_t to = wish_next(at, a);
        rc = db_exec(db, NULL,
                     "INSERT INTO wish_event (wish_id, action, from_state, to_state, reason, at) VALUES (?, ?, ?, ?, ?, ?)",
                     "ittttI", id, wish_action_name(a), wish_state_name(at), wish_state_name(to),
                     a == WA_CANCEL ? "已由亲属解决" : NULL, posted + (int64_t)i * 86400);
        at = to;
    }
    if (rc != DB_OK || s < WS_CLAIMED || s == WS_CANCELLED)
        return rc;
    claimant = json_integer_value(json_array_get(members, (size_t)claims_below((int64_t)nm)));
    rc = db_one_int(db, &claim,
                    "INSERT INTO wish_claim (wish_id, person_id, state, claimed_at) VALUES (?, ?, ?, ?) RETURNING id", "iiti",
                    id, claimant, s == WS_CLAIMED ? "live" : "done", w->now - 86400 * (s == WS_CLAIMED ? 2 : age - 3));
    int64_t record = 0;
    if (rc == DB_OK && s >= WS_CONFIRMED) {
        service_add_t r = {community, claimant, fulfilled, 1140, 1200, "微心愿", "wish", id, verifier};
        rc = demo_record(db, w, &r, &record);
    }
    if (rc == DB_OK)
        rc = db_exec(db, NULL, "UPDATE wish SET claim_id = ?, record_id = ? WHERE id = ?", "iIi", claim, record, id);
    return rc;
}

int claims_demo(db_t *db, const write_ctx_t *w, unsigned long long seed)
{
    claims_rng = seed * 0x9E3779B97F4A7C15ull + 29;
    int64_t verifier = 0;
    int rc = db_one_int(db, &verifier, "SELECT MIN(id) FROM app_user", "");
    json_t *communities = rc == DB_OK ? db_rows_json(db,
                                                     "SELECT id, path, (SELECT COUNT(*) FROM household h JOIN org g"
                                                     " ON g.id = h.org_id WHERE g.path >= o.path AND g.path < o.path || '~')"
                                                     " AS households FROM org o WHERE o.level = 'community' ORDER BY o.id",
                                                     "")
                                      : NULL;
    if (communities == NULL)
        return DB_ERR;
    size_t i;
    json_t *c;
    int turn = 0;
    json_array_foreach(communities, i, c) {
        int64_t org = json_integer_value(json_object_get(c, "id"));
        int64_t households = json_integer_value(json_object_get(c, "households"));
        json_t *rows = db_rows_json(db,
                                    "SELECT person_id FROM party_member WHERE in_service = 1 AND registered_org_id = ?"
                                    " ORDER BY person_id",
                                    "i", org);
        json_t *members = json_array();
        size_t j;
        json_t *r;
        json_array_foreach(rows, j, r)
            json_array_append_new(members, json_integer(json_integer_value(json_object_get(r, "person_id"))));
        json_decref(rows);
        if (json_array_size(members) > 0)
            rc = demo_posts(db, w, org, members, verifier);
        /* Wishes: about one per 200 households, at most 6, each of another household. */
        int64_t n = households ? 1 + households / 200 : 0;
        if (n > 6)
            n = 6;
        json_t *hhs = n ? db_rows_json(db,
                                       "SELECT h.id, h.org_id, (SELECT MIN(p.id) FROM person p WHERE p.household_id = h.id)"
                                       " AS person FROM household h JOIN org g ON g.id = h.org_id"
                                       " WHERE g.path >= ? AND g.path < ? || '~' ORDER BY h.id LIMIT ?",
                                       "tti", json_string_value(json_object_get(c, "path")),
                                       json_string_value(json_object_get(c, "path")), n * 7)
                        : json_array();
        for (int64_t x = 0; rc == DB_OK && hhs && x < n && (size_t)(x * 7) < json_array_size(hhs); x++) {
            json_t *h = json_array_get(hhs, (size_t)(x * 7));
            if (json_integer_value(json_object_get(h, "person")) == 0)
                continue;
            rc = demo_wish(db, w, json_integer_value(json_object_get(h, "org_id")), org,
                           json_integer_value(json_object_get(h, "id")), json_integer_value(json_object_get(h, "person")),
                           demo_states[turn++ % DEMO_NSTATES], members, verifier);
        }
        json_decref(hhs);
        json_decref(members);
        if (rc != DB_OK)
            break;
    }
    json_decref(communities);
    return rc;
}
