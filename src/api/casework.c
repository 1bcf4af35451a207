/* Casework indicators (一线为民): 结案率, 按期结案率, 按期处置率, 返工率, 满意率 and the
 * time spent in each state, over the cases of a subtree due to close in a
 * period, and their trend. They are kept as the cases change: case_day holds,
 * per org node and per Shanghai day, the counts of the node's whole subtree
 * (schema/005_casework_days.sql); every case write moves its part of them at
 * its node and the ancestors in the same transaction. A period reads one row
 * per day; only the days a period's ends or a bucket's boundary cut in two are
 * read from the cases themselves. */
#include "api/handlers.h"
#include "api/op.h"
#include "api/internal.h"
#include "api/tx.h"

#include <assert.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/path.h"
#include "core/role.h"
#include "core/timefmt.h"
#include "lib/util.h"

#define SHANGHAI_OFFSET (8 * 3600)
#define DAY_SECONDS 86400
#define TREND_MAX_BUCKETS 120

/* The states a case spends time in (those it can leave), as case_day names
 * them; their seconds and counts follow the counts in a row. */
#define CW_STAGES 7
static const char *const stage_names[CW_STAGES] = {"reported", "accepted", "dispatched", "handling",
                                                   "handled",  "verified", "closed"};

enum {
    CW_DUE,
    CW_CLOSED,
    CW_CLOSED_ON_TIME,
    CW_HANDLED_ON_TIME,
    CW_HANDLED,
    CW_REWORKED,
    CW_RATED,
    CW_SATISFIED,
    CW_REPORTED,
    CW_CLOSED_IN,
    CW_SPANS, /* then the seconds and the count of each stage */
    CW_COLS = CW_SPANS + 2 * CW_STAGES
};

/* The columns of case_day after org_id and day, in the order above. */
#define CW_COLUMNS                                                                                                     \
    "due, closed, closed_on_time, handled_on_time, handled, reworked, rated, satisfied, reported, closed_in,"         \
    " secs_reported, n_reported, secs_accepted, n_accepted, secs_dispatched, n_dispatched, secs_handling,"            \
    " n_handling, secs_handled, n_handled, secs_verified, n_verified, secs_closed, n_closed"

typedef struct {
    int64_t v[CW_COLS];
} cw_counts_t;

_Static_assert(CW_COLS == CASEWORK_COLS, "case_day's columns");

/* The Shanghai day of a time (days since 1970-01-01; times are after 1970, and
 * the migration's SQL divides the same way), and the time that day starts. */
static int64_t day_of(int64_t t)
{
    return (t + SHANGHAI_OFFSET) / DAY_SECONDS;
}

static int64_t day_start(int64_t day)
{
    return day * DAY_SECONDS - SHANGHAI_OFFSET;
}

static int stage_index(const char *state)
{
    for (int i = 0; state && i < CW_STAGES; i++)
        if (strcmp(stage_names[i], state) == 0)
            return i;
    return -1;
}

/* ---- keeping the figures ---- */

/* The counts of day in d (a new zero row if it has none yet). */
static int64_t *delta_day(casework_delta_t *d, int64_t day)
{
    for (int i = 0; i < d->n; i++)
        if (d->days[i].day == day)
            return d->days[i].v;
    assert(d->n < (int)(sizeof d->days / sizeof d->days[0]));
    memset(&d->days[d->n], 0, sizeof d->days[0]);
    d->days[d->n].day = day;
    return d->days[d->n++].v;
}

