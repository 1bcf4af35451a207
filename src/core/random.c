#include "core/random.h"

#include <sodium.h>
#include <string.h>

#define POOL_BYTES 4096

/* This thread's stream: the last `left` bytes of buf are not yet handed out. */
static _Thread_local struct {
    unsigned char buf[POOL_BYTES];
    size_t left;
} pool;

void random_fill(void *buf, size_t n)
{
    unsigned char *out = buf;
    while (n > 0) {
        if (pool.left == 0) {
            unsigned char seed[randombytes_SEEDBYTES];
            randombytes_buf(seed, sizeof seed);
            randombytes_buf_deterministic(pool.buf, sizeof pool.buf, seed);
            sodium_memzero(seed, sizeof seed);
            pool.left = sizeof pool.buf;
        }
        size_t take = n < pool.left ? n : pool.left;
        unsigned char *from = pool.buf + sizeof pool.buf - pool.left;
        memcpy(out, from, take);
        sodium_memzero(from, take);
        pool.left -= take;
        out += take;
        n -= take;
    }
}

int64_t random_seeded_below(unsigned long long *state, int64_t n)
{
    *state += 0x9E3779B97F4A7C15ull; /* splitmix64 */
    unsigned long long z = *state;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return (int64_t)((z ^ (z >> 31)) % (unsigned long long)n);
}
