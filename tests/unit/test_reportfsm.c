#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/reportfsm.h"

static void pending_to_reported_to_returned_or_cancelled(void **state)
{
    (void)state;
    assert_int_equal(report_next(RS_PENDING, RA_RECEIVE), RS_REPORTED);
    assert_int_equal(report_next(RS_REPORTED, RA_LEAVE), RS_RETURNED);
    assert_int_equal(report_next(RS_REPORTED, RA_CANCEL), RS_CANCELLED);
    assert_int_equal(report_next(RS_PENDING, RA_DECLINE), RS_RETURNED);
    assert_int_equal(report_next(RS_PENDING, RA_WITHDRAW), RS_CANCELLED);
}

static void every_other_move_is_refused(void **state)
{
    (void)state;
    int allowed = 0;
    for (int s = 0; s < RS_COUNT; s++)
        for (int a = 0; a < RA_COUNT; a++)
            allowed += report_next((report_state_t)s, (report_action_t)a) != RS_NONE;
    assert_int_equal(allowed, 5);
    assert_int_equal(report_next(RS_REPORTED, RA_RECEIVE), RS_NONE);
    assert_int_equal(report_next(RS_REPORTED, RA_WITHDRAW), RS_NONE);
    assert_int_equal(report_next(RS_PENDING, RA_LEAVE), RS_NONE);
    assert_int_equal(report_next(RS_PENDING, RA_CANCEL), RS_NONE);
    for (int a = 0; a < RA_COUNT; a++) {
        assert_int_equal(report_next(RS_RETURNED, (report_action_t)a), RS_NONE);
        assert_int_equal(report_next(RS_CANCELLED, (report_action_t)a), RS_NONE);
    }
    assert_int_equal(report_next(RS_NONE, RA_RECEIVE), RS_NONE);
    assert_int_equal(report_next(RS_PENDING, RA_NONE), RS_NONE);
}

static void whose_move_and_what_is_active(void **state)
{
    (void)state;
    assert_int_equal(report_actor(RA_WITHDRAW), REPORT_BY_MEMBER);
    assert_int_equal(report_actor(RA_LEAVE), REPORT_BY_MEMBER);
    assert_int_equal(report_actor(RA_RECEIVE), REPORT_BY_COMMUNITY);
    assert_int_equal(report_actor(RA_DECLINE), REPORT_BY_COMMUNITY);
    assert_int_equal(report_actor(RA_CANCEL), REPORT_BY_COMMUNITY);
    assert_false(report_needs_reason(RA_RECEIVE));
    assert_false(report_needs_reason(RA_WITHDRAW));
    assert_true(report_needs_reason(RA_DECLINE));
    assert_true(report_needs_reason(RA_LEAVE));
    assert_true(report_needs_reason(RA_CANCEL));
    assert_true(report_active(RS_PENDING));
    assert_true(report_active(RS_REPORTED));
    assert_false(report_active(RS_RETURNED));
    assert_false(report_active(RS_CANCELLED));
    assert_false(report_active(RS_NONE));
}

static void names_round_trip(void **state)
{
    (void)state;
    for (int s = 0; s < RS_COUNT; s++)
        assert_int_equal(report_state_from_name(report_state_name((report_state_t)s)), s);
    for (int a = 0; a < RA_COUNT; a++)
        assert_int_equal(report_action_from_name(report_action_name((report_action_t)a)), a);
    assert_int_equal(report_state_from_name("received"), RS_NONE);
    assert_int_equal(report_action_from_name(NULL), RA_NONE);
    assert_null(report_state_name(RS_COUNT));
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
