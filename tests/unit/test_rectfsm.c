#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/rectfsm.h"

static void pending_to_closed_with_one_return(void **state)
{
    (void)state;
    rect_action_t path[] = {RA_START, RA_APPLY, RA_RETURN, RA_APPLY, RA_CLOSE};
    rect_state_t want[] = {RS_FIXING, RS_APPLIED, RS_FIXING, RS_APPLIED, RS_CLOSED};
    rect_state_t s = RS_PENDING;
    for (size_t i = 0; i < sizeof path / sizeof path[0]; i++) {
        s = rect_next(s, path[i]);
        assert_int_equal(s, want[i]);
    }
}

static void every_other_move_is_refused(void **state)
{
    (void)state;
    int allowed = 0;
    for (int s = 0; s < RS_COUNT; s++)
        for (int a = 0; a < RA_COUNT; a++)
            allowed += rect_next((rect_state_t)s, (rect_action_t)a) != RS_NONE;
    assert_int_equal(allowed, 4);
    assert_int_equal(rect_next(RS_PENDING, RA_CLOSE), RS_NONE);
    assert_int_equal(rect_next(RS_FIXING, RA_CLOSE), RS_NONE);
    assert_int_equal(rect_next(RS_PENDING, RA_APPLY), RS_NONE);
    assert_int_equal(rect_next(RS_FIXING, RA_RETURN), RS_NONE);
    for (int a = 0; a < RA_COUNT; a++)
        assert_int_equal(rect_next(RS_CLOSED, (rect_action_t)a), RS_NONE);
    assert_int_equal(rect_next(RS_NONE, RA_START), RS_NONE);
    assert_int_equal(rect_next(RS_PENDING, RA_NONE), RS_NONE);
}

static void who_moves_and_what_is_open(void **state)
{
    (void)state;
    assert_int_equal(rect_actor(RA_START), RECT_BY_CONCERNED);
    assert_int_equal(rect_actor(RA_APPLY), RECT_BY_CONCERNED);
    assert_int_equal(rect_actor(RA_CLOSE), RECT_BY_RAISER);
    assert_int_equal(rect_actor(RA_RETURN), RECT_BY_RAISER);
    assert_true(rect_needs_reason(RA_RETURN));
    assert_false(rect_needs_reason(RA_CLOSE));
    assert_true(rect_open(RS_PENDING));
    assert_true(rect_open(RS_FIXING));
    assert_true(rect_open(RS_APPLIED));
    assert_false(rect_open(RS_CLOSED));
    assert_false(rect_open(RS_NONE));
}

static void names_round_trip(void **state)
{
    (void)state;
    for (int s = 0; s < RS_COUNT; s++)
        assert_int_equal(rect_state_from_name(rect_state_name((rect_state_t)s)), s);
    for (int a = 0; a < RA_COUNT; a++)
        assert_int_equal(rect_action_from_name(rect_action_name((rect_action_t)a)), a);
    assert_int_equal(rect_state_from_name("closedx"), RS_NONE);
    assert_int_equal(rect_state_from_name(NULL), RS_NONE);
    assert_int_equal(rect_action_from_name("sign"), RA_NONE);
    assert_null(rect_state_name(RS_COUNT));
    assert_null(rect_action_name(RA_NONE));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pending_to_closed_with_one_return),
        cmocka_unit_test(every_other_move_is_refused),
        cmocka_unit_test(who_moves_and_what_is_open),
        cmocka_unit_test(names_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
