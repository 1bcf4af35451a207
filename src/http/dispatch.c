/* From an h2o request to a handler and back: routing, authentication, CSRF,
 * permission, body limits and parsing, replies, deferred writes. */
#include "http/internal.h"
#include "http/headers.h"

#include <stdio.h>
#include <sodium.h>
#include <string.h>
#include <sys/socket.h>

#include "api/handlers.h"
#include "core/token.h"
#include "lib/util.h"

#define JSON_BODY_MAX (1024 * 1024)
#define UPLOAD_BODY_MAX (10 * 1024 * 1024)
/* What a download's file name may hold: nothing to quote or escape in the header. */
#define FILENAME_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-"

static const server_config_t *d_cfg;
static const keys_t *d_keys;

void dispatch_setup(const server_config_t *cfg, const keys_t *keys)
{
    d_cfg = cfg;
    d_keys = keys;
}

static const char *reason_of(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 417: return "Expectation Failed";
    case 422: return "Unprocessable Entity";
    case 423: return "Locked";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "OK";
    }
}

/* Content-Disposition for a download named name, into out (cap bytes): 1, or 0
 * when it does not fit. A name of ASCII letters, digits and . _ - goes as it is;
 * any other (a Chinese file name) as filename*=UTF-8''<percent-encoded> (RFC
 * 6266) beside a plain fallback keeping only its extension when that is plain. */
static int content_disposition(char *out, size_t cap, const char *name)
{
    size_t len = strlen(name);
    if (len > 0 && strspn(name, FILENAME_CHARS) == len) {
        int n = snprintf(out, cap, "attachment; filename=\"%s\"", name);
        return n > 0 && (size_t)n < cap;
    }
    const char *dot = strrchr(name, '.');
    if (dot == NULL || dot[1] == '\0' || strlen(dot) > 8 || strspn(dot, FILENAME_CHARS) != strlen(dot))
        dot = "";
    int n = snprintf(out, cap, "attachment; filename=\"download%s\"; filename*=UTF-8''", dot);
    if (n <= 0 || (size_t)n >= cap)
        return 0;
    size_t at = (size_t)n;
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *c = (const unsigned char *)name; *c; c++) {
        if (at + 4 > cap)
            return 0;
        if (strchr(FILENAME_CHARS, *c) != NULL)
            out[at++] = (char)*c;
        else {
            out[at++] = '%';
            out[at++] = hex[*c >> 4];
            out[at++] = hex[*c & 15];
        }
    }
    out[at] = '\0';
    return 1;
}

/* The answer's status and headers set on req; its body (in req's pool) returned. */
static h2o_iovec_t reply_prepare(h2o_req_t *req, api_reply_t *rep, int route_index)
{
    const op_t *op = op_at(route_index);
    if (op != NULL && op->error_format != NULL)
        op->error_format(h2o_strdup(&req->pool, req->path_normalized.base, req->path_normalized.len).base, rep);
    req->res.status = rep->status;
    req->res.reason = reason_of(rep->status);
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL, H2O_STRLIT("no-store"));
    if (rep->set_cookie) {
        h2o_iovec_t v = h2o_strdup(&req->pool, rep->set_cookie, SIZE_MAX);
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_SET_COOKIE, NULL, v.base, v.len);
    }
    if (rep->status == 503) /* busy or unhealthy: worth another try in a moment */
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_RETRY_AFTER, NULL, H2O_STRLIT("1"));
    if (rep->filename && rep->status < 300) {
        char cd[1600];
        if (content_disposition(cd, sizeof cd, rep->filename)) {
            h2o_iovec_t v = h2o_strdup(&req->pool, cd, strlen(cd));
            h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_DISPOSITION, NULL, v.base, v.len);
        }
    }
    if (rep->allow) {
        h2o_iovec_t v = h2o_strdup(&req->pool, rep->allow, SIZE_MAX);
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_ALLOW, NULL, v.base, v.len);
    }
    /* A known length keeps the connection open: h2o sends a body of unknown
     * length chunked, and closes the connection after one whose status is not
     * 200 (every 201 of a POST, every error). 204 and 304 carry no length. */
    h2o_iovec_t body = {NULL, 0};
    if (rep->json) {
        char *text = json_dumps(rep->json, JSON_COMPACT);
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                       H2O_STRLIT("application/json; charset=utf-8"));
        body = h2o_strdup(&req->pool, text, strlen(text));
        free(text);
        req->res.content_length = body.len;
    } else if (rep->raw) {
        const char *ct = rep->content_type ? rep->content_type : "text/plain; charset=utf-8";
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, ct, strlen(ct));
        body = h2o_strdup(&req->pool, rep->raw, rep->raw_len);
        req->res.content_length = rep->raw_len;
    }
    return body;
}

