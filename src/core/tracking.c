#include "core/tracking.h"

#include <string.h>
#include <time.h>

#include "core/random.h"

#define STEP_NS 16000000u /* 16 ms */
#define RANDOM_BITS 40

static const char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

void tracking_code_pack(char *out, uint64_t v)
{
    out[0] = 'C';
    for (int i = 0; i < TRACKING_CODE_LEN - 1; i++)
        out[TRACKING_CODE_LEN - 1 - i] = crockford[(v >> (5 * i)) & 31u];
    out[TRACKING_CODE_LEN] = '\0';
}

void tracking_code_format(char *out, uint64_t mono_ns, uint64_t rnd)
{
    uint64_t lead = (mono_ns / STEP_NS) & 0x3FFu;
    tracking_code_pack(out, lead << RANDOM_BITS | (rnd & ((1ull << RANDOM_BITS) - 1)));
}

void tracking_code_new(char *out)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    unsigned char b[5];
    random_fill(b, sizeof b);
    uint64_t rnd = 0;
    for (int i = 0; i < 5; i++)
        rnd = rnd << 8 | b[i];
    tracking_code_format(out, (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec, rnd);
}

int tracking_code_normalize(const char *in, char *out, size_t cap)
{
    size_t n = 0;
    for (; in && *in; in++) {
        char c = *in;
        if (c == ' ' || c == '-')
            continue;
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        if (n + 1 >= cap)
            return -1;
        out[n++] = c;
    }
    if (cap == 0)
        return -1;
    out[n] = '\0';
    if (n == 0 || out[0] != 'C')
        return -1;
    if (n == TRACKING_CODE_LEN) {
        for (size_t i = 1; i < n; i++) {
            out[i] = out[i] == 'O' ? '0' : out[i] == 'I' || out[i] == 'L' ? '1' : out[i];
            if (strchr(crockford, out[i]) == NULL)
                return -1;
        }
        return 0;
    }
    if (n == 13 || n == 17) /* the hex codes of before */
        return strspn(out + 1, "0123456789ABCDEF") == n - 1 ? 0 : -1;
    return -1;
}
