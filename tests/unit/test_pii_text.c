/* Unit tests of src/core/pii_text.c: ID and phone numbers found in free text. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/pii_text.h"

static void test_found(void **state)
{
    (void)state;
    static const char *const yes[] = {
        "核对 340104197001010012 的身份",
        "34010419700101001X",
        "身份证34010419700101001x核对",
        "340104700101001",          /* a 15-digit ID number */
        "回电 13856780001",
        "回电13856780001。",
        "138 5678 0001",
        "138-5678-0001",
        "0551-65123456",
        "座机 6512345",              /* 7 digits, a local landline */
        "\xEF\xBC\x91\xEF\xBC\x93\xEF\xBC\x98\xEF\xBC\x95\xEF\xBC\x96\xEF\xBC\x97\xEF\xBC\x98", /* 1385678 full-width */
        "138\xE3\x80\x80" "5678\xE3\x80\x80" "0001", /* ideographic spaces */
        "20261206",                 /* eight digits together: refused, whatever they mean */
        "2026-12-06-13856780001",
    };
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        assert_true(pii_text_found(yes[i]));
}

static void test_not_found(void **state)
{
    (void)state;
    static const char *const no[] = {
        "",
        "上门核实",
        "2026-12-06 走访核对",
        "2026 12 6 走访",
        "核对第 3 栋 502 室住户信息",
        "工单 123456",               /* six digits */
        "12 34 5",                   /* five digits across groups */
        "138--56780001",             /* a double separator breaks the run: 3 and 8 digits... */
    };
    for (size_t i = 0; i < sizeof no / sizeof no[0] - 1; i++)
        assert_false(pii_text_found(no[i]));
    /* ...but its second group alone is long enough. */
    assert_true(pii_text_found(no[sizeof no / sizeof no[0] - 1]));
    assert_false(pii_text_found(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_found),
        cmocka_unit_test(test_not_found),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
