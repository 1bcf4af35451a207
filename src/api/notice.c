/* 调度通报: notices sent down the tree with receipts (docs/notices.md).
 *
 * An org issues a notice (kind, title, 文号, body, optional reply deadline) to
 * the nodes of chosen levels in a target's subtree; the same write makes one
 * receipt per recipient org. A receipt records the first read (the first user
 * of that org who opens it), the reply and the reminders. Who sees what:
 * - the issuer's side: staff over the issuing org (PERM_STATS_READ covering
 *   it) see the notice and every receipt; org.write there reminds;
 * - a recipient: a user holding a grant at a recipient org (the grant's own
 *   node, not one above it) sees the notice and that org's receipt only;
 *   opening it marks the receipt read (when the grant may change anything:
 *   an auditor reads without a trace), org.write there replies.
 * Anyone else: 404, as for a missing notice. */
#include "api/handlers.h"
#include "api/internal.h"
#include "api/list.h"
#include "api/op.h"
#include "api/pdf.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>


#include "core/path.h"
#include "core/role.h"
#include "core/timefmt.h"
#include "lib/util.h"

const char *const notice_kinds[] = {"dispatch", "commendation", "criticism", "work_tip", NULL};
const char *const notice_boxes[] = {"issued", "received", NULL};
const char *const notice_receipt_states[] = {"unread", "unreplied", "overdue", "replied", NULL};
static const char *const remind_whom[] = {"unread", "unreplied", NULL};

/* The permissions that make a grant a working one: its holder's opening marks a receipt read. */
#define WORKING_PERMS (PERM_ORG_WRITE | PERM_PEOPLE_WRITE | PERM_CASE_WRITE)

/* ---------------------------------------------------------------- whose orgs */

/* The caller's orgs as a recipient: up to 32 org ids (the grants at a node that
 * carry perm), the rest 0 (no org has id 0), bound to RECIPIENT_ORGS. */
#define RECIPIENT_ORGS "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
#define NORGS 32
static int recipient_orgs(const principal_t *who, uint32_t perm, uint32_t also, db_val_t vals[NORGS])
{
    int n = 0;
    for (int i = 0; i < NORGS; i++)
        vals[i] = (db_val_t){.type = 'i', .i = 0};
    for (int i = 0; who && i < who->ngrants && n < NORGS; i++) {
        const grant_t *g = &who->grants[i];
        if (g->org_id > 0 && g->unit_id <= 0 && (g->perms & perm) && (also == 0 || (g->perms & also)))
            vals[n++].i = g->org_id;
    }
    return n;
}

/* The same as ids: how many, into orgs. Each receipt of a notice is then found by its
 * (notice, org) key, the unique index, whatever the planner thinks of an IN list. */
static int recipient_ids(const principal_t *who, uint32_t perm, uint32_t also, int64_t orgs[NORGS])
{
    db_val_t vals[NORGS];
    int n = recipient_orgs(who, perm, also, vals);
    for (int i = 0; i < n; i++)
        orgs[i] = vals[i].i;
    return n;
}

/* The rows sql (two parameters: the notice id, an org id) gives for each of the n orgs, in
 * their order: a new array, or NULL on an error. */
static json_t *rows_per_org(db_t *db, const char *sql, int64_t id, const int64_t *orgs, int n)
{
    json_t *items = json_array();
    for (int k = 0; items && k < n; k++) {
        json_t *rows = db_rows_json(db, sql, "ii", id, orgs[k]);
        if (rows == NULL) {
            json_decref(items);
            items = NULL;
        } else
            json_array_extend(items, rows);
        json_decref(rows);
    }
    return items;
}

/* The issuing org's path; DB_OK, DB_NOTFOUND or an error. */
static int notice_issuer(db_t *db, int64_t id, int64_t *org, char *path, size_t cap)
{
    db_stmt_t *st = db_q(db, "SELECT n.org_id, o.path FROM notice n JOIN org o ON o.id = n.org_id WHERE n.id = ?", "i", id);
    if (st == NULL)
        return DB_ERR;
    int rc = db_step(st);
    if (rc == DB_ROW) {
        *org = db_col_int(st, 0);
        str_copy(path, cap, db_col_text(st, 1));
    }
    db_done(st);
    return rc == DB_ROW ? DB_OK : rc == DB_DONE ? DB_NOTFOUND : rc;
}

/* How the caller sees notice id: 2 the issuer's side, 1 a recipient, 0 not at all (or missing); -1 an error. */
static int notice_sight(db_t *db, const principal_t *who, int64_t id, int64_t *org)
{
    char path[ACCESS_PATH_MAX];
    int rc = notice_issuer(db, id, org, path, sizeof path);
    if (rc == DB_NOTFOUND)
        return 0;
    if (rc != DB_OK)
        return -1;
    if (access_covers(who, PERM_STATS_READ, path))
        return 2;
    int64_t orgs[NORGS], one = 0;
    int n = recipient_ids(who, PERM_STATS_READ, 0, orgs);
    for (int i = 0; i < n; i++) {
        rc = db_one_int(db, &one, "SELECT 1 FROM notice_receipt WHERE notice_id = ? AND org_id = ?", "ii", id, orgs[i]);
        if (rc == DB_OK)
            return 1;
        if (rc != DB_NOTFOUND)
            return -1;
    }
    return 0;
}

static int notice_scope(db_t *db, const principal_t *who, int64_t id, int64_t *org)
{
    int s = notice_sight(db, who, id, org);
    return s > 0 ? DB_OK : s == 0 ? DB_NOTFOUND : DB_ERR;
}

static const entity_t notice_entity = {"notice", NULL, notice_scope};

/* ---------------------------------------------------------------- answers */

#define NOTICE_COLUMNS                                                                                                 \
    "SELECT n.id, n.org_id, o.name AS org_name, o.level AS org_level, n.kind, n.title, n.doc_no, n.body,"           \
    " n.target_org_id, t.name AS target_org_name, n.levels, n.reply_due_at, n.recipients, n.created_at,"           \
    " u.display_name AS created_by_name, n.version"
#define NOTICE_FROM                                                                                                    \
    " FROM notice n JOIN org o ON o.id = n.org_id JOIN org t ON t.id = n.target_org_id"                            \
    " LEFT JOIN app_user u ON u.id = n.created_by"
