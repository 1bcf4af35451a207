/* Unit tests of src/core/netaddr.c: addresses, trusted-proxy blocks and the
 * client an X-Forwarded-For chain names. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "core/netaddr.h"

static netaddr_t addr(const char *s)
{
    netaddr_t a;
    assert_int_equal(netaddr_parse(s, strlen(s), &a), 0);
    return a;
}

static void assert_addr(const netaddr_t *a, const char *text)
{
    char buf[NETADDR_TEXT_MAX];
    netaddr_format(a, buf, sizeof buf);
    assert_string_equal(buf, text);
}

static void test_parse_and_format(void **state)
{
    (void)state;
    netaddr_t a = addr("192.0.2.7");
    assert_addr(&a, "192.0.2.7");
    a = addr("2001:DB8:0:0::1");
    assert_addr(&a, "2001:db8::1");
    static const char *bad[] = {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.4:80", "[::1]", "::1%lo", "unknown",
                                "1.2.3.4 ", "fe80::1::2"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(netaddr_parse(bad[i], strlen(bad[i]), &a), -1);
}

static void test_loopback(void **state)
{
    (void)state;
    netaddr_t a = addr("127.0.0.2");
    assert_true(netaddr_is_loopback(&a));
    a = addr("::1");
    assert_true(netaddr_is_loopback(&a));
    a = addr("128.0.0.1");
    assert_false(netaddr_is_loopback(&a));
    a = addr("::2");
    assert_false(netaddr_is_loopback(&a));
}

static void test_cidr(void **state)
{
    (void)state;
    cidr_t c[3];
    assert_int_equal(cidr_parse("10.0.0.0/8", &c[0]), 0);
    assert_int_equal(cidr_parse("2001:db8::/32", &c[1]), 0);
    assert_int_equal(cidr_parse("192.0.2.1", &c[2]), 0);
    netaddr_t a = addr("10.255.1.2");
    assert_true(cidr_list_contains(c, 3, &a));
    a = addr("11.0.0.1");
    assert_false(cidr_list_contains(c, 3, &a));
    a = addr("2001:db8:ffff::9");
    assert_true(cidr_list_contains(c, 3, &a));
    a = addr("2001:db9::1");
    assert_false(cidr_list_contains(c, 3, &a));
    a = addr("192.0.2.1");
    assert_true(cidr_list_contains(c, 3, &a));
    a = addr("192.0.2.2");
    assert_false(cidr_list_contains(c, 3, &a));
    cidr_t x;
    assert_int_equal(cidr_parse("0.0.0.0/0", &x), 0);
    a = addr("203.0.113.9");
    assert_true(cidr_list_contains(&x, 1, &a));
    a = addr("::1");
    assert_false(cidr_list_contains(&x, 1, &a)); /* an IPv4 /0 covers IPv4 only */
    static const char *bad[] = {"10.0.0.1/8", "10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/8x",
                                "x/8", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(cidr_parse(bad[i], &x), -1);
}

/* The client for peer and one X-Forwarded-For value (NULL: none) and X-Real-IP (NULL: none). */
static int client(const char *peer, const char *xff, const char *xri, char *out)
{
    cidr_t t[2];
    assert_int_equal(cidr_parse("127.0.0.1/32", &t[0]), 0);
    assert_int_equal(cidr_parse("10.0.0.0/8", &t[1]), 0);
    netaddr_t p = addr(peer), c;
    const char *v[1] = {xff};
    size_t l[1] = {xff ? strlen(xff) : 0};
    int r = netaddr_forwarded_client(&p, t, 2, v, l, xff ? 1 : 0, xri, xri ? strlen(xri) : 0, &c);
    netaddr_format(&c, out, NETADDR_TEXT_MAX);
    return r;
}

static void test_forwarded(void **state)
{
    (void)state;
    char out[NETADDR_TEXT_MAX];
    /* The right-most untrusted entry, past trusted proxies. */
    assert_int_equal(client("127.0.0.1", "198.51.100.1, 203.0.113.5, 10.1.1.1", NULL, out), 1);
    assert_string_equal(out, "203.0.113.5");
    assert_int_equal(client("127.0.0.1", "203.0.113.5", "198.51.100.9", out), 1);
    assert_string_equal(out, "203.0.113.5");
    assert_int_equal(client("127.0.0.1", " 2001:db8::5 ", NULL, out), 1);
    assert_string_equal(out, "2001:db8::5");
    /* Every entry trusted: the farthest. */
    assert_int_equal(client("127.0.0.1", "10.0.0.1,10.0.0.2", NULL, out), 1);
    assert_string_equal(out, "10.0.0.1");
    /* An untrusted peer: headers ignored. */
    assert_int_equal(client("127.0.0.2", "203.0.113.5", "203.0.113.6", out), 0);
    assert_string_equal(out, "127.0.0.2");
    /* Malformed: the peer. */
    static const char *bad[] = {"203.0.113.5,", "", "unknown", "203.0.113.5, , 10.0.0.1", "203.0.113.5:443",
                                "[2001:db8::5]"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(client("127.0.0.1", bad[i], NULL, out), 0);
        assert_string_equal(out, "127.0.0.1");
    }
    /* X-Real-IP without X-Forwarded-For. */
    assert_int_equal(client("127.0.0.1", NULL, "198.51.100.9", out), 1);
    assert_string_equal(out, "198.51.100.9");
    assert_int_equal(client("127.0.0.1", NULL, "nonsense", out), 0);
    assert_string_equal(out, "127.0.0.1");
    assert_int_equal(client("127.0.0.1", NULL, NULL, out), 0);
    assert_string_equal(out, "127.0.0.1");
}

static void test_forwarded_several_headers(void **state)
{
    (void)state;
    cidr_t t;
    assert_int_equal(cidr_parse("127.0.0.0/8", &t), 0);
    netaddr_t p = addr("127.0.0.1"), c;
    /* Two X-Forwarded-For headers are one list, in order: the last header's entries are nearest. */
    const char *v[2] = {"203.0.113.1", "127.0.0.5, 127.0.0.6"};
    size_t l[2] = {strlen(v[0]), strlen(v[1])};
    assert_int_equal(netaddr_forwarded_client(&p, &t, 1, v, l, 2, NULL, 0, &c), 1);
    assert_addr(&c, "203.0.113.1");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_and_format), cmocka_unit_test(test_loopback), cmocka_unit_test(test_cidr),
        cmocka_unit_test(test_forwarded), cmocka_unit_test(test_forwarded_several_headers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