int casework_case_part(db_t *db, int64_t id, int sign, casework_delta_t *d)
{
    db_stmt_t *st = db_q(db,
                         "SELECT org_id, state, close_due_at, created_at, closed_at, handled_at, returns, rating"
                         " FROM casefile WHERE id = ?",
                         "i", id);
    if (st == NULL || db_step(st) != DB_ROW) {
        db_done(st);
        return DB_ERR;
    }
    d->org = db_col_int(st, 0);
    const char *state = db_col_text(st, 1), *rating = db_col_text(st, 7);
    int counted = strcmp(state, "rejected") != 0 && !db_col_is_null(st, 2);
    int closed = strcmp(state, "closed") == 0 || strcmp(state, "rated") == 0;
    int64_t due = db_col_int(st, 2), closed_at = db_col_int(st, 4), handled_at = db_col_int(st, 5);
    int has_closed = !db_col_is_null(st, 4), handled = !db_col_is_null(st, 5);
    delta_day(d, day_of(db_col_int(st, 3)))[CW_REPORTED] += sign;
    if (has_closed)
        delta_day(d, day_of(closed_at))[CW_CLOSED_IN] += sign;
    if (counted) {
        int64_t *v = delta_day(d, day_of(due));
        v[CW_DUE] += sign;
        v[CW_CLOSED] += sign * closed;
        v[CW_CLOSED_ON_TIME] += sign * (closed && has_closed && closed_at <= due);
        v[CW_HANDLED_ON_TIME] += sign * (handled && handled_at <= due);
        v[CW_HANDLED] += sign * handled;
        v[CW_REWORKED] += sign * (db_col_int(st, 6) > 0);
        v[CW_RATED] += sign * (rating != NULL);
        v[CW_SATISFIED] += sign * (rating && (strcmp(rating, "满意") == 0 || strcmp(rating, "基本满意") == 0));
    }
    db_done(st);
    if (!counted)
        return DB_OK;
    /* The time in each state: from one change of state in the log to the next. */
    int64_t *v = delta_day(d, day_of(due)), prev = 0;
    int have_prev = 0, rc;
    st = db_q(db,
              "SELECT from_state, at FROM case_event WHERE case_id = ?"
              " AND (from_state IS NULL OR from_state <> to_state) ORDER BY id",
              "i", id);
    if (st == NULL)
        return DB_ERR;
    while ((rc = db_step(st)) == DB_ROW) {
        int s = stage_index(db_col_text(st, 0));
        int64_t at = db_col_int(st, 1);
        if (s >= 0 && have_prev) {
            v[CW_SPANS + 2 * s] += sign * (at - prev);
            v[CW_SPANS + 2 * s + 1] += sign;
        }
        prev = at;
        have_prev = 1;
    }
    db_done(st);
    return rc == DB_DONE ? DB_OK : DB_ERR;
}

/* Add sign times k (CW_COLS counts) to the row (org, day). */
static int add_row(db_t *db, int64_t org, int64_t day, const int64_t *k, int sign)
{
    int64_t v[CW_COLS];
    for (int i = 0; i < CW_COLS; i++)
        v[i] = sign * k[i];
    return db_exec(db, NULL,
                   "INSERT INTO case_day (org_id, day, " CW_COLUMNS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                   " ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (org_id, day) DO UPDATE SET"
                   " due = case_day.due + excluded.due, closed = case_day.closed + excluded.closed,"
                   " closed_on_time = case_day.closed_on_time + excluded.closed_on_time,"
                   " handled_on_time = case_day.handled_on_time + excluded.handled_on_time,"
                   " handled = case_day.handled + excluded.handled, reworked = case_day.reworked + excluded.reworked,"
                   " rated = case_day.rated + excluded.rated, satisfied = case_day.satisfied + excluded.satisfied,"
                   " reported = case_day.reported + excluded.reported,"
                   " closed_in = case_day.closed_in + excluded.closed_in,"
                   " secs_reported = case_day.secs_reported + excluded.secs_reported,"
                   " n_reported = case_day.n_reported + excluded.n_reported,"
                   " secs_accepted = case_day.secs_accepted + excluded.secs_accepted,"
                   " n_accepted = case_day.n_accepted + excluded.n_accepted,"
                   " secs_dispatched = case_day.secs_dispatched + excluded.secs_dispatched,"
                   " n_dispatched = case_day.n_dispatched + excluded.n_dispatched,"
                   " secs_handling = case_day.secs_handling + excluded.secs_handling,"
                   " n_handling = case_day.n_handling + excluded.n_handling,"
                   " secs_handled = case_day.secs_handled + excluded.secs_handled,"
                   " n_handled = case_day.n_handled + excluded.n_handled,"
                   " secs_verified = case_day.secs_verified + excluded.secs_verified,"
                   " n_verified = case_day.n_verified + excluded.n_verified,"
                   " secs_closed = case_day.secs_closed + excluded.secs_closed,"
                   " n_closed = case_day.n_closed + excluded.n_closed",
                   "iiiiiiiiiiiiiiiiiiiiiiiiii", org, day, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9],
                   v[10], v[11], v[12], v[13], v[14], v[15], v[16], v[17], v[18], v[19], v[20], v[21], v[22], v[23]);
}

static int counts_zero(const int64_t *k)
{
    for (int i = 0; i < CW_COLS; i++)
        if (k[i])
            return 0;
    return 1;
}

/* ---- batching in the writer ----
 * The writer runs many requests in one transaction. Their changes to case_day
 * gather here, per (org node, day), instead of one upsert per row each: a
 * request's own rows join the group's when its savepoint is released and are
 * dropped when it is rolled back; the group's are written, one upsert per row,
 * just before the commit. Anything that reads case_day in a write counts these
 * too (casework_move). Outside a batch (the CLI, the periodic work) every
 * change is written at once.
 * A set that reaches spill_rows() rows is written out there and then and
 * emptied, so that a change of a whole year of cases (the demo city's, an
 * import's) holds a bounded set, not one row per node and day of the year: the
 * request's set inside its savepoint (rolled back with it), the group's
 * between requests, outside every savepoint. The sums stay the same, as
 * case_day's rows and the sets are added together wherever they are read. */

