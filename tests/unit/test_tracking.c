/* Unit tests of src/core/tracking.c: short tracking codes led by time. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/tracking.h"

#define STEP 16000000ull /* 16 ms */
#define CROCKFORD "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

static void test_format(void **state)
{
    (void)state;
    char code[TRACKING_CODE_LEN + 8];
    memset(code, '#', sizeof code);
    /* lead 0x2A5 = 10101 00101: "N5"; then the random part 0x0123456789 in eight characters. */
    tracking_code_format(code, 0x2A5 * STEP + STEP - 1, 0xFF0123456789ull);
    assert_string_equal(code, "CN5" "04HMASW9");
    assert_int_equal(strlen(code), TRACKING_CODE_LEN);
    assert_int_equal(code[TRACKING_CODE_LEN + 1], '#');
    /* The lead wraps after 1024 steps (16 s) and keeps only that. */
    tracking_code_format(code, (0x400ull + 7) * STEP, 0);
    assert_string_equal(code, "C07" "00000000");
    tracking_code_pack(code, (1ull << 50) - 1);
    assert_string_equal(code, "CZZZZZZZZZZ");
}

static void test_codes_made_together_sort_together(void **state)
{
    (void)state;
    char a[TRACKING_CODE_LEN + 1], b[TRACKING_CODE_LEN + 1];
    uint64_t t0 = 100 * STEP;
    /* Within one step the lead is the same whatever the random part. */
    tracking_code_format(a, t0, ~0ull);
    tracking_code_format(b, t0 + STEP - 1, 0);
    assert_memory_equal(a, b, 3);
    /* A later step sorts after every code of an earlier one. */
    tracking_code_format(b, t0 + STEP, 0);
    assert_true(strcmp(a, b) < 0);
}

static void test_new_codes(void **state)
{
    (void)state;
    enum { N = 2000 };
    char(*codes)[TRACKING_CODE_LEN + 1] = calloc(N, sizeof *codes);
    for (int i = 0; i < N; i++) {
        tracking_code_new(codes[i]);
        assert_int_equal(strlen(codes[i]), TRACKING_CODE_LEN);
        assert_int_equal(codes[i][0], 'C');
        assert_int_equal(strspn(codes[i] + 1, CROCKFORD), TRACKING_CODE_LEN - 1);
    }
    /* Made in a quick loop: a handful of distinct leads, all random parts different. */
    int leads = 1;
    for (int i = 1; i < N; i++)
        leads += memcmp(codes[i], codes[i - 1], 3) != 0;
    assert_true(leads < N / 4);
    for (int i = 0; i < N; i++)
        for (int k = i + 1; k < N; k++)
            assert_memory_not_equal(codes[i] + 3, codes[k] + 3, 8);
    free(codes);
}

static void test_normalize(void **state)
{
    (void)state;
    char out[TRACKING_CODE_MAX + 1];
    /* As read out over the phone: lower case, spaces, hyphens, O for 0 and l or I for 1. */
    assert_int_equal(tracking_code_normalize("cn5-0j4h cq49", out, sizeof out), 0);
    assert_string_equal(out, "CN50J4HCQ49");
    assert_int_equal(tracking_code_normalize("CN5OJ4HCQ4l", out, sizeof out), 0);
    assert_string_equal(out, "CN50J4HCQ41");
    assert_int_equal(tracking_code_normalize("CN50J4HCQ4I", out, sizeof out), 0);
    assert_string_equal(out, "CN50J4HCQ41");
    /* The hex codes of before, as they were. */
    assert_int_equal(tracking_code_normalize("c0123456789ab", out, sizeof out), 0);
    assert_string_equal(out, "C0123456789AB");
    assert_int_equal(tracking_code_normalize("C1234 0123456789AB", out, sizeof out), 0);
    assert_string_equal(out, "C12340123456789AB");
    /* Not a code: U is no character of it, a wrong length, no C, too long for out. */
    assert_int_equal(tracking_code_normalize("CN50J4HCQ4U", out, sizeof out), -1);
    assert_int_equal(tracking_code_normalize("CN50J4HCQ4", out, sizeof out), -1);
    assert_int_equal(tracking_code_normalize("XN50J4HCQ49", out, sizeof out), -1);
    assert_int_equal(tracking_code_normalize("C0123456789AG", out, sizeof out), -1);
    assert_int_equal(tracking_code_normalize("", out, sizeof out), -1);
    assert_int_equal(tracking_code_normalize("CN50J4HCQ49", out, 5), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_codes_made_together_sort_together),
        cmocka_unit_test(test_new_codes),
        cmocka_unit_test(test_normalize),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
