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

/* The dates people enter, within sane bounds: policy kept here, in one place
 * (docs/decisions.md). The earliest dates as yyyymmdd; a field declares its
 * earliest and how many years after today it may reach (F_DATE's min and max). */
/* birth dates: 1900-01-01 .. today */
#define DATE_BIRTH_EARLIEST 19000101
/* party organisations founded, members joined: the CPC's founding .. today */
#define DATE_PARTY_EARLIEST 19210701
/* terms of office: 1949-10-01 .. ten years from today (a term set ahead) */
#define DATE_TERM_EARLIEST 19491001
#define DATE_TERM_YEARS_AHEAD 10

/* 1 if date ("YYYY-MM-DD", a real date) is no earlier than earliest (yyyymmdd, 0:
 * no bound) and no later than years_ahead years after today (yyyymmdd). */
int date_within(const char *date, int earliest, int years_ahead, int today);

/* Days since 1970-01-01 of a proleptic Gregorian date. */
int64_t time_days_from_civil(int64_t y, int m, int d);

/* Days since the civil epoch of "YYYY-MM-DD" (0 if it does not read). */
int64_t time_days_of_date(const char *date);

#endif
