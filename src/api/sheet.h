/* An uploaded table (CSV or the first worksheet of an .xlsx), read as a stream with
 * its caps checked while reading, and kept compactly: every cell's text one after
 * another in one buffer, a 32-bit offset per cell, a cell index per row. No
 * allocation per cell, so a hostile file costs at most what its caps allow and the
 * memory goes back in a few large blocks. */
#ifndef JICENG_API_SHEET_H
#define JICENG_API_SHEET_H

#include <stddef.h>
#include <stdint.h>

/* Why a read stopped. The caps name what was too much. */
typedef enum sheet_fail {
    SHEET_OK = 0,
    SHEET_UNREADABLE,   /* not a workbook, malformed XML, a quote left open in a CSV */
    SHEET_ENCODING,     /* a CSV neither UTF-8 nor GB18030 (GBK, GB2312) text */
    SHEET_COLUMNS,      /* a value at or beyond limits.cols (where names the cell) */
    SHEET_ROWS,         /* more than limits.rows rows */
    SHEET_CELL,         /* a value over limits.cell bytes (where names the cell, if in the sheet) */
    SHEET_TEXT,         /* the table's text over limits.text bytes, or over limits.cells cells */
    SHEET_UNZIPPED,     /* .xlsx: the parts read expand beyond limits.unzipped bytes */
    SHEET_RATIO,        /* .xlsx: a part (or the package) expands more than limits.ratio times */
    SHEET_STRINGS,      /* .xlsx: the shared strings over limits.strings of them or limits.strings_text bytes */
} sheet_fail_t;

typedef struct sheet_limits {
    size_t rows;         /* rows with a value, the header included */
    size_t cols;         /* a value in a column at or beyond this is refused */
    size_t cell;         /* bytes of one value (UTF-8) */
    size_t text;         /* bytes of all the values together */
    size_t cells;        /* cells kept (empty ones between values count) */
    size_t unzipped;     /* .xlsx: bytes of XML read out of the package, counted as they come */
    size_t ratio;        /* .xlsx: the most a part, and the package, may expand */
    size_t strings;      /* .xlsx: shared strings */
    size_t strings_text; /* .xlsx: bytes of the shared strings together */
} sheet_limits_t;

typedef struct sheet {
    char *text;          /* the values, NUL-terminated one after another; offset 0 is "" */
    size_t text_len, text_cap;
    uint32_t *cell;      /* offset in text of each cell's value */
    size_t ncells, cell_cap;
    uint32_t *row;       /* index in cell of each row's first cell; row[nrows] == ncells */
    size_t nrows, row_cap;
    int row_open;        /* a row begun and not ended */
    const sheet_limits_t *lim;
    sheet_fail_t fail;   /* why the read stopped, SHEET_OK if it did not */
    char where[16];      /* the cell a failure names ("XFD3"), or "" */
} sheet_t;

/* An empty table read under lim (which must outlive it). */
void sheet_init(sheet_t *s, const sheet_limits_t *lim);
/* Wipe (the values are personal data) and free what s holds; s is empty after. */
void sheet_free(sheet_t *s);

/* Building, for the readers: begin a row; set the current row's cell at column col
 * (zero-based; empty cells before it are added, a cell set twice keeps the last
 * value); end the row (dropped if it has no cell). row_num is the file's row number
 * (1-based), used to name a refused cell. 0, or -1 with s->fail (and s->where) set. */
int sheet_row_begin(sheet_t *s);
int sheet_set(sheet_t *s, size_t col, const char *v, size_t len, long row_num);
void sheet_row_end(sheet_t *s);
/* Record a failure (the first one stays); where may be NULL. Always -1. */
int sheet_failed(sheet_t *s, sheet_fail_t why, const char *where);
/* "XFD3": column col (zero-based) of row row_num, in A1 notation. */
void sheet_cell_name(char out[16], size_t col, long row_num);

/* Reading: rows, cells of row r, and the value at (r, c) ("" beyond the row). */
size_t sheet_rows(const sheet_t *s);
size_t sheet_width(const sheet_t *s, size_t r);
const char *sheet_get(const sheet_t *s, size_t r, size_t c);

/* Read CSV bytes into s (empty lines skipped; a leading BOM dropped; text that is not
 * UTF-8 read as GB18030, cell by cell). 0, or -1 with s->fail set. */
int csv_read(sheet_t *s, const char *data, size_t len);
/* Read the first worksheet of an .xlsx package (as the workbook names it) into s,
 * rows without any value left out; the package is read in place, its parts
 * decompressed and parsed in chunks. 0, or -1 with s->fail set. (spreadsheet.c) */
int xlsx_read(sheet_t *s, const char *data, size_t len);

/* A set of strings kept compactly (one text buffer, an open-addressing table of
 * 32-bit offsets): an import's ID numbers, to find one on an earlier row. */
typedef struct strset {
    char *text;
    size_t text_len, text_cap;
    uint32_t *slot;      /* offset + 1 of a string in text, 0 for an empty slot */
    size_t nslots, n;
    unsigned char key[16]; /* the hash's (SipHash), random for each set */
} strset_t;

/* 1 if s was added, 0 if it was there already. Never fails (allocation aborts). */
int strset_add(strset_t *set, const char *s);
/* Wipe and free what set holds; it is empty after. */
void strset_free(strset_t *set);

#endif
