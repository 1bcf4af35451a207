/* Unit tests of src/core/utf8.c: UTF-8 validation, code point counting and the
 * short text field rule. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/utf8.h"

typedef struct {
    const char *bytes;
    size_t len;
    const char *what;
} sample_t;

#define S(lit, what) {lit, sizeof(lit) - 1, what}

static const sample_t good[] = {
    S("", "empty"),
    S("a", "ascii"),
    S("hello, world ~!", "ascii sentence"),
    S("\x01\x1f\x7f", "ASCII controls are well-formed UTF-8"),
    S("\xc2\x80", "U+0080 smallest two-byte"),
    S("\xdf\xbf", "U+07FF largest two-byte"),
    S("\xe0\xa0\x80", "U+0800 smallest three-byte"),
    S("\xed\x9f\xbf", "U+D7FF just below surrogates"),
    S("\xee\x80\x80", "U+E000 just above surrogates"),
    S("\xef\xbf\xbd", "U+FFFD replacement char"),
    S("\xef\xbf\xbf", "U+FFFF largest three-byte"),
    S("\xf0\x90\x80\x80", "U+10000 smallest four-byte"),
    S("\xf4\x8f\xbf\xbf", "U+10FFFF largest code point"),
    S("\xe5\x90\x88\xe8\x82\xa5\xe5\xb8\x82", "合肥市"),
    S("a\xe2\x82\xac\xf0\x9d\x84\x9e", "a€𝄞"),
    S("\xf0\x9f\x98\x80 ok", "emoji then ascii"),
};

static const sample_t bad[] = {
    S("\x80", "lone continuation"),
    S("\xbf", "lone continuation BF"),
    S("a\x80z", "continuation between ascii"),
    S("\xc0\x80", "overlong NUL"),
    S("\xc0\xaf", "overlong slash"),
    S("\xc1\xbf", "overlong two-byte U+007F"),
    S("\xe0\x80\x80", "overlong three-byte zero"),
    S("\xe0\x9f\xbf", "overlong three-byte U+07FF"),
    S("\xf0\x80\x80\x80", "overlong four-byte zero"),
    S("\xf0\x8f\xbf\xbf", "overlong four-byte U+FFFF"),
    S("\xed\xa0\x80", "high surrogate U+D800"),
    S("\xed\xaf\xbf", "high surrogate U+DBFF"),
    S("\xed\xb0\x80", "low surrogate U+DC00"),
    S("\xed\xbf\xbf", "low surrogate U+DFFF"),
    S("\xed\xa0\xbd\xed\xb8\x80", "CESU-8 surrogate pair"),
    S("\xf4\x90\x80\x80", "U+110000"),
    S("\xf5\x80\x80\x80", "F5 lead"),
    S("\xf7\xbf\xbf\xbf", "F7 lead"),
    S("\xf8\x88\x80\x80\x80", "five-byte form"),
    S("\xfc\x84\x80\x80\x80\x80", "six-byte form"),
    S("\xfe", "FE"),
    S("\xff", "FF"),
    S("\xc2", "truncated two-byte"),
    S("\xe5\x90", "truncated three-byte"),
    S("\xf0\x9f\x98", "truncated four-byte"),
    S("ab\xe5", "truncated at end"),
    S("\xc2\x41", "ascii in continuation"),
    S("\xe5\x90\x41", "ascii in last continuation"),
    S("\xe5\xc2\x88", "lead byte in continuation"),
    S("\xf0\x9f\x98\xc0", "lead byte in last continuation"),
    S("\x00", "NUL"),
    S("a\x00" "b", "embedded NUL"),
    S("abc\x00", "trailing NUL"),
    S("\xc2\x00", "NUL as continuation"),
    S("\xe5\x90\x88\x00\xe8\x82\xa5", "NUL between characters"),
};

static void test_valid_samples(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        if (utf8_valid(good[i].bytes, good[i].len) != 1)
            fail_msg("should be valid: %s", good[i].what);
}

static void test_invalid_samples(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (utf8_valid(bad[i].bytes, bad[i].len) != 0)
            fail_msg("should be invalid: %s", bad[i].what);
}

static void test_valid_respects_len(void **state)
{
    (void)state;
    const char *zh = "\xe4\xb8\xad"; /* 中 */
    assert_true(utf8_valid(zh, 3));
    assert_false(utf8_valid(zh, 2));
    assert_false(utf8_valid(zh, 1));
    assert_true(utf8_valid(zh, 0));
    /* Bytes past len are not looked at. */
    assert_true(utf8_valid("a\xff", 1));
    assert_true(utf8_valid("ab\x00", 2));
    assert_true(utf8_valid("\xe4\xb8\xad\x80", 3));
    assert_false(utf8_valid("\xe4\xb8\xad\x80", 4));
}

