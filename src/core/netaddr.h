/* Network addresses for deciding who a client is: IPv4 and IPv6 addresses
 * (IPv4 held as IPv4-mapped IPv6), CIDR blocks of trusted proxies, and the
 * client address a chain of X-Forwarded-For entries names. No I/O. */
#ifndef JICENG_CORE_NETADDR_H
#define JICENG_CORE_NETADDR_H

#include <stddef.h>
#include <stdint.h>

/* Longest text netaddr_format writes, with its NUL (INET6_ADDRSTRLEN). */
#define NETADDR_TEXT_MAX 46

typedef struct netaddr {
    uint8_t b[16];             /* IPv6 order; IPv4 as ::ffff:a.b.c.d */
} netaddr_t;

typedef struct cidr {
    netaddr_t addr;            /* bits past prefix are zero */
    int prefix;                /* 0..128, on the 128-bit form */
} cidr_t;

/* Parse an IPv4 or IPv6 address of len bytes (no brackets, no port, no zone).
 * 0, or -1 if it is not one. */
int netaddr_parse(const char *s, size_t len, netaddr_t *out);

/* The address from a socket address (AF_INET or AF_INET6); -1 for other families. */
int netaddr_from_sockaddr(const void *sa, size_t salen, netaddr_t *out);

/* Dotted quad for IPv4 (mapped) addresses, RFC 5952 text for the others. */
void netaddr_format(const netaddr_t *a, char *out, size_t cap);

/* 1 for 127.0.0.0/8 and ::1. */
int netaddr_is_loopback(const netaddr_t *a);

/* "ADDR/PREFIX" or a bare address (all bits); an IPv4 prefix counts from 0..32.
 * Bits set past the prefix are refused (a typo, e.g. 10.0.0.1/8). 0 or -1. */
int cidr_parse(const char *s, cidr_t *out);

/* 1 if a lies in any of the n blocks. */
int cidr_list_contains(const cidr_t *list, int n, const netaddr_t *a);

/* The client behind a request that came from peer. Forwarding headers count
 * only when peer is in trusted (n blocks): xff holds the X-Forwarded-For header
 * values in the order they came (nxff of them, each may list several entries,
 * comma-separated), x_real_ip the X-Real-IP value or NULL. X-Forwarded-For is
 * walked from the right, skipping trusted proxies: the first untrusted entry is
 * the client (all trusted: the left-most). Without X-Forwarded-For, X-Real-IP.
 * A malformed header (an entry that is not an address) or none: the peer.
 * Returns 1 if *out came from a header, 0 if it is the peer. */
int netaddr_forwarded_client(const netaddr_t *peer, const cidr_t *trusted, int n, const char *const *xff,
                             const size_t *xff_len, int nxff, const char *x_real_ip, size_t x_real_ip_len,
                             netaddr_t *out);

#endif
