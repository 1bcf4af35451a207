/* Helpers every handler uses: replies, errors, query strings, declared input
 * validation, keyset pages and the audit chain's append. */
#include "api/api.h"
#include "api/internal.h"
#include "api/list.h"
#include "api/op.h"
#include "api/tx.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "core/audit_chain.h"
#include "core/path.h"
#include "core/pii_text.h"
#include "core/redact.h"
#include "core/timefmt.h"
#include "core/utf8.h"
#include "lib/keys.h"
#include "lib/util.h"

int api_org_input(db_t *db, const write_ctx_t *w, uint32_t perm, int64_t org, const char *field, api_reply_t *rep)
{
    int rc = access_org(db, &w->who, perm, org, NULL, 0);
    if (rc == DB_NOTFOUND)
        return api_fail(rep, w->lang, E_ORG_NOT_FOUND, field);
    return rc == DB_OK ? 0 : api_db_error(rep, w->lang, rc, NULL);
}

int api_entity_org(db_t *db, const write_ctx_t *w, int64_t *org)
{
    int rc = db_one_int(db, org, w->op->entity->org_sql, "i", w->id);
    return rc == DB_OK ? access_org(db, &w->who, w->op->perm, *org, NULL, 0) : rc;
}

int api_db_error(api_reply_t *rep, const char *lang, int rc, const char *entity)
{
    switch (rc) {
    case DB_NOTFOUND:
        api_fail(rep, lang, E_RECORD_NOT_FOUND, NULL);
        break;
    case DB_UNIQUE:
        api_fail(rep, lang, E_DUPLICATE_KEY, NULL);
        break;
    case DB_FOREIGN:
        api_fail(rep, lang, E_STILL_REFERENCED, NULL);
        break;
    case DB_BUSY:
        api_fail(rep, lang, E_DB_BUSY, NULL);
        break;
    case DB_UNAVAILABLE:
        api_fail(rep, lang, E_DATABASE_UNAVAILABLE, NULL);
        break;
    case DB_FULL:
        api_fail(rep, lang, E_STORAGE_FULL, NULL);
        break;
    case DB_IOERR:
        api_fail(rep, lang, E_STORAGE_ERROR, NULL);
        break;
    default:
        log_error("internal error answered (db code %d%s%s)", rc, entity ? ", " : "", entity ? entity : "");
        api_fail(rep, lang, E_INTERNAL, NULL);
    }
    return -1;
}

static int query_pass(const api_req_t *req, api_reply_t *rep, int pass);

/* Malformed parameters first (pass 0), then names the operation does not
 * declare (pass 1): a malformed value is named even beside an unknown name. */
int api_query_check(const api_req_t *req, api_reply_t *rep)
{
    for (int pass = 0; pass < 2; pass++)
        if (query_pass(req, rep, pass) != 0)
            return -1;
    return 0;
}

