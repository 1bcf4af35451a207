/* Materialised paths of the organisation tree: "/1/5/23/" names node 23 under
 * 5 under 1. A subtree is a byte range of paths: [path, path_subtree_upper). */
#ifndef JICENG_CORE_PATH_H
#define JICENG_CORE_PATH_H

#include <stddef.h>
#include <stdint.h>

#define PATH_MAX_DEPTH 16

/* out = parent + "id/" (parent NULL or "" makes a root "/id/").
 * 0, or -1 if out is too small, id is not positive or parent is malformed. */
int path_child(char *out, size_t cap, const char *parent, int64_t id);

/* 1 if path is "/" or "/n/.../" with positive decimal ids, no leading zeros. */
int path_valid(const char *path);

/* The number of ids in path: "/" is 0, "/1/5/" is 2. -1 if malformed. */
int path_depth(const char *path);

/* 1 if path is ancestor or lies under it ("/" is above everything). */
int path_is_within(const char *path, const char *ancestor);

/* The exclusive upper bound of path's subtree: its final '/' becomes '0'
 * ("/1/5/" -> "/1/50", "/" -> "0"). 0 or -1. */
int path_subtree_upper(char *out, size_t cap, const char *path);

/* Move: path lies under old_prefix; out = new_prefix + the rest. 0 or -1. */
int path_rebase(char *out, size_t cap, const char *path, const char *old_prefix, const char *new_prefix);

/* Fill ids with the ids of path, root first; the count, or -1 if malformed or
 * more than cap. */
int path_ids(const char *path, int64_t *ids, int cap);

/* The last id of path (the node itself), 0 for "/" or malformed. */
int64_t path_last_id(const char *path);

#endif
