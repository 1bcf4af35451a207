/* The tracking code a reporter follows a case with: "C", four hex digits led
 * by time, then twelve random hex digits (48 bits, as unguessable as the codes
 * before, which were "C" and the twelve random digits alone and still work).
 * The time part is the monotonic clock in 4 ms steps, wrapping every 262 s:
 * codes made together sort together, so a group of new cases lands on one or
 * two pages of the unique index instead of one page each (see
 * docs/decisions.md). It says nothing about the date or the time of day. */
#ifndef JICENG_CORE_TRACKING_H
#define JICENG_CORE_TRACKING_H

#include <stdint.h>

#define TRACKING_CODE_LEN 17

/* out[TRACKING_CODE_LEN + 1] = the code for monotonic time mono_ns and the six
 * random bytes rnd. */
void tracking_code_format(char *out, uint64_t mono_ns, const unsigned char rnd[6]);

/* out[TRACKING_CODE_LEN + 1] = a new code for this moment. */
void tracking_code_new(char *out);

#endif
