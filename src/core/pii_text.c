#include "core/pii_text.h"

#include <stddef.h>

/* The length in bytes of a digit at s (1 ASCII, 3 full-width U+FF10..U+FF19), 0 if none. */
static int digit_at(const unsigned char *s)
{
    if (s[0] >= '0' && s[0] <= '9')
        return 1;
    if (s[0] == 0xEF && s[1] == 0xBC && s[2] >= 0x90 && s[2] <= 0x99)
        return 3;
    return 0;
}

static int separator_at(const unsigned char *s)
{
    if (s[0] == ' ' || s[0] == '-')
        return 1;
    if (s[0] == 0xE3 && s[1] == 0x80 && s[2] == 0x80) /* U+3000 ideographic space */
        return 3;
    if (s[0] == 0xEF && s[1] == 0xBC && s[2] == 0x8D) /* U+FF0D full-width hyphen */
        return 3;
    return 0;
}

#define MAX_GROUPS 8

/* A run of groups that reads as a date: four digits, then one or two, then one or two. */
static int date_like(const int *groups, int n)
{
    return n == 3 && groups[0] == 4 && groups[1] >= 1 && groups[1] <= 2 && groups[2] >= 1 && groups[2] <= 2;
}

int pii_text_found(const char *text)
{
    if (text == NULL)
        return 0;
    const unsigned char *s = (const unsigned char *)text;
    while (*s) {
        int d = digit_at(s);
        if (d == 0) {
            s++;
            continue;
        }
        /* A run: groups of digits joined by single separators. */
        int groups[MAX_GROUPS] = {0}, n = 0, total = 0;
        for (;;) {
            int len = 0;
            while ((d = digit_at(s)) != 0) {
                len++;
                s += d;
            }
            if ((*s == 'X' || *s == 'x') && total + len >= 14) /* an ID number's check character */
                s++;
            if (n < MAX_GROUPS)
                groups[n] = len;
            n++;
            total += len;
            int sep = separator_at(s);
            if (sep == 0 || digit_at(s + sep) == 0)
                break;
            s += sep;
        }
        if (total >= PII_TEXT_MIN_DIGITS && !date_like(groups, n))
            return 1;
    }
    return 0;
}