static int query_pass(const api_req_t *req, api_reply_t *rep, int pass)
{
    for (const char *p = req->query; p && *p;) {
        const char *amp = strchr(p, '&');
        size_t len = amp ? (size_t)(amp - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        size_t nlen = eq ? (size_t)(eq - p) : len;
        char *name = api_query_decode(p, nlen, 0);
        char *value = eq ? api_query_decode(eq + 1, len - nlen - 1, 0) : NULL;
        int bad = name == NULL || (eq && value == NULL);
        /* The parameter's name when it is one, else "query"; never the value: it
         * may be an ID number. */
        int named = name && api_name_like(name);
        if (bad && pass == 0)
            api_fail(rep, req->lang, E_INVALID_QUERY, named ? name : "query");
        else if (pass == 1 && len > 0 && req->route != NULL && !op_query_declared(req->route, name))
            bad = api_fail(rep, req->lang, E_QUERY_UNKNOWN, named ? name : "query");
        free(name);
        free(value);
        if (bad)
            return -1;
        p = amp ? amp + 1 : NULL;
    }
    return 0;
}

void api_write_ctx(const api_req_t *req, write_ctx_t *w)
{
    memset(w, 0, sizeof *w);
    if (req->who)
        w->who = *req->who;
    str_copy(w->source, sizeof w->source, req->remote);
    str_copy(w->lang, sizeof w->lang, req->lang);
    w->now = clock_now();
    w->keys = req->keys;
    w->op = req->route;
    w->id = req->nparams > 0 ? req->params[0] : 0;
    w->cfg = req->cfg;
}

/* ---- org nodes as the writer keeps them ---- */

/* Enough for every grid of a city with room to spare; 2.8 MB, the writer only. */
#define ORG_SLOTS 4096

typedef struct {
    int64_t id; /* 0: empty */
    unsigned epoch;
    char path[ACCESS_PATH_MAX];
    char name[512];
} org_slot_t;

static atomic_uint org_epoch = 1;
static _Thread_local int org_keep;
static _Thread_local org_slot_t *org_slots;

void orgs_changed(void)
{
    atomic_fetch_add(&org_epoch, 1);
}

static void org_cache_keep(void)
{
    org_keep = 1;
    if (org_slots == NULL)
        org_slots = xcalloc(ORG_SLOTS, sizeof *org_slots);
}

/* One thread per process keeps nodes (the writer, or a CLI command), so a new
 * epoch forgets its slots at once (rather than clearing 4,096 of them on every
 * rollback). */
static void org_cache_forget(void)
{
    orgs_changed();
}

static void org_cache_release(void)
{
    free(org_slots);
    org_slots = NULL;
    org_keep = 0;
}

/* Kept nodes cannot be put back as they were at a savepoint: a rollback to
 * one forgets them all. */
const tx_hooks_t org_cache_hooks = {
    .name = "org nodes",
    .keep = org_cache_keep,
    .release = org_cache_release,
    .forget = org_cache_forget,
    .restore = org_cache_forget,
};

int org_brief(db_t *db, int64_t id, char *path, size_t path_cap, char *name, size_t name_cap)
{
    unsigned epoch = atomic_load(&org_epoch);
    org_slot_t *slot = org_keep && org_slots ? &org_slots[(uint64_t)id % ORG_SLOTS] : NULL;
    if (slot && slot->id == id && slot->epoch == epoch)
        return (path && str_copy(path, path_cap, slot->path) != 0) ||
                       (name && str_copy(name, name_cap, slot->name) != 0)
                   ? DB_ERR
                   : DB_OK;
    db_stmt_t *st = db_q(db, "SELECT path, name FROM org WHERE id = ?", "i", id);
    if (st == NULL)
        return DB_ERR;
    int rc = db_step(st);
    if (rc == DB_ROW) {
        const char *p = db_col_text(st, 0), *n = db_col_text(st, 1);
        int cut = (path && str_copy(path, path_cap, p) != 0) || (name && str_copy(name, name_cap, n) != 0);
        if (slot && strlen(p) < sizeof slot->path && strlen(n) < sizeof slot->name) {
            slot->id = id;
            slot->epoch = epoch;
            memcpy(slot->path, p, strlen(p) + 1);
            memcpy(slot->name, n, strlen(n) + 1);
        }
        rc = cut ? DB_ERR : DB_OK;
    } else if (rc == DB_DONE) {
        rc = DB_NOTFOUND;
    }
    db_done(st);
    return rc;
}

/* The chain's head as the thread running the write pipeline (api/tx.h) keeps it between appends: valid when
 * it holds the newest row, dirty when the table does not have it yet. */
typedef struct {
    int valid, dirty;
    int64_t id;
    char hash[AUDIT_HASH_HEX + 1];
    const unsigned char *key; /* the audit key the head's MAC is made with */
} audit_head_t;

static _Thread_local int head_keep;
static _Thread_local audit_head_t head, head_saved;

static void audit_head_keep(void)
{
    head_keep = 1;
    memset(&head, 0, sizeof head);
}

static void audit_head_forget(void)
{
    memset(&head, 0, sizeof head);
}

static void audit_head_save(void)
{
    head_saved = head;
}

static void audit_head_restore(void)
{
    head = head_saved;
}

/* The head row carries a MAC over (last id, last hash), so moving it back to
 * an earlier row needs the key (or that earlier head row itself: see the
 * anchor in docs/operations.md). */
int audit_head_write(db_t *db, const unsigned char *key, int64_t id, const char *hash)
{
    char mac[AUDIT_HASH_HEX + 1];
    audit_head_mac(mac, key, id, hash);
    return db_exec(db, NULL,
                   "INSERT INTO audit_head (one, last_id, last_hash, mac) VALUES (1, ?, ?, ?)"
                   " ON CONFLICT (one) DO UPDATE SET last_id = excluded.last_id, last_hash = excluded.last_hash,"
                   " mac = excluded.mac",
                   "itt", id, hash, mac);
}

/* The kept head into the table, just before the commit. */
static int audit_head_flush(db_t *db)
{
    if (!head.dirty)
        return DB_OK;
    int rc = audit_head_write(db, head.key, head.id, head.hash);
    if (rc == DB_OK)
        head.dirty = 0;
    return rc;
}

/* A thread that keeps state (tx_keep) keeps the chain's head in memory between
 * its appends instead of reading it before each, and writes it to the table
 * once per transaction, just before the commit, instead of after every row. The
 * pipeline forgets it on a rollback or when another connection may have
 * appended (this thread did not hold the write lock), and saves and restores it
 * around savepoints. Every other thread reads and writes the head in the table
 * at each append. */
const tx_hooks_t audit_head_hooks = {
    .name = "audit chain head",
    .keep = audit_head_keep,
    .before_commit = audit_head_flush,
    .forget = audit_head_forget,
    .save = audit_head_save,
    .restore = audit_head_restore,
};

void api_hooks_register(void)
{
    tx_register(&org_cache_hooks);
    tx_register(&casework_batch_hooks);
    tx_register(&case_escalation_hooks);
    /* ---- rectification problems (问题清单): 督办 of overdue problems ---- */
    tx_register(&problem_supervision_hooks);
    /* ---- 微心愿: claims held too long expire (claims.c) ---- */
    tx_register(&wish_expiry_hooks);
    /* Kept yearly figures (yfig.c): the touched (node, year) pairs computed again before the commit. */
    tx_register(&yfig_hooks);
    /* Last: its before_commit writes the head after every other hook's rows. */
    tx_register(&audit_head_hooks);
}

/* A chain without a head is started only on a new database: no org node and
 * no account but the one `jiceng init` is creating. Anywhere else the head and
 * the rows were deleted, and a chain started again from row 1 would verify. */
static int chain_may_start(db_t *db)
{
    int64_t fresh = 0;
    int rc = db_one_int(db, &fresh,
                        "SELECT CASE WHEN (SELECT COUNT(*) FROM app_user) <= 1 AND NOT EXISTS (SELECT 1 FROM org)"
                        " THEN 1 ELSE 0 END",
                        "");
    if (rc != DB_OK)
        return rc;
    if (!fresh) {
        log_error("audit: the chain's head is missing on a database that has data (wiped?); refusing to start a"
                  " new chain: run `jiceng audit verify`");
        return DB_ERR;
    }
    return DB_OK;
}

int audit_append_new(db_t *db, const write_ctx_t *w, const char *action, const char *entity, int64_t entity_id,
                     int64_t org_id, json_t *summary)
{
    int rc = audit_append(db, w, action, entity, entity_id, org_id, summary);
    json_decref(summary);
    return rc;
}

static int audit_row(db_t *db, const write_ctx_t *w, const char *action, const char *entity, int64_t entity_id,
                     int64_t org_id, const char *sum);

/* The keys whose values are personal numbers or their searched forms, wherever
 * they appear (a body, a query's filters, a report). */
static const char *const personal_keys[] = {"id_card", "phone", "id_tail", "phone_tail", "id_card_tail", NULL};

int api_personal_key(const char *key)
{
    return api_in_choices(personal_keys, key);
}

/* What a personal key's value may stay as: a boolean fact, or what happened to
 * it as audit_summary_redacted wrote it (so a summary redacted twice is
 * unchanged). */
static int personal_value_safe(json_t *x)
{
    const char *s = json_string_value(x);
    return json_is_boolean(x) || (s && (strcmp(s, "(changed)") == 0 || strcmp(s, "(removed)") == 0));
}

json_t *audit_summary_redacted(json_t *v)
{
    if (json_is_object(v)) {
        json_t *out = json_object(), *x;
        const char *key;
        json_object_foreach(v, key, x) {
            if (!api_personal_key(key) || personal_value_safe(x))
                json_object_set_new(out, key, audit_summary_redacted(x));
            else
                json_object_set_new(out, key, json_string(json_is_null(x) ? "(removed)" : "(changed)"));
        }
        return out;
    }
    if (json_is_array(v)) {
        json_t *out = json_array(), *x;
        size_t i;
        json_array_foreach(v, i, x) json_array_append_new(out, audit_summary_redacted(x));
        return out;
    }
    if (json_is_string(v)) {
        size_t n = json_string_length(v);
        char *s = xstrndup(json_string_value(v), n);
        json_t *out = redact_numbers(s, n) ? json_stringn(s, n) : json_incref(v);
        free(s);
        return out;
    }
    return json_incref(v);
}

int audit_append(db_t *db, const write_ctx_t *w, const char *action, const char *entity, int64_t entity_id,
                 int64_t org_id, json_t *summary)
{
    json_t *safe = summary ? audit_summary_redacted(summary) : NULL;
    char *sum = safe ? json_dumps(safe, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(safe);
    int rc = audit_row(db, w, action, entity, entity_id, org_id, sum ? sum : "{}"); /* masked already */
    free(sum);
    return rc;
}

json_t *api_query_facts(const api_req_t *req, const char *const *names)
{
    json_t *facts = json_object();
    for (; *names; names++) {
        char *v = api_query(req, *names);
        if (v == NULL)
            continue;
        char *end = NULL;
        long long x = strtoll(v, &end, 10);
        if (api_personal_key(*names))
            json_object_set_new(facts, *names, json_true());
        else if (v[0] && end && *end == '\0')
            json_object_set_new(facts, *names, json_integer(x));
        else
            json_object_set_new(facts, *names, json_string(v));
        free(v);
    }
    return facts;
}

/* Append the row with summary text sum as it is (audit_append_text's masking done). */
static int audit_row(db_t *db, const write_ctx_t *w, const char *action, const char *entity, int64_t entity_id,
                     int64_t org_id, const char *sum)
{
    char prev[AUDIT_HASH_HEX + 1] = "", path[ACCESS_PATH_MAX] = "/";
    int64_t last_id = 0;
    int rc = DB_OK;
    if (head_keep && head.valid) {
        last_id = head.id;
        str_copy(prev, sizeof prev, head.hash);
    } else {
        db_stmt_t *st = db_q(db, "SELECT last_id, last_hash FROM audit_head WHERE one = 1", "");
        if (st == NULL)
            return DB_ERR;
        rc = db_step(st);
        if (rc == DB_ROW) {
            last_id = db_col_int(st, 0);
            str_copy(prev, sizeof prev, db_col_text(st, 1));
        }
        db_done(st);
        if (rc != DB_ROW && rc != DB_DONE)
            return rc;
        if (rc == DB_DONE && (rc = chain_may_start(db)) != DB_OK)
            return rc;
    }
    if (org_id > 0) {
        rc = org_brief(db, org_id, path, sizeof path, NULL, 0);
        if (rc != DB_OK && rc != DB_NOTFOUND)
            return rc;
    }
    audit_fields_t f = {
        .id = last_id + 1,
        .at = w->now,
        .actor_id = w->who.user_id,
        .actor_name = w->who.username,
        .source = w->source,
        .action = action,
        .entity = entity,
        .entity_id = entity_id,
        .org_id = org_id,
        .summary = sum,
        .prev_hash = prev,
        .org_path = path,
        .version = AUDIT_MAC_CURRENT,
    };
    char hash[AUDIT_HASH_HEX + 1];
    audit_chain_hash(hash, w->keys->audit, &f);
    rc = db_exec(db, NULL,
                 "INSERT INTO audit_log (id, at, actor_id, actor_name, source, action, entity, entity_id, org_id,"
                 " org_path, summary, prev_hash, hash, mac_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 "iiittttiitttti", f.id, f.at, f.actor_id, f.actor_name, f.source, action, entity, entity_id,
                 org_id, path, sum, prev, hash, (int64_t)f.version);
    if (rc != DB_OK)
        return rc;
    if (!head_keep)
        return audit_head_write(db, w->keys->audit, f.id, hash);
    head.key = w->keys->audit;
    head.id = f.id;
    str_copy(head.hash, sizeof head.hash, hash);
    head.valid = head.dirty = 1;
    return DB_OK;
}

int audit_append_text(db_t *db, const write_ctx_t *w, const char *action, const char *entity, int64_t entity_id,
                      int64_t org_id, const char *sum)
{
    /* A summary made as text gets the same last look as one made as JSON:
     * personal numbers in its strings masked (copied only when it has a run of
     * 7 digits or more, the shortest part of one). */
    if (redact_may_hold(sum)) {
        char *masked = xstrdup(sum);
        redact_json_strings(masked);
        int rc = audit_row(db, w, action, entity, entity_id, org_id, masked);
        free(masked);
        return rc;
    }
    return audit_row(db, w, action, entity, entity_id, org_id, sum);
}

/* Check the reason given for a reveal or a full export: REASON_MIN..REASON_MAX
 * characters, and no ID or phone number in it (it goes into the audit log).
 * 0, or -1 with rep set (400 naming the field reason). */
int api_reason_check(const char *lang, const char *reason, api_reply_t *rep)
{
    if (reason == NULL || !text_field_valid(reason, REASON_MIN, REASON_MAX))
        return api_fail(rep, lang, E_REASON_LENGTH, "reason");
    if (pii_text_found(reason))
        return api_fail(rep, lang, E_REASON_PERSONAL_DATA, "reason");
    return 0;
}

int api_reveal_defer(api_req_t *req, api_reply_t *rep, write_fn write)
{
    if (api_reason_check(req->lang, json_string_value(json_object_get(req->body, "reason")), rep) != 0)
        return 0;
    json_t *data = json_deep_copy(req->body);
    return api_defer(req, write, data);
}

int api_page(const api_req_t *req, api_reply_t *rep, int64_t *limit, int64_t *after)
{
    if (api_query_int(req, "limit", 50, 1, 200, limit) != 0)
        return api_fail(rep, req->lang, E_LIMIT_INVALID, "limit");
    char *sort = op_sorts(req->route) ? api_query(req, "sort") : NULL;
    if (sort != NULL) { /* under a sort the cursor is a token the list reads (api/list.h) */
        free(sort);
        *after = 0;
        return 0;
    }
    if (api_query_int(req, "after", 0, 0, INT64_MAX, after) != 0)
        return api_fail(rep, req->lang, E_CURSOR_INVALID, "after");
    return 0;
}

json_t *api_page_result(json_t *items, int64_t limit)
{
    json_t *next = json_null();
    if ((int64_t)json_array_size(items) > limit) {
        while ((int64_t)json_array_size(items) > limit)
            json_array_remove(items, json_array_size(items) - 1);
        json_t *last = json_array_get(items, json_array_size(items) - 1);
        char buf[32];
        snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(json_object_get(last, "id")));
        json_decref(next);
        next = json_string(buf);
    }
    return json_pack("{s:o, s:o}", "items", items, "next", next);
}

char *api_like_param(const api_req_t *req, const char *name)
{
    char *q = api_query(req, name);
    if (q == NULL || q[0] == '\0') {
        free(q);
        return NULL;
    }
    char *like = xmalloc(strlen(q) * 2 + 3), *o = like;
    *o++ = '%';
    for (const char *s = q; *s; s++) {
        if (*s == '%' || *s == '_' || *s == '\\')
            *o++ = '\\';
        *o++ = *s;
    }
    *o++ = '%';
    *o = '\0';
    free(q);
    return like;
}

char *api_prefix_param(const api_req_t *req, const char *name)
{
    char *like = api_like_param(req, name);
    if (like)
        memmove(like, like + 1, strlen(like)); /* drop the leading %, keep the NUL */
    return like;
}

int api_check_version(db_t *db, const write_ctx_t *w, const char *version_sql, int64_t id, const json_t *data,
                      api_reply_t *rep)
{
    json_t *v = json_object_get(data, "version");
    int64_t version = 0;
    if (v == NULL || !json_is_integer(v))
        return 0;
    if (db_one_int(db, &version, version_sql, "i", id) == DB_OK && version == json_integer_value(v))
        return 0;
    return api_fail(rep, w->lang, E_RECORD_VERSION_CONFLICT, "version");
}

void scan_token_new(char out[33])
{
    unsigned char b[16];
    randombytes_buf(b, sizeof b);
    sodium_bin2hex(out, 33, b, sizeof b);
}

const field_t scan_token_fields[] = {
    IN(scan_token_in_t, token, F_TEXT, 1, 1, 64, NULL),
    FIELDS_END,
};

const field_t scan_token_query[] = {
    {"token", F_TEXT, 1, 1, 64, NULL, 0},
    FIELDS_END,
};

void date_of(int64_t t, char out[16])
{
    time_t local = (time_t)(t + 8 * 3600); /* Asia/Shanghai: UTC+8, no summer time */
    struct tm tm;
    gmtime_r(&local, &tm);
    snprintf(out, 16, "%04d-%02d-%02d", (tm.tm_year + 1900) % 10000, (tm.tm_mon + 1) % 100, tm.tm_mday % 100);
}

void date_today(char out[16])
{
    int ymd = api_today_ymd();
    snprintf(out, 16, "%04d-%02d-%02d", ymd / 10000, ymd / 100 % 100, ymd % 100);
}

char *api_base64_wipe(char *body, size_t len)
{
    size_t cap = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
    char *b64 = xmalloc(cap);
    sodium_bin2base64(b64, cap, (const unsigned char *)body, len, sodium_base64_VARIANT_ORIGINAL);
    sodium_memzero(body, len);
    free(body);
    return b64;
}

int api_file_answer(api_reply_t *rep, const json_t *data)
{
    const char *b64 = json_string_value(json_object_get(data, "body"));
    size_t n = strlen(b64), len = 0;
    rep->raw = xmalloc(n + 1);
    sodium_base642bin((unsigned char *)rep->raw, n + 1, b64, n, NULL, &len, NULL, sodium_base64_VARIANT_ORIGINAL);
    rep->raw_len = len;
    rep->status = 200;
    rep->content_type = strcmp(json_string_value(json_object_get(data, "format")), "xlsx") == 0
                            ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                            : "text/csv; charset=utf-8";
    rep->filename = xstrdup(json_string_value(json_object_get(data, "filename")));
    return 0;
}

json_t *subtree_figures(db_t *db, const principal_t *who, int64_t org, const char *lo, int64_t year,
                        subtree_figures_fn fn)
{
    char hi[ACCESS_PATH_MAX], today[16];
    if (path_subtree_upper(hi, sizeof hi, lo) != 0)
        return NULL;
    date_today(today);
    json_t *all = fn(db, who, lo, hi, year, today);
    json_t *kids = db_rows_json(db, "SELECT id AS org_id, name AS org_name, level AS org_level, path FROM org"
                                    " WHERE parent_id = ? ORDER BY id",
                                "i", org);
    size_t i;
    json_t *k;
    json_array_foreach(kids, i, k) {
        char khi[ACCESS_PATH_MAX];
        const char *klo = json_string_value(json_object_get(k, "path"));
        json_t *f = klo && path_subtree_upper(khi, sizeof khi, klo) == 0 ? fn(db, who, klo, khi, year, today) : NULL;
        if (f == NULL) {
            json_decref(kids);
            kids = NULL;
            break;
        }
        json_object_update(k, f);
        json_decref(f);
        json_object_del(k, "path");
    }
    if (all == NULL || kids == NULL) {
        json_decref(all);
        json_decref(kids);
        return NULL;
    }
    json_object_set_new(all, "org_id", json_integer(org));
    json_object_set_new(all, "year", json_integer(year));
    json_object_set_new(all, "children", kids);
    return all;
}

json_t *json_rate(int64_t part, int64_t whole)
{
    return whole ? json_real((double)part / (double)whole) : json_null();
}

const field_t subtree_figures_query[] = {
    {"org", F_INT, 1, 1, INT64_MAX, NULL, 0},
    {"year", F_INT, 0, 2000, 2100, NULL, 0},
    FIELDS_END,
};

int api_subtree_figures(api_req_t *req, api_reply_t *rep, uint32_t perm, subtree_figures_fn fn)
{
    int64_t org = 0, year = 0;
    api_query_int(req, "org", 0, 1, INT64_MAX, &org);
    api_query_int(req, "year", api_today_ymd() / 10000, 2000, 2100, &year);
    char lo[ACCESS_PATH_MAX];
    int rc = access_org(req->db, req->who, perm, org, lo, sizeof lo);
    if (rc != DB_OK)
        return api_db_error(rep, req->lang, rc, "org");
    json_t *all = subtree_figures(req->db, req->who, org, lo, year, fn);
    return all ? api_json(rep, 200, all) : api_db_error(rep, req->lang, DB_ERR, NULL);
}

/* Per-address rate limits in one-minute windows, by purpose (login, public reports). */
#define RL_SLOTS 1024
static pthread_mutex_t rl_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
    char addr[96];
    int64_t window;
    int count;
} rl[RL_SLOTS];

