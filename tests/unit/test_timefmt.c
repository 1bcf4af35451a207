/* Unit tests of src/core/timefmt.c: RFC 3339 times in UTC. Known values were
 * computed independently with `date -u -d ... +%s`. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/timefmt.h"

static const struct {
    const char *text;
    int64_t t;
} known[] = {
    {"2026-11-28T03:27:14Z", 1795836434},
    {"1970-01-01T00:00:00Z", 0},
    {"1969-12-31T23:59:59Z", -1},
    {"1900-01-01T00:00:00Z", -2208988800LL},
    {"1900-03-01T00:00:00Z", -2203891200LL},
    {"2000-01-01T00:00:00Z", 946684800},
    {"1999-12-31T23:59:59Z", 946684799},
    {"2000-02-29T00:00:00Z", 951782400},
    {"2000-03-01T00:00:00Z", 951868800},
    {"2024-02-29T12:34:56Z", 1709210096},
    {"2016-12-31T23:59:59Z", 1483228799},
    {"2026-01-01T00:00:00Z", 1767225600},
    {"2026-12-31T23:59:59Z", 1798761599},
    {"2038-01-19T03:14:07Z", 2147483647},
    {"2038-01-19T03:14:08Z", 2147483648LL},
    {"2100-03-01T00:00:00Z", 4107542400LL},
    {"9999-12-31T23:59:59Z", 253402300799LL},
};
#define N_KNOWN (sizeof known / sizeof known[0])

static void test_format_known(void **state)
{
    (void)state;
    char out[TIME_RFC3339_LEN];
    for (size_t i = 0; i < N_KNOWN; i++) {
        time_format_rfc3339(out, known[i].t);
        assert_string_equal(out, known[i].text);
    }
    time_format_rfc3339(out, -11676096000LL);
    assert_string_equal(out, "1600-01-01T00:00:00Z");
    time_format_rfc3339(out, -62162035200LL);
    assert_string_equal(out, "0000-03-01T00:00:00Z");
    time_format_rfc3339(out, -62167219200LL);
    assert_string_equal(out, "0000-01-01T00:00:00Z");
    time_format_rfc3339(out, -62135596800LL);
    assert_string_equal(out, "0001-01-01T00:00:00Z");
}

static void test_parse_known(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_KNOWN; i++) {
        int64_t t = 12345;
        assert_int_equal(time_parse_rfc3339(known[i].text, &t), 0);
        if (t != known[i].t)
            fail_msg("%s parsed as %lld, want %lld", known[i].text, (long long)t, (long long)known[i].t);
    }
}

static int64_t parse_ok(const char *s)
{
    int64_t t = 0x5a5a5a5a;
    if (time_parse_rfc3339(s, &t) != 0)
        fail_msg("rejected \"%s\"", s);
    return t;
}

static void test_parse_offsets(void **state)
{
    (void)state;
    assert_true(parse_ok("2026-11-28T11:27:14+08:00") == 1795836434);
    assert_true(parse_ok("2026-11-28T03:27:14+08:00") == 1795807634);
    assert_true(parse_ok("2026-11-28T03:27:14-05:30") == 1795856234);
    assert_true(parse_ok("2026-11-28T03:27:14+23:59") == 1795750094);
    assert_true(parse_ok("2026-11-28T03:27:14-23:59") == 1795922774);
    assert_true(parse_ok("2026-11-28T03:27:14+00:00") == 1795836434);
    assert_true(parse_ok("2026-11-28T03:27:14-00:00") == 1795836434);
    assert_true(parse_ok("1900-01-01T00:00:00+01:00") == -2208992400LL);
    assert_true(parse_ok("9999-12-31T23:59:59-23:59") == 253402387139LL);
    /* An offset moves the instant across a day, month and year boundary. */
    assert_true(parse_ok("2027-01-01T07:59:59+08:00") == 1798761599);
    assert_true(parse_ok("2026-12-31T15:59:59-08:00") == 1798761599);
}

