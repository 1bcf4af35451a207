#include "core/credit_code.h"

#include <string.h>

static const char alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
static const int weights[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};

static int value_of(char c)
{
    const char *p = c ? strchr(alphabet, c) : NULL;
    return p ? (int)(p - alphabet) : -1;
}

char credit_code_check_char(const char *code)
{
    int sum = 0;
    for (int i = 0; i < 17; i++) {
        int v = value_of(code[i]);
        if (v < 0)
            return 0;
        sum += v * weights[i];
    }
    return alphabet[(31 - sum % 31) % 31];
}

int credit_code_valid(const char *code)
{
    if (code == NULL || strlen(code) != CREDIT_CODE_LEN)
        return 0;
    char c = credit_code_check_char(code);
    return c != 0 && c == code[17];
}