void reply_send(h2o_req_t *req, api_reply_t *rep, int route_index, uint64_t start_ns)
{
    static h2o_generator_t generator = {NULL, NULL};
    h2o_iovec_t body = reply_prepare(req, rep, route_index);
    /* h2o_send_inline, without copying the body a second time */
    h2o_start_response(req, &generator);
    if (body.len == 0 || h2o_memis(req->input.method.base, req->input.method.len, H2O_STRLIT("HEAD")))
        h2o_send(req, NULL, 0, H2O_SEND_STATE_FINAL);
    else
        h2o_send(req, &body, 1, H2O_SEND_STATE_FINAL);
    metrics_record(route_index, rep->status, clock_mono_ns() - start_ns);
}

void reply_clear(api_reply_t *rep)
{
    json_decref(rep->json);
    free(rep->raw);
    free(rep->set_cookie);
    free(rep->allow);
    free(rep->filename);
    free(rep->after_data);
    memset(rep, 0, sizeof *rep);
}

static int method_of(h2o_iovec_t m)
{
    if (h2o_memis(m.base, m.len, H2O_STRLIT("GET")))
        return HTTP_GET;
    if (h2o_memis(m.base, m.len, H2O_STRLIT("POST")))
        return HTTP_POST;
    if (h2o_memis(m.base, m.len, H2O_STRLIT("PATCH")))
        return HTTP_PATCH;
    if (h2o_memis(m.base, m.len, H2O_STRLIT("DELETE")))
        return HTTP_DELETE;
    if (h2o_memis(m.base, m.len, H2O_STRLIT("PUT")))
        return HTTP_PUT;
    return 0;
}

static char *allow_text(int allow)
{
    char buf[64] = "";
    static const struct { int bit; const char *name; } names[] = {
        {HTTP_GET, "GET"}, {HTTP_POST, "POST"}, {HTTP_PUT, "PUT"}, {HTTP_PATCH, "PATCH"}, {HTTP_DELETE, "DELETE"}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (allow & names[i].bit) {
            if (buf[0])
                strcat(buf, ", ");
            strcat(buf, names[i].name);
        }
    }
    return xstrdup(buf);
}

/* Copy the value of header name (lowercase) into a NUL-terminated pool string; NULL if absent. */
static const char *header_value(h2o_req_t *req, const char *name, size_t len)
{
    ssize_t i = h2o_find_header_by_str(&req->headers, name, len, -1);
    if (i < 0)
        return NULL;
    h2o_iovec_t v = req->headers.entries[i].value;
    return h2o_strdup(&req->pool, v.base, v.len).base;
}

/* The session token from the Cookie header(s), or NULL. */
static const char *cookie_token(h2o_req_t *req)
{
    ssize_t i = -1;
    while ((i = h2o_find_header(&req->headers, H2O_TOKEN_COOKIE, i)) >= 0) {
        h2o_iovec_t v = req->headers.entries[i].value;
        size_t len;
        const char *value = cookie_value(v.base, v.len, "jiceng_session", &len);
        if (value != NULL)
            return h2o_strdup(&req->pool, value, len).base;
    }
    return NULL;
}

const char *request_token(h2o_req_t *req, int *bearer)
{
    const char *authz = header_value(req, H2O_STRLIT("authorization"));
    *bearer = authz != NULL && strncasecmp(authz, "Bearer ", 7) == 0;
    return *bearer ? authz + 7 : cookie_token(req);
}

/* 1 if the request's header block holds more than one of Content-Length and
 * Transfer-Encoding: two lengths a proxy and we could read differently, so a
 * request hidden in the body (smuggling). h2o keeps neither header in
 * req->headers; the block is still at the start of the socket's input, which
 * h2o consumes only once the answer has left. Only requests with a body are
 * looked at (h2o sets req->entity only then). */