#define RECEIPT_COLUMNS                                                                                                \
    "SELECT r.id, r.notice_id, r.org_id, ro.name AS org_name, ro.level AS org_level, r.delivered_at, r.read_at,"    \
    " ru.display_name AS read_by_name, r.reply, r.replied_at, pu.display_name AS replied_by_name, r.reminded_at,"   \
    " r.reminders"
#define RECEIPT_FROM                                                                                                   \
    " FROM notice_receipt r JOIN org ro ON ro.id = r.org_id LEFT JOIN app_user ru ON ru.id = r.read_by"             \
    " LEFT JOIN app_user pu ON pu.id = r.replied_by"

/* A notice's levels as a list; a receipt's overdue and late (reply_due_at: the notice's, 0 if none). */
static void notice_finish(json_t *n)
{
    const char *levels = json_string_value(json_object_get(n, "levels"));
    json_t *list = json_array();
    while (levels && *levels) {
        const char *comma = strchr(levels, ',');
        size_t len = comma ? (size_t)(comma - levels) : strlen(levels);
        json_array_append_new(list, json_stringn(levels, len));
        levels += len + (comma != NULL);
    }
    json_object_set_new(n, "levels", list);
}

static void receipt_finish(json_t *r, int64_t due, int64_t now)
{
    int64_t replied = 0;
    const char *at = json_string_value(json_object_get(r, "replied_at"));
    if (at)
        time_parse_rfc3339(at, &replied);
    json_object_set_new(r, "overdue", json_boolean(due > 0 && at == NULL && now > due));
    json_object_set_new(r, "late", json_boolean(due > 0 && at != NULL && replied > due));
}

/* A received receipt, its notice's reply_due_at in the row: overdue and late. */
static void received_row(json_t *r, void *now)
{
    int64_t due = 0;
    const char *d = json_string_value(json_object_get(r, "reply_due_at"));
    if (d)
        time_parse_rfc3339(d, &due);
    receipt_finish(r, due, *(const int64_t *)now);
}

static int64_t notice_due(db_t *db, int64_t id)
{
    int64_t due = 0;
    db_one_int(db, &due, "SELECT COALESCE(reply_due_at, 0) FROM notice WHERE id = ?", "i", id);
    return due;
}

/* The counts of a notice's receipts: {recipients, read, unread, replied, unreplied, overdue}. */
static json_t *notice_counts(db_t *db, int64_t id, int64_t now)
{
    json_t *c = db_row_one_json(db,
                                "SELECT COUNT(*) AS recipients, COUNT(r.read_at) AS read,"
                                " COUNT(*) - COUNT(r.read_at) AS unread, COUNT(r.replied_at) AS replied,"
                                " SUM(CASE WHEN n.reply_due_at IS NOT NULL AND r.replied_at IS NULL THEN 1 ELSE 0 END)"
                                " AS unreplied,"
                                " SUM(CASE WHEN n.reply_due_at < ? AND r.replied_at IS NULL THEN 1 ELSE 0 END) AS overdue"
                                " FROM notice_receipt r JOIN notice n ON n.id = r.notice_id WHERE r.notice_id = ?",
                                "ii", now, id);
    const char *keys[] = {"unreplied", "overdue"};
    for (int i = 0; c && i < 2; i++)
        if (json_is_null(json_object_get(c, keys[i])))
            json_object_set_new(c, keys[i], json_integer(0));
    return c;
}

/* The caller's own receipts of notice id (as a recipient). */
static json_t *my_receipts(db_t *db, const principal_t *who, int64_t id, int64_t now)
{
    int64_t orgs[NORGS];
    int n = recipient_ids(who, PERM_STATS_READ, 0, orgs);
    json_t *items = rows_per_org(db, RECEIPT_COLUMNS RECEIPT_FROM " WHERE r.notice_id = ? AND r.org_id = ?", id, orgs, n);
    int64_t due = notice_due(db, id);
    size_t i;
    json_t *r;
    json_array_foreach(items, i, r) receipt_finish(r, due, now);
    return items;
}

/* 1 if who, seeing a notice from the issuer's side (sight 2) issued by org, is
 * the issuer's staff: reminds the recipients, adds and removes its files. */
static int issuer_staff(db_t *db, const principal_t *who, int sight, int64_t org)
{
    return sight == 2 && access_org(db, who, PERM_ORG_WRITE, org, NULL, 0) == DB_OK;
}

/* The notice as the caller sees it: with the counts on the issuer's side, and the caller's receipts. */
static json_t *notice_json(db_t *db, const principal_t *who, int64_t id, int sight, int64_t now)
{
    json_t *n = db_row_one_json(db, NOTICE_COLUMNS NOTICE_FROM " WHERE n.id = ?", "i", id);
    if (n == NULL)
        return NULL;
    notice_finish(n);
    json_object_set_new(n, "issuer_view", json_boolean(sight == 2));
    json_int_t org = json_integer_value(json_object_get(n, "org_id"));
    json_object_set_new(n, "issuer_staff", json_boolean(issuer_staff(db, who, sight, org)));
    json_object_set_new(n, "counts", sight == 2 ? notice_counts(db, id, now) : json_null());
    json_t *mine = my_receipts(db, who, id, now);
    json_object_set_new(n, "my_receipts", mine ? mine : json_array());
    return n;
}

/* In a write: how the caller sees notice w->id (1 or 2, *org its issuer), or -1 with rep set (404). */
static int write_sight(db_t *db, const write_ctx_t *w, int64_t *org, api_reply_t *rep)
{
    int sight = notice_sight(db, &w->who, w->id, org);
    if (sight <= 0)
        return api_db_error(rep, w->lang, sight < 0 ? DB_ERR : DB_NOTFOUND, "notice");
    return sight;
}

/* A write's answer: the notice as the caller now sees it, with more merged in (NULL: nothing). */
static int write_answer(db_t *db, const write_ctx_t *w, int sight, json_t *more, api_reply_t *rep)
{
    json_t *out = notice_json(db, &w->who, w->id, sight, w->now);
    if (out && more)
        json_object_update(out, more);
    json_decref(more);
    api_json(rep, 200, out);
    return rep->json ? 0 : api_db_error(rep, w->lang, DB_ERR, NULL);
}

/* ---------------------------------------------------------------- issue */

