/* Kept yearly figures (yfig.h, docs/figures.md). */
#include "api/yfig.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/internal.h"
#include "api/tx.h"
#include "core/path.h"
#include "lib/util.h"

#define YFIG(name) extern const yfig_source_t name;
#include "api/yfig_sources.def"
#undef YFIG

#define YFIG(name) &name,
const yfig_source_t *const yfig_sources[] = {
#include "api/yfig_sources.def"
    NULL,
};
#undef YFIG

void yfig_put(yfig_vals_t *v, const char *figure, int64_t value)
{
    json_t *old = json_object_get(v->map, figure);
    json_object_set_new(v->map, figure, json_integer((old ? json_integer_value(old) : 0) + value));
}

int yfig_put_rows(yfig_vals_t *v, db_stmt_t *st)
{
    if (st == NULL)
        return DB_ERR;
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        const char *figure = db_col_text(st, 0);
        if (figure)
            yfig_put(v, figure, db_col_int(st, 1));
    }
    db_done(st);
    return rc == DB_DONE ? DB_OK : rc;
}

/* The own figures of (org, year) as the records give them now: a map
 * figure -> value, or NULL on error (a figure outside the prefix is one). */
static json_t *compute_own(db_t *db, const yfig_source_t *s, int64_t org, int year)
{
    yfig_vals_t v = {json_object(), NULL};
    if (s->own(db, org, year, &v) != DB_OK) {
        json_decref(v.map);
        return NULL;
    }
    const char *figure;
    json_t *val;
    size_t n = strlen(s->prefix);
    json_object_foreach(v.map, figure, val) {
        if (strncmp(figure, s->prefix, n) != 0) {
            fprintf(stderr, "jiceng: yearly figure %s is outside its source's prefix %s\n", figure, s->prefix);
            json_decref(v.map);
            return NULL;
        }
    }
    return v.map;
}

/* Add delta to figure's own at org (the last of ids, its path's nodes) and to
 * its total at org and every ancestor. */
static int apply(db_t *db, const int64_t *ids, int n, int year, const char *figure, int64_t delta)
{
    int rc = DB_OK;
    for (int i = 0; rc == DB_OK && i < n; i++)
        rc = db_exec(db, NULL,
                     "INSERT INTO year_figure (org_id, year, figure, own, total) VALUES (?, ?, ?, ?, ?)"
                     " ON CONFLICT (org_id, year, figure) DO UPDATE SET own = year_figure.own + excluded.own,"
                     " total = year_figure.total + excluded.total",
                     "iitii", ids[i], (int64_t)year, figure, i == n - 1 ? delta : 0, delta);
    return rc;
}

/* Compute (org, year) of s again and put the differences in. */
static int refresh(db_t *db, const yfig_source_t *s, int64_t org, int year)
{
    json_t *now = compute_own(db, s, org, year);
    if (now == NULL)
        return DB_ERR;
    json_t *kept = json_object();
    db_stmt_t *st = db_q(db,
                         "SELECT figure, own FROM year_figure WHERE org_id = ? AND year = ? AND substr(figure, 1, ?) = ?",
                         "iiit", org, (int64_t)year, (int64_t)strlen(s->prefix), s->prefix);
    int rc = st ? DB_OK : DB_ERR;
    while (st && (rc = db_step(st)) == DB_ROW)
        json_object_set_new(kept, db_col_text(st, 0), json_integer(db_col_int(st, 1)));
    if (st)
        db_done(st);
    if (rc == DB_DONE)
        rc = DB_OK;
    /* The node's path, read once: its nodes get the differences. */
    char path[ACCESS_PATH_MAX];
    int64_t ids[PATH_MAX_DEPTH];
    int n = 0;
    if (rc == DB_OK)
        rc = db_one_text(db, path, sizeof path, "SELECT path FROM org WHERE id = ?", "i", org);
    if (rc == DB_OK && ((n = path_ids(path, ids, PATH_MAX_DEPTH)) <= 0 || ids[n - 1] != org))
        rc = DB_ERR;
    const char *figure;
    json_t *val;
    json_object_foreach(now, figure, val) {
        json_t *k = json_object_get(kept, figure);
        int64_t d = json_integer_value(val) - (k ? json_integer_value(k) : 0);
        if (rc == DB_OK && d != 0)
            rc = apply(db, ids, n, year, figure, d);
    }
    json_object_foreach(kept, figure, val) {
        if (rc == DB_OK && json_object_get(now, figure) == NULL && json_integer_value(val) != 0)
            rc = apply(db, ids, n, year, figure, -json_integer_value(val));
    }
    json_decref(now);
    json_decref(kept);
    return rc;
}

