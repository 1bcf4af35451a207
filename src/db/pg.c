/* The PostgreSQL backend of db.h (see backend.h), on libpq.
 *
 * SQL arrives in the common dialect with '?' placeholders: each text is turned
 * into $1..$n once and prepared once per connection (a cache keyed by the text).
 * Parameters travel as text (bytes as binary) with their types left for the
 * server to infer from the statement; results come back as text and are typed by
 * the column's type (PQftype), so db_row_json answers exactly as on SQLite.
 *
 * The single-writer guarantee SQLite gives with BEGIN IMMEDIATE comes from a
 * transaction-scoped advisory lock taken by db_begin (docs/decisions.md).
 *
 * A lost connection (the server killed it, stopped, or stopped answering within
 * the timeout of db_set_timeout_ms) is closed and made again on a later call,
 * at once the first time, then after a backoff; every call failing meanwhile
 * answers DB_UNAVAILABLE and counts in db_unreachable. A write transaction's
 * loss is never papered over: its statements fail until its ROLLBACK (or a
 * COMMIT, which fails), so nothing of it runs on the new connection outside a
 * transaction. A call that lost an idle connection is tried once more on a new
 * one when that is harmless: a BEGIN, or anything on a read-only connection
 * (docs/reliability.md). */
#include <errno.h>
#include <libpq-fe.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "db/backend.h"
#include "lib/util.h"

#define STMT_CACHE 2048 /* every SQL text of the program, with room: issue 17 added families (was 512, full on the openapi walk) */
#define MAX_PARAMS 128

/* The advisory lock every write transaction holds: one writer at a time per database. */
#define WRITE_LOCK_KEY "74657"

/* Type oids from pg_type.h (stable across versions). */
enum { OID_BOOL = 16, OID_BYTEA = 17, OID_INT8 = 20, OID_INT2 = 21, OID_INT4 = 23, OID_OID = 26,
       OID_FLOAT4 = 700, OID_FLOAT8 = 701, OID_NUMERIC = 1700 };

typedef struct {
    db_stmt_t base;
    char name[16];
    int nparams;
    PGresult *res;
    int row;   /* the current row, -1 before the first step */
    int error; /* a DB_* code the execution failed with, given by the first step */
    unsigned char *blob;
    unsigned gen; /* the connection generation it is prepared on */
} pq_stmt_t;

typedef struct {
    db_t base;
    PGconn *c;
    int64_t changes;
    int nstmts;
    pq_stmt_t *cache[STMT_CACHE];
    pq_stmt_t scan; /* the one open cursor of db_scan, if any */
    int scanning;
    char *load;      /* COPY data not yet sent */
    size_t load_len;
    char *url;
    char *setup;        /* the session's settings, made on every connection */
    int query_only;     /* DB_OPEN_QUERY_ONLY */
    unsigned gen;       /* bumped on each new connection: statements are prepared again */
    int lost_in_tx;     /* lost inside a write transaction, whose ROLLBACK has not come yet */
    int down;           /* lost and not back yet (the loss was logged) */
    uint64_t retry_at;  /* no new connection tried before (monotonic ns) */
    uint64_t backoff;   /* ns to wait after the next failed try */
} pq_t;

/* The longest one call waits for the server (0: as long as it takes). */
static int g_timeout_ms;
/* A command's (db_set_command_timeout_ms): a statement still running at the
 * timeout is waited for while the server answers a new connection (a ping). */
static int g_patient;

/* The next try after a failed one waits this long at first, doubling up to the most. */
#define BACKOFF_FIRST_NS (100ull * 1000000ull)
#define BACKOFF_MOST_NS (2000ull * 1000000ull)
/* A statement timeout server-side; the client waits this much longer before giving up on the server. */
#define CLIENT_GRACE_MS 1000

#define PQ(db) ((pq_t *)(db))
#define PST(st) ((pq_stmt_t *)(st))

/* A DB_* code for a failed result, with the message kept in db->err. */
static int map_error(db_t *db, const PGresult *res)
{
    const char *msg = res ? PQresultErrorMessage(res) : PQerrorMessage(PQ(db)->c);
    snprintf(db->err, sizeof db->err, "%s", msg && *msg ? msg : PQerrorMessage(PQ(db)->c));
    size_t n = strlen(db->err);
    while (n && (db->err[n - 1] == '\n' || db->err[n - 1] == ' '))
        db->err[--n] = '\0';
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    if (state == NULL)
        return DB_ERR;
    if (strcmp(state, "23505") == 0)
        return DB_UNIQUE;
    if (strcmp(state, "23503") == 0)
        return DB_FOREIGN;
    if (strcmp(state, "23514") == 0 || strcmp(state, "23502") == 0)
        return DB_CHECK;
    /* serialization failure, deadlock, lock timeout */
    if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 || strcmp(state, "55P03") == 0)
        return DB_BUSY;
    if (strcmp(state, "57014") == 0) /* statement_timeout */
        return DB_BUSY;
    /* The storage, as SQLite's SQLITE_FULL and SQLITE_IOERR: 503 storage_full or
     * storage_error, and /healthz says writes are refused (docs/reliability.md). */
    if (strcmp(state, "53100") == 0) /* disk_full */
        return db_note_storage(db, DB_FULL);
    if (strcmp(state, "58030") == 0) /* io_error */
        return db_note_storage(db, DB_IOERR);
    /* Short of memory or another resource for now (53000, 53200; 53300, too many
     * connections, comes at connecting and counts as out of reach): busy, retried soon. */
    if (strncmp(state, "53", 2) == 0 && strcmp(state, "53400") != 0)
        return DB_BUSY;
    return DB_ERR;
}

/* Notices (a ROLLBACK with nothing to roll back, ...) are not errors: drop them. */
static void ignore_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

void db_set_timeout_ms(int ms)
{
    g_timeout_ms = ms;
    g_patient = 0;
}

void db_set_command_timeout_ms(int ms)
{
    g_timeout_ms = ms;
    g_patient = 1;
}

