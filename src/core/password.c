#include "core/password.h"

#include <string.h>

#include "core/utf8.h"

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
