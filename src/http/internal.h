/* Shared between the files of src/http/ only. */
#ifndef JICENG_HTTP_INTERNAL_H
#define JICENG_HTTP_INTERNAL_H

#define H2O_USE_LIBUV 0
#include <h2o.h>
#include <pthread.h>
#include <stdatomic.h>

#include "api/api.h"
#include "http/server.h"

typedef int (*handler_fn)(api_req_t *req, api_reply_t *rep);

enum { ROUTE_PUBLIC = 1, ROUTE_USER = 2, ROUTE_PERM = 3 };
/* RF_NO_REPLAY: answers that hold secrets (a revealed ID, a new token) are never
 * stored for Idempotency-Key replay, and every call is audited anew. */
/* RF_UPLOAD: the body is a file (any type, up to 10 MiB), handed over as bytes. */
/* RF_OPEN311: every error answer, even one made outside the handler (a busy
 * database at commit, a body too large), takes the Open311 error format. */
enum { RF_BODY = 1, RF_BODY_OPTIONAL = 2, RF_TEST_ONLY = 4, RF_NO_REPLAY = 8, RF_UPLOAD = 16, RF_OPEN311 = 32 };

typedef struct route {
    int method;
    const char *pattern;       /* "/api/v1/orgs/{id}" */
    handler_fn handler;
    int access;                /* ROUTE_PUBLIC, ROUTE_USER (any session) or ROUTE_PERM */
    uint32_t perm;             /* with ROUTE_PERM: the permission the caller needs somewhere */
    unsigned flags;            /* RF_* */
    const char *name;          /* metrics label */
} route_t;

extern const route_t routes[];
extern const int nroutes;

/* Check the table: every route declares its access, patterns are well formed. */
int routes_check(void);

/* Find the route for method and path; params filled. NULL if none; *allow gets
 * the methods that exist for the path (0 if the path is unknown). Test-only
 * routes exist only when test_routes is set. */
const route_t *routes_match(int method, const char *path, int64_t *params, int *nparams, int *allow,
                            int test_routes);

/* One event loop thread. */
typedef struct loop {
    h2o_context_t ctx;         /* first: h2o hands us &ctx */
    h2o_accept_ctx_t accept_ctx;
    h2o_socket_t *listener;
    h2o_multithread_receiver_t done_receiver;
    h2o_multithread_receiver_t stop_receiver;
    h2o_multithread_receiver_t offload_receiver;
    db_t *db;
    int fd;
    int index;
    int stopping;
    int pending;               /* writer and offload jobs not yet answered */
    pthread_t tid;
} loop_t;

/* A change on its way to the writer and back. */
typedef struct job {
    h2o_multithread_message_t super;
    struct job *next;
    write_fn fn;
    json_t *data;
    write_ctx_t w;
    char *idem_key;
    char idem_hash[65];        /* hex SHA-256 of the route, path and body of the request */
    int route_index;
    api_reply_t rep;
    json_t *data_copy;         /* data as it came, while a run without a savepoint may be redone */
    int settled;               /* its answer is final: not run again if the group is redone */
    int data_kept;             /* fn leaves data as it came: no copy is needed for a redo */
    h2o_req_t *req;            /* NULL once the client is gone, or for background jobs */
    loop_t *loop;              /* NULL for background jobs */
    uint64_t start_ns;
    struct job_ticket *ticket;
} job_t;

typedef struct job_ticket {
    job_t *job;
} job_ticket_t;

/* The request as dispatch.c keeps it while a handler runs. */
typedef struct http_req {
    h2o_req_t *h2o;
    loop_t *loop;
    int route_index;
    uint64_t start_ns;
} http_req_t;

/* writer.c */
int writer_start(const server_config_t *cfg, const keys_t *keys);
void writer_submit(job_t *job);
void writer_stop(void);
void job_free(job_t *job);

/* dispatch.c */
int dispatch_on_req(h2o_handler_t *self, h2o_req_t *req);
void reply_send(h2o_req_t *req, api_reply_t *rep, int route_index, uint64_t start_ns);
/* Free what rep owns and zero it. */
void reply_clear(api_reply_t *rep);
void dispatch_setup(const server_config_t *cfg, const keys_t *keys);
void on_job_done(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages);

/* offload.c: start the pool threads of every kind (server_config_t.offload);
 * stop them once no loop has a job left. offload_on_done is each loop's
 * receiver of finished jobs. */
int offload_start(const server_config_t *cfg);
void offload_stop(void);
void offload_on_done(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages);

/* metrics.c */
void metrics_record(int route_index, int status, uint64_t elapsed_ns);
char *metrics_render(size_t *len);

/* static.c: the built web app. static_register adds /assets (long-cached)
 * and then the "/" path, returned in *root, for the API handler to go first;
 * static_register_root then adds the files and the SPA fallback behind it.
 * -1 if web_root holds no index.html (the server then serves only the API). */
int static_register(h2o_hostconf_t *host, const char *web_root, h2o_pathconf_t **root,
                    h2o_headers_command_t *security);
void static_register_root(h2o_pathconf_t *root, const char *web_root);

#endif