/* A ping (PQpingParams) waits up to the timeout: libpq's connect_timeout, in
 * whole seconds, 2 at least. PQPING_OK and PQPING_REJECT (starting or shutting
 * down) are answers; a password refused is PQPING_OK. */
static void ping_timeout(char *out, size_t cap)
{
    int secs = g_timeout_ms > 0 ? (g_timeout_ms + 999) / 1000 : 10;
    snprintf(out, cap, "%d", secs < 2 ? 2 : secs);
}

/* The server at url (a URL or a conninfo). */
static PGPing ping_url(const char *url)
{
    char secs[16];
    ping_timeout(secs, sizeof secs);
    const char *const keys[] = {"dbname", "connect_timeout", NULL};
    const char *const vals[] = {url, secs, NULL};
    return PQpingParams(keys, vals, 1);
}

/* 1 if the server of connection c still answers a new connection: it is
 * working, not gone or frozen (a frozen server's kernel accepts the connection,
 * but nothing answers it within the timeout). */
static int server_alive(PGconn *c)
{
    char secs[16];
    ping_timeout(secs, sizeof secs);
    const char *const keys[] = {"host", "port", "dbname", "user", "connect_timeout", NULL};
    const char *const vals[] = {PQhost(c), PQport(c), PQdb(c), PQuser(c), secs, NULL};
    PGPing p = PQpingParams(keys, vals, 0);
    return p == PQPING_OK || p == PQPING_REJECT;
}

static uint64_t deadline_after(int ms)
{
    return ms > 0 ? clock_mono_ns() + (uint64_t)ms * 1000000ull : 0;
}

/* Wait until fd is ready for events: 1, or 0 once deadline (0: none) has passed. */
static int wait_fd(int fd, short events, uint64_t deadline)
{
    for (;;) {
        int ms = -1;
        if (deadline) {
            uint64_t now = clock_mono_ns();
            if (now >= deadline)
                return 0;
            ms = (int)((deadline - now + 999999) / 1000000);
        }
        struct pollfd p = {fd, events, 0};
        int r = poll(&p, 1, ms);
        if (r > 0 || (r < 0 && errno != EINTR))
            return 1; /* ready, or an error libpq will find and report */
    }
}

/* What was just sent (sent: its PQsend* gave 1) answered, as PQexec gives it:
 * the last result, or the first error; NULL when nothing came by deadline
 * (*timed_out) or the sending failed. */
static PGresult *await(PGconn *c, int sent, uint64_t deadline, int *timed_out)
{
    *timed_out = 0;
    if (!sent)
        return NULL;
    PGresult *last = NULL;
    for (;;) {
        while (PQisBusy(c)) {
            if (!wait_fd(PQsocket(c), POLLIN, deadline)) {
                if (g_patient && deadline && server_alive(c)) { /* a long statement of a command */
                    deadline = deadline_after(g_timeout_ms);
                    continue;
                }
                *timed_out = 1;
                PQclear(last);
                return NULL;
            }
            if (!PQconsumeInput(c))
                break; /* PQgetResult reports it */
        }
        PGresult *r = PQgetResult(c);
        if (r == NULL)
            break;
        ExecStatusType s = PQresultStatus(r);
        if (last != NULL && PQresultStatus(last) == PGRES_FATAL_ERROR) {
            PQclear(r);
        } else {
            PQclear(last);
            last = r;
        }
        if (s == PGRES_COPY_IN || s == PGRES_COPY_OUT || s == PGRES_COPY_BOTH)
            break;
    }
    return last;
}

static void trim_newlines(char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == ' '))
        s[--n] = '\0';
}

/* A message of libpq's on one line ("...failed: Connection refused\n\tIs the
 * server running...": the lines joined by a space), with the password of url,
 * if any, put out of sight: a message may be logged or printed to anyone. */