/* A notice, as validated (typed input, api.h). */
typedef struct {
    uint64_t given;
    int64_t org_id;
    const char *kind;
    const char *title;
    const char *doc_no;
    const char *body;
    int64_t target_org_id;
    const char *levels; /* F_LIST: read from the body */
    const char *reply_due;
} notice_in_t;

static const field_t create_fields[] = {
    IN(notice_in_t, org_id, F_INT, 1, 1, INT64_MAX, NULL),
    IN(notice_in_t, kind, F_ENUM, 1, 0, 0, notice_kinds),
    IN(notice_in_t, title, F_NAME, 1, 1, 100, NULL),
    IN(notice_in_t, doc_no, F_NAME, 0, 1, 50, NULL),
    IN(notice_in_t, body, F_BLOCK, 1, 1, 20000, NULL),
    IN(notice_in_t, target_org_id, F_INT, 1, 1, INT64_MAX, NULL),
    {"levels", F_LIST, 1, 1, 6, NULL, 0},
    IN(notice_in_t, reply_due, F_TEXT, 0, 10, 40, NULL),
    FIELDS_END,
};

/* The levels named, as up to 6 distinct known level names; 0, or -1 if one is not a level or repeats. */
static int levels_of(const json_t *list, const char *out[6], int *n)
{
    size_t i;
    json_t *x;
    *n = 0;
    json_array_foreach(list, i, x) {
        const char *v = json_string_value(x);
        int known = 0;
        for (int k = 0; org_levels[k]; k++)
            known |= strcmp(org_levels[k], v) == 0;
        for (int k = 0; k < *n; k++)
            known &= strcmp(out[k], v) != 0;
        if (!known || *n >= 6)
            return -1;
        out[(*n)++] = v;
    }
    return *n > 0 ? 0 : -1;
}

/* Write notice in (issued at time at, due 0 for no reply asked) and its receipts: every node
 * of the levels lv in target's subtree but the issuer, in one statement. *id the notice,
 * *n its receipts. A DB_* code. */
static int notice_insert(db_t *db, const write_ctx_t *w, const notice_in_t *in, const char *target,
                         const char *const lv[6], int64_t due, int64_t at, int64_t *id, int64_t *n)
{
    char levels[64] = "", hi[ACCESS_PATH_MAX];
    for (int i = 0, len = 0; i < 6 && lv[i]; i++)
        len += snprintf(levels + len, sizeof levels - (size_t)len, "%s%s", i ? "," : "", lv[i]);
    path_subtree_upper(hi, sizeof hi, target);
    int rc = db_one_int(db, id,
                        "INSERT INTO notice (org_id, kind, title, doc_no, body, target_org_id, levels, reply_due_at,"
                        " recipients, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)"
                        " RETURNING id",
                        "ittttitIIii", in->org_id, in->kind, in->title, in->doc_no, in->body, in->target_org_id,
                        levels, due, w->who.user_id, at, at);
    if (rc == DB_OK)
        rc = db_exec(db, n,
                     "INSERT INTO notice_receipt (notice_id, org_id, delivered_at)"
                     " SELECT ?, o.id, ? FROM org o WHERE o.path >= ? AND o.path < ? AND o.id <> ?"
                     " AND o.level IN (?, ?, ?, ?, ?, ?) ORDER BY o.id",
                     "iittitttttt", *id, at, target, hi, in->org_id, lv[0], lv[1], lv[2], lv[3], lv[4], lv[5]);
    if (rc == DB_OK && *n > 0)
        rc = db_exec(db, NULL, "UPDATE notice SET recipients = ? WHERE id = ?", "ii", *n, *id);
    if (rc == DB_OK && *n > 0)
        rc = audit_append_new(db, w, "notice.issued", "notice", *id, in->org_id,
                              json_pack("{s:s, s:I, s:s, s:I}", "kind", in->kind, "target_org_id",
                                        (json_int_t)in->target_org_id, "levels", levels, "recipients", (json_int_t)*n));
    return rc;
}

static int create_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    notice_in_t in = {0};
    api_input_fill(create_fields, data, &in);
    char issuer[ACCESS_PATH_MAX], target[ACCESS_PATH_MAX];
    if (api_org_input(db, w, PERM_ORG_WRITE, in.org_id, "org_id", rep) != 0)
        return -1;
    int rc = org_brief(db, in.org_id, issuer, sizeof issuer, NULL, 0);
    if (rc == DB_OK)
        rc = org_brief(db, in.target_org_id, target, sizeof target, NULL, 0);
    if (rc == DB_NOTFOUND || (rc == DB_OK && !path_is_within(target, issuer)))
        return api_fail(rep, w->lang, E_NOTICE_TARGET_OUTSIDE, "target_org_id");
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    const char *lv[6] = {NULL};
    int nlv = 0;
    levels_of(json_object_get(data, "levels"), lv, &nlv);
    int64_t due = 0, id = 0, n = 0;
    if (in.reply_due)
        time_parse_rfc3339(in.reply_due, &due);
    rc = notice_insert(db, w, &in, target, lv, due, w->now, &id, &n);
    if (rc == DB_OK && n == 0)
        return api_fail(rep, w->lang, E_NOTICE_NO_RECIPIENTS, "levels");
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    api_json(rep, 201, notice_json(db, &w->who, id, 2, w->now));
    return rep->json ? 0 : api_db_error(rep, w->lang, DB_ERR, NULL);
}

static int notice_create(api_req_t *req, api_reply_t *rep)
{
    const char *lv[6];
    int n;
    if (levels_of(json_object_get(req->body, "levels"), lv, &n) != 0)
        return api_fail(rep, req->lang, E_NOTICE_LEVELS_INVALID, "levels");
    const char *due = json_string_value(json_object_get(req->body, "reply_due"));
    int64_t t = 0;
    if (due && (time_parse_rfc3339(due, &t) != 0 || t <= clock_now()))
        return api_fail(rep, req->lang, E_NOTICE_DUE_NOT_FUTURE, "reply_due");
    json_t *data = req->body;
    req->body = NULL;
    return api_defer_kept(req, create_write, data);
}

/* ---------------------------------------------------------------- read, reply, remind */

/* What a read's answer needs on the loop thread. */
typedef struct {
    principal_t who;
    int64_t id, now;
    char lang[8];
} read_answer_t;

