/* The tracking code a reporter follows a case with, short enough to read over
 * the phone: "C" and ten characters of Crockford's base 32 (digits and letters
 * without I, L, O and U), 50 bits: two characters led by time (10 bits), then
 * eight random ones (40 bits). The time part is the monotonic clock in 16 ms
 * steps, wrapping every 16 s: codes made together sort together, so a group of
 * new cases lands on one or two pages of the unique index instead of one page
 * each (see docs/decisions.md). It says nothing about the date or the time of
 * day. Codes of before ("C" and sixteen or twelve hex digits) still find their
 * cases. A code as typed is read back with tracking_code_normalize. */
#ifndef JICENG_CORE_TRACKING_H
#define JICENG_CORE_TRACKING_H

#include <stddef.h>
#include <stdint.h>

#define TRACKING_CODE_LEN 11
#define TRACKING_CODE_MAX 17 /* the longest code ever given (the hex ones before) */

/* out[TRACKING_CODE_LEN + 1] = the code of the 50-bit value v (its top 10 bits
 * lead). */
void tracking_code_pack(char *out, uint64_t v);

/* out[TRACKING_CODE_LEN + 1] = the code for monotonic time mono_ns and 40 bits
 * of rnd (its low 40 bits). */
void tracking_code_format(char *out, uint64_t mono_ns, uint64_t rnd);

/* out[TRACKING_CODE_LEN + 1] = a new code for this moment. */
void tracking_code_new(char *out);

/* A code as someone typed or read it out: spaces and hyphens dropped, letters
 * in upper case, and in a code of today's shape O read as 0 and I or L as 1.
 * 0 with out[cap] holding it when it has the shape of a code (today's, or the
 * hex ones of before), else -1. */
int tracking_code_normalize(const char *in, char *out, size_t cap);

#endif
