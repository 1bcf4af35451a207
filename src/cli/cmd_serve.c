/* serve: run the HTTP server. */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/outbox.h"
#include "db/migrate.h"
#include "http/server.h"
#include "lib/pwcheck.h"
#include "lib/util.h"

static int int_opt(const option_t *opts, const char *name, int def, int min, int max, int *out)
{
    const char *v = cli_opt(opts, name, NULL);
    if (v == NULL) {
        *out = def;
        return 0;
    }
    char *end;
    long x = strtol(v, &end, 10);
    if (*v == '\0' || *end != '\0' || x < min || x > max) {
        fprintf(stderr, "jiceng: --%s must be an integer from %d to %d\n", name, min, max);
        return -1;
    }
    *out = (int)x;
    return 0;
}

/* ADDR:PORT (IPv6 in brackets) into host (cap bytes) and *port; -1 (printed) if malformed. */
static int parse_listen(const char *flag, const char *listen, char *host, size_t cap, int *port)
{
    const char *colon = strrchr(listen, ':');
    char *end = NULL;
    long p = colon ? strtol(colon + 1, &end, 10) : -1;
    if (colon == NULL || colon == listen || (size_t)(colon - listen) >= cap || *end != '\0' || p < 0 || p > 65535) {
        fprintf(stderr, "jiceng: --%s wants ADDR:PORT, e.g. 127.0.0.1:8080\n", flag);
        return -1;
    }
    memcpy(host, listen, (size_t)(colon - listen));
    host[colon - listen] = '\0';
    if (host[0] == '[' && host[strlen(host) - 1] == ']') {
        memmove(host, host + 1, strlen(host));
        host[strlen(host) - 1] = '\0';
    }
    *port = (int)p;
    return 0;
}

#define TRUSTED_PROXIES_MAX 64

