/* The writer thread: owns the write connection, runs queued changes in groups
 * inside one transaction (a savepoint each on a redo), commits once per group
 * (one fsync for many writes) and sends each answer back to its request's loop.
 * Transactions, savepoints and the state kept across them are the write
 * pipeline's (api/tx.h); this file knows threads, queues, groups, redo,
 * idempotency keys and answers. */
#include "http/internal.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api/tx.h"
#include "lib/util.h"

#define GROUP_MAX 256
#define PERIOD_NS (5ull * 1000000000ull) /* how often the periodic work runs */

static pthread_mutex_t q_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t q_cond; /* waits on CLOCK_MONOTONIC (writer_start): a wall clock set back never stalls the timer */
static job_t *q_head, *q_tail;
static int q_stop;
static pthread_t w_tid;
static db_t *w_db;
static const keys_t *w_keys;
static const server_config_t *w_cfg;

void job_free(job_t *job)
{
    json_decref(job->data);
    json_decref(job->data_copy);
    reply_clear(&job->rep); /* before w.in: an answer may point into it */
    free((void *)job->w.in);
    free(job->idem_key);
    free(job);
}

void writer_submit(job_t *job)
{
    pthread_mutex_lock(&q_lock);
    job->next = NULL;
    if (q_tail)
        q_tail->next = job;
    else
        q_head = job;
    q_tail = job;
    pthread_cond_signal(&q_cond);
    pthread_mutex_unlock(&q_lock);
}

/* Answer a repeated creating request from its stored first answer. 1 if found. */
static int idem_replay(job_t *job)
{
    db_stmt_t *st = db_q(w_db, "SELECT status, body, route, request_hash FROM idempotency WHERE user_id = ? AND idem_key = ?", "it",
                         job->w.who.user_id, job->idem_key);
    if (st == NULL)
        return 0;
    int found = 0;
    if (db_step(st) == DB_ROW) {
        const char *route = db_col_text(st, 2);
        if (strcmp(route, op_at(job->route_index)->name) != 0 || strcmp(db_col_text(st, 3), job->idem_hash) != 0) {
            api_fail(&job->rep, job->w.lang, E_IDEMPOTENCY_KEY_REUSED, "Idempotency-Key");
        } else {
            job->rep.status = (int)db_col_int(st, 0);
            job->rep.json = json_loads(db_col_text(st, 1), 0, NULL);
        }
        found = 1;
    }
    db_done(st);
    return found;
}

/* Keys are kept a day: long enough for any client's retries. */
#define IDEM_KEEP_SECONDS 86400

static void idem_store(job_t *job)
{
    db_exec(w_db, NULL, "DELETE FROM idempotency WHERE user_id = ? AND created_at < ?", "ii", job->w.who.user_id,
            job->w.now - IDEM_KEEP_SECONDS);
    char *body = job->rep.json ? json_dumps(job->rep.json, JSON_COMPACT)
                 : job->rep.raw && job->rep.content_type && strncmp(job->rep.content_type, "application/json", 16) == 0
                     ? xstrndup(job->rep.raw, job->rep.raw_len)
                     : xstrdup("null");
    db_exec(w_db, NULL,
            "INSERT INTO idempotency (user_id, idem_key, route, request_hash, status, body, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            "itttiti", job->w.who.user_id, job->idem_key, op_at(job->route_index)->name, job->idem_hash,
            (int64_t)job->rep.status, body,
            job->w.now);
    free(body);
}

/* One job's change: its stored first answer when it repeats an Idempotency-Key,
 * else its write; a creating write's whole answer is kept for its repeats. */
static int job_step(db_t *db, void *arg)
{
    job_t *job = arg;
    if (job->idem_key && idem_replay(job))
        return 0; /* answered from the first time */
    /* The clock is read here, in commit order, so times never run backwards. */
    int64_t now = clock_now();
    if (now > job->w.now)
        job->w.now = now;
    int rc = job->fn(db, &job->w, job->data, &job->rep);
    if (rc == 0 && job->idem_key && job->rep.status < 300) {
        /* A replayed answer must be the whole answer: build it here, then keep it. */
        if (job->rep.after_commit != NULL) {
            job->rep.after_commit(db, &job->rep);
            job->rep.after_commit = NULL;
        }
        idem_store(job);
    }
    return rc;
}