typedef struct {
    int64_t org, day;
    cw_counts_t k;
} cw_row_t;

typedef struct {
    cw_row_t *rows;
    int n, cap;
    int *slot; /* open addressing over rows, 2 * cap entries, -1 free */
} cw_set_t;

static _Thread_local struct {
    int on;
    int spill_failed; /* a spill of the group's rows failed: the commit is refused */
    cw_set_t request, group;
    cw_set_t settled; /* the group's rows the running request wrote out (casework_batch_settle) */
} batch;

#define BATCH_KEEP_ROWS 4096
#define BATCH_SPILL_ROWS (1 << 16) /* 13 MiB of rows */

/* BATCH_SPILL_ROWS, or JICENG_CASEWORK_BATCH_ROWS (16 to 16,777,216) when set:
 * read once (docs/operations.md). */
static int spill_rows(void)
{
    static atomic_int rows;
    int v = atomic_load(&rows);
    if (v == 0) {
        const char *env = getenv("JICENG_CASEWORK_BATCH_ROWS");
        char *end = NULL;
        long n = env ? strtol(env, &end, 10) : 0;
        v = env && *env && *end == '\0' && n >= 16 && n <= (1L << 24) ? (int)n : BATCH_SPILL_ROWS;
        if (env && v == BATCH_SPILL_ROWS && n != BATCH_SPILL_ROWS)
            fprintf(stderr, "jiceng: JICENG_CASEWORK_BATCH_ROWS must be from 16 to 16777216: using %d\n", v);
        atomic_store(&rows, v);
    }
    return v;
}

static size_t set_hash(const cw_set_t *s, int64_t org, int64_t day)
{
    uint64_t h = (uint64_t)org * 0x9E3779B97F4A7C15ull ^ (uint64_t)day * 0xC2B2AE3D27D4EB4Full;
    return (size_t)(h >> 17) & (size_t)(2 * s->cap - 1);
}

static void set_index(cw_set_t *s)
{
    for (int i = 0; i < 2 * s->cap; i++)
        s->slot[i] = -1;
    for (int r = 0; r < s->n; r++) {
        size_t h = set_hash(s, s->rows[r].org, s->rows[r].day);
        while (s->slot[h] >= 0)
            h = (h + 1) & (size_t)(2 * s->cap - 1);
        s->slot[h] = r;
    }
}

/* Add sign times k to the row (org, day) of s. */
static void set_add(cw_set_t *s, int64_t org, int64_t day, const int64_t *k, int sign)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 64;
        s->rows = xrealloc(s->rows, (size_t)s->cap * sizeof *s->rows);
        s->slot = xrealloc(s->slot, (size_t)s->cap * 2 * sizeof *s->slot);
        set_index(s);
    }
    size_t h = set_hash(s, org, day);
    while (s->slot[h] >= 0 && (s->rows[s->slot[h]].org != org || s->rows[s->slot[h]].day != day))
        h = (h + 1) & (size_t)(2 * s->cap - 1);
    if (s->slot[h] < 0) {
        s->slot[h] = s->n;
        memset(&s->rows[s->n], 0, sizeof s->rows[0]);
        s->rows[s->n].org = org;
        s->rows[s->n].day = day;
        s->n++;
    }
    int64_t *v = s->rows[s->slot[h]].k.v;
    for (int i = 0; i < CW_COLS; i++)
        v[i] += sign * k[i];
}

/* Empty s, freeing only its rows' slots: a set cleared after every request
 * may hold a table that a large group grew (the sets are swapped). */
static void set_clear(cw_set_t *s)
{
    for (int r = 0; r < s->n; r++) {
        size_t h = set_hash(s, s->rows[r].org, s->rows[r].day);
        while (s->slot[h] != r)
            h = (h + 1) & (size_t)(2 * s->cap - 1);
        s->slot[h] = -1;
    }
    s->n = 0;
}

static void set_free(cw_set_t *s)
{
    free(s->rows);
    free(s->slot);
    memset(s, 0, sizeof *s);
}

/* Write s's rows to case_day (an upsert each) and empty it. */
static int set_spill(db_t *db, cw_set_t *s)
{
    int rc = DB_OK;
    for (int r = 0; rc == DB_OK && r < s->n; r++)
        if (!counts_zero(s->rows[r].k.v))
            rc = add_row(db, s->rows[r].org, s->rows[r].day, s->rows[r].k.v, 1);
    set_clear(s);
    return rc;
}

