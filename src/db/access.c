#include "db/access.h"

#include <stdio.h>
#include <string.h>

#include "core/path.h"
#include "core/role.h"
#include "lib/util.h"

void access_system(principal_t *p, const char *name)
{
    memset(p, 0, sizeof *p);
    str_copy(p->username, sizeof p->username, name);
    p->ngrants = 1;
    str_copy(p->grants[0].role, sizeof p->grants[0].role, "admin");
    p->grants[0].perms = PERM_ALL;
    str_copy(p->grants[0].path, sizeof p->grants[0].path, "/");
    p->perms_any = PERM_ALL;
}

int access_load_grants(db_t *db, principal_t *p, int64_t user_id)
{
    p->user_id = user_id;
    p->ngrants = 0;
    p->perms_any = 0;
    p->person_id = 0;
    int prc = db_one_int(db, &p->person_id, "SELECT COALESCE(person_id, 0) FROM app_user WHERE id = ?", "i", user_id);
    if (prc != DB_OK && prc != DB_NOTFOUND)
        return prc;
    /* A unit grant follows its unit's current node, should the unit move. */
    db_stmt_t *st = db_q(db,
                         "SELECT g.id, g.role, COALESCE(u.org_id, g.org_id, 0), COALESCE(o.path, '/'),"
                         " COALESCE(g.unit_id, 0) FROM user_grant g LEFT JOIN unit u ON u.id = g.unit_id"
                         " LEFT JOIN org o ON o.id = COALESCE(u.org_id, g.org_id) WHERE g.user_id = ? ORDER BY g.id",
                         "i", user_id);
    if (st == NULL)
        return DB_ERR;
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        if (p->ngrants == ACCESS_MAX_GRANTS)
            continue;
        grant_t *g = &p->grants[p->ngrants++];
        g->id = db_col_int(st, 0);
        str_copy(g->role, sizeof g->role, db_col_text(st, 1));
        g->perms = role_perms(g->role);
        g->org_id = db_col_int(st, 2);
        str_copy(g->path, sizeof g->path, db_col_text(st, 3));
        g->unit_id = db_col_int(st, 4);
        p->perms_any |= g->perms;
    }
    db_done(st);
    return rc == DB_DONE ? DB_OK : rc;
}

static int grant_covers(const grant_t *g, const char *path)
{
    if (g->unit_id != 0)
        return 0; /* a unit's account: its unit's cases only (access_covers_unit) */
    if (strcmp(g->path, "/") == 0)
        return 1;
    return path_is_within(path, g->path);
}

int access_covers(const principal_t *p, uint32_t perm, const char *path)
{
    for (int i = 0; i < p->ngrants; i++)
        if ((p->grants[i].perms & perm) == perm && grant_covers(&p->grants[i], path))
            return 1;
    return 0;
}

int access_covers_unit(const principal_t *p, uint32_t perm, int64_t unit_id)
{
    for (int i = 0; unit_id > 0 && i < p->ngrants; i++)
        if (p->grants[i].unit_id == unit_id && (p->grants[i].perms & perm) == perm)
            return 1;
    return 0;
}

uint32_t access_perms_at(const principal_t *p, const char *path)
{
    uint32_t perms = 0;
    for (int i = 0; i < p->ngrants; i++)
        if (grant_covers(&p->grants[i], path))
            perms |= p->grants[i].perms;
    return perms;
}

int access_org(db_t *db, const principal_t *p, uint32_t perm, int64_t org_id, char *path_out, size_t cap)
{
    char path[ACCESS_PATH_MAX];
    if (org_id <= 0)
        return DB_NOTFOUND;
    int rc = db_one_text(db, path, sizeof path, "SELECT path FROM org WHERE id = ?", "i", org_id);
    if (rc != DB_OK)
        return rc;
    if (!access_covers(p, perm, path))
        return DB_NOTFOUND;
    if (path_out)
        str_copy(path_out, cap, path);
    return DB_OK;
}

int access_row(db_t *db, const principal_t *p, uint32_t perm, int64_t org_id)
{
    if (org_id == 0)
        return access_covers(p, perm, "/") && p->ngrants > 0 ? DB_OK : DB_NOTFOUND;
    return access_org(db, p, perm, org_id, NULL, 0);
}

int access_org_above(db_t *db, const principal_t *p, uint32_t perm, int64_t org_id)
{
    int64_t parent = 0;
    int rc = db_one_int(db, &parent, "SELECT COALESCE(parent_id, 0) FROM org WHERE id = ?", "i", org_id);
    if (rc != DB_OK)
        return rc;
    return access_row(db, p, perm, parent);
}

int access_list_range(db_t *db, const principal_t *p, uint32_t perm, int64_t org_id, char lo[ACCESS_PATH_MAX],
                      char hi[ACCESS_PATH_MAX])
{
    if (org_id > 0) {
        int rc = access_org(db, p, perm, org_id, lo, ACCESS_PATH_MAX);
        if (rc != DB_OK)
            return rc;
    } else {
        const grant_t *best = NULL;
        for (int i = 0; i < p->ngrants; i++) {
            const grant_t *g = &p->grants[i];
            if ((g->perms & perm) != perm || g->unit_id != 0)
                continue;
            if (best == NULL || strlen(g->path) < strlen(best->path))
                best = g;
        }
        if (best == NULL)
            return DB_NOTFOUND;
        str_copy(lo, ACCESS_PATH_MAX, best->path);
    }
    if (strcmp(lo, "/") == 0) {
        str_copy(hi, ACCESS_PATH_MAX, "0");
        return DB_OK;
    }
    return path_subtree_upper(hi, ACCESS_PATH_MAX, lo) == 0 ? DB_OK : DB_ERR;
}
