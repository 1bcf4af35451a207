/* Attachments: one store for the files the families take (docs/attachments.md).
 * A file belongs to an owner, a record of a kind some family declares
 * (attach_owner_t in internal.h: who sees the record, who may add or remove
 * its files in its present state); this file knows the kinds, never their
 * rules. The type is told by the bytes; the bytes are kept in the row. */
#include "api/internal.h"

#include "api/handlers.h"
#include "api/op.h"
#include "core/utf8.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"

/* The caps: a file (the upload's own cap), and the files of one record. */
#define FILE_MAX_MIB 10
#define OWNER_FILES_MAX 20
#define OWNER_MIB_MAX 50
#define MIB ((int64_t)1024 * 1024)

static const attach_owner_t *const owners[] = {
    &duty_item_files, &notice_files, &notice_receipt_files, &review_reporter_files, &inspection_files, &pairing_item_files,
    &brand_files, /* 党建品牌 (honour.c) */
    &venue_files, /* 活动阵地 (venue.c) */
    &party_candidate_step_files, /* 发展党员 (party_dev.c) */
    &party_meeting_files, /* 三会一课 (party_meeting.c) */
    NULL,
};

/* The kinds as the query's enum (owners[]'s kinds, in order). */
static const char *const owner_kinds[] = {"duty_item", "notice", "notice_receipt", "review_reporter", "inspection", "pairing_item",
                                           "brand", /* 党建品牌 (honour.c) */
                                           "venue", /* 活动阵地 (venue.c) */
                                           "party_candidate_step", /* 发展党员 (party_dev.c) */
                                           "party_meeting", /* 三会一课 (party_meeting.c) */
                                           NULL};

static const attach_owner_t *owner_of(const char *kind)
{
    for (int i = 0; kind && owners[i]; i++)
        if (strcmp(owners[i]->kind, kind) == 0)
            return owners[i];
    return NULL;
}

void attach_sha256(char hex[65], const void *bytes, size_t n)
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, bytes, n);
    sodium_bin2hex(hex, 65, h, sizeof h);
}

/* The stored type as a static string (what a download says it is). */
static const char *known_type(const char *mime)
{
    static const char *const types[] = {
        "image/jpeg", "image/png", "image/webp", "application/pdf",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", NULL,
    };
    for (int i = 0; types[i]; i++)
        if (strcmp(mime, types[i]) == 0)
            return types[i];
    return "application/octet-stream";
}

/* A file's name: a name of 1 to 100 code points (text_name_valid: no control
 * or format character) without a path separator, not "." or "..". */
static int name_ok(const char *s)
{
    return s != NULL && text_name_valid(s, 1, 100) && strpbrk(s, "/\\") == NULL && strcmp(s, ".") != 0 &&
           strcmp(s, "..") != 0;
}

/* The owner a request names (?owner=, ?owner_id=) and the caller sees: 0, or -1 with rep set. */
static int owner_seen(api_req_t *req, api_reply_t *rep, const attach_owner_t **o, int64_t *id, int64_t *org)
{
    char *kind = api_query(req, "owner");
    *o = owner_of(kind);
    free(kind);
    if (*o == NULL) /* the query's enum has refused it already */
        return api_fail(rep, req->lang, E_FILTER_ID_INVALID, "owner");
    if (api_query_int(req, "owner_id", 0, 1, INT64_MAX, id) != 0)
        return api_fail(rep, req->lang, E_FILTER_ID_INVALID, "owner_id");
    int rc = (*o)->scope(req->db, req->who, *id, org);
    return rc == DB_OK ? 0 : api_db_error(rep, req->lang, rc, (*o)->entity);
}

/* 0 if who may add to (removing 0) or remove from (1) the owner now, else -1 with rep set. */
static int owner_writable(db_t *db, const write_ctx_t *w, const attach_owner_t *o, int64_t id, int removing,
                          api_reply_t *rep)
{
    int e = o->writable(db, &w->who, id, removing);
    if (e < 0)
        return api_db_error(rep, w->lang, DB_ERR, NULL);
    return e == 0 ? 0 : api_fail(rep, w->lang, (err_t)e, NULL);
}

