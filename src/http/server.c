/* Event loops, listeners, connection limits and the SIGTERM drain. */
#include "http/internal.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "api/outbox.h"
#include "core/tile_url.h"
#include "lib/util.h"

/* What h2o buffers of one request body at most; routes' own limits (1 MiB JSON,
 * 10 MiB files) apply below it, and a larger body is refused before it is read. */
#define ENTITY_MAX (16 * 1024 * 1024)

static h2o_globalconf_t g_conf;
static h2o_globalconf_t g_metrics_conf; /* --metrics-listen: one host, /metrics only */
static const server_config_t *g_cfg;
static _Atomic int g_connections;
/* Every loop and the main thread meet here once the loop's receivers are
 * registered and its listeners read: before that, a stop message sent to a
 * loop would go to a receiver without a queue (SIGTERM right after start). */
static pthread_barrier_t g_loops_ready;

static h2o_iovec_t hdr_csp = {H2O_STRLIT("content-security-policy")};
static h2o_iovec_t hdr_xcto = {H2O_STRLIT("x-content-type-options")};
static h2o_iovec_t hdr_xfo = {H2O_STRLIT("x-frame-options")};
static h2o_iovec_t hdr_ref = {H2O_STRLIT("referrer-policy")};

#define CSP_IMG "img-src 'self' data: blob:"
#define CSP_REST                                                                                                       \
    "; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-ancestors 'none';"              \
    " base-uri 'self'; form-action 'self'"
/* With a tile layer configured, its origin is added to img-src (csp_with_tiles). */
static char g_csp[512];

static h2o_headers_command_t security_headers[] = {
    {H2O_HEADERS_CMD_SET, &hdr_csp, {H2O_STRLIT("default-src 'self'; " CSP_IMG CSP_REST)}},
    {H2O_HEADERS_CMD_SET, &hdr_xcto, {H2O_STRLIT("nosniff")}},
    {H2O_HEADERS_CMD_SET, &hdr_xfo, {H2O_STRLIT("DENY")}},
    {H2O_HEADERS_CMD_SET, &hdr_ref, {H2O_STRLIT("no-referrer")}},
    {H2O_HEADERS_CMD_NULL, NULL, {NULL, 0}},
};

void server_config_defaults(server_config_t *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->host = "127.0.0.1";
    cfg->port = 8080;
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    cfg->threads = n < 1 ? 1 : n > 16 ? 16 : (int)n;
    cfg->max_connections = 4096;
    cfg->max_connections_per_address = 256;
    cfg->idle_timeout_ms = 10000;
    cfg->db_timeout_ms = 30000;
    cfg->session_idle = 1800;
    cfg->session_max = 43200;
    cfg->lockout_threshold = 5;
    cfg->lockout_seconds = 900;
    cfg->login_rate = 30;
    cfg->public_rate = 5;
    cfg->vote_rate = 300; /* 述职评议: a hall of delegates may share one address */
    cfg->export_bulk_rows = EXPORT_BULK_ROWS_DEFAULT;
    cfg->id_search_limit = 20;
    cfg->list_total_cap = 10000;
    cfg->max_event_streams = 1024;
    cfg->notify_channel = "console";
    cfg->events_heartbeat = 25;
    cfg->pw_policy = PW_POLICY_DEFAULT;
    cfg->geo_tolerance = (geo_tolerance_t){GEO_TOLERANCE_M2_DEFAULT, GEO_TOLERANCE_PERMILLE_DEFAULT};
    cfg->offload[OFFLOAD_HASH] = OFFLOAD_HASH_DEFAULT;
    cfg->offload[OFFLOAD_IMPORT] = OFFLOAD_IMPORT_DEFAULT;
}

/* What a connection holds until it closes: its place in the global count and,
 * unless its peer is a trusted proxy, in its address's. */
static void on_socket_close(void *data)
{
    if (data != NULL)
        peer_release(data);
    atomic_fetch_sub(&g_connections, 1);
}

static void on_accept(h2o_socket_t *listener, const char *err)
{
    if (err != NULL)
        return;
    loop_t *loop = listener->data;
    h2o_accept_ctx_t *actx = listener == loop->metrics_listener ? &loop->metrics_accept_ctx : &loop->accept_ctx;
    /* Accept a bounded batch per wakeup so one loop cannot starve on a flood. */
    for (int i = 0; i < 16; i++) {
        h2o_socket_t *sock = h2o_evloop_socket_accept(listener);
        if (sock == NULL)
            return;
        if (atomic_fetch_add(&g_connections, 1) >= g_cfg->max_connections) {
            atomic_fetch_sub(&g_connections, 1);
            h2o_socket_close(sock);
            continue;
        }
        /* One address cannot hold every slot (slowloris): its connections past
         * the cap are closed at once. Trusted proxies carry many clients. */
        netaddr_t peer;
        void *counted = NULL;
        if (peer_of_socket(sock, &peer) == 0 &&
            !cidr_list_contains(g_cfg->trusted_proxies, g_cfg->ntrusted_proxies, &peer) &&
            (counted = peer_admit(&peer, g_cfg->max_connections_per_address)) == NULL) {
            atomic_fetch_sub(&g_connections, 1);
            h2o_socket_close(sock);
            continue;
        }
        sock->on_close.cb = on_socket_close;
        sock->on_close.data = counted;
        h2o_accept(actx, sock);
    }
}

