/* The outbox: messages queued with the changes that warrant them, the adapters
 * that deliver them, the delivery thread and the support list (GET
 * /api/v1/outbox). See outbox.h and docs/notifications.md. */
#include "api/outbox.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api/handlers.h"
#include "api/resource.h"
#include "core/role.h"
#include "http/server.h"
#include "lib/pii.h"
#include "lib/util.h"

#define BATCH 50
#define EVERY_MS 1000          /* how often due messages are looked for */
#define BACKOFF_FIRST 30       /* seconds before the second try; doubled each time */
#define BACKOFF_MAX 3600

/* ---------------------------------------------------------------- adapters */

/* The demo's channel: one line per message in the server's log, holding the
 * message's id, recipient's user id, template and params (ids only). */
static int console_deliver(const notify_env_t *env, const outbox_msg_t *m, char *err, size_t cap)
{
    (void)env;
    (void)err;
    (void)cap;
    log_info("notify console: message %lld to user %lld: %s %s", (long long)m->id, (long long)m->recipient_id,
             m->template_key, m->params);
    return 0;
}

static const notify_adapter_t adapters[] = {
    {"console", console_deliver},
    /* An SMS or WeChat adapter goes here: docs/notifications.md says how. */
};

const notify_adapter_t *notify_adapter_find(const char *channel)
{
    for (size_t i = 0; i < sizeof adapters / sizeof adapters[0]; i++)
        if (channel != NULL && strcmp(adapters[i].channel, channel) == 0)
            return &adapters[i];
    return NULL;
}

int outbox_recipient_phone(const notify_env_t *env, int64_t user_id, char *out, size_t cap)
{
    char enc[512] = "";
    int rc = db_one_text(env->db, enc, sizeof enc,
                         "SELECT p.phone_enc FROM app_user u JOIN person p ON p.id = u.person_id"
                         " WHERE u.id = ? AND p.phone_enc IS NOT NULL",
                         "i", user_id);
    if (rc != DB_OK)
        return rc;
    char *plain = pii_decrypt(env->keys, "person.phone", enc);
    if (plain == NULL)
        return DB_ERR;
    rc = strlen(plain) < cap ? DB_OK : DB_ERR;
    if (rc == DB_OK)
        memcpy(out, plain, strlen(plain) + 1);
    sodium_memzero(plain, strlen(plain));
    free(plain);
    return rc;
}

/* ---------------------------------------------------------------- queueing */

static const char *channel_of(const write_ctx_t *w)
{
    return w->cfg != NULL && w->cfg->notify_channel != NULL ? w->cfg->notify_channel : "console";
}

/* The recipients' select (its one '?' bound to key, text or integer as types says) into the outbox. */
static int enqueue(db_t *db, const write_ctx_t *w, int64_t org, const char *template_key, const json_t *params,
                   const char *sql, const char *types, const char *text_key, int64_t int_key)
{
    char *p = json_dumps(params, JSON_COMPACT | JSON_SORT_KEYS);
    int rc = types[0] == 't'
                 ? db_exec(db, NULL, sql, "itttiit", org, channel_of(w), template_key, p, w->now, w->now, text_key)
                 : db_exec(db, NULL, sql, "itttiii", org, channel_of(w), template_key, p, w->now, w->now, int_key);
    free(p);
    return rc;
}

/* Each recipient once (a user may hold two grants there); no DISTINCT over the
 * bound values, which PostgreSQL could then not type from the columns. */
#define INSERT_HEAD                                                                                                    \
    "INSERT INTO outbox (org_id, channel, recipient_id, template, params, next_attempt_at, created_at)"              \
    " SELECT ?, ?, u.id, ?, ?, ?, ? FROM app_user u WHERE u.disabled = 0 AND u.id IN (SELECT g.user_id"             \
    " FROM user_grant g"

int outbox_to_grid_workers(db_t *db, const write_ctx_t *w, int64_t grid, const char *template_key,
                           const json_t *params)
{
    return enqueue(db, w, grid, template_key, params, INSERT_HEAD " WHERE g.role = 'grid_worker' AND g.org_id = ?)",
                   "i", NULL, grid);
}