/* Run one job. With a savepoint (safe), a failed job is rolled back alone and
 * answered; 0. Without (the group's first try), a failed job leaves the
 * transaction as it is and -1 says so: the caller redoes the group. */
static int run_one(job_t *job, int safe)
{
    int64_t storage = db_storage_failures(w_db, NULL);
    int rc = tx_run(w_db, safe, job_step, job);
    int last = DB_OK;
    if (rc != 0 && db_storage_failures(w_db, &last) != storage) {
        /* The storage refused a statement of it (PostgreSQL's disk_full on a table):
         * 503 storage_full or storage_error, whatever its handler made of the failure. */
        reply_clear(&job->rep);
        api_db_error(&job->rep, job->w.lang, last, NULL);
    }
    if (!safe)
        return rc;
    if (job->rep.status == 0)
        api_db_error(&job->rep, job->w.lang, DB_ERR, NULL);
    return 0;
}

/* Run a group's jobs in the open transaction. First without savepoints: each
 * costs SQLite a copy of every page its job touches, and nearly every job
 * succeeds. When one fails, everything is rolled back and the group is run
 * again with a savepoint per job, as it came (each job's data was copied
 * first, unless its write leaves it as it came), except the failed job itself
 * when it answered an error: that answer stands. DB_OK, or the error of beginning again. */
static int run_group(job_t *group)
{
    job_t *failed = NULL;
    for (job_t *j = group; j && !failed; j = j->next) {
        j->data_copy = j->data && !j->data_kept ? json_deep_copy(j->data) : NULL;
        if (run_one(j, 0) != 0)
            failed = j;
    }
    if (failed == NULL) {
        for (job_t *j = group; j; j = j->next) {
            json_decref(j->data_copy);
            j->data_copy = NULL;
        }
        return DB_OK;
    }
    /* An error the job answered stands, unless a statement of it failed on a
     * backend that then refuses the rest (its answer may not be the whole story). */
    failed->settled = failed->rep.status >= 400 && !db_tx_failed(w_db);
    tx_rollback(w_db);
    for (job_t *j = group;; j = j->next) { /* the jobs that ran: up to the failed one */
        if (j->settled) {
            json_decref(j->data_copy);
        } else {
            if (!j->data_kept) {
                json_decref(j->data);
                j->data = j->data_copy;
            }
            reply_clear(&j->rep);
        }
        j->data_copy = NULL;
        if (j == failed)
            break;
    }
    int rc = tx_begin(w_db);
    if (rc != DB_OK)
        return rc;
    for (job_t *j = group; j; j = j->next)
        if (!j->settled)
            run_one(j, 1);
    return DB_OK;
}

static void fail_group(job_t *group, int rc)
{
    for (job_t *j = group; j; j = j->next) {
        json_decref(j->rep.json);
        j->rep.json = NULL;
        free(j->rep.set_cookie);
        j->rep.set_cookie = NULL;
        /* busy, a database out of reach, a full disk and a failed write or sync are 503s: the group
         * is not acknowledged */
        api_db_error(&j->rep, j->w.lang, rc == DB_BUSY || rc == DB_UNAVAILABLE || rc == DB_FULL || rc == DB_IOERR ? rc : DB_ERR, NULL);
    }
}

/* Hand the answers back: one message per loop carrying all of its jobs (chained
 * on next), so a loop wakes once per group rather than once per job.
 * Background jobs (no loop) are freed here. */
static void answer_group(job_t *group)
{
    while (group != NULL) {
        job_t *carrier = group, *tail = group, *rest = NULL, **rest_end = &rest;
        for (job_t *j = group->next, *next; j != NULL; j = next) {
            next = j->next;
            if (j->loop == carrier->loop) {
                tail->next = j;
                tail = j;
            } else {
                *rest_end = j;
                rest_end = &j->next;
            }
        }
        tail->next = NULL;
        *rest_end = NULL;
        group = rest;
        if (carrier->loop != NULL) {
            h2o_multithread_send_message(&carrier->loop->done_receiver, &carrier->super);
        } else {
            for (job_t *j = carrier, *next; j != NULL; j = next) {
                next = j->next;
                job_free(j);
            }
        }
    }
}

