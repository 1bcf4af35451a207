/* Unit tests of src/core/audit_chain.c: the keyed MAC over each audit row.
 * The known vectors were computed independently with Python's hmac module over
 * the documented encoding: "jiceng-audit-v1" then each field in order, integers
 * as 8-byte big-endian, strings as an 8-byte big-endian length then the bytes;
 * format 2 ("jiceng-audit-v2") appends org_path; the head's and an anchor's
 * MACs use the same encoding under their own labels. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sodium.h>
#include <string.h>

#include "core/audit_chain.h"

static void key_0_to_31(unsigned char key[AUDIT_KEY_BYTES])
{
    for (int i = 0; i < AUDIT_KEY_BYTES; i++)
        key[i] = (unsigned char)i;
}

static audit_fields_t sample(void)
{
    audit_fields_t f = {
        .id = 1,
        .at = 1795836434,
        .actor_id = 1,
        .actor_name = "admin",
        .source = "cli",
        .action = "org.create",
        .entity = "org",
        .entity_id = 5,
        .org_id = 1,
        .summary = "{\"name\":\"\xe5\x90\x88\xe8\x82\xa5\xe5\xb8\x82\"}", /* {"name":"合肥市"} */
        .prev_hash = "",
    };
    return f;
}

static void hash(char out[AUDIT_HASH_HEX + 1], const unsigned char *key, const audit_fields_t *f)
{
    memset(out, '#', AUDIT_HASH_HEX + 1);
    audit_chain_hash(out, key, f);
    assert_int_equal(strlen(out), AUDIT_HASH_HEX);
    assert_int_equal(strspn(out, "0123456789abcdef"), AUDIT_HASH_HEX);
}

static void test_known_vector(void **state)
{
    (void)state;
    unsigned char key[AUDIT_KEY_BYTES];
    key_0_to_31(key);
    audit_fields_t f = sample();
    char out[AUDIT_HASH_HEX + 1];
    hash(out, key, &f);
    assert_string_equal(out, "561e6412b5cc9f0c6c2c096e214abf1845e062841a7f0bc919d70709aa6176bb");
}

static void test_known_vector_extremes(void **state)
{
    (void)state;
    unsigned char key[AUDIT_KEY_BYTES];
    memset(key, 0xff, sizeof key);
    audit_fields_t f = {
        .id = -1,
        .at = -2208988800LL,
        .actor_id = 0,
        .entity_id = INT64_MIN,
        .org_id = INT64_MAX,
    };
    char out[AUDIT_HASH_HEX + 1];
    hash(out, key, &f);
    assert_string_equal(out, "6bf6afcc4258d3936a508c8af9f6f4630c500033de7fc9e795316170dec8b89c");
}

static void test_stable(void **state)
{
    (void)state;
    unsigned char key[AUDIT_KEY_BYTES];
    key_0_to_31(key);
    audit_fields_t f = sample();
    char a[AUDIT_HASH_HEX + 1], b[AUDIT_HASH_HEX + 1];
    hash(a, key, &f);
    hash(b, key, &f);
    assert_string_equal(a, b);
    /* Equal contents in other buffers give the same hash. */
    char name[] = "admin", src[] = "cli", act[] = "org.create", ent[] = "org", prev[] = "";
    char sum[] = "{\"name\":\"\xe5\x90\x88\xe8\x82\xa5\xe5\xb8\x82\"}";
    audit_fields_t g = f;
    g.actor_name = name;
    g.source = src;
    g.action = act;
    g.entity = ent;
    g.summary = sum;
    g.prev_hash = prev;
    hash(b, key, &g);
    assert_string_equal(a, b);
    /* And a copy of the key. */
    unsigned char key2[AUDIT_KEY_BYTES];
    memcpy(key2, key, sizeof key);
    hash(b, key2, &f);
    assert_string_equal(a, b);
}

static void test_null_is_empty(void **state)
{
    (void)state;
    unsigned char key[AUDIT_KEY_BYTES];
    key_0_to_31(key);
    audit_fields_t f = sample(), g = sample();
    f.actor_name = f.source = f.action = f.entity = f.summary = f.prev_hash = NULL;
    g.actor_name = g.source = g.action = g.entity = g.summary = g.prev_hash = "";
    char a[AUDIT_HASH_HEX + 1], b[AUDIT_HASH_HEX + 1];
    hash(a, key, &f);
    hash(b, key, &g);
    assert_string_equal(a, b);
}