int outbox_to_staff(db_t *db, const write_ctx_t *w, int64_t org, const char *case_path, const char *template_key,
                    const json_t *params)
{
    return enqueue(db, w, org, template_key, params,
                   INSERT_HEAD " JOIN org o ON o.id = g.org_id WHERE g.role = 'org_staff'"
                               " AND o.level IN ('community', 'grid') AND substr(?, 1, length(o.path)) = o.path)",
                   "t", case_path, 0);
}

/* ---------------------------------------------------------------- delivery */

static pthread_t o_tid;
static pthread_mutex_t o_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t o_cond = PTHREAD_COND_INITIALIZER;
static int o_stop, o_running;
static db_t *o_db;
static const keys_t *o_keys;

typedef struct {
    outbox_msg_t m;
    char channel[16], template_key[64], params[512];
    int ok;
    char err[128];
} due_t;

/* Read up to BATCH due messages into due: how many, or -1. */
static int read_due(due_t *due, int64_t now)
{
    db_stmt_t *st = db_q(o_db,
                         "SELECT id, org_id, recipient_id, channel, template, params, attempts FROM outbox"
                         " WHERE state = 'queued' AND next_attempt_at <= ? ORDER BY id LIMIT 50",
                         "i", now);
    if (st == NULL)
        return -1;
    int n = 0;
    while (n < BATCH && db_step(st) == DB_ROW) {
        due_t *d = &due[n++];
        memset(d, 0, sizeof *d);
        d->m.id = db_col_int(st, 0);
        d->m.org_id = db_col_int(st, 1);
        d->m.recipient_id = db_col_int(st, 2);
        str_copy(d->channel, sizeof d->channel, db_col_text(st, 3));
        str_copy(d->template_key, sizeof d->template_key, db_col_text(st, 4));
        str_copy(d->params, sizeof d->params, db_col_text(st, 5));
        d->m.attempts = (int)db_col_int(st, 6);
        d->m.channel = d->channel;
        d->m.template_key = d->template_key;
        d->m.params = d->params;
    }
    db_done(st);
    return n;
}

/* Record what became of each message, in one transaction: sent; or queued
 * again after a backoff; or failed once OUTBOX_ATTEMPTS_MAX tries have failed. */
static int record(const due_t *due, int n, int64_t now)
{
    int rc = db_begin(o_db);
    for (int i = 0; i < n && rc == DB_OK; i++) {
        const due_t *d = &due[i];
        int tries = d->m.attempts + 1;
        int64_t wait = BACKOFF_FIRST;
        for (int k = 1; k < tries && wait < BACKOFF_MAX; k++)
            wait *= 2;
        if (wait > BACKOFF_MAX)
            wait = BACKOFF_MAX;
        if (d->ok)
            rc = db_exec(o_db, NULL, "UPDATE outbox SET state = 'sent', attempts = ?, sent_at = ?, last_error = NULL"
                                     " WHERE id = ?", "iii", (int64_t)tries, now, d->m.id);
        else
            rc = db_exec(o_db, NULL, "UPDATE outbox SET state = ?, attempts = ?, next_attempt_at = ?, last_error = ?"
                                     " WHERE id = ?", "tiiti", tries >= OUTBOX_ATTEMPTS_MAX ? "failed" : "queued",
                         (int64_t)tries, now + wait, d->err, d->m.id);
    }
    if (rc == DB_OK)
        rc = db_commit(o_db);
    if (rc != DB_OK) {
        log_error("outbox: cannot record deliveries: %s", db_errmsg(o_db));
        db_rollback(o_db);
    }
    return rc;
}

