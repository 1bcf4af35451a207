/* Prometheus counters: requests by route and status, a latency histogram per route. */
#include "http/internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lib/util.h"

static const int statuses[] = {200, 201, 204, 304, 400, 401, 403, 404, 405, 409, 413, 415, 422, 423, 429, 500, 503};
#define NSTATUS ((int)(sizeof statuses / sizeof statuses[0]) + 1) /* + "other" */
static const double bounds_ms[] = {0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500};
#define NBUCKETS ((int)(sizeof bounds_ms / sizeof bounds_ms[0]) + 1) /* + Inf */

static _Atomic uint64_t counts[OPS_MAX + 1][NSTATUS];
static _Atomic uint64_t buckets[OPS_MAX + 1][NBUCKETS];
static _Atomic uint64_t sum_us[OPS_MAX + 1];

void metrics_record(int route_index, int status, uint64_t elapsed_ns)
{
    if (route_index < 0 || route_index > ops_count())
        route_index = ops_count(); /* unmatched: ops_count() <= OPS_MAX, the last row */
    int si = NSTATUS - 1;
    for (int i = 0; i < NSTATUS - 1; i++)
        if (statuses[i] == status)
            si = i;
    atomic_fetch_add_explicit(&counts[route_index][si], 1, memory_order_relaxed);
    double ms = (double)elapsed_ns / 1e6;
    int b = NBUCKETS - 1;
    for (int i = 0; i < NBUCKETS - 1; i++) {
        if (ms <= bounds_ms[i]) {
            b = i;
            break;
        }
    }
    atomic_fetch_add_explicit(&buckets[route_index][b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&sum_us[route_index], elapsed_ns / 1000, memory_order_relaxed);
}

typedef struct {
    char *buf;
    size_t len, cap;
} sbuf_t;

static void sb_printf(sbuf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sbuf_t *b, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->buf + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
        if (n >= 0 && (size_t)n < b->cap - b->len) {
            b->len += (size_t)n;
            return;
        }
        b->cap = b->cap * 2 + (size_t)(n > 0 ? n : 0);
        b->buf = xrealloc(b->buf, b->cap);
    }
}

char *metrics_render(size_t *len)
{
    sbuf_t b = {xmalloc(16384), 0, 16384};
    b.buf[0] = '\0';
    sb_printf(&b, "# HELP jiceng_http_requests_total HTTP requests by route and status.\n"
                  "# TYPE jiceng_http_requests_total counter\n");
    for (int r = 0; r <= ops_count(); r++) {
        const char *name = r < ops_count() ? op_at(r)->name : "unmatched";
        for (int s = 0; s < NSTATUS; s++) {
            uint64_t c = atomic_load_explicit(&counts[r][s], memory_order_relaxed);
            if (c == 0)
                continue;
            if (s < NSTATUS - 1)
                sb_printf(&b, "jiceng_http_requests_total{route=\"%s\",status=\"%d\"} %llu\n", name, statuses[s],
                          (unsigned long long)c);
            else
                sb_printf(&b, "jiceng_http_requests_total{route=\"%s\",status=\"other\"} %llu\n", name,
                          (unsigned long long)c);
        }
    }
    sb_printf(&b, "# HELP jiceng_http_request_duration_seconds Time from request to answer, by route.\n"
                  "# TYPE jiceng_http_request_duration_seconds histogram\n");
    for (int r = 0; r <= ops_count(); r++) {
        const char *name = r < ops_count() ? op_at(r)->name : "unmatched";
        uint64_t total = 0;
        for (int i = 0; i < NBUCKETS; i++)
            total += atomic_load_explicit(&buckets[r][i], memory_order_relaxed);
        if (total == 0)
            continue;
        uint64_t cum = 0;
        for (int i = 0; i < NBUCKETS; i++) {
            cum += atomic_load_explicit(&buckets[r][i], memory_order_relaxed);
            if (i < NBUCKETS - 1)
                sb_printf(&b, "jiceng_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n", name,
                          bounds_ms[i] / 1000.0, (unsigned long long)cum);
            else
                sb_printf(&b, "jiceng_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n", name,
                          (unsigned long long)cum);
        }
        sb_printf(&b, "jiceng_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n", name,
                  (double)atomic_load_explicit(&sum_us[r], memory_order_relaxed) / 1e6);
        sb_printf(&b, "jiceng_http_request_duration_seconds_count{route=\"%s\"} %llu\n", name,
                  (unsigned long long)cum);
    }
    *len = b.len;
    return b.buf;
}
