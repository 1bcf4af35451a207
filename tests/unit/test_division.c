/* Unit tests of src/core/division.c: administrative division codes. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "core/division.h"

static void test_valid_levels(void **state)
{
    (void)state;
    assert_true(division_code_valid("3401"));
    assert_true(division_code_valid("340104"));
    assert_true(division_code_valid("340104006"));
    assert_true(division_code_valid("340104006006"));
    assert_int_equal(division_code_level("3401"), LEVEL_CITY);               /* 合肥市 */
    assert_int_equal(division_code_level("340104"), LEVEL_DISTRICT);         /* 蜀山区 */
    assert_int_equal(division_code_level("340104006"), LEVEL_STREET);
    assert_int_equal(division_code_level("340104006006"), LEVEL_COMMUNITY);
    assert_int_equal(division_code_level("340181"), LEVEL_DISTRICT);         /* 巢湖市, a county-level city */
    assert_int_equal(division_code_level("110101001001"), LEVEL_COMMUNITY);
    assert_int_equal(division_code_level("9999"), LEVEL_CITY);
    assert_int_equal(division_code_level("1000"), LEVEL_CITY);
}

static void test_invalid(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "3",
        "34",
        "340",
        "34010",
        "3401040",
        "34010400",
        "3401040060",
        "34010400600",
        "3401040060061",
        "340104006006006",
        "0401",           /* zero province prefix */
        "034010",
        "000000000000",
        "34a1",
        "3401 ",
        " 3401",
        "3401\n",
        "-340",
        "+3401",
        "34.1",
        "34 01",
        "3401x4",
        "\xef\xbc\x93\xef\xbc\x94\xef\xbc\x90\xef\xbc\x91", /* fullwidth ３４０１: 12 bytes */
        "\xd9\xa3\xd9\xa4\xd9\xa0\xd9\xa1\xd9\xa0\xd9\xa4", /* Arabic-Indic digits: 12 bytes */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (division_code_valid(bad[i]))
            fail_msg("valid: \"%s\"", bad[i]);
        if (division_code_level(bad[i]) != LEVEL_NONE)
            fail_msg("has a level: \"%s\"", bad[i]);
    }
    assert_false(division_code_valid(NULL));
    assert_int_equal(division_code_level(NULL), LEVEL_NONE);
    /* A NUL cuts the code: only what precedes it counts. */
    assert_false(division_code_valid("34010\0" "4"));
    assert_true(division_code_valid("340104\0" "xyz"));
}

static void test_every_digit_position(void **state)
{
    (void)state;
    char code[] = "340104006006";
    for (size_t i = 0; i < strlen(code); i++) {
        char saved = code[i];
        code[i] = 'a';
        assert_false(division_code_valid(code));
        code[i] = '/'; /* just below '0' */
        assert_false(division_code_valid(code));
        code[i] = ':'; /* just above '9' */
        assert_false(division_code_valid(code));
        code[i] = saved;
    }
    assert_true(division_code_valid(code));
}

static void test_parent_chain(void **state)
{
    (void)state;
    char out[16];
    assert_int_equal(division_code_parent(out, sizeof out, "340104006006"), 0);
    assert_string_equal(out, "340104006");
    assert_int_equal(division_code_parent(out, sizeof out, "340104006"), 0);
    assert_string_equal(out, "340104");
    assert_int_equal(division_code_parent(out, sizeof out, "340104"), 0);
    assert_string_equal(out, "3401");
    strcpy(out, "untouched");
    assert_int_equal(division_code_parent(out, sizeof out, "3401"), -1);
    assert_string_equal(out, "untouched");

    /* Walking up always lands on a valid code one level higher. */
    char cur[16] = "340104006006";
    org_level_t lv = division_code_level(cur);
    int steps = 0;
    while (division_code_parent(out, sizeof out, cur) == 0) {
        assert_true(division_code_valid(out));
        assert_int_equal(division_code_level(out), lv - 1);
        assert_true(level_child_allowed(division_code_level(out), lv));
        assert_memory_equal(out, cur, strlen(out)); /* a prefix of the child */
        strcpy(cur, out);
        lv = division_code_level(cur);
        steps++;
    }
    assert_int_equal(steps, 3);
    assert_string_equal(cur, "3401");
}

static void test_parent_rejects(void **state)
{
    (void)state;
    char out[16];
    strcpy(out, "untouched");
    assert_int_equal(division_code_parent(out, sizeof out, NULL), -1);
    assert_int_equal(division_code_parent(out, sizeof out, ""), -1);
    assert_int_equal(division_code_parent(out, sizeof out, "34010"), -1);
    assert_int_equal(division_code_parent(out, sizeof out, "040104"), -1);
    assert_int_equal(division_code_parent(out, sizeof out, "34010400600x"), -1);
    assert_string_equal(out, "untouched");
}

static void test_parent_capacity(void **state)
{
    (void)state;
    char out[16];
    memset(out, '#', sizeof out);
    assert_int_equal(division_code_parent(out, 4, "340104"), -1); /* "3401" needs 5 bytes */
    assert_int_equal(out[0], '#');
    assert_int_equal(division_code_parent(out, 5, "340104"), 0);
    assert_string_equal(out, "3401");
    assert_int_equal(out[5], '#');
    memset(out, '#', sizeof out);
    assert_int_equal(division_code_parent(out, 9, "340104006006"), -1);
    assert_int_equal(division_code_parent(out, 10, "340104006006"), 0);
    assert_string_equal(out, "340104006");
    assert_int_equal(out[10], '#');
    assert_int_equal(division_code_parent(out, 0, "340104"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_levels),
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_every_digit_position),
        cmocka_unit_test(test_parent_chain),
        cmocka_unit_test(test_parent_rejects),
        cmocka_unit_test(test_parent_capacity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
