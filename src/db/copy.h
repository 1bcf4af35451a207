/* Moving a whole deployment between databases (jiceng copy-data): the table
 * copy and the per-table digests that prove the copy whole. */
#ifndef JICENG_DB_COPY_H
#define JICENG_DB_COPY_H

#include "db/db.h"

/* The names of the database's own tables (schema_migrations included), sorted,
 * as a JSON array of strings. NULL on error (message in db_errmsg). */
json_t *db_table_names(db_t *db);

/* Insert every row of table from src into dst (which has the same table), ids
 * included, and carry the table's id high-water mark over. Runs in dst's open
 * transaction. *rows gets how many. DB_OK or a DB_* code (message in err). */
/* Statement text joined from the NULL-terminated pieces: SQL words and names of
 * tables taken from the schema, never values (those are bound). Caller frees. */
char *db_sql_join(const char *first, ...);

int db_copy_table(db_t *src, db_t *dst, const char *table, int64_t *rows, char *err, size_t cap);

/* The row count and a digest (hex) of table's rows: the sum, lane by lane, of
 * each row's SHA-256 over its typed values in column-name order. It ignores the
 * order of rows and columns (which the backends may keep differently) and needs
 * no sort; equal on both sides of a whole copy. DB_OK or a DB_* code (message in err). */
int db_table_digest(db_t *db, const char *table, int64_t *rows, char hex[65], char *err, size_t cap);

/* Begin a read transaction: every query until db_rollback sees one snapshot. */
int db_begin_read(db_t *db);

/* In the open write transaction, check foreign keys at commit instead of at
 * each statement, so tables load in any order. */
int db_defer_foreign_keys(db_t *db);

#endif