/* Add sign times k to the row (org, day): in the request's set in a batch, else in case_day. */
static int put_row(db_t *db, int64_t org, int64_t day, const int64_t *k, int sign)
{
    if (!batch.on)
        return add_row(db, org, day, k, sign);
    set_add(&batch.request, org, day, k, sign);
    return batch.request.n >= spill_rows() ? set_spill(db, &batch.request) : DB_OK;
}

/* The batch's memory, kept from group to group, given back (when the thread ends). */
static void casework_batch_free(void)
{
    set_free(&batch.request);
    set_free(&batch.group);
    set_free(&batch.settled);
}

/* The batch of casework figure changes (case_day) of a transaction: begun with
 * it, each change's rows added to the transaction's when the change is kept,
 * written just before the commit (one upsert per node and day; it ends the
 * batch), dropped when the transaction does not last. Outside a batch every
 * change is written at once. */
static void casework_batch_begin(db_t *db)
{
    (void)db;
    batch.on = 1;
    batch.spill_failed = 0;
    set_clear(&batch.request);
    set_clear(&batch.group);
    set_clear(&batch.settled);
}

/* A failed spill here makes the group's commit fail (casework_batch_flush). */
static void casework_batch_request_end(db_t *db, int kept)
{
    /* The group's rows the request wrote out are in case_day if it is kept, and
     * back in the group if it was rolled back (their upserts with it). */
    for (int r = 0; !kept && r < batch.settled.n; r++)
        set_add(&batch.group, batch.settled.rows[r].org, batch.settled.rows[r].day, batch.settled.rows[r].k.v, 1);
    set_clear(&batch.settled);
    if (kept && batch.group.n == 0) { /* the group's first: its rows become the group's */
        cw_set_t t = batch.group;
        batch.group = batch.request;
        batch.request = t;
    }
    for (int r = 0; kept && r < batch.request.n; r++)
        set_add(&batch.group, batch.request.rows[r].org, batch.request.rows[r].day, batch.request.rows[r].k.v, 1);
    set_clear(&batch.request);
    if (batch.group.n >= spill_rows() && set_spill(db, &batch.group) != DB_OK)
        batch.spill_failed = 1;
}

static int casework_batch_flush(db_t *db)
{
    int rc = batch.spill_failed ? DB_ERR : DB_OK;
    batch.on = 0;
    batch.spill_failed = 0;
    for (int r = 0; rc == DB_OK && r < batch.group.n; r++)
        if (!counts_zero(batch.group.rows[r].k.v))
            rc = add_row(db, batch.group.rows[r].org, batch.group.rows[r].day, batch.group.rows[r].k.v, 1);
    /* Kept for the next group (allocating it again cost a few per cent of the
     * writer's time), unless a large import made it large. */
    if (batch.group.cap > BATCH_KEEP_ROWS)
        casework_batch_free();
    return rc;
}

static void casework_batch_discard(void)
{
    batch.on = 0;
    set_clear(&batch.request);
    set_clear(&batch.group);
    set_clear(&batch.settled);
}

int casework_batch_settle(db_t *db)
{
    if (!batch.on)
        return DB_OK;
    int rc = set_spill(db, &batch.request);
    for (int r = 0; rc == DB_OK && r < batch.group.n; r++)
        if (!counts_zero(batch.group.rows[r].k.v)) {
            rc = add_row(db, batch.group.rows[r].org, batch.group.rows[r].day, batch.group.rows[r].k.v, 1);
            set_add(&batch.settled, batch.group.rows[r].org, batch.group.rows[r].day, batch.group.rows[r].k.v, 1);
        }
    set_clear(&batch.group);
    return rc;
}

const tx_hooks_t casework_batch_hooks = {
    .name = "casework figure batch",
    .release = casework_batch_free,
    .begin = casework_batch_begin,
    .before_commit = casework_batch_flush,
    .forget = casework_batch_discard,
    .request_end = casework_batch_request_end,
};

int casework_delta_apply(db_t *db, const casework_delta_t *d)
{
    char path[ACCESS_PATH_MAX];
    int64_t ids[PATH_MAX_DEPTH];
    int rc = DB_OK, depth = -1;
    for (int i = 0; rc == DB_OK && i < d->n; i++) {
        if (counts_zero(d->days[i].v))
            continue;
        if (depth < 0) {
            rc = org_brief(db, d->org, path, sizeof path, NULL, 0);
            depth = rc == DB_OK ? path_ids(path, ids, PATH_MAX_DEPTH) : -1;
            if (rc == DB_OK && depth < 0)
                rc = DB_ERR;
        }
        for (int a = 0; rc == DB_OK && a < depth; a++)
            rc = put_row(db, ids[a], d->days[i].day, d->days[i].v, 1);
    }
    return rc;
}

