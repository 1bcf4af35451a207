/* Does free text typed by staff (a reason for a reveal or a full export, kept in
 * the audit log) carry an ID number or a phone number? */
#ifndef JICENG_CORE_PII_TEXT_H
#define JICENG_CORE_PII_TEXT_H

/* A reason for a reveal or a full export: characters at least and at most. */
#define REASON_MIN 4
#define REASON_MAX 200

/* The fewest digits of one number that count as an ID or phone number: a local
 * landline has 7 or 8, a mobile 11, an ID number 15 or 18. */
#define PII_TEXT_MIN_DIGITS 7

/* 1 if s (UTF-8) holds a run of at least PII_TEXT_MIN_DIGITS digits, ASCII or
 * full-width, counted across single spaces or hyphens between groups
 * (138 0000 0000, 0551-6512 3456) and with an ID number's final X; a date
 * written as year-month-day (2026-12-06, 2026 12 6) is not one. 0 otherwise,
 * and for NULL. */
int pii_text_found(const char *s);

#endif
