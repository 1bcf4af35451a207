/* Unit tests of src/core/redact.c: personal numbers masked in free text and in
 * the string values of a JSON text, everything else left as it was. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "core/redact.h"

static void check(const char *in, const char *want, size_t want_n)
{
    char buf[256];
    strcpy(buf, in);
    size_t n = redact_numbers(buf, strlen(buf));
    assert_string_equal(buf, want);
    assert_int_equal(n, want_n);
}

static void test_masks_personal_numbers(void **state)
{
    (void)state;
    check("11010519491231002X", "******************", 1);
    check("11010519491231002x", "******************", 1);
    check("340104197001010015", "******************", 1);
    check("340104700101001", "***************", 1); /* 15 digits, first generation */
    check("13856780000", "***********", 1);
    check("19912345678", "***********", 1);
    check("0551-62345678", "****-********", 1);
    check("010-1234567", "***-*******", 1);
    check("055162345678", "************", 1);
    check("电话13856780000，身份证11010519491231002X。", "电话***********，身份证******************。", 2);
    check("id=13856780000&x=1", "id=***********&x=1", 1);
    check("line\\n13856780000", "line\\n***********", 1); /* after an escaped character */
}

static void test_leaves_other_text(void **state)
{
    (void)state;
    const char *same[] = {
        "",
        "12856780000",                        /* 11 digits but not a mobile's 1[3-9] */
        "138567800001",                       /* 12 digits starting 1 */
        "1385678000",                         /* 10 digits */
        "340104006006",                       /* a division code */
        "1101051949123100",                   /* 16 digits */
        "1101051949123100211",                /* 19 digits */
        "a13856780000",                       /* inside a word */
        "13856780000b",
        "f1385678000013856780000e",           /* inside a hex digest */
        "91340100MA2N0A1B2C",                 /* a credit code */
        "C1a2b3c4d5e6f7a8b9c0",               /* a tracking code */
        "138****0000",                        /* already masked */
        "340104********002X",
        "2026-12-06T07:19:53Z 127.0.0.1:8080",
        "0551-123456",                        /* 6 digits after the area code */
        "0551-123456789",                     /* 9 */
    };
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++)
        check(same[i], same[i], 0);
}

static void test_json_strings_only(void **state)
{
    (void)state;
    char buf[256];
    strcpy(buf, "{\"id\":13856780000,\"reason\":\"\\\"13856780000\\\" 问\",\"k\":[\"11010519491231002X\",1]}");
    assert_int_equal(redact_json_strings(buf), 2);
    assert_string_equal(buf, "{\"id\":13856780000,\"reason\":\"\\\"***********\\\" 问\",\"k\":[\"******************\",1]}");
    strcpy(buf, "{\"unterminated\":\"13856780000");
    assert_int_equal(redact_json_strings(buf), 1);
    assert_string_equal(buf, "{\"unterminated\":\"***********");
    strcpy(buf, "{}");
    assert_int_equal(redact_json_strings(buf), 0);
}

static void check_shown(const char *in, const char *want, size_t want_n, size_t phones, const char *phone)
{
    char buf[256];
    strcpy(buf, in);
    redact_found_t found = {0};
    assert_int_equal(redact_numbers_shown(buf, strlen(buf), &found), want_n);
    assert_string_equal(buf, want);
    assert_int_equal(found.phones, phones);
    assert_string_equal(found.phone, phone);
}

static void test_shown_as_on_screen(void **state)
{
    (void)state;
    check_shown("垃圾满了 请回电 13912345678", "垃圾满了 请回电 139****5678", 1, 1, "13912345678");
    check_shown("王五家水管爆裂 0551-6512345", "王五家水管爆裂 ****-***2345", 1, 1, "0551-6512345");
    check_shown("05516512345", "*******2345", 1, 1, "05516512345");
    check_shown("身份证11010519491231002X", "身份证1101*************X", 1, 0, "");
    check_shown("340104700101001", "3401**********1", 1, 0, "");
    /* The same number twice is one number; two numbers are two, the first kept. */
    check_shown("13912345678 或 13912345678", "139****5678 或 139****5678", 2, 1, "13912345678");
    check_shown("13912345678 或 0551-6512345", "139****5678 或 ****-***2345", 2, 2, "13912345678");
    check_shown("楼道灯坏了 2026-12-06 3 楼", "楼道灯坏了 2026-12-06 3 楼", 0, 0, "");
    check_shown("139****5678", "139****5678", 0, 0, ""); /* masked already: stays */
    char buf[32] = "13912345678";
    assert_int_equal(redact_numbers_shown(buf, strlen(buf), NULL), 1); /* found is optional */
    assert_string_equal(buf, "139****5678");
}

static void test_may_hold(void **state)
{
    (void)state;
    assert_true(redact_may_hold("回电 13912345678"));
    assert_true(redact_may_hold("0551-6512345"));
    assert_true(redact_may_hold("1234567"));
    assert_false(redact_may_hold("123456 楼 2026-12-06"));
    assert_false(redact_may_hold(""));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_masks_personal_numbers),
        cmocka_unit_test(test_leaves_other_text),
        cmocka_unit_test(test_json_strings_only),
        cmocka_unit_test(test_shown_as_on_screen),
        cmocka_unit_test(test_may_hold),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
