/* Uploaded tables kept compactly (sheet.h), and CSV read into one in a single pass
 * (lib/csv.h): the row, column, cell and text caps checked as the bytes come,
 * GB18030 text converted one cell at a time (its multi-byte characters never
 * contain a comma, quote or line break, so the fields are found on the raw bytes). */
#include "api/sheet.h"

#include <errno.h>
#include <iconv.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/utf8.h"
#include "lib/csv.h"
#include "lib/util.h"

/* Room for need items of size bytes in *p (capacity *cap), doubling up to at most
 * limit items (never more: the caps bound the memory, not twice the caps). */
static void grow(void *p, size_t *cap, size_t need, size_t size, size_t limit)
{
    if (need <= *cap)
        return;
    size_t n = *cap ? *cap * 2 : 1024;
    if (n < need)
        n = need;
    if (n > limit && limit >= need)
        n = limit;
    *(void **)p = xrealloc(*(void **)p, n * size);
    *cap = n;
}

void sheet_init(sheet_t *s, const sheet_limits_t *lim)
{
    memset(s, 0, sizeof *s);
    s->lim = lim;
    grow(&s->text, &s->text_cap, 1, 1, lim->text + 1);
    s->text[0] = '\0'; /* offset 0: the empty value */
    s->text_len = 1;
    grow(&s->row, &s->row_cap, 1, sizeof *s->row, lim->rows + 1);
    s->row[0] = 0;
}

void sheet_free(sheet_t *s)
{
    if (s->text)
        sodium_memzero(s->text, s->text_cap);
    free(s->text);
    free(s->cell);
    free(s->row);
    memset(s, 0, sizeof *s);
}

int sheet_failed(sheet_t *s, sheet_fail_t why, const char *where)
{
    if (s->fail == SHEET_OK) {
        s->fail = why;
        str_copy(s->where, sizeof s->where, where ? where : "");
    }
    return -1;
}

void sheet_cell_name(char out[16], size_t col, long row_num)
{
    char rev[8];
    int len = 0;
    for (size_t c = col + 1; c > 0 && len < 7; c = (c - 1) / 26)
        rev[len++] = (char)('A' + (c - 1) % 26);
    int at = 0;
    while (len > 0)
        out[at++] = rev[--len];
    snprintf(out + at, (size_t)(16 - at), "%ld", row_num);
}

int sheet_row_begin(sheet_t *s)
{
    if (s->row_open)
        sheet_row_end(s);
    s->row_open = 1;
    return 0;
}

void sheet_row_end(sheet_t *s)
{
    if (!s->row_open)
        return;
    s->row_open = 0;
    if (s->ncells == s->row[s->nrows])
        return; /* no cell: as if the row were not there */
    grow(&s->row, &s->row_cap, s->nrows + 2, sizeof *s->row, s->lim->rows + 1);
    s->row[++s->nrows] = (uint32_t)s->ncells;
}

int sheet_set(sheet_t *s, size_t col, const char *v, size_t len, long row_num)
{
    char name[16];
    if (col >= s->lim->cols) {
        sheet_cell_name(name, col, row_num);
        return sheet_failed(s, SHEET_COLUMNS, name);
    }
    if (len > s->lim->cell) {
        sheet_cell_name(name, col, row_num);
        return sheet_failed(s, SHEET_CELL, name);
    }
    if (!s->row_open && sheet_row_begin(s) != 0)
        return -1;
    size_t first = s->row[s->nrows], have = s->ncells - first;
    if (have == 0 && s->nrows >= s->lim->rows)
        return sheet_failed(s, SHEET_ROWS, NULL); /* counted once a row has a cell: empty rows are free */
    size_t need = col < have ? s->ncells : first + col + 1;
    if (need > s->lim->cells || (len > 0 && s->text_len + len + 1 > s->lim->text + 1))
        return sheet_failed(s, SHEET_TEXT, NULL);
    grow(&s->cell, &s->cell_cap, need, sizeof *s->cell, s->lim->cells);
    while (s->ncells < need)
        s->cell[s->ncells++] = 0;
    uint32_t at = 0;
    if (len > 0) {
        grow(&s->text, &s->text_cap, s->text_len + len + 1, 1, s->lim->text + 1);
        at = (uint32_t)s->text_len;
        memcpy(s->text + at, v, len);
        s->text[at + len] = '\0';
        s->text_len += len + 1;
    }
    s->cell[first + col] = at;
    return 0;
}

size_t sheet_rows(const sheet_t *s)
{
    return s->nrows;
}

size_t sheet_width(const sheet_t *s, size_t r)
{
    return r < s->nrows ? s->row[r + 1] - s->row[r] : 0;
}

const char *sheet_get(const sheet_t *s, size_t r, size_t c)
{
    return c < sheet_width(s, r) ? s->text + s->cell[s->row[r] + c] : "";
}

/* ---- a set of strings ---- */

/* SipHash with a key of the set's own: rows cannot be chosen to fall in one slot. */
static uint64_t strset_hash(const strset_t *set, const char *s)
{
    unsigned char out[crypto_shorthash_BYTES];
    crypto_shorthash(out, (const unsigned char *)s, strlen(s), set->key);
    uint64_t h;
    memcpy(&h, out, sizeof h);
    return h;
}