/* ---------------------------------------------------------------- the touched pairs of a transaction */

static struct {
    int on;       /* inside a pipeline transaction */
    json_t *set;  /* "source index|org|year" -> true */
} touched;

static int source_index(const yfig_source_t *s)
{
    for (int i = 0; yfig_sources[i]; i++)
        if (yfig_sources[i] == s)
            return i;
    return -1;
}

int yfig_touch(db_t *db, const yfig_source_t *s, int64_t org, int year)
{
    int si = source_index(s);
    if (si < 0 || org <= 0)
        return DB_ERR;
    if (!touched.on)
        return refresh(db, s, org, year);
    if (touched.set == NULL)
        touched.set = json_object();
    char key[64];
    snprintf(key, sizeof key, "%d|%" PRId64 "|%d", si, org, year);
    json_object_set_new(touched.set, key, json_true());
    return DB_OK;
}

int yfig_touch_rows(db_t *db, const yfig_source_t *s, const char *select, int64_t id)
{
    db_val_t vals[8];
    int n = 0;
    for (const char *c = select; *c; c++)
        if (*c == '?' && n < 8)
            vals[n++] = (db_val_t){.type = 'i', .i = id};
    db_stmt_t *st = db_qv(db, select, vals, n);
    if (st == NULL)
        return DB_ERR;
    int rc, trc = DB_OK;
    while (trc == DB_OK && (rc = db_step(st)) == DB_ROW)
        trc = yfig_touch(db, s, db_col_int(st, 0), (int)db_col_int(st, 1));
    db_done(st);
    if (trc != DB_OK)
        return trc;
    return rc == DB_DONE || rc == DB_ROW ? DB_OK : rc;
}

int yfig_touch_subtree(db_t *db, const yfig_source_t *s, int64_t org, int year_from)
{
    char lo[ACCESS_PATH_MAX], hi[ACCESS_PATH_MAX];
    int rc = db_one_text(db, lo, sizeof lo, "SELECT path FROM org WHERE id = ?", "i", org);
    if (rc != DB_OK)
        return rc;
    if (path_subtree_upper(hi, sizeof hi, lo) != 0)
        return DB_ERR;
    json_t *keys = db_rows_json(db, s->keys_sql, "tti", lo, hi, (int64_t)year_from);
    if (keys == NULL)
        return DB_ERR;
    size_t i;
    json_t *k;
    json_array_foreach(keys, i, k) {
        if (rc == DB_OK)
            rc = yfig_touch(db, s, json_integer_value(json_object_get(k, "org_id")),
                            (int)json_integer_value(json_object_get(k, "year")));
    }
    json_decref(keys);
    return rc;
}

int yfig_norm_changed(db_t *db, const char *key, int64_t org, int year_from)
{
    int rc = DB_OK;
    for (int i = 0; rc == DB_OK && yfig_sources[i]; i++) {
        const char *const *n = yfig_sources[i]->norms;
        while (n && *n && strcmp(*n, key) != 0)
            n++;
        if (n && *n)
            rc = yfig_touch_subtree(db, yfig_sources[i], org, year_from);
    }
    return rc;
}

static void yfig_begin(db_t *db)
{
    (void)db;
    touched.on = 1;
    if (touched.set)
        json_object_clear(touched.set);
}

/* Recomputing a pair is idempotent, so a pair touched by a change that was
 * rolled back to its savepoint is simply computed again (to what it was). */