static void message_for_people(char *s, const char *url)
{
    char *w = s;
    for (const char *r = s; *r; r++) {
        if (*r == '\n' || *r == '\t' || *r == '\r') {
            if (w > s && w[-1] != ' ')
                *w++ = ' ';
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
    trim_newlines(s);
    PQconninfoOption *opts = url ? PQconninfoParse(url, NULL) : NULL;
    for (PQconninfoOption *o = opts; o && o->keyword; o++) {
        if (strcmp(o->keyword, "password") != 0 || o->val == NULL || strlen(o->val) < 1)
            continue;
        size_t n = strlen(o->val), k = n < 3 ? n : 3; /* never longer than what it replaces */
        for (char *at = strstr(s, o->val); at; at = strstr(at + k, o->val)) {
            memmove(at + k, at + n, strlen(at + n) + 1);
            memset(at, '*', k);
        }
    }
    PQconninfoFree(opts);
}

/* A new connection with the session's settings made, within the timeout; NULL
 * with the reason in err. */
static PGconn *connect_within(const char *url, const char *setup, char *err, size_t cap)
{
    uint64_t deadline = deadline_after(g_timeout_ms);
    PGconn *c = PQconnectStart(url);
    if (c == NULL) {
        snprintf(err, cap, "out of memory");
        return NULL;
    }
    PostgresPollingStatusType st = PGRES_POLLING_WRITING;
    while (PQstatus(c) != CONNECTION_BAD && st != PGRES_POLLING_OK && st != PGRES_POLLING_FAILED) {
        if (!wait_fd(PQsocket(c), st == PGRES_POLLING_READING ? POLLIN : POLLOUT, deadline)) {
            snprintf(err, cap, "no answer within %d ms", g_timeout_ms);
            PQfinish(c);
            return NULL;
        }
        st = PQconnectPoll(c);
    }
    int timed_out = 0;
    PGresult *res = NULL;
    if (PQstatus(c) == CONNECTION_OK) {
        PQsetNoticeProcessor(c, ignore_notice, NULL);
        res = await(c, PQsendQuery(c, setup), deadline, &timed_out);
    }
    if (PQresultStatus(res) == PGRES_COMMAND_OK) {
        PQclear(res);
        return c;
    }
    if (timed_out)
        snprintf(err, cap, "no answer within %d ms", g_timeout_ms);
    else
        snprintf(err, cap, "%s", res ? PQresultErrorMessage(res) : PQerrorMessage(c));
    message_for_people(err, url);
    PQclear(res);
    PQfinish(c);
    return NULL;
}

/* DB_UNAVAILABLE, counted (db_unreachable); the reason stays in db->err. */
static int unavailable(pq_t *q)
{
    q->base.unreachable++;
    return DB_UNAVAILABLE;
}

/* 1 if there is a connection to run the next call on, made again if it was
 * lost (at once the first time, then after the backoff); else 0, err set. */
static int connected(pq_t *q)
{
    if (q->c != NULL)
        return 1;
    if (q->lost_in_tx) {
        snprintf(q->base.err, sizeof q->base.err, "the connection to PostgreSQL was lost in this transaction");
        return 0;
    }
    uint64_t now = clock_mono_ns();
    if (now < q->retry_at)
        return 0; /* err still holds why the last try failed */
    char why[sizeof q->base.err - 64];
    q->c = connect_within(q->url, q->setup, why, sizeof why);
    if (q->c == NULL) {
        snprintf(q->base.err, sizeof q->base.err, "PostgreSQL cannot be reached: %s", why);
        q->retry_at = clock_mono_ns() + q->backoff;
        q->backoff = q->backoff ? q->backoff * 2 : BACKOFF_FIRST_NS;
        if (q->backoff > BACKOFF_MOST_NS)
            q->backoff = BACKOFF_MOST_NS;
        return 0;
    }
    q->gen++;
    q->backoff = 0;
    q->retry_at = 0;
    if (q->down)
        log_info("PostgreSQL connection made again");
    q->down = 0;
    return 1;
}

/* 1 if the call that gave res lost the connection: no answer in time, the
 * connection broken, or the server ending the session (class 08, 57P0x). */
static int lost(pq_t *q, const PGresult *res, int timed_out)
{
    if (timed_out || res == NULL || PQstatus(q->c) == CONNECTION_BAD)
        return 1;
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    return state != NULL && (strncmp(state, "08", 2) == 0 || strncmp(state, "57P0", 4) == 0);
}

/* Close a lost connection (before: its transaction state before the call). */
static void drop(pq_t *q, const PGresult *res, int timed_out, PGTransactionStatusType before)
{
    if (timed_out)
        snprintf(q->base.err, sizeof q->base.err, "PostgreSQL gave no answer within %d ms", g_timeout_ms + CLIENT_GRACE_MS);
    else
        snprintf(q->base.err, sizeof q->base.err, "PostgreSQL connection lost: %s",
                 res ? PQresultErrorMessage(res) : PQerrorMessage(q->c));
    trim_newlines(q->base.err);
    if (!q->down)
        log_error("%s", q->base.err);
    q->down = 1;
    PQfinish(q->c);
    q->c = NULL;
    q->scanning = 0;
    q->lost_in_tx = !q->query_only && before != PQTRANS_IDLE;
    q->retry_at = 0;
    q->backoff = 0;
}

/* Whether a call that lost an idle connection may be made again on a new one:
 * a read-only connection's, a BEGIN, never after a timeout (it would wait twice). */
static int may_retry(const pq_t *q, int attempt, int timed_out, PGTransactionStatusType before, int begins)
{
    return attempt == 0 && !timed_out && before == PQTRANS_IDLE && (q->query_only || begins);
}

static uint64_t call_deadline(void)
{
    return deadline_after(g_timeout_ms ? g_timeout_ms + CLIENT_GRACE_MS : 0);
}

static const db_ops_t pq_ops;

/* Run statements without parameters (the simple protocol): their last result
 * (the caller clears it; NULL when the connection was lost) and in *rc DB_OK
 * or a DB_* code. */
static PGresult *exec_simple(pq_t *q, const char *sql, int *rc)
{
    if (q->c == NULL && strcmp(sql, "ROLLBACK") == 0) { /* the lost transaction is over */
        q->lost_in_tx = 0;
        *rc = DB_OK;
        return NULL;
    }
    if (q->c == NULL && q->lost_in_tx && strcmp(sql, "COMMIT") == 0) {
        q->lost_in_tx = 0;
        *rc = unavailable(q);
        return NULL;
    }
    int begins = strcmp(sql, pq_ops.begin_sql) == 0 || strcmp(sql, pq_ops.begin_read_sql) == 0;
    for (int attempt = 0;; attempt++) {
        if (!connected(q)) {
            *rc = unavailable(q);
            return NULL;
        }
        PGTransactionStatusType before = PQtransactionStatus(q->c);
        int timed_out;
        PGresult *res = await(q->c, PQsendQuery(q->c, sql), call_deadline(), &timed_out);
        if (!lost(q, res, timed_out)) {
            ExecStatusType s = PQresultStatus(res);
            *rc = s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK || s == PGRES_COPY_IN ? DB_OK : map_error(&q->base, res);
            return res;
        }
        drop(q, res, timed_out, before);
        PQclear(res);
        if (!may_retry(q, attempt, timed_out, before, begins)) {
            *rc = unavailable(q);
            return NULL;
        }
    }
}

/* Run statements without parameters (the simple protocol): DB_OK or a DB_* code. */
static int pq_run(db_t *db, const char *sql)
{
    int rc;
    PQclear(exec_simple(PQ(db), sql, &rc));
    return rc;
}

/* The translations below never grow a text more than fourfold ('?' -> "$128",
 * REAL -> DOUBLE PRECISION, "REFERENCES t(c)" + DEFERRABLE ...), so their output
 * is allocated once at that size. */
static char *out_alloc(const char *sql)
{
    return xmalloc(4 * strlen(sql) + 64);
}

static void put(char **w, const char *s, size_t n)
{
    memcpy(*w, s, n);
    *w += n;
}

/* Copy a quoted string, identifier or comment starting at *pp (unchanged) to *w;
 * returns 1 if there was one. */
static int copy_opaque(char **w, const char **pp)
{
    const char *p = *pp, *end;
    if (*p == '\'' || *p == '"') {
        char q = *p;
        end = p + 1;
        for (;;) {
            if (*end == '\0')
                break;
            if (*end == q && end[1] == q) {
                end += 2;
                continue;
            }
            if (*end++ == q)
                break;
        }
    } else if (p[0] == '$' && p[1] == '$') {
        const char *close = strstr(p + 2, "$$");
        end = close ? close + 2 : p + strlen(p);
    } else if (p[0] == '-' && p[1] == '-') {
        end = p + strcspn(p, "\n");
    } else if (p[0] == '/' && p[1] == '*') {
        const char *close = strstr(p + 2, "*/");
        end = close ? close + 2 : p + strlen(p);
    } else {
        return 0;
    }
    put(w, p, (size_t)(end - p));
    *pp = end;
    return 1;
}

static int is_word_char(char c)
{
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* The statement with each '?' (outside quotes and comments) as $1, $2, ...;
 * *count gets how many. LIKE becomes ILIKE: SQLite's LIKE ignores the case of
 * ASCII letters, and so does ILIKE under the C ctype every database has (checked
 * at connection). Caller frees. */
static char *translate_params(const char *sql, int *count)
{
    char *out = out_alloc(sql), *w = out;
    int n = 0;
    for (const char *p = sql; *p;) {
        if (copy_opaque(&w, &p))
            continue;
        if (strncasecmp(p, "LIKE", 4) == 0 && (p == sql || !is_word_char(p[-1])) && !is_word_char(p[4])) {
            put(&w, "ILIKE", 5);
            p += 4;
            continue;
        }
        if (*p == '?' && n < MAX_PARAMS) {
            char num[16];
            int len = snprintf(num, sizeof num, "$%d", ++n);
            put(&w, num, (size_t)len);
        } else {
            put(&w, p, 1);
        }
        p++;
    }
    *w = '\0';
    *count = n;
    return out;
}

/* The migrations' portable DDL in PostgreSQL's words: INTEGER is 64-bit like
 * SQLite's, AUTOINCREMENT is an identity, BLOB is BYTEA, REAL is double. Foreign
 * keys are DEFERRABLE INITIALLY IMMEDIATE: checked at once as on SQLite, and
 * deferrable to the commit by copy-data, which loads tables in any order (a column
 * added by ALTER TABLE too: its clause ends with the statement). Caller frees. */
static char *translate_ddl(const char *sql)
{
    static const struct {
        const char *word, *pg;
    } words[] = {{"INTEGER", "BIGINT"},
                 {"AUTOINCREMENT", "GENERATED BY DEFAULT AS IDENTITY"},
                 {"BLOB", "BYTEA"},
                 {"REAL", "DOUBLE PRECISION"}};
    char *out = out_alloc(sql), *w = out;
    int depth = 0, references = -1; /* the depth of a REFERENCES clause not yet closed */
    for (const char *p = sql; *p;) {
        if (copy_opaque(&w, &p))
            continue;
        if ((*p == ',' || *p == ')' || *p == ';') && depth == references) {
            put(&w, " DEFERRABLE INITIALLY IMMEDIATE", 31);
            references = -1;
        }
        depth += *p == '(' ? 1 : *p == ')' ? -1 : 0;
        size_t len = 0;
        while (is_word_char(p[len]))
            len++;
        if (len == 0) {
            put(&w, p++, 1);
            continue;
        }
        if (len == 10 && strncasecmp(p, "REFERENCES", len) == 0)
            references = depth;
        const char *pg = NULL;
        for (size_t i = 0; i < sizeof words / sizeof words[0] && pg == NULL; i++)
            if (strlen(words[i].word) == len && strncasecmp(p, words[i].word, len) == 0)
                pg = words[i].pg;
        if (pg)
            put(&w, pg, strlen(pg));
        else
            put(&w, p, len);
        p += len;
    }
    *w = '\0';
    return out;
}

static void stmt_clear(pq_stmt_t *st)
{
    PQclear(st->res);
    st->res = NULL;
    PQfreemem(st->blob);
    st->blob = NULL;
    st->row = -1;
    st->error = 0;
}

static void pq_close(db_t *db)
{
    pq_t *q = PQ(db);
    for (int i = 0; i < STMT_CACHE; i++) {
        if (q->cache[i]) {
            stmt_clear(q->cache[i]);
            free(q->cache[i]->base.sql);
            free(q->cache[i]);
        }
    }
    stmt_clear(&q->scan);
    free(q->load);
    PQfinish(q->c);
    free(q->url);
    free(q->setup);
    free(q);
}

static const char *pq_path(db_t *db)
{
    (void)db;
    return "";
}

static int pq_exec_script(db_t *db, const char *sql)
{
    char *pg = translate_ddl(sql);
    int rc = pq_run(db, pg);
    free(pg);
    return rc == DB_OK ? DB_OK : DB_ERR;
}

/* The statement of this text from the cache, added if new (prepared when run). */
static pq_stmt_t *stmt_get(pq_t *q, const char *sql)
{
    uint64_t h = db_hash(sql);
    for (int probe = 0; probe < STMT_CACHE; probe++) {
        int i = (int)((h + (uint64_t)probe) % STMT_CACHE);
        pq_stmt_t *st = q->cache[i];
        if (st != NULL) {
            if (strcmp(st->base.sql, sql) == 0)
                return st;
            continue;
        }
        st = xcalloc(1, sizeof *st);
        free(translate_params(sql, &st->nparams));
        snprintf(st->name, sizeof st->name, "j%d", ++q->nstmts);
        st->base.db = &q->base;
        st->base.sql = xstrdup(sql);
        st->row = -1;
        st->gen = q->gen - 1; /* not prepared yet */
        q->cache[i] = st;
        return st;
    }
    snprintf(q->base.err, sizeof q->base.err, "statement cache full");
    return NULL;
}

/* Prepare st on the connection if it is not yet, then run it; its result. */
static PGresult *exec_prepared(pq_t *q, pq_stmt_t *st, const char *const *values, const int *lengths,
                               const int *formats, int *timed_out)
{
    uint64_t deadline = call_deadline();
    if (st->gen != q->gen) {
        int n;
        char *pg = translate_params(st->base.sql, &n);
        PGresult *res = await(q->c, PQsendPrepare(q->c, st->name, pg, 0, NULL), deadline, timed_out);
        free(pg);
        if (PQresultStatus(res) != PGRES_COMMAND_OK)
            return res;
        PQclear(res);
        st->gen = q->gen;
    }
    return await(q->c, PQsendQueryPrepared(q->c, st->name, st->nparams, values, lengths, formats, 0), deadline,
                 timed_out);
}

/* Prepares (once per connection) and runs the statement at once, so bound values
 * need not outlive db_q; a failure is kept for the first db_step to report. */
static db_stmt_t *pq_query(db_t *db, const char *sql, const db_val_t *vals, int n)
{
    pq_t *q = PQ(db);
    pq_stmt_t *st = stmt_get(q, sql);
    if (st == NULL)
        return NULL;
    if (st->base.busy) {
        snprintf(db->err, sizeof db->err, "statement reused before db_done: %.200s", sql);
        return NULL;
    }
    if (n != st->nparams) {
        snprintf(db->err, sizeof db->err, "statement wants %d parameters, got %d: %.200s", st->nparams, n, sql);
        return NULL;
    }
    stmt_clear(st);
    const char *values[MAX_PARAMS];
    int lengths[MAX_PARAMS], formats[MAX_PARAMS];
    char nums[MAX_PARAMS][32];
    for (int i = 0; i < n; i++) {
        const db_val_t *v = &vals[i];
        lengths[i] = 0;
        formats[i] = 0;
        switch (v->type) {
        case 'i':
            snprintf(nums[i], sizeof nums[i], "%lld", (long long)v->i);
            values[i] = nums[i];
            break;
        case 'd':
            snprintf(nums[i], sizeof nums[i], "%.17g", v->d);
            values[i] = nums[i];
            break;
        case 't':
            values[i] = v->s;
            break;
        case 'b':
            values[i] = v->s;
            lengths[i] = (int)v->n;
            formats[i] = 1;
            break;
        default:
            values[i] = NULL;
        }
    }
    for (int attempt = 0;; attempt++) {
        if (!connected(q)) {
            st->error = unavailable(q);
            return &st->base;
        }
        PGTransactionStatusType before = PQtransactionStatus(q->c);
        int timed_out;
        PGresult *res = exec_prepared(q, st, values, lengths, formats, &timed_out);
        if (!lost(q, res, timed_out)) {
            st->res = res;
            break;
        }
        drop(q, res, timed_out, before);
        PQclear(res);
        if (!may_retry(q, attempt, timed_out, before, 0)) {
            st->error = unavailable(q);
            return &st->base;
        }
    }
    ExecStatusType s = PQresultStatus(st->res);
    if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK) {
        const char *tuples = PQcmdTuples(st->res);
        q->changes = *tuples ? strtoll(tuples, NULL, 10) : 0;
    } else {
        st->error = map_error(db, st->res);
    }
    return &st->base;
}

#define SCAN_BATCH "2000"
#define SCAN_ROWS 2000

/* The next batch of the open cursor into st->res; DB_OK or a DB_* code. */
static int scan_fetch(pq_t *q)
{
    stmt_clear(&q->scan);
    int rc;
    q->scan.res = exec_simple(q, "FETCH " SCAN_BATCH " FROM jiceng_scan", &rc);
    if (rc == DB_OK && PQresultStatus(q->scan.res) != PGRES_TUPLES_OK)
        rc = DB_ERR;
    return q->scan.error = rc;
}

static int pq_step(db_stmt_t *base)
{
    pq_stmt_t *st = PST(base);
    pq_t *q = PQ(base->db);
    if (st->error)
        return st->error;
    PQfreemem(st->blob);
    st->blob = NULL;
    if (PQresultStatus(st->res) != PGRES_TUPLES_OK)
        return DB_DONE;
    if (st == &q->scan && st->row + 1 >= PQntuples(st->res) && PQntuples(st->res) == SCAN_ROWS) {
        if (scan_fetch(q) != DB_OK)
            return st->error;
    }
    if (st->row < PQntuples(st->res))
        st->row++;
    return st->row < PQntuples(st->res) ? DB_ROW : DB_DONE;
}

static void pq_done(db_stmt_t *base)
{
    stmt_clear(PST(base));
    pq_t *q = PQ(base->db);
    if (base == &q->scan.base && q->scanning) {
        q->scanning = 0;
        pq_run(base->db, "CLOSE jiceng_scan");
    }
}

/* A cursor read in batches, inside the caller's transaction (db_begin_read). */
static db_stmt_t *pq_scan(db_t *db, const char *sql)
{
    pq_t *q = PQ(db);
    if (q->scanning) {
        snprintf(db->err, sizeof db->err, "a scan is open already");
        return NULL;
    }
    size_t cap = strlen(sql) + 64;
    char *declare = xmalloc(cap);
    snprintf(declare, cap, "DECLARE jiceng_scan NO SCROLL CURSOR FOR %s", sql);
    int rc = pq_run(db, declare);
    free(declare);
    if (rc != DB_OK)
        return NULL;
    q->scanning = 1;
    q->scan.base.db = db;
    q->scan.row = -1;
    scan_fetch(q);
    return &q->scan.base;
}

static int pq_col_count(db_stmt_t *st)
{
    return PST(st)->res ? PQnfields(PST(st)->res) : 0;
}

static const char *pq_col_name(db_stmt_t *st, int i)
{
    return PQfname(PST(st)->res, i);
}

static const char *raw_value(db_stmt_t *base, int i)
{
    pq_stmt_t *st = PST(base);
    if (st->res == NULL || st->row < 0 || st->row >= PQntuples(st->res) || i < 0 || i >= PQnfields(st->res) ||
        PQgetisnull(st->res, st->row, i))
        return NULL;
    return PQgetvalue(st->res, st->row, i);
}

static int pq_col_type(db_stmt_t *st, int i)
{
    const char *v = raw_value(st, i);
    if (v == NULL)
        return DB_TYPE_NULL;
    switch (PQftype(PST(st)->res, i)) {
    case OID_BOOL:
    case OID_INT2:
    case OID_INT4:
    case OID_INT8:
    case OID_OID:
        return DB_TYPE_INT;
    case OID_FLOAT4:
    case OID_FLOAT8:
        return DB_TYPE_REAL;
    case OID_NUMERIC: /* SUM of integers is numeric: an integer unless it has a fraction */
        return strpbrk(v, ".eEN") ? DB_TYPE_REAL : DB_TYPE_INT;
    case OID_BYTEA:
        return DB_TYPE_BLOB;
    default:
        return DB_TYPE_TEXT;
    }
}

/* Text as SQLite gives it: a boolean is "1" or "0". */
static const char *pq_col_text(db_stmt_t *st, int i)
{
    const char *v = raw_value(st, i);
    if (v != NULL && PQftype(PST(st)->res, i) == OID_BOOL)
        return v[0] == 't' ? "1" : "0";
    return v;
}

static int64_t pq_col_int(db_stmt_t *st, int i)
{
    const char *v = pq_col_text(st, i);
    if (v == NULL)
        return 0;
    return strpbrk(v, ".eE") ? (int64_t)strtod(v, NULL) : strtoll(v, NULL, 10);
}

static double pq_col_double(db_stmt_t *st, int i)
{
    const char *v = pq_col_text(st, i);
    return v ? strtod(v, NULL) : 0;
}

static const void *pq_col_blob(db_stmt_t *base, int i, size_t *len)
{
    pq_stmt_t *st = PST(base);
    const char *v = raw_value(base, i);
    *len = 0;
    if (v == NULL)
        return NULL;
    if (PQftype(st->res, i) != OID_BYTEA) {
        *len = strlen(v);
        return v;
    }
    PQfreemem(st->blob);
    st->blob = PQunescapeBytea((const unsigned char *)v, len);
    return st->blob;
}

/* The value the session's last nextval() gave: the serial id of its last INSERT. */
static int pq_last_id(db_t *db, int64_t *out)
{
    return db_one_int(db, out, "SELECT lastval()", "");
}

static int64_t pq_changes(db_t *db)
{
    return PQ(db)->changes;
}

#define LOAD_FLUSH (256 * 1024)

static int pq_load_begin(db_t *db, const char *table, const char *columns, const char *insert_sql)
{
    (void)insert_sql;
    pq_t *q = PQ(db);
    size_t cap = strlen(table) + strlen(columns) + 64;
    char *sql = xmalloc(cap);
    snprintf(sql, cap, "COPY %s (%s) FROM STDIN", table, columns);
    int rc;
    PGresult *res = exec_simple(q, sql, &rc);
    free(sql);
    if (rc == DB_OK && PQresultStatus(res) != PGRES_COPY_IN)
        rc = DB_ERR;
    PQclear(res);
    if (rc == DB_OK)
        PQsetnonblocking(q->c, 1); /* the rows are sent within deadlines (send_within) */
    q->load = xmalloc(LOAD_FLUSH + 64);
    q->load_len = 0;
    return rc;
}

/* COPY's data (end: its end instead, with error NULL or the reason to fail it)
 * handed to libpq and sent, without blocking: a server that stops reading
 * (frozen) holds the sender no longer than the call's deadline (for a command,
 * while the server answers a ping). DB_OK, DB_ERR, or DB_UNAVAILABLE with the
 * connection dropped. */
static int send_within(pq_t *q, const char *data, int len, int end, const char *error)
{
    uint64_t deadline = call_deadline();
    for (;;) {
        int r = end ? PQputCopyEnd(q->c, error) : PQputCopyData(q->c, data, len);
        int f = r == 1 ? PQflush(q->c) : 1;
        if (r < 0 || f < 0) {
            snprintf(q->base.err, sizeof q->base.err, "%s", PQerrorMessage(q->c));
            trim_newlines(q->base.err);
            return DB_ERR;
        }
        while (f == 1) { /* libpq holds some: wait for the socket, then again */
            if (!wait_fd(PQsocket(q->c), POLLIN | POLLOUT, deadline)) {
                if (g_patient && deadline && server_alive(q->c)) {
                    deadline = deadline_after(g_timeout_ms);
                    continue;
                }
                drop(q, NULL, 1, PQTRANS_ACTIVE);
                return unavailable(q);
            }
            if (!PQconsumeInput(q->c) || (f = PQflush(q->c)) < 0) {
                snprintf(q->base.err, sizeof q->base.err, "%s", PQerrorMessage(q->c));
                trim_newlines(q->base.err);
                return DB_ERR;
            }
        }
        if (r == 1)
            return DB_OK;
    }
}

static int load_flush(pq_t *q)
{
    if (q->c == NULL)
        return DB_UNAVAILABLE;
    if (q->load_len > 0) {
        int rc = send_within(q, q->load, (int)q->load_len, 0, NULL);
        if (rc != DB_OK)
            return rc;
    }
    q->load_len = 0;
    return DB_OK;
}

static int load_put(pq_t *q, const char *s, size_t n)
{
    while (n > 0) {
        size_t room = LOAD_FLUSH - q->load_len, k = n < room ? n : room;
        memcpy(q->load + q->load_len, s, k);
        q->load_len += k;
        s += k;
        n -= k;
        if (q->load_len == LOAD_FLUSH && load_flush(q) != DB_OK)
            return DB_ERR;
    }
    return DB_OK;
}

/* One row in COPY's text format: tab-separated, \N for NULL, backslash escapes. */
static int pq_load_row(db_t *db, const db_val_t *vals, int n)
{
    pq_t *q = PQ(db);
    static const char hex[] = "0123456789abcdef";
    int rc = DB_OK;
    for (int i = 0; i < n && rc == DB_OK; i++) {
        const db_val_t *v = &vals[i];
        char num[40];
        if (i > 0)
            rc = load_put(q, "\t", 1);
        if (v->type == 'i' || v->type == 'd') {
            int len = v->type == 'i' ? snprintf(num, sizeof num, "%lld", (long long)v->i)
                                     : snprintf(num, sizeof num, "%.17g", v->d);
            rc = load_put(q, num, (size_t)len);
        } else if (v->type == 't') {
            for (const char *p = v->s; *p && rc == DB_OK; p++) {
                const char *esc = *p == '\\' ? "\\\\" : *p == '\n' ? "\\n" : *p == '\r' ? "\\r" : *p == '\t' ? "\\t" : NULL;
                rc = esc ? load_put(q, esc, 2) : load_put(q, p, 1);
            }
        } else if (v->type == 'b') {
            rc = load_put(q, "\\\\x", 3);
            for (size_t k = 0; k < v->n && rc == DB_OK; k++) {
                unsigned char c = ((const unsigned char *)v->s)[k];
                char pair[2] = {hex[c >> 4], hex[c & 15]};
                rc = load_put(q, pair, 2);
            }
        } else {
            rc = load_put(q, "\\N", 2);
        }
    }
    return rc == DB_OK ? load_put(q, "\n", 1) : rc;
}

static int pq_load_end(db_t *db)
{
    pq_t *q = PQ(db);
    if (q->c == NULL) {
        free(q->load);
        q->load = NULL;
        return unavailable(q);
    }
    int rc = load_flush(q);
    if (q->c != NULL) {
        int end = send_within(q, NULL, 0, 1, rc == DB_OK ? NULL : "load failed");
        if (rc == DB_OK)
            rc = end;
    }
    if (q->c != NULL) {
        PQsetnonblocking(q->c, 0);
        int timed_out;
        PGresult *res = await(q->c, 1, call_deadline(), &timed_out);
        if (lost(q, res, timed_out)) {
            drop(q, res, timed_out, PQTRANS_ACTIVE);
            if (rc == DB_OK)
                rc = unavailable(q);
        } else if (PQresultStatus(res) != PGRES_COMMAND_OK && rc == DB_OK) {
            rc = map_error(db, res);
        }
        PQclear(res);
    }
    free(q->load);
    q->load = NULL;
    return rc;
}

/* Only tables with an identity column named id have a counter. */
static int has_identity(db_t *db, const char *table, int64_t *n)
{
    return db_one_int(db, n,
                      "SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = current_schema()"
                      " AND table_name = ? AND column_name = 'id' AND is_identity = 'YES'",
                      "t", table);
}

static int pq_id_high(db_t *db, const char *table, int64_t *out)
{
    int64_t n = 0;
    *out = 0;
    int rc = has_identity(db, table, &n);
    if (rc == DB_OK && n > 0)
        rc = db_one_int(db, out,
                        "SELECT COALESCE(pg_sequence_last_value(CAST(pg_get_serial_sequence(?, 'id') AS regclass)), 0)",
                        "t", table);
    return rc;
}

static int pq_set_id_high(db_t *db, const char *table, int64_t v)
{
    int64_t n = 0, set = 0;
    int rc = has_identity(db, table, &n);
    if (rc == DB_OK && n > 0 && v > 0)
        rc = db_one_int(db, &set, "SELECT setval(CAST(pg_get_serial_sequence(?, 'id') AS regclass), ?)", "ti",
                        table, v);
    return rc;
}

static int pq_tx_failed(db_t *db)
{
    pq_t *q = PQ(db);
    return q->c == NULL ? q->lost_in_tx : PQtransactionStatus(q->c) == PQTRANS_INERROR;
}

static int pq_backup(db_t *db, const char *path, char *err, size_t cap)
{
    (void)db;
    (void)path;
    snprintf(err, cap,
             "jiceng backup copies SQLite files; back up PostgreSQL with pg_dump (a logical dump) or pg_basebackup"
             " with WAL archiving (point-in-time recovery): see docs/operations.md");
    return DB_ERR;
}

/* With the amcheck extension installed, every B-tree index of our schema is
 * checked (bt_index_check); without it, only that the schema answers. */
static int pq_integrity_check(db_t *db, char *err, size_t cap)
{
    int64_t have = 0, n = 0;
    int rc = db_one_int(db, &have, "SELECT COUNT(*) FROM pg_extension WHERE extname = 'amcheck'", "");
    if (rc == DB_OK && have > 0)
        rc = db_one_int(db, &n,
                        "SELECT COUNT(bt_index_check(c.oid)) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
                        " JOIN pg_am a ON a.oid = c.relam JOIN pg_namespace s ON s.oid = c.relnamespace"
                        " WHERE a.amname = 'btree' AND s.nspname = current_schema()",
                        "");
    else if (rc == DB_OK)
        rc = db_one_int(db, &n, "SELECT COUNT(*) FROM schema_migrations", "");
    if (rc != DB_OK) {
        snprintf(err, cap, "%s", db->err);
        return DB_ERR;
    }
    return DB_OK;
}

/* The current snapshot (xmin:xmax:running xids) changes whenever any
 * transaction that wrote commits or ends: its hash is the data version. */
static int64_t pq_data_version(db_t *db)
{
    char snap[4096];
    if (db_one_text(db, snap, sizeof snap, "SELECT CAST(pg_current_snapshot() AS TEXT)", "") != DB_OK)
        return -1;
    return (int64_t)(db_hash(snap) & 0x7fffffffffffffffull);
}

static const db_ops_t pq_ops = {
    .dialect = "postgres",
    .close = pq_close,
    .path = pq_path,
    .exec_script = pq_exec_script,
    .run = pq_run,
    .query = pq_query,
    .step = pq_step,
    .done = pq_done,
    .col_count = pq_col_count,
    .col_name = pq_col_name,
    .col_type = pq_col_type,
    .col_int = pq_col_int,
    .col_double = pq_col_double,
    .col_text = pq_col_text,
    .col_blob = pq_col_blob,
    .changes = pq_changes,
    .begin_sql = "BEGIN; SELECT pg_advisory_xact_lock(" WRITE_LOCK_KEY ")",
    .begin_read_sql = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
    .defer_foreign_keys_sql = "SET CONSTRAINTS ALL DEFERRED",
    .scan = pq_scan,
    .load_begin = pq_load_begin,
    .load_row = pq_load_row,
    .load_end = pq_load_end,
    .tables_sql = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename",
    .id_high = pq_id_high,
    .set_id_high = pq_set_id_high,
    .tx_failed = pq_tx_failed,
    .backup = pq_backup,
    .integrity_check = pq_integrity_check,
    .data_version = pq_data_version,
    .last_id = pq_last_id,
};

/* Path ranges and ORDER BY compare bytes and LIKE folds only ASCII letters, as
 * on SQLite: the database must hold UTF-8 with the C collation and ctype. */
static int check_database(db_t *db, char *err, size_t cap)
{
    char collate[128], ctype[128], enc[64];
    if (db_one_text(db, collate, sizeof collate,
                    "SELECT datcollate FROM pg_database WHERE datname = current_database()", "") != DB_OK ||
        db_one_text(db, ctype, sizeof ctype,
                    "SELECT datctype FROM pg_database WHERE datname = current_database()", "") != DB_OK ||
        db_one_text(db, enc, sizeof enc, "SELECT pg_encoding_to_char(encoding) FROM pg_database"
                                         " WHERE datname = current_database()", "") != DB_OK) {
        snprintf(err, cap, "cannot read the database's settings: %s", db->err);
        return DB_ERR;
    }
    int c_collate = strcmp(collate, "C") == 0 || strcmp(collate, "POSIX") == 0;
    int c_ctype = strcmp(ctype, "C") == 0 || strcmp(ctype, "POSIX") == 0;
    if (strcmp(enc, "UTF8") != 0 || !c_collate || !c_ctype) {
        snprintf(err, cap,
                 "the database has encoding %s, collation %s and ctype %s; jiceng needs UTF8 and C (create it with"
                 " CREATE DATABASE ... ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0)",
                 enc, collate, ctype);
        return DB_ERR;
    }
    return DB_OK;
}

int db_pg_open(db_t **out, const char *url, int flags, char *err, size_t cap)
{
    pq_t *q = xcalloc(1, sizeof *q);
    q->base.ops = &pq_ops;
    q->url = xstrdup(url);
    q->query_only = (flags & DB_OPEN_QUERY_ONLY) != 0;
    /* jit off: a query with many correlated subqueries (pay's standard per record)
     * over a whole table is costed above jit_above_cost, and compiling its
     * thousands of expressions took 10 s where running it takes milliseconds;
     * this program's queries are short. With a timeout, the server ends a
     * statement running longer (the client waits a little more for its word). */
    char setup[512];
    int len = snprintf(setup, sizeof setup, "SET client_encoding = 'UTF8'; SET lock_timeout = '5s';"
                                            " SET TIME ZONE 'UTC'; SET jit = off");
    if (g_timeout_ms > 0 && !g_patient)
        len += snprintf(setup + len, sizeof setup - (size_t)len, "; SET statement_timeout = %d", g_timeout_ms);
    if (q->query_only)
        snprintf(setup + len, sizeof setup - (size_t)len, "; SET default_transaction_read_only = on");
    q->setup = xstrdup(setup);
    char why[400];
    q->c = connect_within(url, q->setup, why, sizeof why);
    if (q->c == NULL) {
        snprintf(err, cap, "cannot connect to PostgreSQL: %s", why);
        pq_close(&q->base);
        return DB_ERR;
    }
    if (check_database(&q->base, err, cap) != DB_OK) {
        pq_close(&q->base);
        return DB_ERR;
    }
    *out = &q->base;
    return DB_OK;
}

int db_pg_wait(const char *url, int wait_ms, char *err, size_t cap)
{
    const char *setup = "SET client_encoding = 'UTF8'"; /* any command: the session works */
    uint64_t start = clock_mono_ns(), until = start + (uint64_t)(wait_ms > 0 ? wait_ms : 0) * 1000000ull;
    uint64_t backoff = BACKOFF_FIRST_NS;
    int said = 0;
    for (;;) {
        char why[400];
        PGconn *c = connect_within(url, setup, why, sizeof why);
        PGPing p = PQPING_NO_RESPONSE;
        if (c == NULL && (p = ping_url(url)) == PQPING_OK) /* up just now, or it refuses us: once more */
            c = connect_within(url, setup, why, sizeof why);
        if (c != NULL) {
            PQfinish(c);
            if (said)
                log_info("PostgreSQL reachable after %.1f s", (double)(clock_mono_ns() - start) / 1e9);
            return DB_OK;
        }
        if (p == PQPING_OK || p == PQPING_NO_ATTEMPT) { /* it answers and refuses us, or the URL is wrong */
            snprintf(err, cap, "cannot connect to PostgreSQL: %s", why);
            return DB_ERR;
        }
        uint64_t now = clock_mono_ns();
        if (now >= until) {
            snprintf(err, cap, "cannot connect to PostgreSQL: %s (waited %.1f s)", why, (double)(now - start) / 1e9);
            return DB_UNAVAILABLE;
        }
        if (!said)
            log_error("PostgreSQL cannot be reached: %s; trying again for up to %.1f s", why, wait_ms / 1000.0);
        said = 1;
        uint64_t nap = backoff < until - now ? backoff : until - now;
        struct timespec ts = {(time_t)(nap / 1000000000ull), (long)(nap % 1000000000ull)};
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
        }
        backoff = backoff * 2 > BACKOFF_MOST_NS ? BACKOFF_MOST_NS : backoff * 2;
    }
}
