#include "core/level.h"

#include <stddef.h>
#include <string.h>

static const char *const names[] = {NULL, "city", "district", "street", "community", "grid", "building"};

/* Kinds per level, the default first. */
static const char *const kinds[][4] = {
    [LEVEL_NONE] = {NULL},
    [LEVEL_CITY] = {"city", NULL},
    [LEVEL_DISTRICT] = {"district", "county", "county_city", NULL},
    [LEVEL_STREET] = {"street", "town", "township", NULL},
    [LEVEL_COMMUNITY] = {"community", "village", NULL},
    [LEVEL_GRID] = {"grid", NULL},
    [LEVEL_BUILDING] = {"building", NULL},
};

org_level_t level_from_name(const char *name)
{
    if (name == NULL)
        return LEVEL_NONE;
    for (int i = LEVEL_CITY; i <= LEVEL_BUILDING; i++)
        if (strcmp(name, names[i]) == 0)
            return (org_level_t)i;
    return LEVEL_NONE;
}

const char *level_name(org_level_t level)
{
    if (level <= LEVEL_NONE || level > LEVEL_BUILDING)
        return NULL;
    return names[level];
}

int level_child_allowed(org_level_t parent, org_level_t child)
{
    return parent >= LEVEL_CITY && parent < LEVEL_BUILDING && child == parent + 1;
}

int level_kind_allowed(org_level_t level, const char *kind)
{
    if (kind == NULL || level <= LEVEL_NONE || level > LEVEL_BUILDING)
        return 0;
    for (int i = 0; kinds[level][i]; i++)
        if (strcmp(kind, kinds[level][i]) == 0)
            return 1;
    return 0;
}

const char *level_default_kind(org_level_t level)
{
    if (level <= LEVEL_NONE || level > LEVEL_BUILDING)
        return NULL;
    return kinds[level][0];
}
