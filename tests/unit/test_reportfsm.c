#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/reportfsm.h"

static void pending_to_reported_to_returned_or_cancelled(void **state)
{
    (void)state;
    assert_int_equal(report_next(MRS_PENDING, MRA_RECEIVE), MRS_REPORTED);
    assert_int_equal(report_next(MRS_REPORTED, MRA_LEAVE), MRS_RETURNED);
    assert_int_equal(report_next(MRS_REPORTED, MRA_CANCEL), MRS_CANCELLED);
    assert_int_equal(report_next(MRS_PENDING, MRA_DECLINE), MRS_RETURNED);
    assert_int_equal(report_next(MRS_PENDING, MRA_WITHDRAW), MRS_CANCELLED);
}

static void every_other_move_is_refused(void **state)
{
    (void)state;
    int allowed = 0;
    for (int s = 0; s < MRS_COUNT; s++)
        for (int a = 0; a < MRA_COUNT; a++)
            allowed += report_next((report_state_t)s, (report_action_t)a) != MRS_NONE;
    assert_int_equal(allowed, 5);
    assert_int_equal(report_next(MRS_REPORTED, MRA_RECEIVE), MRS_NONE);
    assert_int_equal(report_next(MRS_REPORTED, MRA_WITHDRAW), MRS_NONE);
    assert_int_equal(report_next(MRS_PENDING, MRA_LEAVE), MRS_NONE);
    assert_int_equal(report_next(MRS_PENDING, MRA_CANCEL), MRS_NONE);
    for (int a = 0; a < MRA_COUNT; a++) {
        assert_int_equal(report_next(MRS_RETURNED, (report_action_t)a), MRS_NONE);
        assert_int_equal(report_next(MRS_CANCELLED, (report_action_t)a), MRS_NONE);
    }
    assert_int_equal(report_next(MRS_NONE, MRA_RECEIVE), MRS_NONE);
    assert_int_equal(report_next(MRS_PENDING, MRA_NONE), MRS_NONE);
}

static void whose_move_and_what_is_active(void **state)
{
    (void)state;
    assert_int_equal(report_actor(MRA_WITHDRAW), REPORT_BY_MEMBER);
    assert_int_equal(report_actor(MRA_LEAVE), REPORT_BY_MEMBER);
    assert_int_equal(report_actor(MRA_RECEIVE), REPORT_BY_COMMUNITY);
    assert_int_equal(report_actor(MRA_DECLINE), REPORT_BY_COMMUNITY);
    assert_int_equal(report_actor(MRA_CANCEL), REPORT_BY_COMMUNITY);
    assert_false(report_needs_reason(MRA_RECEIVE));
    assert_false(report_needs_reason(MRA_WITHDRAW));
    assert_true(report_needs_reason(MRA_DECLINE));
    assert_true(report_needs_reason(MRA_LEAVE));
    assert_true(report_needs_reason(MRA_CANCEL));
    assert_true(report_active(MRS_PENDING));
    assert_true(report_active(MRS_REPORTED));
    assert_false(report_active(MRS_RETURNED));
    assert_false(report_active(MRS_CANCELLED));
    assert_false(report_active(MRS_NONE));
}

static void names_round_trip(void **state)
{
    (void)state;
    for (int s = 0; s < MRS_COUNT; s++)
        assert_int_equal(report_state_from_name(report_state_name((report_state_t)s)), s);
    for (int a = 0; a < MRA_COUNT; a++)
        assert_int_equal(report_action_from_name(report_action_name((report_action_t)a)), a);
    assert_int_equal(report_state_from_name("received"), MRS_NONE);
    assert_int_equal(report_action_from_name(NULL), MRA_NONE);
    assert_null(report_state_name(MRS_COUNT));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pending_to_reported_to_returned_or_cancelled),
        cmocka_unit_test(every_other_move_is_refused),
        cmocka_unit_test(whose_move_and_what_is_active),
        cmocka_unit_test(names_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