/* The notice as the reader now sees it, built on the request's loop thread after the
 * commit (the writer, everyone's bottleneck, only marks the receipts). */
static void read_after_commit(db_t *db, api_reply_t *rep)
{
    const read_answer_t *a = rep->after_data;
    int64_t org = 0;
    int sight = notice_sight(db, &a->who, a->id, &org);
    json_t *n = sight > 0 ? notice_json(db, &a->who, a->id, sight, a->now) : NULL;
    json_decref(rep->json);
    rep->json = NULL;
    if (n)
        api_json(rep, 200, n);
    else
        api_db_error(rep, a->lang, sight == 0 ? DB_NOTFOUND : DB_ERR, "notice");
}

/* POST /notices/{id}/read: the caller's orgs' receipts not read yet are read now, by the
 * caller. Only the caller's own orgs' receipts are touched, so no other check is needed
 * here (the dispatcher checked the notice's sight). */
static int read_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    (void)data;
    int64_t orgs[NORGS];
    int n = recipient_ids(&w->who, PERM_STATS_READ, WORKING_PERMS, orgs), rc = DB_OK;
    for (int i = 0; rc == DB_OK && i < n; i++)
        rc = db_exec(db, NULL,
                     "UPDATE notice_receipt SET read_at = ?, read_by = ? WHERE notice_id = ? AND org_id = ?"
                     " AND read_at IS NULL",
                     "iiii", w->now, w->who.user_id, w->id, orgs[i]);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    read_answer_t *a = xmalloc(sizeof *a);
    a->who = w->who;
    a->id = w->id;
    a->now = w->now;
    str_copy(a->lang, sizeof a->lang, w->lang);
    api_json(rep, 200, json_object());
    rep->after_data = a;
    rep->after_commit = read_after_commit;
    return 0;
}

static int notice_read(api_req_t *req, api_reply_t *rep)
{
    (void)rep;
    return api_defer_kept(req, read_write, NULL);
}

typedef struct {
    uint64_t given;
    const char *text;
    int64_t org_id;
} reply_in_t;

static const field_t reply_fields[] = {
    IN(reply_in_t, text, F_BLOCK, 1, 1, 5000, NULL),
    IN(reply_in_t, org_id, F_INT, 0, 1, INT64_MAX, NULL),
    FIELDS_END,
};

/* POST /notices/{id}/reply: the reply of one of the caller's orgs (org_id, needed when several
 * of them received it); read by then too. Once per receipt. */
static int reply_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    reply_in_t in = {0};
    api_input_fill(reply_fields, data, &in);
    int64_t org = 0, id = w->id;
    int sight = write_sight(db, w, &org, rep);
    if (sight < 0)
        return -1;
    int64_t orgs[NORGS];
    int norgs = recipient_ids(&w->who, PERM_ORG_WRITE, 0, orgs);
    json_t *rows = rows_per_org(db, "SELECT id, org_id, replied_at FROM notice_receipt WHERE notice_id = ? AND org_id = ?",
                                id, orgs, norgs);
    if (rows == NULL)
        return api_db_error(rep, w->lang, DB_ERR, NULL);
    json_t *mine = NULL;
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) {
        if (!IN_GIVEN(&in, reply_fields, 1) || json_integer_value(json_object_get(r, "org_id")) == in.org_id)
            mine = r;
    }
    int several = json_array_size(rows) > 1 && !IN_GIVEN(&in, reply_fields, 1);
    int replied = mine && !json_is_null(json_object_get(mine, "replied_at"));
    int64_t receipt = mine ? json_integer_value(json_object_get(mine, "id")) : 0;
    json_decref(rows);
    if (several)
        return api_fail(rep, w->lang, E_NOTICE_REPLY_ORG_REQUIRED, "org_id");
    if (receipt == 0)
        return api_fail(rep, w->lang, IN_GIVEN(&in, reply_fields, 1) ? E_NOTICE_REPLY_ORG_NOT_RECIPIENT
                                                                    : E_NOTICE_REPLY_FORBIDDEN,
                        IN_GIVEN(&in, reply_fields, 1) ? "org_id" : NULL);
    if (replied)
        return api_fail(rep, w->lang, E_NOTICE_ALREADY_REPLIED, NULL);
    int rc = db_exec(db, NULL,
                     "UPDATE notice_receipt SET reply = ?, replied_at = ?, replied_by = ?,"
                     " read_at = COALESCE(read_at, ?), read_by = COALESCE(read_by, ?) WHERE id = ?",
                     "tiiiii", in.text, w->now, w->who.user_id, w->now, w->who.user_id, receipt);
    int64_t at = 0;
    if (rc == DB_OK)
        rc = db_one_int(db, &at, "SELECT org_id FROM notice_receipt WHERE id = ?", "i", receipt);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "notice.replied", "notice", id, at,
                              json_pack("{s:I, s:I}", "receipt_id", (json_int_t)receipt, "org_id", (json_int_t)at));
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    return write_answer(db, w, sight, NULL, rep);
}

static int notice_reply(api_req_t *req, api_reply_t *rep)
{
    (void)rep;
    json_t *data = req->body;
    req->body = NULL;
    return api_defer_kept(req, reply_write, data);
}

typedef struct {
    uint64_t given;
    const char *whom;
} remind_in_t;

static const field_t remind_fields[] = {
    IN(remind_in_t, whom, F_ENUM, 0, 0, 0, remind_whom),
    FIELDS_END,
};

/* POST /notices/{id}/remind: the issuer reminds the recipients that have not read it
 * (whom = unread) or not replied (unreplied; the default when a reply is asked for). */
static int remind_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    remind_in_t in = {0};
    api_input_fill(remind_fields, data, &in);
    int64_t org = 0, id = w->id;
    int sight = write_sight(db, w, &org, rep);
    if (sight < 0)
        return -1;
    if (!issuer_staff(db, &w->who, sight, org))
        return api_fail(rep, w->lang, E_NOTICE_REMIND_FORBIDDEN, NULL);
    int64_t due = notice_due(db, id), n = 0;
    int unreplied = in.whom ? strcmp(in.whom, "unreplied") == 0 : due > 0;
    int rc = db_exec(db, &n,
                     "UPDATE notice_receipt SET reminded_at = ?, reminders = reminders + 1 WHERE notice_id = ?"
                     " AND (CASE WHEN ? = 1 THEN replied_at IS NULL ELSE read_at IS NULL END)",
                     "iii", w->now, id, (int64_t)unreplied);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "notice.reminded", "notice", id, org,
                              json_pack("{s:s, s:I}", "whom", unreplied ? "unreplied" : "unread", "reminded",
                                        (json_int_t)n));
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    return write_answer(db, w, sight, json_pack("{s:I}", "reminded", (json_int_t)n), rep);
}

