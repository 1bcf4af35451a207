/* The whole password policy: our own rules (core/password.h: length, classes,
 * no padding) and then libpwquality's, with its cracklib dictionary: dictionary
 * words and common passwords in their usual disguises (Password123,
 * P4ssword!), too few different characters (aaaaaaaaaA1), runs and sequences,
 * palindromes, and the user's own name. */
#ifndef JICENG_LIB_PWCHECK_H
#define JICENG_LIB_PWCHECK_H

#include <stddef.h>

#include "core/password.h"

/* libpwquality's limits on runs: more than this many equal characters in a
 * row (aaaaa), or a longer monotonic sequence (abcdef, 654321), is refused. */
#define PWCHECK_MAX_REPEAT 4
#define PWCHECK_MAX_SEQUENCE 5
/* A user name shorter than this is not looked for in the password (a name of
 * one or two letters would refuse half of all passwords). */
#define PWCHECK_MIN_USERNAME 4
/* A password's letters between digits and symbols (Password in Password123!)
 * are looked up in the dictionary on their own from this length. */
#define PWCHECK_MIN_CORE 6

/* 0 if pw passes every rule; else -1 and *reason is a stable code: those of
 * password_check, or password_dictionary (a dictionary word or a common
 * password), password_repetitive (too few different characters, runs,
 * sequences), password_palindrome, password_contains_username, and
 * password_check_unavailable (the dictionary cannot be read: a broken
 * installation; pwcheck_ready tells at startup). username may be NULL.
 * Thread-safe (cracklib is not: calls are serialised). Reads the dictionary
 * files: not for an event loop thread. */
int password_acceptable(const pw_policy_t *policy, const char *pw, const char *username, const char **reason);

/* What each refusal tells its owner is in the error catalogue (api/errors.def,
 * PASSWORD_*): password_refusal_text and password_refused_reply (api/internal.h). */

/* 0 if the dictionary can be read; else -1 with a message for the operator. */
int pwcheck_ready(char *msg, size_t cap);

#endif
