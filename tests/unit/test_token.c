/* Unit tests of src/core/token.c: session and API tokens. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "core/token.h"

static const char B64URL[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static void test_new_format(void **state)
{
    (void)state;
    char buf[TOKEN_CHARS + 16];
    for (int i = 0; i < 200; i++) {
        memset(buf, '#', sizeof buf);
        token_new(buf);
        assert_int_equal(strlen(buf), TOKEN_CHARS);
        assert_int_equal(buf[TOKEN_CHARS + 1], '#'); /* nothing written past out[TOKEN_CHARS] */
        assert_int_equal(strspn(buf, B64URL), TOKEN_CHARS);
        assert_true(token_well_formed(buf));
    }
}

static void test_new_decodes_to_32_bytes(void **state)
{
    (void)state;
    char t[TOKEN_CHARS + 1];
    unsigned char raw[64];
    size_t raw_len = 0;
    for (int i = 0; i < 50; i++) {
        token_new(t);
        assert_int_equal(sodium_base642bin(raw, sizeof raw, t, strlen(t), NULL, &raw_len, NULL,
                                           sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                         0);
        assert_int_equal(raw_len, 32);
        /* 32 bytes are 256 bits; the last character carries 4 of them and 2 zero bits. */
        const char *pos = strchr(B64URL, t[TOKEN_CHARS - 1]);
        assert_non_null(pos);
        assert_int_equal((pos - B64URL) % 4, 0);
    }
}

static int cmp_tok(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

static void test_new_unique_and_spread(void **state)
{
    (void)state;
    enum { N = 2000 };
    char(*toks)[TOKEN_CHARS + 1] = calloc(N, sizeof *toks);
    assert_non_null(toks);
    int seen[256] = {0};
    for (int i = 0; i < N; i++) {
        token_new(toks[i]);
        for (int k = 0; k < TOKEN_CHARS - 1; k++)
            seen[(unsigned char)toks[i][k]]++;
    }
    qsort(toks, N, sizeof *toks, cmp_tok);
    for (int i = 1; i < N; i++)
        assert_string_not_equal(toks[i - 1], toks[i]);
    /* Over ~84000 characters every one of the 64 symbols appears, and roughly
     * evenly (expected ~1312 each). */
    for (int k = 0; k < 64; k++) {
        int c = seen[(unsigned char)B64URL[k]];
        if (c < 900 || c > 1800)
            fail_msg("symbol '%c' seen %d times", B64URL[k], c);
    }
    free(toks);
}

static void test_well_formed(void **state)
{
    (void)state;
    const char *ok = "abcdefghijklmnopqrstuvwxyz-_ABCDEFGHIJKLMNO"; /* 43 */
    assert_int_equal(strlen(ok), TOKEN_CHARS);
    assert_true(token_well_formed(ok));
    assert_true(token_well_formed("0123456789012345678901234567890123456789-_A"));
    assert_true(token_well_formed("___________________________________________"));

    assert_false(token_well_formed(NULL));
    assert_false(token_well_formed(""));
    assert_false(token_well_formed("abcdefghijklmnopqrstuvwxyz-_ABCDEFGHIJKLMN"));   /* 42 */
    assert_false(token_well_formed("abcdefghijklmnopqrstuvwxyz-_ABCDEFGHIJKLMNOP")); /* 44 */

    char t[128];
    /* Each non-base64url character in each position is rejected. */
    static const char bad_chars[] = "+/= .~!\"#$%&'()*,:;<>?@[\\]^`{|}\t\n\x7f\x80\xff";
    for (size_t b = 0; b < sizeof bad_chars - 1; b++) {
        for (int pos = 0; pos < TOKEN_CHARS; pos += 7) {
            strcpy(t, ok);
            t[pos] = bad_chars[b];
            if (token_well_formed(t))
                fail_msg("accepted 0x%02X at %d", (unsigned char)bad_chars[b], pos);
        }
    }
    /* Standard base64 padding and very long inputs. */
    strcpy(t, ok);
    strcat(t, "=");
    assert_false(token_well_formed(t));
    memset(t, 'A', sizeof t - 1);
    t[sizeof t - 1] = '\0';
    assert_false(token_well_formed(t));
}

static void test_hash_known(void **state)
{
    (void)state;
    /* Computed independently with `printf %s ... | sha256sum`. */
    char out[TOKEN_HASH_HEX + 8];
    token_hash(out, "abc");
    assert_string_equal(out, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    token_hash(out, "");
    assert_string_equal(out, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    token_hash(out, "abcdefghijklmnopqrstuvwxyz-_ABCDEFGHIJKLMNO");
    assert_string_equal(out, "036f319c41099f8ff0ed8cb73290f7d23af84a1f025be78b734708fd085fc590");
    token_hash(out, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    assert_string_equal(out, "0f007385b6f9d4b7eeb2748605afe1a984a0a3bfa3f014d09e2a784ce9e5cd1a");
}

static void test_hash_format(void **state)
{
    (void)state;
    char out[TOKEN_HASH_HEX + 8];
    char t[TOKEN_CHARS + 1];
    for (int i = 0; i < 50; i++) {
        token_new(t);
        memset(out, '#', sizeof out);
        token_hash(out, t);
        assert_int_equal(strlen(out), TOKEN_HASH_HEX);
        assert_int_equal(strspn(out, "0123456789abcdef"), TOKEN_HASH_HEX);
        assert_int_equal(out[TOKEN_HASH_HEX + 1], '#');
        /* Deterministic. */
        char again[TOKEN_HASH_HEX + 1];
        token_hash(again, t);
        assert_string_equal(out, again);
        /* A different token hashes differently. */
        char t2[TOKEN_CHARS + 1];
        strcpy(t2, t);
        t2[0] = t2[0] == 'A' ? 'B' : 'A';
        token_hash(again, t2);
        assert_string_not_equal(out, again);
    }
}

static void test_equal(void **state)
{
    (void)state;
    char a[TOKEN_CHARS + 1], b[TOKEN_CHARS + 1];
    token_new(a);
    strcpy(b, a);
    assert_true(token_equal(a, b));
    assert_true(token_equal(a, a));
    assert_true(token_equal("", ""));
    assert_false(token_equal("", "a"));
    assert_false(token_equal("a", ""));
    assert_false(token_equal("abc", "abd"));
    assert_false(token_equal("abc", "bbc"));
    assert_false(token_equal("abc", "ab"));   /* prefix */
    assert_false(token_equal("ab", "abc"));
    assert_false(token_equal("abc", "ABC"));
    /* One differing bit anywhere. */
    for (int pos = 0; pos < TOKEN_CHARS; pos++) {
        strcpy(b, a);
        b[pos] ^= 0x01;
        if (token_equal(a, b))
            fail_msg("equal despite a difference at %d", pos);
    }
    /* Two fresh tokens differ. */
    token_new(b);
    assert_false(token_equal(a, b));
    /* Hashes compare like the tokens. */
    char ha[TOKEN_HASH_HEX + 1], hb[TOKEN_HASH_HEX + 1];
    token_hash(ha, a);
    token_hash(hb, a);
    assert_true(token_equal(ha, hb));
    token_hash(hb, b);
    assert_false(token_equal(ha, hb));
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_format),
        cmocka_unit_test(test_new_decodes_to_32_bytes),
        cmocka_unit_test(test_new_unique_and_spread),
        cmocka_unit_test(test_well_formed),
        cmocka_unit_test(test_hash_known),
        cmocka_unit_test(test_hash_format),
        cmocka_unit_test(test_equal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
