/* Spreadsheets (.xlsx): reading the first worksheet of an upload (libzip for the
 * package, expat for its XML) and writing a table as a workbook (libxlsxwriter).
 * Both stay off /tmp: a read never touches the disk, and a written workbook is
 * assembled in an anonymous memory file (memfd), its scratch files unlinked at
 * once in the data directory. */
#include "api/internal.h"

#include <expat.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xlsxwriter.h>
#include <zip.h>

#include "api/sheet.h"
#include "lib/util.h"

#define XLSX_PATH_MAX 256
#define XLSX_CHUNK (64 * 1024)        /* bytes decompressed and fed to expat at a time */
#define XLSX_TOKEN_MAX (1024 * 1024)  /* bytes expat may hold unparsed: one tag, never a workbook's worth */
#define XLSX_RATIO_GRACE (1024 * 1024) /* a part smaller than this may expand as it likes */

typedef struct xlsx_parse {
    XML_Parser parser;
    sheet_t *s;          /* the table being read */
    sheet_t strings;     /* the shared strings: one row, a cell each */
    sheet_limits_t strings_lim;
    size_t unzipped;     /* bytes read out of the package so far */
    size_t package_len;
    char *chunk;         /* [XLSX_CHUNK] */
    /* workbook.xml and its relationships: where the first sheet is */
    char sheet_rid[64];
    char sheet_target[XLSX_PATH_MAX];
    /* sharedStrings.xml and the sheet */
    char *text;          /* text of the current <si> or cell, at most lim->cell bytes */
    size_t text_len;
    int in_text;         /* inside a <t> or <v> whose text counts */
    int in_phonetic;     /* inside <rPh>: reading aids, not the text */
    int in_row;
    size_t cell_col, next_col;
    int cell_shared, cell_has_value;
    long row_num;        /* the sheet's row number (1-based), for naming a cell */
    int in_sheet;        /* reading the worksheet (not the shared strings) */
} xlsx_parse_t;

/* The local part of a name the namespace-aware parser gives as "uri|local". */
static const char *local(const XML_Char *name)
{
    const char *bar = strrchr(name, '|');
    return bar ? bar + 1 : name;
}

static const char *attr(const XML_Char **a, const char *name)
{
    for (int i = 0; a[i]; i += 2)
        if (strcmp(a[i], name) == 0)
            return a[i + 1];
    return NULL;
}

/* Stop the parse: the table says why. */
static void xlsx_stop(xlsx_parse_t *x, sheet_fail_t why, const char *where)
{
    sheet_failed(x->s, why, where);
    XML_StopParser(x->parser, XML_FALSE);
}

static void xml_text(void *ud, const XML_Char *s, int len)
{
    xlsx_parse_t *x = ud;
    if (!x->in_text || x->in_phonetic || x->s->fail)
        return;
    if (x->text_len + (size_t)len > x->s->lim->cell) {
        char name[16] = "";
        if (x->in_sheet)
            sheet_cell_name(name, x->cell_col, x->row_num);
        xlsx_stop(x, SHEET_CELL, name);
        return;
    }
    memcpy(x->text + x->text_len, s, (size_t)len);
    x->text_len += (size_t)len;
    x->text[x->text_len] = '\0';
}

/* ---- xl/workbook.xml and xl/_rels/workbook.xml.rels ---- */

static void workbook_start(void *ud, const XML_Char *el, const XML_Char **a)
{
    xlsx_parse_t *x = ud;
    if (strcmp(local(el), "sheet") != 0 || x->sheet_rid[0])
        return;
    /* r:id, in the relationships namespace (transitional or strict). */
    for (int i = 0; a[i]; i += 2) {
        size_t n = strlen(a[i]);
        if (n >= 16 && strcmp(a[i] + n - 16, "relationships|id") == 0)
            str_copy(x->sheet_rid, sizeof x->sheet_rid, a[i + 1]);
    }
}

static void rels_start(void *ud, const XML_Char *el, const XML_Char **a)
{
    xlsx_parse_t *x = ud;
    const char *id = attr(a, "Id"), *target = attr(a, "Target");
    if (strcmp(local(el), "Relationship") != 0 || id == NULL || target == NULL || strcmp(id, x->sheet_rid) != 0)
        return;
    /* Targets are relative to xl/, or absolute in the package. */
    if (target[0] == '/')
        str_copy(x->sheet_target, sizeof x->sheet_target, target + 1);
    else
        snprintf(x->sheet_target, sizeof x->sheet_target, "xl/%s", target);
}