/* ---------------------------------------------------------------- list */

#define ATTACHMENT_COLUMNS                                                                                             \
    "SELECT a.id, a.owner_kind AS owner, a.owner_id, a.name, a.mime, a.size, a.sha256, a.created_at,"                \
    " a.created_by, u.display_name AS created_by_name FROM attachment a LEFT JOIN app_user u ON u.id = a.created_by"

/* GET /attachments?owner=&owner_id=: the files of a record the caller sees, oldest first. */
static int attachment_list(api_req_t *req, api_reply_t *rep)
{
    const attach_owner_t *o;
    int64_t id, org;
    if (owner_seen(req, rep, &o, &id, &org) != 0)
        return -1;
    json_t *items = db_rows_json(req->db, ATTACHMENT_COLUMNS " WHERE a.owner_kind = ? AND a.owner_id = ? ORDER BY a.id",
                                 "ti", o->kind, id);
    if (items == NULL)
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    return api_json(rep, 200, json_pack("{s:o}", "items", items));
}

/* ---------------------------------------------------------------- add */

/* What the handler hands the write: the owner, the name, the type, the bytes. */
typedef struct {
    const attach_owner_t *owner;
    int64_t owner_id;
    char name[512]; /* 100 code points of at most 4 bytes, and the NUL */
    const char *mime;
    size_t n;
    unsigned char bytes[];
} file_in_t;

static int add_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    (void)data;
    const file_in_t *in = w->in;
    int64_t org = 0, count = 0, total = 0, id = 0;
    int rc = in->owner->scope(db, &w->who, in->owner_id, &org);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, in->owner->entity);
    if (owner_writable(db, w, in->owner, in->owner_id, 0, rep) != 0)
        return -1;
    rc = db_one_int(db, &count, "SELECT COUNT(*) FROM attachment WHERE owner_kind = ? AND owner_id = ?", "ti",
                    in->owner->kind, in->owner_id);
    if (rc == DB_OK)
        rc = db_one_int(db, &total, "SELECT COALESCE(SUM(size), 0) FROM attachment WHERE owner_kind = ? AND owner_id = ?",
                        "ti", in->owner->kind, in->owner_id);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    if (count >= OWNER_FILES_MAX || total + (int64_t)in->n > OWNER_MIB_MAX * MIB)
        return api_failf(rep, w->lang, E_ATTACHMENT_LIMIT, "file", OWNER_FILES_MAX, OWNER_MIB_MAX);
    char hex[65];
    attach_sha256(hex, in->bytes, in->n);
    rc = db_one_int(db, &id,
                    "INSERT INTO attachment (owner_kind, owner_id, org_id, name, mime, size, sha256, bytes, created_by,"
                    " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                    "tiittitbii", in->owner->kind, in->owner_id, org, in->name, in->mime, (int64_t)in->n, hex,
                    in->bytes, in->n, w->who.user_id, w->now);
    /* The name stays out of the summary: a file's name may name a person. */
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "attachment.added", in->owner->kind, in->owner_id, org,
                              json_pack("{s:I, s:s, s:s, s:I}", "attachment_id", (json_int_t)id, "mime", in->mime,
                                        "sha256", hex, "size", (json_int_t)in->n));
    json_t *row = rc == DB_OK ? db_row_one_json(db, ATTACHMENT_COLUMNS " WHERE a.id = ?", "i", id) : NULL;
    if (row == NULL)
        return api_db_error(rep, w->lang, rc != DB_OK ? rc : DB_ERR, NULL);
    return api_json(rep, 201, row);
}

/* POST /attachments?owner=&owner_id=&name=: the body is the file. Refused
 * before the writer: an owner the caller does not see (404), an empty file,
 * an unknown type, a file over the cap; the write checks the caller's right
 * and the owner's state. */