int casework_case_added(db_t *db, int64_t org, int64_t created_at, int64_t close_due_at)
{
    /* Reported, not rejected, due: counted; one event, so no time in any state yet. */
    casework_delta_t d = {0};
    d.org = org;
    delta_day(&d, day_of(created_at))[CW_REPORTED] += 1;
    delta_day(&d, day_of(close_due_at))[CW_DUE] += 1;
    return casework_delta_apply(db, &d);
}

int casework_move(db_t *db, int64_t node, const char *old_parent_path, const char *new_parent_path)
{
    int64_t olds[PATH_MAX_DEPTH], news[PATH_MAX_DEPTH];
    int no = path_ids(old_parent_path, olds, PATH_MAX_DEPTH), nn = path_ids(new_parent_path, news, PATH_MAX_DEPTH);
    if (no < 0 || nn < 0)
        return DB_ERR;
    /* The node's days: its rows, with what this batch holds for it yet to write,
     * read whole before writing any (the writes may touch the same statement cache). */
    db_stmt_t *st = db_q(db, "SELECT day, " CW_COLUMNS " FROM case_day WHERE org_id = ? ORDER BY day", "i", node);
    if (st == NULL)
        return DB_ERR;
    cw_set_t days = {0};
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        int64_t k[CW_COLS];
        for (int i = 0; i < CW_COLS; i++)
            k[i] = db_col_int(st, i + 1);
        set_add(&days, node, db_col_int(st, 0), k, 1);
    }
    db_done(st);
    rc = rc == DB_DONE ? DB_OK : DB_ERR;
    const cw_set_t *held[2] = {&batch.group, &batch.request};
    for (int h = 0; batch.on && h < 2; h++)
        for (int r = 0; r < held[h]->n; r++)
            if (held[h]->rows[r].org == node)
                set_add(&days, node, held[h]->rows[r].day, held[h]->rows[r].k.v, 1);
    for (int r = 0; rc == DB_OK && r < days.n; r++) {
        for (int a = 0; rc == DB_OK && a < no; a++)
            rc = put_row(db, olds[a], days.rows[r].day, days.rows[r].k.v, -1);
        for (int a = 0; rc == DB_OK && a < nn; a++)
            rc = put_row(db, news[a], days.rows[r].day, days.rows[r].k.v, 1);
    }
    set_free(&days);
    return rc;
}

/* ---- reading them ---- */

/* The cases of the subtree [lo, hi) due to close in [from, to), rejected ones
 * left out; their counts, 8 columns in the order of the enum. casefile leads
 * (CROSS JOIN keeps SQLite on the time indexes). */
#define CASEWORK_COUNTS                                                                                                \
    "SELECT COUNT(*), SUM(CASE WHEN c.state IN ('closed', 'rated') THEN 1 ELSE 0 END),"                               \
    " SUM(CASE WHEN c.state IN ('closed', 'rated') AND c.closed_at <= c.close_due_at THEN 1 ELSE 0 END),"             \
    " SUM(CASE WHEN c.handled_at IS NOT NULL AND c.handled_at <= c.close_due_at THEN 1 ELSE 0 END),"                  \
    " SUM(CASE WHEN c.handled_at IS NOT NULL THEN 1 ELSE 0 END), SUM(CASE WHEN c.returns > 0 THEN 1 ELSE 0 END),"     \
    " SUM(CASE WHEN c.rating IS NOT NULL THEN 1 ELSE 0 END),"                                                          \
    " SUM(CASE WHEN c.rating IN ('满意', '基本满意') THEN 1 ELSE 0 END)"
#define CASEWORK_DUE                                                                                                   \
    " FROM casefile c CROSS JOIN org o WHERE o.id = c.org_id AND o.path >= ? AND o.path < ?"                          \
    " AND c.state <> 'rejected' AND c.close_due_at >= ? AND c.close_due_at < ?"

/* Add the counts of the cases in [from, to) (within one bucket) to k, read
 * from the cases: the due ones, their time in each state, those reported and
 * those closed. */
