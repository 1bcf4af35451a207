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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_masks_personal_numbers),
        cmocka_unit_test(test_leaves_other_text),
        cmocka_unit_test(test_json_strings_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