/* The slot where s is, or the empty one where it would go. */
static size_t strset_find(const strset_t *set, const char *s, uint64_t h)
{
    size_t i = h & (set->nslots - 1);
    while (set->slot[i] && strcmp(set->text + set->slot[i] - 1, s) != 0)
        i = (i + 1) & (set->nslots - 1);
    return i;
}

int strset_add(strset_t *set, const char *s)
{
    if (set->nslots == 0 || (set->n + 1) * 2 > set->nslots) { /* at most half full */
        size_t old_n = set->nslots;
        uint32_t *old = set->slot;
        if (old_n == 0)
            randombytes_buf(set->key, sizeof set->key);
        set->nslots = old_n ? old_n * 2 : 1024;
        set->slot = xcalloc(set->nslots, sizeof *set->slot);
        for (size_t k = 0; k < old_n; k++)
            if (old[k])
                set->slot[strset_find(set, set->text + old[k] - 1, strset_hash(set, set->text + old[k] - 1))] = old[k];
        free(old);
    }
    size_t i = strset_find(set, s, strset_hash(set, s));
    if (set->slot[i])
        return 0;
    size_t len = strlen(s) + 1;
    grow(&set->text, &set->text_cap, set->text_len + len, 1, SIZE_MAX);
    memcpy(set->text + set->text_len, s, len);
    set->slot[i] = (uint32_t)set->text_len + 1;
    set->text_len += len;
    set->n++;
    return 1;
}

void strset_free(strset_t *set)
{
    if (set->text)
        sodium_memzero(set->text, set->text_cap);
    free(set->text);
    free(set->slot);
    memset(set, 0, sizeof *set);
}

/* ---- CSV ---- */

typedef struct csv {
    sheet_t *s;
    iconv_t cd;       /* GB18030 -> UTF-8, or (iconv_t)-1 for UTF-8 text */
    char *utf8;       /* a converted field */
} csv_t;

/* A field read (lib/csv.h): converted if need be, added to the row. */
static int csv_cell(void *arg, const char *v, size_t n, size_t col, long row_num)
{
    csv_t *c = arg;
    if (n == 0 && col >= c->s->lim->cols)
        return 0; /* empty cells beyond the template: as if not there */
    if (n > 0 && c->cd != (iconv_t)-1) {
        char *in = (char *)v, *out = c->utf8; /* iconv reads in, never writes it */
        size_t left_in = n, left_out = c->s->lim->cell;
        iconv(c->cd, NULL, NULL, NULL, NULL);
        if (iconv(c->cd, &in, &left_in, &out, &left_out) == (size_t)-1 ||
            iconv(c->cd, NULL, NULL, &out, &left_out) == (size_t)-1) {
            if (errno == E2BIG) {
                char name[16];
                sheet_cell_name(name, col, row_num);
                return sheet_failed(c->s, SHEET_CELL, name);
            }
            return sheet_failed(c->s, SHEET_ENCODING, NULL);
        }
        v = c->utf8;
        n = c->s->lim->cell - left_out;
        if (memchr(v, '\0', n) != NULL || !utf8_valid(v, n))
            return sheet_failed(c->s, SHEET_ENCODING, NULL);
    }
    return sheet_set(c->s, col, v, n, row_num);
}

static void csv_row_end(void *arg)
{
    sheet_row_end(((csv_t *)arg)->s);
}

int csv_read(sheet_t *s, const char *data, size_t n)
{
    if (n >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        data += 3, n -= 3;
    if (memchr(data, '\0', n) != NULL)
        return sheet_failed(s, SHEET_ENCODING, NULL);
    csv_t c = {.s = s, .cd = (iconv_t)-1};
    if (!utf8_valid(data, n)) {
        c.cd = iconv_open("UTF-8", "GB18030");
        if (c.cd == (iconv_t)-1)
            return sheet_failed(s, SHEET_ENCODING, NULL);
        c.utf8 = xmalloc(s->lim->cell + 1);
    }
    csv_parser_t p = {.cell = csv_cell, .row_end = csv_row_end, .arg = &c, .cap = s->lim->cell};
    p.field = xmalloc(p.cap + 1);
    int rc = 0;
    switch (csv_parse(&p, data, n)) {
    case CSV_OK:
        break;
    case CSV_STOPPED:
        rc = -1; /* csv_cell recorded why */
        break;
    case CSV_TOO_LONG: {
        char name[16];
        sheet_cell_name(name, p.col, p.row);
        rc = sheet_failed(s, SHEET_CELL, name);
        break;
    }
    case CSV_OPEN_QUOTE:
        rc = sheet_failed(s, SHEET_UNREADABLE, NULL);
        break;
    }
    if (c.cd != (iconv_t)-1)
        iconv_close(c.cd);
    sodium_memzero(p.field, p.cap + 1);
    free(p.field);
    if (c.utf8)
        sodium_memzero(c.utf8, s->lim->cell + 1);
    free(c.utf8);
    return rc;
}