static int exact_counts(db_t *db, const char *lo, const char *hi, int64_t from, int64_t to, cw_counts_t *k)
{
    db_stmt_t *st = db_q(db, CASEWORK_COUNTS CASEWORK_DUE, "ttii", lo, hi, from, to);
    if (st == NULL || db_step(st) != DB_ROW) {
        db_done(st);
        return DB_ERR;
    }
    for (int i = 0; i < 8; i++)
        k->v[i] += db_col_int(st, i);
    db_done(st);
    int64_t n = 0;
    int rc = db_one_int(db, &n,
                        "SELECT COUNT(*) FROM casefile c CROSS JOIN org o WHERE o.id = c.org_id AND o.path >= ?"
                        " AND o.path < ? AND c.created_at >= ? AND c.created_at < ?",
                        "ttii", lo, hi, from, to);
    k->v[CW_REPORTED] += n;
    if (rc == DB_OK)
        rc = db_one_int(db, &n,
                        "SELECT COUNT(*) FROM casefile c CROSS JOIN org o WHERE o.id = c.org_id AND o.path >= ?"
                        " AND o.path < ? AND c.closed_at IS NOT NULL AND c.closed_at >= ? AND c.closed_at < ?",
                        "ttii", lo, hi, from, to);
    k->v[CW_CLOSED_IN] += n;
    if (rc != DB_OK)
        return rc;
    st = db_q(db,
              "SELECT from_state, SUM(at - prev_at), COUNT(*) FROM (SELECT e.from_state, e.at,"
              " LAG(e.at) OVER (PARTITION BY e.case_id ORDER BY e.id) AS prev_at"
              " FROM casefile c CROSS JOIN org o CROSS JOIN case_event e WHERE o.id = c.org_id AND e.case_id = c.id"
              " AND o.path >= ? AND o.path < ? AND c.state <> 'rejected' AND c.close_due_at >= ? AND c.close_due_at < ?"
              " AND (e.from_state IS NULL OR e.from_state <> e.to_state)) t"
              " WHERE from_state IS NOT NULL AND prev_at IS NOT NULL GROUP BY from_state",
              "ttii", lo, hi, from, to);
    if (st == NULL)
        return DB_ERR;
    while ((rc = db_step(st)) == DB_ROW) {
        int s = stage_index(db_col_text(st, 0));
        if (s >= 0) {
            k->v[CW_SPANS + 2 * s] += db_col_int(st, 1);
            k->v[CW_SPANS + 2 * s + 1] += db_col_int(st, 2);
        }
    }
    db_done(st);
    return rc == DB_DONE ? DB_OK : DB_ERR;
}

/* The bucket holding t, from the bucket *b on (buckets [starts[i], starts[i+1]), i < n). */
static int bucket_of(const int64_t *starts, int n, int b, int64_t t)
{
    while (b > 0 && t < starts[b])
        b--;
    while (b < n - 1 && t >= starts[b + 1])
        b++;
    return b;
}

/* The counts of node (its subtree is [lo, hi)) in each bucket [starts[i],
 * starts[i+1]), i < n, into out[0..n). Whole Shanghai days inside one bucket
 * come from case_day; a day a boundary cuts (the period's ends included) is
 * read from the cases, piece by piece. A day without a row holds nothing. */
static int casework_buckets(db_t *db, int64_t node, const char *lo, const char *hi, const int64_t *starts, int n,
                            cw_counts_t *out)
{
    int64_t from = starts[0], to = starts[n];
    int64_t cut[TREND_MAX_BUCKETS + 2];
    int ncut = 0, b = 0, rc;
    memset(out, 0, (size_t)n * sizeof *out);
    db_stmt_t *st = db_q(db, "SELECT day, " CW_COLUMNS " FROM case_day WHERE org_id = ? AND day >= ? AND day <= ?"
                             " ORDER BY day",
                         "iii", node, day_of(from), day_of(to - 1));
    if (st == NULL)
        return DB_ERR;
    while ((rc = db_step(st)) == DB_ROW) {
        int64_t day = db_col_int(st, 0), ds = day_start(day);
        b = bucket_of(starts, n, b, ds < from ? from : ds);
        if (ds < from || ds + DAY_SECONDS > starts[b + 1]) {
            if (ncut < (int)(sizeof cut / sizeof cut[0]))
                cut[ncut++] = day;
            continue;
        }
        for (int i = 0; i < CW_COLS; i++)
            out[b].v[i] += db_col_int(st, i + 1);
    }
    db_done(st);
    if (rc != DB_DONE)
        return DB_ERR;
    /* Each cut day in pieces that each lie in one bucket. */
    rc = DB_OK;
    for (int c = 0; rc == DB_OK && c < ncut; c++) {
        int64_t a = day_start(cut[c]), end = a + DAY_SECONDS;
        if (a < from)
            a = from;
        if (end > to)
            end = to;
        while (rc == DB_OK && a < end) {
            b = bucket_of(starts, n, b, a);
            int64_t piece = starts[b + 1] < end ? starts[b + 1] : end;
            rc = exact_counts(db, lo, hi, a, piece, &out[b]);
            a = piece;
        }
    }
    return rc;
}