static void ignore_end(void *ud, const XML_Char *el)
{
    (void)ud, (void)el;
}

/* ---- xl/sharedStrings.xml ---- */

static void strings_start(void *ud, const XML_Char *el, const XML_Char **a)
{
    (void)a;
    xlsx_parse_t *x = ud;
    const char *n = local(el);
    if (strcmp(n, "si") == 0)
        x->text_len = 0;
    else if (strcmp(n, "rPh") == 0)
        x->in_phonetic = 1;
    else if (strcmp(n, "t") == 0)
        x->in_text = 1; /* the runs of one <si> add up */
}

static void strings_end(void *ud, const XML_Char *el)
{
    xlsx_parse_t *x = ud;
    const char *n = local(el);
    if (strcmp(n, "t") == 0) {
        x->in_text = 0;
    } else if (strcmp(n, "rPh") == 0) {
        x->in_phonetic = 0;
    } else if (strcmp(n, "si") == 0 && !x->s->fail) {
        /* One row of strings; its caps are the shared strings' own. */
        if (sheet_set(&x->strings, x->strings.ncells, x->text_len ? x->text : "", x->text_len, 1) != 0)
            xlsx_stop(x, SHEET_STRINGS, NULL);
    }
}

/* ---- the worksheet ---- */

/* "BC12" -> 54 (zero-based column); -1 without letters. Stops counting past 2^20. */
static long column_of(const char *ref)
{
    long c = 0;
    for (; ref && *ref >= 'A' && *ref <= 'Z'; ref++)
        if (c < (1 << 20))
            c = c * 26 + (*ref - 'A' + 1);
    return c - 1;
}

static void sheet_start(void *ud, const XML_Char *el, const XML_Char **a)
{
    xlsx_parse_t *x = ud;
    const char *n = local(el);
    if (strcmp(n, "row") == 0) {
        sheet_row_begin(x->s);
        x->in_row = 1;
        x->next_col = 0;
        const char *r = attr(a, "r");
        long num = r ? strtol(r, NULL, 10) : 0;
        x->row_num = num > 0 && num <= 1048576 ? num : x->row_num + 1;
    } else if (strcmp(n, "c") == 0) {
        const char *t = attr(a, "t");
        long col = column_of(attr(a, "r"));
        x->cell_col = col < 0 ? x->next_col : (size_t)col;
        x->next_col = x->cell_col + 1;
        x->cell_shared = t && strcmp(t, "s") == 0;
        x->cell_has_value = 0;
        x->text_len = 0;
    } else if (strcmp(n, "rPh") == 0) {
        x->in_phonetic = 1;
    } else if (strcmp(n, "v") == 0 || strcmp(n, "t") == 0) {
        /* <v>: a value; <t>: an inline string, whole or in rich-text runs that add up. */
        x->in_text = 1;
        x->cell_has_value = 1;
    }
}

static void sheet_end(void *ud, const XML_Char *el)
{
    xlsx_parse_t *x = ud;
    const char *n = local(el);
    if (strcmp(n, "v") == 0 || strcmp(n, "t") == 0) {
        x->in_text = 0;
    } else if (strcmp(n, "rPh") == 0) {
        x->in_phonetic = 0;
    } else if (strcmp(n, "c") == 0 && x->in_row && x->cell_has_value && !x->s->fail) {
        const char *v = x->text_len ? x->text : "";
        size_t len = x->text_len;
        if (x->cell_shared) {
            char *end;
            long k = strtol(v, &end, 10);
            v = *v && !*end && k >= 0 ? sheet_get(&x->strings, 0, (size_t)k) : "";
            len = strlen(v);
        }
        /* An empty value: as if the cell were not there. Far beyond the template: refused,
         * naming the cell, without a column for each empty one. */
        if (len > 0 && sheet_set(x->s, x->cell_col, v, len, x->row_num) != 0)
            XML_StopParser(x->parser, XML_FALSE);
    } else if (strcmp(n, "row") == 0 && x->in_row) {
        /* A row without any value (empty, or formatting only) is skipped, like an empty CSV line. */
        sheet_row_end(x->s);
        x->in_row = 0;
    }
}