static int attachment_add(api_req_t *req, api_reply_t *rep)
{
    const attach_owner_t *o;
    int64_t id, org;
    if (owner_seen(req, rep, &o, &id, &org) != 0)
        return -1;
    char *name = api_query(req, "name");
    if (!name_ok(name)) {
        free(name);
        return api_fail(rep, req->lang, E_ATTACHMENT_NAME_INVALID, "name");
    }
    const char *mime = req->upload_len == 0 ? NULL : attach_sniff((const unsigned char *)req->upload, req->upload_len, 0);
    int e = req->upload_len == 0                           ? E_ATTACHMENT_EMPTY
            : mime == NULL                                 ? E_ATTACHMENT_TYPE_UNSUPPORTED
            : req->upload_len > (size_t)(FILE_MAX_MIB * MIB) ? E_ATTACHMENT_TOO_LARGE
                                                           : -1;
    if (e >= 0) {
        free(name);
        return api_failf(rep, req->lang, (err_t)e, "file", FILE_MAX_MIB);
    }
    file_in_t *in = xmalloc(sizeof *in + req->upload_len);
    in->owner = o;
    in->owner_id = id;
    str_copy(in->name, sizeof in->name, name);
    free(name);
    in->mime = mime;
    in->n = req->upload_len;
    memcpy(in->bytes, req->upload, req->upload_len);
    return api_defer_in(req, add_write, NULL, in);
}

/* ---------------------------------------------------------------- one file */

/* An attachment the caller sees: its owner's sight. */
static int attachment_scope(db_t *db, const principal_t *who, int64_t id, int64_t *org)
{
    char kind[32] = "";
    int64_t owner = 0;
    int rc = db_one_text(db, kind, sizeof kind, "SELECT owner_kind FROM attachment WHERE id = ?", "i", id);
    if (rc == DB_OK)
        rc = db_one_int(db, &owner, "SELECT owner_id FROM attachment WHERE id = ?", "i", id);
    const attach_owner_t *o = owner_of(kind);
    if (rc != DB_OK)
        return rc;
    return o ? o->scope(db, who, owner, org) : DB_NOTFOUND;
}

/* The download's name, for Content-Disposition (the dispatcher encodes it). */
static int attachment_get(api_req_t *req, api_reply_t *rep)
{
    db_stmt_t *st = db_q(req->db, "SELECT mime, bytes, name FROM attachment WHERE id = ?", "i", req->params[0]);
    if (st == NULL)
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    if (db_step(st) != DB_ROW) {
        db_done(st);
        return api_db_error(rep, req->lang, DB_NOTFOUND, "attachment");
    }
    rep->content_type = known_type(db_col_text(st, 0));
    size_t n = 0;
    const void *p = db_col_blob(st, 1, &n);
    rep->raw = xmalloc(n ? n : 1);
    memcpy(rep->raw, p, n);
    rep->raw_len = n;
    rep->filename = xstrdup(db_col_text(st, 2));
    rep->status = 200;
    db_done(st);
    return 0;
}

static int delete_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    (void)data;
    char kind[32] = "", sha[65] = "";
    int64_t owner = 0, org = 0;
    int rc = attachment_scope(db, &w->who, w->id, &org);
    if (rc == DB_OK)
        rc = db_one_text(db, kind, sizeof kind, "SELECT owner_kind FROM attachment WHERE id = ?", "i", w->id);
    if (rc == DB_OK)
        rc = db_one_int(db, &owner, "SELECT owner_id FROM attachment WHERE id = ?", "i", w->id);
    if (rc == DB_OK)
        rc = db_one_text(db, sha, sizeof sha, "SELECT sha256 FROM attachment WHERE id = ?", "i", w->id);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "attachment");
    const attach_owner_t *o = owner_of(kind);
    if (owner_writable(db, w, o, owner, 1, rep) != 0)
        return -1;
    rc = db_exec(db, NULL, "DELETE FROM attachment WHERE id = ?", "i", w->id);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "attachment.removed", kind, owner, org,
                              json_pack("{s:I, s:s}", "attachment_id", (json_int_t)w->id, "sha256", sha));
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    rep->status = 204;
    return 0;
}

