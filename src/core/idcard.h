/* Resident ID numbers (居民身份证号码, GB 11643-1999): 6-digit address code,
 * 8-digit birth date, 3-digit sequence (odd for men, even for women) and an
 * ISO 7064 MOD 11-2 check character (0-9 or X). */
#ifndef JICENG_CORE_IDCARD_H
#define JICENG_CORE_IDCARD_H

#include <stddef.h>

#define IDCARD_LEN 18

typedef struct idcard_info {
    char address[7];   /* the 6-digit address code */
    int year, month, day;
    char gender;       /* 'M' or 'F' */
} idcard_info_t;

/* The check character for the first 17 digits of id; 0 if any is not a digit. */
char idcard_check_char(const char *id);

/* 0 if id is a valid 18-character number born on a real date no later than
 * today_ymd (yyyymmdd) and no earlier than 1800, with a known province prefix;
 * info filled if not NULL. Else -1 and *reason is one of idcard_format,
 * idcard_checksum, idcard_date, idcard_region. A lower-case x is accepted. */
int idcard_parse(const char *id, int today_ymd, idcard_info_t *info, const char **reason);

/* out = the number masked for display: the first 4 (the city) and the last
 * character (the check character) kept, "3401*************4"; with the gender
 * and the birth year beside it about 16,000 numbers stay consistent with it
 * even when the 6-digit region is known. cap at least 19. */
void idcard_mask(char *out, size_t cap, const char *id);

/* out = a mobile or landline number masked: "138****5678" for 11 digits;
 * otherwise all but the last 4 characters become '*'. */
void phone_mask(char *out, size_t cap, const char *phone);

/* out = a resident's name as the public and auditors see it: its first
 * character (the surname, UTF-8) and "*", "张*"; "" for an empty name. cap at
 * least 16. */
void name_mask(char *out, size_t cap, const char *name);

/* 1 if phone is a mainland mobile (1[3-9] and 9 digits) or a landline
 * (0 + 2-3 digit area code, optional '-', 7-8 digits). */
int phone_valid(const char *phone);

#endif