static int notice_remind(api_req_t *req, api_reply_t *rep)
{
    (void)rep;
    json_t *data = req->body ? req->body : json_object();
    req->body = NULL;
    return api_defer_kept(req, remind_write, data);
}

/* ---------------------------------------------------------------- reads */

static int notice_get(api_req_t *req, api_reply_t *rep)
{
    int64_t org = 0;
    int sight = notice_sight(req->db, req->who, req->params[0], &org);
    json_t *n = sight > 0 ? notice_json(req->db, req->who, req->params[0], sight, clock_now()) : NULL;
    if (n == NULL)
        return api_db_error(rep, req->lang, sight < 0 || sight > 0 ? DB_ERR : DB_NOTFOUND, "notice");
    return api_json(rep, 200, n);
}

/* Receipts of one notice: overdue and late against its reply date. */
typedef struct {
    int64_t due, now;
} receipt_ctx_t;

static void receipt_row(json_t *r, void *ctx)
{
    const receipt_ctx_t *c = ctx;
    receipt_finish(r, c->due, c->now);
}

/* GET /notices/{id}/receipts: the issuer's side only; ?state= unread, unreplied, overdue or replied; by org id. */
static int notice_receipts(api_req_t *req, api_reply_t *rep)
{
    int64_t org = 0, id = req->params[0];
    int sight = notice_sight(req->db, req->who, id, &org);
    if (sight < 0)
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    if (sight != 2)
        return api_fail(rep, req->lang, E_NOTICE_RECEIPTS_FORBIDDEN, NULL);
    receipt_ctx_t ctx = {notice_due(req->db, id), clock_now()};
    api_list_t l;
    api_list_begin(&l, RECEIPT_COLUMNS, RECEIPT_FROM " JOIN notice n ON n.id = r.notice_id", "r.id", NULL);
    l.row = receipt_row;
    l.row_ctx = &ctx;
    api_list_where(&l, "r.notice_id = ?", "i", id);
    char *state = api_query(req, "state");
    if (state && strcmp(state, "unread") == 0)
        api_list_where(&l, "r.read_at IS NULL", "");
    else if (state && strcmp(state, "unreplied") == 0)
        api_list_where(&l, "n.reply_due_at IS NOT NULL AND r.replied_at IS NULL", "");
    else if (state && strcmp(state, "overdue") == 0)
        api_list_where(&l, "n.reply_due_at < ? AND r.replied_at IS NULL", "i", ctx.now);
    else if (state && strcmp(state, "replied") == 0)
        api_list_where(&l, "r.replied_at IS NOT NULL", "");
    free(state);
    return api_list_answer(req, rep, &l);
}

/* An issued notice in a list: its levels a list, its body left for the notice's page. */
static void issued_row(json_t *n, void *ctx)
{
    (void)ctx;
    notice_finish(n);
    json_object_del(n, "body");
}

/* GET /notices: ?box=issued (default): the notices issued in the caller's subtree (?org=
 * narrows it), newest first, with their counts; ?box=received: the caller's orgs' receipts
 * with their notices, newest first. ?kind= narrows either. */
static int notice_list(api_req_t *req, api_reply_t *rep)
{
    int64_t org = 0, now = clock_now();
    api_query_int(req, "org", 0, 1, INT64_MAX, &org);
    char *box = api_query(req, "box");
    int received = box && strcmp(box, "received") == 0;
    free(box);
    api_list_t l;
    if (received) {
        db_val_t vals[NORGS];
        recipient_orgs(req->who, PERM_STATS_READ, 0, vals);
        api_list_begin(&l,
                       "SELECT r.id, r.notice_id, n.kind, n.title, n.doc_no, n.org_id AS issuer_org_id,"
                       " o.name AS issuer_org_name, n.created_at, n.reply_due_at, r.org_id, ro.name AS org_name,"
                       " r.read_at, r.replied_at, r.reminded_at, r.reminders",
                       " FROM notice_receipt r JOIN notice n ON n.id = r.notice_id JOIN org o ON o.id = n.org_id"
                       " JOIN org ro ON ro.id = r.org_id",
                       "r.id", NULL);
        l.row = received_row;
        l.row_ctx = &now;
        api_list_wherev(&l, "r.org_id IN " RECIPIENT_ORGS, vals, NORGS);
    } else {
        char lo[ACCESS_PATH_MAX], hi[ACCESS_PATH_MAX];
        int rc = access_list_range(req->db, req->who, PERM_STATS_READ, org, lo, hi);
        if (rc != DB_OK)
            return api_db_error(rep, req->lang, rc, "org");
        api_list_begin(&l,
                       NOTICE_COLUMNS ","
                       " (SELECT COUNT(*) FROM notice_receipt r WHERE r.notice_id = n.id AND r.read_at IS NULL)"
                       " AS unread,"
                       " (SELECT COUNT(*) FROM notice_receipt r WHERE r.notice_id = n.id AND r.replied_at IS NOT NULL)"
                       " AS replied",
                       NOTICE_FROM, "n.id", NULL);
        l.row = issued_row;
        api_list_where(&l, "o.path >= ? AND o.path < ?", "tt", lo, hi);
    }
    l.newest_first = 1;
    char *kind = api_query(req, "kind");
    if (kind)
        api_list_where(&l, "n.kind = ?", "t", kind);
    free(kind);
    return api_list_answer(req, rep, &l);
}

/* The figures of the receipts of orgs in [lo, hi) (bound: now, lo, hi). */
#define RECEIPT_FIGURES                                                                                                \
    "SELECT COUNT(*) AS receipts, COUNT(*) - COUNT(r.read_at) AS unread,"                                              \
    " COALESCE(SUM(CASE WHEN n.reply_due_at IS NOT NULL AND r.replied_at IS NULL THEN 1 ELSE 0 END), 0) AS unreplied," \
    " COALESCE(SUM(CASE WHEN n.reply_due_at < ? AND r.replied_at IS NULL THEN 1 ELSE 0 END), 0) AS overdue"          \
    " FROM notice_receipt r JOIN notice n ON n.id = r.notice_id JOIN org o ON o.id = r.org_id"                       \
    " WHERE o.path >= ? AND o.path < ?"

