/* Unit tests of src/core/path.c: materialised paths of the organisation tree. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/path.h"

static const char *const valid_paths[] = {
    "/", "/1/", "/9/", "/10/", "/1/5/", "/1/5/23/", "/1/50/", "/100/2000/30000/",
    "/123456789012345678/", /* 18 digits: the longest id the parser accepts */
    "/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16/",
};

static const char *const invalid_paths[] = {
    "",         "1/",      "1",      "/1",      "/1/5",   "//",      "/1//",      "//1/",    "/0/",
    "/01/",     "/1/05/",  "/1/0/",  "/-1/",    "/+1/",   "/1a/",    "/a/",       "/ 1/",    "/1 /",
    "/1/ ",     " /1/",    "/1/5/x", "/1.5/",   "/1/\\/", "\\1\\",   "/1/\xc2\xb9/", /* superscript one */
    "/\xef\xbc\x91/", /* fullwidth one */
    "/1234567890123456789/", /* 19 digits */
    "/1/5/23",
};

static void test_valid(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof valid_paths / sizeof valid_paths[0]; i++)
        if (!path_valid(valid_paths[i]))
            fail_msg("path_valid(\"%s\") should be 1", valid_paths[i]);
    for (size_t i = 0; i < sizeof invalid_paths / sizeof invalid_paths[0]; i++)
        if (path_valid(invalid_paths[i]))
            fail_msg("path_valid(\"%s\") should be 0", invalid_paths[i]);
    assert_false(path_valid(NULL));
}

static void test_depth(void **state)
{
    (void)state;
    assert_int_equal(path_depth("/"), 0);
    assert_int_equal(path_depth("/1/"), 1);
    assert_int_equal(path_depth("/1/5/"), 2);
    assert_int_equal(path_depth("/1/5/23/"), 3);
    assert_int_equal(path_depth("/123456789012345678/"), 1);
    assert_int_equal(path_depth("/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16/"), 16);
    assert_int_equal(path_depth(NULL), -1);
    for (size_t i = 0; i < sizeof invalid_paths / sizeof invalid_paths[0]; i++)
        if (path_depth(invalid_paths[i]) != -1)
            fail_msg("path_depth(\"%s\") should be -1", invalid_paths[i]);
}

static void test_child(void **state)
{
    (void)state;
    char out[64];
    assert_int_equal(path_child(out, sizeof out, "/1/5/", 23), 0);
    assert_string_equal(out, "/1/5/23/");
    assert_int_equal(path_child(out, sizeof out, "/", 7), 0);
    assert_string_equal(out, "/7/");
    assert_int_equal(path_child(out, sizeof out, NULL, 7), 0);
    assert_string_equal(out, "/7/");
    assert_int_equal(path_child(out, sizeof out, "", 7), 0);
    assert_string_equal(out, "/7/");
    assert_int_equal(path_child(out, sizeof out, "/1/", 123456789012345678LL), 0);
    assert_string_equal(out, "/1/123456789012345678/");
    assert_true(path_valid(out));
    assert_int_equal(path_last_id(out), 123456789012345678LL);
}

static void test_child_rejects(void **state)
{
    (void)state;
    char out[64];
    strcpy(out, "untouched");
    assert_int_equal(path_child(out, sizeof out, "/1/", 0), -1);
    assert_int_equal(path_child(out, sizeof out, "/1/", -1), -1);
    assert_int_equal(path_child(out, sizeof out, "/1/", INT64_MIN), -1);
    assert_string_equal(out, "untouched");
    for (size_t i = 1; i < sizeof invalid_paths / sizeof invalid_paths[0]; i++) /* [0] is "" = root */
        if (path_child(out, sizeof out, invalid_paths[i], 3) != -1)
            fail_msg("path_child under \"%s\" should fail", invalid_paths[i]);
}

static void test_child_capacity(void **state)
{
    (void)state;
    char out[16];
    /* "/1/5/" is 5 chars and needs 6 bytes. */
    memset(out, 'X', sizeof out);
    assert_int_equal(path_child(out, 5, "/1/", 5), -1);
    assert_int_equal(path_child(out, 6, "/1/", 5), 0);
    assert_string_equal(out, "/1/5/");
    assert_int_equal(out[6], 'X');
    assert_int_equal(path_child(out, 0, "/1/", 5), -1);
    assert_int_equal(path_child(out, 1, "/", 5), -1);
}