int api_rate_limited(const char *bucket, const char *addr, int per_minute)
{
    uint32_t h = 5381;
    char key[96];
    snprintf(key, sizeof key, "%s|%s", bucket, addr);
    for (const char *p = key; *p; p++)
        h = h * 33 + (unsigned char)*p;
    int64_t window = clock_now() / 60;
    pthread_mutex_lock(&rl_lock);
    int i = (int)(h % RL_SLOTS);
    if (strcmp(rl[i].addr, key) != 0 || rl[i].window != window) {
        str_copy(rl[i].addr, sizeof rl[i].addr, key);
        rl[i].window = window;
        rl[i].count = 0;
    }
    int limited = ++rl[i].count > per_minute;
    pthread_mutex_unlock(&rl_lock);
    return limited;
}

int64_t demo_pick(unsigned long long seed, unsigned long long k, int64_t n)
{
    unsigned long long z = seed * 0x9E3779B97F4A7C15ull + k * 0xD1B54A32D192ED03ull + 23;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return (int64_t)((z ^ (z >> 31)) % (unsigned long long)n);
}

int demo_last_year(const write_ctx_t *w)
{
    char day[16];
    date_of(w->now, day);
    return atoi(day) - 1;
}

int demo_fit_sum(int64_t *v, int n, int64_t target, int64_t lo, int64_t hi)
{
    if (n <= 0 || target < lo * n || target > hi * n)
        return -1;
    for (int pass = 0; pass < 64; pass++) {
        int64_t sum = 0;
        int movable = 0;
        for (int i = 0; i < n; i++)
            sum += v[i];
        int64_t diff = target - sum;
        if (diff == 0)
            return 0;
        for (int i = 0; i < n; i++)
            movable += diff > 0 ? v[i] < hi : v[i] > lo;
        int64_t share = diff / movable, rest = diff % movable;
        for (int i = 0; i < n; i++) {
            if (diff > 0 ? v[i] >= hi : v[i] <= lo)
                continue;
            int64_t step = share + (rest > 0 ? 1 : rest < 0 ? -1 : 0);
            rest -= rest > 0 ? 1 : rest < 0 ? -1 : 0;
            v[i] += step;
            if (v[i] > hi)
                v[i] = hi;
            if (v[i] < lo)
                v[i] = lo;
        }
    }
    return -1;
}

