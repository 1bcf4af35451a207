#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/casefsm.h"

static void the_happy_path(void **state)
{
    (void)state;
    case_action_t path[] = {CA_ACCEPT, CA_DISPATCH, CA_CLAIM, CA_HANDLE, CA_VERIFY, CA_CLOSE, CA_RATE};
    case_state_t s = CS_REPORTED;
    for (size_t i = 0; i < sizeof path / sizeof path[0]; i++) {
        case_state_t n = case_next(s, path[i]);
        assert_int_not_equal(n, CS_NONE);
        s = n;
    }
    assert_int_equal(s, CS_RATED);
    assert_true(case_state_final(s));
}

static void rework_loops_back(void **state)
{
    (void)state;
    assert_int_equal(case_next(CS_HANDLED, CA_RETURN), CS_HANDLING);
    assert_int_equal(case_next(CS_HANDLING, CA_HANDLE), CS_HANDLED);
    assert_int_equal(case_next(CS_REPORTED, CA_REJECT), CS_REJECTED);
}

static void every_other_move_is_refused(void **state)
{
    (void)state;
    int allowed = 0;
    for (int s = 0; s < CS_COUNT; s++)
        for (int a = 0; a < CA_COUNT; a++)
            allowed += case_next((case_state_t)s, (case_action_t)a) != CS_NONE;
    assert_int_equal(allowed, 10);
    assert_int_equal(case_next(CS_REPORTED, CA_MERGE), CS_REJECTED);
    assert_int_equal(case_next(CS_ACCEPTED, CA_MERGE), CS_NONE);
    for (int a = 0; a < CA_COUNT; a++) {
        assert_int_equal(case_next(CS_REJECTED, (case_action_t)a), CS_NONE);
        assert_int_equal(case_next(CS_RATED, (case_action_t)a), CS_NONE);
    }
    assert_int_equal(case_next(CS_REPORTED, CA_CLOSE), CS_NONE);
    assert_int_equal(case_next(CS_HANDLING, CA_VERIFY), CS_NONE);
}

static void names_round_trip(void **state)
{
    (void)state;
    for (int s = 0; s < CS_COUNT; s++)
        assert_int_equal(case_state_from_name(case_state_name((case_state_t)s)), s);
    for (int a = 0; a < CA_COUNT; a++)
        assert_int_equal(case_action_from_name(case_action_name((case_action_t)a)), a);
    assert_int_equal(case_state_from_name("open"), CS_NONE);
    assert_int_equal(case_action_from_name(NULL), CA_NONE);
    assert_null(case_state_name(CS_COUNT));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_happy_path),
        cmocka_unit_test(rework_loops_back),
        cmocka_unit_test(every_other_move_is_refused),
        cmocka_unit_test(names_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
