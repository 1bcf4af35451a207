/* The inbox's event stream: GET /api/v1/inbox/events answers text/event-stream
 * and stays open. After a commit that may have changed someone's inbox, every
 * open stream gets `event: inbox` with the commit counter (no personal data;
 * the console then reads GET /api/v1/inbox again). A comment line goes out as
 * a heartbeat every --events-heartbeat seconds, and the stream ends when its
 * session no longer holds (checked before each heartbeat: an event names
 * nothing, and checking on each would read every stream's session again
 * after every commit, the data version having moved).
 *
 * Threads: the writer only bumps a counter and posts one message per loop (at
 * most one in flight per loop, so nothing queues up however many commits come);
 * everything else runs on the stream's own loop. A stream lives in its
 * request's pool: h2o frees it with the request (client gone, or ended here).
 * docs/notifications.md tells the whole design. */
#include "http/internal.h"

#include <stdio.h>
#include <string.h>

#include "api/handlers.h"
#include "lib/util.h"

/* Events to one stream at most this often: a burst of commits becomes one. */
#define EVENT_GAP_MS 1000

typedef struct stream {
    h2o_generator_t super;     /* first: h2o hands us &super */
    h2o_req_t *req;
    loop_t *loop;
    h2o_linklist_t link;       /* in loop->events.streams while open */
    const char *token;         /* the session's token, in req's pool */
    int bearer;
    int inflight;              /* a send waits for h2o's proceed */
    int want_event, want_beat, ending, ended;
    char buf[160];             /* what is in flight */
} stream_t;

static const server_config_t *e_cfg;
static const keys_t *e_keys;
static loop_t *e_loops;
static int e_nloops;
static _Atomic uint64_t e_version; /* commits that may change an inbox, since start */
static _Atomic int e_streams;      /* open streams, every loop */
static _Atomic int e_stopped;

void events_setup(const server_config_t *cfg, const keys_t *keys, loop_t *loops, int n)
{
    e_cfg = cfg;
    e_keys = keys;
    e_loops = loops;
    e_nloops = n;
    atomic_store(&e_stopped, 0);
}

/* 1 if the stream's session still holds (not revoked, expired or idle past
 * its limit; the user not disabled): the same look-up every request makes. */
static int session_holds(stream_t *s)
{
    api_req_t ar;
    memset(&ar, 0, sizeof ar);
    ar.db = s->loop->db;
    ar.cfg = e_cfg;
    ar.keys = e_keys;
    principal_t who;
    return auth_session_lookup(&ar, s->token, s->bearer, &who) == 0;
}

/* Send what the stream wants, unless a send is still in flight (h2o calls
 * proceed when it is done, and this runs again). */
static void stream_flush(stream_t *s)
{
    if (s->ended || s->inflight)
        return;
    if (!s->ending && s->want_beat && !session_holds(s))
        s->ending = 1;
    if (s->ending) {
        s->ended = 1;
        h2o_send(s->req, NULL, 0, H2O_SEND_STATE_FINAL);
        return;
    }
    int n = 0;
    if (s->want_event)
        n = snprintf(s->buf, sizeof s->buf, "event: inbox\ndata: {\"version\":%llu}\n\n",
                     (unsigned long long)atomic_load(&e_version));
    else if (s->want_beat)
        n = snprintf(s->buf, sizeof s->buf, ": heartbeat\n\n"); /* an event carries one already */
    s->want_event = s->want_beat = 0;
    if (n <= 0)
        return;
    h2o_iovec_t b = h2o_iovec_init(s->buf, (size_t)n);
    s->inflight = 1;
    h2o_send(s->req, &b, 1, H2O_SEND_STATE_IN_PROGRESS);
}

static void on_proceed(h2o_generator_t *self, h2o_req_t *req)
{
    (void)req;
    stream_t *s = (stream_t *)self;
    s->inflight = 0;
    stream_flush(s);
}

/* h2o ends the response itself (the client went away): send nothing more. */
static void on_stop(h2o_generator_t *self, h2o_req_t *req)
{
    (void)req;
    ((stream_t *)self)->ended = 1;
}

/* The request's pool is freed: the stream is gone. */
static void on_dispose(void *p)
{
    stream_t *s = p;
    if (h2o_linklist_is_linked(&s->link))
        h2o_linklist_unlink(&s->link);
    atomic_fetch_sub(&e_streams, 1);
}

/* Each stream of the loop: want (an event or a heartbeat), then send. */
static void each_stream(loop_t *loop, int event)
{
    h2o_linklist_t *head = &loop->events.streams;
    for (h2o_linklist_t *l = head->next, *next; l != head; l = next) {
        next = l->next; /* a flush may end the stream, not free it: h2o frees later */
        stream_t *s = H2O_STRUCT_FROM_MEMBER(stream_t, link, l);
        if (event)
            s->want_event = 1;
        else
            s->want_beat = 1;
        stream_flush(s);
    }
}

static void broadcast(loop_t *loop)
{
    loop->events.last_sent_ms = h2o_now(loop->ctx.loop);
    each_stream(loop, 1);
}

static void on_gap(h2o_timeout_entry_t *entry)
{
    loop_t *loop = (loop_t *)((char *)entry - offsetof(loop_t, events.gap));
    broadcast(loop);
}

