/* The password policy: length in code points and character classes. */
#ifndef JICENG_CORE_PASSWORD_H
#define JICENG_CORE_PASSWORD_H

typedef struct pw_policy {
    int min_length;   /* code points */
    int min_classes;  /* of: lower case, upper case, digits, everything else */
} pw_policy_t;

#define PW_POLICY_DEFAULT ((pw_policy_t){10, 3})
#define PW_MAX_BYTES 256

/* 0 if pw meets policy; else -1 and *reason is a stable code:
 * password_invalid (not UTF-8 or holds control characters),
 * password_too_long, password_whitespace (begins or ends with a space of any
 * kind), password_too_short, password_too_simple. Dictionary checks read
 * files, so they are not here (src/lib). */
int password_check(const pw_policy_t *policy, const char *pw, const char **reason);

#endif
