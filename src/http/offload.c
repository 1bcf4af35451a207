/* The offload pool (see offload.h): per kind of job, a few worker threads of
 * lower priority and a bounded queue; each finished job goes back to its
 * request's loop through an h2o_multithread message, where its completion
 * answers. The request's lifetime is tied to the job as the writer's is: a
 * ticket in the request's pool whose dispose callback forgets the request. */
#include "http/internal.h"

#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "lib/util.h"

typedef struct ojob {
    h2o_multithread_message_t super; /* first: the message is the job */
    struct ojob *next;
    offload_work_fn work;
    offload_done_fn done;
    void *arg;
    void (*arg_free)(void *);
    h2o_req_t *req;            /* NULL once the client is gone; read and written on the loop only */
    loop_t *loop;
    struct ojob_ticket *ticket;
    int route_index;
    uint64_t start_ns;
    api_req_t ar;              /* the request as the handler saw it, for done */
    principal_t who;
    int has_who;
    char *path, *query, *idem_key;
} ojob_t;

typedef struct ojob_ticket {
    ojob_t *job;
} ojob_ticket_t;

typedef struct pool {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    ojob_t *head, *tail;
    int waiting;               /* jobs queued, not yet taken by a thread */
    int running;               /* jobs taken, not yet finished */
    int cap;                   /* jobs that may wait while every thread is busy */
    int nthreads;
    int stop;
    pthread_t *tids;
} pool_t;

static pool_t pools[OFFLOAD_KINDS];

static void ojob_free(ojob_t *job)
{
    if (job->arg_free != NULL)
        job->arg_free(job->arg);
    else
        free(job->arg);
    free(job->path);
    free(job->query);
    free(job->idem_key);
    free(job);
}

static void on_ticket_dispose(void *p)
{
    ojob_ticket_t *t = p;
    if (t->job != NULL)
        t->job->req = NULL;
}

static void *pool_main(void *arg)
{
    pool_t *p = arg;
    /* Linux schedules each thread with its own nice value. Failing to lower it
     * (a sandbox) is harmless: the work is still off the loops. */
    if (setpriority(PRIO_PROCESS, (id_t)gettid(), OFFLOAD_NICE) != 0)
        log_info("offload: could not lower the pool thread's priority");
    for (;;) {
        pthread_mutex_lock(&p->lock);
        while (p->head == NULL && !p->stop)
            pthread_cond_wait(&p->cond, &p->lock);
        if (p->head == NULL) {
            pthread_mutex_unlock(&p->lock);
            break;
        }
        ojob_t *job = p->head;
        p->head = job->next;
        if (p->head == NULL)
            p->tail = NULL;
        job->next = NULL;
        p->waiting--;
        p->running++;
        pthread_mutex_unlock(&p->lock);

        job->work(job->arg);
        pthread_mutex_lock(&p->lock);
        p->running--;
        pthread_mutex_unlock(&p->lock);
        h2o_multithread_send_message(&job->loop->offload_receiver, &job->super);
    }
    return NULL;
}

