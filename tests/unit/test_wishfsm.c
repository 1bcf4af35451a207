#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/wishfsm.h"

static void collecting_to_archived_with_a_return_a_withdrawal_and_an_expiry(void **state)
{
    (void)state;
    wish_action_t path[] = {WA_SUBMIT, WA_RETURN, WA_SUBMIT,  WA_PUBLISH, WA_CLAIM,   WA_WITHDRAW,
                            WA_CLAIM,  WA_EXPIRE, WA_CLAIM,   WA_FULFIL,  WA_CONFIRM, WA_ARCHIVE};
    wish_state_t want[] = {WS_CHECKING, WS_COLLECTING, WS_CHECKING,  WS_PUBLISHED, WS_CLAIMED,   WS_PUBLISHED,
                           WS_CLAIMED,  WS_PUBLISHED,  WS_CLAIMED,   WS_FULFILLED, WS_CONFIRMED, WS_ARCHIVED};
    wish_state_t s = WS_COLLECTING;
    for (size_t i = 0; i < sizeof path / sizeof path[0]; i++) {
        s = wish_next(s, path[i]);
        assert_int_equal(s, want[i]);
    }
}

static void every_other_move_is_refused(void **state)
{
    (void)state;
    int allowed = 0;
    for (int s = 0; s < WS_COUNT; s++)
        for (int a = 0; a < WA_COUNT; a++)
            allowed += wish_next((wish_state_t)s, (wish_action_t)a) != WS_NONE;
    assert_int_equal(allowed, 12);
    /* cancelled only before a claim */
    assert_int_equal(wish_next(WS_CLAIMED, WA_CANCEL), WS_NONE);
    assert_int_equal(wish_next(WS_FULFILLED, WA_CANCEL), WS_NONE);
    assert_int_equal(wish_next(WS_PUBLISHED, WA_CANCEL), WS_CANCELLED);
    /* no claim before publication, no confirmation before fulfilment */
    assert_int_equal(wish_next(WS_CHECKING, WA_CLAIM), WS_NONE);
    assert_int_equal(wish_next(WS_CLAIMED, WA_CONFIRM), WS_NONE);
    assert_int_equal(wish_next(WS_FULFILLED, WA_WITHDRAW), WS_NONE);
    for (int a = 0; a < WA_COUNT; a++) {
        assert_int_equal(wish_next(WS_ARCHIVED, (wish_action_t)a), WS_NONE);
        assert_int_equal(wish_next(WS_CANCELLED, (wish_action_t)a), WS_NONE);
    }
    assert_int_equal(wish_next(WS_NONE, WA_SUBMIT), WS_NONE);
    assert_int_equal(wish_next(WS_COLLECTING, WA_NONE), WS_NONE);
}

static void whose_move_and_what_each_state_allows(void **state)
{
    (void)state;
    assert_int_equal(wish_actor(WA_SUBMIT), WISH_BY_HOUSEHOLD);
    assert_int_equal(wish_actor(WA_CANCEL), WISH_BY_HOUSEHOLD);
    assert_int_equal(wish_actor(WA_RETURN), WISH_BY_COMMUNITY);
    assert_int_equal(wish_actor(WA_PUBLISH), WISH_BY_COMMUNITY);
    assert_int_equal(wish_actor(WA_ARCHIVE), WISH_BY_COMMUNITY);
    assert_int_equal(wish_actor(WA_CLAIM), WISH_BY_MEMBER);
    assert_int_equal(wish_actor(WA_WITHDRAW), WISH_BY_MEMBER);
    assert_int_equal(wish_actor(WA_FULFIL), WISH_BY_MEMBER);
    assert_int_equal(wish_actor(WA_CONFIRM), WISH_BY_BENEFICIARY);
    assert_int_equal(wish_actor(WA_EXPIRE), WISH_BY_SYSTEM);
    assert_true(wish_needs_reason(WA_RETURN));
    assert_true(wish_needs_reason(WA_CANCEL));
    assert_false(wish_needs_reason(WA_PUBLISH));
    for (int s = WS_COLLECTING; s <= WS_FULFILLED; s++)
        assert_true(wish_open((wish_state_t)s));
    assert_false(wish_open(WS_CONFIRMED));
    assert_false(wish_open(WS_ARCHIVED));
    assert_false(wish_open(WS_CANCELLED));
    assert_true(wish_editable(WS_COLLECTING));
    assert_true(wish_editable(WS_CHECKING));
    assert_false(wish_editable(WS_PUBLISHED));
}

static void names_round_trip(void **state)
{
    (void)state;
    for (int s = 0; s < WS_COUNT; s++)
        assert_int_equal(wish_state_from_name(wish_state_name((wish_state_t)s)), s);
    for (int a = 0; a < WA_COUNT; a++)
        assert_int_equal(wish_action_from_name(wish_action_name((wish_action_t)a)), a);
    assert_int_equal(wish_state_from_name("nope"), WS_NONE);
    assert_int_equal(wish_action_from_name(NULL), WA_NONE);
    assert_null(wish_state_name(WS_COUNT));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(collecting_to_archived_with_a_return_a_withdrawal_and_an_expiry),
        cmocka_unit_test(every_other_move_is_refused),
        cmocka_unit_test(whose_move_and_what_each_state_allows),
        cmocka_unit_test(names_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
