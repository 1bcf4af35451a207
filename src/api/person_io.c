/* The residents' files: import (CSV in UTF-8 or GBK, or XLSX; checked on the
 * offload pool, written in one transaction), its template and the export
 * (CSV or XLSX, following the list's filters). */
#include "api/person.h"

#include "api/handlers.h"
#include "api/op.h"
#include "api/internal.h"
#include "api/sheet.h"
#include "http/server.h"

#include <malloc.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/path.h"
#include "core/role.h"
#include "core/utf8.h"
#include "lib/pii.h"
#include "lib/util.h"

#define IMPORT_MAX_ROWS 100000
#define IMPORT_MAX_ERRORS 1000
#define IMPORT_MAX_COLUMNS 64 /* the template has 7; room for notes, never a column per empty cell */
#define EXPORT_MAX_ROWS 200000

/* What an imported file may hold, checked while it is read (sheet.h): enough for
 * 100,000 rows of the template with notes beside, never what a hostile file asks. */
static const sheet_limits_t import_limits = {
    .rows = IMPORT_MAX_ROWS + 1, /* and the header */
    .cols = IMPORT_MAX_COLUMNS,
    .cell = 4096,
    .text = 16 << 20,
    .cells = 2000000,
    .unzipped = 64 << 20,
    .ratio = 100,
    .strings = 1000000,
    .strings_text = 16 << 20,
};

/* The answer to a file that could not be read or broke a cap: 400 validation_failed
 * (unreadable; a value beyond the template's columns, naming the cell), or 413
 * import_too_large with "limit" naming the cap, "max" its value and "cell" the cell. */
static int import_read_error(const api_req_t *req, const sheet_t *t, int xlsx, api_reply_t *rep)
{
    const sheet_limits_t *l = t->lim;
    const char *limit = NULL;
    size_t max = 0;
    switch (t->fail) {
    case SHEET_COLUMNS:
        api_fail(rep, req->lang, E_IMPORT_CELL_BEYOND_COLUMNS, "file");
        json_object_set_new(json_object_get(rep->json, "error"), "cell", json_string(t->where));
        return 0;
    case SHEET_ENCODING:
        return api_fail(rep, req->lang, E_IMPORT_ENCODING, "file");
    case SHEET_ROWS:
        limit = "rows", max = l->rows - 1;
        api_failf(rep, req->lang, E_IMPORT_TOO_MANY_ROWS, "file", max);
        break;
    case SHEET_CELL:
        limit = "cell", max = l->cell;
        api_failf(rep, req->lang, E_IMPORT_CELL_TOO_LARGE, "file", t->where[0] ? " " : "", t->where, max);
        break;
    case SHEET_TEXT:
        limit = "text", max = l->text;
        api_failf(rep, req->lang, E_IMPORT_TEXT_TOO_LARGE, "file", max >> 20, l->cells);
        break;
    case SHEET_UNZIPPED:
        limit = "unzipped", max = l->unzipped;
        api_failf(rep, req->lang, E_IMPORT_UNZIPPED_TOO_LARGE, "file", max >> 20);
        break;
    case SHEET_RATIO:
        limit = "ratio", max = l->ratio;
        api_failf(rep, req->lang, E_IMPORT_RATIO_TOO_LARGE, "file", max);
        break;
    case SHEET_STRINGS:
        limit = "shared_strings", max = l->strings;
        api_failf(rep, req->lang, E_IMPORT_STRINGS_TOO_MANY, "file", max, l->strings_text >> 20);
        break;
    default:
        if (xlsx && t->fail == SHEET_UNREADABLE)
            return api_fail(rep, req->lang, E_IMPORT_XLSX_UNREADABLE, "file");
        return api_fail(rep, req->lang, E_IMPORT_CSV_UNREADABLE, "file");
    }
    json_t *e = json_object_get(rep->json, "error");
    json_object_set_new(e, "limit", json_string(limit));
    json_object_set_new(e, "max", json_integer((json_int_t)max));
    if (t->where[0])
        json_object_set_new(e, "cell", json_string(t->where));
    return 0;
}

/* Growable text buffer. */
typedef struct buf {
    char *p;
    size_t len, cap;
} buf_t;