int api_offload(api_req_t *req, api_reply_t *rep, offload_kind_t kind, offload_work_fn work, offload_done_fn done,
                void *arg, void (*arg_free)(void *))
{
    http_req_t *hr = req->priv;
    pool_t *p = &pools[kind];
    ojob_t *job = xcalloc(1, sizeof *job);
    job->work = work;
    job->done = done;
    job->arg = arg;
    job->arg_free = arg_free;
    job->loop = hr->loop;
    job->route_index = hr->route_index;
    job->start_ns = hr->start_ns;

    job->ar = *req;
    job->ar.body = NULL;
    job->ar.upload = NULL;
    job->ar.upload_len = 0;
    job->ar.upload_type = NULL;
    job->ar.cookie_token = NULL;
    job->ar.priv = NULL;
    job->path = xstrdup(req->path ? req->path : "");
    job->query = xstrdup(req->query ? req->query : "");
    job->idem_key = req->idem_key ? xstrdup(req->idem_key) : NULL;
    if (req->who != NULL) {
        job->who = *req->who;
        job->has_who = 1;
    }
    if (hr->h2o != NULL) {
        job->req = hr->h2o;
        job->ticket = h2o_mem_alloc_shared(&hr->h2o->pool, sizeof *job->ticket, on_ticket_dispose);
        job->ticket->job = job;
    }

    pthread_mutex_lock(&p->lock);
    int full = p->nthreads == 0 || p->stop || p->waiting + p->running >= p->nthreads + p->cap;
    if (!full) {
        if (p->tail)
            p->tail->next = job;
        else
            p->head = job;
        p->tail = job;
        p->waiting++;
        job->loop->pending++; /* the loop drains it before it stops */
        pthread_cond_signal(&p->cond);
    }
    pthread_mutex_unlock(&p->lock);
    if (full) {
        if (job->ticket != NULL)
            job->ticket->job = NULL;
        ojob_free(job);
        return api_fail(rep, req->lang, E_POOL_BUSY, NULL);
    }
    return API_DEFERRED;
}

void offload_on_done(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages)
{
    (void)receiver;
    while (!h2o_linklist_is_empty(messages)) {
        h2o_multithread_message_t *m = H2O_STRUCT_FROM_MEMBER(h2o_multithread_message_t, link, messages->next);
        h2o_linklist_unlink(&m->link);
        ojob_t *job = (ojob_t *)m;
        loop_t *loop = job->loop;
        loop->pending--;
        if (job->req != NULL)
            job->ticket->job = NULL; /* done may answer, and the request then go */
        http_req_t hr = {job->req, loop, job->route_index, job->start_ns};
        api_req_t ar = job->ar;
        ar.priv = &hr;
        ar.db = loop->db;
        ar.path = job->path;
        ar.query = job->query;
        ar.idem_key = job->idem_key;
        ar.who = job->has_who ? &job->who : NULL;
        ar.gone = job->req == NULL;
        api_reply_t rep;
        memset(&rep, 0, sizeof rep);
        int rc = job->done(&ar, &rep, job->arg);
        if (rc != API_DEFERRED && job->req != NULL) {
            if (rep.status == 0)
                api_fail(&rep, ar.lang, E_INTERNAL, NULL);
            reply_send(job->req, &rep, job->route_index, job->start_ns);
        }
        reply_clear(&rep);
        ojob_free(job);
    }
}

int offload_start(const server_config_t *cfg)
{
    for (int k = 0; k < OFFLOAD_KINDS; k++) {
        pool_t *p = &pools[k];
        pthread_mutex_init(&p->lock, NULL);
        pthread_cond_init(&p->cond, NULL);
        p->head = p->tail = NULL;
        p->waiting = 0;
        p->running = 0;
        p->stop = 0;
        p->cap = cfg->offload[k].queue;
        p->nthreads = cfg->offload[k].threads;
        p->tids = xcalloc((size_t)(p->nthreads > 0 ? p->nthreads : 1), sizeof *p->tids);
        for (int i = 0; i < p->nthreads; i++) {
            if (pthread_create(&p->tids[i], NULL, pool_main, p) != 0) {
                log_error("offload: cannot start a pool thread");
                p->nthreads = i;
                return -1;
            }
        }
    }
    return 0;
}

void offload_stop(void)
{
    for (int k = 0; k < OFFLOAD_KINDS; k++) {
        pool_t *p = &pools[k];
        pthread_mutex_lock(&p->lock);
        p->stop = 1;
        pthread_cond_broadcast(&p->cond);
        pthread_mutex_unlock(&p->lock);
        for (int i = 0; i < p->nthreads; i++)
            pthread_join(p->tids[i], NULL);
        free(p->tids);
        p->tids = NULL;
        p->nthreads = 0;
    }
}
