/* The HTTP server: h2o event loops (one per thread, each on its own
 * SO_REUSEPORT listener with its own read connection) and one writer thread
 * that commits changes in groups. Only src/http/ includes h2o. */
#ifndef JICENG_HTTP_SERVER_H
#define JICENG_HTTP_SERVER_H

#include <stdint.h>

#include "core/geo_shape.h"
#include "core/netaddr.h"
#include "core/password.h"
#include "http/offload.h"
#include "lib/keys.h"

/* Residents in a full export above which pii.export_bulk is needed. */
#define EXPORT_BULK_ROWS_DEFAULT 1000

typedef struct server_config {
    const char *db_url;
    const char *host;          /* listen address, default 127.0.0.1 */
    int port;                  /* default 8080 */
    int threads;               /* event loops, default: number of cores (max 16) */
    const char *web_root;      /* built web app to serve at /, or NULL */
    int max_connections;       /* default 4096 */
    int max_connections_per_address; /* open connections from one peer address, default 256;
                                      * trusted proxies are exempt (only max_connections binds them) */
    int idle_timeout_ms;       /* time to a complete request (headers and body) from the connection's
                                * start or the last answer, so also the keep-alive limit; default 10000 */
    int db_timeout_ms;         /* PostgreSQL: the longest wait for a connection or a statement's answer
                                * before it counts as lost (503 database_unavailable); default 30000 */
    const cidr_t *trusted_proxies; /* peers whose X-Forwarded-For / X-Real-IP are believed */
    int ntrusted_proxies;
    const char *metrics_host;  /* --metrics-listen: a listener serving only /metrics, or NULL:
                                * /metrics then answers loopback peers on the main listener */
    int metrics_port;
    int session_idle;          /* seconds, default 1800 */
    int session_max;           /* seconds, default 43200 */
    int lockout_threshold;     /* failed logins that lock an account, default 5 */
    int lockout_seconds;       /* default 900 */
    int login_rate;            /* login attempts per address per minute, default 30 */
    int public_rate;           /* anonymous reports per address per minute, default 5 */
    int vote_rate;             /* 述职评议: a delegate's phone calls per address per minute, default 300 */
    int export_bulk_rows;      /* a full (unmasked) export of more rows needs pii.export_bulk */
    int id_search_limit;       /* searches by exact ID number per user in 24 hours without pii.reveal, default 20 */
    const char *notify_channel; /* the outbox's delivery channel (an adapter of api/outbox.c), default "console" */
    int max_event_streams;     /* open inbox event streams at most, every loop, default 1024 */
    int events_heartbeat;      /* seconds between an event stream's heartbeat comments, default 25 */
    int list_total_cap;        /* a list counts its rows up to this many (its "total"), default 10000 */
    pw_policy_t pw_policy;
    geo_tolerance_t geo_tolerance; /* grid outlines: slack beyond a community, over another grid */
    offload_limits_t offload[OFFLOAD_KINDS]; /* per kind of offloaded job: threads and queue */
    const char *map_tiles;     /* a tile layer's URL template (JICENG_MAP_TILES), or NULL: outlines alone */
    const char *map_tiles_attribution; /* its attribution (JICENG_MAP_TILES_ATTRIBUTION), or NULL */
    int test_clock;            /* expose POST /api/v1/_test/clock (tests only) */
    int cookie_secure;         /* mark the session cookie Secure (behind TLS) */
    int quiet;
} server_config_t;

/* Defaults for every field (db_url stays NULL). */
void server_config_defaults(server_config_t *cfg);

/* Serve until SIGTERM or SIGINT, then drain in-flight requests and the
 * writer's queue and return 0. Returns non-zero if it could not start. */
int server_run(const server_config_t *cfg, const keys_t *keys);

#endif
