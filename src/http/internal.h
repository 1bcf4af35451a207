/* Shared between the files of src/http/ only. */
#ifndef JICENG_HTTP_INTERNAL_H
#define JICENG_HTTP_INTERNAL_H

#define H2O_USE_LIBUV 0
#include <h2o.h>
#include <pthread.h>
#include <stdatomic.h>

#include "api/api.h"
#include "api/op.h"
#include "core/netaddr.h"
#include "http/server.h"

/* A loop's part of the inbox's event streams (events.c). */
typedef struct events_loop {
    h2o_linklist_t streams;             /* the open streams of this loop */
    h2o_multithread_receiver_t receiver; /* "something was committed", from the writer */
    h2o_multithread_message_t message;   /* the one such message, posted at most once at a time */
    _Atomic int posted;
    h2o_timeout_t beat_timeout, gap_timeout;
    h2o_timeout_entry_t beat, gap;       /* the heartbeat; a held-back event's send */
    uint64_t last_sent_ms;
} events_loop_t;

/* One event loop thread. */
typedef struct loop {
    h2o_context_t ctx;         /* first: h2o hands us &ctx */
    h2o_accept_ctx_t accept_ctx;
    h2o_socket_t *listener;
    h2o_accept_ctx_t metrics_accept_ctx; /* --metrics-listen: hosts serving /metrics only */
    h2o_socket_t *metrics_listener;      /* loop 0 only, when --metrics-listen is set */
    int metrics_fd;
    h2o_multithread_receiver_t done_receiver;
    h2o_multithread_receiver_t stop_receiver;
    h2o_multithread_receiver_t offload_receiver;
    db_t *db;
    int fd;
    int index;
    int stopping;
    int pending;               /* writer and offload jobs not yet answered */
    events_loop_t events;
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
/* The handler of the --metrics-listen listener: /metrics, everything else 404. */
int dispatch_metrics_on_req(h2o_handler_t *self, h2o_req_t *req);
/* Goes first on every path that does not start with dispatch_on_req (e.g. the
 * web app's /assets): refuses a request whose body length is ambiguous. */
int dispatch_guard_on_req(h2o_handler_t *self, h2o_req_t *req);
/* On the host's fallback path, where h2o binds the errors it answers before any
 * handler (a body over its limit: 413; a malformed request: 400; an unknown
 * Expect: 417): those answers become our JSON errors. */
void dispatch_register_h2o_errors(h2o_pathconf_t *fallback);
void reply_send(h2o_req_t *req, api_reply_t *rep, int route_index, uint64_t start_ns);
/* Free what rep owns and zero it. */
void reply_clear(api_reply_t *rep);
void dispatch_setup(const server_config_t *cfg, const keys_t *keys);
void on_job_done(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages);

/* The session token a request carries: the Bearer token (*bearer 1), else the
 * session cookie's, or NULL. In req's pool. */
const char *request_token(h2o_req_t *req, int *bearer);

/* events.c: the inbox's event stream (GET /api/v1/inbox/events).
 * events_setup: before the loops start, with every loop; events_loop_init on
 * each loop's thread once its context exists; events_committed from the writer
 * after a commit that may change someone's inbox (never blocks: at most one
 * message per loop in flight); events_stop when the drain begins (no more
 * messages), then events_loop_stop on each loop (its streams end). */
void events_setup(const server_config_t *cfg, const keys_t *keys, loop_t *loops, int n);
void events_loop_init(loop_t *loop);
void events_committed(void);
void events_stop(void);
void events_loop_stop(loop_t *loop);

/* peer.c: who is on the other end. */
void peer_setup(const server_config_t *cfg);
/* The connection's own peer (a proxy's address behind a proxy). 0, or -1 (not IP). */
int peer_of_socket(h2o_socket_t *sock, netaddr_t *out);
int peer_of_request(h2o_req_t *req, netaddr_t *out);
/* 1 if the request carries X-Forwarded-For or X-Real-IP (it came through a proxy). */
int request_is_forwarded(h2o_req_t *req);
/* The client's address as text, the one answer for rate limits, login failures,
 * audit rows and logs: the peer, or when the peer is a trusted proxy
 * (--trusted-proxy) the address its forwarding headers name (core/netaddr.h). */
void client_address(h2o_req_t *req, char *out, size_t cap);
/* Count one more open connection from a; NULL (nothing counted) if a already
 * has cap. Give the result to peer_release when the connection closes. */
void *peer_admit(const netaddr_t *a, int cap);
void peer_release(void *entry);
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