/* The periodic work (the hooks', api/tx.h), in a transaction of its own, as the system. */
static void periodic(void)
{
    write_ctx_t w;
    memset(&w, 0, sizeof w);
    access_system(&w.who, "system");
    str_copy(w.source, sizeof w.source, "timer");
    str_copy(w.lang, sizeof w.lang, "zh-CN");
    w.now = clock_now();
    w.keys = w_keys;
    w.cfg = w_cfg;
    if (tx_periodic(w_db, &w) > 0) /* logs what it did, or its failure */
        events_committed();
}

/* 1 if a committed group may have changed someone's inbox: a request's write
 * answered with success. Background writes (a session's last-seen time) change
 * no inbox, and would otherwise wake every stream each minute per user. */
static int group_changed_inboxes(const job_t *group)
{
    for (const job_t *j = group; j != NULL; j = j->next)
        if (j->loop != NULL && j->rep.status > 0 && j->rep.status < 300)
            return 1;
    return 0;
}

static void *writer_main(void *arg)
{
    (void)arg;
    tx_keep();
    uint64_t last_tick = clock_mono_ns();
    for (;;) {
        if (clock_mono_ns() - last_tick >= PERIOD_NS) {
            periodic();
            last_tick = clock_mono_ns();
        }
        pthread_mutex_lock(&q_lock);
        while (q_head == NULL && !q_stop) {
            struct timespec until;
            clock_gettime(CLOCK_MONOTONIC, &until);
            until.tv_sec += PERIOD_NS / 1000000000ull;
            if (pthread_cond_timedwait(&q_cond, &q_lock, &until) != 0)
                break; /* time for the periodic work */
        }
        if (q_head == NULL && q_stop) {
            pthread_mutex_unlock(&q_lock);
            break;
        }
        if (q_head == NULL) {
            pthread_mutex_unlock(&q_lock);
            continue;
        }
        job_t *group = q_head, *last = q_head;
        for (int n = 1; n < GROUP_MAX && last->next; n++)
            last = last->next;
        q_head = last->next;
        if (q_head == NULL)
            q_tail = NULL;
        last->next = NULL;
        pthread_mutex_unlock(&q_lock);

        int64_t unreachable = db_unreachable(w_db);
        int rc = tx_begin(w_db);
        if (rc == DB_OK)
            rc = run_group(group);
        if (rc == DB_OK) {
            rc = tx_commit(w_db);
            if (rc != DB_OK) {
                log_error("group commit failed: %s", db_errmsg(w_db));
                tx_rollback(w_db);
                if (rc == DB_IOERR || rc == DB_FULL)
                    db_bury_failed_commit(w_db);
            }
        } else {
            log_error("cannot begin a write: %s", db_errmsg(w_db)); /* the pipeline forgot what it kept */
        }
        if (rc != DB_OK && db_unreachable(w_db) != unreachable)
            rc = DB_UNAVAILABLE; /* reliability: postgres: the database went away during the group */
        if (rc != DB_OK)
            fail_group(group, rc);
        else if (group_changed_inboxes(group))
            events_committed();

        answer_group(group);
    }
    tx_release();
    return NULL;
}

int writer_start(const server_config_t *cfg, const keys_t *keys)
{
    w_keys = keys;
    w_cfg = cfg;
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&q_cond, &attr);
    pthread_condattr_destroy(&attr);
    char err[512];
    if (db_open(&w_db, cfg->db_url, DB_OPEN_WRITER, err, sizeof err) != DB_OK) {
        log_error("%s", err);
        return -1;
    }
    pthread_create(&w_tid, NULL, writer_main, NULL);
    return 0;
}

void writer_stop(void)
{
    pthread_mutex_lock(&q_lock);
    q_stop = 1;
    pthread_cond_signal(&q_cond);
    pthread_mutex_unlock(&q_lock);
    pthread_join(w_tid, NULL);
    pthread_cond_destroy(&q_cond);
    db_close(w_db);
    w_db = NULL;
}
