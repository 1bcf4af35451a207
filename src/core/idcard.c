#include "core/idcard.h"

#include <stdio.h>
#include <string.h>

static const int weights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
static const char checks[] = "10X98765432";

/* Province-level codes of GB/T 2260. */
static const int provinces[] = {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43,
                                44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82};

char idcard_check_char(const char *id)
{
    int sum = 0;
    for (int i = 0; i < 17; i++) {
        if (id[i] < '0' || id[i] > '9')
            return 0;
        sum += (id[i] - '0') * weights[i];
    }
    return checks[sum % 11];
}

static int days_in_month(int y, int m)
{
    static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return d[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
}

int idcard_parse(const char *id, int today_ymd, idcard_info_t *info, const char **reason)
{
    if (id == NULL || strlen(id) != IDCARD_LEN) {
        *reason = "idcard_format";
        return -1;
    }
    for (int i = 0; i < 17; i++) {
        if (id[i] < '0' || id[i] > '9') {
            *reason = "idcard_format";
            return -1;
        }
    }
    char last = id[17] == 'x' ? 'X' : id[17];
    if (!((last >= '0' && last <= '9') || last == 'X')) {
        *reason = "idcard_format";
        return -1;
    }
    if (idcard_check_char(id) != last) {
        *reason = "idcard_checksum";
        return -1;
    }
    int prov = (id[0] - '0') * 10 + (id[1] - '0'), known = 0;
    for (size_t i = 0; i < sizeof provinces / sizeof provinces[0]; i++)
        known |= provinces[i] == prov;
    if (!known || (id[2] == '0' && id[3] == '0' && prov < 71)) {
        *reason = "idcard_region";
        return -1;
    }
    int y = 0, m, d;
    for (int i = 6; i < 10; i++)
        y = y * 10 + (id[i] - '0');
    m = (id[10] - '0') * 10 + (id[11] - '0');
    d = (id[12] - '0') * 10 + (id[13] - '0');
    if (y < 1800 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m) || y * 10000 + m * 100 + d > today_ymd) {
        *reason = "idcard_date";
        return -1;
    }
    if (info) {
        memcpy(info->address, id, 6);
        info->address[6] = '\0';
        info->year = y;
        info->month = m;
        info->day = d;
        info->gender = (id[16] - '0') % 2 ? 'M' : 'F';
    }
    *reason = NULL;
    return 0;
}

void idcard_mask(char *out, size_t cap, const char *id)
{
    size_t n = strlen(id);
    if (n < 10) {
        snprintf(out, cap, "%.*s", (int)n, "******************");
        return;
    }
    /* The city (4 digits) and the check character: no digit of the birth date or
     * the sequence (docs/people.md, "What a masked number tells"). */
    snprintf(out, cap, "%.4s%.*s%s", id, (int)(n - 5), "********************************", id + n - 1);
}

void phone_mask(char *out, size_t cap, const char *phone)
{
    size_t n = strlen(phone);
    if (n == 11 && phone[0] == '1') {
        snprintf(out, cap, "%.3s****%s", phone, phone + 7);
        return;
    }
    size_t keep = n > 4 ? 4 : n;
    snprintf(out, cap, "%.*s%s", (int)(n - keep), "********************************", phone + n - keep);
}

void name_mask(char *out, size_t cap, const char *name)
{
    if (name == NULL || *name == '\0') {
        snprintf(out, cap, "%s", "");
        return;
    }
    size_t n = 1;
    while (name[n] && ((unsigned char)name[n] & 0xC0) == 0x80)
        n++;
    snprintf(out, cap, "%.*s*", (int)(n < 8 ? n : 8), name);
}

int phone_valid(const char *p)
{
    size_t n = strlen(p);
    if (n == 11 && p[0] == '1' && p[1] >= '3' && p[1] <= '9') {
        for (size_t i = 2; i < n; i++)
            if (p[i] < '0' || p[i] > '9')
                return 0;
        return 1;
    }
    if (n < 10 || n > 13 || p[0] != '0')
        return 0;
    int digits = 0, dash = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '-' && i >= 3 && i <= 4 && !dash)
            dash = 1;
        else if (p[i] >= '0' && p[i] <= '9')
            digits++;
        else
            return 0;
    }
    return digits >= 10 && digits <= 12;
}
