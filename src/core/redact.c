#include "core/redact.h"

#include <string.h>

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int is_alnum(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static size_t digits_from(const char *s, size_t len, size_t i)
{
    size_t j = i;
    while (j < len && is_digit(s[j]))
        j++;
    return j - i;
}

/* 1 if a run may begin at i: nothing alphanumeric just before it, unless that
 * character is itself escaped (a JSON text's "\n"). */
static int starts_run(const char *s, size_t i)
{
    return i == 0 || !is_alnum(s[i - 1]) || (i >= 2 && s[i - 2] == '\\');
}

size_t redact_numbers(char *s, size_t len)
{
    size_t masked = 0, i = 0;
    while (i < len) {
        if (!is_digit(s[i]) || !starts_run(s, i)) {
            i++;
            continue;
        }
        size_t n = digits_from(s, len, i), end = i + n;
        int hit = 0;
        if (n == 17 && end < len && (s[end] == 'X' || s[end] == 'x')) {
            end++;
            hit = 1;
        } else if (s[i] == '0' && (n == 3 || n == 4) && end < len && s[end] == '-') {
            size_t m = digits_from(s, len, end + 1);
            if (m == 7 || m == 8) {
                end += 1 + m;
                hit = 1;
            }
        } else {
            hit = n == 18 || n == 15 || (n == 11 && s[i] == '1' && s[i + 1] >= '3' && s[i + 1] <= '9') ||
                  (s[i] == '0' && n >= 10 && n <= 12);
        }
        if (hit && (end == len || !is_alnum(s[end]))) {
            for (size_t k = i; k < end; k++)
                if (s[k] != '-')
                    s[k] = '*';
            masked++;
        }
        i = end;
        while (i < len && is_alnum(s[i])) /* the rest of a longer word */
            i++;
    }
    return masked;
}

size_t redact_json_strings(char *s)
{
    size_t masked = 0;
    for (char *p = s; (p = strchr(p, '"')) != NULL;) {
        char *q = ++p;
        while (*q && *q != '"')
            q += (*q == '\\' && q[1]) ? 2 : 1;
        masked += redact_numbers(p, (size_t)(q - p));
        if (*q == '\0')
            break;
        p = q + 1;
    }
    return masked;
}