static int yfig_flush(db_t *db)
{
    touched.on = 0;
    int rc = DB_OK;
    const char *key;
    json_t *v;
    json_object_foreach(touched.set, key, v) {
        int si = 0, year = 0;
        int64_t org = 0;
        (void)v;
        if (rc == DB_OK && sscanf(key, "%d|%" SCNd64 "|%d", &si, &org, &year) == 3)
            rc = refresh(db, yfig_sources[si], org, year);
    }
    if (touched.set)
        json_object_clear(touched.set);
    return rc;
}

static void yfig_forget(void)
{
    touched.on = 0;
    if (touched.set)
        json_object_clear(touched.set);
}

static void yfig_release(void)
{
    json_decref(touched.set);
    touched.set = NULL;
    touched.on = 0;
}

const tx_hooks_t yfig_hooks = {
    .name = "yearly figures",
    .release = yfig_release,
    .begin = yfig_begin,
    .before_commit = yfig_flush,
    .forget = yfig_forget,
};

/* ---------------------------------------------------------------- reading */

int64_t yfig_total(db_t *db, int64_t org, int year, const char *figure)
{
    int64_t v = 0;
    db_one_int(db, &v, "SELECT total FROM year_figure WHERE org_id = ? AND year = ? AND figure = ?", "iit", org,
               (int64_t)year, figure);
    return v;
}

json_t *yfig_series(db_t *db, int64_t org, const char *prefix)
{
    return db_rows_json(db,
                        "SELECT year, figure, total FROM year_figure WHERE org_id = ? AND substr(figure, 1, ?) = ?"
                        " AND total <> 0 ORDER BY year, figure",
                        "iit", org, (int64_t)strlen(prefix), prefix);
}

/* ---------------------------------------------------------------- from scratch */

/* Every (node, year, figure) of a recount: its own and total, in an open
 * addressing table (a city has hundreds of thousands; a JSON object per key
 * cost more than the queries). Figures are interned: a slot holds an index. */
typedef struct {
    int64_t org;
    int32_t year;
    int32_t fig; /* -1: empty */
    int64_t own, total;
    int seen;
} slot_t;

struct yfig_acc {
    slot_t *slots;
    size_t cap, n;
    json_t *figs;   /* figure -> index */
    json_t *names;  /* index -> figure */
    const char *prefix; /* the source being computed: its figures start with it */
    int bad;            /* a figure outside the prefix was put */
};

static void acc_init(yfig_acc_t *a)
{
    memset(a, 0, sizeof *a);
    a->cap = 1 << 12;
    a->slots = xmalloc(a->cap * sizeof *a->slots);
    for (size_t i = 0; i < a->cap; i++)
        a->slots[i].fig = -1;
    a->figs = json_object();
    a->names = json_array();
}

static void acc_free(yfig_acc_t *a)
{
    free(a->slots);
    json_decref(a->figs);
    json_decref(a->names);
}

static size_t acc_hash(int64_t org, int year, int fig)
{
    uint64_t h = (uint64_t)org * 0x9E3779B97F4A7C15ull ^ (uint64_t)year * 0xC2B2AE3D27D4EB4Full ^
                 (uint64_t)fig * 0x165667B19E3779F9ull;
    return (size_t)(h ^ (h >> 29));
}

static slot_t *acc_slot(yfig_acc_t *a, int64_t org, int year, int fig);

static void acc_grow(yfig_acc_t *a)
{
    slot_t *old = a->slots;
    size_t n = a->cap;
    a->cap *= 2;
    a->n = 0;
    a->slots = xmalloc(a->cap * sizeof *a->slots);
    for (size_t i = 0; i < a->cap; i++)
        a->slots[i].fig = -1;
    for (size_t i = 0; i < n; i++)
        if (old[i].fig >= 0)
            *acc_slot(a, old[i].org, old[i].year, old[i].fig) = old[i];
    free(old);
}

/* The slot of (org, year, fig), made (zero) when new. */
static slot_t *acc_slot(yfig_acc_t *a, int64_t org, int year, int fig)
{
    if ((a->n + 1) * 4 > a->cap * 3)
        acc_grow(a);
    size_t mask = a->cap - 1;
    for (size_t i = acc_hash(org, year, fig) & mask;; i = (i + 1) & mask) {
        slot_t *s = &a->slots[i];
        if (s->fig < 0) {
            *s = (slot_t){.org = org, .year = year, .fig = fig};
            a->n++;
            return s;
        }
        if (s->org == org && s->year == year && s->fig == fig)
            return s;
    }
}

