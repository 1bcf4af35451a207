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

int redact_may_hold(const char *s)
{
    for (const char *d = s; *d;) {
        size_t run = strspn(d, "0123456789");
        if (run >= 7)
            return 1;
        d += run ? run : 1;
    }
    return 0;
}

enum { NONE, ID_NUMBER, MOBILE, LANDLINE };

/* Mask s[i..end) of a run of kind: wholly, or (shown) as a screen shows it. */
static void mask_run(char *s, size_t i, size_t end, int kind, int shown)
{
    size_t keep_head = 0, keep_tail = 0;
    if (shown) {
        keep_head = kind == ID_NUMBER ? 4 : kind == MOBILE ? 3 : 0;
        keep_tail = kind == ID_NUMBER ? 1 : 4;
    }
    for (size_t k = i + keep_head; k < end - keep_tail; k++)
        if (s[k] != '-')
            s[k] = '*';
}

/* Note the phone number s[i..end) in found, unless it is the one already there. */
static void note_phone(redact_found_t *found, const char *s, size_t i, size_t end)
{
    size_t n = end - i;
    if (found->phones && strlen(found->phone) == n && memcmp(found->phone, s + i, n) == 0)
        return;
    if (found->phones++ == 0 && n < sizeof found->phone) {
        memcpy(found->phone, s + i, n);
        found->phone[n] = '\0';
    }
}

static size_t redact(char *s, size_t len, int shown, redact_found_t *found)
{
    size_t masked = 0, i = 0;
    while (i < len) {
        if (!is_digit(s[i]) || !starts_run(s, i)) {
            i++;
            continue;
        }
        size_t n = digits_from(s, len, i), end = i + n;
        int kind = NONE;
        if (n == 17 && end < len && (s[end] == 'X' || s[end] == 'x')) {
            end++;
            kind = ID_NUMBER;
        } else if (s[i] == '0' && (n == 3 || n == 4) && end < len && s[end] == '-') {
            size_t m = digits_from(s, len, end + 1);
            if (m == 7 || m == 8) {
                end += 1 + m;
                kind = LANDLINE;
            }
        } else if (n == 18 || n == 15) {
            kind = ID_NUMBER;
        } else if (n == 11 && s[i] == '1' && s[i + 1] >= '3' && s[i + 1] <= '9') {
            kind = MOBILE;
        } else if (s[i] == '0' && n >= 10 && n <= 12) {
            kind = LANDLINE;
        }
        if (kind != NONE && (end == len || !is_alnum(s[end]))) {
            if (found && kind != ID_NUMBER)
                note_phone(found, s, i, end);
            mask_run(s, i, end, kind, shown);
            masked++;
        }
        i = end;
        while (i < len && is_alnum(s[i])) /* the rest of a longer word */
            i++;
    }
    return masked;
}

size_t redact_numbers(char *s, size_t len)
{
    return redact(s, len, 0, NULL);
}

size_t redact_numbers_shown(char *s, size_t len, redact_found_t *found)
{
    return redact(s, len, 1, found);
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