static void buf_add(buf_t *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->p = xrealloc(b->p, b->cap);
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

/* A CSV field, quoted when it holds a comma, quote or line break; a leading
 * = + - @ is prefixed with ' so spreadsheets never run it as a formula. */
static void csv_field(buf_t *b, const char *s, int last)
{
    s = s ? s : "";
    int quote = strpbrk(s, ",\"\r\n") != NULL;
    if (quote)
        buf_add(b, "\"", 1);
    if (strchr("=+-@", s[0]) && s[0])
        buf_add(b, "'", 1);
    for (const char *c = s; *c; c++) {
        if (*c == '"')
            buf_add(b, "\"", 1);
        buf_add(b, c, 1);
    }
    if (quote)
        buf_add(b, "\"", 1);
    buf_add(b, last ? "\r\n" : ",", last ? 2 : 1);
}

/* Columns a file may have, in Chinese or English. */
static const struct {
    const char *key, *zh, *alt, *en;
} columns[] = {
    {"name", "姓名", NULL, "name"},
    {"id_card", "身份证号", "公民身份号码", "id_card"},
    {"phone", "手机号", "联系电话", "phone"},
    {"org", "组织编码", "所在组织", "org"},
    {"address", "户地址", "地址", "household_address"},
    {"relation", "与户主关系", NULL, "relation"},
    {"tags", "标签", NULL, "tags"},
};
#define NCOLUMNS (sizeof columns / sizeof columns[0])

static void row_error(json_t *errors, int64_t row, const char *field, const char *code, const char *message)
{
    if (json_array_size(errors) < IMPORT_MAX_ERRORS)
        json_array_append_new(errors, json_pack("{s:I, s:s?, s:s, s:s}", "row", (json_int_t)row, "field", field,
                                                "code", code, "message", message));
}

/* Tags written as codes or Chinese names, separated by ; 、 | or ，. */
static json_t *parse_tags(db_t *db, const char *text)
{
    json_t *out = json_array();
    char *copy = xstrdup(text), *save = NULL;
    for (char *p = copy; *p; p++)
        if (*p == ';' || *p == '|')
            *p = ' ';
    /* 、 and ， are three bytes each: blank them out too. */
    for (char *p = copy; (p = strstr(p, "、")) != NULL;)
        memset(p, ' ', 3);
    for (char *p = copy; (p = strstr(p, "，")) != NULL;)
        memset(p, ' ', 3);
    for (char *t = strtok_r(copy, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
        char code[64] = "";
        if (db_one_text(db, code, sizeof code, "SELECT code FROM person_tag_kind WHERE code = ? OR name_zh = ?",
                        "tt", t, t) == DB_OK)
            json_array_append_new(out, json_string(code));
        else
            json_array_append_new(out, json_string(t)); /* unknown: person_check_new reports it */
    }
    free(copy);
    return out;
}

/* A stage of a long job and its steps, when someone shows them (the CLI). */
static void progress_stage(const progress_t *p, const char *name, int64_t total)
{
    if (p)
        p->stage(p->arg, name, total);
}

static void progress_step(const progress_t *p, int64_t done)
{
    if (p)
        p->step(p->arg, done);
}

/* The household at org with this address (the first one), created if there is
 * none. known maps each org id met so far to its households by address, read
 * once: looking each row's address up in the table would scan all of the org's
 * households per row (there is no index on the address), quadratic in a file
 * for one community. DB_OK with *id, or an error. */
static int import_household(db_t *db, const write_ctx_t *w, json_t *known, int64_t org, const char *address,
                            int64_t *id)
{
    char key[24];
    snprintf(key, sizeof key, "%lld", (long long)org);
    json_t *at = json_object_get(known, key);
    int rc = DB_DONE;
    if (at == NULL) {
        at = json_object();
        json_object_set_new(known, key, at);
        db_stmt_t *st = db_q(db, "SELECT id, address FROM household WHERE org_id = ? ORDER BY id", "i", org);
        if (st == NULL)
            return DB_ERR;
        while ((rc = db_step(st)) == DB_ROW) {
            const char *a = db_col_text(st, 1);
            if (a && json_object_get(at, a) == NULL)
                json_object_set_new(at, a, json_integer(db_col_int(st, 0)));
        }
        db_done(st);
        if (rc != DB_DONE)
            return rc;
    }
    json_t *found = json_object_get(at, address);
    if (found) {
        *id = json_integer_value(found);
        return DB_OK;
    }
    rc = db_one_int(db, id,
                    "INSERT INTO household (org_id, address, created_at, updated_at) VALUES (?, ?, ?, ?) RETURNING id",
                    "itii", org, address, w->now, w->now);
    if (rc == DB_OK)
        rc = rollup_add(db, org, "households", 1);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "household.created", "household", *id, org,
                              json_pack("{s:I, s:s, s:s}", "org_id", (json_int_t)org, "address", address, "via",
                                        "import"));
    if (rc == DB_OK)
        json_object_set_new(at, address, json_integer(*id));
    return rc;
}

/* The good rows go to the writer as lines of compact JSON, a line a row, in strings of
 * about IMPORT_CHUNK bytes: a few large blocks instead of a jansson object per row and
 * per field (about 2 KiB a row), and no second copy of them all at once. item NULL:
 * the last chunk. */
#define IMPORT_CHUNK (1 << 20)
static void import_pack(json_t *lines, buf_t *chunk, const json_t *item)
{
    if (item) {
        char *line = json_dumps(item, JSON_COMPACT);
        buf_add(chunk, line, strlen(line));
        buf_add(chunk, "\n", 1);
        sodium_memzero(line, strlen(line));
        free(line);
    }
    if (chunk->len > 0 && (item == NULL || chunk->len >= IMPORT_CHUNK)) {
        json_array_append_new(lines, json_stringn(chunk->p, chunk->len));
        sodium_memzero(chunk->p, chunk->len);
        chunk->len = 0;
    }
    if (item == NULL) {
        if (chunk->p)
            sodium_memzero(chunk->p, chunk->cap);
        free(chunk->p);
        memset(chunk, 0, sizeof *chunk);
    }
}

/* One good row (as import_pack wrote it, parsed again: the write's own copy) in the
 * write's transaction. DB_OK, or an error that ends the import. */
static int import_one(db_t *db, const write_ctx_t *w, json_t *households, json_t *r, int64_t *imported,
                      int64_t *unchanged)
{
    json_t *person = json_object_get(r, "person");
    person_in_t in = {0};
    api_input_fill(person_create_fields, person, &in); /* checked when the file was read (person_check_new) */
    int64_t org = in.org_id;
    /* Scope again, in the transaction: grants may have changed since the check. */
    int rc = access_org(db, &w->who, PERM_PEOPLE_WRITE, org, NULL, 0);
    if (rc != DB_OK)
        return rc;
    /* Already registered: re-importing a file changes nothing (not even a household).
     * Registered outside the caller's scope since the file was checked: audited
     * as the check would have, and not imported. */
    int64_t existing = 0, holder = 0;
    rc = person_by_id_card(db, w->keys, in.id_card, &existing, &holder);
    if (rc == DB_OK && access_org(db, &w->who, PERM_PEOPLE_READ, holder, NULL, 0) == DB_NOTFOUND)
        return person_elsewhere_audit(db, w, existing, holder, org, "import");
    if (rc == DB_OK) {
        (*unchanged)++;
        return DB_OK;
    }
    if (rc != DB_NOTFOUND)
        return rc;
    json_t *address = json_object_get(r, "address");
    if (address) {
        rc = import_household(db, w, households, org, json_string_value(address), &in.household_id);
        if (rc != DB_OK)
            return rc;
    }
    /* The audit summary: the row as the file gave it (its address, not the household found for it). */
    json_t *input = json_copy(person);
    if (address)
        json_object_set(input, "address", address);
    int64_t id = 0;
    rc = person_insert(db, w, &in, input, &id);
    json_decref(input);
    if (rc == DB_UNIQUE) {
        (*unchanged)++; /* already registered: re-importing a file changes nothing */
        rc = DB_OK;
    } else if (rc == DB_OK) {
        (*imported)++;
    }
    return rc;
}

int person_import_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    json_t *lines = json_object_get(data, "lines"), *households = json_object(), *chunk;
    int64_t imported = 0, unchanged = 0, done = 0, count = json_integer_value(json_object_get(data, "count"));
    size_t i;
    int rc = DB_OK;
    json_t *e;
    json_array_foreach(json_object_get(data, "elsewhere"), i, e) {
        rc = person_elsewhere_audit(db, w, json_integer_value(json_object_get(e, "person")),
                             json_integer_value(json_object_get(e, "holder")),
                             json_integer_value(json_object_get(e, "target")), "import");
        if (rc != DB_OK) {
            json_decref(households);
            return api_db_error(rep, w->lang, rc, NULL);
        }
    }
    if (json_object_get(data, "answer")) { /* a dry run or a refused file: only those rows' audit */
        json_decref(households);
        rep->status = (int)json_integer_value(json_object_get(data, "status"));
        rep->json = json_incref(json_object_get(data, "answer"));
        return 0;
    }
    progress_stage(w->progress, "write", count);
    json_array_foreach(lines, i, chunk) {
        const char *p = json_string_value(chunk), *end = p + json_string_length(chunk);
        while (rc == DB_OK && p < end) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            if (nl == NULL)
                nl = end;
            if (done > 0)
                progress_step(w->progress, done);
            json_t *r = json_loadb(p, (size_t)(nl - p), 0, NULL);
            rc = r ? import_one(db, w, households, r, &imported, &unchanged) : DB_ERR;
            json_decref(r);
            done++;
            p = nl + 1;
        }
        if (rc != DB_OK)
            break;
    }
    json_decref(households);
    if (rc == DB_OK)
        progress_step(w->progress, count);
    json_t *report = json_copy(json_object_get(data, "report"));
    json_object_set_new(report, "imported", json_integer(imported));
    json_object_set_new(report, "unchanged", json_integer(unchanged));
    if (rc == DB_OK)
        rc = audit_append(db, w, "persons.imported", "org", json_integer_value(json_object_get(data, "org")),
                          json_integer_value(json_object_get(data, "org")), report);
    if (rc != DB_OK) {
        json_decref(report);
        return api_db_error(rep, w->lang, rc == DB_NOTFOUND ? DB_ERR : rc, NULL);
    }
    api_json(rep, 200, report);
    return 0;
}

