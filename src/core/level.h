/* The levels of the organisation tree (city > district > street > community >
 * grid > building) and the kinds of node each level holds. */
#ifndef JICENG_CORE_LEVEL_H
#define JICENG_CORE_LEVEL_H

typedef enum org_level {
    LEVEL_NONE = 0,
    LEVEL_CITY,
    LEVEL_DISTRICT,
    LEVEL_STREET,
    LEVEL_COMMUNITY,
    LEVEL_GRID,
    LEVEL_BUILDING,
} org_level_t;

/* "city" -> LEVEL_CITY; LEVEL_NONE for NULL or an unknown name. */
org_level_t level_from_name(const char *name);

/* LEVEL_CITY -> "city"; NULL for LEVEL_NONE or out of range. */
const char *level_name(org_level_t level);

/* 1 if a node of level child may sit directly under a node of level parent. */
int level_child_allowed(org_level_t parent, org_level_t child);

/* 1 if kind is one of the kinds a node of this level may have
 * (a district may be a 区, 县 or 县级市; a street a 街道, 镇 or 乡; ...). */
int level_kind_allowed(org_level_t level, const char *kind);

/* The kind a new node of this level gets when none is given. */
const char *level_default_kind(org_level_t level);

#endif