/* A workbook has no document type: one that declares it (and its entities) is refused. */
static void refuse_doctype(void *ud, const XML_Char *name, const XML_Char *sysid, const XML_Char *pubid,
                           int has_internal_subset)
{
    (void)name, (void)sysid, (void)pubid, (void)has_internal_subset;
    xlsx_stop(ud, SHEET_UNREADABLE, NULL);
}

/* Parse the zip member name with start/end, decompressing and parsing it a chunk at
 * a time, the bytes counted as they come out (the sizes the package declares are not
 * trusted). 0, or -1 with x->s->fail set. */
static int parse_member(zip_t *z, const char *name, XML_StartElementHandler start, XML_EndElementHandler end,
                        xlsx_parse_t *x)
{
    zip_stat_t st;
    zip_stat_init(&st);
    zip_file_t *f = zip_stat(z, name, 0, &st) == 0 ? zip_fopen(z, name, 0) : NULL;
    XML_Parser p = f ? XML_ParserCreateNS("UTF-8", '|') : NULL;
    if (p == NULL) {
        if (f)
            zip_fclose(f);
        return sheet_failed(x->s, SHEET_UNREADABLE, NULL);
    }
    size_t packed = (st.valid & ZIP_STAT_COMP_SIZE) && st.comp_size > 0 ? (size_t)st.comp_size : 1;
    x->parser = p;
    XML_SetUserData(p, x);
    XML_SetElementHandler(p, start, end);
    XML_SetCharacterDataHandler(p, xml_text);
    XML_SetStartDoctypeDeclHandler(p, refuse_doctype);
    const sheet_limits_t *lim = x->s->lim;
    size_t out = 0, fed = 0;
    int ok = 1;
    for (;;) {
        zip_int64_t n = zip_fread(f, x->chunk, XLSX_CHUNK);
        if (n < 0) {
            ok = 0;
            break;
        }
        out += (size_t)n;
        x->unzipped += (size_t)n;
        if (x->unzipped > lim->unzipped) {
            sheet_failed(x->s, SHEET_UNZIPPED, NULL);
            break;
        }
        if ((out > XLSX_RATIO_GRACE && out / lim->ratio > packed) ||
            (x->unzipped > XLSX_RATIO_GRACE && x->unzipped / lim->ratio > x->package_len)) {
            sheet_failed(x->s, SHEET_RATIO, NULL);
            break;
        }
        fed += (size_t)n;
        if (XML_Parse(p, x->chunk, (int)n, n == 0) != XML_STATUS_OK) {
            ok = 0;
            break;
        }
        /* What expat keeps unparsed is one token (a tag, a comment): bounded. */
        XML_Index at = XML_GetCurrentByteIndex(p);
        if (at >= 0 && fed - (size_t)at > XLSX_TOKEN_MAX) {
            ok = 0;
            break;
        }
        if (n == 0)
            break;
    }
    zip_fclose(f);
    XML_ParserFree(p);
    x->parser = NULL;
    x->in_text = x->in_phonetic = 0;
    if (!ok)
        sheet_failed(x->s, SHEET_UNREADABLE, NULL);
    return x->s->fail ? -1 : 0;
}

int xlsx_read(sheet_t *s, const char *data, size_t len)
{
    zip_error_t err;
    zip_error_init(&err);
    zip_source_t *src = zip_source_buffer_create(data, len, 0, &err);
    zip_t *z = src ? zip_open_from_source(src, ZIP_RDONLY, &err) : NULL;
    if (z == NULL) {
        if (src)
            zip_source_free(src);
        zip_error_fini(&err);
        return sheet_failed(s, SHEET_UNREADABLE, NULL);
    }
    xlsx_parse_t x = {.s = s, .package_len = len ? len : 1};
    x.strings_lim = (sheet_limits_t){.rows = 1, .cols = s->lim->strings, .cell = s->lim->cell,
                                     .text = s->lim->strings_text, .cells = s->lim->strings};
    sheet_init(&x.strings, &x.strings_lim);
    x.chunk = xmalloc(XLSX_CHUNK);
    x.text = xmalloc(s->lim->cell + 1);
    /* The first worksheet as the workbook names it, wherever the package keeps it. */
    int ok = parse_member(z, "xl/workbook.xml", workbook_start, ignore_end, &x) == 0 && x.sheet_rid[0] &&
             parse_member(z, "xl/_rels/workbook.xml.rels", rels_start, ignore_end, &x) == 0 && x.sheet_target[0];
    /* Shared strings are optional: a workbook of inline strings and numbers has none. */
    if (ok && zip_name_locate(z, "xl/sharedStrings.xml", 0) >= 0)
        ok = parse_member(z, "xl/sharedStrings.xml", strings_start, strings_end, &x) == 0;
    sheet_row_end(&x.strings);
    if (ok) {
        x.in_sheet = 1;
        ok = parse_member(z, x.sheet_target, sheet_start, sheet_end, &x) == 0;
        sheet_row_end(s);
    }
    zip_close(z);
    zip_error_fini(&err);
    sodium_memzero(x.text, s->lim->cell + 1);
    free(x.text);
    free(x.chunk);
    sheet_free(&x.strings);
    if (!ok && !s->fail)
        sheet_failed(s, SHEET_UNREADABLE, NULL);
    return ok ? 0 : -1;
}

