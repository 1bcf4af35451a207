/* Whole-table copy and digests for jiceng copy-data. The table and column names
 * in the SQL built here come from the database's own catalog and are checked to
 * be plain identifiers; every value travels as a bound parameter. */
#include "db/copy.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdarg.h>
#include <string.h>

#include "db/backend.h"
#include "lib/util.h"

#define MAX_COLS 128

int db_begin_read(db_t *db)
{
    return db->ops->run(db, db->ops->begin_read_sql);
}

int db_defer_foreign_keys(db_t *db)
{
    return db->ops->run(db, db->ops->defer_foreign_keys_sql);
}


/* Statement texts here name tables and columns, which no bind parameter can carry:
 * they are joined from SQL words and identifiers read from the schema (checked with
 * is_identifier) or declared in the code (a resource's table and columns), never
 * from values. */
char *db_sql_join(const char *first, ...)
{
    strbuf_t t = {0};
    va_list ap;
    va_start(ap, first);
    for (const char *p = first; p; p = va_arg(ap, const char *))
        strbuf_add(&t, p);
    va_end(ap);
    if (t.s == NULL)
        strbuf_add(&t, "");
    return t.s;
}

static int is_identifier(const char *s)
{
    if (*s == '\0' || strlen(s) > 63)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
            return 0;
    return 1;
}