static void test_parse_forms(void **state)
{
    (void)state;
    /* Date only: midnight UTC. */
    assert_true(parse_ok("2026-11-28") == 1795824000);
    assert_true(parse_ok("2024-02-29") == 1709164800);
    assert_true(parse_ok("1970-01-01") == 0);
    /* Separators and zone letter in either case. */
    assert_true(parse_ok("2026-11-28t03:27:14Z") == 1795836434);
    assert_true(parse_ok("2026-11-28 03:27:14Z") == 1795836434);
    assert_true(parse_ok("2026-11-28T03:27:14z") == 1795836434);
    /* Fractions are truncated. */
    assert_true(parse_ok("2026-11-28T03:27:14.0Z") == 1795836434);
    assert_true(parse_ok("2026-11-28T03:27:14.5Z") == 1795836434);
    assert_true(parse_ok("2026-11-28T03:27:14.999999999Z") == 1795836434);
    assert_true(parse_ok("2026-11-28T03:27:14.123456789012345678901234567890Z") == 1795836434);
    assert_true(parse_ok("2026-11-28T11:27:14.250+08:00") == 1795836434);
    /* A leap second is the instant before. */
    assert_true(parse_ok("2016-12-31T23:59:60Z") == 1483228799);
    assert_true(parse_ok("2016-12-31T23:59:60.5Z") == 1483228799);
}

static void test_parse_rejects(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "2026",
        "2026-11",
        "2026-11-2",
        "2026-1-28",
        "26-11-28",
        "2026/11/28",
        "2026-11-28T",
        "2026-11-28X",
        "2026-11-28 ",
        "2026-11-28Z",
        "2026-11-28T03:27Z",
        "2026-11-28T03:27:14",        /* no zone */
        "2026-11-28T3:27:14Z",
        "2026-11-28T03:7:14Z",
        "2026-11-28T03-27-14Z",
        "2026-11-28T03:27:14ZZ",
        "2026-11-28T03:27:14Z ",
        "2026-11-28T03:27:14Zjunk",
        "2026-11-28T03:27:14UTC",
        "2026-11-28T03:27:14.Z",      /* fraction without digits */
        "2026-11-28T03:27:14.5",      /* fraction without zone */
        "2026-11-28T03:27:14,5Z",
        "2026-11-28T03:27:14+0800",
        "2026-11-28T03:27:14+08",
        "2026-11-28T03:27:14+8:00",
        "2026-11-28T03:27:14+08:00Z",
        "2026-11-28T03:27:14+08:00:00",
        "2026-11-28T03:27:14+08-00",
        "2026-11-28T03:27:14+24:00",
        "2026-11-28T03:27:14+08:60",
        "2026-11-28T03:27:14 08:00",
        "2026-11-28Tab:cd:efZ",
        "2026-11-28T24:00:00Z",
        "2026-11-28T23:60:00Z",
        "2026-11-28T23:59:61Z",
        "2026-11-28T-1:00:00Z",
        "2026-00-10",
        "2026-13-10",
        "2026-11-00",
        "2026-11-31",
        "2026-01-32",
        "2026-04-31",
        "2026-06-31",
        "2026-09-31",
        "2026-02-29",                 /* not a leap year */
        "2026-02-30",
        "1900-02-29",                 /* divisible by 100 */
        "2100-02-29",
        "2023-02-29",
        "1899-12-31T23:59:59Z",       /* before 1900 */
        "0000-01-01",
        "-026-11-28",
        "+026-11-28",
        " 2026-11-28",
        "2026-11-28\n",
        "2026-1a-28",
        "２０２６-11-28",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t t = 777;
        if (time_parse_rfc3339(bad[i], &t) != -1)
            fail_msg("accepted \"%s\" as %lld", bad[i], (long long)t);
    }
}

static void test_parse_leap_years(void **state)
{
    (void)state;
    for (int y = 1900; y <= 2400; y++) {
        char s[64];
        snprintf(s, sizeof s, "%04d-02-29", y);
        int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        int64_t t = 0;
        int rc = time_parse_rfc3339(s, &t);
        if (rc != (leap ? 0 : -1))
            fail_msg("%s: rc %d", s, rc);
        if (leap && t != time_days_from_civil(y, 3, 1) * 86400 - 86400)
            fail_msg("%s: wrong instant", s);
    }
}

