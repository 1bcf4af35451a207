#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/ptransferfsm.h"

static void the_moves_of_a_transfer(void **state)
{
    (void)state;
    assert_int_equal(ptransfer_next(PTS_APPLIED, PTA_APPROVE), PTS_OUT_REVIEWED);
    assert_int_equal(ptransfer_next(PTS_APPLIED, PTA_CANCEL), PTS_CANCELLED);
    assert_int_equal(ptransfer_next(PTS_OUT_REVIEWED, PTA_RECEIVE), PTS_RECEIVED);
    assert_int_equal(ptransfer_next(PTS_OUT_REVIEWED, PTA_RETURN), PTS_RETURNED);
    assert_int_equal(ptransfer_next(PTS_OUT_REVIEWED, PTA_SUSPEND), PTS_SUSPENDED);
    assert_int_equal(ptransfer_next(PTS_OUT_REVIEWED, PTA_CANCEL), PTS_CANCELLED);
    assert_int_equal(ptransfer_next(PTS_SUSPENDED, PTA_RECEIVE), PTS_RECEIVED);
    assert_int_equal(ptransfer_next(PTS_SUSPENDED, PTA_RETURN), PTS_RETURNED);
    assert_int_equal(ptransfer_next(PTS_RETURNED, PTA_REAPPLY), PTS_APPLIED);
    assert_int_equal(ptransfer_next(PTS_RETURNED, PTA_CANCEL), PTS_CANCELLED);
    assert_int_equal(ptransfer_next(PTS_RECEIVED, PTA_COMPLETE), PTS_COMPLETED);
}

static void every_other_move_is_refused(void **state)
{
    (void)state;
    int allowed = 0;
    for (int s = 0; s < PTS_COUNT; s++)
        for (int a = 0; a < PTA_COUNT; a++)
            allowed += ptransfer_next((ptransfer_state_t)s, (ptransfer_action_t)a) != PTS_NONE;
    assert_int_equal(allowed, 11);
    assert_int_equal(ptransfer_next(PTS_APPLIED, PTA_RECEIVE), PTS_NONE);
    assert_int_equal(ptransfer_next(PTS_APPLIED, PTA_COMPLETE), PTS_NONE);
    assert_int_equal(ptransfer_next(PTS_OUT_REVIEWED, PTA_COMPLETE), PTS_NONE);
    assert_int_equal(ptransfer_next(PTS_SUSPENDED, PTA_CANCEL), PTS_NONE);
    assert_int_equal(ptransfer_next(PTS_RECEIVED, PTA_CANCEL), PTS_NONE);
    assert_int_equal(ptransfer_next(PTS_RECEIVED, PTA_RETURN), PTS_NONE);
    for (int a = 0; a < PTA_COUNT; a++) {
        assert_int_equal(ptransfer_next(PTS_COMPLETED, (ptransfer_action_t)a), PTS_NONE);
        assert_int_equal(ptransfer_next(PTS_CANCELLED, (ptransfer_action_t)a), PTS_NONE);
    }
    assert_int_equal(ptransfer_next(PTS_NONE, PTA_APPROVE), PTS_NONE);
    assert_int_equal(ptransfer_next(PTS_APPLIED, PTA_NONE), PTS_NONE);
}

static void whose_move_and_what_is_open(void **state)
{
    (void)state;
    assert_int_equal(ptransfer_actor(PTA_APPROVE), PT_BY_SENDER);
    assert_int_equal(ptransfer_actor(PTA_REAPPLY), PT_BY_SENDER);
    assert_int_equal(ptransfer_actor(PTA_COMPLETE), PT_BY_SENDER);
    assert_int_equal(ptransfer_actor(PTA_CANCEL), PT_BY_SENDER);
    assert_int_equal(ptransfer_actor(PTA_RECEIVE), PT_BY_RECEIVER);
    assert_int_equal(ptransfer_actor(PTA_RETURN), PT_BY_RECEIVER);
    assert_int_equal(ptransfer_actor(PTA_SUSPEND), PT_BY_RECEIVER);
    assert_true(ptransfer_needs_reason(PTA_RETURN));
    assert_true(ptransfer_needs_reason(PTA_SUSPEND));
    assert_false(ptransfer_needs_reason(PTA_RECEIVE));
    assert_false(ptransfer_needs_reason(PTA_CANCEL));
    for (int s = 0; s < PTS_COUNT; s++)
        assert_int_equal(ptransfer_open((ptransfer_state_t)s), s != PTS_COMPLETED && s != PTS_CANCELLED);
    assert_false(ptransfer_open(PTS_NONE));
}

static void the_form_by_the_situation(void **state)
{
    (void)state;
    assert_int_equal(ptransfer_form(6, 1, 6), PTF_FORMAL);
    assert_int_equal(ptransfer_form(24, 1, 6), PTF_FORMAL);
    assert_int_equal(ptransfer_form(5, 1, 6), PTF_CERTIFICATE);
    assert_int_equal(ptransfer_form(0, 1, 6), PTF_CERTIFICATE);
    assert_int_equal(ptransfer_form(12, 0, 6), PTF_MOBILE_CARD);
    assert_int_equal(ptransfer_form(1, 0, 6), PTF_MOBILE_CARD);
    assert_int_equal(ptransfer_form(3, 1, 3), PTF_FORMAL);
}

static void names_round_trip(void **state)
{
    (void)state;
    for (int s = 0; s < PTS_COUNT; s++)
        assert_int_equal(ptransfer_state_from_name(ptransfer_state_name((ptransfer_state_t)s)), s);
    for (int a = 0; a < PTA_COUNT; a++)
        assert_int_equal(ptransfer_action_from_name(ptransfer_action_name((ptransfer_action_t)a)), a);
    assert_int_equal(ptransfer_state_from_name("done"), PTS_NONE);
    assert_int_equal(ptransfer_action_from_name(NULL), PTA_NONE);
    assert_null(ptransfer_state_name(PTS_COUNT));
    assert_string_equal(ptransfer_forms[PTF_MOBILE_CARD], "mobile_card");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_moves_of_a_transfer),
        cmocka_unit_test(every_other_move_is_refused),
        cmocka_unit_test(whose_move_and_what_is_open),
        cmocka_unit_test(the_form_by_the_situation),
        cmocka_unit_test(names_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