/* Every encoded scalar value round-trips; every surrogate does not. */
static size_t encode(unsigned char *b, uint32_t cp)
{
    if (cp < 0x80) {
        b[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        b[0] = (unsigned char)(0xC0 | (cp >> 6));
        b[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        b[0] = (unsigned char)(0xE0 | (cp >> 12));
        b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    b[0] = (unsigned char)(0xF0 | (cp >> 18));
    b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    b[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

static void test_all_code_points(void **state)
{
    (void)state;
    unsigned char b[5];
    for (uint32_t cp = 1; cp <= 0x10FFFF; cp++) {
        size_t n = encode(b, cp);
        int expect = !(cp >= 0xD800 && cp <= 0xDFFF);
        if (utf8_valid((const char *)b, n) != expect)
            fail_msg("utf8_valid(U+%04X) != %d", cp, expect);
        if (expect) {
            b[n] = 0;
            if (utf8_count((const char *)b) != 1)
                fail_msg("utf8_count(U+%04X) != 1", cp);
        }
    }
}

/* Every 2-byte sequence: valid exactly when it is the shortest form of a code point. */
static void test_all_two_byte_sequences(void **state)
{
    (void)state;
    for (unsigned a = 0xC0; a <= 0xFF; a++) {
        for (unsigned c = 0; c <= 0xFF; c++) {
            char s[2] = {(char)a, (char)c};
            int expect = a >= 0xC2 && a <= 0xDF && c >= 0x80 && c <= 0xBF;
            if (utf8_valid(s, 2) != expect)
                fail_msg("utf8_valid(%02X %02X) != %d", a, c, expect);
        }
    }
}

static void test_count(void **state)
{
    (void)state;
    assert_int_equal(utf8_count(""), 0);
    assert_int_equal(utf8_count("abc"), 3);
    assert_int_equal(utf8_count("\xe5\x90\x88\xe8\x82\xa5\xe5\xb8\x82"), 3); /* 合肥市 */
    assert_int_equal(utf8_count("a\xe2\x82\xac\xf0\x9d\x84\x9e"), 3);        /* a€𝄞 */
    assert_int_equal(utf8_count("\xc2\xa0\xc2\xa0"), 2);
    assert_int_equal(utf8_count("x\xf4\x8f\xbf\xbfy"), 3);
    assert_int_equal(utf8_count("a\0bcd"), 1); /* stops at NUL */
}

static void test_text_field_basic(void **state)
{
    (void)state;
    assert_true(text_field_valid("张三", 1, 64));
    assert_true(text_field_valid("Zhang San", 1, 64));
    assert_true(text_field_valid(" padded ", 1, 64));
    assert_true(text_field_valid("", 0, 10));
    assert_false(text_field_valid("", 1, 10));
    assert_false(text_field_valid(NULL, 0, 10));
    assert_false(text_field_valid("\xff", 0, 10));
    assert_false(text_field_valid("\xc0\x80", 0, 10));
    assert_false(text_field_valid("a\xed\xa0\x80", 0, 10));
}

static void test_text_field_length_in_code_points(void **state)
{
    (void)state;
    const char *zh3 = "\xe5\x90\x88\xe8\x82\xa5\xe5\xb8\x82"; /* 9 bytes, 3 code points */
    assert_true(text_field_valid(zh3, 3, 3));
    assert_true(text_field_valid(zh3, 1, 3));
    assert_false(text_field_valid(zh3, 1, 2));
    assert_false(text_field_valid(zh3, 4, 10));
    assert_true(text_field_valid("abcd", 4, 4));
    assert_false(text_field_valid("abcd", 5, 9));
    assert_false(text_field_valid("abcd", 0, 3));
    char big[200];
    memset(big, 'x', 64);
    big[64] = '\0';
    assert_true(text_field_valid(big, 1, 64));
    big[64] = 'x';
    big[65] = '\0';
    assert_false(text_field_valid(big, 1, 64));
}

static void test_text_field_controls(void **state)
{
    (void)state;
    char s[8];
    for (int c = 1; c < 0x20; c++) {
        snprintf(s, sizeof s, "a%cb", c);
        if (text_field_valid(s, 0, 10))
            fail_msg("control 0x%02X accepted", c);
    }
    assert_false(text_field_valid("a\x7f" "b", 0, 10));
    assert_false(text_field_valid("\t", 0, 10));
    assert_false(text_field_valid("line\n", 0, 10));
    assert_false(text_field_valid("\r\n", 0, 10));
    /* C1 controls U+0080..U+009F. */
    for (unsigned c = 0x80; c <= 0x9F; c++) {
        s[0] = 'a';
        s[1] = (char)0xC2;
        s[2] = (char)c;
        s[3] = '\0';
        if (text_field_valid(s, 0, 10))
            fail_msg("C1 control U+%04X accepted", c);
    }
    /* U+00A0 onwards (two-byte C2 xx) is fine, as are other characters with C2/9F bytes. */
    assert_true(text_field_valid("\xc2\xa0x", 0, 10));
    assert_true(text_field_valid("\xc2\xbf", 0, 10));
    assert_true(text_field_valid("\xc3\x80", 0, 10));       /* À: C3 80 is not a control */
    assert_true(text_field_valid("\xe2\x80\x82", 0, 10));   /* U+2002 holds an 80 byte */
    assert_true(text_field_valid("\xe5\x9f\x8e", 0, 10));   /* 城 (E5 9F 8E) holds a 9F byte */
}

static void test_text_field_blank(void **state)
{
    (void)state;
    assert_false(text_field_valid(" ", 1, 10));
    assert_false(text_field_valid("     ", 1, 10));
    assert_true(text_field_valid("   ", 0, 10)); /* blank is fine when the field may be empty */
    assert_true(text_field_valid(" a ", 1, 10));
    assert_true(text_field_valid("\xe3\x80\x80", 1, 10)); /* ideographic space is not ASCII space */
}

static void test_text_block(void **state)
{
    (void)state;
    assert_true(text_block_valid("第一行\n第二行\r\n\t缩进", 1, 100));
    assert_false(text_field_valid("第一行\n第二行", 1, 100));
    assert_false(text_block_valid("响铃\a", 1, 100));
    assert_false(text_block_valid("\x1b[31m", 1, 100));
    assert_false(text_block_valid(" \n\t\r ", 1, 100)); /* only white space is blank */
    assert_true(text_block_valid("", 0, 100));
    assert_false(text_block_valid("abc", 1, 2));
}

static void test_text_trim(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {" \t\r\n路面塌陷\n详情 \r\n", "路面塌陷\n详情"},
        {"\xE3\x80\x80全角\xE3\x80\x80", "全角"},
        {" \n\t ", ""},
        {"x", "x"},
        {"a b", "a b"},
        {"", ""},
        {"\xE8\x80\x80", "\xE8\x80\x80"}, /* 耀 ends in the bytes 80 80 and is no blank */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[64];
        strcpy(buf, cases[i][0]);
        assert_string_equal(text_trim(buf), cases[i][1]);
    }
}

static void test_text_name(void **state)
{
    (void)state;
    const char *names[] = {"王丽", "Zhang San", "龙居社区", "A-1 栋", "O'Brien", "\xE3\x80\x80王丽", "王\xC2\xA0丽", "é"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        assert_true(text_name_valid(names[i], 1, 50));
    const char *refused[] = {
        "\xE2\x80\xAE\xE4\xB8\xBD\xE7\x8E\x8B", /* U+202E RIGHT-TO-LEFT OVERRIDE, then 丽王 */
        "王\xE2\x80\x8B丽",                          /* U+200B ZERO WIDTH SPACE */
        "王\xE2\x80\x8D丽",                          /* U+200D ZERO WIDTH JOINER */
        "王\xE2\x81\xA6丽",                          /* U+2066 LEFT-TO-RIGHT ISOLATE */
        "王\xE2\x80\x8F",                            /* U+200F RIGHT-TO-LEFT MARK */
        "\xEF\xBB\xBF王丽",                          /* U+FEFF the BOM */
        "王\xC2\xAD丽",                               /* U+00AD SOFT HYPHEN */
        "王\xE2\x80\xA8丽",                          /* U+2028 LINE SEPARATOR */
        "\xF3\xA0\x80\x81x",                        /* U+E0001 LANGUAGE TAG */
        "\xE3\x80\x80",                              /* only U+3000 */
        "\xE3\x80\x80 \xE3\x80\x80",              /* U+3000, a space, U+3000 */
        "\xC2\xA0\xE2\x80\x83",                    /* no-break space, em space */
        "\xE3\x85\xA4",                              /* U+3164 HANGUL FILLER */
        "   ",
        "",
        "王\n丽",
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
        assert_false(text_name_valid(refused[i], 1, 50));
    assert_true(text_name_valid("", 0, 50));       /* an optional name may be empty */
    assert_false(text_name_valid("王丽王丽", 1, 3)); /* the length rule still holds */
    assert_false(text_name_valid("\xFF", 0, 50));  /* and UTF-8 */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_samples),
        cmocka_unit_test(test_invalid_samples),
        cmocka_unit_test(test_valid_respects_len),
        cmocka_unit_test(test_all_code_points),
        cmocka_unit_test(test_all_two_byte_sequences),
        cmocka_unit_test(test_count),
        cmocka_unit_test(test_text_field_basic),
        cmocka_unit_test(test_text_field_length_in_code_points),
        cmocka_unit_test(test_text_field_controls),
        cmocka_unit_test(test_text_field_blank),
        cmocka_unit_test(test_text_block),
        cmocka_unit_test(test_text_trim),
        cmocka_unit_test(test_text_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
