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

/* The same over the string values of a JSON text only (its numbers, keys and
 * punctuation left alone, so the text stays the same JSON). s is NUL-terminated. */
size_t redact_json_strings(char *s);

#endif