/* ---- writing ---- */

char *xlsx_write(const json_t *table, const char *sheet, const char *beside, size_t *len)
{
    json_t *book = json_pack("[{s:s, s:O}]", "name", sheet, "rows", table);
    char *out = book ? xlsx_write_book(book, beside, len) : NULL;
    json_decref(book);
    return out;
}

char *xlsx_write_book(const json_t *sheets, const char *beside, size_t *len)
{
    /* The workbook is written to an anonymous file in memory: no name on any disk. */
    int fd = memfd_create("jiceng-xlsx", MFD_CLOEXEC);
    if (fd < 0)
        return NULL;
    char path[64], dir[XLSX_PATH_MAX];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    const char *slash = beside ? strrchr(beside, '/') : NULL;
    if (slash == NULL)
        str_copy(dir, sizeof dir, ".");
    else if (slash == beside)
        str_copy(dir, sizeof dir, "/");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - beside), beside);
    /* libxlsxwriter's own scratch files: unlinked as soon as made, in the data directory, not /tmp. */
    lxw_workbook_options opt = {.constant_memory = LXW_FALSE, .tmpdir = dir, .use_zip64 = LXW_FALSE};
    lxw_workbook *wb = workbook_new_opt(path, &opt);
    lxw_format *text = wb ? workbook_add_format(wb) : NULL;
    if (text)
        format_set_num_format(text, "@"); /* ID numbers stay text, never rounded numbers */
    size_t i, r, c;
    json_t *sheet, *row, *cell;
    json_array_foreach(sheets, i, sheet) {
        lxw_worksheet *ws = wb ? workbook_add_worksheet(wb, json_string_value(json_object_get(sheet, "name"))) : NULL;
        if (ws == NULL)
            continue;
        json_array_foreach(json_object_get(sheet, "rows"), r, row) {
            json_array_foreach(row, c, cell) {
                /* Numbers as numbers, text as text, null left empty. */
                if (json_is_number(cell))
                    worksheet_write_number(ws, (lxw_row_t)r, (lxw_col_t)c, json_number_value(cell), NULL);
                else if (json_is_string(cell))
                    worksheet_write_string(ws, (lxw_row_t)r, (lxw_col_t)c, json_string_value(cell), text);
            }
        }
    }
    char *out = NULL;
    off_t n = wb && workbook_close(wb) == LXW_NO_ERROR ? lseek(fd, 0, SEEK_END) : -1;
    if (n > 0) {
        out = xmalloc((size_t)n);
        if (pread(fd, out, (size_t)n, 0) != n) {
            sodium_memzero(out, (size_t)n);
            free(out);
            out = NULL;
        }
        *len = (size_t)n;
    }
    /* Wipe before letting go: the pages go back zeroed, whoever gets them next. */
    if (n > 0) {
        char zeros[4096] = {0};
        for (off_t at = 0; at < n; at += (off_t)sizeof zeros)
            if (pwrite(fd, zeros, (size_t)(n - at < (off_t)sizeof zeros ? n - at : (off_t)sizeof zeros), at) < 0)
                break;
    }
    if (ftruncate(fd, 0) != 0)
        log_error("cannot truncate a spreadsheet buffer");
    close(fd);
    return out;
}