/* Change one field of the sample. */
static void mutate(audit_fields_t *f, int which)
{
    switch (which) {
    case 0: f->id = 2; break;
    case 1: f->at = 1795836435; break;
    case 2: f->actor_id = 2; break;
    case 3: f->actor_name = "Admin"; break;
    case 4: f->source = "api"; break;
    case 5: f->action = "org.update"; break;
    case 6: f->entity = "user"; break;
    case 7: f->entity_id = 6; break;
    case 8: f->org_id = 0; break;
    case 9: f->summary = "{\"name\":\"\xe5\x90\x88\xe8\x82\xa5\"}"; break;
    case 10: f->prev_hash = "561e6412b5cc9f0c6c2c096e214abf1845e062841a7f0bc919d70709aa6176bb"; break;
    case 11: f->id = -1; break;
    case 12: f->at = 1795836434 + (1LL << 32); break; /* a change only in the high 32 bits */
    case 13: f->entity_id = 5 + (1LL << 56); break;
    case 14: f->actor_name = "admin "; break;
    case 15: f->summary = "{\"name\":\"\xe5\x90\x88\xe8\x82\xa5\xe5\xb8\x82\"} "; break;
    case 16: f->prev_hash = NULL; break; /* same as "": must NOT change; checked separately */
    default: break;
    }
}
#define N_MUTATIONS 16 /* 0..15 change the hash */

static void test_every_field_matters(void **state)
{
    (void)state;
    unsigned char key[AUDIT_KEY_BYTES];
    key_0_to_31(key);
    char hashes[N_MUTATIONS + 1][AUDIT_HASH_HEX + 1];
    audit_fields_t base = sample();
    hash(hashes[N_MUTATIONS], key, &base);
    for (int m = 0; m < N_MUTATIONS; m++) {
        audit_fields_t f = sample();
        mutate(&f, m);
        hash(hashes[m], key, &f);
    }
    /* All pairwise different, including from the unchanged row. */
    for (int i = 0; i <= N_MUTATIONS; i++)
        for (int j = i + 1; j <= N_MUTATIONS; j++)
            if (strcmp(hashes[i], hashes[j]) == 0)
                fail_msg("mutations %d and %d collide", i, j);
    audit_fields_t f = sample();
    mutate(&f, 16);
    char h[AUDIT_HASH_HEX + 1];
    hash(h, key, &f);
    assert_string_equal(h, hashes[N_MUTATIONS]);
}

/* Moving bytes between adjacent string fields changes the hash (length prefixes). */
static void test_unambiguous(void **state)
{
    (void)state;
    unsigned char key[AUDIT_KEY_BYTES];
    key_0_to_31(key);
    char a[AUDIT_HASH_HEX + 1], b[AUDIT_HASH_HEX + 1];
    audit_fields_t f = sample(), g = sample();
    f.actor_name = "ab";
    f.source = "c";
    g.actor_name = "a";
    g.source = "bc";
    hash(a, key, &f);
    hash(b, key, &g);
    assert_string_not_equal(a, b);

    f = sample();
    g = sample();
    f.action = "org.create";
    f.entity = "";
    g.action = "org.";
    g.entity = "create";
    hash(a, key, &f);
    hash(b, key, &g);
    assert_string_not_equal(a, b);

    f = sample();
    g = sample();
    f.summary = "x";
    f.prev_hash = "";
    g.summary = "";
    g.prev_hash = "x";
    hash(a, key, &f);
    hash(b, key, &g);
    assert_string_not_equal(a, b);

    /* Swapping integer fields. */
    f = sample();
    g = sample();
    f.entity_id = 5;
    f.org_id = 1;
    g.entity_id = 1;
    g.org_id = 5;
    hash(a, key, &f);
    hash(b, key, &g);
    assert_string_not_equal(a, b);
}

static void test_key_matters(void **state)
{
    (void)state;
    unsigned char key[AUDIT_KEY_BYTES], other[AUDIT_KEY_BYTES];
    key_0_to_31(key);
    audit_fields_t f = sample();
    char a[AUDIT_HASH_HEX + 1], b[AUDIT_HASH_HEX + 1];
    hash(a, key, &f);
    /* Every single flipped bit of the key, first and last byte included. */
    for (int i = 0; i < AUDIT_KEY_BYTES; i++) {
        for (int bit = 0; bit < 8; bit += 7) {
            memcpy(other, key, sizeof key);
            other[i] ^= (unsigned char)(1u << bit);
            hash(b, other, &f);
            if (strcmp(a, b) == 0)
                fail_msg("key byte %d bit %d ignored", i, bit);
        }
    }
    /* A fresh random key. */
    randombytes_buf(other, sizeof other);
    hash(b, other, &f);
    assert_string_not_equal(a, b);
    /* Not an unkeyed hash of anything obvious: the all-zero key differs too. */
    memset(other, 0, sizeof other);
    hash(b, other, &f);
    assert_string_not_equal(a, b);
}

