#include "core/role.h"

#include <stddef.h>
#include <string.h>

#define READ_ALL                                                                                                      \
    (PERM_ORG_READ | PERM_PARTY_READ | PERM_UNIT_READ | PERM_USER_READ | PERM_PEOPLE_READ | PERM_CASE_READ |          \
     PERM_STATS_READ)

/* The levels of node a role is meant to be granted over (the console's menu). */
#define AT(l) (1u << (l))
#define AT_CITY AT(LEVEL_CITY)
#define AT_DISTRICT AT(LEVEL_DISTRICT)
#define AT_STREET AT(LEVEL_STREET)
#define AT_COMMUNITY AT(LEVEL_COMMUNITY)
#define AT_GRID AT(LEVEL_GRID)
#define AT_BUILDING AT(LEVEL_BUILDING)

static const struct {
    const char *name;
    uint32_t perms;
    int on_unit;     /* granted over a resident unit, not an org node */
    unsigned levels; /* AT(level) bits: the nodes it fits */
} roles[] = {
    {"admin", PERM_ALL, 0, AT_CITY},
    /* Organisation department, street and community staff: run their subtree. */
    {"org_staff", READ_ALL | PERM_ORG_WRITE | PERM_PARTY_WRITE | PERM_UNIT_WRITE | PERM_USER_WRITE |
                      PERM_PEOPLE_WRITE | PERM_CASE_WRITE | PERM_PII_REVEAL, 0,
     AT_CITY | AT_DISTRICT | AT_STREET | AT_COMMUNITY},
    /* Grid workers: know their residents and work their cases. */
    {"grid_worker", PERM_ORG_READ | PERM_PARTY_READ | PERM_UNIT_READ | PERM_PEOPLE_READ | PERM_PEOPLE_WRITE |
                        PERM_CASE_READ | PERM_CASE_WRITE | PERM_PII_REVEAL | PERM_STATS_READ, 0,
     AT_COMMUNITY | AT_GRID},
    /* Party members, residents and delegates are not staff: no figures (stats.read),
     * no residents' records; what concerns them only. */
    {"party_member", PERM_ORG_READ | PERM_PARTY_READ | PERM_UNIT_READ | PERM_CASE_READ, 0,
     AT_STREET | AT_COMMUNITY | AT_GRID},
    {"resident", PERM_ORG_READ, 0, AT_STREET | AT_COMMUNITY | AT_GRID | AT_BUILDING},
    /* 述职评议's delegates sit at the level that holds the session. */
    {"delegate", PERM_ORG_READ | PERM_PARTY_READ, 0, AT_CITY | AT_DISTRICT | AT_STREET},
    /* Read-only oversight, the audit log included; never personal data in clear. */
    {"auditor", READ_ALL | PERM_AUDIT_READ, 0, AT_CITY | AT_DISTRICT | AT_STREET | AT_COMMUNITY},
    /* A resident unit's own staff (驻区单位): the cases dispatched to their unit, to
     * claim (报到) and handle; their grant names the unit and covers no node. */
    {"unit_staff", PERM_ORG_READ | PERM_CASE_READ | PERM_CASE_WRITE, 1, 0},
};

static const char *const perm_names[PERM_BITS] = {
    "org.read",   "org.write",  "party.read",  "party.write",  "unit.read", "unit.write", "user.read",
    "user.write", "audit.read", "pii.reveal",  "people.read",  "people.write", "case.read", "case.write", "stats.read", "pii.export_bulk",
};

uint32_t role_perms(const char *role)
{
    if (role == NULL)
        return 0;
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
        if (strcmp(role, roles[i].name) == 0)
            return roles[i].perms;
    return 0;
}

int role_on_unit(const char *role)
{
    for (size_t i = 0; role && i < sizeof roles / sizeof roles[0]; i++)
        if (strcmp(role, roles[i].name) == 0)
            return roles[i].on_unit;
    return 0;
}

int role_fits_level(const char *role, org_level_t level)
{
    for (size_t i = 0; role && i < sizeof roles / sizeof roles[0]; i++)
        if (strcmp(role, roles[i].name) == 0)
            return level > LEVEL_NONE && level <= LEVEL_BUILDING && (roles[i].levels & AT(level)) != 0;
    return 0;
}

int role_valid(const char *role)
{
    return role_perms(role) != 0;
}

const char *role_name_at(int i)
{
    if (i < 0 || (size_t)i >= sizeof roles / sizeof roles[0])
        return NULL;
    return roles[i].name;
}

const char *perm_name(uint32_t perm)
{
    for (int b = 0; b < PERM_BITS; b++)
        if (perm == (1u << b))
            return perm_names[b];
    return NULL;
}

uint32_t perm_from_name(const char *name)
{
    if (name == NULL)
        return 0;
    for (int b = 0; b < PERM_BITS; b++)
        if (strcmp(name, perm_names[b]) == 0)
            return 1u << b;
    return 0;
}

int role_can_grant(uint32_t perms, const char *role)
{
    uint32_t r = role_perms(role);
    return r != 0 && (perms & PERM_USER_WRITE) && (r & ~perms) == 0;
}
