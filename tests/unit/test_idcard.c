#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/idcard.h"

#define TODAY 20261128

static const char *reason_of(const char *id)
{
    const char *reason = NULL;
    idcard_parse(id, TODAY, NULL, &reason);
    return reason;
}

static void standard_vectors(void **state)
{
    (void)state;
    idcard_info_t info;
    const char *reason = "unset";
    assert_int_equal(idcard_parse("11010519491231002X", TODAY, &info, &reason), 0);
    assert_null(reason);
    assert_string_equal(info.address, "110105");
    assert_int_equal(info.year, 1949);
    assert_int_equal(info.month, 12);
    assert_int_equal(info.day, 31);
    assert_int_equal(info.gender, 'F');
    assert_int_equal(idcard_parse("440524188001010014", TODAY, &info, &reason), 0);
    assert_int_equal(info.year, 1880);
    assert_int_equal(info.gender, 'M');
    assert_int_equal(idcard_parse("11010519491231002x", TODAY, NULL, &reason), 0);
    assert_string_equal(reason_of("110105194912310021"), "idcard_checksum");
}

/* Build a number with the right check character from 17 digits. */
static void with_check(char out[19], const char *first17)
{
    memcpy(out, first17, 17);
    out[17] = idcard_check_char(first17);
    out[18] = '\0';
}

static void dates(void **state)
{
    (void)state;
    char id[19];
    with_check(id, "34010420000229001");
    assert_null(reason_of(id)); /* 2000 is a leap year */
    with_check(id, "34010419000229001");
    assert_string_equal(reason_of(id), "idcard_date"); /* 1900 is not */
    with_check(id, "34010420261301001");
    assert_string_equal(reason_of(id), "idcard_date");
    with_check(id, "34010420260431001");
    assert_string_equal(reason_of(id), "idcard_date");
    with_check(id, "34010420261129001");
    assert_string_equal(reason_of(id), "idcard_date"); /* tomorrow */
    with_check(id, "34010420261128001");
    assert_null(reason_of(id)); /* born today */
    with_check(id, "34010417991231001");
    assert_string_equal(reason_of(id), "idcard_date");
}

static void regions_and_format(void **state)
{
    (void)state;
    char id[19];
    with_check(id, "99010419800101001");
    assert_string_equal(reason_of(id), "idcard_region");
    with_check(id, "34000019800101001");
    assert_string_equal(reason_of(id), "idcard_region");
    assert_string_equal(reason_of("3401041980010100"), "idcard_format");
    assert_string_equal(reason_of("34010419800101001234"), "idcard_format");
    assert_string_equal(reason_of("34010419800101A01X"), "idcard_format");
    assert_string_equal(reason_of("34010419800101001Y"), "idcard_format");
    assert_string_equal(reason_of(""), "idcard_format");
    assert_string_equal(reason_of(NULL), "idcard_format");
}

static void every_wrong_check_char_fails(void **state)
{
    (void)state;
    char id[19];
    with_check(id, "34010419851017123");
    int ok = 0;
    const char *all = "0123456789X";
    for (const char *c = all; *c; c++) {
        id[17] = *c;
        ok += reason_of(id) == NULL;
    }
    assert_int_equal(ok, 1);
}

static void gender_from_sequence(void **state)
{
    (void)state;
    char id[19];
    idcard_info_t info;
    const char *r;
    for (int seq = 0; seq < 1000; seq += 37) {
        char first[18];
        snprintf(first, sizeof first, "34010419851017%03d", seq);
        with_check(id, first);
        assert_int_equal(idcard_parse(id, TODAY, &info, &r), 0);
        assert_int_equal(info.gender, seq % 2 ? 'M' : 'F');
    }
}

static void masking(void **state)
{
    (void)state;
    char out[32];
    idcard_mask(out, sizeof out, "340104198510171234");
    assert_string_equal(out, "3401*************4");
    idcard_mask(out, sizeof out, "11010519491231002X");
    assert_string_equal(out, "1101*************X");
    phone_mask(out, sizeof out, "13856785678");
    assert_string_equal(out, "138****5678");
    phone_mask(out, sizeof out, "0551-62345678");
    assert_string_equal(out, "*********5678");
    phone_mask(out, sizeof out, "123");
    assert_string_equal(out, "123");
    name_mask(out, sizeof out, "张三丰");
    assert_string_equal(out, "张*");
    name_mask(out, sizeof out, "Li Lei");
    assert_string_equal(out, "L*");
    name_mask(out, sizeof out, "");
    assert_string_equal(out, "");
}

static void phones(void **state)
{
    (void)state;
    assert_true(phone_valid("13856785678"));
    assert_true(phone_valid("19912345678"));
    assert_false(phone_valid("12856785678"));
    assert_false(phone_valid("1385678567"));
    assert_false(phone_valid("138567856789"));
    assert_true(phone_valid("0551-62345678"));
    assert_true(phone_valid("055162345678"));
    assert_false(phone_valid("0551--6234567"));
    assert_false(phone_valid("551-62345678"));
    assert_false(phone_valid("1385678567a"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(standard_vectors), cmocka_unit_test(dates),
        cmocka_unit_test(regions_and_format), cmocka_unit_test(every_wrong_check_char_fails),
        cmocka_unit_test(gender_from_sequence), cmocka_unit_test(masking),
        cmocka_unit_test(phones),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
