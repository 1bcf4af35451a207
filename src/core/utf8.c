#include "core/utf8.h"

#include <stdint.h>
#include <string.h>

int utf8_valid(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < len) {
        unsigned c = s[i];
        if (c == 0)
            return 0;
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n;
        uint32_t cp, min;
        if ((c & 0xE0) == 0xC0) {
            n = 2, cp = c & 0x1F, min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            n = 3, cp = c & 0x0F, min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            n = 4, cp = c & 0x07, min = 0x10000;
        } else {
            return 0;
        }
        if (len - i < n)
            return 0;
        for (size_t k = 1; k < n; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += n;
    }
    return 1;
}

size_t utf8_count(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

static int text_valid(const char *s, int min, int max, int block)
{
    if (s == NULL)
        return 0;
    size_t len = strlen(s);
    if (!utf8_valid(s, len))
        return 0;
    int blank = 1;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        int space = c == ' ' || (block && (c == '\n' || c == '\r' || c == '\t'));
        if ((c < 0x20 || c == 0x7F) && !space)
            return 0;
        if (!space)
            blank = 0;
    }
    /* C1 controls U+0080..U+009F are encoded as C2 80..C2 9F. */
    for (size_t i = 0; i + 1 < len; i++)
        if ((unsigned char)s[i] == 0xC2 && (unsigned char)s[i + 1] < 0xA0)
            return 0;
    size_t n = utf8_count(s);
    if ((int64_t)n < min || (int64_t)n > max)
        return 0;
    return !(min > 0 && blank);
}

int text_field_valid(const char *s, int min, int max)
{
    return text_valid(s, min, max, 0);
}

int text_block_valid(const char *s, int min, int max)
{
    return text_valid(s, min, max, 1);
}

/* The length of the blank at s: 1 for an ASCII blank, 3 for U+3000, else 0. */
static size_t blank_at(const char *s, size_t n)
{
    if (n >= 1 && (s[0] == ' ' || s[0] == '\t' || s[0] == '\r' || s[0] == '\n'))
        return 1;
    if (n >= 3 && memcmp(s, "\xE3\x80\x80", 3) == 0)
        return 3;
    return 0;
}

char *text_trim(char *s)
{
    size_t n = strlen(s), k;
    while ((k = blank_at(s, n)) > 0)
        s += k, n -= k;
    for (;;) {
        if (n >= 1 && blank_at(s + n - 1, 1))
            n -= 1;
        else if (n >= 3 && blank_at(s + n - 3, 3) == 3)
            n -= 3;
        else
            break;
    }
    s[n] = '\0';
    return s;
}