static void test_child_then_parse(void **state)
{
    (void)state;
    /* Build a chain of children and check depth, ids and last id at every step. */
    char a[256], b[256];
    char *cur = a, *next = b;
    strcpy(cur, "/");
    int64_t expect[PATH_MAX_DEPTH];
    for (int d = 0; d < PATH_MAX_DEPTH; d++) {
        int64_t id = (int64_t)(d + 1) * 1000003;
        expect[d] = id;
        assert_int_equal(path_child(next, sizeof a, cur, id), 0);
        char *t = cur;
        cur = next;
        next = t;
        assert_true(path_valid(cur));
        assert_int_equal(path_depth(cur), d + 1);
        assert_int_equal(path_last_id(cur), id);
        int64_t ids[PATH_MAX_DEPTH];
        assert_int_equal(path_ids(cur, ids, PATH_MAX_DEPTH), d + 1);
        assert_memory_equal(ids, expect, sizeof(int64_t) * (size_t)(d + 1));
    }
}

static void test_is_within(void **state)
{
    (void)state;
    assert_true(path_is_within("/1/5/", "/1/5/"));
    assert_true(path_is_within("/1/5/23/", "/1/5/"));
    assert_true(path_is_within("/1/5/23/", "/1/"));
    assert_true(path_is_within("/1/5/23/", "/"));
    assert_true(path_is_within("/", "/"));
    /* Numeric prefixes are not ancestors. */
    assert_false(path_is_within("/1/50/", "/1/5/"));
    assert_false(path_is_within("/10/", "/1/"));
    assert_false(path_is_within("/1/5/", "/1/5/23/"));
    assert_false(path_is_within("/1/", "/1/5/"));
    assert_false(path_is_within("/2/5/", "/1/5/"));
    assert_false(path_is_within("/", "/1/"));
    /* An ancestor without its final slash is malformed. */
    assert_false(path_is_within("/1/5/", "/1/5"));
    assert_false(path_is_within("/1/50/", "/1/5"));
    assert_false(path_is_within("/1/5/", ""));
    assert_false(path_is_within(NULL, "/"));
    assert_false(path_is_within("/1/", NULL));
    assert_false(path_is_within(NULL, NULL));
}

static void test_subtree_upper(void **state)
{
    (void)state;
    char out[32];
    assert_int_equal(path_subtree_upper(out, sizeof out, "/1/5/"), 0);
    assert_string_equal(out, "/1/50");
    assert_int_equal(path_subtree_upper(out, sizeof out, "/"), 0);
    assert_string_equal(out, "0");
    assert_int_equal(path_subtree_upper(out, sizeof out, "/123/"), 0);
    assert_string_equal(out, "/1230");

    strcpy(out, "untouched");
    assert_int_equal(path_subtree_upper(out, sizeof out, NULL), -1);
    assert_int_equal(path_subtree_upper(out, sizeof out, ""), -1);
    assert_int_equal(path_subtree_upper(out, sizeof out, "/1/5"), -1);
    assert_string_equal(out, "untouched");

    /* Capacity: "/1/5/" -> "/1/50" needs 6 bytes. */
    memset(out, 'X', sizeof out);
    assert_int_equal(path_subtree_upper(out, 5, "/1/5/"), -1);
    assert_int_equal(out[0], 'X');
    assert_int_equal(path_subtree_upper(out, 6, "/1/5/"), 0);
    assert_string_equal(out, "/1/50");
    assert_int_equal(out[6], 'X');
    assert_int_equal(path_subtree_upper(out, 1, "/"), -1);
    assert_int_equal(path_subtree_upper(out, 2, "/"), 0);
    assert_string_equal(out, "0");
}

/* The subtree of p is exactly the byte range [p, upper(p)). */
static void test_subtree_range_matches_is_within(void **state)
{
    (void)state;
    static const char *const paths[] = {
        "/",        "/1/",      "/1/5/",     "/1/5/23/",   "/1/50/",   "/1/50/7/", "/1/4/",  "/1/6/",  "/1/5/0",
        "/1/59/",   "/1/500/",  "/10/",      "/10/5/",     "/2/",      "/2/1/5/",  "/9/",    "/99/",   "/1/5/23/4/",
        "/1/5/9/", "/1/5/10/", "/1/51/2/", "/11/",       "/12/5/",   "/1/",      "/3/1/",
    };
    const size_t n = sizeof paths / sizeof paths[0];
    for (size_t i = 0; i < n; i++) {
        if (!path_valid(paths[i]))
            continue;
        char upper[64];
        assert_int_equal(path_subtree_upper(upper, sizeof upper, paths[i]), 0);
        for (size_t j = 0; j < n; j++) {
            if (!path_valid(paths[j]))
                continue;
            int in_range = strcmp(paths[j], paths[i]) >= 0 && strcmp(paths[j], upper) < 0;
            if (in_range != path_is_within(paths[j], paths[i]))
                fail_msg("range [%s, %s) vs within for %s", paths[i], upper, paths[j]);
        }
    }
}