int person_import_prepare(api_req_t *req, const progress_t *progress, json_t **data, api_reply_t *rep)
{
    int64_t org = 0, partial = 0, dry_run = 0;
    *data = NULL;
    if (api_query_int(req, "org", 0, 1, INT64_MAX, &org) != 0)
        return api_fail(rep, req->lang, E_ORG_ID_INVALID, "org");
    char *mode = api_query(req, "mode");
    if (mode && strcmp(mode, "partial") != 0 && strcmp(mode, "all") != 0) {
        free(mode);
        return api_fail(rep, req->lang, E_IMPORT_MODE_INVALID, "mode");
    }
    partial = mode && strcmp(mode, "partial") == 0;
    free(mode);
    if (api_query_int(req, "dry_run", 0, 0, 1, &dry_run) != 0)
        return api_fail(rep, req->lang, E_DRY_RUN_INVALID, "dry_run");
    char lo[ACCESS_PATH_MAX], hi[ACCESS_PATH_MAX];
    int rc = access_list_range(req->db, req->who, PERM_PEOPLE_WRITE, org, lo, hi);
    if (rc != DB_OK)
        return api_db_error(rep, req->lang, rc, "org");
    if (!api_upload_type_ok(req))
        return api_fail(rep, req->lang, E_IMPORT_TYPE_UNSUPPORTED, "Content-Type");
    progress_stage(progress, "read", 1);
    sheet_t table;
    sheet_init(&table, &import_limits);
    int xlsx = req->upload_len >= 4 && memcmp(req->upload, "PK\x03\x04", 4) == 0; /* a zip: .xlsx */
    if (xlsx)
        xlsx_read(&table, req->upload, req->upload_len);
    else
        csv_read(&table, req->upload, req->upload_len);
    if (table.fail == SHEET_OK && sheet_rows(&table) < 2)
        table.fail = SHEET_UNREADABLE;
    if (table.fail != SHEET_OK) {
        import_read_error(req, &table, xlsx, rep);
        sheet_free(&table);
        return 0;
    }
    progress_step(progress, 1);
    /* Header: which column is what. */
    int where[NCOLUMNS];
    for (size_t c = 0; c < NCOLUMNS; c++) {
        where[c] = -1;
        for (size_t k = 0; k < sheet_width(&table, 0); k++) {
            const char *h = sheet_get(&table, 0, k);
            if (strcmp(h, columns[c].zh) == 0 || strcmp(h, columns[c].en) == 0 ||
                (columns[c].alt && strcmp(h, columns[c].alt) == 0))
                where[c] = (int)k;
        }
    }
    if (where[0] < 0 || where[1] < 0) {
        sheet_free(&table);
        return api_fail(rep, req->lang, E_IMPORT_HEADER_INCOMPLETE, "file");
    }
    json_t *errors = json_array(), *lines = json_array(), *elsewhere = json_array();
    buf_t chunk = {0};
    strset_t seen = {0};
    int64_t ngood = 0, nrows = (int64_t)sheet_rows(&table) - 1;
    progress_stage(progress, "check", nrows);
    for (int64_t r = 1; r <= nrows; r++) {
        progress_step(progress, r - 1);
        const char *cell[NCOLUMNS];
        for (size_t c = 0; c < NCOLUMNS; c++) {
            const char *v = where[c] >= 0 ? sheet_get(&table, (size_t)r, (size_t)where[c]) : NULL;
            cell[c] = v && *v ? v : NULL;
        }
        int64_t row_org = org ? org : path_last_id(lo); /* the file's node, else the caller's own */
        if (cell[3]) {
            char *end;
            long long x = strtoll(cell[3], &end, 10);
            int64_t by_code = 0;
            if (db_one_int(req->db, &by_code, "SELECT id FROM org WHERE code = ?", "t", cell[3]) == DB_OK)
                row_org = by_code;
            else if (*end == '\0' && x > 0)
                row_org = x;
            else
                row_org = -1;
        }
        char row_path[ACCESS_PATH_MAX] = "";
        if (row_org <= 0 || access_org(req->db, req->who, PERM_PEOPLE_WRITE, row_org, row_path, sizeof row_path) != DB_OK ||
            (org > 0 && !path_is_within(row_path, lo))) { /* rows stay inside the node the file is for */
            row_error(errors, r, "org", "not_found", strcmp(req->lang, "en") == 0 ? "no such organisation in your scope"
                                                                                     : "组织不存在或不在你的范围内");
            continue;
        }
        json_t *person = json_pack("{s:I}", "org_id", (json_int_t)row_org);
        static const int body_cols[] = {0, 1, 2, 5};
        for (size_t k = 0; k < sizeof body_cols / sizeof body_cols[0]; k++)
            if (cell[body_cols[k]])
                json_object_set_new(person, columns[body_cols[k]].key, json_string(cell[body_cols[k]]));
        if (cell[6])
            json_object_set_new(person, "tags", parse_tags(req->db, cell[6]));
        api_reply_t one = {0};
        person_in_t in;
        if (person_check_new(req, person, &in, &one) != 0) {
            json_t *e = json_object_get(one.json, "error");
            row_error(errors, r, json_string_value(json_object_get(e, "field")),
                      json_string_value(json_object_get(e, "code")), json_string_value(json_object_get(e, "message")));
            json_decref(one.json);
            json_decref(person);
            continue;
        }
        char idc[IDCARD_LEN + 1];
        person_id_card_norm(idc, in.id_card);
        int again = !strset_add(&seen, idc);
        sodium_memzero(idc, sizeof idc);
        if (again) {
            row_error(errors, r, "id_card", "conflict",
                      strcmp(req->lang, "en") == 0 ? "the same ID number is on an earlier row" : "与前面的行身份证号重复");
            json_decref(person);
            continue;
        }
        int64_t held = 0, holder = 0;
        if (person_by_id_card(req->db, req->keys, in.id_card, &held, &holder) == DB_OK &&
            access_org(req->db, req->who, PERM_PEOPLE_READ, holder, NULL, 0) == DB_NOTFOUND) {
            api_reply_t one_more = {0};
            person_elsewhere_error(&one_more, req->lang);
            json_t *e = json_object_get(one_more.json, "error");
            row_error(errors, r, "id_card", "person_exists_elsewhere", json_string_value(json_object_get(e, "message")));
            json_decref(one_more.json);
            json_array_append_new(elsewhere, json_pack("{s:I, s:I, s:I}", "person", (json_int_t)held, "holder",
                                                       (json_int_t)holder, "target", (json_int_t)row_org));
            json_decref(person);
            continue;
        }
        json_t *item = json_pack("{s:I, s:o}", "row", (json_int_t)r, "person", person);
        if (cell[4] && !text_field_valid(cell[4], 1, 200)) {
            row_error(errors, r, "address", "validation_failed",
                      strcmp(req->lang, "en") == 0 ? "an address is 1 to 200 characters without control characters"
                                                   : "地址应为 1-200 个字符，且不含控制字符");
            json_decref(item);
            continue;
        }
        if (cell[4])
            json_object_set_new(item, "address", json_string(cell[4]));
        ngood++;
        if (!dry_run)
            import_pack(lines, &chunk, item);
        json_decref(item);
    }
    progress_step(progress, nrows);
    strset_free(&seen);
    sheet_free(&table);
    import_pack(lines, &chunk, NULL);
    json_t *report = json_pack("{s:I, s:I, s:I, s:s, s:O}", "rows", (json_int_t)nrows, "valid", (json_int_t)ngood,
                               "invalid", (json_int_t)(nrows - ngood), "mode", partial ? "partial" : "all", "errors",
                               errors);
    json_decref(errors);
    if (dry_run || (!partial && ngood != nrows)) {
        json_decref(lines);
        if (dry_run) {
            api_json(rep, 200, report);
        } else {
            api_fail(rep, req->lang, E_IMPORT_REJECTED, "file");
            json_object_update(rep->json, report);
            json_decref(report);
        }
        if (json_array_size(elsewhere) == 0) {
            json_decref(elsewhere);
            return 0;
        }
        /* Nothing to import, but the rows held elsewhere are audited: the write answers rep. */
        *data = json_pack("{s:o, s:o, s:o}", "elsewhere", elsewhere, "answer", rep->json, "status",
                          json_integer(rep->status));
        *rep = (api_reply_t){0};
        return 0;
    }
    json_object_set_new(report, "imported", json_integer(0));
    *data = json_pack("{s:o, s:I, s:o, s:I, s:o}", "lines", lines, "count", (json_int_t)ngood, "report", report, "org",
                      (json_int_t)path_last_id(lo), "elsewhere", elsewhere);
    return 0;
}

