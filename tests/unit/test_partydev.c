#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/partydev.h"

/* Quorum counts those present against the voting full members; adoption
 * counts the votes for against ALL the voting full members, not those present. */
static void quorum_and_adoption_denominators(void **state)
{
    (void)state;
    assert_false(pd_quorate(10, 5)); /* half is not more than half */
    assert_true(pd_quorate(10, 6));
    assert_true(pd_quorate(9, 5));
    assert_false(pd_quorate(9, 4));
    assert_false(pd_quorate(0, 0));
    assert_false(pd_quorate(10, 11));
    /* 6 of 10 present, all 6 for: adopted (6 > 10/2). */
    assert_int_equal(pd_vote(10, 6, 6), PD_VOTE_ADOPTED);
    /* 6 of 10 present, 4 for: a majority of those present, not of all 10: rejected. */
    assert_int_equal(pd_vote(10, 6, 4), PD_VOTE_REJECTED);
    /* 5 for of 10: exactly half is not adopted. */
    assert_int_equal(pd_vote(10, 8, 5), PD_VOTE_REJECTED);
    assert_int_equal(pd_vote(10, 8, 6), PD_VOTE_ADOPTED);
    assert_int_equal(pd_vote(10, 5, 5), PD_VOTE_NO_QUORUM);
    assert_int_equal(pd_vote(3, 2, 2), PD_VOTE_ADOPTED);
    assert_int_equal(pd_vote(3, 2, 1), PD_VOTE_REJECTED);
    assert_int_equal(pd_vote(10, 6, 7), PD_VOTE_NO_QUORUM); /* more votes than members present */
}

static void dates(void **state)
{
    (void)state;
    assert_int_equal(pd_ymd("2026-02-29"), 0);
    assert_int_equal(pd_ymd("2024-02-29"), 20240229);
    assert_int_equal(pd_ymd("2024-2-29"), 0);
    assert_int_equal(pd_add_months(20240131, 1), 20240229);
    assert_int_equal(pd_add_months(20250131, 1), 20250228);
    assert_int_equal(pd_add_months(20251115, 3), 20260215);
    assert_int_equal(pd_add_months(20240229, 12), 20250228);
    assert_int_equal(pd_add_days(20251231, 1), 20260101);
    assert_int_equal(pd_add_days(20240301, -1), 20240229);
    /* 2026-12-07 is a Monday: Monday to Friday are 5 working days, to Sunday still 5. */
    assert_int_equal(pd_workdays(20261207, 20261211), 5);
    assert_int_equal(pd_workdays(20261207, 20261213), 5);
    assert_int_equal(pd_workdays(20261205, 20261206), 0);
    assert_int_equal(pd_workdays(20261210, 20261209), 0);
    assert_int_equal(pd_age_on(20081207, 20261206), 17);
    assert_int_equal(pd_age_on(20081207, 20261207), 18);
    char text[11];
    pd_ymd_text(20260105, text);
    assert_string_equal(text, "2026-01-05");
}

static const pd_periods_t periods = {18, 1, 12, 6, 3, 24, 5, 3, 6, 12, 6, 12};

static void next_steps(void **state)
{
    (void)state;
    pd_state_t s = {0};
    pd_next_t n;
    s.last = 1;
    s.on[1] = 20250110;
    pd_next(&s, &periods, &n);
    assert_int_equal(n.step, 2);
    assert_int_equal(n.earliest, 20250110);
    assert_int_equal(n.due_by, 20250210);
    s.last = 6;
    s.on[3] = 20250301;
    s.on[6] = 20250901;
    pd_next(&s, &periods, &n);
    assert_int_equal(n.step, 7);
    assert_int_equal(n.earliest, 20260301); /* a year after becoming 入党积极分子 */
    assert_int_equal(pd_assessments_needed(20250301, 20260301, 6), 2);
    assert_int_equal(pd_assessments_needed(20250301, 20260228, 6), 1);
    s.last = 16;
    s.on[15] = 20260615;
    s.on[16] = 20260620;
    pd_next(&s, &periods, &n);
    assert_int_equal(n.step, 17);
    assert_int_equal(n.due_by, 20260915);
    assert_int_equal(n.latest, 20261215);
    s.last = 22;
    s.on[22] = 20270601;
    s.probation_end = 20270615;
    pd_next(&s, &periods, &n);
    assert_int_equal(n.step, 23);
    assert_int_equal(n.earliest, 20270615);
    s.last = 25;
    pd_next(&s, &periods, &n);
    assert_int_equal(n.step, 0);
    assert_int_equal(pd_step(15)->stage, 4);
    assert_string_equal(pd_step(25)->code, "archived");
    assert_null(pd_step(26));
    assert_null(pd_step(0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(quorum_and_adoption_denominators),
        cmocka_unit_test(dates),
        cmocka_unit_test(next_steps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
