#include "core/tracking.h"

#include <time.h>

#include "core/random.h"

#define STEP_NS 4000000u /* 4 ms */

void tracking_code_format(char *out, uint64_t mono_ns, const unsigned char rnd[6])
{
    static const char hex[] = "0123456789ABCDEF";
    unsigned lead = (unsigned)((mono_ns / STEP_NS) & 0xFFFFu);
    out[0] = 'C';
    for (int i = 0; i < 4; i++)
        out[1 + i] = hex[(lead >> (12 - 4 * i)) & 0xF];
    for (int i = 0; i < 6; i++) {
        out[5 + 2 * i] = hex[rnd[i] >> 4];
        out[6 + 2 * i] = hex[rnd[i] & 0xF];
    }
    out[TRACKING_CODE_LEN] = '\0';
}

void tracking_code_new(char *out)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    unsigned char rnd[6];
    random_fill(rnd, sizeof rnd);
    tracking_code_format(out, (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec, rnd);
}
