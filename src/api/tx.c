/* The write pipeline: transactions, savepoints and the registered hooks of the
 * state modules keep across changes (see tx.h). */
#include "api/tx.h"

#include <assert.h>
#include <stdatomic.h>
#include <stddef.h>

#include "lib/util.h"

#define HOOKS_MAX 16

static const tx_hooks_t *hooks[HOOKS_MAX];
static int nhooks;

/* The data version this thread's connection showed at its last begin. One
 * write connection per thread (the writer's, a CLI command's). */
static _Thread_local int64_t seen_version = -1;

void tx_register(const tx_hooks_t *h)
{
    for (int i = 0; i < nhooks; i++)
        if (hooks[i] == h)
            return;
    assert(nhooks < HOOKS_MAX);
    hooks[nhooks++] = h;
}

/* Call hook member m (a void function) of every hook that has it, with args. */
#define EACH(m, ...)                                                                                                   \
    do {                                                                                                               \
        for (int i_ = 0; i_ < nhooks; i_++)                                                                            \
            if (hooks[i_]->m != NULL)                                                                                  \
                hooks[i_]->m(__VA_ARGS__);                                                                             \
    } while (0)

void tx_keep(void)
{
    EACH(keep);
}

void tx_release(void)
{
    EACH(release);
}

static void forget(void)
{
    EACH(forget);
}

static _Atomic int storage_state = DB_OK; /* one per process: the server's writer, or a CLI command */

/* What the storage last said of a write: cleared by the next commit that succeeds. */
static void storage_note(int rc)
{
    if (rc == DB_OK || rc == DB_FULL || rc == DB_IOERR)
        atomic_store(&storage_state, rc);
}

int tx_storage_state(void)
{
    return atomic_load(&storage_state);
}

static _Thread_local int64_t storage_failures_at_begin; /* db_storage_failures when this thread's open transaction began */

int tx_begin(db_t *db)
{
    int rc = db_begin(db);
    if (rc != DB_OK) {
        storage_note(rc);
        forget();
        return rc;
    }
    storage_failures_at_begin = db_storage_failures(db, NULL);
    int64_t v = db_data_version(db);
    if (v != seen_version || v < 0)
        forget();
    seen_version = v;
    EACH(begin, db);
    return DB_OK;
}

int tx_run(db_t *db, int safe, tx_step_fn step, void *arg)
{
    if (!safe) {
        if (step(db, arg) != 0 || db_tx_failed(db))
            return -1;
        EACH(request_end, db, 1);
        return 0;
    }
    if (db_savepoint(db) != DB_OK)
        return -1;
    EACH(save);
    if (step(db, arg) == 0) {
        db_release(db);
        EACH(request_end, db, 1);
        return 0;
    }
    db_rollback_to(db);
    EACH(request_end, db, 0);
    EACH(restore);
    return 1;
}

int tx_commit(db_t *db)
{
    for (int i = 0; i < nhooks; i++)
        if (hooks[i]->before_commit != NULL) {
            int rc = hooks[i]->before_commit(db);
            if (rc != DB_OK)
                return rc;
        }
    int rc = db_commit(db);
    /* A commit that succeeded without a request whose statement the storage refused
     * (PostgreSQL's disk_full on a table, the rest of the group committed) does not
     * clear the refusal. */
    int last = DB_OK;
    if (rc == DB_OK && db_storage_failures(db, &last) != storage_failures_at_begin)
        storage_note(last);
    else
        storage_note(rc);
    if (rc == DB_OK)
        EACH(after_commit, db);
    return rc;
}

void tx_rollback(db_t *db)
{
    db_rollback(db);
    forget();
}

int tx_periodic_work(db_t *db, const write_ctx_t *w)
{
    int total = 0;
    for (int i = 0; i < nhooks; i++)
        if (hooks[i]->periodic != NULL) {
            int n = hooks[i]->periodic(db, w);
            if (n < 0)
                return -1;
            if (n > 0)
                log_info("periodic work, %s: %d changed", hooks[i]->name, n);
            total += n;
        }
    return total;
}

typedef struct {
    const write_ctx_t *w;
    int n;
} periodic_step_t;

static int periodic_step(db_t *db, void *arg)
{
    periodic_step_t *p = arg;
    p->n = tx_periodic_work(db, p->w);
    return p->n < 0 ? -1 : 0;
}

int tx_periodic(db_t *db, const write_ctx_t *w)
{
    periodic_step_t p = {w, 0};
    if (tx_write(db, periodic_step, &p, NULL) != DB_OK) {
        log_error("periodic work failed: %s", db_errmsg(db));
        return -1;
    }
    return p.n;
}

int tx_write(db_t *db, tx_step_fn step, void *arg, int *committing)
{
    if (committing)
        *committing = 0;
    int rc = tx_begin(db);
    if (rc != DB_OK)
        return rc;
    if (tx_run(db, 0, step, arg) != 0) {
        tx_rollback(db);
        return DB_ERR;
    }
    rc = tx_commit(db);
    if (rc != DB_OK) {
        if (committing)
            *committing = 1;
        tx_rollback(db);
    }
    return rc;
}