static int attachment_delete(api_req_t *req, api_reply_t *rep)
{
    (void)rep;
    return api_defer(req, delete_write, NULL);
}

/* ---------------------------------------------------------------- demo */

/* The demo's files: a small photo (a 64x48 PNG) and a one-page PDF. */
static const unsigned char demo_png[] =
    "\x89\x50\x4e\x47\x0d\x0a\x1a\x0a\x00\x00\x00\x0d\x49\x48\x44\x52\x00\x00\x00\x40\x00\x00\x00\x30"
    "\x08\x02\x00\x00\x00\x2e\x29\xeb\x48\x00\x00\x00\x43\x49\x44\x41\x54\x78\xda\xed\xcf\x41\x09\x00"
    "\x00\x08\x04\xb0\x8b\xe3\xd3\xe8\x46\xb4\x82\x5f\x61\xb0\x02\xcb\x74\xbd\x16\x01\x01\x01\x01\x01"
    "\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01"
    "\x01\x01\x01\x01\x01\x81\xab\x05\xa3\xf4\x60\xb5\x14\x11\xd5\xc4\x00\x00\x00\x00\x49\x45\x4e\x44"
    "\xae\x42\x60\x82";
static const unsigned char demo_pdf[] =
    "\x25\x50\x44\x46\x2d\x31\x2e\x34\x0a\x31\x20\x30\x20\x6f\x62\x6a\x0a\x3c\x3c\x2f\x54\x79\x70\x65"
    "\x2f\x43\x61\x74\x61\x6c\x6f\x67\x2f\x50\x61\x67\x65\x73\x20\x32\x20\x30\x20\x52\x3e\x3e\x0a\x65"
    "\x6e\x64\x6f\x62\x6a\x0a\x32\x20\x30\x20\x6f\x62\x6a\x0a\x3c\x3c\x2f\x54\x79\x70\x65\x2f\x50\x61"
    "\x67\x65\x73\x2f\x4b\x69\x64\x73\x5b\x33\x20\x30\x20\x52\x5d\x2f\x43\x6f\x75\x6e\x74\x20\x31\x3e"
    "\x3e\x0a\x65\x6e\x64\x6f\x62\x6a\x0a\x33\x20\x30\x20\x6f\x62\x6a\x0a\x3c\x3c\x2f\x54\x79\x70\x65"
    "\x2f\x50\x61\x67\x65\x2f\x50\x61\x72\x65\x6e\x74\x20\x32\x20\x30\x20\x52\x2f\x4d\x65\x64\x69\x61"
    "\x42\x6f\x78\x5b\x30\x20\x30\x20\x35\x39\x35\x20\x38\x34\x32\x5d\x3e\x3e\x0a\x65\x6e\x64\x6f\x62"
    "\x6a\x0a\x78\x72\x65\x66\x0a\x30\x20\x34\x0a\x30\x30\x30\x30\x30\x30\x30\x30\x30\x30\x20\x36\x35"
    "\x35\x33\x35\x20\x66\x20\x0a\x30\x30\x30\x30\x30\x30\x30\x30\x30\x39\x20\x30\x30\x30\x30\x30\x20"
    "\x6e\x20\x0a\x30\x30\x30\x30\x30\x30\x30\x30\x35\x34\x20\x30\x30\x30\x30\x30\x20\x6e\x20\x0a\x30"
    "\x30\x30\x30\x30\x30\x30\x31\x30\x35\x20\x30\x30\x30\x30\x30\x20\x6e\x20\x0a\x74\x72\x61\x69\x6c"
    "\x65\x72\x0a\x3c\x3c\x2f\x53\x69\x7a\x65\x20\x34\x2f\x52\x6f\x6f\x74\x20\x31\x20\x30\x20\x52\x3e"
    "\x3e\x0a\x73\x74\x61\x72\x74\x78\x72\x65\x66\x0a\x31\x37\x30\x0a\x25\x25\x45\x4f\x46\x0a";

