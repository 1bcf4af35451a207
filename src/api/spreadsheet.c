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

#include "lib/util.h"

#define XLSX_MAX_XML (64 * 1024 * 1024)
#define XLSX_PATH_MAX 256

/* The bytes of one member of the zip, NUL-terminated; NULL if missing or too big. */
static char *zip_member(zip_t *z, const char *name, size_t *len)
{
    zip_stat_t st;
    if (zip_stat(z, name, 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE) || st.size > XLSX_MAX_XML)
        return NULL;
    zip_file_t *f = zip_fopen(z, name, 0);
    if (f == NULL)
        return NULL;
    char *buf = xmalloc(st.size + 1);
    zip_int64_t n = zip_fread(f, buf, st.size);
    zip_fclose(f);
    if (n < 0 || (zip_uint64_t)n != st.size) {
        free(buf);
        return NULL;
    }
    buf[st.size] = '\0';
    *len = st.size;
    return buf;
}

typedef struct xlsx_parse {
    XML_Parser parser;
    /* workbook.xml and its relationships: where the first sheet is */
    char sheet_rid[64];
    char sheet_target[XLSX_PATH_MAX];
    /* sharedStrings.xml and the sheet */
    json_t *strings;     /* shared strings */
    json_t *rows;        /* the sheet: arrays of strings, empty rows left out */
    json_t *row;         /* the row being read */
    char *text;          /* text of the current <si> or cell, growing */
    size_t text_len, text_cap;
    int in_text;         /* inside a <t> or <v> whose text counts */
    int in_phonetic;     /* inside <rPh>: reading aids, not the text */
    int cell_col, next_col, cell_shared, cell_has_value;
    long row_num;        /* the sheet's row number (1-based), for naming a cell */
    int max_cols;
    char *bad_cell;      /* [16]: the first cell with a value beyond max_cols */
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

static void text_reset(xlsx_parse_t *x)
{
    x->text_len = 0;
    if (x->text)
        x->text[0] = '\0';
}

static void xml_text(void *ud, const XML_Char *s, int len)
{
    xlsx_parse_t *x = ud;
    if (!x->in_text || x->in_phonetic)
        return;
    if (x->text_len + (size_t)len + 1 > x->text_cap) {
        x->text_cap = (x->text_len + (size_t)len + 1) * 2;
        x->text = xrealloc(x->text, x->text_cap);
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
        text_reset(x);
    else if (strcmp(n, "rPh") == 0)
        x->in_phonetic = 1;
    else if (strcmp(n, "t") == 0)
        x->in_text = 1; /* the runs of one <si> add up */
}

static void strings_end(void *ud, const XML_Char *el)
{
    xlsx_parse_t *x = ud;
    const char *n = local(el);
    if (strcmp(n, "t") == 0)
        x->in_text = 0;
    else if (strcmp(n, "rPh") == 0)
        x->in_phonetic = 0;
    else if (strcmp(n, "si") == 0)
        json_array_append_new(x->strings, json_string(x->text ? x->text : ""));
}

/* ---- the worksheet ---- */

/* "BC12" -> 54 (zero-based column); -1 without letters. Stops counting past 2^20. */
static int column_of(const char *ref)
{
    int c = 0;
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
        json_decref(x->row);
        x->row = json_array();
        x->next_col = 0;
        const char *r = attr(a, "r");
        long num = r ? strtol(r, NULL, 10) : 0;
        x->row_num = num > 0 && num <= 1048576 ? num : x->row_num + 1;
    } else if (strcmp(n, "c") == 0) {
        const char *t = attr(a, "t");
        x->cell_col = column_of(attr(a, "r"));
        if (x->cell_col < 0)
            x->cell_col = x->next_col;
        x->next_col = x->cell_col + 1;
        x->cell_shared = t && strcmp(t, "s") == 0;
        x->cell_has_value = 0;
        text_reset(x);
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
    } else if (strcmp(n, "c") == 0 && x->row && x->cell_has_value) {
        const char *v = x->text ? x->text : "";
        if (x->cell_shared) {
            char *end;
            long k = strtol(v, &end, 10);
            v = *v && !*end && k >= 0 && (size_t)k < json_array_size(x->strings)
                    ? json_string_value(json_array_get(x->strings, (size_t)k))
                    : "";
        }
        if (*v == '\0')
            return; /* an empty value: as if the cell were not there */
        if (x->cell_col >= x->max_cols) {
            /* Far beyond the template: refuse, naming the cell, without a column for each empty one. */
            int c = x->cell_col + 1, len = 0;
            char letters[8], rev[8];
            while (c > 0 && len < 7) {
                rev[len++] = (char)('A' + (c - 1) % 26);
                c = (c - 1) / 26;
            }
            for (int i = 0; i < len; i++)
                letters[i] = rev[len - 1 - i];
            letters[len] = '\0';
            snprintf(x->bad_cell, 16, "%s%ld", letters, x->row_num);
            XML_StopParser(x->parser, XML_FALSE);
            return;
        }
        while ((int)json_array_size(x->row) < x->cell_col)
            json_array_append_new(x->row, json_string(""));
        if ((int)json_array_size(x->row) == x->cell_col)
            json_array_append_new(x->row, json_string(v));
        else
            json_array_set_new(x->row, (size_t)x->cell_col, json_string(v));
    } else if (strcmp(n, "row") == 0 && x->row) {
        /* A row without any value (empty, or formatting only) is skipped, like an empty CSV line. */
        if (json_array_size(x->row) > 0)
            json_array_append(x->rows, x->row);
        json_decref(x->row);
        x->row = NULL;
    }
}

static int parse_xml(const char *text, size_t len, XML_StartElementHandler start, XML_EndElementHandler end,
                     xlsx_parse_t *x)
{
    if (len > INT32_MAX)
        return -1;
    XML_Parser p = XML_ParserCreateNS("UTF-8", '|');
    if (p == NULL)
        return -1;
    x->parser = p;
    XML_SetUserData(p, x);
    XML_SetElementHandler(p, start, end);
    XML_SetCharacterDataHandler(p, xml_text);
    int ok = XML_Parse(p, text, (int)len, 1) == XML_STATUS_OK;
    XML_ParserFree(p);
    x->parser = NULL;
    x->in_text = x->in_phonetic = 0;
    return ok ? 0 : -1;
}

/* Parse the zip member name with start/end; 0, or -1 if missing or malformed. */
static int parse_member(zip_t *z, const char *name, XML_StartElementHandler start, XML_EndElementHandler end,
                        xlsx_parse_t *x)
{
    size_t n = 0;
    char *text = zip_member(z, name, &n);
    int rc = text ? parse_xml(text, n, start, end, x) : -1;
    free(text);
    return rc;
}

json_t *xlsx_read(const char *data, size_t len, int max_cols, char bad_cell[16])
{
    bad_cell[0] = '\0';
    zip_error_t err;
    zip_error_init(&err);
    zip_source_t *src = zip_source_buffer_create(data, len, 0, &err);
    zip_t *z = src ? zip_open_from_source(src, ZIP_RDONLY, &err) : NULL;
    if (z == NULL) {
        if (src)
            zip_source_free(src);
        zip_error_fini(&err);
        return NULL;
    }
    xlsx_parse_t x = {.max_cols = max_cols, .bad_cell = bad_cell};
    x.strings = json_array();
    x.rows = json_array();
    /* The first worksheet as the workbook names it, wherever the package keeps it. */
    int ok = parse_member(z, "xl/workbook.xml", workbook_start, ignore_end, &x) == 0 && x.sheet_rid[0] &&
             parse_member(z, "xl/_rels/workbook.xml.rels", rels_start, ignore_end, &x) == 0 && x.sheet_target[0];
    /* Shared strings are optional: a workbook of inline strings and numbers has none. */
    if (ok && zip_name_locate(z, "xl/sharedStrings.xml", 0) >= 0)
        ok = parse_member(z, "xl/sharedStrings.xml", strings_start, strings_end, &x) == 0;
    if (ok)
        ok = parse_member(z, x.sheet_target, sheet_start, sheet_end, &x) == 0 && !bad_cell[0];
    zip_close(z);
    zip_error_fini(&err);
    free(x.text);
    json_decref(x.row);
    json_decref(x.strings);
    if (!ok) {
        json_decref(x.rows);
        return NULL;
    }
    return x.rows;
}

/* ---- writing ---- */

char *xlsx_write(const json_t *table, const char *sheet, const char *beside, size_t *len)
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
    lxw_worksheet *ws = wb ? workbook_add_worksheet(wb, sheet) : NULL;
    lxw_format *text = wb ? workbook_add_format(wb) : NULL;
    if (text)
        format_set_num_format(text, "@"); /* ID numbers stay text, never rounded numbers */
    size_t r, c;
    json_t *row, *cell;
    json_array_foreach(table, r, row) {
        json_array_foreach(row, c, cell) {
            if (ws)
                worksheet_write_string(ws, (lxw_row_t)r, (lxw_col_t)c, json_string_value(cell), text);
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