/* The slot of (org, year, figure) if there is one. */
static slot_t *acc_find(yfig_acc_t *a, int64_t org, int year, const char *figure)
{
    json_t *f = json_object_get(a->figs, figure);
    if (f == NULL)
        return NULL;
    int fig = (int)json_integer_value(f);
    size_t mask = a->cap - 1;
    for (size_t i = acc_hash(org, year, fig) & mask;; i = (i + 1) & mask) {
        slot_t *s = &a->slots[i];
        if (s->fig < 0)
            return NULL;
        if (s->org == org && s->year == year && s->fig == fig)
            return s;
    }
}

static int acc_fig(yfig_acc_t *a, const char *figure)
{
    json_t *f = json_object_get(a->figs, figure);
    if (f)
        return (int)json_integer_value(f);
    int i = (int)json_array_size(a->names);
    json_object_set_new(a->figs, figure, json_integer(i));
    json_array_append_new(a->names, json_string(figure));
    return i;
}

static void acc_own(yfig_acc_t *a, int64_t org, int year, const char *figure, int64_t value)
{
    if (strncmp(figure, a->prefix, strlen(a->prefix)) != 0) {
        if (!a->bad)
            fprintf(stderr, "jiceng: yearly figure %s is outside its source's prefix %s\n", figure, a->prefix);
        a->bad = 1;
        return;
    }
    if (value != 0)
        acc_slot(a, org, year, acc_fig(a, figure))->own += value;
}

void yfig_put_at(yfig_vals_t *v, int64_t org, int year, const char *figure, int64_t value)
{
    if (v->all)
        acc_own(v->all, org, year, figure, value);
    else
        yfig_put(v, figure, value);
}

/* The own figures of every source as the records give them (a source's all,
 * or its own pair by pair when it has none or by_pair asks), then each own
 * added to the total of its node and every ancestor. DB_OK or an error. */
static int compute_all(db_t *db, int by_pair, yfig_acc_t *a)
{
    acc_init(a);
    int rc = DB_OK;
    for (int si = 0; rc == DB_OK && yfig_sources[si]; si++) {
        const yfig_source_t *s = yfig_sources[si];
        a->prefix = s->prefix;
        if (s->all && !by_pair) {
            yfig_vals_t all = {NULL, a};
            rc = s->all(db, &all);
            continue;
        }
        json_t *keys = db_rows_json(db, s->keys_sql, "tti", "/", "0", (int64_t)0);
        if (keys == NULL) {
            rc = DB_ERR;
            break;
        }
        size_t i;
        json_t *k;
        json_array_foreach(keys, i, k) {
            int64_t org = json_integer_value(json_object_get(k, "org_id"));
            int year = (int)json_integer_value(json_object_get(k, "year"));
            json_t *vals = compute_own(db, s, org, year);
            if (vals == NULL) {
                rc = DB_ERR;
                break;
            }
            const char *figure;
            json_t *val;
            json_object_foreach(vals, figure, val)
                acc_own(a, org, year, figure, json_integer_value(val));
            json_decref(vals);
        }
        json_decref(keys);
    }
    if (rc == DB_OK && a->bad)
        rc = DB_ERR;
    /* The owns, apart (adding totals makes slots and may move them). */
    size_t n = 0;
    slot_t *owns = rc == DB_OK ? xmalloc((a->n + 1) * sizeof *owns) : NULL;
    for (size_t i = 0; owns && i < a->cap; i++)
        if (a->slots[i].fig >= 0 && a->slots[i].own != 0)
            owns[n++] = a->slots[i];
    json_t *paths = json_object();
    for (size_t i = 0; rc == DB_OK && i < n; i++) {
        char id[32], path[ACCESS_PATH_MAX];
        snprintf(id, sizeof id, "%" PRId64, owns[i].org);
        json_t *p = json_object_get(paths, id);
        if (p == NULL) {
            if ((rc = db_one_text(db, path, sizeof path, "SELECT path FROM org WHERE id = ?", "i", owns[i].org)) != DB_OK)
                break;
            json_object_set_new(paths, id, p = json_string(path));
        }
        int64_t ids[PATH_MAX_DEPTH];
        int depth = path_ids(json_string_value(p), ids, PATH_MAX_DEPTH);
        for (int d = 0; d < depth; d++)
            acc_slot(a, ids[d], owns[i].year, owns[i].fig)->total += owns[i].own;
    }
    json_decref(paths);
    free(owns);

    if (rc != DB_OK)
        acc_free(a);
    return rc;
}