/* The counts and the rates they give, as the indicators answer them. */
static json_t *casework_figures(const cw_counts_t *k)
{
    const int64_t *v = k->v;
#define RATE(n, d) ((d) > 0 ? json_real((double)(n) / (double)(d)) : json_null())
    return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:o, s:o, s:o}", "due", (json_int_t)v[CW_DUE],
                     "closed", (json_int_t)v[CW_CLOSED], "closed_on_time", (json_int_t)v[CW_CLOSED_ON_TIME], "handled",
                     (json_int_t)v[CW_HANDLED], "reworked", (json_int_t)v[CW_REWORKED], "rated",
                     (json_int_t)v[CW_RATED], "satisfied", (json_int_t)v[CW_SATISFIED], "closure_rate",
                     RATE(v[CW_CLOSED], v[CW_DUE]), "on_time_closure_rate", RATE(v[CW_CLOSED_ON_TIME], v[CW_DUE]),
                     "on_time_handling_rate", RATE(v[CW_HANDLED_ON_TIME], v[CW_DUE]), "rework_rate",
                     RATE(v[CW_REWORKED], v[CW_HANDLED]), "satisfaction_rate", RATE(v[CW_SATISFIED], v[CW_RATED]));
#undef RATE
}

/* The subtree of the node req->params[0] as a path range, and the period of
 * the from and to query parameters. 0, or -1 with the error answered. */
static int casework_scope(api_req_t *req, api_reply_t *rep, char lo[ACCESS_PATH_MAX], char hi[ACCESS_PATH_MAX],
                          int64_t *from, int64_t *to)
{
    int rc = access_org(req->db, req->who, PERM_STATS_READ, req->params[0], lo, ACCESS_PATH_MAX);
    if (rc != DB_OK)
        return api_db_error(rep, req->lang, rc, "org");
    path_subtree_upper(hi, ACCESS_PATH_MAX, lo);
    const char *names[2] = {"from", "to"};
    int64_t *vals[2] = {from, to};
    for (int i = 0; i < 2; i++) {
        char *v = api_query(req, names[i]);
        if (v == NULL || time_parse_rfc3339(v, vals[i]) != 0) {
            free(v);
            return api_fail(rep, req->lang, E_PERIOD_TIME_INVALID, names[i]);
        }
        free(v);
    }
    if (*to <= *from)
        return api_fail(rep, req->lang, E_PERIOD_REVERSED, "to");
    return 0;
}

/* The indicators of one node over [from, to): NULL on error. */
static json_t *casework_of(db_t *db, int64_t node, const char *lo, const char *hi, int64_t from, int64_t to)
{
    int64_t period[2] = {from, to};
    cw_counts_t k;
    if (casework_buckets(db, node, lo, hi, period, 1, &k) != DB_OK)
        return NULL;
    json_t *out = casework_figures(&k);
    /* Open cases past their stage's deadline: each node of the subtree, then its
     * overdue ones in the partial index of open cases (casefile_open_deadline). */
    int64_t overdue = 0;
    if (db_one_int(db, &overdue,
                   "SELECT COUNT(*) FROM org o CROSS JOIN casefile c WHERE o.path >= ? AND o.path < ?"
                   " AND c.org_id = o.id AND c.stage_deadline < ?"
                   " AND c.state <> 'rejected' AND c.state <> 'closed' AND c.state <> 'rated'",
                   "tti", lo, hi, clock_now()) != DB_OK) {
        json_decref(out);
        return NULL;
    }
    json_object_set_new(out, "overdue_now", json_integer(overdue));
    /* The average whole seconds spent in each state, states in name order. */
    static const int by_name[CW_STAGES] = {1, 6, 2, 4, 3, 0, 5};
    json_t *stages = json_object();
    for (int i = 0; i < CW_STAGES; i++) {
        int s = by_name[i];
        int64_t secs = k.v[CW_SPANS + 2 * s], count = k.v[CW_SPANS + 2 * s + 1];
        if (count > 0)
            json_object_set_new(stages, stage_names[s], json_integer((json_int_t)((double)secs / (double)count)));
    }
    json_object_set_new(out, "avg_seconds_in_state", stages);
    return out;
}

int org_casework(api_req_t *req, api_reply_t *rep)
{
    char lo[ACCESS_PATH_MAX], hi[ACCESS_PATH_MAX];
    int64_t from = 0, to = 0, children = 0;
    if (casework_scope(req, rep, lo, hi, &from, &to) != 0)
        return 0;
    if (api_query_int(req, "children", 0, 0, 1, &children) != 0)
        return api_fail(rep, req->lang, E_CHILDREN_INVALID, "children");
    json_t *out = casework_of(req->db, req->params[0], lo, hi, from, to);
    json_t *kids = children ? db_rows_json(req->db, "SELECT id, name, path AS _path FROM org WHERE parent_id = ?"
                                                    " ORDER BY id LIMIT 500",
                                           "i", req->params[0])
                            : NULL;
    if (out == NULL || (children && kids == NULL)) {
        json_decref(out);
        json_decref(kids);
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    }
    /* Each child's figures beside the node's: one request for the dashboard's comparison. */
    size_t i;
    json_t *c;
    json_array_foreach(kids, i, c) {
        char clo[ACCESS_PATH_MAX], chi[ACCESS_PATH_MAX];
        str_copy(clo, sizeof clo, json_string_value(json_object_get(c, "_path")));
        path_subtree_upper(chi, sizeof chi, clo);
        json_object_del(c, "_path");
        json_t *f = casework_of(req->db, json_integer_value(json_object_get(c, "id")), clo, chi, from, to);
        if (f == NULL) {
            json_decref(out);
            json_decref(kids);
            return api_db_error(rep, req->lang, DB_ERR, NULL);
        }
        json_object_update(c, f);
        json_decref(f);
    }
    if (kids)
        json_object_set_new(out, "children", kids);
    return api_json(rep, 200, out);
}

