#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/evalrule.h"

static void excellent_cap_is_a_third_rounded_down(void **state)
{
    (void)state;
    assert_int_equal(eval_excellent_max(7, 1, 3), 2);
    assert_int_equal(eval_excellent_max(9, 1, 3), 3);
    assert_int_equal(eval_excellent_max(8, 1, 3), 2);
    assert_int_equal(eval_excellent_max(3, 1, 3), 1);
    assert_int_equal(eval_excellent_max(2, 1, 3), 0);
    assert_int_equal(eval_excellent_max(1, 1, 3), 0);
    assert_int_equal(eval_excellent_max(0, 1, 3), 0);
    assert_int_equal(eval_excellent_max(30, 1, 3), 10);
    assert_int_equal(eval_excellent_max(10, 3, 10), 3); /* a share of 30% */
    assert_int_equal(eval_excellent_max(5, 3, 1), 5);   /* never more than the graded */
    assert_int_equal(eval_excellent_max(5, 0, 3), 0);
    assert_int_equal(eval_excellent_max(5, 1, 0), 0);
    assert_int_equal(eval_excellent_max(-1, 1, 3), 0);
}

static void steps_come_in_order(void **state)
{
    (void)state;
    assert_int_equal(eval_step_check(EVS_SELF, EVS_NONE, 0, 0), EVR_OK);
    assert_int_equal(eval_step_check(EVS_PEER, EVS_NONE, 0, 0), EVR_EARLY);
    assert_int_equal(eval_step_check(EVS_BRANCH, EVS_SELF, 0, 0), EVR_EARLY);
    assert_int_equal(eval_step_check(EVS_DECISION, EVS_PEER, 0, 0), EVR_EARLY);
    assert_int_equal(eval_step_check(EVS_PEER, EVS_SELF, 0, 0), EVR_OK);
    assert_int_equal(eval_step_check(EVS_BRANCH, EVS_PEER, 0, 0), EVR_OK);
    assert_int_equal(eval_step_check(EVS_DECISION, EVS_BRANCH, 0, 0), EVR_OK);
    /* again until the next is done */
    assert_int_equal(eval_step_check(EVS_SELF, EVS_SELF, 0, 0), EVR_OK);
    assert_int_equal(eval_step_check(EVS_BRANCH, EVS_BRANCH, 0, 0), EVR_OK);
    assert_int_equal(eval_step_check(EVS_SELF, EVS_PEER, 0, 0), EVR_LATE);
    assert_int_equal(eval_step_check(EVS_PEER, EVS_BRANCH, 0, 0), EVR_LATE);
    /* the decision stands */
    assert_int_equal(eval_step_check(EVS_DECISION, EVS_DECISION, 0, 0), EVR_LATE);
    assert_int_equal(eval_step_check(EVS_BRANCH, EVS_DECISION, 0, 1), EVR_LATE);
    assert_int_equal(eval_step_check(EVS_COUNT, EVS_NONE, 0, 0), EVR_EARLY);
    assert_int_equal(eval_step_check(EVS_NONE, EVS_NONE, 0, 0), EVR_EARLY);
}

static void follow_up_only_after_unqualified(void **state)
{
    (void)state;
    assert_int_equal(eval_step_check(EVS_FOLLOW_UP, EVS_BRANCH, 0, 0), EVR_EARLY);
    assert_int_equal(eval_step_check(EVS_FOLLOW_UP, EVS_DECISION, 0, 0), EVR_NO_FOLLOW_UP);
    assert_int_equal(eval_step_check(EVS_FOLLOW_UP, EVS_DECISION, 0, 1), EVR_OK);
    assert_int_equal(eval_step_check(EVS_FOLLOW_UP, EVS_FOLLOW_UP, 0, 1), EVR_OK);
}

static void probationary_take_part_ungraded(void **state)
{
    (void)state;
    assert_int_equal(eval_step_check(EVS_SELF, EVS_NONE, 1, 0), EVR_OK);
    assert_int_equal(eval_step_check(EVS_PEER, EVS_SELF, 1, 0), EVR_OK);
    assert_int_equal(eval_step_check(EVS_BRANCH, EVS_PEER, 1, 0), EVR_NOT_GRADED);
    assert_int_equal(eval_step_check(EVS_DECISION, EVS_PEER, 1, 0), EVR_NOT_GRADED);
    assert_int_equal(eval_step_last(1), EVS_PEER);
    assert_int_equal(eval_step_last(0), EVS_DECISION);
}

static void step_names_round_trip(void **state)
{
    (void)state;
    for (int s = 0; s < EVS_COUNT; s++)
        assert_int_equal(eval_step_from_name(eval_step_name((eval_step_t)s)), s);
    assert_int_equal(eval_step_from_name("grade"), EVS_NONE);
    assert_int_equal(eval_step_from_name(NULL), EVS_NONE);
    assert_null(eval_step_name(EVS_NONE));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(excellent_cap_is_a_third_rounded_down),
        cmocka_unit_test(steps_come_in_order),
        cmocka_unit_test(follow_up_only_after_unqualified),
        cmocka_unit_test(probationary_take_part_ungraded),
        cmocka_unit_test(step_names_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
