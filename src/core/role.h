/* Roles and the permissions they carry. A grant (role, org) gives the role's
 * permissions over the org's whole subtree. */
#ifndef JICENG_CORE_ROLE_H
#define JICENG_CORE_ROLE_H

#include <stdint.h>

#include "core/level.h"

enum {
    PERM_ORG_READ = 1u << 0,
    PERM_ORG_WRITE = 1u << 1,
    PERM_PARTY_READ = 1u << 2,
    PERM_PARTY_WRITE = 1u << 3,
    PERM_UNIT_READ = 1u << 4,
    PERM_UNIT_WRITE = 1u << 5,
    PERM_USER_READ = 1u << 6,
    PERM_USER_WRITE = 1u << 7,
    PERM_AUDIT_READ = 1u << 8,
    PERM_PII_REVEAL = 1u << 9,
    PERM_PEOPLE_READ = 1u << 10,
    PERM_PEOPLE_WRITE = 1u << 11,
    PERM_CASE_READ = 1u << 12,
    PERM_CASE_WRITE = 1u << 13,
    /* The figures of a subtree (dashboards, casework counts): staff only. */
    PERM_STATS_READ = 1u << 14,
    /* An unmasked export of more rows than the bulk limit (serve --export-bulk-rows). */
    PERM_PII_EXPORT_BULK = 1u << 15,
};
#define PERM_BITS 16
#define PERM_ALL ((uint32_t)((1u << PERM_BITS) - 1))

/* The permissions of a role; 0 for an unknown one. */
uint32_t role_perms(const char *role);

/* 1 if role is granted over a resident unit (unit_staff) rather than an org node. */
int role_on_unit(const char *role);

/* 1 if role is meant to be granted over a node of level (admin at the city,
 * grid workers at a community or grid, ...): what the console offers there.
 * Grants are not refused for it: a grant is a scope, and any scope is one. */
int role_fits_level(const char *role, org_level_t level);

/* 1 if role names a role. */
int role_valid(const char *role);

/* The i-th role name (0-based), NULL past the end. */
const char *role_name_at(int i);

/* "org.read" for PERM_ORG_READ; NULL unless perm is exactly one known bit. */
const char *perm_name(uint32_t perm);

/* The bit for "org.read"; 0 if unknown. */
uint32_t perm_from_name(const char *name);

/* 1 if someone holding perms over a node may grant role there: they must hold
 * PERM_USER_WRITE and every permission the role carries. */
int role_can_grant(uint32_t perms, const char *role);

#endif
