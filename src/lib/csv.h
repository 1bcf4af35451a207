/* Reading CSV (RFC 4180) in one pass over bytes in memory, knowing nothing of
 * what the cells mean: fields split on commas, quoted fields may hold commas,
 * line breaks and doubled quotes, rows end at LF, CRLF or CR, and empty lines
 * are skipped. Each field is handed to a callback as raw bytes (no decoding),
 * so the reader works on any ASCII-compatible encoding whose multi-byte
 * characters never contain a comma, quote or line break (UTF-8, GB18030). */
#ifndef JICENG_LIB_CSV_H
#define JICENG_LIB_CSV_H

#include <stddef.h>

/* Why csv_parse stopped. */
typedef enum csv_fail {
    CSV_OK = 0,
    CSV_STOPPED,   /* the cell callback returned nonzero */
    CSV_TOO_LONG,  /* a field over the buffer's cap: col and row name it */
    CSV_OPEN_QUOTE /* the data ended inside a quoted field */
} csv_fail_t;

typedef struct csv_parser {
    /* A field ends: its len bytes at v (not NUL-terminated), its
     * column (zero-based, within the row) and its row (1-based, empty lines
     * not counted). v points into field, which the callback may use as scratch
     * until it returns. Nonzero stops the parse. */
    int (*cell)(void *arg, const char *v, size_t len, size_t col, long row);
    /* A row with at least one field ends (after its last cell). May be NULL. */
    void (*row_end)(void *arg);
    void *arg;
    char *field; /* the caller's buffer for a field's bytes, cap bytes */
    size_t cap;
    size_t col;  /* where the parse is: after CSV_TOO_LONG, the field too long */
    long row;
} csv_parser_t;

/* Parse n bytes of data with p (cell, arg, field and cap set by the caller;
 * col and row are set here). CSV_OK once every row was handed over. */
csv_fail_t csv_parse(csv_parser_t *p, const char *data, size_t n);

#endif
