/* Administrative division codes (GB/T 2260 plus the statistics bureau's
 * town and village digits): 4 digits a city, 6 a district or county, 9 a
 * street or town, 12 a community or village. */
#ifndef JICENG_CORE_DIVISION_H
#define JICENG_CORE_DIVISION_H

#include <stddef.h>

#include "core/level.h"

/* 1 if code is 4, 6, 9 or 12 digits with a non-zero province prefix. */
int division_code_valid(const char *code);

/* The org level a code names; LEVEL_NONE if invalid. */
org_level_t division_code_level(const char *code);

/* out = the code one level up ("340104006006" -> "340104006"); 0, or -1 for
 * a city code, an invalid one or a small buffer. */
int division_code_parent(char *out, size_t cap, const char *code);

#endif
