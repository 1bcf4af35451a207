/* The offload pool: CPU-heavy work of a request (password hashing, reading a
 * spreadsheet) run on a few worker threads of lower priority, off the event
 * loop threads, so that a flood of such requests cannot stall every other
 * request of the loop. No server library types here: handlers use it as they
 * use api_defer.
 *
 * How to use it, from a handler (on its loop thread):
 *
 *     typedef struct { char *text; int result; } my_job_t;   // what work needs and gives
 *     static void my_work(void *arg) { my_job_t *j = arg; j->result = heavy(j->text); }
 *     static int my_done(api_req_t *req, api_reply_t *rep, void *arg)
 *     {
 *         my_job_t *j = arg;
 *         if (j->result < 0)
 *             return api_fail(rep, req->lang, E_SOME_ERROR, "field");
 *         return api_defer(req, my_write, json_pack(...)); // or answer with api_json
 *     }
 *     static void my_free(void *arg) { my_job_t *j = arg; free(j->text); free(j); }
 *
 *     int my_handler(api_req_t *req, api_reply_t *rep)
 *     {
 *         my_job_t *j = xcalloc(1, sizeof *j);
 *         j->text = xstrdup(...);                 // copy: the request's memory is not the pool's
 *         return api_offload(req, rep, OFFLOAD_HASH, my_work, my_done, j, my_free);
 *     }
 *
 * The contract:
 * - work runs on a pool thread of the given kind. It must touch nothing of the
 *   request (not req, not req->body, not req->upload: copy what it needs into
 *   arg before api_offload), no loop's database connection and no h2o. It may
 *   open a database connection of its own if it must read (it is not on a loop).
 * - done runs afterwards on the request's own loop thread, like a handler: with
 *   a request rebuilt from the original (route, method, path, query, params,
 *   who, session, remote address, language, Idempotency-Key, cfg, keys, the
 *   loop's read connection `db`), but body and upload NULL. It fills rep and
 *   returns 0 (or -1, as api_fail does), or hands on with api_defer / api_defer_kept / api_offload and
 *   returns their API_DEFERRED.
 * - done runs even when the client has gone meanwhile (req->gone is 1): its
 *   answer is then dropped, and a write it hands to the writer still commits
 *   (like any write whose client left), so the client's retry must be safe.
 * - arg belongs to the pool from the call on: it is freed with arg_free (NULL:
 *   free()) after done returns, or at once when the job is refused. done must
 *   not free it; it may take pointers out of it (setting them NULL).
 * - When the kind's queue is full (threads busy and `queue` jobs waiting),
 *   api_offload refuses: rep becomes 503 `busy` (the answer carries
 *   Retry-After: 1), arg is freed, and it returns 0 for the handler to return.
 * - Each kind has its own threads and queue (server_config_t.offload, flags
 *   --hash-threads/--hash-queue, --import-threads/--import-queue), so a long
 *   import never delays a login's hash, and either is bounded on its own.
 * - The server's drain on SIGTERM waits for offloaded jobs as for writes. */
#ifndef JICENG_HTTP_OFFLOAD_H
#define JICENG_HTTP_OFFLOAD_H

#include "api/api.h"

typedef enum {
    OFFLOAD_HASH,     /* argon2id password hashing and verifying: ~64 MiB and tens of ms each */
    OFFLOAD_IMPORT,   /* reading and checking an uploaded spreadsheet */
    OFFLOAD_KINDS
} offload_kind_t;

typedef struct offload_limits {
    int threads;      /* worker threads of this kind (1 or more) */
    int queue;        /* jobs that may wait for a thread; more are refused with 503 busy */
} offload_limits_t;

#define OFFLOAD_HASH_DEFAULT ((offload_limits_t){1, 64})
#define OFFLOAD_IMPORT_DEFAULT ((offload_limits_t){1, 4})

/* How much the pool threads lower their scheduling priority (nice): the loop
 * threads then win the CPU whenever both want it. */
#define OFFLOAD_NICE 10

typedef void (*offload_work_fn)(void *arg);
typedef int (*offload_done_fn)(api_req_t *req, api_reply_t *rep, void *arg);

/* Run work(arg) on a pool thread of kind, then done(req', rep', arg) on this
 * request's loop thread, which answers. See the contract above. Returns
 * API_DEFERRED, or 0 with rep set to 503 busy when the queue is full. */
int api_offload(api_req_t *req, api_reply_t *rep, offload_kind_t kind, offload_work_fn work, offload_done_fn done,
                void *arg, void (*arg_free)(void *));

#endif