static void test_days_from_civil_known(void **state)
{
    (void)state;
    assert_int_equal(time_days_from_civil(1970, 1, 1), 0);
    assert_true(time_days_from_civil(1969, 12, 31) == -1);
    assert_int_equal(time_days_from_civil(1970, 1, 2), 1);
    assert_int_equal(time_days_from_civil(1971, 1, 1), 365);
    assert_int_equal(time_days_from_civil(2000, 3, 1), 11017);
    assert_int_equal(time_days_from_civil(2026, 11, 28), 20785);
    assert_true(time_days_from_civil(1600, 1, 1) == -135140);
    assert_true(time_days_from_civil(1, 1, 1) == -719162);
    assert_true(time_days_from_civil(0, 3, 1) == -719468);
    assert_true(time_days_from_civil(0, 1, 1) == -719528);
    assert_int_equal(time_days_from_civil(2400, 12, 31), 157419);
}

/* Walk every day from 1600-01-01 to 2400-12-31 with a naive calendar and check
 * days_from_civil, format and (from 1900) parse against it. */
static void test_every_day(void **state)
{
    (void)state;
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int64_t day = -135140; /* 1600-01-01 */
    char out[TIME_RFC3339_LEN], want[64], date[64];
    for (int y = 1600; y <= 2400; y++) {
        int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        for (int m = 1; m <= 12; m++) {
            int last = mdays[m - 1] + (m == 2 && leap);
            for (int d = 1; d <= last; d++, day++) {
                if (time_days_from_civil(y, m, d) != day)
                    fail_msg("days_from_civil(%d-%d-%d)", y, m, d);
                time_format_rfc3339(out, day * 86400);
                snprintf(want, sizeof want, "%04d-%02d-%02dT00:00:00Z", y, m, d);
                if (strcmp(out, want) != 0)
                    fail_msg("format %lld: %s != %s", (long long)day * 86400, out, want);
                time_format_rfc3339(out, day * 86400 + 86399);
                snprintf(want, sizeof want, "%04d-%02d-%02dT23:59:59Z", y, m, d);
                if (strcmp(out, want) != 0)
                    fail_msg("format %lld: %s != %s", (long long)day * 86400 + 86399, out, want);
                if (y >= 1900) {
                    snprintf(date, sizeof date, "%04d-%02d-%02d", y, m, d);
                    int64_t t = 0;
                    if (time_parse_rfc3339(date, &t) != 0 || t != day * 86400)
                        fail_msg("parse %s", date);
                }
            }
        }
    }
    assert_true(day - 1 == 157419); /* 2400-12-31 */
}

/* Format against the C library's gmtime_r over a wide range of instants. */
static void test_format_matches_gmtime(void **state)
{
    (void)state;
    char out[TIME_RFC3339_LEN], want[64];
    for (int64_t t = -2208988800LL - 3 * 86400; t <= 253402300799LL; t += 999983) {
        time_t tt = (time_t)t;
        struct tm tm;
        assert_non_null(gmtime_r(&tt, &tm));
        strftime(want, sizeof want, "%Y-%m-%dT%H:%M:%SZ", &tm);
        time_format_rfc3339(out, t);
        if (strcmp(out, want) != 0)
            fail_msg("%lld: %s != %s", (long long)t, out, want);
    }
}

static void test_round_trip(void **state)
{
    (void)state;
    static const char *const offsets[] = {"+08:00", "-05:30", "+00:00", "-00:00", "+14:00", "-12:00", "+05:45"};
    char s[TIME_RFC3339_LEN + 8], local[TIME_RFC3339_LEN];
    int64_t count = 0;
    for (int64_t t = -2208988800LL + 86400; t < 253402300799LL - 86400; t += 7654321) {
        time_format_rfc3339(s, t);
        int64_t back = 0;
        if (time_parse_rfc3339(s, &back) != 0 || back != t)
            fail_msg("round trip %lld via %s gave %lld", (long long)t, s, (long long)back);
        /* The same instant written in another zone. */
        const char *off = offsets[count % 7];
        int sign = off[0] == '+' ? 1 : -1;
        int64_t shift = sign * (((off[1] - '0') * 10 + (off[2] - '0')) * 3600 + ((off[4] - '0') * 10 + (off[5] - '0')) * 60);
        time_format_rfc3339(local, t + shift);
        local[19] = '\0'; /* drop the Z */
        snprintf(s, sizeof s, "%s%s", local, off);
        if (time_parse_rfc3339(s, &back) != 0 || back != t)
            fail_msg("round trip %lld via %s gave %lld", (long long)t, s, (long long)back);
        count++;
    }
    assert_true(count > 30000);
    /* Every second of one day around a leap day. */
    for (int64_t t = 951782400 - 43200; t < 951782400 + 86400 + 43200; t++) {
        time_format_rfc3339(s, t);
        int64_t back = 0;
        if (time_parse_rfc3339(s, &back) != 0 || back != t)
            fail_msg("round trip %lld via %s", (long long)t, s);
    }
}

