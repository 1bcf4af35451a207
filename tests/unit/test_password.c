/* Unit tests of src/core/password.c: the password policy. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/password.h"

static const char SENTINEL[] = "sentinel";

/* The reason password_check gives, or NULL when it accepts pw; checks that the
 * return value and the reason agree. */
static const char *check(pw_policy_t policy, const char *pw)
{
    const char *reason = SENTINEL;
    int rc = password_check(&policy, pw, &reason);
    assert_true(reason != SENTINEL);
    if (rc == 0) {
        assert_null(reason);
    } else {
        assert_int_equal(rc, -1);
        assert_non_null(reason);
    }
    return reason;
}

#define DEF PW_POLICY_DEFAULT

static void test_default_policy_values(void **state)
{
    (void)state;
    pw_policy_t p = PW_POLICY_DEFAULT;
    assert_int_equal(p.min_length, 10);
    assert_int_equal(p.min_classes, 3);
    assert_int_equal(PW_MAX_BYTES, 256);
}

static void test_accepts(void **state)
{
    (void)state;
    assert_null(check(DEF, "Abcdefgh12"));
    assert_null(check(DEF, "abcdefgh1!"));
    assert_null(check(DEF, "ABCDEFGH1!"));
    assert_null(check(DEF, "abcdefghA!"));
    assert_null(check(DEF, "correct Horse battery 9"));
    assert_null(check(DEF, "Aa1!Aa1!Aa1!"));
}

static void test_too_short_counts_code_points(void **state)
{
    (void)state;
    assert_string_equal(check(DEF, ""), "password_too_short");
    assert_string_equal(check(DEF, "Abcdefg12"), "password_too_short"); /* 9 */
    assert_null(check(DEF, "Abcdefg123"));                               /* 10 */
    /* 9 code points, 21 bytes: still too short. */
    assert_string_equal(check(DEF, "Aa1\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad"),
                        "password_too_short");
    /* 10 code points. */
    assert_null(check(DEF, "Aa1\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad"));
    /* Short is reported before simple. */
    assert_string_equal(check(DEF, "aaaa"), "password_too_short");
}

static void test_classes(void **state)
{
    (void)state;
    assert_string_equal(check(DEF, "abcdefghij"), "password_too_simple");   /* lower */
    assert_string_equal(check(DEF, "ABCDEFGHIJ"), "password_too_simple");   /* upper */
    assert_string_equal(check(DEF, "0123456789"), "password_too_simple");   /* digit */
    assert_string_equal(check(DEF, "!@#$%^&*()"), "password_too_simple");   /* other */
    assert_string_equal(check(DEF, "abcdeABCDE"), "password_too_simple");   /* 2 */
    assert_string_equal(check(DEF, "abcdefghi1"), "password_too_simple");   /* 2 */
    assert_string_equal(check(DEF, "abc     de"), "password_too_simple");   /* space is other: 2 */
    assert_null(check(DEF, "abcde    1"));                                  /* 3 */
    assert_null(check(DEF, "ABCDE!!!!1"));                                  /* 3 */
    /* Non-ASCII letters count as "everything else". */
    assert_null(check(DEF, "abcdefgh1\xe4\xb8\xad"));
    assert_string_equal(check(DEF, "\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad"
                                   "\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad"),
                        "password_too_simple");
    /* The class boundaries: characters just outside a-z, A-Z, 0-9. */
    assert_string_equal(check(DEF, "`{@[/:`{@["), "password_too_simple");
    assert_null(check(DEF, "`{@[/:`{aZ"));
}

static void test_custom_policy(void **state)
{
    (void)state;
    assert_null(check((pw_policy_t){0, 0}, ""));
    assert_null(check((pw_policy_t){0, 0}, "a"));
    assert_string_equal(check((pw_policy_t){1, 0}, ""), "password_too_short");
    assert_null(check((pw_policy_t){4, 4}, "aA1!"));
    assert_string_equal(check((pw_policy_t){4, 4}, "aA1b"), "password_too_simple");
    assert_string_equal(check((pw_policy_t){4, 5}, "aA1!"), "password_too_simple"); /* only 4 classes exist */
    assert_null(check((pw_policy_t){20, 1}, "aaaaaaaaaaaaaaaaaaaa"));
    assert_string_equal(check((pw_policy_t){20, 1}, "aaaaaaaaaaaaaaaaaaa"), "password_too_short");
}

