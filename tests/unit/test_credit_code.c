#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "core/credit_code.h"

static void known_codes(void **state)
{
    (void)state;
    assert_true(credit_code_valid("91350100M000100Y43"));
    assert_true(credit_code_valid("91110000802100433B"));
    assert_int_equal(credit_code_check_char("91350100M000100Y4"), '3');
}

static void every_wrong_check_char_fails(void **state)
{
    (void)state;
    const char *alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    char code[19] = "91350100M000100Y43";
    int ok = 0;
    for (const char *a = alphabet; *a; a++) {
        code[17] = *a;
        ok += credit_code_valid(code);
    }
    assert_int_equal(ok, 1);
}

static void single_changes_are_caught(void **state)
{
    (void)state;
    const char *alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    for (int pos = 0; pos < 17; pos++) {
        for (const char *a = alphabet; *a; a++) {
            char code[19] = "91350100M000100Y43";
            if (code[pos] == *a)
                continue;
            code[pos] = *a;
            assert_false(credit_code_valid(code));
        }
    }
}

static void malformed(void **state)
{
    (void)state;
    assert_false(credit_code_valid(NULL));
    assert_false(credit_code_valid(""));
    assert_false(credit_code_valid("91350100M000100Y4"));
    assert_false(credit_code_valid("91350100M000100Y433"));
    assert_false(credit_code_valid("91350100m000100Y43")); /* lower case */
    assert_false(credit_code_valid("9135010OM000100Y43")); /* O is not in the alphabet */
    assert_int_equal(credit_code_check_char("91350100I000100Y4"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(known_codes),
        cmocka_unit_test(every_wrong_check_char_fails),
        cmocka_unit_test(single_changes_are_caught),
        cmocka_unit_test(malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
