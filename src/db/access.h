/* access.h: who may see and change what. The one place where a row's org is
 * checked against the caller's grants. Every handler goes through it; an id
 * outside the caller's scope answers DB_NOTFOUND exactly like a missing one. */
#ifndef JICENG_DB_ACCESS_H
#define JICENG_DB_ACCESS_H

#include <stdint.h>

#include "db/db.h"

#define ACCESS_MAX_GRANTS 32
#define ACCESS_PATH_MAX 160

typedef struct {
    int64_t id;
    char role[24];
    uint32_t perms;
    int64_t org_id;              /* 0: everything; for a unit grant, the unit's node */
    char path[ACCESS_PATH_MAX];  /* "/" for everything */
    int64_t unit_id;             /* a unit grant (unit_staff): it covers that unit's cases, no node */
} grant_t;

typedef struct {
    int64_t user_id;             /* 0: the system (CLI) */
    char username[64];
    int64_t person_id;           /* the resident the account is (app_user.person_id), 0: none */
    int64_t session_id;
    int via_bearer;
    int ngrants;
    grant_t grants[ACCESS_MAX_GRANTS];
    uint32_t perms_any;          /* union of all grants' permissions */
} principal_t;

/* A principal with every permission over everything: the CLI, which already
 * holds the database file. */
void access_system(principal_t *p, const char *name);

/* Load user_id's grants (with their orgs' current paths) and the person it is into p. */
int access_load_grants(db_t *db, principal_t *p, int64_t user_id);

/* 1 if some grant of p with permission perm covers the node at path. */
int access_covers(const principal_t *p, uint32_t perm, const char *path);

/* 1 if a unit grant of p over unit_id carries perm. Unit grants cover no node:
 * access_covers, access_perms_at and access_list_range never count them. */
int access_covers_unit(const principal_t *p, uint32_t perm, int64_t unit_id);

/* The union of p's permissions over the node at path (grants at it or above). */
uint32_t access_perms_at(const principal_t *p, const char *path);

/* Look up org id's path and check perm over it. DB_OK with path_out filled
 * (cap bytes), DB_NOTFOUND if missing or out of scope, or an error. */
int access_org(db_t *db, const principal_t *p, uint32_t perm, int64_t org_id, char *path_out, size_t cap);

/* Check perm over a row whose org id is known (org_id 0: system-wide rows,
 * covered only by global grants). */
int access_row(db_t *db, const principal_t *p, uint32_t perm, int64_t org_id);

/* Check perm over the node above org id: its parent, or for the root a global
 * grant. What defines a node among its siblings (its code, name, kind, parent,
 * outline, its existence) is the level above's to change. DB_OK, DB_NOTFOUND
 * (org id missing, or the caller holds perm only at or below it), or an error. */
int access_org_above(db_t *db, const principal_t *p, uint32_t perm, int64_t org_id);

/* The subtree range [lo, hi) to filter a list by, for perm:
 * - org_id > 0: that node's subtree (DB_NOTFOUND if out of scope);
 * - org_id == 0: the first grant root with perm ("/" for a global grant).
 * Rows match when lo <= path < hi (byte order). */
int access_list_range(db_t *db, const principal_t *p, uint32_t perm, int64_t org_id, char lo[ACCESS_PATH_MAX],
                      char hi[ACCESS_PATH_MAX]);

#endif
