/* The unified social credit code of organisations (统一社会信用代码, GB 32100-2015):
 * 18 characters from 0-9 and capitals without I, O, S, V, Z; the last is a
 * check character over the first 17. */
#ifndef JICENG_CORE_CREDIT_CODE_H
#define JICENG_CORE_CREDIT_CODE_H

#define CREDIT_CODE_LEN 18

/* 1 if code is well formed and its check character is right. */
int credit_code_valid(const char *code);

/* The check character for the first 17 characters of code; 0 if any is not allowed. */
char credit_code_check_char(const char *code);

#endif