static void on_beat(h2o_timeout_entry_t *entry)
{
    loop_t *loop = (loop_t *)((char *)entry - offsetof(loop_t, events.beat));
    each_stream(loop, 0);
    h2o_timeout_link(loop->ctx.loop, &loop->events.beat_timeout, &loop->events.beat);
}

/* The writer's message: send now, or when EVENT_GAP_MS has passed since the last. */
static void on_committed(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages)
{
    loop_t *loop = (loop_t *)((char *)receiver - offsetof(loop_t, events.receiver));
    while (!h2o_linklist_is_empty(messages))
        h2o_linklist_unlink(messages->next); /* our own message, not allocated */
    atomic_store(&loop->events.posted, 0);
    if (loop->stopping || h2o_timeout_is_linked(&loop->events.gap))
        return;
    if (h2o_now(loop->ctx.loop) - loop->events.last_sent_ms >= EVENT_GAP_MS)
        broadcast(loop);
    else
        h2o_timeout_link(loop->ctx.loop, &loop->events.gap_timeout, &loop->events.gap);
}

void events_loop_init(loop_t *loop)
{
    events_loop_t *e = &loop->events;
    h2o_linklist_init_anchor(&e->streams);
    h2o_multithread_register_receiver(loop->ctx.queue, &e->receiver, on_committed);
    h2o_timeout_init(loop->ctx.loop, &e->beat_timeout, (uint64_t)e_cfg->events_heartbeat * 1000);
    h2o_timeout_init(loop->ctx.loop, &e->gap_timeout, EVENT_GAP_MS);
    e->beat.cb = on_beat;
    e->gap.cb = on_gap;
    h2o_timeout_link(loop->ctx.loop, &e->beat_timeout, &e->beat);
}

void events_committed(void)
{
    atomic_fetch_add(&e_version, 1);
    if (atomic_load(&e_stopped))
        return;
    for (int i = 0; i < e_nloops; i++) {
        events_loop_t *e = &e_loops[i].events;
        if (!atomic_exchange(&e->posted, 1))
            h2o_multithread_send_message(&e->receiver, &e->message);
    }
}

void events_stop(void)
{
    atomic_store(&e_stopped, 1);
}

void events_loop_stop(loop_t *loop)
{
    events_loop_t *e = &loop->events;
    if (h2o_timeout_is_linked(&e->beat))
        h2o_timeout_unlink(&e->beat);
    if (h2o_timeout_is_linked(&e->gap))
        h2o_timeout_unlink(&e->gap);
    h2o_linklist_t *head = &e->streams;
    for (h2o_linklist_t *l = head->next, *next; l != head; l = next) {
        next = l->next;
        stream_t *s = H2O_STRUCT_FROM_MEMBER(stream_t, link, l);
        h2o_linklist_unlink(&s->link);
        s->req->http1_is_persistent = 0;
        s->ending = 1;
        stream_flush(s); /* or on proceed, when a send is in flight */
    }
}

int api_event_stream(api_req_t *req, api_reply_t *rep)
{
    http_req_t *hr = req->priv;
    if (hr == NULL || hr->h2o == NULL)
        return api_fail(rep, req->lang, E_INTERNAL, NULL);
    h2o_req_t *r = hr->h2o;
    loop_t *loop = hr->loop;
    if (loop->stopping || atomic_fetch_add(&e_streams, 1) >= e_cfg->max_event_streams) {
        if (!loop->stopping)
            atomic_fetch_sub(&e_streams, 1);
        return api_fail(rep, req->lang, E_EVENT_STREAMS_FULL, NULL);
    }
    stream_t *s = h2o_mem_alloc_shared(&r->pool, sizeof *s, on_dispose);
    memset(s, 0, sizeof *s);
    s->super.proceed = on_proceed;
    s->super.stop = on_stop;
    s->req = r;
    s->loop = loop;
    s->token = request_token(r, &s->bearer);
    h2o_linklist_insert(&loop->events.streams, &s->link);

    r->res.status = 200;
    r->res.reason = "OK";
    h2o_add_header(&r->pool, &r->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, H2O_STRLIT("text/event-stream; charset=utf-8"));
    h2o_add_header(&r->pool, &r->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL, H2O_STRLIT("no-store"));
    h2o_add_header_by_str(&r->pool, &r->res.headers, H2O_STRLIT("x-accel-buffering"), 0, NULL, H2O_STRLIT("no"));
    h2o_start_response(r, &s->super);
    /* The first event at once: a client that (re)connects reads the inbox
     * then, so nothing committed while it was away is missed. */
    int n = snprintf(s->buf, sizeof s->buf, "retry: 5000\nevent: inbox\ndata: {\"version\":%llu}\n\n",
                     (unsigned long long)atomic_load(&e_version));
    h2o_iovec_t b = h2o_iovec_init(s->buf, (size_t)n);
    s->inflight = 1;
    h2o_send(r, &b, 1, H2O_SEND_STATE_IN_PROGRESS);
    metrics_record(hr->route_index, 200, clock_mono_ns() - hr->start_ns);
    return API_DEFERRED;
}