static void deliver_due(void)
{
    static due_t due[BATCH];
    int64_t now = clock_now();
    int n = read_due(due, now);
    if (n <= 0)
        return;
    notify_env_t env = {o_db, o_keys};
    for (int i = 0; i < n; i++) {
        due_t *d = &due[i];
        const notify_adapter_t *a = notify_adapter_find(d->channel);
        if (a == NULL)
            str_copy(d->err, sizeof d->err, "no adapter for this channel");
        else
            d->ok = a->deliver(&env, &d->m, d->err, sizeof d->err) == 0;
        if (!d->ok && d->err[0] == '\0')
            str_copy(d->err, sizeof d->err, "delivery failed");
    }
    record(due, n, clock_now());
}

static void *outbox_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&o_lock);
    while (!o_stop) {
        pthread_mutex_unlock(&o_lock);
        deliver_due();
        pthread_mutex_lock(&o_lock);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += EVERY_MS * 1000000L;
        until.tv_sec += until.tv_nsec / 1000000000L;
        until.tv_nsec %= 1000000000L;
        if (!o_stop)
            pthread_cond_timedwait(&o_cond, &o_lock, &until);
    }
    pthread_mutex_unlock(&o_lock);
    return NULL;
}

int outbox_start(const char *db_url, const keys_t *keys, const char *channel)
{
    if (notify_adapter_find(channel) == NULL) {
        log_error("no notification adapter for channel %s", channel ? channel : "(none)");
        return -1;
    }
    char err[512];
    if (db_open(&o_db, db_url, 0, err, sizeof err) != DB_OK) {
        log_error("%s", err);
        return -1;
    }
    o_keys = keys;
    o_stop = 0;
    pthread_create(&o_tid, NULL, outbox_main, NULL);
    o_running = 1;
    return 0;
}

void outbox_stop(void)
{
    if (!o_running)
        return;
    pthread_mutex_lock(&o_lock);
    o_stop = 1;
    pthread_cond_signal(&o_cond);
    pthread_mutex_unlock(&o_lock);
    pthread_join(o_tid, NULL);
    db_close(o_db);
    o_db = NULL;
    o_running = 0;
}

/* ---------------------------------------------------------------- the list */

static const char *const outbox_states[] = {"queued", "sent", "failed", NULL};

static const field_t outbox_list_query[] = {
    {"org", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"state", F_ENUM, 0, 0, 0, outbox_states, 0},
    {"recipient_id", F_INT, 0, 1, INT64_MAX, NULL, 0},
    FIELDS_END,
};

static const res_filter_t outbox_filters[] = {
    {"state", "x.state = ?", 0},
    {"recipient_id", "x.recipient_id = ?", 0},
    {NULL, NULL, 0},
};

static const entity_t outbox_entity = {"outbox", "SELECT org_id FROM outbox WHERE id = ?", NULL};

static void outbox_row(json_t *row)
{
    json_t *p = json_loads(json_string_value(json_object_get(row, "params")), 0, NULL);
    json_object_set_new(row, "params", p ? p : json_object());
}

/* Support reads it: who holds user.write over the change's node (admin, the
 * node's staff), in id order (the order they were queued). */
static const resource_t outbox_res = {
    .name = "outbox",
    .table = "outbox",
    .entity = &outbox_entity,
    .columns = "SELECT x.id, x.org_id, o.name AS org_name, x.channel, x.recipient_id, u.username AS recipient,"
               " x.template, x.params, x.state, x.attempts, x.next_attempt_at, x.last_error, x.created_at, x.sent_at",
    .from = "FROM outbox x JOIN org o ON o.id = x.org_id JOIN app_user u ON u.id = x.recipient_id",
    .key = "x.id",
    .org_path = "o.path",
    .org_column = "org_id",
    .read_perm = PERM_USER_WRITE,
    .write_perm = PERM_USER_WRITE,
    .filters = outbox_filters,
    .rules = {.row = outbox_row},
};

const op_t outbox_ops[] = {
    {OP(HTTP_GET, "/api/v1/outbox", "outbox.list", PERM(PERM_USER_WRITE), RF_PAGED, res_list), .res = &outbox_res,
     .query = outbox_list_query},
    OPS_END,
};
