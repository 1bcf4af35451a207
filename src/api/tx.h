/* tx.h: the write pipeline. Every change to the database runs through it, from
 * the server's writer thread (src/http/writer.c) and from every CLI command that
 * writes (src/cli/), so both leave the kept state (the audit chain's head, org
 * nodes, the casework figure batch) and the tables alike.
 *
 * The pipeline knows no domain. A module that keeps state across the changes of
 * a transaction, or across transactions, registers hooks once at startup
 * (api_hooks_register, before any thread starts); the pipeline calls them in
 * the order they were registered. No server library types here. */
#ifndef JICENG_TX_H
#define JICENG_TX_H

#include "api/api.h"

/* One module's hooks; any may be NULL. */
typedef struct tx_hooks {
    const char *name;
    /* This thread runs the pipeline from now on and may keep state between
     * transactions (tx_keep); give that memory back (tx_release). */
    void (*keep)(void);
    void (*release)(void);
    /* A transaction began (after forget, if that ran). */
    void (*begin)(db_t *db);
    /* Just before the commit: write what was batched. DB_OK, or an error that
     * makes the caller roll the transaction back. */
    int (*before_commit)(db_t *db);
    /* The commit is on disk. */
    void (*after_commit)(db_t *db);
    /* What is kept no longer holds: the transaction was rolled back, or
     * another connection committed since this thread's last transaction. */
    void (*forget)(void);
    /* One change of a group is done: kept 1 (its savepoint released, or it ran
     * without one and succeeded), 0 (rolled back to its savepoint). A hook may
     * write to db here: outside every savepoint, in the group's transaction. */
    void (*request_end)(db_t *db, int kept);
    /* A savepoint is opened (save) / rolled back to (restore). */
    void (*save)(void);
    void (*restore)(void);
    /* Periodic work, in a transaction of its own about every few seconds (or in
     * the caller's, tx_periodic_work): how many things it changed, or -1. */
    int (*periodic)(db_t *db, const write_ctx_t *w);
} tx_hooks_t;

/* Add hooks (static storage; the same hooks twice count once). Call at startup
 * only, before any thread uses the pipeline. */
void tx_register(const tx_hooks_t *hooks);

/* Every module's hooks, in the order they run (api/common.c). Once, at startup. */
void api_hooks_register(void);

/* The calling thread keeps state between its transactions (the writer thread,
 * a CLI command): every hook's keep. tx_release when the thread is done. */
void tx_keep(void);
void tx_release(void);

/* Begin a transaction. When another connection committed since this thread's
 * last one (the data version moved), every hook forgets first; then every
 * hook's begin. DB_OK or the error (every hook has then forgotten). */
int tx_begin(db_t *db);

/* One change's work inside the open transaction: 0 to keep it, negative to
 * throw it away. */
typedef int (*tx_step_fn)(db_t *db, void *arg);

/* Run one change in the open transaction.
 * safe 0 (no savepoint): 0 when step returned 0 and the transaction still
 *   stands (every hook's request_end(1) ran); else -1 and the transaction is
 *   left as it is: the caller rolls it back (tx_rollback).
 * safe 1 (a savepoint of its own, hooks' save): 0 kept (released,
 *   request_end(1)); 1 rolled back to the savepoint (request_end(0), restore);
 *   -1 the savepoint could not be opened and step did not run. */
int tx_run(db_t *db, int safe, tx_step_fn step, void *arg);

/* DB_OK, or DB_FULL or DB_IOERR when the last write's begin or commit failed so
 * (the storage is full or failing): what /healthz reports. */
int tx_storage_state(void);

/* Every hook's before_commit, then the commit, then every hook's after_commit.
 * DB_OK, or the error: the transaction is then still open and the caller rolls
 * it back (tx_rollback) once it has read db_errmsg. */
int tx_commit(db_t *db);

/* Roll the transaction back; every hook forgets. */
void tx_rollback(db_t *db);

/* Every hook's periodic work in the open transaction: the total changed, or -1. */
int tx_periodic_work(db_t *db, const write_ctx_t *w);

/* The periodic work in a transaction of its own (begin, work, commit; rolled
 * back and logged on failure): the total changed, or -1. */
int tx_periodic(db_t *db, const write_ctx_t *w);

/* One change in a transaction of its own (tx_begin, tx_run unsafe, tx_commit;
 * tx_rollback on any failure): what the CLI and the bulk commands run.
 * DB_OK; DB_ERR when the step failed; or the error of beginning or committing
 * (*committing set to 1 for the latter, when committing is not NULL). db_errmsg
 * still tells a database error after the rollback. */
int tx_write(db_t *db, tx_step_fn step, void *arg, int *committing);

#endif
