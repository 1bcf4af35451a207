#include "core/division.h"

#include <string.h>

int division_code_valid(const char *code)
{
    if (code == NULL)
        return 0;
    size_t n = strlen(code);
    if (n != 4 && n != 6 && n != 9 && n != 12)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (code[i] < '0' || code[i] > '9')
            return 0;
    return code[0] != '0';
}

org_level_t division_code_level(const char *code)
{
    if (!division_code_valid(code))
        return LEVEL_NONE;
    switch (strlen(code)) {
    case 4:
        return LEVEL_CITY;
    case 6:
        return LEVEL_DISTRICT;
    case 9:
        return LEVEL_STREET;
    default:
        return LEVEL_COMMUNITY;
    }
}

int division_code_parent(char *out, size_t cap, const char *code)
{
    org_level_t lv = division_code_level(code);
    size_t n = lv == LEVEL_DISTRICT ? 4 : lv == LEVEL_STREET ? 6 : lv == LEVEL_COMMUNITY ? 9 : 0;
    if (n == 0 || n + 1 > cap)
        return -1;
    memcpy(out, code, n);
    out[n] = '\0';
    return 0;
}