int cmd_serve(int argc, char **argv)
{
    option_t opts[] = {
        {"db", 1, NULL, "database path (default data/jiceng.db or $JICENG_DB)"},
        {"listen", 1, NULL, "ADDR:PORT to listen on (default 127.0.0.1:8080)"},
        {"threads", 1, NULL, "event loop threads (default: number of cores)"},
        {"web", 1, NULL, "directory of the built web app (default web/dist if present)"},
        {"max-connections", 1, NULL, "open connections at most (default 4096)"},
        {"max-connections-per-address", 1, NULL,
         "open connections from one client address at most; trusted proxies exempt (default 256)"},
        {"idle-timeout-ms", 1, NULL,
         "time for each complete request (headers and body) from the connection's start or the last answer; "
         "also the keep-alive limit (default 10000)"},
        {"db-timeout-ms", 1, NULL,
         "PostgreSQL: the longest wait for a connection or one statement before the database counts as out of "
         "reach and the request is answered 503 (default 30000)"},
        {"db-wait-ms", 1, NULL,
         "PostgreSQL: at start, how long to keep trying while the server does not answer or is starting up, "
         "then exit 1 (default 60000; 0: do not wait)"},
        {"sqlite-cache-kib", 1, NULL,
         "SQLite: KiB of page cache each database connection may fill (one per event loop, the writer's, the "
         "pools'); it fills as pages are read and is then reused (default 16384)"},
        {"trusted-proxy", 1, NULL,
         "CIDR (IPv4 or IPv6) of a reverse proxy whose X-Forwarded-For / X-Real-IP name the client; repeatable"},
        {"metrics-listen", 1, NULL, "ADDR:PORT of a listener serving only /metrics (without it, /metrics answers "
                                    "loopback clients that no proxy forwarded)"},
        {"session-idle", 1, NULL, "seconds of inactivity that end a session (default 1800)"},
        {"session-max", 1, NULL, "seconds a session lasts at most (default 43200)"},
        {"lockout-threshold", 1, NULL, "failed logins that lock an account (default 5)"},
        {"lockout-seconds", 1, NULL, "how long a lock lasts (default 900)"},
        {"login-rate", 1, NULL, "login attempts per client address per minute (default 30)"},
        {"public-rate", 1, NULL, "anonymous case reports per client address per minute (default 5)"},
        {"vote-rate", 1, NULL, "述职评议 ballot-sheet and ballot calls per client address per minute (default 300)"},
        {"export-bulk-rows", 1, NULL, "a full export of more residents needs pii.export_bulk (default 1000)"},
        {"id-search-limit", 1, NULL, "searches by exact ID number per user in 24 hours without pii.reveal (default 20)"},
        {"max-event-streams", 1, NULL,
         "open inbox event streams at most; past it 503 event_streams_full, and the console polls (default 1024)"},
        {"notify-channel", 1, NULL, "how queued notifications are delivered: console (a line in the log; default)"},
        {"events-heartbeat", 1, NULL, "seconds between an inbox event stream's heartbeat comments (default 25)"},
        {"list-total-cap", 1, NULL, "a list counts its rows up to this many, and says \"more\" above (default 10000)"},
        {"password-min-length", 1, NULL, "password policy: characters at least (default 10)"},
        {"password-min-classes", 1, NULL, "password policy: of upper, lower, digit, symbol (default 3)"},
        {"geo-tolerance-m2", 1, NULL,
         "grid outlines: square metres a grid may stick out of its community or overlap another grid (default 25)"},
        {"geo-tolerance-permille", 1, NULL,
         "grid outlines: the same as thousandths of the smaller area, when larger (default 10)"},
        {"hash-threads", 1, NULL, "threads that hash and check passwords (default 1)"},
        {"hash-queue", 1, NULL, "password checks that may wait for them; more answer 503 busy (default 64)"},
        {"import-threads", 1, NULL, "threads that read uploaded spreadsheets (default 1)"},
        {"import-queue", 1, NULL, "uploads that may wait for them; more answer 503 busy (default 4)"},
        {"cookie-secure", 0, NULL, "mark the session cookie Secure (when TLS is in front)"},
        {"test-clock", 0, NULL, "allow admins to move the server clock (tests only)"},
        {NULL, 0, NULL, NULL},
    };
    const char *pos[1];
    int npos;
    int r = cli_parse(argc, argv, opts, pos, 0, &npos, "jiceng serve [--db PATH] [--listen ADDR:PORT] [options]");
    if (r != 0)
        return r > 0 ? 0 : 2;
    server_config_t cfg;
    server_config_defaults(&cfg);
    cfg.db_url = cli_db_url(opts);
    static char host[128], metrics_host[128];
    if (parse_listen("listen", cli_opt(opts, "listen", "127.0.0.1:8080"), host, sizeof host, &cfg.port) != 0)
        return 2;
    cfg.host = host;
    const char *ml = cli_opt(opts, "metrics-listen", NULL);
    if (ml != NULL) {
        if (parse_listen("metrics-listen", ml, metrics_host, sizeof metrics_host, &cfg.metrics_port) != 0)
            return 2;
        cfg.metrics_host = metrics_host;
    }
    static cidr_t trusted[TRUSTED_PROXIES_MAX];
    const char *tp[TRUSTED_PROXIES_MAX];
    int ntp = cli_opt_all(argc, argv, opts, "trusted-proxy", tp, TRUSTED_PROXIES_MAX);
    if (ntp > TRUSTED_PROXIES_MAX) {
        fprintf(stderr, "jiceng: --trusted-proxy given more than %d times\n", TRUSTED_PROXIES_MAX);
        return 2;
    }
    for (int i = 0; i < ntp; i++) {
        if (cidr_parse(tp[i], &trusted[i]) != 0) {
            fprintf(stderr, "jiceng: --trusted-proxy wants an address or ADDR/PREFIX, e.g. 10.0.0.0/8 or ::1/128: %s\n",
                    tp[i]);
            return 2;
        }
    }
    cfg.trusted_proxies = trusted;
    cfg.ntrusted_proxies = ntp;
    int cache_kib = db_sqlite_cache_kib(-1);
    int db_wait_ms = 60000;
    if (int_opt(opts, "threads", cfg.threads, 1, 64, &cfg.threads) || int_opt(opts, "max-connections", cfg.max_connections, 1, 1000000, &cfg.max_connections) ||
        int_opt(opts, "max-connections-per-address", cfg.max_connections_per_address, 1, 1000000,
                &cfg.max_connections_per_address) ||
        int_opt(opts, "idle-timeout-ms", cfg.idle_timeout_ms, 100, 3600000, &cfg.idle_timeout_ms) ||
        int_opt(opts, "db-timeout-ms", cfg.db_timeout_ms, 100, 3600000, &cfg.db_timeout_ms) ||
        int_opt(opts, "db-wait-ms", db_wait_ms, 0, 86400000, &db_wait_ms) ||
        int_opt(opts, "sqlite-cache-kib", cache_kib, 64, 16777216, &cache_kib) ||
        int_opt(opts, "session-idle", cfg.session_idle, 1, 86400 * 30, &cfg.session_idle) ||
        int_opt(opts, "session-max", cfg.session_max, 1, 86400 * 365, &cfg.session_max) ||
        int_opt(opts, "lockout-threshold", cfg.lockout_threshold, 1, 1000, &cfg.lockout_threshold) ||
        int_opt(opts, "lockout-seconds", cfg.lockout_seconds, 1, 86400 * 30, &cfg.lockout_seconds) ||
        int_opt(opts, "login-rate", cfg.login_rate, 1, 1000000, &cfg.login_rate) ||
        int_opt(opts, "public-rate", cfg.public_rate, 1, 1000000, &cfg.public_rate) ||
        int_opt(opts, "vote-rate", cfg.vote_rate, 1, 1000000, &cfg.vote_rate) ||
        int_opt(opts, "export-bulk-rows", cfg.export_bulk_rows, 0, 200000, &cfg.export_bulk_rows) ||
        int_opt(opts, "id-search-limit", cfg.id_search_limit, 0, 1000000, &cfg.id_search_limit) ||
        int_opt(opts, "list-total-cap", cfg.list_total_cap, 0, 10000000, &cfg.list_total_cap) ||
        int_opt(opts, "max-event-streams", cfg.max_event_streams, 0, 1000000, &cfg.max_event_streams) ||
        int_opt(opts, "events-heartbeat", cfg.events_heartbeat, 1, 3600, &cfg.events_heartbeat) ||
        int_opt(opts, "password-min-length", cfg.pw_policy.min_length, 1, 128, &cfg.pw_policy.min_length) ||
        int_opt(opts, "password-min-classes", cfg.pw_policy.min_classes, 1, 4, &cfg.pw_policy.min_classes) ||
        int_opt(opts, "geo-tolerance-m2", cfg.geo_tolerance.m2, 0, 1000000, &cfg.geo_tolerance.m2) ||
        int_opt(opts, "geo-tolerance-permille", cfg.geo_tolerance.permille, 0, 1000, &cfg.geo_tolerance.permille) ||
        int_opt(opts, "hash-threads", cfg.offload[OFFLOAD_HASH].threads, 1, 64, &cfg.offload[OFFLOAD_HASH].threads) ||
        int_opt(opts, "hash-queue", cfg.offload[OFFLOAD_HASH].queue, 0, 100000, &cfg.offload[OFFLOAD_HASH].queue) ||
        int_opt(opts, "import-threads", cfg.offload[OFFLOAD_IMPORT].threads, 1, 64,
                &cfg.offload[OFFLOAD_IMPORT].threads) ||
        int_opt(opts, "import-queue", cfg.offload[OFFLOAD_IMPORT].queue, 0, 100000,
                &cfg.offload[OFFLOAD_IMPORT].queue))
        return 2;
    db_sqlite_cache_kib(cache_kib);
    cfg.cookie_secure = cli_opt(opts, "cookie-secure", NULL) != NULL;
    cfg.test_clock = cli_opt(opts, "test-clock", NULL) != NULL;
    cfg.web_root = cli_opt(opts, "web", "web/dist");
    /* From the environment, not an option: a tile template may carry a key, which
     * an option would show in the process list. */
    const char *tiles = getenv("JICENG_MAP_TILES");
    cfg.map_tiles = tiles && *tiles ? tiles : NULL;
    cfg.map_tiles_attribution = getenv("JICENG_MAP_TILES_ATTRIBUTION");
    cfg.notify_channel = cli_opt(opts, "notify-channel", cfg.notify_channel);
    if (notify_adapter_find(cfg.notify_channel) == NULL) {
        fprintf(stderr, "jiceng: --notify-channel: no adapter named %s (built in: console)\n", cfg.notify_channel);
        return 2;
    }

    char why[300];
    if (pwcheck_ready(why, sizeof why) != 0) {
        fprintf(stderr, "jiceng: %s\n", why);
        return 1;
    }
    /* Started before PostgreSQL (a machine's boot, a cluster's restart): wait for it
     * within a bound, then give up with one line for systemd's restart
     * (docs/reliability.md). The start's migrations are a command's work. */
    db_set_command_timeout_ms(cfg.db_timeout_ms);
    char err[512];
    if (db_wait_reachable(cfg.db_url, db_wait_ms, err, sizeof err) != DB_OK) {
        fprintf(stderr, "jiceng: %s\n", err);
        return 1;
    }
    db_t *db;
    keys_t keys;
    if (cli_open(cfg.db_url, &db, &keys) != 0)
        return 1;
    db_close(db);
    return server_run(&cfg, &keys);
}