static int entity_length_ambiguous(h2o_req_t *req)
{
    if (req->entity.base == NULL || req->version >= 0x200)
        return 0;
    h2o_socket_t *sock = req->conn->callbacks->get_socket != NULL ? req->conn->callbacks->get_socket(req->conn) : NULL;
    if (sock == NULL || sock->input == NULL)
        return 0;
    return header_block_lengths(sock->input->bytes, sock->input->size) > 1;
}

static const char *request_lang(h2o_req_t *req)
{
    ssize_t i = h2o_find_header_by_str(&req->headers, H2O_STRLIT("accept-language"), -1);
    return i >= 0 && req->headers.entries[i].value.len >= 2 && memcmp(req->headers.entries[i].value.base, "en", 2) == 0
               ? "en"
               : "zh-CN";
}

/* Answer an ambiguous body length with 400 and close the connection, so
 * nothing behind the body is read as a request. 1 if answered. */
static int refuse_ambiguous(h2o_req_t *req, int route_index)
{
    if (!entity_length_ambiguous(req))
        return 0;
    api_reply_t rep;
    memset(&rep, 0, sizeof rep);
    api_fail(&rep, request_lang(req), E_AMBIGUOUS_LENGTH, NULL);
    req->http1_is_persistent = 0;
    reply_send(req, &rep, route_index, clock_mono_ns());
    reply_clear(&rep);
    return 1;
}

/* What every request goes through first. While the server drains (SIGTERM),
 * its answer is its connection's last, so a client that keeps its connection
 * busy cannot hold the drain up; an ambiguous body length is refused. 1 if
 * answered. */
static int screen(h2o_req_t *req)
{
    if (((loop_t *)req->conn->ctx)->stopping)
        req->http1_is_persistent = 0;
    return refuse_ambiguous(req, ops_count());
}

int dispatch_guard_on_req(h2o_handler_t *self, h2o_req_t *req)
{
    (void)self;
    return screen(req) ? 0 : -1;
}

/* h2o's error body replaced by ours (see dispatch_register_h2o_errors). */
typedef struct {
    h2o_ostream_t super;
    h2o_iovec_t body;
} body_swap_t;

static void body_swap_send(h2o_ostream_t *self, h2o_req_t *req, h2o_iovec_t *bufs, size_t bufcnt,
                           h2o_send_state_t state)
{
    body_swap_t *o = (body_swap_t *)self;
    if (bufcnt > 0 && o->body.len > 0) {
        h2o_iovec_t b = o->body;
        o->body.len = 0; /* sent once */
        h2o_ostream_send_next(self, req, &b, 1, state);
    } else {
        (void)bufs;
        h2o_ostream_send_next(self, req, NULL, 0, state);
    }
}

/* The errors h2o answers on its own, before any handler: a body over its limit,
 * a malformed header block or chunked body, an Expect it does not know. */
static int h2o_error_reply(api_reply_t *rep, const char *lang, int status)
{
    switch (status) {
    case 413:
        return api_fail(rep, lang, E_BODY_OVER_16MIB, NULL) + 1; /* 0: answered (api_fail is -1) */
    case 400:
        return api_fail(rep, lang, E_MALFORMED_REQUEST, NULL) + 1;
    case 417:
        return api_fail(rep, lang, E_EXPECTATION_FAILED, "Expect") + 1;
    default:
        return -1;
    }
}

static void on_setup_h2o_error(h2o_filter_t *self, h2o_req_t *req, h2o_ostream_t **slot)
{
    (void)self;
    api_reply_t rep;
    memset(&rep, 0, sizeof rep);
    if (h2o_error_reply(&rep, request_lang(req), req->res.status) == 0) {
        /* The request line may not have been read (a malformed request). */
        size_t plen = req->input.path.base != NULL ? req->input.path.len : 0;
        const char *q = plen ? memchr(req->input.path.base, '?', plen) : NULL;
        if (q != NULL)
            plen = (size_t)(q - req->input.path.base);
        const char *path = plen ? h2o_strdup(&req->pool, req->input.path.base, plen).base : "";
        int64_t params[4];
        int nparams = 0, allow = 0;
        const op_t *r = ops_match(method_of(req->input.method), path, params, &nparams, &allow, d_cfg->test_clock);
        int route_index = r ? op_index(r) : ops_count();
        ssize_t ct;
        while ((ct = h2o_find_header(&req->res.headers, H2O_TOKEN_CONTENT_TYPE, -1)) >= 0)
            h2o_delete_header(&req->res.headers, ct); /* h2o's text/plain; ours comes next */
        body_swap_t *o = (body_swap_t *)h2o_add_ostream(req, sizeof *o, slot);
        o->super.do_send = body_swap_send;
        o->body = reply_prepare(req, &rep, route_index);
        metrics_record(route_index, rep.status, 0);
        reply_clear(&rep);
        slot = &o->super.next;
    }
    h2o_setup_next_ostream(req, slot);
}

