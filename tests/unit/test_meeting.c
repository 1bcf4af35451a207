#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/meeting.h"

/* Ten on the roll: 7 正式 (4 present), 3 预备 (all present). The denominator is
 * 7, more than half is 4: met; the 预备 present change nothing. */
static void quorum_counts_full_members_only(void **state)
{
    (void)state;
    meet_voter_t roll[] = {{1, 1}, {1, 1}, {1, 1}, {1, 1}, {1, 0}, {1, 0}, {1, 0}, {0, 1}, {0, 1}, {0, 1}};
    meet_quorum_t q;
    meet_quorum(roll, 10, &q);
    assert_int_equal(q.entitled, 7);
    assert_int_equal(q.present, 4);
    assert_int_equal(q.needed, 4);
    assert_int_equal(q.probationary_present, 3);
    assert_true(q.met);
    roll[3].present = 0; /* 3 of 7: not met, though 6 of 10 are in the room */
    meet_quorum(roll, 10, &q);
    assert_int_equal(q.present, 3);
    assert_false(q.met);
}

/* Exactly half is not more than half; an empty roll never meets. */
static void half_is_not_enough(void **state)
{
    (void)state;
    meet_voter_t roll[] = {{1, 1}, {1, 1}, {1, 0}, {1, 0}};
    meet_quorum_t q;
    meet_quorum(roll, 4, &q);
    assert_int_equal(q.needed, 3);
    assert_false(q.met);
    roll[2].present = 1;
    meet_quorum(roll, 4, &q);
    assert_true(q.met);
    meet_quorum(roll, 0, &q);
    assert_int_equal(q.entitled, 0);
    assert_false(q.met);
    meet_voter_t only_probationary[] = {{0, 1}};
    meet_quorum(only_probationary, 1, &q);
    assert_false(q.met);
}

static void monthly_quarterly_yearly(void **state)
{
    (void)state;
    int held[12] = {1, 0, 2, 1, 1, 0, 0, 0, 1, 1, 0, 0};
    meet_period_t p[MEET_PERIODS_MAX];
    int missed = -1;
    /* Monthly, 10 months ended: Feb, Jun, Jul, Aug missed; Nov and Dec open. */
    assert_int_equal(meet_judge(12, held, 10, p, &missed), 12);
    assert_int_equal(missed, 4);
    assert_int_equal(p[1].state, MEET_MISSED);
    assert_int_equal(p[2].state, MEET_OK);
    assert_int_equal(p[10].state, MEET_OPEN);
    assert_int_equal(p[11].state, MEET_OPEN);
    /* Quarterly: Q3 (Jul-Sep) held one in Sep; all ended: none missed. */
    assert_int_equal(meet_judge(4, held, 12, p, &missed), 4);
    assert_int_equal(missed, 0);
    assert_int_equal(p[0].held, 3);
    assert_int_equal(p[2].first, 7);
    assert_int_equal(p[2].last, 9);
    /* Yearly: one period, the year. */
    assert_int_equal(meet_judge(1, held, 3, p, &missed), 1);
    assert_int_equal(p[0].state, MEET_OK);
    int none[12] = {0};
    assert_int_equal(meet_judge(1, none, 11, p, &missed), 1);
    assert_int_equal(p[0].state, MEET_OPEN);
    assert_int_equal(meet_judge(1, none, 12, p, &missed), 1);
    assert_int_equal(missed, 1);
    /* Quarterly with none held, 4 months ended: Q1 missed, Q2 open. */
    assert_int_equal(meet_judge(4, none, 4, p, &missed), 4);
    assert_int_equal(missed, 1);
    assert_int_equal(p[1].state, MEET_OPEN);
}

static void other_frequencies(void **state)
{
    (void)state;
    int held[12] = {1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0};
    meet_period_t p[MEET_PERIODS_MAX];
    int missed = 0;
    /* 5 a year does not divide the year: the year needs 5. */
    assert_int_equal(meet_judge(5, held, 12, p, &missed), 1);
    assert_int_equal(p[0].needed, 5);
    assert_int_equal(p[0].held, 4);
    assert_int_equal(missed, 1);
    /* Every two months: 6 periods. */
    assert_int_equal(meet_judge(6, held, 12, p, &missed), 6);
    assert_int_equal(missed, 4);
    /* Nothing expected; out of range. */
    assert_int_equal(meet_judge(0, held, 12, p, &missed), 0);
    assert_int_equal(missed, 0);
    assert_int_equal(meet_judge(13, held, 12, p, &missed), -1);
    assert_int_equal(meet_judge(-1, held, 12, p, &missed), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(quorum_counts_full_members_only),
        cmocka_unit_test(half_is_not_enough),
        cmocka_unit_test(monthly_quarterly_yearly),
        cmocka_unit_test(other_frequencies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