static void test_too_long(void **state)
{
    (void)state;
    char pw[PW_MAX_BYTES + 8];
    memset(pw, 'x', sizeof pw);
    memcpy(pw, "Aa1", 3);
    pw[PW_MAX_BYTES] = '\0'; /* 256 bytes */
    assert_null(check(DEF, pw));
    pw[PW_MAX_BYTES] = 'x';
    pw[PW_MAX_BYTES + 1] = '\0'; /* 257 bytes */
    assert_string_equal(check(DEF, pw), "password_too_long");
    pw[PW_MAX_BYTES + 1] = 'x';
    pw[PW_MAX_BYTES + 2] = '\0';
    assert_string_equal(check(DEF, pw), "password_too_long");
    /* The limit is in bytes: 86 three-byte characters are 258 bytes. */
    char zh[300];
    size_t n = 0;
    for (int i = 0; i < 86; i++) {
        memcpy(zh + n, "\xe4\xb8\xad", 3);
        n += 3;
    }
    zh[n] = '\0';
    assert_string_equal(check((pw_policy_t){1, 1}, zh), "password_too_long");
    zh[255] = '\0'; /* 85 characters, 255 bytes */
    assert_null(check((pw_policy_t){1, 1}, zh));
}

static void test_invalid(void **state)
{
    (void)state;
    assert_string_equal(check(DEF, NULL), "password_invalid");
    assert_string_equal(check(DEF, "Abcdefgh1\xff"), "password_invalid");
    assert_string_equal(check(DEF, "Abcdefgh1\xc0\x80"), "password_invalid");       /* overlong NUL */
    assert_string_equal(check(DEF, "Abcdefgh1\xed\xa0\x80"), "password_invalid");   /* surrogate */
    assert_string_equal(check(DEF, "Abcdefgh1\xe4\xb8"), "password_invalid");       /* truncated */
    assert_string_equal(check(DEF, "Abcdefgh1\xf4\x90\x80\x80"), "password_invalid"); /* > U+10FFFF */
    char pw[32];
    for (int c = 1; c < 0x20; c++) {
        snprintf(pw, sizeof pw, "Abcde%cfgh12", c);
        if (strcmp(check(DEF, pw), "password_invalid") != 0)
            fail_msg("control 0x%02X not rejected", c);
    }
    assert_string_equal(check(DEF, "Abcde\x7f" "fgh12"), "password_invalid");
    assert_string_equal(check(DEF, "\tAbcdefgh12"), "password_invalid");
    assert_string_equal(check(DEF, "Abcdefgh12\n"), "password_invalid");
    /* Invalid even when it would also be too short. */
    assert_string_equal(check(DEF, "\x01"), "password_invalid");
    assert_string_equal(check(DEF, "\x80"), "password_invalid");
}

static void test_invalid_utf8_over_long(void **state)
{
    (void)state;
    /* A byte string that is both over-long and not UTF-8 is reported invalid. */
    char pw[PW_MAX_BYTES + 8];
    memset(pw, 'a', sizeof pw);
    pw[0] = (char)0xff;
    pw[PW_MAX_BYTES + 4] = '\0';
    assert_string_equal(check(DEF, pw), "password_invalid");
}

static void test_whitespace_padding(void **state)
{
    (void)state;
    assert_string_equal(check(DEF, " Str0ng-Password"), "password_whitespace");
    assert_string_equal(check(DEF, "Str0ng-Password "), "password_whitespace");
    assert_string_equal(check(DEF, "  Str0ng-Password  "), "password_whitespace");
    assert_string_equal(check(DEF, "          "), "password_whitespace");
    /* Unicode spaces a phone keyboard or a paste brings: no-break, ideographic, BOM. */
    assert_string_equal(check(DEF, "\xc2\xa0Str0ng-Password"), "password_whitespace");
    assert_string_equal(check(DEF, "Str0ng-Password\xe3\x80\x80"), "password_whitespace");
    assert_string_equal(check(DEF, "\xe2\x80\x89Str0ng-Password"), "password_whitespace");
    assert_string_equal(check(DEF, "\xef\xbb\xbfStr0ng-Password"), "password_whitespace");
    /* Padding is reported even when the password is also short or simple. */
    assert_string_equal(check(DEF, " a"), "password_whitespace");
    /* Spaces inside are fine; so is a character that merely shares a space's first byte. */
    assert_null(check(DEF, "Str0ng Pass word"));
    assert_null(check(DEF, "Str0ng-Password\xe2\x80\x94")); /* em dash U+2014 */
    assert_null(check(DEF, "\xe3\x80\x81Str0ng-Password")); /* U+3001 ideographic comma */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_policy_values),
        cmocka_unit_test(test_accepts),
        cmocka_unit_test(test_too_short_counts_code_points),
        cmocka_unit_test(test_classes),
        cmocka_unit_test(test_custom_policy),
        cmocka_unit_test(test_too_long),
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_invalid_utf8_over_long),
        cmocka_unit_test(test_whitespace_padding),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