/* The same of the notices issued in year (Asia/Shanghai), for the dashboard's
 * figures of a node and year. */
json_t *notice_figures_of(db_t *db, const principal_t *who, const char *lo, const char *hi, int64_t year,
                          const char *today)
{
    (void)who;
    (void)today;
    struct tm tm = {.tm_year = (int)year - 1900, .tm_mon = 0, .tm_mday = 1};
    int64_t from = (int64_t)timegm(&tm) - 8 * 3600;
    tm = (struct tm){.tm_year = (int)year + 1 - 1900, .tm_mon = 0, .tm_mday = 1};
    int64_t to = (int64_t)timegm(&tm) - 8 * 3600;
    return db_row_one_json(db, RECEIPT_FIGURES " AND n.created_at >= ? AND n.created_at < ?", "ittii",
                           (int64_t)clock_now(), lo, hi, from, to);
}

/* GET /notice-figures?org=: the receipts of the org's subtree (of notices issued anywhere):
 * how many, unread, unreplied (a reply asked for), overdue. Staff's figures. */
static int notice_figures(api_req_t *req, api_reply_t *rep)
{
    int64_t org = 0, now = clock_now();
    api_query_int(req, "org", 0, 1, INT64_MAX, &org);
    char lo[ACCESS_PATH_MAX], hi[ACCESS_PATH_MAX];
    int rc = access_list_range(req->db, req->who, PERM_STATS_READ, org, lo, hi);
    if (rc != DB_OK)
        return api_db_error(rep, req->lang, rc, "org");
    json_t *c = db_row_one_json(req->db, RECEIPT_FIGURES, "itt", now, lo, hi);
    if (c == NULL)
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    return api_json(rep, 200, c);
}

/* The inbox's part (case_inbox.c): the caller's orgs' receipts still waiting (unread, or a
 * reply asked for and not given), reminded first, then newest: {count, items} (the first 20). */
json_t *notice_inbox(db_t *db, const principal_t *who, int64_t now)
{
    db_val_t vals[NORGS];
    recipient_orgs(who, PERM_STATS_READ, 0, vals);
#define WAITING_FROM                                                                                                   \
    " FROM notice_receipt r JOIN notice n ON n.id = r.notice_id JOIN org o ON o.id = n.org_id"                       \
    " JOIN org ro ON ro.id = r.org_id WHERE r.org_id IN " RECIPIENT_ORGS                                             \
    " AND (r.read_at IS NULL OR (n.reply_due_at IS NOT NULL AND r.replied_at IS NULL))"
    json_t *items = db_rows_jsonv(db,
                                  "SELECT r.id, r.notice_id, n.kind, n.title, n.doc_no, n.org_id AS issuer_org_id, o.name AS issuer_org_name,"
                                  " n.created_at, n.reply_due_at, r.org_id, ro.name AS org_name, r.read_at,"
                                  " r.replied_at, r.reminded_at, r.reminders" WAITING_FROM
                                  " ORDER BY COALESCE(r.reminded_at, 0) DESC, r.id DESC LIMIT 20",
                                  vals, NORGS);
    db_stmt_t *st = items ? db_qv(db, "SELECT COUNT(*)" WAITING_FROM, vals, NORGS) : NULL;
    int64_t count = 0;
    if (st && db_step(st) == DB_ROW)
        count = db_col_int(st, 0);
    else {
        json_decref(items);
        items = NULL;
    }
    if (st)
        db_done(st);
    if (items == NULL)
        return NULL;
    size_t i;
    json_t *r;
    json_array_foreach(items, i, r) received_row(r, &now);
    return json_pack("{s:I, s:o}", "count", (json_int_t)count, "items", items);
}

/* ---------------------------------------------------------------- the PDF */

/* The notice as an official document on A4: the issuer's name in red, the 文号,
 * a red rule, the title, the body (each paragraph indented two characters), the
 * issuer and the date (Asia/Shanghai) at the end. New buffer in *out. */
static int notice_pdf_render(const json_t *n, strbuf_t *out)
{
    cairo_surface_t *s = pdf_surface_new(out);
    cairo_t *cr = cairo_create(s);
    const char *issuer = json_string_value(json_object_get(n, "org_name"));
    const char *doc_no = json_string_value(json_object_get(n, "doc_no"));
    double y = M_TOP;
    cairo_set_source_rgb(cr, 0.8, 0, 0);
    pdf_block(cr, "Noto Serif CJK SC Bold 26", issuer, PANGO_ALIGN_CENTER, &y, 12);
    cairo_set_source_rgb(cr, 0, 0, 0);
    if (doc_no)
        pdf_block(cr, "Noto Serif CJK SC 14", doc_no, PANGO_ALIGN_CENTER, &y, 6);
    cairo_set_source_rgb(cr, 0.8, 0, 0);
    cairo_set_line_width(cr, 1.5);
    cairo_move_to(cr, M_LEFT, y);
    cairo_line_to(cr, PAGE_W - M_RIGHT, y);
    cairo_stroke(cr);
    y += 24;
    cairo_set_source_rgb(cr, 0, 0, 0);
    pdf_block(cr, "Noto Serif CJK SC Bold 20", json_string_value(json_object_get(n, "title")), PANGO_ALIGN_CENTER,
              &y, 18);
    /* The body: each paragraph indented by two characters (16 pt each). */
    PangoLayout *l = pdf_layout(cr, "Noto Serif CJK SC 15", json_string_value(json_object_get(n, "body")),
                                PANGO_ALIGN_LEFT);
    pango_layout_set_indent(l, 30 * PANGO_SCALE);
    pango_layout_set_spacing(l, 8 * PANGO_SCALE);
    pdf_flow(cr, l, &y);
    g_object_unref(l);
    y += 36;
    char date[64] = "";
    int64_t t = 0;
    const char *at = json_string_value(json_object_get(n, "created_at"));
    if (at && time_parse_rfc3339(at, &t) == 0)
        pdf_date(date, sizeof date, t);
    char sign[512];
    snprintf(sign, sizeof sign, "%s\n%s", issuer ? issuer : "", date);
    /* The issuer and the date stay together: both on the next page when they do not fit. */
    PangoLayout *sl = pdf_layout(cr, "Noto Serif CJK SC 15", sign, PANGO_ALIGN_RIGHT);
    int sw, sh;
    pango_layout_get_size(sl, &sw, &sh);
    if (y + sh / (double)PANGO_SCALE > PAGE_H - M_BOTTOM) {
        cairo_show_page(cr);
        y = M_TOP;
    }
    pdf_flow(cr, sl, &y);
    g_object_unref(sl);
    return pdf_finish(cr, s);
}

