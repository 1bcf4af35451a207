/* Unit tests of src/core/level.c: level names, the parent/child rule and the
 * kinds each level may hold. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "core/level.h"

static const struct {
    org_level_t level;
    const char *name;
} all_levels[] = {
    {LEVEL_CITY, "city"},         {LEVEL_DISTRICT, "district"}, {LEVEL_STREET, "street"},
    {LEVEL_COMMUNITY, "community"}, {LEVEL_GRID, "grid"},         {LEVEL_BUILDING, "building"},
};
#define N_LEVELS (sizeof all_levels / sizeof all_levels[0])

static void test_name_round_trip(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_LEVELS; i++) {
        assert_string_equal(level_name(all_levels[i].level), all_levels[i].name);
        assert_int_equal(level_from_name(all_levels[i].name), all_levels[i].level);
        assert_int_equal(level_from_name(level_name(all_levels[i].level)), all_levels[i].level);
    }
}

static void test_level_values_are_ordered(void **state)
{
    (void)state;
    /* The tree depth logic depends on LEVEL_CITY..LEVEL_BUILDING being 1..6. */
    assert_int_equal(LEVEL_NONE, 0);
    for (size_t i = 0; i < N_LEVELS; i++)
        assert_int_equal(all_levels[i].level, (int)i + 1);
}

static void test_from_name_unknown(void **state)
{
    (void)state;
    assert_int_equal(level_from_name(NULL), LEVEL_NONE);
    assert_int_equal(level_from_name(""), LEVEL_NONE);
    assert_int_equal(level_from_name("City"), LEVEL_NONE);
    assert_int_equal(level_from_name("CITY"), LEVEL_NONE);
    assert_int_equal(level_from_name("city "), LEVEL_NONE);
    assert_int_equal(level_from_name(" city"), LEVEL_NONE);
    assert_int_equal(level_from_name("cit"), LEVEL_NONE);
    assert_int_equal(level_from_name("cityx"), LEVEL_NONE);
    assert_int_equal(level_from_name("none"), LEVEL_NONE);
    assert_int_equal(level_from_name("province"), LEVEL_NONE);
    assert_int_equal(level_from_name("county"), LEVEL_NONE); /* a kind, not a level */
    assert_int_equal(level_from_name("town"), LEVEL_NONE);
    assert_int_equal(level_from_name("村"), LEVEL_NONE);
}

static void test_name_out_of_range(void **state)
{
    (void)state;
    assert_null(level_name(LEVEL_NONE));
    assert_null(level_name((org_level_t)(LEVEL_BUILDING + 1)));
    assert_null(level_name((org_level_t)100));
    assert_null(level_name((org_level_t)-1));
}

static void test_child_allowed_matrix(void **state)
{
    (void)state;
    for (int p = -1; p <= LEVEL_BUILDING + 2; p++) {
        for (int c = -1; c <= LEVEL_BUILDING + 2; c++) {
            int expect = p >= LEVEL_CITY && p <= LEVEL_GRID && c == p + 1;
            if (level_child_allowed((org_level_t)p, (org_level_t)c) != expect)
                fail_msg("level_child_allowed(%d, %d) != %d", p, c, expect);
        }
    }
}

static void test_child_allowed_named(void **state)
{
    (void)state;
    assert_true(level_child_allowed(LEVEL_CITY, LEVEL_DISTRICT));
    assert_true(level_child_allowed(LEVEL_DISTRICT, LEVEL_STREET));
    assert_true(level_child_allowed(LEVEL_STREET, LEVEL_COMMUNITY));
    assert_true(level_child_allowed(LEVEL_COMMUNITY, LEVEL_GRID));
    assert_true(level_child_allowed(LEVEL_GRID, LEVEL_BUILDING));
    /* No skipping, no going up, no siblings, nothing under a building. */
    assert_false(level_child_allowed(LEVEL_CITY, LEVEL_STREET));
    assert_false(level_child_allowed(LEVEL_DISTRICT, LEVEL_CITY));
    assert_false(level_child_allowed(LEVEL_STREET, LEVEL_STREET));
    assert_false(level_child_allowed(LEVEL_BUILDING, LEVEL_BUILDING));
    assert_false(level_child_allowed(LEVEL_BUILDING, (org_level_t)(LEVEL_BUILDING + 1)));
    assert_false(level_child_allowed(LEVEL_NONE, LEVEL_CITY));
    assert_false(level_child_allowed(LEVEL_CITY, LEVEL_NONE));
}