json_t *db_table_names(db_t *db)
{
    db_stmt_t *st = db_q(db, db->ops->tables_sql, "");
    if (st == NULL)
        return NULL;
    json_t *names = json_array();
    int rc;
    while ((rc = db_step(st)) == DB_ROW)
        json_array_append_new(names, json_string(db_col_text(st, 0)));
    db_done(st);
    if (rc != DB_DONE) {
        json_decref(names);
        return NULL;
    }
    return names;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* The column names of table, sorted by name (the two backends' migrations may
 * order a table's columns differently); DB_OK on success. */
static int table_columns(db_t *db, const char *table, char cols[MAX_COLS][64], int *n, char *err, size_t cap)
{
    if (!is_identifier(table)) {
        snprintf(err, cap, "not a table name: %.64s", table);
        return DB_ERR;
    }
    char *sql = db_sql_join("SELECT * FROM ", table, " LIMIT 0", NULL);
    db_stmt_t *st = db_q(db, sql, "");
    free(sql);
    if (st == NULL || db_step(st) < 0) {
        snprintf(err, cap, "%s: %s", table, db_errmsg(db));
        db_done(st);
        return DB_ERR;
    }
    *n = db_col_count(st);
    int rc = *n > 0 && *n <= MAX_COLS ? DB_OK : DB_ERR;
    for (int i = 0; rc == DB_OK && i < *n; i++) {
        str_copy(cols[i], 64, db_col_name(st, i));
        if (!is_identifier(cols[i]))
            rc = DB_ERR;
    }
    db_done(st);
    if (rc != DB_OK)
        snprintf(err, cap, "%s: unexpected columns", table);
    else
        qsort(cols, (size_t)*n, sizeof cols[0], by_name);
    return rc;
}

/* "SELECT a, b, ... FROM table": every column, by name. */
static char *select_all(const char *table, char cols[MAX_COLS][64], int n)
{
    strbuf_t t = {0};
    strbuf_add(&t, "SELECT ");
    for (int i = 0; i < n; i++) {
        strbuf_add(&t, i ? ", " : "");
        strbuf_add(&t, cols[i]);
    }
    strbuf_add(&t, " FROM ");
    strbuf_add(&t, table);
    return t.s;
}

/* The current row's value i as a bind value (borrowed from the statement). */
static void row_value(db_stmt_t *st, int i, db_val_t *v)
{
    const db_ops_t *ops = st->db->ops;
    memset(v, 0, sizeof *v);
    switch (ops->col_type(st, i)) {
    case DB_TYPE_NULL:
        v->type = 'n';
        break;
    case DB_TYPE_INT:
        v->type = 'i';
        v->i = ops->col_int(st, i);
        break;
    case DB_TYPE_REAL:
        v->type = 'd';
        v->d = ops->col_double(st, i);
        break;
    case DB_TYPE_BLOB:
        v->type = 'b';
        v->s = ops->col_blob(st, i, &v->n);
        break;
    default:
        v->type = 't';
        v->s = ops->col_text(st, i);
    }
}

int db_copy_table(db_t *src, db_t *dst, const char *table, int64_t *rows, char *err, size_t cap)
{
    char cols[MAX_COLS][64];
    int n = 0;
    *rows = 0;
    if (table_columns(src, table, cols, &n, err, cap) != DB_OK)
        return DB_ERR;
    /* "c1, c2, ..." and INSERT INTO table (c1, ...) VALUES (?, ...) */
    strbuf_t c = {0}, ins = {0};
    for (int i = 0; i < n; i++) {
        strbuf_add(&c, i ? ", " : "");
        strbuf_add(&c, cols[i]);
    }
    strbuf_add(&ins, "INSERT INTO ");
    strbuf_add(&ins, table);
    strbuf_add(&ins, " (");
    strbuf_add(&ins, c.s);
    strbuf_add(&ins, ") VALUES (");
    for (int i = 0; i < n; i++)
        strbuf_add(&ins, i ? ", ?" : "?");
    strbuf_add(&ins, ")");
    char *columns = c.s, *insert = ins.s;
    char *select = select_all(table, cols, n);

    db_stmt_t *st = src->ops->scan(src, select);
    int rc = st ? dst->ops->load_begin(dst, table, columns, insert) : DB_ERR;
    int loading = st != NULL && rc == DB_OK, from_src = st == NULL;
    while (rc == DB_OK) {
        int step = db_step(st);
        if (step != DB_ROW) {
            rc = step == DB_DONE ? DB_OK : step;
            from_src = step != DB_DONE;
            break;
        }
        db_val_t vals[MAX_COLS];
        for (int i = 0; i < n; i++)
            row_value(st, i, &vals[i]);
        rc = dst->ops->load_row(dst, vals, n);
        if (rc == DB_OK)
            (*rows)++;
    }
    if (loading) {
        int end = dst->ops->load_end(dst);
        rc = rc == DB_OK ? end : rc;
    }
    if (rc != DB_OK)
        snprintf(err, cap, "%s %s: %s", from_src ? "reading" : "writing", table, db_errmsg(from_src ? src : dst));
    if (st)
        db_done(st);
    int64_t high = 0;
    if (rc == DB_OK && (src->ops->id_high(src, table, &high) != DB_OK || dst->ops->set_id_high(dst, table, high) != DB_OK)) {
        snprintf(err, cap, "the id counter of %s: %s / %s", table, db_errmsg(src), db_errmsg(dst));
        rc = DB_ERR;
    }
    free(select);
    free(insert);
    free(columns);
    return rc;
}

int db_table_digest(db_t *db, const char *table, int64_t *rows, char hex[65], char *err, size_t cap)
{
    char cols[MAX_COLS][64];
    int n = 0;
    *rows = 0;
    hex[0] = '\0';
    if (table_columns(db, table, cols, &n, err, cap) != DB_OK)
        return DB_ERR;
    char *select = select_all(table, cols, n);
    db_stmt_t *st = db->ops->scan(db, select);
    free(select);
    if (st == NULL) {
        snprintf(err, cap, "reading %s: %s", table, db_errmsg(db));
        return DB_ERR;
    }
    uint64_t sum[4] = {0, 0, 0, 0};
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        crypto_hash_sha256_state h;
        crypto_hash_sha256_init(&h);
        for (int i = 0; i < n; i++) {
            db_val_t v;
            char num[40];
            row_value(st, i, &v);
            /* type letter, length, bytes: no two different rows hash alike */
            const void *bytes = v.s;
            size_t len = v.type == 't' ? strlen(v.s) : v.n;
            if (v.type == 'i' || v.type == 'd') {
                len = v.type == 'i' ? (size_t)snprintf(num, sizeof num, "%lld", (long long)v.i)
                                    : (size_t)snprintf(num, sizeof num, "%.17g", v.d);
                bytes = num;
            } else if (v.type == 'n') {
                len = 0;
            }
            char head[32];
            int hl = snprintf(head, sizeof head, "%c%zu:", v.type, len);
            crypto_hash_sha256_update(&h, (const unsigned char *)head, (unsigned long long)hl);
            crypto_hash_sha256_update(&h, bytes, len);
        }
        unsigned char row[crypto_hash_sha256_BYTES];
        crypto_hash_sha256_final(&h, row);
        for (int k = 0; k < 4; k++) {
            uint64_t w = 0;
            for (int j = 0; j < 8; j++)
                w |= (uint64_t)row[k * 8 + j] << (8 * j);
            sum[k] += w;
        }
        (*rows)++;
    }
    db_done(st);
    if (rc != DB_DONE) {
        snprintf(err, cap, "reading %s: %s", table, db_errmsg(db));
        return rc < 0 ? rc : DB_ERR;
    }
    unsigned char out[32];
    for (int k = 0; k < 32; k++)
        out[k] = (unsigned char)(sum[k / 8] >> (8 * (k % 8)));
    sodium_bin2hex(hex, 65, out, sizeof out);
    return DB_OK;
}
