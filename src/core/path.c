#include "core/path.h"

#include <stdio.h>
#include <string.h>

/* Parse path into ids (if ids != NULL, at most cap); the count or -1. */
static int parse(const char *path, int64_t *ids, int cap)
{
    if (path == NULL || path[0] != '/')
        return -1;
    int n = 0;
    const char *p = path + 1;
    while (*p) {
        if (*p < '1' || *p > '9')
            return -1;
        int64_t v = 0;
        int digits = 0;
        while (*p >= '0' && *p <= '9') {
            if (++digits > 18)
                return -1;
            v = v * 10 + (*p - '0');
            p++;
        }
        if (*p != '/')
            return -1;
        p++;
        if (ids) {
            if (n >= cap)
                return -1;
            ids[n] = v;
        }
        n++;
    }
    return n;
}

int path_valid(const char *path)
{
    return parse(path, NULL, 0) >= 0;
}

int path_depth(const char *path)
{
    return parse(path, NULL, 0);
}

int path_child(char *out, size_t cap, const char *parent, int64_t id)
{
    if (id <= 0)
        return -1;
    if (parent == NULL || parent[0] == '\0')
        parent = "/";
    if (!path_valid(parent))
        return -1;
    int n = snprintf(out, cap, "%s%lld/", parent, (long long)id);
    return n < 0 || (size_t)n >= cap ? -1 : 0;
}

int path_is_within(const char *path, const char *ancestor)
{
    if (path == NULL || ancestor == NULL)
        return 0;
    size_t n = strlen(ancestor);
    return n > 0 && ancestor[n - 1] == '/' && strncmp(path, ancestor, n) == 0;
}

int path_subtree_upper(char *out, size_t cap, const char *path)
{
    size_t n = path ? strlen(path) : 0;
    if (n == 0 || path[n - 1] != '/' || n + 1 > cap)
        return -1;
    memcpy(out, path, n - 1);
    out[n - 1] = '0';
    out[n] = '\0';
    return 0;
}

int path_rebase(char *out, size_t cap, const char *path, const char *old_prefix, const char *new_prefix)
{
    if (!path_is_within(path, old_prefix) || !path_valid(new_prefix))
        return -1;
    int n = snprintf(out, cap, "%s%s", new_prefix, path + strlen(old_prefix));
    return n < 0 || (size_t)n >= cap ? -1 : 0;
}

int path_ids(const char *path, int64_t *ids, int cap)
{
    return parse(path, ids, cap);
}

int64_t path_last_id(const char *path)
{
    int64_t ids[PATH_MAX_DEPTH];
    int n = parse(path, ids, PATH_MAX_DEPTH);
    return n > 0 ? ids[n - 1] : 0;
}
