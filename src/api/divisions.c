/* Loading the real administrative divisions (a CSV made from a public data set). */
#include "api/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/division.h"
#include "core/level.h"
#include "core/path.h"
#include "core/utf8.h"
#include "lib/util.h"

/* Split one CSV line into at most max fields in place (double quotes allowed). */
static int csv_split(char *line, char **fields, int max)
{
    int n = 0;
    char *p = line;
    while (n < max) {
        char *out = p;
        fields[n++] = p;
        if (*p == '"') {
            char *r = p + 1;
            for (;;) {
                if (*r == '\0')
                    return -1;
                if (*r == '"' && r[1] == '"') {
                    *out++ = '"';
                    r += 2;
                } else if (*r == '"') {
                    r++;
                    break;
                } else {
                    *out++ = *r++;
                }
            }
            if (*r != ',' && *r != '\0')
                return -1;
            char next = *r;
            *out = '\0';
            if (next == '\0')
                return n;
            p = r + 1;
            continue;
        }
        char *comma = strchr(p, ',');
        if (comma == NULL)
            return n;
        *comma = '\0';
        p = comma + 1;
    }
    return *p ? -1 : n;
}

int divisions_import(db_t *db, const write_ctx_t *w, const char *csv_path, const char *city, int64_t counts[6],
                     int64_t *added, char *msg, size_t cap)
{
    FILE *f = fopen(csv_path, "r");
    if (f == NULL) {
        snprintf(msg, cap, "cannot open %s", csv_path);
        return -1;
    }
    memset(counts, 0, 6 * sizeof counts[0]);
    *added = 0;
    char line[1024];
    int lineno = 0, rc = DB_OK;
    size_t city_len = strlen(city);
    if (w->progress) { /* the rows to go through, for the CLI's bar */
        int64_t lines = 0;
        while (fgets(line, sizeof line, f))
            lines++;
        rewind(f);
        w->progress->stage(w->progress->arg, "divisions", lines > 0 ? lines - 1 : 0);
    }
    while (fgets(line, sizeof line, f)) {
        if (w->progress && lineno > 0)
            w->progress->step(w->progress->arg, lineno - 1);
        lineno++;
        size_t len = strlen(line);
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (lineno == 1 || len == 0)
            continue; /* header */
        char *fl[5];
        if (!utf8_valid(line, len) || csv_split(line, fl, 5) != 5) {
            snprintf(msg, cap, "%s:%d: expected 5 fields: code,name,level,kind,parent_code", csv_path, lineno);
            rc = -1;
            break;
        }
        const char *code = fl[0], *name = fl[1], *level = fl[2], *kind = fl[3], *parent_code = fl[4];
        if (strncmp(code, city, city_len) != 0)
            continue;
        org_level_t lv = level_from_name(level);
        if (!division_code_valid(code) || division_code_level(code) != lv || !level_kind_allowed(lv, kind) ||
            !text_field_valid(name, 1, 64)) {
            snprintf(msg, cap, "%s:%d: bad row for code %s", csv_path, lineno, code);
            rc = -1;
            break;
        }
        counts[lv == LEVEL_COMMUNITY && strcmp(kind, "village") == 0 ? 4 : lv - 1]++;
        int64_t existing = 0;
        rc = db_one_int(db, &existing, "SELECT id FROM org WHERE code = ?", "t", code);
        if (rc == DB_OK)
            continue; /* already there: re-running changes nothing */
        if (rc != DB_NOTFOUND)
            break;
        int64_t parent = 0, id = 0, depth = 1;
        char ppath[ACCESS_PATH_MAX] = "", path[ACCESS_PATH_MAX];
        if (parent_code[0]) {
            rc = db_one_int(db, &parent, "SELECT id FROM org WHERE code = ?", "t", parent_code);
            if (rc == DB_OK)
                rc = db_one_text(db, ppath, sizeof ppath, "SELECT path FROM org WHERE id = ?", "i", parent);
            if (rc != DB_OK) {
                snprintf(msg, cap, "%s:%d: parent %s of %s is not known (rows must come after their parents)",
                         csv_path, lineno, parent_code, code);
                rc = -1;
                break;
            }
            depth = path_depth(ppath) + 1;
        }
        rc = db_one_int(db, &id,
                        "INSERT INTO org (parent_id, level, kind, code, name, path, depth, created_at, updated_at)"
                        " VALUES (?, ?, ?, ?, ?, '/pending/', ?, ?, ?) RETURNING id",
                        "IttttIii", parent, level, kind, code, name, depth, w->now, w->now);
        if (rc == DB_OK && path_child(path, sizeof path, parent ? ppath : NULL, id) != 0)
            rc = DB_ERR;
        if (rc == DB_OK)
            rc = db_exec(db, NULL, "UPDATE org SET path = ? WHERE id = ?", "ti", path, id);
        if (rc == DB_OK)
            rc = rollup_org_node(db, id, +1);
        if (rc != DB_OK)
            break;
        (*added)++;
    }
    fclose(f);
    if (w->progress && rc == DB_OK)
        w->progress->step(w->progress->arg, lineno > 0 ? lineno - 1 : 0);
    if (rc == DB_OK && counts[0] == 0) {
        snprintf(msg, cap, "%s has no row for city %s", csv_path, city);
        rc = -1;
    }
    if (rc == DB_OK && *added > 0) {
        json_t *sum = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I}", "city", city, "added", (json_int_t)*added,
                                "districts", (json_int_t)counts[1], "streets", (json_int_t)counts[2], "communities",
                                (json_int_t)counts[3], "villages", (json_int_t)counts[4]);
        int64_t city_id = 0;
        db_one_int(db, &city_id, "SELECT id FROM org WHERE code = ?", "t", city);
        rc = audit_append(db, w, "divisions.imported", "org", city_id, city_id, sum);
        json_decref(sum);
    }
    if (rc != DB_OK && rc != -1)
        snprintf(msg, cap, "database error: %s", db_errmsg(db));
    return rc == DB_OK ? 0 : -1;
}