static void on_stop(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages)
{
    loop_t *loop = (loop_t *)((char *)receiver - offsetof(loop_t, stop_receiver));
    while (!h2o_linklist_is_empty(messages)) {
        h2o_multithread_message_t *m = H2O_STRUCT_FROM_MEMBER(h2o_multithread_message_t, link, messages->next);
        h2o_linklist_unlink(&m->link);
        free(m);
    }
    if (loop->listener != NULL) {
        h2o_socket_read_stop(loop->listener);
        h2o_socket_close(loop->listener);
        loop->listener = NULL;
    }
    if (loop->metrics_listener != NULL) {
        h2o_socket_read_stop(loop->metrics_listener);
        h2o_socket_close(loop->metrics_listener);
        loop->metrics_listener = NULL;
    }
    loop->stopping = 1;
    events_loop_stop(loop);
}

static int open_listener(const char *host, int port_number)
{
    struct addrinfo hints, *res = NULL;
    char port[16];
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
    snprintf(port, sizeof port, "%d", port_number);
    int gai = getaddrinfo(host, port, &hints, &res);
    if (gai != 0) {
        log_error("bad listen address %s:%d: %s", host, port_number, gai_strerror(gai));
        return -1;
    }
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int on = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on) != 0 ||
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) != 0 ||
        bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, 1024) != 0) {
        log_error("cannot listen on %s:%d: %s", host, port_number, strerror(errno));
        if (fd >= 0)
            close(fd);
        freeaddrinfo(res);
        return -1;
    }
    freeaddrinfo(res);
    return fd;
}

static void *loop_main(void *arg)
{
    loop_t *loop = arg;
    h2o_context_init(&loop->ctx, h2o_evloop_create(), &g_conf);
    loop->accept_ctx.ctx = &loop->ctx;
    loop->accept_ctx.hosts = g_conf.hosts;
    h2o_multithread_register_receiver(loop->ctx.queue, &loop->done_receiver, on_job_done);
    h2o_multithread_register_receiver(loop->ctx.queue, &loop->stop_receiver, on_stop);
    h2o_multithread_register_receiver(loop->ctx.queue, &loop->offload_receiver, offload_on_done);
    events_loop_init(loop);
    loop->listener = h2o_evloop_socket_create(loop->ctx.loop, loop->fd, H2O_SOCKET_FLAG_DONT_READ);
    loop->listener->data = loop;
    h2o_socket_read_start(loop->listener, on_accept);
    if (loop->metrics_fd >= 0) {
        loop->metrics_accept_ctx.ctx = &loop->ctx;
        loop->metrics_accept_ctx.hosts = g_metrics_conf.hosts;
        loop->metrics_listener = h2o_evloop_socket_create(loop->ctx.loop, loop->metrics_fd, H2O_SOCKET_FLAG_DONT_READ);
        loop->metrics_listener->data = loop;
        h2o_socket_read_start(loop->metrics_listener, on_accept);
    }
    pthread_barrier_wait(&g_loops_ready);

    /* Serve until stopped with no writer or offload job left, then let the last
     * answers leave the socket buffers in a few short turns. A request answered
     * in those turns may hand a job on: its answer is then waited for too, or
     * the job would come back to a loop that is gone. */
    for (int quiet = 0; quiet < 10;) {
        int idle = loop->stopping && loop->pending == 0;
        h2o_evloop_run(loop->ctx.loop, idle ? 10 : INT32_MAX);
        quiet = idle && loop->pending == 0 ? quiet + 1 : 0;
    }
    api_thread_exit();
    return NULL;
}