/* An import read and checked on the offload pool: the request's parts the check
 * needs, copied (the pool touches nothing of the request), and what it gave. */
typedef struct import_job {
    api_req_t req;     /* what person_import_prepare reads, pointing into this job */
    principal_t who;
    char *query, *path, *upload_type;
    char *upload;      /* the file: personal data, wiped when let go */
    size_t upload_len;
    json_t *data;      /* the write's input, or NULL with the answer in rep */
    api_reply_t rep;
} import_job_t;

static void import_release(import_job_t *j);

static void import_job_free(void *arg)
{
    import_job_t *j = arg;
    import_release(j);
    free(j->query);
    free(j->path);
    free(j->upload_type);
    json_decref(j->data);
    json_decref(j->rep.json); /* the check answers only in JSON */
    free(j);
}

/* The file is read once the rows are checked: let it go then, wiped. */
static void import_release(import_job_t *j)
{
    if (j->upload)
        sodium_memzero(j->upload, j->upload_len);
    free(j->upload);
    j->upload = NULL;
    j->req.upload = NULL;
    j->req.upload_len = 0;
}

static void import_stage(void *arg, const char *name, int64_t total)
{
    (void)total;
    if (strcmp(name, "check") == 0)
        import_release(arg);
}

static void import_step(void *arg, int64_t done)
{
    (void)arg, (void)done;
}