void dispatch_register_h2o_errors(h2o_pathconf_t *fallback)
{
    h2o_filter_t *f = h2o_create_filter(fallback, sizeof *f);
    f->on_setup_ostream = on_setup_h2o_error;
}

static int is_api_path(h2o_iovec_t p)
{
    return (p.len >= 5 && memcmp(p.base, "/api/", 5) == 0) || h2o_memis(p.base, p.len, H2O_STRLIT("/api")) ||
           (p.len >= 9 && memcmp(p.base, "/open311/", 9) == 0) || h2o_memis(p.base, p.len, H2O_STRLIT("/healthz")) ||
           h2o_memis(p.base, p.len, H2O_STRLIT("/metrics"));
}

static int content_type_is_json(h2o_req_t *req)
{
    ssize_t i = h2o_find_header(&req->headers, H2O_TOKEN_CONTENT_TYPE, -1);
    if (i < 0)
        return 0;
    h2o_iovec_t v = req->headers.entries[i].value;
    size_t n = 0;
    while (n < v.len && v.base[n] != ';' && v.base[n] != ' ')
        n++;
    return h2o_lcstris(v.base, n, H2O_STRLIT("application/json"));
}

static void on_ticket_dispose(void *p)
{
    job_ticket_t *t = p;
    if (t->job != NULL)
        t->job->req = NULL;
}

/* What an Idempotency-Key stands for: this route, this path, this body. Keyed
 * (the lookup key), since the body can carry an ID number: an unkeyed digest
 * stored beside the key would let whoever holds the database confirm guesses. */
static void request_hash(char out[65], const char *route, const char *path, const h2o_iovec_t *body)
{
    crypto_generichash_state st;
    unsigned char h[32];
    crypto_generichash_init(&st, d_keys->lookup, sizeof d_keys->lookup, sizeof h);
    crypto_generichash_update(&st, (const unsigned char *)route, strlen(route) + 1);
    crypto_generichash_update(&st, (const unsigned char *)path, strlen(path) + 1);
    if (body->base != NULL)
        crypto_generichash_update(&st, (const unsigned char *)body->base, body->len);
    crypto_generichash_final(&st, h, sizeof h);
    sodium_bin2hex(out, 65, h, sizeof h);
}

static int defer(api_req_t *req, write_fn fn, json_t *data, int kept, void *in)
{
    http_req_t *hr = req->priv;
    if (hr->h2o != NULL && !(op_at(hr->route_index)->flags & RF_WRITES)) {
        /* The table says which operations write: one that does not say so may not. */
        log_error("operation %s wrote without declaring RF_WRITES", op_at(hr->route_index)->name);
        json_decref(data);
        free(in);
        return -1; /* the handler's answer stays unset: 500 internal */
    }
    job_t *job = xcalloc(1, sizeof *job);
    job->fn = fn;
    job->data = data;
    job->data_kept = kept;
    api_write_ctx(req, &job->w);
    job->w.in = in;
    job->route_index = hr->route_index;
    job->start_ns = hr->start_ns;
    job->loop = hr->loop;
    if (hr->h2o != NULL) {
        job->req = hr->h2o;
        job->ticket = h2o_mem_alloc_shared(&hr->h2o->pool, sizeof *job->ticket, on_ticket_dispose);
        job->ticket->job = job;
        /* Replays are per user: public routes have none, so they never replay (docs/decisions.md). */
        const op_t *r = op_at(hr->route_index);
        if (req->idem_key && req->method == HTTP_POST && req->who && r->access != ROUTE_PUBLIC &&
            !(r->flags & RF_NO_REPLAY)) {
            job->idem_key = xstrdup(req->idem_key);
            request_hash(job->idem_hash, r->name, req->path, &hr->h2o->entity);
        }
    } else {
        job->loop = NULL; /* background: nobody waits for the answer */
    }
    if (job->loop)
        job->loop->pending++;
    writer_submit(job);
    return API_DEFERRED;
}