static void test_kind_allowed(void **state)
{
    (void)state;
    static const struct {
        org_level_t level;
        const char *kinds[4];
    } table[] = {
        {LEVEL_CITY, {"city", NULL}},
        {LEVEL_DISTRICT, {"district", "county", "county_city", NULL}},
        {LEVEL_STREET, {"street", "town", "township", NULL}},
        {LEVEL_COMMUNITY, {"community", "village", NULL}},
        {LEVEL_GRID, {"grid", NULL}},
        {LEVEL_BUILDING, {"building", NULL}},
    };
    static const char *const every_kind[] = {"city",      "district", "county", "county_city", "street", "town",
                                             "township", "community", "village", "grid",       "building"};
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        for (size_t k = 0; k < sizeof every_kind / sizeof every_kind[0]; k++) {
            int expect = 0;
            for (size_t j = 0; table[i].kinds[j]; j++)
                if (strcmp(table[i].kinds[j], every_kind[k]) == 0)
                    expect = 1;
            if (level_kind_allowed(table[i].level, every_kind[k]) != expect)
                fail_msg("level_kind_allowed(%d, %s) != %d", table[i].level, every_kind[k], expect);
        }
    }
}

static void test_kind_allowed_rejects(void **state)
{
    (void)state;
    assert_false(level_kind_allowed(LEVEL_DISTRICT, NULL));
    assert_false(level_kind_allowed(LEVEL_DISTRICT, ""));
    assert_false(level_kind_allowed(LEVEL_DISTRICT, "County"));
    assert_false(level_kind_allowed(LEVEL_DISTRICT, "county "));
    assert_false(level_kind_allowed(LEVEL_DISTRICT, "county_cit"));
    assert_false(level_kind_allowed(LEVEL_STREET, "区"));
    assert_false(level_kind_allowed(LEVEL_NONE, "city"));
    assert_false(level_kind_allowed(LEVEL_NONE, NULL));
    assert_false(level_kind_allowed((org_level_t)(LEVEL_BUILDING + 1), "building"));
    assert_false(level_kind_allowed((org_level_t)-1, "city"));
}

static void test_default_kind(void **state)
{
    (void)state;
    assert_string_equal(level_default_kind(LEVEL_CITY), "city");
    assert_string_equal(level_default_kind(LEVEL_DISTRICT), "district");
    assert_string_equal(level_default_kind(LEVEL_STREET), "street");
    assert_string_equal(level_default_kind(LEVEL_COMMUNITY), "community");
    assert_string_equal(level_default_kind(LEVEL_GRID), "grid");
    assert_string_equal(level_default_kind(LEVEL_BUILDING), "building");
    assert_null(level_default_kind(LEVEL_NONE));
    assert_null(level_default_kind((org_level_t)(LEVEL_BUILDING + 1)));
    assert_null(level_default_kind((org_level_t)-1));
    /* The default kind is always one the level accepts. */
    for (size_t i = 0; i < N_LEVELS; i++)
        assert_true(level_kind_allowed(all_levels[i].level, level_default_kind(all_levels[i].level)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_name_round_trip),
        cmocka_unit_test(test_level_values_are_ordered),
        cmocka_unit_test(test_from_name_unknown),
        cmocka_unit_test(test_name_out_of_range),
        cmocka_unit_test(test_child_allowed_matrix),
        cmocka_unit_test(test_child_allowed_named),
        cmocka_unit_test(test_kind_allowed),
        cmocka_unit_test(test_kind_allowed_rejects),
        cmocka_unit_test(test_default_kind),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