/* On a pool thread: read the file and check its rows with a read connection of its
 * own; then give the memory of the file and of the table back to the system. */
static void import_work(void *arg)
{
    import_job_t *j = arg;
    char err[256];
    progress_t stages = {import_stage, import_step, j};
    if (db_open(&j->req.db, j->req.cfg->db_url, DB_OPEN_QUERY_ONLY, err, sizeof err) != DB_OK) {
        log_error("import: cannot open a read connection: %s", err);
        api_db_error(&j->rep, j->req.lang, DB_ERR, NULL);
    } else {
        if (person_import_prepare(&j->req, &stages, &j->data, &j->rep) != 0 && j->rep.status == 0)
            api_db_error(&j->rep, j->req.lang, DB_ERR, NULL);
        db_close(j->req.db);
    }
    j->req.db = NULL;
    import_release(j);
    malloc_trim(0);
}

/* Back on the request's loop: hand the rows to the writer, or answer. */
static int import_done(api_req_t *req, api_reply_t *rep, void *arg)
{
    import_job_t *j = arg;
    if (j->data) {
        json_t *data = j->data;
        j->data = NULL;
        return api_defer_kept(req, person_import_write, data);
    }
    *rep = j->rep;
    memset(&j->rep, 0, sizeof j->rep);
    return 0;
}

