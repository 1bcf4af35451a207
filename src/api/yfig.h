/* Kept yearly figures (year_figure, docs/figures.md): the figures a family
 * computes from its yearly records (pay, venues, funds, village accounts,
 * ...), per org node and year, kept for the node (own) and its subtree
 * (total) so that a city's page reads a handful of rows.
 *
 * A family declares a source: how the own figures of one node and year are
 * computed from its records, which (node, year) pairs have records, and which
 * norms the computation reads. Its writes call yfig_touch for every (node,
 * year) they change (before and after the change; any number of times): just
 * before the transaction commits, each touched pair is computed again and the
 * difference added up the node's path. A norm's change touches every pair of
 * the sources that read it, in the issuer's subtree, from the norm's year on.
 * Nothing is ever added by hand: `jiceng figures verify` recomputes every
 * kept figure and must agree, and `jiceng figures rebuild` recomputes them. */
#ifndef JICENG_API_YFIG_H
#define JICENG_API_YFIG_H

#include <jansson.h>
#include <stdint.h>

#include "db/db.h"

typedef struct yfig_acc yfig_acc_t;

/* Where a source puts the figures it computes: one node and year's map
 * (figure -> value; own), or, for a source's all, every pair's recount. */
typedef struct yfig_vals {
    json_t *map;
    yfig_acc_t *all;
} yfig_vals_t;

/* Add value to figure of the pair being computed (values of one figure add up). */
void yfig_put(yfig_vals_t *v, const char *figure, int64_t value);

/* Add value to figure of (org, year): what a walk over records that serves both
 * own (where org and year are the pair's) and all calls. */
void yfig_put_at(yfig_vals_t *v, int64_t org, int year, const char *figure, int64_t value);

/* Add every row (figure TEXT, value INTEGER) of st, then db_done(st).
 * DB_OK or the error (st NULL: DB_ERR). */
int yfig_put_rows(yfig_vals_t *v, db_stmt_t *st);

typedef struct yfig_source {
    /* "pay.": every figure the source keeps starts with it (unique). */
    const char *prefix;
    /* The own figures of node org in year, from the records: put them in out.
     * DB_OK or an error. */
    int (*own)(db_t *db, int64_t org, int year, yfig_vals_t *out);
    /* Rows (org_id, year) of every node and year that has records, with three
     * parameters: the subtree's path bounds (lo inclusive, hi exclusive, as
     * path_subtree_upper gives) and the first year, e.g.
     * "SELECT v.org_id, v.year FROM venue v JOIN org o ON o.id = v.org_id"
     * " WHERE o.path >= ? AND o.path < ? AND v.year >= ? GROUP BY v.org_id, v.year".
     * A figure that depends on an earlier year's records (entered or left a
     * band since last year) lists the later year too. */
    const char *keys_sql;
    /* The norm keys own() reads (NULL-terminated), or NULL. */
    const char *const *norms;
    /* Optional: the own figures of every node and year at once (one pass over
     * the records, yfig_put_at), for a recount; without it a recount calls
     * own for every pair keys_sql gives. It must agree with own pair by pair:
     * `jiceng figures verify --by-pair` recounts through own and compares
     * with what all made. DB_OK or an error. */
    int (*all)(db_t *db, yfig_vals_t *out);
} yfig_source_t;

/* Every source, from yfig_sources.def. */
extern const yfig_source_t *const yfig_sources[];

/* Compute (node, year) of source s again before the transaction commits (at
 * once outside the write pipeline's transactions). DB_OK or an error. */
int yfig_touch(db_t *db, const yfig_source_t *s, int64_t org, int year);
/* Touch every row (org_id, year) that select gives, each of its parameters
 * bound to id ("SELECT org_id, year FROM venue WHERE id = ?"; a row's year and
 * the next: a UNION naming id twice). None when the record is gone. DB_OK or
 * an error. */
int yfig_touch_rows(db_t *db, const yfig_source_t *s, const char *select, int64_t id);
/* Touch every (node, year) of s with records in org's subtree from year_from on. */
int yfig_touch_subtree(db_t *db, const yfig_source_t *s, int64_t org, int year_from);
/* A norm key issued at org changed from year_from on: touch what reads it. */
int yfig_norm_changed(db_t *db, const char *key, int64_t org, int year_from);

/* The kept total of figure at node org in year (0 when none). */
int64_t yfig_total(db_t *db, int64_t org, int year, const char *figure);
/* [{"year":, "figure":, "total":}, ...] of node org for every figure starting
 * with prefix ("" for all), by year and figure. NULL on error. */
json_t *yfig_series(db_t *db, int64_t org, const char *prefix);

/* Recompute every kept figure of every source from the records: rebuild
 * writes them (the demo, after its bulk load); verify only compares (by_pair:
 * through every source's own, pair by pair, not its all) and puts
 * up to max differences, described, in *diffs (may be NULL). The count of
 * differing (node, year, figure) rows, or -1 on error. */
int64_t yfig_rebuild(db_t *db);
int64_t yfig_verify(db_t *db, int by_pair, json_t **diffs, int max);

extern const struct tx_hooks yfig_hooks;

#endif