/* The source the figure belongs to, or NULL. */
static const yfig_source_t *source_of(const char *figure)
{
    for (int i = 0; yfig_sources[i]; i++)
        if (strncmp(figure, yfig_sources[i]->prefix, strlen(yfig_sources[i]->prefix)) == 0)
            return yfig_sources[i];
    return NULL;
}

int64_t yfig_rebuild(db_t *db)
{
    yfig_acc_t a;
    if (compute_all(db, 0, &a) != DB_OK)
        return -1;
    int64_t n = 0;
    int rc = db_exec(db, NULL, "DELETE FROM year_figure", "");
    for (size_t i = 0; rc == DB_OK && i < a.cap; i++) {
        const slot_t *s = &a.slots[i];
        if (s->fig < 0)
            continue;
        rc = db_exec(db, NULL, "INSERT INTO year_figure (org_id, year, figure, own, total) VALUES (?, ?, ?, ?, ?)",
                     "iitii", s->org, (int64_t)s->year, json_string_value(json_array_get(a.names, (size_t)s->fig)),
                     s->own, s->total);
        n++;
    }
    acc_free(&a);
    return rc == DB_OK ? n : -1;
}

static void differs(json_t *diffs, int max, int64_t *count, const char *key, int64_t own_kept, int64_t own_want,
                    int64_t total_kept, int64_t total_want)
{
    if (own_kept == own_want && total_kept == total_want)
        return;
    if (diffs && (int64_t)json_array_size(diffs) < max)
        json_array_append_new(diffs, json_pack("{s:s, s:I, s:I, s:I, s:I}", "key", key, "own_kept", (json_int_t)own_kept,
                                               "own_computed", (json_int_t)own_want, "total_kept",
                                               (json_int_t)total_kept, "total_computed", (json_int_t)total_want));
    (*count)++;
}

int64_t yfig_verify(db_t *db, int by_pair, json_t **diffs_out, int max)
{
    yfig_acc_t a;
    if (compute_all(db, by_pair, &a) != DB_OK)
        return -1;
    json_t *diffs = diffs_out ? json_array() : NULL;
    int64_t count = 0;
    char key[256];
    db_stmt_t *st = db_q(db, "SELECT org_id, year, figure, own, total FROM year_figure", "");
    int rc = st ? DB_OK : DB_ERR;
    while (st && (rc = db_step(st)) == DB_ROW) {
        const char *figure = db_col_text(st, 2);
        if (figure == NULL || source_of(figure) == NULL)
            continue; /* no source keeps it: not this check's */
        slot_t *s = acc_find(&a, db_col_int(st, 0), (int)db_col_int(st, 1), figure);
        snprintf(key, sizeof key, "%" PRId64 "|%" PRId64 "|%s", db_col_int(st, 0), db_col_int(st, 1), figure);
        differs(diffs, max, &count, key, db_col_int(st, 3), s ? s->own : 0, db_col_int(st, 4), s ? s->total : 0);
        if (s)
            s->seen = 1;
    }
    if (st)
        db_done(st);
    for (size_t i = 0; i < a.cap; i++) {
        const slot_t *s = &a.slots[i];
        if (s->fig < 0 || s->seen)
            continue;
        snprintf(key, sizeof key, "%" PRId64 "|%d|%s", s->org, (int)s->year,
                 json_string_value(json_array_get(a.names, (size_t)s->fig)));
        differs(diffs, max, &count, key, 0, s->own, 0, s->total);
    }
    acc_free(&a);
    if (rc != DB_DONE) {
        json_decref(diffs);
        return -1;
    }
    if (diffs_out)
        *diffs_out = diffs;
    return count;
}