int person_import(api_req_t *req, api_reply_t *rep)
{
    import_job_t *j = xcalloc(1, sizeof *j);
    j->req = *req;
    j->req.db = NULL;
    j->req.body = NULL;
    j->req.priv = NULL;
    j->req.idem_key = j->req.cookie_token = NULL;
    if (req->who) {
        j->who = *req->who;
        j->req.who = &j->who;
    }
    j->req.path = j->path = xstrdup(req->path);
    j->req.query = j->query = xstrdup(req->query);
    j->req.upload_type = j->upload_type = req->upload_type ? xstrdup(req->upload_type) : NULL;
    j->upload_len = req->upload_len;
    j->upload = xmalloc(req->upload_len ? req->upload_len : 1);
    memcpy(j->upload, req->upload, req->upload_len);
    j->req.upload = j->upload;
    return api_offload(req, rep, OFFLOAD_IMPORT, import_work, import_done, j, import_job_free);
}

int person_import_template(api_req_t *req, api_reply_t *rep)
{
    char *fmt = api_query(req, "format");
    int xlsx = fmt && strcmp(fmt, "xlsx") == 0, ok = !fmt || xlsx || strcmp(fmt, "csv") == 0;
    free(fmt);
    if (!ok)
        return api_fail(rep, req->lang, E_EXPORT_FORMAT_INVALID, "format");
    /* The example row places its resident in a grid: with ?org=, the first grid (by
     * path) of that node as the caller may write there, by code or else by id (the
     * import takes either); without one, or with no grid there, the node itself or
     * a real community. */
    int64_t org = 0;
    if (api_query_int(req, "org", 0, 1, INT64_MAX, &org) != 0)
        return api_fail(rep, req->lang, E_ORG_ID_INVALID, "org");
    char place[32] = "340104006006", lo[ACCESS_PATH_MAX], hi[ACCESS_PATH_MAX];
    if (org > 0) {
        int rc = access_org(req->db, req->who, PERM_PEOPLE_WRITE, org, lo, sizeof lo);
        if (rc != DB_OK)
            return api_db_error(rep, req->lang, rc, "org");
        path_subtree_upper(hi, sizeof hi, lo);
        json_t *at = db_row_one_json(req->db,
                                     "SELECT id, code FROM org WHERE path >= ? AND path < ?"
                                     " ORDER BY CASE WHEN level = 'grid' THEN 0 ELSE 1 END, path LIMIT 1",
                                     "tt", lo, hi);
        const char *code = json_string_value(json_object_get(at, "code"));
        if (code)
            str_copy(place, sizeof place, code);
        else if (at)
            snprintf(place, sizeof place, "%lld", (long long)json_integer_value(json_object_get(at, "id")));
        json_decref(at);
    }
    json_t *table = json_pack("[[s, s, s, s, s, s, s], [s, s, s, s, s, s, s]]", "姓名", "身份证号", "手机号", "组织编码",
                              "户地址", "与户主关系", "标签", "王丽", "11010519491231002X", "13856785678",
                              place, "龙居小区 3 栋 201", "户主", "独居老人");
    size_t len = 0;
    char *body = NULL;
    if (xlsx) {
        body = xlsx_write(table, "居民", db_path(req->db), &len);
    } else {
        buf_t b = {0};
        buf_add(&b, "\xEF\xBB\xBF", 3);
        size_t r, c;
        json_t *row, *cell;
        json_array_foreach(table, r, row) {
            json_array_foreach(row, c, cell) csv_field(&b, json_string_value(cell), c + 1 == json_array_size(row));
        }
        body = b.p;
        len = b.len;
    }
    json_decref(table);
    if (body == NULL)
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    rep->status = 200;
    rep->raw = body;
    rep->raw_len = len;
    rep->content_type = xlsx ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                             : "text/csv; charset=utf-8";
    rep->filename = xstrdup(xlsx ? "persons-import-template.xlsx" : "persons-import-template.csv");
    return 0;
}

int person_export_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    int64_t org = json_integer_value(json_object_get(data, "org"));
    json_t *sum = json_pack("{s:O, s:O, s:O, s:O}", "rows", json_object_get(data, "rows"), "revealed",
                            json_object_get(data, "revealed"), "format", json_object_get(data, "format"), "query",
                            json_object_get(data, "query"));
    if (json_object_get(data, "reason"))
        json_object_set(sum, "reason", json_object_get(data, "reason"));
    int rc = audit_append_new(db, w, "persons.exported", "org", org, org, sum);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    return api_file_answer(rep, data);
}

