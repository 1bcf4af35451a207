/* Unit tests of src/lib/csv.c: fields, quotes, line endings, empty lines, and
 * where a parse stops (a field too long, a quote left open, the callback). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "lib/csv.h"

/* The cells seen, written as "row:col=value" joined with '|', rows ended by '/'. */
typedef struct {
    char out[512];
    int stop_at; /* stop when the nth cell comes (1-based), 0 never */
    int cells;
} seen_t;

static int on_cell(void *arg, const char *v, size_t len, size_t col, long row)
{
    seen_t *s = arg;
    s->cells++;
    if (s->stop_at && s->cells == s->stop_at)
        return -1;
    size_t at = strlen(s->out);
    snprintf(s->out + at, sizeof s->out - at, "%ld:%zu=%.*s|", row, col, (int)len, v);
    return 0;
}

static void on_row(void *arg)
{
    seen_t *s = arg;
    size_t at = strlen(s->out);
    snprintf(s->out + at, sizeof s->out - at, "/");
}

static csv_fail_t parse(const char *data, size_t cap, seen_t *s, csv_parser_t *p)
{
    static char field[64];
    *p = (csv_parser_t){.cell = on_cell, .row_end = on_row, .arg = s, .field = field, .cap = cap};
    return csv_parse(p, data, strlen(data));
}

static void expect(const char *data, const char *cells)
{
    seen_t s = {0};
    csv_parser_t p;
    assert_int_equal(parse(data, 64, &s, &p), CSV_OK);
    assert_string_equal(s.out, cells);
}

static void test_fields_and_rows(void **state)
{
    (void)state;
    expect("a,b\nc,d\n", "1:0=a|1:1=b|/2:0=c|2:1=d|/");
    expect("a,b\nc,d", "1:0=a|1:1=b|/2:0=c|2:1=d|/"); /* no line break at the end */
    expect("a,,c", "1:0=a|1:1=|1:2=c|/");              /* an empty field between */
    expect("a,", "1:0=a|1:1=|/");                      /* a trailing comma ends an empty field */
    expect("", "");
}

static void test_line_endings_and_empty_lines(void **state)
{
    (void)state;
    expect("a\r\nb\rc\n", "1:0=a|/2:0=b|/3:0=c|/");
    expect("\n\na\r\n\r\n\nb\n\n", "1:0=a|/2:0=b|/"); /* empty lines are not rows and not counted */
}

static void test_quotes(void **state)
{
    (void)state;
    expect("\"a,b\",c", "1:0=a,b|1:1=c|/");
    expect("\"say \"\"hi\"\"\"", "1:0=say \"hi\"|/");
    expect("\"a\"\"b,c\"", "1:0=a\"b,c|/"); /* a doubled quote keeps the field quoted */
    expect("\"two\nlines\",x\ny", "1:0=two\nlines|1:1=x|/2:0=y|/");
    expect("\"\"\n", "1:0=|/"); /* an empty quoted field is a row of one empty cell */
    expect("\"a\"b", "1:0=ab|/");
}

static void test_field_too_long(void **state)
{
    (void)state;
    seen_t s = {0};
    csv_parser_t p;
    assert_int_equal(parse("ab,cd\nef,ghij\n", 3, &s, &p), CSV_TOO_LONG);
    assert_int_equal(p.row, 2);
    assert_int_equal(p.col, 1);
    assert_string_equal(s.out, "1:0=ab|1:1=cd|/2:0=ef|");
    seen_t fits = {0};
    assert_int_equal(parse("abc", 3, &fits, &p), CSV_OK);
    assert_string_equal(fits.out, "1:0=abc|/");
}

static void test_open_quote(void **state)
{
    (void)state;
    seen_t s = {0};
    csv_parser_t p;
    assert_int_equal(parse("a,\"b\nc", 64, &s, &p), CSV_OPEN_QUOTE);
    assert_string_equal(s.out, "1:0=a|");
}

static void test_callback_stops(void **state)
{
    (void)state;
    seen_t s = {.stop_at = 3};
    csv_parser_t p;
    assert_int_equal(parse("a,b\nc,d\n", 64, &s, &p), CSV_STOPPED);
    assert_string_equal(s.out, "1:0=a|1:1=b|/");
    assert_int_equal(s.cells, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fields_and_rows),  cmocka_unit_test(test_line_endings_and_empty_lines),
        cmocka_unit_test(test_quotes),           cmocka_unit_test(test_field_too_long),
        cmocka_unit_test(test_open_quote),       cmocka_unit_test(test_callback_stops),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
