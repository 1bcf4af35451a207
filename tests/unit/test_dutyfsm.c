#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/dutyfsm.h"

static void draft_to_published_with_one_return(void **state)
{
    (void)state;
    duty_action_t path[] = {DA_SUBMIT, DA_RETURN, DA_SUBMIT, DA_SIGN, DA_PUBLISH};
    duty_state_t want[] = {DS_REVIEW, DS_DRAFT, DS_REVIEW, DS_SIGNED, DS_PUBLISHED};
    duty_state_t s = DS_DRAFT;
    for (size_t i = 0; i < sizeof path / sizeof path[0]; i++) {
        s = duty_next(s, path[i]);
        assert_int_equal(s, want[i]);
    }
}

static void every_other_move_is_refused(void **state)
{
    (void)state;
    int allowed = 0;
    for (int s = 0; s < DS_COUNT; s++)
        for (int a = 0; a < DA_COUNT; a++)
            allowed += duty_next((duty_state_t)s, (duty_action_t)a) != DS_NONE;
    assert_int_equal(allowed, 4);
    assert_int_equal(duty_next(DS_DRAFT, DA_SIGN), DS_NONE);
    assert_int_equal(duty_next(DS_DRAFT, DA_PUBLISH), DS_NONE);
    assert_int_equal(duty_next(DS_SIGNED, DA_RETURN), DS_NONE);
    assert_int_equal(duty_next(DS_REVIEW, DA_PUBLISH), DS_NONE);
    for (int a = 0; a < DA_COUNT; a++)
        assert_int_equal(duty_next(DS_PUBLISHED, (duty_action_t)a), DS_NONE);
    assert_int_equal(duty_next(DS_NONE, DA_SUBMIT), DS_NONE);
    assert_int_equal(duty_next(DS_DRAFT, DA_NONE), DS_NONE);
}

static void who_moves_and_what_each_state_allows(void **state)
{
    (void)state;
    assert_int_equal(duty_actor(DA_SUBMIT), DUTY_BY_NODE);
    assert_int_equal(duty_actor(DA_PUBLISH), DUTY_BY_NODE);
    assert_int_equal(duty_actor(DA_RETURN), DUTY_BY_ABOVE);
    assert_int_equal(duty_actor(DA_SIGN), DUTY_BY_ABOVE);
    assert_true(duty_needs_reason(DA_RETURN));
    assert_false(duty_needs_reason(DA_SIGN));
    assert_true(duty_items_editable(DS_DRAFT));
    for (int s = DS_REVIEW; s < DS_COUNT; s++)
        assert_false(duty_items_editable((duty_state_t)s));
    assert_false(duty_in_force(DS_DRAFT));
    assert_false(duty_in_force(DS_REVIEW));
    assert_true(duty_in_force(DS_SIGNED));
    assert_true(duty_in_force(DS_PUBLISHED));
}

static void names_round_trip(void **state)
{
    (void)state;
    for (int s = 0; s < DS_COUNT; s++)
        assert_int_equal(duty_state_from_name(duty_state_name((duty_state_t)s)), s);
    for (int a = 0; a < DA_COUNT; a++)
        assert_int_equal(duty_action_from_name(duty_action_name((duty_action_t)a)), a);
    assert_int_equal(duty_state_from_name("signedx"), DS_NONE);
    assert_int_equal(duty_state_from_name(NULL), DS_NONE);
    assert_int_equal(duty_action_from_name("approve"), DA_NONE);
    assert_null(duty_state_name(DS_COUNT));
    assert_null(duty_action_name(DA_NONE));
    assert_null(duty_states[DS_COUNT]);
    assert_null(duty_actions[DA_COUNT]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(draft_to_published_with_one_return),
        cmocka_unit_test(every_other_move_is_refused),
        cmocka_unit_test(who_moves_and_what_each_state_allows),
        cmocka_unit_test(names_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