int server_run(const server_config_t *cfg, const keys_t *keys)
{
    g_cfg = cfg;
    signal(SIGPIPE, SIG_IGN);
    /* Every connection is a descriptor: allow as many as the hard limit lets us. */
    struct rlimit nofile;
    if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < nofile.rlim_max) {
        nofile.rlim_cur = nofile.rlim_max;
        setrlimit(RLIMIT_NOFILE, &nofile);
    }
    if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur != RLIM_INFINITY &&
        nofile.rlim_cur < (rlim_t)cfg->max_connections + 64)
        log_info("open files limited to %llu: fewer than --max-connections %d allows",
                 (unsigned long long)nofile.rlim_cur, cfg->max_connections);
    if (ops_init() != 0)
        return 1;
    if (cfg->map_tiles != NULL) {
        /* The template may hold a key: its origin goes into the header, never the template into a log. */
        char origin[300];
        if (tile_url_origin(cfg->map_tiles, origin, sizeof origin) != 0) {
            log_error("JICENG_MAP_TILES is not an http(s) URL template with {z}, {x} and {y}");
            return 1;
        }
        snprintf(g_csp, sizeof g_csp, "default-src 'self'; " CSP_IMG " %s" CSP_REST, origin);
        security_headers[0].value = h2o_iovec_init(g_csp, strlen(g_csp));
        log_info("map tiles from %s", origin);
    }

    h2o_config_init(&g_conf);
    g_conf.server_name = h2o_iovec_init(H2O_STRLIT("jiceng"));
    g_conf.max_request_entity_size = ENTITY_MAX;
    g_conf.http1.req_timeout = (uint64_t)cfg->idle_timeout_ms;
    g_conf.http1.upgrade_to_http2 = 0;
    h2o_hostconf_t *host = h2o_config_register_host(&g_conf, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    h2o_pathconf_t *pc = NULL;
    int web = cfg->web_root != NULL && static_register(host, cfg->web_root, &pc, security_headers) == 0;
    if (!web)
        pc = h2o_config_register_path(host, "/", 0);
    h2o_handler_t *h = h2o_create_handler(pc, sizeof *h);
    h->on_req = dispatch_on_req;
    if (web)
        static_register_root(pc, cfg->web_root);
    else if (cfg->web_root != NULL)
        log_info("no web app at %s/index.html: serving the API only", cfg->web_root);
    h2o_headers_register(pc, security_headers);
    dispatch_register_h2o_errors(&host->fallback_path);
    h2o_headers_register(&host->fallback_path, security_headers);

    if (cfg->metrics_host != NULL) {
        h2o_config_init(&g_metrics_conf);
        g_metrics_conf.server_name = g_conf.server_name;
        h2o_hostconf_t *mh =
            h2o_config_register_host(&g_metrics_conf, h2o_iovec_init(H2O_STRLIT("default")), 65535);
        h2o_pathconf_t *mp = h2o_config_register_path(mh, "/", 0);
        h2o_handler_t *mhandler = h2o_create_handler(mp, sizeof *mhandler);
        mhandler->on_req = dispatch_metrics_on_req;
        h2o_headers_register(mp, security_headers);
    }

    dispatch_setup(cfg, keys);
    peer_setup(cfg);

    /* Block the stop signals in every thread; the main thread waits for them. */
    sigset_t stopset;
    sigemptyset(&stopset);
    sigaddset(&stopset, SIGTERM);
    sigaddset(&stopset, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stopset, NULL);

    db_set_timeout_ms(cfg->db_timeout_ms); /* every connection the server opens from here on */
    if (writer_start(cfg, keys) != 0 || offload_start(cfg) != 0 ||
        outbox_start(cfg->db_url, keys, cfg->notify_channel) != 0)
        return 1;

    int n = cfg->threads;
    loop_t *loops = xcalloc((size_t)n, sizeof *loops);
    for (int i = 0; i < n; i++) {
        char err[512];
        loops[i].index = i;
        loops[i].fd = open_listener(cfg->host, cfg->port);
        if (loops[i].fd < 0)
            return 1;
        loops[i].metrics_fd = -1;
        if (i == 0 && cfg->metrics_host != NULL && (loops[i].metrics_fd = open_listener(cfg->metrics_host, cfg->metrics_port)) < 0)
            return 1;
        if (db_open(&loops[i].db, cfg->db_url, DB_OPEN_QUERY_ONLY, err, sizeof err) != DB_OK) {
            log_error("%s", err);
            return 1;
        }
    }
    events_setup(cfg, keys, loops, n);
    pthread_barrier_init(&g_loops_ready, NULL, (unsigned)n + 1);
    for (int i = 0; i < n; i++)
        h2o_multithread_create_thread(&loops[i].tid, NULL, loop_main, &loops[i]);
    pthread_barrier_wait(&g_loops_ready);
    if (!cfg->quiet)
        log_info("jiceng serving on http://%s:%d/ (%d threads)", cfg->host, cfg->port, n);
    if (cfg->metrics_host != NULL && !cfg->quiet)
        log_info("metrics on http://%s:%d/metrics", cfg->metrics_host, cfg->metrics_port);
    printf("listening on %s:%d\n", cfg->host, cfg->port);
    fflush(stdout);

    int sig = 0;
    sigwait(&stopset, &sig);
    log_info("signal %d: draining", sig);
    events_stop();
    for (int i = 0; i < n; i++) {
        h2o_multithread_message_t *m = xcalloc(1, sizeof *m);
        h2o_multithread_send_message(&loops[i].stop_receiver, m);
    }
    for (int i = 0; i < n; i++)
        pthread_join(loops[i].tid, NULL);
    pthread_barrier_destroy(&g_loops_ready);
    offload_stop();
    outbox_stop();
    writer_stop();
    for (int i = 0; i < n; i++)
        db_close(loops[i].db);
    free(loops);
    log_info("stopped cleanly");
    return 0;
}
