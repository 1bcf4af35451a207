/* Unit tests of src/core/random.c: the per-thread random stream behind nonces
 * and tracking codes. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <string.h>

#include "core/random.h"

static size_t zero_bytes(const unsigned char *p, size_t n)
{
    size_t z = 0;
    for (size_t i = 0; i < n; i++)
        z += p[i] == 0;
    return z;
}

/* Draws of every size, across the 4 KiB refills: no two alike, no run of zeros
 * (a buffer handed out after wiping would be all zeros). */
static void test_random_fill(void **state)
{
    (void)state;
    static unsigned char a[10000], b[10000];
    size_t sizes[] = {1, 6, 24, 4095, 4096, 4097, 9999};
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        memset(a, 0, sizeof a);
        memset(b, 0, sizeof b);
        random_fill(a, sizes[s]);
        random_fill(b, sizes[s]);
        if (sizes[s] >= 6)
            assert_memory_not_equal(a, b, sizes[s]);
        /* About one byte in 256 is zero by chance; far more means wiped bytes. */
        assert_true(zero_bytes(a, sizes[s]) <= 4 + sizes[s] / 64);
        assert_int_equal(zero_bytes(a + sizes[s], sizeof a - sizes[s]), sizeof a - sizes[s]);
    }
    /* Every byte value turns up, roughly evenly, over 2.56 MB. */
    static unsigned char big[256 * 10000];
    random_fill(big, sizeof big);
    size_t seen[256] = {0};
    for (size_t i = 0; i < sizeof big; i++)
        seen[big[i]]++;
    for (int v = 0; v < 256; v++)
        if (seen[v] < 9000 || seen[v] > 11000)
            fail_msg("byte %d seen %zu times", v, seen[v]);
}

static void *draw(void *out)
{
    random_fill(out, 64);
    return NULL;
}

/* Each thread has its own stream: two threads never hand out the same bytes. */
static void test_threads_draw_apart(void **state)
{
    (void)state;
    unsigned char x[64], y[64];
    pthread_t t1, t2;
    pthread_create(&t1, NULL, draw, x);
    pthread_create(&t2, NULL, draw, y);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    assert_memory_not_equal(x, y, sizeof x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_fill),
        cmocka_unit_test(test_threads_draw_apart),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
