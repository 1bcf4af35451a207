/* RFC 3339 times in UTC, as the API speaks them. */
#ifndef JICENG_CORE_TIMEFMT_H
#define JICENG_CORE_TIMEFMT_H

#include <stdint.h>

#define TIME_RFC3339_LEN 32

/* out[TIME_RFC3339_LEN] = "2026-11-28T03:27:14Z". */
void time_format_rfc3339(char *out, int64_t t);

/* Parse "YYYY-MM-DDTHH:MM:SS[.frac](Z|+hh:mm|-hh:mm)" (also "YYYY-MM-DD" as
 * midnight UTC) into unix seconds. 0, or -1 if malformed or out of range. */
int time_parse_rfc3339(const char *s, int64_t *out);

/* Days since 1970-01-01 of a proleptic Gregorian date. */
int64_t time_days_from_civil(int64_t y, int m, int d);

#endif