int person_export_prepare(api_req_t *req, const char *scratch, const progress_t *progress, json_t **data,
                          api_reply_t *rep)
{
    int64_t reveal = 0;
    *data = NULL;
    char *fmt = api_query(req, "format");
    int xlsx = fmt && strcmp(fmt, "xlsx") == 0, fmt_ok = !fmt || xlsx || strcmp(fmt, "csv") == 0;
    free(fmt);
    if (!fmt_ok)
        return api_fail(rep, req->lang, E_EXPORT_FORMAT_INVALID, "format");
    if (api_query_int(req, "reveal", 0, 0, 1, &reveal) != 0)
        return api_fail(rep, req->lang, E_REVEAL_FLAG_INVALID, "reveal");
    /* The same rows as the list with the same query shows, all of them. */
    person_filter_t f;
    if (person_filter_read(req, PERM_PEOPLE_READ, &f, rep) != 0)
        return 0;
    /* A file by exact ID number would confirm a guess outside the list's limit. */
    if (f.id_guess) {
        const char *field = f.guess_field;
        person_filter_free(&f);
        return api_fail(rep, req->lang, E_EXPORT_BY_ID_FORBIDDEN, field);
    }
    /* Full values only on request, and only for who may reveal over the whole range. */
    if (reveal && !access_covers(req->who, PERM_PII_REVEAL, f.lo)) {
        person_filter_free(&f);
        return api_fail(rep, req->lang, E_REVEAL_FORBIDDEN, "reveal");
    }
    /* A full export says why, as a single reveal does (read again for the audit row). */
    char *reason = reveal ? api_query(req, "reason") : NULL;
    int bad_reason = reveal && api_reason_check(req->lang, reason, rep) != 0;
    free(reason);
    if (bad_reason) {
        person_filter_free(&f);
        return 0;
    }
    int64_t count = 0;
    db_one_int(req->db, &count, "SELECT COUNT(*) FROM person p JOIN org o ON o.id = p.org_id WHERE" PERSON_FILTER_SQL,
               PERSON_FILTER_TYPES, PERSON_FILTER_ARGS(&f));
    if (count > EXPORT_MAX_ROWS) {
        person_filter_free(&f);
        return api_fail(rep, req->lang, E_EXPORT_TOO_LARGE, "org");
    }
    /* Many full values at once need their own permission (admin's by default). */
    int64_t bulk = req->cfg ? req->cfg->export_bulk_rows : EXPORT_BULK_ROWS_DEFAULT;
    if (reveal && count > bulk && !access_covers(req->who, PERM_PII_EXPORT_BULK, f.lo)) {
        person_filter_free(&f);
        return api_failf(rep, req->lang, E_EXPORT_BULK_FORBIDDEN, "reveal", (long long)bulk);
    }
    int64_t node = path_last_id(f.lo);
    char code[32] = "";
    if (node <= 0 || db_one_text(req->db, code, sizeof code, "SELECT code FROM org WHERE id = ?", "i", node) != DB_OK)
        str_copy(code, sizeof code, "all");
    db_stmt_t *st = db_q(req->db,
                         "SELECT p.name, p.gender, CAST(p.birth_year AS TEXT), p.id_card_masked, p.id_card_enc, p.phone_masked,"
                         " p.phone_enc, o.code, o.name, h.address, p.relation,"
                         " (SELECT group_concat(name_zh, '、') FROM (SELECT k.name_zh FROM person_tag t"
                         "  JOIN person_tag_kind k ON k.code = t.tag WHERE t.person_id = p.id ORDER BY t.tag) AS s),"
                         " o.path"
                         " FROM person p JOIN org o ON o.id = p.org_id LEFT JOIN household h ON h.id = p.household_id"
                         " WHERE" PERSON_FILTER_SQL " ORDER BY p.id",
                         PERSON_FILTER_TYPES, PERSON_FILTER_ARGS(&f));
    person_filter_free(&f);
    int rc;
    if (st == NULL)
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    json_t *table = json_array(), *places = json_object();
    json_t *head = json_pack("[s, s, s, s, s, s, s]", "姓名", "性别", "出生年份", "身份证号", "手机号", "组织编码", "组织");
    for (int k = 0; k < ORG_PLACE_CELLS; k++)
        json_array_append_new(head, json_string(org_place_headers[k]));
    for (const char *const *h = (const char *const[]){"户地址", "与户主关系", "标签", NULL}; *h; h++)
        json_array_append_new(head, json_string(*h));
    json_array_append_new(table, head);
    int64_t rows = 0;
    progress_stage(progress, "read", count);
    while ((rc = db_step(st)) == DB_ROW) {
        if (rows % 256 == 0)
            progress_step(progress, rows);
        char *idc = reveal ? pii_decrypt(req->keys, "person.id_card", db_col_text(st, 4)) : NULL;
        char *phone = reveal && !db_col_is_null(st, 6) ? pii_decrypt(req->keys, "person.phone", db_col_text(st, 6))
                                                       : NULL;
        json_t *row = json_array();
#define TEXT_CELL(s) json_string((s) ? (s) : "")
        json_array_append_new(row, TEXT_CELL(db_col_text(st, 0)));
        json_array_append_new(row, json_string(strcmp(db_col_text(st, 1), "M") == 0 ? "男" : "女"));
        json_array_append_new(row, TEXT_CELL(db_col_text(st, 2)));
        json_array_append_new(row, TEXT_CELL(idc ? idc : db_col_text(st, 3)));
        json_array_append_new(row, TEXT_CELL(phone ? phone : db_col_text(st, 5)));
        for (int k = 7; k <= 8; k++)
            json_array_append_new(row, TEXT_CELL(db_col_text(st, k)));
        /* The community, grid and building of the row's node, by name and code. */
        const char *place[ORG_PLACE_CELLS];
        int placed = org_place_cells(req->db, places, db_col_text(st, 12), place);
        for (int k = 0; k < ORG_PLACE_CELLS; k++)
            json_array_append_new(row, json_string(place[k]));
        for (int k = 9; k <= 11; k++)
            json_array_append_new(row, TEXT_CELL(db_col_text(st, k)));
#undef TEXT_CELL
        json_array_append_new(table, row);
        if (idc) {
            sodium_memzero(idc, strlen(idc));
            free(idc);
        }
        if (phone) {
            sodium_memzero(phone, strlen(phone));
            free(phone);
        }
        rows++;
        if (placed != DB_OK) {
            rc = placed;
            break;
        }
    }
    db_done(st);
    json_decref(places);
    if (rc != DB_DONE) {
        json_decref(table);
        return api_db_error(rep, req->lang, rc, NULL);
    }
    progress_step(progress, rows);
    char *body = NULL;
    size_t blen = 0;
    if (xlsx) {
        body = xlsx_write(table, "居民", scratch, &blen);
    } else {
        buf_t b = {0};
        buf_add(&b, "\xEF\xBB\xBF", 3); /* so spreadsheet programs read UTF-8 */
        size_t r, c;
        json_t *row, *cell;
        json_array_foreach(table, r, row) {
            json_array_foreach(row, c, cell) csv_field(&b, json_string_value(cell), c + 1 == json_array_size(row));
        }
        body = b.p;
        blen = b.len;
    }
    json_decref(table);
    if (body == NULL)
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    char *b64 = api_base64_wipe(body, blen);
    /* The answer leaves only once its audit row is committed. */
    /* persons-340104006006-20261202.xlsx: the node's code and the day, in Asia/Shanghai. */
    char filename[96];
    snprintf(filename, sizeof filename, "persons-%s-%08d.%s", code, api_today_ymd(), xlsx ? "xlsx" : "csv");
    /* The filters as facts: which were used, never a personal number's value. */
    static const char *const filters[] = {"org", "household", "tag", "q", "id_card", "id_tail", "phone_tail",
                                          "reveal", "format", NULL};
    *data = json_pack("{s:I, s:I, s:b, s:o, s:s, s:s, s:s}", "org", (json_int_t)node, "rows", (json_int_t)rows,
                      "revealed", (int)reveal, "query", api_query_facts(req, filters), "format", xlsx ? "xlsx" : "csv",
                      "body", b64, "filename", filename);
    reason = reveal ? api_query(req, "reason") : NULL;
    if (reason)
        json_object_set_new(*data, "reason", json_string(reason));
    free(reason);
    free(b64);
    return 0;
}