/* GET /notices/{id}/pdf: the notice for print, to whoever sees it. */
static int notice_pdf(api_req_t *req, api_reply_t *rep)
{
    int64_t org = 0;
    int sight = notice_sight(req->db, req->who, req->params[0], &org);
    json_t *n = sight > 0 ? db_row_one_json(req->db, NOTICE_COLUMNS NOTICE_FROM " WHERE n.id = ?", "i", req->params[0])
                          : NULL;
    if (n == NULL)
        return api_db_error(rep, req->lang, sight == 0 ? DB_NOTFOUND : DB_ERR, "notice");
    char name[64];
    snprintf(name, sizeof name, "notice-%lld.pdf", (long long)req->params[0]);
    return pdf_reply(rep, req->lang, notice_pdf_render, n, name);
}

/* ---------------------------------------------------------------- the table */

static const field_t list_query[] = {
    {"org", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"box", F_ENUM, 0, 0, 0, notice_boxes, 0},
    {"kind", F_ENUM, 0, 0, 0, notice_kinds, 0},
    FIELDS_END,
};

static const field_t receipts_query[] = {
    {"state", F_ENUM, 0, 0, 0, notice_receipt_states, 0},
    FIELDS_END,
};

static const field_t figures_query[] = {
    {"org", F_INT, 0, 1, INT64_MAX, NULL, 0},
    FIELDS_END,
};

/* ---------------------------------------------------------------- files (attachment.c) */

/* A notice's own files: seen by whoever sees the notice; added by the issuer's
 * staff, removed by them until a recipient has read it. */
static int notice_files_writable(db_t *db, const principal_t *who, int64_t id, int removing)
{
    int64_t org = 0, read = 0;
    int sight = notice_sight(db, who, id, &org);
    if (sight < 0)
        return -1;
    if (!issuer_staff(db, who, sight, org))
        return E_ATTACHMENT_FORBIDDEN;
    if (removing && db_one_int(db, &read, "SELECT COUNT(*) FROM notice_receipt WHERE notice_id = ? AND read_at IS NOT NULL",
                               "i", id) != DB_OK)
        return -1;
    return read ? E_ATTACHMENT_LOCKED : 0;
}

const attach_owner_t notice_files = {"notice", "notice", notice_scope, notice_files_writable};

/* The receipt's notice and org: DB_* code. */
static int receipt_of(db_t *db, int64_t receipt, int64_t *notice, int64_t *org)
{
    int rc = db_one_int(db, notice, "SELECT notice_id FROM notice_receipt WHERE id = ?", "i", receipt);
    return rc == DB_OK ? db_one_int(db, org, "SELECT org_id FROM notice_receipt WHERE id = ?", "i", receipt) : rc;
}

/* 1 if org is one of who's orgs as a recipient holding perm (recipient_ids). */
static int recipient_is(const principal_t *who, uint32_t perm, int64_t org)
{
    int64_t orgs[NORGS];
    int n = recipient_ids(who, perm, 0, orgs);
    for (int i = 0; i < n; i++)
        if (orgs[i] == org)
            return 1;
    return 0;
}

/* A reply's files: seen by the issuer's side and by the receiving org; added and
 * removed by the receiving org's staff (who reply) until it has replied. */
static int receipt_files_scope(db_t *db, const principal_t *who, int64_t id, int64_t *org)
{
    int64_t notice = 0, issuer = 0;
    int rc = receipt_of(db, id, &notice, org);
    if (rc != DB_OK)
        return rc;
    int sight = notice_sight(db, who, notice, &issuer);
    if (sight < 0)
        return DB_ERR;
    return sight == 2 || (sight == 1 && recipient_is(who, PERM_STATS_READ, *org)) ? DB_OK : DB_NOTFOUND;
}

static int receipt_files_writable(db_t *db, const principal_t *who, int64_t id, int removing)
{
    (void)removing;
    int64_t notice = 0, org = 0, replied = 0;
    if (receipt_of(db, id, &notice, &org) != DB_OK ||
        db_one_int(db, &replied, "SELECT COUNT(*) FROM notice_receipt WHERE id = ? AND replied_at IS NOT NULL", "i",
                   id) != DB_OK)
        return -1;
    if (!recipient_is(who, PERM_ORG_WRITE, org))
        return E_NOTICE_REPLY_FORBIDDEN;
    return replied ? E_NOTICE_ALREADY_REPLIED : 0;
}

const attach_owner_t notice_receipt_files = {"notice_receipt", "notice_receipt", receipt_files_scope,
                                             receipt_files_writable};

const op_t notice_ops[] = {
    {OP(HTTP_GET, "/api/v1/notices", "notices.list", PERM(PERM_STATS_READ), RF_PAGED, notice_list), .query = list_query},
    {OP(HTTP_POST, "/api/v1/notices", "notices.create", PERM(PERM_ORG_WRITE), RF_BODY | RF_WRITES, notice_create),
     .body = create_fields},
    {OP(HTTP_GET, "/api/v1/notices/{id}", "notices.get", PERM(PERM_STATS_READ), 0, notice_get), .entity = &notice_entity},
    {OP(HTTP_GET, "/api/v1/notices/{id}/receipts", "notices.receipts", PERM(PERM_STATS_READ), RF_PAGED, notice_receipts),
     .query = receipts_query, .entity = &notice_entity},
    {OP(HTTP_GET, "/api/v1/notices/{id}/pdf", "notices.pdf", PERM(PERM_STATS_READ), 0, notice_pdf),
     .entity = &notice_entity},
    {OP(HTTP_POST, "/api/v1/notices/{id}/read", "notices.read", PERM(PERM_STATS_READ), RF_BODY_OPTIONAL | RF_WRITES,
        notice_read),
     .body = (const field_t[]){FIELDS_END}, .entity = &notice_entity},
    {OP(HTTP_POST, "/api/v1/notices/{id}/reply", "notices.reply", PERM(PERM_ORG_WRITE), RF_BODY | RF_WRITES, notice_reply),
     .body = reply_fields, .entity = &notice_entity},
    {OP(HTTP_POST, "/api/v1/notices/{id}/remind", "notices.remind", PERM(PERM_ORG_WRITE), RF_BODY_OPTIONAL | RF_WRITES,
        notice_remind),
     .body = remind_fields, .entity = &notice_entity},
    {OP(HTTP_GET, "/api/v1/notice-figures", "notice_figures.get", PERM(PERM_STATS_READ), 0, notice_figures),
     .query = figures_query},
    OPS_END,
};

