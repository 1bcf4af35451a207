#include "core/password.h"

#include <string.h>

#include "core/utf8.h"

/* The spaces a password may not begin or end with, as UTF-8: a space typed or
 * pasted around a password is a mistake its owner cannot see. */
static const char *const SPACES[] = {
    " ",            /* U+0020 */
    "\xc2\xa0",     /* U+00A0 no-break space */
    "\xe1\x9a\x80", /* U+1680 */
    "\xe2\x80\x80", "\xe2\x80\x81", "\xe2\x80\x82", "\xe2\x80\x83", "\xe2\x80\x84", "\xe2\x80\x85",
    "\xe2\x80\x86", "\xe2\x80\x87", "\xe2\x80\x88", "\xe2\x80\x89", "\xe2\x80\x8a", /* U+2000-200A */
    "\xe2\x80\xaf", /* U+202F */
    "\xe2\x81\x9f", /* U+205F */
    "\xe3\x80\x80", /* U+3000 ideographic space (full-width input) */
    "\xef\xbb\xbf", /* U+FEFF byte order mark */
};

/* 1 if pw (len bytes) begins or ends with one of SPACES. */
static int padded(const char *pw, size_t len)
{
    for (size_t i = 0; i < sizeof SPACES / sizeof SPACES[0]; i++) {
        size_t n = strlen(SPACES[i]);
        if (len >= n && (memcmp(pw, SPACES[i], n) == 0 || memcmp(pw + len - n, SPACES[i], n) == 0))
            return 1;
    }
    return 0;
}

int password_check(const pw_policy_t *policy, const char *pw, const char **reason)
{
    size_t len = pw ? strlen(pw) : 0;
    if (pw == NULL || !utf8_valid(pw, len)) {
        *reason = "password_invalid";
        return -1;
    }
    if (len > PW_MAX_BYTES) {
        *reason = "password_too_long";
        return -1;
    }
    int lower = 0, upper = 0, digit = 0, other = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)pw[i];
        if (c < 0x20 || c == 0x7F) {
            *reason = "password_invalid";
            return -1;
        }
        if (c >= 'a' && c <= 'z')
            lower = 1;
        else if (c >= 'A' && c <= 'Z')
            upper = 1;
        else if (c >= '0' && c <= '9')
            digit = 1;
        else
            other = 1;
    }
    for (size_t i = 0; i + 1 < len; i++) {
        if ((unsigned char)pw[i] == 0xC2 && (unsigned char)pw[i + 1] < 0xA0) { /* C1 controls */
            *reason = "password_invalid";
            return -1;
        }
    }
    if (padded(pw, len)) {
        *reason = "password_whitespace";
        return -1;
    }
    if ((int)utf8_count(pw) < policy->min_length) {
        *reason = "password_too_short";
        return -1;
    }
    if (lower + upper + digit + other < policy->min_classes) {
        *reason = "password_too_simple";
        return -1;
    }
    *reason = NULL;
    return 0;
}
