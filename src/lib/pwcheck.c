#include "lib/pwcheck.h"

#include <ctype.h>
#include <pthread.h>
#include <pwquality.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "lib/util.h"

static pwquality_settings_t *g_settings;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER; /* cracklib keeps static state */

/* Our own settings, never /etc/security/pwquality.conf: the same binary must
 * judge a password the same way on every machine. Length and classes are
 * password_check's (with the operator's flags), so libpwquality's are left at
 * their floor. */
static void settings_init(void)
{
    g_settings = pwquality_default_settings();
    if (g_settings == NULL)
        return;
    pwquality_set_int_value(g_settings, PWQ_SETTING_MIN_LENGTH, 6); /* libpwquality's own minimum */
    pwquality_set_int_value(g_settings, PWQ_SETTING_MIN_CLASS, 0);
    pwquality_set_int_value(g_settings, PWQ_SETTING_MAX_REPEAT, PWCHECK_MAX_REPEAT);
    pwquality_set_int_value(g_settings, PWQ_SETTING_MAX_SEQUENCE, PWCHECK_MAX_SEQUENCE);
    pwquality_set_int_value(g_settings, PWQ_SETTING_MAX_CLASS_REPEAT, 0);
    pwquality_set_int_value(g_settings, PWQ_SETTING_DICT_CHECK, 1);
    pwquality_set_int_value(g_settings, PWQ_SETTING_USER_CHECK, 1);
    pwquality_set_int_value(g_settings, PWQ_SETTING_GECOS_CHECK, 0);
}

/* cracklib's verdicts come as English sentences ("it is based on a dictionary
 * word"): sort them into our codes. */
static const char *cracklib_reason(const char *msg)
{
    if (msg == NULL)
        return "password_dictionary";
    if (strstr(msg, "dictionary") != NULL && strstr(msg, "loading") != NULL)
        return "password_check_unavailable";
    if (strstr(msg, "DIFFERENT") != NULL || strstr(msg, "simplistic") != NULL || strstr(msg, "whitespace") != NULL)
        return "password_repetitive";
    if (strstr(msg, "username") != NULL || strstr(msg, "password entry") != NULL)
        return "password_contains_username";
    if (strstr(msg, "short") != NULL)
        return "password_too_short";
    return "password_dictionary";
}

static const char *pwquality_reason(int rc, void *aux)
{
    switch (rc) {
    case PWQ_ERROR_CRACKLIB_CHECK: return cracklib_reason(aux);
    case PWQ_ERROR_PALINDROME: return "password_palindrome";
    case PWQ_ERROR_MAX_CONSECUTIVE:
    case PWQ_ERROR_MAX_SEQUENCE:
    case PWQ_ERROR_MAX_CLASS_REPEAT: return "password_repetitive";
    case PWQ_ERROR_USER_CHECK:
    case PWQ_ERROR_GECOS_CHECK: return "password_contains_username";
    case PWQ_ERROR_MIN_LENGTH:
    case PWQ_ERROR_EMPTY_PASSWORD: return "password_too_short";
    case PWQ_ERROR_MEM_ALLOC:
    case PWQ_ERROR_FATAL_FAILURE: return "password_check_unavailable";
    default: return "password_dictionary"; /* a rule we do not name: still a weak password */
    }
}

/* 1 if pw is a dictionary word with digits, symbols or spaces put around it
 * (Password123!, 2024Welcome): cracklib judges the whole string, and its
 * rules miss a word with a symbol at the end. The letters in the middle are
 * checked on their own; only cracklib's dictionary verdict counts for them. */
static int dictionary_core(const char *pw)
{
    size_t len = strlen(pw), b = 0, e = len;
    while (b < e && (isdigit((unsigned char)pw[b]) || ispunct((unsigned char)pw[b]) || pw[b] == ' '))
        b++;
    while (e > b && (isdigit((unsigned char)pw[e - 1]) || ispunct((unsigned char)pw[e - 1]) || pw[e - 1] == ' '))
        e--;
    if ((b == 0 && e == len) || e - b < PWCHECK_MIN_CORE || e - b >= PW_MAX_BYTES)
        return 0;
    char core[PW_MAX_BYTES];
    memcpy(core, pw + b, e - b);
    core[e - b] = '\0';
    void *aux = NULL;
    pthread_mutex_lock(&g_lock);
    int rc = pwquality_check(g_settings, core, NULL, NULL, &aux);
    int word = rc == PWQ_ERROR_CRACKLIB_CHECK && strcmp(cracklib_reason(aux), "password_dictionary") == 0;
    if (rc < 0) {
        char buf[PWQ_MAX_ERROR_MESSAGE_LEN];
        pwquality_strerror(buf, sizeof buf, rc, aux);
    }
    pthread_mutex_unlock(&g_lock);
    sodium_memzero(core, sizeof core);
    return word;
}

int password_acceptable(const pw_policy_t *policy, const char *pw, const char *username, const char **reason)
{
    if (password_check(policy, pw, reason) != 0)
        return -1;
    pthread_once(&g_once, settings_init);
    if (g_settings == NULL) {
        *reason = "password_check_unavailable";
        return -1;
    }
    if (username != NULL && strlen(username) < PWCHECK_MIN_USERNAME)
        username = NULL;
    void *aux = NULL;
    pthread_mutex_lock(&g_lock);
    int rc = pwquality_check(g_settings, pw, NULL, username, &aux);
    const char *why = NULL;
    if (rc < 0) {
        why = pwquality_reason(rc, rc == PWQ_ERROR_CRACKLIB_CHECK ? aux : NULL); /* cracklib's is a static string */
        char buf[PWQ_MAX_ERROR_MESSAGE_LEN];
        pwquality_strerror(buf, sizeof buf, rc, aux); /* frees aux where the library allocated it */
    }
    pthread_mutex_unlock(&g_lock);
    if (rc >= 0 && dictionary_core(pw)) {
        rc = -1;
        why = "password_dictionary";
    }
    if (rc < 0) {
        *reason = why;
        return -1;
    }
    *reason = NULL;
    return 0;
}

int pwcheck_ready(char *msg, size_t cap)
{
    const char *reason = NULL;
    /* A password every rule accepts: only a broken installation refuses it. */
    if (password_acceptable(&(pw_policy_t){1, 1}, "Kq7-Vexr-3Tzm", NULL, &reason) == 0)
        return 0;
    snprintf(msg, cap, "the password dictionary cannot be used (%s): install cracklib-runtime (its dictionary is"
                       " /var/cache/cracklib/cracklib_dict.*)", reason);
    return -1;
}