static void test_rebase(void **state)
{
    (void)state;
    char out[64];
    assert_int_equal(path_rebase(out, sizeof out, "/1/5/23/", "/1/5/", "/2/7/5/"), 0);
    assert_string_equal(out, "/2/7/5/23/");
    /* The moved node itself. */
    assert_int_equal(path_rebase(out, sizeof out, "/1/5/", "/1/5/", "/2/5/"), 0);
    assert_string_equal(out, "/2/5/");
    /* Up to the root level and down from it. */
    assert_int_equal(path_rebase(out, sizeof out, "/1/5/23/", "/1/", "/"), 0);
    assert_string_equal(out, "/5/23/");
    assert_int_equal(path_rebase(out, sizeof out, "/5/23/", "/", "/1/"), 0);
    assert_string_equal(out, "/1/5/23/");
    assert_true(path_valid(out));
}

static void test_rebase_rejects(void **state)
{
    (void)state;
    char out[64];
    strcpy(out, "untouched");
    assert_int_equal(path_rebase(out, sizeof out, "/1/50/", "/1/5/", "/2/"), -1); /* not under */
    assert_int_equal(path_rebase(out, sizeof out, "/1/", "/1/5/", "/2/"), -1);
    assert_int_equal(path_rebase(out, sizeof out, "/1/5/", "/1/5", "/2/"), -1);   /* malformed old */
    assert_int_equal(path_rebase(out, sizeof out, "/1/5/", "/1/", "/2"), -1);     /* malformed new */
    assert_int_equal(path_rebase(out, sizeof out, "/1/5/", "/1/", "/02/"), -1);
    assert_int_equal(path_rebase(out, sizeof out, "/1/5/", "/1/", ""), -1);
    assert_int_equal(path_rebase(out, sizeof out, "/1/5/", "/1/", NULL), -1);
    assert_int_equal(path_rebase(out, sizeof out, NULL, "/1/", "/2/"), -1);
    assert_int_equal(path_rebase(out, sizeof out, "/1/5/", NULL, "/2/"), -1);
    assert_string_equal(out, "untouched");
    /* Capacity: "/2/5/" needs 6 bytes. */
    assert_int_equal(path_rebase(out, 5, "/1/5/", "/1/", "/2/"), -1);
    assert_int_equal(path_rebase(out, 6, "/1/5/", "/1/", "/2/"), 0);
    assert_string_equal(out, "/2/5/");
}

static void test_ids(void **state)
{
    (void)state;
    int64_t ids[4] = {-7, -7, -7, -7};
    assert_int_equal(path_ids("/", ids, 4), 0);
    assert_int_equal(ids[0], -7);
    assert_int_equal(path_ids("/1/5/23/", ids, 4), 3);
    assert_int_equal(ids[0], 1);
    assert_int_equal(ids[1], 5);
    assert_int_equal(ids[2], 23);
    assert_int_equal(ids[3], -7);
    assert_int_equal(path_ids("/999999999999999999/", ids, 1), 1);
    assert_true(ids[0] == 999999999999999999LL);
    /* Exactly cap ids fit; one more does not. */
    assert_int_equal(path_ids("/1/2/3/4/", ids, 4), 4);
    assert_int_equal(ids[3], 4);
    int64_t small[3] = {0, 0, 0};
    assert_int_equal(path_ids("/1/2/3/4/", small, 3), -1);
    assert_int_equal(path_ids("/1/", small, 0), -1);
    assert_int_equal(path_ids("/", small, 0), 0);
    assert_int_equal(path_ids(NULL, ids, 4), -1);
    assert_int_equal(path_ids("/1/05/", ids, 4), -1);
    assert_int_equal(path_ids("/1/5", ids, 4), -1);
    assert_int_equal(path_ids("1/5/", ids, 4), -1);
}

static void test_last_id(void **state)
{
    (void)state;
    assert_int_equal(path_last_id("/1/5/23/"), 23);
    assert_int_equal(path_last_id("/42/"), 42);
    assert_int_equal(path_last_id("/"), 0);
    assert_int_equal(path_last_id(NULL), 0);
    assert_int_equal(path_last_id(""), 0);
    assert_int_equal(path_last_id("/1/5/23"), 0);
    assert_int_equal(path_last_id("/1/05/"), 0);
    assert_int_equal(path_last_id("/1/x/"), 0);
    assert_int_equal(path_last_id("/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16/"), 16);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_depth),
        cmocka_unit_test(test_child),
        cmocka_unit_test(test_child_rejects),
        cmocka_unit_test(test_child_capacity),
        cmocka_unit_test(test_child_then_parse),
        cmocka_unit_test(test_is_within),
        cmocka_unit_test(test_subtree_upper),
        cmocka_unit_test(test_subtree_range_matches_is_within),
        cmocka_unit_test(test_rebase),
        cmocka_unit_test(test_rebase_rejects),
        cmocka_unit_test(test_ids),
        cmocka_unit_test(test_last_id),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
