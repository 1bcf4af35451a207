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

/* The code point at s (well-formed UTF-8) and its length in *n. */
static uint32_t code_point(const unsigned char *s, size_t *n)
{
    if (s[0] < 0x80)
        return *n = 1, s[0];
    if ((s[0] & 0xE0) == 0xC0)
        return *n = 2, (uint32_t)(s[0] & 0x1F) << 6 | (s[1] & 0x3F);
    if ((s[0] & 0xF0) == 0xE0)
        return *n = 3, (uint32_t)(s[0] & 0x0F) << 12 | (uint32_t)(s[1] & 0x3F) << 6 | (s[2] & 0x3F);
    return *n = 4, (uint32_t)(s[0] & 0x07) << 18 | (uint32_t)(s[1] & 0x3F) << 12 | (uint32_t)(s[2] & 0x3F) << 6 |
                       (s[3] & 0x3F);
}

/* Unicode's format characters (general category Cf) and the line and paragraph
 * separators: invisible, or changing how the text around them is shown. */
static int format_char(uint32_t c)
{
    static const uint32_t ranges[][2] = {
        {0x00AD, 0x00AD},   {0x0600, 0x0605},   {0x061C, 0x061C},   {0x06DD, 0x06DD},   {0x070F, 0x070F},
        {0x0890, 0x0891},   {0x08E2, 0x08E2},   {0x180E, 0x180E},   {0x200B, 0x200F},   {0x2028, 0x202E},
        {0x2060, 0x2064},   {0x2066, 0x206F},   {0xFEFF, 0xFEFF},   {0xFFF9, 0xFFFB},   {0x110BD, 0x110BD},
        {0x110CD, 0x110CD}, {0x13430, 0x1343F}, {0x1BCA0, 0x1BCA3}, {0x1D173, 0x1D17A}, {0xE0001, 0xE0001},
        {0xE0020, 0xE007F},
    };
    for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++)
        if (c >= ranges[i][0] && c <= ranges[i][1])
            return 1;
    return 0;
}

/* Characters that show as nothing but blank space (Unicode's space separators,
 * the Hangul fillers, the braille blank). */
static int blank_char(uint32_t c)
{
    return c == 0x20 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x202F || c == 0x205F ||
           c == 0x3000 || c == 0x115F || c == 0x1160 || c == 0x3164 || c == 0xFFA0 || c == 0x2800;
}

int text_name_valid(const char *s, int min, int max)
{
    if (!text_field_valid(s, min, max))
        return 0;
    int blank = 1;
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        size_t n;
        uint32_t c = code_point(p, &n);
        if (format_char(c))
            return 0;
        if (!blank_char(c))
            blank = 0;
        p += n;
    }
    return !(min > 0 && blank);
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
