/* Addresses, CIDR blocks and the client an X-Forwarded-For chain names. */
#include "core/netaddr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t V4_PREFIX[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

static int is_v4(const netaddr_t *a)
{
    return memcmp(a->b, V4_PREFIX, sizeof V4_PREFIX) == 0;
}

int netaddr_parse(const char *s, size_t len, netaddr_t *out)
{
    char buf[NETADDR_TEXT_MAX];
    if (len == 0 || len >= sizeof buf)
        return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    struct in_addr v4;
    if (inet_pton(AF_INET, buf, &v4) == 1) {
        memcpy(out->b, V4_PREFIX, sizeof V4_PREFIX);
        memcpy(out->b + 12, &v4, 4);
        return 0;
    }
    struct in6_addr v6;
    if (inet_pton(AF_INET6, buf, &v6) == 1) {
        memcpy(out->b, &v6, 16);
        return 0;
    }
    return -1;
}

int netaddr_from_sockaddr(const void *sa, size_t salen, netaddr_t *out)
{
    const struct sockaddr *s = sa;
    if (s->sa_family == AF_INET && salen >= sizeof(struct sockaddr_in)) {
        memcpy(out->b, V4_PREFIX, sizeof V4_PREFIX);
        memcpy(out->b + 12, &((const struct sockaddr_in *)sa)->sin_addr, 4);
        return 0;
    }
    if (s->sa_family == AF_INET6 && salen >= sizeof(struct sockaddr_in6)) {
        memcpy(out->b, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
        return 0;
    }
    return -1;
}

void netaddr_format(const netaddr_t *a, char *out, size_t cap)
{
    char buf[NETADDR_TEXT_MAX];
    if (is_v4(a))
        inet_ntop(AF_INET, a->b + 12, buf, sizeof buf);
    else
        inet_ntop(AF_INET6, a->b, buf, sizeof buf);
    size_t n = strlen(buf);
    if (cap == 0)
        return;
    if (n >= cap)
        n = cap - 1;
    memcpy(out, buf, n);
    out[n] = '\0';
}

int netaddr_is_loopback(const netaddr_t *a)
{
    static const uint8_t v6_loopback[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    return (is_v4(a) && a->b[12] == 127) || memcmp(a->b, v6_loopback, 16) == 0;
}

static int bits_match(const netaddr_t *a, const netaddr_t *b, int prefix)
{
    int whole = prefix / 8, rest = prefix % 8;
    if (memcmp(a->b, b->b, (size_t)whole) != 0)
        return 0;
    if (rest == 0)
        return 1;
    uint8_t mask = (uint8_t)(0xff << (8 - rest));
    return (a->b[whole] & mask) == (b->b[whole] & mask);
}

int cidr_parse(const char *s, cidr_t *out)
{
    const char *slash = strchr(s, '/');
    size_t alen = slash ? (size_t)(slash - s) : strlen(s);
    if (netaddr_parse(s, alen, &out->addr) != 0)
        return -1;
    int max = is_v4(&out->addr) && memchr(s, ':', alen) == NULL ? 32 : 128;
    int prefix = max;
    if (slash != NULL) {
        char *end;
        if (slash[1] < '0' || slash[1] > '9')
            return -1;
        long p = strtol(slash + 1, &end, 10);
        if (*end != '\0' || p < 0 || p > max)
            return -1;
        prefix = (int)p;
    }
    out->prefix = prefix + (128 - max);
    /* The host part must be zero: compare against the address with it cleared. */
    netaddr_t masked = out->addr;
    for (int bit = out->prefix; bit < 128; bit++)
        masked.b[bit / 8] &= (uint8_t) ~(0x80 >> (bit % 8));
    if (memcmp(&masked, &out->addr, sizeof masked) != 0)
        return -1;
    return 0;
}

int cidr_list_contains(const cidr_t *list, int n, const netaddr_t *a)
{
    for (int i = 0; i < n; i++)
        if (bits_match(&list[i].addr, a, list[i].prefix))
            return 1;
    return 0;
}

/* [*b, *e) trimmed of spaces and tabs. */
static void trim(const char **b, const char **e)
{
    while (*b < *e && (**b == ' ' || **b == '\t'))
        (*b)++;
    while (*e > *b && ((*e)[-1] == ' ' || (*e)[-1] == '\t'))
        (*e)--;
}

int netaddr_forwarded_client(const netaddr_t *peer, const cidr_t *trusted, int n, const char *const *xff,
                             const size_t *xff_len, int nxff, const char *x_real_ip, size_t x_real_ip_len,
                             netaddr_t *out)
{
    *out = *peer;
    if (!cidr_list_contains(trusted, n, peer))
        return 0;
    if (nxff > 0) {
        netaddr_t found;
        int have = 0;
        for (int h = nxff - 1; h >= 0; h--) {
            const char *s = xff[h], *end = xff[h] + xff_len[h];
            for (;;) {
                const char *b = end;
                while (b > s && b[-1] != ',')
                    b--;
                const char *eb = b, *ee = end;
                trim(&eb, &ee);
                netaddr_t a;
                if (netaddr_parse(eb, (size_t)(ee - eb), &a) != 0)
                    return 0; /* malformed (an empty entry included): the peer */
                found = a;
                have = 1;
                if (!cidr_list_contains(trusted, n, &a)) {
                    *out = a;
                    return 1;
                }
                if (b == s)
                    break;
                end = b - 1; /* the comma */
            }
        }
        if (have) {
            *out = found; /* every entry a trusted proxy: the farthest one */
            return 1;
        }
        return 0;
    }
    if (x_real_ip != NULL) {
        const char *b = x_real_ip, *e = x_real_ip + x_real_ip_len;
        trim(&b, &e);
        netaddr_t a;
        if (netaddr_parse(b, (size_t)(e - b), &a) != 0)
            return 0;
        *out = a;
        return 1;
    }
    return 0;
}
