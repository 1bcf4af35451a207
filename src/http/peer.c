/* Who is on the other end: the connection's real peer, the client address a
 * trusted proxy forwards, and the count of open connections per peer address. */
#include "http/internal.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/util.h"

static const server_config_t *p_cfg;

int peer_of_socket(h2o_socket_t *sock, netaddr_t *out)
{
    struct sockaddr_storage ss;
    socklen_t len = h2o_socket_getpeername(sock, (struct sockaddr *)&ss);
    if (len == 0 || netaddr_from_sockaddr(&ss, len, out) != 0)
        return -1;
    return 0;
}

int peer_of_request(h2o_req_t *req, netaddr_t *out)
{
    struct sockaddr_storage ss;
    socklen_t len = req->conn->callbacks->get_peername(req->conn, (struct sockaddr *)&ss);
    if (len == 0 || netaddr_from_sockaddr(&ss, len, out) != 0)
        return -1;
    return 0;
}

int request_is_forwarded(h2o_req_t *req)
{
    return h2o_find_header_by_str(&req->headers, H2O_STRLIT("x-forwarded-for"), -1) >= 0 ||
           h2o_find_header_by_str(&req->headers, H2O_STRLIT("x-real-ip"), -1) >= 0;
}

#define XFF_HEADERS_MAX 16

void client_address(h2o_req_t *req, char *out, size_t cap)
{
    netaddr_t peer, client;
    if (peer_of_request(req, &peer) != 0) {
        str_copy(out, cap, "unknown");
        return;
    }
    client = peer;
    if (p_cfg != NULL && p_cfg->ntrusted_proxies > 0 && cidr_list_contains(p_cfg->trusted_proxies, p_cfg->ntrusted_proxies, &peer)) {
        const char *xff[XFF_HEADERS_MAX];
        size_t xff_len[XFF_HEADERS_MAX];
        int nxff = 0, too_many = 0;
        ssize_t i = -1;
        while ((i = h2o_find_header_by_str(&req->headers, H2O_STRLIT("x-forwarded-for"), i)) >= 0) {
            if (nxff == XFF_HEADERS_MAX) {
                too_many = 1;
                break;
            }
            xff[nxff] = req->headers.entries[i].value.base;
            xff_len[nxff++] = req->headers.entries[i].value.len;
        }
        ssize_t r = h2o_find_header_by_str(&req->headers, H2O_STRLIT("x-real-ip"), -1);
        if (!too_many)
            netaddr_forwarded_client(&peer, p_cfg->trusted_proxies, p_cfg->ntrusted_proxies, xff, xff_len, nxff,
                                     r >= 0 ? req->headers.entries[r].value.base : NULL,
                                     r >= 0 ? req->headers.entries[r].value.len : 0, &client);
    }
    netaddr_format(&client, out, cap);
}

/* ---- open connections per peer address ---- */

#define ADDR_BUCKETS 4096

typedef struct addr_count {
    netaddr_t addr;
    int count;
    struct addr_count *next;
} addr_count_t;

static pthread_mutex_t a_lock = PTHREAD_MUTEX_INITIALIZER;
static addr_count_t *a_buckets[ADDR_BUCKETS];

static unsigned addr_bucket(const netaddr_t *a)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (int i = 0; i < 16; i++)
        h = (h ^ a->b[i]) * 16777619u;
    return h % ADDR_BUCKETS;
}

void peer_setup(const server_config_t *cfg)
{
    p_cfg = cfg;
}

void *peer_admit(const netaddr_t *a, int cap)
{
    unsigned b = addr_bucket(a);
    pthread_mutex_lock(&a_lock);
    addr_count_t *e = a_buckets[b];
    while (e != NULL && memcmp(&e->addr, a, sizeof *a) != 0)
        e = e->next;
    if (e != NULL && e->count >= cap) {
        pthread_mutex_unlock(&a_lock);
        return NULL;
    }
    if (e == NULL) {
        e = xcalloc(1, sizeof *e);
        e->addr = *a;
        e->next = a_buckets[b];
        a_buckets[b] = e;
    }
    e->count++;
    pthread_mutex_unlock(&a_lock);
    return e;
}

void peer_release(void *entry)
{
    addr_count_t *e = entry;
    pthread_mutex_lock(&a_lock);
    if (--e->count == 0) {
        addr_count_t **p = &a_buckets[addr_bucket(&e->addr)];
        while (*p != e)
            p = &(*p)->next;
        *p = e->next;
        free(e);
    }
    pthread_mutex_unlock(&a_lock);
}
