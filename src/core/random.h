/* Random bytes for values made many times a second (nonces, tracking codes):
 * each thread draws from its own ChaCha20 stream under a fresh random seed,
 * refilled from the system every 4 KiB, so most draws cost no system call.
 * The bytes are as unpredictable as the system's; each is handed out once and
 * wiped from the buffer. */
#ifndef JICENG_CORE_RANDOM_H
#define JICENG_CORE_RANDOM_H

#include <stddef.h>
#include <stdint.h>

/* Fill buf with n random bytes. */
void random_fill(void *buf, size_t n);

/* Not random: the next number in [0, n) of a splitmix64 sequence whose state is
 * *state (demo data drawn from a seed: the same seed, the same numbers). n > 0. */
int64_t random_seeded_below(unsigned long long *state, int64_t n);

#endif
