/* UTF-8 validation and the rule for short text fields. */
#ifndef JICENG_CORE_UTF8_H
#define JICENG_CORE_UTF8_H

#include <stddef.h>

/* 1 if s[0..len) is well-formed UTF-8 (no overlong forms, surrogates, values
 * above U+10FFFF, or NUL bytes). */
int utf8_valid(const char *s, size_t len);

/* The number of code points in a well-formed NUL-terminated string. */
size_t utf8_count(const char *s);

/* 1 if s is well-formed UTF-8 of min..max code points, holds no control
 * characters and, when min > 0, is not only spaces. */
int text_field_valid(const char *s, int min, int max);

/* The same for a block of text: line breaks and tabs allowed, other controls not. */
int text_block_valid(const char *s, int min, int max);

/* The rule for a name (of a person, an organisation, a unit, a user, a case's
 * title): text_field_valid, and besides no Unicode format character (bidi
 * embeddings, overrides and isolates, zero-width spaces and joiners, the BOM, the
 * soft hyphen: what makes two names look alike or text display reversed), no line
 * or paragraph separator, and, when min > 0, not only blanks of any kind (the
 * ideographic space U+3000, no-break and other spaces, the Hangul fillers). */
int text_name_valid(const char *s, int min, int max);

/* Trim s in place: blanks (space, tab, CR, LF and the ideographic space U+3000)
 * are cut from its end, and the returned pointer (into s) skips those at its start. */
char *text_trim(char *s);

#endif