/* One file for every row the statement's rows select as (owner, org, who or NULL). */
#define DEMO_FILES(rows)                                                                                               \
    "INSERT INTO attachment (owner_kind, owner_id, org_id, name, mime, size, sha256, bytes, created_by, created_at)"   \
    " SELECT ?, x.owner, x.org, ?, ?, ?, ?, ?, COALESCE(x.who, ?), ? FROM (" rows ") x ORDER BY x.owner"

int attachment_demo(db_t *db, const write_ctx_t *w)
{
    /* Each inspection's photo; the evidence of each item done; each reply's report
     * (the demo's replies say "见附件报告"); each 述职 report's full text. */
    static const struct {
        const char *sql, *kind, *name;
        int photo;
    } files[] = {
        {DEMO_FILES("SELECT id AS owner, org_id AS org, NULL AS who FROM inspection"), "inspection", "现场照片.png", 1},
        {DEMO_FILES("SELECT i.id AS owner, l.org_id AS org, NULL AS who FROM duty_item i"
                    " JOIN duty_list l ON l.id = i.list_id WHERE i.done = 1"),
         "duty_item", "进展佐证材料.pdf", 0},
        {DEMO_FILES("SELECT id AS owner, org_id AS org, replied_by AS who FROM notice_receipt"
                    " WHERE replied_at IS NOT NULL"),
         "notice_receipt", "落实情况报告.pdf", 0},
        {DEMO_FILES("SELECT id AS owner, org_id AS org, NULL AS who FROM review_reporter WHERE report IS NOT NULL"),
         "review_reporter", "述职报告全文.pdf", 0},
    };
    int64_t admin = 0;
    int rc = db_one_int(db, &admin, "SELECT MIN(id) FROM app_user", "");
    for (size_t i = 0; rc == DB_OK && i < sizeof files / sizeof files[0]; i++) {
        const unsigned char *bytes = files[i].photo ? demo_png : demo_pdf;
        size_t n = files[i].photo ? sizeof demo_png - 1 : sizeof demo_pdf - 1;
        char hex[65];
        attach_sha256(hex, bytes, n);
        rc = db_exec(db, NULL, files[i].sql, "tttitbii", files[i].kind, files[i].name,
                     files[i].photo ? "image/png" : "application/pdf", (int64_t)n, hex, bytes, n, admin, w->now);
    }
    return rc;
}

/* ---------------------------------------------------------------- the table */

static const entity_t attachment_entity = {"attachment", NULL, attachment_scope};

static const field_t owner_query[] = {
    {"owner", F_ENUM, 1, 0, 0, owner_kinds, 0},
    {"owner_id", F_INT, 1, 1, INT64_MAX, NULL, 0},
    FIELDS_END,
};
static const field_t add_query[] = {
    {"owner", F_ENUM, 1, 0, 0, owner_kinds, 0},
    {"owner_id", F_INT, 1, 1, INT64_MAX, NULL, 0},
    {"name", F_TEXT, 1, 1, 100, NULL, 0},
    FIELDS_END,
};
/* The type is read from the bytes, whatever the Content-Type says. */
static const char *const file_types[] = {"application/octet-stream",
                                         "application/pdf",
                                         "image/jpeg",
                                         "image/png",
                                         "image/webp",
                                         "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                                         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                                         NULL};

const op_t attachment_ops[] = {
    {OP(HTTP_GET, "/api/v1/attachments", "attachments.list", USER, 0, attachment_list), .query = owner_query},
    {OP(HTTP_POST, "/api/v1/attachments", "attachments.add", USER, RF_UPLOAD | RF_WRITES, attachment_add),
     .query = add_query, .upload_types = file_types},
    {OP(HTTP_GET, "/api/v1/attachments/{id}", "attachments.get", USER, 0, attachment_get), .entity = &attachment_entity},
    {OP(HTTP_DELETE, "/api/v1/attachments/{id}", "attachments.delete", USER, RF_WRITES, attachment_delete),
     .entity = &attachment_entity},
    OPS_END,
};