/* A chain of rows: editing an earlier row changes every later hash. */
static void test_chain(void **state)
{
    (void)state;
    unsigned char key[AUDIT_KEY_BYTES];
    key_0_to_31(key);
    enum { N = 5 };
    char h1[N][AUDIT_HASH_HEX + 1], h2[N][AUDIT_HASH_HEX + 1];
    for (int pass = 0; pass < 2; pass++) {
        char(*h)[AUDIT_HASH_HEX + 1] = pass ? h2 : h1;
        for (int i = 0; i < N; i++) {
            audit_fields_t f = sample();
            f.id = i + 1;
            f.at += i;
            if (pass == 1 && i == 1)
                f.summary = "{\"name\":\"edited\"}";
            f.prev_hash = i ? h[i - 1] : "";
            hash(h[i], key, &f);
        }
    }
    assert_string_equal(h1[0], h2[0]);
    for (int i = 1; i < N; i++)
        assert_string_not_equal(h1[i], h2[i]);
    /* Rows are distinct from each other. */
    for (int i = 1; i < N; i++)
        assert_string_not_equal(h1[i - 1], h1[i]);
}

static void test_v2_known_vector(void **state)
{
    (void)state;
    unsigned char key[AUDIT_KEY_BYTES];
    key_0_to_31(key);
    audit_fields_t f = sample();
    f.version = AUDIT_MAC_V2;
    f.org_path = "/1/";
    char out[AUDIT_HASH_HEX + 1];
    hash(out, key, &f);
    assert_string_equal(out, "682d79401f169913a476f23468a2d982e1d385645e893ce6fc01fed84ecf47a1");
}

/* Format 1 leaves org_path out (rows written before it was covered keep
 * verifying); format 2 covers it, and a row's format is part of its MAC. */
static void test_org_path_covered_from_v2(void **state)
{
    (void)state;
    unsigned char key[AUDIT_KEY_BYTES];
    key_0_to_31(key);
    audit_fields_t f = sample();
    char v1a[AUDIT_HASH_HEX + 1], v1b[AUDIT_HASH_HEX + 1], v2a[AUDIT_HASH_HEX + 1], v2b[AUDIT_HASH_HEX + 1];
    f.org_path = "/1/";
    hash(v1a, key, &f);
    f.org_path = "/1/9/";
    hash(v1b, key, &f);
    assert_string_equal(v1a, v1b);
    assert_string_equal(v1a, "561e6412b5cc9f0c6c2c096e214abf1845e062841a7f0bc919d70709aa6176bb");
    f.version = AUDIT_MAC_V2;
    hash(v2b, key, &f);
    f.org_path = "/1/";
    hash(v2a, key, &f);
    assert_string_not_equal(v2a, v2b);
    assert_string_not_equal(v2a, v1a);
}

static void test_head_and_anchor_macs(void **state)
{
    (void)state;
    unsigned char key[AUDIT_KEY_BYTES];
    key_0_to_31(key);
    char h[65], h2[65], a[65], a2[65];
    const char *last = "abababababababababababababababababababababababababababababababab";
    audit_head_mac(h, key, 7, last);
    assert_string_equal(h, "f6582cf16f352730488ac15be43437b8ce218cdae9658b6da5e55ad509054e20");
    audit_head_mac(h2, key, 6, last);
    assert_string_not_equal(h, h2);
    audit_anchor_mac(a, key, 7, last, "2026-12-06T08:00:00Z");
    assert_string_equal(a, "2251cb3ccca43764bd4e45c6cc58edb6d40bcb8726c5b340537717772c5fd17c");
    audit_anchor_mac(a2, key, 7, last, "2026-12-06T08:00:01Z");
    assert_string_not_equal(a, a2);
    /* The labels keep a head's MAC from passing for an anchor's and back. */
    assert_string_not_equal(h, a);
}

static void test_output_bounds(void **state)
{
    (void)state;
    unsigned char key[AUDIT_KEY_BYTES];
    key_0_to_31(key);
    audit_fields_t f = sample();
    char out[AUDIT_HASH_HEX + 16];
    memset(out, '#', sizeof out);
    audit_chain_hash(out, key, &f);
    assert_int_equal(out[AUDIT_HASH_HEX], '\0');
    for (size_t i = AUDIT_HASH_HEX + 1; i < sizeof out; i++)
        assert_int_equal(out[i], '#');
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_vector),
        cmocka_unit_test(test_known_vector_extremes),
        cmocka_unit_test(test_stable),
        cmocka_unit_test(test_null_is_empty),
        cmocka_unit_test(test_every_field_matters),
        cmocka_unit_test(test_unambiguous),
        cmocka_unit_test(test_key_matters),
        cmocka_unit_test(test_chain),
        cmocka_unit_test(test_output_bounds),
        cmocka_unit_test(test_v2_known_vector),
        cmocka_unit_test(test_org_path_covered_from_v2),
        cmocka_unit_test(test_head_and_anchor_macs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