static void test_format_clamps(void **state)
{
    (void)state;
    char out[TIME_RFC3339_LEN];
    time_format_rfc3339(out, 253402300800LL);
    assert_string_equal(out, "9999-12-31T23:59:59Z");
    time_format_rfc3339(out, INT64_MAX);
    assert_string_equal(out, "9999-12-31T23:59:59Z");
    time_format_rfc3339(out, -62167219201LL);
    assert_string_equal(out, "0000-01-01T00:00:00Z");
    time_format_rfc3339(out, INT64_MIN);
    assert_string_equal(out, "0000-01-01T00:00:00Z");
    time_format_rfc3339(out, INT64_MIN + 1);
    assert_string_equal(out, "0000-01-01T00:00:00Z");
}

static void test_format_buffer(void **state)
{
    (void)state;
    char out[TIME_RFC3339_LEN + 8];
    memset(out, '#', sizeof out);
    time_format_rfc3339(out, 1795836434);
    assert_int_equal(strlen(out), 20);
    for (size_t i = TIME_RFC3339_LEN; i < sizeof out; i++)
        assert_int_equal(out[i], '#');
}

static void test_date_within(void **state)
{
    (void)state;
    int today = 20261206;
    assert_true(date_within("1900-01-01", DATE_BIRTH_EARLIEST, 0, today));
    assert_false(date_within("1899-12-31", DATE_BIRTH_EARLIEST, 0, today));
    assert_true(date_within("2026-12-06", DATE_BIRTH_EARLIEST, 0, today));
    assert_false(date_within("2026-12-07", DATE_BIRTH_EARLIEST, 0, today)); /* born tomorrow */
    assert_true(date_within("1921-07-01", DATE_PARTY_EARLIEST, 0, today));
    assert_false(date_within("1921-06-30", DATE_PARTY_EARLIEST, 0, today));
    assert_false(date_within("1949-09-30", DATE_TERM_EARLIEST, DATE_TERM_YEARS_AHEAD, today));
    assert_true(date_within("2036-12-06", DATE_TERM_EARLIEST, DATE_TERM_YEARS_AHEAD, today));
    assert_false(date_within("2036-12-07", DATE_TERM_EARLIEST, DATE_TERM_YEARS_AHEAD, today));
    assert_true(date_within("1900-01-01", 0, 0, today)); /* no earliest but the parser's 1900 */
    assert_false(date_within("2026-02-30", 0, 0, today)); /* not a real date */
    assert_false(date_within("2026-1-1", 0, 0, today));
    assert_false(date_within(NULL, 0, 0, today));
    /* today's yyyymmdd + 10 years on 29 February: 2024-02-29 reaches 2034-02-29, so 2034-02-28 is in */
    assert_true(date_within("2034-02-28", DATE_TERM_EARLIEST, DATE_TERM_YEARS_AHEAD, 20240229));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_date_within),
        cmocka_unit_test(test_format_known),
        cmocka_unit_test(test_parse_known),
        cmocka_unit_test(test_parse_offsets),
        cmocka_unit_test(test_parse_forms),
        cmocka_unit_test(test_parse_rejects),
        cmocka_unit_test(test_parse_leap_years),
        cmocka_unit_test(test_days_from_civil_known),
        cmocka_unit_test(test_every_day),
        cmocka_unit_test(test_format_matches_gmtime),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_format_clamps),
        cmocka_unit_test(test_format_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