int api_defer(api_req_t *req, write_fn fn, json_t *data)
{
    return defer(req, fn, data, 0, NULL);
}

int api_defer_kept(api_req_t *req, write_fn fn, json_t *data)
{
    return defer(req, fn, data, 1, NULL);
}

int api_defer_in(api_req_t *req, write_fn fn, json_t *data, void *in)
{
    return defer(req, fn, data, 1, in);
}

void on_job_done(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages)
{
    (void)receiver;
    while (!h2o_linklist_is_empty(messages)) {
        h2o_multithread_message_t *m = H2O_STRUCT_FROM_MEMBER(h2o_multithread_message_t, link, messages->next);
        h2o_linklist_unlink(&m->link);
        /* The writer sends this loop's jobs of one group as a chain. */
        for (job_t *job = (job_t *)m, *next; job != NULL; job = next) {
            next = job->next;
            job->loop->pending--;
            if (job->req != NULL) {
                job->ticket->job = NULL;
                if (job->rep.after_commit != NULL && job->rep.status < 300)
                    job->rep.after_commit(job->loop->db, &job->rep);
                reply_send(job->req, &job->rep, job->route_index, job->start_ns);
            }
            job_free(job);
        }
    }
}

void api_defer_background(api_req_t *req, write_fn fn, json_t *data)
{
    http_req_t *hr = req->priv;
    http_req_t bg = *hr;
    bg.h2o = NULL;
    req->priv = &bg;
    defer(req, fn, data, 0, NULL);
    req->priv = hr;
}

static int dispatch(h2o_req_t *req, int metrics_listener);

int dispatch_on_req(h2o_handler_t *self, h2o_req_t *req)
{
    (void)self;
    if (screen(req))
        return 0;
    if (!is_api_path(req->path_normalized))
        return -1;
    return dispatch(req, 0);
}

int dispatch_metrics_on_req(h2o_handler_t *self, h2o_req_t *req)
{
    (void)self;
    if (screen(req))
        return 0;
    return dispatch(req, 1);
}

static int is_metrics_path(h2o_iovec_t p)
{
    return h2o_memis(p.base, p.len, H2O_STRLIT("/metrics"));
}

/* /metrics tells how busy every route is: answered on the --metrics-listen
 * listener, or without one to a loopback peer that no proxy forwarded (a
 * proxy on the same machine is a loopback peer too). Elsewhere, and anything
 * but /metrics on that listener, is a path that does not exist. */
static int metrics_allowed(h2o_req_t *req, int metrics_listener)
{
    if (metrics_listener || d_cfg->metrics_host != NULL)
        return metrics_listener;
    netaddr_t peer;
    return peer_of_request(req, &peer) == 0 && netaddr_is_loopback(&peer) && !request_is_forwarded(req);
}

