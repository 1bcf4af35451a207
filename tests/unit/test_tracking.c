/* Unit tests of src/core/tracking.c: tracking codes led by time. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/tracking.h"

#define STEP 4000000ull /* 4 ms */

static void test_format(void **state)
{
    (void)state;
    const unsigned char rnd[6] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xAB};
    char code[TRACKING_CODE_LEN + 8];
    memset(code, '#', sizeof code);
    tracking_code_format(code, 0x1234 * STEP + STEP - 1, rnd);
    assert_string_equal(code, "C1234" "0123456789AB");
    assert_int_equal(strlen(code), TRACKING_CODE_LEN);
    assert_int_equal(code[TRACKING_CODE_LEN + 1], '#');
    /* The lead wraps after 65536 steps (262 s) and keeps only that. */
    tracking_code_format(code, (0x10000ull + 7) * STEP, rnd);
    assert_string_equal(code, "C0007" "0123456789AB");
}

static void test_codes_made_together_sort_together(void **state)
{
    (void)state;
    unsigned char rnd[6];
    char a[TRACKING_CODE_LEN + 1], b[TRACKING_CODE_LEN + 1];
    uint64_t t0 = 1000 * STEP;
    /* Within one 4 ms step the lead is the same whatever the random part. */
    memset(rnd, 0xFF, sizeof rnd);
    tracking_code_format(a, t0, rnd);
    memset(rnd, 0x00, sizeof rnd);
    tracking_code_format(b, t0 + STEP - 1, rnd);
    assert_memory_equal(a, b, 5);
    /* A later step sorts after every code of an earlier one. */
    tracking_code_format(b, t0 + STEP, rnd);
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
        assert_int_equal(strspn(codes[i] + 1, "0123456789ABCDEF"), TRACKING_CODE_LEN - 1);
    }
    /* Made in a quick loop: a handful of distinct leads, all random parts different. */
    int leads = 1;
    for (int i = 1; i < N; i++)
        leads += memcmp(codes[i], codes[i - 1], 5) != 0;
    assert_true(leads < N / 4);
    for (int i = 0; i < N; i++)
        for (int k = i + 1; k < N; k++)
            assert_memory_not_equal(codes[i] + 5, codes[k] + 5, 12);
    free(codes);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_codes_made_together_sort_together),
        cmocka_unit_test(test_new_codes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