/* The start of bucket i after from: i weeks, or i calendar months in
 * Asia/Shanghai (the same day and time, the day clipped to the month's end). */
static int64_t trend_bucket_start(int64_t from, int month, int64_t i)
{
    if (!month)
        return from + i * 7 * DAY_SECONDS;
    time_t local = (time_t)(from + SHANGHAI_OFFSET);
    struct tm tm;
    gmtime_r(&local, &tm);
    int64_t months = ((int64_t)tm.tm_year + 1900) * 12 + tm.tm_mon + i;
    int64_t y = months / 12;
    int m = (int)(months % 12) + 1, d = tm.tm_mday;
    static const int days_in[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int last = days_in[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
    if (d > last)
        d = last;
    int64_t secs = (int64_t)tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
    return time_days_from_civil(y, m, d) * DAY_SECONDS + secs - SHANGHAI_OFFSET;
}

int org_casework_trend(api_req_t *req, api_reply_t *rep)
{
    char lo[ACCESS_PATH_MAX], hi[ACCESS_PATH_MAX];
    int64_t from = 0, to = 0;
    if (casework_scope(req, rep, lo, hi, &from, &to) != 0)
        return 0;
    char *b = api_query(req, "bucket");
    int month = b == NULL || strcmp(b, "month") == 0;
    int known = month || strcmp(b, "week") == 0;
    free(b);
    if (!known)
        return api_fail(rep, req->lang, E_BUCKET_INVALID, "bucket");
    if (trend_bucket_start(from, month, TREND_MAX_BUCKETS) < to)
        return api_fail(rep, req->lang, E_PERIOD_TOO_LONG, "to");
    int64_t starts[TREND_MAX_BUCKETS + 1];
    int n = 0;
    while (n < TREND_MAX_BUCKETS && (starts[n] = trend_bucket_start(from, month, n)) < to)
        n++;
    starts[n] = to;
    cw_counts_t buckets[TREND_MAX_BUCKETS];
    if (casework_buckets(req->db, req->params[0], lo, hi, starts, n, buckets) != DB_OK)
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    json_t *list = json_array();
    for (int i = 0; i < n; i++) {
        char s1[TIME_RFC3339_LEN], s2[TIME_RFC3339_LEN];
        time_format_rfc3339(s1, starts[i]);
        time_format_rfc3339(s2, starts[i + 1]);
        json_t *one = json_pack("{s:s, s:s}", "from", s1, "to", s2);
        json_t *figures = casework_figures(&buckets[i]);
        json_object_update(one, figures);
        json_decref(figures);
        json_object_set_new(one, "reported", json_integer(buckets[i].v[CW_REPORTED]));
        json_object_set_new(one, "closed_in_bucket", json_integer(buckets[i].v[CW_CLOSED_IN]));
        json_array_append_new(list, one);
    }
    return api_json(rep, 200, json_pack("{s:s, s:o}", "bucket", month ? "month" : "week", "buckets", list));
}

static const char *const trend_buckets[] = {"week", "month", NULL};
static const field_t orgs_casework_query[] = {
    {"from", F_TEXT, 1, 0, 0, NULL, 0},
    {"to", F_TEXT, 1, 0, 0, NULL, 0},
    {"children", F_BOOL, 0, 0, 0, NULL, 0},
    FIELDS_END,
};
static const field_t orgs_casework_trend_query[] = {
    {"from", F_TEXT, 1, 0, 0, NULL, 0},
    {"to", F_TEXT, 1, 0, 0, NULL, 0},
    {"bucket", F_ENUM, 0, 0, 0, trend_buckets, 0},
    FIELDS_END,
};

const op_t casework_ops[] = {
    {OP(HTTP_GET, "/api/v1/orgs/{id}/casework", "orgs.casework", PERM(PERM_STATS_READ), 0, org_casework), .query = orgs_casework_query},
    {OP(HTTP_GET, "/api/v1/orgs/{id}/casework/trend", "orgs.casework.trend", PERM(PERM_STATS_READ), 0, org_casework_trend), .query = orgs_casework_trend_query},
    OPS_END,
};