int person_export(api_req_t *req, api_reply_t *rep)
{
    json_t *data;
    person_export_prepare(req, db_path(req->db), NULL, &data, rep);
    return data ? api_defer(req, person_export_write, data) : 0;
}

static const char *const import_modes[] = {"all", "partial", NULL};
static const char *const file_formats[] = {"csv", "xlsx", NULL};

static const field_t persons_import_query[] = {
    {"org", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"mode", F_ENUM, 0, 0, 0, import_modes, 0},
    {"dry_run", F_BOOL, 0, 0, 0, NULL, 0},
    FIELDS_END,
};
static const field_t persons_import_template_query[] = {
    {"format", F_ENUM, 0, 0, 0, file_formats, 0},
    {"org", F_INT, 0, 1, INT64_MAX, NULL, 0},
    FIELDS_END,
};
static const field_t persons_export_query[] = {
    PERSON_FILTER_QUERY,
    {"format", F_ENUM, 0, 0, 0, file_formats, 0},
    {"reveal", F_BOOL, 0, 0, 0, NULL, 0},
    {"reason", F_TEXT, 0, 0, 200, NULL, 0},
    FIELDS_END,
};

static const char *const import_types[] = {"text/csv", "text/plain",
                                           "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                                           "application/octet-stream", NULL};

/* The columns an import file may have, for `jiceng routes`. */
static json_t *person_import_describe(void)
{
    json_t *cols = json_array();
    for (size_t i = 0; i < NCOLUMNS; i++)
        json_array_append_new(cols, json_pack("{s:s, s:s, s:s?, s:s}", "key", columns[i].key, "zh", columns[i].zh,
                                              "alt", columns[i].alt, "en", columns[i].en));
    return json_pack("{s:o}", "columns", cols);
}

const op_t person_io_ops[] = {
    {OP(HTTP_POST, "/api/v1/persons/import", "persons.import", PERM(PERM_PEOPLE_WRITE), RF_UPLOAD | RF_WRITES,
        person_import), .query = persons_import_query, .upload_types = import_types,
     .describe = person_import_describe},
    {OP(HTTP_GET, "/api/v1/persons/import-template", "persons.import_template", PERM(PERM_PEOPLE_WRITE), 0,
        person_import_template), .query = persons_import_template_query},
    {OP(HTTP_GET, "/api/v1/persons/export", "persons.export", PERM(PERM_PEOPLE_READ), RF_WRITES, person_export),
     .query = persons_export_query},
    OPS_END,
};