/* ---------------------------------------------------------------- demo */

/* The demo city's notices: from the city to every district, street and community, from
 * the city to the districts, and from the first three districts to their streets and
 * communities; issued days before now, their receipts partly read and replied (chosen
 * from the receipt's id, so the same city gives the same answers), some replies overdue.
 * No demo account sits at a receiving node: read_by and replied_by stay empty. */
typedef struct {
    int district; /* 0: the city; 1..3: the n-th district */
    const char *kind, *title, *doc_no, *levels[3];
    int days_ago, due_in_days; /* due_in_days 0: no reply asked; negative: past */
    int read_pct, reply_pct;
    const char *body;
} demo_notice_t;

static const demo_notice_t demo_notices[] = {
    {0, "dispatch", "关于全市抓党建促基层治理重点任务推进情况的调度通报", "合组通〔2026〕3号",
     {"district", "street", "community"}, 12, 8, 70, 35,
     "各县（市、区）委组织部，各街道（乡镇）党（工）委，各社区（村）党组织：\n"
     "为推动书记抓基层党建责任清单落地见效，现将近期重点任务推进情况通报如下。\n"
     "一、总体情况。各地认真落实市委部署，责任清单签订、问题清单整改有序推进。\n"
     "二、存在问题。个别单位调度不及时，部分问题整改进度滞后。\n"
     "三、下步要求。请各单位对照任务清单逐项推进，并于规定时间内回复落实情况。"},
    {0, "commendation", "关于表扬2026年度基层党建工作先进单位的通报", "合组通〔2026〕5号", {"district", NULL, NULL}, 30, 0,
     90, 0,
     "各县（市、区）委组织部：\n一年来，各地在抓党建促基层治理中涌现出一批先进典型，现予通报表扬。\n"
     "希望受表扬的单位珍惜荣誉、再接再厉，各地要学习借鉴先进经验。"},
    {1, "criticism", "关于部分社区问题整改进度滞后的通报", "区组通〔2026〕8号", {"street", "community", NULL}, 20, -3,
     60, 40,
     "各街道党工委，各社区党组织：\n经日常督查，部分社区问题清单整改进度滞后，现予通报。\n"
     "请相关单位认真剖析原因，限期整改到位，并书面回复整改情况。"},
    {2, "work_tip", "关于做好冬季安全稳定工作的提示", NULL, {"street", "community", NULL}, 5, 0, 50, 0,
     "各街道党工委，各社区党组织：\n入冬以来，请各单位加强网格巡查，重点关注独居老人等群体的安全。"},
    {3, "dispatch", "关于在职党员到社区报到情况的调度通报", "区组通〔2026〕11号", {"street", "community", NULL}, 9, 6, 45,
     20,
     "各街道党工委，各社区党组织：\n请各单位统计本辖区在职党员报到及参加活动情况，按时回复。"},
};

int notice_demo(db_t *db, const write_ctx_t *w)
{
    int rc = DB_OK;
    for (size_t i = 0; rc == DB_OK && i < sizeof demo_notices / sizeof demo_notices[0]; i++) {
        const demo_notice_t *d = &demo_notices[i];
        char target[ACCESS_PATH_MAX];
        notice_in_t in = {.kind = d->kind, .title = d->title, .doc_no = d->doc_no, .body = d->body};
        rc = d->district ? db_one_int(db, &in.org_id,
                                      "SELECT id FROM org WHERE level = 'district' ORDER BY id LIMIT 1 OFFSET ?", "i",
                                      (int64_t)(d->district - 1))
                         : db_one_int(db, &in.org_id, "SELECT id FROM org WHERE level = 'city' ORDER BY id LIMIT 1", "");
        in.target_org_id = in.org_id;
        if (rc == DB_OK)
            rc = org_brief(db, in.org_id, target, sizeof target, NULL, 0);
        const char *lv[6] = {d->levels[0], d->levels[1], d->levels[2], NULL, NULL, NULL};
        int64_t at = w->now - (int64_t)d->days_ago * 86400, id = 0, n = 0;
        int64_t due = d->due_in_days ? w->now + (int64_t)d->due_in_days * 86400 : 0;
        if (rc == DB_OK)
            rc = notice_insert(db, w, &in, target, lv, due, at, &id, &n);
        /* Read within a day or two, replied a day after reading: by the receipt's id. */
        if (rc == DB_OK)
            rc = db_exec(db, NULL,
                         "UPDATE notice_receipt SET read_at = delivered_at + 3600 * ((id * 7) % 40 + 1)"
                         " WHERE notice_id = ? AND (id * 37 + 11) % 100 < ?",
                         "ii", id, (int64_t)d->read_pct);
        if (rc == DB_OK && d->reply_pct > 0)
            rc = db_exec(db, NULL,
                         "UPDATE notice_receipt SET reply = '已收悉，已组织传达学习并逐项落实，具体情况见附件报告。',"
                         " replied_at = read_at + 86400 WHERE notice_id = ? AND read_at IS NOT NULL"
                         " AND (id * 37 + 11) % 100 < ?",
                         "ii", id, (int64_t)d->reply_pct);
        if (rc == DB_OK && d->due_in_days != 0)
            rc = db_exec(db, NULL,
                         "UPDATE notice_receipt SET reminded_at = ?, reminders = 1 WHERE notice_id = ?"
                         " AND replied_at IS NULL AND (id * 13) % 4 = 0",
                         "ii", w->now - 86400, id);
    }
    return rc;
}