int64_t demo_population(unsigned long long seed, int64_t org_id, int village)
{
    unsigned long long k = 0x5eedull * 1000003ull + (unsigned long long)org_id;
    return village ? 1000 + demo_pick(seed, k, 2001) : 2500 + demo_pick(seed, k, 11501);
}

/* ---- the places a row lies in, for files ---- */

static const char *const org_place_levels[3] = {"community", "grid", "building"};
const char *const org_place_headers[ORG_PLACE_CELLS] = {"社区", "社区编码", "网格", "网格编码", "楼栋", "楼栋编码"};

int org_place_cells(db_t *db, json_t *cache, const char *path, const char *out[ORG_PLACE_CELLS])
{
    for (int k = 0; k < ORG_PLACE_CELLS; k++)
        out[k] = "";
    json_t *known = json_object_get(cache, path);
    if (known == NULL) {
        int64_t ids[8] = {0};
        int n = path_ids(path, ids, 8);
        json_t *rows = n > 0 ? db_rows_json(db,
                                            "SELECT level, name, code FROM org WHERE id IN (?, ?, ?, ?, ?, ?, ?, ?)"
                                            " AND level IN ('community', 'grid', 'building')",
                                            "iiiiiiii", ids[0], ids[1], ids[2], ids[3], ids[4], ids[5], ids[6], ids[7])
                             : json_array();
        if (rows == NULL)
            return DB_ERR;
        known = json_array();
        for (int k = 0; k < ORG_PLACE_CELLS; k++)
            json_array_append_new(known, json_string(""));
        size_t i;
        json_t *o;
        json_array_foreach(rows, i, o) {
            const char *level = json_string_value(json_object_get(o, "level"));
            for (int k = 0; k < 3; k++) {
                if (level && strcmp(level, org_place_levels[k]) == 0) {
                    json_array_set(known, (size_t)k * 2, json_object_get(o, "name"));
                    const char *code = json_string_value(json_object_get(o, "code"));
                    json_array_set_new(known, (size_t)k * 2 + 1, json_string(code ? code : ""));
                }
            }
        }
        json_decref(rows);
        json_object_set_new(cache, path, known);
    }
    for (int k = 0; k < ORG_PLACE_CELLS; k++) {
        const char *v = json_string_value(json_array_get(known, (size_t)k));
        out[k] = v ? v : "";
    }
    return DB_OK;
}
