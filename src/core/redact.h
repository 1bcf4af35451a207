/* Personal numbers in free text: what an audit summary or a log line must never
 * carry in clear (ID numbers and phone numbers, whatever field they were typed in). */
#ifndef JICENG_CORE_REDACT_H
#define JICENG_CORE_REDACT_H

#include <stddef.h>

/* Mask in place, with '*' (the length kept), every run of s[0..len) that reads as
 * a personal number:
 *  - an ID number: 17 digits and a digit or X (GB 11643), or 15 digits (the first
 *    generation's);
 *  - a mobile: 11 digits, 1 then 3-9;
 *  - a landline: 0 and 2 or 3 more digits (the area code), an optional '-', then
 *    7 or 8 digits.
 * A run counts only whole: the characters around it are not ASCII letters or
 * digits (so hex digests, codes with letters and longer numbers stay), a
 * character escaped with a backslash counting as a boundary ("\n138..."). Returns
 * how many runs were masked. */
size_t redact_numbers(char *s, size_t len);

/* 1 if s holds a run of 7 digits or more (the shortest part of a personal
 * number): only then may the functions here mask anything, so a caller can
 * skip copying a text without one. */
int redact_may_hold(const char *s);

/* What redact_numbers_shown found among the runs it masked: how many distinct
 * phone numbers (mobile or landline), and the first of them as typed (a
 * landline's '-' kept), read before masking. */
typedef struct redact_found {
    size_t phones;
    char phone[16];
} redact_found_t;

/* redact_numbers, each number masked the way the product shows one rather than
 * wholly: a mobile keeps its first 3 and last 4 digits (139****5678, as
 * phone_mask), an ID number its first 4 and its last character
 * (3401*************4, as idcard_mask), a landline its last 4 digits
 * (****-***2345). found, when not NULL, is added to (start it zeroed). */
size_t redact_numbers_shown(char *s, size_t len, redact_found_t *found);

/* The same over the string values of a JSON text only (its numbers, keys and
 * punctuation left alone, so the text stays the same JSON). s is NUL-terminated. */
size_t redact_json_strings(char *s);

#endif
