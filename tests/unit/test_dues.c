/* Unit tests of src/core/dues.c: the 2008 rules' bounds with known answers
 * (the steps as the demo city's norms give them), the rounding rule and months. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/dues.h"

/* 中组发〔2008〕3号: in service ≤ 3,000 yuan 0.5%, ≤ 5,000 1%, ≤ 10,000 1.5%, above 2%. */
static const dues_steps_t in_service = {3, {300000, 500000, 1000000}, {50, 100, 150, 200}};
/* Retired: ≤ 5,000 yuan 0.5%, above 1%. */
static const dues_steps_t retired = {1, {500000}, {50, 100}};

static void test_in_service_bounds(void **state)
{
    (void)state;
    assert_int_equal(dues_rate_bp(&in_service, 300000), 50);
    assert_int_equal(dues_monthly_fen(&in_service, 300000), 1500);   /* 3,000.00: 15.00 */
    assert_int_equal(dues_rate_bp(&in_service, 300001), 100);
    assert_int_equal(dues_monthly_fen(&in_service, 300001), 3000);   /* 3,000.01: 30.0001 -> 30.00 */
    assert_int_equal(dues_rate_bp(&in_service, 500000), 100);
    assert_int_equal(dues_monthly_fen(&in_service, 500000), 5000);   /* 5,000.00: 50.00 */
    assert_int_equal(dues_rate_bp(&in_service, 540000), 150);
    assert_int_equal(dues_monthly_fen(&in_service, 540000), 8100);   /* 5,400.00: 81.00, not marginal */
    assert_int_equal(dues_rate_bp(&in_service, 1000000), 150);
    assert_int_equal(dues_monthly_fen(&in_service, 1000000), 15000); /* 10,000.00: 150.00 */
    assert_int_equal(dues_rate_bp(&in_service, 1000001), 200);
    assert_int_equal(dues_monthly_fen(&in_service, 1000001), 20000); /* 10,000.01: 200.0002 -> 200.00 */
}

static void test_retired_bounds(void **state)
{
    (void)state;
    assert_int_equal(dues_monthly_fen(&retired, 500000), 2500); /* 5,000.00: 25.00 */
    assert_int_equal(dues_monthly_fen(&retired, 500001), 5000); /* 5,000.01: 50.0001 -> 50.00 */
}

static void test_rounding_half_up(void **state)
{
    (void)state;
    assert_int_equal(dues_percent_fen(300150, 100), 3002); /* 3,001.50 at 1%: 30.015 -> 30.02 */
    assert_int_equal(dues_percent_fen(300149, 100), 3001); /* 30.0149 -> 30.01 */
    assert_int_equal(dues_percent_fen(100, 50), 1);        /* 1.00 at 0.5%: 0.005 -> 0.01 */
    assert_int_equal(dues_percent_fen(99, 50), 0);         /* 0.99 at 0.5%: 0.00495 -> 0.00 */
    assert_int_equal(dues_percent_fen(0, 50), 0);
    assert_int_equal(dues_percent_fen(-5, 50), 0);
}

static void test_categories(void **state)
{
    (void)state;
    assert_int_equal(dues_category_from_name("in_service"), DUES_IN_SERVICE);
    assert_int_equal(dues_category_from_name("dibao"), DUES_DIBAO);
    assert_int_equal(dues_category_from_name("farmer"), DUES_FARMER);
    assert_int_equal(dues_category_from_name("x"), DUES_NONE);
    assert_int_equal(dues_category_from_name(NULL), DUES_NONE);
    assert_true(dues_category_has_base(DUES_RETIRED));
    /* Farmers, students, the unemployed and 低保 members pay a fixed amount. */
    assert_false(dues_category_has_base(DUES_FARMER));
    assert_false(dues_category_has_base(DUES_STUDENT));
    assert_false(dues_category_has_base(DUES_UNEMPLOYED));
    assert_false(dues_category_has_base(DUES_DIBAO));
}

static void test_months(void **state)
{
    (void)state;
    assert_true(dues_month_valid(202612));
    assert_false(dues_month_valid(202613));
    assert_false(dues_month_valid(202600));
    assert_int_equal(dues_month_add(202612, 1), 202701);
    assert_int_equal(dues_month_add(202601, -1), 202512);
    assert_int_equal(dues_month_add(202607, -6), 202601);
    assert_int_equal(dues_months_between(202507, 202601), 6);
    assert_int_equal(dues_months_between(202601, 202507), -6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_in_service_bounds), cmocka_unit_test(test_retired_bounds),
        cmocka_unit_test(test_rounding_half_up),  cmocka_unit_test(test_categories),
        cmocka_unit_test(test_months),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
