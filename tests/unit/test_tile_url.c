/* Unit tests of src/core/tile_url.c: an operator's tile URL template and its CSP origin. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "core/tile_url.h"

static void test_origins(void **state)
{
    (void)state;
    static const char *const ok[][2] = {
        {"https://t{s}.tianditu.gov.cn/vec_w/wmts?tk=KEY&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}",
         "https://*.tianditu.gov.cn"},
        {"https://tiles.example.cn/{z}/{x}/{y}.png", "https://tiles.example.cn"},
        {"http://127.0.0.1:8081/{z}/{x}/{y}.png", "http://127.0.0.1:8081"},
        {"https://{s}.tile.example.org/{z}/{x}/{y}.png", "https://*.tile.example.org"},
    };
    char out[256];
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        if (tile_url_origin(ok[i][0], out, sizeof out) != 0)
            fail_msg("refused %s", ok[i][0]);
        assert_string_equal(out, ok[i][1]);
    }
}

static void test_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "ftp://tiles.example.cn/{z}/{x}/{y}.png",
        "https://tiles.example.cn/{z}/{x}.png",             /* no {y} */
        "https://tiles.example.cn/{z}/{x}/{y}.png; script-src *", /* would end the directive */
        "https://tiles.example.cn/{z}/{x}/{y}.png,https://evil.example",
        "https://tiles.example.cn/{z}/{x}/{y}.png'",
        "https://{s}/{z}/{x}/{y}.png",                      /* a placeholder for the whole host */
        "https://a.{s}.example.cn/{z}/{x}/{y}.png",         /* a placeholder past the first label */
        "https://user@tiles.example.cn/{z}/{x}/{y}.png",
        "https:///{z}/{x}/{y}.png",
        "tiles.example.cn/{z}/{x}/{y}.png",
        "",
    };
    char out[256];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (tile_url_origin(bad[i], out, sizeof out) == 0)
            fail_msg("accepted %s as %s", bad[i], out);
    assert_int_equal(tile_url_origin("https://tiles.example.cn/{z}/{x}/{y}.png", out, 10), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_origins),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