static int dispatch(h2o_req_t *req, int metrics_listener)
{
    loop_t *loop = (loop_t *)req->conn->ctx;
    http_req_t hr = {req, loop, ops_count(), clock_mono_ns()};
    int64_t unreachable = db_unreachable(loop->db); /* a read that found the database gone answers 503 */
    api_reply_t rep;
    memset(&rep, 0, sizeof rep);
    api_req_t ar;
    memset(&ar, 0, sizeof ar);
    ar.priv = &hr;
    ar.db = loop->db;
    ar.cfg = d_cfg;
    ar.keys = d_keys;
    str_copy(ar.lang, sizeof ar.lang, request_lang(req));
    client_address(req, ar.remote, sizeof ar.remote);
    ar.path = h2o_strdup(&req->pool, req->path_normalized.base, req->path_normalized.len).base;
    ar.query = "";
    if (req->query_at != SIZE_MAX)
        ar.query = h2o_strdup(&req->pool, req->path.base + req->query_at + 1, req->path.len - req->query_at - 1).base;
    ar.method = method_of(req->method);

    int allow = 0;
    const op_t *route = NULL;
    if (is_metrics_path(req->path_normalized) ? metrics_allowed(req, metrics_listener) : !metrics_listener)
        route = ops_match(ar.method, ar.path, ar.params, &ar.nparams, &allow, d_cfg->test_clock);
    if (route == NULL) {
        if (allow) {
            rep.allow = allow_text(allow);
            api_fail(&rep, ar.lang, E_METHOD_NOT_ALLOWED, NULL);
        } else {
            api_fail(&rep, ar.lang, E_ROUTE_NOT_FOUND, NULL);
        }
        goto send;
    }
    ar.route = route;
    hr.route_index = op_index(route);

    if (req->entity.base != NULL && req->entity.len > ((route->flags & RF_UPLOAD) ? UPLOAD_BODY_MAX : JSON_BODY_MAX)) {
        if (route->flags & RF_UPLOAD)
            api_fail(&rep, ar.lang, E_UPLOAD_TOO_LARGE, NULL);
        else
            api_fail(&rep, ar.lang, E_BODY_TOO_LARGE, NULL);
        goto send;
    }

    /* Who is calling: a Bearer token, else the session cookie. Public routes
     * never ask: what they do is anonymous even for a signed-in browser. */
    int bearer = 0;
    const char *token = route->access != ROUTE_PUBLIC ? request_token(req, &bearer) : NULL;
    principal_t who;
    if (token != NULL && auth_session_lookup(&ar, token, bearer, &who) == 0)
        ar.who = &who;
    ar.cookie_token = bearer ? NULL : token;

    if (route->access != ROUTE_PUBLIC) {
        if (ar.who == NULL) {
            api_fail(&rep, ar.lang, E_UNAUTHENTICATED, NULL);
            goto send;
        }
        if (!bearer && ar.method != HTTP_GET) {
            const char *csrf = header_value(req, H2O_STRLIT("x-csrf-token"));
            if (csrf == NULL || ar.session_csrf[0] == '\0' || !token_equal(csrf, ar.session_csrf)) {
                api_fail(&rep, ar.lang, E_CSRF_FAILED, "X-CSRF-Token");
                goto send;
            }
        }
        if (route->access == ROUTE_PERM && (who.perms_any & route->perm) != route->perm) {
            api_fail(&rep, ar.lang, E_FORBIDDEN, NULL);
            goto send;
        }
    }

    if (api_query_check(&ar, &rep) != 0)
        goto send;

    if (route->flags & RF_UPLOAD) {
        ar.upload = req->entity.base ? req->entity.base : "";
        ar.upload_len = req->entity.base ? req->entity.len : 0;
        ar.upload_type = header_value(req, H2O_STRLIT("content-type"));
        ar.upload_token = header_value(req, H2O_STRLIT("x-upload-token"));
    }
    if (route->flags & (RF_BODY | RF_BODY_OPTIONAL)) {
        size_t len = req->entity.base ? req->entity.len : 0;
        if (len == 0 && (route->flags & RF_BODY_OPTIONAL)) {
            ar.body = json_object();
        } else {
            if (!content_type_is_json(req)) {
                api_fail(&rep, ar.lang, E_UNSUPPORTED_MEDIA_TYPE, "Content-Type");
                goto send;
            }
            json_error_t jerr;
            ar.body = json_loadb(req->entity.base ? req->entity.base : "", len, JSON_REJECT_DUPLICATES, &jerr);
            if (ar.body == NULL || !json_is_object(ar.body)) {
                json_decref(ar.body);
                ar.body = NULL;
                api_fail(&rep, ar.lang, E_INVALID_JSON, NULL);
                goto send;
            }
        }
    }
    ar.idem_key = header_value(req, H2O_STRLIT("idempotency-key"));
    if (ar.idem_key && (strlen(ar.idem_key) == 0 || strlen(ar.idem_key) > 128)) {
        api_fail(&rep, ar.lang, E_IDEMPOTENCY_KEY_LENGTH, "Idempotency-Key");
        goto send;
    }

    /* What the operation declares (query, body, the entity's scope), before its code runs. */
    if (op_check(&ar, &rep) != 0)
        goto send;
    if (ar.who != NULL)
        auth_session_touch(&ar);
    int rc = route->handler(&ar, &rep);
    json_decref(ar.body);
    ar.body = NULL;
    if (rc == API_DEFERRED)
        return 0;
    if (rep.status == 0)
        api_fail(&rep, ar.lang, E_INTERNAL, NULL);
send:
    json_decref(ar.body);
    if (db_unreachable(loop->db) != unreachable && rep.status != 503) {
        reply_clear(&rep);
        memset(&rep, 0, sizeof rep);
        api_fail(&rep, ar.lang, E_DATABASE_UNAVAILABLE, NULL);
    }
    reply_send(req, &rep, hr.route_index, hr.start_ns);
    reply_clear(&rep);
    return 0;
}
